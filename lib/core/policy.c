/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "policy.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "policy_impl.h"
#include "units.h"

static const char *const kind_names[] = {
	[DAQS_POLICY_DAQS] = "daqs",
	[DAQS_POLICY_DAQS_CLOSED] = "daqs-closed",
	[DAQS_POLICY_DAQS_PAPER] = "daqs-paper",
	[DAQS_POLICY_STATIC] = "static",
	[DAQS_POLICY_NONE] = "none",
};

static const char *const mode_names[] = {
	[DAQS_VM_UNMANAGED] = "unmanaged",     [DAQS_VM_IDLE] = "idle",
	[DAQS_VM_PROTECTED] = "protected",     [DAQS_VM_DEMAND_LIMITED] = "demand-limited",
	[DAQS_VM_SATISFIED] = "satisfied",     [DAQS_VM_CONSTRAINED] = "constrained",
	[DAQS_VM_UNDER_LIMIT] = "under-limit", [DAQS_VM_MISSING_HOLD] = "missing-hold",
	[DAQS_VM_FAILSAFE] = "failsafe",
};

const char *daqs_policy_kind_name(enum daqs_policy_kind k)
{
	return (size_t)k < DAQS_ARRAY_SIZE(kind_names) ? kind_names[k] : "?";
}

int daqs_policy_kind_parse(const char *s, enum daqs_policy_kind *out)
{
	for (size_t i = 0; i < DAQS_ARRAY_SIZE(kind_names); i++) {
		if (s && strcmp(s, kind_names[i]) == 0) {
			*out = (enum daqs_policy_kind)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *daqs_vm_mode_name(enum daqs_vm_mode m)
{
	return (size_t)m < DAQS_ARRAY_SIZE(mode_names) ? mode_names[m] : "?";
}

static void load_capacities(struct daqs_policy *p)
{
	free(p->capacity_bps);
	free(p->status);
	free(p->paper_r);
	free(p->cap_eff);
	free(p->cap_eff_ns);
	free(p->over);
	free(p->scale);
	p->n_links = p->sla->n_links;
	p->scale = daqs_calloc(p->n_links, sizeof(*p->scale));
	p->cap_eff = daqs_calloc(p->n_links, sizeof(*p->cap_eff));
	p->cap_eff_ns = daqs_calloc(p->n_links, sizeof(*p->cap_eff_ns));
	p->over = daqs_calloc(p->n_links, sizeof(*p->over));
	p->capacity_bps = daqs_calloc(p->n_links, sizeof(*p->capacity_bps));
	p->status = daqs_calloc(p->n_links, sizeof(*p->status));
	p->paper_r = daqs_calloc(p->n_links, sizeof(*p->paper_r));
	for (size_t i = 0; i < p->n_links; i++) {
		p->capacity_bps[i] = p->sla->links[i].capacity_bps;
		p->paper_r[i] = -1;
		p->scale[i] = 1;
	}
}

struct daqs_policy *daqs_policy_new(enum daqs_policy_kind kind, const struct daqs_sla *sla)
{
	struct daqs_policy *p = daqs_calloc(1, sizeof(*p));

	p->kind = kind;
	p->sla = sla;
	load_capacities(p);
	return p;
}

void daqs_policy_free(struct daqs_policy *p)
{
	if (!p)
		return;
	free(p->capacity_bps);
	free(p->status);
	free(p->paper_r);
	free(p->cap_eff);
	free(p->cap_eff_ns);
	free(p->over);
	free(p->scale);
	free(p->gvm);
	free(p->gorig);
	free(p);
}

void daqs_policy_set_sla(struct daqs_policy *p, const struct daqs_sla *sla)
{
	uint64_t *old = p->capacity_bps;
	double *old_r = p->paper_r;
	size_t old_n = p->n_links;

	p->capacity_bps = NULL;
	p->paper_r = NULL;
	p->sla = sla;
	load_capacities(p);
	/* Keep run-time capacities (auto links) and paper state for links that still exist. */
	for (size_t i = 0; i < p->n_links && i < old_n; i++) {
		if (sla->links[i].capacity_auto)
			p->capacity_bps[i] = old[i];
		p->paper_r[i] = old_r[i];
	}
	free(old);
	free(old_r);
}

void daqs_policy_set_capacity(struct daqs_policy *p, size_t link, uint64_t bps)
{
	if (link < p->n_links) {
		if (p->capacity_bps[link] !=
		    bps) { /* a new capacity is trusted until proven wrong */
			p->cap_eff[link] = 0;
			memset(&p->over[link], 0, sizeof(p->over[link]));
		}
		p->capacity_bps[link] = bps;
	}
}

enum daqs_policy_kind daqs_policy_kind(const struct daqs_policy *p)
{
	return p->kind;
}

const struct daqs_policy_link_status *daqs_policy_link_status(const struct daqs_policy *p,
							      size_t link)
{
	return link < p->n_links ? &p->status[link] : NULL;
}

uint64_t daqs_policy_to_limit(double bps)
{
	if (!(bps < (double)DAQS_RATE_MAX_BPS))
		return DAQS_RATE_UNLIMITED;
	if (bps < 1)
		return 1;
	return (uint64_t)llround(bps);
}

void daqs_policy_set_exact(struct daqs_policy_vm *vm, uint64_t want)
{
	vm->limit_bps = want;
	vm->apply = want != vm->st.limit_bps;
	vm->st.limit_bps = want;
}

void daqs_policy_vm_in_force(struct daqs_policy_vm *vm, uint64_t limit_bps)
{
	vm->st.limit_bps = limit_bps;
}

void daqs_policy_vm_reset(struct daqs_policy_vm *vm)
{
	memset(&vm->st, 0, sizeof(vm->st));
}

static void step_link(struct daqs_policy *p, size_t link, struct daqs_policy_vm *vms, size_t n,
		      uint64_t now_ns)
{
	switch (p->kind) {
	case DAQS_POLICY_DAQS:
	case DAQS_POLICY_DAQS_CLOSED:
		daqs_policy_step_daqs(p, link, vms, n, now_ns);
		break;
	case DAQS_POLICY_DAQS_PAPER:
		daqs_policy_step_paper(p, link, vms, n, now_ns);
		break;
	case DAQS_POLICY_STATIC:
		daqs_policy_step_static(p, link, vms, n, now_ns);
		break;
	case DAQS_POLICY_NONE:
		daqs_policy_step_none(p, link, vms, n, now_ns);
		break;
	}
}

int daqs_policy_step(struct daqs_policy *p, struct daqs_policy_vm *vms, size_t n, uint64_t now_ns)
{
	for (size_t i = 0; i < n; i++) {
		if (!vms[i].sla || vms[i].sla->link >= p->n_links)
			return -EINVAL;
		if (!vms[i].st.seen) {
			memset(&vms[i].st, 0, sizeof(vms[i].st));
			vms[i].st.seen = true;
			vms[i].st.limit_bps = DAQS_RATE_UNLIMITED;
			vms[i].st.fresh_ns = now_ns;
		}
		vms[i].apply = false;
		vms[i].limit_bps = vms[i].st.limit_bps;
	}
	daqs_policy_groups_begin(p, vms, n);
	for (size_t l = 0; l < p->n_links; l++) {
		memset(&p->status[l], 0, sizeof(p->status[l]));
		p->status[l].capacity_bps = p->capacity_bps[l];
		p->status[l].be_budget_bps = INFINITY;
		step_link(p, l, vms, n, now_ns);
	}
	daqs_policy_groups_end(p, vms, n);
	return 0;
}
