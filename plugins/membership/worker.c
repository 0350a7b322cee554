/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The workers of a member company (seed 3.6.1.1 "Déclarer mes effectifs"):
 * the schema, each worker with what sets its follow-up category, the checks
 * of the declared fields, reading, and writing with the history of every
 * change (declared, updated, post_changed, left, category_changed) and the
 * worker.* events. The follow-up category itself is computed in category.c
 * at each declaration, update and import; the routes are in workforce.c, the
 * employer's SIR posts in sir_posts.c, the CSV import in csv_import.c.
 *
 * Dates are "YYYY-MM-DD" text, instants integer milliseconds; the business
 * date is the core clock's (socle_now_ms), so a frozen clock freezes it too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "membership.h"

const char membership_sql_workforce[] =
	"CREATE TABLE membership_worker ("
	"  id INTEGER PRIMARY KEY,"
	"  company_id INTEGER NOT NULL REFERENCES membership_company(id),"
	"  establishment_id INTEGER,"
	"  external_ref TEXT NOT NULL,"
	"  last_name TEXT NOT NULL,"
	"  first_name TEXT NOT NULL,"
	"  birth_date TEXT NOT NULL,"
	"  job_title TEXT NOT NULL,"
	"  contract_type TEXT NOT NULL CHECK (contract_type = 'cdi' OR contract_type = 'cdd'"
	"    OR contract_type = 'interim' OR contract_type = 'apprentissage'),"
	"  start_date TEXT NOT NULL,"
	"  end_date TEXT,"
	"  working_time INTEGER NOT NULL DEFAULT 100 CHECK (working_time BETWEEN 1 AND 100),"
	"  night_worker INTEGER NOT NULL DEFAULT 0,"
	"  rqth INTEGER NOT NULL DEFAULT 0,"
	"  invalidity_pension INTEGER NOT NULL DEFAULT 0,"
	"  exposures TEXT NOT NULL DEFAULT '[]',"
	"  sir_post INTEGER NOT NULL DEFAULT 0,"
	"  caces_or_electrical INTEGER NOT NULL DEFAULT 0,"
	"  ionising_category_a INTEGER NOT NULL DEFAULT 0,"
	"  minor_regulated_work INTEGER NOT NULL DEFAULT 0,"
	"  category TEXT CHECK (category = 'SI' OR category = 'SIA' OR category = 'SIR'),"
	"  category_reasons TEXT,"
	"  category_basis TEXT,"
	"  category_attestation INTEGER NOT NULL DEFAULT 0,"
	"  category_review_on TEXT,"
	"  category_computed_on TEXT,"
	"  category_error TEXT,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  UNIQUE (company_id, external_ref));"
	"CREATE INDEX membership_worker_company ON membership_worker (company_id, id);"
	"CREATE INDEX membership_worker_review ON membership_worker (category_review_on);"
	"CREATE TABLE membership_worker_history ("
	"  id INTEGER PRIMARY KEY,"
	"  worker_id INTEGER NOT NULL REFERENCES membership_worker(id),"
	"  company_id INTEGER NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind = 'declared' OR kind = 'updated'"
	"    OR kind = 'post_changed' OR kind = 'left' OR kind = 'category_changed'),"
	"  changed_on TEXT NOT NULL,"
	"  at_ms INTEGER NOT NULL,"
	"  user_id INTEGER,"
	"  source TEXT NOT NULL,"
	"  before_values TEXT NOT NULL,"
	"  after_values TEXT NOT NULL);"
	"CREATE INDEX membership_worker_history_worker ON membership_worker_history (worker_id, id);"
	"CREATE TABLE membership_sir_post ("
	"  id INTEGER PRIMARY KEY,"
	"  company_id INTEGER NOT NULL REFERENCES membership_company(id),"
	"  post TEXT NOT NULL,"
	"  justification TEXT NOT NULL,"
	"  medecin_opinion_on TEXT,"
	"  cse_opinion_on TEXT,"
	"  updated_on TEXT NOT NULL,"
	"  updated_by INTEGER);"
	"CREATE INDEX membership_sir_post_company ON membership_sir_post (company_id, id);";

/* Migration 6: what tracking needs to convoke a worker who has no account of
 * his own (issue 10 item 16) and to address him in its documents: the
 * civility the worker gave, an e-mail and a mobile number. The employer
 * types them; they serve convocations and reminders only ("sert uniquement
 * aux convocations et rappels"): never an account's address, never a way
 * into the employee space (portal.c activates with a code the service gives).
 * Named for that purpose so that no reader takes them for the worker's login. */
const char membership_sql_worker_contact[] =
	"ALTER TABLE membership_worker ADD COLUMN civility TEXT"
	"  CHECK (civility = 'madame' OR civility = 'monsieur');"
	"ALTER TABLE membership_worker ADD COLUMN convocation_email TEXT;"
	"ALTER TABLE membership_worker ADD COLUMN convocation_mobile TEXT;";

/* The CHECK constraints of the two tables written per worker spell their
 * lists with OR: SQLite (3.40) evaluates a CHECK "x IN (...)" of three values
 * or more by building a temporary b-tree at every row written, a sixth of the
 * cost of a CSV import. Same constraints, same error. */

/* Dates: the core's calendar (socle/date.h), the same arithmetic as socle.date;
 * adding years is adding 12 months (29 February becomes 28 February). */

/* ---- the declared fields of a worker -------------------------------------- */

static const char *const contract_choices[] = {"cdi", "cdd", "interim", "apprentissage", NULL};
static const char *const civility_choices[] = {"madame", "monsieur", NULL};

/* A mobile number the SMS service can reach (06, 07, or a foreign number in
 * international form); stored as socle_sms_number writes it. */
static int check_mobile(const json_t *v, char *msg, size_t size)
{
	char number[SOCLE_SMS_NUMBER_SIZE];
	socle_err e = SOCLE_ERR_INIT;

	if (socle_sms_number(json_string_value(v), number, &e) != 0) {
		snprintf(msg, size, "%s", e.msg);
		return -1;
	}
	return 0;
}

/* Names and display: no control characters (they would break CSV exports,
 * mail headers and logs). */
int membership_check_trimmed_text(const json_t *v, char *msg, size_t size)
{
	for (const unsigned char *p = (const unsigned char *)json_string_value(v); *p; p++)
		if (*p < 0x20 || *p == 0x7f) {
			snprintf(msg, size, "Ne doit pas contenir de caractère de contrôle.");
			return -1;
		}
	if (json_string_value(v)[0] == ' ' || json_string_value(v)[json_string_length(v) - 1] == ' ') {
		snprintf(msg, size, "Ne doit pas commencer ni finir par une espace.");
		return -1;
	}
	return 0;
}

static int check_exposures(const json_t *v, char *msg, size_t size)
{
	size_t i, j;
	const json_t *e;

	json_array_foreach(v, i, e) {
		if (!json_is_string(e) || !membership_risk_known(json_string_value(e), NULL)) {
			snprintf(msg, size, "Risque inconnu à la position %zu : %s (voir la liste des "
			         "risques de GET /membership/risks).", i + 1,
			         json_is_string(e) ? json_string_value(e) : "valeur non textuelle");
			return -1;
		}
		for (j = 0; j < i; j++)
			if (json_equal(json_array_get(v, j), e)) {
				snprintf(msg, size, "Le risque %s est cité deux fois.", json_string_value(e));
				return -1;
			}
	}
	return 0;
}

#define BOOL_FIELD(n) {.name = n, .type = SOCLE_F_BOOL}
/* The same table serves POST (@p req true) and PATCH (nothing required; the
 * exit date goes through POST .../exit, so PATCH does not take end_date). */
#define WORKER_FIELDS(req)                                                                   \
	{.name = "external_ref", .type = SOCLE_F_STRING, .required = req, .min = 1, .max = 64, \
	 .check = membership_check_trimmed_text},                                            \
	{.name = "last_name", .type = SOCLE_F_STRING, .required = req, .min = 1, .max = 100, \
	 .check = membership_check_trimmed_text},                                            \
	{.name = "first_name", .type = SOCLE_F_STRING, .required = req, .min = 1, .max = 100, \
	 .check = membership_check_trimmed_text},                                            \
	{.name = "birth_date", .type = SOCLE_F_DATE, .required = req},                       \
	{.name = "job_title", .type = SOCLE_F_STRING, .required = req, .min = 1, .max = 200, \
	 .check = membership_check_trimmed_text},                                            \
	{.name = "contract_type", .type = SOCLE_F_ENUM, .required = req,                     \
	 .choices = contract_choices},                                                       \
	{.name = "start_date", .type = SOCLE_F_DATE, .required = req},                       \
	{.name = "establishment_id", .type = SOCLE_F_INT, .min = 1, .max = INT64_MAX},       \
	{.name = "working_time", .type = SOCLE_F_INT, .min = 1, .max = 100},                 \
	BOOL_FIELD("night_worker"), BOOL_FIELD("rqth"), BOOL_FIELD("invalidity_pension"),    \
	BOOL_FIELD("sir_post"), BOOL_FIELD("caces_or_electrical"),                           \
	BOOL_FIELD("ionising_category_a"), BOOL_FIELD("minor_regulated_work"),               \
	{.name = "exposures", .type = SOCLE_F_ARRAY, .max = 50, .check = check_exposures},    \
	{.name = "civility", .type = SOCLE_F_ENUM, .choices = civility_choices},             \
	{.name = "convocation_email", .type = SOCLE_F_EMAIL, .min = 3, .max = 254},          \
	{.name = "convocation_mobile", .type = SOCLE_F_STRING, .min = 1, .max = 32,          \
	 .check = check_mobile}

const struct socle_field membership_worker_fields_new[] = {
	WORKER_FIELDS(true),
	{.name = "end_date", .type = SOCLE_F_DATE},
};
const struct socle_field membership_worker_fields_patch[] = {
	WORKER_FIELDS(false),
};

/* Every declared field, in the order of the table; the post fields describe
 * the post held: a change of one of them is a "post_changed" (seed: changes of
 * post keep history). */
static const char *const declared_names[] = {
	"external_ref", "last_name", "first_name", "birth_date", "job_title", "contract_type",
	"start_date", "end_date", "establishment_id", "working_time", "night_worker", "rqth",
	"invalidity_pension", "sir_post", "caces_or_electrical", "ionising_category_a",
	"minor_regulated_work", "exposures", "civility", "convocation_email", "convocation_mobile",
};
static const char *const post_names[] = {
	"job_title", "exposures", "sir_post", "caces_or_electrical", "ionising_category_a",
	"minor_regulated_work",
};
static const char *const bool_names[] = {
	"night_worker", "rqth", "invalidity_pension", "sir_post", "caces_or_electrical",
	"ionising_category_a", "minor_regulated_work",
};

static bool is_post_field(const char *name)
{
	for (size_t i = 0; i < SOCLE_COUNT(post_names); i++)
		if (strcmp(post_names[i], name) == 0)
			return true;
	return false;
}

static int cmp_strings(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Exposures as a sorted array: the same set declared in another order is the
 * same post, so a re-import does not see a change. */
static json_t *sorted_exposures(const json_t *in)
{
	size_t n = json_array_size(in);
	const char **v = n ? calloc(n, sizeof(*v)) : NULL;
	json_t *out = json_array();

	if (out == NULL || (n && v == NULL)) {
		free(v);
		json_decref(out);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = json_string_value(json_array_get(in, i));
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_strings);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(out, json_string(v[i]));
	free(v);
	return out;
}

/* The number as the SMS service writes it ("+33612345678"): the same number
 * typed twice another way is not a change. */
static json_t *mobile_normalized(const json_t *v)
{
	char number[SOCLE_SMS_NUMBER_SIZE];

	return socle_sms_number(json_string_value(v), number, NULL) == 0 ? json_string(number)
	                                                                 : json_incref((json_t *)v);
}

json_t *membership_worker_normalize(const json_t *in, const json_t *base)
{
	json_t *w = json_object();

	if (w == NULL)
		return NULL;
	for (size_t i = 0; i < SOCLE_COUNT(declared_names); i++) {
		const char *k = declared_names[i];
		const json_t *v = json_object_get(in, k);

		if (v == NULL && base != NULL)
			v = json_object_get(base, k);
		if (strcmp(k, "exposures") == 0)
			json_object_set_new(w, k, sorted_exposures(v));
		else if (strcmp(k, "convocation_mobile") == 0 && json_is_string(v))
			json_object_set_new(w, k, mobile_normalized(v));
		else if (v != NULL && !json_is_null(v))
			json_object_set(w, k, (json_t *)v);
		else if (strcmp(k, "working_time") == 0)
			json_object_set_new(w, k, json_integer(100));
		else
			json_object_set_new(w, k, json_null());
	}
	for (size_t i = 0; i < SOCLE_COUNT(bool_names); i++)
		if (!json_is_boolean(json_object_get(w, bool_names[i])))
			json_object_set_new(w, bool_names[i], json_false());
	return w;
}

/* Does establishment @p id belong to company @p company_id? */
static int establishment_of(socle_db *db, int64_t company_id, int64_t id, socle_err *err)
{
	json_t *p = json_pack("{s:I, s:I}", "id", (json_int_t)id, "company", (json_int_t)company_id);
	json_t *row = socle_db_query_one(db,
		"SELECT id FROM membership_establishment WHERE id = :id AND company_id = :company",
		p, err);

	json_decref(p);
	if (row == NULL)
		return err && err->code == SOCLE_E_NOTFOUND ? 0 : -1;
	json_decref(row);
	return 1;
}

static void field_error_at(json_t **errors, const char *field, const char *msg)
{
	socle_field_error(errors, field, "%s", msg);
}

int membership_worker_check_dates(socle_db *db, int64_t company_id, const json_t *w,
                                  const char *prefix, json_t **errors)
{
	const char *birth = json_string_value(json_object_get(w, "birth_date"));
	const char *start = json_string_value(json_object_get(w, "start_date"));
	const char *end = json_string_value(json_object_get(w, "end_date"));
	char name[256], today[11], limit[11];
	int problems = 0;

	if (prefix == NULL)
		prefix = "";
	socle_date_today(today);
	if (birth && strcmp(birth, "1900-01-01") < 0) {
		snprintf(name, sizeof(name), "%sbirth_date", prefix);
		field_error_at(errors, name, "Date de naissance invraisemblable (avant 1900).");
		problems++;
	} else if (birth && strcmp(birth, today) > 0) {
		snprintf(name, sizeof(name), "%sbirth_date", prefix);
		field_error_at(errors, name, "La date de naissance est dans le futur.");
		problems++;
	} else if (birth && start) {
		/* Work is open from 14 years of age at the earliest (L4153-1, holidays). */
		if (!socle_date_add_months(birth, 14 * 12, limit))
			limit[0] = '\0';
		if (strcmp(limit, start) > 0) {
			snprintf(name, sizeof(name), "%sstart_date", prefix);
			field_error_at(errors, name,
			               "Le salarié doit avoir au moins 14 ans à la date d'embauche.");
			problems++;
		}
	}
	if (end && start && strcmp(end, start) < 0) {
		snprintf(name, sizeof(name), "%send_date", prefix);
		field_error_at(errors, name,
		               "La date de sortie ne peut précéder la date d'embauche.");
		problems++;
	}
	const json_t *est = json_object_get(w, "establishment_id");
	if (json_is_integer(est) && db != NULL) {
		socle_err e = SOCLE_ERR_INIT;
		int rc = establishment_of(db, company_id, json_integer_value(est), &e);

		if (rc <= 0) {
			snprintf(name, sizeof(name), "%sestablishment_id", prefix);
			field_error_at(errors, name,
			               rc == 0 ? "Établissement inconnu pour cette entreprise."
			                       : "Établissement impossible à vérifier.");
			problems++;
		}
	}
	return problems;
}

int membership_worker_check(socle_db *db, int64_t company_id, const json_t *in, bool partial,
                            const char *prefix, json_t **errors)
{
	const struct socle_field *all = membership_worker_fields_new;
	int n = partial ? socle_fields_check(in, membership_worker_fields_patch,
	                                     MEMBERSHIP_WORKER_N_FIELDS - 1, prefix, errors)
	                : socle_fields_check(in, all, MEMBERSHIP_WORKER_N_FIELDS, prefix, errors);

	/* A PATCH may clear an optional field with null, not a required one. */
	for (size_t i = 0; partial && json_is_object(in) && i < MEMBERSHIP_WORKER_N_FIELDS; i++) {
		const json_t *v = json_object_get(in, all[i].name);

		if (all[i].required && v != NULL && json_is_null(v)) {
			char name[256];

			snprintf(name, sizeof(name), "%s%s", prefix ? prefix : "", all[i].name);
			socle_field_error(errors, name, "Ce champ ne peut pas être vidé.");
			n++;
		}
	}
	/* Cross-field checks only on a well-typed whole (a PATCH is checked
	 * again once merged with the stored worker). */
	if (n == 0 && !partial)
		n += membership_worker_check_dates(db, company_id, in, prefix, errors);
	return n;
}

int membership_company_writable(socle_db *db, int64_t company_id, socle_err *err)
{
	json_t *p = json_pack("{s:I}", "id", (json_int_t)company_id);
	json_t *c = socle_db_query_one(db, "SELECT status FROM membership_company WHERE id = :id", p,
	                               err);

	json_decref(p);
	if (c == NULL)
		return err && err->code == SOCLE_E_NOTFOUND
		               ? socle_err_set(err, SOCLE_E_NOTFOUND, "Entreprise introuvable.")
		               : (err && err->code ? err->code : SOCLE_E_STORE);
	bool member = strcmp(json_string_value(json_object_get(c, "status")), "member") == 0;

	json_decref(c);
	/* An applicant declares its workforce once approved; a company that
	 * left keeps its history read-only. */
	return member ? 0
	              : socle_err_set(err, SOCLE_E_CONFLICT,
	                              "L'entreprise n'est pas adhérente : son effectif ne peut "
	                              "pas être modifié.");
}

/* ---- reading workers ------------------------------------------------------ */

#define WORKER_COLUMNS                                                                       \
	"id, company_id, establishment_id, external_ref, last_name, first_name, birth_date,"     \
	" job_title, contract_type, start_date, end_date, working_time, night_worker, rqth,"     \
	" invalidity_pension, exposures, sir_post, caces_or_electrical, ionising_category_a,"   \
	" minor_regulated_work, category, category_reasons, category_basis,"                    \
	" category_attestation, category_review_on, category_computed_on, category_error,"      \
	" created_at, updated_at, civility, convocation_email, convocation_mobile, end_reason,"  \
	" assigned_on, sir_ended_on"

enum col_kind { COL_INT, COL_INT_NULL, COL_TEXT, COL_TEXT_NULL, COL_BOOL, COL_JSON };

static const struct {
	const char *name;
	enum col_kind kind;
} worker_cols[] = {
	{"id", COL_INT}, {"company_id", COL_INT}, {"establishment_id", COL_INT_NULL},
	{"external_ref", COL_TEXT}, {"last_name", COL_TEXT}, {"first_name", COL_TEXT},
	{"birth_date", COL_TEXT}, {"job_title", COL_TEXT}, {"contract_type", COL_TEXT},
	{"start_date", COL_TEXT}, {"end_date", COL_TEXT_NULL}, {"working_time", COL_INT},
	{"night_worker", COL_BOOL}, {"rqth", COL_BOOL}, {"invalidity_pension", COL_BOOL},
	{"exposures", COL_JSON}, {"sir_post", COL_BOOL}, {"caces_or_electrical", COL_BOOL},
	{"ionising_category_a", COL_BOOL}, {"minor_regulated_work", COL_BOOL},
	{"category", COL_TEXT_NULL}, {"category_reasons", COL_JSON}, {"category_basis", COL_JSON},
	{"category_attestation", COL_BOOL}, {"category_review_on", COL_TEXT_NULL},
	{"category_computed_on", COL_TEXT_NULL}, {"category_error", COL_TEXT_NULL},
	{"created_at", COL_INT}, {"updated_at", COL_INT}, {"civility", COL_TEXT_NULL},
	{"convocation_email", COL_TEXT_NULL}, {"convocation_mobile", COL_TEXT_NULL},
	/* assignment.c: the facts that set visits owed at a date */
	{"end_reason", COL_TEXT_NULL}, {"assigned_on", COL_TEXT_NULL}, {"sir_ended_on", COL_TEXT_NULL},
};

/* Parsed JSON columns of a page of workers, by text: the workers of a page
 * share a few exposure lists and category reasons, parsed once each and
 * shared by the rows of the reply (read-only). */
#define JSON_MEMO_SIZE 32
struct json_memo {
	char *text[JSON_MEMO_SIZE];
	json_t *value[JSON_MEMO_SIZE];
	size_t next;
};

static json_t *json_memo_loads(struct json_memo *m, const char *text)
{
	if (m != NULL)
		for (size_t i = 0; i < JSON_MEMO_SIZE && m->text[i]; i++)
			if (strcmp(m->text[i], text) == 0)
				return json_incref(m->value[i]);
	json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
	char *copy = v && m ? strdup(text) : NULL;

	if (copy != NULL) {
		size_t i = m->next++ % JSON_MEMO_SIZE;

		free(m->text[i]);
		json_decref(m->value[i]);
		m->text[i] = copy;
		m->value[i] = json_incref(v);
	}
	return v;
}

static void json_memo_fini(struct json_memo *m)
{
	for (size_t i = 0; i < JSON_MEMO_SIZE; i++) {
		free(m->text[i]);
		json_decref(m->value[i]);
	}
}

/* The current row of a "SELECT " WORKER_COLUMNS statement as the API shows it;
 * @p memo (may be NULL) shares the parsed JSON columns between rows. */
static json_t *worker_from_stmt(socle_stmt *st, const char *today, struct json_memo *memo)
{
	json_t *w = json_object();

	if (w == NULL)
		return NULL;
	for (size_t i = 0; i < SOCLE_COUNT(worker_cols); i++) {
		int c = (int)i;
		json_t *v;

		if (socle_stmt_is_null(st, c)) {
			v = json_null();
		} else {
			switch (worker_cols[i].kind) {
			case COL_INT:
			case COL_INT_NULL: v = json_integer(socle_stmt_int(st, c)); break;
			case COL_BOOL: v = json_boolean(socle_stmt_int(st, c) != 0); break;
			case COL_JSON:
				v = json_memo_loads(memo, socle_stmt_text(st, c));
				if (v == NULL)
					v = json_null();
				break;
			default: v = json_string(socle_stmt_text(st, c)); break;
			}
		}
		json_object_set_new(w, worker_cols[i].name, v);
	}
	const char *end = json_string_value(json_object_get(w, "end_date"));
	json_object_set_new(w, "active", json_boolean(end == NULL || strcmp(end, today) >= 0));
	return w;
}

json_t *membership_worker_load(socle_db *db, int64_t company_id, int64_t id, socle_err *err)
{
	char today[11];
	socle_stmt *st = socle_db_prepare(db,
		"SELECT " WORKER_COLUMNS " FROM membership_worker WHERE id = :id"
		" AND (:company <= 0 OR company_id = :company)", err);

	if (st == NULL)
		return NULL;
	socle_date_today(today);
	socle_stmt_bind_int(st, ":id", id);
	socle_stmt_bind_int(st, ":company", company_id);
	int rc = socle_stmt_step(st, err);
	json_t *w = rc == 1 ? worker_from_stmt(st, today, NULL) : NULL;

	socle_stmt_release(st);
	if (rc == 0)
		socle_err_set(err, SOCLE_E_NOTFOUND, company_id > 0
		              ? "Salarié introuvable dans cette entreprise." : "Salarié introuvable.");
	else if (rc == 1 && w == NULL)
		socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	return w;
}

json_t *membership_worker_find(socle_db *db, int64_t company_id, const char *external_ref,
                               socle_err *err)
{
	char today[11];
	socle_stmt *st = socle_db_prepare(db,
		"SELECT " WORKER_COLUMNS " FROM membership_worker"
		" WHERE company_id = :company AND external_ref = :ref", err);

	if (st == NULL)
		return NULL;
	socle_date_today(today);
	socle_stmt_bind_int(st, ":company", company_id);
	socle_stmt_bind_text(st, ":ref", external_ref);
	int rc = socle_stmt_step(st, err);
	json_t *w = rc == 1 ? worker_from_stmt(st, today, NULL) : NULL;

	socle_stmt_release(st);
	if (rc == 0)
		socle_err_set(err, SOCLE_E_NOTFOUND, "Aucun salarié ne porte cette référence.");
	else if (rc == 1 && w == NULL)
		socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	return w;
}

json_t *membership_workers_page(socle_db *db, int64_t company_id, int64_t after_id, int limit,
                                const char *category, int active, socle_err *err)
{
	char today[11];
	socle_stmt *st = socle_db_prepare(db,
		"SELECT " WORKER_COLUMNS " FROM membership_worker WHERE company_id = :company"
		" AND id > :after"
		" AND (:cat = '' OR (:cat = 'none' AND category IS NULL) OR category = :cat)"
		" AND (:active = -1"
		"      OR (:active = 1 AND (end_date IS NULL OR end_date >= :today))"
		"      OR (:active = 0 AND end_date < :today))"
		" ORDER BY id LIMIT :limit", err);

	if (st == NULL)
		return NULL;
	socle_date_today(today);
	socle_stmt_bind_int(st, ":company", company_id);
	socle_stmt_bind_int(st, ":after", after_id);
	socle_stmt_bind_text(st, ":cat", category ? category : "");
	socle_stmt_bind_int(st, ":active", active);
	socle_stmt_bind_text(st, ":today", today);
	socle_stmt_bind_int(st, ":limit", limit);
	json_t *items = json_array();
	struct json_memo memo = {0};
	int rc = 0;
	while (items && (rc = socle_stmt_step(st, err)) == 1) {
		json_t *w = worker_from_stmt(st, today, &memo);

		if (w == NULL || json_array_append_new(items, w) != 0) {
			rc = socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
			break;
		}
	}
	socle_stmt_release(st);
	json_memo_fini(&memo);
	if (items == NULL) {
		socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
		return NULL;
	}
	if (rc < 0) {
		json_decref(items);
		return NULL;
	}
	return items;
}

/* ---- writing workers (inside a write transaction) ------------------------- */

json_t *membership_user_json(socle_req *req)
{
	const socle_principal *who = req ? socle_req_principal(req) : NULL;

	return who ? json_integer(socle_principal_user_id(who)) : json_null();
}

int membership_worker_history_add(socle_db *wdb, socle_req *req, int64_t worker_id,
                                  int64_t company_id, const char *kind, const char *today,
                                  const char *source, json_t *before, json_t *after,
                                  socle_err *err)
{
	json_t *p = json_pack("{s:I, s:I, s:s, s:s, s:I, s:o, s:s, s:o, s:o}", "worker",
	                      (json_int_t)worker_id, "company", (json_int_t)company_id, "kind",
	                      kind, "on", today, "at", (json_int_t)socle_now_ms(), "user",
	                      membership_user_json(req), "source", source, "before", before,
	                      "after", after);

	if (p == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	int rc = socle_db_run_new(wdb,
		"INSERT INTO membership_worker_history (worker_id, company_id, kind, changed_on, at_ms,"
		" user_id, source, before_values, after_values)"
		" VALUES (:worker, :company, :kind, :on, :at, :user, :source, :before, :after)", p, err);
	return rc < 0 ? rc : 0;
}

int membership_worker_insert(socle_db *wdb, socle_req *req, int64_t company_id, const json_t *w,
                             const char *today, const char *source, int64_t *out_id,
                             socle_err *err)
{
	socle_service *svc = socle_db_service(wdb);
	json_t *cat = membership_category_compute(svc, w, today);
	json_t *p = json_copy((json_t *)w); /* shallow: nothing nested is changed */
	int rc;

	if (cat == NULL || p == NULL) {
		json_decref(cat);
		json_decref(p);
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	}
	json_object_update(p, cat);
	json_object_set_new(p, "company_id", json_integer(company_id));
	json_object_set_new(p, "now", json_integer(socle_now_ms()));
	rc = socle_db_run(wdb,
		"INSERT INTO membership_worker (company_id, establishment_id, external_ref, last_name,"
		" first_name, birth_date, job_title, contract_type, start_date, end_date, working_time,"
		" night_worker, rqth, invalidity_pension, exposures, sir_post, caces_or_electrical,"
		" ionising_category_a, minor_regulated_work, category, category_reasons, category_basis,"
		" category_attestation, category_review_on, category_computed_on, category_error,"
		" created_at, updated_at, civility, convocation_email, convocation_mobile)"
		" VALUES (:company_id, :establishment_id, :external_ref,"
		" :last_name, :first_name, :birth_date, :job_title, :contract_type, :start_date,"
		" :end_date, :working_time, :night_worker, :rqth, :invalidity_pension, :exposures,"
		" :sir_post, :caces_or_electrical, :ionising_category_a, :minor_regulated_work,"
		" :category, :category_reasons, :category_basis, :category_attestation,"
		" :category_review_on, :category_computed_on, :category_error, :now, :now,"
		" :civility, :convocation_email, :convocation_mobile)",
		p, err);
	json_decref(p);
	if (rc < 0) {
		json_decref(cat);
		if (rc == SOCLE_E_EXISTS)
			socle_err_set(err, SOCLE_E_EXISTS,
			              "Un salarié de cette entreprise porte déjà cette référence.");
		return rc;
	}
	int64_t id = socle_db_last_insert_id(wdb);

	if (out_id)
		*out_id = id;
	rc = membership_worker_history_add(wdb, req, id, company_id, "declared", today, source,
	                                   json_object(), json_incref((json_t *)w), err);
	if (rc == 0)
		rc = membership_emit(wdb, "worker.declared",
		                     json_pack("{s:I, s:I, s:O, s:O, s:O}", "worker_id",
		                               (json_int_t)id, "company_id", (json_int_t)company_id,
		                               "external_ref", json_object_get(w, "external_ref"),
		                               "category", json_object_get(cat, "category"),
		                               "attestation_caces",
		                               json_object_get(cat, "category_attestation")),
		                     err);
	/* A worker declared already gone: the exit is part of the story. */
	if (rc == 0 && json_is_string(json_object_get(w, "end_date")))
		rc = membership_emit(wdb, "worker.left",
		                     json_pack("{s:I, s:I, s:O}", "worker_id", (json_int_t)id,
		                               "company_id", (json_int_t)company_id, "end_date",
		                               json_object_get(w, "end_date")),
		                     err);
	json_decref(cat);
	return rc;
}

int membership_worker_update(socle_db *wdb, socle_req *req, const json_t *old, const json_t *w,
                             const char *today, const char *source, socle_err *err)
{
	int64_t id = json_integer_value(json_object_get(old, "id"));
	int64_t company_id = json_integer_value(json_object_get(old, "company_id"));
	json_t *before = json_object(), *after = json_object(), *changed = json_array();
	bool post = false, left = false;
	int rc = 0;

	if (before == NULL || after == NULL || changed == NULL) {
		rc = socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
		goto out;
	}
	for (size_t i = 0; i < SOCLE_COUNT(declared_names); i++) {
		const char *k = declared_names[i];
		json_t *a = json_object_get(old, k), *b = json_object_get(w, k);

		if (a == NULL)
			a = json_null();
		if (b == NULL)
			b = json_null();
		if (json_equal(a, b))
			continue;
		json_object_set(before, k, a);
		json_object_set(after, k, b);
		json_array_append_new(changed, json_string(k));
		if (is_post_field(k))
			post = true;
		if (strcmp(k, "end_date") == 0 && json_is_null(a))
			left = true;
	}
	if (json_array_size(changed) == 0)
		goto out; /* unchanged: no history, no event */
	json_t *p = json_deep_copy(w);
	if (p == NULL) {
		rc = socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
		goto out;
	}
	json_object_set_new(p, "id", json_integer(id));
	json_object_set_new(p, "now", json_integer(socle_now_ms()));
	rc = socle_db_run(wdb,
		"UPDATE membership_worker SET establishment_id = :establishment_id,"
		" external_ref = :external_ref, last_name = :last_name, first_name = :first_name,"
		" birth_date = :birth_date, job_title = :job_title, contract_type = :contract_type,"
		" start_date = :start_date, end_date = :end_date, working_time = :working_time,"
		" night_worker = :night_worker, rqth = :rqth, invalidity_pension = :invalidity_pension,"
		" exposures = :exposures, sir_post = :sir_post,"
		" caces_or_electrical = :caces_or_electrical, ionising_category_a = :ionising_category_a,"
		" minor_regulated_work = :minor_regulated_work, civility = :civility,"
		" convocation_email = :convocation_email, convocation_mobile = :convocation_mobile,"
		" updated_at = :now WHERE id = :id",
		p, err);
	json_decref(p);
	if (rc < 0) {
		if (rc == SOCLE_E_EXISTS)
			socle_err_set(err, SOCLE_E_EXISTS,
			              "Un salarié de cette entreprise porte déjà cette référence.");
		goto out;
	}
	/* The exit alone is a "left"; anything else beside it is its own change. */
	const char *kind = post ? "post_changed" : "updated";
	bool only_exit = left && json_array_size(changed) == 1;

	rc = membership_worker_history_add(wdb, req, id, company_id, only_exit ? "left" : kind,
	                                   today, source, json_incref(before), json_incref(after),
	                                   err);
	if (rc == 0 && !only_exit)
		rc = membership_emit(wdb, "worker.updated",
		                     json_pack("{s:I, s:I, s:s, s:O}", "worker_id", (json_int_t)id,
		                               "company_id", (json_int_t)company_id, "kind", kind,
		                               "changed", changed),
		                     err);
	if (rc == 0 && left)
		rc = membership_emit(wdb, "worker.left",
		                     json_pack("{s:I, s:I, s:O}", "worker_id", (json_int_t)id,
		                               "company_id", (json_int_t)company_id, "end_date",
		                               json_object_get(w, "end_date")),
		                     err);
	if (rc == 0 && !only_exit) {
		json_t *cat = membership_category_compute(socle_db_service(wdb), w, today);

		if (cat == NULL) {
			rc = socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
			goto out;
		}
		rc = membership_category_store(wdb, id, cat, err);
		const json_t *old_cat = json_object_get(old, "category");
		if (rc == 0 && !json_is_null(json_object_get(cat, "category")) &&
		    !json_equal(old_cat ? old_cat : json_null(), json_object_get(cat, "category")))
			rc = membership_category_changed(wdb, req, id, company_id,
			                                 old_cat ? old_cat : json_null(), cat,
			                                 today, source, err);
		json_decref(cat);
	}
	if (rc == 0)
		rc = 1;
out:
	json_decref(before);
	json_decref(after);
	json_decref(changed);
	return rc;
}

