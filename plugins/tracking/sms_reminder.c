/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The rule point reminder_sms_text(visit, days_before) -> {text}: the words of
 * a visit's reminder by text message (seed 3.3.1.2.1 names mail and SMS
 * reminders against missed visits). Its contract is the SMS's: at most 160
 * GSM 7-bit characters once the core has transliterated the text
 * (socle_sms_gsm7: "ê" becomes "e", "€" counts two), so a service's own rule
 * can never make the core cut or refuse a reminder. The text is queued with
 * socle_sms_queue (socle/sms.h) and a mobile number.
 *
 * The worker's mobile number and consent are the portal's (the worker gives
 * them in his space, or the service on his word): tracking keeps its own
 * copy, tracking_worker_contact, from the portal.contact_changed event (it
 * does not require the portal, so never reads its tables). The reminder
 * jobs by SMS (convocation.c) read that copy when they run: a consent taken
 * back stops the reminders already planned. */
#include "planning.h"

static int sms_contract(const json_t *r, socle_err *err)
{
	const char *text = json_string_value(json_object_get(r, "text"));
	char gsm[SOCLE_SMS_MAX * 4];

	if (!json_is_object(r) || text == NULL || text[0] == '\0')
		return socle_err_set(err, SOCLE_E_CONTRACT, "text doit être un texte non vide");
	int n = socle_sms_gsm7(text, gsm, sizeof(gsm), NULL);
	if (n < 0 || n > SOCLE_SMS_MAX)
		return socle_err_set(err, SOCLE_E_CONTRACT, "text doit tenir en un SMS : %d caractères "
		                     "GSM au plus (%s)", SOCLE_SMS_MAX,
		                     n < 0 ? "beaucoup trop long ou non UTF-8" : "trop long");
	return 0;
}

static const struct socle_rule_point sms_rule = {
	.name = "reminder_sms_text",
	.contract =
		"reminder_sms_text(visit, days_before) -> { text = le SMS, 160 caractères GSM au plus "
		"une fois translittéré (les caractères de l'extension comptent double) }. visit = { "
		"type, label, when = \"jeudi 20 mars 2025 à 14 h 00\", mode = \"in_person\" | "
		"\"teleconsultation\", site, service, phone? }. Jamais de contenu médical.",
	.n_args = 2,
	.check = sms_contract,
};

const char tracking_sql_worker_contact[] =
	"CREATE TABLE tracking_worker_contact ("
	"  worker_id INTEGER PRIMARY KEY,"
	"  mobile TEXT," /* normalised by socle_sms_number; NULL: none usable */
	"  sms_consent INTEGER NOT NULL DEFAULT 0,"
	"  updated_at BIGINT NOT NULL"
	");";

struct contact_write {
	int64_t worker;
	const char *mobile; /* normalised, or NULL */
	bool consent;
};

static int contact_txn(socle_db *wdb, void *ud, socle_err *err)
{
	const struct contact_write *c = ud;

	return socle_db_run_new(wdb,
		"INSERT INTO tracking_worker_contact (worker_id, mobile, sms_consent, updated_at)"
		" VALUES (:w, :m, :c, :now) ON CONFLICT (worker_id) DO UPDATE SET mobile = :m,"
		" sms_consent = :c, updated_at = :now",
		json_pack("{s:I, s:s?, s:b, s:I}", "w", (json_int_t)c->worker, "m", c->mobile, "c",
		          c->consent, "now", (json_int_t)socle_now_ms()),
		err);
}

/* portal.contact_changed: the copy follows; a number that is not a mobile
 * one is kept as none (no SMS can reach it). */
static int on_contact_changed(socle_service *svc, const char *event, const json_t *payload,
                              void *ud, socle_err *err)
{
	(void)event;
	(void)ud;
	const char *phone = sget(payload, "phone");
	char number[SOCLE_SMS_NUMBER_SIZE];
	socle_err e2 = SOCLE_ERR_INIT;
	struct contact_write c = {.worker = iget(payload, "worker_id"),
	                          .consent = json_is_true(json_object_get(payload, "sms_consent"))};

	if (c.worker <= 0)
		return 0;
	if (phone != NULL && socle_sms_number(phone, number, &e2) == 0)
		c.mobile = number;
	return socle_service_write(svc, contact_txn, &c, err);
}

int tracking_sms_contact(socle_db *db, int64_t worker_id, char number[SOCLE_SMS_NUMBER_SIZE],
                         socle_err *err)
{
	socle_err e2 = SOCLE_ERR_INIT;
	json_t *r = socle_db_query_one_new(db, "SELECT mobile FROM tracking_worker_contact"
	                                       " WHERE worker_id = :w AND sms_consent = 1"
	                                       " AND mobile IS NOT NULL",
	                                   json_pack("{s:I}", "w", (json_int_t)worker_id), &e2);

	if (r == NULL)
		return e2.code == SOCLE_E_NOTFOUND ? 0 : socle_err_set(err, e2.code, "%s", e2.msg);
	snprintf(number, SOCLE_SMS_NUMBER_SIZE, "%s", sget(r, "mobile"));
	json_decref(r);
	return 1;
}

int tracking_sms_init(socle_plugin *p, socle_err *err)
{
	int rc = socle_plugin_add_rule_point(p, &sms_rule, err);

	return rc ? rc : socle_plugin_on(p, "portal.contact_changed", on_contact_changed, NULL, err);
}
