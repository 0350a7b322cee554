/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The content of a fiche d'entreprise, a JSON object whose keys are the pages
 * of annex 5.2 of the seed (model of the arrêté du 29 mai 1989, R4624-46 to
 * R4624-50):
 *   identification         page 1: the company, its activity, the service's
 *                          team and its advice
 *   environnement_travail  page 2: premises, organisation, hours, first aid
 *   personnel_prevention   page 3: headcount and follow-up, prevention in the
 *                          company (CSE, salarié désigné, DUERP, accidents)
 *   expositions_actions    page 4: risks and exposures (coded, by work unit,
 *                          with the exposed headcount) and the actions
 *   lettre                 the letter that accompanies the fiche
 * Every field is optional while drafting (null clears it); a page or a key
 * the model does not have is refused, so two versions always compare field
 * by field. */
#include "riskeval.h"

#include <ctype.h>
#include <stddef.h>

#define TEXT(n, max) {n, SOCLE_F_STRING, false, 1, max, NULL, NULL}
#define COUNT(n) {n, SOCLE_F_INT, false, 0, 1000000, NULL, NULL}
#define DATE(n) {n, SOCLE_F_DATE, false, 0, 0, NULL, NULL}
#define FLAG(n) {n, SOCLE_F_BOOL, false, 0, 0, NULL, NULL}

static const struct socle_field identification_fields[] = {
	TEXT("raison_sociale", 200), TEXT("etablissement", 200), TEXT("siret", 14),
	TEXT("naf_code", 10),
	TEXT("adresse", 500),        TEXT("activite", 2000),   TEXT("medecin", 200),
	TEXT("equipe", 1000),        DATE("date_visite"),      TEXT("conseils", 8000),
};

static const struct socle_field environnement_fields[] = {
	TEXT("locaux", 4000),       TEXT("organisation", 4000), TEXT("horaires", 1000),
	TEXT("sanitaires", 1000),   TEXT("premiers_secours", 2000), FLAG("travail_isole"),
	TEXT("observations", 4000),
};

static const struct socle_field personnel_fields[] = {
	COUNT("effectif"),          COUNT("salaries_suivis"),   COUNT("effectif_sir"),
	FLAG("cse"),                TEXT("salarie_designe", 200), COUNT("secouristes"),
	FLAG("duerp_existe"),       DATE("duerp_date"),         COUNT("accidents_travail"),
	COUNT("maladies_professionnelles"), TEXT("observations", 4000),
	COUNT("sir_declare"),       COUNT("sir_observe"),
};

/* A risk code: the thesaurus' own, lower case letters, digits, '_', '.', '-'. */
int riskeval_risk_code_check(const json_t *v, char *msg, size_t size)
{
	for (const char *s = json_string_value(v); *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_' &&
		    *s != '.' && *s != '-')
			return snprintf(msg, size, "Code de risque attendu : lettres minuscules, chiffres, "
			                           "« _ », « . » ou « - »."), -1;
	return 0;
}

static const struct socle_field risk_fields[] = {
	{"code", SOCLE_F_STRING, true, 1, 64, NULL, riskeval_risk_code_check},
	TEXT("libelle", 200),
	TEXT("unite_travail", 200),
	COUNT("effectif_expose"),
	TEXT("mesures_existantes", 4000),
	TEXT("actions_proposees", 4000),
};

static const struct socle_field expositions_fields[] = {
	{"risques", SOCLE_F_ARRAY, false, 0, 0, NULL, NULL},
	TEXT("actions_prioritaires", 8000),
	TEXT("observations", 4000),
};

static const struct socle_field lettre_fields[] = {
	TEXT("destinataire", 200),
	TEXT("texte", 16000),
};

static const struct page {
	const char *key;
	const struct socle_field *fields;
	size_t n;
} pages[] = {
	{"identification", identification_fields, SOCLE_COUNT(identification_fields)},
	{"environnement_travail", environnement_fields, SOCLE_COUNT(environnement_fields)},
	{"personnel_prevention", personnel_fields, SOCLE_COUNT(personnel_fields)},
	{"expositions_actions", expositions_fields, SOCLE_COUNT(expositions_fields)},
	{"lettre", lettre_fields, SOCLE_COUNT(lettre_fields)},
};

#define MAX_RISKS 200

int riskeval_content_check(const json_t *content, json_t **errors)
{
	int problems = 0;
	const char *key;
	const json_t *v;

	if (!json_is_object(content)) {
		socle_field_error(errors, "content", "Un objet JSON est attendu (les pages de la fiche).");
		return 1;
	}
	json_object_foreach((json_t *)content, key, v) {
		const struct page *pg = NULL;
		char prefix[64];

		for (size_t i = 0; i < SOCLE_COUNT(pages) && pg == NULL; i++)
			if (strcmp(pages[i].key, key) == 0)
				pg = &pages[i];
		if (pg == NULL) {
			socle_field_error(errors, "content", "Page inconnue « %.60s » : identification, "
			                  "environnement_travail, personnel_prevention, "
			                  "expositions_actions ou lettre.", key);
			problems++;
			continue;
		}
		if (json_is_null(v))
			continue;
		snprintf(prefix, sizeof(prefix), "content.%s.", key);
		problems += socle_fields_check(v, pg->fields, pg->n, prefix, errors);
		const json_t *risks = json_object_get(v, "risques");
		if (pg->fields != expositions_fields || !json_is_array(risks))
			continue;
		if (json_array_size(risks) > MAX_RISKS) {
			socle_field_error(errors, "content.expositions_actions.risques",
			                  "%d risques au plus.", MAX_RISKS);
			problems++;
			continue;
		}
		size_t i;
		const json_t *r;
		json_array_foreach(risks, i, r) {
			snprintf(prefix, sizeof(prefix), "content.expositions_actions.risques[%zu].", i + 1);
			problems += socle_fields_check(r, risk_fields, SOCLE_COUNT(risk_fields), prefix,
			                               errors);
		}
	}
	return problems;
}

struct counts {
	int64_t active, sir;
	const char *today;
	bool by_site;          /* count only the workers of one site: */
	int64_t establishment; /* its id; 0, the siège: workers named in none */
};

static int count_worker(const struct membership_worker_row *w, void *ud)
{
	struct counts *c = ud;

	if (w->end_date != NULL && strcmp(w->end_date, c->today) < 0)
		return 0; /* left the company */
	/* An establishment's fiche counts the workers declared in it (the row's
	 * establishment_id is read only when the exporter has it). */
	if (c->by_site &&
	    (w->size > offsetof(struct membership_worker_row, establishment_id)
	         ? w->establishment_id
	         : 0) != c->establishment)
		return 0;
	c->active++;
	if (w->category != NULL && strcmp(w->category, "SIR") == 0)
		c->sir++;
	return 0;
}

const char *riskeval_text_of(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* The SIR declared and observed from tracking.v1 (company_sir), into @p page;
 * left null when tracking is not enabled for the service: unknown, not zero. */
static int sir_counts(socle_service *svc, socle_db *db, int64_t company_id, json_t *page,
                      socle_err *err)
{
	const struct tracking_v1 *t = riskeval_tracking && svc
	                                  ? socle_import_for(svc, riskeval_tracking) : NULL;

	if (t == NULL) {
		json_object_set_new(page, "sir_declare", json_null());
		json_object_set_new(page, "sir_observe", json_null());
		return 0;
	}
	json_t *sir = t->company_sir(db, company_id, err);
	if (sir == NULL)
		return err->code ? err->code : SOCLE_E_NOMEM;
	json_object_set(page, "sir_declare", json_object_get(sir, "declared"));
	json_object_set(page, "sir_observe", json_object_get(sir, "observed"));
	json_decref(sir);
	return 0;
}

json_t *riskeval_content_prefill(socle_service *svc, socle_db *db, int64_t company_id,
                                 const json_t *site, socle_err *err)
{
	char today[SOCLE_DATE_SIZE];
	json_t *c = riskeval_membership->company_get(db, company_id, err);

	if (c == NULL)
		return NULL;
	socle_date_today(today);
	int64_t est = site ? json_integer_value(json_object_get(site, "establishment_id")) : 0;
	struct counts n = {0, 0, today, site != NULL, est};
	int rc = riskeval_membership->workers_each(db, company_id, 0, count_worker, &n, err);
	if (rc != 0) {
		json_decref(c);
		return NULL;
	}
	/* An establishment's fiche: its own SIRET, address and declared
	 * headcount over the company's. */
	const json_t *where = site ? site : c;
	char address[600];
	snprintf(address, sizeof(address), "%s, %s %s", riskeval_text_of(where, "address_line"),
	         riskeval_text_of(where, "postcode"), riskeval_text_of(where, "city"));
	/* The headcount the employer declared at membership, and the workers the
	 * service follows (declared, still employed) with those in SIR. */
	json_t *out = json_pack("{s:{s:O?, s:O?, s:O?, s:s}, s:{s:O?, s:I, s:I}}", "identification",
	                        "raison_sociale", json_object_get(c, "legal_name"), "siret",
	                        json_object_get(where, "siret"), "naf_code",
	                        json_object_get(c, "naf_code"), "adresse", address,
	                        "personnel_prevention", "effectif", json_object_get(where, "headcount"),
	                        "salaries_suivis", (json_int_t)n.active, "effectif_sir",
	                        (json_int_t)n.sir);
	json_decref(c);
	if (out == NULL) {
		socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
		return NULL;
	}
	if (site != NULL) {
		const char *name = json_string_value(json_object_get(site, "name"));
		char label[300];

		snprintf(label, sizeof(label), "%s%s%s", name ? name : "", name ? ", " : "",
		         riskeval_text_of(site, "city"));
		json_object_set_new(json_object_get(out, "identification"), "etablissement",
		                    json_string(label));
		/* tracking.v1 counts SIR per company: an establishment's share of
		 * them is not known, and a company figure here would be wrong. */
		json_object_set_new(json_object_get(out, "personnel_prevention"), "sir_declare",
		                    json_null());
		json_object_set_new(json_object_get(out, "personnel_prevention"), "sir_observe",
		                    json_null());
		return out;
	}
	if (sir_counts(svc, db, company_id, json_object_get(out, "personnel_prevention"), err)) {
		json_decref(out);
		return NULL;
	}
	return out;
}

json_t *riskeval_content_merge(const json_t *base, const json_t *given)
{
	json_t *out = json_deep_copy(base ? base : json_object());
	const char *key;
	const json_t *v;

	if (out == NULL)
		return NULL;
	json_object_foreach((json_t *)given, key, v) {
		json_t *mine = json_object_get(out, key);

		if (json_is_object(mine) && json_is_object(v))
			json_object_update(mine, (json_t *)v);
		else
			json_object_set(out, key, (json_t *)v);
	}
	return out;
}

static void diff_add(json_t *out, const char *field, const json_t *a, const json_t *b)
{
	const char *change = a == NULL || json_is_null(a)   ? "ajout"
	                     : b == NULL || json_is_null(b) ? "suppression"
	                                                     : "modification";

	json_array_append_new(out, json_pack("{s:s, s:s, s:O, s:O}", "field", field, "change",
	                                     change, "before", a ? a : json_null(), "after",
	                                     b ? b : json_null()));
}

/* Differences under @p path between @p a and @p b (either may be NULL). */
static void diff_walk(json_t *out, const char *path, const json_t *a, const json_t *b, int depth)
{
	char sub[512];

	if (json_equal(a, b) || (a == NULL && json_is_null(b)) || (b == NULL && json_is_null(a)))
		return;
	if (depth < 8 && json_is_object(a) && json_is_object(b)) {
		const char *key;
		const json_t *v;

		json_object_foreach((json_t *)a, key, v) {
			snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", key);
			diff_walk(out, sub, v, json_object_get(b, key), depth + 1);
		}
		json_object_foreach((json_t *)b, key, v)
			if (json_object_get(a, key) == NULL) {
				snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", key);
				diff_walk(out, sub, NULL, v, depth + 1);
			}
		return;
	}
	if (depth < 8 && json_is_array(a) && json_is_array(b)) {
		size_t n = json_array_size(a) > json_array_size(b) ? json_array_size(a)
		                                                  : json_array_size(b);
		for (size_t i = 0; i < n; i++) {
			snprintf(sub, sizeof(sub), "%s[%zu]", path, i + 1);
			diff_walk(out, sub, json_array_get(a, i), json_array_get(b, i), depth + 1);
		}
		return;
	}
	/* A page or an object appearing or going whole: one row per leaf, so
	 * the reader still sees each field. */
	if (depth < 8 && json_is_object(a ? a : b) && (a == NULL || b == NULL || json_is_null(a) ||
	                                               json_is_null(b))) {
		const char *key;
		const json_t *v;
		bool added = a == NULL || json_is_null(a);

		json_object_foreach((json_t *)(added ? b : a), key, v) {
			snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", key);
			diff_walk(out, sub, added ? NULL : v, added ? v : NULL, depth + 1);
		}
		return;
	}
	diff_add(out, path, a, b);
}

json_t *riskeval_content_diff(const json_t *a, const json_t *b)
{
	json_t *out = json_array();

	if (out != NULL)
		diff_walk(out, "", a, b, 0);
	return out;
}
