/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Job-retention load figures, in process (bench/retention/run.sh builds and
 * runs it; never part of the tests). The targets of issue 17:
 *   1. the rule point retention_signal over a day's 5,000 leave and outcome
 *      events (thresholds of 30 and 60 days, outcomes with proposals or an
 *      inaptitude, pré-reprises, requests): one socle_rule_call each, with the
 *      worker and the event as the plugin passes them: target <= 1 s;
 *   2. the indicators over a service of WORKERS workers (default 500,000),
 *      each with a case of the PDP cell (the worst case: every worker followed),
 *      generated directly (not timed): a fifth with a pré-reprise, a tenth
 *      reviewed, a twentieth flagged, a quarter with a proposal, an eighth with
 *      social support, over 50,000 companies and 20 NAF divisions; the
 *      indicators for the whole service, one company and one NAF division:
 *      target <= 1 s each.
 * Usage: bench_retention CONFIG SERVICE [WORKERS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core.h"
#include "diag.h"
#include "retention.h"
#include "../bench_clock.h"

extern const struct socle_plugin_desc socle_plugin_entry_membership;
extern const struct socle_plugin_desc socle_plugin_entry_tracking;
extern const struct socle_plugin_desc socle_plugin_entry_retention;

#define EVENTS 5000
#define PER_TXN 10000

static void die(const char *what, const socle_err *err)
{
	fprintf(stderr, "bench_retention: %s: %s\n", what, err ? err->msg : "");
	exit(1);
}

struct gen {
	int64_t first, count;
};

static const char *const outcomes[] = {"maintien_poste", "poste_amenage", "autre_poste",
                                       "formation_transition", "inaptitude_licenciement",
                                       "depart_autre"};

static int gen_txn(socle_db *wdb, void *ud, socle_err *err)
{
	const struct gen *g = ud;
	socle_stmt *c = socle_db_prepare(
		wdb, "INSERT INTO retention_case (id, worker_id, company_id, naf_division, status,"
		     " origin, reason, proposed_on, opened_on, pre_reprise_on, reprise_on, review_outcome,"
		     " review_on, closed_on, ald, created_at, updated_at) VALUES (:id, :id, :co, :naf,"
		     " :st, 'arret_long', 'Arrêt de plus de 60 jours', :p, :p, :pre, :rep, :out, :rev,"
		     " :rev, :ald, 0, 0)",
		err);
	if (c == NULL)
		return err->code;
	for (int64_t i = g->first; i < g->first + g->count; i++) {
		char naf[8], p[16], rep[16], rev[16];
		bool pre = i % 5 == 0, reviewed = i % 10 == 0;

		snprintf(naf, sizeof(naf), "%02d", (int)(10 + (i / 7) % 20));
		snprintf(p, sizeof(p), "2025-%02d-%02d", (int)(1 + i % 12), (int)(1 + i % 28));
		snprintf(rep, sizeof(rep), "2025-%02d-%02d", (int)(1 + i % 12), (int)(1 + (i + 7) % 28));
		snprintf(rev, sizeof(rev), "2026-%02d-%02d", (int)(1 + i % 12), (int)(1 + (i + 7) % 28));
		socle_stmt_bind_int(c, ":id", i);
		socle_stmt_bind_int(c, ":co", 1 + i / 10);
		socle_stmt_bind_text(c, ":naf", naf);
		socle_stmt_bind_text(c, ":st", reviewed ? "closed" : "open");
		socle_stmt_bind_text(c, ":p", p);
		socle_stmt_bind_text(c, ":pre", pre ? p : NULL);
		socle_stmt_bind_text(c, ":rep", rep);
		socle_stmt_bind_text(c, ":out", reviewed ? outcomes[i % 6] : NULL);
		socle_stmt_bind_text(c, ":rev", reviewed ? rev : NULL);
		socle_stmt_bind_int(c, ":ald", i % 20 == 0);
		if (socle_stmt_step(c, err) < 0) {
			socle_stmt_release(c);
			return err->code;
		}
		socle_stmt_reset(c);
	}
	socle_stmt_release(c);
	json_t *p = json_pack("{s:I, s:I}", "a", (json_int_t)g->first, "b",
	                      (json_int_t)(g->first + g->count));
	int rc = socle_db_run(wdb, "INSERT INTO retention_proposal (case_id, worker_id, company_id,"
	                           " origin, kind, description, status, proposed_on, sent_on,"
	                           " created_at) SELECT id, worker_id, company_id, 'visit', 'poste',"
	                           " 'Poste sans port de charges', CASE WHEN id % 8 = 0 THEN 'held'"
	                           " ELSE 'sent' END, proposed_on, proposed_on, 0 FROM retention_case"
	                           " WHERE id >= :a AND id < :b AND id % 4 = 0",
	                      p, err);
	if (rc >= 0)
		rc = socle_db_run(wdb, "INSERT INTO retention_support (case_id, worker_id, started_on,"
		                       " actions, by_user, created_at) SELECT id, worker_id, reprise_on,"
		                       " '[]', 1, 0 FROM retention_case WHERE id >= :a AND id < :b AND"
		                       " id % 8 = 0",
		                  p, err);
	json_decref(p);
	return rc < 0 ? rc : 0;
}

static void signals(socle_service *svc)
{
	static const char *const visit_types[] = {"visite_reprise", "pre_reprise", "ema_periodique"};
	socle_err err = SOCLE_ERR_INIT;
	json_t *args[EVENTS];
	int decided[3] = {0};

	/* The day's events as the plugin hands them to the rule (not timed). */
	for (int i = 0; i < EVENTS; i++) {
		json_t *worker = json_pack("{s:i, s:i}", "id", i + 1, "company_id", 1 + i / 10);
		json_t *event;

		if (i % 10 == 9)
			json_object_set_new(worker, "case_status", json_string("open"));
		switch (i % 4) {
		case 0:
			event = json_pack("{s:s, s:i, s:s}", "name", "arret_long", "threshold",
			                  i % 8 ? 30 : 60, "cause", "maladie");
			break;
		case 1:
			event = json_pack("{s:s, s:s, s:s, s:i}", "name", "avis_amenagement", "visit_type",
			                  visit_types[i % 3], "avis", i % 12 == 1 ? "inaptitude" : "aptitude",
			                  "proposals", 1 + i % 3);
			break;
		case 2:
			event = json_pack("{s:s, s:s}", "name", "visite", "visit_type", visit_types[i % 3]);
			break;
		default:
			event = json_pack("{s:s, s:s}", "name", "demande", "requested_by",
			                  i % 3 ? "worker" : "employer");
		}
		args[i] = json_pack("[o, o, s]", worker, event, "2025-07-01");
	}
	double t0 = now_s();
	for (int i = 0; i < EVENTS; i++) {
		json_t *out = NULL;

		if (socle_rule_call(svc, "retention_signal", args[i], &out, &err) != 0)
			die("retention_signal", &err);
		const char *d = json_string_value(json_object_get(out, "decision"));
		decided[d[0] == 'o' ? 0 : d[0] == 'p' ? 1 : 2]++;
		json_decref(out);
	}
	double dt = now_s() - t0;
	printf("retention_signal over %d events (%d open, %d propose, %d none) in %.3f s"
	       " (target <= 1 s) %s\n", EVENTS, decided[0], decided[1], decided[2], dt,
	       dt <= 1 ? "OK" : "MISSED");
	for (int i = 0; i < EVENTS; i++)
		json_decref(args[i]);
}

static void indicator(socle_db *db, int64_t company, const char *naf, const char *label)
{
	socle_err err = SOCLE_ERR_INIT;
	double t0 = now_s();
	json_t *r = retention_indicators_compute(db, "2025-01-01", "2026-12-31", company, naf, &err);
	double dt = now_s() - t0;

	if (r == NULL)
		die("indicators", &err);
	printf("indicators for %s (kept after pré-reprise %lld/%lld, flagged with recommendations"
	       " %lld/%lld, social support %lld, adjustment requests %lld) in %.3f s"
	       " (target <= 1 s) %s\n",
	       label,
	       (long long)iget(json_object_get(r, "kept_after_pre_reprise"), "count"),
	       (long long)iget(json_object_get(r, "kept_after_pre_reprise"), "of"),
	       (long long)iget(json_object_get(r, "ald_with_recommendations"), "count"),
	       (long long)iget(json_object_get(r, "ald_with_recommendations"), "of"),
	       (long long)iget(r, "social_support_people"), (long long)iget(r, "adjustment_requests"),
	       dt, dt <= 1 ? "OK" : "MISSED");
	json_decref(r);
}

int main(int argc, char **argv)
{
	static const struct socle_plugin_desc *const statics[] = {
		&socle_plugin_entry_membership, &socle_plugin_entry_tracking,
		&socle_plugin_entry_retention, NULL};
	struct socle_core_opts opts = {.static_plugins = statics};
	struct diag d = {0};
	socle_err err = SOCLE_ERR_INIT;
	socle_core *core = NULL;

	if (argc < 3) {
		fprintf(stderr, "usage: bench_retention CONFIG SERVICE [WORKERS]\n");
		return 2;
	}
	int64_t workers = argc > 3 ? atoll(argv[3]) : 500000;
	if (workers < 10) {
		fprintf(stderr, "bench_retention: WORKERS >= 10\n");
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

	signals(svc);

	double t0 = now_s();
	for (int64_t i = 1; i <= workers; i += PER_TXN) {
		struct gen g = {i, i + PER_TXN - 1 <= workers ? PER_TXN : workers - i + 1};
		if (socle_service_write(svc, gen_txn, &g, &err) != 0)
			die("generate", &err);
	}
	printf("generated %lld cases with their proposals and social support in %.1f s"
	       " (not counted)\n", (long long)workers, now_s() - t0);
	socle_db *db = socle_service_reader(svc, &err);
	if (db == NULL)
		die("reader", &err);
	indicator(db, 0, NULL, "the whole service");
	indicator(db, 1, NULL, "company 1");
	indicator(db, 0, "15", "NAF division 15");
	core_close(core);
	return 0;
}
