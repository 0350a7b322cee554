/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* What the tracking end-to-end tests share: a deployment (D) and its running
 * server (S), the accounts' passwords, HTTP calls with expected statuses, and
 * the membership path that makes a member company and its workers (apply,
 * approve, accept the mailed invitation), plus reading the mail outbox,
 * counting rows of the service database and restarting the server on another
 * business date. Each test program writes its own config and setup. */
#ifndef SOCLE_TRACKING_TEST_WORLD_H
#define SOCLE_TRACKING_TEST_WORLD_H

#include <stdbool.h>

#include <jansson.h>

#include "server.h"

#define STAFF_PASSWORD "motdepasse-du-service-42"
#define EMPLOYER_PASSWORD "motdepasse-employeur-2025"
#define WORKER_PASSWORD "motdepasse-salarie-2025"

extern struct test_deploy D;
extern struct test_server S;

/* The deployment of the follow-up programs: service "svc" with membership
 * and tracking (service mail suivi@svc.test, reminders 7 and 1 day before),
 * its business clock frozen at @p clock. */
json_t *world_config(const char *clock);
/* `socle user add` on service "svc" (user_add_to: on @p service). */
void user_add(const char *email, const char *role, const char *password, const char *extra);
void user_add_to(const char *service, const char *email, const char *role, const char *password,
                 const char *extra);
/* `socle user disable` beside the running server, as an operator runs it. */
void user_disable(const char *email);
json_t *call(const char *auth, const char *method, const char *path, json_t *body, int *status);
/* call() for its status alone (the body dropped). */
int status_of(const char *auth, const char *method, const char *path, json_t *body);
/* call() that checks the status and returns the body. */
json_t *expect(int want, const char *auth, const char *method, const char *path, json_t *body);
/* The Authorization header of a session on "svc" (login_to: on @p service). */
char *login(const char *email, const char *password);
char *login_to(const char *service, const char *email, const char *password);
json_t *application(const char *siret, const char *name, const char *email);
/* How many mails of the outbox go to @p to, of @p category, containing
 * @p needle (may be NULL). */
int count_mails(const char *to, const char *category, const char *needle);
/* Wait (the loop thread sends mails) until @p want such mails are there. */
int wait_mails(const char *to, const char *category, const char *needle, int want);
bool invitation_token(const char *to, char token[65]);
/* A member company made through membership's routes (apply, approve, accept
 * the invitation); *employer receives its administrator's Authorization header. */
json_int_t member_company(const char *staff, const char *siret, const char *name,
                          const char *email, char **employer);
/* A worker declared through membership (born 1985-05-04, électricien), by
 * staff or the company's employer user; worker(): in CDI since 2015-09-01. */
json_int_t hire(const char *auth, json_int_t company, const char *ref, const char *last,
                const char *first, const char *contract, const char *start);
json_int_t worker(const char *staff, json_int_t company, const char *ref, const char *last,
                  const char *first);
/* Stop the server, set the deployment's frozen business clock to @p clock
 * (ISO 8601 UTC, e.g. "2025-03-24T12:00:00Z") in its config, start it again
 * on the same port and data. Sessions are timed by that clock: log in again. */
void restart_at(const char *clock);
/* The group teardown of the programs that share this world: stop the server,
 * remove the deployment (kept when SOCLE_TEST_KEEP is set). */
int world_teardown(void **state);

/* The in-process programs (no server): test_core_open (core_world.h) with
 * the tracking plugin linked in; close with test_core_close. */
struct socle_core *core_world_open(const char *dir, const char *config);

/* The sentences of a rule's answer that people read (next_visits: each
 * visit's explanation and the notes; leave_obligations: each obligation's
 * explanation; visit_request_allowed: the reason), each checked: a date
 * written in words, never "AAAA-MM-JJ"; no internal code (a word with "_",
 * « ema_periodique »); no "(à vérifier)", in the sentences nor in a basis; an
 * explanation or a reason cites its article in the sentence itself (R4624-10,
 * L4624-2-2, D1226-8-1, décret 2025-355). Returns the number of sentences
 * checked, or -1 with the first fault in @p why (the sentence quoted). */
int explanations_check(const char *rule, const json_t *answer, char *why, size_t size);

long long db_count(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Run @p sql on the service's database beside the server (asserts success). */
void db_exec(const char *sql);
json_int_t id_of(const json_t *r);
json_t *get(const char *auth, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
