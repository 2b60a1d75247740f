/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daqsd's per-period driver (see controller.h): the lock, the event queue,
 * the agent sessions, the worker pool, the state file and the sysfs/netlink
 * adapters around the pure cycle core (cycle.h), which decides everything.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent_socket.h"
#include "clock.h"
#include "controller.h"
#include "guest_jobs.h"
#include "mem.h"
#include "poller.h"
#include "state.h"

#define NS_PER_S 1000000000ULL
#define SAMPLE_MIN_NS (50ULL * 1000000ULL) /* sampling deadline: >= 50 ms ... */
#define SAMPLE_MAX_NS (2ULL * NS_PER_S)	   /* ... <= 2 s, else period / 2 */
#define APPLY_MIN_NS (2ULL * NS_PER_S)	   /* tc under TCG: ~80 ms per exec, 5 execs */
#define SPEED_EVERY_NS (5ULL * NS_PER_S)   /* capacity: auto re-read */
#define VF_MAX_PFS 16
#define PF_PROBE_NS (30 * 1000000000ULL) /* the PFs' levers probed again this often */

/* One agent session: the guest layer over a transport, and the job's message box. */
struct session {
	struct daqs_guest *g;
	char *path;    /* socket guests: the agent path it was opened on */
	char msg[256]; /* the first thing the agent layers said during the current job */
};

/* What the event loop (or the VF pool) asks; applied by the cycle thread at period start. */
enum ev_kind { EV_UPSERT, EV_REMOVE, EV_KICK, EV_SET_VF, EV_MOVING, EV_SLA };
struct ev {
	enum ev_kind kind;
	char name[DAQS_SLA_NAME_MAX + 1];
	char uuid[37];
	struct daqs_domxml_nics nics; /* EV_UPSERT */
	bool has_nics;
	struct session *s;	/* EV_UPSERT */
	char pf[DAQS_IFNAMSIZ]; /* EV_SET_VF ("" none) */
	uint32_t vf;
	struct daqs_sla *sla; /* EV_SLA */
};

struct daqs_controller {
	pthread_mutex_t lock; /* the cycle core, the queue, sla_file */
	struct daqs_controller_cfg cfg;
	struct daqs_link_speed speed;
	char *state_dir;
	char *sla_file; /* of the newest SLA given */
	struct daqs_cycle *cy;
	struct daqs_poller *poller;
	struct ev *q;
	size_t nq, qcap;
	uint64_t speed_ns;
	/* the PFs' levers (pf_caps.h): which were probed, when */
	char probed[VF_MAX_PFS][DAQS_IFNAMSIZ];
	size_t n_probed;
	uint64_t probed_ns;
};

/* ---- sessions ---- */

/* The agent layers' log callback (worker threads, one job per session at a time). */
static void session_msg(void *ud, const char *msg)
{
	struct session *s = ud;

	if (!s->msg[0])
		snprintf(s->msg, sizeof(s->msg), "%s", msg);
}

static void session_clear_msg(void *ud)
{
	((struct session *)ud)->msg[0] = '\0';
}

static void session_free(struct session *s)
{
	if (!s)
		return;
	daqs_guest_free(s->g);
	free(s->path);
	free(s);
}

static struct session *socket_session(const char *name, const char *path)
{
	struct session *s = daqs_calloc(1, sizeof(*s));

	s->path = daqs_strdup(path);
	s->g = daqs_guest_new(daqs_agent_socket_new(path, session_msg, s), name, session_msg, s);
	return s;
}

/* Socket guests get a session on the SLA's path (a new one when the path changed). */
static void open_sockets(struct daqs_controller *c)
{
	struct daqs_cycle_socket *v;
	size_t n = daqs_cycle_sockets(c->cy, &v);

	for (size_t i = 0; i < n; i++) {
		struct session *s = v[i].user;
		void *old;

		if (s && s->path && !strcmp(s->path, v[i].path))
			continue;
		s = socket_session(v[i].name, v[i].path);
		if (daqs_cycle_attach(c->cy, v[i].name, s, &old) < 0)
			session_free(s);
		session_free(old);
	}
	free(v);
}

/* ---- the event queue ---- */

static void push(struct daqs_controller *c, const struct ev *e)
{
	pthread_mutex_lock(&c->lock);
	daqs_grow((void **)&c->q, &c->qcap, c->nq + 1, sizeof(*c->q));
	c->q[c->nq++] = *e;
	pthread_mutex_unlock(&c->lock);
}

static void ev_apply(struct daqs_controller *c, struct ev *e)
{
	void *old = NULL;

	switch (e->kind) {
	case EV_UPSERT:
		daqs_cycle_upsert(c->cy, e->name, e->uuid, e->has_nics ? &e->nics : NULL);
		if (daqs_cycle_attach(c->cy, e->name, e->s, &old) < 0)
			old = e->s;
		session_free(old);
		break;
	case EV_REMOVE:
		daqs_cycle_remove(c->cy, e->name);
		break;
	case EV_KICK:
		daqs_cycle_kick(c->cy, e->name);
		break;
	case EV_MOVING:
		daqs_cycle_vf_moving(c->cy, e->name);
		break;
	case EV_SET_VF:
		daqs_cycle_set_vf(c->cy, e->name, e->pf[0] ? e->pf : NULL, e->vf);
		break;
	case EV_SLA:
		daqs_cycle_set_sla(c->cy, e->sla);
		break;
	}
}

/* Under the lock, by the cycle thread only. */
static void apply_events(struct daqs_controller *c)
{
	for (size_t i = 0; i < c->nq; i++)
		ev_apply(c, &c->q[i]);
	c->nq = 0;
	open_sockets(c);
}

/* ---- state file ---- */

/* Under the lock: write overrides and limits; the core hears how it went. */
static int state_save(struct daqs_controller *c, char *why, size_t why_len)
{
	const struct daqs_overrides *o = daqs_cycle_overrides(c->cy);
	struct daqs_cycle_limit *lim;
	struct daqs_state st = { 0 };
	int r = 0;

	if (!c->state_dir) {
		daqs_cycle_state_saved(c->cy, 0, "");
		return 0;
	}
	st.n_app = daqs_cycle_limits(c->cy, &lim);
	st.app = daqs_calloc(st.n_app ? st.n_app : 1, sizeof(*st.app));
	for (size_t i = 0; i < st.n_app; i++) {
		snprintf(st.app[i].vm, sizeof(st.app[i].vm), "%s", lim[i].vm);
		snprintf(st.app[i].iface, sizeof(st.app[i].iface), "%s", lim[i].iface);
		st.app[i].limit_bps = lim[i].limit_bps;
	}
	free(lim);
	st.ovr = o->v;
	st.n_ovr = o->n;
	r = daqs_state_save(c->state_dir, &st, why, why_len);
	free(st.app);
	daqs_cycle_state_saved(c->cy, r, why);
	return r;
}

#define log_msg(c, prio, ...) daqs_logf((c)->cfg.log, (c)->cfg.log_ud, prio, __VA_ARGS__)

static void state_restore(struct daqs_controller *c)
{
	struct daqs_overrides o = { 0 };
	struct daqs_state st;
	char why[512];
	int r = daqs_state_load(c->state_dir, &st, why, sizeof(why));

	if (r == -ENOENT)
		return;
	if (r) { /* refuse the file, not the start: said once, loudly */
		log_msg(c, DAQS_LOG_ERR, "state: ignoring the state file: %s", why);
		return;
	}
	o.v = st.ovr;
	o.n = o.cap = st.n_ovr;
	st.ovr = NULL;
	for (size_t i = 0; i < st.n_app; i++)
		log_msg(c, DAQS_LOG_INFO, "state: '%s' had %s on %s; re-verifying", st.app[i].vm,
			st.app[i].limit_bps == DAQS_RATE_UNLIMITED ? "no limit" : "a limit",
			st.app[i].iface);
	log_msg(c, DAQS_LOG_INFO, "state: restored %zu override(s) from %s/state.json", o.n,
		c->state_dir);
	daqs_cycle_restore_overrides(c->cy, &o, (int64_t)time(NULL));
	daqs_state_clear(&st);
}

/* ---- lifecycle ---- */

int daqs_controller_new(const struct daqs_controller_cfg *cfg, struct daqs_sla *sla,
			struct daqs_controller **out)
{
	struct daqs_controller *c = daqs_calloc(1, sizeof(*c));
	struct daqs_cycle_cfg ccfg = {
		.kind = cfg->kind,
		.log = cfg->log,
		.log_ud = cfg->log_ud,
		.vf_rates = cfg->pf != NULL,
		.tap_rates = cfg->tap != NULL,
	};

	pthread_mutex_init(&c->lock, NULL);
	c->cfg = *cfg;
	c->speed = cfg->speed ? *cfg->speed
			      : (struct daqs_link_speed){ .read = daqs_link_speed_sysfs };
	c->state_dir = cfg->state_dir ? daqs_strdup(cfg->state_dir) : NULL;
	c->cfg.state_dir = c->state_dir;
	c->sla_file = daqs_strdup(sla->file);
	c->cy = daqs_cycle_new(&ccfg, sla);
	c->poller = daqs_poller_new(cfg->workers);
	if (c->state_dir)
		state_restore(c);
	open_sockets(c);
	*out = c;
	return 0;
}

static void drop_sessions(void **s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		session_free(s[i]);
	free(s);
}

void daqs_controller_free(struct daqs_controller *c)
{
	size_t n;

	if (!c)
		return;
	daqs_poller_free(c->poller);
	for (size_t i = 0; i < c->nq; i++) { /* never applied */
		session_free(c->q[i].s);
		if (c->q[i].kind == EV_SLA)
			daqs_sla_free(c->q[i].sla);
	}
	free(c->q);
	{
		void **s = daqs_cycle_drop_all(c->cy, &n); /* n is set here: not in one call */

		drop_sessions(s, n);
	}
	daqs_cycle_free(c->cy);
	free(c->sla_file);
	free(c->state_dir);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* ---- events ---- */

void daqs_controller_set_sla(struct daqs_controller *c, struct daqs_sla *sla)
{
	struct ev e = { .kind = EV_SLA, .sla = sla };

	pthread_mutex_lock(&c->lock);
	free(c->sla_file);
	c->sla_file = daqs_strdup(sla->file);
	pthread_mutex_unlock(&c->lock);
	push(c, &e);
}

const char *daqs_controller_sla_file(struct daqs_controller *c)
{
	return c->sla_file; /* only the event loop swaps SLAs, and it is the caller */
}

void daqs_controller_set_sla_error(struct daqs_controller *c, const char *msg)
{
	pthread_mutex_lock(&c->lock);
	daqs_cycle_set_sla_error(c->cy, msg);
	pthread_mutex_unlock(&c->lock);
}

int daqs_controller_upsert(struct daqs_controller *c, const char *name, const char *uuid,
			   daqs_transport_maker make, void *arg,
			   const struct daqs_domxml_nics *nics)
{
	struct ev e = { .kind = EV_UPSERT, .has_nics = nics != NULL };
	struct daqs_agent_transport *t;
	struct session *s = daqs_calloc(1, sizeof(*s));

	t = make(arg, session_msg, s);
	if (!t) {
		log_msg(c, DAQS_LOG_ERR, "guest '%s': cannot create its agent transport", name);
		free(s);
		return -EIO;
	}
	s->g = daqs_guest_new(t, name, session_msg, s);
	snprintf(e.name, sizeof(e.name), "%s", name);
	snprintf(e.uuid, sizeof(e.uuid), "%s", uuid ? uuid : "");
	if (nics)
		e.nics = *nics;
	e.s = s;
	push(c, &e);
	return 0;
}

static void push_named(struct daqs_controller *c, enum ev_kind kind, const char *name)
{
	struct ev e = { .kind = kind };

	snprintf(e.name, sizeof(e.name), "%s", name);
	push(c, &e);
}

void daqs_controller_remove(struct daqs_controller *c, const char *name)
{
	push_named(c, EV_REMOVE, name);
}

void daqs_controller_kick(struct daqs_controller *c, const char *name)
{
	push_named(c, EV_KICK, name);
}

void daqs_controller_vf_moving(struct daqs_controller *c, const char *name)
{
	push_named(c, EV_MOVING, name);
}

void daqs_controller_set_vf(struct daqs_controller *c, const char *vm, const char *pf, uint32_t vf)
{
	struct ev e = { .kind = EV_SET_VF, .vf = vf };

	snprintf(e.name, sizeof(e.name), "%s", vm);
	snprintf(e.pf, sizeof(e.pf), "%s", pf ? pf : "");
	push(c, &e);
}

size_t daqs_controller_libvirt_names(struct daqs_controller *c, char ***names)
{
	size_t n;

	pthread_mutex_lock(&c->lock);
	n = daqs_cycle_libvirt_names(c->cy, names);
	pthread_mutex_unlock(&c->lock);
	return n;
}

static int sink_upsert(void *ud, const char *name, const char *uuid, daqs_transport_maker make,
		       void *arg, const struct daqs_domxml_nics *nics)
{
	return daqs_controller_upsert(ud, name, uuid, make, arg, nics);
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

uint64_t daqs_controller_period_ns(struct daqs_controller *c)
{
	uint64_t p;

	pthread_mutex_lock(&c->lock);
	p = daqs_cycle_period_ns(c->cy);
	pthread_mutex_unlock(&c->lock);
	return p;
}

uint64_t daqs_controller_cycles(struct daqs_controller *c)
{
	uint64_t n;

	pthread_mutex_lock(&c->lock);
	n = daqs_cycle_count(c->cy);
	pthread_mutex_unlock(&c->lock);
	return n;
}

size_t daqs_controller_vf_view(struct daqs_controller *c, struct daqs_cycle_vf_vm **out)
{
	size_t n;

	pthread_mutex_lock(&c->lock);
	n = daqs_cycle_vf_view(c->cy, out);
	pthread_mutex_unlock(&c->lock);
	return n;
}

/* ---- running jobs (outside the lock) ---- */

struct run {
	const struct daqs_cycle_job *job;
	struct daqs_cycle_result *res;
};

static int run_job(struct daqs_guest *g, void *ud, uint64_t deadline)
{
	struct run *x = ud;

	return daqs_guest_job_run(g, x->job, x->res, deadline, session_clear_msg, x->job->user);
}

/* The jobs on the pool; *res (caller frees) their results as values. */
static struct daqs_cycle_result *
run_jobs(struct daqs_controller *c, const struct daqs_cycle_job *jobs, size_t n, uint64_t deadline)
{
	struct daqs_cycle_result *res = daqs_calloc(n ? n : 1, sizeof(*res));
	struct daqs_poll_job *pj = daqs_calloc(n ? n : 1, sizeof(*pj));
	struct run *x = daqs_calloc(n ? n : 1, sizeof(*x));

	for (size_t i = 0; i < n; i++) {
		struct session *s = jobs[i].user;

		s->msg[0] = '\0';
		x[i] = (struct run){ &jobs[i], &res[i] };
		pj[i] = (struct daqs_poll_job){ .fn = run_job, .guest = s->g, .ud = &x[i] };
	}
	if (n && daqs_poller_run(c->poller, pj, n, deadline) < 0)
		log_msg(c, DAQS_LOG_ERR, "cycle: no worker thread could run %zu job(s)", n);
	for (size_t i = 0; i < n; i++) {
		struct session *s = jobs[i].user;

		res[i].ran = pj[i].ran;
		if (!pj[i].ran)
			res[i].r = -ETIMEDOUT;
		snprintf(res[i].msg, sizeof(res[i].msg), "%s", s->msg);
	}
	free(pj);
	free(x);
	return res;
}

/* capacity: auto links follow their PF's speed (read outside the lock: the cycle thread's SLA). */
static void refresh_speeds(struct daqs_controller *c, uint64_t now)
{
	const struct daqs_sla *sla = daqs_cycle_sla(c->cy);
	uint64_t bps[DAQS_SLA_MAX_LINKS] = { 0 };
	int err[DAQS_SLA_MAX_LINKS] = { 0 };
	size_t n = sla->n_links < DAQS_SLA_MAX_LINKS ? sla->n_links : DAQS_SLA_MAX_LINKS;

	if (c->speed_ns && now - c->speed_ns < SPEED_EVERY_NS)
		return;
	c->speed_ns = now;
	for (size_t l = 0; l < n; l++)
		if (sla->links[l].capacity_auto && sla->links[l].device)
			err[l] = c->speed.read(c->speed.ud, sla->links[l].device, &bps[l]);
	pthread_mutex_lock(&c->lock);
	for (size_t l = 0; l < n; l++)
		if (sla->links[l].capacity_auto && sla->links[l].device)
			daqs_cycle_link_speed(c->cy, l, bps[l], err[l]);
	pthread_mutex_unlock(&c->lock);
}

/* Host-side counters from the VFs: one dump per PF, outside the lock. */
static void vf_counters(struct daqs_controller *c)
{
	char pfs[VF_MAX_PFS][DAQS_IFNAMSIZ];
	struct daqs_pf_vf *vfs[VF_MAX_PFS] = { 0 };
	size_t n[VF_MAX_PFS] = { 0 }, np;
	uint64_t t;

	pthread_mutex_lock(&c->lock);
	np = daqs_cycle_vf_pfs(c->cy, pfs, VF_MAX_PFS);
	pthread_mutex_unlock(&c->lock);
	for (size_t k = 0; k < np; k++)
		if (daqs_pf_list_vfs(c->cfg.pf, pfs[k], &vfs[k], &n[k]) < 0) {
			vfs[k] = NULL; /* reported by the adapter */
			n[k] = 0;
		}
	t = daqs_monotonic_ns();
	pthread_mutex_lock(&c->lock);
	for (size_t k = 0; k < np; k++) {
		struct daqs_cycle_vf_stat *st = daqs_calloc(n[k] ? n[k] : 1, sizeof(*st));

		for (size_t i = 0; i < n[k]; i++)
			st[i] = (struct daqs_cycle_vf_stat){
				.index = vfs[k][i].index,
				.have_stats = vfs[k][i].have_stats,
				.c = { .tx_bytes = vfs[k][i].tx_bytes,
				       .rx_bytes = vfs[k][i].rx_bytes,
				       .tx_pkts = vfs[k][i].tx_packets,
				       .rx_pkts = vfs[k][i].rx_packets },
			};
		daqs_cycle_vf_counters(c->cy, pfs[k], st, n[k], t);
		free(st);
		free(vfs[k]);
	}
	pthread_mutex_unlock(&c->lock);
}

/*
 * Probe the PFs (links' devices, VFs in use) for their levers: when the set
 * changes (a reload, a VF taken) and every PF_PROBE_NS (an eswitch mode may
 * change under daqsd). Outside the lock: sysfs and two devlink dumps a PF.
 */
static void pf_probe(struct daqs_controller *c, uint64_t now)
{
	char pfs[VF_MAX_PFS][DAQS_IFNAMSIZ] = { { 0 } }; /* compared whole below */
	struct daqs_pf_caps caps[VF_MAX_PFS];
	size_t np;

	pthread_mutex_lock(&c->lock);
	np = daqs_cycle_probe_pfs(c->cy, pfs, VF_MAX_PFS);
	pthread_mutex_unlock(&c->lock);
	if (np == c->n_probed && !memcmp(pfs, c->probed, np * DAQS_IFNAMSIZ) &&
	    now - c->probed_ns < PF_PROBE_NS && c->probed_ns)
		return;
	for (size_t i = 0; i < np; i++)
		daqs_pf_probe(c->cfg.pf, pfs[i], &caps[i]); /* the outcome is in caps[i].r */
	memcpy(c->probed, pfs, np * DAQS_IFNAMSIZ);
	c->n_probed = np;
	c->probed_ns = now;
	pthread_mutex_lock(&c->lock);
	daqs_cycle_pf_caps(c->cy, caps, np);
	pthread_mutex_unlock(&c->lock);
}

/* Write VF rates (the lock is not held). */
static void vf_run(struct daqs_pf *pf, struct daqs_cycle_vf_write *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct daqs_vf_rate_change chg = {
			.set = DAQS_VF_SET_MAX | (w[i].with_min ? DAQS_VF_SET_MIN : 0),
			.max_mbps = w[i].max_mbps,
			.min_mbps = w[i].min_mbps,
			.lever = w[i].pin,
		};

		w[i].r = daqs_pf_set_rates(pf, w[i].pf, w[i].idx, &chg, NULL);
		daqs_pf_lever(pf, w[i].pf, w[i].idx, w[i].lever, sizeof(w[i].lever));
		if (w[i].r == DAQS_PF_MIN_DROPPED) { /* the max is in force; the NIC takes no min */
			w[i].min_refused = true;
			w[i].r = 0;
		}
		if (w[i].set_group && w[i].r == 0)
			w[i].group_r = daqs_pf_set_group(pf, w[i].pf, w[i].idx,
							 w[i].release ? "" : w[i].group,
							 w[i].group_share_mbps, w[i].group_max_mbps,
							 w[i].group_why, sizeof(w[i].group_why));
	}
}

static void vf_writes(struct daqs_controller *c)
{
	struct daqs_cycle_vf_write *w;
	size_t n;

	pthread_mutex_lock(&c->lock);
	n = daqs_cycle_vf_writes(c->cy, &w);
	pthread_mutex_unlock(&c->lock);
	if (n && c->cfg.pf) {
		vf_run(c->cfg.pf, w, n);
		pthread_mutex_lock(&c->lock);
		daqs_cycle_vf_written(c->cy, w, n);
		pthread_mutex_unlock(&c->lock);
	}
	free(w);
}

/* Write tap rates through libvirt (the lock is not held). */
static void tap_run(struct daqs_tap *tap, struct daqs_cycle_tap_write *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct daqs_tap_rates r = { w[i].out_kBps, w[i].out_burst_kB };

		w[i].r = daqs_tap_set_out(tap, w[i].uuid, w[i].vm, w[i].dev, &r, w[i].msg,
					  sizeof(w[i].msg));
	}
}

static void tap_writes(struct daqs_controller *c)
{
	struct daqs_cycle_tap_write *w;
	size_t n;

	pthread_mutex_lock(&c->lock);
	n = daqs_cycle_tap_writes(c->cy, &w, daqs_monotonic_ns());
	pthread_mutex_unlock(&c->lock);
	if (n && c->cfg.tap) {
		tap_run(c->cfg.tap, w, n);
		pthread_mutex_lock(&c->lock);
		daqs_cycle_tap_written(c->cy, w, n, daqs_monotonic_ns());
		pthread_mutex_unlock(&c->lock);
	}
	free(w);
}

static uint64_t clamp_ns(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* ---- the cycle ---- */

void daqs_controller_cycle(struct daqs_controller *c, uint64_t now)
{
	struct daqs_cycle_job *jobs;
	struct daqs_cycle_result *res;
	void **dropped;
	size_t nj, nd;
	uint64_t period, t_sampled, t_end;
	char why[512];

	pthread_mutex_lock(&c->lock);
	apply_events(c);
	pthread_mutex_unlock(&c->lock);
	refresh_speeds(c, now);

	pthread_mutex_lock(&c->lock);
	period = daqs_cycle_period_ns(c->cy);
	nj = daqs_cycle_begin(c->cy, now, (int64_t)time(NULL), &jobs, &dropped, &nd);
	pthread_mutex_unlock(&c->lock);
	drop_sessions(dropped, nd);

	res = run_jobs(c, jobs, nj, now + clamp_ns(period / 2, SAMPLE_MIN_NS, SAMPLE_MAX_NS));
	pthread_mutex_lock(&c->lock);
	daqs_cycle_sampled(c->cy, jobs, res, nj);
	pthread_mutex_unlock(&c->lock);
	free(res);
	free(jobs);
	if (c->cfg.pf)
		vf_counters(c);
	pf_probe(c, now);

	t_sampled = daqs_monotonic_ns();
	pthread_mutex_lock(&c->lock);
	nj = daqs_cycle_decide(c->cy, t_sampled, (int64_t)time(NULL), &jobs);
	pthread_mutex_unlock(&c->lock);

	res = run_jobs(c, jobs, nj,
		       daqs_monotonic_ns() + (period > APPLY_MIN_NS ? period : APPLY_MIN_NS));
	t_end = daqs_monotonic_ns();
	pthread_mutex_lock(&c->lock);
	if (t_end - now > period / 2)
		log_msg(c, DAQS_LOG_DEBUG,
			"cycle %llu: %.1f ms (sampling %.1f ms, %zu limit(s) %.1f ms)",
			(unsigned long long)daqs_cycle_count(c->cy), (double)(t_end - now) / 1e6,
			(double)(t_sampled - now) / 1e6, nj, (double)(t_end - t_sampled) / 1e6);
	daqs_cycle_applied(c->cy, jobs, res, nj, t_end);
	pthread_mutex_unlock(&c->lock);
	free(res);
	free(jobs);
	vf_writes(c);
	tap_writes(c);

	pthread_mutex_lock(&c->lock);
	if (daqs_cycle_end(c->cy, (double)(t_end - now) / 1e6))
		state_save(c, why, sizeof(why));
	pthread_mutex_unlock(&c->lock);
}

void daqs_controller_remove_limits(struct daqs_controller *c, uint64_t deadline)
{
	struct daqs_cycle_job *jobs;
	struct daqs_cycle_result *res;
	struct daqs_cycle_vf_write *w;
	struct daqs_cycle_tap_write *tw;
	size_t nj, nw, nt;
	char why[512];

	pthread_mutex_lock(&c->lock);
	apply_events(c);
	nj = daqs_cycle_remove_all(c->cy, &jobs, &w, &nw);
	nt = daqs_cycle_tap_remove_all(c->cy, &tw);
	pthread_mutex_unlock(&c->lock);
	res = run_jobs(c, jobs, nj, deadline);
	if (nw && c->cfg.pf)
		vf_run(c->cfg.pf, w, nw);
	if (nt && c->cfg.tap)
		tap_run(c->cfg.tap, tw, nt);
	pthread_mutex_lock(&c->lock);
	daqs_cycle_removed(c->cy, jobs, res, nj);
	if (nw && c->cfg.pf)
		daqs_cycle_vf_written(c->cy, w, nw);
	if (nt && c->cfg.tap)
		daqs_cycle_tap_written(c->cy, tw, nt, daqs_monotonic_ns());
	state_save(c, why, sizeof(why));
	pthread_mutex_unlock(&c->lock);
	free(res);
	free(jobs);
	free(w);
	free(tw);
}

/* ---- control verbs ---- */

int daqs_controller_override(struct daqs_controller *c, const struct daqs_ctl_request *rq,
			     char *why, size_t why_len)
{
	struct daqs_override o;
	struct daqs_cycle_undo undo;
	int r;

	daqs_override_from_request(rq, (int64_t)time(NULL), &o);
	pthread_mutex_lock(&c->lock);
	r = daqs_cycle_override(c->cy, &o, &undo, why, why_len);
	if (!r && (r = state_save(c, why, why_len)) < 0)
		daqs_cycle_override_undo(c->cy, &undo); /* not persisted: not in force either */
	else if (!r)
		log_msg(c, DAQS_LOG_NOTICE, "override: set for '%s'%s", rq->vm,
			rq->for_s ? " (expires)" : " (until cleared)");
	pthread_mutex_unlock(&c->lock);
	return r;
}

int daqs_controller_clear(struct daqs_controller *c, const char *vm, char *why, size_t why_len)
{
	struct daqs_cycle_undo undo;
	int r;

	pthread_mutex_lock(&c->lock);
	r = daqs_cycle_clear_override(c->cy, vm, &undo, why, why_len);
	if (!r && (r = state_save(c, why, why_len)) < 0)
		daqs_cycle_override_undo(c->cy, &undo);
	else if (!r)
		log_msg(c, DAQS_LOG_NOTICE, "override: cleared for '%s'", vm);
	pthread_mutex_unlock(&c->lock);
	return r;
}

int daqs_controller_status_line(struct daqs_controller *c, const char *vm, char **line)
{
	const struct daqs_ctl_status *st;
	struct daqs_ctl_status one;
	int r = 0;

	pthread_mutex_lock(&c->lock);
	st = daqs_cycle_status(c->cy);
	if (!vm || !*vm) {
		*line = daqs_ctl_status_format(st);
		goto out;
	}
	one = *st;
	one.n_vms = 0;
	for (size_t i = 0; i < st->n_vms; i++)
		if (!strcmp(st->vms[i].name, vm)) {
			one.vms = &st->vms[i];
			one.n_vms = 1;
		}
	if (!one.n_vms) {
		r = daqs_cycle_known(c->cy, vm) ? -EAGAIN : -ENOENT;
		goto out;
	}
	*line = daqs_ctl_status_format(&one);
out:
	pthread_mutex_unlock(&c->lock);
	return r;
}
