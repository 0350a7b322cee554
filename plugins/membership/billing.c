/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Prevention-culture score, membership fee and invoices (cahier des charges
 * 3.1 and 3.2.1.3; L4622-6, D4622-27-4 to -6).
 *
 *  - prevention_score(answers): a rule point (default in
 *    membership/scripts/membership_score.lua) computing a 0-5 score from the six
 *    questions of the seed; each computation is stored with its explanation.
 *  - membership_fee(company, year): a rule point (default in
 *    membership/scripts/membership_fee.lua), per capita. Whatever the service's
 *    script returns, fee.c then checks the national band (80-120 % of the
 *    national average cost of the year, an effective-dated table below): a
 *    fee outside it is refused unless the service recorded a general-assembly
 *    exception for that year.
 *  - invoices: one live invoice per company and year, numbered F-<year>-<seq>
 *    without reuse, amounts stored in cents.
 *
 * Money crosses the rule points as euros (numbers, at most two decimals) and
 * is stored and compared as integer cents, so that no float ever decides
 * whether a fee is inside the band.
 *
 * This file holds the schema of billing and the money and date helpers its
 * files share (billing.h); the score is in score.c, the fee, its band and the
 * general-assembly exceptions in fee.c, the invoices in invoices.c (their
 * document in invoice_doc.c). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "billing.h"

/* ------------------------------------------------------------------ schema */

const char membership_sql_billing[] =
	/* Every computation of the score is kept: the latest is the company's
	 * score, the others show how it moved. */
	"CREATE TABLE membership_prevention_score (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  company_id INTEGER NOT NULL REFERENCES membership_company (id),\n"
	"  score REAL NOT NULL CHECK (score >= 0 AND score <= 5),\n"
	"  answers TEXT NOT NULL,\n"        /* JSON object given to the rule point */
	"  result TEXT NOT NULL,\n"         /* JSON: the rule point's result */
	"  computed_at INTEGER NOT NULL,\n" /* ms */
	"  computed_by INTEGER\n"           /* user id; NULL when computed on an event */
	");\n"
	"CREATE INDEX membership_prevention_score_company ON membership_prevention_score "
	"(company_id, id);\n"
	/* A general-assembly decision allowing a per-worker fee outside the
	 * national band for one year (D4622-27-6). */
	"CREATE TABLE membership_fee_exception (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  year INTEGER NOT NULL UNIQUE,\n"
	"  amount_per_worker_cents INTEGER NOT NULL CHECK (amount_per_worker_cents >= 0),\n"
	"  decision_reference TEXT NOT NULL,\n"
	"  decided_on TEXT NOT NULL,\n"
	"  created_at INTEGER NOT NULL,\n"
	"  created_by INTEGER NOT NULL\n"
	");\n"
	/* Invoice numbers: one sequence per year, never reused (a cancelled
	 * invoice keeps its number). */
	"CREATE TABLE membership_invoice_seq (\n"
	"  year INTEGER PRIMARY KEY,\n"
	"  last_seq INTEGER NOT NULL\n"
	");\n"
	"CREATE TABLE membership_invoice (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  number TEXT NOT NULL UNIQUE,\n"
	"  company_id INTEGER NOT NULL REFERENCES membership_company (id),\n"
	"  year INTEGER NOT NULL,\n"
	"  units INTEGER NOT NULL CHECK (units >= 0),\n"
	"  amount_per_worker_cents INTEGER NOT NULL,\n"
	"  total_cents INTEGER NOT NULL CHECK (total_cents >= 0),\n"
	"  fee_exception_id INTEGER REFERENCES membership_fee_exception (id),\n"
	"  issued_on TEXT NOT NULL,\n"
	"  due_date TEXT NOT NULL,\n"
	"  status TEXT NOT NULL CHECK (status IN ('issued', 'paid', 'cancelled')),\n"
	"  paid_on TEXT,\n"
	"  cancelled_at INTEGER,\n"
	"  cancel_reason TEXT,\n"
	"  created_at INTEGER NOT NULL,\n"
	"  created_by INTEGER NOT NULL\n"
	");\n"
	/* One live (not cancelled) invoice per company and year; PostgreSQL has
	 * the same partial unique index. */
	"CREATE UNIQUE INDEX membership_invoice_live ON membership_invoice (company_id, year)\n"
	"  WHERE status <> 'cancelled';\n"
	"CREATE INDEX membership_invoice_company ON membership_invoice (company_id, id);\n"
	"CREATE TABLE membership_invoice_line (\n"
	"  invoice_id INTEGER NOT NULL REFERENCES membership_invoice (id),\n"
	"  position INTEGER NOT NULL,\n"
	"  label TEXT NOT NULL,\n"
	"  quantity REAL NOT NULL,\n"
	"  unit_price_cents INTEGER NOT NULL,\n"
	"  amount_cents INTEGER NOT NULL,\n"
	"  PRIMARY KEY (invoice_id, position)\n"
	");\n";

/* ------------------------------------------------------------ small helpers */

/* Dates: the core's calendar (socle/date.h), day numbers since 1970-01-01. */
int64_t membership_today_days(void)
{
	char today[SOCLE_DATE_SIZE];
	int64_t days = 0;

	socle_date_today(today);
	socle_date_parse(today, &days);
	return days;
}

void membership_date_of_days(int64_t days, char out[11])
{
	if (!socle_date_format(days, out))
		snprintf(out, 11, "%s", "9999-12-31");
}

/* Euros (a JSON number with at most two decimals) to cents. false when the
 * value is not a number, negative, huge, or has fractions of a cent. */
bool membership_euros_to_cents(const json_t *v, int64_t *out)
{
	if (!json_is_number(v))
		return false;
	double e = json_number_value(v);

	if (!isfinite(e) || e < 0 || e > 1e12)
		return false;
	double c = e * 100.0;
	double r = nearbyint(c);

	if (fabs(c - r) > 1e-6 * (fabs(c) > 1 ? fabs(c) : 1))
		return false;
	*out = (int64_t)r;
	return true;
}

json_t *membership_json_euros(int64_t cents)
{
	return json_real((double)cents / 100.0);
}

int membership_check_no_control(const json_t *v, char *msg, size_t size)
{
	for (const char *p = json_string_value(v); *p; p++)
		if ((unsigned char)*p < 0x20) {
			snprintf(msg, size, "Ne doit pas contenir de caractère de contrôle.");
			return -1;
		}
	return 0;
}
