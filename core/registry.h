/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Everything plugins register, each record tagged with its owner so that the
 * whole set of one plugin can be revoked when its init() fails. */
#ifndef SOCLE_CORE_REGISTRY_H
#define SOCLE_CORE_REGISTRY_H

#include <socle/socle.h>

struct reg_route {
	socle_plugin *owner;              /* NULL for the core's own routes */
	const struct socle_route *route;
};

struct reg_event_handler {
	socle_plugin *owner;
	char *event;
	socle_event_fn fn;
	void *ud;
};

struct reg_job {
	socle_plugin *owner;
	char *kind;
	socle_job_fn fn;
	void *ud;
	bool long_running;                /* runs on the job pool, off the loop thread */
};

struct reg_timer {
	socle_plugin *owner;
	int64_t interval_ms;
	socle_timer_fn fn;
	void *ud;
	int64_t next_ms;                  /* loop thread only */
};

struct reg_migrations {
	socle_plugin *owner;              /* NULL: the core's own migrations, owner "core" */
	const char *owner_name;
	const struct socle_migration *list;
	size_t count;
};

struct reg_capability {
	socle_plugin *owner;
	char *name;
	uint32_t roles;                   /* SOCLE_ROLE_BIT mask */
};

struct reg_lua_lib {
	socle_plugin *owner;
	const luaL_Reg *fns;
};

struct reg_rule_point {
	socle_plugin *owner;
	const struct socle_rule_point *rp;
};

struct reg_export {
	socle_plugin *owner;
	char *name;                       /* "membership" */
	unsigned major;                   /* 1 for "membership.v1" */
	const void *table;                /* borrowed, static in the exporter */
	size_t size;                      /* sizeof the table when the exporter was built */
};

struct reg_event_decl {
	socle_plugin *owner;
	const struct socle_event_decl *decl; /* borrowed, static */
};

struct reg_error_decl {
	socle_plugin *owner;                 /* NULL: the core's */
	const struct socle_error_decl *decl; /* borrowed, static */
};

/* A growable array of one record type. */
#define REG_VEC(type) struct { type *v; size_t n, cap; }

struct registry {
	REG_VEC(struct reg_route) routes;
	REG_VEC(struct reg_event_handler) handlers;
	REG_VEC(struct reg_job) jobs;
	REG_VEC(struct reg_timer) timers;
	REG_VEC(struct reg_migrations) migrations;
	REG_VEC(struct reg_capability) capabilities;
	REG_VEC(struct reg_lua_lib) lua_libs;
	REG_VEC(struct reg_rule_point) rule_points;
	REG_VEC(struct reg_export) exports;
	REG_VEC(struct reg_event_decl) event_decls;
	REG_VEC(struct reg_error_decl) error_decls;
	REG_VEC(const struct socle_route_doc *) route_docs; /* borrowed, static */
};

/* Adders copy the record (and strdup its strings). They return 0 or SOCLE_E_NOMEM. */
int registry_add_route(struct registry *r, const struct reg_route *rec);
int registry_add_handler(struct registry *r, const struct reg_event_handler *rec);
int registry_add_job(struct registry *r, const struct reg_job *rec);
int registry_add_timer(struct registry *r, const struct reg_timer *rec);
int registry_add_migrations(struct registry *r, const struct reg_migrations *rec);
int registry_add_capability(struct registry *r, const struct reg_capability *rec);
int registry_add_lua_lib(struct registry *r, const struct reg_lua_lib *rec);
int registry_add_rule_point(struct registry *r, const struct reg_rule_point *rec);
int registry_add_export(struct registry *r, const struct reg_export *rec);
int registry_add_event_decl(struct registry *r, const struct reg_event_decl *rec);
int registry_add_error_decl(struct registry *r, const struct reg_error_decl *rec);
int registry_add_route_doc(struct registry *r, const struct socle_route_doc *doc);

/* Remove every record owned by @p owner. */
void registry_revoke(struct registry *r, const socle_plugin *owner);
void registry_fini(struct registry *r);

/* Lookups used at run time. */
const struct reg_job *registry_job(const struct registry *r, const char *kind);
const struct reg_rule_point *registry_rule_point(const struct registry *r, const char *name);
/* The export of @p name version @p major (NULL when none); with major 0, the
 * first export of that name whatever its version. */
const struct reg_export *registry_export(const struct registry *r, const char *name,
                                         unsigned major);
/* Roles holding capability @p name (0 when unknown). */
uint32_t registry_capability_roles(const struct registry *r, const char *name);

#endif
