/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Demo data: when a service's riskeval settings say "demo_data": true and
 * its vault is empty, start() gives the first three companies of
 * membership's demo data (ids 1 to 3, when membership knows them) a
 * validated, transmitted fiche d'entreprise naming a few risks, and a DUERP
 * version (a small real PDF, in the core file store) that names only some
 * of them, so that the vault, the gap analysis and the prevention score
 * have something to show; and it copies every company of membership's demo
 * into riskeval's copy, for the indicators. One write, audited;
 * duerp.version_added is emitted as for a real upload. */
#include "riskeval.h"

struct demo_company {
	int64_t id;
	const char *activity;
	const char *fiche_risks[4][2]; /* {code, libelle} */
	const char *duerp_risks;       /* JSON array of the codes the DUERP names */
	int duerp_days_ago;            /* the version's date, before the day of the start */
};

static const struct demo_company demo[] = {
	{1, "Boulangerie-pâtisserie artisanale",
	 {{"farines", "Poussières de farine"}, {"chaleur", "Chaleur des fours"},
	  {"port_de_charges", "Port de charges (sacs de farine)"}, {NULL, NULL}},
	 "[\"farines\"]", 200},
	{2, "Travaux d'installation électrique",
	 {{"electrique", "Risque électrique"}, {"chute_hauteur", "Chute de hauteur"},
	  {"risque_routier", "Risque routier"}, {NULL, NULL}},
	 "[\"electrique\",\"chute_hauteur\",\"risque_routier\"]", 40},
	{3, "Commerce de détail",
	 {{"port_de_charges", "Port de charges"}, {"travail_sur_ecran", "Travail sur écran"},
	  {NULL, NULL}, {NULL, NULL}},
	 "[\"travail_sur_ecran\"]", 400},
};

/* A one-page PDF whose text is @p line (ASCII): header, four objects, an
 * exact cross-reference table, so that any reader opens it. */
static char *demo_pdf(const char *line, size_t *len)
{
	char stream[256], *out = malloc(2048);
	size_t off[5], n = 0;

	if (out == NULL)
		return NULL;
	int sl = snprintf(stream, sizeof(stream), "BT /F1 14 Tf 72 760 Td (%s) Tj ET", line);
	n += (size_t)snprintf(out + n, 2048 - n, "%%PDF-1.4\n");
	off[1] = n;
	n += (size_t)snprintf(out + n, 2048 - n, "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n");
	off[2] = n;
	n += (size_t)snprintf(out + n, 2048 - n,
	                      "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n");
	off[3] = n;
	n += (size_t)snprintf(out + n, 2048 - n,
	                      "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
	                      "/Contents 4 0 R /Resources << /Font << /F1 << /Type /Font "
	                      "/Subtype /Type1 /BaseFont /Helvetica >> >> >> >> endobj\n");
	off[4] = n;
	n += (size_t)snprintf(out + n, 2048 - n, "4 0 obj << /Length %d >> stream\n%s\nendstream "
	                      "endobj\n", sl, stream);
	size_t xref = n;

	n += (size_t)snprintf(out + n, 2048 - n, "xref\n0 5\n0000000000 65535 f \n");
	for (int i = 1; i <= 4; i++)
		n += (size_t)snprintf(out + n, 2048 - n, "%010zu 00000 n \n", off[i]);
	n += (size_t)snprintf(out + n, 2048 - n, "trailer << /Size 5 /Root 1 0 R >>\nstartxref\n%zu\n"
	                      "%%%%EOF\n", xref);
	*len = n;
	return out;
}

struct demo_file {
	char sha[SOCLE_FILE_HASH_HEX];
	size_t size;
	char version_on[SOCLE_DATE_SIZE];
	bool ok;
};

struct demo_sync {
	socle_db *wdb;
	socle_err *err;
};

struct demo_run {
	socle_service *svc;
	struct demo_file files[SOCLE_COUNT(demo)];
	int added;
};

static int demo_company_write(socle_db *wdb, struct demo_run *run, size_t i, const char *today,
                              socle_err *err)
{
	const struct demo_company *c = &demo[i];
	const struct demo_file *f = &run->files[i];
	int64_t now = socle_now_ms(); /* before the goto: the DUERP's row uses it too */
	int rc = riskeval_company_sync(wdb, c->id, err);

	if (rc)
		return rc;
	/* The fiche: what membership knows, the activity and the risks; none
	 * when the company has one already. */
	json_t *has = socle_db_query_one_new(wdb, "SELECT COUNT(*) AS n FROM riskeval_fiche"
	                                     " WHERE company_id = :c", json_pack("{s:I}", "c",
	                                     (json_int_t)c->id), err);
	if (has == NULL)
		return err->code;
	json_int_t fiches = json_integer_value(json_object_get(has, "n"));
	json_decref(has);
	if (fiches > 0)
		goto duerp;
	json_t *content = riskeval_content_prefill(run->svc, wdb, c->id, NULL, err);
	if (content == NULL)
		return err->code ? err->code : SOCLE_E_NOMEM;
	json_t *risks = json_array();
	for (size_t r = 0; r < 4 && c->fiche_risks[r][0]; r++)
		json_array_append_new(risks, json_pack("{s:s, s:s, s:s}", "code", c->fiche_risks[r][0],
		                                       "libelle", c->fiche_risks[r][1], "unite_travail",
		                                       "Ensemble de l'entreprise"));
	json_t *page = json_object_get(content, "identification");
	if (json_is_object(page))
		json_object_set_new(page, "activite", json_string(c->activity));
	json_object_set_new(content, "expositions_actions", json_pack("{s:o}", "risques", risks));
	char validated[SOCLE_DATE_SIZE];
	socle_date_add_days(today, -30, validated);
	rc = socle_db_run_new(wdb,
		"INSERT INTO riskeval_fiche (company_id, version, status, content, drafted_by,"
		" drafted_at, updated_by, updated_at, validated_by, validated_on, transmitted_by,"
		" transmitted_on) VALUES (:c, 1, 'validated', :content, 0, :now, 0, :now, 0, :on, 0,"
		" :on)",
		json_pack("{s:I, s:o, s:I, s:s}", "c", (json_int_t)c->id, "content", content, "now",
		          (json_int_t)now, "on", validated), err);
	if (rc < 0)
		return rc;
duerp:
	if (!f->ok)
		return 0;
	char keep[SOCLE_DATE_SIZE];
	socle_date_add_months(f->version_on, 12 * 40, keep);
	if ((rc = socle_file_retain(wdb, f->sha, keep, err)))
		return rc;
	rc = socle_db_run_new(wdb,
		"INSERT INTO riskeval_duerp (company_id, version_on, received_on, format, filename,"
		" size, sha256, keep_until, risks, uploaded_by, uploaded_at) VALUES (:c, :on, :on,"
		" 'pdf', 'DUERP.pdf', :size, :sha, :keep, :risks, 0, :now)",
		json_pack("{s:I, s:s, s:I, s:s, s:s, s:s, s:I}", "c", (json_int_t)c->id, "on",
		          f->version_on, "size", (json_int_t)f->size, "sha", f->sha, "keep", keep,
		          "risks", c->duerp_risks, "now", (json_int_t)now), err);
	if (rc < 0)
		return rc;
	int64_t duerp_id = socle_db_last_insert_id(wdb);
	json_t *update = riskeval_duerp_update(run->svc, wdb, c->id, f->version_on, today, err);
	if (update == NULL)
		return err->code ? err->code : SOCLE_E_NOMEM;
	rc = riskeval_emit(wdb, "duerp.version_added", json_pack(
		"{s:I, s:I, s:s, s:s, s:b, s:O?, s:O}", "duerp_id", (json_int_t)duerp_id, "company_id",
		(json_int_t)c->id, "version_on", f->version_on, "received_on", f->version_on,
		"yearly_update", json_is_true(json_object_get(update, "yearly_update")),
		"update_due_on", json_object_get(update, "due_on"), "headcount",
		json_object_get(update, "headcount")), err);
	json_decref(update);
	return rc;
}

static int store_company(const struct membership_company_row *c, void *ud)
{
	struct demo_sync *d = ud;

	return riskeval_company_store(d->wdb, c, d->err);
}

/* Every company of membership's demo data in riskeval's copy: they were
 * written without the company.joined event that keeps the copy in a real
 * service, and the indicators read the copy. The demo's companies are all
 * members: one companies_each("member") pass, each row stored as read (the
 * copy is another table: writing it while the companies are read is safe). */
static int demo_sync_all(socle_db *wdb, socle_err *err)
{
	struct demo_sync d = {wdb, err};

	return riskeval_membership->companies_each(wdb, "member", 0, store_company, &d, err);
}

static int demo_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct demo_run *run = ud;
	json_t *n = socle_db_query_one_new(wdb, "SELECT COUNT(*) AS n FROM riskeval_duerp",
	                                   json_object(), err);
	if (n == NULL)
		return err->code;
	json_int_t existing = json_integer_value(json_object_get(n, "n"));
	json_decref(n);
	if (existing > 0)
		return 0; /* a vault in use is never touched */
	char today[SOCLE_DATE_SIZE];
	socle_date_today(today);
	for (size_t i = 0; i < SOCLE_COUNT(demo); i++) {
		int known = riskeval_membership->company_exists(wdb, demo[i].id, err);
		if (known < 0)
			return known;
		if (known == 0)
			continue;
		int rc = demo_company_write(wdb, run, i, today, err);
		if (rc)
			return rc;
		run->added++;
	}
	if (run->added == 0)
		return 0;
	int rc = demo_sync_all(wdb, err);
	if (rc != 0)
		return rc;
	struct socle_audit_entry e = {.action = "riskeval.demo_data", .object_type = "service",
	                              .outcome = "ok"};
	return socle_audit(wdb, NULL, &e, err);
}

int riskeval_demo_start(socle_plugin *p, socle_err *err)
{
	socle_core *core = socle_plugin_core(p);

	for (size_t s = 0; s < socle_core_service_count(core); s++) {
		socle_service *svc = socle_core_service_at(core, s);
		struct demo_run run = {.svc = svc};
		char today[SOCLE_DATE_SIZE];

		if (!socle_service_enables(svc, "riskeval") ||
		    !json_is_true(json_object_get(socle_service_settings(svc, p), "demo_data")))
			continue;
		socle_date_today(today);
		/* The files first, durably, as an upload does; unused ones (a vault
		 * already in use) stay as files no row names, harmless. */
		for (size_t i = 0; i < SOCLE_COUNT(demo); i++) {
			char line[160];
			size_t len = 0;

			snprintf(line, sizeof(line), "DUERP de l'entreprise %lld - document de demonstration",
			         (long long)demo[i].id);
			char *pdf = demo_pdf(line, &len);
			if (pdf == NULL)
				return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
			socle_date_add_days(today, -demo[i].duerp_days_ago, run.files[i].version_on);
			run.files[i].size = len;
			int rc = socle_file_put(svc, pdf, len, run.files[i].sha, err);
			free(pdf);
			if (rc)
				return rc;
			run.files[i].ok = true;
		}
		int rc = socle_service_write(svc, demo_write, &run, err);
		if (rc != 0)
			return rc;
		if (run.added)
			socle_log(SOCLE_LOG_INFO, "service %s : riskeval, %d entreprise(s) de démonstration "
			          "(fiche et DUERP)", socle_service_id(svc), run.added);
	}
	return 0;
}
