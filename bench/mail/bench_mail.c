/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The mail figures (issue 13, target): N mails, each with a convocation's
 * PDF and its own calendar invitation attached, queued by the core
 * (socle_mail_queue_parts, 500 per write transaction) and delivered by its
 * smtp transport to a real local SMTP server (tests/mail/smtp_server.py, the
 * deployment's "mail" setting), one SMTP session per mail. Prints the time to
 * queue and the time to deliver; figures are printed, never asserted.
 * Usage: bench_mail CONFIG SERVICE [N] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core.h"
#include "diag.h"
#include "loop.h"
#include "../bench_clock.h"

#define PER_WRITE 500

struct batch {
	int from, to;
	const unsigned char *pdf;
	size_t pdf_len;
};

static int queue_batch(socle_db *wdb, void *ud, socle_err *err)
{
	const struct batch *b = ud;
	socle_service *svc = socle_db_service(wdb);

	for (int i = b->from; i < b->to; i++) {
		char to[64], uid[48];

		snprintf(to, sizeof(to), "salarie%d@bench.test", i);
		snprintf(uid, sizeof(uid), "bench-visit-%d", i);
		struct socle_calendar_event ev = {
			.uid = uid, .starts_at_ms = 1773653400000LL + (int64_t)i * 60000,
			.ends_at_ms = 1773653400000LL + (int64_t)i * 60000 + 1800000,
			.summary = "Visite d'information et de prévention",
			.location = "Centre de Lyon Part-Dieu", .attendee = to};
		char *ics = socle_calendar_invitation(svc, &ev, err);

		if (ics == NULL)
			return err->code;
		const struct socle_mail_attachment att[] = {
			{"convocation.pdf", "application/pdf", b->pdf, b->pdf_len},
			{"invitation.ics", "text/calendar; charset=UTF-8; method=REQUEST", ics,
			 strlen(ics)}};
		const struct socle_mail_parts parts = {.attachments = att, .n_attachments = 2};
		const struct socle_mail mail = {
			.to = to, .subject = "Convocation : visite d'information et de prévention",
			.text = "Bonjour,\nvous trouverez ci-joint votre convocation.\n",
			.category = "convocation"};
		int64_t job = socle_mail_queue_parts(wdb, &mail, &parts, 0, err);

		free(ics);
		if (job < 0)
			return (int)job;
	}
	return 0;
}

static long long count(socle_service *svc, const char *state)
{
	socle_db *r = socle_service_reader(svc, NULL);
	json_t *row = r ? socle_db_query_one_new(r, "SELECT count(*) AS n FROM core_job WHERE "
	                                            "kind = 'mail.send' AND state = :s",
	                                         json_pack("{s:s}", "s", state), NULL)
	                : NULL;
	long long n = row ? json_integer_value(json_object_get(row, "n")) : -1;

	json_decref(row);
	return n;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fputs("usage: bench_mail CONFIG SERVICE [N]\n", stderr);
		return 2;
	}
	int total = argc > 3 ? atoi(argv[3]) : 10000;
	struct socle_core_opts opts = {0};
	struct diag d = {0};
	socle_core *core = NULL;

	if (core_open(argv[1], &opts, &d, &core) != 0) {
		diag_print(&d);
		return 1;
	}
	diag_fini(&d);
	socle_service *svc = socle_core_service(core, argv[2]);
	json_t *doc = json_pack("{s:s, s:[{s:[{s:[[s,s],[s,s],[s,s]]}, {s:s}]}]}", "title",
	                        "Convocation", "sections", "blocks", "fields", "Salarié(e)",
	                        "Léa Roux", "Date et heure", "mardi 17 mars 2026 à 9 h 30", "Lieu",
	                        "Centre de Lyon Part-Dieu", "paragraph",
	                        "La visite a lieu pendant le temps de travail (R4624-39).");
	unsigned char *pdf = NULL;
	size_t pdf_len = 0;
	socle_err err = SOCLE_ERR_INIT;

	if (svc == NULL || socle_document_pdf(svc, doc, &pdf, &pdf_len, &err) != 0) {
		fprintf(stderr, "préparation : %s\n", err.msg);
		return 1;
	}
	json_decref(doc);
	double t0 = now_s();
	for (int from = 0; from < total; from += PER_WRITE) {
		struct batch b = {from, from + PER_WRITE < total ? from + PER_WRITE : total, pdf,
		                  pdf_len};

		if (socle_service_write(svc, queue_batch, &b, &err) != 0) {
			fprintf(stderr, "mise en file : %s\n", err.msg);
			return 1;
		}
	}
	double queued = now_s() - t0;
	t0 = now_s();
	while (count(svc, "queued") > 0 || count(svc, "running") > 0)
		if (loop_run_pending(core) < 0)
			break;
	double sent = now_s() - t0;
	long long done = count(svc, "done"), dead = count(svc, "dead");

	printf("mails: %d with a %zu-byte PDF and an .ics each; queued in %.2f s; delivered %lld "
	       "to the local SMTP server in %.2f s (%.0f per second), %lld failed for good "
	       "(target: 10,000 in <= 60 s)\n",
	       total, pdf_len, queued, done, sent, sent > 0 ? (double)done / sent : 0.0, dead);
	free(pdf);
	core_close(core);
	return 0;
}
