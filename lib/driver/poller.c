/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Worker pool for per-guest polling cycles (design notes in poller.h). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "agent.h"
#include "clock.h"
#include "mem.h"
#include "poller.h"

struct daqs_poller {
	pthread_mutex_t lock;
	pthread_cond_t work; /* workers: a cycle was posted, or stop */
	pthread_cond_t done; /* run(): the last job of the cycle finished */
	pthread_t *threads;
	unsigned nthreads, max;
	/* the current cycle, under lock */
	struct daqs_poll_job *jobs;
	size_t n, next, finished;
	uint64_t deadline_ns;
	bool running, stop;
};

struct daqs_poller *daqs_poller_new(unsigned max_workers)
{
	struct daqs_poller *p = daqs_calloc(1, sizeof(*p));

	p->max = max_workers ? max_workers : DAQS_POLLER_MAX_WORKERS;
	p->threads = daqs_calloc(p->max, sizeof(*p->threads));
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	return p;
}

static void daqs_poller_job_run(struct daqs_poll_job *job, uint64_t deadline_ns)
{
	job->start_ns = daqs_monotonic_ns();
	job->ran = job->start_ns < deadline_ns;
	if (job->ran)
		job->result = job->fn(job->guest, job->ud, deadline_ns);
	else
		job->result = -ETIMEDOUT;
	job->done_ns = daqs_monotonic_ns();
}

static void *daqs_poller_worker(void *arg)
{
	struct daqs_poller *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct daqs_poll_job *job;
		uint64_t deadline_ns;

		while (!p->stop && p->next >= p->n)
			pthread_cond_wait(&p->work, &p->lock);
		if (p->stop)
			break;
		job = &p->jobs[p->next++];
		deadline_ns = p->deadline_ns;
		pthread_mutex_unlock(&p->lock);
		daqs_poller_job_run(job, deadline_ns);
		pthread_mutex_lock(&p->lock);
		if (++p->finished == p->n)
			pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* Start workers up to min(want, max); -EAGAIN only when none runs at all. */
static int daqs_poller_grow(struct daqs_poller *p, size_t want)
{
	if (want > p->max)
		want = p->max;
	while (p->nthreads < want) {
		if (pthread_create(&p->threads[p->nthreads], NULL, daqs_poller_worker, p))
			break;
		p->nthreads++;
	}
	return p->nthreads ? 0 : -EAGAIN;
}

static int cmp_ptr(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;

	return x < y ? -1 : x > y;
}

static bool daqs_poller_dup_guest(const struct daqs_poll_job *jobs, size_t n)
{
	const struct daqs_guest **v = daqs_calloc(n, sizeof(*v));
	size_t k = 0;
	bool dup = false;

	for (size_t i = 0; i < n; i++)
		if (jobs[i].guest)
			v[k++] = jobs[i].guest;
	qsort(v, k, sizeof(*v), cmp_ptr);
	for (size_t i = 1; i < k && !dup; i++)
		dup = v[i] == v[i - 1];
	free(v);
	return dup;
}

static int daqs_poller_claim(struct daqs_poller *p)
{
	int r = 0;

	pthread_mutex_lock(&p->lock);
	if (p->running)
		r = -EBUSY;
	p->running = true;
	pthread_mutex_unlock(&p->lock);
	return r;
}

int daqs_poller_run(struct daqs_poller *p, struct daqs_poll_job *jobs, size_t n,
		    uint64_t deadline_ns)
{
	int r;

	if (!n)
		return 0;
	if (daqs_poller_dup_guest(jobs, n))
		return -EINVAL;
	r = daqs_poller_claim(p);
	if (r < 0)
		return r;
	pthread_mutex_lock(&p->lock);
	r = daqs_poller_grow(p, n);
	if (!r) {
		p->jobs = jobs;
		p->n = n;
		p->next = 0;
		p->finished = 0;
		p->deadline_ns = deadline_ns;
		pthread_cond_broadcast(&p->work);
		while (p->finished < p->n)
			pthread_cond_wait(&p->done, &p->lock);
		p->jobs = NULL;
		p->n = p->next = p->finished = 0;
	}
	p->running = false;
	pthread_mutex_unlock(&p->lock);
	return r;
}

unsigned daqs_poller_workers(struct daqs_poller *p)
{
	unsigned n;

	pthread_mutex_lock(&p->lock);
	n = p->nthreads;
	pthread_mutex_unlock(&p->lock);
	return n;
}

void daqs_poller_free(struct daqs_poller *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_cond_destroy(&p->done);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->lock);
	free(p->threads);
	free(p);
}
