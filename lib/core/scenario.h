/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Simulator scenario files (documented in man/daqs-sim.1):
 *
 *   capacity: 40gbit        # the bottleneck's real capacity
 *   duration: 120s
 *   apply_delay: 100ms      # a decided limit takes effect this much later
 *   sample_delay: 20ms      # agent round trip: a sample is timestamped on arrival
 *   tick: 10ms              # fluid-model time step (optional)
 *   settle: 5s              # excluded from steady-state metrics after each change
 *   noise: 0%               # optional multiplicative jitter of each VM's share
 *   counter_scale: 100%     # what the guest's counters see of the wire rate tc
 *                           # limits (veth/virtio with GSO at MTU 1500: ~95.6%)
 *   seed: 1                 # PRNG seed for the noise
 *   sla: { ... }            # an SLA document (daqs-sla(5)) with exactly one link
 *   vms:
 *     - name: g1            # matched against the SLA like a libvirt domain name
 *       streams: 1          # TCP streams: the bottleneck is shared in proportion
 *       solo_max: 18.5gbit  # what it can push alone (optional)
 *       active: [[0s, 60s], [90s, 120s]]   # plain numbers are seconds
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "sla.h"

#define DAQS_SCN_MAX_VMS 1024
#define DAQS_SCN_MAX_TICKS 10000000ULL /* duration / tick */

struct daqs_scn_interval {
	uint64_t start_ns, end_ns;
};

struct daqs_scn_vm {
	char *name;
	unsigned streams;
	uint64_t solo_max_bps; /* DAQS_RATE_UNLIMITED when not given */
	struct daqs_scn_interval *active;
	size_t n_active;
	struct daqs_sla_vm sla; /* resolved: listed entry or the SLA defaults */
};

struct daqs_scenario {
	char *file;
	uint64_t capacity_bps, duration_ns, apply_delay_ns, sample_delay_ns, tick_ns, settle_ns;
	uint32_t noise_ppm;
	uint32_t counter_scale_ppm; /* counters advance by rate x this */
	uint64_t seed;
	struct daqs_sla *sla;
	struct daqs_scn_vm *vms;
	size_t n_vms;
};

int daqs_scenario_load_file(const char *path, struct daqs_scenario **out, struct daqs_diags *d);
int daqs_scenario_load_buffer(const char *name, const char *buf, size_t len,
			      struct daqs_scenario **out, struct daqs_diags *d);
void daqs_scenario_free(struct daqs_scenario *sc);
