/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The indicators of the PDP (issue 17, item 8; seed 3.5.1.3, 3.5.2.2,
 * 3.5.3.2), over any period [from, to], for the service, one company
 * (company_id) or one NAF division (naf_division, two digits):
 *   - kept_after_pre_reprise: distinct workers whose case had a pré-reprise
 *     and whose one-year review, done in the period, says they are still in
 *     employment (same post, adjusted post, other post);
 *   - ald_with_recommendations: distinct workers the médecin flagged with a
 *     long-term illness, active in the period, whose post received
 *     recommendations (a proposal addressed to the employer); counts only,
 *     the flag itself never leaves the cell's medical readers;
 *   - social_support_people: distinct workers whose social support started in
 *     the period;
 *   - adjustment_requests: proposals of job adjustment issued by the médecins
 *     in the period (from visits and job studies; those held in the cell
 *     excluded).
 * Counts of people, never a name: the médecin and the service's
 * administrators read them (capability retention.indicators). */
#include <stdlib.h>

#include "retention.h"

#define SCOPE "(:company = 0 OR c.company_id = :company) AND (:naf IS NULL OR c.naf_division = :naf)"

static json_t *ratio(int64_t n, int64_t d)
{
	return json_pack("{s:I, s:I, s:o}", "count", (json_int_t)n, "of", (json_int_t)d, "percent",
	                 d > 0 ? json_real((double)((n * 1000 + d / 2) / d) / 10.0) : json_null());
}

json_t *retention_indicators_compute(socle_db *db, const char *from, const char *to,
                                     int64_t co, const char *naf, socle_err *err)
{
	json_t *r = socle_db_query_one_new(
		db,
		"SELECT"
		" (SELECT COUNT(DISTINCT c.worker_id) FROM retention_case c WHERE " SCOPE
		"   AND c.pre_reprise_on IS NOT NULL AND c.review_on BETWEEN :from AND :to) AS pre_all,"
		" (SELECT COUNT(DISTINCT c.worker_id) FROM retention_case c WHERE " SCOPE
		"   AND c.pre_reprise_on IS NOT NULL AND c.review_on BETWEEN :from AND :to"
		"   AND c.review_outcome IN ('maintien_poste', 'poste_amenage', 'autre_poste')) AS pre_kept,"
		" (SELECT COUNT(DISTINCT c.worker_id) FROM retention_case c WHERE " SCOPE
		"   AND c.ald = 1 AND c.proposed_on <= :to AND (c.closed_on IS NULL OR c.closed_on >= :from))"
		"   AS ald_all,"
		" (SELECT COUNT(DISTINCT c.worker_id) FROM retention_case c WHERE " SCOPE
		"   AND c.ald = 1 AND c.proposed_on <= :to AND (c.closed_on IS NULL OR c.closed_on >= :from)"
		"   AND EXISTS (SELECT 1 FROM retention_proposal p WHERE p.case_id = c.id AND p.status IN"
		"   ('sent', 'accepted', 'refused', 'done'))) AS ald_rec,"
		" (SELECT COUNT(DISTINCT s.worker_id) FROM retention_support s JOIN retention_case c ON"
		"   c.id = s.case_id WHERE " SCOPE " AND s.started_on BETWEEN :from AND :to) AS social,"
		" (SELECT COUNT(*) FROM retention_proposal p JOIN retention_case c ON c.id = p.case_id"
		"   WHERE " SCOPE " AND p.status <> 'held' AND p.proposed_on BETWEEN :from AND :to)"
		"   AS requests",
		json_pack("{s:s, s:s, s:I, s:s?}", "from", from, "to", to, "company", (json_int_t)co,
		          "naf", naf),
		err);
	if (r == NULL)
		return NULL;
	json_t *out = json_pack(
		"{s:s, s:s, s:o, s:o, s:o, s:I, s:I}", "from", from, "to", to, "scope",
		co ? json_pack("{s:I}", "company_id", (json_int_t)co)
		   : naf ? json_pack("{s:s}", "naf_division", naf) : json_string("service"),
		"kept_after_pre_reprise", ratio(iget(r, "pre_kept"), iget(r, "pre_all")),
		"ald_with_recommendations", ratio(iget(r, "ald_rec"), iget(r, "ald_all")),
		"social_support_people", (json_int_t)iget(r, "social"), "adjustment_requests",
		(json_int_t)iget(r, "requests"));
	json_decref(r);
	if (out == NULL)
		NOMEM(err);
	return out;
}

static int indicators(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	socle_db *db = socle_req_reader(req, &err);
	const char *from = socle_req_query(req, "from"), *to = socle_req_query(req, "to");
	const char *company = socle_req_query(req, "company_id");
	const char *naf = socle_req_query(req, "naf_division");
	json_t *errors = NULL;
	char *end = NULL;
	long long co = company ? strtoll(company, &end, 10) : 0;
	(void)ud;

	if (db == NULL)
		return reply_fail(req, &err);
	if (!from || !socle_date_valid(from))
		socle_field_error(&errors, "from", "Date de début attendue (AAAA-MM-JJ).");
	if (!to || !socle_date_valid(to))
		socle_field_error(&errors, "to", "Date de fin attendue (AAAA-MM-JJ).");
	else if (from && socle_date_valid(from) && strcmp(from, to) > 0)
		socle_field_error(&errors, "to", "La fin précède le début.");
	if (company && (end == NULL || *end || co <= 0))
		socle_field_error(&errors, "company_id", "Identifiant d'entreprise attendu.");
	if (naf && (strlen(naf) != 2 || naf[0] < '0' || naf[0] > '9' || naf[1] < '0' || naf[1] > '9'))
		socle_field_error(&errors, "naf_division", "Division NAF attendue (deux chiffres).");
	if (errors)
		return socle_reply_invalid(req, errors);

	json_t *out = retention_indicators_compute(db, from, to, co, naf, &err);
	struct socle_audit_entry e = {.action = "retention.indicators.read", .outcome = "ok"};
	if (out == NULL || socle_audit_now(req, &e, &err)) {
		json_decref(out);
		return reply_fail(req, &err);
	}
	return socle_reply_json(req, 200, out);
}

static const struct socle_route indicator_routes[] = {
	{SOCLE_GET, "/retention/indicators", "retention.indicators", 0, indicators, NULL},
};

int retention_indicators_init(socle_plugin *p, socle_err *err)
{
	return socle_plugin_add_routes(p, indicator_routes, SOCLE_COUNT(indicator_routes), err);
}
