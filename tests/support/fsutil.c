/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Test helpers around the file system and child commands. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsutil.h"

static void die(const char *what, const char *path)
{
	fprintf(stderr, "test support: %s %s: %s\n", what, path, strerror(errno));
	abort();
}

char *fs_tempdir(const char *tag)
{
	const char *base = getenv("TMPDIR");
	char *tmpl;

	if (asprintf(&tmpl, "%s/socle-%s-XXXXXX", base && *base ? base : "/tmp", tag) < 0)
		abort();
	if (mkdtemp(tmpl) == NULL)
		die("mkdtemp", tmpl);
	return tmpl;
}

char *fs_join(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		abort();
	return p;
}

static void mkdirs_for(char *path)
{
	for (char *s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			die("mkdir", path);
		*s = '/';
	}
}

void fs_write(const char *dir, const char *name, const char *text)
{
	char *path = fs_join(dir, name);
	FILE *f;

	mkdirs_for(path);
	f = fopen(path, "w");
	if (f == NULL)
		die("fopen", path);
	fputs(text, f);
	if (fclose(f) != 0)
		die("fclose", path);
	free(path);
}

void fs_copy(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY), out;
	ssize_t n;

	if (in < 0)
		die("open", from);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (out < 0)
		die("open", to);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			die("write", to);
	close(in);
	close(out);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

void fs_rmtree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int fs_run(const char *cmd, char **out)
{
	char *full;
	FILE *p;
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	int status;

	if (buf == NULL || asprintf(&full, "%s 2>&1", cmd) < 0)
		abort();
	p = popen(full, "r");
	free(full);
	if (p == NULL) {
		free(buf);
		return -1;
	}
	for (;;) {
		if (len + 1024 > cap && (buf = realloc(buf, cap *= 2)) == NULL)
			abort();
		size_t n = fread(buf + len, 1, cap - len - 1, p);
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	status = pclose(p);
	if (out)
		*out = buf;
	else
		free(buf);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
