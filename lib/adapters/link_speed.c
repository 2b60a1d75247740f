/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A link's speed from sysfs (see link_speed.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "link_speed.h"
#include "netname.h"

int daqs_link_speed_sysfs(void *ud, const char *dev, uint64_t *bps)
{
	const char *root = ud ? ud : "/sys/class/net";
	char path[512];
	long mbit = -1;
	FILE *f;
	int r = 0;

	if (!daqs_netname_ifname_valid(dev))
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%s/speed", root, dev);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ENODEV : -errno;
	if (fscanf(f, "%ld", &mbit) != 1 || mbit <= 0)
		r = -ENOLINK; /* -1 or unreadable (EINVAL on read): link down or speed unknown */
	fclose(f);
	if (!r)
		*bps = (uint64_t)mbit * 1000000ULL;
	return r;
}
