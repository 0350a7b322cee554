/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The acceptance path of awareness through the real `socle serve` (membership
 * and awareness enabled, frozen business clock moved by restarts):
 *   a company whose workers are exposed to noise is recommended the noise
 *   workshop, with its reason → it registers two workers on a session of two
 *   places that another company had already taken one of: the second waits →
 *   the other company cancels, the second is moved up and convoked → the
 *   reminder job mails the two confirmed places only, two days before →
 *   attendance → questionnaire and quiz → the session's results and the
 *   indicators count both workers; the company's space shows them; the
 *   other company's employer sees none of it (403 or only its own).
 * Then: the click count of a document sent by mail (two clicks through the
 * service's link, counted on the mailing, nothing per person), and the rule
 * pack's vectors through `socle check`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fsutil.h"
#include "http_client.h"
#include "outbox.h"
#include "server.h"
#include "awareness_world.h"

static struct {
	char *staff, *employer, *employer2;
	json_int_t company, company2, w1, w2, wb, workshop, document, session, r1, r2, rb;
} T;

static json_int_t exposed_worker(const char *auth, json_int_t company, const char *ref,
                                 const char *last, const char *first)
{
	char path[128];

	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/workers",
	         (long long)company);
	json_t *r = expect(201, auth, "POST", path,
		json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s]}", "external_ref", ref, "last_name",
		          last, "first_name", first, "birth_date", "1985-05-04", "job_title",
		          "Électricien", "contract_type", "cdi", "start_date", "2015-09-01", "exposures",
		          "bruit"));
	json_int_t id = id_of(r);
	json_decref(r);
	return id;
}

static void relogin(void)
{
	free(T.staff);
	free(T.employer);
	free(T.employer2);
	T.staff = login("admin@svc.test", STAFF_PASSWORD);
	T.employer = login("rh@garnier.test", EMPLOYER_PASSWORD);
	T.employer2 = login("rh@morel.test", EMPLOYER_PASSWORD);
}

static int setup(void **state)
{
	(void)state;
	if (awareness_world_deploy("awareness-e2e", json_pack("{s:i}", "reminder_days", 2), false) != 0)
		return -1;
	if (awareness_world_serve(&T.staff) != 0)
		return -1;
	T.company = member_company(T.staff, "73282932000074", "Électricité Garnier",
	                           "rh@garnier.test", &T.employer);
	T.company2 = member_company(T.staff, "44306184100047", "Plâtrerie Morel", "rh@morel.test",
	                            &T.employer2);
	T.w1 = exposed_worker(T.employer, T.company, "G-1", "Roux", "Léa");
	/* Léa's employer declared how to convoke her (membership's worker
	 * contact): her own mails come to her, addressed as she gave it. */
	char wpath[160];
	snprintf(wpath, sizeof(wpath), "/api/v1/svc/membership/companies/%lld/workers/%lld",
	         (long long)T.company, (long long)T.w1);
	json_decref(expect(200, T.employer, "PATCH", wpath,
	                   json_pack("{s:s, s:s}", "civility", "madame", "convocation_email",
	                             "lea.roux@perso.test")));
	T.w2 = exposed_worker(T.employer, T.company, "G-2", "Blanc", "Marc");
	T.wb = worker(T.employer2, T.company2, "M-1", "Morel", "Paul");
	return 0;
}

static int teardown(void **state)
{
	free(T.staff);
	free(T.employer);
	free(T.employer2);
	return world_teardown(state);
}

/* The "sensibilisation" parcours instance of @p company once its @p key is
 * @p want; NULL after a bounded wait (events are delivered after the commit). */
static json_t *parcours_instance(json_int_t company, const char *key, const char *want)
{
	char path[200];

	snprintf(path, sizeof(path),
	         "/api/v1/svc/parcours/instances?parcours=sensibilisation&subject_id=%lld",
	         (long long)company);
	for (int tries = 0; tries < 100; tries++) {
		json_t *r = expect(200, T.staff, "GET", path, NULL);
		json_t *it = json_array_get(json_object_get(r, "items"), 0);
		const char *v = json_string_value(json_object_get(it, key));

		if (v && strcmp(v, want) == 0) {
			json_incref(it);
			json_decref(r);
			return it;
		}
		json_decref(r);
		usleep(50000);
	}
	return NULL;
}

static void test_recommended(void **state)
{
	(void)state;
	char need[160];

	/* A. the company's need, collected: the parcours of 3.4.1 starts. */
	snprintf(need, sizeof(need), "/api/v1/svc/awareness/companies/%lld/needs", (long long)T.company);
	assert_int_equal(status_of(T.employer, "POST", need, json_pack("{s:s, s:s}", "source",
	                                                                 "voisin", "expectations", "")), 422);
	json_decref(expect(201, T.employer, "POST", need, json_pack("{s:s, s:s, s:[s]}", "source",
		"entreprise", "expectations", "Sensibiliser l'équipe chantier au bruit", "risks", "bruit")));
	assert_int_equal(status_of(T.employer2, "GET", need, NULL), 403);
	json_t *it = parcours_instance(T.company, "current_step", "besoin");
	assert_non_null(it);
	json_decref(it);
	json_t *r = expect(201, T.staff, "POST", "/api/v1/svc/awareness/actions",
		json_pack("{s:s, s:s, s:s, s:[s], s:i, s:s, s:[s], s:[], s:b}", "kind", "atelier",
		          "title", "Le bruit au travail", "format", "service", "audience", "salaries",
		          "duration_min", 120, "objectives", "Connaître les effets du bruit et s'en protéger",
		          "risks", "bruit", "naf_divisions", "has_quiz", 1));
	T.workshop = id_of(r);
	json_decref(r);
	r = expect(201, T.staff, "POST", "/api/v1/svc/awareness/actions",
		json_pack("{s:s, s:s, s:s, s:[s], s:s, s:[s], s:[]}", "kind", "document", "title",
		          "Écrans et fatigue visuelle", "url", "https://svc.test/docs/ecrans.pdf",
		          "audience", "salaries", "objectives", "Régler son poste",
		          "risks", "travail_sur_ecran", "naf_divisions"));
	T.document = id_of(r);
	json_decref(r);

	/* The exposed company is offered the workshop, with the reason in French. */
	r = get(T.employer, "/api/v1/svc/awareness/companies/%lld/recommendations?on=2025-06-02",
	        (long long)T.company);
	json_t *items = json_object_get(r, "items");
	assert_int_equal(json_array_size(items), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "action_id")),
	                 T.workshop);
	assert_non_null(strstr(json_string_value(json_object_get(json_array_get(items, 0), "reason")),
	                       "exposés (bruit)"));
	/* ... and the need it expressed is part of the reason. */
	assert_non_null(strstr(json_string_value(json_object_get(json_array_get(items, 0), "reason")),
	                       "attente que vous avez exprimée (bruit)"));
	json_decref(r);
	/* The other company (no exposure) is offered nothing, and cannot look at the first's. */
	r = get(T.employer2, "/api/v1/svc/awareness/companies/%lld/recommendations",
	        (long long)T.company2);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 0);
	json_decref(r);
	char path[160];
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/companies/%lld/recommendations",
	         (long long)T.company);
	assert_int_equal(status_of(T.employer2, "GET", path, NULL), 403);
	/* Staff see the companies the workshop should reach and has not, each
	 * with the reason its own page gives (the pass over every company reads
	 * the rule's answer from the Lua stack, the route converts it: same text). */
	json_t *own = get(T.employer, "/api/v1/svc/awareness/companies/%lld/recommendations",
	                  (long long)T.company);
	r = get(T.staff, "/api/v1/svc/awareness/actions/%lld/unreached", (long long)T.workshop);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(r, "items"), 0),
	                                                      "reason")),
	                    json_string_value(json_object_get(json_array_get(json_object_get(own, "items"), 0),
	                                                      "reason")));
	json_decref(own);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(r, "items"), 0),
	                                                    "company_id")), T.company);
	assert_true(json_is_string(json_object_get(json_array_get(json_object_get(r, "items"), 0),
	                                           "legal_name")));
	json_decref(r);
}

static json_t *reg(const char *auth, int want, json_int_t company, json_int_t worker)
{
	char path[128];

	snprintf(path, sizeof(path), "/api/v1/svc/awareness/sessions/%lld/registrations",
	         (long long)T.session);
	return expect(want, auth, "POST", path, json_pack("{s:I, s:I}", "company_id", company,
	                                                  "worker_id", worker));
}

static void test_registrations(void **state)
{
	(void)state;
	char path[160];

	/* Bad input: each field named, nothing created. */
	assert_int_equal(status_of(T.staff, "POST", "/api/v1/svc/awareness/sessions",
		json_pack("{s:I, s:s, s:i}", "action_id", T.document, "starts_at", "2025-13-10T09:00",
		          "capacity", 0)), 422);
	assert_int_equal(status_of(T.employer, "POST", "/api/v1/svc/awareness/sessions",
		json_pack("{s:I, s:s, s:i, s:s}", "action_id", T.workshop, "starts_at",
		          "2025-06-10T09:00", "capacity", 2, "place", "Lyon")), 403);
	json_t *r = expect(201, T.staff, "POST", "/api/v1/svc/awareness/sessions",
		json_pack("{s:I, s:s, s:i, s:s, s:s}", "action_id", T.workshop, "starts_at",
		          "2025-06-10T09:00", "capacity", 2, "place", "SPSTI, 10 rue de la Santé, Lyon",
		          "speaker", "Claire Petit, IPRP"));
	T.session = id_of(r);
	json_decref(r);
	r = get(T.employer2, "/api/v1/svc/awareness/sessions");
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	json_decref(r);

	/* The other company takes a place first; then the two workers: the second waits. */
	r = reg(T.employer2, 201, T.company2, T.wb);
	T.rb = id_of(r);
	json_decref(r);
	r = reg(T.employer, 201, T.company, T.w1);
	T.r1 = id_of(r);
	assert_string_equal(json_string_value(json_object_get(r, "status")), "confirmed");
	json_decref(r);
	r = reg(T.employer, 201, T.company, T.w2);
	T.r2 = id_of(r);
	assert_string_equal(json_string_value(json_object_get(r, "status")), "waiting");
	assert_int_equal(json_integer_value(json_object_get(r, "waiting_rank")), 1);
	json_decref(r);
	json_decref(reg(T.employer, 409, T.company, T.w1));   /* already registered */
	json_decref(reg(T.employer, 422, T.company, T.wb));   /* not its worker */
	json_decref(reg(T.employer2, 403, T.company, T.w1));  /* not its company */
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/sessions/%lld/registrations",
	         (long long)T.session);
	assert_int_equal(status_of(T.employer, "POST", path, json_pack("{s:s}", "company_id", "x")),
	                 422);
	assert_int_equal(db_count("SELECT count(*) FROM awareness_registration"), 3);
	assert_int_equal(wait_mails("rh@garnier.test", "convocation", "Léa Roux", 1), 1);
	assert_int_equal(wait_mails("rh@garnier.test", "liste_attente", "Marc Blanc", 1), 1);
	/* Léa's own convocation, written to her, signed by the service; the
	 * company's copy is the company's (it may cancel from its space). */
	assert_int_equal(wait_mails("lea.roux@perso.test", "convocation", "Bonjour Madame Roux,", 1),
	                 1);
	assert_int_equal(count_mails("lea.roux@perso.test", "convocation",
	                             "Vous êtes convoquée à l'action de sensibilisation"), 1);
	assert_int_equal(count_mails("lea.roux@perso.test", "convocation",
	                             "prévenez votre employeur ou le service"), 1);
	assert_int_equal(count_mails("lea.roux@perso.test", "convocation", "espace adhérent"), 0);
	assert_int_equal(count_mails("rh@garnier.test", "convocation", "SPSTI"), 1);

	/* The other company's employer sees only its own registration. */
	r = get(T.employer2, "/api/v1/svc/awareness/sessions/%lld/registrations?company_id=%lld",
	        (long long)T.session, (long long)T.company2);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	json_decref(r);
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/sessions/%lld/registrations?company_id=%lld",
	         (long long)T.session, (long long)T.company);
	assert_int_equal(status_of(T.employer2, "GET", path, NULL), 403);
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/registrations/%lld/cancel", (long long)T.r1);
	assert_int_equal(status_of(T.employer2, "POST", path, json_object()), 403);

	/* Its cancellation frees a place: the waiting worker is moved up and convoked. */
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/registrations/%lld/cancel", (long long)T.rb);
	r = expect(200, T.employer2, "POST", path, json_object());
	assert_int_equal(json_integer_value(json_object_get(r, "promoted_id")), T.r2);
	json_decref(r);
	assert_int_equal(status_of(T.employer2, "POST", path, json_object()), 409);
	assert_int_equal(wait_mails("rh@garnier.test", "convocation", "Marc Blanc", 1), 1);
	assert_int_equal(db_count("SELECT count(*) FROM core_event WHERE name = 'awareness.registered'"
	                          " AND payload LIKE '%%\"confirmed\"%%'"), 3);
}

static void test_reminders(void **state)
{
	(void)state;
	/* Two days before at 09:00 in Lyon, 07:00 UTC (summer time): the
	 * reminders of the places that hold, due by 07:30 UTC. */
	assert_int_equal(count_mails("rh@garnier.test", "rappel", NULL), 0);
	restart_at("2025-06-08T07:30:00Z");
	relogin();
	assert_int_equal(wait_mails("rh@garnier.test", "rappel", "Marc Blanc", 1), 1);
	assert_int_equal(wait_mails("rh@garnier.test", "rappel", "Léa Roux", 1), 1);
	assert_int_equal(wait_mails("lea.roux@perso.test", "rappel", "Vous êtes attendue bientôt", 1),
	                 1);
	assert_int_equal(count_mails("rh@morel.test", "rappel", NULL), 0); /* cancelled */
}

static void test_after_workshop(void **state)
{
	(void)state;
	char path[160];

	/* 07:30 UTC is 09:30 in Lyon (summer time): the 09:00 session (local time)
	 * has begun, though 07:30 < 09:00. */
	restart_at("2025-06-10T07:30:00Z");
	relogin();
	/* The session has begun: gone from the open list, in the staff's list to record. */
	json_t *past = get(T.staff, "/api/v1/svc/awareness/sessions?past=1");
	assert_int_equal(json_array_size(json_object_get(past, "items")), 1);
	assert_int_equal(id_of(json_array_get(json_object_get(past, "items"), 0)), T.session);
	json_decref(past);
	past = get(T.staff, "/api/v1/svc/awareness/sessions");
	assert_int_equal(json_array_size(json_object_get(past, "items")), 0);
	json_decref(past);
	assert_int_equal(status_of(T.employer, "GET", "/api/v1/svc/awareness/sessions?past=1", NULL),
	                 403);
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/sessions/%lld/attendance",
	         (long long)T.session);
	assert_int_equal(status_of(T.staff, "POST", path, json_pack("{s:[I]}", "present", T.rb)), 422);
	assert_int_equal(db_count("SELECT count(*) FROM awareness_registration WHERE attended = 1"), 0);
	assert_int_equal(status_of(T.employer, "POST", path, json_pack("{s:[I, I]}", "present", T.r1,
	                                                                 T.r2)), 403);
	json_t *r = expect(200, T.staff, "POST", path, json_pack("{s:[I, I]}", "present", T.r1, T.r2));
	json_decref(r);
	assert_int_equal(db_count("SELECT count(*) FROM core_event WHERE name = 'awareness.attended'"), 2);
	/* Each present participant is asked for his opinion (3.4.1.3), Léa at her
	 * own address with the way to her space; the company, which may answer
	 * for a worker without an account, too. */
	assert_int_equal(wait_mails("lea.roux@perso.test", "questionnaire", "Bonjour Madame Roux,", 1),
	                 1);
	assert_int_equal(count_mails("lea.roux@perso.test", "questionnaire",
	                             "awareness/mes-sensibilisations.html"), 1);
	assert_int_equal(wait_mails("rh@garnier.test", "questionnaire", "Marc Blanc", 1), 1);
	assert_int_equal(count_mails("rh@garnier.test", "questionnaire",
	                             "awareness/ateliers.html"), 2);

	/* A participant's own list (espace salarié): his company's employer and
	 * staff read it too, never another company's employer. */
	json_t *mine = get(T.employer, "/api/v1/svc/awareness/workers/%lld/registrations",
	                   (long long)T.w1);
	assert_int_equal(json_array_size(json_object_get(mine, "items")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(mine,
		"items"), 0), "attended")), 1);
	json_decref(mine);
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/workers/%lld/registrations",
	         (long long)T.w1);
	assert_int_equal(status_of(T.employer2, "GET", path, NULL), 403);
	assert_int_equal(status_of(T.staff, "GET", path, NULL), 200);

	/* The questionnaire: by the company, once each, never by another company. */
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/registrations/%lld/feedback", (long long)T.r1);
	assert_int_equal(status_of(T.employer, "POST", path, json_pack("{s:i, s:i}", "satisfaction",
	                                                                 9, "utility", 4)), 422);
	assert_int_equal(status_of(T.employer2, "POST", path, json_pack("{s:i, s:i}", "satisfaction",
	                                                                  5, "utility", 4)), 403);
	json_decref(expect(201, T.employer, "POST", path,
	                   json_pack("{s:i, s:i, s:s}", "satisfaction", 5, "utility", 4, "comment",
	                             "Très concret")));
	assert_int_equal(status_of(T.employer, "POST", path, json_pack("{s:i, s:i}", "satisfaction",
	                                                                 5, "utility", 4)), 409);
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/registrations/%lld/feedback", (long long)T.r2);
	json_decref(expect(201, T.employer, "POST", path,
	                   json_pack("{s:i, s:i}", "satisfaction", 3, "utility", 5)));
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/registrations/%lld/feedback", (long long)T.rb);
	assert_int_equal(status_of(T.employer2, "POST", path, json_pack("{s:i, s:i}", "satisfaction",
	                                                                  5, "utility", 5)), 409);

	/* The quiz, recorded by staff: 40 → 80 and 50 → 70. */
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/registrations/%lld/quiz", (long long)T.r1);
	assert_int_equal(status_of(T.employer, "POST", path, json_pack("{s:i, s:i}", "score_before",
	                                                                 40, "score_after", 80)), 403);
	assert_int_equal(status_of(T.staff, "POST", path, json_pack("{s:i, s:i}", "score_before",
	                                                              40, "score_after", 180)), 422);
	r = expect(200, T.staff, "POST", path,
	           json_pack("{s:i, s:i}", "score_before", 40, "score_after", 80));
	assert_int_equal(json_integer_value(json_object_get(r, "gain")), 40);
	json_decref(r);
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/registrations/%lld/quiz", (long long)T.r2);
	json_decref(expect(200, T.staff, "POST", path,
	                   json_pack("{s:i, s:i}", "score_before", 50, "score_after", 70)));

	r = get(T.staff, "/api/v1/svc/awareness/sessions/%lld/results", (long long)T.session);
	json_t *g = json_object_get(r, "group");
	assert_int_equal(json_integer_value(json_object_get(g, "present")), 2);
	assert_true(json_real_value(json_object_get(g, "satisfaction_rate")) == 50.0);
	assert_true(json_real_value(json_object_get(g, "utility_rate")) == 100.0);
	assert_true(json_real_value(json_object_get(g, "knowledge_gain")) == 30.0);
	assert_int_equal(json_array_size(json_object_get(r, "participants")), 2);
	json_decref(r);
	assert_int_equal(db_count("SELECT count(*) FROM core_event WHERE name = 'awareness.feedback'"), 2);
	/* C. satisfaction measured: the company's parcours is closed. */
	json_t *it = parcours_instance(T.company, "status", "closed");
	assert_non_null(it);
	json_decref(it);
}

static void test_indicators_and_space(void **state)
{
	(void)state;
	char path[200];
	json_t *r = get(T.staff, "/api/v1/svc/awareness/indicators");
	json_t *c = json_object_get(r, "companies"), *w = json_object_get(r, "workers");

	assert_string_equal(json_string_value(json_object_get(r, "from")), "2020-06-10");
	assert_int_equal(json_integer_value(json_object_get(c, "benefited")), 1);
	assert_int_equal(json_integer_value(json_object_get(c, "total")), 2);
	assert_true(json_real_value(json_object_get(c, "rate")) == 50.0);
	assert_int_equal(json_integer_value(json_object_get(w, "benefited")), 2);
	assert_int_equal(json_integer_value(json_object_get(w, "total")), 3);
	assert_true(json_real_value(json_object_get(r, "satisfaction_rate")) == 50.0);
	assert_true(json_real_value(json_object_get(r, "knowledge_gain")) == 30.0);
	json_decref(r);
	/* Per NAF division: both companies are in 43 (the world's application). */
	r = get(T.staff, "/api/v1/svc/awareness/indicators?naf_division=43");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "workers"), "benefited")), 2);
	json_decref(r);
	r = get(T.staff, "/api/v1/svc/awareness/indicators?naf_division=86");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "workers"), "total")), 0);
	json_decref(r);
	/* A period before the session: nobody benefited. */
	r = get(T.staff, "/api/v1/svc/awareness/indicators?from=2025-01-01&to=2025-06-09");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "workers"), "benefited")), 0);
	json_decref(r);
	assert_int_equal(status_of(T.staff, "GET", "/api/v1/svc/awareness/indicators?from=2025-02-30",
	                           NULL), 422);

	/* The company's own figures, and its space; the other company sees none of it. */
	r = get(T.employer, "/api/v1/svc/awareness/indicators?company_id=%lld", (long long)T.company);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "workers"), "benefited")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "workers"), "total")), 2);
	json_decref(r);
	assert_int_equal(status_of(T.employer2, "GET", "/api/v1/svc/awareness/indicators", NULL), 422);
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/indicators?company_id=%lld",
	         (long long)T.company);
	assert_int_equal(status_of(T.employer2, "GET", path, NULL), 403);
	r = get(T.employer, "/api/v1/svc/awareness/companies/%lld/registrations", (long long)T.company);
	json_t *items = json_object_get(r, "items");
	assert_int_equal(json_array_size(items), 2);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(json_integer_value(json_object_get(json_array_get(items, i), "attended")), 1);
		assert_int_equal(json_integer_value(json_object_get(json_array_get(items, i), "answered")), 1);
	}
	json_decref(r);
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/companies/%lld/registrations",
	         (long long)T.company);
	assert_int_equal(status_of(T.employer2, "GET", path, NULL), 403);
	snprintf(path, sizeof(path), "/api/v1/svc/awareness/sessions/%lld/results", (long long)T.session);
	assert_int_equal(status_of(T.employer2, "GET", path, NULL), 403);
	/* Attended: the workshop is no longer recommended to the company. */
	r = get(T.employer, "/api/v1/svc/awareness/companies/%lld/recommendations", (long long)T.company);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 0);
	json_decref(r);
}

static void test_document_clicks(void **state)
{
	(void)state;
	char path[160], token[33], link[128];
	struct hc_response resp;

	snprintf(path, sizeof(path), "/api/v1/svc/awareness/actions/%lld/mailings", (long long)T.document);
	assert_int_equal(status_of(T.staff, "POST", path, json_pack("{s:[i]}", "company_ids", 999999)),
	                 422);
	assert_int_equal(status_of(T.employer, "POST", path,
	                           json_pack("{s:[I]}", "company_ids", T.company)), 403);
	/* The relays: the company's (named by it), the branch's (staff only). */
	assert_int_equal(status_of(T.employer, "POST", "/api/v1/svc/awareness/relays",
	                           json_pack("{s:s, s:s, s:s}", "naf_division", "43", "name", "x", "email",
	                                     "x@btp.test")), 403);
	assert_int_equal(status_of(T.employer2, "POST", "/api/v1/svc/awareness/relays",
	                           json_pack("{s:I, s:s, s:s}", "company_id", T.company, "name", "x",
	                                     "email", "x@garnier.test")), 403);
	assert_int_equal(status_of(T.staff, "POST", "/api/v1/svc/awareness/relays",
	                           json_pack("{s:s, s:s}", "name", "x", "email", "pas-une-adresse")), 422);
	json_decref(expect(201, T.employer, "POST", "/api/v1/svc/awareness/relays",
	                   json_pack("{s:I, s:s, s:s}", "company_id", T.company, "name", "Nadia Leroy",
	                             "email", "relais@garnier.test")));
	json_decref(expect(201, T.staff, "POST", "/api/v1/svc/awareness/relays",
	                   json_pack("{s:s, s:s, s:s}", "naf_division", "43", "name",
	                             "Fédération du bâtiment", "email", "relais@btp.test")));
	json_t *r = get(T.employer, "/api/v1/svc/awareness/relays?company_id=%lld", (long long)T.company);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	json_decref(r);

	r = expect(201, T.staff, "POST", path, json_pack("{s:[I, I], s:[s]}", "company_ids", T.company,
	                                                 T.company2, "naf_divisions", "43"));
	assert_int_equal(json_integer_value(json_object_get(r, "clicks")), 0);
	assert_true(json_integer_value(json_object_get(r, "mails")) >= 4);
	json_decref(r);
	assert_int_equal(wait_mails("relais@garnier.test", "information", "/awareness/links/", 1), 1);
	assert_int_equal(wait_mails("relais@btp.test", "information", "/awareness/links/", 1), 1);
	assert_true(test_outbox_after(D.dir, "svc", "rh@garnier.test", "/awareness/links/", token, 32));
	snprintf(link, sizeof(link), "/api/v1/svc/awareness/links/%s", token);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(hc_request(S.port, "GET", link, NULL, NULL, 0, &resp), 0);
		assert_int_equal(resp.status, 302);
		assert_string_equal(hc_header(&resp, "Location"), "https://svc.test/docs/ecrans.pdf");
		hc_response_free(&resp);
	}
	assert_int_equal(hc_request(S.port, "GET", "/api/v1/svc/awareness/links/"
	                            "0123456789abcdef0123456789abcdef", NULL, NULL, 0, &resp), 0);
	assert_int_equal(resp.status, 404);
	hc_response_free(&resp);
	r = get(T.staff, "/api/v1/svc/awareness/actions/%lld/mailings", (long long)T.document);
	json_t *m = json_array_get(json_object_get(r, "items"), 0);
	assert_int_equal(json_integer_value(json_object_get(m, "clicks")), 2);
	assert_int_equal(json_integer_value(json_object_get(m, "companies")), 2);
	json_decref(r);
	/* Counts only: the one mailing row, no record of who clicked. */
	assert_int_equal(db_count("SELECT count(*) FROM awareness_mailing"), 1);
	assert_int_equal(db_count("SELECT count(*) FROM core_audit WHERE action LIKE 'awareness.%%click%%'"),
	                 0);
}

static void test_rule_pack_checked(void **state)
{
	(void)state;
	char cmd[1024], *out = NULL;

	snprintf(cmd, sizeof(cmd), SOCLE_BINARY_DIR "/socle check --config %s", D.config_path);
	int rc = fs_run(cmd, &out);
	if (rc != 0 || out == NULL || strstr(out, "recommend_actions") == NULL)
		fprintf(stderr, "socle check (%d):\n%s\n", rc, out ? out : "");
	assert_int_equal(rc, 0);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recommended),
		cmocka_unit_test(test_registrations),
		cmocka_unit_test(test_reminders),
		cmocka_unit_test(test_after_workshop),
		cmocka_unit_test(test_indicators_and_space),
		cmocka_unit_test(test_document_clicks),
		cmocka_unit_test(test_rule_pack_checked),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
