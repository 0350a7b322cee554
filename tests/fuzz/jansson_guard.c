/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Linked into every harness: a JSON value lost on its way into a container
 * is a defect, not a detail. jansson's "_new" adders accept NULL and simply
 * fail, so `json_array_append_new(errors, json_pack(...))` with a message
 * that is not UTF-8 drops the error without a trace: the client is told its
 * file has errors and shown none. These definitions take the place of
 * jansson's (the executable's symbols come first) and abort on a NULL value,
 * then hand over to the real ones. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

static void *real_symbol(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (f == NULL) {
		fprintf(stderr, "jansson_guard : %s introuvable\n", name);
		abort();
	}
	return f;
}

int json_array_append_new(json_t *array, json_t *value)
{
	static int (*real)(json_t *, json_t *);

	if (value == NULL && array != NULL) {
		fprintf(stderr, "property failed: json_array_append_new given NULL "
		                "(a value was lost: not UTF-8, or a failed json_pack)\n");
		abort();
	}
	if (real == NULL)
		*(void **)&real = real_symbol("json_array_append_new");
	return real(array, value);
}

int json_object_set_new(json_t *object, const char *key, json_t *value)
{
	static int (*real)(json_t *, const char *, json_t *);

	if (value == NULL && object != NULL) {
		fprintf(stderr, "property failed: json_object_set_new(\"%s\") given NULL "
		                "(a value was lost: not UTF-8, or a failed json_pack)\n",
		        key ? key : "(null)");
		abort();
	}
	if (real == NULL)
		*(void **)&real = real_symbol("json_object_set_new");
	return real(object, key, value);
}
