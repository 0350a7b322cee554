/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The health professionals of the planning (médecin, infirmier: their site,
 * whether they consult at a distance) and their agendas: slots one by one or
 * in series, listed by start time (planning.c says how the planning files
 * divide the work).
 *
 * Times of slots are the service's wall-clock time "YYYY-MM-DDTHH:MM"
 * (setting time_zone: "Europe/Paris" by default with the EU summer time rule,
 * or a fixed offset "+04:00"); instants are integer milliseconds of the core
 * clock (socle_now_ms), so a frozen clock freezes the planning too. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "planning.h"

/* ---- dates and wall-clock times ------------------------------------------------------ */

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* "YYYY-MM-DDTHH:MM": minutes since the epoch of that wall-clock time. */
static bool wall_minutes(const char *s, int64_t *out)
{
	int y, m, d;

	if (s == NULL || strlen(s) != 16 || !date_parts(s, &y, &m, &d) || s[10] != 'T' ||
	    s[13] != ':' || !digits(s + 11, 2) || !digits(s + 14, 2))
		return false;
	int hh = (s[11] - '0') * 10 + (s[12] - '0'), mm = (s[14] - '0') * 10 + (s[15] - '0');
	if (hh > 23 || mm > 59 || y < 2000 || y > 2200)
		return false;
	*out = socle_date_from_civil(y, m, d) * 1440 + hh * 60 + mm;
	return true;
}

static void wall_format(int64_t minutes, char out[32])
{
	char day[11];

	socle_date_format(floor_div(minutes, 1440), day);
	int64_t r = minutes - floor_div(minutes, 1440) * 1440;
	snprintf(out, 32, "%sT%02d:%02d", day, (int)(r / 60), (int)(r % 60));
}

/* The last Sunday of month @p m of year @p y at 01:00 UTC (EU summer time). */
static int64_t eu_switch_ms(int y, int m)
{
	int64_t days = socle_date_from_civil(y, m, socle_date_month_days(y, m));
	int64_t wd = ((days % 7) + 7 + 3) % 7; /* 0 = Monday (1970-01-01 was a Thursday) */

	days -= (wd + 1) % 7;
	return (days * 86400 + 3600) * 1000;
}

/* The service's time zone: NULL for Europe/Paris, or a fixed offset in minutes. */
static bool fixed_offset(socle_service *svc, int *minutes)
{
	const json_t *s = socle_service_settings(svc, tracking_plugin);
	const char *tz = json_string_value(json_object_get(s, "time_zone"));

	if (tz == NULL || strcmp(tz, "Europe/Paris") == 0)
		return false;
	if (strlen(tz) == 6 && (tz[0] == '+' || tz[0] == '-') && digits(tz + 1, 2) && tz[3] == ':' &&
	    digits(tz + 4, 2)) {
		int v = ((tz[1] - '0') * 10 + (tz[2] - '0')) * 60 + (tz[4] - '0') * 10 + (tz[5] - '0');

		if (v <= 14 * 60) {
			*minutes = tz[0] == '-' ? -v : v;
			return true;
		}
	}
	socle_log(SOCLE_LOG_WARN, "service %s : réglage tracking.time_zone « %s » invalide "
	          "(\"Europe/Paris\" ou \"+HH:MM\") : Europe/Paris appliqué", socle_service_id(svc), tz);
	return false;
}

/* Wall-clock minutes of the service into epoch milliseconds. */
static int64_t wall_to_ms(socle_service *svc, int64_t minutes)
{
	int off;
	int64_t wall = minutes * 60000;

	if (fixed_offset(svc, &off))
		return wall - (int64_t)off * 60000;
	char day[11];
	int y, m, d;

	socle_date_format(floor_div(minutes, 1440), day);
	date_parts(day, &y, &m, &d);
	int64_t summer = wall - 2 * 3600000; /* UTC+2 in summer, UTC+1 otherwise */
	if (summer >= eu_switch_ms(y, 3) && summer < eu_switch_ms(y, 10))
		return summer;
	return wall - 3600000;
}

void tracking_local_wall(socle_service *svc, int64_t ms, char out[32])
{
	int off;
	int64_t minutes = floor_div(ms, 60000);

	if (fixed_offset(svc, &off)) {
		wall_format(minutes + off, out);
		return;
	}
	char day[11];
	int y, m, d;

	/* Summer time (UTC+2) from the last Sunday of March to the last Sunday
	 * of October at 01:00 UTC, UTC+1 otherwise. */
	socle_date_format(floor_div(minutes, 1440), day);
	date_parts(day, &y, &m, &d);
	bool summer = ms >= eu_switch_ms(y, 3) && ms < eu_switch_ms(y, 10);
	wall_format(minutes + (summer ? 120 : 60), out);
}

/* ---- professionals -------------------------------------------------------------------------- */

static const struct socle_field professional_fields[] = {
	{"email", SOCLE_F_EMAIL, true, 0, 0, NULL, NULL},
	{"site", SOCLE_F_STRING, true, 1, 120, NULL, NULL},
	{"teleconsultation", SOCLE_F_BOOL, false, 0, 0, NULL, NULL},
};

struct pro_write {
	socle_req *req;
	const json_t *body;
	int64_t user_id;
	const char *role;
	bool created;
	json_t *row;
};

static int professional_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct pro_write *pw = ud;
	socle_err e2 = SOCLE_ERR_INIT;
	json_t *old = socle_db_query_one_new(wdb, "SELECT user_id FROM tracking_professional WHERE user_id = :id",
	                    json_pack("{s:I}", "id", (json_int_t)pw->user_id), &e2);
	int rc;

	if (old == NULL && e2.code != SOCLE_E_NOTFOUND)
		return socle_err_set(err, e2.code ? e2.code : SOCLE_E_NOMEM, "%s", e2.msg);
	pw->created = old == NULL;
	json_decref(old);
	json_t *p = json_pack("{s:I, s:s, s:O, s:b, s:I}", "id", (json_int_t)pw->user_id, "role",
	                      pw->role, "site", json_object_get(pw->body, "site"), "tele",
	                      json_is_true(json_object_get(pw->body, "teleconsultation")), "now",
	                      (json_int_t)socle_now_ms());
	rc = socle_db_run_new(wdb, pw->created
	                ? "INSERT INTO tracking_professional (user_id, role, site, teleconsultation,"
	                  " created_at, updated_at) VALUES (:id, :role, :site, :tele, :now, :now)"
	                : "UPDATE tracking_professional SET role = :role, site = :site,"
	                  " teleconsultation = :tele, updated_at = :now WHERE user_id = :id",
	           p, err);
	if (rc < 0)
		return rc;
	if ((rc = audit(wdb, pw->req, pw->created ? "tracking.professional.add"
	                                          : "tracking.professional.update",
	                "user", pw->user_id,
	                json_pack("{s:s, s:O, s:b}", "role", pw->role, "site",
	                          json_object_get(pw->body, "site"), "teleconsultation",
	                          json_is_true(json_object_get(pw->body, "teleconsultation"))),
	                err)))
		return rc;
	pw->row = socle_db_query_one_new(wdb, "SELECT user_id, role, site, teleconsultation FROM tracking_professional"
	                     " WHERE user_id = :id",
	                json_pack("{s:I}", "id", (json_int_t)pw->user_id), err);
	return pw->row ? 0 : (err->code ? err->code : SOCLE_E_INTERNAL);
}

/* POST /tracking/professionals {email, site, teleconsultation?}: declare (or
 * update) a médecin or infirmier user of the service as a planned professional. */
static int professional_put(socle_req *req, void *ud)
{
	struct pro_write pw = {.req = req, .body = socle_req_body(req)};
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	int role = 0;
	(void)ud;

	if (socle_fields_check(pw.body, professional_fields, SOCLE_COUNT(professional_fields), NULL,
	                       &errors) > 0)
		return socle_reply_invalid(req, errors);
	socle_db *db = socle_req_reader(req, &err);
	if (db == NULL)
		return reply_fail(req, &err);
	pw.user_id = socle_user_find(db, sget(pw.body, "email"), &role, &err);
	if (pw.user_id < 0)
		return reply_fail(req, &err);
	if (pw.user_id == 0 || (role != SOCLE_ROLE_MEDECIN && role != SOCLE_ROLE_INFIRMIER)) {
		socle_field_error(&errors, "email", "%s",
		                  pw.user_id == 0 ? "Aucun utilisateur du service ne porte cette adresse."
		                                  : "Cet utilisateur n'est ni médecin du travail ni "
		                                    "infirmier(e) en santé au travail.");
		return socle_reply_invalid(req, errors);
	}
	pw.role = role == SOCLE_ROLE_MEDECIN ? "medecin" : "infirmier";
	if (socle_service_write(socle_req_service(req), professional_txn, &pw, &err) != 0)
		return socle_reply_err(req, &err);
	json_object_set_new(pw.row, "teleconsultation",
	                    json_boolean(iget(pw.row, "teleconsultation") != 0));
	return socle_reply_json(req, pw.created ? 201 : 200, pw.row);
}

static int professional_list(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int limit;
	int64_t after;
	(void)ud;

	if (socle_req_page(req, &limit, &after, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *items = db ? socle_db_query_new(db, "SELECT user_id, role, site, teleconsultation"
	                               " FROM tracking_professional WHERE user_id > :after"
	                               " ORDER BY user_id LIMIT :limit",
	                           json_pack("{s:I, s:i}", "after", (json_int_t)after, "limit", limit),
	                           &err)
	                   : NULL;
	size_t i;
	json_t *it;

	if (items == NULL)
		return reply_fail(req, &err);
	json_array_foreach(items, i, it)
		json_object_set_new(it, "teleconsultation", json_boolean(iget(it, "teleconsultation")));
	return socle_reply_page(req, items, limit, "user_id");
}

/* ---- slots ------------------------------------------------------------------------------------ */

static const char *const mode_choices[] = {"in_person", "teleconsultation", NULL};

static int check_starts_at(const json_t *v, char *msg, size_t n)
{
	int64_t m;

	if (!wall_minutes(json_string_value(v), &m)) {
		snprintf(msg, n, "date et heure \"AAAA-MM-JJTHH:MM\" attendues");
		return -1;
	}
	return 0;
}

static const struct socle_field slot_fields[] = {
	{"professional_id", SOCLE_F_INT, true, 1, INT64_MAX, NULL, NULL},
	{"starts_at", SOCLE_F_STRING, true, 16, 16, NULL, check_starts_at},
	{"duration_min", SOCLE_F_INT, true, 5, 240, NULL, NULL},
	{"site", SOCLE_F_STRING, false, 1, 120, NULL, NULL},
	{"mode", SOCLE_F_ENUM, false, 0, 0, mode_choices, NULL},
	{"visit_types", SOCLE_F_ARRAY, false, 0, 0, NULL, NULL},
	{"offered", SOCLE_F_BOOL, false, 0, 0, NULL, NULL},
	{"count", SOCLE_F_INT, false, 1, 100, NULL, NULL},
	{"days", SOCLE_F_INT, false, 1, 60, NULL, NULL},
};

#define MAX_SERIES 500

struct slot_write {
	socle_req *req;
	const json_t *body;
	json_t *pro;        /* the professional (owned) */
	json_t *types;      /* the visit types, compact JSON text source (borrowed) */
	int64_t starts[MAX_SERIES]; /* wall minutes of each slot */
	size_t n;
	json_t *created;    /* the slots created (owned) */
	int64_t clash;      /* the slot in the way (409) */
};

static int slots_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct slot_write *sw = ud;
	socle_service *svc = socle_db_service(wdb);
	const json_t *b = sw->body;
	int64_t dur = iget(b, "duration_min"), now = socle_now_ms();
	const char *site = sget(b, "site") ? sget(b, "site") : sget(sw->pro, "site");
	const char *mode = sget(b, "mode") ? sget(b, "mode") : "in_person";
	bool offered = json_is_true(json_object_get(b, "offered"));
	char *types = json_dumps(sw->types, JSON_COMPACT);
	int rc = 0;

	if (types == NULL)
		return NOMEM(err);
	sw->created = json_array();
	for (size_t i = 0; sw->created && i < sw->n; i++) {
		char at[32];
		int64_t s_ms = wall_to_ms(svc, sw->starts[i]), e_ms = s_ms + dur * 60000;

		wall_format(sw->starts[i], at);
		socle_err e2 = SOCLE_ERR_INIT;
		json_t *clash = socle_db_query_one_new(wdb, "SELECT id FROM tracking_slot WHERE professional_id = :pro"
		                           " AND status <> 'cancelled' AND starts_ms < :e"
		                           " AND ends_ms > :s ORDER BY starts_ms LIMIT 1",
		                      json_pack("{s:I, s:I, s:I}", "pro",
		                                (json_int_t)iget(sw->pro, "user_id"), "s",
		                                (json_int_t)s_ms, "e", (json_int_t)e_ms),
		                      &e2);
		if (clash != NULL) {
			sw->clash = iget(clash, "id");
			json_decref(clash);
			rc = socle_err_set(err, SOCLE_E_CONFLICT,
			                   "Le créneau du %s chevauche le créneau n° %" PRId64
			                   " du même professionnel : aucun créneau n'a été créé.", at,
			                   sw->clash);
			goto out;
		}
		if (e2.code != SOCLE_E_NOTFOUND) {
			rc = socle_err_set(err, e2.code ? e2.code : SOCLE_E_NOMEM, "%s", e2.msg);
			goto out;
		}
		rc = socle_db_run_new(wdb,
		           "INSERT INTO tracking_slot (professional_id, role, site, starts_at, starts_ms,"
		           " ends_ms, duration_min, visit_types, mode, offered, status, created_by,"
		           " created_at, updated_at) VALUES (:pro, :role, :site, :at, :s, :e, :dur,"
		           " :types, :mode, :offered, :status, :by, :now, :now)",
		           json_pack("{s:I, s:O, s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:b, s:s, s:o, s:I}",
		                     "pro", (json_int_t)iget(sw->pro, "user_id"), "role",
		                     json_object_get(sw->pro, "role"), "site", site, "at", at, "s",
		                     (json_int_t)s_ms, "e", (json_int_t)e_ms, "dur", (json_int_t)dur,
		                     "types", types, "mode", mode, "offered", offered, "status",
		                     offered ? "offered" : "free", "by", tracking_user_of(sw->req), "now",
		                     (json_int_t)now),
		           err);
		if (rc < 0)
			goto out;
		json_t *row = tracking_slot_load(wdb, socle_db_last_insert_id(wdb), err);
		if (row == NULL) {
			rc = err->code ? err->code : SOCLE_E_INTERNAL;
			goto out;
		}
		json_array_append_new(sw->created, tracking_slot_view(row));
	}
	if (sw->created == NULL) {
		rc = NOMEM(err);
		goto out;
	}
	rc = audit(wdb, sw->req, "tracking.slot.create", "professional", iget(sw->pro, "user_id"),
	           json_pack("{s:I, s:s, s:s, s:I, s:s, s:b}", "count", (json_int_t)sw->n, "first",
	                     sget(json_array_get(sw->created, 0), "starts_at"), "site", site,
	                     "duration_min", (json_int_t)dur, "mode", mode, "offered", offered),
	           err);
out:
	free(types);
	return rc;
}

/* POST /tracking/slots {professional_id, starts_at, duration_min, site?, mode?,
 * visit_types?, offered?, count?, days?}: one slot, or a series of @count
 * consecutive slots on each of @days successive working days (Monday to
 * Friday), all or none. */
static int slots_create(socle_req *req, void *ud)
{
	struct slot_write sw = {.req = req, .body = socle_req_body(req)};
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	size_t i;
	const json_t *t;
	(void)ud;

	int bad = socle_fields_check(sw.body, slot_fields, SOCLE_COUNT(slot_fields), NULL, &errors);
	sw.types = json_object_get(sw.body, "visit_types");
	if (sw.types == NULL || !json_is_array(sw.types))
		sw.types = json_array();
	else
		json_incref(sw.types);
	json_array_foreach(sw.types, i, t)
		if (tracking_visit_type(json_string_value(t)) == NULL)
			socle_field_error(&errors, "visit_types", "Type de visite inconnu en position %zu "
			                  "(voir GET /tracking/visit-types).", i + 1);
	if (json_array_size(sw.types) > TRACKING_VISIT_TYPES)
		socle_field_error(&errors, "visit_types", "Au plus %zu types de visite.",
		                  TRACKING_VISIT_TYPES);
	if (bad > 0) {
		json_decref(sw.types);
		return socle_reply_invalid(req, errors);
	}
	int64_t first = 0, dur = iget(sw.body, "duration_min");
	int64_t count = json_is_integer(json_object_get(sw.body, "count")) ? iget(sw.body, "count")
	                                                                   : 1;
	int64_t days = json_is_integer(json_object_get(sw.body, "days")) ? iget(sw.body, "days") : 1;
	wall_minutes(sget(sw.body, "starts_at"), &first);
	if (count * days > MAX_SERIES)
		socle_field_error(&errors, "count", "Au plus %d créneaux par série.", MAX_SERIES);
	else if ((first % 1440) + count * dur > 1440)
		socle_field_error(&errors, "count", "La série dépasse minuit.");
	if (wall_to_ms(socle_req_service(req), first) <= socle_now_ms())
		socle_field_error(&errors, "starts_at", "Le créneau doit commencer dans le futur.");
	if (errors) {
		json_decref(sw.types);
		return socle_reply_invalid(req, errors);
	}
	socle_db *db = socle_req_reader(req, &err);
	sw.pro = db ? socle_db_query_one_new(db, "SELECT user_id, role, site, teleconsultation"
	                        " FROM tracking_professional WHERE user_id = :id",
	                    json_pack("{s:O}", "id", json_object_get(sw.body, "professional_id")),
	                    &err)
	            : NULL;
	if (sw.pro == NULL) {
		json_decref(sw.types);
		if (err.code != SOCLE_E_NOTFOUND)
			return reply_fail(req, &err);
		socle_field_error(&errors, "professional_id", "Ce professionnel de santé n'est pas "
		                  "déclaré au planning (POST /tracking/professionals).");
		return socle_reply_invalid(req, errors);
	}
	const char *mode = sget(sw.body, "mode");
	if (mode && strcmp(mode, "teleconsultation") == 0 && iget(sw.pro, "teleconsultation") == 0) {
		json_decref(sw.types);
		json_decref(sw.pro);
		socle_field_error(&errors, "mode", "Ce professionnel ne consulte pas à distance.");
		return socle_reply_invalid(req, errors);
	}
	/* The series: count slots in a row, on days successive working days. */
	int64_t day0 = floor_div(first, 1440);
	for (int64_t d = 0, placed = 0; placed < days; d++) {
		int64_t wd = (((day0 + d) % 7) + 7 + 3) % 7;

		if (d > 0 && wd >= 5)
			continue;
		for (int64_t k = 0; k < count; k++)
			sw.starts[sw.n++] = first + d * 1440 + k * dur;
		placed++;
	}
	int rc = socle_service_write(socle_req_service(req), slots_txn, &sw, &err);
	json_decref(sw.types);
	json_decref(sw.pro);
	if (rc != 0) {
		json_decref(sw.created);
		if (rc == SOCLE_E_CONFLICT)
			return socle_reply_error(req, 409, "conflict", err.msg);
		return socle_reply_err(req, &err);
	}
	return socle_reply_json(req, 201, json_pack("{s:o}", "items", sw.created));
}

static const char *const slot_status_choices[] = {"free", "offered", "booked", "cancelled", NULL};

/* GET /tracking/slots?from=&to=&site=&professional_id=&status=: by start time. */
static int slots_list(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int limit;
	int64_t after, pro = tracking_query_id(req, "professional_id");
	const char *from = socle_req_query(req, "from"), *to = socle_req_query(req, "to");
	const char *site = socle_req_query(req, "site"), *status = socle_req_query(req, "status");
	(void)ud;

	if (socle_req_page(req, &limit, &after, &err) != 0)
		return socle_reply_err(req, &err);
	if ((from && !socle_date_valid(from)) || (to && !socle_date_valid(to)))
		return socle_reply_error(req, 400, "invalid",
		                         "from et to : dates \"AAAA-MM-JJ\" attendues.");
	if (pro < 0)
		return socle_reply_error(req, 400, "invalid",
		                         "professional_id : identifiant d'utilisateur attendu.");
	bool known = status == NULL;
	for (size_t i = 0; status && slot_status_choices[i]; i++)
		known |= strcmp(status, slot_status_choices[i]) == 0;
	if (!known)
		return socle_reply_error(req, 400, "invalid",
		                         "status : free, offered, booked ou cancelled attendu.");
	char to_excl[11] = "9999-12-31";
	if (to) {
		int y, m, d;

		date_parts(to, &y, &m, &d);
		socle_date_format(socle_date_from_civil(y, m, d) + 1, to_excl);
	}
	socle_db *db = socle_req_reader(req, &err);
	json_t *items = db ? socle_db_query_new(db,
		"WITH c AS (SELECT starts_at AS cs, id AS ci FROM tracking_slot WHERE id = :after)"
		" SELECT " SLOT_COLUMNS " FROM tracking_slot LEFT JOIN c ON 1 = 1"
		" WHERE starts_at >= :from AND starts_at < :to"
		" AND (:site = '' OR site = :site) AND (:pro = 0 OR professional_id = :pro)"
		" AND (:status = '' OR status = :status)"
		" AND (:after = 0 OR starts_at > c.cs OR (starts_at = c.cs AND id > c.ci))"
		" ORDER BY starts_at, id LIMIT :limit",
		json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:i}", "after", (json_int_t)after, "from",
		          from ? from : "0000-01-01", "to", to_excl, "site", site ? site : "", "pro",
		          (json_int_t)pro, "status", status ? status : "", "limit", limit),
		&err) : NULL;
	size_t i;
	json_t *it;

	if (items == NULL)
		return reply_fail(req, &err);
	json_array_foreach(items, i, it)
		tracking_slot_view(it);
	return socle_reply_page(req, items, limit, "id");
}

static const struct socle_route agenda_routes[] = {
	{SOCLE_POST, "/tracking/professionals", "tracking.planning", 4096, professional_put, NULL},
	{SOCLE_GET, "/tracking/professionals", "tracking.planning", 0, professional_list, NULL},
	{SOCLE_POST, "/tracking/slots", "tracking.planning", 8192, slots_create, NULL},
	{SOCLE_GET, "/tracking/slots", "tracking.planning", 0, slots_list, NULL},
};

static const struct socle_field slot_status_query[] = {
	{"from", SOCLE_F_DATE, false, 0, 0, NULL, NULL},
	{"to", SOCLE_F_DATE, false, 0, 0, NULL, NULL},
	{"site", SOCLE_F_STRING, false, 1, 120, NULL, NULL},
	{"professional_id", SOCLE_F_INT, false, 1, INT64_MAX, NULL, NULL},
	{"status", SOCLE_F_ENUM, false, 0, 0, slot_status_choices, NULL},
	TRACKING_PAGE_QUERY,
};
static const struct socle_field professional_query[] = {TRACKING_PAGE_QUERY};

static const struct socle_route_doc agenda_docs[] = {
	{SOCLE_POST, "/tracking/professionals",
	 "Déclarer au planning (ou mettre à jour) un médecin ou un infirmier du service : son site, "
	 "la téléconsultation.", professional_fields, SOCLE_COUNT(professional_fields), NULL, 0,
	 "{user_id, role, site, teleconsultation} (201 à la déclaration, 200 ensuite)."},
	{SOCLE_GET, "/tracking/professionals", "Les professionnels de santé du planning.", NULL, 0,
	 professional_query, SOCLE_COUNT(professional_query),
	 "{items: [{user_id, role, site, teleconsultation}], next_cursor}."},
	{SOCLE_POST, "/tracking/slots",
	 "Ouvrir un créneau, ou une série (count créneaux à la suite, sur days jours ouvrés) : tous "
	 "ou aucun.", slot_fields, SOCLE_COUNT(slot_fields), NULL, 0,
	 "{items: [créneaux créés]} (201) ; 409 quand un créneau chevauche un autre du même "
	 "professionnel."},
	{SOCLE_GET, "/tracking/slots", "Les créneaux par heure de début, filtrés.", NULL, 0,
	 slot_status_query, SOCLE_COUNT(slot_status_query),
	 "{items: [{id, professional_id, role, site, starts_at, duration_min, visit_types, mode, "
	 "offered, status, request_id}], next_cursor}."},
};

int tracking_agenda_init(socle_plugin *p, socle_err *err)
{
	int rc = socle_plugin_add_routes(p, agenda_routes, SOCLE_COUNT(agenda_routes), err);

	return rc ? rc : socle_plugin_describe_routes(p, agenda_docs, SOCLE_COUNT(agenda_docs), err);
}
