/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* File store internals: its table, and what `socle backup` does with it.
 * The public side is socle/files.h. */
#ifndef SOCLE_CORE_FILESTORE_H
#define SOCLE_CORE_FILESTORE_H

#include "core.h"

/* core_file (owner "core_files"). */
extern const struct socle_migration filestore_migrations[];
extern const size_t filestore_migrations_count;

/* "<database_path>.files" into @p out; -1 when too long. */
SOCLE_INTERNAL int filestore_dir(const char *database_path, char *out, size_t size);
/* Copy every file the database copy at @p backup_db_path lists in core_file
 * into "<backup_db_path>.files/", checking each one's SHA-256 as it is
 * copied; *copied gets the count. Any missing or altered file fails the
 * backup. */
SOCLE_INTERNAL int filestore_backup(socle_service *svc, const char *backup_db_path, int *copied,
                                    socle_err *err);
/* Check every file the database at @p db_path lists, in "<db_path>.files/"
 * (a backup, or a restored service before it starts). */
SOCLE_INTERNAL int filestore_verify_all(const char *db_path, int *checked, socle_err *err);

#endif
