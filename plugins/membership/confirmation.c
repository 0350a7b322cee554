/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The membership confirmation: once a company is approved (review.c), the job
 * membership.confirmation issues a "Confirmation d'adhésion" through the
 * core's document service (numbered, hashed, verifiable with its code) and
 * mails it as a PDF to the company's contact. A job rather than the approval's
 * own transaction, because a document is issued outside any write; the
 * invitation mail, which carries the account's token, keeps going with the
 * approval. The document says what the approval mail says: the company, its
 * member number and date, when the fiche d'entreprise is due. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "company.h"

static json_t *confirmation_doc(socle_service *svc, const json_t *c, const char *due_on)
{
	char joined[SOCLE_DATE_FR_SIZE], due[SOCLE_DATE_FR_SIZE], address[400], line[900];

	socle_date_fr(str(c, "joined_on"), joined);
	socle_date_fr(due_on, due);
	snprintf(address, sizeof(address), "%s, %s %s", str(c, "address_line"), str(c, "postcode"),
	         str(c, "city"));
	snprintf(line, sizeof(line), "%s confirme l'adhésion de %s à compter du %s.",
	         socle_service_name(svc), str(c, "legal_name"), joined);
	char fiche[300];
	snprintf(fiche, sizeof(fiche), "L'équipe pluridisciplinaire établira la fiche d'entreprise "
	         "au plus tard le %s (dans l'année qui suit l'adhésion, article R4624-47 du code du "
	         "travail).", due);
	return json_pack("{s:s, s:s, s:[{s:[{s:s}, {s:[[s,s],[s,s],[s,s],[s,s],[s,s]]}]},"
	                 " {s:s, s:[{s:s}, {s:s}]}]}",
	                 "title", "Confirmation d'adhésion", "subtitle", str(c, "legal_name"),
	                 "sections", "blocks", "paragraph", line, "fields", "Entreprise",
	                 str(c, "legal_name"), "SIRET", str(c, "siret"), "Adresse", address,
	                 "Numéro d'adhérent", str(c, "member_number"), "Date d'adhésion", joined,
	                 "heading", "La suite", "blocks", "paragraph",
	                 "Rappelez votre numéro d'adhérent dans vos échanges avec le service.",
	                 "paragraph", fiche);
}

struct confirmation_tx {
	const json_t *company;
	const struct socle_document_issued *pdf;
};

static int confirmation_write(socle_db *wdb, void *ud, socle_err *err)
{
	const struct confirmation_tx *t = ud;
	socle_service *svc = socle_db_service(wdb);
	char subject[300], *text = NULL;

	snprintf(subject, sizeof(subject), "%s : confirmation d'adhésion de %s",
	         socle_service_name(svc), str(t->company, "legal_name"));
	if (asprintf(&text, "Bonjour %s,\n\nVous trouverez ci-joint la confirmation de l'adhésion "
	             "de %s à %s (numéro d'adhérent %s, document n° %s).\n",
	             str(t->company, "contact_name"), str(t->company, "legal_name"),
	             socle_service_name(svc), str(t->company, "member_number"),
	             t->pdf->number) < 0)
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	char file[64];
	snprintf(file, sizeof(file), "confirmation-adhesion-%s.pdf", str(t->company, "member_number"));
	const struct socle_mail_attachment att = {file, "application/pdf", t->pdf->pdf,
	                                          t->pdf->pdf_len};
	const struct socle_mail_parts parts = {.attachments = &att, .n_attachments = 1};
	const struct socle_mail mail = {.to = str(t->company, "contact_email"), .subject = subject,
	                                .text = text, .category = "adhesion"};
	int64_t job = socle_mail_queue_parts(wdb, &mail, &parts, 0, err);

	free(text);
	return job < 0 ? (int)job : 0;
}

static int confirmation_job(socle_service *svc, const json_t *payload, void *ud, socle_err *err)
{
	int64_t id = json_integer_value(json_object_get(payload, "company_id"));
	const char *due_on = str(payload, "fiche_due_on");
	(void)ud;

	if (id <= 0 || due_on == NULL)
		return socle_err_set(err, SOCLE_E_PERMANENT, "membership.confirmation : charge utile "
		                     "invalide");
	socle_db *db = socle_service_reader(svc, err);
	json_t *c = db ? socle_db_query_one_new(db, "SELECT id, status, legal_name, siret, "
	                                            "address_line, postcode, city, contact_name, "
	                                            "contact_email, member_number, joined_on FROM "
	                                            "membership_company WHERE id = :id",
	                                        json_pack("{s:I}", "id", (json_int_t)id), err)
	               : NULL;
	if (c == NULL)
		return err->code == SOCLE_E_NOTFOUND ? 0 : fail(err);
	if (strcmp(str(c, "status"), "member") != 0 || str(c, "member_number") == NULL) {
		json_decref(c); /* left or changed since: nothing to confirm */
		return 0;
	}
	json_t *doc = confirmation_doc(svc, c, due_on);
	struct socle_document_issued pdf = {0};
	char subject[48];

	snprintf(subject, sizeof(subject), "company:%lld", (long long)id);
	int rc = doc ? socle_document_issue(svc, "membership.confirmation", subject, doc, &pdf, err)
	             : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	json_decref(doc);
	if (rc == 0) {
		struct confirmation_tx t = {.company = c, .pdf = &pdf};

		rc = socle_service_write(svc, confirmation_write, &t, err);
	}
	socle_document_issued_free(&pdf);
	json_decref(c);
	return rc;
}

int membership_confirmation_queue(socle_db *wdb, int64_t company_id, const char *fiche_due_on,
                                  socle_err *err)
{
	json_t *p = json_pack("{s:I, s:s}", "company_id", (json_int_t)company_id, "fiche_due_on",
	                      fiche_due_on);
	int64_t job = p ? socle_job_enqueue(wdb, "membership.confirmation", p, 0, 0, err)
	                : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");

	json_decref(p);
	return job < 0 ? (int)job : 0;
}

int membership_confirmation_init(socle_plugin *p, socle_err *err)
{
	return socle_plugin_add_job(p, "membership.confirmation", confirmation_job, NULL, err);
}
