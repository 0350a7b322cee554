/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The events tracking emits and the error codes its routes answer with,
 * declared for the catalogues (docs/events.md, docs/errors.md). */
#include "tracking.h"

static const struct socle_event_decl tracking_events[] = {
	{"sick_leave.declared", "leave_id, worker_id, company_id, cause, start",
	 "Un arrêt de travail est déclaré."},
	{"sick_leave.updated",
	 "leave_id, worker_id, company_id, cause, start, expected_end, actual_end, return_date, "
	 "changes",
	 "Un arrêt de travail change (prolongation, fin, reprise)."},
	{"sick_leave.threshold_reached",
	 "leave_id, worker_id, company_id, cause, start, threshold, reached_on",
	 "Un arrêt atteint 30 ou 60 jours d'absence (calcul quotidien ; une fois par seuil)."},
	{"follow_up.due", "worker_id, company_id, type, earliest, latest, leave_id",
	 "Une visite devient due après un arrêt (reprise, R4624-31)."},
	{"visit.requested",
	 "request_id, worker_id, company_id, type, requested_by, requested_on, due_before",
	 "Une visite est demandée."},
	{"visit.scheduled",
	 "request_id, worker_id, company_id, type, slot_id, starts_at, site, mode, role, "
	 "professional_id, how",
	 "Une visite est planifiée sur un créneau."},
	{"visit.cancelled",
	 "request_id, worker_id, company_id, type, slot_id, starts_at, rescheduled, by",
	 "Une visite planifiée est annulée ou déplacée."},
	{"visit.missed", "request_id, worker_id, company_id, type, slot_id, starts_at, recorded_by",
	 "Le salarié ne s'est pas présenté à la visite."},
	{"visit.completed", "request_id, worker_id, company_id, type, held_on",
	 "Une visite a eu lieu : son résultat est enregistré."},
	{"visit.documents_issued", "request_id, worker_id, company_id, documents",
	 "Les documents d'une visite sont émis (attestation, avis, ordonnance)."},
	{"job_adjustment.proposed", "adjustment_id, outcome_id, request_id, worker_id, company_id, kind",
	 "Le médecin propose un aménagement de poste (L4624-3)."},
	{"job_adjustment.proposals_issued",
	 "outcome_id, request_id, worker_id, company_id, visit_type, held_on, avis, proposals",
	 "Une visite se conclut par des propositions d'aménagement de poste ou un avis "
	 "d'inaptitude : les propositions (adjustment_id, kind, description), sans les notes."},
	{"dmst.created", "worker_id", "Le dossier médical en santé au travail d'un salarié est ouvert."},
	{"dmst.updated", "worker_id, entry_id, request_id, entries",
	 "Le dossier médical change (sans son contenu : secret médical)."},
	{"dmst.oppositions_changed", "worker_id",
	 "Le salarié a changé lui-même ses oppositions (L4624-8) depuis son espace."},
};

/* Beyond the core's own codes (docs/errors.md), which they also answer with. */
static const struct socle_error_decl tracking_errors[] = {
	{"cutoff_passed", 409, "Le délai d'annulation ou de déplacement est passé : appelez le "
	                       "service."},
	{"request_not_allowed", 422, "Cette demande de visite n'est pas ouverte à ce demandeur "
	                             "(la raison et l'article sont donnés)."},
};

int tracking_catalog_init(socle_plugin *p, socle_err *err)
{
	int rc = socle_plugin_declare_events(p, tracking_events, SOCLE_COUNT(tracking_events), err);

	return rc ? rc
	          : socle_plugin_declare_errors(p, tracking_errors, SOCLE_COUNT(tracking_errors), err);
}
