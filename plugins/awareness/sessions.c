/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Sessions of a workshop or a webinar, and who comes (seed 3.4.1.2, ateliers
 * collectifs). A company registers its named workers or one of its own people
 * (espace adhérent); staff register anyone. Past the capacity a registration
 * waits; a cancellation of a confirmed place gives it to the first in line,
 * who is then convoked. Convocations leave by mail with the registration; the
 * reminder is a job due some days before the session, which mails only if the
 * place still holds then (a cancelled place is never reminded). */
#include "awareness.h"

static const char *const session_columns_sql =
	"SELECT s.id, s.action_id, a.title, a.kind, a.format, a.has_quiz = 1 AS has_quiz,"
	" s.starts_at, s.duration_min, s.place, s.link, s.capacity, s.speaker, s.status, s.held_on,"
	" (SELECT count(*) FROM awareness_registration r WHERE r.session_id = s.id"
	"   AND r.status = 'confirmed') AS confirmed,"
	" (SELECT count(*) FROM awareness_registration r WHERE r.session_id = s.id"
	"   AND r.status = 'waiting') AS waiting"
	" FROM awareness_session s JOIN awareness_action a ON a.id = s.action_id";

static void session_shape(json_t *row)
{
	json_object_set_new(row, "has_quiz",
	                    json_boolean(json_integer_value(json_object_get(row, "has_quiz"))));
}

static json_t *session_load(socle_db *db, int64_t id, socle_err *err)
{
	char sql[1024];

	snprintf(sql, sizeof(sql), "%s WHERE s.id = :id", session_columns_sql);
	json_t *row = socle_db_query_one_new(db, sql, json_pack("{s:I}", "id", (json_int_t)id), err);
	if (row)
		session_shape(row);
	return row;
}

/* Is @p s "YYYY-MM-DDTHH:MM" with a real date and time? Its epoch ms in *ms. */
static bool parse_start(const char *s, int64_t *ms)
{
	char date[SOCLE_DATE_SIZE];
	int64_t days;

	if (s == NULL || strlen(s) != 16 || s[10] != 'T' || s[13] != ':')
		return false;
	memcpy(date, s, 10);
	date[10] = '\0';
	int h = (s[11] - '0') * 10 + (s[12] - '0'), m = (s[14] - '0') * 10 + (s[15] - '0');
	for (int i = 11; i < 16; i++)
		if (i != 13 && (s[i] < '0' || s[i] > '9'))
			return false;
	if (!socle_date_parse(date, &days) || h > 23 || m > 59)
		return false;
	*ms = (days * 86400 + h * 3600 + m * 60) * 1000;
	return true;
}

static int check_start(const json_t *v, char *msg, size_t size)
{
	int64_t ms;

	if (!parse_start(json_string_value(v), &ms)) {
		snprintf(msg, size, "doit être une date et une heure AAAA-MM-JJTHH:MM");
		return -1;
	}
	return 0;
}

/* ---- mails ---------------------------------------------------------------- */

/* The reminder's days before the session (setting reminder_days, default 2). */
static int reminder_days(socle_service *svc)
{
	const json_t *v = json_object_get(socle_service_settings(svc, awareness_plugin),
	                                  "reminder_days");

	return json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 60
		       ? (int)json_integer_value(v) : 2;
}

/* The registration with its session, action and company, as mails name them. */
static json_t *registration_card(socle_db *db, int64_t id, socle_err *err)
{
	return socle_db_query_one_new(db,
		"SELECT r.id, r.session_id, r.company_id, r.worker_id, r.name, r.email, r.status,"
		" r.attended, s.action_id, s.starts_at, s.duration_min, s.place, s.link, s.status"
		" AS session_status, a.title, a.objectives FROM awareness_registration r"
		" JOIN awareness_session s ON s.id = r.session_id"
		" JOIN awareness_action a ON a.id = s.action_id WHERE r.id = :id",
		json_pack("{s:I}", "id", (json_int_t)id), err);
}

/* A confirmed place: its convocation now, its reminder job before the session. */
static int convoke(socle_db *wdb, int64_t registration, socle_err *err)
{
	json_t *card = registration_card(wdb, registration, err);
	int64_t start;
	int rc;

	if (card == NULL)
		return err->code;
	rc = awareness_mail_registration(wdb, card, "convocation", 0, err);
	if (rc == 0 && parse_start(json_string_value(json_object_get(card, "starts_at")), &start)) {
		int64_t at = awareness_local_to_utc_ms(start) -
		             (int64_t)reminder_days(socle_db_service(wdb)) * 86400000;

		if (at > socle_now_ms()) {
			json_t *p = json_pack("{s:I}", "registration_id", (json_int_t)registration);
			int64_t job = socle_job_enqueue(wdb, "awareness.reminder", p, at, 0, err);

			json_decref(p);
			rc = job < 0 ? (int)job : 0;
		}
	}
	json_decref(card);
	return rc;
}

/* The reminder's job: mails only if the place still holds on its day. */
static int reminder_write(socle_db *wdb, void *ud, socle_err *err)
{
	json_t *card = registration_card(wdb, *(int64_t *)ud, err);
	int rc = 0;

	if (card == NULL)
		return err->code == SOCLE_E_NOTFOUND ? 0 : err->code;
	if (strcmp(json_string_value(json_object_get(card, "status")), "confirmed") == 0 &&
	    strcmp(json_string_value(json_object_get(card, "session_status")), "planned") == 0)
		rc = awareness_mail_registration(wdb, card, "rappel", 0, err);
	json_decref(card);
	return rc;
}

static int job_reminder(socle_service *svc, const json_t *payload, void *ud, socle_err *err)
{
	int64_t id = json_integer_value(json_object_get(payload, "registration_id"));
	(void)ud;
	return socle_service_write(svc, reminder_write, &id, err);
}

static int emit(socle_db *wdb, const char *event, int64_t registration, socle_err *err)
{
	json_t *card = registration_card(wdb, registration, err);

	if (card == NULL)
		return err->code;
	json_t *ev = json_pack("{s:I, s:O, s:O, s:O, s:O, s:O}", "registration_id",
	                       (json_int_t)registration, "session_id", json_object_get(card, "session_id"),
	                       "action_id", json_object_get(card, "action_id"), "company_id",
	                       json_object_get(card, "company_id"), "worker_id",
	                       json_object_get(card, "worker_id") ? json_object_get(card, "worker_id")
	                                                          : json_null(),
	                       "status", json_object_get(card, "status"));
	if (strcmp(event, "awareness.registered") != 0)
		json_object_del(ev, "status");
	int rc = socle_event_emit(wdb, event, ev, err);
	json_decref(ev);
	json_decref(card);
	return rc;
}

/* ---- sessions ------------------------------------------------------------- */

static const struct socle_field session_fields[] = {
	{.name = "action_id", .type = SOCLE_F_INT, .required = true, .min = 1, .max = INT64_MAX},
	{.name = "starts_at", .type = SOCLE_F_STRING, .required = true, .min = 16, .max = 16,
	 .check = check_start},
	{.name = "duration_min", .type = SOCLE_F_INT, .min = 1, .max = 10000},
	{.name = "place", .type = SOCLE_F_STRING, .min = 1, .max = 500},
	{.name = "link", .type = SOCLE_F_STRING, .min = 1, .max = 1000},
	{.name = "capacity", .type = SOCLE_F_INT, .required = true, .min = 1, .max = 1000},
	{.name = "speaker", .type = SOCLE_F_STRING, .min = 1, .max = 200},
};

struct session_new {
	socle_req *req;
	const json_t *body;
	json_int_t duration;
	int64_t id;
};

static int session_insert(socle_db *wdb, void *ud, socle_err *err)
{
	struct session_new *s = ud;
	const json_t *b = s->body;
	int rc = socle_db_run_new(wdb,
		"INSERT INTO awareness_session (action_id, starts_at, duration_min, place, link,"
		" capacity, speaker, created_at, created_by) VALUES (:action, :starts, :duration,"
		" :place, :link, :capacity, :speaker, :now, :by)",
		json_pack("{s:O, s:O, s:I, s:O?, s:O?, s:O, s:O?, s:I, s:I}", "action",
		          json_object_get(b, "action_id"), "starts", json_object_get(b, "starts_at"),
		          "duration", s->duration, "place", json_object_get(b, "place"), "link",
		          json_object_get(b, "link"), "capacity", json_object_get(b, "capacity"),
		          "speaker", json_object_get(b, "speaker"), "now", (json_int_t)socle_now_ms(),
		          "by", (json_int_t)socle_principal_user_id(socle_req_principal(s->req))),
		err);
	if (rc < 0)
		return rc;
	s->id = socle_db_last_insert_id(wdb);
	struct socle_audit_entry e = {.action = "awareness.session.create",
	                              .object_type = "awareness_session", .object_id = s->id,
	                              .outcome = "ok"};
	return socle_audit(wdb, s->req, &e, err);
}

/* POST /awareness/sessions */
static int route_session_create(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL, *action = NULL;
	const json_t *b = socle_req_body(req);
	socle_db *db = socle_req_reader(req, &err);
	(void)ud;

	if (db == NULL)
		return socle_reply_err(req, &err);
	if (socle_fields_check(b, session_fields, SOCLE_COUNT(session_fields), NULL, &errors) == 0) {
		action = awareness_action_load(db, json_integer_value(json_object_get(b, "action_id")),
		                               &err);
		const char *kind = action ? json_string_value(json_object_get(action, "kind")) : NULL;
		const char *format = action ? json_string_value(json_object_get(action, "format")) : NULL;
		bool online = kind && (strcmp(kind, "webinaire") == 0 ||
		                       (format && strcmp(format, "distanciel") == 0));
		char now[17];

		awareness_now_minute(now);
		if (action == NULL)
			socle_field_error(&errors, "action_id", "aucune action n'a ce numéro");
		else if (strcmp(kind, "atelier") != 0 && strcmp(kind, "webinaire") != 0)
			socle_field_error(&errors, "action_id", "seuls les ateliers et les webinaires ont "
			                  "des sessions");
		else if (online && !json_object_get(b, "link"))
			socle_field_error(&errors, "link", "obligatoire pour une session à distance");
		else if (!online && !json_object_get(b, "place"))
			socle_field_error(&errors, "place", "obligatoire : le lieu de l'atelier");
		if (strcmp(json_string_value(json_object_get(b, "starts_at")), now) <= 0)
			socle_field_error(&errors, "starts_at", "doit être dans le futur");
	}
	if (errors) {
		json_decref(action);
		return socle_reply_invalid(req, errors);
	}
	const json_t *d = json_object_get(b, "duration_min");
	struct session_new s = {.req = req, .body = b,
	                        .duration = d ? json_integer_value(d)
	                                      : json_integer_value(json_object_get(action, "duration_min"))};
	json_decref(action);
	if (s.duration <= 0)
		s.duration = 60;
	if (socle_service_write(socle_req_service(req), session_insert, &s, &err) != 0)
		return socle_reply_err(req, &err);
	json_t *row = session_load(db, s.id, &err);
	return row ? socle_reply_json(req, 201, row) : socle_reply_err(req, &err);
}

/* GET /awareness/sessions?action_id=&past= : the planned sessions to come,
 * open to every member company, with their places taken and waiting; with
 * past=1 (staff only: the team records attendance), the sessions that have
 * begun, planned or held, the latest first. */
static int route_session_list(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int limit;
	int64_t after, action = 0;
	const char *a = socle_req_query(req, "action_id"), *p = socle_req_query(req, "past");
	bool past = p && strcmp(p, "1") == 0;
	char now[17], sql[1400];
	json_t *errors = NULL;
	(void)ud;

	if (socle_req_page(req, &limit, &after, &err) != 0)
		return socle_reply_err(req, &err);
	if (a && (sscanf(a, "%" SCNd64, &action) != 1 || action <= 0))
		socle_field_error(&errors, "action_id", "doit être un numéro d'action");
	if (p && !past && strcmp(p, "0") != 0)
		socle_field_error(&errors, "past", "1 pour les sessions commencées, 0 sinon");
	if (errors)
		return socle_reply_invalid(req, errors);
	if (past && !socle_principal_can(socle_req_principal(req), AWARENESS_MANAGE)) {
		socle_err_set(&err, SOCLE_E_FORBIDDEN, "Réservé à l'équipe du service.");
		return socle_reply_err(req, &err);
	}
	awareness_now_minute(now);
	if (past) /* newest first: the cursor is the id, descending */
		snprintf(sql, sizeof(sql), "%s WHERE s.status IN ('planned', 'held')"
		         " AND s.starts_at <= :now AND (:after = 0 OR s.id < :after)"
		         " AND (:action = 0 OR s.action_id = :action) ORDER BY s.id DESC LIMIT :limit",
		         session_columns_sql);
	else
		snprintf(sql, sizeof(sql), "%s WHERE s.status = 'planned' AND s.starts_at > :now"
		         " AND s.id > :after AND (:action = 0 OR s.action_id = :action)"
		         " ORDER BY s.id LIMIT :limit", session_columns_sql);
	socle_db *db = socle_req_reader(req, &err);
	json_t *rows = db ? socle_db_query_new(db, sql, json_pack("{s:s, s:I, s:I, s:i}", "now", now,
		"after", (json_int_t)after, "action", (json_int_t)action, "limit", limit), &err) : NULL;
	if (rows == NULL)
		return socle_reply_err(req, &err);
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) session_shape(row);
	return socle_reply_page(req, rows, limit, "id");
}

/* GET /awareness/sessions/{id} */
static int route_session_get(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t id;
	(void)ud;

	if (socle_req_param_id(req, "id", &id) != 0)
		return SOCLE_E_NOTFOUND;
	socle_db *db = socle_req_reader(req, &err);
	json_t *row = db ? session_load(db, id, &err) : NULL;
	return row ? socle_reply_json(req, 200, row) : socle_reply_err(req, &err);
}

#define REGISTRATION_COLUMNS                                                                  \
	"r.id, r.session_id, r.company_id, r.worker_id, r.name, r.email, r.status, r.attended,"    \
	" r.registered_at, r.cancelled_at, s.starts_at, s.action_id, a.title,"                      \
	" (SELECT count(*) FROM awareness_registration w WHERE w.session_id = r.session_id"         \
	"   AND w.status = 'waiting' AND w.id <= r.id AND r.status = 'waiting') AS waiting_rank,"   \
	" EXISTS (SELECT 1 FROM awareness_feedback f WHERE f.registration_id = r.id) AS answered"

/* GET /awareness/sessions/{id}/registrations?company_id= : staff see every
 * registration; an employer only its company's, and must name it. */
static int route_registration_list(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t id, company = 0;
	const char *c = socle_req_query(req, "company_id");
	bool staff = socle_principal_can(socle_req_principal(req), AWARENESS_MANAGE);
	(void)ud;

	if (socle_req_param_id(req, "id", &id) != 0)
		return SOCLE_E_NOTFOUND;
	if ((c && (sscanf(c, "%" SCNd64, &company) != 1 || company <= 0)) || (!staff && company == 0)) {
		json_t *errors = NULL;
		socle_field_error(&errors, "company_id", "obligatoire : le numéro de votre entreprise");
		return socle_reply_invalid(req, errors);
	}
	if (company && socle_access_company(req, company, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *rows = db ? socle_db_query_new(db, "SELECT " REGISTRATION_COLUMNS
		" FROM awareness_registration r JOIN awareness_session s ON s.id = r.session_id"
		" JOIN awareness_action a ON a.id = s.action_id WHERE r.session_id = :id"
		" AND (:company = 0 OR r.company_id = :company) ORDER BY r.id LIMIT 1000",
		json_pack("{s:I, s:I}", "id", (json_int_t)id, "company", (json_int_t)company), &err)
		: NULL;
	return rows ? socle_reply_page(req, rows, 1000, "id") : socle_reply_err(req, &err);
}

/* GET /awareness/companies/{id}/registrations: the company's registrations,
 * newest session first (espace adhérent). */
static int route_company_registrations(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company;
	int limit;
	int64_t after;
	(void)ud;

	if (socle_req_param_id(req, "id", &company) != 0)
		return SOCLE_E_NOTFOUND;
	if (socle_access_company(req, company, &err) != 0)
		return socle_reply_err(req, &err);
	if (socle_req_page(req, &limit, &after, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *rows = db ? socle_db_query_new(db, "SELECT " REGISTRATION_COLUMNS
		" FROM awareness_registration r JOIN awareness_session s ON s.id = r.session_id"
		" JOIN awareness_action a ON a.id = s.action_id WHERE r.company_id = :company"
		" AND (:after = 0 OR r.id < :after) ORDER BY r.id DESC LIMIT :limit",
		json_pack("{s:I, s:I, s:i}", "company", (json_int_t)company, "after", (json_int_t)after,
		          "limit", limit), &err) : NULL;
	return rows ? socle_reply_page(req, rows, limit, "id") : socle_reply_err(req, &err);
}

/* ---- registrations --------------------------------------------------------- */

static const struct socle_field registration_fields[] = {
	{.name = "company_id", .type = SOCLE_F_INT, .required = true, .min = 1, .max = INT64_MAX},
	{.name = "worker_id", .type = SOCLE_F_INT, .min = 1, .max = INT64_MAX},
	{.name = "name", .type = SOCLE_F_STRING, .min = 1, .max = 200},
	{.name = "email", .type = SOCLE_F_EMAIL},
};

struct registration_new {
	socle_req *req;
	int64_t session, company, worker;
	const char *name, *email;
	int64_t id;
	const char *status;
	bool duplicate, closed;
};

static int registration_insert(socle_db *wdb, void *ud, socle_err *err)
{
	struct registration_new *r = ud;
	char now[17];

	awareness_now_minute(now);
	/* The capacity and the duplicate are judged inside the write, where no
	 * other registration can slip in between. */
	json_t *s = socle_db_query_one_new(wdb,
		"SELECT s.capacity, s.status, s.starts_at, (SELECT count(*) FROM awareness_registration"
		" x WHERE x.session_id = s.id AND x.status = 'confirmed') AS confirmed,"
		" (SELECT count(*) FROM awareness_registration x WHERE x.session_id = s.id"
		"  AND x.status <> 'cancelled' AND x.worker_id = :worker) AS dup"
		" FROM awareness_session s WHERE s.id = :id",
		json_pack("{s:I, s:I}", "id", (json_int_t)r->session, "worker", (json_int_t)r->worker), err);
	if (s == NULL)
		return err->code;
	r->closed = strcmp(json_string_value(json_object_get(s, "status")), "planned") != 0 ||
	            strcmp(json_string_value(json_object_get(s, "starts_at")), now) <= 0;
	r->duplicate = r->worker && json_integer_value(json_object_get(s, "dup")) > 0;
	r->status = json_integer_value(json_object_get(s, "confirmed")) <
	            json_integer_value(json_object_get(s, "capacity")) ? "confirmed" : "waiting";
	json_decref(s);
	if (r->closed || r->duplicate)
		return SOCLE_E_CONFLICT;
	int64_t now_ms = socle_now_ms();
	int rc = socle_db_run_new(wdb,
		"INSERT INTO awareness_registration (session_id, company_id, worker_id, name, email,"
		" status, registered_at, registered_by, confirmed_at) VALUES (:session, :company,"
		" :worker, :name, :email, :status, :now, :by, :confirmed)",
		json_pack("{s:I, s:I, s:o, s:s, s:s?, s:s, s:I, s:I, s:o}", "session", (json_int_t)r->session,
		          "company", (json_int_t)r->company, "worker",
		          r->worker ? json_integer(r->worker) : json_null(), "name", r->name, "email",
		          r->email, "status", r->status, "now", (json_int_t)now_ms, "by",
		          (json_int_t)socle_principal_user_id(socle_req_principal(r->req)), "confirmed",
		          strcmp(r->status, "confirmed") == 0 ? json_integer(now_ms) : json_null()),
		err);
	if (rc < 0)
		return rc;
	r->id = socle_db_last_insert_id(wdb);
	struct socle_audit_entry e = {.action = "awareness.registration.create",
	                              .object_type = "company", .object_id = r->company,
	                              .outcome = "ok"};
	if ((rc = socle_audit(wdb, r->req, &e, err)) != 0)
		return rc;
	if (strcmp(r->status, "confirmed") == 0)
		rc = convoke(wdb, r->id, err);
	else {
		json_t *card = registration_card(wdb, r->id, err);
		rc = card ? awareness_mail_registration(wdb, card, "liste_attente", 0, err) : err->code;
		json_decref(card);
	}
	return rc ? rc : emit(wdb, "awareness.registered", r->id, err);
}

/* POST /awareness/sessions/{id}/registrations {company_id, worker_id | name, email?} */
static int route_register(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL, *worker = NULL;
	const json_t *b = socle_req_body(req);
	struct registration_new r = {.req = req};
	(void)ud;

	if (socle_req_param_id(req, "id", &r.session) != 0)
		return SOCLE_E_NOTFOUND;
	if (socle_fields_check(b, registration_fields, SOCLE_COUNT(registration_fields), NULL,
	                       &errors) > 0)
		return socle_reply_invalid(req, errors);
	r.company = json_integer_value(json_object_get(b, "company_id"));
	r.worker = json_integer_value(json_object_get(b, "worker_id"));
	if (socle_access_company(req, r.company, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	if (db == NULL)
		return socle_reply_err(req, &err);
	json_t *session = session_load(db, r.session, &err);
	if (session == NULL)
		return socle_reply_err(req, &err);
	json_decref(session);
	if (r.worker) {
		worker = awareness_membership->worker_get(db, r.worker, &err);
		if (worker == NULL && err.code != SOCLE_E_NOTFOUND)
			return socle_reply_err(req, &err);
		if (worker == NULL || json_integer_value(json_object_get(worker, "company_id")) != r.company)
			socle_field_error(&errors, "worker_id", "ce salarié n'est pas déclaré dans cette entreprise");
		else if (json_is_string(json_object_get(worker, "end_date")))
			socle_field_error(&errors, "worker_id", "ce salarié a quitté l'entreprise");
	} else {
		int known = awareness_membership->company_exists(db, r.company, &err);
		if (known < 0)
			return socle_reply_err(req, &err);
		if (known == 0)
			socle_field_error(&errors, "company_id", "aucune entreprise n'a ce numéro");
		if (!json_object_get(b, "name"))
			socle_field_error(&errors, "name", "obligatoire sans salarié désigné : la personne "
			                  "de l'entreprise qui participe");
	}
	if (errors) {
		json_decref(worker);
		return socle_reply_invalid(req, errors);
	}
	char name[512];
	if (worker)
		snprintf(name, sizeof(name), "%s %s",
		         json_string_value(json_object_get(worker, "first_name")),
		         json_string_value(json_object_get(worker, "last_name")));
	else
		snprintf(name, sizeof(name), "%s", json_string_value(json_object_get(b, "name")));
	json_decref(worker);
	r.name = name;
	r.email = json_string_value(json_object_get(b, "email"));
	int rc = socle_service_write(socle_req_service(req), registration_insert, &r, &err);
	if (rc == SOCLE_E_CONFLICT && r.duplicate)
		return socle_reply_error(req, 409, "already_exists", "Ce salarié est déjà inscrit à cette session.");
	if (rc == SOCLE_E_CONFLICT && r.closed)
		return awareness_conflict(req, "La session n'est plus ouverte aux inscriptions.");
	if (rc != 0)
		return socle_reply_err(req, &err);
	json_t *row = socle_db_query_one_new(db, "SELECT " REGISTRATION_COLUMNS
		" FROM awareness_registration r JOIN awareness_session s ON s.id = r.session_id"
		" JOIN awareness_action a ON a.id = s.action_id WHERE r.id = :id",
		json_pack("{s:I}", "id", (json_int_t)r.id), &err);
	return row ? socle_reply_json(req, 201, row) : socle_reply_err(req, &err);
}

struct cancellation {
	socle_req *req;
	int64_t id, promoted;
	bool already;
};

static int cancel_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct cancellation *c = ud;
	json_t *card = registration_card(wdb, c->id, err);

	if (card == NULL)
		return err->code;
	const char *status = json_string_value(json_object_get(card, "status"));
	bool was_confirmed = strcmp(status, "confirmed") == 0;
	bool cancelled = strcmp(status, "cancelled") == 0;
	bool open = strcmp(json_string_value(json_object_get(card, "session_status")), "planned") == 0;
	/* Once the session has begun, a place given up is recorded, but nobody
	 * is convoked to a session already under way. */
	char now[17];
	awareness_now_minute(now);
	bool begun = strcmp(json_string_value(json_object_get(card, "starts_at")), now) <= 0;
	json_decref(card);
	if (cancelled || !open) {
		c->already = true;
		return SOCLE_E_CONFLICT;
	}
	int rc = socle_db_run_new(wdb, "UPDATE awareness_registration SET status = 'cancelled',"
	                          " cancelled_at = :now WHERE id = :id",
	                          json_pack("{s:I, s:I}", "id", (json_int_t)c->id, "now",
	                                    (json_int_t)socle_now_ms()), err);
	struct socle_audit_entry e = {.action = "awareness.registration.cancel",
	                              .object_type = "awareness_registration", .object_id = c->id,
	                              .outcome = "ok"};
	if (rc < 0 || (rc = socle_audit(wdb, c->req, &e, err)) != 0)
		return rc;
	if (!was_confirmed || begun)
		return 0;
	/* The freed place goes to the first in line, who is convoked now. */
	json_t *next = socle_db_query_one_new(wdb,
		"SELECT w.id FROM awareness_registration w JOIN awareness_registration r"
		" ON r.session_id = w.session_id WHERE r.id = :id AND w.status = 'waiting'"
		" ORDER BY w.id LIMIT 1", json_pack("{s:I}", "id", (json_int_t)c->id), err);
	if (next == NULL)
		return err->code == SOCLE_E_NOTFOUND ? 0 : err->code;
	c->promoted = json_integer_value(json_object_get(next, "id"));
	json_decref(next);
	rc = socle_db_run_new(wdb, "UPDATE awareness_registration SET status = 'confirmed',"
	                      " confirmed_at = :now WHERE id = :id",
	                      json_pack("{s:I, s:I}", "id", (json_int_t)c->promoted, "now",
	                                (json_int_t)socle_now_ms()), err);
	if (rc < 0 || (rc = convoke(wdb, c->promoted, err)) != 0)
		return rc;
	return emit(wdb, "awareness.registered", c->promoted, err);
}

/* POST /awareness/registrations/{id}/cancel */
static int route_cancel(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	struct cancellation c = {.req = req};
	(void)ud;

	if (socle_req_param_id(req, "id", &c.id) != 0)
		return SOCLE_E_NOTFOUND;
	socle_db *db = socle_req_reader(req, &err);
	json_t *card = db ? registration_card(db, c.id, &err) : NULL;
	if (card == NULL)
		return socle_reply_err(req, &err);
	int64_t company = json_integer_value(json_object_get(card, "company_id"));
	json_decref(card);
	if (socle_access_company(req, company, &err) != 0)
		return socle_reply_err(req, &err);
	int rc = socle_service_write(socle_req_service(req), cancel_write, &c, &err);
	if (rc == SOCLE_E_CONFLICT && c.already)
		return awareness_conflict(req, "Cette inscription est déjà annulée, ou la session n'est "
		                          "plus ouverte.");
	if (rc != 0)
		return socle_reply_err(req, &err);
	return socle_reply_json(req, 200, json_pack("{s:I, s:s, s:o}", "id", (json_int_t)c.id,
		"status", "cancelled", "promoted_id",
		c.promoted ? json_integer(c.promoted) : json_null()));
}

/* ---- attendance ------------------------------------------------------------- */

struct attendance {
	socle_req *req;
	int64_t session;
	const json_t *present, *absent;
	json_t *errors;
	bool early;
};

static int attendance_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct attendance *a = ud;
	json_t *s = session_load(wdb, a->session, err);
	char now[17];
	int rc = 0;

	if (s == NULL)
		return err->code;
	awareness_now_minute(now);
	const char *starts = json_string_value(json_object_get(s, "starts_at"));
	a->early = strcmp(starts, now) > 0 ||
	           strcmp(json_string_value(json_object_get(s, "status")), "cancelled") == 0;
	char held_on[SOCLE_DATE_SIZE];
	snprintf(held_on, sizeof(held_on), "%.10s", starts);
	json_decref(s);
	if (a->early)
		return SOCLE_E_CONFLICT;
	const json_t *lists[2] = {a->present, a->absent};
	for (int k = 0; k < 2 && rc == 0; k++) {
		size_t i;
		const json_t *v;
		json_array_foreach(lists[k], i, v) {
			char field[64];
			json_t *row = socle_db_query_one_new(wdb, "SELECT attended FROM awareness_registration"
				" WHERE id = :id AND session_id = :session AND status = 'confirmed'",
				json_pack("{s:I, s:I}", "id", json_integer_value(v), "session",
				          (json_int_t)a->session), err);
			snprintf(field, sizeof(field), "%s[%zu]", k ? "absent" : "present", i);
			if (row == NULL) {
				if (err->code != SOCLE_E_NOTFOUND)
					return err->code;
				socle_field_error(&a->errors, field, "aucune place confirmée de cette session "
				                  "n'a ce numéro");
				continue;
			}
			bool was_present = json_integer_value(json_object_get(row, "attended")) == 1;
			json_decref(row);
			rc = socle_db_run_new(wdb, "UPDATE awareness_registration SET attended = :v WHERE id = :id",
			                      json_pack("{s:i, s:O}", "v", k ? 0 : 1, "id", v), err);
			if (rc < 0)
				return rc;
			rc = 0;
			if (k == 0 && !was_present)
				rc = emit(wdb, "awareness.attended", json_integer_value(v), err);
			if (rc == 0 && k == 0 && !was_present) {
				/* The questionnaire of 3.4.1.3, asked of whoever came. */
				json_t *card = registration_card(wdb, json_integer_value(v), err);
				rc = card ? awareness_mail_feedback_invitation(wdb, card, err) : err->code;
				json_decref(card);
			}
			if (rc != 0)
				return rc;
		}
	}
	if (a->errors)
		return SOCLE_E_INVAL; /* nothing of it is kept */
	rc = socle_db_run_new(wdb, "UPDATE awareness_session SET status = 'held', held_on = :d"
	                      " WHERE id = :id", json_pack("{s:s, s:I}", "d", held_on, "id",
	                                                   (json_int_t)a->session), err);
	struct socle_audit_entry e = {.action = "awareness.session.attendance",
	                              .object_type = "awareness_session", .object_id = a->session,
	                              .outcome = "ok"};
	return rc < 0 ? rc : socle_audit(wdb, a->req, &e, err);
}

static const struct socle_field attendance_fields[] = {
	{.name = "present", .type = SOCLE_F_ARRAY, .required = true, .max = 1000},
	{.name = "absent", .type = SOCLE_F_ARRAY, .max = 1000},
};

static void check_ids(const json_t *list, const char *field, json_t **errors)
{
	size_t i;
	const json_t *v;

	json_array_foreach(list, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) <= 0)
			socle_field_error(errors, field, "l'élément n° %zu doit être un numéro d'inscription",
			                  i + 1);
	}
}

/* POST /awareness/sessions/{id}/attendance {present: [registration ids], absent: [...]} */
static int route_attendance(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	const json_t *b = socle_req_body(req);
	struct attendance a = {.req = req};
	(void)ud;

	if (socle_req_param_id(req, "id", &a.session) != 0)
		return SOCLE_E_NOTFOUND;
	if (socle_fields_check(b, attendance_fields, SOCLE_COUNT(attendance_fields), NULL,
	                       &a.errors) == 0) {
		check_ids(json_object_get(b, "present"), "present", &a.errors);
		check_ids(json_object_get(b, "absent"), "absent", &a.errors);
	}
	if (a.errors)
		return socle_reply_invalid(req, a.errors);
	a.present = json_object_get(b, "present");
	a.absent = json_object_get(b, "absent");
	int rc = socle_service_write(socle_req_service(req), attendance_write, &a, &err);
	if (a.errors)
		return socle_reply_invalid(req, a.errors);
	if (rc == SOCLE_E_CONFLICT && a.early)
		return awareness_conflict(req, "La session n'a pas encore eu lieu, ou elle est annulée.");
	if (rc != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *row = db ? session_load(db, a.session, &err) : NULL;
	return row ? socle_reply_json(req, 200, row) : socle_reply_err(req, &err);
}

static const struct socle_route session_routes[] = {
	{SOCLE_GET, "/awareness/sessions", SOCLE_CAP_AUTHENTICATED, 0, route_session_list, NULL},
	{SOCLE_POST, "/awareness/sessions", AWARENESS_MANAGE, 0, route_session_create, NULL},
	{SOCLE_GET, "/awareness/sessions/{id}", SOCLE_CAP_AUTHENTICATED, 0, route_session_get, NULL},
	{SOCLE_GET, "/awareness/sessions/{id}/registrations", SOCLE_CAP_AUTHENTICATED, 0,
	 route_registration_list, NULL},
	{SOCLE_POST, "/awareness/sessions/{id}/registrations", SOCLE_CAP_AUTHENTICATED, 0,
	 route_register, NULL},
	{SOCLE_POST, "/awareness/sessions/{id}/attendance", AWARENESS_MANAGE, 0, route_attendance,
	 NULL},
	{SOCLE_POST, "/awareness/registrations/{id}/cancel", SOCLE_CAP_AUTHENTICATED, 0, route_cancel,
	 NULL},
	{SOCLE_GET, "/awareness/companies/{id}/registrations", SOCLE_CAP_AUTHENTICATED, 0,
	 route_company_registrations, NULL},
};

int awareness_sessions_init(socle_plugin *p, socle_err *err)
{
	int rc = socle_plugin_add_routes(p, session_routes, SOCLE_COUNT(session_routes), err);

	if (rc == 0)
		rc = awareness_session_cancel_init(p, err);
	return rc ? rc : socle_plugin_add_job(p, "awareness.reminder", job_reminder, NULL, err);
}
