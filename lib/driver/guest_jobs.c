/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cycle core's jobs on one guest (see guest_jobs.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "guest_jobs.h"
#include "host_counters.h"
#include "mem.h"

struct run {
	struct daqs_guest *g;
	const struct daqs_cycle_job *j;
	struct daqs_cycle_result *res;
	uint64_t deadline;
	void (*clear_msg)(void *ud);
	void *ud;
};

/*
 * What kind of device the interface is, from the guest's sysfs: a bond
 * (uevent DEVTYPE=bond), a virtio NIC or a VF (device/uevent DRIVER=), or a
 * virtual device without a "device" link (veth, net_failover master...).
 * Left "" when the agent could not be asked (display only).
 */
static void probe_kind(struct run *x)
{
	char path[96], *buf = NULL, *kind = x->res->kind;
	size_t len, sz = sizeof(x->res->kind);
	int r;

	kind[0] = '\0';
	snprintf(path, sizeof(path), "/sys/class/net/%s/uevent", x->res->iface);
	r = daqs_guest_read_file(x->g, path, 4096, x->deadline, &buf, &len);
	if (r == 0 && strstr(buf, "DEVTYPE=bond"))
		snprintf(kind, sz, "bond");
	free(buf);
	buf = NULL;
	if (r == 0 && !kind[0]) {
		snprintf(path, sizeof(path), "/sys/class/net/%s/device/uevent", x->res->iface);
		r = daqs_guest_read_file(x->g, path, 4096, x->deadline, &buf, &len);
		if (r == 0)
			snprintf(kind, sz, "%s",
				 strstr(buf, "DRIVER=virtio_net") ? "virtio"
				 : strstr(buf, "DRIVER=")	  ? "vf"
								  : "other");
		else if (r == -EREMOTEIO)
			snprintf(kind, sz, "virtual");
		free(buf);
	}
	x->clear_msg(x->ud); /* the kind is for display: its failures are not the guest's error */
}

/* Find the interface: the SLA's, else the one carrying the MAC. res->discover_r says. */
static int discover(struct run *x)
{
	const struct daqs_cycle_job *j = x->j;
	int r = 0;

	if (j->iface_cfg[0]) {
		memcpy(x->res->iface, j->iface_cfg, sizeof(x->res->iface));
	} else if (j->mac[0]) {
		r = daqs_guest_discover(x->g, j->mac, x->deadline, x->res->iface);
		/*
		 * Discovery probes members' masters by opening files that may not
		 * exist: the agent reports those as failed commands, which mean
		 * "no master" here; not the guest's problem, nor this job's message.
		 */
		if (r == 0 || r == -ENOENT || r == -ENOTUNIQ)
			x->clear_msg(x->ud);
	} else {
		r = -ENODEV;
	}
	x->res->discover_r = r;
	if (r == 0)
		probe_kind(x);
	return r;
}

static void host_sample(struct run *x)
{
	if (!x->j->host_iface[0])
		return;
	x->res->host_r = daqs_host_counters_read(x->j->host_iface, &x->res->hsmp.c);
	x->res->hsmp.t_ns = daqs_monotonic_ns();
}

static uint64_t moved(const struct daqs_qga_iface *f)
{
	return f->c.tx_bytes + f->c.rx_bytes;
}

/*
 * With host counters: the guest's interfaces (with stats), for the core to
 * match against them; with more than it keeps, those that carried the most
 * (a guest cannot push its NIC out of the list by adding idle interfaces).
 */
static void keep_nics(struct run *x, const struct daqs_qga_iface *ifs, size_t n)
{
	struct daqs_cycle_result *res = x->res;
	bool *taken;

	if (!x->j->host_iface[0] || !n)
		return;
	taken = daqs_calloc(n, sizeof(*taken));
	while (res->n_nics < DAQS_TAPMATCH_MAX) {
		size_t best = n;

		for (size_t i = 0; i < n; i++)
			if (ifs[i].has_stats && !taken[i] &&
			    (best == n || moved(&ifs[i]) > moved(&ifs[best])))
				best = i;
		if (best == n)
			break;
		taken[best] = true;
		res->nics[res->n_nics++] = ifs[best];
	}
	free(taken);
}

static int sample(struct run *x)
{
	struct daqs_qga_iface *ifs = NULL;
	const char *iface = x->j->iface;
	size_t n = 0, i;
	int r = 0, ri = 0;

	if (x->j->discover) {
		r = discover(x);
		iface = x->res->iface;
	}
	/* no single interface has the MAC: the tap's counters may still tell which one it is */
	if (!r || (x->j->host_iface[0] && (r == -ENOTUNIQ || r == -ENOENT)))
		ri = daqs_guest_interfaces(x->g, x->deadline, &ifs, &n);
	if (!r)
		r = ri;
	if (!ri)
		keep_nics(x, ifs, n);
	x->res->smp.t_ns = daqs_monotonic_ns(); /* when the reply arrived */
	if (!r) {
		for (i = 0; i < n && strcmp(ifs[i].name, iface); i++)
			;
		if (i == n)
			r = x->res->iface_r = -ENODEV;
		else if (!ifs[i].has_stats)
			r = x->res->iface_r = -ENODATA;
		else
			x->res->smp.c = ifs[i].c;
	}
	free(ifs);
	host_sample(x); /* whatever the agent did: the host's view is ours */
	if (!r && x->j->tcp_queue) {
		x->res->tcpq_r = daqs_guest_tcp_queue(x->g, iface, x->deadline, &x->res->tcpq);
		x->clear_msg(x->ud); /* a signal for the policy: its failure is not the sample's */
	}
	return r;
}

static int apply(struct run *x)
{
	const struct daqs_cycle_job *j = x->j;
	const char *iface = j->iface;
	int r;

	daqs_guest_set_burst_us(x->g, j->burst_us);
	if (j->discover) {
		r = discover(x);
		if (r)
			return r;
		iface = x->res->iface;
		if (strcmp(iface, j->iface))
			daqs_guest_tc_forget(x->g); /* a new interface: read it back first */
	}
	if (!j->enforce)
		return 0;
	if (j->verify)
		daqs_guest_tc_forget(x->g);
	if (j->ask_info && daqs_guest_limited(x->g)) {
		/* agent-limited: ask again whether guest-exec is back (lifts it if so) */
		r = daqs_guest_info(x->g, x->deadline, NULL);
		if (r < 0)
			return r;
	}
	return daqs_guest_tc_apply(x->g, iface, j->limit_bps, x->deadline, &x->res->apply_ran);
}

int daqs_guest_job_run(struct daqs_guest *g, const struct daqs_cycle_job *j,
		       struct daqs_cycle_result *res, uint64_t deadline_ns,
		       void (*clear_msg)(void *ud), void *ud)
{
	struct run x = { g, j, res, deadline_ns, clear_msg, ud };

	res->ran = true;
	res->r = j->kind == DAQS_JOB_SAMPLE ? sample(&x) : apply(&x);
	res->limited = daqs_guest_limited(g);
	return res->r;
}
