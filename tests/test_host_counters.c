/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Host-side counters (lib/adapters/host_counters.c) read from a sysfs-shaped temporary tree. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host_counters.h"
#include "mem.h"
#include "unit.h"

static char root[] = "/tmp/daqs-hc.XXXXXX";

static void put(const char *ifname, const char *name, const char *text)
{
	char *dir = daqs_asprintf("%s/%s/statistics", root, ifname), *path;
	FILE *f;

	path = daqs_asprintf("mkdir -p '%s'", dir);
	ck_assert_int_eq(system(path), 0);
	free(path);
	path = daqs_asprintf("%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	free(path);
	free(dir);
}

static void setup(void)
{
	strcpy(root, "/tmp/daqs-hc.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
}

static void teardown(void)
{
	char *cmd = daqs_asprintf("rm -rf '%s'", root);

	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

/* The host receives what the guest sends: rx is the guest's tx. */
START_TEST(test_read_swapped)
{
	struct daqs_counters c;

	put("vnet7", "rx_bytes", "123456789012\n");
	put("vnet7", "tx_bytes", "42\n");
	put("vnet7", "rx_packets", "1000\n");
	put("vnet7", "tx_packets", "7\n");
	ck_assert_int_eq(daqs_host_counters_read_at(root, "vnet7", &c), 0);
	ck_assert_uint_eq(c.tx_bytes, 123456789012ULL);
	ck_assert_uint_eq(c.rx_bytes, 42);
	ck_assert_uint_eq(c.tx_pkts, 1000);
	ck_assert_uint_eq(c.rx_pkts, 7);
}
END_TEST

START_TEST(test_read_errors)
{
	struct daqs_counters c = { .tx_bytes = 5 };

	ck_assert_int_eq(daqs_host_counters_read_at(root, "nosuch0", &c), -ENODEV);
	put("bad0", "rx_bytes", "12x\n");
	ck_assert_int_eq(daqs_host_counters_read_at(root, "bad0", &c), -EIO);
	put("empty0", "rx_bytes", "");
	ck_assert_int_eq(daqs_host_counters_read_at(root, "empty0", &c), -EIO);
	put("part0", "rx_bytes", "1\n"); /* the other three missing */
	ck_assert_int_eq(daqs_host_counters_read_at(root, "part0", &c), -ENODEV);
	ck_assert_uint_eq(c.tx_bytes, 5); /* untouched on failure */
	/* a name that could leave the directory is refused before any read */
	ck_assert_int_eq(daqs_host_counters_read_at(root, "..", &c), -EINVAL);
	ck_assert_int_eq(daqs_host_counters_read_at(root, "a/b", &c), -EINVAL);
	ck_assert_int_eq(daqs_host_counters_read_at(root, "0123456789abcdef", &c), -EINVAL);
	ck_assert_int_eq(daqs_host_counters_read(NULL, &c), -EINVAL);
}
END_TEST

/* The real thing: lo exists in every network namespace. */
START_TEST(test_read_lo)
{
	struct daqs_counters c;

	ck_assert_int_eq(daqs_host_counters_read("lo", &c), 0);
	ck_assert_int_eq(daqs_host_counters_read("daqs-nosuch-if", &c), -ENODEV);
}
END_TEST

Suite *daqs_test_host_counters_suite(void)
{
	Suite *s = suite_create("host_counters");
	TCase *tc = tcase_create("read");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_read_swapped);
	tcase_add_test(tc, test_read_errors);
	tcase_add_test(tc, test_read_lo);
	suite_add_tcase(s, tc);
	return s;
}
