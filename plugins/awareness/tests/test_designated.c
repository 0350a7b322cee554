/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Designated competent employees (seed 3.4.3, L4644-1) and the passeport de
 * prévention export, through the real `socle serve` (membership and
 * awareness, frozen clock 2025-06-02T08:00:00Z, moved by a restart): a
 * company designates one of its workers; he attends a workshop for
 * designated employees and a webinar, a colleague the webinar only; the
 * company's list shows him with both trainings; the export matches the
 * reference file kept beside this test (designated employees first); the
 * directory of training bodies; another company's employer sees nothing.
 * Then a designation ends (an end date) and a designated worker leaves the
 * company (membership's exit): neither is current any more, the one who left
 * is shown as having left, the history (trainings, passeport) stays. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http_client.h"
#include "server.h"
#include "awareness_world.h"

static struct {
	char *staff, *employer, *employer2;
	json_int_t company, company2, w1, w2;
} T;

static int setup(void **state)
{
	(void)state;
	if (awareness_world_deploy("awareness-designated", json_pack("{s:s}", "siret", "12345678900011"), false) != 0)
		return -1;
	if (awareness_world_serve(&T.staff) != 0)
		return -1;
	T.company = member_company(T.staff, "73282932000074", "Électricité Garnier",
	                           "rh@garnier.test", &T.employer);
	T.company2 = member_company(T.staff, "44306184100047", "Plâtrerie Morel", "rh@morel.test",
	                            &T.employer2);
	T.w1 = worker(T.employer, T.company, "G-1", "Roux", "Léa");
	T.w2 = worker(T.employer, T.company, "G-2", "Blanc", "Marc");
	return 0;
}

static int teardown(void **state)
{
	free(T.staff);
	free(T.employer);
	free(T.employer2);
	return world_teardown(state);
}

static json_int_t session_of(json_t *action, const char *starts, const char *where_key,
                             const char *where)
{
	json_t *r = expect(201, T.staff, "POST", "/api/v1/svc/awareness/actions", action);
	json_int_t a = id_of(r);

	json_decref(r);
	r = expect(201, T.staff, "POST", "/api/v1/svc/awareness/sessions",
	           json_pack("{s:I, s:s, s:i, s:s}", "action_id", a, "starts_at", starts, "capacity", 10,
	                     where_key, where));
	json_int_t s = id_of(r);
	json_decref(r);
	return s;
}

static json_int_t enrol(json_int_t session, json_int_t worker)
{
	char path[128];

	snprintf(path, sizeof(path), "/api/v1/svc/awareness/sessions/%lld/registrations",
	         (long long)session);
	json_t *r = expect(201, T.employer, "POST", path,
	                   json_pack("{s:I, s:I}", "company_id", T.company, "worker_id", worker));
	json_int_t id = id_of(r);
	json_decref(r);
	return id;
}

static void test_designated_and_passeport(void **state)
{
	(void)state;
	char path[160];

	snprintf(path, sizeof(path), "/api/v1/svc/awareness/companies/%lld/designated",
	         (long long)T.company);
	assert_int_equal(status_of(T.employer, "POST", path,
	                           json_pack("{s:I, s:s}", "worker_id", T.w2, "designated_on", "2025-13-01")),
	                 422);
	assert_int_equal(status_of(T.employer2, "POST", path,
	                           json_pack("{s:I, s:s}", "worker_id", T.w2, "designated_on", "2025-06-01")),
	                 403);
	json_decref(expect(201, T.employer, "POST", path,
	                   json_pack("{s:I, s:s, s:s}", "worker_id", T.w2, "designated_on", "2025-06-01",
	                             "mission", "Prévention des risques électriques")));
	assert_int_equal(status_of(T.employer, "POST", path,
	                           json_pack("{s:I, s:s}", "worker_id", T.w2, "designated_on", "2025-06-01")),
	                 409);

	json_int_t course = session_of(json_pack("{s:s, s:s, s:s, s:[s], s:i, s:s, s:[], s:[]}",
		"kind", "atelier", "title", "Les bases de la prévention", "format", "service", "audience",
		"salaries_designes", "duration_min", 210, "objectives", "Missions du salarié désigné",
		"risks", "naf_divisions"), "2025-06-05T09:00", "place", "SPSTI, Lyon");
	json_int_t webinar = session_of(json_pack("{s:s, s:s, s:s, s:[s], s:i, s:s, s:[s], s:[]}",
		"kind", "webinaire", "title", "Risque routier", "url", "https://svc.test/webinaires",
		"audience", "salaries", "duration_min", 90, "objectives", "Prévenir le risque routier",
		"risks", "risque_routier", "naf_divisions"), "2025-06-04T14:00", "link",
		"https://visio.svc.test/routier");
	json_int_t a = enrol(course, T.w2), b = enrol(webinar, T.w2), c = enrol(webinar, T.w1);

	restart_at("2025-06-06T08:00:00Z");
	free(T.staff);
	free(T.employer);
	free(T.employer2);
	T.staff = login("admin@svc.test", STAFF_PASSWORD);
	T.employer = login("rh@garnier.test", EMPLOYER_PASSWORD);
	T.employer2 = login("rh@morel.test", EMPLOYER_PASSWORD);
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/sessions/%lld/attendance", (long long)course);
	json_decref(expect(200, T.staff, "POST", path, json_pack("{s:[I]}", "present", a)));
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/sessions/%lld/attendance", (long long)webinar);
	json_decref(expect(200, T.staff, "POST", path, json_pack("{s:[I, I]}", "present", b, c)));

	/* The company's designated employee, trained and listed. */
	json_t *r = get(T.employer, "/api/v1/svc/awareness/companies/%lld/designated",
	                (long long)T.company);
	json_t *items = json_object_get(r, "items"), *one = json_array_get(items, 0);
	assert_int_equal(json_array_size(items), 1);
	assert_int_equal(json_integer_value(json_object_get(one, "worker_id")), T.w2);
	assert_string_equal(json_string_value(json_object_get(one, "last_name")), "Blanc");
	assert_int_equal(json_array_size(json_object_get(one, "trainings")), 2);
	json_decref(r);
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/companies/%lld/designated",
	         (long long)T.company);
	assert_int_equal(status_of(T.employer2, "GET", path, NULL), 403);

	/* The passeport export against the reference file. */
	struct hc_response resp;
	const char *auth[] = {T.employer, NULL};
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/companies/%lld/passeport.csv",
	         (long long)T.company);
	assert_int_equal(hc_request(S.port, "GET", path, auth, NULL, 0, &resp), 0);
	assert_int_equal(resp.status, 200);
	FILE *f = fopen(SOCLE_SOURCE_DIR "/plugins/awareness/tests/passeport_reference.csv", "rb");
	char want[4096];
	assert_non_null(f);
	size_t n = fread(want, 1, sizeof(want) - 1, f);
	fclose(f);
	want[n] = '\0';
	if (strcmp(resp.body, want) != 0)
		fprintf(stderr, "export :\n%s\nattendu :\n%s\n", resp.body, want);
	assert_string_equal(resp.body, want);
	hc_response_free(&resp);
	const char *auth2[] = {T.employer2, NULL};
	assert_int_equal(hc_request(S.port, "GET", path, auth2, NULL, 0, &resp), 0);
	assert_int_equal(resp.status, 403);
	hc_response_free(&resp);

	/* The directory of accredited training bodies, kept by the service. */
	assert_int_equal(status_of(T.employer, "POST", "/api/v1/svc/awareness/training-bodies",
	                           json_pack("{s:s, s:s}", "name", "x", "accreditation", "y")), 403);
	assert_int_equal(status_of(T.staff, "POST", "/api/v1/svc/awareness/training-bodies",
	                           json_pack("{s:s, s:s, s:s}", "name", "Formasanté", "accreditation",
	                                     "Qualiopi", "url", "ftp://x")), 422);
	r = expect(201, T.staff, "POST", "/api/v1/svc/awareness/training-bodies",
	           json_pack("{s:s, s:s, s:s}", "name", "Formasanté Rhône", "accreditation",
	                     "Qualiopi, habilitation salarié désigné compétent", "city", "Lyon"));
	json_int_t body = id_of(r);
	json_decref(r);
	r = get(T.employer, "/api/v1/svc/awareness/training-bodies");
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	json_decref(r);

	/* The designated employee referred to it; not a worker who is not designated. */
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/companies/%lld/designated/%lld/referrals",
	         (long long)T.company, (long long)T.w2);
	assert_int_equal(status_of(T.employer, "POST", path, json_pack("{s:i, s:s}", "body_id", 999,
	                                                                 "topic", "x")), 422);
	assert_int_equal(status_of(T.employer2, "POST", path, json_pack("{s:I, s:s}", "body_id", body,
	                                                                  "topic", "x")), 403);
	json_decref(expect(201, T.employer, "POST", path,
	                   json_pack("{s:I, s:s}", "body_id", body, "topic",
	                             "Formation initiale du salarié désigné compétent")));
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/companies/%lld/designated/%lld/referrals",
	         (long long)T.company, (long long)T.w1);
	assert_int_equal(status_of(T.employer, "POST", path, json_pack("{s:I, s:s}", "body_id", body,
	                                                                 "topic", "x")), 409);
	r = get(T.employer, "/api/v1/svc/awareness/companies/%lld/designated", (long long)T.company);
	json_t *refs = json_object_get(json_array_get(json_object_get(r, "items"), 0), "referrals");
	assert_int_equal(json_array_size(refs), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(refs, 0), "body")),
	                    "Formasanté Rhône");
	json_decref(r);
}

static bool has_field(const json_t *r, const char *field)
{
	size_t i;
	const json_t *f;

	json_array_foreach(json_object_get(json_object_get(r, "error"), "fields"), i, f)
		if (strcmp(json_string_value(json_object_get(f, "field")), field) == 0)
			return true;
	return false;
}

static json_t *designated_of(json_t *list, json_int_t worker)
{
	size_t i;
	json_t *one;

	json_array_foreach(json_object_get(list, "items"), i, one)
		if (json_integer_value(json_object_get(one, "worker_id")) == worker)
			return one;
	return NULL;
}

static void passeport_is_reference(void)
{
	struct hc_response resp;
	const char *auth[] = {T.employer, NULL};
	char path[160], want[4096];

	snprintf(path, sizeof(path), "/api/v1/svc/awareness/companies/%lld/passeport.csv",
	         (long long)T.company);
	assert_int_equal(hc_request(S.port, "GET", path, auth, NULL, 0, &resp), 0);
	assert_int_equal(resp.status, 200);
	FILE *f = fopen(SOCLE_SOURCE_DIR "/plugins/awareness/tests/passeport_reference.csv", "rb");
	assert_non_null(f);
	size_t n = fread(want, 1, sizeof(want) - 1, f);
	fclose(f);
	want[n] = '\0';
	if (strcmp(resp.body, want) != 0)
		fprintf(stderr, "export :\n%s\nattendu :\n%s\n", resp.body, want);
	assert_string_equal(resp.body, want);
	hc_response_free(&resp);
}

/* On 2025-06-06, after test_designated_and_passeport: Blanc (w2) designated
 * since 2025-06-01 with two trainings, Roux (w1) with one. */
static void test_designation_ended(void **state)
{
	(void)state;
	char path[200];

	snprintf(path, sizeof(path), "/api/v1/svc/awareness/companies/%lld/designated",
	         (long long)T.company);
	/* Roux designated after his webinar (held 2025-06-04): it stays "non". */
	json_decref(expect(201, T.employer, "POST", path,
	                   json_pack("{s:I, s:s}", "worker_id", T.w1, "designated_on", "2025-06-05")));
	json_t *r = get(T.employer, "/api/v1/svc/awareness/companies/%lld/designated?current=1",
	                (long long)T.company);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 2);
	json_decref(r);

	/* Ending Blanc's designation: bad input and another company refused, nothing changed. */
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/companies/%lld/designated/%lld/end",
	         (long long)T.company, (long long)T.w2);
	assert_int_equal(status_of(T.employer, "POST", path, json_object()), 422);
	int status = 0;
	r = call(T.employer, "POST", path, json_pack("{s:s}", "ended_on", "2025-05-31"), &status);
	assert_int_equal(status, 422); /* before the designation */
	assert_true(has_field(r, "ended_on"));
	json_decref(r);
	assert_int_equal(status_of(T.employer2, "POST", path, json_pack("{s:s}", "ended_on",
	                                                                  "2025-06-06")), 403);
	assert_int_equal(db_count("SELECT count(*) FROM awareness_designated WHERE ended_on IS NOT NULL"),
	                 0);
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/companies/%lld/designated/%d/end",
	         (long long)T.company, 999999);
	assert_int_equal(status_of(T.employer, "POST", path, json_pack("{s:s}", "ended_on",
	                                                                 "2025-06-06")), 404);
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/companies/%lld/designated/%lld/end",
	         (long long)T.company, (long long)T.w2);
	r = expect(200, T.employer, "POST", path, json_pack("{s:s}", "ended_on", "2025-06-06"));
	assert_string_equal(json_string_value(json_object_get(r, "ended_on")), "2025-06-06");
	assert_false(json_is_true(json_object_get(r, "current")));
	json_decref(r);
	assert_int_equal(status_of(T.staff, "POST", path, json_pack("{s:s}", "ended_on", "2025-06-06")),
	                 409);

	/* Roux leaves the company (membership's exit). */
	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/workers/%lld/exit",
	         (long long)T.company, (long long)T.w1);
	json_decref(expect(200, T.employer, "POST", path,
	                   json_pack("{s:s, s:s}", "end_date", "2025-06-05", "end_reason", "demission")));

	/* Neither is current; both kept, with why. */
	r = get(T.employer, "/api/v1/svc/awareness/companies/%lld/designated?current=1",
	        (long long)T.company);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 0);
	json_decref(r);
	r = get(T.employer, "/api/v1/svc/awareness/companies/%lld/designated", (long long)T.company);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 2);
	json_t *blanc = designated_of(r, T.w2), *roux = designated_of(r, T.w1);
	assert_non_null(blanc);
	assert_non_null(roux);
	assert_false(json_is_true(json_object_get(blanc, "current")));
	assert_string_equal(json_string_value(json_object_get(blanc, "status")), "terminee");
	assert_string_equal(json_string_value(json_object_get(blanc, "status_label")),
	                    "désignation terminée le 6 juin 2025");
	assert_int_equal(json_array_size(json_object_get(blanc, "trainings")), 2);
	assert_false(json_is_true(json_object_get(roux, "current")));
	assert_string_equal(json_string_value(json_object_get(roux, "status")), "a_quitte");
	assert_string_equal(json_string_value(json_object_get(roux, "status_label")),
	                    "a quitté l'entreprise");
	assert_string_equal(json_string_value(json_object_get(roux, "left_on")), "2025-06-05");
	json_decref(r);

	/* History kept: the passeport still lists every training completed. */
	passeport_is_reference();

	/* No referral for a designation that ended. */
	r = get(T.staff, "/api/v1/svc/awareness/training-bodies");
	json_int_t body = json_integer_value(json_object_get(json_array_get(json_object_get(r, "items"),
	                                                                    0), "id"));
	json_decref(r);
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/companies/%lld/designated/%lld/referrals",
	         (long long)T.company, (long long)T.w2);
	assert_int_equal(status_of(T.employer, "POST", path, json_pack("{s:I, s:s}", "body_id", body,
	                                                                 "topic", "x")), 409);

	/* Designated again later: current again; one who left cannot be. */
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/companies/%lld/designated",
	         (long long)T.company);
	json_decref(expect(201, T.employer, "POST", path,
	                   json_pack("{s:I, s:s}", "worker_id", T.w2, "designated_on", "2025-06-06")));
	assert_int_equal(status_of(T.employer, "POST", path,
	                           json_pack("{s:I, s:s}", "worker_id", T.w1, "designated_on",
	                                     "2025-06-06")), 422);
	r = get(T.employer, "/api/v1/svc/awareness/companies/%lld/designated?current=1",
	        (long long)T.company);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(r, "items"),
	                                                                   0), "worker_id")), T.w2);
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_designated_and_passeport),
		cmocka_unit_test(test_designation_ended),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
