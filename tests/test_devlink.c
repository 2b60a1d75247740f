/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The devlink adapter (lib/adapters/devlink.c): its parsers on messages built
 * here with libnl as the kernel sends them, the choice of a VF's port over
 * port dumps shaped like netdevsim's and mlx5's, the real generic netlink
 * socket of this host, and pf_devlink.c's fallback to the legacy lever.
 * The adapter against a real driver is tests/integration/vf-netdevsim.sh.
 */
#include <check.h>
#include <errno.h>
#include <linux/devlink.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devlink.h"
#include "pf_devlink.h"
#include "unit.h"

static struct nl_msg *msg(uint8_t cmd)
{
	struct nl_msg *m = nlmsg_alloc();

	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_nonnull(genlmsg_put(m, 0, 1, 0x1a, 0, 0, cmd, DEVLINK_GENL_VERSION));
	return m;
}

static void handle(struct nl_msg *m, const char *bus, const char *dev)
{
	ck_assert_int_eq(nla_put_string(m, DEVLINK_ATTR_BUS_NAME, bus), 0);
	ck_assert_int_eq(nla_put_string(m, DEVLINK_ATTR_DEV_NAME, dev), 0);
}

START_TEST(test_parse_port)
{
	struct daqs_devlink_port p;
	struct nl_msg *m = msg(DEVLINK_CMD_PORT_NEW);

	/* a VF port as netdevsim reports it in switchdev mode */
	handle(m, "netdevsim", "netdevsim1");
	nla_put_u32(m, DEVLINK_ATTR_PORT_INDEX, 129);
	nla_put_u16(m, DEVLINK_ATTR_PORT_FLAVOUR, DEVLINK_PORT_FLAVOUR_PCI_VF);
	nla_put_u16(m, DEVLINK_ATTR_PORT_PCI_PF_NUMBER, 0);
	nla_put_u16(m, DEVLINK_ATTR_PORT_PCI_VF_NUMBER, 1);
	nla_put_string(m, DEVLINK_ATTR_PORT_NETDEV_NAME, "eni1npf0vf1");
	nla_put_u8(m, DEVLINK_ATTR_PORT_SPLITTABLE, 0); /* not read: ignored */
	ck_assert_int_eq(daqs_devlink_parse_port(nlmsg_hdr(m), &p), 0);
	ck_assert_str_eq(p.bus, "netdevsim");
	ck_assert_str_eq(p.dev, "netdevsim1");
	ck_assert_uint_eq(p.index, 129);
	ck_assert_int_eq(p.flavour, DEVLINK_PORT_FLAVOUR_PCI_VF);
	ck_assert(p.have_pf && p.have_vf);
	ck_assert_uint_eq(p.pf, 0);
	ck_assert_uint_eq(p.vf, 1);
	ck_assert_str_eq(p.netdev, "eni1npf0vf1");
	nlmsg_free(m);

	/* a physical port: no PCI numbers, flavour kept */
	m = msg(DEVLINK_CMD_PORT_NEW);
	handle(m, "pci", "0000:3b:00.0");
	nla_put_u32(m, DEVLINK_ATTR_PORT_INDEX, 0);
	nla_put_u16(m, DEVLINK_ATTR_PORT_FLAVOUR, DEVLINK_PORT_FLAVOUR_PHYSICAL);
	ck_assert_int_eq(daqs_devlink_parse_port(nlmsg_hdr(m), &p), 0);
	ck_assert(!p.have_pf && !p.have_vf);
	ck_assert_str_eq(p.netdev, "");
	nlmsg_free(m);

	/* no port index: malformed */
	m = msg(DEVLINK_CMD_PORT_NEW);
	handle(m, "pci", "0000:3b:00.0");
	ck_assert_int_eq(daqs_devlink_parse_port(nlmsg_hdr(m), &p), -EPROTO);
	nlmsg_free(m);

	/* no device name: malformed */
	m = msg(DEVLINK_CMD_PORT_NEW);
	nla_put_string(m, DEVLINK_ATTR_BUS_NAME, "pci");
	nla_put_u32(m, DEVLINK_ATTR_PORT_INDEX, 0);
	ck_assert_int_eq(daqs_devlink_parse_port(nlmsg_hdr(m), &p), -EPROTO);
	nlmsg_free(m);

	/* a port index of the wrong size (u8 where u32 belongs): refused, not read past */
	m = msg(DEVLINK_CMD_PORT_NEW);
	handle(m, "pci", "0000:3b:00.0");
	nla_put_u8(m, DEVLINK_ATTR_PORT_INDEX, 3);
	ck_assert_int_eq(daqs_devlink_parse_port(nlmsg_hdr(m), &p), -EPROTO);
	nlmsg_free(m);

	/* a bus name without its terminating NUL */
	m = msg(DEVLINK_CMD_PORT_NEW);
	nla_put(m, DEVLINK_ATTR_BUS_NAME, 3, "pci");
	nla_put_string(m, DEVLINK_ATTR_DEV_NAME, "x");
	nla_put_u32(m, DEVLINK_ATTR_PORT_INDEX, 0);
	ck_assert_int_eq(daqs_devlink_parse_port(nlmsg_hdr(m), &p), -EPROTO);
	nlmsg_free(m);
}
END_TEST

START_TEST(test_parse_rate)
{
	struct daqs_devlink_rate r;
	char name[200];
	struct nl_msg *m = msg(DEVLINK_CMD_RATE_NEW);

	handle(m, "netdevsim", "netdevsim1");
	nla_put_u16(m, DEVLINK_ATTR_RATE_TYPE, DEVLINK_RATE_TYPE_LEAF);
	nla_put_u32(m, DEVLINK_ATTR_PORT_INDEX, 130);
	nla_put_u64(m, DEVLINK_ATTR_RATE_TX_SHARE, 250 * 125000ULL);
	nla_put_u64(m, DEVLINK_ATTR_RATE_TX_MAX, 5000 * 125000ULL);
	nla_put_string(m, DEVLINK_ATTR_RATE_PARENT_NODE_NAME, "tenant-a");
	ck_assert_int_eq(daqs_devlink_parse_rate(nlmsg_hdr(m), &r), 0);
	ck_assert(r.leaf);
	ck_assert_uint_eq(r.port, 130);
	ck_assert_uint_eq(r.tx_share, 31250000ULL);
	ck_assert_uint_eq(r.tx_max, 625000000ULL);
	ck_assert_str_eq(r.parent, "tenant-a");
	ck_assert_str_eq(daqs_devlink_rate_name(&r, name, sizeof(name)),
			 "netdevsim/netdevsim1/130");
	nlmsg_free(m);

	/* a node without rates (none set: 0), without a parent */
	m = msg(DEVLINK_CMD_RATE_NEW);
	handle(m, "pci", "0000:3b:00.0");
	nla_put_u16(m, DEVLINK_ATTR_RATE_TYPE, DEVLINK_RATE_TYPE_NODE);
	nla_put_string(m, DEVLINK_ATTR_RATE_NODE_NAME, "tenant-b");
	ck_assert_int_eq(daqs_devlink_parse_rate(nlmsg_hdr(m), &r), 0);
	ck_assert(!r.leaf);
	ck_assert_str_eq(r.node, "tenant-b");
	ck_assert_uint_eq(r.tx_share, 0);
	ck_assert_uint_eq(r.tx_max, 0);
	ck_assert_str_eq(r.parent, "");
	ck_assert_str_eq(daqs_devlink_rate_name(&r, name, sizeof(name)),
			 "pci/0000:3b:00.0/tenant-b");
	nlmsg_free(m);

	/* a leaf without its port, a node without its name, no type, an unknown type */
	static const struct {
		int type; /* -1: no type attribute */
		bool port, name;
	} bad[] = { { DEVLINK_RATE_TYPE_LEAF, false, true },
		    { DEVLINK_RATE_TYPE_NODE, true, false },
		    { -1, true, true },
		    { 7, true, true } };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m = msg(DEVLINK_CMD_RATE_NEW);
		handle(m, "pci", "0000:3b:00.0");
		if (bad[i].type >= 0)
			nla_put_u16(m, DEVLINK_ATTR_RATE_TYPE, (uint16_t)bad[i].type);
		if (bad[i].port)
			nla_put_u32(m, DEVLINK_ATTR_PORT_INDEX, 1);
		if (bad[i].name)
			nla_put_string(m, DEVLINK_ATTR_RATE_NODE_NAME, "n");
		ck_assert_int_eq(daqs_devlink_parse_rate(nlmsg_hdr(m), &r), -EPROTO);
		nlmsg_free(m);
	}

	/* a rate of the wrong size (u32 where u64 belongs) */
	m = msg(DEVLINK_CMD_RATE_NEW);
	handle(m, "pci", "0000:3b:00.0");
	nla_put_u16(m, DEVLINK_ATTR_RATE_TYPE, DEVLINK_RATE_TYPE_LEAF);
	nla_put_u32(m, DEVLINK_ATTR_PORT_INDEX, 1);
	nla_put_u32(m, DEVLINK_ATTR_RATE_TX_MAX, 5);
	ck_assert_int_eq(daqs_devlink_parse_rate(nlmsg_hdr(m), &r), -EPROTO);
	nlmsg_free(m);
}
END_TEST

static struct daqs_devlink_port port(const char *bus, const char *dev, uint32_t index, int flavour,
				     int pf, int vf, const char *netdev)
{
	struct daqs_devlink_port p = { .index = index, .flavour = flavour };

	snprintf(p.bus, sizeof(p.bus), "%s", bus);
	snprintf(p.dev, sizeof(p.dev), "%s", dev);
	snprintf(p.netdev, sizeof(p.netdev), "%s", netdev);
	p.have_pf = pf >= 0;
	p.pf = pf >= 0 ? (uint16_t)pf : 0;
	p.have_vf = vf >= 0;
	p.vf = vf >= 0 ? (uint16_t)vf : 0;
	return p;
}

START_TEST(test_match_vf)
{
	enum {
		PHYS = DEVLINK_PORT_FLAVOUR_PHYSICAL,
		PFL = DEVLINK_PORT_FLAVOUR_PCI_PF,
		VFL = DEVLINK_PORT_FLAVOUR_PCI_VF
	};
	/* two netdevsim instances, each with a PF port and VF ports vf 0, 1 */
	const struct daqs_devlink_port nsim[] = {
		port("netdevsim", "netdevsim1", 0, PHYS, -1, -1, "eni1np1"),
		port("netdevsim", "netdevsim1", 128, VFL, 0, 0, "eni1npf0vf0"),
		port("netdevsim", "netdevsim1", 129, VFL, 0, 1, "eni1npf0vf1"),
		port("netdevsim", "netdevsim2", 0, PHYS, -1, -1, "eni2np1"),
		port("netdevsim", "netdevsim2", 128, VFL, 0, 0, "eni2npf0vf0"),
		port("netdevsim", "netdevsim2", 129, VFL, 0, 1, ""),
	};
	/* one instance holding two PFs (their VF numbers overlap) */
	const struct daqs_devlink_port shared[] = {
		port("pci", "0000:3b:00.0", 1, PFL, 0, -1, "pf0"),
		port("pci", "0000:3b:00.0", 2, PFL, 1, -1, "pf1"),
		port("pci", "0000:3b:00.0", 10, VFL, 0, 0, ""),
		port("pci", "0000:3b:00.0", 20, VFL, 1, 0, ""),
		port("pci", "0000:3b:00.0", 5, PHYS, -1, -1, "uplink"),
	};
	struct daqs_devlink_port out = { 0 };

	ck_assert_int_eq(daqs_devlink_match_vf(nsim, 6, "eni2np1", 1, &out), 0);
	ck_assert_str_eq(out.dev, "netdevsim2"); /* not the same VF of the other instance */
	ck_assert_uint_eq(out.index, 129);
	ck_assert_int_eq(daqs_devlink_match_vf(nsim, 6, "eni1np1", 0, &out), 0);
	ck_assert_uint_eq(out.index, 128);
	ck_assert_str_eq(out.dev, "netdevsim1");
	ck_assert_int_eq(daqs_devlink_match_vf(nsim, 6, "eni1np1", 2, &out), -ENOENT);
	ck_assert_int_eq(daqs_devlink_match_vf(nsim, 6, "eth0", 0, &out), -ENODEV);
	ck_assert_int_eq(daqs_devlink_match_vf(nsim, 6, "", 0, &out), -ENODEV);
	ck_assert_int_eq(daqs_devlink_match_vf(nsim, 6, NULL, 0, &out), -ENODEV);
	ck_assert_int_eq(daqs_devlink_match_vf(nsim, 0, "eni1np1", 0, &out), -ENODEV);

	/* the PF's own port names its PF number: the other PF's VF 0 is not ours */
	ck_assert_int_eq(daqs_devlink_match_vf(shared, 5, "pf1", 0, &out), 0);
	ck_assert_uint_eq(out.index, 20);
	ck_assert_int_eq(daqs_devlink_match_vf(shared, 5, "pf0", 0, &out), 0);
	ck_assert_uint_eq(out.index, 10);
	/* the uplink says no PF number: two VF 0s, no guess */
	ck_assert_int_eq(daqs_devlink_match_vf(shared, 5, "uplink", 0, &out), -ENOTUNIQ);
}
END_TEST

/* This host's kernel: the family resolves (or is absent), lo has no devlink port. */
START_TEST(test_real_socket)
{
	struct daqs_devlink *dl = NULL;
	struct daqs_devlink_port p;
	struct daqs_devlink_port *ports = NULL;
	size_t n = 0;
	int r = daqs_devlink_open(&dl);

	if (r == -EOPNOTSUPP) { /* a kernel without CONFIG_NET_DEVLINK: said, not failed */
		fprintf(stderr, "test_devlink: no devlink family in this kernel\n");
		return;
	}
	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(daqs_devlink_ports(dl, &ports, &n), 0);
	free(ports);
	ck_assert_int_eq(daqs_devlink_find_vf(dl, "lo", 0, &p), -ENODEV);
	ck_assert_str_eq(daqs_devlink_why(dl), "");
	/* a handle that cannot be sent: refused before the kernel */
	ck_assert_int_eq(daqs_devlink_node_new(dl, "", "x", "n"), -EINVAL);
	ck_assert_int_eq(daqs_devlink_node_new(dl, "pci", "x", ""), -EINVAL);
	/* no such devlink instance: the kernel's errno comes back */
	r = daqs_devlink_node_new(dl, "pci", "ffff:ff:1f.7", "daqs-test");
	ck_assert_msg(r == -ENODEV || r == -EOPNOTSUPP || r == -EPERM, "node_new: %d", r);
	daqs_devlink_close(dl);
}
END_TEST

struct fake_legacy {
	struct daqs_pf pub;
	int sets, lists;
	uint32_t vf;
	struct daqs_vf_rate_change chg;
	bool freed;
};

static int fake_list(void *h, const char *pf, struct daqs_pf_vf **vfs, size_t *n)
{
	struct fake_legacy *f = h;

	f->lists++;
	*vfs = calloc(1, sizeof(**vfs));
	snprintf((*vfs)[0].lever, sizeof((*vfs)[0].lever), "legacy");
	(*vfs)[0].rates.max_mbps = 42;
	*n = 1;
	return 0;
}

static int fake_set(void *h, const char *pf, uint32_t vf, const struct daqs_vf_rate_change *chg,
		    struct daqs_vf_rates *now)
{
	struct fake_legacy *f = h;

	f->sets++;
	f->vf = vf;
	f->chg = *chg;
	if (now)
		*now = (struct daqs_vf_rates){ chg->min_mbps, chg->max_mbps };
	return 0;
}

static void fake_free(void *h)
{
	((struct fake_legacy *)h)->freed = true;
}

static const struct daqs_pf_ops fake_ops = {
	.name = "fake", .list_vfs = fake_list, .set_rates = fake_set, .free = fake_free
};

struct logbuf {
	int n;
	char last[512];
};

static void log_cb(void *ud, const char *m)
{
	struct logbuf *l = ud;

	l->n++;
	snprintf(l->last, sizeof(l->last), "%s", m);
}

/* A PF without a devlink port: every call goes to the legacy lever, said once. */
START_TEST(test_pf_devlink_falls_back)
{
	struct fake_legacy f = { .pub = { .ops = &fake_ops } };
	struct logbuf log = { 0 };
	struct daqs_pf *pf;
	struct daqs_vf_rate_change chg = { .set = DAQS_VF_SET_MAX | DAQS_VF_SET_MIN,
					   .min_mbps = 100,
					   .max_mbps = 300 };
	struct daqs_vf_rates now = { 0 };
	struct daqs_pf_vf *vfs;
	char lever[96];
	size_t n;
	int base;

	f.pub.h = &f;
	ck_assert_int_eq(daqs_pf_devlink_open(&pf, &f.pub, log_cb, log_cb, &log), 0);
	ck_assert_str_eq(pf->ops->name, "devlink+netlink");
	base = log.n; /* 1 when this kernel has no devlink, else 0 */
	ck_assert_int_le(base, 1);
	daqs_pf_lever(pf, "lo", 2, lever, sizeof(lever));
	ck_assert_str_eq(lever, ""); /* nothing written yet */

	ck_assert_int_eq(daqs_pf_set_rates(pf, "lo", 2, &chg, &now), 0);
	ck_assert_int_eq(f.sets, 1);
	ck_assert_uint_eq(f.vf, 2);
	ck_assert_uint_eq(f.chg.max_mbps, 300);
	ck_assert_uint_eq(now.min_mbps, 100);
	ck_assert_int_eq(log.n, base + 1);
	ck_assert_str_eq(log.last,
			 "pf: 'lo' vf 2 takes its rates by the legacy VF rate (IFLA_VF_RATE)");
	daqs_pf_lever(pf, "lo", 2, lever, sizeof(lever));
	ck_assert_str_eq(lever, "legacy");

	/* said once per VF, not per write */
	ck_assert_int_eq(daqs_pf_set_rates(pf, "lo", 2, &chg, NULL), 0);
	ck_assert_int_eq(f.sets, 2);
	ck_assert_int_eq(log.n, base + 1);

	/* vf_lever: legacy goes straight to the legacy lever; devlink without a leaf writes
	 * nothing and says so once */
	chg.lever = DAQS_VF_LEVER_LEGACY;
	ck_assert_int_eq(daqs_pf_set_rates(pf, "lo", 2, &chg, NULL), 0);
	ck_assert_int_eq(f.sets, 3);
	chg.lever = DAQS_VF_LEVER_DEVLINK;
	ck_assert_int_eq(daqs_pf_set_rates(pf, "lo", 2, &chg, NULL), -EOPNOTSUPP);
	ck_assert_int_eq(daqs_pf_set_rates(pf, "lo", 2, &chg, NULL), -EOPNOTSUPP);
	ck_assert_int_eq(f.sets, 3); /* nothing reached the legacy lever */
	ck_assert_int_eq(log.n, base + 2);
	ck_assert_ptr_nonnull(strstr(log.last, "pf: set rates 'lo' vf 2 (vf_lever: devlink, but "
					       "it has no devlink rate leaf: "));
	ck_assert_ptr_nonnull(strstr(log.last, "); nothing written"));

	ck_assert_int_eq(daqs_pf_list_vfs(pf, "lo", &vfs, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(vfs[0].lever, "legacy");
	ck_assert_uint_eq(vfs[0].rates.max_mbps, 42);
	free(vfs);
	daqs_pf_close(pf);
	ck_assert(f.freed); /* the wrapped PF goes with it */
}
END_TEST

Suite *daqs_test_devlink_suite(void)
{
	Suite *s = suite_create("devlink");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_parse_port);
	tcase_add_test(tc, test_parse_rate);
	tcase_add_test(tc, test_match_vf);
	tcase_add_test(tc, test_real_socket);
	tcase_add_test(tc, test_pf_devlink_falls_back);
	suite_add_tcase(s, tc);
	return s;
}
