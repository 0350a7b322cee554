/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The membership application (cahier des charges 3.1): the public reference
 * data (risks with their stable codes, the six prevention questions of seed
 * 3.2.1.3, the follow-up counts), the form, and its submission: identity,
 * sites, first risk data, follow-up counts, the six answers, payment. Bad
 * input answers 422 with field errors and writes nothing; a valid application
 * is stored in one transaction with its audit entry and its event. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "company.h"

/* NAF 2025 (NACE Rev. 2.1) replaces NAF rév. 2 in the SIRENE directory on
 * 1 January 2027; before that date no company has a NAF 2025 code. */
#define NAF2025_FROM "2027-01-01"

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

static const char *const naf_versions[] = {"NAFrev2", "NAF2025", NULL};
static const char *const payment_modes[] = {"sepa", "transfer", NULL};

static const struct socle_field application_fields[] = {
	{.name = "siret", .type = SOCLE_F_STRING, .required = true, .min = 14, .max = 20,
	 .check = check_siret},
	{.name = "legal_name", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 200,
	 .check = membership_check_text},
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
	 .check = membership_check_text},
	{.name = "postcode", .type = SOCLE_F_STRING, .required = true, .min = 5, .max = 5,
	 .check = check_postcode},
	{.name = "city", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 100,
	 .check = membership_check_text},
};

static const struct socle_field contact_fields[] = {
	{.name = "name", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 200,
	 .check = membership_check_text},
	{.name = "email", .type = SOCLE_F_EMAIL, .required = true, .min = 3, .max = 254},
	{.name = "phone", .type = SOCLE_F_STRING, .required = true, .min = 8, .max = 25,
	 .check = check_phone},
};

static const struct socle_field establishment_fields[] = {
	{.name = "siret", .type = SOCLE_F_STRING, .required = true, .min = 14, .max = 20,
	 .check = check_siret},
	{.name = "name", .type = SOCLE_F_STRING, .min = 1, .max = 200, .check = membership_check_text},
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
	 .check = membership_check_text},
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
	membership_lower_ascii(str(json_object_get(body, "contact"), "email"), a->email,
	                       sizeof(a->email));
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
	rc = membership_company_audit(wdb, t->req, "membership.company.apply", t->id,
	                              json_pack("{s:s, s:s, s:s}", "siret", a->siret, "reference",
	                                        t->reference, "payment_mode",
	                                        a->sepa ? "sepa" : "transfer"),
	                              err);
	if (rc != 0)
		return rc;
	return membership_emit(
	        wdb, "company.applied",
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

/* ------------------------------------------------------------------- init */

static const struct socle_route application_routes[] = {
	{SOCLE_GET, "/membership/risks", SOCLE_CAP_PUBLIC, 0, route_risks, NULL},
	{SOCLE_GET, "/membership/application-form", SOCLE_CAP_PUBLIC, 0, route_form, NULL},
	{SOCLE_POST, "/membership/applications", SOCLE_CAP_PUBLIC, 256 * 1024, route_apply, NULL},
};

int membership_application_init(socle_plugin *p, socle_err *err)
{
	return socle_plugin_add_routes(p, application_routes, SOCLE_COUNT(application_routes), err);
}
