/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The SLA's host sections: links (the uplinks), controller (the cycle's settings), vf_pool. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "sla_impl.h"

/* ---- links ---- */

/* An admission share, of the controller or a link: 1 %..100 % (in ppm). */
#define ADMISSION_MIN_PPM 10000u
#define ADMISSION_MAX_PPM 1000000u

static const char *const link_keys[] = { "name", "capacity", "device", "admission", NULL };

static void parse_link_name(struct daqs_sla_ctx *c, const struct daqs_ynode *map, const char *base,
			    size_t idx)
{
	char what[WHAT_MAX];
	const struct daqs_ynode *n = daqs_sla_field(map, base, "name", what);
	const char *s;

	if (!n) {
		daqs_sla_field_missing(c, map, base, "name", "");
		return;
	}
	s = daqs_sla_field_name(c, n, what);
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

static void parse_link_capacity(struct daqs_sla_ctx *c, const struct daqs_ynode *map,
				const char *base, struct daqs_sla_link *lk)
{
	char what[WHAT_MAX];
	const struct daqs_ynode *n = daqs_sla_field(map, base, "capacity", what);

	if (!n) {
		daqs_sla_field_missing(c, map, base, "capacity",
				       " (a rate such as '10gbit', or 'auto')");
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
	daqs_sla_field_positive_rate(c, n, what, &lk->capacity_bps);
}

static void parse_link(struct daqs_sla_ctx *c, const struct daqs_ynode *map, size_t idx)
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
	n = daqs_sla_field(map, base, "device", what);
	if (n && daqs_ynode_expect(n, DAQS_YNODE_SCALAR, c->file, what, c->d) == 0 &&
	    daqs_sla_field_check_ifname(c, n, what) == 0)
		lk->device = daqs_strdup(n->str);
	n = daqs_sla_field(map, base, "admission", what);
	if (n && daqs_ynode_get_ppm(n, c->file, what, c->d, &lk->admission_ppm) == 0 &&
	    (lk->admission_ppm < ADMISSION_MIN_PPM || lk->admission_ppm > ADMISSION_MAX_PPM)) {
		daqs_ynode_error(n, c->file, what, c->d, "'%s' is out of range (1%%..100%%)",
				 n->str);
		lk->admission_ppm = 0;
	}
}

void daqs_sla_parse_links(struct daqs_sla_ctx *c, const struct daqs_ynode *root)
{
	const struct daqs_ynode *links = daqs_ymap_get(root, "links");
	size_t n;

	if (!links) {
		daqs_sla_field_missing(c, root, "", "links", " (a list of the host's uplinks)");
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
	uint32_t min, max;
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
	{ "headroom", offsetof(struct daqs_sla_controller, headroom_ppm), 0, 500000, "0%..50%" },
	{ "min_change", offsetof(struct daqs_sla_controller, min_change_ppm), 0, 500000,
	  "0%..50%" },
	{ "admission", offsetof(struct daqs_sla_controller, admission_ppm), ADMISSION_MIN_PPM,
	  ADMISSION_MAX_PPM, "1%..100%" },
};

static const char *const ctl_keys[] = { "period",	"smoothing",  "headroom", "min_change",
					"missing_hold", "on_missing", "burst",	  "metadata",
					"admission",	NULL };

static void parse_ctl_durations(struct daqs_sla_ctx *c, const struct daqs_ynode *map)
{
	char what[WHAT_MAX];

	for (size_t i = 0; i < DAQS_ARRAY_SIZE(ctl_durations); i++) {
		const struct duration_field *f = &ctl_durations[i];
		const struct daqs_ynode *n = daqs_sla_field(map, "controller", f->key, what);
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

static void parse_ctl_ppms(struct daqs_sla_ctx *c, const struct daqs_ynode *map)
{
	char what[WHAT_MAX];

	for (size_t i = 0; i < DAQS_ARRAY_SIZE(ctl_ppms); i++) {
		const struct ppm_field *f = &ctl_ppms[i];
		const struct daqs_ynode *n = daqs_sla_field(map, "controller", f->key, what);
		uint32_t v;

		if (!n || daqs_ynode_get_ppm(n, c->file, what, c->d, &v) < 0)
			continue;
		if (v < f->min || v > f->max)
			daqs_ynode_error(n, c->file, what, c->d, "'%s' is out of range (%s)",
					 n->str, f->range);
		else
			*(uint32_t *)(void *)((char *)&c->sla->ctl + f->off) = v;
	}
}

void daqs_sla_parse_controller(struct daqs_sla_ctx *c, const struct daqs_ynode *map)
{
	char what[WHAT_MAX];
	const struct daqs_ynode *n;
	unsigned idx;

	if (daqs_sla_field_empty(map))
		return;
	if (daqs_ymap_check_keys(map, ctl_keys, c->file, "controller", c->d) < 0 &&
	    map->kind != DAQS_YNODE_MAP)
		return;
	parse_ctl_durations(c, map);
	parse_ctl_ppms(c, map);
	n = daqs_sla_field(map, "controller", "on_missing", what);
	if (n && daqs_ynode_get_enum(n, c->file, what, c->d, daqs_sla_missing_names, &idx) == 0)
		c->sla->ctl.on_missing = (enum daqs_missing_action)idx;
	n = daqs_sla_field(map, "controller", "metadata", what);
	if (n && daqs_ynode_get_enum(n, c->file, what, c->d, daqs_sla_bool_names, &idx) == 0)
		c->sla->ctl.metadata = idx;
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
static int vf_item(struct daqs_sla_ctx *c, const struct daqs_ynode *n, const char *what,
		   uint32_t *lo, uint32_t *hi)
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
static bool add_vfs(struct daqs_sla_ctx *c, const struct daqs_ynode *n, const char *what,
		    uint32_t lo, uint32_t hi, unsigned *first_line)
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

static void parse_vf_list(struct daqs_sla_ctx *c, const struct daqs_ynode *n)
{
	struct daqs_sla_vf_pool *p = &c->sla->vf_pool;
	unsigned *first_line; /* of the item that listed each index; 0: not listed */
	char what[WHAT_MAX];
	uint32_t lo = 0, hi = 0; /* set by vf_item(); gcc -O3 cannot see it */

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

static void parse_vf_pool_hostdev(struct daqs_sla_ctx *c, const struct daqs_ynode *map)
{
	const struct daqs_ynode *n = daqs_ymap_get(map, "vfs");

	if (!n)
		daqs_sla_field_missing(c, map, "vf_pool", "vfs",
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

static void parse_vf_pool_bridge(struct daqs_sla_ctx *c, const struct daqs_ynode *map)
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
		daqs_sla_field_missing(c, map, "vf_pool", "count",
				       " (the number of stand-in slots)");
	else if (daqs_ynode_get_uint(n, c->file, "vf_pool.count", c->d, 1, DAQS_SLA_MAX_VF_SLOTS,
				     &v) == 0)
		p->n_slots = (size_t)v;
	n = daqs_ymap_get(map, "bridge");
	if (!n)
		daqs_sla_field_missing(c, map, "vf_pool", "bridge",
				       " (the host bridge the stand-in NICs join)");
	else if (daqs_ynode_expect(n, DAQS_YNODE_SCALAR, c->file, "vf_pool.bridge", c->d) == 0 &&
		 daqs_sla_field_check_ifname(c, n, "vf_pool.bridge") == 0)
		p->bridge = daqs_strdup(n->str);
}

static void parse_vf_pool_link(struct daqs_sla_ctx *c, const struct daqs_ynode *map,
			       bool kind_known)
{
	struct daqs_sla_vf_pool *p = &c->sla->vf_pool;
	char what[WHAT_MAX];
	const struct daqs_ynode *n = daqs_sla_field(map, "vf_pool", "link", what);
	const struct daqs_sla_link *lk;

	if (!n) {
		daqs_sla_field_missing(c, map, "vf_pool", "link",
				       " (the links[] entry whose device is the PF)");
		return;
	}
	if (daqs_sla_field_link(c, n, what, &p->link) < 0)
		return;
	lk = &c->sla->links[p->link];
	if (kind_known && p->kind == DAQS_VF_POOL_HOSTDEV && !lk->device)
		daqs_ynode_error(n, c->file, what, c->d,
				 "link '%s' has no 'device' (a hostdev pool's VFs belong to the "
				 "link's PF)",
				 lk->name);
}

static void parse_vf_pool_timing(struct daqs_sla_ctx *c, const struct daqs_ynode *map)
{
	struct daqs_sla_vf_pool *p = &c->sla->vf_pool;
	char what[WHAT_MAX];
	const struct daqs_ynode *n;
	unsigned idx;
	uint32_t ppm;

	for (size_t i = 0; i < DAQS_ARRAY_SIZE(pool_durations); i++) {
		const struct duration_field *f = &pool_durations[i];
		uint64_t v;

		n = daqs_sla_field(map, "vf_pool", f->key, what);
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
	n = daqs_sla_field(map, "vf_pool", "hysteresis", what);
	if (n && daqs_ynode_get_ppm(n, c->file, what, c->d, &ppm) == 0) /* refuses > 100% */
		p->hysteresis_ppm = ppm;
	n = daqs_sla_field(map, "vf_pool", "strategy", what);
	if (n && daqs_ynode_get_enum(n, c->file, what, c->d, daqs_sla_vf_strategy_names, &idx) == 0)
		p->strategy = (enum daqs_vf_strategy)idx;
}

void daqs_sla_parse_vf_pool(struct daqs_sla_ctx *c, const struct daqs_ynode *map)
{
	struct daqs_sla_vf_pool *p = &c->sla->vf_pool;
	const struct daqs_ynode *n;
	bool kind_known = true;
	unsigned idx;

	if (daqs_sla_field_empty(map))
		return;
	p->line = map->line;
	p->col = map->col;
	if (daqs_ymap_check_keys(map, vf_pool_keys, c->file, "vf_pool", c->d) < 0 &&
	    map->kind != DAQS_YNODE_MAP)
		return;
	p->present = true;
	n = daqs_ymap_get(map, "kind");
	if (n) {
		kind_known = daqs_ynode_get_enum(n, c->file, "vf_pool.kind", c->d,
						 daqs_sla_vf_kind_names, &idx) == 0;
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
