/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Calendar invitations (RFC 5545) as the core writes them: the components and
 * properties a client needs, a UID stable per event, DTSTAMP from the business
 * clock, times in UTC, the service as organizer, CRLF lines folded at 75
 * octets without cutting a UTF-8 character, text escaped; bad events refused. */
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

#define T0 1773651600000LL /* 2026-03-16 09:00 UTC */

struct env {
	char *dir;
	socle_core *core;
};

static int setup(void **state)
{
	static struct env e;
	struct diag d = {0};

	e.dir = fs_tempdir("ics");
	fs_write(e.dir, "socle.json",
	         "{\"plugin_dirs\": [], \"services\": [{\"id\": \"rhone\", \"name\": \"Rhône\","
	         " \"database\": \"s.db\", \"identity\": {\"legal_name\": \"SPSTI du Rhône\","
	         " \"email\": \"contact@spsti-rhone.test\", \"phone\": \"04 72 00 00 00\"}}]}");
	char *cfg = fs_join(e.dir, "socle.json");
	clock_freeze(T0 - 86400000LL);
	int rc = core_open(cfg, NULL, &d, &e.core);
	free(cfg);
	if (rc != 0)
		diag_print(&d);
	diag_fini(&d);
	*state = &e;
	return rc;
}

static int teardown(void **state)
{
	struct env *e = *state;

	core_close(e->core);
	clock_thaw();
	fs_rmtree(e->dir);
	free(e->dir);
	return 0;
}

/* The text with folds undone (CRLF + space removed), lines still CRLF. */
static char *unfold(const char *ics)
{
	char *out = malloc(strlen(ics) + 1), *o = out;

	for (const char *p = ics; *p; p++) {
		if (p[0] == '\r' && p[1] == '\n' && p[2] == ' ') {
			p += 2;
			continue;
		}
		*o++ = *p;
	}
	*o = '\0';
	return out;
}

static const struct socle_calendar_event visit = {
	.uid = "tracking-visit-42",
	.starts_at_ms = T0,
	.ends_at_ms = T0 + 30 * 60000,
	.summary = "Visite d'information et de prévention, avec l'infirmière; salle 2",
	.location = "Centre de Villeurbanne\n12, rue Francis de Pressensé\n69100 Villeurbanne",
	.description = "Présentez-vous dix minutes avant l'heure avec votre carte vitale. "
	               "Si vous ne pouvez pas venir, prévenez le service au plus tôt, au moins "
	               "quarante-huit heures à l'avance : un autre créneau vous sera proposé.",
	.attendee = "marc@boulangerie.test",
};

static void test_invitation_shape(void **state)
{
	struct env *e = *state;
	socle_err err = SOCLE_ERR_INIT;
	char *ics = socle_calendar_invitation(e->core->services[0], &visit, &err);

	assert_non_null(ics);
	/* Every line ends in CRLF and holds at most 75 octets. */
	size_t longest = 0;
	for (const char *p = ics; *p;) {
		const char *end = strstr(p, "\r\n");
		assert_non_null(end);
		if ((size_t)(end - p) > longest)
			longest = (size_t)(end - p);
		/* A fold never leaves half a UTF-8 character on either side. */
		if (p[0] == ' ')
			assert_true(((unsigned char)p[1] & 0xC0) != 0x80);
		p = end + 2;
	}
	assert_true(longest <= 75);
	assert_non_null(strstr(ics, "\r\n ")); /* the description was folded */
	char *u = unfold(ics);
	assert_true(strncmp(u, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:", 37) == 0);
	assert_non_null(strstr(u, "\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"));
	assert_non_null(strstr(u, "\r\nUID:tracking-visit-42.rhone@spsti-rhone.test\r\n"));
	assert_non_null(strstr(u, "\r\nDTSTAMP:20260315T090000Z\r\n"));
	assert_non_null(strstr(u, "\r\nDTSTART:20260316T090000Z\r\n"));
	assert_non_null(strstr(u, "\r\nDTEND:20260316T093000Z\r\n"));
	assert_non_null(strstr(u, "\r\nSEQUENCE:0\r\nSTATUS:CONFIRMED\r\n"));
	assert_non_null(strstr(u, "\r\nSUMMARY:Visite d'information et de prévention\\, avec "
	                          "l'infirmière\\; salle 2\r\n"));
	assert_non_null(strstr(u, "\r\nLOCATION:Centre de Villeurbanne\\n12\\, rue Francis de "
	                          "Pressensé\\n69100 Villeurbanne\r\n"));
	assert_non_null(strstr(u, "\\n\\nSPSTI du Rhône\\nTél. 04 72 00 00 00\\nCourriel : "
	                          "contact@spsti-rhone.test\r\n"));
	assert_non_null(strstr(u, "\r\nORGANIZER;CN=\"SPSTI du Rhône\":mailto:"
	                          "contact@spsti-rhone.test\r\n"));
	assert_non_null(strstr(u, "\r\nATTENDEE;ROLE=REQ-PARTICIPANT;RSVP=FALSE:mailto:"
	                          "marc@boulangerie.test\r\n"));
	assert_true(strlen(u) > 30 && strcmp(u + strlen(u) - 27, "END:VEVENT\r\nEND:VCALENDAR\r\n") == 0);
	free(u);

	/* The same event later: the same UID, a newer DTSTAMP; moved, its
	 * SEQUENCE grows; cancelled, METHOD CANCEL. */
	struct socle_calendar_event moved = visit;
	moved.sequence = 1;
	moved.starts_at_ms += 3600000;
	moved.ends_at_ms += 3600000;
	clock_advance(60000);
	char *again = socle_calendar_invitation(e->core->services[0], &moved, &err);
	assert_non_null(strstr(again, "UID:tracking-visit-42.rhone@spsti-rhone.test\r\n"));
	assert_non_null(strstr(again, "DTSTAMP:20260315T090100Z\r\n"));
	assert_non_null(strstr(again, "DTSTART:20260316T100000Z\r\nDTEND:20260316T103000Z\r\n"));
	assert_non_null(strstr(again, "SEQUENCE:1\r\n"));
	free(again);
	moved.cancelled = true;
	again = socle_calendar_invitation(e->core->services[0], &moved, &err);
	assert_non_null(strstr(again, "METHOD:CANCEL\r\n"));
	assert_non_null(strstr(again, "STATUS:CANCELLED\r\n"));
	free(again);
	free(ics);
}

static void test_bad_events_refused(void **state)
{
	struct env *e = *state;
	socle_err err = SOCLE_ERR_INIT;
	struct socle_calendar_event bad[5];

	for (size_t i = 0; i < 5; i++)
		bad[i] = visit;
	bad[0].uid = "visit 42";                 /* a space */
	bad[1].ends_at_ms = bad[1].starts_at_ms; /* no duration */
	bad[2].summary = "Visite\r\nATTENDEE:mailto:x@y.test"; /* a property smuggled in */
	bad[3].attendee = "x@y.test\r\nX:1";
	bad[4].summary = NULL;
	for (size_t i = 0; i < 5; i++) {
		err.code = 0;
		assert_null(socle_calendar_invitation(e->core->services[0], &bad[i], &err));
		assert_int_equal(err.code, SOCLE_E_INVAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invitation_shape),
		cmocka_unit_test(test_bad_events_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
