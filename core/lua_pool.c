/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The small blocks of one Lua state: size classes of LUA_POOL_GRAIN bytes up
 * to LUA_POOL_MAX, carved from slabs and kept on per-class free lists.
 *
 * Why: a rule evaluation allocates and frees a few hundred small objects
 * (tables, closures, strings), and glibc's malloc was 10 % of a next_visits
 * evaluation under callgrind: its per-thread cache holds seven blocks per
 * size, so most calls took the slow path. A state is used by one thread at a
 * time and Lua always tells the size of the block it frees, so a free list
 * per class needs neither a lock nor a header.
 *
 * Memory comes back to the system when the state closes; while it lives, the
 * slabs hold at most the state's peak of small blocks (the state's memory
 * cap counts blocks at their class size, lua_sandbox.c).
 *
 * Under AddressSanitizer, free blocks and the unused part of a slab are
 * poisoned: a use after free of a pooled block is reported as it would be
 * with malloc. */
#include <stdlib.h>

#include "lua_host.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(b, n) ASAN_POISON_MEMORY_REGION((b), (n))
#define UNPOISON(b, n) ASAN_UNPOISON_MEMORY_REGION((b), (n))
#else
#define POISON(b, n) ((void)(b), (void)(n))
#define UNPOISON(b, n) ((void)(b), (void)(n))
#endif

#define LUA_POOL_SLAB ((size_t)64 * 1024)

struct lua_pool_slab {
	struct lua_pool_slab *next;
	size_t used;                         /* bytes of mem handed out */
	_Alignas(16) unsigned char mem[];
};

size_t lua_pool_block_size(size_t n)
{
	return n <= LUA_POOL_MAX ? (n + LUA_POOL_GRAIN - 1) & ~(size_t)(LUA_POOL_GRAIN - 1) : n;
}

void *lua_pool_get(struct lua_pool *p, size_t n)
{
	size_t size = lua_pool_block_size(n), cls = size / LUA_POOL_GRAIN - 1;
	void *b = p->free[cls];

	if (b != NULL) {
		UNPOISON(b, size);
		p->free[cls] = *(void **)b;
		return b;
	}
	struct lua_pool_slab *s = p->slabs;

	if (s == NULL || LUA_POOL_SLAB - s->used < size) {
		s = malloc(sizeof(*s) + LUA_POOL_SLAB);
		if (s == NULL)
			return NULL;
		s->next = p->slabs;
		s->used = 0;
		p->slabs = s;
		POISON(s->mem, LUA_POOL_SLAB);
	}
	b = s->mem + s->used;
	s->used += size;
	UNPOISON(b, size);
	return b;
}

void lua_pool_put(struct lua_pool *p, void *b, size_t n)
{
	size_t cls = lua_pool_block_size(n) / LUA_POOL_GRAIN - 1;

	*(void **)b = p->free[cls];
	p->free[cls] = b;
	POISON(b, lua_pool_block_size(n));
}

void lua_pool_release(struct lua_pool *p)
{
	while (p->slabs != NULL) {
		struct lua_pool_slab *s = p->slabs;

		p->slabs = s->next;
		UNPOISON(s->mem, LUA_POOL_SLAB);
		free(s);
	}
	for (size_t i = 0; i < LUA_POOL_CLASSES; i++)
		p->free[i] = NULL;
}
