/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Companies (cahier des charges 3.1): the schema of the companies' area, the
 * views of a company and the lists of companies, record-level access for the
 * other files (membership_company_access), and the helpers the company files
 * share (company.h). The pathway itself is in application.c (the public form
 * and its submission), review.c (approve, reject, leave), invitation.c
 * (invitations and their acceptance), company_users.c (the employer users and
 * their roles) and satisfaction.c (the two indicators of 3.1). */
#include <stdio.h>
#include <string.h>

#include "company.h"

/* ------------------------------------------------------------------ schema */

const char membership_sql_company[] =
	"CREATE TABLE membership_company (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  reference TEXT NOT NULL UNIQUE,\n"          /* given to the applicant */
	"  member_number TEXT UNIQUE,\n"               /* NULL until approved */
	"  status TEXT NOT NULL CHECK (status IN ('applied', 'member', 'rejected', 'left')),\n"
	"  siret TEXT NOT NULL,\n"                     /* the head office */
	"  siren TEXT NOT NULL,\n"
	"  legal_name TEXT NOT NULL,\n"
	"  naf_code TEXT NOT NULL,\n"
	"  naf_version TEXT NOT NULL CHECK (naf_version IN ('NAFrev2', 'NAF2025')),\n"
	"  headcount INTEGER NOT NULL CHECK (headcount >= 0),\n"
	"  address_line TEXT NOT NULL,\n"
	"  postcode TEXT NOT NULL,\n"
	"  city TEXT NOT NULL,\n"
	"  contact_name TEXT NOT NULL,\n"
	"  contact_email TEXT NOT NULL,\n"             /* lower-case */
	"  contact_phone TEXT NOT NULL,\n"
	"  exposures TEXT NOT NULL,\n"                 /* JSON array of risk codes */
	"  followup_counts TEXT NOT NULL,\n"           /* JSON object, see the form */
	"  prevention_answers TEXT NOT NULL,\n"        /* JSON object of six booleans */
	"  payment_mode TEXT NOT NULL CHECK (payment_mode IN ('sepa', 'transfer')),\n"
	"  joined_on TEXT,\n"
	"  left_on TEXT,\n"
	"  rejection_reason TEXT,\n"
	"  decided_by INTEGER,\n"                      /* staff user who approved or rejected */
	"  decided_at INTEGER,\n"
	"  created_at INTEGER NOT NULL,\n"
	"  updated_at INTEGER NOT NULL\n"
	");\n"
	/* One live membership per SIRET; a rejected or former member may apply again. */
	"CREATE UNIQUE INDEX membership_company_live_siret ON membership_company (siret)\n"
	"  WHERE status IN ('applied', 'member');\n"
	"CREATE INDEX membership_company_status ON membership_company (status, id);\n"
	"CREATE INDEX membership_company_siren ON membership_company (siren);\n"
	/* The other sites of a multi-site company (the head office is the company). */
	"CREATE TABLE membership_establishment (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  company_id INTEGER NOT NULL REFERENCES membership_company (id),\n"
	"  siret TEXT NOT NULL,\n"
	"  name TEXT,\n"
	"  address_line TEXT NOT NULL,\n"
	"  postcode TEXT NOT NULL,\n"
	"  city TEXT NOT NULL,\n"
	"  headcount INTEGER NOT NULL CHECK (headcount >= 0),\n"
	"  created_at INTEGER NOT NULL,\n"
	"  UNIQUE (company_id, siret)\n"
	");\n"
	"CREATE INDEX membership_establishment_siret ON membership_establishment (siret);\n"
	/* The SEPA mandate. The full IBAN is kept because a direct debit cannot be
	 * collected without it; no route ever returns it: only iban_masked leaves. */
	"CREATE TABLE membership_sepa_mandate (\n"
	"  company_id INTEGER PRIMARY KEY REFERENCES membership_company (id),\n"
	"  reference TEXT NOT NULL UNIQUE,\n"          /* RUM, référence unique du mandat */
	"  iban TEXT NOT NULL,\n"
	"  iban_masked TEXT NOT NULL,\n"
	"  account_holder TEXT NOT NULL,\n"
	"  signed_at INTEGER NOT NULL,\n"
	"  revoked_at INTEGER\n"
	");\n"
	/* Employer users of a company (user_id is a core user, role employer). */
	"CREATE TABLE membership_company_user (\n"
	"  company_id INTEGER NOT NULL REFERENCES membership_company (id),\n"
	"  user_id INTEGER NOT NULL,\n"
	"  email TEXT NOT NULL,\n"
	"  name TEXT NOT NULL,\n"
	"  role_admin INTEGER NOT NULL CHECK (role_admin IN (0, 1)),\n"
	"  role_declaration INTEGER NOT NULL CHECK (role_declaration IN (0, 1)),\n"
	"  role_convocation INTEGER NOT NULL CHECK (role_convocation IN (0, 1)),\n"
	"  role_billing INTEGER NOT NULL CHECK (role_billing IN (0, 1)),\n"
	"  invited_at INTEGER NOT NULL,\n"
	"  invited_by INTEGER,\n"
	"  PRIMARY KEY (company_id, user_id),\n"
	"  CHECK (role_admin + role_declaration + role_convocation + role_billing >= 1)\n"
	");\n"
	"CREATE INDEX membership_company_user_user ON membership_company_user (user_id);\n"
	"CREATE TABLE membership_invitation (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  token_hash TEXT NOT NULL UNIQUE,\n"         /* SHA-256 of the token, hex */
	"  company_id INTEGER NOT NULL REFERENCES membership_company (id),\n"
	"  user_id INTEGER NOT NULL,\n"
	"  created_at INTEGER NOT NULL,\n"
	"  expires_at INTEGER NOT NULL,\n"
	"  used_at INTEGER,\n"
	"  revoked_at INTEGER\n"
	");\n"
	"CREATE INDEX membership_invitation_user ON membership_invitation (company_id, user_id);\n"
	"CREATE TABLE membership_satisfaction (\n"
	"  company_id INTEGER PRIMARY KEY REFERENCES membership_company (id),\n"
	"  user_id INTEGER NOT NULL,\n"
	"  interface INTEGER NOT NULL CHECK (interface BETWEEN 1 AND 5),\n"
	"  information INTEGER NOT NULL CHECK (information BETWEEN 1 AND 5),\n"
	"  comment TEXT,\n"
	"  answered_on TEXT NOT NULL,\n"
	"  answered_at INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX membership_satisfaction_on ON membership_satisfaction (answered_on);\n";

const struct membership_company_role membership_company_roles[4] = {
	{MEMBERSHIP_ROLE_ADMIN, "role_admin", "Administrateur"},
	{MEMBERSHIP_ROLE_DECLARATION, "role_declaration", "Déclaration des effectifs"},
	{MEMBERSHIP_ROLE_CONVOCATION, "role_convocation", "Convocations"},
	{MEMBERSHIP_ROLE_BILLING, "role_billing", "Facturation"},
};

/* ------------------------------------------------------------------ helpers */

void membership_lower_ascii(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (; in && *in && n + 1 < size; in++)
		out[n++] = (*in >= 'A' && *in <= 'Z') ? (char)(*in - 'A' + 'a') : *in;
	out[n] = '\0';
}

/* A JSON text column back as a value; an unreadable one becomes null rather
 * than failing the whole page. */
static json_t *json_column(const char *text)
{
	json_t *v = text ? json_loads(text, 0, NULL) : NULL;

	return v ? v : json_null();
}

json_t *membership_page_reply(json_t *rows, int limit)
{
	json_t *cursor = socle_page_cursor(rows, limit, "id");

	return json_pack("{s:o, s:o}", "items", rows, "next_cursor", cursor);
}

int membership_company_audit(socle_db *wdb, socle_req *req, const char *action,
                             int64_t company_id, json_t *detail, socle_err *err)
{
	struct socle_audit_entry e = {.action = action, .object_type = "company",
	                              .object_id = company_id, .outcome = "ok", .detail = detail};
	int rc = socle_audit(wdb, req, &e, err);

	json_decref(detail);
	return rc;
}

int membership_emit(socle_db *wdb, const char *event, json_t *payload, socle_err *err)
{
	int rc = payload ? socle_event_emit(wdb, event, payload, err)
	                 : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");

	json_decref(payload);
	return rc;
}

int64_t membership_principal_id(socle_req *req)
{
	const socle_principal *who = req ? socle_req_principal(req) : NULL;

	return who ? socle_principal_user_id(who) : 0;
}

int membership_check_text(const json_t *v, char *msg, size_t size)
{
	for (const unsigned char *p = (const unsigned char *)json_string_value(v); *p; p++)
		if (*p < 0x20 || *p == 0x7f) {
			snprintf(msg, size, "Ne doit pas contenir de caractère de contrôle.");
			return -1;
		}
	return 0;
}

const json_t *membership_body_or_empty(socle_req *req, json_t **tmp)
{
	const json_t *b = socle_req_body(req);

	*tmp = NULL;
	if (b == NULL)
		b = *tmp = json_object();
	return b;
}

/* ------------------------------------------------------------ company views */

static const char company_columns[] =
	"id, reference, status, member_number, siret, siren, legal_name, naf_code, naf_version,"
	" headcount, address_line, postcode, city, contact_name, contact_email, contact_phone,"
	" exposures, followup_counts, prevention_answers, payment_mode, joined_on, left_on,"
	" rejection_reason, decided_by, decided_at, created_at";

/* The full view of one company: nested address, contact, payment (IBAN
 * masked) and establishments. NULL with err (SOCLE_E_NOTFOUND) if unknown. */
json_t *membership_company_view(socle_db *db, int64_t id, socle_err *err)
{
	char sql[700];
	json_t *p = json_pack("{s:I}", "id", (json_int_t)id);

	snprintf(sql, sizeof(sql), "SELECT %s FROM membership_company WHERE id = :id",
	         company_columns);
	json_t *r = socle_db_query_one(db, sql, p, err);

	if (r == NULL) {
		json_decref(p);
		if (err && err->code == SOCLE_E_NOTFOUND)
			socle_err_set(err, SOCLE_E_NOTFOUND, "Entreprise introuvable.");
		return NULL;
	}
	json_t *out = json_pack(
		"{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O,"
		" s:{s:O, s:O, s:O}, s:{s:O, s:O, s:O}, s:o, s:o, s:o, s:O, s:O, s:O, s:O, s:O}",
		"id", json_object_get(r, "id"), "reference", json_object_get(r, "reference"), "status",
		json_object_get(r, "status"), "member_number", json_object_get(r, "member_number"),
		"siret", json_object_get(r, "siret"), "siren", json_object_get(r, "siren"), "legal_name",
		json_object_get(r, "legal_name"), "naf_code", json_object_get(r, "naf_code"),
		"naf_version", json_object_get(r, "naf_version"), "headcount",
		json_object_get(r, "headcount"), "address", "line", json_object_get(r, "address_line"),
		"postcode", json_object_get(r, "postcode"), "city", json_object_get(r, "city"),
		"contact", "name", json_object_get(r, "contact_name"), "email",
		json_object_get(r, "contact_email"), "phone", json_object_get(r, "contact_phone"),
		"exposures", json_column(str(r, "exposures")), "followup_counts",
		json_column(str(r, "followup_counts")), "prevention_answers",
		json_column(str(r, "prevention_answers")), "joined_on", json_object_get(r, "joined_on"),
		"left_on", json_object_get(r, "left_on"), "rejection_reason",
		json_object_get(r, "rejection_reason"), "decided_at", json_object_get(r, "decided_at"),
		"created_at", json_object_get(r, "created_at"));
	json_t *estabs = socle_db_query(db,
		"SELECT id, siret, name, address_line, postcode, city, headcount FROM"
		" membership_establishment WHERE company_id = :id ORDER BY id LIMIT 500", p, err);
	json_t *mandate = socle_db_query(db,
		"SELECT reference, iban_masked, account_holder, signed_at, revoked_at FROM"
		" membership_sepa_mandate WHERE company_id = :id", p, err);

	json_decref(p);
	if (out == NULL || estabs == NULL || mandate == NULL) {
		json_decref(out);
		json_decref(estabs);
		json_decref(mandate);
		json_decref(r);
		if (err && err->code == 0)
			socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
		return NULL;
	}
	json_object_set_new(out, "establishments", estabs);
	json_t *pay = json_pack("{s:O}", "mode", json_object_get(r, "payment_mode"));
	json_t *m = json_array_get(mandate, 0);

	if (pay != NULL && m != NULL) {
		json_object_set(pay, "mandate_reference", json_object_get(m, "reference"));
		json_object_set(pay, "iban_masked", json_object_get(m, "iban_masked"));
		json_object_set(pay, "account_holder", json_object_get(m, "account_holder"));
		json_object_set(pay, "signed_at", json_object_get(m, "signed_at"));
		json_object_set(pay, "revoked_at", json_object_get(m, "revoked_at"));
	}
	json_object_set_new(out, "payment", pay ? pay : json_null());
	json_decref(mandate);
	json_decref(r);
	return out;
}

int membership_company_status(socle_db *db, int64_t id, char *status, size_t size, socle_err *err)
{
	json_t *p = json_pack("{s:I}", "id", (json_int_t)id);
	json_t *r = socle_db_query_one(db, "SELECT status FROM membership_company WHERE id = :id", p,
	                               err);

	json_decref(p);
	if (r == NULL) {
		if (err && err->code == SOCLE_E_NOTFOUND)
			return socle_err_set(err, SOCLE_E_NOTFOUND, "Entreprise introuvable.");
		return fail(err);
	}
	snprintf(status, size, "%s", str(r, "status"));
	json_decref(r);
	return 0;
}

int membership_user_has_role(socle_db *db, int64_t company_id, int64_t user_id,
                              const char *role, socle_err *err)
{
	char sql[200];
	const char *column = NULL;

	for (size_t i = 0; i < SOCLE_COUNT(membership_company_roles); i++)
		if (strcmp(membership_company_roles[i].role, role) == 0)
			column = membership_company_roles[i].column;
	if (column == NULL)
		return socle_err_set(err, SOCLE_E_INTERNAL, "rôle employeur inconnu : %s", role);
	snprintf(sql, sizeof(sql), "SELECT %s AS has FROM membership_company_user"
	                           " WHERE company_id = :company_id AND user_id = :user_id", column);
	json_t *p = json_pack("{s:I, s:I}", "company_id", (json_int_t)company_id, "user_id",
	                      (json_int_t)user_id);
	json_t *rows = socle_db_query(db, sql, p, err);

	json_decref(p);
	if (rows == NULL)
		return fail(err);
	int has = json_integer_value(json_object_get(json_array_get(rows, 0), "has")) == 1;

	json_decref(rows);
	return has;
}

/* Record a refusal decided here (the core records those it decides). */
void membership_audit_denied(socle_req *req, int64_t company_id, const char *key,
                             const char *value)
{
	json_t *detail = json_pack("{s:s}", key, value);
	struct socle_audit_entry e = {.action = "membership.company.access", .object_type = "company",
	                              .object_id = company_id, .outcome = "denied", .detail = detail};
	socle_err ignored = SOCLE_ERR_INIT;

	/* The refusal stands even if its trace could not be written; the core
	 * logs that failure. */
	(void)socle_audit_now(req, &e, &ignored);
	json_decref(detail);
}

int membership_company_access(socle_req *req, int64_t company_id, const char *employer_role,
                              socle_err *err)
{
	char status[16];
	socle_db *db = socle_req_reader(req, err);
	int rc;

	if (db == NULL)
		return fail(err);
	if ((rc = membership_company_status(db, company_id, status, sizeof(status), err)) != 0)
		return rc;
	if ((rc = socle_access_company(req, company_id, err)) != 0)
		return rc;
	const socle_principal *who = socle_req_principal(req);

	if (employer_role == NULL || socle_principal_role(who) != SOCLE_ROLE_EMPLOYER)
		return 0;
	rc = membership_user_has_role(db, company_id, socle_principal_user_id(who), employer_role,
	                              err);
	if (rc < 0)
		return rc;
	if (rc == 1)
		return 0;
	membership_audit_denied(req, company_id, "missing_role", employer_role);
	return socle_err_set(err, SOCLE_E_FORBIDDEN,
	                     "Votre compte n'a pas le rôle « %s » dans cette entreprise.",
	                     employer_role);
}

/* GET /membership/companies/{id} */
static int route_company_get(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t id;
	(void)ud;

	if (socle_req_param_id(req, "id", &id) != 0)
		return socle_reply_error(req, 404, "not_found", "Entreprise introuvable.");
	if (membership_company_access(req, id, NULL, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *c = db ? membership_company_view(db, id, &err) : NULL;

	return c ? socle_reply_json(req, 200, c) : socle_reply_err(req, &err);
}

static const char *const status_choices[] = {"applied", "member", "rejected", "left", NULL};

static int list_companies(socle_req *req, const char *status, const char *q)
{
	socle_err err = SOCLE_ERR_INIT;
	int limit;
	int64_t after;
	char like[260], prefix[32];

	if (socle_req_page(req, &limit, &after, &err) != 0)
		return socle_reply_err(req, &err);
	if (status != NULL) {
		bool ok = false;

		for (size_t i = 0; status_choices[i]; i++)
			ok |= strcmp(status_choices[i], status) == 0;
		if (!ok)
			return socle_reply_error(req, 400, "invalid", "Statut inconnu : applied, member, "
			                                              "rejected ou left.");
	}
	if (q != NULL && (strlen(q) == 0 || strlen(q) > 100))
		return socle_reply_error(req, 400, "invalid", "Recherche de 1 à 100 caractères.");
	/* The search matches a SIRET prefix (spaces ignored) or a part of the
	 * name; LIKE wildcards typed by the user are escaped. */
	if (q != NULL) {
		size_t n = 0, k = 0;

		like[n++] = '%';
		for (const char *s = q; *s && n + 3 < sizeof(like); s++) {
			char c = (*s >= 'A' && *s <= 'Z') ? (char)(*s - 'A' + 'a') : *s;

			if (c == '%' || c == '_' || c == '!')
				like[n++] = '!';
			like[n++] = c;
		}
		like[n++] = '%';
		like[n] = '\0';
		for (const char *s = q; *s && k + 2 < sizeof(prefix); s++)
			if (*s >= '0' && *s <= '9')
				prefix[k++] = *s;
			else if (*s != ' ')
				k = sizeof(prefix); /* not a SIRET: no prefix match */
		if (k == 0 || k >= sizeof(prefix))
			snprintf(prefix, sizeof(prefix), "-");
		else {
			prefix[k++] = '%';
			prefix[k] = '\0';
		}
	}
	socle_db *db = socle_req_reader(req, &err);

	if (db == NULL)
		return socle_reply_err(req, &err);
	json_t *p = json_pack("{s:s?, s:s?, s:s?, s:I, s:i}", "status", status, "like",
	                      q ? like : NULL, "prefix", q ? prefix : NULL, "after", (json_int_t)after,
	                      "limit", limit);
	json_t *rows = socle_db_query(db,
		"SELECT id, reference, status, member_number, siret, legal_name, naf_code, headcount,"
		" postcode, city, joined_on, created_at FROM membership_company"
		" WHERE (:after = 0 OR id < :after) AND (:status IS NULL OR status = :status)"
		" AND (:like IS NULL OR LOWER(legal_name) LIKE :like ESCAPE '!' OR siret LIKE :prefix)"
		" ORDER BY id DESC LIMIT :limit", p, &err);

	json_decref(p);
	if (rows == NULL)
		return socle_reply_err(req, &err);
	return socle_reply_json(req, 200, membership_page_reply(rows, limit));
}

/* GET /membership/companies?status=&q= (staff) */
static int route_companies(socle_req *req, void *ud)
{
	(void)ud;
	return list_companies(req, socle_req_query(req, "status"), socle_req_query(req, "q"));
}

/* GET /membership/applications?status=applied (review) */
static int route_applications(socle_req *req, void *ud)
{
	const char *status = socle_req_query(req, "status");
	(void)ud;

	return list_companies(req, status ? status : "applied", socle_req_query(req, "q"));
}

/* GET /membership/my/companies (employer): the companies the caller is bound to. */
static int route_my_companies(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	const socle_principal *who = socle_req_principal(req);
	int limit;
	int64_t after;
	(void)ud;

	if (socle_principal_role(who) != SOCLE_ROLE_EMPLOYER)
		return socle_reply_error(req, 403, "forbidden",
		                         "Réservé aux utilisateurs des entreprises adhérentes.");
	if (socle_req_page(req, &limit, &after, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);

	if (db == NULL)
		return socle_reply_err(req, &err);
	json_t *p = json_pack("{s:I, s:I, s:i}", "user_id", (json_int_t)socle_principal_user_id(who),
	                      "after", (json_int_t)after, "limit", limit);
	json_t *rows = socle_db_query(db,
		"SELECT c.id, c.member_number, c.status, c.siret, c.legal_name, c.joined_on,"
		" u.role_admin, u.role_declaration, u.role_convocation, u.role_billing"
		" FROM membership_company_user u JOIN membership_company c ON c.id = u.company_id"
		" WHERE u.user_id = :user_id AND (:after = 0 OR c.id < :after)"
		" ORDER BY c.id DESC LIMIT :limit", p, &err);

	json_decref(p);
	if (rows == NULL)
		return socle_reply_err(req, &err);
	size_t i;
	json_t *r;

	/* Only the companies the core's scopes also grant (an unbound row is stale). */
	for (i = json_array_size(rows); i-- > 0;) {
		r = json_array_get(rows, i);
		if (!socle_principal_has_scope(who, "company",
		                               json_integer_value(json_object_get(r, "id")))) {
			json_array_remove(rows, i);
			continue;
		}
		json_t *list = json_array();

		for (size_t k = 0; list && k < SOCLE_COUNT(membership_company_roles); k++) {
			if (json_integer_value(json_object_get(r, membership_company_roles[k].column)) == 1)
				json_array_append_new(list, json_string(membership_company_roles[k].role));
			json_object_del(r, membership_company_roles[k].column);
		}
		json_object_set_new(r, "roles", list ? list : json_array());
	}
	return socle_reply_json(req, 200, membership_page_reply(rows, limit));
}
/* ------------------------------------------------------------------- init */

static const struct socle_route company_routes[] = {
	{SOCLE_GET, "/membership/applications", MEMBERSHIP_CAP_REVIEW, 0, route_applications, NULL},
	{SOCLE_GET, "/membership/companies", SOCLE_CAP_STAFF, 0, route_companies, NULL},
	{SOCLE_GET, "/membership/companies/{id}", SOCLE_CAP_AUTHENTICATED, 0, route_company_get,
	 NULL},
	{SOCLE_GET, "/membership/my/companies", SOCLE_CAP_AUTHENTICATED, 0, route_my_companies,
	 NULL},
};

int membership_company_init(socle_plugin *p, socle_err *err)
{
	int rc;

	/* The membership desk: the service's administrators and the assistants
	 * who handle companies' paperwork. Health professionals, IPRP and social
	 * workers see companies (capability staff) but do not decide memberships. */
	if ((rc = socle_plugin_add_capability(p, MEMBERSHIP_CAP_REVIEW,
	                                      SOCLE_ROLE_BIT(SOCLE_ROLE_SERVICE_ADMIN) |
	                                              SOCLE_ROLE_BIT(SOCLE_ROLE_ASSISTANT_MEDICAL),
	                                      err)) ||
	    (rc = socle_plugin_add_routes(p, company_routes, SOCLE_COUNT(company_routes), err)))
		return rc;
	return 0;
}
