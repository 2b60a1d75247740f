/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cycle core: one period, from the sampling jobs to the snapshot (see cycle.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cycle_impl.h"
#include "mem.h"
#include "units.h"

#define QUEUE_RETRY_NS (30ULL * 1000000000ULL) /* a failed queueing-delay read waits this */

#define NS_PER_S 1000000000ULL
#define BACKOFF_MAX_NS (5ULL * NS_PER_S) /* a timed-out guest is skipped for at most this long */
#define RETIRE_TRIES 10			 /* attempts to remove a dropped guest's limit */

/*
 * A guest whose counters show it sending well above the limit in force
 * (OVER_FACTOR, twice in a row, the limit in force for OVER_SETTLE periods
 * before) has lost that limit: its tc was deleted or rewritten inside the
 * guest. It is verified now rather than at the next periodic verification.
 */
#define OVER_FACTOR 1.2
#define OVER_SLACK_BPS 1e6
#define OVER_SETTLE 2
#define OVER_TIMES 2

static uint64_t really_in_force(const struct daqs_gvm *v)
{
	return v->in_force_known ? v->in_force : DAQS_RATE_UNLIMITED;
}

static bool ending(const struct daqs_gvm *v)
{
	return v->state == DAQS_GUEST_RETIRING || v->state == DAQS_GUEST_GONE;
}

static void verify(struct daqs_gvm *v)
{
	if (v->state == DAQS_GUEST_SHAPED || v->state == DAQS_GUEST_NO_EXEC)
		v->state = DAQS_GUEST_VERIFY;
}

/* ---- logging a job's outcome: once per transition ---- */

static void outcome(const struct daqs_cycle *c, struct daqs_gvm *v, int r, const char *what,
		    const char *msg)
{
	char buf[DAQS_PROBLEM_MAX];

	if (r == 0) {
		if (daqs_problem_worked(&v->prob) == DAQS_PROBLEM_ENDED)
			daqs_cycle_log(c, DAQS_LOG_NOTICE, "guest '%s': %s works again", v->name,
				       what);
		else if (msg[0]) /* e.g. "no longer agent-limited" */
			daqs_cycle_log(c, DAQS_LOG_NOTICE, "%s", msg);
		return;
	}
	v->agent_errors++;
	if (!msg[0]) {
		snprintf(buf, sizeof(buf), "guest '%.100s': %s failed (%s)", v->name, what,
			 strerror(-r));
		msg = buf;
	}
	if (daqs_problem_failed(&v->prob, msg) == DAQS_PROBLEM_STARTED)
		daqs_cycle_log(c, DAQS_LOG_WARNING, "%s", msg);
}

/* Failures that say something of the guest's interfaces, not of its agent. */
static bool iface_level(int r)
{
	return r == -ENODEV || r == -ENODATA || r == -ENOTUNIQ;
}

static enum daqs_agent_health health_of(int r)
{
	switch (r) {
	case 0:
		return DAQS_AGENT_OK;
	case -ENOTCONN:
	case -ECONNREFUSED:
	case -ECONNRESET:
	case -ENOENT:
	case -EPIPE:
		return DAQS_AGENT_NOT_CONNECTED;
	default:
		return DAQS_AGENT_ERROR;
	}
}

/*
 * A discovery's result. Anything but "found" or "not there" (a timeout, a
 * new NIC not yet in its bond) keeps the interface known so far: it is
 * shaped and sampled as before, and found again at the next period.
 * Returns the discovery's 0 / -errno; *msg gets what to say.
 */
static int discovered(const struct daqs_cycle *c, struct daqs_gvm *v,
		      const struct daqs_cycle_job *j, const struct daqs_cycle_result *res,
		      char *msg, size_t len)
{
	int r = res->ran ? res->discover_r : -ETIMEDOUT;

	(void)c;
	switch (r) {
	case 0:
		if (strcmp(res->iface, v->iface))
			v->state = DAQS_GUEST_VERIFY; /* a new interface: read it back first */
		else if (v->state == DAQS_GUEST_FIND_IFACE || v->state == DAQS_GUEST_REFIND)
			v->state = DAQS_GUEST_VERIFY;
		snprintf(v->iface, sizeof(v->iface), "%s", res->iface);
		snprintf(v->kind, sizeof(v->kind), "%s", res->kind);
		return 0;
	case -ENOENT:
		snprintf(msg, len, "guest '%.100s': no interface carries MAC %s", v->name, j->mac);
		v->iface[0] = v->kind[0] = '\0'; /* not found: nothing to shape */
		v->state = DAQS_GUEST_FIND_IFACE;
		return r; /* also a missing agent socket's code: health says not-connected */
	case -ENOTUNIQ:
		snprintf(
			msg, len,
			"guest '%.100s': several unrelated interfaces carry MAC %s (a NIC not, or not "
			"yet, in the bond with the others?)",
			v->name, j->mac);
		return r;
	case -ENODEV:
		snprintf(msg, len,
			 "guest '%.100s': no interface to shape: neither 'interface' nor 'mac' is "
			 "known",
			 v->name);
		v->iface[0] = v->kind[0] = '\0';
		v->state = DAQS_GUEST_FIND_IFACE;
		return r;
	default:
		snprintf(msg, len, "%s", res->msg);
		return r;
	}
}

/* ---- begin ---- */

static void expired(void *ud, const char *vm)
{
	daqs_cycle_log(ud, DAQS_LOG_NOTICE, "override: expired for '%s'", vm);
}

/* Records forgotten now (GONE, their VF released or tried); their sessions go to *dropped. */
static void forget_gone(struct daqs_cycle *c, void ***dropped, size_t *n_dropped)
{
	struct daqs_cycle_vf_write w;

	*dropped = daqs_calloc(c->n ? c->n : 1, sizeof(**dropped));
	*n_dropped = 0;
	for (size_t i = 0; i < c->n;) {
		struct daqs_gvm *v = c->v[i];

		if (v->state != DAQS_GUEST_GONE ||
		    (c->cfg.vf_rates && !v->vf.release_tried && daqs_vfuse_release(v, &w))) {
			i++;
			continue;
		}
		if (v->user)
			(*dropped)[(*n_dropped)++] = v->user;
		daqs_gvm_free(v);
		c->v[i] = c->v[--c->n];
	}
}

static struct daqs_cycle_job job_of(const struct daqs_cycle *c, const struct daqs_gvm *v,
				    enum daqs_cycle_job_kind kind)
{
	struct daqs_cycle_job j = {
		.kind = kind,
		.user = v->user,
		.rec = v,
		.burst_us = (uint32_t)(c->sla->ctl.burst_ns / 1000),
	};

	/* the interface the tap's counters told wins over the SLA's name and the MAC */
	memcpy(j.iface_cfg, v->pinned[0] ? v->pinned : v->iface_cfg, sizeof(j.iface_cfg));
	memcpy(j.mac, v->mac, sizeof(j.mac));
	memcpy(j.iface, v->iface, sizeof(j.iface));
	return j;
}

/*
 * Step 9 of policy daqs-closed: the TCP queueing delay of a Guarantee VM that sends
 * but less than its min (the only VMs it is read for: two guest-execs each,
 * ss and tc, a cycle; counters in guest units, so a VM at its min with GSO-scaled
 * counters is read too). Not for an agent that cannot exec, nor for a VM
 * whose limit is on its VF (enforce: vf): no HTB of ours in the guest would
 * tell whether its own limit holds it.
 */
static bool wants_queue(const struct daqs_cycle *c, const struct daqs_gvm *v)
{
	const struct daqs_estimator *e = daqs_gvm_rates(v);
	double use = fmax(e->inst.tx_bps, e->smooth.tx_bps), min = (double)daqs_gvm_min(v);

	return c->cfg.kind == DAQS_POLICY_DAQS_CLOSED && !v->tcpq_skip &&
	       v->eff.cls == DAQS_CLASS_GUARANTEE && v->eff.enforce != DAQS_ENFORCE_VF &&
	       !v->limited && v->state != DAQS_GUEST_NO_EXEC && !ending(v) && v->iface[0] &&
	       e->have_rate && use > min / 400 && use < min;
}

size_t daqs_cycle_begin(struct daqs_cycle *c, uint64_t now_ns, int64_t now_s,
			struct daqs_cycle_job **jobs, void ***dropped, size_t *n_dropped)
{
	struct daqs_cycle_job *j;
	size_t k = 0;

	(void)now_ns;
	if (daqs_overrides_expire(&c->ovr, now_s, expired, c))
		c->state_dirty = true;
	forget_gone(c, dropped, n_dropped);
	j = daqs_calloc(c->n ? c->n : 1, sizeof(*j));
	for (size_t i = 0; i < c->n; i++) {
		struct daqs_gvm *v = c->v[i];

		v->sampled = v->applying = false;
		v->sample_r = 0;
		v->host_r = 0;
		v->pv.have_queue = v->pv.have_own = false; /* measured this period or not at all */
		v->tcpq_skip -= v->tcpq_skip > 0;
		v->vf.dumped = false;
		if (v->libvirt && !ending(v))
			daqs_gvm_host_pick(c,
					   v); /* a VF taken or given, a bond found: a whole tap? */
	}
	/* Guests that answered last time first; suspects (timed out) last. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < c->n; i++) {
			struct daqs_gvm *v = c->v[i];

			if (!v->user || v->state == DAQS_GUEST_GONE ||
			    (v->backoff > 0) != (pass == 1))
				continue;
			if (v->skip) {
				v->skip--;
				continue;
			}
			j[k] = job_of(c, v, DAQS_JOB_SAMPLE);
			j[k].discover = v->state == DAQS_GUEST_FIND_IFACE;
			j[k].tcp_queue = wants_queue(c, v);
			memcpy(j[k++].host_iface, v->host_iface, sizeof(v->host_iface));
		}
	*jobs = j;
	return k;
}

/* ---- sampled ---- */

/*
 * A guest that hangs (-ETIMEDOUT) or whose replies are refused (-EPROTO:
 * over their bound, not JSON, not valid) is a suspect: asked less often and
 * queued last, so it cannot take the workers' time from the others.
 */
static bool suspect(int r)
{
	return r == -ETIMEDOUT || r == -EPROTO;
}

static void backoff_grow(const struct daqs_cycle *c, struct daqs_gvm *v)
{
	unsigned most = (unsigned)(BACKOFF_MAX_NS / c->sla->ctl.period_ns);

	most = most ? most : 1;
	v->backoff = v->backoff ? (v->backoff * 2 > most ? most : v->backoff * 2) : 1;
	v->skip = v->backoff;
}

/*
 * After a sample: a suspect backs off, any other outcome clears it. A job
 * the workers never started (the deadline passed while others ran) says
 * nothing of this guest: its backoff stays as it was.
 */
static void backoff(const struct daqs_cycle *c, struct daqs_gvm *v,
		    const struct daqs_cycle_result *res, int r)
{
	if (!res->ran)
		return;
	if (suspect(r))
		backoff_grow(c, v);
	else
		v->backoff = v->skip = 0;
}

static void set_health(struct daqs_gvm *v, int r)
{
	enum daqs_agent_health h = iface_level(r) ? DAQS_AGENT_OK : health_of(r);

	/* an agent back from an outage: the guest may have rebooted under us */
	if (h == DAQS_AGENT_OK && v->health == DAQS_AGENT_NOT_CONNECTED)
		verify(v);
	v->health = h;
}

/* The queueing delay read with the sample (wants_queue); a failure is reported when it starts. */
static void queue_read(const struct daqs_cycle *c, struct daqs_gvm *v,
		       const struct daqs_cycle_result *res)
{
	int r = res->tcpq_r;

	v->pv.have_queue = r == 0 && res->tcpq.flows > 0; /* no TCP flow: nothing to tell */
	v->pv.queue_ms = res->tcpq.delay_ms;
	v->pv.have_own = v->pv.have_queue && res->tcpq.have_own;
	v->pv.own_queued = res->tcpq.own_backlog > 0;
	if (r == 0)
		daqs_cycle_log(
			c, DAQS_LOG_DEBUG,
			"guest '%s': TCP queueing delay %.3f ms (largest of %u sending flows), "
			"its own HTB %s",
			v->name, res->tcpq.delay_ms, res->tcpq.flows,
			!res->tcpq.have_own	? "not read"
			: res->tcpq.own_backlog ? "queues"
						: "queues nothing");
	if (r < 0 && r != v->tcpq_r)
		daqs_cycle_log(c, DAQS_LOG_WARNING,
			       "guest '%s': cannot read its TCP queueing delay (%s); its link's "
			       "capacity is not measured through it",
			       v->name,
			       r == -ENOENT ? "no ss in the guest"
			       : r == -EIO  ? "ss failed"
					    : strerror(-r));
	else if (r == 0 && v->tcpq_r < 0)
		daqs_cycle_log(c, DAQS_LOG_NOTICE, "guest '%s': its TCP queueing delay reads again",
			       v->name);
	v->tcpq_r = r;
	/* no ss, a failing one: two guest-execs a period are not tried again for 30 s */
	v->tcpq_skip = r < 0 ? (unsigned)(QUEUE_RETRY_NS / c->sla->ctl.period_ns) : 0;
}

/* Names of the guest's interfaces that carry mac, for a message: "a, b". */
static void with_mac(const struct daqs_cycle_result *res, const char *mac, char *buf, size_t len)
{
	size_t k = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < res->n_nics && k < len; i++)
		if (!strcmp(res->nics[i].mac, mac))
			k += (size_t)snprintf(buf + k, len - k, "%s%s", k ? ", " : "",
					      res->nics[i].name);
}

/*
 * The interface to shape, told by the tap when the guest's word is in doubt:
 * no single interface has its MAC (r), or the counters of the one shaped
 * do not track the tap's (the cross-check distrusts them: its MAC moved to
 * a dummy, or the agent lies). The one interface whose counters track the
 * tap's is pinned: shaped, and found by name from now on, until it is gone.
 * None tracking it (an idle guest, a lying agent), several (a bond and its
 * member), or a tap that is not all the traffic: nothing is guessed.
 */
static void tap_track(const struct daqs_cycle *c, struct daqs_gvm *v,
		      const struct daqs_cycle_job *j, const struct daqs_cycle_result *res, int r)
{
	bool no_single = j->discover && (r == -ENOTUNIQ || r == -ENOENT);
	char pick[DAQS_IFNAMSIZ], names[96];

	if (!daqs_tapmatch_feed(&v->tm, res->nics, res->n_nics, &res->hsmp.c, pick) ||
	    (!no_single && !v->xc.distrust) || !strcmp(pick, v->iface) || !daqs_gvm_tap_whole(v))
		return; /* a tap beside a VF sees part of the traffic: it tells nothing */
	with_mac(res, j->mac, names, sizeof(names));
	if (no_single)
		daqs_cycle_log(c, DAQS_LOG_WARNING,
			       "guest '%s': %s MAC %s (%s); '%s' is the interface whose counters "
			       "track its tap '%s': shaping '%s'",
			       v->name,
			       r == -ENOTUNIQ ? "several interfaces carry" : "none carries", j->mac,
			       names[0] ? names : "-", pick, v->host_iface, pick);
	else
		daqs_cycle_log(c, DAQS_LOG_WARNING,
			       "guest '%s': the counters of '%s' do not track its tap '%s', those "
			       "of '%s' do (interfaces with MAC %s: %s): shaping '%s'",
			       v->name, v->iface[0] ? v->iface : "-", v->host_iface, pick, j->mac,
			       names[0] ? names : "none", pick);
	snprintf(v->pinned, sizeof(v->pinned), "%s", pick);
	snprintf(v->iface, sizeof(v->iface), "%s", pick);
	v->kind[0] = '\0';
	v->state = DAQS_GUEST_VERIFY;
	daqs_estimator_reset(&v->est); /* another interface's counters: a new series */
	daqs_crosscheck_reset(&v->xc);
}

static void after_sample(struct daqs_cycle *c, struct daqs_gvm *v, const struct daqs_cycle_job *j,
			 const struct daqs_cycle_result *res)
{
	char msg[DAQS_PROBLEM_MAX] = "";
	int r = res->ran ? res->r : -ETIMEDOUT;

	v->sampled = true;
	if (res->ran)
		v->limited = res->limited;
	if (j->discover && res->ran && res->discover_r)
		r = discovered(c, v, j, res, msg, sizeof(msg));
	else if (j->discover && res->ran)
		discovered(c, v, j, res, msg, sizeof(msg));
	if (!msg[0] && res->iface_r == -ENODEV) {
		snprintf(msg, sizeof(msg), "guest '%.100s': interface '%s' is gone from the guest",
			 v->name, v->iface);
		v->iface[0] = v->kind[0] = '\0'; /* nothing to shape until it is found again */
		v->pinned[0] = '\0';
		if (!ending(v))
			v->state = DAQS_GUEST_FIND_IFACE;
	} else if (!msg[0] && res->iface_r == -ENODATA) {
		snprintf(msg, sizeof(msg),
			 "guest '%.100s': interface '%s' has no statistics in "
			 "guest-network-get-interfaces (no IP address?)",
			 v->name, v->iface);
	} else if (!msg[0]) {
		snprintf(msg, sizeof(msg), "%s", res->msg);
	}
	v->sample_r = r;
	set_health(v, r);
	outcome(c, v, r, "sampling", msg);
	backoff(c, v, res, r);
	if (r == 0 && daqs_estimator_update(&v->est, &res->smp) == DAQS_EST_RESET) {
		daqs_cycle_log(c, DAQS_LOG_INFO,
			       "guest '%s': counters went backwards (reboot or re-plug); "
			       "re-verifying",
			       v->name);
		daqs_gvm_refind(v);
	}
	if (j->host_iface[0]) { /* whatever the agent did: the host's view is ours */
		v->host_r = res->host_r;
		v->hsmp = res->hsmp;
		if (res->ran && res->host_r == 0)
			tap_track(c, v, j, res, r);
	}
	if (j->tcp_queue && r == 0)
		queue_read(c, v, res);
}

void daqs_cycle_sampled(struct daqs_cycle *c, const struct daqs_cycle_job *jobs,
			const struct daqs_cycle_result *res, size_t n)
{
	for (size_t i = 0; i < n; i++)
		after_sample(c, (struct daqs_gvm *)jobs[i].rec, &jobs[i], &res[i]);
}

/* ---- host-side counters from the VFs ---- */

size_t daqs_cycle_vf_pfs(const struct daqs_cycle *c, char (*pfs)[DAQS_IFNAMSIZ], size_t max)
{
	size_t np = 0;

	if (!c->cfg.vf_rates)
		return 0;
	for (size_t i = 0; i < c->n; i++) {
		const struct daqs_gvm *v = c->v[i];
		const char *pf;
		uint32_t idx;
		size_t k;

		if (v->state == DAQS_GUEST_GONE || v->host_iface[0] || !daqs_vfuse_of(v, &pf, &idx))
			continue;
		for (k = 0; k < np && strcmp(pfs[k], pf); k++)
			;
		if (k == np && np < max)
			snprintf(pfs[np++], DAQS_IFNAMSIZ, "%s", pf);
	}
	return np;
}

static void add_pf(char (*pfs)[DAQS_IFNAMSIZ], size_t *np, size_t max, const char *pf)
{
	for (size_t k = 0; k < *np; k++)
		if (!strcmp(pfs[k], pf))
			return;
	if (*np < max)
		snprintf(pfs[(*np)++], DAQS_IFNAMSIZ, "%s", pf);
}

size_t daqs_cycle_probe_pfs(const struct daqs_cycle *c, char (*pfs)[DAQS_IFNAMSIZ], size_t max)
{
	char(*vfs)[DAQS_IFNAMSIZ] = daqs_calloc(max ? max : 1, DAQS_IFNAMSIZ);
	size_t np = 0, nv = daqs_cycle_vf_pfs(c, vfs, max);

	for (size_t l = 0; l < c->sla->n_links; l++)
		if (c->sla->links[l].device)
			add_pf(pfs, &np, max, c->sla->links[l].device);
	for (size_t i = 0; i < nv; i++)
		add_pf(pfs, &np, max, vfs[i]);
	free(vfs);
	return np;
}

/* A driver's rule for minimums broken by the SLA in force: said once, until it holds again. */
static void pf_rules(struct daqs_cycle *c)
{
	for (size_t i = 0; i < c->n_pfcaps; i++) {
		char why[256];
		bool broken = daqs_cycle_pf_rule_broken(c, &c->pfcaps[i], why, sizeof(why));

		if (broken && !c->pf_rule_said[i])
			daqs_cycle_log(c, DAQS_LOG_WARNING, "pf '%s': %s", c->pfcaps[i].pf, why);
		c->pf_rule_said[i] = broken;
	}
}

bool daqs_cycle_pf_rule_broken(const struct daqs_cycle *c, const struct daqs_pf_caps *cap,
			       char *why, size_t len)
{
	struct daqs_admission a;
	char x[32], y[32];

	if (why && len)
		why[0] = '\0';
	if (cap->r || !daqs_pf_min_sum_capped(cap) || !cap->speed_bps)
		return false;
	for (size_t l = 0; l < c->sla->n_links; l++) {
		if (!c->sla->links[l].device || strcmp(c->sla->links[l].device, cap->pf))
			continue;
		daqs_cycle_link_admission(c, l, NULL, &a);
		if (a.committed_bps <= cap->speed_bps)
			continue;
		daqs_units_format_rate(a.committed_bps, x, sizeof(x));
		daqs_units_format_rate(cap->speed_bps, y, sizeof(y));
		if (why)
			snprintf(why, len,
				 "the guarantees on link '%s' commit %s, above the PF's speed %s: "
				 "%s refuses VF minimums past it",
				 c->sla->links[l].name, x, y, cap->driver);
		return true;
	}
	return false;
}

void daqs_cycle_pf_caps(struct daqs_cycle *c, const struct daqs_pf_caps *caps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct daqs_pf_caps *old = NULL;

		for (size_t k = 0; k < c->n_pfcaps && !old; k++)
			if (!strcmp(c->pfcaps[k].pf, caps[i].pf))
				old = &c->pfcaps[k];
		if (!old || old->r != caps[i].r || strcmp(old->driver, caps[i].driver) ||
		    old->devlink_leaf != caps[i].devlink_leaf || old->num_vfs != caps[i].num_vfs) {
			char lv[64];

			if (caps[i].r)
				daqs_cycle_log(c, DAQS_LOG_WARNING,
					       "pf '%s': cannot be probed (%s)", caps[i].pf,
					       strerror(-caps[i].r));
			else
				daqs_cycle_log(c, DAQS_LOG_INFO,
					       "pf '%s': driver %s, %u of %u VFs, levers %s, a VF "
					       "min is %s",
					       caps[i].pf,
					       caps[i].driver[0] ? caps[i].driver : "unknown",
					       caps[i].num_vfs, caps[i].total_vfs,
					       daqs_pf_levers(&caps[i], lv, sizeof(lv)),
					       daqs_pf_min_name(daqs_pf_min_of(&caps[i], NULL)));
		}
	}
	{
		bool *said = daqs_calloc(n ? n : 1, sizeof(*said));

		for (size_t i = 0; i < n; i++) /* what was said of a PF stays said */
			for (size_t k = 0; k < c->n_pfcaps; k++)
				if (!strcmp(c->pfcaps[k].pf, caps[i].pf))
					said[i] = c->pf_rule_said[k];
		free(c->pf_rule_said);
		c->pf_rule_said = said;
	}
	free(c->pfcaps);
	c->pfcaps = daqs_calloc(n ? n : 1, sizeof(*c->pfcaps));
	memcpy(c->pfcaps, caps, n * sizeof(*caps));
	c->n_pfcaps = n;
	pf_rules(c);
}

void daqs_cycle_vf_counters(struct daqs_cycle *c, const char *pf,
			    const struct daqs_cycle_vf_stat *vfs, size_t n, uint64_t t_ns)
{
	for (size_t i = 0; i < c->n; i++)
		daqs_vfuse_counters(c, c->v[i], pf, vfs, n, t_ns);
}

/* ---- decide ---- */

static void over_limit_check(const struct daqs_cycle *c, struct daqs_gvm *v)
{
	const struct daqs_estimator *e = daqs_gvm_rates(v);
	double lim = (double)v->in_force, tx = e->inst.tx_bps;
	char a[32], b[32];

	if (!v->in_force_known || v->in_force == DAQS_RATE_UNLIMITED ||
	    v->state != DAQS_GUEST_SHAPED || !e->have_rate ||
	    e->rate_t_ns < v->in_force_ns + OVER_SETTLE * c->sla->ctl.period_ns ||
	    tx <= lim * OVER_FACTOR + OVER_SLACK_BPS) {
		v->over = 0;
		return;
	}
	if (++v->over < OVER_TIMES)
		return;
	v->over = 0;
	v->state = DAQS_GUEST_VERIFY;
	v->limit_lost++;
	/* a deadline, not a count of periods: a reload may change the period */
	v->tamper_until_ns = e->rate_t_ns + DAQS_CYCLE_TAMPER_HOLD_NS;
	daqs_units_format_rate_approx(tx, a, sizeof(a));
	daqs_units_format_rate(v->in_force, b, sizeof(b));
	daqs_cycle_log(c, DAQS_LOG_WARNING,
		       "guest '%s': sends %s, above its limit %s: its tc was changed in the guest; "
		       "re-verifying",
		       v->name, a, b);
}

/* Host counters: their estimator, a failing read reported once, and the cross-check. */
static void host_update(const struct daqs_cycle *c, struct daqs_gvm *v, bool agent_fresh)
{
	char x[32], y[32];

	if (!daqs_gvm_has_host(v) || !v->sampled)
		return;
	if (v->host_r < 0) {
		if (!v->host_failing)
			daqs_cycle_log(
				c, DAQS_LOG_WARNING,
				"guest '%s': host counters of '%s' unreadable (%s); deciding "
				"on the agent's",
				v->name, daqs_gvm_host_name(v), strerror(-v->host_r));
		v->host_failing = true;
		v->hest.have_rate = false;
		return;
	}
	if (v->host_failing)
		daqs_cycle_log(c, DAQS_LOG_NOTICE,
			       "guest '%s': host counters of '%s' readable again", v->name,
			       daqs_gvm_host_name(v));
	v->host_failing = false;
	daqs_estimator_update(&v->hest, &v->hsmp);
	if (!agent_fresh || !v->est.have_rate || !v->hest.have_rate)
		return;
	switch (daqs_crosscheck_update(&v->xc, v->est.inst.tx_bps, v->hest.inst.tx_bps)) {
	case DAQS_CROSSCHECK_DISTRUSTED:
		daqs_units_format_rate_approx(v->est.inst.tx_bps, x, sizeof(x));
		daqs_units_format_rate_approx(v->hest.inst.tx_bps, y, sizeof(y));
		daqs_cycle_log(c, DAQS_LOG_WARNING,
			       "guest '%s': its agent reports sending %s, the host sees %s on "
			       "'%s': the agent's counters are not believed",
			       v->name, x, y, daqs_gvm_host_name(v));
		break;
	case DAQS_CROSSCHECK_TRUSTED:
		daqs_cycle_log(c, DAQS_LOG_NOTICE,
			       "guest '%s': its agent's counters agree with the host's again",
			       v->name);
		break;
	case DAQS_CROSSCHECK_QUIET:
		break;
	}
}

/* The measurements of this period, before the policy sees them. */
static void measured(struct daqs_cycle *c)
{
	for (size_t i = 0; i < c->n; i++) {
		struct daqs_gvm *v = c->v[i];
		const char *pf;
		uint32_t idx;

		/* VF counters of a VM that has no VF any more, or whose PF was not dumped */
		if (v->vf.count &&
		    (v->host_iface[0] || !daqs_vfuse_of(v, &pf, &idx) || !v->vf.dumped))
			daqs_vfuse_count_stop(c, v);
		if (!v->sampled)
			continue;
		host_update(c, v, v->sample_r == 0);
		if (v->sample_r == 0 || (daqs_gvm_has_host(v) && v->hest.have_rate))
			over_limit_check(c, v);
	}
}

/*
 * Periodic verifications (every DAQS_CYCLE_VERIFY_NS) a period may run:
 * twice the even share, so guests verified together (all of them at start)
 * spread over the following periods instead of all landing in one (1000
 * readbacks took one cycle to 250-370 ms in scripts/bench-scale). Urgent
 * ones (states VERIFY, REFIND) are not counted.
 */
static size_t verify_budget(const struct daqs_cycle *c)
{
	uint64_t period = c->sla->ctl.period_ns;
	size_t share = (size_t)((c->n * period + DAQS_CYCLE_VERIFY_NS - 1) / DAQS_CYCLE_VERIFY_NS);

	return 2 * share > 8 ? 2 * share : 8;
}

/* The policy's inputs for every VM it decides for (not retiring, not gone). */
static size_t policy_inputs(struct daqs_cycle *c, uint64_t now_ns, int64_t now_s,
			    struct daqs_policy_vm *pv)
{
	size_t k = 0;

	for (size_t i = 0; i < c->n; i++) {
		struct daqs_gvm *v = c->v[i];
		const struct daqs_override *o = daqs_overrides_find(&c->ovr, v->name);
		const struct daqs_estimator *e = daqs_gvm_rates(v);

		if (ending(v))
			continue;
		daqs_overrides_effective(c->sla, v->ent, v->name, o, &v->eff);
		v->overridden = o != NULL;
		v->override_left_s = o && o->expires ? o->expires - now_s : -1;
		v->pv.sla = &v->eff;
		v->pv.have_rate = e->have_rate;
		v->pv.tx_bps = e->inst.tx_bps;
		v->pv.tx_smooth_bps = e->smooth.tx_bps;
		v->pv.rate_t_ns = e->rate_t_ns;
		if (v->move_mark) {
			v->moved_ns = now_ns;
			v->move_mark = false;
			if (!v->settle_from_ns)
				v->settle_from_ns = now_ns;
		}
		v->pv.settling = v->moved_ns && now_ns - v->moved_ns < DAQS_CYCLE_SETTLE_NS &&
				 now_ns - v->settle_from_ns < DAQS_CYCLE_SETTLE_MAX_NS;
		if (v->moved_ns && now_ns - v->moved_ns >= DAQS_CYCLE_SETTLE_NS)
			v->settle_from_ns = 0; /* settled: the next mark starts afresh */
		pv[k++] = v->pv;
	}
	return k;
}

/* The deltas e accepted since *seen (its total then), and *seen its total now. */
static struct daqs_counters since(const struct daqs_estimator *e, struct daqs_counters *seen)
{
	struct daqs_counters d = {
		.tx_bytes = e->total.tx_bytes - seen->tx_bytes,
		.rx_bytes = e->total.rx_bytes - seen->rx_bytes,
		.tx_pkts = e->total.tx_pkts - seen->tx_pkts,
		.rx_pkts = e->total.rx_pkts - seen->rx_pkts,
	};

	*seen = e->total;
	return d;
}

/*
 * This period's traffic into the VM's counters and its link's. Both
 * estimators' new deltas are taken, those of the one the rates come from
 * (daqs_gvm_rates) counted: a switch between the agent's and the host's
 * counters counts no interval twice and takes nothing back. A live VM's
 * transmitted bytes go to its link (v->eff.link, set by policy_inputs this
 * period): the link's count is its own, so it never goes down when a VM
 * leaves the link, the SLA or daqsd. A retiring VM counts for itself only,
 * as it does not count in its link's rate either.
 */
static void counted(struct daqs_cycle *c)
{
	for (size_t i = 0; i < c->n; i++) {
		struct daqs_gvm *v = c->v[i];
		struct daqs_counters a, h;
		const struct daqs_counters *d;

		if (v->state == DAQS_GUEST_GONE)
			continue;
		a = since(&v->est, &v->est_seen);
		h = since(&v->hest, &v->hest_seen);
		d = daqs_gvm_rates(v) == &v->hest ? &h : &a;
		v->total.tx_bytes += d->tx_bytes;
		v->total.rx_bytes += d->rx_bytes;
		v->total.tx_pkts += d->tx_pkts;
		v->total.rx_pkts += d->rx_pkts;
		if (!ending(v))
			c->link_tx_bytes[v->eff.link] += d->tx_bytes;
	}
}

/* What this period's apply job of a live VM does (false: none). */
static bool plan(struct daqs_cycle *c, struct daqs_gvm *v, bool due, uint64_t now_ns,
		 struct daqs_cycle_job *j)
{
	bool ok = v->sampled && v->sample_r == 0 && v->iface[0];
	bool vf_only, change, verify_now, enforce, discover;

	v->vf.use = daqs_vfuse_wanted(c, v, now_ns);
	v->tap.use = daqs_tapuse_wanted(c, v, now_ns);
	/*
	 * enforce: vf with the VF there (host: with the tap, once a write there
	 * worked: make before break): the guest's own limit is removed
	 */
	vf_only = (v->vf.use && v->eff.enforce == DAQS_ENFORCE_VF) ||
		  (v->tap.use && v->eff.enforce == DAQS_ENFORCE_HOST && !v->tap.failing &&
		   !strcmp(v->tap.dev, v->tap.want_dev));
	v->target = vf_only ? DAQS_RATE_UNLIMITED : v->pv.limit_bps;
	change = vf_only ? really_in_force(v) != DAQS_RATE_UNLIMITED : v->pv.apply;
	/* the tap carried it and does no more: the guest needs it now, not at a verify */
	if (!vf_only && v->tap.dev[0] && !v->tap.use && really_in_force(v) == DAQS_RATE_UNLIMITED &&
	    v->target != DAQS_RATE_UNLIMITED)
		change = true;
	verify_now = v->state == DAQS_GUEST_VERIFY || v->state == DAQS_GUEST_REFIND || due;
	/* an agent that cannot run tc is asked again only when a verify is due */
	enforce = (v->limited || v->state == DAQS_GUEST_NO_EXEC ? verify_now
								: change || verify_now) &&
		  ok;
	discover = v->state == DAQS_GUEST_REFIND && ok;
	/* not applied: the policy must know the truth (a VF's write is judged after it) */
	if (v->pv.apply && !enforce && !vf_only)
		daqs_policy_vm_in_force(&v->pv, really_in_force(v));
	if (!enforce && !discover)
		return false;
	*j = job_of(c, v, DAQS_JOB_APPLY);
	j->discover = discover;
	j->enforce = enforce;
	j->verify = verify_now;
	j->ask_info = verify_now && v->limited;
	j->limit_bps = v->target;
	v->applying = enforce;
	v->changing = enforce && v->pv.apply && !vf_only;
	return true;
}

size_t daqs_cycle_decide(struct daqs_cycle *c, uint64_t now_ns, int64_t now_s,
			 struct daqs_cycle_job **jobs)
{
	struct daqs_policy_vm *pv = daqs_calloc(c->n ? c->n : 1, sizeof(*pv));
	struct daqs_cycle_job *j = daqs_calloc(c->n ? c->n : 1, sizeof(*j));
	size_t k, nj = 0, budget = verify_budget(c);

	measured(c);
	k = policy_inputs(c, now_ns, now_s, pv);
	counted(c);
	daqs_policy_step(c->policy, pv, k, now_ns);
	k = 0;
	for (size_t i = 0; i < c->n; i++) {
		struct daqs_gvm *v = c->v[i];
		bool due = now_ns - v->verified_ns > DAQS_CYCLE_VERIFY_NS && budget > 0;

		v->vf.use = false; /* a VM that is going lets its VF go */
		v->applying = v->changing = false;
		if (v->state == DAQS_GUEST_GONE)
			continue;
		if (v->state == DAQS_GUEST_RETIRING) {
			v->target = DAQS_RATE_UNLIMITED;
			if (!v->sampled || v->sample_r || !v->iface[0])
				continue;
			j[nj] = job_of(c, v, DAQS_JOB_APPLY);
			j[nj].enforce = j[nj].verify = true;
			j[nj++].limit_bps = DAQS_RATE_UNLIMITED;
			v->applying = true;
			continue;
		}
		budget -= due;
		v->pv = pv[k++];
		nj += plan(c, v, due, now_ns, &j[nj]);
	}
	free(pv);
	*jobs = j;
	return nj;
}

/* ---- applied ---- */

static void enforced(struct daqs_cycle *c, struct daqs_gvm *v, const struct daqs_cycle_result *res,
		     uint64_t now_ns)
{
	if (res->apply_ran) {
		char a[32] = "none";

		if (v->target != DAQS_RATE_UNLIMITED)
			daqs_units_format_rate(v->target, a, sizeof(a));
		daqs_cycle_log(c, DAQS_LOG_DEBUG, "guest '%s': limit %s in force on %s", v->name, a,
			       v->iface);
	}
	if (!v->in_force_known || v->in_force != v->target) {
		c->state_dirty = true;
		v->in_force_ns = now_ns;
		v->limit_changes += v->changing;
	}
	v->in_force = v->target;
	v->in_force_known = true;
	v->verified_ns = now_ns;
	if (v->state == DAQS_GUEST_RETIRING)
		v->state = DAQS_GUEST_GONE;
	else
		v->state = DAQS_GUEST_SHAPED;
}

static void after_apply(struct daqs_cycle *c, struct daqs_gvm *v, const struct daqs_cycle_job *j,
			const struct daqs_cycle_result *res, uint64_t now_ns)
{
	char msg[DAQS_PROBLEM_MAX] = "";
	int r = res->ran ? res->r : -ETIMEDOUT;

	if (res->ran)
		v->limited = res->limited;
	if (j->discover && res->ran) {
		int d = discovered(c, v, j, res, msg, sizeof(msg));

		if (d)
			r = d;
	}
	if (!msg[0])
		snprintf(msg, sizeof(msg), "%s", res->msg);
	if (!j->enforce) { /* a discovery alone */
		outcome(c, v, r, "discovering its interface", msg);
		return;
	}
	v->applies += res->apply_ran;
	if (r == -EPERM && v->state != DAQS_GUEST_RETIRING) {
		/*
		 * Agent-limited: the session reported it once; it is the guest's
		 * state (status: agent-limited), not an error of every period.
		 * Asked again at the next periodic verification.
		 */
		if (msg[0]) /* the session's "agent-limited: ..." (only on the transition) */
			daqs_cycle_log(c, DAQS_LOG_WARNING, "%s", msg);
		v->limited = true;
		v->state = DAQS_GUEST_NO_EXEC;
		daqs_policy_vm_in_force(&v->pv, really_in_force(v));
		v->verified_ns = now_ns;
		return;
	}
	if (!iface_level(r))
		set_health(v, r == -EPERM ? 0 : r);
	outcome(c, v, r, "enforcing the limit", msg);
	if (r == 0) {
		enforced(c, v, res, now_ns);
		return;
	}
	if (res->ran && r == -EPROTO) /* refused replies (tc's output over its bound...) */
		backoff_grow(c, v);
	daqs_policy_vm_in_force(&v->pv, really_in_force(v));
	if (v->state == DAQS_GUEST_RETIRING) {
		if (++v->retire_tries >= RETIRE_TRIES) {
			daqs_cycle_log(c, DAQS_LOG_WARNING,
				       "guest '%s': could not remove its limit; forgetting it",
				       v->name);
			v->state = DAQS_GUEST_GONE;
		}
		return;
	}
	if (v->state != DAQS_GUEST_FIND_IFACE && v->state != DAQS_GUEST_REFIND)
		v->state = DAQS_GUEST_VERIFY;
}

void daqs_cycle_applied(struct daqs_cycle *c, const struct daqs_cycle_job *jobs,
			const struct daqs_cycle_result *res, size_t n, uint64_t now_ns)
{
	for (size_t i = 0; i < n; i++)
		after_apply(c, (struct daqs_gvm *)jobs[i].rec, &jobs[i], &res[i], now_ns);
}

/* ---- VF writes, end ---- */

size_t daqs_cycle_vf_writes(struct daqs_cycle *c, struct daqs_cycle_vf_write **w)
{
	if (!c->cfg.vf_rates) {
		*w = daqs_calloc(1, sizeof(**w));
		return 0;
	}
	return daqs_vfuse_writes(c, w);
}

void daqs_cycle_vf_written(struct daqs_cycle *c, const struct daqs_cycle_vf_write *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		daqs_vfuse_outcome(c, (struct daqs_gvm *)w[i].rec, &w[i]);
}

size_t daqs_cycle_tap_writes(struct daqs_cycle *c, struct daqs_cycle_tap_write **w, uint64_t now_ns)
{
	if (!c->cfg.tap_rates) {
		*w = daqs_calloc(1, sizeof(**w));
		return 0;
	}
	return daqs_tapuse_writes(c, w, now_ns);
}

void daqs_cycle_tap_written(struct daqs_cycle *c, const struct daqs_cycle_tap_write *w, size_t n,
			    uint64_t now_ns)
{
	for (size_t i = 0; i < n; i++)
		daqs_tapuse_outcome(c, (struct daqs_gvm *)w[i].rec, &w[i], now_ns);
}

bool daqs_cycle_end(struct daqs_cycle *c, double cycle_ms)
{
	c->cycles++;
	pf_rules(c); /* a reload may break one */
	daqs_snapshot_publish(c, cycle_ms);
	return c->state_dirty;
}

/* ---- shutdown ---- */

size_t daqs_cycle_remove_all(struct daqs_cycle *c, struct daqs_cycle_job **jobs,
			     struct daqs_cycle_vf_write **w, size_t *n_w)
{
	struct daqs_cycle_job *j = daqs_calloc(c->n ? c->n : 1, sizeof(*j));
	size_t k = 0;

	*w = daqs_calloc(c->n ? c->n : 1, sizeof(**w));
	*n_w = 0;
	for (size_t i = 0; i < c->n; i++) {
		struct daqs_gvm *v = c->v[i];

		if (c->cfg.vf_rates && daqs_vfuse_release(v, &(*w)[*n_w]))
			(*n_w)++;
		if (v->state == DAQS_GUEST_GONE || !v->user || !v->iface[0])
			continue;
		j[k] = job_of(c, v, DAQS_JOB_APPLY);
		j[k].enforce = true;
		j[k++].limit_bps = DAQS_RATE_UNLIMITED;
		v->target = DAQS_RATE_UNLIMITED;
	}
	*jobs = j;
	return k;
}

size_t daqs_cycle_tap_remove_all(struct daqs_cycle *c, struct daqs_cycle_tap_write **w)
{
	size_t k = 0;

	*w = daqs_calloc(c->n ? c->n : 1, sizeof(**w));
	for (size_t i = 0; c->cfg.tap_rates && i < c->n; i++)
		k += daqs_tapuse_release(c->v[i], &(*w)[k]);
	return k;
}

void daqs_cycle_removed(struct daqs_cycle *c, const struct daqs_cycle_job *jobs,
			const struct daqs_cycle_result *res, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct daqs_gvm *v = (struct daqs_gvm *)jobs[i].rec;
		int r = res[i].ran ? res[i].r : -ETIMEDOUT;

		if (r == 0) {
			v->in_force = DAQS_RATE_UNLIMITED;
			v->in_force_known = true;
			c->state_dirty = true;
			daqs_cycle_log(c, DAQS_LOG_INFO, "guest '%s': limit removed", v->name);
		} else {
			daqs_cycle_log(c, DAQS_LOG_WARNING,
				       "guest '%s': could not remove its limit (%s)", v->name,
				       res[i].msg[0] ? res[i].msg : strerror(-r));
		}
	}
}
