/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Sessions: random tokens, their rows in core_session, and the in-memory
 * cache that lets an authenticated read cost no database write.
 *
 * A token is 256 random bits in base64url; only its SHA-256 is stored, so a
 * copy of the database does not hold usable credentials.  A session ends at
 * its absolute expiry, after idle_ms without use, or when revoked (logout,
 * user disabled).
 *
 * The cache maps token hashes to principals.  A hit updates the idle clock in
 * memory; last_seen_at is written back at most once per touch_ms, and the row
 * (revocation, user disabled, scopes) is re-read at most once per
 * revalidate_ms.  A revocation made by another process (the `socle user
 * disable` and `passwd` commands) bumps core_auth_epoch, which every request
 * reads (one point read): when it moved, no cached session is trusted until
 * re-read, so the change holds at once on every thread.  Changes made in
 * this process drop the entries at once.  Two guards keep a load that raced with a
 * change out of the cache: a generation counter bumped by every drop, and
 * "marks" that keep a user's sessions out of the cache for a few seconds after
 * a change made inside a transaction that may not have committed yet. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "auth.h"

#define SESSION_BUCKETS 4096u
#define MARK_WINDOW_NS (5 * (int64_t)1000000000) /* keep changed users uncached */
#define MARKS_MAX 64                              /* more: mark everyone for the window */

struct session_entry {
	struct session_entry *next;
	unsigned char hash[AUTH_TOKEN_HASH_BYTES];
	socle_principal *who;      /* one reference owned by the cache */
	int64_t session_id;
	int64_t user_id;
	int64_t expires_at_ms;
	int64_t last_seen_ms;      /* idle clock, in memory */
	int64_t persisted_seen_ms; /* last_seen_at as written in the database */
	int64_t validated_ms;      /* when the row was last read */
	bool touching;             /* a thread is writing last_seen_at */
};

struct auth_user_mark {
	struct auth_user_mark *next;
	int64_t user_id;
	int64_t until_ns; /* monotonic */
};

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void auth_settings_default(struct auth_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->idle_ms = 30 * 60 * 1000;
	s->absolute_ms = 12 * 3600 * 1000;
	s->touch_ms = 60 * 1000;
	s->revalidate_ms = 10 * 1000;
	s->cache_max = 50000;
	s->cookie_secure = false;
	s->account = (struct auth_throttle_policy){
		.max_failures = 5,
		.window_ms = 15 * 60 * 1000,
		.lock_ms = 15 * 60 * 1000,
		.max_lock_ms = 24 * 3600 * 1000,
		.forget_ms = 24 * 3600 * 1000,
		.max_entries = 65536,
	};
	s->account_any = s->account;
	s->account_any.max_failures = 10 * s->account.max_failures;
	s->address = (struct auth_throttle_policy){
		.max_failures = 20,
		.window_ms = 15 * 60 * 1000,
		.lock_ms = 15 * 60 * 1000,
		.max_lock_ms = 24 * 3600 * 1000,
		.forget_ms = 24 * 3600 * 1000,
		.max_entries = 65536,
	};
	/* Public forms (membership application...): generous for a person, tight
	 * enough that a script cannot fill the review queue. */
	s->public_form = (struct auth_throttle_policy){
		.max_failures = 20,
		.window_ms = 3600 * 1000,
		.lock_ms = 3600 * 1000,
		.max_lock_ms = 24 * 3600 * 1000,
		.forget_ms = 24 * 3600 * 1000,
		.max_entries = 65536,
	};
}

/* ------------------------------------------------------------------ tokens */

void auth_token_new(char out[AUTH_TOKEN_CHARS + 1])
{
	unsigned char raw[AUTH_TOKEN_BYTES];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, AUTH_TOKEN_CHARS + 1, raw, sizeof(raw),
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

void auth_token_hash(const char *token, unsigned char out[AUTH_TOKEN_HASH_BYTES])
{
	crypto_hash_sha256(out, (const unsigned char *)token, strlen(token));
}

void auth_token_hash_hex(const char *token, char out[AUTH_TOKEN_HASH_HEX + 1])
{
	unsigned char h[AUTH_TOKEN_HASH_BYTES];

	auth_token_hash(token, h);
	sodium_bin2hex(out, AUTH_TOKEN_HASH_HEX + 1, h, sizeof(h));
}

/* Could @p token be one of ours? Refusing other shapes early keeps junk out
 * of the database and the cache. */
static bool token_shape_ok(const char *token)
{
	size_t n = 0;

	if (token == NULL)
		return false;
	for (; token[n] && n <= AUTH_TOKEN_CHARS; n++) {
		char c = token[n];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	return n == AUTH_TOKEN_CHARS;
}

/* ------------------------------------------------------------ service state */

int auth_service_open(socle_service *svc, socle_err *err)
{
	struct auth_service *a;
	int rc;

	if (sodium_init() < 0)
		return socle_err_set(err, SOCLE_E_INTERNAL, "libsodium could not start");
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
	a->svc = svc;
	a->epoch = -1;
	auth_settings_default(&a->settings);
	if (svc->core != NULL)
		a->settings.cookie_secure = svc->core->cookie_secure;
	a->n_buckets = SESSION_BUCKETS;
	a->buckets = calloc(a->n_buckets, sizeof(*a->buckets));
	if (a->buckets == NULL) {
		free(a);
		return socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
	}
	if (pthread_mutex_init(&a->mu, NULL) != 0) {
		free(a->buckets);
		free(a);
		return socle_err_set(err, SOCLE_E_INTERNAL, "cannot create a mutex");
	}
	rc = auth_throttle_init(&a->throttle_account, &a->settings.account);
	if (rc == 0) {
		rc = auth_throttle_init(&a->throttle_account_any, &a->settings.account_any);
		if (rc < 0)
			auth_throttle_fini(&a->throttle_account);
	}
	if (rc == 0) {
		rc = auth_throttle_init(&a->throttle_address, &a->settings.address);
		if (rc < 0) {
			auth_throttle_fini(&a->throttle_account);
			auth_throttle_fini(&a->throttle_account_any);
		}
	}
	if (rc == 0) {
		rc = auth_throttle_init(&a->throttle_public, &a->settings.public_form);
		if (rc < 0) {
			auth_throttle_fini(&a->throttle_account);
			auth_throttle_fini(&a->throttle_account_any);
			auth_throttle_fini(&a->throttle_address);
		}
	}
	if (rc < 0) {
		pthread_mutex_destroy(&a->mu);
		free(a->buckets);
		free(a);
		return socle_err_set(err, rc, "cannot create the login throttle");
	}
	svc->auth = a;
	/* So that the first login of an unknown email costs no more than others. */
	auth_password_prepare();
	return 0;
}

static void entry_free(struct session_entry *e)
{
	auth_principal_unref(e->who);
	free(e);
}

void auth_service_close(socle_service *svc)
{
	struct auth_service *a = svc ? svc->auth : NULL;

	if (a == NULL)
		return;
	for (size_t b = 0; b < a->n_buckets; b++) {
		struct session_entry *e = a->buckets[b];

		while (e != NULL) {
			struct session_entry *next = e->next;

			entry_free(e);
			e = next;
		}
	}
	while (a->marks != NULL) {
		struct auth_user_mark *m = a->marks;

		a->marks = m->next;
		free(m);
	}
	auth_throttle_fini(&a->throttle_account);
	auth_throttle_fini(&a->throttle_account_any);
	auth_throttle_fini(&a->throttle_address);
	auth_throttle_fini(&a->throttle_public);
	pthread_mutex_destroy(&a->mu);
	free(a->buckets);
	free(a);
	svc->auth = NULL;
}

/* ------------------------------------------------------------- cache (locked) */

static size_t bucket_of(const struct auth_service *a, const unsigned char *hash)
{
	uint64_t v;

	memcpy(&v, hash, sizeof(v)); /* a SHA-256 of random bytes: uniform */
	return (size_t)(v & (a->n_buckets - 1));
}

static struct session_entry **find_slot(struct auth_service *a, const unsigned char *hash)
{
	struct session_entry **pp = &a->buckets[bucket_of(a, hash)];

	for (; *pp != NULL; pp = &(*pp)->next)
		if (sodium_memcmp((*pp)->hash, hash, AUTH_TOKEN_HASH_BYTES) == 0)
			return pp;
	return pp;
}

static void unlink_slot(struct auth_service *a, struct session_entry **pp)
{
	struct session_entry *e = *pp;

	*pp = e->next;
	a->n_sessions--;
	entry_free(e);
}

/* Is @p user_id marked (recently changed)? Expired marks are removed. */
static bool user_marked(struct auth_service *a, int64_t user_id)
{
	int64_t now;
	bool found = false;

	if (a->marks == NULL && a->all_marked_until_ns == 0)
		return false;
	now = mono_ns();
	if (a->all_marked_until_ns != 0) {
		if (a->all_marked_until_ns > now)
			return true;
		a->all_marked_until_ns = 0;
	}
	for (struct auth_user_mark **pp = &a->marks; *pp != NULL;) {
		struct auth_user_mark *m = *pp;

		if (m->until_ns <= now) {
			*pp = m->next;
			free(m);
			a->n_marks--;
			continue;
		}
		if (m->user_id == user_id)
			found = true;
		pp = &m->next;
	}
	return found;
}

/* Drop the entries that cannot be used any more; when @p hard, also every
 * entry idle for more than a quarter of the idle timeout. */
static void cache_sweep(struct auth_service *a, int64_t now_ms, bool hard)
{
	const struct auth_settings *s = &a->settings;

	for (size_t b = 0; b < a->n_buckets; b++) {
		struct session_entry **pp = &a->buckets[b];

		while (*pp != NULL) {
			struct session_entry *e = *pp;
			bool dead = now_ms >= e->expires_at_ms || now_ms - e->last_seen_ms >= s->idle_ms ||
			            (hard && now_ms - e->last_seen_ms >= s->idle_ms / 4);

			if (dead && !e->touching)
				unlink_slot(a, pp);
			else
				pp = &e->next;
		}
	}
}

size_t auth_session_cached(socle_service *svc)
{
	struct auth_service *a = svc->auth;

	pthread_mutex_lock(&a->mu);
	size_t n = a->n_sessions;

	pthread_mutex_unlock(&a->mu);
	return n;
}

void auth_session_drop(socle_service *svc, const unsigned char hash[AUTH_TOKEN_HASH_BYTES])
{
	struct auth_service *a = svc ? svc->auth : NULL;

	if (a == NULL)
		return;
	pthread_mutex_lock(&a->mu);
	struct session_entry **pp = find_slot(a, hash);

	if (*pp != NULL)
		unlink_slot(a, pp);
	a->generation++;
	pthread_mutex_unlock(&a->mu);
}

void auth_session_forget_user(socle_service *svc, int64_t user_id)
{
	struct auth_service *a = svc ? svc->auth : NULL;

	if (a == NULL)
		return;
	struct auth_user_mark *m = malloc(sizeof(*m));

	pthread_mutex_lock(&a->mu);
	for (size_t b = 0; b < a->n_buckets; b++) {
		struct session_entry **pp = &a->buckets[b];

		while (*pp != NULL) {
			if ((*pp)->user_id == user_id)
				unlink_slot(a, pp);
			else
				pp = &(*pp)->next;
		}
	}
	a->generation++;
	int64_t until = mono_ns() + MARK_WINDOW_NS;
	struct auth_user_mark *same = NULL;

	for (struct auth_user_mark *it = a->marks; it != NULL && same == NULL; it = it->next)
		if (it->user_id == user_id)
			same = it;
	if (same != NULL) {
		same->until_ns = until;
	} else if (m != NULL && a->n_marks < MARKS_MAX) {
		m->user_id = user_id;
		m->until_ns = until;
		m->next = a->marks;
		a->marks = m;
		a->n_marks++;
		m = NULL;
	} else {
		/* Many users changed at once (a bulk import), or no memory for a
		 * mark: keep every session out of the cache for the window instead
		 * of scanning a long list on each request. */
		a->all_marked_until_ns = until;
	}
	free(m);
	pthread_mutex_unlock(&a->mu);
}

/* ------------------------------------------------------------ database side */

int auth_session_create(socle_db *wdb, int64_t user_id, struct auth_new_session *out,
                        socle_err *err)
{
	socle_service *svc = socle_db_service(wdb);
	struct auth_settings defaults;
	const struct auth_settings *s;
	char hash_hex[AUTH_TOKEN_HASH_HEX + 1];
	int rc;

	if (svc != NULL && svc->auth != NULL) {
		s = &svc->auth->settings;
	} else {
		auth_settings_default(&defaults);
		s = &defaults;
	}
	memset(out, 0, sizeof(*out));
	auth_token_new(out->token);
	auth_token_new(out->csrf_token);
	auth_token_hash_hex(out->token, hash_hex);
	out->created_at_ms = socle_now_ms();
	out->expires_at_ms = out->created_at_ms + s->absolute_ms;

	socle_stmt *st = socle_db_prepare(wdb,
	                                  "INSERT INTO core_session (token_hash, user_id, csrf_token,"
	                                  " created_at, last_seen_at, expires_at) VALUES (:token_hash,"
	                                  " :user_id, :csrf_token, :now, :now, :expires_at)",
	                                  err);

	if (st == NULL)
		return err && err->code ? err->code : SOCLE_E_STORE;
	socle_stmt_bind_text(st, ":token_hash", hash_hex);
	socle_stmt_bind_int(st, ":user_id", user_id);
	socle_stmt_bind_text(st, ":csrf_token", out->csrf_token);
	socle_stmt_bind_int(st, ":now", out->created_at_ms);
	socle_stmt_bind_int(st, ":expires_at", out->expires_at_ms);
	rc = socle_stmt_step(st, err);
	socle_stmt_release(st);
	if (rc < 0) {
		sodium_memzero(out->token, sizeof(out->token));
		return rc;
	}
	out->id = socle_db_last_insert_id(wdb);
	return 0;
}

int auth_session_revoke(socle_db *wdb, const unsigned char hash[AUTH_TOKEN_HASH_BYTES],
                        socle_err *err)
{
	char hex[AUTH_TOKEN_HASH_HEX + 1];
	int rc;

	sodium_bin2hex(hex, sizeof(hex), hash, AUTH_TOKEN_HASH_BYTES);
	socle_stmt *st = socle_db_prepare(wdb,
	                                  "UPDATE core_session SET revoked_at = :now"
	                                  " WHERE token_hash = :token_hash AND revoked_at IS NULL",
	                                  err);

	if (st == NULL)
		return err && err->code ? err->code : SOCLE_E_STORE;
	socle_stmt_bind_int(st, ":now", socle_now_ms());
	socle_stmt_bind_text(st, ":token_hash", hex);
	rc = socle_stmt_step(st, err);
	socle_stmt_release(st);
	return rc < 0 ? rc : 0;
}

int auth_session_revoke_user(socle_db *wdb, int64_t user_id, socle_err *err)
{
	int rc;
	socle_stmt *st = socle_db_prepare(wdb,
	                                  "UPDATE core_session SET revoked_at = :now"
	                                  " WHERE user_id = :user_id AND revoked_at IS NULL",
	                                  err);

	if (st == NULL)
		return err && err->code ? err->code : SOCLE_E_STORE;
	socle_stmt_bind_int(st, ":now", socle_now_ms());
	socle_stmt_bind_int(st, ":user_id", user_id);
	rc = socle_stmt_step(st, err);
	socle_stmt_release(st);
	if (rc < 0)
		return rc;
	/* Seen by every server process at its next request (auth_session_resolve). */
	rc = socle_db_run(wdb, "UPDATE core_auth_epoch SET n = n + 1 WHERE id = 1", NULL, err);
	if (rc < 0)
		return rc;
	auth_session_forget_user(socle_db_service(wdb), user_id);
	return 0;
}

/* The revocation counter (-1 when unreadable: the cache then runs on its
 * revalidation delay alone). */
static int64_t epoch_read(socle_service *svc)
{
	socle_err err = SOCLE_ERR_INIT;
	socle_db *db = socle_service_reader(svc, &err);
	socle_stmt *st = db ? socle_db_prepare(db, "SELECT n FROM core_auth_epoch WHERE id = 1",
	                                       &err)
	                    : NULL;
	int64_t n = -1;

	if (st == NULL)
		return -1;
	if (socle_stmt_step(st, &err) == 1)
		n = socle_stmt_int(st, 0);
	socle_stmt_release(st);
	return n;
}

/* The session row as read from the database. */
struct session_row {
	int64_t id, user_id, created_at, last_seen_at, expires_at;
	bool revoked;
	char csrf[AUTH_TOKEN_CHARS + 1];
};

/* 1 when found, 0 when not, negative on error. */
static int session_read(socle_db *db, const unsigned char *hash, struct session_row *row,
                        socle_err *err)
{
	char hex[AUTH_TOKEN_HASH_HEX + 1];
	int rc;

	sodium_bin2hex(hex, sizeof(hex), hash, AUTH_TOKEN_HASH_BYTES);
	socle_stmt *st = socle_db_prepare(db,
	                                  "SELECT id, user_id, csrf_token, created_at, last_seen_at,"
	                                  " expires_at, revoked_at FROM core_session"
	                                  " WHERE token_hash = :token_hash",
	                                  err);

	if (st == NULL)
		return err && err->code ? err->code : SOCLE_E_STORE;
	socle_stmt_bind_text(st, ":token_hash", hex);
	rc = socle_stmt_step(st, err);
	if (rc == 1) {
		const char *csrf = socle_stmt_text(st, 2);

		row->id = socle_stmt_int(st, 0);
		row->user_id = socle_stmt_int(st, 1);
		snprintf(row->csrf, sizeof(row->csrf), "%s", csrf ? csrf : "");
		row->created_at = socle_stmt_int(st, 3);
		row->last_seen_at = socle_stmt_int(st, 4);
		row->expires_at = socle_stmt_int(st, 5);
		row->revoked = !socle_stmt_is_null(st, 6);
	}
	socle_stmt_release(st);
	return rc;
}

struct touch_ctx {
	int64_t session_id;
	int64_t seen_ms;
};

static int touch_tx(socle_db *wdb, void *ud, socle_err *err)
{
	const struct touch_ctx *t = ud;
	int rc;
	socle_stmt *st = socle_db_prepare(wdb,
	                                  "UPDATE core_session SET last_seen_at = :seen"
	                                  " WHERE id = :id AND last_seen_at < :seen",
	                                  err);

	if (st == NULL)
		return err && err->code ? err->code : SOCLE_E_STORE;
	socle_stmt_bind_int(st, ":seen", t->seen_ms);
	socle_stmt_bind_int(st, ":id", t->session_id);
	rc = socle_stmt_step(st, err);
	socle_stmt_release(st);
	return rc < 0 ? rc : 0;
}

/* Write last_seen_at of a cached session; failures only cost an earlier idle
 * expiry after a restart, so they are logged, not returned. */
static void touch(struct auth_service *a, const unsigned char *hash, int64_t session_id,
                  int64_t seen_ms)
{
	struct touch_ctx t = {session_id, seen_ms};
	socle_err err = SOCLE_ERR_INIT;
	int rc = socle_service_write(a->svc, touch_tx, &t, &err);

	if (rc < 0)
		socle_log(SOCLE_LOG_WARN, "session %lld: cannot record last use: %s",
		          (long long)session_id, err.msg);
	pthread_mutex_lock(&a->mu);
	struct session_entry **pp = find_slot(a, hash);

	if (*pp != NULL) {
		(*pp)->touching = false;
		if (rc == 0 && (*pp)->persisted_seen_ms < seen_ms)
			(*pp)->persisted_seen_ms = seen_ms;
	}
	pthread_mutex_unlock(&a->mu);
}

static int refuse(const char **out_reason, const char *reason, socle_err *err)
{
	if (out_reason != NULL)
		*out_reason = reason;
	return socle_err_set(err, SOCLE_E_AUTH, "Session invalide ou expirée (%s).", reason);
}

int auth_session_resolve(socle_service *svc, const char *token, socle_principal **out,
                         const char **out_reason, socle_err *err)
{
	struct auth_service *a = svc ? svc->auth : NULL;
	unsigned char hash[AUTH_TOKEN_HASH_BYTES];
	int64_t now = socle_now_ms();
	int64_t cached_seen = 0;
	uint64_t gen;
	int rc;

	*out = NULL;
	if (out_reason != NULL)
		*out_reason = NULL;
	if (a == NULL)
		return socle_err_set(err, SOCLE_E_INTERNAL, "auth not opened on this service");
	if (!token_shape_ok(token))
		return refuse(out_reason, "unknown", err);
	auth_token_hash(token, hash);

	/* Another process (socle user disable, passwd) revoked sessions: no
	 * cached session is trusted until re-read (issue 11 item 8). One point
	 * read of the database per request; the cache still saves the writes. */
	int64_t epoch = epoch_read(svc);

	/* Fast path: a cached, recently validated session. */
	pthread_mutex_lock(&a->mu);
	if (epoch >= 0 && epoch != a->epoch) {
		if (a->epoch >= 0) {
			a->all_marked_until_ns = mono_ns() + MARK_WINDOW_NS;
			a->generation++;
		}
		a->epoch = epoch;
	}
	struct session_entry **pp = find_slot(a, hash);
	struct session_entry *e = *pp;

	if (e != NULL && user_marked(a, e->user_id)) {
		unlink_slot(a, pp);
		e = NULL;
	}
	if (e != NULL) {
		if (now >= e->expires_at_ms || now - e->last_seen_ms >= a->settings.idle_ms) {
			const char *why = now >= e->expires_at_ms ? "expired" : "idle";

			if (!e->touching)
				unlink_slot(a, pp);
			pthread_mutex_unlock(&a->mu);
			return refuse(out_reason, why, err);
		}
		if (now - e->validated_ms < a->settings.revalidate_ms) {
			bool need_touch = false;
			int64_t sid = e->session_id;

			if (now > e->last_seen_ms)
				e->last_seen_ms = now;
			if (!e->touching && now - e->persisted_seen_ms >= a->settings.touch_ms) {
				e->touching = true;
				need_touch = true;
			}
			*out = auth_principal_ref(e->who);
			pthread_mutex_unlock(&a->mu);
			if (need_touch)
				touch(a, hash, sid, now);
			return 0;
		}
		cached_seen = e->last_seen_ms;
	}
	gen = a->generation;
	pthread_mutex_unlock(&a->mu);

	/* Slow path: read the row and the user. */
	socle_db *db = socle_service_reader(svc, err);
	struct session_row row;

	if (db == NULL)
		return err && err->code ? err->code : SOCLE_E_STORE;
	rc = session_read(db, hash, &row, err);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return refuse(out_reason, "unknown", err);

	int64_t seen = row.last_seen_at > cached_seen ? row.last_seen_at : cached_seen;
	const char *why = NULL;

	if (row.revoked)
		why = "revoked";
	else if (now >= row.expires_at)
		why = "expired";
	else if (now - seen >= a->settings.idle_ms)
		why = "idle";
	if (why != NULL) {
		auth_session_drop(svc, hash);
		return refuse(out_reason, why, err);
	}

	socle_principal *who = NULL;
	bool disabled = false;

	rc = auth_user_load(db, row.user_id, &who, &disabled, err);
	if (rc == SOCLE_E_NOTFOUND || (rc == 0 && disabled)) {
		auth_principal_unref(who);
		auth_session_drop(svc, hash);
		return refuse(out_reason, "disabled", err);
	}
	if (rc < 0)
		return rc;
	who->session_id = row.id;
	who->expires_at_ms = row.expires_at;
	memcpy(who->csrf_token, row.csrf, sizeof(who->csrf_token));
	memcpy(who->token_hash, hash, sizeof(hash));

	/* Cache it, unless something changed meanwhile. */
	bool need_touch = now - row.last_seen_at >= a->settings.touch_ms;

	pthread_mutex_lock(&a->mu);
	if (a->generation == gen && !user_marked(a, row.user_id)) {
		pp = find_slot(a, hash);
		if (*pp != NULL && (*pp)->touching) {
			need_touch = false; /* another thread is writing it */
		} else {
			if (*pp != NULL)
				unlink_slot(a, pp);
			if (a->n_sessions >= a->settings.cache_max)
				cache_sweep(a, now, false);
			if (a->n_sessions >= a->settings.cache_max)
				cache_sweep(a, now, true);
			e = a->n_sessions < a->settings.cache_max ? calloc(1, sizeof(*e)) : NULL;
			if (e != NULL) {
				memcpy(e->hash, hash, sizeof(hash));
				e->who = auth_principal_ref(who);
				e->session_id = row.id;
				e->user_id = row.user_id;
				e->expires_at_ms = row.expires_at;
				e->last_seen_ms = now;
				e->persisted_seen_ms = row.last_seen_at;
				e->validated_ms = now;
				e->touching = need_touch;
				pp = find_slot(a, hash);
				e->next = *pp;
				*pp = e;
				a->n_sessions++;
			}
		}
	}
	pthread_mutex_unlock(&a->mu);
	if (need_touch)
		touch(a, hash, row.id, now);
	*out = who;
	return 0;
}
