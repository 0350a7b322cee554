/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The replay driver of `make test`: the harness built with gcc and the test
 * build's sanitizers, without libFuzzer, fed every file of the folders (or
 * files) given on the command line, each once. A harness that crashes or
 * trips a sanitizer on any of them fails the test, naming the file; a folder
 * that holds no file fails too (a corpus lost by a bad path replays nothing). */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");

	if (f == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t cap = 4096, len = 0;
	uint8_t *buf = malloc(cap);

	while (buf != NULL) {
		size_t n = fread(buf + len, 1, cap - len, f);

		len += n;
		if (len < cap)
			break;
		uint8_t *more = realloc(buf, cap * 2);

		if (more == NULL) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = more;
		cap *= 2;
	}
	fclose(f);
	if (buf == NULL) {
		fprintf(stderr, "%s: mémoire insuffisante\n", path);
		return -1;
	}
	/* libFuzzer hands a buffer of exactly the input's size: so do we, so
	 * that ASan sees a read one byte past the end */
	uint8_t *exact = malloc(len ? len : 1);

	if (exact == NULL) {
		free(buf);
		return -1;
	}
	memcpy(exact, buf, len);
	free(buf);
	fprintf(stderr, "rejoue %s (%zu octets)\n", path, len);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of @p dir, in name order (the same order each run). */
static int replay_dir(const char *dir, size_t *count)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	if (d == NULL) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **more = realloc(names, cap * sizeof(*names));

			if (more == NULL) {
				rc = -1;
				break;
			}
			names = more;
		}
		if (asprintf(&names[n], "%s/%s", dir, e->d_name) < 0) {
			rc = -1;
			break;
		}
		n++;
	}
	closedir(d);
	if (names != NULL)
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		if (rc == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
			rc = replay_file(names[i]);
			(*count)++;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	size_t total = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		size_t count = 0;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		if (S_ISDIR(st.st_mode)) {
			if (replay_dir(argv[i], &count) != 0)
				return 1;
			/* a crashes folder may be empty (nothing found); a corpus may not */
			if (count == 0 && strstr(argv[i], "/corpus/") != NULL) {
				fprintf(stderr, "%s : corpus vide\n", argv[i]);
				return 1;
			}
		} else {
			if (replay_file(argv[i]) != 0)
				return 1;
			count = 1;
		}
		total += count;
	}
	printf("%zu entrée(s) rejouée(s) sans défaut\n", total);
	return 0;
}
