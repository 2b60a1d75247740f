/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * poller-tool: sample-all cycles through lib/driver/poller.c over real agents, for
 * tests/integration/poller.sh. One raw-socket transport and guest session
 * per socket, kept for the whole run (so a timed-out transport must recover).
 *
 *   poller-tool [--workers W] DEADLINE_MS SOCKET...
 *
 * Reads commands on stdin, one a line: "cycles N" runs N cycles (each job:
 * guest-network-get-interfaces, all with the deadline cycle start +
 * DEADLINE_MS) and prints per cycle
 *   cycle K ms MS                  the whole cycle, run() call to return
 *   job K I ok|ENAME ran=0|1 ms MS guest I's completion, from the cycle start
 * then "end". EOF ends the run. Transport log lines go to stderr.
 * Exit 0; 1 a cycle could not run; 2 usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_socket.h"
#include "clock.h"
#include "guest.h"
#include "mem.h"
#include "poller.h"

#define MS 1000000ULL

static void tool_log(void *ud, const char *msg)
{
	fprintf(stderr, "poller-tool: %s\n", msg);
}

static int interfaces_job(struct daqs_guest *g, void *ud, uint64_t deadline_ns)
{
	struct daqs_qga_iface *v = NULL;
	size_t n = 0;
	int r = daqs_guest_interfaces(g, deadline_ns, &v, &n);

	free(v);
	return r;
}

static int run_cycles(struct daqs_poller *p, struct daqs_poll_job *jobs, struct daqs_guest **g,
		      size_t n, long cycles, uint64_t deadline_ms)
{
	static long k;

	for (long c = 0; c < cycles; c++, k++) {
		uint64_t t0;
		int r;

		memset(jobs, 0, n * sizeof(*jobs));
		for (size_t i = 0; i < n; i++)
			jobs[i] = (struct daqs_poll_job){ .fn = interfaces_job, .guest = g[i] };
		t0 = daqs_monotonic_ns();
		r = daqs_poller_run(p, jobs, n, t0 + deadline_ms * MS);
		if (r < 0) {
			fprintf(stderr, "poller-tool: cycle failed (%s)\n", strerror(-r));
			return r;
		}
		printf("cycle %ld ms %.2f\n", k, (double)(daqs_monotonic_ns() - t0) / 1e6);
		for (size_t i = 0; i < n; i++)
			printf("job %ld %zu %s ran=%d ms %.2f\n", k, i,
			       jobs[i].result < 0 ? strerrorname_np(-jobs[i].result) : "ok",
			       jobs[i].ran, (double)(jobs[i].done_ns - t0) / 1e6);
	}
	return 0;
}

static int serve(struct daqs_poller *p, struct daqs_guest **g, size_t n, uint64_t deadline_ms)
{
	struct daqs_poll_job *jobs = daqs_calloc(n, sizeof(*jobs));
	char line[128];
	int r = 0;

	while (!r && fgets(line, sizeof(line), stdin)) {
		long cycles;

		if (sscanf(line, "cycles %ld", &cycles) != 1 || cycles < 0) {
			fprintf(stderr, "poller-tool: unknown command '%s'\n", line);
			continue;
		}
		r = run_cycles(p, jobs, g, n, cycles, deadline_ms);
		printf("end\n");
		fflush(stdout);
	}
	free(jobs);
	return r ? 1 : 0;
}

int main(int argc, char **argv)
{
	unsigned workers = 0;
	int a = 1, rc;
	long deadline_ms;
	size_t n;
	struct daqs_guest **g;
	struct daqs_poller *p;

	if (argc > 2 && !strcmp(argv[1], "--workers")) {
		workers = (unsigned)atoi(argv[2]);
		a = 3;
	}
	deadline_ms = argc > a + 1 ? atol(argv[a]) : 0;
	if (deadline_ms <= 0) {
		fputs("usage: poller-tool [--workers W] DEADLINE_MS SOCKET...\n", stderr);
		return 2;
	}
	n = (size_t)(argc - a - 1);
	g = daqs_calloc(n, sizeof(*g));
	for (size_t i = 0; i < n; i++)
		g[i] = daqs_guest_new(daqs_agent_socket_new(argv[a + 1 + i], tool_log, NULL),
				      argv[a + 1 + i], tool_log, NULL);
	p = daqs_poller_new(workers);
	rc = serve(p, g, n, (uint64_t)deadline_ms);
	daqs_poller_free(p);
	for (size_t i = 0; i < n; i++)
		daqs_guest_free(g[i]);
	free(g);
	return rc;
}
