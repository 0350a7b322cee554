/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The relay network and the information mailings (seed 3.4.3, 3.4.1.3)
 * through the real `socle serve` (membership and awareness, frozen clock
 * 2025-06-02T08:00:00Z):
 *   - a relay is removed by staff or by the company's administrator (not by
 *     a user of the company without that role, not by another company), and
 *     receives no further mailing;
 *   - every mailing to a relay carries his own unsubscription link; it opens
 *     a page that asks (a mail scanner following the link decides nothing);
 *     its button, without logging in, unsubscribes him (the page says so in
 *     French), the mailing's counts do not move, no further mailing reaches
 *     his address and nobody can name it a relay again; his page's other
 *     button re-subscribes him;
 *   - the mail says what it sends by the action's kind (a document, an
 *     e-learning module, a webinar, a workshop). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http_client.h"
#include "outbox.h"
#include "server.h"
#include "awareness_world.h"

static struct {
	char *staff, *employer, *employer2, *payroll;
	json_int_t company, company2, document;
} T;

static int setup(void **state)
{
	(void)state;
	char path[160], token[65];

	if (awareness_world_deploy("awareness-relays", NULL, false) != 0)
		return -1;
	if (awareness_world_serve(&T.staff) != 0)
		return -1;
	T.company = member_company(T.staff, "73282932000074", "Électricité Garnier",
	                           "rh@garnier.test", &T.employer);
	T.company2 = member_company(T.staff, "44306184100047", "Plâtrerie Morel", "rh@morel.test",
	                            &T.employer2);
	/* A user of Garnier who declares workers but does not administer. */
	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/users",
	         (long long)T.company);
	json_decref(expect(201, T.employer, "POST", path,
	                   json_pack("{s:s, s:s, s:[s]}", "email", "paie@garnier.test", "name",
	                             "Alex Paie", "roles", "declaration")));
	assert_true(invitation_token("paie@garnier.test", token));
	json_decref(expect(200, NULL, "POST", "/api/v1/svc/membership/invitations/accept",
	                   json_pack("{s:s, s:s}", "token", token, "password", EMPLOYER_PASSWORD)));
	T.payroll = login("paie@garnier.test", EMPLOYER_PASSWORD);
	json_t *r = expect(201, T.staff, "POST", "/api/v1/svc/awareness/actions",
		json_pack("{s:s, s:s, s:s, s:[s], s:s, s:[s], s:[]}", "kind", "document", "title",
		          "Le travail sur écran", "url", "https://svc.test/docs/ecrans.pdf", "audience",
		          "salaries", "objectives", "Aménager son poste de travail", "risks", "ecrans",
		          "naf_divisions"));
	T.document = id_of(r);
	json_decref(r);
	return 0;
}

static int teardown(void **state)
{
	free(T.staff);
	free(T.employer);
	free(T.employer2);
	free(T.payroll);
	return world_teardown(state);
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

static json_int_t relay(const char *auth, json_t *body)
{
	json_t *r = expect(201, auth, "POST", "/api/v1/svc/awareness/relays", body);
	json_int_t id = id_of(r);

	json_decref(r);
	return id;
}

static json_t *mailing(json_int_t action, json_t *body)
{
	char path[128];

	snprintf(path, sizeof(path), "/api/v1/svc/awareness/actions/%lld/mailings", (long long)action);
	return expect(201, T.staff, "POST", path, body);
}

static void test_relay_removed(void **state)
{
	(void)state;
	char path[128];

	json_int_t r1 = relay(T.employer, json_pack("{s:I, s:s, s:s}", "company_id", T.company, "name",
	                                            "Nadia Leroy", "email", "relais1@garnier.test"));
	json_int_t r2 = relay(T.employer, json_pack("{s:I, s:s, s:s}", "company_id", T.company, "name",
	                                            "Hugo Petit", "email", "relais2@garnier.test"));
	json_int_t branch = relay(T.staff, json_pack("{s:s, s:s, s:s}", "naf_division", "43", "name",
	                                             "Fédération du bâtiment", "email",
	                                             "relais@btp.test"));
	(void)r2;

	/* Refused: another company, a user of the company who is not its
	 * administrator, an employer for a branch's relay; nothing removed. */
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/relays/%lld", (long long)r1);
	assert_int_equal(status_of(T.employer2, "DELETE", path, NULL), 403);
	assert_int_equal(status_of(T.payroll, "DELETE", path, NULL), 403);
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/relays/%lld", (long long)branch);
	assert_int_equal(status_of(T.employer, "DELETE", path, NULL), 403);
	assert_int_equal(status_of(T.staff, "DELETE", "/api/v1/svc/awareness/relays/999999", NULL),
	                 404);
	assert_int_equal(db_count("SELECT count(*) FROM awareness_relay"), 3);
	assert_int_equal(db_count("SELECT count(*) FROM core_audit WHERE action ="
	                          " 'awareness.relay.remove' AND outcome = 'denied'"), 2);

	/* The company's administrator removes its relay, staff the branch's. */
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/relays/%lld", (long long)r1);
	json_decref(expect(200, T.employer, "DELETE", path, NULL));
	assert_int_equal(status_of(T.employer, "DELETE", path, NULL), 404);
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/relays/%lld", (long long)branch);
	json_decref(expect(200, T.staff, "DELETE", path, NULL));
	assert_int_equal(db_count("SELECT count(*) FROM core_audit WHERE action ="
	                          " 'awareness.relay.remove' AND outcome = 'ok'"), 2);
	json_t *r = get(T.employer, "/api/v1/svc/awareness/relays?company_id=%lld", (long long)T.company);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(r, "items"),
	                                                                     0), "email")),
	                    "relais2@garnier.test");
	json_decref(r);

	/* The next mailing reaches neither removed relay. */
	json_decref(mailing(T.document, json_pack("{s:[I], s:[s]}", "company_ids", T.company,
	                                          "naf_divisions", "43")));
	assert_int_equal(wait_mails("relais2@garnier.test", "information", "/awareness/links/", 1), 1);
	assert_int_equal(wait_mails("rh@garnier.test", "information", "/awareness/links/", 1), 1);
	assert_int_equal(count_mails("relais1@garnier.test", "information", NULL), 0);
	assert_int_equal(count_mails("relais@btp.test", "information", NULL), 0);
}

/* What a browser sends for a form without fields. */
static const char *const form_headers[] = {"Content-Type: application/x-www-form-urlencoded", NULL};

static void test_relay_unsubscribes(void **state)
{
	(void)state;
	char token[33], link[160];
	struct hc_response resp;

	/* The relay's mail carries his own link; the company's contact has none. */
	assert_true(test_outbox_after(D.dir, "svc", "relais2@garnier.test",
	                              "/awareness/relays/unsubscribe/", token, 32));
	assert_int_equal(count_mails("rh@garnier.test", "information", "/awareness/relays/unsubscribe/"),
	                 0);
	snprintf(link, sizeof(link), "/api/v1/svc/awareness/relays/unsubscribe/%s", token);

	/* Following the link (he, or the mail scanner of his company, which
	 * opens every link of a mail) only asks: a GET decides nothing. */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(hc_request(S.port, "GET", link, NULL, NULL, 0, &resp), 0);
		assert_int_equal(resp.status, 200);
		assert_non_null(strstr(hc_header(&resp, "Content-Type"), "text/html"));
		assert_non_null(strstr(resp.body, "<form method=\"post\""));
		assert_non_null(strstr(resp.body, "Me désinscrire"));
		hc_response_free(&resp);
	}
	assert_int_equal(db_count("SELECT count(*) FROM awareness_relay_optout"), 0);
	/* His click on the button (a form with no field, no login) unsubscribes
	 * him; the page says so in French and offers to undo it; twice is the same. */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(hc_request(S.port, "POST", link, form_headers, "", 0, &resp), 0);
		assert_int_equal(resp.status, 200);
		assert_non_null(strstr(resp.body, "Vous êtes désinscrit"));
		assert_non_null(strstr(resp.body, "Me réinscrire"));
		hc_response_free(&resp);
	}
	assert_int_equal(db_count("SELECT count(*) FROM awareness_relay_optout"), 1);
	assert_int_equal(db_count("SELECT count(*) FROM core_audit"
	                          " WHERE action = 'awareness.relay.unsubscribe'"), 1);
	/* Back on the link later: he reads that he is unsubscribed. */
	assert_int_equal(hc_request(S.port, "GET", link, NULL, NULL, 0, &resp), 0);
	assert_non_null(strstr(resp.body, "Vous êtes désinscrit"));
	hc_response_free(&resp);
	static const char *const unknown[] = {"GET", "POST"};
	for (int i = 0; i < 2; i++) {
		assert_int_equal(hc_request(S.port, unknown[i], "/api/v1/svc/awareness/relays/unsubscribe/"
		                            "0123456789abcdef0123456789abcdef", form_headers, "", 0,
		                            &resp), 0);
		assert_int_equal(resp.status, 404);
		hc_response_free(&resp);
	}

	/* The mailing's counts are unchanged: no click, the mails it sent (the
	 * company's two users and its relay). */
	json_t *r = get(T.staff, "/api/v1/svc/awareness/actions/%lld/mailings", (long long)T.document);
	json_t *m = json_array_get(json_object_get(r, "items"), 0);
	assert_int_equal(json_integer_value(json_object_get(m, "clicks")), 0);
	assert_int_equal(json_integer_value(json_object_get(m, "mails")), 3);
	json_decref(r);
	r = get(T.employer, "/api/v1/svc/awareness/relays?company_id=%lld", (long long)T.company);
	assert_true(json_is_true(json_object_get(json_array_get(json_object_get(r, "items"), 0),
	                                         "unsubscribed")));
	json_decref(r);

	/* The next mailing reaches the company's users, not him. */
	r = mailing(T.document, json_pack("{s:[I]}", "company_ids", T.company));
	assert_int_equal(json_integer_value(json_object_get(r, "mails")), 2);
	json_decref(r);
	assert_int_equal(wait_mails("rh@garnier.test", "information", "/awareness/links/", 2), 2);
	assert_int_equal(count_mails("relais2@garnier.test", "information", NULL), 1);

	/* His address cannot be named a relay again, by his company or another. */
	int status = 0;
	r = call(T.employer, "POST", "/api/v1/svc/awareness/relays",
	         json_pack("{s:I, s:s, s:s}", "company_id", T.company, "name", "Hugo Petit", "email",
	                   "Relais2@garnier.test"), &status);
	assert_int_equal(status, 422);
	assert_true(has_field(r, "email"));
	json_decref(r);
	assert_int_equal(db_count("SELECT count(*) FROM awareness_relay"), 1);

	/* He changes his mind: the button of his own page re-subscribes his
	 * address (nobody else can), and the next mailing reaches him again. */
	snprintf(link, sizeof(link), "/api/v1/svc/awareness/relays/resubscribe/%s", token);
	assert_int_equal(hc_request(S.port, "GET", link, NULL, NULL, 0, &resp), 0);
	assert_int_equal(resp.status, 405); /* a link followed decides nothing */
	hc_response_free(&resp);
	assert_int_equal(hc_request(S.port, "POST", link, form_headers, "", 0, &resp), 0);
	assert_int_equal(resp.status, 200);
	assert_non_null(strstr(resp.body, "Vous recevez à nouveau"));
	assert_non_null(strstr(resp.body, "Me désinscrire"));
	hc_response_free(&resp);
	assert_int_equal(db_count("SELECT count(*) FROM awareness_relay_optout"), 0);
	assert_int_equal(db_count("SELECT count(*) FROM core_audit"
	                          " WHERE action = 'awareness.relay.resubscribe'"), 1);
	r = mailing(T.document, json_pack("{s:[I]}", "company_ids", T.company));
	assert_int_equal(json_integer_value(json_object_get(r, "mails")), 3);
	json_decref(r);
	assert_int_equal(wait_mails("relais2@garnier.test", "information", NULL, 2), 2);
}

static void test_mailing_says_what_it_sends(void **state)
{
	(void)state;
	static const struct {
		const char *kind, *title, *format, *sentence;
	} kinds[] = {
		{"document", "Le bruit au travail", NULL, "vous adresse un document de prévention"},
		{"elearning", "Gestes et postures", NULL, "vous adresse un module e-learning de prévention"},
		{"webinaire", "Le risque routier", NULL, "vous adresse un webinaire de prévention"},
		{"atelier", "Premiers secours", "service", "vous adresse un atelier de prévention"},
	};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		json_t *action = json_pack("{s:s, s:s, s:s, s:[s], s:s, s:[], s:[]}", "kind",
		                           kinds[i].kind, "title", kinds[i].title, "url",
		                           "https://svc.test/prevention", "audience", "salaries",
		                           "objectives", "Prévenir", "risks", "naf_divisions");
		if (strcmp(kinds[i].kind, "document") != 0)
			json_object_set_new(action, "duration_min", json_integer(60));
		if (kinds[i].format)
			json_object_set_new(action, "format", json_string(kinds[i].format));
		json_t *r = expect(201, T.staff, "POST", "/api/v1/svc/awareness/actions", action);
		json_int_t id = id_of(r);
		json_decref(r);
		json_decref(mailing(id, json_pack("{s:[I]}", "company_ids", T.company2)));
		char needle[200];
		snprintf(needle, sizeof(needle), "%s : « %s »", kinds[i].sentence, kinds[i].title);
		if (wait_mails("rh@morel.test", "information", needle, 1) != 1)
			fail_msg("aucun courrier « %s »", needle);
	}
	/* "un document" only for the document. */
	assert_int_equal(count_mails("rh@morel.test", "information", "un document"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relay_removed),
		cmocka_unit_test(test_relay_unsubscribes),
		cmocka_unit_test(test_mailing_says_what_it_sends),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
