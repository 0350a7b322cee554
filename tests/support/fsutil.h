/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* File-system helpers for tests: temporary folders and small files. */
#ifndef SOCLE_TEST_FSUTIL_H
#define SOCLE_TEST_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>

/* mkdtemp under $TMPDIR (or /tmp); returns a path the caller frees. Aborts on failure. */
char *fs_tempdir(const char *tag);
/* Write @p text to dir/name, creating intermediate folders; aborts on failure. */
void fs_write(const char *dir, const char *name, const char *text);
/* Path join (caller frees). */
char *fs_join(const char *dir, const char *name);
/* Copy a file; aborts on failure. */
void fs_copy(const char *from, const char *to);
/* Remove a folder and everything in it. */
void fs_rmtree(const char *dir);
/* Run a command through the shell, capturing stdout+stderr into a malloc'd
 * string (*out, may be NULL); returns the exit status (or -1). */
int fs_run(const char *cmd, char **out);

#endif
