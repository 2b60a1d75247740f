/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SR-IOV VF transmit rates, pure: the read-modify-write logic behind
 * IFLA_VF_RATE. The kernel carries {min_tx_rate, max_tx_rate} in Mbps
 * (10^6 bit/s), 0 meaning "no limit" (max) or "no guarantee" (min), and one
 * request always sets both: changing one without sending the other's current
 * value clears it. So every change reads the current pair, merges the change
 * into it and writes the whole pair (pf.c does the I/O).
 *
 * Rules (all documented here, tested in tests/test_vf_rate.c):
 * - A max limit in bit/s becomes Mbps rounded DOWN, so the VF cap is never
 *   above the limit decided, except that a positive limit below 1 Mbit/s
 *   becomes 1 Mbps (0 would mean "unlimited"): the only case where the cap
 *   exceeds the decision. DAQS_RATE_UNLIMITED (UINT64_MAX) becomes 0; above
 *   UINT32_MAX Mbps saturates at UINT32_MAX.
 * - A min guarantee becomes Mbps rounded DOWN (a min below 1 Mbit/s becomes 0,
 *   no guarantee: the NIC cannot express it); saturates like max.
 * - Merging refuses (-EINVAL, nothing to write) any result with
 *   min > max while max != 0. In particular lowering max below the VF's
 *   current min is refused, not "fixed" by lowering min: a min is a guarantee
 *   someone set, and dropping it silently would be worse than keeping the old
 *   cap. A caller that means both sets both in one change.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sla.h" /* enum daqs_vf_lever */

/* The devlink rate nodes daqsd makes for tenant groups are named "daqs-GROUP". */
#define DAQS_VF_NODE_PREFIX "daqs-"

/* One VF's rates as the kernel holds them: Mbps, 0 = none. */
struct daqs_vf_rates {
	uint32_t min_mbps;
	uint32_t max_mbps;
};

/* Which rates a change sets (the others are kept as read). */
enum {
	DAQS_VF_SET_MIN = 1u << 0,
	DAQS_VF_SET_MAX = 1u << 1,
};

struct daqs_vf_rate_change {
	unsigned set; /* DAQS_VF_SET_* */
	uint32_t min_mbps;
	uint32_t max_mbps;
	enum daqs_vf_lever lever; /* which lever may set them (the SLA's vf_lever; 0: auto) */
};

/* bit/s -> Mbps for a max limit (rules above): 0 and UINT64_MAX -> 0 (no limit). */
uint32_t daqs_vf_max_mbps(uint64_t bps);
/* bit/s -> Mbps for a min guarantee (rules above): rounded down, 0 = none. */
uint32_t daqs_vf_min_mbps(uint64_t bps);

/* A valid pair for the kernel: max == 0 (no cap) or min <= max. */
bool daqs_vf_rates_valid(const struct daqs_vf_rates *r);
bool daqs_vf_rates_eq(const struct daqs_vf_rates *a, const struct daqs_vf_rates *b);

/*
 * The pair to write: cur with chg's fields applied. 0 and *out set; or
 * -EINVAL when chg sets nothing or the result would have min > max (out
 * untouched, *why set to a static reason when why is not NULL).
 */
int daqs_vf_rates_merge(const struct daqs_vf_rates *cur, const struct daqs_vf_rate_change *chg,
			struct daqs_vf_rates *out, const char **why);

/*
 * Did the NIC refuse a write because of its min? err is the write's -errno,
 * sent the pair written. Intel ixgbe/i40e/ice-class NICs answer EINVAL to any
 * non-zero min_tx_rate; the caller then writes the max-only pair
 * (daqs_vf_rates_max_only) and reports the refusal once per VF.
 */
bool daqs_vf_min_refused(int err, const struct daqs_vf_rates *sent);
/* sent without its min (min 0, max kept). */
struct daqs_vf_rates daqs_vf_rates_max_only(const struct daqs_vf_rates *sent);

/* "min 100 max 0" style text for messages; returns buf. */
const char *daqs_vf_rates_str(const struct daqs_vf_rates *r, char *buf, size_t len);
