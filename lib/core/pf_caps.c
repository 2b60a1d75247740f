/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "pf_caps.h"

#include <stdio.h>
#include <string.h>

#include "mem.h"

/* What the drivers document a VF min to mean (daqsd(8), VF RATE LEVERS). */
static const struct {
	const char *driver;
	enum daqs_pf_min min;
	bool sum_capped;
} drivers[] = {
	{ "mlx5_core", DAQS_PF_MIN_WEIGHT, false },   { "ice", DAQS_PF_MIN_ABSOLUTE, true },
	{ "netdevsim", DAQS_PF_MIN_ABSOLUTE, false }, { "i40e", DAQS_PF_MIN_REFUSED, false },
	{ "ixgbe", DAQS_PF_MIN_REFUSED, false },      { "igb", DAQS_PF_MIN_REFUSED, false },
	{ "iavf", DAQS_PF_MIN_REFUSED, false },
};

static const char *const min_names[] = {
	[DAQS_PF_MIN_UNKNOWN] = "unknown",
	[DAQS_PF_MIN_ABSOLUTE] = "absolute",
	[DAQS_PF_MIN_WEIGHT] = "weight",
	[DAQS_PF_MIN_REFUSED] = "refused",
};

const char *daqs_pf_min_name(enum daqs_pf_min m)
{
	return (size_t)m < DAQS_ARRAY_SIZE(min_names) ? min_names[m] : "?";
}

static int driver_of(const struct daqs_pf_caps *c)
{
	for (size_t i = 0; i < DAQS_ARRAY_SIZE(drivers); i++)
		if (!strcmp(c->driver, drivers[i].driver))
			return (int)i;
	return -1;
}

enum daqs_pf_min daqs_pf_min_of(const struct daqs_pf_caps *c, bool *seen)
{
	int d = driver_of(c);

	if (seen)
		*seen = c->min_refused;
	if (c->min_refused)
		return DAQS_PF_MIN_REFUSED;
	return d < 0 ? DAQS_PF_MIN_UNKNOWN : drivers[d].min;
}

bool daqs_pf_min_sum_capped(const struct daqs_pf_caps *c)
{
	int d = driver_of(c);

	return d >= 0 && drivers[d].sum_capped;
}

const char *daqs_pf_levers(const struct daqs_pf_caps *c, char *buf, size_t len)
{
	if (c->r || (!c->num_vfs && !c->devlink_leaf))
		snprintf(buf, len, "none");
	else if (c->devlink_leaf)
		snprintf(buf, len, "devlink-leaf,devlink-node");
	else if (daqs_pf_min_of(c, NULL) == DAQS_PF_MIN_REFUSED)
		snprintf(buf, len, "legacy-max");
	else
		snprintf(buf, len, "legacy-max,legacy-min");
	return buf;
}
