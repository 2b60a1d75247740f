/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A libvirt VM's tap as a host-side lever (adapter): the outbound
 * (guest-transmit) average and burst of one of its NICs, set live through
 * libvirt's interface parameters (virDomainSetInterfaceParameters, what
 * `virsh domiftune --live` does) and read back. Behind a small ops struct so
 * the controller can be tested with a fake.
 *
 * What libvirt does underneath (platform facts 2.1): the outbound direction
 * is policed on the tap's ingress (`tc filter ... police rate Nkbps burst
 * Mkb mtu 64kb drop`): packets over the rate are dropped, not queued, so
 * TCP behind it gets somewhat less than the rate; the host kernel needs
 * act_police (CONFIG_NET_ACT_POLICE) and cls_u32. Units: libvirt's
 * "kilobytes" per second, which tc reads as 1000 bytes (cycle.h,
 * DAQS_TAP_KBPS_BITS); an average of 0 removes the outbound limit. Only NICs
 * of type bridge, network, direct and ethernet take it (not hostdev).
 *
 * One connection of its own (opened on first use, reopened when it died),
 * used by one thread at a time (the cycle thread). Errors: -errno as in
 * lv_conn.h, with libvirt's message in why; -EIO also when the rate read
 * back differs from the one written. Nothing is logged here: the cycle
 * reports a failure once, with the message.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct daqs_tap_rates {
	uint64_t out_kBps;     /* outbound average, kB/s; 0 = none */
	uint64_t out_burst_kB; /* its burst, kB (0 with no average) */
};

struct daqs_tap_ops {
	const char *name; /* "libvirt", "fake" */
	/* Set dev's outbound rates of the running domain uuid (else vm, by name), read back. */
	int (*set_out)(void *h, const char *uuid, const char *vm, const char *dev,
		       const struct daqs_tap_rates *r, char *why, size_t len);
	void (*free)(void *h); /* closes the connection, frees h (the struct daqs_tap too) */
};

struct daqs_tap {
	const struct daqs_tap_ops *ops;
	void *h;
};

/* The libvirt one for uri; connects on first use. 0 and *out (never fails but for memory). */
int daqs_tap_libvirt_open(const char *uri, struct daqs_tap **out);
void daqs_tap_close(struct daqs_tap *t); /* NULL is fine */

static inline int daqs_tap_set_out(struct daqs_tap *t, const char *uuid, const char *vm,
				   const char *dev, const struct daqs_tap_rates *r, char *why,
				   size_t len)
{
	return t->ops->set_out(t->h, uuid, vm, dev, r, why, len);
}
