/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* tracking.v1: what tracking offers other plugins (the contract is
 * include/socle/tracking.h), on tracking's own tables. This file owns the
 * table that tracking_init exports; nothing else in the plugin calls it.
 *
 * Every function reads through the caller's connection and never writes. It
 * checks its arguments first (SOCLE_E_INVAL with a French message), then
 * answers SOCLE_E_NOTFOUND for an unknown worker or company: existence is
 * membership's to say (membership.v1, roster.c), the rest is read from
 * tracking's tables and its copy of the workers (tracking_worker).
 *
 * What is left out on purpose (the header's "Medical secrecy"): the notes of
 * an outcome (they live in the DMST), its ordonnance and orientation, the
 * reason of a request. The queries below name only the columns handed out,
 * so that a column added to a table later does not leak through here. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <socle/tracking.h>

#include "tracking.h"

#define PAGE_MAX 500
#define YEAR_MIN 2000
#define YEAR_MAX 2200

static int no_db(socle_err *err)
{
	return socle_err_set(err, SOCLE_E_INVAL, "tracking.v1 : connexion absente");
}

static int fail(const socle_err *err)
{
	return err->code != 0 ? err->code : SOCLE_E_STORE;
}

/* The company of worker @p id (through membership.v1) into *company: 0,
 * SOCLE_E_NOTFOUND (French message) or another negative code. */
static int worker_company(socle_db *db, int64_t id, int64_t *company, socle_err *err)
{
	socle_err e = SOCLE_ERR_INIT;
	json_t *w = id > 0 ? tracking_membership->worker_get(db, id, &e) : NULL;

	if (w == NULL) {
		if (id <= 0 || e.code == SOCLE_E_NOTFOUND)
			return socle_err_set(err, SOCLE_E_NOTFOUND, "tracking.v1 : salarié %" PRId64
			                     " inconnu", id);
		return socle_err_set(err, fail(&e), "%s", e.msg);
	}
	*company = iget(w, "company_id");
	json_decref(w);
	return 0;
}

/* 0 when company @p id exists, SOCLE_E_NOTFOUND or another negative code. */
static int company_known(socle_db *db, int64_t id, socle_err *err)
{
	socle_err e = SOCLE_ERR_INIT;
	int rc = id > 0 ? tracking_membership->company_exists(db, id, &e) : 0;

	if (rc < 0)
		return socle_err_set(err, rc, "%s", e.msg);
	if (rc == 0)
		return socle_err_set(err, SOCLE_E_NOTFOUND, "tracking.v1 : entreprise %" PRId64
		                     " inconnue", id);
	return 0;
}

/* ---- a worker's visits ---- */

/* The visit held @p row (a query row) as the header gives it; drops it (returns
 * false) when @p employer_view and the visit is kept from the employer. */
static bool held_item(json_t *row, bool employer_view)
{
	const char *type = sget(row, "type"), *avis = sget(row, "avis");
	const struct tracking_visit_type *t = tracking_visit_type(type);
	bool kept = tracking_hidden_from_employer(type, sget(row, "requested_by"));

	if (kept && employer_view)
		return false;
	json_object_set_new(row, "label", json_string(t ? t->label : ""));
	json_object_set_new(row, "document",
	                    avis ? json_string(strcmp(avis, "aptitude") == 0 ? "avis_aptitude"
	                                                                     : "avis_inaptitude")
	                    : iget(row, "attestation") ? json_string("attestation") : json_null());
	json_object_set_new(row, "kept_from_employer", json_boolean(kept));
	json_object_del(row, "avis");
	json_object_del(row, "attestation");
	json_object_del(row, "requested_by");
	return true;
}

/* The last computation of the worker's next visits (tracking_due), or JSON
 * null when there is none; NULL on error. */
static json_t *due_of(socle_db *db, int64_t worker, int64_t company, socle_err *err)
{
	socle_err e = SOCLE_ERR_INIT;
	json_t *d = socle_db_query_one_new(db,
		"SELECT visits, next_type, next_due, overdue, error FROM tracking_due"
		" WHERE company_id = :c AND worker_id = :w",
		json_pack("{s:I, s:I}", "c", (json_int_t)company, "w", (json_int_t)worker), &e);

	if (d == NULL) {
		if (e.code == SOCLE_E_NOTFOUND)
			return json_null();
		socle_err_set(err, fail(&e), "%s", e.msg);
		return NULL;
	}
	json_t *v = json_loads(sget(d, "visits") ? sget(d, "visits") : "[]", 0, NULL);

	json_object_set_new(d, "visits", json_is_array(v) ? v : json_array());
	if (v && !json_is_array(v))
		json_decref(v);
	return d;
}

static json_t *v1_worker_visits(socle_db *db, int64_t worker_id, bool employer_view,
                                socle_err *err)
{
	int64_t company = 0;

	if (db == NULL) {
		no_db(err);
		return NULL;
	}
	if (worker_company(db, worker_id, &company, err) != 0)
		return NULL;
	json_t *rows = socle_db_query_new(db,
		"SELECT o.request_id, o.type, o.held_on, o.role, o.avis,"
		" o.attestation IS NOT NULL AS attestation, o.next_visit_on, r.requested_by"
		" FROM tracking_visit_outcome o JOIN tracking_visit_request r ON r.id = o.request_id"
		" WHERE o.worker_id = :w ORDER BY o.held_on DESC, o.id DESC",
		json_pack("{s:I}", "w", (json_int_t)worker_id), err);
	if (rows == NULL)
		return NULL;
	json_t *held = json_array(), *row;
	size_t i;
	json_array_foreach(rows, i, row)
		if (held && held_item(row, employer_view))
			json_array_append(held, row);
	json_decref(rows);
	json_t *due = held ? due_of(db, worker_id, company, err) : NULL;
	if (due == NULL) {
		json_decref(held);
		if (err->code == 0)
			NOMEM(err);
		return NULL;
	}
	json_t *out = json_pack("{s:I, s:I, s:o, s:o}", "worker_id", (json_int_t)worker_id,
	                        "company_id", (json_int_t)company, "held", held, "due", due);
	if (out == NULL)
		NOMEM(err);
	return out;
}

/* ---- a company's visits by type and year ---- */

static json_t *v1_company_visits(socle_db *db, int64_t company_id, int year, socle_err *err)
{
	char from[SOCLE_DATE_SIZE], to[SOCLE_DATE_SIZE];

	if (db == NULL) {
		no_db(err);
		return NULL;
	}
	if (year < YEAR_MIN || year > YEAR_MAX) {
		socle_err_set(err, SOCLE_E_INVAL, "tracking.v1 : année %d hors de %d à %d", year,
		              YEAR_MIN, YEAR_MAX);
		return NULL;
	}
	if (company_known(db, company_id, err) != 0)
		return NULL;
	snprintf(from, sizeof(from), "%04d-01-01", year);
	snprintf(to, sizeof(to), "%04d-01-01", year + 1);
	json_t *rows = socle_db_query_new(db,
		"SELECT o.type, COUNT(*) AS held"
		" FROM tracking_visit_outcome o JOIN tracking_visit_request r ON r.id = o.request_id"
		" WHERE o.company_id = :c AND o.held_on >= :from AND o.held_on < :to"
		" AND NOT " TRACKING_HIDDEN_SQL("r") " GROUP BY o.type",
		json_pack("{s:I, s:s, s:s}", "c", (json_int_t)company_id, "from", from, "to", to), err);
	if (rows == NULL)
		return NULL;
	json_t *by_type = json_array();
	json_int_t total = 0;
	/* In the table's order (GET /tracking/visit-types), whatever SQL gave. */
	for (size_t k = 0; by_type && tracking_visit_type_codes[k]; k++) {
		const char *code = tracking_visit_type_codes[k];
		size_t i;
		json_t *row;

		json_array_foreach(rows, i, row) {
			if (strcmp(sget(row, "type") ? sget(row, "type") : "", code) != 0)
				continue;
			total += iget(row, "held");
			json_array_append_new(by_type, json_pack("{s:s, s:s, s:I}", "type", code, "label",
			                                         tracking_visit_type(code)->label, "held",
			                                         (json_int_t)iget(row, "held")));
		}
	}
	json_decref(rows);
	json_t *out = by_type ? json_pack("{s:I, s:i, s:I, s:o}", "company_id",
	                                  (json_int_t)company_id, "year", year, "total", total,
	                                  "by_type", by_type)
	                      : NULL;
	if (out == NULL)
		NOMEM(err);
	return out;
}

/* ---- the SIR declared and observed ---- */

static json_t *v1_company_sir(socle_db *db, int64_t company_id, socle_err *err)
{
	char today[SOCLE_DATE_SIZE];

	if (db == NULL) {
		no_db(err);
		return NULL;
	}
	if (company_known(db, company_id, err) != 0)
		return NULL;
	socle_date_today(today);
	/* The visits of the SIR follow-up: the examens médicaux d'aptitude and
	 * the visite intermédiaire between them (R4624-24, R4624-28). */
	json_t *out = socle_db_query_one_new(db,
		"SELECT :c AS company_id, COUNT(*) AS workers,"
		" COALESCE(SUM(declared), 0) AS declared, COALESCE(SUM(observed), 0) AS observed,"
		" COALESCE(SUM(declared AND observed), 0) AS declared_observed,"
		" COALESCE(SUM(declared AND NOT observed), 0) AS declared_only,"
		" COALESCE(SUM(observed AND NOT declared), 0) AS observed_only"
		" FROM (SELECT COALESCE(w.category, '') = 'SIR' AS declared,"
		"   EXISTS (SELECT 1 FROM tracking_visit_outcome o WHERE o.worker_id = w.id"
		"     AND o.type IN ('ema_initial', 'ema_periodique', 'visite_intermediaire'))"
		"     AS observed"
		"   FROM tracking_worker w WHERE w.company_id = :c"
		"   AND (w.end_date IS NULL OR w.end_date >= :today))",
		json_pack("{s:I, s:s}", "c", (json_int_t)company_id, "today", today), err);
	return out;
}

/* ---- the job-adjustment proposals ---- */

static json_t *v1_job_adjustments(socle_db *db, int64_t company_id, int64_t worker_id,
                                  int64_t after_id, int limit, socle_err *err)
{
	if (db == NULL) {
		no_db(err);
		return NULL;
	}
	if (limit < 1 || limit > PAGE_MAX || after_id < 0 || worker_id < 0) {
		socle_err_set(err, SOCLE_E_INVAL, "tracking.v1 : %s",
		              limit < 1 || limit > PAGE_MAX ? "limit de 1 à 500 attendu"
		              : after_id < 0            ? "after_id positif ou nul attendu"
		                                        : "worker_id positif ou nul attendu");
		return NULL;
	}
	if (company_known(db, company_id, err) != 0)
		return NULL;
	if (worker_id > 0) {
		int64_t of = 0;

		if (worker_company(db, worker_id, &of, err) != 0)
			return NULL;
		if (of != company_id) {
			socle_err_set(err, SOCLE_E_NOTFOUND, "tracking.v1 : le salarié %" PRId64
			              " n'est pas de l'entreprise %" PRId64, worker_id, company_id);
			return NULL;
		}
	}
	json_t *items = socle_db_query_new(db,
		"SELECT a.id AS adjustment_id, a.outcome_id, a.request_id, a.worker_id, a.company_id,"
		" o.type AS visit_type, o.held_on, a.kind, a.description, a.status, a.proposed_on,"
		" r.requested_by"
		" FROM tracking_job_adjustment a"
		" JOIN tracking_visit_outcome o ON o.id = a.outcome_id"
		" JOIN tracking_visit_request r ON r.id = a.request_id"
		" WHERE a.company_id = :c AND (:w = 0 OR a.worker_id = :w) AND a.id > :after"
		" ORDER BY a.id LIMIT :limit",
		json_pack("{s:I, s:I, s:I, s:i}", "c", (json_int_t)company_id, "w",
		          (json_int_t)worker_id, "after", (json_int_t)after_id, "limit", limit),
		err);
	if (items == NULL)
		return NULL;
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it) {
		json_object_set_new(it, "kept_from_employer",
		                    json_boolean(tracking_hidden_from_employer(
		                            sget(it, "visit_type"), sget(it, "requested_by"))));
		json_object_del(it, "requested_by");
	}
	json_t *out = json_pack("{s:o, s:o}", "items", items, "next_cursor",
	                        socle_page_cursor(items, limit, "adjustment_id"));
	if (out == NULL)
		NOMEM(err);
	return out;
}

/* The table tracking_init exports (socle_plugin_export: static, read-only). */
const struct tracking_v1 tracking_v1_api = {
	.worker_visits = v1_worker_visits,
	.company_visits = v1_company_visits,
	.company_sir = v1_company_sir,
	.job_adjustments = v1_job_adjustments,
};
