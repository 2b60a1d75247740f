/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daqsd's per-period work: sample, decide, enforce, publish (see controller.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent_socket.h"
#include "clock.h"
#include "controller.h"
#include "diag.h"
#include "estimator.h"
#include "guest.h"
#include "host_counters.h"
#include "mem.h"
#include "pf_netlink.h"
#include "poller.h"
#include "state.h"
#include "units.h"

#define NS_PER_S 1000000000ULL
#define SAMPLE_MIN_NS (50ULL * 1000000ULL) /* sampling deadline: >= 50 ms ... */
#define SAMPLE_MAX_NS (2ULL * NS_PER_S)	   /* ... <= 2 s, else period / 2 */
#define APPLY_MIN_NS (2ULL * NS_PER_S)	   /* tc under TCG: ~80 ms per exec, 5 execs */
#define BACKOFF_MAX_NS (5ULL * NS_PER_S)   /* a timed-out guest is skipped for at most this long */
#define RETIRE_TRIES 10			   /* attempts to remove a dropped guest's limit */
#define SPEED_EVERY_NS (5ULL * NS_PER_S)   /* capacity: auto re-read */

enum agent_state { AG_UNKNOWN, AG_OK, AG_LIMITED, AG_NOT_CONNECTED, AG_ERROR };
static const char *const agent_names[] = {
	[AG_UNKNOWN] = "unknown",	[AG_OK] = "ok",
	[AG_LIMITED] = "agent-limited", [AG_NOT_CONNECTED] = "not-connected",
	[AG_ERROR] = "error",
};

struct cvm {
	struct daqs_controller *c;
	char name[DAQS_SLA_NAME_MAX + 1];
	char uuid[37];
	bool libvirt;	  /* added by upsert (else from the SLA's agent:) */
	char *agent_path; /* socket guests */
	struct daqs_guest *g;
	struct daqs_guest *pending_g; /* new transport, swapped in at the next cycle */
	char mac[18];
	char iface_cfg[DAQS_IFNAMSIZ];
	char iface[DAQS_IFNAMSIZ];
	char kind[16];
	bool need_discover, need_verify;
	bool do_discover; /* this cycle: discover in the apply phase (its deadline is generous) */
	bool verify_now;  /* this cycle's apply reads the guest's tc back first */
	bool gone;	  /* removed: freed at the next cycle */
	bool retiring;	  /* dropped from the SLA: limit removed, then forgotten */
	unsigned retire_tries;
	uint64_t verified_ns;
	unsigned backoff, skip; /* timed-out guests are probed less often */
	struct daqs_estimator est;
	struct daqs_policy_vm pv;
	const struct daqs_sla_vm *ent; /* its entry in the SLA in force; NULL = defaults */
	struct daqs_sla_vm eff;	       /* that entry (or defaults) with any override applied */
	bool overridden;
	int64_t override_left_s;
	uint64_t in_force; /* limit known in force */
	bool in_force_known;
	uint64_t in_force_ns; /* since when (monotonic) */
	unsigned over;	      /* consecutive rates well above in_force */
	/* host-side counters (SLA host_interface): a source the guest cannot forge */
	char host_iface[DAQS_IFNAMSIZ];
	struct daqs_estimator hest;
	struct daqs_sample hsmp;
	int host_r;		  /* this cycle's read: 0 or -errno */
	bool host_failing;	  /* reported */
	unsigned disagree, agree; /* consecutive rates where agent and host (dis)agree */
	bool distrust;		  /* the agent's counters disagree with the host's: reported */
	/* host-side counters from the VF (no host_interface; the PF's per-VF stats) */
	bool vf_count;	    /* they are this VM's host counters now */
	char vfc_label[48]; /* "VF N of PF" counted ("" none) */
	bool vfc_moved;	    /* they advanced since the VF was first seen (a NIC may report 0s) */
	struct daqs_counters vfc_first;
	/* this cycle */
	bool sampled;
	int sample_r;
	struct daqs_sample smp;
	bool do_apply;
	uint64_t target;
	int apply_r;
	bool apply_ran;
	char msg[256]; /* first thing the agent layers logged during this job */
	/* status */
	enum agent_state agent;
	char last_error[256];
	uint64_t agent_errors, applies;
	uint64_t limit_lost; /* times found sending well above its limit */
	/* host-side VF rate (see controller.h) */
	char vf_pool_pf[DAQS_IFNAMSIZ]; /* the vf_pool's VF it holds ("" none) */
	uint32_t vf_pool_idx;
	char vf_pf[DAQS_IFNAMSIZ]; /* the VF whose rate we set ("" none) */
	uint32_t vf_idx;
	uint32_t vf_mbps;    /* the max_tx_rate written there (0 = no cap) */
	uint32_t vf_min;     /* the min_tx_rate written there (0 = none) */
	bool vf_use;	     /* this cycle: the policy's limit (pv.limit_bps) goes on the VF */
	bool vf_failing;     /* reported */
	bool vf_min_refused; /* the NIC refused a min_tx_rate: the max alone from now on */
	char vf_why[96];     /* why the VF carries the limit, or "" */
};

struct daqs_controller {
	pthread_mutex_t lock;
	struct daqs_controller_cfg cfg;
	char *state_dir;
	struct daqs_sla *sla;
	char sla_error[512];
	char state_error[512]; /* "" or why the last state write failed */
	struct daqs_policy *policy;
	struct daqs_poller *poller;
	struct cvm **v;
	size_t n, cap;
	struct daqs_state_override *ovr;
	size_t n_ovr, ovr_cap;
	bool state_dirty;
	uint64_t cycles;
	double cycle_ms;
	uint64_t speed_ns;
	uint64_t speed_bps[DAQS_SLA_MAX_LINKS]; /* capacity: auto, last read */
	bool speed_seen[DAQS_SLA_MAX_LINKS];
	struct daqs_ctl_status snap;
};

/* ---- logging ---- */

static void ctl_log(struct daqs_controller *c, enum daqs_log_prio prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void ctl_log(struct daqs_controller *c, enum daqs_log_prio prio, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (!c->cfg.log)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	c->cfg.log(c->cfg.log_ud, prio, buf);
}

/* The agent layers' log callback: keep the first message of the job; the
 * cycle logs it once per transition (never once per cycle). */
static void guest_msg(void *ud, const char *msg)
{
	struct cvm *v = ud;

	if (!v->msg[0])
		snprintf(v->msg, sizeof(v->msg), "%s", msg);
}

/* ---- guests ---- */

static struct cvm *find(struct daqs_controller *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (!c->v[i]->gone && !strcmp(c->v[i]->name, name))
			return c->v[i];
	return NULL;
}

static void estimator_init(struct daqs_controller *c, struct cvm *v)
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

static struct cvm *cvm_new(struct daqs_controller *c, const char *name)
{
	struct cvm *v = daqs_calloc(1, sizeof(*v));

	v->c = c;
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->need_discover = true;
	v->need_verify = true;
	v->in_force = DAQS_RATE_UNLIMITED;
	estimator_init(c, v);
	daqs_grow((void **)&c->v, &c->cap, c->n + 1, sizeof(*c->v));
	c->v[c->n++] = v;
	return v;
}

static void cvm_free(struct cvm *v)
{
	daqs_guest_free(v->g);
	daqs_guest_free(v->pending_g);
	free(v->agent_path);
	free(v);
}

static struct daqs_guest *socket_guest(struct cvm *v, const char *path)
{
	return daqs_guest_new(daqs_agent_socket_new(path, guest_msg, v), v->name, guest_msg, v);
}

/* Where to shape: interface from the SLA, else discovery by MAC. */
static void cvm_reach(struct cvm *v, const struct daqs_sla_vm *e, const char *mac)
{
	const char *iface = e && e->iface ? e->iface : "";

	if (e && e->mac)
		mac = e->mac;
	if (strcmp(iface, v->iface_cfg) || strcmp(mac ? mac : "", v->mac))
		v->need_discover = true;
	snprintf(v->iface_cfg, sizeof(v->iface_cfg), "%s", iface);
	snprintf(v->mac, sizeof(v->mac), "%s", mac ? mac : "");
	snprintf(v->host_iface, sizeof(v->host_iface), "%s",
		 e && e->host_iface ? e->host_iface : "");
}

/* Socket guests follow the SLA: create, re-point, retire. */
static void reconcile_sockets(struct daqs_controller *c)
{
	for (size_t i = 0; i < c->n; i++) {
		struct cvm *v = c->v[i];
		const struct daqs_sla_vm *e;

		if (v->libvirt || v->gone)
			continue;
		e = daqs_sla_find_vm(c->sla, v->name, NULL);
		if (!e || !e->agent) {
			if (!v->retiring)
				ctl_log(c, DAQS_LOG_NOTICE,
					"guest '%s': no longer in the SLA file; removing its limit",
					v->name);
			v->retiring = true;
		}
	}
	for (size_t i = 0; i < c->sla->n_vms; i++) {
		const struct daqs_sla_vm *e = &c->sla->vms[i];
		struct cvm *v;

		if (!e->agent)
			continue;
		v = find(c, e->name);
		if (v && v->libvirt) {
			ctl_log(c, DAQS_LOG_WARNING,
				"guest '%s': is a libvirt domain and has 'agent:' in the SLA; "
				"using "
				"libvirt",
				e->name);
			continue;
		}
		if (!v) {
			v = cvm_new(c, e->name);
		} else if (v->retiring) {
			v->retiring = false;
		}
		if (!v->agent_path || strcmp(v->agent_path, e->agent)) {
			free(v->agent_path);
			v->agent_path = daqs_strdup(e->agent);
			daqs_guest_free(v->pending_g);
			v->pending_g = socket_guest(v, e->agent);
			v->need_discover = true;
		}
		v->ent = e;
		cvm_reach(v, e, NULL);
	}
}

/* ---- overrides ---- */

static struct daqs_state_override *find_ovr(struct daqs_controller *c, const char *vm)
{
	for (size_t i = 0; i < c->n_ovr; i++)
		if (!strcmp(c->ovr[i].vm, vm))
			return &c->ovr[i];
	return NULL;
}

static void drop_ovr(struct daqs_controller *c, struct daqs_state_override *o)
{
	size_t i = (size_t)(o - c->ovr);

	memmove(&c->ovr[i], &c->ovr[i + 1], (c->n_ovr - i - 1) * sizeof(*o));
	c->n_ovr--;
}

static void apply_ovr(struct daqs_sla_vm *e, const struct daqs_state_override *o)
{
	if (o->has_class)
		e->cls = o->cls;
	if (o->has_min)
		e->min_bps = o->min_bps;
	if (o->has_max)
		e->max_bps = o->max_bps;
	if (o->has_weight)
		e->weight = o->weight;
	if (e->cls == DAQS_CLASS_BEST_EFFORT)
		e->min_bps = 0;
}

/* What the SLA entry e (NULL: the defaults) plus an override (o, may be NULL) says of VM name. */
static void effective(struct daqs_controller *c, const struct daqs_sla_vm *e, const char *name,
		      const struct daqs_state_override *o, struct daqs_sla_vm *out)
{
	if (e)
		*out = *e;
	else
		daqs_sla_vm_default(c->sla, name, out);
	if (o)
		apply_ovr(out, o);
}

static void expire_overrides(struct daqs_controller *c)
{
	time_t now = time(NULL);

	for (size_t i = 0; i < c->n_ovr;) {
		if (c->ovr[i].expires && c->ovr[i].expires <= now) {
			ctl_log(c, DAQS_LOG_NOTICE, "override: expired for '%s'", c->ovr[i].vm);
			drop_ovr(c, &c->ovr[i]);
			c->state_dirty = true;
			continue;
		}
		i++;
	}
}

/* ---- state file ---- */

static void state_build(struct daqs_controller *c, struct daqs_state *st)
{
	memset(st, 0, sizeof(*st));
	st->ovr = daqs_calloc(c->n_ovr ? c->n_ovr : 1, sizeof(*st->ovr));
	if (c->n_ovr)
		memcpy(st->ovr, c->ovr, c->n_ovr * sizeof(*c->ovr));
	st->n_ovr = c->n_ovr;
	st->app = daqs_calloc(c->n ? c->n : 1, sizeof(*st->app));
	for (size_t i = 0; i < c->n; i++) {
		struct cvm *v = c->v[i];

		if (v->gone || !v->in_force_known || !v->iface[0])
			continue;
		snprintf(st->app[st->n_app].vm, sizeof(st->app[0].vm), "%s", v->name);
		snprintf(st->app[st->n_app].iface, sizeof(st->app[0].iface), "%s", v->iface);
		st->app[st->n_app++].limit_bps = v->in_force;
	}
}

/* Called with the lock held. */
static int state_save(struct daqs_controller *c, char *why, size_t why_len)
{
	struct daqs_state st;
	int r;

	if (!c->state_dir)
		return 0;
	state_build(c, &st);
	r = daqs_state_save(c->state_dir, &st, why, why_len);
	daqs_state_clear(&st);
	if (r) { /* kept dirty: tried again every cycle; logged when it starts or changes */
		if (strcmp(c->state_error, why))
			ctl_log(c, DAQS_LOG_ERR, "state: %s (control goes on; retried every cycle)",
				why);
		snprintf(c->state_error, sizeof(c->state_error), "%s", why);
	} else {
		if (c->state_error[0])
			ctl_log(c, DAQS_LOG_NOTICE, "state: written again to %s/state.json",
				c->state_dir);
		c->state_error[0] = '\0';
		c->state_dirty = false;
	}
	return r;
}

static int state_restore(struct daqs_controller *c)
{
	struct daqs_state st;
	char why[512];
	int r = daqs_state_load(c->state_dir, &st, why, sizeof(why));

	if (r == -ENOENT)
		return 0;
	if (r) {
		ctl_log(c, DAQS_LOG_ERR, "state: ignoring the state file: %s", why);
		return 0; /* refuse the file, not the start: said once, loudly */
	}
	c->ovr = st.ovr;
	c->n_ovr = c->ovr_cap = st.n_ovr;
	st.ovr = NULL;
	expire_overrides(c);
	for (size_t i = 0; i < st.n_app; i++)
		ctl_log(c, DAQS_LOG_INFO, "state: '%s' had %s on %s; re-verifying", st.app[i].vm,
			st.app[i].limit_bps == DAQS_RATE_UNLIMITED ? "no limit" : "a limit",
			st.app[i].iface);
	ctl_log(c, DAQS_LOG_INFO, "state: restored %zu override(s) from %s/state.json", c->n_ovr,
		c->state_dir);
	daqs_state_clear(&st);
	return 0;
}

/* ---- lifecycle ---- */

int daqs_controller_new(const struct daqs_controller_cfg *cfg, struct daqs_sla *sla,
			struct daqs_controller **out)
{
	struct daqs_controller *c = daqs_calloc(1, sizeof(*c));

	pthread_mutex_init(&c->lock, NULL);
	c->cfg = *cfg;
	c->state_dir = cfg->state_dir ? daqs_strdup(cfg->state_dir) : NULL;
	c->cfg.state_dir = c->state_dir;
	c->sla = sla;
	c->policy = daqs_policy_new(cfg->kind, sla);
	c->poller = daqs_poller_new(cfg->workers);
	if (c->state_dir)
		state_restore(c);
	reconcile_sockets(c);
	*out = c;
	return 0;
}

static void snap_clear(struct daqs_ctl_status *s)
{
	free(s->links);
	free(s->vms);
	memset(s, 0, sizeof(*s));
}

void daqs_controller_free(struct daqs_controller *c)
{
	if (!c)
		return;
	daqs_poller_free(c->poller);
	for (size_t i = 0; i < c->n; i++)
		cvm_free(c->v[i]);
	free(c->v);
	free(c->ovr);
	daqs_policy_free(c->policy);
	daqs_sla_free(c->sla);
	snap_clear(&c->snap);
	free(c->state_dir);
	pthread_mutex_destroy(&c->lock);
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

void daqs_controller_set_sla(struct daqs_controller *c, struct daqs_sla *sla)
{
	struct daqs_sla *old;

	pthread_mutex_lock(&c->lock);
	old = c->sla;
	c->sla = sla;
	if (same_links(old, sla)) {
		daqs_policy_set_sla(c->policy, sla);
	} else {
		ctl_log(c, DAQS_LOG_NOTICE, "reload: the links changed; the policy starts afresh");
		daqs_policy_free(c->policy);
		c->policy = daqs_policy_new(c->cfg.kind, sla);
		for (size_t i = 0; i < c->n; i++)
			memset(&c->v[i]->pv.st, 0, sizeof(c->v[i]->pv.st));
	}
	for (size_t i = 0; i < c->n; i++) /* entries of the old SLA are gone */
		c->v[i]->ent = daqs_sla_find_vm(sla, c->v[i]->name,
						c->v[i]->uuid[0] ? c->v[i]->uuid : NULL);
	/* every VM's pv.sla is re-pointed at its eff copy at the next decide */
	memset(c->speed_seen, 0, sizeof(c->speed_seen));
	c->speed_ns = 0; /* re-read auto capacities at once */
	c->sla_error[0] = '\0';
	reconcile_sockets(c);
	pthread_mutex_unlock(&c->lock);
	daqs_sla_free(old);
}

const char *daqs_controller_sla_file(struct daqs_controller *c)
{
	return c->sla->file; /* only the event loop swaps SLAs, and it is the caller */
}

void daqs_controller_set_sla_error(struct daqs_controller *c, const char *msg)
{
	pthread_mutex_lock(&c->lock);
	snprintf(c->sla_error, sizeof(c->sla_error), "%s", msg ? msg : "");
	pthread_mutex_unlock(&c->lock);
}

int daqs_controller_upsert(struct daqs_controller *c, const char *name, const char *uuid,
			   daqs_transport_maker make, void *arg, const char *mac)
{
	struct daqs_agent_transport *t;
	struct cvm *v;

	pthread_mutex_lock(&c->lock);
	v = find(c, name);
	if (v && !v->libvirt) {
		ctl_log(c, DAQS_LOG_WARNING,
			"guest '%s': a libvirt domain of that name appeared; using libvirt instead "
			"of the SLA's agent socket",
			name);
		v->libvirt = true;
		free(v->agent_path);
		v->agent_path = NULL;
	}
	if (!v) {
		v = cvm_new(c, name);
		v->libvirt = true;
		ctl_log(c, DAQS_LOG_INFO, "guest '%s': added (libvirt)", name);
	}
	t = make(arg, guest_msg, v);
	if (!t) {
		ctl_log(c, DAQS_LOG_ERR, "guest '%s': cannot create its agent transport", name);
		pthread_mutex_unlock(&c->lock);
		return -EIO;
	}
	snprintf(v->uuid, sizeof(v->uuid), "%s", uuid ? uuid : "");
	daqs_guest_free(v->pending_g);
	v->pending_g = daqs_guest_new(t, name, guest_msg, v);
	v->need_verify = true;
	v->ent = daqs_sla_find_vm(c->sla, name, uuid);
	cvm_reach(v, v->ent, mac);
	pthread_mutex_unlock(&c->lock);
	return 0;
}

void daqs_controller_remove(struct daqs_controller *c, const char *name)
{
	struct cvm *v;

	pthread_mutex_lock(&c->lock);
	v = find(c, name);
	if (v && v->libvirt) {
		v->gone = true;
		ctl_log(c, DAQS_LOG_INFO, "guest '%s': removed (domain stopped or undefined)",
			name);
	}
	pthread_mutex_unlock(&c->lock);
}

size_t daqs_controller_libvirt_names(struct daqs_controller *c, char ***names)
{
	size_t k = 0;

	pthread_mutex_lock(&c->lock);
	*names = daqs_calloc(c->n ? c->n : 1, sizeof(**names));
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i]->libvirt && !c->v[i]->gone)
			(*names)[k++] = daqs_strdup(c->v[i]->name);
	pthread_mutex_unlock(&c->lock);
	return k;
}

void daqs_controller_kick(struct daqs_controller *c, const char *name)
{
	struct cvm *v;

	pthread_mutex_lock(&c->lock);
	v = find(c, name);
	if (v) {
		v->need_discover = true;
		v->need_verify = true;
		v->skip = 0;
		v->backoff = 0;
	}
	pthread_mutex_unlock(&c->lock);
}

static int sink_upsert(void *ud, const char *name, const char *uuid, daqs_transport_maker make,
		       void *arg, const char *mac)
{
	return daqs_controller_upsert(ud, name, uuid, make, arg, mac);
}

static void sink_remove(void *ud, const char *name)
{
	daqs_controller_remove(ud, name);
}

static void sink_kick(void *ud, const char *name)
{
	daqs_controller_kick(ud, name);
}

static size_t sink_names(void *ud, char ***names)
{
	return daqs_controller_libvirt_names(ud, names);
}

struct daqs_domains_sink daqs_controller_domains_sink(struct daqs_controller *c)
{
	return (struct daqs_domains_sink){ .upsert = sink_upsert,
					   .remove = sink_remove,
					   .kick = sink_kick,
					   .names = sink_names,
					   .ud = c };
}

void daqs_controller_set_capacity(struct daqs_controller *c, size_t link, uint64_t bps)
{
	pthread_mutex_lock(&c->lock);
	daqs_policy_set_capacity(c->policy, link, bps);
	pthread_mutex_unlock(&c->lock);
}

uint64_t daqs_controller_period_ns(struct daqs_controller *c)
{
	uint64_t p;

	pthread_mutex_lock(&c->lock);
	p = c->sla->ctl.period_ns;
	pthread_mutex_unlock(&c->lock);
	return p;
}

uint64_t daqs_controller_cycles(struct daqs_controller *c)
{
	uint64_t n;

	pthread_mutex_lock(&c->lock);
	n = c->cycles;
	pthread_mutex_unlock(&c->lock);
	return n;
}

/* ---- jobs (worker threads; no lock: one guest is in one job at a time) ---- */

/*
 * What kind of device the interface is, from the guest's sysfs: a bond
 * (uevent DEVTYPE=bond), a virtio NIC or a VF (device/uevent DRIVER=), or a
 * virtual device without a "device" link (veth, net_failover master...).
 * Left "" when the agent could not be asked (tried again at the next discovery).
 */
static void probe_kind(struct cvm *v, struct daqs_guest *g, uint64_t deadline)
{
	char path[96], *buf = NULL;
	size_t len;
	int r;

	v->kind[0] = '\0';
	snprintf(path, sizeof(path), "/sys/class/net/%s/uevent", v->iface);
	r = daqs_guest_read_file(g, path, 4096, deadline, &buf, &len);
	if (r == 0 && strstr(buf, "DEVTYPE=bond"))
		snprintf(v->kind, sizeof(v->kind), "bond");
	free(buf);
	buf = NULL;
	if (r || v->kind[0])
		goto out;
	snprintf(path, sizeof(path), "/sys/class/net/%s/device/uevent", v->iface);
	r = daqs_guest_read_file(g, path, 4096, deadline, &buf, &len);
	if (r == 0)
		snprintf(v->kind, sizeof(v->kind), "%s",
			 strstr(buf, "DRIVER=virtio_net") ? "virtio"
			 : strstr(buf, "DRIVER=")	  ? "vf"
							  : "other");
	else if (r == -EREMOTEIO)
		snprintf(v->kind, sizeof(v->kind), "virtual");
	free(buf);
out:
	v->msg[0] = '\0'; /* the kind is for display: its failures are not the guest's error */
}

static int discover(struct cvm *v, struct daqs_guest *g, uint64_t deadline)
{
	char ifname[DAQS_IFNAMSIZ];
	int r;

	if (v->iface_cfg[0]) {
		memcpy(ifname, v->iface_cfg, sizeof(ifname));
	} else if (v->mac[0]) {
		r = daqs_guest_discover(g, v->mac, deadline, ifname);
		/*
		 * Discovery probes members' masters by opening files that may not
		 * exist: the agent reports those as failed commands, which mean
		 * "no master" here. They are not the guest's problem, so they
		 * must not become this job's message (the first one wins).
		 */
		if (r == 0 || r == -ENOENT || r == -ENOTUNIQ)
			v->msg[0] = '\0';
		if (r == -ENOENT) {
			snprintf(v->msg, sizeof(v->msg), "no interface carries MAC %s", v->mac);
			v->iface[0] = v->kind[0] = '\0'; /* not found: nothing to shape */
		} else if (r == -ENOTUNIQ) {
			snprintf(v->msg, sizeof(v->msg),
				 "several unrelated interfaces carry MAC %s (a NIC not, or not "
				 "yet, "
				 "in the bond with the others?)",
				 v->mac);
		}
		/*
		 * Anything else (a timeout, a new NIC not yet in its bond) keeps
		 * the interface known so far: it is shaped and sampled as before,
		 * and discovery is tried again next cycle (need_discover stays).
		 */
		if (r)
			return r;
	} else {
		snprintf(v->msg, sizeof(v->msg),
			 "no interface to shape: neither 'interface' nor 'mac' is known");
		return -ENODEV;
	}
	if (strcmp(ifname, v->iface))
		v->need_verify = true;
	memcpy(v->iface, ifname, sizeof(v->iface));
	probe_kind(v, g, deadline);
	v->need_discover = !v->kind[0]; /* the agent could not be asked: again next time */
	return 0;
}

static int sample_job(struct daqs_guest *g, void *ud, uint64_t deadline)
{
	struct cvm *v = ud;
	struct daqs_qga_iface *ifs = NULL;
	size_t n = 0, i;
	int r = 0;

	/*
	 * Discovery takes several agent calls (interfaces, then each MAC
	 * match's master): only a guest with no interface yet discovers here,
	 * within the sampling deadline; a known one is sampled as it is and
	 * re-discovered in the apply phase (do_discover).
	 */
	if (v->need_discover && !v->iface[0])
		r = discover(v, g, deadline);
	if (!r)
		r = daqs_guest_interfaces(g, deadline, &ifs, &n);
	v->smp.t_ns = daqs_monotonic_ns(); /* when the reply arrived */
	if (r)
		goto out;
	for (i = 0; i < n && strcmp(ifs[i].name, v->iface); i++)
		;
	if (i == n) {
		snprintf(v->msg, sizeof(v->msg), "interface '%s' is gone from the guest", v->iface);
		v->iface[0] = v->kind[0] = '\0'; /* nothing to shape until it is found again */
		v->need_discover = true;
		r = -ENODEV;
	} else if (!ifs[i].has_stats) {
		snprintf(v->msg, sizeof(v->msg),
			 "interface '%s' has no statistics in guest-network-get-interfaces (no IP "
			 "address?)",
			 v->iface);
		r = -ENODATA;
	} else {
		v->smp.c = ifs[i].c;
	}
out:
	free(ifs);
	if (v->host_iface[0]) { /* whatever the agent did: the host's view is ours */
		v->host_r = daqs_host_counters_read(v->host_iface, &v->hsmp.c);
		v->hsmp.t_ns = daqs_monotonic_ns();
	}
	return r;
}

static int apply_job(struct daqs_guest *g, void *ud, uint64_t deadline)
{
	struct cvm *v = ud;

	v->apply_ran = false;
	if (v->do_discover) {
		char was[DAQS_IFNAMSIZ];
		int r;

		memcpy(was, v->iface, sizeof(was));
		r = discover(v, g, deadline);
		if (r || !v->do_apply)
			return r;
		if (strcmp(was, v->iface))
			daqs_guest_tc_forget(g); /* a new interface: read it back first */
	}
	if (v->verify_now)
		daqs_guest_tc_forget(g);
	if (v->verify_now && daqs_guest_limited(g)) {
		/* agent-limited: ask again whether guest-exec is back (lifts it if so) */
		int r = daqs_guest_info(g, deadline, NULL);

		if (r < 0)
			return r;
	}
	return daqs_guest_tc_apply(g, v->iface, v->target, deadline, &v->apply_ran);
}

/* ---- the cycle ---- */

static void vf_release_now(struct daqs_controller *c, struct cvm *v);

static void start_cycle(struct daqs_controller *c, struct daqs_poll_job **jobs, size_t *nj)
{
	struct daqs_poll_job *j = daqs_calloc(c->n ? c->n : 1, sizeof(*j));
	size_t k = 0;

	expire_overrides(c);
	for (size_t i = 0; i < c->n;) { /* structural changes only happen here */
		struct cvm *v = c->v[i];

		if (v->gone) {
			vf_release_now(c, v); /* its VF may go to another VM */
			cvm_free(v);
			c->v[i] = c->v[--c->n];
			continue;
		}
		if (v->pending_g) {
			daqs_guest_free(v->g);
			v->g = v->pending_g;
			v->pending_g = NULL;
			v->need_discover = v->need_verify = true;
			v->skip = v->backoff = 0;
		}
		if (v->g)
			daqs_guest_set_burst_us(v->g, (uint32_t)(c->sla->ctl.burst_ns / 1000));
		i++;
	}
	for (size_t i = 0; i < c->n; i++) {
		c->v[i]->sampled = false;
		c->v[i]->do_apply = false;
		c->v[i]->msg[0] = '\0';
	}
	/* Guests that answered last time first; suspects (timed out) last. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < c->n; i++) {
			struct cvm *v = c->v[i];
			bool suspect = v->backoff > 0;

			if (!v->g || suspect != (pass == 1))
				continue;
			if (v->skip) {
				v->skip--;
				continue;
			}
			v->sampled = true;
			j[k++] = (struct daqs_poll_job){ .fn = sample_job, .guest = v->g, .ud = v };
		}
	*jobs = j;
	*nj = k;
}

static enum agent_state agent_state_of(int r, struct cvm *v)
{
	switch (r) {
	case 0:
		return daqs_guest_limited(v->g) ? AG_LIMITED : AG_OK;
	case -ENOTCONN:
	case -ECONNREFUSED:
	case -ECONNRESET:
	case -ENOENT:
	case -EPIPE:
		return AG_NOT_CONNECTED;
	default:
		return AG_ERROR;
	}
}

/* The same problem, numbers aside ("deadline passed after 95 ms" = "... 98 ms"). */
static bool same_problem(const char *a, const char *b)
{
	for (;;) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			while (isdigit((unsigned char)*a))
				a++;
			while (isdigit((unsigned char)*b))
				b++;
			continue;
		}
		if (*a != *b)
			return false;
		if (!*a)
			return true;
		a++;
		b++;
	}
}

/* Record a job's outcome; log on transitions only. */
static void outcome(struct daqs_controller *c, struct cvm *v, int r, const char *what)
{
	if (r == 0) {
		if (v->last_error[0])
			ctl_log(c, DAQS_LOG_NOTICE, "guest '%s': %s works again", v->name, what);
		else if (v->msg[0])
			ctl_log(c, DAQS_LOG_NOTICE, "%s", v->msg);
		v->last_error[0] = '\0';
		return;
	}
	v->agent_errors++;
	if (!v->msg[0])
		snprintf(v->msg, sizeof(v->msg), "guest '%.100s': %s failed (%s)", v->name, what,
			 strerror(-r));
	if (!same_problem(v->msg, v->last_error))
		ctl_log(c, DAQS_LOG_WARNING, "%s", v->msg);
	memcpy(v->last_error, v->msg, sizeof(v->last_error));
}

/* The VM has host-side counters: its host_interface, or its VF's. */
static bool has_host(const struct cvm *v)
{
	return v->host_iface[0] || v->vf_count;
}

static const char *host_name(const struct cvm *v)
{
	return v->host_iface[0] ? v->host_iface : v->vfc_label;
}

/* The rates decisions use: the host's counters when configured and measured, else the agent's. */
static const struct daqs_estimator *rates_of(const struct cvm *v)
{
	return has_host(v) && v->hest.have_rate ? &v->hest : &v->est;
}

/*
 * A guest whose counters show it sending well above the limit in force
 * (OVER_FACTOR, twice in a row, the limit in force for OVER_SETTLE periods
 * before) has lost that limit: its tc was deleted or rewritten inside the
 * guest. Re-verify now rather than at the next periodic verification.
 */
#define OVER_FACTOR 1.2
#define OVER_SLACK_BPS 1e6
#define OVER_SETTLE 2
#define OVER_TIMES 2

static void over_limit_check(struct daqs_controller *c, struct cvm *v)
{
	const struct daqs_estimator *e = rates_of(v);
	double lim = (double)v->in_force, tx = e->inst.tx_bps;
	char a[32], b[32];

	if (!v->in_force_known || v->in_force == DAQS_RATE_UNLIMITED || v->need_verify ||
	    !e->have_rate || e->rate_t_ns < v->in_force_ns + OVER_SETTLE * c->sla->ctl.period_ns ||
	    tx <= lim * OVER_FACTOR + OVER_SLACK_BPS) {
		v->over = 0;
		return;
	}
	if (++v->over < OVER_TIMES)
		return;
	v->over = 0;
	v->need_verify = true;
	v->limit_lost++;
	daqs_units_format_rate_approx(tx, a, sizeof(a));
	daqs_units_format_rate(v->in_force, b, sizeof(b));
	ctl_log(c, DAQS_LOG_WARNING,
		"guest '%s': sends %s, above its limit %s: its tc was changed in the guest; "
		"re-verifying",
		v->name, a, b);
}

/*
 * Host counters: update their estimator, report a failing read once, and
 * cross-check the agent's tx rate against them. Three rates in a row off by
 * more than a quarter (and 5 Mbit/s) mark the agent's counters as not to be
 * believed (reported once; decisions use the host's anyway); five in a row
 * that agree clear it.
 */
#define HOST_TOL 0.25
#define HOST_SLACK_BPS 5e6
#define HOST_DISAGREE 3
#define HOST_AGREE 5

static void host_update(struct daqs_controller *c, struct cvm *v, bool agent_fresh)
{
	double a, h, d;
	char x[32], y[32];

	if (!has_host(v) || !v->sampled)
		return;
	if (v->host_r < 0) {
		if (!v->host_failing)
			ctl_log(c, DAQS_LOG_WARNING,
				"guest '%s': host counters of '%s' unreadable (%s); deciding on "
				"the "
				"agent's",
				v->name, host_name(v), strerror(-v->host_r));
		v->host_failing = true;
		v->hest.have_rate = false;
		return;
	}
	if (v->host_failing)
		ctl_log(c, DAQS_LOG_NOTICE, "guest '%s': host counters of '%s' readable again",
			v->name, host_name(v));
	v->host_failing = false;
	daqs_estimator_update(&v->hest, &v->hsmp);
	if (!agent_fresh || !v->est.have_rate || !v->hest.have_rate)
		return;
	a = v->est.inst.tx_bps;
	h = v->hest.inst.tx_bps;
	d = fabs(a - h);
	if (d > HOST_TOL * fmax(a, h) && d > HOST_SLACK_BPS) {
		v->agree = 0;
		if (++v->disagree == HOST_DISAGREE && !v->distrust) {
			v->distrust = true;
			daqs_units_format_rate_approx(a, x, sizeof(x));
			daqs_units_format_rate_approx(h, y, sizeof(y));
			ctl_log(c, DAQS_LOG_WARNING,
				"guest '%s': its agent reports sending %s, the host sees %s on "
				"'%s': "
				"the agent's counters are not believed",
				v->name, x, y, host_name(v));
		}
	} else {
		v->disagree = 0;
		if (v->distrust && ++v->agree >= HOST_AGREE) {
			v->distrust = false;
			v->agree = 0;
			ctl_log(c, DAQS_LOG_NOTICE,
				"guest '%s': its agent's counters agree with the host's again",
				v->name);
		}
	}
}

static void after_sample(struct daqs_controller *c, struct cvm *v, const struct daqs_poll_job *j)
{
	int r = j->ran ? j->result : -ETIMEDOUT;

	v->sample_r = r;
	v->agent = agent_state_of(r, v);
	outcome(c, v, r, "sampling");
	if (r == -ETIMEDOUT) {
		unsigned most = (unsigned)(BACKOFF_MAX_NS / c->sla->ctl.period_ns);

		most = most ? most : 1;
		v->backoff = v->backoff ? (v->backoff * 2 > most ? most : v->backoff * 2) : 1;
		v->skip = v->backoff;
	} else {
		v->backoff = v->skip = 0;
	}
	if (r == 0 && daqs_estimator_update(&v->est, &v->smp) == DAQS_EST_RESET) {
		ctl_log(c, DAQS_LOG_INFO,
			"guest '%s': counters went backwards (reboot or re-plug); re-verifying",
			v->name);
		v->need_discover = v->need_verify = true;
	}
	host_update(c, v, r == 0);
	if (r == 0 || (has_host(v) && v->hest.have_rate))
		over_limit_check(c, v);
}

/* ---- host-side VF rates ---- */

/* The VF a VM has: its SLA's host_vf, else the vf_pool's it holds. */
static bool vf_of(const struct cvm *v, const char **pf, uint32_t *idx)
{
	if (v->eff.host_vf_pf) {
		*pf = v->eff.host_vf_pf;
		*idx = v->eff.host_vf;
		return true;
	}
	if (v->vf_pool_pf[0]) {
		*pf = v->vf_pool_pf;
		*idx = v->vf_pool_idx;
		return true;
	}
	return false;
}

/* ---- host-side counters from the VFs ---- */

#define VF_MAX_PFS 16

static void vf_count_stop(struct daqs_controller *c, struct cvm *v)
{
	v->vf_count = false;
	daqs_estimator_reset(&v->hest);
	v->distrust = false;
	v->disagree = v->agree = 0;
	v->host_failing = false;
	ctl_log(c, DAQS_LOG_INFO,
		"guest '%s': no counters from %s any more; deciding on the agent's", v->name,
		v->vfc_label);
}

struct vf_dump {
	char pf[VF_MAX_PFS][DAQS_IFNAMSIZ];
	struct daqs_pf_vf *vfs[VF_MAX_PFS];
	size_t n[VF_MAX_PFS], np;
};

static const struct daqs_pf_vf *vf_find(const struct vf_dump *d, const char *pf, uint32_t idx)
{
	for (size_t k = 0; k < d->np; k++)
		for (size_t j = 0; !strcmp(d->pf[k], pf) && j < d->n[k]; j++)
			if (d->vfs[k][j].index == idx && d->vfs[k][j].have_stats)
				return &d->vfs[k][j];
	return NULL;
}

/* One VM's host counters from its VF's, once they have moved (a NIC may report only zeros). */
static void vf_count_one(struct daqs_controller *c, struct cvm *v, const struct vf_dump *d,
			 uint64_t now)
{
	const struct daqs_pf_vf *f = NULL;
	struct daqs_counters cnt;
	const char *pf;
	uint32_t idx;
	char label[sizeof(v->vfc_label)];

	if (v->gone || v->host_iface[0])
		return;
	if (vf_of(v, &pf, &idx) && (f = vf_find(d, pf, idx)))
		snprintf(label, sizeof(label), "VF %u of %s", idx, pf);
	if (!f) {
		if (v->vf_count)
			vf_count_stop(c, v);
		v->vfc_label[0] = '\0';
		return;
	}
	cnt = (struct daqs_counters){ .tx_bytes = f->tx_bytes,
				      .rx_bytes = f->rx_bytes,
				      .tx_pkts = f->tx_packets,
				      .rx_pkts = f->rx_packets };
	if (strcmp(label, v->vfc_label)) { /* another VF: other counters */
		if (v->vf_count)
			vf_count_stop(c, v);
		memcpy(v->vfc_label, label, sizeof(label));
		v->vfc_first = cnt;
		v->vfc_moved = false;
	}
	if (!v->vfc_moved && memcmp(&cnt, &v->vfc_first, sizeof(cnt))) {
		v->vfc_moved = true;
		ctl_log(c, DAQS_LOG_INFO, "guest '%s': deciding on the host's counters of %s",
			v->name, label);
	}
	if (!v->vfc_moved)
		return;
	v->vf_count = true;
	v->hsmp.c = cnt;
	v->hsmp.t_ns = now;
	v->host_r = 0;
}

/*
 * Host-side counters from the VFs of VMs that have one and no
 * host_interface: one dump per PF, outside the lock, after the sampling.
 */
static void vf_counters(struct daqs_controller *c)
{
	struct vf_dump *d = daqs_calloc(1, sizeof(*d));
	uint64_t now;

	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->n; i++) {
		struct cvm *v = c->v[i];
		const char *pf;
		uint32_t idx;
		size_t k;

		if (v->gone || v->host_iface[0] || !vf_of(v, &pf, &idx))
			continue;
		for (k = 0; k < d->np && strcmp(d->pf[k], pf); k++)
			;
		if (k == d->np && d->np < VF_MAX_PFS)
			snprintf(d->pf[d->np++], DAQS_IFNAMSIZ, "%s", pf);
	}
	pthread_mutex_unlock(&c->lock);
	for (size_t k = 0; k < d->np; k++)
		if (daqs_pf_list_vfs(c->cfg.pf, d->pf[k], &d->vfs[k], &d->n[k]) < 0) {
			d->vfs[k] = NULL; /* reported by the adapter */
			d->n[k] = 0;
		}
	now = daqs_monotonic_ns();
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->n; i++)
		vf_count_one(c, c->v[i], d, now);
	pthread_mutex_unlock(&c->lock);
	for (size_t k = 0; k < d->np; k++)
		free(d->vfs[k]);
	free(d);
}

/* Does the VM's limit go on its VF this cycle? (vf_why says why; status) */
static bool vf_wanted(const struct daqs_controller *c, struct cvm *v)
{
	const char *pf, *why = NULL;
	uint32_t idx;

	v->vf_why[0] = '\0';
	if (!c->cfg.pf || v->retiring || !vf_of(v, &pf, &idx))
		return false;
	if (v->eff.enforce != DAQS_ENFORCE_GUEST)
		why = v->eff.enforce == DAQS_ENFORCE_VF ? "enforce: vf" : "enforce: both";
	else if (v->agent == AG_LIMITED)
		why = "backstop: the agent cannot run tc";
	else if (v->distrust)
		why = "backstop: the agent's counters are not believed";
	else if (v->agent == AG_NOT_CONNECTED || v->agent == AG_ERROR)
		why = "backstop: the agent does not answer";
	if (!why)
		return false;
	snprintf(v->vf_why, sizeof(v->vf_why), "%s", why);
	return true;
}

struct vf_job {
	struct cvm *v;
	char pf[DAQS_IFNAMSIZ];
	uint32_t idx, mbps, min;
	bool release;  /* the VF daqsd stops using: back to no cap (and no min of ours) */
	bool with_min; /* write the min too */
	int r;
};

/*
 * A Guarantee VM's VF also gets its min as min_tx_rate (where the NIC takes
 * one), never above the cap written with it.
 */
static uint32_t vf_min_of(const struct cvm *v, uint32_t max_mbps)
{
	uint32_t m;

	if (v->eff.cls != DAQS_CLASS_GUARANTEE)
		return 0;
	m = daqs_vf_min_mbps(v->eff.min_bps);
	return max_mbps && m > max_mbps ? max_mbps : m;
}

/* The writes this cycle needs: releases of VFs no longer used first, then the rates. */
static size_t vf_jobs(struct daqs_controller *c, struct vf_job **out)
{
	struct vf_job *j = daqs_calloc(2 * c->n + 1, sizeof(*j));
	size_t k = 0;

	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < c->n; i++) {
			struct cvm *v = c->v[i];
			const char *pf = NULL;
			uint32_t idx = 0, mbps, min;
			bool use = v->vf_use && !v->gone && vf_of(v, &pf, &idx);
			bool same = use && !strcmp(pf, v->vf_pf) && idx == v->vf_idx;

			if (pass == 0 && v->vf_pf[0] && !same && (v->vf_mbps || v->vf_min)) {
				j[k] = (struct vf_job){ .v = v,
							.idx = v->vf_idx,
							.release = true,
							.with_min = v->vf_min != 0 };
				memcpy(j[k++].pf, v->vf_pf, DAQS_IFNAMSIZ);
			} else if (pass == 0 && v->vf_pf[0] && !same) {
				v->vf_pf[0] = '\0'; /* no cap of ours on it: nothing to undo */
			}
			if (pass == 1 && use) {
				mbps = daqs_vf_max_mbps(v->pv.limit_bps);
				min = v->vf_min_refused ? 0 : vf_min_of(v, mbps);
				if (same && mbps == v->vf_mbps && min == v->vf_min &&
				    !v->vf_failing)
					continue;
				/* a min someone else set is left alone: ours only */
				j[k] = (struct vf_job){ .v = v,
							.idx = idx,
							.mbps = mbps,
							.min = min,
							.with_min = !v->vf_min_refused &&
								    (min || v->vf_min) };
				snprintf(j[k++].pf, DAQS_IFNAMSIZ, "%s", pf);
			}
		}
	*out = j;
	return k;
}

static void vf_outcome(struct daqs_controller *c, struct vf_job *j)
{
	struct cvm *v = j->v;
	char a[32] = "no cap";

	if (j->r < 0) {
		if (!v->vf_failing)
			ctl_log(c, DAQS_LOG_WARNING,
				"guest '%s': cannot %s the rate of VF %u of '%s' (%s)%s", v->name,
				j->release ? "reset" : "set", j->idx, j->pf, strerror(-j->r),
				j->release ? "" : "; its limit stays where it was");
		v->vf_failing = true;
		if (!j->release && v->eff.enforce == DAQS_ENFORCE_VF) /* the policy must know */
			v->pv.st.limit_bps = v->in_force_known ? v->in_force : DAQS_RATE_UNLIMITED;
		return;
	}
	if (v->vf_failing)
		ctl_log(c, DAQS_LOG_NOTICE, "guest '%s': VF %u of '%s' takes its rate again",
			v->name, j->idx, j->pf);
	v->vf_failing = false;
	if (j->r ==
	    DAQS_PF_MIN_DROPPED) { /* the max is in force; the NIC takes no min (reported) */
		v->vf_min_refused = true;
		j->min = 0;
	}
	if (j->release) {
		v->vf_pf[0] = '\0';
		v->vf_mbps = 0;
		v->vf_min = 0;
		ctl_log(c, DAQS_LOG_DEBUG, "guest '%s': VF %u of '%s' released (no cap)", v->name,
			j->idx, j->pf);
		return;
	}
	memcpy(v->vf_pf, j->pf, DAQS_IFNAMSIZ);
	v->vf_idx = j->idx;
	v->vf_mbps = j->mbps;
	if (j->with_min)
		v->vf_min = j->min;
	if (j->mbps)
		snprintf(a, sizeof(a), "%u Mbit/s", j->mbps);
	ctl_log(c, DAQS_LOG_DEBUG, "guest '%s': VF %u of '%s' capped at %s, min %u Mbit/s (%s)",
		v->name, j->idx, j->pf, a, v->vf_min, v->vf_why);
}

/* Write the VF rates this cycle decided (the lock is not held). */
static void vf_run(struct daqs_pf *pf, struct vf_job *j, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct daqs_vf_rate_change chg = {
			.set = DAQS_VF_SET_MAX | (j[i].with_min ? DAQS_VF_SET_MIN : 0),
			.max_mbps = j[i].mbps,
			.min_mbps = j[i].min,
		};

		j[i].r = daqs_pf_set_rates(pf, j[i].pf, j[i].idx, &chg, NULL);
	}
}

/* A VF cap of ours reset at once (the VM is going, or daqsd is): under the lock, rare. */
static void vf_release_now(struct daqs_controller *c, struct cvm *v)
{
	struct vf_job j = { .v = v, .idx = v->vf_idx, .release = true, .with_min = v->vf_min != 0 };

	if (!c->cfg.pf || !v->vf_pf[0] || (!v->vf_mbps && !v->vf_min))
		return;
	memcpy(j.pf, v->vf_pf, DAQS_IFNAMSIZ);
	vf_run(c->cfg.pf, &j, 1);
	vf_outcome(c, &j);
}

void daqs_controller_set_vf(struct daqs_controller *c, const char *vm, const char *pf, uint32_t vf)
{
	struct cvm *v;

	pthread_mutex_lock(&c->lock);
	v = find(c, vm);
	if (v) {
		snprintf(v->vf_pool_pf, sizeof(v->vf_pool_pf), "%s", pf ? pf : "");
		v->vf_pool_idx = vf;
	}
	pthread_mutex_unlock(&c->lock);
}

/*
 * Periodic verifications (every DAQS_CONTROLLER_VERIFY_NS) a cycle may run:
 * twice the even share, so guests verified together (all of them at start)
 * spread over the following cycles instead of all landing in one (1000
 * readbacks took one cycle to 250-370 ms in scripts/bench-scale). Urgent
 * ones (need_verify: first contact, reset, kick) are not counted.
 */
static size_t verify_budget(const struct daqs_controller *c)
{
	uint64_t period = c->sla->ctl.period_ns;
	size_t share = (size_t)((c->n * period + DAQS_CONTROLLER_VERIFY_NS - 1) /
				DAQS_CONTROLLER_VERIFY_NS);

	return 2 * share > 8 ? 2 * share : 8;
}

static void decide(struct daqs_controller *c, const struct daqs_poll_job *jobs, size_t nj,
		   uint64_t now)
{
	size_t budget;
	bool vf_only, guest_change;
	struct daqs_policy_vm *pv = daqs_calloc(c->n ? c->n : 1, sizeof(*pv));
	size_t k = 0;

	for (size_t i = 0; i < nj; i++)
		after_sample(c, jobs[i].ud, &jobs[i]);
	for (size_t i = 0; i < c->n; i++) {
		struct cvm *v = c->v[i];
		struct daqs_state_override *o = find_ovr(c, v->name);

		if (v->retiring)
			continue;
		effective(c, v->ent, v->name, o, &v->eff);
		v->overridden = o != NULL;
		v->override_left_s = o && o->expires ? o->expires - time(NULL) : -1;
		v->pv.sla = &v->eff;
		v->pv.have_rate = rates_of(v)->have_rate;
		v->pv.tx_bps = rates_of(v)->inst.tx_bps;
		v->pv.tx_smooth_bps = rates_of(v)->smooth.tx_bps;
		v->pv.rate_t_ns = rates_of(v)->rate_t_ns;
		pv[k++] = v->pv;
	}
	daqs_policy_step(c->policy, pv, k, now);
	k = 0;
	budget = verify_budget(c);
	for (size_t i = 0; i < c->n; i++) {
		struct cvm *v = c->v[i];
		bool due = now - v->verified_ns > DAQS_CONTROLLER_VERIFY_NS && budget > 0;

		budget -= due;
		v->do_discover = false;
		v->vf_use = false; /* a retiring VM lets its VF go (vf_wanted below for the rest) */

		if (v->retiring) {
			v->target = DAQS_RATE_UNLIMITED;
			v->verify_now = true;
			v->do_apply = v->sampled && v->sample_r == 0 && v->iface[0];
			continue;
		}
		v->pv = pv[k++];
		v->vf_use = vf_wanted(c, v);
		vf_only = v->vf_use && v->eff.enforce == DAQS_ENFORCE_VF;
		/* enforce: vf with the VF there: the guest's own limit is removed */
		v->target = vf_only ? DAQS_RATE_UNLIMITED : v->pv.limit_bps;
		guest_change = vf_only ? !v->in_force_known || v->in_force != DAQS_RATE_UNLIMITED
				       : v->pv.apply;
		v->verify_now = v->need_verify || due;
		/* an agent-limited guest cannot run tc: tried again only when a verify is due */
		v->do_apply = (v->g && daqs_guest_limited(v->g) ? v->verify_now
								: guest_change || v->verify_now) &&
			      v->sampled && v->sample_r == 0 && v->iface[0];
		v->do_discover = v->need_discover && !v->iface_cfg[0] && v->sampled &&
				 v->sample_r == 0 && v->iface[0];
		/* not applied: the policy must know the truth (a VF's write is judged after it) */
		if (v->pv.apply && !v->do_apply && !vf_only)
			v->pv.st.limit_bps = v->in_force_known ? v->in_force : DAQS_RATE_UNLIMITED;
	}
	free(pv);
}

static size_t apply_jobs(struct daqs_controller *c, struct daqs_poll_job **jobs)
{
	struct daqs_poll_job *j = daqs_calloc(c->n ? c->n : 1, sizeof(*j));
	size_t k = 0;

	for (size_t i = 0; i < c->n; i++) {
		struct cvm *v = c->v[i];

		if (!v->do_apply && !v->do_discover)
			continue;
		v->msg[0] = '\0';
		j[k++] = (struct daqs_poll_job){ .fn = apply_job, .guest = v->g, .ud = v };
	}
	*jobs = j;
	return k;
}

static void after_apply(struct daqs_controller *c, struct cvm *v, const struct daqs_poll_job *j,
			uint64_t now)
{
	int r = j->ran ? j->result : -ETIMEDOUT;

	if (!v->do_apply) { /* a discovery alone */
		outcome(c, v, r, "discovering its interface");
		return;
	}
	v->applies += v->apply_ran;
	if (r == -EPERM && !v->retiring) {
		/*
		 * Agent-limited: the guest session reported it once; it is the
		 * guest's state (status: agent-limited), not an error of every
		 * cycle. Asked again at the next periodic verify.
		 */
		if (v->msg[0]) /* the session's "agent-limited: ..." (only on the transition) */
			ctl_log(c, DAQS_LOG_WARNING, "%s", v->msg);
		v->agent = AG_LIMITED;
		v->pv.st.limit_bps = v->in_force_known ? v->in_force : DAQS_RATE_UNLIMITED;
		v->need_verify = false;
		v->verified_ns = now;
		return;
	}
	outcome(c, v, r, "enforcing the limit");
	if (r == 0) {
		if (v->apply_ran) {
			char a[32] = "none";

			if (v->target != DAQS_RATE_UNLIMITED)
				daqs_units_format_rate(v->target, a, sizeof(a));
			ctl_log(c, DAQS_LOG_DEBUG, "guest '%s': limit %s in force on %s", v->name,
				a, v->iface);
		}
		if (!v->in_force_known || v->in_force != v->target) {
			c->state_dirty = true;
			v->in_force_ns = now;
		}
		v->in_force = v->target;
		v->in_force_known = true;
		v->need_verify = false;
		v->verified_ns = now;
		if (v->retiring)
			v->gone = true;
		return;
	}
	if (r == -EPERM)
		v->agent = AG_LIMITED;
	else
		v->agent = agent_state_of(r, v);
	v->pv.st.limit_bps = v->in_force_known ? v->in_force : DAQS_RATE_UNLIMITED;
	v->need_verify = true;
	if (v->retiring && ++v->retire_tries >= RETIRE_TRIES) {
		ctl_log(c, DAQS_LOG_WARNING,
			"guest '%s': could not remove its limit; forgetting it", v->name);
		v->gone = true;
	}
}

static double rate_or_nan(const struct cvm *v, double bps)
{
	return rates_of(v)->have_rate ? bps : NAN;
}

/* What the link's guests' counters show of the wire rate (policy step 8); 1 until learned. */
static double counter_scale(struct daqs_controller *c, size_t link)
{
	const struct daqs_policy_link_status *ls = daqs_policy_link_status(c->policy, link);

	return ls && ls->counter_scale > 0 ? ls->counter_scale : 1.0;
}

static void snap_vm(struct daqs_controller *c, const struct cvm *v, struct daqs_ctl_vm *o)
{
	double scale = counter_scale(c, v->eff.link);

	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "%s", v->name);
	snprintf(o->uuid, sizeof(o->uuid), "%s", v->uuid);
	snprintf(o->source, sizeof(o->source), "%s", v->libvirt ? "libvirt" : "socket");
	snprintf(o->cls, sizeof(o->cls), "%s", daqs_class_name(v->eff.cls));
	o->min_bps = v->eff.min_bps;
	o->max_bps = v->eff.max_bps;
	o->weight = v->eff.weight;
	snprintf(o->link, sizeof(o->link), "%s", c->sla->links[v->eff.link].name);
	o->tx_bps = rate_or_nan(v, rates_of(v)->smooth.tx_bps);
	o->rx_bps = rate_or_nan(v, rates_of(v)->smooth.rx_bps);
	snprintf(o->counters, sizeof(o->counters), "%s",
		 rates_of(v) == &v->hest ? (v->distrust ? "host, agent disagrees" : "host")
		 : v->host_iface[0]	 ? "agent, host unreadable"
					 : "agent");
	o->limit_bps = v->in_force;
	if (v->vf_pf[0]) {
		snprintf(o->vf, sizeof(o->vf), "%s:%u", v->vf_pf, v->vf_idx);
		o->vf_max_bps = v->vf_mbps ? (uint64_t)v->vf_mbps * 1000000ULL
					   : DAQS_RATE_UNLIMITED;
		if (v->eff.enforce == DAQS_ENFORCE_VF && v->vf_use && v->vf_mbps)
			o->limit_bps =
				o->vf_max_bps; /* no limit in the guest: the VF's is the one */
	} else {
		o->vf_max_bps = DAQS_RATE_UNLIMITED;
	}
	snprintf(o->vf_why, sizeof(o->vf_why), "%s", v->vf_use ? v->vf_why : "");
	snprintf(o->mode, sizeof(o->mode), "%s",
		 v->retiring ? "retiring" : daqs_vm_mode_name(v->pv.st.mode));
	snprintf(o->agent, sizeof(o->agent), "%s", agent_names[v->agent]);
	snprintf(o->iface, sizeof(o->iface), "%s", v->iface);
	snprintf(o->iface_kind, sizeof(o->iface_kind), "%s", v->kind);
	o->satisfaction = NAN;
	if (v->eff.cls == DAQS_CLASS_GUARANTEE && v->pv.st.mode == DAQS_VM_PROTECTED &&
	    v->pv.st.measured && rates_of(v)->have_rate && v->eff.min_bps)
		o->satisfaction =
			fmin(1.0, rates_of(v)->smooth.tx_bps / scale / (double)v->eff.min_bps);
	o->agent_errors = v->agent_errors;
	o->applies = v->applies;
	o->limit_lost = v->limit_lost;
	o->override = v->overridden;
	o->override_left_s = v->overridden ? v->override_left_s : -1;
	snprintf(o->last_error, sizeof(o->last_error), "%s", v->last_error);
}

static void publish(struct daqs_controller *c, double cycle_ms)
{
	struct daqs_ctl_status *s = &c->snap;

	snap_clear(s);
	s->cycle = c->cycles;
	s->cycle_ms = cycle_ms;
	s->period_ms = c->sla->ctl.period_ns / 1000000;
	snprintf(s->policy, sizeof(s->policy), "%s", daqs_policy_kind_name(c->cfg.kind));
	snprintf(s->sla_file, sizeof(s->sla_file), "%s", c->sla->file);
	snprintf(s->sla_error, sizeof(s->sla_error), "%s", c->sla_error);
	snprintf(s->state_error, sizeof(s->state_error), "%s", c->state_error);
	s->links = daqs_calloc(c->sla->n_links, sizeof(*s->links));
	s->n_links = c->sla->n_links;
	s->vms = daqs_calloc(c->n ? c->n : 1, sizeof(*s->vms));
	for (size_t l = 0; l < s->n_links; l++) {
		const struct daqs_policy_link_status *ls = daqs_policy_link_status(c->policy, l);
		struct daqs_ctl_link *o = &s->links[l];

		snprintf(o->name, sizeof(o->name), "%s", c->sla->links[l].name);
		o->capacity_bps = ls ? ls->capacity_bps : c->sla->links[l].capacity_bps;
		o->effective_bps = ls && ls->effective_bps > 0 ? ls->effective_bps
							       : (double)o->capacity_bps;
		o->reserved_bps = ls ? ls->reserved_bps : 0;
	}
	for (size_t i = 0; i < c->n; i++) {
		struct cvm *v = c->v[i];
		struct daqs_ctl_link *l;

		if (v->gone)
			continue;
		snap_vm(c, v, &s->vms[s->n_vms]);
		l = &s->links[v->eff.link];
		l->vms++;
		if (rates_of(v)->have_rate && !v->retiring)
			l->tx_bps += rates_of(v)->smooth.tx_bps;
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

/* capacity: auto links follow their PF's speed (sysfs, Mb/s). */
static void refresh_speeds(struct daqs_controller *c, uint64_t now)
{
	if (c->speed_ns && now - c->speed_ns < SPEED_EVERY_NS)
		return;
	c->speed_ns = now;
	for (size_t l = 0; l < c->sla->n_links && l < DAQS_SLA_MAX_LINKS; l++) {
		const struct daqs_sla_link *lk = &c->sla->links[l];
		char path[128];
		long mbit = -1;
		uint64_t bps;
		FILE *f;
		int err = 0;

		if (!lk->capacity_auto || !lk->device)
			continue;
		snprintf(path, sizeof(path), "/sys/class/net/%s/speed", lk->device);
		f = fopen(path, "re");
		if (!f)
			err = errno;
		else if (fscanf(f, "%ld", &mbit) != 1 || mbit <= 0)
			err = ENOLINK; /* -1 or unreadable: link down or speed unknown */
		if (f)
			fclose(f);
		bps = err ? 0 : (uint64_t)mbit * 1000000ULL;
		if (bps != c->speed_bps[l] || !c->speed_seen[l]) {
			if (err)
				ctl_log(c, DAQS_LOG_WARNING,
					"link '%s': cannot read the speed of '%s' (%s); capacity "
					"unknown",
					lk->name, lk->device, strerror(err));
			else
				ctl_log(c, DAQS_LOG_NOTICE,
					"link '%s': capacity %ld Mb/s from '%s'", lk->name, mbit,
					lk->device);
		}
		c->speed_bps[l] = bps;
		c->speed_seen[l] = true;
		daqs_policy_set_capacity(c->policy, l, bps);
	}
}

static uint64_t clamp_ns(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

void daqs_controller_cycle(struct daqs_controller *c, uint64_t now)
{
	struct daqs_poll_job *jobs = NULL;
	size_t nj;
	uint64_t period, t_sampled, t_end;
	char why[512];

	pthread_mutex_lock(&c->lock);
	period = c->sla->ctl.period_ns;
	refresh_speeds(c, now);
	start_cycle(c, &jobs, &nj);
	pthread_mutex_unlock(&c->lock);

	daqs_poller_run(c->poller, jobs, nj,
			now + clamp_ns(period / 2, SAMPLE_MIN_NS, SAMPLE_MAX_NS));
	if (c->cfg.pf)
		vf_counters(c);

	t_sampled = daqs_monotonic_ns();
	pthread_mutex_lock(&c->lock);
	decide(c, jobs, nj, t_sampled);
	free(jobs);
	nj = apply_jobs(c, &jobs);
	pthread_mutex_unlock(&c->lock);

	if (nj) {
		uint64_t t = daqs_monotonic_ns();

		daqs_poller_run(c->poller, jobs, nj,
				t + (period > APPLY_MIN_NS ? period : APPLY_MIN_NS));
	}

	pthread_mutex_lock(&c->lock);
	t_end = daqs_monotonic_ns();
	if (t_end - now > period / 2)
		ctl_log(c, DAQS_LOG_DEBUG,
			"cycle %llu: %.1f ms (sampling %.1f ms, %zu limit(s) %.1f ms)",
			(unsigned long long)c->cycles, (double)(t_end - now) / 1e6,
			(double)(t_sampled - now) / 1e6, nj, (double)(t_end - t_sampled) / 1e6);
	for (size_t i = 0; i < nj; i++)
		after_apply(c, jobs[i].ud, &jobs[i], t_end);
	free(jobs);
	if (c->cfg.pf) {
		struct vf_job *vj;
		size_t nv = vf_jobs(c, &vj);

		if (nv) {
			pthread_mutex_unlock(&c->lock);
			vf_run(c->cfg.pf, vj, nv);
			pthread_mutex_lock(&c->lock);
			for (size_t i = 0; i < nv; i++)
				vf_outcome(c, &vj[i]);
		}
		free(vj);
	}
	c->cycles++;
	c->cycle_ms = (double)(t_end - now) / 1e6;
	if (c->state_dirty)
		state_save(c, why, sizeof(why));
	publish(c, c->cycle_ms);
	pthread_mutex_unlock(&c->lock);
}

void daqs_controller_remove_limits(struct daqs_controller *c, uint64_t deadline)
{
	struct daqs_poll_job *jobs;
	size_t k = 0;
	char why[512];

	pthread_mutex_lock(&c->lock);
	jobs = daqs_calloc(c->n ? c->n : 1, sizeof(*jobs));
	for (size_t i = 0; i < c->n; i++) {
		struct cvm *v = c->v[i];

		if (v->gone || !v->g || !v->iface[0])
			continue;
		v->target = DAQS_RATE_UNLIMITED;
		v->do_apply = true;
		v->do_discover = false;
		v->msg[0] = '\0';
		jobs[k++] = (struct daqs_poll_job){ .fn = apply_job, .guest = v->g, .ud = v };
	}
	for (size_t i = 0; i < c->n; i++)
		vf_release_now(c, c->v[i]);
	pthread_mutex_unlock(&c->lock);
	daqs_poller_run(c->poller, jobs, k, deadline);
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < k; i++) {
		struct cvm *v = jobs[i].ud;
		int r = jobs[i].ran ? jobs[i].result : -ETIMEDOUT;

		if (r == 0) {
			v->in_force = DAQS_RATE_UNLIMITED;
			ctl_log(c, DAQS_LOG_INFO, "guest '%s': limit removed", v->name);
		} else {
			ctl_log(c, DAQS_LOG_WARNING, "guest '%s': could not remove its limit (%s)",
				v->name, v->msg[0] ? v->msg : strerror(-r));
		}
	}
	state_save(c, why, sizeof(why));
	pthread_mutex_unlock(&c->lock);
	free(jobs);
}

/* ---- control verbs ---- */

static bool known_vm(struct daqs_controller *c, const char *name)
{
	return find(c, name) || daqs_sla_find_vm(c->sla, name, NULL);
}

/* Guarantees on each link, with o in force for o->vm, must fit the capacity. */
static int check_fit(struct daqs_controller *c, const struct daqs_state_override *o, char *why,
		     size_t len)
{
	uint64_t sum[DAQS_SLA_MAX_LINKS] = { 0 };

	/* every VM present, then the SLA's VMs that are not: each counted once, in one pass */
	for (size_t i = 0; i < c->n + c->sla->n_vms; i++) {
		const struct daqs_sla_vm *ent;
		const char *name;
		struct daqs_sla_vm e;

		if (i < c->n) {
			if (c->v[i]->gone || c->v[i]->retiring)
				continue;
			name = c->v[i]->name;
			ent = c->v[i]->ent;
		} else {
			ent = &c->sla->vms[i - c->n];
			name = ent->name;
			if (!name || find(c, name))
				continue; /* counted above */
		}
		effective(c, ent, name, !strcmp(name, o->vm) ? o : find_ovr(c, name), &e);
		if (e.cls == DAQS_CLASS_GUARANTEE && e.link < DAQS_SLA_MAX_LINKS)
			sum[e.link] += e.min_bps;
	}
	for (size_t l = 0; l < c->sla->n_links; l++) {
		const struct daqs_policy_link_status *ls = daqs_policy_link_status(c->policy, l);
		uint64_t cap = ls && ls->capacity_bps ? ls->capacity_bps
						      : c->sla->links[l].capacity_bps;
		char a[32], b[32];

		if (cap && sum[l] > cap) {
			daqs_units_format_rate(sum[l], a, sizeof(a));
			daqs_units_format_rate(cap, b, sizeof(b));
			return daqs_why(why, len, -EINVAL,
					"the guarantees on link '%s' would sum to %s, more than "
					"its "
					"capacity %s",
					c->sla->links[l].name, a, b);
		}
	}
	return 0;
}

static int check_override(struct daqs_controller *c, const struct daqs_state_override *o, char *why,
			  size_t len)
{
	struct daqs_sla_vm e;

	effective(c, daqs_sla_find_vm(c->sla, o->vm, NULL), o->vm, o, &e);
	if (o->has_min && e.cls != DAQS_CLASS_GUARANTEE)
		return daqs_why(why, len, -EINVAL, "min is only for guarantee VMs");
	if (e.cls == DAQS_CLASS_GUARANTEE && !e.min_bps)
		return daqs_why(why, len, -EINVAL, "a guarantee VM needs a min greater than 0");
	if (o->has_min && !o->min_bps)
		return daqs_why(why, len, -EINVAL, "min must be greater than 0");
	if (o->has_max && !o->max_bps)
		return daqs_why(why, len, -EINVAL, "max must be greater than 0");
	if (e.cls == DAQS_CLASS_GUARANTEE && e.max_bps < e.min_bps)
		return daqs_why(why, len, -EINVAL, "max would be below min");
	if (o->has_weight && (o->weight < 1 || o->weight > DAQS_WEIGHT_MAX))
		return daqs_why(why, len, -EINVAL, "weight must be 1..%d", DAQS_WEIGHT_MAX);
	return check_fit(c, o, why, len);
}

int daqs_controller_override(struct daqs_controller *c, const struct daqs_ctl_request *rq,
			     char *why, size_t why_len)
{
	struct daqs_state_override o = { 0 }, *old, saved;
	bool had;
	int r;

	snprintf(o.vm, sizeof(o.vm), "%s", rq->vm);
	o.has_class = rq->has_class;
	o.cls = rq->cls;
	o.has_min = rq->has_min;
	o.min_bps = rq->min_bps;
	o.has_max = rq->has_max;
	o.max_bps = rq->max_bps;
	o.has_weight = rq->has_weight;
	o.weight = rq->weight;
	o.expires = rq->for_s ? (int64_t)time(NULL) + (int64_t)rq->for_s : 0;
	pthread_mutex_lock(&c->lock);
	if (!known_vm(c, rq->vm)) {
		r = daqs_why(why, why_len, -ENOENT, "unknown VM '%s'", rq->vm);
		goto out;
	}
	r = check_override(c, &o, why, why_len);
	if (r)
		goto out;
	old = find_ovr(c, rq->vm);
	had = old != NULL;
	if (had) {
		saved = *old;
		*old = o;
	} else {
		daqs_grow((void **)&c->ovr, &c->ovr_cap, c->n_ovr + 1, sizeof(*c->ovr));
		c->ovr[c->n_ovr++] = o;
	}
	r = state_save(c, why, why_len);
	if (r) { /* not persisted: not in force either */
		if (had)
			*find_ovr(c, rq->vm) = saved;
		else
			c->n_ovr--;
		goto out;
	}
	ctl_log(c, DAQS_LOG_NOTICE, "override: set for '%s'%s", rq->vm,
		rq->for_s ? " (expires)" : " (until cleared)");
out:
	pthread_mutex_unlock(&c->lock);
	return r;
}

int daqs_controller_clear(struct daqs_controller *c, const char *vm, char *why, size_t why_len)
{
	struct daqs_state_override *o, saved;
	int r;

	pthread_mutex_lock(&c->lock);
	o = find_ovr(c, vm);
	if (!o) {
		r = daqs_why(why, why_len, -ENOENT, "VM '%s' has no override", vm);
		goto out;
	}
	saved = *o;
	drop_ovr(c, o);
	r = state_save(c, why, why_len);
	if (r) {
		daqs_grow((void **)&c->ovr, &c->ovr_cap, c->n_ovr + 1, sizeof(*c->ovr));
		c->ovr[c->n_ovr++] = saved;
		goto out;
	}
	ctl_log(c, DAQS_LOG_NOTICE, "override: cleared for '%s'", vm);
out:
	pthread_mutex_unlock(&c->lock);
	return r;
}

int daqs_controller_status_line(struct daqs_controller *c, const char *vm, char **line)
{
	struct daqs_ctl_status one;
	int r = 0;

	pthread_mutex_lock(&c->lock);
	if (!vm || !*vm) {
		*line = daqs_ctl_status_format(&c->snap);
		goto out;
	}
	one = c->snap;
	one.n_vms = 0;
	for (size_t i = 0; i < c->snap.n_vms; i++)
		if (!strcmp(c->snap.vms[i].name, vm)) {
			one.vms = &c->snap.vms[i];
			one.n_vms = 1;
		}
	if (!one.n_vms) {
		r = known_vm(c, vm) ? -EAGAIN : -ENOENT;
		goto out;
	}
	*line = daqs_ctl_status_format(&one);
out:
	pthread_mutex_unlock(&c->lock);
	return r;
}

size_t daqs_controller_vf_view(struct daqs_controller *c, struct daqs_controller_vfvm **out)
{
	size_t k = 0;

	pthread_mutex_lock(&c->lock);
	*out = daqs_calloc(c->n ? c->n : 1, sizeof(**out));
	for (size_t i = 0; i < c->n; i++) {
		const struct cvm *v = c->v[i];
		const struct daqs_estimator *e = rates_of(v);
		struct daqs_controller_vfvm *o = &(*out)[k];

		if (v->gone || v->retiring)
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
	pthread_mutex_unlock(&c->lock);
	return k;
}
