/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VF hot-plug through libvirt (adapter).
 *
 * Plug: attach <interface type='hostdev' managed='yes'> (a VF by its PCI
 * address) or, for testbeds without SR-IOV, <interface type='bridge'> (a
 * virtio NIC standing in for a VF), with the VM's virtio MAC (so the guest's
 * bond or net_failover takes it as a member) and an alias "ua-daqs-vfN"
 * (N = the pool slot), live only. Unplug: detach by that alias
 * (virDomainDetachDeviceAlias, asynchronous) and wait for libvirt's
 * DEVICE_REMOVED or DEVICE_REMOVAL_FAILED event, which the caller's event
 * loop forwards with daqs_vf_hotplug_device_event; when neither comes within
 * DAQS_VF_HOTPLUG_UNPLUG_TIMEOUT_NS, the live XML decides (alias gone: done).
 *
 * Operations run one at a time on one worker thread with its own libvirt
 * connection (opened on first use, reopened when it died): an attach of a
 * real VF takes about 0.6 s (FlexVF), so neither the event loop nor the
 * control cycle ever waits on one. Each submitted operation ends in exactly
 * one done() call, on the worker thread, with 0 or -errno and libvirt's
 * message:
 *   -ENOENT     no such running domain
 *   -ENODEV     unplug: no device with that alias (done() reports it; the
 *               caller may treat it as unplugged)
 *   -EBUSY      unplug: the guest refused (DEVICE_REMOVAL_FAILED)
 *   -ETIMEDOUT  unplug: no event and the device is still there
 *   -ECONNREFUSED  libvirtd unreachable
 *   -EIO        anything else libvirt reported (message in why)
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vf_alloc.h"

#define DAQS_VF_HOTPLUG_ALIAS_PREFIX "ua-daqs-vf"
#define DAQS_VF_HOTPLUG_UNPLUG_TIMEOUT_NS (20ULL * 1000000000ULL)

struct daqs_vf_hotplug_dev {
	/*
	 * DAQS_VF_POOL_HOSTDEV: a VF, <interface type='hostdev' managed='yes'>;
	 * DAQS_VF_POOL_BRIDGE: a stand-in, <interface type='bridge'>, model virtio
	 */
	enum daqs_vf_pool_kind kind;
	size_t slot;	 /* pool slot: the alias is ua-daqs-vf<slot> */
	char pci[16];	 /* hostdev: "DDDD:BB:SS.F" */
	char bridge[16]; /* bridge: host bridge name */
	char mac[18];	 /* the VM's virtio MAC, lower case */
};

struct daqs_vf_hotplug_result {
	enum daqs_vf_op op;
	size_t slot;
	const char *vm;
	int err;	   /* 0 or -errno (see above) */
	const char *why;   /* "" on success */
	uint64_t start_ns; /* CLOCK_MONOTONIC: the worker began the operation */
	uint64_t end_ns;   /* ... and saw it end */
	/* scan results (daqs_vf_hotplug_scan) and cleanups (daqs_vf_hotplug_cleanup): */
	bool found;   /* a device of ours found plugged into vm at slot: dev describes it */
	bool scanned; /* the scan is over (err: the domains could not be listed) */
	bool cleanup; /* an unplug queued by daqs_vf_hotplug_cleanup */
	const struct daqs_vf_hotplug_dev *dev; /* found only */
};

/*
 * The device XML (pure; tests). 0, -EINVAL for a malformed PCI address,
 * bridge or MAC, -ERANGE when len is too small.
 */
int daqs_vf_hotplug_xml(const struct daqs_vf_hotplug_dev *d, char *buf, size_t len);
/* "ua-daqs-vf<slot>" into buf (>= 32 bytes). */
void daqs_vf_hotplug_alias(size_t slot, char *buf, size_t len);
/* The slot of one of our aliases: 0 and *slot, or -ENOENT for any other alias. */
int daqs_vf_hotplug_alias_slot(const char *alias, size_t *slot);

struct daqs_vf_hotplug;

struct daqs_vf_hotplug *
daqs_vf_hotplug_new(const char *uri, void (*done)(void *ud, const struct daqs_vf_hotplug_result *r),
		    void *ud);
/* Stops the worker after the operation in flight (queued ones end with -ECANCELED). */
void daqs_vf_hotplug_free(struct daqs_vf_hotplug *p);

/* Queue one operation (dev is copied; for unplug only dev->slot is used). 0 or -ENOMEM. */
int daqs_vf_hotplug_submit(struct daqs_vf_hotplug *p, enum daqs_vf_op op, const char *vm,
			   const struct daqs_vf_hotplug_dev *dev);

/*
 * Queue a scan of every running domain for devices of ours ("ua-daqs-vfN",
 * left by an earlier daqsd): one done() with found set per device (kind,
 * slot, PCI address or bridge, MAC read from the live XML), then one with
 * scanned set. The caller adopts what fits its pool and cleans up the rest.
 */
void daqs_vf_hotplug_scan(struct daqs_vf_hotplug *p);
/* Queue the unplug of vm's device at slot outside the allocator (done() with cleanup set). */
void daqs_vf_hotplug_cleanup(struct daqs_vf_hotplug *p, const char *vm, size_t slot);
/*
 * The device of ours at slot in a domain's live XML (pure; tests): 0 and
 * *dev (kind, slot, pci or bridge, mac), or -ENOENT.
 */
int daqs_vf_hotplug_xml_device(const char *xml, size_t slot, struct daqs_vf_hotplug_dev *dev);

/*
 * libvirt's DEVICE_REMOVED (removed true) or DEVICE_REMOVAL_FAILED (false)
 * for vm's alias; anything but the unplug in flight is ignored. Any thread.
 */
void daqs_vf_hotplug_device_event(struct daqs_vf_hotplug *p, const char *vm, const char *alias,
				  bool removed);

/*
 * Our devices on a running domain, from its live XML (pure; tests):
 * slots[] receives the slot of every "ua-daqs-vfN" alias found, at most
 * max; returns how many.
 */
size_t daqs_vf_hotplug_xml_slots(const char *xml, size_t *slots, size_t max);
