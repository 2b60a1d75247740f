/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tenant groups in the policy (sla.h, struct daqs_sla_group): before each
 * step a member's min and max become its share of its group's, and the
 * step (any kind) plans with those, so every law honours groups the way it
 * honours a VM's own min and max.
 *
 *  - The group's min goes to its Guarantee members that are sending (not
 *    idle at the last step; see active()), divided by their own mins; an
 *    idle member is planned with the share it would have if it woke, within
 *    what the group's max leaves (so waking, it is protected at once; the
 *    others' shares shrink at the next step). In a group without a min, a
 *    Guarantee member's own min stands.
 *  - The group's max is divided among all its members: each first gets its
 *    share of the min, then the rest is water-filled by weight, a member
 *    that is not held back by its share counted as wanting 1.5 x its rate
 *    (so it has room to grow, and a hungry member takes what it leaves).
 *
 * Members see their shares as struct daqs_policy_vm's share_min_bps and
 * share_max_bps; the VMs' SLA entries are swapped for copies only for the
 * step, and put back.
 */
#include <math.h>
#include <stdlib.h>

#include "mem.h"
#include "policy_impl.h"
#include "waterfill.h"

/* A member held back by its share of the max when it uses this much of it. */
#define GROUP_HUNGRY 0.9
/* What a member not held back is counted as wanting: its rate x this ... */
#define GROUP_ROOM 1.5
/* ... and at least this fraction of an even split of the max. */
#define GROUP_FLOOR 0.05
/* A member sending less than this fraction of its own min is idle (laws without modes). */
#define GROUP_IDLE 0.01

static double rate_of(const struct daqs_policy_vm *vm)
{
	return vm->have_rate ? fmax(vm->tx_bps, vm->tx_smooth_bps) : INFINITY;
}

/*
 * Sending, for the division of the min: not idle at the last step (the
 * daqs laws' own judgement, with its hysteresis), or for the laws that keep
 * no per-VM mode, a rate of at least GROUP_IDLE of its own min (no rate
 * yet: sending, so that it is protected).
 */
static bool active(const struct daqs_policy *p, const struct daqs_policy_vm *vm)
{
	if (p->kind == DAQS_POLICY_DAQS || p->kind == DAQS_POLICY_DAQS_CLOSED)
		return vm->st.mode != DAQS_VM_IDLE;
	return rate_of(vm) >= GROUP_IDLE * (double)vm->sla->min_bps;
}

/*
 * The group's min among its Guarantee members: share_min of each. In a
 * group without a min, a Guarantee member keeps its own min (the max is
 * divided above it). An idle member is given the share it would have
 * awake, but no more than the group's max leaves above the others' shares,
 * so that the shares never sum above the max.
 */
static void divide_min(const struct daqs_policy *p, const struct daqs_sla_group *g,
		       struct daqs_policy_vm *vms, const size_t *m, size_t k, double *share_min)
{
	double keys = 0, awake = 0;

	for (size_t j = 0; j < k; j++) {
		const struct daqs_sla_vm *e = vms[m[j]].sla;

		share_min[j] = 0;
		if (e->cls == DAQS_CLASS_GUARANTEE && active(p, &vms[m[j]]))
			keys += (double)e->min_bps;
	}
	for (size_t j = 0; j < k; j++) {
		const struct daqs_sla_vm *e = vms[m[j]].sla;
		double key = (double)e->min_bps;

		if (e->cls != DAQS_CLASS_GUARANTEE || !active(p, &vms[m[j]]))
			continue;
		share_min[j] = g->min_bps ? (double)g->min_bps * key / keys : key;
		share_min[j] = fmin(share_min[j], (double)e->max_bps);
		awake += share_min[j];
	}
	for (size_t j = 0; j < k; j++) {
		const struct daqs_sla_vm *e = vms[m[j]].sla;
		double key = (double)e->min_bps;

		if (e->cls != DAQS_CLASS_GUARANTEE || active(p, &vms[m[j]]))
			continue;
		share_min[j] = g->min_bps ? (double)g->min_bps * key / (keys + key) : key;
		share_min[j] = fmin(share_min[j], (double)e->max_bps);
		if (g->max_bps != DAQS_RATE_UNLIMITED)
			share_min[j] = fmin(share_min[j], fmax(0, (double)g->max_bps - awake));
	}
}

/* The group's max among all its members: share_max of each (>= its share_min). */
static void divide_max(const struct daqs_sla_group *g, struct daqs_policy_vm *vms, size_t k,
		       const size_t *m, const double *share_min, double *share_max)
{
	struct daqs_wf_item *it = daqs_calloc(k, sizeof(*it));
	double budget = (double)g->max_bps, even = (double)g->max_bps / (double)k, left;

	for (size_t j = 0; j < k; j++) {
		const struct daqs_policy_vm *vm = &vms[m[j]];
		double own = (double)vm->sla->max_bps, want = own, rate = rate_of(vm);
		double prev = (double)vm->st.share_max_bps;

		budget -= share_min[j];
		if (isfinite(rate) && !(prev > 0 && rate >= GROUP_HUNGRY * prev))
			want = fmin(own, fmax(GROUP_ROOM * rate, GROUP_FLOOR * even));
		it[j].weight = vm->sla->weight;
		it[j].cap = fmax(0, want - share_min[j]);
	}
	left = daqs_waterfill(it, k, fmax(0, budget));
	/* everyone has what they want: the rest is spread by weight, so the max is all used */
	if (left > 0) {
		double w = 0;

		for (size_t j = 0; j < k; j++)
			w += it[j].weight;
		for (size_t j = 0; j < k; j++)
			it[j].out += left * it[j].weight / w;
	}
	for (size_t j = 0; j < k; j++)
		share_max[j] = fmin((double)vms[m[j]].sla->max_bps, share_min[j] + it[j].out);
	free(it);
}

static uint64_t to_rate(double bps, uint64_t floor)
{
	uint64_t v = daqs_policy_to_limit(bps);

	return v < floor ? floor : v;
}

void daqs_policy_groups_begin(struct daqs_policy *p, struct daqs_policy_vm *vms, size_t n)
{
	const struct daqs_sla *sla = p->sla;
	size_t *m = NULL, k;
	double *smin = NULL, *smax = NULL;

	for (size_t i = 0; i < n; i++) {
		vms[i].share_min_bps = vms[i].sla->min_bps;
		vms[i].share_max_bps = vms[i].sla->max_bps;
		vms[i].group_idle = false;
	}
	if (!sla->n_groups)
		return;
	if (p->n_gvm < n) {
		free(p->gvm);
		free(p->gorig);
		p->gvm = daqs_calloc(n, sizeof(*p->gvm));
		p->gorig = daqs_calloc(n, sizeof(*p->gorig));
		p->n_gvm = n;
	}
	m = daqs_calloc(n ? n : 1, sizeof(*m));
	smin = daqs_calloc(n ? n : 1, sizeof(*smin));
	smax = daqs_calloc(n ? n : 1, sizeof(*smax));
	for (size_t i = 0; i < n; i++)
		p->gorig[i] = NULL;
	for (size_t gi = 0; gi < sla->n_groups; gi++) {
		const struct daqs_sla_group *g = &sla->groups[gi];

		k = 0;
		for (size_t i = 0; i < n; i++)
			if (vms[i].sla->in_group && vms[i].sla->group == gi)
				m[k++] = i;
		if (!k)
			continue;
		divide_min(p, g, vms, m, k, smin);
		for (size_t j = 0; j < k; j++)
			smax[j] = (double)vms[m[j]].sla->max_bps;
		if (g->max_bps != DAQS_RATE_UNLIMITED)
			divide_max(g, vms, k, m, smin, smax);
		for (size_t j = 0; j < k; j++) {
			struct daqs_policy_vm *vm = &vms[m[j]];
			struct daqs_sla_vm *e = &p->gvm[m[j]];

			*e = *vm->sla;
			if (e->cls == DAQS_CLASS_GUARANTEE && g->min_bps)
				e->min_bps = to_rate(smin[j], 1);
			e->max_bps = e->max_bps == DAQS_RATE_UNLIMITED && !isfinite(smax[j])
					     ? DAQS_RATE_UNLIMITED
					     : to_rate(smax[j], e->min_bps);
			p->gorig[m[j]] = vm->sla;
			vm->sla = e;
			vm->share_min_bps = e->min_bps;
			vm->share_max_bps = e->max_bps;
			vm->group_idle = e->cls == DAQS_CLASS_GUARANTEE && g->min_bps &&
					 !active(p, vm);
			vm->st.share_max_bps = e->max_bps;
		}
	}
	free(m);
	free(smin);
	free(smax);
}

void daqs_policy_groups_end(struct daqs_policy *p, struct daqs_policy_vm *vms, size_t n)
{
	if (!p->sla->n_groups)
		return;
	for (size_t i = 0; i < n && i < p->n_gvm; i++)
		if (p->gorig[i]) {
			vms[i].sla = p->gorig[i];
			p->gorig[i] = NULL;
		}
}
