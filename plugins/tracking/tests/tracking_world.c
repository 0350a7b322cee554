/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Shared helpers of the tracking end-to-end tests (tracking_world.h). */
#include <ctype.h>
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "core_world.h"
#include "fsutil.h"
#include "outbox.h"
#include "http_client.h"
#include "tracking_world.h"

struct test_deploy D;
struct test_server S;

void user_add_to(const char *service, const char *email, const char *role, const char *password,
                 const char *extra)
{
	char cmd[2048], *out = NULL;

	snprintf(cmd, sizeof(cmd),
	         "printf '%%s\\n' '%s' | " SOCLE_BINARY_DIR "/socle user add --config %s --service %s"
	         " --email %s --role %s %s",
	         password, D.config_path, service, email, role, extra ? extra : "");
	if (fs_run(cmd, &out) != 0)
		fail_msg("socle user add %s : %s", email, out ? out : "");
	free(out);
}

void user_disable(const char *email)
{
	char cmd[1024], *out = NULL;

	snprintf(cmd, sizeof(cmd), SOCLE_BINARY_DIR "/socle user disable --config %s --service svc"
	         " --email %s", D.config_path, email);
	if (fs_run(cmd, &out) != 0)
		fail_msg("socle user disable %s : %s", email, out ? out : "");
	free(out);
}

void user_add(const char *email, const char *role, const char *password, const char *extra)
{
	user_add_to("svc", email, role, password, extra);
}

json_t *call(const char *auth, const char *method, const char *path, json_t *body,
                    int *status)
{
	const char *headers[] = {auth, NULL};
	json_t *r = hc_json(S.port, method, path, auth ? headers : NULL, body, status);

	json_decref(body);
	return r;
}

/* call() for its status alone (the body dropped). */
int status_of(const char *auth, const char *method, const char *path, json_t *body)
{
	int status = 0;

	json_decref(call(auth, method, path, body, &status));
	return status;
}

/* call() that checks the status and returns the body. */
json_t *expect(int want, const char *auth, const char *method, const char *path,
                      json_t *body)
{
	int status = 0;
	json_t *r = call(auth, method, path, body, &status);

	if (status != want) {
		char *dump = r ? json_dumps(r, JSON_COMPACT) : NULL;
		fail_msg("%s %s : %d au lieu de %d : %s", method, path, status, want,
		         dump ? dump : "(vide)");
	}
	return r;
}

char *login(const char *email, const char *password)
{
	return login_to("svc", email, password);
}

char *login_to(const char *service, const char *email, const char *password)
{
	char *h = NULL, path[128];

	snprintf(path, sizeof(path), "/api/v1/%s/auth/login", service);
	json_t *r = expect(200, NULL, "POST", path,
	                   json_pack("{s:s, s:s}", "email", email, "password", password));

	assert_true(asprintf(&h, "Authorization: Bearer %s",
	                     json_string_value(json_object_get(r, "token"))) > 0);
	json_decref(r);
	return h;
}

json_t *application(const char *siret, const char *name, const char *email)
{
	return json_pack(
		"{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s}, s:i, s:{s:s, s:s, s:s}, s:[s],"
		" s:{s:b, s:b, s:b, s:b, s:b, s:b}, s:{s:s}}",
		"siret", siret, "legal_name", name, "naf_code", "43.22A", "naf_version", "NAFrev2",
		"address", "line", "3 quai Perrache", "postcode", "69002", "city", "Lyon", "headcount", 4,
		"contact", "name", "Inès Garnier", "email", email, "phone", "04 78 00 00 00",
		"exposures", "bruit", "prevention_answers", "duerp", 1, "duerp_with_workers", 1,
		"action_plan", 1, "action_plan_reviewed", 0, "staff_representation", 0, "onboarding", 1,
		"payment", "mode", "transfer");
}

/* How many mails of the outbox go to @p to, of @p category, containing
 * @p needle (may be NULL). */
int count_mails(const char *to, const char *category, const char *needle)
{
	char *dir = fs_join(D.dir, "outbox/svc"), want_to[256], want_cat[128];
	int n = 0;
	DIR *dh = opendir(dir);

	snprintf(want_to, sizeof(want_to), "To: %s\r\n", to);
	snprintf(want_cat, sizeof(want_cat), "X-Socle-Category: %s\r\n", category);
	for (struct dirent *de; dh && (de = readdir(dh)) != NULL;) {
		if (de->d_name[0] == '.' || !strstr(de->d_name, ".eml"))
			continue;
		char *path = fs_join(dir, de->d_name), buf[32768];
		FILE *f = fopen(path, "r");
		size_t len = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

		if (f)
			fclose(f);
		buf[len] = '\0';
		if (strstr(buf, want_to) && strstr(buf, want_cat) && (!needle || strstr(buf, needle)))
			n++;
		free(path);
	}
	if (dh)
		closedir(dh);
	free(dir);
	return n;
}

/* Wait (the loop thread sends mails) until @p want such mails are there. */
int wait_mails(const char *to, const char *category, const char *needle, int want)
{
	int n = 0;

	for (int tries = 0; tries < 200 && (n = count_mails(to, category, needle)) < want; tries++)
		usleep(50000);
	return n;
}

bool invitation_token(const char *to, char token[65])
{
	return test_outbox_after(D.dir, "svc", to, "invitation.html?token=", token, 64);
}

json_int_t member_company(const char *staff, const char *siret, const char *name,
                                 const char *email, char **employer)
{
	char path[256], token[65];
	json_t *r = expect(201, NULL, "POST", "/api/v1/svc/membership/applications",
	                   application(siret, name, email));
	json_int_t id = json_integer_value(json_object_get(r, "id"));

	json_decref(r);
	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/approve", (long long)id);
	json_decref(expect(200, staff, "POST", path, json_object()));
	assert_true(invitation_token(email, token));
	json_decref(expect(200, NULL, "POST", "/api/v1/svc/membership/invitations/accept",
	                   json_pack("{s:s, s:s}", "token", token, "password", EMPLOYER_PASSWORD)));
	*employer = login(email, EMPLOYER_PASSWORD);
	return id;
}

json_int_t hire(const char *auth, json_int_t company, const char *ref, const char *last,
                const char *first, const char *contract, const char *start)
{
	char path[256];

	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/workers",
	         (long long)company);
	json_t *r = expect(201, auth, "POST", path,
	                   json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "external_ref", ref,
	                             "last_name", last, "first_name", first, "birth_date",
	                             "1985-05-04", "job_title", "Électricien", "contract_type",
	                             contract, "start_date", start));
	json_int_t id = json_integer_value(json_object_get(r, "id"));
	json_decref(r);
	return id;
}

json_int_t worker(const char *staff, json_int_t company, const char *ref, const char *last,
                  const char *first)
{
	return hire(staff, company, ref, last, first, "cdi", "2015-09-01");
}

int world_teardown(void **state)
{
	(void)state;
	int rc = test_server_stop(&S, 10000);

	if (getenv("SOCLE_TEST_KEEP") == NULL) /* kept to read its logs and database */
		test_deploy_remove(&D);
	return rc == 0 ? 0 : -1;
}

void restart_at(const char *clock)
{
	assert_int_equal(test_server_stop(&S, 10000), 0);
	/* The config as written by test_deploy_create (its port included), only
	 * the clock changed: a running server's clock cannot be moved. */
	json_t *cfg = json_load_file(D.config_path, 0, NULL);

	assert_non_null(cfg);
	json_object_set_new(cfg, "clock", json_string(clock));
	char *text = json_dumps(cfg, JSON_INDENT(2));
	json_decref(cfg);
	assert_non_null(text);
	assert_int_equal(test_deploy_write(&D, "socle.json", text), 0);
	free(text);
	assert_int_equal(test_server_start_deploy(&S, &D), 0);
}

long long db_count(const char *fmt, ...)
{
	char *path = fs_join(D.dir, "svc.db"), sql[2048];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long n = -1;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	else
		fprintf(stderr, "db_count : %s : %s\n", sql, db ? sqlite3_errmsg(db) : "?");
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(path);
	return n;
}

void db_exec(const char *sql)
{
	char *path = fs_join(D.dir, "svc.db");
	sqlite3 *db = NULL;
	int rc = sqlite3_open(path, &db);

	if (rc == SQLITE_OK)
		sqlite3_busy_timeout(db, 5000);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		fprintf(stderr, "db_exec : %s : %s\n", sql, db ? sqlite3_errmsg(db) : "?");
	sqlite3_close(db);
	free(path);
	assert_int_equal(rc, SQLITE_OK);
}

json_int_t id_of(const json_t *r)
{
	return json_integer_value(json_object_get(r, "id"));
}

json_t *get(const char *auth, const char *fmt, ...)
{
	char path[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return expect(200, auth, "GET", path, NULL);
}

extern const struct socle_plugin_desc socle_plugin_entry_tracking;

socle_core *core_world_open(const char *dir, const char *config)
{
	static const struct socle_plugin_desc *const statics[] = {&socle_plugin_entry_tracking,
	                                                           NULL};

	return test_core_open(dir, config, statics);
}

json_t *world_config(const char *clock)
{
	return json_pack("{s:[s], s:s, s:[{s:s, s:s, s:s, s:{s:{s:f}, s:{s:s, s:[i, i]}}}]}",
	                 "plugin_dirs", TRACKING_PLUGIN_DIR, "clock", clock, "services", "id", "svc",
	                 "name", "SPSTI du Rhône", "database", "svc.db", "plugins", "membership",
	                 "fee_per_worker", 105.0, "tracking", "service_email", "suivi@svc.test",
	                 "reminders_days", 7, 1);
}

/* ---- the sentences people read (explanations_check) ---- */

/* "2025-03-10" anywhere in @p s. */
static bool has_iso_date(const char *s)
{
	for (; *s; s++) {
		const unsigned char *u = (const unsigned char *)s;
		bool iso = true;

		for (int i = 0; iso && i < 10; i++)
			iso = i == 4 || i == 7 ? u[i] == '-' : isdigit(u[i]) != 0;
		if (iso)
			return true;
	}
	return false;
}

/* An article of a code (a capital L, R or D, four digits, "-", a digit:
 * R4624-10, L4624-2-2, D1226-8-1) or a décret ("décret 2025-355"). */
static bool cites_article(const char *s)
{
	for (const char *p = s; *p; p++) {
		const unsigned char *u = (const unsigned char *)p;

		if ((*p == 'L' || *p == 'R' || *p == 'D') && (p == s || !isalnum(u[-1])) &&
		    isdigit(u[1]) && isdigit(u[2]) && isdigit(u[3]) && isdigit(u[4]) && u[5] == '-' &&
		    isdigit(u[6]))
			return true;
	}
	const char *d = strstr(s, "décret ");
	return d && isdigit((unsigned char)d[strlen("décret ")]);
}

static int sentence_check(const char *what, const char *s, bool needs_article, char *why,
                          size_t size)
{
	const char *fault = NULL;

	if (s == NULL || *s == '\0')
		fault = "phrase absente";
	else if (has_iso_date(s))
		fault = "date écrite AAAA-MM-JJ";
	else if (strchr(s, '_') != NULL)
		fault = "code interne";
	else if (strstr(s, "à vérifier") != NULL)
		fault = "« à vérifier » montré aux personnes";
	else if (needs_article && !cites_article(s))
		fault = "aucun article dans la phrase";
	if (fault == NULL)
		return 0;
	snprintf(why, size, "%s : %s : « %s »", what, fault, s ? s : "");
	return -1;
}

int explanations_check(const char *rule, const json_t *answer, char *why, size_t size)
{
	int n = 0;
	size_t i, j;
	const json_t *x, *b;
	char what[64];

#define CHECK(label, text, article)                                                    \
	do {                                                                                \
		if (sentence_check(label, text, article, why, size) != 0)                      \
			return -1;                                                              \
		n++;                                                                        \
	} while (0)

	if (strcmp(rule, "next_visits") == 0) {
		json_array_foreach(json_object_get(answer, "visits"), i, x) {
			snprintf(what, sizeof(what), "visits[%zu].explanation", i);
			CHECK(what, json_string_value(json_object_get(x, "explanation")), true);
			json_array_foreach(json_object_get(x, "basis"), j, b) {
				snprintf(what, sizeof(what), "visits[%zu].basis[%zu]", i, j);
				if (strstr(json_string_value(b), "vérifier") != NULL) {
					snprintf(why, size, "%s : « à vérifier » dans la base : « %s »",
					         what, json_string_value(b));
					return -1;
				}
			}
		}
		json_array_foreach(json_object_get(answer, "notes"), i, x) {
			snprintf(what, sizeof(what), "notes[%zu]", i);
			CHECK(what, json_string_value(x), false);
		}
	} else if (strcmp(rule, "leave_obligations") == 0) {
		json_array_foreach(json_object_get(answer, "obligations"), i, x) {
			snprintf(what, sizeof(what), "obligations[%zu].explanation", i);
			CHECK(what, json_string_value(json_object_get(x, "explanation")), true);
		}
	} else if (strcmp(rule, "visit_request_allowed") == 0) {
		CHECK("reason", json_string_value(json_object_get(answer, "reason")), true);
	} else {
		snprintf(why, size, "règle inconnue : %s", rule);
		return -1;
	}
#undef CHECK
	return n;
}
