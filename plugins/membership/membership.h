/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The membership plugin's internal interface between its files:
 *   membership.c  descriptor, init: migrations then each area's registrations
 *   company.c     the companies' schema, views, lists, record-level access, and
 *                 the helpers the company files share (company.h)
 *   application.c the public form and reference data, the online application
 *   review.c      approve (member number), reject, leave
 *   invitation.c  employer users' invitations (mail, token) and their acceptance
 *   company_users.c  the employer users of a company and their roles
 *   satisfaction.c   the two satisfaction indicators of 3.1
 *   siret.c       SIRET/SIREN (Luhn, La Poste exception), NAF, IBAN checks
 *   company_token.c  invitation tokens and their SHA-256
 *   worker.c      workers: schema, declared fields and checks, reading, writing
 *                 with history and events
 *   workforce.c   the workforce's routes (workers, history, exit, distribution)
 *   category.c    the follow-up category (rule point) and its recomputation
 *   sir_posts.c   the employer's SIR posts (R4624-23 III)
 *   csv_import.c  whole-workforce CSV import (all or nothing, idempotent)
 *   csv.c         the RFC 4180 reader the import uses
 *   billing.c     the schema of billing, money and date helpers (billing.h)
 *   score.c       the prevention-culture score (rule point prevention_score)
 *   score_inputs.c   the score's inputs from other plugins' events (DUERP)
 *   fee.c         the membership fee (rule point), national band, exceptions
 *   invoices.c    invoices: issue, list, paid, cancel
 *   invoice_doc.c the invoice as an HTML page and as a PDF document
 *   search.c      the staff's search of companies and workers
 *   catalog.c     the events and error codes declared for the catalogues
 *   demo_data.c   deterministic sample companies and workforces (setting demo_data)
 *   service.c     membership.v1, the interface other plugins import
 *                 (include/socle/membership.h)
 * Every symbol here is internal to the plugin (hidden visibility). */
#ifndef SOCLE_PLUGIN_MEMBERSHIP_H
#define SOCLE_PLUGIN_MEMBERSHIP_H

#include <socle/socle.h>

/* ---- schema: one migration per area, applied in this order ---- */
extern const char membership_sql_company[];   /* v1: companies, establishments, users, ... */
extern const char membership_sql_workforce[]; /* v2: workers, history, SIR posts */
extern const char membership_sql_billing[];   /* v3: invoices, fee exceptions, score */
extern const char membership_sql_score_inputs[]; /* v4: the DUERP vault's status */
extern const char membership_sql_search[];       /* v5: the indexes of the search */
extern const char membership_sql_worker_contact[]; /* v6: civility, convocation contact */
extern const char membership_sql_assignment[];   /* v7: assignment facts (assignment.c) */

/* ---- each area registers its routes, rule points, capabilities, handlers ---- */
int membership_company_init(socle_plugin *p, socle_err *err);
int membership_workforce_init(socle_plugin *p, socle_err *err);
int membership_category_init(socle_plugin *p, socle_err *err);
int membership_sir_posts_init(socle_plugin *p, socle_err *err);
int membership_score_init(socle_plugin *p, socle_err *err);
int membership_fee_init(socle_plugin *p, socle_err *err);
int membership_invoices_init(socle_plugin *p, socle_err *err);
/* One invoice of a company as the API gives it (amounts in euros, lines), or
 * NULL with SOCLE_E_NOTFOUND (invoices.c). */
json_t *membership_invoice_load(socle_db *db, int64_t company_id, int64_t invoice_id,
                                socle_err *err);
/* GET .../invoices/{iid}/document: the invoice to print (invoice_doc.c). */
int membership_invoice_doc_init(socle_plugin *p, socle_err *err);
int membership_demo_start(socle_plugin *p, socle_err *err);
int membership_catalog_init(socle_plugin *p, socle_err *err);

/* ---- employer roles inside a company (seed 3.6: what services use today) ---- */
#define MEMBERSHIP_ROLE_ADMIN "administrateur"
#define MEMBERSHIP_ROLE_DECLARATION "declaration"
#define MEMBERSHIP_ROLE_CONVOCATION "convocation"
#define MEMBERSHIP_ROLE_BILLING "facturation"

/* May the request's principal act on company @p company_id with employer role
 * @p employer_role (NULL: any role)? Staff of the service always may; an
 * employer user must be bound to the company and hold the role. 0, or
 * SOCLE_E_FORBIDDEN / SOCLE_E_NOTFOUND (unknown company) with err set; refusals
 * are audited by the core. (company.c) */
int membership_company_access(socle_req *req, int64_t company_id, const char *employer_role,
                              socle_err *err);
/* The status of company @p id ("applied", "member", "rejected" or "left") into
 * @p status: 0, or SOCLE_E_NOTFOUND for an unknown company. (company.c) */
int membership_company_status(socle_db *db, int64_t id, char *status, size_t size,
                              socle_err *err);
/* Does user @p user_id hold employer role @p role (a MEMBERSHIP_ROLE_*) in
 * company @p company_id? 1, 0 (also when not bound to it), or < 0
 * (SOCLE_E_INTERNAL for an unknown role). (company.c) */
int membership_user_has_role(socle_db *db, int64_t company_id, int64_t user_id,
                              const char *role, socle_err *err);
/* The employer users of company @p company_id by user id, 500 at most (new
 * array): [{user_id, email, name, invited_at, roles: [MEMBERSHIP_ROLE_*...],
 * invitation_pending}]; NULL with @p err. (company_users.c) */
json_t *membership_company_users(socle_db *db, int64_t company_id, socle_err *err);

/* ---- identifiers (siret.c) ---- */
/* 14 digits, Luhn check, with the La Poste exception (SIREN 356000000: the sum
 * of the digits is a multiple of 5). */
bool membership_siret_valid(const char *siret);
bool membership_siren_valid(const char *siren);
/* NAF code of nomenclature @p version ("NAFrev2": "62.01Z"; "NAF2025": see
 * siret.c for the format); returns false with a French reason. */
bool membership_naf_valid(const char *code, const char *version, char *why, size_t why_size);
/* IBAN: ISO 13616 structure and mod-97 check (spaces allowed). */
bool membership_iban_valid(const char *iban);
/* The IBAN without spaces, in capitals, into @p out; its length, or 0 when it
 * does not fit. */
size_t membership_iban_compact(const char *iban, char *out, size_t size);
/* The IBAN for display: country, check digits and last four characters only. */
void membership_iban_mask(const char *iban, char *out, size_t size);

/* ---- risks and tokens (application.c, company_token.c) ---- */
/* Is @p code one of the stable risk codes of GET /membership/risks? *sir
 * (may be NULL) tells whether it is an R4624-23 I risk (suivi renforcé). */
bool membership_risk_known(const char *code, bool *sir);
/* SHA-256 of @p data as 64 lower-case hex digits and a NUL. */
void membership_sha256_hex(const void *data, size_t len, char out[65]);
/* A new random token of 256 bits as 64 hex digits and a NUL. */
int membership_token_new(char token[65], socle_err *err);

/* The request's user id, 0 without a request or when anonymous. (company.c) */
int64_t membership_principal_id(socle_req *req);
/* socle_field check of a text: no control character (DEL included). (company.c) */
int membership_check_text(const json_t *v, char *msg, size_t size);
/* Emit @p event with @p payload (stolen; NULL: out of memory). (company.c) */
int membership_emit(socle_db *wdb, const char *event, json_t *payload, socle_err *err);

/* ---- workforce: workers (worker.c), routes (workforce.c), categories
 * (category.c), SIR posts (sir_posts.c), CSV import (csv_import.c) ---- */
/* The company of the path, with the access check: staff of the service, or an
 * employer user holding @p role in that company. 0 or a reply was sent. */
int membership_company_param(socle_req *req, const char *role, int64_t *company_id);
/* socle_field check of names and labels: no control characters (they would
 * break CSV exports, mail headers and logs), no space at either end. */
int membership_check_trimmed_text(const json_t *v, char *msg, size_t size);
/* The request's user id as JSON, null without a request or a principal. */
json_t *membership_user_json(socle_req *req);
/* Inside a write transaction: one row of a worker's history (@p before and
 * @p after stolen). */
int membership_worker_history_add(socle_db *wdb, socle_req *req, int64_t worker_id,
                                  int64_t company_id, const char *kind, const char *today,
                                  const char *source, json_t *before, json_t *after,
                                  socle_err *err);
/* The category of worker @p w on @p on_date as the columns to store (new
 * object): category, category_reasons, category_basis, category_attestation,
 * category_review_on, category_computed_on, category_error. A failing rule
 * gives a null category with its error: the worker is then counted among
 * those whose category could not be computed, and retried by the timer. */
json_t *membership_category_compute(socle_service *svc, const json_t *w, const char *on_date);
/* Store the category columns of worker @p id. */
int membership_category_store(socle_db *wdb, int64_t id, const json_t *cat, socle_err *err);
/* The history row and the worker.category_changed event of a new category. */
int membership_category_changed(socle_db *wdb, socle_req *req, int64_t worker_id,
                                int64_t company_id, const json_t *old_cat, const json_t *cat,
                                const char *today, const char *source, socle_err *err);
/* 0 when company @p company_id is a member (its workforce may change);
 * SOCLE_E_NOTFOUND, or SOCLE_E_CONFLICT for an applicant or a company that left. */
int membership_company_writable(socle_db *db, int64_t company_id, socle_err *err);
/* Check a worker as declared (JSON API or one CSV line): types and bounds with
 * field names prefixed by @p prefix, then dates and the establishment (read
 * through @p db, may be NULL). @p partial: a PATCH (nothing required). Appends
 * to *errors; returns the number of problems. */
int membership_worker_check(socle_db *db, int64_t company_id, const json_t *in, bool partial,
                            const char *prefix, json_t **errors);
/* The declared fields of a worker as POST takes them, and as PATCH takes
 * them (end_date aside: an exit is POST .../exit). (worker.c) */
#define MEMBERSHIP_WORKER_N_FIELDS 21
extern const struct socle_field membership_worker_fields_new[MEMBERSHIP_WORKER_N_FIELDS];
extern const struct socle_field membership_worker_fields_patch[MEMBERSHIP_WORKER_N_FIELDS - 1];
/* The cross-field part of the check (dates, establishment) of a whole worker. */
int membership_worker_check_dates(socle_db *db, int64_t company_id, const json_t *w,
                                  const char *prefix, json_t **errors);
/* Every declared field of a worker, from @p in, else @p base (may be NULL),
 * else its default; exposures sorted (new object). */
json_t *membership_worker_normalize(const json_t *in, const json_t *base);
/* Inside a write transaction: insert a checked, normalized worker with its
 * category (rule point follow_up_category on @p today), its "declared"
 * history and the worker.declared event. @p source: "api", "import". Not audited
 * (the caller audits the operation). SOCLE_E_EXISTS for a taken external_ref. */
int membership_worker_insert(socle_db *wdb, socle_req *req, int64_t company_id, const json_t *w,
                             const char *today, const char *source, int64_t *out_id,
                             socle_err *err);
/* Inside a write transaction: apply the normalized @p w over the stored
 * worker @p old (as the API shows it): history, events, category. 0 when
 * nothing changed (no history, no event), 1 when changed, < 0 on error. */
int membership_worker_update(socle_db *wdb, socle_req *req, const json_t *old, const json_t *w,
                             const char *today, const char *source, socle_err *err);
/* Worker @p id (new object, as the API shows it) of company @p company_id, or
 * of any company when @p company_id <= 0; NULL with SOCLE_E_NOTFOUND. */
json_t *membership_worker_load(socle_db *db, int64_t company_id, int64_t id, socle_err *err);
/* Up to @p limit workers of company @p company_id after id @p after_id, in id
 * order, as the API shows them (new array): @p category "SI", "SIA", "SIR",
 * "none" (not computed) or NULL (any); @p active 1 (employed today), 0 (gone)
 * or -1 (any). NULL with @p err. */
json_t *membership_workers_page(socle_db *db, int64_t company_id, int64_t after_id, int limit,
                                const char *category, int active, socle_err *err);
/* The worker of a company with this external_ref (new object, as the API
 * shows it), or NULL with SOCLE_E_NOTFOUND. */
json_t *membership_worker_find(socle_db *db, int64_t company_id, const char *external_ref,
                               socle_err *err);
/* Assignment facts (assignment.c, issue 10 item 13). The exit reasons
 * (NULL-terminated). */
extern const char *const membership_end_reasons[];
/* Is @p effective_on acceptable for a change of worker @p old (not before the
 * hire, at most 12 months after @p today)? 0, or 1 with a field error. */
int membership_effective_on_check(const json_t *old, const char *effective_on, const char *today,
                                  json_t **errors);
/* Inside a write transaction, after an update from @p old to @p now (both as
 * the API shows them): record the day @p effective_on of a change bringing
 * night work or the SIR (assigned_on, declared @p today), or ending the SIR
 * (sir_ended_on). */
int membership_assignment_note(socle_db *wdb, const json_t *old, const json_t *now,
                               const char *effective_on, const char *today, socle_err *err);
/* Inside a write transaction: the reason of a worker's exit (NULL: none given). */
int membership_end_reason_store(socle_db *wdb, int64_t worker_id, const char *end_reason,
                                socle_err *err);
/* Recompute the follow-up category of the service's active workers on
 * @p on_date (NULL: today), in transactions of 5,000 workers. @p only_due:
 * only those whose review_on is reached or whose category is missing (the
 * hourly timer). *summary (may be NULL): {on_date, examined, changed, failed}. */
int membership_recompute_categories(socle_service *svc, const char *on_date, bool only_due,
                                    json_t **summary, socle_err *err);

/* CSV (csv.c). RFC 4180: quoted fields, "" inside quotes, CRLF, LF or CR
 * line ends, UTF-8 with an optional BOM; the separator, ';' or ',', is the one
 * the header line (first record) uses most. @p fn gets each record that is not
 * blank (header included) with the physical line it starts on; a non-zero
 * return stops the parse and is returned. A malformed file gives
 * SOCLE_E_INVAL with *bad_line and a French reason in @p why. */
typedef int (*membership_csv_fn)(void *ud, size_t line, char **fields, size_t n);
int membership_csv_parse(const char *data, size_t len, membership_csv_fn fn, void *ud,
                         char *sep_out, size_t *bad_line, char *why, size_t why_size);
/* Import a company's workforce from CSV inside the caller's write transaction:
 * every line checked first (*errors: [{field: "ligne 12, birth_date", line: 12,
 * column: "birth_date", message}], nothing written, SOCLE_E_INVAL), then an
 * upsert by external_ref (unchanged rows: no history, no event; workers absent
 * from the file are not exited). *summary: {created, updated, unchanged,
 * absent_not_exited, ...}. Audited as membership.workforce.import. Usable for
 * many companies in one transaction (bench). */
int membership_import_csv(socle_db *wdb, socle_service *svc, int64_t company_id, const char *csv,
                          size_t len, json_t **errors, json_t **summary, socle_err *err);
#define MEMBERSHIP_IMPORT_MAX_BYTES ((size_t)8 << 20) /* ~100,000 lines */
/* POST /membership/companies/{id}/workers/import (text/csv). */
int membership_import_route(socle_req *req, void *ud);

/* ---- billing (score.c) ---- */
/* Inside a write transaction: compute (rule point prevention_score, from the
 * stored answers and membership_score_inputs) and store a new score of the
 * company. Audited, event company.prevention_scored. */
int membership_score_store_now(socle_db *wdb, socle_service *svc, int64_t company_id,
                               socle_err *err);
/* The same, doing nothing when a score exists already (the first score). */
int membership_score_store_initial(socle_db *wdb, socle_service *svc, int64_t company_id,
                                   socle_err *err);

/* ---- score_inputs.c ---- */
/* The rule point prevention_score's second argument for a company: a new
 * object, {} (riskeval off) or {"duerp": {...}}; NULL with @p err. */
json_t *membership_score_inputs(socle_service *svc, socle_db *db, int64_t company_id,
                                socle_err *err);
int membership_score_inputs_init(socle_plugin *p, socle_err *err);
/* search.c: GET /membership/search?q= (staff); the search itself (the bench
 * calls it): {q, kind, companies, workers}, new, or NULL with @p err. */
int membership_search_init(socle_plugin *p, socle_err *err);
json_t *membership_search_run(socle_db *db, const char *q, socle_err *err);

/* ---- membership.v1 (service.c) ---- */
/* The table exported in init as MEMBERSHIP_V1_NAME, MEMBERSHIP_V1_MAJOR
 * (struct membership_v1 of <socle/membership.h>). */
struct membership_v1;
extern const struct membership_v1 membership_v1_api;

/* The query parameters of a paged list (socle_req_page), for the routes'
 * descriptions (socle_route_doc). */
#define MEMBERSHIP_PAGE_QUERY                                                                 \
	{.name = "limit", .type = SOCLE_F_INT, .min = 1, .max = 500},                          \
	{.name = "cursor", .type = SOCLE_F_STRING, .min = 1, .max = 64}

/* ---- the settings of the plugin for a service (borrowed JSON object) ---- */
const json_t *membership_settings(socle_service *svc);

/* The plugin handle (set in init; read-only afterwards). */
extern socle_plugin *membership_plugin;

#endif
