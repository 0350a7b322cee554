/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Small helpers the areas of the plugin share. */
#include <fcntl.h>
#include <unistd.h>

#include "awareness.h"

int awareness_conflict(socle_req *req, const char *message)
{
	return socle_reply_error(req, 409, "conflict", message);
}

static bool listed(const char *value, const char *const *choices)
{
	for (; *choices; choices++)
		if (strcmp(*choices, value) == 0)
			return true;
	return false;
}

void awareness_check_texts(const json_t *list, const char *field, const char *const *choices,
                           json_t **errors)
{
	size_t i;
	const json_t *v;

	json_array_foreach(list, i, v) {
		char name[96];
		const char *s = json_string_value(v);

		snprintf(name, sizeof(name), "%s[%zu]", field, i);
		if (s == NULL || *s == '\0' || strlen(s) > 64)
			socle_field_error(errors, name, "doit être un texte non vide de 64 caractères au plus");
		else if (choices && !listed(s, choices))
			socle_field_error(errors, name, "valeur inconnue : %s", s);
	}
}

json_t *awareness_json_column(const char *text)
{
	json_t *v = text ? json_loads(text, 0, NULL) : NULL;

	if (!json_is_array(v)) {
		json_decref(v);
		return json_array();
	}
	return v;
}

void awareness_parse_columns(json_t *row, const char *const *keys)
{
	for (; *keys; keys++)
		json_object_set_new(row, *keys,
		                    awareness_json_column(json_string_value(json_object_get(row, *keys))));
}

bool awareness_token(char out[33])
{
	unsigned char raw[16];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, raw, sizeof(raw)) : -1;

	if (fd >= 0)
		close(fd);
	if (n != (ssize_t)sizeof(raw))
		return false;
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	return true;
}

json_t *awareness_company_emails(socle_db *db, int64_t company_id, socle_err *err)
{
	json_t *contacts = awareness_membership->company_contacts(db, company_id, NULL, err);
	json_t *emails = json_array();
	size_t i;
	json_t *c;

	if (contacts == NULL) {
		json_decref(emails);
		return NULL;
	}
	json_array_foreach(contacts, i, c) {
		const char *e = json_string_value(json_object_get(c, "email"));

		if (e && *e)
			json_array_append_new(emails, json_string(e));
	}
	json_decref(contacts);
	return emails;
}

/* The last Sunday of @p month of @p year at 01:00 UTC, in epoch seconds: when
 * Europe's summer time starts (March) and ends (October). */
static int64_t eu_switch_s(int year, int month)
{
	int64_t days = socle_date_from_civil(year, month, socle_date_month_days(year, month));
	int64_t weekday = ((days % 7) + 7 + 4) % 7; /* 0 Sunday: 1970-01-01 was a Thursday */

	return (days - weekday) * 86400 + 3600;
}

/* Is the instant @p utc (epoch seconds) in summer time in France? */
static bool summer_at(int64_t utc)
{
	char today[SOCLE_DATE_SIZE];
	int y, mo, d;

	socle_date_format(utc / 86400, today);
	socle_date_parts(today, &y, &mo, &d);
	return utc >= eu_switch_s(y, 3) && utc < eu_switch_s(y, 10);
}

int64_t awareness_local_to_utc_ms(int64_t local_ms)
{
	/* The offset at the instant one hour before: exact but in the hour
	 * the clocks change, which sessions do not start in (02:00-03:00). */
	return local_ms - (summer_at(local_ms / 1000 - 3600) ? 7200000 : 3600000);
}

json_t *awareness_tenths(double x)
{
	double t = x * 10.0;

	return json_real((double)(long long)(t < 0 ? t - 0.5 : t + 0.5) / 10.0);
}

json_t *awareness_rate(json_int_t part, json_int_t whole)
{
	return whole > 0 ? awareness_tenths((double)part * 100.0 / (double)whole) : json_null();
}

/* "YYYY-MM-DDTHH:MM" of the core's clock in the service's local time (France
 * metropolitan: UTC+1, UTC+2 in summer), as starts_at is written. */
void awareness_now_minute(char out[17])
{
	int64_t utc = socle_now_ms() / 1000;
	int64_t s = utc + (summer_at(utc) ? 7200 : 3600), days = s / 86400, rest = s % 86400;
	char date[SOCLE_DATE_SIZE];
	unsigned h = (unsigned)(rest / 3600) % 24u, m = (unsigned)(rest % 3600 / 60) % 60u;

	socle_date_format(days, date);
	memcpy(out, date, 10);
	out[10] = 'T';
	out[11] = (char)('0' + h / 10);
	out[12] = (char)('0' + h % 10);
	out[13] = ':';
	out[14] = (char)('0' + m / 10);
	out[15] = (char)('0' + m % 10);
	out[16] = '\0';
}
