/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* membership.v1 (<socle/membership.h>) as another plugin sees it: a small
 * plugin linked statically beside membership, which requires it and imports
 * the table in its init, the way tracking will. On a core opened in-process
 * (frozen on 3 Nov 2025), four companies (two members, one rejected, one that
 * left), employer users with their roles, workers declared and changed
 * through the workforce's own writers; then each member of the table:
 * values and exact shapes, SOCLE_E_NOTFOUND for unknown ids, argument checks,
 * pages (next_cursor null on the last page, a full one included), the
 * streaming reader (stopping early, agreeing with the count), the contacts
 * (the membership contact first, addresses once), the employer users by role,
 * the category's history, employer_may for each role, and the writer inside
 * a transaction seeing its own writes. */
#include <socle/membership.h> /* first: the public header compiles on its own */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core_world.h"
#include "fsutil.h"
#include "membership.h"

extern const struct socle_plugin_desc socle_plugin_entry_membership;

/* ---- the importer: what tracking's init does ---- */

static const struct membership_v1 *M;

static int probe_init(socle_plugin *p, socle_err *err)
{
	M = socle_plugin_import(p, MEMBERSHIP_V1_NAME, MEMBERSHIP_V1_MAJOR, sizeof(*M), 0, err);
	return M != NULL ? 0 : err->code;
}

static const char *const probe_requires[] = {"membership", NULL};

SOCLE_PLUGIN_DEFINE(mprobe,
	.version = "1.0.0",
	.summary = "Lecteur de membership.v1 (test)",
	.requires = probe_requires,
	.init = probe_init);

/* ---- the world ---- */

enum { A1, A2, A3, A4, A5, N_A };

static struct {
	char *dir;
	socle_core *core;
	socle_service *svc;
	int64_t a, b, rejected, left;  /* companies */
	int64_t wa[N_A], wb[2];        /* workers of a and b */
} W;

/* Users of company a: 101 every role (the contact's address, in capitals),
 * 102 convocation, 103 billing, 104 declaration and billing (103's address). */
#define U_ALL 101
#define U_CONVOCATION 102
#define U_BILLING 103
#define U_SHARED 104

static socle_db *reader(void)
{
	socle_err err = SOCLE_ERR_INIT;
	socle_db *db = socle_service_reader(W.svc, &err);

	if (db == NULL)
		fail_msg("reader: %s", err.msg);
	return db;
}

static int64_t add_company(socle_db *wdb, const char *status, const char *siret,
                           const char *name, const char *contact, const char *email,
                           const char *number, const char *joined, const char *left,
                           socle_err *err)
{
	json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?}", "ref", siret,
	                      "status", status, "siret", siret, "name", name, "contact", contact,
	                      "email", email, "number", number, "joined", joined, "left", left);
	int rc = socle_db_run(wdb,
		"INSERT INTO membership_company (reference, member_number, status, siret, siren,"
		" legal_name, naf_code, naf_version, headcount, address_line, postcode, city,"
		" contact_name, contact_email, contact_phone, exposures, followup_counts,"
		" prevention_answers, payment_mode, joined_on, left_on, created_at, updated_at)"
		" VALUES (:ref, :number, :status, :siret, substr(:siret, 1, 9), :name, '10.71C',"
		" 'NAFrev2', 8, '12 rue des Lilas', '69003', 'Lyon', :contact, :email,"
		" '04 72 00 00 00', '[]', '{}', '{}', 'transfer', :joined, :left, 0, 0)", p, err);

	json_decref(p);
	return rc < 0 ? rc : socle_db_last_insert_id(wdb);
}

static int add_user(socle_db *wdb, int64_t company, int64_t user, const char *email,
                    const char *name, int admin, int declaration, int convocation, int billing,
                    socle_err *err)
{
	json_t *p = json_pack("{s:I, s:I, s:s, s:s, s:i, s:i, s:i, s:i}", "company",
	                      (json_int_t)company, "user", (json_int_t)user, "email", email, "name",
	                      name, "a", admin, "d", declaration, "c", convocation, "b", billing);
	int rc = socle_db_run(wdb,
		"INSERT INTO membership_company_user (company_id, user_id, email, name, role_admin,"
		" role_declaration, role_convocation, role_billing, invited_at)"
		" VALUES (:company, :user, :email, :name, :a, :d, :c, :b, 0)", p, err);

	json_decref(p);
	return rc < 0 ? rc : 0;
}

/* Declare a worker through the workforce's writer (category, history, event):
 * @p extra (JSON text, may be NULL) adds or overrides declared fields. */
static int64_t declare(socle_db *wdb, int64_t company, const char *ref, const char *last,
                       const char *first, const char *extra, const char *on, const char *source,
                       socle_err *err)
{
	json_t *in = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "external_ref", ref,
	                       "last_name", last, "first_name", first, "birth_date", "1985-05-20",
	                       "job_title", "Boulanger", "contract_type", "cdi", "start_date",
	                       "2015-09-01");
	json_t *more = extra ? json_loads(extra, 0, NULL) : json_object();

	json_object_update(in, more);
	json_decref(more);
	json_t *w = membership_worker_normalize(in, NULL);
	int64_t id = 0;
	int rc = membership_worker_insert(wdb, NULL, company, w, on, source, &id, err);

	json_decref(w);
	json_decref(in);
	return rc < 0 ? rc : id;
}

#define TRY(x)                                                                               \
	do {                                                                                     \
		int64_t r_ = (x);                                                                    \
		if (r_ < 0)                                                                          \
			return (int)r_;                                                                  \
	} while (0)

static int world_tx(socle_db *wdb, void *ud, socle_err *err)
{
	(void)ud;
	TRY(W.a = add_company(wdb, "member", "73282932000074", "Boulangerie Martin",
	                      "Camille Martin", "camille@martin.test", "A202500001", "2025-01-15",
	                      NULL, err));
	TRY(W.b = add_company(wdb, "member", "44306184100005", "Garage Durand", "Dominique Durand",
	                      "dominique@durand.test", "A202500002", "2025-02-01", NULL, err));
	TRY(W.rejected = add_company(wdb, "rejected", "55210055400013", "Refusée SARL", "R. Fus",
	                             "r@refusee.test", NULL, NULL, NULL, err));
	TRY(W.left = add_company(wdb, "left", "40483304800022", "Partie SAS", "P. Artie",
	                         "p@partie.test", "A202400007", "2024-01-01", "2025-06-30", err));
	/* Company a declared two establishments (its seat and a shop), b none. */
	TRY(socle_db_run_new(wdb, "INSERT INTO membership_establishment (company_id, siret, name,"
	                     " address_line, postcode, city, headcount, created_at) VALUES"
	                     " (:c, '73282932000074', 'Siège', '12 rue des Lilas', '69003', 'Lyon', 5,"
	                     " 0),"
	                     " (:c, '73282932000082', NULL, '4 place Bellecour', '69002', 'Lyon', 3, 0)",
	                     json_pack("{s:I}", "c", (json_int_t)W.a), err));
	TRY(add_user(wdb, W.a, U_ALL, "Camille@Martin.TEST", "Camille Martin", 1, 1, 1, 1, err));
	TRY(add_user(wdb, W.a, U_CONVOCATION, "convoc@martin.test", "Claude Convoc", 0, 0, 1, 0,
	             err));
	TRY(add_user(wdb, W.a, U_BILLING, "paie@martin.test", "Alex Paie", 0, 0, 0, 1, err));
	TRY(add_user(wdb, W.a, U_SHARED, "Paie@Martin.test", "Sam Compta", 0, 1, 0, 1, err));

	TRY(W.wa[A1] = declare(wdb, W.a, "a1", "Martin", "Louise", NULL, "2025-01-15", "import",
	                       err));
	TRY(W.wa[A2] = declare(wdb, W.a, "a2", "Petit", "Jules", "{\"night_worker\": true}",
	                       "2025-02-03", "api", err));
	TRY(W.wa[A3] = declare(wdb, W.a, "a3", "Roux", "Inès", "{\"exposures\": [\"amiante\"]}",
	                       "2025-02-03", "api", err));
	TRY(W.wa[A4] = declare(wdb, W.a, "a4", "Blanc", "Hugo",
	                       "{\"contract_type\": \"cdd\", \"start_date\": \"2024-01-02\","
	                       " \"end_date\": \"2025-06-30\"}", "2025-02-03", "api", err));
	TRY(W.wa[A5] = declare(wdb, W.a, "a5", "Noir", "Léa",
	                       "{\"civility\": \"madame\", \"convocation_email\":"
	                       " \"lea.noir@perso.test\", \"convocation_mobile\": \"07 11 22 33 44\"}",
	                       "2025-02-03", "api", err));
	/* Léa works in the shop (company a's second establishment). */
	TRY(socle_db_run_new(wdb, "UPDATE membership_worker SET establishment_id = (SELECT MAX(id)"
	                     " FROM membership_establishment WHERE company_id = :c) WHERE id = :w",
	                     json_pack("{s:I, s:I}", "c", (json_int_t)W.a, "w",
	                               (json_int_t)W.wa[A5]), err));
	/* The assignment facts (issue 10 item 13): a2 moved to nights on 10 Feb
	 * 2025 (declared 3 Feb), a4 left the SIR on 1 Mar 2025 and retired. */
	TRY(socle_db_run_new(wdb, "UPDATE membership_worker SET assigned_on = '2025-02-10',"
	                     " assignment_declared_on = '2025-02-03' WHERE id = :w",
	                     json_pack("{s:I}", "w", (json_int_t)W.wa[A2]), err));
	TRY(socle_db_run_new(wdb, "UPDATE membership_worker SET sir_ended_on = '2025-03-01',"
	                     " end_reason = 'retraite' WHERE id = :w",
	                     json_pack("{s:I}", "w", (json_int_t)W.wa[A4]), err));
	TRY(W.wb[0] = declare(wdb, W.b, "b1", "Durand", "Paul", NULL, "2025-02-03", "api", err));
	TRY(W.wb[1] = declare(wdb, W.b, "b2", "Durand", "Ana", NULL, "2025-02-03", "api", err));

	/* a1 takes an asbestos post on 3 Nov 2025: SI becomes SIR. */
	json_t *old = membership_worker_find(wdb, W.a, "a1", err);
	if (old == NULL)
		return err->code;
	json_t *change = json_pack("{s:[s]}", "exposures", "amiante");
	json_t *w = membership_worker_normalize(change, old);
	int rc = membership_worker_update(wdb, NULL, old, w, "2025-11-03", "api", err);

	json_decref(change);
	json_decref(w);
	json_decref(old);
	return rc < 0 ? rc : 0;
}

static int setup(void **state)
{
	static const struct socle_plugin_desc *const statics[] = {
		&socle_plugin_entry_membership, &socle_plugin_entry_mprobe, NULL};
	socle_err err = SOCLE_ERR_INIT;
	(void)state;

	W.dir = fs_tempdir("membership-service");
	W.core = test_core_open(W.dir,
	         "{\"listen\": \"127.0.0.1\", \"port\": 0, \"access_log\": \"access.log\","
	         " \"plugin_dirs\": [],"
	         " \"clock\": \"2025-11-03T09:00:00Z\","
	         " \"services\": [{\"id\": \"demo\", \"name\": \"Démo\", \"database\": \"demo.db\","
	         "   \"plugins\": {\"membership\": {}, \"mprobe\": {}}}]}",
	                        statics);
	if (W.core == NULL || M == NULL)
		return -1;
	W.svc = socle_core_service(W.core, "demo");
	if (socle_service_write(W.svc, world_tx, NULL, &err) != 0) {
		fprintf(stderr, "world: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_core_close(W.core, W.dir);
	M = NULL;
	return 0;
}

/* ---- helpers ---- */

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

static const char *const worker_keys[] = {
	"id", "company_id", "external_ref", "last_name", "first_name", "birth_date", "job_title",
	"contract_type", "start_date", "end_date", "working_time", "night_worker", "rqth",
	"invalidity_pension", "exposures", "sir_post", "caces_or_electrical", "ionising_category_a",
	"minor_regulated_work", "category", "category_review_on", "end_reason", "assigned_on",
	"sir_ended_on",
};

static void expect_null(json_t *v, socle_err *err, int code)
{
	if (v != NULL) {
		char *t = json_dumps(v, 0);
		fail_msg("attendu NULL (%s), obtenu %s", socle_strerror(code), t);
	}
	assert_int_equal(err->code, code);
	assert_true(err->msg[0] != '\0');
}

/* ---- the import ---- */

static void test_import(void **state)
{
	(void)state;
	/* The table imported is the one membership exports, whole. */
	assert_ptr_equal(M, &membership_v1_api);
	assert_ptr_equal(socle_import_for(W.svc, M), M);
	assert_non_null(M->worker_get);
	assert_non_null(M->company_workers);
	assert_non_null(M->workers_each);
	assert_non_null(M->workers_count);
	assert_non_null(M->company_get);
	assert_non_null(M->company_exists);
	assert_non_null(M->company_contacts);
	assert_non_null(M->company_employers);
	assert_non_null(M->worker_category);
	assert_non_null(M->employer_may);
	assert_non_null(M->companies_each);
}

/* ---- workers ---- */

static void test_worker_get(void **state)
{
	socle_err err = SOCLE_ERR_INIT;
	(void)state;

	json_t *w = M->worker_get(reader(), W.wa[A3], &err);
	if (w == NULL)
		fail_msg("%s", err.msg);
	has_exactly(w, worker_keys, SOCLE_COUNT(worker_keys));
	assert_int_equal(num(w, "id"), W.wa[A3]);
	assert_int_equal(num(w, "company_id"), W.a);
	assert_string_equal(str(w, "external_ref"), "a3");
	assert_string_equal(str(w, "last_name"), "Roux");
	assert_string_equal(str(w, "first_name"), "Inès");
	assert_string_equal(str(w, "birth_date"), "1985-05-20");
	assert_string_equal(str(w, "job_title"), "Boulanger");
	assert_string_equal(str(w, "contract_type"), "cdi");
	assert_string_equal(str(w, "start_date"), "2015-09-01");
	assert_true(json_is_null(json_object_get(w, "end_date")));
	assert_int_equal(num(w, "working_time"), 100);
	assert_true(json_is_false(json_object_get(w, "night_worker")));
	json_t *exposures = json_object_get(w, "exposures");
	assert_true(json_is_array(exposures));
	assert_int_equal(json_array_size(exposures), 1);
	assert_string_equal(json_string_value(json_array_get(exposures, 0)), "amiante");
	assert_string_equal(str(w, "category"), "SIR");
	json_decref(w);

	/* Another worker: the values are its own. */
	w = M->worker_get(reader(), W.wa[A4], &err);
	assert_non_null(w);
	assert_string_equal(str(w, "contract_type"), "cdd");
	assert_string_equal(str(w, "end_date"), "2025-06-30");
	json_decref(w);
	w = M->worker_get(reader(), W.wa[A2], &err);
	assert_non_null(w);
	assert_true(json_is_true(json_object_get(w, "night_worker")));
	assert_string_equal(str(w, "category"), "SIA");
	assert_int_equal(json_array_size(json_object_get(w, "exposures")), 0);
	json_decref(w);

	err = (socle_err)SOCLE_ERR_INIT;
	expect_null(M->worker_get(reader(), W.wb[1] + 1000, &err), &err, SOCLE_E_NOTFOUND);
	err = (socle_err)SOCLE_ERR_INIT;
	expect_null(M->worker_get(reader(), 0, &err), &err, SOCLE_E_NOTFOUND);
}

/* The ids of a page's items, and its cursor (NULL when null). */
static void page_is(json_t *page, const int64_t *ids, size_t n, const char *cursor)
{
	assert_non_null(page);
	assert_int_equal(json_object_size(page), 2);
	json_t *items = json_object_get(page, "items"), *next = json_object_get(page, "next_cursor");
	assert_int_equal(json_array_size(items), n);
	for (size_t i = 0; i < n; i++) {
		json_t *w = json_array_get(items, i);

		has_exactly(w, worker_keys, SOCLE_COUNT(worker_keys));
		assert_int_equal(num(w, "id"), ids[i]);
	}
	assert_non_null(next);
	if (cursor == NULL) {
		assert_true(json_is_null(next));
	} else {
		assert_true(json_is_string(next));
		assert_string_equal(json_string_value(next), cursor);
	}
	json_decref(page);
}

static void test_company_workers_pages(void **state)
{
	socle_err err = SOCLE_ERR_INIT;
	char c1[24], c2[24];
	(void)state;

	snprintf(c1, sizeof(c1), "%lld", (long long)W.wa[A2]);
	snprintf(c2, sizeof(c2), "%lld", (long long)W.wa[A4]);
	page_is(M->company_workers(reader(), W.a, 0, 2, &err), W.wa, 2, c1);
	page_is(M->company_workers(reader(), W.a, W.wa[A2], 2, &err), W.wa + A3, 2, c2);
	page_is(M->company_workers(reader(), W.a, W.wa[A4], 2, &err), W.wa + A5, 1, NULL);
	/* A full last page has no next page either. */
	page_is(M->company_workers(reader(), W.a, 0, N_A, &err), W.wa, N_A, NULL);
	page_is(M->company_workers(reader(), W.a, 0, 500, &err), W.wa, N_A, NULL);
}

static void test_company_workers_other_company_and_errors(void **state)
{
	socle_err err = SOCLE_ERR_INIT;
	char c[24];
	(void)state;

	/* One company's workers only; none for a company without any. */
	snprintf(c, sizeof(c), "%lld", (long long)W.wb[0]);
	page_is(M->company_workers(reader(), W.b, 0, 1, &err), W.wb, 1, c);
	page_is(M->company_workers(reader(), W.b, W.wb[0], 1, &err), W.wb + 1, 1, NULL);
	page_is(M->company_workers(reader(), W.rejected, 0, 10, &err), NULL, 0, NULL);

	expect_null(M->company_workers(reader(), W.a, 0, 0, &err), &err, SOCLE_E_INVAL);
	assert_non_null(strstr(err.msg, "limit"));
	err = (socle_err)SOCLE_ERR_INIT;
	expect_null(M->company_workers(reader(), W.a, 0, 501, &err), &err, SOCLE_E_INVAL);
	err = (socle_err)SOCLE_ERR_INIT;
	expect_null(M->company_workers(reader(), W.a, -1, 10, &err), &err, SOCLE_E_INVAL);
	err = (socle_err)SOCLE_ERR_INIT;
	expect_null(M->company_workers(reader(), W.left + 1000, 0, 10, &err), &err,
	            SOCLE_E_NOTFOUND);
}

struct seen {
	int64_t ids[32];
	size_t n;
	size_t stop_after; /* 0: never */
	bool sizes_ok, ordered;
	json_t *rows;      /* id (text) -> the fields read */
};

static json_t *text_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static int collect(const struct membership_worker_row *w, void *ud)
{
	struct seen *s = ud;

	s->sizes_ok = s->sizes_ok && w->size == sizeof(struct membership_worker_row);
	s->ordered = s->ordered && (s->n == 0 || w->id > s->ids[s->n - 1]);
	if (s->n < SOCLE_COUNT(s->ids))
		s->ids[s->n] = w->id;
	s->n++;
	if (s->rows != NULL) {
		char key[24];

		snprintf(key, sizeof(key), "%lld", (long long)w->id);
		json_object_set_new(s->rows, key, json_pack(
			"{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:b, s:b, s:I,"
			" s:o, s:o, s:o, s:o}",
			"company_id", (json_int_t)w->company_id, "last_name", text_or_null(w->last_name),
			"first_name", text_or_null(w->first_name), "birth_date",
			text_or_null(w->birth_date), "job_title", text_or_null(w->job_title),
			"contract_type", text_or_null(w->contract_type), "start_date",
			text_or_null(w->start_date), "end_date", text_or_null(w->end_date), "category",
			text_or_null(w->category), "exposures", text_or_null(w->exposures),
			"night_worker", w->night_worker, "sir_post", w->sir_post, "rqth", w->rqth,
			"establishment_id", (json_int_t)w->establishment_id,
			"assigned_on", text_or_null(w->assigned_on), "assignment_declared_on",
			text_or_null(w->assignment_declared_on), "sir_ended_on",
			text_or_null(w->sir_ended_on), "end_reason", text_or_null(w->end_reason)));
	}
	return s->stop_after != 0 && s->n == s->stop_after ? 42 : 0;
}

static void test_workers_each(void **state)
{
	socle_err err = SOCLE_ERR_INIT;
	(void)state;

	/* Every worker of the service, in id order, as many as the count. */
	struct seen all = {.sizes_ok = true, .ordered = true, .rows = json_object()};
	assert_int_equal(M->workers_each(reader(), 0, 0, collect, &all, &err), 0);
	assert_int_equal(all.n, N_A + 2);
	assert_true(all.sizes_ok);
	assert_true(all.ordered);
	assert_int_equal(M->workers_count(reader(), 0, &err), (int64_t)all.n);

	/* The fields of a row. */
	char key[24];
	snprintf(key, sizeof(key), "%lld", (long long)W.wa[A3]);
	json_t *a3 = json_object_get(all.rows, key);
	assert_non_null(a3);
	assert_int_equal(num(a3, "company_id"), W.a);
	assert_string_equal(str(a3, "last_name"), "Roux");
	assert_string_equal(str(a3, "first_name"), "Inès");
	assert_string_equal(str(a3, "birth_date"), "1985-05-20");
	assert_string_equal(str(a3, "job_title"), "Boulanger");
	assert_string_equal(str(a3, "contract_type"), "cdi");
	assert_string_equal(str(a3, "start_date"), "2015-09-01");
	assert_true(json_is_null(json_object_get(a3, "end_date")));
	assert_string_equal(str(a3, "category"), "SIR");
	assert_string_equal(str(a3, "exposures"), "[\"amiante\"]");
	assert_true(json_is_false(json_object_get(a3, "night_worker")));
	snprintf(key, sizeof(key), "%lld", (long long)W.wa[A2]);
	assert_true(json_is_true(json_object_get(json_object_get(all.rows, key), "night_worker")));
	assert_string_equal(str(json_object_get(all.rows, key), "category"), "SIA");
	assert_string_equal(str(json_object_get(all.rows, key), "assigned_on"), "2025-02-10");
	assert_string_equal(str(json_object_get(all.rows, key), "assignment_declared_on"),
	                    "2025-02-03");
	assert_true(json_is_null(json_object_get(a3, "assigned_on")));
	assert_true(json_is_null(json_object_get(a3, "end_reason")));
	snprintf(key, sizeof(key), "%lld", (long long)W.wa[A4]);
	assert_string_equal(str(json_object_get(all.rows, key), "end_date"), "2025-06-30");
	assert_string_equal(str(json_object_get(all.rows, key), "sir_ended_on"), "2025-03-01");
	assert_string_equal(str(json_object_get(all.rows, key), "end_reason"), "retraite");
	snprintf(key, sizeof(key), "%lld", (long long)W.wb[1]);
	assert_int_equal(num(json_object_get(all.rows, key), "company_id"), W.b);
	/* The establishment: the shop's id for Léa, 0 for a worker with none. */
	assert_int_equal(num(a3, "establishment_id"), 0);
	snprintf(key, sizeof(key), "%lld", (long long)W.wa[A5]);
	json_t *shop = socle_db_query_one_new(reader(), "SELECT MAX(id) AS id FROM"
	                                      " membership_establishment WHERE company_id = :c",
	                                      json_pack("{s:I}", "c", (json_int_t)W.a), &err);
	assert_non_null(shop);
	assert_true(num(shop, "id") > 0);
	assert_int_equal(num(json_object_get(all.rows, key), "establishment_id"), num(shop, "id"));
	json_decref(shop);
	json_decref(all.rows);

	/* One company, agreeing with its count. */
	struct seen a = {.sizes_ok = true, .ordered = true};
	assert_int_equal(M->workers_each(reader(), W.a, 0, collect, &a, &err), 0);
	assert_int_equal(a.n, N_A);
	assert_memory_equal(a.ids, W.wa, sizeof(W.wa));
	assert_int_equal(M->workers_count(reader(), W.a, &err), N_A);
	assert_int_equal(M->workers_count(reader(), W.b, &err), 2);
	assert_int_equal(M->workers_count(reader(), W.rejected, &err), 0);

	/* After an id: the rest only. */
	struct seen rest = {.sizes_ok = true, .ordered = true};
	assert_int_equal(M->workers_each(reader(), W.a, W.wa[A2], collect, &rest, &err), 0);
	assert_int_equal(rest.n, 3);
	assert_memory_equal(rest.ids, W.wa + A3, 3 * sizeof(int64_t));

	/* The reader stops when fn says so, and its value comes back as is. */
	struct seen two = {.sizes_ok = true, .ordered = true, .stop_after = 2};
	assert_int_equal(M->workers_each(reader(), 0, 0, collect, &two, &err), 42);
	assert_int_equal(two.n, 2);
	assert_int_equal(two.ids[1], W.wa[A2]);

	/* Errors. */
	struct seen none = {.sizes_ok = true, .ordered = true};
	err = (socle_err)SOCLE_ERR_INIT;
	assert_int_equal(M->workers_each(reader(), W.left + 1000, 0, collect, &none, &err),
	                 SOCLE_E_NOTFOUND);
	assert_int_equal(none.n, 0);
	err = (socle_err)SOCLE_ERR_INIT;
	assert_int_equal(M->workers_each(reader(), 0, 0, NULL, NULL, &err), SOCLE_E_INVAL);
	err = (socle_err)SOCLE_ERR_INIT;
	assert_int_equal(M->workers_count(reader(), W.left + 1000, &err), SOCLE_E_NOTFOUND);
	assert_true(err.msg[0] != '\0');
}

/* The worker's civility and convocation contact: only through worker_contact,
 * never in worker_get (which other plugins read for everything else). */
static void test_worker_contact(void **state)
{
	static const char *const keys[] = {"civility", "email", "mobile"};
	socle_err err = SOCLE_ERR_INIT;
	(void)state;

	assert_non_null(M->worker_contact);
	json_t *c = M->worker_contact(reader(), W.wa[A5], &err);
	if (c == NULL)
		fail_msg("%s", err.msg);
	has_exactly(c, keys, SOCLE_COUNT(keys));
	assert_string_equal(str(c, "civility"), "madame");
	assert_string_equal(str(c, "email"), "lea.noir@perso.test");
	assert_string_equal(str(c, "mobile"), "+33711223344"); /* as the SMS service writes it */
	json_decref(c);
	json_t *w = M->worker_get(reader(), W.wa[A5], &err);
	assert_non_null(w);
	has_exactly(w, worker_keys, SOCLE_COUNT(worker_keys));
	char *dump = json_dumps(w, 0);
	assert_null(strstr(dump, "perso.test"));
	assert_null(strstr(dump, "33711223344"));
	free(dump);
	json_decref(w);
	/* None declared: nulls. */
	c = M->worker_contact(reader(), W.wa[A3], &err);
	assert_non_null(c);
	has_exactly(c, keys, SOCLE_COUNT(keys));
	assert_true(json_is_null(json_object_get(c, "civility")));
	assert_true(json_is_null(json_object_get(c, "email")));
	assert_true(json_is_null(json_object_get(c, "mobile")));
	json_decref(c);
	expect_null(M->worker_contact(reader(), 999999, &err), &err, SOCLE_E_NOTFOUND);
	expect_null(M->worker_contact(NULL, W.wa[A5], &err), &err, SOCLE_E_INVAL);
}

/* ---- companies ---- */

static void test_company_establishments(void **state)
{
	static const char *const keys[] = {"establishment_id", "siret", "name", "address_line",
	                                   "postcode", "city", "headcount"};
	socle_err err = SOCLE_ERR_INIT;
	(void)state;

	assert_non_null(M->company_establishments);
	json_t *list = M->company_establishments(reader(), W.a, &err);
	if (list == NULL)
		fail_msg("%s", err.msg);
	assert_int_equal(json_array_size(list), 2);
	json_t *seat = json_array_get(list, 0), *shop = json_array_get(list, 1);
	has_exactly(seat, keys, SOCLE_COUNT(keys));
	has_exactly(shop, keys, SOCLE_COUNT(keys));
	assert_true(num(seat, "establishment_id") < num(shop, "establishment_id"));
	assert_string_equal(str(seat, "siret"), "73282932000074");
	assert_string_equal(str(seat, "name"), "Siège");
	assert_int_equal(num(seat, "headcount"), 5);
	assert_string_equal(str(shop, "siret"), "73282932000082");
	assert_true(json_is_null(json_object_get(shop, "name")));
	assert_string_equal(str(shop, "address_line"), "4 place Bellecour");
	assert_string_equal(str(shop, "postcode"), "69002");
	assert_string_equal(str(shop, "city"), "Lyon");
	assert_int_equal(num(shop, "headcount"), 3);
	json_decref(list);

	/* None declared: an empty list, not an error. */
	list = M->company_establishments(reader(), W.b, &err);
	assert_non_null(list);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
	err = (socle_err)SOCLE_ERR_INIT;
	expect_null(M->company_establishments(reader(), W.left + 1000, &err), &err,
	            SOCLE_E_NOTFOUND);
	expect_null(M->company_establishments(NULL, W.a, &err), &err, SOCLE_E_INVAL);
}

/* What companies_each hands out, copied (the row is borrowed). */
struct company_seen {
	int64_t id[8], headcount[8], establishments[8];
	char status[8][12], naf[8][8], name[8][40];
	bool joined[8], left[8];
	size_t n;
	int stop_after; /* 0: never */
};

static int collect_company(const struct membership_company_row *c, void *ud)
{
	struct company_seen *s = ud;

	assert_int_equal(c->size, sizeof(*c));
	assert_true(s->n < 8);
	s->id[s->n] = c->id;
	s->headcount[s->n] = c->headcount;
	s->establishments[s->n] = c->establishments;
	snprintf(s->status[s->n], sizeof(s->status[0]), "%s", c->status);
	snprintf(s->naf[s->n], sizeof(s->naf[0]), "%s", c->naf_code);
	snprintf(s->name[s->n], sizeof(s->name[0]), "%s", c->legal_name);
	assert_int_equal(strlen(c->siret), 14);
	assert_string_equal(c->city, "Lyon");
	s->joined[s->n] = c->joined_on != NULL;
	s->left[s->n] = c->left_on != NULL;
	s->n++;
	return s->stop_after && (int)s->n == s->stop_after ? 42 : 0;
}

static void test_companies_each(void **state)
{
	socle_err err = SOCLE_ERR_INIT;
	(void)state;

	assert_non_null(M->companies_each);
	/* Every company, in id order, whatever its status. */
	struct company_seen all = {0};
	assert_int_equal(M->companies_each(reader(), NULL, 0, collect_company, &all, &err), 0);
	assert_int_equal(all.n, 4);
	assert_int_equal(all.id[0], W.a);
	assert_int_equal(all.id[1], W.b);
	assert_int_equal(all.id[2], W.rejected);
	assert_int_equal(all.id[3], W.left);
	assert_string_equal(all.name[0], "Boulangerie Martin");
	assert_string_equal(all.naf[0], "10.71C");
	assert_int_equal(all.headcount[0], 8);
	assert_int_equal(all.establishments[0], 2); /* the seat and the shop */
	assert_int_equal(all.establishments[1], 0);
	assert_true(all.joined[0] && !all.left[0]);
	assert_string_equal(all.status[2], "rejected");
	assert_true(!all.joined[2]);
	assert_true(all.joined[3] && all.left[3]);

	/* The members only: a and b, company b without establishments. */
	struct company_seen members = {0};
	assert_int_equal(M->companies_each(reader(), "member", 0, collect_company, &members, &err),
	                 0);
	assert_int_equal(members.n, 2);
	assert_int_equal(members.id[0], W.a);
	assert_int_equal(members.id[1], W.b);
	assert_string_equal(members.status[1], "member");

	/* After an id; a reader that stops gets its own value back. */
	struct company_seen rest = {0};
	assert_int_equal(M->companies_each(reader(), NULL, W.b, collect_company, &rest, &err), 0);
	assert_int_equal(rest.n, 2);
	assert_int_equal(rest.id[0], W.rejected);
	struct company_seen one = {.stop_after = 1};
	assert_int_equal(M->companies_each(reader(), NULL, 0, collect_company, &one, &err), 42);
	assert_int_equal(one.n, 1);

	/* Errors: an unknown status, a negative cursor, no reader function, no db. */
	struct company_seen none = {0};
	err = (socle_err)SOCLE_ERR_INIT;
	assert_int_equal(M->companies_each(reader(), "adherent", 0, collect_company, &none, &err),
	                 SOCLE_E_INVAL);
	assert_non_null(strstr(err.msg, "statut"));
	assert_int_equal(M->companies_each(reader(), NULL, -1, collect_company, &none, &err),
	                 SOCLE_E_INVAL);
	assert_int_equal(M->companies_each(reader(), NULL, 0, NULL, NULL, &err), SOCLE_E_INVAL);
	assert_int_equal(M->companies_each(NULL, NULL, 0, collect_company, &none, &err),
	                 SOCLE_E_INVAL);
	assert_int_equal(none.n, 0);
}

static void test_company_get_and_exists(void **state)
{
	static const char *const keys[] = {
		"id", "reference", "member_number", "status", "siret", "legal_name", "naf_code",
		"headcount", "address_line", "postcode", "city", "joined_on", "left_on", "contact",
	};
	socle_err err = SOCLE_ERR_INIT;
	(void)state;

	json_t *c = M->company_get(reader(), W.a, &err);
	if (c == NULL)
		fail_msg("%s", err.msg);
	has_exactly(c, keys, SOCLE_COUNT(keys));
	assert_int_equal(num(c, "id"), W.a);
	assert_string_equal(str(c, "status"), "member");
	assert_string_equal(str(c, "member_number"), "A202500001");
	assert_string_equal(str(c, "siret"), "73282932000074");
	assert_string_equal(str(c, "legal_name"), "Boulangerie Martin");
	assert_string_equal(str(c, "naf_code"), "10.71C");
	assert_int_equal(num(c, "headcount"), 8);
	assert_string_equal(str(c, "address_line"), "12 rue des Lilas");
	assert_string_equal(str(c, "postcode"), "69003");
	assert_string_equal(str(c, "city"), "Lyon");
	assert_string_equal(str(c, "joined_on"), "2025-01-15");
	assert_true(json_is_null(json_object_get(c, "left_on")));
	json_t *contact = json_object_get(c, "contact");
	assert_int_equal(json_object_size(contact), 3);
	assert_string_equal(str(contact, "name"), "Camille Martin");
	assert_string_equal(str(contact, "email"), "camille@martin.test");
	assert_string_equal(str(contact, "phone"), "04 72 00 00 00");
	json_decref(c);

	c = M->company_get(reader(), W.left, &err);
	assert_non_null(c);
	assert_string_equal(str(c, "status"), "left");
	assert_string_equal(str(c, "left_on"), "2025-06-30");
	json_decref(c);
	c = M->company_get(reader(), W.rejected, &err);
	assert_non_null(c);
	assert_string_equal(str(c, "status"), "rejected");
	assert_true(json_is_null(json_object_get(c, "member_number")));
	json_decref(c);
	err = (socle_err)SOCLE_ERR_INIT;
	expect_null(M->company_get(reader(), W.left + 1000, &err), &err, SOCLE_E_NOTFOUND);

	/* Whatever the status; no error for an unknown one, just 0. */
	err = (socle_err)SOCLE_ERR_INIT;
	assert_int_equal(M->company_exists(reader(), W.a, &err), 1);
	assert_int_equal(M->company_exists(reader(), W.rejected, &err), 1);
	assert_int_equal(M->company_exists(reader(), W.left, &err), 1);
	assert_int_equal(M->company_exists(reader(), W.left + 1000, &err), 0);
	assert_int_equal(M->company_exists(reader(), 0, &err), 0);
	assert_int_equal(err.code, 0);
}

/* Each entry of @p list: its kind and its address, in order. */
static void contacts_are(json_t *list, socle_err *err, const char *expect)
{
	if (list == NULL)
		fail_msg("%s", err->msg);
	char got[512] = "";
	size_t i;
	json_t *e;

	json_array_foreach(list, i, e) {
		bool contact = strcmp(str(e, "kind"), "contact") == 0;

		/* The contact has a phone and no user id; a user the reverse. */
		assert_int_equal(json_object_size(e), 4);
		assert_true(contact ? json_object_get(e, "phone") != NULL
		                    : json_is_integer(json_object_get(e, "user_id")));
		assert_non_null(json_object_get(e, "name"));
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s:%s", i ? " " : "",
		         str(e, "kind"), str(e, "email"));
	}
	if (strcmp(got, expect) != 0)
		fail_msg("attendu « %s »\nobtenu  « %s »", expect, got);
	json_decref(list);
}

static void test_company_contacts(void **state)
{
	socle_err err = SOCLE_ERR_INIT;
	(void)state;

	/* 101 has the contact's address (other case): it is the contact. 104
	 * shares 103's: once, for the first. */
	contacts_are(M->company_contacts(reader(), W.a, NULL, &err), &err,
	             "contact:camille@martin.test user:convoc@martin.test user:paie@martin.test");
	contacts_are(M->company_contacts(reader(), W.a, MEMBERSHIP_EMPLOYER_BILLING, &err), &err,
	             "contact:camille@martin.test user:paie@martin.test");
	contacts_are(M->company_contacts(reader(), W.a, MEMBERSHIP_EMPLOYER_CONVOCATION, &err),
	             &err, "contact:camille@martin.test user:convoc@martin.test");
	contacts_are(M->company_contacts(reader(), W.a, MEMBERSHIP_EMPLOYER_ADMIN, &err), &err,
	             "contact:camille@martin.test");
	/* Which user is it? The first holding the address. */
	json_t *l = M->company_contacts(reader(), W.a, MEMBERSHIP_EMPLOYER_DECLARATION, &err);
	assert_int_equal(json_array_size(l), 2);
	assert_int_equal(num(json_array_get(l, 1), "user_id"), U_SHARED);
	assert_string_equal(str(json_array_get(l, 0), "name"), "Camille Martin");
	json_decref(l);
	contacts_are(M->company_contacts(reader(), W.b, NULL, &err), &err,
	             "contact:dominique@durand.test");

	err = (socle_err)SOCLE_ERR_INIT;
	expect_null(M->company_contacts(reader(), W.a, "facturation", &err), &err, SOCLE_E_INVAL);
	assert_non_null(strstr(err.msg, "rôle employeur inconnu"));
	err = (socle_err)SOCLE_ERR_INIT;
	expect_null(M->company_contacts(reader(), W.left + 1000, NULL, &err), &err,
	            SOCLE_E_NOTFOUND);
}

/* "user_id:role,role user_id:role..." of a company_employers answer. */
static void employers_are(json_t *list, socle_err *err, const char *expect)
{
	if (list == NULL)
		fail_msg("%s", err->msg);
	char got[512] = "";
	size_t i, k;
	json_t *e, *r;

	json_array_foreach(list, i, e) {
		assert_int_equal(json_object_size(e), 4);
		assert_non_null(str(e, "name"));
		assert_non_null(str(e, "email"));
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%lld:", i ? " " : "",
		         (long long)num(e, "user_id"));
		json_array_foreach(json_object_get(e, "roles"), k, r)
			snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", k ? "," : "",
			         json_string_value(r));
	}
	if (strcmp(got, expect) != 0)
		fail_msg("attendu « %s »\nobtenu  « %s »", expect, got);
	json_decref(list);
}

static void test_company_employers(void **state)
{
	socle_err err = SOCLE_ERR_INIT;
	(void)state;

	employers_are(M->company_employers(reader(), W.a, NULL, &err), &err,
	              "101:admin,declaration,convocation,billing 102:convocation 103:billing "
	              "104:declaration,billing");
	employers_are(M->company_employers(reader(), W.a, MEMBERSHIP_EMPLOYER_CONVOCATION, &err),
	              &err, "101:admin,declaration,convocation,billing 102:convocation");
	employers_are(M->company_employers(reader(), W.a, MEMBERSHIP_EMPLOYER_ADMIN, &err), &err,
	              "101:admin,declaration,convocation,billing");
	employers_are(M->company_employers(reader(), W.b, NULL, &err), &err, "");
	json_t *l = M->company_employers(reader(), W.a, MEMBERSHIP_EMPLOYER_CONVOCATION, &err);
	assert_string_equal(str(json_array_get(l, 1), "email"), "convoc@martin.test");
	assert_string_equal(str(json_array_get(l, 1), "name"), "Claude Convoc");
	json_decref(l);

	err = (socle_err)SOCLE_ERR_INIT;
	expect_null(M->company_employers(reader(), W.a, "administrateur", &err), &err,
	            SOCLE_E_INVAL);
	err = (socle_err)SOCLE_ERR_INIT;
	expect_null(M->company_employers(reader(), W.left + 1000, NULL, &err), &err,
	            SOCLE_E_NOTFOUND);
}

/* ---- category and rights ---- */

static void test_worker_category(void **state)
{
	socle_err err = SOCLE_ERR_INIT;
	(void)state;

	json_t *c = M->worker_category(reader(), W.wa[A1], &err);
	if (c == NULL)
		fail_msg("%s", err.msg);
	assert_int_equal(json_object_size(c), 5);
	assert_string_equal(str(c, "category"), "SIR");
	assert_true(json_is_array(json_object_get(c, "reasons")));
	assert_true(json_array_size(json_object_get(c, "reasons")) > 0);
	assert_true(json_is_array(json_object_get(c, "basis")));
	assert_non_null(json_object_get(c, "review_on"));
	/* Newest first: the change to SIR, then SI as declared. */
	json_t *h = json_object_get(c, "history");
	assert_int_equal(json_array_size(h), 2);
	assert_string_equal(str(json_array_get(h, 0), "category"), "SIR");
	assert_string_equal(str(json_array_get(h, 0), "changed_on"), "2025-11-03");
	assert_string_equal(str(json_array_get(h, 0), "source"), "api");
	assert_string_equal(str(json_array_get(h, 1), "category"), "SI");
	assert_string_equal(str(json_array_get(h, 1), "changed_on"), "2025-01-15");
	assert_string_equal(str(json_array_get(h, 1), "source"), "import");
	assert_int_equal(json_object_size(json_array_get(h, 0)), 3);
	json_decref(c);

	/* Never changed: the category it was declared with. */
	c = M->worker_category(reader(), W.wa[A2], &err);
	assert_non_null(c);
	assert_string_equal(str(c, "category"), "SIA");
	h = json_object_get(c, "history");
	assert_int_equal(json_array_size(h), 1);
	assert_string_equal(str(json_array_get(h, 0), "category"), "SIA");
	assert_string_equal(str(json_array_get(h, 0), "changed_on"), "2025-02-03");
	json_decref(c);

	err = (socle_err)SOCLE_ERR_INIT;
	expect_null(M->worker_category(reader(), W.wb[1] + 1000, &err), &err, SOCLE_E_NOTFOUND);
}

static void test_employer_may(void **state)
{
	static const char *const all[] = {MEMBERSHIP_EMPLOYER_ADMIN, MEMBERSHIP_EMPLOYER_DECLARATION,
	                                  MEMBERSHIP_EMPLOYER_CONVOCATION,
	                                  MEMBERSHIP_EMPLOYER_BILLING};
	static const struct {
		int64_t user;
		int may[4]; /* admin, declaration, convocation, billing */
	} cases[] = {
		{U_ALL, {1, 1, 1, 1}},
		{U_CONVOCATION, {0, 0, 1, 0}},
		{U_BILLING, {0, 0, 0, 1}},
		{U_SHARED, {0, 1, 0, 1}},
		{999, {0, 0, 0, 0}}, /* not a user of the company */
	};
	socle_err err = SOCLE_ERR_INIT;
	(void)state;

	for (size_t i = 0; i < SOCLE_COUNT(cases); i++)
		for (size_t r = 0; r < SOCLE_COUNT(all); r++) {
			int got = M->employer_may(reader(), cases[i].user, W.a, all[r], &err);

			if (got != cases[i].may[r])
				fail_msg("utilisateur %lld, rôle %s : %d au lieu de %d (%s)",
				         (long long)cases[i].user, all[r], got, cases[i].may[r], err.msg);
		}
	/* Another company, an unknown one: no. */
	assert_int_equal(M->employer_may(reader(), U_ALL, W.b, MEMBERSHIP_EMPLOYER_ADMIN, &err), 0);
	assert_int_equal(M->employer_may(reader(), U_ALL, W.left + 1000,
	                                 MEMBERSHIP_EMPLOYER_ADMIN, &err), 0);
	assert_int_equal(err.code, 0);
	/* The routes' spelling is not the interface's. */
	assert_int_equal(M->employer_may(reader(), U_BILLING, W.a, "facturation", &err),
	                 SOCLE_E_INVAL);
	assert_non_null(strstr(err.msg, "facturation"));
	err = (socle_err)SOCLE_ERR_INIT;
	assert_int_equal(M->employer_may(reader(), U_BILLING, W.a, NULL, &err), SOCLE_E_INVAL);
}

/* ---- the writer inside its transaction ---- */

struct inside {
	int64_t worker;
	json_t *seen;
	int64_t count;
};

static int inside_tx(socle_db *wdb, void *ud, socle_err *err)
{
	struct inside *in = ud;

	in->worker = declare(wdb, W.b, "b3", "Durand", "Zoé", NULL, "2025-11-03", "api", err);
	if (in->worker < 0)
		return (int)in->worker;
	in->seen = M->worker_get(wdb, in->worker, err);
	in->count = M->workers_count(wdb, W.b, err);
	return socle_err_set(err, SOCLE_E_CONFLICT, "annulé par le test");
}

static void test_writer_sees_its_writes(void **state)
{
	struct inside in = {0};
	socle_err err = SOCLE_ERR_INIT;
	(void)state;

	assert_int_equal(socle_service_write(W.svc, inside_tx, &in, &err), SOCLE_E_CONFLICT);
	assert_true(in.worker > 0);
	assert_non_null(in.seen);
	assert_string_equal(str(in.seen, "external_ref"), "b3");
	assert_int_equal(in.count, 3);
	json_decref(in.seen);
	/* Rolled back: readers never saw it. */
	err = (socle_err)SOCLE_ERR_INIT;
	assert_int_equal(M->workers_count(reader(), W.b, &err), 2);
	expect_null(M->worker_get(reader(), in.worker, &err), &err, SOCLE_E_NOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_import),
		cmocka_unit_test(test_worker_get),
		cmocka_unit_test(test_company_workers_pages),
		cmocka_unit_test(test_company_workers_other_company_and_errors),
		cmocka_unit_test(test_workers_each),
		cmocka_unit_test(test_company_get_and_exists),
		cmocka_unit_test(test_companies_each),
		cmocka_unit_test(test_company_establishments),
		cmocka_unit_test(test_worker_contact),
		cmocka_unit_test(test_company_contacts),
		cmocka_unit_test(test_company_employers),
		cmocka_unit_test(test_worker_category),
		cmocka_unit_test(test_employer_may),
		cmocka_unit_test(test_writer_sees_its_writes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
