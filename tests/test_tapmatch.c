/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which guest interface tracks a tap (lib/core/tapmatch.h). */
#include <stdio.h>
#include <string.h>

#include "tapmatch.h"
#include "unit.h"

#define STEP 1000000ULL /* bytes the tap moves each sample (both ways) */

/* Interfaces: a dummy that moves dummy_step, eth0 moving eth0_step, each way. */
static size_t ifaces(struct daqs_qga_iface *v, unsigned k, uint64_t eth0_step, uint64_t dummy_step)
{
	memset(v, 0, 2 * sizeof(*v));
	snprintf(v[0].name, sizeof(v[0].name), "dummy0");
	snprintf(v[1].name, sizeof(v[1].name), "eth0");
	v[0].has_stats = v[1].has_stats = true;
	v[0].c.tx_bytes = v[0].c.rx_bytes = k * dummy_step;
	v[1].c.tx_bytes = v[1].c.rx_bytes = 5000 + k * eth0_step;
	return 2;
}

static int feeds_to_name(uint64_t eth0_step, uint64_t dummy_step, uint64_t host_step,
			 char out[DAQS_IFNAMSIZ])
{
	struct daqs_tapmatch m = { 0 };
	struct daqs_qga_iface v[2];

	for (unsigned k = 0; k < 10; k++) {
		struct daqs_counters h = { .tx_bytes = 7 + k * host_step,
					   .rx_bytes = k * host_step };
		size_t n = ifaces(v, k, eth0_step, dummy_step);

		if (daqs_tapmatch_feed(&m, v, n, &h, out))
			return (int)k + 1;
	}
	return 0;
}

START_TEST(test_tracks)
{
	char out[DAQS_IFNAMSIZ] = "";

	/* a baseline, then DAQS_TAPMATCH_TIMES samples that agree */
	ck_assert_int_eq(feeds_to_name(STEP, 0, STEP, out), 1 + DAQS_TAPMATCH_TIMES);
	ck_assert_str_eq(out, "eth0");
	/* GSO, headers: within a quarter */
	ck_assert_int_eq(feeds_to_name(STEP * 9 / 10, 0, STEP, out), 1 + DAQS_TAPMATCH_TIMES);
	/* two that track (a bond and its member): no answer */
	ck_assert_int_eq(feeds_to_name(STEP, STEP, STEP, out), 0);
	/* none (the agent reports a tenth): no answer */
	ck_assert_int_eq(feeds_to_name(STEP / 10, 0, STEP, out), 0);
	/* too little traffic to tell by */
	ck_assert_int_eq(feeds_to_name(1000, 0, 1000, out), 0);
}
END_TEST

/* The named interface must be the same in a row; a reset forgets. */
START_TEST(test_in_a_row)
{
	struct daqs_tapmatch m = { 0 };
	struct daqs_qga_iface v[2];
	struct daqs_counters h = { 0 };
	char out[DAQS_IFNAMSIZ];
	unsigned k = 0;

	for (; k < DAQS_TAPMATCH_TIMES; k++) { /* baseline + TIMES-1 matches */
		h.tx_bytes = h.rx_bytes = k * STEP;
		ck_assert(!daqs_tapmatch_feed(&m, v, ifaces(v, k, STEP, 0), &h, out));
	}
	h.tx_bytes = h.rx_bytes = k * STEP; /* the tap stood still: an idle sample breaks the row */
	ck_assert(!daqs_tapmatch_feed(&m, v, ifaces(v, k - 1, STEP, 0), &h, out));
	ck_assert_uint_eq(m.times, 0);
	daqs_tapmatch_reset(&m);
	ck_assert(!m.have_prev);
}
END_TEST

Suite *daqs_test_tapmatch_suite(void)
{
	Suite *s = suite_create("tapmatch");
	TCase *tc = tcase_create("tapmatch");

	tcase_add_test(tc, test_tracks);
	tcase_add_test(tc, test_in_a_row);
	suite_add_tcase(s, tc);
	return s;
}
