/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "tcplan.h"

#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "netname.h"
#include "sla.h"
#include "units.h"

#define ROOT_MAJ 1u
#define PARENT_MIN 0x1u
#define LEAF_MIN 0x10u /* "1:10": tc reads class minors as hex */
#define DEFAULT_MTU 1500u
#define MIN_MTU 68u
#define MAX_MTU 65535u
#define QUANTUM_MAX 200000u
#define MAX_LIMIT_BPS (10ULL * DAQS_TBIT) /* burst (1 ms) must fit tc's u32 bytes */
#define SIZE_SLACK 16u			  /* "4Kb" printing is within 16 bytes */
#define MIB (1024u * 1024u)
#define MIB_SLACK 1024u /* "5Mb" printing is within 1 KiB */

uint64_t daqs_tcplan_burst_us(uint64_t rate_bps, uint32_t mtu, uint32_t burst_us)
{
	uint64_t b, floor;

	if (!burst_us)
		burst_us = 1000;
	b = rate_bps / 8 / 1000 * burst_us / 1000; /* rate x 1 ms first: no overflow */
	if (!mtu)
		mtu = DEFAULT_MTU;
	floor = 2ULL * mtu + 1024;
	b = b > floor ? b : floor;
	return b > UINT32_MAX ? UINT32_MAX : b; /* tc's burst is a u32 of bytes */
}

uint64_t daqs_tcplan_burst(uint64_t rate_bps, uint32_t mtu)
{
	return daqs_tcplan_burst_us(rate_bps, mtu, 1000);
}

uint64_t daqs_tcplan_quantum(uint64_t rate_bps, uint32_t mtu)
{
	uint64_t q = daqs_tcplan_burst(rate_bps, mtu);

	if (!mtu)
		mtu = DEFAULT_MTU;
	if (q < mtu)
		q = mtu;
	return q > QUANTUM_MAX ? QUANTUM_MAX : q;
}

/* ---- batch text ---- */

static char *class_line(const char *dev, const char *parent, const char *classid, const char *rate,
			uint64_t burst, uint64_t quantum)
{
	return daqs_asprintf("class replace dev %s parent %s classid %s htb rate %s ceil %s "
			     "burst %llub cburst %llub quantum %llu\n",
			     dev, parent, classid, rate, rate, (unsigned long long)burst,
			     (unsigned long long)burst, (unsigned long long)quantum);
}

bool daqs_tcplan_ifname_valid(const char *ifname)
{
	return daqs_netname_ifname_valid(ifname) && !strchr(ifname, '#') && ifname[0] != '"' &&
	       ifname[0] != '\'';
}

static bool in_valid(const struct daqs_tcplan_in *in)
{
	if (!in || !daqs_tcplan_ifname_valid(in->ifname))
		return false;
	if (in->mtu && (in->mtu < MIN_MTU || in->mtu > MAX_MTU))
		return false;
	if (in->limit_bps == DAQS_RATE_UNLIMITED)
		return true;
	/* tc keeps bytes/s: below 8 bit/s it would be 0 */
	return in->limit_bps >= 8 && in->limit_bps <= MAX_LIMIT_BPS;
}

static char *root_lines(const struct daqs_tcplan_in *in)
{
	const char *dev = in->ifname;

	if (in->have_root)
		return daqs_strdup("");
	if (in->root_conflict)
		return daqs_asprintf("qdisc del dev %s root handle 1:\n"
				     "qdisc replace dev %s root handle 1: htb default 10\n",
				     dev, dev);
	return daqs_asprintf("qdisc replace dev %s root handle 1: htb default 10\n", dev);
}

int daqs_tcplan_remove(const char *ifname, char **batch)
{
	if (!daqs_tcplan_ifname_valid(ifname))
		return -EINVAL;
	*batch = daqs_asprintf("qdisc del dev %s root handle 1:\n", ifname);
	return 0;
}

int daqs_tcplan_apply(const struct daqs_tcplan_in *in, char **batch)
{
	char rate[48], *root, *c1, *c10, *leaf;
	uint64_t burst, quantum;

	if (!in_valid(in))
		return -EINVAL;
	if (in->limit_bps == DAQS_RATE_UNLIMITED) {
		if (in->have_root)
			return daqs_tcplan_remove(in->ifname, batch);
		*batch = daqs_strdup("");
		return 0;
	}
	daqs_units_format_rate(in->limit_bps, rate, sizeof(rate));
	burst = daqs_tcplan_burst_us(in->limit_bps, in->mtu, in->burst_us);
	quantum = daqs_tcplan_quantum(in->limit_bps, in->mtu);
	root = root_lines(in);
	c1 = class_line(in->ifname, "1:", "1:1", rate, burst, quantum);
	c10 = class_line(in->ifname, "1:1", "1:10", rate, burst, quantum);
	if (in->fq_codel)
		leaf = daqs_asprintf("qdisc replace dev %s parent 1:10 fq_codel\n", in->ifname);
	else
		leaf = daqs_asprintf("qdisc replace dev %s parent 1:10 pfifo limit %u\n",
				     in->ifname, DAQS_TCPLAN_PFIFO_LIMIT);
	*batch = daqs_asprintf("%s%s%s%s", root, c1, c10, leaf);
	free(root);
	free(c1);
	free(c10);
	free(leaf);
	return 0;
}

void daqs_tcplan_in_set_root(struct daqs_tcplan_in *in, const struct daqs_tc_state *st)
{
	in->have_root = st->have_root && st->defcls == LEAF_MIN;
	in->root_conflict = st->root_handle1 && !in->have_root;
}

/* ---- readback ---- */

/* A tc handle "1:", "1:10", "ffff:" (hex); "root" is not a handle. */
static int parse_handle(const char *s, uint32_t *maj, uint32_t *min)
{
	char *end;
	unsigned long a, b = 0;

	if (!s || !isxdigit((unsigned char)*s))
		return -EPROTO;
	a = strtoul(s, &end, 16);
	if (*end != ':' || a > 0xffff)
		return -EPROTO;
	s = end + 1;
	if (*s) {
		if (!isxdigit((unsigned char)*s))
			return -EPROTO;
		b = strtoul(s, &end, 16);
		if (*end || b > 0xffff)
			return -EPROTO;
	}
	*maj = (uint32_t)a;
	*min = (uint32_t)b;
	return 0;
}

/* One class as read back, from JSON or text. */
struct tc_class {
	char kind[16];
	uint32_t maj, min, pmaj, pmin;
	bool root, has_parent;
	uint64_t rate_bps, ceil_bps, burst, cburst, quantum;
};

static void class_store(const struct tc_class *c, struct daqs_tc_state *st)
{
	if (c->maj != ROOT_MAJ)
		return;
	if (c->min == PARENT_MIN && c->root) {
		st->have_parent = true;
		st->parent_rate_bps = c->rate_bps;
		st->parent_ceil_bps = c->ceil_bps;
	} else if (c->min == LEAF_MIN && c->has_parent && c->pmaj == ROOT_MAJ &&
		   c->pmin == PARENT_MIN) {
		st->have_leaf = true;
		st->rate_bps = c->rate_bps;
		st->ceil_bps = c->ceil_bps;
		st->burst_bytes = c->burst;
		st->cburst_bytes = c->cburst;
		st->quantum = c->quantum;
	}
}

static int copy_kind(char *dst, size_t n, const char *s)
{
	if (!s || !*s || strlen(s) >= n)
		return -EPROTO;
	strcpy(dst, s);
	return 0;
}

/* ---- JSON ---- */

/* The whole text must be one JSON array (trailing white space allowed). */
static json_object *json_parse_array(const char *text, int *r)
{
	struct json_tokener *tok = json_tokener_new();
	size_t len = strlen(text), end;
	json_object *o = NULL;

	*r = 0;
	if (len < INT32_MAX)
		o = json_tokener_parse_ex(tok, text, (int)len);
	end = o ? json_tokener_get_parse_end(tok) : 0;
	json_tokener_free(tok);
	while (end < len && isspace((unsigned char)text[end]))
		end++;
	if (!o || end != len || !json_object_is_type(o, json_type_array)) {
		json_object_put(o);
		*r = -EPROTO;
		return NULL;
	}
	return o;
}

static const char *json_str(json_object *obj, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool json_true(json_object *obj, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(obj, key, &v) &&
	       json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

/* Optional non-negative integer; absent leaves *out alone. */
static int json_u64(json_object *obj, const char *key, uint64_t *out)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
		return -EPROTO;
	*out = json_object_get_uint64(v);
	return 0;
}

static int qdisc_root(json_object *q, const char *kind, struct daqs_tc_state *st)
{
	json_object *opts;
	const char *def;
	uint32_t maj, min;
	char *end;
	unsigned long d;

	if (parse_handle(json_str(q, "handle"), &maj, &min) < 0)
		return -EPROTO;
	if (maj != ROOT_MAJ)
		return 0;
	st->root_handle1 = true;
	if (strcmp(kind, "htb") != 0)
		return 0;
	st->have_root = true;
	if (!json_object_object_get_ex(q, "options", &opts))
		return 0;
	def = json_str(opts, "default");
	if (!def)
		return 0;
	d = strtoul(def, &end, 16);
	if (end == def || *end || d > 0xffff)
		return -EPROTO;
	st->defcls = (uint32_t)d;
	return 0;
}

static int qdisc_one(json_object *q, struct daqs_tc_state *st)
{
	const char *kind = json_str(q, "kind"), *parent;
	uint32_t maj, min;

	if (!json_object_is_type(q, json_type_object) || !kind)
		return -EPROTO;
	if (json_true(q, "root"))
		return qdisc_root(q, kind, st);
	parent = json_str(q, "parent");
	if (!parent || parse_handle(parent, &maj, &min) < 0)
		return 0; /* ingress/clsact ("ffff:fff1") and the like */
	if (maj == ROOT_MAJ && min == LEAF_MIN)
		return copy_kind(st->leaf_qdisc, sizeof(st->leaf_qdisc), kind);
	return 0;
}

/* Run one(element, st) over every element of a JSON array document; stops at the first error. */
static int parse_array(const char *text, struct daqs_tc_state *st,
		       int (*one)(json_object *, struct daqs_tc_state *))
{
	json_object *arr;
	int r;

	arr = json_parse_array(text, &r);
	if (r < 0)
		return r;
	for (size_t i = 0; i < json_object_array_length(arr) && r == 0; i++)
		r = one(json_object_array_get_idx(arr, i), st);
	json_object_put(arr);
	return r;
}

/* Later iproute2: rate/ceil in bytes per second, burst/cburst in bytes. */
static int class_json_one(json_object *o, struct daqs_tc_state *st)
{
	struct tc_class c = { 0 };
	const char *parent;

	if (!json_object_is_type(o, json_type_object) ||
	    copy_kind(c.kind, sizeof(c.kind), json_str(o, "class")) < 0)
		return -EPROTO;
	if (strcmp(c.kind, "htb") != 0)
		return 0;
	if (parse_handle(json_str(o, "handle"), &c.maj, &c.min) < 0)
		return -EPROTO;
	c.root = json_true(o, "root");
	parent = json_str(o, "parent");
	if (parent) {
		if (parse_handle(parent, &c.pmaj, &c.pmin) < 0)
			return -EPROTO;
		c.has_parent = true;
	}
	if (json_u64(o, "rate", &c.rate_bps) < 0 || json_u64(o, "ceil", &c.ceil_bps) < 0 ||
	    json_u64(o, "burst", &c.burst) < 0 || json_u64(o, "cburst", &c.cburst) < 0 ||
	    json_u64(o, "quantum", &c.quantum) < 0)
		return -EPROTO;
	if (c.rate_bps > UINT64_MAX / 8 || c.ceil_bps > UINT64_MAX / 8)
		return -EPROTO;
	c.rate_bps *= 8;
	c.ceil_bps *= 8;
	class_store(&c, st);
	return 0;
}

/* ---- iproute2 6.1 class text ---- */

/* "5000000b", "4Kb", "5Mb", with an optional "/cell" suffix; 1024-based. */
static int text_size(const char *s, uint64_t *out)
{
	static const struct {
		const char *unit;
		uint64_t mult;
	} units[] = {
		{ "b", 1 }, { "Kb", 1024 }, { "Mb", 1024 * 1024 }, { "Gb", 1024 * 1024 * 1024 }
	};
	char *end;
	unsigned long long v;
	size_t ulen;

	if (!isdigit((unsigned char)*s))
		return -EPROTO;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || v > UINT32_MAX)
		return -EPROTO; /* tc sizes are u32 */
	ulen = strcspn(end, "/");
	for (size_t i = 0; i < DAQS_ARRAY_SIZE(units); i++)
		if (strlen(units[i].unit) == ulen && strncmp(end, units[i].unit, ulen) == 0) {
			*out = v * units[i].mult;
			return 0;
		}
	return -EPROTO;
}

static int text_rate(const char *s, uint64_t *out)
{
	return daqs_units_parse_rate(s, out, NULL, 0) < 0 ? -EPROTO : 0;
}

static int text_uint(const char *s, uint64_t *out)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EPROTO;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end ? -EPROTO : 0;
}

/* Tokens after "class KIND HANDLE": "root" alone, everything else "key value". */
static int text_field(struct tc_class *c, const char *key, const char *val)
{
	if (!val)
		return -EPROTO;
	if (strcmp(key, "parent") == 0) {
		c->has_parent = true;
		return parse_handle(val, &c->pmaj, &c->pmin);
	}
	if (strcmp(key, "rate") == 0)
		return text_rate(val, &c->rate_bps);
	if (strcmp(key, "ceil") == 0)
		return text_rate(val, &c->ceil_bps);
	if (strcmp(key, "burst") == 0)
		return text_size(val, &c->burst);
	if (strcmp(key, "cburst") == 0)
		return text_size(val, &c->cburst);
	if (strcmp(key, "quantum") == 0)
		return text_uint(val, &c->quantum);
	return 0; /* leaf prio linklayer mpu level overhead buffer cbuffer ... */
}

static int text_class_line(char *line, struct daqs_tc_state *st)
{
	struct tc_class c = { 0 };
	char *save = NULL, *kind, *handle, *key;
	int r;

	strtok_r(line, " \t", &save); /* "class" */
	kind = strtok_r(NULL, " \t", &save);
	handle = strtok_r(NULL, " \t", &save);
	if (copy_kind(c.kind, sizeof(c.kind), kind) < 0)
		return -EPROTO;
	if (strcmp(kind, "htb") != 0)
		return 0; /* mq, fq_codel... print handles like ":1" */
	if (parse_handle(handle, &c.maj, &c.min) < 0)
		return -EPROTO;
	while ((key = strtok_r(NULL, " \t", &save))) {
		if (strcmp(key, "root") == 0) {
			c.root = true;
			continue;
		}
		r = text_field(&c, key, strtok_r(NULL, " \t", &save));
		if (r < 0)
			return r;
	}
	class_store(&c, st);
	return 0;
}

/* Lines starting "class " are classes; indented lines are statistics. */
static int parse_classes_text(const char *text, struct daqs_tc_state *st)
{
	char *copy = daqs_strdup(text), *save = NULL, *line;
	int r = 0;

	for (line = strtok_r(copy, "\n", &save); line && r == 0;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "class ", 6) == 0) {
			r = text_class_line(line, st);
		} else if (line[0] != ' ' && line[0] != '\t' && line[0] != '\r') {
			r = -EPROTO;
		}
	}
	free(copy);
	return r;
}

static const char *skip_space(const char *s)
{
	while (s && isspace((unsigned char)*s))
		s++;
	return s;
}

int daqs_tcplan_parse(const char *qdisc_json, const char *class_out, struct daqs_tc_state *st)
{
	const char *q = skip_space(qdisc_json), *c = skip_space(class_out);
	int r = 0;

	memset(st, 0, sizeof(*st));
	if (q && *q)
		r = parse_array(q, st, qdisc_one);
	if (r == 0 && c && *c)
		r = *c == '[' ? parse_array(c, st, class_json_one) : parse_classes_text(c, st);
	if (r < 0)
		memset(st, 0, sizeof(*st));
	return r < 0 ? -EPROTO : 0;
}

/* The first JSON value's length in text (after leading space), or 0 when there is none. */
static size_t json_value_len(const char *text)
{
	struct json_tokener *tok = json_tokener_new();
	size_t len = strlen(text), end = 0;
	json_object *o = NULL;

	if (len < INT32_MAX)
		o = json_tokener_parse_ex(tok, text, (int)len);
	if (o)
		end = json_tokener_get_parse_end(tok);
	json_object_put(o);
	json_tokener_free(tok);
	return end;
}

char *daqs_tcplan_readback(const char *ifname)
{
	return daqs_asprintf("qdisc show dev %s\nclass show dev %s\n", ifname, ifname);
}

int daqs_tcplan_parse_batch(const char *out, struct daqs_tc_state *st)
{
	const char *q = skip_space(out);
	size_t n;
	char *qdiscs;
	int r;

	memset(st, 0, sizeof(*st));
	if (!q || *q != '[')
		return -EPROTO;
	n = json_value_len(q);
	if (n == 0)
		return -EPROTO;
	qdiscs = daqs_strndup(q, n);
	r = daqs_tcplan_parse(qdiscs, q + n, st);
	free(qdiscs);
	return r;
}

/* ---- matching ---- */

static bool near(uint64_t got, uint64_t want, uint32_t ppm, uint64_t slack)
{
	uint64_t d = got > want ? got - want : want - got;
	uint64_t tol = want / 1000000 * ppm + want % 1000000 * ppm / 1000000 + slack;

	return d <= tol;
}

/*
 * Not collapsed: at least rate x 1 ms, less what the round trip loses. tc
 * sends the burst as whole microseconds, then 64 ns ticks, and prints it back
 * from whole microseconds again: < 2 us of bytes (< 0.2 % of 1 ms) plus one
 * byte; 6.1 text prints "1Mb" for sizes within 1 KiB of a MiB multiple.
 */
static bool burst_ok(uint64_t burst, uint64_t limit_bps, uint32_t burst_us)
{
	uint64_t want = limit_bps / 8 / 1000 * (burst_us ? burst_us : 1000) / 1000, slack;

	if (want > UINT32_MAX)
		want = UINT32_MAX;
	slack = want >= MIB ? MIB_SLACK + SIZE_SLACK : SIZE_SLACK;

	return burst >= want || near(burst, want, DAQS_TCPLAN_BURST_TOL_PPM, slack);
}

bool daqs_tcplan_matches(const struct daqs_tc_state *st, uint64_t limit_bps, uint32_t tol_ppm)
{
	return daqs_tcplan_matches_burst(st, limit_bps, tol_ppm, 1000);
}

bool daqs_tcplan_matches_burst(const struct daqs_tc_state *st, uint64_t limit_bps, uint32_t tol_ppm,
			       uint32_t burst_us)
{
	uint64_t want = limit_bps / 8 * 8; /* tc keeps bytes per second */

	if (limit_bps == DAQS_RATE_UNLIMITED)
		return !st->have_root;
	if (!st->have_root || st->defcls != LEAF_MIN || !st->have_parent || !st->have_leaf ||
	    !st->leaf_qdisc[0])
		return false;
	return near(st->rate_bps, want, tol_ppm, 8) && near(st->ceil_bps, want, tol_ppm, 8) &&
	       near(st->parent_rate_bps, want, tol_ppm, 8) &&
	       near(st->parent_ceil_bps, want, tol_ppm, 8) &&
	       burst_ok(st->burst_bytes, limit_bps, burst_us) &&
	       burst_ok(st->cburst_bytes, limit_bps, burst_us);
}
