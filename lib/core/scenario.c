/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "scenario.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "ytree.h"

static const char *const top_keys[] = {
	"capacity", "duration", "apply_delay", "sample_delay", "tick",		"settle",
	"noise",    "seed",	"sla",	       "vms",	       "counter_scale", NULL,
};
static const char *const vm_keys[] = { "name", "streams", "solo_max", "active", NULL };

/* A time point: a duration with unit, or plain seconds. */
static int get_time(const struct daqs_ynode *n, const char *file, const char *what,
		    struct daqs_diags *d, uint64_t *ns)
{
	double s;

	if (n->kind == DAQS_YNODE_SCALAR && strpbrk(n->str, "abcdefghijklmnopqrstuvwxyz"))
		return daqs_ynode_get_duration(n, file, what, d, ns);
	if (daqs_ynode_get_double(n, file, what, d, 0, 30.0 * 24 * 3600, &s) < 0)
		return -EINVAL;
	*ns = (uint64_t)(s * 1e9 + 0.5);
	return 0;
}

static int parse_interval(const struct daqs_ynode *n, const char *file, const char *what,
			  struct daqs_diags *d, struct daqs_scn_interval *iv)
{
	char sub[200];
	int r = 0;

	if (daqs_ynode_expect(n, DAQS_YNODE_SEQ, file, what, d) < 0)
		return -EINVAL;
	if (n->n != 2) {
		daqs_diags_add(d, file, n->line, n->col,
			       "field '%s': expected [start, end], got %zu items", what, n->n);
		return -EINVAL;
	}
	snprintf(sub, sizeof(sub), "%s[0]", what);
	r |= get_time(n->items[0], file, sub, d, &iv->start_ns);
	snprintf(sub, sizeof(sub), "%s[1]", what);
	r |= get_time(n->items[1], file, sub, d, &iv->end_ns);
	if (r)
		return -EINVAL;
	if (iv->end_ns <= iv->start_ns) {
		daqs_diags_add(d, file, n->line, n->col, "field '%s': end must be after start",
			       what);
		return -EINVAL;
	}
	return 0;
}

static int parse_active(const struct daqs_ynode *n, const char *file, const char *what,
			struct daqs_diags *d, struct daqs_scn_vm *vm)
{
	char sub[160];
	int r = 0;

	if (daqs_ynode_expect(n, DAQS_YNODE_SEQ, file, what, d) < 0)
		return -EINVAL;
	vm->active = daqs_calloc(n->n, sizeof(*vm->active));
	vm->n_active = n->n;
	for (size_t i = 0; i < n->n; i++) {
		snprintf(sub, sizeof(sub), "%s[%zu]", what, i);
		if (parse_interval(n->items[i], file, sub, d, &vm->active[i]) < 0) {
			r = -EINVAL;
			continue;
		}
		if (i && vm->active[i].start_ns < vm->active[i - 1].end_ns) {
			daqs_diags_add(d, file, n->items[i]->line, n->items[i]->col,
				       "field '%s': intervals must be in order and not overlap",
				       sub);
			r = -EINVAL;
		}
	}
	return r;
}

static int parse_vm(const struct daqs_ynode *n, const char *file, size_t idx, struct daqs_diags *d,
		    struct daqs_scn_vm *vm)
{
	const struct daqs_ynode *v;
	const char *name = NULL;
	char what[96];
	uint64_t u;
	int r = 0;

	snprintf(what, sizeof(what), "vms[%zu]", idx);
	if (daqs_ynode_expect(n, DAQS_YNODE_MAP, file, what, d) < 0)
		return -EINVAL;
	r |= daqs_ymap_check_keys(n, vm_keys, file, what, d);
	vm->streams = 1;
	vm->solo_max_bps = DAQS_RATE_UNLIMITED;
	snprintf(what, sizeof(what), "vms[%zu].name", idx);
	if (!(v = daqs_ymap_get(n, "name"))) {
		daqs_diags_add(d, file, n->line, n->col, "field '%s' is required", what);
		r = -EINVAL;
	} else if (daqs_ynode_get_str(v, file, what, d, &name) == 0) {
		vm->name = daqs_strdup(name);
	} else {
		r = -EINVAL;
	}
	snprintf(what, sizeof(what), "vms[%zu].streams", idx);
	if ((v = daqs_ymap_get(n, "streams"))) {
		r |= daqs_ynode_get_uint(v, file, what, d, 1, 1000, &u);
		vm->streams = (unsigned)u;
	}
	snprintf(what, sizeof(what), "vms[%zu].solo_max", idx);
	if ((v = daqs_ymap_get(n, "solo_max")))
		r |= daqs_ynode_get_rate(v, file, what, d, &vm->solo_max_bps);
	snprintf(what, sizeof(what), "vms[%zu].active", idx);
	if (!(v = daqs_ymap_get(n, "active"))) {
		daqs_diags_add(d, file, n->line, n->col, "field '%s' is required", what);
		r = -EINVAL;
	} else {
		r |= parse_active(v, file, what, d, vm);
	}
	return r ? -EINVAL : 0;
}

struct field {
	const char *key;
	uint64_t *dst;
	uint64_t dflt;
};

static int parse_times(const struct daqs_ynode *root, const char *file, struct daqs_diags *d,
		       struct daqs_scenario *sc)
{
	const struct field f[] = {
		{ "duration", &sc->duration_ns, 0 },
		{ "apply_delay", &sc->apply_delay_ns, 100000000ULL },
		{ "sample_delay", &sc->sample_delay_ns, 20000000ULL },
		{ "tick", &sc->tick_ns, 10000000ULL },
		{ "settle", &sc->settle_ns, 5000000000ULL },
	};
	const struct daqs_ynode *v;
	int r = 0;

	for (size_t i = 0; i < DAQS_ARRAY_SIZE(f); i++) {
		*f[i].dst = f[i].dflt;
		if ((v = daqs_ymap_get(root, f[i].key)))
			r |= daqs_ynode_get_duration(v, file, f[i].key, d, f[i].dst);
	}
	if (!daqs_ymap_get(root, "duration")) {
		daqs_diags_add(d, file, root->line, root->col, "field 'duration' is required");
		r = -EINVAL;
	}
	if (!r && (sc->tick_ns < 1000000 || sc->duration_ns / sc->tick_ns > DAQS_SCN_MAX_TICKS)) {
		daqs_diags_add(d, file, root->line, root->col,
			       "field 'tick': must be >= 1ms and give at most %llu steps",
			       (unsigned long long)DAQS_SCN_MAX_TICKS);
		r = -EINVAL;
	}
	return r ? -EINVAL : 0;
}

static int parse_top(const struct daqs_ynode *root, const char *file, struct daqs_diags *d,
		     struct daqs_scenario *sc)
{
	const struct daqs_ynode *v;
	int r = 0;

	r |= daqs_ymap_check_keys(root, top_keys, file, "scenario", d);
	if (!(v = daqs_ymap_get(root, "capacity"))) {
		daqs_diags_add(d, file, root->line, root->col, "field 'capacity' is required");
		r = -EINVAL;
	} else if (daqs_ynode_get_rate(v, file, "capacity", d, &sc->capacity_bps) == 0 &&
		   sc->capacity_bps == 0) {
		daqs_diags_add(d, file, v->line, v->col, "field 'capacity': must be > 0");
		r = -EINVAL;
	}
	r |= parse_times(root, file, d, sc);
	if ((v = daqs_ymap_get(root, "noise")))
		r |= daqs_ynode_get_ppm(v, file, "noise", d, &sc->noise_ppm);
	sc->counter_scale_ppm = 1000000;
	if ((v = daqs_ymap_get(root, "counter_scale")))
		r |= daqs_ynode_get_ppm(v, file, "counter_scale", d, &sc->counter_scale_ppm);
	sc->seed = 1;
	if ((v = daqs_ymap_get(root, "seed")))
		r |= daqs_ynode_get_uint(v, file, "seed", d, 0, UINT64_MAX, &sc->seed);
	return r ? -EINVAL : 0;
}

static int parse_sla(const struct daqs_ynode *root, const char *file, struct daqs_diags *d,
		     struct daqs_scenario *sc)
{
	const struct daqs_ynode *v = daqs_ymap_get(root, "sla");

	if (!v) {
		daqs_diags_add(d, file, root->line, root->col, "field 'sla' is required");
		return -EINVAL;
	}
	if (daqs_sla_from_node(v, file, &sc->sla, d) < 0)
		return -EINVAL;
	if (sc->sla->n_links != 1 || sc->sla->links[0].capacity_auto) {
		daqs_diags_add(d, file, v->line, v->col,
			       "field 'sla': a scenario's SLA must have exactly one link with a "
			       "fixed capacity");
		return -EINVAL;
	}
	return 0;
}

static int parse_vms(const struct daqs_ynode *root, const char *file, struct daqs_diags *d,
		     struct daqs_scenario *sc)
{
	const struct daqs_ynode *v = daqs_ymap_get(root, "vms");
	int r = 0;

	if (!v) {
		daqs_diags_add(d, file, root->line, root->col, "field 'vms' is required");
		return -EINVAL;
	}
	if (daqs_ynode_expect(v, DAQS_YNODE_SEQ, file, "vms", d) < 0)
		return -EINVAL;
	if (v->n == 0 || v->n > DAQS_SCN_MAX_VMS) {
		daqs_diags_add(d, file, v->line, v->col, "field 'vms': expected 1 to %d VMs",
			       DAQS_SCN_MAX_VMS);
		return -EINVAL;
	}
	sc->vms = daqs_calloc(v->n, sizeof(*sc->vms));
	sc->n_vms = v->n;
	for (size_t i = 0; i < v->n; i++)
		r |= parse_vm(v->items[i], file, i, d, &sc->vms[i]);
	for (size_t i = 0; i < v->n && !r; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(sc->vms[i].name, sc->vms[j].name) == 0) {
				daqs_diags_add(d, file, v->items[i]->line, v->items[i]->col,
					       "duplicate VM '%s' (first at vms[%zu])",
					       sc->vms[i].name, j);
				r = -EINVAL;
			}
	return r ? -EINVAL : 0;
}

static void resolve_vms(struct daqs_scenario *sc)
{
	for (size_t i = 0; i < sc->n_vms; i++) {
		const struct daqs_sla_vm *s = daqs_sla_find_vm(sc->sla, sc->vms[i].name, NULL);

		if (s)
			sc->vms[i].sla = *s;
		else
			daqs_sla_vm_default(sc->sla, sc->vms[i].name, &sc->vms[i].sla);
	}
}

static int from_tree(const struct daqs_ytree *t, struct daqs_scenario **out, struct daqs_diags *d)
{
	struct daqs_scenario *sc = daqs_calloc(1, sizeof(*sc));
	int r = 0;

	sc->file = daqs_strdup(t->file);
	if (daqs_ynode_expect(t->root, DAQS_YNODE_MAP, t->file, "scenario", d) < 0) {
		daqs_scenario_free(sc);
		return -EINVAL;
	}
	r |= parse_top(t->root, t->file, d, sc);
	r |= parse_sla(t->root, t->file, d, sc);
	r |= parse_vms(t->root, t->file, d, sc);
	if (r) {
		daqs_scenario_free(sc);
		return -EINVAL;
	}
	resolve_vms(sc);
	*out = sc;
	return 0;
}

int daqs_scenario_load_file(const char *path, struct daqs_scenario **out, struct daqs_diags *d)
{
	struct daqs_ytree *t = NULL;
	int r;

	*out = NULL;
	r = daqs_ytree_load_file(path, &t, d);
	if (r < 0)
		return r;
	r = from_tree(t, out, d);
	daqs_ytree_free(t);
	return r;
}

int daqs_scenario_load_buffer(const char *name, const char *buf, size_t len,
			      struct daqs_scenario **out, struct daqs_diags *d)
{
	struct daqs_ytree *t = NULL;
	int r;

	*out = NULL;
	r = daqs_ytree_load_buffer(name, buf, len, &t, d);
	if (r < 0)
		return r;
	r = from_tree(t, out, d);
	daqs_ytree_free(t);
	return r;
}

void daqs_scenario_free(struct daqs_scenario *sc)
{
	if (!sc)
		return;
	for (size_t i = 0; i < sc->n_vms; i++) {
		free(sc->vms[i].name);
		free(sc->vms[i].active);
	}
	free(sc->vms);
	daqs_sla_free(sc->sla);
	free(sc->file);
	free(sc);
}
