/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * devlink rate, the kernel's current interface for SR-IOV VF rates (Linux
 * 5.14+), through the generic netlink family "devlink" with libnl-genl-3
 * (the same libnl as the route socket of pf_netlink.c; libnl has no devlink
 * API of its own, so the messages are built and parsed here with libnl's
 * genlmsg/nla calls and the attributes of <linux/devlink.h>).
 *
 * Objects: a VF's devlink port (flavour pcivf, on the devlink instance of
 * its PF, e.g. pci/0000:3b:00.0 or netdevsim/netdevsim1) carries a rate
 * *leaf* created by the driver (mlx5 and ice in switchdev mode, netdevsim);
 * *nodes* are created by us, named, and group leaves or nodes under a shared
 * tx_share / tx_max. Rates are bytes per second, 0 = none.
 *
 * Errors are values: 0 or -errno, nothing is logged. The kernel's errno
 * survives (its NLMSG_ERROR ack), and the kernel's own message for the
 * failure (netlink extended ack, e.g. netdevsim's "TX rate value not in link
 * speed units of 1Mbps.") is kept for the caller in daqs_devlink_why().
 *   -EOPNOTSUPP  the kernel has no devlink family (open), or the driver has
 *                no such operation
 *   -ENODEV      no devlink port carries that netdev (find_vf)
 *   -ENOENT      the PF's devlink instance has no port for that VF (find_vf:
 *                legacy mode, or fewer VFs)
 *   -ENOTUNIQ    more than one VF port matches (several PFs on one instance
 *                and the PF's own port does not say its PF number)
 *   -EINVAL, -ERANGE, ...  what the kernel answered
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nlmsghdr;
struct daqs_devlink;

#define DAQS_DEVLINK_NAME_MAX 64 /* bus and device names, node names */

/* One devlink port as the kernel reports it (DEVLINK_CMD_PORT_GET). */
struct daqs_devlink_port {
	char bus[DAQS_DEVLINK_NAME_MAX]; /* "pci", "netdevsim" */
	char dev[DAQS_DEVLINK_NAME_MAX]; /* "0000:3b:00.0", "netdevsim1" */
	uint32_t index;
	int flavour;	       /* DEVLINK_PORT_FLAVOUR_*; -1 not reported */
	bool have_pf, have_vf; /* the PCI PF / VF numbers below were reported */
	uint16_t pf, vf;
	char netdev[16]; /* its netdev ("" none) */
};

/* One rate object (DEVLINK_CMD_RATE_GET): a port's leaf or a named node. */
struct daqs_devlink_rate {
	char bus[DAQS_DEVLINK_NAME_MAX];
	char dev[DAQS_DEVLINK_NAME_MAX];
	bool leaf;			    /* a port's leaf (port below), else a node (node) */
	uint32_t port;			    /* leaf: its port index */
	char node[DAQS_DEVLINK_NAME_MAX];   /* node: its name */
	char parent[DAQS_DEVLINK_NAME_MAX]; /* its parent node ("" none) */
	uint64_t tx_share, tx_max;	    /* bytes/s, 0 = none */
};

/*
 * Open a generic netlink socket and resolve the devlink family. 0 and *out,
 * or -errno (-EOPNOTSUPP: no devlink in this kernel).
 */
int daqs_devlink_open(struct daqs_devlink **out);
void daqs_devlink_close(struct daqs_devlink *dl); /* NULL is fine */

/* The kernel's message for the last failed request ("" none); valid until the next. */
const char *daqs_devlink_why(const struct daqs_devlink *dl);

/* All devlink ports (*ports malloc'd, caller frees). */
int daqs_devlink_ports(struct daqs_devlink *dl, struct daqs_devlink_port **ports, size_t *n);
/* All rate objects of every instance (*rates malloc'd, caller frees). */
int daqs_devlink_rates(struct daqs_devlink *dl, struct daqs_devlink_rate **rates, size_t *n);

/* The devlink port of VF vf of the PF whose netdev is pf (errors above). */
int daqs_devlink_find_vf(struct daqs_devlink *dl, const char *pf, uint32_t vf,
			 struct daqs_devlink_port *out);
/* The same choice over a dump already read (pure; tested alone). */
int daqs_devlink_match_vf(const struct daqs_devlink_port *ports, size_t n, const char *pf,
			  uint32_t vf, struct daqs_devlink_port *out);

/* The rate leaf of port p (-ENODEV and the like when it has none). */
int daqs_devlink_leaf_get(struct daqs_devlink *dl, const struct daqs_devlink_port *p,
			  struct daqs_devlink_rate *out);
/* Set both rates of port p's leaf in one request (bytes/s, 0 = none). */
int daqs_devlink_leaf_set(struct daqs_devlink *dl, const struct daqs_devlink_port *p,
			  uint64_t tx_share, uint64_t tx_max);
/* Put port p's leaf under node parent ("" takes it out of any node). */
int daqs_devlink_leaf_parent(struct daqs_devlink *dl, const struct daqs_devlink_port *p,
			     const char *parent);

/* Nodes of the instance bus/dev: create (no rates), read, set both rates, delete. */
int daqs_devlink_node_new(struct daqs_devlink *dl, const char *bus, const char *dev,
			  const char *name);
int daqs_devlink_node_get(struct daqs_devlink *dl, const char *bus, const char *dev,
			  const char *name, struct daqs_devlink_rate *out);
int daqs_devlink_node_set(struct daqs_devlink *dl, const char *bus, const char *dev,
			  const char *name, uint64_t tx_share, uint64_t tx_max);
int daqs_devlink_node_del(struct daqs_devlink *dl, const char *bus, const char *dev,
			  const char *name);

/*
 * Parse one devlink message (exported for the unit tests, which build
 * messages with libnl). 0, or -EPROTO (malformed, or no bus/device name;
 * a rate without its type, or a leaf without a port index / a node
 * without a name).
 */
int daqs_devlink_parse_port(struct nlmsghdr *h, struct daqs_devlink_port *out);
int daqs_devlink_parse_rate(struct nlmsghdr *h, struct daqs_devlink_rate *out);

/* "bus/dev/port" of a leaf, "bus/dev/node" of a node (devlink(8)'s names); returns buf. */
const char *daqs_devlink_rate_name(const struct daqs_devlink_rate *r, char *buf, size_t len);
