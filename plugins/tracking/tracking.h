/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The tracking plugin's internal interface between its files:
 *   tracking.c   descriptor, init: migrations then each area's registrations
 *   visits.c     the visit engine: rule point next_visits, its contract, the
 *                simulation route (what-if for a worker, with explanations)
 *   leave.c      sick leave (arrêts): the leaves, their routes, the check of a
 *                visit request, the thresholds of absence; leave_rules.c: the
 *                contracts of leave_obligations and visit_request_allowed
 *   planning.c   the planning's schema and what its files share (planning.h):
 *                agenda.c (professionals, slots), requests.c (visit requests,
 *                visit_priority), assignment.c (assign_slot, the automatic
 *                assignment), booking.c (booking, cancellation, no-shows),
 *                convocation.c (convocation_text, convocations and reminders
 *                by mail jobs, cancellation mails)
 *   dmst.c       the dossier médical en santé au travail: entries, INS,
 *                oppositions, retention dates; health professionals only,
 *                every access audited
 *   outcome.c    visit outcomes (attestation de suivi, avis d'aptitude /
 *                d'inaptitude, proposals of job adjustment, orientation,
 *                ordonnance de prévention, notes to the DMST); visit.completed
 *   documents.c  the outcome's documents: JSON, printable HTML, PDF
 *   reprise.c    the reprise warning (event handlers and its job)
 *   indicators.c the indicators of seed 3.3.1.4, per company and service
 *   due.c        every worker's next visits recomputed (job, daily timer) and
 *                kept; one worker's next visits asked now
 *   due_routes.c the routes: runs, the due visits of a company, one worker's
 *                next visits
 *   secrecy.c    who reads the medical content (the medical gate), who is
 *                told of a visit (the visits kept from the employer)
 *   roster.c     membership.v1 (the only door into membership's data) and
 *                tracking_worker, tracking's copy of the workers it follows
 *   service.c    tracking.v1, what tracking offers other plugins
 *                (include/socle/tracking.h)
 * Every symbol here is internal to the plugin (hidden visibility). */
#ifndef SOCLE_PLUGIN_TRACKING_H
#define SOCLE_PLUGIN_TRACKING_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <socle/socle.h>
#include <socle/membership.h>
#include <socle/tracking.h>

/* ---- schema: one migration per area, applied in this order ---- */
extern const char tracking_sql_visits[]; /* v1 */
extern const char tracking_sql_leave[];  /* v2 */
extern const char tracking_sql_planning[]; /* v3 */
extern const char tracking_sql_dmst[];   /* v4 */
extern const char tracking_sql_outcome[]; /* v5 */
extern const char tracking_sql_notices[]; /* v6, planning.c */
extern const char tracking_sql_queue_indexes[]; /* v7, planning.c */
extern const char tracking_sql_due[];    /* v8 */
extern const char tracking_sql_roster[]; /* v9, roster.c */
extern const char tracking_sql_own_keys[]; /* v10, roster.c */
extern const char tracking_sql_request_window[]; /* v11, planning.c */
extern const char tracking_sql_leave_thresholds[]; /* v12, leave.c */
extern const char tracking_sql_dmst_ins[];         /* v13, dmst.c */
extern const char tracking_sql_worker_contact[];   /* v14, sms_reminder.c */
extern const char tracking_sql_roster_assignment[]; /* v15, roster.c */

/* ---- leave.c: the thresholds of absence, from the daily run ---- */
/* Emit sick_leave.threshold_reached for each leave that reached 30 or 60 days
 * of absence by @p on_date and was not announced yet (once per leave and
 * threshold); *emitted (may be NULL) receives how many. 0 or a negative code. */
int tracking_leave_thresholds(socle_service *svc, const char *on_date, int64_t *emitted,
                              socle_err *err);
/* The rule points leave_obligations and visit_request_allowed with their
 * contracts (leave_rules.c), registered by tracking_leave_init. */
int tracking_leave_rules_init(socle_plugin *p, socle_err *err);

/* ---- roster.c: membership.v1, and tracking's own copy of the workers ---- */
extern const struct membership_v1 *tracking_membership;
int tracking_roster_init(socle_plugin *p, socle_err *err);
/* Copy membership's workers again when the copy's count differs. */
int tracking_roster_open(socle_service *svc, socle_err *err);
/* Copy one worker again (after one of membership's worker.* events). */
int tracking_roster_sync_worker(socle_service *svc, int64_t worker_id, int64_t company_id,
                                socle_err *err);
/* 0 when the copy holds as many workers as membership, 1 when not (counts
 * in *copy and *source), or a negative code. */
int tracking_roster_check(socle_service *svc, int64_t *copy, int64_t *source, socle_err *err);
/* Copy every worker again, whatever the counts say. */
int tracking_roster_resync(socle_service *svc, socle_err *err);
/* One worker and its company, as mails and documents name them:
 * {"worker_id", "company_id", "first_name", "last_name", "birth_date",
 * "job_title", "end_date", "legal_name", "contact_email"}; NULL with
 * SOCLE_E_NOTFOUND for an unknown worker. */
json_t *tracking_worker_card(socle_db *db, int64_t worker_id, socle_err *err);
/* For an employer user without membership's "convocation" role for
 * @p company_id: reply 403 (audited) and return true. Staff and the worker
 * pass (their capability and the record checks decide). */
bool tracking_convocation_refused(socle_req *req, int64_t company_id);
/* The worker's own active accounts (employee users bound to it), [{"email"...}]. */
json_t *tracking_worker_accounts(socle_db *db, int64_t worker_id, socle_err *err);

/* ---- the visit types (visits.c) ---- */
struct tracking_visit_type {
	const char *code;
	const char *label;   /* French, for lists, convocations and documents */
	const char *who;     /* "medecin", "professionnel_sante" or "service" (not medical) */
	const char *basis;   /* the article that founds it */
	const char *request; /* its request type for visit_request_allowed, or NULL */
	int ceiling_months;  /* longest legal delay to the next visit after this one */
	bool sir;            /* concludes with an avis d'aptitude */
};
#define TRACKING_VISIT_TYPES ((size_t)14)
/* The codes, in the table's order, NULL-terminated (enum field checks). */
extern const char *const tracking_visit_type_codes[TRACKING_VISIT_TYPES + 1];
/* The type of @p code, or NULL. */
const struct tracking_visit_type *tracking_visit_type(const char *code);

/* ---- the DMST's retention (dmst.c) ---- */
/* At least 40 years after the last visit (or the file's creation), at most
 * 10 years after death (L4624-8, décret 2022-1434). */
void tracking_dmst_retention_until(const char *last_visit, const char *death,
                                   const char *created_on, char until[11]);

/* ---- medical secrecy: who reads what (secrecy.c; README "Secret") ---- */
/* The one gate of every route that reads or writes medical content of
 * @p worker: the DMST and its entries, the documents of a visit, the notes of
 * an outcome, the reason a worker or a physician gave for a request. Health
 * professionals only (socle_access_medical: the access is written durably to
 * the audit log before anything leaves, and shows in the worker's access
 * list), and of them only the médecin du travail when the worker opposed
 * access by the other professionals (L4624-8: the refusal is audited as
 * denied, reason "opposition"). @p action names the access ("dmst.read",
 * "dmst.document.read"...). 0 when allowed; otherwise a negative code with
 * @p err set (SOCLE_E_FORBIDDEN: a 403 with its French message). */
int tracking_medical_access(socle_req *req, int64_t worker, const char *action, socle_err *err);

/* Is a visit of @p type asked by @p requested_by kept from the employer? A
 * pré-reprise, whoever asked for it (L4624-2-4, R4624-29, R4624-30: the
 * employer learns at most the médecin's recommendations, and only unless the
 * worker objects), and a visite à la demande the worker asked for (R4624-34).
 * The employer is then not convoked, reminded nor told of a cancellation,
 * cannot read, book or cancel the request, finds it in no list or count, and
 * receives no document of it but an avis d'inaptitude (R4624-42: he took part
 * in the exchange that precedes it). */
bool tracking_hidden_from_employer(const char *type, const char *requested_by);
/* The same rule in SQL, on the visit request aliased @p r (a string literal). */
#define TRACKING_HIDDEN_SQL(r)                                                                \
	"(" r ".type = 'pre_reprise' OR (" r ".type = 'visite_a_la_demande' AND " r              \
	".requested_by = 'worker'))"
/* An employer user asks about a visit kept from him: the refusal is audited
 * (@p action on the worker, reason "hidden_from_employer") and true is
 * returned; the caller then answers as for a visit that does not exist
 * (404). False for anyone else, or for a visit the employer may know of. */
bool tracking_employer_kept_out(socle_req *req, int64_t worker, const char *type,
                                const char *requested_by, const char *action);

/* The worker's own change of its two opposition flags (dmst.c), audited, the
 * médecins told by mail: {"worker_id", "opposition_other_professionals",
 * "opposition_transfer"}, or NULL with @p err set. */
json_t *tracking_dmst_set_oppositions(socle_req *req, int64_t worker, const json_t *flags,
                                      socle_err *err);
/* The worker's and the company's visit lists, the worker's oppositions (worker_space.c). */
int tracking_space_init(socle_plugin *p, socle_err *err);
/* The staff workspace's agenda (staff_space.c). */
int tracking_staff_init(socle_plugin *p, socle_err *err);

/* ---- the contract of next_visits (visits.c) ---- */
/* One visit of next_visits' answer as its contract sees it. Readers fill it
 * from JSON (the rule point's check) or from the Lua stack (the
 * recomputation); tracking_visit_check judges it. Strings are borrowed. */
enum tracking_flag { TRACKING_FLAG_ABSENT, TRACKING_FLAG_TRUE, TRACKING_FLAG_FALSE,
	             TRACKING_FLAG_WRONG };
struct tracking_texts_view {
	long n;      /* entries, -1 when not a list */
	size_t bad;  /* 1-based index of the first entry that is not a text, 0 for none */
};
struct tracking_visit_view {
	bool is_table;
	const char *type, *who, *earliest;             /* NULL: absent or not a text */
	bool has_latest, has_before, has_combinable;   /* the field is present */
	const char *latest, *before, *combinable_from; /* NULL: absent or not a text */
	struct tracking_texts_view basis;
	long explanation_len;                          /* bytes, -1 when not a text */
	enum tracking_flag overdue;
};
int tracking_visit_check(const struct tracking_visit_view *v, size_t n, socle_err *err);
/* The rule point's check: next_visits' answer as JSON. */
int tracking_next_visits_contract(const json_t *r, socle_err *err);
/* next_visits' answer as @p req's caller may read it: the articles whose
 * number is still to be verified (`to_verify`) are for the service's staff
 * only; employers and workers read the articles without that flag. */
void tracking_next_visits_for(socle_req *req, json_t *answer);
/* Each checked visit of next_visits' answer, in order; non-zero stops. */
typedef int (*tracking_visit_fn)(const struct tracking_visit_view *v, void *ud);
/* Read next_visits' answer at @p idx of @p L (a socle_rule_read_fn's work):
 * every visit checked as the contract's check does on JSON, then handed to
 * @p each; the notes checked. 0, or SOCLE_E_CONTRACT with @p err set. */
int tracking_next_visits_read(lua_State *L, int idx, tracking_visit_fn each, void *ud,
                              socle_err *err);

/* ---- each area registers its routes, rule points, capabilities ---- */
int tracking_visits_init(socle_plugin *p, socle_err *err);
int tracking_leave_init(socle_plugin *p, socle_err *err);
int tracking_planning_init(socle_plugin *p, socle_err *err);
int tracking_dmst_init(socle_plugin *p, socle_err *err);
int tracking_outcome_init(socle_plugin *p, socle_err *err);
int tracking_indicators_init(socle_plugin *p, socle_err *err);
int tracking_due_init(socle_plugin *p, socle_err *err);
int tracking_catalog_init(socle_plugin *p, socle_err *err);

/* ---- due visits (due.c) ---- */
/* The engine (next_visits) asked now about one worker: its answer (new), or
 * NULL with @p err: SOCLE_E_NOTFOUND, SOCLE_E_CONFLICT (a datum unreadable,
 * no category yet; French message), or the rule's error. @p company gets the
 * worker's company when known. */
json_t *tracking_next_visits_now(socle_service *svc, socle_db *db, int64_t worker_id,
                                 int64_t *company, socle_err *err);
/* What next_visits is given about one stored worker, as JSON: {"worker",
 * "history"} (the simulator's what-if on him, visits.c); the same errors as
 * tracking_next_visits_now but for a category not yet computed (absent). */
json_t *tracking_next_visits_input(socle_db *db, int64_t worker_id, int64_t *company,
                                   socle_err *err);
struct tracking_due_stats {
	int64_t workers; /* asked about */
	int64_t changed; /* rows written: the answer changed, or was new */
	int64_t failed;  /* recorded with an error (no category, the rule failed) */
};
/* Every worker's next visits on @p on_date through next_visits, shared among
 * @p threads threads; the changed answers written to tracking_due under run
 * @p run_id (the job; the benchmark, which links the plugin statically). */
/* Queue today's run for each service that enables tracking, when missing. */
void tracking_due_schedule(socle_core *core);
int tracking_due_recompute(socle_service *svc, const char *on_date, int64_t run_id, int threads,
                           struct tracking_due_stats *stats, socle_err *err);
/* Queue today's run of the recomputation, in a write (socle_service_write's
 * function, @p ud a struct tracking_due_queue): unless one is queued or
 * running (with only_if_missing, the timer's: nor done today). run_id is the
 * new run (> 0), or minus the one already there. */
struct tracking_due_queue {
	int64_t user_id;
	bool only_if_missing; /* the timer: not when today's run is done */
	int64_t run_id;
};
int tracking_due_queue_txn(socle_db *wdb, void *ud, socle_err *err);
/* The routes of due visits (due_routes.c), registered by tracking_due_init. */
int tracking_due_routes_init(socle_plugin *p, socle_err *err);
/* One worker's next visits recomputed today and written (after a change of
 * the worker or a visit held), so the employer's view is current between the
 * nightly runs. */
int tracking_due_recompute_worker(socle_service *svc, int64_t worker_id, socle_err *err);

/* tracking.v1 (service.c), exported by tracking_init. */
extern const struct tracking_v1 tracking_v1_api;

/* The plugin handle (set in init; read-only afterwards). */
extern socle_plugin *tracking_plugin;

/* The pagination arguments of a list (socle_req_page), as the route
 * descriptions (socle_route_doc) give them to the OpenAPI document: put last
 * in a query field array. */
#define TRACKING_PAGE_QUERY                                                                   \
	{"limit", SOCLE_F_INT, false, 1, 500, NULL, NULL},                                        \
	{"cursor", SOCLE_F_STRING, false, 1, 64, NULL, NULL}

/* ---- small helpers every area uses ---- */
#define NOMEM(err) socle_err_set((err), SOCLE_E_NOMEM, "mémoire insuffisante")

static inline int64_t iget(const json_t *o, const char *k)
{
	return (int64_t)json_integer_value(json_object_get(o, k));
}

static inline const char *sget(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* q_run for a write that must only succeed: 0, or a negative code. */
static inline int q_ok(socle_db *db, const char *sql, json_t *p, socle_err *err)
{
	int rc = socle_db_run_new(db, sql, p, err);

	return rc < 0 ? rc : 0;
}

/* The date that starts @p s ("YYYY-MM-DD" or "YYYY-MM-DDTHH:MM") into its
 * parts, through the core's calendar (socle/date.h). */
static inline bool date_parts(const char *s, int *y, int *m, int *d)
{
	char day[SOCLE_DATE_SIZE];

	if (s == NULL || strnlen(s, 10) < 10)
		return false;
	memcpy(day, s, 10);
	day[10] = '\0';
	return socle_date_parts(day, y, m, d);
}

/* Emit @p event with @p payload (stolen; NULL: its json_pack failed, out of
 * memory) in the write transaction of @p wdb. */
static inline int emit(socle_db *wdb, const char *event, json_t *payload, socle_err *err)
{
	if (payload == NULL)
		return NOMEM(err);
	int rc = socle_event_emit(wdb, event, payload, err);

	json_decref(payload);
	return rc;
}

/* Audit a successful @p action on object @p type @p id with @p detail
 * (stolen; NULL: out of memory) in the write transaction of @p wdb. */
static inline int audit(socle_db *wdb, socle_req *req, const char *action, const char *type,
                        int64_t id, json_t *detail, socle_err *err)
{
	struct socle_audit_entry e = {.action = action, .object_type = type, .object_id = id,
	                              .outcome = "ok", .detail = detail};
	int rc = detail ? socle_audit(wdb, req, &e, err) : NOMEM(err);

	json_decref(detail);
	return rc;
}

/* The reply of a failed read: the error, or 500 when no code was set. */
static inline int reply_fail(socle_req *req, socle_err *err)
{
	return err->code ? socle_reply_err(req, err) : SOCLE_E_NOMEM;
}

/* ---- outcome.c: shared with documents.c and reprise.c ---- */
/* Is @p k present in @p o and not null? */
bool tracking_present(const json_t *o, const char *k);
/* A refusal: audited durably (outcome "denied", @p reason in the detail),
 * then 403 with @p message. */
int tracking_refuse(socle_req *req, const char *action, int64_t worker, const char *reason,
                    const char *message);
/* Registered by tracking_outcome_init after its own route. */
int tracking_documents_init(socle_plugin *p, socle_err *err);
int tracking_reprise_init(socle_plugin *p, socle_err *err);

/* ---- documents_pdf.c: a visit's document (documents.c's JSON form) as an
 * issued PDF, replied to @p req; the caller has checked access. ---- */
int tracking_document_pdf(socle_req *req, const json_t *d, int64_t request_id);
/* What a document says of the worker, by the name and civility he gave
 * ("Madame Léa Roux a bénéficié...", "... est apte..."), never "Le salarié"
 * when his name is known; the agreement of "orienté" ("e", "" or "(e)"). */
void tracking_document_statement(const json_t *d, char *out, size_t n);
void tracking_document_orientation(const json_t *d, char *out, size_t n);
const char *tracking_document_agreement(const json_t *d);
/* How people reach the service, on one line, from its identity: "Association
 * SPSTI du Rhône, 10 rue de la République, 69002 Lyon, tél. 04 72 00 00 00,
 * contact@svc.test" (what the identity gives; the name at least).
 * (convocation_text.c) */
void tracking_service_contact(socle_service *svc, char *out, size_t n);
/* Epoch milliseconds as the service's wall-clock time "YYYY-MM-DDTHH:MM"
 * (setting time_zone, summer time included). (agenda.c) */
void tracking_local_wall(socle_service *svc, int64_t ms, char out[32]);

#endif
