/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the daqs law plans with (see policy_daqs.c for the law itself): the
 * capacity of each link as measured rather than as configured (a squeeze
 * probe or step 9's witness of a full link lowers it, daqs-closed raises it
 * above the configured value where the link proves room), and the counter
 * scale between what guests count and what tc limits.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "policy_daqs_impl.h"

#define SCALE_MATCH 0.01 /* the rate followed the limit within 1 % */
#define SCALE_GAIN 0.5
#define SCALE_LO 0.7
#define CAP_RECOVER_NS (60ULL * 1000000000ULL) /* learned capacity creeps back after this */
#define CAP_RECOVER_STEP 0.01		       /* ... by 1 % of nominal each time */
#define QUEUE_SAT_MS 1.0    /* a witness's flows wait this long: the link is full (step 9) */
#define OWN_LIMIT_FRAC 0.99 /* a VM at >= 99 % of its limit waits in its own HTB, not the link's */
#define SAT_DROP 0.98	    /* a saturated link's planned capacity falls by <= 2 % a period */
#define SAT_RISE 0.01	    /* ... and rises by 1 % of nominal a period while it is not full */
#define SAT_CALM_NS (5ULL * 1000000000ULL)  /* ... once it has not been full for this long */
#define OVER_MAX 1.25			    /* an understated link: planned with <= 125 % of it */
#define OWN_BOUND_FRAC 0.97		    /* a VM at >= 97 % of its limit is held by that limit */
#define OVER_HOLD_NS (2ULL * 1000000000ULL) /* evidence either way must last this long */
#define OVER_SCALE_MIN 0.95		    /* see learn_over */
#define OVER_STEP 0.03			    /* a rise: 3 % of the configured capacity */
#define OVER_VERDICT_NS (600ULL * 1000000ULL)	   /* ... judged this long after it */
#define OVER_VERDICT_MAX_NS (3ULL * 1000000000ULL) /* ... or taken back unproven */

/*
 * Step 9's witness: a sending Guarantee VM below its min, not held back by
 * its own limit, whose flows wait >= 1 ms in queues: the link is full and
 * that VM is denied what it is owed. Held back by its own limit: its HTB
 * holds a queue (own_queued, read with the delay); where that is not known,
 * its rate is at >= 99 % of the limit (a squeezed VM sits a headroom below
 * its limit, one held by its HTB at it; GSO-scaled counters blur this).
 */
bool daqs_cap_measured(const struct ctx *c, const struct daqs_policy_vm *vm)
{
	return c->closed && vm->sla->cls == DAQS_CLASS_GUARANTEE && vm->have_queue &&
	       is_fresh(c, vm) && vm->tx_bps >= g_delta(vm->sla) / 2 &&
	       vm->tx_bps < SAT_FRAC * (double)vm->sla->min_bps;
}

/* Held back by its own limit (see above): the queue says nothing of the link then. */
bool daqs_cap_own_held(const struct daqs_policy_vm *vm)
{
	return vm->have_own ? vm->own_queued : vm->tx_bps >= OWN_LIMIT_FRAC * limit_of(&vm->st);
}

bool daqs_cap_witness(const struct ctx *c, const struct daqs_policy_vm *vm)
{
	return daqs_cap_measured(c, vm) && vm->queue_ms >= QUEUE_SAT_MS && !daqs_cap_own_held(vm);
}

/* Sum of the fresh rates on the link: what it delivers right now. */
double daqs_cap_link_total(const struct ctx *c, struct daqs_policy_vm **v, size_t n)
{
	double t = 0;

	for (size_t i = 0; i < n; i++)
		if (is_fresh(c, v[i]))
			t += v[i]->tx_bps;
	return t;
}

/*
 * Step 9's inputs: is the queueing delay of a sending Guarantee VM below its
 * min known on this link (measured), and does one that its own limit does
 * not hold back wait in a queue (saturated)? A VM at or above its min is no
 * witness: it is owed nothing more, and with GSO-scaled counters and a scale
 * not yet learned exactly, one held at its own limit would look a few %
 * below it (a false witness, period after period: the capacity would spiral).
 */
void daqs_cap_sense(struct ctx *c, struct daqs_policy_vm **v, size_t n)
{
	c->measured = c->saturated = false;
	for (size_t i = 0; i < n; i++) {
		c->measured |= daqs_cap_measured(c, v[i]);
		c->saturated |= daqs_cap_witness(c, v[i]);
	}
}

/*
 * The capacity planned with. It starts as the configured one. A squeeze probe
 * that proves the link short lowers it to what the link delivered during the
 * squeeze; seeing more than that raises it again; with nothing to protect it
 * returns to the configured value (a wrong capacity costs nothing then); and
 * while no Guarantee VM is squeezed or protected it creeps back by 1 % of the
 * configured capacity a minute, so a transient dip is not remembered forever
 * (if the dip is real, the next squeeze finds it again).
 */
void daqs_cap_learn(struct ctx *c, struct daqs_policy_vm **v, size_t n, bool protecting,
		    double *cap_eff, uint64_t *cap_eff_ns)
{
	double proved = INFINITY;
	double over = c->closed && *cap_eff > c->nominal ? *cap_eff : 0;
	bool calm = true;

	for (size_t i = 0; i < n; i++) {
		const struct daqs_vm_pstate *st = &v[i]->st;

		if (st->proved_short)
			proved = fmin(proved, st->jump_total_bps);
		v[i]->st.proved_short = false;
		if (v[i]->sla->cls == DAQS_CLASS_GUARANTEE &&
		    (st->mode == DAQS_VM_PROTECTED || st->falls > 0))
			calm = false;
	}
	if (!protecting) {
		*cap_eff = 0;
	} else if (c->saturated) { /* step 9: it delivers what it can */
		double now = *cap_eff > 0 ? *cap_eff : c->nominal;

		*cap_eff = fmax(c->total, SAT_DROP * now);
		*cap_eff_ns = c->now;
	} else if (proved > 0 && proved < c->cap) { /* a squeeze probe of a VM step 9 cannot read */
		*cap_eff = proved;
		*cap_eff_ns = c->now;
	} else if (c->measured) {
		/* step 9: not full for a while, and someone wants more: try more */
		if (c->contended && *cap_eff > 0 && *cap_eff < c->nominal &&
		    c->now - *cap_eff_ns >= SAT_CALM_NS)
			*cap_eff = fmin(*cap_eff + SAT_RISE * c->nominal, c->nominal);
	} else if (*cap_eff > 0 && c->total > *cap_eff) {
		*cap_eff = c->total;
	} else if (*cap_eff > 0 && *cap_eff < c->nominal && calm &&
		   c->now - *cap_eff_ns >= CAP_RECOVER_NS) {
		*cap_eff += CAP_RECOVER_STEP * c->nominal;
		*cap_eff_ns = c->now;
	}
	/* above the configured capacity only as learn_over put it there, and never higher here */
	if (over)
		*cap_eff = *cap_eff > c->nominal ? fmin(*cap_eff, over) : *cap_eff;
	if (*cap_eff >= c->nominal && !over)
		*cap_eff = 0;
	c->cap = *cap_eff > 0 ? *cap_eff : c->nominal;
}

/* Someone wants more, every VM that does sends at >= 97 % of its limit, no guarantee at stake. */
/*
 * A guarantee is at stake in a probe above the configured capacity unless
 * its VM sends nothing or has its min with two probe steps to spare: a rise
 * past what the link delivers takes the step from the VMs' flows at the full
 * link, and a VM above its min also sees its own limit follow its rate down
 * meanwhile (measured in paper-b-multivm: one step to spare was not enough).
 */
static bool at_stake(const struct ctx *c, const struct daqs_policy_vm *vm)
{
	return vm->sla->cls == DAQS_CLASS_GUARANTEE && vm->st.mode != DAQS_VM_IDLE &&
	       !(vm->st.mode == DAQS_VM_SATISFIED &&
		 vm->tx_bps >= (double)vm->sla->min_bps + 2 * OVER_STEP * c->nominal);
}

static bool any_at_stake(const struct ctx *c, struct daqs_policy_vm **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (at_stake(c, v[i]))
			return true;
	return false;
}

static bool held_by_own(const struct ctx *c, struct daqs_policy_vm **v, size_t n)
{
	bool any = false;

	for (size_t i = 0; i < n; i++) {
		const struct daqs_vm_pstate *st = &v[i]->st;

		if (at_stake(c, v[i]))
			return false;

		if (!isinf(st->demand_bps) || st->limit_bps == DAQS_RATE_UNLIMITED)
			continue;
		if (!is_fresh(c, v[i]) || v[i]->tx_bps < OWN_BOUND_FRAC * (double)st->limit_bps)
			return false;
		any = true;
	}
	return any;
}

/* since: when the condition began (0 = it does not hold now); true once it has lasted. */
static bool lasted(const struct ctx *c, bool now, uint64_t *since)
{
	if (!now) {
		*since = 0;
		return false;
	}
	if (!*since)
		*since = c->now;
	return c->now - *since >= OVER_HOLD_NS;
}

/* Sum of the limits in force of the VMs that want more (wire units). */
static double wanting_limits(struct daqs_policy_vm **v, size_t n)
{
	double sum = 0;

	for (size_t i = 0; i < n; i++)
		if (isinf(v[i]->st.demand_bps) && v[i]->st.limit_bps != DAQS_RATE_UNLIMITED)
			sum += (double)v[i]->st.limit_bps;
	return sum;
}

/*
 * A rise's verdict, OVER_VERDICT_NS after it: if the VMs that want more were
 * given at least half the rise in their limits and the link delivered less
 * than half of it more (raw counters: no scale involved), the link is full:
 * the rise is taken back and not tried again for a minute (cap_eff_ns). If
 * the limits did not move (hysteresis kept them), there is no verdict yet,
 * up to OVER_VERDICT_MAX_NS; then the rise is taken back as unproven. A
 * guarantee at stake meanwhile takes it back at once.
 */
static void over_verdict(struct ctx *c, struct daqs_policy_vm **v, size_t n, double *cap_eff,
			 uint64_t *cap_eff_ns, struct daqs_over_probe *o)
{
	uint64_t age = c->now - o->rise_ns;
	bool given = wanting_limits(v, n) - o->base_limits_bps >= o->step_bps / 2;
	bool grew = c->total * c->scale - o->base_bps >= o->step_bps * c->scale / 2;

	bool stake = any_at_stake(c, v, n); /* an unproven rise must not cost a guarantee */

	if (!stake && (age < OVER_VERDICT_NS || (!given && age < OVER_VERDICT_MAX_NS)))
		return;
	if (stake || !given || !grew) {
		*cap_eff -= o->step_bps;
		if (*cap_eff <= c->nominal * (1 + 1e-9))
			*cap_eff = 0;
		if (given && !stake)
			*cap_eff_ns = c->now;
	}
	o->rise_ns = 0;
}

/*
 * daqs-closed, an understated link: the capacity planned with goes above the
 * configured one only when the link proves it has room, and to at most
 * OVER_MAX of it. A rise is tried when the plan is in use (the fresh rates add
 * up to >= 97 % of it), someone wants more, no guarantee is at stake, and
 * every VM that wants more sends at >= 97 % of its limit, so its own limit
 * holds it, not the link (a full link leaves some below theirs), for 2 s. The
 * rise (OVER_STEP of the configured capacity) stands only if the link then
 * delivers more (over_verdict); another follows while it does. A plan that
 * the link stops filling while someone wants more (VMs below their limits
 * for 2 s) comes down to what the link delivered, never below the configured
 * capacity (a link proven short is learn_capacity's); so does one a witness
 * of a full link (step 9) shows, at once, in learn_capacity. Once the link
 * was found full (cap_eff_ns), it is not tried above that for a minute.
 */
void daqs_cap_learn_over(struct ctx *c, struct daqs_policy_vm **v, size_t n, double *cap_eff,
			 uint64_t *cap_eff_ns, struct daqs_over_probe *o)
{
	bool at_or_over = *cap_eff == 0 || *cap_eff >= c->nominal;
	bool wants = c->contended && !c->saturated && at_or_over;
	bool own = wants && held_by_own(c, v, n);
	/* in wire units, but a scale below GSO's (0.956 at MTU 1500) is no proof of room */
	double wire = c->total * c->scale / fmax(c->scale, OVER_SCALE_MIN);
	bool in_use = wire >= OWN_BOUND_FRAC * c->cap;
	bool found_full = *cap_eff_ns && c->now - *cap_eff_ns < CAP_RECOVER_NS;

	if (o->rise_ns && !at_or_over)
		o->rise_ns = 0; /* learn_capacity found it short meanwhile */
	if (o->rise_ns)
		over_verdict(c, v, n, cap_eff, cap_eff_ns, o);
	if (!o->rise_ns && lasted(c, own && in_use, &o->held_ns) && !found_full) {
		double now = *cap_eff > 0 ? *cap_eff : c->nominal;
		double next = fmin(now + OVER_STEP * c->nominal, OVER_MAX * c->nominal);

		if (next > now) {
			o->base_bps = c->total * c->scale;
			o->base_limits_bps = wanting_limits(v, n);
			o->step_bps = next - now;
			o->rise_ns = c->now;
			*cap_eff = next;
		}
	}
	if (lasted(c, wants && !own && *cap_eff > c->nominal, &o->unheld_ns)) {
		*cap_eff = c->total > c->nominal ? fmin(c->total, *cap_eff) : 0;
		*cap_eff_ns = c->now;
		o->unheld_ns = 0;
		o->rise_ns = 0;
	}
	c->cap = *cap_eff > 0 ? *cap_eff : c->nominal;
}

/*
 * The counter scale. Guests' counters do not always count what tc limits:
 * veth and virtio with GSO count one set of headers per GSO packet while HTB
 * charges every segment's, so a VM held at L shows about 0.956 L at MTU 1500.
 * Read naively, every VM at its limit would look like it asks for less, and
 * its limit would spiral down. A VM whose rate followed a change of its limit
 * (rate ratio = limit ratio within 1 %) is bound by that limit, and then
 * rate / limit is the scale. It is learned per link (guests on a host share
 * NIC types) and every rate is divided by it, so the law works in wire units.
 */
void daqs_cap_learn_scale(const struct ctx *c, struct daqs_policy_vm **v, size_t n, bool over,
			  double *scale)
{
	for (size_t i = 0; i < n; i++) {
		struct daqs_vm_pstate *st = &v[i]->st;
		double k_limit, k_rate, sample;

		if (!st->chg_pending || !is_fresh(c, v[i]) ||
		    c->now - st->applied_ns < QUIET_PERIODS * c->ctl->period_ns)
			continue;
		st->chg_pending = false;
		/* planned above the configured capacity: the link, not the limit, may hold it */
		if (over || st->limit_bps == DAQS_RATE_UNLIMITED || !(st->chg_rate_bps > 0))
			continue;
		k_limit = (double)st->limit_bps / (double)st->chg_from_bps;
		k_rate = v[i]->tx_bps / st->chg_rate_bps;
		if (fabs(k_rate / k_limit - 1) > SCALE_MATCH)
			continue;
		sample = v[i]->tx_bps / (double)st->limit_bps;
		*scale = fmin(1, fmax(SCALE_LO, *scale + SCALE_GAIN * (sample - *scale)));
	}
}
