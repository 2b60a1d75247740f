/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Prometheus text from a status snapshot (metrics.h). Per-link and per-VM
 * families read their value through the ctl field tables by key, so a metric
 * always shows what `daqsctl status` shows.
 */
#include "metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

enum scope { PER_LINK, PER_VM, PER_PF };

struct family {
	const char *name, *type, *help;
	enum scope scope;
	const char *key; /* field in daqs_ctl_{link,vm}_fields */
	bool bytes;	 /* the field is in bit/s, the family in bytes/s (Prometheus base unit) */
};

static const struct family families[] = {
	{ "daqs_link_capacity_bytes_per_second", "gauge", "Configured link capacity.", PER_LINK,
	  "capacity_bps", true },
	{ "daqs_link_effective_capacity_bytes_per_second", "gauge",
	  "What the link was found to deliver.", PER_LINK, "effective_bps", true },
	{ "daqs_link_utilisation_ratio", "gauge",
	  "Sum of the VMs' transmit rates over the effective capacity.", PER_LINK, "utilisation" },
	{ "daqs_link_reserved_bytes_per_second", "gauge", "Rate reserved for guarantee VMs.",
	  PER_LINK, "reserved_bps", true },
	{ "daqs_link_admission_ratio", "gauge",
	  "Share of the capacity guarantee minimums may reserve (SLA admission).", PER_LINK,
	  "admission" },
	{ "daqs_link_admittable_bytes_per_second", "gauge",
	  "Capacity times admission: what guarantee minimums may reserve (0: capacity unknown).",
	  PER_LINK, "admittable_bps", true },
	{ "daqs_link_committed_bytes_per_second", "gauge",
	  "Guarantee minimums committed on the link (SLA file and domain metadata).", PER_LINK,
	  "committed_bps", true },
	{ "daqs_link_free_bytes_per_second", "gauge",
	  "Admittable minus committed: room for one more guarantee.", PER_LINK, "free_bps", true },
	{ "daqs_link_transmit_bytes_total", "counter",
	  "Bytes the link's VMs transmitted while on it, since daqsd started.", PER_LINK,
	  "tx_bytes" },
	{ "daqs_vm_tx_bytes_per_second", "gauge", "Smoothed transmit rate of the VM.", PER_VM,
	  "tx_bps", true },
	{ "daqs_vm_rx_bytes_per_second", "gauge", "Smoothed receive rate of the VM.", PER_VM,
	  "rx_bps", true },
	{ "daqs_vm_transmit_bytes_total", "counter",
	  "Bytes the VM transmitted since daqsd started watching it.", PER_VM, "tx_bytes" },
	{ "daqs_vm_receive_bytes_total", "counter",
	  "Bytes the VM received since daqsd started watching it.", PER_VM, "rx_bytes" },
	{ "daqs_vm_transmit_packets_total", "counter",
	  "Packets the VM transmitted since daqsd started watching it.", PER_VM, "tx_packets" },
	{ "daqs_vm_receive_packets_total", "counter",
	  "Packets the VM received since daqsd started watching it.", PER_VM, "rx_packets" },
	{ "daqs_vm_limit_bytes_per_second", "gauge",
	  "Transmit limit in force in the guest (no sample: unlimited).", PER_VM, "limit_bps",
	  true },
	{ "daqs_vm_min_bytes_per_second", "gauge", "Guaranteed minimum (0 for best-effort).",
	  PER_VM, "min_bps", true },
	{ "daqs_vm_max_bytes_per_second", "gauge", "Maximum cap (no sample: unlimited).", PER_VM,
	  "max_bps", true },
	{ "daqs_vm_guarantee_satisfaction_ratio", "gauge",
	  "min(1, tx / min) while a guarantee VM asks for its minimum.", PER_VM, "satisfaction" },
	{ "daqs_vm_agent_errors_total", "counter", "Failed guest-agent calls.", PER_VM,
	  "agent_errors" },
	{ "daqs_vm_tc_applies_total", "counter", "tc batches run in the guest.", PER_VM,
	  "applies" },
	{ "daqs_vm_limit_changes_total", "counter",
	  "New limits daqsd decided and put in force in the guest.", PER_VM, "limit_changes" },
	{ "daqs_vm_limit_lost_total", "counter",
	  "Times the guest sent well above its limit (its tc changed in the guest); re-verified.",
	  PER_VM, "limit_lost" },
	{ "daqs_vm_agent_up", "gauge", "1 when the guest agent answers and can shape, else 0.",
	  PER_VM, "agent" },
	{ "daqs_pf_vfs", "gauge",
	  "VFs enabled on the PF; labels: its driver, the VF rate levers it offers and what a "
	  "VF min means there.",
	  PER_PF, "vfs" },
};

/* The shortest "%.Ng" that reads back as d. */
static void put_double(FILE *f, double d)
{
	char buf[32];

	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	fputs(buf, f);
}

static void put_label(FILE *f, const char *sep, const char *name, const char *v)
{
	fprintf(f, "%s%s=\"", sep, name);
	for (; *v; v++) {
		if (*v == '\\')
			fputs("\\\\", f);
		else if (*v == '"')
			fputs("\\\"", f);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
	fputc('"', f);
}

static const struct daqs_ctl_field *field_of(const struct family *fam)
{
	const struct daqs_ctl_field *t = fam->scope == PER_VM	? daqs_ctl_vm_fields
					 : fam->scope == PER_PF ? daqs_ctl_pf_fields
								: daqs_ctl_link_fields;
	size_t n = fam->scope == PER_VM	  ? daqs_ctl_n_vm_fields
		   : fam->scope == PER_PF ? daqs_ctl_n_pf_fields
					  : daqs_ctl_n_link_fields;

	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].key, fam->key))
			return &t[i];
	abort(); /* a family names a field that does not exist: a bug caught by every test */
}

/* The sample value, or false when there is none (NaN, unlimited). */
static bool put_value(FILE *f, const struct family *fam, const struct daqs_ctl_field *fd,
		      const void *rec, bool dry)
{
	const char *p = (const char *)rec + fd->off;
	uint64_t u = 0;
	uint32_t w;
	double d;

	switch (fd->type) {
	case DAQS_CTL_F_STR: /* agent state: up when "ok" */
		u = !strcmp(p, "ok");
		break;
	case DAQS_CTL_F_LIMIT:
	case DAQS_CTL_F_U64:
		memcpy(&u, p, sizeof(u));
		if (fd->type == DAQS_CTL_F_LIMIT && u == DAQS_RATE_UNLIMITED)
			return false;
		break;
	case DAQS_CTL_F_U32:
		memcpy(&w, p, sizeof(w));
		u = w;
		break;
	case DAQS_CTL_F_RATE:
	case DAQS_CTL_F_RATIO:
		memcpy(&d, p, sizeof(d));
		if (!isfinite(d))
			return false;
		if (!dry)
			put_double(f, fam->bytes ? d / 8 : d);
		return true;
	case DAQS_CTL_F_SECS:
	case DAQS_CTL_F_BOOL:
		abort(); /* no family reads these */
	}
	if (dry)
		return true;
	if (fam->bytes)
		put_double(f, (double)u / 8);
	else
		fprintf(f, "%llu", (unsigned long long)u);
	return true;
}

static void put_sample(FILE *f, const struct family *fam, const struct daqs_ctl_field *fd,
		       const void *rec)
{
	const struct daqs_ctl_vm *vm = rec;
	const struct daqs_ctl_link *l = rec;
	const struct daqs_ctl_pf *pf = rec;

	if (!put_value(f, fam, fd, rec, true))
		return;
	fputs(fam->name, f);
	if (fam->scope == PER_VM) {
		put_label(f, "{", "vm", vm->name);
		put_label(f, ",", "class", vm->cls);
		put_label(f, ",", "link", vm->link);
	} else if (fam->scope == PER_PF) {
		put_label(f, "{", "pf", pf->name);
		put_label(f, ",", "driver", pf->driver);
		put_label(f, ",", "levers", pf->levers);
		put_label(f, ",", "min", pf->min);
	} else {
		put_label(f, "{", "link", l->name);
	}
	fputs("} ", f);
	put_value(f, fam, fd, rec, false);
	fputc('\n', f);
}

static void put_family(FILE *f, const struct family *fam, const struct daqs_ctl_status *st)
{
	const struct daqs_ctl_field *fd = field_of(fam);

	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", fam->name, fam->help, fam->name, fam->type);
	if (fam->scope == PER_LINK)
		for (size_t i = 0; i < st->n_links; i++)
			put_sample(f, fam, fd, &st->links[i]);
	else if (fam->scope == PER_PF)
		for (size_t i = 0; i < st->n_pfs; i++)
			put_sample(f, fam, fd, &st->pfs[i]);
	else
		for (size_t i = 0; i < st->n_vms; i++)
			put_sample(f, fam, fd, &st->vms[i]);
}

char *daqs_metrics_render(const struct daqs_ctl_status *st)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		abort(); /* out of memory: house rule 10 */
	fputs("# HELP daqs_cycles_total Control cycles completed.\n"
	      "# TYPE daqs_cycles_total counter\n",
	      f);
	fprintf(f, "daqs_cycles_total %llu\n", (unsigned long long)st->cycle);
	fputs("# HELP daqs_cycle_duration_seconds Duration of the last control cycle.\n"
	      "# TYPE daqs_cycle_duration_seconds gauge\n",
	      f);
	if (isfinite(st->cycle_ms)) {
		fputs("daqs_cycle_duration_seconds ", f);
		put_double(f, st->cycle_ms / 1000.0);
		fputc('\n', f);
	}
	for (size_t i = 0; i < DAQS_ARRAY_SIZE(families); i++)
		put_family(f, &families[i], st);
	if (fclose(f))
		abort();
	return text;
}
