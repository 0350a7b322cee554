/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Making text that goes into JSON well-formed UTF-8. jansson refuses any
 * other string, so a message or a field name that quotes bytes of a request
 * or a script, or that a fixed buffer cut inside a character, would vanish
 * from an error body. Private to libsocle. */
#ifndef SOCLE_CORE_UTF8_H
#define SOCLE_CORE_UTF8_H

#include <stddef.h>

/* Length of the well-formed UTF-8 sequence at @p s (1-4: no overlong form,
 * no surrogate, nothing beyond U+10FFFF), or 0 when none starts there. */
size_t utf8_sequence(const unsigned char *s);
/* Replace, in place, each byte of @p s that does not start a well-formed
 * sequence by '?' (a character cut by truncation included). */
void utf8_repair(char *s);

#endif
