/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* JSON request bodies and their declarative validation.
 *
 * Bodies are parsed strictly (valid UTF-8, no duplicate keys, no NUL in
 * strings, nesting at most HTTP_JSON_MAX_DEPTH) because a lenient parser lets
 * two layers disagree on what a request said.  socle_fields_check() turns a
 * table of struct socle_field into field-level errors with messages in
 * French, the shape of design.md §7. */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "utf8.h"

/* Refuse nesting deeper than HTTP_JSON_MAX_DEPTH before jansson sees the
 * text: jansson's own limit (2048) is far above what a request needs. */
static bool depth_ok(const char *buf, size_t len)
{
	int depth = 0;
	bool in_string = false, escaped = false;

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		if (in_string) {
			if (escaped)
				escaped = false;
			else if (c == '\\')
				escaped = true;
			else if (c == '"')
				in_string = false;
			continue;
		}
		if (c == '"') {
			in_string = true;
		} else if (c == '{' || c == '[') {
			if (++depth > HTTP_JSON_MAX_DEPTH)
				return false;
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return true;
}

static const char *json_error_text(const json_error_t *je)
{
	switch (json_error_code(je)) {
	case json_error_invalid_utf8: return "texte UTF-8 invalide";
	case json_error_duplicate_key: return "clé en double";
	case json_error_numeric_overflow: return "nombre hors limites";
	case json_error_premature_end_of_input: return "fin prématurée du texte";
	case json_error_end_of_input_expected: return "données après la fin du document";
	case json_error_null_character:
	case json_error_null_byte_in_key: return "caractère nul interdit";
	case json_error_wrong_type: return "un objet ou un tableau est attendu";
	default: return "syntaxe invalide";
	}
}

/* jansson reports a failed allocation inside its parser as a syntax error
 * ("invalid token", or no text at all), or not at all: a body refused as
 * bad JSON, or read without one of its members, when the server ran out of
 * memory. Its allocations go through this function (set
 * once by http_json_init_alloc), which remembers a failure for the thread;
 * a parse that failed with one is the server's trouble, not the client's. */
static _Thread_local bool json_alloc_failed;

static void *json_tracked_malloc(size_t n)
{
	void *p = malloc(n);

	if (p == NULL)
		json_alloc_failed = true;
	return p;
}

void http_json_init_alloc(void)
{
	json_set_alloc_funcs(json_tracked_malloc, free);
}

int http_json_parse(const char *buf, size_t len, json_t **out, socle_err *err)
{
	json_error_t je;

	*out = NULL;
	json_alloc_failed = false;
	if (!depth_ok(buf, len))
		return socle_err_set(err, SOCLE_E_INVAL,
		                     "Corps JSON invalide : imbrication de plus de %d niveaux.",
		                     HTTP_JSON_MAX_DEPTH);
	json_t *v = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	/* A failed allocation may also leave a document parsed without a value
	 * (seen: an object missing a member): never trust it. */
	if (json_alloc_failed || (!v && json_error_code(&je) == json_error_out_of_memory)) {
		json_decref(v);
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	}
	if (!v)
		return socle_err_set(err, SOCLE_E_INVAL,
		                     "Corps JSON invalide (ligne %d, colonne %d) : %s.", je.line,
		                     je.column, json_error_text(&je));
	*out = v;
	return 0;
}

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

bool http_valid_date(const char *s)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++) {
		if (i == 4 || i == 7)
			continue;
		if (s[i] < '0' || s[i] > '9')
			return false;
	}
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	int d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1 || m < 1 || m > 12 || d < 1)
		return false;
	int dim = days[m - 1] + (m == 2 && is_leap(y) ? 1 : 0);
	return d <= dim;
}

/* Characters allowed in the local part of an address besides letters and
 * digits (RFC 5322 atext). */
static bool is_atext(unsigned char c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+/=?^_`{|}~-", c));
}

bool http_valid_email(const char *s)
{
	if (!s)
		return false;
	size_t len = strlen(s);
	const char *at = strchr(s, '@');
	if (len > 254 || !at || strchr(at + 1, '@'))
		return false;
	size_t local_len = (size_t)(at - s);
	if (local_len < 1 || local_len > 64)
		return false;
	/* local part: dot-atoms, no leading, trailing or doubled dot */
	for (size_t i = 0; i < local_len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (i == 0 || i == local_len - 1 || s[i + 1] == '.')
				return false;
		} else if (!is_atext(c)) {
			return false;
		}
	}
	/* domain: at least two labels of letters, digits and inner hyphens;
	 * the last label (TLD) has at least two letters */
	const char *d = at + 1;
	size_t n_labels = 0;
	while (*d) {
		const char *dot = strchr(d, '.');
		size_t l = dot ? (size_t)(dot - d) : strlen(d);

		if (l < 1 || l > 63 || d[0] == '-' || d[l - 1] == '-')
			return false;
		bool all_alpha = true;
		for (size_t i = 0; i < l; i++) {
			unsigned char c = (unsigned char)d[i];

			if (!isalnum(c) && c != '-')
				return false;
			if (!isalpha(c))
				all_alpha = false;
		}
		n_labels++;
		if (!dot) {
			if (n_labels < 2 || l < 2 || !all_alpha)
				return false;
			return true;
		}
		d = dot + 1;
	}
	return false; /* empty domain or trailing dot */
}

void socle_field_error(json_t **errors, const char *field, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!errors)
		return;
	if (!*errors) {
		*errors = json_array();
		if (!*errors)
			return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_t *e = json_object();
	char *name = strdup(field ? field : "");
	if (!e || !name) {
		json_decref(e);
		free(name);
		return;
	}
	/* json_string() refuses what is not UTF-8, and the error then lost its
	 * field or message (tests/fuzz/crashes/json_fields/): an unknown key of
	 * 128 "é" cut at 255 bytes by socle_fields_check's name buffer ends
	 * inside a character, and so does a message quoting a long value. */
	utf8_repair(name);
	utf8_repair(msg);
	json_object_set_new(e, "field", json_string(name));
	json_object_set_new(e, "message", json_string(msg));
	free(name);
	json_array_append_new(*errors, e);
}

/* Length in characters (code points) of a valid UTF-8 string: people count
 * "Séverine" as 8 letters, not 9 bytes. */
static int64_t utf8_length(const char *s, size_t bytes)
{
	int64_t n = 0;

	for (size_t i = 0; i < bytes; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			n++;
	return n;
}

/* Bounds: both 0 = none; otherwise min applies, and max applies unless it is
 * 0 while min is positive ("at least min"). */
static bool has_max(const struct socle_field *f)
{
	return !(f->max == 0 && f->min > 0) && (f->min != 0 || f->max != 0);
}

static bool has_min(const struct socle_field *f)
{
	return f->min != 0 || f->max != 0;
}

static int check_count(const struct socle_field *f, int64_t n, const char *name, json_t **errs,
                       const char *unit_plural)
{
	/* "1 caractère", not "1 caractères": the unit's final s goes for one. */
	int unit_len = (int)strlen(unit_plural);

	if (has_min(f) && n < f->min) {
		if (n == 0)
			socle_field_error(errs, name, "Ce champ ne peut pas être vide.");
		else
			socle_field_error(errs, name, "Doit contenir au moins %" PRId64 " %.*s.", f->min,
			                  f->min == 1 ? unit_len - 1 : unit_len, unit_plural);
		return 1;
	}
	if (has_max(f) && n > f->max) {
		socle_field_error(errs, name, "Doit contenir au plus %" PRId64 " %.*s.", f->max,
		                  f->max == 1 ? unit_len - 1 : unit_len, unit_plural);
		return 1;
	}
	return 0;
}

static int check_range(const struct socle_field *f, double v, const char *name, json_t **errs)
{
	if (has_min(f) && v < (double)f->min) {
		socle_field_error(errs, name, "Doit être supérieur ou égal à %" PRId64 ".", f->min);
		return 1;
	}
	if (has_max(f) && v > (double)f->max) {
		socle_field_error(errs, name, "Doit être inférieur ou égal à %" PRId64 ".", f->max);
		return 1;
	}
	return 0;
}

static void choices_text(const char *const *choices, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = 0;
	for (size_t i = 0; choices && choices[i] && n < size; i++) {
		int w = snprintf(buf + n, size - n, "%s« %s »", i ? ", " : "", choices[i]);
		if (w < 0)
			break;
		n += (size_t)w;
	}
}

/* Type, bounds, choices and custom check of one present, non-null value. */
static int check_value(const struct socle_field *f, const json_t *v, const char *name,
                       json_t **errs)
{
	char buf[512];

	switch (f->type) {
	case SOCLE_F_STRING:
		if (!json_is_string(v)) {
			socle_field_error(errs, name, "Doit être une chaîne de caractères.");
			return 1;
		}
		if (check_count(f, utf8_length(json_string_value(v), json_string_length(v)), name,
		                errs, "caractères"))
			return 1;
		break;
	case SOCLE_F_INT:
		if (!json_is_integer(v)) {
			socle_field_error(errs, name, "Doit être un nombre entier.");
			return 1;
		}
		if (has_min(f) && json_integer_value(v) < f->min) {
			socle_field_error(errs, name, "Doit être supérieur ou égal à %" PRId64 ".",
			                  f->min);
			return 1;
		}
		if (has_max(f) && json_integer_value(v) > f->max) {
			socle_field_error(errs, name, "Doit être inférieur ou égal à %" PRId64 ".",
			                  f->max);
			return 1;
		}
		break;
	case SOCLE_F_NUMBER:
		if (!json_is_number(v)) {
			socle_field_error(errs, name, "Doit être un nombre.");
			return 1;
		}
		if (check_range(f, json_number_value(v), name, errs))
			return 1;
		break;
	case SOCLE_F_BOOL:
		if (!json_is_boolean(v)) {
			socle_field_error(errs, name, "Doit être vrai ou faux (true ou false).");
			return 1;
		}
		break;
	case SOCLE_F_DATE:
		if (!json_is_string(v) || !http_valid_date(json_string_value(v))) {
			socle_field_error(errs, name,
			                  "Doit être une date valide au format AAAA-MM-JJ.");
			return 1;
		}
		break;
	case SOCLE_F_EMAIL:
		if (!json_is_string(v) || !http_valid_email(json_string_value(v))) {
			socle_field_error(errs, name, "Doit être une adresse électronique valide.");
			return 1;
		}
		if (check_count(f, utf8_length(json_string_value(v), json_string_length(v)), name,
		                errs, "caractères"))
			return 1;
		break;
	case SOCLE_F_ENUM: {
		bool ok = false;

		if (json_is_string(v))
			for (size_t i = 0; f->choices && f->choices[i]; i++)
				if (strcmp(f->choices[i], json_string_value(v)) == 0)
					ok = true;
		if (!ok) {
			choices_text(f->choices, buf, sizeof(buf));
			socle_field_error(errs, name, "Doit être l'une des valeurs : %s.", buf);
			return 1;
		}
		break;
	}
	case SOCLE_F_OBJECT:
		if (!json_is_object(v)) {
			socle_field_error(errs, name, "Doit être un objet.");
			return 1;
		}
		break;
	case SOCLE_F_ARRAY:
		if (!json_is_array(v)) {
			socle_field_error(errs, name, "Doit être une liste.");
			return 1;
		}
		if (check_count(f, (int64_t)json_array_size(v), name, errs, "éléments"))
			return 1;
		break;
	default:
		/* a table with an unknown type is our bug; refuse rather than accept anything */
		socle_field_error(errs, name, "Type de champ non pris en charge.");
		return 1;
	}
	if (f->check) {
		buf[0] = 0;
		if (f->check(v, buf, sizeof(buf)) != 0) {
			socle_field_error(errs, name, "%s", buf[0] ? buf : "Valeur invalide.");
			return 1;
		}
	}
	return 0;
}

int socle_fields_check(const json_t *obj, const struct socle_field *fields, size_t count,
                       const char *prefix, json_t **out_errors)
{
	char name[256];
	int problems = 0;

	if (!prefix)
		prefix = "";
	if (!json_is_object(obj)) {
		/* name the object itself: "" at top level, "establishments[2]" inside */
		size_t pl = strlen(prefix);
		snprintf(name, sizeof(name), "%.*s", (int)(pl && prefix[pl - 1] == '.' ? pl - 1 : pl),
		         prefix);
		socle_field_error(out_errors, name, "Un objet JSON est attendu.");
		return 1;
	}
	for (size_t i = 0; i < count; i++) {
		const struct socle_field *f = &fields[i];
		const json_t *v = json_object_get(obj, f->name);

		snprintf(name, sizeof(name), "%s%s", prefix, f->name);
		if (!v || json_is_null(v)) {
			if (f->required) {
				socle_field_error(out_errors, name, "Ce champ est obligatoire.");
				problems++;
			}
			continue;
		}
		problems += check_value(f, v, name, out_errors);
	}
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)obj, key, v) {
		bool known = false;

		for (size_t i = 0; i < count && !known; i++)
			known = strcmp(fields[i].name, key) == 0;
		if (!known) {
			snprintf(name, sizeof(name), "%s%s", prefix, key);
			socle_field_error(out_errors, name, "Champ inconnu.");
			problems++;
		}
	}
	return problems;
}
