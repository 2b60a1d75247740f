/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "pf_netlink.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/if_link.h>
#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/sriov.h>
#include <netlink/socket.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"
#include "netname.h"

struct refused {
	char pf[DAQS_IFNAMSIZ];
	uint32_t vf;
};

struct pf_nl {
	struct daqs_pf pub;
	struct nl_sock *sk;
	int sys_err; /* errno of the kernel's last error ack (positive), 0 = none */
	void (*log)(void *ud, const char *msg);
	void *log_ud;
	struct refused *refused; /* VFs whose NIC refused a min: max only */
	size_t n_refused, cap_refused;
};

int daqs_pf_nlerr_errno(int nlerr, int sys_err)
{
	static const int map[][2] = {
		{ NLE_FAILURE, EIO },
		{ NLE_INTR, EINTR },
		{ NLE_BAD_SOCK, EBADF },
		{ NLE_AGAIN, EAGAIN },
		{ NLE_NOMEM, ENOMEM },
		{ NLE_EXIST, EEXIST },
		{ NLE_INVAL, EINVAL },
		{ NLE_RANGE, ERANGE },
		{ NLE_MSGSIZE, EMSGSIZE },
		{ NLE_OPNOTSUPP, EOPNOTSUPP },
		{ NLE_AF_NOSUPPORT, EAFNOSUPPORT },
		{ NLE_OBJ_NOTFOUND, ENODEV },
		{ NLE_NOATTR, ENODATA },
		{ NLE_MISSING_ATTR, ENODATA },
		{ NLE_SEQ_MISMATCH, EPROTO },
		{ NLE_MSG_OVERFLOW, EPROTO },
		{ NLE_MSG_TRUNC, EPROTO },
		{ NLE_MSG_TOOSHORT, EPROTO },
		{ NLE_PARSE_ERR, EPROTO },
		{ NLE_NOADDR, EADDRNOTAVAIL },
		{ NLE_BUSY, EBUSY },
		{ NLE_PROTO_MISMATCH, EPROTONOSUPPORT },
		{ NLE_NOACCESS, EACCES },
		{ NLE_PERM, EPERM },
		{ NLE_NODEV, ENODEV },
		{ NLE_IMMUTABLE, EINVAL },
		{ NLE_DUMP_INTR, EINTR },
	};
	int e = nlerr < 0 ? -nlerr : nlerr;

	if (e == 0)
		return 0;
	if (sys_err)
		return -(sys_err < 0 ? -sys_err : sys_err);
	for (size_t i = 0; i < DAQS_ARRAY_SIZE(map); i++)
		if (map[i][0] == e)
			return -map[i][1];
	return -EIO;
}

__attribute__((format(printf, 2, 3))) static void plog(struct pf_nl *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!p->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->log(p->log_ud, msg);
}

/* The kernel's errno, before libnl folds it into an NLE_* code. */
static int ack_err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct pf_nl *p = arg;

	p->sys_err = e->error < 0 ? -e->error : e->error;
	return NL_STOP; /* libnl then returns -nl_syserr2nlerr(e->error) */
}

static int nl_fail(struct pf_nl *p, int nlerr)
{
	int e = daqs_pf_nlerr_errno(nlerr, p->sys_err);

	p->sys_err = 0;
	return e;
}

/* pf's link object with its VF list; 0, or -errno (logged as op). */
static int get_link(struct pf_nl *p, const char *pf, const char *op, struct rtnl_link **link)
{
	int r;

	if (!pf || !daqs_netname_ifname_valid(pf)) {
		plog(p, "pf: %s '%s' (not a valid interface name)", op, pf ? pf : "(null)");
		return -EINVAL;
	}
	p->sys_err = 0;
	r = rtnl_link_get_kernel(p->sk, 0, pf, link);
	if (r < 0) {
		r = nl_fail(p, r);
		plog(p, "pf: %s '%s' (%s)", op, pf, r == -ENODEV ? "no such netdev" : strerror(-r));
		return r;
	}
	return 0;
}

static uint32_t link_num_vfs(struct rtnl_link *link)
{
	uint32_t n = 0;

	/* -NLE_OPNOTSUPP without IFLA_NUM_VF: a netdev without a parent device (lo) */
	if (rtnl_link_get_num_vf(link, &n) < 0 || !rtnl_link_has_vf_list(link))
		return 0;
	return n;
}

/* VF index idx of link into out; -ENOENT when the PF reports no such VF. */
static int read_vf(struct rtnl_link *link, uint32_t idx, struct daqs_pf_vf *out)
{
	static const struct {
		rtnl_link_vf_stats_t stat;
		size_t off;
	} stats[] = {
		{ RTNL_LINK_VF_STATS_TX_BYTES, offsetof(struct daqs_pf_vf, tx_bytes) },
		{ RTNL_LINK_VF_STATS_RX_BYTES, offsetof(struct daqs_pf_vf, rx_bytes) },
		{ RTNL_LINK_VF_STATS_TX_PACKETS, offsetof(struct daqs_pf_vf, tx_packets) },
		{ RTNL_LINK_VF_STATS_RX_PACKETS, offsetof(struct daqs_pf_vf, rx_packets) },
	};
	struct rtnl_link_vf *vf;
	struct nl_vf_rate rate;
	struct nl_addr *addr = NULL;
	uint32_t v;

	if (idx >= link_num_vfs(link))
		return -ENOENT;
	vf = rtnl_link_vf_get(link, idx);
	if (!vf)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	out->index = idx;
	if (rtnl_link_vf_get_addr(vf, &addr) == 0 && addr && nl_addr_get_len(addr) == 6) {
		memcpy(out->mac, nl_addr_get_binary_addr(addr), 6);
		out->have_mac = true;
	}
	/* -NLE_NOATTR: both rates are 0 (none set), not an error */
	if (rtnl_link_vf_get_rate(vf, &rate) == 0) {
		if (rate.api == RTNL_LINK_VF_RATE_API_OLD) {
			out->rates.max_mbps = rate.rate;
		} else {
			out->rates.min_mbps = rate.min_tx_rate;
			out->rates.max_mbps = rate.max_tx_rate;
		}
	}
	snprintf(out->lever, sizeof(out->lever), "legacy");
	out->link_state = rtnl_link_vf_get_linkstate(vf, &v) == 0 ? (int)v : -1;
	out->have_stats = true;
	for (size_t i = 0; i < DAQS_ARRAY_SIZE(stats); i++) {
		uint64_t c;

		if (rtnl_link_vf_get_stat(vf, stats[i].stat, &c) < 0) {
			out->have_stats = false;
			out->tx_bytes = out->rx_bytes = out->tx_packets = out->rx_packets = 0;
			break;
		}
		memcpy((char *)out + stats[i].off, &c, sizeof(c));
	}
	rtnl_link_vf_put(vf);
	return 0;
}

static int nl_list_vfs(void *h, const char *pf, struct daqs_pf_vf **vfs, size_t *n)
{
	struct pf_nl *p = h;
	struct rtnl_link *link;
	struct daqs_pf_vf *v = NULL;
	uint32_t num;
	int r;

	*vfs = NULL;
	*n = 0;
	r = get_link(p, pf, "list VFs", &link);
	if (r)
		return r;
	num = link_num_vfs(link);
	if (num)
		v = daqs_calloc(num, sizeof(*v));
	for (uint32_t i = 0; i < num; i++) {
		if (read_vf(link, i, &v[i])) {
			plog(p,
			     "pf: list VFs '%s' vf %" PRIu32 " (missing from the PF's %" PRIu32
			     " VFs)",
			     pf, i, num);
			free(v);
			rtnl_link_put(link);
			return -EIO;
		}
	}
	rtnl_link_put(link);
	*vfs = v;
	*n = num;
	return 0;
}

static bool min_refused(const struct pf_nl *p, const char *pf, uint32_t vf)
{
	for (size_t i = 0; i < p->n_refused; i++)
		if (p->refused[i].vf == vf && !strcmp(p->refused[i].pf, pf))
			return true;
	return false;
}

static void remember_refused(struct pf_nl *p, const char *pf, uint32_t vf)
{
	daqs_grow((void **)&p->refused, &p->cap_refused, p->n_refused + 1, sizeof(*p->refused));
	snprintf(p->refused[p->n_refused].pf, sizeof(p->refused[0].pf), "%s", pf);
	p->refused[p->n_refused++].vf = vf;
}

/* One IFLA_VF_RATE write of both rates; 0 or -errno (not logged). */
static int write_rates(struct pf_nl *p, struct rtnl_link *link, uint32_t vf,
		       const struct daqs_vf_rates *r)
{
	struct rtnl_link *change = rtnl_link_alloc();
	struct rtnl_link_vf *v = rtnl_link_vf_alloc();
	struct nl_vf_rate rate = {
		.api = RTNL_LINK_VF_RATE_API_NEW,
		.min_tx_rate = r->min_mbps,
		.max_tx_rate = r->max_mbps,
	};
	int err;

	if (!change || !v)
		abort(); /* house rule: allocation failure aborts */
	rtnl_link_vf_set_index(v, vf);
	rtnl_link_vf_set_rate(v, &rate);
	err = rtnl_link_vf_add(change, v);
	rtnl_link_vf_put(v); /* the change holds its own reference */
	if (err == 0) {
		p->sys_err = 0;
		err = rtnl_link_change(p->sk, link, change, 0);
	}
	rtnl_link_put(change);
	return err < 0 ? nl_fail(p, err) : 0;
}

static int nl_set_rates(void *h, const char *pf, uint32_t vf, const struct daqs_vf_rate_change *chg,
			struct daqs_vf_rates *now)
{
	struct pf_nl *p = h;
	struct daqs_vf_rate_change c = *chg;
	struct daqs_vf_rates want;
	struct daqs_pf_vf cur, back;
	struct rtnl_link *link;
	const char *why;
	char b1[64], b2[64];
	bool dropped = false;
	int r;

	if (chg->lever == DAQS_VF_LEVER_DEVLINK) {
		plog(p,
		     "pf: set rates '%s' vf %" PRIu32 " (vf_lever: devlink, but only the legacy "
		     "VF rate is open here)",
		     pf, vf);
		return -EOPNOTSUPP;
	}
	r = get_link(p, pf, "set rates", &link);
	if (r)
		return r;
	if (read_vf(link, vf, &cur)) {
		plog(p, "pf: set rates '%s' vf %" PRIu32 " (no such VF: the PF has %" PRIu32 ")",
		     pf, vf, link_num_vfs(link));
		rtnl_link_put(link);
		return -ENOENT;
	}
	/* a NIC that refused a min once: max only, the refusal already reported */
	if ((c.set & DAQS_VF_SET_MIN) && c.min_mbps && min_refused(p, pf, vf)) {
		c.min_mbps = 0;
		dropped = true;
	}
	if (daqs_vf_rates_merge(&cur.rates, &c, &want, &why)) {
		struct daqs_vf_rates asked = cur.rates;

		if (c.set & DAQS_VF_SET_MIN)
			asked.min_mbps = c.min_mbps;
		if (c.set & DAQS_VF_SET_MAX)
			asked.max_mbps = c.max_mbps;
		plog(p, "pf: set rates '%s' vf %" PRIu32 " (%s refused: %s; the VF keeps %s)", pf,
		     vf, daqs_vf_rates_str(&asked, b1, sizeof(b1)), why,
		     daqs_vf_rates_str(&cur.rates, b2, sizeof(b2)));
		rtnl_link_put(link);
		return -EINVAL;
	}
	if (daqs_vf_rates_eq(&want, &cur.rates)) {
		rtnl_link_put(link);
		if (now)
			*now = cur.rates;
		return dropped ? DAQS_PF_MIN_DROPPED : 0;
	}
	r = write_rates(p, link, vf, &want);
	if (r && daqs_vf_min_refused(r, &want)) {
		plog(p,
		     "pf: set rates '%s' vf %" PRIu32 " (the NIC refused min_tx_rate %" PRIu32
		     " Mbps: %s; max_tx_rate only from now on)",
		     pf, vf, want.min_mbps, strerror(-r));
		remember_refused(p, pf, vf);
		dropped = true;
		want = daqs_vf_rates_max_only(&want);
		r = daqs_vf_rates_eq(&want, &cur.rates) ? 0 : write_rates(p, link, vf, &want);
	}
	rtnl_link_put(link);
	if (r) {
		plog(p, "pf: set rates '%s' vf %" PRIu32 " (%s: %s)", pf, vf,
		     daqs_vf_rates_str(&want, b1, sizeof(b1)), strerror(-r));
		return r;
	}
	/* read back: the kernel (and the driver behind it) must hold what we wrote */
	r = get_link(p, pf, "verify rates", &link);
	if (r)
		return r;
	if (read_vf(link, vf, &back)) {
		plog(p, "pf: verify rates '%s' vf %" PRIu32 " (the VF is gone)", pf, vf);
		rtnl_link_put(link);
		return -ENOENT;
	}
	rtnl_link_put(link);
	if (!daqs_vf_rates_eq(&back.rates, &want)) {
		plog(p, "pf: verify rates '%s' vf %" PRIu32 " (wrote %s, read back %s)", pf, vf,
		     daqs_vf_rates_str(&want, b1, sizeof(b1)),
		     daqs_vf_rates_str(&back.rates, b2, sizeof(b2)));
		return -EIO;
	}
	if (now)
		*now = back.rates;
	return dropped ? DAQS_PF_MIN_DROPPED : 0;
}

static void nl_free(void *h)
{
	struct pf_nl *p = h;

	if (!p)
		return;
	nl_socket_free(p->sk); /* closes it */
	free(p->refused);
	free(p);
}

static const struct daqs_pf_ops netlink_ops = {
	.name = "netlink",
	.list_vfs = nl_list_vfs,
	.set_rates = nl_set_rates,
	.free = nl_free,
};

int daqs_pf_netlink_open(struct daqs_pf **out, void (*log)(void *ud, const char *msg), void *log_ud)
{
	struct pf_nl *p = daqs_calloc(1, sizeof(*p));
	int r;

	p->log = log;
	p->log_ud = log_ud;
	p->sk = nl_socket_alloc();
	if (!p->sk)
		abort();
	/* every ack's error goes through ack_err_cb first: the kernel's errno survives */
	nl_socket_modify_err_cb(p->sk, NL_CB_CUSTOM, ack_err_cb, p);
	r = nl_connect(p->sk, NETLINK_ROUTE);
	if (r < 0) {
		r = daqs_pf_nlerr_errno(r, 0);
		plog(p, "pf: open netlink route socket (%s)", strerror(-r));
		nl_free(p);
		return r;
	}
	p->pub.ops = &netlink_ops;
	p->pub.h = p;
	*out = &p->pub;
	return 0;
}

void daqs_pf_lever(struct daqs_pf *pf, const char *name, uint32_t vf, char *buf, size_t len)
{
	if (pf->ops->lever)
		pf->ops->lever(pf->h, name, vf, buf, len);
	else
		snprintf(buf, len, "legacy");
}

void daqs_pf_close(struct daqs_pf *pf)
{
	if (pf)
		pf->ops->free(pf->h);
}

/* "DDDD:BB:DD.F" with hex digits (the domain may be longer than 4). */
static bool pci_address_valid(const char *s)
{
	size_t n = strspn(s, "0123456789abcdefABCDEF");

	if (n < 4 || n > 8 || s[n] != ':')
		return false;
	s += n + 1;
	if (strspn(s, "0123456789abcdefABCDEF") != 2 || s[2] != ':')
		return false;
	s += 3;
	if (strspn(s, "0123456789abcdefABCDEF") != 2 || s[2] != '.')
		return false;
	s += 3;
	return s[0] >= '0' && s[0] <= '7' && s[1] == '\0';
}

int daqs_pf_vf_pci_address_at(const char *root, const char *pf, uint32_t vf, char *out, size_t len)
{
	char path[1024], target[1024];
	const char *base;
	struct stat st;
	ssize_t n;

	if (!pf || !daqs_netname_ifname_valid(pf))
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%s", root, pf);
	if (stat(path, &st) < 0)
		return -ENODEV;
	snprintf(path, sizeof(path), "%s/%s/device/virtfn%" PRIu32, root, pf, vf);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return errno == ENOENT || errno == ENOTDIR ? -ENOENT : -EIO;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (!pci_address_valid(base))
		return -EIO;
	if (strlen(base) >= len)
		return -ERANGE;
	strcpy(out, base);
	return 0;
}

int daqs_pf_vf_pci_address(const char *pf, uint32_t vf, char *out, size_t len)
{
	return daqs_pf_vf_pci_address_at("/sys/class/net", pf, vf, out, len);
}

/* A decimal count from a sysfs file; false when it cannot be read. */
static bool read_count(const char *path, uint32_t *out)
{
	FILE *f = fopen(path, "r");
	unsigned long v;
	bool ok;

	if (!f)
		return false;
	ok = fscanf(f, "%lu", &v) == 1 && v <= UINT32_MAX;
	fclose(f);
	if (ok)
		*out = (uint32_t)v;
	return ok;
}

int daqs_pf_sysfs_caps_at(const char *root, const char *pf, struct daqs_pf_caps *out)
{
	char path[1024], target[1024];
	const char *base;
	struct stat st;
	uint32_t mbps;
	ssize_t n;

	memset(out, 0, sizeof(*out));
	snprintf(out->pf, sizeof(out->pf), "%s", pf ? pf : "");
	if (!pf || !daqs_netname_ifname_valid(pf))
		return out->r = -EINVAL;
	snprintf(path, sizeof(path), "%s/%s", root, pf);
	if (stat(path, &st) < 0)
		return out->r = -ENODEV;
	snprintf(path, sizeof(path), "%s/%s/device/driver", root, pf);
	n = readlink(path, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = '\0';
		base = strrchr(target, '/');
		snprintf(out->driver, sizeof(out->driver), "%.31s", base ? base + 1 : target);
	}
	snprintf(path, sizeof(path), "%s/%s/device/sriov_numvfs", root, pf);
	out->sriov = read_count(path, &out->num_vfs);
	snprintf(path, sizeof(path), "%s/%s/device/sriov_totalvfs", root, pf);
	if (!read_count(path, &out->total_vfs))
		out->total_vfs = out->num_vfs;		       /* netdevsim has no sriov_totalvfs */
	snprintf(path, sizeof(path), "%s/%s/speed", root, pf); /* Mb/s; EINVAL while down */
	if (read_count(path, &mbps))
		out->speed_bps = (uint64_t)mbps * 1000000ULL;
	return 0;
}

int daqs_pf_probe(struct daqs_pf *pf, const char *name, struct daqs_pf_caps *out)
{
	if (pf && pf->ops->probe)
		return pf->ops->probe(pf->h, name, out);
	return daqs_pf_sysfs_caps_at("/sys/class/net", name, out);
}
