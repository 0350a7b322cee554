/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Compact JSON text of a jansson value, in one pass over the tree.
 *
 * The output is byte for byte what jansson 2.14 writes with
 * json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(p)):
 * keys in insertion order, "," and ":" without blanks, non-ASCII UTF-8 as is,
 * control characters as \b \f \n \r \t or \u00XX (upper-case hex), reals with
 * "%.*g" plus ".0" when that looks like an integer. Stored JSON columns are
 * compared as text (equal values, equal text), so the two must never differ:
 * tests/store/test_json_text.c checks it against jansson.
 *
 * It exists because jansson's dumper is slow on the hot paths (every JSON
 * reply, every JSON column bound): it formats a loop-detection key with
 * snprintf and hashes it for every object and array, and a reply is dumped
 * twice (size, then bytes). */
#ifndef SOCLE_CORE_JSON_TEXT_H
#define SOCLE_CORE_JSON_TEXT_H

#include <jansson.h>
#include <stddef.h>

/* Nesting depth refused (as a cycle would be): far beyond any document of ours. */
#define JSON_TEXT_DEPTH_MAX 2048

/* The text of @p v (malloc'd, NUL-terminated; *len, may be NULL, its length
 * without the NUL) with reals at @p precision significant digits (1-17; 0
 * means 17, as jansson). NULL when out of memory, when a string is not valid
 * UTF-8 or when nesting exceeds JSON_TEXT_DEPTH_MAX: where jansson fails. */
char *json_text(const json_t *v, int precision, size_t *len);

#endif
