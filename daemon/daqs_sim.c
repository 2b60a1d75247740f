/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daqs-sim: run a scenario through the fluid model with one policy (and
 * always with policy none, the baseline for utilisation).
 *
 *   daqs-sim SCENARIO.yaml [--policy daqs|daqs-closed|daqs-paper|static|none] [--json] [--csv FILE]
 *   daqs-sim --table SCENARIO.yaml...   Markdown table, every policy side by side
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daqs-config.h"
#include "diag.h"
#include "policy.h"
#include "scenario.h"
#include "sim.h"
#include "units.h"

enum { EXIT_USAGE = 2 };

struct opts {
	enum daqs_policy_kind kind;
	bool json, table;
	const char *csv;
};

struct run {
	struct daqs_sim_result res, none;
	double utilisation;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: daqs-sim SCENARIO.yaml [--policy daqs|daqs-closed|daqs-paper|static|none] [--json] "
		"[--csv FILE]\n"
		"       daqs-sim --table SCENARIO.yaml...\n");
}

static void csv_trace(void *ud, double t_s, const struct daqs_scn_vm *vm, bool active,
		      double rate_bps, uint64_t limit_bps)
{
	FILE *f = ud;

	if (limit_bps == DAQS_RATE_UNLIMITED)
		fprintf(f, "%.3f,%s,%s,%d,%.0f,\n", t_s, vm->name, daqs_class_name(vm->sla.cls),
			active, rate_bps);
	else
		fprintf(f, "%.3f,%s,%s,%d,%.0f,%llu\n", t_s, vm->name, daqs_class_name(vm->sla.cls),
			active, rate_bps, (unsigned long long)limit_bps);
}

static int run_one(const struct daqs_scenario *sc, enum daqs_policy_kind kind, FILE *csv,
		   struct run *out)
{
	int r;

	r = daqs_sim_run(sc, DAQS_POLICY_NONE, NULL, NULL, &out->none);
	if (r == 0)
		r = daqs_sim_run(sc, kind, csv ? csv_trace : NULL, csv, &out->res);
	if (r < 0) {
		fprintf(stderr, "daqs-sim: cannot run '%s' (%s)\n", sc->file, strerror(-r));
		return r;
	}
	out->utilisation = out->none.total_mean_bps > 0
				   ? out->res.total_mean_bps / out->none.total_mean_bps
				   : NAN;
	return 0;
}

static struct json_object *num_or_null(double x)
{
	return isnan(x) ? NULL : json_object_new_double(x);
}

static struct json_object *run_json(const struct daqs_scenario *sc, const struct run *rn)
{
	struct json_object *o = json_object_new_object(), *vms = json_object_new_array();

	json_object_object_add(o, "scenario", json_object_new_string(sc->file));
	json_object_object_add(o, "policy",
			       json_object_new_string(daqs_policy_kind_name(rn->res.kind)));
	json_object_object_add(o, "capacity_bps", json_object_new_int64((int64_t)sc->capacity_bps));
	json_object_object_add(o, "guarantee_satisfaction",
			       num_or_null(rn->res.guarantee_satisfaction));
	json_object_object_add(o, "utilisation", num_or_null(rn->utilisation));
	json_object_object_add(o, "reaction_s", num_or_null(rn->res.reaction_s));
	json_object_object_add(o, "allocation_error", num_or_null(rn->res.allocation_error));
	json_object_object_add(o, "total_mean_bps", json_object_new_double(rn->res.total_mean_bps));
	json_object_object_add(o, "none_total_mean_bps",
			       json_object_new_double(rn->none.total_mean_bps));
	json_object_object_add(o, "limit_changes", json_object_new_int64(rn->res.applies));
	for (size_t i = 0; i < rn->res.n_vms; i++) {
		const struct daqs_sim_vm_result *v = &rn->res.vms[i];
		struct json_object *vo = json_object_new_object();

		json_object_object_add(vo, "name", json_object_new_string(v->name));
		json_object_object_add(vo, "class",
				       json_object_new_string(daqs_class_name(v->cls)));
		json_object_object_add(vo, "min_bps",
				       json_object_new_int64((int64_t)sc->vms[i].sla.min_bps));
		json_object_object_add(vo, "mean_bps", json_object_new_double(v->mean_bps));
		json_object_object_add(vo, "mean_active_bps",
				       json_object_new_double(v->mean_active_bps));
		json_object_object_add(vo, "satisfaction", num_or_null(v->satisfaction));
		json_object_object_add(vo, "allocation_error", num_or_null(v->alloc_error));
		json_object_object_add(vo, "limit_changes", json_object_new_int64(v->applies));
		json_object_array_add(vms, vo);
	}
	json_object_object_add(o, "vms", vms);
	return o;
}

static void fmt_metric(double x, int prec, const char *suffix, char *buf, size_t n)
{
	if (isnan(x))
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%.*f%s", prec, x, suffix);
}

static void print_human(const struct daqs_scenario *sc, const struct run *rn)
{
	char a[32], b[32], c[32], d[32];

	printf("scenario %s, policy %s\n", sc->file, daqs_policy_kind_name(rn->res.kind));
	printf("  %-16s %-12s %12s %12s %12s %8s\n", "vm", "class", "min", "mean", "mean-active",
	       "changes");
	for (size_t i = 0; i < rn->res.n_vms; i++) {
		const struct daqs_sim_vm_result *v = &rn->res.vms[i];

		daqs_units_format_rate_approx((double)sc->vms[i].sla.min_bps, a, sizeof(a));
		daqs_units_format_rate_approx(v->mean_bps, b, sizeof(b));
		daqs_units_format_rate_approx(v->mean_active_bps, c, sizeof(c));
		printf("  %-16s %-12s %12s %12s %12s %8u\n", v->name, daqs_class_name(v->cls),
		       v->cls == DAQS_CLASS_GUARANTEE ? a : "-", b, c, v->applies);
	}
	fmt_metric(rn->res.guarantee_satisfaction, 3, "", a, sizeof(a));
	fmt_metric(rn->utilisation, 3, "", b, sizeof(b));
	fmt_metric(rn->res.reaction_s, 2, "s", c, sizeof(c));
	fmt_metric(rn->res.allocation_error, 3, "", d, sizeof(d));
	printf("  guarantee_satisfaction %s  utilisation %s  reaction %s  allocation_error %s\n", a,
	       b, c, d);
}

static int load(const char *path, struct daqs_scenario **sc)
{
	struct daqs_diags d;
	int r;

	daqs_diags_init(&d);
	r = daqs_scenario_load_file(path, sc, &d);
	if (r < 0)
		daqs_diags_print(&d, stderr);
	daqs_diags_free(&d);
	return r;
}

static int table(char **files, int n)
{
	static const enum daqs_policy_kind kinds[] = { DAQS_POLICY_NONE, DAQS_POLICY_STATIC,
						       DAQS_POLICY_DAQS_PAPER, DAQS_POLICY_DAQS,
						       DAQS_POLICY_DAQS_CLOSED };
	int rc = 0;

	printf("| scenario | policy | guarantee satisfaction | utilisation | reaction (s) | "
	       "allocation error |\n|---|---|---|---|---|---|\n");
	for (int f = 0; f < n; f++) {
		struct daqs_scenario *sc = NULL;

		if (load(files[f], &sc) < 0) {
			rc = 1;
			continue;
		}
		for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
			struct run rn;
			char a[32], b[32], c[32], d[32];
			const char *base = strrchr(sc->file, '/');

			if (run_one(sc, kinds[k], NULL, &rn) < 0) {
				rc = 1;
				continue;
			}
			fmt_metric(rn.res.guarantee_satisfaction, 3, "", a, sizeof(a));
			fmt_metric(rn.utilisation, 3, "", b, sizeof(b));
			fmt_metric(rn.res.reaction_s, 2, "", c, sizeof(c));
			fmt_metric(rn.res.allocation_error, 3, "", d, sizeof(d));
			printf("| %s | %s | %s | %s | %s | %s |\n", base ? base + 1 : sc->file,
			       daqs_policy_kind_name(kinds[k]), a, b, c, d);
			daqs_sim_result_free(&rn.res);
			daqs_sim_result_free(&rn.none);
		}
		daqs_scenario_free(sc);
	}
	return rc;
}

static int single(const char *path, const struct opts *o)
{
	struct daqs_scenario *sc = NULL;
	FILE *csv = NULL;
	struct run rn;
	int rc = 0;

	if (load(path, &sc) < 0)
		return 1;
	if (o->csv) {
		csv = fopen(o->csv, "w");
		if (!csv) {
			fprintf(stderr, "daqs-sim: cannot write '%s' (%s)\n", o->csv,
				strerror(errno));
			daqs_scenario_free(sc);
			return 1;
		}
		fprintf(csv, "t_s,vm,class,active,rate_bps,limit_bps\n");
	}
	if (run_one(sc, o->kind, csv, &rn) < 0) {
		rc = 1;
	} else {
		if (o->json) {
			struct json_object *j = run_json(sc, &rn);

			printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
			json_object_put(j);
		} else {
			print_human(sc, &rn);
		}
		daqs_sim_result_free(&rn.res);
		daqs_sim_result_free(&rn.none);
	}
	if (csv && fclose(csv) != 0) {
		fprintf(stderr, "daqs-sim: cannot write '%s' (%s)\n", o->csv, strerror(errno));
		rc = 1;
	}
	daqs_scenario_free(sc);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "csv", required_argument, NULL, 'c' },
		{ "table", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .kind = DAQS_POLICY_DAQS };
	int c;

	while ((c = getopt_long(argc, argv, "p:jc:thV", lo, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (daqs_policy_kind_parse(optarg, &o.kind) < 0) {
				fprintf(stderr,
					"daqs-sim: unknown policy '%s' (daqs, daqs-closed, daqs-paper, static, none)\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'j':
			o.json = true;
			break;
		case 'c':
			o.csv = optarg;
			break;
		case 't':
			o.table = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("daqs-sim %s\n", DAQS_VERSION);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (o.table && optind < argc && !o.json && !o.csv)
		return table(argv + optind, argc - optind);
	if (o.table || optind != argc - 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	return single(argv[optind], &o);
}
