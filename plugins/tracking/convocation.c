/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The convocation (seed 3.3.1.2.1): type, date, place, objectives and steps
 * (rule point convocation_text(visit)), mailed to the company's contact and
 * to the worker (his accounts, and the convocation e-mail membership holds
 * for him; the words: convocation_text.c) by the job tracking.convocation that a booking
 * enqueues, with reminders (setting reminders_days) sent by the job
 * tracking.reminder only while the visit still holds on the same slot; the
 * cancellation notices. A visit kept from the employer (a pré-reprise, a
 * visite à la demande the worker asked for: tracking_hidden_from_employer) is
 * mailed to the worker's accounts only (README, "Secret"). Jobs run at least once: the
 * table tracking_notice makes a second run send nothing. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convocation.h"

#define MAX_REMINDERS 8

/* The reminders' days before the visit (setting reminders_days, default [7, 1]). */
static size_t reminder_days(socle_service *svc, int out[MAX_REMINDERS])
{
	const json_t *v = json_object_get(socle_service_settings(svc, tracking_plugin),
	                                  "reminders_days"), *e;
	size_t i, n = 0;

	if (v == NULL)
		goto defaults;
	if (!json_is_array(v) || json_array_size(v) > MAX_REMINDERS)
		goto bad;
	json_array_foreach(v, i, e) {
		if (!json_is_integer(e) || json_integer_value(e) < 1 || json_integer_value(e) > 90)
			goto bad;
		out[n++] = (int)json_integer_value(e);
	}
	return n;
bad:
	socle_log(SOCLE_LOG_WARN, "service %s : réglage tracking.reminders_days invalide (liste "
	          "d'au plus %d entiers de 1 à 90) : [7, 1] appliqué", socle_service_id(svc),
	          MAX_REMINDERS);
defaults:
	out[0] = 7;
	out[1] = 1;
	return 2;
}

/* ---- the rule point convocation_text ---- */

static int convocation_contract(const json_t *r, socle_err *err)
{
	const json_t *o, *steps, *s;
	size_t i;

	if (!json_is_object(r))
		return socle_err_set(err, SOCLE_E_CONTRACT, "le résultat doit être une table");
	o = json_object_get(r, "objectives");
	if (!json_is_string(o) || json_string_length(o) == 0 || json_string_length(o) > 4000)
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "objectives doit être un texte non vide (4000 octets au plus)");
	steps = json_object_get(r, "steps");
	if (!json_is_array(steps) || json_array_size(steps) == 0 || json_array_size(steps) > 20)
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "steps doit être une liste non vide (20 au plus) de textes");
	json_array_foreach(steps, i, s)
		if (!json_is_string(s) || json_string_length(s) == 0 || json_string_length(s) > 1000)
			return socle_err_set(err, SOCLE_E_CONTRACT,
			                     "steps[%zu] doit être un texte non vide (1000 octets au plus)",
			                     i + 1);
	return 0;
}

static const struct socle_rule_point convocation_rule = {
	.name = "convocation_text",
	.contract =
		"convocation_text(visit) -> { objectives = texte en français, steps = { étapes du "
		"déroulement, textes } }. visit = { type, label, who, role = \"medecin\" | "
		"\"infirmier\", mode = \"in_person\" | \"teleconsultation\", site, starts_at, "
		"duration_min }. Jamais de contenu médical : la convocation part aussi à l'employeur.",
	.n_args = 1,
	.check = convocation_contract,
};

/* ---- the mails (their words: convocation_text.c) ---- */

/* What a convocation or a reminder of a scheduled visit says and to whom,
 * read when the job runs (the worker's accounts and the company's contact as
 * they are then). */
struct notice {
	json_t *request;    /* row (owned) */
	json_t *slot;       /* row, tracking_slot_view with starts_ms (owned) */
	json_t *ctx;        /* the body's context (owned) */
	json_t *text;       /* convocation_text's {objectives, steps} (owned) */
	json_t *recipients; /* [{email, kind}]: notice_recipients */
	char subject[300];
};

static void notice_clear(struct notice *n)
{
	json_decref(n->request);
	json_decref(n->slot);
	json_decref(n->ctx);
	json_decref(n->text);
	json_decref(n->recipients);
	memset(n, 0, sizeof(*n));
}

/* Who is told of a visit (its convocation, reminders and cancellation):
 * [{email, kind}], kind "employer" (the company's contact, first) or "worker"
 * (his own accounts, then the convocation e-mail the employer declared for
 * him, membership's worker_contact, so that a worker without an account is
 * convoked too). A visit kept from the employer (tracking_hidden_from_employer)
 * goes to the worker's accounts only: an address the employer typed may be
 * one he reads. An address appears once. NULL on error. */
static json_t *notice_recipients(socle_db *db, const json_t *r, const json_t *contact,
                                 socle_err *err)
{
	bool hidden = tracking_hidden_from_employer(sget(r, "type"), sget(r, "requested_by"));
	json_t *accounts = tracking_worker_accounts(db, iget(r, "worker_id"), err);
	json_t *to = json_array();
	size_t i;
	const json_t *a;

	if (accounts == NULL || to == NULL) {
		json_decref(accounts);
		json_decref(to);
		if (err->code == 0)
			NOMEM(err);
		return NULL;
	}
	json_array_foreach(accounts, i, a)
		if (sget(a, "email"))
			json_array_append_new(to, json_pack("{s:s, s:s}", "email", sget(a, "email"),
			                                    "kind", "worker"));
	json_decref(accounts);
	if (hidden)
		return to;
	json_t *company = tracking_membership->company_get(db, iget(r, "company_id"), err);
	if (company == NULL) {
		json_decref(to);
		return NULL;
	}
	const char *boss = sget(json_object_get(company, "contact"), "email");
	const char *own = sget(contact, "email");
	bool listed = own == NULL || (boss && strcasecmp(boss, own) == 0);

	json_array_foreach(to, i, a)
		listed |= own && strcasecmp(sget(a, "email"), own) == 0;
	if (!listed)
		json_array_append_new(to, json_pack("{s:s, s:s}", "email", own, "kind", "worker"));
	if (boss != NULL)
		json_array_insert_new(to, 0, json_pack("{s:s, s:s}", "email", boss, "kind",
		                                       "employer"));
	json_decref(company);
	return to;
}

/* The kind ("employer", "worker") of recipient @p email of a notice, NULL
 * when it is none of them any more. */
static const char *recipient_kind(const json_t *recipients, const char *email)
{
	size_t i;
	const json_t *to;

	json_array_foreach(recipients, i, to)
		if (email && sget(to, "email") && strcasecmp(sget(to, "email"), email) == 0)
			return sget(to, "kind");
	return NULL;
}

/* The worker's mobile for the reminders by SMS: his own word first (the
 * portal's number and consent, tracking_worker_contact: a consent refused
 * there wins), else the mobile his employer declared for convocations,
 * unless the visit is kept from the employer. 1 with @p number, 0 none, or
 * a negative code. */
static int notice_sms_number(socle_db *db, const json_t *r, char number[SOCLE_SMS_NUMBER_SIZE],
                             socle_err *err)
{
	socle_err e2 = SOCLE_ERR_INIT;
	int64_t worker = iget(r, "worker_id");
	json_t *own = socle_db_query_one_new(db, "SELECT mobile, sms_consent FROM"
	                                         " tracking_worker_contact WHERE worker_id = :w",
	                                     json_pack("{s:I}", "w", (json_int_t)worker), &e2);

	if (own == NULL && e2.code != SOCLE_E_NOTFOUND)
		return socle_err_set(err, e2.code ? e2.code : SOCLE_E_NOMEM, "%s", e2.msg);
	if (own != NULL) {
		int has = iget(own, "sms_consent") == 1 && sget(own, "mobile") != NULL;

		if (has)
			snprintf(number, SOCLE_SMS_NUMBER_SIZE, "%s", sget(own, "mobile"));
		json_decref(own);
		return has;
	}
	if (tracking_hidden_from_employer(sget(r, "type"), sget(r, "requested_by")))
		return 0;
	json_t *c = tracking_membership->worker_contact(db, worker, err);
	if (c == NULL)
		return err->code == SOCLE_E_NOTFOUND ? 0 : err->code;
	int has = sget(c, "mobile") != NULL &&
	          socle_sms_number(sget(c, "mobile"), number, NULL) == 0;
	json_decref(c);
	return has;
}

/* Load the visit of @p request_id if it is still scheduled on @p slot_id and
 * render its notice (@p days_before > 0: a reminder). Returns 1 when ready, 0
 * when the visit no longer holds (cancelled, moved, held: nothing to send), or
 * a negative code. Reads only. */
static int notice_prepare(socle_service *svc, socle_db *db, int64_t request_id, int64_t slot_id,
                          int days_before, struct notice *n, socle_err *err)
{
	socle_err e2 = SOCLE_ERR_INIT;
	int rc;

	n->request = tracking_request_load(db, request_id, &e2);
	if (n->request == NULL)
		return e2.code == SOCLE_E_NOTFOUND ? 0 : socle_err_set(err, e2.code, "%s", e2.msg);
	if (strcmp(sget(n->request, "status"), "scheduled") != 0 ||
	    iget(n->request, "slot_id") != slot_id)
		return 0;
	n->slot = tracking_slot_load(db, slot_id, err);
	if (n->slot == NULL)
		return err->code ? err->code : SOCLE_E_INTERNAL;
	tracking_slot_view_ms(n->slot, true);
	const json_t *r = n->request, *slot = n->slot;
	const struct tracking_visit_type *t = tracking_visit_type(sget(r, "type"));
	json_t *info = tracking_worker_card(db, iget(r, "worker_id"), err), *contact = NULL;
	if (info == NULL)
		return err->code ? err->code : SOCLE_E_INTERNAL;
	json_t *visit = json_pack("{s:O, s:s, s:s, s:O, s:O, s:O, s:O, s:O}", "type",
	                          json_object_get(r, "type"), "label", t ? t->label : "", "who",
	                          t ? t->who : "", "role", json_object_get(slot, "role"), "mode",
	                          json_object_get(slot, "mode"), "site", json_object_get(slot, "site"),
	                          "starts_at", json_object_get(slot, "starts_at"), "duration_min",
	                          json_object_get(slot, "duration_min"));
	json_t *args = visit ? json_pack("[o]", visit) : NULL;
	rc = args ? socle_rule_call(svc, "convocation_text", args, &n->text, err) : NOMEM(err);
	json_decref(args);
	if (rc != 0)
		goto out;
	contact = tracking_membership->worker_contact(db, iget(r, "worker_id"), err);
	if (contact == NULL) {
		rc = err->code ? err->code : NOMEM(err);
		goto out;
	}
	bool hidden = tracking_hidden_from_employer(sget(r, "type"), sget(r, "requested_by"));
	char display[300], greeting[300], place[800], reach[1000];
	tracking_worker_names(sget(contact, "civility"), sget(info, "first_name"),
	                      sget(info, "last_name"), display, sizeof(display), greeting,
	                      sizeof(greeting));
	tracking_site_place(svc, sget(slot, "site"), place, sizeof(place));
	tracking_service_contact(svc, reach, sizeof(reach));
	n->ctx = json_pack("{s:s, s:O, s:O, s:O, s:s, s:O, s:I, s:I, s:O, s:b, s:s, s:s, s:O,"
	                   " s:s, s:s}", "service",
	                   socle_service_name(svc), "first_name", json_object_get(info, "first_name"),
	                   "last_name", json_object_get(info, "last_name"), "company",
	                   json_object_get(info, "legal_name"), "label", t ? t->label : "", "slot",
	                   slot, "cutoff_hours", (json_int_t)tracking_cutoff_hours(svc), "request_id",
	                   (json_int_t)request_id, "type", json_object_get(r, "type"), "hidden",
	                   hidden, "worker_display", display, "greeting", greeting, "civility",
	                   json_object_get(contact, "civility"), "place", place, "contact", reach);
	n->recipients = notice_recipients(db, r, contact, err);
	if (n->ctx == NULL || n->recipients == NULL) {
		rc = err->code ? err->code : NOMEM(err);
		goto out;
	}
	if (json_array_size(n->recipients) == 0)
		socle_log(SOCLE_LOG_WARN, "service %s : la demande %" PRId64 " (%s) n'est adressée qu'au "
		          "salarié, qui n'a ni compte ni adresse de convocation utilisable : personne "
		          "n'en reçoit la convocation par courriel ; prévenez-le autrement",
		          socle_service_id(svc), request_id, t ? t->label : "visite");
	char when[96];
	tracking_french_when(sget(slot, "starts_at"), when, sizeof(when));
	snprintf(n->subject, sizeof(n->subject), "%s : %s, %s",
	         days_before > 0 ? "Rappel de convocation" : "Convocation", t ? t->label : "visite",
	         when);
	rc = 1;
out:
	json_decref(info);
	json_decref(contact);
	return rc;
}

/* In a write: is the visit still scheduled on that slot? 1 yes, 0 no, or a
 * negative code. */
static int visit_holds(socle_db *wdb, int64_t request_id, int64_t slot_id, socle_err *err)
{
	socle_err e2 = SOCLE_ERR_INIT;
	json_t *r = socle_db_query_one_new(wdb, "SELECT status, slot_id FROM tracking_visit_request WHERE id = :id",
	                  json_pack("{s:I}", "id", (json_int_t)request_id), &e2);

	if (r == NULL)
		return e2.code == SOCLE_E_NOTFOUND ? 0 : socle_err_set(err, e2.code, "%s", e2.msg);
	int holds = strcmp(sget(r, "status"), "scheduled") == 0 && iget(r, "slot_id") == slot_id;
	json_decref(r);
	return holds;
}

/* In a write: record that this notice went out, once. A job runs at least
 * once: the notice's row makes the second run send nothing. 1 when recorded
 * now, 0 when it already was, or a negative code. */
static int notice_record(socle_db *wdb, int64_t request_id, int64_t slot_id, int days_before,
                         const char *recipient, socle_err *err)
{
	return socle_db_run_new(wdb, "INSERT OR IGNORE INTO tracking_notice (request_id, slot_id, days_before,"
	                  " recipient, mailed_at) VALUES (:r, :s, :d, :to, :now)",
	             json_pack("{s:I, s:I, s:i, s:s, s:I}", "r", (json_int_t)request_id, "s",
	                       (json_int_t)slot_id, "d", days_before, "to", recipient, "now",
	                       (json_int_t)socle_now_ms()),
	             err);
}

/* Queue one mail; a contact address the mailer refuses is logged and skipped
 * (the other recipients still get theirs). 0 or a store error. */
static int notice_mail(socle_db *wdb, int64_t request_id, const char *to, const char *subject,
                       const char *text, const char *category,
                       const struct socle_mail_parts *parts, socle_err *err)
{
	struct socle_mail mail = {.to = to, .subject = subject, .text = text, .category = category};
	socle_err e2 = SOCLE_ERR_INIT;
	int64_t job = socle_mail_queue_parts(wdb, &mail, parts, 0, &e2);

	if (job == SOCLE_E_INVAL) {
		socle_log(SOCLE_LOG_WARN, "service %s : %s de la demande %" PRId64 " non envoyé(e) à "
		          "« %s » : %s", socle_service_id(socle_db_service(wdb)), category, request_id,
		          to ? to : "", e2.msg);
		return 0;
	}
	return job < 0 ? socle_err_set(err, (int)job, "%s", e2.msg) : 0;
}

/* The cancellation notices of a scheduled visit (same recipients as the
 * convocation: notice_recipients). */
json_t *tracking_cancel_mails(socle_service *svc, socle_db *db, const json_t *r, const json_t *slot,
                            socle_err *err)
{
	const struct tracking_visit_type *t = tracking_visit_type(sget(r, "type"));
	char when[96], subject[300], *text[2] = {NULL, NULL};
	json_t *card = tracking_worker_card(db, iget(r, "worker_id"), err);
	json_t *contact = card ? tracking_membership->worker_contact(db, iget(r, "worker_id"), err)
	                       : NULL;
	json_t *to = contact ? notice_recipients(db, r, contact, err) : NULL, *out = NULL;

	if (to == NULL)
		goto done;
	tracking_french_when(sget(slot, "starts_at"), when, sizeof(when));
	snprintf(subject, sizeof(subject), "Annulation : %s, %s", t ? t->label : "visite", when);
	for (int k = 0; k < 2; k++)
		text[k] = tracking_cancel_body(svc, card, contact, t ? t->label : "", when,
		                               iget(r, "id"), k == 1);
	out = text[0] && text[1] ? json_array() : NULL;
	if (out == NULL) {
		NOMEM(err);
		goto done;
	}
	size_t i;
	const json_t *e;
	json_array_foreach(to, i, e) {
		bool employer = strcmp(sget(e, "kind"), "employer") == 0;

		json_array_append_new(out, json_pack("{s:O, s:s, s:s}", "to", json_object_get(e, "email"),
		                                     "subject", subject, "text", text[employer]));
	}
done:
	free(text[0]);
	free(text[1]);
	json_decref(to);
	json_decref(contact);
	json_decref(card);
	return out;
}

/* ---- the attachments: the convocation as PDF, the calendar invitation ---- */

static const char *or_dash(const char *s)
{
	return s && *s ? s : "—";
}

/* The convocation as a description for the core's document service: the
 * words of the mail, no more (it goes to the employer too: no medical
 * content, no reason of the request). */
static json_t *convocation_doc(const json_t *ctx, const json_t *text)
{
	const json_t *slot = json_object_get(ctx, "slot");
	char when[96], who[300], duration[48], ref[64], intro[600], reach[1100], *closing = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&closing, &len);

	if (f == NULL)
		return NULL;
	tracking_convocation_closing(f, ctx);
	if (fclose(f) != 0) {
		free(closing);
		return NULL;
	}
	tracking_french_when(sget(slot, "starts_at"), when, sizeof(when));
	snprintf(who, sizeof(who), "%s", or_dash(sget(ctx, "worker_display")));
	snprintf(reach, sizeof(reach), "Pour joindre le service : %s", or_dash(sget(ctx, "contact")));
	snprintf(duration, sizeof(duration), "%" PRId64 " minutes", iget(slot, "duration_min"));
	snprintf(ref, sizeof(ref), "Référence de la demande : %" PRId64, iget(ctx, "request_id"));
	snprintf(intro, sizeof(intro), "%s convoque %s, salarié(e) de %s, à la visite suivante.",
	         or_dash(sget(ctx, "service")), who, or_dash(sget(ctx, "company")));
	bool tele = strcmp(or_dash(sget(slot, "mode")), "teleconsultation") == 0;
	json_t *fields = json_pack(
	        "[[s,s],[s,s],[s,s],[s,s],[s,s],[s,s],[s,s]]", "Salarié(e)", who, "Entreprise",
	        or_dash(sget(ctx, "company")), "Type de visite", or_dash(sget(ctx, "label")),
	        "Date et heure", when, "Durée prévue", duration, "Lieu",
	        tele ? "téléconsultation (le lien de connexion vous sera communiqué par le service)"
	             : or_dash(sget(ctx, "place")),
	        "Avec", tracking_role_phrase(sget(slot, "role")));
	json_t *know = json_array();
	char *save = NULL;
	for (char *line = strtok_r(closing, "\n", &save); line && know;
	     line = strtok_r(NULL, "\n", &save))
		json_array_append_new(know, json_pack("{s:s}", "paragraph", line));
	free(closing);
	if (know) {
		json_array_append_new(know, json_pack("{s:s}", "paragraph", reach));
		json_array_append_new(know, json_pack("{s:s}", "paragraph", ref));
	}
	json_t *steps = json_deep_copy(json_object_get(text, "steps"));
	json_t *doc = fields && know && steps
	        ? json_pack("{s:s, s:s, s:[{s:[{s:s}, {s:o}]}, {s:s, s:[{s:s}]}, {s:s, s:[{s:o}]},"
	                    " {s:s, s:o}]}",
	                    "title", "Convocation", "subtitle", or_dash(sget(ctx, "label")),
	                    "sections", "blocks", "paragraph", intro, "fields", fields, "heading",
	                    "Objectifs de la visite", "blocks", "paragraph",
	                    or_dash(sget(text, "objectives")), "heading", "Déroulement", "blocks",
	                    "list", steps, "heading", "À savoir", "blocks", know)
	        : NULL;
	if (doc == NULL) {
		json_decref(fields);
		json_decref(know);
		json_decref(steps);
	}
	return doc;
}

/* The convocation's PDF, issued by the core (numbered, with its verification
 * code): the same description gives back the stored one, so a reminder or a
 * retried job attaches the same document. False when it could not be made:
 * the mail then goes without it (a convocation matters more than its copy). */
static bool convocation_pdf(socle_service *svc, const struct notice *n, int64_t request_id,
                            int64_t slot_id, struct socle_document_issued *out)
{
	socle_err err = SOCLE_ERR_INIT;
	char subject[64];
	json_t *doc = convocation_doc(n->ctx, n->text);

	snprintf(subject, sizeof(subject), "visit:%" PRId64 ":slot:%" PRId64, request_id, slot_id);
	int rc = doc ? socle_document_issue(svc, "tracking.convocation", subject, doc, out, &err)
	             : NOMEM(&err);
	json_decref(doc);
	if (rc != 0) {
		socle_log(SOCLE_LOG_WARN, "service %s : convocation de la demande %" PRId64 " sans "
		          "PDF : %s", socle_service_id(svc), request_id, err.msg);
		memset(out, 0, sizeof(*out));
		return false;
	}
	return true;
}

/* In the write: the calendar invitation of the visit for @p to (caller
 * frees). Its UID is the request's, so a moved visit updates the entry; its
 * SEQUENCE counts the slots convoked before this one. NULL (logged) when it
 * cannot be made: the mail goes without it. */
static char *convocation_ics(socle_db *wdb, const struct notice *n, int64_t request_id,
                             int64_t slot_id, const char *to)
{
	socle_service *svc = socle_db_service(wdb);
	socle_err err = SOCLE_ERR_INIT;
	const json_t *slot = n->slot;
	char uid[64], desc[400];
	json_t *row = socle_db_query_one_new(
	        wdb, "SELECT count(DISTINCT slot_id) AS moves FROM tracking_notice WHERE "
	             "request_id = :r AND days_before = 0 AND slot_id <> :s",
	        json_pack("{s:I, s:I}", "r", (json_int_t)request_id, "s", (json_int_t)slot_id), &err);

	snprintf(uid, sizeof(uid), "tracking-visit-%" PRId64, request_id);
	snprintf(desc, sizeof(desc), "Convocation du service (référence de la demande %" PRId64
	         "). En cas d'empêchement, prévenez le service au moins %" PRId64 " heures avant "
	         "la visite.", request_id, iget(n->ctx, "cutoff_hours"));
	bool tele = strcmp(or_dash(sget(slot, "mode")), "teleconsultation") == 0;
	struct socle_calendar_event ev = {
		.uid = uid,
		.starts_at_ms = iget(slot, "starts_ms"),
		.ends_at_ms = iget(slot, "starts_ms") + iget(slot, "duration_min") * 60000,
		.summary = or_dash(sget(n->ctx, "label")),
		.location = tele ? "Téléconsultation" : sget(n->ctx, "place"),
		.description = desc,
		.attendee = to,
		.sequence = row ? (int)iget(row, "moves") : 0,
	};
	json_decref(row);
	char *ics = socle_calendar_invitation(svc, &ev, &err);
	if (ics == NULL)
		socle_log(SOCLE_LOG_WARN, "service %s : convocation de la demande %" PRId64 " sans "
		          "invitation d'agenda : %s", socle_service_id(svc), request_id, err.msg);
	return ics;
}

/* Queue a convocation or a reminder to @p to with its attachments. */
static int notice_mail_attached(socle_db *wdb, int64_t request_id, int64_t slot_id,
                                const struct notice *n, const struct socle_document_issued *pdf,
                                const char *to, const char *subject, const char *text,
                                const char *category, socle_err *err)
{
	struct socle_mail_attachment att[2];
	size_t k = 0;
	char *ics = to ? convocation_ics(wdb, n, request_id, slot_id, to) : NULL;

	if (pdf != NULL && pdf->pdf != NULL)
		att[k++] = (struct socle_mail_attachment){"convocation.pdf", "application/pdf",
		                                          pdf->pdf, pdf->pdf_len};
	if (ics != NULL)
		att[k++] = (struct socle_mail_attachment){"invitation.ics",
		                                          "text/calendar; charset=UTF-8; method=REQUEST",
		                                          ics, strlen(ics)};
	struct socle_mail_parts parts = {.attachments = att, .n_attachments = k};
	int rc = notice_mail(wdb, request_id, to, subject, text, category, &parts, err);

	free(ics);
	return rc;
}

/* ---- the convocation job: mails now, reminder jobs for later ---- */

struct convocation_write {
	int64_t request_id, slot_id;
	const struct notice *n;
	const char *body[2]; /* the worker's text, the employer's: each rendered once */
	const struct socle_document_issued *pdf; /* the convocation's PDF, or NULL */
	int days[MAX_REMINDERS];
	size_t n_days;
};

static int convocation_txn(socle_db *wdb, void *ud, socle_err *err)
{
	const struct convocation_write *cw = ud;
	int rc;

	if ((rc = visit_holds(wdb, cw->request_id, cw->slot_id, err)) <= 0 ||
	    (rc = notice_record(wdb, cw->request_id, cw->slot_id, 0, "*", err)) <= 0)
		return rc; /* moved or cancelled since, or already sent */
	int64_t start = iget(cw->n->slot, "starts_ms"), now = socle_now_ms();
	size_t i;
	const json_t *to;
	json_array_foreach(cw->n->recipients, i, to) {
		const char *email = sget(to, "email");
		bool employer = strcmp(sget(to, "kind"), "employer") == 0;

		if ((rc = notice_mail_attached(wdb, cw->request_id, cw->slot_id, cw->n, cw->pdf, email,
		                               cw->n->subject, cw->body[employer], "convocation",
		                               err)) != 0)
			return rc;
		for (size_t k = 0; k < cw->n_days && email; k++) {
			int64_t at = start - (int64_t)cw->days[k] * 86400000;

			if (at <= now) /* already in the past: no reminder */
				continue;
			json_t *p = json_pack("{s:I, s:I, s:s, s:i, s:s}", "request_id",
			                      (json_int_t)cw->request_id, "slot_id",
			                      (json_int_t)cw->slot_id, "to", email, "days", cw->days[k],
			                      "kind", employer ? "employer" : "worker");
			int64_t job = p ? socle_job_enqueue(wdb, "tracking.reminder", p, at, 0, err)
			                : NOMEM(err);

			json_decref(p);
			if (job < 0)
				return (int)job;
		}
	}
	/* The worker's reminders by SMS, when he has a mobile today and did not
	 * refuse them (the job checks again when it runs: a consent taken back
	 * stops it). */
	char number[SOCLE_SMS_NUMBER_SIZE];
	int has = notice_sms_number(wdb, cw->n->request, number, err);

	if (has < 0)
		return has;
	for (size_t k = 0; has == 1 && k < cw->n_days; k++) {
		int64_t at = start - (int64_t)cw->days[k] * 86400000;

		if (at <= now)
			continue;
		json_t *p = json_pack("{s:I, s:I, s:i}", "request_id", (json_int_t)cw->request_id,
		                      "slot_id", (json_int_t)cw->slot_id, "days", cw->days[k]);
		int64_t job = p ? socle_job_enqueue(wdb, "tracking.reminder_sms", p, at, 0, err)
		                : NOMEM(err);

		json_decref(p);
		if (job < 0)
			return (int)job;
	}
	return 0;
}

static int convocation_job(socle_service *svc, const json_t *payload, void *ud, socle_err *err)
{
	struct notice n = {0};
	struct convocation_write cw = {.request_id = iget(payload, "request_id"),
	                               .slot_id = iget(payload, "slot_id"), .n = &n};
	(void)ud;

	if (cw.request_id <= 0 || cw.slot_id <= 0)
		return socle_err_set(err, SOCLE_E_INVAL, "tracking.convocation : charge utile invalide");
	socle_db *db = socle_service_reader(svc, err);
	int rc = db ? notice_prepare(svc, db, cw.request_id, cw.slot_id, 0, &n, err)
	            : SOCLE_E_STORE;
	char *body[2] = {NULL, NULL};
	struct socle_document_issued pdf = {0};

	if (rc == 1) {
		for (int k = 0; k < 2; k++)
			cw.body[k] = body[k] = tracking_convocation_body(n.ctx, n.text, 0, k == 1);
		cw.n_days = reminder_days(svc, cw.days);
		cw.pdf = convocation_pdf(svc, &n, cw.request_id, cw.slot_id, &pdf) ? &pdf : NULL;
		rc = body[0] && body[1] ? socle_service_write(svc, convocation_txn, &cw, err)
		                        : NOMEM(err);
	}
	socle_document_issued_free(&pdf);
	if (rc < 0)
		socle_log(SOCLE_LOG_WARN, "service %s : convocation de la demande %" PRId64
		          " impossible pour l'instant : %s", socle_service_id(svc), cw.request_id,
		          err->msg);
	free(body[0]);
	free(body[1]);
	notice_clear(&n);
	return rc < 0 ? rc : 0;
}

/* ---- the reminder job: mail it now if the visit still holds on the same slot ---- */

struct reminder_write {
	int64_t request_id, slot_id;
	int days;
	const char *to, *subject, *text;
	const struct notice *n;                  /* NULL: a mail rendered by an older version */
	const struct socle_document_issued *pdf; /* the convocation's PDF, or NULL */
};

static int reminder_txn(socle_db *wdb, void *ud, socle_err *err)
{
	const struct reminder_write *rw = ud;
	int rc;

	if ((rc = visit_holds(wdb, rw->request_id, rw->slot_id, err)) <= 0 ||
	    (rc = notice_record(wdb, rw->request_id, rw->slot_id, rw->days, rw->to, err)) <= 0)
		return rc; /* cancelled or moved: no reminder; or already sent */
	if (rw->n == NULL)
		return notice_mail(wdb, rw->request_id, rw->to, rw->subject, rw->text, "rappel", NULL,
		                   err);
	return notice_mail_attached(wdb, rw->request_id, rw->slot_id, rw->n, rw->pdf, rw->to,
	                            rw->subject, rw->text, "rappel", err);
}

static int reminder_job(socle_service *svc, const json_t *payload, void *ud, socle_err *err)
{
	struct reminder_write rw = {.request_id = iget(payload, "request_id"),
	                            .slot_id = iget(payload, "slot_id"),
	                            .days = (int)iget(payload, "days"), .to = sget(payload, "to")};
	struct notice n = {0};
	char *body = NULL;
	int rc;
	(void)ud;

	if (rw.request_id <= 0 || rw.slot_id <= 0 || rw.to == NULL || rw.days < 1 || rw.days > 90)
		return socle_err_set(err, SOCLE_E_INVAL, "tracking.reminder : charge utile invalide");
	socle_db *db = socle_service_reader(svc, err);
	rc = db ? notice_prepare(svc, db, rw.request_id, rw.slot_id, rw.days, &n, err) : SOCLE_E_STORE;
	/* Who it goes to now decides its words: a visit kept from the employer
	 * reminds the worker's accounts only, whatever an earlier version
	 * planned; an address no longer listed keeps the kind it was planned for. */
	const char *kind = rc == 1 ? recipient_kind(n.recipients, rw.to) : NULL;
	if (rc == 1 && kind == NULL)
		kind = sget(payload, "kind") ? sget(payload, "kind") : "worker";
	if (rc == 1 && json_is_true(json_object_get(n.ctx, "hidden"))) {
		if (recipient_kind(n.recipients, rw.to) == NULL) {
			socle_log(SOCLE_LOG_WARN, "service %s : rappel de la demande %" PRId64 " non "
			          "envoyé à « %s » : cette visite n'est adressée qu'au salarié",
			          socle_service_id(svc), rw.request_id, rw.to);
			rc = 0;
		}
	}
	if (rc == 1 && sget(payload, "text") && sget(payload, "subject")) {
		/* Queued by a version that rendered reminders at booking time. */
		rw.subject = sget(payload, "subject");
		rw.text = sget(payload, "text");
		rc = socle_service_write(svc, reminder_txn, &rw, err);
		notice_clear(&n);
		return rc < 0 ? rc : 0;
	}
	if (rc == 1 && iget(n.slot, "starts_ms") <= socle_now_ms()) {
		/* Run late (the service was down at its time) after the visit began:
		 * "the visit is in n days" would be false. */
		socle_log(SOCLE_LOG_INFO, "service %s : rappel de la demande %" PRId64 " à « %s » non "
		          "envoyé, la visite a déjà commencé", socle_service_id(svc), rw.request_id,
		          rw.to);
		rc = 0;
	}
	struct socle_document_issued pdf = {0};
	if (rc == 1) {
		body = tracking_convocation_body(n.ctx, n.text, rw.days,
		                                 strcmp(kind, "employer") == 0);
		rw.subject = n.subject;
		rw.text = body;
		rw.n = &n;
		rw.pdf = convocation_pdf(svc, &n, rw.request_id, rw.slot_id, &pdf) ? &pdf : NULL;
		rc = body ? socle_service_write(svc, reminder_txn, &rw, err) : NOMEM(err);
	}
	socle_document_issued_free(&pdf);
	free(body);
	notice_clear(&n);
	return rc < 0 ? rc : 0;
}

/* ---- the reminder by SMS: to the worker who agreed, if the visit still holds ---- */

struct sms_write {
	int64_t request_id, slot_id;
	int days;
	const char *number, *text;
};

static int sms_txn(socle_db *wdb, void *ud, socle_err *err)
{
	const struct sms_write *sw = ud;
	int rc;

	if ((rc = visit_holds(wdb, sw->request_id, sw->slot_id, err)) <= 0 ||
	    (rc = notice_record(wdb, sw->request_id, sw->slot_id, sw->days, "sms", err)) <= 0)
		return rc; /* cancelled or moved; or already sent */
	int64_t job = socle_sms_queue(wdb, sw->number, sw->text, "rappel", 0, err);

	return job < 0 ? (int)job : 0;
}

static int sms_reminder_job(socle_service *svc, const json_t *payload, void *ud, socle_err *err)
{
	struct sms_write sw = {.request_id = iget(payload, "request_id"),
	                       .slot_id = iget(payload, "slot_id"), .days = (int)iget(payload, "days")};
	struct notice n = {0};
	char number[SOCLE_SMS_NUMBER_SIZE], when[96];
	json_t *out = NULL;
	(void)ud;

	if (sw.request_id <= 0 || sw.slot_id <= 0 || sw.days < 1 || sw.days > 90)
		return socle_err_set(err, SOCLE_E_INVAL, "tracking.reminder_sms : charge utile invalide");
	socle_db *db = socle_service_reader(svc, err);
	int rc = db ? notice_prepare(svc, db, sw.request_id, sw.slot_id, sw.days, &n, err)
	            : SOCLE_E_STORE;

	if (rc == 1 && iget(n.slot, "starts_ms") <= socle_now_ms())
		rc = 0; /* run late, after the visit began */
	if (rc == 1)
		rc = notice_sms_number(db, n.request, number, err);
	if (rc == 1) {
		const json_t *id = socle_service_identity(svc);
		const struct tracking_visit_type *t = tracking_visit_type(sget(n.request, "type"));

		tracking_french_when(sget(n.slot, "starts_at"), when, sizeof(when));
		/* Never medical content: the type's label, the day, the place. The
		 * phone is left out when the service has none (a JSON null would
		 * reach the script as socle.null, which is true). */
		json_t *visit = json_pack("{s:O, s:s, s:s, s:O, s:s}", "type",
		                          json_object_get(n.request, "type"), "label",
		                          t ? t->label : "visite", "when", when, "mode",
		                          json_object_get(n.slot, "mode"), "service",
		                          socle_service_name(svc));
		if (visit && sget(n.slot, "site"))
			json_object_set_new(visit, "site", json_string(sget(n.slot, "site")));
		if (visit && sget(id, "phone"))
			json_object_set_new(visit, "phone", json_string(sget(id, "phone")));
		json_t *args = visit ? json_pack("[o, i]", visit, sw.days) : NULL;
		rc = args ? socle_rule_call(svc, "reminder_sms_text", args, &out, err) : NOMEM(err);
		json_decref(args);
		if (rc == 0) {
			sw.number = number;
			sw.text = sget(out, "text");
			rc = socle_service_write(svc, sms_txn, &sw, err);
		}
	}
	json_decref(out);
	notice_clear(&n);
	return rc < 0 ? rc : 0;
}

int tracking_convocation_init(socle_plugin *p, socle_err *err)
{
	int rc;

	if ((rc = socle_plugin_add_rule_point(p, &convocation_rule, err)) ||
	    (rc = socle_plugin_add_job(p, "tracking.convocation", convocation_job, NULL, err)) ||
	    (rc = socle_plugin_add_job(p, "tracking.reminder", reminder_job, NULL, err)) ||
	    (rc = socle_plugin_add_job(p, "tracking.reminder_sms", sms_reminder_job, NULL, err)))
		return rc;
	return 0;
}
