/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The job study's summary as a document (issue 17, item 2: "its summary is
 * given back to the company as a document"):
 * GET /retention/studies/{id}/summary[.html] — JSON, or a printable French
 * HTML page (no inline style or script: the CSP drops them). Who: the employer
 * users of the company once the médecin sent it (with the worker's consent),
 * the worker it concerns, and the team members who read the study. The
 * document carries the post and the summary, never the observations. */
#include <stdlib.h>

#include "retention.h"

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

static char *render(const json_t *d)
{
	char *page = NULL, day[SOCLE_DATE_FR_SIZE];
	size_t len = 0;
	FILE *f = open_memstream(&page, &len);

	if (f == NULL)
		return NULL;
	socle_date_fr(sget(d, "on_date"), day);
	fputs("<!DOCTYPE html>\n<html lang=\"fr\">\n<head><meta charset=\"utf-8\">"
	      "<title>Synthèse de l'étude de poste</title></head>\n<body>\n<header><p>", f);
	esc(f, sget(d, "service"));
	fputs("</p></header>\n<main>\n<h1>Synthèse de l'étude de poste</h1>\n<dl>\n<dt>Entreprise"
	      "</dt><dd>", f);
	esc(f, sget(d, "company"));
	fputs("</dd>\n<dt>Poste étudié</dt><dd>", f);
	esc(f, sget(d, "post"));
	fputs("</dd>\n<dt>Date de l'étude</dt><dd>", f);
	esc(f, day);
	fputs("</dd>\n</dl>\n<h2>Synthèse</h2>\n<p>", f);
	esc(f, sget(d, "summary"));
	fputs("</p>\n<p>Document établi par la cellule de prévention de la désinsertion "
	      "professionnelle du service (article L4622-8-1 du code du travail). Il ne contient "
	      "aucune donnée de santé.</p>\n</main>\n</body>\n</html>\n", f);
	if (fclose(f) != 0) {
		free(page);
		return NULL;
	}
	return page;
}

static int study_summary(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	socle_db *db = socle_req_reader(req, &err);
	const char *path = socle_req_path(req);
	size_t plen = path ? strlen(path) : 0;
	int64_t id;
	(void)ud;

	if (db == NULL)
		return reply_fail(req, &err);
	bool html = plen > 5 && strcmp(path + plen - 5, ".html") == 0;
	if (socle_req_param_id(req, "id", &id))
		return socle_reply_error(req, 404, "not_found", "Document introuvable.");
	json_t *s = socle_db_query_one_new(db, "SELECT id, case_id, post, summary, on_date,"
	                                       " summary_sent_on FROM retention_study WHERE id = :id",
	                                   json_pack("{s:I}", "id", (json_int_t)id), &err);
	json_t *c = s ? retention_case_load(db, iget(s, "case_id"), &err) : NULL;
	if (c == NULL) {
		json_decref(s);
		return err.code == SOCLE_E_NOTFOUND
		               ? socle_reply_error(req, 404, "not_found", "Document introuvable.")
		               : reply_fail(req, &err);
	}
	int role = role_of(req);
	int rc = 0;
	bool refused = false;
	if (role == SOCLE_ROLE_EMPLOYER) {
		/* Only what the médecin addressed to it; otherwise as if absent. */
		if (socle_access_company(req, iget(c, "company_id"), &err) != 0) {
			refused = true;
			rc = reply_fail(req, &err);
		} else if (json_is_null(json_object_get(s, "summary_sent_on"))) {
			refused = true;
			rc = socle_reply_error(req, 404, "not_found", "Document introuvable.");
		}
	} else if (role == SOCLE_ROLE_EMPLOYEE) {
		if (!socle_principal_has_scope(socle_req_principal(req), "worker",
		                               iget(c, "worker_id"))) {
			retention_forbid(req, "retention.study.read", "retention_case", iget(c, "id"),
			                 "Ce document n'est pas le vôtre.", &err);
			refused = true;
			rc = reply_fail(req, &err);
		}
	} else if (retention_access(req, c, RETENTION_STUDY, "retention.study.read", &err) != 0) {
		refused = true;
		rc = reply_fail(req, &err);
	}
	if (refused) {
		json_decref(s);
		json_decref(c);
		return rc;
	}
	err = (socle_err)SOCLE_ERR_INIT;
	json_t *co = retention_membership->company_get(db, iget(c, "company_id"), &err);
	json_t *d = json_pack("{s:I, s:s, s:s?, s:O, s:O, s:O, s:O}", "id", (json_int_t)id,
	                      "service", sget(socle_service_identity(socle_req_service(req)), "name"),
	                      "company", co ? sget(co, "legal_name") : NULL, "post",
	                      json_object_get(s, "post"), "summary", json_object_get(s, "summary"),
	                      "on_date", json_object_get(s, "on_date"), "sent_on",
	                      json_object_get(s, "summary_sent_on"));
	json_decref(co);
	json_decref(s);
	json_decref(c);
	if (d == NULL)
		return SOCLE_E_NOMEM;
	if (!html)
		return socle_reply_json(req, 200, d);
	char *page = render(d);
	json_decref(d);
	if (page == NULL)
		return SOCLE_E_NOMEM;
	rc = socle_reply_bytes(req, 200, "text/html; charset=utf-8", page, strlen(page));
	free(page);
	return rc;
}

static const struct socle_route document_routes[] = {
	{SOCLE_GET, "/retention/studies/{id}/summary", SOCLE_CAP_AUTHENTICATED, 0, study_summary,
	 NULL},
	{SOCLE_GET, "/retention/studies/{id}/summary.html", SOCLE_CAP_AUTHENTICATED, 0,
	 study_summary, NULL},
};

int retention_documents_init(socle_plugin *p, socle_err *err)
{
	return socle_plugin_add_routes(p, document_routes, SOCLE_COUNT(document_routes), err);
}
