/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sim-stats: run the daqs policy on N random hosts (the generator of the unit
 * tests' randomized properties) and print the distribution of guarantee
 * satisfaction. With --overstated, each link delivers a random 90-100 % of the
 * capacity its SLA states, which daqs has to learn.
 *
 *   build/tests/sim-stats [--overstated] [ROUNDS]
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "random_host.h"
#include "scenario.h"
#include "sim.h"

int main(int argc, char **argv)
{
	bool over = argc > 1 && strcmp(argv[1], "--overstated") == 0;
	int rounds = argc > 1 + over ? atoi(argv[1 + over]) : 1000;
	unsigned seed = over ? 7001 : 7000, n = 0, low = 0;
	double sum = 0, worst = 1;

	for (int round = 0; round < rounds; round++) {
		uint64_t last_change_s;
		unsigned real = over ? 9000 + (unsigned)(rand_r(&seed) % 1001) : 10000;
		char *text = daqs_random_host(&seed, &last_change_s, real);
		struct daqs_scenario *sc = NULL;
		struct daqs_sim_result r;
		struct daqs_diags d;

		daqs_diags_init(&d);
		if (daqs_scenario_load_buffer("random.yaml", text, strlen(text), &sc, &d) < 0) {
			daqs_diags_print(&d, stderr);
			return 1;
		}
		daqs_diags_free(&d);
		if (daqs_sim_run(sc, DAQS_POLICY_DAQS, NULL, NULL, &r) < 0)
			return 1;
		if (!isnan(r.guarantee_satisfaction)) {
			n++;
			sum += r.guarantee_satisfaction;
			low += r.guarantee_satisfaction < 0.97;
			worst = fmin(worst, r.guarantee_satisfaction);
		}
		daqs_sim_result_free(&r);
		daqs_scenario_free(sc);
		free(text);
	}
	printf("%s links, %d hosts, %u with a guarantee due: mean satisfaction %.3f, worst %.3f, "
	       "below 0.97: %u (%.1f %%)\n",
	       over ? "overstated" : "correct", rounds, n, n ? sum / n : NAN, worst, low,
	       n ? 100.0 * low / n : 0);
	return 0;
}
