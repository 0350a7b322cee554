/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Membership load figures, in process (bench/membership/run.sh builds and
 * runs it; never part of the tests):
 *
 *   1. a CSV of 500,000 workers for 50,000 member companies (10 each) is
 *      generated, then imported company by company through the plugin's own
 *      import function (membership_import_csv: every line checked, category
 *      through the Lua rule point follow_up_category, history, events), in
 *      write transactions of 1,000 companies: target <= 30 s;
 *   2. the events the import emitted (worker.declared) are delivered by the
 *      core's loop, as a running server would after the commits (printed);
 *   3. the follow-up category of all 500,000 workers is recomputed through
 *      the rule point (membership_recompute_categories): target <= 10 s.
 *
 * The database is left in place for run.sh's HTTP figure (the workforce page
 * under wrk). Usage: bench_membership CONFIG SERVICE CSV_PATH [COMPANIES] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core.h"
#include "diag.h"
#include "loop.h"
#include "membership.h"
#include "../bench_clock.h"

extern const struct socle_plugin_desc socle_plugin_entry_membership;

#define WORKERS_PER_COMPANY 10
#define COMPANIES_PER_TXN 1000

static void die(const char *what, const socle_err *err)
{
	fprintf(stderr, "bench_membership: %s: %s\n", what, err ? err->msg : "");
	exit(1);
}

/* The CSV: a company column (the company's SIRET) then the columns of the
 * plugin's import format; sorted by company. Contracts, working times,
 * night work, minors, CACES and SIR exposures vary so that the category
 * rule takes its different paths. */
static void generate_csv(const char *path, int companies)
{
	static const char *const contracts[] = {"CDI", "CDI", "CDI", "CDD", "intérim",
	                                         "apprentissage"};
	static const char *const exposures[] = {"", "", "bruit", "port_de_charges|bruit", "amiante",
	                                        "agents_biologiques_3_4", "conduite_engins", "cmr",
	                                        "", "travail_sur_ecran"};
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		perror(path);
		exit(1);
	}
	fputs("company;external_ref;last_name;first_name;birth_date;job_title;contract_type;"
	      "start_date;working_time;night_worker;rqth;exposures;caces_or_electrical\n", f);
	for (int c = 0; c < companies; c++)
		for (int w = 0; w < WORKERS_PER_COMPANY; w++) {
			unsigned x = (unsigned)(c * 31 + w * 7);
			const char *contract = contracts[x % 6];
			int minor = strcmp(contract, "apprentissage") == 0 && x % 4 == 0;

			/* Born 1960-1999, hired 2015-2024 (at 16 or more); the minor
			 * apprentices, born 2009, hired in 2025. */
			fprintf(f, "C%06d;E%06d-%02d;Nom%d;Prénom%d;%04d-%02d-%02d;Poste %u;%s;"
			        "%04d-%02d-%02d;%d;%s;%s;%s;%s\n",
			        c, c, w, c, w, minor ? 2009 : 1960 + (int)(x % 40), 1 + (int)(x % 12),
			        1 + (int)(x % 28), x % 20, contract, minor ? 2025 : 2015 + (int)(x % 10),
			        1 + (int)(x % 12), 1 + (int)((x / 3) % 28), x % 5 == 0 ? 50 : 100,
			        x % 9 == 0 ? "oui" : "non", x % 23 == 0 ? "oui" : "non",
			        exposures[x % 10], x % 11 == 0 ? "oui" : "non");
		}
	if (fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");

	if (f == NULL) {
		perror(path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	rewind(f);
	char *buf = malloc(*len + 1);

	if (buf == NULL || fread(buf, 1, *len, f) != *len) {
		perror(path);
		exit(1);
	}
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* The member companies (rows of membership_company, already approved). */
struct seed {
	int companies;
};

static int seed_companies(socle_db *wdb, void *ud, socle_err *err)
{
	struct seed *s = ud;

	for (int c = 0; c < s->companies; c++) {
		char ref[24], siret[24], number[24];

		snprintf(ref, sizeof(ref), "C%06d", c);
		snprintf(siret, sizeof(siret), "9%013d", c);
		snprintf(number, sizeof(number), "A2025%06d", c);
		json_t *p = json_pack("{s:s, s:s, s:s, s:I}", "ref", ref, "siret", siret, "number",
		                      number, "now", (json_int_t)socle_now_ms());
		int rc = socle_db_run(wdb,
			"INSERT INTO membership_company (reference, member_number, status, siret, siren,"
			" legal_name, naf_code, naf_version, headcount, address_line, postcode, city,"
			" contact_name, contact_email, contact_phone, exposures, followup_counts,"
			" prevention_answers, payment_mode, joined_on, created_at, updated_at)"
			" VALUES (:ref, :number, 'member', :siret, substr(:siret, 1, 9), 'Entreprise ' || :ref,"
			" '10.71C', 'NAFrev2', 10, '1 rue du Banc', '67000', 'Strasbourg', 'Contact',"
			" 'contact@bench.example', '0388000000', '[]', '{}', '{}', 'transfer', '2025-01-01',"
			" :now, :now)", p, err);

		json_decref(p);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* One company's part of the big file, with the header, without the company
 * column. */
struct chunk {
	int64_t company_id;
	char *csv;
	size_t len;
};

struct import_batch {
	socle_service *svc;
	struct chunk *chunks;
	int n;
	long created;
};

static int import_batch(socle_db *wdb, void *ud, socle_err *err)
{
	struct import_batch *b = ud;

	for (int i = 0; i < b->n; i++) {
		json_t *errors = NULL, *summary = NULL;
		int rc = membership_import_csv(wdb, b->svc, b->chunks[i].company_id, b->chunks[i].csv,
		                               b->chunks[i].len, &errors, &summary, err);

		if (rc != 0) {
			char *e = errors ? json_dumps(errors, JSON_COMPACT) : NULL;

			fprintf(stderr, "import of company %lld: %s %.300s\n",
			        (long long)b->chunks[i].company_id, err->msg, e ? e : "");
			free(e);
			json_decref(errors);
			json_decref(summary);
			return rc;
		}
		b->created += (long)json_integer_value(json_object_get(summary, "created"));
		json_decref(summary);
	}
	return 0;
}

/* Split the file by its first column: each chunk gets the header (without
 * that column) and its lines (without it). Lines are ";"-separated and the
 * generator never quotes, so the first ";" ends the company field. */
static struct chunk *split(char *data, size_t len, int companies, int *out_n)
{
	struct chunk *v = calloc((size_t)companies, sizeof(*v));
	char *nl = memchr(data, '\n', len);

	if (v == NULL || nl == NULL)
		exit(1);
	char *header = strchr(data, ';') + 1;
	size_t header_len = (size_t)(nl - header) + 1;
	char *p = nl + 1, *end = data + len;
	int n = -1;
	char current[16] = "";

	while (p < end) {
		char *eol = memchr(p, '\n', (size_t)(end - p));
		char *semi = memchr(p, ';', (size_t)(eol - p));
		size_t key_len = (size_t)(semi - p);

		if (n < 0 || strncmp(current, p, key_len) != 0 || current[key_len] != '\0') {
			n++;
			if (n >= companies)
				break;
			snprintf(current, sizeof(current), "%.*s", (int)key_len, p);
			v[n].company_id = n + 1; /* companies were inserted in this order */
			v[n].csv = malloc(header_len + WORKERS_PER_COMPANY * 200);
			memcpy(v[n].csv, header, header_len);
			v[n].len = header_len;
		}
		size_t line_len = (size_t)(eol - semi); /* after ';', newline included */

		memcpy(v[n].csv + v[n].len, semi + 1, line_len);
		v[n].len += line_len;
		p = eol + 1;
	}
	*out_n = n + 1;
	return v;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fputs("usage: bench_membership CONFIG SERVICE CSV_PATH [COMPANIES]\n", stderr);
		return 2;
	}
	int companies = argc > 4 ? atoi(argv[4]) : 50000;
	const struct socle_plugin_desc *statics[] = {&socle_plugin_entry_membership, NULL};
	struct socle_core_opts opts = {.static_plugins = statics};
	struct diag d = {0};
	socle_core *core = NULL;
	socle_err err = SOCLE_ERR_INIT;
	double t0;

	if (core_open(argv[1], &opts, &d, &core) != 0) {
		diag_print(&d);
		return 1;
	}
	diag_fini(&d);
	socle_service *svc = socle_core_service(core, argv[2]);

	if (svc == NULL)
		die("service inconnu", NULL);

	t0 = now_s();
	generate_csv(argv[3], companies);
	printf("CSV generated: %d companies x %d workers in %.1f s (not counted)\n", companies,
	       WORKERS_PER_COMPANY, now_s() - t0);

	struct seed s = {.companies = companies};
	t0 = now_s();
	if (socle_service_write(svc, seed_companies, &s, &err) != 0)
		die("companies", &err);
	printf("%d member companies inserted in %.1f s (not counted)\n", companies, now_s() - t0);

	/* 1. Import: read, split, import per company. */
	t0 = now_s();
	size_t len;
	char *data = slurp(argv[3], &len);
	int n;
	struct chunk *chunks = split(data, len, companies, &n);
	long created = 0;

	for (int i = 0; i < n; i += COMPANIES_PER_TXN) {
		struct import_batch b = {.svc = svc, .chunks = chunks + i,
		                         .n = n - i < COMPANIES_PER_TXN ? n - i : COMPANIES_PER_TXN};

		if (socle_service_write(svc, import_batch, &b, &err) != 0)
			die("import", &err);
		created += b.created;
	}
	double import_s = now_s() - t0;

	printf("import of %ld workers (%d companies, %.1f MB of CSV): %.1f s, %.0f workers/s "
	       "(target <= 30 s)\n", created, n, (double)len / 1e6, import_s,
	       (double)created / import_s);

	/* 2. What a running server's loop does after those commits. */
	t0 = now_s();
	long delivered = 0;
	int done;

	while ((done = loop_run_pending(core)) > 0)
		delivered += done;
	printf("delivery of the import's events by the loop: %ld items in %.1f s\n", delivered,
	       now_s() - t0);

	/* 3. Every category again, through the Lua rule point. */
	json_t *summary = NULL;
	t0 = now_s();
	if (membership_recompute_categories(svc, NULL, false, &summary, &err) != 0)
		die("recompute", &err);
	double recompute_s = now_s() - t0;
	char *sum = json_dumps(summary, JSON_COMPACT);

	printf("recompute of every category (%s): %.1f s, %.0f workers/s (target <= 10 s)\n",
	       sum ? sum : "?", recompute_s,
	       (double)json_integer_value(json_object_get(summary, "examined")) / recompute_s);
	free(sum);
	json_decref(summary);
	while (loop_run_pending(core) > 0)
		; /* category_changed events, if any, before closing */
	for (int i = 0; i < n; i++)
		free(chunks[i].csv);
	free(chunks);
	free(data);
	core_close(core);
	return 0;
}
