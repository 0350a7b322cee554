/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The DMST, dossier médical en santé au travail (issue 4, item 8; seed
 * 3.3.1.2.4; rules-and-figures.md §1.3, L4624-8, décret 2022-1434):
 *   - tracking_dmst: one file per worker (its id is the worker's), the identity
 *     part (INS, médecin traitant), the worker's oppositions, the last visit and
 *     death dates and the retention date computed from them;
 *   - tracking_dmst_entry: the file's content, append-only: exposures past and
 *     present, observations, exams, conclusions, exchanges, documents,
 *     information given to the worker. No route updates or deletes an entry; a
 *     correction is a new entry naming the one it corrects (one correction per
 *     entry, enforced by a unique index, so corrections form a chain).
 *
 * Medical secrecy: every read and write goes first through
 * socle_access_medical (health professionals only; the access is written to the
 * audit log durably before any data is read or written), then through its own
 * write transaction that audits the change and emits the event with it. The
 * refusals of other roles are audited by the router (capability medical.*) or by
 * socle_access_medical. Events and audit details carry ids only, never medical
 * content. The gate comes before the body's validation: a rejected write is
 * still a traced "dmst.write" access (the professional opened the file to
 * write), and nothing is changed by it.
 *
 * Opposition (L4624-8): a worker may oppose access to the file by the health
 * professionals who follow him under the médecin du travail's authority. When
 * opposition_other_professionals is set, only the médecin du travail reads or
 * writes the file: an infirmier is refused (403, audited as denied, before
 * socle_access_medical records any access). The check is
 * tracking_medical_access (tracking.h), the one gate of every route of the
 * plugin that returns medical content: this file's, the documents of a visit
 * and the notes of an outcome (outcome.c), the reason of a request
 * (planning.c).
 *
 * Retention (décret 2022-1434): kept at least 40 years after the last visit
 * (the file's creation date while no visit is recorded), and at most 10 years
 * after death: retention_until = base + 40 years, then, when death_on is
 * known, min(that, death_on + 10 years). A 29 February rounds up to 1 March for
 * the 40-year floor (never shorter than 40 years) and down to 28 February for
 * the 10-year cap (never longer than 10 years). TC37: 2025-05-10 -> 2065-05-10.
 *
 * INS (identifiant national de santé): the NIR form, 15 characters: 13 for the
 * number (sex 1, 2, 3, 4, 7 or 8; year; month 01-12 or the INSEE conventions
 * 20-42 and 50-99; department, 2 digits or 2A / 2B for Corsica; commune; order)
 * and a 2-digit key = 97 - (number mod 97), computed with 2A read as 19 and 2B
 * as 18. Spaces are ignored on input; stored as 15 characters, 2A/2B upper case.
 * Several workers (one person employed by two members) may share an INS.
 *
 * Coupling: the worker must exist in membership_worker (plain SELECT id, like
 * leave.c); the access lists are the core's audit entries of successful
 * "dmst.*" accesses to the worker (socle_audit_about). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracking.h"

const char tracking_sql_dmst[] =
	"CREATE TABLE tracking_dmst ("
	"  worker_id INTEGER PRIMARY KEY REFERENCES membership_worker(id),"
	"  ins TEXT CHECK (ins IS NULL OR LENGTH(ins) = 15),"
	"  medecin_traitant TEXT,"
	"  opposition_other_professionals INTEGER NOT NULL DEFAULT 0"
	"    CHECK (opposition_other_professionals IN (0, 1)),"
	"  opposition_transfer INTEGER NOT NULL DEFAULT 0 CHECK (opposition_transfer IN (0, 1)),"
	"  last_visit_on TEXT,"
	"  death_on TEXT,"
	"  retention_until TEXT NOT NULL,"
	"  created_on TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  created_by INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  updated_by INTEGER NOT NULL);"
	"CREATE TABLE tracking_dmst_entry ("
	"  id INTEGER PRIMARY KEY,"
	"  worker_id INTEGER NOT NULL REFERENCES tracking_dmst(worker_id),"
	"  kind TEXT NOT NULL CHECK (kind IN ('exposure_past', 'exposure_current', 'observation',"
	"    'exam', 'conclusion', 'exchange', 'document', 'info_given')),"
	"  entry_date TEXT NOT NULL,"
	"  entry_text TEXT,"
	"  data TEXT,"
	"  corrects_id INTEGER REFERENCES tracking_dmst_entry(id),"
	"  author_id INTEGER NOT NULL,"
	"  author_role TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL);"
	"CREATE INDEX tracking_dmst_entry_worker ON tracking_dmst_entry (worker_id, id);"
	"CREATE UNIQUE INDEX tracking_dmst_entry_corrects ON tracking_dmst_entry (corrects_id);";


/* ---- dates ("YYYY-MM-DD" text; they sort as they compare) ------------------------ */

/* @p date plus @p years, through the core's calendar (socle/date.h). A 29
 * February that does not exist in the target year becomes 1 March when
 * @p round_up (a floor: never less than the span), else 28 February (a cap:
 * never more, which is what adding months gives). Out of range: 9999-12-31. */
static void date_add_years(const char *date, int years, bool round_up, char out[11])
{
	int y, m, d;

	if (!socle_date_parts(date, &y, &m, &d) || !socle_date_add_months(date, 12 * years, out)) {
		snprintf(out, 11, "%s", "9999-12-31");
		return;
	}
	if (round_up && m == 2 && d == 29 && strcmp(out + 5, "02-28") == 0)
		socle_date_add_days(out, 1, out);
}

/* ---- INS ------------------------------------------------------------------------ */

/* Normalise and check an INS (see the head of this file). Returns NULL and
 * fills @p out (15 characters) when valid, or a French message. */
static const char *ins_normalize(const char *in, char out[16])
{
	size_t n = 0;

	for (const char *p = in; *p; p++) {
		if (*p == ' ')
			continue;
		if (n == 15)
			return "15 caractères attendus : 13 pour le numéro et 2 pour la clé (les espaces "
			       "sont ignorés).";
		out[n++] = (*p == 'a' || *p == 'b') ? (char)(*p - 'a' + 'A') : *p;
	}
	out[n] = '\0';
	if (n != 15)
		return "15 caractères attendus : 13 pour le numéro et 2 pour la clé (les espaces sont "
		       "ignorés).";
	if (strchr("123478", out[0]) == NULL)
		return "Le premier caractère (sexe) doit être 1, 2, 3, 4, 7 ou 8.";
	for (int i = 1; i < 15; i++)
		if ((i < 5 || i > 6) && (out[i] < '0' || out[i] > '9'))
			return "Seuls des chiffres sont admis, sauf 2A ou 2B pour le département de "
			       "naissance (Corse).";
	int month = (out[3] - '0') * 10 + (out[4] - '0');
	if (month == 0 || (month > 12 && month < 20) || (month > 42 && month < 50))
		return "Mois de naissance invalide (4e et 5e caractères : 01 à 12, ou 20 à 42 et 50 à "
		       "99 selon les conventions de l'INSEE).";
	bool corsica = out[5] == '2' && (out[6] == 'A' || out[6] == 'B');
	if (!corsica && (out[5] < '0' || out[5] > '9' || out[6] < '0' || out[6] > '9'))
		return "Département de naissance invalide (6e et 7e caractères : deux chiffres, 2A ou "
		       "2B).";
	int64_t number = 0;
	for (int i = 0; i < 13; i++) {
		int digit;

		if (corsica && i == 5)
			digit = 1;
		else if (corsica && i == 6)
			digit = out[6] == 'A' ? 9 : 8; /* 2A counts as 19, 2B as 18 */
		else
			digit = out[i] - '0';
		number = number * 10 + digit;
	}
	int key = (out[13] - '0') * 10 + (out[14] - '0');
	if (key < 1 || key > 97)
		return "La clé (deux derniers chiffres) doit être comprise entre 01 et 97.";
	if (key != 97 - (int)(number % 97))
		return "Clé de contrôle invalide : vérifiez le numéro.";
	return NULL;
}

static int ins_check(const json_t *v, char *msg, size_t size)
{
	char out[16];
	const char *problem = ins_normalize(json_string_value(v), out);

	if (problem == NULL)
		return 0;
	snprintf(msg, size, "%s", problem);
	return -1;
}

/* ---- retention -------------------------------------------------------------------- */

/* The retention date alone (tracking.h): also kept by outcome.c when a visit
 * updates the file. */
void tracking_dmst_retention_until(const char *last_visit, const char *death,
                                   const char *created_on, char until[11])
{
	char cap[11];

	date_add_years(last_visit ? last_visit : created_on, 40, true, until);
	if (death != NULL) {
		date_add_years(death, 10, false, cap);
		if (strcmp(cap, until) < 0)
			snprintf(until, 11, "%s", cap);
	}
}

/* The retention date of a file and the sentence that explains it. */
static json_t *retention(const char *last_visit, const char *death, const char *created_on,
                         char until[11])
{
	char floor_date[11], cap[11], text[512];
	const char *base = last_visit ? last_visit : created_on;

	date_add_years(base, 40, true, floor_date);
	tracking_dmst_retention_until(last_visit, death, created_on, until);
	int n = snprintf(text, sizeof(text), "Conservation au moins 40 ans après %s (%s), soit "
	                 "jusqu'au %s",
	                 last_visit ? "la dernière visite" : "la création du dossier, aucune visite "
	                 "n'étant encore enregistrée", base, floor_date);
	if (death != NULL) {
		date_add_years(death, 10, false, cap);
		if (strcmp(cap, floor_date) < 0) {
			snprintf(text + n, sizeof(text) - (size_t)n,
			         ", limitée à 10 ans après le décès (%s) : jusqu'au %s.", death, cap);
		} else {
			snprintf(text + n, sizeof(text) - (size_t)n,
			         " ; la limite de 10 ans après le décès (%s, soit le %s) ne la réduit pas.",
			         death, cap);
		}
	} else {
		snprintf(text + n, sizeof(text) - (size_t)n, ".");
	}
	return json_pack("{s:s, s:s, s:[s, s]}", "until", until, "explanation", text, "basis",
	                 "L4624-8", "décret 2022-1434");
}

/* ---- the stored file ---------------------------------------------------------------- */

#define DMST_COLUMNS                                                                            \
	"worker_id, ins, medecin_traitant, opposition_other_professionals,"                        \
	" opposition_transfer, last_visit_on, death_on, retention_until, created_on, created_at,"  \
	" created_by, updated_at, updated_by"

/* The file of @p worker as stored (booleans as JSON booleans), or NULL with
 * SOCLE_E_NOTFOUND when the worker has none. */
static json_t *dmst_load(socle_db *db, int64_t worker, socle_err *err)
{
	json_t *p = json_pack("{s:I}", "w", (json_int_t)worker);
	json_t *r = p ? socle_db_query_one(db, "SELECT " DMST_COLUMNS
	                                   " FROM tracking_dmst WHERE worker_id = :w", p, err)
	              : NULL;

	json_decref(p);
	if (r == NULL) {
		if (p == NULL)
			NOMEM(err);
		return NULL;
	}
	static const char *const flags[] = {"opposition_other_professionals", "opposition_transfer"};
	for (size_t i = 0; i < SOCLE_COUNT(flags); i++)
		json_object_set_new(r, flags[i],
		                    json_boolean(json_integer_value(json_object_get(r, flags[i])) != 0));
	return r;
}

/* The file as replied: its columns and the retention with its explanation. */
static json_t *dmst_view(json_t *row)
{
	char until[11];
	json_t *ret = retention(json_string_value(json_object_get(row, "last_visit_on")),
	                        json_string_value(json_object_get(row, "death_on")),
	                        json_string_value(json_object_get(row, "created_on")), until);

	if (ret == NULL) {
		json_decref(row);
		return NULL;
	}
	json_object_set_new(row, "retention", ret);
	return row;
}

/* Does membership know this worker? 1, 0, or a negative code. */
static int worker_exists(socle_db *db, int64_t worker, socle_err *err)
{
	socle_err e2 = SOCLE_ERR_INIT;
	json_t *w = tracking_membership->worker_get(db, worker, &e2);

	if (w != NULL) {
		json_decref(w);
		return 1;
	}
	if (e2.code == SOCLE_E_NOTFOUND)
		return 0;
	return socle_err_set(err, e2.code ? e2.code : SOCLE_E_NOMEM, "%s",
	                     e2.msg[0] ? e2.msg : "mémoire insuffisante");
}

static int64_t user_id(socle_req *req)
{
	const socle_principal *who = socle_req_principal(req);

	return who ? socle_principal_user_id(who) : 0;
}

/* ---- the medical gate (secrecy.c: tracking_medical_access) ---- */

/* Every route of this file passes here before touching the file: 0 when
 * allowed, or a negative code once an error reply is queued. */
static int medical_gate(socle_req *req, int64_t worker, const char *action)
{
	socle_err err = SOCLE_ERR_INIT;
	int rc = tracking_medical_access(req, worker, action, &err);

	if (rc != 0) {
		socle_reply_err(req, &err);
		return rc;
	}
	return 0;
}

/* The worker id of the path, or 0 once a 404 was queued. */
static int64_t worker_param(socle_req *req)
{
	int64_t id;

	if (socle_req_param_id(req, "worker_id", &id) != 0) {
		socle_reply_error(req, 404, "not_found", "Salarié introuvable.");
		return 0;
	}
	return id;
}

/* ---- entries ------------------------------------------------------------------------------ */

static const char *const kind_choices[] = {"exposure_past", "exposure_current", "observation",
                                           "exam", "conclusion", "exchange", "document",
                                           "info_given", NULL};

#define ENTRY_COLUMNS                                                                           \
	"e.id, e.worker_id, e.kind, e.entry_date, e.entry_text, e.data, e.corrects_id,"            \
	" e.author_id, e.author_role, e.created_at, c.id AS corrected_by"
#define ENTRY_FROM                                                                              \
	" FROM tracking_dmst_entry e LEFT JOIN tracking_dmst_entry c ON c.corrects_id = e.id"

/* An entry row as replied: "date", "text", "data" parsed, "corrects". */
static json_t *entry_view(json_t *row)
{
	json_t *out = json_object();
	const char *data = json_string_value(json_object_get(row, "data"));
	json_t *parsed = data ? json_loads(data, 0, NULL) : json_null();

	if (out == NULL || parsed == NULL) {
		json_decref(out);
		json_decref(parsed);
		return NULL;
	}
	static const char *const keys[][2] = {
		{"id", "id"}, {"worker_id", "worker_id"}, {"kind", "kind"}, {"entry_date", "date"},
		{"entry_text", "text"}, {"corrects_id", "corrects"}, {"corrected_by", "corrected_by"},
		{"author_id", "author_id"}, {"author_role", "author_role"}, {"created_at", "created_at"},
	};
	for (size_t i = 0; i < SOCLE_COUNT(keys); i++) {
		json_t *v = json_object_get(row, keys[i][0]);

		json_object_set(out, keys[i][1], v ? v : json_null());
	}
	json_object_set_new(out, "data", parsed);
	return out;
}

static json_t *entry_load(socle_db *db, int64_t id, socle_err *err)
{
	json_t *p = json_pack("{s:I}", "id", (json_int_t)id);
	json_t *r = p ? socle_db_query_one(db, "SELECT " ENTRY_COLUMNS ENTRY_FROM " WHERE e.id = :id",
	                                   p, err)
	              : NULL;

	if (p == NULL)
		NOMEM(err);
	json_decref(p);
	return r;
}

/* ---- GET /tracking/dmst/{worker_id} ----------------------------------------------------------- */

static int dmst_get(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t worker = worker_param(req), after;
	int limit;
	(void)ud;

	if (worker == 0)
		return 0;
	if (socle_req_page(req, &limit, &after, &err) != 0)
		return socle_reply_error(req, 400, "invalid", err.msg);
	const char *kind = socle_req_query(req, "kind");
	if (kind != NULL) {
		bool known = false;

		for (size_t i = 0; kind_choices[i]; i++)
			known = known || strcmp(kind, kind_choices[i]) == 0;
		if (!known)
			return socle_reply_error(req, 400, "invalid",
			                         "kind : exposure_past, exposure_current, observation, exam, "
			                         "conclusion, exchange, document ou info_given attendu.");
	}
	if (medical_gate(req, worker, "dmst.read") != 0)
		return 0;

	socle_db *db = socle_req_reader(req, &err);
	if (db == NULL)
		return socle_reply_err(req, &err);
	json_t *file = dmst_load(db, worker, &err);
	if (file == NULL) {
		if (err.code != SOCLE_E_NOTFOUND)
			return socle_reply_err(req, &err);
		err = (socle_err)SOCLE_ERR_INIT;
		int known = worker_exists(db, worker, &err);
		if (known < 0)
			return socle_reply_err(req, &err);
		return socle_reply_error(req, 404, "not_found",
		                         known ? "Ce salarié n'a pas encore de dossier médical en santé "
		                                 "au travail."
		                               : "Salarié introuvable.");
	}
	json_t *p = json_pack("{s:I, s:I, s:s, s:i}", "w", (json_int_t)worker, "after",
	                      (json_int_t)after, "kind", kind ? kind : "", "limit", limit);
	json_t *rows = p ? socle_db_query(db, "SELECT " ENTRY_COLUMNS ENTRY_FROM
	                                  " WHERE e.worker_id = :w AND (:after = 0 OR e.id < :after)"
	                                  " AND (:kind = '' OR e.kind = :kind)"
	                                  " ORDER BY e.id DESC LIMIT :limit", p, &err)
	                 : NULL;
	json_decref(p);
	if (rows == NULL) {
		json_decref(file);
		return err.code ? socle_reply_err(req, &err) : SOCLE_E_NOMEM;
	}
	json_t *entries = json_array();
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		json_t *e = entry_view(row);

		if (e == NULL || json_array_append_new(entries, e) != 0) {
			json_decref(rows);
			json_decref(entries);
			json_decref(file);
			return SOCLE_E_NOMEM;
		}
	}
	json_decref(rows);
	json_t *body = json_pack("{s:o, s:o}", "dmst", dmst_view(file), "entries", entries);

	json_object_set_new(body, "next_cursor", socle_page_cursor(entries, limit, "id"));
	return body ? socle_reply_json(req, 200, body) : SOCLE_E_NOMEM;
}

/* ---- PUT /tracking/dmst/{worker_id} --------------------------------------------------------------- */

static const struct socle_field dmst_fields[] = {
	{"ins", SOCLE_F_STRING, false, 15, 32, NULL, ins_check},
	{"medecin_traitant", SOCLE_F_STRING, false, 1, 200, NULL, NULL},
	{"opposition_other_professionals", SOCLE_F_BOOL, false, 0, 0, NULL, NULL},
	{"opposition_transfer", SOCLE_F_BOOL, false, 0, 0, NULL, NULL},
	{"last_visit_on", SOCLE_F_DATE, false, 0, 0, NULL, NULL},
	{"death_on", SOCLE_F_DATE, false, 0, 0, NULL, NULL},
};

struct dmst_write {
	socle_req *req;
	int64_t worker;
	const json_t *body;
	json_t *errors; /* field errors found inside the transaction */
	json_t *row;    /* the file as stored (owned) */
	json_t *entry;  /* the entry written (owned) */
	bool created;
	bool by_worker; /* the worker's own change: may lift an opposition */
};

/* The dates of a file against each other and against today. */
static int dmst_dates_check(const json_t *f, json_t **errors)
{
	const char *visit = json_string_value(json_object_get(f, "last_visit_on"));
	const char *death = json_string_value(json_object_get(f, "death_on"));
	char now[11];
	int n = 0;

	socle_date_today(now);
	if (visit && (strcmp(visit, "1900-01-01") < 0 || strcmp(visit, now) > 0)) {
		socle_field_error(errors, "last_visit_on",
		                  "La dernière visite doit être passée (au plus tard le %s) et "
		                  "postérieure à 1900.", now);
		n++;
	}
	if (death && (strcmp(death, "1900-01-01") < 0 || strcmp(death, now) > 0)) {
		socle_field_error(errors, "death_on",
		                  "La date de décès ne peut pas être future (au plus tard le %s) et doit "
		                  "être postérieure à 1900.", now);
		n++;
	}
	if (visit && death && strcmp(visit, death) > 0) {
		socle_field_error(errors, "death_on",
		                  "La date de décès ne peut pas précéder la dernière visite (%s).", visit);
		n++;
	}
	return n;
}

/* Insert a new, empty file for the worker (audited, dmst.created emitted). */
static int dmst_create(socle_db *wdb, struct dmst_write *dw, const json_t *f, socle_err *err)
{
	char until[11], now[11];
	int64_t ms = socle_now_ms();
	int rc;

	socle_date_today(now);
	json_t *ret = retention(json_string_value(json_object_get(f, "last_visit_on")),
	                        json_string_value(json_object_get(f, "death_on")), now, until);
	json_decref(ret);
	if (ret == NULL)
		return NOMEM(err);
	json_t *p = json_pack("{s:I, s:O?, s:O?, s:b, s:b, s:O?, s:O?, s:s, s:s, s:I, s:I}", "w",
	                      (json_int_t)dw->worker, "ins", json_object_get(f, "ins"), "mt",
	                      json_object_get(f, "medecin_traitant"), "oop",
	                      json_is_true(json_object_get(f, "opposition_other_professionals")),
	                      "otr", json_is_true(json_object_get(f, "opposition_transfer")), "lv",
	                      json_object_get(f, "last_visit_on"), "dd",
	                      json_object_get(f, "death_on"), "until", until, "on", now, "now",
	                      (json_int_t)ms, "by", (json_int_t)user_id(dw->req));
	rc = p ? socle_db_run(wdb,
		"INSERT INTO tracking_dmst (worker_id, ins, medecin_traitant,"
		" opposition_other_professionals, opposition_transfer, last_visit_on, death_on,"
		" retention_until, created_on, created_at, created_by, updated_at, updated_by)"
		" VALUES (:w, :ins, :mt, :oop, :otr, :lv, :dd, :until, :on, :now, :by, :now, :by)",
		p, err)
	       : NOMEM(err);
	json_decref(p);
	if (rc < 0)
		return rc;
	dw->created = true;
	if ((rc = audit(wdb, dw->req, "tracking.dmst.create", "dmst", dw->worker,
	                json_pack("{s:I}", "worker_id", (json_int_t)dw->worker), err)) ||
	    (rc = emit(wdb, "dmst.created", json_pack("{s:I}", "worker_id", (json_int_t)dw->worker),
	               err)))
		return rc;
	return 0;
}

/* The worker must exist, in the transaction (404 otherwise). */
static int need_worker(socle_db *wdb, int64_t worker, socle_err *err)
{
	int known = worker_exists(wdb, worker, err);

	if (known < 0)
		return known;
	return known ? 0 : socle_err_set(err, SOCLE_E_NOTFOUND, "Salarié introuvable.");
}

/* The body with the INS normalised (new), nulls kept: they clear a field. */
static json_t *normalized_body(const json_t *body)
{
	json_t *b = json_deep_copy(body);
	const char *ins = json_string_value(json_object_get(b, "ins"));
	char out[16];

	if (b && ins && ins_normalize(ins, out) == NULL)
		json_object_set_new(b, "ins", json_string(out));
	return b;
}

static int put_txn(socle_db *wdb, void *ud, socle_err *err)
{
	static const char *const keys[] = {"ins", "medecin_traitant",
	                                   "opposition_other_professionals", "opposition_transfer",
	                                   "last_visit_on", "death_on"};
	struct dmst_write *dw = ud;
	socle_err e2 = SOCLE_ERR_INIT;
	json_t *changed = NULL, *merged = NULL;
	int rc;

	if ((rc = need_worker(wdb, dw->worker, err)))
		return rc;
	json_t *old = dmst_load(wdb, dw->worker, &e2);
	if (old == NULL && e2.code != SOCLE_E_NOTFOUND)
		return socle_err_set(err, e2.code ? e2.code : SOCLE_E_NOMEM, "%s", e2.msg);
	json_t *body = normalized_body(dw->body);
	merged = old ? json_copy(old) : json_object();
	changed = json_array();
	if (body == NULL || merged == NULL || changed == NULL) {
		rc = NOMEM(err);
		goto out;
	}
	for (size_t i = 0; i < SOCLE_COUNT(keys); i++) {
		json_t *v = json_object_get(body, keys[i]);

		if (v == NULL)
			continue;
		if (json_is_null(v) && (i == 2 || i == 3)) /* the oppositions are never unknown */
			v = json_false();
		json_t *was = json_object_get(merged, keys[i]);
		/* A health professional records an opposition the worker expressed
		 * (at a visit, by letter), never lifts one: lifting is the worker's
		 * own act, from the employee space (L4624-8; worker_space.c). */
		if ((i == 2 || i == 3) && !dw->by_worker && json_is_true(was) && !json_is_true(v)) {
			socle_field_error(&dw->errors, keys[i],
			                  "Seul le salarié peut lever son opposition, depuis son espace "
			                  "salarié.");
			continue;
		}
		if (!json_equal(v, was ? was : json_null()))
			json_array_append_new(changed, json_string(keys[i]));
		json_object_set(merged, keys[i], v);
	}
	if (dmst_dates_check(merged, &dw->errors) > 0 || dw->errors) {
		rc = SOCLE_E_INVAL;
		goto out;
	}
	if (old == NULL) {
		if ((rc = dmst_create(wdb, dw, merged, err)))
			goto out;
	} else if (json_array_size(changed) > 0) {
		char until[11];
		json_t *ret = retention(json_string_value(json_object_get(merged, "last_visit_on")),
		                        json_string_value(json_object_get(merged, "death_on")),
		                        json_string_value(json_object_get(old, "created_on")), until);

		json_decref(ret);
		json_t *p = ret ? json_pack("{s:I, s:O, s:O, s:b, s:b, s:O, s:O, s:s, s:I, s:I}", "w",
		                            (json_int_t)dw->worker, "ins",
		                            json_object_get(merged, "ins"), "mt",
		                            json_object_get(merged, "medecin_traitant"), "oop",
		                            json_is_true(json_object_get(merged,
		                                                         "opposition_other_professionals")),
		                            "otr",
		                            json_is_true(json_object_get(merged, "opposition_transfer")),
		                            "lv", json_object_get(merged, "last_visit_on"), "dd",
		                            json_object_get(merged, "death_on"), "until", until, "now",
		                            (json_int_t)socle_now_ms(), "by",
		                            (json_int_t)user_id(dw->req))
		                : NULL;
		rc = p ? socle_db_run(wdb,
			"UPDATE tracking_dmst SET ins = :ins, medecin_traitant = :mt,"
			" opposition_other_professionals = :oop, opposition_transfer = :otr,"
			" last_visit_on = :lv, death_on = :dd, retention_until = :until,"
			" updated_at = :now, updated_by = :by WHERE worker_id = :w", p, err)
		       : NOMEM(err);
		json_decref(p);
		if (rc < 0)
			goto out;
		/* Field names only: the values are medical data. */
		if ((rc = audit(wdb, dw->req, "tracking.dmst.update", "dmst", dw->worker,
		                json_pack("{s:I, s:O}", "worker_id", (json_int_t)dw->worker, "fields",
		                          changed),
		                err)) ||
		    (rc = emit(wdb, "dmst.updated",
		               json_pack("{s:I}", "worker_id", (json_int_t)dw->worker), err)))
			goto out;
	}
	dw->row = dmst_load(wdb, dw->worker, err);
	rc = dw->row ? 0 : (err->code ? err->code : SOCLE_E_INTERNAL);
out:
	json_decref(body);
	json_decref(old);
	json_decref(merged);
	json_decref(changed);
	return rc;
}

/* Run a write of this file and answer: 422 with the field errors found
 * inside, the error otherwise, or @p status with @p reply_of. */
static int write_reply(socle_req *req, socle_write_fn fn, struct dmst_write *dw)
{
	socle_err err = SOCLE_ERR_INIT;
	int rc = socle_service_write(socle_req_service(req), fn, dw, &err);

	if (rc == SOCLE_E_INVAL && dw->errors) {
		json_decref(dw->row);
		json_decref(dw->entry);
		return socle_reply_invalid(req, dw->errors);
	}
	json_decref(dw->errors);
	if (rc != 0) {
		json_decref(dw->row);
		json_decref(dw->entry);
		if (rc == SOCLE_E_CONFLICT)
			return socle_reply_error(req, 409, "conflict", err.msg);
		return socle_reply_err(req, &err);
	}
	if (dw->entry != NULL) {
		json_decref(dw->row);
		json_t *e = entry_view(dw->entry);
		json_decref(dw->entry);
		return e ? socle_reply_json(req, 201, e) : SOCLE_E_NOMEM;
	}
	json_t *view = dmst_view(dw->row);
	return view ? socle_reply_json(req, dw->created ? 201 : 200, view) : SOCLE_E_NOMEM;
}

static int dmst_put(socle_req *req, void *ud)
{
	struct dmst_write dw = {.req = req, .body = socle_req_body(req)};
	(void)ud;

	if ((dw.worker = worker_param(req)) == 0)
		return 0;
	if (medical_gate(req, dw.worker, "dmst.write") != 0)
		return 0;
	if (dw.body == NULL)
		return socle_reply_error(req, 400, "invalid", "Corps JSON attendu.");
	if (socle_fields_check(dw.body, dmst_fields, SOCLE_COUNT(dmst_fields), NULL, &dw.errors) > 0)
		return socle_reply_invalid(req, dw.errors);
	return write_reply(req, put_txn, &dw);
}

/* tracking.h: the worker's own change of its oppositions (worker_space.c).
 * The same write as the médecin's PUT, restricted to the two flags, plus the
 * médecins told by mail (without the worker's name: a mail is less guarded
 * than the file) and the event dmst.oppositions_changed. */
struct oppositions_write {
	struct dmst_write dw;
	json_t *flags;
};

static int oppositions_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct oppositions_write *ow = ud;
	int rc = put_txn(wdb, &ow->dw, err);

	if (rc != 0)
		return rc;
	json_t *medecins = socle_users_list(wdb, SOCLE_ROLE_BIT(SOCLE_ROLE_MEDECIN), NULL, 0, 0,
	                                    100, err);
	size_t i;
	json_t *m;
	char text[1024];

	if (medecins == NULL)
		return err->code ? err->code : NOMEM(err);
	snprintf(text, sizeof(text),
	         "Bonjour,\n\nUn salarié suivi par le service a modifié lui-même ses choix "
	         "d'accès à son dossier médical en santé au travail (L4624-8), depuis son espace "
	         "salarié.\n\nDossier n° %" PRId64 " : opposition à l'accès par les autres "
	         "professionnels de santé : %s ; opposition à la transmission de son dossier : "
	         "%s.\n\nCes choix s'appliquent dès maintenant.\n",
	         ow->dw.worker,
	         json_is_true(json_object_get(ow->dw.row, "opposition_other_professionals")) ? "oui"
	                                                                                    : "non",
	         json_is_true(json_object_get(ow->dw.row, "opposition_transfer")) ? "oui" : "non");
	json_array_foreach(medecins, i, m) {
		struct socle_mail mail = {
			.to = json_string_value(json_object_get(m, "email")),
			.subject = "Un salarié a modifié ses choix d'accès à son dossier médical",
			.text = text,
			.category = "information",
		};
		int64_t job = mail.to ? socle_mail_queue(wdb, &mail, 0, err) : 0;

		if (job < 0) {
			json_decref(medecins);
			return (int)job;
		}
	}
	json_decref(medecins);
	rc = audit(wdb, ow->dw.req, "tracking.dmst.oppositions", "dmst", ow->dw.worker,
	           json_pack("{s:I, s:O}", "worker_id", (json_int_t)ow->dw.worker, "flags",
	                     ow->flags),
	           err);
	if (rc == 0)
		rc = emit(wdb, "dmst.oppositions_changed",
		          json_pack("{s:I}", "worker_id", (json_int_t)ow->dw.worker), err);
	return rc;
}

json_t *tracking_dmst_set_oppositions(socle_req *req, int64_t worker, const json_t *flags,
                                      socle_err *err)
{
	struct oppositions_write ow = {.dw = {.req = req, .worker = worker, .body = flags,
	                                      .by_worker = true},
	                               .flags = (json_t *)flags};
	int rc = socle_service_write(socle_req_service(req), oppositions_txn, &ow, err);

	json_decref(ow.dw.errors);
	if (rc != 0) {
		json_decref(ow.dw.row);
		return NULL;
	}
	json_t *out = json_pack("{s:I, s:b, s:b}", "worker_id", (json_int_t)worker,
	                        "opposition_other_professionals",
	                        json_is_true(json_object_get(ow.dw.row,
	                                                     "opposition_other_professionals")),
	                        "opposition_transfer",
	                        json_is_true(json_object_get(ow.dw.row, "opposition_transfer")));
	json_decref(ow.dw.row);
	return out;
}

/* ---- POST /tracking/dmst/{worker_id}/entries --------------------------------------------------------- */

static int data_check(const json_t *v, char *msg, size_t size)
{
	char *text = json_dumps(v, JSON_COMPACT);
	size_t n = text ? strlen(text) : 0;

	free(text);
	if (text != NULL && n <= 32768)
		return 0;
	snprintf(msg, size, "Données structurées trop volumineuses (32 768 octets au plus).");
	return -1;
}

static const struct socle_field entry_fields[] = {
	{"kind", SOCLE_F_ENUM, true, 0, 0, kind_choices, NULL},
	{"date", SOCLE_F_DATE, true, 0, 0, NULL, NULL},
	{"text", SOCLE_F_STRING, false, 1, 20000, NULL, NULL},
	{"data", SOCLE_F_OBJECT, false, 0, 0, NULL, data_check},
	{"corrects", SOCLE_F_INT, false, 1, INT64_MAX, NULL, NULL},
};

static int entry_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct dmst_write *dw = ud;
	const json_t *b = dw->body;
	const json_t *corrects = json_object_get(b, "corrects");
	socle_err e2 = SOCLE_ERR_INIT;
	int rc;

	if ((rc = need_worker(wdb, dw->worker, err)))
		return rc;
	json_t *file = dmst_load(wdb, dw->worker, &e2);
	if (file == NULL && e2.code != SOCLE_E_NOTFOUND)
		return socle_err_set(err, e2.code ? e2.code : SOCLE_E_NOMEM, "%s", e2.msg);
	bool has_file = file != NULL;
	json_decref(file);
	e2 = (socle_err)SOCLE_ERR_INIT;
	if (corrects != NULL && !json_is_null(corrects)) {
		json_t *old = entry_load(wdb, json_integer_value(corrects), &e2);

		if (old == NULL && e2.code != SOCLE_E_NOTFOUND)
			return socle_err_set(err, e2.code ? e2.code : SOCLE_E_NOMEM, "%s", e2.msg);
		if (old == NULL ||
		    json_integer_value(json_object_get(old, "worker_id")) != dw->worker) {
			json_decref(old);
			socle_field_error(&dw->errors, "corrects",
			                  "Aucune entrée de ce dossier ne porte cet identifiant.");
			return SOCLE_E_INVAL;
		}
		const char *kind = json_string_value(json_object_get(old, "kind"));
		if (strcmp(kind, json_string_value(json_object_get(b, "kind"))) != 0) {
			socle_field_error(&dw->errors, "kind",
			                  "Une correction garde la nature de l'entrée corrigée (%s).", kind);
			json_decref(old);
			return SOCLE_E_INVAL;
		}
		json_t *by = json_object_get(old, "corrected_by");
		if (by != NULL && !json_is_null(by)) {
			rc = socle_err_set(err, SOCLE_E_CONFLICT,
			                   "Cette entrée a déjà été corrigée par l'entrée n° %" JSON_INTEGER_FORMAT
			                   " : corrigez la dernière version.", json_integer_value(by));
			json_decref(old);
			return rc;
		}
		json_decref(old);
	}
	/* The first entry opens the file (the DMST is created at the first visit). */
	if (!has_file) {
		json_t *empty = json_object();

		rc = empty ? dmst_create(wdb, dw, empty, err) : NOMEM(err);
		json_decref(empty);
		if (rc)
			return rc;
	}
	const socle_principal *who = socle_req_principal(dw->req);
	const char *role = who ? socle_role_name(socle_principal_role(who)) : NULL;
	json_t *p = json_pack("{s:I, s:O, s:O, s:O?, s:O?, s:O?, s:I, s:s, s:I}", "w",
	                      (json_int_t)dw->worker, "kind", json_object_get(b, "kind"), "date",
	                      json_object_get(b, "date"), "text", json_object_get(b, "text"), "data",
	                      json_object_get(b, "data"), "corrects", corrects, "by",
	                      (json_int_t)user_id(dw->req), "role", role ? role : "inconnu", "now",
	                      (json_int_t)socle_now_ms());
	rc = p ? socle_db_run(wdb,
		"INSERT INTO tracking_dmst_entry (worker_id, kind, entry_date, entry_text, data,"
		" corrects_id, author_id, author_role, created_at)"
		" VALUES (:w, :kind, :date, :text, :data, :corrects, :by, :role, :now)", p, err)
	       : NOMEM(err);
	json_decref(p);
	if (rc < 0)
		return rc;
	int64_t id = socle_db_last_insert_id(wdb);
	json_t *detail = json_pack("{s:I}", "worker_id", (json_int_t)dw->worker);
	if (detail && corrects && !json_is_null(corrects))
		json_object_set(detail, "corrects", (json_t *)corrects);
	if ((rc = audit(wdb, dw->req, "tracking.dmst.entry.add", "dmst_entry", id, detail, err)) ||
	    (rc = emit(wdb, "dmst.updated",
	               json_pack("{s:I, s:I}", "worker_id", (json_int_t)dw->worker, "entry_id",
	                         (json_int_t)id),
	               err)))
		return rc;
	dw->entry = entry_load(wdb, id, err);
	return dw->entry ? 0 : (err->code ? err->code : SOCLE_E_INTERNAL);
}

static int entry_add(socle_req *req, void *ud)
{
	struct dmst_write dw = {.req = req, .body = socle_req_body(req)};
	char now[11];
	(void)ud;

	if ((dw.worker = worker_param(req)) == 0)
		return 0;
	if (medical_gate(req, dw.worker, "dmst.write") != 0)
		return 0;
	if (dw.body == NULL)
		return socle_reply_error(req, 400, "invalid", "Corps JSON attendu.");
	if (socle_fields_check(dw.body, entry_fields, SOCLE_COUNT(entry_fields), NULL, &dw.errors) >
	    0)
		return socle_reply_invalid(req, dw.errors);
	const json_t *text = json_object_get(dw.body, "text"), *data = json_object_get(dw.body, "data");
	if ((text == NULL || json_is_null(text)) && (data == NULL || json_is_null(data)))
		socle_field_error(&dw.errors, "text",
		                  "Une entrée porte un texte, des données structurées, ou les deux.");
	const char *date = json_string_value(json_object_get(dw.body, "date"));
	socle_date_today(now);
	if (strcmp(date, "1900-01-01") < 0 || strcmp(date, now) > 0)
		socle_field_error(&dw.errors, "date",
		                  "La date de l'entrée doit être passée (au plus tard le %s) et "
		                  "postérieure à 1900.", now);
	if (dw.errors)
		return socle_reply_invalid(req, dw.errors);
	return write_reply(req, entry_txn, &dw);
}

/* ---- GET /tracking/dmst/{worker_id}/accesses ------------------------------------------------------------ */

/* "2025-03-12T08:00:00.000Z" from milliseconds. */
static void iso_instant(int64_t ms, char out[32])
{
	int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
	int64_t rest = ms - days * 86400000;
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int d = (int)(doy - (153 * mp + 2) / 5 + 1);
	int m = (int)(mp < 10 ? mp + 3 : mp - 9);
	int y = (int)(yoe + era * 400 + (m <= 2));

	snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y < 0 ? 0 : y > 9999 ? 9999 : y, m,
	         d, (int)(rest / 3600000), (int)(rest / 60000 % 60), (int)(rest / 1000 % 60),
	         (int)(rest % 1000));
}

/* One access as the worker reads it, in French and the service's local time:
 * "Consultation de votre dossier par un médecin du travail, le 3 décembre
 * 2026 à 10 h 12" (never the internal action code nor a UTC time). */
static void access_text(socle_service *svc, const json_t *row, char local[32], char *out,
                        size_t n)
{
	static const struct {
		const char *action, *words;
	} actions[] = {
		{"dmst.read", "Consultation de votre dossier"},
		{"dmst.write", "Mise à jour de votre dossier"},
		{"dmst.document.read", "Consultation d'un document de vos visites"},
		{"dmst.accesses.read", "Consultation de la liste des accès à votre dossier"},
		{"dmst.search", "Recherche de votre dossier par votre numéro INS"},
		{"dmst.request.read", "Lecture du motif d'une de vos demandes de visite"},
	};
	const char *action = sget(row, "action"), *role = sget(row, "role");
	const char *what = "Accès à votre dossier", *who = "un professionnel de santé du service";
	char date[SOCLE_DATE_FR_SIZE], time[16];

	for (size_t i = 0; action && i < SOCLE_COUNT(actions); i++)
		if (strcmp(actions[i].action, action) == 0)
			what = actions[i].words;
	if (role && strcmp(role, "medecin") == 0)
		who = "un médecin du travail";
	else if (role && strcmp(role, "infirmier") == 0)
		who = "un infirmier ou une infirmière en santé au travail";
	else if (role && strcmp(role, "employee") == 0)
		who = "vous-même";
	tracking_local_wall(svc, json_integer_value(json_object_get(row, "at_ms")), local);
	socle_date_fr(local, date);
	socle_time_fr(atoi(local + 11), atoi(local + 14), time);
	snprintf(out, n, "%s par %s, le %s à %s", what, who, date, time);
}

/* Who accessed the worker's DMST: the successful "dmst.*" accesses, newest
 * first, with when, what (read, write, accesses.read) and the role of who did
 * it; never their identity nor any medical content. The employee bound to
 * the worker reads it without a medical access; a health professional passes
 * the medical gate (and so appears in the list); anyone else gets 403 from
 * socle_access_medical, audited. */
static int dmst_accesses(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t worker = worker_param(req), before;
	int limit;
	(void)ud;

	if (worker == 0)
		return 0;
	if (socle_req_page(req, &limit, &before, &err) != 0)
		return socle_reply_error(req, 400, "invalid", err.msg);
	const socle_principal *who = socle_req_principal(req);
	bool own = who != NULL && socle_principal_role(who) == SOCLE_ROLE_EMPLOYEE &&
	           socle_principal_has_scope(who, "worker", worker);
	if (!own && medical_gate(req, worker, "dmst.accesses.read") != 0)
		return 0;
	socle_db *db = socle_req_reader(req, &err);
	/* The core's audit entries about this worker: who read or wrote the DMST. */
	json_t *rows = db ? socle_audit_about(db, "worker", worker, "dmst.", "ok", before, limit, &err)
	                  : NULL;
	if (rows == NULL)
		return err.code ? socle_reply_err(req, &err) : SOCLE_E_NOMEM;
	json_t *items = json_array();
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		char at[32], local[32], text[300];

		iso_instant(json_integer_value(json_object_get(row, "at_ms")), at);
		access_text(socle_req_service(req), row, local, text, sizeof(text));
		json_array_append_new(items, json_pack("{s:O, s:s, s:s, s:s, s:O, s:O}", "id",
		                                       json_object_get(row, "id"), "at", at,
		                                       "at_local", local, "text", text, "action",
		                                       json_object_get(row, "action"), "role",
		                                       json_object_get(row, "role")));
	}
	json_decref(rows);
	/* One item per audit entry: a full page ends on the entry to read before. */
	return socle_reply_json(req, 200, json_pack("{s:I, s:o, s:o}", "worker_id",
	                                            (json_int_t)worker, "items", items,
	                                            "next_cursor",
	                                            socle_page_cursor(items, limit, "id")));
}

/* ---- registration ----------------------------------------------------------------------------------- */

/* The INS is looked for (GET /tracking/dmst?ins=) through this index. */
const char tracking_sql_dmst_ins[] = "CREATE INDEX tracking_dmst_ins ON tracking_dmst (ins);";

/* GET /tracking/dmst?ins= (health professionals): the worker whose file holds
 * this INS, for the team's search box (issue 15 item 4). The INS is medical
 * data: the search is traced like a read of the file it finds (dmst.search),
 * the worker's opposition obeyed; an INS that matches nothing answers an
 * empty list. */
static int dmst_by_ins(socle_req *req, void *ud)
{
	(void)ud;
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	const char *ins = socle_req_query(req, "ins");
	char norm[16];
	const char *problem = ins ? ins_normalize(ins, norm) : "obligatoire";

	if (problem != NULL) {
		socle_field_error(&errors, "ins", "INS (NIR) à 15 caractères attendu : %s.", problem);
		return socle_reply_invalid(req, errors);
	}
	socle_db *db = socle_req_reader(req, &err);
	json_t *rows = db ? socle_db_query_new(db, "SELECT worker_id FROM tracking_dmst"
	                                           " WHERE ins = :ins LIMIT 5",
	                                       json_pack("{s:s}", "ins", norm), &err)
	                  : NULL;
	if (rows == NULL)
		return socle_reply_err(req, &err);
	json_t *items = json_array();
	size_t i;
	json_t *r;

	json_array_foreach(rows, i, r) {
		int64_t worker = json_integer_value(json_object_get(r, "worker_id"));

		if (tracking_medical_access(req, worker, "dmst.search", &err) != 0)
			continue; /* refused and traced: not listed */
		json_t *card = tracking_worker_card(db, worker, &err);

		json_array_append_new(items, card ? card : json_pack("{s:I}", "worker_id",
		                                                     (json_int_t)worker));
		err = (socle_err)SOCLE_ERR_INIT;
	}
	json_decref(rows);
	return socle_reply_json(req, 200, json_pack("{s:o}", "items", items));
}

static const struct socle_route dmst_routes[] = {
	{SOCLE_GET, "/tracking/dmst", SOCLE_CAP_MEDICAL_READ, 0, dmst_by_ins, NULL},
	{SOCLE_GET, "/tracking/dmst/{worker_id}", SOCLE_CAP_MEDICAL_READ, 0, dmst_get, NULL},
	{SOCLE_PUT, "/tracking/dmst/{worker_id}", SOCLE_CAP_MEDICAL_WRITE, 4096, dmst_put, NULL},
	{SOCLE_POST, "/tracking/dmst/{worker_id}/entries", SOCLE_CAP_MEDICAL_WRITE, 65536, entry_add,
	 NULL},
	/* The employee bound to the worker, or a health professional: checked inside. */
	{SOCLE_GET, "/tracking/dmst/{worker_id}/accesses", SOCLE_CAP_AUTHENTICATED, 0,
	 dmst_accesses, NULL},
};

static const struct socle_field ins_query[] = {
	{"ins", SOCLE_F_STRING, true, 15, 32, NULL, NULL},
};
static const struct socle_field entries_query[] = {
	{"kind", SOCLE_F_ENUM, false, 0, 0, kind_choices, NULL},
	TRACKING_PAGE_QUERY,
};
static const struct socle_field accesses_query[] = {TRACKING_PAGE_QUERY};

static const struct socle_route_doc dmst_docs[] = {
	{SOCLE_GET, "/tracking/dmst",
	 "Retrouver le salarié dont le dossier médical porte cet INS (professionnels de santé ; "
	 "recherche tracée).", NULL, 0, ins_query, SOCLE_COUNT(ins_query),
	 "{items: [{worker_id, company_id, first_name, last_name, birth_date, job_title...}]} "
	 "(vide quand l'INS ne correspond à rien)."},
	{SOCLE_GET, "/tracking/dmst/{worker_id}",
	 "Le dossier médical en santé au travail d'un salarié et ses entrées (accès tracé).", NULL,
	 0, entries_query, SOCLE_COUNT(entries_query),
	 "{dmst: {worker_id, ins, medecin_traitant, oppositions, last_visit_on, retention_until...}, "
	 "entries: [{id, kind, date, text, data, corrects...}], next_cursor}."},
	{SOCLE_PUT, "/tracking/dmst/{worker_id}",
	 "Ouvrir ou compléter le dossier médical : INS, médecin traitant, oppositions exprimées, "
	 "dernière visite, décès.", dmst_fields, SOCLE_COUNT(dmst_fields), NULL, 0,
	 "Le dossier (201 à l'ouverture, 200 ensuite), sa date de conservation recalculée."},
	{SOCLE_POST, "/tracking/dmst/{worker_id}/entries",
	 "Ajouter une entrée au dossier médical (une correction est une nouvelle entrée).",
	 entry_fields, SOCLE_COUNT(entry_fields), NULL, 0, "L'entrée créée (201)."},
	{SOCLE_GET, "/tracking/dmst/{worker_id}/accesses",
	 "Qui a accédé au dossier médical : date, action, rôle (le salarié ou un professionnel de "
	 "santé).", NULL, 0, accesses_query, SOCLE_COUNT(accesses_query),
	 "{worker_id, items: [{id, at (UTC), at_local (heure du service), text (la phrase en "
	 "français), action, role}], next_cursor}, du plus récent au plus "
	 "ancien."},
};

int tracking_dmst_init(socle_plugin *p, socle_err *err)
{
	int rc = socle_plugin_add_routes(p, dmst_routes, SOCLE_COUNT(dmst_routes), err);

	return rc ? rc : socle_plugin_describe_routes(p, dmst_docs, SOCLE_COUNT(dmst_docs), err);
}
