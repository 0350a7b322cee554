/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* End to end through the real `socle serve` with the membership plugin: the
 * public form and its refusals (each field error, nothing stored), duplicate
 * SIRET, throttling, review by staff, approval (member number, invitation
 * mail in the file outbox), invitation acceptance and employer login, access
 * refused to another company's user, employer roles, rejection, leaving,
 * satisfaction and its indicator, the membership parcours and the audit log.
 * The business clock is frozen on 2 March 2026. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fsutil.h"
#include "http_client.h"
#include "mime.h"
#include "outbox.h"
#include "server.h"

#define PASSWORD "motdepasse-de-test-42"
#define EMPLOYER_PASSWORD "mot-de-passe-employeur-2026"

struct world {
	struct test_deploy d;
	struct test_server s;
	json_int_t company_a, company_b, company_c;
	char token_a[65];
};

static struct world W;

static void add_user(const char *svc, const char *email, const char *role)
{
	char cmd[2048], *out = NULL;

	snprintf(cmd, sizeof(cmd),
	         "printf '%%s\\n' '" PASSWORD "' | " SOCLE_BINARY_DIR "/socle user add --config %s"
	         " --service %s --email %s --role %s",
	         W.d.config_path, svc, email, role);
	int rc = fs_run(cmd, &out);
	if (rc != 0)
		fprintf(stderr, "%s\n", out);
	assert_int_equal(rc, 0);
	free(out);
}

static int setup(void **state)
{
	(void)state;
	json_t *cfg = json_pack(
		"{s:[s], s:s, s:[{s:s, s:s, s:s, s:{s:{}}}, {s:s, s:s, s:s, s:{s:{}}}]}",
		"plugin_dirs", MEMBERSHIP_PLUGIN_DIR, "clock", "2026-03-02T09:00:00Z", "services",
		"id", "demo", "name", "SPSTI Démo", "database", "demo.db", "plugins", "membership",
		"id", "est", "name", "SPSTI Est", "database", "est.db", "plugins", "membership");
	if (test_deploy_create(&W.d, "membership-company", cfg) != 0)
		return -1;
	json_decref(cfg);
	add_user("demo", "admin@demo.test", "service_admin");
	add_user("demo", "accueil@demo.test", "assistant_medical");
	add_user("demo", "iprp@demo.test", "iprp");
	return test_server_start_deploy(&W.s, &W.d);
}

static int teardown(void **state)
{
	(void)state;
	int rc = test_server_stop(&W.s, 10000);
	test_deploy_remove(&W.d);
	return rc == 0 ? 0 : -1;
}

static char *login_with(const char *svc, const char *email, const char *password, int want)
{
	char path[128], *header = NULL;
	int status = 0;

	snprintf(path, sizeof(path), "/api/v1/%s/auth/login", svc);
	json_t *body = json_pack("{s:s, s:s}", "email", email, "password", password);
	json_t *r = hc_json(W.s.port, "POST", path, NULL, body, &status);
	json_decref(body);
	assert_int_equal(status, want);
	if (status == 200) {
		const char *token = json_string_value(json_object_get(r, "token"));
		assert_non_null(token);
		assert_true(asprintf(&header, "Authorization: Bearer %s", token) > 0);
	}
	json_decref(r);
	return header;
}

static char *login(const char *email)
{
	return login_with("demo", email, PASSWORD, 200);
}

static json_t *call(const char *auth, const char *method, const char *path, json_t *body,
                    int *status)
{
	const char *headers[] = {auth, NULL};
	json_t *r = hc_json(W.s.port, method, path, auth ? headers : NULL, body, status);

	json_decref(body);
	return r;
}

/* Does the error body name field @p field? */
static bool has_field(const json_t *r, const char *field)
{
	size_t i;
	json_t *f;

	json_array_foreach(json_object_get(json_object_get(r, "error"), "fields"), i, f)
		if (strcmp(json_string_value(json_object_get(f, "field")), field) == 0)
			return true;
	return false;
}

static void expect_fields(const json_t *r, const char *const *fields)
{
	for (size_t i = 0; fields[i]; i++) {
		if (!has_field(r, fields[i])) {
			char *text = json_dumps(r, JSON_INDENT(1));
			fprintf(stderr, "missing field error %s in %s\n", fields[i], text);
			free(text);
		}
		assert_true(has_field(r, fields[i]));
	}
}

/* A complete, valid application (caller owns). */
static json_t *application(const char *siret, const char *name, const char *email)
{
	return json_pack(
		"{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s}, s:i, s:{s:s, s:s, s:s}, s:[s, s],"
		" s:{s:i, s:i}, s:{s:b, s:b, s:b, s:b, s:b, s:b}, s:{s:s}}",
		"siret", siret, "legal_name", name, "naf_code", "10.71C", "naf_version", "NAFrev2",
		"address", "line", "12 rue des Lilas", "postcode", "69003", "city", "Lyon",
		"headcount", 8, "contact", "name", "Camille Martin", "email", email, "phone",
		"04 72 00 00 00", "exposures", "bruit", "port_de_charges", "followup_counts",
		"night_workers", 1, "apprentices", 1, "prevention_answers", "duerp", 1,
		"duerp_with_workers", 0, "action_plan", 1, "action_plan_reviewed", 0,
		"staff_representation", 0, "onboarding", 1, "payment", "mode", "transfer");
}

static size_t count_companies(const char *admin)
{
	int status = 0;
	json_t *r = call(admin, "GET", "/api/v1/demo/membership/companies?limit=500", NULL, &status);

	assert_int_equal(status, 200);
	size_t n = json_array_size(json_object_get(r, "items"));
	json_decref(r);
	return n;
}

/* The invitation mail sent to @p to (waits for the loop thread): its token. */
static bool outbox_token_about(const char *to, const char *about, char token[65]);

/* The confirmation of membership @p number, mailed by its job to @p to as an
 * issued PDF: A4, the company, its number and date, the document's number and
 * verification code. Waits for the loop (real time) up to 10 s. */
static void confirmation_mailed(const char *to, const char *number)
{
	char **mails = NULL, file[80], *pdf = NULL;
	size_t len = 0;

	snprintf(file, sizeof(file), "confirmation-adhesion-%s.pdf", number);
	for (int i = 0; i < 200; i++) {
		test_mails_free(mails);
		mails = test_outbox_mails(W.d.dir, "demo", to, file);
		if (mails[0] != NULL)
			break;
		usleep(50000);
	}
	assert_non_null(mails[0]);
	assert_null(mails[1]);
	assert_non_null(strstr(mails[0], "X-Socle-Category: adhesion\r\n"));
	assert_true(test_mime_attachment(mails[0], file, &pdf, &len));
	char *text = test_run_on_bytes(W.d.dir, "confirmation.pdf", pdf, len, "pdftotext");
	assert_non_null(strstr(text, "Confirmation d'adhésion"));
	assert_non_null(strstr(text, number));
	assert_non_null(strstr(text, "2 mars 2026"));
	assert_non_null(strstr(text, "R4624-47"));
	assert_non_null(strstr(text, "/documents/verify")); /* issued: its code printed */
	free(text);
	text = test_run_on_bytes(W.d.dir, "confirmation.pdf", pdf, len, "pdfinfo");
	assert_non_null(strstr(text, "(A4)"));
	free(text);
	free(pdf);
	test_mails_free(mails);
}

static bool outbox_token(const char *to, char token[65])
{
	return outbox_token_about(to, NULL, token);
}

/* The token of the invitation mailed to @p to whose text holds @p about
 * (NULL: any). */
static bool outbox_token_about(const char *to, const char *about, char token[65])
{
	char *dir = fs_join(W.d.dir, "outbox/demo"), want[300];
	bool found = false;

	snprintf(want, sizeof(want), "To: %s\r\n", to);
	for (int tries = 0; tries < 200 && !found; tries++) {
		DIR *dh = opendir(dir);
		struct dirent *de;

		while (dh && (de = readdir(dh)) != NULL && !found) {
			if (strstr(de->d_name, ".eml") == NULL || de->d_name[0] == '.')
				continue;
			char *path = fs_join(dir, de->d_name);
			FILE *f = fopen(path, "r");
			char buf[8192];
			size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

			if (f)
				fclose(f);
			buf[n] = '\0';
			const char *link = strstr(buf, "/portal/invitation.html?token=");
			if (strstr(buf, want) && strstr(buf, "X-Socle-Category: invitation") && link &&
			    (about == NULL || strstr(buf, about))) {
				memcpy(token, link + strlen("/portal/invitation.html?token="), 64);
				token[64] = '\0';
				found = strspn(token, "0123456789abcdef") == 64;
			}
			free(path);
		}
		if (dh)
			closedir(dh);
		if (!found)
			usleep(50000);
	}
	free(dir);
	return found;
}

/* ------------------------------------------------------------------ tests */

static void test_public_form(void **state)
{
	int status = 0;
	(void)state;

	json_t *r = call(NULL, "GET", "/api/v1/demo/membership/risks", NULL, &status);
	assert_int_equal(status, 200);
	static const char *const sir[] = {"amiante", "plomb", "cmr", "agents_biologiques_3_4",
	                                  "rayonnements_ionisants", "milieu_hyperbare",
	                                  "echafaudages"};
	for (size_t k = 0; k < sizeof(sir) / sizeof(sir[0]); k++) {
		bool seen = false;
		size_t i;
		json_t *it;

		json_array_foreach(json_object_get(r, "items"), i, it)
			if (strcmp(json_string_value(json_object_get(it, "code")), sir[k]) == 0)
				seen = json_is_true(json_object_get(it, "sir"));
		assert_true(seen);
	}
	json_decref(r);

	r = call(NULL, "GET", "/api/v1/demo/membership/application-form", NULL, &status);
	assert_int_equal(status, 200);
	assert_string_equal(json_string_value(json_object_get(r, "offer_url")), "/api/v1/demo/offer");
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "service"), "name")),
	                    "SPSTI Démo");
	assert_int_equal(json_array_size(json_object_get(r, "prevention_questions")), 6);
	assert_int_equal(json_array_size(json_object_get(r, "payment_modes")), 2);
	/* NAF 2025 is not yet accepted on 2 March 2026 */
	assert_false(json_is_true(json_object_get(
		json_array_get(json_object_get(r, "naf_versions"), 1), "accepted")));
	json_decref(r);
}

static void test_application_refusals(void **state)
{
	char *admin = login("admin@demo.test");
	int status = 0;
	(void)state;

	size_t before = count_companies(admin);

	/* Nothing given: every required field is named. */
	json_t *r = call(NULL, "POST", "/api/v1/demo/membership/applications", json_object(),
	                 &status);
	assert_int_equal(status, 422);
	expect_fields(r, (const char *const[]){"siret", "legal_name", "naf_code", "address",
	                                       "headcount", "contact", "prevention_answers",
	                                       "payment", NULL});
	json_decref(r);

	/* Every nested rule at once: each problem named by its path. */
	json_t *a = application("73282932000075", "", "pas-une-adresse");
	json_object_set_new(a, "naf_code", json_string("04.00Z"));
	json_object_set_new(json_object_get(a, "address"), "postcode", json_string("6900"));
	json_object_del(json_object_get(a, "address"), "city");
	json_object_set_new(json_object_get(a, "contact"), "phone", json_string("12"));
	json_object_set_new(a, "exposures", json_pack("[s, s, s]", "bruit", "radium", "bruit"));
	json_object_set_new(a, "followup_counts", json_pack("{s:i, s:i}", "night_workers", 9,
	                                                    "under_18", -1));
	json_object_del(json_object_get(a, "prevention_answers"), "onboarding");
	json_object_set_new(json_object_get(a, "prevention_answers"), "duerp", json_string("oui"));
	json_object_set_new(a, "payment", json_pack("{s:s, s:s}", "mode", "sepa", "iban",
	                                            "FR7630006000011234567890188"));
	json_object_set_new(a, "extra", json_true());
	r = call(NULL, "POST", "/api/v1/demo/membership/applications", a, &status);
	assert_int_equal(status, 422);
	expect_fields(r, (const char *const[]){
		"siret", "legal_name", "naf_code", "address.postcode", "address.city", "contact.email",
		"contact.phone", "exposures[1]", "exposures[2]", "followup_counts.under_18",
		"prevention_answers.onboarding", "prevention_answers.duerp", "payment.iban",
		"payment.account_holder", "payment.mandate_consent", "extra", NULL});
	/* messages are for people, in French */
	char *text = json_dumps(r, 0);
	assert_non_null(strstr(text, "clé de contrôle"));
	free(text);
	json_decref(r);

	/* followup count above the headcount; NAF 2025 before 2027; establishments */
	a = application("73282932000074", "Boulangerie Martin", "camille@martin.test");
	json_object_set_new(a, "followup_counts", json_pack("{s:i}", "night_workers", 9));
	json_object_set_new(a, "naf_version", json_string("NAF2025"));
	json_object_set_new(a, "establishments", json_pack(
		"[{s:s, s:{s:s, s:s, s:s}, s:i}, {s:s, s:{s:s, s:s, s:s}, s:i},"
		" {s:s, s:{s:s, s:s, s:s}, s:i}, {s:s, s:{s:s, s:s, s:s}, s:i}]",
		"siret", "44306184100047", "address", "line", "1 rue A", "postcode", "69001", "city",
		"Lyon", "headcount", 1,
		"siret", "73282932000109", "address", "line", "2 rue B", "postcode", "69002", "city",
		"Lyon", "headcount", 1,
		"siret", "73282932000116", "address", "line", "3 rue C", "postcode", "690", "city",
		"Lyon", "headcount", 1,
		"siret", "73282932000074", "address", "line", "4 rue D", "postcode", "69004", "city",
		"Lyon", "headcount", 1));
	r = call(NULL, "POST", "/api/v1/demo/membership/applications", a, &status);
	assert_int_equal(status, 422);
	expect_fields(r, (const char *const[]){"followup_counts.night_workers", "naf_version",
	                                       "establishments[0].siret", "establishments[1].siret",
	                                       "establishments[2].address.postcode",
	                                       "establishments[3].siret", NULL});
	json_decref(r);

	/* transfer with SEPA details; a headcount of 0 */
	a = application("73282932000074", "Boulangerie Martin", "camille@martin.test");
	json_object_set_new(a, "payment", json_pack("{s:s, s:s}", "mode", "transfer", "iban",
	                                            "FR7630006000011234567890189"));
	json_object_set_new(a, "headcount", json_integer(0));
	r = call(NULL, "POST", "/api/v1/demo/membership/applications", a, &status);
	assert_int_equal(status, 422);
	expect_fields(r, (const char *const[]){"payment.iban", "headcount", NULL});
	json_decref(r);

	/* Nothing was stored by any of these. */
	assert_int_equal(count_companies(admin), before);
	free(admin);
}

static void test_application_and_duplicates(void **state)
{
	int status = 0;
	(void)state;

	/* A: SEPA, two sites, SIRET typed with spaces and NAF without its dot */
	json_t *a = application("732 829 320 00074", "Boulangerie Martin", "Camille@Martin.test");
	json_object_set_new(a, "naf_code", json_string("1071c"));
	json_object_set_new(a, "payment", json_pack("{s:s, s:s, s:s, s:b}", "mode", "sepa", "iban",
	                                            "FR76 3000 6000 0112 3456 7890 189",
	                                            "account_holder", "Boulangerie Martin",
	                                            "mandate_consent", 1));
	json_object_set_new(a, "establishments", json_pack(
		"[{s:s, s:s, s:{s:s, s:s, s:s}, s:i}, {s:s, s:{s:s, s:s, s:s}, s:i}]",
		"siret", "73282932000108", "name", "Boutique Croix-Rousse", "address", "line",
		"2 rue B", "postcode", "69004", "city", "Lyon", "headcount", 3,
		"siret", "73282932000116", "address", "line", "3 rue C", "postcode", "69005", "city",
		"Lyon", "headcount", 2));
	json_t *r = call(NULL, "POST", "/api/v1/demo/membership/applications", a, &status);
	assert_int_equal(status, 201);
	assert_string_equal(json_string_value(json_object_get(r, "status")), "applied");
	W.company_a = json_integer_value(json_object_get(r, "id"));
	assert_non_null(strstr(json_string_value(json_object_get(r, "reference")), "D2026-"));
	json_decref(r);

	/* the same SIRET again, and a site SIRET already held by A */
	r = call(NULL, "POST", "/api/v1/demo/membership/applications",
	         application("73282932000074", "Autre", "x@y.test"), &status);
	assert_int_equal(status, 422);
	expect_fields(r, (const char *const[]){"siret", NULL});
	json_decref(r);
	r = call(NULL, "POST", "/api/v1/demo/membership/applications",
	         application("73282932000108", "Autre", "x@y.test"), &status);
	assert_int_equal(status, 422);
	expect_fields(r, (const char *const[]){"siret", NULL});
	json_decref(r);

	r = call(NULL, "POST", "/api/v1/demo/membership/applications",
	         application("44306184100047", "Garage Durand", "dominique@durand.test"), &status);
	assert_int_equal(status, 201);
	W.company_b = json_integer_value(json_object_get(r, "id"));
	json_decref(r);
	r = call(NULL, "POST", "/api/v1/demo/membership/applications",
	         application("55210055400013", "Société Refusée", "refus@example.test"), &status);
	assert_int_equal(status, 201);
	W.company_c = json_integer_value(json_object_get(r, "id"));
	json_decref(r);
}

static void test_review_and_approval(void **state)
{
	char *desk = login("accueil@demo.test"), *iprp = login("iprp@demo.test");
	int status = 0;
	char path[200];
	(void)state;

	/* the desk lists pending applications; IPRP may see companies, not decide */
	json_t *r = call(desk, "GET", "/api/v1/demo/membership/applications?limit=2", NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 2);
	assert_non_null(json_object_get(r, "next_cursor"));
	json_decref(r);
	r = call(iprp, "GET", "/api/v1/demo/membership/applications", NULL, &status);
	assert_int_equal(status, 403);
	json_decref(r);
	r = call(iprp, "GET", "/api/v1/demo/membership/companies?q=martin", NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	json_decref(r);
	r = call(iprp, "GET", "/api/v1/demo/membership/companies?q=443%20061", NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	json_decref(r);
	snprintf(path, sizeof(path), "/api/v1/demo/membership/companies/%lld/approve",
	         (long long)W.company_a);
	r = call(iprp, "POST", path, json_object(), &status);
	assert_int_equal(status, 403);
	json_decref(r);

	/* managing a company's users is not for any staff member */
	snprintf(path, sizeof(path), "/api/v1/demo/membership/companies/%lld/users",
	         (long long)W.company_a);
	r = call(iprp, "POST", path, json_pack("{s:s, s:s, s:[s]}", "email", "z@z.test", "name", "Z",
	                                       "roles", "facturation"), &status);
	assert_int_equal(status, 403);
	json_decref(r);

	/* the detail: normalized identifiers, the IBAN only masked */
	snprintf(path, sizeof(path), "/api/v1/demo/membership/companies/%lld",
	         (long long)W.company_a);
	r = call(desk, "GET", path, NULL, &status);
	assert_int_equal(status, 200);
	assert_string_equal(json_string_value(json_object_get(r, "siret")), "73282932000074");
	assert_string_equal(json_string_value(json_object_get(r, "siren")), "732829320");
	assert_string_equal(json_string_value(json_object_get(r, "naf_code")), "10.71C");
	assert_int_equal(json_array_size(json_object_get(r, "establishments")), 2);
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "payment"),
	                                                      "iban_masked")),
	                    "FR76 **** **** **** **** ***0 189");
	char *text = json_dumps(r, 0);
	assert_null(strstr(text, "3000600001"));
	free(text);
	json_decref(r);

	/* approve: member number, status, and the invitation mail */
	snprintf(path, sizeof(path), "/api/v1/demo/membership/companies/%lld/approve",
	         (long long)W.company_a);
	r = call(desk, "POST", path, json_object(), &status);
	assert_int_equal(status, 200);
	assert_string_equal(json_string_value(json_object_get(r, "member_number")), "A202600001");
	assert_string_equal(json_string_value(json_object_get(r, "status")), "member");
	assert_string_equal(json_string_value(json_object_get(r, "joined_on")), "2026-03-02");
	json_decref(r);
	r = call(desk, "POST", path, json_object(), &status);
	assert_int_equal(status, 409);
	json_decref(r);
	assert_true(outbox_token("camille@martin.test", W.token_a));
	/* The link's last day (14 days), written as the mail's other dates. */
	char until[20];

	assert_true(test_outbox_after(W.d.dir, "demo", "camille@martin.test", "valable jusqu'au ",
	                              until, 19));
	assert_string_equal(until, "16 mars 2026 (14 jo");
	confirmation_mailed("camille@martin.test", "A202600001");

	/* B joins on a chosen date: the next number of the year */
	snprintf(path, sizeof(path), "/api/v1/demo/membership/companies/%lld/approve",
	         (long long)W.company_b);
	r = call(desk, "POST", path, json_pack("{s:s}", "joined_on", "2026-02-28"), &status);
	assert_int_equal(status, 200);
	assert_string_equal(json_string_value(json_object_get(r, "member_number")), "A202600002");
	json_decref(r);

	/* reject C: the reason is required */
	snprintf(path, sizeof(path), "/api/v1/demo/membership/companies/%lld/reject",
	         (long long)W.company_c);
	r = call(desk, "POST", path, json_object(), &status);
	assert_int_equal(status, 422);
	expect_fields(r, (const char *const[]){"reason", NULL});
	json_decref(r);
	r = call(desk, "POST", path, json_pack("{s:s}", "reason", "Entreprise hors du secteur "
	                                                           "géographique du service."),
	         &status);
	assert_int_equal(status, 200);
	assert_string_equal(json_string_value(json_object_get(r, "status")), "rejected");
	assert_non_null(json_string_value(json_object_get(r, "rejection_reason")));
	json_decref(r);
	/* The applicant receives the decision and its reason (issue 15). */
	char reason_seen[16];

	assert_true(test_outbox_after(W.d.dir, "demo", "refus@example.test", "Entreprise hors du ",
	                              reason_seen, 7));
	assert_string_equal(reason_seen, "secteur");
	/* a member cannot be rejected */
	snprintf(path, sizeof(path), "/api/v1/demo/membership/companies/%lld/reject",
	         (long long)W.company_a);
	r = call(desk, "POST", path, json_pack("{s:s}", "reason", "trop tard"), &status);
	assert_int_equal(status, 409);
	json_decref(r);
	/* unknown company */
	r = call(desk, "POST", "/api/v1/demo/membership/companies/999999/approve", json_object(),
	         &status);
	assert_int_equal(status, 404);
	json_decref(r);
	free(desk);
	free(iprp);
}

static void test_invitation_and_employer_access(void **state)
{
	int status = 0;
	char path[200];
	(void)state;

	/* before accepting, the account has no password */
	free(login_with("demo", "camille@martin.test", EMPLOYER_PASSWORD, 401));
	json_t *r = call(NULL, "POST", "/api/v1/demo/membership/invitations/accept",
	                 json_pack("{s:s, s:s}", "token", W.token_a, "password", "court"), &status);
	assert_int_equal(status, 422);
	expect_fields(r, (const char *const[]){"password", NULL});
	json_decref(r);
	r = call(NULL, "POST", "/api/v1/demo/membership/invitations/accept",
	         json_pack("{s:s, s:s}", "token",
	                   "0000000000000000000000000000000000000000000000000000000000000000",
	                   "password", EMPLOYER_PASSWORD), &status);
	assert_int_equal(status, 422);
	expect_fields(r, (const char *const[]){"token", NULL});
	json_decref(r);
	r = call(NULL, "POST", "/api/v1/demo/membership/invitations/accept",
	         json_pack("{s:s, s:s}", "token", W.token_a, "password", EMPLOYER_PASSWORD),
	         &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_integer_value(json_object_get(r, "company_id")), W.company_a);
	json_decref(r);
	r = call(NULL, "POST", "/api/v1/demo/membership/invitations/accept",
	         json_pack("{s:s, s:s}", "token", W.token_a, "password", EMPLOYER_PASSWORD),
	         &status);
	assert_int_equal(status, 410);
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "error"), "code")),
	                    "invitation_used");
	json_decref(r);

	char *emp = login_with("demo", "camille@martin.test", EMPLOYER_PASSWORD, 200);
	r = call(emp, "GET", "/api/v1/demo/membership/my/companies", NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	json_t *mine = json_array_get(json_object_get(r, "items"), 0);
	assert_int_equal(json_integer_value(json_object_get(mine, "id")), W.company_a);
	assert_int_equal(json_array_size(json_object_get(mine, "roles")), 4);
	json_decref(r);
	snprintf(path, sizeof(path), "/api/v1/demo/membership/companies/%lld",
	         (long long)W.company_a);
	r = call(emp, "GET", path, NULL, &status);
	assert_int_equal(status, 200);
	json_decref(r);
	/* another company's data, the staff lists and decisions: refused */
	snprintf(path, sizeof(path), "/api/v1/demo/membership/companies/%lld",
	         (long long)W.company_b);
	r = call(emp, "GET", path, NULL, &status);
	assert_int_equal(status, 403);
	json_decref(r);
	snprintf(path, sizeof(path), "/api/v1/demo/membership/companies/%lld/users",
	         (long long)W.company_b);
	r = call(emp, "GET", path, NULL, &status);
	assert_int_equal(status, 403);
	json_decref(r);
	r = call(emp, "GET", "/api/v1/demo/membership/companies", NULL, &status);
	assert_int_equal(status, 403);
	json_decref(r);
	r = call(emp, "GET", "/api/v1/demo/membership/applications", NULL, &status);
	assert_int_equal(status, 403);
	json_decref(r);
	free(emp);
}

static void test_employer_roles(void **state)
{
	char *emp = login_with("demo", "camille@martin.test", EMPLOYER_PASSWORD, 200);
	int status = 0;
	char path[200], token[65];
	(void)state;

	snprintf(path, sizeof(path), "/api/v1/demo/membership/companies/%lld/users",
	         (long long)W.company_a);
	/* bad roles, a staff account's address */
	json_t *r = call(emp, "POST", path, json_pack("{s:s, s:s, s:[s]}", "email", "paie@martin.test",
	                                              "name", "Alex Paie", "roles", "patron"),
	                 &status);
	assert_int_equal(status, 422);
	expect_fields(r, (const char *const[]){"roles", NULL});
	json_decref(r);
	r = call(emp, "POST", path, json_pack("{s:s, s:s, s:[s]}", "email", "iprp@demo.test", "name",
	                                      "Intrus", "roles", "facturation"), &status);
	assert_int_equal(status, 422);
	expect_fields(r, (const char *const[]){"email", NULL});
	json_decref(r);

	r = call(emp, "POST", path, json_pack("{s:s, s:s, s:[s]}", "email", "paie@martin.test",
	                                      "name", "Alex Paie", "roles", "facturation"), &status);
	assert_int_equal(status, 201);
	json_int_t paie = json_integer_value(json_object_get(r, "user_id"));
	assert_true(json_is_true(json_object_get(r, "invitation_pending")));
	json_decref(r);
	r = call(emp, "POST", path, json_pack("{s:s, s:s, s:[s]}", "email", "paie@martin.test",
	                                      "name", "Alex Paie", "roles", "facturation"), &status);
	assert_int_equal(status, 409);
	json_decref(r);

	assert_true(outbox_token("paie@martin.test", token));
	r = call(NULL, "POST", "/api/v1/demo/membership/invitations/accept",
	         json_pack("{s:s, s:s}", "token", token, "password", EMPLOYER_PASSWORD), &status);
	assert_int_equal(status, 200);
	json_decref(r);
	char *paie_auth = login_with("demo", "paie@martin.test", EMPLOYER_PASSWORD, 200);

	/* billing only: may read the company, not manage its users */
	r = call(paie_auth, "GET", path, NULL, &status);
	assert_int_equal(status, 403);
	json_decref(r);

	char upath[240];
	snprintf(upath, sizeof(upath), "%s/%lld", path, (long long)paie);
	r = call(emp, "PATCH", upath, json_pack("{s:[s, s]}", "roles", "facturation", "declaration"),
	         &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_array_size(json_object_get(r, "roles")), 2);
	json_decref(r);

	/* the last administrator can neither lose the role nor be removed */
	r = call(emp, "GET", "/api/v1/demo/auth/me", NULL, &status);
	json_int_t me = json_integer_value(json_object_get(json_object_get(r, "user"), "id"));
	if (me == 0)
		me = json_integer_value(json_object_get(r, "id"));
	json_decref(r);
	assert_true(me > 0);
	char mpath[240];
	snprintf(mpath, sizeof(mpath), "%s/%lld", path, (long long)me);
	r = call(emp, "PATCH", mpath, json_pack("{s:[s]}", "roles", "declaration"), &status);
	assert_int_equal(status, 409);
	json_decref(r);
	r = call(emp, "DELETE", mpath, NULL, &status);
	assert_int_equal(status, 409);
	json_decref(r);

	r = call(emp, "DELETE", upath, NULL, &status);
	assert_int_equal(status, 200);
	json_decref(r);
	r = call(emp, "GET", path, NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	json_decref(r);
	/* removed: the company is no longer reachable for that account */
	snprintf(path, sizeof(path), "/api/v1/demo/membership/companies/%lld",
	         (long long)W.company_a);
	r = call(paie_auth, "GET", path, NULL, &status);
	assert_int_equal(status, 403);
	json_decref(r);
	free(paie_auth);
	free(emp);
}

static void test_satisfaction(void **state)
{
	char *emp = login_with("demo", "camille@martin.test", EMPLOYER_PASSWORD, 200);
	char *admin = login("admin@demo.test"), token[65], path[200];
	int status = 0;
	(void)state;

	snprintf(path, sizeof(path), "/api/v1/demo/membership/companies/%lld/satisfaction",
	         (long long)W.company_a);
	json_t *r = call(emp, "POST", path, json_pack("{s:i, s:i}", "interface", 6, "information", 3),
	                 &status);
	assert_int_equal(status, 422);
	expect_fields(r, (const char *const[]){"interface", NULL});
	json_decref(r);
	r = call(admin, "POST", path, json_pack("{s:i, s:i}", "interface", 5, "information", 5),
	         &status);
	assert_int_equal(status, 403);
	json_decref(r);
	r = call(emp, "POST", path, json_pack("{s:i, s:i, s:s}", "interface", 5, "information", 3,
	                                      "comment", "Formulaire clair."), &status);
	assert_int_equal(status, 201);
	json_decref(r);
	r = call(emp, "POST", path, json_pack("{s:i, s:i}", "interface", 5, "information", 3),
	         &status);
	assert_int_equal(status, 409);
	json_decref(r);

	/* B's administrator answers too */
	assert_true(outbox_token("dominique@durand.test", token));
	r = call(NULL, "POST", "/api/v1/demo/membership/invitations/accept",
	         json_pack("{s:s, s:s}", "token", token, "password", EMPLOYER_PASSWORD), &status);
	assert_int_equal(status, 200);
	json_decref(r);
	char *emp_b = login_with("demo", "dominique@durand.test", EMPLOYER_PASSWORD, 200);
	r = call(emp_b, "POST", path, json_pack("{s:i, s:i}", "interface", 4, "information", 4),
	         &status);
	assert_int_equal(status, 403); /* not B's company */
	json_decref(r);
	snprintf(path, sizeof(path), "/api/v1/demo/membership/companies/%lld/satisfaction",
	         (long long)W.company_b);
	r = call(emp_b, "POST", path, json_pack("{s:i, s:i}", "interface", 4, "information", 4),
	         &status);
	assert_int_equal(status, 201);
	json_decref(r);

	r = call(admin, "GET", "/api/v1/demo/membership/indicators/satisfaction", NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_integer_value(json_object_get(r, "answers")), 2);
	json_t *ui = json_object_get(json_object_get(r, "interface"), "result");
	json_t *info = json_object_get(json_object_get(r, "information"), "result");
	assert_true(json_real_value(json_object_get(ui, "average")) == 4.5);
	assert_true(json_real_value(json_object_get(ui, "satisfaction_rate")) == 100.0);
	assert_true(json_real_value(json_object_get(info, "average")) == 3.5);
	assert_true(json_real_value(json_object_get(info, "satisfaction_rate")) == 50.0);
	json_decref(r);
	r = call(admin, "GET", "/api/v1/demo/membership/indicators/satisfaction?from=2026-04-01",
	         NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_integer_value(json_object_get(r, "answers")), 0);
	json_decref(r);
	r = call(admin, "GET", "/api/v1/demo/membership/indicators/satisfaction?from=2026-13-01",
	         NULL, &status);
	assert_int_equal(status, 422);
	json_decref(r);
	r = call(emp, "GET", "/api/v1/demo/membership/indicators/satisfaction", NULL, &status);
	assert_int_equal(status, 403);
	json_decref(r);

	/* B's administrator invites the address of A's: that existing account
	 * reaches B only once its owner accepts (it used to at once). */
	snprintf(path, sizeof(path), "/api/v1/demo/membership/companies/%lld/users",
	         (long long)W.company_b);
	r = call(emp_b, "POST", path, json_pack("{s:s, s:s, s:[s]}", "email", "camille@martin.test",
	                                        "name", "Camille Martin", "roles", "declaration"),
	         &status);
	assert_int_equal(status, 201);
	assert_true(json_is_true(json_object_get(r, "invitation_pending")));
	json_decref(r);
	snprintf(path, sizeof(path), "/api/v1/demo/membership/companies/%lld", (long long)W.company_b);
	r = call(emp, "GET", path, NULL, &status);
	assert_int_equal(status, 403);
	json_decref(r);
	r = call(emp, "GET", "/api/v1/demo/membership/my/companies", NULL, &status);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	json_decref(r);
	assert_true(outbox_token_about("camille@martin.test", "Garage Durand", token));
	r = call(NULL, "POST", "/api/v1/demo/membership/invitations/accept",
	         json_pack("{s:s, s:s}", "token", token, "password", EMPLOYER_PASSWORD), &status);
	assert_int_equal(status, 200);
	json_decref(r);
	free(emp);
	emp = login_with("demo", "camille@martin.test", EMPLOYER_PASSWORD, 200);
	r = call(emp, "GET", path, NULL, &status);
	assert_int_equal(status, 200);
	json_decref(r);
	free(emp_b);
	free(emp);
	free(admin);
}

/* The instance of the "adhesion" parcours of @p company, once it reached
 * @p want (status or step); NULL after a bounded wait. */
static json_t *parcours_instance(const char *auth, json_int_t company, const char *key,
                                 const char *want)
{
	char path[200];
	int status = 0;

	snprintf(path, sizeof(path),
	         "/api/v1/demo/parcours/instances?parcours=adhesion&subject_id=%lld",
	         (long long)company);
	for (int tries = 0; tries < 100; tries++) {
		json_t *r = call(auth, "GET", path, NULL, &status);
		json_t *it = json_array_get(json_object_get(r, "items"), 0);

		assert_int_equal(status, 200);
		if (it && json_string_value(json_object_get(it, key)) &&
		    strcmp(json_string_value(json_object_get(it, key)), want) == 0) {
			json_incref(it);
			json_decref(r);
			return it;
		}
		json_decref(r);
		usleep(50000);
	}
	return NULL;
}

static void test_parcours_and_leave(void **state)
{
	char *admin = login("admin@demo.test"), path[200];
	int status = 0;
	(void)state;

	json_t *it = parcours_instance(admin, W.company_a, "current_step", "fiche_entreprise");
	assert_non_null(it);
	assert_string_equal(json_string_value(json_object_get(it, "status")), "open");
	json_decref(it);
	it = parcours_instance(admin, W.company_c, "status", "closed");
	assert_non_null(it);
	json_decref(it);

	/* B leaves: not before it joined; then the instance closes */
	snprintf(path, sizeof(path), "/api/v1/demo/membership/companies/%lld/leave",
	         (long long)W.company_b);
	json_t *r = call(admin, "POST", path, json_pack("{s:s}", "left_on", "2026-01-01"), &status);
	assert_int_equal(status, 422);
	expect_fields(r, (const char *const[]){"left_on", NULL});
	json_decref(r);
	r = call(admin, "POST", path, json_pack("{s:s}", "left_on", "2026-12-31"), &status);
	assert_int_equal(status, 200);
	assert_string_equal(json_string_value(json_object_get(r, "status")), "left");
	json_decref(r);
	r = call(admin, "POST", path, json_pack("{s:s}", "left_on", "2026-12-31"), &status);
	assert_int_equal(status, 409);
	json_decref(r);
	it = parcours_instance(admin, W.company_b, "status", "closed");
	assert_non_null(it);
	json_decref(it);

	/* the list filters by status */
	r = call(admin, "GET", "/api/v1/demo/membership/companies?status=member", NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	json_decref(r);
	r = call(admin, "GET", "/api/v1/demo/membership/companies?status=unknown", NULL, &status);
	assert_int_equal(status, 400);
	json_decref(r);
	free(admin);
}

static void test_audit(void **state)
{
	char *admin = login("admin@demo.test");
	int status = 0;
	(void)state;

	static const char *const actions[] = {
		"membership.company.apply", "membership.company.approve", "membership.company.reject",
		"membership.company.leave", "membership.invitation.accept",
		"membership.company.user_add", "membership.company.user_roles",
		"membership.company.user_remove", "membership.company.satisfaction",
		"membership.company.access"};
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		char path[200];

		snprintf(path, sizeof(path), "/api/v1/demo/audit?action=%s", actions[i]);
		json_t *r = call(admin, "GET", path, NULL, &status);
		assert_int_equal(status, 200);
		if (json_array_size(json_object_get(r, "items")) == 0)
			fprintf(stderr, "no audit entry for %s\n", actions[i]);
		assert_true(json_array_size(json_object_get(r, "items")) > 0);
		json_decref(r);
	}
	free(admin);
}

static void test_throttle(void **state)
{
	const char *headers[] = {"Content-Type: application/json", NULL};
	struct hc_response res;
	int last = 0;
	(void)state;

	/* 20 submissions an hour from one address, whatever their outcome */
	for (int i = 0; i < 25 && last != 429; i++) {
		memset(&res, 0, sizeof(res));
		assert_int_equal(hc_request(W.s.port, "POST", "/api/v1/est/membership/applications",
		                            headers, "{}", 2, &res), 0);
		last = res.status;
		if (last == 429) {
			assert_true(i >= 20);
			assert_non_null(hc_header(&res, "Retry-After"));
		} else {
			assert_int_equal(last, 422);
		}
		hc_response_free(&res);
	}
	assert_int_equal(last, 429);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_public_form),
		cmocka_unit_test(test_application_refusals),
		cmocka_unit_test(test_application_and_duplicates),
		cmocka_unit_test(test_review_and_approval),
		cmocka_unit_test(test_invitation_and_employer_access),
		cmocka_unit_test(test_employer_roles),
		cmocka_unit_test(test_satisfaction),
		cmocka_unit_test(test_parcours_and_leave),
		cmocka_unit_test(test_audit),
		cmocka_unit_test(test_throttle),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
