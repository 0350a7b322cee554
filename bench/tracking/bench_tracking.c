/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Tracking load figures, in process (bench/tracking/run.sh builds and runs it;
 * never part of the tests). A synthetic service of COMPANIES member companies
 * (default 50,000), 10 workers each (500,000) and 6 past visit outcomes per
 * worker (3,000,000), inserted directly (not timed), then:
 *
 *   1. every worker's next visits recomputed through the rule point
 *      next_visits (worker row and its history read from the store, one
 *      socle_rule_call each): target <= 10 s;
 *   2. each indicator of issue 4 item 9 for the whole service over 2025
 *      (tracking_indicators_compute, one indicator at a time): target <= 2 s
 *      each.
 *
 * Not measured here yet: the assignment of 10,000 requests to slots and the
 * visits-to-plan list under wrk (see bench/README.md).
 * Usage: bench_tracking CONFIG SERVICE [COMPANIES] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core.h"
#include "diag.h"

extern const struct socle_plugin_desc socle_plugin_entry_membership;
extern const struct socle_plugin_desc socle_plugin_entry_tracking;

int tracking_indicators_compute(socle_db *db, int64_t company, const char *from, const char *to,
                                unsigned which, json_t **out, socle_err *err);

#define WORKERS_PER_COMPANY 10
#define VISITS_PER_WORKER 6
#define COMPANIES_PER_TXN 1000

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const socle_err *err)
{
	fprintf(stderr, "bench_tracking: %s: %s\n", what, err ? err->msg : "");
	exit(1);
}

struct gen {
	int first, count;
};

static const char *const categories[] = {"SI", "SI", "SI", "SIA", "SIR"};

static int gen_txn(socle_db *wdb, void *ud, socle_err *err)
{
	const struct gen *g = ud;
	char buf[64], date[32];

	for (int c = g->first; c < g->first + g->count; c++) {
		socle_stmt *st = socle_db_prepare(
			wdb,
			"INSERT INTO membership_company (id, reference, member_number, status, siret,"
			" siren, legal_name, naf_code, naf_version, headcount, address_line, postcode,"
			" city, contact_name, contact_email, contact_phone, exposures, followup_counts,"
			" prevention_answers, payment_mode, joined_on, created_at, updated_at) VALUES"
			" (:id, :ref, :ref, 'member', :siret, :siren, 'Entreprise', '1011Z', 'NAFrev2',"
			" 10, '1 rue', '75001', 'Paris', 'C', 'c@example.org', '0100000000', '[]',"
			" '{}', '{}', 'transfer', '2015-01-01', 0, 0)",
			err);
		if (st == NULL)
			return SOCLE_E_STORE;
		snprintf(buf, sizeof(buf), "B%d", c);
		char siret[32], siren[32];
		snprintf(siret, sizeof(siret), "%014d", c);
		snprintf(siren, sizeof(siren), "%09d", c);
		socle_stmt_bind_int(st, ":id", c);
		socle_stmt_bind_text(st, ":ref", buf);
		socle_stmt_bind_text(st, ":siret", siret);
		socle_stmt_bind_text(st, ":siren", siren);
		int rc = socle_stmt_step(st, err);
		socle_stmt_release(st);
		if (rc < 0)
			return rc;
		for (int k = 0; k < WORKERS_PER_COMPANY; k++) {
			int64_t w = (int64_t)c * WORKERS_PER_COMPANY + k;
			st = socle_db_prepare(
				wdb,
				"INSERT INTO membership_worker (id, company_id, external_ref, last_name,"
				" first_name, birth_date, job_title, contract_type, start_date, night_worker,"
				" category, created_at, updated_at) VALUES (:id, :company, :ref, 'Nom',"
				" 'Prénom', :birth, 'Employé', 'cdi', :start, :night, :cat, 0, 0)",
				err);
			if (st == NULL)
				return SOCLE_E_STORE;
			snprintf(buf, sizeof(buf), "w%d", k);
			snprintf(date, sizeof(date), "%04d-%02d-15", 1960 + (int)(w % 45),
			         1 + (int)(w % 12));
			socle_stmt_bind_int(st, ":id", w);
			socle_stmt_bind_int(st, ":company", c);
			socle_stmt_bind_text(st, ":ref", buf);
			socle_stmt_bind_text(st, ":birth", date);
			snprintf(date, sizeof(date), "%04d-%02d-01", 2000 + (int)(w % 25),
			         1 + (int)(w % 12));
			socle_stmt_bind_text(st, ":start", date);
			socle_stmt_bind_int(st, ":night", w % 17 == 0);
			socle_stmt_bind_text(st, ":cat", categories[w % 5]);
			rc = socle_stmt_step(st, err);
			socle_stmt_release(st);
			if (rc < 0)
				return rc;
			for (int v = 0; v < VISITS_PER_WORKER; v++) {
				int64_t req = w * VISITS_PER_WORKER + v + 1;
				st = socle_db_prepare(wdb,
				                      "INSERT INTO tracking_visit_request (id, worker_id,"
				                      " company_id, type, requested_by, requested_on, priority,"
				                      " priority_reason, status, created_at, updated_at) VALUES"
				                      " (:id, :w, :c, 'vip_periodique', 'service', '2000-01-01',"
				                      " 30, 'p', 'done', 0, 0)",
				                      err);
				if (st == NULL)
					return SOCLE_E_STORE;
				socle_stmt_bind_int(st, ":id", req);
				socle_stmt_bind_int(st, ":w", w);
				socle_stmt_bind_int(st, ":c", c);
				rc = socle_stmt_step(st, err);
				socle_stmt_release(st);
				if (rc < 0)
					return rc;
				st = socle_db_prepare(wdb,
				                      "INSERT INTO tracking_visit_outcome (request_id, worker_id,"
				                      " company_id, type, held_on, professional_id, role,"
				                      " created_at) VALUES (:req, :w, :c, 'vip_periodique', :held,"
				                      " 1, 'medecin', 0)",
				                      err);
				if (st == NULL)
					return SOCLE_E_STORE;
				snprintf(date, sizeof(date), "%04d-%02d-%02d", 2025 - 3 * v - (int)(w % 3),
				         1 + (int)((w + v) % 12), 1 + (int)(w % 28));
				socle_stmt_bind_int(st, ":req", req);
				socle_stmt_bind_int(st, ":w", w);
				socle_stmt_bind_int(st, ":c", c);
				socle_stmt_bind_text(st, ":held", date);
				rc = socle_stmt_step(st, err);
				socle_stmt_release(st);
				if (rc < 0)
					return rc;
			}
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct socle_plugin_desc *const statics[] = {
		&socle_plugin_entry_membership, &socle_plugin_entry_tracking, NULL};
	struct socle_core_opts opts = {.static_plugins = statics};
	struct diag d = {0};
	socle_err err = SOCLE_ERR_INIT;
	socle_core *core = NULL;

	if (argc < 3) {
		fprintf(stderr, "usage: bench_tracking CONFIG SERVICE [COMPANIES]\n");
		return 2;
	}
	int companies = argc > 3 ? atoi(argv[3]) : 50000;
	if (core_open(argv[1], &opts, &d, &core) != 0) {
		diag_print(&d);
		return 1;
	}
	diag_fini(&d);
	socle_service *svc = socle_core_service(core, argv[2]);
	if (svc == NULL)
		die("service", NULL);

	double t0 = now_s();
	for (int c = 1; c <= companies; c += COMPANIES_PER_TXN) {
		struct gen g = {c, c + COMPANIES_PER_TXN - 1 <= companies ? COMPANIES_PER_TXN
		                                                           : companies - c + 1};
		if (socle_service_write(svc, gen_txn, &g, &err) != 0)
			die("generate", &err);
	}
	int64_t workers = (int64_t)companies * WORKERS_PER_COMPANY;
	printf("generated %d companies, %lld workers, %lld visit outcomes in %.1f s (not counted)\n",
	       companies, (long long)workers, (long long)workers * VISITS_PER_WORKER, now_s() - t0);

	/* 1. next_visits for every worker through the rule point. */
	socle_db *db = socle_service_reader(svc, &err);
	if (db == NULL)
		die("reader", &err);
	t0 = now_s();
	int64_t done = 0, failed = 0;
	socle_stmt *ws = socle_db_prepare(
		db,
		"SELECT w.id, w.birth_date, w.start_date, w.category, w.contract_type, w.night_worker,"
		" o.held_on FROM membership_worker w LEFT JOIN tracking_visit_outcome o"
		" ON o.worker_id = w.id ORDER BY w.id, o.held_on",
		&err);
	if (ws == NULL)
		die("workers", &err);
	json_t *worker = NULL, *history = NULL;
	int64_t cur = 0;
	int rc;
	for (;;) {
		rc = socle_stmt_step(ws, &err);
		int64_t id = rc == 1 ? socle_stmt_int(ws, 0) : -1;
		if (worker && id != cur) {
			json_t *args = json_pack("[o, o, s]", worker, history, "2025-07-01"), *out = NULL;
			if (socle_rule_call(svc, "next_visits", args, &out, &err) != 0)
				failed++;
			json_decref(args);
			json_decref(out);
			done++;
			worker = history = NULL;
		}
		if (rc != 1)
			break;
		if (worker == NULL) {
			cur = id;
			worker = json_pack("{s:s, s:s, s:s, s:s, s:b}", "birth_date",
			                   socle_stmt_text(ws, 1), "start_date", socle_stmt_text(ws, 2),
			                   "category", socle_stmt_text(ws, 3), "contract_type",
			                   socle_stmt_text(ws, 4), "night_worker",
			                   socle_stmt_int(ws, 5) != 0);
			history = json_array();
		}
		if (!socle_stmt_is_null(ws, 6))
			json_array_append_new(history,
			                      json_pack("{s:s, s:s, s:s, s:b}", "type", "vip_periodique",
			                                "date", socle_stmt_text(ws, 6), "by", "medecin",
			                                "attestation", 1));
	}
	socle_stmt_release(ws);
	if (rc < 0)
		die("workers", &err);
	double dt = now_s() - t0;
	printf("next_visits recomputed for %lld workers (%lld failures) in %.2f s (target <= 10 s)"
	       " %s\n",
	       (long long)done, (long long)failed, dt, dt <= 10 ? "OK" : "MISSED");

	/* 2. each indicator for the whole service. */
	static const struct {
		unsigned bit;
		const char *name;
	} inds[] = {{1, "workers_seen_5y"}, {2, "requests_in_delay"}, {4, "dmst_computerised"},
	            {8, "overdue_follow_ups"}, {16, "backlog"}};
	for (size_t i = 0; i < sizeof(inds) / sizeof(inds[0]); i++) {
		json_t *out = NULL;
		t0 = now_s();
		if (tracking_indicators_compute(db, 0, "2025-01-01", "2025-12-31", inds[i].bit, &out,
		                                &err) != 0)
			die(inds[i].name, &err);
		dt = now_s() - t0;
		json_t *ind = json_object_get(out, inds[i].name);
		printf("indicator %-20s %lld/%lld in %.3f s (target <= 2 s) %s\n", inds[i].name,
		       (long long)json_integer_value(json_object_get(ind, "numerator")),
		       (long long)json_integer_value(json_object_get(ind, "denominator")), dt,
		       dt <= 2 ? "OK" : "MISSED");
		json_decref(out);
	}
	core_close(core);
	return 0;
}
