/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which guest interface carries the traffic of a tap: the one whose counters
 * track the tap's. The host's view of a virtio NIC (its tap) cannot be
 * forged from inside the guest, its name and MAC can: a guest that gives a
 * dummy interface the MAC daqsd finds it by (beside, or instead of, the real
 * NIC) would have the wrong device limited. Fed each period with the guest's
 * interfaces (guest-network-get-interfaces) and the tap's counters read with
 * them, it names the one interface whose transmitted and received bytes
 * moved like the tap's (within DAQS_CROSSCHECK_TOL), with at least
 * DAQS_TAPMATCH_MIN_BYTES moved, DAQS_TAPMATCH_TIMES samples in a row. Two
 * or more that track it (a bond and its member) or none (an idle guest, an
 * agent that lies): no answer. Pure.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "estimator.h"
#include "netname.h"
#include "qga.h"

#define DAQS_TAPMATCH_MAX 16 /* guest interfaces compared (with stats, those that moved most) */
#define DAQS_TAPMATCH_MIN_BYTES 65536 /* the tap's bytes in a sample to tell by */
#define DAQS_TAPMATCH_TIMES 3	      /* samples in a row naming the same interface */

struct daqs_tapmatch {
	struct daqs_qga_iface prev[DAQS_TAPMATCH_MAX];
	size_t n_prev;
	struct daqs_counters host_prev; /* the tap's, in the guest's orientation */
	bool have_prev;
	char cand[DAQS_IFNAMSIZ]; /* the interface the last samples named */
	unsigned times;
};

/*
 * One sample: the guest's interfaces and the tap's counters (host_counters.h
 * orientation: the guest's tx is the tap's rx). true and *out named once an
 * interface tracked the tap DAQS_TAPMATCH_TIMES samples in a row.
 */
bool daqs_tapmatch_feed(struct daqs_tapmatch *m, const struct daqs_qga_iface *ifs, size_t n,
			const struct daqs_counters *host, char out[DAQS_IFNAMSIZ]);
void daqs_tapmatch_reset(struct daqs_tapmatch *m);
