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
 *     when it is missing) and on request (POST /tracking/due/recompute). The job holds the loop thread
 *     while it runs (about 10 s for 500,000 workers on 2 cores, bench/tracking):
 *     mails and events wait that long;
 *   - GET /tracking/companies/{id}/due-visits lists the company's workers with
 *     their owed visits, earliest deadline first (staff, the company's
 *     employer users: dates and visit types, no medical content);
 *   - GET /tracking/workers/{id}/next-visits asks the engine now for one worker,
 *     with its explanations and articles (staff, the worker, its employer).
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

#include "tracking.h"

/* Migration 8. */
const char tracking_sql_due[] =
	/* Derived data, rewritten by the runs: no foreign key checked on each
	 * row written (about 5 % of a first run's writes in the bench). */
	"CREATE TABLE tracking_due ("
	"  worker_id INTEGER PRIMARY KEY,"
	"  company_id INTEGER NOT NULL,"
	/* [{type, earliest, latest | before, who, overdue}], by deadline */
	"  visits TEXT NOT NULL,"
	"  next_type TEXT,"
	"  next_due TEXT,"
	"  overdue INTEGER NOT NULL,"
	"  error TEXT,"
	"  digest INTEGER NOT NULL,"
	"  run_id INTEGER NOT NULL);"
	"CREATE INDEX tracking_due_company ON tracking_due (company_id, next_due, worker_id);"
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

#define NOMEM(err) socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante")
/* Workers read per statement, hence at most that many rows per write. */
#define DUE_BATCH 2000
#define DUE_THREADS_MAX 8
/* How often the timer looks for a missing daily run (one write per service). */
#define DUE_TIMER_MS (60 * 1000)

static int64_t iget(const json_t *o, const char *k)
{
	return (int64_t)json_integer_value(json_object_get(o, k));
}

static const char *sget(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* ---- the engine's input, read from the store ----------------------------------------------- */

/* Columns of one row of WORKER_SQL: the worker (repeated on each of its
 * outcomes), its protocol, its last due digest, one outcome or NULLs. */
enum {
	C_ID, C_COMPANY, C_BIRTH, C_START, C_END, C_CATEGORY, C_CONTRACT, C_NIGHT, C_RQTH,
	C_INVALIDITY, C_EXPOSURES, C_SIR, C_CACES, C_IONISING, C_MINOR, C_PERIODICITY, C_NEXT_ON,
	C_DIGEST, C_O_TYPE, C_O_HELD, C_O_ROLE, C_O_ATTESTATION, C_O_AVIS, C_O_ADJUSTMENTS,
};

#define WORKER_SQL                                                                              \
	"SELECT w.id, w.company_id, w.birth_date, w.start_date, w.end_date, w.category,"           \
	" w.contract_type, w.night_worker, w.rqth, w.invalidity_pension, w.exposures, w.sir_post,"  \
	" w.caces_or_electrical, w.ionising_category_a, w.minor_regulated_work,"                    \
	" p.periodicity_months, p.next_visit_on, d.digest,"                                         \
	" o.type, o.held_on, o.role, o.attestation, o.avis, o.adjustments"                          \
	" FROM membership_worker w"                                                                 \
	" LEFT JOIN tracking_protocol p ON p.worker_id = w.id"                                      \
	" LEFT JOIN tracking_due d ON d.worker_id = w.id"                                           \
	" LEFT JOIN tracking_visit_outcome o ON o.worker_id = w.id"

static void set_text(json_t *o, const char *k, const char *v)
{
	if (v != NULL)
		json_object_set_new_nocheck(o, k, json_string_nocheck(v));
}

static void set_flag(json_t *o, const char *k, socle_stmt *st, int col)
{
	if (socle_stmt_int(st, col) != 0)
		json_object_set_new_nocheck(o, k, json_true());
}

/* The few distinct values of a column (visit types, roles, avis), one JSON
 * string each, shared by every row of a run that carries them. */
struct texts {
	json_t *v[48];
	size_t n;
};

static void texts_free(struct texts *t)
{
	for (size_t i = 0; i < t->n; i++)
		json_decref(t->v[i]);
	t->n = 0;
}

/* Set @p k to @p v, shared through @p t when there is room (borrowed). */
static void set_shared(json_t *o, const char *k, const char *v, struct texts *t)
{
	if (v == NULL)
		return;
	for (size_t i = 0; t && i < t->n; i++)
		if (strcmp(json_string_value(t->v[i]), v) == 0) {
			json_object_set_nocheck(o, k, t->v[i]);
			return;
		}
	json_t *s = json_string_nocheck(v);
	if (s != NULL && t && t->n < sizeof(t->v) / sizeof(t->v[0]))
		t->v[t->n++] = json_incref(s);
	json_object_set_new_nocheck(o, k, s);
}

/* The worker of the current row (absent fields are the rule's defaults). */
static json_t *worker_of_row(socle_stmt *st, struct texts *t)
{
	json_t *w = json_object();

	if (w == NULL)
		return NULL;
	set_text(w, "birth_date", socle_stmt_text(st, C_BIRTH));
	set_text(w, "start_date", socle_stmt_text(st, C_START));
	set_text(w, "end_date", socle_stmt_text(st, C_END));
	set_shared(w, "category", socle_stmt_text(st, C_CATEGORY), t);
	set_shared(w, "contract_type", socle_stmt_text(st, C_CONTRACT), t);
	set_flag(w, "night_worker", st, C_NIGHT);
	set_flag(w, "rqth", st, C_RQTH);
	set_flag(w, "invalidity_pension", st, C_INVALIDITY);
	set_flag(w, "sir_post", st, C_SIR);
	set_flag(w, "caces_or_electrical", st, C_CACES);
	set_flag(w, "ionising_category_a", st, C_IONISING);
	set_flag(w, "minor_regulated_work", st, C_MINOR);
	const char *exp = socle_stmt_text(st, C_EXPOSURES);
	if (exp != NULL && strcmp(exp, "[]") != 0) {
		json_t *a = json_loads(exp, 0, NULL);

		if (json_is_array(a))
			json_object_set_new_nocheck(w, "exposures", a);
		else
			json_decref(a);
	}
	if (!socle_stmt_is_null(st, C_PERIODICITY) || !socle_stmt_is_null(st, C_NEXT_ON)) {
		json_t *p = json_object();

		if (p && !socle_stmt_is_null(st, C_PERIODICITY))
			json_object_set_new_nocheck(p, "periodicity_months",
			                            json_integer(socle_stmt_int(st, C_PERIODICITY)));
		if (p)
			set_text(p, "next_visit_on", socle_stmt_text(st, C_NEXT_ON));
		json_object_set_new_nocheck(w, "protocol", p);
	}
	return w;
}

/* The visit of the current row, as next_visits reads history. */
static json_t *visit_of_row(socle_stmt *st, struct texts *t)
{
	json_t *h = json_object();
	const char *avis = socle_stmt_text(st, C_O_AVIS), *adj = socle_stmt_text(st, C_O_ADJUSTMENTS);

	if (h == NULL)
		return NULL;
	set_shared(h, "type", socle_stmt_text(st, C_O_TYPE), t);
	set_text(h, "date", socle_stmt_text(st, C_O_HELD));
	set_shared(h, "by", socle_stmt_text(st, C_O_ROLE), t);
	if (!socle_stmt_is_null(st, C_O_ATTESTATION))
		json_object_set_new_nocheck(h, "attestation", json_true());
	set_shared(h, "avis", avis, t);
	if ((adj != NULL && strcmp(adj, "[]") != 0) || (avis && strcmp(avis, "inaptitude") == 0))
		json_object_set_new_nocheck(h, "restrictions", json_true());
	return h;
}

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

/* Summarise next_visits' answer @p out (or its failure @p why) into @p row:
 * [{"type", "earliest", "latest" | "before", "who", "overdue"}] in the rule's
 * order (by deadline). */
static int due_summarise(const json_t *out, const char *why, struct due_row *row)
{
	struct sbuf b = {0};
	const json_t *v;
	size_t i;

	sb_lit(&b, "[");
	json_array_foreach(why ? NULL : json_object_get(out, "visits"), i, v) {
		const char *latest = sget(v, "latest"), *due = latest ? latest : sget(v, "before");
		bool overdue = json_is_true(json_object_get(v, "overdue"));

		sb_lit(&b, i ? ",{\"type\":" : "{\"type\":");
		sb_str(&b, sget(v, "type"));
		sb_lit(&b, ",\"earliest\":");
		sb_str(&b, sget(v, "earliest"));
		sb_lit(&b, latest ? ",\"latest\":" : ",\"before\":");
		sb_str(&b, due);
		sb_lit(&b, ",\"who\":");
		sb_str(&b, sget(v, "who"));
		sb_lit(&b, overdue ? ",\"overdue\":true}" : ",\"overdue\":false}");
		row->overdue += overdue;
		/* The rule sorts by deadline: the first is the next one. */
		if (i == 0 && due != NULL) {
			snprintf(row->next_type, sizeof(row->next_type), "%s", sget(v, "type"));
			snprintf(row->next_due, sizeof(row->next_due), "%s", due);
		}
	}
	sb_lit(&b, "]");
	row->visits = b.p;
	if (b.failed || (why && (row->error = strdup(why)) == NULL))
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

static int due_write_txn(socle_db *wdb, void *ud, socle_err *err)
{
	const struct due_batch *b = ud;

	for (size_t i = 0; i < b->n; i++) {
		const struct due_row *r = &b->rows[i];
		socle_stmt *st = socle_db_prepare(
			wdb,
			"INSERT OR REPLACE INTO tracking_due (worker_id, company_id, visits, next_type,"
			" next_due, overdue, error, digest, run_id) VALUES (:w, :c, :v, :t, :d, :o, :e,"
			" :g, :r)",
			err);
		int rc;

		if (st == NULL)
			return err->code ? err->code : SOCLE_E_STORE;
		socle_stmt_bind_int(st, ":w", r->worker_id);
		socle_stmt_bind_int(st, ":c", r->company_id);
		socle_stmt_bind_text(st, ":v", r->visits);
		if (r->next_type[0])
			socle_stmt_bind_text(st, ":t", r->next_type);
		if (r->next_due[0])
			socle_stmt_bind_text(st, ":d", r->next_due);
		socle_stmt_bind_int(st, ":o", r->overdue);
		if (r->error)
			socle_stmt_bind_text(st, ":e", r->error);
		socle_stmt_bind_int(st, ":g", r->digest);
		socle_stmt_bind_int(st, ":r", b->run_id);
		rc = socle_stmt_step(st, err);
		socle_stmt_release(st);
		if (rc < 0)
			return rc;
	}
	return 0;
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
	struct texts texts; /* this thread's shared values */
	int rc;
	socle_err err;
};

/* The answer of the worker whose rows were read, kept when it changed. */
static int due_one(struct due_share *sh, struct due_batch *b, int64_t worker_id,
                   int64_t company_id, int64_t old_digest, bool had_row, json_t *worker,
                   json_t *history, json_t *on_date)
{
	struct due_row row = {.worker_id = worker_id, .company_id = company_id};
	json_t *args = json_array(), *out = NULL;
	socle_err e2 = SOCLE_ERR_INIT;
	const char *why = NULL;
	int rc;

	sh->st.workers++;
	if (args == NULL)
		return SOCLE_E_NOMEM;
	if (json_object_get(worker, "category") == NULL) {
		why = "Catégorie de suivi non calculée (follow_up_category) : prochaines visites "
		      "inconnues.";
	} else {
		json_array_append(args, worker);
		json_array_append(args, history);
		json_array_append(args, on_date);
		if (socle_rule_call(sh->svc, "next_visits", args, &out, &e2) != 0)
			why = e2.msg;
	}
	json_decref(args);
	sh->st.failed += why != NULL;
	rc = due_summarise(out, why, &row);
	json_decref(out);
	if (rc != 0) {
		due_row_clear(&row);
		return rc;
	}
	if (had_row && row.digest == old_digest) { /* unchanged: not rewritten */
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
                     int64_t hi, json_t *on_date)
{
	socle_stmt *st = socle_db_prepare(db, WORKER_SQL " WHERE w.id >= :lo AND w.id < :hi"
	                                      " ORDER BY w.id, o.held_on, o.id", &sh->err);
	json_t *worker = NULL, *history = NULL;
	int64_t cur = 0, company = 0, digest = 0;
	bool had_row = false;
	int rc = 0;

	if (st == NULL)
		return sh->err.code ? sh->err.code : SOCLE_E_STORE;
	socle_stmt_bind_int(st, ":lo", lo);
	socle_stmt_bind_int(st, ":hi", hi);
	for (;;) {
		int step = socle_stmt_step(st, &sh->err);
		int64_t id = step == 1 ? socle_stmt_int(st, C_ID) : -1;

		if (worker != NULL && id != cur) {
			rc = due_one(sh, b, cur, company, digest, had_row, worker, history, on_date);
			json_decref(worker);
			json_decref(history);
			worker = history = NULL;
			if (rc != 0)
				break;
		}
		if (step != 1) {
			rc = step < 0 ? step : 0;
			break;
		}
		if (worker == NULL) {
			cur = id;
			company = socle_stmt_int(st, C_COMPANY);
			had_row = !socle_stmt_is_null(st, C_DIGEST);
			digest = socle_stmt_int(st, C_DIGEST);
			worker = worker_of_row(st, &sh->texts);
			history = json_array();
			if (worker == NULL || history == NULL) {
				rc = SOCLE_E_NOMEM;
				break;
			}
		}
		if (!socle_stmt_is_null(st, C_O_HELD)) {
			json_t *h = visit_of_row(st, &sh->texts);

			if (h == NULL || json_array_append_new(history, h) != 0) {
				rc = SOCLE_E_NOMEM;
				break;
			}
		}
	}
	json_decref(worker);
	json_decref(history);
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
	json_t *on_date = json_string(sh->on_date);
	int rc = 0;

	if (b == NULL || on_date == NULL)
		rc = SOCLE_E_NOMEM;
	else if (db == NULL)
		rc = sh->err.code ? sh->err.code : SOCLE_E_STORE;
	else
		b->run_id = sh->run_id;
	for (int64_t lo = sh->lo; rc == 0 && lo < sh->hi; lo += DUE_BATCH)
		rc = due_chunk(sh, db, b, lo, lo + DUE_BATCH < sh->hi ? lo + DUE_BATCH : sh->hi,
		               on_date);
	json_decref(on_date);
	texts_free(&sh->texts);
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
	                                             " FROM membership_worker", NULL, err)
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

/* ---- the job and its daily schedule ---------------------------------------------------------- */

static int online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > DUE_THREADS_MAX ? DUE_THREADS_MAX : (int)n;
}

/* In a write: queue today's run unless one is queued, running, or done
 * today. Returns the run id (> 0), 0 when there was nothing to queue, or a
 * negative code. */
struct due_queue {
	int64_t user_id;
	bool only_if_missing; /* the timer: not when today's run is done */
	int64_t run_id;
};

static int due_queue_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct due_queue *q = ud;
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
		struct due_queue q = {.only_if_missing = true};
		socle_err err = SOCLE_ERR_INIT;

		if (!socle_service_enables(svc, "tracking"))
			continue;
		if (socle_service_write(svc, due_queue_txn, &q, &err) != 0)
			socle_log(SOCLE_LOG_WARN, "service %s : calcul des prochaines visites non planifié :"
			          " %s", socle_service_id(svc), err.msg);
	}
}

static void due_timer(socle_core *core, void *ud)
{
	(void)ud;
	tracking_due_schedule(core);
}

/* ---- routes ------------------------------------------------------------------------------------ */

static int reply_fail(socle_req *req, socle_err *err)
{
	return err->code ? socle_reply_err(req, err) : SOCLE_E_NOMEM;
}

/* The last finished run, or JSON null. */
static json_t *last_run(socle_db *db, socle_err *err)
{
	socle_err e2 = SOCLE_ERR_INIT;
	json_t *r = socle_db_query_one(db, "SELECT id, on_date, state, queued_at, started_at,"
	                                   " finished_at, workers, changed, failed, error"
	                                   " FROM tracking_due_run WHERE state IN ('done', 'failed')"
	                                   " ORDER BY id DESC LIMIT 1",
	                               NULL, &e2);

	if (r == NULL && e2.code != SOCLE_E_NOTFOUND) {
		*err = e2;
		return NULL;
	}
	return r ? r : json_null();
}

/* POST /tracking/due/recompute: queue a run now (202), or say which one is
 * already queued or running (200). */
static int due_recompute_route(socle_req *req, void *ud)
{
	struct due_queue q = {.user_id = socle_principal_user_id(socle_req_principal(req))};
	socle_err err = SOCLE_ERR_INIT;
	(void)ud;

	if (socle_service_write(socle_req_service(req), due_queue_txn, &q, &err) != 0)
		return socle_reply_err(req, &err);
	return socle_reply_json(req, q.run_id > 0 ? 202 : 200,
	                        json_pack("{s:I, s:s}", "run_id",
	                                  (json_int_t)(q.run_id > 0 ? q.run_id : -q.run_id), "state",
	                                  q.run_id > 0 ? "queued" : "already_queued"));
}

/* GET /tracking/due/runs: the last runs, newest first. */
static int due_runs_route(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	socle_db *db = socle_req_reader(req, &err);
	json_t *items = db ? socle_db_query(db, "SELECT id, on_date, state, queued_at, started_at,"
	                                        " finished_at, workers, changed, failed, error"
	                                        " FROM tracking_due_run ORDER BY id DESC LIMIT 30",
	                                    NULL, &err)
	                   : NULL;
	(void)ud;

	return items ? socle_reply_json(req, 200, json_pack("{s:o}", "items", items))
	             : reply_fail(req, &err);
}

/* GET /tracking/companies/{id}/due-visits[?overdue=1]: the company's workers
 * and what they owe, earliest deadline first (workers without any owed visit
 * last), by pages: the cursor is the last worker of the previous page, whose
 * deadline is read back (as the visits-to-plan list does). */
static int due_visits_route(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company, after;
	int limit;
	const char *ov = socle_req_query(req, "overdue");
	(void)ud;

	if (socle_req_param_id(req, "id", &company) != 0)
		return socle_reply_error(req, 404, "not_found", "Entreprise introuvable.");
	if (socle_req_page(req, &limit, &after, &err) != 0)
		return socle_reply_err(req, &err);
	if (ov != NULL && strcmp(ov, "1") != 0 && strcmp(ov, "0") != 0)
		return socle_reply_error(req, 400, "invalid",
		                         "Paramètre « overdue » invalide : 0 ou 1 attendu.");
	if (socle_access_company(req, company, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *params = json_pack("{s:I, s:b, s:I, s:i}", "company", (json_int_t)company,
	                           "overdue", ov != NULL && strcmp(ov, "1") == 0, "after",
	                           (json_int_t)after, "limit", limit);
	json_t *items = db && params ? socle_db_query(
		db,
		"WITH c AS (SELECT COALESCE(next_due, '9999-99-99') AS cd FROM tracking_due"
		"   WHERE worker_id = :after AND company_id = :company)"
		" SELECT d.worker_id, w.last_name, w.first_name, w.category, d.visits, d.next_type,"
		" d.next_due, d.overdue, d.error"
		" FROM tracking_due d JOIN membership_worker w ON w.id = d.worker_id"
		" LEFT JOIN c ON 1 = 1"
		" WHERE d.company_id = :company AND (:overdue = 0 OR d.overdue > 0)"
		" AND (:after = 0 OR COALESCE(d.next_due, '9999-99-99') > c.cd"
		"   OR (COALESCE(d.next_due, '9999-99-99') = c.cd AND d.worker_id > :after))"
		" ORDER BY COALESCE(d.next_due, '9999-99-99'), d.worker_id LIMIT :limit",
		params, &err) : NULL;
	json_decref(params);
	json_t *run = items ? last_run(db, &err) : NULL;
	if (items == NULL || run == NULL) {
		json_decref(items);
		return reply_fail(req, &err);
	}
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it) {
		json_t *v = json_loads(sget(it, "visits") ? sget(it, "visits") : "[]", 0, NULL);

		json_object_set_new(it, "visits", json_is_array(v) ? v : json_array());
		if (v && !json_is_array(v))
			json_decref(v);
	}
	json_t *body = json_pack("{s:o, s:o}", "items", items, "computed", run);
	size_t n = json_array_size(items);
	if (body && n == (size_t)limit) {
		char next[32];

		snprintf(next, sizeof(next), "%" PRId64, iget(json_array_get(items, n - 1), "worker_id"));
		json_object_set_new(body, "next_cursor", json_string(next));
	}
	return body ? socle_reply_json(req, 200, body) : SOCLE_E_NOMEM;
}

/* GET /tracking/workers/{id}/next-visits: the engine asked now about one
 * worker, with its explanations and articles. */
static int worker_next_visits_route(socle_req *req, void *ud)
{
	socle_service *svc = socle_req_service(req);
	socle_err err = SOCLE_ERR_INIT;
	int64_t worker_id;
	char today[11];
	(void)ud;

	if (socle_req_param_id(req, "id", &worker_id) != 0)
		return socle_reply_error(req, 404, "not_found", "Salarié introuvable.");
	socle_db *db = socle_req_reader(req, &err);
	socle_stmt *st = db ? socle_db_prepare(db, WORKER_SQL " WHERE w.id = :id"
	                                           " ORDER BY o.held_on, o.id", &err)
	                    : NULL;
	if (st == NULL)
		return reply_fail(req, &err);
	socle_stmt_bind_int(st, ":id", worker_id);
	json_t *worker = NULL, *history = json_array();
	int64_t company = 0;
	int step;
	while (history && (step = socle_stmt_step(st, &err)) == 1) {
		if (worker == NULL) {
			company = socle_stmt_int(st, C_COMPANY);
			worker = worker_of_row(st, NULL);
		}
		if (!socle_stmt_is_null(st, C_O_HELD))
			json_array_append_new(history, visit_of_row(st, NULL));
	}
	socle_stmt_release(st);
	if (worker == NULL || history == NULL) {
		json_decref(worker);
		json_decref(history);
		if (err.code)
			return socle_reply_err(req, &err);
		return socle_reply_error(req, 404, "not_found", "Salarié introuvable.");
	}
	if (socle_access_worker(req, worker_id, company, &err) != 0) {
		json_decref(worker);
		json_decref(history);
		return socle_reply_err(req, &err);
	}
	if (json_object_get(worker, "category") == NULL) {
		json_decref(worker);
		json_decref(history);
		return socle_reply_error(req, 409, "no_category",
		                         "La catégorie de suivi de ce salarié n'est pas encore "
		                         "calculée : ses prochaines visites ne peuvent pas l'être.");
	}
	socle_date_today(today);
	json_t *args = json_pack("[o, o, s]", worker, history, today), *out = NULL;
	int rc = args ? socle_rule_call(svc, "next_visits", args, &out, &err) : SOCLE_E_NOMEM;
	json_decref(args);
	if (rc != 0)
		return socle_reply_err(req, &err);
	json_object_set_new(out, "worker_id", json_integer(worker_id));
	json_object_set_new(out, "on_date", json_string(today));
	return socle_reply_json(req, 200, out);
}

static const struct socle_route due_routes[] = {
	{SOCLE_POST, "/tracking/due/recompute", "tracking.planning", 1024, due_recompute_route,
	 NULL},
	{SOCLE_GET, "/tracking/due/runs", "tracking.planning", 0, due_runs_route, NULL},
	{SOCLE_GET, "/tracking/companies/{id}/due-visits", "tracking.request", 0, due_visits_route,
	 NULL},
	{SOCLE_GET, "/tracking/workers/{id}/next-visits", "tracking.request", 0,
	 worker_next_visits_route, NULL},
};

int tracking_due_init(socle_plugin *p, socle_err *err)
{
	int rc;

	if ((rc = socle_plugin_add_routes(p, due_routes, SOCLE_COUNT(due_routes), err)) ||
	    (rc = socle_plugin_add_job(p, "tracking.recompute", recompute_job, NULL, err)) ||
	    (rc = socle_plugin_add_timer(p, DUE_TIMER_MS, due_timer, NULL, err)))
		return rc;
	return 0;
}
