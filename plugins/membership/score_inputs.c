/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* What the prevention score takes from other plugins (issue 9 item 1):
 * riskeval requires membership, so the DUERP status cannot come through an
 * import; it comes by riskeval's event duerp.version_added, kept here in
 * membership's own table, and reaches the rule point prevention_score as its
 * second argument, the `inputs` table (docs/lua-api.md):
 *
 *   inputs.duerp = nil when riskeval is not enabled for the service (so a
 *   service's own rule written for one argument keeps working), else
 *   { versions, transmitted_this_year, last_version_on?, last_received_on?,
 *     yearly_update?, update_due_on?, update_overdue } computed on the day of
 *   the score from what the events said.
 *
 * Each version added stores a new score at once (the company sees it move). */
#include <string.h>

#include <socle/date.h>

#include "membership.h"

const char membership_sql_score_inputs[] =
	/* The DUERP vault's last word about a company (riskeval's
	 * duerp.version_added); last_duerp_id makes a replayed event harmless. */
	"CREATE TABLE membership_duerp_input (\n"
	"  company_id INTEGER PRIMARY KEY REFERENCES membership_company (id),\n"
	"  versions INTEGER NOT NULL,\n"
	"  last_duerp_id INTEGER NOT NULL,\n"
	"  last_version_on TEXT NOT NULL,\n"
	"  last_received_on TEXT NOT NULL,\n"
	"  yearly_update INTEGER NOT NULL,\n"
	"  update_due_on TEXT,\n"
	"  updated_at INTEGER NOT NULL\n"
	");\n";

json_t *membership_score_inputs(socle_service *svc, socle_db *db, int64_t company_id,
                                socle_err *err)
{
	json_t *inputs = json_object();

	if (inputs == NULL || !socle_service_enables(svc, "riskeval"))
		return inputs;
	char today[SOCLE_DATE_SIZE];
	json_t *row = socle_db_query_one_new(db,
		"SELECT versions, last_version_on, last_received_on, yearly_update, update_due_on"
		" FROM membership_duerp_input WHERE company_id = :c",
		json_pack("{s:I}", "c", (json_int_t)company_id), err);

	if (row == NULL && err->code != SOCLE_E_NOTFOUND) {
		json_decref(inputs);
		return NULL;
	}
	*err = (socle_err)SOCLE_ERR_INIT;
	socle_date_today(today);
	if (row == NULL) {
		json_object_set_new(inputs, "duerp", json_pack("{s:i, s:b, s:b}", "versions", 0,
		                                               "transmitted_this_year", 0,
		                                               "update_overdue", 0));
		return inputs;
	}
	const char *received = json_string_value(json_object_get(row, "last_received_on"));
	const char *due = json_string_value(json_object_get(row, "update_due_on"));
	bool yearly = json_integer_value(json_object_get(row, "yearly_update")) != 0;
	json_t *d = json_pack("{s:O, s:b, s:O, s:O, s:b, s:O?, s:b}", "versions",
	                      json_object_get(row, "versions"), "transmitted_this_year",
	                      received != NULL && strncmp(received, today, 4) == 0,
	                      "last_version_on", json_object_get(row, "last_version_on"),
	                      "last_received_on", json_object_get(row, "last_received_on"),
	                      "yearly_update", yearly, "update_due_on",
	                      json_object_get(row, "update_due_on"), "update_overdue",
	                      yearly && due != NULL && strcmp(due, today) < 0);

	json_decref(row);
	json_object_set_new(inputs, "duerp", d);
	return inputs;
}

struct duerp_event {
	socle_service *svc;
	const json_t *payload;
};

static int duerp_input_tx(socle_db *wdb, void *ud, socle_err *err)
{
	struct duerp_event *de = ud;
	const json_t *p = de->payload;
	json_int_t company = json_integer_value(json_object_get(p, "company_id"));
	const json_t *due = json_object_get(p, "update_due_on");
	int rc = socle_db_run_new(wdb,
		"INSERT INTO membership_duerp_input (company_id, versions, last_duerp_id,"
		" last_version_on, last_received_on, yearly_update, update_due_on, updated_at)"
		" SELECT :c, 1, :id, :on, :received, :yearly, :due, :now"
		"  WHERE EXISTS (SELECT 1 FROM membership_company WHERE id = :c)"
		" ON CONFLICT (company_id) DO UPDATE SET"
		"  versions = membership_duerp_input.versions + 1,"
		"  last_duerp_id = excluded.last_duerp_id,"
		"  last_received_on = CASE WHEN excluded.last_received_on >"
		"   membership_duerp_input.last_received_on THEN excluded.last_received_on"
		"   ELSE membership_duerp_input.last_received_on END,"
		/* The newest version decides what is due next; an older one
		 * uploaded late (a back-filled archive) does not. */
		"  yearly_update = CASE WHEN excluded.last_version_on >="
		"   membership_duerp_input.last_version_on THEN excluded.yearly_update"
		"   ELSE membership_duerp_input.yearly_update END,"
		"  update_due_on = CASE WHEN excluded.last_version_on >="
		"   membership_duerp_input.last_version_on THEN excluded.update_due_on"
		"   ELSE membership_duerp_input.update_due_on END,"
		"  last_version_on = CASE WHEN excluded.last_version_on >"
		"   membership_duerp_input.last_version_on THEN excluded.last_version_on"
		"   ELSE membership_duerp_input.last_version_on END,"
		"  updated_at = excluded.updated_at"
		" WHERE excluded.last_duerp_id > membership_duerp_input.last_duerp_id",
		json_pack("{s:I, s:O, s:O, s:O, s:i, s:O, s:I}", "c", company, "id",
		          json_object_get(p, "duerp_id"), "on", json_object_get(p, "version_on"),
		          "received", json_object_get(p, "received_on"), "yearly",
		          json_is_true(json_object_get(p, "yearly_update")), "due",
		          due ? due : json_null(), "now", (json_int_t)socle_now_ms()), err);
	if (rc <= 0)
		return rc; /* an error, or nothing new (a replay, an unknown company) */
	return membership_score_store_now(wdb, de->svc, company, err);
}

/* riskeval's duerp.version_added: keep the vault's status, score again. */
static int on_duerp_version_added(socle_service *svc, const char *event, const json_t *payload,
                                  void *ud, socle_err *err)
{
	(void)event;
	(void)ud;
	struct duerp_event de = {svc, payload};

	if (json_integer_value(json_object_get(payload, "company_id")) <= 0 ||
	    !json_is_string(json_object_get(payload, "version_on")) ||
	    !json_is_string(json_object_get(payload, "received_on")))
		return 0;
	return socle_service_write(svc, duerp_input_tx, &de, err);
}

int membership_score_inputs_init(socle_plugin *p, socle_err *err)
{
	return socle_plugin_on(p, "duerp.version_added", on_duerp_version_added, NULL, err);
}
