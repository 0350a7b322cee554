/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* retention: prévention de la désinsertion professionnelle (PDP), seed 3.5,
 * one of the three missions of the offre socle, run by a pluridisciplinary
 * cell led by a médecin du travail (L4622-8-1). This file assembles the
 * plugin: its migration, capabilities, catalogues, then each area. */
#include <stdlib.h>

#include "retention.h"

socle_plugin *retention_plugin;
const struct membership_v1 *retention_membership;

const char retention_sql_v1[] =
	/* One case per worker at a time; a new signal on an open or proposed case
	 * adds to it. ald: the médecin's flag of a long-term illness (never shown
	 * outside the cell's medical readers; counted by the indicators).
	 * opposition: the worker opposed the infirmier's access (L4624-8). */
	"CREATE TABLE retention_case ("
	"  id INTEGER PRIMARY KEY,"
	"  worker_id INTEGER NOT NULL,"
	"  company_id INTEGER NOT NULL,"
	"  naf_division TEXT,"
	"  status TEXT NOT NULL CHECK (status IN ('proposed', 'open', 'closed', 'declined')),"
	"  origin TEXT NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  proposed_on TEXT NOT NULL,"
	"  opened_on TEXT,"
	"  pre_reprise_on TEXT,"
	"  reprise_on TEXT,"
	"  review_outcome TEXT,"
	"  review_on TEXT,"
	"  closed_on TEXT,"
	"  ald INTEGER NOT NULL DEFAULT 0,"
	"  opposition INTEGER NOT NULL DEFAULT 0,"
	"  created_at BIGINT NOT NULL,"
	"  updated_at BIGINT NOT NULL);"
	"CREATE INDEX retention_case_worker ON retention_case (worker_id, status);"
	"CREATE INDEX retention_case_company ON retention_case (company_id, id);"
	/* Each signal heard once (key: the event and its object). */
	"CREATE TABLE retention_signal ("
	"  id INTEGER PRIMARY KEY,"
	"  key TEXT NOT NULL UNIQUE,"
	"  worker_id INTEGER NOT NULL,"
	"  case_id INTEGER,"
	"  event TEXT NOT NULL,"
	"  decision TEXT NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  on_date TEXT NOT NULL);"
	"CREATE TABLE retention_team ("
	"  case_id INTEGER NOT NULL REFERENCES retention_case(id),"
	"  user_id INTEGER NOT NULL,"
	"  role TEXT NOT NULL,"
	"  PRIMARY KEY (case_id, user_id));"
	"CREATE INDEX retention_team_user ON retention_team (user_id, case_id);"
	"CREATE TABLE retention_step ("
	"  id INTEGER PRIMARY KEY,"
	"  case_id INTEGER NOT NULL REFERENCES retention_case(id),"
	"  kind TEXT NOT NULL,"
	"  class TEXT NOT NULL CHECK (class IN ('general', 'medical', 'social', 'study')),"
	"  title TEXT NOT NULL,"
	"  content TEXT,"
	"  on_date TEXT NOT NULL,"
	"  by_user INTEGER,"
	"  created_at BIGINT NOT NULL);"
	"CREATE INDEX retention_step_case ON retention_step (case_id, id);"
	"CREATE TABLE retention_consent ("
	"  id INTEGER PRIMARY KEY,"
	"  case_id INTEGER NOT NULL REFERENCES retention_case(id),"
	"  scope TEXT NOT NULL CHECK (scope IN ('employer', 'partner')),"
	"  given INTEGER NOT NULL,"
	"  how TEXT NOT NULL CHECK (how IN ('espace', 'ecrit', 'oral')),"
	"  recorded_by INTEGER NOT NULL,"
	"  at BIGINT NOT NULL);"
	"CREATE INDEX retention_consent_case ON retention_consent (case_id, scope, id);"
	/* held: kept in the cell (a pré-reprise's recommendations); proposed:
	 * ready to send; sent: addressed to the employer, who answers. */
	"CREATE TABLE retention_proposal ("
	"  id INTEGER PRIMARY KEY,"
	"  case_id INTEGER NOT NULL REFERENCES retention_case(id),"
	"  worker_id INTEGER NOT NULL,"
	"  company_id INTEGER NOT NULL,"
	"  origin TEXT NOT NULL CHECK (origin IN ('visit', 'study')),"
	"  adjustment_id INTEGER UNIQUE,"
	"  visit_type TEXT,"
	"  kind TEXT NOT NULL,"
	"  description TEXT NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN ('held', 'proposed', 'sent', 'accepted',"
	"    'refused', 'done')),"
	"  proposed_on TEXT NOT NULL,"
	"  sent_on TEXT,"
	"  reasons TEXT,"
	"  done_by TEXT,"
	"  answered_on TEXT,"
	"  answered_by INTEGER,"
	"  created_at BIGINT NOT NULL);"
	"CREATE INDEX retention_proposal_case ON retention_proposal (case_id, id);"
	"CREATE INDEX retention_proposal_company ON retention_proposal (company_id, status, id);"
	"CREATE TABLE retention_study ("
	"  id INTEGER PRIMARY KEY,"
	"  case_id INTEGER NOT NULL REFERENCES retention_case(id),"
	"  post TEXT NOT NULL,"
	"  observations TEXT NOT NULL,"
	"  summary TEXT NOT NULL,"
	"  on_date TEXT NOT NULL,"
	"  by_user INTEGER NOT NULL,"
	"  summary_sent_on TEXT,"
	"  created_at BIGINT NOT NULL);"
	"CREATE TABLE retention_support ("
	"  id INTEGER PRIMARY KEY,"
	"  case_id INTEGER NOT NULL REFERENCES retention_case(id),"
	"  worker_id INTEGER NOT NULL,"
	"  started_on TEXT NOT NULL,"
	"  actions TEXT NOT NULL,"
	"  by_user INTEGER NOT NULL,"
	"  created_at BIGINT NOT NULL);"
	"CREATE TABLE retention_task ("
	"  id INTEGER PRIMARY KEY,"
	"  case_id INTEGER NOT NULL REFERENCES retention_case(id),"
	"  kind TEXT NOT NULL CHECK (kind IN ('follow_up_3m', 'follow_up_6m', 'review_1y')),"
	"  due_on TEXT NOT NULL,"
	"  role TEXT NOT NULL,"
	"  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),"
	"  reminded_on TEXT,"
	"  done_on TEXT,"
	"  done_by INTEGER,"
	"  UNIQUE (case_id, kind));"
	"CREATE INDEX retention_task_due ON retention_task (status, due_on);"
	"CREATE TABLE retention_partner ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  territory TEXT NOT NULL,"
	"  contact TEXT,"
	"  created_at BIGINT NOT NULL);"
	"CREATE TABLE retention_referral ("
	"  id INTEGER PRIMARY KEY,"
	"  case_id INTEGER NOT NULL REFERENCES retention_case(id),"
	"  partner_id INTEGER NOT NULL REFERENCES retention_partner(id),"
	"  on_date TEXT NOT NULL,"
	"  purpose TEXT NOT NULL,"
	"  outcome TEXT,"
	"  consent_id INTEGER NOT NULL,"
	"  by_user INTEGER NOT NULL,"
	"  created_at BIGINT NOT NULL);"
	"CREATE TABLE retention_serious_event ("
	"  id INTEGER PRIMARY KEY,"
	"  company_id INTEGER NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  occurred_on TEXT NOT NULL,"
	"  description TEXT NOT NULL,"
	"  reported_at BIGINT NOT NULL,"
	"  reported_by INTEGER NOT NULL,"
	"  contact_due_at BIGINT NOT NULL,"
	"  contacted_at BIGINT,"
	"  response TEXT,"
	"  actions TEXT NOT NULL DEFAULT '[]',"
	"  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')));"
	"CREATE INDEX retention_serious_due ON retention_serious_event (status, contact_due_at);";

static const struct socle_migration retention_migrations[] = {
	{1, retention_sql_v1},
};

static const struct socle_event_decl retention_events[] = {
	{"retention.case_proposed", "case_id, worker_id, company_id, origin, reason",
	 "Un signal propose l'ouverture d'un dossier de maintien en emploi (PDP)."},
	{"retention.case_opened", "case_id, worker_id, company_id, origin",
	 "La cellule PDP ouvre un dossier de maintien en emploi."},
	{"retention.proposals_sent", "case_id, worker_id, company_id, proposals",
	 "Des propositions d'aménagement sont adressées à l'employeur, avec l'accord du salarié."},
	{"retention.proposal_answered", "case_id, proposal_id, company_id, answer",
	 "L'employeur répond à une proposition d'aménagement (acceptée, refusée motivée, faite)."},
	{"retention.support_started", "case_id, worker_id, started_on",
	 "L'accompagnement social commence ; suivis à 3 et 6 mois planifiés."},
	{"retention.review_done", "case_id, worker_id, company_id, outcome, on_date",
	 "Le bilan à un an après la reprise ou l'aménagement est fait."},
	{"serious_event.reported", "event_id, company_id, kind, occurred_on, contact_due_at",
	 "Une entreprise signale un événement grave (accident mortel, agression...)."},
};

static const struct socle_error_decl retention_errors[] = {
	{"consent_required", 409, "Le salarié n'a pas donné son accord à cet échange (employeur "
	                          "ou partenaire) : recueillez-le d'abord."},
};

static int retention_init(socle_plugin *p, socle_err *err)
{
	int rc;

	retention_plugin = p;
	retention_membership = socle_plugin_import(p, "membership", 1, sizeof(*retention_membership),
	                                           0, err);
	if (retention_membership == NULL)
		return err->code ? err->code : SOCLE_E_DEPEND;
	uint32_t cell = SOCLE_ROLE_BIT(SOCLE_ROLE_MEDECIN) | SOCLE_ROLE_BIT(SOCLE_ROLE_INFIRMIER) |
	                SOCLE_ROLE_BIT(SOCLE_ROLE_ASSISTANT_SOCIAL) | SOCLE_ROLE_BIT(SOCLE_ROLE_IPRP);
	if ((rc = socle_plugin_add_migrations(p, retention_migrations,
	                                      SOCLE_COUNT(retention_migrations), err)) ||
	    /* The cell's members; which case each reads is decided per record. */
	    (rc = socle_plugin_add_capability(p, "retention.cell", cell, err)) ||
	    /* The partners directory and the serious events' list: the cell and
	     * the service's administrators. */
	    (rc = socle_plugin_add_capability(p, "retention.service",
	                                      cell | SOCLE_ROLE_BIT(SOCLE_ROLE_SERVICE_ADMIN), err)) ||
	    (rc = socle_plugin_add_capability(p, "retention.indicators",
	                                      SOCLE_ROLE_BIT(SOCLE_ROLE_MEDECIN) |
	                                              SOCLE_ROLE_BIT(SOCLE_ROLE_SERVICE_ADMIN),
	                                      err)) ||
	    /* The spaces: the employer (its company's proposals, serious events)
	     * and the worker (its own case). */
	    (rc = socle_plugin_add_capability(p, "retention.employer",
	                                      SOCLE_ROLE_BIT(SOCLE_ROLE_EMPLOYER), err)) ||
	    (rc = socle_plugin_add_capability(p, "retention.worker",
	                                      SOCLE_ROLE_BIT(SOCLE_ROLE_EMPLOYEE), err)) ||
	    (rc = socle_plugin_declare_events(p, retention_events, SOCLE_COUNT(retention_events),
	                                      err)) ||
	    (rc = socle_plugin_declare_errors(p, retention_errors, SOCLE_COUNT(retention_errors),
	                                      err)) ||
	    (rc = retention_cases_init(p, err)) || (rc = retention_proposals_init(p, err)) ||
	    (rc = retention_support_init(p, err)) || (rc = retention_partners_init(p, err)) ||
	    (rc = retention_indicators_init(p, err)) || (rc = retention_documents_init(p, err)))
		return rc;
	return 0;
}

/* Tasks that fell due while the server was down are reminded at once. */
static int retention_start(socle_plugin *p, socle_err *err)
{
	(void)err;
	retention_demo_data(socle_plugin_core(p));
	retention_tasks_remind(socle_plugin_core(p));
	return 0;
}

SOCLE_PLUGIN_DEFINE(retention,
	.version = "0.1.0",
	.summary = "Prévention de la désinsertion professionnelle : dossiers de la cellule PDP, "
	           "reprise et aménagements de poste, accompagnement social, bilan à un an, "
	           "partenaires, événements graves",
	.requires = (const char *const[]){"membership", "tracking", NULL},
	.init = retention_init,
	.start = retention_start);
