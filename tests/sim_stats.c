/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sim-stats: run a policy on N random hosts (the generator of the unit
 * tests' randomized properties) and print the distribution of guarantee
 * satisfaction and the mean utilisation (total throughput over what policy
 * none moves on the same host).
 *
 *   build/tests/sim-stats [--overstated | --misstated] [--policy KIND] [--worst FILE] [ROUNDS]
 *
 * --overstated: each link delivers a random 90-100 % of the capacity its SLA
 * states. --misstated: the SLA states anywhere from 10 % over to 10 % under
 * what the link delivers (configured 10 gbit; the link 9.09-11.1 gbit).
 * --policy: daqs (default), daqs-closed, daqs-paper, static, none.
 * --worst FILE writes the scenario of the host with the lowest satisfaction
 * to FILE, to be replayed with daqs-sim.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "random_host.h"
#include "scenario.h"
#include "sim.h"

enum links { CORRECT, OVERSTATED, MISSTATED };

static const char *const link_names[] = { "correct", "overstated", "misstated" };

static int usage(void)
{
	fputs("usage: sim-stats [--overstated | --misstated] [--policy KIND] [--worst FILE] "
	      "[ROUNDS]\n",
	      stderr);
	return 2;
}

/* Policy kind's total mean throughput and satisfaction on one host (0 or -1). */
static int run(const char *text, enum daqs_policy_kind kind, struct daqs_sim_result *r)
{
	struct daqs_scenario *sc = NULL;
	struct daqs_diags d;
	int rc;

	daqs_diags_init(&d);
	if (daqs_scenario_load_buffer("random.yaml", text, strlen(text), &sc, &d) < 0) {
		daqs_diags_print(&d, stderr);
		daqs_diags_free(&d);
		return -1;
	}
	daqs_diags_free(&d);
	rc = daqs_sim_run(sc, kind, NULL, NULL, r);
	daqs_scenario_free(sc);
	return rc < 0 ? -1 : 0;
}

static void keep_worst(const char *file, const char *text)
{
	FILE *f = file ? fopen(file, "w") : NULL;

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

int main(int argc, char **argv)
{
	enum daqs_policy_kind kind = DAQS_POLICY_DAQS;
	enum links links = CORRECT;
	const char *worst_file = NULL;
	int rounds = 1000;
	unsigned seed, n = 0, low = 0;
	double sum = 0, worst = 1, util = 0;

	for (int i = 1; i < argc; i++) {
		bool ok = true;

		if (!strcmp(argv[i], "--overstated"))
			links = OVERSTATED;
		else if (!strcmp(argv[i], "--misstated"))
			links = MISSTATED;
		else if (!strcmp(argv[i], "--policy") && i + 1 < argc)
			ok = daqs_policy_kind_parse(argv[++i], &kind) == 0;
		else if (!strcmp(argv[i], "--worst") && i + 1 < argc)
			worst_file = argv[++i];
		else
			ok = argv[i][0] != '-' && (rounds = atoi(argv[i])) > 0;
		if (!ok)
			return usage();
	}
	seed = 7000 + (unsigned)links; /* the same hosts for every policy */
	for (int round = 0; round < rounds; round++) {
		uint64_t last_change_s;
		unsigned real = links == OVERSTATED  ? 9000 + (unsigned)(rand_r(&seed) % 1001)
				: links == MISSTATED ? (unsigned)(1e7 / (900 + rand_r(&seed) % 201))
						     : 10000;
		char *text = daqs_random_host(&seed, &last_change_s, real);
		struct daqs_sim_result r, none;

		if (run(text, kind, &r) < 0 || run(text, DAQS_POLICY_NONE, &none) < 0)
			return 1;
		util += none.total_mean_bps > 0 ? r.total_mean_bps / none.total_mean_bps : 1;
		if (!isnan(r.guarantee_satisfaction)) {
			n++;
			sum += r.guarantee_satisfaction;
			low += r.guarantee_satisfaction < 0.97;
			if (r.guarantee_satisfaction < worst)
				keep_worst(worst_file, text);
			worst = fmin(worst, r.guarantee_satisfaction);
		}
		daqs_sim_result_free(&r);
		daqs_sim_result_free(&none);
		free(text);
	}
	printf("%s links, policy %s, %d hosts, %u with a guarantee due: mean satisfaction %.3f, "
	       "worst %.3f, below 0.97: %u (%.1f %%); mean utilisation %.3f\n",
	       link_names[links], daqs_policy_kind_name(kind), rounds, n, n ? sum / n : NAN, worst,
	       low, n ? 100.0 * low / n : 0, util / rounds);
	return 0;
}
