/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The automatic assignment: the queued requests in priority order, each given
 * the candidate slots it may legally take (role, type, site, first possible
 * day, the least notice), the rule point assign_slot(request, slots) choosing
 * one or explaining why none fits; the requests it could not place wait in
 * the unplaced queue with that reason. Bookings go through booking.c
 * (tracking_booking_apply), which re-reads both rows in the write. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "planning.h"

/* The least notice an automatic booking gives, in hours: the worker and the
 * employer are warned before the visit, and may still cancel online. The
 * setting "min_notice_hours", by default the cancellation cut-off. */
static int64_t min_notice_hours(socle_service *svc)
{
	const json_t *v = json_object_get(socle_service_settings(svc, tracking_plugin),
	                                  "min_notice_hours");

	if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 720)
		return json_integer_value(v);
	if (v != NULL)
		socle_log(SOCLE_LOG_WARN, "service %s : réglage tracking.min_notice_hours invalide "
		          "(entier de 0 à 720) : le délai d'annulation s'applique", socle_service_id(svc));
	return tracking_cutoff_hours(svc);
}

/* ---- the rule point assign_slot ---- */

static int assign_contract(const json_t *r, socle_err *err)
{
	const json_t *id;

	if (!json_is_object(r))
		return socle_err_set(err, SOCLE_E_CONTRACT, "le résultat doit être une table");
	id = json_object_get(r, "slot_id");
	if (id != NULL && !json_is_null(id) && (!json_is_integer(id) || json_integer_value(id) < 1))
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "slot_id doit être l'identifiant d'un des créneaux proposés, ou nil");
	return tracking_check_reason(r, err);
}

static const struct socle_rule_point assign_rule = {
	.name = "assign_slot",
	.contract =
		"assign_slot(request, slots) -> { slot_id = identifiant d'un créneau de slots, ou nil "
		"quand aucun ne convient, reason = phrase en français (pourquoi ce créneau, ou pourquoi "
		"aucun) }. request = comme visit_priority, avec id ; slots = { { id, professional_id, "
		"role = \"medecin\" | \"infirmier\", site, starts_at = \"AAAA-MM-JJTHH:MM\", "
		"duration_min, mode = \"in_person\" | \"teleconsultation\", visit_types = { codes } "
		"(vide : tous) } ... } : les créneaux libres à venir qui admettent ce type de visite, "
		"du rôle requis et du site demandé, par ordre chronologique (20 au plus).",
	.n_args = 2,
	.check = assign_contract,
};

/* ---- automatic assignment --------------------------------------------------------------------- */

/* Requests placed per write. Each write rewrites every page it touches, and
 * the requests of a run are spread over the whole table: batches of 200 made
 * the run write (and checkpoint) the same pages ten times over, 2000 keeps a
 * write under about 0.2 s of held writer in the bench (bench/tracking). */
#define RUN_BATCH 2000
/* Free slots offered to assign_slot per request: the earliest ones that fit
 * the role, the type and the site, in time order. The default rule takes the
 * first that meets the deadline, so it never needs more; a service's own rule
 * chooses among these 20. (100 made the assignment of 10,000 requests 1.7x
 * slower in the bench: each candidate is converted to Lua.) */
#define MAX_CANDIDATES 20
/* Bookable slots a run reads at most, the earliest ones (the bench's service
 * opens 40 professionals x 16 slots a day x 20 days, 12,800). Each is held as
 * a small JSON object while the run lasts; a request that fits none of them
 * stays queued with its reason for the next run. */
#define MAX_BOARD_SLOTS 50000

/* The bookable future slots, read once per run in time order: each request's
 * candidates are the first fitting ones not yet taken by this run, found in
 * memory instead of one query per request. A slot booked meanwhile by someone
 * else is refused by the write (tracking_booking_apply re-reads both rows), and the
 * request stays queued with that reason. */
struct board_slot {
	json_t *view;       /* what assign_slot's contract gives of a slot (owned) */
	/* The view's fields, borrowed from it: pushed to Lua for each request
	 * the slot is offered to, without going through JSON. */
	const char *site, *role, *starts_at, *mode;
	int64_t id, professional_id, duration_min, starts_ms;
	const json_t *visit_types;
	bool medecin, any_type, taken;
};

/* The slots offered to one request: indexes into the board. */
struct candidates {
	size_t at[MAX_CANDIDATES];
	size_t n;
};

struct board {
	struct board_slot *s;
	size_t n;
	size_t first_open; /* every slot before it is taken */
};

static void board_free(struct board *b)
{
	for (size_t i = 0; i < b->n; i++)
		json_decref(b->s[i].view);
	free(b->s);
	memset(b, 0, sizeof(*b));
}

static int board_load(socle_db *db, struct board *b, socle_err *err)
{
	char today[11], since[11];

	/* starts_at is the service's wall time, never more than a day behind the
	 * UTC date: the range on it uses the index tracking_slot_bookable, the
	 * instant then filters exactly. */
	socle_date_today(today);
	if (!socle_date_add_days(today, -1, since))
		memcpy(since, today, sizeof(since));
	json_t *rows = socle_db_query_new(db,
		"SELECT " SLOT_COLUMNS " FROM tracking_slot"
		" WHERE status <> 'booked' AND status <> 'cancelled' AND starts_at >= :since"
		" AND starts_ms > :now ORDER BY starts_at, id LIMIT :limit",
		json_pack("{s:s, s:I, s:i}", "since", since, "now", (json_int_t)socle_now_ms(), "limit",
		          MAX_BOARD_SLOTS),
		err);
	if (rows == NULL)
		return err->code ? err->code : SOCLE_E_NOMEM;
	size_t n = json_array_size(rows), i;
	json_t *row;
	b->s = calloc(n ? n : 1, sizeof(*b->s));
	if (b->s == NULL) {
		json_decref(rows);
		return NOMEM(err);
	}
	json_array_foreach(rows, i, row) {
		struct board_slot *s = &b->s[b->n];

		tracking_slot_view_ms(row, true);
		/* What assign_slot's contract gives of a slot, nothing more: each
		 * field is converted to Lua for each request it is offered to. */
		s->view = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "id",
		                    json_object_get(row, "id"), "professional_id",
		                    json_object_get(row, "professional_id"), "role",
		                    json_object_get(row, "role"), "site", json_object_get(row, "site"),
		                    "starts_at", json_object_get(row, "starts_at"), "duration_min",
		                    json_object_get(row, "duration_min"), "mode",
		                    json_object_get(row, "mode"), "visit_types",
		                    json_object_get(row, "visit_types"));
		if (s->view == NULL) {
			json_decref(rows);
			return NOMEM(err);
		}
		b->n++;
		s->id = iget(row, "id");
		s->starts_ms = iget(row, "starts_ms");
		s->site = sget(s->view, "site");
		s->role = sget(s->view, "role");
		s->starts_at = sget(s->view, "starts_at");
		s->mode = sget(s->view, "mode");
		s->professional_id = iget(s->view, "professional_id");
		s->duration_min = iget(s->view, "duration_min");
		s->visit_types = json_object_get(s->view, "visit_types");
		s->medecin = strcmp(sget(row, "role"), "medecin") == 0;
		s->any_type = json_array_size(json_object_get(row, "visit_types")) == 0;
	}
	json_decref(rows);
	return 0;
}

/* Candidates for a request: the earliest slots of the board not yet taken
 * that admit its type, of the role it needs, at the site it asks for,
 * starting after @p now (the caller adds the minimum notice) and not before
 * the request's first possible day. */
static void board_candidates(struct board *b, const json_t *r, int64_t now,
                             struct candidates *out)
{
	const struct tracking_visit_type *t = tracking_visit_type(sget(r, "type"));
	bool medecin = t && strcmp(t->who, "medecin") == 0;
	const char *site = sget(r, "site"), *type = sget(r, "type");
	const char *from = sget(r, "not_before"); /* a reprise: the day of return */

	out->n = 0;
	while (b->first_open < b->n && b->s[b->first_open].taken)
		b->first_open++;
	for (size_t i = b->first_open; i < b->n && out->n < MAX_CANDIDATES; i++) {
		const struct board_slot *s = &b->s[i];

		if (s->taken || s->starts_ms <= now || (medecin && !s->medecin) ||
		    (from && strncmp(s->starts_at, from, 10) < 0) ||
		    (site && *site && strcmp(site, s->site) != 0) ||
		    (!s->any_type && !tracking_slot_allows(s->view, type)))
			continue;
		out->at[out->n++] = i;
	}
}

struct run_batch {
	socle_req *req;
	struct booking bk[RUN_BATCH];
	size_t n;
	int64_t unplaced_ids[RUN_BATCH];
	char *unplaced_why[RUN_BATCH];
	size_t n_unplaced;
};

static int run_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct run_batch *rb = ud;
	int64_t now = socle_now_ms();
	int rc;

	for (size_t i = 0; i < rb->n; i++) {
		if ((rc = tracking_booking_apply(wdb, rb->req, &rb->bk[i], "automatique", err)) != 0)
			return rc;
	}
	for (size_t i = 0; i < rb->n_unplaced; i++)
		if ((rc = socle_db_run_new(wdb, "UPDATE tracking_visit_request SET unplaced_reason = :why,"
		                     " unplaced_at = :now, updated_at = :now"
		                     " WHERE id = :id AND status = 'queued'",
		                json_pack("{s:s, s:I, s:I}", "why", rb->unplaced_why[i], "now",
		                          (json_int_t)now, "id", (json_int_t)rb->unplaced_ids[i]),
		                err)) < 0)
			return rc;
	if (rb->n_unplaced > 0 &&
	    (rc = audit(wdb, rb->req, "tracking.assignment.unplaced", "visit_request",
	                rb->unplaced_ids[0],
	                json_pack("{s:I}", "count", (json_int_t)rb->n_unplaced), err)))
		return rc;
	return 0;
}

/* The board index of the candidate with this slot id, or -1. */
static long candidate_of(const struct board *b, const struct candidates *c, int64_t id)
{
	for (size_t i = 0; i < c->n; i++)
		if (b->s[c->at[i]].id == id)
			return (long)c->at[i];
	return -1;
}

/* assign_slot(request, slots), pushed: the request's view, then one table
 * per candidate with the fields of the slot view (as tracking_slot_view gives them:
 * visit_types always a list). */
struct choose_args {
	const json_t *view;
	const struct board *b;
	const struct candidates *c;
};

static void push_slot_field(lua_State *L, const char *key, const char *v)
{
	if (v != NULL) {
		lua_pushstring(L, v);
		lua_setfield(L, -2, key);
	}
}

static void push_choose_args(lua_State *L, void *ud)
{
	const struct choose_args *a = ud;

	socle_lua_push_json(L, a->view);
	lua_createtable(L, (int)a->c->n, 0);
	for (size_t i = 0; i < a->c->n; i++) {
		const struct board_slot *s = &a->b->s[a->c->at[i]];

		lua_createtable(L, 0, 8);
		lua_pushinteger(L, (lua_Integer)s->id);
		lua_setfield(L, -2, "id");
		lua_pushinteger(L, (lua_Integer)s->professional_id);
		lua_setfield(L, -2, "professional_id");
		push_slot_field(L, "role", s->role);
		push_slot_field(L, "site", s->site);
		push_slot_field(L, "starts_at", s->starts_at);
		lua_pushinteger(L, (lua_Integer)s->duration_min);
		lua_setfield(L, -2, "duration_min");
		push_slot_field(L, "mode", s->mode);
		socle_lua_push_json(L, s->visit_types);
		lua_setfield(L, -2, "visit_types");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

/* assign_slot for one request among its candidates: the chosen slot's board
 * index, or -1 with the reason in @p why. */
static long run_choose(socle_service *svc, const json_t *r, const struct board *b,
                       const struct candidates *c, char *why, size_t why_size)
{
	json_t *view = tracking_request_rule_view(r), *out = NULL;
	struct choose_args args = {.view = view, .b = b, .c = c};
	socle_err e2 = SOCLE_ERR_INIT;
	long chosen = -1;

	if (view == NULL) {
		snprintf(why, why_size, "Mémoire insuffisante.");
		return -1;
	}
	if (socle_rule_call_pushed(svc, "assign_slot", push_choose_args, &args, &out, &e2) != 0) {
		socle_log(SOCLE_LOG_WARN, "service %s : assign_slot en échec pour la demande %" PRId64
		          " : %s", socle_service_id(svc), iget(r, "id"), e2.msg);
		snprintf(why, why_size, "La règle d'affectation a échoué : %s", e2.msg);
	} else {
		const json_t *sid = json_object_get(out, "slot_id");

		snprintf(why, why_size, "%s", sget(out, "reason"));
		if (json_is_integer(sid) && candidate_of(b, c, json_integer_value(sid)) < 0) {
			socle_log(SOCLE_LOG_WARN, "service %s : assign_slot a choisi le créneau %"
			          JSON_INTEGER_FORMAT " qui n'était pas proposé (demande %" PRId64 ")",
			          socle_service_id(svc), json_integer_value(sid), iget(r, "id"));
			snprintf(why, why_size, "La règle d'affectation a choisi un créneau qui ne lui "
			         "était pas proposé (n° %" JSON_INTEGER_FORMAT ").",
			         json_integer_value(sid));
		} else if (json_is_integer(sid)) {
			chosen = candidate_of(b, c, json_integer_value(sid));
		}
	}
	json_decref(view);
	json_decref(out);
	return chosen;
}

/* The reply's items of one committed batch (at most 500 in all). */
static void run_report(const struct run_batch *rb, json_t *report, size_t *scheduled,
                       size_t *unplaced)
{
	for (size_t k = 0; k < rb->n; k++) {
		const struct booking *bk = &rb->bk[k];

		*scheduled += bk->done;
		*unplaced += !bk->done;
		if (json_array_size(report) < 500)
			json_array_append_new(
				report, bk->done
					? json_pack("{s:I, s:I, s:O, s:s}", "request_id",
					            (json_int_t)iget(bk->request, "id"), "slot_id",
					            (json_int_t)iget(bk->slot, "id"), "starts_at",
					            json_object_get(bk->slot, "starts_at"), "status",
					            "scheduled")
					: json_pack("{s:I, s:s, s:s}", "request_id",
					            (json_int_t)iget(bk->request, "id"), "status", "queued",
					            "reason", bk->failure));
	}
	for (size_t k = 0; k < rb->n_unplaced; k++) {
		(*unplaced)++;
		if (json_array_size(report) < 500)
			json_array_append_new(report, json_pack("{s:I, s:s, s:s}", "request_id",
			                                        (json_int_t)rb->unplaced_ids[k], "status",
			                                        "queued", "reason", rb->unplaced_why[k]));
	}
}

static void run_batch_clear(struct run_batch *rb)
{
	for (size_t k = 0; k < rb->n; k++)
		tracking_booking_clear(&rb->bk[k]);
	for (size_t k = 0; k < rb->n_unplaced; k++)
		free(rb->unplaced_why[k]);
	rb->n = rb->n_unplaced = 0;
}

static const struct socle_field run_fields[] = {
	{"company_id", SOCLE_F_INT, false, 1, INT64_MAX, NULL, NULL},
	{"limit", SOCLE_F_INT, false, 1, 10000, NULL, NULL},
};

/* POST /tracking/assignments/run {company_id?, limit?}: place the queued
 * requests in priority order, by batches of RUN_BATCH (one write each). */
static int assignments_run(socle_req *req, void *ud)
{
	const json_t *body = socle_req_body(req);
	socle_service *svc = socle_req_service(req);
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL, *report = NULL, *cursor = NULL; /* cursor: the last request seen */
	size_t considered = 0, scheduled = 0, unplaced = 0;
	int64_t company = body ? iget(body, "company_id") : 0;
	int64_t max = body && json_is_integer(json_object_get(body, "limit")) ? iget(body, "limit")
	                                                                      : 10000;
	struct board board = {0};
	struct run_batch *rb = NULL;
	int rc = 0;
	(void)ud;

	if (body && socle_fields_check(body, run_fields, SOCLE_COUNT(run_fields), NULL, &errors) > 0)
		return socle_reply_invalid(req, errors);
	socle_db *db = socle_req_reader(req, &err);
	if (db == NULL)
		return reply_fail(req, &err);
	if ((report = json_array()) == NULL || (rb = calloc(1, sizeof(*rb))) == NULL) {
		json_decref(report);
		return SOCLE_E_NOMEM;
	}
	rb->req = req;
	if ((rc = board_load(db, &board, &err)) != 0)
		goto out;
	int64_t now = socle_now_ms();
	while ((int64_t)considered < max) {
		int64_t want = max - (int64_t)considered < RUN_BATCH ? max - (int64_t)considered
		                                                      : RUN_BATCH;
		json_t *reqs = socle_db_query_new(db,
			/* What the run uses of a request (assign_slot's view, the booking,
			 * the cursor): a third of REQUEST_COLUMNS, converted 10,000 times. */
			"SELECT id, worker_id, company_id, type, requested_by, requested_on, due_before,"
			" site, priority, COALESCE(due_before, '9999-12-31') AS due_key, not_before"
			" FROM tracking_visit_request WHERE status = 'queued'"
			" AND (:company = 0 OR company_id = :company)"
			" AND (:first = 1 OR priority < :cp OR (priority = :cp"
			"   AND (COALESCE(due_before, '9999-12-31') > :cd"
			"   OR (COALESCE(due_before, '9999-12-31') = :cd AND id > :ci))))"
			" ORDER BY priority DESC, COALESCE(due_before, '9999-12-31'), id LIMIT :limit",
			json_pack("{s:I, s:b, s:f, s:s, s:I, s:I}", "company", (json_int_t)company, "first",
			          cursor == NULL, "cp",
			          cursor ? json_number_value(json_object_get(cursor, "priority")) : 0.0,
			          "cd", cursor ? sget(cursor, "due_key") : "", "ci",
			          (json_int_t)(cursor ? iget(cursor, "id") : 0), "limit", (json_int_t)want),
			&err);
		if (reqs == NULL) {
			rc = err.code ? err.code : SOCLE_E_NOMEM;
			break;
		}
		if (json_array_size(reqs) == 0) {
			json_decref(reqs);
			break;
		}
		json_decref(cursor);
		cursor = json_incref(json_array_get(reqs, json_array_size(reqs) - 1));
		size_t i;
		json_t *r;
		json_array_foreach(reqs, i, r) {
			struct candidates cands;
			char why[512];

			considered++;
			board_candidates(&board, r, now + min_notice_hours(svc) * 3600000, &cands);
			long chosen = run_choose(svc, r, &board, &cands, why, sizeof(why));
			if (chosen >= 0) {
				struct booking *bk = &rb->bk[rb->n++];

				bk->request = json_incref(r);
				bk->slot = json_incref(board.s[chosen].view);
				board.s[chosen].taken = true;
			} else if ((rb->unplaced_why[rb->n_unplaced] = strdup(why)) != NULL) {
				rb->unplaced_ids[rb->n_unplaced++] = iget(r, "id");
			} else {
				rc = SOCLE_E_NOMEM;
			}
			if (rc != 0)
				break;
		}
		json_decref(reqs);
		if (rc == 0 && (rc = socle_service_write(svc, run_txn, rb, &err)) == 0)
			run_report(rb, report, &scheduled, &unplaced);
		run_batch_clear(rb);
		if (rc != 0)
			break;
	}
out:
	json_decref(cursor);
	board_free(&board);
	free(rb);
	if (rc != 0) {
		json_decref(report);
		return err.code ? socle_reply_err(req, &err) : rc;
	}
	return socle_reply_json(req, 200,
	                        json_pack("{s:I, s:I, s:I, s:o}", "considered",
	                                  (json_int_t)considered, "scheduled", (json_int_t)scheduled,
	                                  "unplaced", (json_int_t)unplaced, "items", report));
}

/* GET /tracking/assignments/unplaced: queued requests the last run could not
 * place, with the reason, oldest request first. */
static int assignments_unplaced(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int limit;
	int64_t after;
	(void)ud;

	if (socle_req_page(req, &limit, &after, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *items = db ? socle_db_query_new(db, "SELECT id, worker_id, company_id, type, requested_by,"
	                               " requested_on, due_before, site, priority, unplaced_reason,"
	                               " unplaced_at FROM tracking_visit_request"
	                               " WHERE status = 'queued' AND unplaced_reason IS NOT NULL"
	                               " AND id > :after ORDER BY id LIMIT :limit",
	                           json_pack("{s:I, s:i}", "after", (json_int_t)after, "limit", limit),
	                           &err)
	                   : NULL;
	if (items == NULL)
		return reply_fail(req, &err);
	return socle_reply_page(req, items, limit, "id");
}

static const struct socle_route assignment_routes[] = {
	{SOCLE_POST, "/tracking/assignments/run", "tracking.planning", 1024, assignments_run, NULL},
	{SOCLE_GET, "/tracking/assignments/unplaced", "tracking.planning", 0, assignments_unplaced,
	 NULL},
};

int tracking_assignment_init(socle_plugin *p, socle_err *err)
{
	int rc;

	if ((rc = socle_plugin_add_routes(p, assignment_routes, SOCLE_COUNT(assignment_routes),
	                                  err)) ||
	    (rc = socle_plugin_add_rule_point(p, &assign_rule, err)))
		return rc;
	return 0;
}
