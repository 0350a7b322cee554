/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Whole mails of a test outbox and their attachments. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fsutil.h"
#include "mime.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0;

	if (f == NULL)
		return NULL;
	if (getdelim(&buf, &cap, '\0', f) < 0) {
		free(buf);
		buf = strdup("");
	}
	fclose(f);
	return buf;
}

char **test_outbox_mails(const char *deploy_dir, const char *service, const char *to,
                         const char *needle)
{
	char dir[4096], want[300];
	size_t n = 0;
	char **out = calloc(1, sizeof(*out));
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/outbox/%s", deploy_dir, service);
	snprintf(want, sizeof(want), "To: %s\r\n", to ? to : "");
	d = opendir(dir);
	for (struct dirent *de; d && out && (de = readdir(d)) != NULL;) {
		if (de->d_name[0] == '.' || !strstr(de->d_name, ".eml"))
			continue;
		char *path = fs_join(dir, de->d_name), *text = slurp(path);

		free(path);
		if (text && (!to || strstr(text, want)) && (!needle || strstr(text, needle))) {
			char **grown = realloc(out, (n + 2) * sizeof(*out));

			if (grown == NULL) {
				free(text);
				break;
			}
			out = grown;
			out[n++] = text;
			out[n] = NULL;
		} else {
			free(text);
		}
	}
	if (d)
		closedir(d);
	return out;
}

void test_mails_free(char **mails)
{
	for (size_t i = 0; mails && mails[i]; i++)
		free(mails[i]);
	free(mails);
}

bool test_mime_attachment(const char *eml, const char *filename, char **data, size_t *len)
{
	char want[300];

	snprintf(want, sizeof(want), "filename=\"%s\"", filename);
	const char *at = strstr(eml, want);
	const char *body = at ? strstr(at, "\r\n\r\n") : NULL;
	if (body == NULL)
		return false;
	body += 4;
	const char *end = strstr(body, "\r\n--");
	size_t b64 = end ? (size_t)(end - body) : strlen(body);

	*data = malloc(b64 + 1);
	if (*data == NULL ||
	    sodium_base642bin((unsigned char *)*data, b64, body, b64, "\r\n", len, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0) {
		free(*data);
		*data = NULL;
		return false;
	}
	(*data)[*len] = '\0';
	return true;
}

char *test_run_on_bytes(const char *dir, const char *name, const char *data, size_t len,
                        const char *tool)
{
	char *path = fs_join(dir, name), cmd[8192], *out = NULL;
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(data, 1, len, f) != len)
		abort();
	fclose(f);
	snprintf(cmd, sizeof(cmd), "%s '%s'%s", tool, path,
	         strcmp(tool, "pdftotext") == 0 ? " -enc UTF-8 -" : "");
	if (fs_run(cmd, &out) != 0) {
		fprintf(stderr, "%s: %s\n", cmd, out ? out : "");
		abort();
	}
	free(path);
	return out;
}
