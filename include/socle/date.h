/* SPDX-License-Identifier: AGPL-3.0-or-later */
/** @file
 * Calendar dates for plugins: "YYYY-MM-DD" text, or day numbers counted from
 * 1970-01-01, in the proleptic Gregorian calendar, years 1 to 9999. The same
 * arithmetic as socle.date in Lua, so that a due date computed in C and one
 * computed by a rule pack agree to the day. (ABI 1.1)
 */
#ifndef SOCLE_DATE_H
#define SOCLE_DATE_H

#include <socle/defs.h>

#define SOCLE_DATE_SIZE 11 /* "YYYY-MM-DD" and its NUL */

/** Is @p text exactly "YYYY-MM-DD" and a real calendar date? */
SOCLE_API bool socle_date_valid(const char *text);
/** Parse @p text into a day number; false unless socle_date_valid. */
SOCLE_API bool socle_date_parse(const char *text, int64_t *out_days);
/** Parse @p text into its year, month and day; false unless socle_date_valid. */
SOCLE_API bool socle_date_parts(const char *text, int *year, int *month, int *day);
/** Day number of a civil date (the date must be valid). */
SOCLE_API int64_t socle_date_from_civil(int year, int month, int day);
/** Text of day number @p days; false when its year is out of range. */
SOCLE_API bool socle_date_format(int64_t days, char out[SOCLE_DATE_SIZE]);
/** Days in @p month of @p year (1-12). */
SOCLE_API int socle_date_month_days(int year, int month);
/** @p text plus @p n days (n may be negative); false on a bad date or range. */
SOCLE_API bool socle_date_add_days(const char *text, int64_t n, char out[SOCLE_DATE_SIZE]);
/** @p text plus @p n months, the day clamped to the end of the target month
 * (2025-01-31 + 1 month = 2025-02-28); years are 12 months. */
SOCLE_API bool socle_date_add_months(const char *text, int64_t n, char out[SOCLE_DATE_SIZE]);
/** @p b minus @p a in days; false on a bad date. */
SOCLE_API bool socle_date_diff_days(const char *a, const char *b, int64_t *out);
/** Today's date (UTC) from the core's clock, socle_now_ms(). */
SOCLE_API void socle_date_today(char out[SOCLE_DATE_SIZE]);

/* ---- dates and times as people read them, in French (ABI 1.4) ---- */
#define SOCLE_DATE_FR_SIZE 32 /* "1er septembre 2025" and its NUL, with room */
/** "10 mars 2025", "1er mai 2026" from "YYYY-MM-DD" (or the date that starts
 * "YYYY-MM-DDTHH:MM..."); false, with @p text copied as is, when it is not a
 * date. */
SOCLE_API bool socle_date_fr(const char *text, char out[SOCLE_DATE_FR_SIZE]);
/** "9 h 00", "14 h 30" (the French typographic form: no leading zero). */
SOCLE_API void socle_time_fr(int hour, int minute, char out[16]);
/** The month @p month (1-12) in French, lower case ("?" outside). */
SOCLE_API const char *socle_month_fr(int month);

#endif
