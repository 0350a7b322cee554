/* SPDX-License-Identifier: AGPL-3.0-or-later */
/** @file
 * The core file store (ABI 1.5): files kept beside the service's database,
 * named by the SHA-256 of their bytes.
 *
 * - Content-addressed: a file's name is the hex SHA-256 of its bytes, under
 *   "<database>.files/<first two hex digits>/<hash>". Two rows that store the
 *   same bytes share one file.
 * - Durable before the row: socle_file_put() writes a temporary file, fsyncs
 *   it, links it under its final name, fsyncs the folder, and only then
 *   returns. Call it BEFORE the write transaction whose row names the hash;
 *   inside that transaction call socle_file_retain(), which refuses a hash
 *   whose file is not on disk. A kill -9 between the two leaves at worst a
 *   file no row names (kept, harmless), never a row without its file.
 * - Never overwritten: a file that already exists under its hash is kept as
 *   it is (its bytes are the same by definition); files are read-only (0440)
 *   and this API has no delete.
 * - Checked on read: every read recomputes the SHA-256; a mismatch is an
 *   error (SOCLE_E_IO, "fichier altéré"), logged with the path.
 * - Retention: core_file keeps, per hash, its size and the date until which
 *   it must be kept (keep_until, YYYY-MM-DD); when several rows share a file
 *   the latest date wins.
 * - `socle backup` copies every file core_file lists next to the database
 *   copy ("<copy>.files/") and checks each hash (docs/storage.md).
 */
#ifndef SOCLE_FILES_H
#define SOCLE_FILES_H

#include <socle/defs.h>
#include <socle/err.h>

#define SOCLE_FILE_HASH_HEX 65 /* 64 hex digits and the NUL */

/** Write @p len bytes durably into the store and give their hex SHA-256 in
 * @p sha256_out. Call outside any write transaction (it fsyncs). Returns 0
 * when the file is on disk (written now or already there), else a negative
 * code with @p err set. */
SOCLE_API int socle_file_put(socle_service *svc, const void *data, size_t len,
                             char sha256_out[SOCLE_FILE_HASH_HEX], socle_err *err);

/** Inside a write transaction: record that the file @p sha256 must be kept
 * until @p keep_until (YYYY-MM-DD); a later date already recorded stays.
 * SOCLE_E_NOTFOUND when the file is not in the store (socle_file_put first),
 * SOCLE_E_INVAL for a malformed hash or date. */
SOCLE_API int socle_file_retain(socle_db *wdb, const char *sha256, const char *keep_until,
                                socle_err *err);

/** Read the whole file and check its SHA-256. On success *data (caller
 * frees) and *len are set. SOCLE_E_NOTFOUND when absent, SOCLE_E_IO when its
 * bytes no longer match their hash. */
SOCLE_API int socle_file_read(socle_service *svc, const char *sha256, char **data, size_t *len,
                              socle_err *err);

/** Recompute the file's SHA-256 without keeping its bytes; *size (may be
 * NULL) gets its size. Same errors as socle_file_read. */
SOCLE_API int socle_file_verify(socle_service *svc, const char *sha256, int64_t *size,
                                socle_err *err);

/** Reply 200 with the file's bytes, streamed from disk once its SHA-256 was
 * checked, as @p content_type, with a Content-Disposition attachment named
 * @p download_name (may be NULL). A file whose bytes no longer match is not
 * sent: the error is returned (500, logged). */
SOCLE_API int socle_reply_file(socle_req *req, const char *sha256, const char *content_type,
                               const char *download_name, socle_err *err);

/** The file's path (caller frees), for operators and tests; NULL when the
 * hash is malformed or out of memory. The file may not exist. */
SOCLE_API char *socle_file_path(socle_service *svc, const char *sha256);

#endif
