/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Finding anyone fast (issue 15 item 4): GET /membership/search?q= for the
 * service's team, one box for a worker (name, "name first name", birth date)
 * or a company (name, SIRET, SIREN, member number).
 *
 * What the text looks like decides where it is looked for, so that each kind
 * is one indexed lookup (migration 5): 14 digits a SIRET (the company's or
 * one of its establishments'), 9 digits a SIREN, a date (JJ/MM/AAAA or
 * AAAA-MM-JJ) a birth date, "A" and digits a member number prefix, anything
 * else the start of a company's name or a worker's last name (then first
 * name). Case is ignored for ASCII letters (SQLite's NOCASE): accents must
 * be typed as stored. The INS (NIR) is medical data and is looked for by
 * tracking (GET /tracking/dmst/search, health professionals only). At most
 * 10 companies and 20 workers come back, the ones still active first. */
#include <stdio.h>
#include <string.h>

#include "membership.h"

const char membership_sql_search[] =
	"CREATE INDEX membership_worker_last_name ON membership_worker"
	"  (last_name COLLATE NOCASE, first_name COLLATE NOCASE);"
	"CREATE INDEX membership_worker_birth ON membership_worker (birth_date);"
	"CREATE INDEX membership_company_name ON membership_company (legal_name COLLATE NOCASE);"
	"CREATE INDEX membership_company_siret ON membership_company (siret);";

#define SEARCH_COMPANIES 10
#define SEARCH_WORKERS 20

static bool all_digits(const char *s, size_t n)
{
	if (strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* JJ/MM/AAAA or AAAA-MM-JJ to AAAA-MM-JJ; false otherwise. */
static bool as_date(const char *s, char out[SOCLE_DATE_SIZE])
{
	int d, m, y;
	char tail;

	if (sscanf(s, "%2d/%2d/%4d%c", &d, &m, &y, &tail) == 3 ||
	    sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3) {
		snprintf(out, SOCLE_DATE_SIZE, "%04d-%02d-%02d", y, m, d);
		return socle_date_valid(out);
	}
	return false;
}

/* q without blanks and dots (a SIRET typed "732 829 320 00074"). */
static void compact(const char *q, char *out, size_t size)
{
	size_t o = 0;

	for (; *q && o + 1 < size; q++)
		if (*q != ' ' && *q != '.')
			out[o++] = *q;
	out[o] = '\0';
}

/* A LIKE prefix: the text with % and _ escaped, then %. */
static void like_prefix(const char *q, char *out, size_t size)
{
	size_t o = 0;

	for (; *q && o + 3 < size; q++) {
		if (*q == '%' || *q == '_' || *q == '\\')
			out[o++] = '\\';
		out[o++] = *q;
	}
	out[o++] = '%';
	out[o] = '\0';
}

static const char company_columns[] =
	"SELECT id, legal_name, siret, member_number, status, joined_on FROM membership_company";
static const char worker_columns[] =
	"SELECT w.id, w.last_name, w.first_name, w.birth_date, w.job_title, w.start_date,"
	" w.end_date, w.company_id, c.legal_name AS company_name"
	" FROM membership_worker w JOIN membership_company c ON c.id = w.company_id";

json_t *membership_search_run(socle_db *db, const char *q, socle_err *err)
{
	char digits[64], date[SOCLE_DATE_SIZE], like[256], sql[768];
	json_t *companies = NULL, *workers = NULL;
	const char *kind;

	compact(q, digits, sizeof(digits));
	like_prefix(q, like, sizeof(like));
	if (all_digits(digits, 14)) {
		kind = "siret";
		snprintf(sql, sizeof(sql), "%s WHERE siret = :q OR id IN (SELECT company_id FROM"
		         " membership_establishment WHERE siret = :q) LIMIT %d", company_columns,
		         SEARCH_COMPANIES);
		companies = socle_db_query_new(db, sql, json_pack("{s:s}", "q", digits), err);
	} else if (all_digits(digits, 9)) {
		kind = "siren";
		snprintf(sql, sizeof(sql), "%s WHERE siren = :q LIMIT %d", company_columns,
		         SEARCH_COMPANIES);
		companies = socle_db_query_new(db, sql, json_pack("{s:s}", "q", digits), err);
	} else if (as_date(q, date)) {
		kind = "birth_date";
		snprintf(sql, sizeof(sql), "%s WHERE w.birth_date = :d ORDER BY w.end_date IS NOT NULL,"
		         " w.last_name, w.first_name LIMIT %d", worker_columns, SEARCH_WORKERS);
		workers = socle_db_query_new(db, sql, json_pack("{s:s}", "d", date), err);
	} else if ((q[0] == 'A' || q[0] == 'a') && strlen(q) >= 5 && all_digits(q + 1, strlen(q) - 1)) {
		char upper[64];

		kind = "member_number";
		snprintf(upper, sizeof(upper), "A%s", q + 1);
		like_prefix(upper, like, sizeof(like));
		snprintf(sql, sizeof(sql), "%s WHERE member_number LIKE :q ESCAPE '\\' LIMIT %d",
		         company_columns, SEARCH_COMPANIES);
		companies = socle_db_query_new(db, sql, json_pack("{s:s}", "q", like), err);
	} else {
		/* "Martin Léa": the last name, then the start of the first name. */
		char last[128], first[128] = "", like_first[256];
		const char *space = strchr(q, ' ');

		kind = "name";
		snprintf(last, sizeof(last), "%.*s", space ? (int)(space - q) : (int)strlen(q), q);
		if (space)
			snprintf(first, sizeof(first), "%s", space + 1);
		like_prefix(first, like_first, sizeof(like_first));
		snprintf(sql, sizeof(sql), "%s WHERE legal_name LIKE :q ESCAPE '\\' ORDER BY"
		         " status <> 'member', legal_name LIMIT %d", company_columns,
		         SEARCH_COMPANIES);
		companies = socle_db_query_new(db, sql, json_pack("{s:s}", "q", like), err);
		if (companies) {
			char like_last[256];

			like_prefix(last, like_last, sizeof(like_last));
			snprintf(sql, sizeof(sql), "%s WHERE w.last_name LIKE :l ESCAPE '\\' AND"
			         " w.first_name LIKE :f ESCAPE '\\' ORDER BY w.end_date IS NOT NULL,"
			         " w.last_name, w.first_name LIMIT %d", worker_columns, SEARCH_WORKERS);
			workers = socle_db_query_new(db, sql,
			                             json_pack("{s:s, s:s}", "l", like_last, "f",
			                                       like_first),
			                             err);
		}
	}
	if ((companies == NULL && err->code) || (workers == NULL && err->code)) {
		json_decref(companies);
		json_decref(workers);
		return NULL;
	}
	return json_pack("{s:s, s:s, s:o, s:o}", "q", q, "kind", kind, "companies",
	                 companies ? companies : json_array(), "workers",
	                 workers ? workers : json_array());
}

static const struct socle_field search_query[] = {
	{.name = "q", .type = SOCLE_F_STRING, .required = true, .min = 2, .max = 100},
};

/* GET /membership/search?q= (staff) */
static int route_search(socle_req *req, void *ud)
{
	(void)ud;
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	const char *q = socle_req_query(req, "q");
	json_t *params = json_pack("{s:s?}", "q", q);

	if (socle_fields_check(params, search_query, SOCLE_COUNT(search_query), NULL, &errors) > 0) {
		json_decref(params);
		return socle_reply_invalid(req, errors);
	}
	json_decref(params);
	socle_db *db = socle_req_reader(req, &err);
	json_t *out = db ? membership_search_run(db, q, &err) : NULL;

	if (out == NULL)
		return socle_reply_err(req, &err);
	return socle_reply_json(req, 200, out);
}

static const struct socle_route search_routes[] = {
	{SOCLE_GET, "/membership/search", SOCLE_CAP_STAFF, 0, route_search, NULL},
};

static const struct socle_route_doc search_docs[] = {
	{SOCLE_GET, "/membership/search",
	 "Rechercher un salarié (nom, nom et prénom, date de naissance) ou une entreprise (nom, "
	 "SIRET, SIREN, numéro d'adhérent) : l'équipe du service.",
	 NULL, 0, search_query, 1, "{q, kind, companies[], workers[]}"},
};

int membership_search_init(socle_plugin *p, socle_err *err)
{
	int rc = socle_plugin_add_routes(p, search_routes, SOCLE_COUNT(search_routes), err);

	return rc ? rc
	          : socle_plugin_describe_routes(p, search_docs, SOCLE_COUNT(search_docs), err);
}
