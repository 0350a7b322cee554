/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* A version of the fiche d'entreprise as a document (issue 14 item 1): the
 * four pages of annex 5.2 and the accompanying letter, described for the
 * core's document service (socle/document.h), which renders it as an HTML
 * page that prints (GET .../document) or issues it as a PDF (GET
 * .../document.pdf: numbered, hashed, verifiable; the same version asked
 * again is the same stored PDF). Readers as for the version itself (staff;
 * the company's users once transmitted); every download is audited. The
 * labels are those of the member page (web/js/content.js). */
#include "riskeval.h"

#include <socle/document.h>

enum kind { TEXT, COUNT, FLAG, DATE };

struct label {
	const char *key, *label;
	enum kind kind;
};

static const struct label identification[] = {
	{"raison_sociale", "Raison sociale", TEXT}, {"etablissement", "Établissement", TEXT},
	{"siret", "SIRET", TEXT},
	{"naf_code", "Code NAF", TEXT}, {"adresse", "Adresse", TEXT},
	{"activite", "Activité", TEXT}, {"medecin", "Médecin du travail", TEXT},
	{"equipe", "Équipe pluridisciplinaire", TEXT},
	{"date_visite", "Date de la visite de l'entreprise", DATE},
	{"conseils", "Conseils du service", TEXT}, {NULL, NULL, TEXT},
};
static const struct label environnement[] = {
	{"locaux", "Locaux", TEXT}, {"organisation", "Organisation du travail", TEXT},
	{"horaires", "Horaires", TEXT}, {"sanitaires", "Installations sanitaires", TEXT},
	{"premiers_secours", "Premiers secours", TEXT}, {"travail_isole", "Travail isolé", FLAG},
	{"observations", "Observations", TEXT}, {NULL, NULL, TEXT},
};
static const struct label personnel[] = {
	{"effectif", "Effectif déclaré", COUNT}, {"salaries_suivis", "Salariés suivis", COUNT},
	{"effectif_sir", "Salariés en suivi individuel renforcé (SIR)", COUNT},
	{"sir_declare", "SIR déclaré par l'employeur (suivi individuel)", COUNT},
	{"sir_observe", "SIR observé (examens d'aptitude tenus)", COUNT},
	{"cse", "Comité social et économique (CSE)", FLAG},
	{"salarie_designe", "Salarié désigné compétent en prévention", TEXT},
	{"secouristes", "Sauveteurs secouristes du travail", COUNT},
	{"duerp_existe", "Document unique (DUERP) établi", FLAG}, {"duerp_date", "Date du DUERP", DATE},
	{"accidents_travail", "Accidents du travail (dernière année)", COUNT},
	{"maladies_professionnelles", "Maladies professionnelles (dernière année)", COUNT},
	{"observations", "Observations", TEXT}, {NULL, NULL, TEXT},
};
static const struct label expositions[] = {
	{"actions_prioritaires", "Actions prioritaires", TEXT},
	{"observations", "Observations", TEXT}, {NULL, NULL, TEXT},
};
static const struct label lettre[] = {
	{"destinataire", "Destinataire", TEXT}, {"texte", "Texte de la lettre", TEXT},
	{NULL, NULL, TEXT},
};

static const struct {
	const char *key, *heading;
	const struct label *fields;
} pages[] = {
	{"identification", "Page 1 : identification de l'entreprise et conseils", identification},
	{"environnement_travail", "Page 2 : environnement de travail", environnement},
	{"personnel_prevention", "Page 3 : personnel et prévention", personnel},
	{"expositions_actions", "Page 4 : expositions et actions", expositions},
	{"lettre", "Lettre d'accompagnement", lettre},
};

/* A field's value as text ("non renseigné" when absent). */
static void shown(const json_t *v, enum kind kind, char *out, size_t size)
{
	if (v == NULL || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0))
		snprintf(out, size, "non renseigné");
	else if (kind == FLAG)
		snprintf(out, size, "%s", json_is_true(v) ? "oui" : "non");
	else if (kind == DATE && json_is_string(v)) {
		char fr[SOCLE_DATE_FR_SIZE];
		snprintf(out, size, "%s", socle_date_fr(json_string_value(v), fr) ? fr
		                                                                   : json_string_value(v));
	} else if (json_is_integer(v))
		snprintf(out, size, "%lld", (long long)json_integer_value(v));
	else
		snprintf(out, size, "%s", json_is_string(v) ? json_string_value(v) : "");
}

static const char *sget(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* The description of version @p row (content parsed) of @p company_name. */
static json_t *fiche_description(const json_t *row)
{
	const json_t *content = json_object_get(row, "content");
	json_t *sections = json_array();
	char subtitle[700], validated[SOCLE_DATE_FR_SIZE] = "", sent[SOCLE_DATE_FR_SIZE] = "";
	char value[16384];

	socle_date_fr(sget(row, "validated_on"), validated);
	if (*sget(row, "transmitted_on"))
		socle_date_fr(sget(row, "transmitted_on"), sent);
	const json_t *ident = json_object_get(content, "identification");
	const char *site = sget(ident, "etablissement");
	snprintf(subtitle, sizeof(subtitle), "%s%s%s — version %lld, validée le %s%s%s",
	         sget(ident, "raison_sociale"), *site ? ", établissement " : "", site,
	         (long long)json_integer_value(json_object_get(row, "version")), validated,
	         *sent ? ", transmise le " : "", sent);
	for (size_t p = 0; p < SOCLE_COUNT(pages); p++) {
		const json_t *pg = json_object_get(content, pages[p].key);
		json_t *fields = json_array(), *blocks = json_array();

		for (const struct label *l = pages[p].fields; l->key; l++) {
			shown(json_object_get(pg, l->key), l->kind, value, sizeof(value));
			json_array_append_new(fields, json_pack("[s, s]", l->label, value));
		}
		if (strcmp(pages[p].key, "expositions_actions") == 0) {
			json_t *rows = json_array();
			size_t i;
			const json_t *r;
			char exposed[32];

			json_array_foreach(json_object_get(pg, "risques"), i, r) {
				shown(json_object_get(r, "effectif_expose"), COUNT, exposed, sizeof(exposed));
				json_array_append_new(rows, json_pack("[s, s, s, s, s, s]", sget(r, "code"),
				                                      sget(r, "libelle"), sget(r, "unite_travail"),
				                                      exposed, sget(r, "mesures_existantes"),
				                                      sget(r, "actions_proposees")));
			}
			if (json_array_size(rows) > 0)
				json_array_append_new(blocks, json_pack(
					"{s:{s:[s,s,s,s,s,s], s:o, s:[i,i,i,i,i,i]}}", "table", "header", "Code",
					"Risque", "Unité de travail", "Effectif exposé", "Mesures existantes",
					"Actions proposées", "rows", rows, "widths", 2, 2, 2, 1, 3, 3));
			else {
				json_decref(rows);
				json_array_append_new(blocks, json_pack("{s:s}", "paragraph",
				                                        "Aucun risque relevé."));
			}
		}
		json_array_append_new(blocks, json_pack("{s:o}", "fields", fields));
		json_array_append_new(sections, json_pack("{s:s, s:o}", "heading", pages[p].heading,
		                                          "blocks", blocks));
	}
	json_array_append_new(sections, json_pack(
		"{s:[{s:s}]}", "blocks", "paragraph",
		"Fiche établie par le service de prévention et de santé au travail (R4624-46 à "
		"R4624-50) : transmise à l'employeur, présentée au comité social et économique "
		"lorsqu'il existe, tenue à la disposition de l'inspection du travail."));
	return json_pack("{s:s, s:s, s:o, s:{s:s, s:s}}", "title", "Fiche d'entreprise", "subtitle",
	                 subtitle, "sections", sections, "signature", "date",
	                 sget(row, "validated_on"), "role", "Médecin du travail");
}

/* The version of the path for the caller, audited; NULL once a reply was sent. */
static json_t *version_for(socle_req *req, const char *form)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company, est, v = 0;

	if (riskeval_company_param(req, &company) != 0 ||
	    riskeval_site_param(req, company, &est) != 0)
		return NULL;
	if (socle_req_param_id(req, "version", &v) != 0) {
		socle_reply_error(req, 404, "not_found", "Version de fiche introuvable.");
		return NULL;
	}
	socle_db *db = socle_req_reader(req, &err);
	if (db == NULL) {
		socle_reply_err(req, &err);
		return NULL;
	}
	json_t *row = riskeval_fiche_visible(req, db, company, est, v);
	if (row == NULL)
		return NULL;
	json_t *detail = json_pack("{s:I, s:I, s:I, s:s}", "company_id", (json_int_t)company,
	                           "establishment_id", (json_int_t)est, "version", (json_int_t)v,
	                           "form", form);
	struct socle_audit_entry e = {"riskeval.fiche.download", "company", company, "ok", detail};
	int rc = socle_audit_now(req, &e, &err);
	json_decref(detail);
	if (rc != 0) {
		json_decref(row);
		socle_reply_err(req, &err);
		return NULL;
	}
	return row;
}

static int fiche_html(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *row = version_for(req, "html");
	(void)ud;

	if (row == NULL)
		return 0;
	json_t *d = fiche_description(row);
	json_decref(row);
	char *page = d ? socle_document_html(socle_req_service(req), d, &err) : NULL;
	json_decref(d);
	if (page == NULL)
		return err.code ? socle_reply_err(req, &err) : SOCLE_E_NOMEM;
	int rc = socle_reply_bytes(req, 200, "text/html; charset=utf-8", page, strlen(page));
	free(page);
	return rc;
}

static int fiche_pdf(socle_req *req, void *ud)
{
	json_t *row = version_for(req, "pdf");
	char subject[96], file[96];
	(void)ud;

	if (row == NULL)
		return 0;
	json_t *d = fiche_description(row);
	long long company = (long long)json_integer_value(json_object_get(row, "company_id"));
	long long version = (long long)json_integer_value(json_object_get(row, "version"));
	long long est = (long long)json_integer_value(json_object_get(row, "establishment_id"));
	json_decref(row);
	if (d == NULL)
		return SOCLE_E_NOMEM;
	/* One subject per version: its description never changes once validated,
	 * but transmission adds its date, so a PDF downloaded before and after
	 * the transmission are two issued documents, the later replacing. An
	 * establishment's fiche has its own subject (the company's keeps the
	 * subject it always had, so its stored PDFs still match). */
	if (est != 0) {
		snprintf(subject, sizeof(subject), "company:%lld:establishment:%lld:version:%lld",
		         company, est, version);
		snprintf(file, sizeof(file), "fiche-entreprise-etablissement-%lld-v%lld.pdf", est,
		         version);
	} else {
		snprintf(subject, sizeof(subject), "company:%lld:version:%lld", company, version);
		snprintf(file, sizeof(file), "fiche-entreprise-v%lld.pdf", version);
	}
	int rc = socle_reply_document_pdf(req, "riskeval.fiche", subject, d, file);
	json_decref(d);
	return rc;
}

static const struct socle_route fiche_doc_routes[] = {
	{SOCLE_GET, "/riskeval/companies/{id}/fiche/versions/{version}/document",
	 SOCLE_CAP_AUTHENTICATED, 0, fiche_html, NULL},
	{SOCLE_GET, "/riskeval/companies/{id}/fiche/versions/{version}/document.pdf",
	 SOCLE_CAP_AUTHENTICATED, 0, fiche_pdf, NULL},
};

static const struct socle_route_doc fiche_doc_docs[] = {
	{SOCLE_GET, "/riskeval/companies/{id}/fiche/versions/{version}/document",
	 "Une version de la fiche d'entreprise en page HTML imprimable (téléchargement "
	 "journalisé) ; ?establishment= pour celle d'un établissement.", NULL, 0, NULL, 0, "text/html"},
	{SOCLE_GET, "/riskeval/companies/{id}/fiche/versions/{version}/document.pdf",
	 "Une version de la fiche d'entreprise en PDF émis par le service (téléchargement "
	 "journalisé) ; ?establishment= pour celle d'un établissement.", NULL, 0, NULL, 0, "application/pdf"},
};

int riskeval_fiche_doc_init(socle_plugin *p, socle_err *err)
{
	int rc = socle_plugin_add_routes(p, fiche_doc_routes, SOCLE_COUNT(fiche_doc_routes), err);

	return rc ? rc : socle_plugin_describe_routes(p, fiche_doc_docs, SOCLE_COUNT(fiche_doc_docs),
	                                              err);
}
