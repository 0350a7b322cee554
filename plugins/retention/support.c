/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Social support, scheduled tasks and the one-year review (issue 17, items 3
 * and 4; seed 3.5.1 E, 3.5.2):
 *   - the assistant social of the team records the accompaniment (rights
 *     information, administrative help, orientation to outside resources);
 *     follow-ups at 3 and 6 months are scheduled as tasks in the same write;
 *   - a reprise on a case (cases.c) schedules the review one year later;
 *   - the tasks fall due by the core's clock: a timer (and the start) mails a
 *     reminder to the members of the team who hold the task's role, once;
 *     the team's list shows each task with whether it is due;
 *   - the review records the outcome and closes the case. */
#include <stdlib.h>

#include "retention.h"

/* How often the timer looks for tasks that fell due (one write per service). */
#define REMIND_TIMER_MS 60000

static const char *const action_kinds[] = {"droits", "administratif", "orientation", NULL};
static const char *const review_outcomes[] = {"maintien_poste", "poste_amenage", "autre_poste",
                                              "formation_transition", "inaptitude_licenciement",
                                              "depart_autre", NULL};

int retention_task_add(socle_db *wdb, int64_t case_id, const char *kind, const char *due_on,
                       const char *role, socle_err *err)
{
	return q_ok(wdb, "INSERT INTO retention_task (case_id, kind, due_on, role) VALUES (:c, :k,"
	                 " :d, :r) ON CONFLICT (case_id, kind) DO NOTHING",
	            json_pack("{s:I, s:s, s:s, s:s}", "c", (json_int_t)case_id, "k", kind, "d",
	                      due_on, "r", role),
	            err);
}

/* ---- social support ----------------------------------------------------------------------- */

static const struct socle_field support_fields[] = {
	{"started_on", SOCLE_F_DATE, true, 0, 0, NULL, NULL},
	{"actions", SOCLE_F_ARRAY, true, 1, 20, NULL, NULL},
};
static const struct socle_field action_fields[] = {
	{"kind", SOCLE_F_ENUM, true, 0, 0, action_kinds, NULL},
	{"text", SOCLE_F_STRING, true, 1, 5000, NULL, NULL},
};

static int support_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct retention_write *w = ud;
	const json_t *b = w->body;
	int64_t id = iget(w->c, "id");
	const char *on = sget(b, "started_on");
	char m3[SOCLE_DATE_SIZE], m6[SOCLE_DATE_SIZE];
	int rc;

	if (!socle_date_add_months(on, 3, m3) || !socle_date_add_months(on, 6, m6))
		return socle_err_set(err, SOCLE_E_INVAL, "date invalide");
	char *actions = json_dumps(json_object_get(b, "actions"), JSON_COMPACT);
	if (actions == NULL)
		return NOMEM(err);
	rc = q_ok(wdb, "INSERT INTO retention_support (case_id, worker_id, started_on, actions,"
	               " by_user, created_at) VALUES (:c, :w, :on, :a, :by, :now)",
	          json_pack("{s:I, s:I, s:s, s:s, s:I, s:I}", "c", (json_int_t)id, "w",
	                    (json_int_t)iget(w->c, "worker_id"), "on", on, "a", actions, "by",
	                    (json_int_t)user_of(w->req), "now", (json_int_t)socle_now_ms()),
	          err);
	if (rc == 0)
		rc = retention_step_add(wdb, id, "accompagnement_social", RETENTION_SOCIAL,
		                        "Accompagnement social", actions, on, user_of(w->req), err);
	free(actions);
	if (rc || (rc = retention_task_add(wdb, id, "follow_up_3m", m3, "assistant_social", err)) ||
	    (rc = retention_task_add(wdb, id, "follow_up_6m", m6, "assistant_social", err)) ||
	    (rc = emit(wdb, "retention.support_started",
	               json_pack("{s:I, s:I, s:s}", "case_id", (json_int_t)id, "worker_id",
	                         (json_int_t)iget(w->c, "worker_id"), "started_on", on),
	               err)) ||
	    (rc = audit(wdb, w->req, "retention.support.start", "retention_case", id, json_object(),
	                err)))
		return rc;
	w->result = json_pack("{s:I, s:s, s:[{s:s, s:s}, {s:s, s:s}]}", "case_id", (json_int_t)id,
	                      "started_on", on, "tasks", "kind", "follow_up_3m", "due_on", m3, "kind",
	                      "follow_up_6m", "due_on", m6);
	return w->result ? 0 : NOMEM(err);
}

static int support_start(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	const json_t *a;
	size_t i;
	(void)ud;

	if (retention_invalid(req, support_fields, SOCLE_COUNT(support_fields)))
		return 0;
	json_array_foreach(json_object_get(socle_req_body(req), "actions"), i, a) {
		char prefix[48];
		snprintf(prefix, sizeof(prefix), "actions[%zu].", i);
		if (!json_is_object(a))
			socle_field_error(&errors, prefix, "Une action est un objet {kind, text}.");
		else
			socle_fields_check(a, action_fields, SOCLE_COUNT(action_fields), prefix, &errors);
	}
	if (errors)
		return socle_reply_invalid(req, errors);
	json_t *c = retention_case_of_path(req, RETENTION_SOCIAL, "retention.support.start", &err);
	if (c == NULL)
		return reply_fail(req, &err);
	if (strcmp(sget(c, "status"), "open") != 0) {
		json_decref(c);
		return socle_reply_error(req, 409, "conflict", "Le dossier n'est pas ouvert.");
	}
	struct retention_write w = {.c = c};
	return retention_write_reply(req, support_txn, &w, 201);
}

/* ---- tasks -------------------------------------------------------------------------------- */

/* GET /retention/tasks: the caller's tasks (its cases, its role), soonest first. */
static int task_list(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	socle_db *db = socle_req_reader(req, &err);
	char today[SOCLE_DATE_SIZE];
	(void)ud;

	if (db == NULL)
		return reply_fail(req, &err);
	socle_date_today(today);
	json_t *items = socle_db_query_new(
		db, "SELECT k.id, k.case_id, k.kind, k.due_on, k.role, k.status, k.reminded_on,"
		    " k.done_on, CASE WHEN k.status = 'open' AND k.due_on <= :today THEN 1 ELSE 0 END"
		    " AS due FROM retention_task k JOIN retention_team t ON t.case_id = k.case_id"
		    " AND t.user_id = :u AND t.role = k.role ORDER BY k.status DESC, k.due_on, k.id"
		    " LIMIT 500",
		json_pack("{s:s, s:I}", "today", today, "u", (json_int_t)user_of(req)), &err);
	if (items == NULL)
		return reply_fail(req, &err);
	size_t i;
	json_t *t;
	json_array_foreach(items, i, t)
		json_object_set_new(t, "due", json_boolean(iget(t, "due")));
	return socle_reply_json(req, 200, json_pack("{s:o, s:s}", "items", items, "today", today));
}

static const struct socle_field done_fields[] = {
	{"note", SOCLE_F_STRING, true, 1, 5000, NULL, NULL},
};

static int done_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct retention_write *w = ud;
	char today[SOCLE_DATE_SIZE];
	int rc;

	socle_date_today(today);
	if ((rc = socle_db_run_new(wdb, "UPDATE retention_task SET status = 'done', done_on = :d,"
	                                " done_by = :u WHERE id = :id AND status = 'open' AND"
	                                " due_on <= :d",
	                           json_pack("{s:s, s:I, s:I}", "d", today, "u",
	                                     (json_int_t)user_of(w->req), "id", (json_int_t)w->id),
	                           err)) < 0)
		return rc;
	if (rc == 0)
		return socle_err_set(err, SOCLE_E_CONFLICT, "Ce suivi n'est pas encore dû, ou il est "
		                     "déjà fait.");
	if ((rc = retention_step_add(wdb, iget(w->c, "case_id"), sget(w->c, "kind"),
	                             RETENTION_SOCIAL,
	                             strcmp(sget(w->c, "kind"), "follow_up_3m") == 0
	                                     ? "Suivi à 3 mois"
	                                     : "Suivi à 6 mois",
	                             sget(w->body, "note"), today, user_of(w->req), err)) ||
	    (rc = audit(wdb, w->req, "retention.task.done", "retention_task", w->id, json_object(),
	                err)))
		return rc;
	w->result = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)w->id, "status", "done",
	                      "done_on", today);
	return w->result ? 0 : NOMEM(err);
}

/* POST /retention/tasks/{id}/done: a follow-up of the social support, by the
 * assistant social of the team (the review has its own route). */
static int task_done(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	socle_db *db = socle_req_reader(req, &err);
	int64_t id;
	(void)ud;

	if (db == NULL)
		return reply_fail(req, &err);
	if (retention_invalid(req, done_fields, SOCLE_COUNT(done_fields)))
		return 0;
	if (socle_req_param_id(req, "id", &id))
		return socle_reply_error(req, 404, "not_found", "Tâche introuvable.");
	json_t *t = socle_db_query_one_new(db, "SELECT id, case_id, kind FROM retention_task WHERE"
	                                       " id = :id AND kind <> 'review_1y'",
	                                   json_pack("{s:I}", "id", (json_int_t)id), &err);
	if (t == NULL)
		return err.code == SOCLE_E_NOTFOUND
		               ? socle_reply_error(req, 404, "not_found", "Tâche introuvable.")
		               : reply_fail(req, &err);
	json_t *c = retention_case_load(db, iget(t, "case_id"), &err);
	if (c == NULL || retention_access(req, c, RETENTION_SOCIAL, "retention.task.done", &err)) {
		json_decref(c);
		json_decref(t);
		return reply_fail(req, &err);
	}
	json_decref(c);
	struct retention_write w = {.c = t, .id = id};
	return retention_write_reply(req, done_txn, &w, 200);
}

/* ---- the one-year review ------------------------------------------------------------------ */

static const struct socle_field review_fields[] = {
	{"outcome", SOCLE_F_ENUM, true, 0, 0, review_outcomes, NULL},
	{"note", SOCLE_F_STRING, false, 1, 5000, NULL, NULL},
};

static int review_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct retention_write *w = ud;
	int64_t id = iget(w->c, "id");
	const char *outcome = sget(w->body, "outcome");
	char today[SOCLE_DATE_SIZE];
	int rc;

	socle_date_today(today);
	if ((rc = socle_db_run_new(wdb, "UPDATE retention_task SET status = 'done', done_on = :d,"
	                                " done_by = :u WHERE case_id = :c AND kind = 'review_1y' AND"
	                                " status = 'open' AND due_on <= :d",
	                           json_pack("{s:s, s:I, s:I}", "d", today, "u",
	                                     (json_int_t)user_of(w->req), "c", (json_int_t)id),
	                           err)) < 0)
		return rc;
	if (rc == 0)
		return socle_err_set(err, SOCLE_E_CONFLICT, "Le bilan à un an n'est pas encore dû pour "
		                     "ce dossier (un an après la reprise ou l'aménagement).");
	if ((rc = q_ok(wdb, "UPDATE retention_case SET review_outcome = :o, review_on = :d, status ="
	                    " 'closed', closed_on = :d, updated_at = :now WHERE id = :id",
	               json_pack("{s:s, s:s, s:I, s:I}", "o", outcome, "d", today, "now",
	                         (json_int_t)socle_now_ms(), "id", (json_int_t)id),
	               err)) ||
	    (rc = retention_step_add(wdb, id, "bilan_un_an", RETENTION_GENERAL, "Bilan à un an",
	                             outcome, today, user_of(w->req), err)) ||
	    (rc = emit(wdb, "retention.review_done",
	               json_pack("{s:I, s:I, s:I, s:s, s:s}", "case_id", (json_int_t)id, "worker_id",
	                         (json_int_t)iget(w->c, "worker_id"), "company_id",
	                         (json_int_t)iget(w->c, "company_id"), "outcome", outcome, "on_date",
	                         today),
	               err)) ||
	    (rc = audit(wdb, w->req, "retention.review.done", "retention_case", id,
	                json_pack("{s:s}", "outcome", outcome), err)))
		return rc;
	w->result = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)id, "status", "closed",
	                      "review_outcome", outcome, "review_on", today);
	return w->result ? 0 : NOMEM(err);
}

static int case_review(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	(void)ud;

	if (retention_invalid(req, review_fields, SOCLE_COUNT(review_fields)))
		return 0;
	if (role_of(req) != SOCLE_ROLE_MEDECIN)
		return socle_reply_error(req, 403, "forbidden", "Le médecin du travail fait le bilan "
		                         "à un an.");
	json_t *c = retention_case_of_path(req, RETENTION_GENERAL, "retention.review.done", &err);
	if (c == NULL)
		return reply_fail(req, &err);
	struct retention_write w = {.c = c};
	return retention_write_reply(req, review_txn, &w, 200);
}

/* ---- reminders ---------------------------------------------------------------------------- */

static int remind_txn(socle_db *wdb, void *ud, socle_err *err)
{
	char today[SOCLE_DATE_SIZE];
	(void)ud;

	socle_date_today(today);
	json_t *due = socle_db_query_new(
		wdb, "SELECT k.id, k.case_id, k.kind, k.due_on, t.user_id FROM retention_task k"
		     " LEFT JOIN retention_team t ON t.case_id = k.case_id AND t.role = k.role"
		     " WHERE k.status = 'open' AND k.reminded_on IS NULL AND k.due_on <= :d"
		     " ORDER BY k.id LIMIT 500",
		json_pack("{s:s}", "d", today), err);
	size_t i;
	json_t *t;
	int rc = 0;

	if (due == NULL)
		return err->code ? err->code : NOMEM(err);
	json_array_foreach(due, i, t) {
		socle_err e2 = SOCLE_ERR_INIT;
		json_t *u = iget(t, "user_id") ? socle_user_get(wdb, iget(t, "user_id"), &e2) : NULL;
		const char *kind = sget(t, "kind");
		char subject[160], text[512];

		snprintf(subject, sizeof(subject), "Dossier de maintien en emploi n° %" PRId64 " : %s",
		         iget(t, "case_id"),
		         strcmp(kind, "review_1y") == 0     ? "bilan à un an à faire"
		         : strcmp(kind, "follow_up_3m") == 0 ? "suivi à 3 mois à faire"
		                                             : "suivi à 6 mois à faire");
		snprintf(text, sizeof(text), "Bonjour,\n\n%s (échéance du %s). Le dossier est dans "
		         "la liste des tâches de la cellule de prévention de la désinsertion "
		         "professionnelle.\n", subject, sget(t, "due_on"));
		if (u && !json_is_true(json_object_get(u, "disabled"))) {
			struct socle_mail m = {.to = sget(u, "email"), .subject = subject, .text = text,
			                       .category = "retention_rappel"};
			int64_t job = socle_mail_queue(wdb, &m, 0, err);
			rc = job < 0 ? (int)job : 0;
		}
		json_decref(u);
		if (rc == 0)
			rc = q_ok(wdb, "UPDATE retention_task SET reminded_on = :d WHERE id = :id",
			          json_pack("{s:s, s:I}", "d", today, "id", (json_int_t)iget(t, "id")), err);
		if (rc)
			break;
	}
	json_decref(due);
	return rc;
}

void retention_tasks_remind(socle_core *core)
{
	for (size_t i = 0; i < socle_core_service_count(core); i++) {
		socle_service *svc = socle_core_service_at(core, i);
		socle_err err = SOCLE_ERR_INIT;

		char today[SOCLE_DATE_SIZE];

		if (!socle_service_enables(svc, "retention"))
			continue;
		/* A read first: the timer's write only when a task fell due. */
		socle_db *db = socle_service_reader(svc, &err);
		socle_date_today(today);
		json_t *due = db ? socle_db_query_one_new(db, "SELECT id FROM retention_task WHERE"
		                                              " status = 'open' AND reminded_on IS NULL"
		                                              " AND due_on <= :d LIMIT 1",
		                                          json_pack("{s:s}", "d", today), &err)
		                 : NULL;
		json_decref(due);
		if (db != NULL && due == NULL && err.code == SOCLE_E_NOTFOUND)
			continue;
		err = (socle_err)SOCLE_ERR_INIT;
		if (socle_service_write(svc, remind_txn, NULL, &err) != 0)
			socle_log(SOCLE_LOG_WARN, "service %s : rappels de la cellule PDP non envoyés : %s",
			          socle_service_id(svc), err.msg);
	}
}

static void remind_timer(socle_core *core, void *ud)
{
	(void)ud;
	retention_tasks_remind(core);
}

static const struct socle_route support_routes[] = {
	{SOCLE_POST, "/retention/cases/{id}/support", "retention.cell", 32768, support_start, NULL},
	{SOCLE_POST, "/retention/cases/{id}/review", "retention.cell", 8192, case_review, NULL},
	{SOCLE_GET, "/retention/tasks", "retention.cell", 0, task_list, NULL},
	{SOCLE_POST, "/retention/tasks/{id}/done", "retention.cell", 8192, task_done, NULL},
};

int retention_support_init(socle_plugin *p, socle_err *err)
{
	int rc = socle_plugin_add_routes(p, support_routes, SOCLE_COUNT(support_routes), err);

	return rc ? rc : socle_plugin_add_timer(p, REMIND_TIMER_MS, remind_timer, NULL, err);
}
