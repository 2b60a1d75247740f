/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daqsd: the host daemon. For now only the configuration check exists:
 *
 *   daqsd --check-config FILE   validate an SLA file (exit 0 ok, 1 invalid, 2 usage)
 *   daqsd --help | --version
 *
 * The control loop (sampling guests, pushing limits) arrives with a later
 * issue; until then any other invocation says so and exits 2.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "daqs-config.h"
#include "diag.h"
#include "sla.h"

enum { EXIT_INVALID = 1, EXIT_USAGE = 2 };

static void usage(FILE *f)
{
	fprintf(f, "usage: daqsd --check-config FILE\n"
		   "       daqsd --help | --version\n"
		   "\n"
		   "  -c, --check-config FILE  check an SLA file (see daqs-sla(5)) and exit:\n"
		   "                           0 valid, 1 invalid (errors on stderr), 2 usage\n"
		   "  -h, --help               show this help\n"
		   "  -V, --version            show the version\n"
		   "\n"
		   "The control loop is not implemented yet.\n");
}

static int check_config(const char *path)
{
	struct daqs_diags d;
	struct daqs_sla *sla = NULL;
	int r;

	daqs_diags_init(&d);
	r = daqs_sla_load_file(path, &sla, &d);
	if (r == 0)
		printf("%s: ok\n", path);
	else
		daqs_diags_print(&d, stderr);
	daqs_sla_free(sla);
	daqs_diags_free(&d);
	return r == 0 ? EXIT_SUCCESS : EXIT_INVALID;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "check-config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *check = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "c:hV", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (check) {
				fprintf(stderr, "daqsd: --check-config given twice\n");
				return EXIT_USAGE;
			}
			check = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		case 'V':
			printf("daqsd %s\n", DAQS_VERSION);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "daqsd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (check)
		return check_config(check);
	fprintf(stderr, "daqsd: the control loop is not implemented yet (it arrives with a later "
			"issue); only --check-config, --help and --version work\n");
	return EXIT_USAGE;
}
