/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* End to end through the real `socle serve`, with the hello example plugin on
 * two services whose scripts differ: a route with its capability, a rule
 * point overridden by one service, an audited durable write with its event,
 * the event delivered to a C handler, a Lua handler and the parcours engine,
 * and the refusals (401, 403, 422) a person would try. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fsutil.h"
#include "http_client.h"
#include "server.h"

#define PASSWORD "motdepasse-de-test-42"

struct world {
	struct test_deploy d;
	struct test_server s;
};

static struct world W;

static void add_user(const char *svc, const char *email, const char *role, const char *extra)
{
	char cmd[2048], *out = NULL;

	snprintf(cmd, sizeof(cmd),
	         "printf '%%s\\n' '" PASSWORD "' | " SOCLE_BINARY_DIR "/socle user add --config %s"
	         " --service %s --email %s --role %s %s",
	         W.d.config_path, svc, email, role, extra ? extra : "");
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
		"{s:[s], s:[s], s:[{s:s, s:s, s:s, s:{s:{}}}, {s:s, s:s, s:s, s:s, s:{s:{}}}]}",
		"plugin_dirs", SOCLE_BINARY_DIR "/plugins", "trusted_proxies", "127.0.0.1",
		"services",
		"id", "demo", "name", "Démo", "database", "demo.db", "plugins", "hello",
		"id", "est", "name", "Est", "database", "est.db", "scripts", "est", "plugins", "hello");
	if (test_deploy_create(&W.d, "hello-e2e", cfg) != 0)
		return -1;
	json_decref(cfg);
	test_deploy_write(&W.d, "est/greeting.lua",
	                  "socle.rule('greeting', function(name)\n"
	                  "  if name == 'Boucle' then while true do end end\n"
	                  "  if name == 'Fermeture' then\n"
	                  "    local co = coroutine.create(function()\n"
	                  "      local x <close> = setmetatable({}, {__close = function()\n"
	                  "        while true do end\n"
	                  "      end})\n"
	                  "      coroutine.yield()\n"
	                  "    end)\n"
	                  "    coroutine.resume(co)\n"
	                  "    coroutine.close(co)\n"
	                  "  end\n"
	                  "  return { message = 'Salut ' .. socle.hello.shout(name) .. ' !' }\n"
	                  "end)\n");
	add_user("demo", "admin@demo.test", "service_admin", NULL);
	add_user("demo", "patron@demo.test", "employer", "--company 7");
	add_user("est", "admin@est.test", "service_admin", NULL);
	return test_server_start_deploy(&W.s, &W.d);
}

static int teardown(void **state)
{
	(void)state;
	int rc = test_server_stop(&W.s, 10000);
	test_deploy_remove(&W.d);
	return rc == 0 ? 0 : -1;
}

/* Log in and return an "Authorization: Bearer ..." header (caller frees). */
static char *login(const char *svc, const char *email)
{
	char path[128], *header;
	int status = 0;

	snprintf(path, sizeof(path), "/api/v1/%s/auth/login", svc);
	json_t *body = json_pack("{s:s, s:s}", "email", email, "password", PASSWORD);
	json_t *r = hc_json(W.s.port, "POST", path, NULL, body, &status);
	json_decref(body);
	assert_int_equal(status, 200);
	const char *token = json_string_value(json_object_get(r, "token"));
	assert_non_null(token);
	assert_true(asprintf(&header, "Authorization: Bearer %s", token) > 0);
	json_decref(r);
	return header;
}

static json_t *call(const char *auth, const char *method, const char *path, json_t *body,
                    int *status)
{
	const char *headers[] = {auth, NULL};
	json_t *r = hc_json(W.s.port, method, path, auth ? headers : NULL, body, status);

	json_decref(body);
	return r;
}

static void test_rule_point_differs_per_service(void **state)
{
	char *demo = login("demo", "admin@demo.test"), *est = login("est", "admin@est.test");
	int status = 0;
	(void)state;

	json_t *r = call(demo, "POST", "/api/v1/demo/hello/greetings",
	                 json_pack("{s:s}", "name", "Camille"), &status);
	assert_int_equal(status, 201);
	assert_string_equal(json_string_value(json_object_get(r, "message")), "Bonjour, Camille !");
	json_decref(r);
	r = call(est, "POST", "/api/v1/est/hello/greetings", json_pack("{s:s}", "name", "Camille"),
	         &status);
	assert_int_equal(status, 201);
	assert_string_equal(json_string_value(json_object_get(r, "message")), "Salut CAMILLE !");
	json_decref(r);
	/* Data never crosses services: est's list holds only est's greeting. */
	r = call(est, "GET", "/api/v1/est/hello/greetings", NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	json_decref(r);
	free(demo);
	free(est);
}

static void test_write_is_audited_and_event_starts_parcours(void **state)
{
	char *admin = login("demo", "admin@demo.test");
	int status = 0;
	(void)state;

	json_t *r = call(admin, "POST", "/api/v1/demo/hello/greetings",
	                 json_pack("{s:s}", "name", "Dominique"), &status);
	assert_int_equal(status, 201);
	json_int_t id = json_integer_value(json_object_get(r, "id"));
	json_decref(r);

	r = call(admin, "GET", "/api/v1/demo/audit?action=hello.greeting.create", NULL, &status);
	assert_int_equal(status, 200);
	bool found = false;
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(r, "items"), i, e)
		if (json_integer_value(json_object_get(e, "object_id")) == id)
			found = true;
	assert_true(found);
	json_decref(r);

	/* The loop thread delivers the event after the commit: wait for the
	 * parcours instance it starts (bounded). */
	char path[160];
	snprintf(path, sizeof(path), "/api/v1/demo/parcours/instances?parcours=salutation&subject_id=%lld",
	         (long long)id);
	json_t *inst = NULL;
	for (int tries = 0; tries < 100 && inst == NULL; tries++) {
		r = call(admin, "GET", path, NULL, &status);
		assert_int_equal(status, 200);
		if (json_array_size(json_object_get(r, "items")) == 1)
			inst = json_incref(json_array_get(json_object_get(r, "items"), 0));
		json_decref(r);
		if (inst == NULL)
			usleep(50000);
	}
	assert_non_null(inst);
	assert_string_equal(json_string_value(json_object_get(inst, "current_step")), "recue");
	assert_string_equal(json_string_value(json_object_get(inst, "status")), "open");
	snprintf(path, sizeof(path), "/api/v1/demo/parcours/instances/%lld",
	         (long long)json_integer_value(json_object_get(inst, "id")));
	json_decref(inst);
	r = call(admin, "GET", path, NULL, &status);
	assert_int_equal(status, 200);
	assert_true(json_array_size(json_object_get(r, "history")) >= 1);
	json_decref(r);

	r = call(admin, "GET", "/api/v1/demo/parcours", NULL, &status);
	assert_int_equal(status, 200);
	char *text = json_dumps(r, 0);
	assert_non_null(text);
	assert_non_null(strstr(text, "\"salutation\""));
	free(text);
	json_decref(r);
	free(admin);
}

/* A rule that never ends, on a request thread of the HTTP server, with the
 * default budgets (no instruction count: the watchdog's signal stops it at
 * the 200 ms deadline): the request is answered, nothing is stored, and the
 * server goes on serving. */
static void test_endless_rule_stopped(void **state)
{
	char *admin = login("est", "admin@est.test");
	int status = 0;
	(void)state;

	json_t *r = call(admin, "GET", "/api/v1/est/hello/greetings?limit=500", NULL, &status);
	size_t before = json_array_size(json_object_get(r, "items"));
	json_decref(r);
	for (int i = 0; i < 3; i++) {
		r = call(admin, "POST", "/api/v1/est/hello/greetings",
		         json_pack("{s:s}", "name", "Boucle"), &status);
		/* The example plugin answers any failure of its rule with a 500;
		 * without the watchdog the request would never be answered. It is
		 * the service's rule that failed, not the server: its own code, and
		 * a message without the script's path (that stays in the log). */
		assert_int_equal(status, 500);
		const json_t *e = json_object_get(r, "error");
		assert_string_equal(json_string_value(json_object_get(e, "code")), "rule_failed");
		assert_null(strstr(json_string_value(json_object_get(e, "message")), ".lua"));
		json_decref(r);
		r = call(admin, "POST", "/api/v1/est/hello/greetings",
		         json_pack("{s:s}", "name", "Léa"), &status);
		assert_int_equal(status, 201);
		json_decref(r);
	}
	r = call(admin, "GET", "/api/v1/est/hello/greetings?limit=500", NULL, &status);
	assert_int_equal(json_array_size(json_object_get(r, "items")), before + 3);
	json_decref(r);
	free(admin);
}

/* Requests whose rule runs code outside the watched call today's watchdog
 * knew of: a __close that never returns, run by coroutine.close on another
 * coroutine (issue 11). */
#define HOSTILE_CLIENTS 4 /* more than the HTTP threads of a 2-core machine */
#define HOSTILE_REQUESTS 3

struct hostile {
	const char *auth;
	int status[HOSTILE_REQUESTS];
	atomic_int *done;
};

/* On its own thread: no cmocka assertion here, the statuses are checked after. */
static void *hostile_client(void *arg)
{
	struct hostile *h = arg;

	for (int i = 0; i < HOSTILE_REQUESTS; i++) {
		int status = 0;
		const char *headers[] = {h->auth, NULL};
		json_t *body = json_pack("{s:s}", "name", "Fermeture");
		json_t *r = hc_json(W.s.port, "POST", "/api/v1/est/hello/greetings", headers, body,
		                    &status);

		json_decref(body);
		json_decref(r);
		h->status[i] = status;
	}
	atomic_fetch_add(h->done, 1);
	return NULL;
}

static void start_hostile(struct hostile *h, pthread_t *tid, const char *auth, atomic_int *done)
{
	for (int i = 0; i < HOSTILE_CLIENTS; i++) {
		h[i] = (struct hostile){.auth = auth, .done = done};
		assert_int_equal(pthread_create(&tid[i], NULL, hostile_client, &h[i]), 0);
	}
}

/* GET /healthz answers 200 within @p timeout_ms. */
static bool healthz_answers(int timeout_ms)
{
	struct hc_response r;

	if (hc_request_timeout(W.s.port, "GET", "/healthz", NULL, NULL, 0, timeout_ms, &r) != 0)
		return false;
	bool ok = r.status == 200;

	hc_response_free(&r);
	return ok;
}

/* While more hostile requests run than the server has HTTP threads, every
 * one is answered (the rule fails at its deadline), /healthz keeps
 * answering, and the service serves normal requests after them. Then the
 * server stops on SIGTERM with hostile requests in flight (restarted for the
 * tests that follow). Each client and /healthz wait a bounded time: a pinned
 * thread is a failure, not a stuck test. */
static void test_hostile_rule_keeps_serving(void **state)
{
	/* Static: a failed assertion leaves this frame while the clients still
	 * write their statuses (they end at their own timeout). */
	static struct hostile h[HOSTILE_CLIENTS];
	static pthread_t tid[HOSTILE_CLIENTS];
	static atomic_int done;
	static char *admin;
	int status = 0, probes = 0;
	(void)state;

	admin = login("est", "admin@est.test");
	atomic_store(&done, 0);

	start_hostile(h, tid, admin, &done);
	do {
		if (!healthz_answers(3000))
			fail_msg("/healthz ne répond plus pendant les requêtes hostiles (sonde %d)", probes);
		probes++;
	} while (atomic_load(&done) < HOSTILE_CLIENTS && probes < 10000);
	for (int i = 0; i < HOSTILE_CLIENTS; i++) {
		pthread_join(tid[i], NULL);
		for (int k = 0; k < HOSTILE_REQUESTS; k++)
			if (h[i].status[k] != 500)
				fail_msg("requête hostile %d.%d : statut %d (0 : sans réponse)", i, k,
				         h[i].status[k]);
	}
	json_decref(call(admin, "POST", "/api/v1/est/hello/greetings",
	                 json_pack("{s:s}", "name", "Léa"), &status));
	assert_int_equal(status, 201);

	atomic_store(&done, 0);
	start_hostile(h, tid, admin, &done);
	assert_int_equal(test_server_stop(&W.s, 10000), 0);
	for (int i = 0; i < HOSTILE_CLIENTS; i++)
		pthread_join(tid[i], NULL);
	free(admin);
	assert_int_equal(test_server_start_deploy(&W.s, &W.d), 0);
}

static void test_refusals(void **state)
{
	char *employer = login("demo", "patron@demo.test");
	int status = 0;
	(void)state;

	/* No session: 401. */
	json_t *r = call(NULL, "GET", "/api/v1/demo/hello/greetings", NULL, &status);
	assert_int_equal(status, 401);
	json_decref(r);
	/* An employer may read (authenticated) but not write (hello.write is staff). */
	r = call(employer, "POST", "/api/v1/demo/hello/greetings", json_pack("{s:s}", "name", "X"),
	         &status);
	assert_int_equal(status, 403);
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "error"), "code")),
	                    "forbidden");
	json_decref(r);
	/* Staff routes are closed to employers too. */
	r = call(employer, "GET", "/api/v1/demo/parcours/instances", NULL, &status);
	assert_int_equal(status, 403);
	json_decref(r);
	/* A token of one service is worthless on another. */
	r = call(employer, "GET", "/api/v1/est/hello/greetings", NULL, &status);
	assert_int_equal(status, 401);
	json_decref(r);
	free(employer);

	/* Field-level errors in French, nothing stored. */
	char *admin = login("demo", "admin@demo.test");
	r = call(admin, "GET", "/api/v1/demo/hello/greetings?limit=500", NULL, &status);
	size_t before = json_array_size(json_object_get(r, "items"));
	json_decref(r);
	r = call(admin, "POST", "/api/v1/demo/hello/greetings",
	         json_pack("{s:i, s:s}", "name", 3, "extra", "x"), &status);
	assert_int_equal(status, 422);
	json_t *fields = json_object_get(json_object_get(r, "error"), "fields");
	assert_int_equal(json_array_size(fields), 2);
	json_decref(r);
	r = call(admin, "POST", "/api/v1/demo/hello/greetings", json_pack("{s:s}", "name", ""), &status);
	assert_int_equal(status, 422);
	json_decref(r);
	r = call(admin, "GET", "/api/v1/demo/hello/greetings?limit=500", NULL, &status);
	assert_int_equal(json_array_size(json_object_get(r, "items")), before);
	json_decref(r);
	r = call(admin, "GET", "/api/v1/demo/hello/greetings?limit=0", NULL, &status);
	assert_int_equal(status, 400);
	json_decref(r);
	free(admin);
}

static void test_public_offer(void **state)
{
	int status = 0;
	(void)state;

	/* Public: what the service provides, from its enabled plugins. */
	json_t *r = call(NULL, "GET", "/api/v1/demo/offer", NULL, &status);
	assert_int_equal(status, 200);
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "service"), "id")),
	                    "demo");
	json_t *first = json_array_get(json_object_get(r, "offer"), 0);
	assert_string_equal(json_string_value(json_object_get(first, "plugin")), "hello");
	assert_string_equal(json_string_value(json_object_get(first, "summary")),
	                    "Exemple minimal : des salutations");
	json_decref(r);
}

/* Behind a trusted proxy (here 127.0.0.1), the client is the rightmost
 * X-Forwarded-For address; a malformed one is ignored. */
static void test_forwarded_client_address(void **state)
{
	int status = 0;
	(void)state;

	for (int i = 0; i < 2; i++) {
		const char *xff = i == 0 ? "X-Forwarded-For: 10.9.9.9, 203.0.113.7"
		                         : "X-Forwarded-For: pas-une-adresse";
		const char *headers[] = {xff, NULL};
		json_t *body = json_pack("{s:s, s:s}", "email", "admin@demo.test", "password", PASSWORD);
		json_t *r = hc_json(W.s.port, "POST", "/api/v1/demo/auth/login", headers, body, &status);

		json_decref(body);
		json_decref(r);
		assert_int_equal(status, 200);
	}
	char *admin = login("demo", "admin@demo.test");
	json_t *r = call(admin, "GET", "/api/v1/demo/audit?action=auth.login&limit=3", NULL, &status);
	assert_int_equal(status, 200);
	json_t *items = json_object_get(r, "items");
	/* Newest first: this login, the malformed header, the forwarded one. */
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 1), "ip")),
	                    "127.0.0.1");
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 2), "ip")),
	                    "203.0.113.7");
	json_decref(r);
	free(admin);
}

static void test_pagination(void **state)
{
	char *admin = login("demo", "admin@demo.test");
	int status = 0;
	(void)state;

	for (int i = 0; i < 5; i++) {
		char name[32];

		snprintf(name, sizeof(name), "page %d", i);
		json_decref(call(admin, "POST", "/api/v1/demo/hello/greetings",
		                 json_pack("{s:s}", "name", name), &status));
		assert_int_equal(status, 201);
	}
	json_t *r = call(admin, "GET", "/api/v1/demo/hello/greetings?limit=2", NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 2);
	const char *cursor = json_string_value(json_object_get(r, "next_cursor"));
	assert_non_null(cursor);
	json_int_t first_id = json_integer_value(json_object_get(json_array_get(json_object_get(r, "items"), 0), "id"));
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/demo/hello/greetings?limit=2&cursor=%s", cursor);
	json_decref(r);
	r = call(admin, "GET", path, NULL, &status);
	assert_int_equal(status, 200);
	json_int_t next_id = json_integer_value(json_object_get(json_array_get(json_object_get(r, "items"), 0), "id"));
	assert_true(next_id < first_id - 1);
	json_decref(r);
	free(admin);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_point_differs_per_service),
		cmocka_unit_test(test_write_is_audited_and_event_starts_parcours),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_endless_rule_stopped),
		cmocka_unit_test(test_hostile_rule_keeps_serving),
		cmocka_unit_test(test_pagination),
		cmocka_unit_test(test_public_offer),
		cmocka_unit_test(test_forwarded_client_address),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
