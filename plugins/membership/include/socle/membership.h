/* SPDX-License-Identifier: AGPL-3.0-or-later */
/** @file
 * membership.v1: what the membership plugin offers other plugins (socle/export.h).
 *
 * Import it in init() after naming "membership" in the descriptor's requires:
 *
 *     static const struct membership_v1 *M;
 *     M = socle_plugin_import(p, MEMBERSHIP_V1_NAME, MEMBERSHIP_V1_MAJOR,
 *                             sizeof(*M), 0, err);
 *     if (M == NULL) return err->code;
 *
 * Every function takes the caller's connection @p db (a reader, or the
 * writer inside a write transaction, whose own writes it then sees) and never
 * writes. JSON results are new references the caller releases; on failure they
 * are NULL with @p err set (SOCLE_E_NOTFOUND for an unknown id). Dates are
 * "YYYY-MM-DD". The struct only grows at the end: members are appended, never
 * removed or changed (that would be membership.v2).
 *
 * Events keep a consumer's own copy current (docs/events.md): worker.declared,
 * worker.updated, worker.left, worker.category_changed, company.joined,
 * company.left (each with worker_id and/or company_id).
 */
#ifndef SOCLE_MEMBERSHIP_H
#define SOCLE_MEMBERSHIP_H

#include <jansson.h>
#include <socle/defs.h>
#include <socle/err.h>

#define MEMBERSHIP_V1_NAME "membership"
#define MEMBERSHIP_V1_MAJOR 1u

/* Employer roles a company grants its users (membership_company_user). */
#define MEMBERSHIP_EMPLOYER_ADMIN "admin"             /* manages the company's users */
#define MEMBERSHIP_EMPLOYER_DECLARATION "declaration" /* declares and updates workers */
#define MEMBERSHIP_EMPLOYER_CONVOCATION "convocation" /* books, moves, cancels visits */
#define MEMBERSHIP_EMPLOYER_BILLING "billing"         /* invoices and payment */

/** One worker as the streaming reader hands it (borrowed for the callback's
 * duration only). @p size is sizeof(struct membership_worker_row) as the
 * exporter built it: read a member appended later only when size covers it. */
struct membership_worker_row {
	size_t size;
	int64_t id;
	int64_t company_id;
	const char *last_name, *first_name;
	const char *birth_date;
	const char *job_title;
	const char *contract_type;   /* cdi, cdd, interim, apprentissage */
	const char *start_date;
	const char *end_date;        /* NULL while employed */
	const char *category;        /* SI, SIA, SIR; NULL when not computed */
	const char *exposures;       /* JSON array text of risk codes */
	bool night_worker, rqth, invalidity_pension, sir_post, caces_or_electrical,
		ionising_category_a, minor_regulated_work;
	/* Appended (membership.v1, riskeval's fiche per establishment): the
	 * establishment the worker works in, 0 when the employer named none.
	 * Read it only when size > offsetof(struct membership_worker_row,
	 * establishment_id). */
	int64_t establishment_id;
	/* Appended (membership.v1, issue 10 item 13: what sets visits owed at a
	 * date; each NULL when unknown). Read them only when size covers
	 * end_reason. assigned_on: the day the latest change bringing night work
	 * or the SIR takes effect (the visit is owed before it, R4624-18,
	 * R4624-24), declared on assignment_declared_on; sir_ended_on: the day
	 * the worker left the SIR (post-exposition, L4624-2-1); end_reason: the
	 * exit's reason (retraite, demission, licenciement, fin_de_contrat,
	 * rupture_conventionnelle, autre). */
	const char *assigned_on;
	const char *assignment_declared_on;
	const char *sir_ended_on;
	const char *end_reason;
};

/** Return 0 to go on, anything else to stop the reading (returned as is). */
typedef int (*membership_worker_fn)(const struct membership_worker_row *w, void *ud);

/** One company as companies_each hands it (borrowed for the callback's
 * duration only); @p size as in membership_worker_row. */
struct membership_company_row {
	size_t size;
	int64_t id;
	const char *status;     /* applied, member, rejected, left */
	const char *siret;      /* 14 digits, its siège */
	const char *legal_name;
	const char *naf_code;   /* "4941A" */
	int64_t headcount;      /* as declared at membership */
	const char *postcode, *city;
	const char *joined_on;  /* NULL until a member */
	const char *left_on;    /* NULL while a member */
	int64_t establishments; /* establishments declared besides it, 0 for one site */
};

/** Return 0 to go on, anything else to stop the reading (returned as is). */
typedef int (*membership_company_fn)(const struct membership_company_row *c, void *ud);

struct membership_v1 {
	/** One worker: {"id", "company_id", "external_ref", "last_name", "first_name",
	 * "birth_date", "job_title", "contract_type", "start_date", "end_date",
	 * "working_time", "night_worker", "rqth", "invalidity_pension", "exposures"
	 * (array), "sir_post", "caces_or_electrical", "ionising_category_a",
	 * "minor_regulated_work", "category", "category_review_on", and since
	 * issue 10 item 13 "end_reason", "assigned_on", "sir_ended_on"}. */
	json_t *(*worker_get)(socle_db *db, int64_t worker_id, socle_err *err);

	/** A company's workers by pages of at most @p limit (1..500), in id order
	 * after @p after_id: {"items": [worker...], "next_cursor": "id" or null}. */
	json_t *(*company_workers)(socle_db *db, int64_t company_id, int64_t after_id, int limit,
	                           socle_err *err);

	/** Every worker (of one company when @p company_id > 0), in id order after
	 * @p after_id, one row at a time, without building JSON: for bulk jobs that
	 * keep their own copy. Returns 0, fn's non-zero value, or a negative code. */
	int (*workers_each)(socle_db *db, int64_t company_id, int64_t after_id,
	                    membership_worker_fn fn, void *ud, socle_err *err);

	/** Number of workers (of one company when @p company_id > 0), or a negative
	 * code: what a copy's count is checked against. */
	int64_t (*workers_count)(socle_db *db, int64_t company_id, socle_err *err);

	/** One company: {"id", "reference", "member_number", "status" (applied,
	 * member, rejected, left), "siret", "legal_name", "naf_code", "headcount",
	 * "address_line", "postcode", "city", "joined_on", "left_on",
	 * "contact": {"name", "email", "phone"}}. */
	json_t *(*company_get)(socle_db *db, int64_t company_id, socle_err *err);

	/** 1 when the company exists (whatever its status), 0 when not, or a
	 * negative code. */
	int (*company_exists)(socle_db *db, int64_t company_id, socle_err *err);

	/** Who to write to about the company: the contact given at membership first
	 * ({"name", "email", "phone", "kind": "contact"}), then its employer users
	 * holding @p employer_role (NULL: any) ({"user_id", "name", "email",
	 * "kind": "user"}). Addresses appear once. */
	json_t *(*company_contacts)(socle_db *db, int64_t company_id, const char *employer_role,
	                            socle_err *err);

	/** The employer users of a company: [{"user_id", "name", "email", "roles":
	 * ["admin", "convocation"...]}], those holding @p employer_role only when
	 * it is not NULL. */
	json_t *(*company_employers)(socle_db *db, int64_t company_id, const char *employer_role,
	                             socle_err *err);

	/** The worker's follow-up category and its history, newest first:
	 * {"category", "reasons", "basis", "review_on", "history": [{"category",
	 * "changed_on", "source"}]}. */
	json_t *(*worker_category)(socle_db *db, int64_t worker_id, socle_err *err);

	/** May employer user @p user_id act for company @p company_id in
	 * @p employer_role (one of MEMBERSHIP_EMPLOYER_*)? 1 yes, 0 no, or a
	 * negative code. Staff are not employer users: check their capability. */
	int (*employer_may)(socle_db *db, int64_t user_id, int64_t company_id,
	                    const char *employer_role, socle_err *err);

	/** The establishments the company declared at membership, in id order:
	 * [{"establishment_id", "siret" (14 digits), "name" (or null),
	 *   "address_line", "postcode", "city", "headcount"}]; an empty array for
	 * a company that declared none (its own SIRET and address then stand for
	 * its single site). SOCLE_E_NOTFOUND for an unknown company. Appended
	 * after employer_may: check the imported size (sizeof up to this member)
	 * before calling it from a plugin built against an older header. */
	json_t *(*company_establishments)(socle_db *db, int64_t company_id, socle_err *err);

	/** How to convoke and address worker @p worker_id (issue 10 item 16):
	 * {"civility": "madame" | "monsieur" | null, "email": text or null,
	 *  "mobile": "+33612345678" or null}, as the employer declared them. They
	 * serve convocations and reminders only ("sert uniquement aux convocations
	 * et rappels"): never an account's address, never a way to open or reach
	 * the employee space. SOCLE_E_NOTFOUND for an unknown worker. Appended
	 * after company_establishments: check the imported size first. */
	json_t *(*worker_contact)(socle_db *db, int64_t worker_id, socle_err *err);

	/** Every company of status @p status ("applied", "member", "rejected",
	 * "left"; NULL: any), in id order after @p after_id, one row at a time
	 * without building JSON: for the bulk passes of other plugins (a list of
	 * every company, a pass over the service's members), which read a company
	 * with workers or without. Returns 0, fn's non-zero value, or a negative
	 * code (SOCLE_E_INVAL for an unknown status). Appended after
	 * worker_contact: check the imported size first. */
	int (*companies_each)(socle_db *db, const char *status, int64_t after_id,
	                      membership_company_fn fn, void *ud, socle_err *err);
};

#endif
