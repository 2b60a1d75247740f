/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "waterfill.h"

#include <math.h>
#include <stdbool.h>

/*
 * Progressive filling: raise the level over the items not yet capped; any
 * item whose cap is below its share is frozen at its cap and the rest is
 * shared again. At most n rounds, each O(n): n is a host's VM count, so the
 * quadratic worst case stays far below a millisecond and needs no allocation.
 */
double daqs_waterfill(struct daqs_wf_item *items, size_t n, double budget)
{
	double left = budget > 0 ? budget : 0;
	bool changed = true;

	for (size_t i = 0; i < n; i++)
		items[i].out = -1; /* -1 = not frozen yet */
	while (changed) {
		double wsum = 0;

		changed = false;
		for (size_t i = 0; i < n; i++) {
			if (items[i].out >= 0)
				continue;
			if (!(items[i].weight > 0) || !(items[i].cap > 0)) {
				items[i].out = 0;
				continue;
			}
			wsum += items[i].weight;
		}
		if (wsum <= 0)
			break;
		for (size_t i = 0; i < n; i++) {
			if (items[i].out >= 0 || items[i].cap > left * items[i].weight / wsum)
				continue;
			items[i].out = items[i].cap;
			left -= items[i].cap;
			changed = true;
		}
		if (changed)
			continue;
		for (size_t i = 0; i < n; i++)
			if (items[i].out < 0)
				items[i].out = left * items[i].weight / wsum;
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (items[i].out < 0)
			items[i].out = 0;
	return left > 0 ? left : 0;
}
