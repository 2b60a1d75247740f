/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host/agent cross-check (see crosscheck.h). */
#include <math.h>
#include <string.h>

#include "crosscheck.h"

enum daqs_crosscheck_news daqs_crosscheck_update(struct daqs_crosscheck *x, double agent_bps,
						 double host_bps)
{
	double d = fabs(agent_bps - host_bps);

	if (d > DAQS_CROSSCHECK_TOL * fmax(agent_bps, host_bps) && d > DAQS_CROSSCHECK_SLACK_BPS) {
		x->agree = 0;
		if (++x->disagree >= DAQS_CROSSCHECK_DISAGREE && !x->distrust) {
			x->distrust = true;
			return DAQS_CROSSCHECK_DISTRUSTED;
		}
		return DAQS_CROSSCHECK_QUIET;
	}
	x->disagree = 0;
	if (x->distrust && ++x->agree >= DAQS_CROSSCHECK_AGREE) {
		x->distrust = false;
		x->agree = 0;
		return DAQS_CROSSCHECK_TRUSTED;
	}
	return DAQS_CROSSCHECK_QUIET;
}

void daqs_crosscheck_reset(struct daqs_crosscheck *x)
{
	memset(x, 0, sizeof(*x));
}
