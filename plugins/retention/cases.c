/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Cases of the PDP cell (issue 17, items 1 and 7; seed 3.5.1):
 *   - signals: tracking's events (sick_leave.threshold_reached,
 *     job_adjustment.proposals_issued, visit.completed of a pré-reprise, a
 *     rendez-vous de liaison or a reprise) and requests (the worker, the
 *     employer, a professional) go through the rule point
 *     retention_signal(worker, event, on_date), which says whether to open a
 *     case, propose one to the cell, or do nothing, and why. A worker has one
 *     case at a time: a signal on a proposed or open case is added to its
 *     history. Each signal is heard once (retention_signal.key);
 *   - the case's team (médecin lead, infirmier, assistant social, IPRP), its
 *     steps (each of a class: general, medical, social, study) and the
 *     worker's consents (employer, partner), the last word per scope wins;
 *   - the secrecy matrix (retention_access): only the case's team reads it;
 *     medical steps the médecin and the infirmier (the médecin alone when the
 *     worker opposed the others, L4624-8), through the core's medical gate;
 *     social steps the assistant social; the job study the IPRP too; every
 *     access and every refusal audited. The employer never reads a case: it
 *     sees the proposals addressed to it (proposals.c). The worker reads their
 *     own case's steps (titles and dates), proposals and study summary.
 * The worker and its company come from membership.v1, never its tables. */
#include <stdlib.h>

#include "retention.h"

/* ---- shared helpers (retention.h) ---------------------------------------------------------- */

int retention_forbid(socle_req *req, const char *action, const char *type, int64_t id,
                     const char *msg, socle_err *err)
{
	struct socle_audit_entry e = {.action = action, .object_type = type, .object_id = id,
	                              .outcome = "denied"};
	socle_err e2 = SOCLE_ERR_INIT;

	(void)socle_audit_now(req, &e, &e2);
	return socle_err_set(err, SOCLE_E_FORBIDDEN, "%s", msg);
}

bool retention_invalid(socle_req *req, const struct socle_field *fields, size_t n)
{
	json_t *errors = NULL;
	const json_t *b = socle_req_body(req);
	json_t *empty = b ? NULL : json_object();

	if (socle_fields_check(b ? b : empty, fields, n, NULL, &errors) > 0) {
		json_decref(empty);
		socle_reply_invalid(req, errors);
		return true;
	}
	json_decref(empty);
	json_decref(errors);
	return false;
}

int retention_write_reply(socle_req *req, socle_write_fn fn, struct retention_write *w,
                          unsigned status)
{
	socle_err err = SOCLE_ERR_INIT;

	w->req = req;
	if (w->body == NULL)
		w->body = socle_req_body(req);
	int rc = socle_service_write(socle_req_service(req), fn, w, &err);

	json_decref(w->c);
	w->c = NULL;
	if (rc != 0) {
		json_decref(w->result);
		return reply_fail(req, &err);
	}
	return w->result ? socle_reply_json(req, status, w->result) : SOCLE_E_NOMEM;
}

json_t *retention_case_load(socle_db *db, int64_t case_id, socle_err *err)
{
	json_t *c = socle_db_query_one_new(
		db, "SELECT id, worker_id, company_id, naf_division, status, origin, reason,"
		    " proposed_on, opened_on, pre_reprise_on, reprise_on, review_outcome, review_on,"
		    " closed_on, ald, opposition FROM retention_case WHERE id = :id",
		json_pack("{s:I}", "id", (json_int_t)case_id), err);

	if (c == NULL && err->code == SOCLE_E_NOTFOUND)
		socle_err_set(err, SOCLE_E_NOTFOUND, "Dossier introuvable.");
	return c;
}

json_t *retention_case_of_path(socle_req *req, enum retention_class cls, const char *action,
                               socle_err *err)
{
	socle_db *db = socle_req_reader(req, err);
	int64_t id;

	if (db == NULL)
		return NULL;
	if (socle_req_param_id(req, "id", &id)) {
		socle_err_set(err, SOCLE_E_NOTFOUND, "Dossier introuvable.");
		return NULL;
	}
	json_t *c = retention_case_load(db, id, err);
	if (c && retention_access(req, c, cls, action, err)) {
		json_decref(c);
		return NULL;
	}
	return c;
}

bool retention_in_team(socle_req *req, const json_t *c)
{
	socle_err err = SOCLE_ERR_INIT;
	socle_db *db = socle_req_reader(req, &err);
	int role = role_of(req);

	if (db == NULL)
		return false;
	/* A proposed case, or an open one no médecin leads yet (a signal or a
	 * professional opened it): the médecins of the service decide. */
	if (role == SOCLE_ROLE_MEDECIN && strcmp(sget(c, "status"), "proposed") == 0)
		return true;
	json_t *r = socle_db_query_one_new(db, "SELECT MAX(CASE WHEN user_id = :u THEN 1 ELSE 0 END)"
	                                       " AS mine, SUM(CASE WHEN role = 'medecin' THEN 1"
	                                       " ELSE 0 END) AS leads FROM retention_team"
	                                       " WHERE case_id = :c",
	                                   json_pack("{s:I, s:I}", "c", (json_int_t)iget(c, "id"),
	                                             "u", (json_int_t)user_of(req)),
	                                   &err);
	bool in = r && (iget(r, "mine") == 1 ||
	                (iget(r, "leads") == 0 && role == SOCLE_ROLE_MEDECIN));
	json_decref(r);
	return in;
}

static const char *const class_names[] = {"general", "medical", "social", "study"};

static bool class_role_ok(enum retention_class cls, int role, bool opposition)
{
	switch (cls) {
	case RETENTION_GENERAL:
		return true;
	case RETENTION_MEDICAL:
		return role == SOCLE_ROLE_MEDECIN || (role == SOCLE_ROLE_INFIRMIER && !opposition);
	case RETENTION_SOCIAL:
		return role == SOCLE_ROLE_ASSISTANT_SOCIAL;
	case RETENTION_STUDY:
		return role == SOCLE_ROLE_MEDECIN || role == SOCLE_ROLE_IPRP ||
		       (role == SOCLE_ROLE_INFIRMIER && !opposition);
	}
	return false;
}

int retention_access(socle_req *req, const json_t *c, enum retention_class cls,
                     const char *action, socle_err *err)
{
	int64_t id = iget(c, "id"), worker = iget(c, "worker_id");

	if (!retention_in_team(req, c))
		return retention_forbid(req, action, "retention_case", id,
		                        "Ce dossier est réservé à l'équipe de la cellule qui le suit.",
		                        err);
	if (!class_role_ok(cls, role_of(req), iget(c, "opposition") != 0))
		return retention_forbid(req, action, "retention_case", id,
		                        iget(c, "opposition") && role_of(req) == SOCLE_ROLE_INFIRMIER
		                                ? "Le salarié s'est opposé à cet accès : seul le médecin "
		                                  "du travail lit ce contenu."
		                                : "Votre fonction ne donne pas accès à ce contenu du "
		                                  "dossier.",
		                        err);
	if (cls == RETENTION_MEDICAL)
		return socle_access_medical(req, worker, action, err);
	struct socle_audit_entry e = {.action = action, .object_type = "retention_case",
	                              .object_id = id, .outcome = "ok"};
	return socle_audit_now(req, &e, err);
}

bool retention_consent_given(socle_db *db, int64_t case_id, const char *scope, socle_err *err)
{
	json_t *r = socle_db_query_one_new(db, "SELECT given FROM retention_consent WHERE case_id = :c"
	                                       " AND scope = :s ORDER BY id DESC LIMIT 1",
	                                   json_pack("{s:I, s:s}", "c", (json_int_t)case_id, "s",
	                                             scope),
	                                   err);
	bool given = r && iget(r, "given") != 0;

	json_decref(r);
	return given;
}

int retention_step_add(socle_db *wdb, int64_t case_id, const char *kind, enum retention_class cls,
                       const char *title, const char *content, const char *on_date,
                       int64_t by_user, socle_err *err)
{
	char today[SOCLE_DATE_SIZE];

	socle_date_today(today);
	return q_ok(wdb, "INSERT INTO retention_step (case_id, kind, class, title, content, on_date,"
	                 " by_user, created_at) VALUES (:c, :k, :cls, :t, :x, :on, NULLIF(:by, 0), :now)",
	            json_pack("{s:I, s:s, s:s, s:s, s:s?, s:s, s:I, s:I}", "c", (json_int_t)case_id,
	                      "k", kind, "cls", class_names[cls], "t", title, "x", content, "on",
	                      on_date ? on_date : today, "by", (json_int_t)by_user, "now",
	                      (json_int_t)socle_now_ms()),
	            err);
}

/* ---- signals ----------------------------------------------------------------------------- */

struct signal {
	const char *key;     /* heard once */
	int64_t worker_id, company_id;
	json_t *event;       /* the rule's second argument: {name, ...} */
	const char *on_date;
	const char *step_kind, *step_title; /* the history line a signal adds */
	enum retention_class step_class;
	int64_t by_user;
	json_t *answer;      /* the rule's answer (signal_decide) */
	int64_t case_id;     /* out: the case it opened or joined, 0 when none */
	bool created;
};

/* The rule's answer: {decision = "open" | "propose" | "none", reason, basis}. */
static int signal_contract(const json_t *r, socle_err *err)
{
	const char *d = sget(r, "decision");

	if (!json_is_object(r) || d == NULL ||
	    (strcmp(d, "open") && strcmp(d, "propose") && strcmp(d, "none")))
		return socle_err_set(err, SOCLE_E_CONTRACT, "retention_signal doit rendre decision = "
		                     "\"open\", \"propose\" ou \"none\"");
	if (sget(r, "reason") == NULL || strlen(sget(r, "reason")) == 0)
		return socle_err_set(err, SOCLE_E_CONTRACT, "retention_signal doit rendre reason (texte)");
	if (!json_is_array(json_object_get(r, "basis")))
		return socle_err_set(err, SOCLE_E_CONTRACT, "retention_signal doit rendre basis (liste)");
	return 0;
}

static const struct socle_rule_point signal_rule = {
	.name = "retention_signal",
	.contract = "retention_signal(worker, event, on_date) : worker = {id, company_id, "
	            "case_status (proposed, open ou absent)}, event = {name, threshold, visit_type, "
	            "avis, proposals, requested_by} ; rend {decision = \"open\" | \"propose\" | "
	            "\"none\", reason (texte pour la cellule), basis (articles)}.",
	.n_args = 3,
	.check = signal_contract,
};

static int signal_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct signal *s = ud;
	socle_err e2 = SOCLE_ERR_INIT;
	json_t *seen = socle_db_query_one_new(wdb, "SELECT case_id FROM retention_signal WHERE key = :k",
	                                      json_pack("{s:s}", "k", s->key), &e2);

	if (seen) { /* heard already (delivery is at least once) */
		s->case_id = iget(seen, "case_id");
		json_decref(seen);
		return 0;
	}
	json_t *cur = socle_db_query_one_new(wdb, "SELECT id, status FROM retention_case WHERE"
	                                          " worker_id = :w AND status IN ('proposed', 'open')"
	                                          " ORDER BY id DESC LIMIT 1",
	                                     json_pack("{s:I}", "w", (json_int_t)s->worker_id), &e2);
	int rc = 0;
	const char *decision = sget(s->answer, "decision"), *reason = sget(s->answer, "reason");
	int64_t case_id = cur ? iget(cur, "id") : 0;

	json_decref(cur);
	if (case_id == 0 && strcmp(decision, "none") != 0) {
		json_t *co = retention_membership->company_get(wdb, s->company_id, &e2);
		const char *naf = co ? sget(co, "naf_code") : NULL;
		char div[3] = {0};
		bool open = strcmp(decision, "open") == 0;

		if (naf && strlen(naf) >= 2)
			memcpy(div, naf, 2);
		rc = q_ok(wdb, "INSERT INTO retention_case (worker_id, company_id, naf_division, status,"
		               " origin, reason, proposed_on, opened_on, created_at, updated_at) VALUES"
		               " (:w, :c, NULLIF(:naf, ''), :st, :o, :r, :on, :opened, :now, :now)",
		          json_pack("{s:I, s:I, s:s, s:s, s:O, s:s, s:s, s:s?, s:I}", "w",
		                    (json_int_t)s->worker_id, "c", (json_int_t)s->company_id, "naf", div,
		                    "st", open ? "open" : "proposed", "o",
		                    json_object_get(s->event, "name"), "r", reason, "on", s->on_date,
		                    "opened", open ? s->on_date : NULL, "now",
		                    (json_int_t)socle_now_ms()),
		          err);
		json_decref(co);
		if (rc == 0) {
			case_id = socle_db_last_insert_id(wdb);
			s->created = true;
			/* A case opened at once was signalled too: both events, so the
			 * parcours starts at A and moves to B as for any case. */
			rc = emit(wdb, "retention.case_proposed",
			          json_pack("{s:I, s:I, s:I, s:O, s:s}", "case_id", (json_int_t)case_id,
			                    "worker_id", (json_int_t)s->worker_id, "company_id",
			                    (json_int_t)s->company_id, "origin",
			                    json_object_get(s->event, "name"), "reason", reason),
			          err);
			if (rc == 0 && open)
				rc = emit(wdb, "retention.case_opened",
				          json_pack("{s:I, s:I, s:I, s:O}", "case_id", (json_int_t)case_id,
				                    "worker_id", (json_int_t)s->worker_id, "company_id",
				                    (json_int_t)s->company_id, "origin",
				                    json_object_get(s->event, "name")),
				          err);
		}
	}
	if (rc == 0 && case_id > 0 && s->step_kind)
		rc = retention_step_add(wdb, case_id, s->step_kind, s->step_class, s->step_title,
		                        case_id && !s->created ? reason : NULL, s->on_date, s->by_user,
		                        err);
	if (rc == 0)
		rc = q_ok(wdb, "INSERT INTO retention_signal (key, worker_id, case_id, event, decision,"
		               " reason, on_date) VALUES (:k, :w, NULLIF(:c, 0), :e, :d, :r, :on)",
		          json_pack("{s:s, s:I, s:I, s:O, s:s, s:s, s:s}", "k", s->key, "w",
		                    (json_int_t)s->worker_id, "c", (json_int_t)case_id, "e",
		                    json_object_get(s->event, "name"), "d", decision, "r", reason, "on",
		                    s->on_date),
		          err);
	s->case_id = case_id;
	return rc;
}

/* The rule's word on a signal, asked before the write (the worker's case as
 * it stands): s->answer. */
static int signal_decide(socle_service *svc, struct signal *s, socle_err *err)
{
	socle_db *db = socle_service_reader(svc, err);
	socle_err e2 = SOCLE_ERR_INIT;

	if (db == NULL)
		return err->code;
	json_t *cur = socle_db_query_one_new(db, "SELECT status FROM retention_case WHERE"
	                                         " worker_id = :w AND status IN ('proposed', 'open')"
	                                         " ORDER BY id DESC LIMIT 1",
	                                     json_pack("{s:I}", "w", (json_int_t)s->worker_id), &e2);
	json_t *worker = json_pack("{s:I, s:I, s:s?}", "id", (json_int_t)s->worker_id, "company_id",
	                           (json_int_t)s->company_id, "case_status",
	                           cur ? sget(cur, "status") : NULL);
	json_t *args = worker ? json_pack("[o, O, s]", worker, s->event, s->on_date) : NULL;
	int rc = args ? socle_rule_call(svc, "retention_signal", args, &s->answer, err) : NOMEM(err);

	json_decref(cur);
	json_decref(args);
	return rc;
}

/* From an event handler (the loop thread), in its own write. */
static int signal_hear(socle_service *svc, struct signal *s, socle_err *err)
{
	int rc = signal_decide(svc, s, err);

	if (rc == 0)
		rc = socle_service_write(svc, signal_txn, s, err);
	json_decref(s->event);
	json_decref(s->answer);
	return rc;
}

static int on_threshold(socle_service *svc, const char *event, const json_t *p, void *ud,
                        socle_err *err)
{
	char key[96], title[128];
	(void)event;
	(void)ud;

	snprintf(key, sizeof(key), "threshold:%" PRId64 ":%" PRId64, iget(p, "leave_id"),
	         iget(p, "threshold"));
	snprintf(title, sizeof(title), "Arrêt de travail de plus de %" PRId64 " jours",
	         iget(p, "threshold"));
	struct signal s = {.key = key, .worker_id = iget(p, "worker_id"),
	                   .company_id = iget(p, "company_id"),
	                   .event = json_pack("{s:s, s:I, s:O}", "name", "arret_long", "threshold",
	                                      (json_int_t)iget(p, "threshold"), "cause",
	                                      json_object_get(p, "cause")),
	                   .on_date = sget(p, "reached_on"), .step_kind = "signal",
	                   .step_title = title, .step_class = RETENTION_GENERAL};
	return s.event && s.on_date ? signal_hear(svc, &s, err) : NOMEM(err);
}

/* The outcome's proposals: the signal, then the proposals on the case in
 * the same write (proposals.c). */
struct proposals_signal {
	struct signal s;
	const json_t *payload;
};

static int proposals_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct proposals_signal *ps = ud;
	int rc = signal_txn(wdb, &ps->s, err);

	if (rc == 0 && ps->s.case_id > 0)
		rc = retention_proposals_from_visit(wdb, ps->s.case_id, ps->payload, err);
	return rc;
}

static int on_proposals(socle_service *svc, const char *event, const json_t *p, void *ud,
                        socle_err *err)
{
	char key[64];
	(void)event;
	(void)ud;

	snprintf(key, sizeof(key), "outcome:%" PRId64, iget(p, "outcome_id"));
	const char *type = sget(p, "visit_type");
	bool pre = type && strcmp(type, "pre_reprise") == 0;
	struct proposals_signal ps = {
		.s = {.key = key, .worker_id = iget(p, "worker_id"), .company_id = iget(p, "company_id"),
		      .event = json_pack("{s:s, s:O, s:O, s:I}", "name", "avis_amenagement",
		                         "visit_type", json_object_get(p, "visit_type"), "avis",
		                         json_object_get(p, "avis") ? json_object_get(p, "avis")
		                                                    : json_null(),
		                         "proposals",
		                         (json_int_t)json_array_size(json_object_get(p, "proposals"))),
		      .on_date = sget(p, "held_on"), .step_kind = "avis",
		      /* The content of a pré-reprise is medical: the médecin decides
		       * what of it the employer may learn (R4624-30). */
		      .step_title = pre ? "Recommandations de la visite de pré-reprise"
		                        : "Propositions d'aménagement de poste du médecin du travail",
		      .step_class = pre ? RETENTION_MEDICAL : RETENTION_GENERAL},
		.payload = p};

	if (ps.s.event == NULL || ps.s.on_date == NULL)
		return NOMEM(err);
	int rc = signal_decide(svc, &ps.s, err);

	if (rc == 0)
		rc = socle_service_write(svc, proposals_txn, &ps, err);
	json_decref(ps.s.event);
	json_decref(ps.s.answer);
	return rc;
}

/* A pré-reprise or a reprise held on a case: its dates and, after a reprise,
 * the one-year review scheduled (support.c's tasks). */
struct visit_mark {
	struct signal s;
	const char *type;
};

static int visit_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct visit_mark *vm = ud;
	int rc = signal_txn(wdb, &vm->s, err);

	if (rc || vm->s.case_id <= 0)
		return rc;
	if (strcmp(vm->type, "pre_reprise") == 0)
		return q_ok(wdb, "UPDATE retention_case SET pre_reprise_on = COALESCE(pre_reprise_on,"
		                 " :d), updated_at = :now WHERE id = :id",
		            json_pack("{s:s, s:I, s:I}", "d", vm->s.on_date, "now",
		                      (json_int_t)socle_now_ms(), "id", (json_int_t)vm->s.case_id),
		            err);
	if (strcmp(vm->type, "visite_reprise") == 0) {
		char review[SOCLE_DATE_SIZE];

		if (!socle_date_add_months(vm->s.on_date, 12, review))
			return socle_err_set(err, SOCLE_E_INVAL, "date invalide");
		rc = q_ok(wdb, "UPDATE retention_case SET reprise_on = COALESCE(reprise_on, :d),"
		               " updated_at = :now WHERE id = :id",
		          json_pack("{s:s, s:I, s:I}", "d", vm->s.on_date, "now",
		                    (json_int_t)socle_now_ms(), "id", (json_int_t)vm->s.case_id),
		          err);
		return rc ? rc : retention_task_add(wdb, vm->s.case_id, "review_1y", review, "medecin",
		                                    err);
	}
	return 0;
}

static int on_visit(socle_service *svc, const char *event, const json_t *p, void *ud,
                    socle_err *err)
{
	const char *type = sget(p, "type");
	char key[64];
	(void)event;
	(void)ud;

	if (type == NULL || (strcmp(type, "pre_reprise") && strcmp(type, "visite_reprise") &&
	                     strcmp(type, "rendez_vous_liaison")))
		return 0;
	snprintf(key, sizeof(key), "visit:%" PRId64, iget(p, "request_id"));
	bool pre = strcmp(type, "pre_reprise") == 0, liaison = type[0] == 'r' && type[1] == 'e' &&
	                                                       type[2] == 'n';
	struct visit_mark vm = {
		.s = {.key = key, .worker_id = iget(p, "worker_id"), .company_id = iget(p, "company_id"),
		      .event = json_pack("{s:s, s:s}", "name", "visite", "visit_type", type),
		      .on_date = sget(p, "held_on"), .step_kind = type,
		      .step_title = pre       ? "Visite de pré-reprise tenue"
		                    : liaison ? "Rendez-vous de liaison tenu"
		                              : "Visite de reprise tenue",
		      .step_class = pre ? RETENTION_MEDICAL : RETENTION_GENERAL},
		.type = type};

	if (vm.s.event == NULL || vm.s.on_date == NULL) {
		json_decref(vm.s.event);
		return NOMEM(err);
	}
	int rc = signal_decide(svc, &vm.s, err);

	if (rc == 0)
		rc = socle_service_write(svc, visit_txn, &vm, err);
	json_decref(vm.s.event);
	json_decref(vm.s.answer);
	return rc;
}

/* ---- routes: the cell's list, a request, a case ------------------------------------------- */

static int case_list(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	socle_db *db = socle_req_reader(req, &err);
	int limit;
	int64_t after;
	(void)ud;

	if (db == NULL || socle_req_page(req, &limit, &after, &err))
		return reply_fail(req, &err);
	json_t *items = socle_db_query_new(
		db, "SELECT c.id, c.worker_id, c.company_id, c.status, c.origin, c.reason,"
		    " c.proposed_on, c.opened_on, c.reprise_on FROM retention_case c"
		    " WHERE c.id > :after AND (EXISTS (SELECT 1 FROM retention_team t WHERE"
		    " t.case_id = c.id AND t.user_id = :u) OR (:medecin = 1 AND (c.status = 'proposed'"
		    " OR (c.status = 'open' AND NOT EXISTS (SELECT 1 FROM retention_team t2 WHERE"
		    " t2.case_id = c.id AND t2.role = 'medecin')))))"
		    " ORDER BY c.id LIMIT :lim",
		json_pack("{s:I, s:I, s:b, s:i}", "after", (json_int_t)after, "u",
		          (json_int_t)user_of(req), "medecin", role_of(req) == SOCLE_ROLE_MEDECIN,
		          "lim", limit),
		&err);
	if (items == NULL)
		return reply_fail(req, &err);
	struct socle_audit_entry e = {.action = "retention.case.list", .outcome = "ok"};
	if (socle_audit_now(req, &e, &err)) {
		json_decref(items);
		return reply_fail(req, &err);
	}
	return socle_reply_page(req, items, limit, "id");
}

/* POST /retention/cases: a request for a case, by the worker (for itself),
 * the employer (for one of its workers) or a professional of the cell. */
static const struct socle_field request_fields[] = {
	{"worker_id", SOCLE_F_INT, false, 1, INT64_MAX, NULL, NULL},
	{"reason", SOCLE_F_STRING, true, 1, 2000, NULL, NULL},
};

struct request_write {
	struct signal s;
	char key[64];
	const char *reason;
};

static int request_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct retention_write *w = ud;
	struct request_write *rw = w->extra;
	int rc = signal_txn(wdb, &rw->s, err);
	int role = role_of(w->req);

	if (rc)
		return rc;
	/* A professional of the cell who opens a case is in its team. */
	if (rw->s.created && (role == SOCLE_ROLE_MEDECIN || role == SOCLE_ROLE_INFIRMIER ||
	                      role == SOCLE_ROLE_ASSISTANT_SOCIAL || role == SOCLE_ROLE_IPRP) &&
	    (rc = q_ok(wdb, "INSERT INTO retention_team (case_id, user_id, role) VALUES (:c, :u, :r)",
	               json_pack("{s:I, s:I, s:s}", "c", (json_int_t)rw->s.case_id, "u",
	                         (json_int_t)user_of(w->req), "r", socle_role_name(role)),
	               err)))
		return rc;
	w->result = json_pack("{s:I, s:I, s:b}", "worker_id", (json_int_t)rw->s.worker_id, "case_id",
	                      (json_int_t)rw->s.case_id, "created", rw->s.created);
	return audit(wdb, w->req, "retention.case.request", "worker", rw->s.worker_id,
	             json_pack("{s:I}", "case_id", (json_int_t)rw->s.case_id), err);
}

static int case_request(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	socle_db *db = socle_req_reader(req, &err);
	int role = role_of(req);
	(void)ud;

	if (db == NULL)
		return reply_fail(req, &err);
	if (retention_invalid(req, request_fields, SOCLE_COUNT(request_fields)))
		return 0;
	const json_t *b = socle_req_body(req);
	int64_t worker = iget(b, "worker_id");
	const char *by = role == SOCLE_ROLE_EMPLOYEE ? "worker"
	                 : role == SOCLE_ROLE_EMPLOYER ? "employer"
	                                               : "professional";

	if (role == SOCLE_ROLE_EMPLOYEE) {
		/* The worker asks for itself only. */
		if (worker == 0 || !socle_principal_has_scope(socle_req_principal(req), "worker", worker))
			return socle_reply_error(req, 403, "forbidden", "Vous ne pouvez demander un "
			                         "accompagnement que pour vous-même (worker_id).");
	} else if (role != SOCLE_ROLE_EMPLOYER && !socle_principal_can(socle_req_principal(req),
	                                                                "retention.cell")) {
		return socle_reply_error(req, 403, "forbidden", "Seuls le salarié, son employeur et les "
		                         "professionnels de la cellule demandent un accompagnement.");
	}
	if (worker == 0) {
		json_t *f = NULL;
		socle_field_error(&f, "worker_id", "Le salarié est obligatoire.");
		return socle_reply_invalid(req, f);
	}
	json_t *wk = retention_membership->worker_get(db, worker, &err);
	if (wk == NULL)
		return err.code == SOCLE_E_NOTFOUND
		               ? socle_reply_error(req, 404, "not_found", "Salarié introuvable.")
		               : reply_fail(req, &err);
	int64_t company = iget(wk, "company_id");
	json_decref(wk);
	if (socle_access_worker(req, worker, company, &err))
		return reply_fail(req, &err);

	struct request_write rw = {0};
	char today[SOCLE_DATE_SIZE];
	socle_date_today(today);
	snprintf(rw.key, sizeof(rw.key), "request:%s:%" PRId64 ":%" PRId64, by, worker,
	         socle_now_ms());
	rw.s = (struct signal){.key = rw.key, .worker_id = worker, .company_id = company,
	                       .event = json_pack("{s:s, s:s}", "name", "demande", "requested_by", by),
	                       .on_date = today, .step_kind = "demande",
	                       .step_title = role == SOCLE_ROLE_EMPLOYEE ? "Demande d'accompagnement du salarié"
	                                     : role == SOCLE_ROLE_EMPLOYER ? "Demande de l'employeur"
	                                                                   : "Demande d'un professionnel",
	                       /* What the employer or worker wrote stays in the cell. */
	                       .step_class = RETENTION_GENERAL, .by_user = user_of(req)};
	struct retention_write w = {.extra = &rw};
	if (rw.s.event == NULL)
		return SOCLE_E_NOMEM;
	int rc = signal_decide(socle_req_service(req), &rw.s, &err);
	rc = rc ? reply_fail(req, &err) : retention_write_reply(req, request_txn, &w, 201);
	json_decref(rw.s.event);
	json_decref(rw.s.answer);
	return rc;
}

/* The case as one member of the cell reads it: the steps of the classes the
 * role allows (the medical ones through the medical gate). */
static json_t *case_view(socle_req *req, socle_db *db, json_t *c, socle_err *err)
{
	int role = role_of(req);
	bool opp = iget(c, "opposition") != 0;
	bool medical = class_role_ok(RETENTION_MEDICAL, role, opp) &&
	               socle_access_medical(req, iget(c, "worker_id"), "retention.case.read", err) == 0;
	json_t *classes = json_array();

	for (int k = RETENTION_GENERAL; k <= RETENTION_STUDY; k++)
		if (class_role_ok(k, role, opp) && (k != RETENTION_MEDICAL || medical))
			json_array_append_new(classes, json_string(class_names[k]));
	json_t *steps = socle_db_query_new(
		db, "SELECT s.id, s.kind, s.class, s.title, s.content, s.on_date, s.by_user"
		    " FROM retention_step s WHERE s.case_id = :c AND (s.class = 'general'"
		    " OR (s.class = 'medical' AND :m = 1) OR (s.class = 'social' AND :so = 1)"
		    " OR (s.class = 'study' AND :st = 1)) ORDER BY s.id",
		json_pack("{s:I, s:b, s:b, s:b}", "c", (json_int_t)iget(c, "id"), "m", medical, "so",
		          class_role_ok(RETENTION_SOCIAL, role, opp), "st",
		          class_role_ok(RETENTION_STUDY, role, opp)),
		err);
	json_t *team = socle_db_query_new(db, "SELECT user_id, role FROM retention_team WHERE"
	                                      " case_id = :c ORDER BY user_id",
	                                  json_pack("{s:I}", "c", (json_int_t)iget(c, "id")), err);
	json_t *props = socle_db_query_new(
		db, "SELECT id, origin, visit_type, kind, description, status, proposed_on, sent_on,"
		    " reasons, done_by, answered_on FROM retention_proposal WHERE case_id = :c"
		    " AND (status <> 'held' OR :medical = 1) ORDER BY id",
		json_pack("{s:I, s:b}", "c", (json_int_t)iget(c, "id"), "medical", medical), err);
	json_t *consents = socle_db_query_new(
		db, "SELECT scope, given, how, at FROM retention_consent WHERE case_id = :c ORDER BY id",
		json_pack("{s:I}", "c", (json_int_t)iget(c, "id")), err);
	json_t *referrals = socle_db_query_new(
		db, "SELECT r.id, r.partner_id, p.name AS partner, r.on_date, r.purpose, r.outcome"
		    " FROM retention_referral r JOIN retention_partner p ON p.id = r.partner_id"
		    " WHERE r.case_id = :c ORDER BY r.id",
		json_pack("{s:I}", "c", (json_int_t)iget(c, "id")), err);

	if (referrals)
		json_object_set_new(c, "referrals", referrals);
	if (!steps || !team || !props || !consents || !referrals) {
		json_decref(steps);
		json_decref(team);
		json_decref(props);
		json_decref(consents);
		json_decref(classes);
		return NULL;
	}
	if (!medical) /* the long-term illness flag and the opposition are medical */
		json_object_del(c, "ald");
	else
		json_object_set_new(c, "ald", json_boolean(iget(c, "ald")));
	json_object_set_new(c, "opposition", json_boolean(opp));
	json_object_set_new(c, "steps", steps);
	json_object_set_new(c, "team", team);
	json_object_set_new(c, "proposals", props);
	json_object_set_new(c, "consents", consents);
	json_object_set_new(c, "classes_read", classes);
	return c;
}

static int case_get(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	socle_db *db = socle_req_reader(req, &err);
	(void)ud;

	if (db == NULL)
		return reply_fail(req, &err);
	json_t *c = retention_case_of_path(req, RETENTION_GENERAL, "retention.case.read", &err);
	if (c == NULL)
		return reply_fail(req, &err);
	err = (socle_err)SOCLE_ERR_INIT;
	json_t *v = case_view(req, db, c, &err);
	if (v == NULL) {
		json_decref(c);
		return reply_fail(req, &err);
	}
	return socle_reply_json(req, 200, v);
}

static const struct socle_route case_routes[] = {
	{SOCLE_GET, "/retention/cases", "retention.cell", 0, case_list, NULL},
	{SOCLE_POST, "/retention/cases", SOCLE_CAP_AUTHENTICATED, 8192, case_request, NULL},
	{SOCLE_GET, "/retention/cases/{id}", "retention.cell", 0, case_get, NULL},
};

int retention_cases_init(socle_plugin *p, socle_err *err)
{
	int rc;

	if ((rc = socle_plugin_add_rule_point(p, &signal_rule, err)) ||
	    (rc = socle_plugin_add_routes(p, case_routes, SOCLE_COUNT(case_routes), err)) ||
	    (rc = socle_plugin_on(p, "sick_leave.threshold_reached", on_threshold, NULL, err)) ||
	    (rc = socle_plugin_on(p, "job_adjustment.proposals_issued", on_proposals, NULL, err)) ||
	    (rc = socle_plugin_on(p, "visit.completed", on_visit, NULL, err)))
		return rc;
	return retention_cases_routes(p, err);
}
