/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The fiche d'entreprise of a member company (R4624-46 to R4624-50), or of
 * each of its establishments when it declared several (establishment.c: the
 * ?establishment= of every route; versions are numbered per site): one
 * draft at a time, written by the team (IPRP, infirmier, médecin), validated
 * by the médecin du travail into the next numbered version, transmitted to
 * the employer (who then reads it, and is told by mail), its presentation to
 * the CSE recorded. Every validated version is kept unchanged and readable;
 * two versions compare field by field. The employer sees transmitted
 * versions only, never the draft. */
#include "riskeval.h"

#define FICHE_COLUMNS                                                                        \
	"id, company_id, establishment_id, version, status, content, drafted_by, drafted_at, updated_by,"       \
	" updated_at, validated_by, validated_on, transmitted_by, transmitted_on,"            \
	" cse_presented_on, cse_note, cse_recorded_by"

/* A stored row as the API shows it: content parsed. */
static json_t *fiche_view(json_t *row)
{
	json_t *content = json_loads(json_string_value(json_object_get(row, "content")), 0, NULL);

	json_object_set_new(row, "content", content ? content : json_object());
	return row;
}

/* The draft (@p version 0) or version @p version of the site's fiche, or
 * NULL (SOCLE_E_NOTFOUND when there is none). */
static json_t *fiche_load(socle_db *db, int64_t company, int64_t est, int64_t version,
                          socle_err *err)
{
	json_t *row = version > 0
		? socle_db_query_one_new(db, "SELECT " FICHE_COLUMNS " FROM riskeval_fiche"
		                         " WHERE company_id = :c AND establishment_id = :e"
		                         " AND version = :v",
		                         json_pack("{s:I, s:I, s:I}", "c", (json_int_t)company, "e",
		                                   (json_int_t)est, "v", (json_int_t)version), err)
		: socle_db_query_one_new(db, "SELECT " FICHE_COLUMNS " FROM riskeval_fiche"
		                         " WHERE company_id = :c AND establishment_id = :e"
		                         " AND status = 'draft'",
		                         json_pack("{s:I, s:I}", "c", (json_int_t)company, "e",
		                                   (json_int_t)est), err);
	return row ? fiche_view(row) : NULL;
}

static json_int_t user_of(socle_req *req)
{
	return (json_int_t)socle_principal_user_id(socle_req_principal(req));
}

/* May the caller see this validated version? Staff always; the company's
 * employer users once it was transmitted to them. */
static bool may_see(socle_req *req, const json_t *row)
{
	return riskeval_is_staff(req) || json_is_string(json_object_get(row, "transmitted_on"));
}

/* The {version} of the path: a positive integer, else 0. */
static int64_t version_param(socle_req *req)
{
	int64_t v = 0;

	return socle_req_param_id(req, "version", &v) == 0 ? v : 0;
}

/* ---- PUT /riskeval/companies/{id}/fiche/draft ---------------------------------------- */

struct draft_write {
	socle_req *req;
	int64_t company, est;
	const json_t *content;
	json_t *row, *errors;
	bool created;
};

static int draft_tx(socle_db *wdb, void *ud, socle_err *err)
{
	struct draft_write *dw = ud;
	socle_err e2 = SOCLE_ERR_INIT;
	json_t *draft = fiche_load(wdb, dw->company, dw->est, 0, &e2), *content = NULL;
	int rc;

	if (draft == NULL && e2.code != SOCLE_E_NOTFOUND)
		return socle_err_set(err, e2.code, "%s", e2.msg);
	if ((rc = riskeval_company_sync(wdb, dw->company, err)))
		goto out;
	if (draft != NULL) {
		content = riskeval_content_merge(json_object_get(draft, "content"), dw->content);
	} else {
		/* A new draft starts from what the service knows (membership's
		 * identification and counts) over the company's self-assessment over
		 * the last validated version, so an update carries the previous
		 * fiche forward; the body comes last. */
		json_t *last = socle_db_query_one_new(wdb,
			"SELECT content FROM riskeval_fiche WHERE company_id = :c AND establishment_id = :e"
			" AND status = 'validated' ORDER BY version DESC LIMIT 1",
			json_pack("{s:I, s:I}", "c", (json_int_t)dw->company, "e", (json_int_t)dw->est),
			&e2);
		json_t *before = last ? json_loads(json_string_value(json_object_get(last, "content")),
		                                   0, NULL)
		                      : json_object();
		/* The company's self-assessment over the last version: what it says
		 * of itself now, for the team to check (drawers.c). */
		json_t *prev = before ? riskeval_drawers_prefill(wdb, dw->company, before, err) : NULL;
		json_decref(before);
		if (prev == NULL) {
			json_decref(last);
			rc = err->code ? err->code : SOCLE_E_NOMEM;
			goto out;
		}
		json_t *sites = riskeval_sites(wdb, dw->company, err);
		const json_t *site = sites ? riskeval_site_find(sites, dw->est) : NULL;
		json_t *known = sites == NULL || (dw->est && site == NULL)
			? NULL
			: riskeval_content_prefill(socle_req_service(dw->req), wdb, dw->company, site,
			                           err);
		json_decref(sites);
		if (known == NULL && err->code == 0)
			socle_err_set(err, SOCLE_E_NOTFOUND, "Établissement introuvable.");
		json_decref(last);
		if (known == NULL) {
			json_decref(prev);
			rc = err->code ? err->code : SOCLE_E_NOMEM;
			goto out;
		}
		json_t *base = riskeval_content_merge(prev, known);
		json_decref(prev);
		json_decref(known);
		content = base ? riskeval_content_merge(base, dw->content) : NULL;
		json_decref(base);
	}
	if (content == NULL) {
		rc = socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
		goto out;
	}
	/* The merged whole must still be a valid fiche (a null clears a field). */
	if (riskeval_content_check(content, &dw->errors) > 0) {
		rc = SOCLE_E_INVAL;
		goto out;
	}
	char *text = json_dumps(content, JSON_COMPACT | JSON_SORT_KEYS);
	json_int_t now = (json_int_t)socle_now_ms();
	if (draft != NULL)
		rc = socle_db_run_new(wdb, "UPDATE riskeval_fiche SET content = :content,"
		                      " updated_by = :by, updated_at = :now WHERE id = :id",
		                      json_pack("{s:s?, s:I, s:I, s:O}", "content", text, "by",
		                                user_of(dw->req), "now", now, "id",
		                                json_object_get(draft, "id")), err);
	else
		rc = socle_db_run_new(wdb, "INSERT INTO riskeval_fiche (company_id, establishment_id,"
		                      " status, content, drafted_by, drafted_at, updated_by, updated_at)"
		                      " VALUES (:c, :e, 'draft', :content, :by, :now, :by, :now)",
		                      json_pack("{s:I, s:I, s:s?, s:I, s:I}", "c",
		                                (json_int_t)dw->company, "e", (json_int_t)dw->est,
		                                "content", text, "by", user_of(dw->req), "now", now),
		                      err);
	free(text);
	if (rc < 0)
		goto out;
	int64_t id = draft ? json_integer_value(json_object_get(draft, "id"))
	                   : socle_db_last_insert_id(wdb);
	dw->created = draft == NULL;
	if ((dw->created &&
	     (rc = riskeval_emit(wdb, "fiche_entreprise.drafted",
	                         json_pack("{s:I, s:I, s:I}", "fiche_id", (json_int_t)id,
	                                   "company_id", (json_int_t)dw->company, "establishment_id",
	                                   (json_int_t)dw->est), err))) ||
	    (rc = riskeval_audit(wdb, dw->req, dw->created ? "riskeval.fiche.draft"
	                                                   : "riskeval.fiche.update",
	                         "company", dw->company, json_pack("{s:I, s:I}", "fiche_id",
	                         (json_int_t)id, "establishment_id", (json_int_t)dw->est), err)))
		goto out;
	dw->row = fiche_load(wdb, dw->company, dw->est, 0, err);
	rc = dw->row ? 0 : (err->code ? err->code : SOCLE_E_INTERNAL);
out:
	json_decref(content);
	json_decref(draft);
	return rc;
}

static const struct socle_field draft_fields[] = {
	{"content", SOCLE_F_OBJECT, false, 0, 0, NULL, NULL},
};

static int draft_put(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	struct draft_write dw = {.req = req};
	const json_t *body = socle_req_body(req);
	(void)ud;

	if (riskeval_company_param(req, &dw.company) != 0 ||
	    riskeval_site_param(req, dw.company, &dw.est) != 0)
		return 0;
	if (socle_fields_check(body, draft_fields, SOCLE_COUNT(draft_fields), NULL, &dw.errors) > 0)
		return socle_reply_invalid(req, dw.errors);
	json_t *empty = json_object();
	dw.content = json_object_get(body, "content");
	if (dw.content == NULL)
		dw.content = empty;
	else if (riskeval_content_check(dw.content, &dw.errors) > 0) {
		json_decref(empty);
		return socle_reply_invalid(req, dw.errors);
	} else {
		/* Risks are coded with the service's thesaurus (riskeval_exposures.lua). */
		int unknown = riskeval_thesaurus_require(
			socle_req_service(req), json_object_get(json_object_get(dw.content,
			"expositions_actions"), "risques"), "content.expositions_actions.risques",
			&dw.errors, &err);
		if (unknown != 0) {
			json_decref(empty);
			return unknown > 0 ? socle_reply_invalid(req, dw.errors) : socle_reply_err(req, &err);
		}
	}
	int rc = socle_service_write(socle_req_service(req), draft_tx, &dw, &err);
	json_decref(empty);
	if (rc == SOCLE_E_INVAL && dw.errors)
		return socle_reply_invalid(req, dw.errors);
	json_decref(dw.errors);
	if (rc != 0)
		return socle_reply_err(req, &err);
	return socle_reply_json(req, dw.created ? 201 : 200, dw.row);
}

static int draft_get(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company, est;
	(void)ud;

	if (riskeval_company_param(req, &company) != 0 ||
	    riskeval_site_param(req, company, &est) != 0)
		return 0;
	socle_db *db = socle_req_reader(req, &err);
	json_t *row = db ? fiche_load(db, company, est, 0, &err) : NULL;
	if (row == NULL)
		return err.code == SOCLE_E_NOTFOUND
			? socle_reply_error(req, 404, "not_found", "Aucun brouillon de fiche d'entreprise.")
			: socle_reply_err(req, &err);
	return socle_reply_json(req, 200, row);
}

/* ---- POST /riskeval/companies/{id}/fiche/draft/validate ------------------------------ */

struct step_write {
	socle_req *req;
	int64_t company, est, version;
	const json_t *body;
	json_t *row, *errors;
};

static int validate_tx(socle_db *wdb, void *ud, socle_err *err)
{
	struct step_write *sw = ud;
	char today[SOCLE_DATE_SIZE];
	json_t *draft = fiche_load(wdb, sw->company, sw->est, 0, err);

	if (draft == NULL)
		return err->code == SOCLE_E_NOTFOUND
			? socle_err_set(err, SOCLE_E_CONFLICT, "Aucun brouillon à valider : ouvrez d'abord "
			                "un brouillon de la fiche d'entreprise.")
			: err->code;
	socle_date_today(today);
	json_t *max = socle_db_query_one_new(wdb,
		"SELECT COALESCE(MAX(version), 0) AS n FROM riskeval_fiche WHERE company_id = :c"
		" AND establishment_id = :e", json_pack("{s:I, s:I}", "c", (json_int_t)sw->company,
		"e", (json_int_t)sw->est), err);
	if (max == NULL) {
		json_decref(draft);
		return err->code;
	}
	sw->version = json_integer_value(json_object_get(max, "n")) + 1;
	json_decref(max);
	int64_t id = json_integer_value(json_object_get(draft, "id"));
	json_decref(draft);
	int rc = socle_db_run_new(wdb, "UPDATE riskeval_fiche SET status = 'validated', version = :v,"
	                          " validated_by = :by, validated_on = :on WHERE id = :id",
	                          json_pack("{s:I, s:I, s:s, s:I}", "v", (json_int_t)sw->version, "by",
	                                    user_of(sw->req), "on", today, "id", (json_int_t)id), err);
	if (rc < 0 ||
	    (rc = riskeval_emit(wdb, "fiche_entreprise.validated",
	                        json_pack("{s:I, s:I, s:I, s:I, s:s}", "fiche_id", (json_int_t)id,
	                                  "company_id", (json_int_t)sw->company, "establishment_id",
	                                  (json_int_t)sw->est, "version", (json_int_t)sw->version,
	                                  "validated_on", today), err)) ||
	    (rc = riskeval_audit(wdb, sw->req, "riskeval.fiche.validate", "company", sw->company,
	                         json_pack("{s:I, s:I, s:I}", "fiche_id", (json_int_t)id,
	                                   "establishment_id", (json_int_t)sw->est, "version",
	                                   (json_int_t)sw->version), err)))
		return rc;
	sw->row = fiche_load(wdb, sw->company, sw->est, sw->version, err);
	return sw->row ? 0 : err->code;
}

/* ---- POST /riskeval/companies/{id}/fiche/versions/{version}/transmit ------------------ */

static int transmit_tx(socle_db *wdb, void *ud, socle_err *err)
{
	struct step_write *sw = ud;
	char today[SOCLE_DATE_SIZE], on_fr[SOCLE_DATE_FR_SIZE];
	json_t *row = fiche_load(wdb, sw->company, sw->est, sw->version, err);
	int rc;

	if (row == NULL)
		return err->code;
	const char *already = json_string_value(json_object_get(row, "transmitted_on"));
	json_int_t fiche_id = json_integer_value(json_object_get(row, "id"));
	if (already != NULL) {
		socle_date_fr(already, on_fr);
		json_decref(row);
		return socle_err_set(err, SOCLE_E_CONFLICT, "Cette version a déjà été transmise à "
		                     "l'employeur le %s.", on_fr);
	}
	json_decref(row);
	socle_date_today(today);
	rc = socle_db_run_new(wdb, "UPDATE riskeval_fiche SET transmitted_by = :by,"
	                      " transmitted_on = :on WHERE company_id = :c AND establishment_id = :e"
	                      " AND version = :v",
	                      json_pack("{s:I, s:s, s:I, s:I, s:I}", "by", user_of(sw->req), "on",
	                                today, "c", (json_int_t)sw->company, "e",
	                                (json_int_t)sw->est, "v", (json_int_t)sw->version), err);
	if (rc < 0)
		return rc;
	/* Which fiche, when the company has several: the establishment's name,
	 * town and SIRET in the mail, its number in the link. */
	char site[400] = "", query[48] = "";
	json_t *sites = riskeval_sites(wdb, sw->company, err);
	if (sites == NULL)
		return err->code;
	const json_t *one = riskeval_site_find(sites, sw->est);
	if (one != NULL) {
		char label[360];

		riskeval_site_label(one, label, sizeof(label));
		snprintf(site, sizeof(site), " de votre %s", label);
	}
	json_decref(sites);
	if (sw->est != 0)
		snprintf(query, sizeof(query), "?establishment=%" PRId64, sw->est);
	/* The employer is told where to read it (R4624-48: the fiche is sent
	 * to the employer). */
	json_t *contacts = riskeval_membership->company_contacts(wdb, sw->company, NULL, err);
	if (contacts == NULL)
		return err->code;
	char path[192], *url, text[1536];
	size_t i;
	json_t *c;
	snprintf(path, sizeof(path), "/api/v1/%s/riskeval/companies/%" PRId64 "/fiche/versions/%"
	         PRId64 "%s", socle_service_id(socle_db_service(wdb)), sw->company, sw->version,
	         query);
	url = socle_service_url(socle_db_service(wdb), path);
	socle_date_fr(today, on_fr);
	snprintf(text, sizeof(text),
	         "Bonjour,\n\nLe service de prévention et de santé au travail vous transmet la "
	         "fiche d'entreprise%s (version %" PRId64 ", validée par le médecin du travail) le %s. "
	         "Elle est à présenter au comité social et économique lorsqu'il existe, et à tenir "
	         "à la disposition de l'inspection du travail (R4624-48 à R4624-50).\n\n"
	         "Vous la trouverez dans votre espace : %s\n",
	         site, sw->version, on_fr, url ? url : path);
	free(url);
	json_array_foreach(contacts, i, c) {
		const char *to = json_string_value(json_object_get(c, "email"));
		struct socle_mail m = {to, "Votre fiche d'entreprise", text, "fiche_entreprise"};

		if (to != NULL && (rc = (int)socle_mail_queue(wdb, &m, 0, err)) < 0)
			break;
		rc = 0;
	}
	json_decref(contacts);
	if (rc < 0 ||
	    (rc = riskeval_emit(wdb, "fiche_entreprise.transmitted",
	                        json_pack("{s:I, s:I, s:I, s:I, s:s}", "fiche_id", fiche_id,
	                                  "company_id", (json_int_t)sw->company, "establishment_id",
	                                  (json_int_t)sw->est, "version", (json_int_t)sw->version,
	                                  "transmitted_on", today), err)) ||
	    (rc = riskeval_audit(wdb, sw->req, "riskeval.fiche.transmit", "company", sw->company,
	                         json_pack("{s:I, s:I}", "establishment_id", (json_int_t)sw->est,
	                                   "version", (json_int_t)sw->version), err)))
		return rc;
	sw->row = fiche_load(wdb, sw->company, sw->est, sw->version, err);
	return sw->row ? 0 : err->code;
}

/* ---- POST /riskeval/companies/{id}/fiche/versions/{version}/cse ----------------------- */

static int cse_tx(socle_db *wdb, void *ud, socle_err *err)
{
	struct step_write *sw = ud;
	json_t *row = fiche_load(wdb, sw->company, sw->est, sw->version, err);
	char today[SOCLE_DATE_SIZE];

	if (row == NULL)
		return err->code;
	const char *sent = json_string_value(json_object_get(row, "transmitted_on"));
	const char *on = json_string_value(json_object_get(sw->body, "presented_on"));
	socle_date_today(today);
	if (sent == NULL) {
		json_decref(row);
		return socle_err_set(err, SOCLE_E_CONFLICT, "Cette version n'a pas encore été "
		                     "transmise à l'employeur : elle ne peut pas avoir été présentée "
		                     "au CSE.");
	}
	if (strcmp(on, sent) < 0 || strcmp(on, today) > 0) {
		socle_field_error(&sw->errors, "presented_on", "La présentation au CSE se situe entre "
		                  "la transmission (%s) et aujourd'hui (%s).", sent, today);
		json_decref(row);
		return SOCLE_E_INVAL;
	}
	json_decref(row);
	int rc = socle_db_run_new(wdb, "UPDATE riskeval_fiche SET cse_presented_on = :on,"
	                          " cse_note = :note, cse_recorded_by = :by"
	                          " WHERE company_id = :c AND establishment_id = :e AND version = :v",
	                          json_pack("{s:s, s:O?, s:I, s:I, s:I, s:I}", "on", on, "note",
	                                    json_object_get(sw->body, "note"), "by", user_of(sw->req),
	                                    "c", (json_int_t)sw->company, "e", (json_int_t)sw->est,
	                                    "v", (json_int_t)sw->version), err);
	if (rc < 0 ||
	    (rc = riskeval_audit(wdb, sw->req, "riskeval.fiche.cse", "company", sw->company,
	                         json_pack("{s:I, s:I, s:s}", "establishment_id",
	                                   (json_int_t)sw->est, "version", (json_int_t)sw->version,
	                                   "presented_on", on), err)))
		return rc;
	sw->row = fiche_load(wdb, sw->company, sw->est, sw->version, err);
	return sw->row ? 0 : err->code;
}

static int step_reply(socle_req *req, socle_write_fn fn, struct step_write *sw)
{
	socle_err err = SOCLE_ERR_INIT;
	int rc = socle_service_write(socle_req_service(req), fn, sw, &err);

	if (rc == SOCLE_E_INVAL && sw->errors)
		return socle_reply_invalid(req, sw->errors);
	json_decref(sw->errors);
	if (rc == SOCLE_E_CONFLICT)
		return socle_reply_error(req, 409, "conflict", err.msg);
	if (rc == SOCLE_E_NOTFOUND)
		return socle_reply_error(req, 404, "not_found", "Version de fiche introuvable.");
	return rc ? socle_reply_err(req, &err) : socle_reply_json(req, 200, sw->row);
}

static int validate_post(socle_req *req, void *ud)
{
	struct step_write sw = {.req = req};
	(void)ud;

	if (riskeval_company_param(req, &sw.company) != 0 ||
	    riskeval_site_param(req, sw.company, &sw.est) != 0)
		return 0;
	return step_reply(req, validate_tx, &sw);
}

static int transmit_post(socle_req *req, void *ud)
{
	struct step_write sw = {.req = req};
	(void)ud;

	if (riskeval_company_param(req, &sw.company) != 0 ||
	    riskeval_site_param(req, sw.company, &sw.est) != 0)
		return 0;
	if ((sw.version = version_param(req)) == 0)
		return socle_reply_error(req, 404, "not_found", "Version de fiche introuvable.");
	return step_reply(req, transmit_tx, &sw);
}

static const struct socle_field cse_fields[] = {
	{"presented_on", SOCLE_F_DATE, true, 0, 0, NULL, NULL},
	{"note", SOCLE_F_STRING, false, 1, 2000, NULL, NULL},
};

/* The team, or the company's own users: the employer presents the fiche. */
static int cse_post(socle_req *req, void *ud)
{
	struct step_write sw = {.req = req, .body = socle_req_body(req)};
	const socle_principal *who = socle_req_principal(req);
	(void)ud;

	if (riskeval_company_param(req, &sw.company) != 0 ||
	    riskeval_site_param(req, sw.company, &sw.est) != 0)
		return 0;
	if (riskeval_is_staff(req) && !socle_principal_can(who, RISKEVAL_CAP_DRAFT))
		return socle_reply_error(req, 403, "forbidden", "Seule l'équipe qui établit la fiche "
		                         "ou l'employeur enregistre sa présentation au CSE.");
	if ((sw.version = version_param(req)) == 0)
		return socle_reply_error(req, 404, "not_found", "Version de fiche introuvable.");
	if (socle_fields_check(sw.body, cse_fields, SOCLE_COUNT(cse_fields), NULL, &sw.errors) > 0)
		return socle_reply_invalid(req, sw.errors);
	return step_reply(req, cse_tx, &sw);
}

/* ---- reading: versions, one version, the differences --------------------------------- */

static int versions_get(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company, est;
	(void)ud;

	/* Without ?establishment=, the versions of every site (each row says
	 * which); with it, that site's. */
	bool one_site = socle_req_query(req, "establishment") != NULL;
	if (riskeval_company_param(req, &company) != 0 ||
	    riskeval_site_param(req, company, &est) != 0)
		return 0;
	socle_db *db = socle_req_reader(req, &err);
	json_t *sites = db ? riskeval_sites(db, company, &err) : NULL;
	json_t *rows = sites ? socle_db_query_new(db,
		"SELECT establishment_id, version, validated_by, validated_on, transmitted_on,"
		" cse_presented_on FROM riskeval_fiche WHERE company_id = :c AND status = 'validated'"
		" AND (:one = 0 OR establishment_id = :e)"
		" AND (:all = 1 OR transmitted_on IS NOT NULL) ORDER BY establishment_id, version",
		json_pack("{s:I, s:b, s:I, s:i}", "c", (json_int_t)company, "one", one_site, "e",
		          (json_int_t)est, "all", riskeval_is_staff(req)), &err)
	                  : NULL;
	if (rows == NULL) {
		json_decref(sites);
		return socle_reply_err(req, &err);
	}
	json_t *draft = riskeval_is_staff(req) ? socle_db_query_one_new(db,
		"SELECT id, establishment_id, drafted_at, updated_at FROM riskeval_fiche"
		" WHERE company_id = :c AND establishment_id = :e AND status = 'draft'",
		json_pack("{s:I, s:I}", "c", (json_int_t)company, "e", (json_int_t)est), &err) : NULL;
	return socle_reply_json(req, 200, json_pack("{s:I, s:o, s:o, s:o}", "company_id",
	                                            (json_int_t)company, "establishments", sites,
	                                            "versions", rows, "draft",
	                                            draft ? draft : json_null()));
}

/* Version @p v for the caller, or NULL once a 404 (or error) was sent. */
static json_t *visible_version(socle_req *req, socle_db *db, int64_t company, int64_t est,
                               int64_t v)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *row = v > 0 ? fiche_load(db, company, est, v, &err) : NULL;

	if (row != NULL && may_see(req, row))
		return row;
	json_decref(row);
	if (err.code != 0 && err.code != SOCLE_E_NOTFOUND)
		socle_reply_err(req, &err);
	else
		socle_reply_error(req, 404, "not_found", "Version de fiche introuvable.");
	return NULL;
}

static int version_get(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company, est;
	(void)ud;

	if (riskeval_company_param(req, &company) != 0 ||
	    riskeval_site_param(req, company, &est) != 0)
		return 0;
	socle_db *db = socle_req_reader(req, &err);
	if (db == NULL)
		return socle_reply_err(req, &err);
	json_t *row = visible_version(req, db, company, est, version_param(req));
	return row ? socle_reply_json(req, 200, row) : 0;
}

/* GET /riskeval/companies/{id}/fiche/diff?from=1&to=2 */
static int diff_get(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company, est, v[2] = {0, 0};
	static const char *const keys[2] = {"from", "to"};
	json_t *errors = NULL;
	(void)ud;

	if (riskeval_company_param(req, &company) != 0 ||
	    riskeval_site_param(req, company, &est) != 0)
		return 0;
	for (int i = 0; i < 2; i++) {
		const char *s = socle_req_query(req, keys[i]);
		char *end = NULL;
		long long n = s ? strtoll(s, &end, 10) : 0;

		if (s == NULL || end == s || *end != '\0' || n < 1)
			socle_field_error(&errors, keys[i], "Numéro de version attendu (entier positif).");
		v[i] = n;
	}
	if (errors)
		return socle_reply_invalid(req, errors);
	socle_db *db = socle_req_reader(req, &err);
	if (db == NULL)
		return socle_reply_err(req, &err);
	json_t *a = visible_version(req, db, company, est, v[0]);
	if (a == NULL)
		return 0;
	json_t *b = visible_version(req, db, company, est, v[1]);
	if (b == NULL) {
		json_decref(a);
		return 0;
	}
	json_t *changes = riskeval_content_diff(json_object_get(a, "content"),
	                                        json_object_get(b, "content"));
	json_t *out = json_pack("{s:I, s:I, s:I, s:I, s:O, s:O, s:o}", "company_id",
	                        (json_int_t)company, "establishment_id", (json_int_t)est, "from", (json_int_t)v[0], "to", (json_int_t)v[1], "from_validated_on",
	                        json_object_get(a, "validated_on"), "to_validated_on",
	                        json_object_get(b, "validated_on"), "changes", changes);
	json_decref(a);
	json_decref(b);
	return socle_reply_json(req, 200, out);
}

static const struct socle_route fiche_routes[] = {
	{SOCLE_PUT, "/riskeval/companies/{id}/fiche/draft", RISKEVAL_CAP_DRAFT, 256 * 1024,
	 draft_put, NULL},
	{SOCLE_GET, "/riskeval/companies/{id}/fiche/draft", SOCLE_CAP_STAFF, 0, draft_get, NULL},
	{SOCLE_POST, "/riskeval/companies/{id}/fiche/draft/validate", RISKEVAL_CAP_VALIDATE, 0,
	 validate_post, NULL},
	{SOCLE_POST, "/riskeval/companies/{id}/fiche/versions/{version}/transmit",
	 RISKEVAL_CAP_DRAFT, 0, transmit_post, NULL},
	{SOCLE_POST, "/riskeval/companies/{id}/fiche/versions/{version}/cse",
	 SOCLE_CAP_AUTHENTICATED, 0, cse_post, NULL},
	{SOCLE_GET, "/riskeval/companies/{id}/fiche/versions", SOCLE_CAP_AUTHENTICATED, 0,
	 versions_get, NULL},
	{SOCLE_GET, "/riskeval/companies/{id}/fiche/versions/{version}", SOCLE_CAP_AUTHENTICATED, 0,
	 version_get, NULL},
	{SOCLE_GET, "/riskeval/companies/{id}/fiche/diff", SOCLE_CAP_AUTHENTICATED, 0, diff_get,
	 NULL},
};

int riskeval_fiche_init(socle_plugin *p, socle_err *err)
{
	return socle_plugin_add_routes(p, fiche_routes, SOCLE_COUNT(fiche_routes), err);
}

json_t *riskeval_fiche_visible(socle_req *req, socle_db *db, int64_t company,
                               int64_t establishment, int64_t v)
{
	return visible_version(req, db, company, establishment, v);
}
