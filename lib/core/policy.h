/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Policy engine (pure): one decision step per period.
 *
 *   (SLA, per-VM rates and policy state, previous decision, now)
 *       -> per-VM limits + next state
 *
 * The caller owns one struct daqs_policy_vm per VM, keeps its `st` from step
 * to step (zero-initialise it for a VM seen for the first time), fills the
 * inputs before each step and reads the outputs after. No clock is read and
 * nothing is applied here: the caller applies `limit_bps` where `apply` is set
 * and, if applying fails, writes the limit really in force back into
 * st.limit_bps so the next step starts from the truth.
 *
 * Kinds:
 *  daqs        the controller (see policy_daqs.c for the control law; it
 *              ignores have_queue/queue_ms);
 *  daqs-closed the same law with step 9 (experimental): where the queueing
 *              delay of its Guarantee VMs' flows is known, the capacity
 *              planned with is measured from it instead of inferred by
 *              squeeze probes (step 7). Not the default yet (README, "Known
 *              limitations");
 *  daqs-paper  the DAQS prototype's control law, for comparison;
 *  static      fixed caps like `ip link ... max_tx_rate`: every Best-Effort VM
 *              gets (capacity - sum of guarantees) / number of Best-Effort VMs;
 *  none        no limits at all.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sla.h"

enum daqs_policy_kind {
	DAQS_POLICY_DAQS,
	DAQS_POLICY_DAQS_CLOSED,
	DAQS_POLICY_DAQS_PAPER,
	DAQS_POLICY_STATIC,
	DAQS_POLICY_NONE,
};

/* Why a VM has the limit it has; shown to operators. */
enum daqs_vm_mode {
	DAQS_VM_UNMANAGED,	/* policy none/static/paper: no per-VM state machine */
	DAQS_VM_IDLE,		/* guarantee VM sending (almost) nothing: nothing reserved */
	DAQS_VM_PROTECTED,	/* guarantee VM asked for more: its full min is reserved */
	DAQS_VM_DEMAND_LIMITED, /* guarantee VM below min by its own choice: reserve follows use */
	DAQS_VM_SATISFIED,	/* guarantee VM at or above its min: min reserved */
	DAQS_VM_CONSTRAINED,	/* best-effort VM using (nearly) all of its limit */
	DAQS_VM_UNDER_LIMIT,	/* best-effort VM using less than its limit */
	DAQS_VM_MISSING_HOLD,	/* no fresh measurement: last decision held */
	DAQS_VM_FAILSAFE, /* no measurement for longer than missing_hold: on_missing applies */
};

/* The policy's memory of one VM. Zero-initialised = new VM. */
struct daqs_vm_pstate {
	bool seen;
	bool measured; /* a fresh measurement has been seen */
	enum daqs_vm_mode mode;
	uint64_t limit_bps;	 /* limit in force (DAQS_RATE_UNLIMITED = none) */
	double base_bps;	 /* use when the limit in force was decided */
	double demand_bps;	 /* estimated demand (INFINITY = wants more than it has) */
	double headroom;	 /* adaptive headroom fraction (>= controller headroom) */
	double noise;		 /* EWMA of |rate - smoothed| / smoothed (measurement noise) */
	uint64_t calm_since_ns;	 /* last time headroom was raised */
	uint64_t false_alarm_ns; /* last false alarm (0 = none) */
	uint64_t fresh_ns;	 /* time of the last fresh measurement */
	uint64_t drift_since_ns; /* desired limit off the one in force (below min_change) since */
	uint64_t applied_ns;	 /* when the limit in force was decided */
	/* counter-scale probe: did the rate follow the last limit change? */
	bool chg_pending;
	double chg_rate_bps;   /* counter rate just before the change */
	uint64_t chg_from_bps; /* limit before the change */
	unsigned n_fresh;      /* fresh measurements seen (saturates) */
	/* wants-more probe: demand held at INFINITY until probe_until_ns */
	bool probing;
	uint64_t probe_until_ns;
	double probe_from_bps; /* rate when the probe started */
	/* guarantee VMs */
	double reserve_bps;	 /* bandwidth kept free for it */
	double reserve_base_bps; /* use when the reserve was sized */
	double jump_from_bps;	 /* rate when the reserve last jumped to min */
	uint64_t hold_until_ns;	 /* reserve held at min until then */
	unsigned falls;		 /* consecutive periods falling below its sizing base (squeezed?) */
	double prev_bps;	 /* last-interval rate at the previous step */
	uint64_t target_bps;	 /* limit last wanted for it (before hysteresis) */
	bool jump_squeezed;	 /* the jump was a squeeze probe */
	double jump_total_bps;	 /* link total when the reserve jumped */
	bool proved_short;	 /* this step: a squeeze probe proved the link short */
	double peak_bps;	 /* step 11: its peak rate, as sized (0 none) */
	double peak_win_bps;	 /* ... the largest rate of this window */
	uint64_t peak_win_ns;	 /* ... which began then */
	uint64_t share_max_bps;	 /* tenant group: its share of the group's max at the last step */
	/* step 10 (settling): what it was before its NICs were swapped */
	bool settle_seen;	      /* settling now, and the two below are taken */
	bool settle_protect;	      /* a Guarantee VM that was sending: protected throughout */
	double fresh_demand_bps;      /* demand at its last fresh step outside a swap */
	enum daqs_vm_mode fresh_mode; /* mode at its last fresh step outside a swap (UNMANAGED:
					 none yet) */
};

struct daqs_policy_vm {
	/* in */
	const struct daqs_sla_vm *sla; /* class, min, max, weight, link */
	bool have_rate;		       /* the estimator has produced a rate */
	double tx_bps;		       /* rate over the last interval */
	double tx_smooth_bps;	       /* smoothed rate */
	uint64_t rate_t_ns;	       /* when the sample behind the rate was taken */
	bool have_queue;	       /* queue_ms was measured this period */
	bool have_own;		       /* ... and own_queued with it */
	bool own_queued; /* its own limit (daqs's HTB in the guest) holds a queue: it holds it back */
	double queue_ms; /* queueing delay of its sending TCP flows (largest srtt - min rtt, ms;
			    tcpqueue.h) */
	bool settling;	 /* its NICs are being or were just swapped (a VF plug or unplug):
			    its rate then says nothing about what it asks for */
	/* in/out */
	struct daqs_vm_pstate st;
	/* out */
	uint64_t limit_bps; /* desired limit; DAQS_RATE_UNLIMITED = remove any limit */
	bool apply;	    /* limit differs from st.limit_bps enough to be applied */
	/* the min and max the step planned with: the SLA entry's, or a tenant group
	   member's share of its group's (policy_group.c) */
	uint64_t share_min_bps, share_max_bps;
	bool group_idle; /* a Guarantee member of a group with a min, judged idle: share_min_bps
			    is what it would get awake (its VF gets no min of it) */
};

/* Per-link summary of the last step, for status and tests. */
struct daqs_policy_link_status {
	uint64_t capacity_bps;
	double effective_bps; /* capacity the link was found to deliver (<= capacity_bps) */
	double counter_scale; /* what guests' counters show of the wire rate tc limits */
	double reserved_bps;  /* sum of guarantee reserves (after any scaling) */
	double be_budget_bps; /* what best-effort VMs may use together; INFINITY = no limits */
	bool oversubscribed;  /* reserves did not fit the capacity and were scaled */
	size_t n_guarantee, n_best_effort, n_failsafe;
};

struct daqs_policy;

struct daqs_policy *daqs_policy_new(enum daqs_policy_kind kind, const struct daqs_sla *sla);
void daqs_policy_free(struct daqs_policy *p);
/* Swap in a reloaded SLA (the caller re-points each vm->sla). */
void daqs_policy_set_sla(struct daqs_policy *p, const struct daqs_sla *sla);
/* Override a link's capacity (capacity: auto, or a PF speed change); 0 = unknown. */
void daqs_policy_set_capacity(struct daqs_policy *p, size_t link, uint64_t bps);
enum daqs_policy_kind daqs_policy_kind(const struct daqs_policy *p);

/*
 * The caller could not put vm->limit_bps in force (or must take back a
 * limit it had been told to apply): limit_bps is the limit really in force,
 * so the next step starts from the truth.
 */
void daqs_policy_vm_in_force(struct daqs_policy_vm *vm, uint64_t limit_bps);
/* Forget everything the policy learnt of this VM (a new policy, the links changed). */
void daqs_policy_vm_reset(struct daqs_policy_vm *vm);

/* One decision step for all VMs (any links). Returns 0 or -EINVAL (bad input). */
int daqs_policy_step(struct daqs_policy *p, struct daqs_policy_vm *vms, size_t n, uint64_t now_ns);
const struct daqs_policy_link_status *daqs_policy_link_status(const struct daqs_policy *p,
							      size_t link);

const char *daqs_policy_kind_name(enum daqs_policy_kind k);
int daqs_policy_kind_parse(const char *s, enum daqs_policy_kind *out);
const char *daqs_vm_mode_name(enum daqs_vm_mode m);
