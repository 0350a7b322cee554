/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Due visits (issue 4, item 1, at the scale of a service): every worker's next
 * visits recomputed through the rule point next_visits and kept in
 * tracking_due, so that planners and employers see, per company, what each
 * worker owes and what is overdue, as the service's own rules say.
 *
 *   - the recomputation (tracking_due_recompute) reads each worker as
 *     membership stores it, the médecin's protocol and the visits held
 *     (tracking_visit_outcome), calls next_visits for each, and writes the rows
 *     whose answer changed (a digest of the answer is kept with it: a nightly
 *     run rewrites only what moved). The workers are shared among threads, each
 *     with its own reader and Lua state; writes go through the service's
 *     writer in batches;
 *   - it runs as the job tracking.recompute: once a day (at start, then every
 *     minute, for each service that enables tracking, the day's run is queued
 *     when it is missing) and on request (POST /tracking/due/recompute). It
 *     is a long job (socle_plugin_add_long_job): the core's job pool runs it
 *     (6 to 7.5 s for 500,000 workers on 2 cores, bench/tracking) while the
 *     loop keeps delivering events and mails;
 *   - the worker as the engine is given him is read in due_input.c, which
 *     also asks the engine now for one worker (tracking_next_visits_now);
 *     the routes that show all this are due_routes.c.
 *
 * The worker as the engine sees it: birth_date, start_date, end_date,
 * category (follow_up_category of membership; a worker without one is
 * recorded with an error), contract_type, the flags of membership (night
 * work, RQTH, invalidity pension, SIR post, CACES or electrical habilitation,
 * ionising radiation category A, minor on regulated work) and its exposures,
 * the protocol (periodicity, next visit date). History: each visit outcome
 * (type, date held, by the médecin or the infirmier, attestation held, avis,
 * restrictions when the outcome proposed job adjustments or gave an
 * inaptitude). Pregnancy and the other R4624-19 situations are not stored by
 * membership: the engine sees them as absent. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "due_input.h"
#include "tracking.h"

/* Migration 8. */
const char tracking_sql_due[] =
	/* Derived data, rewritten by the runs: no foreign key checked on each
	 * row written. Keyed by company then worker, without rowid: one B-tree
	 * holds a company's workers together, for its list, and each row is one
	 * insertion (a rowid table and an index on the company took two: the
	 * writes of a first run took 40 % more instructions in the bench). A
	 * worker never changes company in membership. */
	"CREATE TABLE tracking_due ("
	"  company_id INTEGER NOT NULL,"
	"  worker_id INTEGER NOT NULL,"
	/* [{type, earliest, latest | before, who, overdue}], by deadline */
	"  visits TEXT NOT NULL,"
	"  next_type TEXT,"
	"  next_due TEXT,"
	"  overdue INTEGER NOT NULL,"
	"  error TEXT,"
	"  digest INTEGER NOT NULL,"
	"  run_id INTEGER NOT NULL,"
	"  PRIMARY KEY (company_id, worker_id)) WITHOUT ROWID;"
	"CREATE TABLE tracking_due_run ("
	"  id INTEGER PRIMARY KEY,"
	"  on_date TEXT NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),"
	"  requested_by INTEGER,"
	"  queued_at BIGINT NOT NULL,"
	"  started_at BIGINT,"
	"  finished_at BIGINT,"
	"  workers INTEGER,"
	"  changed INTEGER,"
	"  failed INTEGER,"
	"  error TEXT);"
	"CREATE INDEX tracking_due_run_date ON tracking_due_run (on_date, state);";

/* Workers read per statement, hence at most that many rows per write. */
#define DUE_BATCH 2000
#define DUE_THREADS_MAX 8
/* How often the timer looks for a missing daily run (one write per service). */
#define DUE_TIMER_MS (60 * 1000)

/* ---- one worker's answer, as stored ----------------------------------------------------------- */

struct due_row {
	int64_t worker_id, company_id, digest;
	char *visits;   /* compact JSON (owned) */
	char *error;    /* French, or NULL (owned) */
	char next_type[32], next_due[11];
	int overdue;
};

static void due_row_clear(struct due_row *r)
{
	free(r->visits);
	free(r->error);
	memset(r, 0, sizeof(*r));
}

static int64_t fnv1a(const char *s, uint64_t h)
{
	for (; s && *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return (int64_t)(h & INT64_MAX);
}

/* A growing text buffer for the stored summary (json_pack + json_dumps cost
 * as much as the rest of the summary a hundred times over). */
struct sbuf {
	char *p;
	size_t n, cap;
	bool failed;
};

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (p == NULL) {
			b->failed = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void sb_lit(struct sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

/* A JSON string: quotes, backslashes and control characters escaped (the
 * contract checked the values; a service's rule may still say anything). */
static void sb_str(struct sbuf *b, const char *s)
{
	sb_put(b, "\"", 1);
	for (const char *run = s; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c != '"' && c != '\\') {
			if (s[1] == '\0')
				sb_put(b, run, (size_t)(s + 1 - run));
			continue;
		}
		char esc[8];
		sb_put(b, run, (size_t)(s - run));
		snprintf(esc, sizeof(esc), "\\u%04x", c);
		sb_lit(b, esc);
		run = s + 1;
	}
	sb_put(b, "\"", 1);
}

/* next_visits' answer summarised as it is stored: [{"type", "earliest",
 * "latest" | "before", "who", "overdue"}] in the rule's order (by deadline).
 * Read straight from the Lua stack (socle_rule_call_read): converting the
 * whole answer to JSON, checking it and freeing it cost more than the rest
 * of the summary. */
struct due_summary {
	struct due_worker *w;  /* the arguments' source */
	struct sbuf b;
	struct due_row *row;
	size_t n;
};

static int due_take_visit(const struct tracking_visit_view *v, void *ud)
{
	struct due_summary *s = ud;
	const char *due = v->has_latest ? v->latest : v->before;
	bool overdue = v->overdue == TRACKING_FLAG_TRUE;

	sb_lit(&s->b, s->n ? ",{\"type\":" : "{\"type\":");
	sb_str(&s->b, v->type);
	sb_lit(&s->b, ",\"earliest\":");
	sb_str(&s->b, v->earliest);
	sb_lit(&s->b, v->has_latest ? ",\"latest\":" : ",\"before\":");
	sb_str(&s->b, due);
	sb_lit(&s->b, ",\"who\":");
	sb_str(&s->b, v->who);
	sb_lit(&s->b, overdue ? ",\"overdue\":true}" : ",\"overdue\":false}");
	s->row->overdue += overdue;
	/* The rule sorts by deadline: the first is the next one. The contract
	 * checked both: a known type, a date. */
	if (s->n++ == 0) {
		size_t tl = strlen(v->type);

		if (tl >= sizeof(s->row->next_type))
			tl = sizeof(s->row->next_type) - 1;
		memcpy(s->row->next_type, v->type, tl);
		s->row->next_type[tl] = '\0';
		memcpy(s->row->next_due, due, sizeof(s->row->next_due) - 1);
		s->row->next_due[sizeof(s->row->next_due) - 1] = '\0';
	}
	return s->b.failed ? SOCLE_E_NOMEM : 0;
}

static int due_read_answer(lua_State *L, int idx, void *ud, socle_err *err)
{
	struct due_summary *s = ud;

	sb_lit(&s->b, "[");
	return tracking_next_visits_read(L, idx, due_take_visit, s, err);
}

static void push_worker_args(lua_State *L, void *ud)
{
	due_push_next_visits_args(L, ((struct due_summary *)ud)->w);
}

/* Close @p s into @p row, or record the failure @p why (French) with no visit. */
static int due_summary_end(struct due_summary *s, const char *why, struct due_row *row)
{
	if (why != NULL) {
		s->b.n = 0;
		s->b.failed = false;
		row->overdue = 0;
		row->next_type[0] = row->next_due[0] = '\0';
		sb_lit(&s->b, "[");
		if ((row->error = strdup(why)) == NULL)
			s->b.failed = true;
	}
	sb_lit(&s->b, "]");
	row->visits = s->b.p;
	if (s->b.failed)
		return SOCLE_E_NOMEM;
	row->digest = fnv1a(row->error, (uint64_t)fnv1a(row->visits, 14695981039346656037ULL));
	return 0;
}

/* ---- the recomputation ---------------------------------------------------------------------- */

struct due_batch {
	struct due_row rows[DUE_BATCH];
	size_t n;
	int64_t run_id;
};

/* One statement for the batch, reset after each row; every parameter that
 * changes is bound for every row. An upsert rather than INSERT OR REPLACE:
 * the row is changed in place, and the statement needs no statement journal
 * (REPLACE may delete then insert, which SQLite journals per statement). */
static int due_write_txn(socle_db *wdb, void *ud, socle_err *err)
{
	const struct due_batch *b = ud;
	socle_stmt *st = socle_db_prepare(
		wdb,
		"INSERT INTO tracking_due (worker_id, company_id, visits, next_type, next_due,"
		" overdue, error, digest, run_id) VALUES (:w, :c, :v, :t, :d, :o, :e, :g, :r)"
		" ON CONFLICT (company_id, worker_id) DO UPDATE SET visits = excluded.visits,"
		" next_type = excluded.next_type, next_due = excluded.next_due,"
		" overdue = excluded.overdue, error = excluded.error, digest = excluded.digest,"
		" run_id = excluded.run_id",
		err);
	int rc = 0;

	if (st == NULL)
		return err->code ? err->code : SOCLE_E_STORE;
	socle_stmt_bind_int(st, ":r", b->run_id);
	for (size_t i = 0; i < b->n && rc >= 0; i++) {
		const struct due_row *r = &b->rows[i];

		socle_stmt_bind_int(st, ":w", r->worker_id);
		socle_stmt_bind_int(st, ":c", r->company_id);
		socle_stmt_bind_text(st, ":v", r->visits);
		socle_stmt_bind_text(st, ":t", r->next_type[0] ? r->next_type : NULL);
		socle_stmt_bind_text(st, ":d", r->next_due[0] ? r->next_due : NULL);
		socle_stmt_bind_int(st, ":o", r->overdue);
		socle_stmt_bind_text(st, ":e", r->error);
		socle_stmt_bind_int(st, ":g", r->digest);
		rc = socle_stmt_step(st, err);
		socle_stmt_reset(st);
	}
	socle_stmt_release(st);
	return rc < 0 ? rc : 0;
}

static int due_flush(socle_service *svc, struct due_batch *b, socle_err *err)
{
	int rc = b->n ? socle_service_write(svc, due_write_txn, b, err) : 0;

	for (size_t i = 0; i < b->n; i++)
		due_row_clear(&b->rows[i]);
	b->n = 0;
	return rc;
}

/* One thread's share: the workers lo <= id < hi. */
struct due_share {
	socle_service *svc;
	const char *on_date;
	int64_t lo, hi, run_id;
	struct tracking_due_stats st;
	int rc;
	socle_err err;
};

/* next_visits for @p w read into @p s: 0, or the reason it could not be
 * asked or answered (French) in @p why. */
static int ask_engine(socle_service *svc, struct due_worker *w, struct due_summary *s, char *why,
                      size_t why_size)
{
	socle_err e2 = SOCLE_ERR_INIT;

	if (w->invalid) {
		snprintf(why, why_size, "Donnée du salarié illisible (%s) : prochaines visites "
		         "inconnues.", w->invalid);
		return -1;
	}
	if (w->category[0] == '\0') {
		snprintf(why, why_size, "Catégorie de suivi non calculée (follow_up_category) : "
		         "prochaines visites inconnues.");
		return -1;
	}
	if (socle_rule_call_read(svc, "next_visits", push_worker_args, due_read_answer, s, &e2)) {
		snprintf(why, why_size, "%s", e2.msg);
		return -1;
	}
	return 0;
}

/* The answer for the worker whose rows were read, kept when it changed. */
static int due_one(struct due_share *sh, struct due_batch *b, struct due_worker *w)
{
	struct due_row row = {.worker_id = w->id, .company_id = w->company};
	struct due_summary s = {.w = w, .row = &row};
	char why[sizeof(((socle_err *)0)->msg) + 64];
	bool failed = ask_engine(sh->svc, w, &s, why, sizeof(why)) != 0;
	int rc;

	sh->st.workers++;
	sh->st.failed += failed;
	rc = due_summary_end(&s, failed ? why : NULL, &row);
	if (rc != 0) {
		due_row_clear(&row);
		return rc;
	}
	if (w->had_row && row.digest == w->digest) { /* unchanged: not rewritten */
		due_row_clear(&row);
		return 0;
	}
	sh->st.changed++;
	b->rows[b->n++] = row; /* a chunk holds at most DUE_BATCH workers */
	return 0;
}

/* One chunk of a share: the workers lo <= id < hi, read in one statement
 * that is finished before the chunk's answers are written. A read kept open
 * across writes would pin the log (no checkpoint can pass a reader's
 * snapshot): the write path would then wait for it, and the log grow. */
static int due_chunk(struct due_share *sh, socle_db *db, struct due_batch *b, int64_t lo,
                     int64_t hi, struct due_worker *w)
{
	socle_stmt *st = socle_db_prepare(db, WORKER_SQL " WHERE w.id >= :lo AND w.id < :hi"
	                                      " ORDER BY w.id, o.held_on, o.id", &sh->err);
	bool have = false;
	int rc = 0;

	if (st == NULL)
		return sh->err.code ? sh->err.code : SOCLE_E_STORE;
	socle_stmt_bind_int(st, ":lo", lo);
	socle_stmt_bind_int(st, ":hi", hi);
	for (;;) {
		int step = socle_stmt_step(st, &sh->err);
		int64_t id = step == 1 ? socle_stmt_int(st, C_ID) : -1;

		if (have && id != w->id) {
			rc = due_one(sh, b, w);
			have = false;
			if (rc != 0)
				break;
		}
		if (step != 1) {
			rc = step < 0 ? step : 0;
			break;
		}
		if (!have) {
			due_worker_reset(w);
			w->on_date = sh->on_date;
			due_worker_take(w, st);
			have = true;
		}
		if (!socle_stmt_is_null(st, C_O_HELD) && (rc = due_visit_take(w, st)) != 0)
			break;
	}
	socle_stmt_release(st);
	/* Written even after a failure: what was computed is kept. */
	int wrc = due_flush(sh->svc, b, rc == 0 ? &sh->err : &(socle_err)SOCLE_ERR_INIT);
	return rc != 0 ? rc : wrc;
}

static void *due_share_run(void *ud)
{
	struct due_share *sh = ud;
	struct due_batch *b = calloc(1, sizeof(*b));
	socle_db *db = b ? socle_service_reader(sh->svc, &sh->err) : NULL;
	struct due_worker w = {0};
	int rc = 0;

	if (b == NULL)
		rc = SOCLE_E_NOMEM;
	else if (db == NULL)
		rc = sh->err.code ? sh->err.code : SOCLE_E_STORE;
	else
		b->run_id = sh->run_id;
	for (int64_t lo = sh->lo; rc == 0 && lo < sh->hi; lo += DUE_BATCH)
		rc = due_chunk(sh, db, b, lo, lo + DUE_BATCH < sh->hi ? lo + DUE_BATCH : sh->hi, &w);
	due_worker_free(&w);
	free(b);
	sh->rc = rc;
	return NULL;
}

int tracking_due_recompute(socle_service *svc, const char *on_date, int64_t run_id, int threads,
                           struct tracking_due_stats *stats, socle_err *err)
{
	struct due_share sh[DUE_THREADS_MAX];
	pthread_t tid[DUE_THREADS_MAX];
	bool started[DUE_THREADS_MAX] = {false};
	socle_db *db = socle_service_reader(svc, err);
	json_t *range = db ? socle_db_query_one(db, "SELECT COALESCE(MIN(id), 0) AS lo,"
	                                             " COALESCE(MAX(id), 0) AS hi"
	                                             " FROM tracking_worker", NULL, err)
	                   : NULL;
	int rc = 0;

	memset(stats, 0, sizeof(*stats));
	if (range == NULL)
		return err->code ? err->code : SOCLE_E_STORE;
	int64_t lo = iget(range, "lo"), hi = iget(range, "hi") + 1;
	json_decref(range);
	if (threads < 1)
		threads = 1;
	if (threads > DUE_THREADS_MAX)
		threads = DUE_THREADS_MAX;
	int64_t per = (hi - lo + threads - 1) / threads;
	if (per < 1)
		per = 1;
	for (int i = 0; i < threads; i++) {
		sh[i] = (struct due_share){.svc = svc, .on_date = on_date, .run_id = run_id,
		                           .lo = lo + i * per,
		                           .hi = i == threads - 1 ? hi : lo + (i + 1) * per,
		                           .err = SOCLE_ERR_INIT};
		/* The last share runs on the calling thread. */
		if (i < threads - 1 && pthread_create(&tid[i], NULL, due_share_run, &sh[i]) == 0)
			started[i] = true;
		else
			due_share_run(&sh[i]);
	}
	for (int i = 0; i < threads; i++) {
		if (started[i])
			pthread_join(tid[i], NULL);
		stats->workers += sh[i].st.workers;
		stats->changed += sh[i].st.changed;
		stats->failed += sh[i].st.failed;
		if (sh[i].rc != 0 && rc == 0) {
			rc = sh[i].rc;
			socle_err_set(err, rc, "%s", sh[i].err.msg[0] ? sh[i].err.msg : "échec du calcul");
		}
	}
	return rc;
}

int tracking_due_recompute_worker(socle_service *svc, int64_t worker_id, socle_err *err)
{
	char today[SOCLE_DATE_SIZE];

	socle_date_today(today);
	/* The same path as the nightly run, on one worker: run 0 marks a row
	 * written between runs (the next run rewrites it when it changed). */
	struct due_share sh = {.svc = svc, .on_date = today, .run_id = 0, .lo = worker_id,
	                       .hi = worker_id + 1, .err = SOCLE_ERR_INIT};

	due_share_run(&sh);
	if (sh.rc != 0)
		return socle_err_set(err, sh.rc, "%s", sh.err.msg[0] ? sh.err.msg : "échec du calcul");
	return 0;
}

/* ---- the job and its daily schedule ---------------------------------------------------------- */

static int online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > DUE_THREADS_MAX ? DUE_THREADS_MAX : (int)n;
}

/* tracking.h: queue today's run (a write's work). */
int tracking_due_queue_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct tracking_due_queue *q = ud;
	char today[11];
	socle_err e2 = SOCLE_ERR_INIT;

	socle_date_today(today);
	/* A run queued or running for more than a day is one whose job died
	 * (attempts exhausted): it no longer holds the place. The timer tries a
	 * day once: a failed run waits for the next day or for staff. */
	json_t *p = json_pack("{s:b, s:s, s:I}", "missing", q->only_if_missing, "d", today, "stale",
	                      (json_int_t)(socle_now_ms() - 86400000));
	json_t *busy = p ? socle_db_query_one(wdb, "SELECT id FROM tracking_due_run WHERE"
	                                           " (state IN ('queued', 'running')"
	                                           "  AND queued_at > :stale)"
	                                           " OR (:missing = 1 AND on_date = :d) LIMIT 1",
	                                      p, &e2)
	                 : NULL;
	json_decref(p);
	if (p == NULL)
		return NOMEM(err);
	if (busy != NULL) {
		q->run_id = -iget(busy, "id"); /* already there */
		json_decref(busy);
		return 0;
	}
	if (e2.code != SOCLE_E_NOTFOUND)
		return socle_err_set(err, e2.code, "%s", e2.msg);
	p = json_pack("{s:s, s:I, s:I}", "d", today, "by", (json_int_t)q->user_id, "now",
	              (json_int_t)socle_now_ms());
	int rc = p ? socle_db_run(wdb, "INSERT INTO tracking_due_run (on_date, state, requested_by,"
	                               " queued_at) VALUES (:d, 'queued', NULLIF(:by, 0), :now)",
	                          p, err)
	           : NOMEM(err);
	json_decref(p);
	if (rc < 0)
		return rc;
	q->run_id = socle_db_last_insert_id(wdb);
	p = json_pack("{s:I}", "run_id", (json_int_t)q->run_id);
	int64_t job = p ? socle_job_enqueue(wdb, "tracking.recompute", p, 0, 3, err) : NOMEM(err);
	json_decref(p);
	return job < 0 ? (int)job : 0;
}

struct due_mark {
	int64_t run_id;
	const char *state;
	const struct tracking_due_stats *stats;
	const char *error;
};

static int due_mark_txn(socle_db *wdb, void *ud, socle_err *err)
{
	const struct due_mark *m = ud;
	bool end = strcmp(m->state, "running") != 0;
	json_t *p = json_pack("{s:I, s:s, s:I, s:b, s:I, s:I, s:I, s:s?}", "id", (json_int_t)m->run_id,
	                      "state", m->state, "now", (json_int_t)socle_now_ms(), "end", end,
	                      "w", (json_int_t)(m->stats ? m->stats->workers : 0), "c",
	                      (json_int_t)(m->stats ? m->stats->changed : 0), "f",
	                      (json_int_t)(m->stats ? m->stats->failed : 0), "e", m->error);
	int rc = p ? socle_db_run(wdb, "UPDATE tracking_due_run SET state = :state,"
	                               " started_at = CASE WHEN :end THEN started_at ELSE :now END,"
	                               " finished_at = CASE WHEN :end THEN :now END,"
	                               " workers = :w, changed = :c, failed = :f, error = :e"
	                               " WHERE id = :id",
	                          p, err)
	           : NOMEM(err);

	json_decref(p);
	return rc < 0 ? rc : 0;
}

static int recompute_job(socle_service *svc, const json_t *payload, void *ud, socle_err *err)
{
	struct tracking_due_stats stats = {0};
	struct due_mark m = {.run_id = iget(payload, "run_id"), .state = "running"};
	char today[11];
	(void)ud;

	if (m.run_id <= 0)
		return socle_err_set(err, SOCLE_E_INVAL, "tracking.recompute : charge utile invalide");
	socle_date_today(today);
	if (socle_service_write(svc, due_mark_txn, &m, err) != 0)
		return err->code;
	int64_t t0 = socle_now_ms();
	int rc = tracking_due_recompute(svc, today, m.run_id, online_cpus(), &stats, err);
	m.state = rc == 0 ? "done" : "failed";
	m.stats = &stats;
	m.error = rc == 0 ? NULL : err->msg;
	socle_log(rc == 0 ? SOCLE_LOG_INFO : SOCLE_LOG_WARN,
	          "service %s : prochaines visites recalculées pour %" PRId64 " salariés (%" PRId64
	          " changées, %" PRId64 " en erreur) en %.1f s%s%s", socle_service_id(svc),
	          stats.workers, stats.changed, stats.failed, (double)(socle_now_ms() - t0) / 1000.0,
	          rc == 0 ? "" : " : ", rc == 0 ? "" : err->msg);
	socle_err e2 = SOCLE_ERR_INIT;
	/* The day's thresholds of absence, whatever the recomputation gave (leave.c). */
	if (tracking_leave_thresholds(svc, today, NULL, &e2) != 0)
		socle_log(SOCLE_LOG_WARN, "service %s : seuils d'arrêt non annoncés : %s",
		          socle_service_id(svc), e2.msg);
	e2 = (socle_err)SOCLE_ERR_INIT;
	if (socle_service_write(svc, due_mark_txn, &m, &e2) != 0 && rc == 0)
		return socle_err_set(err, e2.code, "%s", e2.msg);
	/* A failed run is recorded as such; the timer queues another one. */
	return 0;
}

/* For each service that enables tracking, today's run is queued when it is
 * missing: at start, then every DUE_TIMER_MS (a new day). */
void tracking_due_schedule(socle_core *core)
{
	for (size_t i = 0; i < socle_core_service_count(core); i++) {
		socle_service *svc = socle_core_service_at(core, i);
		struct tracking_due_queue q = {.only_if_missing = true};
		socle_err err = SOCLE_ERR_INIT;

		if (!socle_service_enables(svc, "tracking"))
			continue;
		if (socle_service_write(svc, tracking_due_queue_txn, &q, &err) != 0)
			socle_log(SOCLE_LOG_WARN, "service %s : calcul des prochaines visites non planifié :"
			          " %s", socle_service_id(svc), err.msg);
	}
}

static void due_timer(socle_core *core, void *ud)
{
	(void)ud;
	tracking_due_schedule(core);
}

/* tracking.h: the engine asked now about one worker. */
int tracking_due_init(socle_plugin *p, socle_err *err)
{
	int rc;

	if ((rc = tracking_due_routes_init(p, err)) ||
	    (rc = socle_plugin_add_long_job(p, "tracking.recompute", recompute_job, NULL, err)) ||
	    (rc = socle_plugin_add_timer(p, DUE_TIMER_MS, due_timer, NULL, err)))
		return rc;
	return 0;
}
