/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The routes of due visits (due.c computes them):
 *   - POST /tracking/due/recompute queues a run of the recomputation now,
 *     GET /tracking/due/runs lists the last runs with their counts (staff);
 *   - GET /tracking/companies/{id}/due-visits lists the company's workers
 *     with their owed visits as of the last run, earliest deadline first
 *     (staff, the company's employer users: dates and visit types, no medical
 *     content);
 *   - GET /tracking/workers/{id}/next-visits asks the engine now for one
 *     worker (tracking_next_visits_now), with its explanations and articles
 *     (staff, the worker, its employer). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracking.h"

/* The last finished run, or JSON null. */
static json_t *last_run(socle_db *db, socle_err *err)
{
	socle_err e2 = SOCLE_ERR_INIT;
	json_t *r = socle_db_query_one(db, "SELECT id, on_date, state, queued_at, started_at,"
	                                   " finished_at, workers, changed, failed, error"
	                                   " FROM tracking_due_run WHERE state IN ('done', 'failed')"
	                                   " ORDER BY id DESC LIMIT 1",
	                               NULL, &e2);

	if (r == NULL && e2.code != SOCLE_E_NOTFOUND) {
		*err = e2;
		return NULL;
	}
	return r ? r : json_null();
}

/* POST /tracking/due/recompute: queue a run now (202), or say which one is
 * already queued or running (200). */
static int due_recompute_route(socle_req *req, void *ud)
{
	struct tracking_due_queue q = {.user_id = socle_principal_user_id(socle_req_principal(req))};
	socle_err err = SOCLE_ERR_INIT;
	(void)ud;

	if (socle_service_write(socle_req_service(req), tracking_due_queue_txn, &q, &err) != 0)
		return socle_reply_err(req, &err);
	return socle_reply_json(req, q.run_id > 0 ? 202 : 200,
	                        json_pack("{s:I, s:s}", "run_id",
	                                  (json_int_t)(q.run_id > 0 ? q.run_id : -q.run_id), "state",
	                                  q.run_id > 0 ? "queued" : "already_queued"));
}

/* GET /tracking/due/runs: the last runs, newest first. */
static int due_runs_route(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	socle_db *db = socle_req_reader(req, &err);
	json_t *items = db ? socle_db_query(db, "SELECT id, on_date, state, queued_at, started_at,"
	                                        " finished_at, workers, changed, failed, error"
	                                        " FROM tracking_due_run ORDER BY id DESC LIMIT 30",
	                                    NULL, &err)
	                   : NULL;
	(void)ud;

	return items ? socle_reply_json(req, 200, json_pack("{s:o}", "items", items))
	             : reply_fail(req, &err);
}

/* GET /tracking/companies/{id}/due-visits[?overdue=1]: the company's workers
 * and what they owe, earliest deadline first (workers without any owed visit
 * last), by pages: the cursor is the last worker of the previous page, whose
 * deadline is read back (as the visits-to-plan list does). */
static int due_visits_route(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company, after;
	int limit;
	const char *ov = socle_req_query(req, "overdue");
	(void)ud;

	if (socle_req_param_id(req, "id", &company) != 0)
		return socle_reply_error(req, 404, "not_found", "Entreprise introuvable.");
	if (socle_req_page(req, &limit, &after, &err) != 0)
		return socle_reply_err(req, &err);
	if (ov != NULL && strcmp(ov, "1") != 0 && strcmp(ov, "0") != 0)
		return socle_reply_error(req, 400, "invalid",
		                         "Paramètre « overdue » invalide : 0 ou 1 attendu.");
	if (socle_access_company(req, company, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *params = json_pack("{s:I, s:b, s:I, s:i}", "company", (json_int_t)company,
	                           "overdue", ov != NULL && strcmp(ov, "1") == 0, "after",
	                           (json_int_t)after, "limit", limit);
	json_t *items = db && params ? socle_db_query(
		db,
		"WITH c AS (SELECT COALESCE(next_due, '9999-99-99') AS cd FROM tracking_due"
		"   WHERE worker_id = :after AND company_id = :company)"
		" SELECT d.worker_id, w.last_name, w.first_name, w.category, d.visits, d.next_type,"
		" d.next_due, d.overdue, d.error"
		" FROM tracking_due d JOIN tracking_worker w ON w.id = d.worker_id"
		" LEFT JOIN c ON 1 = 1"
		" WHERE d.company_id = :company AND (:overdue = 0 OR d.overdue > 0)"
		" AND (:after = 0 OR COALESCE(d.next_due, '9999-99-99') > c.cd"
		"   OR (COALESCE(d.next_due, '9999-99-99') = c.cd AND d.worker_id > :after))"
		" ORDER BY COALESCE(d.next_due, '9999-99-99'), d.worker_id LIMIT :limit",
		params, &err) : NULL;
	json_decref(params);
	json_t *run = items ? last_run(db, &err) : NULL;
	if (items == NULL || run == NULL) {
		json_decref(items);
		return reply_fail(req, &err);
	}
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it) {
		json_t *v = json_loads(sget(it, "visits") ? sget(it, "visits") : "[]", 0, NULL);

		json_object_set_new(it, "visits", json_is_array(v) ? v : json_array());
		if (v && !json_is_array(v))
			json_decref(v);
	}
	json_t *body = json_pack("{s:o, s:o}", "items", items, "computed", run);

	json_object_set_new(body, "next_cursor", socle_page_cursor(items, limit, "worker_id"));
	return body ? socle_reply_json(req, 200, body) : SOCLE_E_NOMEM;
}

/* GET /tracking/workers/{id}/next-visits: the engine asked now about one
 * worker, with its explanations and articles. */
static int worker_next_visits_route(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t worker_id, company = 0;
	char today[11];
	(void)ud;

	if (socle_req_param_id(req, "id", &worker_id) != 0)
		return socle_reply_error(req, 404, "not_found", "Salarié introuvable.");
	socle_db *db = socle_req_reader(req, &err);
	if (db == NULL)
		return reply_fail(req, &err);
	json_t *out = tracking_next_visits_now(socle_req_service(req), db, worker_id, &company, &err);

	/* Whose worker it is decides before anything about it is said. */
	if (err.code != SOCLE_E_NOTFOUND && company != 0) {
		socle_err e2 = SOCLE_ERR_INIT;

		if (socle_access_worker(req, worker_id, company, &e2) != 0) {
			json_decref(out);
			return socle_reply_err(req, &e2);
		}
	}
	if (out == NULL) {
		if (err.code == SOCLE_E_CONFLICT)
			return socle_reply_error(req, 409,
			                         strstr(err.msg, "illisible") ? "invalid_data" : "no_category",
			                         err.msg);
		return socle_reply_err(req, &err);
	}
	socle_date_today(today);
	json_object_set_new(out, "worker_id", json_integer(worker_id));
	json_object_set_new(out, "on_date", json_string(today));
	tracking_next_visits_for(req, out);
	return socle_reply_json(req, 200, out);
}

static const struct socle_route due_routes[] = {
	{SOCLE_POST, "/tracking/due/recompute", "tracking.planning", 1024, due_recompute_route,
	 NULL},
	{SOCLE_GET, "/tracking/due/runs", "tracking.planning", 0, due_runs_route, NULL},
	{SOCLE_GET, "/tracking/companies/{id}/due-visits", "tracking.request", 0, due_visits_route,
	 NULL},
	{SOCLE_GET, "/tracking/workers/{id}/next-visits", "tracking.request", 0,
	 worker_next_visits_route, NULL},
};

static const char *const overdue_choices[] = {"0", "1", NULL};
static const struct socle_field due_query[] = {
	{"overdue", SOCLE_F_ENUM, false, 0, 0, overdue_choices, NULL},
	TRACKING_PAGE_QUERY,
};

static const struct socle_route_doc due_docs[] = {
	{SOCLE_POST, "/tracking/due/recompute",
	 "Recalculer maintenant les prochaines visites de tous les salariés (en tâche de fond).",
	 NULL, 0, NULL, 0,
	 "{run_id, state} : « queued » (202), ou « already_queued » pour un calcul déjà en attente "
	 "ou en cours (200)."},
	{SOCLE_GET, "/tracking/due/runs", "Les derniers calculs des visites dues et leurs comptes.",
	 NULL, 0, NULL, 0,
	 "{items: [{id, on_date, state, queued_at, started_at, finished_at, workers, changed, "
	 "failed, error}]}, du plus récent (30 au plus)."},
	{SOCLE_GET, "/tracking/companies/{id}/due-visits",
	 "Les visites dues des salariés d'une entreprise, la plus proche échéance d'abord "
	 "(overdue=1 : en retard seulement).", NULL, 0, due_query, SOCLE_COUNT(due_query),
	 "{items: [{worker_id, last_name, first_name, category, visits: [{type, earliest, latest "
	 "ou before, who, overdue}], next_type, next_due, overdue, error}], computed, next_cursor}."},
	{SOCLE_GET, "/tracking/workers/{id}/next-visits",
	 "Les prochaines visites d'un salarié, calculées maintenant, avec leurs explications et "
	 "leurs articles.", NULL, 0, NULL, 0,
	 "La réponse de next_visits ({visits: [{type, earliest, latest ou before, who, basis, "
	 "explanation, overdue}], notes}) avec worker_id et on_date ; 409 no_category sans "
	 "catégorie."},
};

int tracking_due_routes_init(socle_plugin *p, socle_err *err)
{
	int rc = socle_plugin_add_routes(p, due_routes, SOCLE_COUNT(due_routes), err);

	return rc ? rc : socle_plugin_describe_routes(p, due_docs, SOCLE_COUNT(due_docs), err);
}
