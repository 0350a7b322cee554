/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Reprise and job adjustments (issue 17, item 2; seed 3.5.1, 3.5.3, annex IV):
 *   - the proposals of a visit outcome (tracking's event
 *     job_adjustment.proposals_issued) become the case's proposals: "held"
 *     in the cell for a pré-reprise (R4624-30: the médecin decides what the
 *     employer may learn), "proposed" otherwise;
 *   - the job study (the IPRP or the médecin of the team): the post, the
 *     observations, a summary for the company and proposals;
 *   - the médecin sends proposals, and the study's summary, to the employer
 *     only with the worker's consent (409 consent_required otherwise); the
 *     company's contact is mailed;
 *   - the employer reads what is addressed to it (never where a proposal
 *     came from: a pré-reprise is never named) and answers each proposal:
 *     accepted (done by a date), refused with its written reasons (L4624-6),
 *     done. */
#include <stdlib.h>

#include "retention.h"

static const char *const kind_choices[] = {"poste", "horaires", "teletravail", "materiel",
                                           "formation", "reclassement", "autre", NULL};
static const char *const answer_choices[] = {"accepted", "refused", "done", NULL};

int retention_proposals_from_visit(socle_db *wdb, int64_t case_id, const json_t *payload,
                                   socle_err *err)
{
	const char *type = sget(payload, "visit_type");
	bool held = type && strcmp(type, "pre_reprise") == 0;
	const json_t *a;
	size_t i;

	json_array_foreach(json_object_get(payload, "proposals"), i, a) {
		int rc = q_ok(wdb,
		              "INSERT INTO retention_proposal (case_id, worker_id, company_id, origin,"
		              " adjustment_id, visit_type, kind, description, status, proposed_on,"
		              " created_at) VALUES (:c, :w, :co, 'visit', :adj, :t, :k, :d, :st, :on, :now)"
		              " ON CONFLICT (adjustment_id) DO NOTHING",
		              json_pack("{s:I, s:I, s:I, s:I, s:s?, s:O, s:O, s:s, s:O, s:I}", "c",
		                        (json_int_t)case_id, "w", (json_int_t)iget(payload, "worker_id"),
		                        "co", (json_int_t)iget(payload, "company_id"), "adj",
		                        (json_int_t)iget(a, "adjustment_id"), "t", type, "k",
		                        json_object_get(a, "kind"), "d", json_object_get(a, "description"),
		                        "st", held ? "held" : "proposed", "on",
		                        json_object_get(payload, "held_on"), "now",
		                        (json_int_t)socle_now_ms()),
		              err);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- the job study ------------------------------------------------------------------------ */

static const struct socle_field study_fields[] = {
	{"post", SOCLE_F_STRING, true, 1, 500, NULL, NULL},
	{"observations", SOCLE_F_STRING, true, 1, 20000, NULL, NULL},
	{"summary", SOCLE_F_STRING, true, 1, 5000, NULL, NULL},
	{"on_date", SOCLE_F_DATE, true, 0, 0, NULL, NULL},
	{"proposals", SOCLE_F_ARRAY, false, 0, 20, NULL, NULL},
};
static const struct socle_field proposal_fields[] = {
	{"kind", SOCLE_F_ENUM, true, 0, 0, kind_choices, NULL},
	{"description", SOCLE_F_STRING, true, 1, 2000, NULL, NULL},
};

static int study_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct retention_write *w = ud;
	const json_t *b = w->body, *a;
	int64_t id = iget(w->c, "id");
	size_t i;
	int rc = q_ok(wdb, "INSERT INTO retention_study (case_id, post, observations, summary,"
	                   " on_date, by_user, created_at) VALUES (:c, :p, :o, :s, :on, :by, :now)",
	              json_pack("{s:I, s:O, s:O, s:O, s:O, s:I, s:I}", "c", (json_int_t)id, "p",
	                        json_object_get(b, "post"), "o", json_object_get(b, "observations"),
	                        "s", json_object_get(b, "summary"), "on",
	                        json_object_get(b, "on_date"), "by", (json_int_t)user_of(w->req),
	                        "now", (json_int_t)socle_now_ms()),
	              err);
	if (rc)
		return rc;
	int64_t study = socle_db_last_insert_id(wdb);
	json_array_foreach(json_object_get(b, "proposals"), i, a) {
		if ((rc = q_ok(wdb, "INSERT INTO retention_proposal (case_id, worker_id, company_id,"
		                    " origin, kind, description, status, proposed_on, created_at) VALUES"
		                    " (:c, :w, :co, 'study', :k, :d, 'proposed', :on, :now)",
		               json_pack("{s:I, s:I, s:I, s:O, s:O, s:O, s:I}", "c", (json_int_t)id,
		                         "w", (json_int_t)iget(w->c, "worker_id"), "co",
		                         (json_int_t)iget(w->c, "company_id"), "k",
		                         json_object_get(a, "kind"), "d",
		                         json_object_get(a, "description"), "on",
		                         json_object_get(b, "on_date"), "now",
		                         (json_int_t)socle_now_ms()),
		               err)))
			return rc;
	}
	if ((rc = retention_step_add(wdb, id, "etude_de_poste", RETENTION_STUDY, "Étude de poste",
	                             sget(b, "observations"), sget(b, "on_date"), user_of(w->req),
	                             err)) ||
	    (rc = audit(wdb, w->req, "retention.study.add", "retention_case", id,
	                json_pack("{s:I}", "study_id", (json_int_t)study), err)))
		return rc;
	w->result = json_pack("{s:I, s:I}", "id", (json_int_t)study, "case_id", (json_int_t)id);
	return w->result ? 0 : NOMEM(err);
}

static int study_add(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	const json_t *a;
	size_t i;
	(void)ud;

	if (retention_invalid(req, study_fields, SOCLE_COUNT(study_fields)))
		return 0;
	json_array_foreach(json_object_get(socle_req_body(req), "proposals"), i, a) {
		char prefix[48];
		snprintf(prefix, sizeof(prefix), "proposals[%zu].", i);
		if (!json_is_object(a))
			socle_field_error(&errors, prefix, "Une proposition est un objet {kind, description}.");
		else
			socle_fields_check(a, proposal_fields, SOCLE_COUNT(proposal_fields), prefix,
			                   &errors);
	}
	if (errors)
		return socle_reply_invalid(req, errors);
	json_t *c = retention_case_of_path(req, RETENTION_STUDY, "retention.study.add", &err);
	if (c == NULL)
		return reply_fail(req, &err);
	struct retention_write w = {.c = c};
	return retention_write_reply(req, study_txn, &w, 201);
}

/* ---- sending to the employer, with the worker's consent ------------------------------------ */

static const struct socle_field send_fields[] = {
	{"proposal_ids", SOCLE_F_ARRAY, false, 0, 50, NULL, NULL},
	{"study_ids", SOCLE_F_ARRAY, false, 0, 10, NULL, NULL},
};

static int send_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct retention_write *w = ud;
	int64_t id = iget(w->c, "id");
	char today[SOCLE_DATE_SIZE];
	const json_t *v;
	size_t i;
	int rc, n = 0;
	socle_err e2 = SOCLE_ERR_INIT;

	socle_date_today(today);
	/* Checked again in the write: a consent withdrawn meanwhile stops it. */
	if (!retention_consent_given(wdb, id, "employer", &e2))
		return socle_err_set(err, SOCLE_E_CONFLICT, "consent_required");
	json_t *sent = json_array();
	json_array_foreach(json_object_get(w->body, "proposal_ids"), i, v) {
		if ((rc = socle_db_run_new(wdb, "UPDATE retention_proposal SET status = 'sent',"
		                                " sent_on = :d WHERE id = :p AND case_id = :c AND status IN"
		                                " ('held', 'proposed')",
		                           json_pack("{s:s, s:I, s:I}", "d", today, "p",
		                                     (json_int_t)json_integer_value(v), "c",
		                                     (json_int_t)id),
		                           err)) < 0) {
			json_decref(sent);
			return rc;
		}
		if (rc == 0) {
			json_decref(sent);
			return socle_err_set(err, SOCLE_E_CONFLICT, "proposal_ids[%zu] : proposition "
			                     "inconnue dans ce dossier ou déjà adressée.", i);
		}
		json_array_append_new(sent, json_integer(json_integer_value(v)));
		n++;
	}
	json_array_foreach(json_object_get(w->body, "study_ids"), i, v) {
		if ((rc = socle_db_run_new(wdb, "UPDATE retention_study SET summary_sent_on = :d WHERE"
		                                " id = :s AND case_id = :c AND summary_sent_on IS NULL",
		                           json_pack("{s:s, s:I, s:I}", "d", today, "s",
		                                     (json_int_t)json_integer_value(v), "c",
		                                     (json_int_t)id),
		                           err)) < 0) {
			json_decref(sent);
			return rc;
		}
		n += rc;
	}
	if (n == 0) {
		json_decref(sent);
		return socle_err_set(err, SOCLE_E_CONFLICT, "Rien à adresser à l'employeur.");
	}
	/* The company's contact learns that something awaits its answer; the
	 * mail names no visit and no health matter. */
	json_t *contacts = retention_membership->company_contacts(wdb, iget(w->c, "company_id"),
	                                                          NULL, &e2);
	const char *to = contacts ? sget(json_array_get(contacts, 0), "email") : NULL;
	rc = 0;
	if (to) {
		struct socle_mail m = {.to = to, .category = "retention",
		                       .subject = "Propositions d'aménagement de poste à examiner",
		                       .text = "Bonjour,\n\nLe service de prévention et de santé au "
		                               "travail vous adresse des propositions d'aménagement de "
		                               "poste pour l'un de vos salariés (article L4624-3 du code "
		                               "du travail). Vous pouvez y répondre dans votre espace "
		                               "adhérent ; un refus doit être motivé par écrit "
		                               "(L4624-6).\n"};
		int64_t job = socle_mail_queue(wdb, &m, 0, err);
		rc = job < 0 ? (int)job : 0;
	}
	json_decref(contacts);
	if (rc == 0)
		rc = emit(wdb, "retention.proposals_sent",
		          json_pack("{s:I, s:I, s:I, s:O}", "case_id", (json_int_t)id, "worker_id",
		                    (json_int_t)iget(w->c, "worker_id"), "company_id",
		                    (json_int_t)iget(w->c, "company_id"), "proposals", sent),
		          err);
	if (rc == 0)
		rc = retention_step_add(wdb, id, "envoi_employeur", RETENTION_GENERAL,
		                        "Propositions adressées à l'employeur avec l'accord du salarié",
		                        NULL, today, user_of(w->req), err);
	if (rc == 0)
		rc = audit(wdb, w->req, "retention.proposals.send", "retention_case", id,
		           json_pack("{s:O}", "proposals", sent), err);
	json_decref(sent);
	if (rc)
		return rc;
	w->result = json_pack("{s:I, s:i, s:s}", "case_id", (json_int_t)id, "sent", n, "sent_on",
	                      today);
	return w->result ? 0 : NOMEM(err);
}

int retention_reply_consent(socle_req *req)
{
	return socle_reply_error(req, 409, "consent_required",
	                         "Le salarié n'a pas donné son accord à cet échange : recueillez-le "
	                         "(dans son espace, ou par écrit ou oralement) avant de l'engager.");
}

static int proposals_send(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	(void)ud;

	if (retention_invalid(req, send_fields, SOCLE_COUNT(send_fields)))
		return 0;
	if (role_of(req) != SOCLE_ROLE_MEDECIN)
		return socle_reply_error(req, 403, "forbidden", "Le médecin du travail adresse les "
		                         "propositions à l'employeur (L4624-3).");
	json_t *c = retention_case_of_path(req, RETENTION_GENERAL, "retention.proposals.send", &err);
	if (c == NULL)
		return reply_fail(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	if (db && !retention_consent_given(db, iget(c, "id"), "employer", &err)) {
		struct socle_audit_entry e = {.action = "retention.proposals.send",
		                              .object_type = "retention_case",
		                              .object_id = iget(c, "id"), .outcome = "denied",
		                              .detail = NULL};
		socle_err e2 = SOCLE_ERR_INIT;
		(void)socle_audit_now(req, &e, &e2);
		json_decref(c);
		return retention_reply_consent(req);
	}
	struct retention_write w = {.c = c};
	socle_err e3 = SOCLE_ERR_INIT;
	w.req = req;
	w.body = socle_req_body(req);
	int rc = socle_service_write(socle_req_service(req), send_txn, &w, &e3);
	json_decref(c);
	if (rc != 0) {
		json_decref(w.result);
		if (strcmp(e3.msg, "consent_required") == 0)
			return retention_reply_consent(req);
		return reply_fail(req, &e3);
	}
	return socle_reply_json(req, 200, w.result);
}

/* ---- the employer's side ------------------------------------------------------------------ */

static int company_param(socle_req *req, int64_t *company, socle_err *err)
{
	if (socle_req_param_id(req, "id", company))
		return socle_err_set(err, SOCLE_E_NOTFOUND, "Entreprise introuvable.");
	return socle_access_company(req, *company, err);
}

static int company_proposals(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	socle_db *db = socle_req_reader(req, &err);
	int64_t company;
	(void)ud;

	if (db == NULL || company_param(req, &company, &err))
		return reply_fail(req, &err);
	/* What is addressed to the employer: never the origin of a proposal. */
	json_t *items = socle_db_query_new(
		db, "SELECT id, case_id, worker_id, kind, description, status, sent_on, reasons,"
		    " done_by, answered_on FROM retention_proposal WHERE company_id = :c AND status IN"
		    " ('sent', 'accepted', 'refused', 'done') ORDER BY id LIMIT 500",
		json_pack("{s:I}", "c", (json_int_t)company), &err);
	json_t *docs = items ? socle_db_query_new(
		db, "SELECT s.id, s.case_id, s.post, s.summary, s.summary_sent_on FROM retention_study s"
		    " JOIN retention_case c ON c.id = s.case_id WHERE c.company_id = :c AND"
		    " s.summary_sent_on IS NOT NULL ORDER BY s.id LIMIT 500",
		json_pack("{s:I}", "c", (json_int_t)company), &err) : NULL;
	if (docs == NULL) {
		json_decref(items);
		return reply_fail(req, &err);
	}
	return socle_reply_json(req, 200, json_pack("{s:o, s:o}", "items", items, "documents", docs));
}

static const struct socle_field answer_fields[] = {
	{"answer", SOCLE_F_ENUM, true, 0, 0, answer_choices, NULL},
	{"reasons", SOCLE_F_STRING, false, 1, 5000, NULL, NULL},
	{"done_by", SOCLE_F_DATE, false, 0, 0, NULL, NULL},
};

static int answer_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct retention_write *w = ud;
	const json_t *b = w->body;
	const char *answer = sget(b, "answer");
	char today[SOCLE_DATE_SIZE];
	int rc;

	socle_date_today(today);
	/* Accepted or refused once it is sent; done once accepted (or at once). */
	if ((rc = socle_db_run_new(
		     wdb, "UPDATE retention_proposal SET status = :a, reasons = :r, done_by ="
		          " COALESCE(:by, done_by), answered_on = :d, answered_by = :u WHERE id = :id"
		          " AND (status = 'sent' OR (status = 'accepted' AND :a = 'done'))",
		     json_pack("{s:s, s:O?, s:O?, s:s, s:I, s:I}", "a", answer, "r",
		               json_object_get(b, "reasons"), "by", json_object_get(b, "done_by"), "d",
		               today, "u", (json_int_t)user_of(w->req), "id", (json_int_t)w->id),
		     err)) < 0)
		return rc;
	if (rc == 0)
		return socle_err_set(err, SOCLE_E_CONFLICT, "Cette proposition n'attend pas cette "
		                     "réponse.");
	if ((rc = retention_step_add(wdb, iget(w->c, "case_id"), "reponse_employeur",
	                             RETENTION_GENERAL,
	                             strcmp(answer, "refused") == 0 ? "Proposition refusée par "
	                                                              "l'employeur (motifs écrits)"
	                             : strcmp(answer, "accepted") == 0
	                                     ? "Proposition acceptée par l'employeur"
	                                     : "Aménagement réalisé",
	                             sget(b, "reasons"), today, user_of(w->req), err)) ||
	    (rc = emit(wdb, "retention.proposal_answered",
	               json_pack("{s:I, s:I, s:I, s:s}", "case_id", (json_int_t)iget(w->c, "case_id"),
	                         "proposal_id", (json_int_t)w->id, "company_id",
	                         (json_int_t)iget(w->c, "company_id"), "answer", answer),
	               err)) ||
	    (rc = audit(wdb, w->req, "retention.proposal.answer", "retention_proposal", w->id,
	                json_pack("{s:s}", "answer", answer), err)))
		return rc;
	w->result = json_pack("{s:I, s:s, s:O?, s:O?, s:s}", "id", (json_int_t)w->id, "status",
	                      answer, "reasons", json_object_get(b, "reasons"), "done_by",
	                      json_object_get(b, "done_by"), "answered_on", today);
	return w->result ? 0 : NOMEM(err);
}

static int proposal_answer(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	socle_db *db = socle_req_reader(req, &err);
	int64_t id;
	(void)ud;

	if (db == NULL)
		return reply_fail(req, &err);
	if (retention_invalid(req, answer_fields, SOCLE_COUNT(answer_fields)))
		return 0;
	const json_t *b = socle_req_body(req);
	const char *answer = sget(b, "answer"), *reasons = sget(b, "reasons");
	json_t *errors = NULL;
	/* L4624-6: the employer who does not follow the médecin's proposals
	 * gives the reasons in writing. */
	if (strcmp(answer, "refused") == 0 && (reasons == NULL || strlen(reasons) < 10))
		socle_field_error(&errors, "reasons", "Un refus doit être motivé par écrit (article "
		                  "L4624-6 du code du travail) : au moins 10 caractères.");
	if (strcmp(answer, "accepted") == 0 && json_object_get(b, "done_by") == NULL)
		socle_field_error(&errors, "done_by", "Indiquez la date à laquelle l'aménagement sera "
		                  "fait.");
	if (errors)
		return socle_reply_invalid(req, errors);
	if (socle_req_param_id(req, "id", &id))
		return socle_reply_error(req, 404, "not_found", "Proposition introuvable.");
	json_t *p = socle_db_query_one_new(db, "SELECT id, case_id, company_id, status FROM"
	                                       " retention_proposal WHERE id = :id AND status IN"
	                                       " ('sent', 'accepted', 'refused', 'done')",
	                                   json_pack("{s:I}", "id", (json_int_t)id), &err);
	if (p == NULL)
		return err.code == SOCLE_E_NOTFOUND
		               ? socle_reply_error(req, 404, "not_found", "Proposition introuvable.")
		               : reply_fail(req, &err);
	if (socle_access_company(req, iget(p, "company_id"), &err)) {
		json_decref(p);
		return reply_fail(req, &err);
	}
	struct retention_write w = {.c = p, .id = id};
	return retention_write_reply(req, answer_txn, &w, 200);
}

static const struct socle_route proposal_routes[] = {
	{SOCLE_POST, "/retention/cases/{id}/study", "retention.cell", 65536, study_add, NULL},
	{SOCLE_POST, "/retention/cases/{id}/send", "retention.cell", 8192, proposals_send, NULL},
	{SOCLE_GET, "/retention/companies/{id}/proposals", "retention.employer", 0,
	 company_proposals, NULL},
	{SOCLE_POST, "/retention/proposals/{id}/answer", "retention.employer", 8192,
	 proposal_answer, NULL},
};

int retention_proposals_init(socle_plugin *p, socle_err *err)
{
	return socle_plugin_add_routes(p, proposal_routes, SOCLE_COUNT(proposal_routes), err);
}
