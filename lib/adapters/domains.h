/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libvirt domains as daqs guests (adapter; platform-facts sections 2, 2.3).
 *
 * Runs on libvirt's event loop (virEventRegisterDefaultImpl must have been
 * called before daqs_domains_new, and the caller keeps running
 * virEventRunDefaultImpl). It opens the connection (keepalive 5 s x 3,
 * close callback), registers lifecycle, agent-lifecycle and device
 * added/removed events, and keeps the sink's set of libvirt guests
 * equal to the running domains:
 *   - lifecycle started/resumed: resync (list, add what is new);
 *   - stopped/crashed/undefined: the guest is removed at once;
 *   - agent connected, device added/removed: the guest is kicked
 *     (re-discover the interface, re-verify the limit: a reboot loses
 *     qdiscs, a VF unplug changes the members);
 *   - connection lost (close callback, keepalive): reconnect with backoff
 *     (1 s doubling to 30 s) from daqs_domains_tick, then a full resync
 *     (events during the outage are lost).
 * Event callbacks only call the sink (which takes the driver's lock); nothing slow (no agent
 * call) runs in them. The resync itself makes a few fast libvirtd RPCs
 * (list, XML) from the tick.
 *
 * A domain's MAC (for interface discovery) is the first <interface>'s
 * <mac address='...'/> in its live XML, unless the SLA gives interface/mac.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "agent.h"
#include "domxml.h"
#include "log_prio.h"

/*
 * Where the domains go: the driver's guest table. upsert(ud, name, uuid,
 * make, arg, nics) for a running domain (make builds its agent transport;
 * nics, its XML's NICs with their MACs and taps, may be NULL: unreadable), remove(ud, name) when it stopped, kick(ud, name) to
 * re-discover and re-verify, names(ud, &names) the libvirt guests known
 * (caller frees the array and strings).
 */
struct daqs_domains_sink {
	int (*upsert)(void *ud, const char *name, const char *uuid, daqs_transport_maker make,
		      void *arg, const struct daqs_domxml_nics *nics);
	void (*remove)(void *ud, const char *name);
	void (*kick)(void *ud, const char *name);
	size_t (*names)(void *ud, char ***names);
	void *ud;
};

struct daqs_domains;

/* Never fails: an unreachable libvirtd is retried from daqs_domains_tick. */
struct daqs_domains *
daqs_domains_new(const char *uri, const struct daqs_domains_sink *sink,
		 void (*log)(void *ud, enum daqs_log_prio prio, const char *msg), void *log_ud);
void daqs_domains_free(struct daqs_domains *d);
/* Call periodically from the event loop (e.g. every 500 ms): reconnect, resync. */
void daqs_domains_tick(struct daqs_domains *d);
bool daqs_domains_connected(const struct daqs_domains *d);
/*
 * fn(ud, vm, alias, ok) on libvirt's DEVICE_REMOVED (ok) and
 * DEVICE_REMOVAL_FAILED (!ok) events (the VF pool's unplugs wait for them).
 * Set before the event loop runs.
 */
void daqs_domains_on_removed(struct daqs_domains *d,
			     void (*fn)(void *ud, const char *vm, const char *alias, bool ok),
			     void *ud);

/* The first valid <interface> MAC in a domain XML (domxml.h), lower case; -ENOENT none. */
int daqs_domains_xml_mac(const char *xml, char mac[18]);
