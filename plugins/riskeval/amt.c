/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Workplace actions (actions en milieu de travail, AMT, seed 3.2 and 3.6.1.6):
 * each action of the team in a company, with its type, date, professionals
 * and outcome; and the indicators of seed 3.2.1.4: the share of member
 * companies (and of their declared workers) covered by a fiche d'entreprise
 * validated within five years, and the workplace actions by type, for the
 * service and per NAF division, over any period. */
#include "riskeval.h"

/* The types of AMT, and their labels (French) for lists and indicators. */
static const char *const amt_types[] = {"fiche_entreprise", "etude", "metrologie",
                                        "conseil_duerp", "conseil", "autre", NULL};
static const char *const amt_labels[] = {"Fiche d'entreprise", "Étude de poste ou de situation",
                                         "Métrologie", "Aide au DUERP", "Conseil", "Autre"};

static int check_professionals(const json_t *v, char *msg, size_t size)
{
	size_t i;
	const json_t *e;

	if (json_array_size(v) == 0 || json_array_size(v) > 20)
		return snprintf(msg, size, "De 1 à 20 intervenants."), -1;
	json_array_foreach(v, i, e)
		if (!json_is_string(e) || json_string_length(e) == 0 || json_string_length(e) > 200)
			return snprintf(msg, size, "Intervenant n° %zu : un nom (200 caractères au plus).",
			                i + 1), -1;
	return 0;
}

static const struct socle_field amt_fields[] = {
	{"type", SOCLE_F_ENUM, true, 0, 0, amt_types, NULL},
	{"done_on", SOCLE_F_DATE, true, 0, 0, NULL, NULL},
	{"professionals", SOCLE_F_ARRAY, true, 0, 0, NULL, check_professionals},
	{"outcome", SOCLE_F_STRING, true, 1, 4000, NULL, NULL},
};

struct amt_write {
	socle_req *req;
	int64_t company;
	const json_t *body;
	json_t *row;
};

/* A metrology or a study is the "analyse plus poussée" of the fiche's
 * pathway (seed 3.2.2 D): its own event, so that riskeval_parcours.lua moves
 * on it and on no other action. */
static int analysis_event(socle_db *wdb, int64_t id, int64_t company, const json_t *b,
                          socle_err *err)
{
	const char *type = json_string_value(json_object_get(b, "type"));

	if (strcmp(type, "metrologie") != 0 && strcmp(type, "etude") != 0)
		return 0;
	return riskeval_emit(wdb, "amt.analysis_recorded",
	                     json_pack("{s:I, s:I, s:s, s:O}", "amt_id", (json_int_t)id, "company_id",
	                               (json_int_t)company, "type", type, "done_on",
	                               json_object_get(b, "done_on")), err);
}

static int amt_tx(socle_db *wdb, void *ud, socle_err *err)
{
	struct amt_write *aw = ud;
	const json_t *b = aw->body;
	int rc;

	if ((rc = riskeval_company_sync(wdb, aw->company, err)))
		return rc;
	char *pros = json_dumps(json_object_get(b, "professionals"), JSON_COMPACT);
	rc = socle_db_run_new(wdb, "INSERT INTO riskeval_amt (company_id, type, done_on,"
	                      " professionals, outcome, recorded_by, recorded_at) VALUES (:c, :type,"
	                      " :on, :pros, :outcome, :by, :now)",
	                      json_pack("{s:I, s:O, s:O, s:s?, s:O, s:I, s:I}", "c",
	                                (json_int_t)aw->company, "type", json_object_get(b, "type"),
	                                "on", json_object_get(b, "done_on"), "pros", pros, "outcome",
	                                json_object_get(b, "outcome"), "by",
	                                (json_int_t)socle_principal_user_id(socle_req_principal(aw->req)),
	                                "now", (json_int_t)socle_now_ms()), err);
	free(pros);
	if (rc < 0)
		return rc;
	int64_t id = socle_db_last_insert_id(wdb);
	if ((rc = riskeval_emit(wdb, "amt.recorded",
	                        json_pack("{s:I, s:I, s:O, s:O}", "amt_id", (json_int_t)id,
	                                  "company_id", (json_int_t)aw->company, "type",
	                                  json_object_get(b, "type"), "done_on",
	                                  json_object_get(b, "done_on")), err)) ||
	    (rc = analysis_event(wdb, id, aw->company, b, err)) ||
	    (rc = riskeval_audit(wdb, aw->req, "riskeval.amt.record", "company", aw->company,
	                         json_pack("{s:I, s:O}", "amt_id", (json_int_t)id, "type",
	                                   json_object_get(b, "type")), err)))
		return rc;
	aw->row = socle_db_query_one_new(wdb, "SELECT id, company_id, type, done_on, professionals,"
	                                 " outcome, recorded_by, recorded_at FROM riskeval_amt"
	                                 " WHERE id = :id", json_pack("{s:I}", "id", (json_int_t)id),
	                                 err);
	return aw->row ? 0 : err->code;
}

/* Stored professionals (JSON text) back to a list, and the type's label. */
static void amt_view(json_t *row)
{
	json_t *pros = json_loads(json_string_value(json_object_get(row, "professionals")), 0, NULL);
	const char *type = json_string_value(json_object_get(row, "type"));

	json_object_set_new(row, "professionals", pros ? pros : json_array());
	for (size_t i = 0; amt_types[i] && type; i++)
		if (strcmp(amt_types[i], type) == 0)
			json_object_set_new(row, "type_label", json_string(amt_labels[i]));
}

static int amt_post(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	struct amt_write aw = {.req = req, .body = socle_req_body(req)};
	json_t *errors = NULL;
	char today[SOCLE_DATE_SIZE];
	(void)ud;

	if (riskeval_company_param(req, &aw.company) != 0)
		return 0;
	socle_date_today(today);
	if (socle_fields_check(aw.body, amt_fields, SOCLE_COUNT(amt_fields), NULL, &errors) == 0) {
		const char *on = json_string_value(json_object_get(aw.body, "done_on"));
		if (strcmp(on, today) > 0)
			socle_field_error(&errors, "done_on", "Une action se déclare une fois faite : la "
			                  "date ne peut pas être dans le futur.");
	}
	if (errors)
		return socle_reply_invalid(req, errors);
	int rc = socle_service_write(socle_req_service(req), amt_tx, &aw, &err);
	if (rc != 0)
		return socle_reply_err(req, &err);
	amt_view(aw.row);
	return socle_reply_json(req, 201, aw.row);
}

/* GET /riskeval/companies/{id}/amt: the company's actions, by pages. */
static int amt_list(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company, after;
	int limit;
	(void)ud;

	if (riskeval_company_param(req, &company) != 0)
		return 0;
	if (socle_req_page(req, &limit, &after, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *rows = db ? socle_db_query_new(db,
		"SELECT id, company_id, type, done_on, professionals, outcome, recorded_by, recorded_at"
		" FROM riskeval_amt WHERE company_id = :c AND id > :after ORDER BY id LIMIT :limit",
		json_pack("{s:I, s:I, s:i}", "c", (json_int_t)company, "after", (json_int_t)after,
		          "limit", limit), &err) : NULL;
	if (rows == NULL)
		return socle_reply_err(req, &err);
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row)
		amt_view(row);
	return socle_reply_page(req, rows, limit, "id");
}

/* ---- GET /riskeval/indicators?from=&to= ---------------------------------------------- */

static double pct(json_int_t part, json_int_t whole)
{
	return whole > 0 ? (double)(part * 1000 / whole) / 10.0 : 0.0;
}

json_t *riskeval_indicators(socle_db *db, const char *from, const char *to, socle_err *err)
{
	char since[SOCLE_DATE_SIZE];

	/* Covered: a fiche validated in the five years that end on @p to. */
	socle_date_add_months(to, -60, since);
	json_t *divisions = socle_db_query_new(db,
		"SELECT COALESCE(SUBSTR(c.naf_code, 1, 2), '?') AS naf_division,"
		" COUNT(*) AS companies, COALESCE(SUM(c.headcount), 0) AS workers,"
		" SUM(CASE WHEN f.company_id IS NULL THEN 0 ELSE 1 END) AS companies_covered,"
		" COALESCE(SUM(CASE WHEN f.company_id IS NULL THEN 0 ELSE c.headcount END), 0)"
		"  AS workers_covered"
		" FROM riskeval_company c LEFT JOIN (SELECT DISTINCT company_id FROM riskeval_fiche"
		"  WHERE status = 'validated' AND validated_on > :since AND validated_on <= :to) f"
		"  ON f.company_id = c.company_id"
		" WHERE c.joined_on IS NOT NULL AND c.joined_on <= :to"
		"  AND (c.left_on IS NULL OR c.left_on > :to)"
		" GROUP BY naf_division ORDER BY naf_division",
		json_pack("{s:s, s:s}", "since", since, "to", to), err);
	json_t *amt = divisions ? socle_db_query_new(db,
		"SELECT type, COUNT(*) AS actions, COUNT(DISTINCT company_id) AS companies"
		" FROM riskeval_amt WHERE done_on >= :from AND done_on <= :to GROUP BY type",
		json_pack("{s:s, s:s}", "from", from, "to", to), err) : NULL;
	/* Primary prevention actions proposed in the period, by their answer. */
	json_t *prev = amt ? socle_db_query_one_new(db,
		"SELECT COUNT(*) AS proposed,"
		" COALESCE(SUM(CASE WHEN status = 'acceptee' THEN 1 ELSE 0 END), 0) AS accepted,"
		" COALESCE(SUM(CASE WHEN status = 'refusee' THEN 1 ELSE 0 END), 0) AS refused,"
		" COALESCE(SUM(CASE WHEN status = 'proposee' THEN 1 ELSE 0 END), 0) AS pending,"
		" COALESCE(SUM(CASE WHEN parcours = 1 THEN 1 ELSE 0 END), 0) AS parcours_1,"
		" COALESCE(SUM(CASE WHEN parcours = 2 THEN 1 ELSE 0 END), 0) AS parcours_2,"
		" COUNT(DISTINCT company_id) AS companies"
		" FROM riskeval_prevention_action WHERE proposed_on >= :from AND proposed_on <= :to",
		json_pack("{s:s, s:s}", "from", from, "to", to), err) : NULL;
	if (prev == NULL) {
		json_decref(divisions);
		json_decref(amt);
		return NULL;
	}
	json_int_t companies = 0, covered = 0, workers = 0, workers_covered = 0;
	size_t i;
	json_t *d;
	json_array_foreach(divisions, i, d) {
		json_int_t n = json_integer_value(json_object_get(d, "companies"));
		json_int_t c = json_integer_value(json_object_get(d, "companies_covered"));
		json_int_t w = json_integer_value(json_object_get(d, "workers"));
		json_int_t wc = json_integer_value(json_object_get(d, "workers_covered"));

		companies += n;
		covered += c;
		workers += w;
		workers_covered += wc;
		json_object_set_new(d, "companies_covered_pct", json_real(pct(c, n)));
		json_object_set_new(d, "workers_covered_pct", json_real(pct(wc, w)));
	}
	/* Every type, zero included, in the list's order. */
	json_t *by_type = json_array();
	for (size_t t = 0; amt_types[t]; t++) {
		json_int_t n = 0, nc = 0;
		json_array_foreach(amt, i, d)
			if (strcmp(json_string_value(json_object_get(d, "type")), amt_types[t]) == 0) {
				n = json_integer_value(json_object_get(d, "actions"));
				nc = json_integer_value(json_object_get(d, "companies"));
			}
		json_array_append_new(by_type, json_pack("{s:s, s:s, s:I, s:I}", "type", amt_types[t],
		                                         "label", amt_labels[t], "actions", n,
		                                         "companies", nc));
	}
	json_decref(amt);
	return json_pack(
		"{s:s, s:s, s:s, s:{s:I, s:I, s:f, s:I, s:I, s:f}, s:o, s:o, s:o}", "from", from,
		"to", to,
		"fiche_since", since, "fiche_coverage", "companies", companies, "companies_covered",
		covered, "companies_covered_pct", pct(covered, companies), "workers", workers,
		"workers_covered", workers_covered, "workers_covered_pct", pct(workers_covered, workers),
		"by_naf_division", divisions, "amt_by_type", by_type, "prevention_actions", prev);
}

static int indicators_get(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	char today[SOCLE_DATE_SIZE], from_default[SOCLE_DATE_SIZE];
	json_t *errors = NULL;
	(void)ud;

	socle_date_today(today);
	const char *to = socle_req_query(req, "to");
	const char *from = socle_req_query(req, "from");
	if (to != NULL && !socle_date_valid(to))
		socle_field_error(&errors, "to", "Date attendue au format AAAA-MM-JJ.");
	if (from != NULL && !socle_date_valid(from))
		socle_field_error(&errors, "from", "Date attendue au format AAAA-MM-JJ.");
	if (errors == NULL && from && to && strcmp(from, to) > 0)
		socle_field_error(&errors, "from", "Le début de la période suit sa fin.");
	if (errors)
		return socle_reply_invalid(req, errors);
	if (to == NULL)
		to = today;
	/* By default, the year that ends on @p to. */
	socle_date_add_months(to, -12, from_default);
	socle_date_add_days(from_default, 1, from_default);
	if (from == NULL)
		from = from_default;
	socle_db *db = socle_req_reader(req, &err);
	json_t *out = db ? riskeval_indicators(db, from, to, &err) : NULL;
	return out ? socle_reply_json(req, 200, out) : socle_reply_err(req, &err);
}

static const struct socle_route amt_routes[] = {
	{SOCLE_POST, "/riskeval/companies/{id}/amt", RISKEVAL_CAP_AMT, 0, amt_post, NULL},
	{SOCLE_GET, "/riskeval/companies/{id}/amt", SOCLE_CAP_AUTHENTICATED, 0, amt_list, NULL},
	{SOCLE_GET, "/riskeval/indicators", SOCLE_CAP_STAFF, 0, indicators_get, NULL},
};

int riskeval_amt_init(socle_plugin *p, socle_err *err)
{
	return socle_plugin_add_routes(p, amt_routes, SOCLE_COUNT(amt_routes), err);
}
