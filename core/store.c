/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The store of one service: its SQLite file, the single write connection and
 * its mutex, the read connections of each thread, durable write transactions,
 * WAL checkpointing, per-owner migrations and online backup.
 *
 * Threads: the write connection is used only with store->write_mu held. A
 * read connection belongs to one (thread, store) pair and is used only by
 * that thread; it is found through a pthread key (whose destructor closes the
 * thread's readers when the thread ends) and is also listed in its store, so
 * that store_close() can close the readers of threads that are still alive.
 * A reader is shared by those two lists and freed by whichever lets go last
 * (refs, under readers_mu). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "loop.h"
#include "store.h"

#define BUSY_TIMEOUT_MS 5000
/* WAL bounds (the goal is a -wal file never above 64 MiB under sustained load):
 * a PASSIVE checkpoint every CKPT_FRAMES frames of new log; past WAL_SOFT a
 * RESTART checkpoint that waits briefly for readers so that the next write
 * starts the log over; past WAL_HARD a TRUNCATE that waits longer. */
#define CKPT_FRAMES 1000
#define WAL_SOFT_BYTES (16 * 1024 * 1024)
#define WAL_HARD_BYTES (40 * 1024 * 1024)
#define WAL_SOFT_WAIT_MS 20
#define WAL_HARD_WAIT_MS 2000
#define JOURNAL_SIZE_LIMIT (16 * 1024 * 1024)
#define BACKUP_STEP_PAGES 1024

struct reader {
	socle_db db;
	uint64_t gen;               /* the store generation it belongs to */
	atomic_bool closed;         /* set by store_close: the thread must drop it */
	int refs;                   /* store list + thread list; under readers_mu */
	struct reader *store_next;  /* under readers_mu */
	struct reader *thread_next; /* owning thread only */
};

struct store {
	socle_service *svc;
	char *path;
	uint64_t gen;               /* unique per store_open, never reused */
	pthread_mutex_t write_mu;
	socle_db w;
	/* Group commit: writers queue their work; one of them (the leader) runs
	 * every queued callback in one transaction, each inside its own savepoint,
	 * and pays one fsync for all of them. Under q_mu. */
	pthread_mutex_t q_mu;
	pthread_cond_t q_cv;
	struct write_req *q_head, *q_tail;
	bool q_leader;             /* a batch is being written */
	struct reader *readers;     /* under readers_mu */
	/* The outbox and job queue of a database are worked by one process:
	 * whoever holds an flock on "<db>.queue-lock". Loop thread only. */
	int queue_fd;
	bool queue_owner;
	/* Write path only (write_mu held). */
	int page_size;
	int wal_frames;             /* frames in the log after the last commit */
	int next_ckpt_frames;
};

static pthread_mutex_t readers_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t readers_key;
static pthread_once_t readers_once = PTHREAD_ONCE_INIT;
static int readers_key_rc;
static _Atomic uint64_t store_gen_counter;
/* The store whose write transaction this thread is running: a nested
 * socle_service_write would deadlock on the mutex, so it is refused. */
static _Thread_local struct store *tls_writing;

/* One caller's write waiting in the group-commit queue. */
struct write_req {
	socle_write_fn fn;
	void *ud;
	socle_err *err;
	int rc;
	bool done;
	struct write_req *next;
};

/* Close a connection: its statements first, then the handle. */
static void db_close(socle_db *db)
{
	if (db->h == NULL)
		return;
	store_stmt_cache_clear(db);
	if (sqlite3_close_v2(db->h) != SQLITE_OK)
		socle_log(SOCLE_LOG_ERROR, "store: closing %s: %s",
		          db->svc != NULL ? db->svc->id : "?", sqlite3_errmsg(db->h));
	db->h = NULL;
}

/* ---- read connections of each thread ------------------------------------ */

static void reader_unref(struct reader *r)
{
	if (--r->refs == 0) {
		db_close(&r->db);
		free(r);
	}
}

/* Thread exit: close and release every reader this thread opened. */
static void readers_thread_exit(void *head)
{
	struct reader *r = head;

	pthread_mutex_lock(&readers_mu);
	while (r != NULL) {
		struct reader *next = r->thread_next;

		if (!atomic_load(&r->closed)) {
			struct store *s = r->db.store;

			for (struct reader **pp = &s->readers; *pp; pp = &(*pp)->store_next)
				if (*pp == r) {
					*pp = r->store_next;
					break;
				}
			atomic_store(&r->closed, true);
			db_close(&r->db);
			r->refs--; /* the store's reference */
		}
		reader_unref(r);
		r = next;
	}
	pthread_mutex_unlock(&readers_mu);
}

static void readers_key_init(void)
{
	readers_key_rc = pthread_key_create(&readers_key, readers_thread_exit);
}

/* Settings every connection shares: defensive mode (no writes to the schema
 * or shadow tables through SQL), untrusted schema, no double-quoted string
 * literals (they are identifiers in PostgreSQL), extended error codes. */
static int conn_setup(sqlite3 *h, bool writer, socle_err *err)
{
	static const char *const common =
		"PRAGMA foreign_keys=ON; PRAGMA trusted_schema=OFF; ";
	char *msg = NULL;
	int rc;

	sqlite3_extended_result_codes(h, 1);
	sqlite3_busy_timeout(h, BUSY_TIMEOUT_MS);
	sqlite3_db_config(h, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(h, SQLITE_DBCONFIG_DQS_DML, 0, NULL);
	sqlite3_db_config(h, SQLITE_DBCONFIG_DQS_DDL, 0, NULL);
	sqlite3_db_config(h, SQLITE_DBCONFIG_ENABLE_TRIGGER, 1, NULL);
	rc = sqlite3_exec(h, common, NULL, NULL, &msg);
	/* The writer keeps SQLite's default temp_store: statement journals
	 * spill to a temporary file past 64 KiB. In memory (temp_store=MEMORY)
	 * they live in 1 KiB chunks that every statement walks from the first
	 * when it releases its journal, quadratic in the size of a savepoint's
	 * journal (see write_batch); a larger spill size is refused by SQLite
	 * 3.40 with "database or disk is full" once it spills. */
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(h,
		                  writer ? "PRAGMA synchronous=FULL; PRAGMA cache_size=-65536; "
		                           "PRAGMA wal_autocheckpoint=0;"
		                         : "PRAGMA query_only=ON; PRAGMA cache_size=-8192;",
		                  NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		socle_err_set(err, SOCLE_E_STORE, "connection setup: %s",
		              msg != NULL ? msg : sqlite3_errmsg(h));
		sqlite3_free(msg);
		return SOCLE_E_STORE;
	}
	return 0;
}

static struct reader *reader_open(struct store *s, socle_err *err)
{
	struct reader *r = calloc(1, sizeof(*r));
	int rc;

	if (r == NULL) {
		socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
		return NULL;
	}
	rc = sqlite3_open_v2(s->path, &r->db.h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		store_fail(r->db.h, rc, err, s->svc->id);
		sqlite3_close(r->db.h);
		free(r);
		return NULL;
	}
	if (conn_setup(r->db.h, false, err) != 0) {
		sqlite3_close(r->db.h);
		free(r);
		return NULL;
	}
	r->db.svc = s->svc;
	r->db.store = s;
	r->gen = s->gen;
	atomic_init(&r->closed, false);
	r->refs = 2;
	return r;
}

SOCLE_API socle_db *socle_service_reader(socle_service *svc, socle_err *err)
{
	struct store *s = svc != NULL ? svc->store : NULL;
	struct reader *head, *r, **pp;

	if (s == NULL) {
		socle_err_set(err, SOCLE_E_PHASE, "store of service %s is not open",
		              svc != NULL ? svc->id : "?");
		return NULL;
	}
	pthread_once(&readers_once, readers_key_init);
	if (readers_key_rc != 0) {
		socle_err_set(err, SOCLE_E_INTERNAL, "pthread_key_create failed");
		return NULL;
	}
	head = pthread_getspecific(readers_key);
	for (pp = &head; (r = *pp) != NULL;) {
		if (atomic_load(&r->closed)) {
			/* Its store was closed: drop it, whatever generation. */
			*pp = r->thread_next;
			pthread_mutex_lock(&readers_mu);
			reader_unref(r);
			pthread_mutex_unlock(&readers_mu);
			continue;
		}
		if (r->gen == s->gen) {
			pthread_setspecific(readers_key, head);
			return &r->db;
		}
		pp = &r->thread_next;
	}
	r = reader_open(s, err);
	if (r == NULL) {
		pthread_setspecific(readers_key, head);
		return NULL;
	}
	pthread_mutex_lock(&readers_mu);
	r->store_next = s->readers;
	s->readers = r;
	pthread_mutex_unlock(&readers_mu);
	r->thread_next = head;
	pthread_setspecific(readers_key, r);
	return &r->db;
}

/* ---- write transactions -------------------------------------------------- */

bool store_in_write(const socle_db *db)
{
	return db != NULL && db->store != NULL && tls_writing == db->store;
}

static int wal_hook(void *arg, sqlite3 *h, const char *name, int frames)
{
	struct store *s = arg;

	(void)h;
	(void)name;
	if (frames < s->wal_frames)
		s->next_ckpt_frames = CKPT_FRAMES; /* the log started over */
	s->wal_frames = frames;
	return SQLITE_OK;
}

/* After a commit, write mutex held: keep the log short. A PASSIVE checkpoint
 * copies what it can without waiting; once everything is copied the next
 * writer starts the log from its beginning, so the file stops growing. When
 * readers keep that from happening long enough for the log to pass WAL_SOFT,
 * RESTART waits a little for them; past WAL_HARD, TRUNCATE waits longer and
 * empties the file. */
static void checkpoint_maybe(struct store *s)
{
	int64_t bytes = (int64_t)s->wal_frames * (s->page_size + 24);
	int mode = SQLITE_CHECKPOINT_PASSIVE;
	int wait_ms = 0;
	int log_frames = 0, done_frames = 0;
	int rc;

	if (bytes >= WAL_HARD_BYTES) {
		mode = SQLITE_CHECKPOINT_TRUNCATE;
		wait_ms = WAL_HARD_WAIT_MS;
	} else if (bytes >= WAL_SOFT_BYTES) {
		mode = SQLITE_CHECKPOINT_RESTART;
		wait_ms = WAL_SOFT_WAIT_MS;
	} else if (s->wal_frames < s->next_ckpt_frames) {
		return;
	}
	if (wait_ms > 0)
		sqlite3_busy_timeout(s->w.h, wait_ms);
	rc = sqlite3_wal_checkpoint_v2(s->w.h, NULL, mode, &log_frames, &done_frames);
	if (wait_ms > 0)
		sqlite3_busy_timeout(s->w.h, BUSY_TIMEOUT_MS);
	if (rc == SQLITE_OK && mode != SQLITE_CHECKPOINT_PASSIVE) {
		s->wal_frames = 0;
		s->next_ckpt_frames = CKPT_FRAMES;
	} else {
		s->next_ckpt_frames = s->wal_frames + CKPT_FRAMES;
		if (rc != SQLITE_OK && rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
			socle_log(SOCLE_LOG_WARN, "store %s: checkpoint: %s", s->svc->id,
			          sqlite3_errmsg(s->w.h));
		else if (mode == SQLITE_CHECKPOINT_TRUNCATE)
			socle_log(SOCLE_LOG_WARN,
			          "store %s: WAL at %lld bytes, readers keep it from being reset",
			          s->svc->id, (long long)bytes);
	}
}

/* BEGIN / COMMIT / ROLLBACK through the statement cache. */
static int simple(socle_db *db, const char *sql, socle_err *err)
{
	socle_stmt *st = socle_db_prepare(db, sql, err);
	int rc;

	if (st == NULL)
		return err != NULL && err->code ? err->code : SOCLE_E_STORE;
	rc = socle_stmt_step(st, err);
	socle_stmt_release(st);
	return rc < 0 ? rc : 0;
}

/* Fail every request of @p batch that had succeeded: their work was in the
 * transaction that could not commit. */
static void batch_fail(struct write_req *batch, int rc, const char *why)
{
	for (struct write_req *r = batch; r != NULL; r = r->next)
		if (r->rc >= 0)
			r->rc = socle_err_set(r->err, rc, "%s", why);
}

/* Leader only: run every callback of @p batch in one transaction (each in a
 * savepoint, so a callback that fails takes back only its own work), commit
 * once. Returns true when the loop should be woken.
 *
 * A callback alone in its batch runs without a savepoint: its failure rolls
 * the transaction back. The savepoint is not free: SQLite keeps a copy of
 * every page the callback changes in the sub-journal, which spills to a
 * temporary file past 64 KiB (kept in memory with temp_store=MEMORY, it was
 * walked chunk by chunk by every statement: 13 % of the 10,000-visit
 * assignment in bench/tracking). Alone, each statement journals only its own
 * pages. */
static bool write_batch(struct store *s, struct write_req *batch)
{
	socle_err berr = SOCLE_ERR_INIT;
	bool wake;
	int rc;

	pthread_mutex_lock(&s->write_mu);
	tls_writing = s;
	s->w.txn_events = 0;
	s->w.txn_jobs = 0;
	rc = simple(&s->w, "BEGIN IMMEDIATE", &berr);
	if (rc < 0) {
		for (struct write_req *r = batch; r != NULL; r = r->next)
			r->rc = socle_err_set(r->err, rc, "%s", berr.msg);
		tls_writing = NULL;
		pthread_mutex_unlock(&s->write_mu);
		return false;
	}
	bool broken = false, alone = batch->next == NULL;
	for (struct write_req *r = batch; r != NULL; r = r->next) {
		if (broken) {
			r->rc = socle_err_set(r->err, SOCLE_E_STORE, "write transaction of %s aborted",
			                      s->svc->id);
			continue;
		}
		if (!alone && simple(&s->w, "SAVEPOINT socle_write", &berr) < 0) {
			r->rc = socle_err_set(r->err, SOCLE_E_STORE, "%s", berr.msg);
			continue;
		}
		r->rc = r->fn(&s->w, r->ud, r->err);
		store_stmt_reclaim(&s->w);
		if (sqlite3_get_autocommit(s->w.h)) {
			/* SQLite already rolled the whole transaction back (disk full,
			 * I/O error...): nothing of this batch can be kept. */
			broken = true;
			if (r->rc >= 0)
				r->rc = socle_err_set(r->err, SOCLE_E_STORE,
				                      "write transaction of %s ended before commit",
				                      s->svc->id);
			batch_fail(batch, SOCLE_E_STORE, "write transaction aborted before commit");
			continue;
		}
		if (r->rc < 0 && r->err != NULL && r->err->code == 0)
			socle_err_set(r->err, r->rc, "write rolled back");
		if (alone) {
			if (r->rc < 0) {
				simple(&s->w, "ROLLBACK", NULL);
				broken = true; /* nothing to commit */
			}
			continue;
		}
		if (r->rc < 0)
			simple(&s->w, "ROLLBACK TO socle_write", NULL);
		simple(&s->w, "RELEASE socle_write", NULL);
	}
	rc = 0;
	if (!broken) {
		rc = simple(&s->w, "COMMIT", &berr);
		if (rc < 0) {
			if (!sqlite3_get_autocommit(s->w.h))
				simple(&s->w, "ROLLBACK", NULL);
			batch_fail(batch, rc, berr.msg);
		}
	}
	wake = rc >= 0 && !broken && (s->w.txn_events > 0 || s->w.txn_jobs > 0);
	if (rc >= 0 && !broken)
		checkpoint_maybe(s);
	tls_writing = NULL;
	pthread_mutex_unlock(&s->write_mu);
	return wake;
}

SOCLE_API int socle_service_write(socle_service *svc, socle_write_fn fn, void *ud, socle_err *err)
{
	struct store *s = svc != NULL ? svc->store : NULL;
	struct write_req me = {.fn = fn, .ud = ud, .err = err};

	if (s == NULL)
		return socle_err_set(err, SOCLE_E_PHASE, "store of service %s is not open",
		                     svc != NULL ? svc->id : "?");
	if (fn == NULL)
		return socle_err_set(err, SOCLE_E_INVAL, "write: no function");
	if (tls_writing != NULL)
		return socle_err_set(err, SOCLE_E_INTERNAL,
		                     "write transaction opened inside another one");
	pthread_mutex_lock(&s->q_mu);
	if (s->q_tail)
		s->q_tail->next = &me;
	else
		s->q_head = &me;
	s->q_tail = &me;
	while (!me.done) {
		if (s->q_leader) {
			pthread_cond_wait(&s->q_cv, &s->q_mu);
			continue;
		}
		/* Lead: take everything queued so far (this request included) and
		 * write it as one transaction while later callers queue up. */
		struct write_req *batch = s->q_head;

		s->q_head = s->q_tail = NULL;
		s->q_leader = true;
		pthread_mutex_unlock(&s->q_mu);
		bool wake = write_batch(s, batch);
		pthread_mutex_lock(&s->q_mu);
		for (struct write_req *r = batch, *next; r != NULL; r = next) {
			next = r->next; /* r may be gone once done is seen */
			r->done = true;
		}
		s->q_leader = false;
		pthread_cond_broadcast(&s->q_cv);
		if (wake)
			loop_wake(svc->core);
	}
	pthread_mutex_unlock(&s->q_mu);
	return me.rc;
}

/* ---- the queue owner ------------------------------------------------------ */

static int requeue_running(socle_db *w, void *ud, socle_err *err)
{
	int n = socle_db_run(w, "UPDATE core_job SET state = 'queued', run_at = :now "
	                        "WHERE state = 'running'",
	                     ud, err);

	if (n > 0)
		socle_log(SOCLE_LOG_WARN, "service %s: %d job(s) interrupted by a stop are queued again",
		          w->svc->id, n);
	return n < 0 ? n : 0;
}

int store_each_queue(socle_core *core, int (*fn)(socle_core *, socle_service *, int *count))
{
	int count = 0, first_error = 0;

	for (size_t i = 0; i < core->n_services; i++) {
		socle_service *svc = core->services[i];
		int rc;

		if (svc == NULL || svc->store == NULL)
			continue;
		rc = store_claim_queue(svc);
		if (rc > 0)
			rc = fn(core, svc, &count);
		if (rc < 0 && first_error == 0)
			first_error = rc;
	}
	return count > 0 || first_error == 0 ? count : first_error;
}

int store_claim_queue(socle_service *svc)
{
	struct store *s = svc != NULL ? svc->store : NULL;
	char path[PATH_MAX + 16];
	socle_err err = SOCLE_ERR_INIT;
	json_t *params;
	int rc;

	if (s == NULL)
		return SOCLE_E_PHASE;
	if (s->queue_owner)
		return 1;
	if (s->queue_fd < 0) {
		snprintf(path, sizeof(path), "%s.queue-lock", s->path);
		s->queue_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (s->queue_fd < 0) {
			socle_log(SOCLE_LOG_ERROR, "service %s: %s: %s", svc->id, path, strerror(errno));
			return SOCLE_E_IO;
		}
	}
	/* flock, not fcntl: SQLite's own POSIX locks live on the database files and
	 * closing any descriptor of a file drops a process's POSIX locks on it. */
	if (flock(s->queue_fd, LOCK_EX | LOCK_NB) != 0)
		return errno == EWOULDBLOCK ? 0 : SOCLE_E_IO;
	/* Ours now: whatever was 'running' belonged to a process that died. */
	params = json_pack("{sI}", "now", (json_int_t)socle_now_ms());
	rc = params != NULL ? socle_service_write(svc, requeue_running, params, &err) : SOCLE_E_NOMEM;
	json_decref(params);
	if (rc < 0) {
		flock(s->queue_fd, LOCK_UN);
		socle_log(SOCLE_LOG_ERROR, "service %s: requeueing interrupted jobs: %s", svc->id,
		          err.msg);
		return rc;
	}
	s->queue_owner = true;
	return 1;
}

/* ---- open and close ------------------------------------------------------ */

static int query_int(sqlite3 *h, const char *sql, int *out)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);

	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*out = sqlite3_column_int(st, 0);
			rc = SQLITE_OK;
		} else if (rc == SQLITE_DONE) {
			*out = 0;
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

static int open_writer(struct store *s, socle_err *err)
{
	static const char *const bootstrap =
		"CREATE TABLE IF NOT EXISTS core_migration ("
		" owner TEXT NOT NULL,"
		" version INTEGER NOT NULL,"
		" applied_at BIGINT NOT NULL,"
		" PRIMARY KEY (owner, version))";
	char *msg = NULL, pragma[64];
	sqlite3_stmt *st = NULL;
	const char *mode;
	int rc;

	rc = sqlite3_open_v2(s->path, &s->w.h,
	                     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s->w.h, rc, err, s->path);
	rc = conn_setup(s->w.h, true, err);
	if (rc != 0)
		return rc;
	/* WAL is a property of the file: set once, kept by every later open. */
	rc = sqlite3_prepare_v2(s->w.h, "PRAGMA journal_mode=WAL", -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		mode = (const char *)sqlite3_column_text(st, 0);
		rc = mode != NULL && strcmp(mode, "wal") == 0 ? SQLITE_OK : SQLITE_ERROR;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return socle_err_set(err, SOCLE_E_STORE, "%s: cannot switch to WAL mode: %s",
		                     s->path, sqlite3_errmsg(s->w.h));
	snprintf(pragma, sizeof(pragma), "PRAGMA journal_size_limit=%d", JOURNAL_SIZE_LIMIT);
	rc = sqlite3_exec(s->w.h, pragma, NULL, NULL, &msg);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(s->w.h, bootstrap, NULL, NULL, &msg);
	if (rc == SQLITE_OK)
		rc = query_int(s->w.h, "PRAGMA page_size", &s->page_size);
	if (rc != SQLITE_OK) {
		socle_err_set(err, SOCLE_E_STORE, "%s: %s", s->path,
		              msg != NULL ? msg : sqlite3_errmsg(s->w.h));
		sqlite3_free(msg);
		return SOCLE_E_STORE;
	}
	s->w.svc = s->svc;
	s->w.store = s;
	s->w.writer = true;
	s->next_ckpt_frames = CKPT_FRAMES;
	sqlite3_wal_hook(s->w.h, wal_hook, s);
	return 0;
}

int store_open(socle_service *svc, socle_err *err)
{
	struct store *s;
	int rc;

	if (svc->store != NULL)
		return 0;
	if (svc->database_path == NULL || svc->database_path[0] == '\0')
		return socle_err_set(err, SOCLE_E_INVAL, "service %s has no database file", svc->id);
	if (!sqlite3_threadsafe())
		return socle_err_set(err, SOCLE_E_INTERNAL, "SQLite was built without thread support");
	s = calloc(1, sizeof(*s));
	if (s == NULL || (s->path = strdup(svc->database_path)) == NULL) {
		free(s);
		return socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
	}
	s->svc = svc;
	s->queue_fd = -1;
	s->gen = atomic_fetch_add(&store_gen_counter, 1) + 1;
	pthread_mutex_init(&s->write_mu, NULL);
	pthread_mutex_init(&s->q_mu, NULL);
	pthread_cond_init(&s->q_cv, NULL);
	svc->store = s; /* open_writer's requeue goes through socle_service_write */
	rc = open_writer(s, err);
	if (rc != 0) {
		socle_err prev = err != NULL ? *err : (socle_err)SOCLE_ERR_INIT;

		store_close(svc);
		if (err != NULL)
			socle_err_set(err, rc, "service %s: %s", svc->id, prev.msg);
		return rc;
	}
	return 0;
}

void store_close(socle_service *svc)
{
	struct store *s = svc != NULL ? svc->store : NULL;

	if (s == NULL)
		return;
	pthread_mutex_lock(&readers_mu);
	while (s->readers != NULL) {
		struct reader *r = s->readers;

		s->readers = r->store_next;
		atomic_store(&r->closed, true);
		db_close(&r->db);
		reader_unref(r);
	}
	pthread_mutex_unlock(&readers_mu);
	pthread_mutex_lock(&s->write_mu);
	if (s->w.h != NULL) {
		/* Leave a short file behind: the next open starts without a log to replay. */
		sqlite3_wal_checkpoint_v2(s->w.h, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
		db_close(&s->w);
	}
	pthread_mutex_unlock(&s->write_mu);
	pthread_mutex_destroy(&s->write_mu);
	pthread_mutex_destroy(&s->q_mu);
	pthread_cond_destroy(&s->q_cv);
	if (s->queue_fd >= 0)
		close(s->queue_fd); /* releases the flock */
	svc->store = NULL;
	free(s->path);
	free(s);
}

/* ---- migrations ---------------------------------------------------------- */

const struct socle_migration store_migrations[] = {
	{1,
	 "CREATE TABLE core_event ("
	 " id INTEGER PRIMARY KEY,"
	 " name TEXT NOT NULL,"
	 " payload TEXT NOT NULL,"
	 " created_at BIGINT NOT NULL,"
	 " delivered_at BIGINT,"
	 " failures INTEGER NOT NULL DEFAULT 0,"
	 " last_error TEXT);"
	 "CREATE INDEX core_event_pending ON core_event (id) WHERE delivered_at IS NULL;"
	 "CREATE INDEX core_event_delivered ON core_event (delivered_at);"
	 "CREATE TABLE core_job ("
	 " id INTEGER PRIMARY KEY,"
	 " kind TEXT NOT NULL,"
	 " payload TEXT NOT NULL,"
	 " state TEXT NOT NULL DEFAULT 'queued'"
	 "  CHECK (state IN ('queued', 'running', 'done', 'dead')),"
	 " run_at BIGINT NOT NULL,"
	 " attempts INTEGER NOT NULL DEFAULT 0,"
	 " max_attempts INTEGER NOT NULL,"
	 " last_error TEXT,"
	 " created_at BIGINT NOT NULL,"
	 " updated_at BIGINT NOT NULL);"
	 "CREATE INDEX core_job_due ON core_job (state, run_at);"},
};
const size_t store_migrations_count = SOCLE_COUNT(store_migrations);

struct mig_step {
	const char *owner;
	const struct socle_migration *m;
};

static int apply_migration(socle_db *w, void *ud, socle_err *err)
{
	const struct mig_step *step = ud;
	socle_stmt *st;
	int rc;

	rc = socle_db_exec(w, step->m->sql, err);
	if (rc < 0)
		return rc;
	st = socle_db_prepare(w, "INSERT INTO core_migration (owner, version, applied_at) "
	                         "VALUES (:owner, :version, :now)", err);
	if (st == NULL)
		return err != NULL && err->code ? err->code : SOCLE_E_STORE;
	socle_stmt_bind_text(st, ":owner", step->owner);
	socle_stmt_bind_int(st, ":version", step->m->version);
	socle_stmt_bind_int(st, ":now", socle_now_ms());
	rc = socle_stmt_step(st, err);
	socle_stmt_release(st);
	return rc < 0 ? rc : 0;
}

/* Apply the pending versions of one owner's list, in order. */
static int migrate_owner(socle_service *svc, const char *owner,
                         const struct socle_migration *list, size_t count, socle_err *err)
{
	socle_db *r = socle_service_reader(svc, err);
	socle_stmt *st;
	int max_known = 0, max_applied = 0, rc;
	size_t applied_cap = 0;
	unsigned char *applied = NULL; /* applied[v] for 1 <= v <= max_known */

	if (r == NULL)
		return err != NULL && err->code ? err->code : SOCLE_E_STORE;
	for (size_t i = 0; i < count; i++)
		if (list[i].version > max_known)
			max_known = list[i].version;
	applied_cap = (size_t)max_known + 1;
	applied = calloc(applied_cap, 1);
	if (applied == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
	st = socle_db_prepare(r, "SELECT version FROM core_migration WHERE owner = :owner", err);
	if (st == NULL) {
		free(applied);
		return err != NULL && err->code ? err->code : SOCLE_E_STORE;
	}
	socle_stmt_bind_text(st, ":owner", owner);
	while ((rc = socle_stmt_step(st, err)) == 1) {
		int64_t v = socle_stmt_int(st, 0);

		if (v > max_applied)
			max_applied = v > INT_MAX ? INT_MAX : (int)v;
		if (v >= 1 && v <= max_known)
			applied[v] = 1;
	}
	socle_stmt_release(st);
	if (rc < 0) {
		free(applied);
		return rc;
	}
	if (max_applied > max_known) {
		free(applied);
		return socle_err_set(err, SOCLE_E_STORE,
		                     "service %s: database has migration %s %d, newer than this "
		                     "build (which knows up to %d)",
		                     svc->id, owner, max_applied, max_known);
	}
	for (size_t i = 0; i < count; i++) {
		struct mig_step step = {owner, &list[i]};
		socle_err inner = SOCLE_ERR_INIT;

		if (list[i].version < 1 || list[i].sql == NULL) {
			free(applied);
			return socle_err_set(err, SOCLE_E_INVAL, "migration %s %d is malformed", owner,
			                     list[i].version);
		}
		if (applied[list[i].version])
			continue;
		rc = socle_service_write(svc, apply_migration, &step, &inner);
		if (rc < 0) {
			free(applied);
			return socle_err_set(err, rc, "service %s: migration %s %d failed: %s", svc->id,
			                     owner, list[i].version, inner.msg);
		}
		applied[list[i].version] = 1;
		socle_log(SOCLE_LOG_INFO, "service %s: migration %s %d applied", svc->id, owner,
		          list[i].version);
	}
	free(applied);
	return 0;
}

int store_migrate(socle_service *svc, socle_err *err)
{
	const socle_core *core = svc->core;
	bool core_listed = false;
	int rc;

	if (svc->store == NULL)
		return socle_err_set(err, SOCLE_E_PHASE, "store of service %s is not open", svc->id);
	for (size_t i = 0; core != NULL && i < core->reg.migrations.n; i++)
		if (core->reg.migrations.v[i].list == store_migrations)
			core_listed = true;
	if (!core_listed) {
		rc = migrate_owner(svc, "core", store_migrations, store_migrations_count, err);
		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; core != NULL && i < core->reg.migrations.n; i++) {
		const struct reg_migrations *m = &core->reg.migrations.v[i];
		const char *owner = m->owner_name;

		if (m->owner != NULL) {
			if (svc->plugin_enabled == NULL || !svc->plugin_enabled[m->owner->index])
				continue;
			if (owner == NULL)
				owner = m->owner->desc->name;
		}
		if (owner == NULL)
			owner = "core";
		rc = migrate_owner(svc, owner, m->list, m->count, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- integrity, backup, WAL size ----------------------------------------- */

int store_integrity_check(const char *db_path, socle_err *err)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	char problems[200] = "";
	size_t used = 0;
	int rc, n_bad = 0;

	/* Read-write without create: a database left by a crash may need its log
	 * replayed before it can be read, and a missing file is an error. */
	rc = sqlite3_open_v2(db_path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		rc = store_fail(h, rc, err, db_path);
		sqlite3_close(h);
		return rc;
	}
	sqlite3_busy_timeout(h, BUSY_TIMEOUT_MS);
	rc = sqlite3_prepare_v2(h, "PRAGMA integrity_check(20)", -1, &st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *line = (const char *)sqlite3_column_text(st, 0);

		rc = SQLITE_OK;
		if (line != NULL && strcmp(line, "ok") == 0)
			continue;
		n_bad++;
		if (used < sizeof(problems) - 1)
			used += (size_t)snprintf(problems + used, sizeof(problems) - used, "%s%s",
			                         used ? "; " : "", line != NULL ? line : "?");
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc == SQLITE_DONE && n_bad == 0)
		rc = sqlite3_prepare_v2(h, "PRAGMA foreign_key_check", -1, &st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *table = (const char *)sqlite3_column_text(st, 0);

		rc = SQLITE_OK;
		n_bad++;
		if (used < sizeof(problems) - 1)
			used += (size_t)snprintf(problems + used, sizeof(problems) - used,
			                         "%sforeign key violation in %s row %lld",
			                         used ? "; " : "", table != NULL ? table : "?",
			                         (long long)sqlite3_column_int64(st, 1));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && n_bad == 0) {
		rc = store_fail(h, rc, err, db_path);
		sqlite3_close(h);
		return rc;
	}
	sqlite3_close(h);
	if (n_bad > 0)
		return socle_err_set(err, SOCLE_E_STORE, "%s: integrity check failed: %s", db_path,
		                     problems);
	return 0;
}

static int fsync_path(const char *path, bool dir)
{
	int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

static void unlink_db_files(const char *path)
{
	static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
	char buf[PATH_MAX + 16];

	for (size_t i = 0; i < SOCLE_COUNT(suffixes); i++) {
		snprintf(buf, sizeof(buf), "%s%s", path, suffixes[i]);
		unlink(buf);
	}
}

/* Copy the live database into @p dst from a private read connection that
 * holds one read transaction for the whole copy: the copy is that snapshot,
 * and since no other connection's commit can change what the source sees,
 * SQLite never restarts the backup, whether the writer is this process or a
 * server running next to a `socle backup` command. In WAL mode the snapshot
 * does not block writers; it only keeps the log from being reset until the
 * copy ends. */
static int backup_copy(struct store *s, sqlite3 *dst, socle_err *err)
{
	sqlite3 *src = NULL;
	sqlite3_backup *bk;
	int rc;

	rc = sqlite3_open_v2(s->path, &src, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		rc = store_fail(src, rc, err, "backup source");
		sqlite3_close(src);
		return rc;
	}
	rc = conn_setup(src, false, err);
	if (rc == 0 && sqlite3_exec(src, "BEGIN; SELECT count(*) FROM sqlite_schema;", NULL, NULL,
	                            NULL) != SQLITE_OK)
		rc = store_fail(src, sqlite3_errcode(src), err, "backup snapshot");
	if (rc != 0) {
		sqlite3_close(src);
		return rc;
	}
	bk = sqlite3_backup_init(dst, "main", src, "main");
	if (bk == NULL) {
		rc = store_fail(dst, sqlite3_errcode(dst), err, "backup");
		sqlite3_close(src);
		return rc;
	}
	do {
		rc = sqlite3_backup_step(bk, BACKUP_STEP_PAGES);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
			struct timespec pause = {0, 1000000};

			nanosleep(&pause, NULL);
		}
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(bk);
	sqlite3_exec(src, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(src);
	if (rc != SQLITE_DONE)
		return store_fail(dst, rc, err, "backup");
	return 0;
}

int store_backup(socle_service *svc, const char *dest_path, socle_err *err)
{
	struct store *s = svc != NULL ? svc->store : NULL;
	char partial[PATH_MAX], dir[PATH_MAX];
	char real_src[PATH_MAX], real_dst[PATH_MAX];
	sqlite3 *dst = NULL;
	char *slash;
	int rc;

	if (s == NULL)
		return socle_err_set(err, SOCLE_E_PHASE, "store of service %s is not open",
		                     svc != NULL ? svc->id : "?");
	if (dest_path == NULL || dest_path[0] == '\0')
		return socle_err_set(err, SOCLE_E_INVAL, "backup: no destination");
	if (realpath(s->path, real_src) != NULL && realpath(dest_path, real_dst) != NULL &&
	    strcmp(real_src, real_dst) == 0)
		return socle_err_set(err, SOCLE_E_INVAL,
		                     "backup: the destination is the live database itself");
	if ((size_t)snprintf(partial, sizeof(partial), "%s.partial", dest_path) >= sizeof(partial))
		return socle_err_set(err, SOCLE_E_INVAL, "backup: destination path too long");
	unlink_db_files(partial);
	rc = sqlite3_open_v2(partial, &dst,
	                     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		rc = store_fail(dst, rc, err, partial);
		sqlite3_close(dst);
		return rc;
	}
	rc = backup_copy(s, dst, err);
	/* The copy carries the live file's WAL flag; a backup is one self-contained file. */
	if (rc == 0 && sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK)
		rc = store_fail(dst, sqlite3_errcode(dst), err, "backup");
	if (sqlite3_close(dst) != SQLITE_OK && rc == 0)
		rc = socle_err_set(err, SOCLE_E_STORE, "backup: cannot close %s", partial);
	if (rc == 0)
		rc = store_integrity_check(partial, err);
	if (rc == 0 && fsync_path(partial, false) != 0)
		rc = socle_err_set(err, SOCLE_E_IO, "backup: fsync %s: %s", partial, strerror(errno));
	if (rc == 0) {
		/* A leftover log of an older file at @p dest_path must never be
		 * replayed into the new copy. */
		char side[PATH_MAX + 16];

		snprintf(side, sizeof(side), "%s-wal", dest_path);
		unlink(side);
		snprintf(side, sizeof(side), "%s-shm", dest_path);
		unlink(side);
		snprintf(side, sizeof(side), "%s-journal", dest_path);
		unlink(side);
	}
	if (rc == 0 && rename(partial, dest_path) != 0)
		rc = socle_err_set(err, SOCLE_E_IO, "backup: rename to %s: %s", dest_path,
		                   strerror(errno));
	if (rc != 0) {
		unlink_db_files(partial);
		return rc;
	}
	snprintf(dir, sizeof(dir), "%s", dest_path);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fsync_path(dir, true); /* the rename itself made durable */
	return 0;
}

int store_wal_size(socle_service *svc, int64_t *bytes)
{
	char path[PATH_MAX + 8];
	struct stat sb;

	*bytes = 0;
	if (svc == NULL || svc->database_path == NULL)
		return SOCLE_E_INVAL;
	snprintf(path, sizeof(path), "%s-wal", svc->database_path);
	if (stat(path, &sb) != 0)
		return errno == ENOENT ? 0 : SOCLE_E_IO;
	*bytes = (int64_t)sb.st_size;
	return 0;
}
