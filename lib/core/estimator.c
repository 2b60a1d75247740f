/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "estimator.h"

#include <math.h>
#include <string.h>

/* Counters in a fixed order, so that one loop treats all four alike. */
#define DAQS_EST_NCOUNTERS 4

static void counters_to_array(const struct daqs_counters *c, uint64_t v[DAQS_EST_NCOUNTERS])
{
	v[0] = c->tx_bytes;
	v[1] = c->rx_bytes;
	v[2] = c->tx_pkts;
	v[3] = c->rx_pkts;
}

/* Units (bytes or packets) per second; the delta stays an integer until here. */
static double per_second(uint64_t delta, uint64_t dt_ns)
{
	return (double)delta * 1e9 / (double)dt_ns;
}

/*
 * Bound for every counter in units per second: max_bps / 8 bytes/s is
 * max_bps bit/s exactly (scaling by 8 is exact in binary floating point), and
 * a packet carries at least one byte, so packets/s obey the same bound.
 */
static double unit_limit(const struct daqs_estimator_cfg *cfg)
{
	return cfg->max_bps / 8;
}

enum counter_step {
	COUNTER_FORWARD,
	COUNTER_WRAP32,
	COUNTER_RESET,
};

/* Forward distance from old to new over dt_ns, across a 32-bit wrap if plausible. */
static enum counter_step counter_delta(uint64_t old, uint64_t new, uint64_t dt_ns, double limit,
				       uint64_t *delta)
{
	if (new >= old) {
		*delta = new - old;
		return COUNTER_FORWARD;
	}
	if (old > UINT32_MAX)
		return COUNTER_RESET;
	*delta = (uint32_t)(new - old); /* (new - old) mod 2^32 */
	return per_second(*delta, dt_ns) <= limit ? COUNTER_WRAP32 : COUNTER_RESET;
}

/* Deltas of all counters: RESET if any went backwards for real, else WRAP32 or RATE. */
static enum daqs_est_event est_deltas(const struct daqs_estimator *e, const struct daqs_sample *s,
				      uint64_t dt_ns, uint64_t delta[DAQS_EST_NCOUNTERS])
{
	uint64_t old[DAQS_EST_NCOUNTERS], cur[DAQS_EST_NCOUNTERS];
	enum daqs_est_event ev = DAQS_EST_RATE;
	double limit = unit_limit(&e->cfg);

	counters_to_array(&e->prev.c, old);
	counters_to_array(&s->c, cur);
	for (int i = 0; i < DAQS_EST_NCOUNTERS; i++) {
		switch (counter_delta(old[i], cur[i], dt_ns, limit, &delta[i])) {
		case COUNTER_FORWARD:
			break;
		case COUNTER_WRAP32:
			ev = DAQS_EST_WRAP32;
			break;
		case COUNTER_RESET:
			return DAQS_EST_RESET;
		}
	}
	return ev;
}

static bool est_implausible(const struct daqs_estimator *e,
			    const uint64_t delta[DAQS_EST_NCOUNTERS], uint64_t dt_ns)
{
	double limit = unit_limit(&e->cfg);

	for (int i = 0; i < DAQS_EST_NCOUNTERS; i++)
		if (!(per_second(delta[i], dt_ns) <= limit))
			return true;
	return false;
}

static bool est_gap_too_long(const struct daqs_estimator_cfg *cfg, uint64_t dt_ns)
{
	return cfg->max_gap_ns && cfg->max_gap_ns <= UINT64_MAX / 4 && dt_ns > 4 * cfg->max_gap_ns;
}

/*
 * One EWMA step: inst + (old - inst) * decay, decay = exp(-dt / tau). The
 * result lies between old and inst; clamping keeps rounding from leaving
 * that range (never negative, never above the larger of the two).
 */
static double ewma(double old, double inst, double decay)
{
	double v = inst + (old - inst) * decay;

	return fmax(fmin(old, inst), fmin(v, fmax(old, inst)));
}

static void est_smooth(struct daqs_estimator *e, uint64_t t_ns)
{
	double decay = 0;

	if (!e->have_rate) {
		e->smooth = e->inst;
		return;
	}
	if (e->cfg.tau_ns)
		decay = exp(-(double)(t_ns - e->rate_t_ns) / (double)e->cfg.tau_ns);
	e->smooth.tx_bps = ewma(e->smooth.tx_bps, e->inst.tx_bps, decay);
	e->smooth.rx_bps = ewma(e->smooth.rx_bps, e->inst.rx_bps, decay);
	e->smooth.tx_pps = ewma(e->smooth.tx_pps, e->inst.tx_pps, decay);
	e->smooth.rx_pps = ewma(e->smooth.rx_pps, e->inst.rx_pps, decay);
}

static void est_apply(struct daqs_estimator *e, const struct daqs_sample *s,
		      const uint64_t delta[DAQS_EST_NCOUNTERS], uint64_t dt_ns)
{
	e->inst.tx_bps = 8 * per_second(delta[0], dt_ns);
	e->inst.rx_bps = 8 * per_second(delta[1], dt_ns);
	e->inst.tx_pps = per_second(delta[2], dt_ns);
	e->inst.rx_pps = per_second(delta[3], dt_ns);
	e->total.tx_bytes += delta[0];
	e->total.rx_bytes += delta[1];
	e->total.tx_pkts += delta[2];
	e->total.rx_pkts += delta[3];
	est_smooth(e, s->t_ns);
	e->have_rate = true;
	e->rate_t_ns = s->t_ns;
}

static void est_baseline(struct daqs_estimator *e, const struct daqs_sample *s)
{
	e->have_prev = true;
	e->prev = *s;
}

static enum daqs_est_event est_rebaseline(struct daqs_estimator *e, const struct daqs_sample *s,
					  enum daqs_est_event ev)
{
	est_baseline(e, s);
	e->resets++;
	return ev;
}

void daqs_estimator_init(struct daqs_estimator *e, const struct daqs_estimator_cfg *cfg)
{
	memset(e, 0, sizeof(*e));
	e->cfg = *cfg;
}

void daqs_estimator_reset(struct daqs_estimator *e)
{
	struct daqs_estimator_cfg cfg = e->cfg;
	struct daqs_counters total = e->total;
	uint32_t resets = e->resets;

	daqs_estimator_init(e, &cfg);
	e->resets = resets;
	e->total = total;
}

enum daqs_est_event daqs_estimator_update(struct daqs_estimator *e, const struct daqs_sample *s)
{
	uint64_t delta[DAQS_EST_NCOUNTERS], dt_ns;
	enum daqs_est_event ev;

	if (!e->have_prev) {
		est_baseline(e, s);
		return DAQS_EST_BASELINE;
	}
	if (s->t_ns <= e->prev.t_ns)
		return DAQS_EST_SAME_TIME;
	dt_ns = s->t_ns - e->prev.t_ns;
	if (est_gap_too_long(&e->cfg, dt_ns))
		return est_rebaseline(e, s, DAQS_EST_LONG_GAP);
	ev = est_deltas(e, s, dt_ns, delta);
	if (ev == DAQS_EST_RESET)
		return est_rebaseline(e, s, ev);
	if (est_implausible(e, delta, dt_ns))
		return est_rebaseline(e, s, DAQS_EST_IMPLAUSIBLE);
	est_apply(e, s, delta, dt_ns);
	est_baseline(e, s);
	if (ev == DAQS_EST_WRAP32)
		e->resets++;
	return ev;
}

const char *daqs_est_event_name(enum daqs_est_event ev)
{
	switch (ev) {
	case DAQS_EST_RATE:
		return "rate";
	case DAQS_EST_BASELINE:
		return "baseline";
	case DAQS_EST_RESET:
		return "reset";
	case DAQS_EST_WRAP32:
		return "wrap32";
	case DAQS_EST_SAME_TIME:
		return "same-time";
	case DAQS_EST_LONG_GAP:
		return "long-gap";
	case DAQS_EST_IMPLAUSIBLE:
		return "implausible";
	}
	return "?";
}
