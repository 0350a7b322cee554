/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The business clock: the only source of "now" in the core (socle_now_ms() in
 * socle/bus.h). It follows CLOCK_REALTIME unless a test, a demonstration or the
 * deployment's "clock" setting freezes it; frozen, it moves only when told. */
#ifndef SOCLE_CORE_CLOCK_H
#define SOCLE_CORE_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

/* Stop the clock at @p ms (milliseconds since the Unix epoch). */
void clock_freeze(int64_t ms);
/* Move the clock by @p ms (may be negative): a frozen clock jumps, a running
 * clock keeps running from its shifted position. */
void clock_advance(int64_t ms);
/* Follow the system clock again, without any shift. */
void clock_thaw(void);
/* Is the clock frozen? The loop thread uses it to bound its sleeps, since a
 * frozen clock's deadlines do not come closer as real time passes. */
bool clock_is_frozen(void);

#endif
