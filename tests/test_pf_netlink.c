/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PF adapter (lib/adapters/pf_netlink.c) where no SR-IOV PF is needed: VF PCI addresses
 * from a sysfs-shaped temporary tree, libnl error translation, and the real
 * netlink socket against a netdev that does not exist and one without VFs
 * (lo). Real VFs: tests/integration/vf-netdevsim.sh.
 */
#include <errno.h>
#include <netlink/errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"
#include "pf_netlink.h"
#include "unit.h"

static char root[] = "/tmp/daqs-pf.XXXXXX";

__attribute__((format(printf, 1, 2))) static void sh(const char *fmt, ...)
{
	char *cmd;
	va_list ap;

	va_start(ap, fmt);
	ck_assert_int_ge(vasprintf(&cmd, fmt, ap), 0);
	va_end(ap);
	ck_assert_msg(system(cmd) == 0, "%s", cmd);
	free(cmd);
}

static void setup(void)
{
	const char *pfdev = "devices/0000:3b:00.0";

	strcpy(root, "/tmp/daqs-pf.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	/* as on a host: /sys/class/net/PF/device -> the PF's PCI device,
	 * whose virtfnN -> ../<the VF's PCI address> */
	sh("cd '%s' && mkdir -p %s devices/0000:3b:02.0 devices/0000:3b:02.1 net/ens1f0 net/lo",
	   root, pfdev);
	sh("ln -s ../../%s '%s/net/ens1f0/device'", pfdev, root);
	sh("ln -s ../0000:3b:02.0 '%s/%s/virtfn0'", root, pfdev);
	sh("ln -s ../0000:3b:02.1 '%s/%s/virtfn1'", root, pfdev);
	sh("ln -s ../not-a-pci-address '%s/%s/virtfn2'", root, pfdev);
	sh("touch '%s/%s/virtfn3'", root, pfdev);		   /* not a link */
	sh("ln -s ../10000:e1:00.7 '%s/%s/virtfn4'", root, pfdev); /* a VMD domain */
	/* net/lo: a netdev without a device (virtual: lo, bridges) */
	/* its driver and VF counts, as the PCI core shows them */
	sh("cd '%s' && mkdir -p bus/pci/drivers/ice && ln -s ../../../bus/pci/drivers/ice %s/driver "
	   "&& echo 4 >%s/sriov_numvfs && echo 64 >%s/sriov_totalvfs && echo 25000 >net/ens1f0/speed",
	   root, pfdev, pfdev, pfdev);
}

static void teardown(void)
{
	char *cmd = daqs_asprintf("rm -rf '%s'", root);

	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

START_TEST(test_pci_address)
{
	char *net = daqs_asprintf("%s/net", root);
	char out[16] = "untouched", small[12];

	ck_assert_int_eq(daqs_pf_vf_pci_address_at(net, "ens1f0", 0, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "0000:3b:02.0");
	ck_assert_int_eq(daqs_pf_vf_pci_address_at(net, "ens1f0", 1, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "0000:3b:02.1");
	ck_assert_int_eq(daqs_pf_vf_pci_address_at(net, "ens1f0", 4, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "10000:e1:00.7");
	strcpy(out, "untouched");
	/* a link to something that is not a PCI address, a file that is not a link */
	ck_assert_int_eq(daqs_pf_vf_pci_address_at(net, "ens1f0", 2, out, sizeof(out)), -EIO);
	ck_assert_int_eq(daqs_pf_vf_pci_address_at(net, "ens1f0", 3, out, sizeof(out)), -EIO);
	/* no such VF; a netdev without a device; no such netdev; a bad name */
	ck_assert_int_eq(daqs_pf_vf_pci_address_at(net, "ens1f0", 5, out, sizeof(out)), -ENOENT);
	ck_assert_int_eq(daqs_pf_vf_pci_address_at(net, "lo", 0, out, sizeof(out)), -ENOENT);
	ck_assert_int_eq(daqs_pf_vf_pci_address_at(net, "ens9", 0, out, sizeof(out)), -ENODEV);
	ck_assert_int_eq(daqs_pf_vf_pci_address_at(net, "..", 0, out, sizeof(out)), -EINVAL);
	ck_assert_int_eq(daqs_pf_vf_pci_address_at(net, "a/b", 0, out, sizeof(out)), -EINVAL);
	ck_assert_int_eq(daqs_pf_vf_pci_address_at(net, NULL, 0, out, sizeof(out)), -EINVAL);
	ck_assert_str_eq(out, "untouched"); /* failures leave out alone */
	/* 12 characters and the NUL do not fit in 12 bytes */
	ck_assert_int_eq(daqs_pf_vf_pci_address_at(net, "ens1f0", 0, small, sizeof(small)),
			 -ERANGE);
	/* the real sysfs: lo is virtual, so it has no virtfn */
	ck_assert_int_eq(daqs_pf_vf_pci_address("lo", 0, out, sizeof(out)), -ENOENT);
	ck_assert_int_eq(daqs_pf_vf_pci_address("daqs-nosuch0", 0, out, sizeof(out)), -ENODEV);
	free(net);
}
END_TEST

/* What sysfs says of a PF: driver and VFs; nothing of a virtual netdev; errors. */
START_TEST(test_sysfs_caps)
{
	char *net = daqs_asprintf("%s/net", root);
	struct daqs_pf_caps c;

	ck_assert_int_eq(daqs_pf_sysfs_caps_at(net, "ens1f0", &c), 0);
	ck_assert_str_eq(c.pf, "ens1f0");
	ck_assert_str_eq(c.driver, "ice");
	ck_assert(c.sriov);
	ck_assert_uint_eq(c.num_vfs, 4);
	ck_assert_uint_eq(c.total_vfs, 64);
	ck_assert_uint_eq(c.speed_bps, 25000000000ULL);
	ck_assert(!c.devlink_leaf);
	ck_assert_int_eq(daqs_pf_sysfs_caps_at(net, "lo", &c), 0);
	ck_assert_str_eq(c.driver, "");
	ck_assert_uint_eq(c.speed_bps, 0);
	ck_assert(!c.sriov);
	ck_assert_uint_eq(c.num_vfs, 0);
	ck_assert_int_eq(daqs_pf_sysfs_caps_at(net, "ens9", &c), -ENODEV);
	ck_assert_int_eq(c.r, -ENODEV);
	ck_assert_int_eq(daqs_pf_sysfs_caps_at(net, "a/b", &c), -EINVAL);
	/* with no PF adapter: the real sysfs */
	ck_assert_int_eq(daqs_pf_probe(NULL, "lo", &c), 0);
	ck_assert_uint_eq(c.num_vfs, 0);
	free(net);
}
END_TEST

static const struct {
	int nlerr, sys_err, want;
} xlate[] = {
	{ 0, 0, 0 },
	{ -NLE_OBJ_NOTFOUND, 0, -ENODEV }, /* what libnl makes of the kernel's ENODEV */
	{ -NLE_NODEV, 0, -ENODEV },
	{ -NLE_INVAL, 0, -EINVAL },
	{ -NLE_OPNOTSUPP, 0, -EOPNOTSUPP },
	{ -NLE_PERM, 0, -EPERM },
	{ -NLE_NOACCESS, 0, -EACCES },
	{ -NLE_BUSY, 0, -EBUSY },
	{ -NLE_RANGE, 0, -ERANGE },
	{ -NLE_NOMEM, 0, -ENOMEM },
	{ -NLE_SEQ_MISMATCH, 0, -EPROTO },
	{ -NLE_MSG_TRUNC, 0, -EPROTO },
	{ -NLE_NOATTR, 0, -ENODATA },
	{ -NLE_FAILURE, 0, -EIO },  /* libnl's catch-all for errnos it does not know */
	{ -NLE_ATTRSIZE, 0, -EIO }, /* no errno counterpart */
	{ NLE_INVAL, 0, -EINVAL },  /* either sign */
	/* the kernel's errno from its ack wins over libnl's folding of it */
	{ -NLE_FAILURE, ENOSPC, -ENOSPC },
	{ -NLE_OBJ_NOTFOUND, ENOENT, -ENOENT },
	{ -NLE_INVAL, -ERANGE, -ERANGE },
	{ 0, EINVAL, 0 }, /* no error: a stale errno is ignored */
};

START_TEST(test_error_translation)
{
	ck_assert_int_eq(daqs_pf_nlerr_errno(xlate[_i].nlerr, xlate[_i].sys_err), xlate[_i].want);
}
END_TEST

struct logbuf {
	int n;
	char last[512];
};

static void log_cb(void *ud, const char *msg)
{
	struct logbuf *l = ud;

	l->n++;
	snprintf(l->last, sizeof(l->last), "%s", msg);
}

/* The real netlink socket: no such netdev, and lo (a netdev with no VFs). */
START_TEST(test_netlink_no_pf)
{
	struct logbuf log = { 0 };
	struct daqs_pf *pf = NULL;
	struct daqs_pf_vf *vfs = (void *)1;
	struct daqs_vf_rate_change chg = { .set = DAQS_VF_SET_MAX, .max_mbps = 100 };
	struct daqs_vf_rates now = { 7, 7 };
	size_t n = 99;

	ck_assert_int_eq(daqs_pf_netlink_open(&pf, log_cb, &log), 0);
	ck_assert_str_eq(pf->ops->name, "netlink");
	ck_assert_int_eq(log.n, 0);

	/* lo: no IFLA_NUM_VF at all (no parent device); 0 VFs, not an error, nothing logged */
	ck_assert_int_eq(daqs_pf_list_vfs(pf, "lo", &vfs, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(vfs);
	ck_assert_int_eq(log.n, 0);

	/* no such netdev: -ENODEV, reported once, naming the operation and the PF */
	vfs = (void *)1;
	ck_assert_int_eq(daqs_pf_list_vfs(pf, "daqs-nosuch0", &vfs, &n), -ENODEV);
	ck_assert_ptr_null(vfs);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(log.n, 1);
	ck_assert_str_eq(log.last, "pf: list VFs 'daqs-nosuch0' (no such netdev)");

	ck_assert_int_eq(daqs_pf_set_rates(pf, "daqs-nosuch0", 0, &chg, &now), -ENODEV);
	ck_assert_int_eq(log.n, 2);
	ck_assert_str_eq(log.last, "pf: set rates 'daqs-nosuch0' (no such netdev)");

	/* a netdev without that VF: nothing written */
	ck_assert_int_eq(daqs_pf_set_rates(pf, "lo", 3, &chg, &now), -ENOENT);
	ck_assert_int_eq(log.n, 3);
	ck_assert_str_eq(log.last, "pf: set rates 'lo' vf 3 (no such VF: the PF has 0)");
	ck_assert_uint_eq(now.min_mbps, 7); /* untouched */

	/* names are checked before anything is sent */
	ck_assert_int_eq(daqs_pf_list_vfs(pf, "../x", &vfs, &n), -EINVAL);
	ck_assert_int_eq(log.n, 4);
	ck_assert_str_eq(log.last, "pf: list VFs '../x' (not a valid interface name)");

	/* the socket still works after errors (sequence numbers in step) */
	ck_assert_int_eq(daqs_pf_list_vfs(pf, "lo", &vfs, &n), 0);
	ck_assert_int_eq(log.n, 4);
	daqs_pf_close(pf);
	daqs_pf_close(NULL);
}
END_TEST

Suite *daqs_test_pf_netlink_suite(void)
{
	Suite *s = suite_create("pf");
	TCase *tc = tcase_create("sysfs");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_pci_address);
	tcase_add_test(tc, test_sysfs_caps);
	suite_add_tcase(s, tc);
	tc = tcase_create("netlink");
	tcase_add_loop_test(tc, test_error_translation, 0, sizeof(xlate) / sizeof(xlate[0]));
	tcase_add_test(tc, test_netlink_no_pf);
	suite_add_tcase(s, tc);
	return s;
}
