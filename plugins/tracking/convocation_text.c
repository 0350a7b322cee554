/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The words of the convocations, reminders and cancellations (convocation.c
 * sends them): one text for the worker ("Bonjour Madame Roux,", what to
 * bring, what the visit costs him) and one written to the employer ("Madame,
 * Monsieur,", what he is asked to do: let the worker go, hand him the
 * convocation), both with the day and hour as people write them ("9 h 00"),
 * the site's street address (setting sites) and how to reach the service (its
 * identity: name, address, phone, e-mail), never only a no-reply address.
 * Nothing medical: the employer's text never carries the steps the rule
 * point writes for the worker. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convocation.h"

const char *tracking_role_phrase(const char *role)
{
	return role && strcmp(role, "medecin") == 0 ? "le médecin du travail"
	                                            : "l'infirmier(e) en santé au travail";
}

/* "mercredi 19 mars 2025 à 9 h 30" from "2025-03-19T09:30". */
void tracking_french_when(const char *starts_at, char *out, size_t n)
{
	static const char *const days[7] = {"lundi", "mardi", "mercredi", "jeudi",
	                                    "vendredi", "samedi", "dimanche"};
	char date[SOCLE_DATE_FR_SIZE], time[16];
	int y, m, d;

	if (!date_parts(starts_at, &y, &m, &d) || strlen(starts_at) != 16) {
		snprintf(out, n, "%s", starts_at ? starts_at : "");
		return;
	}
	int64_t z = socle_date_from_civil(y, m, d);

	socle_date_fr(starts_at, date);
	socle_time_fr(atoi(starts_at + 11), atoi(starts_at + 14), time);
	snprintf(out, n, "%s %s à %s", days[((z % 7) + 7 + 3) % 7], date, time);
}

/* @p in with its line breaks written ", " (an address on one line). */
static void one_line(const char *in, char *out, size_t n)
{
	size_t k = 0;

	for (; in && *in && k + 3 < n; in++) {
		if (*in == '\n') {
			out[k++] = ',';
			out[k++] = ' ';
		} else if (*in != '\r') {
			out[k++] = *in;
		}
	}
	out[k] = '\0';
}

void tracking_service_contact(socle_service *svc, char *out, size_t n)
{
	const json_t *id = socle_service_identity(svc);
	char address[600] = "";
	const char *legal = sget(id, "legal_name") ? sget(id, "legal_name") : socle_service_name(svc);

	one_line(sget(id, "address"), address, sizeof(address));
	snprintf(out, n, "%s%s%s%s%s%s%s", legal, address[0] ? ", " : "", address,
	         sget(id, "phone") ? ", tél. " : "", sget(id, "phone") ? sget(id, "phone") : "",
	         sget(id, "email") ? ", " : "", sget(id, "email") ? sget(id, "email") : "");
}

void tracking_site_place(socle_service *svc, const char *site, char *out, size_t n)
{
	const json_t *sites = json_object_get(socle_service_settings(svc, tracking_plugin), "sites");
	const char *address = site ? json_string_value(json_object_get(sites, site)) : NULL;
	char line[600] = "";

	if (sites != NULL && !json_is_object(sites))
		socle_log(SOCLE_LOG_WARN, "service %s : réglage tracking.sites invalide (objet "
		          "{\"site\": \"adresse\"} attendu) : adresses des sites ignorées",
		          socle_service_id(svc));
	one_line(address, line, sizeof(line));
	snprintf(out, n, "%s%s%s", site ? site : "", line[0] ? ", " : "", line);
}

void tracking_worker_names(const char *civility, const char *first, const char *last,
                           char *display, size_t dn, char *greeting, size_t gn)
{
	const char *title = civility && strcmp(civility, "madame") == 0     ? "Madame"
	                    : civility && strcmp(civility, "monsieur") == 0 ? "Monsieur"
	                                                                    : NULL;

	first = first ? first : "";
	last = last ? last : "";
	if (display)
		snprintf(display, dn, "%s%s%s %s", title ? title : "", title ? " " : "", first, last);
	if (greeting && title)
		snprintf(greeting, gn, "%s %s", title, last);
	else if (greeting)
		snprintf(greeting, gn, "%s %s", first, last);
}

/* "salariée", "salarié" or "salarié(e)" as the civility says. */
static const char *employee_word(const json_t *ctx)
{
	const char *c = sget(ctx, "civility");

	return c && strcmp(c, "madame") == 0 ? "salariée"
	       : c && strcmp(c, "monsieur") == 0 ? "salarié"
	                                         : "salarié(e)";
}

void tracking_convocation_closing(FILE *f, const json_t *ctx)
{
	const char *type = sget(ctx, "type") ? sget(ctx, "type") : "";
	if (strcmp(type, "pre_reprise") == 0)
		/* The worker is on sick leave: not "pendant le temps de travail". */
		fprintf(f, "Cette visite a lieu pendant votre arrêt de travail, qu'elle n'interrompt "
		           "pas. Votre employeur n'en est pas informé par le service : seules les "
		           "recommandations du médecin du travail pour votre retour peuvent lui être "
		           "transmises, et seulement si vous ne vous y opposez pas (R4624-29, "
		           "R4624-30).\n");
	else if (strcmp(type, "rendez_vous_liaison") == 0)
		fprintf(f, "Ce rendez-vous a lieu pendant l'arrêt de travail du salarié, qu'il "
		           "n'interrompt pas ; le salarié peut le refuser sans conséquence (L1226-1-3, "
		           "D1226-8-1).\n");
	else
		fprintf(f, "La visite a lieu pendant le temps de travail ; le temps passé et les frais "
		           "de transport sont pris en charge par l'employeur (R4624-39).%s\n",
		        json_is_true(json_object_get(ctx, "hidden"))
		                ? " Votre employeur n'est pas informé de votre demande par le service "
		                  "(R4624-34)."
		                : "");
	fprintf(f, "En cas d'empêchement, prévenez le service au plus tôt, et au moins %" PRId64
	           " heures avant la visite.\n", iget(ctx, "cutoff_hours"));
}

/* The visit's facts, the same lines in both texts. */
static void visit_lines(FILE *f, const json_t *ctx)
{
	const json_t *slot = json_object_get(ctx, "slot");
	char when[96];

	tracking_french_when(sget(slot, "starts_at"), when, sizeof(when));
	fprintf(f, "Type de visite : %s\n", sget(ctx, "label"));
	fprintf(f, "Date et heure : %s (durée prévue : %" PRId64 " minutes)\n", when,
	        iget(slot, "duration_min"));
	if (strcmp(sget(slot, "mode") ? sget(slot, "mode") : "", "teleconsultation") == 0)
		fprintf(f, "Lieu : téléconsultation (le lien de connexion vous sera communiqué par le "
		           "service)\n");
	else
		fprintf(f, "Lieu : %s\n", sget(ctx, "place"));
	fprintf(f, "Avec : %s\n\n", tracking_role_phrase(sget(slot, "role")));
}

/* The worker's text: to him, with the objectives and the steps (what to
 * bring) the rule point wrote. */
static void worker_text(FILE *f, const json_t *ctx, const json_t *text)
{
	const json_t *s;
	size_t i;

	fprintf(f, "%s vous convoque à la visite suivante.\n\n", sget(ctx, "service"));
	visit_lines(f, ctx);
	fprintf(f, "Objectifs de la visite\n%s\n\nDéroulement\n", sget(text, "objectives"));
	json_array_foreach(json_object_get(text, "steps"), i, s)
		fprintf(f, "%zu. %s\n", i + 1, json_string_value(s));
	fputc('\n', f);
	tracking_convocation_closing(f, ctx);
}

/* The employer's text: what he is asked to do, nothing addressed to the
 * worker (the steps say "apportez vos lunettes"). A visit kept from him
 * never reaches this text (notice_recipients). */
static void employer_text(FILE *f, const json_t *ctx)
{
	const char *type = sget(ctx, "type") ? sget(ctx, "type") : "";
	const char *who = sget(ctx, "worker_display");

	fprintf(f, "%s convoque votre %s %s (%s) à la visite suivante.\n\n", sget(ctx, "service"),
	        employee_word(ctx), who, sget(ctx, "company"));
	visit_lines(f, ctx);
	fprintf(f, "Ce que nous vous demandons\n");
	if (strcmp(type, "rendez_vous_liaison") == 0)
		fprintf(f, "- Ce rendez-vous a lieu pendant l'arrêt de travail du salarié, qu'il "
		           "n'interrompt pas ; %s peut le refuser sans conséquence (L1226-1-3, "
		           "D1226-8-1).\n", who);
	else
		fprintf(f, "- Permettre à %s de se rendre à la visite : elle a lieu pendant le temps "
		           "de travail ; le temps passé et les frais de transport sont à votre charge "
		           "(R4624-39).\n", who);
	fprintf(f, "- Lui remettre la convocation jointe s'il ou elle ne l'a pas reçue "
	           "directement.\n");
	fprintf(f, "- En cas d'empêchement, prévenir le service au plus tôt, et au moins %" PRId64
	           " heures avant la visite (au-delà, l'annulation en ligne n'est plus possible : "
	           "appelez le service).\n", iget(ctx, "cutoff_hours"));
}

char *tracking_convocation_body(const json_t *ctx, const json_t *text, int days_before,
                                bool employer)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (f == NULL)
		return NULL;
	if (employer)
		fprintf(f, "Madame, Monsieur,\n\n");
	else
		fprintf(f, "Bonjour %s,\n\n", sget(ctx, "greeting"));
	if (days_before > 0)
		fprintf(f, "Rappel : la visite ci-dessous a lieu dans %d jour%s.\n\n", days_before,
		        days_before > 1 ? "s" : "");
	if (employer)
		employer_text(f, ctx);
	else
		worker_text(f, ctx, text);
	fprintf(f, "\nPour joindre le service : %s\n", sget(ctx, "contact"));
	fprintf(f, "Référence de la demande : %" PRId64 "\n", iget(ctx, "request_id"));
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

char *tracking_cancel_body(socle_service *svc, const json_t *card, const json_t *contact,
                           const char *label, const char *when, int64_t request_id,
                           bool employer)
{
	char display[300], greeting[300], reach[1000], *text = NULL;

	tracking_worker_names(sget(contact, "civility"), sget(card, "first_name"),
	                      sget(card, "last_name"), display, sizeof(display), greeting,
	                      sizeof(greeting));
	tracking_service_contact(svc, reach, sizeof(reach));
	int n = employer
	        ? asprintf(&text, "Madame, Monsieur,\n\n%s vous informe que la visite « %s » de %s "
	                   "(%s), prévue le %s, est annulée.\nUne nouvelle convocation vous sera "
	                   "adressée si la visite est reprogrammée.\n\nPour joindre le service : "
	                   "%s\nRéférence de la demande : %" PRId64 "\n",
	                   socle_service_name(svc), label, display,
	                   sget(card, "legal_name") ? sget(card, "legal_name") : "", when, reach,
	                   request_id)
	        : asprintf(&text, "Bonjour %s,\n\n%s vous informe que votre visite « %s », prévue "
	                   "le %s, est annulée.\nUne nouvelle convocation vous sera adressée si la "
	                   "visite est reprogrammée.\n\nPour joindre le service : %s\nRéférence de "
	                   "la demande : %" PRId64 "\n",
	                   greeting, socle_service_name(svc), label, when, reach, request_id);
	return n < 0 ? NULL : text;
}
