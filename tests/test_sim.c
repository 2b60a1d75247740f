/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Simulator and closed-loop policy properties: the paper scenarios meet the
 * targets, and randomized scenarios keep the policy's promises (guarantees
 * honoured when feasible, caps never exceeded, work conservation, no
 * oscillation in steady state).
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "random_host.h"
#include "scenario.h"
#include "sim.h"
#include "unit.h"

static struct daqs_scenario *load_scn(const char *path)
{
	struct daqs_scenario *sc = NULL;
	struct daqs_diags d;

	daqs_diags_init(&d);
	if (daqs_scenario_load_file(path, &sc, &d) < 0)
		daqs_diags_print(&d, stderr);
	daqs_diags_free(&d);
	ck_assert_msg(sc, "cannot load %s", path);
	return sc;
}

static struct daqs_scenario *load_named(const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/tests/scenarios/%s", daqs_test_srcdir(), name);
	return load_scn(path);
}

static double utilisation(const struct daqs_scenario *sc, const struct daqs_sim_result *r)
{
	struct daqs_sim_result none;
	double u;

	ck_assert_int_eq(daqs_sim_run(sc, DAQS_POLICY_NONE, NULL, NULL, &none), 0);
	u = r->total_mean_bps / none.total_mean_bps;
	daqs_sim_result_free(&none);
	return u;
}

/*
 * The acceptance targets, per shipped scenario. The paper scenarios and the
 * step scenario must meet the foundation's targets; on the paper's real link
 * (40 gbit configured, 37.5 delivered) daqs must first learn the capacity
 * (a squeezed Guarantee VM proves it), hence the lower bounds there.
 * With counters that see less than the wire rate (-gso-counters) the scale
 * is learned first; steps then keeps 0.976 of the link.
 */
static const struct target {
	const char *file;
	double min_sat, min_util, max_reaction_s;
} targets[] = {
	{ "paper-a-10g.yaml", 0.98, 0.98, 1.0 },
	{ "paper-a-15g.yaml", 0.98, 0.98, 1.0 },
	{ "paper-a-20g.yaml", 0.98, 0.98, 1.0 },
	{ "paper-a-25g.yaml", 0.98, 0.98, 1.0 },
	{ "paper-a-30g.yaml", 0.98, 0.98, 1.0 },
	{ "paper-b-multivm.yaml", 0.98, 0.98, 1.0 },
	{ "steps.yaml", 0.98, 0.98, 1.0 },
	{ "paper-a-15g-real-link.yaml", 0.98, 0.97, 5.0 },
	{ "paper-a-30g-real-link.yaml", 0.98, 0.97, 5.0 },
	/* counters at 95.6 % of the wire rate (GSO): the counter scale must be learned */
	{ "paper-b-multivm-gso-counters.yaml", 0.98, 0.98, 1.0 },
	{ "steps-gso-counters.yaml", 0.98, 0.97, 1.0 },
	/* tenant groups: a group's min shared by its members, a group's max over two */
	{ "groups.yaml", 0.98, 0.98, 1.0 },
};

/* Scenario targets[i] under policy kind meets its targets. */
static void check_target(size_t i, enum daqs_policy_kind kind)
{
	const struct target *tg = &targets[i];
	struct daqs_scenario *sc = load_named(tg->file);
	struct daqs_sim_result r;
	double u;

	ck_assert_int_eq(daqs_sim_run(sc, kind, NULL, NULL, &r), 0);
	u = utilisation(sc, &r);
	ck_assert_msg(r.guarantee_satisfaction >= tg->min_sat, "%s: satisfaction %.4f", tg->file,
		      r.guarantee_satisfaction);
	ck_assert_msg(u >= tg->min_util, "%s: utilisation %.4f", tg->file, u);
	ck_assert_msg(r.reaction_s <= tg->max_reaction_s, "%s: reaction %.2fs", tg->file,
		      r.reaction_s);
	daqs_sim_result_free(&r);
	daqs_scenario_free(sc);
}

START_TEST(test_targets_daqs)
{
	check_target((size_t)_i, DAQS_POLICY_DAQS);
}
END_TEST

/*
 * An understated link (10 gbit configured, 11 delivered): daqs plans with the
 * configured capacity and leaves the rest unused; daqs-closed plans above it
 * while the link proves it has room, and holds the guarantee all the while.
 */
START_TEST(test_closed_uses_understated_link)
{
	struct daqs_scenario *sc = load_named("understated.yaml");
	struct daqs_sim_result open, closed;
	double u_open, u_closed;

	ck_assert_int_eq(daqs_sim_run(sc, DAQS_POLICY_DAQS, NULL, NULL, &open), 0);
	ck_assert_int_eq(daqs_sim_run(sc, DAQS_POLICY_DAQS_CLOSED, NULL, NULL, &closed), 0);
	u_open = utilisation(sc, &open);
	u_closed = utilisation(sc, &closed);
	ck_assert_msg(u_open < 0.93, "daqs used %.4f of an understated link", u_open);
	ck_assert_msg(u_closed >= 0.97, "daqs-closed used %.4f", u_closed);
	ck_assert_msg(closed.guarantee_satisfaction >= 0.98, "satisfaction %.4f",
		      closed.guarantee_satisfaction);
	daqs_sim_result_free(&open);
	daqs_sim_result_free(&closed);
	daqs_scenario_free(sc);
}
END_TEST

/* What tenant 'lab' (max 2gbit) sends together, period by period, in groups.yaml. */
struct lab_sum {
	double t_s, sum, worst, limits, worst_limits;
	unsigned periods;
};

static void lab_trace(void *ud, double t_s, const struct daqs_scn_vm *vm, bool active,
		      double rate_bps, uint64_t limit_bps)
{
	struct lab_sum *l = ud;

	(void)active;
	if (t_s != l->t_s) {
		l->t_s = t_s;
		l->sum = l->limits = 0;
		l->periods++;
	}
	if (strncmp(vm->name, "lab-", 4))
		return;
	l->sum += rate_bps;
	l->limits += limit_bps == DAQS_RATE_UNLIMITED ? INFINITY : (double)limit_bps;
	if (t_s > 1) { /* after the first decisions */
		l->worst = fmax(l->worst, l->sum);
		l->worst_limits = fmax(l->worst_limits, l->limits);
	}
}

/* A group's max holds for its members together, every period, under daqs and static. */
START_TEST(test_group_max_holds)
{
	static const enum daqs_policy_kind kinds[] = { DAQS_POLICY_DAQS, DAQS_POLICY_DAQS_CLOSED,
						       DAQS_POLICY_STATIC };
	struct daqs_scenario *sc = load_named("groups.yaml");

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		struct lab_sum l = { .t_s = -1 };
		struct daqs_sim_result r;

		ck_assert_int_eq(daqs_sim_run(sc, kinds[k], lab_trace, &l, &r), 0);
		ck_assert_uint_gt(l.periods, 400);
		ck_assert_msg(l.worst_limits <= 2e9 + 2, "%s: lab's limits sum to %.0f",
			      daqs_policy_kind_name(kinds[k]), l.worst_limits);
		ck_assert_msg(l.worst <= 2e9 * 1.001, "%s: lab sent %.0f together",
			      daqs_policy_kind_name(kinds[k]), l.worst);
		daqs_sim_result_free(&r);
	}
	daqs_scenario_free(sc);
}
END_TEST

/* daqs-closed meets the same targets as daqs on every shipped scenario. */
START_TEST(test_targets_closed)
{
	check_target((size_t)_i, DAQS_POLICY_DAQS_CLOSED);
}
END_TEST

/* The metrics can fail: unmanaged, the 1-stream Guarantee VM loses to 5 streams. */
START_TEST(test_none_misses_guarantee)
{
	struct daqs_scenario *sc = load_named("paper-a-15g.yaml");
	struct daqs_sim_result r;

	ck_assert_int_eq(daqs_sim_run(sc, DAQS_POLICY_NONE, NULL, NULL, &r), 0);
	/* 40 gbit shared 1:5 gives the Guarantee VM 6.67 of its 15 */
	ck_assert_msg(fabs(r.guarantee_satisfaction - 40.0 / 6 / 15) < 0.01, "satisfaction %.4f",
		      r.guarantee_satisfaction);
	ck_assert(fabs(r.total_mean_bps - 40e9) < 1e6);
	ck_assert(isnan(r.allocation_error)); /* nothing was limited */
	daqs_sim_result_free(&r);
	daqs_scenario_free(sc);
}
END_TEST

/* static caps the Best-Effort VM at capacity - guarantee, whatever the Guarantee VM uses. */
START_TEST(test_static_wastes_link)
{
	struct daqs_scenario *sc = load_named("paper-a-30g.yaml");
	struct daqs_sim_result r;

	ck_assert_int_eq(daqs_sim_run(sc, DAQS_POLICY_STATIC, NULL, NULL, &r), 0);
	/* BE capped at 10, the Guarantee VM can only push 18.5: 28.5 of 40 */
	ck_assert_msg(fabs(utilisation(sc, &r) - 28.5 / 40) < 0.01, "util %.4f",
		      utilisation(sc, &r));
	ck_assert(r.guarantee_satisfaction > 0.99);
	daqs_sim_result_free(&r);
	daqs_scenario_free(sc);
}
END_TEST

START_TEST(test_deterministic)
{
	struct daqs_scenario *sc = load_named("steps.yaml");
	struct daqs_sim_result a, b;

	ck_assert_int_eq(daqs_sim_run(sc, DAQS_POLICY_DAQS, NULL, NULL, &a), 0);
	ck_assert_int_eq(daqs_sim_run(sc, DAQS_POLICY_DAQS, NULL, NULL, &b), 0);
	ck_assert(a.total_mean_bps == b.total_mean_bps);
	ck_assert(a.guarantee_satisfaction == b.guarantee_satisfaction);
	ck_assert_uint_eq(a.applies, b.applies);
	daqs_sim_result_free(&a);
	daqs_sim_result_free(&b);
	daqs_scenario_free(sc);
}
END_TEST

/* ---- randomized closed-loop properties ---- */

struct watch {
	uint64_t settle_after_ns; /* steady state: after the last activity change + settle */
	double last_t;
	unsigned changes_steady;
	uint64_t *last_limit;
	size_t n;
	const struct daqs_scenario *sc;
	bool cap_violated;
	char why[256];
	double steady_sum; /* sum of all rates over steady-state periods */
	unsigned steady_periods;
};

static void watch_trace(void *ud, double t_s, const struct daqs_scn_vm *vm, bool active,
			double rate_bps, uint64_t limit_bps)
{
	struct watch *w = ud;
	size_t i = (size_t)(vm - w->sc->vms);

	/* the limit never exceeds max; the rate neither, once the limit held a whole period */
	if (vm->sla.max_bps != DAQS_RATE_UNLIMITED &&
	    (limit_bps > vm->sla.max_bps ||
	     (w->last_limit[i] <= vm->sla.max_bps && w->last_limit[i] == limit_bps &&
	      rate_bps > (double)vm->sla.max_bps * 1.000001))) {
		w->cap_violated = true;
		snprintf(w->why, sizeof(w->why), "%s at %.1fs: limit %llu rate %.0f max %llu",
			 vm->name, t_s, (unsigned long long)limit_bps, rate_bps,
			 (unsigned long long)vm->sla.max_bps);
	}
	if (t_s * 1e9 > (double)w->settle_after_ns && limit_bps != w->last_limit[i])
		w->changes_steady++;
	if (t_s * 1e9 > (double)w->settle_after_ns) {
		w->steady_sum += rate_bps;
		w->steady_periods += i == 0;
	}
	w->last_limit[i] = limit_bps;
}

/*
 * _i = 0: the link delivers its configured 10 gbit; _i = 1: it delivers
 * 9.0-10 gbit (the SLA overstates it), which daqs must learn.
 */
START_TEST(test_random_properties)
{
	unsigned seed = 2026 + (unsigned)_i, sat_n = 0, sat_low = 0, churn = 0;
	double sat_sum = 0, vm_seconds = 0;

	for (int round = 0; round < 60; round++) {
		uint64_t last_change_s;
		unsigned real = _i ? 9000 + (unsigned)(rand_r(&seed) % 1001) : 10000;
		char *text = daqs_random_host(&seed, &last_change_s, real);
		struct daqs_scenario *sc = NULL;
		struct daqs_diags d;
		struct daqs_sim_result r;
		struct watch w = { 0 };
		double u, ideal = 0, min_sat, min_util;
		unsigned max_changes;

		daqs_diags_init(&d);
		if (daqs_scenario_load_buffer("random.yaml", text, strlen(text), &sc, &d) < 0) {
			daqs_diags_print(&d, stderr);
			fprintf(stderr, "%s", text);
		}
		daqs_diags_free(&d);
		ck_assert_ptr_nonnull(sc);
		w.sc = sc;
		w.n = sc->n_vms;
		w.last_limit = calloc(w.n, sizeof(*w.last_limit));
		w.settle_after_ns = (last_change_s + 20) * 1000000000ULL;
		ck_assert_int_eq(daqs_sim_run(sc, DAQS_POLICY_DAQS, watch_trace, &w, &r), 0);
		/* work conservation in steady state (transients are what reaction_s measures):
		 * every VM is active then and wants all it can get, up to min(solo_max, max) */
		for (size_t i = 0; i < sc->n_vms; i++)
			ideal += fmin((double)sc->vms[i].solo_max_bps,
				      (double)sc->vms[i].sla.max_bps);
		ideal = fmin(ideal, (double)sc->capacity_bps);
		u = w.steady_sum / w.steady_periods / ideal;
		/* A link that delivers less than configured keeps limits moving (squeeze probes,
		 * drift): judged on average over all rounds, not per round. */
		max_changes = _i ? UINT_MAX : w.n;
		churn += w.changes_steady;
		vm_seconds += (double)w.n * (double)(60 - last_change_s - 20);
		/* With the link delivering less than configured, guarantees are kept only as well as
		 * capacity learning manages (README, "Known limitations"): judged over all rounds. */
		if (!isnan(r.guarantee_satisfaction) && _i) {
			sat_sum += r.guarantee_satisfaction;
			sat_n++;
			sat_low += r.guarantee_satisfaction < 0.97;
		}
		min_sat = _i ? 0 : 0.97;
		min_util = _i ? 0.95 : 0.97; /* squeeze probes cost a little on overstated links */
		if (w.cap_violated || u < min_util || w.changes_steady > max_changes ||
		    r.guarantee_satisfaction < min_sat)
			fprintf(stderr, "failing scenario (round %d):\n%s", round, text);
		ck_assert_msg(!w.cap_violated, "round %d: %s", round, w.why);
		ck_assert_msg(isnan(r.guarantee_satisfaction) ||
				      r.guarantee_satisfaction >= min_sat,
			      "round %d: satisfaction %.4f", round, r.guarantee_satisfaction);
		/* each demand-limited VM keeps headroom slack (h * use + delta, h up to 2 x 2 %
		 * after repeated false alarms, for 30 s): a few % of the link at worst */
		ck_assert_msg(u >= min_util, "round %d: steady-state utilisation %.4f", round, u);
		ck_assert_msg(w.changes_steady <= max_changes,
			      "round %d: %u limit changes in steady state (max %u)", round,
			      w.changes_steady, max_changes);
		free(w.last_limit);
		free(text);
		daqs_sim_result_free(&r);
		daqs_scenario_free(sc);
	}
	if (_i) {
		/* measured over 1000 such rounds (build/tests/sim-stats): mean 0.983, 10 % below 0.97 */
		ck_assert_msg(sat_n >= 30, "only %u rounds with a guarantee", sat_n);
		ck_assert_msg(sat_sum / sat_n >= 0.97, "mean satisfaction %.4f", sat_sum / sat_n);
		ck_assert_msg(sat_low * 5 <= sat_n, "%u of %u rounds below 0.97", sat_low, sat_n);
		/* at most one limit change per VM per 5 s, on average */
		ck_assert_msg(churn <= vm_seconds / 5, "%u changes over %.0f VM-seconds", churn,
			      vm_seconds);
	}
}
END_TEST

/* A noisy plant: measurement noise must not turn into permanent churn. */
START_TEST(test_noise_bounded_churn)
{
	struct daqs_scenario *sc = load_named("paper-a-30g.yaml");
	struct daqs_sim_result r;

	sc->noise_ppm = 20000; /* +-2 % per 100 ms */
	ck_assert_int_eq(daqs_sim_run(sc, DAQS_POLICY_DAQS, NULL, NULL, &r), 0);
	/* 300 periods: a limit change on at most one period in five */
	ck_assert_msg(r.applies <= 60, "%u limit changes in 60 s", r.applies);
	ck_assert_msg(r.guarantee_satisfaction >= 0.97, "satisfaction %.4f",
		      r.guarantee_satisfaction);
	ck_assert_msg(utilisation(sc, &r) >= 0.95, "utilisation %.4f", utilisation(sc, &r));
	daqs_sim_result_free(&r);
	daqs_scenario_free(sc);
}
END_TEST

Suite *daqs_test_sim_suite(void)
{
	Suite *s = suite_create("sim");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_targets_daqs, 0, sizeof(targets) / sizeof(targets[0]));
	tcase_add_loop_test(tc, test_targets_closed, 0, sizeof(targets) / sizeof(targets[0]));
	tcase_add_test(tc, test_group_max_holds);
	tcase_add_test(tc, test_closed_uses_understated_link);
	tcase_add_test(tc, test_none_misses_guarantee);
	tcase_add_test(tc, test_static_wastes_link);
	tcase_add_test(tc, test_deterministic);
	tcase_add_loop_test(tc, test_random_properties, 0, 2);
	tcase_add_test(tc, test_noise_bounded_churn);
	suite_add_tcase(s, tc);
	return s;
}
