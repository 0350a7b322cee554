/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* When the fiche d'entreprise is due (rule point fiche_entreprise_due) and
 * what the DUERP asks of a company of a given size (rule point
 * duerp_update_due), both in scripts/riskeval_due.lua; the due date of one
 * company; the team's list of companies without a valid fiche or whose fiche
 * is due soon. */
#include "riskeval.h"

/* A non-empty list (at most 20) of non-empty texts of at most 500 bytes. */
static int check_basis(const json_t *v, socle_err *err)
{
	size_t i;
	const json_t *e;

	if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > 20)
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "basis doit être une liste non vide (20 au plus) de textes");
	json_array_foreach(v, i, e)
		if (!json_is_string(e) || json_string_length(e) == 0 || json_string_length(e) > 500)
			return socle_err_set(err, SOCLE_E_CONTRACT,
			                     "basis[%zu] doit être un texte non vide (500 octets au plus)",
			                     i + 1);
	return 0;
}

static int check_explanation(const json_t *r, socle_err *err)
{
	const json_t *v = json_object_get(r, "explanation");

	if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 4000)
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "explanation doit être un texte non vide (4000 octets au plus)");
	return check_basis(json_object_get(r, "basis"), err);
}

static int check_date(const json_t *r, const char *key, bool required, socle_err *err)
{
	const json_t *v = json_object_get(r, key);

	if ((v != NULL || required) && !socle_date_valid(json_string_value(v)))
		return socle_err_set(err, SOCLE_E_CONTRACT, "%s doit être une date \"AAAA-MM-JJ\"", key);
	return 0;
}

static int fiche_due_contract(const json_t *r, socle_err *err)
{
	const char *kind = json_string_value(json_object_get(r, "kind"));
	int rc;

	if (!json_is_object(r))
		return socle_err_set(err, SOCLE_E_CONTRACT, "le résultat doit être une table");
	if ((rc = check_date(r, "due_on", true, err)) || (rc = check_explanation(r, err)))
		return rc;
	if (kind == NULL || (strcmp(kind, "premiere") != 0 && strcmp(kind, "mise_a_jour") != 0))
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "kind doit valoir \"premiere\" ou \"mise_a_jour\"");
	if (!json_is_boolean(json_object_get(r, "overdue")))
		return socle_err_set(err, SOCLE_E_CONTRACT, "overdue doit être un booléen");
	return 0;
}

static const struct socle_rule_point fiche_due_rule = {
	.name = "fiche_entreprise_due",
	.contract =
		"fiche_entreprise_due(company, history, on_date) -> { due_on = \"AAAA-MM-JJ\", kind = "
		"\"premiere\" | \"mise_a_jour\", overdue = booléen, basis = { articles, non vide }, "
		"explanation = phrase en français }. company = { joined_on, left_on?, update_years "
		"(réglage du service, 4 par défaut) } ; history = les versions validées, de la plus "
		"ancienne à la plus récente : { { version, validated_on } } ; on_date = le jour de la "
		"question, dont les règles en vigueur s'appliquent.",
	.n_args = 3,
	.check = fiche_due_contract,
};

static int duerp_due_contract(const json_t *r, socle_err *err)
{
	const char *out = json_string_value(json_object_get(r, "outputs"));
	const json_t *yearly = json_object_get(r, "yearly_update");
	int rc;

	if (!json_is_object(r))
		return socle_err_set(err, SOCLE_E_CONTRACT, "le résultat doit être une table");
	if (!json_is_boolean(yearly))
		return socle_err_set(err, SOCLE_E_CONTRACT, "yearly_update doit être un booléen");
	if ((rc = check_date(r, "due_on", json_is_true(yearly), err)) ||
	    (rc = check_date(r, "keep_until", false, err)) || (rc = check_explanation(r, err)))
		return rc;
	if (out == NULL || (strcmp(out, "papripact") != 0 && strcmp(out, "liste_actions") != 0))
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "outputs doit valoir \"papripact\" ou \"liste_actions\"");
	return 0;
}

static const struct socle_rule_point duerp_due_rule = {
	.name = "duerp_update_due",
	.contract =
		"duerp_update_due(company, last_version, on_date) -> { yearly_update = booléen, "
		"due_on = \"AAAA-MM-JJ\" (obligatoire quand yearly_update), outputs = \"papripact\" | "
		"\"liste_actions\", keep_until = \"AAAA-MM-JJ\"?, basis = { articles, non vide }, "
		"explanation = phrase en français }. company = { headcount = entier } ; last_version "
		"= { date } ou une table vide ; on_date = le jour de la question.",
	.n_args = 3,
	.check = duerp_due_contract,
};

/* riskeval_priority: a number (the higher, the sooner), a sentence, a basis. */
static int priority_contract(const json_t *r, socle_err *err)
{
	if (!json_is_object(r))
		return socle_err_set(err, SOCLE_E_CONTRACT, "le résultat doit être une table");
	if (!json_is_number(json_object_get(r, "score")))
		return socle_err_set(err, SOCLE_E_CONTRACT, "score doit être un nombre");
	const json_t *v = json_object_get(r, "reason");

	if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 4000)
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "reason doit être un texte non vide (4000 octets au plus)");
	return check_basis(json_object_get(r, "basis"), err);
}

static const struct socle_rule_point priority_rule = {
	.name = "riskeval_priority",
	.contract =
		"riskeval_priority(company, due, on_date) -> { score = nombre (le plus grand d'abord ; "
		"à égalité, l'échéance la plus proche), reason = phrase en français, basis = { "
		"articles, non vide } }. company = { headcount = entier (déclaré), has_draft, "
		"valid_fiche, first = booléens } ; due = la réponse de fiche_entreprise_due ; on_date = "
		"le jour de la question.",
	.n_args = 3,
	.check = priority_contract,
};

json_t *riskeval_fiche_due(socle_service *svc, socle_db *db, int64_t company_id,
                           int64_t establishment, const char *on_date, socle_err *err)
{
	json_t *c = riskeval_membership->company_get(db, company_id, err), *out = NULL;

	if (c == NULL)
		return NULL;
	const char *joined = json_string_value(json_object_get(c, "joined_on"));
	const char *status = json_string_value(json_object_get(c, "status"));
	if (joined == NULL || status == NULL || strcmp(status, "member") != 0) {
		socle_err_set(err, SOCLE_E_CONFLICT, "%s n'est pas adhérente du service : aucune fiche "
		              "d'entreprise n'est due.", json_string_value(json_object_get(c, "legal_name")));
		json_decref(c);
		return NULL;
	}
	json_t *history = socle_db_query_new(db,
		"SELECT version, validated_on FROM riskeval_fiche WHERE company_id = :c"
		" AND establishment_id = :e AND status = 'validated' ORDER BY version",
		json_pack("{s:I, s:I}", "c", (json_int_t)company_id, "e", (json_int_t)establishment),
		err);
	json_t *args = history ? json_pack("[{s:s, s:i}, o, s]", "joined_on", joined, "update_years",
	                                   riskeval_update_years(svc), history, on_date)
	                       : NULL;
	json_decref(c);
	if (args == NULL) {
		if (err->code == 0)
			socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
		return NULL;
	}
	int rc = socle_rule_call(svc, "fiche_entreprise_due", args, &out, err);
	json_decref(args);
	if (rc != 0)
		return NULL;
	json_object_set_new(out, "company_id", json_integer(company_id));
	json_object_set_new(out, "establishment_id", json_integer(establishment));
	json_object_set_new(out, "on_date", json_string(on_date));
	return out;
}

/* The due date of every site of a company with several establishments:
 * the earliest answer (the one the company must act on first), with
 * "establishments": [{establishment_id, siret, name, city, due}]. */
static json_t *sites_due(socle_service *svc, socle_db *db, int64_t company, const json_t *sites,
                         const char *on_date, socle_err *err)
{
	json_t *list = json_array(), *first = NULL;
	size_t i;
	const json_t *site;

	json_array_foreach(sites, i, site) {
		int64_t est = json_integer_value(json_object_get(site, "establishment_id"));
		json_t *due = riskeval_fiche_due(svc, db, company, est, on_date, err);

		if (due == NULL) {
			json_decref(list);
			json_decref(first);
			return NULL;
		}
		if (first == NULL || strcmp(json_string_value(json_object_get(due, "due_on")),
		                            json_string_value(json_object_get(first, "due_on"))) < 0) {
			json_decref(first);
			first = json_deep_copy(due);
		}
		json_array_append_new(list, json_pack("{s:I, s:O, s:O, s:O, s:o}", "establishment_id",
		                                      (json_int_t)est, "siret",
		                                      json_object_get(site, "siret"), "name",
		                                      json_object_get(site, "name"), "city",
		                                      json_object_get(site, "city"), "due", due));
	}
	if (first == NULL) {
		json_decref(list);
		socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
		return NULL;
	}
	json_object_set_new(first, "establishments", list);
	return first;
}

/* GET /riskeval/companies/{id}/fiche/due[?on_date=]: the company's users and staff. */
static int fiche_due_get(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company, est;
	char today[SOCLE_DATE_SIZE];
	(void)ud;

	bool one_site = socle_req_query(req, "establishment") != NULL;
	if (riskeval_company_param(req, &company) != 0 ||
	    riskeval_site_param(req, company, &est) != 0)
		return 0;
	const char *on = socle_req_query(req, "on_date");
	if (on != NULL && !socle_date_valid(on)) {
		json_t *errors = NULL;
		socle_field_error(&errors, "on_date", "Date attendue au format AAAA-MM-JJ.");
		return socle_reply_invalid(req, errors);
	}
	socle_date_today(today);
	socle_db *db = socle_req_reader(req, &err);
	/* Without ?establishment=, a company with several establishments gets
	 * each one's due date and, on top, the earliest. */
	json_t *sites = db && !one_site ? riskeval_sites(db, company, &err) : NULL;
	json_t *due = db == NULL || (!one_site && sites == NULL) ? NULL
		: json_array_size(sites) > 0
		? sites_due(socle_req_service(req), db, company, sites, on ? on : today, &err)
		: riskeval_fiche_due(socle_req_service(req), db, company, est, on ? on : today, &err);
	json_decref(sites);
	if (due == NULL)
		return err.code == SOCLE_E_CONFLICT ? socle_reply_error(req, 409, "conflict", err.msg)
		                                    : socle_reply_err(req, &err);
	return socle_reply_json(req, 200, due);
}

/* riskeval_priority for one row of the team's list (company_id, headcount,
 * last_version, has_draft, valid_fiche, due): {score, reason, basis}. */
static json_t *priority_of(socle_service *svc, const json_t *row, const char *today,
                           socle_err *err)
{
	json_t *out = NULL;
	const json_t *h = json_object_get(row, "headcount");
	json_t *args = json_pack("[{s:I, s:O, s:O, s:b}, O, s]", "headcount",
	                         json_is_integer(h) ? json_integer_value(h) : (json_int_t)0,
	                         "has_draft", json_object_get(row, "has_draft"), "valid_fiche",
	                         json_object_get(row, "valid_fiche"), "first",
	                         !json_is_integer(json_object_get(row, "last_version")),
	                         json_object_get(row, "due"), today);
	if (args == NULL) {
		socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
		return NULL;
	}
	int rc = socle_rule_call(svc, "riskeval_priority", args, &out, err);
	json_decref(args);
	return rc == 0 ? out : NULL;
}

static int by_priority(const void *pa, const void *pb)
{
	const json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
	double x = json_number_value(json_object_get(json_object_get(a, "priority"), "score"));
	double y = json_number_value(json_object_get(json_object_get(b, "priority"), "score"));

	if (x != y)
		return x > y ? -1 : 1;
	int c = strcmp(json_string_value(json_object_get(json_object_get(a, "due"), "due_on")),
	               json_string_value(json_object_get(json_object_get(b, "due"), "due_on")));
	if (c != 0)
		return c;
	json_int_t i = json_integer_value(json_object_get(a, "company_id"));
	json_int_t j = json_integer_value(json_object_get(b, "company_id"));
	if (i != j)
		return (i > j) - (i < j);
	i = json_integer_value(json_object_get(a, "establishment_id"));
	j = json_integer_value(json_object_get(b, "establishment_id"));
	return (i > j) - (i < j);
}

/* Replace, in @p rows, each company that declared several establishments by
 * one row per establishment: its SIRET, name, town and declared headcount,
 * the last validated version and the draft of that establishment's fiche. */
static int expand_sites(socle_db *db, json_t *rows, socle_err *err)
{
	json_t *out = json_array();
	size_t i;
	json_t *row;

	json_array_foreach(rows, i, row) {
		int64_t id = json_integer_value(json_object_get(row, "company_id"));
		json_t *sites = riskeval_sites(db, id, err);

		if (sites == NULL) {
			if (err->code != SOCLE_E_NOTFOUND)
				goto fail;
			*err = (socle_err)SOCLE_ERR_INIT; /* left meanwhile: riskeval_fiche_due says so */
			json_array_append(out, row);
			continue;
		}
		if (json_array_size(sites) == 0)
			json_array_append(out, row);
		size_t k;
		const json_t *site;
		json_array_foreach(sites, k, site) {
			json_t *r = json_copy(row);
			const json_t *est = json_object_get(site, "establishment_id");
			json_t *f = r ? socle_db_query_one_new(db,
				"SELECT (SELECT MAX(version) FROM riskeval_fiche WHERE company_id = :c"
				"  AND establishment_id = :e AND status = 'validated') AS last_version,"
				" (SELECT COUNT(*) FROM riskeval_fiche WHERE company_id = :c"
				"  AND establishment_id = :e AND status = 'draft') AS has_draft",
				json_pack("{s:I, s:O}", "c", (json_int_t)id, "e", est), err) : NULL;
			if (f == NULL) {
				json_decref(r);
				json_decref(sites);
				goto fail;
			}
			json_object_update(r, f);
			json_decref(f);
			json_object_set(r, "establishment_id", (json_t *)est);
			json_object_set_new(r, "establishment", json_pack("{s:O, s:O, s:O}", "siret",
			                                                  json_object_get(site, "siret"),
			                                                  "name", json_object_get(site, "name"),
			                                                  "city", json_object_get(site, "city")));
			json_object_set(r, "headcount", json_object_get(site, "headcount"));
			json_array_append_new(out, r);
		}
		json_decref(sites);
	}
	json_array_clear(rows);
	json_array_extend(rows, out);
	json_decref(out);
	return 0;
fail:
	json_decref(out);
	return err->code ? err->code : SOCLE_E_NOMEM;
}

/* The team's list on @p today (see riskeval.h). Every member company of the
 * copy, with its due date; kept: those without a validated fiche, and those
 * whose fiche is due within the window (or overdue); ordered by the rule
 * point riskeval_priority (each row carries its answer), then due date,
 * then company. */
json_t *riskeval_fiches_due(socle_service *svc, socle_db *db, const char *today, long within,
                            socle_err *err)
{
	char horizon[SOCLE_DATE_SIZE];

	socle_date_add_days(today, within, horizon);
	json_t *rows = socle_db_query(db,
		"SELECT c.company_id, c.legal_name, c.naf_code, c.joined_on, c.headcount,"
		" 0 AS establishment_id,"
		" (SELECT MAX(f.version) FROM riskeval_fiche f WHERE f.company_id = c.company_id"
		"  AND f.establishment_id = 0 AND f.status = 'validated') AS last_version,"
		" (SELECT COUNT(*) FROM riskeval_fiche f WHERE f.company_id = c.company_id"
		"  AND f.establishment_id = 0 AND f.status = 'draft') AS has_draft"
		" FROM riskeval_company c WHERE c.status = 'member' ORDER BY c.company_id LIMIT 100000",
		NULL, err);
	if (rows == NULL)
		return NULL;
	json_t *items = json_array();
	size_t i;
	json_t *row;
	/* A company with several establishments is listed once per
	 * establishment, each with its own fiche (R4624-46). */
	if (expand_sites(db, rows, err) != 0) {
		json_decref(items);
		json_decref(rows);
		return NULL;
	}
	json_array_foreach(rows, i, row) {
		int64_t id = json_integer_value(json_object_get(row, "company_id"));
		int64_t est = json_integer_value(json_object_get(row, "establishment_id"));
		json_t *due = riskeval_fiche_due(svc, db, id, est, today, err);

		if (due == NULL) {
			if (err->code == SOCLE_E_CONFLICT || err->code == SOCLE_E_NOTFOUND) {
				*err = (socle_err)SOCLE_ERR_INIT; /* left meanwhile: not on the list */
				continue;
			}
			json_decref(items);
			json_decref(rows);
			return NULL;
		}
		const char *on = json_string_value(json_object_get(due, "due_on"));
		bool valid = json_is_integer(json_object_get(row, "last_version")) &&
		             !json_is_true(json_object_get(due, "overdue"));
		if (!valid || strcmp(on, horizon) <= 0) {
			json_object_set_new(row, "has_draft",
			                    json_boolean(json_integer_value(json_object_get(row, "has_draft"))));
			json_object_set(row, "due", due);
			json_object_set_new(row, "valid_fiche", json_boolean(valid));
			json_t *pr = priority_of(svc, row, today, err);
			if (pr == NULL) {
				json_decref(due);
				json_decref(items);
				json_decref(rows);
				return NULL;
			}
			json_object_set_new(row, "priority", pr);
			json_array_append(items, row);
		}
		json_decref(due);
	}
	json_decref(rows);
	/* riskeval_priority's order: the highest score first, then the earliest
	 * due date, then the company (qsort over a plain array: the list may
	 * hold every member company). */
	size_t n = json_array_size(items);
	json_t **v = n ? malloc(n * sizeof(*v)) : NULL;
	if (n && v == NULL) {
		json_decref(items);
		socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
		return NULL;
	}
	for (size_t k = 0; k < n; k++)
		v[k] = json_incref(json_array_get(items, k));
	qsort(v, n, sizeof(*v), by_priority);
	json_array_clear(items);
	for (size_t k = 0; k < n; k++)
		json_array_append_new(items, v[k]);
	free(v);
	return json_pack("{s:o, s:s, s:s}", "items", items, "on_date", today, "horizon", horizon);
}

/* GET /riskeval/fiches/due[?within_days=90]: the team's list. */
static int fiches_due_list(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	char today[SOCLE_DATE_SIZE];
	long within = 90;
	const char *w = socle_req_query(req, "within_days");
	(void)ud;

	if (w != NULL) {
		char *end = NULL;
		within = strtol(w, &end, 10);
		if (end == w || *end != '\0' || within < 0 || within > 3660) {
			json_t *errors = NULL;
			socle_field_error(&errors, "within_days",
			                  "Nombre de jours attendu, de 0 à 3660.");
			return socle_reply_invalid(req, errors);
		}
	}
	socle_date_today(today);
	socle_db *db = socle_req_reader(req, &err);
	json_t *out = db ? riskeval_fiches_due(socle_req_service(req), db, today, within, &err)
	                 : NULL;
	return out ? socle_reply_json(req, 200, out) : socle_reply_err(req, &err);
}

static const struct socle_field duerp_fields[] = {
	{"headcount", SOCLE_F_INT, true, 0, 1000000, NULL, NULL},
	{"last_version_on", SOCLE_F_DATE, false, 0, 0, NULL, NULL},
	{"on_date", SOCLE_F_DATE, false, 0, 0, NULL, NULL},
};

/* POST /riskeval/duerp/obligations: what the DUERP asks of a company of this
 * size whose last version is of that date (the rule point, explained). */
static int duerp_obligations(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	const json_t *b = socle_req_body(req);
	json_t *errors = NULL, *out = NULL;
	char today[SOCLE_DATE_SIZE];
	(void)ud;

	if (socle_fields_check(b, duerp_fields, SOCLE_COUNT(duerp_fields), NULL, &errors) > 0)
		return socle_reply_invalid(req, errors);
	socle_date_today(today);
	const json_t *last = json_object_get(b, "last_version_on");
	json_t *args = json_pack("[{s:O}, o, s]", "headcount", json_object_get(b, "headcount"),
	                         last ? json_pack("{s:O}", "date", last) : json_object(),
	                         json_object_get(b, "on_date")
	                                 ? json_string_value(json_object_get(b, "on_date"))
	                                 : today);
	int rc = args ? socle_rule_call(socle_req_service(req), "duerp_update_due", args, &out, &err)
	              : socle_err_set(&err, SOCLE_E_NOMEM, "mémoire insuffisante");
	json_decref(args);
	return rc ? socle_reply_err(req, &err) : socle_reply_json(req, 200, out);
}

static const struct socle_route due_routes[] = {
	{SOCLE_GET, "/riskeval/companies/{id}/fiche/due", SOCLE_CAP_AUTHENTICATED, 0, fiche_due_get,
	 NULL},
	{SOCLE_GET, "/riskeval/fiches/due", SOCLE_CAP_STAFF, 0, fiches_due_list, NULL},
	{SOCLE_POST, "/riskeval/duerp/obligations", SOCLE_CAP_AUTHENTICATED, 0, duerp_obligations,
	 NULL},
};

int riskeval_due_init(socle_plugin *p, socle_err *err)
{
	int rc;

	if ((rc = socle_plugin_add_rule_point(p, &fiche_due_rule, err)) ||
	    (rc = socle_plugin_add_rule_point(p, &duerp_due_rule, err)) ||
	    (rc = socle_plugin_add_rule_point(p, &priority_rule, err)))
		return rc;
	return socle_plugin_add_routes(p, due_routes, SOCLE_COUNT(due_routes), err);
}
