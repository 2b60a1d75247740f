/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Policy engine: the control law step by step, with inputs set by hand. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "policy.h"
#include "sla.h"
#include "unit.h"
#include "units.h"
#include "waterfill.h"

#define MS 1000000ULL
#define PERIOD (200 * MS)
#define G 1e9

static const char *sla_text = "version: 1\n"
			      "links:\n"
			      "  - name: l0\n"
			      "    capacity: 40gbit\n"
			      "controller:\n"
			      "  period: 200ms\n"
			      "  missing_hold: 1s\n"
			      "vms:\n"
			      "  - name: g1\n"
			      "    class: guarantee\n"
			      "    min: 10gbit\n"
			      "  - name: b1\n"
			      "    class: best-effort\n"
			      "  - name: b2\n"
			      "    class: best-effort\n"
			      "    weight: 3\n"
			      "  - name: capped\n"
			      "    class: best-effort\n"
			      "    max: 5gbit\n";

struct fixture {
	struct daqs_sla *sla;
	struct daqs_policy *p;
	struct daqs_policy_vm vm[4];
	size_t n;
	uint64_t now;
};

static struct daqs_sla *load_sla(const char *text)
{
	struct daqs_diags d;
	struct daqs_sla *sla = NULL;

	daqs_diags_init(&d);
	if (daqs_sla_load_buffer("test.yaml", text, strlen(text), &sla, &d) < 0)
		daqs_diags_print(&d, stderr);
	daqs_diags_free(&d);
	ck_assert_ptr_nonnull(sla);
	return sla;
}

static void fx_init(struct fixture *f, enum daqs_policy_kind kind, const char *text,
		    const char *const *names, size_t n)
{
	memset(f, 0, sizeof(*f));
	f->sla = load_sla(text);
	f->p = daqs_policy_new(kind, f->sla);
	f->n = n;
	for (size_t i = 0; i < n; i++) {
		f->vm[i].sla = daqs_sla_find_vm(f->sla, names[i], NULL);
		ck_assert_ptr_nonnull(f->vm[i].sla);
	}
	f->now = 1000 * MS;
}

static void fx_free(struct fixture *f)
{
	daqs_policy_free(f->p);
	daqs_sla_free(f->sla);
}

/*
 * One period: every VM reports rates[i] (negative = no fresh measurement) and
 * smoothed rates smooth[i] (NULL: the same as rates).
 */
static void fx_step_smooth(struct fixture *f, const double *rates, const double *smooth)
{
	f->now += PERIOD;
	for (size_t i = 0; i < f->n; i++) {
		if (rates[i] < 0)
			continue;
		f->vm[i].have_rate = true;
		f->vm[i].tx_bps = rates[i];
		f->vm[i].tx_smooth_bps = smooth ? smooth[i] : rates[i];
		f->vm[i].rate_t_ns = f->now;
	}
	ck_assert_int_eq(daqs_policy_step(f->p, f->vm, f->n, f->now), 0);
}

static void fx_step(struct fixture *f, const double *rates)
{
	fx_step_smooth(f, rates, NULL);
}

static double lim(const struct fixture *f, size_t i)
{
	return f->vm[i].st.limit_bps == DAQS_RATE_UNLIMITED ? INFINITY
							    : (double)f->vm[i].st.limit_bps;
}

static const char *const gbb[] = { "g1", "b1", "b2", "capped" };

START_TEST(test_none_no_limits)
{
	struct fixture f;
	const double r[] = { 5 * G, 30 * G, 30 * G, 5 * G };

	fx_init(&f, DAQS_POLICY_NONE, sla_text, gbb, 4);
	fx_step(&f, r);
	for (size_t i = 0; i < 4; i++)
		ck_assert(f.vm[i].limit_bps == DAQS_RATE_UNLIMITED);
	fx_free(&f);
}
END_TEST

START_TEST(test_static_split)
{
	struct fixture f;
	const double r[] = { 0, 0, 0, 0 };

	fx_init(&f, DAQS_POLICY_STATIC, sla_text, gbb, 4);
	fx_step(&f, r);
	/* (40 - 10) / 3 best-effort VMs = 10 gbit, the capped one stays at its 5 gbit max */
	ck_assert(f.vm[0].limit_bps == DAQS_RATE_UNLIMITED);
	ck_assert_uint_eq(f.vm[1].limit_bps, 10000000000ULL);
	ck_assert_uint_eq(f.vm[2].limit_bps, 10000000000ULL);
	ck_assert_uint_eq(f.vm[3].limit_bps, 5000000000ULL);
	ck_assert(f.vm[1].apply);
	fx_step(&f, r);
	ck_assert(!f.vm[1].apply); /* unchanged: not re-applied */
	fx_free(&f);
}
END_TEST

/* A never-measured Guarantee VM starts protected: its min is kept free at once. */
START_TEST(test_daqs_starts_protected)
{
	struct fixture f;
	const double none[] = { -1, -1, -1, -1 };
	double sum = 0;

	fx_init(&f, DAQS_POLICY_DAQS, sla_text, gbb, 4);
	fx_step(&f, none);
	ck_assert_int_eq(f.vm[0].st.mode, DAQS_VM_PROTECTED);
	ck_assert(lim(&f, 0) >= 10 * G);
	for (size_t i = 1; i < 4; i++)
		sum += lim(&f, i);
	ck_assert_msg(sum <= 30 * G * 1.001, "best-effort limits %g leave less than min", sum);
	fx_free(&f);
}
END_TEST

/* Guarantee VM idle -> nothing to protect -> every limit released (max caps stay). */
START_TEST(test_daqs_release_when_idle)
{
	struct fixture f;
	const double r[] = { 0, 30 * G, 10 * G, 1 * G };

	fx_init(&f, DAQS_POLICY_DAQS, sla_text, gbb, 4);
	for (int k = 0; k < 20; k++)
		fx_step(&f, r);
	ck_assert_int_eq(f.vm[0].st.mode, DAQS_VM_IDLE);
	ck_assert(lim(&f, 0) == INFINITY);
	ck_assert(lim(&f, 1) == INFINITY);
	ck_assert(lim(&f, 2) == INFINITY);
	ck_assert_uint_eq(f.vm[3].st.limit_bps, 5000000000ULL);
	ck_assert(isinf(daqs_policy_link_status(f.p, 0)->be_budget_bps));
	fx_free(&f);
}
END_TEST

/*
 * A Guarantee VM that stops frees its room at the next period, although its
 * smoothed rate still remembers what it sent; one that only slows down keeps
 * a reserve that shrinks with the smoothed rate; one that starts again is
 * protected at its min at once.
 */
START_TEST(test_daqs_stop_frees_at_once)
{
	struct fixture f;
	double r[] = { 12 * G, 0, 0, 0 }, sm[4];

	fx_init(&f, DAQS_POLICY_DAQS, sla_text, gbb, 4);
	for (int k = 0; k < 30; k++) {
		for (size_t i = 1; i < 4; i++)
			r[i] = fmin(lim(&f, i), 40 * G);
		fx_step(&f, r);
	}
	ck_assert_int_eq(f.vm[0].st.mode, DAQS_VM_SATISFIED);
	ck_assert(lim(&f, 1) < 30 * G);
	/* slows down to 3 gbit: the smoothed 8 gbit still holds a reserve above it */
	memcpy(sm, r, sizeof(sm));
	r[0] = 3 * G;
	sm[0] = 8 * G;
	fx_step_smooth(&f, r, sm);
	ck_assert_int_eq(f.vm[0].st.mode, DAQS_VM_DEMAND_LIMITED);
	ck_assert_msg(f.vm[0].st.reserve_bps >= 8 * G, "reserve %g", f.vm[0].st.reserve_bps);
	/* stops: nothing sent over the last interval, the smoothed rate still at 5 gbit */
	r[0] = 0;
	sm[0] = 5 * G;
	fx_step_smooth(&f, r, sm);
	ck_assert_int_eq(f.vm[0].st.mode, DAQS_VM_IDLE);
	ck_assert(f.vm[0].st.reserve_bps == 0);
	ck_assert(lim(&f, 1) == INFINITY && lim(&f, 2) == INFINITY);
	/* starts again: its min at once */
	r[0] = 1 * G;
	fx_step(&f, r);
	ck_assert_int_eq(f.vm[0].st.mode, DAQS_VM_PROTECTED);
	ck_assert(daqs_policy_link_status(f.p, 0)->reserved_bps >= 10 * G);
	ck_assert(lim(&f, 1) + lim(&f, 2) + lim(&f, 3) <= 30 * G * 1.001);
	fx_free(&f);
}
END_TEST

/*
 * A shared link that delivers `real` (a FIFO shared by streams: g1 1, b1 2,
 * b2 2, capped 1), each VM sending up to want[i] within its limit. The
 * queueing delay its flows would show (what daqsd reads with ss -ti, as the
 * simulator models it): 8 ms at its own limit, 4 ms while the link is full,
 * 0.05 ms otherwise, and whether its own HTB holds a queue (at its limit);
 * read for the Guarantee VM only, as daqsd does.
 */
static void fx_step_link(struct fixture *f, double real, const double *want)
{
	static const double streams[] = { 1, 2, 2, 1 };
	struct daqs_wf_item it[4];
	double r[4];
	bool full;

	for (size_t i = 0; i < f->n; i++)
		it[i] = (struct daqs_wf_item){ .weight = streams[i],
					       .cap = fmin(lim(f, i), want[i]) };
	full = daqs_waterfill(it, f->n, real) <= 0;
	for (size_t i = 0; i < f->n; i++) {
		r[i] = it[i].out;
		f->vm[i].have_queue = f->vm[i].sla->cls == DAQS_CLASS_GUARANTEE;
		f->vm[i].queue_ms = r[i] >= 0.999 * lim(f, i) ? 8 : full ? 4 : 0.05;
		f->vm[i].have_own = f->vm[i].have_queue;
		f->vm[i].own_queued = r[i] >= 0.999 * lim(f, i); /* its HTB holds a queue */
	}
	fx_step(f, r);
}

/*
 * Step 9: the link delivers 36 of the 40 gbit configured. The Guarantee VM
 * wants 15 and is squeezed below its 10 min while its flows wait in the
 * full link's queue: the capacity planned with follows what the link
 * delivers within a few periods, and the VM gets its min (daqs-closed). daqs
 * does not read the delay: after as many periods it still plans with 40.
 */
START_TEST(test_daqs_closed_loop_short_link)
{
	struct fixture f, o;
	const double want[] = { 15 * G, INFINITY, INFINITY, INFINITY };

	fx_init(&f, DAQS_POLICY_DAQS_CLOSED, sla_text, gbb, 4);
	fx_init(&o, DAQS_POLICY_DAQS, sla_text, gbb, 4);
	for (int k = 0; k < 40; k++) {
		fx_step_link(&f, 36 * G, want);
		fx_step_link(&o, 36 * G, want);
	}
	ck_assert_msg(fabs(daqs_policy_link_status(f.p, 0)->effective_bps - 36 * G) < 0.4 * G,
		      "planned with %g", daqs_policy_link_status(f.p, 0)->effective_bps);
	ck_assert_msg(f.vm[0].tx_bps >= 0.98 * 10 * G, "g1 gets %g", f.vm[0].tx_bps);
	ck_assert_msg(daqs_policy_link_status(o.p, 0)->effective_bps == 40 * G, "open: %g",
		      daqs_policy_link_status(o.p, 0)->effective_bps);
	fx_free(&f);
	fx_free(&o);
}
END_TEST

/*
 * A CPU-bound Guarantee VM (5 of its 10 min) on a link that is not full
 * shows no queueing: it shrinks nothing, and the others get what it leaves.
 * One above its min held at its own limit (8 ms in its own HTB) is no
 * witness either.
 */
START_TEST(test_daqs_closed_loop_no_false_witness)
{
	struct fixture f;
	const double cpu[] = { 5 * G, 1 * G, 1 * G, INFINITY };
	const double over[] = { 12 * G, INFINITY, INFINITY, INFINITY };

	fx_init(&f, DAQS_POLICY_DAQS_CLOSED, sla_text, gbb, 4);
	for (int k = 0; k < 60; k++)
		fx_step_link(&f, 40 * G, cpu);
	ck_assert(daqs_policy_link_status(f.p, 0)->effective_bps == 40 * G);
	ck_assert_int_eq(f.vm[0].st.mode, DAQS_VM_DEMAND_LIMITED);
	for (int k = 0; k < 60; k++)
		fx_step_link(&f, 40 * G, over);
	ck_assert(f.vm[0].st.mode == DAQS_VM_SATISFIED || f.vm[0].st.mode == DAQS_VM_PROTECTED);
	ck_assert(daqs_policy_link_status(f.p, 0)->effective_bps == 40 * G);
	fx_free(&f);
}
END_TEST

/* Guarantee VM busy above min while best-effort VMs push: its min stays free, weights hold. */
START_TEST(test_daqs_protects_and_weights)
{
	struct fixture f;
	double r[] = { 12 * G, 20 * G, 20 * G, 5 * G }, sum = 0;

	fx_init(&f, DAQS_POLICY_DAQS, sla_text, gbb, 4);
	for (int k = 0; k < 30; k++) {
		/* each VM uses all of its limit (a saturated TCP plant) */
		for (size_t i = 1; i < 4; i++)
			r[i] = fmin(lim(&f, i), 40 * G);
		fx_step(&f, r);
	}
	ck_assert_int_eq(f.vm[0].st.mode, DAQS_VM_SATISFIED);
	for (size_t i = 1; i < 4; i++)
		sum += lim(&f, i);
	ck_assert_msg(sum <= 30 * G * 1.001, "others' limits %g exceed capacity - min", sum);
	ck_assert(lim(&f, 0) >= 10 * G);
	ck_assert(lim(&f, 3) <= 5 * G);
	/* b2 has weight 3, b1 weight 1 */
	ck_assert_msg(fabs(lim(&f, 2) / lim(&f, 1) - 3) < 0.1, "b2/b1 = %g",
		      lim(&f, 2) / lim(&f, 1));
	fx_free(&f);
}
END_TEST

/* Guarantee VM asks for less than its min: best-effort VMs get what it does not use. */
START_TEST(test_daqs_work_conserving)
{
	struct fixture f;
	double r[] = { 2 * G, 0, 0, 0 }, sum = 0;

	fx_init(&f, DAQS_POLICY_DAQS, sla_text, gbb, 4);
	for (int k = 0; k < 30; k++) {
		for (size_t i = 1; i < 4; i++)
			r[i] = fmin(lim(&f, i), 40 * G);
		fx_step(&f, r);
	}
	ck_assert_int_eq(f.vm[0].st.mode, DAQS_VM_DEMAND_LIMITED);
	for (size_t i = 1; i < 4; i++)
		sum += lim(&f, i);
	ck_assert_msg(sum >= 37.5 * G, "others got only %g of the 38 the guarantee VM leaves", sum);
	ck_assert_msg(daqs_policy_link_status(f.p, 0)->reserved_bps < 2.2 * G, "reserve %g",
		      daqs_policy_link_status(f.p, 0)->reserved_bps);
	fx_free(&f);
}
END_TEST

/* From demand-limited, growing into the room given -> the full min is reserved at once. */
START_TEST(test_daqs_jump_to_min)
{
	struct fixture f;
	double r[] = { 2 * G, 0, 0, 0 }, reserve;

	fx_init(&f, DAQS_POLICY_DAQS, sla_text, gbb, 4);
	for (int k = 0; k < 30; k++) {
		for (size_t i = 1; i < 4; i++)
			r[i] = fmin(lim(&f, i), 40 * G);
		fx_step(&f, r);
	}
	reserve = f.vm[0].st.reserve_bps;
	r[0] = reserve; /* the guarantee VM now fills its whole reserve: it wants more */
	fx_step(&f, r);
	ck_assert_int_eq(f.vm[0].st.mode, DAQS_VM_PROTECTED);
	ck_assert(daqs_policy_link_status(f.p, 0)->reserved_bps >= 10 * G);
	ck_assert(f.vm[1].apply || f.vm[2].apply);
	fx_free(&f);
}
END_TEST

/*
 * Step 10: a guarantee VM at its min whose NICs are being swapped sends less
 * while its bond fails over. Settling, its reserve stays at its min and its
 * own limit never falls below it; the same dip without settling takes both
 * down (the control). After the swap it is judged anew, with no false alarm.
 */
static void run_swap(struct fixture *f, bool settling, double *reserve_low, double *limit_low)
{
	double r[] = { 10 * G, 0, 0, 0 };

	fx_init(f, DAQS_POLICY_DAQS, sla_text, gbb, 4);
	for (int k = 0; k < 30; k++) {
		for (size_t i = 1; i < 4; i++)
			r[i] = fmin(lim(f, i), 40 * G);
		fx_step(f, r);
	}
	ck_assert_int_eq(f->vm[0].st.mode, DAQS_VM_SATISFIED);
	*reserve_low = *limit_low = INFINITY;
	f->vm[0].settling = settling;
	for (int k = 0; k < 10; k++) { /* 2 s of the swap: the VM sends 2 gbit, then 1 */
		r[0] = k < 5 ? 2 * G : 1 * G;
		for (size_t i = 1; i < 4; i++)
			r[i] = fmin(lim(f, i), 40 * G);
		fx_step(f, r);
		*reserve_low = fmin(*reserve_low, f->vm[0].st.reserve_bps);
		*limit_low = fmin(*limit_low, lim(f, 0));
	}
}

START_TEST(test_daqs_settling_keeps_min)
{
	struct fixture f;
	double reserve_low, limit_low, headroom, r[] = { 10 * G, 0, 0, 0 };

	run_swap(&f, true, &reserve_low, &limit_low);
	ck_assert_double_ge(reserve_low, 10 * G);
	ck_assert_double_ge(limit_low, 10 * G);
	ck_assert_int_eq(f.vm[0].st.mode, DAQS_VM_PROTECTED);
	/* best-effort VMs share what the reserve leaves: the limits never overcommit */
	ck_assert_double_le(lim(&f, 1) + lim(&f, 2) + lim(&f, 3), 30 * G * 1.001);
	headroom = f.vm[0].st.headroom;
	f.vm[0].settling = false; /* settled: back at 10 gbit, judged anew */
	for (int k = 0; k < 10; k++) {
		for (size_t i = 1; i < 4; i++)
			r[i] = fmin(lim(&f, i), 40 * G);
		fx_step(&f, r);
	}
	ck_assert_int_eq(f.vm[0].st.mode, DAQS_VM_SATISFIED);
	ck_assert_double_eq(f.vm[0].st.headroom, headroom);
	ck_assert_uint_eq(f.vm[0].st.false_alarm_ns, 0);
	fx_free(&f);

	run_swap(&f, false, &reserve_low, &limit_low); /* the control: the dip taken for demand */
	ck_assert_double_lt(reserve_low, 5 * G);
	ck_assert_double_lt(limit_low, 10 * G);
	fx_free(&f);
}
END_TEST

/* Steady inputs: after convergence nothing is re-applied (no churn, no oscillation). */
START_TEST(test_daqs_no_churn)
{
	struct fixture f;
	double r[] = { 12 * G, 0, 0, 0 };
	unsigned applies = 0;

	fx_init(&f, DAQS_POLICY_DAQS, sla_text, gbb, 4);
	for (int k = 0; k < 100; k++) {
		for (size_t i = 1; i < 4; i++)
			r[i] = fmin(lim(&f, i), 40 * G) * (k % 2 ? 0.999 : 1.0);
		fx_step(&f, r);
		for (size_t i = 0; k >= 50 && i < 4; i++)
			applies += f.vm[i].apply;
	}
	ck_assert_uint_eq(applies, 0);
	fx_free(&f);
}
END_TEST

/*
 * A 40gbit link with 1 guarantee VM (min 10gbit, using it) and 40 best-effort
 * VMs: 10 heavy at 2.5gbit, 30 light at 100mbit. Nobody is starved, so the
 * capacity left over is spread on top of every limit; heavy VMs 1-5 pausing
 * and coming back move that leftover share of everyone. The light VMs' limits
 * bind nobody and must not be pushed (point 5 of policy_daqs.c: before, every
 * such move re-pushed every limit), while the limits in force never add up to
 * more than the capacity and the guarantee keeps its min.
 */
#define SLACK_N 41
START_TEST(test_daqs_slack_not_pushed)
{
	char text[4096], *p = text;
	struct daqs_sla *sla;
	struct daqs_policy *pol;
	static struct daqs_policy_vm vm[SLACK_N];
	double demand[SLACK_N];
	uint64_t now = 1000 * MS;
	unsigned light_pushes = 0, heavy_pushes = 0;

	p += sprintf(p, "version: 1\nlinks:\n  - name: l0\n    capacity: 40gbit\n"
			"controller:\n  period: 200ms\nvms:\n"
			"  - name: g\n    class: guarantee\n    min: 10gbit\n");
	for (int i = 1; i < SLACK_N; i++)
		p += sprintf(p, "  - name: b%d\n    class: best-effort\n", i);
	memset(vm, 0, sizeof(vm));
	sla = load_sla(text);
	pol = daqs_policy_new(DAQS_POLICY_DAQS, sla);
	for (int i = 0; i < SLACK_N; i++) {
		char name[16];

		snprintf(name, sizeof(name), i ? "b%d" : "g", i);
		vm[i].sla = daqs_sla_find_vm(sla, name, NULL);
		ck_assert_ptr_nonnull(vm[i].sla);
		demand[i] = i == 0 ? 10 * G : i <= 10 ? 2.5 * G : 0.1 * G;
	}
	for (int k = 0; k < 400; k++) {
		double in_force = 0;

		/* heavy VMs 1-5 pause for 6 s every 12 s: the leftover share moves */
		for (int i = 1; i <= 5; i++)
			demand[i] = (k / 30) % 2 ? 0.05 * G : 2.5 * G;
		now += PERIOD;
		for (int i = 0; i < SLACK_N; i++) {
			double l = vm[i].st.limit_bps == DAQS_RATE_UNLIMITED
					   ? INFINITY
					   : (double)vm[i].st.limit_bps;

			vm[i].have_rate = true;
			vm[i].tx_bps = vm[i].tx_smooth_bps = fmin(fmin(demand[i], l), 40 * G);
			vm[i].rate_t_ns = now;
		}
		ck_assert_int_eq(daqs_policy_step(pol, vm, SLACK_N, now), 0);
		for (int i = 0; k >= 10 && i < SLACK_N; i++) {
			ck_assert(vm[i].st.limit_bps != DAQS_RATE_UNLIMITED);
			in_force += (double)vm[i].st.limit_bps;
			if (k >= 60 && vm[i].apply)
				*(i > 10 ? &light_pushes : &heavy_pushes) += 1;
		}
		if (k < 10)
			continue;
		ck_assert_double_le(in_force, 40 * G * 1.001);
		ck_assert_double_ge(40 * G - (in_force - (double)vm[0].st.limit_bps),
				    10 * G * 0.999);
	}
	/* the heavy ones did follow the moves, the light ones were left alone */
	ck_assert_uint_gt(heavy_pushes, 10);
	ck_assert_uint_eq(light_pushes, 0);
	daqs_policy_free(pol);
	daqs_sla_free(sla);
}
END_TEST

static const char *const g_b[] = { "g1", "b1" };

static const char *missing_sla(const char *action)
{
	static char buf[512];

	snprintf(buf, sizeof(buf),
		 "version: 1\nlinks:\n  - name: l0\n    capacity: 40gbit\n"
		 "controller:\n  period: 200ms\n  missing_hold: 1s\n  on_missing: %s\n"
		 "vms:\n  - name: g1\n    class: guarantee\n    min: 10gbit\n"
		 "  - name: b1\n    class: best-effort\n",
		 action);
	return buf;
}

/* The guarantee VM's measurement disappears while it is idle: hold 1 s, then on_missing. */
static void run_missing(struct fixture *f, const char *action)
{
	double r[] = { 0, 30 * G };
	const double lost[] = { -1, 30 * G };

	fx_init(f, DAQS_POLICY_DAQS, missing_sla(action), g_b, 2);
	for (int k = 0; k < 20; k++)
		fx_step(f, r);
	ck_assert_int_eq(f->vm[0].st.mode, DAQS_VM_IDLE);
	ck_assert(lim(f, 1) == INFINITY);
	fx_step(f, lost);
	fx_step(f, lost);
	fx_step(f, lost);
	ck_assert_int_eq(f->vm[0].st.mode, DAQS_VM_MISSING_HOLD);
	ck_assert(lim(f, 1) == INFINITY); /* held: still idle as last seen */
	for (int k = 0; k < 5; k++)
		fx_step(f, lost);
	ck_assert_int_eq(f->vm[0].st.mode, DAQS_VM_FAILSAFE);
}

START_TEST(test_daqs_missing_protect)
{
	struct fixture f;

	run_missing(&f, "protect");
	ck_assert(lim(&f, 1) <= 30 * G * 1.001);
	ck_assert(daqs_policy_link_status(f.p, 0)->reserved_bps >= 10 * G);
	ck_assert_uint_eq(daqs_policy_link_status(f.p, 0)->n_failsafe, 1);
	fx_free(&f);
}
END_TEST

START_TEST(test_daqs_missing_hold)
{
	struct fixture f;

	run_missing(&f, "hold");
	ck_assert(lim(&f, 1) == INFINITY);
	fx_free(&f);
}
END_TEST

START_TEST(test_daqs_missing_release_is_reported)
{
	struct fixture f;

	run_missing(&f, "release");
	ck_assert(lim(&f, 1) == INFINITY);
	ck_assert_uint_eq(daqs_policy_link_status(f.p, 0)->n_failsafe, 1);
	fx_free(&f);
}
END_TEST

/*
 * Step 10 takes what a VM was before the swap, not what a lost sample made it:
 * an idle Guarantee VM stays unprotected (its min is someone else's), and a
 * Best-Effort VM released by on_missing keeps the demand it had when fresh.
 */
START_TEST(test_daqs_settling_takes_the_mode_before)
{
	struct fixture f;
	double r[] = { 0, 30 * G };
	const double lost[] = { -1, 30 * G }, b_lost[] = { 10 * G, -1 };

	fx_init(&f, DAQS_POLICY_DAQS, missing_sla("protect"), g_b, 2);
	for (int k = 0; k < 20; k++)
		fx_step(&f, r);
	ck_assert_int_eq(f.vm[0].st.mode, DAQS_VM_IDLE);
	f.vm[0].settling = true;
	for (int k = 0; k < 3; k++) /* samples lost in the swap */
		fx_step(&f, lost);
	ck_assert_int_eq(f.vm[0].st.mode, DAQS_VM_MISSING_HOLD);
	for (int k = 0; k < 10; k++) {
		fx_step(&f, r);
		ck_assert_int_ne(f.vm[0].st.mode, DAQS_VM_PROTECTED);
		ck_assert(daqs_policy_link_status(f.p, 0)->reserved_bps == 0);
	}
	fx_free(&f);

	fx_init(&f, DAQS_POLICY_DAQS, missing_sla("release"), g_b, 2);
	r[0] = 10 * G;
	for (int k = 0; k < 20; k++) {
		r[1] = fmin(lim(&f, 1), 30 * G);
		fx_step(&f, r);
	}
	ck_assert_double_ge(lim(&f, 1), 29 * G);
	for (int k = 0; k < 8; k++) /* 1.6 s lost > missing_hold: released, demand 0 */
		fx_step(&f, b_lost);
	ck_assert_int_eq(f.vm[1].st.mode, DAQS_VM_FAILSAFE);
	f.vm[1].settling = true;
	r[1] = 1 * G; /* back, in the middle of a swap */
	for (int k = 0; k < 5; k++)
		fx_step(&f, r);
	ck_assert_double_ge(lim(&f, 1), 29 * G); /* the demand it had, not the failsafe's 0 */
	fx_free(&f);
}
END_TEST

/* Never measured: protected during missing_hold, then on_missing decides (release = fail-open). */
START_TEST(test_daqs_never_measured)
{
	struct fixture f;
	const double none[] = { -1, -1 };
	const char *const actions[] = { "protect", "release" };

	fx_init(&f, DAQS_POLICY_DAQS, missing_sla(actions[_i]), g_b, 2);
	fx_step(&f, none);
	ck_assert_int_eq(f.vm[0].st.mode, DAQS_VM_PROTECTED);
	ck_assert(lim(&f, 1) <= 30 * G * 1.001);
	for (int k = 0; k < 6; k++) /* 1.2 s > missing_hold */
		fx_step(&f, none);
	ck_assert_int_eq(f.vm[0].st.mode, DAQS_VM_FAILSAFE);
	if (_i == 0) {
		ck_assert(daqs_policy_link_status(f.p, 0)->reserved_bps >= 10 * G);
		ck_assert(lim(&f, 1) <= 30 * G * 1.001);
	} else {
		ck_assert(daqs_policy_link_status(f.p, 0)->reserved_bps == 0);
		ck_assert(lim(&f, 1) == INFINITY);
	}
	fx_free(&f);
}
END_TEST

/* Capacity drops below the sum of guarantees: reserves scaled, limits still fit the link. */
START_TEST(test_daqs_oversubscribed)
{
	struct fixture f;
	double r[] = { 12 * G, 0, 0, 0 }, sum = 0;

	fx_init(&f, DAQS_POLICY_DAQS, sla_text, gbb, 4);
	daqs_policy_set_capacity(f.p, 0, 8000000000ULL);
	for (int k = 0; k < 10; k++) {
		for (size_t i = 1; i < 4; i++)
			r[i] = fmin(lim(&f, i), 8 * G);
		fx_step(&f, r);
	}
	ck_assert(daqs_policy_link_status(f.p, 0)->oversubscribed);
	for (size_t i = 0; i < 4; i++) {
		ck_assert(isfinite(lim(&f, i)));
		sum += lim(&f, i);
	}
	ck_assert_msg(sum <= 8 * G * 1.001, "limits %g exceed the 8 gbit link", sum);
	for (size_t i = 1; i < 4; i++)
		ck_assert(lim(&f, i) > 0);
	fx_free(&f);
}
END_TEST

/* Capacity not known yet (capacity: auto before the PF was read): nothing is decided. */
START_TEST(test_daqs_unknown_capacity_holds)
{
	struct fixture f;
	const double r[] = { 12 * G, 30 * G, 30 * G, 1 * G };

	fx_init(&f, DAQS_POLICY_DAQS, sla_text, gbb, 4);
	daqs_policy_set_capacity(f.p, 0, 0);
	fx_step(&f, r);
	for (size_t i = 0; i < 4; i++)
		ck_assert(!f.vm[i].apply);
	fx_free(&f);
}
END_TEST

/* The prototype's law: first activation R = H, then -0.3 Gibit steps while the link is busy. */
START_TEST(test_paper_steps)
{
	struct fixture f;
	const char *const names[] = { "g1", "b1" };
	const double r[] = { 5 * G, 34 * G };
	double first;

	fx_init(&f, DAQS_POLICY_DAQS_PAPER, missing_sla("protect"), names, 2);
	fx_step(&f, r);
	ck_assert_uint_eq(f.vm[1].limit_bps, (uint64_t)(40 * 1024.0 * 1e6));
	first = lim(&f, 1);
	fx_step(&f, r);
	ck_assert_msg(fabs(first - lim(&f, 1) - 0.3 * 1024e6) < 1, "step %g", first - lim(&f, 1));
	ck_assert(f.vm[0].limit_bps == DAQS_RATE_UNLIMITED);
	fx_free(&f);
}
END_TEST

START_TEST(test_kind_names)
{
	enum daqs_policy_kind k;

	ck_assert_int_eq(daqs_policy_kind_parse("daqs-paper", &k), 0);
	ck_assert_int_eq(k, DAQS_POLICY_DAQS_PAPER);
	ck_assert_int_eq(daqs_policy_kind_parse("daqs-closed", &k), 0);
	ck_assert_int_eq(k, DAQS_POLICY_DAQS_CLOSED);
	ck_assert_str_eq(daqs_policy_kind_name(DAQS_POLICY_DAQS_CLOSED), "daqs-closed");
	ck_assert_int_eq(daqs_policy_kind_parse("fair", &k), -EINVAL);
	ck_assert_str_eq(daqs_policy_kind_name(DAQS_POLICY_STATIC), "static");
	ck_assert_str_eq(daqs_vm_mode_name(DAQS_VM_DEMAND_LIMITED), "demand-limited");
}
END_TEST

/* ---- tenant groups (policy_group.c) ---- */

static const char *group_sla = "version: 1\n"
			       "links: [{name: l0, capacity: 10gbit}]\n"
			       "groups:\n"
			       "  - {name: acme, min: 4gbit}\n"
			       "  - {name: cap, max: 2gbit}\n"
			       "vms:\n"
			       "  - {name: a, class: guarantee, min: 1gbit, group: acme}\n"
			       "  - {name: b, class: guarantee, min: 3gbit, group: acme}\n"
			       "  - {name: c, class: best-effort, group: cap}\n"
			       "  - {name: d, class: best-effort, group: cap, weight: 3}\n";
static const char *const abcd[] = { "a", "b", "c", "d" };

/* The group's min goes to its members by their mins; the step plans with those shares. */
START_TEST(test_group_min_shares)
{
	struct fixture f;
	const double busy[] = { 5 * G, 5 * G, 5 * G, 5 * G };

	fx_init(&f, DAQS_POLICY_DAQS, group_sla, abcd, 4);
	for (int k = 0; k < 30; k++)
		fx_step(&f, busy);
	ck_assert_uint_eq(f.vm[0].share_min_bps, 1000000000ULL);
	ck_assert_uint_eq(f.vm[1].share_min_bps, 3000000000ULL);
	/* the SLA's entries are put back after the step */
	ck_assert_ptr_eq(f.vm[0].sla, daqs_sla_find_vm(f.sla, "a", NULL));
	ck_assert_uint_eq(f.vm[0].sla->min_bps, 1000000000ULL);
	/* both members protected at their shares: their limits hold them */
	ck_assert_double_ge(lim(&f, 0), 1 * G);
	ck_assert_double_ge(lim(&f, 1), 3 * G);
	/* the BE members of 'cap' are held to its max together */
	ck_assert_double_le(lim(&f, 2) + lim(&f, 3), 2 * G + 1);
	fx_free(&f);
}
END_TEST

/* An idle member's share goes to the others; it gets its share back when it wakes. */
START_TEST(test_group_idle_member)
{
	struct fixture f;
	const double a_idle[] = { 0, 5 * G, 5 * G, 5 * G }, busy[] = { 5 * G, 5 * G, 5 * G, 5 * G };

	fx_init(&f, DAQS_POLICY_DAQS, group_sla, abcd, 4);
	for (int k = 0; k < 30; k++)
		fx_step(&f, a_idle);
	ck_assert_int_eq(f.vm[0].st.mode, DAQS_VM_IDLE);
	ck_assert_uint_eq(f.vm[1].share_min_bps, 4000000000ULL); /* all of the group's */
	ck_assert_uint_eq(f.vm[0].share_min_bps, 1000000000ULL); /* what it gets on waking */
	ck_assert_double_ge(lim(&f, 1), 4 * G);
	fx_step(&f, busy); /* a wakes: protected at its share at once */
	ck_assert(f.vm[0].st.mode == DAQS_VM_PROTECTED || f.vm[0].st.mode == DAQS_VM_SATISFIED);
	ck_assert_double_ge(lim(&f, 0), 1 * G);
	fx_step(&f, busy); /* and b is back to its own share */
	ck_assert_uint_eq(f.vm[1].share_min_bps, 3000000000ULL);
	fx_free(&f);
}
END_TEST

/* The group's max is shared by weight among members held back, what one leaves goes to the other. */
START_TEST(test_group_max_shares)
{
	struct fixture f;
	const double busy[] = { 5 * G, 5 * G, 5 * G, 5 * G };
	const double c_light[] = { 5 * G, 5 * G, 0.1 * G, 5 * G };

	fx_init(&f, DAQS_POLICY_DAQS, group_sla, abcd, 4);
	for (int k = 0; k < 30; k++)
		fx_step(&f, busy);
	/* both held back: 2gbit by weight 1:3 */
	ck_assert_uint_eq(f.vm[2].share_max_bps, 500000000ULL);
	ck_assert_uint_eq(f.vm[3].share_max_bps, 1500000000ULL);
	ck_assert_double_le(lim(&f, 2), 0.5 * G + 1);
	ck_assert_double_le(lim(&f, 3), 1.5 * G + 1);
	for (int k = 0; k < 10; k++)
		fx_step(&f, c_light);
	/* c uses 100mbit: room for 1.5 x that, d takes the rest */
	ck_assert_uint_eq(f.vm[2].share_max_bps, 150000000ULL);
	ck_assert_uint_eq(f.vm[3].share_max_bps, 1850000000ULL);
	ck_assert_double_le(lim(&f, 2) + lim(&f, 3), 2 * G + 1);
	ck_assert_double_ge(lim(&f, 3), 1.8 * G);
	/* c grows into its room: held back again, it gets its weighted share back */
	for (int k = 0; k < 10; k++)
		fx_step(&f, busy);
	ck_assert_uint_eq(f.vm[2].share_max_bps, 500000000ULL);
	fx_free(&f);
}
END_TEST

/* The same shares for the static law (any kind plans with them). */
START_TEST(test_group_static)
{
	struct fixture f;
	const double busy[] = { 5 * G, 5 * G, 5 * G, 5 * G };

	fx_init(&f, DAQS_POLICY_STATIC, group_sla, abcd, 4);
	fx_step(&f, busy);
	fx_step(&f, busy);
	ck_assert_double_le(lim(&f, 2), 0.5 * G + 1);
	ck_assert_double_le(lim(&f, 3), 1.5 * G + 1);
	fx_free(&f);
}
END_TEST

/* A Guarantee member of a group with a max only keeps its own min; the max is divided above it. */
START_TEST(test_group_max_keeps_own_min)
{
	static const char *const sla = "version: 1\n"
				       "links: [{name: l0, capacity: 10gbit}]\n"
				       "groups: [{name: cap, max: 1gbit}]\n"
				       "vms:\n"
				       "  - {name: a, class: guarantee, min: 500mbit, group: cap}\n"
				       "  - {name: b, class: best-effort, group: cap}\n";
	static const char *const ab[] = { "a", "b" };
	const double r[] = { 0.05 * G, 5 * G };
	struct fixture f;

	fx_init(&f, DAQS_POLICY_DAQS, sla, ab, 2);
	for (int k = 0; k < 20; k++)
		fx_step(&f, r);
	ck_assert_uint_eq(f.vm[0].share_min_bps, 500000000ULL);
	ck_assert_uint_ge(f.vm[0].share_max_bps, 500000000ULL);
	ck_assert_uint_le(f.vm[0].share_max_bps + f.vm[1].share_max_bps, 1000000000ULL + 1);
	ck_assert_double_le(lim(&f, 0) + lim(&f, 1), 1 * G + 2);
	fx_free(&f);
}
END_TEST

/* An idle member's would-be share stays within what the group's max leaves. */
START_TEST(test_group_idle_within_max)
{
	static const char *const sla = "version: 1\n"
				       "links: [{name: l0, capacity: 10gbit}]\n"
				       "groups: [{name: t, min: 1gbit, max: 1gbit}]\n"
				       "vms:\n"
				       "  - {name: a, class: guarantee, min: 500mbit, group: t}\n"
				       "  - {name: b, class: guarantee, min: 500mbit, group: t}\n";
	static const char *const ab[] = { "a", "b" };
	const double r[] = { 5 * G, 0 };
	struct fixture f;

	fx_init(&f, DAQS_POLICY_DAQS, sla, ab, 2);
	for (int k = 0; k < 30; k++)
		fx_step(&f, r);
	ck_assert_int_eq(f.vm[1].st.mode, DAQS_VM_IDLE);
	ck_assert(f.vm[1].group_idle && !f.vm[0].group_idle);
	ck_assert_uint_eq(f.vm[0].share_min_bps, 1000000000ULL);
	ck_assert_uint_le(f.vm[0].share_max_bps + f.vm[1].share_max_bps, 1000000000ULL + 1);
	fx_free(&f);
}
END_TEST

/* Laws without per-VM modes judge a member idle by its rate: a lone sender gets the whole min. */
START_TEST(test_group_static_min)
{
	struct fixture f;
	const double a_only[] = { 5 * G, 0, 5 * G, 5 * G };

	fx_init(&f, DAQS_POLICY_STATIC, group_sla, abcd, 4);
	fx_step(&f, a_only);
	fx_step(&f, a_only);
	ck_assert_uint_eq(f.vm[0].share_min_bps, 4000000000ULL);
	ck_assert(f.vm[1].group_idle);
	fx_free(&f);
}
END_TEST

Suite *daqs_test_policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_none_no_limits);
	tcase_add_test(tc, test_static_split);
	tcase_add_test(tc, test_daqs_starts_protected);
	tcase_add_test(tc, test_daqs_release_when_idle);
	tcase_add_test(tc, test_daqs_stop_frees_at_once);
	tcase_add_test(tc, test_daqs_closed_loop_short_link);
	tcase_add_test(tc, test_daqs_closed_loop_no_false_witness);
	tcase_add_test(tc, test_daqs_protects_and_weights);
	tcase_add_test(tc, test_daqs_work_conserving);
	tcase_add_test(tc, test_daqs_jump_to_min);
	tcase_add_test(tc, test_daqs_settling_keeps_min);
	tcase_add_test(tc, test_daqs_settling_takes_the_mode_before);
	tcase_add_test(tc, test_daqs_no_churn);
	tcase_add_test(tc, test_daqs_slack_not_pushed);
	tcase_add_test(tc, test_daqs_missing_protect);
	tcase_add_test(tc, test_daqs_missing_hold);
	tcase_add_test(tc, test_daqs_missing_release_is_reported);
	tcase_add_loop_test(tc, test_daqs_never_measured, 0, 2);
	tcase_add_test(tc, test_daqs_oversubscribed);
	tcase_add_test(tc, test_daqs_unknown_capacity_holds);
	tcase_add_test(tc, test_paper_steps);
	tcase_add_test(tc, test_kind_names);
	tcase_add_test(tc, test_group_min_shares);
	tcase_add_test(tc, test_group_idle_member);
	tcase_add_test(tc, test_group_max_shares);
	tcase_add_test(tc, test_group_static);
	tcase_add_test(tc, test_group_max_keeps_own_min);
	tcase_add_test(tc, test_group_idle_within_max);
	tcase_add_test(tc, test_group_static_min);
	suite_add_tcase(s, tc);
	return s;
}
