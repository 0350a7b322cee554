/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Who reads the medical content, who is told of a visit (README, "Secret"):
 * the checks every file of tracking goes through, in one place.
 *   - tracking_medical_access: the one gate of every route that reads or
 *     writes medical content (the DMST, a visit's documents, an outcome's
 *     notes, the reason of a request): health professionals only, traced
 *     durably before anything leaves, and the worker's opposition (L4624-8)
 *     binding the professionals other than the médecin du travail;
 *   - tracking_hidden_from_employer, tracking_employer_kept_out: the visits
 *     the employer never learns of (a pré-reprise, a visite à la demande the
 *     worker asked for), and the audited refusal when he asks about one;
 *   - tracking_request_for: a visit request as the caller may read it (the
 *     reason the worker or a physician gave, to the worker and through the
 *     medical gate only). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "planning.h"

/* ---- the medical gate ------------------------------------------------------------------ */

/* tracking.h. The worker's opposition first: a health professional other than
 * the médecin du travail is refused when the worker opposed access by the
 * professionals working under the médecin's authority (the refusal audited),
 * then socle_access_medical (role check and durable trace). */
int tracking_medical_access(socle_req *req, int64_t worker, const char *action, socle_err *err)
{
	const socle_principal *who = socle_req_principal(req);
	int role = who ? socle_principal_role(who) : 0;

	if ((SOCLE_ROLE_BIT(role) & SOCLE_ROLES_HEALTH) && role != SOCLE_ROLE_MEDECIN) {
		socle_db *db = socle_req_reader(req, err);
		json_t *p = json_pack("{s:I}", "w", (json_int_t)worker);
		json_t *rows = db && p ? socle_db_query(db, "SELECT opposition_other_professionals AS o"
		                                        " FROM tracking_dmst WHERE worker_id = :w", p,
		                                        err)
		                       : NULL;

		json_decref(p);
		if (rows == NULL)
			return err->code ? err->code : NOMEM(err);
		bool opposed = json_integer_value(json_object_get(json_array_get(rows, 0), "o")) != 0;
		json_decref(rows);
		if (opposed) {
			json_t *detail = json_pack("{s:s}", "reason", "opposition");
			struct socle_audit_entry e = {.action = action, .object_type = "worker",
			                              .object_id = worker, .outcome = "denied",
			                              .detail = detail};
			int rc = socle_audit_now(req, &e, err);

			json_decref(detail);
			if (rc < 0)
				return rc;
			return socle_err_set(err, SOCLE_E_FORBIDDEN,
			                     "Le salarié s'est opposé à l'accès à son dossier médical par "
			                     "les professionnels de santé autres que le médecin du travail "
			                     "(L4624-8).");
		}
	}
	return socle_access_medical(req, worker, action, err);
}

/* ---- who is told what (tracking.h, README "Secret") ---- */

bool tracking_hidden_from_employer(const char *type, const char *requested_by)
{
	if (type == NULL)
		return false;
	return strcmp(type, "pre_reprise") == 0 ||
	       (strcmp(type, "visite_a_la_demande") == 0 && requested_by != NULL &&
	        strcmp(requested_by, "worker") == 0);
}

bool tracking_employer_kept_out(socle_req *req, int64_t worker, const char *type,
                                const char *requested_by, const char *action)
{
	if (socle_principal_role(socle_req_principal(req)) != SOCLE_ROLE_EMPLOYER ||
	    !tracking_hidden_from_employer(type, requested_by))
		return false;
	json_t *detail = json_pack("{s:s, s:s}", "reason", "hidden_from_employer", "type", type);
	struct socle_audit_entry e = {.action = action, .object_type = "worker",
	                              .object_id = worker, .outcome = "denied", .detail = detail};

	socle_audit_now(req, &e, NULL); /* the refusal stands even if its trace failed */
	json_decref(detail);
	return true;
}

/* A request as the caller may see it. The reason the worker or a physician
 * gave may touch on health: only the worker himself and the health
 * professionals who pass the medical gate read it (tracking_medical_access:
 * the access traced, the worker's opposition binding the infirmier); an
 * employer, an assistant or an administrator never does. Returns @p r. */
json_t *tracking_request_for(socle_req *req, json_t *r)
{
	const socle_principal *who = socle_req_principal(req);
	int role = socle_principal_role(who);
	const json_t *reason = r ? json_object_get(r, "reason") : NULL;
	int64_t worker = r ? iget(r, "worker_id") : 0;

	if (reason == NULL || json_is_null(reason) ||
	    strcmp(sget(r, "requested_by") ? sget(r, "requested_by") : "", "employer") == 0)
		return r;
	if (role == SOCLE_ROLE_EMPLOYEE && socle_principal_has_scope(who, "worker", worker))
		return r;
	if (SOCLE_ROLE_BIT(role) & SOCLE_ROLES_HEALTH) {
		socle_err err = SOCLE_ERR_INIT;

		if (tracking_medical_access(req, worker, "dmst.request.read", &err) == 0)
			return r;
	}
	json_object_del(r, "reason");
	return r;
}
