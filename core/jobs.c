/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Durable jobs: rows of core_job enqueued inside a write transaction, run on
 * the loop thread by the handler registered for their kind. A job is claimed
 * ('running', attempts + 1) in one transaction, run outside any transaction
 * (its handler may write), and its outcome recorded in another: 'done',
 * 'queued' again after a backoff, or 'dead'. A crash while running leaves it
 * 'running'; the next process to own the service's queue (store_claim_queue)
 * puts it back in the queue (the attempt counts). */
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "clock.h"
#include "jobs.h"
#include "store.h"

#define CLAIM_BATCH 16
#define CLAIM_MAX_ROUNDS 8 /* per service and call */
#define JOB_PAYLOAD_MAX (1024 * 1024)

int64_t jobs_backoff_ms(int attempts)
{
	int64_t d = JOBS_BACKOFF_BASE_MS;

	for (int i = 1; i < attempts && d < JOBS_BACKOFF_MAX_MS; i++)
		d *= 2;
	return d < JOBS_BACKOFF_MAX_MS ? d : JOBS_BACKOFF_MAX_MS;
}

static int add_job(socle_plugin *p, const char *kind, socle_job_fn fn, void *ud, bool long_running,
                   socle_err *err)
{
	struct reg_job rec = {.owner = p, .kind = (char *)kind, .fn = fn, .ud = ud,
	                      .long_running = long_running};

	if (p == NULL || p->core == NULL || p->core->phase != PHASE_INIT)
		return socle_err_set(err, SOCLE_E_PHASE, "job handlers are registered in init() only");
	if (fn == NULL || !bus_valid_name(kind))
		return socle_err_set(err, SOCLE_E_INVAL, "invalid job kind \"%s\" (expected domain.verb)",
		                     kind != NULL ? kind : "(null)");
	if (registry_job(&p->core->reg, kind) != NULL)
		return socle_err_set(err, SOCLE_E_EXISTS, "job kind %s already has a handler", kind);
	if (registry_add_job(&p->core->reg, &rec) != 0)
		return socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
	return 0;
}

SOCLE_API int socle_plugin_add_job(socle_plugin *p, const char *kind, socle_job_fn fn, void *ud,
                                   socle_err *err)
{
	return add_job(p, kind, fn, ud, false, err);
}

SOCLE_API int socle_plugin_add_long_job(socle_plugin *p, const char *kind, socle_job_fn fn,
                                        void *ud, socle_err *err)
{
	return add_job(p, kind, fn, ud, true, err);
}

SOCLE_API int64_t socle_job_enqueue(socle_db *wdb, const char *kind, const json_t *payload,
                                    int64_t run_at_ms, int max_attempts, socle_err *err)
{
	int64_t now = socle_now_ms(), id;
	socle_stmt *st;
	char *text;
	int rc;

	if (wdb == NULL || !wdb->writer || wdb->h == NULL || sqlite3_get_autocommit(wdb->h))
		return socle_err_set(err, SOCLE_E_PHASE, "jobs are enqueued inside socle_service_write()");
	if (!bus_valid_name(kind))
		return socle_err_set(err, SOCLE_E_INVAL, "invalid job kind \"%s\" (expected domain.verb)",
		                     kind != NULL ? kind : "(null)");
	if (max_attempts == 0)
		max_attempts = JOBS_DEFAULT_MAX_ATTEMPTS;
	if (max_attempts < 0 || max_attempts > JOBS_MAX_ATTEMPTS_LIMIT || run_at_ms < 0)
		return socle_err_set(err, SOCLE_E_INVAL,
		                     "job %s: max_attempts must be 1..%d and run_at positive", kind,
		                     JOBS_MAX_ATTEMPTS_LIMIT);
	if (payload != NULL && !json_is_object(payload))
		return socle_err_set(err, SOCLE_E_INVAL, "payload of job %s must be a JSON object", kind);
	text = payload != NULL ? json_dumps(payload, JSON_COMPACT) : strdup("{}");
	if (text == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
	if (strlen(text) > JOB_PAYLOAD_MAX) {
		free(text);
		return socle_err_set(err, SOCLE_E_TOOBIG, "payload of job %s is over %d bytes", kind,
		                     JOB_PAYLOAD_MAX);
	}
	st = socle_db_prepare(wdb, "INSERT INTO core_job (kind, payload, state, run_at, attempts, "
	                           "max_attempts, created_at, updated_at) VALUES (:kind, :payload, "
	                           "'queued', :run_at, 0, :max_attempts, :now, :now)", err);
	if (st == NULL) {
		free(text);
		return err != NULL && err->code ? err->code : SOCLE_E_STORE;
	}
	rc = socle_stmt_bind_text(st, ":kind", kind);
	if (rc == 0)
		rc = socle_stmt_bind_text(st, ":payload", text);
	if (rc == 0)
		rc = socle_stmt_bind_int(st, ":run_at", run_at_ms > 0 ? run_at_ms : now);
	if (rc == 0)
		rc = socle_stmt_bind_int(st, ":max_attempts", max_attempts);
	if (rc == 0)
		rc = socle_stmt_bind_int(st, ":now", now);
	free(text);
	if (rc == 0)
		rc = socle_stmt_step(st, err);
	else
		socle_err_set(err, rc, "enqueue %s: cannot bind", kind);
	socle_stmt_release(st);
	if (rc < 0)
		return rc;
	id = sqlite3_last_insert_rowid(wdb->h);
	wdb->txn_jobs++;
	return id;
}


struct claim {
	int64_t now;
	struct claimed_job jobs[CLAIM_BATCH];
	size_t n;
};

static void claim_clear(struct claim *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->jobs[i].kind);
		free(c->jobs[i].payload);
	}
	c->n = 0;
}

static int claim_due(socle_db *w, void *ud, socle_err *err)
{
	struct claim *c = ud;
	socle_stmt *st;
	int rc = 0;

	st = socle_db_prepare(w, "SELECT id, kind, payload, attempts, max_attempts FROM core_job "
	                         "WHERE state = 'queued' AND run_at <= :now "
	                         "ORDER BY run_at, id LIMIT 16", err);
	if (st == NULL)
		return err != NULL && err->code ? err->code : SOCLE_E_STORE;
	socle_stmt_bind_int(st, ":now", c->now);
	while (c->n < CLAIM_BATCH && (rc = socle_stmt_step(st, err)) == 1) {
		struct claimed_job *j = &c->jobs[c->n++];
		const char *kind = socle_stmt_text(st, 1);
		const char *payload = socle_stmt_text(st, 2);

		j->id = socle_stmt_int(st, 0);
		j->attempts = (int)socle_stmt_int(st, 3) + 1;
		j->max_attempts = (int)socle_stmt_int(st, 4);
		j->kind = strdup(kind != NULL ? kind : "");
		j->payload = strdup(payload != NULL ? payload : "{}");
		if (j->kind == NULL || j->payload == NULL) {
			rc = socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
			break;
		}
	}
	socle_stmt_release(st);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < c->n; i++) {
		st = socle_db_prepare(w, "UPDATE core_job SET state = 'running', "
		                         "attempts = attempts + 1, updated_at = :now WHERE id = :id",
		                      err);
		if (st == NULL)
			return err != NULL && err->code ? err->code : SOCLE_E_STORE;
		socle_stmt_bind_int(st, ":now", c->now);
		socle_stmt_bind_int(st, ":id", c->jobs[i].id);
		rc = socle_stmt_step(st, err);
		socle_stmt_release(st);
		if (rc < 0)
			return rc;
	}
	return 0;
}

struct outcome {
	int64_t id;
	const char *state; /* done, queued, dead */
	int64_t run_at;
	const char *error;
};

static int record_outcome(socle_db *w, void *ud, socle_err *err)
{
	const struct outcome *o = ud;
	socle_stmt *st = socle_db_prepare(w, "UPDATE core_job SET state = :state, run_at = :run_at, "
	                                     "last_error = :error, updated_at = :now WHERE id = :id",
	                                  err);
	int rc;

	if (st == NULL)
		return err != NULL && err->code ? err->code : SOCLE_E_STORE;
	socle_stmt_bind_text(st, ":state", o->state);
	socle_stmt_bind_int(st, ":run_at", o->run_at);
	socle_stmt_bind_text(st, ":error", o->error);
	socle_stmt_bind_int(st, ":now", socle_now_ms());
	socle_stmt_bind_int(st, ":id", o->id);
	rc = socle_stmt_step(st, err);
	socle_stmt_release(st);
	return rc < 0 ? rc : 0;
}

/* Run one claimed job and record what became of it (the loop thread, or a
 * thread of the job pool for a long one). */
int jobs_run_one(socle_core *core, socle_service *svc, const struct claimed_job *j)
{
	const struct reg_job *h = registry_job(&core->reg, j->kind);
	socle_err herr = SOCLE_ERR_INIT, err = SOCLE_ERR_INIT;
	struct outcome o = {.id = j->id, .state = "done", .run_at = 0, .error = NULL};
	char msg[300];
	int rc;

	if (h == NULL) {
		snprintf(msg, sizeof(msg), "no handler for job kind %s", j->kind);
		o.state = "dead";
		o.error = msg;
	} else if (h->owner != NULL &&
	           (svc->plugin_enabled == NULL || !svc->plugin_enabled[h->owner->index])) {
		snprintf(msg, sizeof(msg), "plugin %s, which handles %s, is not enabled on %s",
		         h->owner->desc != NULL ? h->owner->desc->name : "?", j->kind, svc->id);
		o.state = "dead";
		o.error = msg;
	} else {
		json_error_t jerr;
		json_t *payload = json_loads(j->payload, 0, &jerr);

		if (payload == NULL) {
			snprintf(msg, sizeof(msg), "unreadable payload: %s", jerr.text);
			rc = SOCLE_E_INVAL;
		} else {
			rc = h->fn(svc, payload, h->ud, &herr);
			json_decref(payload);
			snprintf(msg, sizeof(msg), "%s", herr.msg[0] ? herr.msg : socle_strerror(rc));
		}
		if (rc < 0) {
			o.error = msg;
			/* A handler that knows retrying cannot help (a relay refused
			 * the message for good) says so: dead now, its reason kept. */
			if (j->attempts >= j->max_attempts || rc == SOCLE_E_PERMANENT) {
				o.state = "dead";
			} else {
				o.state = "queued";
				o.run_at = socle_now_ms() + jobs_backoff_ms(j->attempts);
			}
			socle_log(SOCLE_LOG_WARN, "service %s: job %s #%lld attempt %d/%d failed: %s%s",
			          svc->id, j->kind, (long long)j->id, j->attempts, j->max_attempts, msg,
			          o.state[0] == 'd' ? " (dead)" : "");
		}
	}
	if (strcmp(o.state, "dead") == 0 && h == NULL)
		socle_log(SOCLE_LOG_ERROR, "service %s: job %s #%lld is dead: %s", svc->id, j->kind,
		          (long long)j->id, msg);
	rc = socle_service_write(svc, record_outcome, &o, &err);
	if (rc < 0)
		socle_log(SOCLE_LOG_ERROR, "service %s: job #%lld: cannot record outcome: %s", svc->id,
		          (long long)j->id, err.msg);
	return rc;
}

static int run_service(socle_core *core, socle_service *svc, int *ran)
{
	struct claim *c = calloc(1, sizeof(*c));
	socle_err err = SOCLE_ERR_INIT;
	int rc = 0;

	if (c == NULL)
		return SOCLE_E_NOMEM;
	for (int round = 0; round < CLAIM_MAX_ROUNDS; round++) {
		c->now = socle_now_ms();
		rc = socle_service_write(svc, claim_due, c, &err);
		if (rc < 0) {
			socle_log(SOCLE_LOG_ERROR, "service %s: claiming jobs: %s", svc->id, err.msg);
			break;
		}
		for (size_t i = 0; i < c->n; i++) {
			const struct reg_job *h = registry_job(&core->reg, c->jobs[i].kind);
			/* A long job goes to the pool, which owns it from now on: the
			 * loop goes on delivering events and mails meanwhile. */
			int jrc = h != NULL && h->long_running && job_pool_submit(core, svc, &c->jobs[i])
			                  ? 0
			                  : jobs_run_one(core, svc, &c->jobs[i]);

			(*ran)++;
			if (jrc < 0 && rc == 0)
				rc = jrc;
		}
		if (c->n < CLAIM_BATCH) {
			claim_clear(c);
			break;
		}
		claim_clear(c);
	}
	claim_clear(c);
	free(c);
	return rc;
}

int jobs_run_due(socle_core *core)
{
	return store_each_queue(core, run_service);
}

int64_t jobs_next_due_ms(socle_core *core)
{
	int64_t next = INT64_MAX;

	for (size_t i = 0; i < core->n_services; i++) {
		socle_service *svc = core->services[i];
		socle_db *r;
		socle_stmt *st;

		if (svc == NULL || svc->store == NULL || store_claim_queue(svc) != 1)
			continue;
		r = socle_service_reader(svc, NULL);
		st = r != NULL ? socle_db_prepare(r, "SELECT min(run_at) FROM core_job "
		                                     "WHERE state = 'queued'", NULL)
		               : NULL;
		if (st == NULL)
			continue;
		if (socle_stmt_step(st, NULL) == 1 && !socle_stmt_is_null(st, 0) &&
		    socle_stmt_int(st, 0) < next)
			next = socle_stmt_int(st, 0);
		socle_stmt_release(st);
	}
	return next;
}

static int purge_jobs(socle_db *w, void *ud, socle_err *err)
{
	return socle_db_run(w, "DELETE FROM core_job WHERE id IN (SELECT id FROM core_job "
	                       "WHERE state = 'done' AND updated_at < :before LIMIT 10000)",
	                    ud, err);
}

int jobs_purge(socle_service *svc, int64_t before_ms, socle_err *err)
{
	json_t *params = json_pack("{sI}", "before", (json_int_t)before_ms);
	int rc;

	if (params == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
	rc = socle_service_write(svc, purge_jobs, params, err);
	json_decref(params);
	return rc;
}
