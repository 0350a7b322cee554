/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Harness: a request body as the router reads it (http_json_parse: strict
 * UTF-8, no duplicate keys, depth at most 32) and, when it is an object, the
 * declarative validation of socle_fields_check against field tables shaped
 * like the plugins' own (a company application with nested objects and a
 * list of establishments checked with a prefix, a worker with dates,
 * e-mails, enums, booleans and numbers).
 *
 * Properties checked beyond "no crash":
 *  - http_json_parse agrees with jansson's own strict parse, except that it
 *    refuses more than 32 levels of nesting, and a refusal carries a French
 *    message that is UTF-8 (it is sent in a JSON error body);
 *  - socle_fields_check returns the number of errors it appended, and each
 *    names its field (under the prefix given) with a message: an error that
 *    lost its "field" would reach the client as an unnamed problem. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "http.h"

static int check_no_control(const json_t *v, char *msg, size_t size)
{
	for (const unsigned char *p = (const unsigned char *)json_string_value(v); p && *p; p++)
		if (*p < 0x20) {
			snprintf(msg, size, "Caractère de contrôle interdit.");
			return -1;
		}
	return 0;
}

static int check_postcode(const json_t *v, char *msg, size_t size)
{
	const char *s = json_string_value(v);

	for (size_t i = 0; s && s[i]; i++)
		if (s[i] < '0' || s[i] > '9') {
			snprintf(msg, size, "Code postal : 5 chiffres.");
			return -1;
		}
	return 0;
}

/* A custom check that echoes the value, as some plugins' messages do: the
 * message buffer is then filled from request text. */
static int check_echo(const json_t *v, char *msg, size_t size)
{
	const char *s = json_string_value(v);

	if (s && strncmp(s, "ok", 2) != 0) {
		snprintf(msg, size, "« %s » n'est pas accepté.", s);
		return -1;
	}
	return 0;
}

static const char *const naf_versions[] = {"NAF2008", "NAF2025", NULL};
static const char *const contracts[] = {"cdi", "cdd", "interim", "apprentissage", "stage", NULL};

static const struct socle_field application_fields[] = {
	{.name = "siret", .type = SOCLE_F_STRING, .required = true, .min = 14, .max = 20,
	 .check = check_postcode},
	{.name = "legal_name", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 200,
	 .check = check_no_control},
	{.name = "naf_version", .type = SOCLE_F_ENUM, .choices = naf_versions},
	{.name = "address", .type = SOCLE_F_OBJECT, .required = true},
	{.name = "headcount", .type = SOCLE_F_INT, .required = true, .min = 1, .max = 1000000},
	{.name = "establishments", .type = SOCLE_F_ARRAY, .min = 0, .max = 500},
	{.name = "exposures", .type = SOCLE_F_ARRAY, .min = 1},
	{.name = "note", .type = SOCLE_F_STRING, .max = 2000, .check = check_echo},
};

static const struct socle_field address_fields[] = {
	{.name = "line", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 200,
	 .check = check_no_control},
	{.name = "postcode", .type = SOCLE_F_STRING, .required = true, .min = 5, .max = 5,
	 .check = check_postcode},
	{.name = "city", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 100},
};

static const struct socle_field worker_fields[] = {
	{.name = "last_name", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 100},
	{.name = "birth_date", .type = SOCLE_F_DATE, .required = true},
	{.name = "email", .type = SOCLE_F_EMAIL, .min = 3, .max = 254},
	{.name = "contract_type", .type = SOCLE_F_ENUM, .required = true, .choices = contracts},
	{.name = "night_worker", .type = SOCLE_F_BOOL},
	{.name = "working_time", .type = SOCLE_F_NUMBER, .min = 1, .max = 100},
	{.name = "establishment_id", .type = SOCLE_F_INT, .min = 1},
	{.name = "extra", .type = SOCLE_F_OBJECT},
};

static void check_with(const json_t *obj, const struct socle_field *fields, size_t count,
                       const char *prefix)
{
	json_t *errors = NULL;
	int n = socle_fields_check(obj, fields, count, prefix, &errors);

	FUZZ_CHECK(n >= 0);
	fuzz_check_field_errors(errors, n, prefix);
	json_decref(errors);
}

static size_t depth_of(const json_t *v)
{
	size_t d = 0, i;
	const char *k;
	json_t *e;

	if (json_is_array(v)) {
		json_array_foreach(v, i, e) {
			size_t c = depth_of(e);

			d = c > d ? c : d;
		}
		return d + 1;
	}
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, e) {
			size_t c = depth_of(e);

			d = c > d ? c : d;
		}
		return d + 1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	socle_err err = SOCLE_ERR_INIT;
	json_t *body = NULL;
	json_error_t je;
	int rc = http_json_parse(text, size, &body, &err);
	json_t *ref = json_loadb(text, size, JSON_REJECT_DUPLICATES, &je);

	if (rc == 0) {
		FUZZ_CHECK(body != NULL);
		FUZZ_CHECK(ref != NULL && json_equal(body, ref));
		FUZZ_CHECK(depth_of(body) <= HTTP_JSON_MAX_DEPTH);
	} else {
		FUZZ_CHECK(body == NULL);
		FUZZ_CHECK(rc == SOCLE_E_INVAL && err.code == SOCLE_E_INVAL);
		FUZZ_CHECK(err.msg[0] != '\0' && fuzz_utf8(err.msg));
		/* refused only for a reason jansson shares, or the depth */
		FUZZ_CHECK(ref == NULL || depth_of(ref) > HTTP_JSON_MAX_DEPTH);
	}
	json_decref(ref);
	if (body == NULL)
		return 0;

	/* every body goes through each table, as a route would check it */
	check_with(body, application_fields, SOCLE_COUNT(application_fields), NULL);
	check_with(body, worker_fields, SOCLE_COUNT(worker_fields), "");
	check_with(json_object_get(body, "address"), address_fields, SOCLE_COUNT(address_fields),
	           "address.");
	const json_t *list = json_object_get(body, "establishments");
	size_t i;
	const json_t *e;

	json_array_foreach(list, i, e) {
		char prefix[64];

		snprintf(prefix, sizeof(prefix), "establishments[%zu].", i);
		check_with(e, application_fields, SOCLE_COUNT(application_fields), prefix);
		check_with(json_object_get(e, "address"), address_fields,
		           SOCLE_COUNT(address_fields), "establishments.address.");
	}
	json_decref(body);
	return 0;
}
