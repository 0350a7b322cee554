/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Calendar arithmetic on day numbers. The conversion counts whole 400-year
 * eras (146097 days each) from 0000-03-01, so that the leap day falls at the
 * end of each counted year and the month lengths from March on follow the
 * simple (153 * m + 2) / 5 progression. */
#include <stdio.h>
#include <string.h>

#include <socle/bus.h>
#include <socle/date.h>

#include "date.h"

#define DAYS_PER_ERA 146097
#define DAYS_0000_03_01_TO_EPOCH 719468 /* from 0000-03-01 to 1970-01-01 */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

bool date_is_leap(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int date_month_days(int year, int month)
{
	static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (month == 2 && date_is_leap(year))
		return 29;
	return len[month - 1];
}

int64_t date_from_civil(int year, int month, int day)
{
	/* Count years from March: January and February belong to the year before. */
	int64_t y = month <= 2 ? (int64_t)year - 1 : year;
	int64_t era = floor_div(y, 400);
	int64_t yoe = y - era * 400;                                  /* 0..399 */
	int64_t mp = month > 2 ? month - 3 : month + 9;               /* March = 0 */
	int64_t doy = (153 * mp + 2) / 5 + day - 1;                    /* 0..365 */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* 0..146096 */

	return era * DAYS_PER_ERA + doe - DAYS_0000_03_01_TO_EPOCH;
}

void date_to_civil(int64_t days, int *year, int *month, int *day)
{
	int64_t z = days + DAYS_0000_03_01_TO_EPOCH;
	int64_t era = floor_div(z, DAYS_PER_ERA);
	int64_t doe = z - era * DAYS_PER_ERA;                                   /* 0..146096 */
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;    /* 0..399 */
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                  /* 0..365 */
	int64_t mp = (5 * doy + 2) / 153;                                       /* 0..11 */
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);

	*year = (int)y;
	*month = (int)m;
	*day = (int)d;
}

bool date_in_range(int64_t days)
{
	return days >= date_from_civil(DATE_YEAR_MIN, 1, 1) &&
	       days <= date_from_civil(DATE_YEAR_MAX, 12, 31);
}

static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

bool date_parse(const char *s, size_t len, int64_t *out_days)
{
	if (s == NULL || len != 10 || s[4] != '-' || s[7] != '-')
		return false;
	int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);

	if (y < DATE_YEAR_MIN || m < 1 || m > 12 || d < 1 || d > date_month_days(y, m))
		return false;
	*out_days = date_from_civil(y, m, d);
	return true;
}

bool date_format(int64_t days, char out[DATE_TEXT_SIZE])
{
	int y, m, d;

	if (!date_in_range(days))
		return false;
	date_to_civil(days, &y, &m, &d);
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = '\0';
	return true;
}

bool date_add_months(int64_t days, int64_t months, int64_t *out_days)
{
	int y, m, d;

	if (!date_in_range(days) || months > 12 * 10000 || months < -12 * 10000)
		return false;
	date_to_civil(days, &y, &m, &d);
	int64_t total = (int64_t)y * 12 + (m - 1) + months;
	int64_t ny = floor_div(total, 12);
	int nm = (int)(total - ny * 12) + 1;

	if (ny < DATE_YEAR_MIN || ny > DATE_YEAR_MAX)
		return false;
	int last = date_month_days((int)ny, nm);

	*out_days = date_from_civil((int)ny, nm, d > last ? last : d);
	return true;
}

int date_weekday(int64_t days)
{
	/* 1970-01-01 was a Thursday (ISO 4). */
	int64_t w = floor_div(days + 3, 7);

	return (int)(days + 3 - w * 7) + 1;
}

int64_t date_from_ms(int64_t ms)
{
	return floor_div(ms, 86400000);
}

/* ---- the public API (socle/date.h): text in, text out ---- */

SOCLE_API bool socle_date_valid(const char *text)
{
	int64_t days;

	return text != NULL && date_parse(text, strlen(text), &days);
}

SOCLE_API bool socle_date_parse(const char *text, int64_t *out_days)
{
	return text != NULL && date_parse(text, strlen(text), out_days);
}

SOCLE_API bool socle_date_parts(const char *text, int *year, int *month, int *day)
{
	int64_t days;

	if (!socle_date_parse(text, &days))
		return false;
	date_to_civil(days, year, month, day);
	return true;
}

SOCLE_API int64_t socle_date_from_civil(int year, int month, int day)
{
	return date_from_civil(year, month, day);
}

SOCLE_API bool socle_date_format(int64_t days, char out[SOCLE_DATE_SIZE])
{
	return date_format(days, out);
}

SOCLE_API int socle_date_month_days(int year, int month)
{
	return date_month_days(year, month);
}

SOCLE_API bool socle_date_add_days(const char *text, int64_t n, char out[SOCLE_DATE_SIZE])
{
	int64_t days;

	return socle_date_parse(text, &days) && date_format(days + n, out);
}

SOCLE_API bool socle_date_add_months(const char *text, int64_t n, char out[SOCLE_DATE_SIZE])
{
	int64_t days, moved;

	return socle_date_parse(text, &days) && date_add_months(days, n, &moved) &&
	       date_format(moved, out);
}

SOCLE_API bool socle_date_diff_days(const char *a, const char *b, int64_t *out)
{
	int64_t da, db;

	if (!socle_date_parse(a, &da) || !socle_date_parse(b, &db))
		return false;
	*out = db - da;
	return true;
}

SOCLE_API void socle_date_today(char out[SOCLE_DATE_SIZE])
{
	if (!date_format(date_from_ms(socle_now_ms()), out))
		out[0] = '\0';
}

SOCLE_API const char *socle_month_fr(int month)
{
	static const char *const months[12] = {"janvier", "février", "mars", "avril", "mai", "juin",
	                                       "juillet", "août", "septembre", "octobre",
	                                       "novembre", "décembre"};

	return month >= 1 && month <= 12 ? months[month - 1] : "?";
}

SOCLE_API bool socle_date_fr(const char *text, char out[SOCLE_DATE_FR_SIZE])
{
	char day[SOCLE_DATE_SIZE];
	int y, m, d;

	if (text == NULL || strnlen(text, 10) < 10) {
		snprintf(out, SOCLE_DATE_FR_SIZE, "%s", text ? text : "");
		return false;
	}
	memcpy(day, text, 10);
	day[10] = '\0';
	if (!socle_date_parts(day, &y, &m, &d)) {
		snprintf(out, SOCLE_DATE_FR_SIZE, "%s", text);
		return false;
	}
	/* The first of the month is "1er" in French dates. */
	snprintf(out, SOCLE_DATE_FR_SIZE, "%d%s %s %d", d, d == 1 ? "er" : "", socle_month_fr(m), y);
	return true;
}

SOCLE_API void socle_time_fr(int hour, int minute, char out[16])
{
	snprintf(out, 16, "%d h %02d", hour % 100, (minute % 60 + 60) % 60);
}
