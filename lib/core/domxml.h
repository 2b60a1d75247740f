/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What daqsd reads of a libvirt domain XML. Its NICs: every <interface> element directly under
 * <domain><devices>, with its type, <mac address=...> and, for a NIC backed
 * by a host netdev (tap, macvtap), its <target dev=...>. A small bounded
 * scanner, not an XML parser: it keeps track of the element path (so an
 * <interface> inside <metadata> or anywhere else does not count), skips
 * comments, CDATA, processing instructions and declarations, and honours
 * quoted attribute values. Values that are not a valid MAC or interface
 * name (netname.h), entity references included, are left out, not decoded.
 *
 * And the daqs SLA element in <domain><metadata> (sla.h, DAQS_SLA_META_NS):
 * the child of <metadata> in that namespace (its prefix, or no prefix, bound
 * to it by a declaration on the element itself, as libvirt writes it), its
 * local name and its attributes as text; text content is not looked at.
 */
#pragma once

#include <stddef.h>

#include "netname.h"
#include "sla.h"

#define DAQS_DOMXML_MAX_NICS 32		/* NICs kept; more are ignored (counted in n_seen) */
#define DAQS_DOMXML_MAX_LEN (16u << 20) /* a larger XML is refused */

struct daqs_domxml_nic {
	char type[16];		 /* "bridge", "network", "hostdev", ... ("" none or too long) */
	char mac[DAQS_MACSIZ];	 /* lower case; "" none or invalid */
	char dev[DAQS_IFNAMSIZ]; /* the host netdev (<target dev>); "" none (hostdev, user) */
};

struct daqs_domxml_nics {
	struct daqs_domxml_nic v[DAQS_DOMXML_MAX_NICS];
	size_t n;	  /* kept */
	size_t n_seen;	  /* <interface> elements under <devices> */
	size_t n_hostdev; /* <hostdev> elements under <devices> (a VF passed as a PCI device) */
	struct daqs_sla_meta meta; /* the daqs element in <metadata> (meta.present: there is one) */
};

/* 0, or -EPROTO (not well-formed enough to tell: *out is empty) / -E2BIG. Fills meta too. */
int daqs_domxml_nics(const char *xml, struct daqs_domxml_nics *out);
/* The first NIC's MAC that is valid, or NULL (the one discovery finds the guest's NIC by). */
const char *daqs_domxml_first_mac(const struct daqs_domxml_nics *n);
/*
 * The one NIC carrying mac (case-insensitive), or NULL (none, or several:
 * e.g. a bridge pool's stand-in NIC next to the VM's own).
 */
const struct daqs_domxml_nic *daqs_domxml_find_mac(const struct daqs_domxml_nics *n,
						   const char *mac);
