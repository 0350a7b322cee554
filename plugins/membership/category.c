/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The follow-up category of a worker (SI, SIA, SIR; R4624-10 to -28), given
 * by the rule point follow_up_category(worker, on_date) of the service's Lua
 * rules: its contract, the call, the columns stored with the worker and the
 * category_changed history and event; then its recomputation when a
 * date-dependent input moves (a minor turning 18, a dated rule taking effect):
 * hourly for the workers that are due, or on demand for the whole service. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "membership.h"

/* ---- the follow-up category ----------------------------------------------- */

static const char *const category_codes[] = {"SI", "SIA", "SIR", NULL};

static int check_string_list(const json_t *v, const char *key, socle_err *err)
{
	size_t i;
	const json_t *e;

	if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > 50)
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "%s doit être une liste non vide (au plus 50) de textes", key);
	json_array_foreach(v, i, e)
		if (!json_is_string(e) || json_string_length(e) == 0 || json_string_length(e) > 1000)
			return socle_err_set(err, SOCLE_E_CONTRACT,
			                     "%s[%zu] doit être un texte non vide (1000 octets au plus)",
			                     key, i + 1);
	return 0;
}

/* Contract of follow_up_category (checked after every call and by socle check). */
static int category_contract(const json_t *r, socle_err *err)
{
	const json_t *cat = json_object_get(r, "category"), *att, *rev;
	bool known = false;
	int rc;

	if (!json_is_object(r))
		return socle_err_set(err, SOCLE_E_CONTRACT, "le résultat doit être une table");
	for (size_t i = 0; json_is_string(cat) && category_codes[i]; i++)
		known = known || strcmp(category_codes[i], json_string_value(cat)) == 0;
	if (!known)
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "category doit valoir \"SI\", \"SIA\" ou \"SIR\"");
	if ((rc = check_string_list(json_object_get(r, "reasons"), "reasons", err)) ||
	    (rc = check_string_list(json_object_get(r, "basis"), "basis", err)))
		return rc;
	att = json_object_get(r, "attestation_caces");
	if (att != NULL && !json_is_boolean(att))
		return socle_err_set(err, SOCLE_E_CONTRACT, "attestation_caces doit être un booléen");
	rev = json_object_get(r, "review_on");
	if (rev != NULL && !socle_date_valid(json_string_value(rev)))
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "review_on doit être une date \"AAAA-MM-JJ\"");
	return 0;
}

static const struct socle_rule_point category_rule = {
	.name = "follow_up_category",
	.contract =
		"follow_up_category(worker, on_date) -> { category = \"SI\"|\"SIA\"|\"SIR\", reasons = "
		"{ textes en français, non vide }, basis = { articles, non vide }, attestation_caces = "
		"booléen (facultatif : régime CACES / habilitation électrique du décret 2025-355), "
		"review_on = \"AAAA-MM-JJ\" (facultatif : prochaine date où le résultat peut changer "
		"à données égales) }. worker porte les champs déclarés (birth_date, contract_type, "
		"start_date, end_date, working_time, job_title, night_worker, rqth, invalidity_pension, "
		"exposures, sir_post, caces_or_electrical, ionising_category_a, minor_regulated_work) ; "
		"on_date est la date \"AAAA-MM-JJ\" à laquelle la catégorie s'applique.",
	.n_args = 2,
	.check = category_contract,
};

/* What the rule point sees of a worker: what sets the category, not the
 * identity (names and external reference stay out of scripts). */
static json_t *rule_view(const json_t *w)
{
	static const char *const keep[] = {
		"birth_date", "contract_type", "start_date", "end_date", "working_time", "job_title",
		"night_worker", "rqth", "invalidity_pension", "exposures", "sir_post",
		"caces_or_electrical", "ionising_category_a", "minor_regulated_work",
	};
	json_t *v = json_object();

	for (size_t i = 0; v && i < SOCLE_COUNT(keep); i++) {
		json_t *x = json_object_get(w, keep[i]);

		if (x != NULL && !json_is_null(x))
			json_object_set(v, keep[i], x);
	}
	return v;
}

/* The rule's result turned into the columns to store (new object). @p res
 * NULL: the call failed with @p err. */
static json_t *category_columns(const json_t *res, const socle_err *err, const char *on_date)
{
	if (res == NULL)
		return json_pack("{s:n, s:n, s:n, s:b, s:n, s:s, s:s}", "category", "category_reasons",
		                 "category_basis", "category_attestation", 0, "category_review_on",
		                 "category_computed_on", on_date, "category_error",
		                 err->msg[0] ? err->msg : "erreur de la règle");
	const json_t *rev = json_object_get(res, "review_on");
	return json_pack("{s:O, s:O, s:O, s:b, s:O, s:s, s:n}", "category",
	                 json_object_get(res, "category"), "category_reasons",
	                 json_object_get(res, "reasons"), "category_basis",
	                 json_object_get(res, "basis"), "category_attestation",
	                 json_is_true(json_object_get(res, "attestation_caces")),
	                 "category_review_on", rev ? (json_t *)rev : json_null(),
	                 "category_computed_on", on_date, "category_error");
}

/* Call follow_up_category(@p view, @p on_date): the result (caller owns), or
 * NULL with @p err set (logged: a service's broken rule shows in the log). */
static json_t *category_call(socle_service *svc, json_t *view, const char *on_date,
                             socle_err *err)
{
	json_t *args = json_pack("[O, s]", view, on_date), *res = NULL;
	int rc = args ? socle_rule_call(svc, "follow_up_category", args, &res, err)
	              : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");

	json_decref(args);
	if (rc != 0)
		socle_log(SOCLE_LOG_WARN, "service %s : follow_up_category en échec : %s",
		          socle_service_id(svc), err->msg);
	return rc == 0 ? res : NULL;
}

/* The category of @p w on @p on_date as the columns to store (new object):
 * category, category_reasons, category_basis, category_attestation,
 * category_review_on, category_computed_on, category_error. A failing rule
 * gives a null category with its error: the worker is then counted among
 * those whose category could not be computed, and retried by the timer. */
json_t *membership_category_compute(socle_service *svc, const json_t *w, const char *on_date)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *view = rule_view(w);
	json_t *res = view ? category_call(svc, view, on_date, &err) : NULL;
	json_t *out = view ? category_columns(res, &err, on_date) : NULL;

	json_decref(view);
	json_decref(res);
	return out;
}

/* Store the category columns of worker @p id. */
int membership_category_store(socle_db *wdb, int64_t id, const json_t *cat, socle_err *err)
{
	json_t *p = json_deep_copy(cat);

	if (p == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	json_object_set_new(p, "id", json_integer(id));
	json_object_set_new(p, "now", json_integer(socle_now_ms()));
	int rc = socle_db_run(wdb,
		"UPDATE membership_worker SET category = :category, category_reasons = :category_reasons,"
		" category_basis = :category_basis, category_attestation = :category_attestation,"
		" category_review_on = :category_review_on, category_computed_on = :category_computed_on,"
		" category_error = :category_error, updated_at = :now WHERE id = :id",
		p, err);
	json_decref(p);
	return rc < 0 ? rc : 0;
}

int membership_category_changed(socle_db *wdb, socle_req *req, int64_t worker_id,
                                int64_t company_id, const json_t *old_cat, const json_t *cat,
                                const char *today, const char *source, socle_err *err)
{
	int rc = membership_worker_history_add(
	        wdb, req, worker_id, company_id, "category_changed", today, source,
	        json_pack("{s:O}", "category", (json_t *)old_cat),
	        json_pack("{s:O, s:O, s:O}", "category", json_object_get(cat, "category"),
	                  "reasons", json_object_get(cat, "category_reasons"), "basis",
	                  json_object_get(cat, "category_basis")),
	        err);
	if (rc != 0)
		return rc;
	return membership_emit(
	        wdb, "worker.category_changed",
	        json_pack("{s:I, s:I, s:O, s:O, s:O, s:O, s:O}", "worker_id", (json_int_t)worker_id,
	                  "company_id", (json_int_t)company_id, "old_category", (json_t *)old_cat,
	                  "new_category", json_object_get(cat, "category"), "reasons",
	                  json_object_get(cat, "category_reasons"), "basis",
	                  json_object_get(cat, "category_basis"), "attestation_caces",
	                  json_object_get(cat, "category_attestation")),
	        err);
}

/* ---- recomputing categories ------------------------------------------------ */

struct recompute {
	const char *on_date;
	bool only_due;
	int64_t after_id;
	int chunk;
	int64_t examined, changed, failed;
	bool done;
};

/* Is the stored JSON text @p stored what @p v dumps to? Stored JSON columns
 * are written compact by the store (socle_stmt_bind_json), so equal values
 * have equal text. */
static bool same_json_text(const char *stored, const json_t *v)
{
	if (v == NULL || json_is_null(v))
		return stored == NULL;
	if (stored == NULL)
		return false;
	char *t = json_dumps(v, JSON_COMPACT);
	bool same = t != NULL && strcmp(t, stored) == 0;

	free(t);
	return same;
}

static bool same_text(const char *stored, const json_t *v)
{
	return json_is_string(v) ? stored != NULL && strcmp(stored, json_string_value(v)) == 0
	                         : stored == NULL;
}

/* The columns the rule point sees (rule_view), then the stored category. */
#define RECOMPUTE_VIEW 14
static const char *const recompute_view[RECOMPUTE_VIEW] = {
	"birth_date", "contract_type", "start_date", "end_date", "working_time", "job_title",
	"night_worker", "rqth", "invalidity_pension", "exposures", "sir_post",
	"caces_or_electrical", "ionising_category_a", "minor_regulated_work",
};

/* A worker read by recompute_chunk: what the rule sees, and the stored
 * result as text (category, reasons, basis, review_on, error; NULL: null). */
#define RECOMPUTE_STORED 5
struct recompute_row {
	json_t *view;
	int64_t id, company_id;
	char *stored[RECOMPUTE_STORED];
	bool attestation;
};

/* One chunk of workers in one transaction: a service-wide recomputation
 * never holds the write lock for long. The rows are read lean (what the rule
 * sees and the stored result as text): this runs for every worker of a
 * service (500,000 in the bench). */
static int recompute_chunk(socle_db *wdb, void *ud, socle_err *err)
{
	struct recompute *r = ud;
	socle_service *svc = socle_db_service(wdb);
	socle_stmt *st = socle_db_prepare(wdb,
		"SELECT birth_date, contract_type, start_date, end_date, working_time, job_title,"
		" night_worker, rqth, invalidity_pension, exposures, sir_post, caces_or_electrical,"
		" ionising_category_a, minor_regulated_work, id, company_id, category,"
		" category_reasons, category_basis, category_attestation, category_review_on,"
		" category_error FROM membership_worker WHERE id > :after"
		" AND (end_date IS NULL OR end_date >= :on)"
		" AND (:only_due = 0 OR category IS NULL OR category_review_on <= :on)"
		" ORDER BY id LIMIT :chunk", err);
	struct recompute_row *rows = calloc((size_t)r->chunk, sizeof(*rows));
	int rc = 0, n = 0;

	if (st == NULL || rows == NULL) {
		socle_stmt_release(st);
		free(rows);
		return err && err->code ? err->code : socle_err_set(err, SOCLE_E_NOMEM,
		                                                    "mémoire insuffisante");
	}
	socle_stmt_bind_int(st, ":after", r->after_id);
	socle_stmt_bind_text(st, ":on", r->on_date);
	socle_stmt_bind_int(st, ":only_due", r->only_due ? 1 : 0);
	socle_stmt_bind_int(st, ":chunk", r->chunk);
	/* Rows are collected first: the statement must be done before the
	 * updates of the same table. */
	while (n < r->chunk && (rc = socle_stmt_step(st, err)) == 1) {
		struct recompute_row *row = &rows[n++];
		json_t *view = json_object();
		bool ok = view != NULL;

		for (int c = 0; ok && c < RECOMPUTE_VIEW; c++) {
			json_t *v;

			if (socle_stmt_is_null(st, c))
				continue;
			if (c == 4)
				v = json_integer(socle_stmt_int(st, c));
			else if (c == 9)
				v = json_loads(socle_stmt_text(st, c), 0, NULL);
			else if (c >= 6)
				v = json_boolean(socle_stmt_int(st, c) != 0);
			else
				v = json_string(socle_stmt_text(st, c));
			if (v != NULL) /* unreadable stored JSON: left out, as before */
				ok = json_object_set_new_nocheck(view, recompute_view[c], v) == 0;
		}
		row->view = view;
		row->id = socle_stmt_int(st, 14);
		row->company_id = socle_stmt_int(st, 15);
		for (int c = 0; ok && c < RECOMPUTE_STORED; c++)
			if (!socle_stmt_is_null(st, 16 + (c < 3 ? c : c + 1)))
				ok = (row->stored[c] = strdup(socle_stmt_text(st, 16 + (c < 3 ? c : c + 1))))
				     != NULL;
		row->attestation = socle_stmt_int(st, 19) != 0;
		if (!ok) {
			rc = socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
			break;
		}
	}
	socle_stmt_release(st);
	r->done = rc == 0 && n < r->chunk;
	if (rc == 1)
		rc = 0; /* a full chunk: the next transaction goes on after it */
	for (int i = 0; rc == 0 && i < n; i++) {
		struct recompute_row *row = &rows[i];
		const char *old_cat = row->stored[0];
		socle_err cerr = SOCLE_ERR_INIT;
		json_t *res = category_call(svc, row->view, r->on_date, &cerr);
		const json_t *new_cat = res ? json_object_get(res, "category") : NULL;
		const json_t *rev = res ? json_object_get(res, "review_on") : NULL;
		json_t *cat = NULL;

		r->after_id = row->id;
		r->examined++;
		if (res == NULL)
			r->failed++;
		/* Same result: nothing to write (computed_on aside). Compared with
		 * the stored text first, so an unchanged worker builds nothing. */
		bool same = res != NULL && same_text(old_cat, new_cat) &&
		            same_json_text(row->stored[1], json_object_get(res, "reasons")) &&
		            same_json_text(row->stored[2], json_object_get(res, "basis")) &&
		            row->attestation == json_is_true(json_object_get(res, "attestation_caces")) &&
		            same_text(row->stored[3], rev) && row->stored[4] == NULL;
		if (!same) {
			cat = category_columns(res, &cerr, r->on_date);
			rc = cat ? membership_category_store(wdb, row->id, cat, err)
			         : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
		}
		if (rc == 0 && cat && res && !same_text(old_cat, new_cat)) {
			json_t *old = old_cat ? json_string(old_cat) : json_null();

			r->changed++;
			rc = old ? membership_category_changed(wdb, NULL, row->id, row->company_id,
			                                       old, cat, r->on_date, "recompute",
			                                       err)
			         : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
			json_decref(old);
		}
		json_decref(res);
		json_decref(cat);
	}
	for (int i = 0; i < n; i++) {
		json_decref(rows[i].view);
		for (int c = 0; c < RECOMPUTE_STORED; c++)
			free(rows[i].stored[c]);
	}
	free(rows);
	return rc;
}

int membership_recompute_categories(socle_service *svc, const char *on_date, bool only_due,
                                    json_t **summary, socle_err *err)
{
	char today[11];
	struct recompute r = {.on_date = on_date, .only_due = only_due, .chunk = 5000};
	int rc = 0;

	if (on_date == NULL) {
		socle_date_today(today);
		r.on_date = today;
	}
	while (!r.done && (rc = socle_service_write(svc, recompute_chunk, &r, err)) == 0)
		;
	if (rc == 0 && (r.examined > 0 || !only_due)) {
		struct socle_audit_entry e = {.action = "membership.workforce.recompute",
		                              .object_type = NULL, .outcome = "ok"};
		json_t *d = json_pack("{s:s, s:b, s:I, s:I, s:I}", "on_date", r.on_date, "only_due",
		                      only_due, "examined", (json_int_t)r.examined, "changed",
		                      (json_int_t)r.changed, "failed", (json_int_t)r.failed);
		e.detail = d;
		socle_audit_now(NULL, &e, NULL);
		json_decref(d);
	}
	if (rc == 0 && summary)
		*summary = json_pack("{s:s, s:I, s:I, s:I}", "on_date", r.on_date, "examined",
		                     (json_int_t)r.examined, "changed", (json_int_t)r.changed, "failed",
		                     (json_int_t)r.failed);
	return rc;
}

/* Hourly on the loop thread: the workers whose category may have moved since
 * it was computed (review_on reached: a minor turned 18, a dated rule took
 * effect) or could not be computed. Cheap when nothing is due (an indexed
 * range), so the hour only bounds the delay after midnight. */
static void recompute_timer(socle_core *core, void *ud)
{
	(void)ud;
	for (size_t i = 0; i < socle_core_service_count(core); i++) {
		socle_service *svc = socle_core_service_at(core, i);
		socle_err err = SOCLE_ERR_INIT;
		json_t *sum = NULL;

		if (!socle_service_enables(svc, "membership"))
			continue;
		if (membership_recompute_categories(svc, NULL, true, &sum, &err) != 0)
			socle_log(SOCLE_LOG_WARN, "service %s : recalcul des catégories en échec : %s",
			          socle_service_id(svc), err.msg);
		else if (json_integer_value(json_object_get(sum, "changed")) > 0)
			socle_log(SOCLE_LOG_INFO, "service %s : %lld catégorie(s) de suivi recalculée(s)",
			          socle_service_id(svc),
			          (long long)json_integer_value(json_object_get(sum, "changed")));
		json_decref(sum);
	}
}

/* POST /membership/workforce/recompute: every active worker of the service,
 * now (after a change of the service's rules, for instance). */
static int workforce_recompute(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *sum = NULL;
	(void)ud;

	if (membership_recompute_categories(socle_req_service(req), NULL, false, &sum, &err) != 0)
		return socle_reply_err(req, &err);
	return socle_reply_json(req, 200, sum);
}

static const struct socle_route category_routes[] = {
	{SOCLE_POST, "/membership/workforce/recompute", "membership.workforce.recompute", 0,
	 workforce_recompute, NULL},
};

int membership_category_init(socle_plugin *p, socle_err *err)
{
	int rc;

	if ((rc = socle_plugin_add_capability(p, "membership.workforce.recompute",
	                                      SOCLE_ROLE_BIT(SOCLE_ROLE_SERVICE_ADMIN), err)) ||
	    (rc = socle_plugin_add_routes(p, category_routes, SOCLE_COUNT(category_routes), err)) ||
	    (rc = socle_plugin_add_rule_point(p, &category_rule, err)) ||
	    (rc = socle_plugin_add_timer(p, 3600 * 1000, recompute_timer, NULL, err)))
		return rc;
	return 0;
}
