/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Mail outbox of a test deployment (outbox.h). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "outbox.h"

/* Search once; true when found. */
static bool outbox_scan(const char *dir, const char *want_to, const char *marker, char *out,
                        size_t len)
{
	DIR *dh = opendir(dir);
	bool found = false;

	for (struct dirent *de; dh && (de = readdir(dh)) != NULL && !found;) {
		if (de->d_name[0] == '.' || !strstr(de->d_name, ".eml"))
			continue;
		char *path = fs_join(dir, de->d_name), buf[32768];
		FILE *f = fopen(path, "r");
		size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

		if (f)
			fclose(f);
		buf[n] = '\0';
		const char *at = strstr(buf, marker);
		if (strstr(buf, want_to) && at && strlen(at + strlen(marker)) >= len) {
			memcpy(out, at + strlen(marker), len);
			out[len] = '\0';
			found = true;
		}
		free(path);
	}
	if (dh)
		closedir(dh);
	return found;
}

bool test_outbox_after(const char *deploy_dir, const char *service, const char *to,
                       const char *marker, char *out, size_t len)
{
	char sub[256], want[256];
	bool found = false;

	snprintf(sub, sizeof(sub), "outbox/%s", service);
	snprintf(want, sizeof(want), "To: %s\r\n", to);
	char *dir = fs_join(deploy_dir, sub);
	for (int tries = 0; tries < 200 && !(found = outbox_scan(dir, want, marker, out, len));
	     tries++)
		usleep(50000);
	free(dir);
	return found;
}
