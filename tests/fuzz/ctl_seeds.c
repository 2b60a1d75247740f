/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writes seeds for fuzz_ctl made by the current formatters, so they always
 * carry every field the status tables require (a recorded status reply stops
 * parsing as soon as a field is added, and the fuzzer then never reaches the
 * status round trip). Usage: fuzz_ctl_seeds DIR; writes DIR/seed-ctl-*.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static int put(const char *dir, const char *name, char *text)
{
	char path[4096];
	FILE *f;
	int r = 0;

	snprintf(path, sizeof(path), "%s/seed-ctl-%s", dir, name);
	f = text ? fopen(path, "w") : NULL;
	if (!f || fputs(text, f) < 0)
		r = -EIO;
	if (f && fclose(f))
		r = -EIO;
	if (r)
		fprintf(stderr, "fuzz_ctl_seeds: cannot write %s\n", path);
	free(text);
	return r;
}

static void vm(struct daqs_ctl_vm *v, const char *name, const char *cls, uint64_t min_bps)
{
	snprintf(v->name, sizeof(v->name), "%s", name);
	snprintf(v->source, sizeof(v->source), "libvirt");
	snprintf(v->cls, sizeof(v->cls), "%s", cls);
	v->min_bps = min_bps;
	v->max_bps = DAQS_RATE_UNLIMITED;
	v->weight = 1;
	snprintf(v->link, sizeof(v->link), "uplink0");
	v->tx_bps = 9851234567.125;
	v->rx_bps = NAN;
	v->limit_bps = 12000000000;
	snprintf(v->mode, sizeof(v->mode), "demand");
	snprintf(v->state, sizeof(v->state), "shaped");
	snprintf(v->agent, sizeof(v->agent), "ok");
	snprintf(v->iface, sizeof(v->iface), "eth0");
	snprintf(v->iface_kind, sizeof(v->iface_kind), "virtio");
	v->satisfaction = min_bps ? 0.985 : NAN;
	v->limit_changes = 7;
	v->tx_bytes = 295500000000;
	v->rx_bytes = 37020000;
	v->tx_packets = 197000000;
	v->rx_packets = 610000;
	v->override_left_s = -1;
	snprintf(v->sla_source, sizeof(v->sla_source), "%s", min_bps ? "metadata" : "file");
}

static char *status_line(void)
{
	static struct daqs_ctl_status st; /* large: off the stack */
	struct daqs_ctl_link links[2] = { { .name = "uplink0" }, { .name = "uplink1" } };
	struct daqs_ctl_vm *vms = calloc(2, sizeof(*vms));
	char *line;

	if (!vms)
		return NULL;
	st.cycle = 1234;
	st.cycle_ms = 2.5;
	st.period_ms = 200;
	snprintf(st.policy, sizeof(st.policy), "daqs");
	snprintf(st.sla_file, sizeof(st.sla_file), "/etc/daqs/sla.yaml");
	links[0].capacity_bps = 40000000000;
	links[0].effective_bps = 39500000000.0;
	links[0].tx_bps = 10145000000.0;
	links[0].utilisation = 0.25;
	links[0].reserved_bps = 10000000000.0;
	links[0].vms = 2;
	links[0].tx_bytes = 591000000000;
	links[1].capacity_bps = DAQS_RATE_UNLIMITED;
	links[1].effective_bps = NAN;
	links[1].utilisation = NAN;
	vm(&vms[0], "web-1", "guarantee", 10000000000);
	vm(&vms[1], "batch-2", "best-effort", 0);
	vms[1].override = true;
	vms[1].override_left_s = 300;
	snprintf(vms[1].last_error, sizeof(vms[1].last_error), "agent: timed out");
	st.links = links;
	st.n_links = 2;
	st.vms = vms;
	st.n_vms = 2;
	line = daqs_ctl_status_format(&st);
	free(vms);
	return line;
}

int main(int argc, char **argv)
{
	int r = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: fuzz_ctl_seeds DIR\n");
		return 2;
	}
	r |= put(argv[1], "status", status_line());
	r |= put(argv[1], "reply-error", daqs_ctl_reply_error(-EPERM, "override needs root"));
	r |= put(argv[1], "reply-ok", daqs_ctl_reply_ok());
	return r ? 1 : 0;
}
