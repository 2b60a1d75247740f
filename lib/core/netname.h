/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Network names: Linux interface names and MAC addresses, one rule for every
 * side that takes them (the SLA file, the guest agent's replies, the host's
 * PF and bridge names, libvirt's domain XML).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define DAQS_IFNAMSIZ 16 /* as the kernel's IFNAMSIZ, with the NUL */
#define DAQS_MACSIZ 18	 /* "aa:bb:cc:dd:ee:ff" and the NUL */

/* Why a name is not an interface name (the first problem found). */
enum daqs_netname_problem {
	DAQS_NETNAME_OK,
	DAQS_NETNAME_LENGTH, /* empty or longer than DAQS_IFNAMSIZ - 1 bytes */
	DAQS_NETNAME_DOTS,   /* "." or ".." */
	DAQS_NETNAME_CHAR,   /* a '/', ':', space or control byte */
};

/*
 * The kernel's dev_valid_name(): 1..15 bytes, not "." or "..", no '/', ':' or
 * space (the kernel's isspace(), which counts byte 0xa0 too). ':' is refused
 * because an "eth0:1" is an address label (an alias), not a device: the agent
 * reports it next to eth0 with eth0's MAC and counters, and no tc qdisc or VF
 * can be attached to it. Control bytes (0x00-0x1f, 0x7f), which the kernel
 * lets through, are refused as well: such a name cannot be logged or shown.
 * NULL is LENGTH.
 */
enum daqs_netname_problem daqs_netname_ifname_check(const char *s);
bool daqs_netname_ifname_valid(const char *s);

/*
 * "aa:bb:cc:dd:ee:ff" in len bytes (s need not be NUL-terminated after them),
 * hexadecimal digits of either case -> out, lower case, NUL-terminated.
 * 0, or -EINVAL with out untouched.
 */
int daqs_netname_mac_parse(const char *s, size_t len, char out[DAQS_MACSIZ]);
/* The same check on a NUL-terminated string. */
bool daqs_netname_mac_valid(const char *s);
