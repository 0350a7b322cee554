/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The employer's own list of the posts that need suivi individuel renforcé
 * (R4624-23 III: after the médecin du travail's opinion and the CSE's, kept
 * up to date every year): read it, and replace it as a whole, dated today. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "membership.h"

/* ---- the employer's SIR posts (R4624-23 III) --------------------------------- */

static int sir_posts_reply(socle_req *req, socle_db *db, int64_t company_id, unsigned status)
{
	socle_err err = SOCLE_ERR_INIT;
	char today[11], due[11];
	json_t *p = json_pack("{s:I}", "company", (json_int_t)company_id);
	json_t *items = socle_db_query(db,
		"SELECT id, post, justification, medecin_opinion_on, cse_opinion_on, updated_on"
		" FROM membership_sir_post WHERE company_id = :company ORDER BY id LIMIT 500", p, &err);

	json_decref(p);
	if (items == NULL)
		return socle_reply_err(req, &err);
	socle_date_today(today);
	/* The list is updated as a whole: its date is the oldest row's. */
	const char *updated = NULL;
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it) {
		const char *u = json_string_value(json_object_get(it, "updated_on"));

		if (u && (updated == NULL || strcmp(u, updated) < 0))
			updated = u;
	}
	json_t *body = json_pack("{s:I, s:O, s:s?}", "company_id", (json_int_t)company_id, "items",
	                         items, "updated_on", updated);
	if (updated) {
		if (!socle_date_add_months(updated, 12, due))
			due[0] = '\0';
		json_object_set_new(body, "next_update_due", json_string(due));
		json_object_set_new(body, "due_for_update", json_boolean(strcmp(today, due) > 0));
	} else {
		json_object_set_new(body, "updated_on", json_null());
		json_object_set_new(body, "next_update_due", json_null());
		json_object_set_new(body, "due_for_update", json_false());
	}
	json_decref(items);
	return socle_reply_json(req, status, body);
}

/* GET /membership/companies/{id}/sir-posts */
static int sir_posts_get(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company_id;
	(void)ud;

	if (membership_company_param(req, MEMBERSHIP_ROLE_DECLARATION, &company_id) != 0)
		return 0;
	socle_db *db = socle_req_reader(req, &err);
	if (db == NULL)
		return socle_reply_err(req, &err);
	return sir_posts_reply(req, db, company_id, 200);
}

static int check_past_date(const json_t *v, char *msg, size_t size)
{
	char today[11];

	socle_date_today(today);
	if (strcmp(json_string_value(v), today) > 0) {
		snprintf(msg, size, "Ne peut être une date future.");
		return -1;
	}
	return 0;
}

static const struct socle_field sir_list_fields[] = {
	{.name = "posts", .type = SOCLE_F_ARRAY, .required = true, .max = 200},
};
static const struct socle_field sir_post_fields[] = {
	{.name = "post", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 200,
	 .check = membership_check_trimmed_text},
	{.name = "justification", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 4000},
	{.name = "medecin_opinion_on", .type = SOCLE_F_DATE, .required = true,
	 .check = check_past_date},
	/* A company without CSE (fewer than 11 employees) has no CSE opinion to give. */
	{.name = "cse_opinion_on", .type = SOCLE_F_DATE, .check = check_past_date},
};

struct sir_write {
	socle_req *req;
	int64_t company_id;
	const json_t *posts;
};

static int sir_posts_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct sir_write *sw = ud;
	char today[11];
	json_t *p = json_pack("{s:I}", "company", (json_int_t)sw->company_id);
	int rc = socle_db_run(wdb, "DELETE FROM membership_sir_post WHERE company_id = :company", p,
	                      err);
	size_t i;
	json_t *post;

	json_decref(p);
	socle_date_today(today);
	json_array_foreach(sw->posts, i, post) {
		if (rc < 0)
			break;
		json_t *row = json_pack("{s:I, s:O, s:O, s:O, s:O, s:s, s:o}", "company",
		                        (json_int_t)sw->company_id, "post", json_object_get(post, "post"),
		                        "justification", json_object_get(post, "justification"),
		                        "medecin", json_object_get(post, "medecin_opinion_on"), "cse",
		                        json_object_get(post, "cse_opinion_on")
		                                ? json_object_get(post, "cse_opinion_on")
		                                : json_null(),
		                        "today", today, "by", membership_user_json(sw->req));
		rc = socle_db_run(wdb,
			"INSERT INTO membership_sir_post (company_id, post, justification,"
			" medecin_opinion_on, cse_opinion_on, updated_on, updated_by)"
			" VALUES (:company, :post, :justification, :medecin, :cse, :today, :by)", row, err);
		json_decref(row);
	}
	if (rc < 0)
		return rc;
	json_t *d = json_pack("{s:I}", "posts", (json_int_t)json_array_size(sw->posts));
	struct socle_audit_entry e = {.action = "membership.sir_posts.update",
	                              .object_type = "company", .object_id = sw->company_id,
	                              .outcome = "ok", .detail = d};
	rc = socle_audit(wdb, sw->req, &e, err);
	json_decref(d);
	return rc;
}

/* PUT /membership/companies/{id}/sir-posts {posts: [...]}: the whole list,
 * dated today (its yearly update). */
static int sir_posts_put(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	struct sir_write sw = {.req = req};
	json_t *errors = NULL;
	(void)ud;

	if (membership_company_param(req, MEMBERSHIP_ROLE_DECLARATION, &sw.company_id) != 0)
		return 0;
	const json_t *body = socle_req_body(req);
	if (socle_fields_check(body, sir_list_fields, SOCLE_COUNT(sir_list_fields), NULL, &errors) > 0)
		return socle_reply_invalid(req, errors);
	sw.posts = json_object_get(body, "posts");
	size_t i;
	json_t *post;
	json_array_foreach(sw.posts, i, post) {
		char prefix[32];

		snprintf(prefix, sizeof(prefix), "posts[%zu].", i);
		socle_fields_check(post, sir_post_fields, SOCLE_COUNT(sir_post_fields), prefix, &errors);
	}
	if (errors)
		return socle_reply_invalid(req, errors);
	if (socle_service_write(socle_req_service(req), sir_posts_txn, &sw, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	if (db == NULL)
		return socle_reply_err(req, &err);
	return sir_posts_reply(req, db, sw.company_id, 200);
}

static const struct socle_route sir_post_routes[] = {
	{SOCLE_GET, "/membership/companies/{id}/sir-posts", "membership.workforce", 0, sir_posts_get,
	 NULL},
	{SOCLE_PUT, "/membership/companies/{id}/sir-posts", "membership.workforce", 262144,
	 sir_posts_put, NULL},
};

int membership_sir_posts_init(socle_plugin *p, socle_err *err)
{
	return socle_plugin_add_routes(p, sir_post_routes, SOCLE_COUNT(sir_post_routes), err);
}
