/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Random hosts for the simulator: shared by the property tests and sim-stats. */
#pragma once

#include <stdint.h>

/*
 * A random feasible host as scenario YAML (caller frees): 2..8 VMs, random
 * classes, guarantees (summing to at most 7 of the SLA's 10 gbit), caps,
 * weights, stream counts, start times in [0, 20) s, all running to 60 s. The
 * link really delivers real_mbit. *last_change_s is the last start time.
 */
char *daqs_random_host(unsigned *seed, uint64_t *last_change_s, unsigned real_mbit);
