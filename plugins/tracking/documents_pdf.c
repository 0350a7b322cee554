/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The documents of a visit as PDF (GET /tracking/visits/{id}/documents/
 * {attestation|avis|ordonnance}.pdf): documents.c decides who may read which
 * document and builds it as JSON exactly as for its JSON and HTML forms;
 * here that JSON becomes a description for the core's document service
 * (socle/document.h), which issues it: numbered, hashed, stored, with a
 * verification code. Only what the JSON form holds reaches the PDF: the
 * employer's attestation or avis carries no medical content, so neither does
 * its PDF. The same document downloaded again is the stored one; a new
 * outcome for the visit replaces it. */
#include <stdlib.h>

#include "tracking.h"

static const char *mention_label(const char *m)
{
	if (m && strcmp(m, "mi_carriere") == 0)
		return "Visite de mi-carrière";
	if (m && strcmp(m, "post_exposition") == 0)
		return "Visite post-exposition";
	return "Visite post-professionnelle";
}

const char *tracking_document_agreement(const json_t *d)
{
	const char *c = sget(json_object_get(d, "worker"), "civility");

	return c && strcmp(c, "madame") == 0 ? "e" : c && strcmp(c, "monsieur") == 0 ? "" : "(e)";
}

void tracking_document_statement(const json_t *d, char *out, size_t n)
{
	const char *model = sget(d, "model") ? sget(d, "model") : "";
	const char *who = sget(json_object_get(d, "worker"), "display_name");

	if (who == NULL || *who == '\0' || strcmp(who, " ") == 0)
		who = "Le salarié";
	if (strcmp(model, "avis_aptitude") == 0)
		snprintf(out, n, "%s est apte à son poste de travail.", who);
	else if (strcmp(model, "avis_inaptitude") == 0)
		snprintf(out, n, "%s est inapte à son poste de travail.", who);
	else
		snprintf(out, n, "%s a bénéficié de la visite mentionnée ci-dessus dans le cadre de son "
		         "suivi individuel de l'état de santé.", who);
}

void tracking_document_orientation(const json_t *d, char *out, size_t n)
{
	const char *who = sget(json_object_get(d, "worker"), "display_name");

	snprintf(out, n, "%s est orienté%s vers le médecin du travail.",
	         who && *who ? who : "Le salarié", tracking_document_agreement(d));
}

static void section(json_t *sections, const char *heading, json_t *blocks)
{
	if (json_array_size(blocks) == 0) {
		json_decref(blocks);
		return;
	}
	json_t *s = json_pack("{s:o}", "blocks", blocks);

	if (heading)
		json_object_set_new(s, "heading", json_string(heading));
	json_array_append_new(sections, s);
}

static void para(json_t *blocks, const char *text, bool strong)
{
	if (text && *text)
		json_array_append_new(blocks, strong ? json_pack("{s:s, s:b}", "paragraph", text,
		                                                 "strong", 1)
		                                     : json_pack("{s:s}", "paragraph", text));
}

/* A list block of the strings of @p items (or of their @p key). */
static json_t *list_of(const json_t *items, const char *key)
{
	json_t *l = json_array();
	const json_t *e;
	size_t i;

	json_array_foreach(items, i, e) {
		const char *s = key ? sget(e, key) : json_string_value(e);

		if (s && *s)
			json_array_append_new(l, json_string(s));
	}
	json_t *b = json_array();

	if (json_array_size(l) > 0)
		json_array_append_new(b, json_pack("{s:o}", "list", l));
	else
		json_decref(l);
	return b;
}

static json_t *describe(const json_t *d)
{
	const json_t *w = json_object_get(d, "worker"), *v = json_object_get(d, "visit");
	const json_t *pro = json_object_get(d, "professional");
	const char *kind = sget(d, "document"), *model = sget(d, "model");
	char name[300], born[SOCLE_DATE_FR_SIZE] = "", held[SOCLE_DATE_FR_SIZE] = "", by[300];
	json_t *sections = json_array(), *fields = json_array();

	snprintf(name, sizeof(name), "%s", sget(w, "display_name") ? sget(w, "display_name") : "");
	socle_date_fr(sget(w, "birth_date"), born);
	socle_date_fr(sget(v, "held_on"), held);
	snprintf(by, sizeof(by), "%s%s%s", sget(pro, "role_label") ? sget(pro, "role_label") : "",
	         sget(pro, "name") ? ", " : "", sget(pro, "name") ? sget(pro, "name") : "");
	const char *rows[][2] = {{"Salarié(e)", name}, {"Né(e) le", born},
	                         {"Poste", sget(w, "job_title")},
	                         {"Entreprise", sget(json_object_get(d, "company"), "legal_name")},
	                         {"Visite", sget(v, "label")}, {"Date de la visite", held},
	                         {"Professionnel de santé", by}};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (rows[i][1] && *rows[i][1] && strcmp(rows[i][1], " ") != 0)
			json_array_append_new(fields, json_pack("[s, s]", rows[i][0], rows[i][1]));
	section(sections, NULL, json_pack("[{s:o}]", "fields", fields));

	json_t *b = json_array();
	if (strcmp(kind, "ordonnance") != 0) {
		char said[600];

		tracking_document_statement(d, said, sizeof(said));
		para(b, said, strcmp(model, "attestation_suivi") != 0);
		if (json_is_true(json_object_get(d, "orientation_medecin"))) {
			tracking_document_orientation(d, said, sizeof(said));
			para(b, said, false);
		}
		section(sections, NULL, b);
		json_t *ms = json_array();
		const json_t *m;
		size_t i;
		json_array_foreach(json_object_get(d, "mentions"), i, m)
			json_array_append_new(ms, json_string(mention_label(json_string_value(m))));
		section(sections, "Nature de la visite", list_of(ms, NULL));
		json_decref(ms);
		b = json_array();
		para(b, sget(d, "remarks"), false);
		section(sections, "Observations et recommandations", b);
		b = json_array();
		para(b, sget(d, "reclassement"), false);
		section(sections, "Indications relatives au reclassement", b);
		section(sections, "Propositions de mesures d'aménagement du poste",
		        list_of(json_object_get(d, "adjustments"), "description"));
		b = json_array();
		para(b, sget(d, "recourse"), false);
	} else {
		json_decref(b);
		section(sections, "Principaux risques de votre poste",
		        list_of(json_object_get(d, "risks"), NULL));
		section(sections, "Conseils de prévention", list_of(json_object_get(d, "advice"), NULL));
		b = json_array();
		const char *ori = sget(d, "orientation");
		char oriented[96];
		snprintf(oriented, sizeof(oriented), "Vous êtes orienté%s vers le médecin du travail.",
		         tracking_document_agreement(d));
		if (ori && strcmp(ori, "medecin") == 0)
			para(b, oriented, false);
		else if (ori)
			para(b, "Il vous est conseillé de consulter votre médecin traitant ou un "
			     "spécialiste.", false);
		section(sections, NULL, b);
		b = json_array();
		para(b, sget(d, "contact"), false);
		section(sections, "Joindre le service", b);
		b = json_array();
	}
	if (sget(d, "next_visit_on")) {
		char next[SOCLE_DATE_FR_SIZE], line[96];

		socle_date_fr(sget(d, "next_visit_on"), next);
		snprintf(line, sizeof(line), "Prochaine visite au plus tard le %s.", next);
		para(b, line, false);
	}
	char refs[400] = "Références : ";
	const json_t *bv;
	size_t bi;
	json_array_foreach(json_object_get(d, "basis"), bi, bv) {
		if (bi)
			strncat(refs, ", ", sizeof(refs) - strlen(refs) - 1);
		strncat(refs, json_string_value(bv) ? json_string_value(bv) : "",
		        sizeof(refs) - strlen(refs) - 1);
	}
	strncat(refs, ".", sizeof(refs) - strlen(refs) - 1);
	para(b, refs, false);
	section(sections, NULL, b);
	json_t *sig = json_object();
	if (sget(v, "held_on"))
		json_object_set_new(sig, "date", json_string(sget(v, "held_on")));
	if (sget(pro, "name"))
		json_object_set_new(sig, "name", json_string(sget(pro, "name")));
	if (sget(pro, "role_label"))
		json_object_set_new(sig, "role", json_string(sget(pro, "role_label")));
	return json_pack("{s:s, s:o, s:o}", "title", sget(d, "title"), "sections", sections,
	                 "signature", sig);
}

int tracking_document_pdf(socle_req *req, const json_t *d, int64_t request_id)
{
	json_t *desc = describe(d);
	char kind[48], subject[48], file[96];

	if (desc == NULL)
		return SOCLE_E_NOMEM;
	snprintf(kind, sizeof(kind), "tracking.%s", sget(d, "document"));
	snprintf(subject, sizeof(subject), "visit:%lld", (long long)request_id);
	snprintf(file, sizeof(file), "%s-visite-%lld.pdf", sget(d, "document"),
	         (long long)request_id);
	int rc = socle_reply_document_pdf(req, kind, subject, desc, file);

	json_decref(desc);
	return rc;
}
