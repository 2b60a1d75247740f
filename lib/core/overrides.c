/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Operator overrides (see overrides.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admission.h"
#include "diag.h"
#include "mem.h"
#include "overrides.h"
#include "units.h"

void daqs_overrides_free(struct daqs_overrides *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}

const struct daqs_override *daqs_overrides_find(const struct daqs_overrides *t, const char *vm)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].vm, vm))
			return &t->v[i];
	return NULL;
}

void daqs_overrides_put(struct daqs_overrides *t, const struct daqs_override *o,
			struct daqs_override *prev, bool *had)
{
	struct daqs_override *cur = (struct daqs_override *)daqs_overrides_find(t, o->vm);

	*had = cur != NULL;
	if (cur) {
		*prev = *cur;
		*cur = *o;
		return;
	}
	daqs_grow((void **)&t->v, &t->cap, t->n + 1, sizeof(*t->v));
	t->v[t->n++] = *o;
}

static void remove_at(struct daqs_overrides *t, size_t i)
{
	memmove(&t->v[i], &t->v[i + 1], (t->n - i - 1) * sizeof(*t->v));
	t->n--;
}

int daqs_overrides_drop(struct daqs_overrides *t, const char *vm, struct daqs_override *prev)
{
	const struct daqs_override *cur = daqs_overrides_find(t, vm);

	if (!cur)
		return -ENOENT;
	*prev = *cur;
	remove_at(t, (size_t)(cur - t->v));
	return 0;
}

void daqs_overrides_undo(struct daqs_overrides *t, const char *vm, const struct daqs_override *prev,
			 bool had)
{
	const struct daqs_override *cur = daqs_overrides_find(t, vm);
	struct daqs_override ignored;
	bool was;

	if (had) {
		daqs_overrides_put(t, prev, &ignored, &was);
		return;
	}
	if (cur)
		remove_at(t, (size_t)(cur - t->v));
}

size_t daqs_overrides_expire(struct daqs_overrides *t, int64_t now_s,
			     void (*expired)(void *ud, const char *vm), void *ud)
{
	size_t k = 0;

	for (size_t i = 0; i < t->n;) {
		if (t->v[i].expires && t->v[i].expires <= now_s) {
			if (expired)
				expired(ud, t->v[i].vm);
			remove_at(t, i);
			k++;
			continue;
		}
		i++;
	}
	return k;
}

static void apply(struct daqs_sla_vm *e, const struct daqs_override *o)
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

void daqs_overrides_effective(const struct daqs_sla *sla, const struct daqs_sla_vm *e,
			      const char *name, const struct daqs_override *o,
			      struct daqs_sla_vm *out)
{
	if (e)
		*out = *e;
	else
		daqs_sla_vm_default(sla, name, out);
	if (o)
		apply(out, o);
}

void daqs_override_from_request(const struct daqs_ctl_request *rq, int64_t now_s,
				struct daqs_override *o)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->vm, sizeof(o->vm), "%s", rq->vm);
	o->has_class = rq->has_class;
	o->cls = rq->cls;
	o->has_min = rq->has_min;
	o->min_bps = rq->min_bps;
	o->has_max = rq->has_max;
	o->max_bps = rq->max_bps;
	o->has_weight = rq->has_weight;
	o->weight = rq->weight;
	o->expires = rq->for_s ? now_s + (int64_t)rq->for_s : 0;
}

static bool listed_before(const struct daqs_override_vm *vms, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (!strcmp(vms[k].name, vms[i].name))
			return true;
	return false;
}

static int check_fit(const struct daqs_sla *sla, const struct daqs_overrides *t,
		     const struct daqs_override *o, const struct daqs_override_vm *vms,
		     size_t n_vms, const uint64_t *cap_bps, char *why, size_t len)
{
	uint64_t *sum = daqs_calloc(sla->n_links ? sla->n_links : 1, sizeof(*sum));
	int r = 0;

	for (size_t i = 0; i < n_vms; i++) {
		const struct daqs_override *x;
		struct daqs_sla_vm e;

		if (listed_before(vms, i))
			continue;
		x = !strcmp(vms[i].name, o->vm) ? o : daqs_overrides_find(t, vms[i].name);
		daqs_overrides_effective(sla, vms[i].ent, vms[i].name, x, &e);
		if (e.link < sla->n_links && daqs_sla_vm_commits(sla, &e))
			sum[e.link] += e.min_bps;
	}
	for (size_t l = 0; l < sla->n_links; l++) {
		struct daqs_admission g;

		daqs_admission_init(&g, 0, DAQS_ADMISSION_FULL);
		daqs_sla_group_commit(sla, l, &g);
		sum[l] += g.committed_bps;
	}
	for (size_t l = 0; l < sla->n_links && !r; l++) {
		uint32_t share = daqs_sla_link_admission(sla, l);
		uint64_t adm = daqs_admission_admittable(cap_bps[l], share);
		char a[32], b[32], c[32];

		if (!cap_bps[l] || sum[l] <= adm)
			continue;
		daqs_units_format_rate(sum[l], a, sizeof(a));
		daqs_units_format_rate(cap_bps[l], b, sizeof(b));
		daqs_units_format_rate(adm, c, sizeof(c));
		if (share == DAQS_ADMISSION_FULL)
			r = daqs_why(why, len, -EINVAL,
				     "the guarantees on link '%s' would sum to %s, more than its "
				     "capacity %s",
				     sla->links[l].name, a, b);
		else
			r = daqs_why(
				why, len, -EINVAL,
				"the guarantees on link '%s' would sum to %s, more than the %s "
				"its admission allows (%g%% of its capacity %s)",
				sla->links[l].name, a, c, share / 1e4, b);
	}
	free(sum);
	return r;
}

int daqs_override_check(const struct daqs_sla *sla, const struct daqs_overrides *t,
			const struct daqs_override *o, const struct daqs_override_vm *vms,
			size_t n_vms, const uint64_t *cap_bps, char *why, size_t len)
{
	const struct daqs_sla_group *g;
	struct daqs_sla_vm e;

	daqs_overrides_effective(sla, daqs_sla_find_vm(sla, o->vm, NULL), o->vm, o, &e);
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
	g = daqs_sla_vm_group(sla, &e);
	if (g && g->min_bps && e.cls == DAQS_CLASS_GUARANTEE && e.min_bps > g->min_bps)
		return daqs_why(why, len, -EINVAL,
				"min would be above its group '%s''s min (a member's min is its "
				"share of the group's)",
				g->name);
	if (o->has_weight && (o->weight < 1 || o->weight > DAQS_WEIGHT_MAX))
		return daqs_why(why, len, -EINVAL, "weight must be 1..%d", DAQS_WEIGHT_MAX);
	return check_fit(sla, t, o, vms, n_vms, cap_bps, why, len);
}
