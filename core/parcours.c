/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The parcours engine. A definition is data declared in Lua
 * (socle.parcours{...}): an id, a version, the subject it follows ("company":
 * the payload key "company_id" names the instance), the event that starts it,
 * the events that close it, and ordered steps, each with the role that acts,
 * a due delay and the event that moves the instance into it.
 *
 * Instances store a snapshot of the definition they started with, so that a
 * service editing its pathway never rewrites running instances: they finish
 * on the version they began. Each event is applied in one write transaction
 * (starts, step moves, closes, and a history row per transition). Moves only
 * go forward, and a start is skipped while an open instance exists, so an
 * event delivered twice changes nothing the second time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua_host.h"
#include "parcours.h"

#define DAY_MS 86400000LL
#define STEPS_MAX 100
#define INSTANCES_PER_EVENT 1000
#define HISTORY_MAX 1000

const struct socle_migration parcours_migrations[] = {
	{1, "CREATE TABLE core_parcours_instance (\n"
	    "  id INTEGER PRIMARY KEY,\n"
	    "  parcours TEXT NOT NULL,\n"
	    "  version INTEGER NOT NULL,\n"
	    "  definition TEXT NOT NULL,\n"
	    "  subject TEXT NOT NULL,\n"
	    "  subject_id TEXT NOT NULL,\n"
	    "  status TEXT NOT NULL CHECK (status IN ('open', 'closed')),\n"
	    "  current_step TEXT,\n"
	    "  step_entered_at BIGINT,\n"
	    "  step_due_at BIGINT,\n"
	    "  started_at BIGINT NOT NULL,\n"
	    "  closed_at BIGINT,\n"
	    "  updated_at BIGINT NOT NULL\n"
	    ");\n"
	    "CREATE INDEX core_parcours_instance_subject\n"
	    "  ON core_parcours_instance (subject, subject_id, status);\n"
	    "CREATE INDEX core_parcours_instance_parcours\n"
	    "  ON core_parcours_instance (parcours, status);\n"
	    "CREATE TABLE core_parcours_history (\n"
	    "  id INTEGER PRIMARY KEY,\n"
	    "  instance_id INTEGER NOT NULL REFERENCES core_parcours_instance (id),\n"
	    "  at BIGINT NOT NULL,\n"
	    "  event TEXT NOT NULL,\n"
	    "  from_step TEXT,\n"
	    "  to_step TEXT\n"
	    ");\n"
	    "CREATE INDEX core_parcours_history_instance ON core_parcours_history (instance_id, id);\n"},
};
const size_t parcours_migrations_count = SOCLE_COUNT(parcours_migrations);

/* ---- validation ---------------------------------------------------------- */

static bool ident_ok(const char *s)
{
	if (s == NULL || !(s[0] >= 'a' && s[0] <= 'z') || strlen(s) > 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

static bool event_ok(const json_t *v)
{
	const char *s = json_string_value(v);

	if (s == NULL || s[0] == '\0' || strlen(s) > 100)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '.'))
			return false;
	return true;
}

static bool text_ok(const json_t *v)
{
	const char *s = json_string_value(v);

	return s != NULL && s[0] != '\0' && strlen(s) <= 200;
}

static int bad(char *msg, size_t size, const char *fmt, const char *a, const char *b)
{
	snprintf(msg, size, fmt, a ? a : "", b ? b : "");
	return -1;
}

static int check_keys(const json_t *obj, const char *const *keys, const char *what, char *msg,
                      size_t size)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)obj, k, v) {
		bool known = false;

		for (const char *const *p = keys; *p; p++)
			known = known || strcmp(*p, k) == 0;
		if (!known)
			return bad(msg, size, "%s : champ inconnu « %s »", what, k);
	}
	return 0;
}

int parcours_validate(json_t *def, char *msg, size_t size)
{
	static const char *const keys[] = {"id", "version", "title", "description", "subject",
	                                   "start_on", "close_on", "steps", NULL};
	static const char *const step_keys[] = {"id", "title", "role", "due_days", "on", NULL};

	if (!json_is_object(def))
		return bad(msg, size, "une table de définition est attendue%s%s", NULL, NULL);
	const char *id = json_string_value(json_object_get(def, "id"));

	if (!ident_ok(id))
		return bad(msg, size, "id doit être un identifiant ([a-z][a-z0-9_]*)%s%s", NULL, NULL);
	char what[100];

	snprintf(what, sizeof(what), "parcours « %s »", id);
	if (check_keys(def, keys, what, msg, size) != 0)
		return -1;
	json_t *version = json_object_get(def, "version");

	if (!json_is_integer(version) || json_integer_value(version) < 1)
		return bad(msg, size, "%s : version doit être un entier positif%s", what, NULL);
	if (!text_ok(json_object_get(def, "title")))
		return bad(msg, size, "%s : title (texte) manquant%s", what, NULL);
	json_t *desc = json_object_get(def, "description");

	if (desc != NULL && !json_is_string(desc))
		return bad(msg, size, "%s : description doit être un texte%s", what, NULL);
	if (!ident_ok(json_string_value(json_object_get(def, "subject"))))
		return bad(msg, size, "%s : subject doit être un identifiant (par exemple \"company\")%s",
		           what, NULL);
	if (!event_ok(json_object_get(def, "start_on")))
		return bad(msg, size, "%s : start_on doit être un nom d'événement%s", what, NULL);
	json_t *close_on = json_object_get(def, "close_on");

	if (close_on == NULL) {
		json_object_set_new(def, "close_on", json_array());
	} else if (json_is_string(close_on)) {
		json_t *a = json_array();

		json_array_append(a, close_on);
		json_object_set_new(def, "close_on", a);
	} else if (json_is_object(close_on) && json_object_size(close_on) == 0) {
		json_object_set_new(def, "close_on", json_array()); /* an empty Lua table */
	} else if (!json_is_array(close_on)) {
		return bad(msg, size, "%s : close_on doit être une liste d'événements%s", what, NULL);
	}
	close_on = json_object_get(def, "close_on");
	for (size_t i = 0; i < json_array_size(close_on); i++)
		if (!event_ok(json_array_get(close_on, i)))
			return bad(msg, size, "%s : close_on doit être une liste d'événements%s", what, NULL);
	json_t *steps = json_object_get(def, "steps");
	size_t n = json_array_size(steps);

	if (!json_is_array(steps) || n == 0 || n > STEPS_MAX)
		return bad(msg, size, "%s : steps doit être une liste de 1 à 100 étapes%s", what, NULL);
	for (size_t i = 0; i < n; i++) {
		json_t *st = json_array_get(steps, i);
		const char *sid = json_string_value(json_object_get(st, "id"));
		char swhat[200];

		if (!json_is_object(st) || !ident_ok(sid)) {
			snprintf(swhat, sizeof(swhat), "%zu", i + 1);
			return bad(msg, size, "%s : l'étape %s doit avoir un id identifiant", what, swhat);
		}
		snprintf(swhat, sizeof(swhat), "%s, étape « %s »", what, sid);
		if (check_keys(st, step_keys, swhat, msg, size) != 0)
			return -1;
		for (size_t j = 0; j < i; j++)
			if (strcmp(sid, json_string_value(json_object_get(json_array_get(steps, j), "id"))) == 0)
				return bad(msg, size, "%s : id en double%s", swhat, NULL);
		if (!text_ok(json_object_get(st, "title")))
			return bad(msg, size, "%s : title (texte) manquant%s", swhat, NULL);
		const char *role = json_string_value(json_object_get(st, "role"));

		if (role == NULL || socle_role_parse(role) == 0)
			return bad(msg, size, "%s : rôle inconnu « %s »", swhat, role ? role : "(absent)");
		json_t *due = json_object_get(st, "due_days");

		if (due != NULL && (!json_is_integer(due) || json_integer_value(due) < 0 ||
		                    json_integer_value(due) > 3650))
			return bad(msg, size, "%s : due_days doit être un entier de 0 à 3650%s", swhat, NULL);
		json_t *on = json_object_get(st, "on");

		if (on != NULL && !event_ok(on))
			return bad(msg, size, "%s : on doit être un nom d'événement%s", swhat, NULL);
		if (on == NULL && i > 0)
			return bad(msg, size, "%s : on (l'événement qui y mène) est requis après la "
			           "première étape%s", swhat, NULL);
	}
	return 0;
}

/* ---- engine ------------------------------------------------------------ */

struct pev {
	socle_service *svc;
	const char *event;
	const json_t *payload;
	int64_t now;
	json_t *started; /* ids of instances started by this event */
};

/* The subject id of @p v as text (ids are integers or strings). */
static bool subject_text(const json_t *v, char *out, size_t size)
{
	if (json_is_integer(v)) {
		snprintf(out, size, "%lld", (long long)json_integer_value(v));
		return true;
	}
	if (json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) < size) {
		snprintf(out, size, "%s", json_string_value(v));
		return true;
	}
	return false;
}

static bool list_has(const json_t *arr, const char *s)
{
	for (size_t i = 0; i < json_array_size(arr); i++)
		if (strcmp(json_string_value(json_array_get(arr, i)), s) == 0)
			return true;
	return false;
}

static json_t *due_at(const json_t *step, int64_t now)
{
	json_t *d = json_object_get(step, "due_days");

	return json_is_integer(d) ? json_integer(now + json_integer_value(d) * DAY_MS) : json_null();
}

static int add_history(socle_db *db, int64_t instance, int64_t at, const char *event,
                       const char *from, const char *to, socle_err *err)
{
	json_t *p = json_pack("{sI sI ss so so}", "instance_id", (json_int_t)instance, "at",
	                      (json_int_t)at, "event", event,
	                      "from_step", from ? json_string(from) : json_null(),
	                      "to_step", to ? json_string(to) : json_null());
	if (p == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	int rc = socle_db_run(db,
	                      "INSERT INTO core_parcours_history (instance_id, at, event, from_step, "
	                      "to_step) VALUES (:instance_id, :at, :event, :from_step, :to_step)",
	                      p, err);

	json_decref(p);
	return rc < 0 ? rc : 0;
}

static int start_one(socle_db *db, struct pev *ev, const json_t *def, const char *sid,
                     socle_err *err)
{
	const char *pid = json_string_value(json_object_get(def, "id"));
	json_t *q = json_pack("{ss ss}", "parcours", pid, "subject_id", sid);
	json_t *rows = q ? socle_db_query(db,
	                                  "SELECT id FROM core_parcours_instance WHERE parcours = "
	                                  ":parcours AND subject_id = :subject_id AND status = 'open' "
	                                  "LIMIT 1", q, err) : NULL;

	json_decref(q);
	if (rows == NULL)
		return err && err->code ? err->code : SOCLE_E_NOMEM;
	size_t open = json_array_size(rows);

	json_decref(rows);
	if (open > 0)
		return 0; /* already running: a repeated delivery, or a restart while open */
	const json_t *first = json_array_get(json_object_get(def, "steps"), 0);
	const char *step = json_string_value(json_object_get(first, "id"));
	char *snapshot = json_dumps(def, JSON_COMPACT | JSON_SORT_KEYS);
	json_t *p = snapshot ? json_pack("{ss sI ss ss ss ss sI so sI sI}", "parcours", pid,
	                                 "version", json_integer_value(json_object_get(def, "version")),
	                                 "definition", snapshot,
	                                 "subject", json_string_value(json_object_get(def, "subject")),
	                                 "subject_id", sid, "step", step, "now", (json_int_t)ev->now,
	                                 "due", due_at(first, ev->now), "started", (json_int_t)ev->now,
	                                 "updated", (json_int_t)ev->now)
	                     : NULL;

	free(snapshot);
	if (p == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	int rc = socle_db_run(db,
	                      "INSERT INTO core_parcours_instance (parcours, version, definition, "
	                      "subject, subject_id, status, current_step, step_entered_at, step_due_at, "
	                      "started_at, closed_at, updated_at) VALUES (:parcours, :version, "
	                      ":definition, :subject, :subject_id, 'open', :step, :now, :due, :started, "
	                      "NULL, :updated)", p, err);

	json_decref(p);
	if (rc < 0)
		return rc;
	int64_t id = socle_db_last_insert_id(db);

	json_array_append_new(ev->started, json_integer(id));
	return add_history(db, id, ev->now, ev->event, NULL, step, err);
}

static bool was_started(const struct pev *ev, int64_t id)
{
	for (size_t i = 0; i < json_array_size(ev->started); i++)
		if (json_integer_value(json_array_get(ev->started, i)) == id)
			return true;
	return false;
}

/* Move or close one open instance for the event. */
static int advance_one(socle_db *db, struct pev *ev, const json_t *row, socle_err *err)
{
	int64_t id = json_integer_value(json_object_get(row, "id"));
	const char *cur = json_string_value(json_object_get(row, "current_step"));
	json_t *def = json_loads(json_string_value(json_object_get(row, "definition")), 0, NULL);
	int rc = 0;

	if (def == NULL || was_started(ev, id)) {
		json_decref(def);
		return 0;
	}
	if (list_has(json_object_get(def, "close_on"), ev->event)) {
		json_t *p = json_pack("{sI sI}", "id", (json_int_t)id, "now", (json_int_t)ev->now);

		rc = p ? socle_db_run(db, "UPDATE core_parcours_instance SET status = 'closed', "
		                          "closed_at = :now, step_due_at = NULL, updated_at = :now "
		                          "WHERE id = :id", p, err)
		       : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
		json_decref(p);
		if (rc >= 0)
			rc = add_history(db, id, ev->now, ev->event, cur, NULL, err);
		json_decref(def);
		return rc < 0 ? rc : 0;
	}
	const json_t *steps = json_object_get(def, "steps");
	ptrdiff_t ci = -1, ti = -1;

	for (size_t i = 0; i < json_array_size(steps); i++) {
		const json_t *st = json_array_get(steps, i);
		const char *on = json_string_value(json_object_get(st, "on"));

		if (cur && strcmp(json_string_value(json_object_get(st, "id")), cur) == 0)
			ci = (ptrdiff_t)i;
		if (on && strcmp(on, ev->event) == 0 && ti < 0 && (ptrdiff_t)i > ci)
			ti = (ptrdiff_t)i;
	}
	/* Forward moves only: a repeated or late event never moves an instance back. */
	if (ti > ci) {
		const json_t *st = json_array_get(steps, (size_t)ti);
		const char *to = json_string_value(json_object_get(st, "id"));
		json_t *p = json_pack("{sI ss sI so}", "id", (json_int_t)id, "step", to, "now",
		                      (json_int_t)ev->now, "due", due_at(st, ev->now));

		rc = p ? socle_db_run(db, "UPDATE core_parcours_instance SET current_step = :step, "
		                          "step_entered_at = :now, step_due_at = :due, updated_at = :now "
		                          "WHERE id = :id", p, err)
		       : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
		json_decref(p);
		if (rc >= 0)
			rc = add_history(db, id, ev->now, ev->event, cur, to, err);
	}
	json_decref(def);
	return rc < 0 ? rc : 0;
}

static int pev_write(socle_db *db, void *ud, socle_err *err)
{
	struct pev *ev = ud;
	const json_t *defs = ev->svc->lua->parcours;
	char sid[128];
	int rc;

	for (size_t i = 0; i < json_array_size(defs); i++) {
		const json_t *def = json_array_get(defs, i);
		char key[100];

		if (strcmp(json_string_value(json_object_get(def, "start_on")), ev->event) != 0)
			continue;
		snprintf(key, sizeof(key), "%s_id", json_string_value(json_object_get(def, "subject")));
		if (!subject_text(json_object_get(ev->payload, key), sid, sizeof(sid)))
			continue;
		if ((rc = start_one(db, ev, def, sid, err)) != 0)
			return rc;
	}
	/* Every "<subject>_id" of the payload may name running instances, also of
	 * definitions the service has since removed. */
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)ev->payload, k, v) {
		size_t kl = strlen(k);

		if (kl < 4 || kl > 90 || strcmp(k + kl - 3, "_id") != 0 ||
		    !subject_text(v, sid, sizeof(sid)))
			continue;
		char subject[100];

		snprintf(subject, sizeof(subject), "%.*s", (int)(kl - 3), k);
		json_t *q = json_pack("{ss ss sI}", "subject", subject, "subject_id", sid, "limit",
		                      (json_int_t)INSTANCES_PER_EVENT);
		json_t *rows = q ? socle_db_query(db, "SELECT id, current_step, definition FROM "
		                                      "core_parcours_instance WHERE subject = :subject AND "
		                                      "subject_id = :subject_id AND status = 'open' "
		                                      "ORDER BY id LIMIT :limit", q, err) : NULL;

		json_decref(q);
		if (rows == NULL)
			return err && err->code ? err->code : SOCLE_E_NOMEM;
		for (size_t i = 0; i < json_array_size(rows); i++)
			if ((rc = advance_one(db, ev, json_array_get(rows, i), err)) != 0) {
				json_decref(rows);
				return rc;
			}
		json_decref(rows);
	}
	return 0;
}

static bool concerns_parcours(socle_service *svc, const char *event, const json_t *payload)
{
	/* Cheap filter before opening a write transaction: some "_id" in the payload. */
	const char *k;
	json_t *v;

	(void)svc;
	(void)event;
	json_object_foreach((json_t *)payload, k, v) {
		size_t kl = strlen(k);

		if (kl >= 4 && strcmp(k + kl - 3, "_id") == 0)
			return true;
	}
	return false;
}

int parcours_on_event(socle_service *svc, const char *event, const json_t *payload,
                      socle_err *err)
{
	if (svc == NULL || svc->lua == NULL || event == NULL || !json_is_object(payload) ||
	    !concerns_parcours(svc, event, payload))
		return 0;
	struct pev ev = {.svc = svc, .event = event, .payload = payload, .now = socle_now_ms(),
	                 .started = json_array()};

	if (ev.started == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	int rc = socle_service_write(svc, pev_write, &ev, err);

	json_decref(ev.started);
	return rc;
}

/* ---- staff routes --------------------------------------------------------- */

static int route_definitions(socle_req *req, void *ud)
{
	socle_service *svc = socle_req_service(req);
	json_t *items = svc->lua && svc->lua->parcours ? json_deep_copy(svc->lua->parcours)
	                                                : json_array();

	(void)ud;
	if (items == NULL)
		return SOCLE_E_NOMEM;
	return socle_reply_json(req, 200, json_pack("{so}", "items", items));
}

static json_t *opt_text(socle_req *req, const char *name)
{
	const char *v = socle_req_query(req, name);

	return v && v[0] ? json_string(v) : json_null();
}

static int route_instances(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int limit;
	int64_t after;

	(void)ud;
	if (socle_req_page(req, &limit, &after, &err) != 0)
		return socle_reply_err(req, &err);
	const char *status = socle_req_query(req, "status");

	if (status && status[0] && strcmp(status, "open") != 0 && strcmp(status, "closed") != 0)
		return socle_reply_error(req, 400, "invalid_argument",
		                         "status doit valoir « open » ou « closed »");
	socle_db *db = socle_req_reader(req, &err);

	if (db == NULL)
		return socle_reply_err(req, &err);
	json_t *p = json_pack("{sI sI so so so}", "after", (json_int_t)after, "limit",
	                      (json_int_t)limit, "parcours", opt_text(req, "parcours"), "subject_id",
	                      opt_text(req, "subject_id"), "status", opt_text(req, "status"));
	json_t *rows = p ? socle_db_query(db,
	                                  "SELECT id, parcours, version, subject, subject_id, status, "
	                                  "current_step, step_entered_at, step_due_at, started_at, "
	                                  "closed_at, updated_at FROM core_parcours_instance "
	                                  "WHERE id > :after "
	                                  "AND (:parcours IS NULL OR parcours = :parcours) "
	                                  "AND (:subject_id IS NULL OR subject_id = :subject_id) "
	                                  "AND (:status IS NULL OR status = :status) "
	                                  "ORDER BY id LIMIT :limit", p, &err) : NULL;

	json_decref(p);
	if (rows == NULL)
		return err.code ? socle_reply_err(req, &err) : SOCLE_E_NOMEM;
	return socle_reply_page(req, rows, limit, "id");
}

static int route_instance(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t id;

	(void)ud;
	if (socle_req_param_id(req, "id", &id) != 0)
		return socle_reply_error(req, 404, "not_found", "parcours introuvable");
	socle_db *db = socle_req_reader(req, &err);

	if (db == NULL)
		return socle_reply_err(req, &err);
	json_t *p = json_pack("{sI sI}", "id", (json_int_t)id, "limit", (json_int_t)HISTORY_MAX);

	if (p == NULL)
		return SOCLE_E_NOMEM;
	json_t *inst = socle_db_query_one(db, "SELECT * FROM core_parcours_instance WHERE id = :id",
	                                  p, &err);

	if (inst == NULL) {
		json_decref(p);
		if (err.code == SOCLE_E_NOTFOUND)
			return socle_reply_error(req, 404, "not_found", "parcours introuvable");
		return socle_reply_err(req, &err);
	}
	json_t *hist = socle_db_query(db, "SELECT id, at, event, from_step, to_step FROM "
	                                  "core_parcours_history WHERE instance_id = :id "
	                                  "ORDER BY id LIMIT :limit", p, &err);

	json_decref(p);
	if (hist == NULL) {
		json_decref(inst);
		return socle_reply_err(req, &err);
	}
	json_t *def = json_loads(json_string_value(json_object_get(inst, "definition")), 0, NULL);

	json_object_set_new(inst, "definition", def ? def : json_null());
	json_object_set_new(inst, "history", hist);
	return socle_reply_json(req, 200, inst);
}

static const struct socle_route parcours_routes[] = {
	{.method = SOCLE_GET, .path = "/parcours", .capability = SOCLE_CAP_STAFF,
	 .handler = route_definitions},
	{.method = SOCLE_GET, .path = "/parcours/instances", .capability = SOCLE_CAP_STAFF,
	 .handler = route_instances},
	{.method = SOCLE_GET, .path = "/parcours/instances/{id}", .capability = SOCLE_CAP_STAFF,
	 .handler = route_instance},
};

int parcours_register_core(socle_core *core, socle_err *err)
{
	for (size_t i = 0; i < SOCLE_COUNT(parcours_routes); i++) {
		struct reg_route rec = {.owner = NULL, .route = &parcours_routes[i]};

		if (registry_add_route(&core->reg, &rec) != 0)
			return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	}
	return 0;
}
