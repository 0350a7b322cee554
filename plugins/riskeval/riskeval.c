/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* riskeval: evaluation of occupational risks (seed 3.2): the fiche
 * d'entreprise (annex 5.2), its due dates as rule points, workplace actions
 * (AMT) and their indicators. This file assembles the plugin and keeps
 * riskeval_company, its copy of membership's member companies.
 *
 * Why a copy: the indicators group every company by NAF division with its
 * fiches in one query, which membership's tables (never named here) cannot
 * join. The team's list of fiches to establish reads membership.v1's
 * companies_each instead. The copy is kept by membership's events (company.joined, company.left:
 * each handler reads the company again through membership.v1, so a replayed
 * event is harmless) and refreshed whenever a route of this plugin touches a
 * company. */
#include "riskeval.h"

socle_plugin *riskeval_plugin;
const struct membership_v1 *riskeval_membership;
const struct tracking_v1 *riskeval_tracking;

static const char riskeval_sql_v1[] =
	"CREATE TABLE riskeval_company ("
	"  company_id INTEGER PRIMARY KEY,"
	"  legal_name TEXT NOT NULL,"
	"  naf_code TEXT,"
	"  status TEXT NOT NULL,"
	"  joined_on TEXT,"
	"  left_on TEXT,"
	"  headcount INTEGER,"
	"  synced_at INTEGER NOT NULL);"
	/* One row per draft or validated version of a company's fiche. A draft
	 * has no version number; validating gives it the next one and freezes
	 * it: a validated row's content never changes again. */
	"CREATE TABLE riskeval_fiche ("
	"  id INTEGER PRIMARY KEY,"
	"  company_id INTEGER NOT NULL,"
	"  version INTEGER,"
	"  status TEXT NOT NULL CHECK (status IN ('draft', 'validated')),"
	"  content TEXT NOT NULL,"
	"  drafted_by INTEGER NOT NULL,"
	"  drafted_at INTEGER NOT NULL,"
	"  updated_by INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  validated_by INTEGER,"
	"  validated_on TEXT,"
	"  transmitted_by INTEGER,"
	"  transmitted_on TEXT,"
	"  cse_presented_on TEXT,"
	"  cse_note TEXT,"
	"  cse_recorded_by INTEGER,"
	"  UNIQUE (company_id, version));"
	"CREATE UNIQUE INDEX riskeval_fiche_one_draft ON riskeval_fiche (company_id)"
	"  WHERE status = 'draft';"
	"CREATE TABLE riskeval_amt ("
	"  id INTEGER PRIMARY KEY,"
	"  company_id INTEGER NOT NULL,"
	"  type TEXT NOT NULL,"
	"  done_on TEXT NOT NULL,"
	"  professionals TEXT NOT NULL,"
	"  outcome TEXT NOT NULL,"
	"  recorded_by INTEGER NOT NULL,"
	"  recorded_at INTEGER NOT NULL);"
	"CREATE INDEX riskeval_amt_company ON riskeval_amt (company_id, id);"
	"CREATE INDEX riskeval_amt_done ON riskeval_amt (done_on);";

/* The DUERP vault and the primary prevention actions (issue 14 items 4, 5). */
static const char riskeval_sql_v2[] =
	/* One row per DUERP version the company uploaded. No route changes or
	 * deletes a row: a version is kept as received, 40 years from its date
	 * (keep_until, also in core_file). risks: the thesaurus codes the
	 * company declared with it (JSON array), for the gap analysis. */
	"CREATE TABLE riskeval_duerp ("
	"  id INTEGER PRIMARY KEY,"
	"  company_id INTEGER NOT NULL,"
	"  version_on TEXT NOT NULL,"
	"  received_on TEXT NOT NULL,"
	"  format TEXT NOT NULL CHECK (format IN ('pdf', 'odt', 'docx', 'xlsx')),"
	"  filename TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  sha256 TEXT NOT NULL,"
	"  keep_until TEXT NOT NULL,"
	"  risks TEXT NOT NULL,"
	"  note TEXT,"
	"  uploaded_by INTEGER NOT NULL,"
	"  uploaded_at INTEGER NOT NULL);"
	"CREATE INDEX riskeval_duerp_company ON riskeval_duerp (company_id, version_on);"
	"CREATE TABLE riskeval_prevention_action ("
	"  id INTEGER PRIMARY KEY,"
	"  company_id INTEGER NOT NULL,"
	"  parcours INTEGER NOT NULL CHECK (parcours IN (1, 2)),"
	"  fiche_id INTEGER,"
	"  duerp_id INTEGER,"
	"  analysis TEXT NOT NULL,"
	"  proposal TEXT NOT NULL,"
	"  note TEXT,"
	"  proposed_on TEXT NOT NULL,"
	"  proposed_by INTEGER NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN ('proposee', 'acceptee', 'refusee')),"
	"  answered_on TEXT,"
	"  answered_by INTEGER,"
	"  answer_note TEXT,"
	"  next_due_on TEXT NOT NULL);"
	"CREATE INDEX riskeval_prevention_action_company ON riskeval_prevention_action"
	"  (company_id, id);"
	"CREATE INDEX riskeval_prevention_action_on ON riskeval_prevention_action (proposed_on);";

/* The company's self-assessment (issue 14 item 7): one row per drawer
 * answered, its answers as JSON (checked by drawers.c). */
static const char riskeval_sql_v3[] =
	"CREATE TABLE riskeval_self_assessment ("
	"  company_id INTEGER NOT NULL,"
	"  drawer TEXT NOT NULL CHECK (drawer IN ('organisation', 'activites', 'prevention',"
	"    'risques')),"
	"  answers TEXT NOT NULL,"
	"  updated_by INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  PRIMARY KEY (company_id, drawer));";

/* The DUERP the company fills in online (issue 14 item 3): one working copy
 * per company, its content as JSON (checked by online.c); each saving as a
 * version goes to the vault (riskeval_duerp), never changed. */
static const char riskeval_sql_v4[] =
	"CREATE TABLE riskeval_duerp_online ("
	"  company_id INTEGER PRIMARY KEY,"
	"  model TEXT NOT NULL,"
	"  prefilled INTEGER NOT NULL,"
	"  content TEXT NOT NULL,"
	"  created_by INTEGER NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  updated_by INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  last_saved_duerp_id INTEGER);";

/* The fiche per establishment (R4624-46, issue 14 item 1): a company that
 * declared several establishments has a fiche for each, numbered on its own.
 * establishment_id 0 is the company's own fiche, what every earlier row was.
 * SQLite cannot change a UNIQUE constraint in place: the table is rebuilt,
 * its rows and ids kept. */
static const char riskeval_sql_v5[] =
	"CREATE TABLE riskeval_fiche_v5 ("
	"  id INTEGER PRIMARY KEY,"
	"  company_id INTEGER NOT NULL,"
	"  establishment_id INTEGER NOT NULL DEFAULT 0,"
	"  version INTEGER,"
	"  status TEXT NOT NULL CHECK (status IN ('draft', 'validated')),"
	"  content TEXT NOT NULL,"
	"  drafted_by INTEGER NOT NULL,"
	"  drafted_at INTEGER NOT NULL,"
	"  updated_by INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  validated_by INTEGER,"
	"  validated_on TEXT,"
	"  transmitted_by INTEGER,"
	"  transmitted_on TEXT,"
	"  cse_presented_on TEXT,"
	"  cse_note TEXT,"
	"  cse_recorded_by INTEGER,"
	"  UNIQUE (company_id, establishment_id, version));"
	"INSERT INTO riskeval_fiche_v5 (id, company_id, establishment_id, version, status, content,"
	"  drafted_by, drafted_at, updated_by, updated_at, validated_by, validated_on,"
	"  transmitted_by, transmitted_on, cse_presented_on, cse_note, cse_recorded_by)"
	"  SELECT id, company_id, 0, version, status, content, drafted_by, drafted_at, updated_by,"
	"  updated_at, validated_by, validated_on, transmitted_by, transmitted_on,"
	"  cse_presented_on, cse_note, cse_recorded_by FROM riskeval_fiche;"
	"DROP TABLE riskeval_fiche;"
	"ALTER TABLE riskeval_fiche_v5 RENAME TO riskeval_fiche;"
	"CREATE UNIQUE INDEX riskeval_fiche_one_draft ON riskeval_fiche"
	"  (company_id, establishment_id) WHERE status = 'draft';";

static const struct socle_migration riskeval_migrations[] = {
	{1, riskeval_sql_v1},
	{2, riskeval_sql_v2},
	{3, riskeval_sql_v3},
	{4, riskeval_sql_v4},
	{5, riskeval_sql_v5},
};

static const struct socle_event_decl riskeval_events[] = {
	{"fiche_entreprise.drafted", "fiche_id, company_id, establishment_id",
	 "Un brouillon de fiche d'entreprise est ouvert pour une entreprise."},
	{"fiche_entreprise.validated",
	 "fiche_id, company_id, establishment_id, version, validated_on",
	 "Le médecin du travail valide une version de la fiche d'entreprise."},
	{"fiche_entreprise.transmitted",
	 "fiche_id, company_id, establishment_id, version, transmitted_on",
	 "Une version validée de la fiche d'entreprise est transmise à l'employeur."},
	{"amt.recorded", "amt_id, company_id, type, done_on",
	 "Une action en milieu de travail est enregistrée pour une entreprise."},
	{"amt.analysis_recorded", "amt_id, company_id, type, done_on",
	 "Une analyse plus poussée (métrologie, étude) est enregistrée pour une entreprise."},
	{"self_assessment.answered", "company_id, drawer",
	 "L'entreprise répond à un tiroir de son auto-évaluation des risques."},
	{"duerp.version_added",
	 "duerp_id, company_id, version_on, received_on, yearly_update, update_due_on, headcount",
	 "L'entreprise dépose une version de son DUERP dans le coffre du service."},
	{"prevention_action.proposed", "action_id, company_id, parcours, proposed_on, next_due_on",
	 "Le service propose une action de prévention primaire à une entreprise."},
};

int riskeval_update_years(socle_service *svc)
{
	const json_t *v = json_object_get(socle_service_settings(svc, riskeval_plugin),
	                                  "update_years");

	return json_is_integer(v) ? (int)json_integer_value(v) : 4;
}

int riskeval_emit(socle_db *wdb, const char *event, json_t *payload, socle_err *err)
{
	if (payload == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	int rc = socle_event_emit(wdb, event, payload, err);

	json_decref(payload);
	return rc;
}

int riskeval_audit(socle_db *wdb, socle_req *req, const char *action, const char *type,
                   int64_t id, json_t *detail, socle_err *err)
{
	struct socle_audit_entry e = {action, type, id, "ok", detail};
	int rc = socle_audit(wdb, req, &e, err);

	json_decref(detail);
	return rc;
}

bool riskeval_is_staff(socle_req *req)
{
	const socle_principal *who = socle_req_principal(req);

	return who != NULL && socle_principal_can(who, SOCLE_CAP_STAFF);
}

int riskeval_company_store(socle_db *wdb, const struct membership_company_row *c,
                           socle_err *err)
{
	json_t *p = json_pack("{s:I, s:s, s:s?, s:s, s:s?, s:s?, s:I, s:I}", "id", (json_int_t)c->id,
	                      "name", c->legal_name, "naf", c->naf_code, "status", c->status,
	                      "joined", c->joined_on, "left", c->left_on, "headcount",
	                      (json_int_t)c->headcount, "now", (json_int_t)socle_now_ms());

	if (p == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	int rc = socle_db_run_new(wdb,
		"INSERT INTO riskeval_company (company_id, legal_name, naf_code, status, joined_on,"
		" left_on, headcount, synced_at) VALUES (:id, :name, :naf, :status, :joined, :left,"
		" :headcount, :now) ON CONFLICT (company_id) DO UPDATE SET"
		" legal_name = excluded.legal_name, naf_code = excluded.naf_code,"
		" status = excluded.status, joined_on = excluded.joined_on,"
		" left_on = excluded.left_on, headcount = excluded.headcount,"
		" synced_at = excluded.synced_at", p, err);
	return rc < 0 ? rc : 0;
}

int riskeval_company_sync(socle_db *wdb, int64_t company_id, socle_err *err)
{
	json_t *c = riskeval_membership->company_get(wdb, company_id, err);

	if (c == NULL)
		return err->code ? err->code : SOCLE_E_NOMEM;
	struct membership_company_row row = {
		.size = sizeof(row),
		.id = company_id,
		.status = json_string_value(json_object_get(c, "status")),
		.legal_name = json_string_value(json_object_get(c, "legal_name")),
		.naf_code = json_string_value(json_object_get(c, "naf_code")),
		.headcount = json_integer_value(json_object_get(c, "headcount")),
		.joined_on = json_string_value(json_object_get(c, "joined_on")),
		.left_on = json_string_value(json_object_get(c, "left_on")),
	};
	int rc = riskeval_company_store(wdb, &row, err);

	json_decref(c);
	return rc;
}

static int sync_tx(socle_db *wdb, void *ud, socle_err *err)
{
	int rc = riskeval_company_sync(wdb, *(int64_t *)ud, err);

	/* A company membership forgot (never happens but on a restore) is no
	 * reason to retry the event forever. */
	return rc == SOCLE_E_NOTFOUND ? 0 : rc;
}

/* company.joined, company.left: refresh the copy of that company. */
static int on_company(socle_service *svc, const char *event, const json_t *payload, void *ud,
                      socle_err *err)
{
	(void)event;
	(void)ud;
	int64_t id = json_integer_value(json_object_get(payload, "company_id"));

	return id > 0 ? socle_service_write(svc, sync_tx, &id, err) : 0;
}

int riskeval_company_param(socle_req *req, int64_t *company_id)
{
	socle_err err = SOCLE_ERR_INIT;

	if (socle_req_param_id(req, "id", company_id) != 0)
		return socle_reply_error(req, 404, "not_found", "Entreprise introuvable."), -1;
	socle_db *db = socle_req_reader(req, &err);
	int known = db ? riskeval_membership->company_exists(db, *company_id, &err) : -1;
	if (known < 0)
		return socle_reply_err(req, &err), -1;
	/* The company check first: an employer of another company learns
	 * nothing, not even whether the id exists. */
	if (socle_access_company(req, *company_id, &err) != 0)
		return socle_reply_err(req, &err), -1;
	if (known == 0)
		return socle_reply_error(req, 404, "not_found", "Entreprise introuvable."), -1;
	return 0;
}

static int riskeval_init(socle_plugin *p, socle_err *err)
{
	int rc;

	riskeval_plugin = p;
	for (size_t i = 0; i < socle_core_service_count(socle_plugin_core(p)); i++) {
		socle_service *svc = socle_core_service_at(socle_plugin_core(p), i);
		const json_t *v = json_object_get(socle_service_settings(svc, p), "update_years");

		if (socle_service_enables(svc, "riskeval") && v != NULL &&
		    (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 10))
			return socle_err_set(err, SOCLE_E_INVAL, "service %s : le réglage update_years de "
			                     "riskeval doit être un entier de 1 à 10 (années)",
			                     socle_service_id(svc));
		v = json_object_get(socle_service_settings(svc, p), "duerp_max_bytes");
		if (socle_service_enables(svc, "riskeval") && v != NULL &&
		    (!json_is_integer(v) || json_integer_value(v) < 1024 ||
		     json_integer_value(v) > 50 * 1024 * 1024))
			return socle_err_set(err, SOCLE_E_INVAL, "service %s : le réglage duerp_max_bytes "
			                     "de riskeval doit être un entier de 1024 à 52428800 (octets)",
			                     socle_service_id(svc));
	}
	riskeval_membership = socle_plugin_import(p, MEMBERSHIP_V1_NAME, MEMBERSHIP_V1_MAJOR,
	                                          sizeof(*riskeval_membership), 0, err);
	if (riskeval_membership == NULL)
		return err->code ? err->code : SOCLE_E_DEPEND;
	/* tracking is optional: without it the fiche's SIR counts stay unknown
	 * (null) rather than the plugin refusing to start. */
	riskeval_tracking = socle_plugin_import(p, TRACKING_V1_NAME, TRACKING_V1_MAJOR,
	                                        sizeof(*riskeval_tracking), SOCLE_IMPORT_OPTIONAL,
	                                        err);
	if (riskeval_tracking == NULL && err->code)
		return err->code;
	if ((rc = socle_plugin_add_migrations(p, riskeval_migrations,
	                                      SOCLE_COUNT(riskeval_migrations), err)) ||
	    (rc = socle_plugin_declare_events(p, riskeval_events, SOCLE_COUNT(riskeval_events),
	                                      err)) ||
	    (rc = socle_plugin_add_capability(p, RISKEVAL_CAP_DRAFT,
	                                      SOCLE_ROLE_BIT(SOCLE_ROLE_MEDECIN) |
	                                      SOCLE_ROLE_BIT(SOCLE_ROLE_INFIRMIER) |
	                                      SOCLE_ROLE_BIT(SOCLE_ROLE_IPRP), err)) ||
	    (rc = socle_plugin_add_capability(p, RISKEVAL_CAP_VALIDATE,
	                                      SOCLE_ROLE_BIT(SOCLE_ROLE_MEDECIN), err)) ||
	    (rc = socle_plugin_add_capability(p, RISKEVAL_CAP_AMT,
	                                      SOCLE_ROLE_BIT(SOCLE_ROLE_MEDECIN) |
	                                      SOCLE_ROLE_BIT(SOCLE_ROLE_INFIRMIER) |
	                                      SOCLE_ROLE_BIT(SOCLE_ROLE_IPRP) |
	                                      SOCLE_ROLE_BIT(SOCLE_ROLE_SERVICE_ADMIN), err)) ||
	    (rc = socle_plugin_on(p, "company.joined", on_company, NULL, err)) ||
	    (rc = socle_plugin_on(p, "company.left", on_company, NULL, err)) ||
	    (rc = riskeval_due_init(p, err)) || (rc = riskeval_fiche_init(p, err)) ||
	    (rc = riskeval_amt_init(p, err)) || (rc = riskeval_duerp_init(p, err)) ||
	    (rc = riskeval_prevention_init(p, err)) || (rc = riskeval_drawers_init(p, err)) ||
	    (rc = riskeval_headcount_init(p, err)) || (rc = riskeval_catalogue_init(p, err)) ||
	    (rc = riskeval_online_init(p, err)) || (rc = riskeval_fiche_doc_init(p, err)))
		return rc;
	return 0;
}

/* The catalogue checked first (a model naming an unknown code stops the
 * start), then the demo data. */
static int riskeval_start(socle_plugin *p, socle_err *err)
{
	int rc = riskeval_catalogue_start(p, err);

	return rc ? rc : riskeval_demo_start(p, err);
}

SOCLE_PLUGIN_DEFINE(riskeval,
	.version = "0.1.0",
	.summary = "Évaluation des risques professionnels : fiche d'entreprise versionnée et "
	           "transmise, échéances expliquées, actions en milieu de travail et indicateurs",
	.requires = (const char *const[]){"membership", NULL},
	.optional = (const char *const[]){"tracking", NULL},
	.init = riskeval_init,
	.start = riskeval_start);
