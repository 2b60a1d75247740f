/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daqs control law, per link, once per period.
 *
 * 1. Every Guarantee VM g gets a reserve R_g, bandwidth that the others'
 *    limits leave free for it:
 *      - sending at >= 98 % of its min           -> R_g = min   (satisfied)
 *      - it grew into the room it was given, or
 *        went from idle to sending               -> R_g = min at once, held
 *                                                   for 4 periods (protected)
 *      - sending less, by its own choice         -> R_g = use*(1+h) + delta
 *                                                   (demand-limited)
 *      - sending (almost) nothing                -> R_g = 0     (idle)
 *    "use" is max(last-interval rate, smoothed rate), so a reserve grows at
 *    once and shrinks with the smoothing time constant; but a VM that sent
 *    (almost) nothing over the whole last interval uses nothing, so a VM
 *    that stops frees its room at the next period. h is the headroom,
 *    adaptive per VM: never below 3 x the VM's measured noise (EWMA of
 *    |rate - smoothed| / smoothed, sampled only when nothing just changed);
 *    when a jump turns out to be a false alarm (the VM did not grow into the
 *    room it got) for the second time within 30 s, h doubles (up to 25 %)
 *    and halves back every 30 s without a raise. This is what keeps
 *    measurement noise from turning into a permanent oscillation.
 *    delta = min/200 (>= 100 kbit).
 *    This is how "starved" is told from "asks for less": a VM that is
 *    starved fills whatever room it gets; one that asks for less does not.
 * 2. Every VM gets a floor (R_g for Guarantee VMs, a tiny be_min for
 *    Best-Effort VMs) and a demand. A VM "wants more" when it grew past the
 *    middle of the room its limit gave it over what it used when the limit
 *    was decided (or was already above its limit); its demand is then
 *    infinite for 4 periods (a probe, so TCP has time to fill the new
 *    room); if at the end it did not even grow, that was a false alarm (as
 *    above). Otherwise demand = use*(1+h) + delta, re-based on its use.
 *    The same midpoint test decides when a demand-limited Guarantee VM's
 *    reserve jumps to min, so sizing and detection can never disagree (a
 *    fixed "95 % of the limit" test would: it flips against a 2 % headroom).
 * 3. The capacity left after the floors is divided by weight, max-min fair,
 *    up to each VM's demand (work conservation: an idle Guarantee VM's min is
 *    someone else's); what is still left goes by weight on top, so every VM
 *    has room to grow, and max caps are applied last. Limits then sum to the
 *    capacity, so no VM can take bandwidth from another's reserve.
 *    Floors that do not fit the capacity (oversubscription) are scaled down
 *    together and the link is reported oversubscribed.
 * 4. With no Guarantee VM reserving anything, nothing needs protecting: every
 *    limit is released (only max caps stay).
 * 5. Hysteresis: a new limit is applied at once when it moved by more than
 *    min_change (relative; never less than 3 x the largest measured noise of
 *    a VM on the link, capped at 10 %), and always when a protected VM's
 *    limit must rise; a smaller move only after it has persisted for
 *    5 s (so the steady state converges exactly, without churn).
 *    A limit that binds nobody is left alone: a VM using less than 3/4 of
 *    both its limit in force and its new one gains nothing from a raise and
 *    loses nothing to a cut (if it grows, it passes the middle of its room,
 *    wants more and is decided anew long before it meets either limit), so
 *    the change is not pushed, unless it is a release, a limit that is
 *    the VM's max cap, or a cut needed for the capacity. When the limits in force
 *    would add up to more than the capacity, decreases are forced, largest
 *    first, until they fit: the sum of the limits in force never exceeds the
 *    capacity, so no VM can take bandwidth from another's reserve. Without
 *    this, every move of the leftover share re-pushed every limit on the link
 *    (scripts/bench-scale: 800-1000 tc runs in a cycle).
 * 6. Missing measurements: the last decision is held for missing_hold, then
 *    on_missing applies (protect: a Guarantee VM gets its full min and a
 *    Best-Effort VM is treated as wanting all it can get; hold: keep the last
 *    decision; release: fail-open, the VM is neither protected nor limited).
 *    A VM never measured yet starts protected; after missing_hold, on_missing
 *    applies to it too.
 * 7. A link that delivers less than its configured capacity squeezes
 *    whoever has slack, and at equilibrium a squeezed VM looks exactly like
 *    one that asks for less. So a demand-limited Guarantee VM on a contended
 *    link that sits well below the limit it was given (falling, or settled
 *    there) for 3 periods is probed: its reserve is raised beyond that limit
 *    for 4 periods. If it grows, the link was short: it is planned at what it
 *    delivered during the squeeze (status: effective capacity) and the VM is
 *    protected at its min. The learned value returns to the configured one
 *    when nothing needs protecting and creeps back by 1 % a minute while no
 *    Guarantee VM is squeezed or protected. A shortfall within ~1.5 x a VM's
 *    room is not detected (README, known limitations).
 * 8. Guests' counters may see less than the wire rate tc limits (GSO: one
 *    set of headers per GSO packet, ~0.956 at MTU 1500). The ratio is learned
 *    per link from VMs whose rate followed a change of their limit, and all
 *    rates are divided by it before steps 1-7 (learn_scale below).
 * 9. Closing the loop (policy daqs-closed only, experimental): where the queueing delay
 *    of a sending Guarantee VM's TCP flows is measured (queue_ms), the link
 *    says itself whether it is full, and step 7's guesswork is not needed: no
 *    squeeze probes for the VMs it speaks for. A Guarantee VM below its min
 *    (the only VM a wrong capacity can deny anything it is owed; daqsd reads
 *    the delay of those only) that its own limit does not hold back (its
 *    root HTB holds no backlog; where that is not read, below 99 % of the
 *    limit) and whose flows wait >= 1 ms in queues is a witness
 *    that the link is saturated; then what the link delivers (the sum of its
 *    VMs' rates) is its capacity, and the capacity planned with moves there,
 *    by at most 2 % of it a period downwards (a queue that is still building
 *    delivers less than the link can; five periods take a 10 % shortfall).
 *    Once the link has not been full for 5 s while some VM wants more, it
 *    rises by 1 % of the configured capacity a period until it is full again
 *    (a measurement taken while a queue was building, a link that got
 *    faster), never above the configured capacity; it is in wire units, so
 *    a new counter scale (step 8) rescales it. A capacity found (measured or learned) never scales a
 *    guarantee: only the configured one can make a link oversubscribed. A CPU-bound or app-limited Guarantee VM on a link
 *    that is not full shows no queueing, so it shrinks nothing (step 7 took
 *    such a VM for a squeezed one on TCG guests). Measured in
 *    scripts/probe-signals: 2.3-7.3 ms on a full 1 gbit FIFO, 0.04-0.08 ms on
 *    the same link not full; TCP retransmissions there stay at ~0.
 * 10. A VM whose NICs are being swapped (a VF plugged or unplugged, its bond
 *    failing over; the cycle says so for a few seconds, see settling in
 *    policy.h) sends what the swap lets it, not what it asks for. What it
 *    was is taken from its last fresh step before the swap (a sample lost
 *    in the swap makes any VM missing-hold): a Guarantee VM that was not
 *    idle then is protected at its min throughout (its jump judged by
 *    nobody: no false alarm), a Best-Effort VM keeps the demand it had then
 *    (not the 0 that on_missing: release leaves). Measured on TCG guests (tests/integration/vf-hotplug.sh):
 *    a guarantee VM's limit fell to 135 Mbit/s of a 250 mbit min right after
 *    a plug, and was raised again only a cycle (~1 s there) later.
 */
#include <math.h>
#include <stdlib.h>

#include "mem.h"
#include "policy_daqs_impl.h"
#include "waterfill.h"

#define AT_LIMIT_FRAC 0.95 /* a VM using >= 95 % of its limit wants more */
#define HEADROOM_MAX 0.25
#define NOISE_GAIN 0.1	/* EWMA gain of the noise estimate, per period */
#define NOISE_CLIP 0.1	/* a step change counts as at most 10 % noise */
#define NOISE_MULT 3.0	/* headroom >= 3 x measured noise */
#define SQUEEZE_FALLS 3 /* periods well below its given limit that make a VM suspect */
#define PROTECT_PERIODS 4
#define HEADROOM_CALM_NS (30ULL * 1000000000ULL)
#define OVERCOMMIT_TOL 1.001
#define DRIFT_NS (5ULL * 1000000000ULL) /* a small persistent deviation is applied after this */
#define DRIFT_MIN 0.001			/* deviations below 0.1 % are ignored for good */
#define SLACK_FRAC 0.75 /* a VM using less than this of its limit is not bound by it */
#define PEAK_WINDOW_NS (10ULL * 1000000000ULL) /* step 11: the peak falls only to a window's max */
#define PEAK_MARGIN 0.005		       /* ... the reserve sits 0.5 % above it */
/*
 * ... above its min only when clearly above it: near its min a short link
 * squeezes it below, and the witness of step 9 speaks only below the min
 */
#define PEAK_ABOVE_MIN 1.1
#define PEAK_BUMP 1.02 /* ... and its limit held it back: 2 % more room, each period */

/* What one VM asks of the allocation. */
struct want {
	double floor, demand, weight, maxcap;
	bool release; /* fail-open: no limit at all */
};

static double be_delta(const struct ctx *c)
{
	return fmax(c->cap / 1000.0, 100e3);
}

static double be_min(const struct ctx *c)
{
	return fmax(c->cap / 10000.0, 100e3);
}

static double delta_of(const struct ctx *c, const struct daqs_policy_vm *vm)
{
	return vm->sla->cls == DAQS_CLASS_GUARANTEE ? g_delta(vm->sla) : be_delta(c);
}

/*
 * What a VM uses: the larger of its last-interval and smoothed rates, so a
 * reserve or a demand grows at once and shrinks with the smoothing time
 * constant. A VM that sent (almost) nothing over the whole last interval
 * (under delta/2) uses nothing: it stopped, and the smoothed memory of what it
 * sent before would only hold its room back from the others for several time
 * constants. If it starts again it is a new demand, protected at once (a
 * Guarantee VM from idle) or wanting more (it grows past the middle of its room).
 */
static double use_of(const struct ctx *c, const struct daqs_policy_vm *vm)
{
	if (vm->tx_bps < delta_of(c, vm) / 2)
		return vm->tx_bps;
	return fmax(vm->tx_bps, vm->tx_smooth_bps);
}

static double maxcap_of(const struct daqs_sla_vm *s)
{
	return s->max_bps == DAQS_RATE_UNLIMITED ? INFINITY : (double)s->max_bps;
}

/* Headroom in use: the false-alarm driven part, but never below 3 x the measured noise. */
static double headroom_of(const struct daqs_vm_pstate *st)
{
	return fmin(fmax(st->headroom, NOISE_MULT * st->noise), HEADROOM_MAX);
}

/* Did the VM grow past the middle of the room its limit gave it (or exceed the limit)? */
static bool wants_more(const struct daqs_policy_vm *vm)
{
	double limit = limit_of(&vm->st), base = vm->st.base_bps;

	if (isinf(limit))
		return false;
	if (limit <= base)
		return vm->tx_bps >= AT_LIMIT_FRAC * limit;
	return vm->tx_bps >= base + (limit - base) / 2;
}

/* A second false alarm within HEADROOM_CALM_NS doubles the headroom (one can be a transient). */
static void false_alarm(const struct ctx *c, struct daqs_vm_pstate *st)
{
	if (st->false_alarm_ns && c->now - st->false_alarm_ns < HEADROOM_CALM_NS) {
		st->headroom = fmin(2 * st->headroom, HEADROOM_MAX);
		st->calm_since_ns = c->now;
	}
	st->false_alarm_ns = c->now;
}

/*
 * Demand above the floor: INFINITY while a probe runs (the VM wants more),
 * else use plus headroom. A probe ends when its time is up; if the VM then
 * sits clearly under its limit it did not want more after all (a false alarm
 * when it did not even grow). Whenever a VM is found not to want more, its
 * base moves to what it uses now, so "grew into its room" is always judged
 * against current use, never against a stale one.
 */
static double demand_of(const struct ctx *c, struct daqs_policy_vm *vm, double delta)
{
	struct daqs_vm_pstate *st = &vm->st;
	double use = use_of(c, vm);
	bool under = vm->tx_bps < AT_LIMIT_FRAC * limit_of(st);

	if (st->probing && c->now < st->probe_until_ns)
		return INFINITY;
	if (st->probing) {
		st->probing = false;
		if (under && vm->tx_bps <= st->probe_from_bps * (1 + headroom_of(st)) + delta)
			false_alarm(c, st);
		if (under)
			st->base_bps = use;
	}
	if (wants_more(vm)) {
		st->probing = true;
		st->probe_until_ns = c->now + c->hold_ns;
		st->probe_from_bps = vm->tx_bps;
		return INFINITY;
	}
	st->base_bps = use;
	return use * (1 + headroom_of(st)) + delta;
}

/*
 * Reserve the VM's full min for a hold. A squeeze probe reserves at least
 * 2 x room more than the limit it was squeezed against, so that a squeezed VM
 * can show it grows even when it sits just below its min.
 */
static void protect(const struct ctx *c, struct daqs_policy_vm *vm, double jump_from, bool squeeze)
{
	double m = (double)vm->sla->min_bps;
	double room = vm->tx_bps * headroom_of(&vm->st) + g_delta(vm->sla);
	double given = fmin(limit_of(&vm->st), (double)vm->st.target_bps);

	vm->st.mode = DAQS_VM_PROTECTED;
	vm->st.reserve_bps = squeeze ? fmax(m, given + 2 * room) : m;
	vm->st.hold_until_ns = c->now + c->hold_ns;
	vm->st.jump_from_bps = jump_from;
	vm->st.jump_squeezed = squeeze;
	vm->st.jump_total_bps = c->total;
}

/* After a protection hold: did the VM grow into the room? If not, that was a false alarm. */
static bool judge_jump(const struct ctx *c, struct daqs_policy_vm *vm)
{
	struct daqs_vm_pstate *st = &vm->st;
	double d = g_delta(vm->sla);
	bool grew = st->jump_from_bps > 0 &&
		    vm->tx_bps > st->jump_from_bps * (1 + headroom_of(st)) + d;

	if (st->jump_from_bps > 0 && !grew)
		false_alarm(c, st);
	st->jump_from_bps = 0;
	return grew;
}

/*
 * Is a demand-limited Guarantee VM being squeezed (step 7)? It is suspect
 * when the link is contended (some VM wants more and is below its max) and
 * it sits well below the limit it was given (by more than 1.5 x the room
 * meant to be left above its use; the room is >= 3 x its measured noise),
 * either still falling period after period (a fast spiral: each smaller
 * reserve squeezes it further) or settled there (a slow one). One that asks
 * for less sits just under its limit once the limit has followed it down;
 * after a single drop in demand its rate is neither falling nor settled while
 * the smoothed rate catches up. SQUEEZE_FALLS suspect periods in a row
 * trigger a squeeze probe.
 */
static bool squeezed(const struct ctx *c, struct daqs_policy_vm *vm)
{
	struct daqs_vm_pstate *st = &vm->st;
	double r = vm->tx_bps, room = r * headroom_of(st) + g_delta(vm->sla);
	double given = fmin(limit_of(st), st->target_bps ? (double)st->target_bps : INFINITY);
	bool settled = fabs(vm->tx_smooth_bps - r) <= room, falling = r < st->prev_bps - room;
	bool below = st->mode == DAQS_VM_DEMAND_LIMITED && c->contended && r < given - 1.5 * room &&
		     (settled || falling);

	/* step 9: where the link's queue speaks for this VM, it says what a probe would guess */
	st->falls = below && !(daqs_cap_measured(c, vm) && !daqs_cap_own_held(vm)) ? st->falls + 1
										   : 0;
	return st->falls >= SQUEEZE_FALLS;
}

/*
 * End of a protection hold. A squeeze probe that grew proves the link
 * delivered less than planned while the VM was squeezed: what it delivered
 * then becomes the capacity planned with, and the VM is protected again so it
 * gets its min under that capacity. Returns true when it stays protected.
 */
static bool hold_ended(const struct ctx *c, struct daqs_policy_vm *vm)
{
	struct daqs_vm_pstate *st = &vm->st;
	bool squeeze = st->jump_squeezed, grew;
	double total = st->jump_total_bps;

	if (squeeze) {
		/* others give up their own slack first: any growth beyond noise counts */
		double room = st->jump_from_bps * headroom_of(st) + g_delta(vm->sla);

		grew = vm->tx_bps > st->jump_from_bps + room / 2;
		if (!grew)
			false_alarm(c, st);
		st->jump_from_bps = 0;
	} else {
		grew = judge_jump(c, vm);
	}
	if (!squeeze || !grew)
		return false;
	st->proved_short = true;
	protect(c, vm, 0, false);
	st->jump_total_bps = total;
	return true;
}

static bool grew_into_reserve(const struct daqs_policy_vm *vm)
{
	const struct daqs_vm_pstate *st = &vm->st;

	if (st->mode == DAQS_VM_IDLE)
		return true; /* was idle, now sending: a new demand */
	if (st->mode != DAQS_VM_DEMAND_LIMITED)
		return false;
	return vm->tx_bps >= st->reserve_base_bps + (st->reserve_bps - st->reserve_base_bps) / 2;
}

/*
 * Step 11 (daqs-closed): a Guarantee VM whose own HTB backlog is read says
 * itself whether its limit holds it back, so nothing is guessed from its
 * rate: no midpoint test, no probe, no false alarm, no noise headroom.
 */
static bool own_signal(const struct ctx *c, const struct daqs_policy_vm *vm)
{
	return c->closed && vm->sla->cls == DAQS_CLASS_GUARANTEE && vm->have_own && is_fresh(c, vm);
}

/*
 * Step 11: what it asks is its peak rate (plus 0.5 %), not its use times a
 * headroom sized for noise. The peak rises at once to any larger rate, and
 * by 2 % past its limit each period that limit holds it back (its HTB
 * queues; where that is not read, it sends at >= 99 % of the limit); it
 * falls only at the end of a 10 s window, to the largest rate of that
 * window, so noise moves no limit and a fall is followed within 10 s.
 */
static double peak_demand(const struct ctx *c, struct daqs_policy_vm *vm)
{
	struct daqs_vm_pstate *st = &vm->st;
	double lim = limit_of(st);

	if (!st->peak_win_ns || c->now - st->peak_win_ns >= PEAK_WINDOW_NS) {
		st->peak_bps = st->peak_win_ns ? st->peak_win_bps : vm->tx_bps;
		st->peak_win_bps = 0;
		st->peak_win_ns = c->now;
	}
	st->peak_win_bps = fmax(st->peak_win_bps, vm->tx_bps);
	st->peak_bps = fmax(st->peak_bps, vm->tx_bps);
	if (daqs_cap_own_held(vm) && !isinf(lim))
		st->peak_bps = fmax(st->peak_bps, lim * PEAK_BUMP);
	return st->peak_bps * (1 + PEAK_MARGIN) + g_delta(vm->sla);
}

/* Step 11 for a Guarantee VM below its min: its reserve is its peak demand. */
static void guarantee_own(const struct ctx *c, struct daqs_policy_vm *vm, double use)
{
	struct daqs_vm_pstate *st = &vm->st;

	st->mode = DAQS_VM_DEMAND_LIMITED;
	st->reserve_base_bps = use;
	st->reserve_bps = fmin((double)vm->sla->min_bps, peak_demand(c, vm));
}

static void guarantee_measured(const struct ctx *c, struct daqs_policy_vm *vm)
{
	struct daqs_vm_pstate *st = &vm->st;
	double m = (double)vm->sla->min_bps, d = g_delta(vm->sla);
	double use = use_of(c, vm);

	if (vm->settling && st->settle_protect) { /* step 10 */
		protect(c, vm, 0, false);
		return;
	}
	if (st->mode == DAQS_VM_PROTECTED && c->now < st->hold_until_ns)
		return;
	if (st->mode == DAQS_VM_PROTECTED && hold_ended(c, vm))
		return;
	if (vm->tx_bps >= SAT_FRAC * m) {
		st->mode = DAQS_VM_SATISFIED;
		st->reserve_bps = m;
		st->falls = 0;
	} else if (use < d / 2) {
		st->mode = DAQS_VM_IDLE;
		st->reserve_bps = 0;
		st->falls = 0;
		st->peak_bps = 0;
		st->peak_win_ns = 0;
	} else if (daqs_cap_witness(c, vm) &&
		   !(st->false_alarm_ns && c->now - st->false_alarm_ns < HEADROOM_CALM_NS)) {
		/* step 9: denied by a full link: its min now (not after a recent false alarm) */
		protect(c, vm, vm->tx_bps, false);
	} else if (squeezed(c, vm)) {
		st->falls = 0;
		protect(c, vm, vm->tx_bps, true);
	} else if (own_signal(c, vm) && st->mode != DAQS_VM_IDLE) {
		guarantee_own(c, vm, use); /* step 11 */
	} else if (grew_into_reserve(vm)) {
		/* from idle it is a new demand, ramping up: nothing to judge the hold against */
		protect(c, vm, st->mode == DAQS_VM_IDLE ? 0 : vm->tx_bps, false);
	} else {
		st->mode = DAQS_VM_DEMAND_LIMITED;
		st->reserve_base_bps = use;
		st->reserve_bps = fmin(m, use * (1 + headroom_of(st)) + d);
	}
}

/*
 * Step 10: a settling VM keeps the demand it had at its last fresh step
 * before the swap (none: all it can get); no probe starts or ends on rates
 * the swap made.
 */
static double want_demand(const struct ctx *c, struct daqs_policy_vm *vm, double delta)
{
	if (vm->settling)
		return vm->st.fresh_mode != DAQS_VM_UNMANAGED ? vm->st.fresh_demand_bps : INFINITY;
	return demand_of(c, vm, delta);
}

/*
 * Step 10: when a swap begins, take what the VM was at its last fresh step
 * (not now: a sample lost in the swap turns any VM into missing-hold): a
 * Guarantee VM that was not idle is protected until the swap has settled.
 */
static void settle_begin(struct daqs_policy_vm *vm)
{
	struct daqs_vm_pstate *st = &vm->st;

	if (!vm->settling) {
		st->settle_seen = false;
		return;
	}
	if (st->settle_seen)
		return;
	st->settle_seen = true;
	st->settle_protect = vm->sla->cls == DAQS_CLASS_GUARANTEE &&
			     st->fresh_mode != DAQS_VM_UNMANAGED && st->fresh_mode != DAQS_VM_IDLE;
}

static void guarantee_want(const struct ctx *c, struct daqs_policy_vm *vm, struct want *w)
{
	guarantee_measured(c, vm);
	w->floor = vm->st.reserve_bps;
	if (own_signal(c, vm) && vm->st.mode == DAQS_VM_DEMAND_LIMITED && !vm->settling)
		w->demand = w->floor; /* step 11: its reserve is what it asks */
	else if (c->closed && vm->st.mode == DAQS_VM_SATISFIED && !vm->settling &&
		 is_fresh(c, vm) && !vm->st.probing && !daqs_cap_own_held(vm) &&
		 vm->tx_bps >= PEAK_ABOVE_MIN * (double)vm->sla->min_bps)
		w->demand = fmax(w->floor, peak_demand(c, vm)); /* step 11, above its min */
	else
		w->demand = fmax(w->floor, want_demand(c, vm, g_delta(vm->sla)));
	vm->st.demand_bps = w->demand;
}

static void best_effort_want(const struct ctx *c, struct daqs_policy_vm *vm, struct want *w)
{
	w->floor = be_min(c);
	w->demand = fmax(w->floor, want_demand(c, vm, be_delta(c)));
	vm->st.mode = isinf(w->demand) ? DAQS_VM_CONSTRAINED : DAQS_VM_UNDER_LIMIT;
	vm->st.demand_bps = w->demand;
}

/* No fresh measurement: hold, then apply on_missing. */
static void missing_want(const struct ctx *c, struct daqs_policy_vm *vm, struct want *w)
{
	struct daqs_vm_pstate *st = &vm->st;
	bool guarantee = vm->sla->cls == DAQS_CLASS_GUARANTEE;
	bool expired = c->now - st->fresh_ns > c->ctl->missing_hold_ns;
	enum daqs_missing_action act = c->ctl->on_missing;

	if ((!st->measured && !expired) || (expired && act == DAQS_MISSING_PROTECT)) {
		st->reserve_bps = guarantee ? (double)vm->sla->min_bps : 0;
		st->demand_bps = INFINITY;
	} else if (expired && act == DAQS_MISSING_RELEASE) {
		st->reserve_bps = 0;
		st->demand_bps = 0;
		w->release = !guarantee;
	}
	/* within the hold, or on_missing=hold: keep reserve and demand as they were */
	st->mode = expired ? DAQS_VM_FAILSAFE : DAQS_VM_MISSING_HOLD;
	if (!st->measured && guarantee && !expired) {
		st->mode = DAQS_VM_PROTECTED;
		st->hold_until_ns = c->now + c->hold_ns;
	}
	w->floor = st->reserve_bps;
	w->demand = fmax(st->demand_bps, w->floor);
}

/* Headroom follows the VM's own measured variability, so its probe threshold sits outside it. */
static void track_noise(const struct ctx *c, struct daqs_policy_vm *vm)
{
	struct daqs_vm_pstate *st = &vm->st;
	double dev;

	if (st->n_fresh < QUIET_PERIODS)
		st->n_fresh++;
	/* A limit just changed, a probe, a protection hold: rate moves that are not noise. */
	if (st->n_fresh < QUIET_PERIODS || st->probing || st->mode == DAQS_VM_PROTECTED ||
	    c->now - st->applied_ns < QUIET_PERIODS * c->ctl->period_ns)
		return;
	if (vm->tx_smooth_bps > 0) {
		dev = fmin(fabs(vm->tx_bps - vm->tx_smooth_bps) / vm->tx_smooth_bps, NOISE_CLIP);
		st->noise += NOISE_GAIN * (dev - st->noise);
	}
}

static void vm_want(const struct ctx *c, struct daqs_policy_vm *vm, struct want *w)
{
	struct daqs_vm_pstate *st = &vm->st;

	w->weight = vm->sla->weight ? vm->sla->weight : 1;
	w->maxcap = maxcap_of(vm->sla);
	w->release = false;
	if (st->headroom < c->h0)
		st->headroom = c->h0;
	if (st->headroom > c->h0 && c->now - st->calm_since_ns > HEADROOM_CALM_NS) {
		st->headroom = fmax(c->h0, st->headroom / 2);
		st->calm_since_ns = c->now;
	}
	settle_begin(vm);
	if (!is_fresh(c, vm)) {
		missing_want(c, vm, w);
		return;
	}
	track_noise(c, vm);
	st->measured = true;
	st->fresh_ns = c->now;
	if (vm->sla->cls == DAQS_CLASS_GUARANTEE)
		guarantee_want(c, vm, w);
	else
		best_effort_want(c, vm, w);
	st->prev_bps = vm->tx_bps;
	if (!vm->settling) {
		st->fresh_mode = st->mode;
		st->fresh_demand_bps = st->demand_bps;
	}
}

/* Floors first (scaled if they do not fit), then demand-capped shares, then the rest. */
static void allocate(const struct ctx *c, struct want *w, size_t n, double *alloc,
		     struct daqs_policy_link_status *ls)
{
	struct daqs_wf_item *it = daqs_calloc(n, sizeof(*it));
	double floors = 0, scale = 1, left;

	/* step 9: a measured capacity shares out what is left, it never scales a guarantee */
	double fit = c->closed ? c->nominal : c->cap;

	for (size_t i = 0; i < n; i++)
		floors += w[i].floor;
	if (floors > fit) {
		scale = fit / floors;
		ls->oversubscribed = true;
	}
	for (size_t i = 0; i < n; i++) {
		alloc[i] = w[i].floor * scale;
		it[i].weight = w[i].weight;
		it[i].cap = fmin(w[i].demand, w[i].maxcap) - alloc[i];
	}
	left = daqs_waterfill(it, n, fmax(c->cap - floors * scale, 0));
	for (size_t i = 0; i < n; i++) {
		alloc[i] += it[i].out;
		it[i].cap = w[i].maxcap - alloc[i];
	}
	daqs_waterfill(it, n, left);
	for (size_t i = 0; i < n; i++)
		alloc[i] = fmin(alloc[i] + it[i].out, w[i].maxcap);
	free(it);
}

static bool moved_enough(uint64_t cur, uint64_t want, uint32_t min_change_ppm)
{
	double diff;

	if (cur == want)
		return false;
	if (cur == DAQS_RATE_UNLIMITED || want == DAQS_RATE_UNLIMITED)
		return true;
	diff = fabs((double)want - (double)cur);
	return diff * 1e6 > (double)min_change_ppm * (double)cur;
}

/*
 * Hysteresis: apply a change above min_change at once; a smaller one only
 * once it has persisted for DRIFT_NS, so the steady state still converges to
 * the right limits without re-applying on every wobble.
 */
static bool should_apply(const struct ctx *c, struct daqs_vm_pstate *st, uint64_t want,
			 uint32_t min_change)
{
	uint64_t cur = st->limit_bps;

	if (moved_enough(cur, want, min_change))
		return true;
	if (fabs((double)want - (double)cur) <= DRIFT_MIN * (double)cur) {
		st->drift_since_ns = 0;
		return false;
	}
	if (!st->drift_since_ns)
		st->drift_since_ns = c->now;
	return c->now - st->drift_since_ns >= DRIFT_NS;
}

/* Remember rate and limit before a large limit change, to see whether the rate follows it. */
static void note_change(const struct ctx *c, struct daqs_policy_vm *vm, uint64_t want)
{
	struct daqs_vm_pstate *st = &vm->st;
	double from = limit_of(st);

	st->chg_pending = false;
	if (isinf(from) || want == DAQS_RATE_UNLIMITED || !(vm->tx_bps > 0))
		return;
	if (fabs((double)want / from - 1) < SCALE_MIN_STEP)
		return;
	st->chg_pending = true;
	st->chg_rate_bps = vm->tx_bps * c->scale; /* back to counter units */
	st->chg_from_bps = st->limit_bps;
}

/*
 * A change that binds nobody (point 5): the VM uses less than SLACK_FRAC of
 * both the limit in force and the new one. Releases, a limit that is the
 * VM's max cap (an operator's change of the cap, or limits released to the
 * caps, must show at once) and VMs without a fresh measurement or with a
 * probe running always count.
 */
static bool slack(const struct ctx *c, const struct daqs_policy_vm *vm, uint64_t want)
{
	const struct daqs_vm_pstate *st = &vm->st;
	double use = use_of(c, vm);

	if (want == DAQS_RATE_UNLIMITED || st->limit_bps == DAQS_RATE_UNLIMITED)
		return false;
	if (!is_fresh(c, vm) || st->probing || st->mode == DAQS_VM_PROTECTED)
		return false;
	if ((double)want >= maxcap_of(vm->sla))
		return false;
	return use < SLACK_FRAC * (double)(want < st->limit_bps ? want : st->limit_bps);
}

struct cut {
	double by;
	size_t i;
};

static int cut_cmp(const void *a, const void *b)
{
	double x = ((const struct cut *)a)->by, y = ((const struct cut *)b)->by;

	return x < y ? 1 : x > y ? -1 : 0; /* largest first */
}

/* Sum of the limits in force: finite part and how many are unlimited. */
struct in_force {
	double sum;
	size_t unlimited;
};

static void in_force_add(struct in_force *f, uint64_t limit, int sign)
{
	if (limit == DAQS_RATE_UNLIMITED)
		f->unlimited += (size_t)sign;
	else
		f->sum += sign * (double)limit;
}

static bool overcommitted(const struct ctx *c, const struct in_force *f)
{
	return f->unlimited > 0 || f->sum > c->cap * OVERCOMMIT_TOL;
}

/*
 * Decreases not going out anyway, forced largest first while the limits in
 * force add up to more than the capacity.
 */
static void force_cuts(const struct ctx *c, struct daqs_policy_vm **v, const uint64_t *want,
		       bool *go, size_t n, struct in_force *f)
{
	struct cut *cuts = daqs_calloc(n ? n : 1, sizeof(*cuts));
	size_t m = 0;

	for (size_t i = 0; i < n; i++)
		if (!go[i] && want[i] < v[i]->st.limit_bps)
			cuts[m++] = (struct cut){ limit_of(&v[i]->st) - (double)want[i], i };
	qsort(cuts, m, sizeof(*cuts), cut_cmp);
	for (size_t k = 0; k < m && overcommitted(c, f); k++) {
		size_t i = cuts[k].i;

		in_force_add(f, v[i]->st.limit_bps, -1);
		in_force_add(f, want[i], +1);
		go[i] = true;
	}
	free(cuts);
}

/* Apply with hysteresis and slack; force decreases if the limits in force would overcommit the link. */
static void decide(const struct ctx *c, struct daqs_policy_vm **v, const uint64_t *want, size_t n)
{
	struct in_force f = { 0 };
	double noise = 0;
	bool *go = daqs_calloc(n, sizeof(*go));
	uint32_t min_change;

	/* Shares move with every VM's noise, so the noisiest one sets the link's hysteresis. */
	for (size_t i = 0; i < n; i++)
		noise = fmax(noise, v[i]->st.noise);
	min_change = (uint32_t)fmax(c->ctl->min_change_ppm, fmin(NOISE_MULT * noise, 0.1) * 1e6);
	for (size_t i = 0; i < n; i++) {
		/* a protection is a decision, not a wobble: its limit always goes out */
		go[i] = (should_apply(c, &v[i]->st, want[i], min_change) &&
			 !slack(c, v[i], want[i])) ||
			(v[i]->st.mode == DAQS_VM_PROTECTED && want[i] > v[i]->st.limit_bps);
		v[i]->st.target_bps = want[i];
		in_force_add(&f, go[i] ? want[i] : v[i]->st.limit_bps, +1);
	}
	if (overcommitted(c, &f))
		force_cuts(c, v, want, go, n, &f);
	for (size_t i = 0; i < n; i++) {
		if (!go[i])
			continue;
		note_change(c, v[i], want[i]);
		daqs_policy_set_exact(v[i], want[i]);
		v[i]->st.base_bps = use_of(c, v[i]);
		v[i]->st.drift_since_ns = 0;
		v[i]->st.applied_ns = c->now;
	}
	free(go);
}

static void link_status(const struct ctx *c, struct daqs_policy_vm **v, const struct want *w,
			size_t n, struct daqs_policy_link_status *ls)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i]->sla->cls == DAQS_CLASS_GUARANTEE)
			ls->n_guarantee++;
		else
			ls->n_best_effort++;
		if (v[i]->st.mode == DAQS_VM_FAILSAFE)
			ls->n_failsafe++;
		if (v[i]->sla->cls == DAQS_CLASS_GUARANTEE)
			ls->reserved_bps += w[i].floor;
	}
	ls->be_budget_bps = ls->reserved_bps > 0 ? fmax(c->cap - ls->reserved_bps, 0) : INFINITY;
}

/*
 * The law works on copies whose rates are in wire units (the caller's
 * inputs are never changed); only the outputs (st, limit_bps, apply) go back.
 */
static struct daqs_policy_vm *scaled_copies(struct daqs_policy_vm **v, size_t n, double scale,
					    struct daqs_policy_vm **cp)
{
	struct daqs_policy_vm *w = daqs_calloc(n ? n : 1, sizeof(*w));

	for (size_t i = 0; i < n; i++) {
		w[i] = *v[i];
		w[i].tx_bps /= scale;
		w[i].tx_smooth_bps /= scale;
		cp[i] = &w[i];
	}
	return w;
}

static void outputs_back(struct daqs_policy_vm **v, size_t n, const struct daqs_policy_vm *w)
{
	for (size_t i = 0; i < n; i++) {
		v[i]->st = w[i].st;
		v[i]->limit_bps = w[i].limit_bps;
		v[i]->apply = w[i].apply;
	}
}

static void decide_link(struct ctx *c, struct daqs_policy *p, size_t link,
			struct daqs_policy_vm **v, size_t n)
{
	struct daqs_policy_link_status *ls = &p->status[link];
	struct want *w = daqs_calloc(n, sizeof(*w));
	double *alloc = daqs_calloc(n, sizeof(*alloc));
	uint64_t *want = daqs_calloc(n, sizeof(*want));
	bool protecting = false;

	c->total = daqs_cap_link_total(c, v, n);
	daqs_cap_sense(c, v, n);
	c->contended = false;
	/* contention: a VM wants more than it has and could be given more (not at its max) */
	for (size_t i = 0; i < n; i++)
		c->contended |= (v[i]->st.mode == DAQS_VM_CONSTRAINED || v[i]->st.probing) &&
				v[i]->st.limit_bps < v[i]->sla->max_bps;
	for (size_t i = 0; i < n; i++) {
		vm_want(c, v[i], &w[i]);
		if (v[i]->sla->cls == DAQS_CLASS_GUARANTEE && w[i].floor > 0)
			protecting = true;
	}
	daqs_cap_learn(c, v, n, protecting, &p->cap_eff[link], &p->cap_eff_ns[link]);
	if (c->closed && protecting)
		daqs_cap_learn_over(c, v, n, &p->cap_eff[link], &p->cap_eff_ns[link],
				    &p->over[link]);
	if (protecting)
		allocate(c, w, n, alloc, ls);
	for (size_t i = 0; i < n; i++) {
		if (!protecting || w[i].release)
			want[i] = daqs_policy_to_limit(w[i].maxcap);
		else
			want[i] = daqs_policy_to_limit(alloc[i]);
	}
	decide(c, v, want, n);
	link_status(c, v, w, n, ls);
	ls->effective_bps = c->cap;
	if (!protecting)
		ls->be_budget_bps = INFINITY;
	free(w);
	free(alloc);
	free(want);
}

static void step_vms(struct ctx *c, struct daqs_policy *p, size_t link, struct daqs_policy_vm **v,
		     size_t n)
{
	struct daqs_policy_vm **cp = daqs_calloc(n ? n : 1, sizeof(*cp));
	struct daqs_policy_vm *w;

	double was = p->scale[link];

	daqs_cap_learn_scale(c, v, n, c->closed && p->cap_eff[link] > c->nominal, &p->scale[link]);
	c->scale = p->scale[link];

	if (c->closed && p->cap_eff[link] > 0 && was != c->scale) { /* measured at the old one */
		p->cap_eff[link] *= was / c->scale;
		/* a rescale is no proof of room: above the configured capacity by learn_over only */
		if (p->cap_eff[link] >= c->nominal)
			p->cap_eff[link] = 0;
	}
	w = scaled_copies(v, n, c->scale, cp);
	decide_link(c, p, link, cp, n);
	outputs_back(v, n, w);
	p->status[link].counter_scale = c->scale;
	free(cp);
	free(w);
}

void daqs_policy_step_daqs(struct daqs_policy *p, size_t link, struct daqs_policy_vm *vms, size_t n,
			   uint64_t now_ns)
{
	struct daqs_policy_vm **v = daqs_calloc(n ? n : 1, sizeof(*v));
	struct ctx c = {
		.ctl = &p->sla->ctl,
		.cap = (double)p->capacity_bps[link],
		.nominal = (double)p->capacity_bps[link],
		.h0 = p->sla->ctl.headroom_ppm / 1e6,
		.now = now_ns,
		.hold_ns = PROTECT_PERIODS * p->sla->ctl.period_ns,
		.closed = p->kind == DAQS_POLICY_DAQS_CLOSED,
	};
	size_t m = 0;

	for (size_t i = 0; i < n; i++)
		if (vms[i].sla->link == link)
			v[m++] = &vms[i];
	/* Capacity unknown (auto link not read yet): decide nothing, keep what is in force. */
	if (m && c.cap > 0)
		step_vms(&c, p, link, v, m);
	free(v);
}
