/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Who should be offered what (seed 3.4.1.3): the rule point
 * recommend_actions(company, actions, on_date) of the service's rule pack
 * decides from what is known of the company, gathered here:
 *   - its risks: the exposures of its workers employed on the date
 *     (membership.v1; the company's own declaration is not in v1), each with
 *     how many workers it concerns;
 *   - its NAF division (the first two digits of its NAF code);
 *   - its prevention score, kept from membership's company.prevention_scored;
 *   - what it attended, and when;
 *   - the risks named in the needs it expressed (needs.c).
 * The catalogue is passed too: a rule pack reads no table. Staff also see, per
 * action, the companies it is recommended to and that have not registered. */
#include <unistd.h>

#include "awareness.h"

static int check_recommendations(const json_t *r, socle_err *err)
{
	size_t i;
	const json_t *v;

	if (!json_is_array(r))
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "recommend_actions doit rendre une liste (socle.array)");
	json_array_foreach(r, i, v) {
		const json_t *id = json_object_get(v, "action_id"), *why = json_object_get(v, "reason");

		if (!json_is_integer(id) || json_integer_value(id) <= 0 || !json_is_string(why) ||
		    json_string_length(why) == 0 || !json_is_integer(json_object_get(v, "priority")))
			return socle_err_set(err, SOCLE_E_CONTRACT, "recommend_actions : l'élément %zu doit "
			                     "avoir action_id (entier), priority (entier) et reason (texte "
			                     "non vide)", i + 1);
	}
	return 0;
}

static const struct socle_rule_point recommend_point = {
	.name = "recommend_actions",
	.contract = "recommend_actions(company, actions, on_date) -> liste de { action_id, priority, "
	            "reason } : les actions à proposer à l'entreprise (ses risques, sa division NAF, "
	            "son score de prévention, ce qu'elle a suivi), chacune avec sa raison en français, "
	            "la plus prioritaire d'abord.",
	.n_args = 3,
	.check = check_recommendations,
};

struct exposures {
	const char *on;
	json_t *counts; /* code -> workers */
};

static int count_exposures(const struct membership_worker_row *w, void *ud)
{
	struct exposures *x = ud;

	if (strcmp(w->start_date, x->on) > 0 || (w->end_date && strcmp(w->end_date, x->on) < 0))
		return 0;
	json_t *list = awareness_json_column(w->exposures);
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) {
		const char *code = json_string_value(v);
		if (code)
			json_object_set_new(x->counts, code, json_integer(
				json_integer_value(json_object_get(x->counts, code)) + 1));
	}
	json_decref(list);
	return 0;
}

/* The rule's first argument for @p company on @p on; NULL with @p err set. */
static json_t *company_context(socle_db *db, int64_t company, const char *on, socle_err *err)
{
	json_t *c = awareness_membership->company_get(db, company, err);
	if (c == NULL)
		return NULL;
	const char *naf = json_string_value(json_object_get(c, "naf_code"));
	char division[3] = {0};
	if (naf && strlen(naf) >= 2)
		memcpy(division, naf, 2);
	struct exposures x = {.on = on, .counts = json_object()};
	int rc = awareness_membership->workers_each(db, company, 0, count_exposures, &x, err);
	json_t *score = rc < 0 ? NULL : socle_db_query_new(db,
		"SELECT score FROM awareness_company_score WHERE company_id = :id",
		json_pack("{s:I}", "id", (json_int_t)company), err);
	json_t *attended = score ? socle_db_query_new(db,
		"SELECT s.action_id, max(s.held_on) AS \"on\" FROM awareness_registration r"
		" JOIN awareness_session s ON s.id = r.session_id WHERE r.company_id = :id"
		" AND r.attended = 1 GROUP BY s.action_id ORDER BY s.action_id",
		json_pack("{s:I}", "id", (json_int_t)company), err) : NULL;
	/* The risks named in the needs it expressed (needs.c), each once. */
	json_t *needs = attended ? socle_db_query_new(db, "SELECT risks FROM awareness_need"
		" WHERE company_id = :id ORDER BY id LIMIT 200",
		json_pack("{s:I}", "id", (json_int_t)company), err) : NULL;
	if (needs == NULL) {
		json_decref(c);
		json_decref(x.counts);
		json_decref(score);
		json_decref(attended);
		return NULL;
	}
	json_t *expressed = json_array(), *seen = json_object();
	size_t k;
	json_t *need;
	json_array_foreach(needs, k, need) {
		json_t *list = awareness_json_column(json_string_value(json_object_get(need, "risks")));
		size_t m;
		json_t *v;
		json_array_foreach(list, m, v) {
			if (json_is_string(v) && !json_object_get(seen, json_string_value(v))) {
				json_object_set(seen, json_string_value(v), json_true());
				json_array_append(expressed, v);
			}
		}
		json_decref(list);
	}
	json_decref(seen);
	json_decref(needs);
	json_t *risks = json_array();
	const char *code;
	json_t *n;
	json_object_foreach(x.counts, code, n) json_array_append_new(risks, json_string(code));
	json_t *ctx = json_pack("{s:I, s:O?, s:s, s:O?, s:o, s:o, s:o, s:o}", "id",
		(json_int_t)company, "legal_name", json_object_get(c, "legal_name"), "naf_division",
		division, "naf_code", json_object_get(c, "naf_code"), "risks", risks, "risk_workers",
		x.counts, "attended", attended, "expressed", expressed);
	const json_t *s = json_object_get(json_array_get(score, 0), "score");
	if (json_is_number(s))
		json_object_set(ctx, "prevention_score", (json_t *)s);
	json_decref(score);
	json_decref(c);
	return ctx;
}

json_t *awareness_catalogue(socle_db *db, socle_err *err)
{
	json_t *rows = socle_db_query_new(db,
		"SELECT id, kind, title, audience, risks, naf_divisions FROM awareness_action"
		" WHERE active = 1 ORDER BY id LIMIT 10000", json_object(), err);
	static const char *const lists[] = {"audience", "risks", "naf_divisions", NULL};
	size_t i;
	json_t *row;

	json_array_foreach(rows, i, row) awareness_parse_columns(row, lists);
	return rows;
}

/* recommend_actions for @p company on @p on, each item with the action's
 * title and kind added; NULL with @p err set. */
json_t *awareness_recommend_company(socle_service *svc, socle_db *db, int64_t company,
                                    const char *on, const json_t *actions, socle_err *err)
{
	json_t *ctx = company_context(db, company, on, err), *out = NULL;

	if (ctx == NULL)
		return NULL;
	json_t *args = json_pack("[o, O, s]", ctx, actions, on);
	int rc = socle_rule_call(svc, "recommend_actions", args, &out, err);
	json_decref(args);
	if (rc != 0)
		return NULL;
	if (awareness_recommend_decorate(out, actions, err) != 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* The action @p id of the catalogue (in id order, as awareness_catalogue
 * reads it): a binary search, for the many answers of one pass. */
static const json_t *catalogue_find(const json_t *actions, json_int_t id)
{
	size_t a = 0, b = json_array_size(actions);

	while (a < b) {
		size_t m = a + (b - a) / 2;
		json_int_t v = json_integer_value(json_object_get(json_array_get(actions, m), "id"));
		if (v == id)
			return json_array_get(actions, m);
		if (v < id)
			a = m + 1;
		else
			b = m;
	}
	return NULL;
}

int awareness_recommend_decorate(json_t *items, const json_t *actions, socle_err *err)
{
	size_t i;
	json_t *item;

	json_array_foreach(items, i, item) {
		json_int_t id = json_integer_value(json_object_get(item, "action_id"));
		const json_t *a = catalogue_find(actions, id);
		if (a == NULL) /* not in the catalogue: out of contract */
			return socle_err_set(err, SOCLE_E_CONTRACT, "recommend_actions propose l'action "
			                     "%lld, absente du catalogue", (long long)id);
		json_object_set(item, "title", json_object_get(a, "title"));
		json_object_set(item, "kind", json_object_get(a, "kind"));
	}
	return 0;
}

static bool on_date(socle_req *req, char out[SOCLE_DATE_SIZE])
{
	const char *on = socle_req_query(req, "on");

	if (on == NULL) {
		socle_date_today(out);
		return true;
	}
	snprintf(out, SOCLE_DATE_SIZE, "%s", on);
	return socle_date_valid(on);
}

/* GET /awareness/companies/{id}/recommendations?on= */
static int route_recommendations(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company;
	char on[SOCLE_DATE_SIZE];
	(void)ud;

	if (socle_req_param_id(req, "id", &company) != 0)
		return SOCLE_E_NOTFOUND;
	if (!on_date(req, on)) {
		json_t *errors = NULL;
		socle_field_error(&errors, "on", "doit être une date AAAA-MM-JJ");
		return socle_reply_invalid(req, errors);
	}
	if (socle_access_company(req, company, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *actions = db ? awareness_catalogue(db, &err) : NULL;
	json_t *items = actions ? awareness_recommend_company(socle_req_service(req), db, company, on,
	                                                      actions, &err) : NULL;
	json_decref(actions);
	if (items == NULL)
		return socle_reply_err(req, &err);
	return socle_reply_json(req, 200, json_pack("{s:I, s:s, s:o}", "company_id",
	                                            (json_int_t)company, "on", on, "items", items));
}

struct unreached {
	int64_t action;
	json_t *items;
	socle_err *err;
};

/* One company's recommendations: kept when they hold the action and the
 * company has no registration to it. */
static int keep_unreached(int64_t company, const char *legal_name,
                          const struct awareness_recommendation *rec, size_t n, void *ud)
{
	struct unreached *u = ud;

	for (size_t j = 0; j < n; j++)
		if (rec[j].action_id == u->action &&
		    json_array_append_new(u->items, json_pack("{s:I, s:s, s:s}", "company_id",
		                                              (json_int_t)company, "legal_name",
		                                              legal_name, "reason", rec[j].reason)))
			return socle_err_set(u->err, SOCLE_E_NOMEM, "mémoire insuffisante");
	return 0;
}

static int by_company(const void *x, const void *y)
{
	json_int_t a = json_integer_value(json_object_get(*(json_t *const *)x, "company_id"));
	json_int_t b = json_integer_value(json_object_get(*(json_t *const *)y, "company_id"));

	return (a > b) - (a < b);
}

/* GET /awareness/actions/{id}/unreached?on= (staff): the companies whose
 * recommendations hold this action and that have no registration to it. */
static int route_unreached(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t action;
	char on[SOCLE_DATE_SIZE];
	(void)ud;

	if (socle_req_param_id(req, "id", &action) != 0)
		return SOCLE_E_NOTFOUND;
	if (!on_date(req, on)) {
		json_t *errors = NULL;
		socle_field_error(&errors, "on", "doit être une date AAAA-MM-JJ");
		return socle_reply_invalid(req, errors);
	}
	socle_db *db = socle_req_reader(req, &err);
	json_t *a = db ? awareness_action_load(db, action, &err) : NULL;
	if (a == NULL)
		return socle_reply_err(req, &err);
	json_decref(a);
	struct unreached u = {.action = action, .items = json_array(), .err = &err};
	json_t *actions = awareness_catalogue(db, &err);
	/* Recommended to every company once, in one pass (recommend_all.c); the
	 * companies holding a place at a session of the action still to be held
	 * (one query) are left out after. A company that attended is not
	 * recommended the action again by the rule until its refresher is due;
	 * one whose worker was absent, or that cancelled, is still to reach. */
	json_t *registered = actions ? socle_db_query_new(db,
		"SELECT DISTINCT r.company_id FROM awareness_registration r JOIN awareness_session s"
		" ON s.id = r.session_id WHERE s.action_id = :action AND r.status <> 'cancelled'"
		" AND s.status = 'planned' ORDER BY r.company_id LIMIT 1000000",
		json_pack("{s:I}", "action", (json_int_t)action), &err) : NULL;
	/* The pass over every company on the machine's cores (at most 4): one
	 * thread is about 3 s for 50,000 companies (bench/awareness). */
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int threads = cpus < 1 ? 1 : cpus > 4 ? 4 : (int)cpus;
	int rc = registered ? awareness_recommend_each(socle_req_service(req), db, on, actions,
	                                               threads, keep_unreached, &u, &err)
	                    : err.code;
	json_decref(actions);
	if (rc != 0) {
		json_decref(registered);
		json_decref(u.items);
		return socle_reply_err(req, &err);
	}
	/* The threads hand the companies in no set order: company order, as the
	 * registered list is. */
	size_t n = json_array_size(u.items);
	json_t **sorted = malloc((n ? n : 1) * sizeof(*sorted));
	if (sorted == NULL) {
		json_decref(registered);
		json_decref(u.items);
		return SOCLE_E_NOMEM;
	}
	for (size_t j = 0; j < n; j++)
		sorted[j] = json_array_get(u.items, j);
	qsort(sorted, n, sizeof(*sorted), by_company);
	json_t *items = json_array();
	size_t k = 0;
	for (size_t j = 0; j < n; j++) { /* both in company order */
		json_t *item = sorted[j];
		json_int_t c = json_integer_value(json_object_get(item, "company_id"));
		while (k < json_array_size(registered) &&
		       json_integer_value(json_object_get(json_array_get(registered, k), "company_id")) < c)
			k++;
		if (k < json_array_size(registered) &&
		    json_integer_value(json_object_get(json_array_get(registered, k), "company_id")) == c)
			continue;
		json_array_append(items, item);
	}
	free(sorted);
	json_decref(registered);
	json_decref(u.items);
	return socle_reply_json(req, 200, json_pack("{s:I, s:s, s:o}", "action_id", (json_int_t)action,
	                                            "on", on, "items", items));
}

static const struct socle_route recommend_routes[] = {
	{SOCLE_GET, "/awareness/companies/{id}/recommendations", SOCLE_CAP_AUTHENTICATED, 0,
	 route_recommendations, NULL},
	{SOCLE_GET, "/awareness/actions/{id}/unreached", AWARENESS_MANAGE, 0, route_unreached, NULL},
};

int awareness_recommend_init(socle_plugin *p, socle_err *err)
{
	int rc = socle_plugin_add_rule_point(p, &recommend_point, err);

	return rc ? rc : socle_plugin_add_routes(p, recommend_routes, SOCLE_COUNT(recommend_routes), err);
}
