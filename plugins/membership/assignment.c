/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The facts of a worker's assignment that set visits owed at a date (issue 10
 * item 13): the day a change of post takes effect (the visit is owed BEFORE a
 * move to night work, R4624-18, or to a SIR post, R4624-24), the day the
 * worker left the SIR (post-exposition, L4624-2-1, R4624-28-1), and the reason
 * of an exit (retraite: the post-exposition visit of a departure).
 *
 * The employer gives "effective_on" with a PATCH of the worker (default today,
 * not before the hire, at most a year ahead); the history row of the change is
 * dated that day. These facts are columns of membership_worker (migration 7)
 * that membership.v1's workers_each hands on (struct membership_worker_row). */
#include <stdio.h>
#include <string.h>

#include "membership.h"

const char membership_sql_assignment[] =
	"ALTER TABLE membership_worker ADD COLUMN end_reason TEXT CHECK (end_reason IS NULL"
	"  OR end_reason = 'retraite' OR end_reason = 'demission' OR end_reason = 'licenciement'"
	"  OR end_reason = 'fin_de_contrat' OR end_reason = 'rupture_conventionnelle'"
	"  OR end_reason = 'autre');"
	"ALTER TABLE membership_worker ADD COLUMN assigned_on TEXT;"
	"ALTER TABLE membership_worker ADD COLUMN assignment_declared_on TEXT;"
	"ALTER TABLE membership_worker ADD COLUMN sir_ended_on TEXT;";

const char *const membership_end_reasons[] = {
	"retraite", "demission", "licenciement", "fin_de_contrat", "rupture_conventionnelle",
	"autre", NULL,
};

int membership_effective_on_check(const json_t *old, const char *effective_on, const char *today,
                                  json_t **errors)
{
	const char *start = json_string_value(json_object_get(old, "start_date"));
	char limit[11];

	if (!socle_date_add_months(today, 12, limit))
		limit[0] = '\0';
	if (start && strcmp(effective_on, start) < 0) {
		socle_field_error(errors, "effective_on",
		                  "Le changement ne peut prendre effet avant l'embauche du %s.", start);
		return 1;
	}
	if (limit[0] && strcmp(effective_on, limit) > 0) {
		socle_field_error(errors, "effective_on",
		                  "Un changement se déclare au plus un an à l'avance (au plus tard "
		                  "le %s).", limit);
		return 1;
	}
	return 0;
}

static bool flag(const json_t *w, const char *k)
{
	return json_is_true(json_object_get(w, k));
}

static bool is_sir(const json_t *w)
{
	const char *c = json_string_value(json_object_get(w, "category"));

	return c != NULL && strcmp(c, "SIR") == 0;
}

static bool exposed_to(const json_t *w, const char *code)
{
	size_t i;
	const json_t *e;

	json_array_foreach(json_object_get(w, "exposures"), i, e)
		if (json_is_string(e) && strcmp(json_string_value(e), code) == 0)
			return true;
	return false;
}

static bool night(const json_t *w)
{
	return flag(w, "night_worker") || exposed_to(w, "travail_de_nuit");
}

int membership_assignment_note(socle_db *wdb, const json_t *old, const json_t *now,
                               const char *effective_on, const char *today, socle_err *err)
{
	/* A change that brings night work or the SIR (a SIR post, or an exposure
	 * that makes the category SIR) owes a visit before it takes effect. */
	bool brought = (night(now) && !night(old)) || (flag(now, "sir_post") && !flag(old, "sir_post"))
	               || (is_sir(now) && !is_sir(old));
	bool sir_left = is_sir(old) && !is_sir(now);
	bool sir_back = is_sir(now) && !is_sir(old);

	if (!brought && !sir_left && !sir_back)
		return 0;
	json_t *p = json_pack("{s:I, s:b, s:s, s:s, s:b, s:b}", "id",
	                      json_integer_value(json_object_get(now, "id")), "brought", brought,
	                      "on", effective_on, "today", today, "left", sir_left, "back", sir_back);
	if (p == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	int rc = socle_db_run(wdb,
		"UPDATE membership_worker SET"
		" assigned_on = CASE WHEN :brought THEN :on ELSE assigned_on END,"
		" assignment_declared_on = CASE WHEN :brought THEN :today ELSE assignment_declared_on END,"
		" sir_ended_on = CASE WHEN :left THEN :on WHEN :back THEN NULL ELSE sir_ended_on END"
		" WHERE id = :id", p, err);
	json_decref(p);
	return rc < 0 ? rc : 0;
}

int membership_end_reason_store(socle_db *wdb, int64_t worker_id, const char *end_reason,
                                socle_err *err)
{
	json_t *p = json_pack("{s:I, s:s?}", "id", (json_int_t)worker_id, "reason", end_reason);

	if (p == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	int rc = socle_db_run(wdb, "UPDATE membership_worker SET end_reason = :reason WHERE id = :id",
	                      p, err);
	json_decref(p);
	return rc < 0 ? rc : 0;
}
