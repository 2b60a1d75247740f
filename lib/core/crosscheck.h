/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host/agent cross-check: a VM's agent reports its counters, the host
 * sees the same traffic on the tap/veth (host_interface) or the VF. The
 * agent runs in the guest and can lie; the host's counters cannot be
 * forged from inside. Three transmit rates in a row that differ by more
 * than a quarter (and by more than 5 Mbit/s) mark the agent's counters as
 * not to be believed; five in a row that agree clear it.
 */
#pragma once

#include <stdbool.h>

#define DAQS_CROSSCHECK_TOL 0.25
#define DAQS_CROSSCHECK_SLACK_BPS 5e6
#define DAQS_CROSSCHECK_DISAGREE 3
#define DAQS_CROSSCHECK_AGREE 5

struct daqs_crosscheck {
	unsigned disagree, agree; /* consecutive rates that (dis)agree */
	bool distrust;		  /* the agent's counters are not believed */
};

enum daqs_crosscheck_news {
	DAQS_CROSSCHECK_QUIET,
	DAQS_CROSSCHECK_DISTRUSTED, /* the agent's counters stopped being believed */
	DAQS_CROSSCHECK_TRUSTED,    /* ... and are believed again */
};

/* One pair of fresh transmit rates (bit/s): the agent's and the host's. */
enum daqs_crosscheck_news daqs_crosscheck_update(struct daqs_crosscheck *x, double agent_bps,
						 double host_bps);
void daqs_crosscheck_reset(struct daqs_crosscheck *x);
