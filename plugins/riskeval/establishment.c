/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The site a fiche d'entreprise describes. R4624-46 asks for a fiche "pour
 * chaque entreprise ou établissement". At membership a company gives its
 * own SIRET and address (its siège) and may list its other establishments
 * (membership.v1 company_establishments, never the siège). A company that
 * listed none has one fiche, the company's (establishment 0); one that
 * listed some has a fiche for its siège (establishment 0) and one for each
 * establishment, each with its own versions, due date and document. The
 * establishments are read from membership when asked: they are declared at
 * membership and this plugin keeps no copy of them. */
#include "riskeval.h"

json_int_t riskeval_seat_headcount(json_int_t company_headcount, const json_t *establishments)
{
	json_int_t rest = company_headcount;
	size_t i;
	const json_t *e;

	json_array_foreach(establishments, i, e)
		rest -= json_integer_value(json_object_get(e, "headcount"));
	return rest > 0 ? rest : 0;
}

json_t *riskeval_sites(socle_db *db, int64_t company, socle_err *err)
{
	json_t *list = riskeval_membership->company_establishments(db, company, err);

	if (list == NULL || json_array_size(list) == 0)
		return list; /* one site: the company itself */
	json_t *c = riskeval_membership->company_get(db, company, err);
	if (c == NULL) {
		json_decref(list);
		return NULL;
	}
	/* The siège: the company's own SIRET and address. */
	json_int_t rest = riskeval_seat_headcount(json_integer_value(json_object_get(c, "headcount")),
	                                          list);
	json_t *seat = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:I}", "establishment_id", 0,
	                         "siret", riskeval_text_of(c, "siret"), "name", "Siège",
	                         "address_line", riskeval_text_of(c, "address_line"), "postcode",
	                         riskeval_text_of(c, "postcode"), "city", riskeval_text_of(c, "city"),
	                         "headcount", rest);
	json_decref(c);
	if (seat == NULL || json_array_insert_new(list, 0, seat) != 0) {
		json_decref(list);
		socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
		return NULL;
	}
	return list;
}

const json_t *riskeval_site_find(const json_t *sites, int64_t establishment)
{
	size_t i;
	const json_t *e;

	json_array_foreach(sites, i, e)
		if (json_integer_value(json_object_get(e, "establishment_id")) == establishment)
			return e;
	return NULL;
}

int riskeval_site_param(socle_req *req, int64_t company, int64_t *establishment)
{
	socle_err err = SOCLE_ERR_INIT;
	const char *s = socle_req_query(req, "establishment");
	json_t *errors = NULL;

	*establishment = 0;
	if (s == NULL)
		return 0; /* the company's fiche, or its siège's */
	char *end = NULL;
	long long id = strtoll(s, &end, 10);
	if (end == s || *end != '\0' || id < 0) {
		socle_field_error(&errors, "establishment", "Numéro d'établissement attendu (entier "
		                  "positif ; 0 ou rien pour le siège de l'entreprise).");
		return socle_reply_invalid(req, errors), -1;
	}
	if (id == 0)
		return 0;
	socle_db *db = socle_req_reader(req, &err);
	json_t *sites = db ? riskeval_sites(db, company, &err) : NULL;
	if (sites == NULL)
		return socle_reply_err(req, &err), -1;
	if (json_array_size(sites) == 0)
		socle_field_error(&errors, "establishment", "Cette entreprise n'a déclaré aucun "
		                  "établissement en dehors de son siège : sa fiche est celle de "
		                  "l'entreprise, sans numéro d'établissement.");
	else if (riskeval_site_find(sites, id) == NULL)
		socle_field_error(&errors, "establishment", "Cet établissement n'est pas l'un de ceux "
		                  "que l'entreprise a déclarés.");
	json_decref(sites);
	if (errors != NULL)
		return socle_reply_invalid(req, errors), -1;
	*establishment = id;
	return 0;
}

void riskeval_site_label(const json_t *site, char *out, size_t size)
{
	const char *name = json_string_value(json_object_get(site, "name"));
	const char *city = json_string_value(json_object_get(site, "city"));
	const char *siret = json_string_value(json_object_get(site, "siret"));

	if (json_integer_value(json_object_get(site, "establishment_id")) == 0)
		snprintf(out, size, "siège (%s, SIRET %s)", city ? city : "", siret ? siret : "");
	else if (name != NULL)
		snprintf(out, size, "établissement %s (%s, SIRET %s)", name, city ? city : "",
		         siret ? siret : "");
	else
		snprintf(out, size, "établissement de %s (SIRET %s)", city ? city : "",
		         siret ? siret : "");
}
