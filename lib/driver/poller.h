/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-guest polling cycles on a fixed pool of worker threads.
 *
 * Why a pool over blocking per-guest calls rather than one event-driven
 * state machine: the guest layer (guest.h) stays a plain sequence of
 * blocking verbs (sync handshake, exec + status polling, file open/read/
 * close, reaping) that would otherwise have to be rewritten as resumable
 * states; every call it makes is already bounded by an absolute deadline, so
 * a hung agent costs one worker until that deadline and no more; and W
 * threads bound the cost (W stacks, W sockets in flight), whatever N is.
 * House style rule 13 asks for a measured reason for threads: a sequential
 * cycle over N guests takes the sum of their latencies, and one SIGSTOPped
 * agent alone eats the whole deadline of everyone queued behind it
 * (tests/integration/poller.sh, scripts/bench-agent PARALLEL=W).
 *
 * Hung agents: every job of a cycle gets the same absolute deadline (the
 * cycle deadline), so a cycle never lasts much past its deadline, however
 * many agents hang. The price is paid by the guests queued behind them:
 * with H hung agents and H >= W, all W workers sit in hung calls until the
 * deadline and the jobs still queued then are failed with -ETIMEDOUT without
 * being run (ran = false). With relative per-job budgets instead, the same
 * situation would take ceil(H / W) x budget per cycle; the shared absolute
 * deadline trades that for starvation. So the daemon should size W above
 * the number of agents it expects to hang at once (default 16), and should
 * not queue a guest whose last job timed out every cycle: probe it with a
 * cheap job (guest-ping) every few cycles until it answers, and put such
 * suspects at the end of the job array (jobs are started in array order).
 *
 * One guest, one job: struct daqs_guest is not thread-safe and libvirt also
 * allows one agent job per domain. daqs_poller_run returns only when every
 * job of the cycle has finished, so a job can never outlive its cycle and a
 * guest cannot be in two jobs across cycles; within a cycle the caller
 * passes distinct guests (checked: -EINVAL), and a second run() while one is
 * in progress (another thread) fails with -EBUSY.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DAQS_POLLER_MAX_WORKERS 16 /* default for max_workers = 0 */

struct daqs_guest;
struct daqs_poller;

struct daqs_poll_job {
	/* in: fn(guest, ud, deadline_ns) returns 0 / -errno and must respect the deadline */
	int (*fn)(struct daqs_guest *g, void *ud, uint64_t deadline_ns);
	struct daqs_guest *guest; /* NULL allowed (not checked for duplicates) */
	void *ud;
	/* out (CLOCK_MONOTONIC, ns) */
	int result;	   /* fn's return, or -ETIMEDOUT when not started before the deadline */
	bool ran;	   /* fn was called */
	uint64_t start_ns; /* when a worker took the job */
	uint64_t done_ns;  /* when it finished */
};

/*
 * max_workers: the pool never grows beyond it (0 = DAQS_POLLER_MAX_WORKERS).
 * Workers are started on demand, min(n, max_workers) for the largest cycle
 * seen, and reused by every later cycle. Never fails (no thread yet).
 */
struct daqs_poller *daqs_poller_new(unsigned max_workers);
/* Stops and joins the workers (no cycle may be running). NULL is a no-op. */
void daqs_poller_free(struct daqs_poller *p);

/*
 * Run jobs[0..n) on the pool, each with deadline_ns, and return when all
 * finished: 0 (each job's own outcome is in job->result), -EINVAL a guest
 * appears twice, -EBUSY a cycle is already running, -EAGAIN no worker
 * thread could be started (jobs untouched). n = 0 returns 0 at once.
 */
int daqs_poller_run(struct daqs_poller *p, struct daqs_poll_job *jobs, size_t n,
		    uint64_t deadline_ns);
/* Worker threads started so far (tests, metrics). */
unsigned daqs_poller_workers(struct daqs_poller *p);
