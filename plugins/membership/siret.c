/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Identifiers a membership application carries: SIRET and SIREN (INSEE, Luhn
 * key, with the La Poste exception), NAF codes (INSEE nomenclatures NAF rév. 2
 * and NAF 2025) and IBAN (ISO 13616, mod 97).
 *
 * The checks are structural: they catch typing mistakes at the form, they do
 * not prove that the company exists (the SIRENE directory is not consulted). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "membership.h"

/* The SIREN of La Poste: its establishments are numbered beyond what the Luhn
 * key allows, so INSEE checks them by "sum of the digits is a multiple of 5"
 * instead; the head office (35600000000048) keeps a regular Luhn key. */
#define LA_POSTE_SIREN "356000000"
#define LA_POSTE_HEAD_OFFICE "35600000000048"

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return s[n] == '\0';
}

/* Luhn over @p n digits: from the right, every second digit is doubled (and
 * 9 subtracted when it exceeds 9); the total must be a multiple of 10. */
static bool luhn_ok(const char *s, size_t n)
{
	int sum = 0;

	for (size_t i = 0; i < n; i++) {
		int d = s[n - 1 - i] - '0';

		if (i % 2 == 1) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return sum % 10 == 0;
}

bool membership_siren_valid(const char *siren)
{
	return siren != NULL && strlen(siren) == 9 && all_digits(siren, 9) && luhn_ok(siren, 9);
}

/* The SIREN part of a regular SIRET has its own Luhn key. */
static bool siren_prefix_ok(const char *siret)
{
	char siren[10];

	memcpy(siren, siret, 9);
	siren[9] = '\0';
	return membership_siren_valid(siren);
}

bool membership_siret_valid(const char *siret)
{
	if (siret == NULL || strlen(siret) != 14 || !all_digits(siret, 14))
		return false;
	if (strncmp(siret, LA_POSTE_SIREN, 9) == 0 && strcmp(siret, LA_POSTE_HEAD_OFFICE) != 0) {
		int sum = 0;

		for (size_t i = 0; i < 14; i++)
			sum += siret[i] - '0';
		return sum % 5 == 0;
	}
	return luhn_ok(siret, 14) && siren_prefix_ok(siret);
}


/* Divisions (first two digits) of NAF rév. 2 / NACE Rev. 2. The numbering
 * has holes (04, 34, 40, 44, 48, 54, 57, 67, 76, 83, 89) left for later
 * revisions: a code in a hole is a typing mistake. */
static bool nafrev2_division(int d)
{
	static const unsigned char holes[] = {4, 34, 40, 44, 48, 54, 57, 67, 76, 83, 89};

	if (d < 1 || d > 99)
		return false;
	for (size_t i = 0; i < SOCLE_COUNT(holes); i++)
		if (holes[i] == d)
			return false;
	return true;
}

static bool why(char *buf, size_t size, const char *text)
{
	if (buf != NULL && size > 0)
		snprintf(buf, size, "%s", text);
	return false;
}

/* Both nomenclatures write a sub-class as "NN.NNL": division, group and
 * class digits, then the French sub-class letter (NAF rév. 2: "62.01Z";
 * NAF 2025, built on NACE Rev. 2.1, keeps the same shape, e.g. "62.10Y").
 * NAF 2025's list of divisions differs from rév. 2 and is not bundled here:
 * for it only the shape and the division range 01-99 are checked. */
bool membership_naf_valid(const char *code, const char *version, char *why_buf, size_t why_size)
{
	bool rev2;

	if (version != NULL && strcmp(version, "NAFrev2") == 0)
		rev2 = true;
	else if (version != NULL && strcmp(version, "NAF2025") == 0)
		rev2 = false;
	else
		return why(why_buf, why_size, "Nomenclature inconnue : « NAFrev2 » ou « NAF2025 ».");
	if (code == NULL || strlen(code) != 6 || !isdigit((unsigned char)code[0]) ||
	    !isdigit((unsigned char)code[1]) || code[2] != '.' || !isdigit((unsigned char)code[3]) ||
	    !isdigit((unsigned char)code[4]) || code[5] < 'A' || code[5] > 'Z')
		return why(why_buf, why_size,
		           "Le code NAF doit avoir la forme 00.00A (par exemple 10.71C).");
	int division = (code[0] - '0') * 10 + (code[1] - '0');

	if (rev2 ? !nafrev2_division(division) : (division < 1 || division > 99))
		return why(why_buf, why_size, "Cette division NAF n'existe pas dans la nomenclature.");
	return true;
}

/* Lengths of the IBAN of the SEPA countries (ISO 13616 registry). A country
 * outside this list is refused: SEPA direct debit works only inside SEPA. */
static const struct {
	char cc[3];
	unsigned char len;
} iban_lengths[] = {
	{"AD", 24}, {"AT", 20}, {"BE", 16}, {"BG", 22}, {"CH", 21}, {"CY", 28}, {"CZ", 24},
	{"DE", 22}, {"DK", 18}, {"EE", 20}, {"ES", 24}, {"FI", 18}, {"FR", 27}, {"GB", 22},
	{"GI", 23}, {"GR", 27}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IS", 26}, {"IT", 27},
	{"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21}, {"MC", 27}, {"MT", 31}, {"NL", 18},
	{"NO", 15}, {"PL", 28}, {"PT", 25}, {"RO", 24}, {"SE", 24}, {"SI", 19}, {"SK", 24},
	{"SM", 27}, {"VA", 22},
};

size_t membership_iban_compact(const char *iban, char *out, size_t size)
{
	size_t n = 0;

	if (iban == NULL || size == 0)
		return 0;
	for (const char *p = iban; *p; p++) {
		if (*p == ' ')
			continue;
		if (n + 1 >= size)
			return 0;
		out[n++] = (char)toupper((unsigned char)*p);
	}
	out[n] = '\0';
	return n;
}

bool membership_iban_valid(const char *iban)
{
	char s[40];
	size_t n = membership_iban_compact(iban, s, sizeof(s));
	size_t want = 0;

	if (n < 15)
		return false;
	for (size_t i = 0; i < SOCLE_COUNT(iban_lengths); i++)
		if (s[0] == iban_lengths[i].cc[0] && s[1] == iban_lengths[i].cc[1])
			want = iban_lengths[i].len;
	if (want == 0 || n != want || !isdigit((unsigned char)s[2]) || !isdigit((unsigned char)s[3]))
		return false;
	/* Mod 97 of the number made by moving the first four characters to the
	 * end and writing each letter as two digits (A = 10 ... Z = 35), computed
	 * digit by digit so that it never overflows. */
	unsigned rem = 0;

	for (size_t k = 0; k < n; k++) {
		char c = s[(k + 4) % n];

		if (isdigit((unsigned char)c)) {
			rem = (rem * 10 + (unsigned)(c - '0')) % 97;
		} else if (c >= 'A' && c <= 'Z') {
			unsigned v = (unsigned)(c - 'A') + 10;

			rem = (rem * 100 + v) % 97;
		} else {
			return false;
		}
	}
	return rem == 1;
}

/* "FR76 **** **** **** **** ***0 189" style: the country, the check digits
 * and the last four characters, the rest masked, in groups of four. */
void membership_iban_mask(const char *iban, char *out, size_t size)
{
	char s[40];
	size_t n = membership_iban_compact(iban, s, sizeof(s)), o = 0;

	if (size == 0)
		return;
	for (size_t i = 0; i < n && o + 2 < size; i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = ' ';
		out[o++] = (i < 4 || i + 4 >= n) ? s[i] : '*';
	}
	out[o] = '\0';
}
