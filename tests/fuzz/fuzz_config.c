/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Harness: the deployment config reader (config_load: the whole file, the
 * services, their Lua budgets, identities and second factor, mail, static
 * folders, trusted proxies, the frozen clock), given the input as the file
 * (an in-memory file, reopened by path as `socle serve` opens its config).
 *
 * Properties: the reader answers 0 exactly when it reported no problem; an
 * accepted config has at least one service, each with a valid and unique id
 * and a database; whatever was read, core_close releases it (the sanitizers
 * see a leak or a double free otherwise); the mail signature built from an
 * accepted identity is text. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "core.h"
#include "fuzz.h"
#include "identity.h"

static int fd = -1;
static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (fd < 0) {
		fd = memfd_create("socle-fuzz-config", 0);
		FUZZ_CHECK(fd >= 0);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	FUZZ_CHECK(ftruncate(fd, 0) == 0);
	FUZZ_CHECK(size == 0 || pwrite(fd, data, size, 0) == (ssize_t)size);

	socle_core *core = calloc(1, sizeof(*core));
	struct diag d = {0};

	FUZZ_CHECK(core != NULL);
	int rc = config_load(core, path, &d);

	if (rc == 0) {
		FUZZ_CHECK(diag_count(&d) == 0);
		FUZZ_CHECK(core->n_services >= 1);
		for (size_t i = 0; i < core->n_services; i++) {
			const socle_service *svc = core->services[i];

			FUZZ_CHECK(svc->id != NULL && svc->id[0] >= 'a' && svc->id[0] <= 'z');
			FUZZ_CHECK(svc->database_path != NULL);
			for (size_t j = 0; j < i; j++)
				FUZZ_CHECK(strcmp(core->services[j]->id, svc->id) != 0);
			char *sig = identity_mail_signature(svc);

			FUZZ_CHECK(sig != NULL && fuzz_utf8(sig));
			free(sig);
		}
		FUZZ_CHECK(core->listen_address != NULL && core->port >= 0 && core->port <= 65535);
	} else {
		FUZZ_CHECK(rc < 0 && diag_count(&d) > 0);
	}
	core_close(core);
	diag_fini(&d);
	clock_thaw(); /* a "clock" in the file froze the business clock */
	return 0;
}
