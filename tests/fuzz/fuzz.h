/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* What the fuzz harnesses share: the libFuzzer entry point every harness
 * defines, and checks that abort (a crash the fuzzer records and the replay
 * test reports) when a property the code promises does not hold. A harness
 * checks properties, not only the absence of crashes: a parser that answers
 * without crashing but with an error message that is not UTF-8 (it would
 * vanish from a JSON reply) is a defect too. */
#ifndef SOCLE_FUZZ_H
#define SOCLE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                    \
	do {                                                                                \
		if (!(cond)) {                                                              \
			fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, \
			        #cond);                                                     \
			abort();                                                            \
		}                                                                           \
	} while (0)

/* Is @p s (NUL-terminated) well-formed UTF-8, as jansson wants its strings? */
static inline int fuzz_utf8(const char *s)
{
	json_t *j = json_string(s);
	int ok = j != NULL;

	json_decref(j);
	return ok;
}

/* A field error list as socle_fields_check and the routes build it: an array
 * of exactly @p count objects, each with a string "field" starting with
 * @p prefix (without its final dot: a value that is not an object is named
 * "address", not "address.") and a non-empty string "message". */
static inline void fuzz_check_field_errors(const json_t *errors, int count, const char *prefix)
{
	size_t i;
	const json_t *e;

	if (count == 0) {
		FUZZ_CHECK(errors == NULL || json_array_size(errors) == 0);
		return;
	}
	FUZZ_CHECK(json_is_array(errors));
	FUZZ_CHECK(json_array_size(errors) == (size_t)count);
	json_array_foreach(errors, i, e) {
		const char *field = json_string_value(json_object_get(e, "field"));
		const char *message = json_string_value(json_object_get(e, "message"));

		FUZZ_CHECK(field != NULL);
		FUZZ_CHECK(message != NULL && message[0] != '\0');
		size_t n = prefix ? strlen(prefix) : 0;

		if (n > 0 && prefix[n - 1] == '.')
			n--;
		FUZZ_CHECK(strncmp(field, prefix ? prefix : "", n) == 0);
	}
}

#endif
