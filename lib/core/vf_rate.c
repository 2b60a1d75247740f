/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "vf_rate.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#define MBIT 1000000ULL

static uint32_t mbps_floor(uint64_t bps)
{
	uint64_t m = bps / MBIT;

	return m > UINT32_MAX ? UINT32_MAX : (uint32_t)m;
}

uint32_t daqs_vf_max_mbps(uint64_t bps)
{
	if (bps == 0 || bps == UINT64_MAX)
		return 0;
	if (bps < MBIT)
		return 1; /* 0 would lift the cap altogether */
	return mbps_floor(bps);
}

uint32_t daqs_vf_min_mbps(uint64_t bps)
{
	return mbps_floor(bps);
}

bool daqs_vf_rates_valid(const struct daqs_vf_rates *r)
{
	return r->max_mbps == 0 || r->min_mbps <= r->max_mbps;
}

bool daqs_vf_rates_eq(const struct daqs_vf_rates *a, const struct daqs_vf_rates *b)
{
	return a->min_mbps == b->min_mbps && a->max_mbps == b->max_mbps;
}

int daqs_vf_rates_merge(const struct daqs_vf_rates *cur, const struct daqs_vf_rate_change *chg,
			struct daqs_vf_rates *out, const char **why)
{
	struct daqs_vf_rates r = *cur;
	const char *reason = NULL;

	if (!(chg->set & (DAQS_VF_SET_MIN | DAQS_VF_SET_MAX)))
		reason = "nothing to set";
	if (chg->set & DAQS_VF_SET_MIN)
		r.min_mbps = chg->min_mbps;
	if (chg->set & DAQS_VF_SET_MAX)
		r.max_mbps = chg->max_mbps;
	if (!reason && !daqs_vf_rates_valid(&r)) {
		if ((chg->set & DAQS_VF_SET_MIN) && (chg->set & DAQS_VF_SET_MAX))
			reason = "min above max";
		else if (chg->set & DAQS_VF_SET_MAX)
			reason = "max below the VF's min (set both to lower the min)";
		else
			reason = "min above the VF's max (set both to raise the max)";
	}
	if (reason) {
		if (why)
			*why = reason;
		return -EINVAL;
	}
	*out = r;
	return 0;
}

bool daqs_vf_min_refused(int err, const struct daqs_vf_rates *sent)
{
	return err == -EINVAL && sent->min_mbps != 0;
}

struct daqs_vf_rates daqs_vf_rates_max_only(const struct daqs_vf_rates *sent)
{
	return (struct daqs_vf_rates){ .min_mbps = 0, .max_mbps = sent->max_mbps };
}

const char *daqs_vf_rates_str(const struct daqs_vf_rates *r, char *buf, size_t len)
{
	snprintf(buf, len, "min %" PRIu32 " max %" PRIu32 " Mbps", r->min_mbps, r->max_mbps);
	return buf;
}
