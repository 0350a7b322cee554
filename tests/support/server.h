/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Running the real `socle serve` in tests: a temporary deployment folder with
 * its JSON config, a free port, the server as a child process (ready once
 * GET /healthz answers 200), stopped with SIGTERM or killed with SIGKILL. */
#ifndef SOCLE_TEST_SERVER_H
#define SOCLE_TEST_SERVER_H

#include <stdbool.h>
#include <sys/types.h>

#include <jansson.h>

/* A port that was free a moment ago (bind to 0, read it, close), or -1. */
int test_free_port(void);

/* A temporary deployment: folder, config file, chosen port. */
struct test_deploy {
	char *dir;          /* mkdtemp folder (removed by test_deploy_remove) */
	char *config_path;  /* dir/socle.json */
	int port;
};

/* Create the folder and write @p config (borrowed) as dir/socle.json after
 * setting its "listen" to 127.0.0.1 and its "port" to a free port (the
 * caller's own values for these two keys are replaced). Relative paths in
 * the config resolve against the folder. Returns 0 or -1. */
int test_deploy_create(struct test_deploy *d, const char *tag, json_t *config);
/* Write @p text to dir/@p name (folders created). 0 or -1. */
int test_deploy_write(const struct test_deploy *d, const char *name, const char *text);
/* Remove the folder and free the paths. */
void test_deploy_remove(struct test_deploy *d);

struct test_server {
	pid_t pid;          /* 0 when not running */
	int port;
	char *log_path;     /* the child's stdout and stderr */
};

/* Spawn SOCLE_BINARY_DIR "/socle" serve --config @p config_path --listen
 * 127.0.0.1 --port @p port, its output going to @p log_path (NULL: inherited).
 * Waits up to @p timeout_ms for GET /healthz to answer 200. On failure the
 * child is killed, its log printed to stderr, and -1 returned. */
int test_server_start(struct test_server *s, const char *config_path, int port,
                      const char *log_path, int timeout_ms);
/* Start the server of a deployment (log in dir/server.log, 30 s to start). */
int test_server_start_deploy(struct test_server *s, const struct test_deploy *d);
/* SIGTERM, then wait up to @p timeout_ms (SIGKILL after that). Returns the
 * exit status (0-255), 128 + signal when killed by one, -1 when not running. */
int test_server_stop(struct test_server *s, int timeout_ms);
/* SIGKILL now and reap (crash tests). */
void test_server_kill(struct test_server *s);
/* Is the child still running? */
bool test_server_alive(struct test_server *s);

#endif
