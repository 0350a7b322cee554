/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The job pool: a few threads that run the long jobs (socle_plugin_add_long_job)
 * off the loop thread.
 *
 * Why: the loop thread delivers every service's events and sends its mails.
 * A job that holds it for seconds (tracking's nightly recomputation: 5 to 7 s
 * at 500,000 workers) made every convocation and every event of every service
 * wait. Long jobs are claimed by the loop as any job ('running' in core_job,
 * in one transaction) and handed here; the pool runs them and records their
 * outcome, so durability is unchanged: a process that dies leaves them
 * 'running', and the next owner of the queue puts them back (jobs.c).
 *
 * Stopping waits for what the pool holds: a job already claimed is run to
 * its end rather than abandoned half way. */
#include <pthread.h>
#include <stdlib.h>

#include "jobs.h"

struct pool_item {
	struct pool_item *next;
	socle_service *svc;
	struct claimed_job job;
};

struct job_pool {
	socle_core *core;
	pthread_t threads[JOB_POOL_THREADS];
	size_t n_threads;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct pool_item *head, *tail;
	bool stopping;
};

static void *pool_main(void *arg)
{
	struct job_pool *pool = arg;

	pthread_mutex_lock(&pool->mu);
	for (;;) {
		while (pool->head == NULL && !pool->stopping)
			pthread_cond_wait(&pool->cv, &pool->mu);
		struct pool_item *it = pool->head;

		if (it == NULL)
			break; /* stopping, and nothing left */
		pool->head = it->next;
		if (pool->head == NULL)
			pool->tail = NULL;
		pthread_mutex_unlock(&pool->mu);
		jobs_run_one(pool->core, it->svc, &it->job);
		free(it->job.kind);
		free(it->job.payload);
		free(it);
		pthread_mutex_lock(&pool->mu);
	}
	pthread_mutex_unlock(&pool->mu);
	return NULL;
}

int job_pool_start(socle_core *core, socle_err *err)
{
	struct job_pool *pool = calloc(1, sizeof(*pool));

	if (pool == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
	pool->core = core;
	pthread_mutex_init(&pool->mu, NULL);
	pthread_cond_init(&pool->cv, NULL);
	for (size_t i = 0; i < JOB_POOL_THREADS; i++) {
		if (pthread_create(&pool->threads[i], NULL, pool_main, pool) != 0)
			break;
		pool->n_threads++;
	}
	if (pool->n_threads == 0) {
		pthread_cond_destroy(&pool->cv);
		pthread_mutex_destroy(&pool->mu);
		free(pool);
		return socle_err_set(err, SOCLE_E_INTERNAL, "cannot start the job pool");
	}
	core->job_pool = pool;
	return 0;
}

void job_pool_stop(socle_core *core)
{
	struct job_pool *pool = core ? core->job_pool : NULL;

	if (pool == NULL)
		return;
	pthread_mutex_lock(&pool->mu);
	pool->stopping = true;
	pthread_cond_broadcast(&pool->cv);
	pthread_mutex_unlock(&pool->mu);
	for (size_t i = 0; i < pool->n_threads; i++)
		pthread_join(pool->threads[i], NULL);
	core->job_pool = NULL;
	pthread_cond_destroy(&pool->cv);
	pthread_mutex_destroy(&pool->mu);
	free(pool);
}

bool job_pool_submit(socle_core *core, socle_service *svc, struct claimed_job *j)
{
	struct job_pool *pool = core ? core->job_pool : NULL;
	struct pool_item *it;

	if (pool == NULL || (it = calloc(1, sizeof(*it))) == NULL)
		return false;
	it->svc = svc;
	it->job = *j;
	j->kind = NULL; /* the pool owns the strings now */
	j->payload = NULL;
	pthread_mutex_lock(&pool->mu);
	if (pool->stopping) {
		pthread_mutex_unlock(&pool->mu);
		*j = it->job; /* give them back: the caller runs it */
		free(it);
		return false;
	}
	if (pool->tail)
		pool->tail->next = it;
	else
		pool->head = it;
	pool->tail = it;
	pthread_cond_signal(&pool->cv);
	pthread_mutex_unlock(&pool->mu);
	return true;
}
