/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Calendar dates as day numbers: the proleptic Gregorian calendar, days
 * counted from 1970-01-01, text form "YYYY-MM-DD" (years 1 to 9999). Used by
 * socle.date, effective-dated rules and parcours due dates. */
#ifndef SOCLE_CORE_DATE_H
#define SOCLE_CORE_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DATE_TEXT_SIZE 11 /* "YYYY-MM-DD" + NUL */
#define DATE_YEAR_MIN 1
#define DATE_YEAR_MAX 9999

/* Day number of a valid civil date (no range check). */
int64_t date_from_civil(int year, int month, int day);
/* Civil date of day number @p days. */
void date_to_civil(int64_t days, int *year, int *month, int *day);
bool date_is_leap(int year);
int date_month_days(int year, int month);
/* Parse exactly "YYYY-MM-DD" (@p len bytes) into a day number; false when the
 * text is not a real calendar date within the supported years. */
bool date_parse(const char *s, size_t len, int64_t *out_days);
/* Format day number @p days; false when its year is out of range. */
bool date_format(int64_t days, char out[DATE_TEXT_SIZE]);
/* Add @p months calendar months, clamping the day to the end of the target
 * month (2025-01-31 + 1 month = 2025-02-28). False when out of range. */
bool date_add_months(int64_t days, int64_t months, int64_t *out_days);
/* ISO weekday: 1 = Monday ... 7 = Sunday. */
int date_weekday(int64_t days);
/* The UTC day number of a Unix time in milliseconds. */
int64_t date_from_ms(int64_t ms);
/* Is @p days within the supported years? */
bool date_in_range(int64_t days);

#endif
