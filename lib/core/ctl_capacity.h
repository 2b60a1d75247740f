/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daqsctl capacity and daqsctl admit, pure: the admission inventory of each
 * link from daqsd's status (struct daqs_ctl_link: capacity, admission share,
 * admittable, committed, free, guarantees), as a table or JSON, and the
 * answer to "does one more Guarantee minimum fit on this link?" by the same
 * rule daqsd applies to a VM whose SLA comes from its domain metadata
 * (admission.h), for an orchestrator's scheduler filter.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "ctl.h"

/* The inventory of every link (link NULL) or of one; malloc'd text. NULL: no such link. */
char *daqs_ctl_capacity_render(const struct daqs_ctl_status *st, const char *link, bool json);

/*
 * Whether min_bps more fits on link: 0 yes, -ENOSPC no, -EAGAIN the link's
 * capacity is not known yet, -ENOENT no such link. *out (malloc'd) is the
 * answer for a person ("yes: ..." / "no: ...") or, json, one object
 * {"link":..,"min_bps":..,"fits":..,"why":..,"free_bps":..}.
 */
int daqs_ctl_admit(const struct daqs_ctl_status *st, const char *link, uint64_t min_bps, bool json,
		   char **out);
