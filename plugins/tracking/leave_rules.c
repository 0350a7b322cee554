/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The contracts of leave.c's two rule points, what a service's own rules must
 * answer: leave_obligations(leave, on_date), the reprise, pré-reprise and
 * rendez-vous de liaison an arrêt gives rise to (default pack:
 * scripts/tracking_leave.lua), and visit_request_allowed(request), may this
 * person ask for this visit, and why. Each answer is checked here before
 * leave.c, planning and the reprise warning use it. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracking.h"

/* ---- rule point contracts ---------------------------------------------------- */

static const char *const obligation_types[] = {"visite_reprise", "pre_reprise",
                                               "rendez_vous_liaison", NULL};
static const char *const initiative_codes[] = {"worker", "employer", "medecin_traitant",
                                               "medecin_conseil", "medecin_du_travail", NULL};
static const char *const window_codes[] = {"a_venir", "en_cours", "passee", NULL};

static bool among(const char *const *list, const json_t *v)
{
	for (size_t i = 0; json_is_string(v) && list[i]; i++)
		if (strcmp(list[i], json_string_value(v)) == 0)
			return true;
	return false;
}

/* A non-empty list (at most @p max) of non-empty texts (1000 bytes at most). */
static int check_texts(const json_t *v, const char *key, size_t max, socle_err *err)
{
	size_t i;
	const json_t *e;

	if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > max)
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "%s doit être une liste non vide (au plus %zu) de textes", key, max);
	json_array_foreach(v, i, e)
		if (!json_is_string(e) || json_string_length(e) == 0 || json_string_length(e) > 1000)
			return socle_err_set(err, SOCLE_E_CONTRACT,
			                     "%s[%zu] doit être un texte non vide (1000 octets au plus)", key,
			                     i + 1);
	return 0;
}

static int check_text(const json_t *v, const char *key, socle_err *err)
{
	if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 4000)
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "%s doit être un texte non vide (4000 octets au plus)", key);
	return 0;
}

static int check_opt_date(const json_t *o, const char *key, const char *where, socle_err *err)
{
	const json_t *v = json_object_get(o, key);

	if (v != NULL && !socle_date_valid(json_string_value(v)))
		return socle_err_set(err, SOCLE_E_CONTRACT, "%s%s doit être une date \"AAAA-MM-JJ\"",
		                     where, key);
	return 0;
}

static int check_obligation(const json_t *o, size_t i, socle_err *err)
{
	char where[64], key[96];
	const json_t *req, *avail, *ini, *v;
	int rc;

	snprintf(where, sizeof(where), "obligations[%zu].", i + 1);
	if (!json_is_object(o))
		return socle_err_set(err, SOCLE_E_CONTRACT, "obligations[%zu] doit être une table",
		                     i + 1);
	if (!among(obligation_types, json_object_get(o, "type")))
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "%stype doit valoir \"visite_reprise\", \"pre_reprise\" ou "
		                     "\"rendez_vous_liaison\"", where);
	req = json_object_get(o, "required");
	avail = json_object_get(o, "available");
	if ((req == NULL) == (avail == NULL) || (req && !json_is_boolean(req)) ||
	    (avail && !json_is_boolean(avail)))
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "%s porte soit required, soit available (un booléen)", where);
	snprintf(key, sizeof(key), "%sbasis", where);
	if ((rc = check_texts(json_object_get(o, "basis"), key, 50, err)))
		return rc;
	snprintf(key, sizeof(key), "%sexplanation", where);
	if ((rc = check_text(json_object_get(o, "explanation"), key, err)))
		return rc;
	if ((rc = check_opt_date(o, "earliest", where, err)) ||
	    (rc = check_opt_date(o, "latest", where, err)))
		return rc;
	const char *e = json_string_value(json_object_get(o, "earliest"));
	const char *l = json_string_value(json_object_get(o, "latest"));
	if (e && l && strcmp(e, l) > 0)
		return socle_err_set(err, SOCLE_E_CONTRACT, "%searliest est postérieure à latest",
		                     where);
	if ((v = json_object_get(o, "who")) != NULL &&
	    (!json_is_string(v) || json_string_length(v) == 0))
		return socle_err_set(err, SOCLE_E_CONTRACT, "%swho doit être un texte non vide", where);
	if ((ini = json_object_get(o, "initiative")) != NULL) {
		size_t j;
		const json_t *x;

		if (!json_is_array(ini) || json_array_size(ini) > 10)
			return socle_err_set(err, SOCLE_E_CONTRACT, "%sinitiative doit être une liste",
			                     where);
		json_array_foreach(ini, j, x)
			if (!among(initiative_codes, x))
				return socle_err_set(err, SOCLE_E_CONTRACT,
				                     "%sinitiative[%zu] : worker, employer, medecin_traitant, "
				                     "medecin_conseil ou medecin_du_travail attendu", where, j + 1);
	}
	if ((v = json_object_get(o, "window_status")) != NULL && !among(window_codes, v))
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "%swindow_status doit valoir \"a_venir\", \"en_cours\" ou \"passee\"",
		                     where);
	if ((v = json_object_get(o, "provisional")) != NULL && !json_is_boolean(v))
		return socle_err_set(err, SOCLE_E_CONTRACT, "%sprovisional doit être un booléen", where);
	return 0;
}

/* Contract of leave_obligations (checked after every call and by socle check). */
static int leave_contract(const json_t *r, socle_err *err)
{
	const json_t *list = json_object_get(r, "obligations"), *o, *days;
	size_t i;
	int rc;

	if (!json_is_object(r))
		return socle_err_set(err, SOCLE_E_CONTRACT, "le résultat doit être une table");
	if (!json_is_array(list) || json_array_size(list) > 20)
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "obligations doit être une liste (20 au plus)");
	json_array_foreach(list, i, o)
		if ((rc = check_obligation(o, i, err)))
			return rc;
	days = json_object_get(r, "duration_days");
	if (days != NULL && (!json_is_integer(days) || json_integer_value(days) < 1))
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "duration_days doit être un entier positif");
	if ((rc = check_opt_date(r, "return_date", "", err)) ||
	    (rc = check_opt_date(r, "rules_of", "", err)))
		return rc;
	return 0;
}

static const struct socle_rule_point leave_rule = {
	.name = "leave_obligations",
	.contract =
		"leave_obligations(leave, on_date) -> { obligations = { { type = \"visite_reprise\" | "
		"\"pre_reprise\" | \"rendez_vous_liaison\", required = booléen (reprise) ou available = "
		"booléen (les autres), earliest = \"AAAA-MM-JJ\"?, latest = \"AAAA-MM-JJ\"? (earliest <= "
		"latest), who = \"medecin\" | \"employer\" ...?, initiative = { \"worker\" | "
		"\"employer\" | \"medecin_traitant\" | \"medecin_conseil\" | \"medecin_du_travail\" }?, "
		"window_status = \"a_venir\" | \"en_cours\" | \"passee\"?, provisional = booléen?, "
		"basis = { articles, non vide }, explanation = phrase en français } ... }, "
		"duration_days = entier?, return_date = \"AAAA-MM-JJ\"?, rules_of = \"AAAA-MM-JJ\"? }. "
		"leave = { cause = \"maternite\" | \"maladie_professionnelle\" | \"accident_travail\" | "
		"\"maladie\" | \"accident_non_professionnel\" | \"accident_trajet\", start, "
		"expected_end?, actual_end?, return_date? } ; les règles appliquées sont celles en "
		"vigueur à la date de début de l'arrêt ; on_date sert à la durée d'un arrêt sans fin "
		"connue et à window_status.",
	.n_args = 2,
	.check = leave_contract,
};

/* Contract of visit_request_allowed. */
static int request_contract(const json_t *r, socle_err *err)
{
	int rc;

	if (!json_is_object(r))
		return socle_err_set(err, SOCLE_E_CONTRACT, "le résultat doit être une table");
	if (!json_is_boolean(json_object_get(r, "allowed")))
		return socle_err_set(err, SOCLE_E_CONTRACT, "allowed doit être un booléen");
	if ((rc = check_text(json_object_get(r, "reason"), "reason", err)) ||
	    (rc = check_texts(json_object_get(r, "basis"), "basis", 50, err)))
		return rc;
	/* The window the visit must fall in, when the rule knows it. */
	const json_t *w = json_object_get(r, "window");
	if (w != NULL && !json_is_null(w)) {
		const char *from = json_string_value(json_object_get(w, "earliest"));
		const char *to = json_string_value(json_object_get(w, "latest"));

		if (!json_is_object(w) || (json_object_get(w, "earliest") && !socle_date_valid(from)) ||
		    (json_object_get(w, "latest") && !socle_date_valid(to)) ||
		    (from && to && strcmp(from, to) > 0))
			return socle_err_set(err, SOCLE_E_CONTRACT, "window doit être { earliest = "
			                     "\"AAAA-MM-JJ\"?, latest = \"AAAA-MM-JJ\"? }, earliest <= "
			                     "latest");
	}
	return 0;
}

static const struct socle_rule_point request_rule = {
	.name = "visit_request_allowed",
	.contract =
		"visit_request_allowed(request) -> { allowed = booléen, reason = phrase en français "
		"(le motif du refus, ou ce qui autorise la demande), basis = { articles, non vide }, "
		"window = { earliest?, latest? }? (les dates entre lesquelles la visite doit avoir lieu, "
		"quand la règle les connaît : la réservation s'y tient) }. "
		"request = { type = \"embauche\" | \"reprise\" | \"a_la_demande\" | \"pre_reprise\" | "
		"\"post_exposition\", requested_by = \"employer\" | \"worker\" | \"medecin\" (du "
		"travail) | \"medecin_traitant\" | \"medecin_conseil\", date = \"AAAA-MM-JJ\"?, leave = "
		"{ comme leave_obligations }?, exposure_end = \"AAAA-MM-JJ\"?, sir_or_exposed = "
		"booléen? }.",
	.n_args = 1,
	.check = request_contract,
};

int tracking_leave_rules_init(socle_plugin *p, socle_err *err)
{
	int rc;

	if ((rc = socle_plugin_add_rule_point(p, &leave_rule, err)) ||
	    (rc = socle_plugin_add_rule_point(p, &request_rule, err)))
		return rc;
	return 0;
}
