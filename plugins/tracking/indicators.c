/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The indicators of the individual follow-up (issue 4, item 9; seed 3.3.1.4),
 * per company or for the whole service, over any period [from, to]:
 *
 *   workers_seen_5y     distinct active workers with a visit outcome held in
 *                       the 5 years before `to` (to − 5 years, to], among the
 *                       workers active in the period;
 *   requests_in_delay   visit requests whose visit was held (outcome held_on)
 *                       or, not yet held, is scheduled (its slot's day) on or
 *                       before their due_before, among the requests due in the
 *                       period (cancelled requests excluded);
 *   dmst_computerised   active workers with a DMST (tracking_dmst row), among
 *                       the workers active in the period;
 *   overdue_follow_ups  active workers whose next visit was due before `to`
 *                       (method below), among the active workers;
 *   backlog             requests still queued (not placed) and made on or
 *                       before `to`, by visit type;
 *   overdue_by_engine   workers with an overdue visit in the engine's own
 *                       answer at the last recomputation (tracking_due, due.c),
 *                       with that run's date: the service's rules, not the
 *                       legal ceilings; not tied to the period.
 *
 * "Active in the period": membership_worker.start_date <= to and (no end_date
 * or end_date >= from).
 *
 * Overdue follow-ups — the method. Calling the rule point next_visits for each
 * of the service's workers costs about 20 µs a worker in Lua plus loading its
 * history; the indicator instead recomputes the governing deadline from stored
 * data in one streamed query (index probes only), with the legal ceilings of
 * rules-and-figures.md §1.1:
 *   - last outcome held on or before `to` (tracking_visit_outcome): the next
 *     periodic visit is due at the latest held_on + the category's ceiling
 *     (SI: 5 years, R4624-16; SIA: 3 years, R4624-17; SIR: 2 years, the
 *     intermediate visit of R4624-28), shortened by the protocol's periodicity
 *     (tracking_protocol.periodicity_months) when shorter, and by the next
 *     visit date the professional recorded (the outcome's next_visit_on or the
 *     protocol's next_visit_on, when later than the last visit) when earlier;
 *   - no outcome: the initial visit is due at start_date + 3 months (2 for an
 *     apprentice, R6222-40-1), or on start_date (before assignment) for a SIR
 *     post, a night worker or a worker under 18 at hiring (R4624-18, R4624-24);
 *     a protocol date, when earlier, wins;
 *   - the worker is overdue when that deadline is earlier than `to`.
 * The exemptions (R4624-15, R4624-27), mi-carrière, post-exposition and
 * reprise obligations are not counted here: those are owed visits answered by
 * requests (see backlog and requests_in_delay). A service whose next_visits
 * overrides the periodicities reads overdue_by_engine (and the due visits of
 * each company); overdue_follow_ups stays on the legal ceilings and the
 * protocol, over any period.
 *
 * A company's indicators (read by its employer users) leave out the visits
 * kept from the employer (tracking_hidden_from_employer: a pré-reprise, a
 * visite à la demande the worker asked for): their requests are not in the
 * backlog nor in the requests due, their outcomes do not make a worker seen
 * nor restart his follow-up, and a DMST they alone opened is not counted, so
 * that no count tells the employer they exist. The service's indicators
 * (staff only) count them.
 *
 * Every indicator gives numerator, denominator, rate (percentage, one decimal,
 * null when the denominator is 0) and its definition in French. Reads only; no
 * medical content leaves: counts of the company's own workers. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracking.h"

/* Dates: the core's calendar (socle/date.h), as socle.date in the rule packs. */

/* An outcome @p o of a visit kept from the employer (TRACKING_HIDDEN_SQL). */
#define HIDDEN_OUTCOME(o)                                                                     \
	"EXISTS (SELECT 1 FROM tracking_visit_request hr WHERE hr.id = " o ".request_id AND "    \
	TRACKING_HIDDEN_SQL("hr") ")"

/* ---- the indicators ------------------------------------------------------------- */

enum {
	IND_SEEN = 1,
	IND_DELAY = 2,
	IND_DMST = 4,
	IND_OVERDUE = 8,
	IND_BACKLOG = 16,
	IND_ENGINE = 32,
	IND_ALL = 63,
};

static const char def_seen[] =
	"Part des salariés actifs sur la période (entrés au plus tard à la fin de la période et "
	"non sortis avant son début) ayant eu au moins une visite réalisée (compte rendu de "
	"visite) dans les 5 ans précédant la fin de la période.";
static const char def_delay[] =
	"Part des demandes de visite dont l'échéance réglementaire tombe dans la période (hors "
	"demandes annulées) pour lesquelles la visite a été réalisée, ou à défaut programmée, au "
	"plus tard à cette échéance.";
static const char def_dmst[] =
	"Part des salariés actifs sur la période dont le dossier médical en santé au travail "
	"(DMST) est informatisé dans le service.";
static const char def_overdue[] =
	"Nombre de salariés actifs dont la prochaine visite de suivi était due avant la fin de la "
	"période : dernière visite réalisée + périodicité de la catégorie (SI 5 ans, SIA 3 ans, "
	"SIR 2 ans) ou du protocole si elle est plus courte, ou date fixée par le professionnel "
	"de santé si elle est plus proche ; sans visite, visite initiale dans les 3 mois de la "
	"prise de poste (2 mois pour un apprenti) ou avant l'affectation (SIR, travail de nuit, "
	"moins de 18 ans). Le taux rapporte ce nombre aux salariés actifs.";
static const char def_backlog[] =
	"Demandes de visite en attente de programmation (non placées sur un créneau), faites au "
	"plus tard à la fin de la période, par type de visite. Le taux de chaque type est sa part "
	"du total en attente.";

static const char def_engine[] =
	"Nombre de salariés ayant au moins une visite en retard selon le dernier calcul des "
	"prochaines visites par les règles du service (next_visits, y compris ses périodicités "
	"propres, exemptions, mi-carrière, post-exposition), à la date de ce calcul "
	"(computed_on), quelle que soit la période. Le taux rapporte ce nombre aux salariés "
	"calculés.";

static json_t *indicator(int64_t num, int64_t den, const char *definition)
{
	json_t *rate = den > 0 ? json_real((double)(int64_t)((double)num * 1000.0 / (double)den + 0.5) /
	                                   10.0)
	                       : json_null();

	return json_pack("{s:I, s:I, s:o, s:s}", "numerator", (json_int_t)num, "denominator",
	                 (json_int_t)den, "rate", rate, "definition", definition);
}

/* Prepare @p sql and bind :company (the per-company variant, @p company > 0),
 * :from and :to (when given). NULL with @p err set on failure. */
static socle_stmt *prepare_scoped(socle_db *db, const char *sql, int64_t company,
                                  const char *from, const char *to, socle_err *err)
{
	socle_stmt *st = socle_db_prepare(db, sql, err);

	if (st == NULL) {
		if (err && err->code == 0)
			socle_err_set(err, SOCLE_E_STORE, "Requête impossible.");
		return NULL;
	}
	if ((company > 0 && socle_stmt_bind_int(st, ":company", company)) ||
	    (from && socle_stmt_bind_text(st, ":from", from)) ||
	    (to && socle_stmt_bind_text(st, ":to", to))) {
		socle_stmt_release(st);
		socle_err_set(err, SOCLE_E_INTERNAL, "Paramètre de requête inconnu.");
		return NULL;
	}
	return st;
}

/* The deadline of a worker's next follow-up visit (method at the top), into
 * @p due; false when none can be computed (no usable date). */
struct worker_row {
	const char *category, *contract, *start, *birth, *protocol_next, *last_held, *last_next;
	int64_t periodicity;
	bool night;
};

static bool next_due(const struct worker_row *w, char due[11])
{
	char cand[11];
	
	if (w->last_held != NULL) {
		int months = 60;

		if (w->category && strcmp(w->category, "SIA") == 0)
			months = 36;
		else if (w->category && strcmp(w->category, "SIR") == 0)
			months = 24;
		if (w->periodicity > 0 && w->periodicity < months)
			months = (int)w->periodicity;
		if (!socle_date_add_months(w->last_held, months, due))
			return false;
		if (w->last_next && socle_date_valid(w->last_next) &&
		    strcmp(w->last_next, w->last_held) > 0 && strcmp(w->last_next, due) < 0)
			memcpy(due, w->last_next, 11);
		if (w->protocol_next &&
		    socle_date_valid(w->protocol_next) &&
		    strcmp(w->protocol_next, w->last_held) > 0 && strcmp(w->protocol_next, due) < 0)
			memcpy(due, w->protocol_next, 11);
		return true;
	}
	if (w->start == NULL)
		return false;
	bool before = (w->category && strcmp(w->category, "SIR") == 0) || w->night;
	if (!before && w->birth && socle_date_add_months(w->birth, 18 * 12, cand) &&
	    strcmp(cand, w->start) > 0)
		before = true; /* under 18 at hiring */
	if (before) {
		if (!socle_date_valid(w->start))
			return false;
		memcpy(due, w->start, 11);
	} else if (!socle_date_add_months(w->start,
	                           w->contract && strcmp(w->contract, "apprentissage") == 0 ? 2 : 3,
	                           due))
		return false;
	if (w->protocol_next && socle_date_valid(w->protocol_next) &&
	    strcmp(w->protocol_next, due) < 0)
		memcpy(due, w->protocol_next, 11);
	return true;
}

/* One streamed pass over the active workers for the seen, DMST and overdue
 * indicators (whichever @p which asks). */
static int worker_pass(socle_db *db, int64_t company, const char *from, const char *to,
                       unsigned which, json_t *out, socle_err *err)
{
	char since[11];
	int64_t active = 0, seen = 0, dmst = 0, overdue = 0;
	const bool need_outcome = which & (IND_SEEN | IND_OVERDUE);
	const bool need_overdue = which & IND_OVERDUE;

	if (!socle_date_add_months(to, -60, since))
		return socle_err_set(err, SOCLE_E_INVAL, "Date de fin de période invalide.");
	/* Four variants of one query: with or without the outcome columns, the
	 * overdue inputs, and the company filter (no "OR :x = 0" that would defeat
	 * the indexes). */
	/* A company's figures leave out the visits kept from its employer (see the
	 * head of the file): their outcomes, and a DMST that only they opened. */
	const char *kept = company > 0 ? " AND NOT " HIDDEN_OUTCOME("o") : "";
	char sql[4096];
	snprintf(sql, sizeof(sql),
	         "SELECT w.id, %s%s, %s%s%s, %s%s%s"
	         " FROM tracking_worker w%s"
	         " WHERE w.start_date <= :to AND (w.end_date IS NULL OR w.end_date >= :from)%s",
	         which & IND_DMST
	                 ? "(SELECT 1 FROM tracking_dmst d WHERE d.worker_id = w.id"
	                 : "NULL AS has_dmst",
	         which & IND_DMST
	                 ? (company > 0 ? " AND (EXISTS (SELECT 1 FROM tracking_visit_outcome o"
	                                  " WHERE o.worker_id = w.id AND NOT " HIDDEN_OUTCOME("o")
	                                  ") OR NOT EXISTS (SELECT 1 FROM tracking_visit_outcome o"
	                                  " WHERE o.worker_id = w.id))) AS has_dmst"
	                                : ") AS has_dmst")
	                 : "",
	         need_outcome ? "(SELECT MAX(o.held_on) FROM tracking_visit_outcome o"
	                        " WHERE o.worker_id = w.id AND o.held_on <= :to"
	                      : "NULL AS last_held",
	         need_outcome ? kept : "", need_outcome ? ") AS last_held" : "",
	         need_overdue
	                 ? "(SELECT o.next_visit_on FROM tracking_visit_outcome o"
	                   " WHERE o.worker_id = w.id AND o.held_on <= :to"
	                 : "NULL AS last_next",
	         need_overdue ? kept : "",
	         need_overdue
	                 ? " ORDER BY o.held_on DESC, o.id DESC LIMIT 1) AS last_next,"
	                   " w.category, w.contract_type, w.start_date, w.birth_date,"
	                   " w.night_worker, p.periodicity_months, p.next_visit_on"
	                 : "",
	         need_overdue ? " LEFT JOIN tracking_protocol p ON p.worker_id = w.id" : "",
	         company > 0 ? " AND w.company_id = :company" : "");
	socle_stmt *st = prepare_scoped(db, sql, company, from, to, err);
	if (st == NULL)
		return err && err->code ? err->code : SOCLE_E_STORE;
	int rc;
	while ((rc = socle_stmt_step(st, err)) == 1) {
		const char *last = socle_stmt_text(st, 2);

		active++;
		if (!socle_stmt_is_null(st, 1))
			dmst++;
		if (last != NULL && strcmp(last, since) > 0)
			seen++;
		if (need_overdue) {
			struct worker_row w = {
				.last_held = last,
				.last_next = socle_stmt_text(st, 3),
				.category = socle_stmt_text(st, 4),
				.contract = socle_stmt_text(st, 5),
				.start = socle_stmt_text(st, 6),
				.birth = socle_stmt_text(st, 7),
				.night = socle_stmt_int(st, 8) != 0,
				.periodicity = socle_stmt_is_null(st, 9) ? 0 : socle_stmt_int(st, 9),
				.protocol_next = socle_stmt_text(st, 10),
			};
			char due[11];

			if (next_due(&w, due) && strcmp(due, to) < 0)
				overdue++;
		}
	}
	socle_stmt_release(st);
	if (rc < 0)
		return rc;
	if ((which & IND_SEEN) &&
	    json_object_set_new(out, "workers_seen_5y", indicator(seen, active, def_seen)))
		return SOCLE_E_NOMEM;
	if ((which & IND_DMST) &&
	    json_object_set_new(out, "dmst_computerised", indicator(dmst, active, def_dmst)))
		return SOCLE_E_NOMEM;
	if ((which & IND_OVERDUE) &&
	    json_object_set_new(out, "overdue_follow_ups", indicator(overdue, active, def_overdue)))
		return SOCLE_E_NOMEM;
	return 0;
}

static int delay_indicator(socle_db *db, int64_t company, const char *from, const char *to,
                           json_t *out, socle_err *err)
{
	char sql[2048];

	/* A slot's starts_at is local "YYYY-MM-DDTHH:MM": on or before the due day
	 * means before due_before || 'T99'. */
	snprintf(sql, sizeof(sql),
	         "SELECT COUNT(*), COALESCE(SUM(CASE"
	         "   WHEN o.held_on IS NOT NULL THEN CASE WHEN o.held_on <= r.due_before"
	         "     THEN 1 ELSE 0 END"
	         "   WHEN r.status IN ('scheduled', 'done') AND s.starts_at IS NOT NULL"
	         "     AND s.starts_at < r.due_before || 'T99' THEN 1 ELSE 0 END), 0)"
	         " FROM tracking_visit_request r"
	         " LEFT JOIN tracking_visit_outcome o ON o.request_id = r.id"
	         " LEFT JOIN tracking_slot s ON s.id = r.slot_id"
	         " WHERE r.due_before >= :from AND r.due_before <= :to AND r.status <> 'cancelled'%s",
	         company > 0 ? " AND r.company_id = :company AND NOT " TRACKING_HIDDEN_SQL("r") : "");
	socle_stmt *st = prepare_scoped(db, sql, company, from, to, err);
	if (st == NULL)
		return err && err->code ? err->code : SOCLE_E_STORE;
	int64_t due = 0, ok = 0;
	int rc;
	if ((rc = socle_stmt_step(st, err)) == 1) {
		due = socle_stmt_int(st, 0);
		ok = socle_stmt_int(st, 1);
	}
	socle_stmt_release(st);
	if (rc < 0)
		return rc;
	return json_object_set_new(out, "requests_in_delay", indicator(ok, due, def_delay))
	               ? SOCLE_E_NOMEM
	               : 0;
}

static int backlog_indicator(socle_db *db, int64_t company, const char *to, json_t *out,
                             socle_err *err)
{
	char sql[1024];

	snprintf(sql, sizeof(sql),
	         "SELECT r.type, COUNT(*) FROM tracking_visit_request r"
	         " WHERE r.status = 'queued' AND r.requested_on <= :to%s"
	         " GROUP BY r.type ORDER BY r.type",
	         company > 0 ? " AND r.company_id = :company AND NOT " TRACKING_HIDDEN_SQL("r") : "");
	socle_stmt *st = prepare_scoped(db, sql, company, NULL, to, err);
	if (st == NULL)
		return err && err->code ? err->code : SOCLE_E_STORE;
	json_t *types = json_array();
	int64_t total = 0;
	int rc;
	while (types && (rc = socle_stmt_step(st, err)) == 1) {
		json_t *t = json_pack("{s:s, s:I}", "type", socle_stmt_text(st, 0), "count",
		                      (json_int_t)socle_stmt_int(st, 1));

		total += socle_stmt_int(st, 1);
		if (t == NULL || json_array_append_new(types, t)) {
			json_decref(types);
			types = NULL;
		}
	}
	socle_stmt_release(st);
	if (types == NULL)
		return SOCLE_E_NOMEM;
	if (rc < 0) {
		json_decref(types);
		return rc;
	}
	size_t i;
	json_t *t;
	json_array_foreach(types, i, t) {
		json_int_t n = json_integer_value(json_object_get(t, "count"));
		json_t *ind = indicator(n, total, def_backlog);

		json_object_set_new(t, "numerator", json_integer(n));
		json_object_set_new(t, "denominator", json_integer(total));
		json_object_set(t, "rate", json_object_get(ind, "rate"));
		json_decref(ind);
	}
	json_t *b = json_pack("{s:I, s:I, s:n, s:s, s:o}", "numerator", (json_int_t)total,
	                      "denominator", (json_int_t)total, "rate", "definition", def_backlog,
	                      "by_type", types);
	if (b && total > 0)
		json_object_set_new(b, "rate", json_real(100.0));
	return b == NULL || json_object_set_new(out, "backlog", b) ? SOCLE_E_NOMEM : 0;
}

/* Overdue follow-ups as the engine itself answered at the last recomputation
 * (due.c), with the date of that run: the figure a service whose rules differ
 * from the legal ceilings reads. */
static int engine_indicator(socle_db *db, int64_t company, json_t *out, socle_err *err)
{
	char sql[256];

	snprintf(sql, sizeof(sql),
	         "SELECT COUNT(*), COALESCE(SUM(overdue > 0), 0),"
	         " (SELECT on_date FROM tracking_due_run WHERE state = 'done' ORDER BY id DESC"
	         " LIMIT 1) FROM tracking_due%s",
	         company > 0 ? " WHERE company_id = :company" : "");
	socle_stmt *st = prepare_scoped(db, sql, company, NULL, NULL, err);
	if (st == NULL)
		return err && err->code ? err->code : SOCLE_E_STORE;
	int rc = socle_stmt_step(st, err);
	json_t *ind = NULL;
	if (rc == 1) {
		const char *on = socle_stmt_text(st, 2);

		ind = indicator(socle_stmt_int(st, 1), socle_stmt_int(st, 0), def_engine);
		if (ind)
			json_object_set_new(ind, "computed_on", on ? json_string(on) : json_null());
	}
	socle_stmt_release(st);
	if (rc < 0)
		return rc;
	return ind == NULL || json_object_set_new(out, "overdue_by_engine", ind) ? SOCLE_E_NOMEM
	                                                                          : 0;
}

/* Compute the indicators @p which (bits above; 0 = all) for company
 * @p company (0: the whole service) over [from, to] into a new object *out.
 * Internal to the plugin (the route below, the tests, the benchmark). */
int tracking_indicators_compute(socle_db *db, int64_t company, const char *from, const char *to,
                                unsigned which, json_t **out, socle_err *err);

int tracking_indicators_compute(socle_db *db, int64_t company, const char *from, const char *to,
                                unsigned which, json_t **out, socle_err *err)
{
	int rc = 0;
	json_t *o = json_object();

	*out = NULL;
	if (which == 0)
		which = IND_ALL;
	if (o == NULL)
		return SOCLE_E_NOMEM;
	if ((which & (IND_SEEN | IND_DMST | IND_OVERDUE)) &&
	    (rc = worker_pass(db, company, from, to, which, o, err)) != 0)
		goto fail;
	if ((which & IND_DELAY) && (rc = delay_indicator(db, company, from, to, o, err)) != 0)
		goto fail;
	if ((which & IND_BACKLOG) && (rc = backlog_indicator(db, company, to, o, err)) != 0)
		goto fail;
	if ((which & IND_ENGINE) && (rc = engine_indicator(db, company, o, err)) != 0)
		goto fail;
	*out = o;
	return 0;
fail:
	json_decref(o);
	return rc;
}

/* ---- routes ---------------------------------------------------------------------- */

/* from and to of the query: both optional (to: today; from: 1 January of to's
 * year); checked field by field. Returns 0, or replies 422. */
static int period_of(socle_req *req, char from[11], char to[11], json_t **errors)
{
	const char *f = socle_req_query(req, "from"), *t = socle_req_query(req, "to");
	int y, m, d;

	if (t == NULL)
		socle_date_today(to);
	else if (!socle_date_parts(t, &y, &m, &d))
		socle_field_error(errors, "to", "Date attendue au format AAAA-MM-JJ.");
	else
		memcpy(to, t, 11);
	if (f == NULL) {
		if (*errors == NULL)
			snprintf(from, 11, "%.4s-01-01", to);
	} else if (!socle_date_parts(f, &y, &m, &d))
		socle_field_error(errors, "from", "Date attendue au format AAAA-MM-JJ.");
	else
		memcpy(from, f, 11);
	if (*errors == NULL && strcmp(from, to) > 0)
		socle_field_error(errors, "from", "Le début de la période doit précéder sa fin.");
	return *errors ? -1 : 0;
}

static int indicators_reply(socle_req *req, int64_t company)
{
	socle_err err = SOCLE_ERR_INIT;
	char from[11] = "", to[11] = "";
	json_t *errors = NULL, *ind = NULL;

	if (period_of(req, from, to, &errors) != 0)
		return socle_reply_invalid(req, errors);
	socle_db *db = socle_req_reader(req, &err);
	if (db == NULL)
		return socle_reply_err(req, &err);
	int rc = tracking_indicators_compute(db, company, from, to, 0, &ind, &err);
	if (rc != 0)
		return err.code ? socle_reply_err(req, &err) : rc;
	json_t *body = json_pack("{s:s, s:s, s:o, s:o}", "from", from, "to", to, "company_id",
	                         company > 0 ? json_integer(company) : json_null(), "indicators",
	                         ind);
	return body ? socle_reply_json(req, 200, body) : SOCLE_E_NOMEM;
}

/* GET /tracking/indicators?from=&to= */
static int service_indicators(socle_req *req, void *ud)
{
	(void)ud;
	return indicators_reply(req, 0);
}

/* GET /tracking/companies/{id}/indicators?from=&to= */
static int company_indicators(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company;
	(void)ud;

	if (socle_req_param_id(req, "id", &company) != 0)
		return socle_reply_error(req, 404, "not_found", "Entreprise introuvable.");
	if (socle_access_company(req, company, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	int exists = db ? tracking_membership->company_exists(db, company, &err) : -1;

	if (exists == 0)
		return socle_reply_error(req, 404, "not_found", "Entreprise introuvable.");
	if (exists < 0)
		return err.code ? socle_reply_err(req, &err) : SOCLE_E_NOMEM;
	return indicators_reply(req, company);
}

static const struct socle_route indicators_routes[] = {
	{SOCLE_GET, "/tracking/indicators", SOCLE_CAP_STAFF, 0, service_indicators, NULL},
	{SOCLE_GET, "/tracking/companies/{id}/indicators", "tracking.indicators", 0,
	 company_indicators, NULL},
};

static const struct socle_field period_query[] = {
	{"from", SOCLE_F_DATE, false, 0, 0, NULL, NULL},
	{"to", SOCLE_F_DATE, false, 0, 0, NULL, NULL},
};

static const struct socle_route_doc indicators_docs[] = {
	{SOCLE_GET, "/tracking/indicators",
	 "Les indicateurs du suivi individuel du service sur une période (par défaut : depuis le "
	 "1er janvier).", NULL, 0, period_query, SOCLE_COUNT(period_query),
	 "{from, to, company_id: null, indicators: {nom: {numerator, denominator, rate, "
	 "definition}...}}."},
	{SOCLE_GET, "/tracking/companies/{id}/indicators",
	 "Les indicateurs du suivi individuel d'une entreprise sur une période (sans les visites "
	 "tenues secrètes à l'employeur).", NULL, 0, period_query, SOCLE_COUNT(period_query),
	 "{from, to, company_id, indicators: {nom: {numerator, denominator, rate, "
	 "definition}...}}."},
};

int tracking_indicators_init(socle_plugin *p, socle_err *err)
{
	int rc;

	/* A company's indicators: staff, and the employer users of the company
	 * (checked per request). Counts only, never medical content. */
	if ((rc = socle_plugin_add_capability(p, "tracking.indicators",
	                                      SOCLE_ROLES_STAFF | SOCLE_ROLE_BIT(SOCLE_ROLE_EMPLOYER),
	                                      err)) ||
	    (rc = socle_plugin_add_routes(p, indicators_routes, SOCLE_COUNT(indicators_routes), err)) ||
	    (rc = socle_plugin_describe_routes(p, indicators_docs, SOCLE_COUNT(indicators_docs),
	                                       err)))
		return rc;
	return 0;
}
