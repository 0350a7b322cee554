/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* tracking.v1 (<socle/tracking.h>) as another plugin sees it: a small plugin
 * linked statically beside tracking, which requires it and imports the table
 * in its init, the way the retention, risk-evaluation and portal plugins will.
 * On a core opened in process (tracking linked statically, membership loaded
 * from the build's plugins folder, clock frozen on 1 July 2025), known data
 * inserted directly: three companies, workers declared SIR or not (one gone),
 * visit outcomes of several types and years (a pré-reprise and a visite à la
 * demande the worker asked for among them), job-adjustment proposals, medical
 * content (DMST notes, an ordonnance, an orientation to care, a request's
 * reason) marked "SECRET". Then each member of the table: exact shapes and
 * values, the visits kept from the employer, the engine's last computation of
 * a worker's next visits, counts by type and year at the year's edges, SIR
 * declared and observed, pages of proposals, argument bounds and unknown ids,
 * the writer in a transaction seeing its own writes, and no "SECRET" in
 * anything the table hands out. Also: an importer built against a larger
 * table than tracking exports is refused at startup. */
#include <socle/tracking.h> /* first: the public header compiles on its own */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core_world.h"
#include "fsutil.h"
#include "tracking.h"
#include "tracking_world.h"

extern const struct socle_plugin_desc socle_plugin_entry_tracking;

/* ---- the importer ---- */

static const struct tracking_v1 *T;

static int probe_init(socle_plugin *p, socle_err *err)
{
	T = socle_plugin_import(p, TRACKING_V1_NAME, TRACKING_V1_MAJOR, sizeof(*T), 0, err);
	return T != NULL ? 0 : err->code;
}

SOCLE_PLUGIN_DEFINE(tprobe,
	.version = "1.0.0",
	.summary = "Lecteur de tracking.v1 (test)",
	.requires = (const char *const[]){"tracking", NULL},
	.init = probe_init);

/* An importer built against a later, larger tracking.v1. */
static int future_init(socle_plugin *p, socle_err *err)
{
	const void *t = socle_plugin_import(p, TRACKING_V1_NAME, TRACKING_V1_MAJOR,
	                                    sizeof(struct tracking_v1) + sizeof(void *), 0, err);

	return t != NULL ? 0 : err->code;
}

SOCLE_PLUGIN_DEFINE(tfuture,
	.version = "1.0.0",
	.summary = "Lecteur d'un tracking.v1 plus récent (test)",
	.requires = (const char *const[]){"tracking", NULL},
	.init = future_init);

/* ---- the world ---- */

static struct {
	char *dir;
	socle_core *core;
	socle_service *svc;
} W;

#define CONFIG(plugins)                                                                      \
	"{\"listen\": \"127.0.0.1\", \"port\": 0, \"access_log\": \"access.log\","                \
	" \"plugin_dirs\": [\"" TRACKING_PLUGIN_DIR "\"],"                                          \
	" \"clock\": \"2025-07-01T09:00:00Z\","                                                   \
	" \"services\": [{\"id\": \"demo\", \"name\": \"Démo\", \"database\": \"demo.db\","      \
	"   \"plugins\": {\"membership\": {}, \"tracking\": {}, " plugins "}}]}"

/* Companies 1 and 2 have workers, 3 none. Workers of company 1: 1 SI, 2 SIR
 * seen at two examens d'aptitude, 3 SIR never seen, 4 SI once seen as SIR
 * (avis d'inaptitude in 2022), 5 gone on 2024-12-31 (an EMA in 2024), 6 SI
 * with a pré-reprise and two visites à la demande (the worker's, kept from
 * the employer; the employer's), 7 SIR in CDD until 2026 (a visite
 * intermédiaire). Company 2: worker 9. */
static const char seed_sql[] =
	"INSERT INTO membership_company (id, reference, member_number, status, siret, siren,"
	" legal_name, naf_code, naf_version, headcount, address_line, postcode, city, contact_name,"
	" contact_email, contact_phone, exposures, followup_counts, prevention_answers,"
	" payment_mode, joined_on, created_at, updated_at) VALUES"
	" (1, 'A1', 'M1', 'member', '12345678900011', '123456789', 'Alpha', '1011Z', 'NAFrev2', 8,"
	"  '1 rue A', '75001', 'Paris', 'A', 'a@example.org', '0100000000', '[]', '{}', '{}',"
	"  'transfer', '2015-01-01', 0, 0),"
	" (2, 'B2', 'M2', 'member', '98765432100019', '987654321', 'Beta', '1011Z', 'NAFrev2', 1,"
	"  '2 rue B', '75002', 'Paris', 'B', 'b@example.org', '0100000000', '[]', '{}', '{}',"
	"  'transfer', '2015-01-01', 0, 0),"
	" (3, 'C3', 'M3', 'member', '55210055400013', '552100554', 'Gamma', '1011Z', 'NAFrev2', 0,"
	"  '3 rue C', '75003', 'Paris', 'C', 'c@example.org', '0100000000', '[]', '{}', '{}',"
	"  'transfer', '2015-01-01', 0, 0);"
	"INSERT INTO membership_worker (id, company_id, external_ref, last_name, first_name,"
	" birth_date, job_title, contract_type, start_date, end_date, category, created_at,"
	" updated_at) VALUES"
	" (1, 1, 'w1', 'Un', 'A', '1995-01-01', 'Employé', 'cdi', '2015-01-01', NULL, 'SI', 0, 0),"
	" (2, 1, 'w2', 'Deux', 'A', '1980-01-01', 'Cariste', 'cdi', '2015-01-01', NULL, 'SIR', 0, 0),"
	" (3, 1, 'w3', 'Trois', 'A', '1980-01-01', 'Cariste', 'cdi', '2025-06-01', NULL, 'SIR', 0, 0),"
	" (4, 1, 'w4', 'Quatre', 'A', '1980-01-01', 'Employé', 'cdi', '2015-01-01', NULL, 'SI', 0, 0),"
	" (5, 1, 'w5', 'Cinq', 'A', '1980-01-01', 'Cariste', 'cdi', '2015-01-01', '2024-12-31', 'SIR',"
	"  0, 0),"
	" (6, 1, 'w6', 'Six', 'A', '1980-01-01', 'Employé', 'cdi', '2015-01-01', NULL, 'SI', 0, 0),"
	" (7, 1, 'w7', 'Sept', 'A', '1980-01-01', 'Cariste', 'cdd', '2024-01-01', '2026-01-31', 'SIR',"
	"  0, 0),"
	" (9, 2, 'w9', 'Neuf', 'B', '1990-01-01', 'Employé', 'cdi', '2024-01-01', NULL, 'SI', 0, 0);"
	"INSERT INTO tracking_dmst (worker_id, retention_until, created_on, created_at, created_by,"
	" updated_at, updated_by) VALUES (6, '2070-01-01', '2025-03-10', 0, 1, 0, 1);"
	"INSERT INTO tracking_dmst_entry (worker_id, kind, entry_date, entry_text, author_id,"
	" author_role, created_at) VALUES (6, 'observation', '2025-03-10', 'SECRET note', 1,"
	" 'medecin', 0);";

/* Visits held: their request (id, by whom) and outcome. */
static const struct {
	int64_t id, worker, company;
	const char *type, *by, *held_on, *avis;
	bool attestation;
	const char *next;
} held[] = {
	{1, 1, 1, "vip_initiale", "service", "2019-12-31", NULL, true, NULL},
	{2, 1, 1, "vip_periodique", "service", "2024-03-01", NULL, true, NULL},
	{3, 1, 1, "vip_periodique", "service", "2025-05-05", NULL, true, "2028-05-05"},
	{4, 2, 1, "ema_initial", "service", "2023-01-10", "aptitude", true, NULL},
	{5, 2, 1, "ema_periodique", "service", "2025-01-01", "aptitude", true, NULL},
	{6, 4, 1, "ema_initial", "service", "2022-06-01", "inaptitude", true, NULL},
	{7, 5, 1, "ema_initial", "service", "2024-02-01", "aptitude", true, NULL},
	{8, 6, 1, "pre_reprise", "worker", "2025-03-10", NULL, false, NULL},
	{9, 6, 1, "visite_a_la_demande", "worker", "2025-04-01", NULL, true, NULL},
	{10, 6, 1, "visite_a_la_demande", "employer", "2025-04-02", NULL, true, NULL},
	{11, 7, 1, "visite_intermediaire", "service", "2024-06-01", NULL, true, NULL},
	{12, 9, 2, "vip_initiale", "service", "2025-01-05", NULL, true, NULL},
};

/* Proposals: (outcome of request, kind, description). */
static const struct {
	int64_t request;
	const char *kind, *description;
} proposals[] = {
	{5, "poste", "Éviter le port de charges de plus de 10 kg"},
	{8, "horaires", "Reprise à mi-temps thérapeutique"},
	{6, "reclassement", "Poste sans conduite d'engins"},
	{12, "materiel", "Siège ergonomique"},
};

static int64_t adjustment_ids[4];

static int seed_txn(socle_db *wdb, void *ud, socle_err *err)
{
	(void)ud;
	if (socle_db_exec(wdb, seed_sql, err) != 0)
		return SOCLE_E_STORE;
	for (size_t i = 0; i < SOCLE_COUNT(held); i++) {
		json_t *p = json_pack("{s:I, s:I, s:I, s:s, s:s, s:s, s:s?, s:s?, s:s?}", "id",
		                      (json_int_t)held[i].id, "w", (json_int_t)held[i].worker, "c",
		                      (json_int_t)held[i].company, "t", held[i].type, "by", held[i].by,
		                      "on", held[i].held_on, "avis", held[i].avis, "att",
		                      held[i].attestation ? "{\"mentions\": []}" : NULL, "next",
		                      held[i].next);
		int rc = socle_db_run(wdb,
			"INSERT INTO tracking_visit_request (id, worker_id, company_id, type, requested_by,"
			" requested_on, reason, priority, priority_reason, status, created_at, updated_at)"
			" VALUES (:id, :w, :c, :t, :by, :on, 'SECRET reason', 30, 'p', 'done', 0, 0)",
			p, err);
		if (rc >= 0)
			rc = socle_db_run(wdb,
				"INSERT INTO tracking_visit_outcome (id, request_id, worker_id, company_id, type,"
				" held_on, professional_id, role, attestation, avis, adjustments, orientation,"
				" ordonnance, next_visit_on, created_at) VALUES (:id, :id, :w, :c, :t, :on, 1,"
				" 'medecin', :att, :avis, '[]', 'soins', '{\"risks\": [\"SECRET risk\"]}',"
				" :next, 0)",
				p, err);
		json_decref(p);
		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; i < SOCLE_COUNT(proposals); i++) {
		size_t k = 0;

		while (held[k].id != proposals[i].request)
			k++;
		json_t *p = json_pack("{s:I, s:I, s:I, s:s, s:s, s:s}", "r",
		                      (json_int_t)held[k].id, "w", (json_int_t)held[k].worker, "c",
		                      (json_int_t)held[k].company, "kind", proposals[i].kind, "d",
		                      proposals[i].description, "on", held[k].held_on);
		int rc = socle_db_run(wdb,
			"INSERT INTO tracking_job_adjustment (outcome_id, request_id, worker_id,"
			" company_id, kind, description, status, proposed_on, proposed_by, created_at)"
			" VALUES (:r, :r, :w, :c, :kind, :d, 'proposed', :on, 1, 0)", p, err);
		json_decref(p);
		if (rc < 0)
			return rc;
		adjustment_ids[i] = socle_db_last_insert_id(wdb);
	}
	return 0;
}

static int setup(void **state)
{
	static const struct socle_plugin_desc *const statics[] = {
		&socle_plugin_entry_tracking, &socle_plugin_entry_tprobe, NULL};
	socle_err err = SOCLE_ERR_INIT;
	(void)state;

	W.dir = fs_tempdir("tracking-service");
	W.core = test_core_open(W.dir, CONFIG("\"tprobe\": {}"), statics);
	if (W.core == NULL || T == NULL)
		return -1;
	W.svc = socle_core_service(W.core, "demo");
	if (socle_service_write(W.svc, seed_txn, NULL, &err) != 0) {
		fprintf(stderr, "seed: %s\n", err.msg);
		return -1;
	}
	/* The seed writes membership's tables directly (no events): tracking's
	 * copy of the workers is made again, as at a start that finds it short;
	 * then worker 1's next visits are computed by the engine, as after a
	 * visit. */
	if (tracking_roster_resync(W.svc, &err) != 0 ||
	    tracking_due_recompute_worker(W.svc, 1, &err) != 0) {
		fprintf(stderr, "roster or due: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_core_close(W.core, W.dir);
	T = NULL;
	return 0;
}

/* ---- helpers ---- */

static socle_db *reader(void)
{
	socle_err err = SOCLE_ERR_INIT;
	socle_db *db = socle_service_reader(W.svc, &err);

	if (db == NULL)
		fail_msg("reader: %s", err.msg);
	return db;
}

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static json_int_t num(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* @p o has exactly the @p n keys of @p keys. */
static void has_exactly(const json_t *o, const char *const *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (json_object_get(o, keys[i]) == NULL)
			fail_msg("clé « %s » absente", keys[i]);
	if (json_object_size(o) != n) {
		char *t = json_dumps(o, JSON_SORT_KEYS);
		fail_msg("%zu clés au lieu de %zu : %s", json_object_size(o), n, t);
	}
}

/* Nothing medical in @p v: none of the seed's "SECRET" texts. Returns @p v. */
static json_t *clean(json_t *v)
{
	char *t = v ? json_dumps(v, 0) : NULL;

	assert_non_null(t);
	if (strstr(t, "SECRET") != NULL || strstr(t, "soins") != NULL)
		fail_msg("contenu médical transmis : %s", t);
	free(t);
	return v;
}

static void expect_null(json_t *v, socle_err *err, int code)
{
	if (v != NULL) {
		char *t = json_dumps(v, 0);
		fail_msg("attendu NULL (%s), obtenu %s", socle_strerror(code), t);
	}
	assert_int_equal(err->code, code);
	assert_non_null(strstr(err->msg, "tracking.v1"));
	*err = (socle_err)SOCLE_ERR_INIT;
}

/* ---- the import ---- */

static void test_import(void **state)
{
	(void)state;
	assert_ptr_equal(T, &tracking_v1_api);
	assert_ptr_equal(socle_import_for(W.svc, T), T);
	assert_non_null(T->worker_visits);
	assert_non_null(T->company_visits);
	assert_non_null(T->company_sir);
	assert_non_null(T->job_adjustments);
}

/* An importer that needs a larger table (built against a later tracking.v1)
 * stops the deployment, naming both plugins. */
static void test_import_too_old(void **state)
{
	static const struct socle_plugin_desc *const statics[] = {
		&socle_plugin_entry_tracking, &socle_plugin_entry_tfuture, NULL};
	char *dir = fs_tempdir("tracking-service-old");
	(void)state;

	socle_core *core = test_core_open(dir, CONFIG("\"tfuture\": {}"), statics);
	assert_null(core);
	test_core_close(NULL, dir);
}

/* ---- a worker's visits ---- */

static const char *const visits_keys[] = {"worker_id", "company_id", "held", "due"};
static const char *const held_keys[] = {"request_id", "type", "label", "held_on", "role",
                                        "document", "next_visit_on", "kept_from_employer"};

static void test_worker_visits(void **state)
{
	socle_err err = SOCLE_ERR_INIT;
	(void)state;

	/* Worker 1: three visits, newest first; its next visits as computed. */
	json_t *v = clean(T->worker_visits(reader(), 1, false, &err));
	if (v == NULL)
		fail_msg("%s", err.msg);
	has_exactly(v, visits_keys, SOCLE_COUNT(visits_keys));
	assert_int_equal(num(v, "worker_id"), 1);
	assert_int_equal(num(v, "company_id"), 1);
	json_t *h = json_object_get(v, "held");
	assert_int_equal(json_array_size(h), 3);
	json_t *last = json_array_get(h, 0);
	has_exactly(last, held_keys, SOCLE_COUNT(held_keys));
	assert_int_equal(num(last, "request_id"), 3);
	assert_string_equal(str(last, "type"), "vip_periodique");
	assert_string_equal(str(last, "label"),
	                    "Renouvellement de la visite d'information et de prévention");
	assert_string_equal(str(last, "held_on"), "2025-05-05");
	assert_string_equal(str(last, "role"), "medecin");
	assert_string_equal(str(last, "document"), "attestation");
	assert_string_equal(str(last, "next_visit_on"), "2028-05-05");
	assert_true(json_is_false(json_object_get(last, "kept_from_employer")));
	assert_string_equal(str(json_array_get(h, 1), "held_on"), "2024-03-01");
	assert_true(json_is_null(json_object_get(json_array_get(h, 1), "next_visit_on")));
	assert_string_equal(str(json_array_get(h, 2), "type"), "vip_initiale");
	json_t *due = json_object_get(v, "due");
	static const char *const due_keys[] = {"visits", "next_type", "next_due", "overdue",
	                                       "error"};
	has_exactly(due, due_keys, SOCLE_COUNT(due_keys));
	/* The engine's answer: the renewal at most five years after the last
	 * VIP (R4624-16; no protocol was set for this worker). */
	assert_string_equal(str(due, "next_type"), "vip_periodique");
	assert_string_equal(str(due, "next_due"), "2030-05-05");
	assert_int_equal(num(due, "overdue"), 0);
	assert_true(json_is_null(json_object_get(due, "error")));
	json_t *first = json_array_get(json_object_get(due, "visits"), 0);
	assert_string_equal(str(first, "type"), "vip_periodique");
	assert_true(json_is_false(json_object_get(first, "overdue")));
	json_decref(v);

	/* Worker 2: avis d'aptitude; never computed: due is null. */
	v = clean(T->worker_visits(reader(), 2, true, &err));
	assert_non_null(v);
	assert_string_equal(str(json_array_get(json_object_get(v, "held"), 0), "document"),
	                    "avis_aptitude");
	assert_true(json_is_null(json_object_get(v, "due")));
	json_decref(v);
	v = clean(T->worker_visits(reader(), 4, false, &err));
	assert_string_equal(str(json_array_get(json_object_get(v, "held"), 0), "document"),
	                    "avis_inaptitude");
	json_decref(v);

	/* Worker 3: nothing yet. */
	v = clean(T->worker_visits(reader(), 3, false, &err));
	assert_int_equal(json_array_size(json_object_get(v, "held")), 0);
	json_decref(v);
}

static void test_worker_visits_kept_from_employer(void **state)
{
	socle_err err = SOCLE_ERR_INIT;
	(void)state;

	/* Worker 6 as the service sees it: the pré-reprise (no document for the
	 * employer) and the worker's own request marked. */
	json_t *v = clean(T->worker_visits(reader(), 6, false, &err));
	json_t *h = json_object_get(v, "held");
	assert_int_equal(json_array_size(h), 3);
	assert_int_equal(num(json_array_get(h, 0), "request_id"), 10);
	assert_true(json_is_false(json_object_get(json_array_get(h, 0), "kept_from_employer")));
	assert_int_equal(num(json_array_get(h, 1), "request_id"), 9);
	assert_true(json_is_true(json_object_get(json_array_get(h, 1), "kept_from_employer")));
	assert_int_equal(num(json_array_get(h, 2), "request_id"), 8);
	assert_true(json_is_true(json_object_get(json_array_get(h, 2), "kept_from_employer")));
	assert_true(json_is_null(json_object_get(json_array_get(h, 2), "document")));
	json_decref(v);

	/* As an employer may see it: the employer's own request only. */
	v = clean(T->worker_visits(reader(), 6, true, &err));
	h = json_object_get(v, "held");
	assert_int_equal(json_array_size(h), 1);
	assert_int_equal(num(json_array_get(h, 0), "request_id"), 10);
	json_decref(v);
}

static void test_worker_visits_errors(void **state)
{
	socle_err err = SOCLE_ERR_INIT;
	(void)state;

	expect_null(T->worker_visits(reader(), 8, false, &err), &err, SOCLE_E_NOTFOUND);
	expect_null(T->worker_visits(reader(), 0, false, &err), &err, SOCLE_E_NOTFOUND);
	expect_null(T->worker_visits(reader(), -4, true, &err), &err, SOCLE_E_NOTFOUND);
	expect_null(T->worker_visits(NULL, 1, false, &err), &err, SOCLE_E_INVAL);
}

/* ---- a company's visits by type and year ---- */

static void by_type_is(json_t *v, int64_t company, int year, const char *const *types,
                       const int *counts, size_t n, int total)
{
	static const char *const keys[] = {"company_id", "year", "total", "by_type"};

	assert_non_null(clean(v));
	has_exactly(v, keys, SOCLE_COUNT(keys));
	assert_int_equal(num(v, "company_id"), company);
	assert_int_equal(num(v, "year"), year);
	assert_int_equal(num(v, "total"), total);
	json_t *bt = json_object_get(v, "by_type");
	assert_int_equal(json_array_size(bt), n);
	for (size_t i = 0; i < n; i++) {
		static const char *const tk[] = {"type", "label", "held"};
		json_t *e = json_array_get(bt, i);

		has_exactly(e, tk, SOCLE_COUNT(tk));
		assert_string_equal(str(e, "type"), types[i]);
		assert_string_equal(str(e, "label"), tracking_visit_type(types[i])->label);
		assert_int_equal(num(e, "held"), counts[i]);
	}
	json_decref(v);
}

static void test_company_visits(void **state)
{
	socle_err err = SOCLE_ERR_INIT;
	(void)state;

	/* 2025, company 1: the two visits kept from the employer not counted;
	 * company 2's visit neither. In the order of the visit types. */
	static const char *const t2025[] = {"vip_periodique", "ema_periodique",
	                                    "visite_a_la_demande"};
	static const int n2025[] = {1, 1, 1};
	by_type_is(T->company_visits(reader(), 1, 2025, &err), 1, 2025, t2025, n2025, 3, 3);
	/* 2024: a gone worker's visit counts in the year it was held. */
	static const char *const t2024[] = {"vip_periodique", "ema_initial", "visite_intermediaire"};
	static const int n2024[] = {1, 1, 1};
	by_type_is(T->company_visits(reader(), 1, 2024, &err), 1, 2024, t2024, n2024, 3, 3);
	/* The year's edges: 2019-12-31 belongs to 2019, not 2020. */
	static const char *const t2019[] = {"vip_initiale"};
	static const int n2019[] = {1};
	by_type_is(T->company_visits(reader(), 1, 2019, &err), 1, 2019, t2019, n2019, 1, 1);
	by_type_is(T->company_visits(reader(), 1, 2020, &err), 1, 2020, NULL, NULL, 0, 0);
	static const char *const t2b[] = {"vip_initiale"};
	by_type_is(T->company_visits(reader(), 2, 2025, &err), 2, 2025, t2b, n2019, 1, 1);
	by_type_is(T->company_visits(reader(), 3, 2025, &err), 3, 2025, NULL, NULL, 0, 0);

	expect_null(T->company_visits(reader(), 1, 1999, &err), &err, SOCLE_E_INVAL);
	expect_null(T->company_visits(reader(), 1, 2201, &err), &err, SOCLE_E_INVAL);
	by_type_is(T->company_visits(reader(), 1, 2200, &err), 1, 2200, NULL, NULL, 0, 0);
	expect_null(T->company_visits(reader(), 4, 2025, &err), &err, SOCLE_E_NOTFOUND);
	expect_null(T->company_visits(reader(), 0, 2025, &err), &err, SOCLE_E_NOTFOUND);
	expect_null(T->company_visits(NULL, 1, 2025, &err), &err, SOCLE_E_INVAL);
}

/* ---- SIR declared and observed ---- */

static void sir_is(int64_t company, int workers, int declared, int observed, int both,
                   int declared_only, int observed_only)
{
	static const char *const keys[] = {"company_id", "workers", "declared", "observed",
	                                   "declared_observed", "declared_only", "observed_only"};
	socle_err err = SOCLE_ERR_INIT;
	json_t *v = clean(T->company_sir(reader(), company, &err));

	if (v == NULL)
		fail_msg("%s", err.msg);
	has_exactly(v, keys, SOCLE_COUNT(keys));
	assert_int_equal(num(v, "company_id"), company);
	assert_int_equal(num(v, "workers"), workers);
	assert_int_equal(num(v, "declared"), declared);
	assert_int_equal(num(v, "observed"), observed);
	assert_int_equal(num(v, "declared_observed"), both);
	assert_int_equal(num(v, "declared_only"), declared_only);
	assert_int_equal(num(v, "observed_only"), observed_only);
	json_decref(v);
}

static void test_company_sir(void **state)
{
	socle_err err = SOCLE_ERR_INIT;
	(void)state;

	/* Employed today: 1, 2, 3, 4, 6, 7 (5 left; 7's CDD runs to 2026).
	 * Declared SIR: 2, 3, 7. Seen at a SIR visit: 2, 4, 7. */
	sir_is(1, 6, 3, 3, 2, 1, 1);
	sir_is(2, 1, 0, 0, 0, 0, 0);
	sir_is(3, 0, 0, 0, 0, 0, 0);
	expect_null(T->company_sir(reader(), 4, &err), &err, SOCLE_E_NOTFOUND);
	expect_null(T->company_sir(reader(), -1, &err), &err, SOCLE_E_NOTFOUND);
	expect_null(T->company_sir(NULL, 1, &err), &err, SOCLE_E_INVAL);
}

/* ---- the job-adjustment proposals ---- */

static const char *const adj_keys[] = {"adjustment_id", "outcome_id", "request_id", "worker_id",
                                       "company_id", "visit_type", "held_on", "kind",
                                       "description", "status", "proposed_on",
                                       "kept_from_employer"};

/* A page of proposals: the seed's proposals @p idx, then the cursor. */
static void adj_page_is(json_t *page, const size_t *idx, size_t n, bool cursor)
{
	assert_non_null(clean(page));
	assert_int_equal(json_object_size(page), 2);
	json_t *items = json_object_get(page, "items"), *next = json_object_get(page, "next_cursor");
	assert_int_equal(json_array_size(items), n);
	for (size_t i = 0; i < n; i++) {
		json_t *a = json_array_get(items, i);

		has_exactly(a, adj_keys, SOCLE_COUNT(adj_keys));
		assert_int_equal(num(a, "adjustment_id"), adjustment_ids[idx[i]]);
		assert_int_equal(num(a, "request_id"), proposals[idx[i]].request);
		assert_int_equal(num(a, "outcome_id"), proposals[idx[i]].request);
		assert_string_equal(str(a, "kind"), proposals[idx[i]].kind);
		assert_string_equal(str(a, "description"), proposals[idx[i]].description);
		assert_string_equal(str(a, "status"), "proposed");
	}
	assert_non_null(next);
	if (cursor) {
		char want[24];

		snprintf(want, sizeof(want), "%lld", (long long)adjustment_ids[idx[n - 1]]);
		assert_string_equal(json_string_value(next), want);
	} else {
		assert_true(json_is_null(next));
	}
	json_decref(page);
}

static void test_job_adjustments(void **state)
{
	socle_err err = SOCLE_ERR_INIT;
	static const size_t first[] = {0, 1}, rest[] = {2}, all[] = {0, 1, 2}, w6[] = {1},
	                    b[] = {3};
	(void)state;

	json_t *p = T->job_adjustments(reader(), 1, 0, 0, 10, &err);
	json_t *a = json_array_get(json_object_get(p, "items"), 1);
	/* The pré-reprise's proposal: marked, with the visit it came from. */
	assert_int_equal(num(a, "worker_id"), 6);
	assert_int_equal(num(a, "company_id"), 1);
	assert_string_equal(str(a, "visit_type"), "pre_reprise");
	assert_string_equal(str(a, "held_on"), "2025-03-10");
	assert_string_equal(str(a, "proposed_on"), "2025-03-10");
	assert_true(json_is_true(json_object_get(a, "kept_from_employer")));
	assert_true(json_is_false(json_object_get(json_array_get(json_object_get(p, "items"), 0),
	                                          "kept_from_employer")));
	adj_page_is(p, all, 3, false);

	/* Pages of two: a cursor on the full page, none after the last. */
	adj_page_is(T->job_adjustments(reader(), 1, 0, 0, 2, &err), first, 2, true);
	adj_page_is(T->job_adjustments(reader(), 1, 0, adjustment_ids[1], 2, &err), rest, 1, false);
	adj_page_is(T->job_adjustments(reader(), 1, 0, adjustment_ids[2], 2, &err), NULL, 0, false);
	/* One worker; another company; a company without any. */
	adj_page_is(T->job_adjustments(reader(), 1, 6, 0, 500, &err), w6, 1, false);
	adj_page_is(T->job_adjustments(reader(), 1, 3, 0, 500, &err), NULL, 0, false);
	adj_page_is(T->job_adjustments(reader(), 2, 0, 0, 1, &err), b, 1, true);
	adj_page_is(T->job_adjustments(reader(), 3, 0, 0, 1, &err), NULL, 0, false);

	expect_null(T->job_adjustments(reader(), 1, 0, 0, 0, &err), &err, SOCLE_E_INVAL);
	expect_null(T->job_adjustments(reader(), 1, 0, 0, 501, &err), &err, SOCLE_E_INVAL);
	expect_null(T->job_adjustments(reader(), 1, 0, -1, 10, &err), &err, SOCLE_E_INVAL);
	expect_null(T->job_adjustments(reader(), 1, -6, 0, 10, &err), &err, SOCLE_E_INVAL);
	expect_null(T->job_adjustments(reader(), 4, 0, 0, 10, &err), &err, SOCLE_E_NOTFOUND);
	expect_null(T->job_adjustments(reader(), 0, 0, 0, 10, &err), &err, SOCLE_E_NOTFOUND);
	/* Worker 9 is company 2's; worker 8 does not exist. */
	expect_null(T->job_adjustments(reader(), 1, 9, 0, 10, &err), &err, SOCLE_E_NOTFOUND);
	expect_null(T->job_adjustments(reader(), 1, 8, 0, 10, &err), &err, SOCLE_E_NOTFOUND);
	expect_null(T->job_adjustments(NULL, 1, 0, 0, 10, &err), &err, SOCLE_E_INVAL);
}

/* The writer inside a write transaction sees its own writes (then rolls
 * back: the function returns an error on purpose). */
static int own_writes_txn(socle_db *wdb, void *ud, socle_err *err)
{
	int *seen = ud;

	if (socle_db_exec(wdb, "INSERT INTO tracking_job_adjustment (outcome_id, request_id,"
	                  " worker_id, company_id, kind, description, status, proposed_on,"
	                  " proposed_by, created_at) VALUES (2, 2, 1, 1, 'autre', 'Pause', 'proposed',"
	                  " '2024-03-01', 1, 0)", err) != 0)
		return SOCLE_E_STORE;
	json_t *p = T->job_adjustments(wdb, 1, 1, 0, 10, err);
	json_t *v = T->company_visits(wdb, 1, 2024, err);

	*seen = (int)json_array_size(json_object_get(p, "items")) * 10 + (int)num(v, "total");
	json_decref(p);
	json_decref(v);
	return socle_err_set(err, SOCLE_E_CONFLICT, "annulé par le test");
}

static void test_writer_sees_own_writes(void **state)
{
	socle_err err = SOCLE_ERR_INIT;
	int seen = 0;
	(void)state;

	assert_int_equal(socle_service_write(W.svc, own_writes_txn, &seen, &err), SOCLE_E_CONFLICT);
	assert_int_equal(seen, 13);
	/* Rolled back: worker 1 has no proposal. */
	json_t *p = T->job_adjustments(reader(), 1, 1, 0, 10, &err);
	assert_int_equal(json_array_size(json_object_get(p, "items")), 0);
	json_decref(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_import),
		cmocka_unit_test(test_worker_visits),
		cmocka_unit_test(test_worker_visits_kept_from_employer),
		cmocka_unit_test(test_worker_visits_errors),
		cmocka_unit_test(test_company_visits),
		cmocka_unit_test(test_company_sir),
		cmocka_unit_test(test_job_adjustments),
		cmocka_unit_test(test_writer_sees_own_writes),
	};
	/* Alone, once the first deployment is closed: the plugins' globals are
	 * set again by each core's init. */
	const struct CMUnitTest startup[] = {
		cmocka_unit_test(test_import_too_old),
	};
	int failed = cmocka_run_group_tests(tests, setup, teardown);

	return failed + cmocka_run_group_tests(startup, NULL, NULL);
}
