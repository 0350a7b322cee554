/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The workforce of a member company (seed 3.6.1.1 "Déclarer mes effectifs"):
 * workers with what sets their follow-up category, the history of every
 * change (declared, updated, post_changed, left, category_changed), exits, the
 * employer's own list of SIR posts (R4624-23 III) with its yearly update, and
 * the follow-up category computed by the rule point follow_up_category(worker,
 * on_date) at each declaration, update and import, then recomputed when a
 * date-dependent input moves (a minor turning 18, a dated rule taking effect).
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

/* The CHECK constraints of the two tables written per worker spell their
 * lists with OR: SQLite (3.40) evaluates a CHECK "x IN (...)" of three values
 * or more by building a temporary b-tree at every row written, a sixth of the
 * cost of a CSV import. Same constraints, same error. */

/* Dates: the core's calendar (socle/date.h), the same arithmetic as socle.date;
 * adding years is adding 12 months (29 February becomes 28 February). */

/* ---- the declared fields of a worker -------------------------------------- */

static const char *const contract_choices[] = {"cdi", "cdd", "interim", "apprentissage", NULL};

/* Names and display: no control characters (they would break CSV exports,
 * mail headers and logs). */
static int check_text(const json_t *v, char *msg, size_t size)
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
	{.name = "external_ref", .type = SOCLE_F_STRING, .required = req, .min = 1, .max = 64,   \
	 .check = check_text},                                                                   \
	{.name = "last_name", .type = SOCLE_F_STRING, .required = req, .min = 1, .max = 100,     \
	 .check = check_text},                                                                   \
	{.name = "first_name", .type = SOCLE_F_STRING, .required = req, .min = 1, .max = 100,    \
	 .check = check_text},                                                                   \
	{.name = "birth_date", .type = SOCLE_F_DATE, .required = req},                           \
	{.name = "job_title", .type = SOCLE_F_STRING, .required = req, .min = 1, .max = 200,     \
	 .check = check_text},                                                                   \
	{.name = "contract_type", .type = SOCLE_F_ENUM, .required = req,                         \
	 .choices = contract_choices},                                                           \
	{.name = "start_date", .type = SOCLE_F_DATE, .required = req},                           \
	{.name = "establishment_id", .type = SOCLE_F_INT, .min = 1, .max = INT64_MAX},           \
	{.name = "working_time", .type = SOCLE_F_INT, .min = 1, .max = 100},                     \
	BOOL_FIELD("night_worker"), BOOL_FIELD("rqth"), BOOL_FIELD("invalidity_pension"),        \
	BOOL_FIELD("sir_post"), BOOL_FIELD("caces_or_electrical"),                               \
	BOOL_FIELD("ionising_category_a"), BOOL_FIELD("minor_regulated_work"),                   \
	{.name = "exposures", .type = SOCLE_F_ARRAY, .max = 50, .check = check_exposures}

static const struct socle_field worker_fields_new[] = {
	WORKER_FIELDS(true),
	{.name = "end_date", .type = SOCLE_F_DATE},
};
static const struct socle_field worker_fields_patch[] = {
	WORKER_FIELDS(false),
};

/* Every declared field, in the order of the table; the post fields describe
 * the post held: a change of one of them is a "post_changed" (seed: changes of
 * post keep history). */
static const char *const declared_names[] = {
	"external_ref", "last_name", "first_name", "birth_date", "job_title", "contract_type",
	"start_date", "end_date", "establishment_id", "working_time", "night_worker", "rqth",
	"invalidity_pension", "sir_post", "caces_or_electrical", "ionising_category_a",
	"minor_regulated_work", "exposures",
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
	int n = partial ? socle_fields_check(in, worker_fields_patch,
	                                     SOCLE_COUNT(worker_fields_patch), prefix, errors)
	                : socle_fields_check(in, worker_fields_new, SOCLE_COUNT(worker_fields_new),
	                                     prefix, errors);

	/* A PATCH may clear an optional field with null, not a required one. */
	for (size_t i = 0; partial && json_is_object(in) && i < SOCLE_COUNT(worker_fields_new); i++) {
		const json_t *v = json_object_get(in, worker_fields_new[i].name);

		if (worker_fields_new[i].required && v != NULL && json_is_null(v)) {
			char name[256];

			snprintf(name, sizeof(name), "%s%s", prefix ? prefix : "", worker_fields_new[i].name);
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
	" created_at, updated_at"

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
	{"created_at", COL_INT}, {"updated_at", COL_INT},
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

/* ---- the follow-up category ----------------------------------------------- */

static const char *const category_codes[] = {"SI", "SIA", "SIR", NULL};

static int check_string_list(const json_t *v, const char *key, socle_err *err)
{
	size_t i;
	const json_t *e;

	if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > 50)
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "%s doit être une liste non vide (au plus 50) de textes", key);
	json_array_foreach(v, i, e)
		if (!json_is_string(e) || json_string_length(e) == 0 || json_string_length(e) > 1000)
			return socle_err_set(err, SOCLE_E_CONTRACT,
			                     "%s[%zu] doit être un texte non vide (1000 octets au plus)",
			                     key, i + 1);
	return 0;
}

/* Contract of follow_up_category (checked after every call and by socle check). */
static int category_contract(const json_t *r, socle_err *err)
{
	const json_t *cat = json_object_get(r, "category"), *att, *rev;
	bool known = false;
	int rc;

	if (!json_is_object(r))
		return socle_err_set(err, SOCLE_E_CONTRACT, "le résultat doit être une table");
	for (size_t i = 0; json_is_string(cat) && category_codes[i]; i++)
		known = known || strcmp(category_codes[i], json_string_value(cat)) == 0;
	if (!known)
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "category doit valoir \"SI\", \"SIA\" ou \"SIR\"");
	if ((rc = check_string_list(json_object_get(r, "reasons"), "reasons", err)) ||
	    (rc = check_string_list(json_object_get(r, "basis"), "basis", err)))
		return rc;
	att = json_object_get(r, "attestation_caces");
	if (att != NULL && !json_is_boolean(att))
		return socle_err_set(err, SOCLE_E_CONTRACT, "attestation_caces doit être un booléen");
	rev = json_object_get(r, "review_on");
	if (rev != NULL && !socle_date_valid(json_string_value(rev)))
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "review_on doit être une date \"AAAA-MM-JJ\"");
	return 0;
}

static const struct socle_rule_point category_rule = {
	.name = "follow_up_category",
	.contract =
		"follow_up_category(worker, on_date) -> { category = \"SI\"|\"SIA\"|\"SIR\", reasons = "
		"{ textes en français, non vide }, basis = { articles, non vide }, attestation_caces = "
		"booléen (facultatif : régime CACES / habilitation électrique du décret 2025-355), "
		"review_on = \"AAAA-MM-JJ\" (facultatif : prochaine date où le résultat peut changer "
		"à données égales) }. worker porte les champs déclarés (birth_date, contract_type, "
		"start_date, end_date, working_time, job_title, night_worker, rqth, invalidity_pension, "
		"exposures, sir_post, caces_or_electrical, ionising_category_a, minor_regulated_work) ; "
		"on_date est la date \"AAAA-MM-JJ\" à laquelle la catégorie s'applique.",
	.n_args = 2,
	.check = category_contract,
};

/* What the rule point sees of a worker: what sets the category, not the
 * identity (names and external reference stay out of scripts). */
static json_t *rule_view(const json_t *w)
{
	static const char *const keep[] = {
		"birth_date", "contract_type", "start_date", "end_date", "working_time", "job_title",
		"night_worker", "rqth", "invalidity_pension", "exposures", "sir_post",
		"caces_or_electrical", "ionising_category_a", "minor_regulated_work",
	};
	json_t *v = json_object();

	for (size_t i = 0; v && i < SOCLE_COUNT(keep); i++) {
		json_t *x = json_object_get(w, keep[i]);

		if (x != NULL && !json_is_null(x))
			json_object_set(v, keep[i], x);
	}
	return v;
}

/* The category of @p w on @p on_date as the columns to store (new object):
 * category, category_reasons, category_basis, category_attestation,
 * category_review_on, category_computed_on, category_error. A failing rule
 * gives a null category with its error: the worker is then counted among
 * those whose category could not be computed, and retried by the timer. */
/* The rule's result turned into the columns to store (new object). @p res
 * NULL: the call failed with @p err. */
static json_t *category_columns(const json_t *res, const socle_err *err, const char *on_date)
{
	if (res == NULL)
		return json_pack("{s:n, s:n, s:n, s:b, s:n, s:s, s:s}", "category", "category_reasons",
		                 "category_basis", "category_attestation", 0, "category_review_on",
		                 "category_computed_on", on_date, "category_error",
		                 err->msg[0] ? err->msg : "erreur de la règle");
	const json_t *rev = json_object_get(res, "review_on");
	return json_pack("{s:O, s:O, s:O, s:b, s:O, s:s, s:n}", "category",
	                 json_object_get(res, "category"), "category_reasons",
	                 json_object_get(res, "reasons"), "category_basis",
	                 json_object_get(res, "basis"), "category_attestation",
	                 json_is_true(json_object_get(res, "attestation_caces")),
	                 "category_review_on", rev ? (json_t *)rev : json_null(),
	                 "category_computed_on", on_date, "category_error");
}

/* Call follow_up_category(@p view, @p on_date): the result (caller owns), or
 * NULL with @p err set (logged: a service's broken rule shows in the log). */
static json_t *category_call(socle_service *svc, json_t *view, const char *on_date,
                             socle_err *err)
{
	json_t *args = json_pack("[O, s]", view, on_date), *res = NULL;
	int rc = args ? socle_rule_call(svc, "follow_up_category", args, &res, err)
	              : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");

	json_decref(args);
	if (rc != 0)
		socle_log(SOCLE_LOG_WARN, "service %s : follow_up_category en échec : %s",
		          socle_service_id(svc), err->msg);
	return rc == 0 ? res : NULL;
}

/* The category of @p w on @p on_date as the columns to store (new object):
 * category, category_reasons, category_basis, category_attestation,
 * category_review_on, category_computed_on, category_error. A failing rule
 * gives a null category with its error: the worker is then counted among
 * those whose category could not be computed, and retried by the timer. */
static json_t *category_compute(socle_service *svc, const json_t *w, const char *on_date)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *view = rule_view(w);
	json_t *res = view ? category_call(svc, view, on_date, &err) : NULL;
	json_t *out = view ? category_columns(res, &err, on_date) : NULL;

	json_decref(view);
	json_decref(res);
	return out;
}

/* ---- writing workers (inside a write transaction) ------------------------- */

static json_t *user_of(socle_req *req)
{
	const socle_principal *who = req ? socle_req_principal(req) : NULL;

	return who ? json_integer(socle_principal_user_id(who)) : json_null();
}

static int history_add(socle_db *wdb, socle_req *req, int64_t worker_id, int64_t company_id,
                       const char *kind, const char *today, const char *source,
                       json_t *before, json_t *after, socle_err *err)
{
	json_t *p = json_pack("{s:I, s:I, s:s, s:s, s:I, s:o, s:s, s:o, s:o}", "worker",
	                      (json_int_t)worker_id, "company", (json_int_t)company_id, "kind", kind,
	                      "on", today, "at", (json_int_t)socle_now_ms(), "user", user_of(req),
	                      "source", source, "before", before, "after", after);

	if (p == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	int rc = socle_db_run(wdb,
		"INSERT INTO membership_worker_history (worker_id, company_id, kind, changed_on, at_ms,"
		" user_id, source, before_values, after_values)"
		" VALUES (:worker, :company, :kind, :on, :at, :user, :source, :before, :after)", p, err);
	json_decref(p);
	return rc < 0 ? rc : 0;
}

static int emit(socle_db *wdb, const char *event, json_t *payload, socle_err *err)
{
	if (payload == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	int rc = socle_event_emit(wdb, event, payload, err);

	json_decref(payload);
	return rc;
}

static int category_changed(socle_db *wdb, socle_req *req, int64_t worker_id, int64_t company_id,
                            const json_t *old_cat, const json_t *cat, const char *today,
                            const char *source, socle_err *err)
{
	int rc = history_add(wdb, req, worker_id, company_id, "category_changed", today, source,
	                     json_pack("{s:O}", "category", (json_t *)old_cat),
	                     json_pack("{s:O, s:O, s:O}", "category", json_object_get(cat, "category"),
	                               "reasons", json_object_get(cat, "category_reasons"),
	                               "basis", json_object_get(cat, "category_basis")),
	                     err);
	if (rc != 0)
		return rc;
	return emit(wdb, "worker.category_changed",
	            json_pack("{s:I, s:I, s:O, s:O, s:O, s:O, s:O}", "worker_id",
	                      (json_int_t)worker_id, "company_id", (json_int_t)company_id,
	                      "old_category", (json_t *)old_cat, "new_category",
	                      json_object_get(cat, "category"), "reasons",
	                      json_object_get(cat, "category_reasons"), "basis",
	                      json_object_get(cat, "category_basis"), "attestation_caces",
	                      json_object_get(cat, "category_attestation")),
	            err);
}

int membership_worker_insert(socle_db *wdb, socle_req *req, int64_t company_id, const json_t *w,
                             const char *today, const char *source, int64_t *out_id,
                             socle_err *err)
{
	socle_service *svc = socle_db_service(wdb);
	json_t *cat = category_compute(svc, w, today);
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
		" created_at, updated_at) VALUES (:company_id, :establishment_id, :external_ref,"
		" :last_name, :first_name, :birth_date, :job_title, :contract_type, :start_date,"
		" :end_date, :working_time, :night_worker, :rqth, :invalidity_pension, :exposures,"
		" :sir_post, :caces_or_electrical, :ionising_category_a, :minor_regulated_work,"
		" :category, :category_reasons, :category_basis, :category_attestation,"
		" :category_review_on, :category_computed_on, :category_error, :now, :now)",
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
	rc = history_add(wdb, req, id, company_id, "declared", today, source, json_object(),
	                 json_incref((json_t *)w), err);
	if (rc == 0)
		rc = emit(wdb, "worker.declared",
		          json_pack("{s:I, s:I, s:O, s:O, s:O}", "worker_id", (json_int_t)id,
		                    "company_id", (json_int_t)company_id, "external_ref",
		                    json_object_get(w, "external_ref"), "category",
		                    json_object_get(cat, "category"), "attestation_caces",
		                    json_object_get(cat, "category_attestation")),
		          err);
	/* A worker declared already gone: the exit is part of the story. */
	if (rc == 0 && json_is_string(json_object_get(w, "end_date")))
		rc = emit(wdb, "worker.left",
		          json_pack("{s:I, s:I, s:O}", "worker_id", (json_int_t)id, "company_id",
		                    (json_int_t)company_id, "end_date", json_object_get(w, "end_date")),
		          err);
	json_decref(cat);
	return rc;
}

/* Store the category columns of worker @p id. */
static int category_store(socle_db *wdb, int64_t id, const json_t *cat, socle_err *err)
{
	json_t *p = json_deep_copy(cat);

	if (p == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	json_object_set_new(p, "id", json_integer(id));
	json_object_set_new(p, "now", json_integer(socle_now_ms()));
	int rc = socle_db_run(wdb,
		"UPDATE membership_worker SET category = :category, category_reasons = :category_reasons,"
		" category_basis = :category_basis, category_attestation = :category_attestation,"
		" category_review_on = :category_review_on, category_computed_on = :category_computed_on,"
		" category_error = :category_error, updated_at = :now WHERE id = :id",
		p, err);
	json_decref(p);
	return rc < 0 ? rc : 0;
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
		" minor_regulated_work = :minor_regulated_work, updated_at = :now WHERE id = :id",
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

	rc = history_add(wdb, req, id, company_id, only_exit ? "left" : kind, today, source,
	                 json_incref(before), json_incref(after), err);
	if (rc == 0 && !only_exit)
		rc = emit(wdb, "worker.updated",
		          json_pack("{s:I, s:I, s:s, s:O}", "worker_id", (json_int_t)id, "company_id",
		                    (json_int_t)company_id, "kind", kind, "changed", changed),
		          err);
	if (rc == 0 && left)
		rc = emit(wdb, "worker.left",
		          json_pack("{s:I, s:I, s:O}", "worker_id", (json_int_t)id, "company_id",
		                    (json_int_t)company_id, "end_date", json_object_get(w, "end_date")),
		          err);
	if (rc == 0 && !only_exit) {
		json_t *cat = category_compute(socle_db_service(wdb), w, today);

		if (cat == NULL) {
			rc = socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
			goto out;
		}
		rc = category_store(wdb, id, cat, err);
		const json_t *old_cat = json_object_get(old, "category");
		if (rc == 0 && !json_is_null(json_object_get(cat, "category")) &&
		    !json_equal(old_cat ? old_cat : json_null(), json_object_get(cat, "category")))
			rc = category_changed(wdb, req, id, company_id, old_cat ? old_cat : json_null(),
			                      cat, today, source, err);
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

/* ---- recomputing categories ------------------------------------------------ */

struct recompute {
	const char *on_date;
	bool only_due;
	int64_t after_id;
	int chunk;
	int64_t examined, changed, failed;
	bool done;
};

/* Is the stored JSON text @p stored what @p v dumps to? Stored JSON columns
 * are written compact by the store (socle_stmt_bind_json), so equal values
 * have equal text. */
static bool same_json_text(const char *stored, const json_t *v)
{
	if (v == NULL || json_is_null(v))
		return stored == NULL;
	if (stored == NULL)
		return false;
	char *t = json_dumps(v, JSON_COMPACT);
	bool same = t != NULL && strcmp(t, stored) == 0;

	free(t);
	return same;
}

static bool same_text(const char *stored, const json_t *v)
{
	return json_is_string(v) ? stored != NULL && strcmp(stored, json_string_value(v)) == 0
	                         : stored == NULL;
}

/* The columns the rule point sees (rule_view), then the stored category. */
#define RECOMPUTE_VIEW 14
static const char *const recompute_view[RECOMPUTE_VIEW] = {
	"birth_date", "contract_type", "start_date", "end_date", "working_time", "job_title",
	"night_worker", "rqth", "invalidity_pension", "exposures", "sir_post",
	"caces_or_electrical", "ionising_category_a", "minor_regulated_work",
};

/* A worker read by recompute_chunk: what the rule sees, and the stored
 * result as text (category, reasons, basis, review_on, error; NULL: null). */
#define RECOMPUTE_STORED 5
struct recompute_row {
	json_t *view;
	int64_t id, company_id;
	char *stored[RECOMPUTE_STORED];
	bool attestation;
};

/* One chunk of workers in one transaction: a service-wide recomputation
 * never holds the write lock for long. The rows are read lean (what the rule
 * sees and the stored result as text): this runs for every worker of a
 * service (500,000 in the bench). */
static int recompute_chunk(socle_db *wdb, void *ud, socle_err *err)
{
	struct recompute *r = ud;
	socle_service *svc = socle_db_service(wdb);
	socle_stmt *st = socle_db_prepare(wdb,
		"SELECT birth_date, contract_type, start_date, end_date, working_time, job_title,"
		" night_worker, rqth, invalidity_pension, exposures, sir_post, caces_or_electrical,"
		" ionising_category_a, minor_regulated_work, id, company_id, category,"
		" category_reasons, category_basis, category_attestation, category_review_on,"
		" category_error FROM membership_worker WHERE id > :after"
		" AND (end_date IS NULL OR end_date >= :on)"
		" AND (:only_due = 0 OR category IS NULL OR category_review_on <= :on)"
		" ORDER BY id LIMIT :chunk", err);
	struct recompute_row *rows = calloc((size_t)r->chunk, sizeof(*rows));
	int rc = 0, n = 0;

	if (st == NULL || rows == NULL) {
		socle_stmt_release(st);
		free(rows);
		return err && err->code ? err->code : socle_err_set(err, SOCLE_E_NOMEM,
		                                                    "mémoire insuffisante");
	}
	socle_stmt_bind_int(st, ":after", r->after_id);
	socle_stmt_bind_text(st, ":on", r->on_date);
	socle_stmt_bind_int(st, ":only_due", r->only_due ? 1 : 0);
	socle_stmt_bind_int(st, ":chunk", r->chunk);
	/* Rows are collected first: the statement must be done before the
	 * updates of the same table. */
	while (n < r->chunk && (rc = socle_stmt_step(st, err)) == 1) {
		struct recompute_row *row = &rows[n++];
		json_t *view = json_object();
		bool ok = view != NULL;

		for (int c = 0; ok && c < RECOMPUTE_VIEW; c++) {
			json_t *v;

			if (socle_stmt_is_null(st, c))
				continue;
			if (c == 4)
				v = json_integer(socle_stmt_int(st, c));
			else if (c == 9)
				v = json_loads(socle_stmt_text(st, c), 0, NULL);
			else if (c >= 6)
				v = json_boolean(socle_stmt_int(st, c) != 0);
			else
				v = json_string(socle_stmt_text(st, c));
			if (v != NULL) /* unreadable stored JSON: left out, as before */
				ok = json_object_set_new_nocheck(view, recompute_view[c], v) == 0;
		}
		row->view = view;
		row->id = socle_stmt_int(st, 14);
		row->company_id = socle_stmt_int(st, 15);
		for (int c = 0; ok && c < RECOMPUTE_STORED; c++)
			if (!socle_stmt_is_null(st, 16 + (c < 3 ? c : c + 1)))
				ok = (row->stored[c] = strdup(socle_stmt_text(st, 16 + (c < 3 ? c : c + 1))))
				     != NULL;
		row->attestation = socle_stmt_int(st, 19) != 0;
		if (!ok) {
			rc = socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
			break;
		}
	}
	socle_stmt_release(st);
	r->done = rc == 0 && n < r->chunk;
	if (rc == 1)
		rc = 0; /* a full chunk: the next transaction goes on after it */
	for (int i = 0; rc == 0 && i < n; i++) {
		struct recompute_row *row = &rows[i];
		const char *old_cat = row->stored[0];
		socle_err cerr = SOCLE_ERR_INIT;
		json_t *res = category_call(svc, row->view, r->on_date, &cerr);
		const json_t *new_cat = res ? json_object_get(res, "category") : NULL;
		const json_t *rev = res ? json_object_get(res, "review_on") : NULL;
		json_t *cat = NULL;

		r->after_id = row->id;
		r->examined++;
		if (res == NULL)
			r->failed++;
		/* Same result: nothing to write (computed_on aside). Compared with
		 * the stored text first, so an unchanged worker builds nothing. */
		bool same = res != NULL && same_text(old_cat, new_cat) &&
		            same_json_text(row->stored[1], json_object_get(res, "reasons")) &&
		            same_json_text(row->stored[2], json_object_get(res, "basis")) &&
		            row->attestation == json_is_true(json_object_get(res, "attestation_caces")) &&
		            same_text(row->stored[3], rev) && row->stored[4] == NULL;
		if (!same) {
			cat = category_columns(res, &cerr, r->on_date);
			rc = cat ? category_store(wdb, row->id, cat, err)
			         : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
		}
		if (rc == 0 && cat && res && !same_text(old_cat, new_cat)) {
			json_t *old = old_cat ? json_string(old_cat) : json_null();

			r->changed++;
			rc = old ? category_changed(wdb, NULL, row->id, row->company_id, old, cat,
			                            r->on_date, "recompute", err)
			         : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
			json_decref(old);
		}
		json_decref(res);
		json_decref(cat);
	}
	for (int i = 0; i < n; i++) {
		json_decref(rows[i].view);
		for (int c = 0; c < RECOMPUTE_STORED; c++)
			free(rows[i].stored[c]);
	}
	free(rows);
	return rc;
}

int membership_recompute_categories(socle_service *svc, const char *on_date, bool only_due,
                                    json_t **summary, socle_err *err)
{
	char today[11];
	struct recompute r = {.on_date = on_date, .only_due = only_due, .chunk = 5000};
	int rc = 0;

	if (on_date == NULL) {
		socle_date_today(today);
		r.on_date = today;
	}
	while (!r.done && (rc = socle_service_write(svc, recompute_chunk, &r, err)) == 0)
		;
	if (rc == 0 && (r.examined > 0 || !only_due)) {
		struct socle_audit_entry e = {.action = "membership.workforce.recompute",
		                              .object_type = NULL, .outcome = "ok"};
		json_t *d = json_pack("{s:s, s:b, s:I, s:I, s:I}", "on_date", r.on_date, "only_due",
		                      only_due, "examined", (json_int_t)r.examined, "changed",
		                      (json_int_t)r.changed, "failed", (json_int_t)r.failed);
		e.detail = d;
		socle_audit_now(NULL, &e, NULL);
		json_decref(d);
	}
	if (rc == 0 && summary)
		*summary = json_pack("{s:s, s:I, s:I, s:I}", "on_date", r.on_date, "examined",
		                     (json_int_t)r.examined, "changed", (json_int_t)r.changed, "failed",
		                     (json_int_t)r.failed);
	return rc;
}

/* Hourly on the loop thread: the workers whose category may have moved since
 * it was computed (review_on reached: a minor turned 18, a dated rule took
 * effect) or could not be computed. Cheap when nothing is due (an indexed
 * range), so the hour only bounds the delay after midnight. */
static void recompute_timer(socle_core *core, void *ud)
{
	(void)ud;
	for (size_t i = 0; i < socle_core_service_count(core); i++) {
		socle_service *svc = socle_core_service_at(core, i);
		socle_err err = SOCLE_ERR_INIT;
		json_t *sum = NULL;

		if (!socle_service_enables(svc, "membership"))
			continue;
		if (membership_recompute_categories(svc, NULL, true, &sum, &err) != 0)
			socle_log(SOCLE_LOG_WARN, "service %s : recalcul des catégories en échec : %s",
			          socle_service_id(svc), err.msg);
		else if (json_integer_value(json_object_get(sum, "changed")) > 0)
			socle_log(SOCLE_LOG_INFO, "service %s : %lld catégorie(s) de suivi recalculée(s)",
			          socle_service_id(svc),
			          (long long)json_integer_value(json_object_get(sum, "changed")));
		json_decref(sum);
	}
}

/* ---- HTTP ----------------------------------------------------------------- */

/* The company of the path, with the access check: staff of the service, or an
 * employer user holding @p role in that company. 0 or a reply was sent. */
static int company_param(socle_req *req, const char *role, int64_t *company_id)
{
	socle_err err = SOCLE_ERR_INIT;
	int rc = socle_req_param_id(req, "id", company_id);

	if (rc != 0) {
		socle_reply_error(req, 404, "not_found", "Entreprise introuvable.");
		return rc;
	}
	if ((rc = membership_company_access(req, *company_id, role, &err)) != 0) {
		socle_reply_err(req, &err);
		return rc;
	}
	return 0;
}

/* GET /membership/companies/{id}/workers?category=&active=&limit=&cursor= */
static int workers_list(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company_id, after;
	int limit, active = -1;
	(void)ud;

	if (company_param(req, MEMBERSHIP_ROLE_DECLARATION, &company_id) != 0)
		return 0;
	if (socle_req_page(req, &limit, &after, &err) != 0)
		return socle_reply_err(req, &err);
	const char *cat = socle_req_query(req, "category"), *act = socle_req_query(req, "active");
	if (cat && strcmp(cat, "SI") && strcmp(cat, "SIA") && strcmp(cat, "SIR") && strcmp(cat, "none"))
		return socle_reply_error(req, 400, "invalid",
		                         "category : SI, SIA, SIR ou none (non calculée) attendu.");
	if (act) {
		if (strcmp(act, "true") == 0)
			active = 1;
		else if (strcmp(act, "false") == 0)
			active = 0;
		else
			return socle_reply_error(req, 400, "invalid", "active : true ou false attendu.");
	}
	socle_db *db = socle_req_reader(req, &err);
	if (db == NULL)
		return socle_reply_err(req, &err);
	json_t *items = membership_workers_page(db, company_id, after, limit, cat, active, &err);
	if (items == NULL)
		return socle_reply_err(req, &err);
	json_t *body = json_pack("{s:o}", "items", items);
	json_object_set_new(body, "next_cursor", socle_page_cursor(items, limit, "id"));
	return socle_reply_json(req, 200, body);
}

struct worker_write {
	socle_req *req;
	int64_t company_id;
	int64_t worker_id;
	const json_t *body;
	json_t *errors;   /* field errors found inside the transaction */
	json_t *result;   /* the worker as stored */
	const char *audit_action;
};

static int worker_reload(socle_db *wdb, struct worker_write *ww, socle_err *err)
{
	ww->result = membership_worker_load(wdb, ww->company_id, ww->worker_id, err);
	return ww->result ? 0 : (err && err->code ? err->code : SOCLE_E_INTERNAL);
}

static int audit_worker(socle_db *wdb, struct worker_write *ww, json_t *detail, socle_err *err)
{
	struct socle_audit_entry e = {.action = ww->audit_action, .object_type = "worker",
	                              .object_id = ww->worker_id, .outcome = "ok", .detail = detail};
	int rc = socle_audit(wdb, ww->req, &e, err);

	json_decref(detail);
	return rc;
}

static int declare_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct worker_write *ww = ud;
	char today[11];
	int rc;

	socle_date_today(today);
	if ((rc = membership_company_writable(wdb, ww->company_id, err)) != 0)
		return rc;
	/* Checked again in the transaction: the establishment or the reference
	 * may have changed since the request was read. */
	if (membership_worker_check_dates(wdb, ww->company_id, ww->body, NULL, &ww->errors) > 0)
		return SOCLE_E_INVAL;
	json_t *w = membership_worker_normalize(ww->body, NULL);
	if (w == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	rc = membership_worker_insert(wdb, ww->req, ww->company_id, w, today, "api", &ww->worker_id,
	                              err);
	json_decref(w);
	if (rc == SOCLE_E_EXISTS) {
		socle_field_error(&ww->errors, "external_ref",
		                  "Un salarié de cette entreprise porte déjà cette référence.");
		return SOCLE_E_INVAL;
	}
	if (rc == 0)
		rc = audit_worker(wdb, ww, json_pack("{s:I}", "company_id", (json_int_t)ww->company_id),
		                  err);
	return rc ? rc : worker_reload(wdb, ww, err);
}

/* Run a worker write and answer: 422 with the field errors found inside,
 * the error otherwise, or @p status with the stored worker. */
static int worker_write_reply(socle_req *req, socle_write_fn fn, struct worker_write *ww,
                              unsigned status)
{
	socle_err err = SOCLE_ERR_INIT;
	int rc = socle_service_write(socle_req_service(req), fn, ww, &err);

	if (rc == SOCLE_E_INVAL && ww->errors) {
		json_decref(ww->result);
		return socle_reply_invalid(req, ww->errors);
	}
	json_decref(ww->errors);
	if (rc != 0) {
		json_decref(ww->result);
		return socle_reply_err(req, &err);
	}
	return socle_reply_json(req, status, ww->result);
}

/* POST /membership/companies/{id}/workers */
static int worker_declare(socle_req *req, void *ud)
{
	struct worker_write ww = {.req = req, .body = socle_req_body(req),
	                          .audit_action = "membership.worker.declare"};
	socle_err err = SOCLE_ERR_INIT;
	(void)ud;

	if (company_param(req, MEMBERSHIP_ROLE_DECLARATION, &ww.company_id) != 0)
		return 0;
	socle_db *db = socle_req_reader(req, &err);
	if (db == NULL)
		return socle_reply_err(req, &err);
	if (membership_worker_check(db, ww.company_id, ww.body, false, NULL, &ww.errors) > 0)
		return socle_reply_invalid(req, ww.errors);
	json_decref(ww.errors);
	ww.errors = NULL;
	return worker_write_reply(req, declare_txn, &ww, 201);
}

static int worker_param(socle_req *req, int64_t *company_id, int64_t *worker_id)
{
	if (company_param(req, MEMBERSHIP_ROLE_DECLARATION, company_id) != 0)
		return -1;
	if (socle_req_param_id(req, "wid", worker_id) != 0) {
		socle_reply_error(req, 404, "not_found", "Salarié introuvable dans cette entreprise.");
		return -1;
	}
	return 0;
}

/* GET /membership/companies/{id}/workers/{wid} */
static int worker_get(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company_id, id;
	(void)ud;

	if (worker_param(req, &company_id, &id) != 0)
		return 0;
	socle_db *db = socle_req_reader(req, &err);
	json_t *w = db ? membership_worker_load(db, company_id, id, &err) : NULL;
	if (w == NULL)
		return socle_reply_err(req, &err);
	return socle_reply_json(req, 200, w);
}

static int patch_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct worker_write *ww = ud;
	char today[11];

	socle_date_today(today);
	if (membership_company_writable(wdb, ww->company_id, err) != 0)
		return err->code;
	json_t *old = membership_worker_load(wdb, ww->company_id, ww->worker_id, err);
	if (old == NULL)
		return err->code ? err->code : SOCLE_E_NOTFOUND;
	json_t *w = membership_worker_normalize(ww->body, old);
	if (w == NULL) {
		json_decref(old);
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	}
	int rc = membership_worker_check_dates(wdb, ww->company_id, w, NULL, &ww->errors) > 0
	                 ? SOCLE_E_INVAL
	                 : membership_worker_update(wdb, ww->req, old, w, today, "api", err);
	json_decref(w);
	json_decref(old);
	if (rc == SOCLE_E_EXISTS) {
		socle_field_error(&ww->errors, "external_ref",
		                  "Un salarié de cette entreprise porte déjà cette référence.");
		return SOCLE_E_INVAL;
	}
	if (rc == 1)
		rc = audit_worker(wdb, ww, json_pack("{s:I}", "company_id", (json_int_t)ww->company_id),
		                  err);
	return rc < 0 ? rc : worker_reload(wdb, ww, err);
}

/* PATCH /membership/companies/{id}/workers/{wid}: the fields given change. */
static int worker_patch(socle_req *req, void *ud)
{
	struct worker_write ww = {.req = req, .body = socle_req_body(req),
	                          .audit_action = "membership.worker.update"};
	(void)ud;

	if (worker_param(req, &ww.company_id, &ww.worker_id) != 0)
		return 0;
	if (membership_worker_check(NULL, ww.company_id, ww.body, true, NULL, &ww.errors) > 0)
		return socle_reply_invalid(req, ww.errors);
	return worker_write_reply(req, patch_txn, &ww, 200);
}

static const struct socle_field exit_fields[] = {
	{.name = "end_date", .type = SOCLE_F_DATE, .required = true},
};

static int exit_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct worker_write *ww = ud;
	char today[11];

	socle_date_today(today);
	if (membership_company_writable(wdb, ww->company_id, err) != 0)
		return err->code;
	json_t *old = membership_worker_load(wdb, ww->company_id, ww->worker_id, err);
	if (old == NULL)
		return err->code ? err->code : SOCLE_E_NOTFOUND;
	const char *end = json_string_value(json_object_get(ww->body, "end_date"));
	const char *prev = json_string_value(json_object_get(old, "end_date"));
	int rc;

	if (prev != NULL) {
		rc = socle_err_set(err, SOCLE_E_CONFLICT, "Ce salarié est déjà sorti le %s.", prev);
	} else if (strcmp(end, json_string_value(json_object_get(old, "start_date"))) < 0) {
		socle_field_error(&ww->errors, "end_date",
		                  "La date de sortie ne peut précéder la date d'embauche.");
		rc = SOCLE_E_INVAL;
	} else {
		json_t *w = membership_worker_normalize(ww->body, old);

		rc = w ? membership_worker_update(wdb, ww->req, old, w, today, "api", err)
		       : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
		json_decref(w);
		if (rc == 1)
			rc = audit_worker(wdb, ww, json_pack("{s:I, s:s}", "company_id",
			                                     (json_int_t)ww->company_id, "end_date", end),
			                  err);
	}
	json_decref(old);
	return rc < 0 ? rc : worker_reload(wdb, ww, err);
}

/* POST /membership/companies/{id}/workers/{wid}/exit {end_date} */
static int worker_exit(socle_req *req, void *ud)
{
	struct worker_write ww = {.req = req, .body = socle_req_body(req),
	                          .audit_action = "membership.worker.exit"};
	(void)ud;

	if (worker_param(req, &ww.company_id, &ww.worker_id) != 0)
		return 0;
	if (socle_fields_check(ww.body, exit_fields, SOCLE_COUNT(exit_fields), NULL, &ww.errors) > 0)
		return socle_reply_invalid(req, ww.errors);
	return worker_write_reply(req, exit_txn, &ww, 200);
}

/* GET /membership/companies/{id}/workers/{wid}/history: newest first. */
static int worker_history(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company_id, id, after;
	int limit;
	(void)ud;

	if (worker_param(req, &company_id, &id) != 0)
		return 0;
	if (socle_req_page(req, &limit, &after, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *w = db ? membership_worker_load(db, company_id, id, &err) : NULL;
	if (w == NULL)
		return socle_reply_err(req, &err);
	json_decref(w);
	socle_stmt *st = socle_db_prepare(db,
		"SELECT id, kind, changed_on, at_ms, user_id, source, before_values, after_values"
		" FROM membership_worker_history WHERE worker_id = :worker"
		" AND (:after = 0 OR id < :after) ORDER BY id DESC LIMIT :limit", &err);
	if (st == NULL)
		return socle_reply_err(req, &err);
	socle_stmt_bind_int(st, ":worker", id);
	socle_stmt_bind_int(st, ":after", after);
	socle_stmt_bind_int(st, ":limit", limit);
	json_t *items = json_array();
	int rc = 0;
	while (items && (rc = socle_stmt_step(st, &err)) == 1) {
		json_t *h = json_pack("{s:I, s:s, s:s, s:I, s:o, s:s, s:o, s:o}", "id",
		                      (json_int_t)socle_stmt_int(st, 0), "kind", socle_stmt_text(st, 1),
		                      "changed_on", socle_stmt_text(st, 2), "at",
		                      (json_int_t)socle_stmt_int(st, 3), "user_id",
		                      socle_stmt_is_null(st, 4) ? json_null()
		                                                : json_integer(socle_stmt_int(st, 4)),
		                      "source", socle_stmt_text(st, 5), "before",
		                      json_loads(socle_stmt_text(st, 6), 0, NULL), "after",
		                      json_loads(socle_stmt_text(st, 7), 0, NULL));
		json_array_append_new(items, h);
	}
	socle_stmt_release(st);
	if (items == NULL)
		return SOCLE_E_NOMEM;
	if (rc < 0) {
		json_decref(items);
		return socle_reply_err(req, &err);
	}
	json_t *body = json_pack("{s:I, s:o}", "worker_id", (json_int_t)id, "items", items);
	json_object_set_new(body, "next_cursor", socle_page_cursor(items, limit, "id"));
	return socle_reply_json(req, 200, body);
}

/* GET /membership/companies/{id}/workforce/distribution: the active workforce
 * by follow-up category (seed 3.6.1.1), with the workers whose category could
 * not be computed. Any employer user of the company may see it. */
static int workforce_distribution(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company_id;
	char today[11];
	(void)ud;

	if (company_param(req, NULL, &company_id) != 0)
		return 0;
	socle_db *db = socle_req_reader(req, &err);
	if (db == NULL)
		return socle_reply_err(req, &err);
	socle_date_today(today);
	json_t *p = json_pack("{s:I, s:s}", "company", (json_int_t)company_id, "today", today);
	json_t *rows = socle_db_query(db,
		"SELECT category, COUNT(*) AS n, SUM(category_attestation) AS attestation"
		" FROM membership_worker WHERE company_id = :company"
		" AND (end_date IS NULL OR end_date >= :today) GROUP BY category", p, &err);
	json_t *missing = rows ? socle_db_query(db,
		"SELECT id, external_ref, last_name, first_name, category_error"
		" FROM membership_worker WHERE company_id = :company AND category IS NULL"
		" AND (end_date IS NULL OR end_date >= :today) ORDER BY id LIMIT 100", p, &err) : NULL;
	json_decref(p);
	if (missing == NULL) {
		json_decref(rows);
		return socle_reply_err(req, &err);
	}
	json_int_t total = 0, uncomputed = 0, attestation = 0;
	json_t *counts = json_pack("{s:i, s:i, s:i}", "SI", 0, "SIA", 0, "SIR", 0);
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		json_int_t n = json_integer_value(json_object_get(r, "n"));
		const char *c = json_string_value(json_object_get(r, "category"));

		total += n;
		attestation += json_integer_value(json_object_get(r, "attestation"));
		if (c)
			json_object_set_new(counts, c, json_integer(n));
		else
			uncomputed += n;
	}
	json_decref(rows);
	json_t *shares = json_object();
	const char *k;
	json_t *v;
	json_object_foreach(counts, k, v)
		/* One decimal is what a chart shows; the counts stay exact. */
		json_object_set_new(shares, k, json_real(total ? (double)(long long)(
			1000.0 * (double)json_integer_value(v) / (double)total + 0.5) / 10.0 : 0.0));
	return socle_reply_json(req, 200,
		json_pack("{s:I, s:s, s:I, s:o, s:o, s:I, s:I, s:o}", "company_id",
		          (json_int_t)company_id, "on_date", today, "total", total, "categories",
		          counts, "percent", shares, "attestation_caces", attestation, "uncomputed",
		          uncomputed, "uncomputed_workers", missing));
}

/* ---- the employer's SIR posts (R4624-23 III) --------------------------------- */

static int sir_posts_reply(socle_req *req, socle_db *db, int64_t company_id, unsigned status)
{
	socle_err err = SOCLE_ERR_INIT;
	char today[11], due[11];
	json_t *p = json_pack("{s:I}", "company", (json_int_t)company_id);
	json_t *items = socle_db_query(db,
		"SELECT id, post, justification, medecin_opinion_on, cse_opinion_on, updated_on"
		" FROM membership_sir_post WHERE company_id = :company ORDER BY id LIMIT 500", p, &err);

	json_decref(p);
	if (items == NULL)
		return socle_reply_err(req, &err);
	socle_date_today(today);
	/* The list is updated as a whole: its date is the oldest row's. */
	const char *updated = NULL;
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it) {
		const char *u = json_string_value(json_object_get(it, "updated_on"));

		if (u && (updated == NULL || strcmp(u, updated) < 0))
			updated = u;
	}
	json_t *body = json_pack("{s:I, s:O, s:s?}", "company_id", (json_int_t)company_id, "items",
	                         items, "updated_on", updated);
	if (updated) {
		if (!socle_date_add_months(updated, 12, due))
			due[0] = '\0';
		json_object_set_new(body, "next_update_due", json_string(due));
		json_object_set_new(body, "due_for_update", json_boolean(strcmp(today, due) > 0));
	} else {
		json_object_set_new(body, "updated_on", json_null());
		json_object_set_new(body, "next_update_due", json_null());
		json_object_set_new(body, "due_for_update", json_false());
	}
	json_decref(items);
	return socle_reply_json(req, status, body);
}

/* GET /membership/companies/{id}/sir-posts */
static int sir_posts_get(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company_id;
	(void)ud;

	if (company_param(req, MEMBERSHIP_ROLE_DECLARATION, &company_id) != 0)
		return 0;
	socle_db *db = socle_req_reader(req, &err);
	if (db == NULL)
		return socle_reply_err(req, &err);
	return sir_posts_reply(req, db, company_id, 200);
}

static int check_past_date(const json_t *v, char *msg, size_t size)
{
	char today[11];

	socle_date_today(today);
	if (strcmp(json_string_value(v), today) > 0) {
		snprintf(msg, size, "Ne peut être une date future.");
		return -1;
	}
	return 0;
}

static const struct socle_field sir_list_fields[] = {
	{.name = "posts", .type = SOCLE_F_ARRAY, .required = true, .max = 200},
};
static const struct socle_field sir_post_fields[] = {
	{.name = "post", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 200,
	 .check = check_text},
	{.name = "justification", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 4000},
	{.name = "medecin_opinion_on", .type = SOCLE_F_DATE, .required = true,
	 .check = check_past_date},
	/* A company without CSE (fewer than 11 employees) has no CSE opinion to give. */
	{.name = "cse_opinion_on", .type = SOCLE_F_DATE, .check = check_past_date},
};

struct sir_write {
	socle_req *req;
	int64_t company_id;
	const json_t *posts;
};

static int sir_posts_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct sir_write *sw = ud;
	char today[11];
	json_t *p = json_pack("{s:I}", "company", (json_int_t)sw->company_id);
	int rc = socle_db_run(wdb, "DELETE FROM membership_sir_post WHERE company_id = :company", p,
	                      err);
	size_t i;
	json_t *post;

	json_decref(p);
	socle_date_today(today);
	json_array_foreach(sw->posts, i, post) {
		if (rc < 0)
			break;
		json_t *row = json_pack("{s:I, s:O, s:O, s:O, s:O, s:s, s:o}", "company",
		                        (json_int_t)sw->company_id, "post", json_object_get(post, "post"),
		                        "justification", json_object_get(post, "justification"),
		                        "medecin", json_object_get(post, "medecin_opinion_on"), "cse",
		                        json_object_get(post, "cse_opinion_on")
		                                ? json_object_get(post, "cse_opinion_on")
		                                : json_null(),
		                        "today", today, "by", user_of(sw->req));
		rc = socle_db_run(wdb,
			"INSERT INTO membership_sir_post (company_id, post, justification,"
			" medecin_opinion_on, cse_opinion_on, updated_on, updated_by)"
			" VALUES (:company, :post, :justification, :medecin, :cse, :today, :by)", row, err);
		json_decref(row);
	}
	if (rc < 0)
		return rc;
	json_t *d = json_pack("{s:I}", "posts", (json_int_t)json_array_size(sw->posts));
	struct socle_audit_entry e = {.action = "membership.sir_posts.update",
	                              .object_type = "company", .object_id = sw->company_id,
	                              .outcome = "ok", .detail = d};
	rc = socle_audit(wdb, sw->req, &e, err);
	json_decref(d);
	return rc;
}

/* PUT /membership/companies/{id}/sir-posts {posts: [...]}: the whole list,
 * dated today (its yearly update). */
static int sir_posts_put(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	struct sir_write sw = {.req = req};
	json_t *errors = NULL;
	(void)ud;

	if (company_param(req, MEMBERSHIP_ROLE_DECLARATION, &sw.company_id) != 0)
		return 0;
	const json_t *body = socle_req_body(req);
	if (socle_fields_check(body, sir_list_fields, SOCLE_COUNT(sir_list_fields), NULL, &errors) > 0)
		return socle_reply_invalid(req, errors);
	sw.posts = json_object_get(body, "posts");
	size_t i;
	json_t *post;
	json_array_foreach(sw.posts, i, post) {
		char prefix[32];

		snprintf(prefix, sizeof(prefix), "posts[%zu].", i);
		socle_fields_check(post, sir_post_fields, SOCLE_COUNT(sir_post_fields), prefix, &errors);
	}
	if (errors)
		return socle_reply_invalid(req, errors);
	if (socle_service_write(socle_req_service(req), sir_posts_txn, &sw, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	if (db == NULL)
		return socle_reply_err(req, &err);
	return sir_posts_reply(req, db, sw.company_id, 200);
}

/* POST /membership/workforce/recompute: every active worker of the service,
 * now (after a change of the service's rules, for instance). */
static int workforce_recompute(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *sum = NULL;
	(void)ud;

	if (membership_recompute_categories(socle_req_service(req), NULL, false, &sum, &err) != 0)
		return socle_reply_err(req, &err);
	return socle_reply_json(req, 200, sum);
}

static const struct socle_route workforce_routes[] = {
	{SOCLE_GET, "/membership/companies/{id}/workers", "membership.workforce", 0, workers_list,
	 NULL},
	{SOCLE_POST, "/membership/companies/{id}/workers", "membership.workforce", 16384,
	 worker_declare, NULL},
	{SOCLE_POST | SOCLE_ROUTE_CSV, "/membership/companies/{id}/workers/import",
	 "membership.workforce", MEMBERSHIP_IMPORT_MAX_BYTES, membership_import_route, NULL},
	{SOCLE_GET, "/membership/companies/{id}/workers/{wid}", "membership.workforce", 0,
	 worker_get, NULL},
	{SOCLE_PATCH, "/membership/companies/{id}/workers/{wid}", "membership.workforce", 16384,
	 worker_patch, NULL},
	{SOCLE_POST, "/membership/companies/{id}/workers/{wid}/exit", "membership.workforce", 1024,
	 worker_exit, NULL},
	{SOCLE_GET, "/membership/companies/{id}/workers/{wid}/history", "membership.workforce", 0,
	 worker_history, NULL},
	{SOCLE_GET, "/membership/companies/{id}/workforce/distribution", "membership.workforce", 0,
	 workforce_distribution, NULL},
	{SOCLE_GET, "/membership/companies/{id}/sir-posts", "membership.workforce", 0, sir_posts_get,
	 NULL},
	{SOCLE_PUT, "/membership/companies/{id}/sir-posts", "membership.workforce", 262144,
	 sir_posts_put, NULL},
	{SOCLE_POST, "/membership/workforce/recompute", "membership.workforce.recompute", 0,
	 workforce_recompute, NULL},
};

int membership_workforce_init(socle_plugin *p, socle_err *err)
{
	int rc;

	/* Staff of the service and employer users; which company an employer may
	 * touch (and with which role) is checked per request. */
	if ((rc = socle_plugin_add_capability(p, "membership.workforce",
	                                      SOCLE_ROLES_STAFF |
	                                              SOCLE_ROLE_BIT(SOCLE_ROLE_EMPLOYER),
	                                      err)) ||
	    (rc = socle_plugin_add_capability(p, "membership.workforce.recompute",
	                                      SOCLE_ROLE_BIT(SOCLE_ROLE_SERVICE_ADMIN), err)) ||
	    (rc = socle_plugin_add_routes(p, workforce_routes, SOCLE_COUNT(workforce_routes), err)) ||
	    (rc = socle_plugin_add_rule_point(p, &category_rule, err)) ||
	    (rc = socle_plugin_add_timer(p, 3600 * 1000, recompute_timer, NULL, err)))
		return rc;
	return 0;
}
