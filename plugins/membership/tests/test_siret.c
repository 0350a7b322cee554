/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Unit tests of the identifiers a membership application carries (SIRET,
 * SIREN, NAF, IBAN) and of the invitation token helpers (SHA-256 against the
 * FIPS 180-4 vectors, random tokens). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "membership.h"

static void test_siret(void **state)
{
	(void)state;
	assert_true(membership_siret_valid("73282932000074"));
	assert_true(membership_siret_valid("55210055400013"));
	assert_true(membership_siret_valid("44306184100047"));
	/* one digit off: the Luhn key catches it */
	assert_false(membership_siret_valid("73282932000075"));
	assert_false(membership_siret_valid("44306184100048"));
	/* Luhn right over 14 digits but the SIREN part has a wrong key */
	assert_false(membership_siret_valid("12345678900007"));
	/* length, characters, spaces (the form compacts them before) */
	assert_false(membership_siret_valid("7328293200007"));
	assert_false(membership_siret_valid("732829320000740"));
	assert_false(membership_siret_valid("7328293200007A"));
	assert_false(membership_siret_valid("732 829 320 00074"));
	assert_false(membership_siret_valid(""));
	assert_false(membership_siret_valid(NULL));
}

static void test_siret_la_poste(void **state)
{
	(void)state;
	/* La Poste's establishments: the sum of the digits is a multiple of 5,
	 * whatever the Luhn key says */
	assert_true(membership_siret_valid("35600000049837"));
	assert_true(membership_siret_valid("35600000000001"));
	assert_false(membership_siret_valid("35600000012345"));
	/* a regular Luhn key is not enough for a La Poste establishment... */
	assert_false(membership_siret_valid("35600000000014"));
	/* ...but it is the rule of its head office */
	assert_true(membership_siret_valid("35600000000048"));
}

static void test_siren(void **state)
{
	(void)state;
	assert_true(membership_siren_valid("732829320"));
	assert_true(membership_siren_valid("356000000"));
	assert_false(membership_siren_valid("732829321"));
	assert_false(membership_siren_valid("123456789"));
	assert_false(membership_siren_valid("73282932"));
	assert_false(membership_siren_valid("7328293200"));
	assert_false(membership_siren_valid("73282932a"));
	assert_false(membership_siren_valid(NULL));
}

static void test_naf(void **state)
{
	char why[200];
	(void)state;

	assert_true(membership_naf_valid("10.71C", "NAFrev2", why, sizeof(why)));
	assert_true(membership_naf_valid("62.01Z", "NAFrev2", why, sizeof(why)));
	assert_true(membership_naf_valid("01.11Z", "NAFrev2", NULL, 0));
	/* holes of the nomenclature: division 04, 34, 89 do not exist */
	assert_false(membership_naf_valid("04.00Z", "NAFrev2", why, sizeof(why)));
	assert_non_null(strstr(why, "division"));
	assert_false(membership_naf_valid("89.00A", "NAFrev2", why, sizeof(why)));
	assert_false(membership_naf_valid("00.00A", "NAFrev2", why, sizeof(why)));
	/* shape */
	why[0] = 0;
	assert_false(membership_naf_valid("1071C", "NAFrev2", why, sizeof(why)));
	assert_non_null(strstr(why, "00.00A"));
	assert_false(membership_naf_valid("10.71c", "NAFrev2", why, sizeof(why)));
	assert_false(membership_naf_valid("10.7C1", "NAFrev2", why, sizeof(why)));
	assert_false(membership_naf_valid("10-71C", "NAFrev2", why, sizeof(why)));
	assert_false(membership_naf_valid(NULL, "NAFrev2", why, sizeof(why)));
	/* NAF 2025 has the same shape, its divisions are not checked here */
	assert_true(membership_naf_valid("62.10Y", "NAF2025", why, sizeof(why)));
	assert_true(membership_naf_valid("04.00Z", "NAF2025", why, sizeof(why)));
	assert_false(membership_naf_valid("00.10Y", "NAF2025", why, sizeof(why)));
	/* unknown nomenclature */
	assert_false(membership_naf_valid("10.71C", "NAFrev1", why, sizeof(why)));
	assert_non_null(strstr(why, "Nomenclature"));
	assert_false(membership_naf_valid("10.71C", NULL, why, sizeof(why)));
}

static void test_iban(void **state)
{
	char out[48];
	(void)state;

	assert_true(membership_iban_valid("FR7630006000011234567890189"));
	assert_true(membership_iban_valid("FR76 3000 6000 0112 3456 7890 189"));
	assert_true(membership_iban_valid("fr76 3000 6000 0112 3456 7890 189"));
	assert_true(membership_iban_valid("DE89370400440532013000"));
	/* bad checksum, wrong length for the country, unknown country, junk */
	assert_false(membership_iban_valid("FR7630006000011234567890188"));
	assert_false(membership_iban_valid("FR763000600001123456789018"));
	assert_false(membership_iban_valid("DE8937040044053201300"));
	assert_false(membership_iban_valid("XX7630006000011234567890189"));
	assert_false(membership_iban_valid("FR76-3000-6000-0112-3456-7890-189"));
	assert_false(membership_iban_valid("FRAB30006000011234567890189"));
	assert_false(membership_iban_valid(""));
	assert_false(membership_iban_valid(NULL));

	assert_int_equal(membership_iban_compact("fr76 3000 6000 0112 3456 7890 189", out,
	                                         sizeof(out)), 27);
	assert_string_equal(out, "FR7630006000011234567890189");
	assert_int_equal(membership_iban_compact("FR7630006000011234567890189", out, 10), 0);
	membership_iban_mask("FR76 3000 6000 0112 3456 7890 189", out, sizeof(out));
	assert_string_equal(out, "FR76 **** **** **** **** ***0 189");
	assert_null(strstr(out, "3000"));
}

static void test_sha256(void **state)
{
	char hex[65];
	(void)state;

	membership_sha256_hex("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	membership_sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	membership_sha256_hex(two, strlen(two), hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* a million 'a': many blocks and a padding block of its own */
	char *a = malloc(1000000);
	assert_non_null(a);
	memset(a, 'a', 1000000);
	membership_sha256_hex(a, 1000000, hex);
	free(a);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	/* 55 and 56 bytes: the length still fits or needs one more block */
	char b[64];
	memset(b, 'b', sizeof(b));
	membership_sha256_hex(b, 55, hex);
	assert_string_equal(hex, "eb2c86e932179f4ba13fe8715a26124b77d6bad290b9b4c1cc140cf633300c19");
	membership_sha256_hex(b, 56, hex);
	assert_string_equal(hex, "a5fc6e203a4c2b657d0d153885932414b2ffc6a93f0f8bf8b3183315e5a7212c");
	membership_sha256_hex(b, 64, hex);
	assert_string_equal(hex, "a0fab1377f49a759b57f63318262ebe89fabfc990e8e93ceac2984561482b9d4");
}

static void test_token(void **state)
{
	char a[65], b[65];
	socle_err err = SOCLE_ERR_INIT;
	(void)state;

	assert_int_equal(membership_token_new(a, &err), 0);
	assert_int_equal(membership_token_new(b, &err), 0);
	assert_int_equal(strlen(a), 64);
	assert_int_equal(strspn(a, "0123456789abcdef"), 64);
	assert_string_not_equal(a, b);
}

static void test_risks(void **state)
{
	bool sir = false;
	static const char *const sir_risks[] = {"amiante", "plomb", "cmr",
	                                        "agents_biologiques_3_4", "rayonnements_ionisants",
	                                        "milieu_hyperbare", "echafaudages"};
	(void)state;

	/* every R4624-23 I risk is in the list, as SIR */
	for (size_t i = 0; i < SOCLE_COUNT(sir_risks); i++) {
		sir = false;
		assert_true(membership_risk_known(sir_risks[i], &sir));
		assert_true(sir);
	}
	assert_true(membership_risk_known("bruit", &sir));
	assert_false(sir);
	assert_true(membership_risk_known("conduite_engins", &sir));
	assert_false(sir);
	assert_false(membership_risk_known("inconnu", NULL));
	assert_false(membership_risk_known(NULL, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siret),  cmocka_unit_test(test_siret_la_poste),
		cmocka_unit_test(test_siren),  cmocka_unit_test(test_naf),
		cmocka_unit_test(test_iban),   cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_token),  cmocka_unit_test(test_risks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
