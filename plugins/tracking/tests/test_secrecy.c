/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Medical secrecy in tracking (issue 10, items 1 and 2), through the real
 * `socle serve` with a frozen clock (2025-06-02T08:00:00Z, 10:00 in Lyon; 14:35 once
 * the first visits began; then 2025-06-11T12:00:00Z and 15:45:00Z, the day of the
 * later ones, before and after they begin):
 *   1. the worker's opposition (L4624-8) binds every route that returns
 *      medical content, not only GET /tracking/dmst: the documents of a visit
 *      (JSON and HTML), the reason of a request the worker gave, the access
 *      list; the médecin keeps them; each refusal audited;
 *   2. a pré-reprise (R4624-29, R4624-30) and a visite à la demande the worker
 *      asked for (R4624-34) are kept from the employer: no convocation,
 *      reminder or cancellation mailed to the company, no request, document
 *      (but an avis d'inaptitude), listing or count that shows them. Marker
 *      strings planted in the medical notes of outcomes, in an ordonnance and
 *      in the reasons of the workers' requests appear in no mail, no job or
 *      event payload, and in no answer of any GET route the employer's
 *      session can call (every GET route of the core and the plugins, found
 *      in their sources, is walked). */
#include <dirent.h>
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
#include "mime.h"
#include "server.h"
#include "tracking_world.h"

/* Every marker starts with this: none may reach the employer nor any mail. */
#define SECRET "SECRET-"

static int setup_http(void **state)
{
	(void)state;
	json_t *cfg = world_config("2025-06-02T08:00:00Z");

	/* The job-retention plugin too: its routes are walked as the employer's
	 * (issue 17: a pré-reprise is never shown to the employer there either). */
	json_object_set_new(json_object_get(json_array_get(json_object_get(cfg, "services"), 0),
	                                    "plugins"), "retention", json_object());

	if (test_deploy_create(&D, "tracking-secrecy", cfg) != 0)
		return -1;
	json_decref(cfg);
	user_add("admin@svc.test", "service_admin", STAFF_PASSWORD, NULL);
	user_add("medecin@svc.test", "medecin", STAFF_PASSWORD, NULL);
	user_add("infirmier@svc.test", "infirmier", STAFF_PASSWORD, NULL);
	user_add("assistant@svc.test", "assistant_medical", STAFF_PASSWORD, NULL);
	return test_server_start_deploy(&S, &D);
}

/* What the tests share: the company, its workers, the requests. */
static struct {
	json_int_t company, w1, w2, w3, w4, leave;
	json_int_t r1;  /* the employer's VIP of Léa, held by the infirmier */
	json_int_t r2;  /* Léa's own visite à la demande (hidden) */
	json_int_t rp;  /* Marc's pré-reprise (hidden) */
	json_int_t ad;  /* Zoé's visite à la demande (hidden), ends in an avis d'inaptitude */
	json_int_t ad2; /* Hugo's visite à la demande (hidden), cancelled and queued again */
	json_int_t emp_ad; /* the employer's visite à la demande for Hugo (visible) */
	json_int_t pro_inf, pro_med;
} T;

/* Any request, raw (@p body may be NULL): the status and the body of the
 * reply (owned, "" when none). */
static char *raw_body(const char *auth, const char *method, const char *path, const char *body,
                      int *status)
{
	const char *headers[] = {auth, body ? "Content-Type: application/json" : NULL, NULL};
	struct hc_response r = {0};

	*status = 0;
	if (hc_request(S.port, method, path, headers, body, body ? strlen(body) : 0, &r) != 0)
		fail_msg("%s %s : pas de réponse", method, path);
	*status = r.status;
	char *out = strdup(r.body ? r.body : "");
	hc_response_free(&r);
	return out;
}

static char *raw(const char *auth, const char *method, const char *path, int *status)
{
	return raw_body(auth, method, path, NULL, status);
}

/* The text of the PDF @p auth reads at @p url (200 expected), by pdftotext. */
static char *pdf_text(const char *auth, const char *url)
{
	const char *headers[] = {auth, NULL};
	struct hc_response r = {0};
	char *file = fs_join(D.dir, "walk.pdf"), cmd[600], *out = NULL;

	if (hc_request(S.port, "GET", url, headers, NULL, 0, &r) != 0 || r.status != 200 ||
	    strcmp(hc_header(&r, "Content-Type"), "application/pdf") != 0)
		fail_msg("GET %s : %d, pas de PDF", url, r.status);
	FILE *f = fopen(file, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(r.body, 1, r.body_len, f), r.body_len);
	fclose(f);
	hc_response_free(&r);
	snprintf(cmd, sizeof(cmd), "pdftotext -enc UTF-8 '%s' -", file);
	assert_int_equal(fs_run(cmd, &out), 0);
	free(file);
	return out;
}

static json_int_t request(const char *auth, json_t *body)
{
	json_t *r = expect(201, auth, "POST", "/api/v1/svc/tracking/visit-requests", body);
	json_int_t id = id_of(r);

	json_decref(r);
	return id;
}

static json_int_t user_id(const char *email)
{
	return db_count("SELECT id FROM core_user WHERE email = '%s'", email);
}

static bool has(const json_t *r, const char *needle)
{
	char *dump = json_dumps(r, JSON_COMPACT);
	bool found = dump && strstr(dump, needle) != NULL;

	free(dump);
	return found;
}

static void wait_sql(long long want, const char *sql)
{
	long long n = -1;

	for (int tries = 0; tries < 200 && (n = db_count("%s", sql)) < want; tries++)
		usleep(50000);
	if (n < want)
		fail_msg("%s : %lld au lieu d'au moins %lld", sql, n, want);
}

static void wait_none(const char *sql)
{
	long long n = -1;

	for (int tries = 0; tries < 200 && (n = db_count("%s", sql)) != 0; tries++)
		usleep(50000);
	if (n != 0)
		fail_msg("%s : %lld au lieu de 0", sql, n);
}

/* ---- 1. the worker's opposition binds every route of medical content ---- */

static void test_opposition(void **state)
{
	char *staff = login("admin@svc.test", STAFF_PASSWORD), *emp = NULL, path[256];
	char *med = login("medecin@svc.test", STAFF_PASSWORD);
	char *inf = login("infirmier@svc.test", STAFF_PASSWORD);
	char *asst = login("assistant@svc.test", STAFF_PASSWORD);
	json_t *r;
	int status;
	(void)state;

	T.company = member_company(staff, "81234567600017", "Électricité Garnier",
	                           "ines@garnier.test", &emp);
	T.w1 = worker(staff, T.company, "G-001", "Roux", "Léa");
	char extra[64];
	snprintf(extra, sizeof(extra), "--worker %lld", (long long)T.w1);
	user_add("lea.roux@mail.test", "employee", WORKER_PASSWORD, extra);
	char *lea = login("lea.roux@mail.test", WORKER_PASSWORD);

	r = expect(201, staff, "POST", "/api/v1/svc/tracking/professionals",
	           json_pack("{s:s, s:s}", "email", "infirmier@svc.test", "site", "Lyon"));
	T.pro_inf = json_integer_value(json_object_get(r, "user_id"));
	json_decref(r);
	r = expect(201, staff, "POST", "/api/v1/svc/tracking/professionals",
	           json_pack("{s:s, s:s}", "email", "medecin@svc.test", "site", "Lyon"));
	T.pro_med = json_integer_value(json_object_get(r, "user_id"));
	json_decref(r);
	r = expect(201, staff, "POST", "/api/v1/svc/tracking/slots",
	           json_pack("{s:I, s:s, s:i, s:i}", "professional_id", T.pro_inf, "starts_at",
	                     "2025-06-02T14:00", "duration_min", 30, "count", 2));
	json_int_t slot_1400 = id_of(json_array_get(json_object_get(r, "items"), 0));
	json_int_t slot_1430 = id_of(json_array_get(json_object_get(r, "items"), 1));
	json_decref(r);

	/* The employer's VIP, held today by the infirmier: notes, ordonnance. */
	T.r1 = request(emp, json_pack("{s:I, s:I, s:s}", "worker_id", T.w1, "company_id", T.company,
	                              "type", "vip_initiale"));
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/visit-requests/%lld/book",
	         (long long)T.r1);
	json_decref(expect(200, staff, "POST", path, json_pack("{s:I}", "slot_id", slot_1400)));
	/* A second visit at 14:30, whose notes the opposition will refuse below. */
	/* (asked by the médecin, who may see a worker sooner than the engine's
	 * calendar: issue 10 item 5) */
	json_int_t r1b = request(med, json_pack("{s:I, s:I, s:s}", "worker_id", T.w1, "company_id",
	                                        T.company, "type", "suivi_adapte"));
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/visit-requests/%lld/book", (long long)r1b);
	json_decref(expect(200, staff, "POST", path, json_pack("{s:I}", "slot_id", slot_1430)));
	/* 14:35 in Lyon: both visits have begun (no outcome before, issue 10 item 8). */
	restart_at("2025-06-02T12:35:00Z");
	free(staff), free(med), free(inf), free(asst), free(emp), free(lea);
	staff = login("admin@svc.test", STAFF_PASSWORD);
	med = login("medecin@svc.test", STAFF_PASSWORD);
	inf = login("infirmier@svc.test", STAFF_PASSWORD);
	asst = login("assistant@svc.test", STAFF_PASSWORD);
	emp = login("ines@garnier.test", EMPLOYER_PASSWORD);
	lea = login("lea.roux@mail.test", WORKER_PASSWORD);
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/visits/%lld/outcome", (long long)T.r1);
	json_decref(expect(201, inf, "POST", path,
	                   json_pack("{s:s, s:s, s:s, s:{s:[s], s:[s]}, s:[{s:s, s:s}]}", "held_on",
	                             "2025-06-02", "document", "attestation", "remarks",
	                             "Aucune restriction.", "ordonnance", "risks",
	                             SECRET "ORD-LEA", "advice", "Pauses régulières", "notes",
	                             "kind", "observation", "text", SECRET "NOTE-LEA")));
	/* Léa's own request, with a reason that touches on her health. */
	T.r2 = request(lea, json_pack("{s:I, s:I, s:s, s:s}", "worker_id", T.w1, "company_id",
	                              T.company, "type", "visite_a_la_demande", "reason",
	                              SECRET "MOTIF-LEA douleurs lombaires"));

	/* Before any opposition: the infirmier reads the ordonnance and the
	 * reason, each read traced as a medical access; staff who are not health
	 * professionals never read the reason. */
	char docs[6][96];
	static const char *const doc_names[] = {"attestation", "attestation.html", "ordonnance",
	                                        "ordonnance.html", "avis", "avis.html"};
	for (int i = 0; i < 6; i++)
		snprintf(docs[i], sizeof(docs[i]), "/api/v1/svc/tracking/visits/%lld/documents/%s",
		         (long long)T.r1, doc_names[i]);
	r = get(inf, "%s", docs[2]);
	assert_true(has(r, SECRET "ORD-LEA"));
	json_decref(r);
	char req2[128];
	snprintf(req2, sizeof(req2), "/api/v1/svc/tracking/visit-requests/%lld", (long long)T.r2);
	r = get(inf, "%s", req2);
	assert_true(has(r, SECRET "MOTIF-LEA"));
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit WHERE user_id = %lld"
	                          " AND action = 'dmst.request.read' AND outcome = 'ok'"
	                          " AND object_id = %lld", (long long)user_id("infirmier@svc.test"),
	                          (long long)T.w1), 1);
	r = get(asst, "%s", req2);
	assert_false(has(r, SECRET));
	assert_string_equal(json_string_value(json_object_get(r, "type")), "visite_a_la_demande");
	json_decref(r);
	r = get(staff, "%s", req2);
	assert_false(has(r, SECRET));
	json_decref(r);
	r = get(lea, "%s", req2);
	assert_true(has(r, SECRET "MOTIF-LEA"));
	json_decref(r);

	/* ---- the opposition ---- */
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/dmst/%lld", (long long)T.w1);
	r = expect(200, med, "PUT", path, json_pack("{s:b}", "opposition_other_professionals", 1));
	assert_true(json_is_true(json_object_get(r, "opposition_other_professionals")));
	json_decref(r);
	long long since = db_count("SELECT MAX(id) FROM core_audit");
	json_int_t inf_id = user_id("infirmier@svc.test");

	/* The infirmier: the file, each document (JSON and HTML), the access
	 * list: 403, audited with the reason; the request without its reason. */
	json_decref(expect(403, inf, "GET", path, NULL));
	for (int i = 0; i < 4; i++) {
		char *body = raw(inf, "GET", docs[i], &status);

		if (status != 403 || strstr(body, SECRET) != NULL)
			fail_msg("GET %s par l'infirmier après l'opposition : %d %s", docs[i], status, body);
		free(body);
	}
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/dmst/%lld/accesses", (long long)T.w1);
	json_decref(expect(403, inf, "GET", path, NULL));
	r = get(inf, "%s", req2);
	assert_false(has(r, SECRET));
	assert_string_equal(json_string_value(json_object_get(r, "type")), "visite_a_la_demande");
	json_decref(r);
	/* Notes of a visit the infirmier holds: they go to the file, refused. */
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/visits/%lld/outcome", (long long)r1b);
	json_decref(expect(403, inf, "POST", path,
	                   json_pack("{s:s, s:s, s:[{s:s, s:s}]}", "held_on", "2025-06-02",
	                             "document", "attestation", "notes", "kind", "observation",
	                             "text", SECRET "NOTE-REFUSEE")));
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_visit_outcome WHERE request_id = %lld",
	                          (long long)r1b), 0);
	/* Eight refusals, each audited with its reason; not one access let through. */
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit WHERE id > %lld AND user_id = %lld"
	                          " AND outcome = 'denied' AND detail LIKE '%%opposition%%'",
	                          since, (long long)inf_id), 8);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit WHERE id > %lld AND user_id = %lld"
	                          " AND outcome = 'ok' AND action LIKE 'dmst.%%'", since,
	                          (long long)inf_id), 0);

	/* The médecin keeps everything, traced. */
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/dmst/%lld", (long long)T.w1);
	r = get(med, "%s", path);
	assert_true(has(r, SECRET "NOTE-LEA"));
	json_decref(r);
	for (int i = 0; i < 4; i++) {
		char *body = raw(med, "GET", docs[i], &status);

		assert_int_equal(status, 200);
		if (i >= 2)
			assert_non_null(strstr(body, SECRET "ORD-LEA"));
		free(body);
	}
	r = get(med, "%s", req2);
	assert_true(has(r, SECRET "MOTIF-LEA"));
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit WHERE id > %lld"
	                          " AND user_id = %lld AND outcome = 'ok'"
	                          " AND action = 'dmst.document.read'", since,
	                          (long long)user_id("medecin@svc.test")), 4);
	/* The worker reads her documents and her request; the employer never
	 * reads her reason, nor even her request (item 2). */
	r = get(lea, "%s", docs[2]);
	assert_true(has(r, SECRET "ORD-LEA"));
	json_decref(r);
	char *body = raw(emp, "GET", req2, &status);
	assert_int_equal(status, 404);
	assert_null(strstr(body, SECRET));
	free(body);

	free(lea);
	free(asst);
	free(inf);
	free(med);
	free(emp);
	free(staff);
}

/* ---- 2. what the employer is told ---- */

/* Every GET route template of the core and of the plugins, from their
 * sources: a route added later is walked too, or this test fails. */
static json_t *get_routes(void)
{
	json_t *out = json_array(), *dirs = json_pack("[s]", "core");
	char *plugins = fs_join(SOCLE_SOURCE_DIR, "plugins");
	DIR *ph = opendir(plugins);

	assert_non_null(ph);
	for (struct dirent *de; (de = readdir(ph)) != NULL;)
		if (de->d_name[0] != '.' && strchr(de->d_name, '.') == NULL)
			json_array_append_new(dirs, json_sprintf("plugins/%s", de->d_name));
	closedir(ph);
	free(plugins);
	for (size_t d = 0; d < json_array_size(dirs); d++) {
		char *dir = fs_join(SOCLE_SOURCE_DIR, json_string_value(json_array_get(dirs, d)));
		DIR *dh = opendir(dir);

		assert_non_null(dh);
		for (struct dirent *de; (de = readdir(dh)) != NULL;) {
			size_t n = strlen(de->d_name);

			if (n < 3 || strcmp(de->d_name + n - 2, ".c") != 0)
				continue;
			char *file = fs_join(dir, de->d_name), line[1024];
			FILE *f = fopen(file, "r");

			assert_non_null(f);
			while (fgets(line, sizeof(line), f)) {
				char *g = strstr(line, "SOCLE_GET");
				char *q = g ? strstr(g, "\"/") : NULL;
				char *e = q ? strchr(q + 1, '"') : NULL;

				if (e == NULL)
					continue;
				*e = '\0';
				json_array_append_new(out, json_string(q + 1));
			}
			fclose(f);
			free(file);
		}
		closedir(dh);
		free(dir);
	}
	json_decref(dirs);
	assert_true(json_array_size(out) > 40);
	return out;
}

/* The values a path parameter takes in the walk, after segment @p prev. */
static json_t *values_of(const char *name, const char *prev)
{
	json_int_t reqs[] = {T.r1, T.r2, T.rp, T.ad, T.ad2, T.emp_ad};
	json_t *v = json_array();

	if (strcmp(name, "id") == 0 && strcmp(prev, "companies") == 0)
		json_array_append_new(v, json_integer(T.company));
	else if ((strcmp(name, "id") == 0 && strcmp(prev, "workers") == 0) ||
	         strcmp(name, "wid") == 0 || strcmp(name, "worker_id") == 0)
		json_array_append_new(v, json_pack("[I, I, I, I]", T.w1, T.w2, T.w3, T.w4));
	else if ((strcmp(name, "id") == 0 && strcmp(prev, "visit-requests") == 0) ||
	         strcmp(name, "request_id") == 0)
		for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++)
			json_array_append_new(v, json_integer(reqs[i]));
	else if (strcmp(name, "id") == 0 && strcmp(prev, "leaves") == 0)
		json_array_append_new(v, json_integer(T.leave));
	else if (strcmp(name, "doc") == 0)
		json_array_append_new(v, json_pack("[s, s, s, s, s, s, s, s, s]", "attestation",
		                                   "attestation.html", "avis", "avis.html",
		                                   "ordonnance", "ordonnance.html", "attestation.pdf",
		                                   "avis.pdf", "ordonnance.pdf"));
	else if (strcmp(name, "code") == 0 && strcmp(prev, "verify") == 0)
		json_array_append_new(v, json_string("ABCD-EFGH-JKMN-PQRS-TVWX")); /* made up */
	else if (strcmp(name, "id") == 0 && (strcmp(prev, "cases") == 0 ||
	                                     strcmp(prev, "studies") == 0))
		json_array_append_new(v, json_pack("[i, i]", 1, 2)); /* retention's */
	else if (strcmp(name, "id") == 0 && (strcmp(prev, "actions") == 0 ||
	                                     strcmp(prev, "sessions") == 0 ||
	                                     strcmp(prev, "cse-requests") == 0))
		json_array_append_new(v, json_integer(1)); /* awareness's (not enabled here: 404) */
	else if (strcmp(name, "token") == 0 &&
	         (strcmp(prev, "links") == 0 || strcmp(prev, "unsubscribe") == 0)) /* awareness's */
		json_array_append_new(v, json_string("0123456789abcdef0123456789abcdef"));
	else if ((strcmp(name, "id") == 0 && strcmp(prev, "instances") == 0) ||
	         strcmp(name, "iid") == 0)
		json_array_append_new(v, json_integer(1));
	else if (strcmp(name, "version") == 0 && strcmp(prev, "versions") == 0)
		json_array_append_new(v, json_integer(1)); /* riskeval: a fiche's version */
	else
		fail_msg("paramètre de route inconnu du parcours de l'employeur : {%s} après %s", name,
		         prev);
	/* flatten */
	json_t *flat = json_array();
	size_t i;
	json_t *x;
	json_array_foreach(v, i, x) {
		if (json_is_array(x))
			json_array_extend(flat, x);
		else
			json_array_append(flat, x);
	}
	json_decref(v);
	return flat;
}

/* Every concrete path of @p tmpl (its parameters replaced), into @p out. */
static void expand(const char *tmpl, json_t *out)
{
	const char *open = strchr(tmpl, '{');

	if (open == NULL) {
		json_array_append_new(out, json_string(tmpl));
		return;
	}
	const char *close = strchr(open, '}');
	char name[64], prev[64] = "";
	snprintf(name, sizeof(name), "%.*s", (int)(close - open - 1), open + 1);
	const char *slash = open - 1, *start = slash;
	while (start > tmpl && start[-1] != '/')
		start--;
	if (slash > tmpl)
		snprintf(prev, sizeof(prev), "%.*s", (int)(slash - start), start);
	json_t *vals = values_of(name, prev);
	size_t i;
	json_t *x;
	json_array_foreach(vals, i, x) {
		char next[512], v[64];

		if (json_is_integer(x))
			snprintf(v, sizeof(v), "%lld", (long long)json_integer_value(x));
		else
			snprintf(v, sizeof(v), "%s", json_string_value(x));
		snprintf(next, sizeof(next), "%.*s%s%s", (int)(open - tmpl), tmpl, v, close + 1);
		expand(next, out);
	}
	json_decref(vals);
}

static bool hidden_id(json_int_t id)
{
	return id == T.r2 || id == T.rp || id == T.ad || id == T.ad2;
}

static void test_employer(void **state)
{
	char *staff = login("admin@svc.test", STAFF_PASSWORD), path[256], extra[64];
	char *med = login("medecin@svc.test", STAFF_PASSWORD);
	char *emp = login("ines@garnier.test", EMPLOYER_PASSWORD);
	json_t *r;
	int status;
	(void)state;

	T.w2 = worker(staff, T.company, "G-002", "Petit", "Marc");
	T.w3 = worker(staff, T.company, "G-003", "Faure", "Zoé");
	T.w4 = worker(staff, T.company, "G-004", "Moreau", "Hugo");
	snprintf(extra, sizeof(extra), "--worker %lld", (long long)T.w2);
	user_add("marc.petit@mail.test", "employee", WORKER_PASSWORD, extra);
	snprintf(extra, sizeof(extra), "--worker %lld", (long long)T.w3);
	user_add("zoe.faure@mail.test", "employee", WORKER_PASSWORD, extra);
	snprintf(extra, sizeof(extra), "--worker %lld", (long long)T.w4);
	user_add("hugo.moreau@mail.test", "employee", WORKER_PASSWORD, extra);
	char *marc = login("marc.petit@mail.test", WORKER_PASSWORD);
	char *zoe = login("zoe.faure@mail.test", WORKER_PASSWORD);
	char *hugo = login("hugo.moreau@mail.test", WORKER_PASSWORD);

	/* Marc is on sick leave since 1 April (the employer declares it: he knows
	 * of the leave, not of what the worker asks during it). */
	r = expect(201, emp, "POST", "/api/v1/svc/tracking/leaves",
	           json_pack("{s:I, s:I, s:s, s:s, s:s}", "worker_id", T.w2, "company_id", T.company,
	                     "cause", "maladie", "start", "2025-04-01", "expected_end", "2025-07-31"));
	T.leave = id_of(r);
	json_decref(r);
	T.rp = request(marc, json_pack("{s:I, s:I, s:s, s:I, s:s}", "worker_id", T.w2, "company_id",
	                               T.company, "type", "pre_reprise", "leave_id", T.leave,
	                               "reason", SECRET "MOTIF-PR dépression"));
	T.ad = request(zoe, json_pack("{s:I, s:I, s:s, s:s}", "worker_id", T.w3, "company_id",
	                              T.company, "type", "visite_a_la_demande", "reason",
	                              SECRET "MOTIF-AD allergie"));
	T.ad2 = request(hugo, json_pack("{s:I, s:I, s:s, s:s, s:s}", "worker_id", T.w4, "company_id",
	                                T.company, "type", "visite_a_la_demande", "reason",
	                                SECRET "MOTIF-AD2 harcèlement", "due_before", "2025-06-30"));
	json_decref(expect(201, staff, "POST", "/api/v1/svc/tracking/slots",
	                   json_pack("{s:I, s:s, s:i, s:i}", "professional_id", T.pro_med,
	                             "starts_at", "2025-06-11T16:00", "duration_min", 30, "count",
	                             4)));
	r = expect(200, staff, "POST", "/api/v1/svc/tracking/assignments/run", json_object());
	assert_int_equal(json_integer_value(json_object_get(r, "scheduled")), 4);
	json_decref(r);

	/* The convocations go to the workers only; the pré-reprise's does not
	 * speak of working time to a worker on sick leave. */
	assert_int_equal(wait_mails("marc.petit@mail.test", "convocation",
	                            "Type de visite : Visite de pré-reprise", 1), 1);
	assert_int_equal(wait_mails("zoe.faure@mail.test", "convocation",
	                            "Type de visite : Visite à la demande", 1), 1);
	assert_int_equal(wait_mails("hugo.moreau@mail.test", "convocation",
	                            "Type de visite : Visite à la demande", 1), 1);
	assert_int_equal(wait_mails("lea.roux@mail.test", "convocation",
	                            "Type de visite : Visite à la demande", 1), 1);
	wait_none("SELECT COUNT(*) FROM core_job WHERE kind IN ('tracking.convocation', 'mail.send')"
	          " AND state <> 'done'");
	assert_int_equal(count_mails("marc.petit@mail.test", "convocation", "temps de travail"), 0);
	assert_int_equal(count_mails("marc.petit@mail.test", "convocation",
	                             "pendant votre arrêt de travail"), 1);
	assert_int_equal(count_mails("ines@garnier.test", "convocation", "pré-reprise"), 0);
	assert_int_equal(count_mails("ines@garnier.test", "convocation", "Visite à la demande"), 0);
	assert_int_equal(count_mails("ines@garnier.test", "convocation", "Petit"), 0);
	assert_int_equal(count_mails("ines@garnier.test", "convocation", "Faure"), 0);
	assert_int_equal(count_mails("ines@garnier.test", "convocation", "Moreau"), 0);
	/* No reminder is planned for the company's address for these visits. */
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_job WHERE kind = 'tracking.reminder'"
	                          " AND payload LIKE '%%ines@garnier.test%%'"), 0);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_job WHERE kind = 'tracking.reminder'"
	                          " AND payload LIKE '%%marc.petit@mail.test%%'"), 2);

	/* The employer cannot reach them by their ids: as if they did not exist. */
	json_int_t hidden[] = {T.r2, T.rp, T.ad, T.ad2};
	for (size_t i = 0; i < 4; i++) {
		char *body;

		snprintf(path, sizeof(path), "/api/v1/svc/tracking/visits/%lld/cancel",
		         (long long)hidden[i]);
		body = raw_body(emp, "POST", path, "{}", &status);
		assert_int_equal(status, 404);
		free(body);
		snprintf(path, sizeof(path), "/api/v1/svc/tracking/visit-requests/%lld/book",
		         (long long)hidden[i]);
		body = raw_body(emp, "POST", path, "{\"slot_id\": 1}", &status);
		assert_int_equal(status, 404);
		free(body);
	}
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_visit_request WHERE status ="
	                          " 'scheduled' AND id IN (%lld, %lld, %lld, %lld)", (long long)T.r2,
	                          (long long)T.rp, (long long)T.ad, (long long)T.ad2), 4);
	/* The employer asks for a visit of his own for Hugo: nothing tells him
	 * that Hugo asked for one already. */
	T.emp_ad = request(emp, json_pack("{s:I, s:I, s:s}", "worker_id", T.w4, "company_id",
	                                  T.company, "type", "visite_a_la_demande"));

	/* Hugo's visit cancelled by the service and queued again: only Hugo is
	 * told. */
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/visits/%lld/cancel", (long long)T.ad2);
	json_decref(expect(200, staff, "POST", path, json_pack("{s:b}", "reschedule", 1)));
	assert_int_equal(wait_mails("hugo.moreau@mail.test", "annulation", NULL, 1), 1);
	wait_none("SELECT COUNT(*) FROM core_job WHERE kind = 'mail.send' AND state <> 'done'");
	assert_int_equal(count_mails("ines@garnier.test", "annulation", NULL), 0);

	/* Reminders a former version planned for the company's address (one of
	 * them rendered at booking time): they are not sent. */
	char sql[512];
	snprintf(sql, sizeof(sql),
	         "INSERT INTO core_job (kind, payload, run_at, max_attempts, created_at, updated_at)"
	         " SELECT 'tracking.reminder', json_object('request_id', id, 'slot_id', slot_id,"
	         " 'to', 'ines@garnier.test', 'days', 1), 0, 3, 0, 0 FROM tracking_visit_request"
	         " WHERE id = %lld", (long long)T.rp);
	db_exec(sql);
	snprintf(sql, sizeof(sql),
	         "INSERT INTO core_job (kind, payload, run_at, max_attempts, created_at, updated_at)"
	         " SELECT 'tracking.reminder', json_object('request_id', id, 'slot_id', slot_id,"
	         " 'to', 'ines@garnier.test', 'days', 7, 'subject', 'Rappel de convocation', 'text',"
	         " 'Rappel : Visite de pré-reprise de Marc Petit'), 0, 3, 0, 0"
	         " FROM tracking_visit_request WHERE id = %lld", (long long)T.rp);
	db_exec(sql);

	/* ---- the day of the visits: the reminders went out (to the workers) ---- */
	restart_at("2025-06-11T12:00:00Z");
	free(staff);
	free(med);
	free(emp);
	free(marc);
	free(zoe);
	free(hugo);
	staff = login("admin@svc.test", STAFF_PASSWORD);
	med = login("medecin@svc.test", STAFF_PASSWORD);
	emp = login("ines@garnier.test", EMPLOYER_PASSWORD);
	marc = login("marc.petit@mail.test", WORKER_PASSWORD);
	zoe = login("zoe.faure@mail.test", WORKER_PASSWORD);
	assert_int_equal(wait_mails("marc.petit@mail.test", "rappel", "Visite de pré-reprise", 2), 2);
	assert_int_equal(wait_mails("zoe.faure@mail.test", "rappel", "Visite à la demande", 2), 2);
	assert_int_equal(count_mails("marc.petit@mail.test", "rappel", "temps de travail"), 0);
	wait_none("SELECT COUNT(*) FROM core_job WHERE kind = 'tracking.reminder' AND state <> 'done'"
	          " AND payload LIKE '%ines@garnier.test%'");
	wait_none("SELECT COUNT(*) FROM core_job WHERE kind = 'mail.send' AND state <> 'done'");
	assert_int_equal(count_mails("ines@garnier.test", "rappel", NULL), 0);

	/* 17:45 in Lyon: the four visits have begun (no outcome before). */
	restart_at("2025-06-11T15:45:00Z");
	free(staff), free(med), free(emp), free(marc), free(zoe);
	staff = login("admin@svc.test", STAFF_PASSWORD);
	med = login("medecin@svc.test", STAFF_PASSWORD);
	emp = login("ines@garnier.test", EMPLOYER_PASSWORD);
	marc = login("marc.petit@mail.test", WORKER_PASSWORD);
	zoe = login("zoe.faure@mail.test", WORKER_PASSWORD);
	/* The médecin holds them: notes for the file; no document for the
	 * employer after the pré-reprise; Zoé's ends in an avis d'inaptitude,
	 * which the employer receives (R4624-42: he took part in the exchange). */
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/visits/%lld/outcome", (long long)T.rp);
	json_decref(expect(201, med, "POST", path,
	                   json_pack("{s:s, s:s, s:[{s:s, s:s}]}", "held_on", "2025-06-11",
	                             "document", "aucun", "notes", "kind", "observation", "text",
	                             SECRET "NOTE-PR")));
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/visits/%lld/outcome", (long long)T.r2);
	json_decref(expect(201, med, "POST", path,
	                   json_pack("{s:s, s:s, s:[{s:s, s:s}]}", "held_on", "2025-06-11",
	                             "document", "attestation", "notes", "kind", "observation",
	                             "text", SECRET "NOTE-AD-LEA")));
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/visits/%lld/outcome", (long long)T.ad);
	json_decref(expect(201, med, "POST", path,
	                   json_pack("{s:s, s:s, s:s, s:[{s:s, s:s}]}", "held_on", "2025-06-11",
	                             "document", "avis_inaptitude", "reclassement",
	                             "Poste sans exposition aux solvants.", "notes", "kind",
	                             "observation", "text", SECRET "NOTE-AD")));
	/* A rendez-vous de liaison during Marc's leave: the employer takes part
	 * and is convoked, to a meeting that is not said to be on working time. */
	int working_time = count_mails("ines@garnier.test", "convocation", "temps de travail");
	json_int_t liaison = request(staff, json_pack("{s:I, s:I, s:s}", "worker_id", T.w2,
	                                              "company_id", T.company, "type",
	                                              "rendez_vous_liaison"));
	r = expect(201, staff, "POST", "/api/v1/svc/tracking/slots",
	           json_pack("{s:I, s:s, s:i}", "professional_id", T.pro_inf, "starts_at",
	                     "2025-06-11T19:00", "duration_min", 30));
	json_int_t slot_1700 = id_of(json_array_get(json_object_get(r, "items"), 0));
	json_decref(r);
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/visit-requests/%lld/book",
	         (long long)liaison);
	json_decref(expect(200, staff, "POST", path, json_pack("{s:I}", "slot_id", slot_1700)));
	assert_int_equal(wait_mails("ines@garnier.test", "convocation",
	                            "Type de visite : Rendez-vous de liaison", 1), 1);
	assert_int_equal(wait_mails("marc.petit@mail.test", "convocation",
	                            "Type de visite : Rendez-vous de liaison", 1), 1);
	assert_int_equal(count_mails("ines@garnier.test", "convocation",
	                             "pendant l'arrêt de travail du salarié"), 1);
	assert_int_equal(count_mails("ines@garnier.test", "convocation", "temps de travail"),
	                 working_time);

	/* The due visits recomputed after these outcomes. */
	wait_sql(1, "SELECT COUNT(*) FROM tracking_due_run WHERE state = 'done'"
	            " AND on_date = '2025-06-11'");
	long long runs = db_count("SELECT COUNT(*) FROM tracking_due_run WHERE state = 'done'");
	json_decref(expect(202, staff, "POST", "/api/v1/svc/tracking/due/recompute", json_object()));
	wait_sql(runs + 1, "SELECT COUNT(*) FROM tracking_due_run WHERE state = 'done'");

	/* ---- the employer's walk: every GET route with his session ---- */
	json_t *routes = get_routes(), *paths = json_array();
	size_t i;
	json_t *t;
	json_array_foreach(routes, i, t)
		expand(json_string_value(t), paths);
	/* Query variants. */
	snprintf(path, sizeof(path), "/tracking/companies/%lld/indicators?from=2025-01-01"
	         "&to=2025-12-31", (long long)T.company);
	json_array_append_new(paths, json_string(path));
	snprintf(path, sizeof(path), "/tracking/companies/%lld/due-visits?overdue=1",
	         (long long)T.company);
	json_array_append_new(paths, json_string(path));
	json_int_t reqs[] = {T.r1, T.r2, T.rp, T.ad, T.ad2, T.emp_ad};
	for (size_t k = 0; k < sizeof(reqs) / sizeof(reqs[0]); k++) {
		snprintf(path, sizeof(path), "/tracking/companies/%lld/slots-offered?request_id=%lld",
		         (long long)T.company, (long long)reqs[k]);
		json_array_append_new(paths, json_string(path));
	}
	size_t walked = 0, pdfs = 0;
	json_array_foreach(paths, i, t) {
		const char *p = json_string_value(t);
		char url[600];

		if (strncmp(p, "/api/", 5) == 0 || strcmp(p, "/healthz") == 0)
			snprintf(url, sizeof(url), "%s", p);
		else
			snprintf(url, sizeof(url), "/api/v1/svc%s", p);
		char *body = raw(emp, "GET", url, &status);

		walked++;
		if (status == 0 || status >= 500 || strstr(body, SECRET) != NULL)
			fail_msg("l'employeur, GET %s : %d %s", url, status, body);
		/* A PDF's text is compressed: read back with pdftotext. */
		size_t ul = strlen(url);
		if (ul > 4 && strcmp(url + ul - 4, ".pdf") == 0 && status == 200) {
			char *text = pdf_text(emp, url);

			if (strstr(text, SECRET) != NULL)
				fail_msg("l'employeur, GET %s : un marqueur dans le PDF :\n%s", url, text);
			pdfs++;
			free(text);
		}
		/* A request or a document kept from him: as if it did not exist. */
		for (size_t k = 0; k < sizeof(reqs) / sizeof(reqs[0]); k++) {
			char one[96], docs[96], offered[96];

			if (!hidden_id(reqs[k]))
				continue;
			snprintf(one, sizeof(one), "/visit-requests/%lld", (long long)reqs[k]);
			snprintf(docs, sizeof(docs), "/visits/%lld/documents/", (long long)reqs[k]);
			snprintf(offered, sizeof(offered), "request_id=%lld", (long long)reqs[k]);
			size_t n = strlen(url), l = strlen(one);
			bool avis = reqs[k] == T.ad && strstr(url, docs) != NULL &&
			            strstr(url, "/documents/avis") != NULL;
			/* 404 with the very message of a request that does not exist. */
			if (((n >= l && strcmp(url + n - l, one) == 0) || strstr(url, offered)) &&
			    (status != 404 || !strstr(body, "Demande de visite introuvable.")))
				fail_msg("l'employeur, GET %s : %d au lieu de 404 : %s", url, status, body);
			if (strstr(url, docs) && !avis &&
			    (status != 404 ||
			     !strstr(body, "Aucune conclusion n'est enregistrée pour cette visite.")))
				fail_msg("l'employeur, GET %s : %d au lieu de 404 : %s", url, status, body);
			if (avis && status != 200)
				fail_msg("l'employeur, GET %s : %d au lieu de 200 (avis d'inaptitude) : %s",
				         url, status, body);
		}
		/* Listings and counts: nothing of these visits. */
		if (strstr(url, "visits-to-plan") || strstr(url, "indicators") ||
		    strstr(url, "due-visits") || strstr(url, "next-visits")) {
			if (strstr(body, "pre_reprise") || strstr(body, "pré-reprise"))
				fail_msg("l'employeur, GET %s : la pré-reprise paraît : %s", url, body);
		}
		if (strstr(url, "visits-to-plan") && status == 200) {
			json_t *j = json_loads(body, 0, NULL);
			size_t m;
			json_t *it;

			json_array_foreach(json_object_get(j, "items"), m, it)
				if (hidden_id(id_of(it)))
					fail_msg("l'employeur, GET %s : la demande %lld paraît", url,
					         (long long)id_of(it));
			json_decref(j);
		}
		free(body);
	}
	assert_true(walked > 100);
	assert_true(pdfs >= 2); /* Léa's attestation, Zoé's avis d'inaptitude */
	/* The médecin's PDF of Léa's ordonnance carries its marker: the check above
	 * can fail. */
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/visits/%lld/documents/ordonnance.pdf",
	         (long long)T.r1);
	char *ord = pdf_text(med, path);
	assert_non_null(strstr(ord, SECRET "ORD-LEA"));
	free(ord);
	json_decref(paths);
	json_decref(routes);

	/* The counts he reads: his own request only in the backlog, no hidden
	 * request in the delays, Léa alone seen (Marc, Zoé: hidden visits). */
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/companies/%lld/indicators?from=2025-01-01"
	         "&to=2025-12-31", (long long)T.company);
	r = get(emp, "%s", path);
	const json_t *ind = json_object_get(r, "indicators");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(ind, "backlog"),
	                                                    "numerator")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(ind,
	                 "requests_in_delay"), "denominator")), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(ind, "workers_seen_5y"),
	                                                    "numerator")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(ind,
	                 "dmst_computerised"), "numerator")), 1);
	json_decref(r);
	/* The service sees them all. */
	r = get(staff, "/api/v1/svc/tracking/indicators?from=2025-01-01&to=2025-12-31");
	ind = json_object_get(r, "indicators");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(ind, "backlog"),
	                                                    "numerator")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(ind,
	                 "requests_in_delay"), "denominator")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(ind, "workers_seen_5y"),
	                                                    "numerator")), 3);
	json_decref(r);
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/companies/%lld/visits-to-plan",
	         (long long)T.company);
	r = get(staff, "%s", path);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 2);
	json_decref(r);
	r = get(emp, "%s", path);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	assert_int_equal(id_of(json_array_get(json_object_get(r, "items"), 0)), T.emp_ad);
	json_decref(r);

	/* The workers read their own requests and documents. */
	r = get(marc, "/api/v1/svc/tracking/visit-requests/%lld", (long long)T.rp);
	assert_true(has(r, SECRET "MOTIF-PR"));
	json_decref(r);
	r = get(zoe, "/api/v1/svc/tracking/visits/%lld/documents/avis", (long long)T.ad);
	assert_string_equal(json_string_value(json_object_get(r, "model")), "avis_inaptitude");
	json_decref(r);
	/* Each of the employer's refusals is audited. */
	assert_true(db_count("SELECT COUNT(*) FROM core_audit WHERE outcome = 'denied'"
	                     " AND user_id = %lld AND detail LIKE '%%hidden_from_employer%%'",
	                     (long long)user_id("ines@garnier.test")) >= 20);

	/* No mail, job or event carries a marker; the company got no mail of
	 * these visits. */
	char *dir = fs_join(D.dir, "outbox/svc");
	DIR *dh = opendir(dir);
	size_t files = 0;
	assert_non_null(dh);
	for (struct dirent *de; (de = readdir(dh)) != NULL;) {
		if (de->d_name[0] == '.')
			continue;
		char *file = fs_join(dir, de->d_name), buf[65536];
		FILE *f = fopen(file, "r");
		size_t len = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

		if (f)
			fclose(f);
		buf[len] = '\0';
		files++;
		if (strstr(buf, SECRET))
			fail_msg("%s : un marqueur dans le courriel", file);
		if (strstr(buf, "To: ines@garnier.test\r\n") &&
		    (strstr(buf, "Visite de pré-reprise") || strstr(buf, "Visite à la demande")))
			fail_msg("%s : l'employeur informé d'une visite qui ne le regarde pas", file);
		free(file);
	}
	closedir(dh);
	free(dir);
	assert_true(files >= 10);
	/* Nor does any attachment: the convocations' PDFs (their text, read back)
	 * and calendar invitations. */
	char **all = test_outbox_mails(D.dir, "svc", NULL, NULL);
	size_t attached_pdfs = 0, icss = 0;
	for (size_t m = 0; all[m]; m++) {
		char *data = NULL;
		size_t len = 0;

		if (test_mime_attachment(all[m], "convocation.pdf", &data, &len)) {
			char *text = test_run_on_bytes(D.dir, "piece.pdf", data, len, "pdftotext");

			if (strstr(text, SECRET))
				fail_msg("un marqueur dans le PDF d'une convocation");
			assert_non_null(strstr(text, "Convocation"));
			free(text);
			free(data);
			attached_pdfs++;
		}
		if (test_mime_attachment(all[m], "invitation.ics", &data, &len)) {
			if (strstr(data, SECRET))
				fail_msg("un marqueur dans une invitation d'agenda");
			free(data);
			icss++;
		}
	}
	test_mails_free(all);
	assert_true(attached_pdfs >= 3 && icss >= 3);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_job WHERE payload LIKE '%%" SECRET
	                          "%%'"), 0);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_event WHERE payload LIKE '%%" SECRET
	                          "%%'"), 0);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit WHERE detail LIKE '%%" SECRET
	                          "%%'"), 0);

	free(marc);
	free(zoe);
	free(emp);
	free(med);
	free(staff);
}

int main(void)
{
	const struct CMUnitTest http[] = {
		cmocka_unit_test(test_opposition),
		cmocka_unit_test(test_employer),
	};

	return cmocka_run_group_tests_name("secrecy", http, setup_http, world_teardown);
}
