/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VF allocator (pure): which VMs hold one of the host's few VFs (FlexVF).
 *
 * A host has fewer VFs ("slots") than VMs. Guests keep a virtio NIC bonded
 * with the VF, so a VF may come and go; this module decides who holds one.
 * It does no I/O and reads no clock: the caller passes the time, performs the
 * moves it returns (libvirt hot-plug and unplug) and reports each outcome.
 *
 * Use:
 *   a = daqs_vf_alloc_new(&cfg);
 *   every control period:
 *     daqs_vf_alloc_step(a, vms, n, now_ns, &moves, &n_moves);
 *     start each move (asynchronously); when it ends:
 *       daqs_vf_alloc_done(a, move.slot, move.vm, move.op, ok, now_ns);
 *
 * Strategies (enum daqs_vf_strategy, sla.h):
 *  fair      round-robin time slices: the eligible VM that held a VF least
 *            recently (never first) gets the next one; a holder gives it up
 *            once it has held it min_dwell and someone is waiting;
 *  activity  rank by packet rate; the top N hold a VF (FlexVF: packet rate
 *            predicts the benefit of a VF over virtio);
 *  sla       active Guarantee VMs first (by packet rate among themselves),
 *            then everyone else by packet rate.
 *
 * Packet rate: each step gives a VM's current rate (pps, tx + rx); the ranking
 * uses the time-weighted mean of the rates given since the last decision (the
 * rate over the interval, as FlexVF measured it); a VM seen for the first time
 * is ranked by its current rate. "Active" (sla strategy) is true when the
 * caller said so at any step since the last decision.
 *
 * Timing. A *decision* (re-ranking, displacements) happens at the first step
 * and then at the first step at least interval_ns after the previous decision.
 * Every step, decision or not:
 *  - a VM absent from the input is gone: its slot is freed at once, with no
 *    move (the domain's end released the device); a done() that comes later
 *    for it returns -ENOENT and changes nothing;
 *  - a free slot is given at once to the best-ranked candidate (a VM that lost
 *    a VF shortly before may take a free slot: the re-give delay below only
 *    applies to displacements);
 *  - a slot whose unplug completed for a displacement is plugged into the VM
 *    it was reserved for (if that VM is still there, eligible and not busy;
 *    otherwise the slot is free);
 *  - a holder that is no longer eligible is unplugged.
 *
 * Anti-flapping. A holder keeps its VF at least min_dwell_ns after the plug
 * completed; a VM that lost a VF is not given one by displacement before
 * min_dwell_ns has passed; under activity and sla a challenger must send more
 * than (1 + hysteresis) times the holder's packet rate to displace it (an
 * active Guarantee VM displaces a holder that is not one regardless of rates,
 * still after the holder's dwell). The hysteresis must exceed the noise of the
 * interval-mean rates, or equal-rate VMs will trade places.
 *
 * Operations. At most one operation is in flight per VM: a VM that is busy
 * (the caller's flag, e.g. another operation in progress) or has a plug or
 * unplug of ours in flight is never given another. A displacement is
 * "unplug slot S from A" now; the slot is reserved for B meanwhile, and once
 * done(unplug ok) arrives, the next step returns "plug S into B". So a move
 * from A to B costs at least one step of the caller's period.
 *  - done(plug, ok):      B holds the slot from now (its dwell starts).
 *  - done(plug, failed):  B stays on virtio, the slot is free, and B is not
 *    given a VF again before max(min_dwell, interval) has passed (doubled for
 *    each further consecutive failure, up to 8 times).
 *  - done(unplug, ok):    the slot is free, or reserved for the challenger.
 *  - done(unplug, failed): A keeps the VF; the reservation is dropped; the
 *    next decision may try again.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sla.h"

#define DAQS_VF_ALLOC_MAX_SLOTS 1024
#define DAQS_VF_ALLOC_REASON_MAX 128 /* bytes of a reason, with its NUL */

struct daqs_vf_alloc_config {
	enum daqs_vf_strategy strategy;
	uint64_t interval_ns;	 /* between decisions; > 0 (FlexVF: 300 s) */
	uint64_t min_dwell_ns;	 /* see above; may be 0 */
	uint32_t hysteresis_ppm; /* <= 10000000 (1000 %) */
	size_t n_slots;		 /* 1..DAQS_VF_ALLOC_MAX_SLOTS */
	/* n_slots labels ("vf 3", a PCI address), copied; NULL: "slot N" */
	const char *const *labels;
};

/* One VM as seen at one step. */
struct daqs_vf_alloc_vm {
	const char *id; /* stable and unique (uuid or name), not empty; copied */
	bool eligible;	/* may hold a VF (SLA vf: true) */
	bool guarantee; /* Guarantee class */
	bool active;	/* a Guarantee VM that uses its guarantee (policy mode not idle) */
	double pps;	/* current packet rate, tx + rx, finite and >= 0 */
	bool busy;	/* an operation on the VM is in flight: plan nothing for it */
};

enum daqs_vf_op {
	DAQS_VF_PLUG,
	DAQS_VF_UNPLUG,
};

struct daqs_vf_alloc_move {
	enum daqs_vf_op op;
	size_t slot;
	const char *vm; /* the VM's id; valid until the next step or free */
	char reason[DAQS_VF_ALLOC_REASON_MAX];
};

enum daqs_vf_slot_state {
	DAQS_VF_SLOT_FREE,
	DAQS_VF_SLOT_PLUGGING,	 /* plug into holder in flight */
	DAQS_VF_SLOT_HELD,	 /* holder has it */
	DAQS_VF_SLOT_UNPLUGGING, /* unplug from holder in flight; then for `next`, if set */
	DAQS_VF_SLOT_RESERVED,	 /* unplugged; the next step plugs it into `next` */
};

/* Read-only views (for daqsctl vf); strings are valid until the next step/done/free. */
struct daqs_vf_alloc_slot_info {
	const char *label;
	enum daqs_vf_slot_state state;
	const char *holder; /* NULL when free or reserved */
	const char *next;   /* the VM it is reserved for, or NULL */
	uint64_t since_ns;  /* when the state began (held: when the plug completed) */
	const char *reason; /* why it is in this state ("" at first) */
};

struct daqs_vf_alloc_vm_info {
	const char *id;
	bool holds;		   /* holder of a slot (held, plugging or unplugging) */
	size_t slot;		   /* that slot, when holds or reserved */
	bool reserved;		   /* a slot is reserved for it */
	bool in_flight;		   /* a plug or unplug of ours is in flight */
	double rank_pps;	   /* packet rate it was last ranked by */
	size_t rank;		   /* 1-based rank at the last step; 0 = not ranked (ineligible) */
	uint64_t held_ns;	   /* total time it held a VF (up to the last call's time) */
	uint64_t backoff_until_ns; /* no plug before this (after a failed plug) */
	unsigned plug_failures;	   /* consecutive */
	const char *reason;	   /* the last thing that happened to it */
};

struct daqs_vf_alloc_stats {
	uint64_t decisions;
	uint64_t plugs, plug_failures;
	uint64_t unplugs, unplug_failures;
	uint64_t gone; /* slots freed because their holder disappeared */
};

struct daqs_vf_alloc;

/* NULL when cfg is invalid (see the ranges above). */
struct daqs_vf_alloc *daqs_vf_alloc_new(const struct daqs_vf_alloc_config *cfg);
void daqs_vf_alloc_free(struct daqs_vf_alloc *a);

/*
 * One step with every VM on the host (ineligible ones included, so that a
 * holder made ineligible is unplugged). *moves (owned by a, valid until the
 * next step or free; *n_moves <= n_slots) lists what to start now, at most one
 * per slot and per VM. 0, or -EINVAL with nothing changed: NULL or empty id,
 * duplicate id, pps negative or not finite, or now_ns before an earlier call's.
 */
int daqs_vf_alloc_step(struct daqs_vf_alloc *a, const struct daqs_vf_alloc_vm *vms, size_t n,
		       uint64_t now_ns, const struct daqs_vf_alloc_move **moves, size_t *n_moves);
/*
 * The outcome of a move returned by step. 0; -EINVAL for a bad slot or a time
 * before an earlier call's; -ENOENT when no such operation is in flight (the
 * VM went away, or a duplicate report): nothing changes.
 */
int daqs_vf_alloc_done(struct daqs_vf_alloc *a, size_t slot, const char *vm, enum daqs_vf_op op,
		       bool ok, uint64_t now_ns);

/*
 * Take over a VF that is already plugged into vm (left by an earlier daqsd):
 * slot becomes held by vm from now_ns (its dwell starts now). vm need not
 * have been in a step yet; if it is absent from the next step, the slot is
 * freed as for any holder that disappears. 0; -EINVAL bad slot, empty id or
 * a time before an earlier call's; -EBUSY the slot is not free; -EEXIST vm
 * holds, or has reserved, another slot already.
 */
int daqs_vf_alloc_adopt(struct daqs_vf_alloc *a, size_t slot, const char *vm, uint64_t now_ns);

size_t daqs_vf_alloc_n_slots(const struct daqs_vf_alloc *a);
/* 0, or -EINVAL when slot >= n_slots. */
int daqs_vf_alloc_slot(const struct daqs_vf_alloc *a, size_t slot,
		       struct daqs_vf_alloc_slot_info *out);
/* Known VMs (those of the last step), in id order: 0, or -EINVAL past the end. */
size_t daqs_vf_alloc_n_vms(const struct daqs_vf_alloc *a);
int daqs_vf_alloc_vm_at(const struct daqs_vf_alloc *a, size_t i, struct daqs_vf_alloc_vm_info *out);
/* 0, or -ENOENT for an id not in the last step. */
int daqs_vf_alloc_vm(const struct daqs_vf_alloc *a, const char *id,
		     struct daqs_vf_alloc_vm_info *out);
void daqs_vf_alloc_stats(const struct daqs_vf_alloc *a, struct daqs_vf_alloc_stats *out);

/* cfg from an SLA's vf_pool: everything but the labels (NULL: "slot N"). */
void daqs_vf_alloc_config_from_pool(const struct daqs_sla_vf_pool *pool,
				    struct daqs_vf_alloc_config *cfg);

const char *daqs_vf_op_name(enum daqs_vf_op op);		/* "plug" / "unplug" */
const char *daqs_vf_slot_state_name(enum daqs_vf_slot_state s); /* "free", "held", ... */
