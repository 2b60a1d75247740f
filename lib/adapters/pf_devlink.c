/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "pf_devlink.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devlink.h"
#include "mem.h"
#include "netname.h"

#define BPS_PER_MBPS 125000ULL /* 1 Mbit/s in bytes/s: devlink's rate unit */

/* What is known of one VF: its lever, reported once, and a refused min. */
struct vf_seen {
	char pf[DAQS_IFNAMSIZ];
	uint32_t vf;
	char lever[96];
	bool min_refused;
	bool pin_said; /* vf_lever: devlink without a leaf, reported */
};

struct pf_dl {
	struct daqs_pf pub;
	struct daqs_pf *legacy;
	struct daqs_devlink *dl;		 /* NULL: the kernel has no devlink */
	void (*log)(void *ud, const char *msg);	 /* failures */
	void (*note)(void *ud, const char *msg); /* the lever each VF takes */
	void *log_ud;
	struct vf_seen *seen;
	size_t n_seen, cap_seen;
};

__attribute__((format(printf, 3, 0))) static void vsay(void (*to)(void *, const char *), void *ud,
						       const char *fmt, va_list ap)
{
	char msg[640];

	if (!to)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	to(ud, msg);
}

__attribute__((format(printf, 2, 3))) static void plog(struct pf_dl *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(p->log, p->log_ud, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 3))) static void pnote(struct pf_dl *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(p->note, p->log_ud, fmt, ap);
	va_end(ap);
}

static struct vf_seen *seen(struct pf_dl *p, const char *pf, uint32_t vf)
{
	for (size_t i = 0; i < p->n_seen; i++)
		if (p->seen[i].vf == vf && !strcmp(p->seen[i].pf, pf))
			return &p->seen[i];
	daqs_grow((void **)&p->seen, &p->cap_seen, p->n_seen + 1, sizeof(*p->seen));
	memset(&p->seen[p->n_seen], 0, sizeof(*p->seen));
	snprintf(p->seen[p->n_seen].pf, DAQS_IFNAMSIZ, "%s", pf);
	p->seen[p->n_seen].vf = vf;
	return &p->seen[p->n_seen++];
}

static const char *s_lever(struct pf_dl *p, const char *pf, uint32_t vf)
{
	return seen(p, pf, vf)->lever;
}

/* Record the lever pf/vf uses now; report it when it is new or changed. */
static void note_lever(struct pf_dl *p, const char *pf, uint32_t vf, const char *lever)
{
	struct vf_seen *s = seen(p, pf, vf);

	if (!strcmp(s->lever, lever))
		return;
	snprintf(s->lever, sizeof(s->lever), "%s", lever);
	if (!strcmp(lever, "legacy"))
		pnote(p,
		      "pf: '%s' vf %" PRIu32
		      " takes its rates by the legacy VF rate (IFLA_VF_RATE)",
		      pf, vf);
	else
		pnote(p,
		      "pf: '%s' vf %" PRIu32
		      " takes its rates by its %s rate leaf (tx_share, tx_max)",
		      pf, vf, lever);
}

static uint32_t to_mbps(uint64_t bytes_per_s)
{
	uint64_t m = bytes_per_s / BPS_PER_MBPS;

	return m > UINT32_MAX ? UINT32_MAX : (uint32_t)m;
}

static struct daqs_vf_rates leaf_rates(const struct daqs_devlink_rate *r)
{
	return (struct daqs_vf_rates){ .min_mbps = to_mbps(r->tx_share),
				       .max_mbps = to_mbps(r->tx_max) };
}

/* VF vf's leaf, 0; or -errno when it has none (then the legacy lever is used). */
static int find_leaf(struct pf_dl *p, const char *pf, uint32_t vf, struct daqs_devlink_port *port,
		     struct daqs_devlink_rate *leaf)
{
	int r;

	if (!p->dl)
		return -EOPNOTSUPP;
	r = daqs_devlink_find_vf(p->dl, pf, vf, port);
	if (r == 0)
		r = daqs_devlink_leaf_get(p->dl, port, leaf);
	return r;
}

static void leaf_lever(const struct daqs_devlink_rate *leaf, char *buf, size_t len)
{
	char name[3 * DAQS_DEVLINK_NAME_MAX];

	snprintf(buf, len, "devlink %s", daqs_devlink_rate_name(leaf, name, sizeof(name)));
}

static int dl_list_vfs(void *h, const char *pf, struct daqs_pf_vf **vfs, size_t *n)
{
	struct pf_dl *p = h;
	struct daqs_devlink_port *ports = NULL;
	struct daqs_devlink_rate *rates = NULL;
	size_t np = 0, nr = 0;
	int r = daqs_pf_list_vfs(p->legacy, pf, vfs, n);

	if (r || !*n || !p->dl)
		return r;
	/* two dumps for the whole PF, not two requests per VF */
	if (daqs_devlink_ports(p->dl, &ports, &np) || daqs_devlink_rates(p->dl, &rates, &nr)) {
		free(ports);
		return 0; /* the legacy view stands */
	}
	for (size_t i = 0; i < *n; i++) {
		struct daqs_pf_vf *v = &(*vfs)[i];
		struct daqs_devlink_port port;

		if (daqs_devlink_match_vf(ports, np, pf, v->index, &port))
			continue;
		for (size_t k = 0; k < nr; k++)
			if (rates[k].leaf && rates[k].port == port.index &&
			    !strcmp(rates[k].bus, port.bus) && !strcmp(rates[k].dev, port.dev)) {
				v->rates = leaf_rates(&rates[k]);
				leaf_lever(&rates[k], v->lever, sizeof(v->lever));
			}
	}
	free(ports);
	free(rates);
	return 0;
}

/* Write want to the leaf and read it back; 0 or -errno (reported). */
static int leaf_write(struct pf_dl *p, const char *pf, uint32_t vf,
		      const struct daqs_devlink_port *port, const char *lever,
		      const struct daqs_vf_rates *want)
{
	struct daqs_devlink_rate back;
	char b1[64], b2[64];
	int r = daqs_devlink_leaf_set(p->dl, port, want->min_mbps * BPS_PER_MBPS,
				      want->max_mbps * BPS_PER_MBPS);

	if (r)
		return r; /* reported by the caller, which may retry without the min */
	r = daqs_devlink_leaf_get(p->dl, port, &back);
	if (r) {
		plog(p, "pf: verify rates '%s' vf %" PRIu32 " via %s (%s%s%s)", pf, vf, lever,
		     strerror(-r), *daqs_devlink_why(p->dl) ? ": " : "", daqs_devlink_why(p->dl));
		return r;
	}
	if (back.tx_share != want->min_mbps * BPS_PER_MBPS ||
	    back.tx_max != want->max_mbps * BPS_PER_MBPS) {
		struct daqs_vf_rates got = leaf_rates(&back);

		plog(p,
		     "pf: verify rates '%s' vf %" PRIu32 " via %s (wrote %s, read back %s: "
		     "tx_share %" PRIu64 " tx_max %" PRIu64 " bytes/s)",
		     pf, vf, lever, daqs_vf_rates_str(want, b1, sizeof(b1)),
		     daqs_vf_rates_str(&got, b2, sizeof(b2)), back.tx_share, back.tx_max);
		return -EIO;
	}
	return 0;
}

static int dl_set_rates(void *h, const char *pf, uint32_t vf, const struct daqs_vf_rate_change *chg,
			struct daqs_vf_rates *now)
{
	struct pf_dl *p = h;
	struct daqs_devlink_port port;
	struct daqs_devlink_rate leaf;
	struct daqs_vf_rate_change c = *chg;
	struct daqs_vf_rates cur, want;
	struct vf_seen *s;
	char lever[96], b1[64], b2[64];
	const char *why;
	bool dropped = false;
	int r;

	if (chg->lever == DAQS_VF_LEVER_LEGACY) { /* pinned: the leaf is not looked at */
		note_lever(p, pf, vf, "legacy");
		return daqs_pf_set_rates(p->legacy, pf, vf, chg, now);
	}
	r = find_leaf(p, pf, vf, &port, &leaf);
	if (r && chg->lever == DAQS_VF_LEVER_DEVLINK) {
		s = seen(p, pf, vf);
		if (!s->pin_said)
			plog(p,
			     "pf: set rates '%s' vf %" PRIu32 " (vf_lever: devlink, but it has no "
			     "devlink rate leaf: %s%s%s); nothing written",
			     pf, vf, strerror(-r), *daqs_devlink_why(p->dl) ? ": " : "",
			     p->dl ? daqs_devlink_why(p->dl) : "");
		s->pin_said = true;
		return -EOPNOTSUPP;
	}
	if (r) {
		/* no devlink, no port for the VF (legacy mode): the usual case, not news */
		if (r != -EOPNOTSUPP && r != -ENODEV && r != -ENOENT &&
		    strcmp(s_lever(p, pf, vf), "legacy"))
			plog(p,
			     "pf: devlink rate leaf of '%s' vf %" PRIu32
			     " (%s%s%s): the legacy VF rate instead",
			     pf, vf, strerror(-r), *daqs_devlink_why(p->dl) ? ": " : "",
			     daqs_devlink_why(p->dl));
		note_lever(p, pf, vf, "legacy");
		return daqs_pf_set_rates(p->legacy, pf, vf, chg, now);
	}
	leaf_lever(&leaf, lever, sizeof(lever));
	note_lever(p, pf, vf, lever);
	s = seen(p, pf, vf);
	cur = leaf_rates(&leaf);
	if ((c.set & DAQS_VF_SET_MIN) && c.min_mbps && s->min_refused) {
		c.min_mbps = 0; /* refused once, reported then */
		dropped = true;
	}
	if (daqs_vf_rates_merge(&cur, &c, &want, &why)) {
		plog(p, "pf: set rates '%s' vf %" PRIu32 " via %s (refused: %s; the VF keeps %s)",
		     pf, vf, lever, why, daqs_vf_rates_str(&cur, b1, sizeof(b1)));
		return -EINVAL;
	}
	/* equal in Mbps and exactly whole Mbps on the leaf: nothing to write */
	if (daqs_vf_rates_eq(&want, &cur) && leaf.tx_share == cur.min_mbps * BPS_PER_MBPS &&
	    leaf.tx_max == cur.max_mbps * BPS_PER_MBPS) {
		if (now)
			*now = cur;
		return dropped ? DAQS_PF_MIN_DROPPED : 0;
	}
	r = leaf_write(p, pf, vf, &port, lever, &want);
	if (r && r != -EIO && daqs_vf_min_refused(r, &want)) {
		plog(p,
		     "pf: set rates '%s' vf %" PRIu32 " via %s (the NIC refused tx_share %" PRIu32
		     " Mbps: %s%s%s; tx_max only from now on)",
		     pf, vf, lever, want.min_mbps, strerror(-r),
		     *daqs_devlink_why(p->dl) ? ": " : "", daqs_devlink_why(p->dl));
		s->min_refused = true;
		dropped = true;
		want = daqs_vf_rates_max_only(&want);
		r = leaf_write(p, pf, vf, &port, lever, &want);
	}
	if (r) {
		if (r != -EIO)
			plog(p, "pf: set rates '%s' vf %" PRIu32 " via %s (%s: %s%s%s)", pf, vf,
			     lever, daqs_vf_rates_str(&want, b2, sizeof(b2)), strerror(-r),
			     *daqs_devlink_why(p->dl) ? ": " : "", daqs_devlink_why(p->dl));
		return r;
	}
	if (now)
		*now = want;
	return dropped ? DAQS_PF_MIN_DROPPED : 0;
}

__attribute__((format(printf, 5, 6))) static int group_fail(struct pf_dl *p, int r, char *why,
							    size_t len, const char *step, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, step);
	vsnprintf(what, sizeof(what), step, ap);
	va_end(ap);
	snprintf(why, len, "%s: %s%s%s", what, strerror(-r), *daqs_devlink_why(p->dl) ? ": " : "",
		 daqs_devlink_why(p->dl));
	return r;
}

static bool ours(const char *node)
{
	return !strncmp(node, DAQS_VF_NODE_PREFIX, strlen(DAQS_VF_NODE_PREFIX));
}

/* Delete every node of ours on bus/dev that nothing has as its parent any more; 0 or -errno. */
static int node_gc(struct pf_dl *p, const char *bus, const char *dev, char *why, size_t len)
{
	struct daqs_devlink_rate *rates = NULL;
	size_t n = 0;
	int r = daqs_devlink_rates(p->dl, &rates, &n);

	if (r)
		return group_fail(p, r, why, len, "list rates of %s/%s", bus, dev);
	for (size_t i = 0; i < n && !r; i++) {
		bool used = false;

		if (rates[i].leaf || !ours(rates[i].node) || strcmp(rates[i].bus, bus) ||
		    strcmp(rates[i].dev, dev))
			continue;
		for (size_t k = 0; k < n && !used; k++)
			used = !strcmp(rates[k].bus, bus) && !strcmp(rates[k].dev, dev) &&
			       !strcmp(rates[k].parent, rates[i].node);
		if (used)
			continue;
		r = daqs_devlink_node_del(p->dl, bus, dev, rates[i].node);
		if (r == -ENOENT)
			r = 0;
		else if (r)
			group_fail(p, r, why, len, "delete node %s", rates[i].node);
	}
	free(rates);
	return r;
}

/* Node name of bus/dev with these rates (created when missing), read back; 0 or -errno. */
static int node_ensure(struct pf_dl *p, const char *bus, const char *dev, const char *name,
		       uint64_t share, uint64_t max, char *why, size_t len)
{
	struct daqs_devlink_rate node;
	int r = daqs_devlink_node_get(p->dl, bus, dev, name, &node);

	if (r) {
		r = daqs_devlink_node_new(p->dl, bus, dev, name);
		if (r && r != -EEXIST)
			return group_fail(p, r, why, len, "create node %s/%s/%s", bus, dev, name);
		memset(&node, 0, sizeof(node));
	}
	if (node.tx_share == share && node.tx_max == max)
		return 0;
	r = daqs_devlink_node_set(p->dl, bus, dev, name, share, max);
	if (r)
		return group_fail(p, r, why, len,
				  "set node %s tx_share %" PRIu64 " tx_max %" PRIu64, name, share,
				  max);
	r = daqs_devlink_node_get(p->dl, bus, dev, name, &node);
	if (r)
		return group_fail(p, r, why, len, "read node %s back", name);
	if (node.tx_share != share || node.tx_max != max) {
		snprintf(why, len,
			 "node %s read back tx_share %" PRIu64 " tx_max %" PRIu64
			 " bytes/s, not what was written",
			 name, node.tx_share, node.tx_max);
		return -EIO;
	}
	return 0;
}

static int dl_set_group(void *h, const char *pf, uint32_t vf, const char *group,
			uint32_t share_mbps, uint32_t max_mbps, char *why, size_t len)
{
	struct pf_dl *p = h;
	struct daqs_devlink_port port;
	struct daqs_devlink_rate leaf;
	char name[DAQS_DEVLINK_NAME_MAX] = "", old[DAQS_DEVLINK_NAME_MAX];
	int r;

	snprintf(why, len, "%s", "");
	r = find_leaf(p, pf, vf, &port, &leaf);
	if (r == -EOPNOTSUPP || r == -ENODEV || r == -ENOENT) { /* no devlink, legacy mode */
		snprintf(why, len, "VF %" PRIu32 " of '%s' has no devlink rate leaf", vf, pf);
		return -EOPNOTSUPP;
	}
	if (r)
		return group_fail(p, r, why, len, "find the rate leaf of VF %" PRIu32, vf);
	snprintf(old, sizeof(old), "%s", leaf.parent);
	if (*group) {
		if ((size_t)snprintf(name, sizeof(name), DAQS_VF_NODE_PREFIX "%s", group) >=
		    sizeof(name)) {
			snprintf(why, len, "group name '%s' too long for a devlink node", group);
			return -ENAMETOOLONG;
		}
		r = node_ensure(p, port.bus, port.dev, name, share_mbps * BPS_PER_MBPS,
				max_mbps * BPS_PER_MBPS, why, len);
		if (r)
			return r;
	} else if (!ours(old)) {
		return node_gc(p, port.bus, port.dev, why, len); /* its parent is not ours: kept */
	}
	if (strcmp(old, name)) {
		r = daqs_devlink_leaf_parent(p->dl, &port, name);
		if (r)
			return group_fail(p, r, why, len, "put leaf %" PRIu32 " under '%s'",
					  port.index, *name ? name : "(none)");
		r = daqs_devlink_leaf_get(p->dl, &port, &leaf);
		if (r)
			return group_fail(p, r, why, len, "read leaf %" PRIu32 " back", port.index);
		if (strcmp(leaf.parent, name)) {
			snprintf(why, len, "leaf %" PRIu32 " read back with parent '%s', not '%s'",
				 port.index, leaf.parent, name);
			return -EIO;
		}
	}
	/* every node of ours left empty goes (the one left now, or one a failure left) */
	return node_gc(p, port.bus, port.dev, why, len);
}

/* sysfs, and whether a VF's devlink port has a rate leaf (two dumps for the PF). */
static int dl_probe(void *h, const char *pf, struct daqs_pf_caps *out)
{
	struct pf_dl *p = h;
	struct daqs_devlink_port *ports = NULL, port;
	struct daqs_devlink_rate *rates = NULL;
	size_t np = 0, nr = 0;
	int r = daqs_pf_sysfs_caps_at("/sys/class/net", pf, out);

	if (r || !p->dl || !out->num_vfs)
		return r;
	r = daqs_devlink_ports(p->dl, &ports, &np);
	if (!r)
		r = daqs_devlink_rates(p->dl, &rates, &nr);
	if (r) { /* its levers cannot be told: said, not guessed */
		free(ports);
		return out->r = r;
	}
	for (uint32_t vf = 0; vf < out->num_vfs && vf < 4096 && !out->devlink_leaf; vf++) {
		if (daqs_devlink_match_vf(ports, np, pf, vf, &port))
			continue;
		for (size_t k = 0; k < nr && !out->devlink_leaf; k++)
			out->devlink_leaf = rates[k].leaf && rates[k].port == port.index &&
					    !strcmp(rates[k].bus, port.bus) &&
					    !strcmp(rates[k].dev, port.dev);
	}
	free(ports);
	free(rates);
	return 0;
}

static void dl_lever(void *h, const char *pf, uint32_t vf, char *buf, size_t len)
{
	struct pf_dl *p = h;

	for (size_t i = 0; i < p->n_seen; i++)
		if (p->seen[i].vf == vf && !strcmp(p->seen[i].pf, pf)) {
			snprintf(buf, len, "%s", p->seen[i].lever);
			return;
		}
	snprintf(buf, len, "%s", "");
}

static void dl_free(void *h)
{
	struct pf_dl *p = h;

	if (!p)
		return;
	daqs_pf_close(p->legacy);
	daqs_devlink_close(p->dl);
	free(p->seen);
	free(p);
}

static const struct daqs_pf_ops devlink_ops = {
	.name = "devlink+netlink",
	.list_vfs = dl_list_vfs,
	.set_rates = dl_set_rates,
	.free = dl_free,
	.lever = dl_lever,
	.set_group = dl_set_group,
	.probe = dl_probe,
};

int daqs_pf_devlink_open(struct daqs_pf **out, struct daqs_pf *legacy,
			 void (*log)(void *ud, const char *msg),
			 void (*note)(void *ud, const char *msg), void *log_ud)
{
	struct pf_dl *p = daqs_calloc(1, sizeof(*p));
	int r;

	p->legacy = legacy;
	p->log = log;
	p->note = note;
	p->log_ud = log_ud;
	r = daqs_devlink_open(&p->dl);
	if (r) {
		p->dl = NULL;
		pnote(p, "pf: no devlink (%s): VF rates by the legacy VF rate (IFLA_VF_RATE) only",
		      strerror(-r));
	}
	p->pub.ops = &devlink_ops;
	p->pub.h = p;
	*out = &p->pub;
	return 0;
}
