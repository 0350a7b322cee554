/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The document service's figures (issue 13, targets): N one-page convocation
 * documents (a title, the worker's and the visit's fields, two paragraphs, a
 * signature; the service's identity with a PNG logo) rendered on T threads,
 *   1. as previews (socle_document_pdf: the layout and cairo only), then
 *   2. issued (socle_document_issue: number, code, render, SHA-256, the PDF
 *      stored in the core file store, two durable writes each),
 * and the process's peak resident memory. Figures are printed, never
 * asserted. Usage: bench_documents CONFIG SERVICE [N] [THREADS] */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "core.h"
#include "diag.h"
#include "../bench_clock.h"

static socle_service *svc;
static int total, threads;
static bool issue;

static json_t *convocation(int i)
{
	char name[64], ref[32];

	snprintf(name, sizeof(name), "Salarié n° %d", i);
	snprintf(ref, sizeof(ref), "C-%06d", i);
	return json_pack(
		"{s:s, s:[{s:[{s:[[s, s], [s, s], [s, s], [s, s], [s, s], [s, s]]},"
		" {s:s}, {s:s}]}], s:{s:s, s:s, s:s}}",
		"title", "Convocation à une visite d'information et de prévention",
		"sections", "blocks", "fields", "Salarié(e)", name, "Entreprise",
		"Boulangerie « Au bon pain »", "Date", "mardi 17 mars 2026", "Heure", "9 h 30",
		"Lieu", "Centre de Lyon Part-Dieu, 12 rue des Lilas, 69003 Lyon", "Référence", ref,
		"paragraph", "Cette visite a lieu pendant le temps de travail : elle est à la charge "
		"de l'employeur (R4624-39). Merci d'apporter vos lunettes ou lentilles !",
		"paragraph", "Un empêchement ? Appelez le service au moins 48 heures avant.",
		"signature", "place", "Lyon", "date", "2026-03-16", "role", "Le secrétariat médical");
}

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg, failures = 0;

	for (int i = id; i < total; i += threads) {
		json_t *d = convocation(i);
		socle_err err = SOCLE_ERR_INIT;
		char subject[32];

		if (issue) {
			struct socle_document_issued out;

			snprintf(subject, sizeof(subject), "convocation:%d", i);
			if (socle_document_issue(svc, "bench.convocation", subject, d, &out, &err) != 0)
				failures++;
			socle_document_issued_free(&out);
		} else {
			unsigned char *pdf = NULL;
			size_t len = 0;

			if (socle_document_pdf(svc, d, &pdf, &len, &err) != 0)
				failures++;
			free(pdf);
		}
		json_decref(d);
	}
	return (void *)(intptr_t)failures;
}

static void run(const char *what)
{
	pthread_t th[64];
	long failures = 0;
	double t0 = now_s();

	for (int t = 0; t < threads; t++)
		pthread_create(&th[t], NULL, worker, (void *)(intptr_t)t);
	for (int t = 0; t < threads; t++) {
		void *f;

		pthread_join(th[t], &f);
		failures += (long)(intptr_t)f;
	}
	double s = now_s() - t0;
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	printf("%s: %d documents on %d threads in %.2f s (%.0f per second), %ld failures,"
	       " peak RSS %.0f MiB (target: 10,000 in <= 20 s, <= 256 MiB)\n", what, total, threads,
	       s, total / s, failures, (double)ru.ru_maxrss / 1024.0);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fputs("usage: bench_documents CONFIG SERVICE [N] [THREADS]\n", stderr);
		return 2;
	}
	total = argc > 3 ? atoi(argv[3]) : 10000;
	threads = argc > 4 ? atoi(argv[4]) : 2;
	if (threads < 1 || threads > 64)
		threads = 2;
	struct socle_core_opts opts = {0};
	struct diag d = {0};
	socle_core *core = NULL;

	if (core_open(argv[1], &opts, &d, &core) != 0) {
		diag_print(&d);
		return 1;
	}
	diag_fini(&d);
	svc = socle_core_service(core, argv[2]);
	if (svc == NULL) {
		fputs("service inconnu\n", stderr);
		return 1;
	}
	issue = false;
	run("rendered (previews)");
	issue = true;
	run("issued (rendered, hashed, stored)");
	core_close(core);
	return 0;
}
