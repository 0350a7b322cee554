/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Records of what plugins registered, and their revocation.
 *
 * Each vector holds plain copies; string fields the record owns (event names,
 * job kinds, capability names) are duplicated so that a plugin may pass
 * temporary buffers. Arrays the plugin hands over (routes, migrations, Lua
 * registration tables, rule points) are borrowed: the ABI says they are static. */
#include <stdlib.h>
#include <string.h>

#include "registry.h"

/* Grow vector @p vec (of any REG_VEC type) to hold one more element. */
#define VEC_RESERVE(vec)                                                              \
	(((vec).n < (vec).cap) ? 0 : vec_grow((void **)&(vec).v, &(vec).cap, sizeof(*(vec).v)))

static int vec_grow(void **v, size_t *cap, size_t elem)
{
	size_t ncap = *cap ? *cap * 2 : 8;
	void *nv = realloc(*v, ncap * elem);

	if (nv == NULL)
		return SOCLE_E_NOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

int registry_add_route_doc(struct registry *r, const struct socle_route_doc *doc)
{
	if (VEC_RESERVE(r->route_docs))
		return SOCLE_E_NOMEM;
	r->route_docs.v[r->route_docs.n++] = doc;
	return 0;
}

int registry_add_route(struct registry *r, const struct reg_route *rec)
{
	if (VEC_RESERVE(r->routes))
		return SOCLE_E_NOMEM;
	r->routes.v[r->routes.n++] = *rec;
	return 0;
}

int registry_add_handler(struct registry *r, const struct reg_event_handler *rec)
{
	char *event = strdup(rec->event);

	if (event == NULL || VEC_RESERVE(r->handlers)) {
		free(event);
		return SOCLE_E_NOMEM;
	}
	r->handlers.v[r->handlers.n] = *rec;
	r->handlers.v[r->handlers.n++].event = event;
	return 0;
}

int registry_add_job(struct registry *r, const struct reg_job *rec)
{
	char *kind = strdup(rec->kind);

	if (kind == NULL || VEC_RESERVE(r->jobs)) {
		free(kind);
		return SOCLE_E_NOMEM;
	}
	r->jobs.v[r->jobs.n] = *rec;
	r->jobs.v[r->jobs.n++].kind = kind;
	return 0;
}

int registry_add_timer(struct registry *r, const struct reg_timer *rec)
{
	if (VEC_RESERVE(r->timers))
		return SOCLE_E_NOMEM;
	r->timers.v[r->timers.n++] = *rec;
	return 0;
}

int registry_add_migrations(struct registry *r, const struct reg_migrations *rec)
{
	if (VEC_RESERVE(r->migrations))
		return SOCLE_E_NOMEM;
	r->migrations.v[r->migrations.n++] = *rec;
	return 0;
}

int registry_add_capability(struct registry *r, const struct reg_capability *rec)
{
	char *name = strdup(rec->name);

	if (name == NULL || VEC_RESERVE(r->capabilities)) {
		free(name);
		return SOCLE_E_NOMEM;
	}
	r->capabilities.v[r->capabilities.n] = *rec;
	r->capabilities.v[r->capabilities.n++].name = name;
	return 0;
}

int registry_add_lua_lib(struct registry *r, const struct reg_lua_lib *rec)
{
	if (VEC_RESERVE(r->lua_libs))
		return SOCLE_E_NOMEM;
	r->lua_libs.v[r->lua_libs.n++] = *rec;
	return 0;
}

int registry_add_rule_point(struct registry *r, const struct reg_rule_point *rec)
{
	if (VEC_RESERVE(r->rule_points))
		return SOCLE_E_NOMEM;
	r->rule_points.v[r->rule_points.n++] = *rec;
	return 0;
}

int registry_add_export(struct registry *r, const struct reg_export *rec)
{
	char *name = strdup(rec->name);

	if (name == NULL || VEC_RESERVE(r->exports)) {
		free(name);
		return SOCLE_E_NOMEM;
	}
	r->exports.v[r->exports.n] = *rec;
	r->exports.v[r->exports.n++].name = name;
	return 0;
}

int registry_add_event_decl(struct registry *r, const struct reg_event_decl *rec)
{
	if (VEC_RESERVE(r->event_decls))
		return SOCLE_E_NOMEM;
	r->event_decls.v[r->event_decls.n++] = *rec;
	return 0;
}

int registry_add_error_decl(struct registry *r, const struct reg_error_decl *rec)
{
	if (VEC_RESERVE(r->error_decls))
		return SOCLE_E_NOMEM;
	r->error_decls.v[r->error_decls.n++] = *rec;
	return 0;
}

/* Keep the records of @p vec not owned by @p owner, in order; @p str_member
 * frees the strings a dropped record owns. */
#define VEC_REVOKE(vec, owner_, str_member)                                          \
	do {                                                                          \
		size_t kept_ = 0;                                                     \
		for (size_t i_ = 0; i_ < (vec).n; i_++) {                             \
			if ((vec).v[i_].owner == (owner_)) {                          \
				str_member((vec).v[i_]);                              \
				continue;                                             \
			}                                                             \
			(vec).v[kept_++] = (vec).v[i_];                               \
		}                                                                     \
		(vec).n = kept_;                                                      \
	} while (0)

#define FREE_NOTHING(rec) ((void)(rec))
#define FREE_EVENT(rec) free((rec).event)
#define FREE_KIND(rec) free((rec).kind)
#define FREE_NAME(rec) free((rec).name)

void registry_revoke(struct registry *r, const socle_plugin *owner)
{
	VEC_REVOKE(r->routes, owner, FREE_NOTHING);
	VEC_REVOKE(r->handlers, owner, FREE_EVENT);
	VEC_REVOKE(r->jobs, owner, FREE_KIND);
	VEC_REVOKE(r->timers, owner, FREE_NOTHING);
	VEC_REVOKE(r->migrations, owner, FREE_NOTHING);
	VEC_REVOKE(r->capabilities, owner, FREE_NAME);
	VEC_REVOKE(r->lua_libs, owner, FREE_NOTHING);
	VEC_REVOKE(r->rule_points, owner, FREE_NOTHING);
	VEC_REVOKE(r->exports, owner, FREE_NAME);
	VEC_REVOKE(r->event_decls, owner, FREE_NOTHING);
	VEC_REVOKE(r->error_decls, owner, FREE_NOTHING);
}

void registry_fini(struct registry *r)
{
	for (size_t i = 0; i < r->handlers.n; i++)
		free(r->handlers.v[i].event);
	for (size_t i = 0; i < r->jobs.n; i++)
		free(r->jobs.v[i].kind);
	for (size_t i = 0; i < r->capabilities.n; i++)
		free(r->capabilities.v[i].name);
	for (size_t i = 0; i < r->exports.n; i++)
		free(r->exports.v[i].name);
	free(r->routes.v);
	free(r->handlers.v);
	free(r->jobs.v);
	free(r->timers.v);
	free(r->migrations.v);
	free(r->capabilities.v);
	free(r->lua_libs.v);
	free(r->rule_points.v);
	free(r->exports.v);
	free(r->event_decls.v);
	free(r->error_decls.v);
	free(r->route_docs.v);
	memset(r, 0, sizeof(*r));
}

const struct reg_job *registry_job(const struct registry *r, const char *kind)
{
	for (size_t i = 0; i < r->jobs.n; i++)
		if (strcmp(r->jobs.v[i].kind, kind) == 0)
			return &r->jobs.v[i];
	return NULL;
}

const struct reg_rule_point *registry_rule_point(const struct registry *r, const char *name)
{
	for (size_t i = 0; i < r->rule_points.n; i++)
		if (strcmp(r->rule_points.v[i].rp->name, name) == 0)
			return &r->rule_points.v[i];
	return NULL;
}

uint32_t registry_capability_roles(const struct registry *r, const char *name)
{
	uint32_t roles = 0;

	/* Several plugins may grant the same capability to more roles: union. */
	for (size_t i = 0; i < r->capabilities.n; i++)
		if (strcmp(r->capabilities.v[i].name, name) == 0)
			roles |= r->capabilities.v[i].roles;
	return roles;
}

const struct reg_export *registry_export(const struct registry *r, const char *name,
                                         unsigned major)
{
	for (size_t i = 0; i < r->exports.n; i++)
		if (strcmp(r->exports.v[i].name, name) == 0 &&
		    (major == 0 || r->exports.v[i].major == major))
			return &r->exports.v[i];
	return NULL;
}
