/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The team's search (issue 15 item 4): GET /membership/search over 50,000
 * companies and 500,000 workers, target p95 <= 100 ms. Generates companies
 * with varied names and workers with 200 last names x 60 first names and
 * birth dates over 45 years (not timed), then times QUERIES searches of each
 * kind through membership_search_run, the route's own function: a last name,
 * a last name and a first name's start, a birth date, a company name's
 * start, a SIRET. Prints the median and p95 of each; never asserts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core.h"
#include "diag.h"
#include "membership.h"
#include "../bench_clock.h"

extern const struct socle_plugin_desc socle_plugin_entry_membership;

#define WORKERS_PER_COMPANY 10
#define PER_TXN 1000

static const char *const last_names[] = {
	"Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau",
	"Laurent", "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David", "Bertrand", "Morel",
	"Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent",
	"Muller", "Lefevre", "Faure", "Andre", "Mercier", "Blanc", "Guerin", "Boyer", "Garnier",
	"Chevalier", "Francois", "Legrand", "Gauthier", "Garcia", "Perrin", "Robin", "Clement",
	"Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson"};
static const char *const first_names[] = {
	"Jean", "Marie", "Pierre", "Nathalie", "Michel", "Isabelle", "Philippe", "Sylvie",
	"Alain", "Catherine", "Nicolas", "Sandrine", "Christophe", "Valerie", "Patrick",
	"Christine", "Stephane", "Celine", "Eric", "Julie", "Laurent", "Sophie", "Frederic",
	"Aurelie", "David", "Emilie", "Julien", "Camille", "Thomas", "Lea"};
#define N_LAST (sizeof(last_names) / sizeof(last_names[0]))
#define N_FIRST (sizeof(first_names) / sizeof(first_names[0]))

static void die(const char *what, const socle_err *err)
{
	fprintf(stderr, "bench_search: %s: %s\n", what, err ? err->msg : "");
	exit(1);
}

struct gen {
	int64_t first, count;
};

/* A last name of 4 x 50 (Martin, Martin-2...), so that one name is about
 * 2,500 of 500,000 workers, as the commonest French names are. */
static void last_name_of(int64_t w, char *out, size_t size)
{
	unsigned v = (unsigned)(w * 2654435761u);

	if (v % 4 == 0)
		snprintf(out, size, "%s", last_names[(v / 4) % N_LAST]);
	else
		snprintf(out, size, "%s%c%s", last_names[(v / 4) % N_LAST], 'a' + (int)(v % 4),
		         "ud");
}

static int gen_tx(socle_db *wdb, void *ud, socle_err *err)
{
	const struct gen *g = ud;
	socle_stmt *co = socle_db_prepare(wdb,
		"INSERT INTO membership_company (id, reference, member_number, status, siret, siren,"
		" legal_name, naf_code, naf_version, headcount, address_line, postcode, city,"
		" contact_name, contact_email, contact_phone, exposures, followup_counts,"
		" prevention_answers, payment_mode, joined_on, created_at, updated_at) VALUES"
		" (:id, :ref, :ref, 'member', :siret, :siren, :name, '47.11B', 'NAFrev2', 10, '1 rue',"
		" '69001', 'Lyon', 'C', 'c@example.org', '0400000000', '[]', '{}', '{}', 'transfer',"
		" '2015-01-01', 0, 0)", err);
	socle_stmt *wo = socle_db_prepare(wdb,
		"INSERT INTO membership_worker (id, company_id, external_ref, last_name, first_name,"
		" birth_date, job_title, contract_type, start_date, exposures, category, created_at,"
		" updated_at) VALUES (:id, :company, :ref, :last, :first, :birth, 'Employé', 'cdi',"
		" '2015-01-01', '[]', 'SI', 0, 0)", err);
	int rc = co && wo ? 0 : err->code;

	for (int64_t c = g->first; rc == 0 && c < g->first + g->count; c++) {
		char ref[32], siret[32], siren[32], name[64];

		snprintf(ref, sizeof(ref), "A2015%05lld", (long long)c);
		snprintf(siret, sizeof(siret), "%014lld", 10000000000000LL + c);
		snprintf(siren, sizeof(siren), "%09lld", 100000000LL + c);
		snprintf(name, sizeof(name), "%s %s %lld", c % 3 ? "Boulangerie" : "Garage",
		         last_names[c % N_LAST], (long long)c);
		socle_stmt_bind_int(co, ":id", c);
		socle_stmt_bind_text(co, ":ref", ref);
		socle_stmt_bind_text(co, ":siret", siret);
		socle_stmt_bind_text(co, ":siren", siren);
		socle_stmt_bind_text(co, ":name", name);
		rc = socle_stmt_step(co, err) < 0 ? err->code : 0;
		socle_stmt_reset(co);
		for (int k = 0; rc == 0 && k < WORKERS_PER_COMPANY; k++) {
			int64_t w = (c - 1) * WORKERS_PER_COMPANY + k + 1;
			char wref[32], last[64], birth[16];

			snprintf(wref, sizeof(wref), "w%lld", (long long)w);
			last_name_of(w, last, sizeof(last));
			snprintf(birth, sizeof(birth), "%04d-%02d-%02d", 1960 + (int)(w % 45),
			         1 + (int)(w / 45 % 12), 1 + (int)(w / 540 % 28));
			socle_stmt_bind_int(wo, ":id", w);
			socle_stmt_bind_int(wo, ":company", c);
			socle_stmt_bind_text(wo, ":ref", wref);
			socle_stmt_bind_text(wo, ":last", last);
			socle_stmt_bind_text(wo, ":first", first_names[(w * 7) % N_FIRST]);
			socle_stmt_bind_text(wo, ":birth", birth);
			rc = socle_stmt_step(wo, err) < 0 ? err->code : 0;
			socle_stmt_reset(wo);
		}
	}
	socle_stmt_release(co);
	socle_stmt_release(wo);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct socle_plugin_desc *const statics[] = {&socle_plugin_entry_membership,
	                                                           NULL};
	struct socle_core_opts opts = {.static_plugins = statics};
	struct diag d = {0};
	socle_err err = SOCLE_ERR_INIT;
	socle_core *core = NULL;

	if (argc < 3) {
		fprintf(stderr, "usage: bench_search CONFIG SERVICE [COMPANIES [QUERIES]]\n");
		return 2;
	}
	int64_t companies = argc > 3 ? atoll(argv[3]) : 50000;
	int queries = argc > 4 ? atoi(argv[4]) : 500;
	if (companies < 100 || queries < 20 || queries > 100000) {
		fprintf(stderr, "bench_search: COMPANIES >= 100, QUERIES 20 to 100000\n");
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

		if (socle_service_write(svc, gen_tx, &g, &err) != 0)
			die("generate", &err);
	}
	printf("generated %lld companies and %lld workers in %.1f s (not counted)\n",
	       (long long)companies, (long long)companies * WORKERS_PER_COMPANY, now_s() - t0);
	socle_db *db = socle_service_reader(svc, &err);
	if (db == NULL)
		die("reader", &err);
	double *times = calloc((size_t)queries, sizeof(*times));
	static const char *const kinds[] = {"last name", "last name and first name", "birth date",
	                                    "company name", "SIRET"};

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		size_t found = 0;

		for (int i = 0; i < queries; i++) {
			char q[96];
			int64_t w = 1 + (int64_t)((unsigned)(i * 2654435761u) %
			                          (unsigned)(companies * WORKERS_PER_COMPANY));
			int64_t c = 1 + (w - 1) / WORKERS_PER_COMPANY;
			char last[64];

			last_name_of(w, last, sizeof(last));
			if (k == 0)
				snprintf(q, sizeof(q), "%s", last);
			else if (k == 1)
				snprintf(q, sizeof(q), "%s %.2s", last, first_names[(w * 7) % N_FIRST]);
			else if (k == 2)
				snprintf(q, sizeof(q), "%02d/%02d/%04d", 1 + (int)(w / 540 % 28),
				         1 + (int)(w / 45 % 12), 1960 + (int)(w % 45));
			else if (k == 3)
				snprintf(q, sizeof(q), "%s %s", c % 3 ? "boulangerie" : "garage",
				         last_names[c % N_LAST]);
			else
				snprintf(q, sizeof(q), "%014lld", 10000000000000LL + c);
			double t = now_s();
			json_t *r = membership_search_run(db, q, &err);

			times[i] = now_s() - t;
			if (r == NULL)
				die(q, &err);
			found += json_array_size(json_object_get(r, "workers")) +
			         json_array_size(json_object_get(r, "companies"));
			json_decref(r);
		}
		qsort(times, (size_t)queries, sizeof(*times), cmp_double);
		double p50 = times[queries / 2] * 1000, p95 = times[queries * 95 / 100] * 1000;
		printf("search by %-25s %d queries (%.1f results each): median %.2f ms, p95 %.2f ms"
		       " (target p95 <= 100 ms) %s\n", kinds[k], queries, (double)found / queries, p50,
		       p95, p95 <= 100 ? "OK" : "MISSED");
	}
	free(times);
	core_close(core);
	return 0;
}
