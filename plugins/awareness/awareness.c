/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* awareness: information, awareness and advice for prevention (seed 3.4.1).
 * This file assembles the plugin: the schema, the events, the capability,
 * membership.v1, then each area's registrations. */
#include "awareness.h"

const struct membership_v1 *awareness_membership;
socle_plugin *awareness_plugin;

/* Companies and workers are membership's: only their ids are kept here, and
 * read through membership.v1 when a name, an address or a risk is needed. */
static const char awareness_sql_v1[] =
	"CREATE TABLE awareness_action (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  kind TEXT NOT NULL,\n"          /* atelier, elearning, webinaire, document */
	"  title TEXT NOT NULL,\n"
	"  format TEXT,\n"                 /* atelier: entreprise, service, distanciel */
	"  url TEXT,\n"                    /* e-learning, webinaire, document: its link */
	"  audience TEXT NOT NULL,\n"      /* JSON array of awareness_audiences */
	"  duration_min INTEGER,\n"
	"  objectives TEXT NOT NULL,\n"
	"  risks TEXT NOT NULL,\n"         /* JSON array of membership's risk codes */
	"  naf_divisions TEXT NOT NULL,\n" /* JSON array of two-digit NAF divisions */
	"  has_quiz INTEGER NOT NULL DEFAULT 0,\n"
	"  active INTEGER NOT NULL DEFAULT 1,\n"
	"  created_at INTEGER NOT NULL,\n"
	"  created_by INTEGER NOT NULL);\n"
	"CREATE TABLE awareness_session (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  action_id INTEGER NOT NULL REFERENCES awareness_action (id),\n"
	"  starts_at TEXT NOT NULL,\n"     /* YYYY-MM-DDTHH:MM, the service's local time */
	"  duration_min INTEGER NOT NULL,\n"
	"  place TEXT,\n"
	"  link TEXT,\n"
	"  capacity INTEGER NOT NULL,\n"
	"  speaker TEXT,\n"
	"  status TEXT NOT NULL DEFAULT 'planned',\n" /* planned, held, cancelled */
	"  held_on TEXT,\n"
	"  created_at INTEGER NOT NULL,\n"
	"  created_by INTEGER NOT NULL);\n"
	"CREATE INDEX awareness_session_starts ON awareness_session (starts_at);\n"
	"CREATE TABLE awareness_registration (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  session_id INTEGER NOT NULL REFERENCES awareness_session (id),\n"
	"  company_id INTEGER NOT NULL,\n"
	"  worker_id INTEGER,\n"           /* NULL: a person of the company itself */
	"  name TEXT NOT NULL,\n"
	"  email TEXT,\n"
	"  status TEXT NOT NULL,\n"        /* confirmed, waiting, cancelled */
	"  attended INTEGER,\n"            /* NULL until recorded, then 1 or 0 */
	"  registered_at INTEGER NOT NULL,\n"
	"  registered_by INTEGER NOT NULL,\n"
	"  confirmed_at INTEGER,\n"
	"  cancelled_at INTEGER);\n"
	"CREATE INDEX awareness_registration_session ON awareness_registration (session_id, status);\n"
	"CREATE INDEX awareness_registration_company ON awareness_registration (company_id);\n"
	"CREATE UNIQUE INDEX awareness_registration_worker ON awareness_registration"
	" (session_id, worker_id) WHERE worker_id IS NOT NULL AND status <> 'cancelled';\n"
	"CREATE TABLE awareness_feedback (\n"
	"  registration_id INTEGER PRIMARY KEY REFERENCES awareness_registration (id),\n"
	"  satisfaction INTEGER NOT NULL,\n" /* 1 (pas du tout) to 5 (tout à fait) */
	"  utility INTEGER NOT NULL,\n"
	"  comment TEXT,\n"
	"  answered_at INTEGER NOT NULL);\n"
	"CREATE TABLE awareness_quiz (\n"
	"  registration_id INTEGER PRIMARY KEY REFERENCES awareness_registration (id),\n"
	"  score_before INTEGER NOT NULL,\n" /* 0 to 100 */
	"  score_after INTEGER NOT NULL,\n"
	"  recorded_at INTEGER NOT NULL,\n"
	"  recorded_by INTEGER NOT NULL);\n"
	"CREATE TABLE awareness_company_score (\n" /* from company.prevention_scored */
	"  company_id INTEGER PRIMARY KEY,\n"
	"  score REAL NOT NULL,\n"
	"  scored_at INTEGER NOT NULL);\n"
	"CREATE TABLE awareness_mailing (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  action_id INTEGER NOT NULL REFERENCES awareness_action (id),\n"
	"  token TEXT NOT NULL UNIQUE,\n"
	"  companies INTEGER NOT NULL,\n"  /* how many companies it went to */
	"  mails INTEGER NOT NULL,\n"
	"  clicks INTEGER NOT NULL DEFAULT 0,\n"
	"  sent_at INTEGER NOT NULL,\n"
	"  sent_by INTEGER NOT NULL);\n";

/* CSE expertise (cse.c). */
static const char awareness_sql_v2[] =
	"CREATE TABLE awareness_cse_request (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  company_id INTEGER NOT NULL,\n"
	"  meeting_on TEXT NOT NULL,\n"
	"  agenda TEXT NOT NULL,\n"            /* JSON array of the agenda's points */
	"  status TEXT NOT NULL,\n"            /* requested, assigned, held */
	"  professional_id INTEGER,\n"         /* the staff user assigned */
	"  professional_name TEXT,\n"
	"  presented TEXT,\n"                  /* what was presented, after the meeting */
	"  requested_at INTEGER NOT NULL,\n"
	"  requested_by INTEGER NOT NULL,\n"
	"  assigned_at INTEGER,\n"
	"  recorded_at INTEGER);\n"
	"CREATE INDEX awareness_cse_request_company ON awareness_cse_request (company_id);\n";

/* Designated competent employees and the directory of training bodies (designated.c). */
static const char awareness_sql_v3[] =
	"CREATE TABLE awareness_designated (\n"
	"  company_id INTEGER NOT NULL,\n"
	"  worker_id INTEGER NOT NULL,\n"
	"  designated_on TEXT NOT NULL,\n"
	"  mission TEXT,\n"
	"  created_at INTEGER NOT NULL,\n"
	"  created_by INTEGER NOT NULL,\n"
	"  PRIMARY KEY (company_id, worker_id));\n"
	"CREATE TABLE awareness_training_body (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  name TEXT NOT NULL,\n"
	"  accreditation TEXT NOT NULL,\n"
	"  city TEXT,\n"
	"  email TEXT,\n"
	"  url TEXT,\n"
	"  created_at INTEGER NOT NULL);\n";

/* The needs a company or its branch expresses (needs.c). */
static const char awareness_sql_v4[] =
	"CREATE TABLE awareness_need (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  company_id INTEGER NOT NULL,\n"
	"  source TEXT NOT NULL,\n"            /* entreprise, branche */
	"  expectations TEXT NOT NULL,\n"
	"  risks TEXT NOT NULL,\n"             /* JSON array of risk codes */
	"  recorded_at INTEGER NOT NULL,\n"
	"  recorded_by INTEGER NOT NULL);\n"
	"CREATE INDEX awareness_need_company ON awareness_need (company_id);\n";

/* The relay network per company and per branch (relays.c). */
static const char awareness_sql_v5[] =
	"CREATE TABLE awareness_relay (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  company_id INTEGER,\n"              /* a company's relay, or */
	"  naf_division TEXT,\n"               /* a branch's */
	"  name TEXT NOT NULL,\n"
	"  email TEXT NOT NULL,\n"
	"  added_at INTEGER NOT NULL,\n"
	"  added_by INTEGER NOT NULL);\n"
	"CREATE INDEX awareness_relay_company ON awareness_relay (company_id);\n"
	"CREATE INDEX awareness_relay_division ON awareness_relay (naf_division);\n";

/* Referrals of designated employees to accredited bodies (designated.c). */
static const char awareness_sql_v6[] =
	"CREATE TABLE awareness_referral (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  company_id INTEGER NOT NULL,\n"
	"  worker_id INTEGER NOT NULL,\n"
	"  body_id INTEGER NOT NULL REFERENCES awareness_training_body (id),\n"
	"  topic TEXT NOT NULL,\n"
	"  referred_on TEXT NOT NULL,\n"
	"  referred_by INTEGER NOT NULL);\n"
	"CREATE INDEX awareness_referral_worker ON awareness_referral (company_id, worker_id);\n";

/* Advice given to companies by other plugins' actions, for the indicators
 * (indicators.c): riskeval's workplace actions of advice (amt.recorded). */
static const char awareness_sql_v7[] =
	"CREATE TABLE awareness_advice (\n"
	"  source TEXT NOT NULL,\n"            /* amt */
	"  source_id INTEGER NOT NULL,\n"      /* the emitter's id (amt_id) */
	"  company_id INTEGER NOT NULL,\n"
	"  type TEXT NOT NULL,\n"              /* conseil, conseil_duerp */
	"  given_on TEXT NOT NULL,\n"
	"  recorded_at INTEGER NOT NULL,\n"
	"  PRIMARY KEY (source, source_id));\n"
	"CREATE INDEX awareness_advice_company ON awareness_advice (company_id, given_on);\n"
	"CREATE INDEX awareness_advice_given ON awareness_advice (given_on);\n"
	/* The indicators read sessions held in a period, then their attendance. */
	"CREATE INDEX awareness_session_held ON awareness_session (held_on);\n"
	"CREATE INDEX awareness_cse_request_meeting ON awareness_cse_request (status, meeting_on);\n";

/* Issue 16's follow-ups. A CSE request keeps the assigned professional's role
 * (cse.c). A designation becomes a period that ends (an end date), and a
 * worker may be designated again after one ended: the table is rebuilt with
 * one row per period (designated.c). Each relay gets the token of his
 * unsubscription link, and the addresses that unsubscribed are kept, so
 * that no mailing reaches them and nobody names them relays again, even
 * after their relay is removed (relays.c). */
static const char awareness_sql_v8[] =
	"ALTER TABLE awareness_cse_request ADD COLUMN professional_role TEXT;\n" /* a role slug */
	"CREATE TABLE awareness_designated_v8 (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  company_id INTEGER NOT NULL,\n"
	"  worker_id INTEGER NOT NULL,\n"
	"  designated_on TEXT NOT NULL,\n"
	"  mission TEXT,\n"
	"  ended_on TEXT,\n"                  /* NULL while it lasts */
	"  ended_at INTEGER,\n"
	"  ended_by INTEGER,\n"
	"  created_at INTEGER NOT NULL,\n"
	"  created_by INTEGER NOT NULL);\n"
	"INSERT INTO awareness_designated_v8 (company_id, worker_id, designated_on, mission,"
	" created_at, created_by) SELECT company_id, worker_id, designated_on, mission, created_at,"
	" created_by FROM awareness_designated ORDER BY company_id, worker_id;\n"
	"DROP TABLE awareness_designated;\n"
	"ALTER TABLE awareness_designated_v8 RENAME TO awareness_designated;\n"
	"CREATE INDEX awareness_designated_worker ON awareness_designated (company_id, worker_id);\n"
	"ALTER TABLE awareness_relay ADD COLUMN token TEXT;\n"
	"UPDATE awareness_relay SET token = lower(hex(randomblob(16)));\n"
	"CREATE UNIQUE INDEX awareness_relay_token ON awareness_relay (token);\n"
	"CREATE TABLE awareness_relay_optout (\n"
	"  email TEXT PRIMARY KEY,\n"         /* in lower case */
	"  unsubscribed_at INTEGER NOT NULL);\n";

/* A catalogue document kept as a file in the core's file store
 * (document_file.c): one file per action, the latest deposited. */
static const char awareness_sql_v9[] =
	"CREATE TABLE awareness_action_file (\n"
	"  action_id INTEGER PRIMARY KEY REFERENCES awareness_action (id),\n"
	"  sha256 TEXT NOT NULL,\n"
	"  filename TEXT NOT NULL,\n"
	"  content_type TEXT NOT NULL,\n"
	"  size INTEGER NOT NULL,\n"
	"  uploaded_at INTEGER NOT NULL,\n"
	"  uploaded_by INTEGER NOT NULL);\n";

static const struct socle_migration awareness_migrations[] = {
	{1, awareness_sql_v1},
	{2, awareness_sql_v2},
	{3, awareness_sql_v3},
	{4, awareness_sql_v4},
	{5, awareness_sql_v5},
	{6, awareness_sql_v6},
	{7, awareness_sql_v7},
	{8, awareness_sql_v8},
	{9, awareness_sql_v9},
};

static const struct socle_event_decl awareness_events[] = {
	{"awareness.registered", "registration_id, session_id, action_id, company_id, worker_id, status",
	 "Une inscription à une session de sensibilisation est enregistrée, ou passe de la liste "
	 "d'attente à une place confirmée."},
	{"awareness.attended", "registration_id, session_id, action_id, company_id, worker_id",
	 "La présence d'un participant à une session de sensibilisation est enregistrée."},
	{"awareness.feedback", "registration_id, session_id, action_id, company_id",
	 "Un participant a répondu au questionnaire de satisfaction et d'utilité perçue."},
	{"awareness.need_expressed", "need_id, company_id",
	 "Une entreprise (ou sa branche) exprime une attente de sensibilisation : le parcours 3.4.1 "
	 "commence."},
	{"cse_expertise.requested", "request_id, company_id, meeting_on",
	 "Une entreprise demande un intervenant du service à une réunion de son CSE."},
};

/* Idempotent: the latest score wins whatever the order of redeliveries. */
static int store_score(socle_db *wdb, void *ud, socle_err *err)
{
	const json_t *payload = ud;
	json_t *p = json_pack("{s:O, s:O, s:I}", "company", json_object_get(payload, "company_id"),
	                      "score", json_object_get(payload, "score"), "now",
	                      (json_int_t)socle_now_ms());
	int rc = socle_db_run_new(wdb,
		"INSERT INTO awareness_company_score (company_id, score, scored_at)"
		" VALUES (:company, :score, :now) ON CONFLICT (company_id) DO UPDATE"
		" SET score = excluded.score, scored_at = excluded.scored_at", p, err);
	return rc < 0 ? rc : 0;
}

static int on_prevention_scored(socle_service *svc, const char *event, const json_t *payload,
                                void *ud, socle_err *err)
{
	(void)event;
	(void)ud;
	if (!socle_service_enables(svc, "awareness") || !json_is_number(json_object_get(payload, "score")))
		return 0;
	return socle_service_write(svc, store_score, (void *)payload, err);
}

static int awareness_init(socle_plugin *p, socle_err *err)
{
	int rc;

	awareness_plugin = p;
	awareness_membership = socle_plugin_import(p, MEMBERSHIP_V1_NAME, MEMBERSHIP_V1_MAJOR,
	                                           sizeof(*awareness_membership), 0, err);
	if (awareness_membership == NULL)
		return err->code;
	if ((rc = socle_plugin_add_migrations(p, awareness_migrations,
	                                      SOCLE_COUNT(awareness_migrations), err)) ||
	    (rc = socle_plugin_add_capability(p, AWARENESS_MANAGE, SOCLE_ROLES_STAFF, err)) ||
	    (rc = socle_plugin_declare_events(p, awareness_events, SOCLE_COUNT(awareness_events),
	                                      err)) ||
	    (rc = socle_plugin_on(p, "company.prevention_scored", on_prevention_scored, NULL, err)) ||
	    (rc = awareness_catalog_init(p, err)) || (rc = awareness_sessions_init(p, err)) ||
	    (rc = awareness_feedback_init(p, err)) || (rc = awareness_indicators_init(p, err)) ||
	    (rc = awareness_recommend_init(p, err)) ||
	    (rc = awareness_mailing_init(p, err)) || (rc = awareness_cse_init(p, err)) ||
	    (rc = awareness_designated_init(p, err)) || (rc = awareness_needs_init(p, err)) ||
	    (rc = awareness_relays_init(p, err)) || (rc = awareness_document_file_init(p, err)))
		return rc;
	return 0;
}

static int awareness_start(socle_plugin *p, socle_err *err)
{
	return awareness_demo_start(p, err);
}

SOCLE_PLUGIN_DEFINE(awareness,
	.version = "0.1.0",
	.summary = "Sensibilisation à la prévention : ateliers, e-learning et documents, sessions "
	           "et inscriptions, questionnaires de satisfaction et quiz, indicateurs",
	.requires = (const char *const[]){"membership", NULL},
	.init = awareness_init,
	.start = awareness_start);
