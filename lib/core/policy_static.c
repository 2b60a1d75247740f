/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Baselines.
 *  static: what an operator does with `ip link set PF vf N max_tx_rate`:
 *          every Best-Effort VM on a link is capped at
 *          (capacity - sum of guarantees) / (number of Best-Effort VMs),
 *          whether it is busy or not; Guarantee VMs only get their max.
 *  none:   no limits at all, not even max caps (the unmanaged baseline).
 */
#include <math.h>

#include "policy_impl.h"

void daqs_policy_step_static(struct daqs_policy *p, size_t link, struct daqs_policy_vm *vms,
			     size_t n, uint64_t now_ns)
{
	double cap = (double)p->capacity_bps[link], guaranteed = 0, share;
	size_t n_be = 0;

	for (size_t i = 0; i < n; i++) {
		if (vms[i].sla->link != link)
			continue;
		if (vms[i].sla->cls == DAQS_CLASS_GUARANTEE)
			guaranteed += (double)vms[i].sla->min_bps;
		else
			n_be++;
	}
	share = n_be ? fmax(cap - guaranteed, cap / 10000.0) / (double)n_be : 0;
	for (size_t i = 0; i < n; i++) {
		const struct daqs_sla_vm *s = vms[i].sla;
		uint64_t want = s->max_bps;

		if (s->link != link)
			continue;
		vms[i].st.mode = DAQS_VM_UNMANAGED;
		if (s->cls == DAQS_CLASS_BEST_EFFORT && cap > 0)
			want = daqs_policy_to_limit(fmin(share, (double)s->max_bps));
		daqs_policy_set_exact(&vms[i], want);
	}
	p->status[link].reserved_bps = guaranteed;
	p->status[link].be_budget_bps = n_be ? share * (double)n_be : INFINITY;
	(void)now_ns;
}

void daqs_policy_step_none(struct daqs_policy *p, size_t link, struct daqs_policy_vm *vms, size_t n,
			   uint64_t now_ns)
{
	for (size_t i = 0; i < n; i++) {
		if (vms[i].sla->link != link)
			continue;
		vms[i].st.mode = DAQS_VM_UNMANAGED;
		daqs_policy_set_exact(&vms[i], DAQS_RATE_UNLIMITED);
	}
	(void)p;
	(void)now_ns;
}
