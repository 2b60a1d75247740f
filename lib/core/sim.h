/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A fluid model of TCP sharing one bottleneck, driving the real estimator and
 * policy code, so policies can be compared in seconds, deterministically.
 *
 * Every tick, each active VM can take min(its limit in force, its solo max);
 * the capacity is shared among active VMs in proportion to their stream
 * counts (weighted max-min, leftover redistributed: water-filling). Byte
 * counters accumulate. Every controller period the counters are read; the
 * sample arrives sample_delay later (and is timestamped then, as the daemon
 * does), goes through the estimator and the policy, and each limit decided
 * takes effect apply_delay after the decision. Optional noise scales each
 * VM's share by a seeded random factor redrawn every 100 ms. With the
 * counters, each Guarantee VM's TCP queueing delay is read (as daqsd reads
 * it with `ss -ti`): 8 ms while it is held at its own limit, 4 ms while the
 * link is full (the capacity is all shared out and someone wanted more),
 * 0.05 ms otherwise (scripts/probe-signals' figures; policy daqs-closed uses
 * it, daqs does not).
 *
 * Metrics (definitions shared with scripts/bench on real guests):
 *  due(g, t)             = min(min_g, solo_max_g, capacity) while g is active
 *  guarantee_satisfaction worst Guarantee VM's mean over steady-state ticks
 *                        (outside the settle window after any activity change)
 *                        of min(1, achieved / due)
 *  utilisation           mean total throughput / the same under policy none
 *                        (computed by the caller from total_mean_bps)
 *  reaction_s            worst, over activity changes, of the time from the
 *                        change until every active Guarantee VM is at >= 95 %
 *                        of its due rate and stays there until the next change
 *                        (a change after which that never happens counts its
 *                        whole interval)
 *  allocation_error      worst VM's steady-state mean of |achieved - limit| /
 *                        limit, over ticks where the VM is active, has a
 *                        finite limit and could use it (solo max >= limit)
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "scenario.h"

struct daqs_sim_vm_result {
	const char *name; /* borrowed from the scenario */
	enum daqs_class cls;
	double mean_bps;	/* over the whole run */
	double mean_active_bps; /* over the ticks it was active */
	double satisfaction;	/* Guarantee VMs; NAN otherwise or when never in steady state */
	double alloc_error;	/* NAN when never limited-and-binding in steady state */
	unsigned applies;	/* limit changes applied */
};

struct daqs_sim_result {
	enum daqs_policy_kind kind;
	double total_mean_bps;
	double guarantee_satisfaction; /* NAN when no Guarantee VM is ever due anything */
	double reaction_s;	       /* NAN when no Guarantee VM */
	double allocation_error;       /* NAN when nothing was limited */
	unsigned applies;	       /* total limit changes applied */
	size_t n_vms;
	struct daqs_sim_vm_result *vms;
};

/* Called once per controller period with the mean rate over that period. */
typedef void (*daqs_sim_trace_fn)(void *ud, double t_s, const struct daqs_scn_vm *vm, bool active,
				  double rate_bps, uint64_t limit_bps);

int daqs_sim_run(const struct daqs_scenario *sc, enum daqs_policy_kind kind,
		 daqs_sim_trace_fn trace, void *ud, struct daqs_sim_result *out);
void daqs_sim_result_free(struct daqs_sim_result *r);
