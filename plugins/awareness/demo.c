/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Demo data: when a service's awareness settings say "demo_data": true and
 * its catalogue is empty, start() adds a few actions (a workshop on noise
 * with a quiz, an e-learning course on musculoskeletal disorders, a webinar
 * on road risk, a document on screen work) and sessions of the workshop and
 * the webinar two and four weeks after the day of the start, so that a
 * demonstration has something to register to, and two accredited training
 * bodies in the directory. One write, audited. */
#include "awareness.h"

struct demo_action {
	const char *kind, *title, *format, *url, *audience, *objectives, *risks, *divisions;
	int duration, quiz;
	int session_in_days; /* 0: no session */
	const char *session_time, *place, *link;
};

static const struct demo_action demo_actions[] = {
	{"atelier", "Le bruit au travail : comprendre et se protéger", "service", NULL,
	 "[\"salaries\",\"employeurs\"]",
	 "Connaître les effets du bruit sur la santé, lire une mesure, choisir et porter ses "
	 "protections auditives.", "[\"bruit\"]", "[\"43\",\"25\",\"16\"]", 120, 1, 14, "09:00",
	 "Centre du service, salle Ramazzini", NULL},
	{"elearning", "Prévenir les TMS : gestes et postures", NULL,
	 "https://formation.spsti.example/tms", "[\"salaries\"]",
	 "Repérer les situations à risque de troubles musculo-squelettiques et adopter les bons "
	 "gestes.", "[\"port_de_charges\",\"gestes_repetitifs\"]", "[]", 45, 0, 0, NULL, NULL, NULL},
	{"webinaire", "Le risque routier professionnel", NULL, "https://webinaires.spsti.example",
	 "[\"employeurs\",\"salaries_designes\"]",
	 "Évaluer le risque routier de l'entreprise et organiser les déplacements.",
	 "[\"risque_routier\"]", "[\"49\",\"43\"]", 90, 0, 28, "14:00", NULL,
	 "https://visio.spsti.example/risque-routier"},
	{"document", "Travail sur écran : bien régler son poste", NULL,
	 "https://www.spsti.example/documents/ecran.pdf", "[\"salaries\"]",
	 "Régler écran, siège et éclairage ; les pauses visuelles.", "[\"travail_sur_ecran\"]",
	 "[\"62\",\"69\",\"70\"]", 0, 0, 0, NULL, NULL, NULL},
};

static int demo_write(socle_db *wdb, void *ud, socle_err *err)
{
	int *added = ud;
	json_t *n = socle_db_query_one_new(wdb, "SELECT count(*) AS n FROM awareness_action",
	                                   json_object(), err);

	if (n == NULL)
		return err->code;
	json_int_t existing = json_integer_value(json_object_get(n, "n"));
	json_decref(n);
	if (existing > 0)
		return 0; /* a catalogue exists: never touched */
	char today[SOCLE_DATE_SIZE];
	socle_date_today(today);
	for (size_t i = 0; i < SOCLE_COUNT(demo_actions); i++) {
		const struct demo_action *a = &demo_actions[i];
		int rc = socle_db_run_new(wdb,
			"INSERT INTO awareness_action (kind, title, format, url, audience, duration_min,"
			" objectives, risks, naf_divisions, has_quiz, created_at, created_by) VALUES (:kind,"
			" :title, :format, :url, :audience, :duration, :objectives, :risks, :divisions, :quiz,"
			" :now, 0)",
			json_pack("{s:s, s:s, s:s?, s:s?, s:s, s:o, s:s, s:s, s:s, s:i, s:I}", "kind", a->kind,
			          "title", a->title, "format", a->format, "url", a->url, "audience",
			          a->audience, "duration", a->duration ? json_integer(a->duration) : json_null(),
			          "objectives", a->objectives, "risks", a->risks, "divisions", a->divisions,
			          "quiz", a->quiz, "now", (json_int_t)socle_now_ms()), err);
		if (rc < 0)
			return rc;
		if (a->session_in_days == 0)
			continue;
		char day[SOCLE_DATE_SIZE], starts[32];
		socle_date_add_days(today, a->session_in_days, day);
		snprintf(starts, sizeof(starts), "%sT%s", day, a->session_time);
		rc = socle_db_run_new(wdb,
			"INSERT INTO awareness_session (action_id, starts_at, duration_min, place, link,"
			" capacity, speaker, created_at, created_by) VALUES (:action, :starts, :duration,"
			" :place, :link, 12, 'Équipe prévention du service', :now, 0)",
			json_pack("{s:I, s:s, s:i, s:s?, s:s?, s:I}", "action",
			          (json_int_t)socle_db_last_insert_id(wdb), "starts", starts, "duration",
			          a->duration, "place", a->place, "link", a->link, "now",
			          (json_int_t)socle_now_ms()), err);
		if (rc < 0)
			return rc;
	}
	/* Two accredited bodies in the directory, so that a designated employee
	 * can be referred to one (3.4.3) in the demonstration. */
	static const char *const bodies[][4] = {
		{"Formaprev Rhône", "Organisme certifié Qualiopi", "Lyon", "contact@formaprev.example"},
		{"Institut Prévention Sud-Est", "Organisme certifié Qualiopi, habilité INRS", "Villeurbanne",
		 "formations@ipse.example"},
	};
	for (size_t i = 0; i < SOCLE_COUNT(bodies); i++) {
		int rc = socle_db_run_new(wdb,
			"INSERT INTO awareness_training_body (name, accreditation, city, email, created_at)"
			" VALUES (:name, :accreditation, :city, :email, :now)",
			json_pack("{s:s, s:s, s:s, s:s, s:I}", "name", bodies[i][0], "accreditation",
			          bodies[i][1], "city", bodies[i][2], "email", bodies[i][3], "now",
			          (json_int_t)socle_now_ms()), err);
		if (rc < 0)
			return rc;
	}
	*added = (int)SOCLE_COUNT(demo_actions);
	struct socle_audit_entry e = {.action = "awareness.demo_data", .object_type = "service",
	                              .outcome = "ok"};
	return socle_audit(wdb, NULL, &e, err);
}

int awareness_demo_start(socle_plugin *p, socle_err *err)
{
	socle_core *core = socle_plugin_core(p);

	for (size_t i = 0; i < socle_core_service_count(core); i++) {
		socle_service *svc = socle_core_service_at(core, i);
		int added = 0;

		if (!socle_service_enables(svc, "awareness") ||
		    !json_is_true(json_object_get(socle_service_settings(svc, p), "demo_data")))
			continue;
		int rc = socle_service_write(svc, demo_write, &added, err);
		if (rc != 0)
			return rc;
		if (added)
			socle_log(SOCLE_LOG_INFO, "service %s : sensibilisation, %d action(s) de démonstration",
			          socle_service_id(svc), added);
	}
	return 0;
}
