/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Who may do what: roles, principals, capabilities, the router's
 * authentication and authorization hooks, record-level access checks, and
 * user accounts (creation, scopes, passwords, disabling).
 *
 * Medical secrecy is enforced twice: the capability table refuses to grant
 * medical.* to anyone but health professionals, and socle_principal_can
 * checks the role again, so a mistake in one layer does not open the data.
 * Every refusal and every medical access is written to the audit log. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "audit.h"
#include "auth.h"
#include "http.h"

/* ------------------------------------------------------------------- roles */

static const char *const role_names[] = {
	[SOCLE_ROLE_OPERATOR] = "operator",
	[SOCLE_ROLE_SERVICE_ADMIN] = "service_admin",
	[SOCLE_ROLE_MEDECIN] = "medecin",
	[SOCLE_ROLE_INFIRMIER] = "infirmier",
	[SOCLE_ROLE_IPRP] = "iprp",
	[SOCLE_ROLE_ASSISTANT_SOCIAL] = "assistant_social",
	[SOCLE_ROLE_ASSISTANT_MEDICAL] = "assistant_medical",
	[SOCLE_ROLE_EMPLOYER] = "employer",
	[SOCLE_ROLE_EMPLOYEE] = "employee",
};

#define ROLE_MAX SOCLE_ROLE_EMPLOYEE
#define ROLES_ALL (((1u << (ROLE_MAX + 1)) - 1) & ~1u)

SOCLE_API const char *socle_role_name(int role)
{
	if (role < 1 || role > ROLE_MAX)
		return NULL;
	return role_names[role];
}

SOCLE_API int socle_role_parse(const char *name)
{
	if (name == NULL)
		return 0;
	for (int r = 1; r <= ROLE_MAX; r++)
		if (strcmp(role_names[r], name) == 0)
			return r;
	return 0;
}

/* ------------------------------------------------------------ capabilities */

/* The core's own capabilities. Also the table used for principals made
 * without a core (commands, tests). */
static const struct {
	const char *name;
	uint32_t roles;
} core_caps[] = {
	{SOCLE_CAP_MEDICAL_READ, SOCLE_ROLES_HEALTH},
	{SOCLE_CAP_MEDICAL_WRITE, SOCLE_ROLES_HEALTH},
	{SOCLE_CAP_AUDIT_READ, SOCLE_ROLE_BIT(SOCLE_ROLE_SERVICE_ADMIN)},
	{SOCLE_CAP_USERS_MANAGE, SOCLE_ROLE_BIT(SOCLE_ROLE_SERVICE_ADMIN)},
	{SOCLE_CAP_STAFF, SOCLE_ROLES_STAFF},
};

static bool is_medical_cap(const char *name)
{
	return strncmp(name, "medical.", 8) == 0;
}

static bool valid_cap_name(const char *name)
{
	size_t n = 0;

	if (name == NULL || !(name[0] >= 'a' && name[0] <= 'z'))
		return false;
	for (; name[n]; n++) {
		char c = name[n];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return n <= 64;
}

int auth_capability_grant_check(const char *name, uint32_t role_mask, socle_err *err)
{
	if (!valid_cap_name(name))
		return socle_err_set(err, SOCLE_E_INVAL,
		                     "capacité '%s' : nom invalide ([a-z][a-z0-9._-]*, 64 caractères au plus)",
		                     name ? name : "(null)");
	if (strcmp(name, SOCLE_CAP_AUTHENTICATED) == 0)
		return socle_err_set(err, SOCLE_E_INVAL, "capacité '%s' : nom réservé", name);
	if (role_mask == 0 || (role_mask & ~ROLES_ALL) != 0)
		return socle_err_set(err, SOCLE_E_INVAL, "capacité '%s' : rôles inconnus (masque 0x%x)",
		                     name, role_mask);
	if (is_medical_cap(name) && (role_mask & ~SOCLE_ROLES_HEALTH) != 0)
		return socle_err_set(err, SOCLE_E_FORBIDDEN,
		                     "capacité '%s' : les données médicales sont réservées aux "
		                     "professionnels de santé (médecin, infirmier)",
		                     name);
	for (size_t i = 0; i < SOCLE_COUNT(core_caps); i++)
		if (strcmp(core_caps[i].name, name) == 0 && (role_mask & ~core_caps[i].roles) != 0)
			return socle_err_set(err, SOCLE_E_FORBIDDEN,
			                     "capacité '%s' : capacité du cœur, elle ne peut être étendue",
			                     name);
	return 0;
}

SOCLE_API int socle_plugin_add_capability(socle_plugin *p, const char *name, uint32_t role_mask,
                                          socle_err *err)
{
	int rc;

	if (p == NULL || p->core == NULL)
		return socle_err_set(err, SOCLE_E_INVAL, "socle_plugin_add_capability: no plugin");
	if (p->core->phase != PHASE_INIT)
		return socle_err_set(err, SOCLE_E_PHASE,
		                     "plugin %s: capabilities are declared in init() only",
		                     socle_plugin_name(p));
	rc = auth_capability_grant_check(name, role_mask, err);
	if (rc < 0)
		return rc;
	struct reg_capability rec = {.owner = p, .name = (char *)name, .roles = role_mask};

	if (registry_add_capability(&p->core->reg, &rec) < 0)
		return socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
	return 0;
}

int auth_core_capabilities_register(struct registry *r)
{
	for (size_t i = 0; i < SOCLE_COUNT(core_caps); i++) {
		struct reg_capability rec = {.owner = NULL, .name = (char *)core_caps[i].name,
		                             .roles = core_caps[i].roles};

		if (registry_add_capability(r, &rec) < 0)
			return SOCLE_E_NOMEM;
	}
	return 0;
}

/* Roles holding @p cap for a principal of @p core (NULL: core table only). */
static uint32_t cap_roles(const socle_core *core, const char *cap)
{
	if (core != NULL)
		return registry_capability_roles(&core->reg, cap);
	for (size_t i = 0; i < SOCLE_COUNT(core_caps); i++)
		if (strcmp(core_caps[i].name, cap) == 0)
			return core_caps[i].roles;
	return 0;
}

/* -------------------------------------------------------------- principals */

socle_principal *auth_principal_new(const socle_core *core, int64_t user_id, int role,
                                    const char *email, const char *display_name)
{
	socle_principal *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	atomic_init(&p->refs, 1);
	p->core = core;
	p->user_id = user_id;
	p->role = role;
	p->email = strdup(email ? email : "");
	p->display_name = strdup(display_name ? display_name : "");
	if (p->email == NULL || p->display_name == NULL) {
		auth_principal_unref(p);
		return NULL;
	}
	return p;
}

static int scope_cmp(const void *a, const void *b)
{
	const struct auth_scope *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->ref < y->ref ? -1 : x->ref > y->ref;
}

int auth_principal_add_scope(socle_principal *p, int kind, int64_t ref)
{
	if (kind != AUTH_SCOPE_COMPANY && kind != AUTH_SCOPE_WORKER)
		return SOCLE_E_INVAL;
	struct auth_scope *v = realloc(p->scopes, (p->n_scopes + 1) * sizeof(*v));

	if (v == NULL)
		return SOCLE_E_NOMEM;
	p->scopes = v;
	v[p->n_scopes++] = (struct auth_scope){kind, ref};
	qsort(v, p->n_scopes, sizeof(*v), scope_cmp);
	return 0;
}

socle_principal *auth_principal_ref(socle_principal *p)
{
	if (p != NULL)
		atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
	return p;
}

void auth_principal_unref(socle_principal *p)
{
	if (p == NULL || atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) != 1)
		return;
	free(p->email);
	free(p->display_name);
	free(p->scopes);
	sodium_memzero(p->csrf_token, sizeof(p->csrf_token));
	free(p);
}

int auth_scope_kind_parse(const char *name)
{
	if (name == NULL)
		return 0;
	if (strcmp(name, "company") == 0)
		return AUTH_SCOPE_COMPANY;
	if (strcmp(name, "worker") == 0)
		return AUTH_SCOPE_WORKER;
	return 0;
}

const char *auth_scope_kind_name(int kind)
{
	switch (kind) {
	case AUTH_SCOPE_COMPANY: return "company";
	case AUTH_SCOPE_WORKER: return "worker";
	default: return NULL;
	}
}

SOCLE_API int64_t socle_principal_user_id(const socle_principal *who)
{
	return who ? who->user_id : 0;
}

SOCLE_API int socle_principal_role(const socle_principal *who)
{
	return who ? who->role : 0;
}

SOCLE_API const char *socle_principal_email(const socle_principal *who)
{
	return who ? who->email : NULL;
}

SOCLE_API bool socle_principal_can(const socle_principal *who, const char *capability)
{
	if (capability == NULL)
		return true;
	if (who == NULL || who->role < 1 || who->role > ROLE_MAX)
		return false;
	if (strcmp(capability, SOCLE_CAP_AUTHENTICATED) == 0)
		return true;
	/* Second lock on medical secrecy, whatever the table says. */
	if (is_medical_cap(capability) && !(SOCLE_ROLE_BIT(who->role) & SOCLE_ROLES_HEALTH))
		return false;
	return (cap_roles(who->core, capability) & SOCLE_ROLE_BIT(who->role)) != 0;
}

SOCLE_API bool socle_principal_has_scope(const socle_principal *who, const char *kind, int64_t ref)
{
	struct auth_scope key = {auth_scope_kind_parse(kind), ref};

	if (who == NULL || key.kind == 0 || who->n_scopes == 0)
		return false;
	return bsearch(&key, who->scopes, who->n_scopes, sizeof(key), scope_cmp) != NULL;
}

json_t *auth_principal_capabilities(const socle_principal *p)
{
	json_t *caps = json_array();

	if (caps == NULL || p == NULL)
		return caps;
	if (p->core == NULL) {
		for (size_t i = 0; i < SOCLE_COUNT(core_caps); i++)
			if (socle_principal_can(p, core_caps[i].name))
				json_array_append_new(caps, json_string(core_caps[i].name));
		return caps;
	}
	const struct registry *r = &p->core->reg;

	for (size_t i = 0; i < r->capabilities.n; i++) {
		const char *name = r->capabilities.v[i].name;
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(r->capabilities.v[j].name, name) == 0;
		if (!seen && socle_principal_can(p, name))
			json_array_append_new(caps, json_string(name));
	}
	return caps;
}

json_t *auth_principal_json(const socle_principal *p)
{
	json_t *scopes = json_array();

	for (size_t i = 0; scopes != NULL && i < p->n_scopes; i++)
		json_array_append_new(scopes, json_pack("{s:s, s:I}", "kind",
		                                        auth_scope_kind_name(p->scopes[i].kind), "ref",
		                                        (json_int_t)p->scopes[i].ref));
	const char *role = socle_role_name(p->role);

	return json_pack("{s:I, s:s, s:s, s:s?, s:o*}", "id", (json_int_t)p->user_id, "email",
	                 p->email, "display_name", p->display_name, "role", role, "scopes", scopes);
}

/* ------------------------------------------------------------------ audit */

/* Audit a refusal durably; a failure to write is logged, the refusal stands. */
static void audit_refusal(socle_req *req, const char *action, const char *object_type,
                          int64_t object_id, json_t *detail /* stolen */)
{
	socle_err err = SOCLE_ERR_INIT;
	struct socle_audit_entry e = {
		.action = action,
		.object_type = object_type,
		.object_id = object_id,
		.outcome = "denied",
		.detail = detail,
	};

	if (req == NULL || req->service == NULL || socle_audit_now(req, &e, &err) < 0)
		socle_log(SOCLE_LOG_WARN, "audit of refusal '%s' not written: %s", action,
		          err.msg[0] ? err.msg : "no service");
	json_decref(detail);
}

static json_t *req_detail(socle_req *req, const char *reason, unsigned status)
{
	return json_pack("{s:s, s:s?, s:s?, s:i}", "reason", reason, "method", req->method_name,
	                 "path", req->path, "status", (int)status);
}

/* ------------------------------------------------------------- router hooks */

bool auth_cookie_value(const char *header, const char *name, char *out, size_t size)
{
	size_t nlen = strlen(name);
	const char *p = header;

	while (p != NULL && *p) {
		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			size_t vlen = len - nlen - 1;
			const char *v = p + nlen + 1;

			while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
				vlen--;
			if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
				v++;
				vlen -= 2;
			}
			if (vlen >= size)
				return false;
			memcpy(out, v, vlen);
			out[vlen] = '\0';
			return true;
		}
		p = end;
	}
	return false;
}

bool auth_bearer_value(const char *header, char *out, size_t size)
{
	if (header == NULL || strncasecmp(header, "Bearer", 6) != 0 ||
	    (header[6] != ' ' && header[6] != '\t'))
		return false;
	const char *v = header + 7;

	while (*v == ' ' || *v == '\t')
		v++;
	size_t len = strlen(v);

	while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	if (len == 0 || len >= size)
		return false;
	memcpy(out, v, len);
	out[len] = '\0';
	return true;
}

static bool route_is_public(const socle_req *req)
{
	return req->route != NULL && req->route->route != NULL &&
	       req->route->route->capability == SOCLE_CAP_PUBLIC;
}

int auth_authenticate(socle_req *req, socle_err *err)
{
	char token[128];
	const char *via = NULL;
	const char *reason = NULL;
	socle_principal *who = NULL;

	if (req->principal != NULL) {
		auth_principal_unref(req->principal);
		req->principal = NULL;
	}
	req->cookie_auth = false;
	if (req->service == NULL || req->service->auth == NULL)
		return 0;

	/* Bearer first: a browser never adds it by itself, so CSRF does not apply. */
	const char *authz = socle_req_header(req, "Authorization");

	if (authz != NULL && auth_bearer_value(authz, token, sizeof(token))) {
		via = "bearer";
	} else {
		const char *cookies = socle_req_header(req, "Cookie");

		if (cookies != NULL && auth_cookie_value(cookies, AUTH_COOKIE_NAME, token, sizeof(token)))
			via = "cookie";
		else if (authz != NULL)
			via = "bearer"; /* present but malformed: refused below */
		else
			return 0;
		if (strcmp(via, "bearer") == 0)
			token[0] = '\0';
	}

	socle_err rerr = SOCLE_ERR_INIT;
	int rc = auth_session_resolve(req->service, token, &who, &reason, &rerr);

	if (rc == 0) {
		req->principal = who;
		req->cookie_auth = strcmp(via, "cookie") == 0;
		return 0;
	}
	if (rc != SOCLE_E_AUTH) {
		socle_err_set(err, rc, "%s", rerr.msg);
		return rc;
	}
	/* A stale cookie must not stop anyone from reaching the login route. */
	if (route_is_public(req))
		return 0;
	json_t *detail = req_detail(req, reason ? reason : "unknown", 401);

	if (detail != NULL)
		json_object_set_new(detail, "via", json_string(via));
	audit_refusal(req, "auth.session", NULL, 0, detail);
	return socle_err_set(err, SOCLE_E_AUTH,
	                     "Votre session est invalide ou a expiré : reconnectez-vous.");
}

static bool safe_method(const socle_req *req)
{
	if (req->method == SOCLE_GET)
		return true;
	return req->method_name != NULL && (strcmp(req->method_name, "HEAD") == 0 ||
	                                    strcmp(req->method_name, "OPTIONS") == 0);
}

bool auth_csrf_ok(const socle_principal *who, bool cookie_auth, bool safe, const char *header)
{
	if (!cookie_auth || safe)
		return true;
	if (who == NULL || header == NULL || who->csrf_token[0] == '\0')
		return false;
	size_t len = strlen(who->csrf_token);

	if (strlen(header) != len)
		return false;
	return sodium_memcmp(header, who->csrf_token, len) == 0;
}

int auth_authorize(socle_req *req, const char *capability, socle_err *err)
{
	const socle_principal *who = req->principal;

	if (capability == SOCLE_CAP_PUBLIC)
		return 0;
	if (who == NULL) {
		json_t *detail = req_detail(req, "unauthenticated", 401);

		if (detail != NULL)
			json_object_set_new(detail, "capability", json_string(capability));
		audit_refusal(req, "access.denied", NULL, 0, detail);
		return socle_err_set(err, SOCLE_E_AUTH, "Authentification requise.");
	}
	if (!auth_csrf_ok(who, req->cookie_auth, safe_method(req),
	                  socle_req_header(req, AUTH_CSRF_HEADER))) {
		audit_refusal(req, "access.denied", NULL, 0, req_detail(req, "csrf", 403));
		return socle_err_set(err, SOCLE_E_FORBIDDEN,
		                     "Jeton anti-CSRF manquant ou invalide (en-tête " AUTH_CSRF_HEADER ").");
	}
	if (!socle_principal_can(who, capability)) {
		json_t *detail = req_detail(req, "capability", 403);

		if (detail != NULL)
			json_object_set_new(detail, "capability", json_string(capability));
		audit_refusal(req, "access.denied", NULL, 0, detail);
		return socle_err_set(err, SOCLE_E_FORBIDDEN,
		                     "Vous n'avez pas les droits nécessaires pour cette action.");
	}
	return 0;
}

void auth_request_done(socle_req *req)
{
	if (req == NULL)
		return;
	auth_principal_unref(req->principal);
	req->principal = NULL;
	req->cookie_auth = false;
	req->auth_data = NULL; /* unused: nothing of ours hangs there */
}

/* --------------------------------------------------------- record checks */

static bool is_staff(const socle_principal *who)
{
	return (SOCLE_ROLE_BIT(who->role) & SOCLE_ROLES_STAFF) != 0;
}

static int need_principal(socle_req *req, const char *action, const char *object_type,
                          int64_t object_id, socle_err *err)
{
	if (req == NULL)
		return socle_err_set(err, SOCLE_E_INVAL, "no request");
	if (req->principal != NULL)
		return 0;
	audit_refusal(req, action, object_type, object_id, req_detail(req, "unauthenticated", 401));
	return socle_err_set(err, SOCLE_E_AUTH, "Authentification requise.");
}

SOCLE_API int socle_access_company(socle_req *req, int64_t company_id, socle_err *err)
{
	int rc = need_principal(req, "access.company", "company", company_id, err);

	if (rc < 0)
		return rc;
	const socle_principal *who = req->principal;

	if (is_staff(who))
		return 0;
	if (who->role == SOCLE_ROLE_EMPLOYER && company_id > 0 &&
	    socle_principal_has_scope(who, "company", company_id))
		return 0;
	audit_refusal(req, "access.company", "company", company_id, req_detail(req, "scope", 403));
	return socle_err_set(err, SOCLE_E_FORBIDDEN, "Vous n'avez pas accès à cette entreprise.");
}

SOCLE_API int socle_access_worker(socle_req *req, int64_t worker_id, int64_t company_id,
                                  socle_err *err)
{
	int rc = need_principal(req, "access.worker", "worker", worker_id, err);

	if (rc < 0)
		return rc;
	const socle_principal *who = req->principal;

	if (is_staff(who))
		return 0;
	if (who->role == SOCLE_ROLE_EMPLOYEE && worker_id > 0 &&
	    socle_principal_has_scope(who, "worker", worker_id))
		return 0;
	if (who->role == SOCLE_ROLE_EMPLOYER && company_id > 0 &&
	    socle_principal_has_scope(who, "company", company_id))
		return 0;
	json_t *detail = req_detail(req, "scope", 403);

	if (detail != NULL && company_id > 0)
		json_object_set_new(detail, "company_id", json_integer(company_id));
	audit_refusal(req, "access.worker", "worker", worker_id, detail);
	return socle_err_set(err, SOCLE_E_FORBIDDEN, "Vous n'avez pas accès à ce salarié.");
}

/* Does @p action only read ("dmst.read", "dmst.list")? Anything else needs
 * medical.write: an unknown verb gets the stricter capability. */
static bool action_reads(const char *action)
{
	static const char *const verbs[] = {"read", "list", "view", "export", "print", "search"};
	const char *dot = strrchr(action, '.');
	const char *verb = dot ? dot + 1 : action;

	for (size_t i = 0; i < SOCLE_COUNT(verbs); i++)
		if (strcmp(verb, verbs[i]) == 0)
			return true;
	return false;
}

SOCLE_API int socle_access_medical(socle_req *req, int64_t worker_id, const char *action,
                                   socle_err *err)
{
	if (action == NULL || *action == '\0')
		return socle_err_set(err, SOCLE_E_INVAL, "socle_access_medical: no action");
	int rc = need_principal(req, action, "worker", worker_id, err);

	if (rc < 0)
		return rc;
	const socle_principal *who = req->principal;
	const char *cap = action_reads(action) ? SOCLE_CAP_MEDICAL_READ : SOCLE_CAP_MEDICAL_WRITE;

	if (!(SOCLE_ROLE_BIT(who->role) & SOCLE_ROLES_HEALTH) || !socle_principal_can(who, cap)) {
		json_t *detail = req_detail(req, "medical", 403);

		if (detail != NULL)
			json_object_set_new(detail, "capability", json_string(cap));
		audit_refusal(req, action, "worker", worker_id, detail);
		return socle_err_set(err, SOCLE_E_FORBIDDEN,
		                     "Données médicales : accès réservé aux professionnels de santé du "
		                     "service.");
	}
	/* The service requires a second factor of this role before medical data. */
	if (auth_totp_required(req->service, who->role)) {
		socle_db *db = socle_req_reader(req, err);
		int on = db ? auth_totp_enabled(db, who->user_id, err) : SOCLE_E_STORE;

		if (on < 0)
			return on;
		if (on == 0) {
			json_t *detail = req_detail(req, "second_factor", 403);

			audit_refusal(req, action, "worker", worker_id, detail);
			return socle_err_set(err, SOCLE_E_FORBIDDEN,
			                     "Données médicales : activez d'abord la double "
			                     "authentification de votre compte (« Mon compte »).");
		}
	}
	/* The trace is durable before any medical data can leave. */
	struct socle_audit_entry e = {
		.action = action,
		.object_type = "worker",
		.object_id = worker_id,
		.outcome = "ok",
		.detail = NULL,
	};
	socle_err aerr = SOCLE_ERR_INIT;

	rc = socle_audit_now(req, &e, &aerr);
	if (rc < 0)
		return socle_err_set(err, rc, "Accès médical non journalisé, donc refusé : %s",
		                     aerr.msg);
	return 0;
}

/* ------------------------------------------------------------------- users */

int auth_email_normalize(const char *email, char *out, size_t out_size, socle_err *err)
{
	size_t len, at = 0, n_at = 0;

	if (email == NULL)
		return socle_err_set(err, SOCLE_E_INVAL, "L'adresse e-mail est obligatoire.");
	while (*email == ' ' || *email == '\t')
		email++;
	len = strlen(email);
	while (len > 0 && (email[len - 1] == ' ' || email[len - 1] == '\t'))
		len--;
	if (len == 0 || len > AUTH_EMAIL_MAX || len >= out_size)
		return socle_err_set(err, SOCLE_E_INVAL, "Adresse e-mail invalide.");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)email[i];

		if (c <= 0x20 || c == 0x7f || c == '"' || c == '(' || c == ')' || c == ',' || c == ':' ||
		    c == ';' || c == '<' || c == '>' || c == '[' || c == '\\' || c == ']')
			return socle_err_set(err, SOCLE_E_INVAL, "Adresse e-mail invalide.");
		if (c == '@') {
			at = i;
			n_at++;
		}
		out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : (char)c;
	}
	out[len] = '\0';
	if (n_at != 1 || at == 0 || at + 1 >= len || strchr(out + at + 1, '.') == NULL ||
	    out[len - 1] == '.' || out[at + 1] == '.')
		return socle_err_set(err, SOCLE_E_INVAL, "Adresse e-mail invalide.");
	return 0;
}

int64_t auth_user_find(socle_db *db, const char *email)
{
	char norm[AUTH_EMAIL_MAX + 1];
	socle_err err = SOCLE_ERR_INIT;
	int64_t id = 0;

	if (auth_email_normalize(email, norm, sizeof(norm), NULL) < 0)
		return 0;
	socle_stmt *st = socle_db_prepare(db, "SELECT id FROM core_user WHERE email = :email", &err);

	if (st == NULL)
		return err.code ? err.code : SOCLE_E_STORE;
	socle_stmt_bind_text(st, ":email", norm);
	int rc = socle_stmt_step(st, &err);

	if (rc == 1)
		id = socle_stmt_int(st, 0);
	socle_stmt_release(st);
	return rc < 0 ? rc : id;
}

SOCLE_API int64_t socle_user_find(socle_db *db, const char *email, int *out_role, socle_err *err)
{
	int64_t id = auth_user_find(db, email);

	if (out_role)
		*out_role = 0;
	if (id < 0)
		return socle_err_set(err, (int)id, "recherche du compte impossible");
	if (id == 0 || out_role == NULL)
		return id;
	socle_stmt *st = socle_db_prepare(db, "SELECT role FROM core_user WHERE id = :id", err);
	if (st == NULL)
		return err && err->code ? err->code : SOCLE_E_STORE;
	socle_stmt_bind_int(st, ":id", id);
	int rc = socle_stmt_step(st, err);
	if (rc == 1)
		*out_role = (int)socle_stmt_int(st, 0);
	socle_stmt_release(st);
	return rc < 0 ? rc : id;
}

int auth_user_load(socle_db *db, int64_t user_id, socle_principal **out, bool *out_disabled,
                   socle_err *err)
{
	socle_service *svc = socle_db_service(db);
	socle_principal *p = NULL;
	int rc;

	*out = NULL;
	socle_stmt *st = socle_db_prepare(db,
	                                  "SELECT email, display_name, role, disabled FROM core_user"
	                                  " WHERE id = :id",
	                                  err);

	if (st == NULL)
		return err && err->code ? err->code : SOCLE_E_STORE;
	socle_stmt_bind_int(st, ":id", user_id);
	rc = socle_stmt_step(st, err);
	if (rc == 1) {
		p = auth_principal_new(svc ? svc->core : NULL, user_id, (int)socle_stmt_int(st, 2),
		                       socle_stmt_text(st, 0), socle_stmt_text(st, 1));
		if (out_disabled != NULL)
			*out_disabled = socle_stmt_int(st, 3) != 0;
	}
	socle_stmt_release(st);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return socle_err_set(err, SOCLE_E_NOTFOUND, "utilisateur %lld inconnu",
		                     (long long)user_id);
	if (p == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "out of memory");

	/* Scopes are few per user (an employer's companies); the bound keeps a
	 * misconfigured account from costing unbounded memory per session. */
	st = socle_db_prepare(db,
	                      "SELECT kind, ref FROM core_user_scope WHERE user_id = :id"
	                      " ORDER BY kind, ref LIMIT 10000",
	                      err);
	if (st == NULL) {
		auth_principal_unref(p);
		return err && err->code ? err->code : SOCLE_E_STORE;
	}
	socle_stmt_bind_int(st, ":id", user_id);
	while ((rc = socle_stmt_step(st, err)) == 1) {
		int kind = auth_scope_kind_parse(socle_stmt_text(st, 0));

		if (kind != 0 && auth_principal_add_scope(p, kind, socle_stmt_int(st, 1)) < 0) {
			rc = socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
			break;
		}
	}
	socle_stmt_release(st);
	if (rc < 0) {
		auth_principal_unref(p);
		return rc;
	}
	*out = p;
	return 0;
}

/* Audit a change made to a user account inside the caller's transaction. */
static int audit_user(socle_db *wdb, const char *action, int64_t user_id, json_t *detail,
                      socle_err *err)
{
	struct socle_audit_entry e = {
		.action = action,
		.object_type = "user",
		.object_id = user_id,
		.outcome = "ok",
		.detail = detail,
	};
	int rc = socle_audit(wdb, NULL, &e, err);

	json_decref(detail);
	return rc;
}

static int user_exists(socle_db *wdb, int64_t user_id, socle_err *err)
{
	socle_stmt *st = socle_db_prepare(wdb, "SELECT 1 FROM core_user WHERE id = :id", err);

	if (st == NULL)
		return err && err->code ? err->code : SOCLE_E_STORE;
	socle_stmt_bind_int(st, ":id", user_id);
	int rc = socle_stmt_step(st, err);

	socle_stmt_release(st);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return socle_err_set(err, SOCLE_E_NOTFOUND, "Utilisateur %lld inconnu.",
		                     (long long)user_id);
	return 0;
}

SOCLE_API int64_t socle_user_create(socle_db *wdb, const char *email, const char *display_name,
                                    int role, const char *password, socle_err *err)
{
	char norm[AUTH_EMAIL_MAX + 1];
	char hash[AUTH_PWHASH_LEN];
	int64_t now = socle_now_ms();
	int64_t id;
	int rc;

	if (wdb == NULL)
		return socle_err_set(err, SOCLE_E_INVAL, "socle_user_create: no connection");
	rc = auth_email_normalize(email, norm, sizeof(norm), err);
	if (rc < 0)
		return rc;
	if (display_name == NULL || *display_name == '\0' || strlen(display_name) > 200)
		return socle_err_set(err, SOCLE_E_INVAL,
		                     "Le nom affiché est obligatoire (200 caractères au plus).");
	if (socle_role_name(role) == NULL)
		return socle_err_set(err, SOCLE_E_INVAL, "Rôle inconnu (%d).", role);
	id = auth_user_find(wdb, norm);
	if (id < 0)
		return socle_err_set(err, (int)id, "cannot look the email up");
	if (id > 0)
		return socle_err_set(err, SOCLE_E_EXISTS, "Cette adresse e-mail est déjà utilisée.");
	if (password != NULL) {
		rc = auth_password_hash(password, hash, err);
		if (rc < 0)
			return rc;
	}
	socle_stmt *st = socle_db_prepare(wdb,
	                                  "INSERT INTO core_user (email, display_name, role,"
	                                  " password_hash, disabled, created_at, updated_at) VALUES"
	                                  " (:email, :display_name, :role, :password_hash, 0, :now, :now)",
	                                  err);

	if (st == NULL)
		return err && err->code ? err->code : SOCLE_E_STORE;
	socle_stmt_bind_text(st, ":email", norm);
	socle_stmt_bind_text(st, ":display_name", display_name);
	socle_stmt_bind_int(st, ":role", role);
	socle_stmt_bind_text(st, ":password_hash", password ? hash : NULL);
	socle_stmt_bind_int(st, ":now", now);
	rc = socle_stmt_step(st, err);
	socle_stmt_release(st);
	sodium_memzero(hash, sizeof(hash));
	if (rc < 0)
		return rc;
	id = socle_db_last_insert_id(wdb);
	rc = audit_user(wdb, "user.create", id,
	                json_pack("{s:s, s:s}", "email", norm, "role", socle_role_name(role)), err);
	return rc < 0 ? rc : id;
}

/* Insert or delete a scope row of @p user_id. */
static int scope_change(socle_db *wdb, int64_t user_id, const char *kind, int64_t ref, bool bind,
                        socle_err *err)
{
	int k = auth_scope_kind_parse(kind);
	int rc;

	if (k == 0)
		return socle_err_set(err, SOCLE_E_INVAL, "Type de rattachement inconnu : '%s'.",
		                     kind ? kind : "(null)");
	if (ref <= 0)
		return socle_err_set(err, SOCLE_E_INVAL, "Identifiant de rattachement invalide.");
	rc = user_exists(wdb, user_id, err);
	if (rc < 0)
		return rc;
	socle_stmt *st = socle_db_prepare(wdb,
	                                  bind ? "INSERT INTO core_user_scope (user_id, kind, ref)"
	                                         " VALUES (:user_id, :kind, :ref)"
	                                         " ON CONFLICT DO NOTHING"
	                                       : "DELETE FROM core_user_scope WHERE user_id = :user_id"
	                                         " AND kind = :kind AND ref = :ref",
	                                  err);

	if (st == NULL)
		return err && err->code ? err->code : SOCLE_E_STORE;
	socle_stmt_bind_int(st, ":user_id", user_id);
	socle_stmt_bind_text(st, ":kind", auth_scope_kind_name(k));
	socle_stmt_bind_int(st, ":ref", ref);
	rc = socle_stmt_step(st, err);
	socle_stmt_release(st);
	if (rc < 0)
		return rc;
	auth_session_forget_user(socle_db_service(wdb), user_id);
	return audit_user(wdb, bind ? "user.bind" : "user.unbind", user_id,
	                  json_pack("{s:s, s:I}", "kind", auth_scope_kind_name(k), "ref",
	                            (json_int_t)ref),
	                  err);
}

SOCLE_API int socle_user_bind(socle_db *wdb, int64_t user_id, const char *kind, int64_t ref,
                              socle_err *err)
{
	return scope_change(wdb, user_id, kind, ref, true, err);
}

SOCLE_API int socle_user_unbind(socle_db *wdb, int64_t user_id, const char *kind, int64_t ref,
                                socle_err *err)
{
	return scope_change(wdb, user_id, kind, ref, false, err);
}

SOCLE_API int socle_user_set_password(socle_db *wdb, int64_t user_id, const char *password,
                                      socle_err *err)
{
	char hash[AUTH_PWHASH_LEN];
	int rc = user_exists(wdb, user_id, err);

	if (rc < 0)
		return rc;
	rc = auth_password_hash(password, hash, err);
	if (rc < 0)
		return rc;
	rc = auth_user_store_hash(wdb, user_id, hash, err);
	sodium_memzero(hash, sizeof(hash));
	if (rc < 0)
		return rc;
	/* A new password closes every open session of the account. */
	rc = auth_session_revoke_user(wdb, user_id, err);
	if (rc < 0)
		return rc;
	return audit_user(wdb, "user.password", user_id, NULL, err);
}

int auth_user_store_hash(socle_db *wdb, int64_t user_id, const char *hash, socle_err *err)
{
	socle_stmt *st = socle_db_prepare(wdb,
	                                  "UPDATE core_user SET password_hash = :hash,"
	                                  " updated_at = :now WHERE id = :id",
	                                  err);

	if (st == NULL)
		return err && err->code ? err->code : SOCLE_E_STORE;
	socle_stmt_bind_text(st, ":hash", hash);
	socle_stmt_bind_int(st, ":now", socle_now_ms());
	socle_stmt_bind_int(st, ":id", user_id);
	int rc = socle_stmt_step(st, err);

	socle_stmt_release(st);
	return rc < 0 ? rc : 0;
}

int auth_user_disable(socle_db *wdb, int64_t user_id, socle_err *err)
{
	int rc = user_exists(wdb, user_id, err);

	if (rc < 0)
		return rc;
	socle_stmt *st = socle_db_prepare(wdb,
	                                  "UPDATE core_user SET disabled = 1, updated_at = :now"
	                                  " WHERE id = :id",
	                                  err);

	if (st == NULL)
		return err && err->code ? err->code : SOCLE_E_STORE;
	socle_stmt_bind_int(st, ":now", socle_now_ms());
	socle_stmt_bind_int(st, ":id", user_id);
	rc = socle_stmt_step(st, err);
	socle_stmt_release(st);
	if (rc < 0)
		return rc;
	rc = auth_session_revoke_user(wdb, user_id, err);
	if (rc < 0)
		return rc;
	return audit_user(wdb, "user.disable", user_id, NULL, err);
}
