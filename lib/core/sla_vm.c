/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The SLA's VM entries: defaults and vms[] (class, rates, weight, reach, VF keys). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "netname.h"
#include "sla_impl.h"
#include "units.h"

/* The rates and weight shared by a listed VM and the defaults. */
struct shape {
	enum daqs_class cls;
	bool cls_known;
	uint64_t min_bps, max_bps;
	uint32_t weight;
};

/* ---- vf, enforce: shared by VMs and defaults ---- */

/*
 * vf: and enforce: of a VM (or the defaults) on link li; host_vf: the VM has
 * a VF of its own (host_vf:).
 */
/* vf_lever: of a VM (or the defaults): only where it has a VF whose rate daqsd may set. */
static void parse_vf_lever(struct daqs_sla_ctx *c, const struct daqs_ynode *map, const char *base,
			   size_t li, bool host_vf, enum daqs_vf_lever *lever)
{
	const struct daqs_sla_vf_pool *p = &c->sla->vf_pool;
	char what[WHAT_MAX];
	const struct daqs_ynode *n = daqs_sla_field(map, base, "vf_lever", what);
	unsigned idx;

	if (!n || daqs_ynode_get_enum(n, c->file, what, c->d, daqs_sla_vf_lever_names, &idx) < 0)
		return;
	*lever = (enum daqs_vf_lever)idx;
	if (*lever == DAQS_VF_LEVER_AUTO || host_vf ||
	    (p->present && p->link == li && p->kind == DAQS_VF_POOL_HOSTDEV))
		return;
	daqs_ynode_error(n, c->file, what, c->d,
			 "vf_lever '%s' picks how the VM's VF takes its rate: it needs host_vf, "
			 "or a vf_pool of kind hostdev on its link",
			 n->str);
}

static void parse_vf_keys(struct daqs_sla_ctx *c, const struct daqs_ynode *map, const char *base,
			  size_t li, bool host_vf, bool *eligible, enum daqs_enforce *enforce)
{
	const struct daqs_sla_vf_pool *p = &c->sla->vf_pool;
	const struct daqs_sla_link *lk = li < c->sla->n_links ? &c->sla->links[li] : NULL;
	char what[WHAT_MAX];
	const struct daqs_ynode *n = daqs_sla_field(map, base, "vf", what);
	unsigned idx;

	*eligible = p->present && p->link == li;
	if (n && daqs_ynode_get_enum(n, c->file, what, c->d, daqs_sla_bool_names, &idx) == 0) {
		if (idx && !p->present)
			daqs_ynode_error(n, c->file, what, c->d,
					 "there is no vf_pool to take a VF from");
		else if (idx && p->link != li && lk && lk->name)
			daqs_ynode_error(
				n, c->file, what, c->d,
				"the vf_pool's VFs are on link '%s', this VM sends through "
				"link '%s'",
				c->sla->links[p->link].name ? c->sla->links[p->link].name : "?",
				lk->name);
		else
			*eligible = idx;
	}
	n = daqs_sla_field(map, base, "enforce", what);
	if (!n || daqs_ynode_get_enum(n, c->file, what, c->d, daqs_sla_enforce_names, &idx) < 0)
		return;
	*enforce = (enum daqs_enforce)idx;
	if (*enforce == DAQS_ENFORCE_GUEST || *enforce == DAQS_ENFORCE_HOST || host_vf)
		return; /* host: a libvirt VM's tap (check_vm_reach) */
	if (p->present && p->link == li && p->kind == DAQS_VF_POOL_HOSTDEV)
		return; /* the rate of the pool's VF it holds, while it holds one */
	daqs_ynode_error(
		n, c->file, what, c->d,
		"enforce '%s' sets the rate of the VM's VF: it needs host_vf, or a "
		"vf_pool of kind hostdev on its link%s",
		n->str,
		p->present && p->link == li ? " (a bridge pool's stand-ins have no VF rate)" : "");
}

/* ---- class, min, max, weight: shared by VMs and defaults ---- */

static void parse_class(struct daqs_sla_ctx *c, const struct daqs_ynode *map, const char *base,
			bool required, struct shape *s)
{
	char what[WHAT_MAX];
	const struct daqs_ynode *n = daqs_sla_field(map, base, "class", what);
	unsigned idx;

	if (!n) {
		if (required)
			daqs_sla_field_missing(c, map, base, "class",
					       " (guarantee or best-effort)");
		else
			s->cls_known = true;
		return;
	}
	if (daqs_ynode_get_enum(n, c->file, what, c->d, daqs_sla_class_names, &idx) == 0) {
		s->cls = (enum daqs_class)idx;
		s->cls_known = true;
	}
}

static void parse_min(struct daqs_sla_ctx *c, const struct daqs_ynode *map, const char *base,
		      struct shape *s)
{
	char what[WHAT_MAX];
	const struct daqs_ynode *n = daqs_sla_field(map, base, "min", what);
	bool guarantee = s->cls_known && s->cls == DAQS_CLASS_GUARANTEE;

	if (!n) {
		if (guarantee)
			daqs_sla_field_missing(c, map, base, "min",
					       " (a guarantee VM needs its minimum rate)");
		return;
	}
	if (s->cls_known && !guarantee) {
		daqs_ynode_error(n, c->file, what, c->d,
				 "min is only for guarantee VMs (this one is best-effort)");
		return;
	}
	daqs_sla_field_positive_rate(c, n, what, &s->min_bps);
}

static void parse_shape(struct daqs_sla_ctx *c, const struct daqs_ynode *map, const char *base,
			bool class_required, struct shape *s)
{
	char what[WHAT_MAX];
	const struct daqs_ynode *n;
	uint64_t v;

	parse_class(c, map, base, class_required, s);
	parse_min(c, map, base, s);
	n = daqs_sla_field(map, base, "max", what);
	if (n && daqs_sla_field_positive_rate(c, n, what, &v) == 0) {
		char a[32], b[32];

		s->max_bps = v;
		if (v < s->min_bps) {
			daqs_units_format_rate(v, a, sizeof(a));
			daqs_units_format_rate(s->min_bps, b, sizeof(b));
			daqs_ynode_error(n, c->file, what, c->d, "max %s is below min %s", a, b);
		}
	}
	n = daqs_sla_field(map, base, "weight", what);
	if (n && daqs_ynode_get_uint(n, c->file, what, c->d, 1, DAQS_WEIGHT_MAX, &v) == 0)
		s->weight = (uint32_t)v;
}

static const char *const defaults_keys[] = { "class",	"min",	    "max",	     "weight", "vf",
					     "enforce", "vf_lever", "host_counters", NULL };

/* host_counters: auto | off (a VM's or the defaults'); *out keeps its value when absent. */
static const struct daqs_ynode *parse_host_counters(struct daqs_sla_ctx *c,
						    const struct daqs_ynode *map, const char *base,
						    enum daqs_host_counters *out)
{
	char what[WHAT_MAX];
	const struct daqs_ynode *n = daqs_sla_field(map, base, "host_counters", what);
	unsigned idx;

	if (!n ||
	    daqs_ynode_get_enum(n, c->file, what, c->d, daqs_sla_host_counters_names, &idx) < 0)
		return NULL;
	*out = (enum daqs_host_counters)idx;
	return n;
}

void daqs_sla_parse_defaults(struct daqs_sla_ctx *c, const struct daqs_ynode *map)
{
	struct daqs_sla_defaults *df = &c->sla->defaults;
	struct shape s = { DAQS_CLASS_BEST_EFFORT, false, 0, DAQS_RATE_UNLIMITED, 1 };

	df->vf_eligible = c->sla->vf_pool.present && c->sla->vf_pool.link == 0;
	if (daqs_sla_field_empty(map))
		return;
	if (daqs_ymap_check_keys(map, defaults_keys, c->file, "defaults", c->d) < 0 &&
	    map->kind != DAQS_YNODE_MAP)
		return;
	parse_shape(c, map, "defaults", false, &s);
	df->cls = s.cls;
	df->min_bps = s.min_bps;
	df->max_bps = s.max_bps;
	df->weight = s.weight;
	parse_vf_keys(c, map, "defaults", 0, false, &df->vf_eligible, &df->enforce);
	parse_vf_lever(c, map, "defaults", 0, false, &df->vf_lever);
	parse_host_counters(c, map, "defaults", &df->host_counters);
}

/* ---- vms ---- */

static const char *const vm_keys[] = { "name",	"uuid",	     "class",	       "min",
				       "max",	"weight",    "link",	       "agent",
				       "mac",	"interface", "host_interface", "host_vf",
				       "vf",	"enforce",   "host_counters",  "vf_lever",
				       "group", NULL };

/* agent: an absolute path to a unix socket, printable, no spaces. */
static void parse_vm_agent(struct daqs_sla_ctx *c, const struct daqs_ynode *map, const char *base,
			   struct daqs_sla_vm *vm)
{
	char what[WHAT_MAX];
	const struct daqs_ynode *n = daqs_sla_field(map, base, "agent", what);
	const char *s;
	size_t len;

	if (!n || daqs_ynode_get_str(n, c->file, what, c->d, &s) < 0)
		return;
	len = strlen(s);
	if (s[0] != '/' || len >= 108) { /* sizeof(sun_path) */
		daqs_ynode_error(n, c->file, what, c->d,
				 "'%.60s' is not an absolute unix socket path of at most 107 bytes",
				 s);
		return;
	}
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f) {
			daqs_ynode_error(n, c->file, what, c->d,
					 "socket path contains a space or control character");
			return;
		}
	for (const struct daqs_sla_vm *o = c->sla->vms; o < vm; o++)
		if (o->agent && strcmp(o->agent, s) == 0) {
			daqs_ynode_error(
				n, c->file, what, c->d,
				"agent socket '%s' is already used by the VM at line %u (an "
				"agent socket serves one client)",
				s, o->line);
			return;
		}
	vm->agent = daqs_strdup(s);
}

/* An optional interface-name key (interface, host_interface): a copy in *out, or NULL. */
static void parse_vm_ifname(struct daqs_sla_ctx *c, const struct daqs_ynode *map, const char *base,
			    const char *key, char **out)
{
	char what[WHAT_MAX];
	const struct daqs_ynode *n = daqs_sla_field(map, base, key, what);
	const char *s;

	if (!n || daqs_ynode_get_str(n, c->file, what, c->d, &s) < 0 ||
	    daqs_sla_field_check_ifname(c, n, what) < 0)
		return;
	*out = daqs_strdup(s);
}

/* host_counters: off and a host_interface contradict each other. */
static void parse_vm_host_counters(struct daqs_sla_ctx *c, const struct daqs_ynode *map,
				   const char *base, struct daqs_sla_vm *vm)
{
	char what[WHAT_MAX];
	const struct daqs_ynode *n = parse_host_counters(c, map, base, &vm->host_counters);

	if (n && vm->host_counters == DAQS_HOST_COUNTERS_OFF &&
	    daqs_ymap_get(map, "host_interface")) {
		daqs_sla_field(map, base, "host_counters", what);
		daqs_ynode_error(n, c->file, what, c->d,
				 "'off' with a host_interface: either count that host netdev "
				 "(drop host_counters) or none (drop host_interface)");
	}
}

/* host_vf: "PF:N" (':' cannot be part of a netdev name), N a VF index 0..65535. */
static void parse_vm_host_vf(struct daqs_sla_ctx *c, const struct daqs_ynode *map, const char *base,
			     struct daqs_sla_vm *vm)
{
	char what[WHAT_MAX], pf[IFNAME_MAX + 1];
	const struct daqs_ynode *n = daqs_sla_field(map, base, "host_vf", what);
	const char *s, *colon;
	char *end;
	unsigned long v;

	if (!n || daqs_ynode_get_str(n, c->file, what, c->d, &s) < 0)
		return;
	colon = strrchr(s, ':');
	if (!colon || colon == s || (size_t)(colon - s) >= sizeof(pf) || !colon[1]) {
		daqs_ynode_error(n, c->file, what, c->d,
				 "'%s' is not PF:N (the PF's netdev name, a colon, the VF index)",
				 s);
		return;
	}
	memcpy(pf, s, (size_t)(colon - s));
	pf[colon - s] = '\0';
	errno = 0;
	v = strtoul(colon + 1, &end, 10);
	if (*end || errno || v > 65535 || !isdigit((unsigned char)colon[1])) {
		daqs_ynode_error(n, c->file, what, c->d, "VF index '%s' is not 0..65535",
				 colon + 1);
		return;
	}
	if (!daqs_netname_ifname_valid(pf)) {
		daqs_ynode_error(n, c->file, what, c->d, "'%s' is not a valid interface name", pf);
		return;
	}
	vm->host_vf_pf = daqs_strdup(pf);
	vm->host_vf = (uint32_t)v;
}

/* xx:xx:xx:xx:xx:xx, hexadecimal; stored lower case. */
static void parse_vm_mac(struct daqs_sla_ctx *c, const struct daqs_ynode *map, const char *base,
			 struct daqs_sla_vm *vm)
{
	char what[WHAT_MAX], mac[DAQS_MACSIZ];
	const struct daqs_ynode *n = daqs_sla_field(map, base, "mac", what);
	const char *s;

	if (!n || daqs_ynode_get_str(n, c->file, what, c->d, &s) < 0)
		return;
	if (daqs_netname_mac_parse(s, strlen(s), mac) < 0) {
		daqs_ynode_error(n, c->file, what, c->d,
				 "'%.40s' is not a MAC address (xx:xx:xx:xx:xx:xx, hexadecimal)",
				 s);
		return;
	}
	vm->mac = daqs_strdup(mac);
}

/* A VM reached through a raw agent socket has no libvirt XML to take the MAC from. */
static void check_vm_reach(struct daqs_sla_ctx *c, const struct daqs_ynode *map, const char *base,
			   const struct daqs_sla_vm *vm)
{
	if (vm->agent && !vm->iface && !vm->mac && !daqs_ymap_get(map, "interface") &&
	    !daqs_ymap_get(map, "mac"))
		daqs_ynode_error(map, c->file, base, c->d,
				 "a VM reached through 'agent' needs 'interface' or 'mac' (which "
				 "guest interface carries its traffic?)");
	if (vm->agent && !daqs_ymap_get(map, "name"))
		daqs_ynode_error(map, c->file, base, c->d,
				 "a VM reached through 'agent' needs a 'name'");
	if (vm->enforce == DAQS_ENFORCE_HOST && (vm->agent || vm->host_vf_pf)) {
		char what[WHAT_MAX];
		const struct daqs_ynode *n = daqs_sla_field(map, base, "enforce", what);

		daqs_ynode_error(n ? n : map, c->file, what, c->d,
				 "enforce 'host' sets the rate of the VM's tap through libvirt: %s",
				 vm->agent ? "a VM reached through 'agent' has no libvirt domain"
					   : "with host_vf its traffic goes through the VF, not a "
					     "tap (enforce: vf)");
	}
}

static void parse_vm_name(struct daqs_sla_ctx *c, const struct daqs_ynode *map, const char *base,
			  size_t idx)
{
	char what[WHAT_MAX];
	const struct daqs_ynode *n = daqs_sla_field(map, base, "name", what);
	const char *s;

	if (!n)
		return;
	s = daqs_sla_field_name(c, n, what);
	if (!s)
		return;
	for (size_t i = 0; i < idx; i++)
		if (c->sla->vms[i].name && strcmp(c->sla->vms[i].name, s) == 0) {
			daqs_ynode_error(n, c->file, what, c->d,
					 "duplicate VM '%s' (first defined at line %u)", s,
					 c->sla->vms[i].line);
			return;
		}
	c->sla->vms[idx].name = daqs_strdup(s);
}

static void parse_vm_uuid(struct daqs_sla_ctx *c, const struct daqs_ynode *map, const char *base,
			  size_t idx)
{
	char what[WHAT_MAX];
	const struct daqs_ynode *n = daqs_sla_field(map, base, "uuid", what);
	char *u;

	if (!n)
		return;
	u = daqs_sla_field_uuid(c, n, what);
	if (!u)
		return;
	for (size_t i = 0; i < idx; i++)
		if (c->sla->vms[i].uuid && strcmp(c->sla->vms[i].uuid, u) == 0) {
			daqs_ynode_error(n, c->file, what, c->d,
					 "duplicate VM uuid %s (first defined at line %u)", u,
					 c->sla->vms[i].line);
			free(u);
			return;
		}
	c->sla->vms[idx].uuid = u;
}

static void parse_vm_link(struct daqs_sla_ctx *c, const struct daqs_ynode *map, const char *base,
			  struct daqs_sla_vm *vm)
{
	char what[WHAT_MAX];
	const struct daqs_ynode *n = daqs_sla_field(map, base, "link", what);

	if (!n) {
		if (c->sla->n_links > 1)
			daqs_sla_field_missing(c, map, base, "link",
					       " (the file defines more than one link)");
		return;
	}
	daqs_sla_field_link(c, n, what, &vm->link);
}

static void parse_vm(struct daqs_sla_ctx *c, const struct daqs_ynode *map, size_t idx)
{
	struct daqs_sla_vm *vm = &c->sla->vms[idx];
	struct shape s = { DAQS_CLASS_BEST_EFFORT, false, 0, DAQS_RATE_UNLIMITED, 1 };
	char base[BASE_MAX];

	snprintf(base, sizeof(base), "vms[%zu]", idx);
	vm->line = map->line;
	vm->col = map->col;
	vm->max_bps = DAQS_RATE_UNLIMITED;
	vm->weight = 1;
	if (daqs_ymap_check_keys(map, vm_keys, c->file, base, c->d) < 0 &&
	    map->kind != DAQS_YNODE_MAP)
		return;
	if (!daqs_ymap_get(map, "name") && !daqs_ymap_get(map, "uuid"))
		daqs_ynode_error(map, c->file, base, c->d,
				 "missing required key 'name' or 'uuid' (which VM is this?)");
	parse_vm_name(c, map, base, idx);
	parse_vm_uuid(c, map, base, idx);
	parse_shape(c, map, base, true, &s);
	vm->cls = s.cls;
	vm->min_bps = s.min_bps;
	vm->max_bps = s.max_bps;
	vm->weight = s.weight;
	parse_vm_link(c, map, base, vm);
	daqs_sla_parse_vm_group(c, map, base, vm);
	parse_vm_agent(c, map, base, vm);
	parse_vm_ifname(c, map, base, "interface", &vm->iface);
	parse_vm_mac(c, map, base, vm);
	parse_vm_ifname(c, map, base, "host_interface", &vm->host_iface);
	parse_vm_host_counters(c, map, base, vm);
	parse_vm_host_vf(c, map, base, vm);
	parse_vf_keys(c, map, base, vm->link, vm->host_vf_pf != NULL, &vm->vf_eligible,
		      &vm->enforce);
	parse_vf_lever(c, map, base, vm->link, vm->host_vf_pf != NULL, &vm->vf_lever);
	check_vm_reach(c, map, base, vm);
}

void daqs_sla_parse_vms(struct daqs_sla_ctx *c, const struct daqs_ynode *vms)
{
	size_t n;

	if (daqs_sla_field_empty(vms))
		return;
	if (daqs_ynode_expect(vms, DAQS_YNODE_SEQ, c->file, "vms", c->d) < 0)
		return;
	n = vms->n;
	if (n > DAQS_SLA_MAX_VMS) {
		daqs_ynode_error(vms->items[DAQS_SLA_MAX_VMS], c->file, "vms", c->d,
				 "too many VMs (%zu; the limit is %d)", n, DAQS_SLA_MAX_VMS);
		n = DAQS_SLA_MAX_VMS;
	}
	c->sla->vms = daqs_calloc(n ? n : 1, sizeof(*c->sla->vms));
	c->sla->n_vms = n;
	for (size_t i = 0; i < n; i++)
		parse_vm(c, vms->items[i], i);
}

/* ---- an entry from libvirt domain metadata ---- */

/* What an orchestrator decides; how daqsd reaches, counts and enforces stays the host's. */
static const char *const meta_keys[] = { "class", "min", "max", "weight", "link", NULL };

static const char *const meta_refusals[] = {
	[DAQS_SLA_META_TWICE] = "more than one element in namespace " DAQS_SLA_META_NS,
	[DAQS_SLA_META_TOO_MANY] = "more attributes than daqsd reads",
	[DAQS_SLA_META_TOO_LONG] = "an attribute name or value too long",
	[DAQS_SLA_META_CHILDREN] = "the element has child elements (daqsd reads its attributes "
				   "only: write <sla class=... min=.../>)",
};

/* The attributes as a mapping of scalars, so that the vms[] checks read them; no position. */
struct meta_map {
	struct daqs_ynode map, k[DAQS_SLA_META_ATTRS], v[DAQS_SLA_META_ATTRS];
	struct daqs_ynode *keys[DAQS_SLA_META_ATTRS], *items[DAQS_SLA_META_ATTRS];
};

static void meta_map(const struct daqs_sla_meta *m, struct meta_map *y)
{
	memset(y, 0, sizeof(*y));
	y->map.kind = DAQS_YNODE_MAP;
	y->map.n = m->n < DAQS_SLA_META_ATTRS ? m->n : DAQS_SLA_META_ATTRS;
	y->map.keys = y->keys;
	y->map.items = y->items;
	for (size_t i = 0; i < y->map.n; i++) {
		y->k[i] =
			(struct daqs_ynode){ .kind = DAQS_YNODE_SCALAR, .str = (char *)m->key[i] };
		y->v[i] = (struct daqs_ynode){ .kind = DAQS_YNODE_SCALAR,
					       .str = (char *)m->val[i],
					       .quoted = true };
		y->keys[i] = &y->k[i];
		y->items[i] = &y->v[i];
	}
}

/*
 * A min the link cannot hold even alone, or above the defaults' max that
 * applies when the metadata gives none, is refused (there is no admission
 * control across VMs yet: see daqs-sla(5)).
 */
static void meta_fits(struct daqs_sla_ctx *c, const struct daqs_sla *sla,
		      const struct daqs_ynode *map, const struct shape *s, size_t link)
{
	char what[WHAT_MAX], what_max[WHAT_MAX], a[32], b[32];
	const struct daqs_ynode *n = daqs_sla_field(map, "sla", "min", what);
	const struct daqs_sla_link *lk = link < sla->n_links ? &sla->links[link] : NULL;

	if (!n || s->cls != DAQS_CLASS_GUARANTEE || !s->min_bps)
		return;
	daqs_units_format_rate(s->min_bps, a, sizeof(a));
	if (lk && !lk->capacity_auto && lk->capacity_bps && s->min_bps > lk->capacity_bps) {
		daqs_units_format_rate(lk->capacity_bps, b, sizeof(b));
		daqs_ynode_error(n, c->file, what, c->d, "min %s is above link '%s''s capacity %s",
				 a, lk->name ? lk->name : "?", b);
	} else if (!daqs_sla_field(map, "sla", "max", what_max) && s->max_bps < s->min_bps) {
		daqs_units_format_rate(s->max_bps, b, sizeof(b));
		daqs_ynode_error(n, c->file, what, c->d,
				 "min %s is above the defaults' max %s (give a max)", a, b);
	}
}

int daqs_sla_meta_vm(const struct daqs_sla *sla, const char *domain, const struct daqs_sla_meta *m,
		     struct daqs_sla_vm *out, struct daqs_diags *d)
{
	char file[DAQS_SLA_NAME_MAX + 32];
	/* the checks read the SLA (links, pool, defaults) and write nothing in it */
	struct daqs_sla_ctx c = { file, d, (struct daqs_sla *)sla };
	struct shape s = { DAQS_CLASS_BEST_EFFORT, false, 0, DAQS_RATE_UNLIMITED, 1 };
	struct meta_map *y = daqs_calloc(1, sizeof(*y));
	size_t before = daqs_diags_count(d);

	snprintf(file, sizeof(file), "domain '%s' metadata", domain);
	memset(out, 0, sizeof(*out));
	if (m->refused != DAQS_SLA_META_OK || strcmp(m->elem, "sla")) {
		daqs_diags_add(d, file, 0, 0, "%s",
			       m->refused < DAQS_ARRAY_SIZE(meta_refusals) && m->refused
				       ? meta_refusals[m->refused]
				       : "the element in namespace " DAQS_SLA_META_NS
					 " must be <sla>");
		free(y);
		return -EINVAL;
	}
	meta_map(m, y);
	daqs_ymap_check_keys(&y->map, meta_keys, file, "sla", d);
	/* what the metadata does not say is the defaults' (an unlisted VM's) */
	s.max_bps = sla->defaults.max_bps;
	s.weight = sla->defaults.weight;
	parse_shape(&c, &y->map, "sla", true, &s);
	parse_vm_link(&c, &y->map, "sla", out);
	meta_fits(&c, sla, &y->map, &s, out->link);
	out->name = daqs_strdup(domain);
	out->cls = s.cls;
	out->min_bps = s.min_bps;
	out->max_bps = s.max_bps;
	out->weight = s.weight;
	out->host_counters = sla->defaults.host_counters;
	if (out->link == 0) { /* the defaults' vf and enforce were checked for the first link */
		out->vf_eligible = sla->defaults.vf_eligible;
		out->enforce = sla->defaults.enforce;
		out->vf_lever = sla->defaults.vf_lever;
	}
	free(y);
	if (daqs_diags_count(d) == before)
		return 0;
	daqs_sla_vm_clear(out);
	return -EINVAL;
}
