/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cycle core: the guest records and their events (see cycle.h; the period is in period.c). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cycle_impl.h"
#include "diag.h"
#include "mem.h"
#include "units.h"

static const char *const state_names[] = {
	[DAQS_GUEST_FIND_IFACE] = "find-iface",
	[DAQS_GUEST_VERIFY] = "verify",
	[DAQS_GUEST_REFIND] = "refind",
	[DAQS_GUEST_SHAPED] = "shaped",
	[DAQS_GUEST_NO_EXEC] = "no-exec",
	[DAQS_GUEST_RETIRING] = "retiring",
	[DAQS_GUEST_GONE] = "gone",
};

static const char *const health_names[] = {
	[DAQS_AGENT_UNKNOWN] = "unknown",
	[DAQS_AGENT_OK] = "ok",
	[DAQS_AGENT_NOT_CONNECTED] = "not-connected",
	[DAQS_AGENT_ERROR] = "error",
};

const char *daqs_guest_state_name(enum daqs_guest_state s)
{
	return (size_t)s < sizeof(state_names) / sizeof(*state_names) ? state_names[s] : "?";
}

const char *daqs_agent_health_name(enum daqs_agent_health h)
{
	return (size_t)h < sizeof(health_names) / sizeof(*health_names) ? health_names[h] : "?";
}

void daqs_cycle_log(const struct daqs_cycle *c, enum daqs_log_prio prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	daqs_logv(c->cfg.log, c->cfg.log_ud, prio, fmt, ap);
	va_end(ap);
}

struct daqs_gvm *daqs_cycle_find(const struct daqs_cycle *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i]->state != DAQS_GUEST_GONE && !strcmp(c->v[i]->name, name))
			return c->v[i];
	return NULL;
}

bool daqs_gvm_has_host(const struct daqs_gvm *v)
{
	return v->host_iface[0] || v->vf.count;
}

const char *daqs_gvm_host_name(const struct daqs_gvm *v)
{
	return v->host_iface[0] ? v->host_iface : v->vf.label;
}

uint64_t daqs_gvm_min(const struct daqs_gvm *v)
{
	return v->pv.st.seen && v->eff.cls == DAQS_CLASS_GUARANTEE ? v->pv.share_min_bps
								   : v->eff.min_bps;
}

const struct daqs_estimator *daqs_gvm_rates(const struct daqs_gvm *v)
{
	return daqs_gvm_has_host(v) && v->hest.have_rate ? &v->hest : &v->est;
}

/* ---- records ---- */

static void estimators_init(const struct daqs_cycle *c, struct daqs_gvm *v)
{
	uint64_t cap = 0;
	struct daqs_estimator_cfg ecfg = {
		.tau_ns = c->sla->ctl.smoothing_ns,
		.max_gap_ns = 5 * c->sla->ctl.period_ns,
	};

	for (size_t l = 0; l < c->sla->n_links; l++)
		cap = c->sla->links[l].capacity_bps > cap ? c->sla->links[l].capacity_bps : cap;
	ecfg.max_bps = cap ? 10.0 * (double)cap : 1e13; /* 10 x the fastest link: implausible */
	daqs_estimator_init(&v->est, &ecfg);
	daqs_estimator_init(&v->hest, &ecfg);
}

static struct daqs_gvm *gvm_new(struct daqs_cycle *c, const char *name, bool libvirt)
{
	struct daqs_gvm *v = daqs_calloc(1, sizeof(*v));

	snprintf(v->name, sizeof(v->name), "%s", name);
	v->libvirt = libvirt;
	v->state = DAQS_GUEST_FIND_IFACE;
	v->in_force = DAQS_RATE_UNLIMITED;
	estimators_init(c, v);
	daqs_grow((void **)&c->v, &c->cap, c->n + 1, sizeof(*c->v));
	c->v[c->n++] = v;
	return v;
}

void daqs_gvm_free(struct daqs_gvm *v)
{
	daqs_sla_vm_clear(&v->meta_ent);
	free(v->agent_path);
	free(v);
}

void daqs_gvm_refind(struct daqs_gvm *v)
{
	if (v->state == DAQS_GUEST_RETIRING || v->state == DAQS_GUEST_GONE)
		return;
	v->state = v->iface[0] ? DAQS_GUEST_REFIND : DAQS_GUEST_FIND_IFACE;
}

/*
 * The tap host_counters: auto counts: that of the domain's one NIC with the
 * MAC the guest's interface is found by. An SLA that names the interface
 * and no MAC gets one only when the domain has a single NIC with a tap
 * (which of several the guest calls that name, the XML does not say). None
 * when the tap may carry only part of the VM's traffic: the domain has a
 * hostdev (a VF), the VM holds a VF (pool, host_vf), or it is shaped on a
 * bond: a bond is there to move the traffic to another NIC (a VF or a
 * stand-in plugged with the same MAC), and it does so before the domain's
 * XML says a second NIC is there, so its tap would count a VM sending
 * through the other NIC as idle (vf-hotplug.sh: G's worst second fell to
 * 108.7 Mbit/s of its 250 mbit min at a move).
 */
bool daqs_gvm_tap_whole(const struct daqs_gvm *v)
{
	const struct daqs_sla_vm *e = v->ent;

	if (v->nics.n_hostdev || v->vf.pool_pf[0] || v->vf.pf[0] || (e && e->host_vf_pf) ||
	    !strcmp(v->kind, "bond"))
		return false;
	for (size_t i = 0; i < v->nics.n; i++)
		if (!strcmp(v->nics.v[i].type, "hostdev"))
			return false;
	return true;
}

const char *daqs_gvm_backstop_why(const struct daqs_gvm *v, uint64_t now_ns)
{
	if (v->limited)
		return "backstop: the agent cannot run tc";
	if (v->tamper_until_ns > now_ns)
		return "backstop: its tc was changed in the guest";
	if (v->xc.distrust)
		return "backstop: the agent's counters are not believed";
	if (v->health == DAQS_AGENT_NOT_CONNECTED || v->health == DAQS_AGENT_ERROR)
		return "backstop: the agent does not answer";
	return NULL;
}

const char *daqs_gvm_whole_tap(const struct daqs_gvm *v)
{
	const struct daqs_sla_vm *e = v->ent;
	const struct daqs_domxml_nic *nic = daqs_domxml_find_mac(&v->nics, v->mac);
	size_t taps = 0;

	if (!daqs_gvm_tap_whole(v))
		return "";
	if (e && e->iface && !e->mac) {
		for (size_t i = 0; i < v->nics.n; i++)
			if (v->nics.v[i].dev[0]) {
				taps++;
				nic = &v->nics.v[i];
			}
		if (taps != 1)
			return "";
	}
	return nic ? nic->dev : "";
}

void daqs_gvm_host_pick(const struct daqs_cycle *c, struct daqs_gvm *v)
{
	const struct daqs_sla_vm *e = v->ent;
	enum daqs_host_counters hc = e ? e->host_counters : c->sla->defaults.host_counters;
	const char *dev = "";
	char was[DAQS_IFNAMSIZ];
	bool was_auto = v->host_auto;

	memcpy(was, v->host_iface, sizeof(was));
	v->host_auto = false;
	if (e && e->host_iface) {
		dev = e->host_iface;
	} else if (v->libvirt && hc == DAQS_HOST_COUNTERS_AUTO) {
		dev = daqs_gvm_whole_tap(v);
		v->host_auto = dev[0] != '\0';
	}
	snprintf(v->host_iface, sizeof(v->host_iface), "%s", dev);
	if (!strcmp(was, v->host_iface) && was_auto == v->host_auto)
		return;
	if (strcmp(was, v->host_iface)) { /* another netdev: its counters are a new series */
		daqs_estimator_reset(&v->hest);
		daqs_crosscheck_reset(&v->xc);
		daqs_tapmatch_reset(&v->tm);
		v->host_failing = false;
		v->pinned[0] = '\0';
	}
	if (v->host_iface[0])
		daqs_cycle_log(c, DAQS_LOG_INFO, "guest '%s': host counters from '%s' (%s)",
			       v->name, v->host_iface,
			       v->host_auto ? "its tap, from the domain XML" : "host_interface");
	else
		daqs_cycle_log(c, DAQS_LOG_INFO,
			       "guest '%s': no host counters (were from '%s'); deciding on the "
			       "agent's",
			       v->name, was);
}

/* "guarantee, min 250mbit, max 1gbit, weight 2": what a metadata entry says, for the log. */
static void entry_summary(const struct daqs_sla_vm *e, char *buf, size_t len)
{
	char min[32] = "", max[32] = "-";

	if (e->cls == DAQS_CLASS_GUARANTEE)
		daqs_units_format_rate(e->min_bps, min, sizeof(min));
	if (e->max_bps != DAQS_RATE_UNLIMITED)
		daqs_units_format_rate(e->max_bps, max, sizeof(max));
	snprintf(buf, len, "%s%s%s, max %s, weight %u", daqs_class_name(e->cls),
		 min[0] ? ", min " : "", min, max, e->weight);
}

static bool live(const struct daqs_gvm *v);

void daqs_cycle_link_admission(const struct daqs_cycle *c, size_t li, const struct daqs_gvm *skip,
			       struct daqs_admission *a)
{
	const struct daqs_sla_link *lk = &c->sla->links[li];

	daqs_admission_init(a, lk->capacity_auto ? c->speed_bps[li] : lk->capacity_bps,
			    daqs_sla_link_admission(c->sla, li));
	daqs_sla_link_commit(c->sla, li, a);
	for (size_t i = 0; i < c->n; i++) {
		const struct daqs_gvm *v = c->v[i];

		if (v != skip && live(v) && v->ent == &v->meta_ent && v->meta_ent.link == li &&
		    v->meta_ent.cls == DAQS_CLASS_GUARANTEE)
			daqs_admission_add(a, v->meta_ent.min_bps);
	}
}

/* A metadata guarantee admitted on its link? 0, or -ENOSPC with why (first come, first served). */
static int admit_meta(const struct daqs_cycle *c, const struct daqs_gvm *v,
		      const struct daqs_sla_vm *e, char *why, size_t n)
{
	struct daqs_admission a;
	char fit[224];
	int r;

	if (e->cls != DAQS_CLASS_GUARANTEE)
		return 0;
	daqs_cycle_link_admission(c, e->link, v, &a);
	r = daqs_admission_fits(&a, e->min_bps, fit, sizeof(fit));
	if (r != -ENOSPC)
		return 0; /* fits, or the capacity is not known yet (auto): not refused */
	snprintf(why, n, "admission on link '%s': %s", c->sla->links[e->link].name, fit);
	return r;
}

/*
 * The SLA entry a libvirt guest follows: the file's (by name or uuid) wins;
 * else its domain metadata's (unless controller: metadata: false), checked
 * like a file entry, and admitted on its link (a Guarantee minimum that
 * does not fit the link's admission share is refused); else the defaults
 * (NULL). A refusal, an ignored
 * element and a change of what it follows are logged once each.
 */
static const struct daqs_sla_vm *libvirt_ent(struct daqs_cycle *c, struct daqs_gvm *v)
{
	const struct daqs_sla_vm *e =
		daqs_sla_find_vm(c->sla, v->name, v->uuid[0] ? v->uuid : NULL);
	const struct daqs_sla_meta *m = &v->nics.meta;
	char said[sizeof(v->sla_said)] = "", summary[128], why[320];
	const char *src = e ? "file" : "defaults";
	enum daqs_log_prio prio = DAQS_LOG_NOTICE;
	struct daqs_diags d;

	daqs_sla_vm_clear(&v->meta_ent);
	v->meta_error[0] = '\0';
	if (e && m->present) {
		snprintf(v->meta_error, sizeof(v->meta_error),
			 "its domain metadata is ignored: the SLA file lists it (the file wins)");
	} else if (m->present && !c->sla->ctl.metadata) {
		snprintf(v->meta_error, sizeof(v->meta_error),
			 "its domain metadata is ignored (controller: metadata: false)");
	} else if (m->present) {
		int mr;

		daqs_diags_init(&d);
		mr = daqs_sla_meta_vm(c->sla, v->name, m, &v->meta_ent, &d);
		if (mr == 0 && admit_meta(c, v, &v->meta_ent, why, sizeof(why))) {
			snprintf(v->meta_error, sizeof(v->meta_error),
				 "its domain metadata is refused, the SLA's defaults apply: %s",
				 why);
			daqs_sla_vm_clear(&v->meta_ent);
			prio = DAQS_LOG_WARNING;
		} else if (mr == 0) {
			src = "metadata";
			e = &v->meta_ent;
			entry_summary(e, summary, sizeof(summary));
			snprintf(said, sizeof(said), "SLA from its domain metadata: %s", summary);
			prio = DAQS_LOG_INFO;
		} else {
			snprintf(v->meta_error, sizeof(v->meta_error),
				 "its domain metadata is refused, the SLA's defaults apply: %s%s",
				 d.n ? d.v[0].msg : "?",
				 daqs_diags_count(&d) > 1 ? " (and more)" : "");
			prio = DAQS_LOG_WARNING;
		}
		daqs_diags_free(&d);
	} else if (!strcmp(v->sla_source, "metadata")) {
		snprintf(said, sizeof(said),
			 "its domain metadata is gone; the SLA's defaults apply");
	}
	if (v->meta_error[0])
		snprintf(said, sizeof(said), "%s", v->meta_error);
	if (said[0] && strcmp(said, v->sla_said))
		daqs_cycle_log(c, prio, "guest '%s': %s", v->name, said);
	snprintf(v->sla_said, sizeof(v->sla_said), "%s", said);
	snprintf(v->sla_source, sizeof(v->sla_source), "%s", src);
	return e;
}

/* Where to shape: the SLA's interface, else discovery by the SLA's or the domain's MAC. */
static void reach(const struct daqs_cycle *c, struct daqs_gvm *v, const struct daqs_sla_vm *e,
		  const char *mac)
{
	const char *iface = e && e->iface ? e->iface : "";

	if (e && e->mac)
		mac = e->mac;
	if (strcmp(iface, v->iface_cfg) || strcmp(mac ? mac : "", v->mac)) {
		daqs_gvm_refind(v);
		v->pinned[0] = '\0'; /* the SLA points elsewhere now */
	}
	snprintf(v->iface_cfg, sizeof(v->iface_cfg), "%s", iface);
	snprintf(v->mac, sizeof(v->mac), "%s", mac ? mac : "");
	daqs_gvm_host_pick(c, v);
}

/* Socket guests follow the SLA: created, re-pointed, retired. */
static void reconcile_sockets(struct daqs_cycle *c)
{
	for (size_t i = 0; i < c->n; i++) {
		struct daqs_gvm *v = c->v[i];
		const struct daqs_sla_vm *e;

		if (v->libvirt || v->state == DAQS_GUEST_GONE)
			continue;
		e = daqs_sla_find_vm(c->sla, v->name, NULL);
		if ((!e || !e->agent) && v->state != DAQS_GUEST_RETIRING) {
			daqs_cycle_log(c, DAQS_LOG_NOTICE,
				       "guest '%s': no longer in the SLA file; removing its limit",
				       v->name);
			v->state = DAQS_GUEST_RETIRING;
			v->retire_tries = 0;
		}
	}
	for (size_t i = 0; i < c->sla->n_vms; i++) {
		const struct daqs_sla_vm *e = &c->sla->vms[i];
		struct daqs_gvm *v;

		if (!e->agent || !e->name)
			continue;
		v = daqs_cycle_find(c, e->name);
		if (v && v->libvirt) {
			daqs_cycle_log(
				c, DAQS_LOG_WARNING,
				"guest '%s': is a libvirt domain and has 'agent:' in the SLA; "
				"using libvirt",
				e->name);
			continue;
		}
		if (!v)
			v = gvm_new(c, e->name, false);
		else if (v->state == DAQS_GUEST_RETIRING)
			v->state = v->iface[0] ? DAQS_GUEST_VERIFY : DAQS_GUEST_FIND_IFACE;
		if (!v->agent_path || strcmp(v->agent_path, e->agent)) {
			free(v->agent_path);
			v->agent_path = daqs_strdup(e->agent); /* the driver opens a new session */
		}
		v->ent = e;
		reach(c, v, e, NULL);
	}
}

struct daqs_cycle *daqs_cycle_new(const struct daqs_cycle_cfg *cfg, struct daqs_sla *sla)
{
	struct daqs_cycle *c = daqs_calloc(1, sizeof(*c));
	size_t nl = sla->n_links ? sla->n_links : 1;

	c->cfg = *cfg;
	c->sla = sla;
	c->policy = daqs_policy_new(cfg->kind, sla);
	c->speed_bps = daqs_calloc(nl, sizeof(*c->speed_bps));
	c->speed_err = daqs_calloc(nl, sizeof(*c->speed_err));
	c->speed_seen = daqs_calloc(nl, sizeof(*c->speed_seen));
	c->link_tx_bytes = daqs_calloc(nl, sizeof(*c->link_tx_bytes));
	reconcile_sockets(c);
	return c;
}

void daqs_cycle_free(struct daqs_cycle *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		daqs_gvm_free(c->v[i]);
	free(c->v);
	daqs_overrides_free(&c->ovr);
	daqs_policy_free(c->policy);
	daqs_sla_free(c->sla);
	daqs_snapshot_clear(&c->snap);
	free(c->speed_bps);
	free(c->pfcaps);
	free(c->pf_rule_said);
	free(c->speed_err);
	free(c->speed_seen);
	free(c->link_tx_bytes);
	free(c);
}

static bool same_links(const struct daqs_sla *a, const struct daqs_sla *b)
{
	if (a->n_links != b->n_links)
		return false;
	for (size_t i = 0; i < a->n_links; i++)
		if (strcmp(a->links[i].name, b->links[i].name))
			return false;
	return true;
}

/*
 * The links' transmitted-byte counts across a reload, by link name: a link
 * keeps its count under its name, a new name starts at 0 and a name no
 * longer there is dropped (a renamed link is a new series; its VMs count
 * there from now on).
 */
static void carry_link_counts(struct daqs_cycle *c, const struct daqs_sla *old,
			      const struct daqs_sla *sla)
{
	uint64_t *n = daqs_calloc(sla->n_links ? sla->n_links : 1, sizeof(*n));

	for (size_t i = 0; i < sla->n_links; i++)
		for (size_t j = 0; j < old->n_links; j++)
			if (!strcmp(sla->links[i].name, old->links[j].name))
				n[i] = c->link_tx_bytes[j];
	free(c->link_tx_bytes);
	c->link_tx_bytes = n;
}

void daqs_cycle_set_sla(struct daqs_cycle *c, struct daqs_sla *sla)
{
	struct daqs_sla *old = c->sla;
	size_t nl = sla->n_links ? sla->n_links : 1;

	c->sla = sla;
	carry_link_counts(c, old, sla);
	if (same_links(old, sla)) {
		daqs_policy_set_sla(c->policy, sla);
	} else {
		daqs_cycle_log(c, DAQS_LOG_NOTICE,
			       "reload: the links changed; the policy starts afresh");
		daqs_policy_free(c->policy);
		c->policy = daqs_policy_new(c->cfg.kind, sla);
		for (size_t i = 0; i < c->n; i++)
			daqs_policy_vm_reset(&c->v[i]->pv);
	}
	/*
	 * capacity: auto links are read again at once; sized for the new links
	 * before admission below reads them (an added link was past the old arrays)
	 */
	free(c->speed_bps);
	free(c->speed_err);
	free(c->speed_seen);
	c->speed_bps = daqs_calloc(nl, sizeof(*c->speed_bps));
	c->speed_err = daqs_calloc(nl, sizeof(*c->speed_err));
	c->speed_seen = daqs_calloc(nl, sizeof(*c->speed_seen));
	/* metadata admissions of the old SLA (old link indexes) count for nothing: re-admitted below */
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i]->ent == &c->v[i]->meta_ent)
			c->v[i]->ent = NULL;
	for (size_t i = 0; i < c->n; i++) { /* entries of the old SLA are gone */
		struct daqs_gvm *v = c->v[i];

		v->ent = v->libvirt ? libvirt_ent(c, v)
				    : daqs_sla_find_vm(sla, v->name, v->uuid[0] ? v->uuid : NULL);
		if (v->libvirt)
			reach(c, v, v->ent, v->dom_mac[0] ? v->dom_mac : NULL);
		/*
		 * eff held the old SLA's strings and link index: taken from the new
		 * one now, not at the next policy_inputs (what runs before it, the
		 * VF dump list, the status of a retiring VM, would read freed
		 * memory or a link that is gone). A VM that left the SLA gets its
		 * defaults; what it must still undo (tc, its VF) it keeps itself.
		 */
		daqs_overrides_effective(sla, v->ent, v->name,
					 daqs_overrides_find(&c->ovr, v->name), &v->eff);
	}
	c->sla_error[0] = '\0';
	reconcile_sockets(c);
	daqs_sla_free(old);
}

const struct daqs_sla *daqs_cycle_sla(const struct daqs_cycle *c)
{
	return c->sla;
}

/* ---- events ---- */

void daqs_cycle_upsert(struct daqs_cycle *c, const char *name, const char *uuid,
		       const struct daqs_domxml_nics *nics)
{
	struct daqs_gvm *v = daqs_cycle_find(c, name);
	const char *mac = daqs_domxml_first_mac(nics);

	if (v && !v->libvirt) {
		daqs_cycle_log(c, DAQS_LOG_WARNING,
			       "guest '%s': a libvirt domain of that name appeared; using libvirt "
			       "instead of the SLA's agent socket",
			       name);
		v->libvirt = true;
		free(v->agent_path);
		v->agent_path = NULL; /* the driver attaches libvirt's session next */
	}
	if (!v) {
		v = gvm_new(c, name, true);
		daqs_cycle_log(c, DAQS_LOG_INFO, "guest '%s': added (libvirt)", name);
	}
	snprintf(v->uuid, sizeof(v->uuid), "%s", uuid ? uuid : "");
	snprintf(v->dom_mac, sizeof(v->dom_mac), "%s", mac ? mac : "");
	if (nics)
		v->nics = *nics;
	else
		v->nics.n = v->nics.n_seen = 0;
	v->ent = libvirt_ent(c, v);
	reach(c, v, v->ent, mac);
	/* eff may borrow the strings of the metadata entry just replaced */
	daqs_overrides_effective(c->sla, v->ent, v->name, daqs_overrides_find(&c->ovr, v->name),
				 &v->eff);
}

void daqs_cycle_remove(struct daqs_cycle *c, const char *name)
{
	struct daqs_gvm *v = daqs_cycle_find(c, name);

	if (!v || !v->libvirt)
		return;
	v->state = DAQS_GUEST_GONE;
	daqs_cycle_log(c, DAQS_LOG_INFO, "guest '%s': removed (domain stopped or undefined)", name);
}

int daqs_cycle_attach(struct daqs_cycle *c, const char *name, void *user, void **old)
{
	struct daqs_gvm *v = daqs_cycle_find(c, name);

	*old = NULL;
	if (!v)
		return -ENOENT;
	*old = v->user;
	v->user = user;
	v->skip = v->backoff = 0;
	daqs_gvm_refind(v);
	return 0;
}

void daqs_cycle_kick(struct daqs_cycle *c, const char *name)
{
	struct daqs_gvm *v = daqs_cycle_find(c, name);

	if (!v)
		return;
	daqs_gvm_refind(v);
	v->skip = v->backoff = 0;
}

void daqs_cycle_set_vf(struct daqs_cycle *c, const char *name, const char *pf, uint32_t vf)
{
	struct daqs_gvm *v = daqs_cycle_find(c, name);

	if (!v)
		return;
	snprintf(v->vf.pool_pf, sizeof(v->vf.pool_pf), "%s", pf ? pf : "");
	v->vf.pool_idx = vf;
}

void daqs_cycle_vf_moving(struct daqs_cycle *c, const char *name)
{
	struct daqs_gvm *v = daqs_cycle_find(c, name);

	if (v)
		v->move_mark = true;
}

/*
 * capacity: auto, a speed read (or changed): the guarantees committed on the
 * link, checked as the file's would be at load time; a shortfall is said
 * (the file was accepted; what no longer fits is the operator's to fix).
 */
static void admission_of_speed(const struct daqs_cycle *c, size_t link)
{
	struct daqs_admission a;
	char com[32], adm[32];

	daqs_cycle_link_admission(c, link, NULL, &a);
	if (a.committed_bps <= a.admittable_bps)
		return;
	daqs_units_format_rate(a.committed_bps, com, sizeof(com));
	daqs_units_format_rate(a.admittable_bps, adm, sizeof(adm));
	daqs_cycle_log(c, DAQS_LOG_WARNING,
		       "link '%s': the min rates of its %u guarantee VM%s sum to %s, more than the "
		       "%s its capacity and admission (%g%%) allow: not every minimum can be held",
		       c->sla->links[link].name, a.guarantees, a.guarantees == 1 ? "" : "s", com,
		       adm, a.share_ppm / 10000.0);
}

void daqs_cycle_link_speed(struct daqs_cycle *c, size_t link, uint64_t bps, int err)
{
	const struct daqs_sla_link *lk;

	if (link >= c->sla->n_links)
		return;
	lk = &c->sla->links[link];
	if (err)
		bps = 0;
	if (bps != c->speed_bps[link] || err != c->speed_err[link] || !c->speed_seen[link]) {
		bool changed = bps != c->speed_bps[link] || !c->speed_seen[link];

		if (err)
			daqs_cycle_log(
				c, DAQS_LOG_WARNING,
				"link '%s': cannot read the speed of '%s' (%s); capacity unknown",
				lk->name, lk->device ? lk->device : "", strerror(-err));
		else
			daqs_cycle_log(c, DAQS_LOG_NOTICE,
				       "link '%s': capacity %llu Mb/s from '%s'", lk->name,
				       (unsigned long long)(bps / 1000000ULL),
				       lk->device ? lk->device : "");
		c->speed_bps[link] = bps;
		if (changed && bps && lk->capacity_auto)
			admission_of_speed(c, link);
	}
	c->speed_bps[link] = bps;
	c->speed_err[link] = err;
	c->speed_seen[link] = true;
	daqs_policy_set_capacity(c->policy, link, bps);
}

void daqs_cycle_set_sla_error(struct daqs_cycle *c, const char *msg)
{
	snprintf(c->sla_error, sizeof(c->sla_error), "%s", msg ? msg : "");
}

void daqs_cycle_state_saved(struct daqs_cycle *c, int r, const char *why)
{
	if (r) { /* still due: tried again every period; logged when it starts or changes */
		if (strcmp(c->state_error, why))
			daqs_cycle_log(c, DAQS_LOG_ERR,
				       "state: %s (control goes on; retried every cycle)", why);
		snprintf(c->state_error, sizeof(c->state_error), "%s", why);
		return;
	}
	if (c->state_error[0])
		daqs_cycle_log(c, DAQS_LOG_NOTICE, "state: written again");
	c->state_error[0] = '\0';
	c->state_dirty = false;
}

void **daqs_cycle_drop_all(struct daqs_cycle *c, size_t *n)
{
	void **out = daqs_calloc(c->n ? c->n : 1, sizeof(*out));

	*n = 0;
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i]->user) {
			out[(*n)++] = c->v[i]->user;
			c->v[i]->user = NULL;
		}
	return out;
}

/* ---- queries ---- */

const struct daqs_ctl_status *daqs_cycle_status(const struct daqs_cycle *c)
{
	return &c->snap;
}

bool daqs_cycle_known(const struct daqs_cycle *c, const char *name)
{
	return daqs_cycle_find(c, name) || daqs_sla_find_vm(c->sla, name, NULL);
}

uint64_t daqs_cycle_period_ns(const struct daqs_cycle *c)
{
	return c->sla->ctl.period_ns;
}

uint64_t daqs_cycle_count(const struct daqs_cycle *c)
{
	return c->cycles;
}

static bool live(const struct daqs_gvm *v)
{
	return v->state != DAQS_GUEST_GONE && v->state != DAQS_GUEST_RETIRING;
}

size_t daqs_cycle_vf_view(const struct daqs_cycle *c, struct daqs_cycle_vf_vm **out)
{
	size_t k = 0;

	*out = daqs_calloc(c->n ? c->n : 1, sizeof(**out));
	for (size_t i = 0; i < c->n; i++) {
		const struct daqs_gvm *v = c->v[i];
		const struct daqs_estimator *e = daqs_gvm_rates(v);
		struct daqs_cycle_vf_vm *o = &(*out)[k];

		if (!live(v))
			continue;
		snprintf(o->name, sizeof(o->name), "%s", v->name);
		snprintf(o->mac, sizeof(o->mac), "%s", v->mac);
		o->eligible = v->eff.vf_eligible && v->libvirt && v->mac[0];
		o->guarantee = v->eff.cls == DAQS_CLASS_GUARANTEE;
		o->active = o->guarantee && v->pv.st.mode != DAQS_VM_IDLE;
		o->pps = e->have_rate ? e->inst.tx_pps + e->inst.rx_pps : 0;
		o->verified_ns = v->verified_ns;
		k++;
	}
	return k;
}

size_t daqs_cycle_sockets(const struct daqs_cycle *c, struct daqs_cycle_socket **out)
{
	size_t k = 0;

	*out = daqs_calloc(c->n ? c->n : 1, sizeof(**out));
	for (size_t i = 0; i < c->n; i++) {
		const struct daqs_gvm *v = c->v[i];

		if (v->libvirt || !v->agent_path || v->state == DAQS_GUEST_GONE)
			continue;
		snprintf((*out)[k].name, sizeof((*out)[k].name), "%s", v->name);
		(*out)[k].path = v->agent_path;
		(*out)[k++].user = v->user;
	}
	return k;
}

size_t daqs_cycle_libvirt_names(const struct daqs_cycle *c, char ***names)
{
	size_t k = 0;

	*names = daqs_calloc(c->n ? c->n : 1, sizeof(**names));
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i]->libvirt && c->v[i]->state != DAQS_GUEST_GONE)
			(*names)[k++] = daqs_strdup(c->v[i]->name);
	return k;
}

size_t daqs_cycle_limits(const struct daqs_cycle *c, struct daqs_cycle_limit **out)
{
	size_t k = 0;

	*out = daqs_calloc(c->n ? c->n : 1, sizeof(**out));
	for (size_t i = 0; i < c->n; i++) {
		const struct daqs_gvm *v = c->v[i];

		if (v->state == DAQS_GUEST_GONE || !v->in_force_known || !v->iface[0])
			continue;
		snprintf((*out)[k].vm, sizeof((*out)[k].vm), "%s", v->name);
		snprintf((*out)[k].iface, sizeof((*out)[k].iface), "%s", v->iface);
		(*out)[k++].limit_bps = v->in_force;
	}
	return k;
}

/* ---- overrides ---- */

const struct daqs_overrides *daqs_cycle_overrides(const struct daqs_cycle *c)
{
	return &c->ovr;
}

static void expired(void *ud, const char *vm)
{
	daqs_cycle_log(ud, DAQS_LOG_NOTICE, "override: expired for '%s'", vm);
}

void daqs_cycle_restore_overrides(struct daqs_cycle *c, struct daqs_overrides *o, int64_t now_s)
{
	daqs_overrides_free(&c->ovr);
	c->ovr = *o;
	memset(o, 0, sizeof(*o));
	if (daqs_overrides_expire(&c->ovr, now_s, expired, c))
		c->state_dirty = true;
}

/* Every VM present or listed, and each link's capacity, for the fit. */
static int check(const struct daqs_cycle *c, const struct daqs_override *o, char *why, size_t len)
{
	struct daqs_override_vm *vms = daqs_calloc(c->n + c->sla->n_vms + 1, sizeof(*vms));
	uint64_t *cap = daqs_calloc(c->sla->n_links ? c->sla->n_links : 1, sizeof(*cap));
	size_t k = 0;
	int r;

	for (size_t i = 0; i < c->n; i++)
		if (live(c->v[i]))
			vms[k++] = (struct daqs_override_vm){ c->v[i]->name, c->v[i]->ent };
	for (size_t i = 0; i < c->sla->n_vms; i++)
		if (c->sla->vms[i].name && !daqs_cycle_find(c, c->sla->vms[i].name))
			vms[k++] =
				(struct daqs_override_vm){ c->sla->vms[i].name, &c->sla->vms[i] };
	for (size_t l = 0; l < c->sla->n_links; l++) {
		const struct daqs_policy_link_status *ls = daqs_policy_link_status(c->policy, l);

		cap[l] = ls && ls->capacity_bps ? ls->capacity_bps : c->sla->links[l].capacity_bps;
	}
	r = daqs_override_check(c->sla, &c->ovr, o, vms, k, cap, why, len);
	free(vms);
	free(cap);
	return r;
}

int daqs_cycle_override(struct daqs_cycle *c, const struct daqs_override *o,
			struct daqs_cycle_undo *undo, char *why, size_t why_len)
{
	int r;

	if (!daqs_cycle_known(c, o->vm))
		return daqs_why(why, why_len, -ENOENT, "unknown VM '%s'", o->vm);
	r = check(c, o, why, why_len);
	if (r)
		return r;
	snprintf(undo->vm, sizeof(undo->vm), "%s", o->vm);
	daqs_overrides_put(&c->ovr, o, &undo->prev, &undo->had);
	c->state_dirty = true;
	return 0;
}

int daqs_cycle_clear_override(struct daqs_cycle *c, const char *vm, struct daqs_cycle_undo *undo,
			      char *why, size_t why_len)
{
	snprintf(undo->vm, sizeof(undo->vm), "%s", vm);
	if (daqs_overrides_drop(&c->ovr, vm, &undo->prev))
		return daqs_why(why, why_len, -ENOENT, "VM '%s' has no override", vm);
	undo->had = true;
	c->state_dirty = true;
	return 0;
}

void daqs_cycle_override_undo(struct daqs_cycle *c, const struct daqs_cycle_undo *undo)
{
	daqs_overrides_undo(&c->ovr, undo->vm, &undo->prev, undo->had);
}
