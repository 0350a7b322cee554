/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The service cancels a session it planned (the speaker is ill, too few
 * registered): POST /awareness/sessions/{id}/cancel {reason}, staff only,
 * before it begins. Every place, confirmed or waiting, is cancelled in the
 * same transaction, and each company and participant is told why by mail
 * (session_mail.c); the reminders already queued find the session
 * cancelled and send nothing (sessions.c). */
#include "awareness.h"

struct session_cancellation {
	socle_req *req;
	int64_t session;
	const char *reason;
	int64_t told;
	bool not_open, begun;
};

static int session_cancel_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct session_cancellation *c = ud;
	json_t *s = socle_db_query_one_new(wdb, "SELECT status, starts_at FROM awareness_session"
	                                   " WHERE id = :id",
	                                   json_pack("{s:I}", "id", (json_int_t)c->session), err);
	char now[17];

	if (s == NULL)
		return err->code;
	awareness_now_minute(now);
	c->not_open = strcmp(json_string_value(json_object_get(s, "status")), "planned") != 0;
	c->begun = strcmp(json_string_value(json_object_get(s, "starts_at")), now) <= 0;
	json_decref(s);
	if (c->not_open || c->begun)
		return SOCLE_E_CONFLICT;
	/* Who held a place, with what the mails say of the session. */
	json_t *places = socle_db_query_new(wdb,
		"SELECT r.id, r.company_id, r.worker_id, r.name, r.email, s.starts_at, a.title"
		" FROM awareness_registration r JOIN awareness_session s ON s.id = r.session_id"
		" JOIN awareness_action a ON a.id = s.action_id WHERE r.session_id = :id"
		" AND r.status IN ('confirmed', 'waiting') ORDER BY r.id",
		json_pack("{s:I}", "id", (json_int_t)c->session), err);
	if (places == NULL)
		return err->code;
	int rc = socle_db_run_new(wdb, "UPDATE awareness_session SET status = 'cancelled'"
	                          " WHERE id = :id", json_pack("{s:I}", "id", (json_int_t)c->session),
	                          err);
	if (rc >= 0)
		rc = socle_db_run_new(wdb, "UPDATE awareness_registration SET status = 'cancelled',"
		                      " cancelled_at = :now WHERE session_id = :id AND status IN"
		                      " ('confirmed', 'waiting')",
		                      json_pack("{s:I, s:I}", "id", (json_int_t)c->session, "now",
		                                (json_int_t)socle_now_ms()), err);
	size_t i;
	json_t *place;
	json_array_foreach(places, i, place) {
		if (rc < 0 || (rc = awareness_mail_session_cancelled(wdb, place, c->reason, err)) != 0)
			break;
		c->told++;
	}
	json_decref(places);
	if (rc < 0)
		return rc;
	struct socle_audit_entry e = {.action = "awareness.session.cancel",
	                              .object_type = "awareness_session", .object_id = c->session,
	                              .outcome = "ok"};
	return socle_audit(wdb, c->req, &e, err);
}

static const struct socle_field cancel_fields[] = {
	{.name = "reason", .type = SOCLE_F_STRING, .required = true, .min = 3, .max = 500},
};

/* POST /awareness/sessions/{id}/cancel {reason} (staff) */
static int route_session_cancel(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	struct session_cancellation c = {.req = req};
	const json_t *body = socle_req_body(req);
	(void)ud;

	if (socle_req_param_id(req, "id", &c.session) != 0)
		return SOCLE_E_NOTFOUND;
	if (socle_fields_check(body, cancel_fields, SOCLE_COUNT(cancel_fields), NULL, &errors) != 0)
		return socle_reply_invalid(req, errors);
	c.reason = json_string_value(json_object_get(body, "reason"));
	int rc = socle_service_write(socle_req_service(req), session_cancel_write, &c, &err);
	if (rc == SOCLE_E_CONFLICT && (c.not_open || c.begun))
		return awareness_conflict(req, c.begun ? "Cette session a déjà commencé : elle ne peut "
		                                         "plus être annulée."
		                                       : "Cette session n'est plus ouverte (tenue ou "
		                                         "déjà annulée).");
	if (rc != 0)
		return socle_reply_err(req, &err);
	return socle_reply_json(req, 200, json_pack("{s:I, s:s, s:I}", "id", (json_int_t)c.session,
	                                            "status", "cancelled", "places_cancelled",
	                                            (json_int_t)c.told));
}

static const struct socle_route cancel_routes[] = {
	{SOCLE_POST, "/awareness/sessions/{id}/cancel", AWARENESS_MANAGE, 2048, route_session_cancel,
	 NULL},
};

int awareness_session_cancel_init(socle_plugin *p, socle_err *err)
{
	return socle_plugin_add_routes(p, cancel_routes, SOCLE_COUNT(cancel_routes), err);
}
