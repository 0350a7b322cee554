/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The default next_visits (tracking/scripts/tracking_visits.lua)
 * against ../shared/domain/rules-and-figures.md §1.1 and the worked cases of
 * §2 about visits (TC01–TC33), with exact dates: table tests through
 * socle_rule_call on a core opened in process (tracking linked statically,
 * membership loaded from the build's plugins folder), month ends and leap
 * years, dated rules at their boundaries, and the contract check refusing
 * broken overrides of another service. The same table runs again through the
 * HTTP API (POST /tracking/simulate on the real `socle serve`). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"
#include "core.h"
#include "fsutil.h"
#include "core_world.h"
#include "tracking_world.h"
#include "http_client.h"
#include "server.h"
#include "tracking.h"


static struct {
	char *dir;
	socle_core *core;
	socle_service *svc, *est, *ouest;
} W;

static int setup(void **state)
{
	(void)state;

	W.dir = fs_tempdir("tracking-visits");
	/* Service "est" breaks the contract on purpose: earliest after latest. */
	fs_write(W.dir, "est/visits.lua",
	         "socle.rule('next_visits', function(worker, history, on_date)\n"
	         "  return { visits = { { type = 'vip_initiale', earliest = '2025-06-10',\n"
	         "    latest = '2025-03-10', who = 'professionnel_sante', basis = { 'R4624-10' },\n"
	         "    explanation = 'Visite.' } } }\n"
	         "end)\n");
	/* Service "ouest": an unknown type, an unknown role, no basis, by turns. */
	fs_write(W.dir, "ouest/visits.lua",
	         "socle.rule('next_visits', function(worker, history, on_date)\n"
	         "  local v = { type = 'vip_initiale', earliest = '2025-03-10', latest = '2025-06-10',\n"
	         "    who = 'professionnel_sante', basis = { 'R4624-10' }, explanation = 'Visite.' }\n"
	         "  if on_date == '2025-01-01' then v.type = 'visite_de_courtoisie' end\n"
	         "  if on_date == '2025-01-02' then v.who = 'secretaire' end\n"
	         "  if on_date == '2025-01-03' then v.basis = {} end\n"
	         "  if on_date == '2025-01-04' then v.latest = nil end\n"
	         "  if on_date == '2025-01-05' then v.explanation = '' end\n"
	         "  return { visits = { v } }\n"
	         "end)\n");
	W.core = core_world_open(W.dir,
	         "{\"listen\": \"127.0.0.1\", \"port\": 0, \"access_log\": \"access.log\","
	         " \"plugin_dirs\": [\"" TRACKING_PLUGIN_DIR "\"],"
	         " \"clock\": \"2025-06-01T09:00:00Z\","
	         " \"services\": ["
	         "  {\"id\": \"demo\", \"name\": \"Démo\", \"database\": \"demo.db\","
	         "   \"plugins\": {\"membership\": {\"fee_per_worker\": 105.0}, \"tracking\": {}}},"
	         "  {\"id\": \"est\", \"name\": \"Est\", \"database\": \"est.db\", \"scripts\": \"est\","
	         "   \"plugins\": {\"membership\": {\"fee_per_worker\": 105.0}, \"tracking\": {}}},"
	         "  {\"id\": \"ouest\", \"name\": \"Ouest\", \"database\": \"ouest.db\","
	         "   \"scripts\": \"ouest\","
	         "   \"plugins\": {\"membership\": {\"fee_per_worker\": 105.0}, \"tracking\": {}}}]}");
	if (W.core == NULL)
		return -1;
	W.svc = socle_core_service(W.core, "demo");
	W.est = socle_core_service(W.core, "est");
	W.ouest = socle_core_service(W.core, "ouest");
	return W.svc && W.est && W.ouest ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	test_core_close(W.core, W.dir);
	return 0;
}

static json_t *next_visits(socle_service *svc, const char *worker, const char *history,
                           const char *on_date, socle_err *err)
{
	json_t *w = json_loads(worker, 0, NULL), *h = json_loads(history, 0, NULL), *out = NULL;

	if (w == NULL || h == NULL)
		fail_msg("JSON de test invalide : %s / %s", worker, history);
	json_t *args = json_pack("[o, o, s]", w, h, on_date);
	int rc = socle_rule_call(svc, "next_visits", args, &out, err);

	json_decref(args);
	return rc == 0 ? out : NULL;
}

/* The visits of a result, one per "; ": "type earliest..latest who" or, for a
 * visit before the assignment, "type earliest<before who". */
static char *summary(const json_t *r)
{
	size_t i, len = 0;
	const json_t *v;
	char *s = calloc(1, 4096);

	assert_non_null(s);
	json_array_foreach(json_object_get(r, "visits"), i, v) {
		const char *latest = json_string_value(json_object_get(v, "latest"));

		len += (size_t)snprintf(s + len, 4096 - len, "%s%s %s%s%s %s", i ? "; " : "",
		                        json_string_value(json_object_get(v, "type")),
		                        json_string_value(json_object_get(v, "earliest")),
		                        latest ? ".." : "<",
		                        latest ? latest
		                               : json_string_value(json_object_get(v, "before")),
		                        json_string_value(json_object_get(v, "who")));
		assert_true(len < 4096);
	}
	return s;
}

static bool has_text(const json_t *list, const char *needle)
{
	size_t i;
	const json_t *e;

	json_array_foreach(list, i, e)
		if (strstr(json_string_value(e), needle))
			return true;
	return false;
}

static bool cites(const json_t *r, const char *article)
{
	size_t i;
	const json_t *v;

	json_array_foreach(json_object_get(r, "visits"), i, v)
		if (has_text(json_object_get(v, "basis"), article))
			return true;
	return false;
}

struct vector {
	const char *name;
	const char *worker;
	const char *history;
	const char *on;
	const char *visits;  /* summary() expected, exactly */
	const char *article; /* cited by one visit's basis, or NULL */
	const char *note;    /* in one of the notes, or NULL */
};

#define SI "\"birth_date\": \"1990-04-12\", \"category\": \"SI\""
#define SIA "\"birth_date\": \"1990-04-12\", \"category\": \"SIA\""
#define SIR "\"birth_date\": \"1985-01-01\", \"category\": \"SIR\""
#define VIP_0401 "[{\"type\": \"vip_initiale\", \"date\": \"2025-04-01\", \"by\": \"infirmier\"," \
                 " \"attestation\": true}]"
#define PS " professionnel_sante"
#define MED " medecin"

static const struct vector vectors[] = {
	/* ---- worked cases of §2 ---- */
	{"TC01 CDI sans risque", "{" SI ", \"start_date\": \"2025-03-10\", \"contract_type\": \"cdi\"}",
	 "[]", "2025-03-10", "vip_initiale 2025-03-10..2025-06-10" PS, "R4624-10", NULL},
	{"TC02 renouvellement, protocole muet", "{" SI ", \"start_date\": \"2025-03-10\"}", VIP_0401,
	 "2025-04-01", "vip_periodique 2025-04-02..2030-04-01" PS, "R4624-16", NULL},
	{"TC03 le médecin fixe 3 ans",
	 "{" SI ", \"start_date\": \"2025-03-10\", \"protocol\": {\"periodicity_months\": 36}}",
	 VIP_0401, "2025-04-01", "vip_periodique 2025-04-02..2028-04-01" PS, "R4624-16", NULL},
	{"TC03 date de prochaine visite du protocole",
	 "{" SI ", \"start_date\": \"2025-03-10\", \"protocol\": {\"periodicity_months\": 36,"
	 " \"next_visit_on\": \"2027-01-15\"}}",
	 VIP_0401, "2025-04-01", "vip_periodique 2025-04-02..2027-01-15" PS, "R4624-16", NULL},
	{"TC03 protocole au-delà du plafond : plafond",
	 "{" SI ", \"start_date\": \"2025-03-10\", \"protocol\": {\"periodicity_months\": 72,"
	 " \"next_visit_on\": \"2031-01-01\"}}",
	 VIP_0401, "2025-04-01", "vip_periodique 2025-04-02..2030-04-01" PS, "R4624-16",
	 "plafond"},
	{"TC05 apprenti de 19 ans",
	 "{\"birth_date\": \"2006-05-01\", \"category\": \"SI\", \"start_date\": \"2025-09-01\","
	 " \"contract_type\": \"apprentissage\"}",
	 "[]", "2025-08-20", "vip_initiale 2025-09-01..2025-11-01" PS, "R6222-40-1", NULL},
	{"TC07 RQTH déclarée à la VIP",
	 "{" SIA ", \"start_date\": \"2025-03-10\", \"rqth\": true}",
	 "[{\"type\": \"vip_initiale\", \"date\": \"2025-05-02\", \"by\": \"infirmier\"}]",
	 "2025-05-02",
	 "orientation_medecin 2025-05-02..2025-05-02" MED
	 "; suivi_adapte 2025-05-03..2028-05-02" PS, "R4624-17", NULL},
	{"TC08 salariée enceinte à la VIP",
	 "{" SI ", \"start_date\": \"2025-03-10\", \"pregnant\": true}",
	 "[{\"type\": \"vip_initiale\", \"date\": \"2025-05-02\", \"by\": \"infirmier\"}]",
	 "2025-05-02",
	 "orientation_medecin 2025-05-02..2025-05-02" MED
	 "; vip_periodique 2025-05-03..2030-05-02" PS, "R4624-19", NULL},
	{"TC09 agents biologiques du groupe 2",
	 "{" SI ", \"start_date\": \"2025-03-10\", \"exposures\": [\"agents_biologiques_2\"]}",
	 "[]", "2025-02-20", "vip_initiale 2025-02-20<2025-03-10" PS, "R4426-7", NULL},
	{"TC10 désamiantage", "{" SIR ", \"start_date\": \"2025-03-10\", \"exposures\": [\"amiante\"]}",
	 "[]", "2025-02-20", "ema_initial 2025-02-20<2025-03-10" MED, "R4624-24", NULL},
	{"TC11 EMA fait le 2025-03-05",
	 "{" SIR ", \"start_date\": \"2025-03-10\", \"exposures\": [\"amiante\"]}",
	 "[{\"type\": \"ema_initial\", \"date\": \"2025-03-05\", \"by\": \"medecin\","
	 " \"avis\": \"aptitude\"}]",
	 "2025-03-10",
	 "visite_intermediaire 2025-03-06..2027-03-05" PS "; ema_periodique 2025-03-06..2029-03-05" MED,
	 "R4624-28", NULL},
	{"TC13 mineur sur travaux réglementés",
	 "{\"birth_date\": \"2009-01-10\", \"category\": \"SIR\", \"start_date\": \"2025-09-01\","
	 " \"minor_regulated_work\": true}",
	 "[{\"type\": \"ema_initial\", \"date\": \"2025-09-01\", \"by\": \"medecin\","
	 " \"avis\": \"aptitude\"}]",
	 "2025-09-02", "ema_periodique 2025-09-02..2026-09-01" MED, "R4153-40", "18 ans"},
	{"TC14 cariste embauché le 2025-11-03",
	 "{" SI ", \"start_date\": \"2025-11-03\", \"caces_or_electrical\": true}", "[]",
	 "2025-10-20",
	 "attestation_caces 2025-10-20<2025-11-03" MED "; vip_initiale 2025-11-03..2026-02-03" PS,
	 "décret 2025-355", NULL},
	{"TC14 attestation délivrée le 2025-11-03 : valable jusqu'au 2030-11-03",
	 "{" SI ", \"start_date\": \"2025-11-03\", \"exposures\": [\"conduite_engins\"]}",
	 "[{\"type\": \"attestation_caces\", \"date\": \"2025-11-03\", \"by\": \"medecin\"}]",
	 "2025-11-04",
	 "vip_initiale 2025-11-03..2026-02-03" PS "; attestation_caces 2025-11-04..2030-11-03" MED,
	 "décret 2025-355", NULL},
	{"TC16 VIP de moins de 5 ans pour un poste équivalent",
	 "{" SI ", \"start_date\": \"2025-03-10\"}",
	 "[{\"type\": \"vip_initiale\", \"date\": \"2022-01-15\", \"previous_employer\": true,"
	 " \"equivalent_job\": true, \"attestation\": true}]",
	 "2025-03-10", "vip_periodique 2022-01-16..2027-01-15" PS, "R4624-16", "R4624-15"},
	{"TC29 mi-carrière, né le 1981-06-15",
	 "{\"birth_date\": \"1981-06-15\", \"category\": \"SI\", \"start_date\": \"2010-01-04\"}",
	 "[{\"type\": \"vip_periodique\", \"date\": \"2023-02-01\", \"by\": \"infirmier\"}]",
	 "2025-06-01",
	 "mi_carriere 2026-01-01..2026-12-31" MED "; vip_periodique 2023-02-02..2028-02-01" PS,
	 "L4624-2-2", NULL},
	{"TC31 salarié en SIR partant en retraite le 2025-09-30",
	 "{\"birth_date\": \"1962-04-01\", \"category\": \"SIR\", \"start_date\": \"2000-01-03\","
	 " \"exposures\": [\"amiante\"], \"retirement_date\": \"2025-09-30\"}",
	 "[{\"type\": \"ema_periodique\", \"date\": \"2022-10-01\", \"by\": \"medecin\","
	 " \"avis\": \"aptitude\"}, {\"type\": \"visite_intermediaire\", \"date\": \"2024-09-02\","
	 " \"by\": \"infirmier\"}]",
	 "2025-09-01", "post_exposition 2025-08-30..2026-03-31" MED, "R4624-28-2",
	 "quitte son poste"},
	{"TC32 ni SIR ni exposé, part en retraite",
	 "{\"birth_date\": \"1962-04-01\", \"category\": \"SI\", \"start_date\": \"2000-01-03\","
	 " \"retirement_date\": \"2025-09-30\"}",
	 "[{\"type\": \"vip_periodique\", \"date\": \"2024-03-01\"}]",
	 "2025-09-01", "", NULL, "Aucune visite post-exposition"},
	{"TC33 plomb sous les seuils, catégorie SIR en entrée",
	 "{" SIR ", \"start_date\": \"2026-05-01\", \"exposures\": [\"plomb_sous_seuils\"]}", "[]",
	 "2026-04-20", "ema_initial 2026-04-20<2026-05-01" MED, "R4624-24", NULL},
	{"TC33 plomb sous les seuils, catégorie SI en entrée",
	 "{" SI ", \"start_date\": \"2026-05-01\", \"exposures\": [\"plomb_sous_seuils\"]}", "[]",
	 "2026-04-20", "vip_initiale 2026-05-01..2026-08-01" PS, "R4624-10", NULL},

	/* ---- every other rule of §1.1 ---- */
	{"VIP avant l'affectation : travailleur de nuit",
	 "{" SIA ", \"start_date\": \"2025-03-10\", \"night_worker\": true}", "[]", "2025-03-01",
	 "vip_initiale 2025-03-01<2025-03-10" PS, "R4624-18", NULL},
	{"VIP avant l'affectation : mineur à la prise de poste",
	 "{\"birth_date\": \"2008-06-01\", \"category\": \"SIA\", \"start_date\": \"2025-07-01\"}",
	 "[]", "2025-06-01", "vip_initiale 2025-06-01<2025-07-01" PS, "R4624-18", NULL},
	{"VIP avant l'affectation : champs électromagnétiques, apprenti",
	 "{" SI ", \"start_date\": \"2025-09-01\", \"contract_type\": \"apprentissage\","
	 " \"exposures\": [\"champs_electromagnetiques\"]}",
	 "[]", "2025-09-15", "vip_initiale 2025-09-01<2025-09-01" PS, "R4453-10", NULL},
	{"suivi adapté : 3 ans au plus", "{" SIA ", \"start_date\": \"2020-01-06\"}",
	 "[{\"type\": \"suivi_adapte\", \"date\": \"2024-02-29\", \"by\": \"medecin\"}]",
	 "2025-06-01", "suivi_adapte 2024-03-01..2027-02-28" PS, "R4624-17", NULL},
	{"rayonnements ionisants catégorie A : annuel, sans visite intermédiaire",
	 "{" SIR ", \"start_date\": \"2020-01-06\", \"ionising_category_a\": true}",
	 "[{\"type\": \"ema_periodique\", \"date\": \"2025-01-15\", \"by\": \"medecin\"}]",
	 "2025-06-01", "ema_periodique 2025-01-16..2026-01-15" MED, "R4451-82", NULL},
	{"SIR : visite intermédiaire faite, reste l'EMA",
	 "{" SIR ", \"start_date\": \"2020-01-06\"}",
	 "[{\"type\": \"ema_periodique\", \"date\": \"2023-01-15\"},"
	 " {\"type\": \"visite_intermediaire\", \"date\": \"2024-12-01\", \"by\": \"infirmier\"}]",
	 "2025-06-01", "ema_periodique 2023-01-16..2027-01-15" MED, "R4624-28", NULL},
	{"SIR : le protocole avance la visite intermédiaire",
	 "{" SIR ", \"start_date\": \"2020-01-06\", \"protocol\": {\"next_visit_on\": \"2024-06-30\"}}",
	 "[{\"type\": \"ema_periodique\", \"date\": \"2023-01-15\"}]", "2025-06-01",
	 "visite_intermediaire 2023-01-16..2024-06-30" PS "; ema_periodique 2023-01-16..2027-01-15" MED,
	 "R4624-28", NULL},
	{"R4624-27 : EMA de moins de 2 ans, même emploi",
	 "{" SIR ", \"start_date\": \"2025-03-10\"}",
	 "[{\"type\": \"ema_initial\", \"date\": \"2024-01-10\", \"by\": \"medecin\","
	 " \"avis\": \"aptitude\", \"previous_employer\": true, \"equivalent_job\": true}]",
	 "2025-03-10",
	 "visite_intermediaire 2024-01-11..2026-01-10" PS "; ema_periodique 2024-01-11..2028-01-10" MED,
	 "R4624-28", "R4624-27"},
	{"R4624-27 refusée : mesure depuis l'examen",
	 "{" SIR ", \"start_date\": \"2025-03-10\"}",
	 "[{\"type\": \"ema_initial\", \"date\": \"2024-01-10\", \"by\": \"medecin\","
	 " \"avis\": \"aptitude\", \"previous_employer\": true, \"equivalent_job\": true},"
	 " {\"type\": \"visite_a_la_demande\", \"date\": \"2024-06-10\", \"by\": \"medecin\","
	 " \"previous_employer\": true, \"restrictions\": true}]",
	 "2025-03-01", "ema_initial 2025-03-01<2025-03-10" MED, "R4624-24", NULL},
	{"R4624-15 refusée en SIA au-delà de 3 ans",
	 "{" SIA ", \"start_date\": \"2025-03-10\", \"rqth\": true}",
	 "[{\"type\": \"vip_initiale\", \"date\": \"2021-09-01\", \"previous_employer\": true,"
	 " \"equivalent_job\": true, \"attestation\": true}]",
	 "2025-03-10", "vip_initiale 2025-03-10..2025-06-10" PS, "R4624-10", "orientation"},
	{"R4624-15 refusée sans attestation",
	 "{" SI ", \"start_date\": \"2025-03-10\"}",
	 "[{\"type\": \"vip_initiale\", \"date\": \"2022-01-15\", \"previous_employer\": true,"
	 " \"equivalent_job\": true}]",
	 "2025-03-10", "vip_initiale 2025-03-10..2025-06-10" PS, "R4624-10", NULL},
	{"CACES : avis d'aptitude antérieur au 1er octobre 2025 vaut attestation",
	 "{" SI ", \"start_date\": \"2015-01-05\", \"caces_or_electrical\": true}",
	 "[{\"type\": \"ema_periodique\", \"date\": \"2023-05-10\", \"avis\": \"aptitude\"}]",
	 "2025-11-03",
	 "attestation_caces 2023-05-11..2028-05-10" MED "; vip_periodique 2023-05-11..2028-05-10" PS,
	 "décret 2025-355", NULL},
	{"CACES le 2025-09-30 : encore SIR, pas d'attestation",
	 "{" SIR ", \"start_date\": \"2025-10-15\", \"caces_or_electrical\": true}", "[]",
	 "2025-09-30", "ema_initial 2025-09-30<2025-10-15" MED, "R4624-24", NULL},
	{"mi-carrière avant la loi (2022-03-30) : aucune",
	 "{\"birth_date\": \"1978-02-01\", \"category\": \"SI\", \"start_date\": \"2010-01-04\"}",
	 "[{\"type\": \"vip_periodique\", \"date\": \"2021-02-01\"}]", "2022-03-30",
	 "vip_periodique 2021-02-02..2026-02-01" PS, "R4624-16", NULL},
	{"mi-carrière le jour de la loi (2022-03-31)",
	 "{\"birth_date\": \"1978-02-01\", \"category\": \"SI\", \"start_date\": \"2010-01-04\"}",
	 "[{\"type\": \"vip_periodique\", \"date\": \"2021-02-01\"}]", "2022-03-31",
	 "mi_carriere 2023-01-01..2023-12-31" MED "; vip_periodique 2021-02-02..2026-02-01" PS,
	 "L4624-2-2", NULL},
	{"mi-carrière déjà faite en anticipation",
	 "{\"birth_date\": \"1981-06-15\", \"category\": \"SI\", \"start_date\": \"2010-01-04\"}",
	 "[{\"type\": \"vip_periodique\", \"date\": \"2023-02-01\"},"
	 " {\"type\": \"mi_carriere\", \"date\": \"2024-11-05\", \"by\": \"medecin\"}]",
	 "2025-06-01", "vip_periodique 2023-02-02..2028-02-01" PS, NULL, NULL},
	{"post-exposition : ancien SIR, fin d'exposition un 29 février",
	 "{" SI ", \"start_date\": \"2010-01-04\", \"formerly_sir\": true,"
	 " \"exposure_end_date\": \"2024-02-29\"}",
	 "[{\"type\": \"vip_periodique\", \"date\": \"2024-01-15\"}]", "2024-02-01",
	 "post_exposition 2024-01-29..2024-08-31" MED "; vip_periodique 2024-01-16..2029-01-15" PS,
	 "L4624-2-1", NULL},
	{"salarié sorti : plus rien",
	 "{" SI ", \"start_date\": \"2020-01-06\", \"end_date\": \"2025-01-31\"}",
	 "[{\"type\": \"vip_initiale\", \"date\": \"2020-02-01\"}]", "2025-06-01", "", NULL,
	 "quitté"},
	{"visite future ignorée", "{" SI ", \"start_date\": \"2025-03-10\"}", VIP_0401, "2025-03-20",
	 "vip_initiale 2025-03-10..2025-06-10" PS, NULL, "postérieure"},
	{"orientation déjà faite par le médecin",
	 "{" SIA ", \"start_date\": \"2025-03-10\", \"invalidity_pension\": true}",
	 "[{\"type\": \"vip_initiale\", \"date\": \"2025-05-02\", \"by\": \"infirmier\"},"
	 " {\"type\": \"orientation_medecin\", \"date\": \"2025-05-20\", \"by\": \"medecin\"}]",
	 "2025-06-01", "suivi_adapte 2025-05-03..2028-05-02" PS, NULL, NULL},

	/* ---- month ends and leap years ---- */
	{"30 novembre + 3 mois = 28 février", "{" SI ", \"start_date\": \"2025-11-30\"}", "[]",
	 "2025-11-30", "vip_initiale 2025-11-30..2026-02-28" PS, NULL, NULL},
	{"30 novembre + 3 mois en année bissextile = 29 février",
	 "{" SI ", \"start_date\": \"2023-11-30\"}", "[]", "2023-11-30",
	 "vip_initiale 2023-11-30..2024-02-29" PS, NULL, NULL},
	{"31 décembre + 2 mois (apprenti) = 28 février",
	 "{\"birth_date\": \"2005-01-01\", \"category\": \"SI\", \"start_date\": \"2025-12-31\","
	 " \"contract_type\": \"apprentissage\"}",
	 "[]", "2025-12-31", "vip_initiale 2025-12-31..2026-02-28" PS, NULL, NULL},
	{"VIP du 29 février + 5 ans = 28 février", "{" SI ", \"start_date\": \"2024-01-08\"}",
	 "[{\"type\": \"vip_initiale\", \"date\": \"2024-02-29\"}]", "2024-03-01",
	 "vip_periodique 2024-03-01..2029-02-28" PS, NULL, NULL},
	{"EMA du 29 février + 4 ans = 29 février", "{" SIR ", \"start_date\": \"2024-03-04\"}",
	 "[{\"type\": \"ema_initial\", \"date\": \"2024-02-29\"}]", "2024-03-01",
	 "visite_intermediaire 2024-03-01..2026-02-28" PS "; ema_periodique 2024-03-01..2028-02-29" MED,
	 NULL, NULL},
};

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < SOCLE_COUNT(vectors); i++) {
		const struct vector *v = &vectors[i];
		socle_err err = SOCLE_ERR_INIT;
		json_t *r = next_visits(W.svc, v->worker, v->history, v->on, &err);

		if (r == NULL)
			fail_msg("%s : %s", v->name, err.msg);
		char *got = summary(r), *dump = json_dumps(r, JSON_INDENT(1));

		if (strcmp(got, v->visits) != 0)
			fail_msg("%s :\n  attendu %s\n  obtenu  %s\n%s", v->name, v->visits, got, dump);
		if (v->article && !cites(r, v->article))
			fail_msg("%s : %s n'est pas cité\n%s", v->name, v->article, dump);
		if (v->note && !has_text(json_object_get(r, "notes"), v->note))
			fail_msg("%s : aucune note ne contient « %s »\n%s", v->name, v->note, dump);
		/* Every visit explains itself in French and says whether it is late;
		 * its sentence cites its article, dates in words, no internal code. */
		char why[1024];
		if (explanations_check("next_visits", r, why, sizeof(why)) < 0)
			fail_msg("%s : %s\n%s", v->name, why, dump);
		size_t k;
		const json_t *x;
		json_array_foreach(json_object_get(r, "visits"), k, x) {
			const char *e = json_string_value(json_object_get(x, "explanation"));
			const char *deadline = json_string_value(json_object_get(x, "latest"));

			if (deadline == NULL)
				deadline = json_string_value(json_object_get(x, "before"));
			assert_true(e && strlen(e) > 20 && e[strlen(e) - 1] == '.');
			assert_int_equal(json_is_true(json_object_get(x, "overdue")),
			                 strcmp(v->on, deadline) > 0);
		}
		free(got);
		free(dump);
		json_decref(r);
	}
}

/* Vectors whose input the simulator route refuses by design (422), while the
 * engine copes with it: a protocol periodicity over 60 months (the engine
 * applies the legal ceiling), a past visit dated after the simulation date
 * (the engine ignores it with a note). */
static const char *const refused_by_the_route[] = {
	"TC03 protocole au-delà du plafond : plafond",
	"visite future ignorée",
	NULL,
};

static bool refused_over_http(const char *name)
{
	for (const char *const *r = refused_by_the_route; *r; r++)
		if (strcmp(*r, name) == 0)
			return true;
	return false;
}

/* Every vector of the table again, as a person would run it: through the
 * simulator route of a real server, logged in as a médecin. */
static void test_table_over_http(void **state)
{
	struct test_deploy d;
	struct test_server srv = {0};
	char cmd[2048], *out = NULL, *auth = NULL;
	int status = 0;
	(void)state;

	json_t *cfg = json_pack("{s:[s], s:s, s:[{s:s, s:s, s:s, s:{s:{s:f}, s:{}}}]}",
	                        "plugin_dirs", TRACKING_PLUGIN_DIR, "clock", "2025-06-01T09:00:00Z",
	                        "services", "id", "svc", "name", "SPSTI", "database", "svc.db",
	                        "plugins", "membership", "fee_per_worker", 105.0, "tracking");
	assert_int_equal(test_deploy_create(&d, "visits-http", cfg), 0);
	json_decref(cfg);
	snprintf(cmd, sizeof(cmd),
	         "printf 'motdepasse-medecin-42\\n' | " SOCLE_BINARY_DIR "/socle user add --config %s"
	         " --service svc --email medecin@svc.test --role medecin", d.config_path);
	if (fs_run(cmd, &out) != 0)
		fail_msg("socle user add : %s", out ? out : "");
	free(out);
	assert_int_equal(test_server_start_deploy(&srv, &d), 0);
	json_t *login = json_pack("{s:s, s:s}", "email", "medecin@svc.test", "password",
	                          "motdepasse-medecin-42");
	json_t *r = hc_json(srv.port, "POST", "/api/v1/svc/auth/login", NULL, login, &status);

	json_decref(login);
	assert_int_equal(status, 200);
	assert_true(asprintf(&auth, "Authorization: Bearer %s",
	                     json_string_value(json_object_get(r, "token"))) > 0);
	json_decref(r);
	const char *headers[] = {auth, NULL};

	for (size_t i = 0; i < SOCLE_COUNT(vectors); i++) {
		const struct vector *v = &vectors[i];
		json_t *body = json_pack("{s:o, s:o, s:s}", "worker", json_loads(v->worker, 0, NULL),
		                         "history", json_loads(v->history, 0, NULL), "on_date", v->on);

		r = hc_json(srv.port, "POST", "/api/v1/svc/tracking/simulate", headers, body, &status);
		json_decref(body);
		if (refused_over_http(v->name)) {
			assert_int_equal(status, 422);
			json_decref(r);
			continue;
		}
		if (status != 200) {
			char *dump = r ? json_dumps(r, JSON_COMPACT) : NULL;
			fail_msg("%s : HTTP %d %s", v->name, status, dump ? dump : "");
		}
		char *got = summary(r);
		if (strcmp(got, v->visits) != 0)
			fail_msg("%s (HTTP) :\n  attendu %s\n  obtenu  %s", v->name, v->visits, got);
		if (v->article && !cites(r, v->article))
			fail_msg("%s (HTTP) : %s n'est pas cité", v->name, v->article);
		free(got);
		json_decref(r);
	}
	free(auth);
	assert_int_equal(test_server_stop(&srv, 10000), 0);
	test_deploy_remove(&d);
}

static json_t *visit_of(const json_t *r, const char *type)
{
	size_t i;
	json_t *v;

	json_array_foreach(json_object_get(r, "visits"), i, v)
		if (strcmp(json_string_value(json_object_get(v, "type")), type) == 0)
			return v;
	return NULL;
}

static void test_explanations(void **state)
{
	socle_err err = SOCLE_ERR_INIT;
	(void)state;

	/* TC01: the sentence gives the deadline in words, the basis its articles. */
	json_t *r = next_visits(W.svc, "{" SI ", \"start_date\": \"2025-03-10\"}", "[]", "2025-03-10",
	                        &err);
	assert_non_null(r);
	json_t *v = visit_of(r, "vip_initiale");
	assert_non_null(strstr(json_string_value(json_object_get(v, "explanation")),
	                       "au plus tard le 10 juin 2025"));
	assert_string_equal(json_string_value(json_array_get(json_object_get(v, "basis"), 0)),
	                    "R4624-10");
	json_decref(r);

	/* TC03: the protocol's date is said to win over the legal ceiling. */
	r = next_visits(W.svc,
	                "{" SI ", \"start_date\": \"2025-03-10\", \"protocol\": {\"periodicity_months\":"
	                " 36}}", VIP_0401, "2025-04-01", &err);
	assert_non_null(r);
	v = visit_of(r, "vip_periodique");
	assert_non_null(strstr(json_string_value(json_object_get(v, "explanation")),
	                       "plus tôt que le plafond légal du 1er avril 2030"));
	json_decref(r);

	/* TC29: the window may be brought forward from 2024. */
	r = next_visits(W.svc,
	                "{\"birth_date\": \"1981-06-15\", \"category\": \"SI\","
	                " \"start_date\": \"2010-01-04\"}", "[]", "2025-06-01", &err);
	assert_non_null(r);
	v = visit_of(r, "mi_carriere");
	assert_string_equal(json_string_value(json_object_get(v, "combinable_from")), "2024-01-01");
	json_decref(r);

	/* TC31: the worker's own request window, and the employer's information. */
	r = next_visits(W.svc,
	                "{\"birth_date\": \"1962-04-01\", \"category\": \"SIR\","
	                " \"start_date\": \"2000-01-03\", \"retirement_date\": \"2025-09-30\"}",
	                "[]", "2025-09-01", &err);
	assert_non_null(r);
	v = visit_of(r, "post_exposition");
	assert_non_null(strstr(json_string_value(json_object_get(v, "explanation")),
	                       "du 30 août 2025 au 31 mars 2026"));
	assert_non_null(strstr(json_string_value(json_object_get(v, "explanation")), "l'employeur"));
	json_decref(r);

	/* An overdue VIP is flagged. */
	r = next_visits(W.svc, "{" SI ", \"start_date\": \"2025-03-10\"}", "[]", "2025-06-11", &err);
	assert_non_null(r);
	assert_true(json_is_true(json_object_get(visit_of(r, "vip_initiale"), "overdue")));
	json_decref(r);
}

static void test_bad_input_is_an_error(void **state)
{
	socle_err err = SOCLE_ERR_INIT;
	(void)state;

	/* Before the 2017 regime, no rule is in force. */
	assert_null(next_visits(W.svc, "{" SI ", \"start_date\": \"2016-03-10\"}", "[]", "2016-06-01",
	                        &err));
	assert_int_equal(err.code, SOCLE_E_SCRIPT);
	assert_non_null(strstr(err.msg, "2017"));
	/* The category is an input (follow_up_category of membership). */
	err = (socle_err)SOCLE_ERR_INIT;
	assert_null(next_visits(W.svc, "{\"birth_date\": \"1990-01-01\", \"start_date\": \"2025-03-10\"}",
	                        "[]", "2025-06-01", &err));
	assert_int_equal(err.code, SOCLE_E_SCRIPT);
	assert_non_null(strstr(err.msg, "category"));
	err = (socle_err)SOCLE_ERR_INIT;
	assert_null(next_visits(W.svc, "{" SI ", \"start_date\": \"2025-03-10\"}",
	                        "[{\"type\": \"vip_initiale\", \"date\": \"hier\"}]", "2025-06-01",
	                        &err));
	assert_int_equal(err.code, SOCLE_E_SCRIPT);
	assert_non_null(strstr(err.msg, "history[1]"));
}

static void test_contract_refuses_broken_overrides(void **state)
{
	static const struct {
		const char *on;
		const char *needle;
	} broken[] = {
		{"2025-01-01", "type"}, {"2025-01-02", "who"}, {"2025-01-03", "basis"},
		{"2025-01-04", "before"}, {"2025-01-05", "explanation"},
	};
	socle_err err = SOCLE_ERR_INIT;
	(void)state;

	assert_null(next_visits(W.est, "{" SI ", \"start_date\": \"2025-03-10\"}", "[]", "2025-03-10",
	                        &err));
	assert_int_equal(err.code, SOCLE_E_CONTRACT);
	assert_non_null(strstr(err.msg, "earliest"));
	for (size_t i = 0; i < SOCLE_COUNT(broken); i++) {
		err = (socle_err)SOCLE_ERR_INIT;
		assert_null(next_visits(W.ouest, "{" SI ", \"start_date\": \"2025-03-10\"}", "[]",
		                        broken[i].on, &err));
		assert_int_equal(err.code, SOCLE_E_CONTRACT);
		if (strstr(err.msg, broken[i].needle) == NULL)
			fail_msg("%s : « %s » attendu dans « %s »", broken[i].on, broken[i].needle,
			         err.msg);
	}
	/* The same override, well formed, passes. */
	json_t *r = next_visits(W.ouest, "{" SI ", \"start_date\": \"2025-03-10\"}", "[]",
	                        "2025-03-10", &err);
	assert_non_null(r);
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_table_over_http),
		cmocka_unit_test(test_explanations),
		cmocka_unit_test(test_bad_input_is_an_error),
		cmocka_unit_test(test_contract_refuses_broken_overrides),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
