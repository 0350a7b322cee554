/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Compact JSON text in one pass (see json_text.h). */
#include <locale.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_text.h"

struct out {
	char *p;
	size_t len, cap;
	bool failed;
};

static bool reserve(struct out *o, size_t more)
{
	if (o->failed)
		return false;
	if (o->cap - o->len > more)
		return true; /* room for @p more bytes and the final NUL */
	size_t cap = o->cap ? o->cap : 1024;

	while (cap - o->len <= more) {
		if (cap > SIZE_MAX / 2) {
			o->failed = true;
			return false;
		}
		cap *= 2;
	}
	char *p = realloc(o->p, cap);

	if (p == NULL) {
		o->failed = true;
		return false;
	}
	o->p = p;
	o->cap = cap;
	return true;
}

static void put(struct out *o, const char *s, size_t n)
{
	if (reserve(o, n)) {
		memcpy(o->p + o->len, s, n);
		o->len += n;
	}
}

static void put_char(struct out *o, char c)
{
	if (reserve(o, 1))
		o->p[o->len++] = c;
}

/* Length of the well-formed UTF-8 sequence at @p s (first byte >= 0x80), or 0:
 * jansson's utf8_check_first/utf8_check_full (no overlong forms, no
 * surrogates, nothing beyond U+10FFFF). */
static size_t utf8_seq(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t cp;

	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n > avail)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static void put_string(struct out *o, const char *str, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0;

	/* Room for the usual case (nothing escaped); an escape asks for more. */
	if (len > SIZE_MAX - 8 || !reserve(o, len + 2))
		return;
	o->p[o->len++] = '"';
	while (i < len) {
		unsigned char c = s[i];

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			i++;
			run++;
			continue;
		}
		if (run) {
			memcpy(o->p + o->len, s + i - run, run);
			o->len += run;
			run = 0;
		}
		if (c >= 0x80) {
			size_t n = utf8_seq(s + i, len - i);

			if (n == 0) {
				o->failed = true;
				return;
			}
			memcpy(o->p + o->len, s + i, n);
			o->len += n;
			i += n;
			continue;
		}
		/* An escape (6 bytes at most) and the rest of the string as is. */
		if (!reserve(o, 6 + (len - i) + 1))
			return;
		char *d = o->p + o->len;

		*d++ = '\\';
		switch (c) {
		case '"': *d++ = '"'; break;
		case '\\': *d++ = '\\'; break;
		case '\b': *d++ = 'b'; break;
		case '\f': *d++ = 'f'; break;
		case '\n': *d++ = 'n'; break;
		case '\r': *d++ = 'r'; break;
		case '\t': *d++ = 't'; break;
		default:
			*d++ = 'u';
			*d++ = '0';
			*d++ = '0';
			*d++ = hex[c >> 4];
			*d++ = hex[c & 0xf];
			break;
		}
		o->len = (size_t)(d - o->p);
		i++;
	}
	if (run) {
		memcpy(o->p + o->len, s + i - run, run);
		o->len += run;
	}
	o->p[o->len++] = '"';
}

/* jansson's jsonp_dtostr: "%.*g", the locale's decimal point as '.', ".0"
 * when neither '.' nor 'e' shows, no '+' nor leading zeros in the exponent. */
static void put_real(struct out *o, double value, int precision)
{
	char buf[64];
	int ret = snprintf(buf, sizeof(buf), "%.*g", precision, value);

	if (ret < 0 || (size_t)ret >= sizeof(buf) - 3) {
		o->failed = true;
		return;
	}
	size_t length = (size_t)ret;
	const char *point = localeconv()->decimal_point;

	if (point[0] != '.' && point[0] != '\0') {
		char *pos = strchr(buf, point[0]);

		if (pos)
			*pos = '.';
	}
	if (strchr(buf, '.') == NULL && strchr(buf, 'e') == NULL) {
		buf[length++] = '.';
		buf[length++] = '0';
		buf[length] = '\0';
	}
	char *start = strchr(buf, 'e');
	if (start) {
		start++;
		char *end = start + 1;

		if (*start == '-')
			start++;
		while (*end == '0')
			end++;
		if (end != start) {
			memmove(start, end, length - (size_t)(end - buf) + 1);
			length -= (size_t)(end - start);
		}
	}
	put(o, buf, length);
}

static void put_value(struct out *o, const json_t *v, int precision, int depth)
{
	if (o->failed)
		return;
	switch (json_typeof(v)) {
	case JSON_NULL: put(o, "null", 4); return;
	case JSON_TRUE: put(o, "true", 4); return;
	case JSON_FALSE: put(o, "false", 5); return;
	case JSON_INTEGER: {
		char buf[32];
		int n = snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));

		put(o, buf, (size_t)n);
		return;
	}
	case JSON_REAL: put_real(o, json_real_value(v), precision); return;
	case JSON_STRING: put_string(o, json_string_value(v), json_string_length(v)); return;
	case JSON_ARRAY: {
		size_t n = json_array_size(v);

		if (depth >= JSON_TEXT_DEPTH_MAX) {
			o->failed = true;
			return;
		}
		put_char(o, '[');
		for (size_t i = 0; i < n && !o->failed; i++) {
			if (i > 0)
				put_char(o, ',');
			put_value(o, json_array_get(v, i), precision, depth + 1);
		}
		put_char(o, ']');
		return;
	}
	case JSON_OBJECT: {
		bool first = true;

		if (depth >= JSON_TEXT_DEPTH_MAX) {
			o->failed = true;
			return;
		}
		put_char(o, '{');
		for (void *it = json_object_iter((json_t *)v); it != NULL && !o->failed;
		     it = json_object_iter_next((json_t *)v, it)) {
			if (!first)
				put_char(o, ',');
			first = false;
			put_string(o, json_object_iter_key(it), json_object_iter_key_len(it));
			put_char(o, ':');
			put_value(o, json_object_iter_value(it), precision, depth + 1);
		}
		put_char(o, '}');
		return;
	}
	}
	o->failed = true;
}

char *json_text(const json_t *v, int precision, size_t *len)
{
	struct out o = {0};

	if (v == NULL)
		return NULL;
	if (precision <= 0 || precision > 17)
		precision = 17;
	put_value(&o, v, precision, 0);
	if (!o.failed && !reserve(&o, 0))
		o.failed = true;
	if (o.failed) {
		free(o.p);
		return NULL;
	}
	o.p[o.len] = '\0';
	if (len)
		*len = o.len;
	return o.p;
}
