/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Partners and serious events (issue 17, items 5 and 6; seed 3.5.4, 3.5.5):
 *   - a directory of partners per territory (Cap Emploi, MDPH, CARSAT, CPAM
 *     service social, AGEFIPH, Comète France, others the service adds);
 *   - referrals of a case to a partner, recorded only with the worker's
 *     consent to the exchange (409 consent_required otherwise), with their
 *     date, purpose and outcome;
 *   - serious events a company reports (fatal accident, assault, suicide or
 *     attempt, robbery, hostage taking): the first contact is due within the
 *     service's setting first_contact_hours (48 by default); the team's list
 *     shows overdue responses first, then by deadline. */
#include <stdlib.h>

#include "retention.h"

static const char *const partner_kinds[] = {"cap_emploi", "mdph", "carsat",
                                            "cpam_service_social", "agefiph", "comete_france",
                                            "autre", NULL};
static const char *const event_kinds[] = {"accident_mortel", "agression", "suicide_ou_tentative",
                                          "braquage", "prise_otage", NULL};
static const char *const response_kinds[] = {"soutien_psychologique", "orientation", "aucun",
                                             NULL};

/* ---- partners ----------------------------------------------------------------------------- */

static const struct socle_field partner_fields[] = {
	{"name", SOCLE_F_STRING, true, 1, 200, NULL, NULL},
	{"kind", SOCLE_F_ENUM, true, 0, 0, partner_kinds, NULL},
	{"territory", SOCLE_F_STRING, true, 1, 100, NULL, NULL},
	{"contact", SOCLE_F_STRING, false, 1, 500, NULL, NULL},
};

static int partner_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct retention_write *w = ud;
	const json_t *b = w->body;
	int rc = q_ok(wdb, "INSERT INTO retention_partner (name, kind, territory, contact,"
	                   " created_at) VALUES (:n, :k, :t, :c, :now)",
	              json_pack("{s:O, s:O, s:O, s:O?, s:I}", "n", json_object_get(b, "name"), "k",
	                        json_object_get(b, "kind"), "t", json_object_get(b, "territory"), "c",
	                        json_object_get(b, "contact"), "now", (json_int_t)socle_now_ms()),
	              err);
	int64_t id = socle_db_last_insert_id(wdb);

	if (rc || (rc = audit(wdb, w->req, "retention.partner.add", "retention_partner", id,
	                      json_object(), err)))
		return rc;
	w->result = json_deep_copy(b);
	if (w->result)
		json_object_set_new(w->result, "id", json_integer(id));
	return w->result ? 0 : NOMEM(err);
}

static int partner_add(socle_req *req, void *ud)
{
	(void)ud;
	if (retention_invalid(req, partner_fields, SOCLE_COUNT(partner_fields)))
		return 0;
	struct retention_write w = {0};
	return retention_write_reply(req, partner_txn, &w, 201);
}

static int partner_list(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	socle_db *db = socle_req_reader(req, &err);
	const char *territory = socle_req_query(req, "territory");
	(void)ud;

	if (db == NULL)
		return reply_fail(req, &err);
	json_t *items = socle_db_query_new(db, "SELECT id, name, kind, territory, contact FROM"
	                                       " retention_partner WHERE (:t IS NULL OR territory = :t)"
	                                       " ORDER BY territory, name LIMIT 500",
	                                   json_pack("{s:s?}", "t", territory), &err);
	return items ? socle_reply_json(req, 200, json_pack("{s:o}", "items", items))
	             : reply_fail(req, &err);
}

/* ---- referrals ---------------------------------------------------------------------------- */

static const struct socle_field referral_fields[] = {
	{"partner_id", SOCLE_F_INT, true, 1, INT64_MAX, NULL, NULL},
	{"purpose", SOCLE_F_STRING, true, 1, 2000, NULL, NULL},
	{"on_date", SOCLE_F_DATE, true, 0, 0, NULL, NULL},
	{"outcome", SOCLE_F_STRING, false, 1, 2000, NULL, NULL},
};

static int referral_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct retention_write *w = ud;
	const json_t *b = w->body;
	int64_t id = iget(w->c, "id");
	socle_err e2 = SOCLE_ERR_INIT;
	json_t *consent = socle_db_query_one_new(wdb, "SELECT id, given FROM retention_consent WHERE"
	                                              " case_id = :c AND scope = 'partner' ORDER BY"
	                                              " id DESC LIMIT 1",
	                                         json_pack("{s:I}", "c", (json_int_t)id), &e2);
	int64_t consent_id = consent && iget(consent, "given") ? iget(consent, "id") : 0;

	json_decref(consent);
	if (consent_id == 0)
		return socle_err_set(err, SOCLE_E_CONFLICT, "consent_required");
	json_t *partner = socle_db_query_one_new(wdb, "SELECT name FROM retention_partner WHERE"
	                                              " id = :p",
	                                         json_pack("{s:I}", "p",
	                                                   (json_int_t)iget(b, "partner_id")),
	                                         &e2);
	if (partner == NULL)
		return socle_err_set(err, SOCLE_E_INVAL, "partner_id : partenaire inconnu de l'annuaire.");
	char title[300];
	snprintf(title, sizeof(title), "Orientation vers %s", sget(partner, "name"));
	json_decref(partner);
	int rc = q_ok(wdb, "INSERT INTO retention_referral (case_id, partner_id, on_date, purpose,"
	                   " outcome, consent_id, by_user, created_at) VALUES (:c, :p, :on, :pu, :o,"
	                   " :cs, :by, :now)",
	              json_pack("{s:I, s:I, s:O, s:O, s:O?, s:I, s:I, s:I}", "c", (json_int_t)id, "p",
	                        (json_int_t)iget(b, "partner_id"), "on", json_object_get(b, "on_date"),
	                        "pu", json_object_get(b, "purpose"), "o",
	                        json_object_get(b, "outcome"), "cs", (json_int_t)consent_id, "by",
	                        (json_int_t)user_of(w->req), "now", (json_int_t)socle_now_ms()),
	              err);
	int64_t ref = socle_db_last_insert_id(wdb);

	if (rc || (rc = retention_step_add(wdb, id, "orientation_partenaire", RETENTION_GENERAL,
	                                   title, NULL, sget(b, "on_date"), user_of(w->req), err)) ||
	    (rc = audit(wdb, w->req, "retention.referral.add", "retention_case", id,
	                json_pack("{s:I, s:I}", "referral_id", (json_int_t)ref, "consent_id",
	                          (json_int_t)consent_id),
	                err)))
		return rc;
	w->result = json_pack("{s:I, s:I, s:I, s:I}", "id", (json_int_t)ref, "case_id",
	                      (json_int_t)id, "partner_id", (json_int_t)iget(b, "partner_id"),
	                      "consent_id", (json_int_t)consent_id);
	return w->result ? 0 : NOMEM(err);
}

static int referral_add(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	(void)ud;

	if (retention_invalid(req, referral_fields, SOCLE_COUNT(referral_fields)))
		return 0;
	json_t *c = retention_case_of_path(req, RETENTION_GENERAL, "retention.referral.add", &err);
	if (c == NULL)
		return reply_fail(req, &err);
	int64_t id = iget(c, "id");
	struct retention_write w = {.c = c, .req = req, .body = socle_req_body(req)};
	int rc = socle_service_write(socle_req_service(req), referral_txn, &w, &err);
	json_decref(c);
	if (rc != 0) {
		json_decref(w.result);
		if (strcmp(err.msg, "consent_required") == 0) {
			struct socle_audit_entry e = {.action = "retention.referral.add",
			                              .object_type = "retention_case", .object_id = id,
			                              .outcome = "denied"};
			socle_err e2 = SOCLE_ERR_INIT;
			(void)socle_audit_now(req, &e, &e2);
			return retention_reply_consent(req);
		}
		return reply_fail(req, &err);
	}
	return socle_reply_json(req, 201, w.result);
}

/* POST /retention/referrals/{id}/outcome {outcome}: what came of it. */
static const struct socle_field outcome_fields[] = {
	{"outcome", SOCLE_F_STRING, true, 1, 2000, NULL, NULL},
};

static int outcome_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct retention_write *w = ud;
	int rc = q_ok(wdb, "UPDATE retention_referral SET outcome = :o WHERE id = :id",
	              json_pack("{s:O, s:I}", "o", json_object_get(w->body, "outcome"), "id",
	                        (json_int_t)w->id),
	              err);

	if (rc || (rc = audit(wdb, w->req, "retention.referral.outcome", "retention_case",
	                      iget(w->c, "id"), json_pack("{s:I}", "referral_id", (json_int_t)w->id),
	                      err)))
		return rc;
	w->result = json_pack("{s:I, s:O}", "id", (json_int_t)w->id, "outcome",
	                      json_object_get(w->body, "outcome"));
	return w->result ? 0 : NOMEM(err);
}

static int referral_outcome(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	socle_db *db = socle_req_reader(req, &err);
	int64_t id;
	(void)ud;

	if (db == NULL)
		return reply_fail(req, &err);
	if (retention_invalid(req, outcome_fields, SOCLE_COUNT(outcome_fields)))
		return 0;
	if (socle_req_param_id(req, "id", &id))
		return socle_reply_error(req, 404, "not_found", "Orientation introuvable.");
	json_t *ref = socle_db_query_one_new(db, "SELECT case_id FROM retention_referral WHERE"
	                                         " id = :id",
	                                     json_pack("{s:I}", "id", (json_int_t)id), &err);
	if (ref == NULL)
		return err.code == SOCLE_E_NOTFOUND
		               ? socle_reply_error(req, 404, "not_found", "Orientation introuvable.")
		               : reply_fail(req, &err);
	json_t *c = retention_case_load(db, iget(ref, "case_id"), &err);
	json_decref(ref);
	if (c == NULL ||
	    retention_access(req, c, RETENTION_GENERAL, "retention.referral.outcome", &err)) {
		json_decref(c);
		return reply_fail(req, &err);
	}
	struct retention_write w = {.c = c, .id = id};
	return retention_write_reply(req, outcome_txn, &w, 200);
}

/* ---- serious events ----------------------------------------------------------------------- */

static const struct socle_field event_fields[] = {
	{"kind", SOCLE_F_ENUM, true, 0, 0, event_kinds, NULL},
	{"occurred_on", SOCLE_F_DATE, true, 0, 0, NULL, NULL},
	{"description", SOCLE_F_STRING, true, 1, 5000, NULL, NULL},
};

static int64_t first_contact_ms(socle_service *svc)
{
	const json_t *s = socle_service_settings(svc, retention_plugin);
	json_int_t h = json_integer_value(json_object_get(s, "first_contact_hours"));

	return (h > 0 ? h : 48) * 3600000;
}

static int event_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct retention_write *w = ud;
	const json_t *b = w->body;
	int64_t now = socle_now_ms(), due = now + first_contact_ms(socle_db_service(wdb));
	int rc = q_ok(wdb, "INSERT INTO retention_serious_event (company_id, kind, occurred_on,"
	                   " description, reported_at, reported_by, contact_due_at) VALUES (:c, :k,"
	                   " :on, :d, :now, :by, :due)",
	              json_pack("{s:I, s:O, s:O, s:O, s:I, s:I, s:I}", "c", (json_int_t)w->id, "k",
	                        json_object_get(b, "kind"), "on", json_object_get(b, "occurred_on"),
	                        "d", json_object_get(b, "description"), "now", (json_int_t)now, "by",
	                        (json_int_t)user_of(w->req), "due", (json_int_t)due),
	              err);
	int64_t id = socle_db_last_insert_id(wdb);

	/* The cell hears of it at once: the médecins and the assistants sociaux
	 * of the service are mailed the kind, the date and the deadline (the
	 * description stays in the list). */
	json_t *team = rc ? NULL
	                  : socle_users_list(wdb, SOCLE_ROLE_BIT(SOCLE_ROLE_MEDECIN) |
	                                              SOCLE_ROLE_BIT(SOCLE_ROLE_ASSISTANT_SOCIAL),
	                                     NULL, 0, 0, 100, err);
	const json_t *u;
	size_t i;
	char subject[160], text[512], occurred[SOCLE_DATE_FR_SIZE];
	socle_date_fr(sget(b, "occurred_on"), occurred);
	snprintf(subject, sizeof(subject), "Événement grave signalé par une entreprise (%s)",
	         sget(b, "kind"));
	snprintf(text, sizeof(text), "Bonjour,\n\nUne entreprise adhérente signale un événement "
	         "grave (%s) survenu le %s. Le premier contact est à prendre dans les %" PRId64
	         " heures : l'événement est dans la liste de la cellule (n° %" PRId64 ").\n",
	         sget(b, "kind"), occurred, (due - now) / 3600000, id);
	json_array_foreach(team, i, u) {
		struct socle_mail m = {.to = sget(u, "email"), .subject = subject, .text = text,
		                       .category = "evenement_grave"};
		int64_t job = socle_mail_queue(wdb, &m, 0, err);
		if (job < 0) {
			rc = (int)job;
			break;
		}
	}
	if (team == NULL && rc == 0)
		rc = err->code ? err->code : NOMEM(err);
	json_decref(team);
	if (rc || (rc = emit(wdb, "serious_event.reported",
	                     json_pack("{s:I, s:I, s:O, s:O, s:I}", "event_id", (json_int_t)id,
	                               "company_id", (json_int_t)w->id, "kind",
	                               json_object_get(b, "kind"), "occurred_on",
	                               json_object_get(b, "occurred_on"), "contact_due_at",
	                               (json_int_t)due),
	                     err)) ||
	    (rc = audit(wdb, w->req, "retention.serious_event.report", "company", w->id,
	                json_pack("{s:I}", "event_id", (json_int_t)id), err)))
		return rc;
	w->result = json_pack("{s:I, s:I, s:O, s:I}", "id", (json_int_t)id, "company_id",
	                      (json_int_t)w->id, "kind", json_object_get(b, "kind"),
	                      "contact_due_at", (json_int_t)due);
	return w->result ? 0 : NOMEM(err);
}

static int event_report(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company;
	(void)ud;

	if (socle_req_param_id(req, "id", &company))
		return socle_reply_error(req, 404, "not_found", "Entreprise introuvable.");
	if (socle_access_company(req, company, &err))
		return reply_fail(req, &err);
	if (retention_invalid(req, event_fields, SOCLE_COUNT(event_fields)))
		return 0;
	struct retention_write w = {.id = company};
	return retention_write_reply(req, event_txn, &w, 201);
}

/* GET /retention/serious-events: open responses, overdue first, then by deadline. */
static int event_list(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	socle_db *db = socle_req_reader(req, &err);
	(void)ud;

	if (db == NULL)
		return reply_fail(req, &err);
	json_t *items = socle_db_query_new(
		db, "SELECT id, company_id, kind, occurred_on, description, reported_at,"
		    " contact_due_at, contacted_at, response, actions, status,"
		    " CASE WHEN contacted_at IS NULL AND contact_due_at < :now THEN 1 ELSE 0 END"
		    " AS overdue FROM retention_serious_event WHERE status = 'open'"
		    " ORDER BY overdue DESC, CASE WHEN contacted_at IS NULL THEN 0 ELSE 1 END,"
		    " contact_due_at, id LIMIT 500",
		json_pack("{s:I}", "now", (json_int_t)socle_now_ms()), &err);
	if (items == NULL)
		return reply_fail(req, &err);
	size_t i;
	json_t *e;
	json_array_foreach(items, i, e) {
		json_t *a = json_loads(sget(e, "actions"), 0, NULL);
		json_object_set_new(e, "actions", a ? a : json_array());
		json_object_set_new(e, "overdue", json_boolean(iget(e, "overdue")));
	}
	return socle_reply_json(req, 200, json_pack("{s:o}", "items", items));
}

static const struct socle_field response_fields[] = {
	{"response", SOCLE_F_ENUM, true, 0, 0, response_kinds, NULL},
	{"actions", SOCLE_F_ARRAY, false, 0, 20, NULL, NULL},
	{"close", SOCLE_F_BOOL, false, 0, 0, NULL, NULL},
};

static int response_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct retention_write *w = ud;
	const json_t *b = w->body;
	json_t *actions = json_object_get(b, "actions");
	char *text = json_dumps(actions ? actions : json_array(), JSON_COMPACT);
	int rc;

	if (text == NULL)
		return NOMEM(err);
	rc = socle_db_run_new(wdb, "UPDATE retention_serious_event SET contacted_at ="
	                           " COALESCE(contacted_at, :now), response = :r, actions = :a,"
	                           " status = CASE WHEN :close THEN 'closed' ELSE status END"
	                           " WHERE id = :id",
	                      json_pack("{s:I, s:O, s:s, s:b, s:I}", "now",
	                                (json_int_t)socle_now_ms(), "r", json_object_get(b, "response"),
	                                "a", text, "close", json_is_true(json_object_get(b, "close")),
	                                "id", (json_int_t)w->id),
	                      err);
	free(text);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return socle_err_set(err, SOCLE_E_NOTFOUND, "Événement introuvable.");
	if ((rc = audit(wdb, w->req, "retention.serious_event.respond", "serious_event", w->id,
	                json_pack("{s:O}", "response", json_object_get(b, "response")), err)))
		return rc;
	w->result = json_pack("{s:I, s:O}", "id", (json_int_t)w->id, "response",
	                      json_object_get(b, "response"));
	return w->result ? 0 : NOMEM(err);
}

static int event_respond(socle_req *req, void *ud)
{
	int64_t id;
	(void)ud;

	if (socle_req_param_id(req, "id", &id))
		return socle_reply_error(req, 404, "not_found", "Événement introuvable.");
	if (retention_invalid(req, response_fields, SOCLE_COUNT(response_fields)))
		return 0;
	struct retention_write w = {.id = id};
	return retention_write_reply(req, response_txn, &w, 200);
}

static const struct socle_route partner_routes[] = {
	{SOCLE_GET, "/retention/partners", "retention.service", 0, partner_list, NULL},
	{SOCLE_POST, "/retention/partners", "retention.service", 8192, partner_add, NULL},
	{SOCLE_POST, "/retention/cases/{id}/referrals", "retention.cell", 8192, referral_add, NULL},
	{SOCLE_POST, "/retention/referrals/{id}/outcome", "retention.cell", 4096, referral_outcome,
	 NULL},
	{SOCLE_POST, "/retention/companies/{id}/serious-events", "retention.employer", 16384,
	 event_report, NULL},
	{SOCLE_GET, "/retention/serious-events", "retention.service", 0, event_list, NULL},
	{SOCLE_POST, "/retention/serious-events/{id}/response", "retention.service", 16384,
	 event_respond, NULL},
};

int retention_partners_init(socle_plugin *p, socle_err *err)
{
	return socle_plugin_add_routes(p, partner_routes, SOCLE_COUNT(partner_routes), err);
}
