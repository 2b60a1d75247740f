/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SLA's tenant groups (groups:, and a VM's group:): parsing, the
 * checks between a group and its members, and what a group commits toward
 * admission (sla.h, struct daqs_sla_group).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admission.h"
#include "mem.h"
#include "sla_impl.h"
#include "units.h"

static const char *const group_keys[] = { "name", "link", "min", "max", NULL };

/* A group's name: a name (sla_field.c) of [A-Za-z0-9_.-], at most DAQS_SLA_GROUP_NAME_MAX. */
static void parse_group_name(struct daqs_sla_ctx *c, const struct daqs_ynode *map, const char *base,
			     size_t idx)
{
	char what[WHAT_MAX];
	const struct daqs_ynode *n = daqs_sla_field(map, base, "name", what);
	const char *s;
	size_t len;

	if (!n) {
		daqs_sla_field_missing(c, map, base, "name", "");
		return;
	}
	s = daqs_sla_field_name(c, n, what);
	if (!s)
		return;
	len = strlen(s);
	if (len > DAQS_SLA_GROUP_NAME_MAX) {
		daqs_ynode_error(n, c->file, what, c->d,
				 "group name is too long (%zu bytes; the limit is %d)", len,
				 DAQS_SLA_GROUP_NAME_MAX);
		return;
	}
	if (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != len) {
		daqs_ynode_error(n, c->file, what, c->d,
				 "group name '%s' may hold only letters, digits, '_', '.' and '-'",
				 s);
		return;
	}
	for (size_t i = 0; i < idx; i++)
		if (c->sla->groups[i].name && strcmp(c->sla->groups[i].name, s) == 0) {
			daqs_ynode_error(n, c->file, what, c->d,
					 "duplicate group '%s' (first defined at line %u)", s,
					 c->sla->groups[i].line);
			return;
		}
	c->sla->groups[idx].name = daqs_strdup(s);
}

static void parse_group(struct daqs_sla_ctx *c, const struct daqs_ynode *map, size_t idx)
{
	struct daqs_sla_group *g = &c->sla->groups[idx];
	char base[BASE_MAX], what[WHAT_MAX], a[32], b[32];
	const struct daqs_ynode *n, *nmax;

	snprintf(base, sizeof(base), "groups[%zu]", idx);
	g->line = map->line;
	g->col = map->col;
	g->max_bps = DAQS_RATE_UNLIMITED;
	if (daqs_ymap_check_keys(map, group_keys, c->file, base, c->d) < 0 &&
	    map->kind != DAQS_YNODE_MAP)
		return;
	parse_group_name(c, map, base, idx);
	n = daqs_sla_field(map, base, "link", what);
	if (n)
		daqs_sla_field_link(c, n, what, &g->link);
	else if (c->sla->n_links > 1)
		daqs_sla_field_missing(c, map, base, "link",
				       " (the file defines more than one link)");
	n = daqs_sla_field(map, base, "min", what);
	if (n)
		daqs_sla_field_positive_rate(c, n, what, &g->min_bps);
	nmax = daqs_sla_field(map, base, "max", what);
	if (nmax)
		daqs_sla_field_positive_rate(c, nmax, what, &g->max_bps);
	if (!n && !nmax)
		daqs_ynode_error(map, c->file, base, c->d,
				 "a group needs a min, a max, or both (what its members share)");
	if (g->min_bps && g->max_bps != DAQS_RATE_UNLIMITED && g->max_bps < g->min_bps) {
		daqs_units_format_rate(g->max_bps, a, sizeof(a));
		daqs_units_format_rate(g->min_bps, b, sizeof(b));
		daqs_ynode_error(nmax, c->file, what, c->d, "max %s is below min %s", a, b);
	}
}

void daqs_sla_parse_groups(struct daqs_sla_ctx *c, const struct daqs_ynode *groups)
{
	size_t n;

	if (daqs_sla_field_empty(groups))
		return;
	if (daqs_ynode_expect(groups, DAQS_YNODE_SEQ, c->file, "groups", c->d) < 0)
		return;
	n = groups->n;
	if (n > DAQS_SLA_MAX_GROUPS) {
		daqs_ynode_error(groups->items[DAQS_SLA_MAX_GROUPS], c->file, "groups", c->d,
				 "too many groups (%zu; the limit is %d)", n, DAQS_SLA_MAX_GROUPS);
		n = DAQS_SLA_MAX_GROUPS;
	}
	c->sla->groups = daqs_calloc(n ? n : 1, sizeof(*c->sla->groups));
	c->sla->n_groups = n;
	for (size_t i = 0; i < n; i++)
		parse_group(c, groups->items[i], i);
}

void daqs_sla_parse_vm_group(struct daqs_sla_ctx *c, const struct daqs_ynode *map, const char *base,
			     struct daqs_sla_vm *vm)
{
	char what[WHAT_MAX], known[200] = "";
	const struct daqs_ynode *n = daqs_sla_field(map, base, "group", what);
	const struct daqs_sla_group *g = NULL;
	size_t used = 0;
	const char *s;

	if (!n || daqs_ynode_get_str(n, c->file, what, c->d, &s) < 0)
		return;
	for (size_t i = 0; i < c->sla->n_groups && !g; i++) {
		const char *name = c->sla->groups[i].name;

		if (name && strcmp(name, s) == 0) {
			g = &c->sla->groups[i];
			vm->in_group = true;
			vm->group = i;
		} else if (name && used < sizeof(known)) {
			used += (size_t)snprintf(known + used, sizeof(known) - used, "%s%s",
						 used ? ", " : "", name);
		}
	}
	if (!g) {
		daqs_ynode_error(n, c->file, what, c->d, "unknown group '%.48s' (%s%s)", s,
				 c->sla->n_groups ? "groups: " : "the file has no groups:", known);
		return;
	}
	c->sla->groups[vm->group].n_members++;
	if (vm->link != g->link && vm->link < c->sla->n_links && g->link < c->sla->n_links)
		daqs_ynode_error(n, c->file, what, c->d,
				 "group '%s' is on link '%s'; this VM is on link '%s' (a group's "
				 "members share one link)",
				 g->name, c->sla->links[g->link].name,
				 c->sla->links[vm->link].name);
	if (g->min_bps && vm->cls == DAQS_CLASS_GUARANTEE && vm->min_bps > g->min_bps) {
		char a[32], b[32];

		daqs_units_format_rate(vm->min_bps, a, sizeof(a));
		daqs_units_format_rate(g->min_bps, b, sizeof(b));
		daqs_ynode_error(n, c->file, what, c->d,
				 "this VM's min %s is above group '%s''s min %s (a member's min is "
				 "its share of the group's)",
				 a, g->name, b);
	}
}

/* After the VMs: a group with a min needs a Guarantee member; one without, room for theirs. */
void daqs_sla_check_groups(struct daqs_sla_ctx *c)
{
	for (size_t gi = 0; gi < c->sla->n_groups; gi++) {
		const struct daqs_sla_group *g = &c->sla->groups[gi];
		uint64_t sum = 0;
		unsigned guarantees = 0;
		char a[32], b[32];

		if (!g->name)
			continue; /* already reported */
		for (size_t i = 0; i < c->sla->n_vms; i++) {
			const struct daqs_sla_vm *vm = &c->sla->vms[i];

			if (vm->in_group && vm->group == gi && vm->cls == DAQS_CLASS_GUARANTEE) {
				sum += vm->min_bps;
				guarantees++;
			}
		}
		if (g->min_bps && g->n_members && !guarantees)
			daqs_diags_add(c->d, c->file, g->line, g->col,
				       "group '%s' has a min but no guarantee member to give it to",
				       g->name);
		if (!g->min_bps && g->max_bps != DAQS_RATE_UNLIMITED && sum > g->max_bps) {
			daqs_units_format_rate(sum, a, sizeof(a));
			daqs_units_format_rate(g->max_bps, b, sizeof(b));
			daqs_diags_add(c->d, c->file, g->line, g->col,
				       "group '%s': the min rates of its %u guarantee member%s sum "
				       "to %s, more than its max %s",
				       g->name, guarantees, guarantees == 1 ? "" : "s", a, b);
		}
	}
}

const struct daqs_sla_group *daqs_sla_vm_group(const struct daqs_sla *sla,
					       const struct daqs_sla_vm *e)
{
	return e->in_group && e->group < sla->n_groups ? &sla->groups[e->group] : NULL;
}

bool daqs_sla_vm_commits(const struct daqs_sla *sla, const struct daqs_sla_vm *e)
{
	const struct daqs_sla_group *g = daqs_sla_vm_group(sla, e);

	return e->cls == DAQS_CLASS_GUARANTEE && !(g && g->min_bps);
}

void daqs_sla_group_commit(const struct daqs_sla *sla, size_t li, struct daqs_admission *a)
{
	for (size_t i = 0; i < sla->n_groups; i++)
		if (sla->groups[i].link == li && sla->groups[i].min_bps && sla->groups[i].n_members)
			daqs_admission_add(a, sla->groups[i].min_bps);
}

void daqs_sla_link_commit(const struct daqs_sla *sla, size_t li, struct daqs_admission *a)
{
	for (size_t i = 0; i < sla->n_vms; i++)
		if (sla->vms[i].link == li && daqs_sla_vm_commits(sla, &sla->vms[i]))
			daqs_admission_add(a, sla->vms[i].min_bps);
	daqs_sla_group_commit(sla, li, a);
}
