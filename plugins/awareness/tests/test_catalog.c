/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The catalogue of actions through the real `socle serve` (membership and
 * awareness enabled, frozen clock 2025-06-02T08:00:00Z): staff create
 * workshops, e-learning and documents with their audience, duration,
 * objectives, risks and NAF divisions; bad input is a 422 naming each field
 * in French and creates nothing; an employer reads the catalogue but cannot
 * add to it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "http_client.h"
#include "server.h"
#include "awareness_world.h"

static struct {
	char *staff, *employer;
	json_int_t company;
} T;

static int setup(void **state)
{
	(void)state;
	if (awareness_world_deploy("awareness-catalog", NULL, false) != 0)
		return -1;
	if (awareness_world_serve(&T.staff) != 0)
		return -1;
	T.company = member_company(T.staff, "73282932000074", "Électricité Garnier",
	                           "rh@garnier.test", &T.employer);
	return 0;
}

static int teardown(void **state)
{
	free(T.staff);
	free(T.employer);
	return world_teardown(state);
}

static bool has_field(const json_t *r, const char *field)
{
	size_t i;
	const json_t *f;

	json_array_foreach(json_object_get(json_object_get(r, "error"), "fields"), i, f) {
		if (strcmp(json_string_value(json_object_get(f, "field")), field) == 0)
			return true;
	}
	return false;
}

static void test_catalogue(void **state)
{
	(void)state;
	int status;
	json_t *r = expect(201, T.staff, "POST", "/api/v1/svc/awareness/actions",
		json_pack("{s:s, s:s, s:s, s:[s, s], s:i, s:s, s:[s], s:[s], s:b}", "kind", "atelier",
		          "title", "Prévenir les risques liés au bruit", "format", "service", "audience",
		          "salaries", "employeurs", "duration_min", 120, "objectives",
		          "Connaître les effets du bruit et les protections", "risks", "bruit",
		          "naf_divisions", "43", "has_quiz", 1));
	json_int_t workshop = id_of(r);

	assert_string_equal(json_string_value(json_object_get(r, "kind")), "atelier");
	assert_string_equal(json_string_value(json_array_get(json_object_get(r, "risks"), 0)), "bruit");
	assert_true(json_is_true(json_object_get(r, "has_quiz")));
	json_decref(r);
	json_decref(expect(201, T.staff, "POST", "/api/v1/svc/awareness/actions",
		json_pack("{s:s, s:s, s:s, s:[s], s:s, s:[s], s:[]}", "kind", "document", "title",
		          "Fiche TMS", "url", "https://svc.test/docs/tms.pdf", "audience", "employeurs",
		          "objectives", "Repérer les gestes à risque", "risks", "port_de_charges",
		          "naf_divisions")));

	/* Each problem named on its field; nothing created. */
	r = call(T.staff, "POST", "/api/v1/svc/awareness/actions",
		json_pack("{s:s, s:s, s:[s], s:s, s:[s], s:b}", "kind", "elearning", "title", "Module",
		          "audience", "inconnus", "objectives", "x", "naf_divisions", "4", "has_quiz", 1),
		&status);
	assert_int_equal(status, 422);
	assert_true(has_field(r, "url"));
	assert_true(has_field(r, "audience[0]"));
	assert_true(has_field(r, "naf_divisions"));
	assert_true(has_field(r, "duration_min"));
	json_decref(r);
	r = call(T.staff, "POST", "/api/v1/svc/awareness/actions",
		json_pack("{s:s, s:s, s:[s], s:i, s:s}", "kind", "atelier", "title", "Sans format",
		          "audience", "salaries", "duration_min", 60, "objectives", "x"), &status);
	assert_int_equal(status, 422);
	assert_true(has_field(r, "format"));
	json_decref(r);
	assert_int_equal(db_count("SELECT count(*) FROM awareness_action"), 2);

	/* The employer reads the catalogue, filtered by risk, but cannot add to it. */
	json_decref(call(T.employer, "POST", "/api/v1/svc/awareness/actions",
		json_pack("{s:s, s:s, s:s, s:[s], s:s}", "kind", "document", "title", "x", "url",
		          "https://x.test", "audience", "cse", "objectives", "x"), &status));
	assert_int_equal(status, 403);
	r = get(T.employer, "/api/v1/svc/awareness/actions?risk=bruit");
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	assert_int_equal(id_of(json_array_get(json_object_get(r, "items"), 0)), workshop);
	json_decref(r);
	r = get(T.employer, "/api/v1/svc/awareness/actions?kind=document");
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	json_decref(r);
	json_decref(call(T.employer, "GET", "/api/v1/svc/awareness/actions?kind=affiche", NULL, &status));
	assert_int_equal(status, 422);
}

static json_t *upload(const char *filename, const char *type, const char *bytes, size_t len)
{
	char b64[512];

	assert_true(len < 300);
	sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)bytes, len,
	                  sodium_base64_VARIANT_ORIGINAL);
	return json_pack("{s:s, s:s, s:s}", "filename", filename, "content_type", type,
	                 "content_base64", b64);
}

/* A prevention document kept as a file by the service (seed 3.4.1, "un
 * fichier ou un lien"): created without a link, then its PDF deposited; the
 * catalogue then gives the service's own link, which anyone reached by a
 * mailing opens without an account. Bytes that are not what they claim, a
 * name that does not match, an action that is not a document and an
 * employer are refused, and nothing changes. */
static void test_document_file(void **state)
{
	(void)state;
	static const char pdf[] = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n";
	int status = 0;
	json_t *r = expect(201, T.staff, "POST", "/api/v1/svc/awareness/actions",
		json_pack("{s:s, s:s, s:[s], s:s, s:[], s:[]}", "kind", "document", "title",
		          "Le froid au travail", "audience", "salaries", "objectives",
		          "Se protéger du froid", "risks", "naf_divisions"));
	json_int_t doc = id_of(r);
	assert_true(json_is_null(json_object_get(r, "url")) || !json_object_get(r, "url"));
	json_decref(r);
	/* An e-learning module still needs its link. */
	json_decref(call(T.staff, "POST", "/api/v1/svc/awareness/actions",
		json_pack("{s:s, s:s, s:[s], s:i, s:s}", "kind", "elearning", "title", "Sans lien",
		          "audience", "salaries", "duration_min", 30, "objectives", "x"), &status));
	assert_int_equal(status, 422);

	char path[128];
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/actions/%lld/file", (long long)doc);
	r = call(T.staff, "POST", path, upload("froid.pdf", "application/pdf", "GIF89a-pas-un-pdf", 17),
	         &status);
	assert_int_equal(status, 422);
	assert_true(has_field(r, "content_base64"));
	json_decref(r);
	r = call(T.staff, "POST", path, upload("froid.png", "application/pdf", pdf, sizeof(pdf) - 1),
	         &status);
	assert_int_equal(status, 422);
	assert_true(has_field(r, "filename"));
	json_decref(r);
	assert_int_equal(status_of(T.employer, "POST", path,
	                           upload("froid.pdf", "application/pdf", pdf, sizeof(pdf) - 1)), 403);
	assert_int_equal(db_count("SELECT count(*) FROM awareness_action_file"), 0);

	r = expect(201, T.staff, "POST", path,
	           upload("froid.pdf", "application/pdf", pdf, sizeof(pdf) - 1));
	const char *url = json_string_value(json_object_get(r, "url"));
	assert_non_null(url);
	assert_non_null(strstr(url, path));
	assert_int_equal(json_integer_value(json_object_get(r, "size")), (json_int_t)sizeof(pdf) - 1);
	json_decref(r);
	r = get(T.employer, "/api/v1/svc/awareness/actions/%lld", (long long)doc);
	assert_non_null(strstr(json_string_value(json_object_get(r, "url")), path));
	json_decref(r);

	/* Anyone the mailing reaches opens it, without an account. */
	struct hc_response resp;
	assert_int_equal(hc_request(S.port, "GET", path, NULL, NULL, 0, &resp), 0);
	assert_int_equal(resp.status, 200);
	assert_non_null(strstr(hc_header(&resp, "Content-Type"), "application/pdf"));
	assert_non_null(strstr(hc_header(&resp, "Content-Disposition"), "froid.pdf"));
	assert_int_equal(resp.body_len, sizeof(pdf) - 1);
	assert_memory_equal(resp.body, pdf, sizeof(pdf) - 1);
	hc_response_free(&resp);

	/* A workshop has no file; an action that does not exist, none either. */
	r = get(T.staff, "/api/v1/svc/awareness/actions?kind=atelier");
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/actions/%lld/file",
	         (long long)id_of(json_array_get(json_object_get(r, "items"), 0)));
	json_decref(r);
	assert_int_equal(status_of(T.staff, "POST", path,
	                           upload("a.pdf", "application/pdf", pdf, sizeof(pdf) - 1)), 422);
	assert_int_equal(hc_request(S.port, "GET", path, NULL, NULL, 0, &resp), 0);
	assert_int_equal(resp.status, 404);
	hc_response_free(&resp);
	assert_int_equal(status_of(T.staff, "POST", "/api/v1/svc/awareness/actions/999/file",
	                           upload("a.pdf", "application/pdf", pdf, sizeof(pdf) - 1)), 404);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalogue),
		cmocka_unit_test(test_document_file),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
