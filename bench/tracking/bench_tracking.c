/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Tracking load figures, in process (bench/tracking/run.sh builds and runs it;
 * never part of the tests). A synthetic service of COMPANIES member companies
 * (default 50,000), 10 workers each (500,000) and 6 past visit outcomes per
 * worker (3,000,000), each with its done request (the latest one, when held in
 * 2025, due in 2025: a quarter of them held late), inserted directly (not
 * timed), plus the planning of a service:
 *   - 40 health professionals (20 médecins, 20 infirmiers) at one site;
 *   - 5,000 requests due in 2025 and scheduled on (past) booked slots, one in
 *     five after its deadline (COMPANIES / 10 of them);
 *   - 10,000 queued requests over the whole service (types varied: reprise,
 *     EMA, VIP, suivi adapté, intermediate, à la demande...; one in ten due in
 *     2025, hence overdue), priorities from the rule point visit_priority;
 *   - 50 more queued requests of company 1, the lowest in priority (the
 *     visits-to-plan page run.sh measures; the assignment of 10,000 leaves them);
 *   - free slots from tomorrow for 4 weeks: 16 a day for each professional,
 *     12,800 in all, half of them the médecins'.
 * Then:
 *
 *   1. every worker's next visits recomputed through the rule point
 *      next_visits by the plugin's recomputation (tracking_due_recompute: each
 *      worker, its protocol and its visits read from the store in one streamed
 *      query per thread, one socle_rule_call each, changed answers written to
 *      tracking_due): target <= 10 s, the first run (every row written)
 *      included;
 *   2. each indicator of issue 4 item 9 for the whole service over 2025
 *      (tracking_indicators_compute, one indicator at a time): target <= 2 s
 *      each.
 *
 * The assignment of the 10,000 queued requests (POST /tracking/assignments/run)
 * and the visits-to-plan list are measured by run.sh over HTTP on this database.
 * Usage: bench_tracking CONFIG SERVICE [COMPANIES [RUNS [THREADS]]]
 *   RUNS: step 1 repeated, median printed; THREADS: step 1 shared among that many
 *   threads (ranges of workers), each with its own reader and Lua state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "core.h"
#include "diag.h"
#include "tracking.h"
#include "../bench_clock.h"

extern const struct socle_plugin_desc socle_plugin_entry_membership;
extern const struct socle_plugin_desc socle_plugin_entry_tracking;

int tracking_indicators_compute(socle_db *db, int64_t company, const char *from, const char *to,
                                unsigned which, json_t **out, socle_err *err);


#define WORKERS_PER_COMPANY 10
#define VISITS_PER_WORKER 6
#define COMPANIES_PER_TXN 1000
#define MAX_THREADS 8 /* tracking_due_recompute uses at most 8 */
#define PROFESSIONALS 40     /* user ids PRO_BASE + 1..40; odd: médecin */
#define PRO_BASE 1000000
#define SLOTS_PER_DAY 16     /* 08:00-12:00 and 14:00-18:00, 30 minutes */
#define SLOT_DAYS 20         /* working days from tomorrow */
#define QUEUED 10000         /* requests for the assignment */
#define PAGE_REQUESTS 50     /* company 1's queued requests (visits-to-plan page) */

/* CPU time spent in the kernel (reads, writes, syncs of the store). */
static double sys_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void die(const char *what, const socle_err *err)
{
	fprintf(stderr, "bench_tracking: %s: %s\n", what, err ? err->msg : "");
	exit(1);
}

struct gen {
	int first, count;
};

/* @p date + @p n days into @p out. */
static bool add_days(const char *date, int64_t n, char out[16])
{
	return socle_date_add_days(date, n, out);
}

/* Wall-clock minutes in Paris (summer time from the last Sunday of March to
 * the last Sunday of October, 01:00 UTC) into epoch milliseconds, as the
 * planning does for Europe/Paris. */
static int64_t eu_switch_ms(int y, int m)
{
	int64_t days = socle_date_from_civil(y, m, socle_date_month_days(y, m));
	int64_t wd = ((days % 7) + 7 + 3) % 7;

	days -= (wd + 1) % 7;
	return (days * 86400 + 3600) * 1000;
}

static int64_t paris_ms(int64_t day, int minute)
{
	int y, m, d;
	char text[16];
	int64_t wall = (day * 1440 + minute) * 60000, summer = wall - 2 * 3600000;

	socle_date_format(day, text);
	socle_date_parts(text, &y, &m, &d);
	return summer >= eu_switch_ms(y, 3) && summer < eu_switch_ms(y, 10) ? summer
	                                                                    : wall - 3600000;
}

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
				char due[16];

				snprintf(date, sizeof(date), "%04d-%02d-%02d", 2025 - 3 * v - (int)(w % 3),
				         1 + (int)((w + v) % 12), 1 + (int)(w % 28));
				/* The latest visit, held in 2025, answered a request due in 2025:
				 * held 20 days before its deadline, or (one in four) 10 days late. */
				bool due_2025 = v == 0 && w % 3 == 0 &&
				                add_days(date, w % 4 == 0 ? -10 : 20, due) &&
				                strncmp(due, "2025", 4) == 0;
				st = socle_db_prepare(wdb,
				                      "INSERT INTO tracking_visit_request (id, worker_id,"
				                      " company_id, type, requested_by, requested_on, due_before,"
				                      " priority, priority_reason, status, created_at, updated_at)"
				                      " VALUES (:id, :w, :c, 'vip_periodique', 'service',"
				                      " '2000-01-01', :due, 30, 'p', 'done', 0, 0)",
				                      err);
				if (st == NULL)
					return SOCLE_E_STORE;
				if (due_2025)
					socle_stmt_bind_text(st, ":due", due);
				else
					socle_stmt_bind_null(st, ":due");
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

/* ---- the planning: professionals, slots, requests -------------------------------- */

struct plan {
	socle_service *svc;
	int companies;
	int64_t slots, queued, scheduled;
};

static int exec_stmt(socle_stmt *st, socle_err *err)
{
	int rc = socle_stmt_step(st, err);

	socle_stmt_release(st);
	return rc < 0 ? rc : 0;
}

static int insert_slot(socle_db *wdb, int pro, int64_t day, int minute, const char *status,
                       int64_t request, int64_t *id, socle_err *err)
{
	char text[16], at[32];
	socle_stmt *st = socle_db_prepare(
		wdb,
		"INSERT INTO tracking_slot (professional_id, role, site, starts_at, starts_ms, ends_ms,"
		" duration_min, visit_types, mode, offered, status, request_id, created_at, updated_at)"
		" VALUES (:pro, :role, 'Paris', :at, :s, :e, 30, '[]', 'in_person', 0, :status, :req,"
		" 0, 0)",
		err);

	if (st == NULL)
		return SOCLE_E_STORE;
	socle_date_format(day, text);
	snprintf(at, sizeof(at), "%sT%02d:%02d", text, minute / 60, minute % 60);
	int64_t s_ms = paris_ms(day, minute);
	socle_stmt_bind_int(st, ":pro", PRO_BASE + pro);
	socle_stmt_bind_text(st, ":role", pro % 2 ? "medecin" : "infirmier");
	socle_stmt_bind_text(st, ":at", at);
	socle_stmt_bind_int(st, ":s", s_ms);
	socle_stmt_bind_int(st, ":e", s_ms + 30 * 60000);
	socle_stmt_bind_text(st, ":status", status);
	if (request > 0)
		socle_stmt_bind_int(st, ":req", request);
	else
		socle_stmt_bind_null(st, ":req");
	int rc = exec_stmt(st, err);
	*id = socle_db_last_insert_id(wdb);
	return rc;
}

/* A request with its priority from visit_priority, as the API stores it. */
static int insert_request(socle_db *wdb, struct plan *pl, int64_t worker, int64_t company,
                          const char *type, const char *by, const char *requested_on,
                          const char *due, const char *status, int64_t slot, int64_t *id,
                          socle_err *err)
{
	static const char *const medecin_types[] = {"ema_initial", "ema_periodique",
	                                            "visite_reprise", "pre_reprise",
	                                            "orientation_medecin", "mi_carriere",
	                                            "post_exposition", "attestation_caces"};
	const char *who = "professionnel_sante";

	for (size_t i = 0; i < sizeof(medecin_types) / sizeof(medecin_types[0]); i++)
		if (strcmp(type, medecin_types[i]) == 0)
			who = "medecin";
	json_t *args = json_pack("[{s:s, s:s, s:s, s:s, s:s, s:I, s:I}]", "type", type, "who", who,
	                         "requested_by", by, "requested_on", requested_on, "due_before", due,
	                         "worker_id", (json_int_t)worker, "company_id", (json_int_t)company);
	json_t *out = NULL;
	int rc = args ? socle_rule_call(pl->svc, "visit_priority", args, &out, err) : SOCLE_E_NOMEM;

	json_decref(args);
	if (rc != 0)
		return rc;
	socle_stmt *st = socle_db_prepare(
		wdb,
		"INSERT INTO tracking_visit_request (worker_id, company_id, type, requested_by,"
		" requested_on, due_before, priority, priority_reason, status, slot_id, scheduled_at,"
		" created_at, updated_at) VALUES (:w, :c, :type, :by, :on, :due, :prio, :why, :status,"
		" :slot, :sched, 0, 0)",
		err);
	if (st == NULL) {
		json_decref(out);
		return SOCLE_E_STORE;
	}
	socle_stmt_bind_int(st, ":w", worker);
	socle_stmt_bind_int(st, ":c", company);
	socle_stmt_bind_text(st, ":type", type);
	socle_stmt_bind_text(st, ":by", by);
	socle_stmt_bind_text(st, ":on", requested_on);
	socle_stmt_bind_text(st, ":due", due);
	socle_stmt_bind_double(st, ":prio", json_number_value(json_object_get(out, "priority")));
	socle_stmt_bind_text(st, ":why", json_string_value(json_object_get(out, "reason")));
	socle_stmt_bind_text(st, ":status", status);
	if (slot > 0) {
		socle_stmt_bind_int(st, ":slot", slot);
		socle_stmt_bind_int(st, ":sched", 1);
	} else {
		socle_stmt_bind_null(st, ":slot");
		socle_stmt_bind_null(st, ":sched");
	}
	rc = exec_stmt(st, err);
	json_decref(out);
	*id = socle_db_last_insert_id(wdb);
	return rc;
}

static int plan_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct plan *pl = ud;
	int64_t workers = (int64_t)pl->companies * WORKERS_PER_COMPANY, id, slot;
	char today[16], due[16], on[16];
	int rc;

	for (int p = 1; p <= PROFESSIONALS; p++) {
		socle_stmt *st = socle_db_prepare(
			wdb,
			"INSERT INTO tracking_professional (user_id, role, site, teleconsultation,"
			" created_at, updated_at) VALUES (:id, :role, 'Paris', 0, 0, 0)",
			err);
		if (st == NULL)
			return SOCLE_E_STORE;
		socle_stmt_bind_int(st, ":id", PRO_BASE + p);
		socle_stmt_bind_text(st, ":role", p % 2 ? "medecin" : "infirmier");
		if ((rc = exec_stmt(st, err)) != 0)
			return rc;
	}
	/* Free slots: every working day from tomorrow, for each professional. */
	socle_date_today(today);
	int64_t day;
	socle_date_parse(today, &day);
	for (int n = 0; n < SLOT_DAYS;) {
		day++;
		if ((day % 7 + 7 + 3) % 7 >= 5) /* Saturday, Sunday */
			continue;
		n++;
		for (int p = 1; p <= PROFESSIONALS; p++)
			for (int k = 0; k < SLOTS_PER_DAY; k++) {
				int minute = (k < SLOTS_PER_DAY / 2 ? 8 * 60 : 14 * 60 - SLOTS_PER_DAY / 2 * 30) +
				             k * 30;

				if ((rc = insert_slot(wdb, p, day, minute, "free", 0, &slot, err)) != 0)
					return rc;
				pl->slots++;
			}
	}
	/* Requests due in 2025, scheduled on booked slots from 3 November 2025 (Paris winter
	 * time), one in five after its deadline. */
	int64_t first_day = socle_date_from_civil(2025, 11, 3);
	int64_t n_sched = pl->companies / 10;
	for (int64_t k = 0; k < n_sched; k++) {
		int p = 1 + (int)(k % PROFESSIONALS);
		int64_t idx = k / PROFESSIONALS, d = first_day + idx / SLOTS_PER_DAY;
		int minute = 8 * 60 + (int)(idx % SLOTS_PER_DAY) * 30;
		int64_t worker = WORKERS_PER_COMPANY + (k * 10 + 3) % workers;
		char dtext[16];

		if ((rc = insert_slot(wdb, p, d, minute, "booked", 0, &slot, err)) != 0)
			return rc;
		socle_date_format(d, dtext);
		add_days(dtext, k % 5 == 0 ? -3 : 10, due);
		if (strncmp(due, "2025", 4) != 0)
			memcpy(due, "2025-12-31", 11);
		add_days(dtext, -30, on);
		if ((rc = insert_request(wdb, pl, worker, worker / WORKERS_PER_COMPANY, "vip_periodique",
		                         "service", on, due, "scheduled", slot, &id, err)) != 0)
			return rc;
		socle_stmt *st = socle_db_prepare(wdb, "UPDATE tracking_slot SET request_id = :r"
		                                       " WHERE id = :s", err);
		if (st == NULL)
			return SOCLE_E_STORE;
		socle_stmt_bind_int(st, ":r", id);
		socle_stmt_bind_int(st, ":s", slot);
		if ((rc = exec_stmt(st, err)) != 0)
			return rc;
		pl->scheduled++;
	}
	/* The queue: 10,000 requests over the service, made in the last weeks, due within
	 * 1 to 3 months (one in ten due in 2025: overdue). */
	static const struct {
		const char *type, *by;
	} mix[] = {
		{"vip_periodique", "service"},  {"vip_periodique", "service"},
		{"suivi_adapte", "service"},    {"ema_periodique", "service"},
		{"visite_intermediaire", "service"}, {"vip_initiale", "employer"},
		{"visite_reprise", "employer"}, {"visite_a_la_demande", "worker"},
		{"visite_a_la_demande", "employer"}, {"attestation_caces", "employer"},
	};
	int64_t stride = workers / QUEUED > 0 ? workers / QUEUED : 1;
	for (int64_t k = 0; k < QUEUED; k++) {
		int64_t worker = WORKERS_PER_COMPANY + (k * stride + 7) % workers;

		if (worker / WORKERS_PER_COMPANY == 1 && pl->companies > 1)
			worker += WORKERS_PER_COMPANY; /* company 1: only its own page requests */
		if (k % 10 == 9) { /* made in 2025, still waiting: the backlog of 2025 */
			snprintf(due, sizeof(due), "2025-%02d-%02d", 1 + (int)(k % 12),
			         1 + (int)(k % 28));
			add_days(due, -60, on);
		} else {
			add_days(today, -(k % 40), on);
			add_days(today, 30 + k % 60, due);
		}
		if ((rc = insert_request(wdb, pl, worker, worker / WORKERS_PER_COMPANY,
		                         mix[k % 10].type, mix[k % 10].by, on, due, "queued", 0, &id,
		                         err)) != 0)
			return rc;
		pl->queued++;
	}
	/* Company 1's page: 50 queued requests, the lowest priority of the service. */
	for (int k = 0; k < PAGE_REQUESTS; k++) {
		int64_t worker = WORKERS_PER_COMPANY + k % WORKERS_PER_COMPANY;

		add_days(today, -(k % 20), on);
		add_days(today, 400 + k, due);
		if ((rc = insert_request(wdb, pl, worker, 1, "mi_carriere", "worker", on, due,
		                         "queued", 0, &id, err)) != 0)
			return rc;
		pl->queued++;
	}
	return 0;
}

/* 1. Every worker's next visits through the plugin's own recomputation
 * (tracking_due_recompute, what the daily job tracking.recompute runs): the
 * workers shared among THREADS threads, each streaming its range of workers
 * with their protocol and visits held, one next_visits call each (the
 * sandbox's budgets, the contract check), the changed answers written to
 * tracking_due. The first run writes every worker's row; the next ones find
 * the same answers and write nothing, as a nightly run on a quiet day. */
static double next_visits_all(socle_service *svc, int run, int threads)
{
	struct tracking_due_stats st;
	socle_err err = SOCLE_ERR_INIT;
	double t0 = now_s(), c0 = cpu_s(), s0 = sys_s();

	if (tracking_due_recompute(svc, "2025-07-01", run, threads, &st, &err) != 0)
		die("recompute", &err);
	double dt = now_s() - t0;
	printf("next visits recomputed for %lld workers (%lld rows written, %lld failures),"
	       " %d thread%s, in %.2f s, cpu %.2f s of which kernel %.2f s (target <= 10 s) %s\n",
	       (long long)st.workers, (long long)st.changed, (long long)st.failed, threads,
	       threads > 1 ? "s" : "", dt, cpu_s() - c0, sys_s() - s0, dt <= 10 ? "OK" : "MISSED");
	return dt;
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
		fprintf(stderr, "usage: bench_tracking CONFIG SERVICE [COMPANIES [RUNS [THREADS]]]\n");
		return 2;
	}
	int companies = argc > 3 ? atoi(argv[3]) : 50000;
	int n_runs = argc > 4 ? atoi(argv[4]) : 1;
	int threads = argc > 5 ? atoi(argv[5]) : 1;
	if (companies < 1 || n_runs < 1 || n_runs > 9 || threads < 1 || threads > MAX_THREADS) {
		fprintf(stderr, "bench_tracking: COMPANIES >= 1, RUNS from 1 to 9, THREADS from 1"
		        " to %d\n", MAX_THREADS);
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
	for (int c = 1; c <= companies; c += COMPANIES_PER_TXN) {
		struct gen g = {c, c + COMPANIES_PER_TXN - 1 <= companies ? COMPANIES_PER_TXN
		                                                           : companies - c + 1};
		if (socle_service_write(svc, gen_txn, &g, &err) != 0)
			die("generate", &err);
	}
	int64_t workers = (int64_t)companies * WORKERS_PER_COMPANY;
	struct plan pl = {.svc = svc, .companies = companies};
	if (socle_service_write(svc, plan_txn, &pl, &err) != 0)
		die("planning", &err);
	printf("generated %d companies, %lld workers, %lld visit outcomes, %lld free slots,"
	       " %lld scheduled and %lld queued requests in %.1f s (not counted)\n",
	       companies, (long long)workers, (long long)workers * VISITS_PER_WORKER,
	       (long long)pl.slots, (long long)pl.scheduled, (long long)pl.queued, now_s() - t0);

	/* The generation wrote membership's tables directly: tracking's own copy
	 * of the workers (roster.c) is made as at the first start after its
	 * migration, through membership.v1's streaming reader. */
	t0 = now_s();
	if (tracking_roster_resync(svc, &err) != 0)
		die("roster", &err);
	int64_t copy = 0, source = 0;
	if (tracking_roster_check(svc, &copy, &source, &err) != 0)
		die("roster check", &err);
	printf("tracking's copy of the %lld workers made through membership.v1 in %.2f s"
	       " (once, at the first start after migration 9)\n", (long long)copy, now_s() - t0);

	socle_db *db = socle_service_reader(svc, &err);
	if (db == NULL)
		die("reader", &err);
	double runs[9];
	for (int i = 0; i < n_runs; i++)
		runs[i] = next_visits_all(svc, i + 1, threads);
	if (n_runs > 1) {
		qsort(runs, (size_t)n_runs, sizeof(runs[0]), cmp_double);
		printf("next_visits median of %d runs: %.2f s (target <= 10 s) %s\n", n_runs,
		       runs[n_runs / 2], runs[n_runs / 2] <= 10 ? "OK" : "MISSED");
	}

	/* 1b. What a declaration triggers (issue 10 item 7 and its target): the
	 * handler of membership's worker.* events refreshes tracking's copy of
	 * the worker through membership.v1 and recomputes his next visits, each
	 * in its own write; for the 10 workers of company 1 (an employer's CSV
	 * import of his workforce), median of 9 rounds (target <= 50 ms). */
	{
		double rounds[9];
		for (int r = 0; r < 9; r++) {
			t0 = now_s();
			for (int k = 0; k < WORKERS_PER_COMPANY; k++) {
				int64_t w = (int64_t)WORKERS_PER_COMPANY + k; /* company 1's */
				if (tracking_roster_sync_worker(svc, w, 1, &err) != 0 ||
				    tracking_due_recompute_worker(svc, w, &err) != 0)
					die("recompute one worker", &err);
			}
			rounds[r] = now_s() - t0;
		}
		qsort(rounds, 9, sizeof(rounds[0]), cmp_double);
		printf("incremental recompute after a declaration, company 1's %d workers (copy"
		       " refreshed, next visits recomputed and written), median of 9: %.1f ms"
		       " (target <= 50 ms) %s\n", WORKERS_PER_COMPANY, rounds[4] * 1000,
		       rounds[4] <= 0.050 ? "OK" : "MISSED");
	}

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
		double dt = now_s() - t0;
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
