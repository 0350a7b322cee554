/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The clocks and the median every bench program prints its figures with. */
#ifndef SOCLE_BENCH_CLOCK_H
#define SOCLE_BENCH_CLOCK_H

#include <stdlib.h>
#include <time.h>

/* Wall time, seconds (monotonic). */
static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of the whole process, seconds: what a shared machine does not
 * change as much as the wall time. */
static inline double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of @p n figures (sorted in place; the upper one when n is even). */
static inline double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

#endif
