/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The routes of a member company's workforce (seed 3.6.1.1 "Déclarer mes
 * effectifs"): list, declare, read, change and exit a worker, a worker's
 * history, the distribution of the workforce by follow-up category; the CSV
 * import's route (csv_import.c) is registered here with them. Staff of the
 * service, or the company's employer users with the role "declaration" (the
 * distribution: any role). The workers' data is in worker.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "membership.h"

/* ---- HTTP ----------------------------------------------------------------- */

/* The company of the path, with the access check: staff of the service, or an
 * employer user holding @p role in that company. 0 or a reply was sent. */
int membership_company_param(socle_req *req, const char *role, int64_t *company_id)
{
	socle_err err = SOCLE_ERR_INIT;
	int rc = socle_req_param_id(req, "id", company_id);

	if (rc != 0) {
		socle_reply_error(req, 404, "not_found", "Entreprise introuvable.");
		return rc;
	}
	if ((rc = membership_company_access(req, *company_id, role, &err)) != 0) {
		socle_reply_err(req, &err);
		return rc;
	}
	return 0;
}

/* GET /membership/companies/{id}/workers?category=&active=&limit=&cursor= */
static int workers_list(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company_id, after;
	int limit, active = -1;
	(void)ud;

	if (membership_company_param(req, MEMBERSHIP_ROLE_DECLARATION, &company_id) != 0)
		return 0;
	if (socle_req_page(req, &limit, &after, &err) != 0)
		return socle_reply_err(req, &err);
	const char *cat = socle_req_query(req, "category"), *act = socle_req_query(req, "active");
	if (cat && strcmp(cat, "SI") && strcmp(cat, "SIA") && strcmp(cat, "SIR") && strcmp(cat, "none"))
		return socle_reply_error(req, 400, "invalid",
		                         "category : SI, SIA, SIR ou none (non calculée) attendu.");
	if (act) {
		if (strcmp(act, "true") == 0)
			active = 1;
		else if (strcmp(act, "false") == 0)
			active = 0;
		else
			return socle_reply_error(req, 400, "invalid", "active : true ou false attendu.");
	}
	socle_db *db = socle_req_reader(req, &err);
	if (db == NULL)
		return socle_reply_err(req, &err);
	json_t *items = membership_workers_page(db, company_id, after, limit, cat, active, &err);
	if (items == NULL)
		return socle_reply_err(req, &err);
	return socle_reply_page(req, items, limit, "id");
}

struct worker_write {
	socle_req *req;
	int64_t company_id;
	int64_t worker_id;
	const json_t *body;
	json_t *errors;   /* field errors found inside the transaction */
	json_t *result;   /* the worker as stored */
	const char *audit_action;
	const char *effective_on; /* PATCH: the day the change takes effect (NULL: today) */
};

static int worker_reload(socle_db *wdb, struct worker_write *ww, socle_err *err)
{
	ww->result = membership_worker_load(wdb, ww->company_id, ww->worker_id, err);
	return ww->result ? 0 : (err && err->code ? err->code : SOCLE_E_INTERNAL);
}

static int audit_worker(socle_db *wdb, struct worker_write *ww, json_t *detail, socle_err *err)
{
	struct socle_audit_entry e = {.action = ww->audit_action, .object_type = "worker",
	                              .object_id = ww->worker_id, .outcome = "ok", .detail = detail};
	int rc = socle_audit(wdb, ww->req, &e, err);

	json_decref(detail);
	return rc;
}

static int declare_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct worker_write *ww = ud;
	char today[11];
	int rc;

	socle_date_today(today);
	if ((rc = membership_company_writable(wdb, ww->company_id, err)) != 0)
		return rc;
	/* Checked again in the transaction: the establishment or the reference
	 * may have changed since the request was read. */
	if (membership_worker_check_dates(wdb, ww->company_id, ww->body, NULL, &ww->errors) > 0)
		return SOCLE_E_INVAL;
	json_t *w = membership_worker_normalize(ww->body, NULL);
	if (w == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	rc = membership_worker_insert(wdb, ww->req, ww->company_id, w, today, "api", &ww->worker_id,
	                              err);
	json_decref(w);
	if (rc == SOCLE_E_EXISTS) {
		socle_field_error(&ww->errors, "external_ref",
		                  "Un salarié de cette entreprise porte déjà cette référence.");
		return SOCLE_E_INVAL;
	}
	if (rc == 0)
		rc = audit_worker(wdb, ww, json_pack("{s:I}", "company_id", (json_int_t)ww->company_id),
		                  err);
	return rc ? rc : worker_reload(wdb, ww, err);
}

/* Run a worker write and answer: 422 with the field errors found inside,
 * the error otherwise, or @p status with the stored worker. */
static int worker_write_reply(socle_req *req, socle_write_fn fn, struct worker_write *ww,
                              unsigned status)
{
	socle_err err = SOCLE_ERR_INIT;
	int rc = socle_service_write(socle_req_service(req), fn, ww, &err);

	if (rc == SOCLE_E_INVAL && ww->errors) {
		json_decref(ww->result);
		return socle_reply_invalid(req, ww->errors);
	}
	json_decref(ww->errors);
	if (rc != 0) {
		json_decref(ww->result);
		return socle_reply_err(req, &err);
	}
	return socle_reply_json(req, status, ww->result);
}

/* POST /membership/companies/{id}/workers */
static int worker_declare(socle_req *req, void *ud)
{
	struct worker_write ww = {.req = req, .body = socle_req_body(req),
	                          .audit_action = "membership.worker.declare"};
	socle_err err = SOCLE_ERR_INIT;
	(void)ud;

	if (membership_company_param(req, MEMBERSHIP_ROLE_DECLARATION, &ww.company_id) != 0)
		return 0;
	socle_db *db = socle_req_reader(req, &err);
	if (db == NULL)
		return socle_reply_err(req, &err);
	if (membership_worker_check(db, ww.company_id, ww.body, false, NULL, &ww.errors) > 0)
		return socle_reply_invalid(req, ww.errors);
	json_decref(ww.errors);
	ww.errors = NULL;
	return worker_write_reply(req, declare_txn, &ww, 201);
}

static int worker_param(socle_req *req, int64_t *company_id, int64_t *worker_id)
{
	if (membership_company_param(req, MEMBERSHIP_ROLE_DECLARATION, company_id) != 0)
		return -1;
	if (socle_req_param_id(req, "wid", worker_id) != 0) {
		socle_reply_error(req, 404, "not_found", "Salarié introuvable dans cette entreprise.");
		return -1;
	}
	return 0;
}

/* GET /membership/companies/{id}/workers/{wid} */
static int worker_get(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company_id, id;
	(void)ud;

	if (worker_param(req, &company_id, &id) != 0)
		return 0;
	socle_db *db = socle_req_reader(req, &err);
	json_t *w = db ? membership_worker_load(db, company_id, id, &err) : NULL;
	if (w == NULL)
		return socle_reply_err(req, &err);
	return socle_reply_json(req, 200, w);
}

static int patch_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct worker_write *ww = ud;
	char today[11];

	socle_date_today(today);
	if (membership_company_writable(wdb, ww->company_id, err) != 0)
		return err->code;
	json_t *old = membership_worker_load(wdb, ww->company_id, ww->worker_id, err);
	if (old == NULL)
		return err->code ? err->code : SOCLE_E_NOTFOUND;
	json_t *w = membership_worker_normalize(ww->body, old);
	if (w == NULL) {
		json_decref(old);
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	}
	/* The history of the change is dated the day it takes effect. */
	const char *on = ww->effective_on ? ww->effective_on : today;
	int rc = membership_worker_check_dates(wdb, ww->company_id, w, NULL, &ww->errors) > 0 ||
	                         membership_effective_on_check(old, on, today, &ww->errors) > 0
	                 ? SOCLE_E_INVAL
	                 : membership_worker_update(wdb, ww->req, old, w, on, "api", err);
	json_decref(w);
	if (rc == 1) {
		json_t *now = membership_worker_load(wdb, ww->company_id, ww->worker_id, err);
		int r = now ? membership_assignment_note(wdb, old, now, on, today, err)
		            : (err->code ? err->code : SOCLE_E_NOTFOUND);

		json_decref(now);
		if (r < 0)
			rc = r;
	}
	json_decref(old);
	if (rc == SOCLE_E_EXISTS) {
		socle_field_error(&ww->errors, "external_ref",
		                  "Un salarié de cette entreprise porte déjà cette référence.");
		return SOCLE_E_INVAL;
	}
	if (rc == 1)
		rc = audit_worker(wdb, ww, json_pack("{s:I}", "company_id", (json_int_t)ww->company_id),
		                  err);
	return rc < 0 ? rc : worker_reload(wdb, ww, err);
}

/* The day a change takes effect (assignment.c): a move to nights or to a SIR
 * post, the end of an exposure. */
static const struct socle_field patch_effective_field[] = {
	{.name = "effective_on", .type = SOCLE_F_DATE},
};

/* PATCH /membership/companies/{id}/workers/{wid}: the fields given change,
 * on effective_on (default today). */
static int worker_patch(socle_req *req, void *ud)
{
	struct worker_write ww = {.req = req, .body = socle_req_body(req),
	                          .audit_action = "membership.worker.update"};
	(void)ud;

	if (worker_param(req, &ww.company_id, &ww.worker_id) != 0)
		return 0;
	/* effective_on is not a field of the worker: checked apart, then taken
	 * out of the fields the worker's table checks. */
	json_t *fields = json_is_object(ww.body) ? json_copy((json_t *)ww.body) : NULL;
	json_t *eff = json_pack("{s:O?}", "effective_on",
	                        fields ? json_object_get(fields, "effective_on") : NULL);
	if (fields != NULL) {
		json_object_del(fields, "effective_on");
		ww.body = fields;
	}
	int rc;
	if (json_is_null(json_object_get(eff, "effective_on")))
		json_object_del(eff, "effective_on");
	if ((socle_fields_check(eff, patch_effective_field, 1, NULL, &ww.errors) +
	     membership_worker_check(NULL, ww.company_id, ww.body, true, NULL, &ww.errors)) > 0)
		rc = socle_reply_invalid(req, ww.errors);
	else {
		ww.effective_on = json_string_value(json_object_get(eff, "effective_on"));
		rc = worker_write_reply(req, patch_txn, &ww, 200);
	}
	json_decref(eff);
	json_decref(fields);
	return rc;
}

static const struct socle_field exit_fields[] = {
	{.name = "end_date", .type = SOCLE_F_DATE, .required = true},
	{.name = "end_reason", .type = SOCLE_F_ENUM, .choices = membership_end_reasons},
};

static int exit_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct worker_write *ww = ud;
	char today[11];

	socle_date_today(today);
	if (membership_company_writable(wdb, ww->company_id, err) != 0)
		return err->code;
	json_t *old = membership_worker_load(wdb, ww->company_id, ww->worker_id, err);
	if (old == NULL)
		return err->code ? err->code : SOCLE_E_NOTFOUND;
	const char *end = json_string_value(json_object_get(ww->body, "end_date"));
	const char *prev = json_string_value(json_object_get(old, "end_date"));
	int rc;

	if (prev != NULL) {
		rc = socle_err_set(err, SOCLE_E_CONFLICT, "Ce salarié est déjà sorti le %s.", prev);
	} else if (strcmp(end, json_string_value(json_object_get(old, "start_date"))) < 0) {
		socle_field_error(&ww->errors, "end_date",
		                  "La date de sortie ne peut précéder la date d'embauche.");
		rc = SOCLE_E_INVAL;
	} else {
		json_t *w = membership_worker_normalize(ww->body, old);

		rc = w ? membership_worker_update(wdb, ww->req, old, w, today, "api", err)
		       : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
		json_decref(w);
		if (rc == 1 && membership_end_reason_store(wdb, ww->worker_id,
		                   json_string_value(json_object_get(ww->body, "end_reason")), err) != 0)
			rc = err->code ? err->code : SOCLE_E_STORE;
		if (rc == 1)
			rc = audit_worker(wdb, ww, json_pack("{s:I, s:s}", "company_id",
			                                     (json_int_t)ww->company_id, "end_date", end),
			                  err);
	}
	json_decref(old);
	return rc < 0 ? rc : worker_reload(wdb, ww, err);
}

/* POST /membership/companies/{id}/workers/{wid}/exit {end_date} */
static int worker_exit(socle_req *req, void *ud)
{
	struct worker_write ww = {.req = req, .body = socle_req_body(req),
	                          .audit_action = "membership.worker.exit"};
	(void)ud;

	if (worker_param(req, &ww.company_id, &ww.worker_id) != 0)
		return 0;
	if (socle_fields_check(ww.body, exit_fields, SOCLE_COUNT(exit_fields), NULL, &ww.errors) > 0)
		return socle_reply_invalid(req, ww.errors);
	return worker_write_reply(req, exit_txn, &ww, 200);
}

/* GET /membership/companies/{id}/workers/{wid}/history: newest first. */
static int worker_history(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company_id, id, after;
	int limit;
	(void)ud;

	if (worker_param(req, &company_id, &id) != 0)
		return 0;
	if (socle_req_page(req, &limit, &after, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *w = db ? membership_worker_load(db, company_id, id, &err) : NULL;
	if (w == NULL)
		return socle_reply_err(req, &err);
	json_decref(w);
	socle_stmt *st = socle_db_prepare(db,
		"SELECT id, kind, changed_on, at_ms, user_id, source, before_values, after_values"
		" FROM membership_worker_history WHERE worker_id = :worker"
		" AND (:after = 0 OR id < :after) ORDER BY id DESC LIMIT :limit", &err);
	if (st == NULL)
		return socle_reply_err(req, &err);
	socle_stmt_bind_int(st, ":worker", id);
	socle_stmt_bind_int(st, ":after", after);
	socle_stmt_bind_int(st, ":limit", limit);
	json_t *items = json_array();
	int rc = 0;
	while (items && (rc = socle_stmt_step(st, &err)) == 1) {
		json_t *h = json_pack("{s:I, s:s, s:s, s:I, s:o, s:s, s:o, s:o}", "id",
		                      (json_int_t)socle_stmt_int(st, 0), "kind", socle_stmt_text(st, 1),
		                      "changed_on", socle_stmt_text(st, 2), "at",
		                      (json_int_t)socle_stmt_int(st, 3), "user_id",
		                      socle_stmt_is_null(st, 4) ? json_null()
		                                                : json_integer(socle_stmt_int(st, 4)),
		                      "source", socle_stmt_text(st, 5), "before",
		                      json_loads(socle_stmt_text(st, 6), 0, NULL), "after",
		                      json_loads(socle_stmt_text(st, 7), 0, NULL));
		json_array_append_new(items, h);
	}
	socle_stmt_release(st);
	if (items == NULL)
		return SOCLE_E_NOMEM;
	if (rc < 0) {
		json_decref(items);
		return socle_reply_err(req, &err);
	}
	json_t *body = json_pack("{s:I, s:o}", "worker_id", (json_int_t)id, "items", items);
	json_object_set_new(body, "next_cursor", socle_page_cursor(items, limit, "id"));
	return socle_reply_json(req, 200, body);
}

/* GET /membership/companies/{id}/workforce/distribution: the active workforce
 * by follow-up category (seed 3.6.1.1), with the workers whose category could
 * not be computed. Any employer user of the company may see it. */
static int workforce_distribution(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company_id;
	char today[11];
	(void)ud;

	if (membership_company_param(req, NULL, &company_id) != 0)
		return 0;
	socle_db *db = socle_req_reader(req, &err);
	if (db == NULL)
		return socle_reply_err(req, &err);
	socle_date_today(today);
	json_t *p = json_pack("{s:I, s:s}", "company", (json_int_t)company_id, "today", today);
	json_t *rows = socle_db_query(db,
		"SELECT category, COUNT(*) AS n, SUM(category_attestation) AS attestation"
		" FROM membership_worker WHERE company_id = :company"
		" AND (end_date IS NULL OR end_date >= :today) GROUP BY category", p, &err);
	json_t *missing = rows ? socle_db_query(db,
		"SELECT id, external_ref, last_name, first_name, category_error"
		" FROM membership_worker WHERE company_id = :company AND category IS NULL"
		" AND (end_date IS NULL OR end_date >= :today) ORDER BY id LIMIT 100", p, &err) : NULL;
	json_decref(p);
	if (missing == NULL) {
		json_decref(rows);
		return socle_reply_err(req, &err);
	}
	json_int_t total = 0, uncomputed = 0, attestation = 0;
	json_t *counts = json_pack("{s:i, s:i, s:i}", "SI", 0, "SIA", 0, "SIR", 0);
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		json_int_t n = json_integer_value(json_object_get(r, "n"));
		const char *c = json_string_value(json_object_get(r, "category"));

		total += n;
		attestation += json_integer_value(json_object_get(r, "attestation"));
		if (c)
			json_object_set_new(counts, c, json_integer(n));
		else
			uncomputed += n;
	}
	json_decref(rows);
	json_t *shares = json_object();
	const char *k;
	json_t *v;
	json_object_foreach(counts, k, v)
		/* One decimal is what a chart shows; the counts stay exact. */
		json_object_set_new(shares, k, json_real(total ? (double)(long long)(
			1000.0 * (double)json_integer_value(v) / (double)total + 0.5) / 10.0 : 0.0));
	return socle_reply_json(req, 200,
		json_pack("{s:I, s:s, s:I, s:o, s:o, s:I, s:I, s:o}", "company_id",
		          (json_int_t)company_id, "on_date", today, "total", total, "categories",
		          counts, "percent", shares, "attestation_caces", attestation, "uncomputed",
		          uncomputed, "uncomputed_workers", missing));
}

static const struct socle_route workforce_routes[] = {
	{SOCLE_GET, "/membership/companies/{id}/workers", "membership.workforce", 0, workers_list,
	 NULL},
	{SOCLE_POST, "/membership/companies/{id}/workers", "membership.workforce", 16384,
	 worker_declare, NULL},
	{SOCLE_POST | SOCLE_ROUTE_CSV, "/membership/companies/{id}/workers/import",
	 "membership.workforce", MEMBERSHIP_IMPORT_MAX_BYTES, membership_import_route, NULL},
	{SOCLE_GET, "/membership/companies/{id}/workers/{wid}", "membership.workforce", 0,
	 worker_get, NULL},
	{SOCLE_PATCH, "/membership/companies/{id}/workers/{wid}", "membership.workforce", 16384,
	 worker_patch, NULL},
	{SOCLE_POST, "/membership/companies/{id}/workers/{wid}/exit", "membership.workforce", 1024,
	 worker_exit, NULL},
	{SOCLE_GET, "/membership/companies/{id}/workers/{wid}/history", "membership.workforce", 0,
	 worker_history, NULL},
	{SOCLE_GET, "/membership/companies/{id}/workforce/distribution", "membership.workforce", 0,
	 workforce_distribution, NULL},
};

static const char *const category_choices[] = {"SI", "SIA", "SIR", "none", NULL};
static const char *const active_choices[] = {"true", "false", NULL};
static const struct socle_field workers_query[] = {
	{.name = "category", .type = SOCLE_F_ENUM, .choices = category_choices},
	{.name = "active", .type = SOCLE_F_ENUM, .choices = active_choices},
	MEMBERSHIP_PAGE_QUERY,
};
static const struct socle_field page_query[] = {MEMBERSHIP_PAGE_QUERY};

#define WORKER_SHAPE                                                                           \
	"le salarié tel que déclaré (external_ref, noms, naissance, poste, contrat, dates,"       \
	" temps de travail, expositions...), avec sa catégorie de suivi (category, reasons,"      \
	" basis, attestation_caces, review_on)"

static const struct socle_route_doc workforce_docs[] = {
	{SOCLE_GET, "/membership/companies/{id}/workers",
	 "Les salariés déclarés de l'entreprise, par catégorie de suivi ou présence.", NULL, 0,
	 workers_query, SOCLE_COUNT(workers_query), "{items: [salarié], next_cursor}, par id."},
	{SOCLE_POST, "/membership/companies/{id}/workers",
	 "Déclarer un salarié ; sa catégorie de suivi est calculée par les règles du service.",
	 membership_worker_fields_new, MEMBERSHIP_WORKER_N_FIELDS, NULL, 0,
	 "201 : " WORKER_SHAPE "."},
	{SOCLE_POST, "/membership/companies/{id}/workers/import",
	 "Importer tout l'effectif d'un fichier CSV (text/csv, tout ou rien ; les salariés absents"
	 " du fichier ne sont pas sortis).", NULL, 0, NULL, 0,
	 "{company_id, lines, created, updated, unchanged, absent_not_exited, note} ; 422 avec"
	 " chaque erreur, sa ligne et sa colonne, rien n'est écrit."},
	{SOCLE_GET, "/membership/companies/{id}/workers/{wid}",
	 "Un salarié de l'entreprise, avec sa catégorie de suivi et ses raisons.", NULL, 0, NULL, 0,
	 WORKER_SHAPE "."},
	{SOCLE_PATCH, "/membership/companies/{id}/workers/{wid}",
	 "Modifier un salarié (les champs donnés) ; l'historique garde l'avant et l'après.",
	 membership_worker_fields_patch, MEMBERSHIP_WORKER_N_FIELDS - 1, NULL, 0,
	 WORKER_SHAPE "."},
	{SOCLE_POST, "/membership/companies/{id}/workers/{wid}/exit",
	 "Enregistrer la sortie d'un salarié de l'entreprise.", exit_fields,
	 SOCLE_COUNT(exit_fields), NULL, 0, WORKER_SHAPE "."},
	{SOCLE_GET, "/membership/companies/{id}/workers/{wid}/history",
	 "L'historique d'un salarié (déclaration, changements, poste, sortie, catégorie), du plus"
	 " récent au plus ancien.", NULL, 0, page_query, SOCLE_COUNT(page_query),
	 "{worker_id, items: [{id, kind, changed_on, at, user_id, source, before, after}],"
	 " next_cursor}."},
	{SOCLE_GET, "/membership/companies/{id}/workforce/distribution",
	 "La répartition de l'effectif présent par catégorie de suivi (SI, SIA, SIR).", NULL, 0, NULL,
	 0,
	 "{company_id, on_date, total, categories {SI, SIA, SIR}, percent, attestation_caces,"
	 " uncomputed, uncomputed_workers []}."},
};

int membership_workforce_init(socle_plugin *p, socle_err *err)
{
	int rc;

	/* Staff of the service and employer users; which company an employer may
	 * touch (and with which role) is checked per request. */
	if ((rc = socle_plugin_add_capability(p, "membership.workforce",
	                                      SOCLE_ROLES_STAFF |
	                                              SOCLE_ROLE_BIT(SOCLE_ROLE_EMPLOYER),
	                                      err)) ||
	    (rc = socle_plugin_add_routes(p, workforce_routes, SOCLE_COUNT(workforce_routes), err)) ||
	    (rc = socle_plugin_describe_routes(p, workforce_docs, SOCLE_COUNT(workforce_docs), err)))
		return rc;
	return 0;
}
