/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* GET /api/v1/{service}/outbox: every mail and SMS the service sent, is about
 * to send or failed to send, for its staff. Messages are the jobs "mail.send"
 * and "sms.send" (core_job): the listing reads from their payload only the
 * recipient and the category, never a subject, a body or an attachment, so
 * that nothing a message says (a convocation's wording, a code) shows in a
 * list that any staff member reads. Newest first; the cursor is the id of
 * the last item, the next page holds older messages. Jobs done are purged
 * after a while (jobs_purge); refused ones stay. */
#include <stdlib.h>
#include <string.h>

#include "mail.h"

static const char *state_label(const char *state, int64_t attempts)
{
	if (strcmp(state, "done") == 0)
		return "envoyé";
	if (strcmp(state, "dead") == 0)
		return "échec définitif";
	if (strcmp(state, "running") == 0)
		return "en cours d'envoi";
	return attempts > 0 ? "nouvel essai prévu" : "en attente";
}

static int outbox_list(socle_req *req, void *ud)
{
	static const char *const states[] = {"queued", "running", "done", "dead", NULL};
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	int limit;
	int64_t before;

	(void)ud;
	if (socle_req_page(req, &limit, &before, &err) != 0)
		return socle_reply_err(req, &err);
	const char *state = socle_req_query(req, "state");
	const char *channel = socle_req_query(req, "channel");
	const char *to = socle_req_query(req, "recipient");
	bool known = state == NULL || state[0] == '\0';

	for (size_t i = 0; !known && states[i]; i++)
		known = strcmp(state, states[i]) == 0;
	if (!known)
		socle_field_error(&errors, "state", "« queued », « running », « done » ou « dead »");
	if (channel && channel[0] && strcmp(channel, "mail") != 0 && strcmp(channel, "sms") != 0)
		socle_field_error(&errors, "channel", "« mail » ou « sms »");
	if (to && strlen(to) > 254)
		socle_field_error(&errors, "recipient", "254 caractères au plus");
	if (errors != NULL)
		return socle_reply_invalid(req, errors);
	socle_db *db = socle_req_reader(req, &err);
	if (db == NULL)
		return socle_reply_err(req, &err);
	json_t *p = json_pack("{s:I, s:I, s:s?, s:s?, s:s?}", "before", (json_int_t)before, "limit",
	                      (json_int_t)limit, "state", state && state[0] ? state : NULL,
	                      "kind", channel && channel[0] ? (channel[0] == 'm' ? "mail.send"
	                                                                         : "sms.send")
	                                                    : NULL,
	                      "to", to && to[0] ? to : NULL);
	json_t *rows = p ? socle_db_query(
	        db,
	        "SELECT id, CASE kind WHEN 'mail.send' THEN 'mail' ELSE 'sms' END AS channel, "
	        "CASE kind WHEN 'mail.send' THEN json_extract(payload, '$.to') "
	        "ELSE json_extract(payload, '$.number') END AS recipient, "
	        "json_extract(payload, '$.category') AS category, state, attempts, max_attempts, "
	        "created_at, updated_at, CASE state WHEN 'queued' THEN run_at END AS next_attempt_at,"
	        " last_error FROM core_job WHERE kind IN ('mail.send', 'sms.send') "
	        "AND (:before = 0 OR id < :before) AND (:state IS NULL OR state = :state) "
	        "AND (:kind IS NULL OR kind = :kind) "
	        "AND (:to IS NULL OR json_extract(payload, '$.to') = :to "
	        "     OR json_extract(payload, '$.number') = :to) "
	        "ORDER BY id DESC LIMIT :limit", p, &err)
	                 : NULL;
	json_decref(p);
	if (rows == NULL)
		return err.code ? socle_reply_err(req, &err) : SOCLE_E_NOMEM;
	json_t *row;
	size_t i;

	json_array_foreach(rows, i, row) {
		const char *s = json_string_value(json_object_get(row, "state"));

		json_object_set_new(row, "state_label",
		                    json_string(state_label(s ? s : "queued",
		                                            json_integer_value(json_object_get(
		                                                    row, "attempts")))));
		/* A job that succeeded keeps the error of an earlier attempt in its
		 * row; the listing shows it only while it still matters. */
		if (s && strcmp(s, "done") == 0)
			json_object_set_new(row, "last_error", json_null());
	}
	return socle_reply_page(req, rows, limit, "id");
}

static const struct socle_route outbox_routes[] = {
	{.method = SOCLE_GET, .path = "/outbox", .capability = SOCLE_CAP_STAFF,
	 .handler = outbox_list},
};

static const struct socle_field outbox_query[] = {
	{.name = "limit", .type = SOCLE_F_INT, .min = 1, .max = 500},
	{.name = "cursor", .type = SOCLE_F_STRING, .min = 1, .max = 64},
	{.name = "state", .type = SOCLE_F_ENUM,
	 .choices = (const char *const[]){"queued", "running", "done", "dead", NULL}},
	{.name = "channel", .type = SOCLE_F_ENUM,
	 .choices = (const char *const[]){"mail", "sms", NULL}},
	{.name = "recipient", .type = SOCLE_F_STRING, .min = 1, .max = 254},
};

static const struct socle_route_doc outbox_docs[] = {
	{SOCLE_GET, "/outbox",
	 "Les courriels et SMS du service, envoyés, en attente ou en échec (personnel du "
	 "service), du plus récent au plus ancien.",
	 NULL, 0, outbox_query, 5,
	 "Par message : canal, destinataire, catégorie, dates, état, essais, dernière erreur ; "
	 "jamais l'objet, le corps ni les pièces jointes."},
};

int mail_outbox_register(socle_core *core, socle_err *err)
{
	for (size_t i = 0; i < SOCLE_COUNT(outbox_routes); i++) {
		struct reg_route rec = {.owner = NULL, .route = &outbox_routes[i]};

		if (registry_add_route(&core->reg, &rec) != 0)
			return socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < SOCLE_COUNT(outbox_docs); i++)
		if (registry_add_route_doc(&core->reg, &outbox_docs[i]) < 0)
			return socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
	return 0;
}
