/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The business clock behind socle_now_ms(): CLOCK_REALTIME plus a shift, or a
 * frozen value. Both live in atomics so that any thread may read the clock
 * while a test moves it, without a lock on the hot path. */
#include <stdatomic.h>
#include <time.h>

#include <socle/bus.h>

#include "clock.h"

#define CLOCK_RUNNING INT64_MIN /* value of frozen_ms while the clock follows the system */

static _Atomic int64_t frozen_ms = CLOCK_RUNNING;
static _Atomic int64_t shift_ms = 0;

static int64_t system_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

SOCLE_API int64_t socle_now_ms(void)
{
	int64_t f = atomic_load_explicit(&frozen_ms, memory_order_acquire);

	if (f != CLOCK_RUNNING)
		return f;
	return system_ms() + atomic_load_explicit(&shift_ms, memory_order_relaxed);
}

void clock_freeze(int64_t ms)
{
	if (ms == CLOCK_RUNNING)
		ms++; /* keep the sentinel free; one millisecond in year -292 million */
	atomic_store_explicit(&frozen_ms, ms, memory_order_release);
}

void clock_advance(int64_t ms)
{
	int64_t f = atomic_load_explicit(&frozen_ms, memory_order_acquire);

	/* Compare-and-swap so that two threads advancing a frozen clock both count. */
	while (f != CLOCK_RUNNING) {
		int64_t next = f + ms;

		if (next == CLOCK_RUNNING)
			next++;
		if (atomic_compare_exchange_weak_explicit(&frozen_ms, &f, next, memory_order_acq_rel,
		                                          memory_order_acquire))
			return;
	}
	atomic_fetch_add_explicit(&shift_ms, ms, memory_order_relaxed);
}

void clock_thaw(void)
{
	atomic_store_explicit(&shift_ms, 0, memory_order_relaxed);
	atomic_store_explicit(&frozen_ms, CLOCK_RUNNING, memory_order_release);
}

bool clock_is_frozen(void)
{
	return atomic_load_explicit(&frozen_ms, memory_order_acquire) != CLOCK_RUNNING;
}
