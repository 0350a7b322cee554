/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Documents sent by mail, and how often they are opened (seed 3.4.1.3:
 * "analyse du taux d'utilisation de chaque support de communication envoyé
 * par mail"). A mailing sends one action's link to the addresses of chosen
 * companies (their contacts and relays) and of the relays of chosen
 * branches; the link goes through the service (/awareness/links/{token})
 * which counts the click and redirects to the document. One token per
 * mailing, shared by all its recipients: the count is the mailing's, never a
 * person's or a company's (no tracking pixel, no per-person profile). The
 * mail says what it sends by the action's kind; a relay's mail also carries
 * his own link to unsubscribe (relays.c), which counts no click; an address
 * that unsubscribed receives no mailing, whether reached as a relay or as a
 * company's contact. */
#include "awareness.h"

static const struct socle_field mailing_fields[] = {
	{.name = "company_ids", .type = SOCLE_F_ARRAY, .max = 500},
	{.name = "naf_divisions", .type = SOCLE_F_ARRAY, .max = 99},
};

struct mailing {
	socle_req *req;
	const json_t *action, *companies, *divisions;
	char token[33];
	int64_t id, mails;
};

/* What the mail says it sends, by the action's kind. */
static const struct {
	const char *kind, *what, *go;
} kind_words[] = {
	{"document", "un document", "Pour le consulter"},
	{"elearning", "un module e-learning", "Pour le suivre"},
	{"webinaire", "un webinaire", "Pour y participer"},
	{"atelier", "un atelier", "Pour en savoir plus et vous inscrire"},
};

/* Add @p addr to the recipients @p to (keyed by the address in lower case:
 * each address once), with the relay's unsubscription token when it has one. */
static void recipient_add(json_t *to, const char *addr, const char *token)
{
	char key[320];
	size_t n = 0;

	for (const char *p = addr; *p && n + 1 < sizeof(key); p++)
		key[n++] = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
	key[n] = '\0';
	json_t *had = json_object_get(to, key);
	if (had && (token == NULL || json_is_string(json_object_get(had, "token"))))
		return;
	json_object_set_new(to, key, json_pack("{s:s, s:s?}", "to", addr, "token", token));
}

/* The relays of @p company or @p division into @p to; 0 or a negative code. */
static int relays_add(socle_db *wdb, json_t *to, int64_t company, const char *division,
                      socle_err *err)
{
	json_t *relays = awareness_relay_emails(wdb, company, division, err);
	size_t i;
	json_t *r;

	if (relays == NULL)
		return err->code;
	json_array_foreach(relays, i, r)
		recipient_add(to, json_string_value(json_object_get(r, "email")),
		              json_string_value(json_object_get(r, "token")));
	json_decref(relays);
	return 0;
}

/* The mail of one recipient: the action's words, its counted link, and for a
 * relay his own link to unsubscribe (not counted as a click). */
static char *mail_text(socle_service *svc, const json_t *action, const char *link,
                       const char *token)
{
	const char *kind = json_string_value(json_object_get(action, "kind"));
	const char *what = "un support", *go = "Pour le consulter";
	char *text = NULL, *tail = NULL, path[256];

	for (size_t i = 0; kind && i < SOCLE_COUNT(kind_words); i++)
		if (strcmp(kind_words[i].kind, kind) == 0) {
			what = kind_words[i].what;
			go = kind_words[i].go;
		}
	if (token) {
		snprintf(path, sizeof(path), "/api/v1/%s/awareness/relays/unsubscribe/%s",
		         socle_service_id(svc), token);
		char *off = socle_service_url(svc, path);
		if (off == NULL || asprintf(&tail, "\nVous recevez ce message comme relais de prévention. "
		                            "Pour ne plus recevoir ces envois : %s\n", off) < 0)
			tail = NULL;
		free(off);
		if (tail == NULL)
			return NULL;
	}
	if (asprintf(&text, "Bonjour,\n\nLe service vous adresse %s de prévention : « %s ».\n\n"
	             "%s\n\n%s : %s\n%s", what, json_string_value(json_object_get(action, "title")),
	             json_string_value(json_object_get(action, "objectives")), go, link,
	             tail ? tail : "") < 0)
		text = NULL;
	free(tail);
	return text;
}

static int mailing_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct mailing *m = ud;
	char path[256], subject[300];
	socle_service *svc = socle_db_service(wdb);
	size_t i;
	const json_t *c;

	snprintf(path, sizeof(path), "/api/v1/%s/awareness/links/%s", socle_service_id(svc), m->token);
	char *link = socle_service_url(svc, path);
	if (link == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	const char *title = json_string_value(json_object_get(m->action, "title"));
	snprintf(subject, sizeof(subject), "Prévention : %s", title);
	/* Every address once: the companies' contacts and relays, the branches'
	 * relays; none that unsubscribed. */
	json_t *to = json_object();
	int rc = 0;
	json_array_foreach(m->companies, i, c) {
		json_t *a = awareness_company_emails(wdb, json_integer_value(c), err);
		if (a == NULL) {
			rc = err->code;
			break;
		}
		size_t j;
		json_t *addr;
		json_array_foreach(a, j, addr) recipient_add(to, json_string_value(addr), NULL);
		json_decref(a);
		if ((rc = relays_add(wdb, to, json_integer_value(c), NULL, err)) != 0)
			break;
	}
	json_array_foreach(rc ? NULL : m->divisions, i, c) {
		if ((rc = relays_add(wdb, to, 0, json_string_value(c), err)) != 0)
			break;
	}
	const char *key;
	json_t *one;
	json_object_foreach(rc ? NULL : to, key, one) {
		const char *addr = json_string_value(json_object_get(one, "to"));
		int out = awareness_unsubscribed(wdb, addr, err);
		if (out < 0) {
			rc = out;
			break;
		}
		if (out == 1)
			continue;
		char *text = mail_text(svc, m->action, link,
		                       json_string_value(json_object_get(one, "token")));
		if (text == NULL) {
			rc = socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
			break;
		}
		struct socle_mail mail = {.to = addr, .subject = subject, .text = text,
		                          .category = "information"};
		int64_t job = socle_mail_queue(wdb, &mail, 0, err);
		free(text);
		if (job < 0) {
			rc = (int)job;
			break;
		}
		m->mails++;
	}
	json_decref(to);
	free(link);
	if (rc)
		return rc;
	rc = socle_db_run_new(wdb,
		"INSERT INTO awareness_mailing (action_id, token, companies, mails, sent_at, sent_by)"
		" VALUES (:action, :token, :companies, :mails, :now, :by)",
		json_pack("{s:O, s:s, s:I, s:I, s:I, s:I}", "action", json_object_get(m->action, "id"),
		          "token", m->token, "companies", (json_int_t)json_array_size(m->companies),
		          "mails", (json_int_t)m->mails, "now", (json_int_t)socle_now_ms(), "by",
		          (json_int_t)socle_principal_user_id(socle_req_principal(m->req))), err);
	if (rc < 0)
		return rc;
	m->id = socle_db_last_insert_id(wdb);
	struct socle_audit_entry e = {.action = "awareness.mailing.send",
	                              .object_type = "awareness_action",
	                              .object_id = json_integer_value(json_object_get(m->action, "id")),
	                              .outcome = "ok"};
	return socle_audit(wdb, m->req, &e, err);
}

#define MAILING_COLUMNS                                                                     \
	"id, action_id, companies, mails, clicks, sent_at,"                                      \
	" CASE WHEN mails > 0 THEN round(clicks * 100.0 / mails, 1) END AS click_rate"

/* POST /awareness/actions/{id}/mailings {company_ids: [...]} (staff) */
static int route_mailing_create(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	const json_t *b = socle_req_body(req);
	struct mailing m = {.req = req};
	int64_t id;
	(void)ud;

	if (socle_req_param_id(req, "id", &id) != 0)
		return SOCLE_E_NOTFOUND;
	socle_db *db = socle_req_reader(req, &err);
	json_t *action = db ? awareness_action_load(db, id, &err) : NULL;
	if (action == NULL)
		return socle_reply_err(req, &err);
	if (socle_fields_check(b, mailing_fields, SOCLE_COUNT(mailing_fields), NULL, &errors) == 0) {
		size_t i;
		const json_t *c;
		json_array_foreach(json_object_get(b, "company_ids"), i, c) {
			char field[48];
			int known = json_is_integer(c)
				? awareness_membership->company_exists(db, json_integer_value(c), &err) : 0;
			snprintf(field, sizeof(field), "company_ids[%zu]", i);
			if (known < 0) {
				json_decref(action);
				json_decref(errors);
				return socle_reply_err(req, &err);
			}
			if (known == 0)
				socle_field_error(&errors, field, "aucune entreprise n'a ce numéro");
		}
	}
	if (!errors && json_array_size(json_object_get(b, "company_ids")) +
	               json_array_size(json_object_get(b, "naf_divisions")) == 0)
		socle_field_error(&errors, "company_ids", "au moins une entreprise ou une branche "
		                  "(naf_divisions)");
	awareness_check_texts(json_object_get(b, "naf_divisions"), "naf_divisions", NULL, &errors);
	if (!json_is_string(json_object_get(action, "url")))
		socle_field_error(&errors, "action", "cette action n'a pas de lien à envoyer");
	if (errors) {
		json_decref(action);
		return socle_reply_invalid(req, errors);
	}
	if (!awareness_token(m.token)) {
		json_decref(action);
		return SOCLE_E_INTERNAL;
	}
	m.action = action;
	m.companies = json_object_get(b, "company_ids");
	m.divisions = json_object_get(b, "naf_divisions");
	int rc = socle_service_write(socle_req_service(req), mailing_write, &m, &err);
	json_decref(action);
	if (rc != 0)
		return socle_reply_err(req, &err);
	json_t *row = socle_db_query_one_new(db, "SELECT " MAILING_COLUMNS " FROM awareness_mailing"
	                                     " WHERE id = :id", json_pack("{s:I}", "id", (json_int_t)m.id),
	                                     &err);
	return row ? socle_reply_json(req, 201, row) : socle_reply_err(req, &err);
}

/* GET /awareness/actions/{id}/mailings (staff): each mailing's counts. */
static int route_mailing_list(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t id;
	(void)ud;

	if (socle_req_param_id(req, "id", &id) != 0)
		return SOCLE_E_NOTFOUND;
	socle_db *db = socle_req_reader(req, &err);
	json_t *rows = db ? socle_db_query_new(db, "SELECT " MAILING_COLUMNS " FROM awareness_mailing"
	                                       " WHERE action_id = :id ORDER BY id LIMIT 1000",
	                                       json_pack("{s:I}", "id", (json_int_t)id), &err) : NULL;
	return rows ? socle_reply_page(req, rows, 1000, "id") : socle_reply_err(req, &err);
}

struct click {
	const char *token;
	char *url;
};

static int click_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct click *k = ud;
	json_t *row = socle_db_query_one_new(wdb,
		"SELECT a.url FROM awareness_mailing m JOIN awareness_action a ON a.id = m.action_id"
		" WHERE m.token = :token", json_pack("{s:s}", "token", k->token), err);

	if (row == NULL)
		return err->code;
	k->url = strdup(json_string_value(json_object_get(row, "url")));
	json_decref(row);
	if (k->url == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	int rc = socle_db_run_new(wdb, "UPDATE awareness_mailing SET clicks = clicks + 1"
	                          " WHERE token = :token", json_pack("{s:s}", "token", k->token), err);
	return rc < 0 ? rc : 0;
}

/* GET /awareness/links/{token} (public: the link of the mail): one more click
 * on the mailing, then the document. Nothing of the caller is kept. */
static int route_click(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	struct click k = {.token = socle_req_param(req, "token")};
	(void)ud;

	if (k.token == NULL || strlen(k.token) != 32 || strspn(k.token, "0123456789abcdef") != 32)
		return SOCLE_E_NOTFOUND;
	int rc = socle_service_write(socle_req_service(req), click_write, &k, &err);
	if (rc != 0) {
		free(k.url);
		return socle_reply_err(req, &err);
	}
	rc = socle_req_add_header(req, "Location", k.url);
	free(k.url);
	if (rc != 0)
		return SOCLE_E_INTERNAL;
	static const char body[] = "Redirection vers le document.\n";
	return socle_reply_bytes(req, 302, "text/plain; charset=utf-8", body, sizeof(body) - 1);
}

static const struct socle_route mailing_routes[] = {
	{SOCLE_POST, "/awareness/actions/{id}/mailings", AWARENESS_MANAGE, 0, route_mailing_create,
	 NULL},
	{SOCLE_GET, "/awareness/actions/{id}/mailings", AWARENESS_MANAGE, 0, route_mailing_list, NULL},
	{SOCLE_GET, "/awareness/links/{token}", SOCLE_CAP_PUBLIC, 0, route_click, NULL},
};

int awareness_mailing_init(socle_plugin *p, socle_err *err)
{
	return socle_plugin_add_routes(p, mailing_routes, SOCLE_COUNT(mailing_routes), err);
}
