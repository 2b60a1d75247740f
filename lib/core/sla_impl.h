/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to the SLA parser's parts: sla.c (the model, the root, whole-file
 * checks, loading), sla_field.c (one field's value: names, interface names,
 * UUIDs, rates, link references), sla_host.c (the host's sections: links,
 * controller, vf_pool) and sla_vm.c (defaults and the per-VM entries). Every
 * check reports through daqs_ynode_error() into c->d and carries on.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netname.h"
#include "sla.h"
#include "ytree.h"

#define BASE_MAX 32 /* "vms[4095]", "controller": a path's first part */
#define WHAT_MAX 80 /* BASE_MAX + "." + the longest key, with room */
#define US 1000ULL
#define MS 1000000ULL
#define SEC 1000000000ULL
#define IFNAME_MAX (DAQS_IFNAMSIZ - 1)

/* One parse: the file name for diagnostics, where they go, the SLA being filled. */
struct daqs_sla_ctx {
	const char *file;
	struct daqs_diags *d;
	struct daqs_sla *sla;
};

/* Names of the enums' values, NULL-terminated, for daqs_ynode_get_enum() (sla.c). */
extern const char *const daqs_sla_class_names[];
extern const char *const daqs_sla_missing_names[];
extern const char *const daqs_sla_vf_strategy_names[];
extern const char *const daqs_sla_vf_kind_names[];
extern const char *const daqs_sla_enforce_names[];
extern const char *const daqs_sla_vf_lever_names[];
extern const char *const daqs_sla_bool_names[];
extern const char *const daqs_sla_host_counters_names[];

/* ---- sla_field.c ---- */

/* The value of base.key in map (NULL if absent), with its field path in what (WHAT_MAX). */
const struct daqs_ynode *daqs_sla_field(const struct daqs_ynode *map, const char *base,
					const char *key, char *what);
/* An optional section left empty ("vms:" with nothing after it) counts as absent. */
bool daqs_sla_field_empty(const struct daqs_ynode *n);
/* Report base.key missing from map; why is appended (" (...)" or ""). */
void daqs_sla_field_missing(struct daqs_sla_ctx *c, const struct daqs_ynode *map, const char *base,
			    const char *key, const char *why);
/* Names (VMs, links): 1..DAQS_SLA_NAME_MAX bytes, no control characters; 0 or -EINVAL. */
int daqs_sla_field_check_name(struct daqs_sla_ctx *c, const struct daqs_ynode *n, const char *what);
/* A scalar that passes daqs_sla_field_check_name(), or NULL (reported). */
const char *daqs_sla_field_name(struct daqs_sla_ctx *c, const struct daqs_ynode *n,
				const char *what);
/* A Linux interface name (netname.h); 0 or -EINVAL reported with the reason. */
int daqs_sla_field_check_ifname(struct daqs_sla_ctx *c, const struct daqs_ynode *n,
				const char *what);
/* Canonical 8-4-4-4-12 hex; a lower-case copy (caller frees), or NULL (reported). */
char *daqs_sla_field_uuid(struct daqs_sla_ctx *c, const struct daqs_ynode *n, const char *what);
/* A rate that must be > 0; 0 or -EINVAL (reported). */
int daqs_sla_field_positive_rate(struct daqs_sla_ctx *c, const struct daqs_ynode *n,
				 const char *what, uint64_t *bps);
/* The index of the link n names into *idx: 0, or -EINVAL (reported unless links are missing). */
int daqs_sla_field_link(struct daqs_sla_ctx *c, const struct daqs_ynode *n, const char *what,
			size_t *idx);

/* ---- sla_host.c: in this order (the pool refers to links, VMs to both) ---- */

void daqs_sla_parse_links(struct daqs_sla_ctx *c, const struct daqs_ynode *root);
void daqs_sla_parse_controller(struct daqs_sla_ctx *c, const struct daqs_ynode *map);
void daqs_sla_parse_vf_pool(struct daqs_sla_ctx *c, const struct daqs_ynode *map);

/* ---- sla_vm.c: after the host's sections ---- */

void daqs_sla_parse_defaults(struct daqs_sla_ctx *c, const struct daqs_ynode *map);
void daqs_sla_parse_vms(struct daqs_sla_ctx *c, const struct daqs_ynode *vms);

/* ---- sla_group.c: groups before the VMs, the checks between them after ---- */

void daqs_sla_parse_groups(struct daqs_sla_ctx *c, const struct daqs_ynode *groups);
/* A VM's group: (after its link and class): the group it names, on its link. */
void daqs_sla_parse_vm_group(struct daqs_sla_ctx *c, const struct daqs_ynode *map, const char *base,
			     struct daqs_sla_vm *vm);
void daqs_sla_check_groups(struct daqs_sla_ctx *c);
