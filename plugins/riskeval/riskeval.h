/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The riskeval plugin's internal interface between its files:
 *   riskeval.c  descriptor, init (migrations, capabilities, catalogues), the
 *               copy of member companies kept from membership's events (for
 *               the indicators)
 *   content.c   the fiche's content (annex 5.2, page by page): its checks,
 *               what the service pre-fills, the field-by-field diff
 *   fiche.c     the fiche d'entreprise: draft, validation, transmission, CSE,
 *               versions and their differences
 *   due.c       rule points fiche_entreprise_due and duerp_update_due, the due
 *               date of one company, the team's list of fiches to establish
 *   amt.c       workplace actions (AMT) and the indicators
 *   duerp.c     the DUERP vault: versions uploaded by the company, kept 40
 *               years in the core file store, never changed; their status
 *   duerp_format.c  what a file is, by its bytes (PDF, ODT, DOCX, XLSX)
 *   prevention.c    primary prevention actions (parcours 1 and 2)
 *   drawers.c   the company's self-assessment (the four "tiroirs", 3.6.1.3)
 *               and what it pre-fills in the next fiche draft
 *   headcount.c the rule point company_headcount (the DUERP's thresholds)
 *   demo.c      demo data: a fiche and a DUERP for a few demo companies
 *   catalogue.c the thesaurus of exposures and the DUERP models (Lua data
 *               files of the service), rule points riskeval_catalogue and
 *               risk_rating
 *   online.c    the DUERP the company fills in online (work units, rated
 *               risks, measures, action list or PAPRIPACT), its document
 *               (HTML, PDF) and its saving into the vault
 *   fiche_doc.c the fiche d'entreprise as a document (HTML, PDF)
 *   establishment.c  the site a fiche describes: the company, or each of
 *               its establishments when it declared several (R4624-46)
 * Every symbol here is internal to the plugin (hidden visibility). */
#ifndef SOCLE_PLUGIN_RISKEVAL_H
#define SOCLE_PLUGIN_RISKEVAL_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <socle/socle.h>
#include <socle/membership.h>
#include <socle/tracking.h>

/* Capabilities (docs/roles.md): who drafts, who validates, who records AMT. */
#define RISKEVAL_CAP_DRAFT "riskeval.draft"       /* médecin, infirmier, IPRP */
#define RISKEVAL_CAP_VALIDATE "riskeval.validate" /* médecin du travail */
#define RISKEVAL_CAP_AMT "riskeval.amt"           /* médecin, infirmier, IPRP, admin */

extern socle_plugin *riskeval_plugin;
extern const struct membership_v1 *riskeval_membership;
/* tracking.v1, NULL when no service loads tracking (optional import); per
 * service through socle_import_for. */
extern const struct tracking_v1 *riskeval_tracking;

/* ---- riskeval.c ---- */
/* The service setting update_years (1..10, default 4). */
int riskeval_update_years(socle_service *svc);
/* Copy (or refresh) company @p company_id into riskeval_company, inside the
 * write of @p wdb. SOCLE_E_NOTFOUND when membership does not know it. */
int riskeval_company_sync(socle_db *wdb, int64_t company_id, socle_err *err);
/* The same from a row already read (companies_each), inside the write of
 * @p wdb. */
int riskeval_company_store(socle_db *wdb, const struct membership_company_row *c,
                           socle_err *err);
int riskeval_emit(socle_db *wdb, const char *event, json_t *payload, socle_err *err);
int riskeval_audit(socle_db *wdb, socle_req *req, const char *action, const char *type,
                   int64_t id, json_t *detail, socle_err *err);
/* The {id} of the path as a company membership knows, after the company
 * check (staff, or an employer user of that company; refusals audited).
 * Returns 0, or a negative code once a reply was sent. */
int riskeval_company_param(socle_req *req, int64_t *company_id);
/* Is the caller a member of the service's staff? */
bool riskeval_is_staff(socle_req *req);

/* ---- establishment.c ---- */
/* The sites that each need their own fiche: for a company that declared
 * establishments at membership, its siège first (establishment_id 0, the
 * company's SIRET and address, name "Siège", the headcount its
 * establishments leave) then each establishment ({establishment_id, siret,
 * name, address_line, postcode, city, headcount}); for one that declared
 * none, an empty array (its fiche is the company's, establishment 0). A new
 * array, NULL with @p err set. */
json_t *riskeval_sites(socle_db *db, int64_t company, socle_err *err);
/* The siège's headcount: what @p establishments (company_establishments'
 * list) leave of the company's declared headcount (membership checks that
 * their sum does not exceed it), never below 0. */
json_int_t riskeval_seat_headcount(json_int_t company_headcount, const json_t *establishments);
/* The site of @p sites whose establishment_id is @p establishment, or NULL. */
const json_t *riskeval_site_find(const json_t *sites, int64_t establishment);
/* The ?establishment= of the request (absent or 0: the company's fiche, or
 * its siège's), checked against the company's establishments. 0, or -1 once
 * a field error (422) or another reply was sent. */
int riskeval_site_param(socle_req *req, int64_t company, int64_t *establishment);
/* "établissement Boutique (Lyon, SIRET …)" for documents and mails. */
void riskeval_site_label(const json_t *site, char *out, size_t size);

/* ---- content.c ---- */
/* Check a fiche's content against annex 5.2's pages: unknown keys, types,
 * lengths, risk codes; field errors (French) appended to *errors. Returns the
 * number of problems. */
int riskeval_content_check(const json_t *content, json_t **errors);
/* What the service knows of the company, as content (identification and
 * counts from membership.v1); of establishment @p site (one of
 * riskeval_sites, NULL for the company's own fiche): its name, SIRET,
 * address, declared headcount and the workers declared in it. A new object,
 * NULL with @p err set. */
json_t *riskeval_content_prefill(socle_service *svc, socle_db *db, int64_t company_id,
                                 const json_t *site, socle_err *err);
/* A risk code of the thesaurus (a socle_field check). */
int riskeval_risk_code_check(const json_t *v, char *msg, size_t size);
/* The text of @p key in @p o, or "" when absent or not a text (borrowed). */
const char *riskeval_text_of(const json_t *o, const char *key);
/* @p given laid over @p base, page by page (given wins): a new object. */
json_t *riskeval_content_merge(const json_t *base, const json_t *given);
/* The differences of two contents, field by field: a new array of
 * {"field": "page.key[2].code", "change": "ajout"|"suppression"|"modification",
 * "before", "after"}. */
json_t *riskeval_content_diff(const json_t *a, const json_t *b);

/* ---- headcount.c ---- */
/* company_headcount's answer {headcount, basis, explanation} for @p company on
 * @p on_date: a new object, NULL with @p err set. */
json_t *riskeval_company_headcount(socle_service *svc, socle_db *db, int64_t company,
                                   const char *on_date, socle_err *err);
int riskeval_headcount_init(socle_plugin *p, socle_err *err);

/* ---- drawers.c ---- */
/* The company's self-assessment answers as fiche content, laid over @p prev
 * (the last validated version's content, or {}): a new object, NULL with
 * @p err set. The drawers' risks are added to the previous ones whose codes
 * they do not repeat. */
json_t *riskeval_drawers_prefill(socle_db *db, int64_t company_id, const json_t *prev,
                                 socle_err *err);
int riskeval_drawers_init(socle_plugin *p, socle_err *err);

/* ---- the areas' registrations ---- */
int riskeval_fiche_init(socle_plugin *p, socle_err *err);
int riskeval_due_init(socle_plugin *p, socle_err *err);
int riskeval_amt_init(socle_plugin *p, socle_err *err);
int riskeval_duerp_init(socle_plugin *p, socle_err *err);
int riskeval_prevention_init(socle_plugin *p, socle_err *err);
/* demo.c: the demo data of services whose settings say "demo_data": true. */
int riskeval_demo_start(socle_plugin *p, socle_err *err);

/* ---- catalogue.c ---- */
/* riskeval_catalogue's answer {exposures, models} (models always a list): a
 * new object, NULL with @p err set. */
json_t *riskeval_catalogue(socle_service *svc, socle_err *err);
/* The thesaurus entry {code, libelle, famille} of @p code, or NULL. */
const json_t *riskeval_thesaurus_find(const json_t *catalogue, const char *code);
/* The model of NAF division @p division ("47"), or NULL (borrowed). */
json_t *riskeval_model_find(const json_t *catalogue, const char *division);
/* The codes of @p list (strings, or objects with "code") absent from the
 * service's thesaurus, each a field error named "<name>[i].code" (objects) or
 * "<name>" (strings): their number, or a negative code with @p err set. */
int riskeval_thesaurus_require(socle_service *svc, const json_t *list, const char *name,
                               json_t **errors, socle_err *err);
/* risk_rating's answer for @p risk {code, famille?, gravite, probabilite}. */
json_t *riskeval_risk_rating(socle_service *svc, const json_t *risk, socle_err *err);
int riskeval_catalogue_init(socle_plugin *p, socle_err *err);
int riskeval_catalogue_start(socle_plugin *p, socle_err *err);

/* ---- online.c ---- */
int riskeval_online_init(socle_plugin *p, socle_err *err);

/* ---- fiche.c ---- */
/* Version @p v of the company's fiche if the caller may read it (staff; the
 * company's users once transmitted), else NULL once a 404 (or an error) was
 * sent. */
json_t *riskeval_fiche_visible(socle_req *req, socle_db *db, int64_t company,
                               int64_t establishment, int64_t v);

/* ---- fiche_doc.c ---- */
int riskeval_fiche_doc_init(socle_plugin *p, socle_err *err);

/* ---- duerp_format.c ---- */
/* "pdf", "odt", "docx", "xlsx" (NULL-terminated) and their media types. */
extern const char *const riskeval_duerp_formats[];
extern const char *const riskeval_duerp_mime[];
/* The index of @p format in riskeval_duerp_formats, or -1. */
int riskeval_duerp_format_index(const char *format);
/* Do the bytes say @p format? 0, or -1 with a French sentence in @p msg. */
int riskeval_duerp_check_bytes(const char *format, const unsigned char *d, size_t len, char *msg,
                               size_t size);

/* ---- duerp.c ---- */
/* Store @p bytes (already checked as @p format) as a new version of the
 * company's DUERP, as an upload does (file store, row, audit, event):
 * @p fields holds version_on, format, filename, risks?, note?. The new row's
 * id into *id. Not inside a write transaction. */
int riskeval_duerp_store(socle_req *req, int64_t company, const json_t *fields,
                         const unsigned char *bytes, size_t len, int64_t *id, socle_err *err);
/* The service setting duerp_max_bytes (default 20 MiB). */
int64_t riskeval_duerp_max_bytes(socle_service *svc);
/* duerp_update_due for the company (its declared headcount) and a last
 * version of @p date (NULL: none) on @p on_date, with "headcount" added. */
json_t *riskeval_duerp_update(socle_service *svc, socle_db *db, int64_t company,
                              const char *date, const char *on_date, socle_err *err);
/* {versions, transmitted_this_year, last_received_on, update, update_overdue,
 * last_version} of the company on @p today. */
json_t *riskeval_duerp_status(socle_service *svc, socle_db *db, int64_t company,
                              const char *today, socle_err *err);

/* ---- amt.c ---- */
/* The indicators of 3.2.1.4 (GET /riskeval/indicators): fiche coverage over
 * the five years that end on @p to (service and per NAF division), AMT by
 * type and prevention actions between @p from and @p to: a new object, NULL
 * with @p err set. */
json_t *riskeval_indicators(socle_db *db, const char *from, const char *to, socle_err *err);

/* ---- due.c ---- */
/* The team's list of fiches to establish on @p today, due within @p within
 * days or without a valid fiche, in riskeval_priority's order:
 * {items, on_date, horizon}, NULL with @p err set. */
json_t *riskeval_fiches_due(socle_service *svc, socle_db *db, const char *today, long within,
                            socle_err *err);
/* fiche_entreprise_due's answer for the fiche of a company's establishment
 * (0: the company's own fiche), reader or writer @p db, at @p on_date: a new
 * object, NULL with @p err set. */
json_t *riskeval_fiche_due(socle_service *svc, socle_db *db, int64_t company_id,
                           int64_t establishment, const char *on_date, socle_err *err);

#endif
