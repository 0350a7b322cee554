/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The parcours engine on a real service database: definitions validated at
 * load, instances started, advanced and closed by events in one transaction,
 * history rows, idempotence on repeated delivery, the definition snapshot. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"
#include "fsutil.h"
#include "lua_fixture.h"
#include "parcours.h"
#include "store.h"

static const char *const adhesion_v1 =
	"socle.parcours{\n"
	"  id = 'adhesion', version = 1, title = 'Adhésion d\\'une entreprise',\n"
	"  subject = 'company', start_on = 'company.applied', close_on = {'company.left'},\n"
	"  steps = {\n"
	"    {id = 'dossier', title = 'Examen du dossier', role = 'service_admin', due_days = 30},\n"
	"    {id = 'accueil', title = 'Accueil', role = 'service_admin', due_days = 10, on = 'company.joined'},\n"
	"    {id = 'fiche', title = 'Fiche d\\'entreprise', role = 'iprp', due_days = 365,\n"
	"     on = 'fiche.started'},\n"
	"  },\n"
	"}\n";

static struct lfx *open_store(const char *script)
{
	struct lfx *f = lfx_new();
	socle_err err = SOCLE_ERR_INIT;
	struct reg_migrations core_rec = {.owner = NULL, .owner_name = "core",
	                                  .list = store_migrations, .count = store_migrations_count};
	struct reg_migrations rec = {.owner = NULL, .owner_name = "core_parcours",
	                             .list = parcours_migrations, .count = parcours_migrations_count};

	f->svc->database_path = fs_join(f->dir, "service.db");
	assert_int_equal(registry_add_migrations(&f->core->reg, &core_rec), 0);
	assert_int_equal(registry_add_migrations(&f->core->reg, &rec), 0);
	if (store_open(f->svc, &err) != 0 || store_migrate(f->svc, &err) != 0)
		fail_msg("store: %s", err.msg);
	lfx_write(f, "service", "parcours.lua", script);
	if (lfx_open(f) != 0) {
		lfx_diag_dump(f);
		fail_msg("parcours scripts did not load");
	}
	return f;
}

static void close_store(struct lfx *f)
{
	store_close(f->svc);
	free(f->svc->database_path);
	f->svc->database_path = NULL;
	lfx_free(f);
}

static json_t *query(struct lfx *f, const char *sql)
{
	socle_err err = SOCLE_ERR_INIT;
	socle_db *db = socle_service_reader(f->svc, &err);

	assert_non_null(db);
	json_t *rows = socle_db_query(db, sql, NULL, &err);

	if (rows == NULL)
		fail_msg("%s: %s", sql, err.msg);
	return rows;
}

static void event(struct lfx *f, const char *name, const char *payload)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *p = json_loads(payload, 0, NULL);

	assert_non_null(p);
	if (parcours_on_event(f->svc, name, p, &err) != 0)
		fail_msg("%s: %s", name, err.msg);
	json_decref(p);
}

static void test_engine(void **state)
{
	(void)state;
	clock_freeze(1735689600000); /* 2025-01-01 */
	struct lfx *f = open_store(adhesion_v1);

	assert_int_equal(json_array_size(f->svc->lua->parcours), 1);
	event(f, "company.applied", "{\"company_id\": 12}");
	event(f, "company.applied", "{\"company_id\": 12}"); /* repeated delivery */
	event(f, "company.applied", "{\"company_id\": \"13\"}");
	event(f, "company.applied", "{\"worker_id\": 12}");  /* not this subject */
	json_t *rows = query(f, "SELECT subject_id, status, current_step, version, step_due_at "
	                        "FROM core_parcours_instance ORDER BY id");

	assert_int_equal(json_array_size(rows), 2);
	json_t *r0 = json_array_get(rows, 0);

	assert_string_equal(json_string_value(json_object_get(r0, "subject_id")), "12");
	assert_string_equal(json_string_value(json_object_get(r0, "current_step")), "dossier");
	assert_string_equal(json_string_value(json_object_get(r0, "status")), "open");
	assert_int_equal(json_integer_value(json_object_get(r0, "step_due_at")),
	                 1735689600000 + 30 * 86400000LL);
	json_decref(rows);

	clock_advance(86400000);
	event(f, "fiche.started", "{\"company_id\": 12}");    /* skips a step: forward is allowed */
	event(f, "company.joined", "{\"company_id\": 12}");   /* late: never moves back */
	event(f, "company.joined", "{\"company_id\": 13}");
	rows = query(f, "SELECT subject_id, current_step FROM core_parcours_instance ORDER BY id");
	assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 0), "current_step")),
	                    "fiche");
	assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 1), "current_step")),
	                    "accueil");
	json_decref(rows);

	event(f, "company.left", "{\"company_id\": 12}");
	event(f, "company.left", "{\"company_id\": 12}");
	rows = query(f, "SELECT status, closed_at FROM core_parcours_instance WHERE subject_id = '12'");
	assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 0), "status")),
	                    "closed");
	json_decref(rows);
	/* A new application after leaving starts a new instance. */
	event(f, "company.applied", "{\"company_id\": 12}");
	rows = query(f, "SELECT count(*) AS n FROM core_parcours_instance WHERE subject_id = '12'");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(rows, 0), "n")), 2);
	json_decref(rows);

	rows = query(f, "SELECT h.event, h.from_step, h.to_step FROM core_parcours_history h "
	                "JOIN core_parcours_instance i ON i.id = h.instance_id "
	                "WHERE i.subject_id = '12' ORDER BY h.id");
	json_t *want = json_loads(
		"[{\"event\": \"company.applied\", \"from_step\": null, \"to_step\": \"dossier\"},"
		" {\"event\": \"fiche.started\", \"from_step\": \"dossier\", \"to_step\": \"fiche\"},"
		" {\"event\": \"company.left\", \"from_step\": \"fiche\", \"to_step\": null},"
		" {\"event\": \"company.applied\", \"from_step\": null, \"to_step\": \"dossier\"}]", 0, NULL);

	assert_true(json_equal(rows, want));
	json_decref(want);
	json_decref(rows);
	rows = query(f, "SELECT definition FROM core_parcours_instance LIMIT 1");
	json_t *snap = json_loads(json_string_value(json_object_get(json_array_get(rows, 0),
	                                                          "definition")), 0, NULL);

	assert_non_null(snap);
	assert_int_equal(json_integer_value(json_object_get(snap, "version")), 1);
	assert_int_equal(json_array_size(json_object_get(snap, "steps")), 3);
	json_decref(snap);
	json_decref(rows);
	close_store(f);
	clock_thaw();
}

static void test_definitions_validated(void **state)
{
	(void)state;
	static const struct {
		const char *src;
		const char *needle;
	} bad[] = {
		{"socle.parcours{id = 'x', version = 1, title = 't', subject = 'company', start_on = 'a.b',"
		 " steps = {{id = 's', title = 'S', role = 'chef'}}}\n", "rôle inconnu"},
		{"socle.parcours{id = 'x', version = 1, title = 't', subject = 'company', start_on = 'a.b',"
		 " steps = {{id = 's', title = 'S', role = 'iprp'}, {id = 't', title = 'T', role = 'iprp'}}}\n",
		 "requis"},
		{"socle.parcours{id = 'x', version = 0, title = 't', subject = 'company', start_on = 'a.b',"
		 " steps = {{id = 's', title = 'S', role = 'iprp'}}}\n", "version"},
		{"socle.parcours{id = 'x', version = 1, title = 't', subject = 'company', start_on = 'a.b',"
		 " steps = {}}\n", "steps"},
		{"socle.parcours{id = 'x', version = 1, title = 't', subject = 'company', start_on = 'a.b',"
		 " colour = 'red', steps = {{id = 's', title = 'S', role = 'iprp'}}}\n", "colour"},
		{"socle.parcours{id = 'x', version = 1, title = 't', subject = 'company', start_on = 'a.b',"
		 " steps = {{id = 's', title = 'S', role = 'iprp'}, {id = 's', title = 'S', role = 'iprp',"
		 " on = 'c.d'}}}\n", "double"},
	};
	for (size_t i = 0; i < SOCLE_COUNT(bad); i++) {
		struct lfx *f = lfx_new();

		lfx_write(f, "service", "p.lua", bad[i].src);
		assert_int_not_equal(lfx_open(f), 0);
		if (!lfx_diag_has(f, bad[i].needle) || !lfx_diag_has(f, "p.lua:1")) {
			lfx_diag_dump(f);
			fail_msg("case %zu", i);
		}
		lfx_free(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine),
		cmocka_unit_test(test_definitions_validated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
