/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* What the billing files share (billing.c, score.c, fee.c, invoices.c),
 * beside the plugin's interface of membership.h. Money crosses the rule
 * points as euros and is stored and compared as integer cents. Internal to
 * the plugin (hidden visibility). */
#ifndef SOCLE_PLUGIN_MEMBERSHIP_BILLING_H
#define SOCLE_PLUGIN_MEMBERSHIP_BILLING_H

#include "membership.h"

/* Year of a query or body value: 2000..2100 (a fee before the first SPSTI
 * reform or a century ahead is a typo). */
#define YEAR_MIN 2000
#define YEAR_MAX 2100

/* ---- billing.c: dates and money ---- */
/* Today and a day as day numbers since 1970-01-01 (the core's calendar). */
int64_t membership_today_days(void);
void membership_date_of_days(int64_t days, char out[11]);
/* Euros (a JSON number with at most two decimals) to cents. false when the
 * value is not a number, negative, huge, or has fractions of a cent. */
bool membership_euros_to_cents(const json_t *v, int64_t *out);
/* Cents as a JSON number of euros (new). */
json_t *membership_json_euros(int64_t cents);
/* socle_field check of a reference or a reason: no control character. */
int membership_check_no_control(const json_t *v, char *msg, size_t size);

/* ---- fee.c ---- */
/* The national band of a year (D4622-27-4, -5). */
struct fee_band {
	bool applies;
	int64_t average_cents, min_cents, max_cents;
	const char *basis;
};

/* One computed fee, checked against its contract and the national band. */
struct fee {
	int year;
	json_t *result;       /* the rule point's result */
	int64_t rate_cents, total_cents, units;
	struct fee_band band;
	int64_t exception_id, exception_cents;
	bool compliant;
	char why[400];        /* French, when not compliant */
};

/* Compute the fee of @p company_id for @p year through the rule point, then
 * check it. Returns 0 (f->compliant tells the band result) or a negative code
 * with err set. */
int membership_fee_compute(socle_service *svc, socle_db *db, int64_t company_id, int year,
                           struct fee *f, socle_err *err);
void membership_fee_free(struct fee *f);
/* A year YEAR_MIN..YEAR_MAX from a query text into *out: 0, or -1. */
int membership_parse_year(const char *text, int *out);

#endif
