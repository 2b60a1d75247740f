/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A guest NIC's counters as the host sees them: the host-side netdev that
 * carries the guest's traffic (the tap of a virtio NIC, a veth peer), read
 * from /sys/class/net/IF/statistics in daqsd's network namespace. The host
 * receives what the guest sends, so the host's rx is returned as the
 * guest's tx (and the other way round). A source the guest cannot forge:
 * daqsd cross-checks the agent's counters against it and decides on it.
 */
#pragma once

#include "estimator.h"

/*
 * Read ifname's counters in the guest's orientation. 0, -EINVAL (not a valid
 * interface name: nothing is read), -ENODEV (no such netdev here), -EIO (a
 * counter file unreadable or not a number). Nothing is logged.
 */
int daqs_host_counters_read(const char *ifname, struct daqs_counters *out);
/* The same under another sysfs root (tests): ROOT/IF/statistics/... */
int daqs_host_counters_read_at(const char *root, const char *ifname, struct daqs_counters *out);
