/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The plugins' calendar (socle/date.h): validity, arithmetic with month-end
 * clamping, differences, today from the frozen clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <socle/socle.h>

#include "clock.h"

static void test_valid_and_parts(void **state)
{
	int y, m, d;
	(void)state;

	assert_true(socle_date_valid("2024-02-29"));
	assert_false(socle_date_valid("2025-02-29"));
	assert_false(socle_date_valid("2025-13-01"));
	assert_false(socle_date_valid("2025-1-01"));
	assert_false(socle_date_valid("2025-01-01T10:00"));
	assert_false(socle_date_valid(NULL));
	assert_true(socle_date_parts("1900-02-28", &y, &m, &d));
	assert_int_equal(y * 10000 + m * 100 + d, 19000228);
	assert_false(socle_date_valid("1900-02-29")); /* not a leap year */
	assert_true(socle_date_valid("2000-02-29"));  /* a leap year */
	assert_int_equal(socle_date_month_days(2024, 2), 29);
	assert_int_equal(socle_date_month_days(2025, 4), 30);
}

static void test_arithmetic(void **state)
{
	char out[SOCLE_DATE_SIZE];
	int64_t n;
	(void)state;

	assert_true(socle_date_add_days("2025-01-06", 30, out));
	assert_string_equal(out, "2025-02-05"); /* TC19: day 31 of a leave */
	assert_true(socle_date_add_days("2025-03-10", 8, out));
	assert_string_equal(out, "2025-03-18");
	assert_true(socle_date_add_months("2025-03-10", 3, out));
	assert_string_equal(out, "2025-06-10"); /* TC01 */
	assert_true(socle_date_add_months("2025-11-30", 3, out));
	assert_string_equal(out, "2026-02-28");
	assert_true(socle_date_add_months("2024-02-29", 12, out));
	assert_string_equal(out, "2025-02-28");
	assert_true(socle_date_add_months("2025-05-10", 40 * 12, out));
	assert_string_equal(out, "2065-05-10"); /* TC37 */
	assert_false(socle_date_add_months("9999-12-01", 1, out));
	assert_false(socle_date_add_days("nope", 1, out));
	assert_true(socle_date_diff_days("2025-01-06", "2025-03-09", &n));
	assert_int_equal(n, 62); /* 63 days, bounds inclusive */
	assert_int_equal(socle_date_from_civil(1970, 1, 1), 0);
	assert_true(socle_date_format(-1, out));
	assert_string_equal(out, "1969-12-31");
}

static void test_french_forms(void **state)
{
	char out[SOCLE_DATE_FR_SIZE], t[16];
	(void)state;

	assert_true(socle_date_fr("2025-03-10", out));
	assert_string_equal(out, "10 mars 2025");
	assert_true(socle_date_fr("2026-05-01T09:30", out)); /* the date of an instant */
	assert_string_equal(out, "1er mai 2026");
	assert_true(socle_date_fr("2025-08-31", out));
	assert_string_equal(out, "31 août 2025");
	assert_false(socle_date_fr("2025-02-30", out)); /* not a date: kept as is */
	assert_string_equal(out, "2025-02-30");
	assert_false(socle_date_fr(NULL, out));
	assert_string_equal(out, "");
	socle_time_fr(9, 0, t);
	assert_string_equal(t, "9 h 00");
	socle_time_fr(14, 5, t);
	assert_string_equal(t, "14 h 05");
	assert_string_equal(socle_month_fr(12), "décembre");
	assert_string_equal(socle_month_fr(13), "?");
}

static void test_page_cursor(void **state)
{
	json_t *items = json_pack("[{s:i}, {s:i}]", "id", 4, "id", 9);
	(void)state;

	json_t *c = socle_page_cursor(items, 2, "id"); /* full page: the last id, as text */
	assert_string_equal(json_string_value(c), "9");
	json_decref(c);
	c = socle_page_cursor(items, 3, "id"); /* short page: the end */
	assert_true(json_is_null(c));
	json_decref(c);
	c = socle_page_cursor(items, 2, "worker_id"); /* no such key: no cursor */
	assert_true(json_is_null(c));
	json_decref(c);
	json_decref(items);
}

static void test_today_follows_the_clock(void **state)
{
	char out[SOCLE_DATE_SIZE];
	(void)state;

	clock_freeze(1741599000000LL); /* 2025-03-10T09:30:00Z */
	socle_date_today(out);
	assert_string_equal(out, "2025-03-10");
	clock_advance(15 * 3600 * 1000LL); /* past midnight UTC */
	socle_date_today(out);
	assert_string_equal(out, "2025-03-11");
	clock_thaw();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_and_parts),
		cmocka_unit_test(test_arithmetic),
		cmocka_unit_test(test_today_follows_the_clock),
		cmocka_unit_test(test_french_forms),
		cmocka_unit_test(test_page_cursor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
