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
