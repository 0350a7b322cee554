/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* What the staff workspace needs beyond the planning routes: a
 * professional's agenda, each slot with its visit, worker and company, in one
 * answer (the day's page is one request, not one per slot).
 *
 * No medical content: the reason a worker or a physician gave stays behind
 * the visit request's own route (medical gate); the agenda says which visit,
 * for whom, where and why it is due (the priority's reason). */
#include "tracking.h"

#define AGENDA_DAYS_MAX 31
#define AGENDA_MAX 500

/* GET /tracking/agenda?professional_id=&from=&to= : the slots of a
 * professional (the caller by default) from @p from (today) to @p to (from
 * + 6 days), with their booked visits. */
static int agenda(socle_req *req, void *ud)
{
	(void)ud;
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	int64_t pro = socle_principal_user_id(socle_req_principal(req));
	const char *q_pro = socle_req_query(req, "professional_id");
	const char *q_from = socle_req_query(req, "from"), *q_to = socle_req_query(req, "to");
	char from[SOCLE_DATE_SIZE], to[SOCLE_DATE_SIZE];
	int64_t span;

	if (q_pro && *q_pro) {
		char *end = NULL;
		long long v = strtoll(q_pro, &end, 10);

		if (end == q_pro || *end != '\0' || v <= 0)
			socle_field_error(&errors, "professional_id", "Identifiant de professionnel attendu.");
		else
			pro = v;
	}
	if (q_from && *q_from) {
		if (!socle_date_valid(q_from))
			socle_field_error(&errors, "from", "Date attendue (AAAA-MM-JJ).");
		else
			snprintf(from, sizeof(from), "%s", q_from);
	} else {
		socle_date_today(from);
	}
	if (q_to && *q_to) {
		if (!socle_date_valid(q_to))
			socle_field_error(&errors, "to", "Date attendue (AAAA-MM-JJ).");
		else
			snprintf(to, sizeof(to), "%s", q_to);
	} else if (errors == NULL) {
		socle_date_add_days(from, 6, to);
	}
	if (errors == NULL && (!socle_date_diff_days(from, to, &span) || span < 0 ||
	                       span > AGENDA_DAYS_MAX))
		socle_field_error(&errors, "to", "La fin suit le début, 31 jours au plus.");
	if (errors != NULL)
		return socle_reply_invalid(req, errors);

	char end_day[SOCLE_DATE_SIZE];

	socle_date_add_days(to, 1, end_day);
	socle_db *db = socle_req_reader(req, &err);
	json_t *rows = db ? socle_db_query_new(db,
		"SELECT s.id AS slot_id, s.starts_at, s.duration_min, s.site, s.mode, s.status AS"
		" slot_status, r.id AS request_id, r.type, r.status, r.requested_by, r.due_before,"
		" r.priority_reason, w.id AS worker_id, w.last_name, w.first_name, w.birth_date,"
		" w.job_title, w.company_id"
		" FROM tracking_slot s"
		" LEFT JOIN tracking_visit_request r ON r.id = s.request_id"
		" LEFT JOIN tracking_worker w ON w.id = r.worker_id"
		" WHERE s.professional_id = :pro AND s.starts_at >= :from AND s.starts_at < :to"
		" AND s.status <> 'cancelled'"
		" ORDER BY s.starts_at, s.id LIMIT 500",
		json_pack("{s:I, s:s, s:s}", "pro", (json_int_t)pro, "from", from, "to", end_day),
		&err) : NULL;

	if (rows == NULL)
		return socle_reply_err(req, &err);
	json_t *items = json_array();
	size_t i;
	json_t *r;

	json_array_foreach(rows, i, r) {
		json_t *it = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O}", "slot_id",
		                       json_object_get(r, "slot_id"), "starts_at",
		                       json_object_get(r, "starts_at"), "duration_min",
		                       json_object_get(r, "duration_min"), "site",
		                       json_object_get(r, "site"), "mode", json_object_get(r, "mode"),
		                       "slot_status", json_object_get(r, "slot_status"));

		if (json_is_integer(json_object_get(r, "request_id"))) {
			const struct tracking_visit_type *t =
				tracking_visit_type(json_string_value(json_object_get(r, "type")));
			json_t *card = tracking_worker_card(
				db, json_integer_value(json_object_get(r, "worker_id")), &err);

			json_object_set_new(it, "visit",
			                    json_pack("{s:O, s:O, s:s, s:O, s:O, s:O, s:O}", "request_id",
			                              json_object_get(r, "request_id"), "type",
			                              json_object_get(r, "type"), "type_label",
			                              t ? t->label : "", "status",
			                              json_object_get(r, "status"), "requested_by",
			                              json_object_get(r, "requested_by"), "due_before",
			                              json_object_get(r, "due_before"), "why",
			                              json_object_get(r, "priority_reason")));
			json_object_set_new(it, "worker",
			                    json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:s?}", "id",
			                              json_object_get(r, "worker_id"), "last_name",
			                              json_object_get(r, "last_name"), "first_name",
			                              json_object_get(r, "first_name"), "birth_date",
			                              json_object_get(r, "birth_date"), "job_title",
			                              json_object_get(r, "job_title"), "company_id",
			                              json_object_get(r, "company_id"), "company",
			                              card ? json_string_value(json_object_get(
			                                             card, "legal_name"))
			                                   : NULL));
			json_decref(card);
			err = (socle_err)SOCLE_ERR_INIT;
		}
		json_array_append_new(items, it);
	}
	json_decref(rows);
	return socle_reply_json(req, 200,
	                        json_pack("{s:I, s:s, s:s, s:o}", "professional_id",
	                                  (json_int_t)pro, "from", from, "to", to, "items",
	                                  items));
}

static const struct socle_route staff_routes[] = {
	{SOCLE_GET, "/tracking/agenda", "tracking.planning", 0, agenda, NULL},
};

static const struct socle_field agenda_query[] = {
	{"professional_id", SOCLE_F_INT, false, 1, INT64_MAX, NULL, NULL},
	{"from", SOCLE_F_DATE, false, 0, 0, NULL, NULL},
	{"to", SOCLE_F_DATE, false, 0, 0, NULL, NULL},
};

static const struct socle_route_doc staff_docs[] = {
	{SOCLE_GET, "/tracking/agenda",
	 "L'agenda d'un professionnel (le mien par défaut) : créneaux, visites, salariés, pourquoi.",
	 NULL, 0, agenda_query, SOCLE_COUNT(agenda_query), "items : créneaux par ordre d'heure."},
};

int tracking_staff_init(socle_plugin *p, socle_err *err)
{
	int rc = socle_plugin_add_routes(p, staff_routes, SOCLE_COUNT(staff_routes), err);

	return rc ? rc : socle_plugin_describe_routes(p, staff_docs, SOCLE_COUNT(staff_docs), err);
}
