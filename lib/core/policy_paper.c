/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "daqs-paper": the DAQS prototype's control law, reproduced for comparison
 * (../shared/notes/daqs-prototype-analysis.md §2), per link:
 *
 *   units    rates in Gibit/s (bytes*8/2^30 per s), H = floor(capacity/1e9),
 *            Gt = sum of the Guarantee VMs' min in Gbit/s;
 *   inputs   G = sum of Guarantee VM rates, T = sum of all rates (last
 *            interval, no smoothing), W = Best-Effort VMs above 1 Gibit/s;
 *   R        one aggregate Best-Effort limit, stepped by 0.3 per period:
 *     G < 1                                   R = -1 (no limit)
 *     1 <= G < Gt:  R < 0                     R = H
 *                   T >= 0.837768 H           R = max(1, R - 0.3)
 *                   T + 0.3 < 0.904136 H      R = min(H, R + 0.3)
 *     G > 1.45 Gt + 1.15 and T - G > 1        R = min(H, R + 0.3)
 *     otherwise                               hold
 *   limits   each VM in W gets R/|W| Gibit, written as R/|W|*1024 Mbit;
 *            R <= 0 removes its limit; VMs outside W are not touched
 *            (so a limit can go stale, as in the prototype).
 * The prototype's measurement bugs (first sample in bytes, wall clock) are
 * not reproduced: this is its control law fed with correct rates.
 */
#include <math.h>

#include "policy_impl.h"

#define GIBIT 1073741824.0
#define STEP 0.3
#define IDLE_GIBIT 1.0
#define TIGHTEN 0.837768
#define LOOSEN 0.904136
#define MARGIN_RATE 1.45
#define MARGIN_OFFSET 1.15

struct sums {
	double g, t, gt;
	size_t w;
};

static struct sums paper_sums(size_t link, const struct daqs_policy_vm *vms, size_t n)
{
	struct sums s = { 0 };

	for (size_t i = 0; i < n; i++) {
		double r = vms[i].have_rate ? vms[i].tx_bps / GIBIT : 0;

		if (vms[i].sla->link != link)
			continue;
		s.t += r;
		if (vms[i].sla->cls == DAQS_CLASS_GUARANTEE) {
			s.g += r;
			s.gt += (double)vms[i].sla->min_bps / 1e9;
		} else if (r > IDLE_GIBIT) {
			s.w++;
		}
	}
	return s;
}

static double paper_next_r(double r, double h, const struct sums *s)
{
	if (s->g < IDLE_GIBIT)
		return -1;
	if (s->g < s->gt) {
		if (r < 0)
			return h;
		if (s->t >= TIGHTEN * h)
			return fmax(1, r - STEP);
		if (s->t + STEP < LOOSEN * h)
			return fmin(h, r + STEP);
		return r;
	}
	if (s->g > MARGIN_RATE * s->gt + MARGIN_OFFSET && s->t - s->g > 1)
		return fmin(h, r + STEP);
	return r;
}

void daqs_policy_step_paper(struct daqs_policy *p, size_t link, struct daqs_policy_vm *vms,
			    size_t n, uint64_t now_ns)
{
	struct sums s = paper_sums(link, vms, n);
	double h = floor((double)p->capacity_bps[link] / 1e9);
	double r = paper_next_r(p->paper_r[link], h, &s), per_vm;

	p->paper_r[link] = r;
	per_vm = s.w ? r / (double)s.w : -1;
	if (r > h)
		per_vm = -1;
	for (size_t i = 0; i < n; i++) {
		struct daqs_policy_vm *vm = &vms[i];
		double rate = vm->have_rate ? vm->tx_bps / GIBIT : 0;

		if (vm->sla->link != link)
			continue;
		vm->st.mode = DAQS_VM_UNMANAGED;
		if (vm->sla->cls == DAQS_CLASS_GUARANTEE || rate <= IDLE_GIBIT)
			continue;
		/* The prototype rebuilt the qdisc every period for every VM in W. */
		vm->limit_bps = per_vm <= 0 ? DAQS_RATE_UNLIMITED
					    : daqs_policy_to_limit(per_vm * 1024.0 * 1e6);
		vm->apply = true;
		vm->st.limit_bps = vm->limit_bps;
	}
	p->status[link].be_budget_bps = r < 0 ? INFINITY : r * 1.024e9;
	(void)now_ns;
}
