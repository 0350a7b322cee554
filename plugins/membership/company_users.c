/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The employer users of a company and their roles (administrateur,
 * declaration, convocation, facturation): list, add (an invitation, see
 * invitation.c), change roles, remove; a company never loses its last
 * administrateur. Managed by the company's administrateur or the service's
 * membership desk. */
#include <stdio.h>
#include <string.h>

#include "company.h"

static bool is_staff(socle_req *req)
{
	const socle_principal *who = socle_req_principal(req);

	return who && (SOCLE_ROLE_BIT(socle_principal_role(who)) & SOCLE_ROLES_STAFF) != 0;
}

/* ------------------------------------------------------------ company users */

static int roles_check(const json_t *v, char *msg, size_t size)
{
	size_t i;
	const json_t *r;

	json_array_foreach(v, i, r) {
		bool ok = false;

		for (size_t k = 0; k < SOCLE_COUNT(membership_company_roles) && json_is_string(r); k++)
			ok |= strcmp(membership_company_roles[k].role, json_string_value(r)) == 0;
		if (!ok) {
			snprintf(msg, size, "Rôles possibles : administrateur, declaration, convocation, "
			                    "facturation.");
			return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (json_equal(json_array_get(v, j), r)) {
				snprintf(msg, size, "Rôle « %s » indiqué deux fois.", json_string_value(r));
				return -1;
			}
	}
	return 0;
}

static const struct socle_field user_fields[] = {
	{.name = "email", .type = SOCLE_F_EMAIL, .required = true, .min = 3, .max = 254},
	{.name = "name", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 200,
	 .check = membership_check_text},
	{.name = "roles", .type = SOCLE_F_ARRAY, .required = true, .min = 1, .max = 4,
	 .check = roles_check},
};

static const struct socle_field user_patch_fields[] = {
	{.name = "roles", .type = SOCLE_F_ARRAY, .required = true, .min = 1, .max = 4,
	 .check = roles_check},
};

/* Managing a company's users: its administrateur, or staff holding
 * membership.review (the service's membership desk helps companies). */
static int users_manage_access(socle_req *req, int64_t company_id, socle_err *err)
{
	if (is_staff(req) && !socle_principal_can(socle_req_principal(req), "membership.review")) {
		int rc = membership_company_access(req, company_id, NULL, err);

		if (rc != 0)
			return rc;
		membership_audit_denied(req, company_id, "missing_capability", "membership.review");
		return socle_err_set(err, SOCLE_E_FORBIDDEN, "Réservé à l'administrateur de "
		                     "l'entreprise et au service des adhésions.");
	}
	return membership_company_access(req, company_id, MEMBERSHIP_ROLE_ADMIN, err);
}

json_t *membership_company_users(socle_db *db, int64_t company_id, socle_err *err)
{
	int64_t now = socle_now_ms();
	json_t *p = json_pack("{s:I, s:I}", "company_id", (json_int_t)company_id, "now",
	                      (json_int_t)now);
	json_t *rows = socle_db_query(db,
		"SELECT u.user_id, u.email, u.name, u.role_admin, u.role_declaration,"
		" u.role_convocation, u.role_billing, u.invited_at,"
		" (SELECT COUNT(*) FROM membership_invitation i WHERE i.company_id = u.company_id"
		"  AND i.user_id = u.user_id AND i.used_at IS NULL AND i.revoked_at IS NULL"
		"  AND i.expires_at > :now) AS pending"
		" FROM membership_company_user u WHERE u.company_id = :company_id"
		" ORDER BY u.user_id LIMIT 500", p, err);
	size_t i;
	json_t *r;

	json_decref(p);
	json_array_foreach(rows, i, r) {
		json_t *list = json_array();

		for (size_t k = 0; list && k < SOCLE_COUNT(membership_company_roles); k++) {
			if (json_integer_value(json_object_get(r, membership_company_roles[k].column)) == 1)
				json_array_append_new(list, json_string(membership_company_roles[k].role));
			json_object_del(r, membership_company_roles[k].column);
		}
		json_object_set_new(r, "roles", list ? list : json_array());
		json_object_set_new(r, "invitation_pending",
		                    json_boolean(json_integer_value(json_object_get(r, "pending")) > 0));
		json_object_del(r, "pending");
	}
	return rows;
}

/* GET /membership/companies/{id}/users */
static int route_users(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t id;
	(void)ud;

	if (socle_req_param_id(req, "id", &id) != 0)
		return socle_reply_error(req, 404, "not_found", "Entreprise introuvable.");
	if (membership_company_access(req, id, MEMBERSHIP_ROLE_ADMIN, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *rows = db ? membership_company_users(db, id, &err) : NULL;

	return rows ? socle_reply_json(req, 200, json_pack("{s:o}", "items", rows))
	            : socle_reply_err(req, &err);
}

struct user_tx {
	socle_req *req;
	int64_t company_id, user_id;
	const json_t *body;
	json_t *errors;
};

static int user_add_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct user_tx *t = ud;
	char email[255];
	json_t *p = json_pack("{s:I}", "id", (json_int_t)t->company_id);
	json_t *c = socle_db_query_one(wdb, "SELECT legal_name, status FROM membership_company"
	                                    " WHERE id = :id", p, err);

	json_decref(p);
	if (c == NULL)
		return fail(err);
	if (strcmp(str(c, "status"), "member") != 0) {
		json_decref(c);
		return socle_err_set(err, SOCLE_E_CONFLICT,
		                     "Seule une entreprise adhérente peut inviter des utilisateurs.");
	}
	membership_lower_ascii(str(t->body, "email"), email, sizeof(email));
	int role = 0;
	int64_t uid = socle_user_find(wdb, email, &role, err);

	if (uid > 0) {
		p = json_pack("{s:I, s:I}", "company_id", (json_int_t)t->company_id, "user_id",
		              (json_int_t)uid);
		json_t *rows = socle_db_query(wdb, "SELECT user_id FROM membership_company_user WHERE"
		                                   " company_id = :company_id AND user_id = :user_id",
		                              p, err);
		json_decref(p);
		size_t n = json_array_size(rows);

		json_decref(rows);
		if (n > 0) {
			json_decref(c);
			return socle_err_set(err, SOCLE_E_EXISTS,
			                     "Cette personne est déjà utilisatrice de l'entreprise.");
		}
	}
	struct membership_invite iv = {
		.req = t->req, .company_id = t->company_id, .legal_name = str(c, "legal_name"),
		.email = email, .name = str(t->body, "name"),
		.roles = json_object_get(t->body, "roles"),
		.invited_by = membership_principal_id(t->req)};

	uid = uid < 0 ? uid : membership_invite_user(wdb, &iv, err);
	json_decref(c);
	if (uid == SOCLE_E_CONFLICT) {
		socle_field_error(&t->errors, "email", "%s", err->msg);
		return SOCLE_E_INVAL;
	}
	if (uid < 0)
		return (int)uid;
	t->user_id = uid;
	return membership_company_audit(wdb, t->req, "membership.company.user_add", t->company_id,
	                                json_pack("{s:I, s:O}", "user_id", (json_int_t)uid, "roles",
	                                          json_object_get(t->body, "roles")),
	                                err);
}

/* POST /membership/companies/{id}/users {email, name, roles[]} */
static int route_user_add(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL, *tmp;
	struct user_tx t = {.req = req};
	(void)ud;

	if (socle_req_param_id(req, "id", &t.company_id) != 0)
		return socle_reply_error(req, 404, "not_found", "Entreprise introuvable.");
	if (users_manage_access(req, t.company_id, &err) != 0)
		return socle_reply_err(req, &err);
	t.body = membership_body_or_empty(req, &tmp);
	if (socle_fields_check(t.body, user_fields, SOCLE_COUNT(user_fields), NULL, &errors) > 0) {
		json_decref(tmp);
		return socle_reply_invalid(req, errors);
	}
	int rc = socle_service_write(socle_req_service(req), user_add_write, &t, &err);

	json_decref(tmp);
	if (rc == SOCLE_E_INVAL && t.errors != NULL)
		return socle_reply_invalid(req, t.errors);
	json_decref(t.errors);
	if (rc != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *rows = db ? membership_company_users(db, t.company_id, &err) : NULL;

	if (rows == NULL)
		return socle_reply_err(req, &err);
	json_t *mine = NULL;
	size_t i;
	json_t *r;

	json_array_foreach(rows, i, r)
		if (json_integer_value(json_object_get(r, "user_id")) == t.user_id)
			mine = json_incref(r);
	json_decref(rows);
	return socle_reply_json(req, 201, mine ? mine : json_object());
}

/* Would the company be left without an administrateur if @p user_id lost the role? */
static int last_admin(socle_db *wdb, int64_t company_id, int64_t user_id, socle_err *err)
{
	json_t *p = json_pack("{s:I, s:I}", "company_id", (json_int_t)company_id, "user_id",
	                      (json_int_t)user_id);
	json_t *rows = socle_db_query(wdb,
		"SELECT COUNT(*) AS n FROM membership_company_user WHERE company_id = :company_id"
		" AND role_admin = 1 AND user_id <> :user_id", p, err);

	json_decref(p);
	if (rows == NULL)
		return fail(err);
	int none = json_integer_value(json_object_get(json_array_get(rows, 0), "n")) == 0;

	json_decref(rows);
	return none;
}

static int user_row_exists(socle_db *wdb, int64_t company_id, int64_t user_id, bool *admin,
                           socle_err *err)
{
	json_t *p = json_pack("{s:I, s:I}", "company_id", (json_int_t)company_id, "user_id",
	                      (json_int_t)user_id);
	json_t *r = socle_db_query_one(wdb, "SELECT role_admin FROM membership_company_user"
	                                    " WHERE company_id = :company_id AND user_id = :user_id",
	                               p, err);

	json_decref(p);
	if (r == NULL) {
		if (err && err->code == SOCLE_E_NOTFOUND)
			return socle_err_set(err, SOCLE_E_NOTFOUND,
			                     "Cette personne n'est pas utilisatrice de l'entreprise.");
		return fail(err);
	}
	*admin = json_integer_value(json_object_get(r, "role_admin")) == 1;
	json_decref(r);
	return 0;
}

static int user_patch_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct user_tx *t = ud;
	const json_t *list = json_object_get(t->body, "roles");
	int flags[SOCLE_COUNT(membership_company_roles)];
	bool was_admin;
	int rc;

	if ((rc = user_row_exists(wdb, t->company_id, t->user_id, &was_admin, err)) != 0)
		return rc;
	for (size_t k = 0; k < SOCLE_COUNT(membership_company_roles); k++) {
		flags[k] = 0;
		for (size_t j = 0; j < json_array_size(list); j++)
			if (strcmp(json_string_value(json_array_get(list, j)), membership_company_roles[k].role) == 0)
				flags[k] = 1;
	}
	if (was_admin && !flags[0]) {
		if ((rc = last_admin(wdb, t->company_id, t->user_id, err)) < 0)
			return rc;
		if (rc == 1)
			return socle_err_set(err, SOCLE_E_CONFLICT,
			                     "Impossible de retirer le rôle du dernier administrateur de "
			                     "l'entreprise.");
	}
	json_t *p = json_pack("{s:I, s:I, s:i, s:i, s:i, s:i}", "company_id",
	                      (json_int_t)t->company_id, "user_id", (json_int_t)t->user_id, "a",
	                      flags[0], "d", flags[1], "c", flags[2], "b", flags[3]);
	rc = p ? socle_db_run(wdb,
		"UPDATE membership_company_user SET role_admin = :a, role_declaration = :d,"
		" role_convocation = :c, role_billing = :b WHERE company_id = :company_id"
		" AND user_id = :user_id", p, err)
	       : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	json_decref(p);
	if (rc < 0)
		return rc;
	return membership_company_audit(
	        wdb, t->req, "membership.company.user_roles", t->company_id,
	        json_pack("{s:I, s:O}", "user_id", (json_int_t)t->user_id, "roles", list), err);
}

static int user_delete_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct user_tx *t = ud;
	bool was_admin;
	int rc;

	if ((rc = user_row_exists(wdb, t->company_id, t->user_id, &was_admin, err)) != 0)
		return rc;
	if (was_admin) {
		if ((rc = last_admin(wdb, t->company_id, t->user_id, err)) < 0)
			return rc;
		if (rc == 1)
			return socle_err_set(err, SOCLE_E_CONFLICT,
			                     "Impossible de retirer le dernier administrateur de "
			                     "l'entreprise.");
	}
	json_t *p = json_pack("{s:I, s:I, s:I}", "company_id", (json_int_t)t->company_id, "user_id",
	                      (json_int_t)t->user_id, "now", (json_int_t)socle_now_ms());

	if (p == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	rc = socle_db_run(wdb, "DELETE FROM membership_company_user WHERE company_id = :company_id"
	                       " AND user_id = :user_id", p, err);
	if (rc >= 0)
		rc = socle_db_run(wdb, "UPDATE membership_invitation SET revoked_at = :now"
		                       " WHERE company_id = :company_id AND user_id = :user_id"
		                       " AND used_at IS NULL AND revoked_at IS NULL", p, err);
	json_decref(p);
	if (rc < 0)
		return rc;
	if ((rc = socle_user_unbind(wdb, t->user_id, "company", t->company_id, err)) < 0)
		return rc;
	return membership_company_audit(wdb, t->req, "membership.company.user_remove",
	                                t->company_id,
	                                json_pack("{s:I}", "user_id", (json_int_t)t->user_id), err);
}

static int user_change(socle_req *req, socle_write_fn fn)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL, *tmp = NULL;
	struct user_tx t = {.req = req};

	if (socle_req_param_id(req, "id", &t.company_id) != 0)
		return socle_reply_error(req, 404, "not_found", "Entreprise introuvable.");
	if (socle_req_param_id(req, "user_id", &t.user_id) != 0)
		return socle_reply_error(req, 404, "not_found", "Utilisateur introuvable.");
	if (users_manage_access(req, t.company_id, &err) != 0)
		return socle_reply_err(req, &err);
	if (fn == user_patch_write) {
		t.body = membership_body_or_empty(req, &tmp);
		if (socle_fields_check(t.body, user_patch_fields, SOCLE_COUNT(user_patch_fields), NULL,
		                       &errors) > 0) {
			json_decref(tmp);
			return socle_reply_invalid(req, errors);
		}
	}
	int rc = socle_service_write(socle_req_service(req), fn, &t, &err);

	json_decref(tmp);
	if (rc != 0)
		return socle_reply_err(req, &err);
	if (fn == user_delete_write)
		return socle_reply_json(req, 200, json_pack("{s:I, s:b}", "user_id",
		                                            (json_int_t)t.user_id, "removed", 1));
	socle_db *db = socle_req_reader(req, &err);
	json_t *rows = db ? membership_company_users(db, t.company_id, &err) : NULL;

	if (rows == NULL)
		return socle_reply_err(req, &err);
	json_t *mine = NULL;
	size_t i;
	json_t *r;

	json_array_foreach(rows, i, r)
		if (json_integer_value(json_object_get(r, "user_id")) == t.user_id)
			mine = json_incref(r);
	json_decref(rows);
	return socle_reply_json(req, 200, mine ? mine : json_object());
}

/* PATCH /membership/companies/{id}/users/{user_id} {roles} */
static int route_user_patch(socle_req *req, void *ud)
{
	(void)ud;
	return user_change(req, user_patch_write);
}

/* DELETE /membership/companies/{id}/users/{user_id} */
static int route_user_delete(socle_req *req, void *ud)
{
	(void)ud;
	return user_change(req, user_delete_write);
}

/* ------------------------------------------------------------------- init */

static const struct socle_route company_user_routes[] = {
	{SOCLE_GET, "/membership/companies/{id}/users", SOCLE_CAP_AUTHENTICATED, 0, route_users,
	 NULL},
	{SOCLE_POST, "/membership/companies/{id}/users", SOCLE_CAP_AUTHENTICATED, 4096,
	 route_user_add, NULL},
	{SOCLE_PATCH, "/membership/companies/{id}/users/{user_id}", SOCLE_CAP_AUTHENTICATED, 4096,
	 route_user_patch, NULL},
	{SOCLE_DELETE, "/membership/companies/{id}/users/{user_id}", SOCLE_CAP_AUTHENTICATED, 0,
	 route_user_delete, NULL},
};

int membership_company_users_init(socle_plugin *p, socle_err *err)
{
	return socle_plugin_add_routes(p, company_user_routes, SOCLE_COUNT(company_user_routes),
	                               err);
}
