/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Booking a slot for a queued request, by an employer user among the slots
 * the service offers (with membership's employer role "convocation") or by
 * staff among any free slot; cancelling a queued or scheduled visit (cut-off:
 * setting cancel_cutoff_hours, for employers) with an optional return to the
 * queue; recording a no-show. The booking's write (tracking_booking_apply)
 * also serves the automatic assignment; it enqueues the convocation job
 * (convocation.c), which mails off the request path. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "planning.h"

static bool planner(socle_req *req)
{
	return socle_principal_can(socle_req_principal(req), "tracking.planning");
}

/* How a person reaches the service, for every refusal that sends them to it:
 * the phone and e-mail of the service's identity (docs/config.md). */
static void service_contact(socle_service *svc, char *out, size_t size)
{
	const json_t *id = socle_service_identity(svc);
	const char *phone = sget(id, "phone"), *email = sget(id, "email");

	if (phone && email)
		snprintf(out, size, "appelez le service au %s ou écrivez à %s", phone, email);
	else if (phone || email)
		snprintf(out, size, "%s le service %s %s", phone ? "appelez" : "écrivez à",
		         phone ? "au" : "à l'adresse", phone ? phone : email);
	else
		snprintf(out, size, "contactez le service %s", socle_service_name(svc));
}

/* ---- the booking's write ---- */

void tracking_booking_clear(struct booking *bk)
{
	json_decref(bk->request);
	json_decref(bk->slot);
	memset(bk, 0, sizeof(*bk));
}

/* In the write: book the slot for the request if both are still open, then
 * the event, the audit entry and the convocation job.
 * Returns 0 (bk->done tells whether it booked) or a store error. */
int tracking_booking_apply(socle_db *wdb, socle_req *req, struct booking *bk, const char *how,
                         socle_err *err)
{
	int64_t rid = iget(bk->request, "id"), sid = iget(bk->slot, "id"), now = socle_now_ms();
	int rc;

	/* Bound directly (an assignment run books thousands in one write). */
	socle_stmt *st = socle_db_prepare(wdb, "SELECT r.status, s.status FROM tracking_visit_request r,"
	                                       " tracking_slot s WHERE r.id = :r AND s.id = :s", err);
	if (st == NULL)
		return err->code ? err->code : SOCLE_E_STORE;
	socle_stmt_bind_int(st, ":r", rid);
	socle_stmt_bind_int(st, ":s", sid);
	rc = socle_stmt_step(st, err);
	if (rc == 1) {
		const char *rs = socle_stmt_text(st, 0), *ss = socle_stmt_text(st, 1);

		if (strcmp(rs, "queued") != 0)
			snprintf(bk->failure, sizeof(bk->failure), "La demande n'est plus en attente.");
		else if (strcmp(ss, "offered") != 0 && (bk->offered_only || strcmp(ss, "free") != 0))
			snprintf(bk->failure, sizeof(bk->failure), "Ce créneau n'est plus disponible.");
	}
	socle_stmt_release(st);
	if (rc < 0)
		return rc;
	if (rc == 0)
		snprintf(bk->failure, sizeof(bk->failure), "La demande ou le créneau n'existe plus.");
	if (bk->failure[0])
		return 0;
	static const char *const book_sql[] = {
		"UPDATE tracking_slot SET status = 'booked', request_id = :r, updated_at = :now"
		" WHERE id = :s",
		"UPDATE tracking_visit_request SET status = 'scheduled', slot_id = :s,"
		" unplaced_reason = NULL, unplaced_at = NULL, scheduled_at = :now, updated_at = :now"
		" WHERE id = :r",
	};
	for (size_t k = 0; k < SOCLE_COUNT(book_sql); k++) {
		if ((st = socle_db_prepare(wdb, book_sql[k], err)) == NULL)
			return err->code ? err->code : SOCLE_E_STORE;
		socle_stmt_bind_int(st, ":r", rid);
		socle_stmt_bind_int(st, ":s", sid);
		socle_stmt_bind_int(st, ":now", now);
		rc = socle_stmt_step(st, err);
		socle_stmt_release(st);
		if (rc < 0)
			return rc;
	}
	if ((rc = emit(wdb, "visit.scheduled",
	               json_pack("{s:I, s:O, s:O, s:O, s:I, s:O, s:O, s:O, s:O, s:O, s:s}",
	                         "request_id", (json_int_t)rid, "worker_id",
	                         json_object_get(bk->request, "worker_id"), "company_id",
	                         json_object_get(bk->request, "company_id"), "type",
	                         json_object_get(bk->request, "type"), "slot_id", (json_int_t)sid,
	                         "starts_at", json_object_get(bk->slot, "starts_at"), "site",
	                         json_object_get(bk->slot, "site"), "mode",
	                         json_object_get(bk->slot, "mode"), "role",
	                         json_object_get(bk->slot, "role"), "professional_id",
	                         json_object_get(bk->slot, "professional_id"), "how", how),
	               err)) ||
	    (rc = audit(wdb, req, "tracking.visit.schedule", "visit_request", rid,
	                json_pack("{s:O, s:I, s:O, s:s}", "company_id",
	                          json_object_get(bk->request, "company_id"), "slot_id",
	                          (json_int_t)sid, "starts_at", json_object_get(bk->slot, "starts_at"),
	                          "how", how),
	                err)))
		return rc;
	json_t *p = json_pack("{s:I, s:I}", "request_id", (json_int_t)rid, "slot_id", (json_int_t)sid);
	int64_t job = p ? socle_job_enqueue(wdb, "tracking.convocation", p, 0, 0, err) : NOMEM(err);

	json_decref(p);
	if (job < 0)
		return (int)job;
	bk->done = true;
	return 0;
}

/* ---- the employer's choice among offered slots ---------------------------------------------- */

/* Does @p slot (tracking_slot_view) fit @p r for an employer's choice? NULL when it
 * does, else why not (French). */
static const char *slot_misfit(const json_t *r, const json_t *slot, int64_t now)
{
	const struct tracking_visit_type *t = tracking_visit_type(sget(r, "type"));
	const char *due = sget(r, "due_before");

	if (iget(slot, "starts_ms") <= now)
		return "Ce créneau est déjà passé.";
	if (t && strcmp(t->who, "medecin") == 0 && strcmp(sget(slot, "role"), "medecin") != 0)
		return "Cette visite est réservée au médecin du travail.";
	if (!tracking_slot_allows(slot, sget(r, "type")))
		return "Ce créneau n'admet pas ce type de visite.";
	if (due && strncmp(sget(slot, "starts_at"), due, 10) > 0)
		return "Ce créneau est postérieur à l'échéance de la demande.";
	const char *from = sget(r, "not_before");
	if (from && strncmp(sget(slot, "starts_at"), from, 10) < 0)
		return "Ce créneau tombe avant la date à partir de laquelle la visite peut avoir lieu "
		       "(pour une reprise : le jour du retour au travail).";
	return NULL;
}

/* GET /tracking/companies/{id}/slots-offered?request_id=: the offered slots
 * that fit one queued request of the company, earliest first. */
static int slots_offered(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company, after, rid = tracking_query_id(req, "request_id");
	int limit;
	(void)ud;

	if (socle_req_param_id(req, "id", &company) != 0)
		return socle_reply_error(req, 404, "not_found", "Entreprise introuvable.");
	if (socle_req_page(req, &limit, &after, &err) != 0)
		return socle_reply_err(req, &err);
	if (rid <= 0)
		return socle_reply_error(req, 400, "invalid",
		                         "request_id : identifiant de demande de visite attendu.");
	if (socle_access_company(req, company, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *r = db ? tracking_request_load(db, rid, &err) : NULL;
	if (r == NULL)
		return reply_fail(req, &err);
	if (iget(r, "company_id") != company ||
	    tracking_employer_kept_out(req, iget(r, "worker_id"), sget(r, "type"),
	                               sget(r, "requested_by"), "tracking.visit_request.read")) {
		json_decref(r);
		return socle_reply_error(req, 404, "not_found", "Demande de visite introuvable.");
	}
	if (strcmp(sget(r, "status"), "queued") != 0) {
		json_decref(r);
		return socle_reply_error(req, 409, "conflict", "Cette demande n'est plus en attente.");
	}
	const struct tracking_visit_type *t = tracking_visit_type(sget(r, "type"));
	char like[64], due_next[11] = "9999-12-31";
	int y, m, d;
	snprintf(like, sizeof(like), "%%\"%s\"%%", sget(r, "type"));
	/* The deadline's day is allowed: slots start before the next day. */
	if (date_parts(sget(r, "due_before"), &y, &m, &d))
		socle_date_format(socle_date_from_civil(y, m, d) + 1, due_next);
	json_t *rows = socle_db_query_new(db,
		"WITH c AS (SELECT starts_at AS cs, id AS ci FROM tracking_slot WHERE id = :after)"
		" SELECT " SLOT_COLUMNS " FROM tracking_slot LEFT JOIN c ON 1 = 1"
		" WHERE status = 'offered' AND starts_ms > :now AND starts_at < :due"
		" AND (:medecin = 0 OR role = 'medecin')"
		" AND (visit_types = '[]' OR visit_types LIKE :like)"
		" AND (:after = 0 OR starts_at > c.cs OR (starts_at = c.cs AND id > c.ci))"
		" ORDER BY starts_at, id LIMIT :limit",
		json_pack("{s:I, s:I, s:s, s:b, s:s, s:i}", "after", (json_int_t)after, "now",
		          (json_int_t)socle_now_ms(), "due", due_next, "medecin",
		          t && strcmp(t->who, "medecin") == 0, "like", like, "limit", limit),
		&err);
	if (rows == NULL) {
		json_decref(r);
		return reply_fail(req, &err);
	}
	json_t *items = json_array();
	size_t i;
	json_t *s;
	json_array_foreach(rows, i, s) {
		tracking_slot_view(s);
		if (items && tracking_slot_allows(s, sget(r, "type")))
			json_array_append(items, s);
	}
	json_decref(rows);
	json_decref(r);
	return socle_reply_page(req, items, limit, "id");
}

static const struct socle_field book_fields[] = {
	{"slot_id", SOCLE_F_INT, true, 1, INT64_MAX, NULL, NULL},
};

struct book_write {
	socle_req *req;
	struct booking bk;
};

static int book_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct book_write *bw = ud;
	int rc = tracking_booking_apply(wdb, bw->req, &bw->bk, planner(bw->req) ? "service" : "employeur",
	                       err);

	if (rc == 0 && !bw->bk.done)
		return socle_err_set(err, SOCLE_E_CONFLICT, "%s", bw->bk.failure);
	return rc;
}

/* POST /tracking/visit-requests/{id}/book {slot_id}: the employer (or staff)
 * books a slot for a queued request. */
static int request_book(socle_req *req, void *ud)
{
	const json_t *body = socle_req_body(req);
	struct book_write bw = {.req = req};
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	(void)ud;

	if (socle_fields_check(body, book_fields, SOCLE_COUNT(book_fields), NULL, &errors) > 0)
		return socle_reply_invalid(req, errors);
	bw.bk.request = tracking_request_param(req, "id", true);
	if (bw.bk.request == NULL)
		return 0;
	if (tracking_convocation_refused(req, iget(bw.bk.request, "company_id"))) {
		tracking_booking_clear(&bw.bk);
		return 0;
	}
	if (strcmp(sget(bw.bk.request, "status"), "queued") != 0) {
		tracking_booking_clear(&bw.bk);
		return socle_reply_error(req, 409, "conflict", "Cette demande n'est plus en attente.");
	}
	socle_db *db = socle_req_reader(req, &err);
	bw.bk.slot = db ? tracking_slot_load(db, iget(body, "slot_id"), &err) : NULL;
	if (bw.bk.slot == NULL) {
		tracking_booking_clear(&bw.bk);
		if (err.code != SOCLE_E_NOTFOUND)
			return reply_fail(req, &err);
		socle_field_error(&errors, "slot_id", "Créneau introuvable.");
		return socle_reply_invalid(req, errors);
	}
	tracking_slot_view_ms(bw.bk.slot, true);
	bw.bk.offered_only = !planner(req);
	const char *misfit = slot_misfit(bw.bk.request, bw.bk.slot, socle_now_ms());
	const char *st = sget(bw.bk.slot, "status");
	if (misfit == NULL && strcmp(st, "offered") != 0 &&
	    (bw.bk.offered_only || strcmp(st, "free") != 0))
		misfit = bw.bk.offered_only ? "Ce créneau n'est pas proposé au choix des entreprises."
		                            : "Ce créneau n'est plus disponible.";
	if (misfit != NULL) {
		tracking_booking_clear(&bw.bk);
		socle_field_error(&errors, "slot_id", "%s", misfit);
		return socle_reply_invalid(req, errors);
	}
	if (socle_service_write(socle_req_service(req), book_txn, &bw, &err) != 0) {
		tracking_booking_clear(&bw.bk);
		if (err.code == SOCLE_E_CONFLICT)
			return socle_reply_error(req, 409, "conflict", err.msg);
		return socle_reply_err(req, &err);
	}
	int64_t rid = iget(bw.bk.request, "id");
	tracking_booking_clear(&bw.bk);
	json_t *r = tracking_request_load(db, rid, &err);
	return r ? socle_reply_json(req, 200, tracking_request_for(req, r)) : reply_fail(req, &err);
}

/* ---- cancellation, no-show -------------------------------------------------------------------- */

static const struct socle_field cancel_fields[] = {
	{"reason", SOCLE_F_STRING, false, 1, 500, NULL, NULL},
	{"reschedule", SOCLE_F_BOOL, false, 0, 0, NULL, NULL},
};

struct visit_write {
	socle_req *req;
	const json_t *body;
	json_t *request; /* owned */
	json_t *slot;    /* owned, may be NULL */
	json_t *mails;   /* cancellation notices (owned) */
	char failure[200];
};

static int cancel_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct visit_write *vw = ud;
	int64_t rid = iget(vw->request, "id"), now = socle_now_ms();
	bool again = json_is_true(json_object_get(vw->body, "reschedule"));
	socle_err e2 = SOCLE_ERR_INIT;
	int rc;

	json_t *cur = tracking_request_load(wdb, rid, &e2);
	if (cur == NULL)
		return socle_err_set(err, e2.code, "%s", e2.msg);
	bool same = strcmp(sget(cur, "status"), sget(vw->request, "status")) == 0 &&
	            iget(cur, "slot_id") == iget(vw->request, "slot_id");
	json_decref(cur);
	if (!same)
		return socle_err_set(err, SOCLE_E_CONFLICT, "La demande a changé entre-temps : "
		                     "rechargez-la.");
	if (vw->slot &&
	    (rc = socle_db_run_new(wdb, "UPDATE tracking_slot SET status = CASE WHEN offered = 1"
	                     " THEN 'offered' ELSE 'free' END, request_id = NULL, updated_at = :now"
	                     " WHERE id = :s AND request_id = :r",
	                json_pack("{s:I, s:I, s:I}", "s", (json_int_t)iget(vw->slot, "id"), "r",
	                          (json_int_t)rid, "now", (json_int_t)now),
	                err)) < 0)
		return rc;
	if ((rc = socle_db_run_new(wdb, "UPDATE tracking_visit_request SET status = :st, slot_id = NULL,"
	                     " cancel_reason = :why, scheduled_at = NULL, updated_at = :now"
	                     " WHERE id = :r",
	                json_pack("{s:s, s:O?, s:I, s:I}", "st", again ? "queued" : "cancelled",
	                          "why", json_object_get(vw->body, "reason"), "now", (json_int_t)now,
	                          "r", (json_int_t)rid),
	                err)) < 0)
		return rc;
	if ((rc = emit(wdb, "visit.cancelled",
	               json_pack("{s:I, s:O, s:O, s:O, s:O, s:O, s:b, s:o}", "request_id",
	                         (json_int_t)rid, "worker_id", json_object_get(vw->request, "worker_id"),
	                         "company_id", json_object_get(vw->request, "company_id"), "type",
	                         json_object_get(vw->request, "type"), "slot_id",
	                         json_object_get(vw->request, "slot_id"), "starts_at",
	                         vw->slot ? json_object_get(vw->slot, "starts_at") : json_null(),
	                         "rescheduled", again, "by", tracking_user_of(vw->req)),
	               err)) ||
	    (rc = audit(wdb, vw->req, "tracking.visit.cancel", "visit_request", rid,
	                json_pack("{s:O, s:O, s:b, s:O?}", "company_id",
	                          json_object_get(vw->request, "company_id"), "slot_id",
	                          json_object_get(vw->request, "slot_id"), "rescheduled", again,
	                          "reason", json_object_get(vw->body, "reason")),
	                err)))
		return rc;
	size_t i;
	const json_t *m;
	json_array_foreach(vw->mails, i, m) {
		struct socle_mail mail = {.to = sget(m, "to"), .subject = sget(m, "subject"),
		                          .text = sget(m, "text"), .category = "annulation"};
		int64_t job = socle_mail_queue(wdb, &mail, 0, &e2);

		if (job < 0 && job != SOCLE_E_INVAL)
			return socle_err_set(err, (int)job, "%s", e2.msg);
	}
	return 0;
}

/* POST /tracking/visits/{request_id}/cancel {reason?, reschedule?}: cancel a
 * queued or scheduled visit; reschedule puts it back in the queue. Employers
 * may not cancel a scheduled visit within the cut-off; staff may. */
static int visit_cancel(socle_req *req, void *ud)
{
	struct visit_write vw = {.req = req, .body = socle_req_body(req)};
	socle_service *svc = socle_req_service(req);
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	int rc;
	(void)ud;

	if (socle_fields_check(vw.body, cancel_fields, SOCLE_COUNT(cancel_fields), NULL, &errors) > 0)
		return socle_reply_invalid(req, errors);
	vw.request = tracking_request_param(req, "request_id", true);
	if (vw.request == NULL)
		return 0;
	if (tracking_convocation_refused(req, iget(vw.request, "company_id"))) {
		json_decref(vw.request);
		return 0;
	}
	const char *st = sget(vw.request, "status");
	if (strcmp(st, "queued") != 0 && strcmp(st, "scheduled") != 0) {
		json_decref(vw.request);
		return socle_reply_error(req, 409, "conflict",
		                         "Seule une visite en attente ou programmée peut être annulée.");
	}
	socle_db *db = socle_req_reader(req, &err);
	if (db == NULL) {
		json_decref(vw.request);
		return reply_fail(req, &err);
	}
	if (json_is_integer(json_object_get(vw.request, "slot_id"))) {
		vw.slot = tracking_slot_load(db, iget(vw.request, "slot_id"), &err);
		if (vw.slot == NULL) {
			json_decref(vw.request);
			return reply_fail(req, &err);
		}
		int64_t limit = iget(vw.slot, "starts_ms") - tracking_cutoff_hours(svc) * 3600000;
		if (!planner(req) && socle_now_ms() >= limit) {
			char msg[512], contact[300];

			service_contact(svc, contact, sizeof(contact));
			snprintf(msg, sizeof(msg), "La visite a lieu dans moins de %" PRId64 " heures : "
			         "elle ne peut plus être annulée en ligne ; %s.", tracking_cutoff_hours(svc),
			         contact);
			json_decref(vw.request);
			json_decref(vw.slot);
			return socle_reply_error(req, 409, "cutoff_passed", msg);
		}
		vw.mails = tracking_cancel_mails(svc, db, vw.request, vw.slot, &err);
		if (vw.mails == NULL) {
			json_decref(vw.request);
			json_decref(vw.slot);
			return reply_fail(req, &err);
		}
	}
	rc = socle_service_write(svc, cancel_txn, &vw, &err);
	int64_t rid = iget(vw.request, "id");
	json_decref(vw.request);
	json_decref(vw.slot);
	json_decref(vw.mails);
	if (rc != 0) {
		if (rc == SOCLE_E_CONFLICT)
			return socle_reply_error(req, 409, "conflict", err.msg);
		return socle_reply_err(req, &err);
	}
	json_t *r = tracking_request_load(db, rid, &err);
	return r ? socle_reply_json(req, 200, tracking_request_for(req, r)) : reply_fail(req, &err);
}

static int noshow_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct visit_write *vw = ud;
	int64_t rid = iget(vw->request, "id"), now = socle_now_ms();
	int rc = socle_db_run_new(wdb, "UPDATE tracking_visit_request SET status = 'missed', updated_at = :now"
	                    " WHERE id = :r AND status = 'scheduled' AND slot_id = :s",
	               json_pack("{s:I, s:I, s:I}", "r", (json_int_t)rid, "s",
	                         (json_int_t)iget(vw->slot, "id"), "now", (json_int_t)now),
	               err);

	if (rc < 0)
		return rc;
	if (rc == 0)
		return socle_err_set(err, SOCLE_E_CONFLICT, "La demande a changé entre-temps.");
	if ((rc = emit(wdb, "visit.missed",
	               json_pack("{s:I, s:O, s:O, s:O, s:O, s:O, s:o}", "request_id",
	                         (json_int_t)rid, "worker_id", json_object_get(vw->request, "worker_id"),
	                         "company_id", json_object_get(vw->request, "company_id"), "type",
	                         json_object_get(vw->request, "type"), "slot_id",
	                         json_object_get(vw->slot, "id"), "starts_at",
	                         json_object_get(vw->slot, "starts_at"), "recorded_by",
	                         tracking_user_of(vw->req)),
	               err)) ||
	    (rc = audit(wdb, vw->req, "tracking.visit.no_show", "visit_request", rid,
	                json_pack("{s:O, s:O, s:O}", "company_id",
	                          json_object_get(vw->request, "company_id"), "slot_id",
	                          json_object_get(vw->slot, "id"), "starts_at",
	                          json_object_get(vw->slot, "starts_at")),
	                err)))
		return rc;
	return 0;
}

/* POST /tracking/visits/{request_id}/no-show: the worker did not come (staff,
 * once the visit's time has come). */
static int visit_noshow(socle_req *req, void *ud)
{
	struct visit_write vw = {.req = req, .body = socle_req_body(req)};
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	int rc;
	(void)ud;

	if (vw.body && json_object_size(vw.body) > 0) {
		json_t *k;
		const char *key;
		json_object_foreach((json_t *)vw.body, key, k)
			socle_field_error(&errors, key, "Champ inconnu.");
		return socle_reply_invalid(req, errors);
	}
	vw.request = tracking_request_param(req, "request_id", true);
	if (vw.request == NULL)
		return 0;
	if (strcmp(sget(vw.request, "status"), "scheduled") != 0) {
		json_decref(vw.request);
		return socle_reply_error(req, 409, "conflict",
		                         "Seule une visite programmée peut être déclarée manquée.");
	}
	socle_db *db = socle_req_reader(req, &err);
	vw.slot = db ? tracking_slot_load(db, iget(vw.request, "slot_id"), &err) : NULL;
	if (vw.slot == NULL) {
		json_decref(vw.request);
		return reply_fail(req, &err);
	}
	if (socle_now_ms() < iget(vw.slot, "starts_ms")) {
		json_decref(vw.request);
		json_decref(vw.slot);
		return socle_reply_error(req, 409, "conflict",
		                         "La visite n'a pas encore eu lieu : annulez-la plutôt.");
	}
	rc = socle_service_write(socle_req_service(req), noshow_txn, &vw, &err);
	int64_t rid = iget(vw.request, "id");
	json_decref(vw.request);
	json_decref(vw.slot);
	if (rc != 0) {
		if (rc == SOCLE_E_CONFLICT)
			return socle_reply_error(req, 409, "conflict", err.msg);
		return socle_reply_err(req, &err);
	}
	json_t *r = tracking_request_load(db, rid, &err);
	return r ? socle_reply_json(req, 200, tracking_request_for(req, r)) : reply_fail(req, &err);
}

static const struct socle_route booking_routes[] = {
	{SOCLE_POST, "/tracking/visit-requests/{id}/book", "tracking.request", 1024, request_book,
	 NULL},
	{SOCLE_GET, "/tracking/companies/{id}/slots-offered", "tracking.request", 0, slots_offered,
	 NULL},
	{SOCLE_POST, "/tracking/visits/{request_id}/cancel", "tracking.request", 2048, visit_cancel,
	 NULL},
	{SOCLE_POST, "/tracking/visits/{request_id}/no-show", "tracking.planning", 1024,
	 visit_noshow, NULL},
};

int tracking_booking_init(socle_plugin *p, socle_err *err)
{
	return socle_plugin_add_routes(p, booking_routes, SOCLE_COUNT(booking_routes), err);
}
