/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Authentication and access: passwords, tokens, throttling, sessions with a
 * frozen clock, capabilities (medical data for health professionals only),
 * record-level checks, the append-only hash-chained audit log, the CSRF rule,
 * and end to end through a real server: login, bad password, throttling,
 * expired session, logout, CSRF, bearer clients, and 401/403 in GET /audit. */
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit.h"
#include "auth.h"
#include "clock.h"
#include "core.h"
#include "fsutil.h"
#include "http.h"
#include "http_client.h"
#include "outbox.h"

#define T0 1741597200000LL /* 2025-03-10T09:00:00Z */
#define MIN_MS (60 * 1000LL)
#define PASSWORD "correct horse battery staple"

static struct {
	char *dir;
	socle_core *core;
	socle_service *svc;
	int port;
	int64_t admin, medecin, infirmier, iprp, employer, employee, operator_;
} W;

/* ------------------------------------------------------------ fixtures */

struct mk_user {
	const char *email;
	int role;
	const char *password;
	int64_t id;
};

static int mk_user_tx(socle_db *wdb, void *ud, socle_err *err)
{
	struct mk_user *u = ud;

	u->id = socle_user_create(wdb, u->email, u->email, u->role, u->password, err);
	return u->id < 0 ? (int)u->id : 0;
}

static int64_t mk_user(const char *email, int role)
{
	struct mk_user u = {email, role, PASSWORD, 0};
	socle_err err = SOCLE_ERR_INIT;
	int rc = socle_service_write(W.svc, mk_user_tx, &u, &err);

	if (rc != 0)
		fail_msg("user %s: %s", email, err.msg);
	return u.id;
}

struct bind_args {
	int64_t user;
	const char *kind;
	int64_t ref;
};

static int bind_tx(socle_db *wdb, void *ud, socle_err *err)
{
	struct bind_args *b = ud;

	return socle_user_bind(wdb, b->user, b->kind, b->ref, err);
}

static int setup(void **state)
{
	(void)state;
	struct diag d = {0};
	socle_err err = SOCLE_ERR_INIT;

	W.dir = fs_tempdir("auth");
	fs_write(W.dir, "scripts/local.lua", "-- nothing of the service's own\n");
	fs_write(W.dir, "socle.json",
	         "{\"listen\": \"127.0.0.1\", \"port\": 0, \"access_log\": \"access.log\","
	         " \"services\": [{\"id\": \"demo\", \"name\": \"Démo\","
	         " \"database\": \"demo.db\", \"scripts\": \"scripts\"}]}");
	char *path = fs_join(W.dir, "socle.json");
	int rc = core_open(path, NULL, &d, &W.core);

	free(path);
	if (rc != 0) {
		diag_print(&d);
		diag_fini(&d);
		return -1;
	}
	diag_fini(&d);
	clock_freeze(T0);
	W.svc = socle_core_service(W.core, "demo");
	W.admin = mk_user("Admin@Example.org", SOCLE_ROLE_SERVICE_ADMIN);
	W.medecin = mk_user("medecin@example.org", SOCLE_ROLE_MEDECIN);
	W.infirmier = mk_user("infirmier@example.org", SOCLE_ROLE_INFIRMIER);
	W.iprp = mk_user("iprp@example.org", SOCLE_ROLE_IPRP);
	W.employer = mk_user("rh@entreprise.fr", SOCLE_ROLE_EMPLOYER);
	W.employee = mk_user("salarie@entreprise.fr", SOCLE_ROLE_EMPLOYEE);
	W.operator_ = mk_user("ops@example.org", SOCLE_ROLE_OPERATOR);

	struct bind_args b1 = {W.employer, "company", 7}, b2 = {W.employee, "worker", 3};

	if (socle_service_write(W.svc, bind_tx, &b1, &err) != 0 ||
	    socle_service_write(W.svc, bind_tx, &b2, &err) != 0) {
		fprintf(stderr, "bind: %s\n", err.msg);
		return -1;
	}
	if (core_start_serving(W.core, &err) != 0) {
		fprintf(stderr, "serve: %s\n", err.msg);
		return -1;
	}
	W.port = http_server_port(W.core);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	core_close(W.core);
	clock_thaw();
	fs_rmtree(W.dir);
	free(W.dir);
	return 0;
}

/* Count audit rows matching action and outcome (and a detail substring). */
static int64_t audit_count(const char *action, const char *outcome, const char *detail_like)
{
	socle_err err = SOCLE_ERR_INIT;
	socle_db *db = socle_service_reader(W.svc, &err);
	json_t *params = json_pack("{s:s, s:s, s:s}", "action", action, "outcome", outcome, "like",
	                           detail_like ? detail_like : "%");
	json_t *row = socle_db_query_one(db,
	                                 "SELECT count(*) AS n FROM core_audit WHERE action = :action"
	                                 " AND outcome = :outcome AND coalesce(detail, '') LIKE :like",
	                                 params, &err);
	int64_t n = row ? json_integer_value(json_object_get(row, "n")) : -1;

	json_decref(params);
	json_decref(row);
	return n;
}

static socle_principal *principal(int64_t user_id)
{
	socle_err err = SOCLE_ERR_INIT;
	socle_principal *p = NULL;
	socle_db *db = socle_service_reader(W.svc, &err);

	assert_int_equal(auth_user_load(db, user_id, &p, NULL, &err), 0);
	return p;
}

/* A request as the router would hand it, without a connection. */
static void fake_req(socle_req *r, socle_principal *who, const char *method)
{
	memset(r, 0, sizeof(*r));
	r->core = W.core;
	r->service = W.svc;
	r->method = strcmp(method, "GET") == 0 ? SOCLE_GET : SOCLE_POST;
	r->method_name = (char *)method;
	r->path = (char *)"/api/v1/demo/test";
	snprintf(r->request_id, sizeof(r->request_id), "unit-test");
	snprintf(r->client_ip, sizeof(r->client_ip), "10.1.2.3");
	r->principal = who;
}

/* ------------------------------------------------------------ passwords */

static void test_password_policy_and_hash(void **state)
{
	(void)state;
	socle_err err = SOCLE_ERR_INIT;
	char hash[AUTH_PWHASH_LEN];

	assert_int_equal(auth_password_policy("court", &err), SOCLE_E_INVAL);
	assert_non_null(strstr(err.msg, "12 caractères"));
	assert_int_equal(auth_password_policy("onze-carac.", NULL), SOCLE_E_INVAL); /* 11 */
	assert_int_equal(auth_password_policy("douze-carac.", NULL), 0);           /* 12 */
	/* Characters, not bytes: 11 accented letters are 22 bytes but too short. */
	assert_int_equal(auth_password_policy("ééééééééééé", NULL), SOCLE_E_INVAL);
	assert_int_equal(auth_password_policy("éééééééééééé", NULL), 0);
	assert_int_equal(auth_password_policy("\xff\xfe invalid utf-8 bytes", NULL), SOCLE_E_INVAL);

	assert_int_equal(auth_password_hash("short", hash, &err), SOCLE_E_INVAL);
	assert_int_equal(auth_password_hash(PASSWORD, hash, &err), 0);
	/* Argon2id at OWASP's minimum cost: 19 MiB, 2 passes, 1 lane. */
	assert_non_null(strstr(hash, "$argon2id$v=19$m=19456,t=2,p=1$"));
	assert_int_equal(auth_password_verify(hash, PASSWORD), 0);
	assert_int_equal(auth_password_verify(hash, PASSWORD "!"), SOCLE_E_AUTH);
	assert_int_equal(auth_password_verify(hash, ""), SOCLE_E_AUTH);
	assert_int_equal(auth_password_verify(NULL, PASSWORD), SOCLE_E_AUTH);
	assert_false(auth_password_needs_rehash(hash));
	assert_true(auth_password_needs_rehash("$argon2id$v=19$m=4096,t=1,p=1$c2FsdHNhbHQ$aGFzaA"));
	assert_true(auth_password_concurrency() >= 1);

	char again[AUTH_PWHASH_LEN];

	assert_int_equal(auth_password_hash(PASSWORD, again, &err), 0);
	assert_string_not_equal(hash, again); /* salted */
}

static void test_tokens(void **state)
{
	(void)state;
	char a[AUTH_TOKEN_CHARS + 1], b[AUTH_TOKEN_CHARS + 1], hex[AUTH_TOKEN_HASH_HEX + 1];

	auth_token_new(a);
	auth_token_new(b);
	assert_int_equal(strlen(a), AUTH_TOKEN_CHARS);
	assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
	                 AUTH_TOKEN_CHARS);
	assert_string_not_equal(a, b);
	auth_token_hash_hex(a, hex);
	assert_int_equal(strlen(hex), 64);
	/* SHA-256("abc") */
	auth_token_hash_hex("abc", hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_header_parsers(void **state)
{
	(void)state;
	char v[64];

	assert_true(auth_cookie_value("socle_session=abc", "socle_session", v, sizeof(v)));
	assert_string_equal(v, "abc");
	assert_true(auth_cookie_value("a=1; socle_session=tok-_9 ;b=2", "socle_session", v, sizeof(v)));
	assert_string_equal(v, "tok-_9");
	assert_true(auth_cookie_value("socle_session=\"q\"", "socle_session", v, sizeof(v)));
	assert_string_equal(v, "q");
	assert_true(auth_cookie_value("socle_session=first; socle_session=second", "socle_session", v,
	                              sizeof(v)));
	assert_string_equal(v, "first");
	assert_false(auth_cookie_value("xsocle_session=abc", "socle_session", v, sizeof(v)));
	assert_false(auth_cookie_value("socle_sessionx=abc", "socle_session", v, sizeof(v)));
	assert_false(auth_cookie_value("socle_session", "socle_session", v, sizeof(v)));
	assert_false(auth_cookie_value("", "socle_session", v, sizeof(v)));
	assert_false(auth_cookie_value(";;;", "socle_session", v, sizeof(v)));
	assert_false(auth_cookie_value("socle_session=0123456789", "socle_session", v, 8)); /* too long */

	assert_true(auth_bearer_value("Bearer abc", v, sizeof(v)));
	assert_string_equal(v, "abc");
	assert_true(auth_bearer_value("bearer   abc  ", v, sizeof(v)));
	assert_string_equal(v, "abc");
	assert_false(auth_bearer_value("Bearerabc", v, sizeof(v)));
	assert_false(auth_bearer_value("Bearer ", v, sizeof(v)));
	assert_false(auth_bearer_value("Basic YTpi", v, sizeof(v)));
	assert_false(auth_bearer_value("Bear", v, sizeof(v)));
}

/* ------------------------------------------------------------ throttling */

/* Issue 11 item 6: five wrong passwords typed from one address lock the
 * account for that address only; the real user signs in from his; many
 * addresses guessing together lock the account everywhere, ten times later. */
static void test_throttle_lockout_not_a_weapon(void **state)
{
	(void)state;
	struct auth_service a;
	struct auth_settings s;
	const char *which = NULL;

	memset(&a, 0, sizeof(a));
	auth_settings_default(&s);
	a.settings = s;
	assert_int_equal(auth_throttle_init(&a.throttle_account, &s.account), 0);
	assert_int_equal(auth_throttle_init(&a.throttle_account_any, &s.account_any), 0);
	assert_int_equal(auth_throttle_init(&a.throttle_address, &s.address), 0);

	for (int i = 0; i < 5; i++)
		auth_login_fail(&a, "medecin@x.fr", "203.0.113.9", 1000 + i);
	assert_true(auth_login_blocked(&a, "medecin@x.fr", "203.0.113.9", 2000, &which) > 0);
	assert_string_equal(which, "account");
	/* The médecin, from the service's network. */
	assert_int_equal(auth_login_blocked(&a, "medecin@x.fr", "192.0.2.10", 2000, NULL), 0);

	/* Ten addresses, five failures each: the account closes everywhere. */
	for (int ip = 0; ip < 10; ip++) {
		char addr[32];

		snprintf(addr, sizeof(addr), "198.51.100.%d", ip);
		for (int i = 0; i < 5; i++)
			auth_login_fail(&a, "infirmier@x.fr", addr, 5000 + ip * 10 + i);
	}
	assert_true(auth_login_blocked(&a, "infirmier@x.fr", "192.0.2.10", 6000, NULL) > 0);
	/* A success from the real user's address clears the account's counts. */
	auth_login_clear(&a, "medecin@x.fr", "192.0.2.10");
	assert_int_equal(auth_login_blocked(&a, "medecin@x.fr", "192.0.2.10", 2000, NULL), 0);
	auth_throttle_fini(&a.throttle_account);
	auth_throttle_fini(&a.throttle_account_any);
	auth_throttle_fini(&a.throttle_address);
}

static void test_throttle_growing_lock(void **state)
{
	(void)state;
	struct auth_throttle t;
	struct auth_throttle_policy pol = {
		.max_failures = 3, .window_ms = 10000, .lock_ms = 1000, .max_lock_ms = 3000,
		.forget_ms = 60000, .max_entries = 4,
	};

	assert_int_equal(auth_throttle_init(&t, &pol), 0);
	assert_int_equal(auth_throttle_fail(&t, "a@x.fr", 0), 0);
	assert_int_equal(auth_throttle_fail(&t, "a@x.fr", 10), 0);
	assert_int_equal(auth_throttle_blocked(&t, "a@x.fr", 20), 0);
	assert_int_equal(auth_throttle_fail(&t, "a@x.fr", 20), 1000); /* third: locked 1 s */
	assert_int_equal(auth_throttle_blocked(&t, "a@x.fr", 520), 500);
	assert_int_equal(auth_throttle_blocked(&t, "b@x.fr", 520), 0); /* keys are separate */
	assert_int_equal(auth_throttle_blocked(&t, "a@x.fr", 1020), 0);
	/* The next lock doubles, then is capped. */
	auth_throttle_fail(&t, "a@x.fr", 1100);
	auth_throttle_fail(&t, "a@x.fr", 1200);
	assert_int_equal(auth_throttle_fail(&t, "a@x.fr", 1300), 2000);
	auth_throttle_fail(&t, "a@x.fr", 3400);
	auth_throttle_fail(&t, "a@x.fr", 3500);
	assert_int_equal(auth_throttle_fail(&t, "a@x.fr", 3600), 3000);
	/* Success forgets the key. */
	auth_throttle_clear(&t, "a@x.fr");
	assert_int_equal(auth_throttle_blocked(&t, "a@x.fr", 3700), 0);
	/* Failures spread wider than the window never lock. */
	for (int i = 0; i < 10; i++)
		assert_int_equal(auth_throttle_fail(&t, "slow@x.fr", 100000 + i * 6000LL), 0);
	/* Bounded memory: stale entries make room for new keys. */
	for (int i = 0; i < 20; i++) {
		char key[32];

		snprintf(key, sizeof(key), "k%d", i);
		auth_throttle_fail(&t, key, 1000000 + i * 20000LL);
	}
	assert_true(auth_throttle_count(&t) <= 4);
	auth_throttle_fini(&t);
}

/* ------------------------------------------------------------ sessions */

struct mk_session {
	int64_t user;
	struct auth_new_session s;
};

static int mk_session_tx(socle_db *wdb, void *ud, socle_err *err)
{
	struct mk_session *m = ud;

	return auth_session_create(wdb, m->user, &m->s, err);
}

static void new_session(int64_t user, struct auth_new_session *out)
{
	struct mk_session m = {.user = user};
	socle_err err = SOCLE_ERR_INIT;

	assert_int_equal(socle_service_write(W.svc, mk_session_tx, &m, &err), 0);
	*out = m.s;
}

static int resolve(const char *token, const char **reason)
{
	socle_principal *p = NULL;
	int rc = auth_session_resolve(W.svc, token, &p, reason, NULL);

	auth_principal_unref(p);
	return rc;
}

static int64_t session_last_seen(int64_t id)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *params = json_pack("{s:I}", "id", (json_int_t)id);
	json_t *row = socle_db_query_one(socle_service_reader(W.svc, &err),
	                                 "SELECT last_seen_at FROM core_session WHERE id = :id",
	                                 params, &err);
	int64_t v = row ? json_integer_value(json_object_get(row, "last_seen_at")) : -1;

	json_decref(params);
	json_decref(row);
	return v;
}

static void test_session_idle_timeout(void **state)
{
	(void)state;
	struct auth_new_session s;
	const char *why = NULL;
	socle_principal *p = NULL;

	clock_freeze(T0);
	new_session(W.iprp, &s);
	assert_int_equal(strlen(s.token), AUTH_TOKEN_CHARS);
	assert_int_equal(s.expires_at_ms, T0 + 12 * 60 * MIN_MS);
	assert_int_equal(auth_session_resolve(W.svc, s.token, &p, &why, NULL), 0);
	assert_int_equal(p->user_id, W.iprp);
	assert_int_equal(p->role, SOCLE_ROLE_IPRP);
	assert_string_equal(p->csrf_token, s.csrf_token);
	auth_principal_unref(p);

	/* Cached reads write nothing until a minute has passed. */
	clock_advance(30 * 1000);
	assert_int_equal(resolve(s.token, NULL), 0);
	assert_int_equal(session_last_seen(s.id), T0);
	clock_advance(31 * 1000);
	assert_int_equal(resolve(s.token, NULL), 0);
	assert_int_equal(session_last_seen(s.id), T0 + 61 * 1000);

	/* Used every 29 minutes, the session stays open... */
	for (int i = 0; i < 4; i++) {
		clock_advance(29 * MIN_MS);
		assert_int_equal(resolve(s.token, &why), 0);
	}
	/* ...idle for 30 minutes, it is over. */
	clock_advance(30 * MIN_MS);
	assert_int_equal(resolve(s.token, &why), SOCLE_E_AUTH);
	assert_string_equal(why, "idle");
	assert_int_equal(resolve(s.token, &why), SOCLE_E_AUTH);

	/* Junk and unknown tokens. */
	assert_int_equal(resolve("not-a-token", &why), SOCLE_E_AUTH);
	assert_string_equal(why, "unknown");
	char other[AUTH_TOKEN_CHARS + 1];

	auth_token_new(other);
	assert_int_equal(resolve(other, &why), SOCLE_E_AUTH);
	assert_string_equal(why, "unknown");
}

static void test_session_absolute_timeout(void **state)
{
	(void)state;
	struct auth_new_session s;
	const char *why = NULL;

	clock_freeze(T0);
	new_session(W.iprp, &s);
	for (int i = 0; i < 35; i++) { /* 35 x 20 min = 11 h 40 */
		clock_advance(20 * MIN_MS);
		assert_int_equal(resolve(s.token, &why), 0);
	}
	clock_advance(20 * MIN_MS); /* 12 h: over, however active */
	assert_int_equal(resolve(s.token, &why), SOCLE_E_AUTH);
	assert_string_equal(why, "expired");
	clock_freeze(T0);
}

static int disable_tx(socle_db *wdb, void *ud, socle_err *err)
{
	return auth_user_disable(wdb, *(int64_t *)ud, err);
}

static void test_session_revoked_when_user_disabled(void **state)
{
	(void)state;
	struct auth_new_session s;
	const char *why = NULL;
	socle_err err = SOCLE_ERR_INIT;
	int64_t victim = mk_user("bientot.parti@example.org", SOCLE_ROLE_IPRP);

	clock_freeze(T0);
	new_session(victim, &s);
	assert_int_equal(resolve(s.token, &why), 0);
	assert_true(auth_session_cached(W.svc) >= 1);
	assert_int_equal(socle_service_write(W.svc, disable_tx, &victim, &err), 0);
	/* At once, without waiting for the revalidation period. */
	assert_int_equal(resolve(s.token, &why), SOCLE_E_AUTH);
	assert_string_equal(why, "revoked");
	assert_int_equal(auth_user_find(socle_service_reader(W.svc, &err), "BIENTOT.parti@example.org"),
	                 victim);
	assert_int_equal(auth_user_find(socle_service_reader(W.svc, &err), "personne@example.org"), 0);
	assert_int_equal(audit_count("user.disable", "ok", NULL), 1);
}

/* Threads resolving one session while another revokes and re-creates cache
 * entries: no crash, no leak, no use after free (ASan), every answer 0 or 401. */
struct hammer {
	const char *token;
	int bad;
};

static void *hammer_run(void *ud)
{
	struct hammer *h = ud;

	for (int i = 0; i < 2000; i++) {
		socle_principal *p = NULL;
		int rc = auth_session_resolve(W.svc, h->token, &p, NULL, NULL);

		if ((rc == 0) != (p != NULL) || (rc != 0 && rc != SOCLE_E_AUTH))
			h->bad++;
		if (p != NULL && p->user_id != W.iprp)
			h->bad++;
		auth_principal_unref(p);
	}
	return NULL;
}

static void test_session_cache_concurrency(void **state)
{
	(void)state;
	struct auth_new_session s;
	pthread_t th[3];
	struct hammer h[3];

	clock_freeze(T0);
	new_session(W.iprp, &s);
	for (int i = 0; i < 3; i++) {
		h[i] = (struct hammer){s.token, 0};
		assert_int_equal(pthread_create(&th[i], NULL, hammer_run, &h[i]), 0);
	}
	unsigned char hash[AUTH_TOKEN_HASH_BYTES];

	auth_token_hash(s.token, hash);
	for (int i = 0; i < 300; i++) {
		if (i % 2)
			auth_session_drop(W.svc, hash);
		else
			auth_session_forget_user(W.svc, W.iprp);
	}
	for (int i = 0; i < 3; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(h[i].bad, 0);
	}
	/* The session was never revoked: it still resolves. */
	assert_int_equal(resolve(s.token, NULL), 0);
}

static void test_user_create_rules(void **state)
{
	(void)state;
	struct mk_user u = {"admin@EXAMPLE.org", SOCLE_ROLE_IPRP, NULL, 0};
	socle_err err = SOCLE_ERR_INIT;

	/* Emails are unique whatever their case. */
	assert_int_equal(socle_service_write(W.svc, mk_user_tx, &u, &err), SOCLE_E_EXISTS);
	u = (struct mk_user){"nouveau@example.org", SOCLE_ROLE_IPRP, "trop court", 0};
	assert_int_equal(socle_service_write(W.svc, mk_user_tx, &u, &err), SOCLE_E_INVAL);
	assert_non_null(strstr(err.msg, "12"));
	u = (struct mk_user){"pas une adresse", SOCLE_ROLE_IPRP, NULL, 0};
	assert_int_equal(socle_service_write(W.svc, mk_user_tx, &u, &err), SOCLE_E_INVAL);
	u = (struct mk_user){"role@example.org", 42, NULL, 0};
	assert_int_equal(socle_service_write(W.svc, mk_user_tx, &u, &err), SOCLE_E_INVAL);
	/* A user without password exists but cannot log in until one is set. */
	u = (struct mk_user){"sans.mdp@example.org", SOCLE_ROLE_IPRP, NULL, 0};
	assert_int_equal(socle_service_write(W.svc, mk_user_tx, &u, &err), 0);
	assert_true(u.id > 0);
	assert_string_equal(socle_role_name(SOCLE_ROLE_MEDECIN), "medecin");
	assert_int_equal(socle_role_parse("infirmier"), SOCLE_ROLE_INFIRMIER);
	assert_int_equal(socle_role_parse("root"), 0);
}

/* ------------------------------------------------------------ capabilities */

static void test_capabilities_medical_only_for_health(void **state)
{
	(void)state;
	static const struct {
		int role;
		bool medical, audit, staff;
	} want[] = {
		{SOCLE_ROLE_OPERATOR, false, false, false},
		{SOCLE_ROLE_SERVICE_ADMIN, false, true, true},
		{SOCLE_ROLE_MEDECIN, true, false, true},
		{SOCLE_ROLE_INFIRMIER, true, false, true},
		{SOCLE_ROLE_IPRP, false, false, true},
		{SOCLE_ROLE_ASSISTANT_SOCIAL, false, false, true},
		{SOCLE_ROLE_ASSISTANT_MEDICAL, false, false, true},
		{SOCLE_ROLE_EMPLOYER, false, false, false},
		{SOCLE_ROLE_EMPLOYEE, false, false, false},
	};

	for (size_t i = 0; i < SOCLE_COUNT(want); i++) {
		socle_principal *p = auth_principal_new(W.core, 1, want[i].role, "x@y.fr", "X");

		assert_non_null(p);
		assert_int_equal(socle_principal_can(p, SOCLE_CAP_MEDICAL_READ), want[i].medical);
		assert_int_equal(socle_principal_can(p, SOCLE_CAP_MEDICAL_WRITE), want[i].medical);
		assert_int_equal(socle_principal_can(p, SOCLE_CAP_AUDIT_READ), want[i].audit);
		assert_int_equal(socle_principal_can(p, SOCLE_CAP_USERS_MANAGE), want[i].audit);
		assert_int_equal(socle_principal_can(p, SOCLE_CAP_STAFF), want[i].staff);
		assert_true(socle_principal_can(p, SOCLE_CAP_AUTHENTICATED));
		assert_true(socle_principal_can(p, SOCLE_CAP_PUBLIC));
		assert_false(socle_principal_can(p, "no.such.capability"));
		auth_principal_unref(p);
	}
	assert_false(socle_principal_can(NULL, SOCLE_CAP_AUTHENTICATED));

	/* Plugins: init() only, never medical.* beyond health professionals,
	 * never widening a core capability. */
	static const struct socle_plugin_desc desc = {.name = "fx_caps"};
	socle_plugin plug = {.core = W.core, .desc = &desc};
	socle_err err = SOCLE_ERR_INIT;
	enum socle_phase saved = W.core->phase;

	assert_int_equal(socle_plugin_add_capability(&plug, "fx.read", SOCLE_ROLES_STAFF, &err),
	                 SOCLE_E_PHASE);
	W.core->phase = PHASE_INIT;
	assert_int_equal(socle_plugin_add_capability(&plug, "medical.notes",
	                                             SOCLE_ROLE_BIT(SOCLE_ROLE_IPRP), &err),
	                 SOCLE_E_FORBIDDEN);
	assert_int_equal(socle_plugin_add_capability(&plug, SOCLE_CAP_MEDICAL_READ,
	                                             SOCLE_ROLE_BIT(SOCLE_ROLE_ASSISTANT_MEDICAL), &err),
	                 SOCLE_E_FORBIDDEN);
	assert_int_equal(socle_plugin_add_capability(&plug, SOCLE_CAP_STAFF,
	                                             SOCLE_ROLE_BIT(SOCLE_ROLE_EMPLOYER), &err),
	                 SOCLE_E_FORBIDDEN);
	assert_int_equal(socle_plugin_add_capability(&plug, "Bad Name", SOCLE_ROLES_STAFF, &err),
	                 SOCLE_E_INVAL);
	assert_int_equal(socle_plugin_add_capability(&plug, "fx.read", 1u << 20, &err),
	                 SOCLE_E_INVAL);
	assert_int_equal(socle_plugin_add_capability(&plug, "medical.notes", SOCLE_ROLES_HEALTH, &err),
	                 0);
	assert_int_equal(socle_plugin_add_capability(&plug, "fx.read",
	                                             SOCLE_ROLE_BIT(SOCLE_ROLE_EMPLOYER), &err),
	                 0);
	W.core->phase = saved;

	socle_principal *rh = auth_principal_new(W.core, 1, SOCLE_ROLE_EMPLOYER, "rh@x.fr", "RH");
	socle_principal *doc = auth_principal_new(W.core, 2, SOCLE_ROLE_MEDECIN, "doc@x.fr", "Doc");

	assert_true(socle_principal_can(rh, "fx.read"));
	assert_false(socle_principal_can(doc, "fx.read"));
	assert_true(socle_principal_can(doc, "medical.notes"));
	assert_false(socle_principal_can(rh, "medical.notes"));
	json_t *caps = auth_principal_capabilities(doc);
	bool has_notes = false;
	size_t i;
	json_t *v;

	json_array_foreach(caps, i, v) has_notes = has_notes || strcmp(json_string_value(v),
	                                                               "medical.notes") == 0;
	assert_true(has_notes);
	json_decref(caps);
	/* Even a record slipped into the registry past the checks (a bug, a
	 * config reader gone wrong) does not open medical data to other roles. */
	struct reg_capability sneaky = {.owner = &plug, .name = (char *)SOCLE_CAP_MEDICAL_READ,
	                                .roles = SOCLE_ROLE_BIT(SOCLE_ROLE_EMPLOYER)};

	assert_int_equal(registry_add_capability(&W.core->reg, &sneaky), 0);
	assert_true(registry_capability_roles(&W.core->reg, SOCLE_CAP_MEDICAL_READ) &
	            SOCLE_ROLE_BIT(SOCLE_ROLE_EMPLOYER));
	assert_false(socle_principal_can(rh, SOCLE_CAP_MEDICAL_READ));
	auth_principal_unref(rh);
	auth_principal_unref(doc);
	registry_revoke(&W.core->reg, &plug);
	assert_int_equal(registry_capability_roles(&W.core->reg, SOCLE_CAP_MEDICAL_READ),
	                 SOCLE_ROLES_HEALTH);
}

/* ------------------------------------------------------------ authorize / CSRF */

static void test_csrf_rule(void **state)
{
	(void)state;
	socle_principal *p = auth_principal_new(NULL, 1, SOCLE_ROLE_IPRP, "a@b.fr", "A");

	snprintf(p->csrf_token, sizeof(p->csrf_token), "%s", "Zm9vYmFy-csrf-token");
	assert_true(auth_csrf_ok(p, true, true, NULL));                    /* GET */
	assert_true(auth_csrf_ok(p, false, false, NULL));                  /* bearer */
	assert_false(auth_csrf_ok(p, true, false, NULL));                  /* missing */
	assert_false(auth_csrf_ok(p, true, false, "Zm9vYmFy-csrf-tokem")); /* wrong */
	assert_false(auth_csrf_ok(p, true, false, "Zm9vYmFy-csrf"));       /* prefix */
	assert_true(auth_csrf_ok(p, true, false, "Zm9vYmFy-csrf-token"));
	auth_principal_unref(p);
}

static void test_authorize_refusals_audited(void **state)
{
	(void)state;
	socle_req r;
	socle_err err = SOCLE_ERR_INIT;
	int64_t denied401 = audit_count("access.denied", "denied", "%\"status\":401%");
	int64_t denied403 = audit_count("access.denied", "denied", "%\"status\":403%");
	int64_t csrf = audit_count("access.denied", "denied", "%\"reason\":\"csrf\"%");

	fake_req(&r, NULL, "GET");
	assert_int_equal(auth_authorize(&r, SOCLE_CAP_PUBLIC, &err), 0);
	assert_int_equal(auth_authorize(&r, SOCLE_CAP_AUTHENTICATED, &err), SOCLE_E_AUTH);
	assert_int_equal(audit_count("access.denied", "denied", "%\"status\":401%"), denied401 + 1);

	socle_principal *iprp = principal(W.iprp);

	fake_req(&r, iprp, "GET");
	r.cookie_auth = true;
	assert_int_equal(auth_authorize(&r, SOCLE_CAP_STAFF, &err), 0);
	assert_int_equal(auth_authorize(&r, SOCLE_CAP_MEDICAL_READ, &err), SOCLE_E_FORBIDDEN);
	assert_int_equal(audit_count("access.denied", "denied", "%\"status\":403%"), denied403 + 1);

	/* Cookie-authenticated write without the CSRF header: refused. */
	fake_req(&r, iprp, "POST");
	r.cookie_auth = true;
	assert_int_equal(auth_authorize(&r, SOCLE_CAP_STAFF, &err), SOCLE_E_FORBIDDEN);
	assert_int_equal(audit_count("access.denied", "denied", "%\"reason\":\"csrf\"%"), csrf + 1);
	/* The same write with a bearer token needs no CSRF header. */
	r.cookie_auth = false;
	assert_int_equal(auth_authorize(&r, SOCLE_CAP_STAFF, &err), 0);

	/* The audit row names who, from where, and the request. */
	json_t *row = socle_db_query_one(socle_service_reader(W.svc, &err),
	                                 "SELECT user_id, role, ip, request_id FROM core_audit"
	                                 " WHERE action = 'access.denied' ORDER BY id DESC LIMIT 1",
	                                 NULL, &err);

	assert_non_null(row);
	assert_int_equal(json_integer_value(json_object_get(row, "user_id")), W.iprp);
	assert_int_equal(json_integer_value(json_object_get(row, "role")), SOCLE_ROLE_IPRP);
	assert_string_equal(json_string_value(json_object_get(row, "ip")), "10.1.2.3");
	assert_string_equal(json_string_value(json_object_get(row, "request_id")), "unit-test");
	json_decref(row);
	r.principal = NULL;
	auth_principal_unref(iprp);
}

static void test_record_level_access(void **state)
{
	(void)state;
	socle_req r;
	socle_err err = SOCLE_ERR_INIT;
	socle_principal *rh = principal(W.employer);
	socle_principal *sal = principal(W.employee);
	socle_principal *iprp = principal(W.iprp);
	socle_principal *doc = principal(W.medecin);
	socle_principal *inf = principal(W.infirmier);
	socle_principal *admin = principal(W.admin);
	int64_t company_denied = audit_count("access.company", "denied", NULL);

	assert_true(socle_principal_has_scope(rh, "company", 7));
	assert_false(socle_principal_has_scope(rh, "company", 8));
	assert_false(socle_principal_has_scope(rh, "worker", 7));

	fake_req(&r, rh, "GET");
	assert_int_equal(socle_access_company(&r, 7, &err), 0);
	assert_int_equal(socle_access_company(&r, 8, &err), SOCLE_E_FORBIDDEN);
	assert_int_equal(audit_count("access.company", "denied", NULL), company_denied + 1);
	assert_int_equal(socle_access_worker(&r, 99, 7, &err), 0);
	assert_int_equal(socle_access_worker(&r, 99, 8, &err), SOCLE_E_FORBIDDEN);
	assert_int_equal(socle_access_medical(&r, 99, "dmst.read", &err), SOCLE_E_FORBIDDEN);

	fake_req(&r, sal, "GET");
	assert_int_equal(socle_access_worker(&r, 3, 7, &err), 0);
	assert_int_equal(socle_access_worker(&r, 4, 7, &err), SOCLE_E_FORBIDDEN);
	assert_int_equal(socle_access_company(&r, 7, &err), SOCLE_E_FORBIDDEN);
	assert_int_equal(socle_access_medical(&r, 3, "dmst.read", &err), SOCLE_E_FORBIDDEN);

	fake_req(&r, iprp, "GET");
	assert_int_equal(socle_access_company(&r, 8, &err), 0);
	assert_int_equal(socle_access_worker(&r, 4, 8, &err), 0);
	int64_t med_denied = audit_count("dmst.read", "denied", NULL);

	assert_int_equal(socle_access_medical(&r, 4, "dmst.read", &err), SOCLE_E_FORBIDDEN);
	assert_int_equal(audit_count("dmst.read", "denied", NULL), med_denied + 1);
	fake_req(&r, admin, "GET");
	assert_int_equal(socle_access_medical(&r, 4, "dmst.read", &err), SOCLE_E_FORBIDDEN);

	/* Health professionals: allowed, and the access is in the log when we return. */
	int64_t med_ok = audit_count("dmst.read", "ok", NULL);

	fake_req(&r, doc, "GET");
	assert_int_equal(socle_access_medical(&r, 4, "dmst.read", &err), 0);
	assert_int_equal(audit_count("dmst.read", "ok", NULL), med_ok + 1);
	fake_req(&r, inf, "POST");
	assert_int_equal(socle_access_medical(&r, 4, "dmst.write", &err), 0);
	assert_int_equal(audit_count("dmst.write", "ok", NULL), 1);

	fake_req(&r, NULL, "GET");
	assert_int_equal(socle_access_company(&r, 7, &err), SOCLE_E_AUTH);
	assert_int_equal(socle_access_medical(&r, 4, "dmst.read", &err), SOCLE_E_AUTH);

	auth_principal_unref(rh);
	auth_principal_unref(sal);
	auth_principal_unref(iprp);
	auth_principal_unref(doc);
	auth_principal_unref(inf);
	auth_principal_unref(admin);
}

/* ------------------------------------------------------------ audit log */

static int audit_some_tx(socle_db *wdb, void *ud, socle_err *err)
{
	(void)ud;
	json_t *detail = json_pack("{s:s, s:i}", "note", "unit", "n", 3);
	struct socle_audit_entry e = {"company.approve", "company", 12, "ok", detail};
	int rc = socle_audit(wdb, NULL, &e, err);

	json_decref(detail);
	if (rc < 0)
		return rc;
	struct socle_audit_entry bad = {"Not An Action", NULL, 0, "ok", NULL};

	if (socle_audit(wdb, NULL, &bad, NULL) != SOCLE_E_INVAL)
		return SOCLE_E_INTERNAL;
	struct socle_audit_entry bad2 = {"x.y", NULL, 0, "maybe", NULL};

	if (socle_audit(wdb, NULL, &bad2, NULL) != SOCLE_E_INVAL)
		return SOCLE_E_INTERNAL;
	return 0;
}

static int exec_tx(socle_db *wdb, void *ud, socle_err *err)
{
	return socle_db_exec(wdb, ud, err);
}

static void test_audit_append_only_and_chain(void **state)
{
	(void)state;
	socle_err err = SOCLE_ERR_INIT;

	assert_int_equal(socle_service_write(W.svc, audit_some_tx, NULL, &err), 0);
	int64_t n = audit_verify_chain(socle_service_reader(W.svc, &err), &err);

	assert_true(n >= 1);
	assert_int_equal(audit_count("company.approve", "ok", "%\"note\":\"unit\"%"), 1);

	/* The triggers refuse changes. */
	assert_true(socle_service_write(W.svc, exec_tx,
	                                (void *)"UPDATE core_audit SET outcome = 'ok' WHERE id = 1", &err) < 0);
	assert_non_null(strstr(err.msg, "append-only"));
	assert_true(socle_service_write(W.svc, exec_tx, (void *)"DELETE FROM core_audit WHERE id = 1",
	                                &err) < 0);
	assert_int_equal(audit_verify_chain(socle_service_reader(W.svc, &err), &err), n);

	/* Someone with file access drops the trigger and edits a row: the chain
	 * tells. (Last test touching the log: the chain stays broken.) */
	assert_int_equal(socle_service_write(W.svc, exec_tx,
	                                     (void *)"DROP TRIGGER core_audit_no_update;"
	                                     " UPDATE core_audit SET outcome = 'ok'"
	                                     " WHERE id = (SELECT min(id) FROM core_audit"
	                                     " WHERE outcome = 'denied')",
	                                     &err),
	                 0);
	err = (socle_err)SOCLE_ERR_INIT;
	assert_int_equal(audit_verify_chain(socle_service_reader(W.svc, &err), &err),
	                 SOCLE_E_CONFLICT);
	assert_non_null(strstr(err.msg, "modifiée"));
}

/* ------------------------------------------------------------ end to end */

static int http(const char *method, const char *path, const char *const *headers,
                const char *body, struct hc_response *out)
{
	char full[256];
	const char *h[8] = {0};
	size_t n = 0;

	snprintf(full, sizeof(full), "/api/v1/demo%s", path);
	if (body != NULL)
		h[n++] = "Content-Type: application/json";
	for (size_t i = 0; headers != NULL && headers[i] != NULL && n < 7; i++)
		h[n++] = headers[i];
	memset(out, 0, sizeof(*out));
	if (hc_request(W.port, method, full, h, body, body ? strlen(body) : 0, out) != 0)
		fail_msg("%s %s: no response", method, path);
	return out->status;
}

struct login {
	char token[128];
	char csrf[128];
	char cookie[192];   /* "Cookie: socle_session=..." */
	char bearer[192];   /* "Authorization: Bearer ..." */
	char csrf_hdr[192]; /* "X-CSRF-Token: ..." */
};

static int login(const char *email, const char *password, struct login *out,
                 struct hc_response *resp_out)
{
	char body[512];
	struct hc_response r;

	snprintf(body, sizeof(body), "{\"email\": \"%s\", \"password\": \"%s\"}", email, password);
	int status = http("POST", "/auth/login", NULL, body, &r);

	if (status == 200 && out != NULL) {
		json_t *j = hc_body_json(&r);

		assert_non_null(j);
		snprintf(out->token, sizeof(out->token), "%s",
		         json_string_value(json_object_get(j, "token")));
		snprintf(out->csrf, sizeof(out->csrf), "%s",
		         json_string_value(json_object_get(j, "csrf_token")));
		snprintf(out->cookie, sizeof(out->cookie), "Cookie: other=1; %s=%s", AUTH_COOKIE_NAME,
		         out->token);
		snprintf(out->bearer, sizeof(out->bearer), "Authorization: Bearer %s", out->token);
		snprintf(out->csrf_hdr, sizeof(out->csrf_hdr), "X-CSRF-Token: %s", out->csrf);
		json_decref(j);
	}
	if (resp_out != NULL)
		*resp_out = r;
	else
		hc_response_free(&r);
	return status;
}

static const char *error_code(const struct hc_response *r, char *buf, size_t size)
{
	json_t *j = hc_body_json(r);

	snprintf(buf, size, "%s",
	         j ? json_string_value(json_object_get(json_object_get(j, "error"), "code")) : "");
	json_decref(j);
	return buf;
}

static void test_http_login_me_logout(void **state)
{
	(void)state;
	struct login l;
	struct hc_response r;
	char code[64];

	clock_freeze(T0);
	assert_int_equal(login("ADMIN@example.org", PASSWORD, &l, &r), 200);
	const char *cookie = hc_header(&r, "Set-Cookie");

	assert_non_null(cookie);
	assert_non_null(strstr(cookie, "socle_session="));
	assert_non_null(strstr(cookie, l.token));
	assert_non_null(strstr(cookie, "HttpOnly"));
	assert_non_null(strstr(cookie, "SameSite=Strict"));
	assert_non_null(strstr(cookie, "Path=/api/v1/demo/"));
	assert_null(strstr(cookie, "Secure"));
	json_t *j = hc_body_json(&r);

	assert_int_equal(strlen(l.token), AUTH_TOKEN_CHARS);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "user"), "email")),
	                    "admin@example.org");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "user"), "role")),
	                    "service_admin");
	assert_string_equal(json_string_value(json_object_get(j, "expires_at")),
	                    "2025-03-10T21:00:00.000Z");
	json_decref(j);
	hc_response_free(&r);

	/* me, by cookie and by bearer */
	const char *by_cookie[] = {l.cookie, NULL};
	const char *by_bearer[] = {l.bearer, NULL};

	assert_int_equal(http("GET", "/auth/me", by_cookie, NULL, &r), 200);
	j = hc_body_json(&r);
	assert_string_equal(json_string_value(json_object_get(j, "role")), "service_admin");
	assert_string_equal(json_string_value(json_object_get(j, "csrf_token")), l.csrf);
	assert_true(json_array_size(json_object_get(j, "capabilities")) >= 3);
	json_decref(j);
	hc_response_free(&r);
	assert_int_equal(http("GET", "/auth/me", by_bearer, NULL, &r), 200);
	hc_response_free(&r);

	/* Logout by cookie: CSRF header required. */
	assert_int_equal(http("POST", "/auth/logout", by_cookie, "{}", &r), 403);
	hc_response_free(&r);
	const char *bad_csrf[] = {l.cookie, "X-CSRF-Token: nope", NULL};

	assert_int_equal(http("POST", "/auth/logout", bad_csrf, "{}", &r), 403);
	hc_response_free(&r);
	const char *with_csrf[] = {l.cookie, l.csrf_hdr, NULL};

	assert_int_equal(http("POST", "/auth/logout", with_csrf, "{}", &r), 200);
	assert_non_null(strstr(hc_header(&r, "Set-Cookie"), "Max-Age=0"));
	hc_response_free(&r);
	/* Revoked at once, by either way of presenting the token. */
	assert_int_equal(http("GET", "/auth/me", by_bearer, NULL, &r), 401);
	assert_string_equal(error_code(&r, code, sizeof(code)), "unauthenticated");
	hc_response_free(&r);
	assert_int_equal(http("GET", "/auth/me", by_cookie, NULL, &r), 401);
	hc_response_free(&r);

	/* Bearer clients write without a CSRF header. */
	struct login b;

	assert_int_equal(login("iprp@example.org", PASSWORD, &b, NULL), 200);
	const char *bearer_only[] = {b.bearer, NULL};

	assert_int_equal(http("POST", "/auth/logout", bearer_only, "{}", &r), 200);
	hc_response_free(&r);
	assert_int_equal(http("GET", "/auth/me", bearer_only, NULL, &r), 401);
	hc_response_free(&r);

	/* A stale cookie does not stand in the way of logging in again. */
	const char *stale[] = {l.cookie, NULL};

	assert_int_equal(http("POST", "/auth/login", stale,
	                      "{\"email\": \"admin@example.org\", \"password\": \"" PASSWORD "\"}", &r),
	                 200);
	hc_response_free(&r);
}

static void test_http_bad_credentials(void **state)
{
	(void)state;
	struct hc_response r, r2;
	char code[64];
	int64_t failed = audit_count("auth.login", "failed", NULL);

	clock_freeze(T0 + 100 * MIN_MS);
	assert_int_equal(login("medecin@example.org", "mauvais mot de passe", NULL, &r), 401);
	assert_string_equal(error_code(&r, code, sizeof(code)), "invalid_credentials");
	/* An unknown email gets the very same answer. */
	assert_int_equal(login("inconnu@example.org", "mauvais mot de passe", NULL, &r2), 401);
	json_t *a = hc_body_json(&r), *b = hc_body_json(&r2);

	assert_string_equal(json_string_value(json_object_get(json_object_get(a, "error"), "message")),
	                    json_string_value(json_object_get(json_object_get(b, "error"), "message")));
	json_decref(a);
	json_decref(b);
	hc_response_free(&r);
	hc_response_free(&r2);
	assert_int_equal(audit_count("auth.login", "failed", NULL), failed + 2);
	assert_int_equal(audit_count("auth.login", "failed", "%unknown_user%") >= 1, 1);

	/* Validation: field errors, nothing hashed. */
	assert_int_equal(http("POST", "/auth/login", NULL, "{\"email\": \"x@y.fr\"}", &r), 422);
	hc_response_free(&r);
	assert_int_equal(http("POST", "/auth/login", NULL,
	                      "{\"email\": \"x@y.fr\", \"password\": \"p\", \"extra\": 1}", &r),
	                 422);
	hc_response_free(&r);
}

static void test_http_throttled(void **state)
{
	(void)state;
	struct hc_response r;
	char code[64];

	clock_freeze(T0 + 200 * MIN_MS);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(login("infirmier@example.org", "pas le bon mot de passe", NULL, NULL),
		                 401);
		clock_advance(1000);
	}
	int64_t throttled = audit_count("auth.login", "denied", "%throttled%");

	/* Locked: even the right password gets 429, with the delay to wait. */
	assert_int_equal(login("infirmier@example.org", PASSWORD, NULL, &r), 429);
	assert_string_equal(error_code(&r, code, sizeof(code)), "throttled");
	const char *retry = hc_header(&r, "Retry-After");

	assert_non_null(retry);
	long secs = strtol(retry, NULL, 10);

	assert_true(secs > 14 * 60 && secs <= 15 * 60);
	hc_response_free(&r);
	assert_int_equal(audit_count("auth.login", "denied", "%throttled%"), throttled + 1);
	/* Another account from the same address is not locked by this one. */
	assert_int_equal(login("medecin@example.org", PASSWORD, NULL, NULL), 200);
	/* After the delay, the account opens again. */
	clock_advance(15 * MIN_MS);
	assert_int_equal(login("infirmier@example.org", PASSWORD, NULL, NULL), 200);
}

/* ------------------------------------------------- the second factor (TOTP) */

/* RFC 4648 base32 (spaces skipped) to bytes; the count. */
static size_t base32_decode(const char *in, unsigned char *out, size_t size)
{
	uint32_t buf = 0;
	int bits = 0;
	size_t n = 0;

	for (; *in; in++) {
		const char *p = strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", *in);

		if (*in == ' ' || p == NULL)
			continue;
		buf = (buf << 5) | (uint32_t)(p - "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
		bits += 5;
		if (bits >= 8 && n < size) {
			out[n++] = (unsigned char)(buf >> (bits - 8));
			bits -= 8;
		}
	}
	return n;
}

static void totp_now(const unsigned char *key, size_t len, int64_t shift_steps, char out[7])
{
	snprintf(out, 7, "%06u",
	         auth_totp_code(key, len, (uint64_t)(socle_now_ms() / 30000 + shift_steps)));
}

static int login_totp(const char *email, const char *totp, struct hc_response *r)
{
	char body[512];

	snprintf(body, sizeof(body), "{\"email\": \"%s\", \"password\": \"%s\", \"totp\": \"%s\"}",
	         email, PASSWORD, totp);
	return http("POST", "/auth/login", NULL, body, r);
}

/* Issue 15 item 6: enrolment, sign-in with the code, no replay, recovery codes,
 * the admin's reset, and the medical gate of a service that requires it. */
static void test_http_totp(void **state)
{
	(void)state;
	struct login l, adm;
	struct hc_response r;
	char code[64], totp[7];
	unsigned char key[32];

	/* RFC 6238 appendix B, SHA-1, 8 digits truncated here to 6: 94287082. */
	assert_int_equal(auth_totp_code((const unsigned char *)"12345678901234567890", 20, 1),
	                 287082);

	clock_freeze(T0 + 600 * MIN_MS);
	assert_int_equal(login("medecin@example.org", PASSWORD, &l, NULL), 200);
	const char *h[] = {l.bearer, l.csrf_hdr, NULL};

	/* The medical gate of a service requiring it: refused until enrolled. */
	W.svc->second_factor_roles = SOCLE_ROLE_BIT(SOCLE_ROLE_MEDECIN);
	socle_principal *doc = principal(W.medecin);
	socle_req fr;
	socle_err err = SOCLE_ERR_INIT;

	fake_req(&fr, doc, "GET");
	assert_int_equal(socle_access_medical(&fr, 4, "dmst.read", &err), SOCLE_E_FORBIDDEN);
	assert_non_null(strstr(err.msg, "double authentification"));

	assert_int_equal(http("POST", "/auth/me/totp", h, "{}", &r), 201);
	json_t *j = hc_body_json(&r);
	size_t klen = base32_decode(json_string_value(json_object_get(j, "secret")), key,
	                            sizeof(key));

	assert_int_equal(klen, 20);
	assert_non_null(strstr(json_string_value(json_object_get(j, "otpauth_uri")),
	                        "otpauth://totp/"));
	json_decref(j);
	hc_response_free(&r);
	/* A wrong code does not turn it on. */
	assert_int_equal(http("POST", "/auth/me/totp/confirm", h, "{\"code\": \"000000\"}", &r),
	                 422);
	hc_response_free(&r);
	assert_int_equal(login("medecin@example.org", PASSWORD, NULL, NULL), 200);
	totp_now(key, klen, 0, totp);
	char body[128];

	snprintf(body, sizeof(body), "{\"code\": \"%s\"}", totp);
	assert_int_equal(http("POST", "/auth/me/totp/confirm", h, body, &r), 200);
	j = hc_body_json(&r);
	json_t *codes = json_object_get(j, "recovery_codes");
	char recovery[16];

	assert_int_equal(json_array_size(codes), 10);
	snprintf(recovery, sizeof(recovery), "%s", json_string_value(json_array_get(codes, 0)));
	json_decref(j);
	hc_response_free(&r);
	err = (socle_err)SOCLE_ERR_INIT;
	assert_int_equal(socle_access_medical(&fr, 4, "dmst.read", &err), 0);

	/* Sign-in: the password alone asks for the code, without opening a session. */
	assert_int_equal(login("medecin@example.org", PASSWORD, NULL, &r), 401);
	assert_string_equal(error_code(&r, code, sizeof(code)), "second_factor_required");
	hc_response_free(&r);
	/* The confirmation's code is spent: not twice, even in its 30 seconds. */
	assert_int_equal(login_totp("medecin@example.org", totp, &r), 422);
	hc_response_free(&r);
	clock_advance(30000);
	totp_now(key, klen, 0, totp);
	assert_int_equal(login_totp("medecin@example.org", totp, &r), 200);
	hc_response_free(&r);
	assert_int_equal(login_totp("medecin@example.org", totp, &r), 422);
	hc_response_free(&r);
	/* A wrong password with a right code tells nothing more. */
	clock_advance(30000);
	totp_now(key, klen, 0, totp);
	snprintf(body, sizeof(body), "{\"email\": \"medecin@example.org\", \"password\": \"non\","
	         " \"totp\": \"%s\"}", totp);
	assert_int_equal(http("POST", "/auth/login", NULL, body, &r), 401);
	assert_string_equal(error_code(&r, code, sizeof(code)), "invalid_credentials");
	hc_response_free(&r);
	/* A recovery code, once (typed in lower case). */
	for (char *c = recovery; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	assert_int_equal(login_totp("medecin@example.org", recovery, &r), 200);
	hc_response_free(&r);
	assert_int_equal(login_totp("medecin@example.org", recovery, &r), 422);
	hc_response_free(&r);
	assert_int_equal(audit_count("auth.totp.enable", "ok", NULL), 1);
	assert_int_equal(audit_count("auth.totp.recovery_used", "ok", NULL), 1);

	/* The phone is lost: the admin resets it; only the admin may. */
	char path[64];

	snprintf(path, sizeof(path), "/auth/users/%lld/totp", (long long)W.medecin);
	clock_advance(60000);
	totp_now(key, klen, 0, totp);
	assert_int_equal(login_totp("medecin@example.org", totp, &r), 200);
	hc_response_free(&r);
	assert_int_equal(login("medecin@example.org", PASSWORD, NULL, NULL), 401);
	assert_int_equal(login("admin@example.org", PASSWORD, &adm, NULL), 200);
	const char *ha[] = {adm.bearer, adm.csrf_hdr, NULL};

	assert_int_equal(http("DELETE", path, h, NULL, &r), 403); /* not his own: the admin */
	hc_response_free(&r);
	assert_int_equal(http("DELETE", path, ha, NULL, &r), 200);
	hc_response_free(&r);
	assert_int_equal(audit_count("auth.totp.reset", "ok", NULL), 1);
	assert_int_equal(login("medecin@example.org", PASSWORD, NULL, NULL), 200);
	err = (socle_err)SOCLE_ERR_INIT;
	assert_int_equal(socle_access_medical(&fr, 4, "dmst.read", &err), SOCLE_E_FORBIDDEN);
	W.svc->second_factor_roles = 0;
	auth_principal_unref(doc);
}

static void test_http_expired_session(void **state)
{
	(void)state;
	struct login l;
	struct hc_response r;

	clock_freeze(T0 + 400 * MIN_MS);
	assert_int_equal(login("iprp@example.org", PASSWORD, &l, NULL), 200);
	const char *h[] = {l.bearer, NULL};

	assert_int_equal(http("GET", "/auth/me", h, NULL, &r), 200);
	hc_response_free(&r);
	clock_advance(31 * MIN_MS);
	int64_t expired = audit_count("auth.session", "denied", "%idle%");

	assert_int_equal(http("GET", "/auth/me", h, NULL, &r), 401);
	hc_response_free(&r);
	assert_int_equal(audit_count("auth.session", "denied", "%idle%"), expired + 1);
}

/* ------------------------------------------------- sign-in by a code sent by mail */

/* The newest code mailed to @p to whose mail contains @p marker (6 digits). */
static void mailed_code(const char *to, const char *marker, char code[7])
{
	char after[24];

	assert_true(test_outbox_after(W.dir, "demo", to, marker, after, 16));
	const char *p = after;

	while (*p && (*p < '0' || *p > '9'))
		p++;
	assert_true(strlen(p) >= 6);
	memcpy(code, p, 6);
	code[6] = '\0';
	/* Read once: the next code read is a newer mail's. */
	char *dir = fs_join(W.dir, "outbox/demo"), want[128];
	DIR *dh = opendir(dir);

	snprintf(want, sizeof(want), "To: %s\r\n", to);
	for (struct dirent *de; dh && (de = readdir(dh)) != NULL;) {
		char *path = fs_join(dir, de->d_name), buf[8192];
		FILE *f = strstr(de->d_name, ".eml") ? fopen(path, "r") : NULL;
		size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

		if (f)
			fclose(f);
		buf[n] = '\0';
		if (f && strstr(buf, want))
			unlink(path);
		free(path);
	}
	if (dh)
		closedir(dh);
	free(dir);
}

static int code_verify(const char *email, const char *code, struct hc_response *r)
{
	char body[256];

	snprintf(body, sizeof(body), "{\"email\": \"%s\", \"code\": \"%s\"}", email, code);
	return http("POST", "/auth/code/verify", NULL, body, r);
}

static void test_http_login_code(void **state)
{
	(void)state;
	struct hc_response r, r2;
	char code[7], wrong[16], msg_a[256];

	clock_freeze(T0 + 600 * MIN_MS);
	int64_t sent = audit_count("auth.code.sent", "ok", NULL);
	int64_t unknown = audit_count("auth.code.unknown", "denied", NULL);

	/* Known and unknown addresses get the same answer; only the known one a mail. */
	assert_int_equal(http("POST", "/auth/code", NULL, "{\"email\": \"iprp@example.org\"}", &r),
	                 202);
	assert_int_equal(http("POST", "/auth/code", NULL, "{\"email\": \"personne@example.org\"}",
	                      &r2),
	                 202);
	json_t *a = hc_body_json(&r), *b = hc_body_json(&r2);

	snprintf(msg_a, sizeof(msg_a), "%s", json_string_value(json_object_get(a, "message")));
	assert_string_equal(msg_a, json_string_value(json_object_get(b, "message")));
	json_decref(a);
	json_decref(b);
	hc_response_free(&r);
	hc_response_free(&r2);
	assert_int_equal(audit_count("auth.code.sent", "ok", NULL), sent + 1);
	/* The unknown address wrote too (its answer takes the time of a write),
	 * traced without the address. */
	assert_int_equal(audit_count("auth.code.unknown", "denied", NULL), unknown + 1);
	assert_int_equal(http("POST", "/auth/code", NULL, "{\"email\": \"pas une adresse\"}", &r), 422);
	hc_response_free(&r);

	mailed_code("iprp@example.org", "\r\n\r\n    ", code);
	/* Only a hash is stored: the code appears nowhere in the database. */
	json_t *rows = socle_db_query(socle_service_reader(W.svc, NULL),
	                              "SELECT code_hash FROM core_login_code", NULL, NULL);
	char *dump = json_dumps(rows, 0);

	assert_null(strstr(dump, code));
	free(dump);
	json_decref(rows);

	/* A wrong code: a field error, counted by the login throttling. */
	snprintf(wrong, sizeof(wrong), "%06d", (atoi(code) + 1) % 1000000);
	assert_int_equal(code_verify("iprp@example.org", wrong, &r), 422);
	hc_response_free(&r);
	assert_int_equal(code_verify("iprp@example.org", "12ab", &r), 422);
	hc_response_free(&r);
	/* The right code opens a session, once. */
	assert_int_equal(code_verify("iprp@example.org", code, &r), 200);
	json_t *j = hc_body_json(&r);
	char bearer[192];

	snprintf(bearer, sizeof(bearer), "Authorization: Bearer %s",
	         json_string_value(json_object_get(j, "token")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "user"), "email")),
	                    "iprp@example.org");
	json_decref(j);
	hc_response_free(&r);
	const char *h[] = {bearer, NULL};

	assert_int_equal(http("GET", "/auth/me", h, NULL, &r), 200);
	hc_response_free(&r);
	assert_int_equal(code_verify("iprp@example.org", code, &r), 422);
	hc_response_free(&r);

	/* A code is valid 10 minutes. */
	clock_advance(2 * MIN_MS);
	assert_int_equal(http("POST", "/auth/code", NULL, "{\"email\": \"iprp@example.org\"}", &r),
	                 202);
	hc_response_free(&r);
	char code2[7];

	mailed_code("iprp@example.org", "\r\n\r\n    ", code2);
	assert_string_not_equal(code2, code);
	clock_advance(10 * MIN_MS + 1000);
	assert_int_equal(code_verify("iprp@example.org", code2, &r), 422);
	hc_response_free(&r);
}

static void test_http_password_reset_and_change(void **state)
{
	(void)state;
	struct hc_response r;
	char code[7], body[512];

	clock_freeze(T0 + 700 * MIN_MS);
	assert_int_equal(http("POST", "/auth/code", NULL,
	                      "{\"email\": \"medecin@example.org\", \"purpose\": \"reset\"}", &r),
	                 202);
	hc_response_free(&r);
	mailed_code("medecin@example.org", "\r\n\r\n    ", code);
	/* Too short a password: refused, the code still usable. */
	snprintf(body, sizeof(body),
	         "{\"email\": \"medecin@example.org\", \"code\": \"%s\", \"password\": \"court\"}",
	         code);
	assert_int_equal(http("POST", "/auth/password/reset", NULL, body, &r), 422);
	hc_response_free(&r);
	/* A reset code does not sign in on the login route. */
	assert_int_equal(code_verify("medecin@example.org", code, &r), 422);
	hc_response_free(&r);
	snprintf(body, sizeof(body),
	         "{\"email\": \"medecin@example.org\", \"code\": \"%s\","
	         " \"password\": \"une toute nouvelle phrase secrète\"}",
	         code);
	assert_int_equal(http("POST", "/auth/password/reset", NULL, body, &r), 200);
	hc_response_free(&r);
	assert_int_equal(login("medecin@example.org", PASSWORD, NULL, NULL), 401);
	struct login l;

	assert_int_equal(login("medecin@example.org", "une toute nouvelle phrase secrète", &l, NULL),
	                 200);
	/* The change, signed in: the current password is asked. */
	const char *h[] = {l.bearer, NULL};

	assert_int_equal(http("PUT", "/auth/me/password", h,
	                      "{\"current_password\": \"faux\", \"password\": \"" PASSWORD "\"}", &r),
	                 422);
	hc_response_free(&r);
	assert_int_equal(http("PUT", "/auth/me/password", h,
	                      "{\"current_password\": \"une toute nouvelle phrase secrète\","
	                      " \"password\": \"" PASSWORD "\"}",
	                      &r),
	                 200);
	hc_response_free(&r);
	assert_int_equal(login("medecin@example.org", PASSWORD, NULL, NULL), 200);
	assert_true(audit_count("auth.password.reset", "ok", NULL) >= 1);
	assert_true(audit_count("auth.password.changed", "ok", NULL) >= 1);
}

static void test_http_audit_listing(void **state)
{
	(void)state;
	struct login admin, rh;
	struct hc_response r;

	clock_freeze(T0 + 600 * MIN_MS);
	/* 401: no credentials; 403: an employer asking for the audit log. */
	assert_int_equal(http("GET", "/auth/me", NULL, NULL, &r), 401);
	hc_response_free(&r);
	assert_int_equal(login("rh@entreprise.fr", PASSWORD, &rh, NULL), 200);
	const char *rh_h[] = {rh.bearer, NULL};

	assert_int_equal(http("GET", "/audit", rh_h, NULL, &r), 403);
	hc_response_free(&r);

	assert_int_equal(login("admin@example.org", PASSWORD, &admin, NULL), 200);
	const char *h[] = {admin.bearer, NULL};

	assert_int_equal(http("GET", "/audit?action=access.denied&outcome=denied&limit=500", h, NULL,
	                      &r),
	                 200);
	json_t *j = hc_body_json(&r);
	json_t *items = json_object_get(j, "items");
	bool saw401 = false, saw403 = false;
	int64_t prev_id = INT64_MAX;
	size_t i;
	json_t *it;

	assert_true(json_array_size(items) >= 2);
	json_array_foreach(items, i, it) {
		json_t *detail = json_object_get(it, "detail");
		int64_t id = json_integer_value(json_object_get(it, "id"));
		int status = (int)json_integer_value(json_object_get(detail, "status"));
		const char *path = json_string_value(json_object_get(detail, "path"));

		assert_true(id < prev_id); /* newest first */
		prev_id = id;
		assert_string_equal(json_string_value(json_object_get(it, "action")), "access.denied");
		if (status == 401 && path && strcmp(path, "/api/v1/demo/auth/me") == 0)
			saw401 = true;
		if (status == 403 && path && strcmp(path, "/api/v1/demo/audit") == 0) {
			saw403 = true;
			assert_int_equal(json_integer_value(json_object_get(it, "user_id")), W.employer);
			assert_string_equal(json_string_value(json_object_get(it, "role")), "employer");
			assert_string_equal(json_string_value(json_object_get(it, "ip")), "127.0.0.1");
		}
	}
	assert_true(saw401);
	assert_true(saw403);
	json_decref(j);
	hc_response_free(&r);

	/* Pagination: two pages of one, with a cursor, no overlap. */
	assert_int_equal(http("GET", "/audit?action=auth.login&limit=1", h, NULL, &r), 200);
	j = hc_body_json(&r);
	const char *cursor = json_string_value(json_object_get(j, "next_cursor"));
	int64_t first = json_integer_value(json_object_get(json_array_get(json_object_get(j, "items"),
	                                                                  0), "id"));
	char path[128];

	assert_non_null(cursor);
	snprintf(path, sizeof(path), "/audit?action=auth.login&limit=1&cursor=%s", cursor);
	json_decref(j);
	hc_response_free(&r);
	assert_int_equal(http("GET", path, h, NULL, &r), 200);
	j = hc_body_json(&r);
	assert_true(json_integer_value(json_object_get(json_array_get(json_object_get(j, "items"), 0),
	                                               "id")) < first);
	json_decref(j);
	hc_response_free(&r);

	/* Filters by user and time; bad filters are field errors. */
	snprintf(path, sizeof(path), "/audit?user_id=%lld&from=2025-03-10&to=2025-03-10",
	         (long long)W.employer);
	assert_int_equal(http("GET", path, h, NULL, &r), 200);
	j = hc_body_json(&r);
	assert_true(json_array_size(json_object_get(j, "items")) >= 2);
	json_array_foreach(json_object_get(j, "items"), i, it)
		assert_int_equal(json_integer_value(json_object_get(it, "user_id")), W.employer);
	json_decref(j);
	hc_response_free(&r);
	assert_int_equal(http("GET", "/audit?from=2025-03-11", h, NULL, &r), 200);
	j = hc_body_json(&r);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
	json_decref(j);
	hc_response_free(&r);
	assert_int_equal(http("GET", "/audit?outcome=maybe&from=hier&user_id=-3", h, NULL, &r), 422);
	j = hc_body_json(&r);
	assert_int_equal(json_array_size(json_object_get(json_object_get(j, "error"), "fields")), 3);
	json_decref(j);
	hc_response_free(&r);

	/* The employee bound to worker 3 sees who accessed their file (the
	 * médecin's dmst.read of the record-level test was on worker 4: absent). */
	struct login sal;
	socle_req fr;
	socle_err ferr = SOCLE_ERR_INIT;
	socle_principal *doc = principal(W.medecin);

	fake_req(&fr, doc, "GET");
	assert_int_equal(socle_access_medical(&fr, 3, "dmst.read", &ferr), 0);
	auth_principal_unref(doc);
	assert_int_equal(login("salarie@entreprise.fr", PASSWORD, &sal, NULL), 200);
	const char *sal_h[] = {sal.bearer, NULL};

	assert_int_equal(http("GET", "/auth/me/accesses", sal_h, NULL, &r), 200);
	j = hc_body_json(&r);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
	it = json_array_get(json_object_get(j, "items"), 0);
	assert_string_equal(json_string_value(json_object_get(it, "action")), "dmst.read");
	assert_string_equal(json_string_value(json_object_get(it, "role")), "medecin");
	assert_null(json_object_get(it, "user_id"));
	assert_true(json_is_null(json_object_get(j, "next_cursor"))); /* not a full page */
	json_decref(j);
	hc_response_free(&r);
	/* A full page has a cursor (the row's id, which the items do not show). */
	assert_int_equal(http("GET", "/auth/me/accesses?limit=1", sal_h, NULL, &r), 200);
	j = hc_body_json(&r);
	assert_non_null(json_string_value(json_object_get(j, "next_cursor")));
	json_decref(j);
	hc_response_free(&r);
	/* Others see nothing of it. */
	assert_int_equal(http("GET", "/auth/me/accesses", rh_h, NULL, &r), 200);
	j = hc_body_json(&r);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
	assert_true(json_is_null(json_object_get(j, "next_cursor")));
	json_decref(j);
	hc_response_free(&r);

	/* Every login and refusal above is in a chain that verifies. */
	socle_err err = SOCLE_ERR_INIT;

	assert_true(audit_verify_chain(socle_service_reader(W.svc, &err), &err) > 10);
}

/* ------------------------------------------------------------ core reads for plugins */

static int audit_about_tx(socle_db *wdb, void *ud, socle_err *err)
{
	static const struct socle_audit_entry entries[] = {
		{"dmst.read", "worker", 555, "ok", NULL},
		{"dmst.write", "worker", 555, "ok", NULL},
		{"dmst.read", "worker", 555, "denied", NULL},
		{"dmst.read", "worker", 556, "ok", NULL},
		{"visit.book", "worker", 555, "ok", NULL},
	};
	(void)ud;
	for (size_t i = 0; i < SOCLE_COUNT(entries); i++)
		if (socle_audit(wdb, NULL, &entries[i], err) != 0)
			return err->code;
	return 0;
}

static void test_directory_reads(void **state)
{
	(void)state;
	socle_err err = SOCLE_ERR_INIT;
	int64_t a = mk_user("dir-medecin@example.org", SOCLE_ROLE_MEDECIN);
	int64_t b = mk_user("dir-rh@example.org", SOCLE_ROLE_EMPLOYER);
	int64_t c = mk_user("dir-rh2@example.org", SOCLE_ROLE_EMPLOYER);
	struct bind_args b1 = {b, "company", 99}, b2 = {c, "company", 99}, b3 = {a, "company", 99};

	assert_int_equal(socle_service_write(W.svc, bind_tx, &b1, &err), 0);
	assert_int_equal(socle_service_write(W.svc, bind_tx, &b2, &err), 0);
	assert_int_equal(socle_service_write(W.svc, bind_tx, &b3, &err), 0);
	char sql[128];
	snprintf(sql, sizeof(sql), "UPDATE core_user SET disabled = 1 WHERE id = %lld", (long long)c);
	assert_int_equal(socle_service_write(W.svc, exec_tx, sql, &err), 0);
	socle_db *db = socle_service_reader(W.svc, &err);

	/* By scope and role: the active employer of company 99 only. */
	json_t *l = socle_users_list(db, SOCLE_ROLE_BIT(SOCLE_ROLE_EMPLOYER), "company", 99, 0, 0, &err);
	assert_non_null(l);
	assert_int_equal(json_array_size(l), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(l, 0), "id")), b);
	assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "role")),
	                    "employer");
	assert_null(json_object_get(json_array_get(l, 0), "password_hash"));
	json_decref(l);
	/* Any role bound to the scope: the médecin too. */
	l = socle_users_list(db, 0, "company", 99, 0, 0, &err);
	assert_int_equal(json_array_size(l), 2);
	json_decref(l);
	/* By role, paged with after_id. */
	l = socle_users_list(db, SOCLE_ROLES_HEALTH, NULL, 0, 0, 0, &err);
	size_t health = json_array_size(l);
	assert_true(health >= 3); /* medecin, infirmier, dir-medecin */
	int64_t first = json_integer_value(json_object_get(json_array_get(l, 0), "id"));
	json_decref(l);
	l = socle_users_list(db, SOCLE_ROLES_HEALTH, NULL, 0, first, 1, &err);
	assert_int_equal(json_array_size(l), 1);
	assert_true(json_integer_value(json_object_get(json_array_get(l, 0), "id")) > first);
	json_decref(l);
	assert_null(socle_users_list(db, 0, "team", 1, 0, 0, &err));
	assert_int_equal(err.code, SOCLE_E_INVAL);

	/* One user, disabled or not. */
	json_t *u = socle_user_get(db, c, &err);
	assert_non_null(u);
	assert_string_equal(json_string_value(json_object_get(u, "email")), "dir-rh2@example.org");
	assert_true(json_is_true(json_object_get(u, "disabled")));
	json_decref(u);
	assert_null(socle_user_get(db, 999999, &err));
	assert_int_equal(err.code, SOCLE_E_NOTFOUND);

	/* Audit entries about one worker, filtered by prefix and outcome, paged. */
	assert_int_equal(socle_service_write(W.svc, audit_about_tx, NULL, &err), 0);
	json_t *e = socle_audit_about(db, "worker", 555, "dmst.", "ok", 0, 0, &err);
	assert_non_null(e);
	assert_int_equal(json_array_size(e), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(e, 0), "action")),
	                    "dmst.write"); /* newest first */
	assert_true(json_integer_value(json_object_get(json_array_get(e, 0), "at_ms")) >= T0);
	assert_null(json_object_get(json_array_get(e, 0), "ip"));
	int64_t newest = json_integer_value(json_object_get(json_array_get(e, 0), "id"));
	json_decref(e);
	e = socle_audit_about(db, "worker", 555, "dmst.", "ok", newest, 0, &err);
	assert_int_equal(json_array_size(e), 1);
	json_decref(e);
	e = socle_audit_about(db, "worker", 555, NULL, NULL, 0, 0, &err);
	assert_int_equal(json_array_size(e), 4);
	json_decref(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_password_policy_and_hash),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_header_parsers),
		cmocka_unit_test(test_throttle_growing_lock),
		cmocka_unit_test(test_throttle_lockout_not_a_weapon),
		cmocka_unit_test(test_session_idle_timeout),
		cmocka_unit_test(test_session_absolute_timeout),
		cmocka_unit_test(test_session_revoked_when_user_disabled),
		cmocka_unit_test(test_session_cache_concurrency),
		cmocka_unit_test(test_user_create_rules),
		cmocka_unit_test(test_capabilities_medical_only_for_health),
		cmocka_unit_test(test_csrf_rule),
		cmocka_unit_test(test_authorize_refusals_audited),
		cmocka_unit_test(test_record_level_access),
		cmocka_unit_test(test_http_login_me_logout),
		cmocka_unit_test(test_http_bad_credentials),
		cmocka_unit_test(test_http_throttled),
		cmocka_unit_test(test_http_totp),
		cmocka_unit_test(test_http_expired_session),
		cmocka_unit_test(test_http_login_code),
		cmocka_unit_test(test_http_password_reset_and_change),
		cmocka_unit_test(test_http_audit_listing),
		cmocka_unit_test(test_directory_reads),
		/* Last: it breaks the chain on purpose. */
		cmocka_unit_test(test_audit_append_only_and_chain),
	};

	return cmocka_run_group_tests_name("auth", tests, setup, teardown);
}
