/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fake tc for the agent farm (see fake_tc.h). The numbered rules follow
 * iproute2 6.1 (tc/tc_core.c, tc/tc_util.c, tc/q_htb.c, tc/tc_qdisc.c) and
 * the kernel's tc_modify_qdisc / htb_change_class as far as daqs's plans
 * reach them; error texts are the ones tc printed on this project's machine
 * (kernel 6.18, iproute2 6.1).
 */
#include "fake_tc.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mem.h"

#define TICKS_PER_US 15.625 /* /proc/net/psched: t2us 1000 / us2t 64 */
#define TC_HZ 1000000000.0  /* tc's get_hz(): psched clock_res 1e6 -> 4th field */
#define TC_MTU 1600u	    /* q_htb.c default mtu (default burst = rate / hz + mtu) */
#define MAX_CLASSES 16
#define HTB_MAXDEPTH 8
#define QUANTUM_MIN 1000u
#define QUANTUM_MAX 200000u
#define TXQUEUELEN 1000u      /* the fake interface's */
#define FQ_CODEL_LIMIT 10240u /* sch_fq_codel defaults */
#define MAX_ARGS 64

struct qdisc {
	char kind[16];	 /* "" = the default: noqueue at the root, HTB's hidden pfifo in a class */
	uint32_t handle; /* major << 16 */
	uint32_t limit;	 /* pfifo, fq_codel */
	uint32_t defcls, r2q, direct_qlen; /* htb */
};

struct cls {
	bool used;
	uint16_t minor;
	uint16_t parent;	  /* minor of the parent class, 0 = under the root qdisc */
	uint64_t rate, ceil;	  /* bytes per second */
	uint32_t buffer, cbuffer; /* ticks */
	uint32_t quantum, prio;
	struct qdisc leaf;
};

struct fake_tc {
	char ifname[16];
	bool fq_codel;
	struct qdisc root;
	struct cls cls[MAX_CLASSES];
	uint32_t next_handle;
};

/* What one parsed `qdisc` or `class` command asks for. */
struct req {
	const char *dev;
	bool has_parent, parent_root, has_handle;
	uint32_t parent, handle; /* handle: qdisc handle or classid */
	const char *kind;
	struct qdisc q; /* qdisc options */
	bool has_limit;
	struct cls c; /* htb class options */
	bool has_quantum;
};

struct fake_tc *fake_tc_new(const char *ifname, bool fq_codel)
{
	struct fake_tc *t = daqs_calloc(1, sizeof(*t));

	snprintf(t->ifname, sizeof(t->ifname), "%s", ifname);
	t->fq_codel = fq_codel;
	t->next_handle = 0x8001;
	return t;
}

void fake_tc_free(struct fake_tc *t)
{
	free(t);
}

/* ---- tc's arithmetic and printing (tc_core.c, tc_util.c) ---- */

static uint32_t xmittime(uint64_t rate, uint32_t size)
{
	unsigned us = (unsigned)(1000000.0 * ((double)size / (double)rate));

	return (uint32_t)(us * TICKS_PER_US);
}

static uint32_t xmitsize(uint64_t rate, uint32_t ticks)
{
	unsigned us = (unsigned)(ticks / TICKS_PER_US);

	return (uint32_t)(((double)rate * us) / 1000000.0);
}

static void print_rate(char *buf, size_t len, uint64_t bytes_ps)
{
	static const char *const units[] = { "", "K", "M", "G", "T" };
	uint64_t rate = bytes_ps * 8;
	size_t i;

	for (i = 0; i < DAQS_ARRAY_SIZE(units) - 1; i++) {
		if (rate < 1000)
			break;
		if (rate % 1000 != 0 && rate < 1000 * 1000)
			break;
		rate /= 1000;
	}
	snprintf(buf, len, "%.0f%sbit", (double)rate, units[i]);
}

static void print_size(char *buf, size_t len, uint32_t sz)
{
	double tmp = sz;

	if (sz >= 1024 * 1024 && fabs(1024 * 1024 * rint(tmp / (1024 * 1024)) - sz) < 1024)
		snprintf(buf, len, "%gMb", rint(tmp / (1024 * 1024)));
	else if (sz >= 1024 && fabs(1024 * rint(tmp / 1024) - sz) < 16)
		snprintf(buf, len, "%gKb", rint(tmp / 1024));
	else
		snprintf(buf, len, "%ub", sz);
}

/* get_rate64: a decimal number and one of tc's suffixes, to bytes per second. */
static int parse_rate(const char *s, uint64_t *bytes_ps)
{
	static const struct {
		const char *name;
		double scale;
	} suffixes[] = {
		{ "bit", 1. },
		{ "Kibit", 1024. },
		{ "kbit", 1000. },
		{ "mibit", 1048576. },
		{ "mbit", 1000000. },
		{ "gibit", 1073741824. },
		{ "gbit", 1e9 },
		{ "tibit", 1099511627776. },
		{ "tbit", 1e12 },
		{ "Bps", 8. },
		{ "KiBps", 8. * 1024 },
		{ "KBps", 8000. },
		{ "MiBps", 8. * 1048576 },
		{ "MBps", 8e6 },
		{ "GiBps", 8. * 1073741824 },
		{ "GBps", 8e9 },
		{ "TiBps", 8. * 1099511627776. },
		{ "TBps", 8e12 },
	};
	char *p;
	double bps = strtod(s, &p);
	bool known = !*p;

	if (p == s)
		return -1;
	for (size_t i = 0; !known && i < DAQS_ARRAY_SIZE(suffixes); i++)
		if (!strcasecmp(suffixes[i].name, p)) {
			bps *= suffixes[i].scale;
			known = true;
		}
	if (!known || bps < 0)
		return -1;
	*bytes_ps = (uint64_t)(bps / 8);
	return 0;
}

/* get_size: bytes, with b / k / kb / m / mb / g / gb / kbit / mbit / gbit. */
static int parse_size(const char *s, uint32_t *size)
{
	char *p;
	double sz = strtod(s, &p);

	if (p == s || sz < 0)
		return -1;
	if (!strcasecmp(p, "kb") || !strcasecmp(p, "k"))
		sz *= 1024;
	else if (!strcasecmp(p, "gb") || !strcasecmp(p, "g"))
		sz *= 1024. * 1024 * 1024;
	else if (!strcasecmp(p, "gbit"))
		sz *= 1024. * 1024 * 1024 / 8;
	else if (!strcasecmp(p, "mb") || !strcasecmp(p, "m"))
		sz *= 1024 * 1024;
	else if (!strcasecmp(p, "mbit"))
		sz *= 1024 * 1024 / 8;
	else if (!strcasecmp(p, "kbit"))
		sz *= 1024 / 8;
	else if (*p && strcasecmp(p, "b"))
		return -1;
	if (sz > UINT32_MAX)
		return -1;
	*size = (uint32_t)sz;
	return 0;
}

static int parse_u32(const char *s, int base, uint32_t *v)
{
	char *end;
	unsigned long x = strtoul(s, &end, base);

	if (!*s || *end || x > UINT32_MAX)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

/* "1:" -> 0x10000 (get_qdisc_handle: the minor must be empty). */
static int parse_qhandle(const char *s, uint32_t *h)
{
	char *end;
	unsigned long maj = strtoul(s, &end, 16);

	if (end == s || *end != ':' || end[1] || maj > 0xffff)
		return -1;
	*h = (uint32_t)maj << 16;
	return 0;
}

/* "1:10" -> 0x10010, "1:" -> 0x10000 (get_tc_classid). */
static int parse_classid(const char *s, uint32_t *h)
{
	char *end;
	unsigned long maj = strtoul(s, &end, 16), min = 0;

	if (end == s || *end != ':' || maj > 0xffff)
		return -1;
	s = end + 1;
	if (*s) {
		min = strtoul(s, &end, 16);
		if (*end || min > 0xffff)
			return -1;
	}
	*h = (uint32_t)(maj << 16 | min);
	return 0;
}

/* tc's matches(): a non-empty prefix of word. */
static bool matches(const char *arg, const char *word)
{
	return *arg && !strncmp(word, arg, strlen(arg));
}

/* ---- state ---- */

/* Lookups take a const state and hand out a mutable class: the one cast is here. */
static struct cls *cls_find(const struct fake_tc *t, uint32_t minor)
{
	for (size_t i = 0; i < MAX_CLASSES; i++)
		if (t->cls[i].used && t->cls[i].minor == minor)
			return (struct cls *)&t->cls[i];
	return NULL;
}

static bool cls_has_children(const struct fake_tc *t, const struct cls *c)
{
	for (size_t i = 0; i < MAX_CLASSES; i++)
		if (t->cls[i].used && t->cls[i].parent == c->minor)
			return true;
	return false;
}

static int cls_level(const struct fake_tc *t, const struct cls *c)
{
	const struct cls *p;

	if (!cls_has_children(t, c))
		return 0;
	p = c->parent ? cls_find(t, c->parent) : NULL;
	return (p ? cls_level(t, p) : HTB_MAXDEPTH) - 1;
}

static int cls_depth(const struct fake_tc *t, const struct cls *c)
{
	const struct cls *p = c->parent ? cls_find(t, c->parent) : NULL;

	return p ? 1 + cls_depth(t, p) : 1;
}

static bool htb_root(const struct fake_tc *t)
{
	return !strcmp(t->root.kind, "htb");
}

uint64_t fake_tc_limit_bps(const struct fake_tc *t)
{
	const struct cls *c;
	uint64_t lim = UINT64_MAX;

	if (!htb_root(t))
		return 0;
	c = cls_find(t, t->root.defcls);
	if (!c || cls_has_children(t, c))
		return 0; /* unclassified packets go out directly */
	for (; c; c = c->parent ? cls_find(t, c->parent) : NULL)
		lim = c->ceil < lim ? c->ceil : lim;
	return lim * 8;
}

/* ---- show ---- */

static json_object *qdisc_json(const struct qdisc *q, uint32_t parent, bool root)
{
	json_object *o = json_object_new_object(), *opts = json_object_new_object();
	char h[16];

	json_object_object_add(o, "kind", json_object_new_string(q->kind[0] ? q->kind : "noqueue"));
	snprintf(h, sizeof(h), "%x:", q->handle >> 16);
	json_object_object_add(o, "handle", json_object_new_string(h));
	if (root) {
		json_object_object_add(o, "root", json_object_new_boolean(1));
		json_object_object_add(o, "refcnt", json_object_new_int(q->kind[0] ? 3 : 2));
	} else {
		snprintf(h, sizeof(h), "%x:%x", parent >> 16, parent & 0xffff);
		json_object_object_add(o, "parent", json_object_new_string(h));
	}
	if (!strcmp(q->kind, "htb")) {
		snprintf(h, sizeof(h), "0x%x", q->defcls);
		json_object_object_add(opts, "r2q", json_object_new_int((int)q->r2q));
		json_object_object_add(opts, "default", json_object_new_string(h));
		json_object_object_add(opts, "direct_packets_stat", json_object_new_int(0));
		json_object_object_add(opts, "ver", json_object_new_string("3.17"));
		json_object_object_add(opts, "direct_qlen",
				       json_object_new_int((int)q->direct_qlen));
	} else if (!strcmp(q->kind, "pfifo")) {
		json_object_object_add(opts, "limit", json_object_new_int((int)q->limit));
	} else if (!strcmp(q->kind, "fq_codel")) {
		json_object_object_add(opts, "limit", json_object_new_int((int)q->limit));
		json_object_object_add(opts, "flows", json_object_new_int(1024));
		json_object_object_add(opts, "quantum", json_object_new_int(1514));
		json_object_object_add(opts, "target", json_object_new_int(4999));
		json_object_object_add(opts, "interval", json_object_new_int(99999));
		json_object_object_add(opts, "memory_limit", json_object_new_int(33554432));
		json_object_object_add(opts, "ecn", json_object_new_boolean(1));
		json_object_object_add(opts, "drop_batch", json_object_new_int(64));
	}
	json_object_object_add(o, "options", opts);
	return o;
}

/* Classes from the highest minor down: the order 6.1 printed 1:10 and 1:1 in. */
static const struct cls *cls_by_rank(const struct fake_tc *t, size_t rank)
{
	const struct cls *v[MAX_CLASSES];
	size_t n = 0;

	for (size_t i = 0; i < MAX_CLASSES; i++)
		if (t->cls[i].used)
			v[n++] = &t->cls[i];
	for (size_t i = 1; i < n; i++) /* insertion sort, descending minor */
		for (size_t j = i; j > 0 && v[j]->minor > v[j - 1]->minor; j--) {
			const struct cls *x = v[j];

			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	return rank < n ? v[rank] : NULL;
}

static void show_qdiscs(struct fake_tc *t, FILE *out)
{
	json_object *arr = json_object_new_array();
	const struct cls *c;

	json_object_array_add(arr, qdisc_json(&t->root, 0, true));
	for (size_t r = 0; (c = cls_by_rank(t, r)); r++)
		if (c->leaf.kind[0] && !cls_has_children(t, c))
			json_object_array_add(arr, qdisc_json(&c->leaf, t->root.handle | c->minor,
							      false));
	fprintf(out, "%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN));
	json_object_put(arr);
}

static void show_class(struct fake_tc *t, const struct cls *c, FILE *out)
{
	uint32_t maj = t->root.handle >> 16;
	int level = cls_level(t, c);
	char rate[32], ceil[32], b[32], cb[32];

	fprintf(out, "class htb %x:%x ", maj, c->minor);
	if (c->parent)
		fprintf(out, "parent %x:%x ", maj, c->parent);
	else
		fputs("root ", out);
	if (!level && c->leaf.kind[0])
		fprintf(out, "leaf %x: ", c->leaf.handle >> 16);
	if (!level)
		fprintf(out, "prio %u quantum %u ", c->prio, c->quantum);
	print_rate(rate, sizeof(rate), c->rate);
	print_rate(ceil, sizeof(ceil), c->ceil);
	print_size(b, sizeof(b), xmitsize(c->rate, c->buffer));
	print_size(cb, sizeof(cb), xmitsize(c->ceil, c->cbuffer));
	fprintf(out,
		"rate %s ceil %s linklayer ethernet burst %s/1 mpu 0b cburst %s/1 mpu 0b level %d \n",
		rate, ceil, b, cb, level);
}

static void show_classes(struct fake_tc *t, FILE *out)
{
	const struct cls *c;

	if (!htb_root(t))
		return;
	for (size_t r = 0; (c = cls_by_rank(t, r)); r++)
		show_class(t, c, out);
}

/* ---- qdisc add/replace/del ---- */

static bool kind_known(const struct fake_tc *t, const char *kind)
{
	return !strcmp(kind, "htb") || !strcmp(kind, "pfifo") ||
	       (t->fq_codel && !strcmp(kind, "fq_codel"));
}

/* Qdisc options after the kind (q_htb.c, q_fifo.c, q_fq_codel.c). */
static int parse_qopts(struct req *rq, char **argv, int argc, FILE *err)
{
	static const char *const codel_keys[] = { "flows",     "target",       "interval",
						  "quantum",   "ce_threshold", "memory_limit",
						  "drop_batch" };
	bool htb = !strcmp(rq->kind, "htb"), codel = !strcmp(rq->kind, "fq_codel");

	rq->q.r2q = 10;
	rq->q.direct_qlen = TXQUEUELEN;
	for (int i = 0; i < argc; i++) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool ok = false;

		if (codel && (!strcmp(k, "ecn") || !strcmp(k, "noecn")))
			continue;
		if (v && htb && !strcmp(k, "default"))
			ok = !parse_u32(v, 16, &rq->q.defcls);
		else if (v && htb && !strcmp(k, "r2q"))
			ok = !parse_u32(v, 10, &rq->q.r2q) && rq->q.r2q;
		else if (v && htb && !strcmp(k, "direct_qlen"))
			ok = !parse_u32(v, 10, &rq->q.direct_qlen);
		else if (v && !htb && !strcmp(k, "limit"))
			ok = rq->has_limit = !parse_u32(v, 10, &rq->q.limit);
		for (size_t j = 0; v && codel && !ok && j < DAQS_ARRAY_SIZE(codel_keys); j++)
			ok = !strcmp(k, codel_keys[j]);
		if (!ok) {
			fprintf(err, "What is \"%s\"?\n", k);
			return -1;
		}
		i++;
	}
	return 0;
}

static void qdisc_create(struct fake_tc *t, struct qdisc *slot, const struct req *rq, bool root)
{
	struct qdisc q = rq->q;

	snprintf(q.kind, sizeof(q.kind), "%s", rq->kind);
	q.handle = rq->has_handle ? rq->handle : (t->next_handle++ & 0xffff) << 16;
	if (!rq->has_limit)
		q.limit = !strcmp(q.kind, "fq_codel") ? FQ_CODEL_LIMIT : TXQUEUELEN;
	if (root)
		memset(t->cls, 0, sizeof(t->cls)); /* the old root and its classes are destroyed */
	*slot = q;
}

/* tc_modify_qdisc for add (excl) and replace on one slot (the root or a class's leaf). */
static int qdisc_modify(struct fake_tc *t, struct qdisc *slot, const struct req *rq, bool excl,
			bool root, FILE *err)
{
	bool cur = slot->kind[0] && slot->handle; /* handle 0 = the default: no qdisc */

	if (!kind_known(t, rq->kind)) {
		fputs("Error: Specified qdisc kind is unknown.\n", err);
		return -1;
	}
	if (!cur || (rq->has_handle && slot->handle != rq->handle)) {
		if (cur && excl) {
			fputs("Error: Exclusivity flag on, cannot modify.\n", err);
			return -1;
		}
		qdisc_create(t, slot, rq, root);
		return 0;
	}
	if (!rq->has_handle && !excl && strcmp(slot->kind, rq->kind)) {
		qdisc_create(t, slot, rq, root); /* replace without a handle: graft a new one */
		return 0;
	}
	if (excl) {
		fputs("Error: Exclusivity flag on, cannot modify.\n", err);
		return -1;
	}
	if (strcmp(slot->kind, rq->kind)) {
		fputs("Error: Invalid qdisc name: must match existing qdisc.\n", err);
		return -1;
	}
	if (!strcmp(slot->kind, "htb")) {
		fputs("Error: Change operation not supported by specified qdisc.\n", err);
		return -1;
	}
	if (rq->has_limit)
		slot->limit = rq->q.limit;
	return 0;
}

/* The leaf qdisc slot of class parent (X:Y under our root), or NULL with the error printed. */
static struct qdisc *leaf_slot(struct fake_tc *t, uint32_t parent, FILE *err)
{
	struct cls *c;

	if (!t->root.kind[0] || parent >> 16 != t->root.handle >> 16) {
		fputs("Error: Failed to find specified qdisc.\n", err);
		return NULL;
	}
	if (!htb_root(t)) {
		fputs("Error: Specified qdisc is not classful.\n", err);
		return NULL;
	}
	c = cls_find(t, parent & 0xffff);
	if (!c) {
		fputs("Error: Specified class not found.\n", err);
		return NULL;
	}
	if (cls_has_children(t, c)) {
		fputs("RTNETLINK answers: Invalid argument\n", err);
		return NULL;
	}
	return &c->leaf;
}

static int qdisc_del(struct fake_tc *t, const struct req *rq, FILE *err)
{
	struct qdisc *slot = rq->parent_root ? &t->root : leaf_slot(t, rq->parent, err);

	if (!slot)
		return -1;
	if (rq->has_handle && slot->handle != rq->handle) {
		fputs("Error: Invalid handle.\n", err);
		return -1;
	}
	if (!slot->kind[0] || !slot->handle) {
		fputs("Error: Cannot delete qdisc with handle of zero.\n", err);
		return -1;
	}
	if (rq->parent_root)
		memset(t->cls, 0, sizeof(t->cls));
	memset(slot, 0, sizeof(*slot));
	return 0;
}

/* ---- class add/change/replace/del ---- */

static int parse_quantum(struct req *rq, const char *v)
{
	rq->has_quantum = true;
	return parse_size(v, &rq->c.quantum);
}

static int parse_htb_class(struct req *rq, char **argv, int argc, FILE *err)
{
	uint32_t burst = 0, cburst = 0, dummy;

	for (int i = 0; i < argc; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int r = -1;

		if (!v)
			r = -1;
		else if (!strcmp(k, "rate"))
			r = parse_rate(v, &rq->c.rate);
		else if (!strcmp(k, "ceil"))
			r = parse_rate(v, &rq->c.ceil);
		else if (!strcmp(k, "burst") || !strcmp(k, "buffer") || !strcmp(k, "maxburst"))
			r = parse_size(v, &burst);
		else if (!strcmp(k, "cburst") || !strcmp(k, "cbuffer") || !strcmp(k, "cmaxburst"))
			r = parse_size(v, &cburst);
		else if (!strcmp(k, "quantum"))
			r = parse_quantum(rq, v);
		else if (!strcmp(k, "prio"))
			r = parse_u32(v, 10, &rq->c.prio);
		else if (!strcmp(k, "mtu") || !strcmp(k, "mpu") || !strcmp(k, "overhead"))
			r = parse_u32(v, 10, &dummy);
		if (r < 0) {
			fprintf(err, v ? "Illegal \"%s\"\n" : "What is \"%s\"?\n", k);
			return -1;
		}
	}
	if (!rq->c.rate) {
		fputs("\"rate\" is required.\n", err);
		return -1;
	}
	if (!rq->c.ceil)
		rq->c.ceil = rq->c.rate;
	if (!burst)
		burst = (uint32_t)((double)rq->c.rate / TC_HZ + TC_MTU);
	if (!cburst)
		cburst = (uint32_t)((double)rq->c.ceil / TC_HZ + TC_MTU);
	rq->c.buffer = xmittime(rq->c.rate, burst);
	rq->c.cbuffer = xmittime(rq->c.ceil, cburst);
	return 0;
}

/* htb_change_class: rates, buffers, and the kernel's quantum rule for leaves. */
static void cls_set(struct fake_tc *t, struct cls *c, const struct req *rq, FILE *err)
{
	int warn = 0;

	c->rate = rq->c.rate;
	c->ceil = rq->c.ceil;
	c->buffer = rq->c.buffer;
	c->cbuffer = rq->c.cbuffer;
	c->prio = rq->c.prio;
	if (cls_has_children(t, c))
		return;
	c->quantum =
		(uint32_t)(c->rate / t->root.r2q > INT32_MAX ? INT32_MAX : c->rate / t->root.r2q);
	if (!rq->has_quantum && c->quantum < QUANTUM_MIN) {
		warn = -1;
		c->quantum = QUANTUM_MIN;
	}
	if (!rq->has_quantum && c->quantum > QUANTUM_MAX) {
		warn = 1;
		c->quantum = QUANTUM_MAX;
	}
	if (rq->has_quantum)
		c->quantum = rq->c.quantum;
	if (warn)
		fprintf(err, "Warning: sch_htb: quantum of class %X is %s. Consider r2q change.\n",
			t->root.handle | c->minor, warn < 0 ? "small" : "big");
}

static int class_new(struct fake_tc *t, const struct req *rq, FILE *err)
{
	struct cls *parent = NULL, *c = NULL;

	if (!rq->parent_root && (rq->parent & 0xffff)) {
		parent = cls_find(t, rq->parent & 0xffff);
		if (!parent || rq->parent >> 16 != t->root.handle >> 16 ||
		    cls_depth(t, parent) >= HTB_MAXDEPTH - 1) {
			fputs("RTNETLINK answers: Invalid argument\n", err);
			return -1;
		}
	}
	for (size_t i = 0; !c && i < MAX_CLASSES; i++)
		if (!t->cls[i].used)
			c = &t->cls[i];
	if (!c || !(rq->handle & 0xffff)) {
		fputs("RTNETLINK answers: Invalid argument\n", err);
		return -1;
	}
	memset(c, 0, sizeof(*c));
	c->used = true;
	c->minor = (uint16_t)(rq->handle & 0xffff);
	c->parent = parent ? parent->minor : 0;
	if (parent)
		memset(&parent->leaf, 0, sizeof(parent->leaf)); /* an inner class has no qdisc */
	cls_set(t, c, rq, err);
	return 0;
}

static int class_modify(struct fake_tc *t, const struct req *rq, const char *cmd, FILE *err)
{
	struct cls *c;

	if (!t->root.kind[0] || (rq->handle >> 16) != (t->root.handle >> 16)) {
		fputs("RTNETLINK answers: No such file or directory\n", err);
		return -1;
	}
	if (!htb_root(t)) {
		fputs("RTNETLINK answers: Operation not supported\n", err);
		return -1;
	}
	c = cls_find(t, rq->handle & 0xffff);
	if (c && matches(cmd, "add")) {
		fputs("RTNETLINK answers: File exists\n", err);
		return -1;
	}
	if (!c && matches(cmd, "change")) {
		fputs("RTNETLINK answers: No such file or directory\n", err);
		return -1;
	}
	if (!c)
		return class_new(t, rq, err);
	cls_set(t, c, rq, err);
	return 0;
}

static int class_del(struct fake_tc *t, const struct req *rq, FILE *err)
{
	struct cls *c = htb_root(t) ? cls_find(t, rq->handle & 0xffff) : NULL;

	if (!c || (rq->handle >> 16) != (t->root.handle >> 16)) {
		fputs("RTNETLINK answers: No such file or directory\n", err);
		return -1;
	}
	if (cls_has_children(t, c)) {
		fputs("RTNETLINK answers: Device or resource busy\n", err);
		return -1;
	}
	memset(c, 0, sizeof(*c));
	return 0;
}

/* ---- one command line ---- */

/* The common words of tc_qdisc_modify / tc_class_modify; stops at the kind. */
static int parse_common(struct req *rq, bool qdisc, char **argv, int argc, int *used, FILE *err)
{
	int i;

	for (i = 0; i < argc; i++) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int r = 0;

		if (!strcmp(k, "root")) {
			rq->has_parent = rq->parent_root = true;
			continue;
		}
		if (strcmp(k, "dev") && strcmp(k, "parent") && strcmp(k, "handle") &&
		    strcmp(k, "classid"))
			break; /* the kind */
		if (!v) {
			fputs("Command line is not complete. Try option \"help\"\n", err);
			return -1;
		}
		if (!strcmp(k, "dev")) {
			rq->dev = v;
		} else if (!strcmp(k, "parent")) {
			rq->has_parent = true;
			r = parse_classid(v, &rq->parent);
		} else if (qdisc && !strcmp(k, "handle")) {
			rq->has_handle = true;
			r = parse_qhandle(v, &rq->handle);
		} else if (!qdisc && !strcmp(k, "classid")) {
			rq->has_handle = true;
			r = parse_classid(v, &rq->handle);
		} else {
			r = -1;
		}
		if (r < 0) {
			fprintf(err, "Invalid %s ID \"%s\"\n", k, v);
			return -1;
		}
		i++;
	}
	*used = i;
	if (i < argc)
		rq->kind = argv[i];
	return 0;
}

static int dev_check(const struct fake_tc *t, const char *dev, FILE *err)
{
	if (dev && !strcmp(dev, t->ifname))
		return 0;
	fprintf(err, "Cannot find device \"%s\"\n", dev ? dev : "");
	return -1;
}

static int do_qdisc(struct fake_tc *t, char **argv, int argc, FILE *out, FILE *err)
{
	const char *cmd = argc ? argv[0] : "show";
	struct req rq = { 0 };
	int used = 0;

	if (parse_common(&rq, true, argv + 1, argc - 1, &used, err) < 0)
		return -1;
	if (dev_check(t, rq.dev, err) < 0)
		return -1;
	if (matches(cmd, "show") || matches(cmd, "list") || matches(cmd, "ls")) {
		show_qdiscs(t, out);
		return 0;
	}
	if (matches(cmd, "delete"))
		return qdisc_del(t, &rq, err);
	if (!matches(cmd, "add") && !matches(cmd, "replace")) {
		fprintf(err, "Command \"%s\" is unknown, try \"tc qdisc help\".\n", cmd);
		return -1;
	}
	if (!rq.kind || !rq.has_parent) {
		fputs("fake tc: a qdisc without a kind, or without root or parent, is not modelled\n",
		      err);
		return -1;
	}
	if (parse_qopts(&rq, argv + 2 + used, argc - 2 - used, err) < 0)
		return -1;
	if (rq.parent_root)
		return qdisc_modify(t, &t->root, &rq, matches(cmd, "add"), true, err);
	{
		struct qdisc *slot = leaf_slot(t, rq.parent, err);

		return slot ? qdisc_modify(t, slot, &rq, matches(cmd, "add"), false, err) : -1;
	}
}

static int do_class(struct fake_tc *t, char **argv, int argc, FILE *out, FILE *err)
{
	const char *cmd = argc ? argv[0] : "show";
	struct req rq = { 0 };
	int used = 0;

	if (parse_common(&rq, false, argv + 1, argc - 1, &used, err) < 0)
		return -1;
	if (dev_check(t, rq.dev, err) < 0)
		return -1;
	if (matches(cmd, "show") || matches(cmd, "list") || matches(cmd, "ls")) {
		show_classes(t, out);
		return 0;
	}
	if (!rq.has_handle) {
		fputs("RTNETLINK answers: Invalid argument\n", err);
		return -1;
	}
	if (matches(cmd, "delete"))
		return class_del(t, &rq, err);
	if (!matches(cmd, "add") && !matches(cmd, "change") && !matches(cmd, "replace")) {
		fprintf(err, "Command \"%s\" is unknown, try \"tc class help\".\n", cmd);
		return -1;
	}
	if (!rq.kind || strcmp(rq.kind, "htb")) {
		fprintf(err, "fake tc: class kind \"%s\" is not modelled\n",
			rq.kind ? rq.kind : "");
		return -1;
	}
	if (!rq.has_parent) {
		fputs("RTNETLINK answers: Invalid argument\n", err);
		return -1;
	}
	if (parse_htb_class(&rq, argv + 2 + used, argc - 2 - used, err) < 0)
		return -1;
	return class_modify(t, &rq, cmd, err);
}

static int do_line(struct fake_tc *t, char **argv, int argc, FILE *out, FILE *err)
{
	if (matches(argv[0], "qdisc"))
		return do_qdisc(t, argv + 1, argc - 1, out, err);
	if (matches(argv[0], "class"))
		return do_class(t, argv + 1, argc - 1, out, err);
	fprintf(err, "Object \"%s\" is unknown, try \"tc help\".\n", argv[0]);
	return -1;
}

/* ---- the program ---- */

/* Split one line into words (tc's makeargs without quoting); returns the count. */
static int split(char *line, char **argv)
{
	char *save = NULL, *w;
	int n = 0;

	for (w = strtok_r(line, " \t\r", &save); w && n < MAX_ARGS;
	     w = strtok_r(NULL, " \t\r", &save)) {
		if (*w == '#')
			break;
		argv[n++] = w;
	}
	return n;
}

static int run_batch(struct fake_tc *t, const char *input, FILE *out, FILE *err)
{
	char *copy = daqs_strdup(input ? input : ""), *line, *next, *argv[MAX_ARGS];
	int lineno = 0, rc = 0, argc;

	for (line = copy; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else if (!*line)
			break; /* after the last newline */
		lineno++;
		argc = split(line, argv);
		if (argc && do_line(t, argv, argc, out, err) < 0) {
			fprintf(err, "Command failed -:%d\n", lineno);
			rc = 1;
			break;
		}
	}
	free(copy);
	return rc;
}

int fake_tc_run(struct fake_tc *t, const char *const *argv, size_t argc, const char *input,
		char **out, char **err)
{
	size_t olen, elen, i;
	FILE *o = open_memstream(out, &olen), *e = open_memstream(err, &elen);
	bool json = false, details = false, batch = false;
	int rc = 0;

	for (i = 0; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "-json")) {
			json = true;
		} else if (!strcmp(argv[i], "-d") || !strcmp(argv[i], "-details")) {
			details = true;
		} else if (!strcmp(argv[i], "-batch") && i + 1 < argc &&
			   !strcmp(argv[i + 1], "-")) {
			batch = true;
			i++;
		} else {
			fprintf(e, "Option \"%s\" is unknown, try \"tc -help\".\n", argv[i]);
			rc = 1;
			break;
		}
	}
	if (!rc && (!json || !details || !batch || i < argc)) {
		fputs("fake tc: only `tc -j -d -batch -` is modelled\n", e);
		rc = 1;
	}
	if (!rc)
		rc = run_batch(t, input, o, e);
	fclose(o);
	fclose(e);
	return rc;
}
