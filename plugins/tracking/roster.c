/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Tracking's own copy of the workers it follows (tracking_worker), and the
 * import of membership.v1 everything else in tracking reads membership from.
 *
 * Why a copy: tracking's bulk work joins workers with its own tables (the
 * recomputation of every worker's next visits, the due-visit and queue
 * listings with names, the indicators). A plugin's SQL names only its own
 * tables, so the join runs on this copy, never on membership_worker.
 *
 * How it stays right:
 *  - filled through membership's streaming reader (workers_each) when the
 *    service opens and its count differs from membership's (first start
 *    after the migration that creates it, or after a restore);
 *  - kept current by membership's events (worker.declared, worker.updated,
 *    worker.left, worker.category_changed): each handler reads the worker
 *    again through membership.v1 and writes its row, so a replayed event is
 *    harmless (events are delivered at least once);
 *  - tracking_roster_check compares the counts (tests, and every start). */
#include "tracking.h"

const struct membership_v1 *tracking_membership;

const char tracking_sql_roster[] =
	"CREATE TABLE tracking_worker ("
	"  id INTEGER PRIMARY KEY,"
	"  company_id INTEGER NOT NULL,"
	"  last_name TEXT NOT NULL,"
	"  first_name TEXT NOT NULL,"
	"  birth_date TEXT NOT NULL,"
	"  job_title TEXT NOT NULL,"
	"  contract_type TEXT NOT NULL,"
	"  start_date TEXT NOT NULL,"
	"  end_date TEXT,"
	"  category TEXT,"
	"  exposures TEXT NOT NULL DEFAULT '[]',"
	"  night_worker INTEGER NOT NULL DEFAULT 0,"
	"  rqth INTEGER NOT NULL DEFAULT 0,"
	"  invalidity_pension INTEGER NOT NULL DEFAULT 0,"
	"  sir_post INTEGER NOT NULL DEFAULT 0,"
	"  caces_or_electrical INTEGER NOT NULL DEFAULT 0,"
	"  ionising_category_a INTEGER NOT NULL DEFAULT 0,"
	"  minor_regulated_work INTEGER NOT NULL DEFAULT 0,"
	"  synced_at INTEGER NOT NULL);"
	"CREATE INDEX tracking_worker_company ON tracking_worker (company_id, id);";

#define UPSERT_SQL                                                                             \
	"INSERT INTO tracking_worker (id, company_id, last_name, first_name, birth_date,"        \
	" job_title, contract_type, start_date, end_date, category, exposures, night_worker,"     \
	" rqth, invalidity_pension, sir_post, caces_or_electrical, ionising_category_a,"          \
	" minor_regulated_work, synced_at) VALUES (:id, :company_id, :last_name, :first_name,"    \
	" :birth_date, :job_title, :contract_type, :start_date, :end_date, :category,"            \
	" :exposures, :night, :rqth, :invalidity, :sir, :caces, :ionising, :minor, :now)"         \
	" ON CONFLICT (id) DO UPDATE SET company_id = excluded.company_id,"                       \
	" last_name = excluded.last_name, first_name = excluded.first_name,"                      \
	" birth_date = excluded.birth_date, job_title = excluded.job_title,"                      \
	" contract_type = excluded.contract_type, start_date = excluded.start_date,"              \
	" end_date = excluded.end_date, category = excluded.category,"                            \
	" exposures = excluded.exposures, night_worker = excluded.night_worker,"                  \
	" rqth = excluded.rqth, invalidity_pension = excluded.invalidity_pension,"                \
	" sir_post = excluded.sir_post, caces_or_electrical = excluded.caces_or_electrical,"      \
	" ionising_category_a = excluded.ionising_category_a,"                                    \
	" minor_regulated_work = excluded.minor_regulated_work, synced_at = excluded.synced_at"

static void bind_text_or_null(socle_stmt *st, const char *name, const char *v)
{
	if (v != NULL)
		socle_stmt_bind_text(st, name, v);
	else
		socle_stmt_bind_null(st, name);
}

/* Bind one worker row to the prepared upsert and run it. */
static int upsert_row(socle_stmt *st, const struct membership_worker_row *w, socle_err *err)
{
	socle_stmt_reset(st);
	socle_stmt_bind_int(st, ":id", w->id);
	socle_stmt_bind_int(st, ":company_id", w->company_id);
	socle_stmt_bind_text(st, ":last_name", w->last_name);
	socle_stmt_bind_text(st, ":first_name", w->first_name);
	socle_stmt_bind_text(st, ":birth_date", w->birth_date);
	socle_stmt_bind_text(st, ":job_title", w->job_title);
	socle_stmt_bind_text(st, ":contract_type", w->contract_type);
	socle_stmt_bind_text(st, ":start_date", w->start_date);
	bind_text_or_null(st, ":end_date", w->end_date);
	bind_text_or_null(st, ":category", w->category);
	socle_stmt_bind_text(st, ":exposures", w->exposures ? w->exposures : "[]");
	socle_stmt_bind_int(st, ":night", w->night_worker);
	socle_stmt_bind_int(st, ":rqth", w->rqth);
	socle_stmt_bind_int(st, ":invalidity", w->invalidity_pension);
	socle_stmt_bind_int(st, ":sir", w->sir_post);
	socle_stmt_bind_int(st, ":caces", w->caces_or_electrical);
	socle_stmt_bind_int(st, ":ionising", w->ionising_category_a);
	socle_stmt_bind_int(st, ":minor", w->minor_regulated_work);
	socle_stmt_bind_int(st, ":now", socle_now_ms());
	int rc = socle_stmt_step(st, err);

	return rc < 0 ? rc : 0;
}

struct fill_ctx {
	socle_stmt *st;
	socle_err *err;
	int64_t n;
	int64_t target; /* fill_target: the one worker wanted */
};

static int fill_one(const struct membership_worker_row *w, void *ud)
{
	struct fill_ctx *c = ud;

	c->n++;
	return upsert_row(c->st, w, c->err);
}

struct sync_args {
	int64_t worker_id, company_id; /* one worker; 0: every worker */
	int64_t copied;
};

/* Every worker copied again, in one transaction. */
static int sync_all_tx(socle_db *wdb, void *ud, socle_err *err)
{
	struct sync_args *a = ud;
	socle_stmt *st = socle_db_prepare(wdb, UPSERT_SQL, err);
	struct fill_ctx c = {st, err, 0, 0};

	if (st == NULL)
		return err->code ? err->code : SOCLE_E_STORE;
	int rc = tracking_membership->workers_each(wdb, 0, 0, fill_one, &c, err);

	socle_stmt_release(st);
	a->copied = c.n;
	return rc;
}

/* The reader from just before the worker, stopped after one row: the same
 * path as the full fill, without building JSON. */
static int fill_target(const struct membership_worker_row *w, void *ud)
{
	struct fill_ctx *c = ud;

	if (w->id != c->target)
		return 1; /* membership no longer has it: nothing to copy */
	c->n++;
	int rc = upsert_row(c->st, w, c->err);

	return rc != 0 ? rc : 1;
}

static int sync_worker_tx(socle_db *wdb, void *ud, socle_err *err)
{
	struct sync_args *a = ud;
	socle_stmt *st = socle_db_prepare(wdb, UPSERT_SQL, err);
	struct fill_ctx c = {st, err, 0, a->worker_id};

	if (st == NULL)
		return err->code ? err->code : SOCLE_E_STORE;
	int rc = tracking_membership->workers_each(wdb, a->company_id, a->worker_id - 1, fill_target,
	                                           &c, err);
	socle_stmt_release(st);
	a->copied = c.n;
	return rc == 1 ? 0 : rc;
}

int tracking_roster_sync_worker(socle_service *svc, int64_t worker_id, int64_t company_id,
                                socle_err *err)
{
	struct sync_args a = {.worker_id = worker_id, .company_id = company_id};

	return socle_service_write(svc, sync_worker_tx, &a, err);
}

int tracking_roster_check(socle_service *svc, int64_t *copy, int64_t *source, socle_err *err)
{
	socle_db *db = socle_service_reader(svc, err);
	json_t *row = db ? q_one(db, "SELECT COUNT(*) AS n FROM tracking_worker", json_object(), err)
	                 : NULL;

	if (row == NULL)
		return err->code ? err->code : SOCLE_E_STORE;
	*copy = iget(row, "n");
	json_decref(row);
	*source = tracking_membership->workers_count(db, 0, err);
	if (*source < 0)
		return (int)*source;
	return *copy == *source ? 0 : 1;
}

int tracking_roster_open(socle_service *svc, socle_err *err)
{
	int64_t copy = 0, source = 0;
	int rc = tracking_roster_check(svc, &copy, &source, err);

	if (rc <= 0)
		return rc;
	struct sync_args a = {0};

	rc = socle_service_write(svc, sync_all_tx, &a, err);
	if (rc == 0)
		socle_log(SOCLE_LOG_INFO, "service %s : copie des salariés suivis refaite (%" PRId64
		          " dans la copie, %" PRId64 " chez membership ; %" PRId64 " copiés)",
		          socle_service_id(svc), copy, source, a.copied);
	return rc;
}

/* worker.declared, worker.updated, worker.left, worker.category_changed. */
static int on_worker(socle_service *svc, const char *event, const json_t *payload, void *ud,
                     socle_err *err)
{
	int64_t worker_id = iget(payload, "worker_id");
	(void)event;
	(void)ud;

	if (worker_id <= 0)
		return 0;
	return tracking_roster_sync_worker(svc, worker_id, iget(payload, "company_id"), err);
}

int tracking_roster_init(socle_plugin *p, socle_err *err)
{
	static const char *const events[] = {"worker.declared", "worker.updated", "worker.left",
	                                     "worker.category_changed"};
	int rc;

	tracking_membership = socle_plugin_import(p, MEMBERSHIP_V1_NAME, MEMBERSHIP_V1_MAJOR,
	                                          sizeof(*tracking_membership), 0, err);
	if (tracking_membership == NULL)
		return err->code ? err->code : SOCLE_E_DEPEND;
	for (size_t i = 0; i < SOCLE_COUNT(events); i++)
		if ((rc = socle_plugin_on(p, events[i], on_worker, NULL, err)) != 0)
			return rc;
	return 0;
}
