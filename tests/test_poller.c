/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The polling worker pool (lib/driver/poller.c) with fake jobs: jobs that sleep a
 * given time, and jobs that block until their deadline like a call to a
 * SIGSTOPped agent. Completion times are measured on CLOCK_MONOTONIC.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "clock.h"
#include "poller.h"
#include "unit.h"

#define MS 1000000ULL
#define SLACK_NS (40 * MS) /* scheduling slack allowed on a loaded CI host */
#define BLOCK UINT64_MAX   /* fake_job: block until the deadline */

struct fake {
	uint64_t sleep_ns; /* or BLOCK */
	pthread_t thread;  /* the worker that ran it */
	atomic_uint *active, *peak;
};

static void sleep_until(uint64_t t_ns)
{
	struct timespec ts = { .tv_sec = t_ns / 1000000000ULL, .tv_nsec = t_ns % 1000000000ULL };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static int fake_job(struct daqs_guest *g, void *ud, uint64_t deadline_ns)
{
	struct fake *f = ud;
	unsigned now = 0, peak;

	f->thread = pthread_self();
	if (f->active) {
		now = atomic_fetch_add(f->active, 1) + 1;
		peak = atomic_load(f->peak);
		while (now > peak && !atomic_compare_exchange_weak(f->peak, &peak, now))
			;
	}
	if (f->sleep_ns == BLOCK) {
		sleep_until(deadline_ns);
	} else {
		uint64_t end = daqs_monotonic_ns() + f->sleep_ns;

		sleep_until(end < deadline_ns ? end : deadline_ns);
	}
	if (f->active)
		atomic_fetch_sub(f->active, 1);
	return f->sleep_ns == BLOCK ? -ETIMEDOUT : 0;
}

static void jobs_init(struct daqs_poll_job *jobs, struct fake *f, size_t n, uint64_t sleep_ns)
{
	memset(jobs, 0, n * sizeof(*jobs));
	memset(f, 0, n * sizeof(*f));
	for (size_t i = 0; i < n; i++) {
		f[i].sleep_ns = sleep_ns;
		jobs[i].fn = fake_job;
		jobs[i].ud = &f[i];
		jobs[i].result = 1; /* must be overwritten */
	}
}

START_TEST(test_empty)
{
	struct daqs_poller *p = daqs_poller_new(4);

	ck_assert_int_eq(daqs_poller_run(p, NULL, 0, daqs_monotonic_ns() + 100 * MS), 0);
	ck_assert_uint_eq(daqs_poller_workers(p), 0);
	daqs_poller_free(p);
	daqs_poller_free(NULL);
}
END_TEST

START_TEST(test_all_complete)
{
	struct daqs_poll_job jobs[8];
	struct fake f[8];
	struct daqs_poller *p = daqs_poller_new(0);
	uint64_t t0 = daqs_monotonic_ns();

	jobs_init(jobs, f, 8, 5 * MS);
	ck_assert_int_eq(daqs_poller_run(p, jobs, 8, t0 + 1000 * MS), 0);
	for (size_t i = 0; i < 8; i++) {
		ck_assert_int_eq(jobs[i].result, 0);
		ck_assert(jobs[i].ran);
		ck_assert_uint_ge(jobs[i].start_ns, t0);
		ck_assert_uint_ge(jobs[i].done_ns, jobs[i].start_ns + 5 * MS);
	}
	ck_assert_uint_eq(daqs_poller_workers(p), 8); /* min(N = 8, default 16) */
	daqs_poller_free(p);
}
END_TEST

/* One agent hangs: the other jobs finish on time, the cycle ends at the deadline. */
START_TEST(test_blocked_does_not_delay)
{
	struct daqs_poll_job jobs[6];
	struct fake f[6];
	struct daqs_poller *p = daqs_poller_new(4);
	uint64_t t0 = daqs_monotonic_ns(), deadline = t0 + 300 * MS;

	jobs_init(jobs, f, 6, 10 * MS);
	f[0].sleep_ns = BLOCK; /* first in line */
	ck_assert_int_eq(daqs_poller_run(p, jobs, 6, deadline), 0);
	ck_assert_uint_le(daqs_monotonic_ns(), deadline + SLACK_NS);
	ck_assert_int_eq(jobs[0].result, -ETIMEDOUT);
	ck_assert_uint_ge(jobs[0].done_ns, deadline);
	for (size_t i = 1; i < 6; i++) {
		ck_assert_int_eq(jobs[i].result, 0);
		/* 5 jobs of 10 ms on the 3 free workers: 2 rounds */
		ck_assert_uint_le(jobs[i].done_ns - t0, 20 * MS + SLACK_NS);
	}
	daqs_poller_free(p);
}
END_TEST

START_TEST(test_workers_bound_parallelism)
{
	struct daqs_poll_job jobs[16];
	struct fake f[16];
	atomic_uint active = 0, peak = 0;
	struct daqs_poller *p = daqs_poller_new(3);
	uint64_t t0 = daqs_monotonic_ns();

	jobs_init(jobs, f, 16, 5 * MS);
	for (size_t i = 0; i < 16; i++) {
		f[i].active = &active;
		f[i].peak = &peak;
	}
	ck_assert_int_eq(daqs_poller_run(p, jobs, 16, t0 + 2000 * MS), 0);
	ck_assert_uint_eq(atomic_load(&peak), 3);
	ck_assert_uint_eq(daqs_poller_workers(p), 3);
	/* 16 jobs of 5 ms on 3 workers: at least ceil(16 / 3) = 6 rounds */
	ck_assert_uint_ge(daqs_monotonic_ns() - t0, 30 * MS);
	daqs_poller_free(p);
}
END_TEST

static bool seen(const pthread_t *v, size_t n, pthread_t t)
{
	for (size_t i = 0; i < n; i++)
		if (pthread_equal(v[i], t))
			return true;
	return false;
}

/* Many cycles, growing then shrinking N: the same W threads serve them all. */
START_TEST(test_reuse_workers)
{
	struct daqs_poll_job jobs[6];
	struct fake f[6];
	pthread_t ids[64];
	size_t nids = 0;
	struct daqs_poller *p = daqs_poller_new(4);

	for (int c = 0; c < 30; c++) {
		size_t n = 1 + (size_t)c % 6;

		jobs_init(jobs, f, n, 1 * MS);
		ck_assert_int_eq(daqs_poller_run(p, jobs, n, daqs_monotonic_ns() + 500 * MS), 0);
		for (size_t i = 0; i < n; i++) {
			ck_assert_int_eq(jobs[i].result, 0);
			if (!seen(ids, nids, f[i].thread) && nids < 64)
				ids[nids++] = f[i].thread;
		}
	}
	ck_assert_uint_le(nids, 4);
	ck_assert_uint_eq(daqs_poller_workers(p), 4);
	daqs_poller_free(p);
}
END_TEST

START_TEST(test_more_jobs_than_workers)
{
	struct daqs_poll_job jobs[10];
	struct fake f[10];
	struct daqs_poller *p = daqs_poller_new(2);
	uint64_t t0 = daqs_monotonic_ns(), took;

	jobs_init(jobs, f, 10, 10 * MS);
	ck_assert_int_eq(daqs_poller_run(p, jobs, 10, t0 + 2000 * MS), 0);
	took = daqs_monotonic_ns() - t0;
	for (size_t i = 0; i < 10; i++)
		ck_assert_int_eq(jobs[i].result, 0);
	ck_assert_uint_ge(took, 50 * MS); /* 5 rounds of 10 ms */
	ck_assert_uint_le(took, 50 * MS + 2 * SLACK_NS);
	daqs_poller_free(p);
}
END_TEST

/* More hung agents than workers: the cycle still ends at the deadline; jobs behind starve. */
START_TEST(test_hung_exceed_workers)
{
	struct daqs_poll_job jobs[5];
	struct fake f[5];
	struct daqs_poller *p = daqs_poller_new(2);
	uint64_t t0 = daqs_monotonic_ns(), deadline = t0 + 100 * MS;

	jobs_init(jobs, f, 5, 1 * MS);
	f[0].sleep_ns = f[1].sleep_ns = f[2].sleep_ns = BLOCK;
	ck_assert_int_eq(daqs_poller_run(p, jobs, 5, deadline), 0);
	ck_assert_uint_le(daqs_monotonic_ns(), deadline + SLACK_NS);
	ck_assert(jobs[0].ran && jobs[1].ran);
	for (size_t i = 2; i < 5; i++) {
		ck_assert(!jobs[i].ran);
		ck_assert_int_eq(jobs[i].result, -ETIMEDOUT);
	}
	daqs_poller_free(p);
}
END_TEST

START_TEST(test_past_deadline)
{
	struct daqs_poll_job jobs[3];
	struct fake f[3];
	struct daqs_poller *p = daqs_poller_new(2);

	jobs_init(jobs, f, 3, 1 * MS);
	ck_assert_int_eq(daqs_poller_run(p, jobs, 3, daqs_monotonic_ns() - 1), 0);
	for (size_t i = 0; i < 3; i++) {
		ck_assert(!jobs[i].ran);
		ck_assert_int_eq(jobs[i].result, -ETIMEDOUT);
		ck_assert_uint_ge(jobs[i].done_ns, jobs[i].start_ns);
	}
	daqs_poller_free(p);
}
END_TEST

START_TEST(test_duplicate_guest)
{
	struct daqs_poll_job jobs[3];
	struct fake f[3];
	char tok[2];
	struct daqs_poller *p = daqs_poller_new(2);

	jobs_init(jobs, f, 3, 1 * MS);
	jobs[0].guest = (struct daqs_guest *)&tok[0];
	jobs[1].guest = (struct daqs_guest *)&tok[1];
	jobs[2].guest = (struct daqs_guest *)&tok[0];
	ck_assert_int_eq(daqs_poller_run(p, jobs, 3, daqs_monotonic_ns() + 100 * MS), -EINVAL);
	ck_assert_int_eq(jobs[0].result, 1); /* nothing ran */
	jobs[2].guest = NULL;		     /* NULL guests are not compared */
	ck_assert_int_eq(daqs_poller_run(p, jobs, 3, daqs_monotonic_ns() + 100 * MS), 0);
	ck_assert_int_eq(jobs[2].result, 0);
	daqs_poller_free(p);
}
END_TEST

Suite *daqs_test_poller_suite(void)
{
	Suite *s = suite_create("poller");
	TCase *tc = tcase_create("pool");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_all_complete);
	tcase_add_test(tc, test_blocked_does_not_delay);
	tcase_add_test(tc, test_workers_bound_parallelism);
	tcase_add_test(tc, test_reuse_workers);
	tcase_add_test(tc, test_more_jobs_than_workers);
	tcase_add_test(tc, test_hung_exceed_workers);
	tcase_add_test(tc, test_past_deadline);
	tcase_add_test(tc, test_duplicate_guest);
	suite_add_tcase(s, tc);
	return s;
}
