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

/* fiche_entreprise_due's answer from what the caller read: the company's
 * adhesion date @p joined and the validated versions @p history (stolen) of
 * the fiche of @p establishment. */
static json_t *due_answer(socle_service *svc, int64_t company_id, int64_t establishment,
                          const char *joined, json_t *history, const char *on_date,
                          socle_err *err)
{
	json_t *out = NULL;
	json_t *args = history ? json_pack("[{s:s, s:i}, o, s]", "joined_on", joined, "update_years",
	                                   riskeval_update_years(svc), history, on_date)
	                       : NULL;

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

json_t *riskeval_fiche_due(socle_service *svc, socle_db *db, int64_t company_id,
                           int64_t establishment, const char *on_date, socle_err *err)
{
	json_t *c = riskeval_membership->company_get(db, company_id, err);

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
	json_t *out = due_answer(svc, company_id, establishment, joined, history, on_date, err);
	json_decref(c);
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

/* The team's list as it is built: the member companies, then the sites
 * kept with their due date. */
struct due_list {
	socle_service *svc;
	socle_db *db;
	const char *today;
	char horizon[SOCLE_DATE_SIZE];
	json_t *rows;  /* one per member company, as collect_member made it */
	json_t *items; /* the sites kept */
	socle_err *err;
};

/* companies_each("member"): one row per member company with what the list
 * shows of it (company_id, legal_name, naf_code, joined_on, headcount,
 * establishment_id 0) and, when it declared establishments, its siège's
 * "establishment" {siret, name, city}, which list_company expands. The rows
 * are worked on after the reading (as awareness does): each site's query,
 * rule calls and establishments then run with no statement of membership's
 * left open. */
static int collect_member(const struct membership_company_row *c, void *ud)
{
	struct due_list *l = ud;

	if (c->joined_on == NULL)
		return 0; /* no adhesion date, no due date (riskeval_fiche_due says 409) */
	json_t *row = json_pack("{s:I, s:s?, s:s?, s:s, s:I, s:i}", "company_id", (json_int_t)c->id,
	                        "legal_name", c->legal_name, "naf_code", c->naf_code, "joined_on",
	                        c->joined_on, "headcount", (json_int_t)c->headcount,
	                        "establishment_id", 0);
	if (row != NULL && c->establishments > 0 &&
	    json_object_set_new(row, "establishment", json_pack("{s:s?, s:s, s:s?}", "siret",
	                                                        c->siret, "name", "Siège", "city",
	                                                        c->city)) != 0) {
		json_decref(row);
		row = NULL;
	}
	return row == NULL || json_array_append_new(l->rows, row) != 0 ? -1 : 0;
}

static int list_fail(struct due_list *l)
{
	return l->err->code ? l->err->code
	                    : socle_err_set(l->err, SOCLE_E_NOMEM, "mémoire insuffisante");
}

/* One site of the list (@p row: a company with one site, a siège or an
 * establishment): the versions and the draft of its fiche in one query, its
 * due date; kept in l->items with its priority when it has no valid fiche
 * or its fiche is due by the horizon. */
static int list_site(struct due_list *l, json_t *row)
{
	json_int_t id = json_integer_value(json_object_get(row, "company_id"));
	json_int_t est = json_integer_value(json_object_get(row, "establishment_id"));
	json_t *fiches = socle_db_query_new(l->db,
		"SELECT version, validated_on, status FROM riskeval_fiche WHERE company_id = :c"
		" AND establishment_id = :e ORDER BY version",
		json_pack("{s:I, s:I}", "c", id, "e", est), l->err);
	json_t *history = fiches ? json_array() : NULL;
	const json_t *last = NULL;
	bool draft = false;
	size_t i;
	const json_t *f;

	if (history == NULL) {
		json_decref(fiches);
		return list_fail(l);
	}
	json_array_foreach(fiches, i, f) {
		if (strcmp(riskeval_text_of(f, "status"), "validated") != 0) {
			draft = true;
			continue;
		}
		if (json_array_append_new(history, json_pack("{s:O, s:O}", "version",
		                                             json_object_get(f, "version"),
		                                             "validated_on",
		                                             json_object_get(f, "validated_on"))) != 0) {
			json_decref(history);
			json_decref(fiches);
			return list_fail(l);
		}
		last = json_object_get(f, "version"); /* in version order: the latest */
	}
	json_object_set(row, "last_version", last ? (json_t *)last : json_null());
	json_object_set_new(row, "has_draft", json_boolean(draft));
	json_decref(fiches);
	json_t *due = due_answer(l->svc, id, est, json_string_value(json_object_get(row, "joined_on")),
	                         history, l->today, l->err);
	if (due == NULL)
		return list_fail(l);
	bool valid = json_is_integer(json_object_get(row, "last_version")) &&
	             !json_is_true(json_object_get(due, "overdue"));
	if (valid && strcmp(riskeval_text_of(due, "due_on"), l->horizon) > 0) {
		json_decref(due);
		return 0;
	}
	json_object_set_new(row, "due", due);
	json_object_set_new(row, "valid_fiche", json_boolean(valid));
	json_t *pr = priority_of(l->svc, row, l->today, l->err);
	if (pr == NULL)
		return list_fail(l);
	json_object_set_new(row, "priority", pr);
	return json_array_append(l->items, row) == 0 ? 0 : list_fail(l);
}

/* One member company of the list: its one site, or, when it declared
 * establishments, its siège and each establishment, each with its own fiche
 * (R4624-46): their SIRET, name, town and declared headcount. Only these
 * companies' establishments are read. */
static int list_company(struct due_list *l, json_t *row)
{
	if (json_object_get(row, "establishment") == NULL)
		return list_site(l, row);
	json_int_t id = json_integer_value(json_object_get(row, "company_id"));
	json_t *sites = riskeval_membership->company_establishments(l->db, id, l->err);
	int rc;

	if (sites == NULL)
		return list_fail(l);
	if (json_array_size(sites) == 0) { /* withdrawn since the reading: one site */
		json_decref(sites);
		json_object_del(row, "establishment");
		return list_site(l, row);
	}
	json_object_set_new(row, "headcount", json_integer(riskeval_seat_headcount(
		json_integer_value(json_object_get(row, "headcount")), sites)));
	rc = list_site(l, row);
	size_t i;
	const json_t *site;
	json_array_foreach(sites, i, site) {
		if (rc != 0)
			break;
		json_t *r = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:{s:O, s:O, s:O}}",
		                      "company_id", json_object_get(row, "company_id"), "legal_name",
		                      json_object_get(row, "legal_name"), "naf_code",
		                      json_object_get(row, "naf_code"), "joined_on",
		                      json_object_get(row, "joined_on"), "establishment_id",
		                      json_object_get(site, "establishment_id"), "headcount",
		                      json_object_get(site, "headcount"), "establishment", "siret",
		                      json_object_get(site, "siret"), "name",
		                      json_object_get(site, "name"), "city",
		                      json_object_get(site, "city"));
		rc = r ? list_site(l, r) : list_fail(l);
		json_decref(r);
	}
	json_decref(sites);
	return rc;
}

/* The team's list on @p today (see riskeval.h). Every member company, read
 * once from membership.v1 (companies_each), with its due date; kept: those
 * without a validated fiche, and those whose fiche is due within the window
 * (or overdue); ordered by the rule point riskeval_priority (each row
 * carries its answer), then due date, then company. */
json_t *riskeval_fiches_due(socle_service *svc, socle_db *db, const char *today, long within,
                            socle_err *err)
{
	struct due_list l = {.svc = svc, .db = db, .today = today, .rows = json_array(),
	                     .items = json_array(), .err = err};
	int rc = -1;

	socle_date_add_days(today, within, l.horizon);
	if (l.rows != NULL && l.items != NULL)
		rc = riskeval_membership->companies_each(db, "member", 0, collect_member, &l, err);
	for (size_t i = 0; rc == 0 && i < json_array_size(l.rows); i++)
		rc = list_company(&l, json_array_get(l.rows, i));
	json_decref(l.rows);
	if (rc != 0) {
		list_fail(&l);
		json_decref(l.items);
		return NULL;
	}
	/* riskeval_priority's order: the highest score first, then the earliest
	 * due date, then the company (qsort over a plain array: the list may
	 * hold every member company). */
	json_t *items = l.items;
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
	return json_pack("{s:o, s:s, s:s}", "items", items, "on_date", today, "horizon", l.horizon);
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
