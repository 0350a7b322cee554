/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The awareness plugin's internal interface between its files (seed 3.4.1:
 * informer, sensibiliser, conseiller pour agir en prévention):
 *   awareness.c  descriptor, init: the schema, events, capability, each area
 *   catalog.c    the catalogue of actions (ateliers, e-learning, webinaires,
 *                documents) with audience, duration, objectives, risks and
 *                NAF divisions addressed
 *   sessions.c   sessions, registrations, waiting list moved up on a
 *                cancellation, attendance, convocations and reminders
 *   feedback.c   satisfaction and utility questionnaire, before/after quiz,
 *                a session's results (the group's gain), the indicators
 *   indicators.c the indicators of 3.4.1.4 (awareness and advice), and the
 *                advice riskeval records (amt.recorded) kept for them
 *   recommend.c  rule point recommend_actions and the company's context it
 *                reads (risks of its workers, NAF division, prevention score,
 *                what it attended); the companies an action has not reached
 *   mailing.c    documents sent by mail through a link of the service whose
 *                clicks are counted (counts only, no per-person record)
 *   cse.c        CSE expertise: a company's request, the professional
 *                assigned, what was presented
 *   needs.c      the needs a company or its branch expresses; they start the
 *                parcours of 3.4.1 (scripts/awareness_parcours.lua)
 *   demo.c       demo data: a few actions and sessions (setting demo_data)
 *   relays.c     the relay network per company and per branch (mailings reach it)
 *   designated.c designated competent employees and their trainings, the
 *                directory of accredited training bodies, the passeport export
 * Every symbol here is internal to the plugin (hidden visibility). */
#ifndef SOCLE_PLUGIN_AWARENESS_H
#define SOCLE_PLUGIN_AWARENESS_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <socle/socle.h>
#include <socle/membership.h>

/* The staff capability of every management route (catalogue, sessions,
 * attendance, quiz, indicators, mailings). */
#define AWARENESS_MANAGE "awareness.manage"

extern const struct membership_v1 *awareness_membership;
extern socle_plugin *awareness_plugin;

/* ---- util.c ---- */
/* 409 conflict with a French message. */
int awareness_conflict(socle_req *req, const char *message);
/* Append to *errors a field error for each entry of the array @p list that is
 * not one of @p choices (NULL: any non-empty text of at most 64 bytes). */
void awareness_check_texts(const json_t *list, const char *field, const char *const *choices,
                           json_t **errors);
/* The JSON array stored as text @p text, parsed (an empty array when NULL or
 * unreadable). */
json_t *awareness_json_column(const char *text);
/* Parse the stored JSON arrays of @p row's @p keys in place. */
void awareness_parse_columns(json_t *row, const char *const *keys);
/* 32 hex characters from the system's random source; false when it failed. */
bool awareness_token(char out[33]);
/* The company's mail addresses (membership.v1: the contact, then the
 * employer users), an array of texts; NULL with @p err set. */
json_t *awareness_company_emails(socle_db *db, int64_t company_id, socle_err *err);
/* session_mail.c: mail @p category ("convocation", "liste_attente", "rappel")
 * about registration @p card (sessions.c's registration_card) to the company
 * and to the participant, each his own text; queued in @p wdb's transaction. */
int awareness_mail_registration(socle_db *wdb, const json_t *card, const char *category,
                                int64_t send_at, socle_err *err);
/* The same readers told that the session of registration @p card is
 * cancelled by the service, with @p reason. */
int awareness_mail_session_cancelled(socle_db *wdb, const json_t *card, const char *reason,
                                     socle_err *err);
/* A participant marked present is asked for his opinion: he, at his own
 * addresses with the link to his space, and the company, which may answer
 * for him, with the link to its own. */
int awareness_mail_feedback_invitation(socle_db *wdb, const json_t *card, socle_err *err);
/* session_cancel.c: POST /awareness/sessions/{id}/cancel (staff). */
int awareness_session_cancel_init(socle_plugin *p, socle_err *err);

/* @p x to the nearest tenth, half away from zero: the rates and means the
 * results and indicators show (a negative knowledge gain rounds as a positive
 * one does). */
json_t *awareness_tenths(double x);
/* @p part of @p whole in percent, to the tenth; null when @p whole is 0. */
json_t *awareness_rate(json_int_t part, json_int_t whole);

/* "YYYY-MM-DDTHH:MM" of the core's clock in the service's local time
 * (metropolitan France), as a session's starts_at is written. */
void awareness_now_minute(char out[17]);
/* A local "YYYY-MM-DDTHH:MM" read as epoch ms (as if UTC), to the real instant. */
int64_t awareness_local_to_utc_ms(int64_t local_ms);

/* ---- catalog.c ---- */
extern const char *const awareness_kinds[];
extern const char *const awareness_audiences[];
/* One action with its lists parsed, NULL with SOCLE_E_NOTFOUND. */
json_t *awareness_action_load(socle_db *db, int64_t id, socle_err *err);
int awareness_catalog_init(socle_plugin *p, socle_err *err);

/* ---- sessions.c ---- */
int awareness_sessions_init(socle_plugin *p, socle_err *err);

/* ---- feedback.c ---- */
int awareness_feedback_init(socle_plugin *p, socle_err *err);

/* ---- indicators.c ---- */
/* The indicators of 3.4.1.4 between @p from and @p to (dates), for the service
 * or one company (@p company > 0) or one NAF division (@p division, two digits,
 * or NULL): the body of GET /awareness/indicators; NULL with @p err set. */
json_t *awareness_indicators_compute(socle_db *db, const char *from, const char *to,
                                     int64_t company, const char *division, socle_err *err);
int awareness_indicators_init(socle_plugin *p, socle_err *err);

/* ---- recommend.c ---- */
/* The active catalogue as recommend_actions receives it; NULL with @p err set. */
json_t *awareness_catalogue(socle_db *db, socle_err *err);
/* recommend_actions for @p company on @p on against @p actions (the
 * catalogue), each item with the action's title and kind; NULL with @p err set. */
json_t *awareness_recommend_company(socle_service *svc, socle_db *db, int64_t company,
                                    const char *on, const json_t *actions, socle_err *err);
/* Check a recommend_actions answer against the catalogue and add each item's
 * title and kind: 0, or SOCLE_E_CONTRACT. */
int awareness_recommend_decorate(json_t *items, const json_t *actions, socle_err *err);

/* ---- recommend_all.c ---- */
/* One recommendation of a pass, as the rule answered it (contract checked,
 * the action in the catalogue); the reason lives until the callback returns. */
struct awareness_recommendation {
	int64_t action_id;
	int64_t priority;
	const char *reason;
};
/* Called once per company with its name and its recommendations, in the
 * rule's order: 0 to go on. */
typedef int (*awareness_recommend_fn)(int64_t company, const char *legal_name,
                                      const struct awareness_recommendation *items, size_t n,
                                      void *ud);
/* recommend_actions for every member company, in one pass: the companies and
 * the workers streamed once, the scores, attendances and needs read in one query
 * each, one rule call per company. With @p threads 1, on the calling thread
 * and in company order; with more (at most 8), the companies are shared among
 * threads, each with its own reader and Lua state, and @p fn runs under a
 * lock in no set order. 0, fn's non-zero value, or a negative code with
 * @p err set. */
int awareness_recommend_each(socle_service *svc, socle_db *db, const char *on,
                             const json_t *actions, int threads, awareness_recommend_fn fn,
                             void *ud, socle_err *err);
int awareness_recommend_init(socle_plugin *p, socle_err *err);

/* ---- designated.c ---- */
int awareness_designated_init(socle_plugin *p, socle_err *err);

/* ---- needs.c ---- */
int awareness_needs_init(socle_plugin *p, socle_err *err);

/* ---- relays.c ---- */
/* The relays of @p company (> 0) and of NAF division @p division (may be
 * NULL) whose address did not unsubscribe: [{"email", "token"}] (the token
 * of each one's unsubscription link); NULL with @p err set. */
json_t *awareness_relay_emails(socle_db *db, int64_t company, const char *division, socle_err *err);
/* Did @p email unsubscribe from the mailings (through a relay's link)? 1, 0,
 * or a negative code with @p err set. */
int awareness_unsubscribed(socle_db *db, const char *email, socle_err *err);
int awareness_relays_init(socle_plugin *p, socle_err *err);
int awareness_document_file_init(socle_plugin *p, socle_err *err);

/* ---- demo.c ---- */
/* start(): a few actions and sessions where "demo_data" is true and the catalogue empty. */
int awareness_demo_start(socle_plugin *p, socle_err *err);

/* ---- cse.c ---- */
int awareness_cse_init(socle_plugin *p, socle_err *err);

/* ---- mailing.c ---- */
int awareness_mailing_init(socle_plugin *p, socle_err *err);

#endif
