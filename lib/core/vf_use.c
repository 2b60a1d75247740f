/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A VM's host-side VF (cycle core): whether its limit goes there this
 * period, the writes that follow, their outcomes, and the VF's counters as
 * the VM's host counters. See cycle.h and controller.h for the rules.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cycle_impl.h"
#include "mem.h"
#include "vf_rate.h"

/* The VF a VM has: its SLA's host_vf, else the vf_pool's it holds. */
bool daqs_vfuse_of(const struct daqs_gvm *v, const char **pf, uint32_t *idx)
{
	if (v->eff.host_vf_pf) {
		*pf = v->eff.host_vf_pf;
		*idx = v->eff.host_vf;
		return true;
	}
	if (v->vf.pool_pf[0]) {
		*pf = v->vf.pool_pf;
		*idx = v->vf.pool_idx;
		return true;
	}
	return false;
}

bool daqs_vfuse_wanted(const struct daqs_cycle *c, struct daqs_gvm *v, uint64_t now_ns)
{
	const char *pf, *why = NULL;
	uint32_t idx;

	v->vf.why[0] = '\0';
	if (!c->cfg.vf_rates || v->state == DAQS_GUEST_RETIRING || v->state == DAQS_GUEST_GONE ||
	    !daqs_vfuse_of(v, &pf, &idx))
		return false;
	if (v->eff.enforce == DAQS_ENFORCE_VF || v->eff.enforce == DAQS_ENFORCE_BOTH)
		why = v->eff.enforce == DAQS_ENFORCE_VF ? "enforce: vf" : "enforce: both";
	else
		why = daqs_gvm_backstop_why(v, now_ns);
	if (!why)
		return false;
	snprintf(v->vf.why, sizeof(v->vf.why), "%s", why);
	return true;
}

/* A Guarantee VM's VF also gets its min (where the NIC takes one), never above the cap. */
static uint32_t min_of(const struct daqs_gvm *v, uint32_t max_mbps)
{
	uint32_t m;

	if (v->eff.cls != DAQS_CLASS_GUARANTEE)
		return 0;
	if (v->pv.group_idle) /* its group's min is its awake mates' now: the NIC's sum holds it */
		return 0;
	m = daqs_vf_min_mbps(daqs_gvm_min(v));
	return max_mbps && m > max_mbps ? max_mbps : m;
}

bool daqs_vfuse_release(const struct daqs_gvm *v, struct daqs_cycle_vf_write *w)
{
	if (!v->vf.pf[0] || (!v->vf.mbps && !v->vf.min && !v->vf.node[0]))
		return false;
	*w = (struct daqs_cycle_vf_write){
		.rec = v,
		.idx = v->vf.idx,
		.release = true,
		.with_min = v->vf.min != 0,
		.pin = v->vf.pin,		    /* through the lever that wrote it */
		.set_group = v->vf.node[0] != '\0', /* out of its group's node */
	};
	memcpy(w->pf, v->vf.pf, DAQS_IFNAMSIZ);
	return true;
}

/*
 * Where v's VF leaf belongs: its tenant group's devlink rate node (the
 * group's min as tx_share, its max as tx_max), unless the VF has no rate
 * leaf; w->set_group when that is not what is in force.
 */
static void node_of(const struct daqs_cycle *c, const struct daqs_gvm *v,
		    struct daqs_cycle_vf_write *w)
{
	const struct daqs_sla_group *g = daqs_sla_vm_group(c->sla, &v->eff);

	memset(w, 0, sizeof(*w));
	if (g && !v->vf.node_none) {
		snprintf(w->group, sizeof(w->group), "%s", g->name);
		w->group_share_mbps = g->min_bps ? daqs_vf_min_mbps(g->min_bps) : 0;
		w->group_max_mbps = g->max_bps != DAQS_RATE_UNLIMITED ? daqs_vf_max_mbps(g->max_bps)
								      : 0;
	}
	w->set_group = strcmp(w->group, v->vf.node) || v->vf.node_failing ||
		       (w->group[0] && (w->group_share_mbps != v->vf.node_share ||
					w->group_max_mbps != v->vf.node_max));
}

size_t daqs_vfuse_writes(const struct daqs_cycle *c, struct daqs_cycle_vf_write **out)
{
	struct daqs_cycle_vf_write *w = daqs_calloc(2 * c->n + 1, sizeof(*w));
	size_t k = 0;

	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < c->n; i++) {
			struct daqs_gvm *v = c->v[i];
			struct daqs_cycle_vf_write nw;
			const char *pf = NULL;
			uint32_t idx = 0, mbps, min;
			bool use = v->vf.use && v->state != DAQS_GUEST_GONE &&
				   daqs_vfuse_of(v, &pf, &idx);
			/* another vf_lever: undo what the old one wrote (a leaf's rates) first */
			bool same = use && !strcmp(pf, v->vf.pf) && idx == v->vf.idx &&
				    v->vf.pin == v->eff.vf_lever;

			if (pass == 0 && v->vf.pf[0] && !same) {
				if (daqs_vfuse_release(v, &w[k]))
					k++;
				else { /* no cap of ours on it: nothing to undo */
					v->vf.pf[0] = '\0';
					v->vf.node_none = false;
				}
			}
			if (pass != 1 || !use)
				continue;
			mbps = daqs_vf_max_mbps(v->pv.limit_bps);
			min = v->vf.min_refused ? 0 : min_of(v, mbps);
			node_of(c, v, &nw);
			if (same && mbps == v->vf.mbps && min == v->vf.min && !v->vf.failing &&
			    !nw.set_group)
				continue;
			/* a min someone else set is left alone: ours only */
			w[k] = (struct daqs_cycle_vf_write){
				.rec = v,
				.idx = idx,
				.max_mbps = mbps,
				.min_mbps = min,
				.with_min = !v->vf.min_refused && (min || v->vf.min),
				.pin = v->eff.vf_lever,
				/* a new VF: put it where its group's node is (or out of ours) */
				.set_group = nw.set_group || !same,
				.group_share_mbps = nw.group_share_mbps,
				.group_max_mbps = nw.group_max_mbps,
			};
			memcpy(w[k].group, nw.group, sizeof(w[k].group));
			snprintf(w[k++].pf, DAQS_IFNAMSIZ, "%s", pf);
		}
	*out = w;
	return k;
}

/* What came of putting the VF's leaf in its group's node (or out of it). */
static void node_outcome(const struct daqs_cycle *c, struct daqs_gvm *v,
			 const struct daqs_cycle_vf_write *w)
{
	if (w->group_r == -EOPNOTSUPP) {
		if (w->group[0])
			daqs_cycle_log(
				c, DAQS_LOG_INFO,
				"guest '%s': group '%s' is no devlink rate node for VF %u of "
				"'%s' (%s): its members' own limits hold it",
				v->name, w->group, w->idx, w->pf, w->group_why);
		v->vf.node_none = w->group[0] != '\0';
		v->vf.node[0] = '\0';
		v->vf.node_failing = false;
		return;
	}
	if (w->group_r < 0) {
		if (!v->vf.node_failing)
			daqs_cycle_log(
				c, DAQS_LOG_WARNING,
				"guest '%s': cannot put VF %u of '%s' %s%s (%s); its members' "
				"own limits still hold the group",
				v->name, w->idx, w->pf,
				w->group[0] ? "in the devlink rate node of group " : "out of ",
				w->group[0] ? w->group : "its group's node", w->group_why);
		v->vf.node_failing = true;
		return;
	}
	if (w->group[0] && (v->vf.node_failing || strcmp(v->vf.node, w->group)))
		daqs_cycle_log(
			c, DAQS_LOG_INFO,
			"guest '%s': VF %u of '%s' in the devlink rate node " DAQS_VF_NODE_PREFIX
			"%s (tx_share %u, tx_max %u Mbit/s; 0 none)",
			v->name, w->idx, w->pf, w->group, w->group_share_mbps, w->group_max_mbps);
	else if (!w->group[0] && v->vf.node[0])
		daqs_cycle_log(
			c, DAQS_LOG_INFO,
			"guest '%s': VF %u of '%s' out of the devlink rate node " DAQS_VF_NODE_PREFIX
			"%s",
			v->name, w->idx, w->pf, v->vf.node);
	v->vf.node_failing = false;
	memcpy(v->vf.node, w->group, sizeof(v->vf.node));
	v->vf.node_share = w->group_share_mbps;
	v->vf.node_max = w->group_max_mbps;
}

void daqs_vfuse_outcome(const struct daqs_cycle *c, struct daqs_gvm *v,
			const struct daqs_cycle_vf_write *w)
{
	char a[32] = "no cap";
	uint32_t min = w->min_mbps;

	if (v->state == DAQS_GUEST_GONE)
		v->vf.release_tried = true;
	if (w->r < 0) {
		if (!v->vf.failing)
			daqs_cycle_log(c, DAQS_LOG_WARNING,
				       "guest '%s': cannot %s the rate of VF %u of '%s' (%s)%s",
				       v->name, w->release ? "reset" : "set", w->idx, w->pf,
				       strerror(-w->r),
				       w->release ? "" : "; its limit stays where it was");
		v->vf.failing = true;
		if (!w->release && v->eff.enforce == DAQS_ENFORCE_VF) /* the policy must know */
			daqs_policy_vm_in_force(&v->pv, v->in_force_known ? v->in_force
									  : DAQS_RATE_UNLIMITED);
		return;
	}
	if (v->vf.failing)
		daqs_cycle_log(c, DAQS_LOG_NOTICE, "guest '%s': VF %u of '%s' takes its rate again",
			       v->name, w->idx, w->pf);
	v->vf.failing = false;
	if (w->min_refused) { /* the max is in force; the NIC takes no min (reported) */
		v->vf.min_refused = true;
		min = 0;
	}
	if (!w->release && v->vf.lever[0] && strcmp(v->vf.lever, w->lever))
		v->vf.node_none =
			false; /* another lever (a mode change): a leaf may be there now */
	if (w->set_group)
		node_outcome(c, v, w);
	if (w->release && v->vf.node_failing && v->state != DAQS_GUEST_GONE) {
		/* its leaf is still in the node: the release is tried again (its rates are reset) */
		v->vf.mbps = 0;
		v->vf.min = 0;
		return;
	}
	if (w->release) {
		v->vf.pf[0] = '\0';
		v->vf.lever[0] = '\0';
		v->vf.mbps = 0;
		v->vf.min = 0;
		v->vf.node[0] = '\0';
		v->vf.node_none = false;
		daqs_cycle_log(c, DAQS_LOG_DEBUG, "guest '%s': VF %u of '%s' released (no cap)",
			       v->name, w->idx, w->pf);
		return;
	}
	memcpy(v->vf.pf, w->pf, DAQS_IFNAMSIZ);
	v->vf.idx = w->idx;
	v->vf.pin = w->pin;
	memcpy(v->vf.lever, w->lever, sizeof(v->vf.lever));
	v->vf.mbps = w->max_mbps;
	if (w->with_min)
		v->vf.min = min;
	if (w->max_mbps)
		snprintf(a, sizeof(a), "%u Mbit/s", w->max_mbps);
	daqs_cycle_log(c, DAQS_LOG_DEBUG,
		       "guest '%s': VF %u of '%s' capped at %s, min %u Mbit/s (%s)", v->name,
		       w->idx, w->pf, a, v->vf.min, v->vf.why);
}

/* Stop deciding on the VF's counters (another VF, none, or it left the dump). */
void daqs_vfuse_count_stop(const struct daqs_cycle *c, struct daqs_gvm *v)
{
	if (v->vf.count) {
		v->vf.count = false;
		daqs_estimator_reset(&v->hest);
		daqs_crosscheck_reset(&v->xc);
		v->host_failing = false;
		daqs_cycle_log(c, DAQS_LOG_INFO,
			       "guest '%s': no counters from %s any more; deciding on the agent's",
			       v->name, v->vf.label);
	}
	v->vf.label[0] = '\0';
}

/* One VM's host counters from its VF's, once they have moved (a NIC may report only zeros). */
void daqs_vfuse_counters(const struct daqs_cycle *c, struct daqs_gvm *v, const char *pf,
			 const struct daqs_cycle_vf_stat *vfs, size_t n, uint64_t t_ns)
{
	const struct daqs_cycle_vf_stat *f = NULL;
	const char *mine;
	uint32_t idx;
	char label[sizeof(v->vf.label)];

	if (v->state == DAQS_GUEST_GONE || v->host_iface[0] || !daqs_vfuse_of(v, &mine, &idx) ||
	    strcmp(mine, pf))
		return;
	v->vf.dumped = true;
	for (size_t i = 0; i < n && !f; i++)
		if (vfs[i].index == idx && vfs[i].have_stats)
			f = &vfs[i];
	if (!f) {
		daqs_vfuse_count_stop(c, v);
		return;
	}
	snprintf(label, sizeof(label), "VF %u of %s", idx, pf);
	if (strcmp(label, v->vf.label)) { /* another VF: other counters */
		daqs_vfuse_count_stop(c, v);
		memcpy(v->vf.label, label, sizeof(label));
		v->vf.first = f->c;
		v->vf.moved = false;
	}
	if (!v->vf.moved && memcmp(&f->c, &v->vf.first, sizeof(f->c))) {
		v->vf.moved = true;
		daqs_cycle_log(c, DAQS_LOG_INFO,
			       "guest '%s': deciding on the host's counters of %s", v->name, label);
	}
	if (!v->vf.moved)
		return;
	v->vf.count = true;
	v->hsmp.c = f->c;
	v->hsmp.t_ns = t_ns;
	v->host_r = 0;
}
