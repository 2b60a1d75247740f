/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tcplan-tool: the pure tc plan as a command, for tests/integration/tc-plan.sh.
 *   tcplan-tool apply IFNAME RATE [--have-root] [--root-conflict] [--no-fq-codel] [--mtu N]
 *   tcplan-tool plan IFNAME RATE QDISC_FILE CLASS_FILE [--no-fq-codel]
 *       (root flags from a readback, as the daemon does)
 *   tcplan-tool remove IFNAME
 *   tcplan-tool check IFNAME RATE QDISC_FILE CLASS_FILE
 *   tcplan-tool state QDISC_FILE CLASS_FILE
 * RATE is a daqs rate ("10gbit") or "unlimited". FILE "-" is stdin (at most
 * one). QDISC_FILE holds `tc -j qdisc show dev IF`, CLASS_FILE
 * `tc -d -j class show dev IF`. Batches go to stdout. Exit: 0 ok / match,
 * 1 no match, 2 usage or parse error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "netname.h"
#include "sla.h"
#include "tcplan.h"
#include "units.h"

static int usage(void)
{
	fputs("usage: tcplan-tool apply IFNAME RATE [--have-root] [--root-conflict] "
	      "[--no-fq-codel] [--mtu N]\n"
	      "       tcplan-tool plan IFNAME RATE QDISC_FILE CLASS_FILE [--no-fq-codel]\n"
	      "       tcplan-tool remove IFNAME\n"
	      "       tcplan-tool check IFNAME RATE QDISC_FILE CLASS_FILE\n"
	      "       tcplan-tool state QDISC_FILE CLASS_FILE\n",
	      stderr);
	return 2;
}

static char *slurp(const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f) {
		fprintf(stderr, "tcplan-tool: cannot open '%s' (%s)\n", path, strerror(errno));
		return NULL;
	}
	do {
		daqs_grow((void **)&buf, &cap, len + 4097, 1);
		n = fread(buf + len, 1, 4096, f);
		len += n;
	} while (n > 0);
	buf[len] = '\0';
	if (f != stdin)
		fclose(f);
	return buf;
}

static int parse_rate_arg(const char *s, uint64_t *bps)
{
	char why[160];

	if (strcmp(s, "unlimited") == 0) {
		*bps = DAQS_RATE_UNLIMITED;
		return 0;
	}
	if (daqs_units_parse_rate(s, bps, why, sizeof(why)) < 0) {
		fprintf(stderr, "tcplan-tool: %s\n", why);
		return -EINVAL;
	}
	return 0;
}

static int read_state(const char *qpath, const char *cpath, struct daqs_tc_state *st)
{
	char *q = slurp(qpath), *c = q ? slurp(cpath) : NULL;
	int r = -EIO;

	if (q && c) {
		r = daqs_tcplan_parse(q, c, st);
		if (r < 0)
			fprintf(stderr, "tcplan-tool: cannot parse the readback (%s)\n",
				strerror(-r));
	}
	free(q);
	free(c);
	return r;
}

static int emit(const struct daqs_tcplan_in *in)
{
	char *batch = NULL;
	int r = daqs_tcplan_apply(in, &batch);

	if (r < 0) {
		fprintf(stderr, "tcplan-tool: no plan (%s)\n", strerror(-r));
		return 2;
	}
	fputs(batch, stdout);
	free(batch);
	return 0;
}

static int apply_flags(struct daqs_tcplan_in *in, int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--have-root") == 0)
			in->have_root = true;
		else if (strcmp(argv[i], "--root-conflict") == 0)
			in->root_conflict = true;
		else if (strcmp(argv[i], "--no-fq-codel") == 0)
			in->fq_codel = false;
		else if (strcmp(argv[i], "--mtu") == 0 && i + 1 < argc)
			in->mtu = (uint32_t)strtoul(argv[++i], NULL, 10);
		else
			return -EINVAL;
	}
	return 0;
}

static int cmd_apply(int argc, char **argv, bool from_state)
{
	struct daqs_tcplan_in in = { .ifname = argv[0], .fq_codel = true };
	struct daqs_tc_state st;
	int nfixed = from_state ? 4 : 2;

	if (argc < nfixed || parse_rate_arg(argv[1], &in.limit_bps) < 0)
		return usage();
	if (from_state) {
		if (read_state(argv[2], argv[3], &st) < 0)
			return 2;
		daqs_tcplan_in_set_root(&in, &st);
	}
	if (apply_flags(&in, argc - nfixed, argv + nfixed) < 0)
		return usage();
	return emit(&in);
}

static int cmd_remove(int argc, char **argv)
{
	char *batch = NULL;

	if (argc != 1)
		return usage();
	if (daqs_tcplan_remove(argv[0], &batch) < 0) {
		fprintf(stderr, "tcplan-tool: bad interface name '%s'\n", argv[0]);
		return 2;
	}
	fputs(batch, stdout);
	free(batch);
	return 0;
}

static void print_state(FILE *f, const struct daqs_tc_state *st)
{
	fprintf(f,
		"have_root=%d root_handle1=%d defcls=0x%x have_parent=%d parent_rate=%llu "
		"parent_ceil=%llu have_leaf=%d rate=%llu ceil=%llu burst=%llu cburst=%llu "
		"quantum=%llu leaf_qdisc=%s\n",
		st->have_root, st->root_handle1, st->defcls, st->have_parent,
		(unsigned long long)st->parent_rate_bps, (unsigned long long)st->parent_ceil_bps,
		st->have_leaf, (unsigned long long)st->rate_bps, (unsigned long long)st->ceil_bps,
		(unsigned long long)st->burst_bytes, (unsigned long long)st->cburst_bytes,
		(unsigned long long)st->quantum, st->leaf_qdisc[0] ? st->leaf_qdisc : "-");
}

static int cmd_check(int argc, char **argv)
{
	struct daqs_tc_state st;
	uint64_t bps;

	if (argc != 4 || !daqs_netname_ifname_valid(argv[0]) || parse_rate_arg(argv[1], &bps) < 0)
		return usage();
	if (read_state(argv[2], argv[3], &st) < 0)
		return 2;
	if (daqs_tcplan_matches(&st, bps, DAQS_TCPLAN_TOL_PPM))
		return 0;
	fputs("tcplan-tool: no match: ", stderr);
	print_state(stderr, &st);
	return 1;
}

static int cmd_state(int argc, char **argv)
{
	struct daqs_tc_state st;

	if (argc != 2)
		return usage();
	if (read_state(argv[0], argv[1], &st) < 0)
		return 2;
	print_state(stdout, &st);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "apply") == 0)
		return cmd_apply(argc - 2, argv + 2, false);
	if (strcmp(argv[1], "plan") == 0)
		return cmd_apply(argc - 2, argv + 2, true);
	if (strcmp(argv[1], "remove") == 0)
		return cmd_remove(argc - 2, argv + 2);
	if (strcmp(argv[1], "check") == 0)
		return cmd_check(argc - 2, argv + 2);
	if (strcmp(argv[1], "state") == 0)
		return cmd_state(argc - 2, argv + 2);
	return usage();
}
