/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The company's self-assessment (seed 3.6.1.3), on the model of the four
 * "tiroirs": its organisation (group, association, CSE...), its activities,
 * prevention in the company, and its occupational risks. The company's
 * employer users answer them from the member space, one drawer at a time; the
 * team reads them. The answers pre-fill the next fiche draft
 * (riskeval_drawers_prefill, called when a draft is opened): what the company
 * says of itself is a starting point the team checks on site, never a
 * validated fact, so it goes into the draft and nowhere else. */
#include "riskeval.h"

#define TEXT(n, max) {n, SOCLE_F_STRING, false, 1, max, NULL, NULL}
#define COUNT(n) {n, SOCLE_F_INT, false, 0, 1000000, NULL, NULL}
#define FLAG(n) {n, SOCLE_F_BOOL, false, 0, 0, NULL, NULL}

static const struct socle_field organisation_fields[] = {
	FLAG("groupe"),         TEXT("groupe_nom", 200), FLAG("association"),
	FLAG("cse"),            TEXT("salarie_designe", 200), COUNT("etablissements"),
	TEXT("observations", 4000),
};

static const struct socle_field activites_fields[] = {
	TEXT("activite_principale", 2000), TEXT("metiers", 4000), TEXT("horaires", 1000),
	FLAG("travail_isole"),             TEXT("observations", 4000),
};

static const struct socle_field prevention_fields[] = {
	FLAG("duerp_existe"),            {"duerp_date", SOCLE_F_DATE, false, 0, 0, NULL, NULL},
	COUNT("secouristes"),            TEXT("premiers_secours", 2000),
	TEXT("actions_menees", 4000),    TEXT("observations", 4000),
};

static const struct socle_field risques_fields[] = {
	{"risques", SOCLE_F_ARRAY, false, 0, 0, NULL, NULL},
	TEXT("observations", 4000),
};

static const struct socle_field risk_fields[] = {
	{"code", SOCLE_F_STRING, true, 1, 64, NULL, riskeval_risk_code_check},
	TEXT("libelle", 200),
	TEXT("unite_travail", 200),
};

#define MAX_RISKS 100

static const struct drawer {
	const char *key;
	const struct socle_field *fields;
	size_t n;
} drawers[] = {
	{"organisation", organisation_fields, SOCLE_COUNT(organisation_fields)},
	{"activites", activites_fields, SOCLE_COUNT(activites_fields)},
	{"prevention", prevention_fields, SOCLE_COUNT(prevention_fields)},
	{"risques", risques_fields, SOCLE_COUNT(risques_fields)},
};

static const struct drawer *drawer_named(const char *key)
{
	for (size_t i = 0; key && i < SOCLE_COUNT(drawers); i++)
		if (strcmp(drawers[i].key, key) == 0)
			return &drawers[i];
	return NULL;
}

/* The answers of one drawer, field by field; errors named "<drawer>.<field>". */
static int drawer_check(const struct drawer *d, const json_t *answers, json_t **errors)
{
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "%s.", d->key);
	int problems = socle_fields_check(answers, d->fields, d->n, prefix, errors);
	const json_t *risks = json_object_get(answers, "risques");

	if (d->fields != risques_fields || !json_is_array(risks))
		return problems;
	if (json_array_size(risks) > MAX_RISKS) {
		socle_field_error(errors, "risques.risques", "%d risques au plus.", MAX_RISKS);
		return problems + 1;
	}
	size_t i;
	const json_t *r;
	json_array_foreach(risks, i, r) {
		snprintf(prefix, sizeof(prefix), "risques.risques[%zu].", i + 1);
		problems += socle_fields_check(r, risk_fields, SOCLE_COUNT(risk_fields), prefix, errors);
	}
	return problems;
}

/* {organisation: {answers, updated_at, updated_by} | null, ...} of a company. */
static json_t *drawers_load(socle_db *db, int64_t company, socle_err *err)
{
	json_t *rows = socle_db_query_new(db, "SELECT drawer, answers, updated_at, updated_by FROM"
	                                  " riskeval_self_assessment WHERE company_id = :c",
	                                  json_pack("{s:I}", "c", (json_int_t)company), err);
	if (rows == NULL)
		return NULL;
	json_t *out = json_object();
	for (size_t i = 0; i < SOCLE_COUNT(drawers); i++)
		json_object_set_new(out, drawers[i].key, json_null());
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		json_t *a = json_loads(json_string_value(json_object_get(row, "answers")), 0, NULL);

		json_object_set_new(out, json_string_value(json_object_get(row, "drawer")),
		                    json_pack("{s:o, s:O, s:O}", "answers", a ? a : json_object(),
		                              "updated_at", json_object_get(row, "updated_at"),
		                              "updated_by", json_object_get(row, "updated_by")));
	}
	json_decref(rows);
	return out;
}

/* ---- what the answers pre-fill in the fiche ------------------------------------------ */

static void copy(json_t *page, const char *to, const json_t *answers, const char *from)
{
	const json_t *v = json_object_get(answers, from);

	if (v != NULL && !json_is_null(v))
		json_object_set(page, to, (json_t *)v);
}

static void append_text(char *buf, size_t size, const char *text)
{
	size_t used = strlen(buf);

	if (text && *text && used < size)
		snprintf(buf + used, size - used, "%s%s", used ? " " : "", text);
}

json_t *riskeval_drawers_prefill(socle_db *db, int64_t company_id, const json_t *prev,
                                 socle_err *err)
{
	json_t *all = drawers_load(db, company_id, err);

	if (all == NULL)
		return NULL;
	const json_t *org = json_object_get(json_object_get(all, "organisation"), "answers");
	const json_t *act = json_object_get(json_object_get(all, "activites"), "answers");
	const json_t *prv = json_object_get(json_object_get(all, "prevention"), "answers");
	const json_t *rsk = json_object_get(json_object_get(all, "risques"), "answers");
	json_t *ident = json_object(), *env = json_object(), *pers = json_object(),
	       *expo = json_object();
	char text[2400] = "";

	if (org) {
		const char *group = json_string_value(json_object_get(org, "groupe_nom"));

		if (json_is_true(json_object_get(org, "groupe"))) {
			append_text(text, sizeof(text), group ? "Entreprise membre du groupe" :
			                                        "Entreprise membre d'un groupe.");
			if (group)
				append_text(text, sizeof(text), group);
		}
		if (json_is_true(json_object_get(org, "association")))
			append_text(text, sizeof(text), "Association.");
		append_text(text, sizeof(text), json_string_value(json_object_get(org, "observations")));
		if (*text)
			json_object_set_new(env, "organisation", json_string(text));
		copy(pers, "cse", org, "cse");
		copy(pers, "salarie_designe", org, "salarie_designe");
	}
	if (act) {
		text[0] = '\0';
		append_text(text, sizeof(text),
		            json_string_value(json_object_get(act, "activite_principale")));
		if (json_string_value(json_object_get(act, "metiers"))) {
			append_text(text, sizeof(text), "Métiers :");
			append_text(text, sizeof(text), json_string_value(json_object_get(act, "metiers")));
		}
		if (*text)
			json_object_set_new(ident, "activite", json_string(text));
		copy(env, "horaires", act, "horaires");
		copy(env, "travail_isole", act, "travail_isole");
	}
	if (prv) {
		copy(pers, "duerp_existe", prv, "duerp_existe");
		copy(pers, "duerp_date", prv, "duerp_date");
		copy(pers, "secouristes", prv, "secouristes");
		copy(env, "premiers_secours", prv, "premiers_secours");
	}
	const json_t *given = json_object_get(rsk, "risques");
	if (json_array_size(given) > 0) {
		/* The previous fiche's risks stay (with their measures); the
		 * company's own are added when their code is new. */
		const json_t *old = json_object_get(json_object_get(prev, "expositions_actions"),
		                                    "risques");
		json_t *risks = json_is_array(old) ? json_deep_copy(old) : json_array();
		size_t i, j;
		const json_t *r, *o;
		json_array_foreach(given, i, r) {
			bool known = false;
			json_array_foreach(risks, j, o)
				known = known || json_equal(json_object_get(o, "code"),
				                            json_object_get(r, "code"));
			if (!known && json_array_size(risks) < 200)
				json_array_append_new(risks, json_deep_copy(r));
		}
		json_object_set_new(expo, "risques", risks);
	}
	json_t *overlay = json_pack("{s:o, s:o, s:o, s:o}", "identification", ident,
	                            "environnement_travail", env, "personnel_prevention", pers,
	                            "expositions_actions", expo);
	json_decref(all);
	json_t *out = overlay ? riskeval_content_merge(prev, overlay) : NULL;
	json_decref(overlay);
	if (out == NULL)
		socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	return out;
}

/* ---- routes ------------------------------------------------------------------------- */

/* GET /riskeval/companies/{id}/self-assessment: the company's users, the team. */
static int drawers_get(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company;
	(void)ud;

	if (riskeval_company_param(req, &company) != 0)
		return 0;
	socle_db *db = socle_req_reader(req, &err);
	json_t *all = db ? drawers_load(db, company, &err) : NULL;
	if (all == NULL)
		return socle_reply_err(req, &err);
	return socle_reply_json(req, 200, json_pack("{s:I, s:o}", "company_id", (json_int_t)company,
	                                            "drawers", all));
}

struct drawer_write {
	socle_req *req;
	int64_t company;
	const struct drawer *d;
	const json_t *answers;
};

static int drawer_tx(socle_db *wdb, void *ud, socle_err *err)
{
	struct drawer_write *dw = ud;
	int rc;

	if ((rc = riskeval_company_sync(wdb, dw->company, err)))
		return rc;
	char *text = json_dumps(dw->answers, JSON_COMPACT | JSON_SORT_KEYS);
	json_int_t by = (json_int_t)socle_principal_user_id(socle_req_principal(dw->req));

	rc = socle_db_run_new(wdb,
		"INSERT INTO riskeval_self_assessment (company_id, drawer, answers, updated_by,"
		" updated_at) VALUES (:c, :d, :a, :by, :now) ON CONFLICT (company_id, drawer) DO"
		" UPDATE SET answers = excluded.answers, updated_by = excluded.updated_by,"
		" updated_at = excluded.updated_at",
		json_pack("{s:I, s:s, s:s?, s:I, s:I}", "c", (json_int_t)dw->company, "d", dw->d->key,
		          "a", text, "by", by, "now", (json_int_t)socle_now_ms()), err);
	free(text);
	if (rc < 0)
		return rc;
	if ((rc = riskeval_audit(wdb, dw->req, "riskeval.self_assessment.update", "company",
	                         dw->company, json_pack("{s:s}", "drawer", dw->d->key), err)))
		return rc;
	return riskeval_emit(wdb, "self_assessment.answered",
	                     json_pack("{s:I, s:s}", "company_id", (json_int_t)dw->company, "drawer",
	                               dw->d->key), err);
}

/* PUT /riskeval/companies/{id}/self-assessment/{drawer}: the company's employer
 * users answer (the whole drawer: a field left out is no longer answered). */
static int drawer_put(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	struct drawer_write dw = {.req = req};
	(void)ud;

	if (riskeval_company_param(req, &dw.company) != 0)
		return 0;
	if (riskeval_is_staff(req))
		return socle_reply_error(req, 403, "forbidden", "L'auto-évaluation est remplie par "
		                         "l'entreprise elle-même, depuis son espace.");
	if ((dw.d = drawer_named(socle_req_param(req, "drawer"))) == NULL)
		return socle_reply_error(req, 404, "not_found", "Tiroir inconnu : organisation, "
		                         "activites, prevention ou risques.");
	dw.answers = socle_req_body(req);
	if (!json_is_object(dw.answers))
		return socle_reply_error(req, 400, "invalid", "Corps JSON attendu (un objet).");
	if (drawer_check(dw.d, dw.answers, &errors) > 0)
		return socle_reply_invalid(req, errors);
	int unknown = riskeval_thesaurus_require(socle_req_service(req),
	                                         json_object_get(dw.answers, "risques"),
	                                         "risques.risques", &errors, &err);
	if (unknown != 0)
		return unknown > 0 ? socle_reply_invalid(req, errors) : socle_reply_err(req, &err);
	if (socle_service_write(socle_req_service(req), drawer_tx, &dw, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *all = db ? drawers_load(db, dw.company, &err) : NULL;
	if (all == NULL)
		return socle_reply_err(req, &err);
	json_t *one = json_incref(json_object_get(all, dw.d->key));
	json_decref(all);
	return socle_reply_json(req, 200, one);
}

static const struct socle_route drawer_routes[] = {
	{SOCLE_GET, "/riskeval/companies/{id}/self-assessment", SOCLE_CAP_AUTHENTICATED, 0,
	 drawers_get, NULL},
	{SOCLE_PUT, "/riskeval/companies/{id}/self-assessment/{drawer}", SOCLE_CAP_AUTHENTICATED,
	 64 * 1024, drawer_put, NULL},
};

static const struct socle_route_doc drawer_docs[] = {
	{SOCLE_GET, "/riskeval/companies/{id}/self-assessment",
	 "L'auto-évaluation de l'entreprise : ses réponses aux quatre tiroirs (organisation, "
	 "activités, prévention, risques).", NULL, 0, NULL, 0,
	 "drawers : pour chaque tiroir, answers et updated_at, ou null."},
	{SOCLE_PUT, "/riskeval/companies/{id}/self-assessment/{drawer}",
	 "L'entreprise répond à un tiroir (organisation, activites, prevention ou risques) ; les "
	 "réponses pré-remplissent le prochain brouillon de fiche d'entreprise.", NULL, 0, NULL, 0,
	 "Le tiroir enregistré (answers, updated_at)."},
};

int riskeval_drawers_init(socle_plugin *p, socle_err *err)
{
	int rc = socle_plugin_add_routes(p, drawer_routes, SOCLE_COUNT(drawer_routes), err);

	return rc ? rc : socle_plugin_describe_routes(p, drawer_docs, SOCLE_COUNT(drawer_docs), err);
}
