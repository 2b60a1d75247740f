/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "admission.h"

#include <errno.h>
#include <stdio.h>

#include "units.h"

uint64_t daqs_admission_admittable(uint64_t capacity_bps, uint32_t share_ppm)
{
	unsigned __int128 v = (unsigned __int128)capacity_bps * share_ppm / DAQS_ADMISSION_FULL;

	return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

void daqs_admission_init(struct daqs_admission *a, uint64_t capacity_bps, uint32_t share_ppm)
{
	*a = (struct daqs_admission){
		.capacity_bps = capacity_bps,
		.share_ppm = share_ppm,
		.admittable_bps = daqs_admission_admittable(capacity_bps, share_ppm),
	};
}

void daqs_admission_add(struct daqs_admission *a, uint64_t min_bps)
{
	a->committed_bps = a->committed_bps + min_bps < a->committed_bps
				   ? UINT64_MAX
				   : a->committed_bps + min_bps;
	a->guarantees++;
}

uint64_t daqs_admission_free(const struct daqs_admission *a)
{
	return a->committed_bps >= a->admittable_bps ? 0 : a->admittable_bps - a->committed_bps;
}

/* "750mbit (75% of 1gbit)", or "1gbit" at 100 % */
static void admittable_str(const struct daqs_admission *a, char *buf, size_t n)
{
	char adm[32], cap[32];

	daqs_units_format_rate(a->admittable_bps, adm, sizeof(adm));
	daqs_units_format_rate(a->capacity_bps, cap, sizeof(cap));
	if (a->share_ppm == DAQS_ADMISSION_FULL)
		snprintf(buf, n, "%s", cap);
	else
		snprintf(buf, n, "%s (%g%% of %s)", adm, a->share_ppm / 10000.0, cap);
}

int daqs_admission_fits(const struct daqs_admission *a, uint64_t min_bps, char *why, size_t n)
{
	char min[32], left[32], com[32], adm[96];
	uint64_t free_bps = daqs_admission_free(a);
	int r;

	if (!a->capacity_bps) {
		if (why)
			snprintf(why, n, "the link's capacity is not known yet (capacity: auto)");
		return -EAGAIN;
	}
	r = min_bps <= free_bps ? 0 : -ENOSPC;
	if (!why)
		return r;
	daqs_units_format_rate(min_bps, min, sizeof(min));
	daqs_units_format_rate(free_bps, left, sizeof(left));
	daqs_units_format_rate(a->committed_bps, com, sizeof(com));
	admittable_str(a, adm, sizeof(adm));
	snprintf(why, n, "min %s %s: %s of %s left for guarantees, %s committed by %u", min,
		 r ? "does not fit" : "fits", left, adm, com, a->guarantees);
	return r;
}
