/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A guest's TCP queueing delay (pure parser of `ss -tinH state established`,
 * iproute2 4.x-6.x): how much longer its sending flows' packets take than
 * their own fastest round trip, i.e. how long they wait in queues.
 *
 * Each socket is a line "Recv-Q Send-Q local peer" and an indented line of
 * key:value fields; read here: rtt:SRTT/RTTVAR (ms), minrtt:MS, lastsnd:MS
 * (since the last data sent; ss prints none when it is 0, so a missing one
 * reads as 0: measured in daqsd, a sending flow showed none every few
 * samples). A flow counts when it sent within recent_ms
 * (an idle connection's srtt is stale) and carries both rtt and minrtt; its
 * delay is srtt - minrtt (>= 0). Out: the flows counted and the largest delay.
 * At a saturated shared link the sending flows of a VM that its own HTB does
 * not hold back wait in the link's queue: scripts/probe-signals measured
 * 2.3-7.3 ms there against 0.04-0.08 ms on the same link not full, while TCP
 * retransmitted (almost) nothing (README, the closed loop).
 * The guest is not trusted: text past DAQS_TCPQUEUE_MAX_TEXT bytes, a NUL
 * byte or more than DAQS_TCPQUEUE_MAX_FLOWS socket lines is -EPROTO; a field
 * that does not parse as a finite number >= 0 leaves that socket out.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DAQS_TCPQUEUE_MAX_TEXT (1u << 20)
#define DAQS_TCPQUEUE_MAX_FLOWS 4096u

struct daqs_tcpqueue {
	unsigned flows;	 /* sending flows counted */
	double delay_ms; /* largest srtt - minrtt among them; 0 when none */
	/* the shaped interface's root HTB (daqs's limit), from `tc -s -j qdisc show dev IF` */
	bool have_own;	      /* it was read and is there */
	uint64_t own_backlog; /* bytes queued in it (0: no root HTB) */
};

/* text[0..len). 0, or -EPROTO (out zeroed). */
int daqs_tcpqueue_parse(const char *text, size_t len, uint32_t recent_ms,
			struct daqs_tcpqueue *out);

/*
 * The backlog of the root HTB in `tc -s -j qdisc show dev IF` (JSON array of
 * qdiscs; the one with "root": true and "kind": "htb"): a VM held by its own
 * limit has a standing queue there, one held by the link has none
 * (measured on the fixture: 136 KB at and near its limit, 0 while the link
 * squeezed it 30 % below; HTB's overlimits counted 2.4 % of packets in both).
 * *found: there is a root HTB (none: *backlog 0, and nothing says whether
 * the VM's own limit holds it: a VF rate, say). 0, or -EPROTO (not that
 * JSON; *backlog 0, *found false).
 */
int daqs_tcpqueue_parse_backlog(const char *text, size_t len, uint64_t *backlog, bool *found);
