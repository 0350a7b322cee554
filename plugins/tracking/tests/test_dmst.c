/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The DMST (issue 4, item 8) through the real `socle serve`: a member company
 * and its worker created through membership's routes, accounts of every role
 * made with `socle user add` (the employee bound to the worker), then:
 *   - the médecin and the infirmier write and read the file; INS validation
 *     (shape, key, Corsica), dates, nothing stored on bad input;
 *   - retention dates: TC37 (last visit 2025-05-10 -> 2065-05-10), the death
 *     cap, the 29 February roundings, no visit yet;
 *   - entries are append-only: no update or delete route, a correction is a
 *     new entry (one per entry, same kind);
 *   - medical secrecy: the employer (admin of the worker's company), the
 *     service admin, the IPRP, the assistant médical and the employee get 403,
 *     another service's médecin is not even authenticated here (401); every
 *     refusal and every access is in GET /audit with the worker's id; the
 *     worker's opposition shuts the infirmier out;
 *   - the employee bound to the worker reads the list of accesses (role, date,
 *     action, no medical content) here and in GET /auth/me/accesses;
 *   - events dmst.created / dmst.updated carry ids only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server.h"
#include "tracking_world.h"

static int setup_http(void **state)
{
	(void)state;
	json_t *cfg = json_pack(
		"{s:[s], s:s, s:[{s:s, s:s, s:s, s:{s:{s:f}, s:{}}}, {s:s, s:s, s:s, s:{s:{s:f},"
		" s:{}}}]}",
		"plugin_dirs", TRACKING_PLUGIN_DIR,
		"clock", "2025-06-02T08:00:00Z", "services", "id", "svc", "name", "SPSTI du Rhône",
		"database", "svc.db", "plugins", "membership", "fee_per_worker", 105.0, "tracking", "id",
		"est", "name", "SPSTI de l'Est", "database", "est.db", "plugins", "membership",
		"fee_per_worker", 105.0, "tracking");
	if (test_deploy_create(&D, "tracking-dmst-http", cfg) != 0)
		return -1;
	json_decref(cfg);
	static const char *const users[][3] = {
		{"svc", "admin@svc.test", "service_admin"},
		{"svc", "medecin@svc.test", "medecin"},
		{"svc", "infirmier@svc.test", "infirmier"},
		{"svc", "iprp@svc.test", "iprp"},
		{"svc", "assistant@svc.test", "assistant_medical"},
		{"est", "medecin@est.test", "medecin"},
	};
	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++)
		user_add_to(users[i][0], users[i][1], users[i][2], STAFF_PASSWORD, NULL);
	return test_server_start_deploy(&S, &D);
}

/* The status only (the body is dropped). */
static json_int_t add_worker(const char *staff, json_int_t company, const char *ref,
                             const char *last_name)
{
	char path[128];
	int status = 0;

	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/workers",
	         (long long)company);
	json_t *r = call(staff, "POST", path,
	                 json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "external_ref", ref,
	                           "last_name", last_name, "first_name", "Inès", "birth_date",
	                           "1979-05-04", "job_title", "Électricienne", "contract_type", "cdi",
	                           "start_date", "2015-09-01"),
	                 &status);
	assert_int_equal(status, 201);
	json_int_t id = json_integer_value(json_object_get(r, "id"));
	json_decref(r);
	return id;
}

/* The field names of a 422 reply, comma-separated, in order. */
static void fields_of(const json_t *r, char *out, size_t size)
{
	size_t i, n = 0;
	const json_t *f;

	out[0] = '\0';
	json_array_foreach(json_object_get(json_object_get(r, "error"), "fields"), i, f)
		n += (size_t)snprintf(out + n, n < size ? size - n : 0, "%s%s", i ? "," : "",
		                      json_string_value(json_object_get(f, "field")));
}

/* Do the field names of a 422 reply (@p got, comma-separated) equal the set
 * @p want (comma-separated, any order)? */
static bool same_fields(const char *got, const char *want)
{
	size_t n_got = 1, n_want = 1;
	char one[64];

	for (const char *p = got; *p; p++)
		n_got += *p == ',';
	for (const char *p = want; *p; p++)
		n_want += *p == ',';
	if (n_got != n_want || (*got == '\0') != (*want == '\0'))
		return false;
	for (const char *p = want; *p;) {
		size_t len = strcspn(p, ",");
		char padded[600];

		snprintf(one, sizeof(one), ",%.*s,", (int)len, p);
		snprintf(padded, sizeof(padded), ",%s,", got);
		if (strstr(padded, one) == NULL)
			return false;
		p += len + (p[len] == ',');
	}
	return true;
}

/* PUT the file and expect a 422 naming exactly @p fields. */
static void put_invalid(const char *auth, const char *path, json_t *body, const char *fields)
{
	char got[512];
	int status = 0;
	json_t *r = call(auth, "PUT", path, body, &status);

	fields_of(r, got, sizeof(got));
	if (status != 422 || !same_fields(got, fields))
		fail_msg("PUT %s : %d [%s] au lieu de 422 [%s]", path, status, got, fields);
	json_decref(r);
}

static json_t *put_ok(const char *auth, const char *path, json_t *body, int expect)
{
	int status = 0;
	json_t *r = call(auth, "PUT", path, body, &status);

	if (status != expect) {
		char *text = r ? json_dumps(r, JSON_COMPACT) : NULL;
		fail_msg("PUT %s : %d au lieu de %d %s", path, status, expect, text ? text : "");
	}
	return r;
}

static const char *until_of(const json_t *file)
{
	return json_string_value(json_object_get(json_object_get(file, "retention"), "until"));
}

static void test_dmst(void **state)
{
	char *admin = login("admin@svc.test", STAFF_PASSWORD);
	char *med = login("medecin@svc.test", STAFF_PASSWORD);
	char *inf = login("infirmier@svc.test", STAFF_PASSWORD);
	char *iprp = login("iprp@svc.test", STAFF_PASSWORD);
	char *asst = login("assistant@svc.test", STAFF_PASSWORD), *emp = NULL;
	char *est_med = login_to("est", "medecin@est.test", STAFF_PASSWORD);
	char path[128], entries[192], accesses[192], buf[512];
	int status = 0;
	json_t *r;
	(void)state;

	json_int_t company = member_company(admin, "81234567600017", "Électricité Garnier",
	                                    "ines@garnier.test", &emp);
	json_int_t w = add_worker(admin, company, "G-001", "Garnier");
	json_int_t w2 = add_worker(admin, company, "G-002", "Martin");
	/* The employee bound to the worker (the server is running: WAL lets the
	 * command write beside it). */
	snprintf(buf, sizeof(buf), "--worker %lld", (long long)w);
	user_add("ines.salariee@garnier.test", "employee", STAFF_PASSWORD, buf);
	char *self = login("ines.salariee@garnier.test", STAFF_PASSWORD);

	snprintf(path, sizeof(path), "/api/v1/svc/tracking/dmst/%lld", (long long)w);
	snprintf(entries, sizeof(entries), "%s/entries", path);
	snprintf(accesses, sizeof(accesses), "%s/accesses", path);

	/* 1. No file yet; an unknown worker. */
	r = call(med, "GET", path, NULL, &status);
	assert_int_equal(status, 404);
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(r, "error"),
	                                                         "message")),
	                       "pas encore de dossier"));
	json_decref(r);
	assert_int_equal(status_of(med, "GET", "/api/v1/svc/tracking/dmst/999999", NULL), 404);
	assert_int_equal(status_of(med, "PUT", "/api/v1/svc/tracking/dmst/999999",
	                           json_pack("{s:s}", "medecin_traitant", "Dr Roux")),
	                 404);
	assert_int_equal(status_of(med, "POST", "/api/v1/svc/tracking/dmst/999999/entries",
	                           json_pack("{s:s, s:s, s:s}", "kind", "observation", "date",
	                                     "2025-05-10", "text", "x")),
	                 404);

	/* 2. INS validation: field errors in French, nothing stored. */
	static const char *const bad_ins[] = {
		"179056912345645",     /* wrong key */
		"17905691234",         /* too short */
		"1790569123456440",    /* too long */
		"579056912345644",     /* sex */
		"179136912345644",     /* month 13 */
		"285052C00401220",     /* department */
		"285052A00401247",     /* 2A with the key of 2B */
		"1790569123A5644",     /* a letter */
		"179056912345698",     /* key out of range */
	};
	for (size_t i = 0; i < sizeof(bad_ins) / sizeof(bad_ins[0]); i++)
		put_invalid(med, path, json_pack("{s:s}", "ins", bad_ins[i]), "ins");
	r = call(med, "PUT", path, json_pack("{s:s}", "ins", "179056912345645"), &status);
	assert_non_null(strstr(json_string_value(json_object_get(json_array_get(json_object_get(
	                           json_object_get(r, "error"), "fields"), 0), "message")),
	                       "Clé de contrôle invalide"));
	json_decref(r);
	/* Dates: a visit in the future, a death before the last visit, a bad type. */
	put_invalid(med, path, json_pack("{s:s}", "last_visit_on", "2025-06-03"), "last_visit_on");
	put_invalid(med, path, json_pack("{s:s, s:s}", "last_visit_on", "2025-05-10", "death_on",
	                                 "2025-05-09"),
	            "death_on");
	put_invalid(med, path, json_pack("{s:s, s:i, s:s}", "last_visit_on", "2025-02-30",
	                                 "opposition_transfer", 1, "colour", "bleu"),
	            "last_visit_on,opposition_transfer,colour");
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_dmst"), 0);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_event WHERE name LIKE 'dmst.%%'"), 0);

	/* 3. The médecin creates the file: INS normalised, TC37 retention. */
	r = put_ok(med, path,
	           json_pack("{s:s, s:s, s:s}", "ins", "1 79 05 69 123 456 44", "medecin_traitant",
	                     "Dr Claire Roux, Lyon 2e", "last_visit_on", "2025-05-10"),
	           201);
	assert_string_equal(json_string_value(json_object_get(r, "ins")), "179056912345644");
	assert_string_equal(json_string_value(json_object_get(r, "retention_until")), "2065-05-10");
	assert_string_equal(until_of(r), "2065-05-10");
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(r, "retention"),
	                                                         "explanation")),
	                       "40 ans après la dernière visite (2025-05-10)"));
	assert_false(json_is_true(json_object_get(r, "opposition_other_professionals")));
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_event WHERE name = 'dmst.created'"
	                          " AND payload = '{\"worker_id\":%lld}'", (long long)w), 1);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit WHERE action ="
	                          " 'tracking.dmst.create' AND object_id = %lld", (long long)w), 1);
	/* Corsica: 2A counts as 19 and 2B as 18 in the key; lower case accepted. */
	r = put_ok(inf, path, json_pack("{s:s}", "ins", "285052a00401220"), 200);
	assert_string_equal(json_string_value(json_object_get(r, "ins")), "285052A00401220");
	json_decref(r);
	r = put_ok(inf, path, json_pack("{s:s}", "ins", "2 85 05 2B 004 012 47"), 200);
	assert_string_equal(json_string_value(json_object_get(r, "ins")), "285052B00401247");
	assert_string_equal(json_string_value(json_object_get(r, "medecin_traitant")),
	                    "Dr Claire Roux, Lyon 2e"); /* absent keys keep their value */
	json_decref(r);
	/* The team's search by INS (issue 15 item 4): health professionals only,
	 * typed with blanks, traced like a read of the file it finds. */
	long long searched = db_count("SELECT COUNT(*) FROM core_audit WHERE action = 'dmst.search'"
	                              " AND outcome = 'ok'");
	r = call(med, "GET", "/api/v1/svc/tracking/dmst?ins=2%2085%2005%202B%20004%20012%2047",
	         NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_integer_value(json_object_get(
		json_array_get(json_object_get(r, "items"), 0), "worker_id")), w);
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit WHERE action = 'dmst.search'"
	                          " AND outcome = 'ok'"), searched + 1);
	assert_int_equal(status_of(iprp, "GET", "/api/v1/svc/tracking/dmst?ins=285052B00401247",
	                           NULL), 403);
	assert_int_equal(status_of(med, "GET", "/api/v1/svc/tracking/dmst?ins=12", NULL), 422);
	/* The same values again: nothing written, no event. */
	long long updated = db_count("SELECT COUNT(*) FROM core_event WHERE name = 'dmst.updated'");
	r = put_ok(med, path, json_pack("{s:s}", "ins", "285052B00401247"), 200);
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_event WHERE name = 'dmst.updated'"),
	                 updated);
	/* The update audit names the fields, never their values. */
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit WHERE action ="
	                          " 'tracking.dmst.update' AND detail LIKE '%%\"ins\"%%'"
	                          " AND detail NOT LIKE '%%2850%%'"),
	                 2);

	/* 4. Retention: death caps it at 10 years; 29 February rounds the cap down. */
	r = put_ok(med, path, json_pack("{s:s}", "death_on", "2025-05-20"), 200);
	assert_string_equal(until_of(r), "2035-05-20");
	assert_string_equal(json_string_value(json_object_get(r, "retention_until")), "2035-05-20");
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(r, "retention"),
	                                                         "explanation")),
	                       "limitée à 10 ans après le décès (2025-05-20)"));
	json_decref(r);
	r = put_ok(med, path, json_pack("{s:s, s:s}", "last_visit_on", "2024-02-29", "death_on",
	                                "2024-02-29"),
	           200);
	assert_string_equal(until_of(r), "2034-02-28");
	json_decref(r);
	r = put_ok(med, path, json_pack("{s:s, s:n}", "last_visit_on", "2023-02-28", "death_on"),
	           200);
	assert_string_equal(until_of(r), "2063-02-28");
	assert_true(json_is_null(json_object_get(r, "death_on")));
	json_decref(r);
	r = put_ok(med, path, json_pack("{s:s}", "last_visit_on", "2025-05-10"), 200);
	assert_string_equal(until_of(r), "2065-05-10");
	json_decref(r);

	/* 5. Entries: the infirmier and the médecin write; field errors first. */
	static const struct {
		const char *body, *fields;
	} bad_entries[] = {
		{"{\"kind\": \"diagnostic\", \"date\": \"2025-05-10\", \"text\": \"x\"}", "kind"},
		{"{\"kind\": \"exam\", \"date\": \"2025-06-03\", \"text\": \"x\"}", "date"},
		{"{\"kind\": \"exam\", \"date\": \"2025-05-10\"}", "text"},
		{"{\"kind\": \"exam\", \"date\": \"2025-05-10\", \"text\": \"\"}", "text"},
		{"{\"kind\": \"exam\", \"date\": \"2025-05-10\", \"data\": [1]}", "data"},
		{"{\"date\": \"2025-05-10\", \"text\": \"x\", \"author\": 1}", "kind,author"},
	};
	for (size_t i = 0; i < sizeof(bad_entries) / sizeof(bad_entries[0]); i++) {
		char got[256];

		r = call(med, "POST", entries, json_loads(bad_entries[i].body, 0, NULL), &status);
		fields_of(r, got, sizeof(got));
		if (status != 422 || !same_fields(got, bad_entries[i].fields))
			fail_msg("entrée %zu : %d [%s] au lieu de 422 [%s]", i, status, got,
			         bad_entries[i].fields);
		json_decref(r);
	}
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_dmst_entry"), 0);

	r = call(inf, "POST", entries,
	         json_pack("{s:s, s:s, s:s, s:{s:s, s:s}}", "kind", "exposure_current", "date",
	                   "2025-05-10", "text", "Bruit en atelier, plus de 85 dB(A) par jour",
	                   "data", "agent", "bruit", "since", "2015-09-01"),
	         &status);
	assert_int_equal(status, 201);
	json_int_t e1 = json_integer_value(json_object_get(r, "id"));
	assert_string_equal(json_string_value(json_object_get(r, "author_role")), "infirmier");
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "data"), "agent")),
	                    "bruit");
	assert_string_equal(json_string_value(json_object_get(r, "date")), "2025-05-10");
	json_decref(r);
	r = call(med, "POST", entries,
	         json_pack("{s:s, s:s, s:s}", "kind", "conclusion", "date", "2025-05-10", "text",
	                   "Hypoacousie débutante, audiogramme à refaire"),
	         &status);
	assert_int_equal(status, 201);
	json_int_t e2 = json_integer_value(json_object_get(r, "id"));
	assert_string_equal(json_string_value(json_object_get(r, "author_role")), "medecin");
	assert_true(json_is_null(json_object_get(r, "corrects")));
	json_decref(r);

	/* 6. Corrections are new entries: same kind, one per entry. */
	r = call(med, "POST", entries,
	         json_pack("{s:s, s:s, s:s, s:I}", "kind", "conclusion", "date", "2025-05-10", "text",
	                   "Audition normale (erreur de saisie corrigée)", "corrects", e2),
	         &status);
	assert_int_equal(status, 201);
	json_int_t e3 = json_integer_value(json_object_get(r, "id"));
	assert_int_equal(json_integer_value(json_object_get(r, "corrects")), e2);
	json_decref(r);
	assert_int_equal(status_of(med, "POST", entries,
	                           json_pack("{s:s, s:s, s:s, s:I}", "kind", "conclusion", "date",
	                                     "2025-05-10", "text", "encore", "corrects", e2)),
	                 409);
	put_invalid(med, path, json_pack("{s:s}", "death_on", "2025-13-01"), "death_on");
	r = call(med, "POST", entries,
	         json_pack("{s:s, s:s, s:s, s:I}", "kind", "observation", "date", "2025-05-10",
	                   "text", "x", "corrects", e3),
	         &status);
	assert_int_equal(status, 422);
	json_decref(r);
	r = call(med, "POST", entries,
	         json_pack("{s:s, s:s, s:s, s:I}", "kind", "conclusion", "date", "2025-05-10", "text",
	                   "x", "corrects", 999999),
	         &status);
	assert_int_equal(status, 422);
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_dmst_entry"), 3);

	/* No route updates or deletes an entry or the file. */
	snprintf(buf, sizeof(buf), "%s/%lld", entries, (long long)e2);
	assert_int_equal(status_of(med, "DELETE", buf, NULL), 404);
	assert_int_equal(status_of(med, "PUT", buf, json_pack("{s:s}", "text", "x")), 404);
	assert_int_equal(status_of(med, "PATCH", entries, json_pack("{s:s}", "text", "x")), 405);
	assert_int_equal(status_of(med, "DELETE", path, NULL), 405);
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_dmst_entry WHERE id = %lld AND"
	                          " entry_text = 'Hypoacousie débutante, audiogramme à refaire'",
	                          (long long)e2),
	                 1);

	/* 7. Reading: the file with its entries, newest first, paginated. */
	r = call(inf, "GET", path, NULL, &status);
	assert_int_equal(status, 200);
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "dmst"), "ins")),
	                    "285052B00401247");
	json_t *list = json_object_get(r, "entries");
	assert_int_equal(json_array_size(list), 3);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "id")), e3);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 1),
	                                                    "corrected_by")), e3);
	assert_true(json_is_null(json_object_get(json_array_get(list, 2), "corrected_by")));
	assert_true(json_is_null(json_object_get(r, "next_cursor")));
	json_decref(r);
	snprintf(buf, sizeof(buf), "%s?limit=2", path);
	r = call(med, "GET", buf, NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_array_size(json_object_get(r, "entries")), 2);
	snprintf(buf, sizeof(buf), "%s?limit=2&cursor=%s", path,
	         json_string_value(json_object_get(r, "next_cursor")));
	json_decref(r);
	r = call(med, "GET", buf, NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_array_size(json_object_get(r, "entries")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	                     json_object_get(r, "entries"), 0), "id")), e1);
	json_decref(r);
	snprintf(buf, sizeof(buf), "%s?kind=exposure_current", path);
	r = call(med, "GET", buf, NULL, &status);
	assert_int_equal(json_array_size(json_object_get(r, "entries")), 1);
	json_decref(r);
	snprintf(buf, sizeof(buf), "%s?kind=diagnostic", path);
	assert_int_equal(status_of(med, "GET", buf, NULL), 400);

	/* 8. Medical secrecy: every other role is refused, audited. */
	long long denied_before = db_count("SELECT COUNT(*) FROM core_audit WHERE outcome = 'denied'");
	const char *const refused[] = {emp, admin, iprp, asst, self};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_int_equal(status_of(refused[i], "GET", path, NULL), 403);
		assert_int_equal(status_of(refused[i], "PUT", path,
		                           json_pack("{s:b}", "opposition_transfer", 1)),
		                 403);
		assert_int_equal(status_of(refused[i], "POST", entries,
		                           json_pack("{s:s, s:s, s:s}", "kind", "observation", "date",
		                                     "2025-05-10", "text", "x")),
		                 403);
	}
	/* Another service's médecin has no session in this service. */
	assert_int_equal(status_of(est_med, "GET", path, NULL), 401);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit WHERE outcome = 'denied'")
	                 - denied_before, 16);
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_dmst_entry"), 3);
	assert_false(db_count("SELECT opposition_transfer FROM tracking_dmst WHERE worker_id = %lld",
	                      (long long)w));
	/* The refusals as the service admin reads them in GET /audit: the path
	 * names the worker (15 refused roles and the other service's médecin). */
	r = call(admin, "GET", "/api/v1/svc/audit?outcome=denied&limit=100", NULL, &status);
	assert_int_equal(status, 200);
	size_t i, on_file = 0;
	json_t *item;
	json_array_foreach(json_object_get(r, "items"), i, item) {
		const char *p = json_string_value(json_object_get(json_object_get(item, "detail"),
		                                                  "path"));
		if (p && strstr(p, path + strlen("/api/v1/svc")))
			on_file++;
	}
	assert_int_equal(on_file, 16);
	json_decref(r);

	/* 9. Every read and write is in the audit log with the worker's id. */
	r = call(admin, "GET", "/api/v1/svc/audit?action=dmst.read&limit=100", NULL, &status);
	assert_int_equal(status, 200);
	json_array_foreach(json_object_get(r, "items"), i, item) {
		assert_string_equal(json_string_value(json_object_get(item, "object_type")), "worker");
		assert_true(json_integer_value(json_object_get(item, "object_id")) == w ||
		            json_integer_value(json_object_get(item, "object_id")) == 999999);
	}
	/* GET: 1 (no file) + 1 (999999) + 4 (paged, kinds) + 1 (infirmier). */
	assert_int_equal(json_array_size(json_object_get(r, "items")), 6);
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit WHERE action = 'dmst.read'"
	                          " AND outcome = 'ok' AND object_id = %lld", (long long)w),
	                 5);
	assert_true(db_count("SELECT COUNT(*) FROM core_audit WHERE action = 'dmst.write'"
	                     " AND outcome = 'ok' AND object_id = %lld", (long long)w) >= 8);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit WHERE action ="
	                          " 'tracking.dmst.entry.add' AND object_type = 'dmst_entry'"
	                          " AND detail LIKE '%%\"worker_id\":%lld%%'", (long long)w),
	                 3);
	/* Events carry ids only: no medical text anywhere in their payloads. */
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_event WHERE name = 'dmst.updated'"
	                          " AND payload LIKE '%%\"entry_id\"%%'"),
	                 3);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_event WHERE name LIKE 'dmst.%%' AND"
	                          " (payload LIKE '%%Hypoacousie%%' OR payload LIKE '%%bruit%%'"
	                          " OR payload LIKE '%%2850%%' OR payload LIKE '%%Roux%%')"),
	                 0);

	/* 10. The worker reads who accessed the file: roles, dates, actions. */
	r = call(self, "GET", accesses, NULL, &status);
	assert_int_equal(status, 200);
	char *dump = json_dumps(r, 0);
	assert_null(strstr(dump, "Hypoacousie"));
	assert_null(strstr(dump, "2850"));
	assert_null(strstr(dump, "medecin@svc.test"));
	free(dump);
	bool seen_med = false, seen_inf = false;
	json_array_foreach(json_object_get(r, "items"), i, item) {
		const char *role = json_string_value(json_object_get(item, "role"));
		const char *action = json_string_value(json_object_get(item, "action"));

		assert_non_null(role);
		assert_true(strncmp(action, "dmst.", 5) == 0);
		assert_int_equal(strlen(json_string_value(json_object_get(item, "at"))), 24);
		assert_null(json_object_get(item, "user_id"));
		seen_med = seen_med || strcmp(role, "medecin") == 0;
		seen_inf = seen_inf || strcmp(role, "infirmier") == 0;
	}
	assert_true(seen_med && seen_inf);
	assert_int_equal(json_array_size(json_object_get(r, "items")),
	                 db_count("SELECT COUNT(*) FROM core_audit WHERE action LIKE 'dmst.%%'"
	                          " AND outcome = 'ok' AND object_id = %lld", (long long)w));
	json_decref(r);
	snprintf(buf, sizeof(buf), "%s?limit=3", accesses);
	r = call(self, "GET", buf, NULL, &status);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 3);
	assert_true(json_is_string(json_object_get(r, "next_cursor")));
	/* The cursor is the page's last entry; the page after it holds the rest
	 * and, not full, ends the list (null). */
	char cursor[32];
	snprintf(cursor, sizeof(cursor), "%lld", (long long)json_integer_value(json_object_get(
	         json_array_get(json_object_get(r, "items"), 2), "id")));
	assert_string_equal(json_string_value(json_object_get(r, "next_cursor")), cursor);
	json_decref(r);
	snprintf(buf, sizeof(buf), "%s?limit=500&cursor=%s", accesses, cursor);
	r = call(self, "GET", buf, NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_array_size(json_object_get(r, "items")) + 3,
	                 db_count("SELECT COUNT(*) FROM core_audit WHERE action LIKE 'dmst.%%'"
	                          " AND outcome = 'ok' AND object_id = %lld", (long long)w));
	assert_true(json_is_null(json_object_get(r, "next_cursor")));
	json_decref(r);
	/* The core's own list shows the same DMST accesses. */
	r = call(self, "GET", "/api/v1/svc/auth/me/accesses?limit=500", NULL, &status);
	assert_int_equal(status, 200);
	size_t dmst_reads = 0;
	json_array_foreach(json_object_get(r, "items"), i, item)
		if (strcmp(json_string_value(json_object_get(item, "action")), "dmst.read") == 0)
			dmst_reads++;
	assert_int_equal(dmst_reads, 5);
	json_decref(r);
	/* Not the other worker's list, nor the employer's, the IPRP's or the admin's. */
	snprintf(buf, sizeof(buf), "/api/v1/svc/tracking/dmst/%lld/accesses", (long long)w2);
	assert_int_equal(status_of(self, "GET", buf, NULL), 403);
	assert_int_equal(status_of(emp, "GET", accesses, NULL), 403);
	assert_int_equal(status_of(iprp, "GET", accesses, NULL), 403);
	assert_int_equal(status_of(admin, "GET", accesses, NULL), 403);
	/* Health professionals read it too, and their reading is itself traced. */
	long long traced = db_count("SELECT COUNT(*) FROM core_audit WHERE action ="
	                            " 'dmst.accesses.read' AND object_id = %lld", (long long)w);
	assert_int_equal(status_of(med, "GET", accesses, NULL), 200);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit WHERE action ="
	                          " 'dmst.accesses.read' AND object_id = %lld", (long long)w),
	                 traced + 1);

	/* 11. The worker's opposition: only the médecin du travail, then. */
	r = put_ok(med, path, json_pack("{s:b}", "opposition_other_professionals", 1), 200);
	assert_true(json_is_true(json_object_get(r, "opposition_other_professionals")));
	json_decref(r);
	assert_int_equal(status_of(inf, "GET", path, NULL), 403);
	assert_int_equal(status_of(inf, "POST", entries,
	                           json_pack("{s:s, s:s, s:s}", "kind", "observation", "date",
	                                     "2025-05-12", "text", "x")),
	                 403);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit WHERE outcome = 'denied' AND"
	                          " object_id = %lld AND detail LIKE '%%opposition%%'", (long long)w),
	                 2);
	assert_int_equal(status_of(med, "GET", path, NULL), 200);
	/* The médecin records an opposition the worker expressed, but never lifts
	 * one: only the worker does, from the employee space (L4624-8). */
	put_invalid(med, path, json_pack("{s:b}", "opposition_other_professionals", 0),
	            "opposition_other_professionals");
	put_invalid(med, path, json_pack("{s:n}", "opposition_other_professionals"),
	            "opposition_other_professionals");
	assert_int_equal(status_of(inf, "GET", path, NULL), 403);
	/* Unchanged fields may be sent back as they are (the form sends all). */
	r = put_ok(med, path, json_pack("{s:b, s:s}", "opposition_other_professionals", 1,
	                                "medecin_traitant", "Dr Martin"), 200);
	json_decref(r);
	snprintf(buf, sizeof(buf), "/api/v1/svc/tracking/workers/%lld/oppositions", (long long)w);
	r = put_ok(self, buf, json_pack("{s:b}", "opposition_other_professionals", 0), 200);
	json_decref(r);
	assert_int_equal(status_of(inf, "GET", path, NULL), 200);

	/* 12. A first entry opens the file (no visit yet: 40 years from today). */
	snprintf(buf, sizeof(buf), "/api/v1/svc/tracking/dmst/%lld/entries", (long long)w2);
	assert_int_equal(status_of(inf, "POST", buf,
	                           json_pack("{s:s, s:s, s:s}", "kind", "info_given", "date",
	                                     "2025-06-02", "text", "Remise de la fiche bruit")),
	                 201);
	snprintf(buf, sizeof(buf), "/api/v1/svc/tracking/dmst/%lld", (long long)w2);
	r = call(med, "GET", buf, NULL, &status);
	assert_int_equal(status, 200);
	assert_string_equal(until_of(json_object_get(r, "dmst")), "2065-06-02");
	assert_true(json_is_null(json_object_get(json_object_get(r, "dmst"), "ins")));
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_event WHERE name = 'dmst.created'"), 2);

	/* 13. An operator disables the infirmier's account from the command
	 * line: the server refuses her session at once (it used to serve it up
	 * to 10 s from its cache), without a restart. */
	assert_int_equal(status_of(inf, "GET", path, NULL), 200);
	user_disable("infirmier@svc.test");
	assert_int_equal(status_of(inf, "GET", path, NULL), 401);

	/* 14. Unauthenticated: 401. */
	assert_int_equal(status_of(NULL, "GET", path, NULL), 401);
	assert_int_equal(status_of(NULL, "GET", accesses, NULL), 401);

	free(admin);
	free(med);
	free(inf);
	free(iprp);
	free(asst);
	free(emp);
	free(est_med);
	free(self);
}

int main(void)
{
	const struct CMUnitTest http[] = {
		cmocka_unit_test(test_dmst),
	};

	return cmocka_run_group_tests_name("dmst", http, setup_http, world_teardown);
}
