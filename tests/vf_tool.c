/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-tool: the PF adapter (lib/adapters/pf_netlink.c) from the command line, for
 * tests/integration/vf-netdevsim.sh (run inside a testbed guest on netdevsim).
 *
 *   vf-tool list PF                      one "vf=N mac=.. min=.. max=.. link=.. stats=.. tx_bytes=.."
 *                                        line per VF, after "vfs=N"
 *   vf-tool set PF VF [min MBPS] [max MBPS] [lever devlink|legacy]
 *                                        "result=ok|min-dropped min=.. max=.." (read back)
 *                                        or "result=error errno=NAME"
 *   vf-tool pci PF VF [SYSFS_NET_ROOT]   "pci=ADDRESS" or "result=error errno=NAME"
 *   vf-tool --auto list|set ...          the same through the lever daqsd uses
 *                                        (pf_devlink.h: a VF's devlink rate leaf where
 *                                        it has one, else the legacy VF rate); list adds
 *                                        "lever=legacy|devlink:BUS/DEV/PORT", set prints
 *                                        the lever it used
 *
 * The adapter's messages go to stderr prefixed "log: ". Exit 0 on success,
 * 1 when the operation failed, 2 on usage errors.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_devlink.h"
#include "pf_netlink.h"

static void log_stderr(void *ud, const char *msg)
{
	fprintf(stderr, "log: %s\n", msg);
}

static const char *errname(int e)
{
	const char *n = strerrorname_np(e < 0 ? -e : e);

	return n ? n : "?";
}

static int usage(void)
{
	fprintf(stderr,
		"usage: vf-tool list PF | set PF VF [min MBPS] [max MBPS] | pci PF VF [ROOT]\n");
	return 2;
}

static int parse_u32(const char *s, uint32_t *v)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || end == s || *end || x > UINT32_MAX || s[0] == '-')
		return -1;
	*v = (uint32_t)x;
	return 0;
}

/* " lever=legacy" or " lever=devlink:BUS/DEV/PORT" (one word) */
static void print_lever(const char *lever)
{
	printf(" lever=");
	for (const char *c = lever; *c; c++)
		putchar(*c == ' ' ? ':' : *c);
}

static int cmd_list(struct daqs_pf *pf, const char *name)
{
	struct daqs_pf_vf *vfs;
	size_t n;
	int r = daqs_pf_list_vfs(pf, name, &vfs, &n);

	if (r) {
		printf("result=error errno=%s\n", errname(r));
		return 1;
	}
	printf("vfs=%zu\n", n);
	for (size_t i = 0; i < n; i++) {
		const struct daqs_pf_vf *v = &vfs[i];

		printf("vf=%" PRIu32 " mac=", v->index);
		if (v->have_mac)
			printf("%02x:%02x:%02x:%02x:%02x:%02x", v->mac[0], v->mac[1], v->mac[2],
			       v->mac[3], v->mac[4], v->mac[5]);
		else
			printf("none");
		printf(" min=%" PRIu32 " max=%" PRIu32 " link=%d stats=%d tx_bytes=%" PRIu64
		       " rx_bytes=%" PRIu64 " tx_packets=%" PRIu64 " rx_packets=%" PRIu64,
		       v->rates.min_mbps, v->rates.max_mbps, v->link_state, v->have_stats,
		       v->tx_bytes, v->rx_bytes, v->tx_packets, v->rx_packets);
		if (strcmp(pf->ops->name, "netlink"))
			print_lever(v->lever);
		printf("\n");
	}
	free(vfs);
	return 0;
}

static int cmd_set(struct daqs_pf *pf, int argc, char **argv)
{
	struct daqs_vf_rate_change chg = { 0 };
	struct daqs_vf_rates now;
	uint32_t vf;
	int r;

	if (argc < 4 || parse_u32(argv[3], &vf))
		return usage();
	for (int i = 4; i < argc; i += 2) {
		uint32_t v;

		if (i + 1 < argc && !strcmp(argv[i], "lever")) { /* the SLA's vf_lever */
			if (!strcmp(argv[i + 1], "devlink"))
				chg.lever = DAQS_VF_LEVER_DEVLINK;
			else if (!strcmp(argv[i + 1], "legacy"))
				chg.lever = DAQS_VF_LEVER_LEGACY;
			else
				return usage();
			continue;
		}
		if (i + 1 >= argc || parse_u32(argv[i + 1], &v))
			return usage();
		if (!strcmp(argv[i], "min")) {
			chg.set |= DAQS_VF_SET_MIN;
			chg.min_mbps = v;
		} else if (!strcmp(argv[i], "max")) {
			chg.set |= DAQS_VF_SET_MAX;
			chg.max_mbps = v;
		} else {
			return usage();
		}
	}
	r = daqs_pf_set_rates(pf, argv[2], vf, &chg, &now);
	if (r < 0) {
		printf("result=error errno=%s\n", errname(r));
		return 1;
	}
	printf("result=%s min=%" PRIu32 " max=%" PRIu32,
	       r == DAQS_PF_MIN_DROPPED ? "min-dropped" : "ok", now.min_mbps, now.max_mbps);
	if (strcmp(pf->ops->name, "netlink")) {
		char lever[96];

		daqs_pf_lever(pf, argv[2], vf, lever, sizeof(lever));
		print_lever(lever);
	}
	printf("\n");
	return 0;
}

static int cmd_pci(int argc, char **argv)
{
	char addr[32];
	uint32_t vf;
	int r;

	if (argc < 4 || argc > 5 || parse_u32(argv[3], &vf))
		return usage();
	r = argc == 5 ? daqs_pf_vf_pci_address_at(argv[4], argv[2], vf, addr, sizeof(addr))
		      : daqs_pf_vf_pci_address(argv[2], vf, addr, sizeof(addr));
	if (r) {
		printf("result=error errno=%s\n", errname(r));
		return 1;
	}
	printf("pci=%s\n", addr);
	return 0;
}

int main(int argc, char **argv)
{
	struct daqs_pf *pf, *legacy;
	bool with_devlink = argc > 1 && !strcmp(argv[1], "--auto");
	int r;

	if (with_devlink) {
		argc--;
		argv++;
	}
	if (argc < 3)
		return usage();
	if (!strcmp(argv[1], "pci"))
		return cmd_pci(argc, argv);
	if (strcmp(argv[1], "list") && strcmp(argv[1], "set"))
		return usage();
	if (!strcmp(argv[1], "list") && argc != 3)
		return usage();
	r = daqs_pf_netlink_open(&legacy, log_stderr, NULL);
	if (r) {
		printf("result=error errno=%s\n", errname(r));
		return 1;
	}
	pf = legacy;
	if (with_devlink)
		daqs_pf_devlink_open(&pf, legacy, log_stderr, log_stderr, NULL);
	r = !strcmp(argv[1], "list") ? cmd_list(pf, argv[2]) : cmd_set(pf, argc, argv);
	daqs_pf_close(pf);
	return r;
}
