/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The cycle core (lib/core/cycle.h) on its own: guest records driven
 * through whole periods with job results given as values by a model of
 * each guest (its agent up or not, the interface carrying its MAC, its
 * counters, the limit its tc holds). One test per transition.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cycle.h"
#include "diag.h"
#include "pf_caps.h"
#include "unit.h"

#define MS 1000000ULL
#define PERIOD_NS (200 * MS)
#define NO_LIMIT DAQS_RATE_UNLIMITED

/* A guest as the core's jobs see it. */
struct fg {
	bool down;	/* the agent refuses connections */
	bool hang;	/* jobs run to the deadline and time out */
	bool late;	/* jobs do not start before the deadline (others took it) */
	bool garbage;	/* its replies are refused (over their bound, not JSON): EPROTO */
	bool limited;	/* guest-exec blocked: applies fail with EPERM */
	bool knows;	/* the session knows it is limited (from an EPERM, till guest-info) */
	char iface[16]; /* the interface carrying the MAC ("" none) */
	char kind[16];
	uint64_t tx_bytes;  /* the agent's counter */
	bool overstates;    /* the agent's counter counts twice what it sends */
	uint64_t host_tx;   /* the host's counter (with host_interface) */
	bool host_down;	    /* reading it fails */
	double rate_bps;    /* what it sends (capped at its tc limit unless escaped) */
	bool escaped;	    /* its tc was removed inside the guest */
	uint64_t tc;	    /* the limit its tc holds (NO_LIMIT none) */
	int tcpq_r;	    /* reading its TCP queueing delay returns this */
	double queue_ms;    /* ... and this delay (one flow) */
	unsigned tcp_reads; /* sampling jobs that asked for it */
	unsigned samples, applies, verifies, discovers, infos;
	unsigned jobs;	     /* jobs given to it, run or not */
	unsigned apply_jobs; /* apply jobs that ran */
	/* a guest that fools discovery: its traffic always goes through iface (the tap's NIC) */
	char dummy[16];	     /* a dummy interface with the MAC too ("" none); listed first */
	bool remac;	     /* iface gave the MAC up (the dummy alone has it) */
	uint64_t dummy_tc;   /* the limit put on the dummy */
	unsigned lie_factor; /* the agent reports 1/N of what it sends (0, 1: the truth) */
};

struct fx {
	struct daqs_cycle *c;
	uint64_t now;
	int64_t now_s;
	char (*log)[512]; /* 64 lines */
	size_t n_log;
	/* the VF of the last writes */
	struct daqs_cycle_vf_write vf[4];
	size_t n_vf;
	int vf_r;	  /* what the next VF writes return */
	int group_r;	  /* ... and their set_group */
	bool min_refused; /* ... whose NIC refuses a min */
	/* the tap writes of the last period (tap_rates) */
	struct daqs_cycle_tap_write tap[2];
	size_t n_tap;
	int tap_r; /* what the next tap writes return */
	void *dropped[8];
	size_t n_dropped;
};

static void log_cb(void *ud, enum daqs_log_prio prio, const char *msg)
{
	struct fx *f = ud;

	(void)prio;
	if (f->n_log < 64)
		snprintf(f->log[f->n_log++], sizeof(f->log[0]), "%s", msg);
}

static size_t logged(const struct fx *f, const char *needle)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n_log; i++)
		n += strstr(f->log[i], needle) != NULL;
	return n;
}

static struct daqs_sla *sla_of(const char *text)
{
	struct daqs_diags d;
	struct daqs_sla *sla = NULL;

	daqs_diags_init(&d);
	if (daqs_sla_load_buffer("cycle.yaml", text, strlen(text), &sla, &d) < 0)
		daqs_diags_print(&d, stderr);
	daqs_diags_free(&d);
	ck_assert_ptr_nonnull(sla);
	return sla;
}

static const char *const one_socket = "version: 1\n"
				      "links:\n"
				      "  - name: l0\n"
				      "    capacity: 1gbit\n"
				      "controller:\n"
				      "  period: 200ms\n"
				      "vms:\n"
				      "  - name: a\n"
				      "    class: best-effort\n"
				      "    agent: /run/a.sock\n"
				      "    mac: 52:54:00:00:00:0a\n"
				      "    max: 100mbit\n";

static void fx_init_cfg(struct fx *f, const char *sla, struct daqs_cycle_cfg cfg)
{
	cfg.log = log_cb;
	cfg.log_ud = f;
	memset(f, 0, sizeof(*f));
	f->log = calloc(64, sizeof(*f->log));
	f->now = 1000 * MS;
	f->now_s = 1000000;
	f->c = daqs_cycle_new(&cfg, sla_of(sla));
}

static void fx_init_kind(struct fx *f, const char *sla, bool vf_rates, enum daqs_policy_kind kind)
{
	fx_init_cfg(f, sla, (struct daqs_cycle_cfg){ .kind = kind, .vf_rates = vf_rates });
}

static void fx_init(struct fx *f, const char *sla, bool vf_rates)
{
	fx_init_kind(f, sla, vf_rates, DAQS_POLICY_STATIC);
}

static void fx_free(struct fx *f)
{
	daqs_cycle_free(f->c);
	free(f->log);
}

static bool discover(struct fg *g, const struct daqs_cycle_job *j, struct daqs_cycle_result *r)
{
	g->discovers++;
	if (j->iface_cfg[0])
		snprintf(r->iface, sizeof(r->iface), "%s", j->iface_cfg);
	else if (g->dummy[0] && g->iface[0] && !g->remac)
		r->discover_r = -ENOTUNIQ;
	else if (g->remac && !g->dummy[0])
		r->discover_r = -ENOENT; /* nothing has the MAC any more */
	else if (g->dummy[0])
		snprintf(r->iface, sizeof(r->iface), "%s", g->dummy);
	else if (!g->iface[0])
		r->discover_r = -ENOENT;
	else
		snprintf(r->iface, sizeof(r->iface), "%s", g->iface);
	snprintf(r->kind, sizeof(r->kind), "%s", g->kind);
	return r->discover_r == 0;
}

/* What the host sees of this period's traffic, and the guest's interfaces (dummy first). */
static void host_side(struct fx *f, struct fg *g, const struct daqs_cycle_job *j,
		      struct daqs_cycle_result *r, uint64_t bytes)
{
	if (!j->host_iface[0])
		return;
	g->host_tx += bytes;
	r->host_r = g->host_down ? -ENODEV : 0;
	r->hsmp.c.tx_bytes = g->host_tx;
	r->hsmp.c.tx_pkts = g->host_tx / 1000;
	r->hsmp.t_ns = f->now + 10 * MS;
	r->n_nics = 0;
	if (g->dummy[0]) {
		struct daqs_qga_iface *d = &r->nics[r->n_nics++];

		memset(d, 0, sizeof(*d));
		snprintf(d->name, sizeof(d->name), "%s", g->dummy);
		snprintf(d->mac, sizeof(d->mac), "52:54:00:00:00:0d");
		d->has_stats = true;
	}
	if (g->iface[0]) {
		struct daqs_qga_iface *n = &r->nics[r->n_nics++];

		memset(n, 0, sizeof(*n));
		snprintf(n->name, sizeof(n->name), "%s", g->iface);
		snprintf(n->mac, sizeof(n->mac), "52:54:00:00:00:%s", g->remac ? "99" : "0d");
		n->has_stats = true;
		n->c.tx_bytes = g->tx_bytes;
		n->c.tx_pkts = g->tx_bytes / 1000;
	}
}

/* This period's traffic (what it sends, through iface); its agent's counter moves. */
static uint64_t traffic(struct fg *g)
{
	double rate = g->rate_bps;
	uint64_t bytes;

	if (!g->escaped && g->tc != NO_LIMIT && rate > (double)g->tc)
		rate = (double)g->tc;
	bytes = (uint64_t)(rate * (double)PERIOD_NS / 1e9 / 8);
	g->tx_bytes += (g->overstates ? 2 * bytes : bytes) / (g->lie_factor ? g->lie_factor : 1);
	return bytes;
}

static void sample(struct fx *f, struct fg *g, const struct daqs_cycle_job *j,
		   struct daqs_cycle_result *r)
{
	const char *iface = j->iface;
	bool fooling = g->dummy[0] || g->remac; /* sends whatever daqsd makes of it */
	uint64_t bytes = fooling ? traffic(g) : 0;

	g->samples++;
	if (j->discover && !discover(g, j, r)) {
		r->r = r->discover_r;
		host_side(f, g, j, r, bytes);
		return;
	}
	if (j->discover)
		iface = r->iface;
	if (fooling)
		host_side(f, g, j, r, bytes);
	if (g->dummy[0] && !strcmp(iface, g->dummy)) {
		r->smp.c = (struct daqs_counters){ 0 }; /* nothing goes through a dummy */
		r->smp.t_ns = f->now + 10 * MS;
		return;
	}
	if (strcmp(iface, g->iface)) {
		r->r = r->iface_r = -ENODEV;
		return;
	}
	if (!fooling)
		host_side(f, g, j, r, traffic(g));
	r->smp.c.tx_bytes = g->tx_bytes;
	r->smp.c.tx_pkts = g->tx_bytes / 1000;
	r->smp.t_ns = f->now + 10 * MS;
	if (j->tcp_queue) {
		g->tcp_reads++;
		r->tcpq_r = g->tcpq_r;
		r->tcpq = (struct daqs_tcpqueue){ .flows = g->tcpq_r ? 0 : 1,
						  .delay_ms = g->tcpq_r ? 0 : g->queue_ms };
	}
}

static void apply(struct fg *g, const struct daqs_cycle_job *j, struct daqs_cycle_result *r)
{
	const char *iface = j->iface;

	g->apply_jobs++;
	if (j->discover && !discover(g, j, r)) {
		r->r = r->discover_r;
		return;
	}
	if (j->discover)
		iface = r->iface;
	if (!j->enforce)
		return;
	if (g->dummy[0] && !strcmp(iface, g->dummy)) { /* limits nothing that is sent */
		g->dummy_tc = j->limit_bps;
		return;
	}
	if (j->ask_info && g->knows) {
		g->infos++;
		g->knows = g->limited;
	}
	if (g->limited) {
		g->knows = true;
		r->r = -EPERM;
		return;
	}
	g->verifies += j->verify;
	if (j->verify || g->tc != j->limit_bps) {
		r->apply_ran = g->tc != j->limit_bps;
		g->applies += r->apply_ran;
		g->tc = j->limit_bps;
		g->escaped = false;
	}
}

static void run(struct fx *f, const struct daqs_cycle_job *j, struct daqs_cycle_result *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct fg *g = j[i].user;

		memset(&r[i], 0, sizeof(r[i]));
		g->jobs++;
		if (g->late) {
			r[i].r = -ETIMEDOUT;
			continue;
		}
		r[i].ran = true;
		if (g->down || g->hang || g->garbage) {
			r[i].r = g->down ? -ECONNREFUSED : g->hang ? -ETIMEDOUT : -EPROTO;
			continue;
		}
		if (j[i].kind == DAQS_JOB_SAMPLE)
			sample(f, g, &j[i], &r[i]);
		else
			apply(g, &j[i], &r[i]);
		r[i].limited = g->knows;
		if (r[i].r == 0 && r[i].discover_r)
			r[i].r = r[i].discover_r;
	}
}

/* One whole period, as the driver runs it. */
static void period(struct fx *f)
{
	struct daqs_cycle_job *j;
	static struct daqs_cycle_result r[16]; /* large: not on the stack */
	struct daqs_cycle_vf_write *w;
	struct daqs_cycle_tap_write *t;
	void **dropped;
	size_t n, nd;

	n = daqs_cycle_begin(f->c, f->now, f->now_s, &j, &dropped, &nd);
	for (size_t i = 0; i < nd && f->n_dropped < 8; i++)
		f->dropped[f->n_dropped++] = dropped[i];
	free(dropped);
	ck_assert_uint_le(n, 16);
	run(f, j, r, n);
	daqs_cycle_sampled(f->c, j, r, n);
	free(j);
	n = daqs_cycle_decide(f->c, f->now + 20 * MS, f->now_s, &j);
	run(f, j, r, n);
	daqs_cycle_applied(f->c, j, r, n, f->now + 40 * MS);
	free(j);
	n = daqs_cycle_vf_writes(f->c, &w);
	f->n_vf = 0;
	for (size_t i = 0; i < n; i++) {
		w[i].r = f->vf_r;
		w[i].min_refused = f->min_refused && w[i].with_min && w[i].min_mbps;
		if (w[i].set_group) {
			w[i].group_r = f->group_r;
			snprintf(w[i].group_why, sizeof(w[i].group_why), "%s",
				 f->group_r ? "create node pci/x/daqs-acme: Invalid argument" : "");
		}
		if (f->n_vf < 4)
			f->vf[f->n_vf++] = w[i];
	}
	daqs_cycle_vf_written(f->c, w, n);
	free(w);
	n = daqs_cycle_tap_writes(f->c, &t, f->now + 50 * MS);
	f->n_tap = 0;
	for (size_t i = 0; i < n; i++) {
		t[i].r = f->tap_r;
		if (f->tap_r)
			snprintf(t[i].msg, sizeof(t[i].msg), "Failed to load TC action module");
		if (f->n_tap < 2)
			f->tap[f->n_tap++] = t[i];
	}
	daqs_cycle_tap_written(f->c, t, n, f->now + 60 * MS);
	free(t);
	daqs_cycle_end(f->c, 1.0);
	f->now += PERIOD_NS; /* the wall clock (now_s) moves only when a test says */
}

static void periods(struct fx *f, int n)
{
	while (n-- > 0)
		period(f);
}

static const struct daqs_ctl_vm *vm_of(const struct fx *f, const char *name)
{
	const struct daqs_ctl_status *s = daqs_cycle_status(f->c);

	for (size_t i = 0; i < s->n_vms; i++)
		if (!strcmp(s->vms[i].name, name))
			return &s->vms[i];
	return NULL;
}

static const char *state_of(const struct fx *f, const char *name)
{
	const struct daqs_ctl_vm *v = vm_of(f, name);

	return v ? v->state : "(absent)";
}

static void attach(struct fx *f, const char *name, struct fg *g)
{
	void *old;

	ck_assert_int_eq(daqs_cycle_attach(f->c, name, g, &old), 0);
	ck_assert_ptr_null(old);
}

static void fg_init(struct fg *g, const char *iface)
{
	memset(g, 0, sizeof(*g));
	snprintf(g->iface, sizeof(g->iface), "%s", iface);
	snprintf(g->kind, sizeof(g->kind), "virtio");
	g->tc = NO_LIMIT;
	g->rate_bps = 50e6;
}

/* A domain XML's single NIC (static: valid until the next call). */
static const struct daqs_domxml_nics *nics_of(const char *mac, const char *tap)
{
	static struct daqs_domxml_nics n;

	memset(&n, 0, sizeof(n));
	n.n = n.n_seen = 1;
	snprintf(n.v[0].type, sizeof(n.v[0].type), "bridge");
	snprintf(n.v[0].mac, sizeof(n.v[0].mac), "%s", mac);
	snprintf(n.v[0].dev, sizeof(n.v[0].dev), "%s", tap);
	return &n;
}

/* A shaped socket guest: the common start. */
static void shaped(struct fx *f, struct fg *g)
{
	fx_init(f, one_socket, false);
	fg_init(g, "eth0");
	attach(f, "a", g);
	periods(f, 3);
	ck_assert_str_eq(state_of(f, "a"), "shaped");
}

/* ---- new guest ---- */

START_TEST(test_new_socket_guest)
{
	struct fx f;
	struct fg g;

	fx_init(&f, one_socket, false);
	fg_init(&g, "eth0");
	period(&f); /* no session yet: nothing asked */
	ck_assert_str_eq(state_of(&f, "a"), "find-iface");
	ck_assert_str_eq(vm_of(&f, "a")->agent, "unknown");
	attach(&f, "a", &g);
	period(&f);
	/* found by MAC in the sampling job, verified and shaped in the same period */
	ck_assert_uint_eq(g.discovers, 1);
	ck_assert_uint_eq(g.verifies, 1);
	ck_assert_str_eq(state_of(&f, "a"), "shaped");
	ck_assert_str_eq(vm_of(&f, "a")->iface, "eth0");
	ck_assert_str_eq(vm_of(&f, "a")->iface_kind, "virtio");
	ck_assert_str_eq(vm_of(&f, "a")->agent, "ok");
	/* static: the best-effort VM is capped at its max (below its share of 1gbit) */
	ck_assert_uint_eq(g.tc, 100000000ULL);
	ck_assert_uint_eq(vm_of(&f, "a")->limit_bps, 100000000ULL);
	periods(&f, 5); /* nothing changes: no more tc */
	ck_assert_uint_eq(g.applies, 1);
	ck_assert_uint_eq(g.verifies, 1);
	fx_free(&f);
}
END_TEST

START_TEST(test_no_interface_carries_the_mac)
{
	struct fx f;
	struct fg g;

	fx_init(&f, one_socket, false);
	fg_init(&g, "");
	attach(&f, "a", &g);
	periods(&f, 4);
	ck_assert_str_eq(state_of(&f, "a"), "find-iface");
	ck_assert_uint_eq(logged(&f, "guest 'a': no interface carries MAC 52:54:00:00:00:0a"), 1);
	/* -ENOENT is also what a missing agent socket says: shown as not-connected */
	ck_assert_str_eq(vm_of(&f, "a")->agent, "not-connected");
	snprintf(g.iface, sizeof(g.iface), "eth3"); /* the NIC appears */
	period(&f);
	ck_assert_str_eq(state_of(&f, "a"), "shaped");
	ck_assert_str_eq(vm_of(&f, "a")->iface, "eth3");
	ck_assert_uint_eq(logged(&f, "guest 'a': sampling works again"), 1);
	fx_free(&f);
}
END_TEST

/* ---- agent missing, back ---- */

START_TEST(test_agent_missing_and_back)
{
	struct fx f;
	struct fg g;
	unsigned v;

	shaped(&f, &g);
	v = g.verifies;
	g.down = true;
	periods(&f, 5);
	ck_assert_str_eq(vm_of(&f, "a")->agent, "not-connected");
	ck_assert_uint_eq(logged(&f, "guest 'a': sampling failed"), 1); /* once, not per period */
	ck_assert_uint_eq(vm_of(&f, "a")->limit_bps, 100000000ULL);	/* kept as known */
	g.down = false;
	g.tc = NO_LIMIT; /* it rebooted while away: its tc is gone */
	period(&f);
	ck_assert_uint_eq(logged(&f, "guest 'a': sampling works again"), 1);
	ck_assert_uint_eq(g.verifies, v + 1); /* back from an outage: verified at once */
	ck_assert_uint_eq(g.tc, 100000000ULL);
	ck_assert_str_eq(state_of(&f, "a"), "shaped");
	fx_free(&f);
}
END_TEST

START_TEST(test_timeout_backs_off)
{
	struct fx f;
	struct fg g;
	unsigned s, jobs;

	shaped(&f, &g);
	g.hang = true;
	s = g.samples;
	jobs = g.jobs;
	periods(&f, 8); /* asked at periods 1, 3, 6 (then skipped 1, 2, 4 periods) */
	ck_assert_str_eq(vm_of(&f, "a")->agent, "error");
	ck_assert_uint_eq(g.jobs, jobs + 3);
	ck_assert_uint_eq(logged(&f, "guest 'a': sampling failed (Connection timed out)"), 1);
	g.hang = false;
	daqs_cycle_kick(f.c, "a"); /* a kick clears the backoff */
	period(&f);
	ck_assert_uint_eq(g.samples, s + 1);
	ck_assert_str_eq(vm_of(&f, "a")->agent, "ok");
	fx_free(&f);
}
END_TEST

/* Refused replies (a hostile agent's oversize or garbage) back off like a hang. */
START_TEST(test_refused_backs_off)
{
	struct fx f;
	struct fg g;
	unsigned jobs;

	shaped(&f, &g);
	g.garbage = true;
	jobs = g.jobs;
	periods(&f, 8); /* asked at periods 1, 3, 6 (then skipped 1, 2, 4 periods) */
	ck_assert_uint_eq(g.jobs, jobs + 3);
	ck_assert_str_eq(vm_of(&f, "a")->agent, "error");
	fx_free(&f);
}
END_TEST

/* A job the workers never started (others took the time) is no fault of its guest. */
START_TEST(test_not_started_no_backoff)
{
	struct fx f;
	struct fg g;
	unsigned jobs;

	shaped(&f, &g);
	g.late = true;
	jobs = g.jobs;
	periods(&f, 8);
	ck_assert_uint_eq(g.jobs, jobs + 8); /* asked every period */
	fx_free(&f);
}
END_TEST

/* ---- reboot, re-plug, rename ---- */

START_TEST(test_reboot_counters_backwards)
{
	struct fx f;
	struct fg g;
	unsigned d, v;

	shaped(&f, &g);
	d = g.discovers;
	v = g.verifies;
	g.tx_bytes = 0; /* rebooted: counters start again */
	g.tc = NO_LIMIT;
	period(&f); /* refind: found again and verified in this period's apply phase */
	ck_assert_uint_eq(logged(&f, "guest 'a': counters went backwards (reboot or re-plug)"), 1);
	ck_assert_uint_eq(g.discovers, d + 1);
	ck_assert_uint_eq(g.verifies, v + 1);
	ck_assert_uint_eq(g.tc, 100000000ULL);
	ck_assert_str_eq(state_of(&f, "a"), "shaped");
	fx_free(&f);
}
END_TEST

START_TEST(test_replug_interface_renamed)
{
	struct fx f;
	struct fg g;

	shaped(&f, &g);
	snprintf(g.iface, sizeof(g.iface), "eth1"); /* the NIC came back under another name */
	g.tc = NO_LIMIT;
	period(&f);
	ck_assert_uint_eq(logged(&f, "guest 'a': interface 'eth0' is gone from the guest"), 1);
	ck_assert_str_eq(state_of(&f, "a"), "find-iface");
	ck_assert_str_eq(vm_of(&f, "a")->iface, "");
	period(&f);
	ck_assert_str_eq(state_of(&f, "a"), "shaped");
	ck_assert_str_eq(vm_of(&f, "a")->iface, "eth1");
	ck_assert_uint_eq(g.tc, 100000000ULL);
	fx_free(&f);
}
END_TEST

START_TEST(test_libvirt_domain_renamed)
{
	struct fx f;
	struct fg g1, g2;
	void *old;

	fx_init(&f, one_socket, false);
	fg_init(&g1, "eth0");
	fg_init(&g2, "eth0");
	daqs_cycle_upsert(f.c, "old-name", "uuid-1", nics_of("52:54:00:00:00:0b", ""));
	ck_assert_int_eq(daqs_cycle_attach(f.c, "old-name", &g1, &old), 0);
	periods(&f, 2);
	ck_assert_str_eq(state_of(&f, "old-name"), "shaped");
	ck_assert_str_eq(vm_of(&f, "old-name")->source, "libvirt");
	/* libvirt renames: the old domain goes, a new one comes */
	daqs_cycle_remove(f.c, "old-name");
	daqs_cycle_upsert(f.c, "new-name", "uuid-1", nics_of("52:54:00:00:00:0b", ""));
	ck_assert_int_eq(daqs_cycle_attach(f.c, "new-name", &g2, &old), 0);
	period(&f);
	ck_assert_ptr_null(vm_of(&f, "old-name"));
	ck_assert_uint_eq(f.n_dropped, 1); /* its session goes back to the driver */
	ck_assert_ptr_eq(f.dropped[0], &g1);
	ck_assert_str_eq(state_of(&f, "new-name"), "shaped");
	ck_assert_int_eq(daqs_cycle_attach(f.c, "old-name", &g1, &old), -ENOENT);
	fx_free(&f);
}
END_TEST

START_TEST(test_new_session_replaces_the_old)
{
	struct fx f;
	struct fg g, g2;
	void *old;
	unsigned v;

	shaped(&f, &g);
	fg_init(&g2, "eth0");
	g2.tc = g.tc;
	g2.tx_bytes = g.tx_bytes;
	v = g2.verifies;
	ck_assert_int_eq(daqs_cycle_attach(f.c, "a", &g2, &old), 0);
	ck_assert_ptr_eq(old, &g); /* the driver closes it */
	period(&f);
	ck_assert_uint_eq(g2.verifies, v + 1); /* a new session: found and verified again */
	ck_assert_str_eq(state_of(&f, "a"), "shaped");
	fx_free(&f);
}
END_TEST

/* ---- agent-limited ---- */

START_TEST(test_agent_limited)
{
	struct fx f;
	struct fg g;
	unsigned infos, asked;

	fx_init(&f, one_socket, false);
	fg_init(&g, "eth0");
	g.limited = true;
	attach(&f, "a", &g);
	period(&f);
	asked = g.apply_jobs;
	infos = g.infos;
	periods(&f, 3);
	ck_assert_uint_eq(g.apply_jobs, asked); /* not asked every period */
	ck_assert_str_eq(state_of(&f, "a"), "no-exec");
	ck_assert_str_eq(vm_of(&f, "a")->agent, "agent-limited");
	ck_assert_uint_eq(vm_of(&f, "a")->limit_bps, NO_LIMIT); /* the truth: nothing in force */
	ck_assert_uint_eq(logged(&f, "enforcing the limit failed"), 0); /* a state, not an error */
	/* asked again when the periodic verification is due, with guest-info first */
	g.limited = false;
	f.now += DAQS_CYCLE_VERIFY_NS;
	period(&f);
	ck_assert_uint_eq(g.infos, infos + 1);
	ck_assert_str_eq(state_of(&f, "a"), "shaped");
	ck_assert_uint_eq(g.tc, 100000000ULL);
	fx_free(&f);
}
END_TEST

/* ---- limit lost inside the guest ---- */

START_TEST(test_limit_lost_reverified)
{
	struct fx f;
	struct fg g;
	unsigned v;

	shaped(&f, &g);
	periods(&f, 5);
	v = g.verifies;
	g.escaped = true; /* someone ran tc qdisc del inside */
	g.rate_bps = 400e6;
	periods(&f, 4);
	ck_assert_uint_eq(logged(&f, "above its limit 100mbit"), 1);
	ck_assert_uint_eq(vm_of(&f, "a")->limit_lost, 1);
	ck_assert_uint_gt(g.verifies, v);
	ck_assert(!g.escaped); /* put back */
	ck_assert_str_eq(state_of(&f, "a"), "shaped");
	fx_free(&f);
}
END_TEST

/* ---- VF gained, lost ---- */

START_TEST(test_vf_backstop_gained_and_lost)
{
	struct fx f;
	struct fg g;

	fx_init(&f, one_socket, true);
	fg_init(&g, "eth0");
	attach(&f, "a", &g);
	periods(&f, 2);
	daqs_cycle_set_vf(f.c, "a", "pf0", 3); /* the pool plugged a VF */
	period(&f);
	ck_assert_uint_eq(f.n_vf, 0); /* enforce: guest and a healthy agent: no VF rate */
	g.down = true;
	period(&f);
	ck_assert_uint_eq(f.n_vf, 1); /* the agent does not answer: the VF is the backstop */
	ck_assert_str_eq(f.vf[0].pf, "pf0");
	ck_assert_uint_eq(f.vf[0].idx, 3);
	ck_assert_uint_eq(f.vf[0].max_mbps, 100);
	ck_assert(!f.vf[0].release);
	ck_assert_str_eq(vm_of(&f, "a")->vf, "pf0:3");
	ck_assert_str_eq(vm_of(&f, "a")->vf_why, "backstop: the agent does not answer");
	period(&f);
	ck_assert_uint_eq(f.n_vf, 0);	      /* written once */
	daqs_cycle_set_vf(f.c, "a", NULL, 0); /* the VF went away */
	period(&f);
	ck_assert_uint_eq(f.n_vf, 1);
	ck_assert(f.vf[0].release);
	ck_assert_str_eq(vm_of(&f, "a")->vf, "");
	fx_free(&f);
}
END_TEST

/*
 * Tamper: a guest that removes its tc and sends above its limit, with a VF,
 * gets its limit on the VF too (the host's, which the guest cannot change),
 * held DAQS_CYCLE_TAMPER_HOLD_NS after the last loss, then released.
 */
START_TEST(test_vf_backstop_tamper)
{
	struct fx f;
	struct fg g;
	uint64_t hold = DAQS_CYCLE_TAMPER_HOLD_NS / (200ULL * 1000000ULL); /* periods of 200ms */
	size_t writes = 0;

	fx_init(&f, one_socket, true);
	fg_init(&g, "eth0");
	attach(&f, "a", &g);
	daqs_cycle_set_vf(f.c, "a", "pf0", 3);
	periods(&f, 5);
	ck_assert_str_eq(state_of(&f, "a"), "shaped");
	ck_assert_str_eq(vm_of(&f, "a")->vf, ""); /* a healthy agent: the VF carries nothing */
	g.escaped = true;			  /* tc qdisc del in the guest */
	g.rate_bps = 400e6;
	for (int i = 0; i < 6 && !writes; i++) {
		period(&f);
		writes = f.n_vf;
	}
	ck_assert_uint_eq(vm_of(&f, "a")->limit_lost, 1);
	ck_assert_uint_eq(writes, 1);
	ck_assert(!f.vf[0].release);
	ck_assert_uint_eq(f.vf[0].max_mbps, 100); /* the VM's limit, on the host */
	ck_assert_str_eq(vm_of(&f, "a")->vf_why, "backstop: its tc was changed in the guest");
	ck_assert(!g.escaped); /* and the guest's HTB put back, as before */
	g.rate_bps = 90e6;
	/* held: the guest behaves again, the VF keeps the limit for the hold */
	periods(&f, (int)(hold - 10));
	ck_assert_str_eq(vm_of(&f, "a")->vf, "pf0:3");
	periods(&f, 20);
	ck_assert_str_eq(vm_of(&f, "a")->vf, ""); /* released after the hold */
	ck_assert_str_eq(vm_of(&f, "a")->vf_why, "");
	fx_free(&f);
}
END_TEST

START_TEST(test_vf_write_failure_reported_once)
{
	struct fx f;
	struct fg g;

	fx_init(&f, one_socket, true);
	fg_init(&g, "eth0");
	attach(&f, "a", &g);
	daqs_cycle_set_vf(f.c, "a", "pf0", 3);
	g.down = true;
	f.vf_r = -EOPNOTSUPP;
	periods(&f, 4);
	ck_assert_uint_eq(logged(&f, "cannot set the rate of VF 3 of 'pf0'"), 1);
	ck_assert_uint_eq(f.n_vf, 1); /* tried again every period */
	f.vf_r = 0;
	period(&f);
	ck_assert_uint_eq(logged(&f, "VF 3 of 'pf0' takes its rate again"), 1);
	period(&f);
	ck_assert_uint_eq(f.n_vf, 0);
	fx_free(&f);
}
END_TEST

/*
 * A new vf_lever (reload) first undoes what the old lever wrote (its
 * release goes through the old one: a leaf's rates are not left behind),
 * then writes through the new one.
 */
START_TEST(test_vf_lever_switch_releases_old)
{
	static const char *const base = "version: 1\n"
					"links:\n"
					"  - name: l0\n"
					"    capacity: 1gbit\n"
					"    device: pf0\n"
					"controller:\n"
					"  period: 200ms\n"
					"vms:\n"
					"  - name: a\n"
					"    class: best-effort\n"
					"    agent: /run/a.sock\n"
					"    mac: 52:54:00:00:00:0a\n"
					"    max: 100mbit\n"
					"    host_vf: pf0:3\n"
					"    enforce: vf\n";
	char legacy[1024];
	struct fx f;
	struct fg g;
	size_t writes = 0;

	snprintf(legacy, sizeof(legacy), "%s    vf_lever: legacy\n", base);
	fx_init(&f, base, true);
	fg_init(&g, "eth0");
	attach(&f, "a", &g);
	for (int i = 0; i < 5; i++) {
		period(&f);
		writes += f.n_vf;
	}
	ck_assert_uint_eq(writes, 1);
	daqs_cycle_set_sla(f.c, sla_of(legacy));
	period(&f);
	ck_assert_uint_eq(f.n_vf, 2);
	ck_assert(f.vf[0].release);
	ck_assert_int_eq(f.vf[0].pin, DAQS_VF_LEVER_AUTO);
	ck_assert(!f.vf[1].release);
	ck_assert_int_eq(f.vf[1].pin, DAQS_VF_LEVER_LEGACY);
	ck_assert_uint_eq(f.vf[1].max_mbps, 100);
	period(&f);
	ck_assert_uint_eq(f.n_vf, 0); /* settled */
	fx_free(&f);
}
END_TEST

/* ---- a tenant group as its members' devlink rate node ---- */

static const char *const vf_group = "version: 1\n"
				    "links:\n"
				    "  - {name: l0, capacity: 1gbit, device: pf0}\n"
				    "controller:\n"
				    "  period: 200ms\n"
				    "groups:\n"
				    "  - {name: acme, min: 200mbit, max: 500mbit}\n"
				    "vms:\n"
				    "  - name: a\n"
				    "    class: guarantee\n"
				    "    min: 100mbit\n"
				    "    max: 300mbit\n"
				    "    agent: /run/a.sock\n"
				    "    mac: 52:54:00:00:00:0a\n"
				    "    host_vf: pf0:3\n"
				    "    enforce: vf\n"
				    "    group: acme\n";

/* The VF's leaf goes in the group's node with the group's min and max; out of it on release. */
START_TEST(test_vf_group_node)
{
	struct daqs_cycle_job *j;
	struct daqs_cycle_vf_write *w;
	size_t n, nw;
	struct fx f;
	struct fg g;

	fx_init(&f, vf_group, true);
	fg_init(&g, "eth0");
	attach(&f, "a", &g);
	for (int i = 0; i < 5 && !f.n_vf; i++)
		period(&f);
	ck_assert_uint_eq(f.n_vf, 1);
	ck_assert(f.vf[0].set_group);
	ck_assert_str_eq(f.vf[0].group, "acme");
	ck_assert_uint_eq(f.vf[0].group_share_mbps, 200);
	ck_assert_uint_eq(f.vf[0].group_max_mbps, 500);
	ck_assert_str_eq(vm_of(&f, "a")->vf_node, "daqs-acme");
	ck_assert_uint_eq(
		logged(&f, "in the devlink rate node daqs-acme (tx_share 200, tx_max 500"), 1);
	periods(&f, 3);
	for (size_t i = 0; i < f.n_vf; i++)
		ck_assert(!f.vf[i].set_group); /* in force: not written again */
	/* its share of the group's min is all of it (the only member) */
	ck_assert_uint_eq(vm_of(&f, "a")->share_min_bps, 200000000ULL);
	/* --on-exit remove: the release takes the leaf out of the node */
	n = daqs_cycle_remove_all(f.c, &j, &w, &nw);
	ck_assert_uint_eq(nw, 1);
	ck_assert(w[0].release);
	ck_assert(w[0].set_group);
	free(j);
	free(w);
	(void)n;
	fx_free(&f);
}
END_TEST

/* No rate leaf (legacy mode): said once, not asked again; a failure is said once and retried. */
START_TEST(test_vf_group_node_refused)
{
	struct fx f;
	struct fg g;

	fx_init(&f, vf_group, true);
	f.group_r = -EOPNOTSUPP;
	fg_init(&g, "eth0");
	attach(&f, "a", &g);
	periods(&f, 6);
	ck_assert_uint_eq(logged(&f, "group 'acme' is no devlink rate node for VF 3 of 'pf0'"), 1);
	ck_assert_str_eq(vm_of(&f, "a")->vf_node, "");
	for (size_t i = 0; i < f.n_vf; i++)
		ck_assert(!f.vf[i].set_group);
	fx_free(&f);

	fx_init(&f, vf_group, true);
	f.group_r = -EINVAL;
	fg_init(&g, "eth0");
	attach(&f, "a", &g);
	for (int i = 0; i < 5 && !f.n_vf; i++)
		period(&f);
	period(&f);
	ck_assert_uint_eq(f.n_vf, 1); /* tried again */
	ck_assert(f.vf[0].set_group);
	periods(&f, 2);
	ck_assert_uint_eq(logged(&f, "cannot put VF 3 of 'pf0' in the devlink rate node of group "
				     "acme (create node pci/x/daqs-acme: Invalid argument)"),
			  1);
	ck_assert_str_eq(vm_of(&f, "a")->vf_node, "");
	f.group_r = 0;
	period(&f);
	ck_assert_str_eq(vm_of(&f, "a")->vf_node, "daqs-acme");
	period(&f);
	ck_assert_uint_eq(f.n_vf, 0);
	/* out of the group by a reload: the leaf leaves the node, the VF's rates stay ours */
	daqs_cycle_set_sla(f.c, sla_of("version: 1\n"
				       "links:\n"
				       "  - {name: l0, capacity: 1gbit, device: pf0}\n"
				       "controller:\n"
				       "  period: 200ms\n"
				       "vms:\n"
				       "  - name: a\n"
				       "    class: guarantee\n"
				       "    min: 100mbit\n"
				       "    max: 300mbit\n"
				       "    agent: /run/a.sock\n"
				       "    mac: 52:54:00:00:00:0a\n"
				       "    host_vf: pf0:3\n"
				       "    enforce: vf\n"));
	period(&f);
	ck_assert_uint_eq(f.n_vf, 1);
	ck_assert(f.vf[0].set_group && !f.vf[0].release);
	ck_assert_str_eq(f.vf[0].group, "");
	ck_assert_str_eq(vm_of(&f, "a")->vf_node, "");
	ck_assert_uint_eq(logged(&f, "out of the devlink rate node daqs-acme"), 1);
	fx_free(&f);
}
END_TEST

/* A release whose leaf could not leave the node is tried again until it does. */
START_TEST(test_vf_group_node_release_retried)
{
	char guest[1024];
	struct fx f;
	struct fg g;

	snprintf(guest, sizeof(guest), "%.*s",
		 (int)(strstr(vf_group, "    enforce: vf\n") - vf_group), vf_group);
	strcat(guest, "    group: acme\n");
	fx_init(&f, vf_group, true);
	fg_init(&g, "eth0");
	attach(&f, "a", &g);
	for (int i = 0; i < 5 && !f.n_vf; i++)
		period(&f);
	ck_assert_str_eq(vm_of(&f, "a")->vf_node, "daqs-acme");
	daqs_cycle_set_sla(f.c, sla_of(guest)); /* enforce: guest: the VF is not used any more */
	f.group_r = -EIO;
	period(&f);
	ck_assert_uint_eq(f.n_vf, 1);
	ck_assert(f.vf[0].release && f.vf[0].set_group);
	period(&f);
	ck_assert_uint_eq(f.n_vf, 1); /* tried again */
	ck_assert(f.vf[0].release && f.vf[0].set_group);
	ck_assert_uint_eq(logged(&f, "cannot put VF 3 of 'pf0' out of its group's node"), 1);
	f.group_r = 0;
	period(&f);
	ck_assert(f.n_vf == 1 && f.vf[0].release);
	period(&f);
	ck_assert_uint_eq(f.n_vf, 0); /* out: nothing more to do */
	ck_assert_str_eq(vm_of(&f, "a")->vf_node, "");
	fx_free(&f);
}
END_TEST

/* ---- what the PFs offer (pf_caps.h) ---- */

static const struct daqs_ctl_pf *pf_of(const struct fx *f, const char *name)
{
	const struct daqs_ctl_status *s = daqs_cycle_status(f->c);

	for (size_t i = 0; i < s->n_pfs; i++)
		if (!strcmp(s->pfs[i].name, name))
			return &s->pfs[i];
	return NULL;
}

/* The PFs probed are the links' devices and the VFs' PFs; the status says what each offers. */
START_TEST(test_pf_caps_in_status)
{
	static const char *const sla = "version: 1\n"
				       "links:\n"
				       "  - {name: l0, capacity: 1gbit, device: pf0}\n"
				       "controller:\n"
				       "  period: 200ms\n"
				       "vms:\n"
				       "  - name: a\n"
				       "    class: guarantee\n"
				       "    min: 100mbit\n"
				       "    agent: /run/a.sock\n"
				       "    mac: 52:54:00:00:00:0a\n"
				       "    host_vf: pf1:3\n"
				       "    enforce: vf\n";
	char pfs[4][DAQS_IFNAMSIZ];
	struct daqs_pf_caps caps[2] = {
		{ .pf = "pf0", .driver = "ice", .num_vfs = 8, .total_vfs = 64, .sriov = true },
		{ .pf = "pf1",
		  .driver = "netdevsim",
		  .num_vfs = 4,
		  .total_vfs = 4,
		  .sriov = true,
		  .devlink_leaf = true }
	};
	const struct daqs_ctl_pf *p;
	struct fx f;
	struct fg g;

	fx_init(&f, sla, true);
	fg_init(&g, "eth0");
	attach(&f, "a", &g);
	f.min_refused = true; /* pf1 refuses the min daqsd writes */
	period(&f);
	ck_assert_uint_eq(daqs_cycle_probe_pfs(f.c, pfs, 4), 2);
	ck_assert_str_eq(pfs[0], "pf0");
	ck_assert_str_eq(pfs[1], "pf1");
	ck_assert_uint_eq(daqs_cycle_probe_pfs(f.c, pfs, 1), 1); /* room for one */
	daqs_cycle_pf_caps(f.c, caps, 2);
	daqs_cycle_pf_caps(f.c, caps, 2); /* the same again: not said again */
	ck_assert_uint_eq(logged(&f, "pf 'pf0': driver ice, 8 of 64 VFs, levers "
				     "legacy-max,legacy-min, a VF min is absolute"),
			  1);
	ck_assert_uint_eq(logged(&f, "pf 'pf1': driver netdevsim, 4 of 4 VFs, levers "
				     "devlink-leaf,devlink-node, a VF min is absolute"),
			  1);
	periods(&f, 3);
	p = pf_of(&f, "pf0");
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->link, "l0");
	ck_assert_str_eq(p->min, "absolute");
	ck_assert(!p->min_seen);
	ck_assert_ptr_nonnull(strstr(p->min_rule, "sum to at most the link speed"));
	p = pf_of(&f, "pf1");
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->link, "");
	ck_assert_str_eq(p->levers, "devlink-leaf,devlink-node");
	ck_assert_str_eq(p->min, "refused"); /* as seen, whatever the table says */
	ck_assert(p->min_seen);
	ck_assert_uint_eq(p->vf_min_bps, 0); /* refused: none in force */
	/* a probe that failed */
	caps[0].r = -ENODEV;
	daqs_cycle_pf_caps(f.c, caps, 1);
	period(&f);
	ck_assert_uint_eq(logged(&f, "pf 'pf0': cannot be probed (No such device)"), 1);
	ck_assert_str_eq(pf_of(&f, "pf0")->levers, "none");
	ck_assert_str_eq(pf_of(&f, "pf0")->error, "No such device");
	ck_assert_ptr_null(pf_of(&f, "pf1"));
	fx_free(&f);
}
END_TEST

/* ice's rule: VF minimums sum to at most the link speed; an SLA over the PF's speed is said once. */
START_TEST(test_pf_rule_ice)
{
	static const char *const over =
		"version: 1\n"
		"links:\n"
		"  - {name: l0, capacity: 2gbit, device: pf0}\n"
		"vms:\n"
		"  - {name: a, class: guarantee, min: 1500mbit, agent: /run/a.sock, interface: eth0}\n";
	static const char *const under =
		"version: 1\n"
		"links:\n"
		"  - {name: l0, capacity: 2gbit, device: pf0}\n"
		"vms:\n"
		"  - {name: a, class: guarantee, min: 500mbit, agent: /run/a.sock, interface: eth0}\n";
	struct daqs_pf_caps cap = { .pf = "pf0",
				    .driver = "ice",
				    .num_vfs = 8,
				    .sriov = true,
				    .speed_bps = 1000000000ULL };
	struct fx f;

	fx_init(&f, over, true);
	daqs_cycle_pf_caps(f.c, &cap, 1);
	periods(&f, 3);
	daqs_cycle_pf_caps(f.c, &cap, 1); /* probed again: not said again */
	period(&f);
	ck_assert_uint_eq(logged(&f, "pf 'pf0': the guarantees on link 'l0' commit 1.5gbit, above "
				     "the PF's speed 1gbit: ice refuses VF minimums past it"),
			  1);
	ck_assert_ptr_nonnull(strstr(pf_of(&f, "pf0")->min_rule_broken, "commit 1.5gbit"));
	daqs_cycle_set_sla(f.c, sla_of(under));
	period(&f);
	ck_assert_str_eq(pf_of(&f, "pf0")->min_rule_broken, "");
	daqs_cycle_set_sla(f.c, sla_of(over)); /* broken again: said again */
	period(&f);
	ck_assert_uint_eq(logged(&f, "commit 1.5gbit, above the PF's speed 1gbit"), 2);
	/* a driver without the rule: nothing */
	snprintf(cap.driver, sizeof(cap.driver), "mlx5_core");
	daqs_cycle_pf_caps(f.c, &cap, 1);
	period(&f);
	ck_assert_str_eq(pf_of(&f, "pf0")->min_rule_broken, "");
	ck_assert_str_eq(pf_of(&f, "pf0")->min, "weight");
	fx_free(&f);
}
END_TEST

/* ---- a libvirt VM's tap (tap_use.c) ---- */

static const char *const on_tap = "version: 1\n"
				  "links:\n"
				  "  - name: l0\n"
				  "    capacity: 1gbit\n"
				  "controller:\n"
				  "  period: 200ms\n"
				  "vms:\n"
				  "  - name: d\n"
				  "    class: best-effort\n"
				  "    max: 100mbit\n"
				  "    enforce: host\n";

static const char *const guest_tap = "version: 1\n"
				     "links:\n"
				     "  - name: l0\n"
				     "    capacity: 1gbit\n"
				     "controller:\n"
				     "  period: 200ms\n"
				     "vms:\n"
				     "  - name: d\n"
				     "    class: best-effort\n"
				     "    max: 100mbit\n";

/* Libvirt domain d, its one NIC of this type on tap vnet0, with the tap lever. */
static void tap_vm(struct fx *f, const char *sla, struct fg *g, const char *type)
{
	struct daqs_domxml_nics *n =
		(struct daqs_domxml_nics *)nics_of("52:54:00:00:00:0d", "vnet0");
	void *old;

	fx_init_cfg(f, sla,
		    (struct daqs_cycle_cfg){ .kind = DAQS_POLICY_STATIC, .tap_rates = true });
	fg_init(g, "eth0");
	g->rate_bps = 90e6;
	snprintf(n->v[0].type, sizeof(n->v[0].type), "%s", type);
	daqs_cycle_upsert(f->c, "d", "uuid-d", n);
	ck_assert_int_eq(daqs_cycle_attach(f->c, "d", g, &old), 0);
}

/* enforce: host puts the limit on the tap (libvirt's units), none in the guest; written once. */
START_TEST(test_tap_enforce_host)
{
	struct fx f;
	struct fg g;
	struct daqs_cycle_tap_write w = { 0 }, *rm;
	size_t writes = 0;
	const struct daqs_ctl_vm *v;

	tap_vm(&f, on_tap, &g, "bridge");
	for (int i = 0; i < 8; i++) {
		period(&f);
		writes += f.n_tap;
		if (f.n_tap)
			w = f.tap[0];
	}
	ck_assert_uint_eq(writes, 1);
	ck_assert_str_eq(w.dev, "vnet0");
	ck_assert_str_eq(w.uuid, "uuid-d");
	ck_assert_str_eq(w.vm, "d");
	ck_assert_uint_eq(w.out_kBps, 12500);	 /* 100 Mbit/s as 1000-byte "kilobytes" */
	ck_assert_uint_eq(w.out_burst_kB, 1250); /* 100 ms of it */
	ck_assert(!w.release);
	ck_assert_uint_eq(g.tc, NO_LIMIT); /* no limit of daqsd's in the guest */
	v = vm_of(&f, "d");
	ck_assert_str_eq(v->tap, "vnet0");
	ck_assert_uint_eq(v->tap_max_bps, 100000000);
	ck_assert_str_eq(v->tap_why, "enforce: host");
	ck_assert_uint_eq(v->limit_bps, 100000000); /* the tap's is the limit in force */
	/* --on-exit remove: the tap back to no cap */
	ck_assert_uint_eq(daqs_cycle_tap_remove_all(f.c, &rm), 1);
	ck_assert(rm[0].release);
	ck_assert_str_eq(rm[0].dev, "vnet0");
	ck_assert_uint_eq(rm[0].out_kBps, 0);
	free(rm);
	fx_free(&f);
}
END_TEST

/*
 * libvirt refuses (e.g. a host kernel without act_police): said once with
 * libvirt's message, the limit goes into the guest, and the tap is tried
 * again after DAQS_CYCLE_TAP_RETRY_NS; when it takes the rate, the guest's
 * limit is removed.
 */
START_TEST(test_tap_failure_falls_back_to_guest)
{
	struct fx f;
	struct fg g;
	int retry = (int)(DAQS_CYCLE_TAP_RETRY_NS / PERIOD_NS);
	size_t writes = 0;

	tap_vm(&f, on_tap, &g, "bridge");
	f.tap_r = -EIO;
	periods(&f, 6);
	ck_assert_uint_eq(logged(&f, "cannot set the transmit rate of its tap 'vnet0' through "
				     "libvirt (Failed to load TC action module)"),
			  1);
	ck_assert_uint_eq(g.tc, 100000000); /* the guest holds it meanwhile */
	ck_assert_str_eq(vm_of(&f, "d")->tap_why,
			 "enforce: host; libvirt refused it: Failed to load TC action module");
	for (int i = 0; i < retry - 10; i++) {
		period(&f);
		writes += f.n_tap;
	}
	ck_assert_uint_eq(writes, 0); /* not before the retry */
	f.tap_r = 0;
	for (int i = 0; i < 20; i++) {
		period(&f);
		writes += f.n_tap;
	}
	ck_assert_uint_eq(writes, 1);
	ck_assert_uint_eq(logged(&f, "its tap 'vnet0' takes its rate again"), 1);
	ck_assert_uint_eq(g.tc, NO_LIMIT);
	ck_assert_str_eq(vm_of(&f, "d")->tap_why, "enforce: host");
	fx_free(&f);
}
END_TEST

/*
 * enforce: guest and an agent that stops answering: the tap is the backstop;
 * when the VM takes a VF (the tap no longer carries all of its traffic) the
 * tap is released.
 */
START_TEST(test_tap_backstop)
{
	struct fx f;
	struct fg g;
	size_t writes = 0;

	tap_vm(&f, guest_tap, &g, "bridge");
	periods(&f, 5);
	ck_assert_uint_eq(f.n_tap, 0); /* a healthy agent: the tap carries nothing */
	ck_assert_uint_eq(g.tc, 100000000);
	g.down = true;
	for (int i = 0; i < 10 && !writes; i++) {
		period(&f);
		writes = f.n_tap;
	}
	ck_assert_uint_eq(writes, 1);
	ck_assert_uint_eq(f.tap[0].out_kBps, 12500);
	ck_assert_str_eq(vm_of(&f, "d")->tap_why, "backstop: the agent does not answer");
	daqs_cycle_set_vf(f.c, "d", "pf0", 3);
	period(&f);
	ck_assert_uint_eq(f.n_tap, 1);
	ck_assert(f.tap[0].release);
	ck_assert_str_eq(vm_of(&f, "d")->tap, "");
	fx_free(&f);
}
END_TEST

/*
 * A NIC type libvirt cannot tune (user networking): no tap lever, the guest
 * holds the limit; with guest-exec blocked as well, nothing can (shown).
 */
START_TEST(test_tap_untunable_nic)
{
	struct fx f;
	struct fg g;
	size_t writes = 0;

	tap_vm(&f, on_tap, &g, "user");
	for (int i = 0; i < 6; i++) {
		period(&f);
		writes += f.n_tap;
	}
	ck_assert_uint_eq(writes, 0);
	ck_assert_uint_eq(g.tc, 100000000);
	ck_assert_str_eq(vm_of(&f, "d")->tap, "");
	fx_free(&f);
	/* a tunable NIC and guest-exec blocked from the start: the tap holds it */
	tap_vm(&f, guest_tap, &g, "network");
	g.limited = true;
	periods(&f, 4);
	ck_assert_str_eq(state_of(&f, "d"), "no-exec");
	ck_assert_str_eq(vm_of(&f, "d")->tap, "vnet0");
	ck_assert_str_eq(vm_of(&f, "d")->tap_why, "backstop: the agent cannot run tc");
	fx_free(&f);
}
END_TEST

/*
 * enforce: host -> guest (reload): the guest gets the limit at once, and the
 * tap is released only once the guest holds it (make before break).
 */
START_TEST(test_tap_host_to_guest_reload)
{
	struct fx f;
	struct fg g;
	bool released = false;

	tap_vm(&f, on_tap, &g, "bridge");
	periods(&f, 8);
	ck_assert_uint_eq(g.tc, NO_LIMIT);
	daqs_cycle_set_sla(f.c, sla_of(guest_tap));
	for (int i = 0; i < 3; i++) {
		period(&f);
		for (size_t k = 0; k < f.n_tap; k++)
			if (f.tap[k].release) {
				ck_assert_uint_eq(g.tc, 100000000); /* the guest had it first */
				released = true;
			}
	}
	ck_assert_uint_eq(g.tc, 100000000);
	ck_assert(released);
	ck_assert_str_eq(vm_of(&f, "d")->tap, "");
	fx_free(&f);
}
END_TEST

static const char *const guest_tap50 = "version: 1\n"
				       "links:\n"
				       "  - name: l0\n"
				       "    capacity: 1gbit\n"
				       "controller:\n"
				       "  period: 200ms\n"
				       "vms:\n"
				       "  - name: d\n"
				       "    class: best-effort\n"
				       "    max: 50mbit\n";

/*
 * The backstop's tap, a new rate refused: the tap is kept (not released,
 * nothing "takes its rate again") and written again after the retry time.
 */
START_TEST(test_tap_change_refused_keeps_tap)
{
	struct fx f;
	struct fg g;
	int retry = (int)(DAQS_CYCLE_TAP_RETRY_NS / PERIOD_NS);
	size_t releases = 0, writes = 0;

	tap_vm(&f, guest_tap, &g, "bridge");
	periods(&f, 5);
	g.down = true;
	periods(&f, 10);
	ck_assert_str_eq(vm_of(&f, "d")->tap, "vnet0");
	daqs_cycle_set_sla(f.c, sla_of(guest_tap50));
	f.tap_r = -ETIMEDOUT;
	period(&f);
	ck_assert_uint_eq(logged(&f, "cannot set the transmit rate of its tap 'vnet0'"), 1);
	f.tap_r = 0;
	for (int i = 0; i < retry - 10; i++) {
		period(&f);
		for (size_t k = 0; k < f.n_tap; k++)
			releases += f.tap[k].release;
		writes += f.n_tap;
	}
	ck_assert_uint_eq(releases, 0);
	ck_assert_uint_eq(writes, 0);
	ck_assert_str_eq(vm_of(&f, "d")->tap, "vnet0");
	ck_assert_uint_eq(logged(&f, "takes its rate again"), 0);
	for (int i = 0; i < 20 && !writes; i++) {
		period(&f);
		writes += f.n_tap;
	}
	ck_assert_uint_eq(writes, 1);
	ck_assert_uint_eq(f.tap[0].out_kBps, 6250);
	ck_assert_uint_eq(logged(&f, "takes its rate again"), 1);
	fx_free(&f);
}
END_TEST

/* A refused release is not forgotten: the tap stays shown and is released after the retry. */
START_TEST(test_tap_release_refused_retried)
{
	struct fx f;
	struct fg g;
	int retry = (int)(DAQS_CYCLE_TAP_RETRY_NS / PERIOD_NS);
	size_t releases = 0;

	tap_vm(&f, guest_tap, &g, "bridge");
	periods(&f, 5);
	g.down = true;
	periods(&f, 10);
	g.down = false; /* the agent is back: the guest takes the limit, the tap is let go */
	f.tap_r = -ECONNREFUSED;
	for (int i = 0; i < 3 && !releases; i++) {
		period(&f);
		for (size_t k = 0; k < f.n_tap; k++)
			releases += f.tap[k].release;
	}
	ck_assert_uint_eq(releases, 1);
	ck_assert_uint_eq(g.tc, 100000000);
	ck_assert_str_eq(vm_of(&f, "d")->tap, "vnet0");
	f.tap_r = 0;
	releases = 0;
	for (int i = 0; i < retry + 10; i++) {
		period(&f);
		for (size_t k = 0; k < f.n_tap; k++)
			releases += f.tap[k].release;
	}
	ck_assert_uint_eq(releases, 1);
	ck_assert_str_eq(vm_of(&f, "d")->tap, "");
	fx_free(&f);
}
END_TEST

/* enforce: host while the VM holds a pool VF: the guest holds the limit (the VF is a backstop). */
START_TEST(test_tap_host_with_pool_vf)
{
	struct fx f;
	struct fg g;
	void *old;

	fx_init_cfg(&f, on_tap,
		    (struct daqs_cycle_cfg){
			    .kind = DAQS_POLICY_STATIC, .tap_rates = true, .vf_rates = true });
	fg_init(&g, "eth0");
	daqs_cycle_upsert(f.c, "d", "uuid-d", nics_of("52:54:00:00:00:0d", "vnet0"));
	ck_assert_int_eq(daqs_cycle_attach(f.c, "d", &g, &old), 0);
	periods(&f, 5);
	daqs_cycle_set_vf(f.c, "d", "pf0", 3);
	periods(&f, 5);
	ck_assert_str_eq(vm_of(&f, "d")->vf_why, "");
	ck_assert_str_eq(vm_of(&f, "d")->tap, "");
	ck_assert_uint_eq(g.tc, 100000000);
	fx_free(&f);
}
END_TEST

/* ---- overrides ---- */

/* An override's guarantees must fit the link's admission share (100 %: its capacity). */
START_TEST(test_override_admission)
{
	static const char *const half = "version: 1\n"
					"links:\n"
					"  - name: l0\n"
					"    capacity: 1gbit\n"
					"    admission: 50%\n"
					"vms:\n"
					"  - name: a\n"
					"    class: best-effort\n"
					"    agent: /run/a.sock\n"
					"    mac: 52:54:00:00:00:0a\n";
	struct fx f;
	struct fg g;
	struct daqs_override o = { .vm = "a",
				   .has_class = true,
				   .cls = DAQS_CLASS_GUARANTEE,
				   .has_min = true,
				   .min_bps = 600000000 };
	struct daqs_cycle_undo undo;
	char why[256];

	fx_init(&f, half, false);
	fg_init(&g, "eth0");
	attach(&f, "a", &g);
	period(&f);
	ck_assert_int_eq(daqs_cycle_override(f.c, &o, &undo, why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "the guarantees on link 'l0' would sum to 600mbit, more than the "
			      "500mbit its admission allows (50% of its capacity 1gbit)");
	o.min_bps = 500000000;
	ck_assert_int_eq(daqs_cycle_override(f.c, &o, &undo, why, sizeof(why)), 0);
	fx_free(&f);
	shaped(&f, &g); /* no admission: the capacity */
	o.min_bps = 1100000000;
	o.has_max = true;
	o.max_bps = NO_LIMIT;
	ck_assert_int_eq(daqs_cycle_override(f.c, &o, &undo, why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "the guarantees on link 'l0' would sum to 1.1gbit, more than its "
			      "capacity 1gbit");
	fx_free(&f);
}
END_TEST

START_TEST(test_override_set_and_expired)
{
	struct fx f;
	struct fg g;
	struct daqs_override o = { .vm = "a", .has_max = true, .max_bps = 20000000, .expires = 0 };
	struct daqs_cycle_undo undo;
	char why[256];

	shaped(&f, &g);
	o.expires = f.now_s + 10;
	ck_assert_int_eq(daqs_cycle_override(f.c, &o, &undo, why, sizeof(why)), 0);
	ck_assert(!undo.had);
	period(&f);
	ck_assert_uint_eq(g.tc, 20000000ULL);
	ck_assert(vm_of(&f, "a")->override);
	ck_assert_int_eq(vm_of(&f, "a")->override_left_s, 10);
	f.now_s += 11;
	period(&f);
	ck_assert_uint_eq(logged(&f, "override: expired for 'a'"), 1);
	ck_assert(!vm_of(&f, "a")->override);
	ck_assert_uint_eq(g.tc, 100000000ULL);
	fx_free(&f);
}
END_TEST

START_TEST(test_override_refused_and_undone)
{
	struct fx f;
	struct fg g;
	struct daqs_override o = { .vm = "a", .has_min = true, .min_bps = 5000000 };
	struct daqs_override o2 = { .vm = "a", .has_max = true, .max_bps = 30000000 };
	struct daqs_cycle_undo undo;
	char why[256];

	shaped(&f, &g);
	/* a min for a best-effort VM */
	ck_assert_int_eq(daqs_cycle_override(f.c, &o, &undo, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "min is only for guarantee VMs"));
	snprintf(o.vm, sizeof(o.vm), "nobody");
	ck_assert_int_eq(daqs_cycle_override(f.c, &o, &undo, why, sizeof(why)), -ENOENT);
	/* accepted, then undone (the state file could not take it) */
	ck_assert_int_eq(daqs_cycle_override(f.c, &o2, &undo, why, sizeof(why)), 0);
	daqs_cycle_override_undo(f.c, &undo);
	period(&f);
	ck_assert(!vm_of(&f, "a")->override);
	ck_assert_uint_eq(g.tc, 100000000ULL);
	ck_assert_int_eq(daqs_cycle_clear_override(f.c, "a", &undo, why, sizeof(why)), -ENOENT);
	fx_free(&f);
}
END_TEST

/* ---- reload ---- */

START_TEST(test_reload_drops_and_changes)
{
	struct fx f;
	struct fg g;
	static const char *const changed = "version: 1\n"
					   "links:\n"
					   "  - name: l0\n"
					   "    capacity: 1gbit\n"
					   "vms:\n"
					   "  - name: a\n"
					   "    class: best-effort\n"
					   "    agent: /run/a.sock\n"
					   "    mac: 52:54:00:00:00:0a\n"
					   "    max: 60mbit\n";
	static const char *const without = "version: 1\n"
					   "links:\n"
					   "  - name: l0\n"
					   "    capacity: 1gbit\n";

	shaped(&f, &g);
	daqs_cycle_set_sla(f.c, sla_of(changed));
	period(&f);
	ck_assert_uint_eq(g.tc, 60000000ULL); /* the new max, no restart */
	ck_assert_str_eq(state_of(&f, "a"), "shaped");
	daqs_cycle_set_sla(f.c, sla_of(without));
	ck_assert_uint_eq(logged(&f, "guest 'a': no longer in the SLA file; removing its limit"),
			  1);
	period(&f); /* its limit removed, then forgotten */
	ck_assert_uint_eq(g.tc, NO_LIMIT);
	ck_assert_ptr_null(vm_of(&f, "a"));
	period(&f);
	ck_assert_uint_eq(f.n_dropped, 1);
	ck_assert_ptr_eq(f.dropped[0], &g);
	fx_free(&f);
}
END_TEST

START_TEST(test_reload_retiring_agent_down_gives_up)
{
	struct fx f;
	struct fg g;
	static const char *const without = "version: 1\n"
					   "links:\n"
					   "  - name: l0\n"
					   "    capacity: 1gbit\n";

	shaped(&f, &g);
	daqs_cycle_set_sla(f.c, sla_of(without));
	g.limited = true; /* cannot remove its tc: tried 10 times, then forgotten */
	periods(&f, 9);
	ck_assert_ptr_nonnull(vm_of(&f, "a"));
	period(&f);
	ck_assert_uint_eq(logged(&f, "guest 'a': could not remove its limit; forgetting it"), 1);
	ck_assert_ptr_null(vm_of(&f, "a"));
	fx_free(&f);
}
END_TEST

/* A reload's new host_vf counts at once, before the next period (not the old SLA's). */
START_TEST(test_reload_host_vf_taken_at_once)
{
	struct fx f;
	struct fg g;
	char pfs[4][DAQS_IFNAMSIZ];
	static const char *const on = "version: 1\n"
				      "links:\n"
				      "  - name: l0\n"
				      "    capacity: 1gbit\n"
				      "vms:\n"
				      "  - name: a\n"
				      "    class: best-effort\n"
				      "    agent: /run/a.sock\n"
				      "    mac: 52:54:00:00:00:0a\n"
				      "    host_vf: pf0:3\n";
	static const char *const moved = "version: 1\n"
					 "links:\n"
					 "  - name: l0\n"
					 "    capacity: 1gbit\n"
					 "vms:\n"
					 "  - name: a\n"
					 "    class: best-effort\n"
					 "    agent: /run/a.sock\n"
					 "    mac: 52:54:00:00:00:0a\n"
					 "    host_vf: pf1:4\n";
	static const char *const without = "version: 1\n"
					   "links:\n"
					   "  - name: l0\n"
					   "    capacity: 1gbit\n";

	fx_init(&f, on, true);
	fg_init(&g, "eth0");
	attach(&f, "a", &g);
	periods(&f, 2);
	ck_assert_uint_eq(daqs_cycle_vf_pfs(f.c, pfs, 4), 1);
	ck_assert_str_eq(pfs[0], "pf0");
	daqs_cycle_set_sla(f.c, sla_of(moved));
	ck_assert_uint_eq(daqs_cycle_vf_pfs(f.c, pfs, 4), 1);
	ck_assert_str_eq(pfs[0], "pf1");
	g.limited = true; /* its tc cannot be removed: it stays retiring */
	daqs_cycle_set_sla(f.c, sla_of(without));
	ck_assert_uint_eq(daqs_cycle_vf_pfs(f.c, pfs, 4), 0); /* no host_vf of its own now */
	period(&f);
	ck_assert_str_eq(state_of(&f, "a"), "retiring");
	ck_assert_uint_eq(daqs_cycle_vf_pfs(f.c, pfs, 4), 0);
	fx_free(&f);
}
END_TEST

/* A retiring VM whose link went with the reload is shown on a link that exists. */
START_TEST(test_reload_link_gone_retiring)
{
	struct fx f;
	struct fg g;
	static const char *const two = "version: 1\n"
				       "links:\n"
				       "  - name: l0\n"
				       "    capacity: 1gbit\n"
				       "  - name: l1\n"
				       "    capacity: 1gbit\n"
				       "vms:\n"
				       "  - name: a\n"
				       "    class: best-effort\n"
				       "    link: l1\n"
				       "    agent: /run/a.sock\n"
				       "    mac: 52:54:00:00:00:0a\n"
				       "    max: 100mbit\n";
	static const char *const one = "version: 1\n"
				       "links:\n"
				       "  - name: l0\n"
				       "    capacity: 1gbit\n";

	fx_init(&f, two, false);
	fg_init(&g, "eth0");
	attach(&f, "a", &g);
	periods(&f, 3);
	ck_assert_str_eq(vm_of(&f, "a")->link, "l1");
	g.limited = true; /* its tc cannot be removed: it stays retiring for a while */
	daqs_cycle_set_sla(f.c, sla_of(one));
	periods(&f, 2);
	ck_assert_str_eq(state_of(&f, "a"), "retiring");
	ck_assert_uint_eq(daqs_cycle_status(f.c)->n_links, 1);
	ck_assert_str_eq(vm_of(&f, "a")->link, "l0");
	fx_free(&f);
}
END_TEST

/* ---- TCP queueing delay (policy daqs-closed, step 9) ---- */

static const char *const gmin_sla = "version: 1\n"
				    "links:\n"
				    "  - name: l0\n"
				    "    capacity: 1gbit\n"
				    "vms:\n"
				    "  - name: a\n"
				    "    class: guarantee\n"
				    "    min: 400mbit\n"
				    "    agent: /run/a.sock\n"
				    "    mac: 52:54:00:00:00:0a\n";

/*
 * It is read for a Guarantee VM sending below its min, and only there; its
 * value reaches the policy (a witness of a full link: the capacity planned
 * with, the link's effective capacity in status, falls); a failed read is
 * reported once, moves nothing and is not tried again for 30 s; its recovery
 * is reported too.
 */
START_TEST(test_tcp_queue_read_below_min)
{
	struct fx f;
	struct fg g;
	unsigned n;
	double eff;

	fx_init_kind(&f, gmin_sla, false, DAQS_POLICY_DAQS_CLOSED);
	fg_init(&g, "eth0");
	g.rate_bps = 200e6; /* half its min */
	g.queue_ms = 5;
	attach(&f, "a", &g);
	periods(&f, 4);
	ck_assert_uint_ge(g.tcp_reads, 2); /* from its second sample on: it has a rate */
	eff = daqs_cycle_status(f.c)->links[0].effective_bps;
	ck_assert_msg(eff < 0.99e9, "effective capacity %g", eff);
	g.tcpq_r = -ENOENT;
	n = g.tcp_reads;
	period(&f);
	eff = daqs_cycle_status(f.c)->links[0].effective_bps;
	periods(&f, 2);
	ck_assert_uint_eq(g.tcp_reads, n + 1); /* not asked again for 30 s */
	ck_assert_uint_eq(logged(&f, "guest 'a': cannot read its TCP queueing delay (no ss in the "
				     "guest)"),
			  1);
	ck_assert(daqs_cycle_status(f.c)->links[0].effective_bps == eff); /* no witness now */
	g.tcpq_r = 0;
	periods(&f, 150); /* 30 s at 200 ms */
	ck_assert_uint_eq(logged(&f, "guest 'a': its TCP queueing delay reads again"), 1);
	/* at its min it is owed nothing more: not read */
	g.rate_bps = 450e6;
	periods(&f, 3);
	n = g.tcp_reads;
	periods(&f, 3);
	ck_assert_uint_eq(g.tcp_reads, n);
	fx_free(&f);
}
END_TEST

/*
 * A VF plug or unplug (the pool marks its start and its end) makes the VM
 * settle for DAQS_CYCLE_SETTLE_NS after the last mark, at most
 * DAQS_CYCLE_SETTLE_MAX_NS in a row: a demand-limited Guarantee VM is
 * protected at its min throughout, then judged anew.
 */
START_TEST(test_vf_move_settles)
{
	struct fx f;
	struct fg g;
	const int settle = (int)(DAQS_CYCLE_SETTLE_NS / PERIOD_NS);

	fx_init_kind(&f, gmin_sla, false, DAQS_POLICY_DAQS);
	fg_init(&g, "eth0");
	g.rate_bps = 100e6; /* a quarter of its min: it asks for less */
	attach(&f, "a", &g);
	periods(&f, 12);
	ck_assert_str_eq(vm_of(&f, "a")->mode, "demand-limited");
	daqs_cycle_vf_moving(f.c, "a");
	period(&f);
	ck_assert_str_eq(vm_of(&f, "a")->mode, "protected");
	periods(&f, 3);
	daqs_cycle_vf_moving(f.c, "a"); /* the plug ended: settling runs from here */
	periods(&f, settle - 1);
	ck_assert_str_eq(vm_of(&f, "a")->mode, "protected");
	periods(&f, settle / 2 + 6); /* settled, and its last protection's hold over */
	ck_assert_str_eq(vm_of(&f, "a")->mode, "demand-limited");
	/* set_vf alone (a VF adopted at start) is no swap */
	daqs_cycle_set_vf(f.c, "a", "pf0", 3);
	period(&f);
	ck_assert_str_eq(vm_of(&f, "a")->mode, "demand-limited");
	/* moves back to back (a mark every 2 s): settling stops 15 s after it began */
	for (int k = 0; k < 10; k++) {
		daqs_cycle_vf_moving(f.c, "a");
		periods(&f, 10);
		if (k == 5)
			ck_assert_str_eq(vm_of(&f, "a")->mode, "protected");
	}
	ck_assert_str_eq(vm_of(&f, "a")->mode, "demand-limited");
	periods(&f, settle + 1); /* a quiet spell: the next move settles again */
	daqs_cycle_vf_moving(f.c, "a");
	period(&f);
	ck_assert_str_eq(vm_of(&f, "a")->mode, "protected");
	fx_free(&f);
}
END_TEST

/* Not for a best-effort VM, nor under another policy, nor with its limit on its VF. */
START_TEST(test_tcp_queue_not_read)
{
	static struct fx f, o, v; /* large: not on the stack */
	struct fg g, h, k;
	static const char *const on_vf = "version: 1\n"
					 "links:\n"
					 "  - name: l0\n"
					 "    capacity: 1gbit\n"
					 "vms:\n"
					 "  - name: a\n"
					 "    class: guarantee\n"
					 "    min: 400mbit\n"
					 "    agent: /run/a.sock\n"
					 "    mac: 52:54:00:00:00:0a\n"
					 "    host_vf: pf0:3\n"
					 "    enforce: vf\n";

	fx_init_kind(&f, one_socket, false, DAQS_POLICY_DAQS_CLOSED); /* a: best-effort */
	fg_init(&g, "eth0");
	g.rate_bps = 50e6;
	attach(&f, "a", &g);
	periods(&f, 5);
	ck_assert_uint_eq(g.tcp_reads, 0);
	fx_free(&f);
	fx_init_kind(&o, gmin_sla, false, DAQS_POLICY_DAQS); /* a guarantee below its min */
	fg_init(&h, "eth0");
	h.rate_bps = 200e6;
	attach(&o, "a", &h);
	periods(&o, 5);
	ck_assert_uint_eq(h.tcp_reads, 0);
	fx_free(&o);
	fx_init_kind(&v, on_vf, true, DAQS_POLICY_DAQS_CLOSED);
	fg_init(&k, "eth0");
	k.rate_bps = 200e6;
	attach(&v, "a", &k);
	periods(&v, 5);
	ck_assert_uint_gt(k.samples, 3);
	ck_assert_uint_eq(k.tcp_reads, 0);
	fx_free(&v);
}
END_TEST

/* ---- counters ---- */

#define BYTES_PER_PERIOD 1250000ULL /* 50 mbit for 200 ms */

static uint64_t link_tx_bytes(const struct fx *f, const char *name)
{
	const struct daqs_ctl_status *s = daqs_cycle_status(f->c);

	for (size_t i = 0; i < s->n_links; i++)
		if (!strcmp(s->links[i].name, name))
			return s->links[i].tx_bytes;
	ck_abort_msg("no link '%s'", name);
	return 0;
}

START_TEST(test_traffic_counters)
{
	struct fx f;
	struct fg g;
	static const char *const changed = "version: 1\n"
					   "links:\n"
					   "  - name: l0\n"
					   "    capacity: 1gbit\n"
					   "vms:\n"
					   "  - name: a\n"
					   "    class: best-effort\n"
					   "    agent: /run/a.sock\n"
					   "    mac: 52:54:00:00:00:0a\n"
					   "    max: 60mbit\n";
	static const char *const without = "version: 1\n"
					   "links:\n"
					   "  - name: l0\n"
					   "    capacity: 1gbit\n";
	static const char *const renamed = "version: 1\n"
					   "links:\n"
					   "  - name: l9\n"
					   "    capacity: 1gbit\n";

	shaped(&f, &g); /* 3 samples: a baseline, then 2 intervals */
	ck_assert_uint_eq(vm_of(&f, "a")->tx_bytes, 2 * BYTES_PER_PERIOD);
	ck_assert_uint_eq(vm_of(&f, "a")->tx_packets, 2 * BYTES_PER_PERIOD / 1000);
	ck_assert_uint_eq(vm_of(&f, "a")->rx_bytes, 0);
	ck_assert_uint_eq(vm_of(&f, "a")->rx_packets, 0);
	ck_assert_uint_eq(link_tx_bytes(&f, "l0"), 2 * BYTES_PER_PERIOD);
	/* a reboot: the counters start again; the totals keep what was counted */
	g.tx_bytes = 0;
	period(&f);
	ck_assert_uint_eq(logged(&f, "counters went backwards"), 1);
	ck_assert_uint_eq(vm_of(&f, "a")->tx_bytes, 2 * BYTES_PER_PERIOD);
	ck_assert_uint_eq(link_tx_bytes(&f, "l0"), 2 * BYTES_PER_PERIOD);
	period(&f);
	ck_assert_uint_eq(vm_of(&f, "a")->tx_bytes, 3 * BYTES_PER_PERIOD);
	ck_assert_uint_eq(vm_of(&f, "a")->tx_packets, 3 * BYTES_PER_PERIOD / 1000);
	ck_assert_uint_eq(link_tx_bytes(&f, "l0"), 3 * BYTES_PER_PERIOD);
	/* a reload that keeps the link's name keeps its count */
	daqs_cycle_set_sla(f.c, sla_of(changed));
	period(&f);
	ck_assert_uint_eq(link_tx_bytes(&f, "l0"), 4 * BYTES_PER_PERIOD);
	/* the VM leaves the SLA, is retired and forgotten: the link's count stays */
	daqs_cycle_set_sla(f.c, sla_of(without));
	period(&f);
	ck_assert_ptr_null(vm_of(&f, "a"));
	ck_assert_uint_eq(link_tx_bytes(&f, "l0"), 4 * BYTES_PER_PERIOD);
	period(&f);
	ck_assert_uint_eq(link_tx_bytes(&f, "l0"), 4 * BYTES_PER_PERIOD);
	/* a link under another name is another series: from 0 */
	daqs_cycle_set_sla(f.c, sla_of(renamed));
	period(&f);
	ck_assert_uint_eq(link_tx_bytes(&f, "l9"), 0);
	fx_free(&f);
}
END_TEST

/* The counters its rates come from: the agent's, the host's once they give a rate. */
START_TEST(test_traffic_counters_follow_the_rates)
{
	static const char *const with_host = "version: 1\n"
					     "links:\n"
					     "  - name: l0\n"
					     "    capacity: 1gbit\n"
					     "vms:\n"
					     "  - name: a\n"
					     "    class: best-effort\n"
					     "    agent: /run/a.sock\n"
					     "    mac: 52:54:00:00:00:0a\n"
					     "    host_interface: vnet0\n"
					     "    max: 100mbit\n";
	const uint64_t agent = 2 * BYTES_PER_PERIOD, host = BYTES_PER_PERIOD;
	struct fx f;
	struct fg g;

	fx_init(&f, with_host, false);
	fg_init(&g, "eth0");
	g.overstates = true; /* so the totals tell whose counters were counted */
	g.host_down = true;
	attach(&f, "a", &g);
	periods(&f, 3);
	ck_assert_str_eq(vm_of(&f, "a")->counters, "agent, host unreadable");
	ck_assert_uint_eq(vm_of(&f, "a")->tx_bytes, 2 * agent);
	g.host_down = false;
	period(&f); /* the host's first sample: a baseline, still the agent's rates */
	ck_assert_uint_eq(vm_of(&f, "a")->tx_bytes, 3 * agent);
	periods(&f, 2);
	ck_assert_int_eq(strncmp(vm_of(&f, "a")->counters, "host", 4), 0);
	ck_assert_uint_eq(vm_of(&f, "a")->tx_bytes, 3 * agent + 2 * host);
	ck_assert_uint_eq(vm_of(&f, "a")->tx_packets, (3 * agent + 2 * host) / 1000);
	ck_assert_uint_eq(link_tx_bytes(&f, "l0"), 3 * agent + 2 * host);
	/* back to the agent's: its interval since the last period only, not the host's time */
	g.host_down = true;
	period(&f);
	ck_assert_uint_eq(vm_of(&f, "a")->tx_bytes, 4 * agent + 2 * host);
	ck_assert_uint_eq(link_tx_bytes(&f, "l0"), 4 * agent + 2 * host);
	fx_free(&f);
}
END_TEST

/* New limits the policy decided, put in force; not every tc run. */
START_TEST(test_limit_changes_counted)
{
	struct fx f;
	struct fg g;
	struct daqs_override o = { .vm = "a", .has_max = true, .max_bps = 20000000 };
	struct daqs_cycle_undo undo;
	char why[256];

	shaped(&f, &g);
	ck_assert_uint_eq(vm_of(&f, "a")->limit_changes, 1); /* the first limit */
	ck_assert_uint_eq(vm_of(&f, "a")->applies, 1);
	ck_assert_int_eq(daqs_cycle_override(f.c, &o, &undo, why, sizeof(why)), 0);
	period(&f);
	ck_assert_uint_eq(g.tc, 20000000ULL);
	ck_assert_uint_eq(vm_of(&f, "a")->limit_changes, 2);
	ck_assert_uint_eq(vm_of(&f, "a")->applies, 2);
	/* a reboot lost it: put back by a re-verification, the same limit: no change */
	g.tx_bytes = 0;
	g.tc = NO_LIMIT;
	period(&f);
	ck_assert_uint_eq(g.tc, 20000000ULL);
	ck_assert_uint_eq(vm_of(&f, "a")->applies, 3);
	ck_assert_uint_eq(vm_of(&f, "a")->limit_changes, 2);
	/* decided while the agent is away: counted once it is in force */
	g.down = true;
	ck_assert_int_eq(daqs_cycle_clear_override(f.c, "a", &undo, why, sizeof(why)), 0);
	periods(&f, 3);
	ck_assert_uint_eq(vm_of(&f, "a")->limit_changes, 2);
	g.down = false;
	period(&f);
	ck_assert_uint_eq(g.tc, 100000000ULL);
	ck_assert_uint_eq(vm_of(&f, "a")->limit_changes, 3);
	ck_assert_uint_eq(vm_of(&f, "a")->applies, 4);
	periods(&f, 3); /* nothing new */
	ck_assert_uint_eq(vm_of(&f, "a")->limit_changes, 3);
	fx_free(&f);
}
END_TEST

/* ---- shutdown, state ---- */

START_TEST(test_remove_all_and_limits)
{
	static struct fx f; /* off the stack: the frame limit (fx_init clears it) */
	struct fg g;
	struct daqs_cycle_job *j;
	struct daqs_cycle_result r[4];
	struct daqs_cycle_vf_write *w;
	struct daqs_cycle_limit *lim;
	size_t n, nw;

	shaped(&f, &g);
	ck_assert(daqs_cycle_end(f.c, 1.0)); /* a limit came into force: the state file is due */
	daqs_cycle_state_saved(f.c, -EROFS, "cannot write /x/state.json: Read-only file system");
	ck_assert_str_eq(daqs_cycle_status(f.c)->state_error, ""); /* until the next snapshot */
	ck_assert(daqs_cycle_end(f.c, 1.0));			   /* still due */
	ck_assert_ptr_nonnull(strstr(daqs_cycle_status(f.c)->state_error, "Read-only"));
	daqs_cycle_state_saved(f.c, 0, "");
	ck_assert(!daqs_cycle_end(f.c, 1.0));
	ck_assert_uint_eq(logged(&f, "state: written again"), 1);
	n = daqs_cycle_limits(f.c, &lim);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(lim[0].vm, "a");
	ck_assert_str_eq(lim[0].iface, "eth0");
	ck_assert_uint_eq(lim[0].limit_bps, 100000000ULL);
	free(lim);
	n = daqs_cycle_remove_all(f.c, &j, &w, &nw);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(nw, 0);
	run(&f, j, r, n);
	daqs_cycle_removed(f.c, j, r, n);
	ck_assert_uint_eq(g.tc, NO_LIMIT);
	ck_assert_uint_eq(logged(&f, "guest 'a': limit removed"), 1);
	free(j);
	free(w);
	fx_free(&f);
}
END_TEST

/* ---- the tap: host counters found in the domain XML ---- */

static const char *const one_libvirt = "version: 1\n"
				       "links:\n"
				       "  - name: l0\n"
				       "    capacity: 1gbit\n"
				       "controller:\n"
				       "  period: 200ms\n"
				       "vms:\n"
				       "  - name: d\n"
				       "    class: best-effort\n"
				       "    max: 100mbit\n";

/* A libvirt domain whose one NIC has MAC ...:0d on tap vnet0; its guest sends 200 Mbit/s. */
static void tap_guest(struct fx *f, const char *sla, struct fg *g)
{
	void *old;

	fx_init(f, sla, false);
	fg_init(g, "eth0");
	g->rate_bps = 200e6;
	daqs_cycle_upsert(f->c, "d", "uuid-d", nics_of("52:54:00:00:00:0d", "vnet0"));
	ck_assert_int_eq(daqs_cycle_attach(f->c, "d", g, &old), 0);
}

/* ---- SLA from libvirt domain metadata ---- */

/* nics_of() with a daqs metadata element of n key/value pairs (static, as nics_of). */
static const struct daqs_domxml_nics *meta_nics(const char *mac, const char *const *kv, size_t n)
{
	struct daqs_domxml_nics *x = (struct daqs_domxml_nics *)nics_of(mac, "");

	x->meta.present = n > 0;
	snprintf(x->meta.elem, sizeof(x->meta.elem), "sla");
	for (size_t i = 0; i < n; i++) {
		snprintf(x->meta.key[i], sizeof(x->meta.key[i]), "%s", kv[2 * i]);
		snprintf(x->meta.val[i], sizeof(x->meta.val[i]), "%s", kv[2 * i + 1]);
	}
	x->meta.n = n;
	return x;
}

/*
 * An unlisted domain follows its metadata (checked like a file entry); a
 * listed one its file entry (the file wins); refused metadata leaves it the
 * defaults; controller: metadata: false ignores it. Each said once.
 */
START_TEST(test_metadata_sla)
{
	static const char *const g300[] = { "class", "guarantee", "min", "300mbit" };
	static const char *const g500[] = { "class", "guarantee", "min", "500mbit" };
	static const char *const gold[] = { "class", "gold" };
	static const char *const off = "version: 1\n"
				       "links:\n"
				       "  - name: l0\n"
				       "    capacity: 1gbit\n"
				       "controller:\n"
				       "  metadata: false\n";
	struct fx f;
	struct fg g;
	void *old;

	fx_init_kind(&f, one_libvirt, false, DAQS_POLICY_DAQS);
	fg_init(&g, "eth0");
	daqs_cycle_upsert(f.c, "m", "uuid-m", meta_nics("52:54:00:00:00:0e", g300, 2));
	ck_assert_int_eq(daqs_cycle_attach(f.c, "m", &g, &old), 0);
	daqs_cycle_upsert(f.c, "d", "uuid-d", meta_nics("52:54:00:00:00:0d", g300, 2));
	periods(&f, 3);
	ck_assert_str_eq(vm_of(&f, "m")->sla_source, "metadata");
	ck_assert_str_eq(vm_of(&f, "m")->cls, "guarantee");
	ck_assert_uint_eq(vm_of(&f, "m")->min_bps, 300000000);
	ck_assert_str_eq(vm_of(&f, "m")->sla_error, "");
	ck_assert_uint_eq(logged(&f, "guest 'm': SLA from its domain metadata: guarantee, min "
				     "300mbit, max -, weight 1"),
			  1);
	ck_assert_str_eq(vm_of(&f, "d")->sla_source, "file");
	ck_assert_str_eq(vm_of(&f, "d")->cls, "best-effort");
	ck_assert(strstr(vm_of(&f, "d")->sla_error, "the file wins"));
	/* METADATA_CHANGE: read again; the same XML says nothing new */
	daqs_cycle_upsert(f.c, "m", "uuid-m", meta_nics("52:54:00:00:00:0e", g500, 2));
	daqs_cycle_upsert(f.c, "m", "uuid-m", meta_nics("52:54:00:00:00:0e", g500, 2));
	period(&f);
	ck_assert_uint_eq(vm_of(&f, "m")->min_bps, 500000000);
	ck_assert_uint_eq(logged(&f, "guest 'm': SLA from its domain metadata: guarantee, min 500"),
			  1);
	daqs_cycle_upsert(f.c, "m", "uuid-m", meta_nics("52:54:00:00:00:0e", gold, 1));
	daqs_cycle_upsert(f.c, "m", "uuid-m", meta_nics("52:54:00:00:00:0e", gold, 1));
	period(&f);
	ck_assert_str_eq(vm_of(&f, "m")->sla_source, "defaults");
	ck_assert_str_eq(vm_of(&f, "m")->cls, "best-effort");
	ck_assert(strstr(vm_of(&f, "m")->sla_error, "refused, the SLA's defaults apply: field "
						    "'sla.class'"));
	ck_assert_uint_eq(logged(&f, "guest 'm': its domain metadata is refused"), 1);
	daqs_cycle_upsert(f.c, "m", "uuid-m", meta_nics("52:54:00:00:00:0e", g300, 2));
	daqs_cycle_upsert(f.c, "m", "uuid-m", meta_nics("52:54:00:00:00:0e", NULL, 0));
	period(&f);
	ck_assert_str_eq(vm_of(&f, "m")->sla_source, "defaults");
	ck_assert_str_eq(vm_of(&f, "m")->sla_error, "");
	ck_assert_uint_eq(logged(&f, "guest 'm': its domain metadata is gone"), 1);
	/* a reload that turns metadata off */
	daqs_cycle_upsert(f.c, "m", "uuid-m", meta_nics("52:54:00:00:00:0e", g300, 2));
	daqs_cycle_set_sla(f.c, sla_of(off));
	period(&f);
	ck_assert_str_eq(vm_of(&f, "m")->sla_source, "defaults");
	ck_assert_str_eq(vm_of(&f, "m")->cls, "best-effort");
	ck_assert(strstr(vm_of(&f, "m")->sla_error, "controller: metadata: false"));
	fx_free(&f);
}
END_TEST

/*
 * Admission of metadata guarantees (controller: admission 75 % of 1gbit =
 * 750mbit): the file's 250mbit counts whether its VM runs or not; the first
 * 300mbit fits, the second is refused for that VM alone (defaults, with the
 * figures), a Best-Effort metadata SLA always fits, and a VM that goes
 * frees its share. The link's status carries the inventory.
 */
START_TEST(test_metadata_admission)
{
	static const char *const g300[] = { "class", "guarantee", "min", "300mbit" };
	static const char *const be[] = { "class", "best-effort" };
	static const char *const sla = "version: 1\n"
				       "links:\n"
				       "  - name: l0\n"
				       "    capacity: 1gbit\n"
				       "controller:\n"
				       "  admission: 75%\n"
				       "vms:\n"
				       "  - {name: f, class: guarantee, min: 250mbit}\n";
	const struct daqs_ctl_link *l;
	struct fx f;

	fx_init_kind(&f, sla, false, DAQS_POLICY_DAQS);
	period(&f);
	l = &daqs_cycle_status(f.c)->links[0];
	ck_assert_uint_eq(l->admittable_bps, 750000000);
	ck_assert_uint_eq(l->committed_bps, 250000000); /* f is not running: still committed */
	ck_assert_uint_eq(l->free_bps, 500000000);
	ck_assert_uint_eq(l->guarantees, 1);
	ck_assert(l->admission > 0.749 && l->admission < 0.751);

	daqs_cycle_upsert(f.c, "m1", "uuid-m1", meta_nics("52:54:00:00:00:01", g300, 2));
	daqs_cycle_upsert(f.c, "m2", "uuid-m2", meta_nics("52:54:00:00:00:02", g300, 2));
	period(&f);
	ck_assert_str_eq(vm_of(&f, "m1")->sla_source, "metadata");
	ck_assert_uint_eq(vm_of(&f, "m1")->min_bps, 300000000);
	ck_assert_str_eq(vm_of(&f, "m2")->sla_source, "defaults");
	ck_assert_str_eq(vm_of(&f, "m2")->cls, "best-effort");
	ck_assert_str_eq(vm_of(&f, "m2")->sla_error,
			 "its domain metadata is refused, the SLA's defaults apply: admission on "
			 "link 'l0': min 300mbit does not fit: 200mbit of 750mbit (75% of 1gbit) "
			 "left for guarantees, 550mbit committed by 2");
	ck_assert_uint_eq(logged(&f, "guest 'm2': its domain metadata is refused, the SLA's "
				     "defaults apply: admission"),
			  1);
	l = &daqs_cycle_status(f.c)->links[0];
	ck_assert_uint_eq(l->committed_bps, 550000000); /* the refused one commits nothing */
	ck_assert_uint_eq(l->free_bps, 200000000);
	ck_assert_uint_eq(l->guarantees, 2);

	/* a best-effort SLA by metadata needs no room */
	daqs_cycle_upsert(f.c, "m2", "uuid-m2", meta_nics("52:54:00:00:00:02", be, 1));
	period(&f);
	ck_assert_str_eq(vm_of(&f, "m2")->sla_source, "metadata");
	ck_assert_str_eq(vm_of(&f, "m2")->sla_error, "");

	/* m1 goes: its 300mbit is free again, and m2's guarantee fits at its next change */
	daqs_cycle_remove(f.c, "m1");
	periods(&f, 2);
	ck_assert_uint_eq(daqs_cycle_status(f.c)->links[0].committed_bps, 250000000);
	daqs_cycle_upsert(f.c, "m2", "uuid-m2", meta_nics("52:54:00:00:00:02", g300, 2));
	period(&f);
	ck_assert_str_eq(vm_of(&f, "m2")->sla_source, "metadata");
	ck_assert_uint_eq(vm_of(&f, "m2")->min_bps, 300000000);
	ck_assert_uint_eq(daqs_cycle_status(f.c)->links[0].committed_bps, 550000000);
	fx_free(&f);
}
END_TEST

/* capacity: auto: the file's guarantees are checked when the speed is read, said once. */
START_TEST(test_auto_capacity_admission)
{
	static const char *const sla = "version: 1\n"
				       "links:\n"
				       "  - {name: l0, capacity: auto, device: eth9}\n"
				       "controller: {admission: 75%}\n"
				       "vms:\n"
				       "  - {name: f, class: guarantee, min: 800mbit}\n";
	struct fx f;

	fx_init_kind(&f, sla, false, DAQS_POLICY_DAQS);
	period(&f);
	ck_assert_uint_eq(daqs_cycle_status(f.c)->links[0].admittable_bps, 0); /* not read yet */
	daqs_cycle_link_speed(f.c, 0, 10000000000ULL, 0); /* 10gbit: 7.5gbit admittable */
	ck_assert_uint_eq(logged(&f, "not every minimum can be held"), 0);
	daqs_cycle_link_speed(f.c, 0, 1000000000ULL, 0); /* a 1gbit link after all */
	daqs_cycle_link_speed(f.c, 0, 1000000000ULL, 0);
	ck_assert_uint_eq(logged(&f,
				 "link 'l0': the min rates of its 1 guarantee VM sum to "
				 "800mbit, more than the 750mbit its capacity and admission (75%) "
				 "allow: not every minimum can be held"),
			  1);
	period(&f);
	ck_assert_uint_eq(daqs_cycle_status(f.c)->links[0].admittable_bps, 750000000);
	ck_assert_uint_eq(daqs_cycle_status(f.c)->links[0].free_bps, 0);
	fx_free(&f);
}
END_TEST

/* Under-reporting agent: the tap, found without host_interface, is what the rate comes from. */
START_TEST(test_tap_found_measures)
{
	struct fx f;
	struct fg g;

	tap_guest(&f, one_libvirt, &g);
	g.lie_factor = 10; /* reports 10 Mbit/s of the 100 it sends (at its limit) */
	periods(&f, 12);
	ck_assert_str_eq(vm_of(&f, "d")->host_iface, "vnet0");
	ck_assert(vm_of(&f, "d")->host_iface_auto);
	ck_assert_uint_eq(logged(&f, "guest 'd': host counters from 'vnet0' (its tap"), 1);
	ck_assert_str_eq(vm_of(&f, "d")->counters, "host, agent disagrees");
	ck_assert_uint_eq(logged(&f, "its agent reports sending"), 1);
	ck_assert_double_ge(vm_of(&f, "d")->tx_bps, 90e6); /* 100 Mbit/s at its limit */
	ck_assert_uint_eq(g.tc, 100000000ULL);		   /* limited where it sends */
	fx_free(&f);
}
END_TEST

/* host_interface wins over the tap; host_counters: off (VM or defaults) counts none. */
START_TEST(test_tap_explicit_and_off)
{
	static const char *const explicit_host = "version: 1\n"
						 "links: [{name: l0, capacity: 1gbit}]\n"
						 "vms:\n"
						 "  - name: d\n"
						 "    class: best-effort\n"
						 "    host_interface: veth-d\n";
	static const char *const off = "version: 1\n"
				       "links: [{name: l0, capacity: 1gbit}]\n"
				       "vms:\n"
				       "  - name: d\n"
				       "    class: best-effort\n"
				       "    host_counters: off\n";
	static const char *const off_default = "version: 1\n"
					       "links: [{name: l0, capacity: 1gbit}]\n"
					       "defaults: {host_counters: off}\n";
	struct fx f;
	struct fg g;

	tap_guest(&f, explicit_host, &g);
	periods(&f, 3);
	ck_assert_str_eq(vm_of(&f, "d")->host_iface, "veth-d");
	ck_assert(!vm_of(&f, "d")->host_iface_auto);
	fx_free(&f);
	tap_guest(&f, off, &g);
	periods(&f, 3);
	ck_assert_str_eq(vm_of(&f, "d")->host_iface, "");
	ck_assert_str_eq(vm_of(&f, "d")->counters, "agent");
	fx_free(&f);
	tap_guest(&f, off_default, &g);
	periods(&f, 3);
	ck_assert_str_eq(vm_of(&f, "d")->host_iface, "");
	fx_free(&f);
}
END_TEST

/* A tap that may carry only part of the traffic is not taken: a VF beside it, a MAC twice. */
START_TEST(test_tap_not_whole)
{
	struct daqs_domxml_nics n = *nics_of("52:54:00:00:00:0d", "vnet0");
	struct fx f;
	struct fg g;

	tap_guest(&f, one_libvirt, &g);
	n.n_hostdev = 1;
	daqs_cycle_upsert(f.c, "d", "uuid-d", &n);
	ck_assert_uint_eq(logged(&f, "guest 'd': no host counters (were from 'vnet0')"), 1);
	n.n_hostdev = 0;
	n.v[1] = n.v[0]; /* a stand-in NIC with the VM's MAC */
	snprintf(n.v[1].dev, sizeof(n.v[1].dev), "vnet1");
	n.n = n.n_seen = 2;
	daqs_cycle_upsert(f.c, "d", "uuid-d", &n);
	periods(&f, 2);
	ck_assert_str_eq(vm_of(&f, "d")->host_iface, "");
	daqs_cycle_upsert(f.c, "d", "uuid-d", nics_of("52:54:00:00:00:0d", "vnet0"));
	daqs_cycle_set_vf(f.c, "d", "pf0", 3); /* the pool gave it a VF */
	periods(&f, 1);
	ck_assert_str_eq(vm_of(&f, "d")->host_iface, "");
	daqs_cycle_set_vf(f.c, "d", NULL, 0);
	periods(&f, 1);
	ck_assert_str_eq(vm_of(&f, "d")->host_iface, "vnet0");
	/* a restart: the tap has another name */
	daqs_cycle_upsert(f.c, "d", "uuid-d", nics_of("52:54:00:00:00:0d", "vnet5"));
	ck_assert_str_eq(vm_of(&f, "d")->host_iface, "vnet0"); /* the snapshot: next period */
	periods(&f, 1);
	ck_assert_str_eq(vm_of(&f, "d")->host_iface, "vnet5");
	fx_free(&f);
}
END_TEST

/*
 * A dummy interface with the VM's MAC beside its NIC (listed first): no
 * guess by order; the interface whose counters track the tap's is shaped.
 */
START_TEST(test_tap_dummy_with_the_mac)
{
	struct fx f;
	struct fg g;

	tap_guest(&f, one_libvirt, &g);
	snprintf(g.dummy, sizeof(g.dummy), "dummy0");
	g.dummy_tc = NO_LIMIT;
	periods(&f, 2);
	ck_assert_str_eq(state_of(&f, "d"), "find-iface"); /* no single one: nothing guessed */
	ck_assert_uint_eq(g.dummy_tc, NO_LIMIT);
	periods(&f, 6);
	ck_assert_str_eq(vm_of(&f, "d")->iface, "eth0");
	ck_assert_uint_eq(g.tc, 100000000ULL);
	ck_assert_str_eq(state_of(&f, "d"), "shaped");
	ck_assert_uint_eq(logged(&f, "guest 'd': several interfaces carry MAC 52:54:00:00:00:0d "
				     "(dummy0, eth0); 'eth0' is the interface whose counters track "
				     "its tap 'vnet0': shaping 'eth0'"),
			  1);
	ck_assert_uint_eq(g.dummy_tc, NO_LIMIT);
	/* found again (an agent reconnect): the pinned interface, not the MAC's two */
	daqs_cycle_kick(f.c, "d");
	periods(&f, 10);
	ck_assert_str_eq(vm_of(&f, "d")->iface, "eth0");
	ck_assert_str_eq(state_of(&f, "d"), "shaped");
	ck_assert_double_ge(vm_of(&f, "d")->tx_bps, 90e6);
	ck_assert_double_le(vm_of(&f, "d")->tx_bps, 110e6);
	fx_free(&f);
}
END_TEST

/*
 * The guest moves its MAC from its NIC to a dummy: discovery finds the dummy
 * and limits it; the tap shows the traffic going on, the agent's counters of
 * the dummy none: the NIC is shaped again and stays so.
 */
START_TEST(test_tap_mac_moved_to_a_dummy)
{
	struct fx f;
	struct fg g;

	tap_guest(&f, one_libvirt, &g);
	periods(&f, 3);
	ck_assert_str_eq(state_of(&f, "d"), "shaped");
	ck_assert_uint_eq(g.tc, 100000000ULL);
	snprintf(g.dummy, sizeof(g.dummy), "dummy0");
	g.remac = true;
	g.tc = NO_LIMIT; /* and it took its limit off */
	daqs_cycle_kick(f.c, "d");
	periods(&f, 2);
	ck_assert_str_eq(vm_of(&f, "d")->iface, "dummy0"); /* the MAC's one, for now */
	/* meanwhile measured on the tap, above its limit (the agent says the dummy sends 0) */
	ck_assert_double_ge(vm_of(&f, "d")->tx_bps, 120e6);
	periods(&f, 8);
	ck_assert_str_eq(vm_of(&f, "d")->iface, "eth0");
	ck_assert_uint_eq(g.tc, 100000000ULL);
	ck_assert_str_eq(state_of(&f, "d"), "shaped");
	ck_assert_uint_eq(logged(&f, "guest 'd': the counters of 'dummy0' do not track its tap "
				     "'vnet0', those of 'eth0' do (interfaces with MAC "
				     "52:54:00:00:00:0d: dummy0): shaping 'eth0'"),
			  1);
	daqs_cycle_kick(f.c, "d");
	periods(&f, 3);
	ck_assert_str_eq(vm_of(&f, "d")->iface, "eth0");
	fx_free(&f);
}
END_TEST

/* The guest gives its NIC another MAC: none has the VM's; the one that tracks the tap is shaped. */
START_TEST(test_tap_mac_changed)
{
	struct fx f;
	struct fg g;

	tap_guest(&f, one_libvirt, &g);
	periods(&f, 3);
	g.remac = true;
	g.tc = NO_LIMIT;
	daqs_cycle_kick(f.c, "d");
	periods(&f, 8);
	ck_assert_str_eq(vm_of(&f, "d")->iface, "eth0");
	ck_assert_uint_eq(g.tc, 100000000ULL);
	ck_assert_str_eq(state_of(&f, "d"), "shaped");
	ck_assert_uint_eq(logged(&f, "guest 'd': none carries MAC 52:54:00:00:00:0d (-); 'eth0' is "
				     "the interface whose counters track its tap 'vnet0'"),
			  1);
	fx_free(&f);
}
END_TEST

/* A tap beside a VF sees part of the traffic: it does not pick the interface. */
START_TEST(test_tap_beside_a_vf_tells_nothing)
{
	static const char *const host_vf = "version: 1\n"
					   "links: [{name: l0, capacity: 1gbit, device: pf0}]\n"
					   "vms:\n"
					   "  - name: d\n"
					   "    class: best-effort\n"
					   "    max: 100mbit\n"
					   "    host_interface: vnet0\n"
					   "    host_vf: pf0:1\n";
	struct fx f;
	struct fg g;

	tap_guest(&f, host_vf, &g);
	snprintf(g.dummy, sizeof(g.dummy), "dummy0");
	periods(&f, 8);
	ck_assert_str_eq(vm_of(&f, "d")->host_iface, "vnet0");
	ck_assert_str_eq(vm_of(&f, "d")->iface, "");
	ck_assert_uint_eq(logged(&f, "whose counters track its tap"), 0);
	fx_free(&f);
}
END_TEST

START_TEST(test_link_speed_and_names)
{
	struct fx f;

	fx_init(&f, one_socket, false);
	daqs_cycle_link_speed(f.c, 0, 0, -ENOLINK);
	daqs_cycle_link_speed(f.c, 0, 0, -ENOLINK);
	ck_assert_uint_eq(logged(&f, "cannot read the speed of"), 1);
	ck_assert_str_eq(daqs_guest_state_name(DAQS_GUEST_NO_EXEC), "no-exec");
	ck_assert_str_eq(daqs_agent_health_name(DAQS_AGENT_NOT_CONNECTED), "not-connected");
	ck_assert_str_eq(daqs_guest_state_name((enum daqs_guest_state)99), "?");
	ck_assert(daqs_cycle_known(f.c, "a"));
	ck_assert(!daqs_cycle_known(f.c, "b"));
	fx_free(&f);
}
END_TEST

Suite *daqs_test_cycle_suite(void)
{
	Suite *s = suite_create("cycle");
	TCase *tc = tcase_create("transitions");

	tcase_add_test(tc, test_new_socket_guest);
	tcase_add_test(tc, test_no_interface_carries_the_mac);
	tcase_add_test(tc, test_agent_missing_and_back);
	tcase_add_test(tc, test_timeout_backs_off);
	tcase_add_test(tc, test_refused_backs_off);
	tcase_add_test(tc, test_not_started_no_backoff);
	tcase_add_test(tc, test_reboot_counters_backwards);
	tcase_add_test(tc, test_replug_interface_renamed);
	tcase_add_test(tc, test_libvirt_domain_renamed);
	tcase_add_test(tc, test_new_session_replaces_the_old);
	tcase_add_test(tc, test_agent_limited);
	tcase_add_test(tc, test_limit_lost_reverified);
	tcase_add_test(tc, test_vf_backstop_gained_and_lost);
	tcase_add_test(tc, test_vf_backstop_tamper);
	tcase_add_test(tc, test_vf_move_settles);
	tcase_add_test(tc, test_metadata_sla);
	tcase_add_test(tc, test_metadata_admission);
	tcase_add_test(tc, test_auto_capacity_admission);
	tcase_add_test(tc, test_vf_write_failure_reported_once);
	tcase_add_test(tc, test_vf_lever_switch_releases_old);
	tcase_add_test(tc, test_tap_enforce_host);
	tcase_add_test(tc, test_tap_failure_falls_back_to_guest);
	tcase_add_test(tc, test_tap_backstop);
	tcase_add_test(tc, test_tap_untunable_nic);
	tcase_add_test(tc, test_tap_host_to_guest_reload);
	tcase_add_test(tc, test_tap_change_refused_keeps_tap);
	tcase_add_test(tc, test_tap_release_refused_retried);
	tcase_add_test(tc, test_tap_host_with_pool_vf);
	tcase_add_test(tc, test_override_set_and_expired);
	tcase_add_test(tc, test_override_admission);
	tcase_add_test(tc, test_override_refused_and_undone);
	tcase_add_test(tc, test_reload_drops_and_changes);
	tcase_add_test(tc, test_reload_retiring_agent_down_gives_up);
	tcase_add_test(tc, test_reload_host_vf_taken_at_once);
	tcase_add_test(tc, test_vf_group_node);
	tcase_add_test(tc, test_vf_group_node_refused);
	tcase_add_test(tc, test_vf_group_node_release_retried);
	tcase_add_test(tc, test_pf_caps_in_status);
	tcase_add_test(tc, test_pf_rule_ice);
	tcase_add_test(tc, test_reload_link_gone_retiring);
	tcase_add_test(tc, test_tcp_queue_read_below_min);
	tcase_add_test(tc, test_tcp_queue_not_read);
	tcase_add_test(tc, test_traffic_counters);
	tcase_add_test(tc, test_traffic_counters_follow_the_rates);
	tcase_add_test(tc, test_tap_found_measures);
	tcase_add_test(tc, test_tap_explicit_and_off);
	tcase_add_test(tc, test_tap_not_whole);
	tcase_add_test(tc, test_tap_dummy_with_the_mac);
	tcase_add_test(tc, test_tap_mac_moved_to_a_dummy);
	tcase_add_test(tc, test_tap_mac_changed);
	tcase_add_test(tc, test_tap_beside_a_vf_tells_nothing);
	tcase_add_test(tc, test_limit_changes_counted);
	tcase_add_test(tc, test_remove_all_and_limits);
	tcase_add_test(tc, test_link_speed_and_names);
	suite_add_tcase(s, tc);
	return s;
}
