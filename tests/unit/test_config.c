/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The deployment config reader: defaults, paths resolved from the file's
 * folder, and every problem reported with its path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"
#include "config.h"
#include "core.h"
#include "fsutil.h"
#include "identity.h"

int header_defs_ok(void), header_err_ok(void), header_plugin_ok(void), header_store_ok(void),
	header_bus_ok(void), header_http_ok(void), header_auth_ok(void), header_lua_ok(void),
	header_socle_ok(void), header_date_ok(void), header_mail_ok(void), header_export_ok(void),
	header_document_ok(void), header_sms_ok(void);

struct parsed {
	char *dir;
	socle_core *core;
	struct diag d;
	int rc;
};

static void parse(struct parsed *p, const char *json)
{
	memset(p, 0, sizeof(*p));
	p->dir = fs_tempdir("config");
	fs_write(p->dir, "socle.json", json);
	char *path = fs_join(p->dir, "socle.json");
	p->core = calloc(1, sizeof(*p->core));
	p->rc = config_load(p->core, path, &p->d);
	free(path);
}

static void done(struct parsed *p)
{
	core_close(p->core);
	diag_fini(&p->d);
	fs_rmtree(p->dir);
	free(p->dir);
}

static bool reported(const struct diag *d, const char *where_part, const char *msg_part)
{
	for (size_t i = 0; i < d->n && i < d->cap; i++)
		if (d->items[i].where && strstr(d->items[i].where, where_part) &&
		    strstr(d->items[i].message, msg_part))
			return true;
	diag_print(d);
	return false;
}

static void test_public_headers_stand_alone(void **state)
{
	(void)state;
	assert_true(header_defs_ok() && header_err_ok() && header_plugin_ok() && header_store_ok() &&
	            header_bus_ok() && header_http_ok() && header_auth_ok() && header_lua_ok() &&
	            header_socle_ok() && header_date_ok() && header_mail_ok() && header_export_ok() &&
	            header_document_ok() && header_sms_ok());
}

static void test_minimal_config_and_defaults(void **state)
{
	struct parsed p;
	(void)state;

	parse(&p, "{\"services\": [{\"id\": \"demo\", \"name\": \"Démo\", \"database\": \"d.db\"}]}");
	assert_int_equal(p.rc, 0);
	assert_int_equal(diag_count(&p.d), 0);
	assert_string_equal(p.core->listen_address, "127.0.0.1");
	assert_int_equal(p.core->port, 8080);
	assert_int_equal(p.core->n_services, 1);
	socle_service *s = p.core->services[0];
	assert_string_equal(s->id, "demo");
	/* Relative paths are resolved from the config file's folder. */
	char *expected = fs_join(p.dir, "d.db");
	assert_string_equal(s->database_path, expected);
	free(expected);
	assert_int_equal(s->lua_limits.memory_bytes, (size_t)CONFIG_LUA_MEMORY_MB << 20);
	assert_int_equal(s->lua_limits.instructions, CONFIG_LUA_INSTRUCTIONS);
	assert_int_equal(s->lua_limits.time_ms, CONFIG_LUA_TIME_MS);
	done(&p);
}

static void test_every_problem_with_its_path(void **state)
{
	struct parsed p;
	(void)state;

	parse(&p, "{\"listen\": \"127.0.0.1\", \"port\": 70000, \"colour\": \"blue\",\n"
	          " \"services\": [\n"
	          "  {\"id\": \"Bad_Id\", \"name\": \"A\", \"database\": \"a.db\", \"databse\": 1},\n"
	          "  {\"id\": \"b\", \"database\": \"a.db\", \"lua\": {\"memory_mb\": 0, \"time\": 5,\n"
	          "   \"instructions\": 500},\n"
	          "   \"plugins\": {\"Not-A-Name\": {}, \"ok\": 3}},\n"
	          "  {\"id\": \"b\", \"name\": \"B2\", \"database\": \"b2.db\", \"scripts\": \"nowhere\"}\n"
	          " ]}");
	assert_int_equal(p.rc, SOCLE_E_INVAL);
	assert_true(reported(&p.d, ": port", "entier entre 0 et 65535"));
	assert_true(reported(&p.d, ": colour", "clé inconnue"));
	assert_true(reported(&p.d, "services[0].id", "invalide"));
	assert_true(reported(&p.d, "services[0].databse", "clé inconnue"));
	assert_true(reported(&p.d, "services[1].name", "obligatoire"));
	assert_true(reported(&p.d, "services[1].database", "base partagée"));
	assert_true(reported(&p.d, "services[1].lua.memory_mb", "entier entre 1 et 1024"));
	assert_true(reported(&p.d, "services[1].lua.time", "clé inconnue"));
	assert_true(reported(&p.d, "services[1].lua.instructions", "0 (instructions non comptées)"));
	assert_true(reported(&p.d, "services[1].plugins.Not-A-Name", "nom de plugin invalide"));
	assert_true(reported(&p.d, "services[1].plugins.ok", "objet"));
	assert_true(reported(&p.d, "services[2].id", "déjà utilisé"));
	assert_true(reported(&p.d, "services[2].scripts", "illisible"));
	done(&p);
}

static void test_bad_json_has_line_and_column(void **state)
{
	struct parsed p;
	(void)state;

	parse(&p, "{\n  \"services\": [\n    {\"id\": \"a\",, }\n  ]\n}\n");
	assert_int_equal(p.rc, SOCLE_E_INVAL);
	assert_true(reported(&p.d, "socle.json:3:", "JSON invalide"));
	done(&p);
}

static void test_duplicate_keys_refused(void **state)
{
	struct parsed p;
	(void)state;

	parse(&p, "{\"port\": 1, \"port\": 2, \"services\": []}");
	assert_int_equal(p.rc, SOCLE_E_INVAL);
	assert_true(reported(&p.d, "socle.json:", "JSON invalide"));
	done(&p);
}

static void test_static_dirs_and_clock(void **state)
{
	struct parsed p;
	(void)state;

	parse(&p, "{\"static\": [{\"prefix\": \"/api/x\", \"dir\": \"w\"}, {\"prefix\": \"/\", \"dir\": \"web\"}],"
	          " \"clock\": \"2025-03-10T09:30:00Z\","
	          " \"services\": [{\"id\": \"a\", \"name\": \"A\", \"database\": \"a.db\"}]}");
	assert_true(reported(&p.d, "static[0]", "/api/"));
	assert_int_equal(json_array_size(p.core->static_dirs), 1);
	assert_int_equal(socle_now_ms(), 1741599000000LL);
	clock_thaw();
	done(&p);
}

static void test_trusted_proxies_and_mail(void **state)
{
	struct parsed p;
	(void)state;

	parse(&p, "{\"trusted_proxies\": [\"127.0.0.1\", \"::1\", \"proxy.local\"],"
	          " \"mail\": {\"transport\": \"smtp\", \"from\": \"a\\nb\", \"outbox\": \"o\"},"
	          " \"services\": [{\"id\": \"a\", \"name\": \"A\", \"database\": \"a.db\"}]}");
	assert_true(reported(&p.d, "trusted_proxies[2]", "adresse IP"));
	assert_int_equal(json_array_size(p.core->trusted_proxies), 2);
	/* smtp without its relay's settings (tests/mail/test_smtp.c has the rest). */
	assert_true(reported(&p.d, "mail.smtp", "host"));
	assert_true(reported(&p.d, "mail.from", "une ligne"));
	/* Resolved against the config's folder, made absolute. */
	assert_true(p.core->mail_outbox[0] == '/');
	assert_non_null(strstr(p.core->mail_outbox, "/o"));
	done(&p);
}

static void test_identity(void **state)
{
	struct parsed p;
	(void)state;

	/* Defaults: the name, a legal name equal to it, colours that pass AA. */
	parse(&p, "{\"services\": [{\"id\": \"a\", \"name\": \"SPSTI A\", \"database\": \"a.db\"}]}");
	assert_int_equal(p.rc, 0);
	const json_t *id = socle_service_identity(p.core->services[0]);
	assert_string_equal(json_string_value(json_object_get(id, "legal_name")), "SPSTI A");
	assert_null(json_object_get(id, "public_url"));
	const char *primary = json_string_value(json_object_get(json_object_get(id, "colors"), "primary"));
	assert_true(identity_contrast(primary, "#ffffff") >= 4.5);
	char *url = socle_service_url(p.core->services[0], "/x?t=1");
	assert_string_equal(url, "/x?t=1"); /* no public_url: the path alone */
	free(url);
	done(&p);

	parse(&p, "{\"services\": [{\"id\": \"a\", \"name\": \"A\", \"database\": \"a.db\","
	          " \"identity\": {\"phone\": \"04 78 00 00 00\", \"public_url\": \"https://a.example\","
	          " \"address\": \"1 rue A\\n69001 Lyon\", \"colors\": {\"primary\": \"#1D4F91\"}}}]}");
	assert_int_equal(p.rc, 0);
	id = socle_service_identity(p.core->services[0]);
	assert_string_equal(json_string_value(json_object_get(json_object_get(id, "colors"), "primary")),
	                    "#1d4f91");
	url = socle_service_url(p.core->services[0], "/x");
	assert_string_equal(url, "https://a.example/x");
	free(url);
	char *sig = identity_mail_signature(p.core->services[0]);
	assert_non_null(strstr(sig, "1 rue A\n69001 Lyon\nTél. 04 78 00 00 00\nhttps://a.example"));
	free(sig);
	done(&p);

	/* Every problem with its path: a pale colour (contrast), a URL with a
	 * trailing slash, a bad e-mail, a two-line phone, a missing logo, an
	 * unknown key. */
	parse(&p, "{\"services\": [{\"id\": \"a\", \"name\": \"A\", \"database\": \"a.db\","
	          " \"identity\": {\"colors\": {\"primary\": \"#ffcc00\", \"accent\": \"red\", \"x\": 1},"
	          " \"public_url\": \"https://a.example/\", \"email\": \"nope\","
	          " \"phone\": \"04\\n78\", \"logo\": \"absent.png\", \"slogan\": \"x\"}}]}");
	assert_true(p.rc < 0);
	assert_true(reported(&p.d, "services[0].identity.colors.primary", "contraste"));
	assert_true(reported(&p.d, "services[0].identity.colors.accent", "#rrggbb"));
	assert_true(reported(&p.d, "services[0].identity.colors.x", "clé inconnue"));
	assert_true(reported(&p.d, "services[0].identity.public_url", "barre oblique"));
	assert_true(reported(&p.d, "services[0].identity.email", "courriel"));
	assert_true(reported(&p.d, "services[0].identity.phone", "une seule ligne"));
	assert_true(reported(&p.d, "services[0].identity.logo", "introuvable"));
	assert_true(reported(&p.d, "services[0].identity.slogan", "clé inconnue"));
	done(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_public_headers_stand_alone),
		cmocka_unit_test(test_minimal_config_and_defaults),
		cmocka_unit_test(test_every_problem_with_its_path),
		cmocka_unit_test(test_bad_json_has_line_and_column),
		cmocka_unit_test(test_duplicate_keys_refused),
		cmocka_unit_test(test_static_dirs_and_clock),
		cmocka_unit_test(test_trusted_proxies_and_mail),
		cmocka_unit_test(test_identity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
