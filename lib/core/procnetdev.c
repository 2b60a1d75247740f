/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "procnetdev.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "netname.h"
#include "qga.h"

#define NFIELDS 16
#define HEADER_LINES 2

/* One decimal field at *p (after spaces); advances *p. */
static int field_parse(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	while (s < end && *s == ' ')
		s++;
	if (s == end || *s < '0' || *s > '9')
		return -EPROTO;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - 1 - (uint64_t)(*s - '0')) / 10)
			return -EPROTO;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	*p = s;
	return 0;
}

/* "  name: f0 ... f15" -> e; name copied raw (validated by the caller). */
static int line_parse(const char *s, const char *end, struct daqs_procnetdev *e, bool *name_ok)
{
	const char *colon = memchr(s, ':', (size_t)(end - s));
	uint64_t f[NFIELDS];
	size_t nlen;

	if (!colon)
		return -EPROTO;
	while (s < colon && *s == ' ')
		s++;
	nlen = (size_t)(colon - s);
	*name_ok = nlen > 0 && nlen < sizeof(e->name);
	if (*name_ok) {
		memcpy(e->name, s, nlen);
		e->name[nlen] = '\0';
		*name_ok = daqs_netname_ifname_valid(e->name);
	}
	s = colon + 1;
	for (size_t i = 0; i < NFIELDS; i++)
		if (field_parse(&s, end, &f[i]))
			return -EPROTO;
	while (s < end && *s == ' ')
		s++;
	if (s != end)
		return -EPROTO;
	e->c = (struct daqs_counters){
		.rx_bytes = f[0], .rx_pkts = f[1], .tx_bytes = f[8], .tx_pkts = f[9]
	};
	e->rx_errs = f[2];
	e->rx_drop = f[3];
	e->tx_errs = f[10];
	e->tx_drop = f[11];
	return 0;
}

/* Add one device line to *v unless its name is invalid; duplicates are -EPROTO. */
static int line_add(const char *s, const char *end, struct daqs_procnetdev **v, size_t *n,
		    size_t *cap, size_t *n_rejected)
{
	struct daqs_procnetdev e = { .name = "" };
	bool name_ok;

	if (line_parse(s, end, &e, &name_ok))
		return -EPROTO;
	if (!name_ok) {
		(*n_rejected)++;
		return 0;
	}
	if (daqs_procnetdev_find(*v, *n, e.name) || *n >= DAQS_QGA_MAX_IFACES)
		return -EPROTO;
	daqs_grow((void **)v, cap, *n + 1, sizeof(**v));
	(*v)[(*n)++] = e;
	return 0;
}

int daqs_procnetdev_parse(const char *text, size_t len, struct daqs_procnetdev **v, size_t *n,
			  size_t *n_rejected)
{
	const char *p = text, *end = text + len, *eol;
	size_t cap = 0, line = 0;
	int r = 0;

	*v = NULL;
	*n = *n_rejected = 0;
	if (memchr(text, '\0', len))
		return -EPROTO;
	for (; r == 0 && p < end; p = eol + (eol < end), line++) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		if (line < HEADER_LINES)
			r = memchr(p, '|', (size_t)(eol - p)) ? 0 : -EPROTO;
		else
			r = line_add(p, eol, v, n, &cap, n_rejected);
	}
	if (r == 0 && line < HEADER_LINES)
		r = -EPROTO;
	if (r) {
		free(*v);
		*v = NULL;
		*n = *n_rejected = 0;
	}
	return r;
}

const struct daqs_procnetdev *daqs_procnetdev_find(const struct daqs_procnetdev *v, size_t n,
						   const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}
