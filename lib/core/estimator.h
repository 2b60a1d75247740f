/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rate estimator (pure): cumulative interface counters sampled at monotonic
 * timestamps -> rates in decimal bits (and packets) per second.
 *
 * - The first sample (and the first after a reset) only sets a baseline: no
 *   rate exists yet, never a negative or huge one.
 * - A counter going backwards is a reset (guest reboot, interface re-plug):
 *   the sample becomes the new baseline. If the old value fits in 32 bits and
 *   the forward distance modulo 2^32 gives a plausible rate, it is a 32-bit
 *   wrap instead (old Windows agents) and the rate is computed across it.
 * - A timestamp that does not advance is ignored.
 * - A gap longer than max_gap_ns (missed samples) still yields the average
 *   rate over the gap, but a gap longer than 4 x max_gap_ns re-baselines:
 *   an average over a long outage says little about now.
 * - A rate above max_bps is implausible: re-baseline, report it.
 * - Smoothing is an EWMA with time constant tau_ns applied with the actual
 *   interval: alpha = 1 - exp(-dt / tau). After a step change the smoothed
 *   rate covers 63 % of the step in tau, 95 % in 3 tau. tau_ns = 0 disables
 *   smoothing (smoothed == instantaneous).
 *
 * Details (added with the implementation):
 * - Checks run in this order: first sample, timestamp, gap, counters going
 *   backwards (any of the four), plausibility. A re-baseline stores the
 *   sample as the new baseline and counts in resets; so does a wrap.
 * - Packets obey the bounds of bytes: a packet carries at least one byte, so
 *   a packet rate above max_bps / 8 is implausible, and a packet wrap must
 *   stay within it. max_bps must be > 0 (0 makes every traffic implausible).
 * - A re-baseline keeps have_rate, inst, smooth and rate_t_ns: they still
 *   describe the last good interval; rate_t_ns tells how old it is.
 * - The EWMA interval is the time since rate_t_ns, not since the previous
 *   sample: after a re-baseline or a gap the old smoothed value has decayed
 *   for the whole time it went without a rate. Without re-baselines the two
 *   are the same. Rates in inst and smooth are never negative or NaN, and
 *   smooth always lies between its previous value and inst.
 * - total is the sum of every counter delta a rate was computed from (RATE
 *   and WRAP32: across a wrap, the wrapped distance): what has been measured
 *   since the estimator was initialised. A baseline, a re-baseline (reset,
 *   long gap, implausible jump) and an ignored sample add nothing, so total
 *   never goes down; daqs_estimator_reset() keeps it too. What was measured
 *   between two moments is the difference of the totals at those moments.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct daqs_counters {
	uint64_t tx_bytes, rx_bytes, tx_pkts, rx_pkts;
};

struct daqs_sample {
	struct daqs_counters c;
	uint64_t t_ns; /* CLOCK_MONOTONIC, taken when the reply arrived */
};

struct daqs_rates {
	double tx_bps, rx_bps; /* bits per second */
	double tx_pps, rx_pps; /* packets per second */
};

enum daqs_est_event {
	DAQS_EST_RATE,	     /* a new rate was computed */
	DAQS_EST_BASELINE,   /* first sample: baseline only */
	DAQS_EST_RESET,	     /* counters went backwards: re-baselined */
	DAQS_EST_WRAP32,     /* 32-bit wrap detected, rate computed across it */
	DAQS_EST_SAME_TIME,  /* timestamp did not advance: sample ignored */
	DAQS_EST_LONG_GAP,   /* gap too long: re-baselined */
	DAQS_EST_IMPLAUSIBLE /* rate above max_bps: re-baselined */
};

struct daqs_estimator_cfg {
	uint64_t tau_ns;     /* EWMA time constant */
	double max_bps;	     /* plausibility bound for any direction */
	uint64_t max_gap_ns; /* see above; 0 = no gap handling */
};

struct daqs_estimator {
	struct daqs_estimator_cfg cfg;
	bool have_prev;
	struct daqs_sample prev;
	bool have_rate;
	struct daqs_rates inst;	  /* over the last interval */
	struct daqs_rates smooth; /* EWMA */
	uint64_t rate_t_ns;	  /* timestamp of the sample that produced the last rate */
	uint32_t resets;	  /* resets + wraps + implausible + long gaps seen */
	/* the sum of the accepted deltas (see above) */
	struct daqs_counters total;
};

void daqs_estimator_init(struct daqs_estimator *e, const struct daqs_estimator_cfg *cfg);
enum daqs_est_event daqs_estimator_update(struct daqs_estimator *e, const struct daqs_sample *s);
/* Forget everything (VM re-created); keeps cfg, the resets count and total. */
void daqs_estimator_reset(struct daqs_estimator *e);
const char *daqs_est_event_name(enum daqs_est_event ev);
