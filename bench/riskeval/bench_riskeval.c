/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* riskeval load figures, in process (bench/riskeval/run_due.sh runs it; a
 * small run of it is a test). The targets of issue 14:
 *   1. the due dates of the fiche d'entreprise of COMPANIES (default 50,000)
 *      member companies recomputed through the rule point
 *      fiche_entreprise_due: target <= 2 s; also printed, the whole team's
 *      list (each company's due date, then riskeval_priority for those kept,
 *      then the order), as GET /riskeval/fiches/due computes it;
 *   2. each indicator of 3.2.1.4 over those companies (fiche coverage, by NAF
 *      division, AMT by type, prevention actions; GET /riskeval/indicators):
 *      target <= 1 s.
 * Generated directly in the tables, not timed: the companies as membership
 * stores them (20 NAF divisions, 1 to 120 declared employees, joined from
 * 2015 to 2025) and riskeval's copy of them, a validated fiche for seven in
 * ten (one or two versions, validated 2019 to 2025), a draft for one in
 * twenty, two workplace actions per company (2021 to 2025) and a primary
 * prevention action for one in ten.
 * Usage: bench_riskeval CONFIG SERVICE [COMPANIES [RUNS]] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core.h"
#include "diag.h"
#include "riskeval.h"
#include "../bench_clock.h"

extern const struct socle_plugin_desc socle_plugin_entry_membership;
extern const struct socle_plugin_desc socle_plugin_entry_riskeval;

#define PER_TXN 5000
#define ON_DATE "2025-12-01"

static void die(const char *what, const socle_err *err)
{
	fprintf(stderr, "bench_riskeval: %s: %s\n", what, err ? err->msg : "");
	exit(1);
}

static const char *division_of(int64_t c)
{
	static const char *const d[] = {"10", "16", "25", "41", "43", "45", "46", "47", "49", "52",
	                                "55", "56", "62", "68", "81", "85", "86", "87", "88", "96"};
	return d[c % 20];
}

struct gen {
	int64_t first, count;
};

static int step(socle_stmt *st, socle_err *err)
{
	int rc = socle_stmt_step(st, err);

	socle_stmt_reset(st);
	return rc < 0 ? rc : 0;
}

static int gen_companies(socle_db *wdb, void *ud, socle_err *err)
{
	const struct gen *g = ud;
	socle_stmt *co = socle_db_prepare(wdb,
		"INSERT INTO membership_company (id, reference, member_number, status, siret, siren,"
		" legal_name, naf_code, naf_version, headcount, address_line, postcode, city,"
		" contact_name, contact_email, contact_phone, exposures, followup_counts,"
		" prevention_answers, payment_mode, joined_on, created_at, updated_at) VALUES"
		" (:id, :ref, :ref, 'member', :siret, :siren, :name, :naf, 'NAFrev2', :headcount,"
		" '1 rue', '69001', 'Lyon', 'C', 'c@example.org', '0400000000', '[]', '{}', '{}',"
		" 'transfer', :joined, 0, 0)", err);
	int rc = co ? 0 : err->code;

	for (int64_t c = g->first; rc == 0 && c < g->first + g->count; c++) {
		char ref[32], siret[32], siren[32], naf[8], name[48], joined[16];

		snprintf(ref, sizeof(ref), "R%lld", (long long)c);
		snprintf(siret, sizeof(siret), "%014lld", (long long)c);
		snprintf(siren, sizeof(siren), "%09lld", (long long)c);
		snprintf(naf, sizeof(naf), "%s%02dZ", division_of(c), (int)(c % 90 + 10));
		snprintf(name, sizeof(name), "Entreprise %lld", (long long)c);
		snprintf(joined, sizeof(joined), "%04d-%02d-%02d", 2015 + (int)(c % 11),
		         1 + (int)(c % 12), 1 + (int)(c % 28));
		socle_stmt_bind_int(co, ":id", c);
		socle_stmt_bind_text(co, ":ref", ref);
		socle_stmt_bind_text(co, ":siret", siret);
		socle_stmt_bind_text(co, ":siren", siren);
		socle_stmt_bind_text(co, ":name", name);
		socle_stmt_bind_text(co, ":naf", naf);
		socle_stmt_bind_int(co, ":headcount", 1 + c % 120);
		socle_stmt_bind_text(co, ":joined", joined);
		rc = step(co, err);
	}
	socle_stmt_release(co);
	return rc;
}

/* riskeval's copy, its fiches, AMT and prevention actions (not timed). */
static int gen_riskeval(socle_db *wdb, void *ud, socle_err *err)
{
	(void)ud;
	static const char *const sql[] = {
		"INSERT INTO riskeval_company (company_id, legal_name, naf_code, status, joined_on,"
		" left_on, headcount, synced_at) SELECT id, legal_name, naf_code, status, joined_on,"
		" left_on, headcount, 0 FROM membership_company",
		/* Seven companies in ten have a fiche: version 1 validated between 2019 and
		 * 2025 (not before the adhesion's year), a second one for one in three. */
		"INSERT INTO riskeval_fiche (company_id, version, status, content, drafted_by,"
		" drafted_at, updated_by, updated_at, validated_by, validated_on, transmitted_on)"
		" SELECT id, 1, 'validated', '{}', 1, 0, 1, 0, 1,"
		" printf('%04d-%02d-%02d', MAX(2019 + id % 7, CAST(SUBSTR(joined_on, 1, 4) AS INT)),"
		" 1 + id % 12, 1 + id % 28), NULL FROM membership_company WHERE id % 10 < 7",
		"INSERT INTO riskeval_fiche (company_id, version, status, content, drafted_by,"
		" drafted_at, updated_by, updated_at, validated_by, validated_on)"
		" SELECT company_id, 2, 'validated', '{}', 1, 0, 1, 0, 1, '2025-06-15'"
		" FROM riskeval_fiche WHERE version = 1 AND company_id % 3 = 0",
		"INSERT INTO riskeval_fiche (company_id, status, content, drafted_by, drafted_at,"
		" updated_by, updated_at) SELECT id, 'draft', '{}', 1, 0, 1, 0"
		" FROM membership_company WHERE id % 20 = 7",
		"INSERT INTO riskeval_amt (company_id, type, done_on, professionals, outcome,"
		" recorded_by, recorded_at) SELECT id, CASE id % 6 WHEN 0 THEN 'fiche_entreprise'"
		" WHEN 1 THEN 'etude' WHEN 2 THEN 'metrologie' WHEN 3 THEN 'conseil_duerp' WHEN 4"
		" THEN 'conseil' ELSE 'autre' END, printf('%04d-%02d-10', 2021 + id % 5, 1 + id % 12),"
		" '[\"IPRP\"]', 'Fait.', 1, 0 FROM membership_company",
		"INSERT INTO riskeval_amt (company_id, type, done_on, professionals, outcome,"
		" recorded_by, recorded_at) SELECT id, 'conseil', printf('2025-%02d-20', 1 + id % 11),"
		" '[\"IPRP\"]', 'Fait.', 1, 0 FROM membership_company",
		"INSERT INTO riskeval_prevention_action (company_id, parcours, analysis, proposal,"
		" proposed_on, proposed_by, status, next_due_on) SELECT id, 1 + id % 2, '{}',"
		" 'Accompagnement.', printf('%04d-03-01', 2021 + (id / 10) % 5), 1, CASE id % 3 WHEN 0 THEN"
		" 'acceptee' WHEN 1 THEN 'refusee' ELSE 'proposee' END, '2030-03-01'"
		" FROM membership_company WHERE id % 10 = 3",
	};
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++)
		if (socle_db_run(wdb, sql[i], NULL, err) < 0)
			return err->code;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct socle_plugin_desc *const statics[] = {
		&socle_plugin_entry_membership, &socle_plugin_entry_riskeval, NULL};
	struct socle_core_opts opts = {.static_plugins = statics};
	struct diag d = {0};
	socle_err err = SOCLE_ERR_INIT;
	socle_core *core = NULL;

	if (argc < 3) {
		fprintf(stderr, "usage: bench_riskeval CONFIG SERVICE [COMPANIES [RUNS]]\n");
		return 2;
	}
	int64_t companies = argc > 3 ? atoll(argv[3]) : 50000;
	int runs = argc > 4 ? atoi(argv[4]) : 3;
	if (companies < 20 || runs < 1 || runs > 50) {
		fprintf(stderr, "bench_riskeval: COMPANIES >= 20, RUNS 1 to 50\n");
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
	if (socle_service_write(svc, gen_riskeval, NULL, &err) != 0)
		die("generate riskeval", &err);
	socle_db *db = socle_service_reader(svc, &err);
	if (db == NULL)
		die("reader", &err);
	printf("generated %lld member companies with their fiches, workplace actions and"
	       " prevention actions in %.1f s (not counted)\n", (long long)companies, now_s() - t0);

	double *times = calloc((size_t)runs, sizeof(*times));
	if (times == NULL)
		die("memory", NULL);

	/* 1. Every company's due date through fiche_entreprise_due. */
	int64_t overdue = 0;
	for (int r = 0; r < runs; r++) {
		overdue = 0;
		t0 = now_s();
		for (int64_t c = 1; c <= companies; c++) {
			json_t *due = riskeval_fiche_due(svc, db, c, 0, ON_DATE, &err);
			if (due == NULL)
				die("fiche_entreprise_due", &err);
			overdue += json_is_true(json_object_get(due, "overdue"));
			json_decref(due);
		}
		times[r] = now_s() - t0;
	}
	double m = median(times, runs);
	printf("fiche_entreprise_due for %lld companies (%lld overdue on " ON_DATE "), median of %d:"
	       " %.3f s (target <= 2 s) %s\n", (long long)companies, (long long)overdue, runs, m,
	       m <= 2 ? "OK" : "MISSED");

	/* The team's list: the same, plus riskeval_priority and the order. */
	size_t listed = 0;
	for (int r = 0; r < runs; r++) {
		t0 = now_s();
		json_t *list = riskeval_fiches_due(svc, db, ON_DATE, 90, &err);
		times[r] = now_s() - t0;
		if (list == NULL)
			die("team's list", &err);
		listed = json_array_size(json_object_get(list, "items"));
		json_decref(list);
	}
	m = median(times, runs);
	printf("  the team's list (GET /riskeval/fiches/due: due dates, riskeval_priority for the"
	       " %zu kept, order), median of %d: %.3f s\n", listed, runs, m);

	/* 2. The indicators, over five years for the coverage, 2025 for the rest. */
	json_t *res = NULL;
	for (int r = 0; r < runs; r++) {
		json_decref(res);
		t0 = now_s();
		res = riskeval_indicators(db, "2025-01-01", "2025-12-31", &err);
		times[r] = now_s() - t0;
		if (res == NULL)
			die("indicators", &err);
	}
	m = median(times, runs);
	json_t *cov = json_object_get(res, "fiche_coverage");
	printf("indicators (fiche coverage %lld/%lld companies, %lld/%lld workers, %zu NAF divisions,"
	       " AMT by type, prevention actions %lld), median of %d: %.3f s (target <= 1 s) %s\n",
	       (long long)json_integer_value(json_object_get(cov, "companies_covered")),
	       (long long)json_integer_value(json_object_get(cov, "companies")),
	       (long long)json_integer_value(json_object_get(cov, "workers_covered")),
	       (long long)json_integer_value(json_object_get(cov, "workers")),
	       json_array_size(json_object_get(res, "by_naf_division")),
	       (long long)json_integer_value(json_object_get(json_object_get(res,
	                                                     "prevention_actions"), "proposed")),
	       runs, m, m <= 1 ? "OK" : "MISSED");
	json_decref(res);
	free(times);
	core_close(core);
	return 0;
}
