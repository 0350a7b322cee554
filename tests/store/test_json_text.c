/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* json_text (core/json_text.c) writes exactly what jansson's json_dumps
 * writes with JSON_COMPACT | JSON_ENCODE_ANY: stored JSON columns are compared
 * as text, and replies must not change. Fixed cases, then random trees. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json_text.h"

static void same_as_jansson(const json_t *v, int precision)
{
	size_t flags = JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(precision);
	char *want = json_dumps(v, flags);
	size_t len = 0;
	char *got = json_text(v, precision, &len);

	if (want == NULL) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	assert_int_equal(len, strlen(want));
	free(want);
	free(got);
}

static void fixed_cases(void **state)
{
	static const char *const docs[] = {
		"null", "true", "false", "0", "-1", "9223372036854775807", "-9223372036854775808",
		"\"\"", "\"a\\\"b\\\\c/d\"", "\"\\b\\f\\n\\r\\t\\u0001\\u001f\\u007f\"",
		"\"été € 𝄞 — « guillemets »\"", "[]", "{}", "[[],{},[[]]]",
		"{\"b\":1,\"a\":[1,2,{\"z\":null,\"y\":\"x\"}],\"é\":\"\\u0000\"}",
		"[0.0, -0.0, 1.5, 66.7, 0.1, 1e300, -2.5e-300, 123456789012345678.0, 1e21, 3.0]",
		"{\"category_reasons\":[\"Conduite d'engins (CACES) : depuis le 1er octobre 2025.\"]}",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		json_error_t e;
		json_t *v = json_loads(docs[i], JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);

		assert_non_null(v);
		same_as_jansson(v, 0);
		same_as_jansson(v, 15);
		same_as_jansson(v, 17);
		json_decref(v);
	}
	/* Keys in insertion order, a key with a NUL inside. */
	json_t *o = json_object();
	json_object_set_new(o, "zeta", json_integer(1));
	json_object_set_new(o, "alpha", json_integer(2));
	json_object_setn_new(o, "a\0b", 3, json_true());
	same_as_jansson(o, 0);
	json_decref(o);
	/* Invalid UTF-8 (json_string_nocheck): both refuse. */
	json_t *bad = json_pack("[o]", json_string_nocheck("a\xc3("));
	same_as_jansson(bad, 0);
	assert_null(json_text(bad, 0, NULL));
	json_decref(bad);
}

static uint64_t rng = 0x9e3779b97f4a7c15u;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static json_t *random_string(void)
{
	static const char *const parts[] = {"a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\x01",
	                                    "\x1f", "\x7f", "é", "€", "𝄞", "ç", "0", "{", "}"};
	char buf[128];
	size_t n = 0, k = rnd(12);

	for (size_t i = 0; i < k; i++) {
		const char *p = parts[rnd(sizeof(parts) / sizeof(parts[0]))];

		memcpy(buf + n, p, strlen(p));
		n += strlen(p);
	}
	buf[n] = '\0';
	return json_string(buf);
}

static json_t *random_value(int depth)
{
	switch (rnd(depth > 4 ? 7 : 9)) {
	case 0: return json_null();
	case 1: return json_boolean(rnd(2));
	case 2: return json_integer((json_int_t)rnd(2000000) - 1000000);
	case 3: return json_real(((double)rnd(1000000) - 500000.0) / (double)(1 + rnd(1000)));
	case 4: return json_real((double)rnd(1000) * 1e20 * (rnd(2) ? 1e200 : 1e-250));
	case 5:
	case 6: return random_string();
	case 7: {
		json_t *a = json_array();

		for (unsigned i = rnd(5); i > 0; i--)
			json_array_append_new(a, random_value(depth + 1));
		return a;
	}
	default: {
		json_t *o = json_object();

		for (unsigned i = rnd(5); i > 0; i--) {
			json_t *k = random_string();

			json_object_set_new(o, json_string_value(k), random_value(depth + 1));
			json_decref(k);
		}
		return o;
	}
	}
}

static void random_trees(void **state)
{
	(void)state;
	for (int i = 0; i < 3000; i++) {
		json_t *v = random_value(0);

		same_as_jansson(v, 0);
		same_as_jansson(v, 15);
		json_decref(v);
	}
}

static void too_deep(void **state)
{
	json_t *root = json_array(), *cur = root;
	(void)state;

	for (int i = 0; i < JSON_TEXT_DEPTH_MAX + 5; i++) {
		json_t *next = json_array();

		json_array_append_new(cur, next);
		cur = next;
	}
	assert_null(json_text(root, 0, NULL));
	json_decref(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fixed_cases),
		cmocka_unit_test(random_trees),
		cmocka_unit_test(too_deep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
