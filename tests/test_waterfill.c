/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>
#include <stdlib.h>

#include "unit.h"
#include "waterfill.h"

#define MAXN 8

struct wf_case {
	const char *name;
	size_t n;
	double budget;
	double weight[MAXN], cap[MAXN];
	double want[MAXN];
	double leftover;
};

static const struct wf_case cases[] = {
	{ "equal", 3, 30, { 1, 1, 1 }, { INFINITY, INFINITY, INFINITY }, { 10, 10, 10 }, 0 },
	{ "weights", 2, 40, { 1, 3 }, { INFINITY, INFINITY }, { 10, 30 }, 0 },
	{ "one capped", 3, 30, { 1, 1, 1 }, { 4, INFINITY, INFINITY }, { 4, 13, 13 }, 0 },
	{ "cascade", 3, 30, { 1, 1, 1 }, { 4, 9, INFINITY }, { 4, 9, 17 }, 0 },
	{ "all capped", 2, 30, { 1, 1 }, { 5, 7 }, { 5, 7 }, 18 },
	{ "zero weight", 2, 10, { 0, 1 }, { INFINITY, INFINITY }, { 0, 10 }, 0 },
	{ "zero cap", 2, 10, { 1, 1 }, { 0, INFINITY }, { 0, 10 }, 0 },
	{ "no budget", 2, 0, { 1, 1 }, { 5, 5 }, { 0, 0 }, 0 },
	{ "negative budget", 1, -5, { 1 }, { 5 }, { 0 }, 0 },
	{ "weighted capped", 3, 100, { 1, 2, 1 }, { INFINITY, 20, INFINITY }, { 40, 20, 40 }, 0 },
	{ "empty", 0, 10, { 0 }, { 0 }, { 0 }, 10 },
};

START_TEST(test_wf_table)
{
	const struct wf_case *c = &cases[_i];
	struct daqs_wf_item it[MAXN];
	double left;

	for (size_t i = 0; i < c->n; i++)
		it[i] = (struct daqs_wf_item){ .weight = c->weight[i], .cap = c->cap[i] };
	left = daqs_waterfill(it, c->n, c->budget);
	for (size_t i = 0; i < c->n; i++)
		ck_assert_msg(fabs(it[i].out - c->want[i]) < 1e-9, "%s: item %zu got %g want %g",
			      c->name, i, it[i].out, c->want[i]);
	ck_assert_msg(fabs(left - c->leftover) < 1e-9, "%s: leftover %g want %g", c->name, left,
		      c->leftover);
}
END_TEST

/* Random instances: feasibility, conservation and the max-min property. */
START_TEST(test_wf_random)
{
	unsigned seed = 12345;

	for (int round = 0; round < 5000; round++) {
		struct daqs_wf_item it[MAXN];
		size_t n = 1 + (size_t)(rand_r(&seed) % MAXN);
		double budget = rand_r(&seed) % 1000, capsum = 0, sum = 0, level = 0, left;

		for (size_t i = 0; i < n; i++) {
			it[i].weight = 1 + rand_r(&seed) % 5;
			it[i].cap = rand_r(&seed) % 4 ? rand_r(&seed) % 400 : INFINITY;
			capsum += it[i].cap;
		}
		left = daqs_waterfill(it, n, budget);
		for (size_t i = 0; i < n; i++) {
			ck_assert(it[i].out >= 0);
			ck_assert(it[i].out <= it[i].cap + 1e-9);
			sum += it[i].out;
			if (it[i].out < it[i].cap - 1e-9 && it[i].out / it[i].weight > level)
				level = it[i].out / it[i].weight;
		}
		ck_assert(fabs(sum - fmin(budget, capsum)) < 1e-6);
		ck_assert(fabs(left - (budget - sum)) < 1e-6 || capsum > budget);
		/* Max-min: nobody below the level unless capped; uncapped items share one level. */
		for (size_t i = 0; i < n; i++)
			if (it[i].out < it[i].cap - 1e-9)
				ck_assert(fabs(it[i].out / it[i].weight - level) < 1e-6);
			else
				ck_assert(it[i].out / it[i].weight <= level + 1e-6 || level == 0);
	}
}
END_TEST

Suite *daqs_test_waterfill_suite(void)
{
	Suite *s = suite_create("waterfill");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_wf_table, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_wf_random);
	suite_add_tcase(s, tc);
	return s;
}
