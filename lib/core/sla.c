/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SLA file parser: a YAML tree (ytree.c) checked against the schema of
 * man/daqs-sla.5. Every check adds a diagnostic and carries on, so that one
 * run reports every problem; the result is thrown away if there was any.
 * This file: the model's names, the root and whole-file checks, loading,
 * lookups; the sections are parsed in sla_host.c and sla_vm.c, single fields
 * in sla_field.c (sla_impl.h).
 */
#include "sla.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "admission.h"
#include "mem.h"
#include "sla_impl.h"
#include "units.h"

const char *const daqs_sla_class_names[] = {
	[DAQS_CLASS_BEST_EFFORT] = "best-effort",
	[DAQS_CLASS_GUARANTEE] = "guarantee",
	NULL,
};

const char *const daqs_sla_missing_names[] = {
	[DAQS_MISSING_PROTECT] = "protect",
	[DAQS_MISSING_HOLD] = "hold",
	[DAQS_MISSING_RELEASE] = "release",
	NULL,
};

const char *const daqs_sla_vf_strategy_names[] = {
	[DAQS_VF_STRATEGY_SLA] = "sla",
	[DAQS_VF_STRATEGY_ACTIVITY] = "activity",
	[DAQS_VF_STRATEGY_FAIR] = "fair",
	NULL,
};

const char *const daqs_sla_vf_kind_names[] = {
	[DAQS_VF_POOL_HOSTDEV] = "hostdev",
	[DAQS_VF_POOL_BRIDGE] = "bridge",
	NULL,
};

const char *const daqs_sla_vf_lever_names[] = {
	[DAQS_VF_LEVER_AUTO] = "auto",
	[DAQS_VF_LEVER_DEVLINK] = "devlink",
	[DAQS_VF_LEVER_LEGACY] = "legacy",
	NULL,
};

const char *const daqs_sla_enforce_names[] = {
	[DAQS_ENFORCE_GUEST] = "guest",
	[DAQS_ENFORCE_VF] = "vf",
	[DAQS_ENFORCE_BOTH] = "both",
	[DAQS_ENFORCE_HOST] = "host",
	NULL,
};

const char *const daqs_sla_host_counters_names[] = {
	[DAQS_HOST_COUNTERS_AUTO] = "auto",
	[DAQS_HOST_COUNTERS_OFF] = "off",
	NULL,
};

const char *const daqs_sla_bool_names[] = { "false", "true", NULL };

const char *daqs_class_name(enum daqs_class c)
{
	switch (c) {
	case DAQS_CLASS_BEST_EFFORT:
	case DAQS_CLASS_GUARANTEE:
		return daqs_sla_class_names[c];
	}
	return "?";
}

const char *daqs_missing_action_name(enum daqs_missing_action a)
{
	switch (a) {
	case DAQS_MISSING_PROTECT:
	case DAQS_MISSING_HOLD:
	case DAQS_MISSING_RELEASE:
		return daqs_sla_missing_names[a];
	}
	return "?";
}

const char *daqs_vf_strategy_name(enum daqs_vf_strategy s)
{
	switch (s) {
	case DAQS_VF_STRATEGY_SLA:
	case DAQS_VF_STRATEGY_ACTIVITY:
	case DAQS_VF_STRATEGY_FAIR:
		return daqs_sla_vf_strategy_names[s];
	}
	return "?";
}

const char *daqs_vf_pool_kind_name(enum daqs_vf_pool_kind k)
{
	switch (k) {
	case DAQS_VF_POOL_HOSTDEV:
	case DAQS_VF_POOL_BRIDGE:
		return daqs_sla_vf_kind_names[k];
	}
	return "?";
}

const char *daqs_enforce_name(enum daqs_enforce e)
{
	switch (e) {
	case DAQS_ENFORCE_GUEST:
	case DAQS_ENFORCE_VF:
	case DAQS_ENFORCE_BOTH:
	case DAQS_ENFORCE_HOST:
		return daqs_sla_enforce_names[e];
	}
	return "?";
}

const char *daqs_host_counters_name(enum daqs_host_counters h)
{
	switch (h) {
	case DAQS_HOST_COUNTERS_AUTO:
	case DAQS_HOST_COUNTERS_OFF:
		return daqs_sla_host_counters_names[h];
	}
	return "?";
}

void daqs_sla_vm_clear(struct daqs_sla_vm *vm)
{
	free(vm->name);
	free(vm->uuid);
	free(vm->agent);
	free(vm->iface);
	free(vm->mac);
	free(vm->host_iface);
	free(vm->host_vf_pf);
	memset(vm, 0, sizeof(*vm));
}

void daqs_sla_free(struct daqs_sla *sla)
{
	if (!sla)
		return;
	for (size_t i = 0; i < sla->n_links; i++) {
		free(sla->links[i].name);
		free(sla->links[i].device);
	}
	for (size_t i = 0; i < sla->n_vms; i++)
		daqs_sla_vm_clear(&sla->vms[i]);
	for (size_t i = 0; i < sla->n_groups; i++)
		free(sla->groups[i].name);
	free(sla->groups);
	free(sla->links);
	free(sla->vms);
	free(sla->vf_pool.vfs);
	free(sla->vf_pool.bridge);
	free(sla->file);
	free(sla);
}

/* ---- version ---- */

static void parse_version(struct daqs_sla_ctx *c, const struct daqs_ynode *root)
{
	const struct daqs_ynode *n = daqs_ymap_get(root, "version");
	uint64_t v;

	if (!n) {
		daqs_sla_field_missing(c, root, "", "version", " (write 'version: 1')");
		return;
	}
	if (daqs_ynode_get_uint(n, c->file, "version", c->d, 0, UINT32_MAX, &v) < 0)
		return;
	if (v != 1) {
		daqs_ynode_error(n, c->file, "version", c->d,
				 "unsupported version %llu (this daqs reads version 1)",
				 (unsigned long long)v);
		return;
	}
	c->sla->version = 1;
}

/* ---- whole-file checks ---- */

uint32_t daqs_sla_link_admission(const struct daqs_sla *sla, size_t li)
{
	return li < sla->n_links && sla->links[li].admission_ppm ? sla->links[li].admission_ppm
								 : sla->ctl.admission_ppm;
}

/* Admission: the file's Guarantee minimums on a link within its share of the capacity. */
static void check_link_capacity(struct daqs_sla_ctx *c, size_t li)
{
	const struct daqs_sla_link *lk = &c->sla->links[li];
	struct daqs_admission a, g;
	uint32_t share = daqs_sla_link_admission(c->sla, li);
	char s[32], b[32], why[64] = "";
	char gs[32] = "";
	uint32_t groups;

	if (lk->capacity_auto || !lk->capacity_bps)
		return; /* auto: checked when the speed is known; 0: already reported */
	daqs_admission_init(&a, lk->capacity_bps, share);
	daqs_admission_init(&g, 0, share);
	daqs_sla_link_commit(c->sla, li, &a);
	daqs_sla_group_commit(c->sla, li, &g);
	groups = g.guarantees;
	if (a.committed_bps <= a.admittable_bps)
		return;
	if (groups)
		snprintf(gs, sizeof(gs), " and %u group%s", groups, groups == 1 ? "" : "s");
	daqs_units_format_rate(a.committed_bps, s, sizeof(s));
	daqs_units_format_rate(lk->capacity_bps, b, sizeof(b));
	if (share != DAQS_ADMISSION_FULL)
		snprintf(why, sizeof(why), "%g%% (%s) of ", share / 10000.0,
			 lk->admission_ppm ? "its admission" : "controller: admission");
	daqs_diags_add(c->d, c->file, lk->line, lk->col,
		       "link '%s': the min rates of its %u guarantee VM%s%s sum to %s, more than "
		       "%sthe link capacity %s",
		       lk->name ? lk->name : "?", a.guarantees - groups,
		       a.guarantees - groups == 1 ? "" : "s", gs, s, why, b);
}

static const char *const root_keys[] = { "version",  "links",	"controller", "vms",
					 "defaults", "vf_pool", "groups",     NULL };

static void sla_init(struct daqs_sla *sla, const char *file)
{
	sla->file = daqs_strdup(file);
	sla->ctl.period_ns = 200 * MS;
	sla->ctl.smoothing_ns = 600 * MS;
	sla->ctl.headroom_ppm = 20000;
	sla->ctl.min_change_ppm = 10000;
	sla->ctl.missing_hold_ns = SEC;
	sla->ctl.burst_ns = MS;
	sla->ctl.on_missing = DAQS_MISSING_PROTECT;
	sla->ctl.metadata = true;
	sla->ctl.admission_ppm = DAQS_ADMISSION_FULL;
	sla->defaults.cls = DAQS_CLASS_BEST_EFFORT;
	sla->defaults.max_bps = DAQS_RATE_UNLIMITED;
	sla->defaults.weight = 1;
	sla->vf_pool.kind = DAQS_VF_POOL_HOSTDEV;
	sla->vf_pool.strategy = DAQS_VF_STRATEGY_SLA;
	sla->vf_pool.interval_ns = 300 * SEC;
	sla->vf_pool.min_dwell_ns = 300 * SEC;
	sla->vf_pool.hysteresis_ppm = 200000;
}

static void check_root(struct daqs_sla_ctx *c, const struct daqs_ynode *root)
{
	if (daqs_ymap_check_keys(root, root_keys, c->file, "", c->d) < 0 &&
	    root->kind != DAQS_YNODE_MAP)
		return;
	parse_version(c, root);
	daqs_sla_parse_links(c, root);
	daqs_sla_parse_controller(c, daqs_ymap_get(root, "controller"));
	daqs_sla_parse_vf_pool(c, daqs_ymap_get(root, "vf_pool"));
	daqs_sla_parse_defaults(c, daqs_ymap_get(root, "defaults"));
	daqs_sla_parse_groups(c, daqs_ymap_get(root, "groups"));
	daqs_sla_parse_vms(c, daqs_ymap_get(root, "vms"));
	daqs_sla_check_groups(c);
	for (size_t i = 0; i < c->sla->n_links; i++)
		check_link_capacity(c, i);
}

int daqs_sla_from_node(const struct daqs_ynode *root, const char *file, struct daqs_sla **out,
		       struct daqs_diags *d)
{
	struct daqs_diags local;
	struct daqs_sla_ctx c = { .file = file ? file : "<input>", .d = d ? d : &local };
	size_t before, first;
	bool failed;

	*out = NULL;
	daqs_diags_init(&local);
	before = daqs_diags_count(c.d);
	first = c.d->n;
	c.sla = daqs_calloc(1, sizeof(*c.sla));
	sla_init(c.sla, c.file);
	if (root)
		check_root(&c, root);
	else
		daqs_diags_add(c.d, c.file, 0, 0, "no SLA given");
	daqs_diags_sort(c.d, first);
	failed = daqs_diags_count(c.d) > before;
	daqs_diags_free(&local);
	if (failed) {
		daqs_sla_free(c.sla);
		return -EINVAL;
	}
	*out = c.sla;
	return 0;
}

/* Load the tree (path, or name + buf), then check the schema even after soft YAML errors. */
static int load(const char *path, const char *name, const char *buf, size_t len,
		struct daqs_sla **out, struct daqs_diags *d)
{
	struct daqs_diags local;
	struct daqs_diags *dd = d ? d : &local;
	struct daqs_ytree *t = NULL;
	struct daqs_sla *sla = NULL;
	size_t first;
	int r;

	*out = NULL;
	daqs_diags_init(&local);
	first = dd->n;
	if (path)
		r = daqs_ytree_load_file_partial(path, &t, dd);
	else
		r = daqs_ytree_load_buffer_partial(name, buf, len, &t, dd);
	if (t && daqs_sla_from_node(t->root, t->file, &sla, dd) < 0)
		r = -EINVAL;
	daqs_diags_sort(dd, first);
	daqs_ytree_free(t);
	daqs_diags_free(&local);
	if (r < 0) {
		daqs_sla_free(sla);
		return r;
	}
	*out = sla;
	return 0;
}

int daqs_sla_load_buffer(const char *name, const char *buf, size_t len, struct daqs_sla **out,
			 struct daqs_diags *d)
{
	return load(NULL, name, buf, len, out, d);
}

int daqs_sla_load_file(const char *path, struct daqs_sla **out, struct daqs_diags *d)
{
	return load(path, NULL, NULL, 0, out, d);
}

/* ---- lookups ---- */

const struct daqs_sla_vm *daqs_sla_find_vm(const struct daqs_sla *sla, const char *name,
					   const char *uuid)
{
	if (!sla)
		return NULL;
	for (size_t i = 0; uuid && i < sla->n_vms; i++)
		if (sla->vms[i].uuid && strcasecmp(sla->vms[i].uuid, uuid) == 0)
			return &sla->vms[i];
	for (size_t i = 0; name && i < sla->n_vms; i++) {
		const struct daqs_sla_vm *vm = &sla->vms[i];

		/* An entry pinned to a uuid does not match a namesake with another uuid. */
		if (vm->name && strcmp(vm->name, name) == 0 && !(vm->uuid && uuid))
			return vm;
	}
	return NULL;
}

void daqs_sla_vm_default(const struct daqs_sla *sla, const char *name, struct daqs_sla_vm *out)
{
	memset(out, 0, sizeof(*out));
	out->name = (char *)name;
	out->cls = sla->defaults.cls;
	out->min_bps = sla->defaults.cls == DAQS_CLASS_GUARANTEE ? sla->defaults.min_bps : 0;
	out->max_bps = sla->defaults.max_bps;
	out->weight = sla->defaults.weight;
	out->link = 0;
	out->vf_eligible = sla->defaults.vf_eligible;
	out->enforce = sla->defaults.enforce;
	out->vf_lever = sla->defaults.vf_lever;
	out->host_counters = sla->defaults.host_counters;
}

int daqs_sla_check_file(const char *path, FILE *out, FILE *err)
{
	struct daqs_diags d;
	struct daqs_sla *sla = NULL;
	int r;

	daqs_diags_init(&d);
	r = daqs_sla_load_file(path, &sla, &d);
	if (r == 0)
		fprintf(out, "%s: ok\n", path);
	else
		daqs_diags_print(&d, err);
	daqs_sla_free(sla);
	daqs_diags_free(&d);
	return r;
}
