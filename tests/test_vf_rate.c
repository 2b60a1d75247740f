/* SPDX-License-Identifier: GPL-2.0-or-later */
/* VF rate read-modify-write rules (lib/core/vf_rate.c). */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "sla.h"
#include "unit.h"
#include "vf_rate.h"

static const struct {
	uint64_t bps;
	uint32_t max, min;
} conv[] = {
	{ 0, 0, 0 },			  /* no limit / no guarantee */
	{ 1, 1, 0 },			  /* a positive cap never becomes "unlimited" */
	{ 999999, 1, 0 },		  /* below 1 Mbit: cap 1 Mbps, no min */
	{ 1000000, 1, 1 },		  /* exact */
	{ 1999999, 1, 1 },		  /* rounded down: the cap stays below the limit */
	{ 300000000, 300, 300 },	  /* 300mbit */
	{ 10000000000ULL, 10000, 10000 }, /* 10gbit */
	{ 40000000001ULL, 40000, 40000 }, /* never above */
	{ 4294967295000000ULL, UINT32_MAX, UINT32_MAX }, /* largest exact Mbps */
	{ 4294967296000000ULL, UINT32_MAX, UINT32_MAX }, /* saturates */
	{ DAQS_RATE_UNLIMITED, 0, UINT32_MAX },		 /* an unlimited max lifts the cap */
};

START_TEST(test_conversion)
{
	ck_assert_uint_eq(daqs_vf_max_mbps(conv[_i].bps), conv[_i].max);
	ck_assert_uint_eq(daqs_vf_min_mbps(conv[_i].bps), conv[_i].min);
	/* the property behind the max rule: cap*1e6 <= bps unless bps < 1 Mbit */
	if (conv[_i].bps >= 1000000 && conv[_i].bps != DAQS_RATE_UNLIMITED)
		ck_assert_uint_le((uint64_t)daqs_vf_max_mbps(conv[_i].bps) * 1000000, conv[_i].bps);
}
END_TEST

#define MIN DAQS_VF_SET_MIN
#define MAX DAQS_VF_SET_MAX

static const struct {
	struct daqs_vf_rates cur;
	struct daqs_vf_rate_change chg;
	int ret;
	struct daqs_vf_rates out; /* when ret == 0 */
	const char *why;	  /* substring, when ret != 0 */
} merges[] = {
	/* setting one keeps the other (the whole point of read-modify-write) */
	{ { 100, 500 }, { MAX, 0, 800 }, 0, { 100, 800 }, NULL },
	{ { 100, 500 }, { MIN, 200, 0 }, 0, { 200, 500 }, NULL },
	{ { 0, 0 }, { MAX, 0, 300 }, 0, { 0, 300 }, NULL },
	{ { 0, 300 }, { MIN, 50, 0 }, 0, { 50, 300 }, NULL },
	/* both at once */
	{ { 100, 500 }, { MIN | MAX, 20, 40 }, 0, { 20, 40 }, NULL },
	/* clearing */
	{ { 100, 500 }, { MAX, 0, 0 }, 0, { 100, 0 }, NULL }, /* no cap: any min is fine */
	{ { 100, 500 }, { MIN, 0, 0 }, 0, { 0, 500 }, NULL },
	/* min == max is allowed */
	{ { 100, 500 }, { MAX, 0, 100 }, 0, { 100, 100 }, NULL },
	{ { 0, 0 }, { MIN, 700, 0 }, 0, { 700, 0 }, NULL }, /* min without a cap */
	/* refused: lowering max below the VF's min does not lower the min */
	{ { 100, 500 }, { MAX, 0, 99 }, -EINVAL, { 0 }, "below the VF's min" },
	/* refused: raising min above the VF's max */
	{ { 100, 500 }, { MIN, 501, 0 }, -EINVAL, { 0 }, "above the VF's max" },
	/* refused: both, inconsistent */
	{ { 0, 0 }, { MIN | MAX, 600, 500 }, -EINVAL, { 0 }, "min above max" },
	/* refused: nothing to do */
	{ { 1, 2 }, { 0, 5, 5 }, -EINVAL, { 0 }, "nothing" },
	/* a VF already inconsistent (set by someone else): a fix is accepted */
	{ { 900, 100 }, { MIN, 50, 0 }, 0, { 50, 100 }, NULL },
	{ { 900, 100 }, { MAX, 0, 300 }, -EINVAL, { 0 }, "below the VF's min" },
};

START_TEST(test_merge)
{
	struct daqs_vf_rates out = { 0xdead, 0xbeef };
	const char *why = NULL;
	int r = daqs_vf_rates_merge(&merges[_i].cur, &merges[_i].chg, &out, &why);

	ck_assert_int_eq(r, merges[_i].ret);
	if (r == 0) {
		ck_assert_uint_eq(out.min_mbps, merges[_i].out.min_mbps);
		ck_assert_uint_eq(out.max_mbps, merges[_i].out.max_mbps);
		ck_assert(daqs_vf_rates_valid(&out));
	} else {
		/* nothing to write: out untouched, a reason given */
		ck_assert_uint_eq(out.min_mbps, 0xdead);
		ck_assert_uint_eq(out.max_mbps, 0xbeef);
		ck_assert_ptr_nonnull(why);
		ck_assert_msg(strstr(why, merges[_i].why), "why '%s' lacks '%s'", why,
			      merges[_i].why);
	}
}
END_TEST

START_TEST(test_min_refused)
{
	struct daqs_vf_rates with_min = { 100, 500 }, no_min = { 0, 500 }, m;
	char buf[64];

	/* Intel: EINVAL for a non-zero min means "min not supported" */
	ck_assert(daqs_vf_min_refused(-EINVAL, &with_min));
	/* EINVAL without a min is a real error; other errors are never the min's fault */
	ck_assert(!daqs_vf_min_refused(-EINVAL, &no_min));
	ck_assert(!daqs_vf_min_refused(-EOPNOTSUPP, &with_min));
	ck_assert(!daqs_vf_min_refused(0, &with_min));
	m = daqs_vf_rates_max_only(&with_min);
	ck_assert_uint_eq(m.min_mbps, 0);
	ck_assert_uint_eq(m.max_mbps, 500);
	ck_assert_str_eq(daqs_vf_rates_str(&with_min, buf, sizeof(buf)), "min 100 max 500 Mbps");
	ck_assert(daqs_vf_rates_eq(&no_min, &m));
	ck_assert(!daqs_vf_rates_eq(&no_min, &with_min));
}
END_TEST

Suite *daqs_test_vf_rate_suite(void)
{
	Suite *s = suite_create("vf_rate");
	TCase *tc = tcase_create("rates");

	tcase_add_loop_test(tc, test_conversion, 0, sizeof(conv) / sizeof(conv[0]));
	tcase_add_loop_test(tc, test_merge, 0, sizeof(merges) / sizeof(merges[0]));
	tcase_add_test(tc, test_min_refused);
	suite_add_tcase(s, tc);
	return s;
}
