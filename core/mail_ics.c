/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Calendar invitations (RFC 5545): the .ics a convocation carries, so that the
 * visit lands in the recipient's calendar with its time, place and the
 * service to call. Times are written in UTC (a "Z" time needs no VTIMEZONE
 * and every client shows it in its own zone). The UID is built from the
 * caller's stable id, so a rescheduled visit (SEQUENCE + 1) or a cancelled one
 * updates the same calendar entry instead of adding another. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mail.h"

#define ICS_LINE_OCTETS 75

/* One content line, folded at 75 octets: a fold is CRLF and a space, never
 * between the bytes of one UTF-8 character. */
static void ics_line(FILE *f, const char *line)
{
	size_t len = strlen(line), at = 0, room = ICS_LINE_OCTETS;

	while (len - at > room) {
		size_t n = room;

		while (n > 0 && ((unsigned char)line[at + n] & 0xC0) == 0x80)
			n--;
		fwrite(line + at, 1, n, f);
		fputs("\r\n ", f);
		at += n;
		room = ICS_LINE_OCTETS - 1; /* the leading space counts */
	}
	fputs(line + at, f);
	fputs("\r\n", f);
}

/* NAME:value with the value's TEXT escaped (\\ \; \, and \n for a line). */
static void ics_text(FILE *f, const char *name, const char *value)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (m == NULL)
		return;
	fprintf(m, "%s:", name);
	for (const char *p = value; *p; p++) {
		if (*p == '\\' || *p == ';' || *p == ',')
			fprintf(m, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", m);
		else if (*p != '\r')
			fputc(*p, m);
	}
	if (fclose(m) == 0)
		ics_line(f, buf);
	free(buf);
}

static void ics_time(FILE *f, const char *name, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char line[64];

	gmtime_r(&t, &tm);
	strftime(line, sizeof(line), "%Y%m%dT%H%M%SZ", &tm);
	fprintf(f, "%s:%s\r\n", name, line);
}

/* A CN parameter value: quoted, without the characters a quoted value
 * cannot hold. */
static void cn_param(char *out, size_t size, const char *name)
{
	size_t n = 0;

	for (const char *p = name; *p && n + 1 < size; p++)
		if (*p != '"' && *p != '\r' && *p != '\n')
			out[n++] = *p;
	out[n] = '\0';
}

SOCLE_API char *socle_calendar_invitation(const socle_service *svc,
                                          const struct socle_calendar_event *ev, socle_err *err)
{
	struct mail_route r;
	char *buf = NULL, line[1200], cn[300];
	size_t len = 0;

	if (svc == NULL || ev == NULL || ev->uid == NULL || ev->uid[0] == '\0' ||
	    strlen(ev->uid) > 200 ||
	    strspn(ev->uid, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
	            strlen(ev->uid))
		return socle_err_set(err, SOCLE_E_INVAL, "identifiant d'événement invalide"), NULL;
	if (ev->starts_at_ms <= 0 || ev->ends_at_ms <= ev->starts_at_ms)
		return socle_err_set(err, SOCLE_E_INVAL, "l'événement finit après son début"), NULL;
	if (ev->summary == NULL || ev->summary[0] == '\0' || strpbrk(ev->summary, "\r\n"))
		return socle_err_set(err, SOCLE_E_INVAL, "intitulé de l'événement absent ou sur "
		                     "plusieurs lignes"), NULL;
	if (ev->attendee != NULL && strpbrk(ev->attendee, "\r\n\":;,<> ") != NULL)
		return socle_err_set(err, SOCLE_E_INVAL, "adresse du participant invalide"), NULL;
	FILE *f = open_memstream(&buf, &len);
	if (f == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "out of memory"), NULL;
	mail_route_of(svc, &r);
	const char *email = json_string_value(json_object_get(svc->identity, "email"));
	const char *name = json_string_value(json_object_get(svc->identity, "legal_name"));
	const char *phone = json_string_value(json_object_get(svc->identity, "phone"));

	fputs("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Socle//Socle " SOCLE_VERSION "//FR\r\n"
	      "CALSCALE:GREGORIAN\r\n", f);
	fprintf(f, "METHOD:%s\r\nBEGIN:VEVENT\r\n", ev->cancelled ? "CANCEL" : "REQUEST");
	snprintf(line, sizeof(line), "UID:%s.%s@%s", ev->uid, svc->id, r.domain);
	ics_line(f, line);
	ics_time(f, "DTSTAMP", socle_now_ms());
	ics_time(f, "DTSTART", ev->starts_at_ms);
	ics_time(f, "DTEND", ev->ends_at_ms);
	fprintf(f, "SEQUENCE:%d\r\nSTATUS:%s\r\nTRANSP:OPAQUE\r\n", ev->sequence > 0 ? ev->sequence : 0,
	        ev->cancelled ? "CANCELLED" : "CONFIRMED");
	ics_text(f, "SUMMARY", ev->summary);
	if (ev->location != NULL && ev->location[0] != '\0')
		ics_text(f, "LOCATION", ev->location);
	/* The description ends with how to reach the service: a calendar entry
	 * is often all a worker looks at on the day. */
	char *desc = NULL;
	size_t dlen = 0;
	FILE *d = open_memstream(&desc, &dlen);
	if (d != NULL) {
		if (ev->description != NULL && ev->description[0] != '\0')
			fprintf(d, "%s\n\n", ev->description);
		fprintf(d, "%s", name ? name : svc->name);
		if (phone)
			fprintf(d, "\nTél. %s", phone);
		if (email)
			fprintf(d, "\nCourriel : %s", email);
		if (fclose(d) == 0)
			ics_text(f, "DESCRIPTION", desc);
		free(desc);
	}
	cn_param(cn, sizeof(cn), name ? name : svc->name);
	snprintf(line, sizeof(line), "ORGANIZER;CN=\"%s\":mailto:%s", cn, email ? email : r.envelope);
	ics_line(f, line);
	if (ev->attendee != NULL) {
		snprintf(line, sizeof(line), "ATTENDEE;ROLE=REQ-PARTICIPANT;RSVP=FALSE:mailto:%s",
		         ev->attendee);
		ics_line(f, line);
	}
	fputs("END:VEVENT\r\nEND:VCALENDAR\r\n", f);
	if (fclose(f) != 0) {
		free(buf);
		return socle_err_set(err, SOCLE_E_NOMEM, "out of memory"), NULL;
	}
	return buf;
}
