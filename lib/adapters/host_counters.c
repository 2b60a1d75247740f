/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "host_counters.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netname.h"

static int read_u64(const char *root, const char *ifname, const char *name, uint64_t *v)
{
	char path[512], buf[32], *end;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s/statistics/%s", root, ifname, name);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ENODEV : -EIO;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	errno = 0;
	*v = strtoull(buf, &end, 10);
	if (n == 0 || end == buf || errno || (*end && *end != '\n'))
		return -EIO;
	return 0;
}

int daqs_host_counters_read_at(const char *root, const char *ifname, struct daqs_counters *out)
{
	struct daqs_counters c;
	int r;

	if (!daqs_netname_ifname_valid(ifname))
		return -EINVAL;
	r = read_u64(root, ifname, "rx_bytes", &c.tx_bytes);
	if (!r)
		r = read_u64(root, ifname, "tx_bytes", &c.rx_bytes);
	if (!r)
		r = read_u64(root, ifname, "rx_packets", &c.tx_pkts);
	if (!r)
		r = read_u64(root, ifname, "tx_packets", &c.rx_pkts);
	if (!r)
		*out = c;
	return r;
}

int daqs_host_counters_read(const char *ifname, struct daqs_counters *out)
{
	return daqs_host_counters_read_at("/sys/class/net", ifname, out);
}
