/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The relay network (seed 3.4.3): people who pass the service's information
 * on, in a company (named by the company or staff) or in a branch (a NAF
 * division, named by staff). Mailings (mailing.c) reach the relays of the
 * companies and branches they are sent to, each mail with the relay's own
 * link to unsubscribe (no login). A relay is removed by staff or the
 * company's administrator; an address that unsubscribed is kept in
 * awareness_relay_optout: no mailing reaches it any more, and nobody names
 * it a relay again. */
#include "awareness.h"

json_t *awareness_relay_emails(socle_db *db, int64_t company, const char *division, socle_err *err)
{
	return socle_db_query_new(db, "SELECT r.email, r.token FROM awareness_relay r"
		" WHERE ((:c > 0 AND r.company_id = :c) OR (:d IS NOT NULL AND r.naf_division = :d))"
		" AND NOT EXISTS (SELECT 1 FROM awareness_relay_optout o WHERE o.email = lower(r.email))"
		" ORDER BY r.id LIMIT 1000", json_pack("{s:I, s:s?}", "c", (json_int_t)company, "d",
		                                       division), err);
}

int awareness_unsubscribed(socle_db *db, const char *email, socle_err *err)
{
	json_t *row = socle_db_query_one_new(db, "SELECT EXISTS (SELECT 1 FROM awareness_relay_optout"
		" WHERE email = lower(:e)) AS out", json_pack("{s:s}", "e", email), err);

	if (row == NULL)
		return err->code;
	int out = json_integer_value(json_object_get(row, "out")) == 1;
	json_decref(row);
	return out;
}

static const struct socle_field relay_fields[] = {
	{.name = "company_id", .type = SOCLE_F_INT, .min = 1, .max = INT64_MAX},
	{.name = "naf_division", .type = SOCLE_F_STRING, .min = 2, .max = 2},
	{.name = "name", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 200},
	{.name = "email", .type = SOCLE_F_EMAIL, .required = true},
};

static bool is_division(const char *s)
{
	return s && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && s[2] == '\0';
}

struct relay_new {
	socle_req *req;
	const json_t *body;
	char token[33];
	int64_t id;
	bool unsubscribed;
};

static int relay_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct relay_new *r = ud;
	/* His choice holds: an address that unsubscribed is not named again. */
	int out = awareness_unsubscribed(wdb, json_string_value(json_object_get(r->body, "email")), err);
	if (out != 0) {
		r->unsubscribed = out == 1;
		return out == 1 ? SOCLE_E_CONFLICT : out;
	}
	int rc = socle_db_run_new(wdb,
		"INSERT INTO awareness_relay (company_id, naf_division, name, email, token, added_at,"
		" added_by) VALUES (:c, :d, :name, :email, :token, :now, :by)",
		json_pack("{s:O?, s:O?, s:O, s:O, s:s, s:I, s:I}", "c",
		          json_object_get(r->body, "company_id"), "d",
		          json_object_get(r->body, "naf_division"), "name",
		          json_object_get(r->body, "name"), "email", json_object_get(r->body, "email"),
		          "token", r->token, "now", (json_int_t)socle_now_ms(), "by",
		          (json_int_t)socle_principal_user_id(socle_req_principal(r->req))), err);
	if (rc < 0)
		return rc;
	r->id = socle_db_last_insert_id(wdb);
	struct socle_audit_entry e = {.action = "awareness.relay.add", .object_type = "awareness_relay",
	                              .object_id = r->id, .outcome = "ok"};
	return socle_audit(wdb, r->req, &e, err);
}

/* POST /awareness/relays {company_id | naf_division, name, email}: a
 * company's relay (its employer or staff), a branch's (staff). */
static int route_relay_add(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	struct relay_new r = {.req = req, .body = socle_req_body(req)};
	(void)ud;

	if (socle_fields_check(r.body, relay_fields, SOCLE_COUNT(relay_fields), NULL, &errors) == 0) {
		const json_t *c = json_object_get(r.body, "company_id");
		const char *d = json_string_value(json_object_get(r.body, "naf_division"));
		if ((c == NULL) == (d == NULL))
			socle_field_error(&errors, "company_id", "une entreprise ou une division NAF, l'une "
			                  "des deux");
		else if (d && !is_division(d))
			socle_field_error(&errors, "naf_division", "deux chiffres, par exemple 43");
	}
	if (errors)
		return socle_reply_invalid(req, errors);
	const json_t *c = json_object_get(r.body, "company_id");
	if (c ? socle_access_company(req, json_integer_value(c), &err) != 0
	      : !socle_principal_can(socle_req_principal(req), AWARENESS_MANAGE)) {
		if (!err.code)
			return socle_reply_error(req, 403, "forbidden", "Seule l'équipe du service nomme les "
			                         "relais d'une branche.");
		return socle_reply_err(req, &err);
	}
	if (c) {
		socle_db *db = socle_req_reader(req, &err);
		int known = db ? awareness_membership->company_exists(db, json_integer_value(c), &err)
		               : err.code;
		if (known < 0)
			return socle_reply_err(req, &err);
		if (known == 0) {
			socle_field_error(&errors, "company_id", "aucune entreprise n'a ce numéro");
			return socle_reply_invalid(req, errors);
		}
	}
	if (!awareness_token(r.token))
		return SOCLE_E_INTERNAL;
	int rc = socle_service_write(socle_req_service(req), relay_write, &r, &err);
	if (rc == SOCLE_E_CONFLICT && r.unsubscribed) {
		socle_field_error(&errors, "email", "cette personne s'est désinscrite des envois "
		                  "d'information du service : elle ne peut plus être nommée relais");
		return socle_reply_invalid(req, errors);
	}
	if (rc != 0)
		return socle_reply_err(req, &err);
	json_t *out = json_deep_copy(r.body);
	json_object_set_new(out, "id", json_integer(r.id));
	return socle_reply_json(req, 201, out);
}

/* GET /awareness/relays?company_id=&naf_division= : staff see all; an
 * employer its company's (named). */
static int route_relays(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	const char *c = socle_req_query(req, "company_id"), *d = socle_req_query(req, "naf_division");
	int64_t company = 0;
	bool staff = socle_principal_can(socle_req_principal(req), AWARENESS_MANAGE);
	(void)ud;

	if ((c && (sscanf(c, "%" SCNd64, &company) != 1 || company <= 0)) || (!staff && company == 0)) {
		json_t *errors = NULL;
		socle_field_error(&errors, "company_id", "obligatoire : le numéro de votre entreprise");
		return socle_reply_invalid(req, errors);
	}
	if (company && socle_access_company(req, company, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *rows = db ? socle_db_query_new(db, "SELECT r.id, r.company_id, r.naf_division, r.name,"
		" r.email, EXISTS (SELECT 1 FROM awareness_relay_optout o WHERE o.email = lower(r.email))"
		" AS unsubscribed FROM awareness_relay r WHERE (:c = 0 OR r.company_id = :c)"
		" AND (:d IS NULL OR r.naf_division = :d)"
		" ORDER BY r.id LIMIT 1000", json_pack("{s:I, s:s?}", "c", (json_int_t)company, "d",
		                                       company ? NULL : d), &err) : NULL;
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row)
		json_object_set_new(row, "unsubscribed",
		                    json_boolean(json_integer_value(json_object_get(row, "unsubscribed"))));
	return rows ? socle_reply_page(req, rows, 1000, "id") : socle_reply_err(req, &err);
}

struct relay_removal {
	socle_req *req;
	int64_t id;
};

static int remove_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct relay_removal *r = ud;
	int rc = socle_db_run_new(wdb, "DELETE FROM awareness_relay WHERE id = :id",
	                          json_pack("{s:I}", "id", (json_int_t)r->id), err);

	if (rc < 0)
		return rc;
	if (rc == 0)
		return socle_err_set(err, SOCLE_E_NOTFOUND, "Ce relais n'existe pas.");
	struct socle_audit_entry e = {.action = "awareness.relay.remove",
	                              .object_type = "awareness_relay", .object_id = r->id,
	                              .outcome = "ok"};
	return socle_audit(wdb, r->req, &e, err);
}

/* A refusal of the removal, in the audit log (the other company's employer
 * is refused, and audited, by socle_access_company). */
static int remove_refused(socle_req *req, int64_t id, const char *message)
{
	struct socle_audit_entry e = {.action = "awareness.relay.remove",
	                              .object_type = "awareness_relay", .object_id = id,
	                              .outcome = "denied"};

	socle_audit_now(req, &e, NULL);
	return socle_reply_error(req, 403, "forbidden", message);
}

/* DELETE /awareness/relays/{id}: staff remove any relay; a company's
 * administrator (membership's employer role "admin") its company's. The row
 * goes (his address is not kept for this); an unsubscription stays. */
static int route_relay_remove(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	struct relay_removal r = {.req = req};
	const socle_principal *who = socle_req_principal(req);
	(void)ud;

	if (socle_req_param_id(req, "id", &r.id) != 0)
		return SOCLE_E_NOTFOUND;
	socle_db *db = socle_req_reader(req, &err);
	json_t *row = db ? socle_db_query_one_new(db, "SELECT company_id FROM awareness_relay"
		" WHERE id = :id", json_pack("{s:I}", "id", (json_int_t)r.id), &err) : NULL;
	if (row == NULL)
		return socle_reply_err(req, &err);
	int64_t company = json_integer_value(json_object_get(row, "company_id"));
	json_decref(row);
	if (!socle_principal_can(who, AWARENESS_MANAGE)) {
		if (company == 0)
			return remove_refused(req, r.id, "Seule l'équipe du service retire les relais d'une "
			                      "branche.");
		if (socle_access_company(req, company, &err) != 0)
			return socle_reply_err(req, &err);
		int may = awareness_membership->employer_may(db, socle_principal_user_id(who), company,
		                                             MEMBERSHIP_EMPLOYER_ADMIN, &err);
		if (may < 0)
			return socle_reply_err(req, &err);
		if (may == 0)
			return remove_refused(req, r.id, "Seul l'administrateur de votre espace adhérent "
			                      "retire un relais de l'entreprise.");
	}
	if (socle_service_write(socle_req_service(req), remove_write, &r, &err) != 0)
		return socle_reply_err(req, &err);
	return socle_reply_json(req, 200, json_pack("{s:I, s:b}", "id", (json_int_t)r.id, "removed", 1));
}

/* The relay's own page, reached through the link of his mails (no login).
 * Following a link decides nothing, since a company's mail scanner opens
 * every link of every mail: the page asks, and its button (a form posting
 * nothing) unsubscribes or re-subscribes. */
struct relay_page {
	int status;
	const char *title, *text;
	const char *action, *button; /* the form: "unsubscribe" or "resubscribe" and its label */
};

static const struct relay_page page_ask = {200, "Envois d'information du service",
	"Vous recevez, en tant que relais de prévention, les envois d'information du service de "
	"prévention et de santé au travail (documents, modules en ligne, ateliers). Pour ne plus "
	"les recevoir à cette adresse, confirmez votre désinscription.",
	"unsubscribe", "Me désinscrire"};
static const struct relay_page page_out = {200, "Vous êtes désinscrit(e)",
	"Vous êtes désinscrit(e) des envois d'information du service de prévention et de santé au "
	"travail : plus aucun ne sera adressé à votre adresse de relais, et elle ne pourra plus être "
	"nommée relais. Vous vous êtes trompé(e) ? Vous pouvez vous réinscrire.",
	"resubscribe", "Me réinscrire"};
static const struct relay_page page_in = {200, "Vous recevez à nouveau les envois",
	"Vous recevez à nouveau les envois d'information du service de prévention et de santé au "
	"travail à votre adresse de relais.",
	"unsubscribe", "Me désinscrire"};
static const struct relay_page page_unknown = {404, "Lien inconnu",
	"Ce lien de désinscription ne correspond à aucun relais : vérifiez qu'il est complet, ou "
	"écrivez au service.", NULL, NULL};

static int relay_page_reply(socle_req *req, const struct relay_page *p, const char *token)
{
	const char *svc = socle_service_id(socle_req_service(req));
	char form[512] = "";
	char *html = NULL;

	if (p->action)
		snprintf(form, sizeof(form), "<form method=\"post\" action=\"/api/v1/%s/awareness/relays/"
		         "%s/%s\">\n<button type=\"submit\">%s</button>\n</form>\n", svc, p->action, token,
		         p->button);
	int len = asprintf(&html, "<!DOCTYPE html>\n<html lang=\"fr\">\n<head><meta charset=\"utf-8\">"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		"<title>%s</title>\n<link rel=\"stylesheet\" href=\"/%s/portal/portal.css\">"
		"<link rel=\"stylesheet\" href=\"/api/v1/%s/identity.css\"></head>\n<body>\n"
		"<main id=\"contenu\">\n<h1>%s</h1>\n<p>%s</p>\n%s</main>\n</body>\n</html>\n",
		p->title, svc, svc, p->title, p->text, form);
	if (len < 0)
		return SOCLE_E_NOMEM;
	int rc = socle_reply_bytes(req, p->status, "text/html; charset=utf-8", html, (size_t)len);
	free(html);
	return rc;
}

static bool token_shape(const char *t)
{
	return t != NULL && strlen(t) == 32 && strspn(t, "0123456789abcdef") == 32;
}

/* GET /awareness/relays/unsubscribe/{token} (public: the link of every
 * mailing to a relay): his page, asking to unsubscribe, or saying he is. */
static int route_unsubscribe_page(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	const char *token = socle_req_param(req, "token");
	(void)ud;

	if (!token_shape(token))
		return relay_page_reply(req, &page_unknown, token);
	socle_db *db = socle_req_reader(req, &err);
	json_t *row = db ? socle_db_query_one_new(db, "SELECT EXISTS (SELECT 1 FROM"
		" awareness_relay_optout o WHERE o.email = lower(r.email)) AS out FROM awareness_relay r"
		" WHERE r.token = :t", json_pack("{s:s}", "t", token), &err) : NULL;
	if (row == NULL)
		return err.code == SOCLE_E_NOTFOUND ? relay_page_reply(req, &page_unknown, token)
		                                    : socle_reply_err(req, &err);
	bool out = json_integer_value(json_object_get(row, "out")) == 1;
	json_decref(row);
	return relay_page_reply(req, out ? &page_out : &page_ask, token);
}

struct relay_choice {
	const char *token;
	bool unsubscribe;
};

/* His address leaves the mailings (kept in awareness_relay_optout), or comes
 * back to them; audited once per change, a repeat changes nothing. */
static int choice_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct relay_choice *c = ud;
	json_t *row = socle_db_query_one_new(wdb, "SELECT id, email FROM awareness_relay"
		" WHERE token = :t", json_pack("{s:s}", "t", c->token), err);

	if (row == NULL)
		return err->code;
	json_int_t relay = json_integer_value(json_object_get(row, "id"));
	int rc = c->unsubscribe
		? socle_db_run_new(wdb, "INSERT INTO awareness_relay_optout (email, unsubscribed_at)"
			" VALUES (lower(:e), :now) ON CONFLICT (email) DO NOTHING",
			json_pack("{s:O, s:I}", "e", json_object_get(row, "email"), "now",
			          (json_int_t)socle_now_ms()), err)
		: socle_db_run_new(wdb, "DELETE FROM awareness_relay_optout WHERE email = lower(:e)",
			json_pack("{s:O}", "e", json_object_get(row, "email")), err);
	json_decref(row);
	if (rc <= 0) /* nothing changed: the same answer, no second trace */
		return rc;
	struct socle_audit_entry e = {
		.action = c->unsubscribe ? "awareness.relay.unsubscribe" : "awareness.relay.resubscribe",
		.object_type = "awareness_relay", .object_id = relay, .outcome = "ok"};
	return socle_audit(wdb, NULL, &e, err);
}

static int relay_choice(socle_req *req, bool unsubscribe)
{
	socle_err err = SOCLE_ERR_INIT;
	struct relay_choice c = {.token = socle_req_param(req, "token"), .unsubscribe = unsubscribe};

	if (!token_shape(c.token))
		return relay_page_reply(req, &page_unknown, c.token);
	int rc = socle_service_write(socle_req_service(req), choice_write, &c, &err);
	if (rc == SOCLE_E_NOTFOUND)
		return relay_page_reply(req, &page_unknown, c.token);
	if (rc != 0)
		return socle_reply_err(req, &err);
	return relay_page_reply(req, unsubscribe ? &page_out : &page_in, c.token);
}

/* POST /awareness/relays/unsubscribe/{token} (public, his page's button):
 * his address unsubscribes from the mailings. No click is counted. */
static int route_unsubscribe(socle_req *req, void *ud)
{
	(void)ud;
	return relay_choice(req, true);
}

/* POST /awareness/relays/resubscribe/{token} (public, his page's button once
 * unsubscribed): his address receives the mailings again. */
static int route_resubscribe(socle_req *req, void *ud)
{
	(void)ud;
	return relay_choice(req, false);
}

static const struct socle_route relay_routes[] = {
	{SOCLE_POST, "/awareness/relays", SOCLE_CAP_AUTHENTICATED, 0, route_relay_add, NULL},
	{SOCLE_GET, "/awareness/relays", SOCLE_CAP_AUTHENTICATED, 0, route_relays, NULL},
	{SOCLE_DELETE, "/awareness/relays/{id}", SOCLE_CAP_AUTHENTICATED, 0, route_relay_remove, NULL},
	{SOCLE_GET, "/awareness/relays/unsubscribe/{token}", SOCLE_CAP_PUBLIC, 0,
	 route_unsubscribe_page, NULL},
	{SOCLE_POST, "/awareness/relays/unsubscribe/{token}", SOCLE_CAP_PUBLIC, 0, route_unsubscribe,
	 NULL},
	{SOCLE_POST, "/awareness/relays/resubscribe/{token}", SOCLE_CAP_PUBLIC, 0, route_resubscribe,
	 NULL},
};

int awareness_relays_init(socle_plugin *p, socle_err *err)
{
	return socle_plugin_add_routes(p, relay_routes, SOCLE_COUNT(relay_routes), err);
}
