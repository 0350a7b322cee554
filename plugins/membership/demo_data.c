/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Demo data: when a service's membership settings say "demo_data": true and
 * its database holds no company yet, start() fills it with 40 member
 * companies and their declared workforces, so that a demonstration shows a
 * service as it looks in real life: most members are small (78 % of member
 * companies have fewer than 10 employees, DGT 2023), so 30 companies have 1-9
 * workers, 8 have 10-49 and 2 have 50-250.
 *
 * Deterministic: a fixed seed and fixed dates (every date is on or before
 * 2025-06-30, whatever the clock), so two services, two runs or two machines
 * get the same companies and workers; only the follow-up categories, computed
 * through the rule point follow_up_category on the day of generation, follow
 * the clock and the service's own rules.
 *
 * Workers go through the workforce area's own functions (check, normalize,
 * insert: history, category, worker.declared event), exactly as the API
 * declares them. Companies have no insert helper outside application.c's
 * application route, so they are written here against the documented table
 * membership_company, already approved (status member, member number
 * A<year><seq> as approval gives). Everything is one write transaction per
 * service, audited as membership.demo_data.
 *
 * Employer accounts: tools/demo.sh creates employeur@SVC.example bound to
 * company 1 before the server's first start; at every start (demo_data only)
 * the employer users bound to a demo company by the core but unknown to
 * membership_company_user get the administrateur role there, together with
 * the three others (a small company's manager does it all), so the demo
 * login sees its company, workforce, score and invoices. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "membership.h"

/* ---------------------------------------------------------------- random */

/* splitmix64: small, fast and fully specified, so the sequence never depends
 * on the C library. */
struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static int rng_between(struct rng *r, int lo, int hi)
{
	return lo + (int)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

/* true with probability @p percent / 100. */
static bool rng_chance(struct rng *r, int percent)
{
	return (int)(rng_next(r) % 100) < percent;
}

/* ------------------------------------------------------------- reference */

enum size_class { SMALL, MEDIUM, LARGE };

/* What a company's activity implies for its workers. */
#define F_NIGHT 1u      /* night work (bakery, hotel, care, transport) */
#define F_CACES 2u      /* drivers of lifting equipment / electrical work */
#define F_MINORS 4u     /* apprentices under 18 on travaux réglementés (dérogation) */

struct company_model {
	const char *name;
	const char *naf;         /* NAF rév. 2 */
	enum size_class size;
	unsigned flags;
	const char *const *sir;  /* R4624-23 I risk codes of the production posts, or NULL */
	const char *const *risks; /* other risks of the production posts */
	const char *jobs[4];     /* production posts first, then office posts */
};

static const char *const R_AMIANTE[] = {"amiante", "echafaudages", NULL};
static const char *const R_PLOMB[] = {"plomb", NULL};
static const char *const R_CMR[] = {"cmr", NULL};
static const char *const R_BIO[] = {"agents_biologiques_3_4", NULL};
static const char *const R_RAYON[] = {"rayonnements_ionisants", NULL};
static const char *const R_ECHAF[] = {"echafaudages", NULL};

static const char *const K_BAKERY[] = {"travail_de_nuit", "port_de_charges", "temperatures_extremes", NULL};
static const char *const K_BUILD[] = {"bruit", "vibrations", "port_de_charges", "travail_en_hauteur", NULL};
static const char *const K_GARAGE[] = {"agents_chimiques", "bruit", "gestes_repetitifs", NULL};
static const char *const K_OFFICE[] = {"travail_sur_ecran", "risques_psychosociaux", NULL};
static const char *const K_CARE[] = {"port_de_charges", "agents_biologiques_2", "travail_de_nuit", NULL};
static const char *const K_SHOP[] = {"port_de_charges", "gestes_repetitifs", NULL};
static const char *const K_ROAD[] = {"risque_routier", "port_de_charges", "conduite_engins", NULL};
static const char *const K_FOOD[] = {"temperatures_extremes", "gestes_repetitifs", "bruit", NULL};
static const char *const K_CLEAN[] = {"agents_chimiques", "travail_isole", NULL};
static const char *const K_METAL[] = {"bruit", "vibrations", "agents_chimiques", "conduite_engins", NULL};

/* Company 1 is the bakery of tools/demo.sh's employer account (Marc Durand). */
static const struct company_model models[] = {
	{"Boulangerie Durand", "10.71C", SMALL, F_NIGHT | F_MINORS, NULL, K_BAKERY,
	 {"Boulanger", "Pâtissier", "Vendeuse en boulangerie", NULL}},
	{"Garage des Tilleuls", "45.20A", SMALL, F_CACES, NULL, K_GARAGE,
	 {"Mécanicien automobile", "Carrossier", "Secrétaire comptable", NULL}},
	{"Cabinet comptable Lefèvre", "69.20Z", SMALL, 0, NULL, K_OFFICE,
	 {"Collaborateur comptable", "Assistante de direction", NULL, NULL}},
	{"Salon Élégance Coiffure", "96.02A", SMALL, F_MINORS, NULL, K_SHOP,
	 {"Coiffeuse", "Esthéticienne", NULL, NULL}},
	{"Pharmacie du Centre", "47.73Z", SMALL, 0, NULL, K_SHOP,
	 {"Préparatrice en pharmacie", "Pharmacien adjoint", NULL, NULL}},
	{"Maçonnerie Bernard et Fils", "43.99C", SMALL, F_CACES | F_MINORS, R_ECHAF, K_BUILD,
	 {"Maçon", "Chef de chantier", "Secrétaire", NULL}},
	{"Restaurant Le Relais de la Gare", "56.10A", SMALL, F_NIGHT, NULL, K_FOOD,
	 {"Cuisinier", "Serveur", "Plongeur", NULL}},
	{"Plomberie Martin", "43.22A", SMALL, F_MINORS, R_PLOMB, K_BUILD,
	 {"Plombier chauffagiste", "Apprenti plombier", NULL, NULL}},
	{"Boucherie Petit", "47.22Z", SMALL, F_MINORS, NULL, K_FOOD,
	 {"Boucher", "Vendeur en boucherie", NULL, NULL}},
	{"Fleurs et Jardins de l'Ill", "47.76Z", SMALL, 0, NULL, K_SHOP,
	 {"Fleuriste", "Livreur", NULL, NULL}},
	{"Auto-école Dupuis", "85.53Z", SMALL, 0, NULL, K_ROAD,
	 {"Enseignant de la conduite", "Secrétaire d'accueil", NULL, NULL}},
	{"Agence immobilière Morel", "68.31Z", SMALL, 0, NULL, K_OFFICE,
	 {"Négociateur immobilier", "Assistante commerciale", NULL, NULL}},
	{"Supérette Fournier", "47.11B", SMALL, F_CACES, NULL, K_SHOP,
	 {"Employé libre-service", "Caissière", NULL, NULL}},
	{"Hôtel du Lac", "55.10Z", SMALL, F_NIGHT, NULL, K_CLEAN,
	 {"Réceptionniste de nuit", "Femme de chambre", "Gouvernante", NULL}},
	{"Menuiserie Roux", "16.23Z", SMALL, F_CACES | F_MINORS, R_CMR, K_METAL,
	 {"Menuisier", "Apprenti menuisier", NULL, NULL}},
	{"Imprimerie Moderne", "18.12Z", SMALL, 0, NULL, K_METAL,
	 {"Conducteur offset", "Infographiste", NULL, NULL}},
	{"Électricité Girard", "43.21A", SMALL, F_CACES, NULL, K_BUILD,
	 {"Électricien", "Apprenti électricien", NULL, NULL}},
	{"Cabinet dentaire des Halles", "86.23Z", SMALL, 0, R_RAYON, K_CARE,
	 {"Assistante dentaire", "Secrétaire médicale", NULL, NULL}},
	{"Taxis Lambert", "49.32Z", SMALL, F_NIGHT, NULL, K_ROAD,
	 {"Chauffeur de taxi", NULL, NULL, NULL}},
	{"Pressing Bonnet", "96.01B", SMALL, 0, NULL, K_CLEAN,
	 {"Agent de pressing", NULL, NULL, NULL}},
	{"Librairie Mercier", "47.61Z", SMALL, 0, NULL, K_SHOP,
	 {"Libraire", NULL, NULL, NULL}},
	{"Paysages Blanc", "81.30Z", SMALL, F_CACES, NULL, K_BUILD,
	 {"Jardinier paysagiste", "Élagueur", NULL, NULL}},
	{"Atelier de couture Chevalier", "14.13Z", SMALL, 0, NULL, K_SHOP,
	 {"Couturière", NULL, NULL, NULL}},
	{"Optique Garnier", "47.78A", SMALL, 0, NULL, K_SHOP,
	 {"Opticien", "Vendeur", NULL, NULL}},
	{"Informatique Faure Conseil", "62.02A", SMALL, 0, NULL, K_OFFICE,
	 {"Développeur", "Chef de projet", NULL, NULL}},
	{"Crèche Les Petits Loups", "88.91A", SMALL, 0, NULL, K_CARE,
	 {"Auxiliaire de puériculture", "Éducatrice de jeunes enfants", NULL, NULL}},
	{"Charcuterie Rousseau", "10.13B", SMALL, F_MINORS, NULL, K_FOOD,
	 {"Charcutier traiteur", "Vendeuse", NULL, NULL}},
	{"Vétérinaires du Ried", "75.00Z", SMALL, 0, R_RAYON, K_CARE,
	 {"Auxiliaire vétérinaire", "Vétérinaire salarié", NULL, NULL}},
	{"Couverture Henry", "43.91B", SMALL, F_MINORS, R_AMIANTE, K_BUILD,
	 {"Couvreur", "Apprenti couvreur", NULL, NULL}},
	{"Bar-Tabac Le Central", "56.30Z", SMALL, F_NIGHT, NULL, K_SHOP,
	 {"Serveur", NULL, NULL, NULL}},
	/* 10-49 */
	{"Transports Girard et Cie", "49.41A", MEDIUM, F_NIGHT | F_CACES, NULL, K_ROAD,
	 {"Conducteur poids lourd", "Cariste", "Exploitant transport", "Comptable"}},
	{"EHPAD Les Glycines", "87.10A", MEDIUM, F_NIGHT, NULL, K_CARE,
	 {"Aide-soignante", "Agent de service hospitalier", "Infirmière", "Secrétaire"}},
	{"Laboratoire BioEst", "86.90B", MEDIUM, 0, R_BIO, K_CARE,
	 {"Technicien de laboratoire", "Biologiste", "Secrétaire médicale", NULL}},
	{"Nettoyage Pro Services", "81.21Z", MEDIUM, F_NIGHT, NULL, K_CLEAN,
	 {"Agent de propreté", "Chef d'équipe propreté", "Assistante", NULL}},
	{"Désamiantage Services de l'Est", "43.11Z", MEDIUM, F_CACES, R_AMIANTE, K_BUILD,
	 {"Opérateur de désamiantage", "Chef de chantier amiante", "Conducteur de travaux", "Secrétaire"}},
	{"Garage Poids Lourds Lorrain", "45.20B", MEDIUM, F_CACES, NULL, K_GARAGE,
	 {"Mécanicien poids lourd", "Magasinier", "Réceptionnaire", NULL}},
	{"Clinique vétérinaire du Rhin", "75.00Z", MEDIUM, F_NIGHT, R_RAYON, K_CARE,
	 {"Auxiliaire vétérinaire", "Vétérinaire", "Secrétaire", NULL}},
	{"Peintures Industrielles Meyer", "25.61Z", MEDIUM, F_CACES | F_MINORS, R_CMR, K_METAL,
	 {"Peintre industriel", "Opérateur de traitement de surface", "Technicien qualité", "Comptable"}},
	/* 50-250 */
	{"Métallerie Industrielle de l'Est", "25.11Z", LARGE, F_NIGHT | F_CACES | F_MINORS, R_CMR,
	 K_METAL, {"Soudeur", "Chaudronnier", "Cariste", "Technicien méthodes"}},
	{"Clinique Saint-Joseph", "86.10Z", LARGE, F_NIGHT, R_RAYON, K_CARE,
	 {"Infirmière", "Aide-soignante", "Manipulateur en radiologie", "Agent administratif"}},
};

static const char *const last_names[] = {
	"Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau",
	"Laurent", "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David", "Bertrand", "Morel",
	"Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent",
	"Muller", "Lefèvre", "Faure", "André", "Mercier", "Blanc", "Guérin", "Boyer", "Garnier",
	"Chevalier", "François", "Legrand", "Gauthier", "Garcia", "Perrin", "Robin", "Clément",
	"Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson", "Meyer", "Schmitt",
	"Weber", "Klein", "Haddad", "Nguyen", "Da Silva", "Benali", "Diallo", "Kowalski",
};

static const char *const first_names[] = {
	"Camille", "Léa", "Manon", "Chloé", "Emma", "Inès", "Sarah", "Julie", "Sophie", "Nadia",
	"Claire", "Élodie", "Aurélie", "Fatima", "Amandine", "Lucie", "Marion", "Pauline",
	"Thomas", "Nicolas", "Julien", "Maxime", "Alexandre", "Kevin", "Romain", "Mehdi", "Lucas",
	"Hugo", "Antoine", "Sébastien", "Karim", "Mathieu", "Jérôme", "Olivier", "Yanis", "Théo",
	"Baptiste", "Florian", "Damien", "Stéphane",
};

struct place {
	const char *postcode, *city;
};

static const struct place places[] = {
	{"67000", "Strasbourg"}, {"68100", "Mulhouse"},     {"68000", "Colmar"},
	{"67500", "Haguenau"},   {"67600", "Sélestat"},     {"57000", "Metz"},
	{"54000", "Nancy"},      {"88000", "Épinal"},       {"67200", "Strasbourg"},
	{"68300", "Saint-Louis"}, {"67400", "Illkirch-Graffenstaden"}, {"57100", "Thionville"},
};

static const char *const streets[] = {
	"rue de la Gare", "avenue de la Liberté", "rue du Général de Gaulle", "place du Marché",
	"rue des Tilleuls", "rue de l'Église", "boulevard Clemenceau", "rue des Vosges",
	"zone artisanale des Prés", "rue du Rhin",
};

/* ------------------------------------------------------------ identifiers */

/* Luhn check digit making @p digits (n digits) followed by it valid. */
static char luhn_digit(const char *digits, size_t n)
{
	int sum = 0;

	/* From the right, once the check digit is appended, every second digit
	 * starting with the last of @p digits is doubled. */
	for (size_t i = 0; i < n; i++) {
		int d = digits[n - 1 - i] - '0';

		if (i % 2 == 0) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return (char)('0' + (10 - sum % 10) % 10);
}

/* A SIREN (8 random digits + Luhn digit) and its head-office SIRET (NIC
 * 0001 + the digit making the 14 digits Luhn-valid). Never La Poste's SIREN. */
static void make_siret(struct rng *r, char siren[10], char siret[15])
{
	do {
		siren[0] = (char)('1' + rng_between(r, 0, 8));
		for (int i = 1; i < 8; i++)
			siren[i] = (char)('0' + rng_between(r, 0, 9));
		siren[8] = luhn_digit(siren, 8);
		siren[9] = '\0';
	} while (strcmp(siren, "356000000") == 0);
	memcpy(siret, siren, 9);
	memcpy(siret + 9, "0001", 4);
	siret[13] = luhn_digit(siret, 13);
	siret[14] = '\0';
}

/* ------------------------------------------------------------- generation */

static void make_date(int y, int m, int d, char out[11])
{
	char buf[48]; /* wide enough for any int, so the compiler sees no truncation */

	snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, m, d);
	snprintf(out, 11, "%.10s", buf);
}

/* A random date of year @p y (days 1-28: always valid). */
static void random_date(struct rng *r, int y_lo, int y_hi, char out[11])
{
	make_date(rng_between(r, y_lo, y_hi), rng_between(r, 1, 12), rng_between(r, 1, 28), out);
}

/* The last date demo data may use, so that the data is the same whenever it
 * is generated (and never in the future of a clock set after mid-2025). */
#define DEMO_LAST_YEAR 2025

static const char *pick_contract(struct rng *r)
{
	int x = rng_between(r, 1, 100);

	return x <= 70 ? "cdi" : x <= 85 ? "cdd" : x <= 90 ? "interim" : "apprentissage";
}

static size_t job_count(const struct company_model *m)
{
	size_t n = 0;

	while (n < SOCLE_COUNT(m->jobs) && m->jobs[n])
		n++;
	return n;
}

/* first_names lists the women's names first: how documents address them. */
#define FIRST_MEN 18

/* What an employer declares for convocations (membership_worker's contact):
 * the civility from the first name, and for one worker in four an e-mail of
 * his own, so that the demo shows a worker without an account convoked by
 * mail. Drawn from nothing random: the demo's sequence stays as it was. */
static void add_contact(json_t *w, size_t company_index, size_t k)
{
	const char *first = json_string_value(json_object_get(w, "first_name"));
	const char *ref = json_string_value(json_object_get(w, "external_ref"));
	size_t at = 0;

	while (at < SOCLE_COUNT(first_names) && strcmp(first_names[at], first) != 0)
		at++;
	if (at < SOCLE_COUNT(first_names))
		json_object_set_new(w, "civility", json_string(at < FIRST_MEN ? "madame" : "monsieur"));
	if (k % 4 == 1 && ref) {
		char email[96];
		snprintf(email, sizeof(email), "salarie.%zu.%s@perso-demo.example", company_index + 1,
		         ref);
		for (char *c = email; *c; c++)
			*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
		json_object_set_new(w, "convocation_email", json_string(email));
	}
}

/* One worker of company @p m, index @p k (0-based), as the API takes it. */
static json_t *make_worker(struct rng *r, const struct company_model *m, size_t company_index,
                           int k, int joined_year)
{
	char ref[16], birth[11], start[11], end[11];
	const char *contract = pick_contract(r);
	size_t jobs = job_count(m);
	/* Office posts are the last one of models with three or more posts. */
	size_t job = (size_t)rng_between(r, 0, (int)jobs - 1);
	bool office = jobs >= 3 && job == jobs - 1;
	bool production = !office;
	int age;

	/* Company 1 (the bakery of the demo account) has a fixed, telling
	 * workforce: its manager's full-time baker on nights, a part-time
	 * apprentice under 18, a part-time saleswoman, and so on. */
	if (company_index == 0) {
		static const struct {
			const char *contract;
			int job, working_time;
			bool night;
			int age;
		} bakery[] = {
			{"cdi", 0, 100, true, 41},  {"apprentissage", 0, 60, false, 17},
			{"cdi", 1, 100, true, 33},  {"cdd", 2, 50, false, 24},
			{"cdi", 2, 80, false, 52},  {"apprentissage", 1, 100, false, 19},
		};
		size_t b = (size_t)k % SOCLE_COUNT(bakery);

		contract = bakery[b].contract;
		job = (size_t)bakery[b].job;
		production = job < 2;
		age = bakery[b].age;
		snprintf(ref, sizeof(ref), "S%04d", k + 1);
		make_date(DEMO_LAST_YEAR - age, rng_between(r, 1, 12), rng_between(r, 1, 28), birth);
		random_date(r, 2019 > joined_year ? 2019 : joined_year, DEMO_LAST_YEAR - 1, start);
		if (strcmp(contract, "apprentissage") == 0)
			make_date(DEMO_LAST_YEAR - 1, 9, 1, start);
		return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:b, s:b, s:[s, s]}",
		                 "external_ref", ref, "last_name",
		                 last_names[rng_between(r, 0, (int)SOCLE_COUNT(last_names) - 1)],
		                 "first_name",
		                 first_names[rng_between(r, 0, (int)SOCLE_COUNT(first_names) - 1)],
		                 "birth_date", birth, "job_title", m->jobs[job], "contract_type",
		                 contract, "start_date", start, "working_time",
		                 bakery[b].working_time, "night_worker", bakery[b].night,
		                 "minor_regulated_work", age < 18, "exposures", "port_de_charges",
		                 "temperatures_extremes");
	}
	bool apprentice = strcmp(contract, "apprentissage") == 0;

	age = apprentice ? rng_between(r, 16, 24) : rng_between(r, 19, 62);
	snprintf(ref, sizeof(ref), "S%04d", k + 1);
	make_date(DEMO_LAST_YEAR - age, rng_between(r, 1, 12), rng_between(r, 1, 28), birth);
	/* Hired at 16 at the earliest, not before the company joined minus a
	 * few years (members bring their existing staff). */
	int first_year = DEMO_LAST_YEAR - age + 16;
	int lo = joined_year - 8 > first_year ? joined_year - 8 : first_year;

	if (apprentice || strcmp(contract, "cdd") == 0 || strcmp(contract, "interim") == 0)
		lo = DEMO_LAST_YEAR - 1 > lo ? DEMO_LAST_YEAR - 1 : lo;
	if (lo > DEMO_LAST_YEAR)
		lo = DEMO_LAST_YEAR;
	random_date(r, lo, DEMO_LAST_YEAR, start);
	if (strcmp(start, "2025-06-30") > 0)
		make_date(DEMO_LAST_YEAR, 6, rng_between(r, 1, 28), start);

	json_t *exposures = json_array();

	/* Not every production post is exposed (about one worker in five is
	 * under SIR nationally, Présanse 2024); asbestos removal posts always are. */
	if (production && m->sir && (m->sir == R_AMIANTE || rng_chance(r, 35)))
		for (const char *const *s = m->sir; *s; s++)
			json_array_append_new(exposures, json_string(*s));
	if (m->risks)
		for (const char *const *s = m->risks; *s; s++) {
			bool office_risk = strcmp(*s, "travail_sur_ecran") == 0 ||
			                   strcmp(*s, "risques_psychosociaux") == 0;

			if ((production || office_risk) && rng_chance(r, 60))
				json_array_append_new(exposures, json_string(*s));
		}
	int working_time = rng_chance(r, 80) ? 100 : (int[]){50, 60, 80}[rng_between(r, 0, 2)];
	bool night = (m->flags & F_NIGHT) && production && rng_chance(r, 40);
	bool caces = (m->flags & F_CACES) && production && rng_chance(r, 40);
	bool minor = age < 18;
	json_t *w = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:b, s:b, s:b, s:b, s:b, s:o}",
	                      "external_ref", ref, "last_name",
	                      last_names[rng_between(r, 0, (int)SOCLE_COUNT(last_names) - 1)],
	                      "first_name",
	                      first_names[rng_between(r, 0, (int)SOCLE_COUNT(first_names) - 1)],
	                      "birth_date", birth, "job_title", m->jobs[job], "contract_type",
	                      contract, "start_date", start, "working_time", working_time,
	                      "night_worker", night, "rqth", rng_chance(r, 4), "invalidity_pension",
	                      rng_chance(r, 1), "caces_or_electrical", caces,
	                      "minor_regulated_work",
	                      minor && production && (m->flags & F_MINORS) != 0, "exposures",
	                      exposures);

	/* Radiology and veterinary posts: some category A workers (R4451-82). */
	if (production && m->sir == R_RAYON && rng_chance(r, 30))
		json_object_set_new(w, "ionising_category_a", json_true());
	/* Some workers left during the previous year: they still count for that
	 * year's fee (present during the year), not for the next. */
	if (rng_chance(r, 6)) {
		random_date(r, DEMO_LAST_YEAR, DEMO_LAST_YEAR, end);
		if (strcmp(end, start) > 0)
			json_object_set_new(w, "end_date", json_string(end));
	}
	return w;
}

/* The six prevention answers, more often yes in bigger companies (which
 * must keep a DUERP updated yearly from 11 employees, R4121-2). */
static json_t *make_answers(struct rng *r, enum size_class size)
{
	int base = size == SMALL ? 45 : size == MEDIUM ? 75 : 95;
	bool duerp = rng_chance(r, base), plan = rng_chance(r, base - 15);

	return json_pack("{s:b, s:b, s:b, s:b, s:b, s:b}", "duerp", duerp, "duerp_with_workers",
	                 duerp && rng_chance(r, 50), "action_plan", plan, "action_plan_reviewed",
	                 plan && rng_chance(r, 50), "staff_representation",
	                 size != SMALL || rng_chance(r, 20), "onboarding", rng_chance(r, base));
}

struct demo_run {
	socle_service *svc;
	int companies, workers;
};

/* Insert one company (already a member) and return its id. */
static int64_t insert_company(socle_db *wdb, struct rng *r, const struct company_model *m,
                              size_t index, int joined_year, int member_seq, int headcount,
                              const json_t *exposures, const json_t *followup, socle_err *err)
{
	char siren[10], siret[15], joined[11], reference[24], number[24], address[128], email[128];
	const struct place *pl = &places[index % SOCLE_COUNT(places)];
	int64_t now = socle_now_ms();

	make_siret(r, siren, siret);
	make_date(joined_year, rng_between(r, 1, 12), rng_between(r, 1, 28), joined);
	snprintf(address, sizeof(address), "%d %s", rng_between(r, 1, 120),
	         streets[rng_between(r, 0, (int)SOCLE_COUNT(streets) - 1)]);
	snprintf(number, sizeof(number), "A%04d%05d", joined_year, member_seq);
	/* The contact: the manager, at an address of the reserved example domain. */
	const char *last = last_names[rng_between(r, 0, (int)SOCLE_COUNT(last_names) - 1)];
	const char *first = first_names[rng_between(r, 0, (int)SOCLE_COUNT(first_names) - 1)];
	char contact[128];

	if (index == 0) {
		first = "Marc";
		last = "Durand";
	}
	snprintf(contact, sizeof(contact), "%s %s", first, last);
	snprintf(email, sizeof(email), "contact%02zu@entreprise-demo.example", index + 1);
	char phone[16];

	snprintf(phone, sizeof(phone), "03%08d", rng_between(r, 0, 99999999));
	/* The reference is written once the id is known, as the application
	 * route does; a placeholder keeps the column unique meanwhile. */
	snprintf(reference, sizeof(reference), "demo-%zu", index + 1);
	json_t *answers = make_answers(r, m->size);
	json_t *p = json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:O, s:O, s:o,"
		" s:s, s:s, s:I}",
		"reference", reference, "number", number, "siret", siret, "siren", siren,
		"legal_name", m->name, "naf", m->naf, "headcount", headcount, "address", address,
		"postcode", pl->postcode, "city", pl->city, "contact", contact, "email", email,
		"phone", phone, "exposures", exposures, "followup", followup, "answers", answers,
		"payment", "transfer", "joined", joined, "now",
		(json_int_t)now);
	int rc = socle_db_run_new(wdb,
		"INSERT INTO membership_company (reference, member_number, status, siret, siren,"
		" legal_name, naf_code, naf_version, headcount, address_line, postcode, city,"
		" contact_name, contact_email, contact_phone, exposures, followup_counts,"
		" prevention_answers, payment_mode, joined_on, created_at, updated_at)"
		" VALUES (:reference, :number, 'member', :siret, :siren, :legal_name, :naf, 'NAFrev2',"
		" :headcount, :address, :postcode, :city, :contact, :email, :phone, :exposures,"
		" :followup, :answers, :payment, :joined, :now, :now)", p, err);

	if (rc < 0)
		return rc;
	int64_t id = socle_db_last_insert_id(wdb);

	snprintf(reference, sizeof(reference), "D%04d-%06lld", joined_year, (long long)id);
	p = json_pack("{s:s, s:I}", "reference", reference, "id", (json_int_t)id);
	rc = socle_db_run(wdb, "UPDATE membership_company SET reference = :reference WHERE id = :id",
	                  p, err);
	json_decref(p);
	return rc < 0 ? rc : id;
}

/* The demo's company with establishments besides its siège (the carrier's
 * two depots), so that the fiche per establishment (riskeval) has one to
 * show. Every third worker goes to each depot; their headcounts are those. */
#define DEMO_SITES_COMPANY "Transports Girard et Cie"

static const struct {
	const char *nic, *name, *address, *postcode, *city;
} demo_depots[] = {
	{"0002", "Dépôt de Mulhouse", "14 rue de l'Industrie", "68100", "Mulhouse"},
	{"0003", "Dépôt de Metz", "3 avenue des Deux Fontaines", "57000", "Metz"},
};

static int insert_depots(socle_db *wdb, int64_t company, json_t *workers, int64_t ids[2],
                         socle_err *err)
{
	json_t *c = socle_db_query_one_new(wdb, "SELECT siren FROM membership_company WHERE id = :c",
	                                   json_pack("{s:I}", "c", (json_int_t)company), err);

	if (c == NULL)
		return err->code;
	for (size_t d = 0; d < SOCLE_COUNT(demo_depots); d++) {
		char siret[15];
		int headcount = 0;

		snprintf(siret, sizeof(siret), "%.9s%s0", json_string_value(json_object_get(c, "siren")),
		         demo_depots[d].nic);
		siret[13] = luhn_digit(siret, 13);
		for (size_t k = d + 1; k < json_array_size(workers); k += 3)
			headcount++;
		int rc = socle_db_run_new(wdb,
			"INSERT INTO membership_establishment (company_id, siret, name, address_line,"
			" postcode, city, headcount, created_at) VALUES (:c, :siret, :name, :address,"
			" :postcode, :city, :headcount, :now)",
			json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:i, s:I}", "c", (json_int_t)company,
			          "siret", siret, "name", demo_depots[d].name, "address",
			          demo_depots[d].address, "postcode", demo_depots[d].postcode, "city",
			          demo_depots[d].city, "headcount", headcount, "now",
			          (json_int_t)socle_now_ms()), err);
		if (rc < 0) {
			json_decref(c);
			return rc;
		}
		ids[d] = socle_db_last_insert_id(wdb);
	}
	json_decref(c);
	return 0;
}

static int workers_of_size(struct rng *r, enum size_class size, size_t index)
{
	if (index == 0)
		return 6;
	switch (size) {
	case SMALL:
		/* Skewed towards the smallest: half of the TPE have 1-3 workers. */
		return rng_chance(r, 50) ? rng_between(r, 1, 3) : rng_between(r, 4, 9);
	case MEDIUM:
		return rng_between(r, 10, 49);
	default:
		return rng_between(r, 60, 180);
	}
}

static int generate(socle_db *wdb, void *ud, socle_err *err)
{
	struct demo_run *run = ud;
	struct rng r = {UINT64_C(0x50434C45) /* "SOCLE"-ish, fixed forever */};
	int seq_by_year[DEMO_LAST_YEAR + 1 - 2015] = {0};
	char today[11];
	json_t *p = NULL;

	socle_date_today(today);
	/* Only into an empty service: demo data never mixes with real members. */
	json_t *row = socle_db_query_one(wdb, "SELECT COUNT(*) AS n FROM membership_company", NULL,
	                                 err);

	if (row == NULL)
		return err->code ? err->code : SOCLE_E_STORE;
	json_int_t existing = json_integer_value(json_object_get(row, "n"));

	json_decref(row);
	if (existing > 0)
		return 0;
	for (size_t i = 0; i < SOCLE_COUNT(models); i++) {
		const struct company_model *m = &models[i];
		int joined_year = i == 0 ? 2019 : rng_between(&r, 2015, DEMO_LAST_YEAR);
		int n = workers_of_size(&r, m->size, i);
		json_t *workers = json_array();
		int night = 0, minors = 0, apprentices = 0, rqth = 0, sir = 0;

		for (int k = 0; k < n; k++) {
			json_t *w = make_worker(&r, m, i, k, joined_year);

			if (w == NULL) {
				json_decref(workers);
				return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
			}
			json_array_append_new(workers, w);
			night += json_is_true(json_object_get(w, "night_worker"));
			rqth += json_is_true(json_object_get(w, "rqth"));
			apprentices += strcmp(json_string_value(json_object_get(w, "contract_type")),
			                      "apprentissage") == 0;
			minors += strcmp(json_string_value(json_object_get(w, "birth_date")), "2007-06-30") > 0;
			sir += m->sir != NULL && json_array_size(json_object_get(w, "exposures")) > 0;
		}
		json_t *exposures = json_array();

		if (m->sir)
			for (const char *const *s = m->sir; *s; s++)
				json_array_append_new(exposures, json_string(*s));
		for (const char *const *s = m->risks; s && *s; s++)
			json_array_append_new(exposures, json_string(*s));
		json_t *followup = json_pack("{s:i, s:i, s:i, s:i, s:i}", "night_workers", night,
		                             "under_18", minors, "apprentices", apprentices, "rqth",
		                             rqth, "sir_posts", sir);
		int64_t cid = insert_company(wdb, &r, m, i, joined_year, ++seq_by_year[joined_year - 2015],
		                             n, exposures, followup, err);

		json_decref(exposures);
		json_decref(followup);
		if (cid < 0) {
			json_decref(workers);
			return (int)cid;
		}
		size_t k;
		json_t *w;
		int64_t depots[2] = {0, 0};

		if (strcmp(m->name, DEMO_SITES_COMPANY) == 0 &&
		    insert_depots(wdb, cid, workers, depots, err) != 0) {
			json_decref(workers);
			return err->code;
		}
		json_array_foreach(workers, k, w) {
			json_t *errors = NULL;

			if (depots[0] != 0 && k % 3 != 0)
				json_object_set_new(w, "establishment_id", json_integer(depots[k % 3 - 1]));
			add_contact(w, i, k);

			/* The same checks as the API: a demo worker that the API would
			 * refuse is a bug here, reported with the field. */
			if (membership_worker_check(wdb, cid, w, false, NULL, &errors) > 0) {
				char *text = json_dumps(errors, JSON_COMPACT);

				socle_err_set(err, SOCLE_E_INTERNAL, "données de démonstration invalides "
				              "(entreprise %zu, salarié %zu) : %.150s", i + 1, k + 1,
				              text ? text : "?");
				free(text);
				json_decref(errors);
				json_decref(workers);
				return SOCLE_E_INTERNAL;
			}
			json_t *nw = membership_worker_normalize(w, NULL);
			int64_t wid;
			int rc = nw ? membership_worker_insert(wdb, NULL, cid, nw, today, "demo", &wid, err)
			            : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");

			json_decref(nw);
			if (rc != 0) {
				json_decref(workers);
				return rc;
			}
			run->workers++;
		}
		json_decref(workers);
		/* The first prevention score, from the answers, through the rule point. */
		int rc = membership_score_store_initial(wdb, run->svc, cid, err);

		if (rc != 0)
			return rc;
		run->companies++;
	}
	p = json_pack("{s:i, s:i}", "companies", run->companies, "workers", run->workers);
	struct socle_audit_entry e = {.action = "membership.demo_data", .object_type = "service",
	                              .outcome = "ok", .detail = p};
	int rc = socle_audit(wdb, NULL, &e, err);

	json_decref(p);
	return rc;
}

/* Employer users the core binds to a company (socle user add --company N)
 * but that membership_company_user does not know yet: administrateur (and
 * the other roles) of that company, so the demo login is meaningful. */
/* Bind one employer user the core knows for company @p company_id (row
 * {"id", "email", "display_name"} from socle_users_list) unless already there. */
static int bind_one(socle_db *wdb, int64_t company_id, const json_t *user, int *bound,
                    socle_err *err)
{
	json_t *p = json_pack("{s:I, s:O, s:O, s:O, s:I}", "company_id", (json_int_t)company_id,
	                      "user_id", json_object_get(user, "id"), "email",
	                      json_object_get(user, "email"), "display_name",
	                      json_object_get(user, "display_name"), "now",
	                      (json_int_t)socle_now_ms());
	int rc = p ? socle_db_run(wdb,
		"INSERT INTO membership_company_user (company_id, user_id, email, name, role_admin,"
		" role_declaration, role_convocation, role_billing, invited_at, invited_by)"
		" VALUES (:company_id, :user_id, :email, :display_name, 1, 1, 1, 1, :now, NULL)"
		" ON CONFLICT (company_id, user_id) DO NOTHING", p, err)
	           : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");

	json_decref(p);
	if (rc <= 0) /* 0 rows: bound already */
		return rc;
	json_t *detail = json_pack("{s:O, s:s}", "user_id", json_object_get(user, "id"), "role",
	                           MEMBERSHIP_ROLE_ADMIN);
	struct socle_audit_entry e = {.action = "membership.demo_data", .object_type = "company",
	                              .object_id = company_id, .outcome = "ok", .detail = detail};

	rc = socle_audit(wdb, NULL, &e, err);
	json_decref(detail);
	if (rc == 0)
		(*bound)++;
	return rc;
}

/* Employer users the core binds to a company (socle user add --company N)
 * but that membership_company_user does not know yet: administrateur (and
 * the other roles) of that company, so the demo login is meaningful. The
 * core's users are read through its API (socle_users_list), never its tables. */
static int bind_employers(socle_db *wdb, void *ud, socle_err *err)
{
	int *bound = ud;
	json_t *companies = socle_db_query(wdb, "SELECT id FROM membership_company ORDER BY id",
	                                   NULL, err);
	size_t i;
	json_t *c;
	int rc = 0;

	if (companies == NULL)
		return err->code ? err->code : SOCLE_E_STORE;
	json_array_foreach(companies, i, c) {
		int64_t company_id = json_integer_value(json_object_get(c, "id"));
		json_t *users = socle_users_list(wdb, SOCLE_ROLE_BIT(SOCLE_ROLE_EMPLOYER), "company",
		                                 company_id, 0, 100, err);
		size_t j;
		json_t *u;

		if (users == NULL) {
			rc = err->code ? err->code : SOCLE_E_STORE;
			break;
		}
		json_array_foreach(users, j, u) {
			if ((rc = bind_one(wdb, company_id, u, bound, err)) < 0)
				break;
		}
		json_decref(users);
		if (rc < 0)
			break;
	}
	json_decref(companies);
	return rc < 0 ? rc : 0;
}

int membership_demo_start(socle_plugin *p, socle_err *err)
{
	socle_core *core = socle_plugin_core(p);

	for (size_t i = 0; i < socle_core_service_count(core); i++) {
		socle_service *svc = socle_core_service_at(core, i);

		if (!socle_service_enables(svc, socle_plugin_name(p)) ||
		    !json_is_true(json_object_get(membership_settings(svc), "demo_data")))
			continue;
		struct demo_run run = {.svc = svc};
		int bound = 0, rc;

		if ((rc = socle_service_write(svc, generate, &run, err)) != 0 ||
		    (rc = socle_service_write(svc, bind_employers, &bound, err)) != 0) {
			char msg[sizeof(err->msg)];

			snprintf(msg, sizeof(msg), "%s", err->msg);
			return socle_err_set(err, rc, "service %s, données de démonstration : %s",
			                     socle_service_id(svc), msg);
		}
		if (run.companies > 0 || bound > 0)
			socle_log(SOCLE_LOG_INFO, "service %s : données de démonstration, %d entreprise(s), "
			          "%d salarié(s), %d compte(s) employeur rattaché(s)", socle_service_id(svc),
			          run.companies, run.workers, bound);
	}
	return 0;
}
