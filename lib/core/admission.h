/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Admission of guarantees, pure: how much of a link's capacity Guarantee
 * minimums may reserve (the SLA's admission share: controller: admission,
 * or the link's own admission; default 100 %, vSphere's NIOC uses 75 %),
 * how much is committed, and whether one more minimum fits.
 *
 * Used by the SLA checks (a file whose minimums on a link exceed the share
 * is refused, naming file, line and field), by daqsd for a VM whose SLA comes
 * from its domain metadata (refused for that VM alone when it does not fit:
 * first come, first served), and by daqsctl admit for an orchestrator's
 * scheduler filter (the same numbers, from daqsd's status).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define DAQS_ADMISSION_FULL 1000000u /* ppm: 100 % */

struct daqs_admission {
	uint64_t capacity_bps;	 /* configured, or read from the PF; 0 unknown */
	uint32_t share_ppm;	 /* of the capacity guarantees may reserve */
	uint64_t admittable_bps; /* capacity x share (0 when the capacity is unknown) */
	uint64_t committed_bps;	 /* sum of the Guarantee minimums on the link */
	uint32_t guarantees;	 /* how many */
};

/* capacity x share_ppm / 10^6, rounded down, without overflow. */
uint64_t daqs_admission_admittable(uint64_t capacity_bps, uint32_t share_ppm);

/* a->admittable_bps from its capacity and share; committed and guarantees start at 0. */
void daqs_admission_init(struct daqs_admission *a, uint64_t capacity_bps, uint32_t share_ppm);
/* One more Guarantee minimum committed (saturating). */
void daqs_admission_add(struct daqs_admission *a, uint64_t min_bps);
/* What is left: admittable - committed, 0 when over. */
uint64_t daqs_admission_free(const struct daqs_admission *a);

/*
 * Does one more minimum min_bps fit? 0 yes; -ENOSPC no; -EAGAIN the
 * capacity is unknown (capacity: auto not read yet). why (may be NULL)
 * says so with the figures, e.g. "min 300mbit does not fit: 200mbit of
 * 750mbit (75% of 1gbit) left for guarantees, 550mbit committed by 2".
 */
int daqs_admission_fits(const struct daqs_admission *a, uint64_t min_bps, char *why, size_t n);
