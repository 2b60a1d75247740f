/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /proc/net/dev (pure parser): per-interface counters for interfaces that
 * guest-network-get-interfaces reports without statistics (bond and
 * net_failover members have no IP address, platform-facts section 1.3).
 *
 * Format (net/core/net-procfs.c): two header lines containing '|', then one
 * line per device: "%6s: %7llu %7llu ..." (older kernels "%6s:%8llu", so the
 * first number may touch the colon), 8 receive fields (bytes packets errs
 * drop fifo frame compressed multicast) and 8 transmit fields (bytes packets
 * errs drop fifo colls carrier compressed). Kernel device names never hold
 * ':' (dev_valid_name), so the first ':' ends the name.
 * The guest is not trusted: a line that does not have exactly 16 decimal
 * fields, a field above UINT64_MAX - 1, a duplicate valid name or more than
 * DAQS_QGA_MAX_IFACES lines fail the whole text (-EPROTO); names that fail
 * daqs_netname_ifname_valid() are skipped and counted.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "estimator.h"
#include "netname.h"

struct daqs_procnetdev {
	char name[DAQS_IFNAMSIZ];
	struct daqs_counters c;
	uint64_t rx_errs, rx_drop, tx_errs, tx_drop;
};

/*
 * Parse text[0..len) (need not be NUL-terminated; a NUL byte is -EPROTO).
 * *v allocated (caller frees; NULL when *n is 0). 0 or -EPROTO (outputs
 * zeroed).
 */
int daqs_procnetdev_parse(const char *text, size_t len, struct daqs_procnetdev **v, size_t *n,
			  size_t *n_rejected);
/* The entry named name, or NULL. */
const struct daqs_procnetdev *daqs_procnetdev_find(const struct daqs_procnetdev *v, size_t n,
						   const char *name);
