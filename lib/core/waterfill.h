/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Weighted max-min fair division of a budget ("water-filling"), used both by
 * the policy (sharing leftover capacity among Best-Effort VMs by weight) and
 * by the simulator (TCP sharing a bottleneck in proportion to stream counts).
 *
 * Each item gets out = min(cap, level * weight) for one common level chosen so
 * that the outs sum to the budget, unless every item is capped first. Items
 * with weight <= 0 get 0. cap may be INFINITY.
 */
#pragma once

#include <stddef.h>

struct daqs_wf_item {
	double weight;
	double cap;
	double out;
};

/* Fills items[i].out; returns the budget left over (> 0 only when every item is capped). */
double daqs_waterfill(struct daqs_wf_item *items, size_t n, double budget);
