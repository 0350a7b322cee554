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
#include <stddef.h>

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

/* membership's assignment facts (issue 10 item 13): what sets the visit owed
 * before a change of assignment, and the post-exposition visit. The copy has
 * them NULL until membership records one (membership has them NULL too). */
const char tracking_sql_roster_assignment[] =
	"ALTER TABLE tracking_worker ADD COLUMN assigned_on TEXT;"
	"ALTER TABLE tracking_worker ADD COLUMN assignment_declared_on TEXT;"
	"ALTER TABLE tracking_worker ADD COLUMN sir_ended_on TEXT;"
	"ALTER TABLE tracking_worker ADD COLUMN end_reason TEXT;";

#define UPSERT_SQL                                                                             \
	"INSERT INTO tracking_worker (id, company_id, last_name, first_name, birth_date,"        \
	" job_title, contract_type, start_date, end_date, category, exposures, night_worker,"     \
	" rqth, invalidity_pension, sir_post, caces_or_electrical, ionising_category_a,"          \
	" minor_regulated_work, synced_at, assigned_on, assignment_declared_on, sir_ended_on,"   \
	" end_reason) VALUES (:id, :company_id, :last_name, :first_name,"                          \
	" :birth_date, :job_title, :contract_type, :start_date, :end_date, :category,"            \
	" :exposures, :night, :rqth, :invalidity, :sir, :caces, :ionising, :minor, :now,"         \
	" :assigned_on, :assignment_declared_on, :sir_ended_on, :end_reason)"                     \
	" ON CONFLICT (id) DO UPDATE SET company_id = excluded.company_id,"                       \
	" last_name = excluded.last_name, first_name = excluded.first_name,"                      \
	" birth_date = excluded.birth_date, job_title = excluded.job_title,"                      \
	" contract_type = excluded.contract_type, start_date = excluded.start_date,"              \
	" end_date = excluded.end_date, category = excluded.category,"                            \
	" exposures = excluded.exposures, night_worker = excluded.night_worker,"                  \
	" rqth = excluded.rqth, invalidity_pension = excluded.invalidity_pension,"                \
	" sir_post = excluded.sir_post, caces_or_electrical = excluded.caces_or_electrical,"      \
	" ionising_category_a = excluded.ionising_category_a,"                                    \
	" minor_regulated_work = excluded.minor_regulated_work, synced_at = excluded.synced_at,"  \
	" assigned_on = excluded.assigned_on,"                                                    \
	" assignment_declared_on = excluded.assignment_declared_on,"                              \
	" sir_ended_on = excluded.sir_ended_on, end_reason = excluded.end_reason"

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
	/* Appended to the row: read only when the exporter's row has them. */
	bool facts = w->size >= offsetof(struct membership_worker_row, end_reason) +
	                            sizeof(w->end_reason);
	bind_text_or_null(st, ":assigned_on", facts ? w->assigned_on : NULL);
	bind_text_or_null(st, ":assignment_declared_on", facts ? w->assignment_declared_on : NULL);
	bind_text_or_null(st, ":sir_ended_on", facts ? w->sir_ended_on : NULL);
	bind_text_or_null(st, ":end_reason", facts ? w->end_reason : NULL);
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
	json_t *row = db ? socle_db_query_one_new(db, "SELECT COUNT(*) AS n FROM tracking_worker", json_object(), err)
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

int tracking_roster_resync(socle_service *svc, socle_err *err)
{
	struct sync_args a = {0};
	int rc = socle_service_write(svc, sync_all_tx, &a, err);

	if (rc == 0)
		socle_log(SOCLE_LOG_INFO, "service %s : copie des salariés suivis refaite (%" PRId64
		          " copiés)", socle_service_id(svc), a.copied);
	return rc;
}

int tracking_roster_open(socle_service *svc, socle_err *err)
{
	int64_t copy = 0, source = 0;
	int rc = tracking_roster_check(svc, &copy, &source, err);

	if (rc <= 0)
		return rc;
	socle_log(SOCLE_LOG_INFO, "service %s : la copie des salariés suivis en compte %" PRId64
	          ", membership %" PRId64 " : copie refaite", socle_service_id(svc), copy, source);
	return tracking_roster_resync(svc, err);
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
	int rc = tracking_roster_sync_worker(svc, worker_id, iget(payload, "company_id"), err);

	/* What the employer sees follows at once (the nightly run stays). */
	return rc ? rc : tracking_due_recompute_worker(svc, worker_id, err);
}

/* visit.completed (tracking's own): the visit held moves the next one. */
static int on_visit_completed(socle_service *svc, const char *event, const json_t *payload,
                              void *ud, socle_err *err)
{
	int64_t worker_id = iget(payload, "worker_id");
	(void)event;
	(void)ud;

	return worker_id > 0 ? tracking_due_recompute_worker(svc, worker_id, err) : 0;
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
	return socle_plugin_on(p, "visit.completed", on_visit_completed, NULL, err);
}

/* Migration 10: tracking's tables lose their foreign keys into membership's
 * (their foreign keys into membership's worker table): a plugin's schema names only its own
 * tables. SQLite cannot drop a constraint, so each table is rebuilt with the
 * same columns, rows and indexes. Other tracking tables reference some of
 * these (leave_id, request_id...): with foreign keys deferred, dropping the
 * table counts their rows as violations and inserting the same rows back
 * clears them before the commit (a rename would rewrite those references
 * instead). The definitions are the stored texts of migrations 1 to 5. */
const char tracking_sql_own_keys[] =
	"PRAGMA defer_foreign_keys = ON;"
	"CREATE TEMP TABLE tracking_protocol_copy AS SELECT * FROM tracking_protocol;"
	"DROP TABLE tracking_protocol;"
	"CREATE TABLE tracking_protocol (  worker_id INTEGER PRIMARY KEY,  periodicity_months "
	"INTEGER CHECK (periodicity_months BETWEEN 1 AND 60),  next_visit_on TEXT,  set_by INTEGER "
	"NOT NULL,  set_on TEXT NOT NULL,  updated_at INTEGER NOT NULL);"
	"INSERT INTO tracking_protocol SELECT * FROM temp.tracking_protocol_copy;"
	"DROP TABLE temp.tracking_protocol_copy;"
	"CREATE TEMP TABLE tracking_leave_copy AS SELECT * FROM tracking_leave;"
	"DROP TABLE tracking_leave;"
	"CREATE TABLE tracking_leave (  id INTEGER PRIMARY KEY,  worker_id INTEGER NOT NULL,  "
	"company_id INTEGER NOT NULL,  cause TEXT NOT NULL CHECK (cause = 'maladie' OR cause = "
	"'accident_non_professionnel'    OR cause = 'accident_trajet' OR cause = 'accident_travail'"
	"    OR cause = 'maladie_professionnelle' OR cause = 'maternite'),  start_date TEXT NOT "
	"NULL,  expected_end TEXT,  actual_end TEXT,  return_date TEXT,  declared_by INTEGER,  "
	"declared_at INTEGER NOT NULL,  updated_at INTEGER NOT NULL);"
	"INSERT INTO tracking_leave SELECT * FROM temp.tracking_leave_copy;"
	"DROP TABLE temp.tracking_leave_copy;"
	"CREATE INDEX tracking_leave_company ON tracking_leave (company_id, id);"
	"CREATE INDEX tracking_leave_worker ON tracking_leave (worker_id, start_date);"
	"CREATE TEMP TABLE tracking_visit_request_copy AS SELECT * FROM tracking_visit_request;"
	"DROP TABLE tracking_visit_request;"
	"CREATE TABLE tracking_visit_request (  id INTEGER PRIMARY KEY,  worker_id INTEGER NOT "
	"NULL,  company_id INTEGER NOT NULL,  type TEXT NOT NULL,  requested_by TEXT NOT NULL CHECK"
	" (requested_by IN ('employer', 'worker', 'medecin',    'medecin_traitant', "
	"'medecin_conseil', 'service')),  requested_on TEXT NOT NULL,  due_before TEXT,  reason "
	"TEXT,  site TEXT,  leave_id INTEGER REFERENCES tracking_leave(id),  priority DOUBLE "
	"PRECISION NOT NULL,  priority_reason TEXT NOT NULL,  status TEXT NOT NULL CHECK (status IN"
	" ('queued', 'scheduled', 'cancelled', 'done',    'missed')),  slot_id INTEGER REFERENCES "
	"tracking_slot(id),  unplaced_reason TEXT,  unplaced_at BIGINT,  scheduled_at BIGINT,  "
	"cancel_reason TEXT,  created_by INTEGER,  created_at BIGINT NOT NULL,  updated_at BIGINT "
	"NOT NULL);"
	"INSERT INTO tracking_visit_request SELECT * FROM temp.tracking_visit_request_copy;"
	"DROP TABLE temp.tracking_visit_request_copy;"
	"CREATE INDEX tracking_request_due ON tracking_visit_request (due_before);"
	"CREATE INDEX tracking_request_plan ON tracking_visit_request  (company_id, priority DESC, "
	"COALESCE(due_before, '9999-12-31'), id)  WHERE status = 'queued';"
	"CREATE INDEX tracking_request_queue ON tracking_visit_request  (priority DESC, "
	"COALESCE(due_before, '9999-12-31'), id) WHERE status = 'queued';"
	"CREATE INDEX tracking_request_worker ON tracking_visit_request (worker_id, type);"
	"CREATE TEMP TABLE tracking_dmst_copy AS SELECT * FROM tracking_dmst;"
	"DROP TABLE tracking_dmst;"
	"CREATE TABLE tracking_dmst (  worker_id INTEGER PRIMARY KEY,  ins TEXT CHECK (ins IS NULL "
	"OR LENGTH(ins) = 15),  medecin_traitant TEXT,  opposition_other_professionals INTEGER NOT "
	"NULL DEFAULT 0    CHECK (opposition_other_professionals IN (0, 1)),  opposition_transfer "
	"INTEGER NOT NULL DEFAULT 0 CHECK (opposition_transfer IN (0, 1)),  last_visit_on TEXT,  "
	"death_on TEXT,  retention_until TEXT NOT NULL,  created_on TEXT NOT NULL,  created_at "
	"INTEGER NOT NULL,  created_by INTEGER NOT NULL,  updated_at INTEGER NOT NULL,  updated_by "
	"INTEGER NOT NULL);"
	"INSERT INTO tracking_dmst SELECT * FROM temp.tracking_dmst_copy;"
	"DROP TABLE temp.tracking_dmst_copy;"
	"CREATE TEMP TABLE tracking_visit_outcome_copy AS SELECT * FROM tracking_visit_outcome;"
	"DROP TABLE tracking_visit_outcome;"
	"CREATE TABLE tracking_visit_outcome (  id INTEGER PRIMARY KEY,  request_id INTEGER NOT "
	"NULL UNIQUE REFERENCES tracking_visit_request(id),  worker_id INTEGER NOT NULL,  "
	"company_id INTEGER NOT NULL,  type TEXT NOT NULL,  held_on TEXT NOT NULL,  professional_id"
	" INTEGER NOT NULL,  role TEXT NOT NULL CHECK (role = 'medecin' OR role = 'infirmier'),  "
	"attestation TEXT,  avis TEXT CHECK (avis IS NULL OR avis = 'aptitude' OR avis = "
	"'inaptitude'),  adjustments TEXT NOT NULL DEFAULT '[]',  orientation TEXT CHECK "
	"(orientation IS NULL OR orientation = 'medecin'    OR orientation = 'soins'),  ordonnance "
	"TEXT,  next_visit_on TEXT,  created_at BIGINT NOT NULL);"
	"INSERT INTO tracking_visit_outcome SELECT * FROM temp.tracking_visit_outcome_copy;"
	"DROP TABLE temp.tracking_visit_outcome_copy;"
	"CREATE INDEX tracking_outcome_worker ON tracking_visit_outcome (worker_id, held_on);"
	"CREATE INDEX tracking_outcome_company ON tracking_visit_outcome (company_id, held_on);";

/* ---- reads of one worker and its company through membership.v1 ---- */

json_t *tracking_worker_card(socle_db *db, int64_t worker_id, socle_err *err)
{
	json_t *w = tracking_membership->worker_get(db, worker_id, err);

	if (w == NULL)
		return NULL;
	json_t *c = tracking_membership->company_get(db, iget(w, "company_id"), err);

	if (c == NULL) {
		json_decref(w);
		return NULL;
	}
	const json_t *contact = json_object_get(c, "contact");
	json_t *card = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O}",
	                         "worker_id", json_object_get(w, "id"),
	                         "company_id", json_object_get(w, "company_id"),
	                         "first_name", json_object_get(w, "first_name"),
	                         "last_name", json_object_get(w, "last_name"),
	                         "birth_date", json_object_get(w, "birth_date"),
	                         "job_title", json_object_get(w, "job_title"),
	                         "end_date", json_object_get(w, "end_date"),
	                         "legal_name", json_object_get(c, "legal_name"),
	                         "contact_email", json_object_get(contact, "email"));

	json_decref(w);
	json_decref(c);
	if (card == NULL)
		NOMEM(err);
	return card;
}

json_t *tracking_worker_accounts(socle_db *db, int64_t worker_id, socle_err *err)
{
	return socle_users_list(db, SOCLE_ROLE_BIT(SOCLE_ROLE_EMPLOYEE), "worker", worker_id, 0, 5,
	                        err);
}

bool tracking_convocation_refused(socle_req *req, int64_t company_id)
{
	const socle_principal *who = socle_req_principal(req);
	socle_err err = SOCLE_ERR_INIT;

	if (who == NULL || socle_principal_role(who) != SOCLE_ROLE_EMPLOYER)
		return false; /* staff act by their capability */
	socle_db *db = socle_req_reader(req, &err);
	int may = db ? tracking_membership->employer_may(db, socle_principal_user_id(who), company_id,
	                                                MEMBERSHIP_EMPLOYER_CONVOCATION, &err)
	             : -1;

	if (may == 1)
		return false;
	if (may < 0) {
		socle_reply_err(req, &err);
		return true;
	}
	/* The company gave this user other roles (déclaration, facturation...),
	 * not the convocations: membership's employer roles, enforced here. */
	json_t *detail = json_pack("{s:s}", "missing_role", MEMBERSHIP_EMPLOYER_CONVOCATION);
	struct socle_audit_entry e = {.action = "tracking.convocation", .object_type = "company",
	                              .object_id = company_id, .outcome = "denied", .detail = detail};

	socle_audit_now(req, &e, NULL);
	json_decref(detail);
	socle_reply_error(req, 403, "forbidden",
	                  "Votre compte n'a pas le rôle « convocations » pour cette entreprise : "
	                  "demandez-le à l'administrateur de votre espace adhérent.");
	return true;
}
