/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The catalogue of actions (seed 3.4.1.2, les livrables): collective
 * workshops (in the company, at the service, online), e-learning courses and
 * webinars (a link to the service's platform or a MOOC), and prevention
 * documents (a file's or a page's link). Each says whom it is for, how long
 * it lasts, what it aims at, and which risks and NAF divisions it addresses:
 * recommend_actions matches companies on the last two. */
#include "awareness.h"

const char *const awareness_kinds[] = {"atelier", "elearning", "webinaire", "document", NULL};
const char *const awareness_audiences[] = {"employeurs", "salaries", "salaries_designes", "cse",
                                           NULL};
static const char *const formats[] = {"entreprise", "service", "distanciel", NULL};
static const char *const list_columns[] = {"audience", "risks", "naf_divisions", NULL};

#define ACTION_COLUMNS                                                                       \
	"id, kind, title, format, url, audience, duration_min, objectives, risks, naf_divisions," \
	" has_quiz = 1 AS has_quiz, active = 1 AS active"

static void action_shape(json_t *row)
{
	awareness_parse_columns(row, list_columns);
	json_object_set_new(row, "has_quiz", json_boolean(json_integer_value(json_object_get(row, "has_quiz"))));
	json_object_set_new(row, "active", json_boolean(json_integer_value(json_object_get(row, "active"))));
}

json_t *awareness_action_load(socle_db *db, int64_t id, socle_err *err)
{
	json_t *row = socle_db_query_one_new(db, "SELECT " ACTION_COLUMNS
	                                     " FROM awareness_action WHERE id = :id",
	                                     json_pack("{s:I}", "id", (json_int_t)id), err);
	if (row)
		action_shape(row);
	return row;
}

static int check_url(const json_t *v, char *msg, size_t size)
{
	const char *s = json_string_value(v);

	if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0) {
		snprintf(msg, size, "doit être une adresse web (https://...)");
		return -1;
	}
	return 0;
}

static const struct socle_field action_fields[] = {
	{.name = "kind", .type = SOCLE_F_ENUM, .required = true, .choices = awareness_kinds},
	{.name = "title", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 200},
	{.name = "format", .type = SOCLE_F_ENUM, .choices = formats},
	{.name = "url", .type = SOCLE_F_STRING, .min = 1, .max = 1000, .check = check_url},
	{.name = "audience", .type = SOCLE_F_ARRAY, .required = true, .min = 1, .max = 4},
	{.name = "duration_min", .type = SOCLE_F_INT, .min = 1, .max = 10000},
	{.name = "objectives", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 4000},
	{.name = "risks", .type = SOCLE_F_ARRAY, .max = 64},
	{.name = "naf_divisions", .type = SOCLE_F_ARRAY, .max = 99},
	{.name = "has_quiz", .type = SOCLE_F_BOOL},
};

static bool is_kind(const char *s)
{
	for (const char *const *k = awareness_kinds; *k; k++)
		if (strcmp(*k, s) == 0)
			return true;
	return false;
}

static bool is_division(const char *s)
{
	return s && strlen(s) == 2 && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' &&
	       strcmp(s, "00") != 0;
}

/* The rules between fields, once each field passed its own check. */
static void check_action(const json_t *b, json_t **errors)
{
	const char *kind = json_string_value(json_object_get(b, "kind"));
	const json_t *divisions = json_object_get(b, "naf_divisions");
	size_t i;
	const json_t *v;

	awareness_check_texts(json_object_get(b, "audience"), "audience", awareness_audiences, errors);
	awareness_check_texts(json_object_get(b, "risks"), "risks", NULL, errors);
	json_array_foreach(divisions, i, v) {
		if (!is_division(json_string_value(v)))
			socle_field_error(errors, "naf_divisions", "la division NAF n° %zu doit avoir deux "
			                  "chiffres (01 à 99), par exemple 43", i + 1);
	}
	if (strcmp(kind, "atelier") == 0) {
		if (!json_object_get(b, "format"))
			socle_field_error(errors, "format", "obligatoire pour un atelier : entreprise, "
			                  "service ou distanciel");
	} else {
		if (json_object_get(b, "format"))
			socle_field_error(errors, "format", "réservé aux ateliers");
		/* A document may instead be a file the service keeps, deposited
		 * once the action exists (document_file.c). */
		if (!json_object_get(b, "url") && strcmp(kind, "document") != 0)
			socle_field_error(errors, "url", "obligatoire : le lien du module ou du webinaire");
	}
	if (strcmp(kind, "document") != 0 && !json_object_get(b, "duration_min"))
		socle_field_error(errors, "duration_min", "obligatoire : la durée en minutes");
	if (json_is_true(json_object_get(b, "has_quiz")) && strcmp(kind, "document") == 0)
		socle_field_error(errors, "has_quiz", "un document n'a pas de quiz");
}

struct action_new {
	socle_req *req;
	const json_t *body;
	int64_t id;
};

static json_t *list_or_empty(const json_t *b, const char *key)
{
	const json_t *v = json_object_get(b, key);

	return v ? json_deep_copy(v) : json_array();
}

static int action_insert(socle_db *wdb, void *ud, socle_err *err)
{
	struct action_new *a = ud;
	const json_t *b = a->body;
	json_t *p = json_pack("{s:O, s:O, s:O?, s:O?, s:O, s:O?, s:O, s:o, s:o, s:b, s:I, s:I}",
		"kind", json_object_get(b, "kind"), "title", json_object_get(b, "title"),
		"format", json_object_get(b, "format"), "url", json_object_get(b, "url"),
		"audience", json_object_get(b, "audience"), "duration", json_object_get(b, "duration_min"),
		"objectives", json_object_get(b, "objectives"), "risks", list_or_empty(b, "risks"),
		"divisions", list_or_empty(b, "naf_divisions"),
		"quiz", json_is_true(json_object_get(b, "has_quiz")), "now", (json_int_t)socle_now_ms(),
		"by", (json_int_t)socle_principal_user_id(socle_req_principal(a->req)));
	int rc = socle_db_run_new(wdb,
		"INSERT INTO awareness_action (kind, title, format, url, audience, duration_min,"
		" objectives, risks, naf_divisions, has_quiz, created_at, created_by) VALUES (:kind,"
		" :title, :format, :url, :audience, :duration, :objectives, :risks, :divisions, :quiz,"
		" :now, :by)", p, err);

	if (rc < 0)
		return rc;
	a->id = socle_db_last_insert_id(wdb);
	struct socle_audit_entry e = {.action = "awareness.action.create", .object_type = "awareness_action",
	                              .object_id = a->id, .outcome = "ok"};
	return socle_audit(wdb, a->req, &e, err);
}

/* POST /awareness/actions */
static int route_action_create(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	const json_t *b = socle_req_body(req);
	(void)ud;

	if (socle_fields_check(b, action_fields, SOCLE_COUNT(action_fields), NULL, &errors) == 0)
		check_action(b, &errors);
	if (errors)
		return socle_reply_invalid(req, errors);
	struct action_new a = {.req = req, .body = b};
	if (socle_service_write(socle_req_service(req), action_insert, &a, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *row = db ? awareness_action_load(db, a.id, &err) : NULL;
	return row ? socle_reply_json(req, 201, row) : socle_reply_err(req, &err);
}

/* GET /awareness/actions?kind=&risk=&cursor=&limit= : the active actions (every
 * account: the catalogue is what the service offers its members). */
static int route_action_list(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int limit;
	int64_t after;
	const char *kind = socle_req_query(req, "kind"), *risk = socle_req_query(req, "risk");
	(void)ud;

	if (socle_req_page(req, &limit, &after, &err) != 0)
		return socle_reply_err(req, &err);
	if (kind && !is_kind(kind)) {
		json_t *errors = NULL;
		socle_field_error(&errors, "kind", "valeur inconnue : atelier, elearning, webinaire ou document");
		return socle_reply_invalid(req, errors);
	}
	socle_db *db = socle_req_reader(req, &err);
	json_t *rows = db ? socle_db_query_new(db, "SELECT " ACTION_COLUMNS " FROM awareness_action"
		" WHERE active = 1 AND id > :after AND (:kind IS NULL OR kind = :kind)"
		" AND (:risk IS NULL OR risks LIKE '%\"' || :risk || '\"%')"
		" ORDER BY id LIMIT :limit",
		json_pack("{s:I, s:s?, s:s?, s:i}", "after", (json_int_t)after, "kind", kind, "risk",
		          risk, "limit", limit), &err) : NULL;
	if (rows == NULL)
		return socle_reply_err(req, &err);
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) action_shape(row);
	return socle_reply_page(req, rows, limit, "id");
}

/* GET /awareness/actions/{id} */
static int route_action_get(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t id;
	(void)ud;

	if (socle_req_param_id(req, "id", &id) != 0)
		return SOCLE_E_NOTFOUND;
	socle_db *db = socle_req_reader(req, &err);
	json_t *row = db ? awareness_action_load(db, id, &err) : NULL;
	return row ? socle_reply_json(req, 200, row) : socle_reply_err(req, &err);
}

static const struct socle_route catalog_routes[] = {
	{SOCLE_GET, "/awareness/actions", SOCLE_CAP_AUTHENTICATED, 0, route_action_list, NULL},
	{SOCLE_POST, "/awareness/actions", AWARENESS_MANAGE, 16384, route_action_create, NULL},
	{SOCLE_GET, "/awareness/actions/{id}", SOCLE_CAP_AUTHENTICATED, 0, route_action_get, NULL},
};

int awareness_catalog_init(socle_plugin *p, socle_err *err)
{
	return socle_plugin_add_routes(p, catalog_routes, SOCLE_COUNT(catalog_routes), err);
}
