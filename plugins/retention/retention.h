/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The job-retention plugin's internal interface between its files (issue 17,
 * seed 3.5, prévention de la désinsertion professionnelle):
 *   retention.c  descriptor, migration, capabilities, catalogues, start
 *   cases.c      cases of the PDP cell: signals (rule point retention_signal,
 *                fed by tracking's events), team, steps, consent, the
 *                secrecy matrix, the worker's and the employer's views
 *   proposals.c  proposals of job adjustment (from tracking's events and the
 *                job study), sent to the employer with consent, its answers
 *   support.c    social support, scheduled tasks (3- and 6-month follow-ups,
 *                the one-year review) and their reminders, the review
 *   partners.c   partners directory, referrals, serious events
 *   indicators.c the indicators of 3.5.1.3, 3.5.2.2, 3.5.3.2
 * Every symbol here is internal to the plugin. */
#ifndef SOCLE_PLUGIN_RETENTION_H
#define SOCLE_PLUGIN_RETENTION_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <socle/socle.h>
#include <socle/membership.h>

extern socle_plugin *retention_plugin;
extern const struct membership_v1 *retention_membership;
extern const char retention_sql_v1[];

int retention_cases_init(socle_plugin *p, socle_err *err);
int retention_proposals_init(socle_plugin *p, socle_err *err);
int retention_support_init(socle_plugin *p, socle_err *err);
int retention_partners_init(socle_plugin *p, socle_err *err);
int retention_indicators_init(socle_plugin *p, socle_err *err);
int retention_documents_init(socle_plugin *p, socle_err *err);

/* The reminders of due tasks, for every service that enables retention
 * (support.c): at start and from a timer. */
void retention_tasks_remind(socle_core *core);
/* A few cases, partners and a serious event where the setting demo_data is
 * true and no case exists yet (demo.c). */
void retention_demo_data(socle_core *core);

/* ---- the case and who may read what (cases.c) ---- */
/* What a step, a document or a field is about: who in the cell reads it. */
enum retention_class {
	RETENTION_GENERAL, /* every member of the case's team */
	RETENTION_MEDICAL, /* the médecin and the infirmier of the team (opposition: médecin) */
	RETENTION_SOCIAL,  /* the assistant social of the team */
	RETENTION_STUDY,   /* the job study: medical readers and the IPRP of the team */
};
/* The case @p case_id, or NULL (404 replied when @p req is given). */
json_t *retention_case_load(socle_db *db, int64_t case_id, socle_err *err);
/* May the caller, a member of the cell, read @p cls of case @p c? Writes the
 * access (ok or denied) to the audit log; medical reads pass the core's
 * medical gate. 0, or SOCLE_E_FORBIDDEN (audited) with @p err set. */
int retention_access(socle_req *req, const json_t *c, enum retention_class cls,
                     const char *action, socle_err *err);
/* The case of path parameter {id} and the caller's right to act on it in
 * @p cls (retention_access, audited as @p action); NULL when a reply (404,
 * 403) is due, with @p err set. */
json_t *retention_case_of_path(socle_req *req, enum retention_class cls, const char *action,
                               socle_err *err);
/* Is the caller in the case's team (or a médecin before the case has one)? */
bool retention_in_team(socle_req *req, const json_t *c);
/* The worker's last word on @p scope ("employer", "partner") in case @p case_id:
 * true when given and not withdrawn. */
bool retention_consent_given(socle_db *db, int64_t case_id, const char *scope, socle_err *err);
/* Append a step to the case's history in the write of @p wdb. */
int retention_step_add(socle_db *wdb, int64_t case_id, const char *kind, enum retention_class cls,
                       const char *title, const char *content, const char *on_date,
                       int64_t by_user, socle_err *err);
/* Schedule a task of the case (support.c): @p kind "follow_up_3m",
 * "follow_up_6m", "review_1y"; @p role the role it falls to. */
int retention_task_add(socle_db *wdb, int64_t case_id, const char *kind, const char *due_on,
                       const char *role, socle_err *err);

/* The routes of case_actions.c (open, steps, consents, the worker's space). */
int retention_cases_routes(socle_plugin *p, socle_err *err);
/* The proposals of a visit outcome (tracking's event) on case @p case_id. */
int retention_proposals_from_visit(socle_db *wdb, int64_t case_id, const json_t *payload,
                                   socle_err *err);
/* 409 consent_required, in French. */
int retention_reply_consent(socle_req *req);

/* The indicators over [from, to] for the service, one company (@p company
 * > 0) or one NAF division (@p naf, two digits, may be NULL): a new object, or
 * NULL with @p err set (indicators.c; the benchmark calls it too). */
json_t *retention_indicators_compute(socle_db *db, const char *from, const char *to,
                                     int64_t company, const char *naf, socle_err *err);

/* ---- small helpers ---- */
#define NOMEM(err) socle_err_set((err), SOCLE_E_NOMEM, "mémoire insuffisante")

static inline int64_t iget(const json_t *o, const char *k)
{
	return (int64_t)json_integer_value(json_object_get(o, k));
}

static inline const char *sget(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static inline int q_ok(socle_db *db, const char *sql, json_t *p, socle_err *err)
{
	int rc = socle_db_run_new(db, sql, p, err);

	return rc < 0 ? rc : 0;
}

static inline int emit(socle_db *wdb, const char *event, json_t *payload, socle_err *err)
{
	if (payload == NULL)
		return NOMEM(err);
	int rc = socle_event_emit(wdb, event, payload, err);

	json_decref(payload);
	return rc;
}

static inline int audit(socle_db *wdb, socle_req *req, const char *action, const char *type,
                        int64_t id, json_t *detail, socle_err *err)
{
	struct socle_audit_entry e = {.action = action, .object_type = type, .object_id = id,
	                              .outcome = "ok", .detail = detail};
	int rc = detail ? socle_audit(wdb, req, &e, err) : NOMEM(err);

	json_decref(detail);
	return rc;
}

static inline int reply_fail(socle_req *req, socle_err *err)
{
	return err->code ? socle_reply_err(req, err) : SOCLE_E_NOMEM;
}

static inline int64_t user_of(socle_req *req)
{
	const socle_principal *p = socle_req_principal(req);

	return p ? socle_principal_user_id(p) : 0;
}

static inline int role_of(socle_req *req)
{
	const socle_principal *p = socle_req_principal(req);

	return p ? socle_principal_role(p) : 0;
}

/* A 403 with its French message, the refusal audited. */
int retention_forbid(socle_req *req, const char *action, const char *type, int64_t id,
                     const char *msg, socle_err *err);

/* Check @p body against @p fields; on errors reply 422 and return true. */
bool retention_invalid(socle_req *req, const struct socle_field *fields, size_t n);

/* Write with a reply built by the transaction: the common tail of POST routes. */
struct retention_write {
	socle_req *req;
	const json_t *body;
	int64_t id, id2;
	json_t *c;      /* the case, when loaded */
	json_t *result; /* the reply's body (status @p status) */
	void *extra;
};
int retention_write_reply(socle_req *req, socle_write_fn fn, struct retention_write *w,
                          unsigned status);

#endif
