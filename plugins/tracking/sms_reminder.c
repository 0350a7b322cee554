/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The rule point reminder_sms_text(visit, days_before) -> {text}: the words of
 * a visit's reminder by text message (seed 3.3.1.2.1 names mail and SMS
 * reminders against missed visits). Its contract is the SMS's: at most 160
 * GSM 7-bit characters once the core has transliterated the text
 * (socle_sms_gsm7: "ê" becomes "e", "€" counts two), so a service's own rule
 * can never make the core cut or refuse a reminder. The text is queued with
 * socle_sms_queue (socle/sms.h) and a mobile number.
 *
 * Not sent yet: membership holds neither a worker's mobile number nor his
 * consent to text messages (membership.v1 has neither); the portal plugin
 * records both (portal_worker_contact) but exports no interface nor event
 * that tracking could read them through. The reminder jobs (convocation.c)
 * go by mail only until one of them does. The rule point, its default and its vectors are
 * here so that a service can write and check its wording now. */
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

int tracking_sms_init(socle_plugin *p, socle_err *err)
{
	return socle_plugin_add_rule_point(p, &sms_rule, err);
}
