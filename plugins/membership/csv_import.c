/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Whole-workforce import from a CSV file (seed 3.6.1.1; issue 3 §4).
 *
 * The file (read by membership_csv_parse, csv.c): RFC 4180 (quoted fields,
 * "" for a quote inside them, CRLF, LF or CR line ends), UTF-8 with or
 * without a BOM, ';' (French Excel) or ',' separator detected from the header
 * line. The header names the columns (any
 * order, case ignored; each also under its French name, as an employer's
 * spreadsheet names it: see columns[] and docs/membership's CSV table):
 * required external_ref, last_name, first_name,
 * birth_date, job_title, contract_type, start_date; optional end_date,
 * establishment_id, working_time, night_worker, rqth, invalidity_pension,
 * exposures, sir_post, caces_or_electrical, ionising_category_a,
 * minor_regulated_work. Dates AAAA-MM-JJ or JJ/MM/AAAA; booleans oui/non,
 * vrai/faux, 1/0, true/false (empty: non); working_time 1-100, "%" allowed
 * (empty: 100); exposures: risk codes separated by "|" or ",".
 *
 * All or nothing: a first pass checks every line and reports every error with
 * its line and column; only a clean file is applied, by a second pass, as an
 * upsert by external_ref in one transaction. A column absent from the header
 * keeps the stored value; an empty cell of a present column is "no value".
 * Unchanged rows write nothing, so importing the same file twice changes
 * nothing the second time. Workers absent from the file are not exited: the
 * answer counts them and says so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "membership.h"

/* ---- columns and cells -------------------------------------------------------- */

enum cell_kind { CELL_TEXT, CELL_DATE, CELL_CONTRACT, CELL_ID, CELL_PERCENT, CELL_BOOL, CELL_LIST };

/* Each column under the API's name or its French one (compared after
 * header_key(): lower case, accents, spaces, hyphens and apostrophes folded),
 * so that "Date de naissance" and "date_naissance" both name birth_date. */
static const struct {
	const char *name;
	const char *french[2];
	enum cell_kind kind;
	bool required;
} columns[] = {
	{"external_ref", {"matricule", NULL}, CELL_TEXT, true},
	{"last_name", {"nom", NULL}, CELL_TEXT, true},
	{"first_name", {"prenom", NULL}, CELL_TEXT, true},
	{"birth_date", {"date_naissance", "date_de_naissance"}, CELL_DATE, true},
	{"job_title", {"poste", NULL}, CELL_TEXT, true},
	{"contract_type", {"contrat", "type_contrat"}, CELL_CONTRACT, true},
	{"start_date", {"date_embauche", "date_d_embauche"}, CELL_DATE, true},
	{"end_date", {"date_sortie", "date_de_sortie"}, CELL_DATE, false},
	{"establishment_id", {"etablissement", NULL}, CELL_ID, false},
	{"working_time", {"temps_travail", "temps_de_travail"}, CELL_PERCENT, false},
	{"night_worker", {"travailleur_nuit", "travailleur_de_nuit"}, CELL_BOOL, false},
	{"rqth", {NULL, NULL}, CELL_BOOL, false},
	{"invalidity_pension", {"pension_invalidite", "pension_d_invalidite"}, CELL_BOOL, false},
	{"exposures", {"expositions", NULL}, CELL_LIST, false},
	{"sir_post", {"poste_sir", NULL}, CELL_BOOL, false},
	{"caces_or_electrical", {"caces_habilitation", NULL}, CELL_BOOL, false},
	{"ionising_category_a", {"rayonnements_categorie_a", NULL}, CELL_BOOL, false},
	{"minor_regulated_work", {"mineur_travaux_reglementes", NULL}, CELL_BOOL, false},
};
#define NCOLS SOCLE_COUNT(columns)

/* Trim ASCII blanks in place; returns the trimmed start. */
static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

static void lower_ascii(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

static bool all_digits(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);

	if (n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* The value of one cell as JSON (new), or NULL with a French message in @p msg.
 * An empty cell is JSON null: "no value" (the default for optional columns). */
static json_t *cell_value(enum cell_kind kind, char *raw, char *msg, size_t size)
{
	char *s = trim(raw);

	if (*s == '\0')
		return json_null();
	switch (kind) {
	case CELL_TEXT:
		return json_string(s);
	case CELL_DATE: {
		char iso[11];

		if (socle_date_valid(s))
			return json_string(s);
		/* JJ/MM/AAAA, the French spreadsheet default (J/M accepted). */
		char *a = s, *b = strchr(a, '/'), *c = b ? strchr(b + 1, '/') : NULL;
		if (b && c) {
			*b = *c = '\0';
			if (all_digits(a, 1, 2) && all_digits(b + 1, 1, 2) && all_digits(c + 1, 4, 4)) {
				snprintf(iso, sizeof(iso), "%s-%02d-%02d", c + 1, atoi(b + 1), atoi(a));
				if (socle_date_valid(iso))
					return json_string(iso);
			}
		}
		snprintf(msg, size, "Date invalide : AAAA-MM-JJ ou JJ/MM/AAAA attendu.");
		return NULL;
	}
	case CELL_CONTRACT:
		lower_ascii(s);
		if (strcmp(s, "int\xc3\xa9rim") == 0) /* "intérim" */
			return json_string("interim");
		return json_string(s);
	case CELL_ID:
		if (all_digits(s, 1, 18) && atoll(s) > 0)
			return json_integer(atoll(s));
		snprintf(msg, size, "Identifiant numérique attendu.");
		return NULL;
	case CELL_PERCENT: {
		size_t n = strlen(s);

		if (n > 0 && s[n - 1] == '%') {
			s[--n] = '\0';
			s = trim(s);
		}
		if (all_digits(s, 1, 3))
			return json_integer(atoi(s)); /* bounds: checked with the JSON rules */
		snprintf(msg, size, "Pourcentage entier de 1 à 100 attendu.");
		return NULL;
	}
	case CELL_BOOL: {
		static const char *const yes[] = {"oui", "o", "vrai", "1", "true", "x", "yes", "y", NULL};
		static const char *const no[] = {"non", "n", "faux", "0", "false", "no", NULL};

		lower_ascii(s);
		for (size_t i = 0; yes[i]; i++)
			if (strcmp(s, yes[i]) == 0)
				return json_true();
		for (size_t i = 0; no[i]; i++)
			if (strcmp(s, no[i]) == 0)
				return json_false();
		snprintf(msg, size, "« oui » ou « non » attendu.");
		return NULL;
	}
	case CELL_LIST: {
		json_t *list = json_array();

		lower_ascii(s);
		for (char *tok = s, *next; list && tok; tok = next) {
			next = strpbrk(tok, "|,");
			if (next)
				*next++ = '\0';
			tok = trim(tok);
			if (*tok)
				json_array_append_new(list, json_string(tok));
		}
		return list;
	}
	}
	snprintf(msg, size, "Colonne non prise en charge.");
	return NULL;
}

/* ---- the import ------------------------------------------------------------------ */

#define IMPORT_MAX_ERRORS 10000 /* beyond, the answer counts the rest */

struct import {
	socle_db *db;
	socle_req *req;
	int64_t company_id;
	int pass;                  /* 1: check every line; 2: apply */
	int col_of[NCOLS];         /* record index of each column, -1 when absent */
	char label[NCOLS][64];     /* each column as the file's header names it */
	size_t n_header;
	bool header_seen;
	json_t *errors;
	size_t n_errors, dropped;
	json_t *seen;              /* external_ref -> line, to refuse duplicates */
	bool has_workers;          /* false: every line is new, no lookup needed */
	json_t *checked;           /* pass 1 of a clean file so far: [line's JSON, stored
	                            * worker or null], applied by pass 2 without reading
	                            * the file again (dropped at the first error) */
	size_t rows, created, updated, unchanged;
	char today[11];
	socle_err *err;
};

static void import_error(struct import *im, size_t line, const char *column, const char *msg)
{
	char field[160], col[96], text[320];

	/* The file is checked as UTF-8 when read, but the fixed buffers of the
	 * messages (a column title quoted with %.80s, a label kept in 64 bytes)
	 * cut characters in two, and jansson then refuses the string: the error
	 * vanished from the list (fuzz_csv found it). */

	if (im->n_errors >= IMPORT_MAX_ERRORS) {
		im->dropped++;
		return;
	}
	if (im->errors == NULL)
		im->errors = json_array();
	snprintf(col, sizeof(col), "%s", column ? column : "");
	socle_utf8_mend(col);
	snprintf(text, sizeof(text), "%s", msg);
	socle_utf8_mend(text);
	if (*col)
		snprintf(field, sizeof(field), "ligne %zu, %s", line, col);
	else
		snprintf(field, sizeof(field), "ligne %zu", line);
	socle_utf8_mend(field);
	json_array_append_new(im->errors,
	                      json_pack("{s:s, s:I, s:s?, s:s}", "field", field, "line",
	                                (json_int_t)line, "column", *col ? col : NULL,
	                                "message", text));
	im->n_errors++;
}

/* A header cell folded for comparison into @p out: ASCII lower case, the
 * accented letters of French as their base letter, blanks, hyphens, dots and
 * apostrophes (' and U+2019) as one '_', none at either end. */
static void header_key(const char *in, char *out, size_t size)
{
	static const struct {
		const char *utf8;
		char base;
	} folds[] = {{"\xc3\xa9", 'e'}, {"\xc3\xa8", 'e'}, {"\xc3\xaa", 'e'}, {"\xc3\xab", 'e'},
	             {"\xc3\x89", 'e'}, {"\xc3\xa0", 'a'}, {"\xc3\xa2", 'a'}, {"\xc3\xae", 'i'},
	             {"\xc3\xaf", 'i'}, {"\xc3\xb4", 'o'}, {"\xc3\xbb", 'u'}, {"\xc3\xb9", 'u'},
	             {"\xc3\xa7", 'c'}, {"\xe2\x80\x99", '_'}};
	size_t o = 0;

	while (*in && o + 1 < size) {
		char ch = *in;
		size_t k, adv = 1;

		for (k = 0; k < SOCLE_COUNT(folds); k++)
			if (strncmp(in, folds[k].utf8, strlen(folds[k].utf8)) == 0) {
				ch = folds[k].base;
				adv = strlen(folds[k].utf8);
				break;
			}
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (ch == ' ' || ch == '-' || ch == '\'' || ch == '.' || ch == '\t')
			ch = '_';
		if (!(ch == '_' && (o == 0 || out[o - 1] == '_')))
			out[o++] = ch;
		in += adv;
	}
	while (o > 0 && out[o - 1] == '_')
		o--;
	out[o] = '\0';
}

/* The column a folded header cell names, or NCOLS. */
static size_t column_named(const char *key)
{
	for (size_t c = 0; c < NCOLS; c++) {
		if (strcmp(columns[c].name, key) == 0)
			return c;
		for (size_t f = 0; f < 2; f++)
			if (columns[c].french[f] && strcmp(columns[c].french[f], key) == 0)
				return c;
	}
	return NCOLS;
}

/* A column as the person's file names it (the API's name when absent). */
static const char *label_of(const struct import *im, const char *name)
{
	for (size_t c = 0; c < NCOLS; c++)
		if (strcmp(columns[c].name, name) == 0)
			return im->col_of[c] >= 0 ? im->label[c] : columns[c].name;
	return name;
}

static int import_header(struct import *im, size_t line, char **fields, size_t n)
{
	for (size_t c = 0; c < NCOLS; c++)
		im->col_of[c] = -1;
	im->n_header = n;
	for (size_t i = 0; i < n; i++) {
		char *name = trim(fields[i]), msg[200], key[64];
		size_t c;

		header_key(name, key, sizeof(key));
		c = column_named(key);
		if (c == NCOLS) {
			snprintf(msg, sizeof(msg), "Colonne inconnue « %.80s » (voir la liste des colonnes "
			         "dans la documentation).", name);
			import_error(im, line, NULL, msg);
		} else if (im->col_of[c] >= 0) {
			snprintf(msg, sizeof(msg), "Colonne « %s » présente deux fois.", name);
			import_error(im, line, NULL, msg);
		} else {
			im->col_of[c] = (int)i;
			snprintf(im->label[c], sizeof(im->label[c]), "%s", name);
		}
	}
	for (size_t c = 0; c < NCOLS; c++)
		if (columns[c].required && im->col_of[c] < 0) {
			char msg[200];

			snprintf(msg, sizeof(msg), "Colonne obligatoire absente de l'en-tête : %s (ou %s).",
			         columns[c].french[0] ? columns[c].french[0] : columns[c].name,
			         columns[c].name);
			import_error(im, line, columns[c].french[0] ? columns[c].french[0] : columns[c].name,
			             msg);
		}
	im->header_seen = true;
	return 0;
}

/* One data line as the JSON of the API: present columns only (an empty cell
 * is null). Conversion errors go to im->errors; *bad marks their columns. */
static json_t *import_row(struct import *im, size_t line, char **fields, bool bad[NCOLS])
{
	json_t *obj = json_object();

	for (size_t c = 0; obj && c < NCOLS; c++) {
		char msg[200];

		bad[c] = false;
		if (im->col_of[c] < 0)
			continue;
		json_t *v = cell_value(columns[c].kind, fields[im->col_of[c]], msg, sizeof(msg));
		if (v == NULL) {
			bad[c] = true;
			if (im->pass == 1)
				import_error(im, line, im->label[c], msg);
			continue;
		}
		json_object_set_new(obj, columns[c].name, v);
	}
	return obj;
}

/* Move the errors of a socle_fields_check run (fields "ligne N, col") into
 * im->errors with their line and column, leaving out the columns whose cell
 * could not even be read (already reported). */
static void import_take_errors(struct import *im, size_t line, json_t *errs, const bool bad[NCOLS])
{
	size_t i;
	json_t *e;
	char prefix[48];

	snprintf(prefix, sizeof(prefix), "ligne %zu, ", line);
	json_array_foreach(errs, i, e) {
		const char *field = json_string_value(json_object_get(e, "field"));
		const char *col = field && strncmp(field, prefix, strlen(prefix)) == 0
		                          ? field + strlen(prefix) : field;
		bool skip = false;

		for (size_t c = 0; c < NCOLS && col; c++)
			if (bad[c] && strcmp(columns[c].name, col) == 0)
				skip = true;
		if (!skip)
			import_error(im, line, col ? label_of(im, col) : NULL,
			             json_string_value(json_object_get(e, "message")));
	}
}

/* Pass 2, one clean line: insert, or update over the stored worker @p old. */
static int import_apply(struct import *im, const json_t *obj, const json_t *old)
{
	json_t *w = membership_worker_normalize(obj, old);
	int rc;

	if (w == NULL)
		return socle_err_set(im->err, SOCLE_E_NOMEM, "mémoire insuffisante");
	if (old == NULL) {
		rc = membership_worker_insert(im->db, im->req, im->company_id, w, im->today, "import",
		                              NULL, im->err);
		im->created += rc == 0;
	} else {
		rc = membership_worker_update(im->db, im->req, old, w, im->today, "import", im->err);
		if (rc == 1)
			im->updated++;
		else if (rc == 0)
			im->unchanged++;
		rc = rc < 0 ? rc : 0;
	}
	json_decref(w);
	return rc;
}

static int import_line(void *ud, size_t line, char **fields, size_t n)
{
	struct import *im = ud;
	bool bad[NCOLS];
	char prefix[48], msg[200];

	if (!im->header_seen)
		return import_header(im, line, fields, n);
	if (n != im->n_header) {
		if (im->pass == 1) {
			snprintf(msg, sizeof(msg), "%zu colonnes attendues (comme l'en-tête), %zu trouvées.",
			         im->n_header, n);
			import_error(im, line, NULL, msg);
		}
		return 0;
	}
	im->rows++;
	json_t *obj = import_row(im, line, fields, bad);
	if (obj == NULL)
		return socle_err_set(im->err, SOCLE_E_NOMEM, "mémoire insuffisante");
	const char *ref = json_string_value(json_object_get(obj, "external_ref"));
	json_t *old = NULL;
	int rc = 0;

	if (ref != NULL && im->has_workers) {
		socle_err ferr = SOCLE_ERR_INIT;

		old = membership_worker_find(im->db, im->company_id, ref, &ferr);
		if (old == NULL && ferr.code != SOCLE_E_NOTFOUND) {
			json_decref(obj);
			*im->err = ferr;
			return ferr.code;
		}
	}
	if (im->pass == 1) {
		json_t *errs = NULL;

		snprintf(prefix, sizeof(prefix), "ligne %zu, ", line);
		/* Types, bounds and dates of what the line says (every required
		 * column is in the header), then the worker as it will be: stored
		 * values for absent columns, and its establishment. */
		if (membership_worker_check(old ? NULL : im->db, im->company_id, obj, false, prefix,
		                            &errs) == 0 && old != NULL) {
			json_t *w = membership_worker_normalize(obj, old);

			if (w == NULL) {
				json_decref(old);
				json_decref(obj);
				return socle_err_set(im->err, SOCLE_E_NOMEM, "mémoire insuffisante");
			}
			membership_worker_check_dates(im->db, im->company_id, w, prefix, &errs);
			json_decref(w);
		}
		import_take_errors(im, line, errs, bad);
		json_decref(errs);
		if (ref != NULL) {
			json_t *prev = json_object_get(im->seen, ref);

			if (prev != NULL) {
				snprintf(msg, sizeof(msg), "Référence déjà utilisée ligne %lld du fichier.",
				         (long long)json_integer_value(prev));
				import_error(im, line, label_of(im, "external_ref"), msg);
			} else {
				json_object_set_new(im->seen, ref, json_integer((json_int_t)line));
			}
		}
		/* Kept for pass 2 while the file is clean: each reference appears once
		 * (checked above), so what was read of the stored worker stays true
		 * until this line is applied. */
		if (im->n_errors > 0 || im->dropped > 0) {
			json_decref(im->checked);
			im->checked = NULL;
		} else if (im->checked != NULL &&
		           json_array_append_new(im->checked, json_pack("[O, o]", obj,
		                                 old ? json_incref(old) : json_null())) != 0) {
			rc = socle_err_set(im->err, SOCLE_E_NOMEM, "mémoire insuffisante");
		}
	} else {
		rc = import_apply(im, obj, old);
	}
	json_decref(old);
	json_decref(obj);
	return rc;
}

static int import_pass(struct import *im, const char *csv, size_t len)
{
	char why[256];
	size_t bad_line = 0;

	im->header_seen = false;
	im->rows = 0;
	int rc = membership_csv_parse(csv, len, import_line, im, NULL, &bad_line, why, sizeof(why));

	if (rc == SOCLE_E_INVAL && im->pass == 1) {
		char msg[300];

		snprintf(msg, sizeof(msg), "Fichier CSV mal formé : %s.", why);
		import_error(im, bad_line, NULL, msg);
		return 0;
	}
	if (rc == SOCLE_E_NOMEM)
		return socle_err_set(im->err, SOCLE_E_NOMEM, "mémoire insuffisante");
	return rc;
}

static int import_run(socle_db *wdb, socle_req *req, int64_t company_id, const char *csv,
                      size_t len, json_t **errors, json_t **summary, socle_err *err)
{
	struct import im = {.db = wdb, .req = req, .company_id = company_id, .err = err};
	int rc;

	*errors = NULL;
	if (summary)
		*summary = NULL;
	if ((rc = membership_company_writable(wdb, company_id, err)) != 0)
		return rc;
	socle_date_today(im.today);
	/* A first import (the usual case, and the bench's) needs no lookup. */
	json_t *p = json_pack("{s:I}", "company", (json_int_t)company_id);
	json_t *any = p ? socle_db_query(wdb, "SELECT id FROM membership_worker"
	                                      " WHERE company_id = :company LIMIT 1", p, err) : NULL;
	json_decref(p);
	if (any == NULL)
		return err && err->code ? err->code : SOCLE_E_NOMEM;
	im.has_workers = json_array_size(any) > 0;
	json_decref(any);
	im.seen = json_object();
	if (im.seen == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	im.checked = json_array(); /* NULL: pass 2 reads the file again */
	im.pass = 1;
	rc = import_pass(&im, csv, len);
	if (rc == 0 && !im.header_seen)
		import_error(&im, 1, NULL, "Le fichier est vide : une ligne d'en-tête est attendue.");
	if (rc == 0 && im.dropped > 0) {
		char msg[200];

		snprintf(msg, sizeof(msg), "%zu autre(s) erreur(s) non détaillée(s) : corrigez les "
		         "premières puis importez de nouveau.", im.dropped);
		im.n_errors = 0; /* make room for the last word */
		import_error(&im, 0, NULL, msg);
	}
	if (rc == 0 && im.errors != NULL) {
		*errors = im.errors;
		im.errors = NULL;
		rc = socle_err_set(err, SOCLE_E_INVAL, "Le fichier contient des erreurs : rien n'a été "
		                   "importé.");
	}
	size_t rows = im.rows;
	if (rc == 0) {
		im.pass = 2;
		if (im.checked != NULL && json_array_size(im.checked) == rows) {
			size_t i;
			json_t *row;

			json_array_foreach(im.checked, i, row) {
				const json_t *old = json_array_get(row, 1);

				if ((rc = import_apply(&im, json_array_get(row, 0),
				                       json_is_null(old) ? NULL : old)) != 0)
					break;
			}
		} else {
			rc = import_pass(&im, csv, len);
		}
	}
	json_decref(im.checked);
	im.checked = NULL;
	json_int_t absent = 0;
	if (rc == 0) {
		/* Active workers the file does not name: left as they are. */
		json_t *q = json_pack("{s:I, s:s}", "company", (json_int_t)company_id, "today", im.today);
		socle_stmt *st = socle_db_prepare(wdb,
			"SELECT external_ref FROM membership_worker WHERE company_id = :company"
			" AND (end_date IS NULL OR end_date >= :today)", err);

		json_decref(q);
		if (st == NULL) {
			rc = err && err->code ? err->code : SOCLE_E_STORE;
		} else {
			socle_stmt_bind_int(st, ":company", company_id);
			socle_stmt_bind_text(st, ":today", im.today);
			while ((rc = socle_stmt_step(st, err)) == 1)
				absent += json_object_get(im.seen, socle_stmt_text(st, 0)) == NULL;
			socle_stmt_release(st);
		}
	}
	if (rc == 0) {
		json_t *d = json_pack("{s:I, s:I, s:I, s:I}", "lines", (json_int_t)rows, "created",
		                      (json_int_t)im.created, "updated", (json_int_t)im.updated,
		                      "unchanged", (json_int_t)im.unchanged);
		struct socle_audit_entry e = {.action = "membership.workforce.import",
		                              .object_type = "company", .object_id = company_id,
		                              .outcome = "ok", .detail = d};
		rc = socle_audit(wdb, req, &e, err);
		json_decref(d);
	}
	if (rc == 0 && summary) {
		char note[300];

		snprintf(note, sizeof(note),
		         "%lld salarié(s) actif(s) absent(s) du fichier n'ont pas été sortis : déclarez "
		         "leur sortie (date de sortie) si elle a eu lieu.", (long long)absent);
		*summary = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:s}", "company_id",
		                     (json_int_t)company_id, "lines", (json_int_t)rows, "created",
		                     (json_int_t)im.created, "updated", (json_int_t)im.updated,
		                     "unchanged", (json_int_t)im.unchanged, "absent_not_exited", absent,
		                     "note", note);
	}
	json_decref(im.errors);
	json_decref(im.seen);
	return rc;
}

int membership_import_csv(socle_db *wdb, socle_service *svc, int64_t company_id, const char *csv,
                          size_t len, json_t **errors, json_t **summary, socle_err *err)
{
	(void)svc; /* the connection knows its service; kept for callers' clarity */
	return import_run(wdb, NULL, company_id, csv, len, errors, summary, err);
}

/* ---- POST /membership/companies/{id}/workers/import -------------------------------- */

struct import_call {
	socle_req *req;
	int64_t company_id;
	const char *csv;
	size_t len;
	json_t *errors, *summary;
};

static int import_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct import_call *ic = ud;

	return import_run(wdb, ic->req, ic->company_id, ic->csv, ic->len, &ic->errors, &ic->summary,
	                  err);
}

int membership_import_route(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	struct import_call ic = {.req = req};
	(void)ud;

	if (socle_req_param_id(req, "id", &ic.company_id) != 0)
		return socle_reply_error(req, 404, "not_found", "Entreprise introuvable.");
	if (membership_company_access(req, ic.company_id, MEMBERSHIP_ROLE_DECLARATION, &err) != 0)
		return socle_reply_err(req, &err);
	if (socle_req_body(req) != NULL)
		return socle_reply_error(req, 415, "unsupported_media_type",
		                         "Envoyez le fichier lui-même, avec Content-Type: text/csv.");
	ic.csv = socle_req_raw_body(req, &ic.len);
	if (ic.csv == NULL || ic.len == 0) {
		json_t *errors = NULL;

		socle_field_error(&errors, "fichier", "Le fichier est vide.");
		return socle_reply_invalid(req, errors);
	}
	int rc = socle_service_write(socle_req_service(req), import_txn, &ic, &err);

	if (rc == SOCLE_E_INVAL && ic.errors != NULL)
		return socle_reply_invalid(req, ic.errors);
	json_decref(ic.errors);
	if (rc != 0) {
		json_decref(ic.summary);
		return socle_reply_err(req, &err);
	}
	return socle_reply_json(req, 200, ic.summary);
}
