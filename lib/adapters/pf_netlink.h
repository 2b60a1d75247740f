/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host side of SR-IOV: a physical function's VFs through libnl-route-3
 * (one NETLINK_ROUTE socket per daemon), behind a small ops struct so the
 * controller can be tested with a fake. Reads a PF's VFs (index, MAC, rates,
 * link state, per-VF counters from IFLA_VF_STATS) and sets a VF's rates by
 * read-modify-write of both (vf_rate.h), reading them back to verify.
 *
 * Errors are negative errno, translated here from libnl (the kernel's own
 * errno from its NLMSG_ERROR ack where libnl hands it over, else a mapping of
 * the NLE_* code) and reported once through the log callback as
 * "pf: <operation> '<PF>' vf <N> (<reason>)"; callers do not log them again.
 *   -EINVAL   not a valid interface name, or a change refused by the merge
 *             rules of vf_rate.h (nothing written)
 *   -ENODEV   no such netdev
 *   -ENOENT   the PF has no VF with that index
 *   -EIO      the rates read back differ from those written
 *   -EOPNOTSUPP, -EPERM, ...  what the kernel answered
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pf_caps.h"
#include "vf_rate.h"

struct daqs_pf_vf {
	uint32_t index;
	bool have_mac;
	uint8_t mac[6];
	struct daqs_vf_rates rates;
	int link_state;	 /* IFLA_VF_LINK_STATE_AUTO 0, _ENABLE 1, _DISABLE 2; -1 not reported */
	bool have_stats; /* the counters below were reported (IFLA_VF_STATS) */
	/* as the PF counts them for the VF (the VF's own tx/rx) */
	uint64_t tx_bytes, rx_bytes, tx_packets, rx_packets;
	/* where rates above come from and go to (pf_devlink.h): "legacy" (IFLA_VF_RATE)
	 * or "devlink BUS/DEV/PORT" (its devlink rate leaf) */
	char lever[96];
};

/* set_rates succeeded, but without the min: the NIC refused min_tx_rate. */
#define DAQS_PF_MIN_DROPPED 1

struct daqs_pf_ops {
	const char *name; /* "netlink", "fake" */
	/*
	 * All VFs of pf, by index (*vfs malloc'd, caller frees; NULL and 0 when
	 * the netdev has none, which is not an error).
	 */
	int (*list_vfs)(void *h, const char *pf, struct daqs_pf_vf **vfs, size_t *n);
	/*
	 * Read vf's rates, merge chg (daqs_vf_rates_merge), write both, read them
	 * back. 0: *now (may be NULL) holds the rates read back, equal to the
	 * merged pair; nothing is written when the pair is already in force.
	 * DAQS_PF_MIN_DROPPED: the NIC answered EINVAL to a non-zero min, the
	 * max was written alone (min 0) and verified; reported once per PF and
	 * VF, and from then on this VF's min is not sent again.
	 */
	int (*set_rates)(void *h, const char *pf, uint32_t vf,
			 const struct daqs_vf_rate_change *chg, struct daqs_vf_rates *now);
	void (*free)(void *h); /* closes the socket, frees h (the struct daqs_pf included) */
	/*
	 * Optional (NULL: always "legacy"): the lever the last set_rates of pf/vf
	 * used, as in struct daqs_pf_vf's lever ("" when none was used yet).
	 */
	void (*lever)(void *h, const char *pf, uint32_t vf, char *buf, size_t len);
	/*
	 * Optional (NULL: no such lever): put vf's devlink rate leaf under the
	 * rate node DAQS_VF_NODE_PREFIX + group (vf_rate.h) of its devlink instance (a
	 * tenant group), the node created when missing and given tx_share
	 * share_mbps and tx_max max_mbps (0 none) when they differ, both read
	 * back; group "" takes the leaf out of a node of ours. A node of ours
	 * left without members is deleted. 0; -EOPNOTSUPP the VF has no rate
	 * leaf (legacy mode, no devlink): nothing written; -EIO read back
	 * differs; else the kernel's -errno. Nothing is logged: why gets the
	 * step and the kernel's message.
	 */
	int (*set_group)(void *h, const char *pf, uint32_t vf, const char *group,
			 uint32_t share_mbps, uint32_t max_mbps, char *why, size_t why_len);
	/* Optional (NULL: sysfs alone, daqs_pf_sysfs_caps_at): what pf offers (pf_caps.h). */
	int (*probe)(void *h, const char *pf, struct daqs_pf_caps *out);
};

struct daqs_pf {
	const struct daqs_pf_ops *ops;
	void *h;
};

/*
 * Open the netlink route socket. log(log_ud, msg) receives each failure once
 * (may be NULL). 0 and *out, or -errno (socket or connect failed; logged).
 */
int daqs_pf_netlink_open(struct daqs_pf **out, void (*log)(void *ud, const char *msg),
			 void *log_ud);
/* pf->ops->free(pf->h); NULL is fine. */
void daqs_pf_close(struct daqs_pf *pf);

static inline int daqs_pf_list_vfs(struct daqs_pf *pf, const char *name, struct daqs_pf_vf **vfs,
				   size_t *n)
{
	return pf->ops->list_vfs(pf->h, name, vfs, n);
}

static inline int daqs_pf_set_rates(struct daqs_pf *pf, const char *name, uint32_t vf,
				    const struct daqs_vf_rate_change *chg,
				    struct daqs_vf_rates *now)
{
	return pf->ops->set_rates(pf->h, name, vf, chg, now);
}

/* struct daqs_pf_ops's set_group; -EOPNOTSUPP when pf has none. */
static inline int daqs_pf_set_group(struct daqs_pf *pf, const char *name, uint32_t vf,
				    const char *group, uint32_t share_mbps, uint32_t max_mbps,
				    char *why, size_t why_len)
{
	if (!pf->ops->set_group)
		return -EOPNOTSUPP;
	return pf->ops->set_group(pf->h, name, vf, group, share_mbps, max_mbps, why, why_len);
}

/* The lever of pf's VF vf (struct daqs_pf_ops's lever) into buf. */
void daqs_pf_lever(struct daqs_pf *pf, const char *name, uint32_t vf, char *buf, size_t len);

/*
 * libnl's error (a negative NLE_* code, as its calls return) as -errno;
 * sys_err, when not 0, is the errno the kernel's ack carried and wins.
 * NLE_OBJ_NOTFOUND becomes -ENODEV: the only objects looked up here are
 * links. Anything without an errno counterpart becomes -EIO.
 */
int daqs_pf_nlerr_errno(int nlerr, int sys_err);

/*
 * PCI address ("0000:3b:02.1") of VF vf of pf, from the symlink
 * ROOT/PF/device/virtfnN (ROOT is /sys/class/net for
 * daqs_pf_vf_pci_address). 0 and out set; -EINVAL bad interface name;
 * -ENODEV no ROOT/PF; -ENOENT no such VF link (not an SR-IOV PF, or fewer
 * VFs); -EIO the link does not name a PCI address; -ERANGE len too small
 * (16 is enough). Nothing is logged.
 */
int daqs_pf_vf_pci_address_at(const char *root, const char *pf, uint32_t vf, char *out, size_t len);
int daqs_pf_vf_pci_address(const char *pf, uint32_t vf, char *out, size_t len);

/*
 * What the PF whose netdev is pf offers, from sysfs under root
 * (/sys/class/net): its driver (ROOT/PF/device/driver), its VFs
 * (device/sriov_numvfs, sriov_totalvfs), its speed (PF/speed). 0, or -EINVAL bad name, -ENODEV no
 * such netdev (also in out->r). Nothing is logged.
 */
int daqs_pf_sysfs_caps_at(const char *root, const char *pf, struct daqs_pf_caps *out);
/* pf's probe (its ops', else sysfs alone; pf may be NULL); 0 or -errno, in out->r too. */
int daqs_pf_probe(struct daqs_pf *pf, const char *name, struct daqs_pf_caps *out);
