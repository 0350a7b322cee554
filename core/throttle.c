/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Login throttling: counts failed logins per key (an account's email, a client
 * address) and locks a key that fails too often.
 *
 * A key that reaches max_failures inside one window is locked for lock_ms;
 * each further lock of the same key doubles the delay up to max_lock_ms, and
 * the doubling is forgotten after forget_ms without failures.  A successful
 * login clears the account's key.  State lives in memory, per service and per
 * process: a restart forgets it, which only gives an attacker back the few
 * attempts of one window.
 *
 * The table is keyed with SipHash under a random key so that chosen emails
 * cannot pile up in one bucket, and it is bounded: when full, stale entries
 * go first, then unlocked ones; a table full of locked keys stops tracking new
 * keys rather than growing (logged once per fill). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth.h"

#define THROTTLE_BUCKETS 4096u
#define THROTTLE_KEY_MAX 320

struct throttle_entry {
	struct throttle_entry *next;
	int64_t window_start_ms; /* start of the current counting window */
	int64_t locked_until_ms; /* 0 when never locked */
	int64_t last_fail_ms;
	int failures;            /* in the current window */
	int locks;               /* locks so far, for the growing delay */
	char key[];
};

/* Copy @p key into @p buf, truncated to THROTTLE_KEY_MAX bytes, so that every
 * entry point agrees on the key of an over-long input. */
static size_t key_copy(const char *key, char buf[THROTTLE_KEY_MAX + 1])
{
	size_t klen = strnlen(key, THROTTLE_KEY_MAX);

	memcpy(buf, key, klen);
	buf[klen] = '\0';
	return klen;
}

static size_t bucket_of(const struct auth_throttle *t, const char *key)
{
	unsigned char h[crypto_shorthash_BYTES];
	uint64_t v;

	crypto_shorthash(h, (const unsigned char *)key, strlen(key), t->hash_key);
	memcpy(&v, h, sizeof(v));
	return (size_t)(v & (THROTTLE_BUCKETS - 1));
}

int auth_throttle_init(struct auth_throttle *t, const struct auth_throttle_policy *pol)
{
	memset(t, 0, sizeof(*t));
	if (sodium_init() < 0)
		return SOCLE_E_INTERNAL;
	t->buckets = calloc(THROTTLE_BUCKETS, sizeof(*t->buckets));
	if (t->buckets == NULL)
		return SOCLE_E_NOMEM;
	if (pthread_mutex_init(&t->mu, NULL) != 0) {
		free(t->buckets);
		t->buckets = NULL;
		return SOCLE_E_INTERNAL;
	}
	t->pol = *pol;
	if (t->pol.max_failures < 1)
		t->pol.max_failures = 1;
	if (t->pol.max_entries == 0)
		t->pol.max_entries = 65536;
	crypto_shorthash_keygen(t->hash_key);
	return 0;
}

void auth_throttle_fini(struct auth_throttle *t)
{
	if (t->buckets == NULL)
		return;
	for (size_t b = 0; b < THROTTLE_BUCKETS; b++) {
		struct throttle_entry *e = t->buckets[b];

		while (e != NULL) {
			struct throttle_entry *next = e->next;

			free(e);
			e = next;
		}
	}
	free(t->buckets);
	pthread_mutex_destroy(&t->mu);
	memset(t, 0, sizeof(*t));
}

static struct throttle_entry *find(struct auth_throttle *t, const char *key, size_t b)
{
	for (struct throttle_entry *e = t->buckets[b]; e != NULL; e = e->next)
		if (strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

/* Is this entry worth keeping at @p now? */
static bool entry_live(const struct auth_throttle *t, const struct throttle_entry *e, int64_t now_ms)
{
	if (e->locked_until_ms > now_ms)
		return true;
	if (now_ms - e->window_start_ms < t->pol.window_ms && e->failures > 0)
		return true;
	/* Keep the memory of past locks while the growing delay still applies. */
	return e->locks > 0 && now_ms - e->last_fail_ms < t->pol.forget_ms;
}

/* Drop entries: stale ones, or (when @p hard) every entry not locked now. */
static void sweep(struct auth_throttle *t, int64_t now_ms, bool hard)
{
	for (size_t b = 0; b < THROTTLE_BUCKETS; b++) {
		struct throttle_entry **pp = &t->buckets[b];

		while (*pp != NULL) {
			struct throttle_entry *e = *pp;
			bool drop = hard ? e->locked_until_ms <= now_ms : !entry_live(t, e, now_ms);

			if (drop) {
				*pp = e->next;
				free(e);
				t->n_entries--;
			} else {
				pp = &e->next;
			}
		}
	}
}

int64_t auth_throttle_blocked(struct auth_throttle *t, const char *key, int64_t now_ms)
{
	int64_t left = 0;
	char kbuf[THROTTLE_KEY_MAX + 1];

	if (key == NULL || t->buckets == NULL)
		return 0;
	key_copy(key, kbuf);
	pthread_mutex_lock(&t->mu);
	struct throttle_entry *e = find(t, kbuf, bucket_of(t, kbuf));

	if (e != NULL && e->locked_until_ms > now_ms)
		left = e->locked_until_ms - now_ms;
	pthread_mutex_unlock(&t->mu);
	return left;
}

int64_t auth_throttle_fail(struct auth_throttle *t, const char *key, int64_t now_ms)
{
	int64_t left = 0;
	char kbuf[THROTTLE_KEY_MAX + 1];

	if (key == NULL || t->buckets == NULL)
		return 0;
	size_t klen = key_copy(key, kbuf);

	pthread_mutex_lock(&t->mu);
	size_t b = bucket_of(t, kbuf);
	struct throttle_entry *e = find(t, kbuf, b);

	if (e == NULL) {
		if (t->n_entries >= t->pol.max_entries)
			sweep(t, now_ms, false);
		if (t->n_entries >= t->pol.max_entries)
			sweep(t, now_ms, true);
		if (t->n_entries >= t->pol.max_entries) {
			if (!t->full_logged)
				socle_log(SOCLE_LOG_WARN, "login throttle table full (%zu keys locked)",
				          t->n_entries);
			t->full_logged = true;
			pthread_mutex_unlock(&t->mu);
			return 0;
		}
		t->full_logged = false;
		e = calloc(1, sizeof(*e) + klen + 1);
		if (e == NULL) {
			pthread_mutex_unlock(&t->mu);
			return 0;
		}
		memcpy(e->key, kbuf, klen + 1);
		e->window_start_ms = now_ms;
		e->next = t->buckets[b];
		t->buckets[b] = e;
		t->n_entries++;
	}
	if (e->locks > 0 && now_ms - e->last_fail_ms >= t->pol.forget_ms)
		e->locks = 0;
	if (now_ms - e->window_start_ms >= t->pol.window_ms) {
		e->window_start_ms = now_ms;
		e->failures = 0;
	}
	e->last_fail_ms = now_ms;
	if (e->locked_until_ms > now_ms) {
		/* Failing while locked (callers normally refuse before verifying). */
		left = e->locked_until_ms - now_ms;
	} else if (++e->failures >= t->pol.max_failures) {
		int64_t lock = t->pol.lock_ms;

		for (int i = 0; i < e->locks && lock < t->pol.max_lock_ms; i++)
			lock *= 2;
		if (lock > t->pol.max_lock_ms)
			lock = t->pol.max_lock_ms;
		e->locks++;
		e->locked_until_ms = now_ms + lock;
		e->failures = 0;
		e->window_start_ms = now_ms;
		left = lock;
	}
	pthread_mutex_unlock(&t->mu);
	return left;
}

void auth_throttle_clear(struct auth_throttle *t, const char *key)
{
	char kbuf[THROTTLE_KEY_MAX + 1];

	if (key == NULL || t->buckets == NULL)
		return;
	key_copy(key, kbuf);
	pthread_mutex_lock(&t->mu);
	size_t b = bucket_of(t, kbuf);

	for (struct throttle_entry **pp = &t->buckets[b]; *pp != NULL; pp = &(*pp)->next) {
		if (strcmp((*pp)->key, kbuf) == 0) {
			struct throttle_entry *e = *pp;

			*pp = e->next;
			free(e);
			t->n_entries--;
			break;
		}
	}
	pthread_mutex_unlock(&t->mu);
}

size_t auth_throttle_count(struct auth_throttle *t)
{
	pthread_mutex_lock(&t->mu);
	size_t n = t->n_entries;

	pthread_mutex_unlock(&t->mu);
	return n;
}

/* ---------------------------------------------------------- the sign-in guard */

static void pair_key(const char *email, const char *address, char out[THROTTLE_KEY_MAX + 1])
{
	snprintf(out, THROTTLE_KEY_MAX + 1, "%s|%s", email, address ? address : "");
}

int64_t auth_login_blocked(struct auth_service *a, const char *email, const char *address,
                           int64_t now_ms, const char **which)
{
	char pair[THROTTLE_KEY_MAX + 1];

	pair_key(email, address, pair);
	int64_t acct = auth_throttle_blocked(&a->throttle_account, pair, now_ms);
	int64_t any = auth_throttle_blocked(&a->throttle_account_any, email, now_ms);
	int64_t addr = auth_throttle_blocked(&a->throttle_address, address ? address : "", now_ms);

	if (acct < any)
		acct = any;
	if (which)
		*which = acct >= addr ? "account" : "address";
	return acct > addr ? acct : addr;
}

int64_t auth_login_fail(struct auth_service *a, const char *email, const char *address,
                        int64_t now_ms)
{
	char pair[THROTTLE_KEY_MAX + 1];

	pair_key(email, address, pair);
	int64_t acct = auth_throttle_fail(&a->throttle_account, pair, now_ms);
	int64_t any = auth_throttle_fail(&a->throttle_account_any, email, now_ms);
	int64_t addr = auth_throttle_fail(&a->throttle_address, address ? address : "", now_ms);

	if (acct < any)
		acct = any;
	return acct > addr ? acct : addr;
}

void auth_login_clear(struct auth_service *a, const char *email, const char *address)
{
	char pair[THROTTLE_KEY_MAX + 1];

	pair_key(email, address, pair);
	auth_throttle_clear(&a->throttle_account, pair);
	auth_throttle_clear(&a->throttle_account_any, email);
}
