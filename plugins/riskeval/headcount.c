/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The rule point company_headcount(company, on_date): which headcount decides
 * the DUERP's thresholds of 11 (yearly update, R4121-2) and 50 (PAPRIPACT,
 * L4121-3-1 III) and the prevention action's support (issue 14 item 3). The
 * Code counts the workforce by L1111-2 (averages over the year, part-time
 * prorated), which the service cannot compute from what it holds; the
 * default answers with what the employer declared, and a service that
 * prefers another count (e.g. the declared workers only) ships its own
 * company_headcount. */
#include "riskeval.h"

struct active {
	const char *on;
	int64_t active, sir;
};

static int count_active(const struct membership_worker_row *w, void *ud)
{
	struct active *a = ud;

	if (w->start_date != NULL && strcmp(w->start_date, a->on) > 0)
		return 0; /* not yet hired */
	if (w->end_date != NULL && strcmp(w->end_date, a->on) < 0)
		return 0; /* left the company */
	a->active++;
	if (w->category != NULL && strcmp(w->category, "SIR") == 0)
		a->sir++;
	return 0;
}

static int headcount_contract(const json_t *r, socle_err *err)
{
	const json_t *h = json_object_get(r, "headcount"), *e = json_object_get(r, "explanation");

	if (!json_is_object(r))
		return socle_err_set(err, SOCLE_E_CONTRACT, "le résultat doit être une table");
	if (!json_is_integer(h) || json_integer_value(h) < 0 || json_integer_value(h) > 10000000)
		return socle_err_set(err, SOCLE_E_CONTRACT, "headcount doit être un entier positif");
	if (!json_is_string(e) || json_string_length(e) == 0 || json_string_length(e) > 4000)
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "explanation doit être un texte non vide (4000 octets au plus)");
	if (!json_is_array(json_object_get(r, "basis")) ||
	    json_array_size(json_object_get(r, "basis")) == 0)
		return socle_err_set(err, SOCLE_E_CONTRACT, "basis doit être une liste non vide");
	return 0;
}

static const struct socle_rule_point headcount_rule = {
	.name = "company_headcount",
	.contract =
		"company_headcount(company, on_date) -> { headcount = entier >= 0, basis = { articles, "
		"non vide }, explanation = phrase en français }. company = { id, declared_headcount? "
		"(l'effectif déclaré à l'adhésion), active_workers (les salariés déclarés employés ce "
		"jour-là), sir_workers } ; on_date = le jour de la question.",
	.n_args = 2,
	.check = headcount_contract,
};

json_t *riskeval_company_headcount(socle_service *svc, socle_db *db, int64_t company,
                                   const char *on_date, socle_err *err)
{
	json_t *c = riskeval_membership->company_get(db, company, err), *out = NULL;

	if (c == NULL)
		return NULL;
	struct active a = {on_date, 0, 0};
	int rc = riskeval_membership->workers_each(db, company, 0, count_active, &a, err);
	json_t *args = rc == 0 ? json_pack("[{s:I, s:O?, s:I, s:I}, s]", "id", (json_int_t)company,
	                                   "declared_headcount", json_object_get(c, "headcount"),
	                                   "active_workers", (json_int_t)a.active, "sir_workers",
	                                   (json_int_t)a.sir, on_date)
	                       : NULL;
	json_decref(c);
	if (args == NULL) {
		if (err->code == 0)
			socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
		return NULL;
	}
	rc = socle_rule_call(svc, "company_headcount", args, &out, err);
	json_decref(args);
	return rc == 0 ? out : NULL;
}

int riskeval_headcount_init(socle_plugin *p, socle_err *err)
{
	return socle_plugin_add_rule_point(p, &headcount_rule, err);
}
