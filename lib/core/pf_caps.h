/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a PF offers as VF rate levers, pure: what was probed of it (its
 * driver, its VFs, whether their devlink ports have rate leaves; the
 * adapters fill struct daqs_pf_caps, pf_netlink.h and pf_devlink.h) and what
 * follows from it, for daqsctl status and the metrics:
 *  - the levers: "devlink-leaf" and "devlink-node" where the VFs' ports have
 *    rate leaves (the devlink rate API brings nodes with leaves: mlx5, ice,
 *    netdevsim), else "legacy-max" and, unless the driver refuses it,
 *    "legacy-min" (IFLA_VF_RATE); "none" without VFs;
 *  - what a VF minimum means there, from the drivers' documented behaviour
 *    (mlx5_core: a relative weight; ice: absolute, and EINVAL for minimums
 *    that sum above the link; netdevsim: as given; i40e, ixgbe, igb, iavf:
 *    refused), or what daqsd saw (a NIC that refused a min daqsd wrote:
 *    "refused", whatever the table says).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netname.h"

struct daqs_pf_caps {
	char pf[DAQS_IFNAMSIZ];
	int r;		  /* 0 probed; -ENODEV no such netdev; other -errno */
	char driver[32];  /* the PCI driver bound to it ("" unknown) */
	uint32_t num_vfs; /* sriov_numvfs (0: none enabled or not SR-IOV) */
	uint32_t total_vfs;
	bool sriov;	    /* the device can have VFs (sriov_totalvfs read) */
	bool devlink_leaf;  /* a VF's devlink port has a rate leaf */
	bool min_refused;   /* daqsd saw the NIC refuse a VF min */
	uint64_t speed_bps; /* its link speed (sysfs speed; 0 unknown, link down) */
};

enum daqs_pf_min {
	DAQS_PF_MIN_UNKNOWN,
	DAQS_PF_MIN_ABSOLUTE,
	DAQS_PF_MIN_WEIGHT,
	DAQS_PF_MIN_REFUSED,
};

/* What a VF min means on it; *seen (may be NULL): true when daqsd's own writes decided it. */
enum daqs_pf_min daqs_pf_min_of(const struct daqs_pf_caps *c, bool *seen);
const char *daqs_pf_min_name(enum daqs_pf_min m); /* "unknown" "absolute" "weight" "refused" */
/* Its levers, comma-separated as above ("none" without VFs), into buf; returns buf. */
const char *daqs_pf_levers(const struct daqs_pf_caps *c, char *buf, size_t len);
/* Whether the driver refuses VF minimums that sum above the link speed (ice). */
bool daqs_pf_min_sum_capped(const struct daqs_pf_caps *c);
