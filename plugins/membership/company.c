/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Companies and the membership pathway (cahier des charges 3.1):
 *   - the public application form and its submission (identity, sites, first
 *     risk data, follow-up counts, the six prevention questions, payment),
 *   - review by the service: approve (member number, employer administrator
 *     account, invitation mail, events) or reject with a reason; leaving,
 *   - the employer users of a company and their roles, invitations,
 *   - the two satisfaction indicators of 3.1,
 *   - record-level access for the other files (membership_company_access).
 * Every write runs in one socle_service_write transaction with its audit
 * entry and its events; bad input answers 422 with field errors and writes
 * nothing. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "membership.h"

#define DAY_MS (24 * 60 * 60 * 1000LL)
#define INVITATION_DAYS_DEFAULT 14
/* NAF 2025 (NACE Rev. 2.1) replaces NAF rév. 2 in the SIRENE directory on
 * 1 January 2027; before that date no company has a NAF 2025 code. */
#define NAF2025_FROM "2027-01-01"

/* ------------------------------------------------------------------ schema */

const char membership_sql_company[] =
	"CREATE TABLE membership_company (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  reference TEXT NOT NULL UNIQUE,\n"          /* given to the applicant */
	"  member_number TEXT UNIQUE,\n"               /* NULL until approved */
	"  status TEXT NOT NULL CHECK (status IN ('applied', 'member', 'rejected', 'left')),\n"
	"  siret TEXT NOT NULL,\n"                     /* the head office */
	"  siren TEXT NOT NULL,\n"
	"  legal_name TEXT NOT NULL,\n"
	"  naf_code TEXT NOT NULL,\n"
	"  naf_version TEXT NOT NULL CHECK (naf_version IN ('NAFrev2', 'NAF2025')),\n"
	"  headcount INTEGER NOT NULL CHECK (headcount >= 0),\n"
	"  address_line TEXT NOT NULL,\n"
	"  postcode TEXT NOT NULL,\n"
	"  city TEXT NOT NULL,\n"
	"  contact_name TEXT NOT NULL,\n"
	"  contact_email TEXT NOT NULL,\n"             /* lower-case */
	"  contact_phone TEXT NOT NULL,\n"
	"  exposures TEXT NOT NULL,\n"                 /* JSON array of risk codes */
	"  followup_counts TEXT NOT NULL,\n"           /* JSON object, see the form */
	"  prevention_answers TEXT NOT NULL,\n"        /* JSON object of six booleans */
	"  payment_mode TEXT NOT NULL CHECK (payment_mode IN ('sepa', 'transfer')),\n"
	"  joined_on TEXT,\n"
	"  left_on TEXT,\n"
	"  rejection_reason TEXT,\n"
	"  decided_by INTEGER,\n"                      /* staff user who approved or rejected */
	"  decided_at INTEGER,\n"
	"  created_at INTEGER NOT NULL,\n"
	"  updated_at INTEGER NOT NULL\n"
	");\n"
	/* One live membership per SIRET; a rejected or former member may apply again. */
	"CREATE UNIQUE INDEX membership_company_live_siret ON membership_company (siret)\n"
	"  WHERE status IN ('applied', 'member');\n"
	"CREATE INDEX membership_company_status ON membership_company (status, id);\n"
	"CREATE INDEX membership_company_siren ON membership_company (siren);\n"
	/* The other sites of a multi-site company (the head office is the company). */
	"CREATE TABLE membership_establishment (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  company_id INTEGER NOT NULL REFERENCES membership_company (id),\n"
	"  siret TEXT NOT NULL,\n"
	"  name TEXT,\n"
	"  address_line TEXT NOT NULL,\n"
	"  postcode TEXT NOT NULL,\n"
	"  city TEXT NOT NULL,\n"
	"  headcount INTEGER NOT NULL CHECK (headcount >= 0),\n"
	"  created_at INTEGER NOT NULL,\n"
	"  UNIQUE (company_id, siret)\n"
	");\n"
	"CREATE INDEX membership_establishment_siret ON membership_establishment (siret);\n"
	/* The SEPA mandate. The full IBAN is kept because a direct debit cannot be
	 * collected without it; no route ever returns it: only iban_masked leaves. */
	"CREATE TABLE membership_sepa_mandate (\n"
	"  company_id INTEGER PRIMARY KEY REFERENCES membership_company (id),\n"
	"  reference TEXT NOT NULL UNIQUE,\n"          /* RUM, référence unique du mandat */
	"  iban TEXT NOT NULL,\n"
	"  iban_masked TEXT NOT NULL,\n"
	"  account_holder TEXT NOT NULL,\n"
	"  signed_at INTEGER NOT NULL,\n"
	"  revoked_at INTEGER\n"
	");\n"
	/* Employer users of a company (user_id is a core user, role employer). */
	"CREATE TABLE membership_company_user (\n"
	"  company_id INTEGER NOT NULL REFERENCES membership_company (id),\n"
	"  user_id INTEGER NOT NULL,\n"
	"  email TEXT NOT NULL,\n"
	"  name TEXT NOT NULL,\n"
	"  role_admin INTEGER NOT NULL CHECK (role_admin IN (0, 1)),\n"
	"  role_declaration INTEGER NOT NULL CHECK (role_declaration IN (0, 1)),\n"
	"  role_convocation INTEGER NOT NULL CHECK (role_convocation IN (0, 1)),\n"
	"  role_billing INTEGER NOT NULL CHECK (role_billing IN (0, 1)),\n"
	"  invited_at INTEGER NOT NULL,\n"
	"  invited_by INTEGER,\n"
	"  PRIMARY KEY (company_id, user_id),\n"
	"  CHECK (role_admin + role_declaration + role_convocation + role_billing >= 1)\n"
	");\n"
	"CREATE INDEX membership_company_user_user ON membership_company_user (user_id);\n"
	"CREATE TABLE membership_invitation (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  token_hash TEXT NOT NULL UNIQUE,\n"         /* SHA-256 of the token, hex */
	"  company_id INTEGER NOT NULL REFERENCES membership_company (id),\n"
	"  user_id INTEGER NOT NULL,\n"
	"  created_at INTEGER NOT NULL,\n"
	"  expires_at INTEGER NOT NULL,\n"
	"  used_at INTEGER,\n"
	"  revoked_at INTEGER\n"
	");\n"
	"CREATE INDEX membership_invitation_user ON membership_invitation (company_id, user_id);\n"
	"CREATE TABLE membership_satisfaction (\n"
	"  company_id INTEGER PRIMARY KEY REFERENCES membership_company (id),\n"
	"  user_id INTEGER NOT NULL,\n"
	"  interface INTEGER NOT NULL CHECK (interface BETWEEN 1 AND 5),\n"
	"  information INTEGER NOT NULL CHECK (information BETWEEN 1 AND 5),\n"
	"  comment TEXT,\n"
	"  answered_on TEXT NOT NULL,\n"
	"  answered_at INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX membership_satisfaction_on ON membership_satisfaction (answered_on);\n";

/* ------------------------------------------------------------ reference data */

struct risk {
	const char *code;
	const char *label;
	bool sir;
	const char *basis;
};

/* Every risk of R4624-23 I (suivi individuel renforcé) first, then common
 * risks that do not by themselves put a post under SIR. The codes are stable
 * API: stored in companies' and workers' exposures, never renamed. */
static const struct risk risks[] = {
	{"amiante", "Amiante", true, "R4624-23 I 1°"},
	{"plomb", "Plomb (au-delà des seuils de R4412-160)", true, "R4624-23 I 2° (R4412-160)"},
	{"cmr", "Agents cancérogènes, mutagènes ou toxiques pour la reproduction (R4412-60)", true,
	 "R4624-23 I 3°"},
	{"agents_biologiques_3_4", "Agents biologiques des groupes 3 et 4", true, "R4624-23 I 4°"},
	{"rayonnements_ionisants", "Rayonnements ionisants", true, "R4624-23 I 5°"},
	{"milieu_hyperbare", "Milieu hyperbare", true, "R4624-23 I 6°"},
	{"echafaudages", "Chute de hauteur lors du montage ou du démontage d'échafaudages", true,
	 "R4624-23 I 7°"},
	/* Lead under the R4412-160 thresholds: not SIR before 10 Apr 2026; from that
	 * date every lead exposure is SIR if décret 2026-253 is confirmed (to verify).
	 * The dated rule lives in membership_category.lua, where a service can
	 * override it; here "sir" is false because it depends on the date. */
	{"plomb_sous_seuils", "Plomb en dessous des seuils de R4412-160", false,
	 "R4412-160; décret 2026-253 (à vérifier)"},
	{"bruit", "Bruit", false, "R4431-1"},
	{"vibrations", "Vibrations mécaniques", false, "R4441-1"},
	{"port_de_charges", "Manutention manuelle et port de charges (TMS)", false, "R4541-1"},
	{"gestes_repetitifs", "Gestes répétitifs et postures pénibles (TMS)", false, "L4161-1"},
	{"travail_de_nuit", "Travail de nuit", false, "L3122-5; R4624-18"},
	{"travail_en_equipes", "Travail en équipes successives alternantes", false, "L4161-1"},
	{"risques_psychosociaux", "Risques psychosociaux", false, "L4121-1"},
	{"travail_sur_ecran", "Travail sur écran", false, "R4542-1"},
	{"agents_chimiques", "Agents chimiques dangereux (hors CMR)", false, "R4412-1"},
	{"agents_biologiques_2", "Agents biologiques du groupe 2", false, "R4421-3"},
	{"champs_electromagnetiques", "Champs électromagnétiques", false, "R4453-1"},
	{"conduite_engins", "Conduite d'engins ou d'équipements (CACES)", false,
	 "R4323-55; décret 2025-355"},
	{"habilitation_electrique", "Habilitation électrique", false,
	 "R4544-10; décret 2025-355"},
	{"travail_en_hauteur", "Travail en hauteur (hors échafaudages)", false, "R4323-58"},
	{"temperatures_extremes", "Ambiances thermiques (chaleur, froid)", false, "R4121-1"},
	{"risque_routier", "Déplacements professionnels (risque routier)", false, "L4121-1"},
	{"travail_isole", "Travail isolé", false, "R4543-19"},
};

bool membership_risk_known(const char *code, bool *sir)
{
	for (size_t i = 0; code != NULL && i < SOCLE_COUNT(risks); i++)
		if (strcmp(risks[i].code, code) == 0) {
			if (sir != NULL)
				*sir = risks[i].sir;
			return true;
		}
	return false;
}

/* The six questions of seed 3.2.1.3 (the prevention_score rule point reads
 * these keys). */
static const struct {
	const char *key;
	const char *label;
} questions[] = {
	{"duerp", "Votre entreprise dispose-t-elle d'un document unique d'évaluation des risques "
	          "professionnels (DUERP) ?"},
	{"duerp_with_workers", "Le DUERP a-t-il été élaboré avec les salariés ?"},
	{"action_plan", "Disposez-vous d'un plan d'actions de prévention ?"},
	{"action_plan_reviewed", "Ce plan d'actions fait-il l'objet de bilans réguliers et de mises "
	                         "à jour ?"},
	{"staff_representation", "Existe-t-il des instances représentatives du personnel ou des "
	                         "salariés désignés compétents en prévention ?"},
	{"onboarding", "Existe-t-il un processus ou un livret d'accueil des nouveaux salariés ?"},
};

/* Counts that set follow-up categories (R4624-17, -18, -23; R6222-40-1). */
static const struct {
	const char *key;
	const char *label;
} followups[] = {
	{"night_workers", "Travailleurs de nuit"},
	{"under_18", "Salariés de moins de 18 ans"},
	{"apprentices", "Apprentis"},
	{"rqth", "Travailleurs handicapés (RQTH) ou titulaires d'une pension d'invalidité"},
	{"sir_posts", "Salariés affectés à un poste à risque (suivi renforcé)"},
};

static const struct {
	const char *role;
	const char *column;
	const char *label;
} roles[] = {
	{MEMBERSHIP_ROLE_ADMIN, "role_admin", "Administrateur"},
	{MEMBERSHIP_ROLE_DECLARATION, "role_declaration", "Déclaration des effectifs"},
	{MEMBERSHIP_ROLE_CONVOCATION, "role_convocation", "Convocations"},
	{MEMBERSHIP_ROLE_BILLING, "role_billing", "Facturation"},
};

/* ------------------------------------------------------------------ helpers */

/* @p date plus @p years, 29 February becoming 28 February in a common year
 * (the core's calendar, as socle.date.add_years). */
static void add_years(const char *date, int years, char out[11])
{
	if (!socle_date_add_months(date, 12 * years, out))
		snprintf(out, 11, "%s", "9999-12-31");
}

static const char *str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static int fail(socle_err *err)
{
	return err != NULL && err->code != 0 ? err->code : SOCLE_E_STORE;
}

/* Spaces are allowed in the SIRET a person types ("123 456 789 00012"). */
static bool siret_compact(const char *in, char out[15])
{
	size_t n = 0;

	for (const char *p = in ? in : ""; *p; p++) {
		if (*p == ' ')
			continue;
		if (n >= 14 || *p < '0' || *p > '9')
			return false;
		out[n++] = *p;
	}
	out[n] = '\0';
	return n == 14;
}

static void lower_ascii(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (; in && *in && n + 1 < size; in++)
		out[n++] = (*in >= 'A' && *in <= 'Z') ? (char)(*in - 'A' + 'a') : *in;
	out[n] = '\0';
}

/* A JSON text column back as a value; an unreadable one becomes null rather
 * than failing the whole page. */
static json_t *json_column(const char *text)
{
	json_t *v = text ? json_loads(text, 0, NULL) : NULL;

	return v ? v : json_null();
}

static json_t *page_reply(json_t *rows, int limit)
{
	json_t *cursor = socle_page_cursor(rows, limit, "id");

	return json_pack("{s:o, s:o}", "items", rows, "next_cursor", cursor);
}

static int audit(socle_db *wdb, socle_req *req, const char *action, int64_t company_id,
                 json_t *detail, socle_err *err)
{
	struct socle_audit_entry e = {.action = action, .object_type = "company",
	                              .object_id = company_id, .outcome = "ok", .detail = detail};
	int rc = socle_audit(wdb, req, &e, err);

	json_decref(detail);
	return rc;
}

static int emit(socle_db *wdb, const char *event, json_t *payload, socle_err *err)
{
	int rc = payload ? socle_event_emit(wdb, event, payload, err)
	                 : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");

	json_decref(payload);
	return rc;
}

static int64_t principal_id(socle_req *req)
{
	const socle_principal *who = socle_req_principal(req);

	return who ? socle_principal_user_id(who) : 0;
}

static bool is_staff(socle_req *req)
{
	const socle_principal *who = socle_req_principal(req);

	return who && (SOCLE_ROLE_BIT(socle_principal_role(who)) & SOCLE_ROLES_STAFF) != 0;
}

static int invitation_days(socle_service *svc)
{
	const json_t *v = json_object_get(membership_settings(svc), "invitation_days");

	if (json_is_integer(v) && json_integer_value(v) >= 1 && json_integer_value(v) <= 90)
		return (int)json_integer_value(v);
	return INVITATION_DAYS_DEFAULT;
}

/* ------------------------------------------------------------ field checks */

static int check_siret(const json_t *v, char *msg, size_t size)
{
	char s[15];

	if (!siret_compact(json_string_value(v), s)) {
		snprintf(msg, size, "Le SIRET doit comporter 14 chiffres.");
		return -1;
	}
	if (!membership_siret_valid(s)) {
		snprintf(msg, size, "SIRET invalide : la clé de contrôle ne correspond pas.");
		return -1;
	}
	return 0;
}

static int check_postcode(const json_t *v, char *msg, size_t size)
{
	const char *s = json_string_value(v);

	for (int i = 0; i < 5; i++)
		if (s[i] < '0' || s[i] > '9') {
			snprintf(msg, size, "Le code postal doit comporter 5 chiffres.");
			return -1;
		}
	if (s[5] != '\0') {
		snprintf(msg, size, "Le code postal doit comporter 5 chiffres.");
		return -1;
	}
	return 0;
}

/* A French number (0 and 9 digits) or an international one (+ and 8 to 15
 * digits); spaces, dots and hyphens between digits are allowed. */
static int check_phone(const json_t *v, char *msg, size_t size)
{
	const char *s = json_string_value(v);
	size_t digits = 0;
	bool plus = *s == '+';

	for (const char *p = plus ? s + 1 : s; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (*p != ' ' && *p != '.' && *p != '-')
			digits = 99;
	}
	if (plus ? (digits >= 8 && digits <= 15) : (digits == 10 && s[0] == '0'))
		return 0;
	snprintf(msg, size, "Numéro de téléphone invalide (par exemple 01 23 45 67 89).");
	return -1;
}

static int check_iban(const json_t *v, char *msg, size_t size)
{
	if (membership_iban_valid(json_string_value(v)))
		return 0;
	snprintf(msg, size, "IBAN invalide : vérifiez sa longueur et sa clé de contrôle.");
	return -1;
}

static int check_text(const json_t *v, char *msg, size_t size)
{
	for (const unsigned char *p = (const unsigned char *)json_string_value(v); *p; p++)
		if (*p < 0x20 || *p == 0x7f) {
			snprintf(msg, size, "Ne doit pas contenir de caractère de contrôle.");
			return -1;
		}
	return 0;
}

static const char *const naf_versions[] = {"NAFrev2", "NAF2025", NULL};
static const char *const payment_modes[] = {"sepa", "transfer", NULL};

static const struct socle_field application_fields[] = {
	{.name = "siret", .type = SOCLE_F_STRING, .required = true, .min = 14, .max = 20,
	 .check = check_siret},
	{.name = "legal_name", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 200,
	 .check = check_text},
	{.name = "naf_code", .type = SOCLE_F_STRING, .required = true, .min = 5, .max = 6},
	{.name = "naf_version", .type = SOCLE_F_ENUM, .choices = naf_versions},
	{.name = "address", .type = SOCLE_F_OBJECT, .required = true},
	{.name = "headcount", .type = SOCLE_F_INT, .required = true, .min = 1, .max = 1000000},
	{.name = "contact", .type = SOCLE_F_OBJECT, .required = true},
	{.name = "establishments", .type = SOCLE_F_ARRAY, .min = 0, .max = 500},
	{.name = "exposures", .type = SOCLE_F_ARRAY, .min = 0, .max = 64},
	{.name = "followup_counts", .type = SOCLE_F_OBJECT},
	{.name = "prevention_answers", .type = SOCLE_F_OBJECT, .required = true},
	{.name = "payment", .type = SOCLE_F_OBJECT, .required = true},
};

static const struct socle_field address_fields[] = {
	{.name = "line", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 200,
	 .check = check_text},
	{.name = "postcode", .type = SOCLE_F_STRING, .required = true, .min = 5, .max = 5,
	 .check = check_postcode},
	{.name = "city", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 100,
	 .check = check_text},
};

static const struct socle_field contact_fields[] = {
	{.name = "name", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 200,
	 .check = check_text},
	{.name = "email", .type = SOCLE_F_EMAIL, .required = true, .min = 3, .max = 254},
	{.name = "phone", .type = SOCLE_F_STRING, .required = true, .min = 8, .max = 25,
	 .check = check_phone},
};

static const struct socle_field establishment_fields[] = {
	{.name = "siret", .type = SOCLE_F_STRING, .required = true, .min = 14, .max = 20,
	 .check = check_siret},
	{.name = "name", .type = SOCLE_F_STRING, .min = 1, .max = 200, .check = check_text},
	{.name = "address", .type = SOCLE_F_OBJECT, .required = true},
	{.name = "headcount", .type = SOCLE_F_INT, .required = true, .min = 0, .max = 1000000},
};

static const struct socle_field followup_fields[] = {
	{.name = "night_workers", .type = SOCLE_F_INT, .min = 0, .max = 1000000},
	{.name = "under_18", .type = SOCLE_F_INT, .min = 0, .max = 1000000},
	{.name = "apprentices", .type = SOCLE_F_INT, .min = 0, .max = 1000000},
	{.name = "rqth", .type = SOCLE_F_INT, .min = 0, .max = 1000000},
	{.name = "sir_posts", .type = SOCLE_F_INT, .min = 0, .max = 1000000},
};

static const struct socle_field prevention_fields[] = {
	{.name = "duerp", .type = SOCLE_F_BOOL, .required = true},
	{.name = "duerp_with_workers", .type = SOCLE_F_BOOL, .required = true},
	{.name = "action_plan", .type = SOCLE_F_BOOL, .required = true},
	{.name = "action_plan_reviewed", .type = SOCLE_F_BOOL, .required = true},
	{.name = "staff_representation", .type = SOCLE_F_BOOL, .required = true},
	{.name = "onboarding", .type = SOCLE_F_BOOL, .required = true},
};

static const struct socle_field payment_fields[] = {
	{.name = "mode", .type = SOCLE_F_ENUM, .required = true, .choices = payment_modes},
	{.name = "iban", .type = SOCLE_F_STRING, .min = 15, .max = 42, .check = check_iban},
	{.name = "account_holder", .type = SOCLE_F_STRING, .min = 1, .max = 70,
	 .check = check_text},
	{.name = "mandate_consent", .type = SOCLE_F_BOOL},
};

/* ------------------------------------------------------------- application */

/* What a valid application holds besides the body (borrowed): normalized
 * identifiers. */
struct application {
	const json_t *body;
	char siret[15];
	char siren[10];
	char naf[7];
	const char *naf_version;
	char email[255];
	char iban[40];
	char iban_masked[48];
	bool sepa;
};

/* NAF as typed ("1071c", "10.71C") to its stored form "10.71C". */
static bool naf_normalize(const char *in, char out[7])
{
	size_t n = strlen(in);

	if (n == 5 && in[2] != '.') {
		memcpy(out, in, 2);
		out[2] = '.';
		memcpy(out + 3, in + 2, 3);
	} else if (n == 6) {
		memcpy(out, in, 6);
	} else {
		return false;
	}
	out[6] = '\0';
	if (out[5] >= 'a' && out[5] <= 'z')
		out[5] = (char)(out[5] - 'a' + 'A');
	return true;
}

static int check_nested(const json_t *body, const char *key, const struct socle_field *fields,
                        size_t count, const char *prefix, json_t **errors)
{
	const json_t *v = json_object_get(body, key);

	return json_is_object(v) ? socle_fields_check(v, fields, count, prefix, errors) : 0;
}

static int check_establishments(const json_t *body, const struct application *a, json_t **errors)
{
	const json_t *list = json_object_get(body, "establishments");
	int64_t total = 0, headcount = json_integer_value(json_object_get(body, "headcount"));
	int problems = 0;
	size_t i;
	const json_t *e;

	if (!json_is_array(list))
		return 0;
	json_array_foreach(list, i, e) {
		char prefix[48], name[64], s[15];

		snprintf(prefix, sizeof(prefix), "establishments[%zu].", i);
		int n = socle_fields_check(e, establishment_fields, SOCLE_COUNT(establishment_fields),
		                           prefix, errors);

		snprintf(name, sizeof(name), "establishments[%zu].address.", i);
		n += check_nested(e, "address", address_fields, SOCLE_COUNT(address_fields), name,
		                  errors);
		problems += n;
		if (n > 0)
			continue;
		total += json_integer_value(json_object_get(e, "headcount"));
		snprintf(name, sizeof(name), "establishments[%zu].siret", i);
		siret_compact(str(e, "siret"), s);
		if (a->siret[0] && strcmp(s, a->siret) == 0) {
			socle_field_error(errors, name, "C'est le SIRET du siège : ne le répétez pas "
			                                "parmi les établissements.");
			problems++;
		} else if (a->siren[0] && strncmp(s, a->siren, 9) != 0) {
			socle_field_error(errors, name, "Cet établissement n'appartient pas à "
			                                "l'entreprise (SIREN différent).");
			problems++;
		} else {
			for (size_t j = 0; j < i; j++) {
				char t[15];

				if (siret_compact(str(json_array_get(list, j), "siret"), t) &&
				    strcmp(s, t) == 0) {
					socle_field_error(errors, name, "Établissement déjà indiqué.");
					problems++;
					break;
				}
			}
		}
	}
	if (problems == 0 && json_is_integer(json_object_get(body, "headcount")) &&
	    total > headcount) {
		socle_field_error(errors, "establishments", "La somme des effectifs des établissements "
		                  "dépasse l'effectif de l'entreprise.");
		problems++;
	}
	return problems;
}

static int check_exposures(const json_t *body, json_t **errors)
{
	const json_t *list = json_object_get(body, "exposures");
	int problems = 0;
	size_t i;
	const json_t *v;

	if (!json_is_array(list))
		return 0;
	json_array_foreach(list, i, v) {
		char name[32];

		snprintf(name, sizeof(name), "exposures[%zu]", i);
		if (!membership_risk_known(json_string_value(v), NULL)) {
			socle_field_error(errors, name, "Risque inconnu : voir la liste GET "
			                                "/membership/risks.");
			problems++;
			continue;
		}
		for (size_t j = 0; j < i; j++)
			if (json_equal(json_array_get(list, j), v)) {
				socle_field_error(errors, name, "Risque déjà indiqué.");
				problems++;
				break;
			}
	}
	return problems;
}

static int check_followups(const json_t *body, json_t **errors)
{
	const json_t *counts = json_object_get(body, "followup_counts");
	const json_t *hc = json_object_get(body, "headcount");
	int problems;

	if (!json_is_object(counts))
		return 0;
	problems = socle_fields_check(counts, followup_fields, SOCLE_COUNT(followup_fields),
	                              "followup_counts.", errors);
	if (problems > 0 || !json_is_integer(hc))
		return problems;
	for (size_t i = 0; i < SOCLE_COUNT(followups); i++) {
		const json_t *v = json_object_get(counts, followups[i].key);
		char name[64];

		if (json_is_integer(v) && json_integer_value(v) > json_integer_value(hc)) {
			snprintf(name, sizeof(name), "followup_counts.%s", followups[i].key);
			socle_field_error(errors, name, "Ne peut pas dépasser l'effectif de l'entreprise.");
			problems++;
		}
	}
	return problems;
}

static int check_payment(const json_t *body, struct application *a, json_t **errors)
{
	const json_t *pay = json_object_get(body, "payment");
	int problems;

	if (!json_is_object(pay))
		return 0;
	problems = socle_fields_check(pay, payment_fields, SOCLE_COUNT(payment_fields), "payment.",
	                              errors);
	const char *mode = str(pay, "mode");

	if (mode == NULL)
		return problems;
	a->sepa = strcmp(mode, "sepa") == 0;
	if (a->sepa) {
		if (json_object_get(pay, "iban") == NULL) {
			socle_field_error(errors, "payment.iban",
			                  "L'IBAN est obligatoire pour le prélèvement SEPA.");
			problems++;
		}
		if (json_object_get(pay, "account_holder") == NULL) {
			socle_field_error(errors, "payment.account_holder",
			                  "Le titulaire du compte est obligatoire pour le prélèvement SEPA.");
			problems++;
		}
		if (!json_is_true(json_object_get(pay, "mandate_consent"))) {
			socle_field_error(errors, "payment.mandate_consent",
			                  "Vous devez accepter le mandat de prélèvement SEPA.");
			problems++;
		}
	} else {
		static const char *const sepa_only[] = {"iban", "account_holder", "mandate_consent"};

		for (size_t i = 0; i < SOCLE_COUNT(sepa_only); i++)
			if (json_object_get(pay, sepa_only[i]) != NULL) {
				char name[48];

				snprintf(name, sizeof(name), "payment.%s", sepa_only[i]);
				socle_field_error(errors, name, "Sans objet pour un paiement par virement.");
				problems++;
			}
	}
	if (problems == 0 && a->sepa) {
		membership_iban_compact(str(pay, "iban"), a->iban, sizeof(a->iban));
		membership_iban_mask(a->iban, a->iban_masked, sizeof(a->iban_masked));
	}
	return problems;
}

/* Every rule of the form; the number of problems, each appended to *errors. */
static int application_check(const json_t *body, struct application *a, json_t **errors)
{
	int problems;
	char d[11];

	memset(a, 0, sizeof(*a));
	a->body = body;
	problems = socle_fields_check(body, application_fields, SOCLE_COUNT(application_fields),
	                              NULL, errors);
	if (!json_is_object(body))
		return problems;
	if (siret_compact(str(body, "siret"), a->siret) && membership_siret_valid(a->siret)) {
		memcpy(a->siren, a->siret, 9);
		a->siren[9] = '\0';
	} else {
		a->siret[0] = '\0';
	}
	a->naf_version = str(body, "naf_version") ? str(body, "naf_version") : "NAFrev2";
	if (str(body, "naf_code") != NULL) {
		char why[160];

		if (!naf_normalize(str(body, "naf_code"), a->naf)) {
			socle_field_error(errors, "naf_code",
			                  "Le code NAF doit avoir la forme 00.00A (par exemple 10.71C).");
			problems++;
		} else if (!membership_naf_valid(a->naf, a->naf_version, why, sizeof(why))) {
			socle_field_error(errors, "naf_code", "%s", why);
			problems++;
		}
	}
	socle_date_today(d);
	if (strcmp(a->naf_version, "NAF2025") == 0 && strcmp(d, NAF2025_FROM) < 0) {
		socle_field_error(errors, "naf_version", "La nomenclature NAF 2025 n'est acceptée "
		                  "qu'à partir du 1er janvier 2027 : indiquez le code NAF rév. 2.");
		problems++;
	}
	problems += check_nested(body, "address", address_fields, SOCLE_COUNT(address_fields),
	                         "address.", errors);
	problems += check_nested(body, "contact", contact_fields, SOCLE_COUNT(contact_fields),
	                         "contact.", errors);
	problems += check_nested(body, "prevention_answers", prevention_fields,
	                         SOCLE_COUNT(prevention_fields), "prevention_answers.", errors);
	problems += check_establishments(body, a, errors);
	problems += check_exposures(body, errors);
	problems += check_followups(body, errors);
	problems += check_payment(body, a, errors);
	lower_ascii(str(json_object_get(body, "contact"), "email"), a->email, sizeof(a->email));
	return problems;
}

/* Is @p siret the head office or a site of a live company (applied or member)? */
static int siret_live(socle_db *db, const char *siret, socle_err *err)
{
	json_t *p = json_pack("{s:s}", "siret", siret);
	json_t *rows = socle_db_query(db,
		"SELECT c.id FROM membership_company c WHERE c.status IN ('applied', 'member') AND"
		" (c.siret = :siret OR EXISTS (SELECT 1 FROM membership_establishment e"
		"  WHERE e.company_id = c.id AND e.siret = :siret)) LIMIT 1", p, err);

	json_decref(p);
	if (rows == NULL)
		return fail(err);
	int found = json_array_size(rows) > 0;

	json_decref(rows);
	return found;
}

/* The SIRETs of the application already held by a live company, as field
 * errors. Runs both before the write (to answer) and inside it (a concurrent
 * application may have committed in between). */
static int check_duplicates(socle_db *db, const struct application *a, json_t **errors,
                            socle_err *err)
{
	int rc = siret_live(db, a->siret, err), problems = 0;
	size_t i;
	const json_t *e;

	if (rc < 0)
		return rc;
	if (rc > 0) {
		socle_field_error(errors, "siret", "Une adhésion est déjà enregistrée ou en cours pour "
		                                   "ce SIRET.");
		problems++;
	}
	json_array_foreach(json_object_get(a->body, "establishments"), i, e) {
		char s[15], name[48];

		siret_compact(str(e, "siret"), s);
		if ((rc = siret_live(db, s, err)) < 0)
			return rc;
		if (rc > 0) {
			snprintf(name, sizeof(name), "establishments[%zu].siret", i);
			socle_field_error(errors, name, "Cet établissement relève déjà d'une adhésion "
			                                "enregistrée ou en cours.");
			problems++;
		}
	}
	return problems;
}

struct apply_tx {
	socle_req *req;
	const struct application *a;
	json_t *errors; /* duplicates found inside the transaction */
	int64_t id;
	char reference[24];
};

static int apply_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct apply_tx *t = ud;
	const struct application *a = t->a;
	const json_t *b = a->body, *addr = json_object_get(b, "address"),
	             *contact = json_object_get(b, "contact");
	int64_t now = socle_now_ms();
	char d[11];
	int rc;

	if ((rc = check_duplicates(wdb, a, &t->errors, err)) != 0)
		return rc < 0 ? rc : SOCLE_E_EXISTS;
	json_t *exposures = json_object_get(b, "exposures") ? json_incref(json_object_get(b, "exposures"))
	                                                     : json_array();
	json_t *counts = json_object_get(b, "followup_counts")
	                         ? json_incref(json_object_get(b, "followup_counts"))
	                         : json_object();
	/* The reference is written once the id is known; a placeholder keeps it unique. */
	char placeholder[48];

	snprintf(placeholder, sizeof(placeholder), "pending-%" PRId64, now);
	json_t *p = json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:O,"
		" s:s, s:I}",
		"reference", placeholder, "siret", a->siret, "siren", a->siren, "legal_name",
		str(b, "legal_name"), "naf_code", a->naf, "naf_version", a->naf_version, "headcount",
		json_integer_value(json_object_get(b, "headcount")), "address_line", str(addr, "line"),
		"postcode", str(addr, "postcode"), "city", str(addr, "city"), "contact_name",
		str(contact, "name"), "contact_email", a->email, "contact_phone", str(contact, "phone"),
		"exposures", exposures, "followup_counts", counts, "prevention_answers",
		json_object_get(b, "prevention_answers"), "payment_mode", a->sepa ? "sepa" : "transfer",
		"now", (json_int_t)now);

	if (p == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	rc = socle_db_run(wdb,
		"INSERT INTO membership_company (reference, status, siret, siren, legal_name, naf_code,"
		" naf_version, headcount, address_line, postcode, city, contact_name, contact_email,"
		" contact_phone, exposures, followup_counts, prevention_answers, payment_mode,"
		" created_at, updated_at) VALUES (:reference, 'applied', :siret, :siren, :legal_name,"
		" :naf_code, :naf_version, :headcount, :address_line, :postcode, :city, :contact_name,"
		" :contact_email, :contact_phone, :exposures, :followup_counts, :prevention_answers,"
		" :payment_mode, :now, :now)", p, err);
	json_decref(p);
	if (rc < 0)
		return rc;
	t->id = socle_db_last_insert_id(wdb);
	socle_date_today(d);
	snprintf(t->reference, sizeof(t->reference), "D%.4s-%06" PRId64, d, t->id);
	p = json_pack("{s:s, s:I}", "reference", t->reference, "id", (json_int_t)t->id);
	rc = socle_db_run(wdb, "UPDATE membership_company SET reference = :reference WHERE id = :id",
	                  p, err);
	json_decref(p);
	if (rc < 0)
		return rc;

	size_t i;
	const json_t *e;

	json_array_foreach(json_object_get(b, "establishments"), i, e) {
		char s[15];
		const json_t *ea = json_object_get(e, "address");

		siret_compact(str(e, "siret"), s);
		p = json_pack("{s:I, s:s, s:s?, s:s, s:s, s:s, s:I, s:I}", "company_id",
		              (json_int_t)t->id, "siret", s, "name", str(e, "name"), "line",
		              str(ea, "line"), "postcode", str(ea, "postcode"), "city", str(ea, "city"),
		              "headcount", json_integer_value(json_object_get(e, "headcount")), "now",
		              (json_int_t)now);
		rc = p ? socle_db_run(wdb,
			"INSERT INTO membership_establishment (company_id, siret, name, address_line,"
			" postcode, city, headcount, created_at) VALUES (:company_id, :siret, :name, :line,"
			" :postcode, :city, :headcount, :now)", p, err)
		       : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
		json_decref(p);
		if (rc < 0)
			return rc;
	}
	if (a->sepa) {
		char rum[32];
		const json_t *pay = json_object_get(b, "payment");

		snprintf(rum, sizeof(rum), "RUM-%s", t->reference);
		p = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I}", "company_id", (json_int_t)t->id,
		              "reference", rum, "iban", a->iban, "masked", a->iban_masked, "holder",
		              str(pay, "account_holder"), "now", (json_int_t)now);
		rc = p ? socle_db_run(wdb,
			"INSERT INTO membership_sepa_mandate (company_id, reference, iban, iban_masked,"
			" account_holder, signed_at) VALUES (:company_id, :reference, :iban, :masked,"
			" :holder, :now)", p, err)
		       : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
		json_decref(p);
		if (rc < 0)
			return rc;
	}
	rc = audit(wdb, t->req, "membership.company.apply", t->id,
	           json_pack("{s:s, s:s, s:s}", "siret", a->siret, "reference", t->reference,
	                     "payment_mode", a->sepa ? "sepa" : "transfer"), err);
	if (rc != 0)
		return rc;
	return emit(wdb, "company.applied",
	            json_pack("{s:I, s:s}", "company_id", (json_int_t)t->id, "siret", a->siret), err);
}

/* POST /membership/applications (public, throttled) */
static int route_apply(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	struct application a;
	(void)ud;

	if (socle_req_throttle(req, "membership.apply", &err) != 0)
		return socle_reply_err(req, &err);
	if (application_check(socle_req_body(req), &a, &errors) > 0)
		return socle_reply_invalid(req, errors);
	socle_db *db = socle_req_reader(req, &err);

	if (db == NULL)
		return socle_reply_err(req, &err);
	int rc = check_duplicates(db, &a, &errors, &err);

	if (rc < 0)
		return socle_reply_err(req, &err);
	if (rc > 0)
		return socle_reply_invalid(req, errors);
	struct apply_tx t = {.req = req, .a = &a};

	rc = socle_service_write(socle_req_service(req), apply_write, &t, &err);
	if (rc == SOCLE_E_EXISTS && t.errors != NULL)
		return socle_reply_invalid(req, t.errors);
	json_decref(t.errors);
	if (rc != 0)
		return socle_reply_err(req, &err);
	return socle_reply_json(req, 201, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)t.id,
	                                            "status", "applied", "reference", t.reference));
}

/* --------------------------------------------------------- public reference */

static json_t *risks_json(void)
{
	json_t *items = json_array();

	for (size_t i = 0; items && i < SOCLE_COUNT(risks); i++)
		json_array_append_new(items, json_pack("{s:s, s:s, s:b, s:s}", "code", risks[i].code,
		                                       "label", risks[i].label, "sir", risks[i].sir,
		                                       "basis", risks[i].basis));
	return items;
}

/* GET /membership/risks (public) */
static int route_risks(socle_req *req, void *ud)
{
	(void)ud;
	return socle_reply_json(req, 200, json_pack("{s:o}", "items", risks_json()));
}

/* GET /membership/application-form (public): everything the form shows,
 * including where the service's offer is (the core's GET /offer), so that the
 * offer is presented at application time (3.1). */
static int route_form(socle_req *req, void *ud)
{
	socle_service *svc = socle_req_service(req);
	json_t *q = json_array(), *f = json_array(), *modes, *naf;
	char offer[160], d[11];
	(void)ud;

	for (size_t i = 0; q && i < SOCLE_COUNT(questions); i++)
		json_array_append_new(q, json_pack("{s:s, s:s}", "key", questions[i].key, "label",
		                                   questions[i].label));
	for (size_t i = 0; f && i < SOCLE_COUNT(followups); i++)
		json_array_append_new(f, json_pack("{s:s, s:s}", "key", followups[i].key, "label",
		                                   followups[i].label));
	modes = json_pack("[{s:s, s:s}, {s:s, s:s}]", "mode", "sepa", "label",
	                  "Prélèvement SEPA (IBAN et acceptation du mandat)", "mode", "transfer",
	                  "label", "Virement à réception de la facture");
	socle_date_today(d);
	naf = json_pack("[{s:s, s:s, s:b}, {s:s, s:s, s:s, s:b}]", "version", "NAFrev2", "label",
	                "NAF rév. 2 (forme 00.00A)", "accepted", 1, "version", "NAF2025", "label",
	                "NAF 2025 (forme 00.00A)", "from", NAF2025_FROM, "accepted",
	                strcmp(d, NAF2025_FROM) >= 0);
	snprintf(offer, sizeof(offer), "/api/v1/%s/offer", socle_service_id(svc));
	return socle_reply_json(req, 200, json_pack(
		"{s:{s:s, s:s}, s:s, s:o, s:o, s:o, s:o, s:o}", "service", "id", socle_service_id(svc),
		"name", socle_service_name(svc), "offer_url", offer, "risks", risks_json(),
		"prevention_questions", q, "followup_counts", f, "payment_modes", modes,
		"naf_versions", naf));
}

/* ------------------------------------------------------------ company views */

static const char company_columns[] =
	"id, reference, status, member_number, siret, siren, legal_name, naf_code, naf_version,"
	" headcount, address_line, postcode, city, contact_name, contact_email, contact_phone,"
	" exposures, followup_counts, prevention_answers, payment_mode, joined_on, left_on,"
	" rejection_reason, decided_by, decided_at, created_at";

/* The full view of one company: nested address, contact, payment (IBAN
 * masked) and establishments. NULL with err (SOCLE_E_NOTFOUND) if unknown. */
static json_t *company_view(socle_db *db, int64_t id, socle_err *err)
{
	char sql[700];
	json_t *p = json_pack("{s:I}", "id", (json_int_t)id);

	snprintf(sql, sizeof(sql), "SELECT %s FROM membership_company WHERE id = :id",
	         company_columns);
	json_t *r = socle_db_query_one(db, sql, p, err);

	if (r == NULL) {
		json_decref(p);
		if (err && err->code == SOCLE_E_NOTFOUND)
			socle_err_set(err, SOCLE_E_NOTFOUND, "Entreprise introuvable.");
		return NULL;
	}
	json_t *out = json_pack(
		"{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O,"
		" s:{s:O, s:O, s:O}, s:{s:O, s:O, s:O}, s:o, s:o, s:o, s:O, s:O, s:O, s:O, s:O}",
		"id", json_object_get(r, "id"), "reference", json_object_get(r, "reference"), "status",
		json_object_get(r, "status"), "member_number", json_object_get(r, "member_number"),
		"siret", json_object_get(r, "siret"), "siren", json_object_get(r, "siren"), "legal_name",
		json_object_get(r, "legal_name"), "naf_code", json_object_get(r, "naf_code"),
		"naf_version", json_object_get(r, "naf_version"), "headcount",
		json_object_get(r, "headcount"), "address", "line", json_object_get(r, "address_line"),
		"postcode", json_object_get(r, "postcode"), "city", json_object_get(r, "city"),
		"contact", "name", json_object_get(r, "contact_name"), "email",
		json_object_get(r, "contact_email"), "phone", json_object_get(r, "contact_phone"),
		"exposures", json_column(str(r, "exposures")), "followup_counts",
		json_column(str(r, "followup_counts")), "prevention_answers",
		json_column(str(r, "prevention_answers")), "joined_on", json_object_get(r, "joined_on"),
		"left_on", json_object_get(r, "left_on"), "rejection_reason",
		json_object_get(r, "rejection_reason"), "decided_at", json_object_get(r, "decided_at"),
		"created_at", json_object_get(r, "created_at"));
	json_t *estabs = socle_db_query(db,
		"SELECT id, siret, name, address_line, postcode, city, headcount FROM"
		" membership_establishment WHERE company_id = :id ORDER BY id LIMIT 500", p, err);
	json_t *mandate = socle_db_query(db,
		"SELECT reference, iban_masked, account_holder, signed_at, revoked_at FROM"
		" membership_sepa_mandate WHERE company_id = :id", p, err);

	json_decref(p);
	if (out == NULL || estabs == NULL || mandate == NULL) {
		json_decref(out);
		json_decref(estabs);
		json_decref(mandate);
		json_decref(r);
		if (err && err->code == 0)
			socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
		return NULL;
	}
	json_object_set_new(out, "establishments", estabs);
	json_t *pay = json_pack("{s:O}", "mode", json_object_get(r, "payment_mode"));
	json_t *m = json_array_get(mandate, 0);

	if (pay != NULL && m != NULL) {
		json_object_set(pay, "mandate_reference", json_object_get(m, "reference"));
		json_object_set(pay, "iban_masked", json_object_get(m, "iban_masked"));
		json_object_set(pay, "account_holder", json_object_get(m, "account_holder"));
		json_object_set(pay, "signed_at", json_object_get(m, "signed_at"));
		json_object_set(pay, "revoked_at", json_object_get(m, "revoked_at"));
	}
	json_object_set_new(out, "payment", pay ? pay : json_null());
	json_decref(mandate);
	json_decref(r);
	return out;
}

int membership_company_status(socle_db *db, int64_t id, char *status, size_t size, socle_err *err)
{
	json_t *p = json_pack("{s:I}", "id", (json_int_t)id);
	json_t *r = socle_db_query_one(db, "SELECT status FROM membership_company WHERE id = :id", p,
	                               err);

	json_decref(p);
	if (r == NULL) {
		if (err && err->code == SOCLE_E_NOTFOUND)
			return socle_err_set(err, SOCLE_E_NOTFOUND, "Entreprise introuvable.");
		return fail(err);
	}
	snprintf(status, size, "%s", str(r, "status"));
	json_decref(r);
	return 0;
}

int membership_user_has_role(socle_db *db, int64_t company_id, int64_t user_id,
                              const char *role, socle_err *err)
{
	char sql[200];
	const char *column = NULL;

	for (size_t i = 0; i < SOCLE_COUNT(roles); i++)
		if (strcmp(roles[i].role, role) == 0)
			column = roles[i].column;
	if (column == NULL)
		return socle_err_set(err, SOCLE_E_INTERNAL, "rôle employeur inconnu : %s", role);
	snprintf(sql, sizeof(sql), "SELECT %s AS has FROM membership_company_user"
	                           " WHERE company_id = :company_id AND user_id = :user_id", column);
	json_t *p = json_pack("{s:I, s:I}", "company_id", (json_int_t)company_id, "user_id",
	                      (json_int_t)user_id);
	json_t *rows = socle_db_query(db, sql, p, err);

	json_decref(p);
	if (rows == NULL)
		return fail(err);
	int has = json_integer_value(json_object_get(json_array_get(rows, 0), "has")) == 1;

	json_decref(rows);
	return has;
}

/* Record a refusal decided here (the core records those it decides). */
static void audit_denied(socle_req *req, int64_t company_id, const char *key, const char *value)
{
	json_t *detail = json_pack("{s:s}", key, value);
	struct socle_audit_entry e = {.action = "membership.company.access", .object_type = "company",
	                              .object_id = company_id, .outcome = "denied", .detail = detail};
	socle_err ignored = SOCLE_ERR_INIT;

	/* The refusal stands even if its trace could not be written; the core
	 * logs that failure. */
	(void)socle_audit_now(req, &e, &ignored);
	json_decref(detail);
}

int membership_company_access(socle_req *req, int64_t company_id, const char *employer_role,
                              socle_err *err)
{
	char status[16];
	socle_db *db = socle_req_reader(req, err);
	int rc;

	if (db == NULL)
		return fail(err);
	if ((rc = membership_company_status(db, company_id, status, sizeof(status), err)) != 0)
		return rc;
	if ((rc = socle_access_company(req, company_id, err)) != 0)
		return rc;
	const socle_principal *who = socle_req_principal(req);

	if (employer_role == NULL || socle_principal_role(who) != SOCLE_ROLE_EMPLOYER)
		return 0;
	rc = membership_user_has_role(db, company_id, socle_principal_user_id(who), employer_role,
	                              err);
	if (rc < 0)
		return rc;
	if (rc == 1)
		return 0;
	audit_denied(req, company_id, "missing_role", employer_role);
	return socle_err_set(err, SOCLE_E_FORBIDDEN,
	                     "Votre compte n'a pas le rôle « %s » dans cette entreprise.",
	                     employer_role);
}

/* GET /membership/companies/{id} */
static int route_company_get(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t id;
	(void)ud;

	if (socle_req_param_id(req, "id", &id) != 0)
		return socle_reply_error(req, 404, "not_found", "Entreprise introuvable.");
	if (membership_company_access(req, id, NULL, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *c = db ? company_view(db, id, &err) : NULL;

	return c ? socle_reply_json(req, 200, c) : socle_reply_err(req, &err);
}

static const char *const status_choices[] = {"applied", "member", "rejected", "left", NULL};

static int list_companies(socle_req *req, const char *status, const char *q)
{
	socle_err err = SOCLE_ERR_INIT;
	int limit;
	int64_t after;
	char like[260], prefix[32];

	if (socle_req_page(req, &limit, &after, &err) != 0)
		return socle_reply_err(req, &err);
	if (status != NULL) {
		bool ok = false;

		for (size_t i = 0; status_choices[i]; i++)
			ok |= strcmp(status_choices[i], status) == 0;
		if (!ok)
			return socle_reply_error(req, 400, "invalid", "Statut inconnu : applied, member, "
			                                              "rejected ou left.");
	}
	if (q != NULL && (strlen(q) == 0 || strlen(q) > 100))
		return socle_reply_error(req, 400, "invalid", "Recherche de 1 à 100 caractères.");
	/* The search matches a SIRET prefix (spaces ignored) or a part of the
	 * name; LIKE wildcards typed by the user are escaped. */
	if (q != NULL) {
		size_t n = 0, k = 0;

		like[n++] = '%';
		for (const char *s = q; *s && n + 3 < sizeof(like); s++) {
			char c = (*s >= 'A' && *s <= 'Z') ? (char)(*s - 'A' + 'a') : *s;

			if (c == '%' || c == '_' || c == '!')
				like[n++] = '!';
			like[n++] = c;
		}
		like[n++] = '%';
		like[n] = '\0';
		for (const char *s = q; *s && k + 2 < sizeof(prefix); s++)
			if (*s >= '0' && *s <= '9')
				prefix[k++] = *s;
			else if (*s != ' ')
				k = sizeof(prefix); /* not a SIRET: no prefix match */
		if (k == 0 || k >= sizeof(prefix))
			snprintf(prefix, sizeof(prefix), "-");
		else {
			prefix[k++] = '%';
			prefix[k] = '\0';
		}
	}
	socle_db *db = socle_req_reader(req, &err);

	if (db == NULL)
		return socle_reply_err(req, &err);
	json_t *p = json_pack("{s:s?, s:s?, s:s?, s:I, s:i}", "status", status, "like",
	                      q ? like : NULL, "prefix", q ? prefix : NULL, "after", (json_int_t)after,
	                      "limit", limit);
	json_t *rows = socle_db_query(db,
		"SELECT id, reference, status, member_number, siret, legal_name, naf_code, headcount,"
		" postcode, city, joined_on, created_at FROM membership_company"
		" WHERE (:after = 0 OR id < :after) AND (:status IS NULL OR status = :status)"
		" AND (:like IS NULL OR LOWER(legal_name) LIKE :like ESCAPE '!' OR siret LIKE :prefix)"
		" ORDER BY id DESC LIMIT :limit", p, &err);

	json_decref(p);
	if (rows == NULL)
		return socle_reply_err(req, &err);
	return socle_reply_json(req, 200, page_reply(rows, limit));
}

/* GET /membership/companies?status=&q= (staff) */
static int route_companies(socle_req *req, void *ud)
{
	(void)ud;
	return list_companies(req, socle_req_query(req, "status"), socle_req_query(req, "q"));
}

/* GET /membership/applications?status=applied (review) */
static int route_applications(socle_req *req, void *ud)
{
	const char *status = socle_req_query(req, "status");
	(void)ud;

	return list_companies(req, status ? status : "applied", socle_req_query(req, "q"));
}

/* GET /membership/my/companies (employer): the companies the caller is bound to. */
static int route_my_companies(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	const socle_principal *who = socle_req_principal(req);
	int limit;
	int64_t after;
	(void)ud;

	if (socle_principal_role(who) != SOCLE_ROLE_EMPLOYER)
		return socle_reply_error(req, 403, "forbidden",
		                         "Réservé aux utilisateurs des entreprises adhérentes.");
	if (socle_req_page(req, &limit, &after, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);

	if (db == NULL)
		return socle_reply_err(req, &err);
	json_t *p = json_pack("{s:I, s:I, s:i}", "user_id", (json_int_t)socle_principal_user_id(who),
	                      "after", (json_int_t)after, "limit", limit);
	json_t *rows = socle_db_query(db,
		"SELECT c.id, c.member_number, c.status, c.siret, c.legal_name, c.joined_on,"
		" u.role_admin, u.role_declaration, u.role_convocation, u.role_billing"
		" FROM membership_company_user u JOIN membership_company c ON c.id = u.company_id"
		" WHERE u.user_id = :user_id AND (:after = 0 OR c.id < :after)"
		" ORDER BY c.id DESC LIMIT :limit", p, &err);

	json_decref(p);
	if (rows == NULL)
		return socle_reply_err(req, &err);
	size_t i;
	json_t *r;

	/* Only the companies the core's scopes also grant (an unbound row is stale). */
	for (i = json_array_size(rows); i-- > 0;) {
		r = json_array_get(rows, i);
		if (!socle_principal_has_scope(who, "company",
		                               json_integer_value(json_object_get(r, "id")))) {
			json_array_remove(rows, i);
			continue;
		}
		json_t *list = json_array();

		for (size_t k = 0; list && k < SOCLE_COUNT(roles); k++) {
			if (json_integer_value(json_object_get(r, roles[k].column)) == 1)
				json_array_append_new(list, json_string(roles[k].role));
			json_object_del(r, roles[k].column);
		}
		json_object_set_new(r, "roles", list ? list : json_array());
	}
	return socle_reply_json(req, 200, page_reply(rows, limit));
}

/* ------------------------------------------------------------------ review */

/* Create (or find) the employer account of @p email, bind it to the company,
 * record its roles, create an invitation and queue its mail. Part of the
 * caller's transaction. Returns the user id or a negative code;
 * SOCLE_E_CONFLICT when the address belongs to a staff account. */
struct invite {
	socle_req *req;
	int64_t company_id;
	const char *legal_name;
	const char *member_number; /* NULL when inviting into a company already known */
	const char *joined_on;
	const char *fiche_due_on;
	const char *email;         /* lower-case */
	const char *name;
	const json_t *roles;       /* array of role slugs; NULL: every role */
	int64_t invited_by;        /* 0 for the approval's administrator */
};

static int64_t invite_user(socle_db *wdb, const struct invite *iv, socle_err *err)
{
	socle_service *svc = socle_db_service(wdb);
	int64_t now = socle_now_ms();
	int role = 0, rc;
	int64_t uid = socle_user_find(wdb, iv->email, &role, err);

	if (uid < 0)
		return uid;
	if (uid > 0 && role != SOCLE_ROLE_EMPLOYER)
		return socle_err_set(err, SOCLE_E_CONFLICT,
		                     "Cette adresse appartient à un compte qui n'est pas un compte "
		                     "employeur : utilisez une autre adresse.");
	/* A new account cannot sign in before it accepts (no password): bound
	 * now. An existing one is bound only when its owner accepts the
	 * invitation: an administrator typing someone's address must not hand
	 * that person's account the company's data, nor the company theirs. */
	bool existing = uid > 0;

	if (!existing) {
		uid = socle_user_create(wdb, iv->email, iv->name, SOCLE_ROLE_EMPLOYER, NULL, err);
		if (uid < 0)
			return uid;
		if ((rc = socle_user_bind(wdb, uid, "company", iv->company_id, err)) < 0)
			return rc;
	}
	int flags[SOCLE_COUNT(roles)];

	for (size_t k = 0; k < SOCLE_COUNT(roles); k++) {
		flags[k] = iv->roles == NULL;
		for (size_t j = 0; iv->roles && j < json_array_size(iv->roles); j++)
			if (strcmp(json_string_value(json_array_get(iv->roles, j)), roles[k].role) == 0)
				flags[k] = 1;
	}
	json_t *p = json_pack("{s:I, s:I, s:s, s:s, s:i, s:i, s:i, s:i, s:I, s:o}", "company_id",
	                      (json_int_t)iv->company_id, "user_id", (json_int_t)uid, "email",
	                      iv->email, "name", iv->name, "a", flags[0], "d", flags[1], "c",
	                      flags[2], "b", flags[3], "now", (json_int_t)now, "by",
	                      iv->invited_by ? json_integer(iv->invited_by) : json_null());

	rc = p ? socle_db_run(wdb,
		"INSERT INTO membership_company_user (company_id, user_id, email, name, role_admin,"
		" role_declaration, role_convocation, role_billing, invited_at, invited_by) VALUES"
		" (:company_id, :user_id, :email, :name, :a, :d, :c, :b, :now, :by)", p, err)
	       : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	json_decref(p);
	if (rc < 0)
		return rc;

	char token[65], hash[65], expires[11];
	int days = invitation_days(svc);
	int64_t exp = now + days * DAY_MS;

	if ((rc = membership_token_new(token, err)) != 0)
		return rc;
	membership_sha256_hex(token, 64, hash);
	p = json_pack("{s:s, s:I, s:I, s:I, s:I}", "hash", hash, "company_id",
	              (json_int_t)iv->company_id, "user_id", (json_int_t)uid, "now", (json_int_t)now,
	              "exp", (json_int_t)exp);
	rc = p ? socle_db_run(wdb,
		"INSERT INTO membership_invitation (token_hash, company_id, user_id, created_at,"
		" expires_at) VALUES (:hash, :company_id, :user_id, :now, :exp)", p, err)
	       : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	json_decref(p);
	if (rc < 0)
		return rc;

	time_t t = (time_t)(exp / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(expires, sizeof(expires), "%d/%m/%Y", &tm);
	const char *base = json_string_value(json_object_get(socle_service_identity(svc), "public_url"));
	char subject[300], *text = NULL, intro[1200], joined[SOCLE_DATE_FR_SIZE],
	     due[SOCLE_DATE_FR_SIZE];

	if (iv->member_number != NULL) {
		socle_date_fr(iv->joined_on, joined);
		socle_date_fr(iv->fiche_due_on, due);
		snprintf(subject, sizeof(subject), "Bienvenue à %s : votre adhésion est acceptée",
		         socle_service_name(svc));
		snprintf(intro, sizeof(intro),
		         "L'adhésion de %s à %s est acceptée.\n"
		         "Numéro d'adhérent : %s\n"
		         "Date d'adhésion : %s\n\n"
		         "Votre espace adhérent présente l'offre du service et ce que comprend votre\n"
		         "cotisation : %s/%s/portal/\n\n"
		         "L'équipe pluridisciplinaire établira la fiche d'entreprise au plus tard le %s\n"
		         "(dans l'année qui suit l'adhésion, article R4624-47 du code du travail).\n",
		         iv->legal_name, socle_service_name(svc), iv->member_number, joined,
		         base ? base : "", socle_service_id(svc), due);
	} else {
		snprintf(subject, sizeof(subject), "Invitation à l'espace adhérent de %s",
		         socle_service_name(svc));
		snprintf(intro, sizeof(intro),
		         "Vous êtes invité(e) à utiliser l'espace adhérent de %s pour l'entreprise %s.\n",
		         socle_service_name(svc), iv->legal_name);
	}
	if (asprintf(&text,
	             "Bonjour %s,\n\n%s\n"
	             "Pour activer votre compte, choisissez votre mot de passe en suivant ce lien,\n"
	             "valable jusqu'au %s (%d jours) :\n"
	             "%s/%s/portal/invitation.html?token=%s\n\n"
	             "Votre identifiant est votre adresse : %s\n\n"
	             "Si vous n'attendiez pas ce message, ignorez-le : rien ne sera activé.\n\n"
	             "%s\n",
	             iv->name, intro, expires, days, base ? base : "", socle_service_id(svc), token,
	             iv->email, socle_service_name(svc)) < 0)
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	struct socle_mail mail = {.to = iv->email, .subject = subject, .text = text,
	                          .category = "invitation"};
	int64_t job = socle_mail_queue(wdb, &mail, 0, err);

	memset(text, 0, strlen(text)); /* the token is a secret until used */
	free(text);
	memset(token, 0, sizeof(token));
	return job < 0 ? job : uid;
}

static const struct socle_field approve_fields[] = {
	{.name = "joined_on", .type = SOCLE_F_DATE},
};

struct decide_tx {
	socle_req *req;
	int64_t id;
	const char *joined_on; /* approve */
	const char *reason;    /* reject */
	const char *left_on;   /* leave */
	char member_number[24];
	char due_on[11];
	json_t *errors;        /* field errors found inside the transaction */
};

/* Load the company inside the transaction and check its status. */
static json_t *decide_load(socle_db *wdb, int64_t id, const char *want, socle_err *err)
{
	json_t *p = json_pack("{s:I}", "id", (json_int_t)id);
	json_t *r = socle_db_query_one(wdb,
		"SELECT id, status, legal_name, contact_name, contact_email, member_number, joined_on,"
		" created_at FROM membership_company WHERE id = :id", p, err);

	json_decref(p);
	if (r == NULL) {
		if (err && err->code == SOCLE_E_NOTFOUND)
			socle_err_set(err, SOCLE_E_NOTFOUND, "Entreprise introuvable.");
		return NULL;
	}
	if (strcmp(str(r, "status"), want) != 0) {
		static const struct {
			const char *status, *text;
		} said[] = {{"applied", "une demande en attente"},
		            {"member", "adhérente"},
		            {"rejected", "une demande refusée"},
		            {"left", "une ancienne adhérente"}};
		const char *now_text = str(r, "status");

		for (size_t i = 0; i < SOCLE_COUNT(said); i++)
			if (strcmp(said[i].status, str(r, "status")) == 0)
				now_text = said[i].text;
		socle_err_set(err, SOCLE_E_CONFLICT, "Impossible : cette entreprise est %s.", now_text);
		json_decref(r);
		return NULL;
	}
	return r;
}

static int approve_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct decide_tx *t = ud;
	json_t *c = decide_load(wdb, t->id, "applied", err);
	int rc;

	if (c == NULL)
		return fail(err);
	/* Member number: "A", the year of joining, a 5-digit sequence in that year
	 * (A202600001). Writes are serialized, so the maximum read here is current. */
	char like[8];
	json_t *p;

	snprintf(like, sizeof(like), "A%.4s%%", t->joined_on);
	p = json_pack("{s:s}", "like", like);
	json_t *rows = socle_db_query(wdb,
		"SELECT member_number FROM membership_company WHERE member_number LIKE :like"
		" ORDER BY member_number DESC LIMIT 1", p, err);
	json_decref(p);
	if (rows == NULL) {
		json_decref(c);
		return fail(err);
	}
	const char *last = str(json_array_get(rows, 0), "member_number");
	long seq = last ? strtol(last + 5, NULL, 10) + 1 : 1;

	json_decref(rows);
	if (seq > 99999) {
		json_decref(c);
		return socle_err_set(err, SOCLE_E_CONFLICT,
		                     "Plus de numéro d'adhérent disponible pour l'année %.4s.",
		                     t->joined_on);
	}
	snprintf(t->member_number, sizeof(t->member_number), "A%.4s%05u", t->joined_on,
	         (unsigned)seq % 100000u);
	add_years(t->joined_on, 1, t->due_on);
	p = json_pack("{s:I, s:s, s:s, s:I, s:I}", "id", (json_int_t)t->id, "number",
	              t->member_number, "joined_on", t->joined_on, "by",
	              (json_int_t)principal_id(t->req), "now", (json_int_t)socle_now_ms());
	rc = p ? socle_db_run(wdb,
		"UPDATE membership_company SET status = 'member', member_number = :number,"
		" joined_on = :joined_on, decided_by = :by, decided_at = :now, updated_at = :now"
		" WHERE id = :id AND status = 'applied'", p, err)
	       : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	json_decref(p);
	if (rc < 0) {
		json_decref(c);
		return rc;
	}
	struct invite iv = {.req = t->req, .company_id = t->id, .legal_name = str(c, "legal_name"),
	                    .member_number = t->member_number, .joined_on = t->joined_on,
	                    .fiche_due_on = t->due_on, .email = str(c, "contact_email"),
	                    .name = str(c, "contact_name"), .roles = NULL, .invited_by = 0};
	int64_t uid = invite_user(wdb, &iv, err);

	json_decref(c);
	if (uid < 0)
		return (int)uid;
	if ((rc = audit(wdb, t->req, "membership.company.approve", t->id,
	                json_pack("{s:s, s:s, s:I}", "member_number", t->member_number, "joined_on",
	                          t->joined_on, "administrator_user_id", (json_int_t)uid),
	                err)) != 0 ||
	    (rc = emit(wdb, "company.joined",
	               json_pack("{s:I, s:s, s:s}", "company_id", (json_int_t)t->id, "member_number",
	                         t->member_number, "joined_on", t->joined_on), err)) != 0)
		return rc;
	/* For the risk-evaluation plugin: the fiche d'entreprise is due within one
	 * year of membership (R4624-47; worked case TC34). */
	return emit(wdb, "company.fiche_entreprise_due",
	            json_pack("{s:I, s:s, s:s, s:s}", "company_id", (json_int_t)t->id, "joined_on",
	                      t->joined_on, "due_on", t->due_on, "basis", "R4624-47"), err);
}

static const json_t *body_or_empty(socle_req *req, json_t **tmp)
{
	const json_t *b = socle_req_body(req);

	*tmp = NULL;
	if (b == NULL)
		b = *tmp = json_object();
	return b;
}

/* The three decisions on a company (approve, reject, leave) share their
 * shape: the company id of the path, the body checked against @p fields, one
 * write transaction, then the company as it now is. */
static int decide(socle_req *req, const struct socle_field *fields, size_t n_fields,
                  socle_write_fn write)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL, *tmp;
	struct decide_tx t = {.req = req};
	char today[SOCLE_DATE_SIZE];

	if (socle_req_param_id(req, "id", &t.id) != 0)
		return socle_reply_error(req, 404, "not_found", "Entreprise introuvable.");
	const json_t *b = body_or_empty(req, &tmp);

	if (socle_fields_check(b, fields, n_fields, NULL, &errors) > 0) {
		json_decref(tmp);
		return socle_reply_invalid(req, errors);
	}
	socle_date_today(today);
	t.joined_on = str(b, "joined_on") ? str(b, "joined_on") : today;
	t.reason = str(b, "reason");
	t.left_on = str(b, "left_on");
	int rc = socle_service_write(socle_req_service(req), write, &t, &err);

	json_decref(tmp);
	if (rc == SOCLE_E_INVAL && t.errors != NULL)
		return socle_reply_invalid(req, t.errors);
	json_decref(t.errors);
	if (rc != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *c = db ? company_view(db, t.id, &err) : NULL;

	return c ? socle_reply_json(req, 200, c) : socle_reply_err(req, &err);
}

/* POST /membership/companies/{id}/approve {joined_on?} (review) */
static int route_approve(socle_req *req, void *ud)
{
	(void)ud;
	return decide(req, approve_fields, SOCLE_COUNT(approve_fields), approve_write);
}

static int reject_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct decide_tx *t = ud;
	json_t *c = decide_load(wdb, t->id, "applied", err);
	int rc;

	if (c == NULL)
		return fail(err);
	/* The applicant is told the decision and its reason, with the transaction. */
	socle_service *svc = socle_db_service(wdb);
	char subject[300], *text = NULL;

	snprintf(subject, sizeof(subject), "%s : votre demande d'adhésion", socle_service_name(svc));
	if (asprintf(&text,
	             "Bonjour %s,\n\n"
	             "Nous avons examiné la demande d'adhésion de %s à %s. Nous ne pouvons pas "
	             "l'accepter, pour la raison suivante :\n\n%s\n\n"
	             "Pour en parler, ou si votre situation change, répondez à ce message ou "
	             "appelez le service : une nouvelle demande reste possible.\n",
	             str(c, "contact_name"), str(c, "legal_name"), socle_service_name(svc),
	             t->reason) < 0) {
		json_decref(c);
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	}
	struct socle_mail mail = {.to = str(c, "contact_email"), .subject = subject, .text = text,
	                          .category = "adhesion"};
	int64_t job = socle_mail_queue(wdb, &mail, 0, err);

	free(text);
	json_decref(c);
	if (job < 0)
		return (int)job;
	json_t *p = json_pack("{s:I, s:s, s:I, s:I}", "id", (json_int_t)t->id, "reason", t->reason,
	                      "by", (json_int_t)principal_id(t->req), "now",
	                      (json_int_t)socle_now_ms());
	rc = p ? socle_db_run(wdb,
		"UPDATE membership_company SET status = 'rejected', rejection_reason = :reason,"
		" decided_by = :by, decided_at = :now, updated_at = :now WHERE id = :id", p, err)
	       : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	json_decref(p);
	if (rc < 0)
		return rc;
	/* A rejected application frees its SIRET; its mandate is void. */
	p = json_pack("{s:I, s:I}", "id", (json_int_t)t->id, "now", (json_int_t)socle_now_ms());
	rc = p ? socle_db_run(wdb, "UPDATE membership_sepa_mandate SET revoked_at = :now"
	                           " WHERE company_id = :id AND revoked_at IS NULL", p, err)
	       : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	json_decref(p);
	if (rc < 0)
		return rc;
	if ((rc = audit(wdb, t->req, "membership.company.reject", t->id,
	                json_pack("{s:s}", "reason", t->reason), err)) != 0)
		return rc;
	return emit(wdb, "company.rejected", json_pack("{s:I}", "company_id", (json_int_t)t->id),
	            err);
}

static const struct socle_field reject_fields[] = {
	{.name = "reason", .type = SOCLE_F_STRING, .required = true, .min = 3, .max = 2000},
};

/* POST /membership/companies/{id}/reject {reason} (review) */
static int route_reject(socle_req *req, void *ud)
{
	(void)ud;
	return decide(req, reject_fields, SOCLE_COUNT(reject_fields), reject_write);
}

static int leave_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct decide_tx *t = ud;
	json_t *c = decide_load(wdb, t->id, "member", err);
	int rc;

	if (c == NULL)
		return fail(err);
	bool before = strcmp(t->left_on, str(c, "joined_on")) < 0;
	char number[16];

	snprintf(number, sizeof(number), "%s", str(c, "member_number"));
	json_decref(c);
	if (before) {
		socle_field_error(&t->errors, "left_on",
		                  "La date de départ ne peut précéder la date d'adhésion.");
		return SOCLE_E_INVAL;
	}
	json_t *p = json_pack("{s:I, s:s, s:I}", "id", (json_int_t)t->id, "left_on", t->left_on,
	                      "now", (json_int_t)socle_now_ms());
	rc = p ? socle_db_run(wdb,
		"UPDATE membership_company SET status = 'left', left_on = :left_on, updated_at = :now"
		" WHERE id = :id", p, err)
	       : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	json_decref(p);
	if (rc < 0)
		return rc;
	if ((rc = audit(wdb, t->req, "membership.company.leave", t->id,
	                json_pack("{s:s}", "left_on", t->left_on), err)) != 0)
		return rc;
	return emit(wdb, "company.left",
	            json_pack("{s:I, s:s, s:s}", "company_id", (json_int_t)t->id, "member_number",
	                      number, "left_on", t->left_on), err);
}

static const struct socle_field leave_fields[] = {
	{.name = "left_on", .type = SOCLE_F_DATE, .required = true},
};

/* POST /membership/companies/{id}/leave {left_on} (review) */
static int route_leave(socle_req *req, void *ud)
{
	(void)ud;
	return decide(req, leave_fields, SOCLE_COUNT(leave_fields), leave_write);
}

/* ------------------------------------------------------------- invitations */

struct accept_tx {
	socle_req *req;
	const char *hash;
	const char *password;
	int64_t user_id, company_id;
	int gone;          /* 1 used, 2 expired, 3 revoked: answered 410 */
	json_t *errors;
};

static int accept_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct accept_tx *t = ud;
	int64_t now = socle_now_ms();
	json_t *p = json_pack("{s:s}", "hash", t->hash);
	json_t *r = socle_db_query_one(wdb,
		"SELECT id, company_id, user_id, expires_at, used_at, revoked_at FROM"
		" membership_invitation WHERE token_hash = :hash", p, err);
	int rc;

	json_decref(p);
	if (r == NULL) {
		if (err && err->code == SOCLE_E_NOTFOUND) {
			socle_field_error(&t->errors, "token", "Ce lien d'invitation n'est pas valide : "
			                                       "vérifiez qu'il est complet.");
			return SOCLE_E_INVAL;
		}
		return fail(err);
	}
	t->user_id = json_integer_value(json_object_get(r, "user_id"));
	t->company_id = json_integer_value(json_object_get(r, "company_id"));
	t->gone = !json_is_null(json_object_get(r, "used_at"))      ? 1
	          : !json_is_null(json_object_get(r, "revoked_at")) ? 3
	          : json_integer_value(json_object_get(r, "expires_at")) <= now ? 2 : 0;
	int64_t inv = json_integer_value(json_object_get(r, "id"));

	json_decref(r);
	if (t->gone)
		return SOCLE_E_CONFLICT;
	rc = socle_user_set_password(wdb, t->user_id, t->password, err);
	if (rc == SOCLE_E_INVAL) {
		socle_field_error(&t->errors, "password", "%s", err->msg);
		return rc;
	}
	if (rc < 0)
		return rc;
	/* The company's data opens to the account now that its owner accepted. */
	if ((rc = socle_user_bind(wdb, t->user_id, "company", t->company_id, err)) < 0)
		return rc;
	p = json_pack("{s:I, s:I}", "id", (json_int_t)inv, "now", (json_int_t)now);
	rc = p ? socle_db_run(wdb, "UPDATE membership_invitation SET used_at = :now WHERE id = :id"
	                           " AND used_at IS NULL", p, err)
	       : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	json_decref(p);
	if (rc < 0)
		return rc;
	return audit(wdb, t->req, "membership.invitation.accept", t->company_id,
	             json_pack("{s:I}", "user_id", (json_int_t)t->user_id), err);
}

static int check_token(const json_t *v, char *msg, size_t size)
{
	const char *s = json_string_value(v);

	if (strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64)
		return 0;
	snprintf(msg, size, "Ce lien d'invitation n'est pas valide : vérifiez qu'il est complet.");
	return -1;
}

static const struct socle_field accept_fields[] = {
	{.name = "token", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 128,
	 .check = check_token},
	{.name = "password", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 1024},
};

/* POST /membership/invitations/accept {token, password} (public, throttled) */
static int route_accept(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL, *tmp;
	char hash[65];
	(void)ud;

	if (socle_req_throttle(req, "membership.invitation", &err) != 0)
		return socle_reply_err(req, &err);
	const json_t *b = body_or_empty(req, &tmp);

	if (socle_fields_check(b, accept_fields, SOCLE_COUNT(accept_fields), NULL, &errors) > 0) {
		json_decref(tmp);
		return socle_reply_invalid(req, errors);
	}
	membership_sha256_hex(str(b, "token"), 64, hash);
	struct accept_tx t = {.req = req, .hash = hash, .password = str(b, "password")};
	int rc = socle_service_write(socle_req_service(req), accept_write, &t, &err);

	json_decref(tmp);
	if (rc == SOCLE_E_INVAL && t.errors != NULL)
		return socle_reply_invalid(req, t.errors);
	json_decref(t.errors);
	if (t.gone == 1)
		return socle_reply_error(req, 410, "invitation_used",
		                         "Cette invitation a déjà servi : connectez-vous avec votre "
		                         "adresse et votre mot de passe.");
	if (t.gone == 2)
		return socle_reply_error(req, 410, "invitation_expired",
		                         "Cette invitation a expiré : demandez-en une nouvelle à "
		                         "l'administrateur de votre entreprise ou au service.");
	if (t.gone == 3)
		return socle_reply_error(req, 410, "invitation_revoked",
		                         "Cette invitation a été annulée.");
	if (rc != 0)
		return socle_reply_err(req, &err);
	return socle_reply_json(req, 200, json_pack("{s:I, s:I, s:s}", "user_id",
	                                            (json_int_t)t.user_id, "company_id",
	                                            (json_int_t)t.company_id, "status", "active"));
}

/* ------------------------------------------------------------ company users */

static int roles_check(const json_t *v, char *msg, size_t size)
{
	size_t i;
	const json_t *r;

	json_array_foreach(v, i, r) {
		bool ok = false;

		for (size_t k = 0; k < SOCLE_COUNT(roles) && json_is_string(r); k++)
			ok |= strcmp(roles[k].role, json_string_value(r)) == 0;
		if (!ok) {
			snprintf(msg, size, "Rôles possibles : administrateur, declaration, convocation, "
			                    "facturation.");
			return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (json_equal(json_array_get(v, j), r)) {
				snprintf(msg, size, "Rôle « %s » indiqué deux fois.", json_string_value(r));
				return -1;
			}
	}
	return 0;
}

static const struct socle_field user_fields[] = {
	{.name = "email", .type = SOCLE_F_EMAIL, .required = true, .min = 3, .max = 254},
	{.name = "name", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 200,
	 .check = check_text},
	{.name = "roles", .type = SOCLE_F_ARRAY, .required = true, .min = 1, .max = 4,
	 .check = roles_check},
};

static const struct socle_field user_patch_fields[] = {
	{.name = "roles", .type = SOCLE_F_ARRAY, .required = true, .min = 1, .max = 4,
	 .check = roles_check},
};

/* Managing a company's users: its administrateur, or staff holding
 * membership.review (the service's membership desk helps companies). */
static int users_manage_access(socle_req *req, int64_t company_id, socle_err *err)
{
	if (is_staff(req) && !socle_principal_can(socle_req_principal(req), "membership.review")) {
		int rc = membership_company_access(req, company_id, NULL, err);

		if (rc != 0)
			return rc;
		audit_denied(req, company_id, "missing_capability", "membership.review");
		return socle_err_set(err, SOCLE_E_FORBIDDEN, "Réservé à l'administrateur de "
		                     "l'entreprise et au service des adhésions.");
	}
	return membership_company_access(req, company_id, MEMBERSHIP_ROLE_ADMIN, err);
}

json_t *membership_company_users(socle_db *db, int64_t company_id, socle_err *err)
{
	int64_t now = socle_now_ms();
	json_t *p = json_pack("{s:I, s:I}", "company_id", (json_int_t)company_id, "now",
	                      (json_int_t)now);
	json_t *rows = socle_db_query(db,
		"SELECT u.user_id, u.email, u.name, u.role_admin, u.role_declaration,"
		" u.role_convocation, u.role_billing, u.invited_at,"
		" (SELECT COUNT(*) FROM membership_invitation i WHERE i.company_id = u.company_id"
		"  AND i.user_id = u.user_id AND i.used_at IS NULL AND i.revoked_at IS NULL"
		"  AND i.expires_at > :now) AS pending"
		" FROM membership_company_user u WHERE u.company_id = :company_id"
		" ORDER BY u.user_id LIMIT 500", p, err);
	size_t i;
	json_t *r;

	json_decref(p);
	json_array_foreach(rows, i, r) {
		json_t *list = json_array();

		for (size_t k = 0; list && k < SOCLE_COUNT(roles); k++) {
			if (json_integer_value(json_object_get(r, roles[k].column)) == 1)
				json_array_append_new(list, json_string(roles[k].role));
			json_object_del(r, roles[k].column);
		}
		json_object_set_new(r, "roles", list ? list : json_array());
		json_object_set_new(r, "invitation_pending",
		                    json_boolean(json_integer_value(json_object_get(r, "pending")) > 0));
		json_object_del(r, "pending");
	}
	return rows;
}

/* GET /membership/companies/{id}/users */
static int route_users(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t id;
	(void)ud;

	if (socle_req_param_id(req, "id", &id) != 0)
		return socle_reply_error(req, 404, "not_found", "Entreprise introuvable.");
	if (membership_company_access(req, id, MEMBERSHIP_ROLE_ADMIN, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *rows = db ? membership_company_users(db, id, &err) : NULL;

	return rows ? socle_reply_json(req, 200, json_pack("{s:o}", "items", rows))
	            : socle_reply_err(req, &err);
}

struct user_tx {
	socle_req *req;
	int64_t company_id, user_id;
	const json_t *body;
	json_t *errors;
};

static int user_add_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct user_tx *t = ud;
	char email[255];
	json_t *p = json_pack("{s:I}", "id", (json_int_t)t->company_id);
	json_t *c = socle_db_query_one(wdb, "SELECT legal_name, status FROM membership_company"
	                                    " WHERE id = :id", p, err);

	json_decref(p);
	if (c == NULL)
		return fail(err);
	if (strcmp(str(c, "status"), "member") != 0) {
		json_decref(c);
		return socle_err_set(err, SOCLE_E_CONFLICT,
		                     "Seule une entreprise adhérente peut inviter des utilisateurs.");
	}
	lower_ascii(str(t->body, "email"), email, sizeof(email));
	int role = 0;
	int64_t uid = socle_user_find(wdb, email, &role, err);

	if (uid > 0) {
		p = json_pack("{s:I, s:I}", "company_id", (json_int_t)t->company_id, "user_id",
		              (json_int_t)uid);
		json_t *rows = socle_db_query(wdb, "SELECT user_id FROM membership_company_user WHERE"
		                                   " company_id = :company_id AND user_id = :user_id",
		                              p, err);
		json_decref(p);
		size_t n = json_array_size(rows);

		json_decref(rows);
		if (n > 0) {
			json_decref(c);
			return socle_err_set(err, SOCLE_E_EXISTS,
			                     "Cette personne est déjà utilisatrice de l'entreprise.");
		}
	}
	struct invite iv = {.req = t->req, .company_id = t->company_id,
	                    .legal_name = str(c, "legal_name"), .email = email,
	                    .name = str(t->body, "name"), .roles = json_object_get(t->body, "roles"),
	                    .invited_by = principal_id(t->req)};

	uid = uid < 0 ? uid : invite_user(wdb, &iv, err);
	json_decref(c);
	if (uid == SOCLE_E_CONFLICT) {
		socle_field_error(&t->errors, "email", "%s", err->msg);
		return SOCLE_E_INVAL;
	}
	if (uid < 0)
		return (int)uid;
	t->user_id = uid;
	return audit(wdb, t->req, "membership.company.user_add", t->company_id,
	             json_pack("{s:I, s:O}", "user_id", (json_int_t)uid, "roles",
	                       json_object_get(t->body, "roles")), err);
}

/* POST /membership/companies/{id}/users {email, name, roles[]} */
static int route_user_add(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL, *tmp;
	struct user_tx t = {.req = req};
	(void)ud;

	if (socle_req_param_id(req, "id", &t.company_id) != 0)
		return socle_reply_error(req, 404, "not_found", "Entreprise introuvable.");
	if (users_manage_access(req, t.company_id, &err) != 0)
		return socle_reply_err(req, &err);
	t.body = body_or_empty(req, &tmp);
	if (socle_fields_check(t.body, user_fields, SOCLE_COUNT(user_fields), NULL, &errors) > 0) {
		json_decref(tmp);
		return socle_reply_invalid(req, errors);
	}
	int rc = socle_service_write(socle_req_service(req), user_add_write, &t, &err);

	json_decref(tmp);
	if (rc == SOCLE_E_INVAL && t.errors != NULL)
		return socle_reply_invalid(req, t.errors);
	json_decref(t.errors);
	if (rc != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *rows = db ? membership_company_users(db, t.company_id, &err) : NULL;

	if (rows == NULL)
		return socle_reply_err(req, &err);
	json_t *mine = NULL;
	size_t i;
	json_t *r;

	json_array_foreach(rows, i, r)
		if (json_integer_value(json_object_get(r, "user_id")) == t.user_id)
			mine = json_incref(r);
	json_decref(rows);
	return socle_reply_json(req, 201, mine ? mine : json_object());
}

/* Would the company be left without an administrateur if @p user_id lost the role? */
static int last_admin(socle_db *wdb, int64_t company_id, int64_t user_id, socle_err *err)
{
	json_t *p = json_pack("{s:I, s:I}", "company_id", (json_int_t)company_id, "user_id",
	                      (json_int_t)user_id);
	json_t *rows = socle_db_query(wdb,
		"SELECT COUNT(*) AS n FROM membership_company_user WHERE company_id = :company_id"
		" AND role_admin = 1 AND user_id <> :user_id", p, err);

	json_decref(p);
	if (rows == NULL)
		return fail(err);
	int none = json_integer_value(json_object_get(json_array_get(rows, 0), "n")) == 0;

	json_decref(rows);
	return none;
}

static int user_row_exists(socle_db *wdb, int64_t company_id, int64_t user_id, bool *admin,
                           socle_err *err)
{
	json_t *p = json_pack("{s:I, s:I}", "company_id", (json_int_t)company_id, "user_id",
	                      (json_int_t)user_id);
	json_t *r = socle_db_query_one(wdb, "SELECT role_admin FROM membership_company_user"
	                                    " WHERE company_id = :company_id AND user_id = :user_id",
	                               p, err);

	json_decref(p);
	if (r == NULL) {
		if (err && err->code == SOCLE_E_NOTFOUND)
			return socle_err_set(err, SOCLE_E_NOTFOUND,
			                     "Cette personne n'est pas utilisatrice de l'entreprise.");
		return fail(err);
	}
	*admin = json_integer_value(json_object_get(r, "role_admin")) == 1;
	json_decref(r);
	return 0;
}

static int user_patch_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct user_tx *t = ud;
	const json_t *list = json_object_get(t->body, "roles");
	int flags[SOCLE_COUNT(roles)];
	bool was_admin;
	int rc;

	if ((rc = user_row_exists(wdb, t->company_id, t->user_id, &was_admin, err)) != 0)
		return rc;
	for (size_t k = 0; k < SOCLE_COUNT(roles); k++) {
		flags[k] = 0;
		for (size_t j = 0; j < json_array_size(list); j++)
			if (strcmp(json_string_value(json_array_get(list, j)), roles[k].role) == 0)
				flags[k] = 1;
	}
	if (was_admin && !flags[0]) {
		if ((rc = last_admin(wdb, t->company_id, t->user_id, err)) < 0)
			return rc;
		if (rc == 1)
			return socle_err_set(err, SOCLE_E_CONFLICT,
			                     "Impossible de retirer le rôle du dernier administrateur de "
			                     "l'entreprise.");
	}
	json_t *p = json_pack("{s:I, s:I, s:i, s:i, s:i, s:i}", "company_id",
	                      (json_int_t)t->company_id, "user_id", (json_int_t)t->user_id, "a",
	                      flags[0], "d", flags[1], "c", flags[2], "b", flags[3]);
	rc = p ? socle_db_run(wdb,
		"UPDATE membership_company_user SET role_admin = :a, role_declaration = :d,"
		" role_convocation = :c, role_billing = :b WHERE company_id = :company_id"
		" AND user_id = :user_id", p, err)
	       : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	json_decref(p);
	if (rc < 0)
		return rc;
	return audit(wdb, t->req, "membership.company.user_roles", t->company_id,
	             json_pack("{s:I, s:O}", "user_id", (json_int_t)t->user_id, "roles", list), err);
}

static int user_delete_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct user_tx *t = ud;
	bool was_admin;
	int rc;

	if ((rc = user_row_exists(wdb, t->company_id, t->user_id, &was_admin, err)) != 0)
		return rc;
	if (was_admin) {
		if ((rc = last_admin(wdb, t->company_id, t->user_id, err)) < 0)
			return rc;
		if (rc == 1)
			return socle_err_set(err, SOCLE_E_CONFLICT,
			                     "Impossible de retirer le dernier administrateur de "
			                     "l'entreprise.");
	}
	json_t *p = json_pack("{s:I, s:I, s:I}", "company_id", (json_int_t)t->company_id, "user_id",
	                      (json_int_t)t->user_id, "now", (json_int_t)socle_now_ms());

	if (p == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	rc = socle_db_run(wdb, "DELETE FROM membership_company_user WHERE company_id = :company_id"
	                       " AND user_id = :user_id", p, err);
	if (rc >= 0)
		rc = socle_db_run(wdb, "UPDATE membership_invitation SET revoked_at = :now"
		                       " WHERE company_id = :company_id AND user_id = :user_id"
		                       " AND used_at IS NULL AND revoked_at IS NULL", p, err);
	json_decref(p);
	if (rc < 0)
		return rc;
	if ((rc = socle_user_unbind(wdb, t->user_id, "company", t->company_id, err)) < 0)
		return rc;
	return audit(wdb, t->req, "membership.company.user_remove", t->company_id,
	             json_pack("{s:I}", "user_id", (json_int_t)t->user_id), err);
}

static int user_change(socle_req *req, socle_write_fn fn)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL, *tmp = NULL;
	struct user_tx t = {.req = req};

	if (socle_req_param_id(req, "id", &t.company_id) != 0)
		return socle_reply_error(req, 404, "not_found", "Entreprise introuvable.");
	if (socle_req_param_id(req, "user_id", &t.user_id) != 0)
		return socle_reply_error(req, 404, "not_found", "Utilisateur introuvable.");
	if (users_manage_access(req, t.company_id, &err) != 0)
		return socle_reply_err(req, &err);
	if (fn == user_patch_write) {
		t.body = body_or_empty(req, &tmp);
		if (socle_fields_check(t.body, user_patch_fields, SOCLE_COUNT(user_patch_fields), NULL,
		                       &errors) > 0) {
			json_decref(tmp);
			return socle_reply_invalid(req, errors);
		}
	}
	int rc = socle_service_write(socle_req_service(req), fn, &t, &err);

	json_decref(tmp);
	if (rc != 0)
		return socle_reply_err(req, &err);
	if (fn == user_delete_write)
		return socle_reply_json(req, 200, json_pack("{s:I, s:b}", "user_id",
		                                            (json_int_t)t.user_id, "removed", 1));
	socle_db *db = socle_req_reader(req, &err);
	json_t *rows = db ? membership_company_users(db, t.company_id, &err) : NULL;

	if (rows == NULL)
		return socle_reply_err(req, &err);
	json_t *mine = NULL;
	size_t i;
	json_t *r;

	json_array_foreach(rows, i, r)
		if (json_integer_value(json_object_get(r, "user_id")) == t.user_id)
			mine = json_incref(r);
	json_decref(rows);
	return socle_reply_json(req, 200, mine ? mine : json_object());
}

/* PATCH /membership/companies/{id}/users/{user_id} {roles} */
static int route_user_patch(socle_req *req, void *ud)
{
	(void)ud;
	return user_change(req, user_patch_write);
}

/* DELETE /membership/companies/{id}/users/{user_id} */
static int route_user_delete(socle_req *req, void *ud)
{
	(void)ud;
	return user_change(req, user_delete_write);
}

/* ------------------------------------------------------------ satisfaction */

static const struct socle_field satisfaction_fields[] = {
	{.name = "interface", .type = SOCLE_F_INT, .required = true, .min = 1, .max = 5},
	{.name = "information", .type = SOCLE_F_INT, .required = true, .min = 1, .max = 5},
	{.name = "comment", .type = SOCLE_F_STRING, .min = 0, .max = 2000},
};

struct satisfaction_tx {
	socle_req *req;
	int64_t company_id;
	const json_t *body;
};

static int satisfaction_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct satisfaction_tx *t = ud;
	char d[11];
	int64_t now = socle_now_ms();
	json_t *p = json_pack("{s:I}", "company_id", (json_int_t)t->company_id);
	json_t *rows = socle_db_query(wdb, "SELECT company_id FROM membership_satisfaction WHERE"
	                                   " company_id = :company_id", p, err);
	json_decref(p);
	if (rows == NULL)
		return fail(err);
	size_t n = json_array_size(rows);

	json_decref(rows);
	if (n > 0)
		return socle_err_set(err, SOCLE_E_CONFLICT,
		                     "Votre entreprise a déjà répondu à ce questionnaire : merci !");
	socle_date_today(d);
	p = json_pack("{s:I, s:I, s:O, s:O, s:s?, s:s, s:I}", "company_id",
	              (json_int_t)t->company_id, "user_id", (json_int_t)principal_id(t->req),
	              "interface", json_object_get(t->body, "interface"), "information",
	              json_object_get(t->body, "information"), "comment", str(t->body, "comment"),
	              "on", d, "now", (json_int_t)now);
	int rc = p ? socle_db_run(wdb,
		"INSERT INTO membership_satisfaction (company_id, user_id, interface, information,"
		" comment, answered_on, answered_at) VALUES (:company_id, :user_id, :interface,"
		" :information, :comment, :on, :now)", p, err)
	           : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	json_decref(p);
	if (rc < 0)
		return rc;
	return audit(wdb, t->req, "membership.company.satisfaction", t->company_id,
	             json_pack("{s:O, s:O}", "interface", json_object_get(t->body, "interface"),
	                       "information", json_object_get(t->body, "information")), err);
}

/* POST /membership/companies/{id}/satisfaction {interface, information, comment?}:
 * the company's own users answer, once per company, after approval. */
static int route_satisfaction(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL, *tmp;
	struct satisfaction_tx t = {.req = req};
	char status[16];
	(void)ud;

	if (socle_req_param_id(req, "id", &t.company_id) != 0)
		return socle_reply_error(req, 404, "not_found", "Entreprise introuvable.");
	if (socle_principal_role(socle_req_principal(req)) != SOCLE_ROLE_EMPLOYER)
		return socle_reply_error(req, 403, "forbidden",
		                         "Seuls les utilisateurs de l'entreprise répondent à ce "
		                         "questionnaire.");
	if (membership_company_access(req, t.company_id, NULL, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);

	if (db == NULL ||
	    membership_company_status(db, t.company_id, status, sizeof(status), &err) != 0)
		return socle_reply_err(req, &err);
	if (strcmp(status, "member") != 0)
		return socle_reply_error(req, 409, "conflict",
		                         "Le questionnaire est ouvert aux entreprises adhérentes.");
	t.body = body_or_empty(req, &tmp);
	if (socle_fields_check(t.body, satisfaction_fields, SOCLE_COUNT(satisfaction_fields), NULL,
	                       &errors) > 0) {
		json_decref(tmp);
		return socle_reply_invalid(req, errors);
	}
	int rc = socle_service_write(socle_req_service(req), satisfaction_write, &t, &err);

	json_decref(tmp);
	if (rc != 0)
		return socle_reply_err(req, &err);
	return socle_reply_json(req, 201, json_pack("{s:I, s:s}", "company_id",
	                                            (json_int_t)t.company_id, "status", "recorded"));
}

static json_t *indicator(json_int_t count, json_int_t sum, json_int_t satisfied)
{
	/* Rounded to 2 decimals (average) and 1 decimal (rate, in %), for people. */
	double avg = count ? (double)sum / (double)count : 0.0;
	double rate = count ? 100.0 * (double)satisfied / (double)count : 0.0;

	return json_pack("{s:I, s:o, s:I, s:o}", "count", count, "average",
	                 count ? json_real((double)(long long)(avg * 100.0 + 0.5) / 100.0)
	                       : json_null(),
	                 "satisfied", satisfied, "satisfaction_rate",
	                 count ? json_real((double)(long long)(rate * 10.0 + 0.5) / 10.0)
	                       : json_null());
}

/* GET /membership/indicators/satisfaction?from=&to= (staff): the two key
 * indicators of 3.1; "satisfied" means an answer of 4 or 5. */
static int route_indicators(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	const char *from = socle_req_query(req, "from"), *to = socle_req_query(req, "to");
	json_t *chk = json_pack("{s:s?, s:s?}", "from", from, "to", to), *errors = NULL;
	static const struct socle_field period[] = {
		{.name = "from", .type = SOCLE_F_DATE},
		{.name = "to", .type = SOCLE_F_DATE},
	};
	(void)ud;

	if (socle_fields_check(chk, period, SOCLE_COUNT(period), NULL, &errors) > 0) {
		json_decref(chk);
		return socle_reply_invalid(req, errors);
	}
	json_decref(chk);
	socle_db *db = socle_req_reader(req, &err);

	if (db == NULL)
		return socle_reply_err(req, &err);
	json_t *p = json_pack("{s:s?, s:s?}", "from", from, "to", to);
	json_t *r = socle_db_query_one(db,
		"SELECT COUNT(*) AS n, COALESCE(SUM(interface), 0) AS si,"
		" COALESCE(SUM(CASE WHEN interface >= 4 THEN 1 ELSE 0 END), 0) AS oki,"
		" COALESCE(SUM(information), 0) AS sn,"
		" COALESCE(SUM(CASE WHEN information >= 4 THEN 1 ELSE 0 END), 0) AS okn"
		" FROM membership_satisfaction WHERE (:from IS NULL OR answered_on >= :from)"
		" AND (:to IS NULL OR answered_on <= :to)", p, &err);

	json_decref(p);
	if (r == NULL)
		return socle_reply_err(req, &err);
	json_int_t n = json_integer_value(json_object_get(r, "n"));
	json_t *body = json_pack(
		"{s:s?, s:s?, s:I, s:{s:s, s:o}, s:{s:s, s:o}}", "from", from, "to", to, "answers", n,
		"interface", "label", "Satisfaction vis-à-vis de l'interface permettant l'adhésion",
		"result", indicator(n, json_integer_value(json_object_get(r, "si")),
		                    json_integer_value(json_object_get(r, "oki"))),
		"information", "label", "Satisfaction vis-à-vis des informations reçues à l'adhésion",
		"result", indicator(n, json_integer_value(json_object_get(r, "sn")),
		                    json_integer_value(json_object_get(r, "okn"))));

	json_decref(r);
	return socle_reply_json(req, 200, body);
}

/* ------------------------------------------------------------------- init */

#define REVIEW "membership.review"

static const struct socle_route company_routes[] = {
	{SOCLE_GET, "/membership/risks", SOCLE_CAP_PUBLIC, 0, route_risks, NULL},
	{SOCLE_GET, "/membership/application-form", SOCLE_CAP_PUBLIC, 0, route_form, NULL},
	{SOCLE_POST, "/membership/applications", SOCLE_CAP_PUBLIC, 256 * 1024, route_apply, NULL},
	{SOCLE_GET, "/membership/applications", REVIEW, 0, route_applications, NULL},
	{SOCLE_GET, "/membership/companies", SOCLE_CAP_STAFF, 0, route_companies, NULL},
	{SOCLE_GET, "/membership/companies/{id}", SOCLE_CAP_AUTHENTICATED, 0, route_company_get,
	 NULL},
	{SOCLE_POST, "/membership/companies/{id}/approve", REVIEW, 1024, route_approve, NULL},
	{SOCLE_POST, "/membership/companies/{id}/reject", REVIEW, 8192, route_reject, NULL},
	{SOCLE_POST, "/membership/companies/{id}/leave", REVIEW, 1024, route_leave, NULL},
	{SOCLE_POST, "/membership/invitations/accept", SOCLE_CAP_PUBLIC, 4096, route_accept, NULL},
	{SOCLE_GET, "/membership/companies/{id}/users", SOCLE_CAP_AUTHENTICATED, 0, route_users,
	 NULL},
	{SOCLE_POST, "/membership/companies/{id}/users", SOCLE_CAP_AUTHENTICATED, 4096,
	 route_user_add, NULL},
	{SOCLE_PATCH, "/membership/companies/{id}/users/{user_id}", SOCLE_CAP_AUTHENTICATED, 4096,
	 route_user_patch, NULL},
	{SOCLE_DELETE, "/membership/companies/{id}/users/{user_id}", SOCLE_CAP_AUTHENTICATED, 0,
	 route_user_delete, NULL},
	{SOCLE_POST, "/membership/companies/{id}/satisfaction", SOCLE_CAP_AUTHENTICATED, 8192,
	 route_satisfaction, NULL},
	{SOCLE_GET, "/membership/indicators/satisfaction", SOCLE_CAP_STAFF, 0, route_indicators,
	 NULL},
	{SOCLE_GET, "/membership/my/companies", SOCLE_CAP_AUTHENTICATED, 0, route_my_companies,
	 NULL},
};

int membership_company_init(socle_plugin *p, socle_err *err)
{
	int rc;

	/* The membership desk: the service's administrators and the assistants
	 * who handle companies' paperwork. Health professionals, IPRP and social
	 * workers see companies (capability staff) but do not decide memberships. */
	if ((rc = socle_plugin_add_capability(p, REVIEW,
	                                      SOCLE_ROLE_BIT(SOCLE_ROLE_SERVICE_ADMIN) |
	                                              SOCLE_ROLE_BIT(SOCLE_ROLE_ASSISTANT_MEDICAL),
	                                      err)) ||
	    (rc = socle_plugin_add_routes(p, company_routes, SOCLE_COUNT(company_routes), err)))
		return rc;
	return 0;
}
