/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The strongest VF rate lever a PF has, picked per VF: a PF ops (pf_netlink.h)
 * that sets a VF's rates through its devlink rate leaf (devlink.h: tx_share
 * = the min, tx_max = the max) where the VF's devlink port has one (mlx5,
 * ice in switchdev mode; netdevsim), and through the legacy IFLA_VF_RATE of
 * the wrapped route-socket PF (pf_netlink.c) everywhere else. Listing VFs
 * is the legacy one's, with each VF's rates and lever taken from its leaf
 * where it has one.
 *
 * Rates stay Mbps here (struct daqs_vf_rates): a leaf takes Mbps x 125000
 * bytes/s, so its granularity is 1 Mbit/s like mlx5's and netdevsim's; a
 * leaf read back with a value that is not whole Mbps is read rounded down.
 * The merge rules (vf_rate.h), the read back (-EIO when it differs), and
 * the handling of a refused min (DAQS_PF_MIN_DROPPED: ice-class NICs answer
 * EINVAL to minimums they cannot hold) are the same for both levers. Each
 * failure is reported once, through the log callback, as
 * "pf: <operation> '<PF>' vf <N> via devlink <BUS/DEV/PORT> (<reason>:
 * <the kernel's message>)"; the first lever used for each VF (and a kernel
 * without devlink) is said through note ("pf: 'PF' vf N takes its rates by
 * its devlink BUS/DEV/PORT rate leaf ..." / "... by the legacy VF rate ...").
 */
#pragma once

#include "pf_netlink.h"

/*
 * Wrap legacy (owned from here on, freed with the result). When the kernel
 * has no devlink, the result passes everything to legacy and says so once.
 * 0 and *out (always: devlink is optional).
 */
int daqs_pf_devlink_open(struct daqs_pf **out, struct daqs_pf *legacy,
			 void (*log)(void *ud, const char *msg),
			 void (*note)(void *ud, const char *msg), void *log_ud);
