/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The mails of a registration to a session (sessions.c): convocation, place
 * on the waiting list, reminder. Two texts, for two readers:
 *   - the company (its contact and employer users) reads who is convoked
 *     and that it may cancel from its espace adhérent;
 *   - the participant reads that he is convoked: a worker at the addresses
 *     that are his (his employee accounts, then the convocation e-mail his
 *     employer declared for him in membership, which serves convocations
 *     only), addressed by the civility he gave; someone registered by name
 *     at the e-mail given with the registration.
 * Both are signed with the service's name and how to reach it. */
#include <stdio.h>
#include <strings.h>

#include "awareness.h"

struct mail_words {
	const char *subject_lead, *company_lead, *person_lead, *company_end, *person_end;
};

static void words_of(const char *category, bool feminine, bool known, struct mail_words *w)
{
	bool waiting = strcmp(category, "liste_attente") == 0, reminder = strcmp(category, "rappel") == 0;

	w->subject_lead = waiting ? "Liste d'attente" : reminder ? "Rappel" : "Convocation";
	w->company_lead = waiting ? "est inscrit(e) sur la liste d'attente de"
	                  : reminder ? "est attendu(e) bientôt à" : "est convoqué(e) à";
	w->person_lead = waiting ? (known ? (feminine ? "vous êtes inscrite sur la liste d'attente de"
	                                              : "vous êtes inscrit sur la liste d'attente de")
	                                  : "vous êtes inscrit(e) sur la liste d'attente de")
	                 : reminder ? (known ? (feminine ? "vous êtes attendue bientôt à"
	                                                 : "vous êtes attendu bientôt à")
	                                     : "vous êtes attendu(e) bientôt à")
	                 : known ? (feminine ? "vous êtes convoquée à" : "vous êtes convoqué à")
	                         : "vous êtes convoqué(e) à";
	w->company_end = waiting ? "Vous recevrez une convocation dès qu'une place se libère."
	                 : "En cas d'empêchement, annulez l'inscription depuis votre espace adhérent : "
	                   "la place revient à la personne suivante de la liste d'attente.";
	w->person_end = waiting ? "Vous recevrez une convocation dès qu'une place se libère."
	                : "En cas d'empêchement, prévenez votre employeur ou le service : la place "
	                  "revient à la personne suivante de la liste d'attente.";
}

/* The service's signature: its name, then its phone and e-mail when given. */
static void signature(socle_service *svc, char *out, size_t size)
{
	const json_t *id = socle_service_identity(svc);
	const char *name = json_string_value(json_object_get(id, "name"));
	const char *phone = json_string_value(json_object_get(id, "phone"));
	const char *email = json_string_value(json_object_get(id, "email"));

	snprintf(out, size, "%s%s%s%s%s", name ? name : "Le service de santé au travail",
	         phone ? "\nTéléphone : " : "", phone ? phone : "", email ? "\nCourriel : " : "",
	         email ? email : "");
}

static bool listed(const json_t *list, const char *email)
{
	size_t i;
	const json_t *v;

	json_array_foreach(list, i, v)
		if (strcasecmp(json_string_value(v), email) == 0)
			return true;
	return false;
}

/* The participant's own addresses (none already among @p company's) and how
 * to greet him, in @p greeting. */
static json_t *participant_addresses(socle_db *db, const json_t *card, const json_t *company,
                                     char *greeting, size_t size, bool *known, bool *feminine,
                                     socle_err *err)
{
	json_int_t worker = json_integer_value(json_object_get(card, "worker_id"));
	const char *own = json_string_value(json_object_get(card, "email"));
	json_t *to = json_array();

	*known = *feminine = false;
	snprintf(greeting, size, "Bonjour %s,", json_string_value(json_object_get(card, "name")));
	if (worker > 0) {
		json_t *accounts = socle_users_list(db, SOCLE_ROLE_BIT(SOCLE_ROLE_EMPLOYEE), "worker",
		                                    worker, 0, 5, err);
		json_t *contact = accounts ? awareness_membership->worker_contact(db, worker, err) : NULL;
		json_t *w = contact ? awareness_membership->worker_get(db, worker, err) : NULL;
		size_t i;
		json_t *a;

		if (w == NULL) {
			json_decref(accounts);
			json_decref(contact);
			json_decref(to);
			return NULL;
		}
		json_array_foreach(accounts, i, a) {
			const char *e = json_string_value(json_object_get(a, "email"));
			if (e && !listed(company, e) && !listed(to, e))
				json_array_append_new(to, json_string(e));
		}
		const char *e = json_string_value(json_object_get(contact, "email"));
		if (e && !listed(company, e) && !listed(to, e))
			json_array_append_new(to, json_string(e));
		const char *civility = json_string_value(json_object_get(contact, "civility"));
		if (civility) {
			*known = true;
			*feminine = strcmp(civility, "madame") == 0;
			snprintf(greeting, size, "Bonjour %s %s,", *feminine ? "Madame" : "Monsieur",
			         json_string_value(json_object_get(w, "last_name")));
		}
		json_decref(accounts);
		json_decref(contact);
		json_decref(w);
	}
	if (own && !listed(company, own) && !listed(to, own))
		json_array_append_new(to, json_string(own));
	return to;
}

static int queue_all(socle_db *wdb, const json_t *to, const char *subject, const char *text,
                     const char *category, int64_t send_at, socle_err *err)
{
	size_t i;
	json_t *addr;

	json_array_foreach(to, i, addr) {
		struct socle_mail m = {.to = json_string_value(addr), .subject = subject, .text = text,
		                       .category = category};
		int64_t job = socle_mail_queue(wdb, &m, send_at, err);
		if (job < 0)
			return (int)job;
	}
	return 0;
}

/* Who reads a mail about one registration, and how it is signed: the
 * company's addresses, the participant's own, his greeting. */
struct readers {
	json_t *company, *person;
	char sign[512], greeting[256];
	bool known, feminine;
};

static int readers_open(socle_db *wdb, const json_t *card, struct readers *r, socle_err *err)
{
	*r = (struct readers){0};
	signature(socle_db_service(wdb), r->sign, sizeof(r->sign));
	r->company = awareness_company_emails(
		wdb, json_integer_value(json_object_get(card, "company_id")), err);
	r->person = r->company ? participant_addresses(wdb, card, r->company, r->greeting,
	                                               sizeof(r->greeting), &r->known, &r->feminine,
	                                               err)
	                       : NULL;
	if (r->person == NULL) {
		json_decref(r->company);
		r->company = NULL;
		return err->code ? err->code : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	}
	return 0;
}

/* Queue @p company_text to the company and @p person_text (NULL when the
 * participant has no address of his own) to him; both texts are freed, and
 * so are the readers. A text asprintf could not make is NULL: out of memory. */
static int readers_send(socle_db *wdb, struct readers *r, const char *subject,
                        char *company_text, char *person_text, const char *category,
                        int64_t send_at, socle_err *err)
{
	int rc = 0;

	if (company_text == NULL || (json_array_size(r->person) > 0 && person_text == NULL))
		rc = socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	if (rc == 0)
		rc = queue_all(wdb, r->company, subject, company_text, category, send_at, err);
	if (rc == 0 && person_text)
		rc = queue_all(wdb, r->person, subject, person_text, category, send_at, err);
	free(company_text);
	free(person_text);
	json_decref(r->company);
	json_decref(r->person);
	*r = (struct readers){0};
	return rc;
}

/* The session's day and hour in French, from its "YYYY-MM-DDTHH:MM". */
static void when_fr(const char *starts, char day[SOCLE_DATE_FR_SIZE], char hour[16])
{
	socle_date_fr(starts, day);
	socle_time_fr((starts[11] - '0') * 10 + starts[12] - '0',
	              (starts[14] - '0') * 10 + starts[15] - '0', hour);
}

int awareness_mail_registration(socle_db *wdb, const json_t *card, const char *category,
                                int64_t send_at, socle_err *err)
{
	const char *title = json_string_value(json_object_get(card, "title"));
	const char *place = json_string_value(json_object_get(card, "place"));
	const char *link = json_string_value(json_object_get(card, "link"));
	const char *name = json_string_value(json_object_get(card, "name"));
	const char *objectives = json_string_value(json_object_get(card, "objectives"));
	long long minutes = (long long)json_integer_value(json_object_get(card, "duration_min"));
	char day[SOCLE_DATE_FR_SIZE], hour[16], subject[512];
	char *company_text = NULL, *person_text = NULL;
	struct mail_words w;
	struct readers r;

	when_fr(json_string_value(json_object_get(card, "starts_at")), day, hour);
	if (readers_open(wdb, card, &r, err) != 0)
		return err->code;
	words_of(category, r.feminine, r.known, &w);
	snprintf(subject, sizeof(subject), "%s : %s le %s", w.subject_lead, title, day);
	const char *where = place ? "Lieu : " : "Lien : ";
	const char *there = place ? place : link ? link : "communiqué par le service";
	if (asprintf(&company_text,
	             "Bonjour,\n\n%s %s l'action de sensibilisation « %s », le %s à %s (%lld min).\n"
	             "%s%s\n\nObjectifs : %s\n\n%s\n\n%s\n",
	             name, w.company_lead, title, day, hour, minutes, where, there, objectives,
	             w.company_end, r.sign) < 0)
		company_text = NULL;
	if (json_array_size(r.person) > 0 &&
	    asprintf(&person_text,
	             "%s\n\n%s l'action de sensibilisation « %s », le %s à %s (%lld min).\n"
	             "%s%s\n\nObjectifs : %s\n\n%s\n\n%s\n",
	             r.greeting, w.person_lead, title, day, hour, minutes, where, there, objectives,
	             w.person_end, r.sign) < 0)
		person_text = NULL;
	/* "vous êtes" opens the sentence after the greeting: its capital. */
	if (person_text) {
		char *v = strstr(person_text, "\n\nvous ");
		if (v)
			v[2] = 'V';
	}
	return readers_send(wdb, &r, subject, company_text, person_text, category, send_at, err);
}

int awareness_mail_session_cancelled(socle_db *wdb, const json_t *card, const char *reason,
                                     socle_err *err)
{
	const char *title = json_string_value(json_object_get(card, "title"));
	const char *name = json_string_value(json_object_get(card, "name"));
	char day[SOCLE_DATE_FR_SIZE], hour[16], subject[512];
	char *company_text = NULL, *person_text = NULL;
	struct readers r;

	when_fr(json_string_value(json_object_get(card, "starts_at")), day, hour);
	if (readers_open(wdb, card, &r, err) != 0)
		return err->code;
	snprintf(subject, sizeof(subject), "Annulation : %s le %s", title, day);
	if (asprintf(&company_text,
	             "Bonjour,\n\nLa session de l'action de sensibilisation « %s » du %s à %s, à "
	             "laquelle %s était inscrit(e), est annulée par le service.\nMotif : %s\n\n"
	             "Les autres sessions ouvertes à votre entreprise sont dans votre espace "
	             "adhérent.\n\n%s\n", title, day, hour, name, reason, r.sign) < 0)
		company_text = NULL;
	if (json_array_size(r.person) > 0 &&
	    asprintf(&person_text,
	             "%s\n\nLa session de l'action de sensibilisation « %s » du %s à %s, à "
	             "laquelle vous étiez inscrit%s, est annulée par le service.\nMotif : %s\n\n"
	             "Vous n'avez rien à faire : votre employeur en est informé.\n\n%s\n",
	             r.greeting, title, day, hour, r.known ? (r.feminine ? "e" : "") : "(e)", reason,
	             r.sign) < 0)
		person_text = NULL;
	return readers_send(wdb, &r, subject, company_text, person_text, "annulation", 0, err);
}

int awareness_mail_feedback_invitation(socle_db *wdb, const json_t *card, socle_err *err)
{
	socle_service *svc = socle_db_service(wdb);
	const char *title = json_string_value(json_object_get(card, "title"));
	const char *name = json_string_value(json_object_get(card, "name"));
	char path[160], subject[512];
	char *company_text = NULL, *person_text = NULL;
	struct readers r;
	int rc;

	snprintf(path, sizeof(path), "/%s/awareness/mes-sensibilisations.html", socle_service_id(svc));
	char *own_space = socle_service_url(svc, path);
	snprintf(path, sizeof(path), "/%s/awareness/ateliers.html", socle_service_id(svc));
	char *company_space = socle_service_url(svc, path);
	if (own_space == NULL || company_space == NULL)
		rc = socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	else if ((rc = readers_open(wdb, card, &r, err)) == 0) {
		snprintf(subject, sizeof(subject), "Votre avis sur « %s »", title);
		if (asprintf(&company_text,
		             "Bonjour,\n\n%s a participé à l'action de sensibilisation « %s ». Son avis "
		             "nous aide à l'améliorer : sa satisfaction, l'utilité pour son travail (deux "
		             "questions, une minute).\nS'il n'a pas d'espace salarié, vous pouvez répondre "
		             "avec lui depuis votre espace adhérent, rubrique Sensibilisation :\n%s\n\n%s\n",
		             name, title, company_space, r.sign) < 0)
			company_text = NULL;
		if (json_array_size(r.person) > 0 &&
		    asprintf(&person_text,
		             "%s\n\nMerci d'avoir participé à l'action de sensibilisation « %s ». Votre "
		             "avis nous aide à l'améliorer : votre satisfaction et l'utilité pour votre "
		             "travail (deux questions, une minute), depuis votre espace salarié, rubrique "
		             "« Mes sensibilisations » :\n%s\n\n%s\n",
		             r.greeting, title, own_space, r.sign) < 0)
			person_text = NULL;
		rc = readers_send(wdb, &r, subject, company_text, person_text, "questionnaire", 0, err);
	}
	free(own_space);
	free(company_space);
	return rc;
}
