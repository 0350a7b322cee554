/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* What the company files share (company.c, application.c, review.c,
 * invitation.c, company_users.c, satisfaction.c), beside the plugin's
 * interface of membership.h. Internal to the plugin (hidden visibility). */
#ifndef SOCLE_PLUGIN_MEMBERSHIP_COMPANY_H
#define SOCLE_PLUGIN_MEMBERSHIP_COMPANY_H

#include "membership.h"

/* The membership desk's capability (declared in company.c). */
#define MEMBERSHIP_CAP_REVIEW "membership.review"

/* Each file of the company area registers its own routes (membership.c calls
 * them after membership_company_init, which declares the capability). */
int membership_application_init(socle_plugin *p, socle_err *err);
int membership_review_init(socle_plugin *p, socle_err *err);
int membership_invitation_init(socle_plugin *p, socle_err *err);
int membership_company_users_init(socle_plugin *p, socle_err *err);
int membership_satisfaction_init(socle_plugin *p, socle_err *err);
/* The membership confirmation (confirmation.c): its job, and queuing it in
 * the approval's transaction. */
int membership_confirmation_init(socle_plugin *p, socle_err *err);
int membership_confirmation_queue(socle_db *wdb, int64_t company_id, const char *fiche_due_on,
                                  socle_err *err);

/* An employer role: its slug (MEMBERSHIP_ROLE_*), its column in
 * membership_company_user and its French label, in that table's order. */
struct membership_company_role {
	const char *role;
	const char *column;
	const char *label;
};
extern const struct membership_company_role membership_company_roles[4];

static inline const char *str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* The code of a failure whose callee may not have set one. */
static inline int fail(socle_err *err)
{
	return err != NULL && err->code != 0 ? err->code : SOCLE_E_STORE;
}

void membership_lower_ascii(const char *in, char *out, size_t size);
/* Audit an operation on company @p company_id (@p detail stolen). */
int membership_company_audit(socle_db *wdb, socle_req *req, const char *action,
                             int64_t company_id, json_t *detail, socle_err *err);
/* The request's body, or a new empty object put in *tmp (to release). */
const json_t *membership_body_or_empty(socle_req *req, json_t **tmp);
/* Record a refusal decided by the plugin (the core records those it decides). */
void membership_audit_denied(socle_req *req, int64_t company_id, const char *key,
                             const char *value);
/* The full view of one company: nested address, contact, payment (IBAN
 * masked) and establishments. NULL with err (SOCLE_E_NOTFOUND) if unknown. */
json_t *membership_company_view(socle_db *db, int64_t id, socle_err *err);

/* Create (or find) the employer account of @p email, bind it to the company,
 * record its roles, create an invitation and queue its mail. Part of the
 * caller's transaction. Returns the user id or a negative code;
 * SOCLE_E_CONFLICT when the address belongs to a staff account. (invitation.c) */
struct membership_invite {
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
int64_t membership_invite_user(socle_db *wdb, const struct membership_invite *iv,
                               socle_err *err);

#endif
