/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Documents, part one: the description's schema (socle/document.h), French
 * typography, and the HTML rendering of a description. The PDF is drawn in
 * document_pdf.c from the very same checked description and the same
 * typography, so that the two forms say the same thing. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "document_core.h"

#define TEXT_MAX 20000    /* one paragraph, cell or item */
#define TITLE_MAX 300
#define SECTIONS_MAX 200
#define BLOCKS_MAX 500
#define ITEMS_MAX 5000    /* list items, table rows, fields */
#define COLUMNS_MAX 12

/* ---- the schema ------------------------------------------------------------------------- */

/* The path of a part of the description, for error messages: a path cut at
 * the buffer's end still points at the place (vsnprintf, so that the
 * compiler does not warn about a truncation that is wanted). */
__attribute__((format(printf, 3, 4)))
static void sub_path(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, size, fmt, ap);
	va_end(ap);
}

static int bad(socle_err *err, const char *path, const char *msg)
{
	return socle_err_set(err, SOCLE_E_INVAL, "%s : %s", path, msg);
}

static int check_text(const json_t *v, const char *path, size_t max, bool one_line, socle_err *err)
{
	const char *s = json_string_value(v);

	if (s == NULL)
		return bad(err, path, "texte attendu");
	if (strlen(s) > max) {
		char msg[64];

		snprintf(msg, sizeof(msg), "au plus %zu octets", max);
		return bad(err, path, msg);
	}
	if (one_line && strpbrk(s, "\r\n"))
		return bad(err, path, "une seule ligne");
	return 0;
}

static int check_keys(const json_t *obj, const char *path, const char *const *known,
                      socle_err *err)
{
	const char *k;
	json_t *v;

	if (!json_is_object(obj))
		return bad(err, path, "objet attendu");
	json_object_foreach((json_t *)obj, k, v) {
		bool ok = false;

		for (const char *const *n = known; *n && !ok; n++)
			ok = strcmp(*n, k) == 0;
		if (!ok) {
			char p[300];

			sub_path(p, sizeof(p), "%s.%s", path, k);
			return bad(err, p, "clé inconnue");
		}
	}
	return 0;
}

static int check_strings(const json_t *a, const char *path, size_t min, size_t max,
                         socle_err *err)
{
	char p[300];
	size_t i;
	json_t *v;

	if (!json_is_array(a) || json_array_size(a) < min || json_array_size(a) > max) {
		char msg[80];

		snprintf(msg, sizeof(msg), "liste de %zu à %zu textes attendue", min, max);
		return bad(err, path, msg);
	}
	json_array_foreach(a, i, v) {
		sub_path(p, sizeof(p), "%s[%zu]", path, i);
		if (check_text(v, p, TEXT_MAX, false, err) != 0)
			return SOCLE_E_INVAL;
	}
	return 0;
}

static bool url_ok(const char *s)
{
	if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0)
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || strchr("\"'<>\\`", *p))
			return false;
	return strlen(s) <= 2000;
}

static int check_table(const json_t *t, const char *path, socle_err *err)
{
	static const char *const keys[] = {"header", "rows", "align", "widths", NULL};
	const json_t *header = json_object_get(t, "header"), *rows = json_object_get(t, "rows");
	char p[300];
	size_t cols, i;
	json_t *row;

	if (check_keys(t, path, keys, err) != 0)
		return SOCLE_E_INVAL;
	sub_path(p, sizeof(p), "%s.rows", path);
	if (!json_is_array(rows) || json_array_size(rows) > ITEMS_MAX)
		return bad(err, p, "liste de lignes attendue");
	if (header == NULL && json_array_size(rows) == 0)
		return bad(err, p, "un tableau sans en-tête a au moins une ligne");
	sub_path(p, sizeof(p), "%s.header", path);
	if (header != NULL && check_strings(header, p, 1, COLUMNS_MAX, err) != 0)
		return SOCLE_E_INVAL;
	cols = header ? json_array_size(header) : json_array_size(json_array_get(rows, 0));
	json_array_foreach(rows, i, row) {
		sub_path(p, sizeof(p), "%s.rows[%zu]", path, i);
		if (check_strings(row, p, 1, COLUMNS_MAX, err) != 0)
			return SOCLE_E_INVAL;
		if (json_array_size(row) != cols) {
			char msg[64];

			snprintf(msg, sizeof(msg), "%zu cellules attendues", cols);
			return bad(err, p, msg);
		}
	}
	const json_t *align = json_object_get(t, "align"), *widths = json_object_get(t, "widths");
	json_t *v;

	if (align != NULL) {
		sub_path(p, sizeof(p), "%s.align", path);
		if (!json_is_array(align) || json_array_size(align) != cols)
			return bad(err, p, "une valeur par colonne attendue");
		json_array_foreach(align, i, v) {
			const char *a = json_string_value(v);

			if (a == NULL || (strcmp(a, "left") != 0 && strcmp(a, "right") != 0 &&
			                  strcmp(a, "center") != 0))
				return bad(err, p, "left, right ou center");
		}
	}
	if (widths != NULL) {
		sub_path(p, sizeof(p), "%s.widths", path);
		if (!json_is_array(widths) || json_array_size(widths) != cols)
			return bad(err, p, "une valeur par colonne attendue");
		json_array_foreach(widths, i, v)
			if (!json_is_number(v) || json_number_value(v) <= 0 ||
			    json_number_value(v) > 100)
				return bad(err, p, "des nombres de 0 à 100 attendus");
	}
	return 0;
}

static int check_block(const json_t *b, const char *path, socle_err *err)
{
	char p[300];

	if (!json_is_object(b) || json_object_size(b) == 0)
		return bad(err, path, "bloc attendu (paragraph, list, table ou fields)");
	if (json_object_get(b, "paragraph")) {
		static const char *const keys[] = {"paragraph", "strong", "url", NULL};

		if (check_keys(b, path, keys, err) != 0)
			return SOCLE_E_INVAL;
		sub_path(p, sizeof(p), "%s.paragraph", path);
		if (check_text(json_object_get(b, "paragraph"), p, TEXT_MAX, false, err) != 0)
			return SOCLE_E_INVAL;
		sub_path(p, sizeof(p), "%s.strong", path);
		if (json_object_get(b, "strong") && !json_is_boolean(json_object_get(b, "strong")))
			return bad(err, p, "booléen attendu");
		sub_path(p, sizeof(p), "%s.url", path);
		const json_t *u = json_object_get(b, "url");
		if (u && (!json_is_string(u) || !url_ok(json_string_value(u))))
			return bad(err, p, "adresse http(s):// sans espace attendue");
		return 0;
	}
	if (json_object_size(b) != 1)
		return bad(err, path, "un bloc list, table ou fields n'a qu'une clé");
	if (json_object_get(b, "list")) {
		sub_path(p, sizeof(p), "%s.list", path);
		return check_strings(json_object_get(b, "list"), p, 1, ITEMS_MAX, err);
	}
	if (json_object_get(b, "table")) {
		sub_path(p, sizeof(p), "%s.table", path);
		return check_table(json_object_get(b, "table"), p, err);
	}
	if (json_object_get(b, "fields")) {
		const json_t *f = json_object_get(b, "fields"), *row;
		size_t i;

		sub_path(p, sizeof(p), "%s.fields", path);
		if (!json_is_array(f) || json_array_size(f) == 0 || json_array_size(f) > ITEMS_MAX)
			return bad(err, p, "liste de paires [libellé, valeur] attendue");
		json_array_foreach(f, i, row) {
			sub_path(p, sizeof(p), "%s.fields[%zu]", path, i);
			if (check_strings(row, p, 2, 2, err) != 0)
				return SOCLE_E_INVAL;
		}
		return 0;
	}
	return bad(err, path, "bloc inconnu : paragraph, list, table ou fields");
}

SOCLE_API int socle_document_check(const json_t *doc, socle_err *err)
{
	static const char *const keys[] = {"title", "subtitle", "sections", "signature", NULL};
	static const char *const sec_keys[] = {"heading", "blocks", NULL};
	static const char *const sig_keys[] = {"place", "date", "name", "role", NULL};
	const json_t *sections = json_object_get(doc, "sections"), *s;
	char p[300];
	size_t i, j;

	if (check_keys(doc, "document", keys, err) != 0)
		return SOCLE_E_INVAL;
	if (json_object_get(doc, "title") == NULL)
		return bad(err, "title", "titre obligatoire");
	if (check_text(json_object_get(doc, "title"), "title", TITLE_MAX, true, err) != 0)
		return SOCLE_E_INVAL;
	if (json_object_get(doc, "subtitle") &&
	    check_text(json_object_get(doc, "subtitle"), "subtitle", TITLE_MAX, true, err) != 0)
		return SOCLE_E_INVAL;
	if (!json_is_array(sections) || json_array_size(sections) == 0 ||
	    json_array_size(sections) > SECTIONS_MAX)
		return bad(err, "sections", "liste de 1 à 200 sections attendue");
	json_array_foreach(sections, i, s) {
		const json_t *blocks = json_object_get(s, "blocks"), *b;

		sub_path(p, sizeof(p), "sections[%zu]", i);
		if (check_keys(s, p, sec_keys, err) != 0)
			return SOCLE_E_INVAL;
		sub_path(p, sizeof(p), "sections[%zu].heading", i);
		if (json_object_get(s, "heading") &&
		    check_text(json_object_get(s, "heading"), p, TITLE_MAX, true, err) != 0)
			return SOCLE_E_INVAL;
		sub_path(p, sizeof(p), "sections[%zu].blocks", i);
		if (!json_is_array(blocks) || json_array_size(blocks) > BLOCKS_MAX)
			return bad(err, p, "liste de blocs attendue");
		json_array_foreach(blocks, j, b) {
			sub_path(p, sizeof(p), "sections[%zu].blocks[%zu]", i, j);
			if (check_block(b, p, err) != 0)
				return SOCLE_E_INVAL;
		}
	}
	const json_t *sig = json_object_get(doc, "signature");
	if (sig != NULL) {
		const char *k;
		json_t *v;

		if (check_keys(sig, "signature", sig_keys, err) != 0)
			return SOCLE_E_INVAL;
		json_object_foreach((json_t *)sig, k, v) {
			sub_path(p, sizeof(p), "signature.%s", k);
			if (check_text(v, p, TITLE_MAX, true, err) != 0)
				return SOCLE_E_INVAL;
		}
		const char *d = json_string_value(json_object_get(sig, "date"));
		if (d && !socle_date_valid(d))
			return bad(err, "signature.date", "date AAAA-MM-JJ attendue");
	}
	return 0;
}

/* ---- French typography ------------------------------------------------------------------- */

#define NBSP "\u00a0"
#define NNBSP "\u202f"

static bool is_space_before(const char *start, const char *p)
{
	/* an ordinary space, or one of the no-break spaces already there */
	if (p > start && p[-1] == ' ')
		return true;
	if (p - start >= 2 && (unsigned char)p[-2] == 0xc2 && (unsigned char)p[-1] == 0xa0)
		return true;
	return p - start >= 3 && (unsigned char)p[-3] == 0xe2 && (unsigned char)p[-2] == 0x80 &&
	       (unsigned char)p[-1] == 0xaf;
}

char *doc_typo(const char *s)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (f == NULL)
		return NULL;
	for (const char *p = s; p && *p; p++) {
		bool ends = p[1] == '\0' || p[1] == ' ' || p[1] == '\n' || p[1] == ')' ||
		            p[1] == '"' || strncmp(p + 1, "\u00bb", 2) == 0;
		char c = *p;

		if (c == ' ' && (p[1] == ';' || p[1] == '!' || p[1] == '?')) {
			fputs(NNBSP, f);
			continue;
		}
		if (c == ' ' && p[1] == ':') {
			fputs(NBSP, f);
			continue;
		}
		if (c == ' ' && strncmp(p + 1, "\u00bb", 2) == 0) {
			fputs(NBSP, f);
			continue;
		}
		if ((c == ';' || c == '!' || c == '?') && p > s && !is_space_before(s, p) &&
		    strchr(";!?", p[-1]) == NULL && (ends || p[1] == '!' || p[1] == '?'))
			fputs(NNBSP, f);
		/* ':' only after a letter and before a space or the end: leaves
		 * "10:30", "https://" and "a:b" alone. */
		if (c == ':' && p > s && !is_space_before(s, p) && ends &&
		    (((p[-1] | 0x20) >= 'a' && (p[-1] | 0x20) <= 'z') || (unsigned char)p[-1] >= 0x80))
			fputs(NBSP, f);
		if (strncmp(p, "\u00bb", 2) == 0 && p > s && !is_space_before(s, p))
			fputs(NBSP, f);
		if (strncmp(p, "\u00ab", 2) == 0) {
			fputs("\u00ab" NBSP, f);
			p++;
			if (p[1] == ' ')
				p++;
			else if (strncmp(p + 1, NBSP, 2) == 0)
				p += 2;
			else if (strncmp(p + 1, NNBSP, 3) == 0)
				p += 3;
			continue;
		}
		fputc(c, f);
	}
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

void doc_day_of(int64_t ms, char out[SOCLE_DATE_SIZE])
{
	int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);

	if (!socle_date_format(days, out))
		snprintf(out, SOCLE_DATE_SIZE, "%s", "1970-01-01");
}

/* ---- HTML ---------------------------------------------------------------------------------- */

static void esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* Escaped text with French typography. */
static void text(FILE *f, const char *s)
{
	char *t = doc_typo(s);

	esc(f, t ? t : s);
	free(t);
}

static const char *sget(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void html_table(FILE *f, const json_t *t)
{
	const json_t *header = json_object_get(t, "header"), *align = json_object_get(t, "align");
	const json_t *row, *cell;
	size_t i, j;

	fputs("<table>\n", f);
	if (header) {
		fputs("<thead><tr>", f);
		json_array_foreach(header, j, cell) {
			fputs("<th scope=\"col\"", f);
			if (json_string_value(json_array_get(align, j)))
				fprintf(f, " class=\"%s\"", json_string_value(json_array_get(align, j)));
			fputc('>', f);
			text(f, json_string_value(cell));
			fputs("</th>", f);
		}
		fputs("</tr></thead>\n", f);
	}
	fputs("<tbody>\n", f);
	json_array_foreach(json_object_get(t, "rows"), i, row) {
		fputs("<tr>", f);
		json_array_foreach(row, j, cell) {
			fputs("<td", f);
			if (json_string_value(json_array_get(align, j)))
				fprintf(f, " class=\"%s\"", json_string_value(json_array_get(align, j)));
			fputc('>', f);
			text(f, json_string_value(cell));
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</tbody>\n</table>\n", f);
}

static void html_block(FILE *f, const json_t *b)
{
	const json_t *v;
	size_t i;

	if (sget(b, "paragraph")) {
		bool strong = json_is_true(json_object_get(b, "strong"));

		fputs("<p>", f);
		if (sget(b, "url")) {
			fputs("<a href=\"", f);
			esc(f, sget(b, "url"));
			fputs("\">", f);
		}
		fputs(strong ? "<strong>" : "", f);
		text(f, sget(b, "paragraph"));
		fputs(strong ? "</strong>" : "", f);
		fputs(sget(b, "url") ? "</a>" : "", f);
		fputs("</p>\n", f);
	} else if (json_object_get(b, "list")) {
		fputs("<ul>\n", f);
		json_array_foreach(json_object_get(b, "list"), i, v) {
			fputs("<li>", f);
			text(f, json_string_value(v));
			fputs("</li>\n", f);
		}
		fputs("</ul>\n", f);
	} else if (json_object_get(b, "table")) {
		html_table(f, json_object_get(b, "table"));
	} else if (json_object_get(b, "fields")) {
		fputs("<table class=\"fields\">\n", f);
		json_array_foreach(json_object_get(b, "fields"), i, v) {
			fputs("<tr><th scope=\"row\">", f);
			text(f, json_string_value(json_array_get(v, 0)));
			fputs("</th><td>", f);
			text(f, json_string_value(json_array_get(v, 1)));
			fputs("</td></tr>\n", f);
		}
		fputs("</table>\n", f);
	}
}

static void html_identity(FILE *f, const socle_service *svc)
{
	const json_t *id = socle_service_identity(svc);

	fputs("<header class=\"identity\">\n", f);
	if (json_object_get(id, "logo_file")) {
		fputs("<img src=\"/api/v1/", f);
		esc(f, socle_service_id(svc));
		fputs("/identity/logo\" alt=\"\">\n", f);
	}
	fputs("<p class=\"service\">", f);
	esc(f, sget(id, "legal_name") ? sget(id, "legal_name") : socle_service_name(svc));
	fputs("</p>\n", f);
	if (sget(id, "address")) {
		fputs("<p class=\"address\">", f);
		for (const char *p = sget(id, "address"); *p; p++) {
			if (*p == '\n')
				fputs("<br>", f);
			else
				esc(f, (char[2]){*p, '\0'});
		}
		fputs("</p>\n", f);
	}
	if (sget(id, "phone")) {
		fputs("<p class=\"phone\">Tél. ", f);
		esc(f, sget(id, "phone"));
		fputs("</p>\n", f);
	}
	fputs("</header>\n", f);
}

SOCLE_API char *socle_document_html(const socle_service *svc, const json_t *doc, socle_err *err)
{
	if (svc == NULL || socle_document_check(doc, err) != 0) {
		if (svc == NULL)
			socle_err_set(err, SOCLE_E_INVAL, "service manquant");
		return NULL;
	}
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	const json_t *s, *b, *sig = json_object_get(doc, "signature");
	size_t i, j;

	if (f == NULL) {
		socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
		return NULL;
	}
	fputs("<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", f);
	text(f, sget(doc, "title"));
	fputs("</title>\n<link rel=\"stylesheet\" href=\"/api/v1/", f);
	esc(f, socle_service_id(svc));
	fputs("/documents/print.css\">\n</head>\n<body>\n", f);
	html_identity(f, svc);
	fputs("<main>\n<h1>", f);
	text(f, sget(doc, "title"));
	fputs("</h1>\n", f);
	if (sget(doc, "subtitle")) {
		fputs("<p class=\"subtitle\">", f);
		text(f, sget(doc, "subtitle"));
		fputs("</p>\n", f);
	}
	json_array_foreach(json_object_get(doc, "sections"), i, s) {
		fputs("<section>\n", f);
		if (sget(s, "heading")) {
			fprintf(f, "<h2 id=\"s%zu\">", i + 1);
			text(f, sget(s, "heading"));
			fputs("</h2>\n", f);
		}
		json_array_foreach(json_object_get(s, "blocks"), j, b)
			html_block(f, b);
		fputs("</section>\n", f);
	}
	if (sig) {
		char fr[SOCLE_DATE_FR_SIZE];

		fputs("<div class=\"signature\">\n", f);
		if (sget(sig, "place") || sget(sig, "date")) {
			fputs("<p>Fait", f);
			if (sget(sig, "place")) {
				fputs(" à ", f);
				text(f, sget(sig, "place"));
			}
			if (sget(sig, "date") && socle_date_fr(sget(sig, "date"), fr)) {
				fputs(", le ", f);
				esc(f, fr);
			}
			fputs("</p>\n", f);
		}
		if (sget(sig, "name")) {
			fputs("<p class=\"name\">", f);
			text(f, sget(sig, "name"));
			fputs("</p>\n", f);
		}
		if (sget(sig, "role")) {
			fputs("<p>", f);
			text(f, sget(sig, "role"));
			fputs("</p>\n", f);
		}
		fputs("</div>\n", f);
	}
	fputs("</main>\n</body>\n</html>\n", f);
	if (fclose(f) != 0) {
		free(out);
		socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
		return NULL;
	}
	return out;
}

SOCLE_API int socle_document_pdf(const socle_service *svc, const json_t *doc, unsigned char **out,
                                 size_t *out_len, socle_err *err)
{
	*out = NULL;
	*out_len = 0;
	if (svc == NULL)
		return socle_err_set(err, SOCLE_E_INVAL, "service manquant");
	if (socle_document_check(doc, err) != 0)
		return SOCLE_E_INVAL;
	return doc_render_pdf(svc, doc, NULL, out, out_len, err);
}
