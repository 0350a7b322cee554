/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Visit requests, planning and convocations (issue 4, items 4, 5 and 6):
 *   - tracking_visit_request: a request for one visit of one worker, from the
 *     employer, the worker or the service, stored with its request date (the
 *     seed's compliance indicator 3.3.1.4 needs it), its deadline and a
 *     priority computed by the rule point visit_priority(request) when it is
 *     stored; the rule point visit_request_allowed (leave.c) refuses what the
 *     regulation forbids, with its French reason;
 *   - tracking_professional and tracking_slot: the health professionals
 *     (médecin, infirmier) and their agendas (site, date and time, duration,
 *     visit types allowed, in person or teleconsultation);
 *   - automatic assignment: queued requests in priority order, each given the
 *     candidate slots it may legally take, the rule point assign_slot(request,
 *     slots) choosing one or explaining why none fits (unplaced queue);
 *     employers may also choose among slots the service offers;
 *   - the convocation (seed 3.3.1.2.1): type, date, place, objectives and
 *     steps (rule point convocation_text(visit)), mailed to the company's
 *     contact and to the worker's own account, with reminders (service setting
 *     reminders_days) sent by the job queue only while the visit still holds;
 *     a visit kept from the employer (a pré-reprise, a visite à la demande the
 *     worker asked for: tracking_hidden_from_employer) is mailed to the worker
 *     only, and an employer user can neither read, book nor cancel it nor see
 *     it in the visits to plan (README, "Secret"); the reason the worker or a
 *     physician gave is read by the worker and through the medical gate only;
 *   - cancellation (cut-off: setting cancel_cutoff_hours, for employers) with
 *     an optional return to the queue, and no-show recording.
 *
 * Times of slots are the service's wall-clock time "YYYY-MM-DDTHH:MM"
 * (setting time_zone: "Europe/Paris" by default with the EU summer time rule,
 * or a fixed offset "+04:00"); instants are integer milliseconds of the core
 * clock (socle_now_ms), so a frozen clock freezes the planning too.
 *
 * Other owners' data: the worker, its company's name and contact address come
 * through membership.v1 (roster.c: tracking_worker_card), the names in the
 * queue listings from tracking's own copy tracking_worker, and the worker's own
 * accounts through the core's socle_users_list. No SQL here names another
 * owner's table. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tracking.h"

const char tracking_sql_planning[] =
	"CREATE TABLE tracking_professional ("
	"  user_id INTEGER PRIMARY KEY,"
	"  role TEXT NOT NULL CHECK (role = 'medecin' OR role = 'infirmier'),"
	"  site TEXT NOT NULL,"
	"  teleconsultation INTEGER NOT NULL DEFAULT 0 CHECK (teleconsultation IN (0, 1)),"
	"  created_at BIGINT NOT NULL,"
	"  updated_at BIGINT NOT NULL);"
	"CREATE TABLE tracking_slot ("
	"  id INTEGER PRIMARY KEY,"
	"  professional_id INTEGER NOT NULL REFERENCES tracking_professional(user_id),"
	"  role TEXT NOT NULL CHECK (role = 'medecin' OR role = 'infirmier'),"
	"  site TEXT NOT NULL,"
	"  starts_at TEXT NOT NULL,"
	"  starts_ms BIGINT NOT NULL,"
	"  ends_ms BIGINT NOT NULL,"
	"  duration_min INTEGER NOT NULL CHECK (duration_min BETWEEN 5 AND 240),"
	"  visit_types TEXT NOT NULL DEFAULT '[]',"
	"  mode TEXT NOT NULL CHECK (mode = 'in_person' OR mode = 'teleconsultation'),"
	"  offered INTEGER NOT NULL DEFAULT 0 CHECK (offered IN (0, 1)),"
	"  status TEXT NOT NULL CHECK (status = 'free' OR status = 'offered' OR status = 'booked'"
	"    OR status = 'cancelled'),"
	"  request_id INTEGER,"
	"  created_by INTEGER,"
	"  created_at BIGINT NOT NULL,"
	"  updated_at BIGINT NOT NULL);"
	"CREATE INDEX tracking_slot_open ON tracking_slot (status, starts_at, id);"
	"CREATE INDEX tracking_slot_professional ON tracking_slot (professional_id, starts_ms);"
	"CREATE INDEX tracking_slot_start ON tracking_slot (starts_at, id);"
	/* The slots still bookable, in time order: the assignment's candidates read
	 * the first ones without going through the booked ones (the condition is
	 * written as the candidates query writes it, for the planner to use it). */
	"CREATE INDEX tracking_slot_bookable ON tracking_slot (starts_at, id)"
	"  WHERE status <> 'booked' AND status <> 'cancelled';"
	"CREATE TABLE tracking_visit_request ("
	"  id INTEGER PRIMARY KEY,"
	"  worker_id INTEGER NOT NULL REFERENCES membership_worker(id),"
	"  company_id INTEGER NOT NULL,"
	"  type TEXT NOT NULL,"
	"  requested_by TEXT NOT NULL CHECK (requested_by IN ('employer', 'worker', 'medecin',"
	"    'medecin_traitant', 'medecin_conseil', 'service')),"
	"  requested_on TEXT NOT NULL,"
	"  due_before TEXT,"
	"  reason TEXT,"
	"  site TEXT,"
	"  leave_id INTEGER REFERENCES tracking_leave(id),"
	"  priority DOUBLE PRECISION NOT NULL,"
	"  priority_reason TEXT NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN ('queued', 'scheduled', 'cancelled', 'done',"
	"    'missed')),"
	"  slot_id INTEGER REFERENCES tracking_slot(id),"
	"  unplaced_reason TEXT,"
	"  unplaced_at BIGINT,"
	"  scheduled_at BIGINT,"
	"  cancel_reason TEXT,"
	"  created_by INTEGER,"
	"  created_at BIGINT NOT NULL,"
	"  updated_at BIGINT NOT NULL);"
	"CREATE INDEX tracking_request_plan ON tracking_visit_request"
	"  (company_id, status, priority, due_before, id);"
	"CREATE INDEX tracking_request_queue ON tracking_visit_request"
	"  (status, priority, due_before, id);"
	"CREATE INDEX tracking_request_worker ON tracking_visit_request (worker_id, type, status);"
	/* The "answered within the regulatory delay" indicator selects by deadline. */
	"CREATE INDEX tracking_request_due ON tracking_visit_request (due_before);";

/* Migration 6: the convocations and reminders that went out, one row each
 * (days_before 0: the convocation, to every recipient, recipient '*'; n: the
 * reminder n days before, per address). Jobs run at least once: the row makes
 * a second run of the same job send nothing. */
const char tracking_sql_notices[] =
	"CREATE TABLE tracking_notice ("
	"  request_id INTEGER NOT NULL REFERENCES tracking_visit_request(id),"
	"  slot_id INTEGER NOT NULL REFERENCES tracking_slot(id),"
	"  days_before INTEGER NOT NULL CHECK (days_before BETWEEN 0 AND 90),"
	"  recipient TEXT NOT NULL,"
	"  mailed_at BIGINT NOT NULL,"
	"  PRIMARY KEY (request_id, slot_id, days_before, recipient)) WITHOUT ROWID;";

/* Migration 7: the queue's indexes hold the queued requests only, and the
 * worker's index no longer holds the status. Placing a request (queued to
 * scheduled) then removes two index entries instead of rewriting three, which
 * was most of the cost of the assignment's write (bench/tracking). Every query
 * of these indexes says status = 'queued' as the partial index does; the check
 * of one open request per worker and type reads the worker's few rows. */
/* Migration 11: the first day a visit may take place (a reprise: the day of
 * return, R4624-31), given by the rule visit_request_allowed. Assignment and
 * booking take no slot before it. */
const char tracking_sql_request_window[] =
	"ALTER TABLE tracking_visit_request ADD COLUMN not_before TEXT;";

const char tracking_sql_queue_indexes[] =
	"DROP INDEX tracking_request_plan;"
	"DROP INDEX tracking_request_queue;"
	"DROP INDEX tracking_request_worker;"
	/* In the order of the queue (visit_priority first, then the deadline,
	 * none last, then age), as the visits-to-plan list and the assignment
	 * ask for it: read in index order, never sorted. */
	"CREATE INDEX tracking_request_plan ON tracking_visit_request"
	"  (company_id, priority DESC, COALESCE(due_before, '9999-12-31'), id)"
	"  WHERE status = 'queued';"
	"CREATE INDEX tracking_request_queue ON tracking_visit_request"
	"  (priority DESC, COALESCE(due_before, '9999-12-31'), id) WHERE status = 'queued';"
	"CREATE INDEX tracking_request_worker ON tracking_visit_request (worker_id, type);";


/* ---- visit types: tracking_visit_type (visits.c) ------------------------------- */

static const char *role_label(const char *role)
{
	return role && strcmp(role, "medecin") == 0 ? "le médecin du travail"
	                                            : "l'infirmier(e) en santé au travail";
}

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

/* "mercredi 19 mars 2025 à 9 h 30" from "2025-03-19T09:30". */
static void french_when(const char *starts_at, char *out, size_t n)
{
	static const char *const days[7] = {"lundi", "mardi", "mercredi", "jeudi",
	                                    "vendredi", "samedi", "dimanche"};
	char date[SOCLE_DATE_FR_SIZE], time[16];
	int y, m, d;

	if (!date_parts(starts_at, &y, &m, &d) || strlen(starts_at) != 16) {
		snprintf(out, n, "%s", starts_at ? starts_at : "");
		return;
	}
	int64_t z = socle_date_from_civil(y, m, d);

	socle_date_fr(starts_at, date);
	socle_time_fr(atoi(starts_at + 11), atoi(starts_at + 14), time);
	snprintf(out, n, "%s %s à %s", days[((z % 7) + 7 + 3) % 7], date, time);
}

/* ---- settings --------------------------------------------------------------------------- */

static int64_t cutoff_hours(socle_service *svc)
{
	const json_t *v = json_object_get(socle_service_settings(svc, tracking_plugin),
	                                  "cancel_cutoff_hours");

	if (v == NULL)
		return 48;
	if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 720)
		return json_integer_value(v);
	socle_log(SOCLE_LOG_WARN, "service %s : réglage tracking.cancel_cutoff_hours invalide "
	          "(entier de 0 à 720) : 48 appliqué", socle_service_id(svc));
	return 48;
}

/* The least notice an automatic booking gives, in hours: the worker and the
 * employer are warned before the visit, and may still cancel online. The
 * setting "min_notice_hours", by default the cancellation cut-off. */
static int64_t min_notice_hours(socle_service *svc)
{
	const json_t *v = json_object_get(socle_service_settings(svc, tracking_plugin),
	                                  "min_notice_hours");

	if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 720)
		return json_integer_value(v);
	if (v != NULL)
		socle_log(SOCLE_LOG_WARN, "service %s : réglage tracking.min_notice_hours invalide "
		          "(entier de 0 à 720) : le délai d'annulation s'applique", socle_service_id(svc));
	return cutoff_hours(svc);
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

#define MAX_REMINDERS 8

/* The reminders' days before the visit (setting reminders_days, default [7, 1]). */
static size_t reminder_days(socle_service *svc, int out[MAX_REMINDERS])
{
	const json_t *v = json_object_get(socle_service_settings(svc, tracking_plugin),
	                                  "reminders_days"), *e;
	size_t i, n = 0;

	if (v == NULL)
		goto defaults;
	if (!json_is_array(v) || json_array_size(v) > MAX_REMINDERS)
		goto bad;
	json_array_foreach(v, i, e) {
		if (!json_is_integer(e) || json_integer_value(e) < 1 || json_integer_value(e) > 90)
			goto bad;
		out[n++] = (int)json_integer_value(e);
	}
	return n;
bad:
	socle_log(SOCLE_LOG_WARN, "service %s : réglage tracking.reminders_days invalide (liste "
	          "d'au plus %d entiers de 1 à 90) : [7, 1] appliqué", socle_service_id(svc),
	          MAX_REMINDERS);
defaults:
	out[0] = 7;
	out[1] = 1;
	return 2;
}

/* ---- rule point contracts ---------------------------------------------------------------- */

static int check_reason(const json_t *r, socle_err *err)
{
	const json_t *v = json_object_get(r, "reason");

	if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 2000)
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "reason doit être un texte non vide (2000 octets au plus)");
	return 0;
}

static int priority_contract(const json_t *r, socle_err *err)
{
	const json_t *p = json_object_get(r, "priority");

	if (!json_is_object(r))
		return socle_err_set(err, SOCLE_E_CONTRACT, "le résultat doit être une table");
	if (!json_is_number(p) || !isfinite(json_number_value(p)) ||
	    fabs(json_number_value(p)) > 1e12)
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "priority doit être un nombre fini (|priority| <= 1e12)");
	return check_reason(r, err);
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

static int assign_contract(const json_t *r, socle_err *err)
{
	const json_t *id;

	if (!json_is_object(r))
		return socle_err_set(err, SOCLE_E_CONTRACT, "le résultat doit être une table");
	id = json_object_get(r, "slot_id");
	if (id != NULL && !json_is_null(id) && (!json_is_integer(id) || json_integer_value(id) < 1))
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "slot_id doit être l'identifiant d'un des créneaux proposés, ou nil");
	return check_reason(r, err);
}

static const struct socle_rule_point assign_rule = {
	.name = "assign_slot",
	.contract =
		"assign_slot(request, slots) -> { slot_id = identifiant d'un créneau de slots, ou nil "
		"quand aucun ne convient, reason = phrase en français (pourquoi ce créneau, ou pourquoi "
		"aucun) }. request = comme visit_priority, avec id ; slots = { { id, professional_id, "
		"role = \"medecin\" | \"infirmier\", site, starts_at = \"AAAA-MM-JJTHH:MM\", "
		"duration_min, mode = \"in_person\" | \"teleconsultation\", visit_types = { codes } "
		"(vide : tous) } ... } : les créneaux libres à venir qui admettent ce type de visite, "
		"du rôle requis et du site demandé, par ordre chronologique (20 au plus).",
	.n_args = 2,
	.check = assign_contract,
};

static int convocation_contract(const json_t *r, socle_err *err)
{
	const json_t *o, *steps, *s;
	size_t i;

	if (!json_is_object(r))
		return socle_err_set(err, SOCLE_E_CONTRACT, "le résultat doit être une table");
	o = json_object_get(r, "objectives");
	if (!json_is_string(o) || json_string_length(o) == 0 || json_string_length(o) > 4000)
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "objectives doit être un texte non vide (4000 octets au plus)");
	steps = json_object_get(r, "steps");
	if (!json_is_array(steps) || json_array_size(steps) == 0 || json_array_size(steps) > 20)
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "steps doit être une liste non vide (20 au plus) de textes");
	json_array_foreach(steps, i, s)
		if (!json_is_string(s) || json_string_length(s) == 0 || json_string_length(s) > 1000)
			return socle_err_set(err, SOCLE_E_CONTRACT,
			                     "steps[%zu] doit être un texte non vide (1000 octets au plus)",
			                     i + 1);
	return 0;
}

static const struct socle_rule_point convocation_rule = {
	.name = "convocation_text",
	.contract =
		"convocation_text(visit) -> { objectives = texte en français, steps = { étapes du "
		"déroulement, textes } }. visit = { type, label, who, role = \"medecin\" | "
		"\"infirmier\", mode = \"in_person\" | \"teleconsultation\", site, starts_at, "
		"duration_min }. Jamais de contenu médical : la convocation part aussi à l'employeur.",
	.n_args = 1,
	.check = convocation_contract,
};

/* ---- small helpers ------------------------------------------------------------------------ */

static json_t *user_of(socle_req *req)
{
	const socle_principal *who = req ? socle_req_principal(req) : NULL;

	return who ? json_integer(socle_principal_user_id(who)) : json_null();
}

static bool planner(socle_req *req)
{
	return socle_principal_can(socle_req_principal(req), "tracking.planning");
}

/* A positive integer query argument (0 when absent), or -1 when malformed. */
static int64_t query_id(socle_req *req, const char *name)
{
	const char *s = socle_req_query(req, name);
	char *end = NULL;

	if (s == NULL)
		return 0;
	long long v = strtoll(s, &end, 10);
	return *s >= '1' && *s <= '9' && *end == '\0' && v > 0 ? (int64_t)v : -1;
}

/* ---- rows ------------------------------------------------------------------------------------ */

#define SLOT_COLUMNS                                                                           \
	"id, professional_id, role, site, starts_at, duration_min, visit_types, mode, offered,"    \
	" status, request_id, starts_ms"

#define REQUEST_COLUMNS                                                                        \
	"id, worker_id, company_id, type, requested_by, requested_on, due_before, reason, site,"   \
	" leave_id, priority, priority_reason, status, slot_id, unplaced_reason, unplaced_at,"     \
	" scheduled_at, cancel_reason, created_by, created_at, updated_at, not_before"

/* A slot row for replies and rules: visit_types as an array, offered as a
 * boolean, the internal instant removed. */
static json_t *slot_view_ms(json_t *row, bool keep_ms)
{
	json_t *types = json_loads(sget(row, "visit_types") ? sget(row, "visit_types") : "[]", 0,
	                           NULL);

	json_object_set_new(row, "visit_types", types && json_is_array(types) ? types : json_array());
	if (types && !json_is_array(types))
		json_decref(types);
	json_object_set_new(row, "offered", json_boolean(iget(row, "offered") != 0));
	if (!keep_ms)
		json_object_del(row, "starts_ms");
	return row;
}

static json_t *slot_view(json_t *row)
{
	return slot_view_ms(row, false);
}

static bool slot_allows(const json_t *slot, const char *type)
{
	const json_t *types = json_object_get(slot, "visit_types"), *t;
	size_t i;

	if (json_array_size(types) == 0)
		return true;
	json_array_foreach(types, i, t)
		if (json_is_string(t) && strcmp(json_string_value(t), type) == 0)
			return true;
	return false;
}

static json_t *slot_load(socle_db *db, int64_t id, socle_err *err)
{
	json_t *r = socle_db_query_one_new(db, "SELECT " SLOT_COLUMNS " FROM tracking_slot WHERE id = :id",
	                  json_pack("{s:I}", "id", (json_int_t)id), err);

	if (r == NULL && err->code == SOCLE_E_NOTFOUND)
		socle_err_set(err, SOCLE_E_NOTFOUND, "Créneau introuvable.");
	return r;
}

static json_t *request_load(socle_db *db, int64_t id, socle_err *err)
{
	json_t *r = socle_db_query_one_new(db, "SELECT " REQUEST_COLUMNS " FROM tracking_visit_request WHERE id = :id",
	                  json_pack("{s:I}", "id", (json_int_t)id), err);

	if (r == NULL && err->code == SOCLE_E_NOTFOUND)
		socle_err_set(err, SOCLE_E_NOTFOUND, "Demande de visite introuvable.");
	return r;
}

/* What the rules see of a request. */
static json_t *request_rule_view(const json_t *r)
{
	const struct tracking_visit_type *t = tracking_visit_type(sget(r, "type"));
	json_t *v = json_pack("{s:O, s:s, s:O, s:O, s:O, s:O}", "type", json_object_get(r, "type"),
	                      "who", t ? t->who : "professionnel_sante", "requested_by",
	                      json_object_get(r, "requested_by"), "requested_on",
	                      json_object_get(r, "requested_on"), "worker_id",
	                      json_object_get(r, "worker_id"), "company_id",
	                      json_object_get(r, "company_id"));
	static const char *const opt[] = {"id", "due_before", "site"};

	for (size_t i = 0; v && i < SOCLE_COUNT(opt); i++) {
		json_t *x = json_object_get(r, opt[i]);

		if (x && !json_is_null(x))
			json_object_set(v, opt[i], x);
	}
	return v;
}

/* ---- who is told what (tracking.h, README "Secret") ---- */

bool tracking_hidden_from_employer(const char *type, const char *requested_by)
{
	if (type == NULL)
		return false;
	return strcmp(type, "pre_reprise") == 0 ||
	       (strcmp(type, "visite_a_la_demande") == 0 && requested_by != NULL &&
	        strcmp(requested_by, "worker") == 0);
}

bool tracking_employer_kept_out(socle_req *req, int64_t worker, const char *type,
                                const char *requested_by, const char *action)
{
	if (socle_principal_role(socle_req_principal(req)) != SOCLE_ROLE_EMPLOYER ||
	    !tracking_hidden_from_employer(type, requested_by))
		return false;
	json_t *detail = json_pack("{s:s, s:s}", "reason", "hidden_from_employer", "type", type);
	struct socle_audit_entry e = {.action = action, .object_type = "worker",
	                              .object_id = worker, .outcome = "denied", .detail = detail};

	socle_audit_now(req, &e, NULL); /* the refusal stands even if its trace failed */
	json_decref(detail);
	return true;
}

/* A request as the caller may see it. The reason the worker or a physician
 * gave may touch on health: only the worker himself and the health
 * professionals who pass the medical gate read it (tracking_medical_access:
 * the access traced, the worker's opposition binding the infirmier); an
 * employer, an assistant or an administrator never does. Returns @p r. */
static json_t *request_for(socle_req *req, json_t *r)
{
	const socle_principal *who = socle_req_principal(req);
	int role = socle_principal_role(who);
	const json_t *reason = r ? json_object_get(r, "reason") : NULL;
	int64_t worker = r ? iget(r, "worker_id") : 0;

	if (reason == NULL || json_is_null(reason) ||
	    strcmp(sget(r, "requested_by") ? sget(r, "requested_by") : "", "employer") == 0)
		return r;
	if (role == SOCLE_ROLE_EMPLOYEE && socle_principal_has_scope(who, "worker", worker))
		return r;
	if (SOCLE_ROLE_BIT(role) & SOCLE_ROLES_HEALTH) {
		socle_err err = SOCLE_ERR_INIT;

		if (tracking_medical_access(req, worker, "dmst.request.read", &err) == 0)
			return r;
	}
	json_object_del(r, "reason");
	return r;
}

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
		                     offered ? "offered" : "free", "by", user_of(sw->req), "now",
		                     (json_int_t)now),
		           err);
		if (rc < 0)
			goto out;
		json_t *row = slot_load(wdb, socle_db_last_insert_id(wdb), err);
		if (row == NULL) {
			rc = err->code ? err->code : SOCLE_E_INTERNAL;
			goto out;
		}
		json_array_append_new(sw->created, slot_view(row));
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
	int64_t after, pro = query_id(req, "professional_id");
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
		slot_view(it);
	return socle_reply_page(req, items, limit, "id");
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
	                     rw->priority_reason, "user", user_of(rw->req), "now", (json_int_t)now,
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
	rw->row = request_load(wdb, rw->id, err);
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

/* Issue 10 item 6: a visit of the follow-up the engine owes the worker gets
 * the engine's deadline (its latest day, or "before"), so that the seed's
 * indicator of requests answered in time (3.3.1.4) counts them. A deadline
 * already passed is not given: the visit is overdue, and a request must stay
 * bookable on the next free slot (the booking refuses slots after a
 * deadline). A worker the engine cannot answer for (no category yet, not yet
 * in tracking's copy) gets none. Never refuses: item 5 (refusing a type the
 * engine does not owe) is not built, see the README's limits. */
static int engine_deadline(socle_req *req, socle_db *db, struct request_write *rw,
                           const struct tracking_visit_type *t, int64_t worker)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *nv, *v;
	size_t i;

	if (!engine_decides(t->code))
		return 0;
	nv = tracking_next_visits_now(socle_req_service(req), db, worker, NULL, &err);
	if (nv == NULL)
		return err.code == SOCLE_E_CONFLICT || err.code == SOCLE_E_NOTFOUND ? 0 : err.code;
	json_array_foreach(json_object_get(nv, "visits"), i, v) {
		if (strcmp(sget(v, "type") ? sget(v, "type") : "", t->code) != 0)
			continue;
		const char *due = sget(v, "latest") ? sget(v, "latest") : sget(v, "before");

		if (due && strcmp(due, rw->on) >= 0)
			rw->owed = json_string(due);
		break;
	}
	json_decref(nv);
	return 0;
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

	/* The deadline of the visit the engine owes, when the requester gave none. */
	if (engine_deadline(req, db, &rw, t, worker) != 0)
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
	json_t *rv = view ? request_rule_view(view) : NULL;
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
static json_t *request_param(socle_req *req, const char *name, bool company_only)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t id;

	if (socle_req_param_id(req, name, &id) != 0) {
		socle_reply_error(req, 404, "not_found", "Demande de visite introuvable.");
		return NULL;
	}
	socle_db *db = socle_req_reader(req, &err);
	json_t *r = db ? request_load(db, id, &err) : NULL;
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

	json_t *r = request_param(req, "id", false);
	if (r == NULL)
		return 0;
	json_t *slot = NULL;
	if (json_is_integer(json_object_get(r, "slot_id"))) {
		socle_db *db = socle_req_reader(req, &err);
		slot = db ? slot_load(db, iget(r, "slot_id"), &err) : NULL;
		if (slot == NULL) {
			json_decref(r);
			return reply_fail(req, &err);
		}
		slot_view(slot);
	}
	json_object_set_new(r, "slot", slot ? slot : json_null());
	return socle_reply_json(req, 200, request_for(req, r));
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

/* ---- scheduling: booking, convocation, reminders -------------------------------------------- */

/* One booking decided outside the write: the request and the slot. The write
 * books them and enqueues the convocation job; the mails are rendered and
 * queued by that job, off the request path (an assignment run books
 * thousands of visits; their convocations follow through the job queue). */
struct booking {
	json_t *request;   /* row (owned) */
	json_t *slot;      /* row, slot_view (owned) */
	bool offered_only; /* the employer's choice: the slot must be offered */
	bool done;         /* booked by the write */
	char failure[200]; /* why the write did not book */
};

static void booking_clear(struct booking *bk)
{
	json_decref(bk->request);
	json_decref(bk->slot);
	memset(bk, 0, sizeof(*bk));
}

/* The mail body of a convocation (or a reminder, @p days_before > 0). */
static char *convocation_body(const json_t *ctx, const json_t *text, int days_before)
{
	char when[96], *out = NULL;
	const json_t *slot = json_object_get(ctx, "slot"), *s;
	size_t i, len = 0;
	FILE *f = open_memstream(&out, &len);

	if (f == NULL)
		return NULL;
	french_when(sget(slot, "starts_at"), when, sizeof(when));
	fprintf(f, "Bonjour,\n\n");
	if (days_before > 0)
		fprintf(f, "Rappel : la visite ci-dessous a lieu dans %d jour%s.\n\n", days_before,
		        days_before > 1 ? "s" : "");
	fprintf(f, "%s convoque %s %s, salarié(e) de %s, à la visite suivante.\n\n",
	        sget(ctx, "service"), sget(ctx, "first_name"), sget(ctx, "last_name"),
	        sget(ctx, "company"));
	fprintf(f, "Type de visite : %s\n", sget(ctx, "label"));
	fprintf(f, "Date et heure : %s (durée prévue : %" PRId64 " minutes)\n", when,
	        iget(slot, "duration_min"));
	if (strcmp(sget(slot, "mode"), "teleconsultation") == 0)
		fprintf(f, "Lieu : téléconsultation (le lien de connexion vous sera communiqué par le "
		           "service)\n");
	else
		fprintf(f, "Lieu : %s\n", sget(slot, "site"));
	fprintf(f, "Avec : %s\n\n", role_label(sget(slot, "role")));
	fprintf(f, "Objectifs de la visite\n%s\n\nDéroulement\n", sget(text, "objectives"));
	json_array_foreach(json_object_get(text, "steps"), i, s)
		fprintf(f, "%zu. %s\n", i + 1, json_string_value(s));
	const char *type = sget(ctx, "type") ? sget(ctx, "type") : "";
	if (strcmp(type, "pre_reprise") == 0)
		/* The worker is on sick leave: not "pendant le temps de travail". */
		fprintf(f, "\nCette visite a lieu pendant votre arrêt de travail, qu'elle n'interrompt "
		           "pas. Votre employeur n'en est pas informé par le service : seules les "
		           "recommandations du médecin du travail pour votre retour peuvent lui être "
		           "transmises, et seulement si vous ne vous y opposez pas (R4624-29, "
		           "R4624-30).\n");
	else if (strcmp(type, "rendez_vous_liaison") == 0)
		fprintf(f, "\nCe rendez-vous a lieu pendant l'arrêt de travail du salarié, qu'il "
		           "n'interrompt pas ; le salarié peut le refuser sans conséquence (L1226-1-3, "
		           "D1226-8-1).\n");
	else
		fprintf(f, "\nLa visite a lieu pendant le temps de travail ; le temps passé et les frais "
		           "de transport sont pris en charge par l'employeur (R4624-39).%s\n",
		        json_is_true(json_object_get(ctx, "hidden"))
		                ? " Votre employeur n'est pas informé de votre demande par le service "
		                  "(R4624-34)."
		                : "");
	fprintf(f, "En cas d'empêchement, prévenez le service au plus tôt, et au moins %" PRId64
	           " heures avant la visite.\n\nRéférence de la demande : %" PRId64 "\n",
	        iget(ctx, "cutoff_hours"), iget(ctx, "request_id"));
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* What a convocation or a reminder of a scheduled visit says and to whom,
 * read when the job runs (the worker's accounts and the company's contact as
 * they are then). */
struct notice {
	json_t *request;    /* row (owned) */
	json_t *slot;       /* row, slot_view with starts_ms (owned) */
	json_t *ctx;        /* the body's context (owned) */
	json_t *text;       /* convocation_text's {objectives, steps} (owned) */
	json_t *recipients; /* [{email}]: the company's contact, then the worker's accounts */
	char subject[300];
};

static void notice_clear(struct notice *n)
{
	json_decref(n->request);
	json_decref(n->slot);
	json_decref(n->ctx);
	json_decref(n->text);
	json_decref(n->recipients);
	memset(n, 0, sizeof(*n));
}

/* Who is told of a visit (its convocation, reminders and cancellation): the
 * worker's own accounts, and the company's contact unless the visit is kept
 * from the employer (tracking_hidden_from_employer). [{email}], the company's
 * contact first; NULL on error. */
static json_t *notice_recipients(socle_db *db, const json_t *r, socle_err *err)
{
	bool hidden = tracking_hidden_from_employer(sget(r, "type"), sget(r, "requested_by"));
	json_t *to = tracking_worker_accounts(db, iget(r, "worker_id"), err);

	if (to == NULL || hidden)
		return to;
	json_t *company = tracking_membership->company_get(db, iget(r, "company_id"), err);
	const char *contact = company ? sget(json_object_get(company, "contact"), "email") : NULL;

	if (company == NULL) {
		json_decref(to);
		return NULL;
	}
	if (contact != NULL)
		json_array_insert_new(to, 0, json_pack("{s:s}", "email", contact));
	json_decref(company);
	return to;
}

/* Load the visit of @p request_id if it is still scheduled on @p slot_id and
 * render its notice (@p days_before > 0: a reminder). Returns 1 when ready, 0
 * when the visit no longer holds (cancelled, moved, held: nothing to send), or
 * a negative code. Reads only. */
static int notice_prepare(socle_service *svc, socle_db *db, int64_t request_id, int64_t slot_id,
                          int days_before, struct notice *n, socle_err *err)
{
	socle_err e2 = SOCLE_ERR_INIT;
	int rc;

	n->request = request_load(db, request_id, &e2);
	if (n->request == NULL)
		return e2.code == SOCLE_E_NOTFOUND ? 0 : socle_err_set(err, e2.code, "%s", e2.msg);
	if (strcmp(sget(n->request, "status"), "scheduled") != 0 ||
	    iget(n->request, "slot_id") != slot_id)
		return 0;
	n->slot = slot_load(db, slot_id, err);
	if (n->slot == NULL)
		return err->code ? err->code : SOCLE_E_INTERNAL;
	slot_view_ms(n->slot, true);
	const json_t *r = n->request, *slot = n->slot;
	const struct tracking_visit_type *t = tracking_visit_type(sget(r, "type"));
	json_t *info = tracking_worker_card(db, iget(r, "worker_id"), err);
	if (info == NULL)
		return err->code ? err->code : SOCLE_E_INTERNAL;
	json_t *visit = json_pack("{s:O, s:s, s:s, s:O, s:O, s:O, s:O, s:O}", "type",
	                          json_object_get(r, "type"), "label", t ? t->label : "", "who",
	                          t ? t->who : "", "role", json_object_get(slot, "role"), "mode",
	                          json_object_get(slot, "mode"), "site", json_object_get(slot, "site"),
	                          "starts_at", json_object_get(slot, "starts_at"), "duration_min",
	                          json_object_get(slot, "duration_min"));
	json_t *args = visit ? json_pack("[o]", visit) : NULL;
	rc = args ? socle_rule_call(svc, "convocation_text", args, &n->text, err) : NOMEM(err);
	json_decref(args);
	if (rc != 0)
		goto out;
	bool hidden = tracking_hidden_from_employer(sget(r, "type"), sget(r, "requested_by"));
	n->ctx = json_pack("{s:s, s:O, s:O, s:O, s:s, s:O, s:I, s:I, s:O, s:b}", "service",
	                   socle_service_name(svc), "first_name", json_object_get(info, "first_name"),
	                   "last_name", json_object_get(info, "last_name"), "company",
	                   json_object_get(info, "legal_name"), "label", t ? t->label : "", "slot",
	                   slot, "cutoff_hours", (json_int_t)cutoff_hours(svc), "request_id",
	                   (json_int_t)request_id, "type", json_object_get(r, "type"), "hidden",
	                   hidden);
	n->recipients = notice_recipients(db, r, err);
	if (n->ctx == NULL || n->recipients == NULL) {
		rc = err->code ? err->code : NOMEM(err);
		goto out;
	}
	if (json_array_size(n->recipients) == 0)
		socle_log(SOCLE_LOG_WARN, "service %s : la demande %" PRId64 " (%s) n'est adressée qu'au "
		          "salarié, qui n'a pas de compte : personne n'en reçoit la convocation ni les "
		          "rappels ; prévenez-le autrement", socle_service_id(svc), request_id,
		          t ? t->label : "visite");
	char when[96];
	french_when(sget(slot, "starts_at"), when, sizeof(when));
	snprintf(n->subject, sizeof(n->subject), "%s : %s, %s",
	         days_before > 0 ? "Rappel de convocation" : "Convocation", t ? t->label : "visite",
	         when);
	rc = 1;
out:
	json_decref(info);
	return rc;
}

/* In a write: is the visit still scheduled on that slot? 1 yes, 0 no, or a
 * negative code. */
static int visit_holds(socle_db *wdb, int64_t request_id, int64_t slot_id, socle_err *err)
{
	socle_err e2 = SOCLE_ERR_INIT;
	json_t *r = socle_db_query_one_new(wdb, "SELECT status, slot_id FROM tracking_visit_request WHERE id = :id",
	                  json_pack("{s:I}", "id", (json_int_t)request_id), &e2);

	if (r == NULL)
		return e2.code == SOCLE_E_NOTFOUND ? 0 : socle_err_set(err, e2.code, "%s", e2.msg);
	int holds = strcmp(sget(r, "status"), "scheduled") == 0 && iget(r, "slot_id") == slot_id;
	json_decref(r);
	return holds;
}

/* In a write: record that this notice went out, once. A job runs at least
 * once: the notice's row makes the second run send nothing. 1 when recorded
 * now, 0 when it already was, or a negative code. */
static int notice_record(socle_db *wdb, int64_t request_id, int64_t slot_id, int days_before,
                         const char *recipient, socle_err *err)
{
	return socle_db_run_new(wdb, "INSERT OR IGNORE INTO tracking_notice (request_id, slot_id, days_before,"
	                  " recipient, mailed_at) VALUES (:r, :s, :d, :to, :now)",
	             json_pack("{s:I, s:I, s:i, s:s, s:I}", "r", (json_int_t)request_id, "s",
	                       (json_int_t)slot_id, "d", days_before, "to", recipient, "now",
	                       (json_int_t)socle_now_ms()),
	             err);
}

/* Queue one mail; a contact address the mailer refuses is logged and skipped
 * (the other recipients still get theirs). 0 or a store error. */
static int notice_mail(socle_db *wdb, int64_t request_id, const char *to, const char *subject,
                       const char *text, const char *category, socle_err *err)
{
	struct socle_mail mail = {.to = to, .subject = subject, .text = text, .category = category};
	socle_err e2 = SOCLE_ERR_INIT;
	int64_t job = socle_mail_queue(wdb, &mail, 0, &e2);

	if (job == SOCLE_E_INVAL) {
		socle_log(SOCLE_LOG_WARN, "service %s : %s de la demande %" PRId64 " non envoyé(e) à "
		          "« %s » : %s", socle_service_id(socle_db_service(wdb)), category, request_id,
		          to ? to : "", e2.msg);
		return 0;
	}
	return job < 0 ? socle_err_set(err, (int)job, "%s", e2.msg) : 0;
}

/* In the write: book the slot for the request if both are still open, then
 * the event, the audit entry and the convocation job.
 * Returns 0 (bk->done tells whether it booked) or a store error. */
static int booking_apply(socle_db *wdb, socle_req *req, struct booking *bk, const char *how,
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

/* ---- the convocation job: mails now, reminder jobs for later ---- */

struct convocation_write {
	int64_t request_id, slot_id;
	const struct notice *n;
	const char *body;   /* the same text for every recipient, rendered once */
	int days[MAX_REMINDERS];
	size_t n_days;
};

static int convocation_txn(socle_db *wdb, void *ud, socle_err *err)
{
	const struct convocation_write *cw = ud;
	int rc;

	if ((rc = visit_holds(wdb, cw->request_id, cw->slot_id, err)) <= 0 ||
	    (rc = notice_record(wdb, cw->request_id, cw->slot_id, 0, "*", err)) <= 0)
		return rc; /* moved or cancelled since, or already sent */
	int64_t start = iget(cw->n->slot, "starts_ms"), now = socle_now_ms();
	size_t i;
	const json_t *to;
	json_array_foreach(cw->n->recipients, i, to) {
		const char *email = sget(to, "email");

		if ((rc = notice_mail(wdb, cw->request_id, email, cw->n->subject, cw->body,
		                      "convocation", err)) != 0)
			return rc;
		for (size_t k = 0; k < cw->n_days && email; k++) {
			int64_t at = start - (int64_t)cw->days[k] * 86400000;

			if (at <= now) /* already in the past: no reminder */
				continue;
			json_t *p = json_pack("{s:I, s:I, s:s, s:i}", "request_id",
			                      (json_int_t)cw->request_id, "slot_id",
			                      (json_int_t)cw->slot_id, "to", email, "days", cw->days[k]);
			int64_t job = p ? socle_job_enqueue(wdb, "tracking.reminder", p, at, 0, err)
			                : NOMEM(err);

			json_decref(p);
			if (job < 0)
				return (int)job;
		}
	}
	return 0;
}

static int convocation_job(socle_service *svc, const json_t *payload, void *ud, socle_err *err)
{
	struct notice n = {0};
	struct convocation_write cw = {.request_id = iget(payload, "request_id"),
	                               .slot_id = iget(payload, "slot_id"), .n = &n};
	(void)ud;

	if (cw.request_id <= 0 || cw.slot_id <= 0)
		return socle_err_set(err, SOCLE_E_INVAL, "tracking.convocation : charge utile invalide");
	socle_db *db = socle_service_reader(svc, err);
	int rc = db ? notice_prepare(svc, db, cw.request_id, cw.slot_id, 0, &n, err)
	            : SOCLE_E_STORE;
	char *body = NULL;

	if (rc == 1) {
		body = convocation_body(n.ctx, n.text, 0);
		cw.body = body;
		cw.n_days = reminder_days(svc, cw.days);
		rc = body ? socle_service_write(svc, convocation_txn, &cw, err) : NOMEM(err);
	}
	if (rc < 0)
		socle_log(SOCLE_LOG_WARN, "service %s : convocation de la demande %" PRId64
		          " impossible pour l'instant : %s", socle_service_id(svc), cw.request_id,
		          err->msg);
	free(body);
	notice_clear(&n);
	return rc < 0 ? rc : 0;
}

/* ---- the reminder job: mail it now if the visit still holds on the same slot ---- */

struct reminder_write {
	int64_t request_id, slot_id;
	int days;
	const char *to, *subject, *text;
};

static int reminder_txn(socle_db *wdb, void *ud, socle_err *err)
{
	const struct reminder_write *rw = ud;
	int rc;

	if ((rc = visit_holds(wdb, rw->request_id, rw->slot_id, err)) <= 0 ||
	    (rc = notice_record(wdb, rw->request_id, rw->slot_id, rw->days, rw->to, err)) <= 0)
		return rc; /* cancelled or moved: no reminder; or already sent */
	return notice_mail(wdb, rw->request_id, rw->to, rw->subject, rw->text, "rappel", err);
}

static int reminder_job(socle_service *svc, const json_t *payload, void *ud, socle_err *err)
{
	struct reminder_write rw = {.request_id = iget(payload, "request_id"),
	                            .slot_id = iget(payload, "slot_id"),
	                            .days = (int)iget(payload, "days"), .to = sget(payload, "to")};
	struct notice n = {0};
	char *body = NULL;
	int rc;
	(void)ud;

	if (rw.request_id <= 0 || rw.slot_id <= 0 || rw.to == NULL || rw.days < 1 || rw.days > 90)
		return socle_err_set(err, SOCLE_E_INVAL, "tracking.reminder : charge utile invalide");
	socle_db *db = socle_service_reader(svc, err);
	rc = db ? notice_prepare(svc, db, rw.request_id, rw.slot_id, rw.days, &n, err) : SOCLE_E_STORE;
	if (rc == 1 && json_is_true(json_object_get(n.ctx, "hidden"))) {
		/* A visit kept from the employer: its reminders go to the worker's
		 * accounts only, whatever an earlier version planned. */
		bool listed = false;
		size_t i;
		const json_t *to;

		json_array_foreach(n.recipients, i, to)
			listed |= sget(to, "email") && strcasecmp(sget(to, "email"), rw.to) == 0;
		if (!listed) {
			socle_log(SOCLE_LOG_WARN, "service %s : rappel de la demande %" PRId64 " non "
			          "envoyé à « %s » : cette visite n'est adressée qu'au salarié",
			          socle_service_id(svc), rw.request_id, rw.to);
			rc = 0;
		}
	}
	if (rc == 1 && sget(payload, "text") && sget(payload, "subject")) {
		/* Queued by a version that rendered reminders at booking time. */
		rw.subject = sget(payload, "subject");
		rw.text = sget(payload, "text");
		rc = socle_service_write(svc, reminder_txn, &rw, err);
		notice_clear(&n);
		return rc < 0 ? rc : 0;
	}
	if (rc == 1 && iget(n.slot, "starts_ms") <= socle_now_ms()) {
		/* Run late (the service was down at its time) after the visit began:
		 * "the visit is in n days" would be false. */
		socle_log(SOCLE_LOG_INFO, "service %s : rappel de la demande %" PRId64 " à « %s » non "
		          "envoyé, la visite a déjà commencé", socle_service_id(svc), rw.request_id,
		          rw.to);
		rc = 0;
	}
	if (rc == 1) {
		body = convocation_body(n.ctx, n.text, rw.days);
		rw.subject = n.subject;
		rw.text = body;
		rc = body ? socle_service_write(svc, reminder_txn, &rw, err) : NOMEM(err);
	}
	free(body);
	notice_clear(&n);
	return rc < 0 ? rc : 0;
}

/* ---- automatic assignment --------------------------------------------------------------------- */

/* Requests placed per write. Each write rewrites every page it touches, and
 * the requests of a run are spread over the whole table: batches of 200 made
 * the run write (and checkpoint) the same pages ten times over, 2000 keeps a
 * write under about 0.2 s of held writer in the bench (bench/tracking). */
#define RUN_BATCH 2000
/* Free slots offered to assign_slot per request: the earliest ones that fit
 * the role, the type and the site, in time order. The default rule takes the
 * first that meets the deadline, so it never needs more; a service's own rule
 * chooses among these 20. (100 made the assignment of 10,000 requests 1.7x
 * slower in the bench: each candidate is converted to Lua.) */
#define MAX_CANDIDATES 20
/* Bookable slots a run reads at most, the earliest ones (the bench's service
 * opens 40 professionals x 16 slots a day x 20 days, 12,800). Each is held as
 * a small JSON object while the run lasts; a request that fits none of them
 * stays queued with its reason for the next run. */
#define MAX_BOARD_SLOTS 50000

/* The bookable future slots, read once per run in time order: each request's
 * candidates are the first fitting ones not yet taken by this run, found in
 * memory instead of one query per request. A slot booked meanwhile by someone
 * else is refused by the write (booking_apply re-reads both rows), and the
 * request stays queued with that reason. */
struct board_slot {
	json_t *view;       /* what assign_slot's contract gives of a slot (owned) */
	/* The view's fields, borrowed from it: pushed to Lua for each request
	 * the slot is offered to, without going through JSON. */
	const char *site, *role, *starts_at, *mode;
	int64_t id, professional_id, duration_min, starts_ms;
	const json_t *visit_types;
	bool medecin, any_type, taken;
};

/* The slots offered to one request: indexes into the board. */
struct candidates {
	size_t at[MAX_CANDIDATES];
	size_t n;
};

struct board {
	struct board_slot *s;
	size_t n;
	size_t first_open; /* every slot before it is taken */
};

static void board_free(struct board *b)
{
	for (size_t i = 0; i < b->n; i++)
		json_decref(b->s[i].view);
	free(b->s);
	memset(b, 0, sizeof(*b));
}

static int board_load(socle_db *db, struct board *b, socle_err *err)
{
	char today[11], since[11];

	/* starts_at is the service's wall time, never more than a day behind the
	 * UTC date: the range on it uses the index tracking_slot_bookable, the
	 * instant then filters exactly. */
	socle_date_today(today);
	if (!socle_date_add_days(today, -1, since))
		memcpy(since, today, sizeof(since));
	json_t *rows = socle_db_query_new(db,
		"SELECT " SLOT_COLUMNS " FROM tracking_slot"
		" WHERE status <> 'booked' AND status <> 'cancelled' AND starts_at >= :since"
		" AND starts_ms > :now ORDER BY starts_at, id LIMIT :limit",
		json_pack("{s:s, s:I, s:i}", "since", since, "now", (json_int_t)socle_now_ms(), "limit",
		          MAX_BOARD_SLOTS),
		err);
	if (rows == NULL)
		return err->code ? err->code : SOCLE_E_NOMEM;
	size_t n = json_array_size(rows), i;
	json_t *row;
	b->s = calloc(n ? n : 1, sizeof(*b->s));
	if (b->s == NULL) {
		json_decref(rows);
		return NOMEM(err);
	}
	json_array_foreach(rows, i, row) {
		struct board_slot *s = &b->s[b->n];

		slot_view_ms(row, true);
		/* What assign_slot's contract gives of a slot, nothing more: each
		 * field is converted to Lua for each request it is offered to. */
		s->view = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "id",
		                    json_object_get(row, "id"), "professional_id",
		                    json_object_get(row, "professional_id"), "role",
		                    json_object_get(row, "role"), "site", json_object_get(row, "site"),
		                    "starts_at", json_object_get(row, "starts_at"), "duration_min",
		                    json_object_get(row, "duration_min"), "mode",
		                    json_object_get(row, "mode"), "visit_types",
		                    json_object_get(row, "visit_types"));
		if (s->view == NULL) {
			json_decref(rows);
			return NOMEM(err);
		}
		b->n++;
		s->id = iget(row, "id");
		s->starts_ms = iget(row, "starts_ms");
		s->site = sget(s->view, "site");
		s->role = sget(s->view, "role");
		s->starts_at = sget(s->view, "starts_at");
		s->mode = sget(s->view, "mode");
		s->professional_id = iget(s->view, "professional_id");
		s->duration_min = iget(s->view, "duration_min");
		s->visit_types = json_object_get(s->view, "visit_types");
		s->medecin = strcmp(sget(row, "role"), "medecin") == 0;
		s->any_type = json_array_size(json_object_get(row, "visit_types")) == 0;
	}
	json_decref(rows);
	return 0;
}

/* Candidates for a request: the earliest slots of the board not yet taken
 * that admit its type, of the role it needs, at the site it asks for,
 * starting after @p now (the caller adds the minimum notice) and not before
 * the request's first possible day. */
static void board_candidates(struct board *b, const json_t *r, int64_t now,
                             struct candidates *out)
{
	const struct tracking_visit_type *t = tracking_visit_type(sget(r, "type"));
	bool medecin = t && strcmp(t->who, "medecin") == 0;
	const char *site = sget(r, "site"), *type = sget(r, "type");
	const char *from = sget(r, "not_before"); /* a reprise: the day of return */

	out->n = 0;
	while (b->first_open < b->n && b->s[b->first_open].taken)
		b->first_open++;
	for (size_t i = b->first_open; i < b->n && out->n < MAX_CANDIDATES; i++) {
		const struct board_slot *s = &b->s[i];

		if (s->taken || s->starts_ms <= now || (medecin && !s->medecin) ||
		    (from && strncmp(s->starts_at, from, 10) < 0) ||
		    (site && *site && strcmp(site, s->site) != 0) ||
		    (!s->any_type && !slot_allows(s->view, type)))
			continue;
		out->at[out->n++] = i;
	}
}

struct run_batch {
	socle_req *req;
	struct booking bk[RUN_BATCH];
	size_t n;
	int64_t unplaced_ids[RUN_BATCH];
	char *unplaced_why[RUN_BATCH];
	size_t n_unplaced;
};

static int run_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct run_batch *rb = ud;
	int64_t now = socle_now_ms();
	int rc;

	for (size_t i = 0; i < rb->n; i++) {
		if ((rc = booking_apply(wdb, rb->req, &rb->bk[i], "automatique", err)) != 0)
			return rc;
	}
	for (size_t i = 0; i < rb->n_unplaced; i++)
		if ((rc = socle_db_run_new(wdb, "UPDATE tracking_visit_request SET unplaced_reason = :why,"
		                     " unplaced_at = :now, updated_at = :now"
		                     " WHERE id = :id AND status = 'queued'",
		                json_pack("{s:s, s:I, s:I}", "why", rb->unplaced_why[i], "now",
		                          (json_int_t)now, "id", (json_int_t)rb->unplaced_ids[i]),
		                err)) < 0)
			return rc;
	if (rb->n_unplaced > 0 &&
	    (rc = audit(wdb, rb->req, "tracking.assignment.unplaced", "visit_request",
	                rb->unplaced_ids[0],
	                json_pack("{s:I}", "count", (json_int_t)rb->n_unplaced), err)))
		return rc;
	return 0;
}

/* The board index of the candidate with this slot id, or -1. */
static long candidate_of(const struct board *b, const struct candidates *c, int64_t id)
{
	for (size_t i = 0; i < c->n; i++)
		if (b->s[c->at[i]].id == id)
			return (long)c->at[i];
	return -1;
}

/* assign_slot(request, slots), pushed: the request's view, then one table
 * per candidate with the fields of the slot view (as slot_view gives them:
 * visit_types always a list). */
struct choose_args {
	const json_t *view;
	const struct board *b;
	const struct candidates *c;
};

static void push_slot_field(lua_State *L, const char *key, const char *v)
{
	if (v != NULL) {
		lua_pushstring(L, v);
		lua_setfield(L, -2, key);
	}
}

static void push_choose_args(lua_State *L, void *ud)
{
	const struct choose_args *a = ud;

	socle_lua_push_json(L, a->view);
	lua_createtable(L, (int)a->c->n, 0);
	for (size_t i = 0; i < a->c->n; i++) {
		const struct board_slot *s = &a->b->s[a->c->at[i]];

		lua_createtable(L, 0, 8);
		lua_pushinteger(L, (lua_Integer)s->id);
		lua_setfield(L, -2, "id");
		lua_pushinteger(L, (lua_Integer)s->professional_id);
		lua_setfield(L, -2, "professional_id");
		push_slot_field(L, "role", s->role);
		push_slot_field(L, "site", s->site);
		push_slot_field(L, "starts_at", s->starts_at);
		lua_pushinteger(L, (lua_Integer)s->duration_min);
		lua_setfield(L, -2, "duration_min");
		push_slot_field(L, "mode", s->mode);
		socle_lua_push_json(L, s->visit_types);
		lua_setfield(L, -2, "visit_types");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

/* assign_slot for one request among its candidates: the chosen slot's board
 * index, or -1 with the reason in @p why. */
static long run_choose(socle_service *svc, const json_t *r, const struct board *b,
                       const struct candidates *c, char *why, size_t why_size)
{
	json_t *view = request_rule_view(r), *out = NULL;
	struct choose_args args = {.view = view, .b = b, .c = c};
	socle_err e2 = SOCLE_ERR_INIT;
	long chosen = -1;

	if (view == NULL) {
		snprintf(why, why_size, "Mémoire insuffisante.");
		return -1;
	}
	if (socle_rule_call_pushed(svc, "assign_slot", push_choose_args, &args, &out, &e2) != 0) {
		socle_log(SOCLE_LOG_WARN, "service %s : assign_slot en échec pour la demande %" PRId64
		          " : %s", socle_service_id(svc), iget(r, "id"), e2.msg);
		snprintf(why, why_size, "La règle d'affectation a échoué : %s", e2.msg);
	} else {
		const json_t *sid = json_object_get(out, "slot_id");

		snprintf(why, why_size, "%s", sget(out, "reason"));
		if (json_is_integer(sid) && candidate_of(b, c, json_integer_value(sid)) < 0) {
			socle_log(SOCLE_LOG_WARN, "service %s : assign_slot a choisi le créneau %"
			          JSON_INTEGER_FORMAT " qui n'était pas proposé (demande %" PRId64 ")",
			          socle_service_id(svc), json_integer_value(sid), iget(r, "id"));
			snprintf(why, why_size, "La règle d'affectation a choisi un créneau qui ne lui "
			         "était pas proposé (n° %" JSON_INTEGER_FORMAT ").",
			         json_integer_value(sid));
		} else if (json_is_integer(sid)) {
			chosen = candidate_of(b, c, json_integer_value(sid));
		}
	}
	json_decref(view);
	json_decref(out);
	return chosen;
}

/* The reply's items of one committed batch (at most 500 in all). */
static void run_report(const struct run_batch *rb, json_t *report, size_t *scheduled,
                       size_t *unplaced)
{
	for (size_t k = 0; k < rb->n; k++) {
		const struct booking *bk = &rb->bk[k];

		*scheduled += bk->done;
		*unplaced += !bk->done;
		if (json_array_size(report) < 500)
			json_array_append_new(
				report, bk->done
					? json_pack("{s:I, s:I, s:O, s:s}", "request_id",
					            (json_int_t)iget(bk->request, "id"), "slot_id",
					            (json_int_t)iget(bk->slot, "id"), "starts_at",
					            json_object_get(bk->slot, "starts_at"), "status",
					            "scheduled")
					: json_pack("{s:I, s:s, s:s}", "request_id",
					            (json_int_t)iget(bk->request, "id"), "status", "queued",
					            "reason", bk->failure));
	}
	for (size_t k = 0; k < rb->n_unplaced; k++) {
		(*unplaced)++;
		if (json_array_size(report) < 500)
			json_array_append_new(report, json_pack("{s:I, s:s, s:s}", "request_id",
			                                        (json_int_t)rb->unplaced_ids[k], "status",
			                                        "queued", "reason", rb->unplaced_why[k]));
	}
}

static void run_batch_clear(struct run_batch *rb)
{
	for (size_t k = 0; k < rb->n; k++)
		booking_clear(&rb->bk[k]);
	for (size_t k = 0; k < rb->n_unplaced; k++)
		free(rb->unplaced_why[k]);
	rb->n = rb->n_unplaced = 0;
}

static const struct socle_field run_fields[] = {
	{"company_id", SOCLE_F_INT, false, 1, INT64_MAX, NULL, NULL},
	{"limit", SOCLE_F_INT, false, 1, 10000, NULL, NULL},
};

/* POST /tracking/assignments/run {company_id?, limit?}: place the queued
 * requests in priority order, by batches of RUN_BATCH (one write each). */
static int assignments_run(socle_req *req, void *ud)
{
	const json_t *body = socle_req_body(req);
	socle_service *svc = socle_req_service(req);
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL, *report = NULL, *cursor = NULL; /* cursor: the last request seen */
	size_t considered = 0, scheduled = 0, unplaced = 0;
	int64_t company = body ? iget(body, "company_id") : 0;
	int64_t max = body && json_is_integer(json_object_get(body, "limit")) ? iget(body, "limit")
	                                                                      : 10000;
	struct board board = {0};
	struct run_batch *rb = NULL;
	int rc = 0;
	(void)ud;

	if (body && socle_fields_check(body, run_fields, SOCLE_COUNT(run_fields), NULL, &errors) > 0)
		return socle_reply_invalid(req, errors);
	socle_db *db = socle_req_reader(req, &err);
	if (db == NULL)
		return reply_fail(req, &err);
	if ((report = json_array()) == NULL || (rb = calloc(1, sizeof(*rb))) == NULL) {
		json_decref(report);
		return SOCLE_E_NOMEM;
	}
	rb->req = req;
	if ((rc = board_load(db, &board, &err)) != 0)
		goto out;
	int64_t now = socle_now_ms();
	while ((int64_t)considered < max) {
		int64_t want = max - (int64_t)considered < RUN_BATCH ? max - (int64_t)considered
		                                                      : RUN_BATCH;
		json_t *reqs = socle_db_query_new(db,
			/* What the run uses of a request (assign_slot's view, the booking,
			 * the cursor): a third of REQUEST_COLUMNS, converted 10,000 times. */
			"SELECT id, worker_id, company_id, type, requested_by, requested_on, due_before,"
			" site, priority, COALESCE(due_before, '9999-12-31') AS due_key, not_before"
			" FROM tracking_visit_request WHERE status = 'queued'"
			" AND (:company = 0 OR company_id = :company)"
			" AND (:first = 1 OR priority < :cp OR (priority = :cp"
			"   AND (COALESCE(due_before, '9999-12-31') > :cd"
			"   OR (COALESCE(due_before, '9999-12-31') = :cd AND id > :ci))))"
			" ORDER BY priority DESC, COALESCE(due_before, '9999-12-31'), id LIMIT :limit",
			json_pack("{s:I, s:b, s:f, s:s, s:I, s:I}", "company", (json_int_t)company, "first",
			          cursor == NULL, "cp",
			          cursor ? json_number_value(json_object_get(cursor, "priority")) : 0.0,
			          "cd", cursor ? sget(cursor, "due_key") : "", "ci",
			          (json_int_t)(cursor ? iget(cursor, "id") : 0), "limit", (json_int_t)want),
			&err);
		if (reqs == NULL) {
			rc = err.code ? err.code : SOCLE_E_NOMEM;
			break;
		}
		if (json_array_size(reqs) == 0) {
			json_decref(reqs);
			break;
		}
		json_decref(cursor);
		cursor = json_incref(json_array_get(reqs, json_array_size(reqs) - 1));
		size_t i;
		json_t *r;
		json_array_foreach(reqs, i, r) {
			struct candidates cands;
			char why[512];

			considered++;
			board_candidates(&board, r, now + min_notice_hours(svc) * 3600000, &cands);
			long chosen = run_choose(svc, r, &board, &cands, why, sizeof(why));
			if (chosen >= 0) {
				struct booking *bk = &rb->bk[rb->n++];

				bk->request = json_incref(r);
				bk->slot = json_incref(board.s[chosen].view);
				board.s[chosen].taken = true;
			} else if ((rb->unplaced_why[rb->n_unplaced] = strdup(why)) != NULL) {
				rb->unplaced_ids[rb->n_unplaced++] = iget(r, "id");
			} else {
				rc = SOCLE_E_NOMEM;
			}
			if (rc != 0)
				break;
		}
		json_decref(reqs);
		if (rc == 0 && (rc = socle_service_write(svc, run_txn, rb, &err)) == 0)
			run_report(rb, report, &scheduled, &unplaced);
		run_batch_clear(rb);
		if (rc != 0)
			break;
	}
out:
	json_decref(cursor);
	board_free(&board);
	free(rb);
	if (rc != 0) {
		json_decref(report);
		return err.code ? socle_reply_err(req, &err) : rc;
	}
	return socle_reply_json(req, 200,
	                        json_pack("{s:I, s:I, s:I, s:o}", "considered",
	                                  (json_int_t)considered, "scheduled", (json_int_t)scheduled,
	                                  "unplaced", (json_int_t)unplaced, "items", report));
}

/* GET /tracking/assignments/unplaced: queued requests the last run could not
 * place, with the reason, oldest request first. */
static int assignments_unplaced(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int limit;
	int64_t after;
	(void)ud;

	if (socle_req_page(req, &limit, &after, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *items = db ? socle_db_query_new(db, "SELECT id, worker_id, company_id, type, requested_by,"
	                               " requested_on, due_before, site, priority, unplaced_reason,"
	                               " unplaced_at FROM tracking_visit_request"
	                               " WHERE status = 'queued' AND unplaced_reason IS NOT NULL"
	                               " AND id > :after ORDER BY id LIMIT :limit",
	                           json_pack("{s:I, s:i}", "after", (json_int_t)after, "limit", limit),
	                           &err)
	                   : NULL;
	if (items == NULL)
		return reply_fail(req, &err);
	return socle_reply_page(req, items, limit, "id");
}

/* ---- the employer's choice among offered slots ---------------------------------------------- */

/* Does @p slot (slot_view) fit @p r for an employer's choice? NULL when it
 * does, else why not (French). */
static const char *slot_misfit(const json_t *r, const json_t *slot, int64_t now)
{
	const struct tracking_visit_type *t = tracking_visit_type(sget(r, "type"));
	const char *due = sget(r, "due_before");

	if (iget(slot, "starts_ms") <= now)
		return "Ce créneau est déjà passé.";
	if (t && strcmp(t->who, "medecin") == 0 && strcmp(sget(slot, "role"), "medecin") != 0)
		return "Cette visite est réservée au médecin du travail.";
	if (!slot_allows(slot, sget(r, "type")))
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
	int64_t company, after, rid = query_id(req, "request_id");
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
	json_t *r = db ? request_load(db, rid, &err) : NULL;
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
		slot_view(s);
		if (items && slot_allows(s, sget(r, "type")))
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
	int rc = booking_apply(wdb, bw->req, &bw->bk, planner(bw->req) ? "service" : "employeur",
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
	bw.bk.request = request_param(req, "id", true);
	if (bw.bk.request == NULL)
		return 0;
	if (tracking_convocation_refused(req, iget(bw.bk.request, "company_id"))) {
		booking_clear(&bw.bk);
		return 0;
	}
	if (strcmp(sget(bw.bk.request, "status"), "queued") != 0) {
		booking_clear(&bw.bk);
		return socle_reply_error(req, 409, "conflict", "Cette demande n'est plus en attente.");
	}
	socle_db *db = socle_req_reader(req, &err);
	bw.bk.slot = db ? slot_load(db, iget(body, "slot_id"), &err) : NULL;
	if (bw.bk.slot == NULL) {
		booking_clear(&bw.bk);
		if (err.code != SOCLE_E_NOTFOUND)
			return reply_fail(req, &err);
		socle_field_error(&errors, "slot_id", "Créneau introuvable.");
		return socle_reply_invalid(req, errors);
	}
	slot_view_ms(bw.bk.slot, true);
	bw.bk.offered_only = !planner(req);
	const char *misfit = slot_misfit(bw.bk.request, bw.bk.slot, socle_now_ms());
	const char *st = sget(bw.bk.slot, "status");
	if (misfit == NULL && strcmp(st, "offered") != 0 &&
	    (bw.bk.offered_only || strcmp(st, "free") != 0))
		misfit = bw.bk.offered_only ? "Ce créneau n'est pas proposé au choix des entreprises."
		                            : "Ce créneau n'est plus disponible.";
	if (misfit != NULL) {
		booking_clear(&bw.bk);
		socle_field_error(&errors, "slot_id", "%s", misfit);
		return socle_reply_invalid(req, errors);
	}
	if (socle_service_write(socle_req_service(req), book_txn, &bw, &err) != 0) {
		booking_clear(&bw.bk);
		if (err.code == SOCLE_E_CONFLICT)
			return socle_reply_error(req, 409, "conflict", err.msg);
		return socle_reply_err(req, &err);
	}
	int64_t rid = iget(bw.bk.request, "id");
	booking_clear(&bw.bk);
	json_t *r = request_load(db, rid, &err);
	return r ? socle_reply_json(req, 200, request_for(req, r)) : reply_fail(req, &err);
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

	json_t *cur = request_load(wdb, rid, &e2);
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
	                         "rescheduled", again, "by", user_of(vw->req)),
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

/* The cancellation notices of a scheduled visit (same recipients as the
 * convocation: notice_recipients). */
static json_t *cancel_mails(socle_service *svc, socle_db *db, const json_t *r, const json_t *slot,
                            socle_err *err)
{
	const struct tracking_visit_type *t = tracking_visit_type(sget(r, "type"));
	char when[96], subject[300], *text = NULL;
	json_t *to = notice_recipients(db, r, err);
	if (to == NULL)
		return NULL;
	french_when(sget(slot, "starts_at"), when, sizeof(when));
	snprintf(subject, sizeof(subject), "Annulation : %s, %s", t ? t->label : "visite", when);
	if (asprintf(&text, "Bonjour,\n\n%s vous informe que la visite « %s » prévue le %s est "
	             "annulée.\nUne nouvelle convocation vous sera adressée si la visite est "
	             "reprogrammée.\n\nRéférence de la demande : %" PRId64 "\n",
	             socle_service_name(svc), t ? t->label : "", when, iget(r, "id")) < 0) {
		json_decref(to);
		NOMEM(err);
		return NULL;
	}
	json_t *out = json_array();
	size_t i;
	const json_t *e;
	json_array_foreach(to, i, e)
		json_array_append_new(out, json_pack("{s:O, s:s, s:s}", "to", json_object_get(e, "email"),
		                                     "subject", subject, "text", text));
	free(text);
	json_decref(to);
	return out;
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
	vw.request = request_param(req, "request_id", true);
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
		vw.slot = slot_load(db, iget(vw.request, "slot_id"), &err);
		if (vw.slot == NULL) {
			json_decref(vw.request);
			return reply_fail(req, &err);
		}
		int64_t limit = iget(vw.slot, "starts_ms") - cutoff_hours(svc) * 3600000;
		if (!planner(req) && socle_now_ms() >= limit) {
			char msg[512], contact[300];

			service_contact(svc, contact, sizeof(contact));
			snprintf(msg, sizeof(msg), "La visite a lieu dans moins de %" PRId64 " heures : "
			         "elle ne peut plus être annulée en ligne ; %s.", cutoff_hours(svc),
			         contact);
			json_decref(vw.request);
			json_decref(vw.slot);
			return socle_reply_error(req, 409, "cutoff_passed", msg);
		}
		vw.mails = cancel_mails(svc, db, vw.request, vw.slot, &err);
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
	json_t *r = request_load(db, rid, &err);
	return r ? socle_reply_json(req, 200, request_for(req, r)) : reply_fail(req, &err);
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
	                         user_of(vw->req)),
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
	vw.request = request_param(req, "request_id", true);
	if (vw.request == NULL)
		return 0;
	if (strcmp(sget(vw.request, "status"), "scheduled") != 0) {
		json_decref(vw.request);
		return socle_reply_error(req, 409, "conflict",
		                         "Seule une visite programmée peut être déclarée manquée.");
	}
	socle_db *db = socle_req_reader(req, &err);
	vw.slot = db ? slot_load(db, iget(vw.request, "slot_id"), &err) : NULL;
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
	json_t *r = request_load(db, rid, &err);
	return r ? socle_reply_json(req, 200, request_for(req, r)) : reply_fail(req, &err);
}

/* ---- registration ------------------------------------------------------------------------------ */

static const struct socle_route planning_routes[] = {
	{SOCLE_POST, "/tracking/professionals", "tracking.planning", 4096, professional_put, NULL},
	{SOCLE_GET, "/tracking/professionals", "tracking.planning", 0, professional_list, NULL},
	{SOCLE_POST, "/tracking/slots", "tracking.planning", 8192, slots_create, NULL},
	{SOCLE_GET, "/tracking/slots", "tracking.planning", 0, slots_list, NULL},
	{SOCLE_POST, "/tracking/visit-requests", "tracking.request", 8192, request_create, NULL},
	{SOCLE_GET, "/tracking/visit-requests/{id}", "tracking.request", 0, request_get, NULL},
	{SOCLE_POST, "/tracking/visit-requests/{id}/book", "tracking.request", 1024, request_book,
	 NULL},
	{SOCLE_GET, "/tracking/companies/{id}/visits-to-plan", "tracking.request", 0,
	 visits_to_plan, NULL},
	{SOCLE_GET, "/tracking/companies/{id}/slots-offered", "tracking.request", 0, slots_offered,
	 NULL},
	{SOCLE_POST, "/tracking/assignments/run", "tracking.planning", 1024, assignments_run, NULL},
	{SOCLE_GET, "/tracking/assignments/unplaced", "tracking.planning", 0, assignments_unplaced,
	 NULL},
	{SOCLE_POST, "/tracking/visits/{request_id}/cancel", "tracking.request", 2048, visit_cancel,
	 NULL},
	{SOCLE_POST, "/tracking/visits/{request_id}/no-show", "tracking.planning", 1024,
	 visit_noshow, NULL},
};

int tracking_planning_init(socle_plugin *p, socle_err *err)
{
	int rc;

	/* Planning: the service's administration, assistants and health professionals. */
	if ((rc = socle_plugin_add_capability(p, "tracking.planning",
	                                      SOCLE_ROLE_BIT(SOCLE_ROLE_SERVICE_ADMIN) |
	                                              SOCLE_ROLE_BIT(SOCLE_ROLE_ASSISTANT_MEDICAL) |
	                                              SOCLE_ROLES_HEALTH,
	                                      err)) ||
	    /* Requests: the same, employer users and workers; which company or
	     * worker is checked per request. */
	    (rc = socle_plugin_add_capability(p, "tracking.request",
	                                      SOCLE_ROLE_BIT(SOCLE_ROLE_SERVICE_ADMIN) |
	                                              SOCLE_ROLE_BIT(SOCLE_ROLE_ASSISTANT_MEDICAL) |
	                                              SOCLE_ROLES_HEALTH |
	                                              SOCLE_ROLE_BIT(SOCLE_ROLE_EMPLOYER) |
	                                              SOCLE_ROLE_BIT(SOCLE_ROLE_EMPLOYEE),
	                                      err)) ||
	    (rc = socle_plugin_add_routes(p, planning_routes, SOCLE_COUNT(planning_routes), err)) ||
	    (rc = socle_plugin_add_rule_point(p, &priority_rule, err)) ||
	    (rc = socle_plugin_add_rule_point(p, &assign_rule, err)) ||
	    (rc = socle_plugin_add_rule_point(p, &convocation_rule, err)) ||
	    (rc = socle_plugin_add_job(p, "tracking.convocation", convocation_job, NULL, err)) ||
	    (rc = socle_plugin_add_job(p, "tracking.reminder", reminder_job, NULL, err)))
		return rc;
	return 0;
}
