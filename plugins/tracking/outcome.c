/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Visit outcomes and their documents (issue 4, item 7; seed 3.3.1.2.2 and
 * 3.3.1.2.3): recording what a visit concluded. Its documents are read
 * through documents.c, the reprise warning is reprise.c.
 *   - POST /tracking/visits/{request_id}/outcome: the health professional who
 *     held a scheduled visit (the slot's professional, or any médecin du
 *     travail) records its conclusions in one write: the document for the
 *     employer (attestation de suivi, avis d'aptitude or d'inaptitude: the
 *     models of the arrêté of 3 March 2025, in force on 1 July 2025), proposals
 *     of job adjustment (table tracking_job_adjustment, event
 *     job_adjustment.proposed, for the job-retention plugin), the orientation
 *     (to the médecin, or to care), the ordonnance de prévention for the worker
 *     (main risks, prevention advice, how to reach the service's health
 *     professionals), the next visit date of the protocol (tracking_protocol)
 *     and medical notes, which go to the DMST as entries and never into a
 *     document for the employer. The request becomes "done", the DMST's last
 *     visit and retention date follow (the file is created if needed), and
 *     visit.completed then visit.documents_issued are emitted (ids, type and
 *     date only: no medical content), every change audited in the transaction.
 *
 * Legal ceiling of next_visit_on: the rule point next_visits needs the worker's
 * full follow-up input (category, exposures, history), which this route does
 * not rebuild; the date is checked to come after the visit, not to be in the
 * past, and not to exceed the longest legal periodicity after the visit type
 * held: 24 months after an EMA or an intermediate visit (SIR: a visit every two
 * years at most, R4624-28), 36 months after a suivi adapté (R4624-17), 60
 * months otherwise (R4624-16). The engine still applies the legal ceiling when
 * it is earlier (a protocol date only wins when earlier).
 *
 * Other owners' data: the worker and its company through membership.v1
 * (roster.c: tracking_worker_card), the professional's name and the service
 * administrators' addresses through the core's user directory. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracking.h"

const char tracking_sql_outcome[] =
	"CREATE TABLE tracking_visit_outcome ("
	"  id INTEGER PRIMARY KEY,"
	"  request_id INTEGER NOT NULL UNIQUE REFERENCES tracking_visit_request(id),"
	"  worker_id INTEGER NOT NULL REFERENCES membership_worker(id),"
	"  company_id INTEGER NOT NULL,"
	"  type TEXT NOT NULL,"
	"  held_on TEXT NOT NULL,"
	"  professional_id INTEGER NOT NULL,"
	"  role TEXT NOT NULL CHECK (role = 'medecin' OR role = 'infirmier'),"
	"  attestation TEXT,"
	"  avis TEXT CHECK (avis IS NULL OR avis = 'aptitude' OR avis = 'inaptitude'),"
	"  adjustments TEXT NOT NULL DEFAULT '[]',"
	"  orientation TEXT CHECK (orientation IS NULL OR orientation = 'medecin'"
	"    OR orientation = 'soins'),"
	"  ordonnance TEXT,"
	"  next_visit_on TEXT,"
	"  created_at BIGINT NOT NULL);"
	"CREATE INDEX tracking_outcome_worker ON tracking_visit_outcome (worker_id, held_on);"
	"CREATE INDEX tracking_outcome_company ON tracking_visit_outcome (company_id, held_on);"
	"CREATE TABLE tracking_job_adjustment ("
	"  id INTEGER PRIMARY KEY,"
	"  outcome_id INTEGER NOT NULL REFERENCES tracking_visit_outcome(id),"
	"  request_id INTEGER NOT NULL,"
	"  worker_id INTEGER NOT NULL,"
	"  company_id INTEGER NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  description TEXT NOT NULL,"
	"  status TEXT NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'accepted',"
	"    'refused', 'done')),"
	"  proposed_on TEXT NOT NULL,"
	"  proposed_by INTEGER NOT NULL,"
	"  created_at BIGINT NOT NULL);"
	"CREATE INDEX tracking_job_adjustment_worker ON tracking_job_adjustment (worker_id, id);"
	"CREATE INDEX tracking_job_adjustment_company ON tracking_job_adjustment (company_id, id);"
	"CREATE TABLE tracking_reprise_warning ("
	"  id INTEGER PRIMARY KEY,"
	"  leave_id INTEGER NOT NULL REFERENCES tracking_leave(id),"
	"  worker_id INTEGER NOT NULL,"
	"  company_id INTEGER NOT NULL,"
	"  earliest TEXT,"
	"  latest TEXT NOT NULL,"
	"  job_id BIGINT,"
	"  sent_at BIGINT,"
	"  created_at BIGINT NOT NULL);"
	"CREATE UNIQUE INDEX tracking_reprise_warning_key ON tracking_reprise_warning"
	"  (leave_id, latest);";

/* ---- dates ("YYYY-MM-DD" text; they sort as they compare) ----------------------- */

/* @p date plus @p months, the day clamped to the month's end (a ceiling);
 * 9999-12-31 when out of range. */
static void date_add_months(const char *date, int months, char out[11])
{
	if (!socle_date_add_months(date, months, out))
		snprintf(out, 11, "%s", "9999-12-31");
}

/* ---- small helpers ------------------------------------------------------------------ */

bool tracking_present(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	return v != NULL && !json_is_null(v);
}

/* A refusal: audited durably (outcome "denied"), then 403 with @p message. */
int tracking_refuse(socle_req *req, const char *action, int64_t worker, const char *reason,
                    const char *message)
{
	json_t *detail = json_pack("{s:s}", "reason", reason);
	struct socle_audit_entry e = {.action = action, .object_type = "worker",
	                              .object_id = worker, .outcome = "denied", .detail = detail};
	socle_err err = SOCLE_ERR_INIT;
	int rc = socle_audit_now(req, &e, &err);

	json_decref(detail);
	if (rc < 0)
		return socle_reply_err(req, &err);
	return socle_reply_error(req, 403, "forbidden", message);
}

/* ---- POST /tracking/visits/{request_id}/outcome ------------------------------------------ */

static const char *const document_choices[] = {"attestation", "avis_aptitude", "avis_inaptitude",
                                               "aucun", NULL};
static const char *const orientation_choices[] = {"medecin", "soins", NULL};
static const char *const mention_choices[] = {"mi_carriere", "post_exposition",
                                              "post_professionnelle", NULL};
static const char *const adjustment_kinds[] = {"poste", "horaires", "teletravail", "materiel",
                                               "formation", "reclassement", "autre", NULL};
static const char *const note_kinds[] = {"exposure_past", "exposure_current", "observation",
                                         "exam", "conclusion", "exchange", "info_given", NULL};

static const struct socle_field outcome_fields[] = {
	{"held_on", SOCLE_F_DATE, true, 0, 0, NULL, NULL},
	{"document", SOCLE_F_ENUM, true, 0, 0, document_choices, NULL},
	{"mentions", SOCLE_F_ARRAY, false, 0, 3, NULL, NULL},
	{"remarks", SOCLE_F_STRING, false, 1, 2000, NULL, NULL},
	{"reclassement", SOCLE_F_STRING, false, 1, 2000, NULL, NULL},
	{"adjustments", SOCLE_F_ARRAY, false, 0, 20, NULL, NULL},
	{"orientation", SOCLE_F_ENUM, false, 0, 0, orientation_choices, NULL},
	{"ordonnance", SOCLE_F_OBJECT, false, 0, 0, NULL, NULL},
	{"next_visit_on", SOCLE_F_DATE, false, 0, 0, NULL, NULL},
	{"notes", SOCLE_F_ARRAY, false, 0, 50, NULL, NULL},
};

static const struct socle_field adjustment_fields[] = {
	{"kind", SOCLE_F_ENUM, true, 0, 0, adjustment_kinds, NULL},
	{"description", SOCLE_F_STRING, true, 1, 2000, NULL, NULL},
};

static const struct socle_field ordonnance_fields[] = {
	{"risks", SOCLE_F_ARRAY, true, 1, 20, NULL, NULL},
	{"advice", SOCLE_F_ARRAY, true, 1, 20, NULL, NULL},
	{"contact", SOCLE_F_STRING, false, 1, 1000, NULL, NULL},
};

static const struct socle_field note_fields[] = {
	{"kind", SOCLE_F_ENUM, true, 0, 0, note_kinds, NULL},
	{"text", SOCLE_F_STRING, true, 1, 20000, NULL, NULL},
};

/* Each element of @p list (an array) checked against @p fields, as "key[n].". */
static int check_items(const json_t *list, const char *key, const struct socle_field *fields,
                       size_t count, json_t **errors)
{
	const json_t *e;
	size_t i;
	int n = 0;

	json_array_foreach(list, i, e) {
		char prefix[64];

		snprintf(prefix, sizeof(prefix), "%s[%zu].", key, i + 1);
		if (!json_is_object(e)) {
			socle_field_error(errors, prefix, "Un objet est attendu.");
			n++;
			continue;
		}
		n += socle_fields_check(e, fields, count, prefix, errors);
	}
	return n;
}

/* A list of 1 to 20 non-empty texts (1000 bytes at most each). */
static int check_texts(const json_t *list, const char *key, json_t **errors)
{
	const json_t *e;
	size_t i;
	int n = 0;

	json_array_foreach(list, i, e)
		if (!json_is_string(e) || json_string_length(e) == 0 || json_string_length(e) > 1000) {
			char name[64];

			snprintf(name, sizeof(name), "%s[%zu]", key, i + 1);
			socle_field_error(errors, name, "Un texte non vide (1000 caractères au plus) est "
			                  "attendu.");
			n++;
		}
	return n;
}

struct outcome_write {
	socle_req *req;
	const json_t *body;
	json_t *request; /* the request as loaded before the write (owned) */
	int64_t request_id, professional, outcome_id;
	const char *role; /* "medecin" or "infirmier" */
	json_t *employer_doc; /* attestation or avis (owned), NULL for none */
	json_t *ordonnance;   /* owned, NULL for none */
	const char *avis;     /* "aptitude", "inaptitude" or NULL */
	json_t *result;       /* the reply (owned) */
};

/* The DMST follows the visit: last visit and retention, the file created if the
 * worker has none, and the notes as entries (dated the day of the visit). */
static int dmst_follow(socle_db *wdb, struct outcome_write *ow, int64_t worker, const char *held,
                       socle_err *err)
{
	socle_err e2 = SOCLE_ERR_INIT;
	char now[11], until[11];
	int64_t ms = socle_now_ms(), user = ow->professional;
	int rc;

	socle_date_today(now);
	json_t *file = socle_db_query_one_new(wdb, "SELECT last_visit_on, death_on, created_on FROM tracking_dmst"
	                          " WHERE worker_id = :w",
	                     json_pack("{s:I}", "w", (json_int_t)worker), &e2);
	if (file == NULL && e2.code != SOCLE_E_NOTFOUND)
		return socle_err_set(err, e2.code ? e2.code : SOCLE_E_NOMEM, "%s", e2.msg);
	if (file == NULL) {
		tracking_dmst_retention_until(held, NULL, now, until);
		rc = q_ok(wdb,
			"INSERT INTO tracking_dmst (worker_id, opposition_other_professionals,"
			" opposition_transfer, last_visit_on, retention_until, created_on, created_at,"
			" created_by, updated_at, updated_by)"
			" VALUES (:w, 0, 0, :lv, :until, :on, :now, :by, :now, :by)",
			json_pack("{s:I, s:s, s:s, s:s, s:I, s:I}", "w", (json_int_t)worker, "lv", held,
			          "until", until, "on", now, "now", (json_int_t)ms, "by", (json_int_t)user),
			err);
		if (rc || (rc = audit(wdb, ow->req, "tracking.dmst.create", "dmst", worker,
		                      json_pack("{s:I, s:I}", "worker_id", (json_int_t)worker,
		                                "request_id", (json_int_t)ow->request_id), err)) ||
		    (rc = emit(wdb, "dmst.created", json_pack("{s:I}", "worker_id", (json_int_t)worker),
		               err)))
			return rc;
	} else {
		const char *last = sget(file, "last_visit_on");

		if (last == NULL || strcmp(last, held) < 0) {
			tracking_dmst_retention_until(held, sget(file, "death_on"),
			                              sget(file, "created_on"), until);
			rc = q_ok(wdb, "UPDATE tracking_dmst SET last_visit_on = :lv,"
			                " retention_until = :until, updated_at = :now, updated_by = :by"
			                " WHERE worker_id = :w",
			           json_pack("{s:I, s:s, s:s, s:I, s:I}", "w", (json_int_t)worker, "lv",
			                     held, "until", until, "now", (json_int_t)ms, "by",
			                     (json_int_t)user),
			           err);
			if (rc || (rc = audit(wdb, ow->req, "tracking.dmst.update", "dmst", worker,
			                      json_pack("{s:I, s:I, s:[s]}", "worker_id",
			                                (json_int_t)worker, "request_id",
			                                (json_int_t)ow->request_id, "fields",
			                                "last_visit_on"),
			                      err))) {
				json_decref(file);
				return rc;
			}
		}
		json_decref(file);
	}
	const json_t *notes = json_object_get(ow->body, "notes"), *n;
	size_t i;
	json_array_foreach(notes, i, n) {
		rc = q_ok(wdb,
			"INSERT INTO tracking_dmst_entry (worker_id, kind, entry_date, entry_text, data,"
			" corrects_id, author_id, author_role, created_at)"
			" VALUES (:w, :kind, :date, :text, :data, NULL, :by, :role, :now)",
			json_pack("{s:I, s:O, s:s, s:O, s:{s:I}, s:I, s:s, s:I}", "w", (json_int_t)worker,
			          "kind", json_object_get(n, "kind"), "date", held, "text",
			          json_object_get(n, "text"), "data", "request_id",
			          (json_int_t)ow->request_id, "by", (json_int_t)user, "role", ow->role,
			          "now", (json_int_t)ms),
			err);
		if (rc)
			return rc;
		int64_t id = socle_db_last_insert_id(wdb);
		if ((rc = audit(wdb, ow->req, "tracking.dmst.entry.add", "dmst_entry", id,
		                json_pack("{s:I, s:I}", "worker_id", (json_int_t)worker, "request_id",
		                          (json_int_t)ow->request_id), err)))
			return rc;
	}
	return emit(wdb, "dmst.updated",
	            json_pack("{s:I, s:I, s:I}", "worker_id", (json_int_t)worker, "request_id",
	                      (json_int_t)ow->request_id, "entries",
	                      (json_int_t)json_array_size(notes)),
	            err);
}

static int outcome_txn(socle_db *wdb, void *ud, socle_err *err)
{
	struct outcome_write *ow = ud;
	const json_t *b = ow->body, *r = ow->request;
	socle_err e2 = SOCLE_ERR_INIT;
	int64_t worker = iget(r, "worker_id"), company = iget(r, "company_id");
	int64_t ms = socle_now_ms();
	const char *held = sget(b, "held_on");
	int rc;

	/* The request may have moved since it was read. */
	json_t *cur = socle_db_query_one_new(wdb, "SELECT status, slot_id FROM tracking_visit_request WHERE id = :id",
	                    json_pack("{s:I}", "id", (json_int_t)ow->request_id), &e2);
	if (cur == NULL)
		return socle_err_set(err, e2.code ? e2.code : SOCLE_E_NOMEM, "%s", e2.msg);
	bool same = strcmp(sget(cur, "status"), "scheduled") == 0 &&
	            iget(cur, "slot_id") == iget(r, "slot_id");
	json_decref(cur);
	if (!same)
		return socle_err_set(err, SOCLE_E_CONFLICT, "La visite a changé entre-temps : elle n'est "
		                     "plus planifiée sur ce créneau.");

	json_t *adj = json_object_get(b, "adjustments");
	rc = q_ok(wdb,
		"INSERT INTO tracking_visit_outcome (request_id, worker_id, company_id, type, held_on,"
		" professional_id, role, attestation, avis, adjustments, orientation, ordonnance,"
		" next_visit_on, created_at) VALUES (:r, :w, :c, :t, :held, :pro, :role, :att, :avis,"
		" :adj, :ori, :ord, :next, :now)",
		json_pack("{s:I, s:I, s:I, s:O, s:s, s:I, s:s, s:O?, s:s?, s:o, s:O?, s:O?, s:O?, s:I}",
		          "r", (json_int_t)ow->request_id, "w", (json_int_t)worker, "c",
		          (json_int_t)company, "t", json_object_get(r, "type"), "held", held, "pro",
		          (json_int_t)ow->professional, "role", ow->role, "att", ow->employer_doc,
		          "avis", ow->avis, "adj", adj ? json_incref(adj) : json_array(), "ori",
		          json_object_get(b, "orientation"), "ord", ow->ordonnance, "next",
		          json_object_get(b, "next_visit_on"), "now", (json_int_t)ms),
		err);
	if (rc)
		return rc;
	ow->outcome_id = socle_db_last_insert_id(wdb);

	/* Proposals of job adjustment, for the job-retention plugin: one row and
	 * one event each, and all of them in one event with the avis (issue 17),
	 * so that the PDP cell hears them without reading tracking's tables. */
	const json_t *a;
	size_t i;
	json_t *proposals = json_array();
	if (proposals == NULL)
		return NOMEM(err);
	json_array_foreach(adj, i, a) {
		if ((rc = q_ok(wdb,
		                "INSERT INTO tracking_job_adjustment (outcome_id, request_id, worker_id,"
		                " company_id, kind, description, status, proposed_on, proposed_by,"
		                " created_at) VALUES (:o, :r, :w, :c, :kind, :d, 'proposed', :on, :by,"
		                " :now)",
		                json_pack("{s:I, s:I, s:I, s:I, s:O, s:O, s:s, s:I, s:I}", "o",
		                          (json_int_t)ow->outcome_id, "r", (json_int_t)ow->request_id,
		                          "w", (json_int_t)worker, "c", (json_int_t)company, "kind",
		                          json_object_get(a, "kind"), "d",
		                          json_object_get(a, "description"), "on", held, "by",
		                          (json_int_t)ow->professional, "now", (json_int_t)ms),
		                err))) {
			json_decref(proposals);
			return rc;
		}
		int64_t id = socle_db_last_insert_id(wdb);
		json_array_append_new(proposals,
		                      json_pack("{s:I, s:O, s:O}", "adjustment_id", (json_int_t)id,
		                                "kind", json_object_get(a, "kind"), "description",
		                                json_object_get(a, "description")));
		if ((rc = emit(wdb, "job_adjustment.proposed",
		               json_pack("{s:I, s:I, s:I, s:I, s:I, s:O}", "adjustment_id",
		                         (json_int_t)id, "outcome_id", (json_int_t)ow->outcome_id,
		                         "request_id", (json_int_t)ow->request_id, "worker_id",
		                         (json_int_t)worker, "company_id", (json_int_t)company, "kind",
		                         json_object_get(a, "kind")),
		               err))) {
			json_decref(proposals);
			return rc;
		}
	}
	if (json_array_size(proposals) > 0 || (ow->avis && strcmp(ow->avis, "inaptitude") == 0)) {
		if ((rc = emit(wdb, "job_adjustment.proposals_issued",
		               json_pack("{s:I, s:I, s:I, s:I, s:O, s:s, s:s?, s:O}", "outcome_id",
		                         (json_int_t)ow->outcome_id, "request_id",
		                         (json_int_t)ow->request_id, "worker_id", (json_int_t)worker,
		                         "company_id", (json_int_t)company, "visit_type",
		                         json_object_get(r, "type"), "held_on", held, "avis", ow->avis,
		                         "proposals", proposals),
		               err))) {
			json_decref(proposals);
			return rc;
		}
	}
	json_decref(proposals);

	if ((rc = q_ok(wdb, "UPDATE tracking_visit_request SET status = 'done', updated_at = :now"
	                     " WHERE id = :id",
	                json_pack("{s:I, s:I}", "id", (json_int_t)ow->request_id, "now",
	                          (json_int_t)ms),
	                err)))
		return rc;

	/* The protocol's next visit (the periodicity, if any, is kept). */
	if (tracking_present(b, "next_visit_on")) {
		char now[11];

		socle_date_today(now);
		if ((rc = q_ok(wdb,
		                "INSERT INTO tracking_protocol (worker_id, next_visit_on, set_by, set_on,"
		                " updated_at) VALUES (:w, :next, :by, :on, :now)"
		                " ON CONFLICT (worker_id) DO UPDATE SET next_visit_on = :next,"
		                " set_by = :by, set_on = :on, updated_at = :now",
		                json_pack("{s:I, s:O, s:I, s:s, s:I}", "w", (json_int_t)worker, "next",
		                          json_object_get(b, "next_visit_on"), "by",
		                          (json_int_t)ow->professional, "on", now, "now",
		                          (json_int_t)ms),
		                err)) ||
		    (rc = audit(wdb, ow->req, "tracking.protocol.set", "worker", worker,
		                json_pack("{s:O, s:I}", "next_visit_on",
		                          json_object_get(b, "next_visit_on"), "request_id",
		                          (json_int_t)ow->request_id),
		                err)))
			return rc;
	}

	if ((rc = dmst_follow(wdb, ow, worker, held, err)))
		return rc;

	json_t *docs = json_array();
	if (docs && ow->employer_doc)
		json_array_append_new(docs, json_string(ow->avis ? "avis" : "attestation"));
	if (docs && ow->ordonnance)
		json_array_append_new(docs, json_string("ordonnance"));
	if (docs == NULL)
		return NOMEM(err);
	if ((rc = emit(wdb, "visit.completed",
	               json_pack("{s:I, s:I, s:I, s:O, s:s}", "request_id",
	                         (json_int_t)ow->request_id, "worker_id", (json_int_t)worker,
	                         "company_id", (json_int_t)company, "type",
	                         json_object_get(r, "type"), "held_on", held),
	               err)) ||
	    (rc = emit(wdb, "visit.documents_issued",
	               json_pack("{s:I, s:I, s:I, s:O}", "request_id", (json_int_t)ow->request_id,
	                         "worker_id", (json_int_t)worker, "company_id", (json_int_t)company,
	                         "documents", docs),
	               err)) ||
	    (rc = audit(wdb, ow->req, "tracking.visit.complete", "visit_request", ow->request_id,
	                json_pack("{s:I, s:I, s:O, s:s, s:O, s:I, s:I}", "worker_id",
	                          (json_int_t)worker, "company_id", (json_int_t)company, "type",
	                          json_object_get(r, "type"), "held_on", held, "documents", docs,
	                          "adjustments", (json_int_t)json_array_size(adj), "notes",
	                          (json_int_t)json_array_size(json_object_get(b, "notes"))),
	                err))) {
		json_decref(docs);
		return rc;
	}
	ow->result = json_pack("{s:I, s:I, s:I, s:I, s:O, s:s, s:s, s:s, s:s?, s:O, s:s}", "id",
	                       (json_int_t)ow->outcome_id, "request_id", (json_int_t)ow->request_id,
	                       "worker_id", (json_int_t)worker, "company_id", (json_int_t)company,
	                       "type", json_object_get(r, "type"), "held_on", held, "role", ow->role,
	                       "status", "done", "avis", ow->avis, "documents", docs,
	                       "next_visit_on", tracking_present(b, "next_visit_on")
	                                          ? sget(b, "next_visit_on") : "");
	json_decref(docs);
	if (ow->result && !tracking_present(b, "next_visit_on"))
		json_object_set_new(ow->result, "next_visit_on", json_null());
	return ow->result ? 0 : NOMEM(err);
}

/* The employer's document of an outcome body: what the employer may read. */
static json_t *employer_document(const json_t *b, const struct tracking_visit_type *t, bool orient_medecin)
{
	const char *doc = sget(b, "document");
	bool avis = strncmp(doc, "avis_", 5) == 0;
	json_t *d = json_pack("{s:s, s:[]}", "model", avis ? doc : "attestation_suivi", "mentions");

	if (d == NULL)
		return NULL;
	/* The attestation names the visit it follows (mi-carrière, post-exposition,
	 * post-professionnelle) as the arrêté's model does. */
	json_t *mentions = json_object_get(d, "mentions");
	const json_t *m;
	size_t i;
	json_array_foreach(json_object_get(b, "mentions"), i, m) {
		bool dup = false;
		size_t j;
		const json_t *x;

		json_array_foreach(mentions, j, x)
			dup |= json_equal(x, m);
		if (!dup)
			json_array_append(mentions, (json_t *)m);
	}
	if (!avis && (strcmp(t->code, "mi_carriere") == 0 || strcmp(t->code, "post_exposition") == 0)) {
		json_t *auto_m = json_string(t->code);
		bool dup = false;
		size_t j;
		const json_t *x;

		json_array_foreach(mentions, j, x)
			dup |= json_equal(x, auto_m);
		if (!dup)
			json_array_append(mentions, auto_m);
		json_decref(auto_m);
	}
	if (tracking_present(b, "remarks"))
		json_object_set(d, "remarks", json_object_get(b, "remarks"));
	if (tracking_present(b, "reclassement"))
		json_object_set(d, "reclassement", json_object_get(b, "reclassement"));
	json_object_set_new(d, "orientation_medecin", json_boolean(orient_medecin));
	return d;
}

static int outcome_post(socle_req *req, void *ud)
{
	struct outcome_write ow = {.req = req, .body = socle_req_body(req)};
	const json_t *b = ow.body;
	const socle_principal *who = socle_req_principal(req);
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	char now[11];
	int rc;
	(void)ud;

	if (socle_req_param_id(req, "request_id", &ow.request_id) != 0)
		return socle_reply_error(req, 404, "not_found", "Demande de visite introuvable.");
	if (b == NULL)
		return socle_reply_error(req, 400, "invalid", "Corps JSON attendu.");
	if (socle_fields_check(b, outcome_fields, SOCLE_COUNT(outcome_fields), NULL, &errors) > 0)
		return socle_reply_invalid(req, errors);
	const json_t *mentions = json_object_get(b, "mentions"), *x;
	size_t i;
	json_array_foreach(mentions, i, x) {
		bool ok = false;

		for (size_t k = 0; json_is_string(x) && mention_choices[k]; k++)
			ok |= strcmp(mention_choices[k], json_string_value(x)) == 0;
		if (!ok) {
			char name[32];

			snprintf(name, sizeof(name), "mentions[%zu]", i + 1);
			socle_field_error(&errors, name, "mi_carriere, post_exposition ou "
			                  "post_professionnelle attendu.");
		}
	}
	check_items(json_object_get(b, "adjustments"), "adjustments", adjustment_fields,
	            SOCLE_COUNT(adjustment_fields), &errors);
	check_items(json_object_get(b, "notes"), "notes", note_fields, SOCLE_COUNT(note_fields),
	            &errors);
	const json_t *ord = json_object_get(b, "ordonnance");
	if (ord && json_is_object(ord) &&
	    socle_fields_check(ord, ordonnance_fields, SOCLE_COUNT(ordonnance_fields),
	                       "ordonnance.", &errors) == 0) {
		check_texts(json_object_get(ord, "risks"), "ordonnance.risks", &errors);
		check_texts(json_object_get(ord, "advice"), "ordonnance.advice", &errors);
	}
	if (errors)
		return socle_reply_invalid(req, errors);

	/* The request, the slot, the caller. */
	socle_db *db = socle_req_reader(req, &err);
	ow.request = db ? socle_db_query_one_new(db, "SELECT r.id, r.worker_id, r.company_id, r.type, r.status,"
	                            " r.slot_id, s.professional_id, s.starts_at, s.starts_ms"
	                            " FROM tracking_visit_request r"
	                            " LEFT JOIN tracking_slot s ON s.id = r.slot_id WHERE r.id = :id",
	                        json_pack("{s:I}", "id", (json_int_t)ow.request_id), &err)
	                : NULL;
	if (ow.request == NULL) {
		if (err.code == SOCLE_E_NOTFOUND)
			return socle_reply_error(req, 404, "not_found", "Demande de visite introuvable.");
		return err.code ? socle_reply_err(req, &err) : SOCLE_E_NOMEM;
	}
	const json_t *r = ow.request;
	int64_t worker = iget(r, "worker_id");
	const struct tracking_visit_type *t = tracking_visit_type(sget(r, "type"));
	int role = socle_principal_role(who);
	ow.role = role == SOCLE_ROLE_MEDECIN ? "medecin" : "infirmier";
	ow.professional = socle_principal_user_id(who);
	if (strcmp(sget(r, "status"), "done") == 0) {
		rc = socle_reply_error(req, 409, "already_exists",
		                       "Les conclusions de cette visite sont déjà enregistrées.");
		goto out;
	}
	if (strcmp(sget(r, "status"), "scheduled") != 0 || !tracking_present(r, "professional_id")) {
		rc = socle_reply_error(req, 409, "conflict", "Cette visite n'est pas planifiée : ses "
		                       "conclusions ne peuvent pas être enregistrées.");
		goto out;
	}
	if (t == NULL || strcmp(t->code, "rendez_vous_liaison") == 0) {
		rc = socle_reply_error(req, 409, "conflict", "Le rendez-vous de liaison n'est pas une "
		                       "visite médicale : il ne donne lieu à aucune conclusion.");
		goto out;
	}
	if (role != SOCLE_ROLE_MEDECIN && role != SOCLE_ROLE_INFIRMIER) {
		rc = tracking_refuse(req, "tracking.visit.complete", worker, "role",
				     "Seuls les professionnels de santé enregistrent les conclusions d'une visite.");
		goto out;
	}
	if (role != SOCLE_ROLE_MEDECIN && iget(r, "professional_id") != ow.professional) {
		rc = tracking_refuse(req, "tracking.visit.complete", worker, "not_the_professional",
				     "Seul le professionnel de santé qui a tenu la visite, ou un médecin du "
				     "travail, en enregistre les conclusions.");
		goto out;
	}
	if (role != SOCLE_ROLE_MEDECIN && strcmp(t->who, "medecin") == 0) {
		rc = tracking_refuse(req, "tracking.visit.complete", worker, "medecin_only",
				     "Cette visite relève du médecin du travail : un infirmier n'en enregistre "
				     "pas les conclusions.");
		goto out;
	}
	const char *doc = sget(b, "document");
	if (strcmp(doc, "avis_inaptitude") == 0 && role != SOCLE_ROLE_MEDECIN) {
		rc = tracking_refuse(req, "tracking.visit.complete", worker, "inaptitude_medecin_only",
				     "Seul le médecin du travail peut déclarer un salarié inapte à son poste "
				     "(L4624-4, R4624-42).");
		goto out;
	}

	/* The document against the visit type, the dates. */
	if (t->sir && strncmp(doc, "avis_", 5) != 0)
		socle_field_error(&errors, "document", "Un examen médical d'aptitude (suivi renforcé) "
		                  "conclut par un avis d'aptitude ou d'inaptitude.");
	else if (!t->sir && strcmp(doc, "avis_aptitude") == 0)
		socle_field_error(&errors, "document", "L'avis d'aptitude est réservé au suivi "
		                  "individuel renforcé ; cette visite donne lieu à une attestation de "
		                  "suivi.");
	else if (strcmp(t->code, "pre_reprise") == 0 && strcmp(doc, "aucun") != 0)
		socle_field_error(&errors, "document", "La visite de pré-reprise ne donne lieu à aucun "
		                  "document pour l'employeur (R4624-30) : indiquez \"aucun\".");
	else if (strcmp(t->code, "pre_reprise") != 0 && strcmp(doc, "aucun") == 0)
		socle_field_error(&errors, "document", "Cette visite donne lieu à une attestation de "
		                  "suivi ou à un avis.");
	if (tracking_present(b, "mentions") && json_array_size(mentions) > 0 && strcmp(doc, "attestation") != 0)
		socle_field_error(&errors, "mentions", "Les mentions ne figurent que sur l'attestation "
		                  "de suivi.");
	if (tracking_present(b, "reclassement") && strcmp(doc, "avis_inaptitude") != 0)
		socle_field_error(&errors, "reclassement", "Les indications de reclassement "
		                  "accompagnent un avis d'inaptitude.");
	if (role == SOCLE_ROLE_MEDECIN && strcmp(sget(b, "orientation") ? sget(b, "orientation")
	                                                                 : "", "medecin") == 0)
		socle_field_error(&errors, "orientation", "Le médecin du travail ne s'oriente pas vers "
		                  "lui-même : orientation \"soins\", ou aucune.");
	socle_date_today(now);
	const char *held = sget(b, "held_on");
	char slot_day[11];
	snprintf(slot_day, sizeof(slot_day), "%.10s", sget(r, "starts_at") ? sget(r, "starts_at")
	                                                                  : "0000-00-00");
	if (strcmp(held, now) > 0)
		socle_field_error(&errors, "held_on", "La visite ne peut pas être datée après "
		                  "aujourd'hui (%s).", now);
	else if (strcmp(held, slot_day) < 0)
		socle_field_error(&errors, "held_on", "La visite était planifiée le %s : elle ne peut "
		                  "pas avoir eu lieu avant.", slot_day);
	else if (json_is_integer(json_object_get(r, "starts_ms")) &&
	         socle_now_ms() < iget(r, "starts_ms")) {
		/* Its conclusions are the visit's own: none before it has begun. */
		char day_fr[SOCLE_DATE_FR_SIZE], hour_fr[16];
		const char *at = sget(r, "starts_at");

		socle_date_fr(slot_day, day_fr);
		socle_time_fr(atoi(at + 11), atoi(at + 14), hour_fr);
		socle_field_error(&errors, "held_on", "La visite commence le %s à %s : ses conclusions "
		                  "s'enregistrent une fois qu'elle a commencé.", day_fr, hour_fr);
	}
	const char *next = sget(b, "next_visit_on");
	if (next) {
		char ceiling[11];

		date_add_months(held, t->ceiling_months, ceiling);
		if (strcmp(next, held) <= 0 || strcmp(next, now) < 0)
			socle_field_error(&errors, "next_visit_on", "La prochaine visite doit suivre celle-ci "
			                  "et ne pas être dans le passé.");
		else if (strcmp(next, ceiling) > 0)
			socle_field_error(&errors, "next_visit_on", "La prochaine visite ne peut pas dépasser "
			                  "le délai maximal après cette visite (%d mois) : au plus tard le %s.",
			                  t->ceiling_months, ceiling);
	}
	if (errors) {
		rc = socle_reply_invalid(req, errors);
		errors = NULL;
		goto out;
	}

	/* Notes are written to the DMST: the medical gate, so that a worker's
	 * opposition binds the infirmier (L4624-8); the access is traced before
	 * anything is written. */
	if ((json_array_size(json_object_get(b, "notes")) > 0
	             ? tracking_medical_access(req, worker, "dmst.write", &err)
	             : socle_access_medical(req, worker, "dmst.write", &err)) != 0) {
		rc = socle_reply_err(req, &err);
		goto out;
	}

	if (strcmp(doc, "aucun") != 0) {
		ow.employer_doc = employer_document(b, t, strcmp(sget(b, "orientation") ?
		                                                 sget(b, "orientation") : "",
		                                                 "medecin") == 0);
		if (ow.employer_doc == NULL) {
			rc = SOCLE_E_NOMEM;
			goto out;
		}
		if (strcmp(doc, "avis_aptitude") == 0)
			ow.avis = "aptitude";
		else if (strcmp(doc, "avis_inaptitude") == 0)
			ow.avis = "inaptitude";
	}
	if (ord && json_is_object(ord))
		ow.ordonnance = json_deep_copy(ord);
	rc = socle_service_write(socle_req_service(req), outcome_txn, &ow, &err);
	if (rc != 0) {
		json_decref(ow.result);
		if (rc == SOCLE_E_CONFLICT)
			rc = socle_reply_error(req, 409, "conflict", err.msg);
		else
			rc = socle_reply_err(req, &err);
		goto out;
	}
	rc = socle_reply_json(req, 201, ow.result);
out:
	json_decref(errors);
	json_decref(ow.request);
	json_decref(ow.employer_doc);
	json_decref(ow.ordonnance);
	return rc;
}

/* ---- registration ------------------------------------------------------------------------ */

static const struct socle_route outcome_routes[] = {
	{SOCLE_POST, "/tracking/visits/{request_id}/outcome", SOCLE_CAP_MEDICAL_WRITE, 65536,
	 outcome_post, NULL},
};

int tracking_outcome_init(socle_plugin *p, socle_err *err)
{
	int rc;

	if ((rc = socle_plugin_add_routes(p, outcome_routes, SOCLE_COUNT(outcome_routes), err)) ||
	    (rc = tracking_documents_init(p, err)) || (rc = tracking_reprise_init(p, err)))
		return rc;
	return 0;
}
