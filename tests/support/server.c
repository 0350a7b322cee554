/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The real server as a child process for end-to-end tests (see server.h). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "http_client.h"
#include "server.h"

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int test_free_port(void)
{
	struct sockaddr_in sa = {0};
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return ntohs(sa.sin_port);
}

int test_deploy_create(struct test_deploy *d, const char *tag, json_t *config)
{
	memset(d, 0, sizeof(*d));
	d->port = test_free_port();
	if (d->port <= 0)
		return -1;
	d->dir = fs_tempdir(tag ? tag : "deploy");
	d->config_path = fs_join(d->dir, "socle.json");
	json_object_set_new(config, "listen", json_string("127.0.0.1"));
	json_object_set_new(config, "port", json_integer(d->port));
	if (json_dump_file(config, d->config_path, JSON_INDENT(2)) != 0) {
		test_deploy_remove(d);
		return -1;
	}
	return 0;
}

int test_deploy_write(const struct test_deploy *d, const char *name, const char *text)
{
	fs_write(d->dir, name, text); /* aborts the test on failure */
	return 0;
}

void test_deploy_remove(struct test_deploy *d)
{
	if (d->dir)
		fs_rmtree(d->dir);
	free(d->dir);
	free(d->config_path);
	memset(d, 0, sizeof(*d));
}

static void print_log(const char *path)
{
	FILE *f = path ? fopen(path, "r") : NULL;
	char line[1024];

	if (!f)
		return;
	fprintf(stderr, "---- %s ----\n", path);
	while (fgets(line, sizeof(line), f))
		fputs(line, stderr);
	fprintf(stderr, "---- fin ----\n");
	fclose(f);
}

bool test_server_alive(struct test_server *s)
{
	int status;

	if (s->pid <= 0)
		return false;
	pid_t r = waitpid(s->pid, &status, WNOHANG);
	if (r == s->pid) {
		s->pid = 0;
		return false;
	}
	return r == 0;
}

int test_server_start(struct test_server *s, const char *config_path, int port,
                      const char *log_path, int timeout_ms)
{
	char port_text[16];

	memset(s, 0, sizeof(*s));
	s->port = port;
	s->log_path = log_path ? strdup(log_path) : NULL;
	snprintf(port_text, sizeof(port_text), "%d", port);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (log_path) {
			int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
			if (fd >= 0) {
				dup2(fd, STDOUT_FILENO);
				dup2(fd, STDERR_FILENO);
			}
		}
		execl(SOCLE_BINARY_DIR "/socle", "socle", "serve", "--config", config_path,
		      "--listen", "127.0.0.1", "--port", port_text, (char *)NULL);
		fprintf(stderr, "exec %s/socle : %s\n", SOCLE_BINARY_DIR, strerror(errno));
		_exit(127);
	}
	s->pid = pid;

	int64_t deadline = mono_ms() + timeout_ms;
	while (mono_ms() < deadline) {
		struct hc_response r;

		if (!test_server_alive(s))
			break;
		if (hc_request_timeout(port, "GET", "/healthz", NULL, NULL, 0, 2000, &r) == 0) {
			int status = r.status;

			hc_response_free(&r);
			if (status == 200)
				return 0;
		}
		sleep_ms(50);
	}
	fprintf(stderr, "le serveur n'a pas répondu sur /healthz (port %d)\n", port);
	print_log(log_path);
	test_server_kill(s);
	return -1;
}

int test_server_start_deploy(struct test_server *s, const struct test_deploy *d)
{
	char *log = fs_join(d->dir, "server.log");
	int rc = test_server_start(s, d->config_path, d->port, log, 30000);

	free(log);
	return rc;
}

static int decode_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

int test_server_stop(struct test_server *s, int timeout_ms)
{
	int status;

	if (s->pid <= 0) {
		free(s->log_path);
		s->log_path = NULL;
		return -1;
	}
	kill(s->pid, SIGTERM);
	int64_t deadline = mono_ms() + timeout_ms;
	for (;;) {
		pid_t r = waitpid(s->pid, &status, WNOHANG);
		if (r == s->pid)
			break;
		if (r < 0 && errno != EINTR) {
			status = -1;
			break;
		}
		if (mono_ms() >= deadline) {
			fprintf(stderr, "le serveur ne s'arrête pas après SIGTERM : SIGKILL\n");
			kill(s->pid, SIGKILL);
			waitpid(s->pid, &status, 0);
			break;
		}
		sleep_ms(20);
	}
	s->pid = 0;
	free(s->log_path);
	s->log_path = NULL;
	return status == -1 ? -1 : decode_status(status);
}

void test_server_kill(struct test_server *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	s->pid = 0;
	free(s->log_path);
	s->log_path = NULL;
}
