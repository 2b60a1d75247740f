/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One fake guest behind a fake qemu-guest-agent, for tests/agent_farm.c:
 * the QGA commands daqsd uses, answered the way qemu-ga 7.2 does
 * (tests/data/qga/ holds the real agent's lines), on a small guest model:
 *
 *   guest-sync-delimited      {"return": id}, to be sent after a 0xFF
 *   guest-sync, guest-ping, guest-info (guest-exec enabled)
 *   guest-network-get-interfaces
 *                             lo and eth0 (the guest's MAC), whose counters
 *                             grow at the guest's demand, held to the HTB
 *                             limit its fake tc state enforces: a limit
 *                             daqsd puts in really slows the guest down
 *   guest-exec, guest-exec-status
 *                             /sbin/tc or /usr/sbin/tc only, run by
 *                             fake_tc.c on the guest's own tc state (so
 *                             daqsd's readback verification passes only if
 *                             its plan did what it meant); the status says
 *                             exited once exec_ns has passed, and forgets
 *                             the pid once it said so (as qemu-ga does)
 *   guest-file-open/-read/-close
 *                             eth0's sysfs uevent files (a virtio NIC)
 *
 * Anything else gets qemu-ga's CommandNotFound; bad arguments get its
 * GenericError texts. Demand: high_bps for the first half of every
 * period_s (shifted by phase_s), low_bps for the second; period_s 0 =
 * high_bps always.
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#define FAKE_GUEST_IFNAME "eth0"

struct fake_guest_cfg {
	const char *name;
	const char *mac; /* eth0's, aa:bb:cc:dd:ee:ff */
	unsigned index;	 /* picks eth0's address, 198.19.x.y */
	double high_bps, low_bps, period_s, phase_s, rx_bps;
	bool fq_codel;	   /* the guest kernel has sch_fq_codel */
	uint64_t exec_ns;  /* how long a guest-exec "runs" */
	uint64_t start_ns; /* CLOCK_MONOTONIC origin of the demand's period */
};

struct fake_guest;

struct fake_guest *fake_guest_new(const struct fake_guest_cfg *cfg);
void fake_guest_free(struct fake_guest *g);

/*
 * One request (a parsed JSON value) at now_ns: the reply object,
 * {"return": ...} or {"error": {"class", "desc"}} (caller puts);
 * *sentinel is set when the reply must be preceded by a 0xFF byte.
 */
json_object *fake_guest_request(struct fake_guest *g, json_object *req, uint64_t now_ns,
				bool *sentinel);

/* {"name", "tx_bytes", "demand_bps", "limit_bps" (null = none), "requests", "execs"} */
json_object *fake_guest_dump(struct fake_guest *g, uint64_t now_ns);
