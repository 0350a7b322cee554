/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* What convocation.c (the jobs, the recipients, the attachments) and
 * convocation_text.c (the words) share. Internal to the plugin. */
#ifndef SOCLE_PLUGIN_TRACKING_CONVOCATION_H
#define SOCLE_PLUGIN_TRACKING_CONVOCATION_H

#include <stdio.h>

#include "planning.h"

/* "le médecin du travail" or "l'infirmier(e) en santé au travail". */
const char *tracking_role_phrase(const char *role);
/* "jeudi 20 mars 2025 à 9 h 00" from "2025-03-20T09:00". */
void tracking_french_when(const char *starts_at, char *out, size_t n);
/* Where the visit takes place: the site and its street address from the
 * setting sites ({"Villeurbanne": "5 avenue Henri Barbusse\n69100
 * Villeurbanne"}), on one line; the site alone when the setting has none. */
void tracking_site_place(socle_service *svc, const char *site, char *out, size_t n);
/* The worker as documents and mails name him: @p display "Madame Léa Roux"
 * (or "Léa Roux" without a civility), @p greeting "Madame Roux" (or "Léa
 * Roux"). Either may be NULL. */
void tracking_worker_names(const char *civility, const char *first, const char *last,
                           char *display, size_t dn, char *greeting, size_t gn);
/* What the visit costs the worker and how to cancel it (the worker's mail and
 * the PDF, one line per paragraph). */
void tracking_convocation_closing(FILE *f, const json_t *ctx);
/* The mail body of a convocation (a reminder when @p days_before > 0), to the
 * employer or to the worker; the caller frees it. @p ctx: service, greeting,
 * worker_display, civility, company, label, slot, place, contact,
 * cutoff_hours, request_id, type, hidden. */
char *tracking_convocation_body(const json_t *ctx, const json_t *text, int days_before,
                                bool employer);
/* The cancellation's body, naming the worker (@p card: tracking_worker_card;
 * @p contact: membership's worker_contact, may be NULL). */
char *tracking_cancel_body(socle_service *svc, const json_t *card, const json_t *contact,
                           const char *label, const char *when, int64_t request_id,
                           bool employer);

#endif
