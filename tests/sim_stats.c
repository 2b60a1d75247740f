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

#include "scenario.h"
#include "sim.h"

/* A random feasible host: 2..8 VMs, random classes, guarantees, caps, weights, stream counts. */
static char *random_scenario(unsigned *seed, uint64_t *last_change_s, unsigned real_mbit)
{
	size_t n = 2 + (size_t)(rand_r(seed) % 7), len = 0, cap = 8192;
	char *buf = malloc(cap), *vms = malloc(cap);
	unsigned gsum = 0, vlen = 0;

	len += (size_t)snprintf(buf + len, cap - len,
				"capacity: %umbit\nduration: 60s\nsla:\n  version: 1\n"
				"  links: [{name: l0, capacity: 10gbit}]\n  vms:\n",
				real_mbit);
	*last_change_s = 0;
	for (size_t i = 0; i < n; i++) {
		bool g = rand_r(seed) % 3 == 0 && gsum < 7;
		unsigned min = g ? 1 + (unsigned)(rand_r(seed) % (8 - gsum)) : 0;
		unsigned start = (unsigned)(rand_r(seed) % 20), streams = 1 + rand_r(seed) % 6;
		unsigned solo = rand_r(seed) % 3 ? 0 : 1 + rand_r(seed) % 9;

		gsum += min;
		if (start > *last_change_s)
			*last_change_s = start;
		len += (size_t)snprintf(buf + len, cap - len, "    - name: vm%zu\n      class: %s\n",
					i, g ? "guarantee" : "best-effort");
		if (g)
			len += (size_t)snprintf(buf + len, cap - len, "      min: %ugbit\n", min);
		else
			len += (size_t)snprintf(buf + len, cap - len, "      weight: %d\n",
						1 + rand_r(seed) % 4);
		if (rand_r(seed) % 4 == 0)
			len += (size_t)snprintf(buf + len, cap - len, "      max: %ugbit\n",
						min + 1 + (unsigned)(rand_r(seed) % 5));
		vlen += (unsigned)snprintf(vms + vlen, cap - vlen,
					   "  - name: vm%zu\n    streams: %u\n    active: [[%us, 60s]]\n",
					   i, streams, start);
		if (solo)
			vlen += (unsigned)snprintf(vms + vlen, cap - vlen, "    solo_max: %ugbit\n", solo);
	}
	len += (size_t)snprintf(buf + len, cap - len, "vms:\n%s", vms);
	free(vms);
	return buf;
}

int main(int argc, char **argv)
{
	bool over = argc > 1 && strcmp(argv[1], "--overstated") == 0;
	int rounds = argc > 1 + over ? atoi(argv[1 + over]) : 1000;
	unsigned seed = over ? 7001 : 7000, n = 0, low = 0;
	double sum = 0, worst = 1;

	for (int round = 0; round < rounds; round++) {
		uint64_t last_change_s;
		unsigned real = over ? 9000 + (unsigned)(rand_r(&seed) % 1001) : 10000;
		char *text = random_scenario(&seed, &last_change_s, real);
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
