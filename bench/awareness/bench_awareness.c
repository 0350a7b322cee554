/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Awareness load figures, in process (bench/awareness/run.sh builds and runs
 * it; never part of the tests, a small run of it is). The targets of issue 16:
 *   1. recommend_actions for every company of a service of COMPANIES
 *      (default 50,000) companies of 10 workers: target <= 2 s;
 *   2. each indicator of 3.4.1.4 over its 500,000 workers (whole service, one
 *      company, one NAF division, five years): target <= 1 s each.
 * Generated directly in the tables, not timed: the companies (20 NAF
 * divisions) and their workers (0 to 2 exposures each, among 12 risks) as
 * membership stores them, a catalogue of 40 actions, 2,000 sessions held
 * from 2021 to 2025, one worker in five present at one (a tenth answered the
 * questionnaire, a twentieth the quiz), every company's prevention score, a
 * need for one company in ten, an advice (workplace action) for one in four
 * and a CSE expertise held for one in fifty.
 * Usage: bench_awareness CONFIG SERVICE [COMPANIES [RUNS [THREADS]]] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "awareness.h"
#include "core.h"
#include "diag.h"
#include "../bench_clock.h"

extern const struct socle_plugin_desc socle_plugin_entry_membership;
extern const struct socle_plugin_desc socle_plugin_entry_awareness;

#define WORKERS_PER_COMPANY 10
#define PER_TXN 2000
#define ACTIONS 40
#define SESSIONS 2000
#define ON_DATE "2025-12-01"

static void die(const char *what, const socle_err *err)
{
	fprintf(stderr, "bench_awareness: %s: %s\n", what, err ? err->msg : "");
	exit(1);
}

static const char *const risks[] = {"bruit", "port_de_charges", "gestes_repetitifs",
                                    "travail_de_nuit", "risques_psychosociaux",
                                    "travail_sur_ecran", "agents_chimiques", "conduite_engins",
                                    "travail_en_hauteur", "risque_routier", "vibrations",
                                    "habilitation_electrique"};
#define N_RISKS (sizeof(risks) / sizeof(risks[0]))
static const char *const kinds[] = {"atelier", "elearning", "webinaire", "document"};

static const char *division_of(int64_t c)
{
	static const char *const d[] = {"10", "16", "25", "41", "43", "45", "46", "47", "49", "52",
	                                "55", "56", "62", "68", "81", "85", "86", "87", "88", "96"};
	return d[c % 20];
}

static int step(socle_stmt *st, socle_err *err)
{
	int rc = socle_stmt_step(st, err);

	socle_stmt_reset(st);
	return rc < 0 ? rc : 0;
}

struct gen {
	int64_t first, count;
};

static int gen_companies(socle_db *wdb, void *ud, socle_err *err)
{
	const struct gen *g = ud;
	socle_stmt *co = socle_db_prepare(wdb,
		"INSERT INTO membership_company (id, reference, member_number, status, siret, siren,"
		" legal_name, naf_code, naf_version, headcount, address_line, postcode, city,"
		" contact_name, contact_email, contact_phone, exposures, followup_counts,"
		" prevention_answers, payment_mode, joined_on, created_at, updated_at) VALUES"
		" (:id, :ref, :ref, 'member', :siret, :siren, :name, :naf, 'NAFrev2', 10, '1 rue',"
		" '69001', 'Lyon', 'C', 'c@example.org', '0400000000', '[]', '{}', '{}', 'transfer',"
		" '2015-01-01', 0, 0)", err);
	socle_stmt *wo = socle_db_prepare(wdb,
		"INSERT INTO membership_worker (id, company_id, external_ref, last_name, first_name,"
		" birth_date, job_title, contract_type, start_date, end_date, exposures, category,"
		" created_at, updated_at) VALUES (:id, :company, :ref, 'Nom', 'Prénom', '1980-01-01',"
		" 'Employé', 'cdi', :start, :end, :exp, 'SI', 0, 0)", err);
	socle_stmt *sc = socle_db_prepare(wdb,
		"INSERT INTO awareness_company_score (company_id, score, scored_at) VALUES (:id, :s, 0)",
		err);
	int rc = co && wo && sc ? 0 : err->code;

	for (int64_t c = g->first; rc == 0 && c < g->first + g->count; c++) {
		char ref[32], siret[32], siren[32], naf[8], name[48];

		snprintf(ref, sizeof(ref), "A%lld", (long long)c);
		snprintf(siret, sizeof(siret), "%014lld", (long long)c);
		snprintf(siren, sizeof(siren), "%09lld", (long long)c);
		snprintf(naf, sizeof(naf), "%s%02dZ", division_of(c), (int)(c % 90 + 10));
		snprintf(name, sizeof(name), "Entreprise %lld", (long long)c);
		socle_stmt_bind_int(co, ":id", c);
		socle_stmt_bind_text(co, ":ref", ref);
		socle_stmt_bind_text(co, ":siret", siret);
		socle_stmt_bind_text(co, ":siren", siren);
		socle_stmt_bind_text(co, ":name", name);
		socle_stmt_bind_text(co, ":naf", naf);
		rc = step(co, err);
		socle_stmt_bind_int(sc, ":id", c);
		socle_stmt_bind_double(sc, ":s", (double)(c % 50) / 10.0);
		if (rc == 0)
			rc = step(sc, err);
		for (int k = 0; rc == 0 && k < WORKERS_PER_COMPANY; k++) {
			int64_t w = (c - 1) * WORKERS_PER_COMPANY + k + 1;
			char wref[32], start[16], end[16], exp[96];
			int n = (int)(w % 3);

			snprintf(wref, sizeof(wref), "w%lld", (long long)w);
			snprintf(start, sizeof(start), "%04d-%02d-01", 2005 + (int)(w % 20),
			         1 + (int)(w % 12));
			snprintf(end, sizeof(end), "2024-%02d-28", 1 + (int)(w % 12));
			if (n == 0)
				snprintf(exp, sizeof(exp), "[]");
			else if (n == 1)
				snprintf(exp, sizeof(exp), "[\"%s\"]", risks[(c + k) % N_RISKS]);
			else
				snprintf(exp, sizeof(exp), "[\"%s\", \"%s\"]", risks[(c + k) % N_RISKS],
				         risks[(c + 3 * k + 1) % N_RISKS]);
			socle_stmt_bind_int(wo, ":id", w);
			socle_stmt_bind_int(wo, ":company", c);
			socle_stmt_bind_text(wo, ":ref", wref);
			socle_stmt_bind_text(wo, ":start", start);
			socle_stmt_bind_text(wo, ":end", w % 13 == 0 ? end : NULL); /* some left */
			socle_stmt_bind_text(wo, ":exp", exp);
			rc = step(wo, err);
		}
	}
	socle_stmt_release(co);
	socle_stmt_release(wo);
	socle_stmt_release(sc);
	return rc;
}

/* The catalogue, the sessions held, and what the companies did (not timed). */
static int gen_awareness(socle_db *wdb, void *ud, socle_err *err)
{
	const int64_t *companies = ud;
	int rc = 0;

	for (int a = 1; rc == 0 && a <= ACTIONS; a++) {
		char rk[96], naf[16];
		snprintf(rk, sizeof(rk), "[\"%s\", \"%s\"]", risks[a % N_RISKS],
		         risks[(a * 5 + 2) % N_RISKS]);
		snprintf(naf, sizeof(naf), a % 3 ? "[]" : "[\"%s\"]", division_of(a));
		rc = socle_db_run_new(wdb,
			"INSERT INTO awareness_action (id, kind, title, format, url, audience, duration_min,"
			" objectives, risks, naf_divisions, has_quiz, created_at, created_by) VALUES (:id,"
			" :kind, :title, :format, :url, :aud, 120, 'Connaître et prévenir le risque.', :rk,"
			" :naf, :quiz, 0, 1)",
			json_pack("{s:i, s:s, s:s, s:s?, s:s?, s:s, s:s, s:s, s:b}", "id", a, "kind",
			          kinds[a % 4], "title", "Action de prévention", "format",
			          a % 4 == 0 ? "service" : NULL, "url",
			          a % 4 == 0 ? NULL : "https://formation.example.org/", "aud",
			          a % 2 ? "[\"employeurs\"]" : "[\"salaries\"]", "rk", rk, "naf", naf,
			          "quiz", a % 4 == 0), err);
		rc = rc < 0 ? rc : 0;
	}
	/* Sessions of the workshops (kind atelier: id % 4 == 0), held 2021 to 2025. */
	if (rc == 0)
		rc = socle_db_run(wdb,
			"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)"
			" INSERT INTO awareness_session (id, action_id, starts_at, duration_min, place,"
			" capacity, speaker, status, held_on, created_at, created_by)"
			" SELECT i, 4 * (1 + i % 10), printf('%04d-%02d-%02dT09:00', 2021 + i % 5,"
			" 1 + i % 12, 1 + i % 28), 120, 'Au service', 400, 'IPRP', 'held',"
			" printf('%04d-%02d-%02d', 2021 + i % 5, 1 + i % 12, 1 + i % 28), 0, 1 FROM n",
			NULL, err);
	json_t *p = json_pack("{s:I}", "companies", (json_int_t)*companies);
	/* One worker in five present at a session (the session of its workshop). */
	if (rc >= 0)
		rc = socle_db_run(wdb,
			"INSERT INTO awareness_registration (id, session_id, company_id, worker_id, name,"
			" status, attended, registered_at, registered_by)"
			" SELECT id, 1 + id % 2000, company_id, id, 'Nom Prénom', 'confirmed', 1, 0, 1"
			" FROM membership_worker WHERE id % 5 = 0", p, err);
	if (rc >= 0)
		rc = socle_db_run(wdb,
			"INSERT INTO awareness_feedback (registration_id, satisfaction, utility, answered_at)"
			" SELECT id, 1 + id % 5, 1 + (id / 10) % 5, 0 FROM awareness_registration"
			" WHERE id % 10 = 0", p, err);
	if (rc >= 0)
		rc = socle_db_run(wdb,
			"INSERT INTO awareness_quiz (registration_id, score_before, score_after,"
			" recorded_at, recorded_by) SELECT id, 40 + id % 30, 60 + id % 40, 0, 1"
			" FROM awareness_registration WHERE id % 20 = 0", p, err);
	if (rc >= 0)
		rc = socle_db_run(wdb,
			"WITH RECURSIVE n(i) AS (SELECT 10 UNION ALL SELECT i + 10 FROM n WHERE i + 10 <="
			" :companies) INSERT INTO awareness_need (company_id, source, expectations, risks,"
			" recorded_at, recorded_by) SELECT i, 'entreprise', 'Sensibiliser l''encadrement.',"
			" '[\"risques_psychosociaux\"]', 0, 1 FROM n", p, err);
	if (rc >= 0)
		rc = socle_db_run(wdb,
			"WITH RECURSIVE n(i) AS (SELECT 4 UNION ALL SELECT i + 4 FROM n WHERE i + 4 <="
			" :companies) INSERT INTO awareness_advice (source, source_id, company_id, type,"
			" given_on, recorded_at) SELECT 'amt', i, i, 'conseil', printf('%04d-%02d-15',"
			" 2021 + i % 5, 1 + i % 12), 0 FROM n", p, err);
	if (rc >= 0)
		rc = socle_db_run(wdb,
			"WITH RECURSIVE n(i) AS (SELECT 50 UNION ALL SELECT i + 50 FROM n WHERE i + 50 <="
			" :companies) INSERT INTO awareness_cse_request (company_id, meeting_on, agenda,"
			" status, presented, requested_at, requested_by) SELECT i, printf('%04d-06-10',"
			" 2021 + i % 5), '[\"Bruit\"]', 'held', 'Mesures de bruit.', 0, 1 FROM n", p, err);
	json_decref(p);
	return rc < 0 ? rc : 0;
}

static size_t recommended;

static int count_items(int64_t company, const char *legal_name,
                       const struct awareness_recommendation *items, size_t n, void *ud)
{
	(void)company;
	(void)legal_name;
	(void)items;
	(void)ud;
	recommended += n;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct socle_plugin_desc *const statics[] = {
		&socle_plugin_entry_membership, &socle_plugin_entry_awareness, NULL};
	struct socle_core_opts opts = {.static_plugins = statics};
	struct diag d = {0};
	socle_err err = SOCLE_ERR_INIT;
	socle_core *core = NULL;

	if (argc < 3) {
		fprintf(stderr, "usage: bench_awareness CONFIG SERVICE [COMPANIES [RUNS [THREADS]]]\n");
		return 2;
	}
	int64_t companies = argc > 3 ? atoll(argv[3]) : 50000;
	int runs = argc > 4 ? atoi(argv[4]) : 3;
	int threads = argc > 5 ? atoi(argv[5]) : 2;
	if (companies < 50 || runs < 1 || runs > 50 || threads < 1 || threads > 8) {
		fprintf(stderr, "bench_awareness: COMPANIES >= 50, RUNS 1 to 50, THREADS 1 to 8\n");
		return 2;
	}
	if (core_open(argv[1], &opts, &d, &core) != 0) {
		diag_print(&d);
		return 1;
	}
	diag_fini(&d);
	socle_service *svc = socle_core_service(core, argv[2]);
	if (svc == NULL)
		die("service", NULL);

	double t0 = now_s();
	for (int64_t c = 1; c <= companies; c += PER_TXN) {
		struct gen g = {c, c + PER_TXN - 1 <= companies ? PER_TXN : companies - c + 1};
		if (socle_service_write(svc, gen_companies, &g, &err) != 0)
			die("generate companies", &err);
	}
	if (socle_service_write(svc, gen_awareness, &companies, &err) != 0)
		die("generate awareness", &err);
	socle_db *db = socle_service_reader(svc, &err);
	if (db == NULL)
		die("reader", &err);
	printf("generated %lld companies, %lld workers, %d actions, %d sessions held,"
	       " %lld present, advice and CSE expertise in %.1f s (not counted)\n",
	       (long long)companies, (long long)companies * WORKERS_PER_COMPANY, ACTIONS, SESSIONS,
	       (long long)companies * WORKERS_PER_COMPANY / 5, now_s() - t0);

	double *times = calloc((size_t)runs, sizeof(*times));
	json_t *actions = awareness_catalogue(db, &err);
	if (times == NULL || actions == NULL)
		die("catalogue", &err);

	/* 1. recommend_actions for every company. */
	double *cpu = calloc((size_t)runs, sizeof(*cpu));
	for (int r = 0; r < runs && cpu; r++) {
		recommended = 0;
		t0 = now_s();
		double c0 = cpu_s();
		if (awareness_recommend_each(svc, db, ON_DATE, actions, threads, count_items, NULL,
		                             &err) != 0)
			die("recommend_actions", &err);
		times[r] = now_s() - t0;
		cpu[r] = cpu_s() - c0;
	}
	double m = median(times, runs);
	/* The CPU time too: on a shared machine the wall time of two threads
	 * depends on what else runs; the CPU time of the pass does not. */
	printf("recommend_actions for %lld companies (%zu actions proposed), %d threads, median of"
	       " %d: %.3f s, cpu %.3f s (target <= 2 s) %s\n", (long long)companies, recommended,
	       threads, runs, m, cpu ? median(cpu, runs) : 0.0, m <= 2 ? "OK" : "MISSED");
	free(cpu);
	/* The same, one company at a time as GET .../recommendations answers: the
	 * cost of N queries and N company contexts, for comparison (one run). */
	t0 = now_s();
	size_t one_by_one = 0;
	for (int64_t c = 1; c <= companies; c++) {
		json_t *items = awareness_recommend_company(svc, db, c, ON_DATE, actions, &err);
		if (items == NULL)
			die("recommend_actions (one company)", &err);
		one_by_one += json_array_size(items);
		json_decref(items);
	}
	printf("  for comparison, one company at a time (the route's path): %.3f s (%zu proposed)\n",
	       now_s() - t0, one_by_one);
	/* Both paths must agree (tests/test_recommend_all.c checks item by item). */
	if (one_by_one != recommended) {
		fprintf(stderr, "recommend_actions: the pass proposed %zu, the route's path %zu\n",
		        recommended, one_by_one);
		return 1;
	}
	json_decref(actions);

	/* 2. Each indicator over five years, whole service, one company, one division. */
	static const struct {
		int64_t company;
		const char *division, *label;
	} cases[] = {{0, NULL, "the whole service"}, {1, NULL, "company 1"},
	             {0, "43", "NAF division 43"}};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		json_t *res = NULL;
		for (int r = 0; r < runs; r++) {
			json_decref(res);
			t0 = now_s();
			res = awareness_indicators_compute(db, "2021-01-01", "2025-12-31",
			                                   cases[k].company, cases[k].division, &err);
			times[r] = now_s() - t0;
			if (res == NULL)
				die("indicators", &err);
		}
		m = median(times, runs);
		json_t *aw = json_object_get(res, "workers"), *ad = json_object_get(res, "advice");
		printf("indicators for %s (workers %lld/%lld benefited, advised %lld, companies advised"
		       " %lld/%lld, %lld answers, %lld quizzes), median of %d: %.3f s (target <= 1 s) %s\n",
		       cases[k].label, (long long)json_integer_value(json_object_get(aw, "benefited")),
		       (long long)json_integer_value(json_object_get(aw, "total")),
		       (long long)json_integer_value(json_object_get(json_object_get(ad, "workers"),
		                                                     "benefited")),
		       (long long)json_integer_value(json_object_get(json_object_get(ad, "companies"),
		                                                     "benefited")),
		       (long long)json_integer_value(json_object_get(json_object_get(ad, "companies"),
		                                                     "total")),
		       (long long)json_integer_value(json_object_get(res, "answers")),
		       (long long)json_integer_value(json_object_get(res, "quizzes")), runs, m,
		       m <= 1 ? "OK" : "MISSED");
		json_decref(res);
	}
	free(times);
	core_close(core);
	return 0;
}
