/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * agent-bench: per-call latency of the guest-agent verbs and the time of one
 * sample-all cycle, over real agents (driven by scripts/bench-agent).
 *
 *   agent-bench [--parallel W] ROUNDS SOCKET...
 *
 * One raw-socket transport and guest session per socket. Per round: a
 * sample-all cycle (guest-network-get-interfaces on every guest: one after
 * the other, or with --parallel W as one lib/driver/poller.c cycle on at most W
 * worker threads, where the per-call figure is the job's own start to
 * completion), then guest-ping on every guest; every 5th round also one
 * guest-exec of /bin/true with its status polling and reaping. Prints
 * median and p90 in milliseconds per measure, one line each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "agent_socket.h"
#include "clock.h"
#include "guest.h"
#include "mem.h"
#include "poller.h"

#define DEADLINE_NS (2ULL * 1000000000ULL)

struct series {
	const char *name;
	double *v;
	size_t n, cap;
	unsigned errors;
};

static void add(struct series *s, double ms)
{
	daqs_grow((void **)&s->v, &s->cap, s->n + 1, sizeof(*s->v));
	s->v[s->n++] = ms;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(struct series *s, size_t agents)
{
	if (!s->n) {
		printf("%-22s agents %4zu  no successful call (errors %u)\n", s->name, agents,
		       s->errors);
		return;
	}
	qsort(s->v, s->n, sizeof(*s->v), cmp_double);
	printf("%-22s agents %4zu  n %5zu  median %8.2f ms  p90 %8.2f ms  errors %u\n", s->name,
	       agents, s->n, s->v[s->n / 2], s->v[(s->n * 9) / 10], s->errors);
}

static double ms_since(uint64_t t0)
{
	return (double)(daqs_monotonic_ns() - t0) / 1e6;
}

static void time_call(struct series *s, int r, uint64_t t0)
{
	if (r < 0)
		s->errors++;
	else
		add(s, ms_since(t0));
}

static int interfaces_job(struct daqs_guest *g, void *ud, uint64_t deadline_ns)
{
	struct daqs_qga_iface *v = NULL;
	size_t k = 0;
	int r = daqs_guest_interfaces(g, deadline_ns, &v, &k);

	free(v);
	return r;
}

/* The sample-all cycle as one poller cycle; jobs has n slots. */
static void sample_parallel(struct daqs_poller *p, struct daqs_poll_job *jobs,
			    struct daqs_guest **g, size_t n, struct series *m)
{
	uint64_t cycle = daqs_monotonic_ns();

	for (size_t i = 0; i < n; i++)
		jobs[i] = (struct daqs_poll_job){ .fn = interfaces_job, .guest = g[i] };
	if (daqs_poller_run(p, jobs, n, cycle + DEADLINE_NS) < 0) {
		m[1].errors++;
		return;
	}
	add(&m[1], ms_since(cycle));
	for (size_t i = 0; i < n; i++) {
		if (jobs[i].result < 0)
			m[0].errors++;
		else
			add(&m[0], (double)(jobs[i].done_ns - jobs[i].start_ns) / 1e6);
	}
}

static void sample_sequential(struct daqs_guest **g, size_t n, struct series *m)
{
	uint64_t cycle = daqs_monotonic_ns();

	for (size_t i = 0; i < n; i++) {
		uint64_t t0 = daqs_monotonic_ns();

		time_call(&m[0], interfaces_job(g[i], NULL, t0 + DEADLINE_NS), t0);
	}
	add(&m[1], ms_since(cycle));
}

static void one_round(struct daqs_guest **g, size_t n, int round, struct series *m)
{
	static const char *const argv[] = { "true", NULL };

	for (size_t i = 0; i < n; i++) {
		uint64_t t0 = daqs_monotonic_ns();

		time_call(&m[2], daqs_guest_ping(g[i], t0 + DEADLINE_NS), t0);
	}
	for (size_t i = 0; round % 5 == 0 && i < n; i++) {
		struct daqs_qga_exec_status st = { 0 };
		uint64_t t0 = daqs_monotonic_ns();

		time_call(&m[3],
			  daqs_guest_exec(g[i], "/bin/true", argv, NULL, 0, t0 + DEADLINE_NS, &st),
			  t0);
		daqs_qga_exec_status_clear(&st);
	}
}

int main(int argc, char **argv)
{
	struct series m[] = {
		{ .name = "interfaces (per call)" },
		{ .name = "sample-all cycle" },
		{ .name = "ping (per call)" },
		{ .name = "exec /bin/true" },
	};
	int a = argc > 2 && !strcmp(argv[1], "--parallel") ? 3 : 1;
	int workers = a == 3 ? atoi(argv[2]) : 0;
	int rounds = argc > a + 1 ? atoi(argv[a]) : 0;
	size_t n = argc > a + 1 ? (size_t)(argc - a - 1) : 0;
	struct daqs_poller *p = NULL;
	struct daqs_poll_job *jobs;
	struct daqs_guest **g;

	if (rounds < 1 || !n || (a == 3 && workers < 1)) {
		fprintf(stderr, "usage: agent-bench [--parallel W] ROUNDS SOCKET...\n");
		return 2;
	}
	if (workers)
		p = daqs_poller_new((unsigned)workers);
	printf("sample-all: %s\n", p ? "parallel (lib/driver/poller.c)" : "sequential");
	if (p)
		printf("workers %d (max), %zu agents\n", workers, n);
	jobs = daqs_calloc(n, sizeof(*jobs));
	g = daqs_calloc(n, sizeof(*g));
	for (size_t i = 0; i < n; i++) {
		g[i] = daqs_guest_new(daqs_agent_socket_new(argv[a + 1 + i], NULL, NULL),
				      argv[a + 1 + i], NULL, NULL);
		daqs_guest_ping(g[i], daqs_monotonic_ns() + DEADLINE_NS); /* connect + resync */
	}
	for (int r = 0; r < rounds; r++) {
		if (p)
			sample_parallel(p, jobs, g, n, m);
		else
			sample_sequential(g, n, m);
		one_round(g, n, r, m);
	}
	daqs_poller_free(p);
	free(jobs);
	for (size_t k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
		report(&m[k], n);
		free(m[k].v);
	}
	for (size_t i = 0; i < n; i++)
		daqs_guest_free(g[i]);
	free(g);
	return 0;
}
