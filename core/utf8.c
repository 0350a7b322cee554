/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Well-formed UTF-8 for text bound for JSON (see utf8.h). */
#include <socle/err.h>

#include "utf8.h"

size_t utf8_sequence(const unsigned char *s)
{
	unsigned c = s[0], cp, min;
	size_t n;

	if (c < 0x80)
		return 1;
	if ((c & 0xE0) == 0xC0)
		n = 1, min = 0x80, cp = c & 0x1F;
	else if ((c & 0xF0) == 0xE0)
		n = 2, min = 0x800, cp = c & 0x0F;
	else if ((c & 0xF8) == 0xF0)
		n = 3, min = 0x10000, cp = c & 0x07;
	else
		return 0;
	for (size_t i = 1; i <= n; i++) {
		if ((s[i] & 0xC0) != 0x80) /* also stops at the NUL */
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n + 1;
}

void utf8_repair(char *s)
{
	unsigned char *p = (unsigned char *)s;

	while (*p) {
		size_t n = utf8_sequence(p);

		if (n == 0) {
			*p++ = '?';
			continue;
		}
		p += n;
	}
}

SOCLE_API void socle_utf8_mend(char *s)
{
	if (s != NULL)
		utf8_repair(s);
}
