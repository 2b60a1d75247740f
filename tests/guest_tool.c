/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * guest-tool: lib/adapters/guest.c verbs as a command, for
 * tests/integration/guest-agent.sh. One raw-socket transport per run.
 *
 *   guest-tool SOCKET info              version=V limited=0|1
 *   guest-tool SOCKET ifaces            NAME MAC stats=0|1 RXB RXP TXB TXP, one a line
 *   guest-tool SOCKET procnetdev        NAME RXB RXP TXB TXP (guest-file-read of /proc/net/dev)
 *   guest-tool SOCKET tcpqueue IFNAME       TCP queueing delay (ss) and IFNAME's root HTB backlog (tc)
 *   guest-tool SOCKET discover MAC      the interface picked for MAC
 *   guest-tool SOCKET state IFNAME      the tc readback, one line of key=value
 *   guest-tool SOCKET apply IFNAME RATE ran=0|1 (RATE a daqs rate or "unlimited")
 *   guest-tool SOCKET reap MS           runs /bin/sleep 1 with an MS deadline, then
 *                                       pings until the pid is reaped; prints
 *                                       "exec=ERR pending=N" and "after=N"
 * Exit 0 ok; 1 a verb failed ("guest-tool: error ENAME" on stderr); 2 usage.
 * Log lines of the transport and the session go to stderr, "guest-tool: ".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent_socket.h"
#include "clock.h"
#include "guest.h"
#include "mem.h"
#include "procnetdev.h"
#include "sla.h"
#include "units.h"

#define DEADLINE_MS 10000ULL
#define MS 1000000ULL

static void tool_log(void *ud, const char *msg)
{
	fprintf(stderr, "guest-tool: %s\n", msg);
}

static int usage(void)
{
	fputs("usage: guest-tool SOCKET info|ifaces|procnetdev|tcpqueue IFNAME|discover MAC|state IFNAME|"
	      "apply IFNAME RATE|reap MS\n",
	      stderr);
	return 2;
}

static const char *errname(int e)
{
	static const struct {
		int e;
		const char *name;
	} names[] = {
		{ EPERM, "EPERM" },
		{ EINVAL, "EINVAL" },
		{ ETIMEDOUT, "ETIMEDOUT" },
		{ ENOENT, "ENOENT" },
		{ EIO, "EIO" },
		{ ENODEV, "ENODEV" },
		{ EPROTO, "EPROTO" },
		{ EREMOTEIO, "EREMOTEIO" },
		{ ENOTUNIQ, "ENOTUNIQ" },
		{ ECONNREFUSED, "ECONNREFUSED" },
		{ EFBIG, "EFBIG" },
	};

	for (size_t i = 0; i < DAQS_ARRAY_SIZE(names); i++)
		if (names[i].e == e)
			return names[i].name;
	return "E?";
}

static int result(int r)
{
	if (r == 0)
		return 0;
	fprintf(stderr, "guest-tool: error %s\n", errname(-r));
	return 1;
}

static uint64_t deadline(void)
{
	return daqs_monotonic_ns() + DEADLINE_MS * MS;
}

static int cmd_info(struct daqs_guest *g)
{
	struct daqs_qga_info info;
	int r = daqs_guest_info(g, deadline(), &info);

	if (r == 0)
		printf("version=%s limited=%d\n", info.version, daqs_guest_limited(g));
	return result(r);
}

static int cmd_ifaces(struct daqs_guest *g)
{
	struct daqs_qga_iface *v;
	size_t n;
	int r = daqs_guest_interfaces(g, deadline(), &v, &n);

	for (size_t i = 0; r == 0 && i < n; i++)
		printf("%s %s stats=%d %llu %llu %llu %llu\n", v[i].name,
		       v[i].mac[0] ? v[i].mac : "-", v[i].has_stats,
		       (unsigned long long)v[i].c.rx_bytes, (unsigned long long)v[i].c.rx_pkts,
		       (unsigned long long)v[i].c.tx_bytes, (unsigned long long)v[i].c.tx_pkts);
	if (r == 0)
		free(v);
	return result(r);
}

static int cmd_tcpqueue(struct daqs_guest *g, const char *ifname)
{
	struct daqs_tcpqueue q;
	int r = daqs_guest_tcp_queue(g, ifname, deadline(), &q);

	if (r == 0)
		printf("flows=%u delay_ms=%.3f own=%s backlog=%llu\n", q.flows, q.delay_ms,
		       q.have_own ? "read" : "unknown", (unsigned long long)q.own_backlog);
	return result(r);
}

static int cmd_procnetdev(struct daqs_guest *g)
{
	struct daqs_procnetdev *v = NULL;
	size_t len, n = 0, rej;
	char *buf;
	int r = daqs_guest_read_file(g, "/proc/net/dev", 65536, deadline(), &buf, &len);

	if (r == 0) {
		r = daqs_procnetdev_parse(buf, len, &v, &n, &rej);
		free(buf);
	}
	for (size_t i = 0; r == 0 && i < n; i++)
		printf("%s %llu %llu %llu %llu\n", v[i].name, (unsigned long long)v[i].c.rx_bytes,
		       (unsigned long long)v[i].c.rx_pkts, (unsigned long long)v[i].c.tx_bytes,
		       (unsigned long long)v[i].c.tx_pkts);
	free(v);
	return result(r);
}

static int cmd_state(struct daqs_guest *g, const char *ifname)
{
	struct daqs_tc_state st;
	int r = daqs_guest_tc_state(g, ifname, deadline(), &st);

	if (r == 0)
		printf("have_root=%d defcls=0x%x have_parent=%d parent_rate=%llu have_leaf=%d "
		       "rate=%llu ceil=%llu burst=%llu leaf_qdisc=%s\n",
		       st.have_root, st.defcls, st.have_parent,
		       (unsigned long long)st.parent_rate_bps, st.have_leaf,
		       (unsigned long long)st.rate_bps, (unsigned long long)st.ceil_bps,
		       (unsigned long long)st.burst_bytes, st.leaf_qdisc[0] ? st.leaf_qdisc : "-");
	return result(r);
}

static int cmd_apply(struct daqs_guest *g, const char *ifname, const char *rate)
{
	char why[160];
	uint64_t bps = DAQS_RATE_UNLIMITED;
	bool ran = false;
	int r;

	if (strcmp(rate, "unlimited") && daqs_units_parse_rate(rate, &bps, why, sizeof(why)) < 0) {
		fprintf(stderr, "guest-tool: %s\n", why);
		return 2;
	}
	r = daqs_guest_tc_apply(g, ifname, bps, deadline(), &ran);
	printf("ran=%d\n", ran);
	return result(r);
}

static int cmd_reap(struct daqs_guest *g, const char *ms)
{
	static const char *const argv[] = { "1", NULL };
	struct daqs_qga_exec_status st;
	long t = atol(ms);
	int r, i;

	r = daqs_guest_exec(g, "/bin/sleep", argv, NULL, 0, daqs_monotonic_ns() + (uint64_t)t * MS,
			    &st);
	printf("exec=%s pending=%zu\n", r ? errname(-r) : "0", daqs_guest_reap_pending(g));
	daqs_qga_exec_status_clear(&st);
	for (i = 0; i < 40 && daqs_guest_reap_pending(g); i++) {
		nanosleep(&(struct timespec){ .tv_nsec = 100000000 }, NULL);
		if (daqs_guest_ping(g, deadline()) < 0)
			break;
	}
	printf("after=%zu polls=%d\n", daqs_guest_reap_pending(g), i);
	return 0;
}

static int dispatch(struct daqs_guest *g, int argc, char **argv)
{
	const char *c = argv[2];

	if (argc == 3 && !strcmp(c, "info"))
		return cmd_info(g);
	if (argc == 3 && !strcmp(c, "ifaces"))
		return cmd_ifaces(g);
	if (argc == 3 && !strcmp(c, "procnetdev"))
		return cmd_procnetdev(g);
	if (argc == 4 && !strcmp(c, "tcpqueue"))
		return cmd_tcpqueue(g, argv[3]);
	if (argc == 4 && !strcmp(c, "state"))
		return cmd_state(g, argv[3]);
	if (argc == 5 && !strcmp(c, "apply"))
		return cmd_apply(g, argv[3], argv[4]);
	if (argc == 4 && !strcmp(c, "reap"))
		return cmd_reap(g, argv[3]);
	if (argc == 4 && !strcmp(c, "discover")) {
		char ifname[DAQS_IFNAMSIZ];
		int r = daqs_guest_discover(g, argv[3], deadline(), ifname);

		if (r == 0)
			printf("%s\n", ifname);
		return result(r);
	}
	return usage();
}

int main(int argc, char **argv)
{
	struct daqs_guest *g;
	int rc;

	if (argc < 3)
		return usage();
	g = daqs_guest_new(daqs_agent_socket_new(argv[1], tool_log, NULL), argv[1], tool_log, NULL);
	rc = dispatch(g, argc, argv);
	daqs_guest_free(g);
	return rc;
}
