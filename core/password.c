/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Password hashing and the password policy.
 *
 * Hashes are Argon2id (libsodium crypto_pwhash_str_alg) at OWASP's minimum
 * cost or above: t = 2 passes, m = 19 MiB, p = 1.  Each hash holds its own
 * parameters, so raising the cost later only needs a rehash at the next good
 * login (auth_password_needs_rehash).
 *
 * Hashing is deliberately expensive, so the number of hashes computed at the
 * same time is bounded by a process-wide semaphore sized to the number of
 * cores: a burst of logins queues instead of exhausting memory (19 MiB each)
 * and starving the request threads.
 *
 * Unknown accounts cost the same work as known ones: the caller verifies
 * against a dummy hash made once at first use, so response time does not tell
 * whether an email exists. */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "auth.h"

_Static_assert(AUTH_PWHASH_LEN == crypto_pwhash_STRBYTES, "AUTH_PWHASH_LEN");
_Static_assert(AUTH_PWHASH_MEMLIMIT >= 19u * 1024u * 1024u, "OWASP minimum memory");
_Static_assert(AUTH_PWHASH_OPSLIMIT >= 2, "OWASP minimum passes");

static pthread_once_t pw_once = PTHREAD_ONCE_INIT;
static sem_t pw_slots;           /* free hashing slots: at most one per core */
static bool pw_ready;            /* sodium and the semaphore are usable */
static unsigned pw_slot_count;

static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[AUTH_PWHASH_LEN]; /* verified against for unknown accounts */
static bool dummy_ready;

static void pw_init(void)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	if (cores < 1)
		cores = 1;
	if (cores > 64)
		cores = 64;
	pw_slot_count = (unsigned)cores;
	if (sodium_init() < 0)
		return;
	if (sem_init(&pw_slots, 0, pw_slot_count) != 0)
		return;
	pw_ready = true;
}

/* Wait for a hashing slot; false only if the subsystem could not start. */
static bool slot_take(void)
{
	pthread_once(&pw_once, pw_init);
	if (!pw_ready)
		return false;
	while (sem_wait(&pw_slots) != 0)
		if (errno != EINTR)
			return false;
	return true;
}

static void slot_give(void)
{
	sem_post(&pw_slots);
}

unsigned auth_password_concurrency(void)
{
	pthread_once(&pw_once, pw_init);
	return pw_slot_count;
}

/* Number of code points of a valid UTF-8 string, or -1 when it is not valid
 * UTF-8 (overlongs, surrogates and values above U+10FFFF are refused). */
static long utf8_length(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	long n = 0;

	while (*p) {
		unsigned c = *p;
		int extra;
		uint32_t cp;

		if (c < 0x80) {
			p++;
			n++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			extra = 1;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			extra = 2;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			extra = 3;
			cp = c & 0x07;
		} else {
			return -1;
		}
		for (int i = 1; i <= extra; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return -1;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
		    (extra == 3 && cp < 0x10000) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return -1;
		p += extra + 1;
		n++;
	}
	return n;
}

int auth_password_policy(const char *password, socle_err *err)
{
	if (password == NULL)
		return socle_err_set(err, SOCLE_E_INVAL, "Le mot de passe est obligatoire.");
	if (strlen(password) > AUTH_PASSWORD_MAX_BYTES)
		return socle_err_set(err, SOCLE_E_INVAL,
		                     "Le mot de passe est trop long (%d octets au plus).",
		                     AUTH_PASSWORD_MAX_BYTES);
	long n = utf8_length(password);

	if (n < 0)
		return socle_err_set(err, SOCLE_E_INVAL,
		                     "Le mot de passe contient des caractères invalides (UTF-8 attendu).");
	if (n < AUTH_PASSWORD_MIN_CHARS)
		return socle_err_set(err, SOCLE_E_INVAL,
		                     "Le mot de passe doit contenir au moins %d caractères.",
		                     AUTH_PASSWORD_MIN_CHARS);
	return 0;
}

int auth_password_hash(const char *password, char out[AUTH_PWHASH_LEN], socle_err *err)
{
	int rc = auth_password_policy(password, err);

	if (rc < 0)
		return rc;
	if (!slot_take())
		return socle_err_set(err, SOCLE_E_INTERNAL, "password hashing unavailable");
	rc = crypto_pwhash_str_alg(out, password, strlen(password), AUTH_PWHASH_OPSLIMIT,
	                           AUTH_PWHASH_MEMLIMIT, crypto_pwhash_ALG_ARGON2ID13);
	slot_give();
	if (rc != 0)
		return socle_err_set(err, SOCLE_E_NOMEM, "password hashing failed (out of memory)");
	return 0;
}

static void dummy_init(void)
{
	unsigned char rnd[32];
	char pw[2 * sizeof(rnd) + 1];

	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(pw, sizeof(pw), rnd, sizeof(rnd));
	if (crypto_pwhash_str_alg(dummy_hash, pw, strlen(pw), AUTH_PWHASH_OPSLIMIT,
	                          AUTH_PWHASH_MEMLIMIT, crypto_pwhash_ALG_ARGON2ID13) == 0)
		dummy_ready = true;
	sodium_memzero(pw, sizeof(pw));
}

void auth_password_prepare(void)
{
	if (slot_take()) {
		pthread_once(&dummy_once, dummy_init);
		slot_give();
	}
}

int auth_password_verify(const char *stored, const char *password)
{
	size_t len;

	if (password == NULL)
		password = "";
	len = strlen(password);
	if (len > AUTH_PASSWORD_MAX_BYTES)
		len = AUTH_PASSWORD_MAX_BYTES; /* bound the work; such a password never matches */
	if (!slot_take())
		return SOCLE_E_INTERNAL;
	if (stored == NULL || strncmp(stored, "$argon2id$", 10) != 0) {
		/* No usable hash (unknown account, no password set): do the same work
		 * against the dummy so timing reveals nothing, then refuse. */
		pthread_once(&dummy_once, dummy_init);
		if (dummy_ready) {
			volatile int sink = crypto_pwhash_str_verify(dummy_hash, password, len);

			(void)sink;
		}
		slot_give();
		return SOCLE_E_AUTH;
	}
	int rc = crypto_pwhash_str_verify(stored, password, len);

	slot_give();
	if (rc != 0 || strlen(password) > AUTH_PASSWORD_MAX_BYTES)
		return SOCLE_E_AUTH;
	return 0;
}

bool auth_password_needs_rehash(const char *stored)
{
	if (stored == NULL || strncmp(stored, "$argon2id$", 10) != 0)
		return true;
	return crypto_pwhash_str_needs_rehash(stored, AUTH_PWHASH_OPSLIMIT, AUTH_PWHASH_MEMLIMIT) != 0;
}
