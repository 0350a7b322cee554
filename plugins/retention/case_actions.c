/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* What the cell does on a case (issue 17, items 1, 7 and 9): open or decline
 * a proposed case with its team, add members, record steps of a class the
 * writer's role may write, record the worker's consents (the worker in its
 * space, or a member of the team on the worker's written or oral word), the
 * médecin's medical flags (long-term illness, the worker's opposition); and
 * the worker's own view of its case. */
#include <stdlib.h>

#include "retention.h"

static const char *const class_choices[] = {"general", "medical", "social", "study", NULL};
static const char *const scope_choices[] = {"employer", "partner", NULL};
static const char *const how_choices[] = {"ecrit", "oral", NULL};

/* ---- open, decline, team ---------------------------------------------------------------- */

static const struct socle_field open_fields[] = {
	{"team", SOCLE_F_ARRAY, false, 0, 10, NULL, NULL},
};

static int open_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct retention_write *w = ud;
	int64_t id = iget(w->c, "id");
	char today[SOCLE_DATE_SIZE];
	const json_t *m;
	size_t i;
	int rc;

	socle_date_today(today);
	/* A proposed case, or an open one no médecin leads yet. */
	if ((rc = socle_db_run_new(wdb, "UPDATE retention_case SET status = 'open', opened_on ="
	                                " COALESCE(opened_on, :d), updated_at = :now WHERE id = :id"
	                                " AND (status = 'proposed' OR (status = 'open' AND NOT EXISTS"
	                                " (SELECT 1 FROM retention_team t WHERE t.case_id = :id AND"
	                                " t.role = 'medecin')))",
	                           json_pack("{s:s, s:I, s:I}", "d", today, "now",
	                                     (json_int_t)socle_now_ms(), "id", (json_int_t)id),
	                           err)) < 0)
		return rc;
	if (rc == 0)
		return socle_err_set(err, SOCLE_E_CONFLICT, "Ce dossier n'est plus à décider.");
	if ((rc = q_ok(wdb, "INSERT INTO retention_team (case_id, user_id, role) VALUES (:c, :u,"
	                    " 'medecin') ON CONFLICT (case_id, user_id) DO NOTHING",
	               json_pack("{s:I, s:I}", "c", (json_int_t)id, "u", (json_int_t)user_of(w->req)),
	               err)))
		return rc;
	json_array_foreach(json_object_get(w->body, "team"), i, m) {
		socle_err e2 = SOCLE_ERR_INIT;
		json_t *u = socle_user_get(wdb, (int64_t)json_integer_value(m), &e2);
		int role = u ? socle_role_parse(sget(u, "role")) : 0;
		bool ok = u && !json_is_true(json_object_get(u, "disabled")) &&
		          (role == SOCLE_ROLE_MEDECIN || role == SOCLE_ROLE_INFIRMIER ||
		           role == SOCLE_ROLE_ASSISTANT_SOCIAL || role == SOCLE_ROLE_IPRP);

		if (ok)
			rc = q_ok(wdb, "INSERT INTO retention_team (case_id, user_id, role) VALUES (:c, :u,"
			               " :r) ON CONFLICT (case_id, user_id) DO NOTHING",
			          json_pack("{s:I, s:I, s:s}", "c", (json_int_t)id, "u",
			                    (json_int_t)json_integer_value(m), "r", sget(u, "role")),
			          err);
		json_decref(u);
		if (!ok)
			return socle_err_set(err, SOCLE_E_INVAL, "team[%zu] : ce compte n'est pas un "
			                     "professionnel de la cellule (médecin, infirmier, assistant "
			                     "social, IPRP).", i);
		if (rc)
			return rc;
	}
	if ((rc = retention_step_add(wdb, id, "ouverture", RETENTION_GENERAL,
	                             "Dossier ouvert par la cellule PDP", NULL, today,
	                             user_of(w->req), err)) ||
	    (rc = emit(wdb, "retention.case_opened",
	               json_pack("{s:I, s:I, s:I, s:O}", "case_id", (json_int_t)id, "worker_id",
	                         (json_int_t)iget(w->c, "worker_id"), "company_id",
	                         (json_int_t)iget(w->c, "company_id"), "origin",
	                         json_object_get(w->c, "origin")),
	               err)) ||
	    (rc = audit(wdb, w->req, "retention.case.open", "retention_case", id,
	                json_pack("{s:I}", "team", (json_int_t)json_array_size(
	                                                   json_object_get(w->body, "team"))),
	                err)))
		return rc;
	w->result = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "status", "open",
	                      "opened_on", today);
	return w->result ? 0 : NOMEM(err);
}

static int case_open(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	(void)ud;

	if (role_of(req) != SOCLE_ROLE_MEDECIN)
		return socle_reply_error(req, 403, "forbidden", "Le médecin du travail, qui anime la "
		                         "cellule, ouvre les dossiers.");
	if (retention_invalid(req, open_fields, SOCLE_COUNT(open_fields)))
		return 0;
	/* Each member named: an active account of the cell's professions. */
	socle_db *db = socle_req_reader(req, &err);
	json_t *errors = NULL;
	const json_t *m;
	size_t i;
	if (db == NULL)
		return reply_fail(req, &err);
	json_array_foreach(json_object_get(socle_req_body(req), "team"), i, m) {
		socle_err e2 = SOCLE_ERR_INIT;
		json_t *u = json_is_integer(m) ? socle_user_get(db, json_integer_value(m), &e2) : NULL;
		int role = u ? socle_role_parse(sget(u, "role")) : 0;
		char field[32];

		snprintf(field, sizeof(field), "team[%zu]", i);
		if (u == NULL || json_is_true(json_object_get(u, "disabled")) ||
		    !(role == SOCLE_ROLE_MEDECIN || role == SOCLE_ROLE_INFIRMIER ||
		      role == SOCLE_ROLE_ASSISTANT_SOCIAL || role == SOCLE_ROLE_IPRP))
			socle_field_error(&errors, field, "Ce compte n'est pas un professionnel actif de "
			                  "la cellule (médecin, infirmier, assistant social, IPRP).");
		json_decref(u);
	}
	if (errors)
		return socle_reply_invalid(req, errors);
	json_t *c = retention_case_of_path(req, RETENTION_GENERAL, "retention.case.open", &err);
	if (c == NULL)
		return reply_fail(req, &err);
	struct retention_write w = {.c = c};
	return retention_write_reply(req, open_txn, &w, 200);
}

/* POST /retention/cases/{id}/team {user_id}: the médecin of the team adds a
 * member (a professional of the cell) to an open case. */
static const struct socle_field member_fields[] = {
	{"user_id", SOCLE_F_INT, true, 1, INT64_MAX, NULL, NULL},
};

static int member_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct retention_write *w = ud;
	int64_t id = iget(w->c, "id"), user = iget(w->body, "user_id");
	int rc = q_ok(wdb, "INSERT INTO retention_team (case_id, user_id, role) VALUES (:c, :u, :r)"
	                   " ON CONFLICT (case_id, user_id) DO NOTHING",
	              json_pack("{s:I, s:I, s:s}", "c", (json_int_t)id, "u", (json_int_t)user, "r",
	                        (const char *)w->extra),
	              err);

	if (rc || (rc = audit(wdb, w->req, "retention.team.add", "retention_case", id,
	                      json_pack("{s:I}", "user_id", (json_int_t)user), err)))
		return rc;
	w->result = json_pack("{s:I, s:I, s:s}", "case_id", (json_int_t)id, "user_id",
	                      (json_int_t)user, "role", (const char *)w->extra);
	return w->result ? 0 : NOMEM(err);
}

static int case_member(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	socle_db *db = socle_req_reader(req, &err);
	(void)ud;

	if (db == NULL)
		return reply_fail(req, &err);
	if (retention_invalid(req, member_fields, SOCLE_COUNT(member_fields)))
		return 0;
	if (role_of(req) != SOCLE_ROLE_MEDECIN)
		return socle_reply_error(req, 403, "forbidden", "Le médecin du travail compose "
		                         "l'équipe du dossier.");
	socle_err e2 = SOCLE_ERR_INIT;
	json_t *u = socle_user_get(db, iget(socle_req_body(req), "user_id"), &e2);
	int role = u ? socle_role_parse(sget(u, "role")) : 0;
	if (u == NULL || json_is_true(json_object_get(u, "disabled")) ||
	    !(role == SOCLE_ROLE_MEDECIN || role == SOCLE_ROLE_INFIRMIER ||
	      role == SOCLE_ROLE_ASSISTANT_SOCIAL || role == SOCLE_ROLE_IPRP)) {
		json_t *f = NULL;
		json_decref(u);
		socle_field_error(&f, "user_id", "Ce compte n'est pas un professionnel actif de la "
		                  "cellule (médecin, infirmier, assistant social, IPRP).");
		return socle_reply_invalid(req, f);
	}
	json_decref(u);
	json_t *c = retention_case_of_path(req, RETENTION_GENERAL, "retention.team.add", &err);
	if (c == NULL)
		return reply_fail(req, &err);
	if (strcmp(sget(c, "status"), "open") != 0) {
		json_decref(c);
		return socle_reply_error(req, 409, "conflict", "Le dossier n'est pas ouvert.");
	}
	struct retention_write w = {.c = c, .extra = (void *)socle_role_name(role)};
	return retention_write_reply(req, member_txn, &w, 201);
}

/* ---- steps -------------------------------------------------------------------------------- */

static const struct socle_field step_fields[] = {
	{"kind", SOCLE_F_STRING, true, 1, 60, NULL, NULL},
	{"class", SOCLE_F_ENUM, true, 0, 0, class_choices, NULL},
	{"title", SOCLE_F_STRING, true, 1, 200, NULL, NULL},
	{"content", SOCLE_F_STRING, false, 1, 20000, NULL, NULL},
	{"on_date", SOCLE_F_DATE, false, 0, 0, NULL, NULL},
};

static int step_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct retention_write *w = ud;
	const json_t *b = w->body;
	int64_t id = iget(w->c, "id");
	enum retention_class cls = (enum retention_class)w->id2;
	int rc = retention_step_add(wdb, id, sget(b, "kind"), cls, sget(b, "title"),
	                            sget(b, "content"), sget(b, "on_date"), user_of(w->req), err);

	if (rc)
		return rc;
	int64_t step = socle_db_last_insert_id(wdb);
	if ((rc = audit(wdb, w->req, "retention.step.add", "retention_case", id,
	                json_pack("{s:I, s:O}", "step_id", (json_int_t)step, "class",
	                          json_object_get(b, "class")),
	                err)))
		return rc;
	w->result = json_pack("{s:I, s:I}", "id", (json_int_t)step, "case_id", (json_int_t)id);
	return w->result ? 0 : NOMEM(err);
}

static int case_step(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	(void)ud;

	if (retention_invalid(req, step_fields, SOCLE_COUNT(step_fields)))
		return 0;
	const char *cls_name = sget(socle_req_body(req), "class");
	int cls = 0;
	for (int k = 0; class_choices[k]; k++)
		if (strcmp(class_choices[k], cls_name) == 0)
			cls = k;
	/* Writing a class takes the right to read it (the medical gate audits). */
	json_t *c = retention_case_of_path(req, (enum retention_class)cls,
	                     cls == RETENTION_MEDICAL ? "retention.medical.write" : "retention.step.add",
	                     &err);
	if (c == NULL)
		return reply_fail(req, &err);
	if (strcmp(sget(c, "status"), "open") != 0) {
		json_decref(c);
		return socle_reply_error(req, 409, "conflict", "Le dossier n'est pas ouvert.");
	}
	struct retention_write w = {.c = c, .id2 = cls};
	return retention_write_reply(req, step_txn, &w, 201);
}

/* ---- consent ------------------------------------------------------------------------------ */

static const struct socle_field consent_fields[] = {
	{"scope", SOCLE_F_ENUM, true, 0, 0, scope_choices, NULL},
	{"given", SOCLE_F_BOOL, true, 0, 0, NULL, NULL},
	{"how", SOCLE_F_ENUM, true, 0, 0, how_choices, NULL},
};
static const struct socle_field my_consent_fields[] = {
	{"case_id", SOCLE_F_INT, true, 1, INT64_MAX, NULL, NULL},
	{"scope", SOCLE_F_ENUM, true, 0, 0, scope_choices, NULL},
	{"given", SOCLE_F_BOOL, true, 0, 0, NULL, NULL},
};

static int consent_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct retention_write *w = ud;
	const json_t *b = w->body;
	int64_t id = iget(w->c, "id");
	const char *how = sget(b, "how") ? sget(b, "how") : "espace";
	int rc = q_ok(wdb, "INSERT INTO retention_consent (case_id, scope, given, how, recorded_by,"
	                   " at) VALUES (:c, :s, :g, :how, :by, :now)",
	              json_pack("{s:I, s:O, s:b, s:s, s:I, s:I}", "c", (json_int_t)id, "s",
	                        json_object_get(b, "scope"), "g",
	                        json_is_true(json_object_get(b, "given")), "how", how, "by",
	                        (json_int_t)user_of(w->req), "now", (json_int_t)socle_now_ms()),
	              err);

	if (rc || (rc = audit(wdb, w->req, "retention.consent.record", "retention_case", id,
	                      json_pack("{s:O, s:O, s:s}", "scope", json_object_get(b, "scope"),
	                                "given", json_object_get(b, "given"), "how", how),
	                      err)))
		return rc;
	w->result = json_pack("{s:I, s:O, s:O, s:s}", "case_id", (json_int_t)id, "scope",
	                      json_object_get(b, "scope"), "given", json_object_get(b, "given"),
	                      "how", how);
	return w->result ? 0 : NOMEM(err);
}

static int case_consent(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	(void)ud;

	if (retention_invalid(req, consent_fields, SOCLE_COUNT(consent_fields)))
		return 0;
	json_t *c = retention_case_of_path(req, RETENTION_GENERAL, "retention.consent.record", &err);
	if (c == NULL)
		return reply_fail(req, &err);
	struct retention_write w = {.c = c};
	return retention_write_reply(req, consent_txn, &w, 201);
}

/* The worker's own case, or NULL with a 404/403 to reply. */
static json_t *my_case(socle_req *req, int64_t case_id, socle_err *err)
{
	socle_db *db = socle_req_reader(req, err);
	json_t *c = db ? retention_case_load(db, case_id, err) : NULL;

	if (c && !socle_principal_has_scope(socle_req_principal(req), "worker",
	                                    iget(c, "worker_id"))) {
		json_decref(c);
		retention_forbid(req, "retention.case.read", "retention_case", case_id,
		                 "Ce dossier n'est pas le vôtre.", err);
		return NULL;
	}
	return c;
}

static int my_consent(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	(void)ud;

	if (retention_invalid(req, my_consent_fields, SOCLE_COUNT(my_consent_fields)))
		return 0;
	json_t *c = my_case(req, iget(socle_req_body(req), "case_id"), &err);
	if (c == NULL)
		return reply_fail(req, &err);
	struct retention_write w = {.c = c};
	return retention_write_reply(req, consent_txn, &w, 201);
}

/* ---- the médecin's medical flags ------------------------------------------------------------ */

static const struct socle_field medical_fields[] = {
	{"ald", SOCLE_F_BOOL, false, 0, 0, NULL, NULL},
	{"opposition", SOCLE_F_BOOL, false, 0, 0, NULL, NULL},
};

static int medical_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct retention_write *w = ud;
	const json_t *b = w->body;
	int64_t id = iget(w->c, "id");
	json_t *ald = json_object_get(b, "ald"), *opp = json_object_get(b, "opposition");
	int rc = q_ok(wdb, "UPDATE retention_case SET ald = COALESCE(:ald, ald), opposition ="
	                   " COALESCE(:opp, opposition), updated_at = :now WHERE id = :id",
	              json_pack("{s:O?, s:O?, s:I, s:I}", "ald", ald, "opp", opp, "now",
	                        (json_int_t)socle_now_ms(), "id", (json_int_t)id),
	              err);

	/* The audit says that the flags changed, never their value: medical. */
	if (rc || (rc = audit(wdb, w->req, "retention.medical.write", "retention_case", id,
	                      json_object(), err)))
		return rc;
	w->result = json_pack("{s:I}", "id", (json_int_t)id);
	return w->result ? 0 : NOMEM(err);
}

static int case_medical(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	(void)ud;

	if (retention_invalid(req, medical_fields, SOCLE_COUNT(medical_fields)))
		return 0;
	if (role_of(req) != SOCLE_ROLE_MEDECIN)
		return socle_reply_error(req, 403, "forbidden", "Seul le médecin du travail tient ces "
		                         "indications.");
	json_t *c = retention_case_of_path(req, RETENTION_MEDICAL, "retention.medical.write", &err);
	if (c == NULL)
		return reply_fail(req, &err);
	struct retention_write w = {.c = c};
	return retention_write_reply(req, medical_txn, &w, 200);
}

/* ---- the worker's space ------------------------------------------------------------------ */

static int my_cases(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	socle_db *db = socle_req_reader(req, &err);
	(void)ud;

	if (db == NULL)
		return reply_fail(req, &err);
	int64_t worker;
	if (socle_req_param_id(req, "id", &worker))
		return socle_reply_error(req, 404, "not_found", "Salarié introuvable.");
	/* The worker bound to the account, and nobody else. */
	if (!socle_principal_has_scope(socle_req_principal(req), "worker", worker)) {
		retention_forbid(req, "retention.case.read_own", "worker", worker,
		                 "Ces dossiers ne sont pas les vôtres.", &err);
		return reply_fail(req, &err);
	}
	json_t *all = socle_db_query_new(
		db, "SELECT id, worker_id, status, proposed_on, opened_on, reprise_on, review_on,"
		    " review_outcome, closed_on FROM retention_case WHERE worker_id = :w ORDER BY id DESC",
		json_pack("{s:I}", "w", (json_int_t)worker), &err);
	if (all == NULL)
		return reply_fail(req, &err);
	json_t *items = json_array();
	size_t i;
	json_t *c;
	json_array_foreach(all, i, c) {
		json_t *p = json_pack("{s:I}", "c", (json_int_t)iget(c, "id"));
		/* Its steps (what and when: the content stays with the professionals
		 * who wrote it), the proposals and the study summaries. */
		json_object_set_new(c, "steps",
		                    socle_db_query(db, "SELECT kind, title, on_date FROM retention_step"
		                                       " WHERE case_id = :c ORDER BY id", p, &err));
		json_object_set_new(c, "proposals",
		                    socle_db_query(db, "SELECT id, kind, description, status, sent_on,"
		                                       " reasons, done_by, answered_on FROM"
		                                       " retention_proposal WHERE case_id = :c AND"
		                                       " status <> 'held' ORDER BY id", p, &err));
		json_object_set_new(c, "documents",
		                    socle_db_query(db, "SELECT id, post, summary, on_date FROM"
		                                       " retention_study WHERE case_id = :c ORDER BY id",
		                                   p, &err));
		json_decref(p);
		json_array_append(items, c);
	}
	json_decref(all);
	struct socle_audit_entry e = {.action = "retention.case.read_own", .object_type = "worker",
	                              .object_id = worker, .outcome = "ok"};
	if (socle_audit_now(req, &e, &err)) {
		json_decref(items);
		return reply_fail(req, &err);
	}
	return socle_reply_json(req, 200, json_pack("{s:o}", "items", items));
}

static const struct socle_route action_routes[] = {
	{SOCLE_POST, "/retention/cases/{id}/open", "retention.cell", 8192, case_open, NULL},
	{SOCLE_POST, "/retention/cases/{id}/team", "retention.cell", 1024, case_member, NULL},
	{SOCLE_POST, "/retention/cases/{id}/steps", "retention.cell", 32768, case_step, NULL},
	{SOCLE_POST, "/retention/cases/{id}/consents", "retention.cell", 4096, case_consent, NULL},
	{SOCLE_PUT, "/retention/cases/{id}/medical", "retention.cell", 4096, case_medical, NULL},
	{SOCLE_GET, "/retention/workers/{id}/cases", "retention.worker", 0, my_cases, NULL},
	{SOCLE_POST, "/retention/me/consents", "retention.worker", 4096, my_consent, NULL},
};

int retention_cases_routes(socle_plugin *p, socle_err *err)
{
	return socle_plugin_add_routes(p, action_routes, SOCLE_COUNT(action_routes), err);
}
