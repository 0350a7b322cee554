/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Visit requests: one visit of one worker, asked by the employer, the worker
 * or the service, stored with its request date (the seed's indicator 3.3.1.4
 * needs it), its deadline (typed, the window visit_request_allowed gives, or
 * the engine's for a visit it owes) and a priority from the rule point
 * visit_priority(request); the rule point visit_request_allowed (leave.c)
 * refuses what the regulation forbids, with its French reason. Also reading
 * one request and a company's queue (visits to plan), from which an employer
 * never learns of a visit kept from him (planning.c: tracking_hidden_from_employer). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "planning.h"

/* ---- the rule point visit_priority ---- */

static int priority_contract(const json_t *r, socle_err *err)
{
	const json_t *p = json_object_get(r, "priority");

	if (!json_is_object(r))
		return socle_err_set(err, SOCLE_E_CONTRACT, "le résultat doit être une table");
	if (!json_is_number(p) || !isfinite(json_number_value(p)) ||
	    fabs(json_number_value(p)) > 1e12)
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "priority doit être un nombre fini (|priority| <= 1e12)");
	return tracking_check_reason(r, err);
}

static const struct socle_rule_point priority_rule = {
	.name = "visit_priority",
	.contract =
		"visit_priority(request) -> { priority = nombre (le plus grand d'abord), reason = "
		"phrase en français }. request = { type (un code de GET /tracking/visit-types), who = "
		"\"medecin\" | \"professionnel_sante\" | \"service\", requested_by, requested_on = "
		"\"AAAA-MM-JJ\", due_before = \"AAAA-MM-JJ\"? (dernier jour possible), site?, "
		"worker_id, company_id }. Calculée quand la demande est enregistrée ; à priorité égale, "
		"la plus proche échéance puis la plus ancienne demande passent d'abord.",
	.n_args = 1,
	.check = priority_contract,
};

/* visit_priority of a request (view). 0 with *prio and *why (owned) set. */
static int compute_priority(socle_service *svc, const json_t *view, double *prio, char **why,
                            socle_err *err)
{
	json_t *out = NULL, *args = json_pack("[O]", view);
	int rc = args ? socle_rule_call(svc, "visit_priority", args, &out, err) : NOMEM(err);

	json_decref(args);
	if (rc != 0)
		return rc;
	*prio = json_number_value(json_object_get(out, "priority"));
	*why = strdup(sget(out, "reason"));
	json_decref(out);
	return *why ? 0 : NOMEM(err);
}

/* ---- visit requests ------------------------------------------------------------------------- */

static const char *const requester_choices[] = {"employer", "worker", "medecin",
                                                "medecin_traitant", "medecin_conseil", "service",
                                                NULL};

static const struct socle_field request_fields[] = {
	{"worker_id", SOCLE_F_INT, true, 1, INT64_MAX, NULL, NULL},
	{"company_id", SOCLE_F_INT, true, 1, INT64_MAX, NULL, NULL},
	{"type", SOCLE_F_ENUM, true, 0, 0, tracking_visit_type_codes, NULL},
	{"due_before", SOCLE_F_DATE, false, 0, 0, NULL, NULL},
	{"reason", SOCLE_F_STRING, false, 1, 2000, NULL, NULL},
	{"site", SOCLE_F_STRING, false, 1, 120, NULL, NULL},
	{"requested_by", SOCLE_F_ENUM, false, 0, 0, requester_choices, NULL},
	{"leave_id", SOCLE_F_INT, false, 1, INT64_MAX, NULL, NULL},
	{"exposure_end", SOCLE_F_DATE, false, 0, 0, NULL, NULL},
	{"sir_or_exposed", SOCLE_F_BOOL, false, 0, 0, NULL, NULL},
};

struct request_write {
	socle_req *req;
	const json_t *body;
	const char *by;
	char on[11];
	double priority;
	char *priority_reason;
	int64_t id;
	int64_t duplicate;
	json_t *row;
	json_t *window; /* visit_request_allowed's {earliest?, latest?}, or NULL */
	json_t *owed;   /* the engine's deadline of an owed visit ("AAAA-MM-JJ"), or NULL */
};

/* The request's deadline: the one the requester typed, else the last day of
 * the window the rule gives (a reprise: 8 days after the return), else the
 * engine's deadline of the visit owed (issue 10 item 6: the indicator of
 * requests answered in time needs one). */
static const json_t *request_due(const json_t *body, const struct request_write *rw)
{
	const json_t *typed = json_object_get(body, "due_before");

	if (typed && !json_is_null(typed))
		return typed;
	if (json_object_get(rw->window, "latest"))
		return json_object_get(rw->window, "latest");
	return rw->owed;
}

static int request_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct request_write *rw = ud;
	const json_t *b = rw->body;
	socle_err e2 = SOCLE_ERR_INIT;
	int rc;

	/* One open request per worker and visit type; the employer's own request
	 * does not collide with one kept from him (he would learn of it). */
	json_t *dup = socle_db_query_one_new(wdb, "SELECT id FROM tracking_visit_request WHERE worker_id = :w"
	                         " AND type = :t AND (status = 'queued' OR status = 'scheduled')"
	                         " AND (:employer = 0 OR NOT "
	                         TRACKING_HIDDEN_SQL("tracking_visit_request") ")"
	                         " ORDER BY id LIMIT 1",
	                    json_pack("{s:O, s:O, s:b}", "w", json_object_get(b, "worker_id"), "t",
	                              json_object_get(b, "type"), "employer",
	                              strcmp(rw->by, "employer") == 0),
	                    &e2);
	if (dup != NULL) {
		rw->duplicate = iget(dup, "id");
		json_decref(dup);
		return socle_err_set(err, SOCLE_E_CONFLICT,
		                     "Une demande de ce type est déjà en cours pour ce salarié (n° %" PRId64
		                     ").", rw->duplicate);
	}
	if (e2.code != SOCLE_E_NOTFOUND)
		return socle_err_set(err, e2.code ? e2.code : SOCLE_E_NOMEM, "%s", e2.msg);
	int64_t now = socle_now_ms();
	rc = socle_db_run_new(wdb,
	           "INSERT INTO tracking_visit_request (worker_id, company_id, type, requested_by,"
	           " requested_on, due_before, reason, site, leave_id, priority, priority_reason,"
	           " status, created_by, created_at, updated_at, not_before) VALUES (:w, :c, :t, :by,"
	           " :on, :due, :reason, :site, :leave, :prio, :why, 'queued', :user, :now, :now, :nb)",
	           json_pack("{s:O, s:O, s:O, s:s, s:s, s:O?, s:O?, s:O?, s:O?, s:f, s:s, s:o, s:I,"
	                     " s:O?}",
	                     "w", json_object_get(b, "worker_id"), "c",
	                     json_object_get(b, "company_id"), "t", json_object_get(b, "type"), "by",
	                     rw->by, "on", rw->on, "due", request_due(b, rw), "reason",
	                     json_object_get(b, "reason"), "site", json_object_get(b, "site"),
	                     "leave", json_object_get(b, "leave_id"), "prio", rw->priority, "why",
	                     rw->priority_reason, "user", tracking_user_of(rw->req), "now", (json_int_t)now,
	                     "nb", json_object_get(rw->window, "earliest")),
	           err);
	if (rc < 0)
		return rc;
	rw->id = socle_db_last_insert_id(wdb);
	if ((rc = emit(wdb, "visit.requested",
	               json_pack("{s:I, s:O, s:O, s:O, s:s, s:s, s:O?}", "request_id",
	                         (json_int_t)rw->id, "worker_id", json_object_get(b, "worker_id"),
	                         "company_id", json_object_get(b, "company_id"), "type",
	                         json_object_get(b, "type"), "requested_by", rw->by, "requested_on",
	                         rw->on, "due_before", request_due(b, rw)),
	               err)) ||
	    (rc = audit(wdb, rw->req, "tracking.visit_request.create", "visit_request", rw->id,
	                json_pack("{s:O, s:O, s:O, s:s}", "company_id",
	                          json_object_get(b, "company_id"), "worker_id",
	                          json_object_get(b, "worker_id"), "type", json_object_get(b, "type"),
	                          "requested_by", rw->by),
	                err)))
		return rc;
	rw->row = tracking_request_load(wdb, rw->id, err);
	return rw->row ? 0 : (err->code ? err->code : SOCLE_E_INTERNAL);
}

/* Who asks, from the caller's role; NULL for staff who must say it. */
static const char *requester_of(socle_req *req, const struct tracking_visit_type *t, const char *given)
{
	int role = socle_principal_role(socle_req_principal(req));

	if (role == SOCLE_ROLE_EMPLOYER)
		return "employer";
	if (role == SOCLE_ROLE_EMPLOYEE)
		return "worker";
	if (given)
		return given;
	if (role == SOCLE_ROLE_MEDECIN)
		return "medecin";
	return t->request ? NULL : "service";
}

/* 422 request_not_allowed with the rule's French reason and its basis. */
static int reply_not_allowed(socle_req *req, const char *reason, const json_t *basis)
{
	struct socle_audit_entry e = {.action = "tracking.visit_request.refuse",
	                              .object_type = "worker", .outcome = "denied"};
	json_t *detail = json_pack("{s:s}", "reason", reason);
	const json_t *body = socle_req_body(req);

	e.object_id = iget(body, "worker_id");
	e.detail = detail;
	socle_audit_now(req, &e, NULL);
	json_decref(detail);
	return socle_reply_json(req, 422,
	                        json_pack("{s:{s:s, s:s, s:O, s:s}}", "error", "code",
	                                  "request_not_allowed", "message", reason, "basis",
	                                  basis ? basis : json_array(), "request_id",
	                                  socle_req_id(req) ? socle_req_id(req) : ""));
}

/* The visits of the worker's follow-up that the engine (next_visits) decides;
 * the others come from an event (a leave, an exposure's end) or a person's
 * asking (à la demande, orientation by a professional). */
static bool engine_decides(const char *type)
{
	static const char *const decided[] = {"vip_initiale", "vip_periodique", "suivi_adapte",
	                                      "ema_initial", "ema_periodique",
	                                      "visite_intermediaire", "attestation_caces",
	                                      "mi_carriere"};

	for (size_t i = 0; i < SOCLE_COUNT(decided); i++)
		if (strcmp(decided[i], type) == 0)
			return true;
	return false;
}

/* Issue 10 items 5 and 6: a visit of the follow-up the engine decides is
 * asked for only when the engine owes it to the worker (an EMA for a worker
 * in SI, a periodic VIP for one who never had the first, are refused with
 * what the engine does owe and the à-la-demande path, R4624-34); and it gets
 * the engine's deadline (its latest day, or "before"), so that the seed's
 * indicator of requests answered in time (3.3.1.4) counts it. A deadline
 * already passed is not given: the visit is overdue, and a request must stay
 * bookable on the next free slot (the booking refuses slots after a
 * deadline). A worker the engine cannot answer for (no category yet, not yet
 * in tracking's copy) is not refused and gets no deadline.
 * Returns 1 (owed, or the engine cannot tell), 0 (not owed: *owes is a new
 * French sentence of what is owed), or a negative code. */
static int engine_owes(socle_req *req, socle_db *db, struct request_write *rw,
                       const struct tracking_visit_type *t, int64_t worker, char **owes)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *nv, *v;
	size_t i;
	int found = 0;

	*owes = NULL;
	if (!engine_decides(t->code))
		return 1;
	/* tracking's copy of the worker, current first: it follows membership's
	 * events, which may not have reached it (a worker declared a moment
	 * ago, an exposure just declared). */
	if (tracking_roster_sync_worker(socle_req_service(req), worker, iget(rw->body, "company_id"),
	                                &err) != 0)
		return err.code ? err.code : SOCLE_E_INTERNAL;
	nv = tracking_next_visits_now(socle_req_service(req), db, worker, NULL, &err);
	if (nv == NULL)
		return err.code == SOCLE_E_CONFLICT || err.code == SOCLE_E_NOTFOUND ? 1 : err.code;
	char list[1024] = "";
	size_t len = 0;
	json_array_foreach(json_object_get(nv, "visits"), i, v) {
		const char *type = sget(v, "type") ? sget(v, "type") : "";
		const char *due = sget(v, "latest") ? sget(v, "latest") : sget(v, "before");

		if (strcmp(type, t->code) == 0) {
			if (due && strcmp(due, rw->on) >= 0)
				rw->owed = json_string(due);
			found = 1;
			break;
		}
		const struct tracking_visit_type *o = tracking_visit_type(type);
		char fr[SOCLE_DATE_FR_SIZE] = "";
		if (o == NULL || len >= sizeof(list) - 1)
			continue;
		if (due)
			socle_date_fr(due, fr);
		int n = snprintf(list + len, sizeof(list) - len, "%s« %s »%s%s", len ? ", " : "",
		                 o->label, *fr ? " au plus tard le " : "", fr);
		len = n > 0 && (size_t)n < sizeof(list) - len ? len + (size_t)n : sizeof(list) - 1;
	}
	json_decref(nv);
	if (found)
		return 1;
	char text[1600];
	if (len)
		snprintf(text, sizeof(text), "Le suivi de ce salarié ne prévoit pas de « %s » à ce "
		         "jour (%s) : il lui doit %s. Pour le voir en dehors de ce calendrier, demandez "
		         "une « Visite à la demande » (R4624-34).", t->label, t->basis, list);
	else
		snprintf(text, sizeof(text), "Le suivi de ce salarié ne prévoit pas de « %s » à ce "
		         "jour (%s) : aucune visite de son suivi n'est due pour l'instant. Pour le voir "
		         "en dehors de ce calendrier, demandez une « Visite à la demande » (R4624-34).",
		         t->label, t->basis);
	*owes = strdup(text);
	return *owes ? 0 : SOCLE_E_NOMEM;
}

/* POST /tracking/visit-requests */
static int request_create(socle_req *req, void *ud)
{
	struct request_write rw = {.req = req, .body = socle_req_body(req)};
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	const json_t *b = rw.body;
	int role = socle_principal_role(socle_req_principal(req));
	int rc;
	(void)ud;

	if (socle_fields_check(b, request_fields, SOCLE_COUNT(request_fields), NULL, &errors) > 0)
		return socle_reply_invalid(req, errors);
	const struct tracking_visit_type *t = tracking_visit_type(sget(b, "type"));
	const char *given = sget(b, "requested_by");
	socle_date_today(rw.on);
	if (given && (role == SOCLE_ROLE_EMPLOYER || role == SOCLE_ROLE_EMPLOYEE))
		socle_field_error(&errors, "requested_by", "Seul le service indique qui fait la demande "
		                  "; la vôtre est enregistrée à votre nom.");
	rw.by = requester_of(req, t, given);
	if (rw.by == NULL)
		socle_field_error(&errors, "requested_by", "Ce champ est obligatoire pour ce type de "
		                  "visite : employer, worker, medecin, medecin_traitant ou "
		                  "medecin_conseil.");
	else if (t->request && strcmp(rw.by, "service") == 0)
		socle_field_error(&errors, "requested_by", "Pour ce type de visite, indiquez qui la "
		                  "demande : employer, worker, medecin, medecin_traitant ou "
		                  "medecin_conseil.");
	const char *due = sget(b, "due_before");
	if (due && strcmp(due, rw.on) < 0)
		socle_field_error(&errors, "due_before", "L'échéance est déjà passée.");
	if (errors)
		return socle_reply_invalid(req, errors);
	/* The caller: staff, the worker himself, an employer user of the company. */
	int64_t worker = iget(b, "worker_id"), company = iget(b, "company_id");
	if (socle_access_worker(req, worker, company, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	if (db == NULL)
		return reply_fail(req, &err);
	/* The worker belongs to the company (membership.v1). */
	json_t *w = tracking_membership->worker_get(db, worker, &err);
	if (w == NULL && err.code != SOCLE_E_NOTFOUND)
		return reply_fail(req, &err);
	if (w == NULL || iget(w, "company_id") != company || sget(w, "end_date") != NULL) {
		socle_field_error(&errors, "worker_id", "%s",
		                  w && iget(w, "company_id") == company
		                  ? "Ce salarié a quitté l'entreprise."
		                  : "Aucun salarié de cette entreprise ne porte cet identifiant.");
		json_decref(w);
		return socle_reply_invalid(req, errors);
	}
	json_decref(w);

	/* The regulation: visit_request_allowed for the types it knows. */
	if (t->request == NULL && strcmp(rw.by, "worker") == 0) {
		json_t *basis = json_pack("[s]", "R4624-34");
		rc = reply_not_allowed(req, "Le salarié peut demander une visite à la demande, de "
		                       "pré-reprise, de reprise ou post-exposition ; les autres visites "
		                       "sont organisées par le service ou demandées par l'employeur.",
		                       basis);
		json_decref(basis);
		return rc;
	}
	if (t->request != NULL && strcmp(rw.by, "service") != 0) {
		json_t *r = json_pack("{s:s, s:s, s:s}", "type", t->request, "requested_by", rw.by,
		                      "date", rw.on), *out = NULL;
		static const char *const keys[] = {"exposure_end", "sir_or_exposed"};

		for (size_t i = 0; r && i < SOCLE_COUNT(keys); i++)
			if (json_object_get(b, keys[i]) && !json_is_null(json_object_get(b, keys[i])))
				json_object_set(r, keys[i], json_object_get(b, keys[i]));
		if (r && json_is_integer(json_object_get(b, "leave_id"))) {
			json_t *l = socle_db_query_one_new(db, "SELECT worker_id, cause, start_date, expected_end,"
			                      " actual_end, return_date FROM tracking_leave WHERE id = :id",
			                  json_pack("{s:O}", "id", json_object_get(b, "leave_id")), &err);
			if (l == NULL || iget(l, "worker_id") != worker) {
				json_decref(r);
				json_decref(l);
				if (l == NULL && err.code != SOCLE_E_NOTFOUND)
					return reply_fail(req, &err);
				socle_field_error(&errors, "leave_id", "Aucun arrêt de ce salarié ne porte "
				                  "cet identifiant.");
				return socle_reply_invalid(req, errors);
			}
			json_t *lv = json_pack("{s:O, s:O}", "cause", json_object_get(l, "cause"), "start",
			                       json_object_get(l, "start_date"));
			static const char *const lk[] = {"expected_end", "actual_end", "return_date"};
			for (size_t i = 0; lv && i < SOCLE_COUNT(lk); i++)
				if (sget(l, lk[i]))
					json_object_set(lv, lk[i], json_object_get(l, lk[i]));
			json_object_set_new(r, "leave", lv ? lv : json_null());
			json_decref(l);
		}
		json_t *args = r ? json_pack("[o]", r) : NULL;
		rc = args ? socle_rule_call(socle_req_service(req), "visit_request_allowed", args, &out,
		                            &err)
		          : NOMEM(&err);
		json_decref(args);
		if (rc != 0) {
			socle_log(SOCLE_LOG_WARN, "service %s : visit_request_allowed en échec : %s",
			          socle_service_id(socle_req_service(req)), err.msg);
			return socle_reply_err(req, &err);
		}
		if (!json_is_true(json_object_get(out, "allowed"))) {
			rc = reply_not_allowed(req, sget(out, "reason"), json_object_get(out, "basis"));
			json_decref(out);
			return rc;
		}
		if (json_is_object(json_object_get(out, "window")))
			rw.window = json_incref(json_object_get(out, "window"));
		json_decref(out);
	}

	/* A visit of the follow-up: one the engine owes the worker, with its
	 * deadline. The médecin du travail may see a worker sooner than the
	 * engine's calendar (he sets the follow-up, L4624-1): his requests pass. */
	char *owes = NULL;
	rc = engine_owes(req, db, &rw, t, worker, &owes);
	if (rc == 0 && role != SOCLE_ROLE_MEDECIN) {
		json_t *basis = json_pack("[s, s]", t->basis, "R4624-34");
		rc = reply_not_allowed(req, owes, basis);
		json_decref(basis);
		free(owes);
		json_decref(rw.window);
		json_decref(rw.owed);
		return rc;
	}
	free(owes);
	if (rc < 0)
		socle_log(SOCLE_LOG_WARN, "service %s : échéance du moteur indisponible pour le "
		          "salarié %" PRId64, socle_service_id(socle_req_service(req)), worker);

	/* Its priority, then the write. */
	json_t *view = json_pack("{s:O, s:s, s:s, s:O, s:O}", "type", json_object_get(b, "type"),
	                         "requested_by", rw.by, "requested_on", rw.on, "worker_id",
	                         json_object_get(b, "worker_id"), "company_id",
	                         json_object_get(b, "company_id"));
	json_t *deadline = (json_t *)request_due(b, &rw);
	if (view && deadline)
		json_object_set(view, "due_before", deadline);
	if (view && sget(b, "site"))
		json_object_set(view, "site", json_object_get(b, "site"));
	json_t *rv = view ? tracking_request_rule_view(view) : NULL;
	json_decref(view);
	rc = rv ? compute_priority(socle_req_service(req), rv, &rw.priority, &rw.priority_reason,
	                           &err)
	        : NOMEM(&err);
	json_decref(rv);
	if (rc != 0) {
		socle_log(SOCLE_LOG_WARN, "service %s : visit_priority en échec : %s",
		          socle_service_id(socle_req_service(req)), err.msg);
		json_decref(rw.window);
		json_decref(rw.owed);
		return socle_reply_err(req, &err);
	}
	rc = socle_service_write(socle_req_service(req), request_txn, &rw, &err);
	free(rw.priority_reason);
	json_decref(rw.window);
	json_decref(rw.owed);
	if (rc != 0) {
		json_decref(rw.row);
		if (rc == SOCLE_E_CONFLICT)
			return socle_reply_error(req, 409, "conflict", err.msg);
		return socle_reply_err(req, &err);
	}
	return socle_reply_json(req, 201, rw.row);
}

/* The request of the path, after the record check; NULL once a reply was sent.
 * @p company_only: employers and staff only (not the worker himself). */
json_t *tracking_request_param(socle_req *req, const char *name, bool company_only)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t id;

	if (socle_req_param_id(req, name, &id) != 0) {
		socle_reply_error(req, 404, "not_found", "Demande de visite introuvable.");
		return NULL;
	}
	socle_db *db = socle_req_reader(req, &err);
	json_t *r = db ? tracking_request_load(db, id, &err) : NULL;
	if (r == NULL) {
		if (err.code)
			socle_reply_err(req, &err);
		else
			socle_reply_error(req, 500, "internal_error", "Erreur interne.");
		return NULL;
	}
	int rc = company_only ? socle_access_company(req, iget(r, "company_id"), &err)
	                      : socle_access_worker(req, iget(r, "worker_id"), iget(r, "company_id"),
	                                            &err);
	if (rc != 0) {
		json_decref(r);
		socle_reply_err(req, &err);
		return NULL;
	}
	/* A request kept from the employer: as if it did not exist. */
	if (tracking_employer_kept_out(req, iget(r, "worker_id"), sget(r, "type"),
	                               sget(r, "requested_by"), "tracking.visit_request.read")) {
		json_decref(r);
		socle_reply_error(req, 404, "not_found", "Demande de visite introuvable.");
		return NULL;
	}
	return r;
}

/* GET /tracking/visit-requests/{id}: the request with its slot. */
static int request_get(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	(void)ud;

	json_t *r = tracking_request_param(req, "id", false);
	if (r == NULL)
		return 0;
	json_t *slot = NULL;
	if (json_is_integer(json_object_get(r, "slot_id"))) {
		socle_db *db = socle_req_reader(req, &err);
		slot = db ? tracking_slot_load(db, iget(r, "slot_id"), &err) : NULL;
		if (slot == NULL) {
			json_decref(r);
			return reply_fail(req, &err);
		}
		tracking_slot_view(slot);
	}
	json_object_set_new(r, "slot", slot ? slot : json_null());
	return socle_reply_json(req, 200, tracking_request_for(req, r));
}

/* GET /tracking/companies/{id}/visits-to-plan: the queued requests of the
 * company, in the order of visit_priority (then deadline, then request date);
 * an employer does not see those kept from him (tracking_hidden_from_employer). */
static int visits_to_plan(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company, after;
	int limit;
	(void)ud;

	if (socle_req_param_id(req, "id", &company) != 0)
		return socle_reply_error(req, 404, "not_found", "Entreprise introuvable.");
	if (socle_req_page(req, &limit, &after, &err) != 0)
		return socle_reply_err(req, &err);
	if (socle_access_company(req, company, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *items = db ? socle_db_query_new(db,
		"WITH c AS (SELECT priority AS cp, COALESCE(due_before, '9999-12-31') AS cd, id AS ci"
		"   FROM tracking_visit_request WHERE id = :after AND company_id = :company)"
		" SELECT r.id, r.worker_id, r.type, r.requested_by, r.requested_on, r.due_before,"
		"   r.site, r.priority, r.priority_reason, r.unplaced_reason,"
		"   w.last_name, w.first_name"
		" FROM tracking_visit_request r JOIN tracking_worker w ON w.id = r.worker_id"
		" LEFT JOIN c ON 1 = 1"
		" WHERE r.company_id = :company AND r.status = 'queued'"
		" AND (:employer = 0 OR NOT " TRACKING_HIDDEN_SQL("r") ")"
		" AND (:after = 0 OR r.priority < c.cp OR (r.priority = c.cp"
		"   AND (COALESCE(r.due_before, '9999-12-31') > c.cd"
		"   OR (COALESCE(r.due_before, '9999-12-31') = c.cd AND r.id > c.ci))))"
		" ORDER BY r.priority DESC, COALESCE(r.due_before, '9999-12-31'), r.id LIMIT :limit",
		json_pack("{s:I, s:I, s:i, s:b}", "company", (json_int_t)company, "after",
		          (json_int_t)after, "limit", limit, "employer",
		          socle_principal_role(socle_req_principal(req)) == SOCLE_ROLE_EMPLOYER),
		&err) : NULL;
	if (items == NULL)
		return reply_fail(req, &err);
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it) {
		const struct tracking_visit_type *t = tracking_visit_type(sget(it, "type"));

		json_object_set_new(it, "label", json_string(t ? t->label : ""));
		json_object_set_new(it, "who", json_string(t ? t->who : ""));
	}
	return socle_reply_page(req, items, limit, "id");
}

static const struct socle_route request_routes[] = {
	{SOCLE_POST, "/tracking/visit-requests", "tracking.request", 8192, request_create, NULL},
	{SOCLE_GET, "/tracking/visit-requests/{id}", "tracking.request", 0, request_get, NULL},
	{SOCLE_GET, "/tracking/companies/{id}/visits-to-plan", "tracking.request", 0,
	 visits_to_plan, NULL},
};

static const struct socle_field plan_query[] = {TRACKING_PAGE_QUERY};

static const struct socle_route_doc request_docs[] = {
	{SOCLE_POST, "/tracking/visit-requests",
	 "Demander une visite pour un salarié (employeur, salarié ou service) : les règles disent si "
	 "elle peut l'être, sa priorité et son échéance.", request_fields,
	 SOCLE_COUNT(request_fields), NULL, 0,
	 "La demande (201) : id, type, requested_by, requested_on, due_before, priority, "
	 "priority_reason, status « queued » ; 422 request_not_allowed avec la raison des règles."},
	{SOCLE_GET, "/tracking/visit-requests/{id}",
	 "Une demande de visite et son créneau (le motif, seulement au salarié et aux "
	 "professionnels de santé).", NULL, 0, NULL, 0,
	 "La demande avec slot (le créneau, ou null)."},
	{SOCLE_GET, "/tracking/companies/{id}/visits-to-plan",
	 "Les visites à planifier d'une entreprise, par priorité puis échéance.", NULL, 0,
	 plan_query, SOCLE_COUNT(plan_query),
	 "{items: [{id, worker_id, last_name, first_name, type, label, who, requested_by, "
	 "requested_on, due_before, site, priority, priority_reason, unplaced_reason}], "
	 "next_cursor}."},
};

int tracking_requests_init(socle_plugin *p, socle_err *err)
{
	int rc;

	if ((rc = socle_plugin_add_routes(p, request_routes, SOCLE_COUNT(request_routes), err)) ||
	    (rc = socle_plugin_describe_routes(p, request_docs, SOCLE_COUNT(request_docs), err)) ||
	    (rc = socle_plugin_add_rule_point(p, &priority_rule, err)))
		return rc;
	return 0;
}
