/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * devlink-tool: the devlink adapter (lib/adapters/devlink.c) from the command
 * line, for tests/integration/vf-netdevsim.sh (inside a testbed guest, on
 * netdevsim in switchdev mode), where each value is read back with
 * iproute2's devlink and netdevsim's debugfs.
 *
 *   devlink-tool port PF VF                  "port=BUS/DEV/INDEX flavour=N pf=N vf=N"
 *   devlink-tool leaf PF VF                  "rate=BUS/DEV/INDEX share=B max=B parent=NAME"
 *   devlink-tool leaf-set PF VF SHARE MAX    (bytes/s) "result=ok"
 *   devlink-tool parent PF VF NODE|""        "result=ok"
 *   devlink-tool node-new BUS DEV NAME       "result=ok"
 *   devlink-tool node-set BUS DEV NAME SHARE MAX
 *   devlink-tool node BUS DEV NAME           "rate=BUS/DEV/NAME share=B max=B parent=NAME"
 *   devlink-tool node-del BUS DEV NAME
 *   devlink-tool rates                       one "rate=... leaf=0|1 share= max= parent=" per object
 *
 * A failure prints "result=error errno=NAME why=KERNEL MESSAGE" and exits 1;
 * usage errors exit 2.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devlink.h"

static int usage(void)
{
	fprintf(stderr, "usage: devlink-tool port|leaf|leaf-set|parent PF VF ... | "
			"node-new|node-set|node|node-del BUS DEV NAME ... | rates\n");
	return 2;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || end == s || *end || s[0] == '-' ? -1 : 0;
}

static int fail(struct daqs_devlink *dl, int r)
{
	const char *n = strerrorname_np(-r);

	printf("result=error errno=%s why=%s\n", n ? n : "?", daqs_devlink_why(dl));
	return 1;
}

static void print_rate(const struct daqs_devlink_rate *r)
{
	char name[3 * DAQS_DEVLINK_NAME_MAX];

	printf("rate=%s leaf=%d share=%" PRIu64 " max=%" PRIu64 " parent=%s\n",
	       daqs_devlink_rate_name(r, name, sizeof(name)), r->leaf, r->tx_share, r->tx_max,
	       r->parent);
}

static int port_cmd(struct daqs_devlink *dl, int argc, char **argv)
{
	struct daqs_devlink_port p;
	struct daqs_devlink_rate rate;
	uint64_t vf, a, b;
	int r;

	if (argc < 4 || parse_u64(argv[3], &vf) || vf > UINT32_MAX)
		return usage();
	r = daqs_devlink_find_vf(dl, argv[2], (uint32_t)vf, &p);
	if (r)
		return fail(dl, r);
	if (!strcmp(argv[1], "port") && argc == 4) {
		printf("port=%s/%s/%" PRIu32 " flavour=%d pf=%u vf=%u\n", p.bus, p.dev, p.index,
		       p.flavour, p.pf, p.vf);
		return 0;
	}
	if (!strcmp(argv[1], "leaf") && argc == 4) {
		r = daqs_devlink_leaf_get(dl, &p, &rate);
		if (r)
			return fail(dl, r);
		print_rate(&rate);
		return 0;
	}
	if (!strcmp(argv[1], "leaf-set") && argc == 6 && !parse_u64(argv[4], &a) &&
	    !parse_u64(argv[5], &b))
		r = daqs_devlink_leaf_set(dl, &p, a, b);
	else if (!strcmp(argv[1], "parent") && argc == 5)
		r = daqs_devlink_leaf_parent(dl, &p, argv[4]);
	else
		return usage();
	if (r)
		return fail(dl, r);
	printf("result=ok\n");
	return 0;
}

static int node_cmd(struct daqs_devlink *dl, int argc, char **argv)
{
	struct daqs_devlink_rate rate;
	uint64_t a, b;
	int r;

	if (argc < 5)
		return usage();
	if (!strcmp(argv[1], "node") && argc == 5) {
		r = daqs_devlink_node_get(dl, argv[2], argv[3], argv[4], &rate);
		if (r)
			return fail(dl, r);
		print_rate(&rate);
		return 0;
	}
	if (!strcmp(argv[1], "node-new") && argc == 5)
		r = daqs_devlink_node_new(dl, argv[2], argv[3], argv[4]);
	else if (!strcmp(argv[1], "node-del") && argc == 5)
		r = daqs_devlink_node_del(dl, argv[2], argv[3], argv[4]);
	else if (!strcmp(argv[1], "node-set") && argc == 7 && !parse_u64(argv[5], &a) &&
		 !parse_u64(argv[6], &b))
		r = daqs_devlink_node_set(dl, argv[2], argv[3], argv[4], a, b);
	else
		return usage();
	if (r)
		return fail(dl, r);
	printf("result=ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct daqs_devlink *dl;
	struct daqs_devlink_rate *rates;
	size_t n;
	int r;

	if (argc < 2)
		return usage();
	r = daqs_devlink_open(&dl);
	if (r)
		return fail(NULL, r);
	if (!strcmp(argv[1], "rates") && argc == 2) {
		r = daqs_devlink_rates(dl, &rates, &n);
		if (r == 0) {
			for (size_t i = 0; i < n; i++)
				print_rate(&rates[i]);
			free(rates);
		} else {
			r = fail(dl, r);
		}
	} else if (!strncmp(argv[1], "node", 4)) {
		r = node_cmd(dl, argc, argv);
	} else {
		r = port_cmd(dl, argc, argv);
	}
	daqs_devlink_close(dl);
	return r;
}
