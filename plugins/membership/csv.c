/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The CSV reader of the workforce import (csv_import.c): RFC 4180 (quoted
 * fields, "" for a quote inside them, CRLF, LF or CR line ends), UTF-8 with
 * or without a BOM, the separator (';' as French Excel writes it, or ',')
 * detected from the header line. It knows nothing of workers: each record
 * goes to the caller's function with the line it starts on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "membership.h"

/* Offset of the first byte that is not well-formed UTF-8 (or a NUL), or @p len. */
static size_t utf8_invalid_at(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n;
		unsigned cp;

		if (c == 0)
			return i;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return i;
		}
		if (n >= len - i)
			return i; /* truncated sequence at the end */
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		/* overlong forms, surrogates, beyond U+10FFFF */
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += n + 1;
	}
	return len;
}

static size_t line_at(const char *s, size_t off)
{
	size_t line = 1;

	for (size_t i = 0; i < off; i++)
		if (s[i] == '\n' || (s[i] == '\r' && (i + 1 >= off || s[i + 1] != '\n')))
			line++;
	return line;
}

/* The separator the header line uses most (';' when it uses none). */
static char detect_separator(const char *s, size_t len)
{
	size_t semi = 0, comma = 0, tab = 0;
	bool quoted = false;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '"')
			quoted = !quoted;
		else if (!quoted && (c == '\n' || c == '\r'))
			break;
		else if (!quoted && c == ';')
			semi++;
		else if (!quoted && c == ',')
			comma++;
		else if (!quoted && c == '\t')
			tab++;
	}
	if (tab > semi && tab > comma)
		return '\t';
	return comma > semi ? ',' : ';';
}

struct csv_buf {
	char *text;     /* unescaped fields of the current record, NUL-separated */
	size_t len, cap;
	size_t *starts; /* offset of each field in text */
	size_t n, ncap;
	char **ptrs;
};

static int buf_put(struct csv_buf *b, char c)
{
	if (b->len == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		char *t = realloc(b->text, cap);

		if (t == NULL)
			return -1;
		b->text = t;
		b->cap = cap;
	}
	b->text[b->len++] = c;
	return 0;
}

static int buf_field(struct csv_buf *b, size_t start)
{
	if (b->n == b->ncap) {
		size_t cap = b->ncap ? b->ncap * 2 : 32;
		size_t *s = realloc(b->starts, cap * sizeof(*s));

		if (s == NULL)
			return -1;
		b->starts = s;
		char **p = realloc(b->ptrs, cap * sizeof(*p));
		if (p == NULL)
			return -1;
		b->ptrs = p;
		b->ncap = cap;
	}
	b->starts[b->n++] = start;
	return 0;
}

int membership_csv_parse(const char *data, size_t len, membership_csv_fn fn, void *ud,
                         char *sep_out, size_t *bad_line, char *why, size_t why_size)
{
	struct csv_buf b = {0};
	size_t pos = 0, line = 1, bad;
	int rc = 0;

#define CSV_FAIL(at_line, ...)                                                                \
	do {                                                                                      \
		if (bad_line)                                                                     \
			*bad_line = (at_line);                                                    \
		if (why)                                                                          \
			snprintf(why, why_size, __VA_ARGS__);                                     \
		rc = SOCLE_E_INVAL;                                                               \
		goto out;                                                                         \
	} while (0)

	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		pos = 3; /* the BOM Excel writes in "CSV UTF-8" */
	bad = utf8_invalid_at((const unsigned char *)data + pos, len - pos);
	if (bad < len - pos)
		CSV_FAIL(line_at(data, pos + bad),
		         data[pos + bad] == 0
		                 ? "caractère nul dans le fichier"
		                 : "le fichier n'est pas en UTF-8 (enregistrez-le au format « CSV UTF-8 »)");
	char sep = detect_separator(data + pos, len - pos);
	if (sep_out)
		*sep_out = sep;
	while (pos < len) {
		size_t record_line = line;
		bool blank = true;

		b.len = 0;
		b.n = 0;
		for (;;) {
			size_t start = b.len;

			if (pos < len && data[pos] == '"') {
				size_t quote_line = line;

				pos++;
				for (;;) {
					if (pos >= len)
						CSV_FAIL(quote_line, "guillemet ouvert jamais refermé");
					char c = data[pos];

					if (c == '"') {
						if (pos + 1 < len && data[pos + 1] == '"') {
							if (buf_put(&b, '"'))
								goto nomem;
							pos += 2;
							continue;
						}
						pos++;
						break;
					}
					if (c == '\n' || (c == '\r' && (pos + 1 >= len || data[pos + 1] != '\n')))
						line++;
					if (buf_put(&b, c))
						goto nomem;
					pos++;
				}
				if (pos < len && data[pos] != sep && data[pos] != '\r' && data[pos] != '\n')
					CSV_FAIL(line, "caractère inattendu après un guillemet fermant "
					               "(doublez les guillemets à l'intérieur d'un champ : \"\")");
				blank = false;
			} else {
				while (pos < len && data[pos] != sep && data[pos] != '\r' && data[pos] != '\n') {
					if (data[pos] == '"')
						CSV_FAIL(line, "guillemet dans un champ non entouré de guillemets "
						               "(entourez le champ de guillemets et doublez-le)");
					if (data[pos] != ' ' && data[pos] != '\t')
						blank = false;
					if (buf_put(&b, data[pos]))
						goto nomem;
					pos++;
				}
			}
			if (buf_put(&b, '\0') || buf_field(&b, start))
				goto nomem;
			if (pos >= len)
				break;
			if (data[pos] == sep) {
				pos++;
				continue;
			}
			/* end of record */
			if (data[pos] == '\r' && pos + 1 < len && data[pos + 1] == '\n')
				pos++;
			pos++;
			line++;
			break;
		}
		/* Blank lines and lines of empty cells (";;;;" from a spreadsheet)
		 * carry nothing. */
		if (blank)
			continue;
		for (size_t i = 0; i < b.n; i++)
			b.ptrs[i] = b.text + b.starts[i];
		if ((rc = fn(ud, record_line, b.ptrs, b.n)) != 0)
			goto out;
	}
	goto out;
nomem:
	if (why)
		snprintf(why, why_size, "mémoire insuffisante");
	if (bad_line)
		*bad_line = line;
	rc = SOCLE_E_NOMEM;
out:
#undef CSV_FAIL
	free(b.text);
	free(b.starts);
	free(b.ptrs);
	return rc;
}
