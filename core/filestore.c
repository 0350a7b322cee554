/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The core file store (socle/files.h): content-addressed files beside each
 * service's database, written durably before the row that names them
 * commits, never overwritten, checked on every read, copied and checked by
 * `socle backup`.
 *
 * Order of operations, which is what makes a kill -9 harmless:
 *   1. bytes -> "<dir>/tmp/<random>.part", fsync(file)
 *   2. link() to "<dir>/<ab>/<hash>" (EEXIST: the same bytes are already
 *      there and are kept), fsync("<dir>/<ab>"), unlink the temporary file
 *   3. only then may the caller open its write transaction, in which
 *      socle_file_retain() checks that the file is on disk.
 * link() rather than rename(): rename replaces an existing name silently,
 * link never does, so "never overwritten" holds even for two writers racing
 * on the same bytes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <socle/date.h>
#include <socle/files.h>
#include <socle/store.h>

#include "core.h"
#include "filestore.h"
#include "http.h"

#define FILE_CHUNK (256u * 1024u)

const struct socle_migration filestore_migrations[] = {
	{1,
	 /* One row per stored file: what `socle backup` copies and checks, and
	  * until when it must be kept (the latest date any row asked for). */
	 "CREATE TABLE core_file ("
	 " sha256 TEXT PRIMARY KEY,"
	 " size BIGINT NOT NULL,"
	 " stored_at BIGINT NOT NULL,"
	 " keep_until TEXT NOT NULL);"},
};
const size_t filestore_migrations_count = SOCLE_COUNT(filestore_migrations);

static bool hash_ok(const char *h)
{
	if (h == NULL || strlen(h) != 64)
		return false;
	for (size_t i = 0; i < 64; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			return false;
	return true;
}

int filestore_dir(const char *database_path, char *out, size_t size)
{
	return (size_t)snprintf(out, size, "%s.files", database_path) < size ? 0 : -1;
}

static int file_path_of(socle_service *svc, const char *sha256, char *out, size_t size)
{
	char dir[PATH_MAX];

	if (!hash_ok(sha256) || filestore_dir(svc->database_path, dir, sizeof(dir)) != 0)
		return -1;
	return (size_t)snprintf(out, size, "%s/%.2s/%s", dir, sha256, sha256) < size ? 0 : -1;
}

char *socle_file_path(socle_service *svc, const char *sha256)
{
	char path[PATH_MAX];

	return svc != NULL && file_path_of(svc, sha256, path, sizeof(path)) == 0 ? strdup(path) : NULL;
}

static void to_hex(const unsigned char *digest, char out[SOCLE_FILE_HASH_HEX])
{
	sodium_bin2hex(out, SOCLE_FILE_HASH_HEX, digest, crypto_hash_sha256_BYTES);
}

static int fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* mkdir that accepts an existing folder; a new one is made durable in its parent. */
static int ensure_dir(const char *path, const char *parent)
{
	if (mkdir(path, 0750) == 0)
		return parent != NULL ? fsync_dir(parent) : 0;
	return errno == EEXIST ? 0 : -1;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* SHA-256 of what is left to read on @p fd, and its size. */
static int hash_fd(int fd, char out[SOCLE_FILE_HASH_HEX], int64_t *size)
{
	crypto_hash_sha256_state st;
	unsigned char digest[crypto_hash_sha256_BYTES];
	char *buf = malloc(FILE_CHUNK);
	int64_t total = 0;
	ssize_t n;

	if (buf == NULL)
		return SOCLE_E_NOMEM;
	crypto_hash_sha256_init(&st);
	while ((n = read(fd, buf, FILE_CHUNK)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			return SOCLE_E_IO;
		}
		crypto_hash_sha256_update(&st, (unsigned char *)buf, (unsigned long long)n);
		total += n;
	}
	free(buf);
	crypto_hash_sha256_final(&st, digest);
	to_hex(digest, out);
	if (size != NULL)
		*size = total;
	return 0;
}

/* Open the file of @p sha256 and check its bytes; on success the descriptor
 * is positioned at the start again. */
static int open_checked(socle_service *svc, const char *sha256, int *fd_out, int64_t *size,
                        socle_err *err)
{
	char path[PATH_MAX], got[SOCLE_FILE_HASH_HEX];
	int fd, rc;

	if (svc == NULL || file_path_of(svc, sha256, path, sizeof(path)) != 0)
		return socle_err_set(err, SOCLE_E_INVAL, "empreinte de fichier invalide");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT) {
			socle_log(SOCLE_LOG_ERROR, "files: service %s: fichier absent %s", svc->id, path);
			return socle_err_set(err, SOCLE_E_NOTFOUND, "fichier introuvable");
		}
		return socle_err_set(err, SOCLE_E_IO, "files: %s: %s", path, strerror(errno));
	}
	rc = hash_fd(fd, got, size);
	if (rc != 0) {
		close(fd);
		return socle_err_set(err, rc, "files: lecture de %s impossible", path);
	}
	if (strcmp(got, sha256) != 0) {
		close(fd);
		socle_log(SOCLE_LOG_ERROR, "files: service %s: fichier altéré %s (SHA-256 relu %s)",
		          svc->id, path, got);
		return socle_err_set(err, SOCLE_E_IO, "fichier altéré : son empreinte SHA-256 ne "
		                     "correspond plus à celle enregistrée");
	}
	if (lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return socle_err_set(err, SOCLE_E_IO, "files: %s: %s", path, strerror(errno));
	}
	*fd_out = fd;
	return 0;
}

int socle_file_put(socle_service *svc, const void *data, size_t len,
                   char sha256_out[SOCLE_FILE_HASH_HEX], socle_err *err)
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	char dir[PATH_MAX], sub[PATH_MAX], tmpdir[PATH_MAX], tmp[PATH_MAX], final[PATH_MAX];
	int fd;

	if (svc == NULL || (data == NULL && len > 0))
		return socle_err_set(err, SOCLE_E_INVAL, "files: argument invalide");
	crypto_hash_sha256(digest, data, len);
	to_hex(digest, sha256_out);
	if (filestore_dir(svc->database_path, dir, sizeof(dir)) != 0 ||
	    (size_t)snprintf(sub, sizeof(sub), "%s/%.2s", dir, sha256_out) >= sizeof(sub) ||
	    (size_t)snprintf(tmpdir, sizeof(tmpdir), "%s/tmp", dir) >= sizeof(tmpdir) ||
	    file_path_of(svc, sha256_out, final, sizeof(final)) != 0)
		return socle_err_set(err, SOCLE_E_INVAL, "files: chemin trop long");
	if (access(final, F_OK) == 0) {
		/* The same bytes are already kept: never rewritten. Its folder is
		 * synced again: the writer that linked it may have died before its
		 * own fsync, and a row is about to name it. */
		if (fsync_dir(sub) != 0)
			return socle_err_set(err, SOCLE_E_IO, "files: fsync %s: %s", sub, strerror(errno));
		return 0;
	}
	char *parent = strdup(svc->database_path);

	if (parent == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	char *slash = strrchr(parent, '/');
	const char *pdir = slash == NULL ? "." : (slash == parent ? "/" : (*slash = '\0', parent));
	int mk = ensure_dir(dir, pdir);

	free(parent);
	if (mk != 0 || ensure_dir(sub, dir) != 0 || ensure_dir(tmpdir, dir) != 0)
		return socle_err_set(err, SOCLE_E_IO, "files: dossier %s : %s", dir, strerror(errno));
	unsigned char rnd[12];
	char rnd_hex[25];

	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(rnd_hex, sizeof(rnd_hex), rnd, sizeof(rnd));
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/%s.part", tmpdir, rnd_hex) >= sizeof(tmp))
		return socle_err_set(err, SOCLE_E_INVAL, "files: chemin trop long");
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0440);
	if (fd < 0)
		return socle_err_set(err, SOCLE_E_IO, "files: %s: %s", tmp, strerror(errno));
	if (write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		int e = errno;

		close(fd);
		unlink(tmp);
		return socle_err_set(err, SOCLE_E_IO, "files: écriture de %s : %s", tmp, strerror(e));
	}
	close(fd);
	if (link(tmp, final) != 0 && errno != EEXIST) {
		int e = errno;

		unlink(tmp);
		return socle_err_set(err, SOCLE_E_IO, "files: %s: %s", final, strerror(e));
	}
	unlink(tmp);
	if (fsync_dir(sub) != 0)
		return socle_err_set(err, SOCLE_E_IO, "files: fsync %s: %s", sub, strerror(errno));
	return 0;
}

int socle_file_retain(socle_db *wdb, const char *sha256, const char *keep_until, socle_err *err)
{
	char path[PATH_MAX];
	struct stat sb;
	socle_service *svc = socle_db_service(wdb);

	if (!hash_ok(sha256) || svc == NULL || file_path_of(svc, sha256, path, sizeof(path)) != 0)
		return socle_err_set(err, SOCLE_E_INVAL, "empreinte de fichier invalide");
	if (!socle_date_valid(keep_until))
		return socle_err_set(err, SOCLE_E_INVAL, "date de conservation invalide");
	/* The row that names the file commits only if the file is already on
	 * disk: the order socle_file_put then socle_file_retain is enforced here. */
	if (stat(path, &sb) != 0)
		return socle_err_set(err, SOCLE_E_NOTFOUND,
		                     "fichier absent du stockage : socle_file_put d'abord");
	json_t *p = json_pack("{s:s, s:I, s:I, s:s}", "h", sha256, "size", (json_int_t)sb.st_size,
	                      "now", (json_int_t)socle_now_ms(), "keep", keep_until);
	int rc = socle_db_run_new(wdb,
		"INSERT INTO core_file (sha256, size, stored_at, keep_until)"
		" VALUES (:h, :size, :now, :keep) ON CONFLICT (sha256) DO UPDATE SET"
		" keep_until = CASE WHEN excluded.keep_until > core_file.keep_until"
		" THEN excluded.keep_until ELSE core_file.keep_until END", p, err);

	return rc < 0 ? rc : 0;
}

int socle_file_verify(socle_service *svc, const char *sha256, int64_t *size, socle_err *err)
{
	int fd, rc = open_checked(svc, sha256, &fd, size, err);

	if (rc == 0)
		close(fd);
	return rc;
}

int socle_file_read(socle_service *svc, const char *sha256, char **data, size_t *len,
                    socle_err *err)
{
	int64_t size;
	int fd, rc = open_checked(svc, sha256, &fd, &size, err);

	if (rc != 0)
		return rc;
	char *buf = malloc((size_t)size + 1);
	size_t got = 0;

	if (buf == NULL) {
		close(fd);
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	}
	while (got < (size_t)size) {
		ssize_t n = read(fd, buf + got, (size_t)size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			free(buf);
			return socle_err_set(err, SOCLE_E_IO, "files: lecture interrompue");
		}
		got += (size_t)n;
	}
	close(fd);
	/* Checked once more on the bytes handed out: the file could change
	 * between the check and this read only by an outside hand. */
	unsigned char digest[crypto_hash_sha256_BYTES];
	char hex[SOCLE_FILE_HASH_HEX];

	crypto_hash_sha256(digest, (unsigned char *)buf, got);
	to_hex(digest, hex);
	if (strcmp(hex, sha256) != 0) {
		free(buf);
		socle_log(SOCLE_LOG_ERROR, "files: service %s: fichier altéré pendant la lecture %s",
		          svc->id, sha256);
		return socle_err_set(err, SOCLE_E_IO, "fichier altéré : son empreinte SHA-256 ne "
		                     "correspond plus à celle enregistrée");
	}
	buf[got] = '\0';
	*data = buf;
	*len = got;
	return 0;
}

int socle_reply_file(socle_req *req, const char *sha256, const char *content_type,
                     const char *download_name, socle_err *err)
{
	int64_t size;
	int fd, rc = open_checked(socle_req_service(req), sha256, &fd, &size, err);

	if (rc != 0)
		return rc;
	if (download_name != NULL) {
		/* Only a safe subset of the name goes into the header. */
		char header[300], safe[200];
		size_t j = 0;

		for (const char *s = download_name; *s && j + 1 < sizeof(safe); s++) {
			unsigned char c = (unsigned char)*s;

			safe[j++] = (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '/') ? (char)c
			                                                                          : '_';
		}
		safe[j] = '\0';
		snprintf(header, sizeof(header), "attachment; filename=\"%s\"", safe);
		socle_req_add_header(req, "Content-Disposition", header);
	}
	socle_req_add_header(req, "X-Content-SHA256", sha256);
	/* Kept files are documents of a company or a person: never in a shared
	 * cache (a list-valued header: this joins the reply's no-cache). */
	socle_req_add_header(req, "Cache-Control", "private, no-store");
	rc = http_reply_fd(req, 200, content_type, fd, (uint64_t)size);
	if (rc != 0)
		return socle_err_set(err, rc, "files: réponse impossible");
	return 0;
}

/* ---- backup ---------------------------------------------------------------- */

/* Copy one file to @p dest, hashing what is copied; the copy is refused when
 * the hash is not its name. */
static int copy_checked(const char *src, const char *dest, const char *sha256, socle_err *err)
{
	char tmp[PATH_MAX + 8], got[SOCLE_FILE_HASH_HEX];
	crypto_hash_sha256_state st;
	unsigned char digest[crypto_hash_sha256_BYTES];
	int in = open(src, O_RDONLY | O_CLOEXEC), out;
	char *buf;
	ssize_t n;
	int rc = 0;

	if (in < 0)
		return socle_err_set(err, errno == ENOENT ? SOCLE_E_NOTFOUND : SOCLE_E_IO,
		                     "fichier %s absent ou illisible : %s", src, strerror(errno));
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.part", dest) >= sizeof(tmp)) {
		close(in);
		return socle_err_set(err, SOCLE_E_IO, "chemin trop long : %s", dest);
	}
	unlink(tmp);
	out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0440);
	buf = malloc(FILE_CHUNK);
	if (out < 0 || buf == NULL) {
		rc = socle_err_set(err, SOCLE_E_IO, "copie vers %s impossible : %s", tmp,
		                   strerror(errno));
		goto done;
	}
	crypto_hash_sha256_init(&st);
	while ((n = read(in, buf, FILE_CHUNK)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write_all(out, buf, (size_t)n) != 0) {
			rc = socle_err_set(err, SOCLE_E_IO, "copie de %s : %s", src, strerror(errno));
			goto done;
		}
		crypto_hash_sha256_update(&st, (unsigned char *)buf, (unsigned long long)n);
	}
	crypto_hash_sha256_final(&st, digest);
	to_hex(digest, got);
	if (strcmp(got, sha256) != 0) {
		rc = socle_err_set(err, SOCLE_E_IO, "fichier altéré : %s (SHA-256 relu %s)", src, got);
		goto done;
	}
	if (fsync(out) != 0 || rename(tmp, dest) != 0)
		rc = socle_err_set(err, SOCLE_E_IO, "copie vers %s : %s", dest, strerror(errno));
done:
	free(buf);
	close(in);
	if (out >= 0)
		close(out);
	if (rc != 0)
		unlink(tmp);
	return rc;
}

int filestore_backup(socle_service *svc, const char *backup_db_path, int *copied,
                     socle_err *err)
{
	char dest_dir[PATH_MAX], sub[PATH_MAX + 4], src[PATH_MAX], dest[PATH_MAX + 80];
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	int rc = 0, n = 0;

	*copied = 0;
	if (filestore_dir(backup_db_path, dest_dir, sizeof(dest_dir)) != 0)
		return socle_err_set(err, SOCLE_E_INVAL, "backup: chemin trop long");
	/* The list comes from the copy itself: exactly the files its rows name. */
	if (sqlite3_open_v2(backup_db_path, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "SELECT sha256 FROM core_file ORDER BY sha256", -1, &st, NULL) !=
	            SQLITE_OK) {
		rc = socle_err_set(err, SOCLE_E_STORE, "backup: liste des fichiers illisible : %s",
		                   h ? sqlite3_errmsg(h) : "?");
		goto done;
	}
	if (mkdir(dest_dir, 0750) != 0 && errno != EEXIST) {
		rc = socle_err_set(err, SOCLE_E_IO, "backup: dossier %s : %s", dest_dir,
		                   strerror(errno));
		goto done;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *hsh = (const char *)sqlite3_column_text(st, 0);

		rc = 0;
		if (!hash_ok(hsh)) {
			rc = socle_err_set(err, SOCLE_E_STORE, "backup: empreinte invalide dans core_file");
			goto done;
		}
		snprintf(sub, sizeof(sub), "%s/%.2s", dest_dir, hsh);
		snprintf(dest, sizeof(dest), "%s/%s", sub, hsh);
		if (file_path_of(svc, hsh, src, sizeof(src)) != 0 ||
		    (mkdir(sub, 0750) != 0 && errno != EEXIST)) {
			rc = socle_err_set(err, SOCLE_E_IO, "backup: dossier %s : %s", sub,
			                   strerror(errno));
			goto done;
		}
		/* A file already in an earlier copy is checked again all the same. */
		rc = copy_checked(src, dest, hsh, err);
		if (rc != 0)
			goto done;
		if (fsync_dir(sub) != 0) {
			rc = socle_err_set(err, SOCLE_E_IO, "backup: fsync %s", sub);
			goto done;
		}
		n++;
	}
	if (rc != SQLITE_DONE) {
		rc = socle_err_set(err, SOCLE_E_STORE, "backup: %s", sqlite3_errmsg(h));
		goto done;
	}
	rc = 0;
	fsync_dir(dest_dir);
	*copied = n;
done:
	sqlite3_finalize(st);
	sqlite3_close(h);
	return rc;
}

int filestore_verify_all(const char *db_path, int *checked, socle_err *err)
{
	char dir[PATH_MAX], path[PATH_MAX + 80], got[SOCLE_FILE_HASH_HEX];
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	int rc = 0, n = 0;

	*checked = 0;
	if (filestore_dir(db_path, dir, sizeof(dir)) != 0)
		return socle_err_set(err, SOCLE_E_INVAL, "chemin trop long");
	if (sqlite3_open_v2(db_path, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "SELECT sha256 FROM core_file", -1, &st, NULL) != SQLITE_OK) {
		rc = socle_err_set(err, SOCLE_E_STORE, "liste des fichiers illisible : %s",
		                   h ? sqlite3_errmsg(h) : "?");
		goto done;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *hsh = (const char *)sqlite3_column_text(st, 0);
		int fd;

		snprintf(path, sizeof(path), "%s/%.2s/%s", dir, hsh ? hsh : "", hsh ? hsh : "");
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			rc = socle_err_set(err, SOCLE_E_NOTFOUND, "fichier absent : %s", path);
			goto done;
		}
		rc = hash_fd(fd, got, NULL);
		close(fd);
		if (rc != 0 || strcmp(got, hsh) != 0) {
			rc = socle_err_set(err, SOCLE_E_IO, "fichier altéré : %s", path);
			goto done;
		}
		n++;
	}
	*checked = n;
done:
	sqlite3_finalize(st);
	sqlite3_close(h);
	return rc;
}
