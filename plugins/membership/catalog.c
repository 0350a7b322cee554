/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The events membership emits and the error codes its routes answer with,
 * declared for the catalogues (docs/events.md, docs/errors.md): consumers
 * (tracking's copy of the workers, a service's socle.on, an API client) rely
 * on these names and fields. */
#include "membership.h"

static const struct socle_event_decl membership_events[] = {
	{"company.applied", "company_id, siret", "Une entreprise a déposé sa demande d'adhésion."},
	{"company.joined", "company_id, member_number, joined_on",
	 "Une adhésion est acceptée : l'entreprise devient adhérente."},
	{"company.fiche_entreprise_due", "company_id, joined_on, due_on, basis",
	 "La fiche d'entreprise est due dans l'année qui suit l'adhésion (R4624-47)."},
	{"company.rejected", "company_id", "Une demande d'adhésion est refusée."},
	{"company.left", "company_id, member_number, left_on", "Une entreprise quitte le service."},
	{"company.prevention_scored", "company_id, score",
	 "Le score de culture de prévention d'une entreprise est calculé."},
	{"worker.declared", "worker_id, company_id, external_ref, category, attestation_caces",
	 "Un salarié est déclaré (formulaire, import CSV)."},
	{"worker.updated", "worker_id, company_id, kind, changed",
	 "La fiche d'un salarié change (poste, expositions, contrat...)."},
	{"worker.left", "worker_id, company_id, end_date", "Un salarié quitte l'entreprise."},
	{"worker.category_changed",
	 "worker_id, company_id, old_category, new_category, reasons, basis, attestation_caces",
	 "La catégorie de suivi individuel d'un salarié change."},
	{"fee_exception.recorded", "fee_exception_id, year",
	 "Une exception de cotisation est enregistrée."},
	{"invoice.issued", "invoice_id, company_id, number, year, total_cents",
	 "Une facture de cotisation est émise."},
	{"invoice.paid", "invoice_id, company_id, number, year", "Une facture est payée."},
	{"invoice.cancelled", "invoice_id, company_id, number, year", "Une facture est annulée."},
};

/* Beyond the core's own codes (docs/errors.md), which they also answer with. */
static const struct socle_error_decl membership_errors[] = {
	{"no_category", 409, "Le salarié n'a pas de catégorie de suivi calculée."},
	{"invalid_data", 409, "Les données enregistrées ne permettent pas le calcul."},
	{"invitation_used", 410, "L'invitation a déjà servi."},
	{"invitation_revoked", 410, "L'invitation a été retirée."},
	{"invitation_expired", 410, "L'invitation a expiré : demandez-en une nouvelle."},
};

int membership_catalog_init(socle_plugin *p, socle_err *err)
{
	int rc = socle_plugin_declare_events(p, membership_events, SOCLE_COUNT(membership_events),
	                                     err);

	return rc ? rc
	          : socle_plugin_declare_errors(p, membership_errors, SOCLE_COUNT(membership_errors),
	                                        err);
}
