/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What daqsd reads of a libvirt domain XML: its NICs and its daqs metadata (see domxml.h). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "domxml.h"

/* Where the scanner is: the names of the open elements that matter (levels 0-2). */
struct scan {
	const char *p;
	int depth;
	bool in_domain, in_devices, in_iface; /* the path is domain / devices / interface */
	bool in_metadata, in_meta;	      /* domain / metadata, and in it the daqs element */
	struct daqs_domxml_nics *out;
};

struct tag {
	const char *name, *attrs, *end; /* attrs up to end (the '>' or "/>") */
	size_t name_len;
	bool closing, empty;
};

static bool name_is(const struct tag *t, const char *s)
{
	return t->name_len == strlen(s) && !strncmp(t->name, s, t->name_len);
}

static bool space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Past what starts at p (open) up to and including close; NULL if it never ends. */
static const char *skip_past(const char *p, const char *open, const char *close)
{
	const char *e = strstr(p + strlen(open), close);

	return e ? e + strlen(close) : NULL;
}

/* A tag at p ('<'): its name, attributes, end; NULL next on a malformed or unended tag. */
static const char *read_tag(const char *p, struct tag *t)
{
	char q = 0;

	memset(t, 0, sizeof(*t));
	p++;
	t->closing = *p == '/';
	p += t->closing;
	t->name = p;
	while (*p && !space(*p) && *p != '>' && *p != '/')
		p++;
	t->name_len = (size_t)(p - t->name);
	if (!t->name_len)
		return NULL;
	t->attrs = p;
	for (; *p && (q || *p != '>'); p++)
		if (q && *p == q)
			q = 0;
		else if (!q && (*p == '\'' || *p == '"'))
			q = *p;
	if (!*p)
		return NULL;
	t->empty = p > t->attrs && p[-1] == '/';
	t->end = p - t->empty;
	return p + 1;
}

/* One attribute: its name and value (not NUL-terminated), as they stand in the tag. */
struct attr {
	const char *k, *v;
	size_t kl, vl;
};

/* The attribute at *p in t into *a, *p past it; false at the end or on a malformed one. */
static bool next_attr(const struct tag *t, const char **p, struct attr *a)
{
	const char *s = *p;
	char q;

	while (s < t->end && space(*s))
		s++;
	if (s >= t->end)
		return false;
	for (a->k = s; s < t->end && *s != '=' && !space(*s); s++)
		;
	a->kl = (size_t)(s - a->k);
	while (s < t->end && space(*s))
		s++;
	if (s >= t->end || *s++ != '=')
		return false;
	while (s < t->end && space(*s))
		s++;
	if (s >= t->end || (*s != '\'' && *s != '"'))
		return false;
	q = *s++;
	for (a->v = s; s < t->end && *s != q; s++)
		;
	if (s >= t->end)
		return false;
	a->vl = (size_t)(s - a->v);
	*p = s + 1;
	return true;
}

static bool attr_is(const struct attr *a, const char *key)
{
	return a->kl == strlen(key) && !strncmp(a->k, key, a->kl);
}

/* Attribute key's value in t into buf (len bytes, NUL-terminated); false if absent or too long. */
static bool attr(const struct tag *t, const char *key, char *buf, size_t len)
{
	const char *p = t->attrs;
	struct attr a;

	while (next_attr(t, &p, &a))
		if (attr_is(&a, key)) {
			if (a.vl >= len)
				return false;
			memcpy(buf, a.v, a.vl);
			buf[a.vl] = '\0';
			return true;
		}
	return false;
}

/* A namespace declaration: xmlns (prefix_len 0) or xmlns:PREFIX. */
static bool is_decl(const struct attr *a, const char **prefix, size_t *prefix_len)
{
	if (attr_is(a, "xmlns")) {
		*prefix_len = 0;
		return true;
	}
	if (a->kl > 6 && !strncmp(a->k, "xmlns:", 6)) {
		*prefix = a->k + 6;
		*prefix_len = a->kl - 6;
		return true;
	}
	return false;
}

/* Does a declares the daqs SLA namespace for the prefix (len plen; 0: the default)? */
static bool declares_ns_for(const struct attr *a, const char *pfx, size_t plen)
{
	const char *p = NULL;
	size_t pl;

	if (!is_decl(a, &p, &pl) || pl != plen || (plen && strncmp(p, pfx, plen)))
		return false;
	return a->vl == strlen(DAQS_SLA_META_NS) && !strncmp(a->v, DAQS_SLA_META_NS, a->vl);
}

static bool copy_text(char *dst, size_t size, const char *s, size_t len)
{
	if (len >= size)
		return false;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return true;
}

/*
 * A child of <metadata>: the daqs element if it declares the namespace and is
 * in it (PREFIX:NAME with that prefix, or unprefixed under xmlns=). Returns
 * whether it is.
 */
static bool meta_element(struct scan *s, const struct tag *t)
{
	struct daqs_sla_meta *m = &s->out->meta;
	const char *p = t->attrs, *local = t->name, *dp;
	const char *colon = memchr(t->name, ':', t->name_len);
	size_t plen = colon ? (size_t)(colon - t->name) : 0, local_len = t->name_len, dl;
	struct attr a;
	bool ours = false;

	/* in the namespace: its own prefix (or none) bound to it on this element */
	while (next_attr(t, &p, &a))
		ours |= declares_ns_for(&a, t->name, plen);
	if (!ours)
		return false;
	if (colon) {
		local = colon + 1;
		local_len = t->name_len - plen - 1;
	}
	if (m->present) {
		m->refused = DAQS_SLA_META_TWICE;
		return true;
	}
	m->present = true;
	if (!copy_text(m->elem, sizeof(m->elem), local, local_len))
		m->refused = DAQS_SLA_META_TOO_LONG;
	for (p = t->attrs; next_attr(t, &p, &a);) {
		if (is_decl(&a, &dp, &dl))
			continue;
		if (m->n == DAQS_SLA_META_ATTRS) {
			m->refused = DAQS_SLA_META_TOO_MANY;
			break;
		}
		if (!copy_text(m->key[m->n], sizeof(m->key[0]), a.k, a.kl) ||
		    !copy_text(m->val[m->n], sizeof(m->val[0]), a.v, a.vl))
			m->refused = DAQS_SLA_META_TOO_LONG;
		m->n++;
	}
	return true;
}

static void child_of_iface(struct scan *s, const struct tag *t)
{
	struct daqs_domxml_nic *nic;
	char buf[64];

	if (!s->out->n || s->out->n_seen > DAQS_DOMXML_MAX_NICS)
		return;
	nic = &s->out->v[s->out->n - 1];
	/* the first of each counts (libvirt writes one) */
	if (name_is(t, "mac") && !nic->mac[0] && attr(t, "address", buf, sizeof(buf)))
		daqs_netname_mac_parse(buf, strlen(buf), nic->mac); /* written if valid */
	if (name_is(t, "target") && !nic->dev[0] && attr(t, "dev", buf, sizeof(buf)) &&
	    daqs_netname_ifname_valid(buf) && !strchr(buf, '&'))
		memcpy(nic->dev, buf, strlen(buf) + 1);
}

static void open_iface(struct scan *s, const struct tag *t)
{
	struct daqs_domxml_nic *nic;
	char buf[sizeof(nic->type)];

	if (++s->out->n_seen > DAQS_DOMXML_MAX_NICS)
		return;
	nic = &s->out->v[s->out->n++];
	memset(nic, 0, sizeof(*nic));
	if (attr(t, "type", buf, sizeof(buf)) && !strchr(buf, '&'))
		memcpy(nic->type, buf, strlen(buf) + 1);
}

/* An opening (or empty) element at depth s->depth. */
static void element(struct scan *s, const struct tag *t)
{
	bool open = !t->empty;

	if (s->depth == 0 && name_is(t, "domain"))
		s->in_domain = open;
	else if (s->depth == 1 && s->in_domain && name_is(t, "devices"))
		s->in_devices = open;
	else if (s->depth == 1 && s->in_domain && name_is(t, "metadata"))
		s->in_metadata = open;
	else if (s->depth == 2 && s->in_metadata)
		s->in_meta = meta_element(s, t) && open;
	else if (s->depth == 3 && s->in_meta && !s->out->meta.refused)
		s->out->meta.refused = DAQS_SLA_META_CHILDREN;
	else if (s->depth == 2 && s->in_devices && name_is(t, "interface")) {
		open_iface(s, t);
		s->in_iface = open;
	} else if (s->depth == 2 && s->in_devices && name_is(t, "hostdev")) {
		s->out->n_hostdev++;
	} else if (s->depth == 3 && s->in_iface)
		child_of_iface(s, t);
	s->depth += open;
}

static int closing(struct scan *s)
{
	if (--s->depth < 0)
		return -EPROTO;
	if (s->depth == 2)
		s->in_iface = s->in_meta = false;
	else if (s->depth == 1)
		s->in_devices = s->in_metadata = false;
	else if (s->depth == 0)
		s->in_domain = false;
	return 0;
}

static const char *const skips[][2] = {
	{ "<!--", "-->" }, { "<![CDATA[", "]]>" }, { "<?", "?>" }, { "<!", ">" }
};

static int step(struct scan *s)
{
	struct tag t;

	for (size_t i = 0; i < sizeof(skips) / sizeof(*skips); i++)
		if (!strncmp(s->p, skips[i][0], strlen(skips[i][0]))) {
			s->p = skip_past(s->p, skips[i][0], skips[i][1]);
			return s->p ? 0 : -EPROTO;
		}
	s->p = read_tag(s->p, &t);
	if (!s->p)
		return -EPROTO;
	if (t.closing)
		return closing(s);
	element(s, &t);
	return 0;
}

int daqs_domxml_nics(const char *xml, struct daqs_domxml_nics *out)
{
	struct scan s = { .p = xml, .out = out };
	int r = 0;

	out->n = out->n_seen = out->n_hostdev = 0;
	memset(&out->meta, 0, sizeof(out->meta));
	if (strnlen(xml, DAQS_DOMXML_MAX_LEN) >= DAQS_DOMXML_MAX_LEN)
		return -E2BIG;
	while (r == 0 && (s.p = strchr(s.p, '<')))
		r = step(&s);
	if (r == 0 && s.depth != 0)
		r = -EPROTO;
	if (r < 0) {
		out->n = out->n_seen = out->n_hostdev = 0;
		memset(&out->meta, 0, sizeof(out->meta));
	}
	return r;
}

const struct daqs_domxml_nic *daqs_domxml_find_mac(const struct daqs_domxml_nics *n,
						   const char *mac)
{
	const struct daqs_domxml_nic *found = NULL;

	for (size_t i = 0; mac && i < n->n; i++)
		if (n->v[i].mac[0] && !strcasecmp(n->v[i].mac, mac)) {
			if (found)
				return NULL;
			found = &n->v[i];
		}
	return found;
}

const char *daqs_domxml_first_mac(const struct daqs_domxml_nics *n)
{
	for (size_t i = 0; n && i < n->n; i++)
		if (n->v[i].mac[0])
			return n->v[i].mac;
	return NULL;
}
