/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The VF allocator. A small "world" plays the host: it performs every move
 * the allocator returns (or fails it on purpose) and checks on each one that
 * it is possible (a plug into a free VF of a VM without one, an unplug from
 * its holder), that the VM has no other operation in flight and is not busy,
 * and that no step names a VM or a slot twice. On top of that: the FlexVF
 * scenario (100 VMs in 4 groups at 20k/40k/80k/100k packets/s) under each
 * strategy, noisy rates, dwell, failures, VMs that go away, ineligible VMs.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "unit.h"
#include "vf_alloc.h"

#define SEC 1000000000ULL
#define NVM 128
#define NSLOT 64
#define STEP (10 * SEC)
#define INTERVAL (300 * SEC)

struct world {
	struct daqs_vf_alloc *a;
	size_t n; /* VMs 0..n-1; some may be absent */
	struct daqs_vf_alloc_vm vm[NVM];
	struct daqs_vf_alloc_vm in[NVM]; /* the step's input: the VMs present */
	char id[NVM][8];
	bool absent[NVM];
	bool fail_plug[NVM], fail_unplug[NVM];
	bool auto_done; /* complete every move right after the step */
	int holds[NVM]; /* slot, or -1 */
	int owner[NSLOT];
	int pend_op[NVM], pend_slot[NVM]; /* in flight: op or -1 */
	uint64_t now, got_at[NVM], held[NVM];
	uint64_t min_dwell; /* checked on every displacement */
	size_t plugs, unplugs, plug_moves[NVM];
	const struct daqs_vf_alloc_move *last;
	size_t n_last;
};

static uint64_t rng_state = 88172645463325252ULL;

static double rnd(void) /* [0, 1) */
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (double)(rng_state >> 11) / 9007199254740992.0;
}

static struct daqs_vf_alloc *alloc(enum daqs_vf_strategy st, size_t slots, uint64_t dwell,
				   uint32_t hyst_ppm)
{
	struct daqs_vf_alloc_config cfg = {
		.strategy = st,
		.interval_ns = INTERVAL,
		.min_dwell_ns = dwell,
		.hysteresis_ppm = hyst_ppm,
		.n_slots = slots,
	};
	struct daqs_vf_alloc *a = daqs_vf_alloc_new(&cfg);

	ck_assert_ptr_nonnull(a);
	return a;
}

static void world_init(struct world *w, size_t n, struct daqs_vf_alloc *a)
{
	memset(w, 0, sizeof(*w));
	w->a = a;
	w->n = n;
	w->auto_done = true;
	w->min_dwell = INTERVAL;
	for (size_t i = 0; i < NVM; i++) {
		snprintf(w->id[i], sizeof(w->id[i]), "vm%03zu", i);
		w->vm[i].id = w->id[i];
		w->vm[i].eligible = true;
		w->holds[i] = -1;
		w->pend_op[i] = -1;
	}
	for (size_t s = 0; s < NSLOT; s++)
		w->owner[s] = -1;
}

static size_t vm_index(const struct world *w, const char *id)
{
	unsigned i = NVM;

	ck_assert_int_eq(sscanf(id, "vm%u", &i), 1);
	ck_assert_uint_lt(i, w->n);
	return i;
}

/* The world's side of done(): what the device really did, then the allocator told. */
static void complete(struct world *w, size_t i, bool ok)
{
	int s = w->pend_slot[i], op = w->pend_op[i];

	ck_assert_int_ge(op, 0);
	if (op == DAQS_VF_PLUG && ok) {
		w->holds[i] = s;
		w->owner[s] = (int)i;
		w->got_at[i] = w->now;
		w->plugs++;
	} else if (op == DAQS_VF_UNPLUG && ok) {
		w->held[i] += w->now - w->got_at[i];
		w->holds[i] = -1;
		w->owner[s] = -1;
		w->unplugs++;
	}
	w->pend_op[i] = -1;
	ck_assert_int_eq(
		daqs_vf_alloc_done(w->a, (size_t)s, w->id[i], (enum daqs_vf_op)op, ok, w->now), 0);
}

static void check_move(struct world *w, const struct daqs_vf_alloc_move *m, bool *seen_vm,
		       bool *seen_slot)
{
	size_t i = vm_index(w, m->vm);

	ck_assert_msg(!seen_vm[i] && !seen_slot[m->slot], "two moves for %s or slot %zu", m->vm,
		      m->slot);
	seen_vm[i] = seen_slot[m->slot] = true;
	ck_assert_msg(!w->vm[i].busy, "move for busy %s", m->vm);
	ck_assert_msg(w->pend_op[i] < 0, "second operation on %s", m->vm);
	ck_assert(!w->absent[i]);
	ck_assert_uint_gt(strlen(m->reason), 8);
	if (m->op == DAQS_VF_PLUG) {
		ck_assert_msg(w->vm[i].eligible, "plug into ineligible %s", m->vm);
		ck_assert_int_eq(w->holds[i], -1);
		ck_assert_int_eq(w->owner[m->slot], -1);
		w->plug_moves[i]++;
	} else {
		ck_assert_int_eq(w->holds[i], (int)m->slot);
		ck_assert_int_eq(w->owner[m->slot], (int)i);
		/* dwell: counted from the decision that chose it, at most one step before the plug */
		if (w->vm[i].eligible)
			ck_assert_msg(w->now - w->got_at[i] + STEP >= w->min_dwell,
				      "%s displaced after %llu s", m->vm,
				      (unsigned long long)((w->now - w->got_at[i]) / SEC));
	}
	w->pend_op[i] = (int)m->op;
	w->pend_slot[i] = (int)m->slot;
}

static size_t step(struct world *w)
{
	bool seen_vm[NVM] = { false }, seen_slot[NSLOT] = { false };
	size_t n = 0;

	for (size_t i = 0; i < w->n; i++)
		if (!w->absent[i])
			w->in[n++] = w->vm[i];
	ck_assert_int_eq(daqs_vf_alloc_step(w->a, w->in, n, w->now, &w->last, &w->n_last), 0);
	ck_assert_uint_le(w->n_last, daqs_vf_alloc_n_slots(w->a));
	for (size_t k = 0; k < w->n_last; k++)
		check_move(w, &w->last[k], seen_vm, seen_slot);
	if (w->auto_done)
		for (size_t i = 0; i < w->n; i++)
			if (w->pend_op[i] >= 0)
				complete(w, i,
					 w->pend_op[i] == DAQS_VF_PLUG ? !w->fail_plug[i]
								       : !w->fail_unplug[i]);
	return w->n_last;
}

/* Steps every STEP until `until` (inclusive); returns the moves. */
static size_t run(struct world *w, uint64_t until)
{
	size_t moves = 0;

	for (; w->now <= until; w->now += STEP)
		moves += step(w);
	return moves;
}

static size_t holders(const struct world *w, size_t from, size_t to)
{
	size_t n = 0;

	for (size_t i = from; i < to; i++)
		n += w->holds[i] >= 0;
	return n;
}

static bool last_has(const struct world *w, enum daqs_vf_op op, const char *vm, const char *reason)
{
	for (size_t k = 0; k < w->n_last; k++)
		if (w->last[k].op == op && strcmp(w->last[k].vm, vm) == 0 &&
		    strstr(w->last[k].reason, reason))
			return true;
	return false;
}

/* FlexVF: 4 groups of 25 at 20k, 40k, 80k, 100k packets/s (group 0 first). */
static const double group_pps[4] = { 20000, 40000, 80000, 100000 };

static void flexvf_rates(struct world *w, bool reversed)
{
	for (size_t i = 0; i < 100; i++)
		w->vm[i].pps = group_pps[reversed ? 3 - i / 25 : i / 25];
}

/* ---- activity ---- */

static const size_t flexvf_slots[] = { 10, 25, 40 };

START_TEST(test_activity_flexvf)
{
	size_t n = flexvf_slots[_i], moves;
	static struct world w;

	world_init(&w, 100, alloc(DAQS_VF_STRATEGY_ACTIVITY, n, INTERVAL, 200000));
	flexvf_rates(&w, true);
	ck_assert_uint_eq(step(&w), n); /* all slots free: filled at once */
	w.now += STEP;
	run(&w, 3 * INTERVAL + 140 * SEC);
	/* reversed rates: the highest groups are 0, then 1 */
	ck_assert_uint_eq(holders(&w, 0, 25), n < 25 ? n : 25);
	ck_assert_uint_eq(holders(&w, 25, 50), n > 25 ? n - 25 : 0);
	ck_assert_uint_eq(w.unplugs, 0);
	/* The rates turn around mid-interval: nothing moves before the next decision. */
	flexvf_rates(&w, false);
	ck_assert_uint_eq(run(&w, 4 * INTERVAL - STEP), 0);
	run(&w, 6 * INTERVAL);
	/* the top groups hold every VF: group 3, then group 2 */
	ck_assert_uint_eq(holders(&w, 75, 100), n < 25 ? n : 25);
	ck_assert_uint_eq(holders(&w, 50, 75), n > 25 ? n - 25 : 0);
	ck_assert_uint_eq(holders(&w, 0, 50), 0);
	/* each VF moved exactly once: no churn on the way */
	ck_assert_uint_eq(w.unplugs, n);
	ck_assert_uint_eq(w.plugs, 2 * n);
	moves = run(&w, 12 * INTERVAL);
	ck_assert_uint_eq(moves, 0);
	daqs_vf_alloc_free(w.a);
}
END_TEST

/* Ranks by the interval's mean rate: a one-step spike does not win a VF. */
START_TEST(test_activity_interval_mean)
{
	static struct world w;

	world_init(&w, 2, alloc(DAQS_VF_STRATEGY_ACTIVITY, 1, INTERVAL, 200000));
	w.vm[0].pps = 1000;
	w.vm[1].pps = 900;
	run(&w, INTERVAL - STEP);
	ck_assert_int_eq(w.holds[0], 0);
	w.vm[1].pps = 5000; /* one step at 5x, then back: mean about 1040 pps */
	run(&w, INTERVAL);
	w.vm[1].pps = 900;
	run(&w, 2 * INTERVAL);
	ck_assert_int_eq(w.holds[0], 0);
	ck_assert_uint_eq(w.unplugs, 0);
	/* sustained, it does */
	w.vm[1].pps = 5000;
	run(&w, 4 * INTERVAL);
	ck_assert_int_eq(w.holds[1], 0);
	ck_assert_uint_eq(w.unplugs, 1);
	daqs_vf_alloc_free(w.a);
}
END_TEST

/* ---- fair ---- */

static const size_t fair_slots[] = { 10, 25, 30 };

START_TEST(test_fair_rotates)
{
	size_t n = fair_slots[_i];
	uint64_t lo = UINT64_MAX, hi = 0, end = 40 * INTERVAL + STEP; /* the plugs after it */
	static struct world w;

	world_init(&w, 100, alloc(DAQS_VF_STRATEGY_FAIR, n, INTERVAL, 200000));
	flexvf_rates(&w, false); /* rates do not matter to fair */
	run(&w, end);
	for (size_t i = 0; i < 100; i++) {
		uint64_t h = w.held[i] + (w.holds[i] >= 0 ? end + STEP - w.got_at[i] : 0);

		ck_assert_msg(w.plug_moves[i] > 0, "vm%03zu never held a VF", i);
		lo = h < lo ? h : lo;
		hi = h > hi ? h : hi;
	}
	/* 40 slices of n over 100 VMs: balanced within one slice */
	ck_assert_msg(hi - lo <= INTERVAL, "held from %llu s to %llu s",
		      (unsigned long long)(lo / SEC), (unsigned long long)(hi / SEC));
	ck_assert_uint_ge(lo, (40 * n / 100 - 1) * (INTERVAL - STEP));
	ck_assert_uint_eq(holders(&w, 0, 100), n);
	daqs_vf_alloc_free(w.a);
}
END_TEST

START_TEST(test_fair_reasons)
{
	static struct world w;

	world_init(&w, 3, alloc(DAQS_VF_STRATEGY_FAIR, 1, INTERVAL, 0));
	ck_assert_uint_eq(step(&w), 1);
	ck_assert(last_has(&w, DAQS_VF_PLUG, "vm000", "free slot; fair turn: never held a VF"));
	w.now = INTERVAL;
	ck_assert_uint_eq(step(&w), 1);
	ck_assert(last_has(&w, DAQS_VF_UNPLUG, "vm000", "fair slice expired (held 300s)"));
	ck_assert(last_has(&w, DAQS_VF_UNPLUG, "vm000", "next: vm001"));
	w.now += STEP;
	ck_assert_uint_eq(step(&w), 1);
	ck_assert(last_has(&w, DAQS_VF_PLUG, "vm001", "fair turn: never held a VF"));
	w.now = 3 * INTERVAL;
	step(&w); /* vm002's turn */
	w.now += STEP;
	step(&w);
	ck_assert_int_eq(w.holds[2], 0);
	w.now = 4 * INTERVAL;
	step(&w);
	w.now += STEP;
	step(&w);
	ck_assert(last_has(&w, DAQS_VF_PLUG, "vm000", "fair turn: last held a VF 900s ago"));
	daqs_vf_alloc_free(w.a);
}
END_TEST

/* ---- sla ---- */

START_TEST(test_sla_guarantee_first)
{
	struct daqs_vf_alloc_vm_info info;
	static struct world w;

	world_init(&w, 100, alloc(DAQS_VF_STRATEGY_SLA, 10, INTERVAL, 200000));
	flexvf_rates(&w, false);
	for (size_t i = 0; i < 8; i++) { /* active Guarantee VMs in the slowest group */
		w.vm[i].guarantee = true;
		w.vm[i].active = true;
	}
	for (size_t i = 25; i < 29; i++) /* idle Guarantee VMs: no priority */
		w.vm[i].guarantee = true;
	run(&w, 2 * INTERVAL);
	ck_assert_uint_eq(holders(&w, 0, 8), 8);
	ck_assert_uint_eq(holders(&w, 75, 100), 2);
	ck_assert_uint_eq(holders(&w, 8, 75), 0);
	ck_assert_int_eq(daqs_vf_alloc_vm(w.a, "vm003", &info), 0);
	ck_assert_ptr_nonnull(strstr(info.reason, "guarantee VM first"));
	/* A Best-Effort VM at 50x does not take a Guarantee VM's VF, only a Best-Effort one's. */
	w.vm[80].pps = 1000000;
	run(&w, 4 * INTERVAL);
	ck_assert_uint_eq(holders(&w, 0, 8), 8);
	ck_assert_int_ge(w.holds[80], 0);
	ck_assert_uint_eq(w.unplugs, 1);
	/* An idle Guarantee VM that becomes active displaces a Best-Effort holder. */
	w.vm[26].active = true;
	w.now = 5 * INTERVAL;
	step(&w);
	ck_assert_uint_eq(w.n_last, 1);
	ck_assert_int_eq(w.last[0].op, DAQS_VF_UNPLUG);
	ck_assert_ptr_nonnull(strstr(w.last[0].reason, "guarantee VM vm026 first"));
	ck_assert_int_ge(vm_index(&w, w.last[0].vm), 75); /* the other Best-Effort holder */
	ck_assert_int_ne(vm_index(&w, w.last[0].vm), 80); /* not the busier one */
	w.now += STEP;
	step(&w);
	ck_assert_int_ge(w.holds[26], 0);
	ck_assert_uint_eq(holders(&w, 0, 8), 8);
	/* the same host under activity: the top group only */
	daqs_vf_alloc_free(w.a);
	world_init(&w, 100, alloc(DAQS_VF_STRATEGY_ACTIVITY, 10, INTERVAL, 200000));
	flexvf_rates(&w, false);
	for (size_t i = 0; i < 8; i++)
		w.vm[i].guarantee = w.vm[i].active = true;
	run(&w, 2 * INTERVAL);
	ck_assert_uint_eq(holders(&w, 75, 100), 10);
	daqs_vf_alloc_free(w.a);
}
END_TEST

/* ---- noise, hysteresis, dwell ---- */

/* 100 VMs at 50k pps, each step +-15 % uniform noise: after the fill, nothing moves. */
START_TEST(test_noise_per_step_no_flapping)
{
	static const enum daqs_vf_strategy st[] = { DAQS_VF_STRATEGY_ACTIVITY,
						    DAQS_VF_STRATEGY_SLA };
	static struct world w;
	size_t moves = 0;

	world_init(&w, 100, alloc(st[_i], 25, INTERVAL, 200000));
	for (; w.now <= 50 * INTERVAL; w.now += STEP) {
		for (size_t i = 0; i < 100; i++)
			w.vm[i].pps = 50000 * (0.85 + 0.3 * rnd());
		moves += step(&w);
	}
	ck_assert_uint_eq(moves, 25); /* the first fill, then no move in 50 intervals */
	daqs_vf_alloc_free(w.a);
}
END_TEST

/* Noise drawn once per interval (the mean cannot smooth it): moves after the fill. */
static size_t noisy_intervals(uint32_t hyst_ppm, uint64_t dwell, size_t intervals)
{
	static struct world w;
	size_t moves = 0;

	world_init(&w, 100, alloc(DAQS_VF_STRATEGY_ACTIVITY, 25, dwell, hyst_ppm));
	w.min_dwell = dwell;
	for (; w.now <= intervals * INTERVAL; w.now += STEP) {
		if (w.now % INTERVAL == STEP) /* just after each decision */
			for (size_t i = 0; i < 100; i++)
				w.vm[i].pps = 50000 * (0.85 + 0.3 * rnd());
		moves += step(&w);
	}
	daqs_vf_alloc_free(w.a);
	return moves - 25;
}

START_TEST(test_noise_per_interval)
{
	/* +-15 %: two rates differ by at most 1.15 / 0.85 = 1.353 */
	size_t none = noisy_intervals(0, INTERVAL, 50);
	size_t dwell3 = noisy_intervals(0, 3 * INTERVAL, 50);

	ck_assert_uint_eq(noisy_intervals(400000, INTERVAL, 50), 0);
	/* without hysteresis equal VMs trade places every interval ... */
	ck_assert_uint_ge(none, 2 * 50);
	/* ... and a longer dwell (checked on every move by the world) bounds it: each of the
	 * 25 slots changes hands (2 moves) at most once per 3 intervals */
	ck_assert_uint_le(dwell3, 2 * 25 * (50 / 3 + 1));
	ck_assert_uint_lt(dwell3, none);
	ck_assert_uint_gt(dwell3, 0);
	/* 20 % takes most of it away even here */
	ck_assert_uint_lt(noisy_intervals(200000, INTERVAL, 50), none / 2);
}
END_TEST

/*
 * A holder keeps its VF min_dwell after it was chosen, and a VM that lost one
 * is not given one back by displacement before min_dwell either.
 */
START_TEST(test_dwell_both_ways)
{
	static struct world w;

	world_init(&w, 3, alloc(DAQS_VF_STRATEGY_ACTIVITY, 2, 2 * INTERVAL, 0));
	w.min_dwell = 2 * INTERVAL;
	w.vm[0].pps = 500;
	w.vm[1].pps = 10;
	w.vm[2].pps = 1000;
	ck_assert_uint_eq(step(&w), 2);
	w.now = STEP;
	w.vm[1].pps = 1e6; /* far ahead, but both holders are in their dwell */
	ck_assert_uint_eq(run(&w, 2 * INTERVAL - STEP), 0);
	ck_assert_uint_eq(step(&w), 1);
	ck_assert(last_has(&w, DAQS_VF_UNPLUG, "vm000", "displaced by vm001"));
	w.now += STEP;
	ck_assert_uint_eq(step(&w), 1); /* vm001 plugged */
	/* vm000 comes back far ahead of vm002 (whose dwell is long over): it waits for its own */
	w.vm[0].pps = 1e7;
	w.now += STEP;
	ck_assert_uint_eq(run(&w, 4 * INTERVAL - STEP), 0);
	ck_assert_uint_eq(step(&w), 1);
	ck_assert(last_has(&w, DAQS_VF_UNPLUG, "vm002", "displaced by vm000"));
	daqs_vf_alloc_free(w.a);
}
END_TEST

/* ---- operations ---- */

START_TEST(test_busy_never_second_op)
{
	static struct world w;

	world_init(&w, 3, alloc(DAQS_VF_STRATEGY_ACTIVITY, 1, 0, 200000));
	w.min_dwell = 0;
	w.vm[0].pps = 1000;
	w.vm[1].pps = 500;
	w.vm[2].pps = 100;
	/* the best candidate is busy: the next one gets the free slot */
	w.vm[0].busy = true;
	step(&w);
	ck_assert_int_eq(w.holds[1], 0);
	/* a busy holder is not displaced, however far behind */
	w.vm[0].busy = false;
	w.vm[1].busy = true;
	w.now = INTERVAL;
	ck_assert_uint_eq(step(&w), 0);
	w.vm[1].busy = false;
	w.now = 2 * INTERVAL;
	ck_assert_uint_eq(step(&w), 1);
	ck_assert(last_has(&w, DAQS_VF_UNPLUG, "vm001", "displaced by vm000"));
	w.now += STEP;
	step(&w);
	ck_assert_int_eq(w.holds[0], 0);
	/* Our own plug in flight: no second operation, whatever happens meanwhile. */
	daqs_vf_alloc_free(w.a);
	world_init(&w, 2, alloc(DAQS_VF_STRATEGY_ACTIVITY, 1, 0, 0));
	w.min_dwell = 0;
	w.auto_done = false;
	w.vm[0].pps = 100;
	ck_assert_uint_eq(step(&w), 1); /* plug vm000 */
	w.vm[0].eligible = false;
	w.vm[1].pps = 1e6;
	for (w.now = STEP; w.now <= 3 * INTERVAL; w.now += STEP)
		ck_assert_uint_eq(step(&w), 0);
	complete(&w, 0, true);
	ck_assert_uint_eq(step(&w), 1);
	ck_assert(last_has(&w, DAQS_VF_UNPLUG, "vm000", "no longer eligible"));
	for (w.now += STEP; w.now <= 4 * INTERVAL; w.now += STEP)
		ck_assert_uint_eq(step(&w), 0); /* unplug in flight */
	complete(&w, 0, true);
	ck_assert_uint_eq(step(&w), 1);
	ck_assert(last_has(&w, DAQS_VF_PLUG, "vm001", "free slot"));
	daqs_vf_alloc_free(w.a);
}
END_TEST

START_TEST(test_failed_plug_backs_off)
{
	static const uint64_t tries[] = { 0, 300, 900, 2100, 4500, 6900 };
	struct daqs_vf_alloc_vm_info info;
	struct daqs_vf_alloc_stats stats;
	static struct world w;
	size_t k = 0;

	world_init(&w, 2, alloc(DAQS_VF_STRATEGY_ACTIVITY, 1, 60 * SEC, 200000));
	w.min_dwell = 60 * SEC;
	w.vm[0].pps = 1000;
	w.vm[1].pps = 500;
	w.fail_plug[0] = true;
	step(&w);
	ck_assert(last_has(&w, DAQS_VF_PLUG, "vm000", "free slot"));
	ck_assert_int_eq(daqs_vf_alloc_vm(w.a, "vm000", &info), 0);
	ck_assert(!info.holds);
	ck_assert_uint_eq(info.plug_failures, 1);
	ck_assert_uint_eq(info.backoff_until_ns, INTERVAL); /* max(min_dwell, interval) */
	ck_assert_ptr_nonnull(strstr(info.reason, "failed"));
	/* the slot goes to the next VM at once; vm000 waits out its back-off */
	w.now = STEP;
	ck_assert_uint_eq(step(&w), 1);
	ck_assert(last_has(&w, DAQS_VF_PLUG, "vm001", "free slot"));
	w.now += STEP;
	run(&w, INTERVAL - STEP);
	ck_assert_uint_eq(w.plug_moves[0], 1);
	/* back in the race after it: displaces vm001 at the next decision after vm001's dwell */
	w.fail_plug[0] = false;
	run(&w, INTERVAL + STEP);
	ck_assert_int_eq(w.holds[0], 0);
	daqs_vf_alloc_stats(w.a, &stats);
	ck_assert_uint_eq(stats.plug_failures, 1);
	ck_assert_uint_eq(stats.plugs, 2);
	daqs_vf_alloc_free(w.a);
	/* Alone and always failing: retried after 300, 600, 1200, 2400, 2400 s. */
	world_init(&w, 1, alloc(DAQS_VF_STRATEGY_ACTIVITY, 1, 0, 200000));
	w.fail_plug[0] = true;
	for (w.now = 0; w.now <= 7000 * SEC; w.now += STEP) {
		if (step(&w) == 0)
			continue;
		ck_assert_uint_lt(k, DAQS_ARRAY_SIZE(tries));
		ck_assert_uint_eq(w.now, tries[k++] * SEC);
	}
	ck_assert_uint_eq(k, DAQS_ARRAY_SIZE(tries));
	daqs_vf_alloc_free(w.a);
}
END_TEST

START_TEST(test_failed_unplug_keeps_holder)
{
	struct daqs_vf_alloc_slot_info si;
	struct daqs_vf_alloc_vm_info info;
	static struct world w;

	world_init(&w, 2, alloc(DAQS_VF_STRATEGY_ACTIVITY, 1, INTERVAL, 200000));
	w.vm[0].pps = 1000;
	w.vm[1].pps = 10;
	run(&w, 10 * SEC);
	w.vm[1].pps = 1e6;
	w.fail_unplug[0] = true;
	w.now = 2 * INTERVAL;
	ck_assert_uint_eq(step(&w), 1);
	ck_assert(last_has(&w, DAQS_VF_UNPLUG, "vm000", "displaced by vm001"));
	ck_assert_int_eq(daqs_vf_alloc_slot(w.a, 0, &si), 0);
	ck_assert_int_eq(si.state, DAQS_VF_SLOT_HELD);
	ck_assert_str_eq(si.holder, "vm000");
	ck_assert_ptr_null(si.next);
	ck_assert_ptr_nonnull(strstr(si.reason, "unplug failed"));
	ck_assert_int_eq(daqs_vf_alloc_vm(w.a, "vm001", &info), 0);
	ck_assert(!info.reserved && !info.holds);
	/* nothing until the next decision, which tries again */
	w.fail_unplug[0] = false;
	w.now += STEP;
	ck_assert_uint_eq(run(&w, 3 * INTERVAL - STEP), 0);
	ck_assert_uint_eq(step(&w), 1);
	w.now += STEP;
	step(&w);
	ck_assert_int_eq(w.holds[1], 0);
	daqs_vf_alloc_free(w.a);
}
END_TEST

START_TEST(test_gone_vm_frees_slot)
{
	struct daqs_vf_alloc_stats stats;
	struct daqs_vf_alloc_slot_info si;
	struct daqs_vf_alloc_vm_info info;
	static struct world w;

	world_init(&w, 3, alloc(DAQS_VF_STRATEGY_ACTIVITY, 1, INTERVAL, 200000));
	w.vm[0].pps = 1000;
	w.vm[1].pps = 500;
	w.vm[2].pps = 100;
	step(&w);
	ck_assert_int_eq(w.holds[0], 0);
	/* vm000 shuts down: no move for it, the slot goes to vm001 in the same step */
	w.absent[0] = true;
	w.owner[0] = -1;
	w.holds[0] = -1;
	w.now = STEP;
	ck_assert_uint_eq(step(&w), 1);
	ck_assert(last_has(&w, DAQS_VF_PLUG, "vm001", "free slot"));
	ck_assert_int_eq(daqs_vf_alloc_vm(w.a, "vm000", &info), -ENOENT);
	ck_assert_uint_eq(daqs_vf_alloc_n_vms(w.a), 2);
	daqs_vf_alloc_stats(w.a, &stats);
	ck_assert_uint_eq(stats.gone, 1);
	daqs_vf_alloc_free(w.a);
	/* The holder goes away while its unplug is in flight: the reserved VM gets it at once. */
	world_init(&w, 3, alloc(DAQS_VF_STRATEGY_ACTIVITY, 1, 0, 200000));
	w.min_dwell = 0;
	w.vm[0].pps = 1000;
	step(&w);
	w.auto_done = false;
	w.vm[1].pps = 1e6;
	w.now = INTERVAL;
	ck_assert_uint_eq(step(&w), 1); /* unplug vm000, reserved for vm001 */
	ck_assert_int_eq(daqs_vf_alloc_slot(w.a, 0, &si), 0);
	ck_assert_int_eq(si.state, DAQS_VF_SLOT_UNPLUGGING);
	ck_assert_str_eq(si.next, "vm001");
	w.absent[0] = true;
	w.owner[0] = -1;
	w.holds[0] = -1;
	w.pend_op[0] = -1;
	w.now += STEP;
	ck_assert_uint_eq(step(&w), 1);
	ck_assert(last_has(&w, DAQS_VF_PLUG, "vm001", "takes over from vm000"));
	/* a late report for the gone VM changes nothing */
	ck_assert_int_eq(daqs_vf_alloc_done(w.a, 0, "vm000", DAQS_VF_UNPLUG, true, w.now), -ENOENT);
	complete(&w, 1, true);
	ck_assert_int_eq(daqs_vf_alloc_slot(w.a, 0, &si), 0);
	ck_assert_int_eq(si.state, DAQS_VF_SLOT_HELD);
	ck_assert_str_eq(si.holder, "vm001");
	/* The reserved VM goes away during the unplug: the slot comes back free, then filled. */
	w.vm[2].pps = 1e7;
	w.now = 3 * INTERVAL;
	ck_assert_uint_eq(step(&w), 1);
	ck_assert(last_has(&w, DAQS_VF_UNPLUG, "vm001", "displaced by vm002"));
	w.absent[2] = true;
	w.now += STEP;
	ck_assert_uint_eq(step(&w), 0);
	complete(&w, 1, true);
	ck_assert_int_eq(daqs_vf_alloc_slot(w.a, 0, &si), 0);
	ck_assert_int_eq(si.state, DAQS_VF_SLOT_FREE);
	w.now += STEP;
	ck_assert_uint_eq(step(&w), 1); /* vm001 may take a free slot at once */
	ck_assert(last_has(&w, DAQS_VF_PLUG, "vm001", "free slot"));
	daqs_vf_alloc_free(w.a);
}
END_TEST

START_TEST(test_ineligible_never)
{
	struct daqs_vf_alloc_vm_info info;
	static struct world w;

	world_init(&w, 100, alloc(DAQS_VF_STRATEGY_SLA, 25, INTERVAL, 200000));
	for (size_t i = 0; i < 100; i++) {
		w.vm[i].eligible = i % 2 == 1;
		w.vm[i].guarantee = w.vm[i].active = i % 4 == 0; /* ineligible Guarantee VMs too */
	}
	for (; w.now <= 20 * INTERVAL; w.now += STEP) {
		for (size_t i = 0; i < 100; i++) /* the ineligible ones send the most */
			w.vm[i].pps = (i % 2 ? 1000 : 100000) * (0.5 + rnd());
		step(&w); /* the world refuses any plug into an ineligible VM */
	}
	step(&w); /* plugs for the last decision's displacements */
	for (size_t i = 0; i < 100; i += 2)
		ck_assert_uint_eq(w.plug_moves[i], 0);
	ck_assert_uint_eq(holders(&w, 0, 100), 25);
	ck_assert_int_eq(daqs_vf_alloc_vm(w.a, "vm000", &info), 0);
	ck_assert_uint_eq(info.rank, 0);
	/* A holder made ineligible mid-interval is unplugged at that very step. */
	for (size_t i = 1; i < 100; i += 2) {
		if (w.holds[i] < 0)
			continue;
		w.vm[i].eligible = false;
		w.now += STEP;
		ck_assert_uint_eq(step(&w), 1);
		ck_assert(last_has(&w, DAQS_VF_UNPLUG, w.id[i], "no longer eligible for a VF"));
		ck_assert_int_eq(w.holds[i], -1);
		w.now += STEP;
		ck_assert_uint_eq(step(&w), 1); /* the freed slot is filled at once */
		ck_assert_int_eq(w.last[0].op, DAQS_VF_PLUG);
		break;
	}
	daqs_vf_alloc_free(w.a);
}
END_TEST

/* Between decisions only free slots are filled. */
START_TEST(test_between_intervals)
{
	static struct world w;

	world_init(&w, 3, alloc(DAQS_VF_STRATEGY_ACTIVITY, 2, 0, 200000));
	w.min_dwell = 0;
	w.vm[0].pps = 100;
	w.absent[1] = true;
	w.vm[2].pps = 10;
	w.absent[2] = true;
	ck_assert_uint_eq(step(&w), 1);
	w.now = 100 * SEC; /* a new VM mid-interval: a slot is free */
	w.absent[1] = false;
	w.vm[1].pps = 50;
	ck_assert_uint_eq(step(&w), 1);
	ck_assert(last_has(&w, DAQS_VF_PLUG, "vm001", "free slot; activity rank 2 of 2, 50 pps"));
	w.now = 110 * SEC; /* a much busier VM mid-interval: no slot free, it waits */
	w.absent[2] = false;
	w.vm[2].pps = 1e6;
	ck_assert_uint_eq(run(&w, INTERVAL - STEP), 0);
	w.now = INTERVAL;
	ck_assert_uint_eq(step(&w), 1);
	ck_assert(
		last_has(&w, DAQS_VF_UNPLUG, "vm001", "displaced by vm002 (1000000 pps > 50 pps"));
	daqs_vf_alloc_free(w.a);
}
END_TEST

/* ---- API ---- */

START_TEST(test_config_and_input_refused)
{
	static const char *const bad_labels[] = { "a", NULL };
	struct daqs_vf_alloc_config cfg = { DAQS_VF_STRATEGY_FAIR, SEC, 0, 0, 2, NULL };
	const struct daqs_vf_alloc_move *m;
	struct daqs_vf_alloc_vm in[2] = { { .id = "a" }, { .id = "b" } };
	struct daqs_vf_alloc *a;
	size_t n;

	ck_assert_ptr_null(daqs_vf_alloc_new(NULL));
	cfg.n_slots = 0;
	ck_assert_ptr_null(daqs_vf_alloc_new(&cfg));
	cfg.n_slots = DAQS_VF_ALLOC_MAX_SLOTS + 1;
	ck_assert_ptr_null(daqs_vf_alloc_new(&cfg));
	cfg.n_slots = 2;
	cfg.interval_ns = 0;
	ck_assert_ptr_null(daqs_vf_alloc_new(&cfg));
	cfg.interval_ns = SEC;
	cfg.hysteresis_ppm = 10000001;
	ck_assert_ptr_null(daqs_vf_alloc_new(&cfg));
	cfg.hysteresis_ppm = 0;
	cfg.strategy = (enum daqs_vf_strategy)7;
	ck_assert_ptr_null(daqs_vf_alloc_new(&cfg));
	cfg.strategy = DAQS_VF_STRATEGY_FAIR;
	cfg.labels = bad_labels;
	ck_assert_ptr_null(daqs_vf_alloc_new(&cfg));
	cfg.labels = NULL;
	a = daqs_vf_alloc_new(&cfg);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(daqs_vf_alloc_step(a, in, 2, 10, &m, &n), 0);
	ck_assert_uint_eq(n, 0); /* neither eligible */
	in[1].id = "a";
	ck_assert_int_eq(daqs_vf_alloc_step(a, in, 2, 20, &m, &n), -EINVAL);
	in[1].id = "";
	ck_assert_int_eq(daqs_vf_alloc_step(a, in, 2, 20, &m, &n), -EINVAL);
	in[1].id = NULL;
	ck_assert_int_eq(daqs_vf_alloc_step(a, in, 2, 20, &m, &n), -EINVAL);
	in[1].id = "b";
	in[1].pps = NAN;
	ck_assert_int_eq(daqs_vf_alloc_step(a, in, 2, 20, &m, &n), -EINVAL);
	in[1].pps = -1;
	ck_assert_int_eq(daqs_vf_alloc_step(a, in, 2, 20, &m, &n), -EINVAL);
	in[1].pps = INFINITY;
	ck_assert_int_eq(daqs_vf_alloc_step(a, in, 2, 20, &m, &n), -EINVAL);
	in[1].pps = 0;
	ck_assert_int_eq(daqs_vf_alloc_step(a, in, 2, 9, &m, &n), -EINVAL); /* time backwards */
	ck_assert_uint_eq(daqs_vf_alloc_n_vms(a), 2);			    /* nothing changed */
	in[0].eligible = true;
	ck_assert_int_eq(daqs_vf_alloc_step(a, in, 2, 20, &m, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(daqs_vf_alloc_done(a, 2, "a", DAQS_VF_PLUG, true, 20), -EINVAL);
	ck_assert_int_eq(daqs_vf_alloc_done(a, 0, "a", DAQS_VF_PLUG, true, 19), -EINVAL);
	ck_assert_int_eq(daqs_vf_alloc_done(a, 0, "b", DAQS_VF_PLUG, true, 20), -ENOENT);
	ck_assert_int_eq(daqs_vf_alloc_done(a, 0, NULL, DAQS_VF_PLUG, true, 20), -ENOENT);
	ck_assert_int_eq(daqs_vf_alloc_done(a, 0, "a", DAQS_VF_UNPLUG, true, 20), -ENOENT);
	ck_assert_int_eq(daqs_vf_alloc_done(a, 1, "a", DAQS_VF_PLUG, true, 20), -ENOENT);
	ck_assert_int_eq(daqs_vf_alloc_done(a, 0, "a", DAQS_VF_PLUG, true, 20), 0);
	ck_assert_int_eq(daqs_vf_alloc_done(a, 0, "a", DAQS_VF_PLUG, true, 20), -ENOENT);
	daqs_vf_alloc_free(a);
	daqs_vf_alloc_free(NULL);
}
END_TEST

/* A VF left plugged by an earlier daqsd is taken over, not moved. */
START_TEST(test_adopt)
{
	struct daqs_vf_alloc *a = alloc(DAQS_VF_STRATEGY_ACTIVITY, 2, INTERVAL, 200000);
	struct daqs_vf_alloc_vm in[2] = {
		{ .id = "a", .eligible = true, .pps = 10 },
		{ .id = "b", .eligible = true, .pps = 50000 },
	};
	const struct daqs_vf_alloc_move *mv;
	struct daqs_vf_alloc_slot_info si;
	struct daqs_vf_alloc_vm_info vi;
	size_t n;

	ck_assert_int_eq(daqs_vf_alloc_adopt(a, 1, "a", 5 * SEC), 0);
	ck_assert_int_eq(daqs_vf_alloc_adopt(a, 1, "b", 5 * SEC), -EBUSY);
	ck_assert_int_eq(daqs_vf_alloc_adopt(a, 0, "a", 5 * SEC), -EEXIST);
	ck_assert_int_eq(daqs_vf_alloc_adopt(a, 2, "b", 5 * SEC), -EINVAL);
	ck_assert_int_eq(daqs_vf_alloc_adopt(a, 0, "", 5 * SEC), -EINVAL);
	ck_assert_int_eq(daqs_vf_alloc_adopt(a, 0, "b", 4 * SEC), -EINVAL); /* time going back */
	ck_assert_int_eq(daqs_vf_alloc_slot(a, 1, &si), 0);
	ck_assert_int_eq(si.state, DAQS_VF_SLOT_HELD);
	ck_assert_str_eq(si.holder, "a");
	ck_assert_ptr_nonnull(strstr(si.reason, "adopted"));
	/* first step: b gets the free slot; a keeps its own though b sends far more (dwell) */
	ck_assert_int_eq(daqs_vf_alloc_step(a, in, 2, 6 * SEC, &mv, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(mv[0].op, DAQS_VF_PLUG);
	ck_assert_uint_eq(mv[0].slot, 0);
	ck_assert_str_eq(mv[0].vm, "b");
	ck_assert_int_eq(daqs_vf_alloc_vm(a, "a", &vi), 0);
	ck_assert(vi.holds);
	ck_assert_uint_eq(vi.slot, 1);
	/* a disappears: its adopted slot is free again, with no move */
	ck_assert_int_eq(daqs_vf_alloc_step(a, &in[1], 1, 7 * SEC, &mv, &n), 0);
	ck_assert_int_eq(daqs_vf_alloc_slot(a, 1, &si), 0);
	ck_assert_int_eq(si.state, DAQS_VF_SLOT_FREE);
	/* an adopted VM absent from the first step is treated as gone too */
	daqs_vf_alloc_free(a);
	a = alloc(DAQS_VF_STRATEGY_ACTIVITY, 1, INTERVAL, 200000);
	ck_assert_int_eq(daqs_vf_alloc_adopt(a, 0, "ghost", SEC), 0);
	ck_assert_int_eq(daqs_vf_alloc_step(a, &in[1], 1, 2 * SEC, &mv, &n), 0);
	ck_assert_uint_eq(n, 1); /* the slot is free again at once: b gets it */
	ck_assert_str_eq(mv[0].vm, "b");
	daqs_vf_alloc_free(a);
}
END_TEST

START_TEST(test_views)
{
	static const char *const labels[] = { "0000:3b:02.0", "0000:3b:02.1" };
	struct daqs_vf_alloc_config cfg = {
		DAQS_VF_STRATEGY_ACTIVITY, INTERVAL, 0, 200000, 2, labels
	};
	struct daqs_vf_alloc_slot_info si;
	struct daqs_vf_alloc_vm_info vi;
	struct daqs_sla_vf_pool pool = { .present = true,
					 .strategy = DAQS_VF_STRATEGY_FAIR,
					 .n_slots = 7,
					 .interval_ns = 5 * SEC,
					 .min_dwell_ns = 2 * SEC,
					 .hysteresis_ppm = 300000 };
	static struct world w;

	world_init(&w, 3, daqs_vf_alloc_new(&cfg));
	w.min_dwell = 0;
	w.vm[0].pps = 30;
	w.vm[1].pps = 20;
	w.vm[2].pps = 10;
	w.now = 5 * SEC;
	step(&w);
	ck_assert_int_eq(daqs_vf_alloc_slot(w.a, 2, &si), -EINVAL);
	ck_assert_int_eq(daqs_vf_alloc_slot(w.a, 1, &si), 0);
	ck_assert_str_eq(si.label, "0000:3b:02.1");
	ck_assert_int_eq(si.state, DAQS_VF_SLOT_HELD);
	ck_assert_str_eq(si.holder, "vm001");
	ck_assert_uint_eq(si.since_ns, 5 * SEC);
	ck_assert_str_eq(si.reason, "free slot; activity rank 2 of 3, 20 pps");
	ck_assert_str_eq(daqs_vf_slot_state_name(si.state), "held");
	w.now = 65 * SEC;
	step(&w);
	ck_assert_int_eq(daqs_vf_alloc_vm(w.a, "vm000", &vi), 0);
	ck_assert(vi.holds && !vi.in_flight && !vi.reserved);
	ck_assert_uint_eq(vi.slot, 0);
	ck_assert_uint_eq(vi.rank, 1);
	ck_assert_uint_eq(vi.held_ns, 60 * SEC);
	ck_assert_ptr_nonnull(strstr(vi.reason, "holds 0000:3b:02.0: free slot"));
	ck_assert_int_eq(daqs_vf_alloc_vm_at(w.a, 2, &vi), 0);
	ck_assert_str_eq(vi.id, "vm002");
	ck_assert(!vi.holds);
	ck_assert_int_eq(daqs_vf_alloc_vm_at(w.a, 3, &vi), -EINVAL);
	/* a displacement seen slot-side: unplugging (next) -> reserved -> plugging -> held */
	w.auto_done = false;
	w.vm[2].pps = 1000;
	w.now = INTERVAL + 5 * SEC;
	ck_assert_uint_eq(step(&w), 1);
	ck_assert_int_eq(daqs_vf_alloc_slot(w.a, 1, &si), 0);
	ck_assert_int_eq(si.state, DAQS_VF_SLOT_UNPLUGGING);
	ck_assert_str_eq(si.holder, "vm001");
	ck_assert_str_eq(si.next, "vm002");
	ck_assert_int_eq(daqs_vf_alloc_vm(w.a, "vm002", &vi), 0);
	ck_assert(vi.reserved && !vi.holds);
	ck_assert_uint_eq(vi.slot, 1);
	ck_assert_int_eq(daqs_vf_alloc_vm(w.a, "vm001", &vi), 0);
	ck_assert(vi.in_flight);
	w.now += SEC;
	complete(&w, 1, true);
	ck_assert_int_eq(daqs_vf_alloc_slot(w.a, 1, &si), 0);
	ck_assert_int_eq(si.state, DAQS_VF_SLOT_RESERVED);
	ck_assert_ptr_null(si.holder);
	ck_assert_int_eq(daqs_vf_alloc_vm(w.a, "vm001", &vi), 0);
	ck_assert_uint_eq(vi.held_ns, INTERVAL + SEC);
	ck_assert_ptr_nonnull(strstr(vi.reason, "unplugged from 0000:3b:02.1: displaced by vm002"));
	ck_assert_uint_eq(step(&w), 1);
	ck_assert_int_eq(daqs_vf_alloc_slot(w.a, 1, &si), 0);
	ck_assert_int_eq(si.state, DAQS_VF_SLOT_PLUGGING);
	ck_assert_str_eq(si.holder, "vm002");
	complete(&w, 2, true);
	ck_assert_int_eq(daqs_vf_alloc_slot(w.a, 1, &si), 0);
	ck_assert_int_eq(si.state, DAQS_VF_SLOT_HELD);
	ck_assert_ptr_nonnull(strstr(si.reason, "takes over from vm001"));
	daqs_vf_alloc_free(w.a);
	ck_assert_str_eq(daqs_vf_op_name(DAQS_VF_PLUG), "plug");
	ck_assert_str_eq(daqs_vf_op_name(DAQS_VF_UNPLUG), "unplug");
	ck_assert_str_eq(daqs_vf_slot_state_name(DAQS_VF_SLOT_RESERVED), "reserved");
	daqs_vf_alloc_config_from_pool(&pool, &cfg);
	ck_assert_int_eq(cfg.strategy, DAQS_VF_STRATEGY_FAIR);
	ck_assert_uint_eq(cfg.n_slots, 7);
	ck_assert_uint_eq(cfg.interval_ns, 5 * SEC);
	ck_assert_uint_eq(cfg.min_dwell_ns, 2 * SEC);
	ck_assert_uint_eq(cfg.hysteresis_ppm, 300000);
	ck_assert_ptr_null(cfg.labels);
}
END_TEST

Suite *daqs_test_vf_alloc_suite(void)
{
	Suite *s = suite_create("vf_alloc");
	TCase *tc = tcase_create("strategies");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_activity_flexvf, 0, (int)DAQS_ARRAY_SIZE(flexvf_slots));
	tcase_add_test(tc, test_activity_interval_mean);
	tcase_add_loop_test(tc, test_fair_rotates, 0, (int)DAQS_ARRAY_SIZE(fair_slots));
	tcase_add_test(tc, test_fair_reasons);
	tcase_add_test(tc, test_sla_guarantee_first);
	tcase_add_loop_test(tc, test_noise_per_step_no_flapping, 0, 2);
	tcase_add_test(tc, test_noise_per_interval);
	tcase_add_test(tc, test_dwell_both_ways);
	suite_add_tcase(s, tc);
	tc = tcase_create("operations");
	tcase_add_test(tc, test_busy_never_second_op);
	tcase_add_test(tc, test_failed_plug_backs_off);
	tcase_add_test(tc, test_failed_unplug_keeps_holder);
	tcase_add_test(tc, test_gone_vm_frees_slot);
	tcase_add_test(tc, test_ineligible_never);
	tcase_add_test(tc, test_between_intervals);
	tcase_add_test(tc, test_config_and_input_refused);
	tcase_add_test(tc, test_views);
	tcase_add_test(tc, test_adopt);
	suite_add_tcase(s, tc);
	return s;
}
