/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Primary prevention actions (issue 14 item 5, seed 3.2.3): at least every
 * five years the service proposes one to each member company, in one of two
 * parcours decided by the rule point prevention_action
 * (scripts/riskeval_prevention.lua):
 *   1. a DUERP is in the vault: the gap analysis between it (the risk codes
 *      the company declared with its latest version) and the latest
 *      validated fiche d'entreprise lists the fiche's risks it does not name;
 *   2. no DUERP: individual or collective support, by the company's risks.
 * The team records the proposal (with the rule's answer, kept as it was),
 * the employer accepts or refuses it, and the next due date (the rule's
 * next_due_on, five years by default) is kept with it. */
#include "riskeval.h"

static const char *const decisions[] = {"acceptee", "refusee", NULL};

/* prevention_action's arguments for @p company: the latest validated fiche
 * (only a transmitted one when @p transmitted_only: what the employer may
 * see), the latest DUERP version, the headcount; then the rule's answer. A
 * new object {answer, fiche_id, duerp_id}, NULL with @p err set. */
static json_t *analyse(socle_service *svc, socle_db *db, int64_t company, bool transmitted_only,
                       const char *on_date, socle_err *err)
{
	json_t *c = riskeval_company_headcount(svc, db, company, on_date, err);

	if (c == NULL)
		return NULL;
	json_int_t headcount = json_integer_value(json_object_get(c, "headcount"));

	json_decref(c);
	/* The last version of each site's fiche (a company with several
	 * establishments has one per establishment), the most recent first: the
	 * DUERP covers the whole company, so the gap analysis weighs the risks
	 * of every establishment. */
	json_t *fiches = socle_db_query_new(db,
		"SELECT id, version, validated_on, content FROM riskeval_fiche f WHERE company_id = :c"
		" AND status = 'validated' AND (:all = 1 OR transmitted_on IS NOT NULL)"
		" AND version = (SELECT MAX(g.version) FROM riskeval_fiche g WHERE"
		"  g.company_id = f.company_id AND g.establishment_id = f.establishment_id"
		"  AND g.status = 'validated' AND (:all = 1 OR g.transmitted_on IS NOT NULL))"
		" ORDER BY validated_on DESC, id DESC",
		json_pack("{s:I, s:i}", "c", (json_int_t)company, "all", !transmitted_only), err);
	if (fiches == NULL)
		return NULL;
	json_t *fiche = json_array_size(fiches) ? json_incref(json_array_get(fiches, 0)) : NULL;
	json_t *duerp = socle_db_query_one_new(db,
		"SELECT id, version_on, risks FROM riskeval_duerp WHERE company_id = :c"
		" ORDER BY version_on DESC, id DESC LIMIT 1", json_pack("{s:I}", "c",
		(json_int_t)company), err);
	if (duerp == NULL && err->code != SOCLE_E_NOTFOUND) {
		json_decref(fiche);
		json_decref(fiches);
		return NULL;
	}
	*err = (socle_err)SOCLE_ERR_INIT;
	json_t *fiche_arg = json_object(), *duerp_arg = json_object();

	if (fiche) {
		json_t *risks = json_array(), *seen = json_object();
		size_t k, i;
		json_t *one, *r;

		json_array_foreach(fiches, k, one) {
			json_t *content = json_loads(json_string_value(json_object_get(one, "content")), 0,
			                             NULL);

			json_array_foreach(json_object_get(json_object_get(content, "expositions_actions"),
			                                   "risques"), i, r) {
				const json_t *label = json_object_get(r, "libelle");
				const char *code = json_string_value(json_object_get(r, "code"));

				if (code == NULL || json_object_get(seen, code) != NULL)
					continue; /* named by another establishment's fiche too */
				json_object_set_new(seen, code, json_true());
				json_array_append_new(risks, json_pack("{s:O, s:O}", "code",
				                                       json_object_get(r, "code"), "libelle",
				                                       label ? label
				                                             : json_object_get(r, "code")));
			}
			json_decref(content);
		}
		json_decref(seen);
		json_object_set(fiche_arg, "version", json_object_get(fiche, "version"));
		json_object_set(fiche_arg, "validated_on", json_object_get(fiche, "validated_on"));
		json_object_set_new(fiche_arg, "risks", risks);
	}
	if (duerp) {
		json_t *codes = json_loads(json_string_value(json_object_get(duerp, "risks")), 0, NULL);

		json_object_set(duerp_arg, "version_on", json_object_get(duerp, "version_on"));
		json_object_set_new(duerp_arg, "risks", codes ? codes : json_array());
	}
	json_t *args = json_pack("[{s:I}, O, O, s]", "headcount", headcount, fiche_arg, duerp_arg,
	                         on_date);
	json_t *answer = NULL, *out = NULL;

	if (args != NULL && socle_rule_call(svc, "prevention_action", args, &answer, err) == 0) {
		static const char *const lists[] = {"gaps", "risks"};

		for (size_t i = 0; i < SOCLE_COUNT(lists); i++)
			if (json_is_object(json_object_get(answer, lists[i])))
				json_object_set_new(answer, lists[i], json_array());
		out = json_pack("{s:o, s:O?, s:O?, s:O?, s:O?}", "answer", answer, "fiche_id",
		                fiche ? json_object_get(fiche, "id") : NULL, "fiche_version",
		                fiche ? json_object_get(fiche, "version") : NULL, "duerp_id",
		                duerp ? json_object_get(duerp, "id") : NULL, "duerp_version_on",
		                duerp ? json_object_get(duerp, "version_on") : NULL);
	}
	json_decref(args);
	json_decref(fiches);
	json_decref(fiche_arg);
	json_decref(duerp_arg);
	json_decref(fiche);
	json_decref(duerp);
	return out;
}

/* GET /riskeval/companies/{id}/prevention/analysis: the rule's answer today,
 * nothing recorded (the gap analysis of parcours 1, the support of 2). */
static int analysis_get(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company;
	char today[SOCLE_DATE_SIZE];
	(void)ud;

	if (riskeval_company_param(req, &company) != 0)
		return 0;
	socle_date_today(today);
	socle_db *db = socle_req_reader(req, &err);
	json_t *out = db ? analyse(socle_req_service(req), db, company, !riskeval_is_staff(req), today,
	                           &err)
	                 : NULL;
	return out ? socle_reply_json(req, 200, out) : socle_reply_err(req, &err);
}

static const struct socle_field propose_fields[] = {
	{"note", SOCLE_F_STRING, false, 0, 4000, NULL, NULL},
};

struct propose {
	socle_req *req;
	int64_t company;
	const json_t *analysis;
	const char *note;
	char today[SOCLE_DATE_SIZE];
	int64_t id;
};

static int propose_tx(socle_db *wdb, void *ud, socle_err *err)
{
	struct propose *pr = ud;
	const json_t *a = json_object_get(pr->analysis, "answer");
	int rc;

	if ((rc = riskeval_company_sync(wdb, pr->company, err)))
		return rc;
	/* One open proposal at a time: the employer answers it first. */
	json_t *open = socle_db_query_one_new(wdb, "SELECT id FROM riskeval_prevention_action"
	                                      " WHERE company_id = :c AND status = 'proposee'",
	                                      json_pack("{s:I}", "c", (json_int_t)pr->company), err);
	if (open != NULL) {
		json_decref(open);
		return socle_err_set(err, SOCLE_E_CONFLICT, "Une action de prévention proposée attend "
		                     "encore la réponse de l'employeur.");
	}
	if (err->code != SOCLE_E_NOTFOUND)
		return err->code;
	*err = (socle_err)SOCLE_ERR_INIT;
	rc = socle_db_run_new(wdb,
		"INSERT INTO riskeval_prevention_action (company_id, parcours, fiche_id, duerp_id,"
		" analysis, proposal, note, proposed_on, proposed_by, status, next_due_on)"
		" VALUES (:c, :parcours, :fiche, :duerp, :analysis, :proposal, :note, :on, :by,"
		" 'proposee', :next)",
		json_pack("{s:I, s:O, s:O?, s:O?, s:O, s:O, s:s?, s:s, s:I, s:O}", "c",
		          (json_int_t)pr->company, "parcours", json_object_get(a, "parcours"), "fiche",
		          json_object_get(pr->analysis, "fiche_id"), "duerp",
		          json_object_get(pr->analysis, "duerp_id"), "analysis", a, "proposal",
		          json_object_get(a, "proposal"), "note", pr->note, "on", pr->today, "by",
		          (json_int_t)socle_principal_user_id(socle_req_principal(pr->req)), "next",
		          json_object_get(a, "next_due_on")), err);
	if (rc < 0)
		return rc;
	pr->id = socle_db_last_insert_id(wdb);
	if ((rc = riskeval_audit(wdb, pr->req, "riskeval.prevention.propose", "prevention_action",
	                         pr->id, json_pack("{s:I, s:O}", "company_id",
	                                           (json_int_t)pr->company, "parcours",
	                                           json_object_get(a, "parcours")), err)))
		return rc;
	return riskeval_emit(wdb, "prevention_action.proposed", json_pack(
		"{s:I, s:I, s:O, s:s, s:O}", "action_id", (json_int_t)pr->id, "company_id",
		(json_int_t)pr->company, "parcours", json_object_get(a, "parcours"), "proposed_on",
		pr->today, "next_due_on", json_object_get(a, "next_due_on")), err);
}

#define ACTION_COLUMNS                                                                         \
	"id, company_id, parcours, fiche_id, duerp_id, analysis, proposal, note, proposed_on, "   \
	"proposed_by, status, answered_on, answered_by, answer_note, next_due_on"

static void action_view(json_t *row)
{
	json_t *a = json_loads(json_string_value(json_object_get(row, "analysis")), 0, NULL);

	json_object_set_new(row, "analysis", a ? a : json_null());
}

static int reply_action(socle_req *req, socle_db *db, int64_t id, unsigned status)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *row = socle_db_query_one_new(db, "SELECT " ACTION_COLUMNS " FROM"
	                                     " riskeval_prevention_action WHERE id = :id",
	                                     json_pack("{s:I}", "id", (json_int_t)id), &err);
	if (row == NULL)
		return socle_reply_err(req, &err);
	action_view(row);
	return socle_reply_json(req, status, row);
}

/* POST /riskeval/companies/{id}/prevention-actions: the team proposes. */
static int action_propose(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company;
	json_t *errors = NULL;
	const json_t *b = socle_req_body(req);
	(void)ud;

	if (riskeval_company_param(req, &company) != 0)
		return 0;
	if (b != NULL &&
	    socle_fields_check(b, propose_fields, SOCLE_COUNT(propose_fields), NULL, &errors) > 0)
		return socle_reply_invalid(req, errors);
	struct propose pr = {.req = req, .company = company,
	                     .note = b ? json_string_value(json_object_get(b, "note")) : NULL};

	socle_date_today(pr.today);
	socle_db *db = socle_req_reader(req, &err);
	json_t *analysis = db ? analyse(socle_req_service(req), db, company, false, pr.today, &err)
	                      : NULL;
	if (analysis == NULL)
		return socle_reply_err(req, &err);
	pr.analysis = analysis;
	int rc = socle_service_write(socle_req_service(req), propose_tx, &pr, &err);

	json_decref(analysis);
	if (rc != 0)
		return err.code == SOCLE_E_CONFLICT ? socle_reply_error(req, 409, "conflict", err.msg)
		                                    : socle_reply_err(req, &err);
	return reply_action(req, db, pr.id, 201);
}

static const struct socle_field answer_fields[] = {
	{"decision", SOCLE_F_ENUM, true, 0, 0, decisions, NULL},
	{"note", SOCLE_F_STRING, false, 0, 4000, NULL, NULL},
};

struct answer {
	socle_req *req;
	int64_t company, id;
	const json_t *body;
};

static int answer_tx(socle_db *wdb, void *ud, socle_err *err)
{
	struct answer *an = ud;
	char today[SOCLE_DATE_SIZE];

	socle_date_today(today);
	int rc = socle_db_run_new(wdb,
		"UPDATE riskeval_prevention_action SET status = :decision, answered_on = :on,"
		" answered_by = :by, answer_note = :note WHERE id = :id AND company_id = :c"
		" AND status = 'proposee'",
		json_pack("{s:O, s:s, s:I, s:O?, s:I, s:I}", "decision",
		          json_object_get(an->body, "decision"), "on", today, "by",
		          (json_int_t)socle_principal_user_id(socle_req_principal(an->req)), "note",
		          json_object_get(an->body, "note"), "id", (json_int_t)an->id, "c",
		          (json_int_t)an->company), err);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return socle_err_set(err, SOCLE_E_CONFLICT, "Cette proposition a déjà reçu une réponse.");
	return riskeval_audit(wdb, an->req, "riskeval.prevention.answer", "prevention_action",
	                      an->id, json_pack("{s:I, s:O}", "company_id", (json_int_t)an->company,
	                                        "decision", json_object_get(an->body, "decision")),
	                      err);
}

/* POST /riskeval/companies/{id}/prevention-actions/{a}/answer: the employer
 * accepts or refuses. */
static int action_answer(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	const json_t *b = socle_req_body(req);
	struct answer an = {.req = req, .body = b};
	(void)ud;

	if (riskeval_company_param(req, &an.company) != 0)
		return 0;
	if (riskeval_is_staff(req))
		return socle_reply_error(req, 403, "forbidden", "Seul l'employeur accepte ou refuse "
		                         "l'action de prévention proposée.");
	if (socle_req_param_id(req, "a", &an.id) != 0)
		return socle_reply_error(req, 404, "not_found", "Action de prévention introuvable.");
	if (b == NULL || socle_fields_check(b, answer_fields, SOCLE_COUNT(answer_fields), NULL,
	                                    &errors) > 0)
		return errors ? socle_reply_invalid(req, errors)
		              : socle_reply_error(req, 400, "invalid", "Corps JSON attendu.");
	socle_db *db = socle_req_reader(req, &err);
	json_t *row = db ? socle_db_query_one_new(db, "SELECT id FROM riskeval_prevention_action"
	                                          " WHERE id = :id AND company_id = :c",
	                                          json_pack("{s:I, s:I}", "id", (json_int_t)an.id,
	                                                    "c", (json_int_t)an.company), &err)
	                 : NULL;
	if (row == NULL)
		return err.code == SOCLE_E_NOTFOUND
			? socle_reply_error(req, 404, "not_found", "Action de prévention introuvable.")
			: socle_reply_err(req, &err);
	json_decref(row);
	if (socle_service_write(socle_req_service(req), answer_tx, &an, &err) != 0)
		return err.code == SOCLE_E_CONFLICT ? socle_reply_error(req, 409, "conflict", err.msg)
		                                    : socle_reply_err(req, &err);
	return reply_action(req, db, an.id, 200);
}

/* GET /riskeval/companies/{id}/prevention-actions: the proposals, newest
 * first, and when the next one is due. */
static int action_list(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company;
	char today[SOCLE_DATE_SIZE];
	(void)ud;

	if (riskeval_company_param(req, &company) != 0)
		return 0;
	socle_date_today(today);
	socle_db *db = socle_req_reader(req, &err);
	json_t *rows = db ? socle_db_query_new(db, "SELECT " ACTION_COLUMNS " FROM"
	                                       " riskeval_prevention_action WHERE company_id = :c"
	                                       " ORDER BY id DESC LIMIT 200",
	                                       json_pack("{s:I}", "c", (json_int_t)company), &err)
	                  : NULL;
	if (rows == NULL)
		return socle_reply_err(req, &err);
	size_t i;
	json_t *row;

	json_array_foreach(rows, i, row)
		action_view(row);
	/* Due now when none was ever proposed; otherwise the last one's date. */
	const json_t *next = json_array_size(rows) > 0
		? json_object_get(json_array_get(rows, 0), "next_due_on") : NULL;
	const char *next_on = json_string_value(next);

	return socle_reply_json(req, 200, json_pack("{s:I, s:s, s:b, s:o}", "company_id",
	                        (json_int_t)company, "next_due_on", next_on ? next_on : today,
	                        "due", next_on == NULL || strcmp(next_on, today) <= 0, "items", rows));
}

/* An empty Lua table reaches C as {}: an empty list all the same. */
static bool is_list(const json_t *v)
{
	return json_is_array(v) || (json_is_object(v) && json_object_size(v) == 0);
}

static int action_contract(const json_t *r, socle_err *err)
{
	json_int_t parcours = json_integer_value(json_object_get(r, "parcours"));
	const char *support = json_string_value(json_object_get(r, "support"));

	if (!json_is_object(r))
		return socle_err_set(err, SOCLE_E_CONTRACT, "le résultat doit être une table");
	if (parcours != 1 && parcours != 2)
		return socle_err_set(err, SOCLE_E_CONTRACT, "parcours doit valoir 1 ou 2");
	if (!is_list(json_object_get(r, "gaps")) || !is_list(json_object_get(r, "risks")))
		return socle_err_set(err, SOCLE_E_CONTRACT, "gaps et risks doivent être des listes");
	if (parcours == 2 && (support == NULL || (strcmp(support, "individuel") != 0 &&
	                                          strcmp(support, "collectif") != 0)))
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "support doit valoir \"individuel\" ou \"collectif\" (parcours 2)");
	if (!socle_date_valid(json_string_value(json_object_get(r, "next_due_on"))))
		return socle_err_set(err, SOCLE_E_CONTRACT, "next_due_on doit être une date AAAA-MM-JJ");
	if (json_string_length(json_object_get(r, "proposal")) == 0 ||
	    json_string_length(json_object_get(r, "explanation")) == 0 ||
	    json_array_size(json_object_get(r, "basis")) == 0)
		return socle_err_set(err, SOCLE_E_CONTRACT, "proposal, explanation (textes non vides) "
		                     "et basis (liste non vide) sont requis");
	return 0;
}

static const struct socle_rule_point action_rule = {
	.name = "prevention_action",
	.contract =
		"prevention_action(company, fiche, duerp, on_date) -> { parcours = 1 | 2, gaps = { { "
		"code, libelle } } (parcours 1 : les risques de la fiche absents du DUERP), support = "
		"\"individuel\" | \"collectif\" (parcours 2), risks = { { code, libelle } }, proposal "
		"= texte, next_due_on = \"AAAA-MM-JJ\", basis = { non vide }, explanation = phrase }. "
		"company = { headcount } ; fiche = { version, validated_on, risks = { { code, libelle "
		"} } } ou {} ; duerp = { version_on, risks = { codes } } ou {} ; on_date = le jour.",
	.n_args = 4,
	.check = action_contract,
};

static const struct socle_route prevention_routes[] = {
	{SOCLE_GET, "/riskeval/companies/{id}/prevention/analysis", SOCLE_CAP_AUTHENTICATED, 0,
	 analysis_get, NULL},
	{SOCLE_POST, "/riskeval/companies/{id}/prevention-actions", RISKEVAL_CAP_DRAFT, 0,
	 action_propose, NULL},
	{SOCLE_GET, "/riskeval/companies/{id}/prevention-actions", SOCLE_CAP_AUTHENTICATED, 0,
	 action_list, NULL},
	{SOCLE_POST, "/riskeval/companies/{id}/prevention-actions/{a}/answer",
	 SOCLE_CAP_AUTHENTICATED, 0, action_answer, NULL},
};

static const struct socle_route_doc prevention_docs[] = {
	{SOCLE_GET, "/riskeval/companies/{id}/prevention/analysis",
	 "L'analyse de prévention primaire du jour : écarts entre le DUERP et la fiche d'entreprise "
	 "(parcours 1) ou accompagnement proposé (parcours 2).", NULL, 0, NULL, 0,
	 "answer : la réponse de la règle prevention_action."},
	{SOCLE_POST, "/riskeval/companies/{id}/prevention-actions",
	 "L'équipe propose une action de prévention primaire ; prochaine échéance enregistrée.",
	 propose_fields, SOCLE_COUNT(propose_fields), NULL, 0, "201 : la proposition."},
	{SOCLE_GET, "/riskeval/companies/{id}/prevention-actions",
	 "Les actions de prévention primaire proposées à l'entreprise et la prochaine échéance.",
	 NULL, 0, NULL, 0, "next_due_on, due, items."},
	{SOCLE_POST, "/riskeval/companies/{id}/prevention-actions/{a}/answer",
	 "L'employeur accepte ou refuse l'action proposée.", answer_fields,
	 SOCLE_COUNT(answer_fields), NULL, 0, "La proposition avec sa réponse."},
};

int riskeval_prevention_init(socle_plugin *p, socle_err *err)
{
	int rc = socle_plugin_add_routes(p, prevention_routes, SOCLE_COUNT(prevention_routes), err);

	if (rc == 0)
		rc = socle_plugin_describe_routes(p, prevention_docs, SOCLE_COUNT(prevention_docs), err);
	return rc ? rc : socle_plugin_add_rule_point(p, &action_rule, err);
}
