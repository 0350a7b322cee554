/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The reprise warning (issue 4, item 3): on sick_leave.declared and
 * sick_leave.updated, when leave_obligations says a visite de reprise is
 * required on a known return (not provisional), one warning per leave and
 * latest date is stored and a job tracking.reprise_warning is enqueued in the
 * same write; the job mails the company's contact and the service (setting
 * service_email, or else its active service_admin users) and emits
 * follow_up.due {worker_id, company_id, type: "visite_reprise", earliest,
 * latest, leave_id}. Both steps are idempotent (unique key, sent_at). The
 * table tracking_reprise_warning is created by outcome.c's migration. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracking.h"

/* ---- the reprise warning ------------------------------------------------------------------ */

struct warn_ctx {
	int64_t leave_id, worker_id, company_id;
	const char *earliest, *latest;
	int64_t warning_id;
};

static int warn_enqueue_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct warn_ctx *w = ud;
	socle_err e2 = SOCLE_ERR_INIT;
	json_t *old = socle_db_query_one_new(wdb, "SELECT id FROM tracking_reprise_warning"
	                         " WHERE leave_id = :l AND latest = :latest",
	                    json_pack("{s:I, s:s}", "l", (json_int_t)w->leave_id, "latest", w->latest),
	                    &e2);
	int rc;

	if (old != NULL) { /* already planned: a repeated event */
		json_decref(old);
		return 0;
	}
	if (e2.code != SOCLE_E_NOTFOUND)
		return socle_err_set(err, e2.code ? e2.code : SOCLE_E_NOMEM, "%s", e2.msg);
	if ((rc = q_ok(wdb,
	                "INSERT INTO tracking_reprise_warning (leave_id, worker_id, company_id,"
	                " earliest, latest, created_at) VALUES (:l, :w, :c, :e, :latest, :now)",
	                json_pack("{s:I, s:I, s:I, s:s?, s:s, s:I}", "l", (json_int_t)w->leave_id,
	                          "w", (json_int_t)w->worker_id, "c", (json_int_t)w->company_id, "e",
	                          w->earliest, "latest", w->latest, "now",
	                          (json_int_t)socle_now_ms()),
	                err)))
		return rc;
	w->warning_id = socle_db_last_insert_id(wdb);
	json_t *p = json_pack("{s:I}", "warning_id", (json_int_t)w->warning_id);
	int64_t job = p ? socle_job_enqueue(wdb, "tracking.reprise_warning", p, 0, 0, err)
	                : NOMEM(err);
	json_decref(p);
	if (job < 0)
		return (int)job;
	return q_ok(wdb, "UPDATE tracking_reprise_warning SET job_id = :j WHERE id = :id",
	             json_pack("{s:I, s:I}", "j", (json_int_t)job, "id", (json_int_t)w->warning_id),
	             err);
}

/* sick_leave.declared / sick_leave.updated: is a reprise now due? */
static int on_leave(socle_service *svc, const char *event, const json_t *payload, void *ud,
                    socle_err *err)
{
	(void)event;
	(void)ud;
	int64_t id = iget(payload, "leave_id");
	socle_err e2 = SOCLE_ERR_INIT;
	char now[11];
	int rc;

	if (id <= 0)
		return 0;
	socle_db *db = socle_service_reader(svc, err);
	if (db == NULL)
		return err && err->code ? err->code : SOCLE_E_STORE;
	json_t *l = socle_db_query_one_new(db, "SELECT worker_id, company_id, cause, start_date, expected_end,"
	                      " actual_end, return_date FROM tracking_leave WHERE id = :id",
	                  json_pack("{s:I}", "id", (json_int_t)id), &e2);
	if (l == NULL)
		return e2.code == SOCLE_E_NOTFOUND ? 0 : socle_err_set(err, e2.code, "%s", e2.msg);
	json_t *view = json_pack("{s:O, s:O}", "cause", json_object_get(l, "cause"), "start",
	                         json_object_get(l, "start_date"));
	static const char *const keys[] = {"expected_end", "actual_end", "return_date"};
	for (size_t i = 0; view && i < SOCLE_COUNT(keys); i++)
		if (sget(l, keys[i]))
			json_object_set(view, keys[i], json_object_get(l, keys[i]));
	socle_date_today(now);
	json_t *args = view ? json_pack("[o, s]", view, now) : NULL, *res = NULL;
	rc = args ? socle_rule_call(svc, "leave_obligations", args, &res, err) : NOMEM(err);
	json_decref(args);
	if (rc != 0) {
		json_decref(l);
		return rc;
	}
	const json_t *o, *due = NULL;
	size_t i;
	json_array_foreach(json_object_get(res, "obligations"), i, o)
		if (strcmp(sget(o, "type"), "visite_reprise") == 0 &&
		    json_is_true(json_object_get(o, "required")) &&
		    !json_is_true(json_object_get(o, "provisional")) && sget(o, "latest"))
			due = o;
	rc = 0;
	if (due) {
		struct warn_ctx w = {.leave_id = id, .worker_id = iget(l, "worker_id"),
		                     .company_id = iget(l, "company_id"),
		                     .earliest = sget(due, "earliest"), .latest = sget(due, "latest")};

		rc = socle_service_write(svc, warn_enqueue_txn, &w, err);
	}
	json_decref(res);
	json_decref(l);
	return rc;
}

static int warn_send_txn(socle_db *wdb, void *ud, socle_err *err)
{
	const json_t *payload = ud;
	socle_service *svc = socle_db_service(wdb);
	socle_err e2 = SOCLE_ERR_INIT;
	int64_t id = iget(payload, "warning_id");
	int rc;

	json_t *w = socle_db_query_one_new(wdb,
		"SELECT r.id, r.leave_id, r.worker_id, r.company_id, r.earliest, r.latest, r.sent_at"
		" FROM tracking_reprise_warning r WHERE r.id = :id",
		json_pack("{s:I}", "id", (json_int_t)id), &e2);
	if (w == NULL)
		return e2.code == SOCLE_E_NOTFOUND ? 0 : socle_err_set(err, e2.code, "%s", e2.msg);
	json_t *card = tracking_worker_card(wdb, iget(w, "worker_id"), &e2);

	if (card == NULL) {
		json_decref(w);
		return e2.code == SOCLE_E_NOTFOUND ? 0 : socle_err_set(err, e2.code, "%s", e2.msg);
	}
	json_object_update_missing(w, card);
	json_decref(card);
	if (tracking_present(w, "sent_at")) { /* a retry after the commit: already sent */
		json_decref(w);
		return 0;
	}
	/* The service's address: the setting, or its active administrators. */
	const json_t *setting = json_object_get(socle_service_settings(svc, tracking_plugin),
	                                        "service_email");
	json_t *to = json_is_string(setting)
	                     ? json_pack("[{s:O}]", "email", setting)
	                     : socle_users_list(wdb, SOCLE_ROLE_BIT(SOCLE_ROLE_SERVICE_ADMIN), NULL, 0,
	                                        0, 5, err);
	if (to == NULL) {
		json_decref(w);
		return err->code ? err->code : NOMEM(err);
	}
	if (sget(w, "contact_email"))
		json_array_insert_new(to, 0, json_pack("{s:O}", "email",
		                                       json_object_get(w, "contact_email")));
	char latest[64], earliest[64], subject[300], *text = NULL;
	size_t len = 0;
	socle_date_fr(sget(w, "latest"), latest);
	socle_date_fr(sget(w, "earliest") ? sget(w, "earliest") : sget(w, "latest"), earliest);
	FILE *f = open_memstream(&text, &len);
	if (f == NULL) {
		json_decref(w);
		json_decref(to);
		return NOMEM(err);
	}
	fprintf(f, "Bonjour,\n\n%s %s, salarié(e) de l'entreprise %s, reprend le travail après un arrêt "
	        "(n° %" PRId64 ") qui rend obligatoire une visite de reprise (R4624-31).\n\n"
	        "Cette visite doit avoir lieu à partir du %s et au plus tard le %s (dans les 8 jours "
	        "de la reprise, R4624-31). L'employeur la demande au service dès qu'il connaît la date "
	        "de reprise (R4624-32).\n\n%s\n",
	        sget(w, "first_name"), sget(w, "last_name"), sget(w, "legal_name"),
	        iget(w, "leave_id"), earliest, latest, socle_service_name(svc));
	if (fclose(f) != 0) {
		free(text);
		json_decref(w);
		json_decref(to);
		return NOMEM(err);
	}
	snprintf(subject, sizeof(subject), "Visite de reprise à organiser : %s %s, au plus tard le %s",
	         sget(w, "first_name"), sget(w, "last_name"), latest);
	const json_t *t;
	size_t i;
	rc = 0;
	json_array_foreach(to, i, t) {
		struct socle_mail mail = {.to = sget(t, "email"), .subject = subject, .text = text,
		                          .category = "reprise"};
		int64_t job = socle_mail_queue(wdb, &mail, 0, err);

		if (job < 0) {
			rc = (int)job;
			break;
		}
	}
	free(text);
	json_decref(to);
	if (rc == 0 &&
	    (rc = emit(wdb, "follow_up.due",
	               json_pack("{s:O, s:O, s:s, s:O, s:O, s:O}", "worker_id",
	                         json_object_get(w, "worker_id"), "company_id",
	                         json_object_get(w, "company_id"), "type", "visite_reprise",
	                         "earliest", json_object_get(w, "earliest"), "latest",
	                         json_object_get(w, "latest"), "leave_id",
	                         json_object_get(w, "leave_id")),
	               err)) == 0 &&
	    (rc = q_ok(wdb, "UPDATE tracking_reprise_warning SET sent_at = :now WHERE id = :id",
	                json_pack("{s:I, s:I}", "now", (json_int_t)socle_now_ms(), "id",
	                          (json_int_t)id),
	                err)) == 0)
		rc = audit(wdb, NULL, "tracking.reprise.warn", "sick_leave", iget(w, "leave_id"),
		           json_pack("{s:O, s:O, s:O}", "worker_id", json_object_get(w, "worker_id"),
		                     "company_id", json_object_get(w, "company_id"), "latest",
		                     json_object_get(w, "latest")),
		           err);
	json_decref(w);
	return rc;
}

static int warn_job(socle_service *svc, const json_t *payload, void *ud, socle_err *err)
{
	(void)ud;
	if (!json_is_integer(json_object_get(payload, "warning_id")))
		return socle_err_set(err, SOCLE_E_INVAL, "tracking.reprise_warning : charge utile "
		                     "invalide");
	return socle_service_write(svc, warn_send_txn, (void *)payload, err);
}

int tracking_reprise_init(socle_plugin *p, socle_err *err)
{
	int rc;

	if ((rc = socle_plugin_on(p, "sick_leave.declared", on_leave, NULL, err)) ||
	    (rc = socle_plugin_on(p, "sick_leave.updated", on_leave, NULL, err)) ||
	    (rc = socle_plugin_add_job(p, "tracking.reprise_warning", warn_job, NULL, err)))
		return rc;
	return 0;
}
