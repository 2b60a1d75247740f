/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The status snapshot (cycle core): what control clients and /metrics read after each period. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cycle_impl.h"
#include "mem.h"
#include "vf_rate.h"

void daqs_snapshot_clear(struct daqs_ctl_status *s)
{
	free(s->links);
	free(s->vms);
	free(s->pfs);
	memset(s, 0, sizeof(*s));
}

static double rate_or_nan(const struct daqs_gvm *v, double bps)
{
	return daqs_gvm_rates(v)->have_rate ? bps : NAN;
}

/* What the link's guests' counters show of the wire rate (policy step 8); 1 until learned. */
static double counter_scale(const struct daqs_cycle *c, size_t link)
{
	const struct daqs_policy_link_status *ls = daqs_policy_link_status(c->policy, link);

	return ls && ls->counter_scale > 0 ? ls->counter_scale : 1.0;
}

static const char *agent_name(const struct daqs_gvm *v)
{
	if (v->limited && v->health == DAQS_AGENT_OK)
		return "agent-limited";
	return daqs_agent_health_name(v->health);
}

static const char *counters_name(const struct daqs_gvm *v)
{
	if (daqs_gvm_rates(v) == &v->hest)
		return v->xc.distrust ? "host, agent disagrees" : "host";
	return v->host_iface[0] ? "agent, host unreadable" : "agent";
}

static void vf_fields(const struct daqs_gvm *v, struct daqs_ctl_vm *o)
{
	o->vf_max_bps = DAQS_RATE_UNLIMITED;
	if (v->vf.pf[0]) {
		snprintf(o->vf, sizeof(o->vf), "%s:%u", v->vf.pf, v->vf.idx);
		snprintf(o->vf_lever, sizeof(o->vf_lever), "%s", v->vf.lever);
		if (v->vf.node[0])
			snprintf(o->vf_node, sizeof(o->vf_node), DAQS_VF_NODE_PREFIX "%s",
				 v->vf.node);
		if (v->vf.mbps)
			o->vf_max_bps = (uint64_t)v->vf.mbps * 1000000ULL;
		if (v->eff.enforce == DAQS_ENFORCE_VF && v->vf.use && v->vf.mbps)
			o->limit_bps =
				o->vf_max_bps; /* no limit in the guest: the VF's is the one */
	}
	snprintf(o->vf_why, sizeof(o->vf_why), "%s", v->vf.use ? v->vf.why : "");
}

static void tap_fields(const struct daqs_gvm *v, struct daqs_ctl_vm *o)
{
	o->tap_max_bps = DAQS_RATE_UNLIMITED;
	if (v->tap.dev[0]) {
		snprintf(o->tap, sizeof(o->tap), "%s", v->tap.dev);
		if (v->tap.kBps)
			o->tap_max_bps = v->tap.kBps * DAQS_TAP_KBPS_BITS;
		if (v->eff.enforce == DAQS_ENFORCE_HOST && v->tap.use && v->tap.kBps)
			o->limit_bps = o->tap_max_bps; /* no limit in the guest: the tap's */
	}
	if (v->tap.failing && v->tap.why[0])
		snprintf(o->tap_why, sizeof(o->tap_why), "%.95s; libvirt refused it: %.159s",
			 v->tap.why, v->tap.err);
	else
		snprintf(o->tap_why, sizeof(o->tap_why), "%s", v->tap.use ? v->tap.why : "");
}

static void snap_vm(const struct daqs_cycle *c, const struct daqs_gvm *v, struct daqs_ctl_vm *o)
{
	const struct daqs_estimator *e = daqs_gvm_rates(v);
	double scale = counter_scale(c, v->eff.link);
	const struct daqs_sla_group *g;

	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "%s", v->name);
	snprintf(o->uuid, sizeof(o->uuid), "%s", v->uuid);
	snprintf(o->source, sizeof(o->source), "%s", v->libvirt ? "libvirt" : "socket");
	snprintf(o->cls, sizeof(o->cls), "%s", daqs_class_name(v->eff.cls));
	snprintf(o->sla_source, sizeof(o->sla_source), "%s",
		 v->libvirt ? v->sla_source
		 : v->ent   ? "file"
			    : "defaults");
	snprintf(o->sla_error, sizeof(o->sla_error), "%s", v->meta_error);
	o->min_bps = v->eff.min_bps;
	o->max_bps = v->eff.max_bps;
	o->weight = v->eff.weight;
	snprintf(o->link, sizeof(o->link), "%s", c->sla->links[v->eff.link].name);
	g = daqs_sla_vm_group(c->sla, &v->eff);
	snprintf(o->group, sizeof(o->group), "%s", g ? g->name : "");
	o->share_min_bps = daqs_gvm_min(v);
	o->share_max_bps = v->pv.st.seen ? v->pv.share_max_bps : v->eff.max_bps;
	o->tx_bps = rate_or_nan(v, e->smooth.tx_bps);
	o->rx_bps = rate_or_nan(v, e->smooth.rx_bps);
	snprintf(o->counters, sizeof(o->counters), "%s", counters_name(v));
	snprintf(o->host_iface, sizeof(o->host_iface), "%s", v->host_iface);
	o->host_iface_auto = v->host_auto;
	o->limit_bps = v->in_force;
	vf_fields(v, o);
	tap_fields(v, o);
	snprintf(o->mode, sizeof(o->mode), "%s",
		 v->state == DAQS_GUEST_RETIRING ? "retiring" : daqs_vm_mode_name(v->pv.st.mode));
	snprintf(o->state, sizeof(o->state), "%s", daqs_guest_state_name(v->state));
	snprintf(o->agent, sizeof(o->agent), "%s", agent_name(v));
	snprintf(o->iface, sizeof(o->iface), "%s", v->iface);
	snprintf(o->iface_kind, sizeof(o->iface_kind), "%s", v->kind);
	o->satisfaction = NAN;
	if (v->eff.cls == DAQS_CLASS_GUARANTEE && v->pv.st.mode == DAQS_VM_PROTECTED &&
	    v->pv.st.measured && e->have_rate && o->share_min_bps)
		o->satisfaction = fmin(1.0, e->smooth.tx_bps / scale / (double)o->share_min_bps);
	o->agent_errors = v->agent_errors;
	o->applies = v->applies;
	o->limit_lost = v->limit_lost;
	o->limit_changes = v->limit_changes;
	o->tx_bytes = v->total.tx_bytes;
	o->rx_bytes = v->total.rx_bytes;
	o->tx_packets = v->total.tx_pkts;
	o->rx_packets = v->total.rx_pkts;
	o->override = v->overridden;
	o->override_left_s = v->overridden ? v->override_left_s : -1;
	snprintf(o->last_error, sizeof(o->last_error), "%s", v->prob.last);
}

static void snap_links(const struct daqs_cycle *c, struct daqs_ctl_status *s)
{
	s->links = daqs_calloc(c->sla->n_links ? c->sla->n_links : 1, sizeof(*s->links));
	s->n_links = c->sla->n_links;
	for (size_t l = 0; l < s->n_links; l++) {
		const struct daqs_policy_link_status *ls = daqs_policy_link_status(c->policy, l);
		struct daqs_ctl_link *o = &s->links[l];
		struct daqs_admission a;

		snprintf(o->name, sizeof(o->name), "%s", c->sla->links[l].name);
		o->capacity_bps = ls ? ls->capacity_bps : c->sla->links[l].capacity_bps;
		o->effective_bps = ls && ls->effective_bps > 0 ? ls->effective_bps
							       : (double)o->capacity_bps;
		o->reserved_bps = ls ? ls->reserved_bps : 0;
		daqs_cycle_link_admission(c, l, NULL, &a);
		o->admission = a.share_ppm / (double)DAQS_ADMISSION_FULL;
		o->admittable_bps = a.admittable_bps;
		o->committed_bps = a.committed_bps;
		o->free_bps = daqs_admission_free(&a);
		o->guarantees = a.guarantees;
		o->tx_bytes = c->link_tx_bytes[l];
	}
}

/* The PFs as probed, with what daqsd's own VF writes showed of them. */
static void snap_pfs(const struct daqs_cycle *c, struct daqs_ctl_status *s)
{
	s->pfs = daqs_calloc(c->n_pfcaps ? c->n_pfcaps : 1, sizeof(*s->pfs));
	s->n_pfs = c->n_pfcaps;
	for (size_t k = 0; k < c->n_pfcaps; k++) {
		struct daqs_pf_caps cap = c->pfcaps[k];
		struct daqs_ctl_pf *o = &s->pfs[k];
		uint64_t mins = 0;

		for (size_t i = 0; i < c->n; i++) {
			const struct daqs_gvm *v = c->v[i];

			if (v->state == DAQS_GUEST_GONE || strcmp(v->vf.pf, cap.pf))
				continue;
			cap.min_refused |= v->vf.min_refused;
			mins += (uint64_t)v->vf.min * 1000000ULL;
		}
		snprintf(o->name, sizeof(o->name), "%s", cap.pf);
		for (size_t l = 0; l < c->sla->n_links && !o->link[0]; l++)
			if (c->sla->links[l].device && !strcmp(c->sla->links[l].device, cap.pf))
				snprintf(o->link, sizeof(o->link), "%s", c->sla->links[l].name);
		snprintf(o->driver, sizeof(o->driver), "%s", cap.driver);
		o->vfs = cap.num_vfs;
		o->total_vfs = cap.total_vfs;
		daqs_pf_levers(&cap, o->levers, sizeof(o->levers));
		snprintf(o->min, sizeof(o->min), "%s",
			 daqs_pf_min_name(daqs_pf_min_of(&cap, &o->min_seen)));
		if (daqs_pf_min_sum_capped(&cap))
			snprintf(o->min_rule, sizeof(o->min_rule),
				 "VF minimums must sum to at most the link speed (EINVAL beyond)");
		o->vf_min_bps = mins;
		daqs_cycle_pf_rule_broken(c, &cap, o->min_rule_broken, sizeof(o->min_rule_broken));
		if (cap.r)
			snprintf(o->error, sizeof(o->error), "%s", strerror(-cap.r));
	}
}

void daqs_snapshot_publish(struct daqs_cycle *c, double cycle_ms)
{
	struct daqs_ctl_status *s = &c->snap;

	daqs_snapshot_clear(s);
	s->cycle = c->cycles;
	s->cycle_ms = cycle_ms;
	s->period_ms = c->sla->ctl.period_ns / 1000000;
	snprintf(s->policy, sizeof(s->policy), "%s", daqs_policy_kind_name(c->cfg.kind));
	snprintf(s->sla_file, sizeof(s->sla_file), "%s", c->sla->file);
	snprintf(s->sla_error, sizeof(s->sla_error), "%s", c->sla_error);
	snprintf(s->state_error, sizeof(s->state_error), "%s", c->state_error);
	snap_links(c, s);
	snap_pfs(c, s);
	s->vms = daqs_calloc(c->n ? c->n : 1, sizeof(*s->vms));
	for (size_t i = 0; i < c->n; i++) {
		const struct daqs_gvm *v = c->v[i];
		struct daqs_ctl_link *l;

		if (v->state == DAQS_GUEST_GONE)
			continue;
		snap_vm(c, v, &s->vms[s->n_vms]);
		l = &s->links[v->eff.link];
		l->vms++;
		if (daqs_gvm_rates(v)->have_rate && v->state != DAQS_GUEST_RETIRING)
			l->tx_bps += daqs_gvm_rates(v)->smooth.tx_bps;
		s->n_vms++;
	}
	for (size_t l = 0; l < s->n_links; l++) {
		double scale = counter_scale(c, l);

		s->links[l].utilisation =
			s->links[l].effective_bps > 0
				? s->links[l].tx_bps / scale / s->links[l].effective_bps
				: NAN;
	}
}
