/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The VF pool in daqsd: the allocator (vf_alloc.h) fed with the controller's
 * view of the guests (packet rates, class, SLA vf: eligibility), its moves
 * carried out by libvirt hot-plug (vf_hotplug.h), each outcome fed back.
 *
 * After a plug or unplug completes, the VM is kicked (re-discover its
 * interface, re-verify its limit: it is on the bond / failover master, so a
 * member coming or going does not drop it) and the pool records how long it
 * took from the start of the device operation until the controller had
 * verified the limit again ("to verified"), next to the device operation's
 * own duration. Both are in `daqsctl vf` and the log.
 *
 * Slots: hostdev pools take each VF's PCI address from sysfs
 * (/sys/class/net/PF/device/virtfnN); bridge pools plug virtio NICs on the
 * given bridge (a VF stand-in for testbeds without SR-IOV).
 *
 * At start, devices of ours already plugged (aliases "ua-daqs-vfN" left by a
 * previous daqsd) are looked for in every running domain's live XML before
 * the allocator plans anything: one that fits the pool (its slot, the same
 * VF or bridge, slot and VM not taken) is adopted, its holder's dwell
 * starting now; any other is unplugged.
 *
 * Threads: step from the cycle thread, device events from the event loop,
 * done from the hot-plug worker, status from the control server: one lock.
 */
#pragma once

#include <stdint.h>

#include "controller.h"
#include "sla.h"

struct daqs_vf_pool;

/*
 * NULL without a vf_pool in sla (nothing to do), else the pool; a pool
 * whose slots cannot be resolved (no such PF or VF) is created in error:
 * it plans nothing and reports why (log once, status).
 */
struct daqs_vf_pool *
daqs_vf_pool_new(const struct daqs_sla *sla, const char *uri, struct daqs_controller *ctl,
		 void (*log)(void *ud, enum daqs_log_prio prio, const char *msg), void *log_ud);
void daqs_vf_pool_free(struct daqs_vf_pool *p);

/* After every controller cycle (now: CLOCK_MONOTONIC). */
void daqs_vf_pool_step(struct daqs_vf_pool *p, uint64_t now_ns);
/* libvirt DEVICE_REMOVED (removed) / DEVICE_REMOVAL_FAILED for vm's alias. */
void daqs_vf_pool_device_event(struct daqs_vf_pool *p, const char *vm, const char *alias,
			       bool removed);
/* The pool as one JSON object (caller frees): pool, slots, vms, counters. */
char *daqs_vf_pool_status_json(struct daqs_vf_pool *p);
/* Prometheus lines (caller frees), appended to daqsd's /metrics. */
char *daqs_vf_pool_metrics(struct daqs_vf_pool *p);
