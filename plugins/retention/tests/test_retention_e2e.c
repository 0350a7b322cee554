/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The acceptance of issue 17 through the real `socle serve` (membership,
 * tracking, retention), the business clock moved with restart_at (the core's
 * frozen clock, never sleeps; the waits only wait for the loop thread):
 *   1. a 65-day sick leave: tracking's daily run announces the thresholds,
 *      the rule retention_signal proposes a case, the médecin opens it with
 *      its team;
 *   2. a pré-reprise asked by the worker: its recommendations stay in the
 *      cell (the employer, the IPRP of the team, the IPRP outside the cell and
 *      another company see nothing of it: 403 or nothing);
 *   3. the reprise with two proposals: sending them, and a referral to a
 *      partner, are refused without the worker's consent (409), then go; the
 *      employer refuses one (written reasons required) and accepts the other;
 *   4. social support: follow-ups at 3 and 6 months fall due with the clock
 *      (reminder mails), the one-year review is refused before its day, then
 *      records "still in the post" and closes the case;
 *   5. the indicators count the worker;
 *   6. serious events: the team's list shows the overdue response first, with
 *      its deadline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "http_client.h"
#include "server.h"
#include "tracking_world.h"

#define SECRET_PR "Lombalgie chronique SECRET-PR"
#define PR_ADVICE "Reprise à temps partiel thérapeutique les deux premiers mois"

static struct {
	char *admin, *med, *inf, *social, *iprp, *iprp2, *emp, *emp_b, *lea;
	json_int_t a, b, w, w2; /* the companies and workers of the first test */
} A;

static int setup(void **state)
{
	(void)state;
	json_t *cfg = world_config("2025-01-10T08:00:00Z");
	json_t *plugins = json_object_get(json_array_get(json_object_get(cfg, "services"), 0),
	                                  "plugins");

	json_object_set_new(json_object_get(plugins, "tracking"), "min_notice_hours",
	                    json_integer(0));
	json_object_set_new(plugins, "retention", json_pack("{s:i}", "first_contact_hours", 48));
	if (test_deploy_create(&D, "retention-e2e", cfg) != 0)
		return -1;
	json_decref(cfg);
	user_add("admin@svc.test", "service_admin", STAFF_PASSWORD, NULL);
	user_add("medecin@svc.test", "medecin", STAFF_PASSWORD, NULL);
	user_add("infirmier@svc.test", "infirmier", STAFF_PASSWORD, NULL);
	user_add("social@svc.test", "assistant_social", STAFF_PASSWORD, NULL);
	user_add("iprp@svc.test", "iprp", STAFF_PASSWORD, NULL);
	user_add("iprp2@svc.test", "iprp", STAFF_PASSWORD, NULL);
	return test_server_start_deploy(&S, &D);
}

static void logout_all(void)
{
	char **all[] = {&A.admin, &A.med, &A.inf, &A.social, &A.iprp, &A.iprp2, &A.emp, &A.emp_b,
	                &A.lea};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		free(*all[i]);
		*all[i] = NULL;
	}
}

/* Sessions follow the business clock: after each restart, log in again. */
static void login_all(bool with_employers)
{
	free(A.admin), free(A.med), free(A.inf), free(A.social), free(A.iprp), free(A.iprp2);
	A.admin = login("admin@svc.test", STAFF_PASSWORD);
	A.med = login("medecin@svc.test", STAFF_PASSWORD);
	A.inf = login("infirmier@svc.test", STAFF_PASSWORD);
	A.social = login("social@svc.test", STAFF_PASSWORD);
	A.iprp = login("iprp@svc.test", STAFF_PASSWORD);
	A.iprp2 = login("iprp2@svc.test", STAFF_PASSWORD);
	if (with_employers) {
		free(A.emp), free(A.emp_b), free(A.lea);
		A.emp = login("ines@garnier.test", EMPLOYER_PASSWORD);
		A.emp_b = login("paul@blanc.test", EMPLOYER_PASSWORD);
		A.lea = login("lea.roux@mail.test", WORKER_PASSWORD);
	}
}

static void move_to(const char *clock)
{
	restart_at(clock);
	login_all(true);
}

static long long wait_count(long long want, const char *sql)
{
	long long n = -1;

	for (int tries = 0; tries < 200 && (n = db_count("%s", sql)) < want; tries++)
		usleep(50000);
	return n;
}

static json_int_t me(const char *auth)
{
	json_t *r = expect(200, auth, "GET", "/api/v1/svc/auth/me", NULL);
	json_int_t id = json_integer_value(json_object_get(r, "id"));

	if (id == 0)
		id = json_integer_value(json_object_get(json_object_get(r, "user"), "id"));
	json_decref(r);
	assert_true(id > 0);
	return id;
}

static bool body_has(const json_t *r, const char *needle)
{
	char *s = json_dumps(r, JSON_COMPACT);
	bool has = s && strstr(s, needle);

	free(s);
	return has;
}

static const char *error_code(const json_t *r)
{
	return json_string_value(json_object_get(json_object_get(r, "error"), "code"));
}

/* A visit of @p type held by the médecin on @p day at 14:00 with @p outcome
 * (the clock moved to 13:30 UTC that day, after the visit began). */
static json_int_t hold_visit(const char *requester, json_t *request, const char *day,
                             json_t *outcome)
{
	char when[32], path[128];
	int status = 0;
	json_t *r = call(A.admin, "POST", "/api/v1/svc/tracking/professionals",
	                 json_pack("{s:s, s:s}", "email", "medecin@svc.test", "site", "Lyon"), &status);
	assert_true(status == 201 || status == 200); /* 200: registered already */
	json_int_t pro = json_integer_value(json_object_get(r, "user_id"));
	json_decref(r);
	snprintf(when, sizeof(when), "%sT14:00", day);
	json_decref(expect(201, A.admin, "POST", "/api/v1/svc/tracking/slots",
	                   json_pack("{s:I, s:s, s:i}", "professional_id", pro, "starts_at", when,
	                             "duration_min", 30)));
	r = expect(201, requester, "POST", "/api/v1/svc/tracking/visit-requests", request);
	json_int_t req = id_of(r);
	json_decref(r);
	r = expect(200, A.admin, "POST", "/api/v1/svc/tracking/assignments/run", json_object());
	assert_int_equal(json_integer_value(json_object_get(r, "scheduled")), 1);
	json_decref(r);
	/* After 14:00 in Lyon: an outcome is recorded once the visit has begun. */
	char after[32];

	snprintf(after, sizeof(after), "%sT13:30:00Z", day);
	move_to(after);
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/visits/%lld/outcome", (long long)req);
	json_decref(expect(201, A.med, "POST", path, outcome));
	return req;
}

static void test_retention(void **state)
{
	char path[256], q[512];
	json_t *r;
	(void)state;

	login_all(false);
	json_int_t a = member_company(A.admin, "81234567600017", "Électricité Garnier",
	                              "ines@garnier.test", &A.emp);
	json_int_t b = member_company(A.admin, "81234568400011", "Menuiserie Blanc",
	                              "paul@blanc.test", &A.emp_b);
	json_int_t w = worker(A.admin, a, "G-001", "Roux", "Léa");
	json_int_t w2 = worker(A.admin, a, "G-002", "Moreau", "Hugo");
	A.a = a, A.b = b, A.w = w, A.w2 = w2;
	char extra[64];
	snprintf(extra, sizeof(extra), "--worker %lld", (long long)w);
	user_add("lea.roux@mail.test", "employee", WORKER_PASSWORD, extra);
	A.lea = login("lea.roux@mail.test", WORKER_PASSWORD);
	json_int_t inf_id = me(A.inf), social_id = me(A.social), iprp_id = me(A.iprp);

	/* ---- 1. a 65-day sick leave: a case proposed, opened with its team ---- */
	r = expect(201, A.emp, "POST", "/api/v1/svc/tracking/leaves",
	           json_pack("{s:I, s:I, s:s, s:s, s:s}", "worker_id", w, "company_id", a, "cause",
	                     "maladie", "start", "2025-01-06", "expected_end", "2025-03-31"));
	json_int_t leave = id_of(r);
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM retention_case"), 0);
	move_to("2025-03-12T08:00:00Z");
	assert_int_equal(wait_count(2, "SELECT COUNT(*) FROM retention_signal"), 2);
	assert_int_equal(db_count("SELECT COUNT(*) FROM retention_case WHERE worker_id = %lld AND"
	                          " status = 'proposed' AND naf_division = '43'", (long long)w), 1);
	r = expect(200, A.med, "GET", "/api/v1/svc/retention/cases", NULL);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	const json_t *c0 = json_array_get(json_object_get(r, "items"), 0);
	json_int_t cid = json_integer_value(json_object_get(c0, "id"));
	assert_string_equal(json_string_value(json_object_get(c0, "status")), "proposed");
	assert_non_null(strstr(json_string_value(json_object_get(c0, "reason")), "30 jours"));
	json_decref(r);
	/* Before the case is opened, no one but the médecins sees it. */
	r = expect(200, A.inf, "GET", "/api/v1/svc/retention/cases", NULL);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 0);
	json_decref(r);
	snprintf(path, sizeof(path), "/api/v1/svc/retention/cases/%lld/open", (long long)cid);
	json_decref(expect(403, A.inf, "POST", path, json_object()));
	r = expect(422, A.med, "POST", path, json_pack("{s:[I]}", "team", (json_int_t)me(A.emp)));
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM retention_case WHERE status = 'open'"), 0);
	r = expect(200, A.med, "POST", path,
	           json_pack("{s:[I, I, I]}", "team", inf_id, social_id, iprp_id));
	assert_string_equal(json_string_value(json_object_get(r, "status")), "open");
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_event WHERE name ="
	                          " 'retention.case_opened' AND payload LIKE '%%\"case_id\":%lld%%'",
	                          (long long)cid), 1);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_parcours_instance WHERE subject ="
	                          " 'case' AND subject_id = '%lld'", (long long)cid), 1);

	/* ---- 2. the pré-reprise, asked by the worker, held in the cell ---- */
	hold_visit(A.lea,
	           json_pack("{s:I, s:I, s:s, s:I}", "worker_id", w, "company_id", a, "type",
	                     "pre_reprise", "leave_id", leave),
	           "2025-03-12",
	           json_pack("{s:s, s:s, s:[{s:s, s:s}], s:[{s:s, s:s}]}", "held_on", "2025-03-12",
	                     "document", "aucun", "adjustments", "kind", "horaires", "description",
	                     PR_ADVICE, "notes", "kind", "observation", "text", SECRET_PR));
	assert_int_equal(wait_count(1, "SELECT COUNT(*) FROM retention_proposal WHERE status ="
	                               " 'held'"), 1);
	assert_int_equal(wait_count(1, "SELECT COUNT(*) FROM retention_case WHERE pre_reprise_on ="
	                               " '2025-03-12'"), 1);
	snprintf(path, sizeof(path), "/api/v1/svc/retention/cases/%lld", (long long)cid);
	r = expect(200, A.med, "GET", path, NULL);
	assert_true(body_has(r, PR_ADVICE));
	assert_true(body_has(r, "Visite de pré-reprise tenue"));
	assert_false(body_has(r, "SECRET-PR")); /* the DMST's notes stay in tracking */
	json_decref(r);
	/* The IPRP of the team reads the case, not its medical part. */
	r = expect(200, A.iprp, "GET", path, NULL);
	assert_false(body_has(r, PR_ADVICE));
	assert_false(body_has(r, "Visite de pré-reprise tenue"));
	assert_false(body_has(r, "Recommandations de la visite"));
	assert_null(json_object_get(r, "ald"));
	json_decref(r);
	/* The IPRP outside the cell, the employers: 403, audited. */
	json_decref(expect(403, A.iprp2, "GET", path, NULL));
	json_decref(expect(403, A.emp, "GET", path, NULL));
	json_decref(expect(403, A.emp_b, "GET", path, NULL));
	assert_true(db_count("SELECT COUNT(*) FROM core_audit WHERE action = 'retention.case.read'"
	                     " AND outcome = 'denied'") >= 1);
	assert_true(db_count("SELECT COUNT(*) FROM core_audit WHERE action = 'retention.case.read'"
	                     " AND outcome = 'ok'") >= 2);
	snprintf(q, sizeof(q), "/api/v1/svc/retention/companies/%lld/proposals", (long long)a);
	r = expect(200, A.emp, "GET", q, NULL);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 0);
	assert_false(body_has(r, "pre_reprise"));
	json_decref(r);
	json_decref(expect(403, A.emp_b, "GET", q, NULL));
	/* The médecin's long-term illness flag: medical, the médecin only. */
	snprintf(path, sizeof(path), "/api/v1/svc/retention/cases/%lld/medical", (long long)cid);
	json_decref(expect(403, A.inf, "PUT", path, json_pack("{s:b}", "ald", 1)));
	json_decref(expect(200, A.med, "PUT", path, json_pack("{s:b}", "ald", 1)));

	/* ---- 3. the reprise with two proposals; consent; the employer's answers ---- */
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/leaves/%lld", (long long)leave);
	json_decref(expect(200, A.emp, "PATCH", path,
	                   json_pack("{s:s, s:s}", "actual_end", "2025-03-31", "return_date",
	                             "2025-04-01")));
	move_to("2025-04-01T08:00:00Z");
	hold_visit(A.emp,
	           json_pack("{s:I, s:I, s:s, s:I}", "worker_id", w, "company_id", a, "type",
	                     "visite_reprise", "leave_id", leave),
	           "2025-04-01",
	           json_pack("{s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}]}", "held_on", "2025-04-01",
	                     "document", "attestation", "adjustments", "kind", "poste",
	                     "description", "Siège assis-debout au poste de câblage", "kind",
	                     "horaires", "description", "Pas de travail de nuit pendant six mois"));
	assert_int_equal(wait_count(2, "SELECT COUNT(*) FROM retention_proposal WHERE status ="
	                               " 'proposed'"), 2);
	assert_int_equal(wait_count(1, "SELECT COUNT(*) FROM retention_task WHERE kind ="
	                               " 'review_1y' AND due_on = '2026-04-01'"), 1);
	json_int_t p1 = db_count("SELECT MIN(id) FROM retention_proposal WHERE status = 'proposed'");
	json_int_t p2 = db_count("SELECT MAX(id) FROM retention_proposal WHERE status = 'proposed'");

	/* Without the worker's consent: refused, nothing sent. */
	snprintf(path, sizeof(path), "/api/v1/svc/retention/cases/%lld/send", (long long)cid);
	r = expect(409, A.med, "POST", path, json_pack("{s:[I, I]}", "proposal_ids", p1, p2));
	assert_string_equal(error_code(r), "consent_required");
	json_decref(r);
	json_decref(expect(201, A.admin, "POST", "/api/v1/svc/retention/partners",
	                   json_pack("{s:s, s:s, s:s, s:s}", "name", "Cap Emploi Rhône", "kind",
	                             "cap_emploi", "territory", "Rhône", "contact",
	                             "04 72 00 00 00")));
	json_decref(expect(422, A.admin, "POST", "/api/v1/svc/retention/partners",
	                   json_pack("{s:s, s:s, s:s}", "name", "X", "kind", "banque", "territory",
	                             "Rhône")));
	json_int_t partner = db_count("SELECT id FROM retention_partner");
	snprintf(q, sizeof(q), "/api/v1/svc/retention/cases/%lld/referrals", (long long)cid);
	r = expect(409, A.social, "POST", q,
	           json_pack("{s:I, s:s, s:s}", "partner_id", partner, "purpose",
	                     "Aide au maintien dans l'emploi", "on_date", "2025-04-01"));
	assert_string_equal(error_code(r), "consent_required");
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM retention_proposal WHERE status = 'sent'"), 0);
	assert_int_equal(db_count("SELECT COUNT(*) FROM retention_referral"), 0);
	/* The worker gives its consent in its space (only for its own case). */
	json_decref(expect(403, A.emp, "POST", "/api/v1/svc/retention/me/consents",
	                   json_pack("{s:I, s:s, s:b}", "case_id", cid, "scope", "employer", "given",
	                             1)));
	json_decref(expect(201, A.lea, "POST", "/api/v1/svc/retention/me/consents",
	                   json_pack("{s:I, s:s, s:b}", "case_id", cid, "scope", "employer", "given",
	                             1)));
	snprintf(path, sizeof(path), "/api/v1/svc/retention/cases/%lld/send", (long long)cid);
	r = expect(200, A.med, "POST", path, json_pack("{s:[I, I]}", "proposal_ids", p1, p2));
	assert_int_equal(json_integer_value(json_object_get(r, "sent")), 2);
	json_decref(r);
	assert_int_equal(wait_mails("ines@garnier.test", "retention", "L4624-6", 1), 1);
	/* The partner: consent recorded by the assistant social on the worker's word. */
	snprintf(path, sizeof(path), "/api/v1/svc/retention/cases/%lld/consents", (long long)cid);
	json_decref(expect(201, A.social, "POST", path,
	                   json_pack("{s:s, s:b, s:s}", "scope", "partner", "given", 1, "how",
	                             "ecrit")));
	r = expect(201, A.social, "POST", q,
	           json_pack("{s:I, s:s, s:s}", "partner_id", partner, "purpose",
	                     "Aide au maintien dans l'emploi", "on_date", "2025-04-01"));
	snprintf(q, sizeof(q), "/api/v1/svc/retention/referrals/%lld/outcome",
	         (long long)id_of(r));
	json_decref(r);
	json_decref(expect(422, A.social, "POST", q, json_object()));
	json_decref(expect(403, A.iprp2, "POST", q, json_pack("{s:s}", "outcome", "x")));
	json_decref(expect(200, A.social, "POST", q,
	                   json_pack("{s:s}", "outcome", "Étude de poste financée par Cap Emploi")));
	snprintf(q, sizeof(q), "/api/v1/svc/retention/cases/%lld", (long long)cid);
	r = expect(200, A.iprp, "GET", q, NULL);
	assert_true(body_has(r, "financée par Cap Emploi"));
	json_decref(r);

	snprintf(q, sizeof(q), "/api/v1/svc/retention/companies/%lld/proposals", (long long)a);
	r = expect(200, A.emp, "GET", q, NULL);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 2);
	assert_false(body_has(r, "pre_reprise"));
	assert_false(body_has(r, PR_ADVICE));
	assert_false(body_has(r, "SECRET"));
	json_decref(r);
	snprintf(path, sizeof(path), "/api/v1/svc/retention/proposals/%lld/answer", (long long)p1);
	r = expect(422, A.emp, "POST", path, json_pack("{s:s}", "answer", "refused"));
	json_decref(r);
	json_decref(expect(403, A.emp_b, "POST", path,
	                   json_pack("{s:s, s:s}", "answer", "refused", "reasons",
	                             "Pas de poste de ce type dans l'atelier")));
	r = expect(200, A.emp, "POST", path,
	           json_pack("{s:s, s:s}", "answer", "refused", "reasons",
	                     "L'atelier de câblage ne peut recevoir de siège assis-debout"));
	assert_string_equal(json_string_value(json_object_get(r, "status")), "refused");
	json_decref(r);
	snprintf(path, sizeof(path), "/api/v1/svc/retention/proposals/%lld/answer", (long long)p2);
	json_decref(expect(422, A.emp, "POST", path, json_pack("{s:s}", "answer", "accepted")));
	json_decref(expect(200, A.emp, "POST", path,
	                   json_pack("{s:s, s:s}", "answer", "accepted", "done_by", "2025-04-15")));
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_event WHERE name ="
	                          " 'retention.proposal_answered'"), 2);

	/* ---- 4. social support and its follow-ups; the one-year review ---- */
	snprintf(path, sizeof(path), "/api/v1/svc/retention/cases/%lld/support", (long long)cid);
	json_t *support = json_pack("{s:s, s:[{s:s, s:s}, {s:s, s:s}]}", "started_on", "2025-04-01",
	                            "actions", "kind", "droits", "text",
	                            "Information sur le temps partiel thérapeutique", "kind",
	                            "orientation", "text", "Orientation vers Cap Emploi");
	json_decref(expect(403, A.iprp, "POST", path, json_deep_copy(support)));
	r = expect(201, A.social, "POST", path, support);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(r, "tasks"), 0), "due_on")), "2025-07-01");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(r, "tasks"), 1), "due_on")), "2025-10-01");
	json_decref(r);
	r = expect(200, A.social, "GET", "/api/v1/svc/retention/tasks", NULL);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 2);
	json_int_t t3 = json_integer_value(json_object_get(json_array_get(json_object_get(r, "items"),
	                                                                  0), "id"));
	assert_false(json_is_true(json_object_get(json_array_get(json_object_get(r, "items"), 0),
	                                          "due")));
	json_decref(r);
	snprintf(q, sizeof(q), "/api/v1/svc/retention/tasks/%lld/done", (long long)t3);
	json_decref(expect(409, A.social, "POST", q, json_pack("{s:s}", "note", "Trop tôt")));
	/* The worker's space: its steps, the proposals and their answers. */
	snprintf(path, sizeof(path), "/api/v1/svc/retention/workers/%lld/cases", (long long)w);
	r = expect(200, A.lea, "GET", path, NULL);
	assert_int_equal(json_array_size(json_object_get(json_array_get(json_object_get(r, "items"),
	                                                                0), "proposals")), 2);
	json_decref(r);
	snprintf(path, sizeof(path), "/api/v1/svc/retention/workers/%lld/cases", (long long)w2);
	json_decref(expect(403, A.lea, "GET", path, NULL));

	/* Serious events: one reported and answered at once, one left waiting. */
	snprintf(path, sizeof(path), "/api/v1/svc/retention/companies/%lld/serious-events",
	         (long long)a);
	r = expect(201, A.emp, "POST", path,
	           json_pack("{s:s, s:s, s:s}", "kind", "braquage", "occurred_on", "2025-03-31",
	                     "description", "Braquage de l'agence de Vénissieux"));
	json_int_t e1 = id_of(r);
	json_decref(r);
	r = expect(201, A.emp, "POST", path,
	           json_pack("{s:s, s:s, s:s}", "kind", "agression", "occurred_on", "2025-04-01",
	                     "description", "Agression d'un technicien chez un client"));
	json_int_t e2 = id_of(r);
	assert_int_equal(json_integer_value(json_object_get(r, "contact_due_at")),
	                 1743514200000LL /* 2025-04-01T13:30Z */ + 48LL * 3600000LL);
	json_decref(r);
	json_decref(expect(422, A.emp, "POST", path, json_pack("{s:s}", "kind", "incendie")));
	assert_int_equal(wait_mails("social@svc.test", "evenement_grave", "48 heures", 2), 2);
	assert_int_equal(wait_mails("medecin@svc.test", "evenement_grave", "agression", 1), 1);
	assert_int_equal(count_mails("iprp@svc.test", "evenement_grave", NULL), 0);
	snprintf(path, sizeof(path), "/api/v1/svc/retention/companies/%lld/serious-events",
	         (long long)b);
	json_decref(expect(403, A.emp, "POST", path,
	                   json_pack("{s:s, s:s, s:s}", "kind", "agression", "occurred_on",
	                             "2025-04-01", "description", "x")));
	snprintf(path, sizeof(path), "/api/v1/svc/retention/serious-events/%lld/response",
	         (long long)e1);
	json_decref(expect(200, A.social, "POST", path,
	                   json_pack("{s:s, s:[s]}", "response", "soutien_psychologique", "actions",
	                             "Cellule d'écoute le 2 avril")));

	move_to("2025-07-01T08:00:00Z");
	assert_int_equal(wait_mails("social@svc.test", "retention_rappel", "suivi à 3 mois", 1), 1);
	r = expect(200, A.social, "GET", "/api/v1/svc/retention/tasks", NULL);
	assert_true(json_is_true(json_object_get(json_array_get(json_object_get(r, "items"), 0),
	                                         "due")));
	assert_false(json_is_true(json_object_get(json_array_get(json_object_get(r, "items"), 1),
	                                          "due")));
	json_decref(r);
	snprintf(q, sizeof(q), "/api/v1/svc/retention/tasks/%lld/done", (long long)t3);
	json_decref(expect(200, A.social, "POST", q,
	                   json_pack("{s:s}", "note", "Reprise tenue, dossier MDPH déposé")));
	/* The team's list: the response left waiting is overdue and comes first. */
	snprintf(path, sizeof(path), "/api/v1/svc/retention/companies/%lld/serious-events",
	         (long long)a);
	r = expect(201, A.emp, "POST", path,
	           json_pack("{s:s, s:s, s:s}", "kind", "accident_mortel", "occurred_on",
	                     "2025-06-30", "description", "Chute mortelle d'un échafaudage"));
	json_int_t e3 = id_of(r);
	json_decref(r);
	json_decref(expect(403, A.emp, "GET", "/api/v1/svc/retention/serious-events", NULL));
	r = expect(200, A.social, "GET", "/api/v1/svc/retention/serious-events", NULL);
	const json_t *items = json_object_get(r, "items");
	assert_int_equal(json_array_size(items), 3);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")), e2);
	assert_true(json_is_true(json_object_get(json_array_get(items, 0), "overdue")));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 1), "id")), e3);
	assert_false(json_is_true(json_object_get(json_array_get(items, 1), "overdue")));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 2), "id")), e1);
	json_decref(r);

	move_to("2025-10-01T08:00:00Z");
	assert_int_equal(wait_mails("social@svc.test", "retention_rappel", "suivi à 6 mois", 1), 1);
	snprintf(q, sizeof(q), "/api/v1/svc/retention/tasks/%lld/done", (long long)(t3 + 1));
	json_decref(expect(200, A.social, "POST", q, json_pack("{s:s}", "note", "Stable")));
	snprintf(path, sizeof(path), "/api/v1/svc/retention/cases/%lld/review", (long long)cid);
	r = expect(409, A.med, "POST", path, json_pack("{s:s}", "outcome", "maintien_poste"));
	json_decref(r);

	move_to("2026-04-01T08:00:00Z");
	assert_int_equal(wait_mails("medecin@svc.test", "retention_rappel", "bilan à un an", 1), 1);
	json_decref(expect(422, A.med, "POST", path, json_pack("{s:s}", "outcome", "parti")));
	json_decref(expect(403, A.social, "POST", path, json_pack("{s:s}", "outcome",
	                                                          "maintien_poste")));
	r = expect(200, A.med, "POST", path, json_pack("{s:s}", "outcome", "maintien_poste"));
	assert_string_equal(json_string_value(json_object_get(r, "status")), "closed");
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_event WHERE name ="
	                          " 'retention.review_done' AND payload LIKE"
	                          " '%%\"outcome\":\"maintien_poste\"%%'"), 1);
	assert_int_equal(wait_count(1, "SELECT COUNT(*) FROM core_parcours_instance WHERE subject ="
	                               " 'case' AND status <> 'open'"), 1);

	/* ---- 5. the indicators count the worker ---- */
	json_decref(expect(403, A.emp, "GET", "/api/v1/svc/retention/indicators?from=2025-01-01"
	                                      "&to=2026-12-31", NULL));
	json_decref(expect(422, A.med, "GET", "/api/v1/svc/retention/indicators?from=2025-13-01",
	                   NULL));
	r = expect(200, A.med, "GET", "/api/v1/svc/retention/indicators?from=2025-01-01"
	                              "&to=2026-12-31", NULL);
	const json_t *kept = json_object_get(r, "kept_after_pre_reprise");
	assert_int_equal(json_integer_value(json_object_get(kept, "count")), 1);
	assert_int_equal(json_integer_value(json_object_get(kept, "of")), 1);
	assert_true(json_real_value(json_object_get(kept, "percent")) == 100.0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
		r, "ald_with_recommendations"), "count")), 1);
	assert_int_equal(json_integer_value(json_object_get(r, "social_support_people")), 1);
	assert_int_equal(json_integer_value(json_object_get(r, "adjustment_requests")), 2);
	json_decref(r);
	snprintf(q, sizeof(q), "/api/v1/svc/retention/indicators?from=2025-01-01&to=2026-12-31"
	         "&company_id=%lld", (long long)b);
	r = expect(200, A.admin, "GET", q, NULL);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
		r, "kept_after_pre_reprise"), "of")), 0);
	json_decref(r);

	/* Nothing medical in the employer's mails or the events' payloads. */
	assert_int_equal(count_mails("ines@garnier.test", "retention", "pré-reprise"), 0);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_event WHERE name LIKE 'retention.%%'"
	                          " AND (payload LIKE '%%SECRET%%' OR payload LIKE '%%thérapeutique%%')"),
	                 0);
}

/* Requests (the worker for itself, the employer for its worker), the job
 * study and its summary given back to the company, the worker's opposition. */
static void test_requests_study_opposition(void **state)
{
	char path[256];
	json_t *r;
	(void)state;

	/* Requests: only for oneself, only for one's own company's workers. */
	json_decref(expect(403, A.lea, "POST", "/api/v1/svc/retention/cases",
	                   json_pack("{s:I, s:s}", "worker_id", A.w2, "reason", "Pour Hugo")));
	json_decref(expect(403, A.emp_b, "POST", "/api/v1/svc/retention/cases",
	                   json_pack("{s:I, s:s}", "worker_id", A.w2, "reason", "Autre entreprise")));
	json_decref(expect(422, A.emp, "POST", "/api/v1/svc/retention/cases",
	                   json_pack("{s:I}", "worker_id", A.w2)));
	r = expect(201, A.emp, "POST", "/api/v1/svc/retention/cases",
	           json_pack("{s:I, s:s}", "worker_id", A.w2, "reason",
	                     "Difficultés au poste de câblage depuis son retour"));
	assert_true(json_is_true(json_object_get(r, "created")));
	json_int_t hugo = json_integer_value(json_object_get(r, "case_id"));
	json_decref(r);
	r = expect(201, A.lea, "POST", "/api/v1/svc/retention/cases",
	           json_pack("{s:I, s:s}", "worker_id", A.w, "reason", "Je souhaite être aidée"));
	assert_true(json_is_true(json_object_get(r, "created"))); /* her first case is closed */
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM retention_case WHERE status = 'proposed'"), 2);

	/* Hugo's case opened with the IPRP and the infirmier. */
	snprintf(path, sizeof(path), "/api/v1/svc/retention/cases/%lld/open", (long long)hugo);
	json_decref(expect(200, A.med, "POST", path,
	                   json_pack("{s:[I, I]}", "team", me(A.iprp), me(A.inf))));
	snprintf(path, sizeof(path), "/api/v1/svc/retention/cases/%lld", (long long)hugo);
	json_decref(expect(403, A.social, "GET", path, NULL)); /* not in this team */
	/* The médecin adds the assistant social; an employer account is refused. */
	snprintf(path, sizeof(path), "/api/v1/svc/retention/cases/%lld/team", (long long)hugo);
	json_decref(expect(422, A.med, "POST", path, json_pack("{s:I}", "user_id", me(A.emp))));
	json_decref(expect(403, A.iprp, "POST", path, json_pack("{s:I}", "user_id", me(A.social))));
	json_decref(expect(201, A.med, "POST", path, json_pack("{s:I}", "user_id", me(A.social))));
	snprintf(path, sizeof(path), "/api/v1/svc/retention/cases/%lld", (long long)hugo);
	json_decref(expect(200, A.social, "GET", path, NULL));

	/* The job study, by the IPRP of the team. */
	snprintf(path, sizeof(path), "/api/v1/svc/retention/cases/%lld/study", (long long)hugo);
	json_decref(expect(422, A.iprp, "POST", path,
	                   json_pack("{s:s, s:s, s:s, s:s, s:[{s:s}]}", "post", "Câbleur",
	                             "observations", "x", "summary", "y", "on_date", "2026-04-01",
	                             "proposals", "kind", "poste")));
	r = expect(201, A.iprp, "POST", path,
	           json_pack("{s:s, s:s, s:s, s:s, s:[{s:s, s:s}]}", "post", "Câbleur en atelier",
	                     "observations", "Postures penchées prolongées OBS-ETUDE", "summary",
	                     "Poste compatible avec un plan de travail réglable en hauteur",
	                     "on_date", "2026-04-01", "proposals", "kind", "materiel",
	                     "description", "Plan de travail réglable en hauteur"));
	json_int_t study = id_of(r);
	json_decref(r);
	/* The worker opposes the infirmier's access: the médecin records it. */
	snprintf(path, sizeof(path), "/api/v1/svc/retention/cases/%lld/medical", (long long)hugo);
	json_decref(expect(200, A.med, "PUT", path, json_pack("{s:b}", "opposition", 1)));
	snprintf(path, sizeof(path), "/api/v1/svc/retention/cases/%lld", (long long)hugo);
	r = expect(200, A.inf, "GET", path, NULL);
	assert_false(body_has(r, "OBS-ETUDE"));
	assert_false(body_has(r, "\"medical\""));
	json_decref(r);
	r = expect(200, A.iprp, "GET", path, NULL);
	assert_true(body_has(r, "OBS-ETUDE"));
	json_decref(r);
	snprintf(path, sizeof(path), "/api/v1/svc/retention/cases/%lld/steps", (long long)hugo);
	json_t *step = json_pack("{s:s, s:s, s:s, s:s}", "kind", "entretien", "class", "medical",
	                         "title", "Entretien médical", "content", "Douleurs MED-HUGO");
	r = expect(403, A.inf, "POST", path, json_deep_copy(step));
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(r, "error"),
	                                                         "message")), "opposé"));
	json_decref(r);
	json_decref(expect(403, A.iprp, "POST", path, json_deep_copy(step)));
	json_decref(expect(201, A.med, "POST", path, step));
	assert_true(db_count("SELECT COUNT(*) FROM core_audit WHERE action LIKE 'retention.%%'"
	                     " AND outcome = 'denied'") >= 4);

	/* The study's summary given back to the company, with consent. */
	snprintf(path, sizeof(path), "/api/v1/svc/retention/cases/%lld/send", (long long)hugo);
	r = expect(409, A.med, "POST", path, json_pack("{s:[I]}", "study_ids", study));
	assert_string_equal(error_code(r), "consent_required");
	json_decref(r);
	char consents[128];
	snprintf(consents, sizeof(consents), "/api/v1/svc/retention/cases/%lld/consents",
	         (long long)hugo);
	json_decref(expect(422, A.med, "POST", consents,
	                   json_pack("{s:s, s:b}", "scope", "employer", "given", 1)));
	json_decref(expect(201, A.med, "POST", consents,
	                   json_pack("{s:s, s:b, s:s}", "scope", "employer", "given", 1, "how",
	                             "ecrit")));
	json_decref(expect(200, A.med, "POST", path, json_pack("{s:[I]}", "study_ids", study)));
	snprintf(path, sizeof(path), "/api/v1/svc/retention/companies/%lld/proposals", (long long)A.a);
	r = expect(200, A.emp, "GET", path, NULL);
	assert_int_equal(json_array_size(json_object_get(r, "documents")), 1);
	assert_true(body_has(r, "plan de travail réglable"));
	assert_false(body_has(r, "OBS-ETUDE"));
	assert_false(body_has(r, "MED-HUGO"));
	json_decref(r);
	/* A professional's request opens a case at once, the infirmier in its
	 * team; the médecins see it until one of them takes the lead. */
	json_int_t w3 = worker(A.admin, A.a, "G-003", "Petit", "Zoé");
	r = expect(201, A.inf, "POST", "/api/v1/svc/retention/cases",
	           json_pack("{s:I, s:s}", "worker_id", w3, "reason", "Repérée en visite"));
	json_int_t zoe = json_integer_value(json_object_get(r, "case_id"));
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM retention_case WHERE id = %lld AND status ="
	                          " 'open'", (long long)zoe), 1);
	snprintf(path, sizeof(path), "/api/v1/svc/retention/cases/%lld", (long long)zoe);
	json_decref(expect(200, A.inf, "GET", path, NULL));
	json_decref(expect(200, A.med, "GET", path, NULL));
	json_decref(expect(403, A.iprp, "GET", path, NULL));
	snprintf(path, sizeof(path), "/api/v1/svc/retention/cases/%lld/open", (long long)zoe);
	json_decref(expect(200, A.med, "POST", path, json_object()));
	json_decref(expect(409, A.med, "POST", path, json_object()));

	/* The summary as a document: the company once sent, the worker, the
	 * team's readers of the study; never the observations. */
	snprintf(path, sizeof(path), "/api/v1/svc/retention/studies/%lld/summary", (long long)study);
	r = expect(200, A.emp, "GET", path, NULL);
	assert_string_equal(json_string_value(json_object_get(r, "company")), "Électricité Garnier");
	assert_false(body_has(r, "OBS-ETUDE"));
	json_decref(r);
	json_decref(expect(403, A.emp_b, "GET", path, NULL));
	json_decref(expect(403, A.lea, "GET", path, NULL)); /* Hugo's, not Léa's */
	json_decref(expect(403, A.inf, "GET", path, NULL)); /* opposed */
	json_decref(expect(200, A.iprp, "GET", path, NULL));
	snprintf(path, sizeof(path), "/api/v1/svc/retention/studies/%lld/summary.html",
	         (long long)study);
	{
		const char *headers[] = {A.emp, NULL};
		struct hc_response h = {0};
		assert_int_equal(hc_request(S.port, "GET", path, headers, NULL, 0, &h), 0);
		assert_int_equal(h.status, 200);
		assert_non_null(strstr(hc_header(&h, "Content-Type"), "text/html"));
		assert_non_null(strstr(h.body, "<h1>Synthèse de l'étude de poste</h1>"));
		assert_non_null(strstr(h.body, "plan de travail réglable en hauteur"));
		assert_null(strstr(h.body, "OBS-ETUDE"));
		assert_null(strstr(h.body, "style="));
		hc_response_free(&h);
	}

	/* Consent withdrawn: nothing more goes to the employer. */
	json_decref(expect(201, A.med, "POST", consents,
	                   json_pack("{s:s, s:b, s:s}", "scope", "employer", "given", 0, "how",
	                             "oral")));
	json_int_t p = db_count("SELECT id FROM retention_proposal WHERE case_id = %lld",
	                        (long long)hugo);
	snprintf(path, sizeof(path), "/api/v1/svc/retention/cases/%lld/send", (long long)hugo);
	json_decref(expect(409, A.med, "POST", path, json_pack("{s:[I]}", "proposal_ids", p)));
	logout_all();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retention),
		cmocka_unit_test(test_requests_study_opposition),
	};

	return cmocka_run_group_tests_name("maintien en emploi", tests, setup, world_teardown);
}
