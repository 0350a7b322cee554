/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The documents of a visit's outcome (outcome.c records it; seed 3.3.1.2.2):
 * GET /tracking/visits/{request_id}/documents/{attestation|avis|ordonnance}
 * [.html|.pdf]: each document as JSON, as a printable French HTML page, or as
 * a PDF issued by the core (documents_pdf.c), same access rules.
 *
 * Access: the employer users of the company receive the attestation or the
 * avis, never the ordonnance, the notes or the DMST, and nothing of a visit
 * kept from them (tracking_hidden_from_employer: a pré-reprise, a visite à la
 * demande the worker asked for) but an avis d'inaptitude (404 otherwise, as
 * for a visit without outcome, the refusal audited); the employee bound to
 * the worker receives all three; health professionals read all through the
 * medical gate (tracking_medical_access: the worker's opposition shuts the
 * infirmier out; each access traced as "dmst.document.read", visible to the
 * worker); anyone else is refused (403, audited). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convocation.h"

/* ---- visit types: tracking_visit_type (visits.c) ------------------------------- */

static const char *role_label(const char *role)
{
	return role && strcmp(role, "medecin") == 0 ? "Médecin du travail"
	                                            : "Infirmier(e) en santé au travail";
}

/* ---- GET /tracking/visits/{request_id}/documents/{doc}[.html] --------------------------- */

enum doc_kind { DOC_ATTESTATION, DOC_AVIS, DOC_ORDONNANCE };

/* The next visit the engine owes the worker now (next_visits, which has
 * this visit in its history): the earliest deadline of its answer, as
 * "next_visit_on" of @p o with "next_visit_source": "moteur". Nothing when
 * the engine cannot answer (no category yet: logged); the médecin's own date
 * (the protocol's, "protocole") is kept when he gave one. */
static void engine_next_visit(socle_service *svc, socle_db *db, json_t *o)
{
	if (json_is_string(json_object_get(o, "next_visit_on"))) {
		json_object_set_new(o, "next_visit_source", json_string("protocole"));
		return;
	}
	socle_err err = SOCLE_ERR_INIT;
	int64_t company = 0;
	json_t *a = tracking_next_visits_now(svc, db, iget(o, "worker_id"), &company, &err);
	const json_t *v;
	const char *best = NULL;
	size_t i;

	if (a == NULL) {
		socle_log(SOCLE_LOG_INFO, "service %s : prochaine visite du salarié %" PRId64 " inconnue "
		          "du moteur : %s", socle_service_id(svc), iget(o, "worker_id"), err.msg);
		return;
	}
	json_array_foreach(json_object_get(a, "visits"), i, v) {
		const char *d = sget(v, "latest") ? sget(v, "latest") : sget(v, "before");

		if (d && (best == NULL || strcmp(d, best) < 0))
			best = d;
	}
	if (best != NULL) {
		json_object_set_new(o, "next_visit_on", json_string(best));
		json_object_set_new(o, "next_visit_source", json_string("moteur"));
	}
	json_decref(a);
}

/* Everything a document shows, from the stored outcome (NULL when none). */
static json_t *outcome_load(socle_service *svc, socle_db *db, int64_t request_id, socle_err *err)
{
	json_t *o = socle_db_query_one_new(db,
		"SELECT o.id, o.request_id, o.worker_id, o.company_id, o.type, o.held_on,"
		" o.professional_id, o.role, o.attestation, o.avis, o.adjustments, o.orientation,"
		" o.ordonnance, o.next_visit_on, r.requested_by"
		" FROM tracking_visit_outcome o"
		" JOIN tracking_visit_request r ON r.id = o.request_id"
		" WHERE o.request_id = :r",
		json_pack("{s:I}", "r", (json_int_t)request_id), err);

	if (o == NULL)
		return NULL;
	/* Names for the documents: the worker and its company from membership.v1. */
	json_t *card = tracking_worker_card(db, iget(o, "worker_id"), err);

	if (card == NULL) {
		json_decref(o);
		return NULL;
	}
	static const char *const named[] = {"first_name", "last_name", "birth_date", "job_title",
	                                    "legal_name"};
	for (size_t i = 0; i < SOCLE_COUNT(named); i++)
		json_object_set(o, named[i], json_object_get(card, named[i]));
	/* The civility the worker gave (membership), to address him by it. */
	json_t *contact = tracking_membership->worker_contact(db, iget(o, "worker_id"), err);
	char display[300];

	if (contact == NULL) {
		json_decref(card);
		json_decref(o);
		return NULL;
	}
	tracking_worker_names(sget(contact, "civility"), sget(card, "first_name"),
	                      sget(card, "last_name"), display, sizeof(display), NULL, 0);
	json_object_set(o, "civility", json_object_get(contact, "civility"));
	json_object_set_new(o, "display_name", json_string(display));
	json_decref(contact);
	json_decref(card);
	/* The professional who held the visit, by the core's user directory. */
	socle_err e2 = SOCLE_ERR_INIT;
	json_t *pro = socle_user_get(db, iget(o, "professional_id"), &e2);

	json_object_set_new(o, "professional_name",
	                    pro ? json_incref(json_object_get(pro, "display_name")) : json_null());
	json_decref(pro);
	static const char *const json_cols[] = {"attestation", "adjustments", "ordonnance"};
	for (size_t i = 0; i < SOCLE_COUNT(json_cols); i++) {
		const char *s = sget(o, json_cols[i]);

		if (s) {
			json_t *v = json_loads(s, 0, NULL);

			json_object_set_new(o, json_cols[i], v ? v : json_null());
		}
	}
	engine_next_visit(svc, db, o);
	return o;
}

static json_t *doc_common(socle_service *svc, const json_t *o, const char *kind,
                          const char *model, const char *title)
{
	const struct tracking_visit_type *t = tracking_visit_type(sget(o, "type"));

	return json_pack("{s:s, s:s, s:s, s:{s:s, s:s}, s:{s:O, s:O, s:O, s:O, s:O, s:O, s:O},"
	                 " s:{s:O, s:O},"
	                 " s:{s:O, s:O, s:s, s:O}, s:{s:O, s:s, s:O}}",
	                 "document", kind, "model", model, "title", title, "service", "id",
	                 socle_service_id(svc), "name", socle_service_name(svc), "worker", "id",
	                 json_object_get(o, "worker_id"), "first_name",
	                 json_object_get(o, "first_name"), "last_name",
	                 json_object_get(o, "last_name"), "birth_date",
	                 json_object_get(o, "birth_date"), "job_title",
	                 json_object_get(o, "job_title"), "civility", json_object_get(o, "civility"),
	                 "display_name", json_object_get(o, "display_name"), "company", "id",
	                 json_object_get(o, "company_id"), "legal_name",
	                 json_object_get(o, "legal_name"), "visit", "request_id",
	                 json_object_get(o, "request_id"), "type", json_object_get(o, "type"),
	                 "label", t ? t->label : "", "held_on", json_object_get(o, "held_on"),
	                 "professional", "role", json_object_get(o, "role"), "role_label",
	                 role_label(sget(o, "role")), "name", json_object_get(o, "professional_name"));
}

/* The attestation or the avis as the employer receives it. */
static json_t *doc_employer(socle_service *svc, const json_t *o)
{
	const json_t *att = json_object_get(o, "attestation");
	const char *avis = sget(o, "avis");
	const char *model = avis ? (strcmp(avis, "aptitude") == 0 ? "avis_aptitude"
	                                                         : "avis_inaptitude")
	                         : "attestation_suivi";
	const char *title = avis ? (strcmp(avis, "aptitude") == 0 ? "Avis d'aptitude"
	                                                         : "Avis d'inaptitude")
	                         : "Attestation de suivi individuel de l'état de santé";
	json_t *d = doc_common(svc, o, avis ? "avis" : "attestation", model, title);
	json_t *adj = json_array();
	const json_t *a;
	size_t i;

	if (d == NULL || adj == NULL) {
		json_decref(d);
		json_decref(adj);
		return NULL;
	}
	json_array_foreach(json_object_get(o, "adjustments"), i, a)
		json_array_append_new(adj, json_pack("{s:O, s:O}", "kind", json_object_get(a, "kind"),
		                                     "description",
		                                     json_object_get(a, "description")));
	json_object_set_new(d, "adjustments", adj);
	json_object_set_new(d, "mentions", json_is_array(json_object_get(att, "mentions"))
	                                           ? json_incref(json_object_get(att, "mentions"))
	                                           : json_array());
	if (json_object_get(att, "remarks"))
		json_object_set(d, "remarks", json_object_get(att, "remarks"));
	if (json_object_get(att, "reclassement"))
		json_object_set(d, "reclassement", json_object_get(att, "reclassement"));
	json_object_set_new(d, "orientation_medecin",
	                    json_boolean(json_is_true(json_object_get(att, "orientation_medecin"))));
	json_object_set(d, "next_visit_on", json_object_get(o, "next_visit_on"));
	json_object_set(d, "next_visit_source", json_object_get(o, "next_visit_source"));
	if (avis) {
		json_object_set_new(d, "basis", json_pack("[s, s, s]", "L4624-4", "R4624-42",
		                                          "arrêté du 3 mars 2025"));
		json_object_set_new(d, "recourse",
			json_string("L'employeur ou le salarié peut contester cet avis devant le conseil de "
			            "prud'hommes, selon la procédure accélérée au fond, dans les 15 jours "
			            "de sa notification (L4624-7, R4624-45)."));
	} else {
		json_object_set_new(d, "basis", json_pack("[s, s]", "R4624-14", "arrêté du 3 mars 2025"));
	}
	return d;
}

static json_t *doc_ordonnance(socle_service *svc, const json_t *o)
{
	const json_t *ord = json_object_get(o, "ordonnance");
	json_t *d = doc_common(svc, o, "ordonnance", "ordonnance_prevention",
	                       "Ordonnance de prévention");
	const json_t *setting = json_object_get(socle_service_identity(svc), "health_contact");
	char contact[1600], reach[1100];

	if (d == NULL)
		return NULL;
	/* A real way to reach them: the identity's health_contact, else the
	 * service's own address and phone; never the name alone. */
	if (json_is_string(setting))
		snprintf(reach, sizeof(reach), "%s", json_string_value(setting));
	else
		tracking_service_contact(svc, reach, sizeof(reach));
	if (json_is_string(json_object_get(ord, "contact")))
		snprintf(contact, sizeof(contact), "%s", sget(ord, "contact"));
	else
		snprintf(contact, sizeof(contact),
		         "Vous pouvez joindre à tout moment les professionnels de santé de %s : %s ; vous "
		         "pouvez aussi demander une visite à la demande (R4624-34).",
		         socle_service_name(svc), reach);
	json_object_set(d, "risks", json_object_get(ord, "risks"));
	json_object_set(d, "advice", json_object_get(ord, "advice"));
	json_object_set_new(d, "contact", json_string(contact));
	json_object_set(d, "orientation", json_object_get(o, "orientation"));
	json_object_set(d, "next_visit_on", json_object_get(o, "next_visit_on"));
	/* What the worker reads at the foot of the page: the article that has the
	 * visit inform him of his post's risks and of the means of prevention,
	 * not the offer's internal reference (the cahier des charges). */
	json_object_set_new(d, "basis", json_pack("[s]", "article R4624-11 du code du travail"));
	return d;
}

/* ---- HTML ---- */

static void esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

static void row(FILE *f, const char *label, const char *value)
{
	if (value == NULL || *value == '\0')
		return;
	fputs("<tr><th>", f);
	esc(f, label);
	fputs("</th><td>", f);
	esc(f, value);
	fputs("</td></tr>\n", f);
}

static void list(FILE *f, const char *title, const json_t *items, const char *key)
{
	const json_t *e;
	size_t i;

	if (json_array_size(items) == 0)
		return;
	fputs("<h2>", f);
	esc(f, title);
	fputs("</h2>\n<ul>\n", f);
	json_array_foreach(items, i, e) {
		fputs("<li>", f);
		esc(f, key ? sget(e, key) : json_string_value(e));
		fputs("</li>\n", f);
	}
	fputs("</ul>\n", f);
}

static const char *mention_label(const char *m)
{
	if (strcmp(m, "mi_carriere") == 0)
		return "Visite de mi-carrière";
	if (strcmp(m, "post_exposition") == 0)
		return "Visite post-exposition";
	return "Visite post-professionnelle";
}

static char *render_html(const json_t *d)
{
	char *out = NULL, date[64];
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	const json_t *w = json_object_get(d, "worker"), *v = json_object_get(d, "visit");
	const json_t *pro = json_object_get(d, "professional");
	const char *kind = sget(d, "document");

	if (f == NULL)
		return NULL;
	fputs("<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
	esc(f, sget(d, "title"));
	fputs(" — ", f);
	esc(f, sget(json_object_get(d, "service"), "name"));
	/* The plugin's own stylesheet (web/documents.css): the server's CSP
	 * allows no inline style. */
	fputs("</title>\n<link rel=\"stylesheet\" href=\"/", f);
	esc(f, sget(json_object_get(d, "service"), "id"));
	fputs("/tracking/documents.css\">\n</head>\n<body>\n<header>\n<p class=\"service\">", f);
	esc(f, sget(json_object_get(d, "service"), "name"));
	fputs("</p>\n<h1>", f);
	esc(f, sget(d, "title"));
	fputs("</h1>\n</header>\n<table>\n", f);
	char name[300];
	snprintf(name, sizeof(name), "%s", sget(w, "display_name") ? sget(w, "display_name") : "");
	row(f, "Salarié(e)", name);
	socle_date_fr(sget(w, "birth_date"), date);
	row(f, "Né(e) le", date);
	row(f, "Poste", sget(w, "job_title"));
	row(f, "Entreprise", sget(json_object_get(d, "company"), "legal_name"));
	row(f, "Visite", sget(v, "label"));
	socle_date_fr(sget(v, "held_on"), date);
	row(f, "Date de la visite", date);
	char by[300];
	snprintf(by, sizeof(by), "%s%s%s", sget(pro, "role_label"), sget(pro, "name") ? ", " : "",
	         sget(pro, "name") ? sget(pro, "name") : "");
	row(f, "Professionnel de santé", by);
	fputs("</table>\n", f);

	if (strcmp(kind, "ordonnance") != 0) {
		const char *model = sget(d, "model");

		char said[600];

		tracking_document_statement(d, said, sizeof(said));
		fputs(strcmp(model, "attestation_suivi") == 0 ? "<p>" : "<p><strong>", f);
		esc(f, said);
		fputs(strcmp(model, "attestation_suivi") == 0 ? "</p>\n" : "</strong></p>\n", f);
		const json_t *ms = json_object_get(d, "mentions"), *m;
		size_t i;
		if (json_array_size(ms) > 0) {
			fputs("<h2>Nature de la visite</h2>\n<ul>\n", f);
			json_array_foreach(ms, i, m) {
				fputs("<li>", f);
				esc(f, mention_label(json_string_value(m)));
				fputs("</li>\n", f);
			}
			fputs("</ul>\n", f);
		}
		if (json_is_true(json_object_get(d, "orientation_medecin"))) {
			tracking_document_orientation(d, said, sizeof(said));
			fputs("<p>", f);
			esc(f, said);
			fputs("</p>\n", f);
		}
		if (sget(d, "remarks")) {
			fputs("<h2>Observations et recommandations</h2>\n<p>", f);
			esc(f, sget(d, "remarks"));
			fputs("</p>\n", f);
		}
		if (sget(d, "reclassement")) {
			fputs("<h2>Indications relatives au reclassement</h2>\n<p>", f);
			esc(f, sget(d, "reclassement"));
			fputs("</p>\n", f);
		}
		list(f, "Propositions de mesures d'aménagement du poste", json_object_get(d,
		     "adjustments"), "description");
		if (sget(d, "recourse")) {
			fputs("<p>", f);
			esc(f, sget(d, "recourse"));
			fputs("</p>\n", f);
		}
	} else {
		list(f, "Principaux risques de votre poste", json_object_get(d, "risks"), NULL);
		list(f, "Conseils de prévention", json_object_get(d, "advice"), NULL);
		const char *ori = sget(d, "orientation");
		if (ori && strcmp(ori, "medecin") == 0)
			fprintf(f, "<p>Vous êtes orienté%s vers le médecin du travail.</p>\n",
			        tracking_document_agreement(d));
		else if (ori)
			fputs("<p>Il vous est conseillé de consulter votre médecin traitant ou un "
			      "spécialiste.</p>\n", f);
		fputs("<h2>Joindre le service</h2>\n<p>", f);
		esc(f, sget(d, "contact"));
		fputs("</p>\n", f);
	}
	if (sget(d, "next_visit_on")) {
		socle_date_fr(sget(d, "next_visit_on"), date);
		fputs("<p>Prochaine visite au plus tard le ", f);
		esc(f, date);
		fputs(".</p>\n", f);
	}
	fputs("<footer><p>Références : ", f);
	const json_t *bs = json_object_get(d, "basis"), *bv;
	size_t bi;
	json_array_foreach(bs, bi, bv) {
		if (bi)
			fputs(", ", f);
		esc(f, json_string_value(bv));
	}
	fputs(".</p></footer>\n</body>\n</html>\n", f);
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

static int document_get(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t rid;
	enum doc_kind kind;
	bool html = false, pdf = false;
	char name[32];
	(void)ud;

	if (socle_req_param_id(req, "request_id", &rid) != 0)
		return socle_reply_error(req, 404, "not_found", "Demande de visite introuvable.");
	const char *p = socle_req_param(req, "doc");
	size_t n = p ? strlen(p) : 0;
	if (n > 5 && n < sizeof(name) && strcmp(p + n - 5, ".html") == 0) {
		html = true;
		n -= 5;
	} else if (n > 4 && n < sizeof(name) && strcmp(p + n - 4, ".pdf") == 0) {
		pdf = true;
		n -= 4;
	}
	snprintf(name, sizeof(name), "%.*s", (int)(n < sizeof(name) ? n : 0), p ? p : "");
	if (strcmp(name, "attestation") == 0)
		kind = DOC_ATTESTATION;
	else if (strcmp(name, "avis") == 0)
		kind = DOC_AVIS;
	else if (strcmp(name, "ordonnance") == 0)
		kind = DOC_ORDONNANCE;
	else
		return socle_reply_error(req, 404, "not_found", "Document inconnu : attestation, avis "
		                         "ou ordonnance.");
	socle_db *db = socle_req_reader(req, &err);
	json_t *o = db ? outcome_load(socle_req_service(req), db, rid, &err) : NULL;
	if (o == NULL) {
		if (err.code == SOCLE_E_NOTFOUND)
			return socle_reply_error(req, 404, "not_found", "Aucune conclusion n'est "
			                         "enregistrée pour cette visite.");
		return err.code ? socle_reply_err(req, &err) : SOCLE_E_NOMEM;
	}
	int64_t worker = iget(o, "worker_id"), company = iget(o, "company_id");
	const socle_principal *who = socle_req_principal(req);
	int role = socle_principal_role(who);
	int rc;

	/* Access: see the head of the file. */
	if (role == SOCLE_ROLE_MEDECIN || role == SOCLE_ROLE_INFIRMIER) {
		if (tracking_medical_access(req, worker, "dmst.document.read", &err) != 0) {
			rc = socle_reply_err(req, &err);
			goto out;
		}
	} else if (role == SOCLE_ROLE_EMPLOYEE) {
		if (!socle_principal_has_scope(who, "worker", worker)) {
			rc = tracking_refuse(req, "tracking.document.read", worker, "other_worker",
					     "Ce document concerne un autre salarié.");
			goto out;
		}
	} else if (role == SOCLE_ROLE_EMPLOYER) {
		if (socle_access_company(req, company, &err) != 0) {
			rc = socle_reply_err(req, &err);
			goto out;
		}
		/* A visit kept from the employer: as if it had no outcome, but for
		 * its avis d'inaptitude. */
		const char *avis_of = sget(o, "avis");
		if (!(kind == DOC_AVIS && avis_of && strcmp(avis_of, "inaptitude") == 0) &&
		    tracking_employer_kept_out(req, worker, sget(o, "type"), sget(o, "requested_by"),
		                               "tracking.document.read")) {
			rc = socle_reply_error(req, 404, "not_found", "Aucune conclusion n'est "
			                       "enregistrée pour cette visite.");
			goto out;
		}
		if (kind == DOC_ORDONNANCE) {
			rc = tracking_refuse(req, "tracking.document.read", worker, "medical_secrecy",
					     "L'ordonnance de prévention est remise au salarié seul : l'employeur n'y "
					     "a pas accès (secret médical).");
			goto out;
		}
	} else {
		rc = tracking_refuse(req, "tracking.document.read", worker, "role",
				     "Les documents de visite sont réservés au salarié, à son employeur "
				     "(attestation ou avis) et aux professionnels de santé du service.");
		goto out;
	}

	json_t *d = NULL;
	const char *avis = sget(o, "avis");
	if (kind == DOC_ORDONNANCE) {
		if (!json_is_object(json_object_get(o, "ordonnance"))) {
			rc = socle_reply_error(req, 404, "not_found", "Aucune ordonnance de prévention n'a "
			                       "été établie à cette visite.");
			goto out;
		}
		d = doc_ordonnance(socle_req_service(req), o);
	} else {
		if (!json_is_object(json_object_get(o, "attestation"))) {
			rc = socle_reply_error(req, 404, "not_found", "Cette visite n'a donné lieu à aucun "
			                       "document pour l'employeur.");
			goto out;
		}
		if (kind == DOC_AVIS && avis == NULL) {
			rc = socle_reply_error(req, 404, "not_found", "Cette visite a donné lieu à une "
			                       "attestation de suivi, pas à un avis.");
			goto out;
		}
		if (kind == DOC_ATTESTATION && avis != NULL) {
			rc = socle_reply_error(req, 404, "not_found", "Cette visite a donné lieu à un avis, "
			                       "pas à une attestation de suivi.");
			goto out;
		}
		d = doc_employer(socle_req_service(req), o);
	}
	if (d == NULL) {
		rc = SOCLE_E_NOMEM;
		goto out;
	}
	/* The worker's and the employer's reads leave their row as the
	 * professionals' do (theirs is dmst.document.read, written by the gate
	 * above): who read which document of whom, and when. */
	if (role == SOCLE_ROLE_EMPLOYEE || role == SOCLE_ROLE_EMPLOYER) {
		json_t *detail = json_pack("{s:I, s:s, s:s}", "request_id", (json_int_t)rid, "document",
		                           name, "format", pdf ? "pdf" : html ? "html" : "json");
		struct socle_audit_entry e = {.action = "tracking.document.read",
		                              .object_type = "worker", .object_id = worker,
		                              .outcome = "ok", .detail = detail};
		rc = socle_audit_now(req, &e, &err);
		json_decref(detail);
		if (rc < 0) {
			json_decref(d);
			rc = socle_reply_err(req, &err);
			goto out;
		}
	}
	if (pdf) {
		rc = tracking_document_pdf(req, d, rid);
		json_decref(d);
		goto out;
	}
	if (!html) {
		rc = socle_reply_json(req, 200, d);
		goto out;
	}
	char *page = render_html(d);
	json_decref(d);
	if (page == NULL) {
		rc = SOCLE_E_NOMEM;
		goto out;
	}
	rc = socle_reply_bytes(req, 200, "text/html; charset=utf-8", page, strlen(page));
	free(page);
out:
	json_decref(o);
	return rc;
}

static const struct socle_route document_routes[] = {
	/* The worker, the employer users of the company (attestation or avis) and the
	 * health professionals: checked inside, refusals audited. */
	{SOCLE_GET, "/tracking/visits/{request_id}/documents/{doc}", SOCLE_CAP_AUTHENTICATED, 0,
	 document_get, NULL},
};

static const struct socle_route_doc document_docs[] = {
	{SOCLE_GET, "/tracking/visits/{request_id}/documents/{doc}",
	 "Un document de la visite : attestation, avis ou ordonnance (doc), en JSON, en page HTML "
	 "(.html) ou en PDF (.pdf), selon qui le demande.", NULL, 0, NULL, 0,
	 "{document, model, title, service, worker, company, visit, professional, basis...} ; la "
	 "page HTML ou le PDF pour .html et .pdf."},
};

int tracking_documents_init(socle_plugin *p, socle_err *err)
{
	int rc = socle_plugin_add_routes(p, document_routes, SOCLE_COUNT(document_routes), err);

	return rc ? rc : socle_plugin_describe_routes(p, document_docs, SOCLE_COUNT(document_docs),
	                                              err);
}
