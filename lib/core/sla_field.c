/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One field of the SLA file: its path, names, interface names, UUIDs, rates, link references. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "netname.h"
#include "sla_impl.h"

/* The value of base.key in map (NULL if absent), with its field path in what. */
const struct daqs_ynode *daqs_sla_field(const struct daqs_ynode *map, const char *base,
					const char *key, char *what)
{
	snprintf(what, WHAT_MAX, "%s%s%s", base, *base ? "." : "", key);
	return daqs_ymap_get(map, key);
}

/* An optional section left empty ("vms:" with nothing after it) counts as absent. */
bool daqs_sla_field_empty(const struct daqs_ynode *n)
{
	return !n || (n->kind == DAQS_YNODE_SCALAR && !n->quoted && !*n->str);
}

void daqs_sla_field_missing(struct daqs_sla_ctx *c, const struct daqs_ynode *map, const char *base,
			    const char *key, const char *why)
{
	daqs_ynode_error(map, c->file, base, c->d, "missing required key '%s'%s", key, why);
}

/* Names (VMs, links): 1..DAQS_SLA_NAME_MAX bytes, no control characters. */
int daqs_sla_field_check_name(struct daqs_sla_ctx *c, const struct daqs_ynode *n, const char *what)
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

const char *daqs_sla_field_name(struct daqs_sla_ctx *c, const struct daqs_ynode *n,
				const char *what)
{
	const char *s;

	if (daqs_ynode_get_str(n, c->file, what, c->d, &s) < 0 ||
	    daqs_sla_field_check_name(c, n, what) < 0)
		return NULL;
	return s;
}

/* A Linux interface name (netname.h), or an error naming the reason. */
int daqs_sla_field_check_ifname(struct daqs_sla_ctx *c, const struct daqs_ynode *n,
				const char *what)
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
char *daqs_sla_field_uuid(struct daqs_sla_ctx *c, const struct daqs_ynode *n, const char *what)
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
int daqs_sla_field_positive_rate(struct daqs_sla_ctx *c, const struct daqs_ynode *n,
				 const char *what, uint64_t *bps)
{
	if (daqs_ynode_get_rate(n, c->file, what, c->d, bps) < 0)
		return -EINVAL;
	if (*bps == 0)
		return daqs_ynode_error(n, c->file, what, c->d, "'%s' must be greater than 0",
					n->str);
	return 0;
}

/* The index of the link n names into *idx: 0, or -EINVAL (reported unless links are missing). */
int daqs_sla_field_link(struct daqs_sla_ctx *c, const struct daqs_ynode *n, const char *what,
			size_t *idx)
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
