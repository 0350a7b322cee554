/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The invoice as a document the member company downloads and prints
 * (GET /membership/companies/{id}/invoices/{iid}/document): a French HTML
 * page with the service's identity, the company, the lines and the total,
 * styled by membership's own stylesheet (web/documents.css: the server's
 * Content-Security-Policy allows no inline style). Readers: the company's
 * users holding the facturation role, and the service's staff.
 * GET .../document.pdf: the same invoice as a PDF issued by the core's
 * document service (socle/document.h): numbered, hashed, stored, with a
 * verification code; downloaded again unchanged, it is the same document;
 * once the invoice changes (paid, cancelled), a new one replaces it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "membership.h"

/* The mentions a French invoice between professionals carries (code de
 * commerce L441-9, L441-10, D441-5): the late-payment penalty and the fixed
 * recovery indemnity, and that no discount is given for early payment. */
static const char late_payment_terms[] =
	"En cas de retard de paiement : pénalités au taux de trois fois le taux d'intérêt légal, "
	"et indemnité forfaitaire pour frais de recouvrement de 40 € (articles L441-10 et D441-5 "
	"du code de commerce). Pas d'escompte pour paiement anticipé.";

static void esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* 1234.5 -> "1 234,50 €" */
static void euros(FILE *f, double v)
{
	char digits[32];
	long long cents = (long long)(v * 100.0 + (v < 0 ? -0.5 : 0.5));
	long long whole = llabs(cents) / 100;
	int len = snprintf(digits, sizeof(digits), "%lld", whole);

	if (cents < 0)
		fputc('-', f);
	for (int i = 0; i < len; i++) {
		fputc(digits[i], f);
		if ((len - i - 1) % 3 == 0 && i < len - 1)
			fputs("\u202f", f); /* narrow no-break space, as French writes thousands */
	}
	fprintf(f, ",%02lld\u00a0€", llabs(cents) % 100);
}

static void date_fr(FILE *f, const char *iso)
{
	char out[SOCLE_DATE_FR_SIZE];

	if (iso && socle_date_fr(iso, out))
		esc(f, out);
}

/* The invoice of path parameters {id} and {iid}, for a user with the
 * company's billing role (or staff); NULL with @p err set (404, 403). Both
 * forms of the document, HTML and PDF, start here. */
static json_t *invoice_of_path(socle_req *req, int64_t *company_id, socle_db **db,
                               socle_err *err)
{
	int64_t invoice_id;

	if (socle_req_param_id(req, "id", company_id) != 0 ||
	    socle_req_param_id(req, "iid", &invoice_id) != 0) {
		socle_err_set(err, SOCLE_E_NOTFOUND, "Facture introuvable.");
		return NULL;
	}
	if (membership_company_access(req, *company_id, MEMBERSHIP_ROLE_BILLING, err) != 0)
		return NULL;
	*db = socle_req_reader(req, err);
	return *db ? membership_invoice_load(*db, *company_id, invoice_id, err) : NULL;
}

static int invoice_document(socle_req *req, void *ud)
{
	(void)ud;
	socle_err err = SOCLE_ERR_INIT;
	int64_t company_id;
	socle_db *db = NULL;
	json_t *inv = invoice_of_path(req, &company_id, &db, &err);

	if (inv == NULL)
		return socle_reply_err(req, &err);
	json_t *c = socle_db_query_one_new(db,
		"SELECT legal_name, siret, member_number, address_line, postcode, city"
		" FROM membership_company WHERE id = :id",
		json_pack("{s:I}", "id", (json_int_t)company_id), &err);

	if (c == NULL) {
		json_decref(inv);
		return socle_reply_err(req, &err);
	}
	const socle_service *svc = socle_req_service(req);
	const json_t *id = socle_service_identity(svc);
	const char *status = json_string_value(json_object_get(inv, "status"));
	char *page = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&page, &len);

	if (f == NULL) {
		json_decref(inv);
		json_decref(c);
		return SOCLE_E_NOMEM;
	}
	fputs("<!doctype html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Facture ",
	      f);
	esc(f, json_string_value(json_object_get(inv, "number")));
	fputs("</title>\n<link rel=\"stylesheet\" href=\"/", f);
	esc(f, socle_service_id(svc));
	fputs("/membership/documents.css\">\n</head>\n<body>\n<main>\n<header>\n<p class=\"service\">",
	      f);
	esc(f, json_string_value(json_object_get(id, "legal_name")) ?
	               json_string_value(json_object_get(id, "legal_name")) : socle_service_name(svc));
	fputs("</p>\n<p>", f);
	esc(f, json_string_value(json_object_get(id, "address")));
	fputs("</p>\n</header>\n<h1>Facture ", f);
	esc(f, json_string_value(json_object_get(inv, "number")));
	fputs("</h1>\n<table>\n<tr><th scope=\"row\">Adhérent</th><td>", f);
	esc(f, json_string_value(json_object_get(c, "legal_name")));
	fputs("<br>", f);
	esc(f, json_string_value(json_object_get(c, "address_line")));
	fputs("<br>", f);
	esc(f, json_string_value(json_object_get(c, "postcode")));
	fputc(' ', f);
	esc(f, json_string_value(json_object_get(c, "city")));
	fputs("</td></tr>\n<tr><th scope=\"row\">SIRET</th><td>", f);
	esc(f, json_string_value(json_object_get(c, "siret")));
	fputs("</td></tr>\n<tr><th scope=\"row\">N° d'adhérent</th><td>", f);
	esc(f, json_string_value(json_object_get(c, "member_number")));
	fputs("</td></tr>\n<tr><th scope=\"row\">Émise le</th><td>", f);
	date_fr(f, json_string_value(json_object_get(inv, "issued_on")));
	fputs("</td></tr>\n<tr><th scope=\"row\">À régler avant le</th><td>", f);
	date_fr(f, json_string_value(json_object_get(inv, "due_date")));
	fputs("</td></tr>\n<tr><th scope=\"row\">État</th><td>", f);
	if (status && strcmp(status, "paid") == 0) {
		fputs("acquittée le ", f);
		date_fr(f, json_string_value(json_object_get(inv, "paid_on")));
	} else if (status && strcmp(status, "cancelled") == 0) {
		fputs("annulée", f);
	} else {
		fputs("à régler", f);
	}
	fputs("</td></tr>\n</table>\n<h2>Détail</h2>\n<table>\n<caption>Lignes de la facture"
	      "</caption>\n<thead><tr><th scope=\"col\">Désignation</th><th scope=\"col\">Quantité"
	      "</th><th scope=\"col\">Prix unitaire</th><th scope=\"col\">Montant</th></tr></thead>"
	      "\n<tbody>\n",
	      f);
	size_t i;
	json_t *line;

	json_array_foreach(json_object_get(inv, "lines"), i, line) {
		fputs("<tr><td>", f);
		esc(f, json_string_value(json_object_get(line, "label")));
		fprintf(f, "</td><td>%g</td><td>", json_number_value(json_object_get(line, "quantity")));
		euros(f, json_number_value(json_object_get(line, "unit_price")));
		fputs("</td><td>", f);
		euros(f, json_number_value(json_object_get(line, "amount")));
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody>\n</table>\n<p class=\"total\">Total : ", f);
	euros(f, json_number_value(json_object_get(inv, "total")));
	fputs("</p>\n<p class=\"terms\">", f);
	esc(f, late_payment_terms);
	fputs("</p>\n<footer>\n<p>", f);
	esc(f, json_string_value(json_object_get(id, "email")));
	fputs(" — ", f);
	esc(f, json_string_value(json_object_get(id, "phone")));
	fputs("</p>\n</footer>\n</main>\n</body>\n</html>\n", f);
	json_decref(inv);
	json_decref(c);
	if (fclose(f) != 0) {
		free(page);
		return SOCLE_E_NOMEM;
	}
	int rc = socle_reply_bytes(req, 200, "text/html; charset=utf-8", page, len);

	free(page);
	return rc;
}

/* "1 234,50 €" into @p buf. */
static const char *euros_str(double v, char *buf, size_t size)
{
	FILE *f = fmemopen(buf, size, "w");

	if (f == NULL)
		return "";
	euros(f, v);
	fclose(f);
	buf[size - 1] = '\0';
	return buf;
}

static const char *date_str(const char *iso, char out[SOCLE_DATE_FR_SIZE])
{
	if (iso == NULL || !socle_date_fr(iso, out))
		out[0] = '\0';
	return out;
}

static const char *jget(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* The invoice as a document description (socle/document.h). */
static json_t *invoice_description(const json_t *inv, const json_t *c)
{
	const char *status = json_string_value(json_object_get(inv, "status"));
	char issued[SOCLE_DATE_FR_SIZE], due[SOCLE_DATE_FR_SIZE], paid[SOCLE_DATE_FR_SIZE];
	char title[96], address[400], state[128], money[64], unit[64], qty[32], year[64];
	json_t *rows = json_array();
	const json_t *line;
	size_t i;

	snprintf(title, sizeof(title), "Facture %s", jget(inv, "number"));
	snprintf(year, sizeof(year), "Cotisation de l'exercice %lld",
	         (long long)json_integer_value(json_object_get(inv, "year")));
	snprintf(address, sizeof(address), "%s, %s %s", jget(c, "address_line"), jget(c, "postcode"),
	         jget(c, "city"));
	if (status && strcmp(status, "paid") == 0)
		snprintf(state, sizeof(state), "acquittée le %s",
		         date_str(jget(inv, "paid_on"), paid));
	else if (status && strcmp(status, "cancelled") == 0)
		snprintf(state, sizeof(state), "annulée");
	else
		snprintf(state, sizeof(state), "à régler");
	json_array_foreach(json_object_get(inv, "lines"), i, line) {
		snprintf(qty, sizeof(qty), "%g", json_number_value(json_object_get(line, "quantity")));
		json_array_append_new(rows, json_pack("[s, s, s, s]", jget(line, "label"), qty,
			euros_str(json_number_value(json_object_get(line, "unit_price")), unit,
			          sizeof(unit)),
			euros_str(json_number_value(json_object_get(line, "amount")), money,
			          sizeof(money))));
	}
	euros_str(json_number_value(json_object_get(inv, "total")), money, sizeof(money));
	char total[96], terms[300];

	snprintf(total, sizeof(total), "Total à payer : %s", money);
	snprintf(terms, sizeof(terms), "Conditions de paiement : à régler au plus tard le %s, "
	         "en rappelant le numéro de la facture.", date_str(jget(inv, "due_date"), due));
	return json_pack("{s:s, s:s, s:[{s:[{s:[[s, s], [s, s], [s, s], [s, s]]}]},"
	                 " {s:s, s:[{s:[[s, s], [s, s], [s, s], [s, s]]}]},"
	                 " {s:s, s:[{s:{s:[s, s, s, s], s:o, s:[s, s, s, s], s:[i, i, i, i]}},"
	                 " {s:s, s:b}, {s:s}, {s:s}]}]}",
	                 "title", title, "subtitle", year,
	                 "sections", "blocks", "fields",
	                 "Adhérent", jget(c, "legal_name"), "Adresse", address,
	                 "SIRET", jget(c, "siret"), "N° d'adhérent", jget(c, "member_number"),
	                 "heading", "Facture", "blocks", "fields",
	                 "Numéro", jget(inv, "number"),
	                 "Émise le", date_str(jget(inv, "issued_on"), issued),
	                 "À régler avant le", due, "État", state,
	                 "heading", "Détail", "blocks", "table", "header", "Désignation",
	                 "Quantité", "Prix unitaire", "Montant", "rows", rows, "align", "left",
	                 "right", "right", "right", "widths", 5, 2, 3, 3,
	                 "paragraph", total, "strong", 1, "paragraph", terms, "paragraph",
	                 late_payment_terms);
}

static int invoice_pdf(socle_req *req, void *ud)
{
	(void)ud;
	socle_err err = SOCLE_ERR_INIT;
	int64_t company_id;
	socle_db *db = NULL;
	json_t *inv = invoice_of_path(req, &company_id, &db, &err);
	json_t *c = inv ? socle_db_query_one_new(db,
		"SELECT legal_name, siret, member_number, address_line, postcode, city"
		" FROM membership_company WHERE id = :id",
		json_pack("{s:I}", "id", (json_int_t)company_id), &err) : NULL;

	if (c == NULL) {
		json_decref(inv);
		return socle_reply_err(req, &err);
	}
	json_t *d = invoice_description(inv, c);
	char subject[48], file[96];

	snprintf(subject, sizeof(subject), "invoice:%lld",
	         (long long)json_integer_value(json_object_get(inv, "id")));
	snprintf(file, sizeof(file), "facture-%s.pdf", jget(inv, "number"));
	json_decref(c);
	json_decref(inv);
	if (d == NULL)
		return SOCLE_E_NOMEM;
	int rc = socle_reply_document_pdf(req, "membership.invoice", subject, d, file);

	json_decref(d);
	return rc;
}

static const struct socle_route invoice_doc_routes[] = {
	{SOCLE_GET, "/membership/companies/{id}/invoices/{iid}/document.pdf",
	 SOCLE_CAP_AUTHENTICATED, 0, invoice_pdf, NULL},
	{SOCLE_GET, "/membership/companies/{id}/invoices/{iid}/document", SOCLE_CAP_AUTHENTICATED, 0,
	 invoice_document, NULL},
};

static const struct socle_route_doc invoice_doc_docs[] = {
	{SOCLE_GET, "/membership/companies/{id}/invoices/{iid}/document.pdf",
	 "La facture en PDF émis par le service (numéroté, avec un code de vérification).", NULL, 0,
	 NULL, 0, "Le document PDF (application/pdf), le même tant que la facture ne change pas."},
	{SOCLE_GET, "/membership/companies/{id}/invoices/{iid}/document",
	 "La facture en page à imprimer (HTML).", NULL, 0, NULL, 0,
	 "La page HTML de la facture (text/html)."},
};

int membership_invoice_doc_init(socle_plugin *p, socle_err *err)
{
	int rc = socle_plugin_add_routes(p, invoice_doc_routes, SOCLE_COUNT(invoice_doc_routes), err);

	return rc ? rc : socle_plugin_describe_routes(p, invoice_doc_docs, SOCLE_COUNT(invoice_doc_docs), err);
}
