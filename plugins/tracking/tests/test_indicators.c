/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The indicators of the individual follow-up (issue 4, item 9; seed 3.3.1.4),
 * on a core opened in process (tracking linked statically, membership loaded
 * from the build's plugins folder), with known data inserted directly: two
 * companies, nine workers (one gone before the period), visit outcomes,
 * protocols, DMST rows, requests held on time, late, scheduled, queued and
 * cancelled. Each indicator's numerator, denominator and rate is checked per
 * company and for the whole service, over two periods, and for a company
 * without workers (rates null). The HTTP routes call the same function
 * (tracking_indicators_compute); they are not driven through the server here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"
#include "core.h"
#include "fsutil.h"
#include "core_world.h"
#include "tracking.h"
#include "tracking_world.h"


int tracking_indicators_compute(socle_db *db, int64_t company, const char *from, const char *to,
                                unsigned which, json_t **out, socle_err *err);

static struct {
	char *dir;
	socle_core *core;
	socle_service *svc;
} W;

static const char seed_sql[] =
	/* two member companies */
	"INSERT INTO membership_company (id, reference, member_number, status, siret, siren,"
	" legal_name, naf_code, naf_version, headcount, address_line, postcode, city, contact_name,"
	" contact_email, contact_phone, exposures, followup_counts, prevention_answers,"
	" payment_mode, joined_on, created_at, updated_at) VALUES"
	" (1, 'A1', 'M1', 'member', '12345678900011', '123456789', 'Alpha', '1011Z', 'NAFrev2', 8,"
	"  '1 rue A', '75001', 'Paris', 'A', 'a@example.org', '0100000000', '[]', '{}', '{}',"
	"  'transfer', '2015-01-01', 0, 0),"
	" (2, 'B2', 'M2', 'member', '98765432100019', '987654321', 'Beta', '1011Z', 'NAFrev2', 1,"
	"  '2 rue B', '75002', 'Paris', 'B', 'b@example.org', '0100000000', '[]', '{}', '{}',"
	"  'transfer', '2015-01-01', 0, 0);"
	/* workers: id, company, category, contract, start, end, night, birth */
	"INSERT INTO membership_worker (id, company_id, external_ref, last_name, first_name,"
	" birth_date, job_title, contract_type, start_date, end_date, night_worker, category,"
	" created_at, updated_at) VALUES"
	" (1, 1, 'w1', 'Un', 'A', '1980-01-01', 'Employé', 'cdi', '2015-01-01', NULL, 0, 'SI', 0, 0),"
	" (2, 1, 'w2', 'Deux', 'A', '1980-01-01', 'Employé', 'cdi', '2015-01-01', NULL, 0, 'SI', 0, 0),"
	" (3, 1, 'w3', 'Trois', 'A', '1980-01-01', 'Cariste', 'cdi', '2020-01-01', NULL, 0, 'SIR', 0,"
	"  0),"
	" (4, 1, 'w4', 'Quatre', 'A', '1980-01-01', 'Employé', 'cdi', '2025-05-01', NULL, 0, 'SIA', 0,"
	"  0),"
	" (5, 1, 'w5', 'Cinq', 'A', '1980-01-01', 'Veilleur', 'cdi', '2025-01-01', NULL, 1, 'SI', 0,"
	"  0),"
	" (6, 1, 'w6', 'Six', 'A', '1980-01-01', 'Employé', 'cdi', '2010-01-01', '2024-12-31', 0,"
	"  'SI', 0, 0),"
	" (7, 1, 'w7', 'Sept', 'A', '1980-01-01', 'Employé', 'cdi', '2015-01-01', NULL, 0, 'SI', 0,"
	"  0),"
	" (8, 1, 'w8', 'Huit', 'A', '1980-01-01', 'Employé', 'cdi', '2015-01-01', NULL, 0, 'SI', 0,"
	"  0),"
	" (9, 2, 'w9', 'Neuf', 'B', '1990-01-01', 'Employé', 'cdi', '2024-01-01', NULL, 0, 'SI', 0,"
	"  0),"
	" (10, 1, 'w10', 'Dix', 'A', '2008-03-01', 'Apprenti', 'apprentissage', '2025-04-15', NULL,"
	"  0, 'SI', 0, 0);"
	"INSERT INTO tracking_protocol (worker_id, periodicity_months, next_visit_on, set_by,"
	" set_on, updated_at) VALUES (7, 12, NULL, 1, '2024-01-01', 0);"
	"INSERT INTO tracking_dmst (worker_id, retention_until, created_on, created_at, created_by,"
	" updated_at, updated_by) VALUES"
	" (1, '2070-01-01', '2022-03-01', 0, 1, 0, 1), (3, '2070-01-01', '2023-01-10', 0, 1, 0, 1),"
	" (9, '2070-01-01', '2024-02-01', 0, 1, 0, 1);"
	"INSERT INTO tracking_professional (user_id, role, site, created_at, updated_at)"
	" VALUES (1, 'medecin', 'Paris', 0, 0);"
	"INSERT INTO tracking_slot (id, professional_id, role, site, starts_at, starts_ms, ends_ms,"
	" duration_min, mode, status, request_id, created_at, updated_at) VALUES"
	" (1, 1, 'medecin', 'Paris', '2025-06-15T09:00', 0, 1, 30, 'in_person', 'booked', 3, 0, 0),"
	" (2, 1, 'medecin', 'Paris', '2025-06-16T09:00', 0, 1, 30, 'in_person', 'booked', 8, 0, 0);"
	/* requests: id, worker, company, type, requested_on, due_before, status, slot */
	"INSERT INTO tracking_visit_request (id, worker_id, company_id, type, requested_by,"
	" requested_on, due_before, priority, priority_reason, status, slot_id, created_at,"
	" updated_at) VALUES"
	" (1, 1, 1, 'vip_periodique', 'service', '2025-01-10', '2025-03-01', 30, 'p', 'done', NULL,"
	"  0, 0),"
	" (2, 2, 1, 'vip_periodique', 'service', '2025-01-10', '2025-03-01', 30, 'p', 'done', NULL,"
	"  0, 0),"
	" (3, 3, 1, 'ema_periodique', 'service', '2025-05-10', '2025-06-15', 40, 'p', 'scheduled',"
	"  1, 0, 0),"
	" (4, 4, 1, 'vip_initiale', 'employer', '2025-05-02', '2025-05-01', 70, 'p', 'queued', NULL,"
	"  0, 0),"
	" (5, 5, 1, 'vip_initiale', 'employer', '2025-01-02', '2025-04-01', 70, 'p', 'cancelled',"
	"  NULL, 0, 0),"
	" (6, 7, 1, 'visite_reprise', 'employer', '2025-06-20', '2025-08-01', 100, 'p', 'queued',"
	"  NULL, 0, 0),"
	" (7, 9, 2, 'vip_periodique', 'service', '2025-01-05', '2025-02-01', 30, 'p', 'queued', NULL,"
	"  0, 0),"
	" (8, 8, 1, 'vip_periodique', 'service', '2025-05-05', '2025-06-10', 30, 'p', 'scheduled', 2,"
	"  0, 0),"
	" (9, 2, 1, 'a_la_demande', 'worker', '2025-07-02', NULL, 50, 'p', 'queued', NULL, 0, 0);";

/* Outcomes: (request, worker, company, type, held_on, next_visit_on). */
static const struct {
	int64_t request, worker, company;
	const char *type, *held_on, *next;
} outcomes[] = {
	{0, 1, 1, "vip_periodique", "2022-03-01", NULL},
	{0, 2, 1, "vip_initiale", "2019-05-01", NULL},
	{0, 3, 1, "ema_initial", "2023-01-10", NULL},
	{0, 7, 1, "vip_periodique", "2024-01-01", NULL},
	{0, 8, 1, "vip_periodique", "2024-06-01", "2025-03-01"},
	{0, 9, 2, "vip_initiale", "2024-02-01", NULL},
	{1, 1, 1, "vip_periodique", "2025-02-20", NULL},
	{2, 2, 1, "vip_periodique", "2025-03-05", NULL},
	{0, 6, 1, "vip_periodique", "2023-01-01", NULL},
};

static int seed_txn(socle_db *wdb, void *ud, socle_err *err)
{
	(void)ud;
	if (socle_db_exec(wdb, seed_sql, err) != 0)
		return SOCLE_E_STORE;
	for (size_t i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++) {
		json_int_t request = outcomes[i].request ? (json_int_t)outcomes[i].request
		                                         : (json_int_t)(100 + i);
		if (!outcomes[i].request) { /* a past visit: its request, done, without due date */
			json_t *r = json_pack("{s:I, s:I, s:I, s:s, s:s}", "id", request, "worker",
			                      (json_int_t)outcomes[i].worker, "company",
			                      (json_int_t)outcomes[i].company, "type", outcomes[i].type,
			                      "on", outcomes[i].held_on);
			int rc = socle_db_run(wdb,
			                      "INSERT INTO tracking_visit_request (id, worker_id, company_id,"
			                      " type, requested_by, requested_on, priority, priority_reason,"
			                      " status, created_at, updated_at) VALUES (:id, :worker,"
			                      " :company, :type, 'service', :on, 30, 'p', 'done', 0, 0)",
			                      r, err);
			json_decref(r);
			if (rc < 0)
				return rc;
		}
		json_t *p = json_pack("{s:o, s:I, s:I, s:s, s:s, s:o}", "request",
		              json_integer(request),
		              "worker", (json_int_t)outcomes[i].worker, "company",
		              (json_int_t)outcomes[i].company, "type", outcomes[i].type, "held_on",
		              outcomes[i].held_on, "next",
		              outcomes[i].next ? json_string(outcomes[i].next) : json_null());
		int rc = socle_db_run(wdb,
		                      "INSERT INTO tracking_visit_outcome (request_id, worker_id,"
		                      " company_id, type, held_on, professional_id, role, next_visit_on,"
		                      " created_at) VALUES (:request, :worker, :company, :type,"
		                      " :held_on, 1, 'medecin', :next, 0)",
		                      p, err);
		json_decref(p);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int setup_core(void **state)
{
	socle_err err = SOCLE_ERR_INIT;
	(void)state;

	W.dir = fs_tempdir("tracking-indicators");
	W.core = core_world_open(W.dir,
	         "{\"listen\": \"127.0.0.1\", \"port\": 0, \"access_log\": \"access.log\","
	         " \"plugin_dirs\": [\"" TRACKING_PLUGIN_DIR "\"],"
	         " \"clock\": \"2025-07-01T09:00:00Z\","
	         " \"services\": [{\"id\": \"demo\", \"name\": \"Démo\", \"database\": \"demo.db\","
	         "   \"plugins\": {\"membership\": {\"fee_per_worker\": 105.0}, \"tracking\": {}}}]}");
	if (W.core == NULL)
		return -1;
	W.svc = socle_core_service(W.core, "demo");
	if (W.svc == NULL)
		return -1;
	if (socle_service_write(W.svc, seed_txn, NULL, &err) != 0) {
		fprintf(stderr, "seed: %s\n", err.msg);
		return -1;
	}
	/* The seed writes membership's tables directly (no events): tracking's
	 * copy of the workers is made again, as at a start that finds it short. */
	int64_t copy = 0, source = 0;
	if (tracking_roster_check(W.svc, &copy, &source, &err) != 1 ||
	    tracking_roster_resync(W.svc, &err) != 0 ||
	    tracking_roster_check(W.svc, &copy, &source, &err) != 0 || copy != 10) {
		fprintf(stderr, "roster: %lld/%lld %s\n", (long long)copy, (long long)source, err.msg);
		return -1;
	}
	return 0;
}

static int teardown_core(void **state)
{
	(void)state;
	test_core_close(W.core, W.dir);
	return 0;
}

static json_t *compute(int64_t company, const char *from, const char *to)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *out = NULL;
	socle_db *db = socle_service_reader(W.svc, &err);

	assert_non_null(db);
	int rc = tracking_indicators_compute(db, company, from, to, 0, &out, &err);
	if (rc != 0)
		fprintf(stderr, "indicators: %s\n", err.msg);
	assert_int_equal(rc, 0);
	return out;
}

static void expect_ind(const json_t *all, const char *key, int64_t num, int64_t den, double rate)
{
	const json_t *i = json_object_get(all, key);

	assert_non_null(i);
	if (json_integer_value(json_object_get(i, "numerator")) != num ||
	    json_integer_value(json_object_get(i, "denominator")) != den)
		fprintf(stderr, "%s: %" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT "\n", key,
		        json_integer_value(json_object_get(i, "numerator")),
		        json_integer_value(json_object_get(i, "denominator")));
	assert_int_equal(json_integer_value(json_object_get(i, "numerator")), num);
	assert_int_equal(json_integer_value(json_object_get(i, "denominator")), den);
	if (rate < 0)
		assert_true(json_is_null(json_object_get(i, "rate")));
	else
		assert_float_equal(json_real_value(json_object_get(i, "rate")), rate, 1e-9);
	const char *def = json_string_value(json_object_get(i, "definition"));
	assert_non_null(def);
	assert_true(strlen(def) > 40);
}

static int64_t backlog_of(const json_t *all, const char *type)
{
	size_t i;
	const json_t *t;

	json_array_foreach(json_object_get(json_object_get(all, "backlog"), "by_type"), i, t)
		if (strcmp(json_string_value(json_object_get(t, "type")), type) == 0)
			return json_integer_value(json_object_get(t, "count"));
	return 0;
}

/* Company 1 over the first half of 2025. Active: workers 1-5, 7, 8, 10 (6 left
 * on 2024-12-31). Seen in the 5 years before 2025-06-30 (after 2020-06-30):
 * 1, 2 (2025-03-05), 3, 7, 8. DMST: 1, 3. Overdue at 2025-06-30: 3 (SIR, last
 * 2023-01-10 + 2 years), 5 (night worker, before assignment 2025-01-01), 7
 * (protocol 12 months from 2024-01-01), 8 (next visit set to 2025-03-01), 10
 * (under 18 at hiring on 2025-04-15: before assignment); not 1 (2025-02-20 + 5 y), 2 (2025-03-05
 * + 5 y), 4 (SIA hired 2025-05-01: 2025-08-01). Requests due in the period,
 * cancelled excluded: 1 (held 2025-02-20 ≤ 2025-03-01: on time), 2 (held
 * 2025-03-05: late), 3 (scheduled 2025-06-15 09:00 ≤ 2025-06-15), 4 (still
 * queued), 8 (scheduled 2025-06-16 > 2025-06-10: late). Backlog at 2025-06-30:
 * 4 (vip_initiale), 6 (visite_reprise); 9 was asked after the period. */
static void test_company(void **state)
{
	(void)state;
	json_t *all = compute(1, "2025-01-01", "2025-06-30");

	expect_ind(all, "workers_seen_5y", 5, 8, 62.5);
	expect_ind(all, "dmst_computerised", 2, 8, 25.0);
	expect_ind(all, "overdue_follow_ups", 5, 8, 62.5);
	expect_ind(all, "requests_in_delay", 2, 5, 40.0);
	expect_ind(all, "backlog", 2, 2, 100.0);
	assert_int_equal(backlog_of(all, "vip_initiale"), 1);
	assert_int_equal(backlog_of(all, "visite_reprise"), 1);
	assert_int_equal(backlog_of(all, "a_la_demande"), 0);
	json_decref(all);
}

/* The whole service adds company 2: worker 9 (seen 2024-02-01, DMST, not
 * overdue) and request 7 (due 2025-02-01, still queued: late). */
static void test_service(void **state)
{
	(void)state;
	json_t *all = compute(0, "2025-01-01", "2025-06-30");

	expect_ind(all, "workers_seen_5y", 6, 9, 66.7);
	expect_ind(all, "dmst_computerised", 3, 9, 33.3);
	expect_ind(all, "overdue_follow_ups", 5, 9, 55.6);
	expect_ind(all, "requests_in_delay", 2, 6, 33.3);
	expect_ind(all, "backlog", 3, 3, 100.0);
	assert_int_equal(backlog_of(all, "vip_periodique"), 1);
	json_decref(all);
}

/* Another period: 2023. Active: 1, 2, 3, 6, 7, 8 (hired 2015-2020) and 9? no
 * (hired 2024). Seen after 2018-12-31: 1, 2 (2019-05-01), 3 (2023-01-10), 6
 * (2023-01-01); 7 and 8 only in 2024: not yet. At 2023-12-31 overdue: 7 and 8
 * (hired 2015, never seen before then: initial visit due 2015-04-01); 2 is
 * not (2019-05-01 + 5 y). No request due in 2023: rate null. */
static void test_other_period(void **state)
{
	(void)state;
	json_t *all = compute(0, "2023-01-01", "2023-12-31");

	expect_ind(all, "workers_seen_5y", 4, 6, 66.7);
	expect_ind(all, "overdue_follow_ups", 2, 6, 33.3);
	expect_ind(all, "requests_in_delay", 0, 0, -1);
	expect_ind(all, "backlog", 0, 0, -1);
	json_decref(all);
}

/* A company without workers: every denominator 0, every rate null. */
static void test_empty_company(void **state)
{
	(void)state;
	json_t *all = compute(99, "2025-01-01", "2025-06-30");

	expect_ind(all, "workers_seen_5y", 0, 0, -1);
	expect_ind(all, "overdue_follow_ups", 0, 0, -1);
	expect_ind(all, "dmst_computerised", 0, 0, -1);
	json_decref(all);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_company),
		cmocka_unit_test(test_service),
		cmocka_unit_test(test_other_period),
		cmocka_unit_test(test_empty_company),
	};

	return cmocka_run_group_tests_name("indicateurs", tests, setup_core, teardown_core);
}
