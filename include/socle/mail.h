/* SPDX-License-Identifier: AGPL-3.0-or-later */
/** @file
 * Outgoing mail: queued in a write transaction, sent by the loop thread.
 *
 * A mail is a durable job ("mail.send"): it commits with the data it belongs
 * to (an approval and its invitation, a convocation and its reminders), is
 * retried with backoff when the transport fails, and is sent at least once.
 *
 * Transport: the deployment's "mail" setting, which a service may override
 * (docs/config.md). "file", the development default: each mail becomes an
 * RFC 5322 .eml file in <outbox>/<service id>/ (named after the job, so a
 * retry rewrites the same file). "smtp" (ABI 1.6): sent to a relay through
 * libcurl, STARTTLS or implicit TLS, with authentication; a 4xx answer or a
 * dropped connection is retried with the jobs' backoff, a 5xx answer is a
 * permanent failure (the job is dead at once, its answer kept for staff in
 * GET /api/v1/{service}/outbox). Every mail job has one Message-ID, so a
 * retry after a drop between the end of the message and the server's answer
 * sends the same Message-ID again: at most one duplicate, recognisable.
 * (ABI 1.1; attachments and HTML part 1.6)
 */
#ifndef SOCLE_MAIL_H
#define SOCLE_MAIL_H

#include <socle/defs.h>
#include <socle/err.h>

struct socle_mail {
	const char *to;       /* one address */
	const char *subject;  /* UTF-8, one line */
	const char *text;     /* plain-text body, UTF-8 */
	const char *category; /* "invitation", "convocation", "rappel"...: for logs and filters */
};

/** Queue @p mail in the transaction of @p wdb, to be sent at @p send_at_ms
 * (0: now). Checks the address and refuses line breaks in headers
 * (SOCLE_E_INVAL). Returns the job id (> 0) or a negative code. */
SOCLE_API int64_t socle_mail_queue(socle_db *wdb, const struct socle_mail *mail,
                                   int64_t send_at_ms, socle_err *err);

/** An attachment (ABI 1.6): copied into the job when queued. */
struct socle_mail_attachment {
	const char *name;         /* file name shown: [A-Za-z0-9._-], 1..100 characters */
	const char *content_type; /* "application/pdf", "text/calendar; method=REQUEST" */
	const void *data;
	size_t len;               /* 1..SOCLE_MAIL_ATTACHMENTS_MAX in all */
};

#define SOCLE_MAIL_ATTACHMENTS_MAX (512 * 1024) /* bytes, all attachments of a mail */
#define SOCLE_MAIL_ATTACHMENTS_COUNT 8

/** What a mail may carry beyond its text (ABI 1.6). */
struct socle_mail_parts {
	const char *html; /* optional HTML alternative of the text (a whole page or a fragment);
	                   * the service's signature is appended to both */
	const struct socle_mail_attachment *attachments;
	size_t n_attachments; /* 0..SOCLE_MAIL_ATTACHMENTS_COUNT */
};

/** socle_mail_queue with an HTML alternative and attachments (ABI 1.6).
 * @p parts may be NULL (then it is socle_mail_queue). A bad name, content
 * type or size is SOCLE_E_INVAL and queues nothing. */
SOCLE_API int64_t socle_mail_queue_parts(socle_db *wdb, const struct socle_mail *mail,
                                         const struct socle_mail_parts *parts,
                                         int64_t send_at_ms, socle_err *err);

/** A calendar invitation (ABI 1.6): one event of the service. */
struct socle_calendar_event {
	const char *uid;         /* stable per event, [A-Za-z0-9._-]: "tracking-visit-42"; the
	                          * core makes it global ("...@<service>.<sender's domain>") */
	int64_t starts_at_ms;    /* UTC */
	int64_t ends_at_ms;      /* UTC, after the start */
	const char *summary;     /* one line, UTF-8: "Visite d'information et de prévention" */
	const char *location;    /* optional: the site's address, or "Téléconsultation" */
	const char *description; /* optional, several lines allowed */
	const char *attendee;    /* optional: the recipient's address */
	int sequence;            /* 0, then one more each time the event moves */
	bool cancelled;          /* METHOD:CANCEL, STATUS:CANCELLED */
};

/** The event as an iCalendar object (RFC 5545, caller frees): VCALENDAR with
 * METHOD REQUEST (or CANCEL), one VEVENT whose UID is stable, DTSTAMP the
 * business clock, DTSTART and DTEND in UTC, LOCATION, the service's contact
 * (identity name and e-mail) as ORGANIZER; lines end in CRLF and are folded
 * at 75 octets (never inside a UTF-8 character), text is escaped. Attach it
 * as "text/calendar; charset=UTF-8; method=REQUEST". NULL with @p err set
 * (SOCLE_E_INVAL) on a bad uid, times or summary. */
SOCLE_API char *socle_calendar_invitation(const socle_service *svc,
                                          const struct socle_calendar_event *ev, socle_err *err);

#endif
