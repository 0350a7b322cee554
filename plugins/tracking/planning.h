/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* What the planning files share (see the head of planning.c for which file
 * holds what). Internal to the plugin, as tracking.h. */
#ifndef SOCLE_PLUGIN_TRACKING_PLANNING_H
#define SOCLE_PLUGIN_TRACKING_PLANNING_H

#include "tracking.h"

#define SLOT_COLUMNS                                                                           \
	"id, professional_id, role, site, starts_at, duration_min, visit_types, mode, offered,"    \
	" status, request_id, starts_ms"

#define REQUEST_COLUMNS                                                                        \
	"id, worker_id, company_id, type, requested_by, requested_on, due_before, reason, site,"   \
	" leave_id, priority, priority_reason, status, slot_id, unplaced_reason, unplaced_at,"     \
	" scheduled_at, cancel_reason, created_by, created_at, updated_at, not_before"

/* ---- planning.c ---- */
/* The setting cancel_cutoff_hours (48 by default): the last hours before a
 * visit when an employer can no longer cancel it online. */
int64_t tracking_cutoff_hours(socle_service *svc);
/* A rule's "reason": a non-empty French text (visit_priority, assign_slot). */
int tracking_check_reason(const json_t *r, socle_err *err);
/* The caller's user id as JSON, null without a caller (a job). */
json_t *tracking_user_of(socle_req *req);
/* A positive integer query argument (0 when absent), or -1 when malformed. */
int64_t tracking_query_id(socle_req *req, const char *name);
/* A slot row for replies and rules (visit_types a list, offered a boolean),
 * with or without its internal instant starts_ms. Returns @p row. */
json_t *tracking_slot_view_ms(json_t *row, bool keep_ms);
json_t *tracking_slot_view(json_t *row);
/* Does the slot (tracking_slot_view) admit visits of @p type? */
bool tracking_slot_allows(const json_t *slot, const char *type);
/* A slot or a request by id; NULL with SOCLE_E_NOTFOUND and a French message. */
json_t *tracking_slot_load(socle_db *db, int64_t id, socle_err *err);
json_t *tracking_request_load(socle_db *db, int64_t id, socle_err *err);
/* What visit_priority and assign_slot see of a request (new). */
json_t *tracking_request_rule_view(const json_t *r);

/* ---- secrecy.c ---- */
/* The request @p r as the caller may see it (the reason given by the worker
 * or a physician only to the worker and through the medical gate). */
json_t *tracking_request_for(socle_req *req, json_t *r);

/* ---- requests.c ---- */
/* The request of the path parameter @p name after the access checks, or NULL
 * once a reply was sent; @p company_only: employers and staff only. */
json_t *tracking_request_param(socle_req *req, const char *name, bool company_only);

/* ---- booking.c ---- */
/* One booking decided outside the write: the request and the slot. The write
 * books them and enqueues the convocation job; the mails are rendered and
 * queued by that job, off the request path (an assignment run books
 * thousands of visits; their convocations follow through the job queue). */
struct booking {
	json_t *request;   /* row (owned) */
	json_t *slot;      /* row, tracking_slot_view (owned) */
	bool offered_only; /* the employer's choice: the slot must be offered */
	bool done;         /* booked by the write */
	char failure[200]; /* why the write did not book */
};
void tracking_booking_clear(struct booking *bk);
/* In a write: book the slot for the request if both are still open, then the
 * event visit.scheduled, the audit entry and the convocation job. 0
 * (bk->done tells whether it booked) or a store error. */
int tracking_booking_apply(socle_db *wdb, socle_req *req, struct booking *bk, const char *how,
                           socle_err *err);

/* ---- convocation.c ---- */
/* The cancellation notices of a scheduled visit, [{to, subject, text}], to
 * the convocation's recipients; NULL on error. */
json_t *tracking_cancel_mails(socle_service *svc, socle_db *db, const json_t *r,
                              const json_t *slot, socle_err *err);

/* ---- each file's registrations (tracking_planning_init calls them) ---- */
int tracking_agenda_init(socle_plugin *p, socle_err *err);
int tracking_requests_init(socle_plugin *p, socle_err *err);
int tracking_booking_init(socle_plugin *p, socle_err *err);
int tracking_assignment_init(socle_plugin *p, socle_err *err);
int tracking_convocation_init(socle_plugin *p, socle_err *err);
int tracking_sms_init(socle_plugin *p, socle_err *err); /* sms_reminder.c */
/* The worker's mobile number when he agreed to reminders by SMS: 1 (number
 * filled), 0 (none or no consent), or a negative code. sms_reminder.c */
int tracking_sms_contact(socle_db *db, int64_t worker_id, char number[SOCLE_SMS_NUMBER_SIZE],
                         socle_err *err);

#endif
