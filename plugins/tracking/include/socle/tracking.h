/* SPDX-License-Identifier: AGPL-3.0-or-later */
/** @file
 * tracking.v1: what the tracking plugin (the individual follow-up) offers
 * other plugins (socle/export.h): the visits a worker had and owes, a
 * company's visits by type and year, the SIR declared and observed per
 * company, and the job-adjustment proposals of visit outcomes.
 *
 * Import it in init() after naming "tracking" in the descriptor's requires:
 *
 *     static const struct tracking_v1 *T;
 *     T = socle_plugin_import(p, TRACKING_V1_NAME, TRACKING_V1_MAJOR,
 *                             sizeof(*T), 0, err);
 *     if (T == NULL) return err->code;
 *
 * Every function takes the caller's connection @p db (a reader, or the
 * writer inside a write transaction, whose own writes it then sees) and never
 * writes. JSON results are new references the caller releases; on failure they
 * are NULL with @p err set: SOCLE_E_INVAL for a bad argument (French message),
 * SOCLE_E_NOTFOUND for an unknown worker or company. Dates are "YYYY-MM-DD".
 * The struct only grows at the end: members are appended, never removed or
 * changed (that would be tracking.v2).
 *
 * Medical secrecy: nothing here carries medical content. No note of the
 * DMST, no ordonnance de prévention, no orientation to care, no reason a
 * worker or a physician gave for a request ever goes through this table; a
 * visit is told by its type, date, who held it and which document the
 * employer received (attestation de suivi, avis d'aptitude or d'inaptitude),
 * as the employer himself receives it. Visits the employer must not learn of
 * (a pré-reprise, a visite à la demande the worker asked for: R4624-29,
 * R4624-34) are marked "kept_from_employer", or left out where the header
 * says so: a consumer showing a worker's data to an employer user drops the
 * marked items. The caller checks who may read what (capabilities, company
 * scope): these functions do not know the request.
 *
 * Events tell a consumer when to read again (docs/events.md): visit.completed,
 * visit.scheduled, visit.cancelled, job_adjustment.proposed,
 * job_adjustment.proposals_issued.
 */
#ifndef SOCLE_TRACKING_H
#define SOCLE_TRACKING_H

#include <stdbool.h>

#include <jansson.h>
#include <socle/defs.h>
#include <socle/err.h>

#define TRACKING_V1_NAME "tracking"
#define TRACKING_V1_MAJOR 1u

struct tracking_v1 {
	/** One worker's visits held, newest first, and its next visits due:
	 * {"worker_id", "company_id",
	 *  "held": [{"request_id", "type", "label", "held_on", "role" ("medecin" or
	 *            "infirmier"), "document" ("attestation", "avis_aptitude",
	 *            "avis_inaptitude" or null), "next_visit_on" (the date the
	 *            professional set, or null), "kept_from_employer"}],
	 *  "due": {"visits": [{"type", "earliest", "latest" or "before", "who",
	 *          "overdue"}] (by deadline), "next_type", "next_due", "overdue"
	 *          (how many are overdue), "error" (why the engine could not
	 *          answer, in French, or null)} or null when the worker's next
	 *          visits were never computed}.
	 * "due" is the service's last computation (the nightly run of the rule
	 * point next_visits, redone for a worker after a visit or a change of
	 * the worker), as the company's due-visits list shows it.
	 * @p employer_view true leaves out the visits kept from the employer. */
	json_t *(*worker_visits)(socle_db *db, int64_t worker_id, bool employer_view,
	                         socle_err *err);

	/** A company's visits held in @p year (2000..2200), by type in the order
	 * of GET /tracking/visit-types, types without a visit left out:
	 * {"company_id", "year", "total", "by_type": [{"type", "label", "held"}]}.
	 * A visit is counted once, in the year of the day it was held. Visits
	 * kept from the employer are not counted (the count would tell him). */
	json_t *(*company_visits)(socle_db *db, int64_t company_id, int year, socle_err *err);

	/** The suivi individuel renforcé (SIR) of a company's workers employed
	 * today (no end date, or one not yet passed), declared and observed:
	 * {"company_id", "workers", "declared", "observed", "declared_observed",
	 *  "declared_only", "observed_only"}, each a count of workers:
	 *   - declared: the worker's follow-up category is SIR, as membership
	 *     computes it from what the employer declared (a post on the list of
	 *     R4624-23, its exposures);
	 *   - observed: a health professional recorded for the worker the outcome
	 *     of a visit of the SIR follow-up (examen médical d'aptitude initial
	 *     or periodic, visite intermédiaire: R4624-24, R4624-28), whatever
	 *     its date;
	 *   - declared_observed, declared_only, observed_only: both, the first
	 *     without the second (no SIR visit held yet: a new post, or one
	 *     overdue), the second without the first (followed as SIR by the
	 *     service while the employer no longer declares it).
	 * Counts only: which workers is for the routes that check who asks. */
	json_t *(*company_sir)(socle_db *db, int64_t company_id, socle_err *err);

	/** The job-adjustment proposals of visit outcomes (L4624-3), of one
	 * company (@p company_id > 0), of one of its workers when
	 * @p worker_id > 0, in id order after @p after_id, by pages of at most
	 * @p limit (1..500): {"items": [{"adjustment_id", "outcome_id",
	 * "request_id", "worker_id", "company_id", "visit_type", "held_on", "kind"
	 * (poste, horaires, teletravail, materiel, formation, reclassement,
	 * autre), "description", "status" (proposed, accepted, refused, done),
	 * "proposed_on", "kept_from_employer"}], "next_cursor"}: as every list of
	 * the API (socle_page_cursor), the last adjustment_id as text when the page
	 * is full (ask again after it), null when it is not. The proposals
	 * only, as the médecin wrote them for the employer: never the visit's
	 * notes. A proposal of a pré-reprise is "kept_from_employer": the
	 * employer learns it only as the médecin decides, with the worker's
	 * consent (R4624-30). */
	json_t *(*job_adjustments)(socle_db *db, int64_t company_id, int64_t worker_id,
	                           int64_t after_id, int limit, socle_err *err);
};

#endif
