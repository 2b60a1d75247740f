/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What a PF offers as VF rate levers (lib/core/pf_caps.c): levers and what a min means. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pf_caps.h"
#include "unit.h"

static struct daqs_pf_caps pf(const char *driver, uint32_t vfs, bool leaf)
{
	struct daqs_pf_caps c;

	memset(&c, 0, sizeof(c));
	snprintf(c.pf, sizeof(c.pf), "ens1f0");
	snprintf(c.driver, sizeof(c.driver), "%s", driver);
	c.num_vfs = c.total_vfs = vfs;
	c.sriov = vfs > 0;
	c.devlink_leaf = leaf;
	return c;
}

START_TEST(test_min_meaning)
{
	struct daqs_pf_caps c = pf("mlx5_core", 8, true);
	bool seen = true;

	ck_assert_str_eq(daqs_pf_min_name(daqs_pf_min_of(&c, &seen)), "weight");
	ck_assert(!seen); /* from the driver table */
	c = pf("ice", 8, false);
	ck_assert_str_eq(daqs_pf_min_name(daqs_pf_min_of(&c, NULL)), "absolute");
	ck_assert(daqs_pf_min_sum_capped(&c));
	c = pf("i40e", 8, false);
	ck_assert_str_eq(daqs_pf_min_name(daqs_pf_min_of(&c, NULL)), "refused");
	ck_assert(!daqs_pf_min_sum_capped(&c));
	c = pf("netdevsim", 4, false);
	ck_assert_str_eq(daqs_pf_min_name(daqs_pf_min_of(&c, NULL)), "absolute");
	c = pf("bnxt_en", 4, false);
	ck_assert_str_eq(daqs_pf_min_name(daqs_pf_min_of(&c, NULL)), "unknown");
	/* what daqsd saw wins over the table */
	c.min_refused = true;
	ck_assert_str_eq(daqs_pf_min_name(daqs_pf_min_of(&c, &seen)), "refused");
	ck_assert(seen);
	ck_assert_str_eq(daqs_pf_min_name((enum daqs_pf_min)99), "?");
}
END_TEST

START_TEST(test_levers)
{
	char b[64];
	struct daqs_pf_caps c = pf("netdevsim", 4, true);

	ck_assert_str_eq(daqs_pf_levers(&c, b, sizeof(b)), "devlink-leaf,devlink-node");
	c = pf("netdevsim", 4, false);
	ck_assert_str_eq(daqs_pf_levers(&c, b, sizeof(b)), "legacy-max,legacy-min");
	c = pf("i40e", 4, false); /* a min is refused there */
	ck_assert_str_eq(daqs_pf_levers(&c, b, sizeof(b)), "legacy-max");
	c = pf("ice", 0, false); /* no VFs enabled */
	ck_assert_str_eq(daqs_pf_levers(&c, b, sizeof(b)), "none");
	c = pf("ice", 4, false);
	c.r = -ENODEV; /* not probed */
	ck_assert_str_eq(daqs_pf_levers(&c, b, sizeof(b)), "none");
}
END_TEST

Suite *daqs_test_pf_caps_suite(void)
{
	Suite *s = suite_create("pf_caps");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_min_meaning);
	tcase_add_test(tc, test_levers);
	suite_add_tcase(s, tc);
	return s;
}
