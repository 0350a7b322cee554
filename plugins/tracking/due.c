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
 *   - tracking_next_visits_now asks the engine now for one worker; the routes
 *     that show all this are due_routes.c.
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

/* ---- the engine's input, read from the store ----------------------------------------------- */

/* Columns of one row of WORKER_SQL: the worker (repeated on each of its
 * outcomes), its protocol, its last due digest, one outcome or NULLs. */
enum {
	C_ID, C_COMPANY, C_BIRTH, C_START, C_END, C_CATEGORY, C_CONTRACT, C_NIGHT, C_RQTH,
	C_INVALIDITY, C_EXPOSURES, C_SIR, C_CACES, C_IONISING, C_MINOR, C_PERIODICITY, C_NEXT_ON,
	C_DIGEST, C_O_TYPE, C_O_HELD, C_O_ROLE, C_O_ATTESTATION, C_O_AVIS, C_O_ADJUSTMENTS,
	C_ASSIGNED, C_ASSIGN_DECLARED, C_SIR_ENDED, C_RETIRED,
};

#define WORKER_SQL                                                                              \
	"SELECT w.id, w.company_id, w.birth_date, w.start_date, w.end_date, w.category,"           \
	" w.contract_type, w.night_worker, w.rqth, w.invalidity_pension, w.exposures, w.sir_post,"  \
	" w.caces_or_electrical, w.ionising_category_a, w.minor_regulated_work,"                    \
	" p.periodicity_months, p.next_visit_on, d.digest,"                                         \
	" o.type, o.held_on, o.role, o.attestation, o.avis, o.adjustments,"                         \
	" w.assigned_on, w.assignment_declared_on, w.sir_ended_on, w.end_reason = 'retraite'"      \
	" FROM tracking_worker w"                                                                 \
	" LEFT JOIN tracking_protocol p ON p.worker_id = w.id"                                      \
	" LEFT JOIN tracking_due d ON d.company_id = w.company_id AND d.worker_id = w.id"           \
	" LEFT JOIN tracking_visit_outcome o ON o.worker_id = w.id"

/* One worker as read from the store, kept in C until its rows are all read
 * and pushed to Lua as next_visits' arguments (socle_rule_call_pushed: no
 * JSON on the way in). */
struct due_visit {
	char type[32], date[11], by[16], avis[16];
	bool attestation, restrictions;
};

enum {
	F_NIGHT = 1, F_RQTH = 2, F_INVALIDITY = 4, F_SIR = 8, F_CACES = 16, F_IONISING = 32,
	F_MINOR = 64,
};

static const struct {
	unsigned bit;
	int col;
	const char *key;
} worker_flags[] = {
	{F_NIGHT, C_NIGHT, "night_worker"},
	{F_RQTH, C_RQTH, "rqth"},
	{F_INVALIDITY, C_INVALIDITY, "invalidity_pension"},
	{F_SIR, C_SIR, "sir_post"},
	{F_CACES, C_CACES, "caces_or_electrical"},
	{F_IONISING, C_IONISING, "ionising_category_a"},
	{F_MINOR, C_MINOR, "minor_regulated_work"},
};

struct due_worker {
	int64_t id, company, digest;
	bool had_row;          /* tracking_due has a row (and digest) for it */
	char birth[11], start[11], end[11], category[4], contract[16];
	/* membership's assignment facts (issue 10 item 13) */
	char assigned[11], assign_declared[11], sir_ended[11];
	bool retired;
	unsigned flags;
	json_t *exposures;     /* array of risk codes, or NULL (owned) */
	bool has_protocol, has_periodicity;
	int64_t periodicity;
	char next_on[11];
	struct due_visit *h;   /* visits held, oldest first (owned) */
	size_t nh, cap;
	const char *invalid;   /* the first field that did not fit, or NULL */
	const char *on_date;   /* the question's day (borrowed) */
};

static void due_worker_reset(struct due_worker *w)
{
	struct due_visit *h = w->h;
	size_t cap = w->cap;

	json_decref(w->exposures);
	memset(w, 0, sizeof(*w));
	w->h = h; /* the history buffer is reused from worker to worker */
	w->cap = cap;
}

static void due_worker_free(struct due_worker *w)
{
	json_decref(w->exposures);
	free(w->h);
	memset(w, 0, sizeof(*w));
}

/* Copy column @p col into @p dst; a value that does not fit marks the worker
 * invalid (recorded with an error rather than passed on truncated). */
static void take_text(struct due_worker *w, char *dst, size_t size, socle_stmt *st, int col,
                      const char *field)
{
	const char *v = socle_stmt_text(st, col);
	size_t n = v ? strlen(v) : 0;

	if (n >= size) {
		if (w->invalid == NULL)
			w->invalid = field;
		n = 0;
	}
	memcpy(dst, v ? v : "", n);
	dst[n] = '\0';
}

/* The worker of the current row (its first: the worker's columns repeat). */
static void worker_take(struct due_worker *w, socle_stmt *st)
{
	w->id = socle_stmt_int(st, C_ID);
	w->company = socle_stmt_int(st, C_COMPANY);
	w->had_row = !socle_stmt_is_null(st, C_DIGEST);
	w->digest = socle_stmt_int(st, C_DIGEST);
	take_text(w, w->birth, sizeof(w->birth), st, C_BIRTH, "birth_date");
	take_text(w, w->start, sizeof(w->start), st, C_START, "start_date");
	take_text(w, w->end, sizeof(w->end), st, C_END, "end_date");
	take_text(w, w->category, sizeof(w->category), st, C_CATEGORY, "category");
	take_text(w, w->contract, sizeof(w->contract), st, C_CONTRACT, "contract_type");
	take_text(w, w->assigned, sizeof(w->assigned), st, C_ASSIGNED, "assigned_on");
	take_text(w, w->assign_declared, sizeof(w->assign_declared), st, C_ASSIGN_DECLARED,
	          "assignment_declared_on");
	take_text(w, w->sir_ended, sizeof(w->sir_ended), st, C_SIR_ENDED, "sir_ended_on");
	w->retired = socle_stmt_int(st, C_RETIRED) != 0;
	for (size_t i = 0; i < SOCLE_COUNT(worker_flags); i++)
		if (socle_stmt_int(st, worker_flags[i].col) != 0)
			w->flags |= worker_flags[i].bit;
	const char *exp = socle_stmt_text(st, C_EXPOSURES);
	if (exp != NULL && strcmp(exp, "[]") != 0) {
		w->exposures = json_loads(exp, 0, NULL);
		if (!json_is_array(w->exposures)) {
			json_decref(w->exposures);
			w->exposures = NULL;
			if (w->invalid == NULL)
				w->invalid = "exposures";
		}
	}
	w->has_periodicity = !socle_stmt_is_null(st, C_PERIODICITY);
	w->periodicity = socle_stmt_int(st, C_PERIODICITY);
	take_text(w, w->next_on, sizeof(w->next_on), st, C_NEXT_ON, "protocol.next_visit_on");
	w->has_protocol = w->has_periodicity || w->next_on[0];
}

/* The visit of the current row, as next_visits reads history. 0 or NOMEM. */
static int visit_take(struct due_worker *w, socle_stmt *st)
{
	if (w->nh == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 16;
		struct due_visit *h = realloc(w->h, cap * sizeof(*h));

		if (h == NULL)
			return SOCLE_E_NOMEM;
		w->h = h;
		w->cap = cap;
	}
	struct due_visit *v = &w->h[w->nh++];
	const char *adj = socle_stmt_text(st, C_O_ADJUSTMENTS);

	take_text(w, v->type, sizeof(v->type), st, C_O_TYPE, "history.type");
	take_text(w, v->date, sizeof(v->date), st, C_O_HELD, "history.date");
	take_text(w, v->by, sizeof(v->by), st, C_O_ROLE, "history.by");
	take_text(w, v->avis, sizeof(v->avis), st, C_O_AVIS, "history.avis");
	v->attestation = !socle_stmt_is_null(st, C_O_ATTESTATION);
	/* A measure of L4624-3 proposed, or an inaptitude: restrictions. */
	v->restrictions = (adj != NULL && strcmp(adj, "[]") != 0) || strcmp(v->avis, "inaptitude") == 0;
	return 0;
}

static void set_str(lua_State *L, const char *key, const char *v)
{
	if (v[0]) {
		lua_pushstring(L, v);
		lua_setfield(L, -2, key);
	}
}

static void set_true(lua_State *L, const char *key)
{
	lua_pushboolean(L, 1);
	lua_setfield(L, -2, key);
}

/* next_visits(worker, history, on_date), pushed (inside the protected call). */
static void push_next_visits_args(lua_State *L, void *ud)
{
	const struct due_worker *w = ud;

	lua_createtable(L, 0, 8);
	set_str(L, "birth_date", w->birth);
	set_str(L, "start_date", w->start);
	set_str(L, "end_date", w->end);
	set_str(L, "category", w->category);
	set_str(L, "contract_type", w->contract);
	/* The change of assignment; the end of the SIR (post-exposition); an exit
	 * for retirement is the departure of R4624-28-1. */
	set_str(L, "assigned_on", w->assigned);
	set_str(L, "assignment_declared_on", w->assign_declared);
	if (w->sir_ended[0]) {
		set_str(L, "exposure_end_date", w->sir_ended);
		set_true(L, "formerly_sir");
	}
	if (w->retired)
		set_str(L, "retirement_date", w->end);
	for (size_t i = 0; i < SOCLE_COUNT(worker_flags); i++)
		if (w->flags & worker_flags[i].bit)
			set_true(L, worker_flags[i].key);
	if (w->exposures != NULL) {
		socle_lua_push_json(L, w->exposures);
		lua_setfield(L, -2, "exposures");
	}
	if (w->has_protocol) {
		lua_createtable(L, 0, 2);
		if (w->has_periodicity) {
			lua_pushinteger(L, (lua_Integer)w->periodicity);
			lua_setfield(L, -2, "periodicity_months");
		}
		set_str(L, "next_visit_on", w->next_on);
		lua_setfield(L, -2, "protocol");
	}
	lua_createtable(L, (int)w->nh, 0);
	for (size_t i = 0; i < w->nh; i++) {
		const struct due_visit *v = &w->h[i];

		lua_createtable(L, 0, 6);
		set_str(L, "type", v->type);
		set_str(L, "date", v->date);
		set_str(L, "by", v->by);
		set_str(L, "avis", v->avis);
		if (v->attestation)
			set_true(L, "attestation");
		if (v->restrictions)
			set_true(L, "restrictions");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_pushstring(L, w->on_date);
}

/* The same arguments as JSON, {"worker", "history"}, for the simulator's
 * what-if on a stored worker (visits.c): what push_next_visits_args pushes,
 * key for key (test_simulate_worker: the simulator without a change answers
 * what next-visits does). */
static json_t *next_visits_input_json(const struct due_worker *w)
{
	json_t *worker = json_object(), *history = json_array();
	const struct {
		const char *key, *value;
	} texts[] = {{"birth_date", w->birth},         {"start_date", w->start},
	             {"end_date", w->end},             {"category", w->category},
	             {"contract_type", w->contract},   {"assigned_on", w->assigned},
	             {"assignment_declared_on", w->assign_declared}};

	for (size_t i = 0; worker && i < SOCLE_COUNT(texts); i++)
		if (texts[i].value[0])
			json_object_set_new(worker, texts[i].key, json_string(texts[i].value));
	if (worker && w->sir_ended[0]) {
		json_object_set_new(worker, "exposure_end_date", json_string(w->sir_ended));
		json_object_set_new(worker, "formerly_sir", json_true());
	}
	if (worker && w->retired && w->end[0])
		json_object_set_new(worker, "retirement_date", json_string(w->end));
	for (size_t i = 0; worker && i < SOCLE_COUNT(worker_flags); i++)
		if (w->flags & worker_flags[i].bit)
			json_object_set_new(worker, worker_flags[i].key, json_true());
	if (worker && w->exposures)
		json_object_set(worker, "exposures", w->exposures);
	if (worker && w->has_protocol) {
		json_t *p = json_object();
		if (p && w->has_periodicity)
			json_object_set_new(p, "periodicity_months", json_integer(w->periodicity));
		if (p && w->next_on[0])
			json_object_set_new(p, "next_visit_on", json_string(w->next_on));
		json_object_set_new(worker, "protocol", p);
	}
	for (size_t i = 0; history && i < w->nh; i++) {
		const struct due_visit *v = &w->h[i];
		json_t *h = json_pack("{s:s, s:s}", "type", v->type, "date", v->date);

		if (h && v->by[0])
			json_object_set_new(h, "by", json_string(v->by));
		if (h && v->avis[0])
			json_object_set_new(h, "avis", json_string(v->avis));
		if (h && v->attestation)
			json_object_set_new(h, "attestation", json_true());
		if (h && v->restrictions)
			json_object_set_new(h, "restrictions", json_true());
		if (h == NULL || json_array_append_new(history, h) != 0) {
			json_decref(history);
			history = NULL;
		}
	}
	if (worker == NULL || history == NULL) {
		json_decref(worker);
		json_decref(history);
		return NULL;
	}
	return json_pack("{s:o, s:o}", "worker", worker, "history", history);
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
	push_next_visits_args(L, ((struct due_summary *)ud)->w);
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
			worker_take(w, st);
			have = true;
		}
		if (!socle_stmt_is_null(st, C_O_HELD) && (rc = visit_take(w, st)) != 0)
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
/* One stored worker and the visits he held into @p w: 0, or a negative code
 * with @p err (SOCLE_E_NOTFOUND, SOCLE_E_CONFLICT for a datum unreadable).
 * @p company gets his company when known. */
static int load_one(socle_db *db, int64_t worker_id, struct due_worker *w, int64_t *company,
                    socle_err *err)
{
	bool found = false;
	int step, rc = 0;
	socle_stmt *st = socle_db_prepare(db, WORKER_SQL " WHERE w.id = :id"
	                                      " ORDER BY o.held_on, o.id", err);

	if (st == NULL)
		return err->code;
	socle_stmt_bind_int(st, ":id", worker_id);
	while (rc == 0 && (step = socle_stmt_step(st, err)) == 1) {
		if (!found)
			worker_take(w, st);
		found = true;
		if (!socle_stmt_is_null(st, C_O_HELD))
			rc = visit_take(w, st);
	}
	socle_stmt_release(st);
	if (company)
		*company = w->company;
	if (rc != 0 || err->code != 0)
		return err->code ? err->code : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	if (!found)
		return socle_err_set(err, SOCLE_E_NOTFOUND, "Salarié introuvable.");
	if (w->invalid)
		return socle_err_set(err, SOCLE_E_CONFLICT, "Une donnée de ce salarié est illisible : "
		                     "ses prochaines visites ne peuvent pas être calculées.");
	return 0;
}

json_t *tracking_next_visits_input(socle_db *db, int64_t worker_id, int64_t *company,
                                   socle_err *err)
{
	struct due_worker w = {0};
	json_t *out = NULL;

	if (load_one(db, worker_id, &w, company, err) == 0 &&
	    (out = next_visits_input_json(&w)) == NULL)
		socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	due_worker_free(&w);
	return out;
}

json_t *tracking_next_visits_now(socle_service *svc, socle_db *db, int64_t worker_id,
                                 int64_t *company, socle_err *err)
{
	struct due_worker w = {0};
	char today[11];
	json_t *out = NULL;

	if (load_one(db, worker_id, &w, company, err) != 0) {
		/* err says why */
	} else if (w.category[0] == '\0') {
		socle_err_set(err, SOCLE_E_CONFLICT, "La catégorie de suivi de ce salarié n'est pas "
		              "encore calculée : ses prochaines visites ne peuvent pas l'être.");
	} else {
		socle_date_today(today);
		w.on_date = today;
		if (socle_rule_call_pushed(svc, "next_visits", push_next_visits_args, &w, &out, err))
			out = NULL;
	}
	due_worker_free(&w);
	return out;
}

int tracking_due_init(socle_plugin *p, socle_err *err)
{
	int rc;

	if ((rc = tracking_due_routes_init(p, err)) ||
	    (rc = socle_plugin_add_long_job(p, "tracking.recompute", recompute_job, NULL, err)) ||
	    (rc = socle_plugin_add_timer(p, DUE_TIMER_MS, due_timer, NULL, err)))
		return rc;
	return 0;
}
