/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Demo data (issue 17): when a service's retention settings say
 * "demo_data": true and it holds no case yet, start() adds the partners of a
 * territory and a few cases on membership's deterministic demo workers
 * (workers 1 to 3, read through membership.v1): one proposed after a long
 * sick leave, one open with its proposals, one closed by its one-year review;
 * and one serious event. One write, audited as retention.demo_data. */
#include <stdlib.h>

#include "retention.h"

static const struct {
	const char *name, *kind, *contact;
} demo_partners[] = {
	{"Cap Emploi du Rhône", "cap_emploi", "04 72 00 00 01"},
	{"MDPH du Rhône", "mdph", "04 72 00 00 02"},
	{"CARSAT Rhône-Alpes, service social", "carsat", "04 72 00 00 03"},
	{"CPAM du Rhône, service social", "cpam_service_social", "04 72 00 00 04"},
	{"AGEFIPH Auvergne-Rhône-Alpes", "agefiph", "04 72 00 00 05"},
	{"Comète France, Hospices civils de Lyon", "comete_france", "04 72 00 00 06"},
};

static const struct {
	int64_t worker;
	const char *status, *origin, *reason, *proposed_on, *opened_on, *reprise_on, *review_on;
} demo_cases[] = {
	{1, "proposed", "arret_long",
	 "Arrêt de travail de plus de 60 jours : risque de désinsertion professionnelle, visite de "
	 "reprise obligatoire et rendez-vous de liaison possible.",
	 "2025-06-02", NULL, NULL, NULL},
	{2, "open", "avis_amenagement", "Propositions d'aménagement de poste du médecin du travail.",
	 "2025-05-12", "2025-05-12", "2025-05-12", NULL},
	{3, "closed", "demande", "Demande d'accompagnement du salarié.", "2024-03-04", "2024-03-05",
	 "2024-04-02", "2025-04-02"},
};

static int demo_txn(socle_db *wdb, void *ud, socle_err *err)
{
	socle_err e2 = SOCLE_ERR_INIT;
	int64_t now = socle_now_ms();
	int rc;
	(void)ud;

	json_t *any = socle_db_query_one_new(wdb, "SELECT id FROM retention_case LIMIT 1",
	                                     json_object(), &e2);
	if (any) {
		json_decref(any);
		return 0;
	}
	for (size_t i = 0; i < SOCLE_COUNT(demo_partners); i++)
		if ((rc = q_ok(wdb, "INSERT INTO retention_partner (name, kind, territory, contact,"
		                    " created_at) VALUES (:n, :k, 'Rhône', :c, :now)",
		               json_pack("{s:s, s:s, s:s, s:I}", "n", demo_partners[i].name, "k",
		                         demo_partners[i].kind, "c", demo_partners[i].contact, "now",
		                         (json_int_t)now),
		               err)))
			return rc;
	int64_t company1 = 0;
	for (size_t i = 0; i < SOCLE_COUNT(demo_cases); i++) {
		json_t *w = retention_membership->worker_get(wdb, demo_cases[i].worker, &e2);
		if (w == NULL)
			continue; /* membership's demo data is off */
		int64_t company = iget(w, "company_id");
		json_decref(w);
		if (company1 == 0)
			company1 = company;
		bool closed = strcmp(demo_cases[i].status, "closed") == 0;
		if ((rc = q_ok(wdb, "INSERT INTO retention_case (worker_id, company_id, status, origin,"
		                    " reason, proposed_on, opened_on, reprise_on, review_on,"
		                    " review_outcome, closed_on, created_at, updated_at) VALUES (:w, :c,"
		                    " :st, :o, :r, :p, :op, :rep, :rev, :out, :rev, :now, :now)",
		               json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:I}",
		                         "w", (json_int_t)demo_cases[i].worker, "c", (json_int_t)company,
		                         "st", demo_cases[i].status, "o", demo_cases[i].origin, "r",
		                         demo_cases[i].reason, "p", demo_cases[i].proposed_on, "op",
		                         demo_cases[i].opened_on, "rep", demo_cases[i].reprise_on, "rev",
		                         demo_cases[i].review_on, "out",
		                         closed ? "maintien_poste" : NULL, "now", (json_int_t)now),
		               err)))
			return rc;
		int64_t id = socle_db_last_insert_id(wdb);
		if ((rc = retention_step_add(wdb, id, "signal", RETENTION_GENERAL, "Signal reçu",
		                             demo_cases[i].reason, demo_cases[i].proposed_on, 0, err)))
			return rc;
		if (strcmp(demo_cases[i].status, "open") == 0) {
			char review[SOCLE_DATE_SIZE];

			socle_date_add_months(demo_cases[i].reprise_on, 12, review);
			if ((rc = q_ok(wdb, "INSERT INTO retention_proposal (case_id, worker_id, company_id,"
			                    " origin, kind, description, status, proposed_on, created_at)"
			                    " VALUES (:c, :w, :co, 'visit', 'poste', 'Poste sans port de"
			                    " charges de plus de 10 kg', 'proposed', :on, :now)",
			               json_pack("{s:I, s:I, s:I, s:s, s:I}", "c", (json_int_t)id, "w",
			                         (json_int_t)demo_cases[i].worker, "co", (json_int_t)company,
			                         "on", demo_cases[i].opened_on, "now", (json_int_t)now),
			               err)) ||
			    (rc = retention_task_add(wdb, id, "review_1y", review, "medecin", err)))
				return rc;
		}
	}
	if (company1 > 0 &&
	    (rc = q_ok(wdb, "INSERT INTO retention_serious_event (company_id, kind, occurred_on,"
	                    " description, reported_at, reported_by, contact_due_at) VALUES (:c,"
	                    " 'agression', '2025-06-01', 'Agression verbale d''une vendeuse par un"
	                    " client', :now, 0, :due)",
	               json_pack("{s:I, s:I, s:I}", "c", (json_int_t)company1, "now",
	                         (json_int_t)now, "due", (json_int_t)(now + 48 * 3600000LL)),
	               err)))
		return rc;
	struct socle_audit_entry e = {.action = "retention.demo_data", .object_type = "service",
	                              .outcome = "ok"};
	return socle_audit(wdb, NULL, &e, err);
}

void retention_demo_data(socle_core *core)
{
	for (size_t i = 0; i < socle_core_service_count(core); i++) {
		socle_service *svc = socle_core_service_at(core, i);
		socle_err err = SOCLE_ERR_INIT;

		if (!socle_service_enables(svc, "retention") ||
		    !json_is_true(json_object_get(socle_service_settings(svc, retention_plugin),
		                                  "demo_data")))
			continue;
		if (socle_service_write(svc, demo_txn, NULL, &err) != 0)
			socle_log(SOCLE_LOG_WARN, "service %s : données de démonstration de la cellule PDP"
			          " non écrites : %s", socle_service_id(svc), err.msg);
	}
}
