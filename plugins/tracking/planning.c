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
 * The files (planning.h is what they share):
 *   planning.c    this schema, the rows of slots and requests as replies and
 *                 rules see them, the capabilities, the registration (who is
 *                 told of a visit, who reads a request's reason: secrecy.c)
 *   agenda.c      the health professionals and their slots (wall-clock times)
 *   requests.c    creating a request (visit_request_allowed, the engine's
 *                 deadline, visit_priority), reading one, a company's queue
 *   assignment.c  the automatic assignment (assign_slot) and the unplaced queue
 *   booking.c     booking a slot (the employer's choice among offered slots, or
 *                 staff), cancellation and no-show
 *   convocation.c convocation_text, the convocation and reminder jobs, the
 *                 cancellation mails
 *
 * Other owners' data: the worker, its company's name and contact address come
 * through membership.v1 (roster.c: tracking_worker_card), the names in the
 * queue listings from tracking's own copy tracking_worker, and the worker's own
 * accounts through the core's socle_users_list. No SQL here names another
 * owner's table. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "planning.h"

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

/* ---- settings --------------------------------------------------------------------------- */

int64_t tracking_cutoff_hours(socle_service *svc)
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

/* ---- rule point contracts ---------------------------------------------------------------- */

int tracking_check_reason(const json_t *r, socle_err *err)
{
	const json_t *v = json_object_get(r, "reason");

	if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 2000)
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "reason doit être un texte non vide (2000 octets au plus)");
	return 0;
}

/* ---- small helpers ------------------------------------------------------------------------ */

json_t *tracking_user_of(socle_req *req)
{
	const socle_principal *who = req ? socle_req_principal(req) : NULL;

	return who ? json_integer(socle_principal_user_id(who)) : json_null();
}

/* A positive integer query argument (0 when absent), or -1 when malformed. */
int64_t tracking_query_id(socle_req *req, const char *name)
{
	const char *s = socle_req_query(req, name);
	char *end = NULL;

	if (s == NULL)
		return 0;
	long long v = strtoll(s, &end, 10);
	return *s >= '1' && *s <= '9' && *end == '\0' && v > 0 ? (int64_t)v : -1;
}

/* ---- rows ------------------------------------------------------------------------------------ */

/* A slot row for replies and rules: visit_types as an array, offered as a
 * boolean, the internal instant removed. */
json_t *tracking_slot_view_ms(json_t *row, bool keep_ms)
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

json_t *tracking_slot_view(json_t *row)
{
	return tracking_slot_view_ms(row, false);
}

bool tracking_slot_allows(const json_t *slot, const char *type)
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

json_t *tracking_slot_load(socle_db *db, int64_t id, socle_err *err)
{
	json_t *r = socle_db_query_one_new(db, "SELECT " SLOT_COLUMNS " FROM tracking_slot WHERE id = :id",
	                  json_pack("{s:I}", "id", (json_int_t)id), err);

	if (r == NULL && err->code == SOCLE_E_NOTFOUND)
		socle_err_set(err, SOCLE_E_NOTFOUND, "Créneau introuvable.");
	return r;
}

json_t *tracking_request_load(socle_db *db, int64_t id, socle_err *err)
{
	json_t *r = socle_db_query_one_new(db, "SELECT " REQUEST_COLUMNS " FROM tracking_visit_request WHERE id = :id",
	                  json_pack("{s:I}", "id", (json_int_t)id), err);

	if (r == NULL && err->code == SOCLE_E_NOTFOUND)
		socle_err_set(err, SOCLE_E_NOTFOUND, "Demande de visite introuvable.");
	return r;
}

/* What the rules see of a request. */
json_t *tracking_request_rule_view(const json_t *r)
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

/* ---- registration ------------------------------------------------------------------------------ */

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
	    /* The rule points in their former order: visit_priority (requests.c),
	     * assign_slot (assignment.c), convocation_text (convocation.c). */
	    (rc = tracking_agenda_init(p, err)) || (rc = tracking_requests_init(p, err)) ||
	    (rc = tracking_booking_init(p, err)) || (rc = tracking_assignment_init(p, err)) ||
	    (rc = tracking_convocation_init(p, err)) || (rc = tracking_sms_init(p, err)))
		return rc;
	return 0;
}
