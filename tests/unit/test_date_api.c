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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
