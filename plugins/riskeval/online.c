/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The DUERP the company fills in online (issue 14 item 3, seed 3.2.2): the
 * help the service gives an employer to write its document unique
 * d'évaluation des risques professionnels (L4121-3, R4121-1).
 *
 *  - It starts from a model of its NAF division (catalogue.c), pre-filled
 *    (work units and typical risks) or blank (the units only), or from an
 *    empty page ("vierge").
 *  - The company describes its work units, their risks (thesaurus codes),
 *    rates each one (gravité, probabilité: the rule point risk_rating says
 *    the score and the priority), and writes the measures in place and
 *    planned.
 *  - Its plan of actions is a PAPRIPACT (measures, indicators, cost,
 *    calendar) from 50 employees, a list of actions below (L4121-3-1 III);
 *    which headcount decides is the rule point company_headcount, through
 *    duerp_update_due's "outputs".
 *  - It downloads it (the core's document service: an HTML page that prints
 *    and a PDF), and may save it as a version of its DUERP: the PDF then goes
 *    into the vault as an upload would (kept 40 years, never changed,
 *    duerp.version_added).
 * The company's employer users write; the service's staff read. */
#include "riskeval.h"

#include <socle/document.h>

#define MAX_RISKS_TOTAL 500

static const char *const action_states[] = {"a_faire", "en_cours", "faite", NULL};

static const struct socle_field risk_fields[] = {
	{"code", SOCLE_F_STRING, true, 1, 64, NULL, riskeval_risk_code_check},
	{"situation", SOCLE_F_STRING, false, 0, 2000, NULL, NULL},
	{"gravite", SOCLE_F_INT, false, 1, 4, NULL, NULL},
	{"probabilite", SOCLE_F_INT, false, 1, 4, NULL, NULL},
	{"mesures_existantes", SOCLE_F_STRING, false, 0, 4000, NULL, NULL},
	{"mesures_prevues", SOCLE_F_STRING, false, 0, 4000, NULL, NULL},
};

static const struct socle_field unit_fields[] = {
	{"nom", SOCLE_F_STRING, true, 1, 200, NULL, NULL},
	{"description", SOCLE_F_STRING, false, 0, 2000, NULL, NULL},
	{"effectif", SOCLE_F_INT, false, 0, 1000000, NULL, NULL},
	{"risques", SOCLE_F_ARRAY, false, 0, 100, NULL, NULL},
};

static const struct socle_field action_fields[] = {
	{"mesure", SOCLE_F_STRING, true, 1, 2000, NULL, NULL},
	{"risque", SOCLE_F_STRING, false, 1, 64, NULL, riskeval_risk_code_check},
	{"unite", SOCLE_F_STRING, false, 0, 200, NULL, NULL},
	{"responsable", SOCLE_F_STRING, false, 0, 200, NULL, NULL},
	{"echeance", SOCLE_F_DATE, false, 0, 0, NULL, NULL},
	{"cout", SOCLE_F_NUMBER, false, 0, 1000000000, NULL, NULL},
	{"indicateur", SOCLE_F_STRING, false, 0, 1000, NULL, NULL},
	{"ressources", SOCLE_F_STRING, false, 0, 1000, NULL, NULL},
	{"etat", SOCLE_F_ENUM, false, 0, 0, action_states, NULL},
};

static const struct socle_field content_fields[] = {
	{"unites", SOCLE_F_ARRAY, false, 0, 50, NULL, NULL},
	{"actions", SOCLE_F_ARRAY, false, 0, 300, NULL, NULL},
	{"observations", SOCLE_F_STRING, false, 0, 8000, NULL, NULL},
};

/* Check @p c (the whole content) field by field, codes against the
 * thesaurus of @p cat: the number of problems, errors appended. */
static int content_check(const json_t *c, const json_t *cat, json_t **errors)
{
	int n;
	size_t i, j, total = 0;
	const json_t *u, *r, *a;
	char prefix[96], field[128];

	if (!json_is_object(c)) {
		socle_field_error(errors, "content", "Un objet JSON est attendu (unites, actions, "
		                  "observations).");
		return 1;
	}
	if ((n = socle_fields_check(c, content_fields, SOCLE_COUNT(content_fields), "content.",
	                            errors)) > 0)
		return n;
	json_array_foreach(json_object_get(c, "unites"), i, u) {
		snprintf(prefix, sizeof(prefix), "content.unites[%zu].", i + 1);
		if (!json_is_object(u)) {
			snprintf(field, sizeof(field), "content.unites[%zu]", i + 1);
			socle_field_error(errors, field, "Une unité de travail est un objet {nom, risques}.");
			n++;
			continue;
		}
		n += socle_fields_check(u, unit_fields, SOCLE_COUNT(unit_fields), prefix, errors);
		json_array_foreach(json_object_get(u, "risques"), j, r) {
			snprintf(prefix, sizeof(prefix), "content.unites[%zu].risques[%zu].", i + 1, j + 1);
			if (!json_is_object(r)) {
				snprintf(field, sizeof(field), "content.unites[%zu].risques[%zu]", i + 1, j + 1);
				socle_field_error(errors, field, "Un risque est un objet {code, gravite, "
				                  "probabilite…}.");
				n++;
				continue;
			}
			int k = socle_fields_check(r, risk_fields, SOCLE_COUNT(risk_fields), prefix, errors);
			const char *code = json_string_value(json_object_get(r, "code"));
			if (k == 0 && riskeval_thesaurus_find(cat, code) == NULL) {
				snprintf(field, sizeof(field), "%scode", prefix);
				socle_field_error(errors, field, "Code « %s » absent du thésaurus du service.",
				                  code);
				k++;
			}
			n += k;
			total++;
		}
	}
	if (total > MAX_RISKS_TOTAL) {
		socle_field_error(errors, "content.unites", "%d risques au plus en tout.",
		                  MAX_RISKS_TOTAL);
		n++;
	}
	json_array_foreach(json_object_get(c, "actions"), i, a) {
		snprintf(prefix, sizeof(prefix), "content.actions[%zu].", i + 1);
		if (!json_is_object(a)) {
			snprintf(field, sizeof(field), "content.actions[%zu]", i + 1);
			socle_field_error(errors, field, "Une action est un objet {mesure, échéance…}.");
			n++;
			continue;
		}
		int k = socle_fields_check(a, action_fields, SOCLE_COUNT(action_fields), prefix, errors);
		const char *code = json_string_value(json_object_get(a, "risque"));
		if (k == 0 && code != NULL && riskeval_thesaurus_find(cat, code) == NULL) {
			snprintf(field, sizeof(field), "%srisque", prefix);
			socle_field_error(errors, field, "Code « %s » absent du thésaurus du service.", code);
			k++;
		}
		n += k;
	}
	return n;
}

/* What a version asks beyond a valid draft: units, every risk rated, actions;
 * from the PAPRIPACT threshold each action with its indicator, cost and
 * date (L4121-3-1 III a). */
static int completeness_check(const json_t *c, bool papripact, json_t **errors)
{
	int n = 0;
	size_t i, j, risks = 0;
	const json_t *u, *r, *a;
	char field[96];

	json_array_foreach(json_object_get(c, "unites"), i, u)
		json_array_foreach(json_object_get(u, "risques"), j, r) {
			risks++;
			if (json_object_get(r, "gravite") == NULL ||
			    json_object_get(r, "probabilite") == NULL) {
				snprintf(field, sizeof(field), "content.unites[%zu].risques[%zu].%s", i + 1,
				         j + 1, json_object_get(r, "gravite") ? "probabilite" : "gravite");
				socle_field_error(errors, field, "Unité %zu, risque %zu : à coter (gravité et "
				                  "probabilité) avant d'enregistrer une version.", i + 1, j + 1);
				n++;
			}
		}
	if (risks == 0) {
		socle_field_error(errors, "content.unites", "Au moins une unité de travail et un risque "
		                  "évalué (L4121-3).");
		n++;
	}
	if (json_array_size(json_object_get(c, "actions")) == 0) {
		socle_field_error(errors, "content.actions", papripact
		                  ? "Le programme annuel de prévention (PAPRIPACT) liste au moins une "
		                    "mesure (L4121-3-1 III)."
		                  : "La liste des actions de prévention compte au moins une action "
		                    "(L4121-3-1 III).");
		n++;
	}
	if (!papripact)
		return n;
	static const char *const needed[][2] = {
		{"echeance", "son échéance (le calendrier)"},
		{"cout", "l'estimation de son coût"},
		{"indicateur", "un indicateur de résultat"},
	};
	json_array_foreach(json_object_get(c, "actions"), i, a)
		for (size_t k = 0; k < SOCLE_COUNT(needed); k++) {
			const json_t *v = json_object_get(a, needed[k][0]);

			if (v == NULL || (json_is_string(v) && json_string_length(v) == 0)) {
				snprintf(field, sizeof(field), "content.actions[%zu].%s", i + 1, needed[k][0]);
				socle_field_error(errors, field, "Dans un PAPRIPACT (50 salariés et plus), "
				                  "chaque mesure a %s (L4121-3-1 III).", needed[k][1]);
				n++;
			}
		}
	return n;
}

#define ONLINE_COLUMNS                                                                      \
	"company_id, model, prefilled, content, created_by, created_at, updated_by,"         \
	" updated_at, last_saved_duerp_id"

static json_t *online_load(socle_db *db, int64_t company, socle_err *err)
{
	json_t *row = socle_db_query_one_new(db, "SELECT " ONLINE_COLUMNS " FROM"
	                                     " riskeval_duerp_online WHERE company_id = :c",
	                                     json_pack("{s:I}", "c", (json_int_t)company), err);
	if (row == NULL)
		return NULL;
	json_t *content = json_loads(json_string_value(json_object_get(row, "content")), 0, NULL);
	json_object_set_new(row, "content", content ? content : json_object());
	json_object_set_new(row, "prefilled",
	                    json_boolean(json_integer_value(json_object_get(row, "prefilled"))));
	return row;
}

/* The view: each risk with its label, family and rating; the plan's kind
 * (PAPRIPACT or list of actions) with the headcount that decides it. */
static json_t *online_view(socle_service *svc, socle_db *db, json_t *row, const json_t *cat,
                           socle_err *err)
{
	char today[SOCLE_DATE_SIZE];
	size_t i, j;
	json_t *u, *r;

	socle_date_today(today);
	json_array_foreach(json_object_get(json_object_get(row, "content"), "unites"), i, u)
		json_array_foreach(json_object_get(u, "risques"), j, r) {
			const json_t *e = riskeval_thesaurus_find(cat, json_string_value(json_object_get(r,
			                                          "code")));
			json_object_set(r, "libelle", json_object_get(e, "libelle"));
			json_object_set(r, "famille", json_object_get(e, "famille"));
			if (json_object_get(r, "gravite") == NULL ||
			    json_object_get(r, "probabilite") == NULL) {
				json_object_set_new(r, "rating", json_null());
				continue;
			}
			json_t *arg = json_pack("{s:O, s:O?, s:O, s:O}", "code", json_object_get(r, "code"),
			                        "famille", json_object_get(e, "famille"), "gravite",
			                        json_object_get(r, "gravite"), "probabilite",
			                        json_object_get(r, "probabilite"));
			json_t *rating = riskeval_risk_rating(svc, arg, err);
			json_decref(arg);
			if (rating == NULL) {
				json_decref(row);
				return NULL;
			}
			json_object_set_new(r, "rating", rating);
		}
	int64_t company = json_integer_value(json_object_get(row, "company_id"));
	json_t *update = riskeval_duerp_update(svc, db, company, NULL, today, err);
	if (update == NULL) {
		json_decref(row);
		return NULL;
	}
	const char *outputs = json_string_value(json_object_get(update, "outputs"));
	bool papripact = outputs && strcmp(outputs, "papripact") == 0;
	json_t *missing = NULL;
	completeness_check(json_object_get(row, "content"), papripact, &missing);
	json_object_set_new(row, "plan", json_pack(
		"{s:s, s:s, s:O, s:O, s:O, s:O}", "kind", papripact ? "papripact" : "liste_actions",
		"label", papripact ? "Programme annuel de prévention des risques professionnels et "
		                     "d'amélioration des conditions de travail (PAPRIPACT)"
		                   : "Liste des actions de prévention et de protection",
		"headcount", json_object_get(update, "headcount"), "headcount_explanation",
		json_object_get(update, "headcount_explanation"), "basis",
		json_object_get(update, "basis"), "explanation", json_object_get(update, "explanation")));
	json_object_set_new(row, "ready", json_boolean(missing == NULL));
	json_object_set_new(row, "missing", missing ? missing : json_array());
	json_decref(update);
	return row;
}

/* The company's online DUERP as the API shows it, or NULL (SOCLE_E_NOTFOUND
 * when it has none). */
static json_t *online_read(socle_req *req, int64_t company, socle_err *err)
{
	socle_db *db = socle_req_reader(req, err);
	json_t *row = db ? online_load(db, company, err) : NULL;

	if (row == NULL)
		return NULL;
	json_t *cat = riskeval_catalogue(socle_req_service(req), err);
	if (cat == NULL) {
		json_decref(row);
		return NULL;
	}
	row = online_view(socle_req_service(req), db, row, cat, err);
	json_decref(cat);
	return row;
}

static int reply_read(socle_req *req, int64_t company, int status)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *row = online_read(req, company, &err);

	if (row == NULL)
		return err.code == SOCLE_E_NOTFOUND
			? socle_reply_error(req, 404, "not_found", "L'entreprise n'a pas encore commencé "
			                    "son DUERP en ligne.")
			: socle_reply_err(req, &err);
	return socle_reply_json(req, status, row);
}

/* The company's own users write their DUERP: the team advises, reads, and
 * does not write it for them. */
static int employer_param(socle_req *req, int64_t *company)
{
	if (riskeval_company_param(req, company) != 0)
		return -1;
	if (riskeval_is_staff(req))
		return socle_reply_error(req, 403, "forbidden", "Le DUERP est écrit par l'entreprise "
		                         "elle-même ; l'équipe du service le lit et conseille."), -1;
	return 0;
}

/* ---- POST /riskeval/companies/{id}/duerp/online: start from a model ------------------ */

struct online_write {
	socle_req *req;
	int64_t company;
	const char *model;
	bool prefilled;
	json_t *content; /* borrowed */
	const char *action;
	bool created;
};

static int online_tx(socle_db *wdb, void *ud, socle_err *err)
{
	struct online_write *w = ud;
	char *text = json_dumps(w->content, JSON_COMPACT | JSON_SORT_KEYS);
	json_int_t by = (json_int_t)socle_principal_user_id(socle_req_principal(w->req));
	json_int_t now = (json_int_t)socle_now_ms();
	int rc = riskeval_company_sync(wdb, w->company, err);

	if (rc == 0 && w->created)
		rc = socle_db_run_new(wdb, "INSERT INTO riskeval_duerp_online (company_id, model,"
		                      " prefilled, content, created_by, created_at, updated_by,"
		                      " updated_at) VALUES (:c, :m, :p, :t, :by, :now, :by, :now)"
		                      " ON CONFLICT (company_id) DO NOTHING",
		                      json_pack("{s:I, s:s, s:i, s:s?, s:I, s:I}", "c",
		                                (json_int_t)w->company, "m", w->model, "p", w->prefilled,
		                                "t", text, "by", by, "now", now), err);
	else if (rc == 0)
		rc = socle_db_run_new(wdb, "UPDATE riskeval_duerp_online SET content = :t,"
		                      " updated_by = :by, updated_at = :now WHERE company_id = :c",
		                      json_pack("{s:s?, s:I, s:I, s:I}", "t", text, "by", by, "now", now,
		                                "c", (json_int_t)w->company), err);
	free(text);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return socle_err_set(err, w->created ? SOCLE_E_CONFLICT : SOCLE_E_NOTFOUND,
		                     w->created ? "Le DUERP en ligne de l'entreprise est déjà commencé : "
		                                  "modifiez-le."
		                                : "L'entreprise n'a pas encore commencé son DUERP en "
		                                  "ligne.");
	return riskeval_audit(wdb, w->req, w->action, "company", w->company,
	                      json_pack("{s:s?}", "model", w->model), err);
}

static const struct socle_field start_fields[] = {
	{"model", SOCLE_F_STRING, true, 1, 16, NULL, NULL},
	{"prefilled", SOCLE_F_BOOL, false, 0, 0, NULL, NULL},
};

/* The model as a first content: its units, with their risks when pre-filled. */
static json_t *content_from_model(const json_t *m, bool prefilled)
{
	json_t *units = json_array();
	size_t i, j;
	const json_t *u, *r;

	json_array_foreach(json_object_get(m, "unites"), i, u) {
		json_t *risks = json_array();

		if (prefilled)
			json_array_foreach(json_object_get(u, "risques"), j, r)
				json_array_append_new(risks, json_pack("{s:O, s:O?, s:O?}", "code",
				                                       json_object_get(r, "code"), "situation",
				                                       json_object_get(r, "situation"),
				                                       "mesures_existantes",
				                                       json_object_get(r, "mesures_existantes")));
		json_array_append_new(units, json_pack("{s:O, s:O?, s:o}", "nom",
		                                       json_object_get(u, "nom"), "description",
		                                       json_object_get(u, "description"), "risques",
		                                       risks));
	}
	return json_pack("{s:o, s:[]}", "unites", units, "actions");
}

static int online_start(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	const json_t *b = socle_req_body(req);
	json_t *errors = NULL;
	struct online_write w = {.req = req, .action = "riskeval.duerp_online.start",
	                         .created = true};
	(void)ud;

	if (employer_param(req, &w.company) != 0)
		return 0;
	if (socle_fields_check(b, start_fields, SOCLE_COUNT(start_fields), NULL, &errors) > 0)
		return socle_reply_invalid(req, errors);
	json_t *cat = riskeval_catalogue(socle_req_service(req), &err);
	if (cat == NULL)
		return socle_reply_err(req, &err);
	w.model = json_string_value(json_object_get(b, "model"));
	w.prefilled = !json_is_false(json_object_get(b, "prefilled"));
	const json_t *m = strcmp(w.model, "vierge") == 0 ? NULL : riskeval_model_find(cat, w.model);
	if (m == NULL && strcmp(w.model, "vierge") != 0) {
		json_decref(cat);
		socle_field_error(&errors, "model", "Modèle inconnu : « vierge » ou la division de la "
		                  "NAF d'un modèle du service (GET /riskeval/duerp/models).");
		return socle_reply_invalid(req, errors);
	}
	w.content = m ? content_from_model(m, w.prefilled) : json_pack("{s:[], s:[]}", "unites",
	                                                                "actions");
	json_decref(cat);
	if (w.content == NULL)
		return SOCLE_E_NOMEM;
	w.prefilled = m != NULL && w.prefilled;
	int rc = socle_service_write(socle_req_service(req), online_tx, &w, &err);
	json_decref(w.content);
	if (rc == SOCLE_E_CONFLICT)
		return socle_reply_error(req, 409, "conflict", err.msg);
	if (rc != 0)
		return socle_reply_err(req, &err);
	return reply_read(req, w.company, 201);
}

/* ---- GET, PUT /riskeval/companies/{id}/duerp/online ----------------------------------- */

static int online_get(socle_req *req, void *ud)
{
	int64_t company;
	(void)ud;

	if (riskeval_company_param(req, &company) != 0)
		return 0;
	return reply_read(req, company, 200);
}

static const struct socle_field put_fields[] = {
	{"content", SOCLE_F_OBJECT, true, 0, 0, NULL, NULL},
};

static int online_put(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	const json_t *b = socle_req_body(req);
	json_t *errors = NULL;
	struct online_write w = {.req = req, .action = "riskeval.duerp_online.update"};
	(void)ud;

	if (employer_param(req, &w.company) != 0)
		return 0;
	if (socle_fields_check(b, put_fields, SOCLE_COUNT(put_fields), NULL, &errors) > 0)
		return socle_reply_invalid(req, errors);
	json_t *cat = riskeval_catalogue(socle_req_service(req), &err);
	if (cat == NULL)
		return socle_reply_err(req, &err);
	/* What GET adds to each risk (its label, family, rating) may come back:
	 * it is the server's to compute, so it is dropped, not refused. */
	w.content = json_deep_copy(json_object_get(b, "content"));
	size_t i, j;
	json_t *u, *r;
	json_array_foreach(json_object_get(w.content, "unites"), i, u)
		json_array_foreach(json_object_get(u, "risques"), j, r) {
			json_object_del(r, "libelle");
			json_object_del(r, "famille");
			json_object_del(r, "rating");
		}
	int bad = content_check(w.content, cat, &errors);
	json_decref(cat);
	if (bad > 0)
		json_decref(w.content);
	if (bad > 0)
		return socle_reply_invalid(req, errors);
	int rc = socle_service_write(socle_req_service(req), online_tx, &w, &err);
	json_decref(w.content);
	if (rc == SOCLE_E_NOTFOUND)
		return socle_reply_error(req, 404, "not_found", err.msg);
	if (rc != 0)
		return socle_reply_err(req, &err);
	return reply_read(req, w.company, 200);
}

/* ---- the document: HTML, PDF ---------------------------------------------------------- */

static const char *sget(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static const char *level_fr(const char *level)
{
	return !level ? "" : strcmp(level, "eleve") == 0 ? "élevé" : level;
}

/* The document's description (socle/document.h), the same for every reader
 * of the company (@p view: online_view's answer). */
static json_t *online_description(const json_t *view, const json_t *company, const char *on)
{
	const json_t *c = json_object_get(view, "content"), *plan = json_object_get(view, "plan");
	char on_fr[SOCLE_DATE_FR_SIZE], subtitle[400], buf[64], score[96];
	json_t *sections = json_array();
	size_t i, j;
	const json_t *u, *r, *a;

	socle_date_fr(on, on_fr);
	snprintf(subtitle, sizeof(subtitle), "%s — version du %s", sget(company, "legal_name"),
	         on_fr);
	snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(json_object_get(plan,
	                                                                  "headcount")));
	json_array_append_new(sections, json_pack(
		"{s:[{s:[[s,s],[s,s],[s,s],[s,s]]}, {s:s}]}", "blocks", "fields", "Entreprise",
		sget(company, "legal_name"), "SIRET", sget(company, "siret"), "Code NAF",
		sget(company, "naf_code"), "Effectif retenu", buf, "paragraph",
		sget(plan, "headcount_explanation")));
	json_array_foreach(json_object_get(c, "unites"), i, u) {
		json_t *rows = json_array(), *blocks = json_array();
		char heading[260];

		snprintf(heading, sizeof(heading), "Unité de travail : %s", sget(u, "nom"));
		if (*sget(u, "description"))
			json_array_append_new(blocks, json_pack("{s:s}", "paragraph", sget(u, "description")));
		json_array_foreach(json_object_get(u, "risques"), j, r) {
			const json_t *rt = json_object_get(r, "rating");
			if (json_is_object(rt))
				snprintf(score, sizeof(score), "%lld : %s (priorité %lld)",
				         (long long)json_integer_value(json_object_get(rt, "score")),
				         level_fr(sget(rt, "level")),
				         (long long)json_integer_value(json_object_get(rt, "priority")));
			else
				snprintf(score, sizeof(score), "à coter");
			json_array_append_new(rows, json_pack("[s, s, s, s, s]", *sget(r, "libelle")
			                                      ? sget(r, "libelle") : sget(r, "code"),
			                                      sget(r, "situation"), score,
			                                      sget(r, "mesures_existantes"),
			                                      sget(r, "mesures_prevues")));
		}
		if (json_array_size(rows) > 0)
			json_array_append_new(blocks, json_pack(
				"{s:{s:[s,s,s,s,s], s:o, s:[i,i,i,i,i]}}", "table", "header", "Risque",
				"Situation d'exposition", "Cotation", "Mesures existantes", "Mesures prévues",
				"rows", rows, "widths", 2, 3, 2, 3, 3));
		else {
			json_decref(rows);
			json_array_append_new(blocks, json_pack("{s:s}", "paragraph", "Aucun risque "
			                                        "identifié pour cette unité."));
		}
		json_array_append_new(sections, json_pack("{s:s, s:o}", "heading", heading, "blocks",
		                                          blocks));
	}
	bool papripact = strcmp(sget(plan, "kind"), "papripact") == 0;
	json_t *rows = json_array(), *blocks = json_array();
	json_array_foreach(json_object_get(c, "actions"), i, a) {
		char cost[64] = "", due[SOCLE_DATE_FR_SIZE] = "";

		if (json_is_number(json_object_get(a, "cout")))
			snprintf(cost, sizeof(cost), "%.2f €", json_number_value(json_object_get(a, "cout")));
		if (*sget(a, "echeance"))
			socle_date_fr(sget(a, "echeance"), due);
		json_array_append_new(rows, json_pack("[s, s, s, s, s, s]", sget(a, "mesure"),
		                                      *sget(a, "unite") ? sget(a, "unite")
		                                                        : sget(a, "risque"),
		                                      sget(a, "responsable"), due, cost,
		                                      sget(a, "indicateur")));
	}
	json_array_append_new(blocks, json_pack("{s:s}", "paragraph", sget(plan, "explanation")));
	if (json_array_size(rows) > 0)
		json_array_append_new(blocks, json_pack(
			"{s:{s:[s,s,s,s,s,s], s:o, s:[i,i,i,i,i,i]}}", "table", "header", "Mesure",
			"Unité ou risque", "Responsable", "Échéance", "Coût estimé", "Indicateur", "rows",
			rows, "widths", 4, 2, 2, 2, 2, 3));
	else
		json_decref(rows);
	json_array_append_new(sections, json_pack("{s:s, s:o}", "heading", papripact
		? "Programme annuel de prévention (PAPRIPACT)" : "Liste des actions de prévention",
		"blocks", blocks));
	if (*sget(c, "observations"))
		json_array_append_new(sections, json_pack("{s:s, s:[{s:s}]}", "heading",
		                                          "Observations", "blocks", "paragraph",
		                                          sget(c, "observations")));
	json_array_append_new(sections, json_pack(
		"{s:s, s:[{s:s}]}", "heading", "Méthode", "blocks", "paragraph",
		"Chaque risque est coté par sa gravité et sa probabilité (de 1 à 4 chacune) selon la "
		"règle du service ; la cotation fixe la priorité des actions. Chaque version du "
		"document unique est conservée 40 ans (R4121-4) et transmise au service de prévention "
		"et de santé au travail (L4121-3-1 VI)."));
	return json_pack("{s:s, s:s, s:o, s:{s:s}}", "title",
	                 "Document unique d'évaluation des risques professionnels", "subtitle",
	                 subtitle, "sections", sections, "signature", "date", on);
}

/* The description of the company's online DUERP on @p on, or NULL once a
 * reply was sent. */
static json_t *online_document(socle_req *req, int64_t company, const char *on)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *view = online_read(req, company, &err);

	if (view == NULL) {
		if (err.code == SOCLE_E_NOTFOUND)
			socle_reply_error(req, 404, "not_found", "L'entreprise n'a pas encore commencé "
			                  "son DUERP en ligne.");
		else
			socle_reply_err(req, &err);
		return NULL;
	}
	socle_db *db = socle_req_reader(req, &err);
	json_t *c = db ? riskeval_membership->company_get(db, company, &err) : NULL;
	if (c == NULL) {
		json_decref(view);
		socle_reply_err(req, &err);
		return NULL;
	}
	json_t *d = online_description(view, c, on);
	json_decref(view);
	json_decref(c);
	if (d == NULL)
		socle_reply_error(req, 500, "internal", "Document impossible à composer.");
	return d;
}

static int document_html(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company;
	char today[SOCLE_DATE_SIZE];
	(void)ud;

	if (riskeval_company_param(req, &company) != 0)
		return 0;
	socle_date_today(today);
	json_t *d = online_document(req, company, today);
	if (d == NULL)
		return 0;
	char *page = socle_document_html(socle_req_service(req), d, &err);
	json_decref(d);
	if (page == NULL)
		return socle_reply_err(req, &err);
	int rc = socle_reply_bytes(req, 200, "text/html; charset=utf-8", page, strlen(page));
	free(page);
	return rc;
}

static int document_pdf(socle_req *req, void *ud)
{
	int64_t company;
	char today[SOCLE_DATE_SIZE], subject[48], file[64];
	(void)ud;

	if (riskeval_company_param(req, &company) != 0)
		return 0;
	socle_date_today(today);
	json_t *d = online_document(req, company, today);
	if (d == NULL)
		return 0;
	snprintf(subject, sizeof(subject), "company:%" PRId64, company);
	snprintf(file, sizeof(file), "duerp-%s.pdf", today);
	int rc = socle_reply_document_pdf(req, "riskeval.duerp_online", subject, d, file);
	json_decref(d);
	return rc;
}

/* ---- POST /riskeval/companies/{id}/duerp/online/versions: into the vault ----------------- */

static const struct socle_field save_fields[] = {
	{"note", SOCLE_F_STRING, false, 0, 2000, NULL, NULL},
};

static int online_save(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company;
	json_t *errors = NULL;
	char today[SOCLE_DATE_SIZE];
	const json_t *b = socle_req_body(req);
	(void)ud;

	if (employer_param(req, &company) != 0)
		return 0;
	if (b && socle_fields_check(b, save_fields, SOCLE_COUNT(save_fields), NULL, &errors) > 0)
		return socle_reply_invalid(req, errors);
	json_t *view = online_read(req, company, &err);
	if (view == NULL)
		return err.code == SOCLE_E_NOTFOUND
			? socle_reply_error(req, 409, "conflict", "Commencez d'abord le DUERP en ligne.")
			: socle_reply_err(req, &err);
	bool papripact = strcmp(sget(json_object_get(view, "plan"), "kind"), "papripact") == 0;
	if (completeness_check(json_object_get(view, "content"), papripact, &errors) > 0) {
		json_decref(view);
		return socle_reply_invalid(req, errors);
	}
	/* The codes it names go with the version, for the gap analysis. */
	json_t *risks = json_array();
	size_t i, j;
	const json_t *u, *r;
	json_array_foreach(json_object_get(json_object_get(view, "content"), "unites"), i, u)
		json_array_foreach(json_object_get(u, "risques"), j, r) {
			bool seen = false;
			size_t k;
			const json_t *x;
			json_array_foreach(risks, k, x)
				seen = seen || json_equal(x, json_object_get(r, "code"));
			if (!seen)
				json_array_append(risks, json_object_get(r, "code"));
		}
	json_decref(view);
	socle_date_today(today);
	json_t *d = online_document(req, company, today);
	if (d == NULL) {
		json_decref(risks);
		return 0;
	}
	/* Issued (numbered, verifiable), then kept in the vault as its PDF. */
	char subject[48];
	struct socle_document_issued doc = {0};
	snprintf(subject, sizeof(subject), "company:%" PRId64, company);
	int rc = socle_document_issue(socle_req_service(req), "riskeval.duerp_online", subject, d,
	                              &doc, &err);
	json_decref(d);
	if (rc != 0) {
		json_decref(risks);
		return socle_reply_err(req, &err);
	}
	char filename[64];
	snprintf(filename, sizeof(filename), "DUERP-%s.pdf", today);
	json_t *fields = json_pack("{s:s, s:s, s:s, s:o, s:O?}", "version_on", today, "format",
	                           "pdf", "filename", filename, "risks", risks, "note",
	                           b ? json_object_get(b, "note") : NULL);
	int64_t id = 0;
	rc = riskeval_duerp_store(req, company, fields, doc.pdf, doc.pdf_len, &id, &err);
	json_decref(fields);
	char number[24];
	snprintf(number, sizeof(number), "%s", doc.number);
	socle_document_issued_free(&doc);
	if (rc != 0)
		return socle_reply_err(req, &err);
	return socle_reply_json(req, 201, json_pack("{s:I, s:I, s:s, s:s}", "company_id",
	                                            (json_int_t)company, "duerp_id", (json_int_t)id,
	                                            "version_on", today, "document_number",
	                                            number));
}

static const struct socle_route online_routes[] = {
	{SOCLE_POST, "/riskeval/companies/{id}/duerp/online", SOCLE_CAP_AUTHENTICATED, 0,
	 online_start, NULL},
	{SOCLE_GET, "/riskeval/companies/{id}/duerp/online", SOCLE_CAP_AUTHENTICATED, 0,
	 online_get, NULL},
	{SOCLE_PUT, "/riskeval/companies/{id}/duerp/online", SOCLE_CAP_AUTHENTICATED, 512 * 1024,
	 online_put, NULL},
	{SOCLE_GET, "/riskeval/companies/{id}/duerp/online/document", SOCLE_CAP_AUTHENTICATED, 0,
	 document_html, NULL},
	{SOCLE_GET, "/riskeval/companies/{id}/duerp/online/document.pdf", SOCLE_CAP_AUTHENTICATED,
	 0, document_pdf, NULL},
	{SOCLE_POST, "/riskeval/companies/{id}/duerp/online/versions", SOCLE_CAP_AUTHENTICATED, 0,
	 online_save, NULL},
};

static const struct socle_route_doc online_docs[] = {
	{SOCLE_POST, "/riskeval/companies/{id}/duerp/online", "L'entreprise commence son DUERP en "
	 "ligne depuis un modèle de sa branche (pré-rempli ou vierge).", start_fields,
	 SOCLE_COUNT(start_fields), NULL, 0, "201 : le DUERP en ligne."},
	{SOCLE_GET, "/riskeval/companies/{id}/duerp/online", "Le DUERP en ligne : unités, risques "
	 "cotés (risk_rating), actions, nature du plan (PAPRIPACT ou liste d'actions).", NULL, 0,
	 NULL, 0, "content, plan, ready, missing."},
	{SOCLE_PUT, "/riskeval/companies/{id}/duerp/online", "L'entreprise enregistre son DUERP en "
	 "ligne (le contenu entier).", put_fields, SOCLE_COUNT(put_fields), NULL, 0,
	 "Le DUERP en ligne."},
	{SOCLE_GET, "/riskeval/companies/{id}/duerp/online/document", "Le DUERP en ligne en page "
	 "HTML imprimable.", NULL, 0, NULL, 0, "text/html"},
	{SOCLE_GET, "/riskeval/companies/{id}/duerp/online/document.pdf", "Le DUERP en ligne en "
	 "PDF émis par le service.", NULL, 0, NULL, 0, "application/pdf"},
	{SOCLE_POST, "/riskeval/companies/{id}/duerp/online/versions", "Le DUERP en ligne "
	 "enregistré comme version : son PDF entre au coffre (40 ans, jamais modifié).",
	 save_fields, SOCLE_COUNT(save_fields), NULL, 0, "201 : duerp_id, document_number."},
};

int riskeval_online_init(socle_plugin *p, socle_err *err)
{
	int rc = socle_plugin_add_routes(p, online_routes, SOCLE_COUNT(online_routes), err);

	return rc ? rc : socle_plugin_describe_routes(p, online_docs, SOCLE_COUNT(online_docs), err);
}
