/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* membership.v1: what membership offers other plugins (the contract is
 * include/socle/membership.h), on membership's own tables. This file owns the
 * table that membership_init exports; nothing else in the plugin knows it.
 *
 * Every function reads through the caller's connection and never writes. It
 * checks its arguments first (SOCLE_E_INVAL with a French message), then
 * answers SOCLE_E_NOTFOUND for an unknown worker or company. Workers are read
 * with workforce.c's readers and cut down to the members the header lists,
 * companies' status and employer users with company.c's and company_users.c's;
 * the SQL written here is the contract's own: the company view, the streaming
 * reader, the count and the category's history.
 *
 * Employer roles have two spellings: the interface's (MEMBERSHIP_EMPLOYER_*:
 * admin, billing) and the REST routes' (MEMBERSHIP_ROLE_*: administrateur,
 * facturation). The routes' spelling never leaves this file. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <socle/membership.h>

#include "membership.h"

#define PAGE_MAX 500

static const struct {
	const char *api;   /* MEMBERSHIP_EMPLOYER_* */
	const char *route; /* MEMBERSHIP_ROLE_* */
} employer_roles[] = {
	{MEMBERSHIP_EMPLOYER_ADMIN, MEMBERSHIP_ROLE_ADMIN},
	{MEMBERSHIP_EMPLOYER_DECLARATION, MEMBERSHIP_ROLE_DECLARATION},
	{MEMBERSHIP_EMPLOYER_CONVOCATION, MEMBERSHIP_ROLE_CONVOCATION},
	{MEMBERSHIP_EMPLOYER_BILLING, MEMBERSHIP_ROLE_BILLING},
};

/* The routes' name of interface role @p role; NULL with SOCLE_E_INVAL when
 * @p role is not one of MEMBERSHIP_EMPLOYER_*. */
static const char *route_role(const char *role, socle_err *err)
{
	for (size_t i = 0; role != NULL && i < SOCLE_COUNT(employer_roles); i++)
		if (strcmp(employer_roles[i].api, role) == 0)
			return employer_roles[i].route;
	socle_err_set(err, SOCLE_E_INVAL,
	              "membership.v1 : rôle employeur inconnu « %s » (admin, declaration, "
	              "convocation ou billing attendu)", role ? role : "(aucun)");
	return NULL;
}

static const char *api_role(const char *route)
{
	for (size_t i = 0; route != NULL && i < SOCLE_COUNT(employer_roles); i++)
		if (strcmp(employer_roles[i].route, route) == 0)
			return employer_roles[i].api;
	return NULL;
}

/* Does @p roles (an array of the routes' role names) hold @p route? */
static bool holds(const json_t *roles, const char *route)
{
	size_t i;
	const json_t *r;

	json_array_foreach(roles, i, r)
		if (json_is_string(r) && strcmp(json_string_value(r), route) == 0)
			return true;
	return false;
}

static int fail(const socle_err *err)
{
	return err->code != 0 ? err->code : SOCLE_E_STORE;
}

static int nomem(socle_err *err)
{
	return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
}

static int no_db(socle_err *err)
{
	return socle_err_set(err, SOCLE_E_INVAL, "membership.v1 : connexion absente");
}

/* 0 when company @p id exists (whatever its status), SOCLE_E_NOTFOUND or
 * another negative code. */
static int company_known(socle_db *db, int64_t id, socle_err *err)
{
	char status[16];

	return membership_company_status(db, id, status, sizeof(status), err);
}

/* ---- workers --------------------------------------------------------------- */

/* The members of a worker the header promises, in its order. */
static const char *const worker_keys[] = {
	"id", "company_id", "external_ref", "last_name", "first_name", "birth_date", "job_title",
	"contract_type", "start_date", "end_date", "working_time", "night_worker", "rqth",
	"invalidity_pension", "exposures", "sir_post", "caces_or_electrical", "ionising_category_a",
	"minor_regulated_work", "category", "category_review_on",
	/* appended (issue 10 item 13) */
	"end_reason", "assigned_on", "sir_ended_on",
};

/* The interface's view of @p full (a worker as the API shows it; new object).
 * Arrays are copied: the API's reader shares parsed exposure lists between
 * the rows of a page, and a caller may change what it receives. */
static json_t *worker_view(const json_t *full)
{
	json_t *w = json_object();

	for (size_t i = 0; w != NULL && i < SOCLE_COUNT(worker_keys); i++) {
		json_t *v = json_object_get(full, worker_keys[i]);

		v = v == NULL ? json_null() : json_is_array(v) ? json_deep_copy(v) : json_incref(v);
		if (json_object_set_new(w, worker_keys[i], v) != 0) {
			json_decref(w);
			w = NULL;
		}
	}
	return w;
}

static json_t *v1_worker_get(socle_db *db, int64_t worker_id, socle_err *err)
{
	socle_err local = SOCLE_ERR_INIT;

	err = err ? err : &local;
	if (db == NULL) {
		no_db(err);
		return NULL;
	}
	json_t *full = membership_worker_load(db, 0, worker_id, err);
	json_t *w = full ? worker_view(full) : NULL;

	if (full != NULL && w == NULL)
		nomem(err);
	json_decref(full);
	return w;
}

static json_t *v1_worker_contact(socle_db *db, int64_t worker_id, socle_err *err)
{
	socle_err local = SOCLE_ERR_INIT;

	err = err ? err : &local;
	if (db == NULL) {
		no_db(err);
		return NULL;
	}
	json_t *full = membership_worker_load(db, 0, worker_id, err);
	json_t *c = full ? json_pack("{s:O, s:O, s:O}", "civility",
	                             json_object_get(full, "civility"), "email",
	                             json_object_get(full, "convocation_email"), "mobile",
	                             json_object_get(full, "convocation_mobile"))
	                 : NULL;

	if (full != NULL && c == NULL)
		nomem(err);
	json_decref(full);
	return c;
}

static json_t *v1_company_workers(socle_db *db, int64_t company_id, int64_t after_id, int limit,
                                  socle_err *err)
{
	socle_err local = SOCLE_ERR_INIT;

	err = err ? err : &local;
	if (db == NULL) {
		no_db(err);
		return NULL;
	}
	if (limit < 1 || limit > PAGE_MAX) {
		socle_err_set(err, SOCLE_E_INVAL, "membership.v1 : limit doit être compris entre 1 et "
		              "%d (reçu %d)", PAGE_MAX, limit);
		return NULL;
	}
	if (after_id < 0) {
		socle_err_set(err, SOCLE_E_INVAL, "membership.v1 : after_id doit être positif ou nul");
		return NULL;
	}
	if (company_known(db, company_id, err) != 0)
		return NULL;
	/* One row more than asked tells whether a next page exists: next_cursor
	 * is null on the last page, even when it is full. */
	json_t *full = membership_workers_page(db, company_id, after_id, limit + 1, NULL, -1, err);
	if (full == NULL)
		return NULL;
	size_t n = json_array_size(full);
	bool more = n > (size_t)limit;
	json_t *items = json_array(), *cursor = NULL;

	for (size_t i = 0; items != NULL && i < n && i < (size_t)limit; i++) {
		json_t *w = worker_view(json_array_get(full, i));

		if (w == NULL || json_array_append_new(items, w) != 0) {
			json_decref(items);
			items = NULL;
		}
	}
	/* The core's cursor is the last id of a full page: a page known to be
	 * the last is never "full" (limit + 1 cannot be reached). */
	if (items != NULL)
		cursor = socle_page_cursor(items, more ? limit : limit + 1, "id");
	json_decref(full);
	if (items == NULL || cursor == NULL) {
		json_decref(items);
		json_decref(cursor);
		nomem(err);
		return NULL;
	}
	json_t *page = json_pack("{s:o, s:o}", "items", items, "next_cursor", cursor);

	if (page == NULL)
		nomem(err);
	return page;
}

/* The streaming reader's columns, in the order fill_row reads them. */
#define EACH_COLUMNS                                                                         \
	"id, company_id, last_name, first_name, birth_date, job_title, contract_type,"          \
	" start_date, end_date, category, exposures, night_worker, rqth, invalidity_pension,"  \
	" sir_post, caces_or_electrical, ionising_category_a, minor_regulated_work,"          \
	" COALESCE(establishment_id, 0), assigned_on, assignment_declared_on, sir_ended_on,"    \
	" end_reason"

static void fill_row(socle_stmt *st, struct membership_worker_row *w)
{
	w->id = socle_stmt_int(st, 0);
	w->company_id = socle_stmt_int(st, 1);
	w->last_name = socle_stmt_text(st, 2);
	w->first_name = socle_stmt_text(st, 3);
	w->birth_date = socle_stmt_text(st, 4);
	w->job_title = socle_stmt_text(st, 5);
	w->contract_type = socle_stmt_text(st, 6);
	w->start_date = socle_stmt_text(st, 7);
	w->end_date = socle_stmt_text(st, 8);
	w->category = socle_stmt_text(st, 9);
	w->exposures = socle_stmt_text(st, 10);
	w->night_worker = socle_stmt_int(st, 11) != 0;
	w->rqth = socle_stmt_int(st, 12) != 0;
	w->invalidity_pension = socle_stmt_int(st, 13) != 0;
	w->sir_post = socle_stmt_int(st, 14) != 0;
	w->caces_or_electrical = socle_stmt_int(st, 15) != 0;
	w->ionising_category_a = socle_stmt_int(st, 16) != 0;
	w->minor_regulated_work = socle_stmt_int(st, 17) != 0;
	w->establishment_id = socle_stmt_int(st, 18);
	w->assigned_on = socle_stmt_text(st, 19);
	w->assignment_declared_on = socle_stmt_text(st, 20);
	w->sir_ended_on = socle_stmt_text(st, 21);
	w->end_reason = socle_stmt_text(st, 22);
}

static int v1_workers_each(socle_db *db, int64_t company_id, int64_t after_id,
                           membership_worker_fn fn, void *ud, socle_err *err)
{
	socle_err local = SOCLE_ERR_INIT;
	int rc;

	err = err ? err : &local;
	if (db == NULL)
		return no_db(err);
	if (fn == NULL)
		return socle_err_set(err, SOCLE_E_INVAL, "membership.v1 : fonction de lecture absente");
	if (after_id < 0)
		return socle_err_set(err, SOCLE_E_INVAL,
		                     "membership.v1 : after_id doit être positif ou nul");
	if (company_id > 0 && (rc = company_known(db, company_id, err)) != 0)
		return rc;
	/* Two texts, so that each uses its index: (company_id, id), or the rowid. */
	socle_stmt *st = socle_db_prepare(db, company_id > 0
		? "SELECT " EACH_COLUMNS " FROM membership_worker WHERE company_id = :company"
		  " AND id > :after ORDER BY id"
		: "SELECT " EACH_COLUMNS " FROM membership_worker WHERE id > :after ORDER BY id", err);

	if (st == NULL)
		return fail(err);
	if (company_id > 0)
		socle_stmt_bind_int(st, ":company", company_id);
	socle_stmt_bind_int(st, ":after", after_id);
	while ((rc = socle_stmt_step(st, err)) == 1) {
		struct membership_worker_row w = {.size = sizeof(w)};

		fill_row(st, &w);
		if ((rc = fn(&w, ud)) != 0)
			break; /* the reader's own value, returned as is */
	}
	socle_stmt_release(st);
	return rc;
}

static int64_t v1_workers_count(socle_db *db, int64_t company_id, socle_err *err)
{
	socle_err local = SOCLE_ERR_INIT;
	int rc;

	err = err ? err : &local;
	if (db == NULL)
		return no_db(err);
	if (company_id > 0 && (rc = company_known(db, company_id, err)) != 0)
		return rc;
	socle_stmt *st = socle_db_prepare(db, company_id > 0
		? "SELECT COUNT(*) FROM membership_worker WHERE company_id = :company"
		: "SELECT COUNT(*) FROM membership_worker", err);

	if (st == NULL)
		return fail(err);
	if (company_id > 0)
		socle_stmt_bind_int(st, ":company", company_id);
	rc = socle_stmt_step(st, err);
	int64_t n = rc == 1 ? socle_stmt_int(st, 0) : 0;

	socle_stmt_release(st);
	if (rc == 0)
		return socle_err_set(err, SOCLE_E_INTERNAL, "membership.v1 : COUNT sans ligne");
	return rc < 0 ? rc : n;
}

/* ---- companies ------------------------------------------------------------- */

/* The interface's view of a company: the columns the header lists and the
 * contact given at membership; not the API's (payment, answers, mandate). */
static json_t *company_load(socle_db *db, int64_t id, socle_err *err)
{
	json_t *p = json_pack("{s:I}", "id", (json_int_t)id);
	json_t *c = p ? socle_db_query_one(db,
		"SELECT id, reference, member_number, status, siret, legal_name, naf_code, headcount,"
		" address_line, postcode, city, joined_on, left_on, contact_name, contact_email,"
		" contact_phone FROM membership_company WHERE id = :id", p, err) : NULL;

	json_decref(p);
	if (c == NULL) {
		if (err->code == SOCLE_E_NOTFOUND)
			socle_err_set(err, SOCLE_E_NOTFOUND, "Entreprise introuvable.");
		else if (err->code == 0)
			nomem(err);
		return NULL;
	}
	json_t *contact = json_pack("{s:O, s:O, s:O}", "name", json_object_get(c, "contact_name"),
	                            "email", json_object_get(c, "contact_email"), "phone",
	                            json_object_get(c, "contact_phone"));

	if (contact == NULL || json_object_set_new(c, "contact", contact) != 0) {
		json_decref(c);
		nomem(err);
		return NULL;
	}
	json_object_del(c, "contact_name");
	json_object_del(c, "contact_email");
	json_object_del(c, "contact_phone");
	return c;
}

static json_t *v1_company_get(socle_db *db, int64_t company_id, socle_err *err)
{
	socle_err local = SOCLE_ERR_INIT;

	err = err ? err : &local;
	if (db == NULL) {
		no_db(err);
		return NULL;
	}
	return company_load(db, company_id, err);
}

static int v1_company_exists(socle_db *db, int64_t company_id, socle_err *err)
{
	socle_err e = SOCLE_ERR_INIT;

	if (db == NULL)
		return no_db(err);
	int rc = company_known(db, company_id, &e);

	if (rc == 0)
		return 1;
	if (rc == SOCLE_E_NOTFOUND)
		return 0; /* an answer, not an error: err stays untouched */
	return socle_err_set(err, rc, "%s", e.msg);
}

/* Is @p email (case aside) already one of the entries of @p list? */
static bool listed(const json_t *list, const char *email)
{
	size_t i;
	const json_t *e;

	json_array_foreach(list, i, e) {
		const char *have = json_string_value(json_object_get(e, "email"));

		if (have != NULL && email != NULL && strcasecmp(have, email) == 0)
			return true;
	}
	return false;
}

static json_t *v1_company_contacts(socle_db *db, int64_t company_id, const char *employer_role,
                                   socle_err *err)
{
	socle_err local = SOCLE_ERR_INIT;
	const char *role = NULL;

	err = err ? err : &local;
	if (db == NULL) {
		no_db(err);
		return NULL;
	}
	if (employer_role != NULL && (role = route_role(employer_role, err)) == NULL)
		return NULL;
	json_t *c = company_load(db, company_id, err);
	json_t *users = c ? membership_company_users(db, company_id, err) : NULL;

	if (users == NULL) {
		json_decref(c);
		return NULL;
	}
	const json_t *contact = json_object_get(c, "contact");
	json_t *out = json_pack("[{s:O, s:O, s:O, s:s}]", "name", json_object_get(contact, "name"),
	                        "email", json_object_get(contact, "email"), "phone",
	                        json_object_get(contact, "phone"), "kind", "contact");
	size_t i;
	json_t *u;

	json_array_foreach(users, i, u) {
		const char *email = json_string_value(json_object_get(u, "email"));

		if (out == NULL)
			break;
		if ((role != NULL && !holds(json_object_get(u, "roles"), role)) || listed(out, email))
			continue;
		if (json_array_append_new(out, json_pack("{s:O, s:O, s:O, s:s}", "user_id",
		                                         json_object_get(u, "user_id"), "name",
		                                         json_object_get(u, "name"), "email",
		                                         json_object_get(u, "email"), "kind",
		                                         "user")) != 0) {
			json_decref(out);
			out = NULL;
		}
	}
	json_decref(users);
	json_decref(c);
	if (out == NULL)
		nomem(err);
	return out;
}

static json_t *v1_company_employers(socle_db *db, int64_t company_id, const char *employer_role,
                                    socle_err *err)
{
	socle_err local = SOCLE_ERR_INIT;
	const char *role = NULL;

	err = err ? err : &local;
	if (db == NULL) {
		no_db(err);
		return NULL;
	}
	if (employer_role != NULL && (role = route_role(employer_role, err)) == NULL)
		return NULL;
	if (company_known(db, company_id, err) != 0)
		return NULL;
	json_t *users = membership_company_users(db, company_id, err);
	if (users == NULL)
		return NULL;
	json_t *out = json_array();
	size_t i;
	json_t *u;

	json_array_foreach(users, i, u) {
		const json_t *held = json_object_get(u, "roles");

		if (out == NULL)
			break;
		if (role != NULL && !holds(held, role))
			continue;
		json_t *roles = json_array();
		size_t k;
		const json_t *r;

		json_array_foreach(held, k, r) {
			const char *name = api_role(json_string_value(r));

			if (roles != NULL && name != NULL)
				json_array_append_new(roles, json_string(name));
		}
		json_t *e = roles ? json_pack("{s:O, s:O, s:O, s:o}", "user_id",
		                              json_object_get(u, "user_id"), "name",
		                              json_object_get(u, "name"), "email",
		                              json_object_get(u, "email"), "roles", roles)
		                  : NULL;
		if (e == NULL || json_array_append_new(out, e) != 0) {
			json_decref(out);
			out = NULL;
		}
	}
	json_decref(users);
	if (out == NULL)
		nomem(err);
	return out;
}

/* ---- the follow-up category ------------------------------------------------ */

/* The "category" of a history row's stored JSON text (new reference; null
 * when absent or unreadable). */
static json_t *stored_category(const char *text)
{
	json_t *v = text ? json_loads(text, 0, NULL) : NULL;
	json_t *c = json_object_get(v, "category");

	c = c ? json_incref(c) : json_null();
	json_decref(v);
	return c;
}

/* The history: each change of category (kind category_changed: its new
 * value), then, oldest, the category the worker was declared with (kind
 * declared; its row keeps the declared fields, not the category: that is the
 * "before" of the first change, or the current category when it never
 * changed). Newest first. */
static json_t *category_history(socle_db *db, int64_t worker_id, const json_t *current,
                                socle_err *err)
{
	socle_stmt *st = socle_db_prepare(db,
		"SELECT kind, changed_on, source, before_values, after_values"
		" FROM membership_worker_history WHERE worker_id = :worker"
		" AND (kind = 'category_changed' OR kind = 'declared') ORDER BY id DESC", err);
	json_t *out = json_array(), *initial = NULL;
	int rc = 0;

	if (st == NULL) {
		json_decref(out);
		return NULL;
	}
	socle_stmt_bind_int(st, ":worker", worker_id);
	while (out != NULL && (rc = socle_stmt_step(st, err)) == 1) {
		bool changed = strcmp(socle_stmt_text(st, 0), "category_changed") == 0;
		json_t *cat;

		if (changed) {
			cat = stored_category(socle_stmt_text(st, 4));
			json_decref(initial);
			initial = stored_category(socle_stmt_text(st, 3));
		} else {
			cat = initial ? json_incref(initial) : json_incref((json_t *)current);
		}
		if (json_array_append_new(out, json_pack("{s:o, s:s, s:s}", "category", cat,
		                                         "changed_on", socle_stmt_text(st, 1),
		                                         "source", socle_stmt_text(st, 2))) != 0) {
			json_decref(out);
			out = NULL;
		}
	}
	socle_stmt_release(st);
	json_decref(initial);
	if (out == NULL) {
		nomem(err);
		return NULL;
	}
	if (rc < 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static json_t *v1_worker_category(socle_db *db, int64_t worker_id, socle_err *err)
{
	socle_err local = SOCLE_ERR_INIT;

	err = err ? err : &local;
	if (db == NULL) {
		no_db(err);
		return NULL;
	}
	json_t *w = membership_worker_load(db, 0, worker_id, err);
	if (w == NULL)
		return NULL;
	const json_t *cat = json_object_get(w, "category");
	json_t *history = category_history(db, worker_id, cat ? cat : json_null(), err);
	json_t *out = history ? json_pack("{s:O, s:O, s:O, s:O, s:o}", "category", cat,
	                                  "reasons", json_object_get(w, "category_reasons"),
	                                  "basis", json_object_get(w, "category_basis"),
	                                  "review_on", json_object_get(w, "category_review_on"),
	                                  "history", history)
	                      : NULL;

	json_decref(w);
	if (history != NULL && out == NULL)
		nomem(err);
	return out;
}

static int v1_employer_may(socle_db *db, int64_t user_id, int64_t company_id,
                           const char *employer_role, socle_err *err)
{
	socle_err local = SOCLE_ERR_INIT;
	const char *role;

	err = err ? err : &local;
	if (db == NULL)
		return no_db(err);
	if ((role = route_role(employer_role, err)) == NULL)
		return SOCLE_E_INVAL;
	/* No row for (company, user) is a no, an unknown company included. */
	return membership_user_has_role(db, company_id, user_id, role, err);
}

static json_t *v1_company_establishments(socle_db *db, int64_t company_id, socle_err *err)
{
	if (db == NULL) {
		no_db(err);
		return NULL;
	}
	if (company_known(db, company_id, err) != 0)
		return NULL;
	return socle_db_query_new(db,
		"SELECT id AS establishment_id, siret, name, address_line, postcode, city, headcount"
		" FROM membership_establishment WHERE company_id = :c ORDER BY id",
		json_pack("{s:I}", "c", (json_int_t)company_id), err);
}

static int v1_companies_each(socle_db *db, const char *status, int64_t after_id,
                             membership_company_fn fn, void *ud, socle_err *err)
{
	static const char *const statuses[] = {"applied", "member", "rejected", "left"};
	socle_err local = SOCLE_ERR_INIT;
	bool known = status == NULL;
	int rc;

	err = err ? err : &local;
	if (db == NULL)
		return no_db(err);
	if (fn == NULL)
		return socle_err_set(err, SOCLE_E_INVAL, "membership.v1 : fonction de lecture absente");
	if (after_id < 0)
		return socle_err_set(err, SOCLE_E_INVAL,
		                     "membership.v1 : after_id doit être positif ou nul");
	for (size_t i = 0; !known && i < SOCLE_COUNT(statuses); i++)
		known = strcmp(status, statuses[i]) == 0;
	if (!known)
		return socle_err_set(err, SOCLE_E_INVAL, "membership.v1 : statut d'entreprise inconnu "
		                     "(applied, member, rejected ou left)");
	/* One pass over the companies' rowid; the establishments counted through
	 * their company_id index. */
	socle_stmt *st = socle_db_prepare(db,
		"SELECT c.id, c.status, c.siret, c.legal_name, c.naf_code, COALESCE(c.headcount, 0),"
		" c.postcode, c.city, c.joined_on, c.left_on,"
		" (SELECT COUNT(*) FROM membership_establishment e WHERE e.company_id = c.id)"
		" FROM membership_company c WHERE c.id > :after"
		" AND (:status IS NULL OR c.status = :status) ORDER BY c.id", err);

	if (st == NULL)
		return fail(err);
	socle_stmt_bind_int(st, ":after", after_id);
	if (status)
		socle_stmt_bind_text(st, ":status", status);
	else
		socle_stmt_bind_null(st, ":status");
	while ((rc = socle_stmt_step(st, err)) == 1) {
		struct membership_company_row c = {
			.size = sizeof(c),
			.id = socle_stmt_int(st, 0),
			.status = socle_stmt_text(st, 1),
			.siret = socle_stmt_text(st, 2),
			.legal_name = socle_stmt_text(st, 3),
			.naf_code = socle_stmt_text(st, 4),
			.headcount = socle_stmt_int(st, 5),
			.postcode = socle_stmt_text(st, 6),
			.city = socle_stmt_text(st, 7),
			.joined_on = socle_stmt_text(st, 8),
			.left_on = socle_stmt_text(st, 9),
			.establishments = socle_stmt_int(st, 10),
		};
		if ((rc = fn(&c, ud)) != 0)
			break; /* the reader's own value, returned as is */
	}
	socle_stmt_release(st);
	return rc;
}

const struct membership_v1 membership_v1_api = {
	.worker_get = v1_worker_get,
	.company_workers = v1_company_workers,
	.workers_each = v1_workers_each,
	.workers_count = v1_workers_count,
	.company_get = v1_company_get,
	.company_exists = v1_company_exists,
	.company_contacts = v1_company_contacts,
	.company_employers = v1_company_employers,
	.worker_category = v1_worker_category,
	.employer_may = v1_employer_may,
	.company_establishments = v1_company_establishments,
	.worker_contact = v1_worker_contact,
	.companies_each = v1_companies_each,
};
