/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SLA file parser: a YAML tree (ytree.c) checked against the schema of
 * man/daqs-sla.5. Every check adds a diagnostic and carries on, so that one
 * run reports every problem; the result is thrown away if there was any.
 */
#include "sla.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mem.h"
#include "netname.h"
#include "units.h"

#define BASE_MAX 32 /* "vms[4095]", "controller": a path's first part */
#define WHAT_MAX 80 /* BASE_MAX + "." + the longest key, with room */
#define US 1000ULL
#define MS 1000000ULL
#define SEC 1000000000ULL
#define IFNAME_MAX (DAQS_IFNAMSIZ - 1)

struct ctx {
	const char *file;
	struct daqs_diags *d;
	struct daqs_sla *sla;
};

/* The rates and weight shared by a listed VM and the defaults. */
struct shape {
	enum daqs_class cls;
	bool cls_known;
	uint64_t min_bps, max_bps;
	uint32_t weight;
};

static const char *const class_names[] = {
	[DAQS_CLASS_BEST_EFFORT] = "best-effort",
	[DAQS_CLASS_GUARANTEE] = "guarantee",
	NULL,
};

static const char *const missing_names[] = {
	[DAQS_MISSING_PROTECT] = "protect",
	[DAQS_MISSING_HOLD] = "hold",
	[DAQS_MISSING_RELEASE] = "release",
	NULL,
};

static const char *const vf_strategy_names[] = {
	[DAQS_VF_STRATEGY_SLA] = "sla",
	[DAQS_VF_STRATEGY_ACTIVITY] = "activity",
	[DAQS_VF_STRATEGY_FAIR] = "fair",
	NULL,
};

static const char *const vf_kind_names[] = {
	[DAQS_VF_POOL_HOSTDEV] = "hostdev",
	[DAQS_VF_POOL_BRIDGE] = "bridge",
	NULL,
};

static const char *const enforce_names[] = {
	[DAQS_ENFORCE_GUEST] = "guest",
	[DAQS_ENFORCE_VF] = "vf",
	[DAQS_ENFORCE_BOTH] = "both",
	NULL,
};

static const char *const bool_names[] = { "false", "true", NULL };

const char *daqs_class_name(enum daqs_class c)
{
	switch (c) {
	case DAQS_CLASS_BEST_EFFORT:
	case DAQS_CLASS_GUARANTEE:
		return class_names[c];
	}
	return "?";
}

const char *daqs_missing_action_name(enum daqs_missing_action a)
{
	switch (a) {
	case DAQS_MISSING_PROTECT:
	case DAQS_MISSING_HOLD:
	case DAQS_MISSING_RELEASE:
		return missing_names[a];
	}
	return "?";
}

const char *daqs_vf_strategy_name(enum daqs_vf_strategy s)
{
	switch (s) {
	case DAQS_VF_STRATEGY_SLA:
	case DAQS_VF_STRATEGY_ACTIVITY:
	case DAQS_VF_STRATEGY_FAIR:
		return vf_strategy_names[s];
	}
	return "?";
}

const char *daqs_vf_pool_kind_name(enum daqs_vf_pool_kind k)
{
	switch (k) {
	case DAQS_VF_POOL_HOSTDEV:
	case DAQS_VF_POOL_BRIDGE:
		return vf_kind_names[k];
	}
	return "?";
}

const char *daqs_enforce_name(enum daqs_enforce e)
{
	switch (e) {
	case DAQS_ENFORCE_GUEST:
	case DAQS_ENFORCE_VF:
	case DAQS_ENFORCE_BOTH:
		return enforce_names[e];
	}
	return "?";
}

void daqs_sla_free(struct daqs_sla *sla)
{
	if (!sla)
		return;
	for (size_t i = 0; i < sla->n_links; i++) {
		free(sla->links[i].name);
		free(sla->links[i].device);
	}
	for (size_t i = 0; i < sla->n_vms; i++) {
		free(sla->vms[i].name);
		free(sla->vms[i].uuid);
		free(sla->vms[i].agent);
		free(sla->vms[i].iface);
		free(sla->vms[i].mac);
		free(sla->vms[i].host_iface);
		free(sla->vms[i].host_vf_pf);
	}
	free(sla->links);
	free(sla->vms);
	free(sla->vf_pool.vfs);
	free(sla->vf_pool.bridge);
	free(sla->file);
	free(sla);
}

/* ---- small helpers ---- */

/* The value of base.key in map (NULL if absent), with its field path in what. */
static const struct daqs_ynode *field(const struct daqs_ynode *map, const char *base,
				      const char *key, char *what)
{
	snprintf(what, WHAT_MAX, "%s%s%s", base, *base ? "." : "", key);
	return daqs_ymap_get(map, key);
}

/* An optional section left empty ("vms:" with nothing after it) counts as absent. */
static bool is_empty(const struct daqs_ynode *n)
{
	return !n || (n->kind == DAQS_YNODE_SCALAR && !n->quoted && !*n->str);
}

static void missing(struct ctx *c, const struct daqs_ynode *map, const char *base, const char *key,
		    const char *why)
{
	daqs_ynode_error(map, c->file, base, c->d, "missing required key '%s'%s", key, why);
}

/* Names (VMs, links): 1..DAQS_SLA_NAME_MAX bytes, no control characters. */
static int check_name(struct ctx *c, const struct daqs_ynode *n, const char *what)
{
	size_t len = strlen(n->str);

	if (len == 0)
		return daqs_ynode_error(n, c->file, what, c->d, "must not be empty");
	if (len > DAQS_SLA_NAME_MAX)
		return daqs_ynode_error(n, c->file, what, c->d,
					"name is too long (%zu bytes; the limit is %d)", len,
					DAQS_SLA_NAME_MAX);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)n->str[i] < 0x20 || n->str[i] == 0x7f)
			return daqs_ynode_error(n, c->file, what, c->d,
						"name contains a control character (0x%02x)",
						(unsigned char)n->str[i]);
	return 0;
}

static const char *get_name(struct ctx *c, const struct daqs_ynode *n, const char *what)
{
	const char *s;

	if (daqs_ynode_get_str(n, c->file, what, c->d, &s) < 0 || check_name(c, n, what) < 0)
		return NULL;
	return s;
}

/* A Linux interface name (netname.h), or an error naming the reason. */
static int check_ifname(struct ctx *c, const struct daqs_ynode *n, const char *what)
{
	const char *s = n->str;

	switch (daqs_netname_ifname_check(s)) {
	case DAQS_NETNAME_OK:
		return 0;
	case DAQS_NETNAME_LENGTH:
		return daqs_ynode_error(n, c->file, what, c->d,
					"'%.40s' is not a valid interface name (1 to %d bytes)", s,
					IFNAME_MAX);
	case DAQS_NETNAME_DOTS:
		return daqs_ynode_error(n, c->file, what, c->d,
					"'%s' is not a valid interface name", s);
	case DAQS_NETNAME_CHAR:
		break;
	}
	return daqs_ynode_error(
		n, c->file, what, c->d,
		"interface name '%s' contains a '/', ':', space or control character", s);
}

/* Canonical 8-4-4-4-12 hex; returns a lower-case copy, or NULL (reported). */
static char *get_uuid(struct ctx *c, const struct daqs_ynode *n, const char *what)
{
	const char *s;
	char *u;
	size_t i;

	if (daqs_ynode_get_str(n, c->file, what, c->d, &s) < 0)
		return NULL;
	for (i = 0; s[i] && i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			break;
	}
	if (i != 36 || s[i]) {
		daqs_ynode_error(n, c->file, what, c->d,
				 "'%.40s' is not a UUID in canonical form "
				 "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, hexadecimal)",
				 s);
		return NULL;
	}
	u = daqs_strdup(s);
	for (i = 0; u[i]; i++)
		u[i] = (char)tolower((unsigned char)u[i]);
	return u;
}

/* A rate that must be > 0. */
static int get_positive_rate(struct ctx *c, const struct daqs_ynode *n, const char *what,
			     uint64_t *bps)
{
	if (daqs_ynode_get_rate(n, c->file, what, c->d, bps) < 0)
		return -EINVAL;
	if (*bps == 0)
		return daqs_ynode_error(n, c->file, what, c->d, "'%s' must be greater than 0",
					n->str);
	return 0;
}

/* The index of the link n names into *idx: 0, or -EINVAL (reported unless links are missing). */
static int lookup_link(struct ctx *c, const struct daqs_ynode *n, const char *what, size_t *idx)
{
	char known[200] = "";
	size_t used = 0;
	const char *s;

	if (daqs_ynode_get_str(n, c->file, what, c->d, &s) < 0)
		return -EINVAL;
	for (size_t i = 0; i < c->sla->n_links; i++) {
		const char *name = c->sla->links[i].name;

		if (name && strcmp(name, s) == 0) {
			*idx = i;
			return 0;
		}
		if (name && used < sizeof(known))
			used += (size_t)snprintf(known + used, sizeof(known) - used, "%s%s",
						 used ? ", " : "", name);
	}
	if (c->sla->n_links)
		daqs_ynode_error(n, c->file, what, c->d, "unknown link '%.40s' (links: %s)", s,
				 known);
	return -EINVAL;
}

/* ---- version ---- */

static void parse_version(struct ctx *c, const struct daqs_ynode *root)
{
	const struct daqs_ynode *n = daqs_ymap_get(root, "version");
	uint64_t v;

	if (!n) {
		missing(c, root, "", "version", " (write 'version: 1')");
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

/* ---- links ---- */

static const char *const link_keys[] = { "name", "capacity", "device", NULL };

static void parse_link_name(struct ctx *c, const struct daqs_ynode *map, const char *base,
			    size_t idx)
{
	char what[WHAT_MAX];
	const struct daqs_ynode *n = field(map, base, "name", what);
	const char *s;

	if (!n) {
		missing(c, map, base, "name", "");
		return;
	}
	s = get_name(c, n, what);
	if (!s)
		return;
	for (size_t i = 0; i < idx; i++)
		if (c->sla->links[i].name && strcmp(c->sla->links[i].name, s) == 0) {
			daqs_ynode_error(n, c->file, what, c->d,
					 "duplicate link '%s' (first defined at line %u)", s,
					 c->sla->links[i].line);
			return;
		}
	c->sla->links[idx].name = daqs_strdup(s);
}

static void parse_link_capacity(struct ctx *c, const struct daqs_ynode *map, const char *base,
				struct daqs_sla_link *lk)
{
	char what[WHAT_MAX];
	const struct daqs_ynode *n = field(map, base, "capacity", what);

	if (!n) {
		missing(c, map, base, "capacity", " (a rate such as '10gbit', or 'auto')");
		return;
	}
	if (n->kind == DAQS_YNODE_SCALAR && strcmp(n->str, "auto") == 0) {
		lk->capacity_auto = true;
		if (!daqs_ymap_get(map, "device"))
			daqs_ynode_error(n, c->file, what, c->d,
					 "'auto' needs 'device': the capacity is read from the "
					 "PF's link speed");
		return;
	}
	get_positive_rate(c, n, what, &lk->capacity_bps);
}

static void parse_link(struct ctx *c, const struct daqs_ynode *map, size_t idx)
{
	struct daqs_sla_link *lk = &c->sla->links[idx];
	char base[BASE_MAX], what[WHAT_MAX];
	const struct daqs_ynode *n;

	snprintf(base, sizeof(base), "links[%zu]", idx);
	lk->line = map->line;
	lk->col = map->col;
	if (daqs_ymap_check_keys(map, link_keys, c->file, base, c->d) < 0 &&
	    map->kind != DAQS_YNODE_MAP)
		return;
	parse_link_name(c, map, base, idx);
	parse_link_capacity(c, map, base, lk);
	n = field(map, base, "device", what);
	if (n && daqs_ynode_expect(n, DAQS_YNODE_SCALAR, c->file, what, c->d) == 0 &&
	    check_ifname(c, n, what) == 0)
		lk->device = daqs_strdup(n->str);
}

static void parse_links(struct ctx *c, const struct daqs_ynode *root)
{
	const struct daqs_ynode *links = daqs_ymap_get(root, "links");
	size_t n;

	if (!links) {
		missing(c, root, "", "links", " (a list of the host's uplinks)");
		return;
	}
	if (daqs_ynode_expect(links, DAQS_YNODE_SEQ, c->file, "links", c->d) < 0)
		return;
	if (links->n == 0) {
		daqs_ynode_error(links, c->file, "links", c->d, "at least one link is required");
		return;
	}
	n = links->n;
	if (n > DAQS_SLA_MAX_LINKS) {
		daqs_ynode_error(links->items[DAQS_SLA_MAX_LINKS], c->file, "links", c->d,
				 "too many links (%zu; the limit is %d)", n, DAQS_SLA_MAX_LINKS);
		n = DAQS_SLA_MAX_LINKS;
	}
	c->sla->links = daqs_calloc(n, sizeof(*c->sla->links));
	c->sla->n_links = n;
	for (size_t i = 0; i < n; i++)
		parse_link(c, links->items[i], i);
}

/* ---- controller ---- */

struct duration_field {
	const char *key;
	size_t off;
	uint64_t min, max;
	const char *range;
};

struct ppm_field {
	const char *key;
	size_t off;
	uint32_t max;
	const char *range;
};

static const struct duration_field ctl_durations[] = {
	{ "period", offsetof(struct daqs_sla_controller, period_ns), 10 * MS, 60 * SEC,
	  "10ms..60s" },
	{ "smoothing", offsetof(struct daqs_sla_controller, smoothing_ns), 0, 60 * SEC, "0..60s" },
	{ "missing_hold", offsetof(struct daqs_sla_controller, missing_hold_ns), 0, 3600 * SEC,
	  "0..1h" },
	{ "burst", offsetof(struct daqs_sla_controller, burst_ns), 100 * US, 100 * MS,
	  "100us..100ms" },
};

static const struct ppm_field ctl_ppms[] = {
	{ "headroom", offsetof(struct daqs_sla_controller, headroom_ppm), 500000, "0%..50%" },
	{ "min_change", offsetof(struct daqs_sla_controller, min_change_ppm), 500000, "0%..50%" },
};

static const char *const ctl_keys[] = { "period",	"smoothing",  "headroom", "min_change",
					"missing_hold", "on_missing", "burst",	  NULL };

static void parse_ctl_durations(struct ctx *c, const struct daqs_ynode *map)
{
	char what[WHAT_MAX];

	for (size_t i = 0; i < DAQS_ARRAY_SIZE(ctl_durations); i++) {
		const struct duration_field *f = &ctl_durations[i];
		const struct daqs_ynode *n = field(map, "controller", f->key, what);
		uint64_t v;

		if (!n || daqs_ynode_get_duration(n, c->file, what, c->d, &v) < 0)
			continue;
		if (v < f->min || v > f->max)
			daqs_ynode_error(n, c->file, what, c->d, "'%s' is out of range (%s)",
					 n->str, f->range);
		else
			*(uint64_t *)(void *)((char *)&c->sla->ctl + f->off) = v;
	}
}

static void parse_ctl_ppms(struct ctx *c, const struct daqs_ynode *map)
{
	char what[WHAT_MAX];

	for (size_t i = 0; i < DAQS_ARRAY_SIZE(ctl_ppms); i++) {
		const struct ppm_field *f = &ctl_ppms[i];
		const struct daqs_ynode *n = field(map, "controller", f->key, what);
		uint32_t v;

		if (!n || daqs_ynode_get_ppm(n, c->file, what, c->d, &v) < 0)
			continue;
		if (v > f->max)
			daqs_ynode_error(n, c->file, what, c->d, "'%s' is out of range (%s)",
					 n->str, f->range);
		else
			*(uint32_t *)(void *)((char *)&c->sla->ctl + f->off) = v;
	}
}

static void parse_controller(struct ctx *c, const struct daqs_ynode *map)
{
	char what[WHAT_MAX];
	const struct daqs_ynode *n;
	unsigned idx;

	if (is_empty(map))
		return;
	if (daqs_ymap_check_keys(map, ctl_keys, c->file, "controller", c->d) < 0 &&
	    map->kind != DAQS_YNODE_MAP)
		return;
	parse_ctl_durations(c, map);
	parse_ctl_ppms(c, map);
	n = field(map, "controller", "on_missing", what);
	if (n && daqs_ynode_get_enum(n, c->file, what, c->d, missing_names, &idx) == 0)
		c->sla->ctl.on_missing = (enum daqs_missing_action)idx;
}

/* ---- vf_pool ---- */

static const char *const vf_pool_keys[] = { "link",	  "kind",     "vfs",	  "count",
					    "bridge",	  "strategy", "interval", "min_dwell",
					    "hysteresis", NULL };

static const struct duration_field pool_durations[] = {
	{ "interval", offsetof(struct daqs_sla_vf_pool, interval_ns), SEC, 24 * 3600 * SEC,
	  "1s..24h" },
	{ "min_dwell", offsetof(struct daqs_sla_vf_pool, min_dwell_ns), 0, 24 * 3600 * SEC,
	  "0s..24h" },
};

/* A VF index: a whole number in 0..DAQS_SLA_MAX_VF_INDEX, no sign, no leading zero. */
static bool vf_index(const char *s, size_t len, uint32_t *out)
{
	uint32_t v = 0;

	if (len == 0 || len > 5 || (s[0] == '0' && len > 1))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	*out = v;
	return v <= DAQS_SLA_MAX_VF_INDEX;
}

/* One item of vfs, "N" or "A-B": its first and last index; 0 or -EINVAL (reported). */
static int vf_item(struct ctx *c, const struct daqs_ynode *n, const char *what, uint32_t *lo,
		   uint32_t *hi)
{
	const char *s, *dash;
	bool ok;

	if (daqs_ynode_get_str(n, c->file, what, c->d, &s) < 0)
		return -EINVAL;
	dash = strchr(s, '-');
	if (dash)
		ok = vf_index(s, (size_t)(dash - s), lo) &&
		     vf_index(dash + 1, strlen(dash + 1), hi);
	else
		ok = vf_index(s, strlen(s), lo) && vf_index(s, strlen(s), hi);
	if (!ok)
		return daqs_ynode_error(n, c->file, what, c->d,
					"'%.40s' is not a VF index (0..%d) or a range of them such "
					"as '0-7'",
					s, DAQS_SLA_MAX_VF_INDEX);
	if (*lo > *hi)
		return daqs_ynode_error(n, c->file, what, c->d,
					"range '%s' runs backwards (write '%u-%u')", s, *hi, *lo);
	return 0;
}

/* Add the indexes lo..hi of item n; false when the pool is full (reported). */
static bool add_vfs(struct ctx *c, const struct daqs_ynode *n, const char *what, uint32_t lo,
		    uint32_t hi, unsigned *first_line)
{
	struct daqs_sla_vf_pool *p = &c->sla->vf_pool;

	if (hi - lo >= DAQS_SLA_MAX_VF_SLOTS - p->n_slots) {
		daqs_ynode_error(n, c->file, what, c->d, "too many VFs (the limit is %d)",
				 DAQS_SLA_MAX_VF_SLOTS);
		return false;
	}
	for (uint32_t v = lo; v <= hi; v++) {
		if (first_line[v]) {
			daqs_ynode_error(n, c->file, what, c->d,
					 "VF %u is listed twice (first at line %u)", v,
					 first_line[v]);
			return true;
		}
		first_line[v] = n->line;
		p->vfs[p->n_slots++] = v;
	}
	return true;
}

static void parse_vf_list(struct ctx *c, const struct daqs_ynode *n)
{
	struct daqs_sla_vf_pool *p = &c->sla->vf_pool;
	unsigned *first_line; /* of the item that listed each index; 0: not listed */
	char what[WHAT_MAX];
	uint32_t lo, hi;

	if (daqs_ynode_expect(n, DAQS_YNODE_SEQ, c->file, "vf_pool.vfs", c->d) < 0)
		return;
	if (n->n == 0) {
		daqs_ynode_error(n, c->file, "vf_pool.vfs", c->d, "at least one VF is required");
		return;
	}
	first_line = daqs_calloc(DAQS_SLA_MAX_VF_INDEX + 1, sizeof(*first_line));
	p->vfs = daqs_calloc(DAQS_SLA_MAX_VF_SLOTS, sizeof(*p->vfs));
	for (size_t i = 0; i < n->n; i++) {
		snprintf(what, sizeof(what), "vf_pool.vfs[%zu]", i);
		if (vf_item(c, n->items[i], what, &lo, &hi) == 0 &&
		    !add_vfs(c, n->items[i], what, lo, hi, first_line))
			break;
	}
	free(first_line);
}

static void parse_vf_pool_hostdev(struct ctx *c, const struct daqs_ynode *map)
{
	const struct daqs_ynode *n = daqs_ymap_get(map, "vfs");

	if (!n)
		missing(c, map, "vf_pool", "vfs",
			" (the PF's VF indexes, e.g. [0, 1, 2, 3] or [0-7])");
	else
		parse_vf_list(c, n);
	n = daqs_ymap_get(map, "count");
	if (n)
		daqs_ynode_error(n, c->file, "vf_pool.count", c->d,
				 "'count' is for kind bridge (a hostdev pool lists its 'vfs')");
	n = daqs_ymap_get(map, "bridge");
	if (n)
		daqs_ynode_error(n, c->file, "vf_pool.bridge", c->d,
				 "'bridge' is for kind bridge (a hostdev pool's VFs are on the "
				 "link's PF)");
}

static void parse_vf_pool_bridge(struct ctx *c, const struct daqs_ynode *map)
{
	struct daqs_sla_vf_pool *p = &c->sla->vf_pool;
	const struct daqs_ynode *n = daqs_ymap_get(map, "vfs");
	uint64_t v;

	if (n)
		daqs_ynode_error(n, c->file, "vf_pool.vfs", c->d,
				 "'vfs' is for kind hostdev (a bridge pool has 'count' stand-in "
				 "slots)");
	n = daqs_ymap_get(map, "count");
	if (!n)
		missing(c, map, "vf_pool", "count", " (the number of stand-in slots)");
	else if (daqs_ynode_get_uint(n, c->file, "vf_pool.count", c->d, 1, DAQS_SLA_MAX_VF_SLOTS,
				     &v) == 0)
		p->n_slots = (size_t)v;
	n = daqs_ymap_get(map, "bridge");
	if (!n)
		missing(c, map, "vf_pool", "bridge", " (the host bridge the stand-in NICs join)");
	else if (daqs_ynode_expect(n, DAQS_YNODE_SCALAR, c->file, "vf_pool.bridge", c->d) == 0 &&
		 check_ifname(c, n, "vf_pool.bridge") == 0)
		p->bridge = daqs_strdup(n->str);
}

static void parse_vf_pool_link(struct ctx *c, const struct daqs_ynode *map, bool kind_known)
{
	struct daqs_sla_vf_pool *p = &c->sla->vf_pool;
	char what[WHAT_MAX];
	const struct daqs_ynode *n = field(map, "vf_pool", "link", what);
	const struct daqs_sla_link *lk;

	if (!n) {
		missing(c, map, "vf_pool", "link", " (the links[] entry whose device is the PF)");
		return;
	}
	if (lookup_link(c, n, what, &p->link) < 0)
		return;
	lk = &c->sla->links[p->link];
	if (kind_known && p->kind == DAQS_VF_POOL_HOSTDEV && !lk->device)
		daqs_ynode_error(n, c->file, what, c->d,
				 "link '%s' has no 'device' (a hostdev pool's VFs belong to the "
				 "link's PF)",
				 lk->name);
}

static void parse_vf_pool_timing(struct ctx *c, const struct daqs_ynode *map)
{
	struct daqs_sla_vf_pool *p = &c->sla->vf_pool;
	char what[WHAT_MAX];
	const struct daqs_ynode *n;
	unsigned idx;
	uint32_t ppm;

	for (size_t i = 0; i < DAQS_ARRAY_SIZE(pool_durations); i++) {
		const struct duration_field *f = &pool_durations[i];
		uint64_t v;

		n = field(map, "vf_pool", f->key, what);
		if (!n || daqs_ynode_get_duration(n, c->file, what, c->d, &v) < 0)
			continue;
		if (v < f->min || v > f->max)
			daqs_ynode_error(n, c->file, what, c->d, "'%s' is out of range (%s)",
					 n->str, f->range);
		else
			*(uint64_t *)(void *)((char *)p + f->off) = v;
	}
	if (!daqs_ymap_get(map, "min_dwell"))
		p->min_dwell_ns = p->interval_ns;
	n = field(map, "vf_pool", "hysteresis", what);
	if (n && daqs_ynode_get_ppm(n, c->file, what, c->d, &ppm) == 0) /* refuses > 100% */
		p->hysteresis_ppm = ppm;
	n = field(map, "vf_pool", "strategy", what);
	if (n && daqs_ynode_get_enum(n, c->file, what, c->d, vf_strategy_names, &idx) == 0)
		p->strategy = (enum daqs_vf_strategy)idx;
}

static void parse_vf_pool(struct ctx *c, const struct daqs_ynode *map)
{
	struct daqs_sla_vf_pool *p = &c->sla->vf_pool;
	const struct daqs_ynode *n;
	bool kind_known = true;
	unsigned idx;

	if (is_empty(map))
		return;
	p->line = map->line;
	p->col = map->col;
	if (daqs_ymap_check_keys(map, vf_pool_keys, c->file, "vf_pool", c->d) < 0 &&
	    map->kind != DAQS_YNODE_MAP)
		return;
	p->present = true;
	n = daqs_ymap_get(map, "kind");
	if (n) {
		kind_known = daqs_ynode_get_enum(n, c->file, "vf_pool.kind", c->d, vf_kind_names,
						 &idx) == 0;
		if (kind_known)
			p->kind = (enum daqs_vf_pool_kind)idx;
	}
	parse_vf_pool_link(c, map, kind_known);
	if (kind_known && p->kind == DAQS_VF_POOL_HOSTDEV)
		parse_vf_pool_hostdev(c, map);
	else if (kind_known)
		parse_vf_pool_bridge(c, map);
	parse_vf_pool_timing(c, map);
}

/* ---- vf, enforce: shared by VMs and defaults ---- */

/*
 * vf: and enforce: of a VM (or the defaults) on link li; host_vf: the VM has
 * a VF of its own (host_vf:).
 */
static void parse_vf_keys(struct ctx *c, const struct daqs_ynode *map, const char *base, size_t li,
			  bool host_vf, bool *eligible, enum daqs_enforce *enforce)
{
	const struct daqs_sla_vf_pool *p = &c->sla->vf_pool;
	const struct daqs_sla_link *lk = li < c->sla->n_links ? &c->sla->links[li] : NULL;
	char what[WHAT_MAX];
	const struct daqs_ynode *n = field(map, base, "vf", what);
	unsigned idx;

	*eligible = p->present && p->link == li;
	if (n && daqs_ynode_get_enum(n, c->file, what, c->d, bool_names, &idx) == 0) {
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
	n = field(map, base, "enforce", what);
	if (!n || daqs_ynode_get_enum(n, c->file, what, c->d, enforce_names, &idx) < 0)
		return;
	*enforce = (enum daqs_enforce)idx;
	if (*enforce == DAQS_ENFORCE_GUEST || host_vf)
		return;
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

static void parse_class(struct ctx *c, const struct daqs_ynode *map, const char *base,
			bool required, struct shape *s)
{
	char what[WHAT_MAX];
	const struct daqs_ynode *n = field(map, base, "class", what);
	unsigned idx;

	if (!n) {
		if (required)
			missing(c, map, base, "class", " (guarantee or best-effort)");
		else
			s->cls_known = true;
		return;
	}
	if (daqs_ynode_get_enum(n, c->file, what, c->d, class_names, &idx) == 0) {
		s->cls = (enum daqs_class)idx;
		s->cls_known = true;
	}
}

static void parse_min(struct ctx *c, const struct daqs_ynode *map, const char *base,
		      struct shape *s)
{
	char what[WHAT_MAX];
	const struct daqs_ynode *n = field(map, base, "min", what);
	bool guarantee = s->cls_known && s->cls == DAQS_CLASS_GUARANTEE;

	if (!n) {
		if (guarantee)
			missing(c, map, base, "min", " (a guarantee VM needs its minimum rate)");
		return;
	}
	if (s->cls_known && !guarantee) {
		daqs_ynode_error(n, c->file, what, c->d,
				 "min is only for guarantee VMs (this one is best-effort)");
		return;
	}
	get_positive_rate(c, n, what, &s->min_bps);
}

static void parse_shape(struct ctx *c, const struct daqs_ynode *map, const char *base,
			bool class_required, struct shape *s)
{
	char what[WHAT_MAX];
	const struct daqs_ynode *n;
	uint64_t v;

	parse_class(c, map, base, class_required, s);
	parse_min(c, map, base, s);
	n = field(map, base, "max", what);
	if (n && get_positive_rate(c, n, what, &v) == 0) {
		char a[32], b[32];

		s->max_bps = v;
		if (v < s->min_bps) {
			daqs_units_format_rate(v, a, sizeof(a));
			daqs_units_format_rate(s->min_bps, b, sizeof(b));
			daqs_ynode_error(n, c->file, what, c->d, "max %s is below min %s", a, b);
		}
	}
	n = field(map, base, "weight", what);
	if (n && daqs_ynode_get_uint(n, c->file, what, c->d, 1, DAQS_WEIGHT_MAX, &v) == 0)
		s->weight = (uint32_t)v;
}

static const char *const defaults_keys[] = {
	"class", "min", "max", "weight", "vf", "enforce", NULL
};

static void parse_defaults(struct ctx *c, const struct daqs_ynode *map)
{
	struct daqs_sla_defaults *df = &c->sla->defaults;
	struct shape s = { DAQS_CLASS_BEST_EFFORT, false, 0, DAQS_RATE_UNLIMITED, 1 };

	df->vf_eligible = c->sla->vf_pool.present && c->sla->vf_pool.link == 0;
	if (is_empty(map))
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
}

/* ---- vms ---- */

static const char *const vm_keys[] = { "name",		 "uuid",    "class", "min",	"max",
				       "weight",	 "link",    "agent", "mac",	"interface",
				       "host_interface", "host_vf", "vf",    "enforce", NULL };

/* agent: an absolute path to a unix socket, printable, no spaces. */
static void parse_vm_agent(struct ctx *c, const struct daqs_ynode *map, const char *base,
			   struct daqs_sla_vm *vm)
{
	char what[WHAT_MAX];
	const struct daqs_ynode *n = field(map, base, "agent", what);
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
static void parse_vm_ifname(struct ctx *c, const struct daqs_ynode *map, const char *base,
			    const char *key, char **out)
{
	char what[WHAT_MAX];
	const struct daqs_ynode *n = field(map, base, key, what);
	const char *s;

	if (!n || daqs_ynode_get_str(n, c->file, what, c->d, &s) < 0 ||
	    check_ifname(c, n, what) < 0)
		return;
	*out = daqs_strdup(s);
}

/* host_vf: "PF:N" (':' cannot be part of a netdev name), N a VF index 0..65535. */
static void parse_vm_host_vf(struct ctx *c, const struct daqs_ynode *map, const char *base,
			     struct daqs_sla_vm *vm)
{
	char what[WHAT_MAX], pf[IFNAME_MAX + 1];
	const struct daqs_ynode *n = field(map, base, "host_vf", what);
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
static void parse_vm_mac(struct ctx *c, const struct daqs_ynode *map, const char *base,
			 struct daqs_sla_vm *vm)
{
	char what[WHAT_MAX], mac[DAQS_MACSIZ];
	const struct daqs_ynode *n = field(map, base, "mac", what);
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
static void check_vm_reach(struct ctx *c, const struct daqs_ynode *map, const char *base,
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
}

static void parse_vm_name(struct ctx *c, const struct daqs_ynode *map, const char *base, size_t idx)
{
	char what[WHAT_MAX];
	const struct daqs_ynode *n = field(map, base, "name", what);
	const char *s;

	if (!n)
		return;
	s = get_name(c, n, what);
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

static void parse_vm_uuid(struct ctx *c, const struct daqs_ynode *map, const char *base, size_t idx)
{
	char what[WHAT_MAX];
	const struct daqs_ynode *n = field(map, base, "uuid", what);
	char *u;

	if (!n)
		return;
	u = get_uuid(c, n, what);
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

static void parse_vm_link(struct ctx *c, const struct daqs_ynode *map, const char *base,
			  struct daqs_sla_vm *vm)
{
	char what[WHAT_MAX];
	const struct daqs_ynode *n = field(map, base, "link", what);

	if (!n) {
		if (c->sla->n_links > 1)
			missing(c, map, base, "link", " (the file defines more than one link)");
		return;
	}
	lookup_link(c, n, what, &vm->link);
}

static void parse_vm(struct ctx *c, const struct daqs_ynode *map, size_t idx)
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
	parse_vm_agent(c, map, base, vm);
	parse_vm_ifname(c, map, base, "interface", &vm->iface);
	parse_vm_mac(c, map, base, vm);
	parse_vm_ifname(c, map, base, "host_interface", &vm->host_iface);
	parse_vm_host_vf(c, map, base, vm);
	parse_vf_keys(c, map, base, vm->link, vm->host_vf_pf != NULL, &vm->vf_eligible,
		      &vm->enforce);
	check_vm_reach(c, map, base, vm);
}

static void parse_vms(struct ctx *c, const struct daqs_ynode *vms)
{
	size_t n;

	if (is_empty(vms))
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

/* ---- whole-file checks ---- */

static void check_link_capacity(struct ctx *c, size_t li)
{
	const struct daqs_sla_link *lk = &c->sla->links[li];
	uint64_t sum = 0;
	size_t count = 0;
	char a[32], b[32];

	if (lk->capacity_auto || !lk->capacity_bps)
		return; /* auto: checked when the speed is known; 0: already reported */
	for (size_t i = 0; i < c->sla->n_vms; i++) {
		const struct daqs_sla_vm *vm = &c->sla->vms[i];

		if (vm->link != li || vm->cls != DAQS_CLASS_GUARANTEE)
			continue;
		sum = sum + vm->min_bps < sum ? UINT64_MAX : sum + vm->min_bps;
		count++;
	}
	if (sum <= lk->capacity_bps)
		return;
	daqs_units_format_rate(sum, a, sizeof(a));
	daqs_units_format_rate(lk->capacity_bps, b, sizeof(b));
	daqs_diags_add(c->d, c->file, lk->line, lk->col,
		       "link '%s': the min rates of its %zu guarantee VM%s sum to %s, more than "
		       "the link capacity %s",
		       lk->name ? lk->name : "?", count, count == 1 ? "" : "s", a, b);
}

static const char *const root_keys[] = { "version",  "links",	"controller", "vms",
					 "defaults", "vf_pool", NULL };

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
	sla->defaults.cls = DAQS_CLASS_BEST_EFFORT;
	sla->defaults.max_bps = DAQS_RATE_UNLIMITED;
	sla->defaults.weight = 1;
	sla->vf_pool.kind = DAQS_VF_POOL_HOSTDEV;
	sla->vf_pool.strategy = DAQS_VF_STRATEGY_SLA;
	sla->vf_pool.interval_ns = 300 * SEC;
	sla->vf_pool.min_dwell_ns = 300 * SEC;
	sla->vf_pool.hysteresis_ppm = 200000;
}

static void check_root(struct ctx *c, const struct daqs_ynode *root)
{
	if (daqs_ymap_check_keys(root, root_keys, c->file, "", c->d) < 0 &&
	    root->kind != DAQS_YNODE_MAP)
		return;
	parse_version(c, root);
	parse_links(c, root);
	parse_controller(c, daqs_ymap_get(root, "controller"));
	parse_vf_pool(c, daqs_ymap_get(root, "vf_pool"));
	parse_defaults(c, daqs_ymap_get(root, "defaults"));
	parse_vms(c, daqs_ymap_get(root, "vms"));
	for (size_t i = 0; i < c->sla->n_links; i++)
		check_link_capacity(c, i);
}

int daqs_sla_from_node(const struct daqs_ynode *root, const char *file, struct daqs_sla **out,
		       struct daqs_diags *d)
{
	struct daqs_diags local;
	struct ctx c = { .file = file ? file : "<input>", .d = d ? d : &local };
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
