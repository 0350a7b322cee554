/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Starting and reading the real servers of the messaging tests. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "mail_servers.h"

/* Debian's interpreter: it is the one python3-aiosmtpd installs into. */
#define TEST_PYTHON "/usr/bin/python3"

bool sink_server_start(struct sink_server *s, const char *script, const char *dir,
                       const char *const *args)
{
	char path[4096], *port_file = fs_join(dir, "port");
	const char *argv[24];
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/tests/mail/%s", SOCLE_SOURCE_DIR, script);
	argv[n++] = TEST_PYTHON;
	argv[n++] = path;
	argv[n++] = dir;
	for (size_t i = 0; args != NULL && args[i] != NULL && n < 23; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	s->dir = strdup(dir);
	s->port = 0;
	s->pid = fork();
	if (s->pid == 0) {
		execv(TEST_PYTHON, (char *const *)argv);
		_exit(127);
	}
	/* Waiting for a process to listen: real time, nothing the business
	 * clock could stand for. */
	for (int i = 0; i < 1000 && s->pid > 0; i++) {
		FILE *f = fopen(port_file, "r");

		if (f != NULL) {
			int ok = fscanf(f, "%d", &s->port);

			fclose(f);
			if (ok == 1)
				break;
		}
		if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
			s->pid = 0;
			break;
		}
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	free(port_file);
	return s->pid > 0 && s->port > 0;
}

void sink_server_stop(struct sink_server *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
	}
	s->pid = 0;
	free(s->dir);
	s->dir = NULL;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0;

	if (f == NULL)
		return NULL;
	ssize_t n = getdelim(&buf, &cap, '\0', f);
	fclose(f);
	if (n < 0) {
		free(buf);
		return strdup("");
	}
	return buf;
}

size_t test_smtp_count(const struct sink_server *s, const char *needle, char **last)
{
	DIR *d = opendir(s->dir);
	struct dirent *de;
	size_t n = 0;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (strncmp(de->d_name, "msg-", 4) != 0 || len < 5 ||
		    strcmp(de->d_name + len - 4, ".eml") != 0)
			continue;
		char *path = fs_join(s->dir, de->d_name), *text = slurp(path);

		free(path);
		if (text != NULL && strstr(text, needle) != NULL) {
			n++;
			if (last != NULL) {
				free(*last);
				*last = text;
				text = NULL;
			}
		}
		free(text);
	}
	closedir(d);
	return n;
}

size_t sink_server_log_count(const struct sink_server *s, const char *line)
{
	char *path = fs_join(s->dir, "log"), *text = slurp(path);
	size_t n = 0, len = strlen(line);

	free(path);
	for (char *p = text; p != NULL && *p;) {
		char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);

		if (l == len && strncmp(p, line, len) == 0)
			n++;
		p = nl ? nl + 1 : p + l;
	}
	free(text);
	return n;
}

void test_make_certificate(const char *dir)
{
	char cmd[8192], *out = NULL;

	snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey rsa:2048 -nodes -days 2 "
	         "-subj /CN=localhost -addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' "
	         "-keyout '%s/key.pem' -out '%s/cert.pem'", dir, dir);
	if (fs_run(cmd, &out) != 0) {
		fprintf(stderr, "openssl: %s\n", out ? out : "");
		abort();
	}
	free(out);
}
