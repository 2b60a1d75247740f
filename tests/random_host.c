/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "random_host.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

char *daqs_random_host(unsigned *seed, uint64_t *last_change_s, unsigned real_mbit)
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
		len += (size_t)snprintf(buf + len, cap - len,
					"    - name: vm%zu\n      class: %s\n", i,
					g ? "guarantee" : "best-effort");
		if (g)
			len += (size_t)snprintf(buf + len, cap - len, "      min: %ugbit\n", min);
		else
			len += (size_t)snprintf(buf + len, cap - len, "      weight: %d\n",
						1 + rand_r(seed) % 4);
		if (rand_r(seed) % 4 == 0)
			len += (size_t)snprintf(buf + len, cap - len, "      max: %ugbit\n",
						min + 1 + (unsigned)(rand_r(seed) % 5));
		vlen += (unsigned)snprintf(
			vms + vlen, cap - vlen,
			"  - name: vm%zu\n    streams: %u\n    active: [[%us, 60s]]\n", i, streams,
			start);
		if (solo)
			vlen += (unsigned)snprintf(vms + vlen, cap - vlen, "    solo_max: %ugbit\n",
						   solo);
	}
	len += (size_t)snprintf(buf + len, cap - len, "vms:\n%s", vms);
	free(vms);
	return buf;
}
