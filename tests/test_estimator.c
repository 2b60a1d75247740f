/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The rate estimator: baselines, exact rates, resets, wraps, gaps, EWMA. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "estimator.h"
#include "mem.h"
#include "unit.h"

#define NS_PER_US 1000ULL
#define NS_PER_MS 1000000ULL
#define NS_PER_S 1000000000ULL
#define TWO_32 4294967296ULL

/*
 * ck_assert() reports every check that passes to the parent process (CK_FORK):
 * in loops of 10^5 checks that costs many seconds. These report only failures.
 */
#define QUIET_ASSERT_MSG(cond, ...)                \
	do {                                       \
		if (!(cond))                       \
			ck_abort_msg(__VA_ARGS__); \
	} while (0)
#define QUIET_ASSERT(cond) QUIET_ASSERT_MSG(cond, "Assertion '%s' failed", #cond)

/* 100 gbit bound, no smoothing, gaps of up to 1 s are normal. */
static const struct daqs_estimator_cfg base_cfg = {
	.tau_ns = 0,
	.max_bps = 100e9,
	.max_gap_ns = NS_PER_S,
};

static struct daqs_sample mk_sample(uint64_t t_ns, uint64_t tx_bytes, uint64_t rx_bytes,
				    uint64_t tx_pkts, uint64_t rx_pkts)
{
	struct daqs_sample s = {
		.c = { .tx_bytes = tx_bytes,
		       .rx_bytes = rx_bytes,
		       .tx_pkts = tx_pkts,
		       .rx_pkts = rx_pkts },
		.t_ns = t_ns,
	};

	return s;
}

static enum daqs_est_event feed(struct daqs_estimator *e, uint64_t t_ns, struct daqs_counters c)
{
	struct daqs_sample s = { .c = c, .t_ns = t_ns };

	return daqs_estimator_update(e, &s);
}

static struct daqs_counters add_counters(struct daqs_counters c, uint64_t tx_bytes,
					 uint64_t rx_bytes, uint64_t tx_pkts, uint64_t rx_pkts)
{
	c.tx_bytes += tx_bytes;
	c.rx_bytes += rx_bytes;
	c.tx_pkts += tx_pkts;
	c.rx_pkts += rx_pkts;
	return c;
}

static struct daqs_counters sub_counters(struct daqs_counters c, uint64_t tx_bytes,
					 uint64_t rx_bytes, uint64_t tx_pkts, uint64_t rx_pkts)
{
	c.tx_bytes -= tx_bytes;
	c.rx_bytes -= rx_bytes;
	c.tx_pkts -= tx_pkts;
	c.rx_pkts -= rx_pkts;
	return c;
}

static void assert_counters_eq(const struct daqs_counters *a, const struct daqs_counters *b)
{
	ck_assert_uint_eq(a->tx_bytes, b->tx_bytes);
	ck_assert_uint_eq(a->rx_bytes, b->rx_bytes);
	ck_assert_uint_eq(a->tx_pkts, b->tx_pkts);
	ck_assert_uint_eq(a->rx_pkts, b->rx_pkts);
}

/* The forward distance old -> new, modulo 2^32 when new is below (a 32-bit wrap). */
static uint64_t wrapped(uint64_t old, uint64_t new)
{
	return new >= old ? new - old : (uint32_t)(new - old);
}

static struct daqs_counters distance(const struct daqs_counters *a, const struct daqs_counters *b)
{
	struct daqs_counters d = { wrapped(a->tx_bytes, b->tx_bytes),
				   wrapped(a->rx_bytes, b->rx_bytes),
				   wrapped(a->tx_pkts, b->tx_pkts),
				   wrapped(a->rx_pkts, b->rx_pkts) };

	return d;
}

static void assert_rates_eq(const struct daqs_rates *r, double tx_bps, double rx_bps, double tx_pps,
			    double rx_pps)
{
	ck_assert_double_eq(r->tx_bps, tx_bps);
	ck_assert_double_eq(r->rx_bps, rx_bps);
	ck_assert_double_eq(r->tx_pps, tx_pps);
	ck_assert_double_eq(r->rx_pps, rx_pps);
}

static void assert_rel(double got, double want, double rel)
{
	QUIET_ASSERT_MSG(fabs(got - want) <= rel * fabs(want), "got %.17g, want %.17g (rel %g)",
			 got, want, rel);
}

/* ---- first sample ---- */

static const struct daqs_counters first_cases[] = {
	{ 0, 0, 0, 0 },
	{ 125000000, 250000000, 1000, 2000 },
	{ TWO_32 - 1, TWO_32 - 1, TWO_32 - 1, TWO_32 - 1 },
	{ UINT64_MAX, UINT64_MAX - 1, UINT64_MAX - 2, UINT64_MAX - 3 },
};

START_TEST(test_first_sample)
{
	struct daqs_estimator e;

	daqs_estimator_init(&e, &base_cfg);
	ck_assert(!e.have_prev);
	ck_assert_int_eq(feed(&e, 5 * NS_PER_S, first_cases[_i]), DAQS_EST_BASELINE);
	ck_assert(e.have_prev);
	ck_assert(!e.have_rate);
	ck_assert_uint_eq(e.resets, 0);
	ck_assert_uint_eq(e.prev.t_ns, 5 * NS_PER_S);
	assert_counters_eq(&e.prev.c, &first_cases[_i]);
	assert_rates_eq(&e.inst, 0, 0, 0, 0);
	assert_rates_eq(&e.smooth, 0, 0, 0, 0);
}
END_TEST

/* ---- steady rates are exact ---- */

static const struct steady_case {
	uint64_t bytes, pkts, dt_ns; /* per interval: tx; rx carries half of each */
	double bps, pps;	     /* expected tx rates */
} steady_cases[] = {
	{ 125000000, 100000, NS_PER_S, 1e9, 1e5 }, /* 125 MB in 1 s = 1 gbit */
	{ 1250000000, 1000000, NS_PER_S, 10e9, 1e6 },
	{ 5000000000, 4000000, NS_PER_S, 40e9, 4e6 },
	{ 25000000, 20000, 200 * NS_PER_MS, 1e9, 1e5 },
	{ 1250000, 1000, 10 * NS_PER_MS, 1e9, 1e5 },
	{ 2500000000, 2000000, 200 * NS_PER_MS, 100e9, 1e7 }, /* exactly max_bps: plausible */
	{ 0, 0, 200 * NS_PER_MS, 0, 0 },
	{ 2, 2, NS_PER_S, 16, 2 },
	{ 250, 2, 2 * NS_PER_US, 1e9, 1e6 },
};

START_TEST(test_steady_exact)
{
	const struct steady_case *c = &steady_cases[_i];
	struct daqs_estimator_cfg cfg = base_cfg;
	struct daqs_estimator e;
	struct daqs_counters ctr = { 1ULL << 40, 1ULL << 41, 1ULL << 30, 1ULL << 31 };
	uint64_t t = 3 * NS_PER_S;

	cfg.tau_ns = NS_PER_S; /* a constant rate stays constant through the EWMA */
	daqs_estimator_init(&e, &cfg);
	ck_assert_int_eq(feed(&e, t, ctr), DAQS_EST_BASELINE);
	for (int k = 0; k < 10; k++) {
		t += c->dt_ns;
		ctr = add_counters(ctr, c->bytes, c->bytes / 2, c->pkts, c->pkts / 2);
		ck_assert_int_eq(feed(&e, t, ctr), DAQS_EST_RATE);
		ck_assert(e.have_rate);
		ck_assert_uint_eq(e.rate_t_ns, t);
		assert_rates_eq(&e.inst, c->bps, c->bps / 2, c->pps, c->pps / 2);
		assert_rates_eq(&e.smooth, c->bps, c->bps / 2, c->pps, c->pps / 2);
	}
	ck_assert_uint_eq(e.resets, 0);
}
END_TEST

/* ---- irregular intervals: the rate does not depend on dt ---- */

/* All multiples of 8 us, so every rate below moves a whole number of bytes. */
static const uint64_t irregular_dts[] = {
	8 * NS_PER_US,	 1 * NS_PER_MS,	  17 * NS_PER_MS, 200 * NS_PER_MS,  333 * NS_PER_MS,
	999 * NS_PER_MS, 64 * NS_PER_US,  1 * NS_PER_S,	  1500 * NS_PER_MS, 50 * NS_PER_MS,
	3 * NS_PER_S,	 123 * NS_PER_MS, 4 * NS_PER_S,	  7 * NS_PER_MS,
};

static const double irregular_rates[] = { 1e6, 3e9, 8e9, 64e9 }; /* bit/s */

START_TEST(test_irregular_intervals)
{
	double bps = irregular_rates[_i];
	struct daqs_estimator e;
	struct daqs_counters ctr = { 77, 0, 5, 0 };
	uint64_t t = 1;

	daqs_estimator_init(&e, &base_cfg);
	ck_assert_int_eq(feed(&e, t, ctr), DAQS_EST_BASELINE);
	for (size_t k = 0; k < DAQS_ARRAY_SIZE(irregular_dts); k++) {
		uint64_t dt = irregular_dts[k];
		uint64_t bytes = (uint64_t)(bps / 8e9 * (double)dt + 0.5);

		ck_assert_double_eq((double)bytes * 8e9 / (double)dt, bps); /* test data is whole */
		t += dt;
		ctr = add_counters(ctr, bytes, bytes / 4, dt / NS_PER_US, 0);
		ck_assert_int_eq(feed(&e, t, ctr), DAQS_EST_RATE);
		assert_rel(e.inst.tx_bps, bps, 1e-15);
		assert_rel(e.inst.tx_pps, 1e6, 1e-15);
		ck_assert_double_eq(e.inst.rx_pps, 0);
		ck_assert(e.inst.rx_bps >= 0);
	}
}
END_TEST

/* ---- missing samples ---- */

static const struct gap_case {
	uint64_t max_gap_ns, dt_ns;
	enum daqs_est_event ev;
} gap_cases[] = {
	{ NS_PER_S, 200 * NS_PER_MS, DAQS_EST_RATE },
	{ NS_PER_S, NS_PER_S, DAQS_EST_RATE },
	{ NS_PER_S, 2 * NS_PER_S, DAQS_EST_RATE }, /* missed samples: average over the gap */
	{ NS_PER_S, 4 * NS_PER_S, DAQS_EST_RATE }, /* the limit itself */
	{ NS_PER_S, 4 * NS_PER_S + 1, DAQS_EST_LONG_GAP }, /* one ns beyond */
	{ NS_PER_S, 60 * NS_PER_S, DAQS_EST_LONG_GAP },
	{ 250 * NS_PER_MS, NS_PER_S, DAQS_EST_RATE },
	{ 250 * NS_PER_MS, NS_PER_S + NS_PER_MS, DAQS_EST_LONG_GAP },
	{ 0, 3600 * NS_PER_S, DAQS_EST_RATE },		      /* 0: no gap handling */
	{ (1ULL << 62) + 1, 3600 * NS_PER_S, DAQS_EST_RATE }, /* 4 x max_gap must not wrap to 4 */
};

START_TEST(test_gaps)
{
	const struct gap_case *c = &gap_cases[_i];
	struct daqs_estimator_cfg cfg = base_cfg;
	struct daqs_estimator e;
	struct daqs_counters ctr = { 1000, 1000, 10, 10 };
	uint64_t t = NS_PER_S, gap_bytes = c->dt_ns / 4; /* 2 gbit over the gap */

	cfg.max_gap_ns = c->max_gap_ns;
	cfg.tau_ns = NS_PER_S;
	daqs_estimator_init(&e, &cfg);
	feed(&e, t, ctr);
	t += 200 * NS_PER_MS;
	ctr = add_counters(ctr, 25000000, 0, 0, 0); /* 1 gbit */
	ck_assert_int_eq(feed(&e, t, ctr), DAQS_EST_RATE);
	t += c->dt_ns;
	ctr = add_counters(ctr, gap_bytes, 0, 0, 0);
	ck_assert_int_eq(feed(&e, t, ctr), c->ev);
	if (c->ev == DAQS_EST_RATE) {
		ck_assert_double_eq(e.inst.tx_bps, 2e9);
		ck_assert_uint_eq(e.resets, 0);
	} else {
		ck_assert_double_eq(e.inst.tx_bps, 1e9); /* last good rate kept */
		ck_assert_uint_eq(e.resets, 1);
		ck_assert_uint_eq(e.prev.t_ns, t); /* re-baselined on the late sample */
	}
	/* Either way the next interval is measured from the late sample. */
	t += 200 * NS_PER_MS;
	ctr = add_counters(ctr, 125000000, 0, 0, 0); /* 5 gbit */
	ck_assert_int_eq(feed(&e, t, ctr), DAQS_EST_RATE);
	ck_assert_double_eq(e.inst.tx_bps, 5e9);
	/* After a re-baseline the EWMA decays over the whole time without a rate. */
	if (c->ev == DAQS_EST_LONG_GAP)
		assert_rel(e.smooth.tx_bps,
			   5e9 + (1e9 - 5e9) *
					   exp(-(double)(c->dt_ns + 200 * NS_PER_MS) / NS_PER_S),
			   1e-12);
}
END_TEST

/* ---- counter resets and 32-bit wraps ---- */

static const struct back_case {
	const char *name;
	struct daqs_counters before, after;
	uint64_t dt_ns;
	enum daqs_est_event ev;
	double tx_bps, rx_bps, tx_pps, rx_pps; /* for WRAP32 */
} back_cases[] = {
	{ "reboot, 64-bit counters",
	  { 5000000000, 6000000000, 5000000, 6000000 },
	  { 1000, 2000, 10, 20 },
	  200 * NS_PER_MS,
	  DAQS_EST_RESET,
	  0,
	  0,
	  0,
	  0 },
	{ "reboot, all to zero",
	  { 5000000000, 1000, 5000000, 10 },
	  { 0, 0, 0, 0 },
	  NS_PER_S,
	  DAQS_EST_RESET,
	  0,
	  0,
	  0,
	  0 },
	/* old < 2^32, but across a wrap it would be 3.29e9 bytes in 200 ms = 132 gbit */
	{ "reboot, small counters",
	  { 1000000000, 1000000000, 1000000, 1000000 },
	  { 100, 200, 1, 2 },
	  200 * NS_PER_MS,
	  DAQS_EST_RESET,
	  0,
	  0,
	  0,
	  0 },
	{ "only tx bytes back",
	  { 5000000000, 100, 100, 100 },
	  { 4000000000, 200, 200, 200 },
	  NS_PER_S,
	  DAQS_EST_RESET,
	  0,
	  0,
	  0,
	  0 },
	{ "only rx bytes back",
	  { 100, 5000000000, 100, 100 },
	  { 200, 4999999999, 200, 200 },
	  NS_PER_S,
	  DAQS_EST_RESET,
	  0,
	  0,
	  0,
	  0 },
	{ "only tx packets back",
	  { 100, 100, 5000000000, 100 },
	  { 200, 200, 7, 200 },
	  NS_PER_S,
	  DAQS_EST_RESET,
	  0,
	  0,
	  0,
	  0 },
	{ "only rx packets back",
	  { 100, 100, 100, 5000000000 },
	  { 200, 200, 200, 3 },
	  NS_PER_S,
	  DAQS_EST_RESET,
	  0,
	  0,
	  0,
	  0 },
	{ "old value 2^32 does not fit 32 bits",
	  { TWO_32, 0, 0, 0 },
	  { 500, 0, 0, 0 },
	  NS_PER_S,
	  DAQS_EST_RESET,
	  0,
	  0,
	  0,
	  0 },
	{ "tx bytes wrap",
	  { TWO_32 - 1000, 0, 0, 0 },
	  { 500, 0, 0, 0 },
	  NS_PER_S,
	  DAQS_EST_WRAP32,
	  12000,
	  0,
	  0,
	  0 },
	{ "rx bytes wrap at 2 gbit",
	  { 0, 4200000000, 0, 0 },
	  { 250000000, 155032704, 0, 0 },
	  NS_PER_S,
	  DAQS_EST_WRAP32,
	  2e9,
	  2e9,
	  0,
	  0 },
	{ "tx packets wrap",
	  { 100, 100, TWO_32 - 1, 100 },
	  { 100, 100, 99, 100 },
	  NS_PER_S,
	  DAQS_EST_WRAP32,
	  0,
	  0,
	  100,
	  0 },
	{ "everything wraps",
	  { TWO_32 - 1, TWO_32 - 2, TWO_32 - 3, TWO_32 - 4 },
	  { 0, 0, 0, 0 },
	  NS_PER_S,
	  DAQS_EST_WRAP32,
	  8,
	  16,
	  3,
	  4 },
	/* 2.5e9 bytes in 200 ms is exactly 100 gbit: still plausible... */
	{ "wrap at exactly max_bps",
	  { 3294967296, 0, 0, 0 },
	  { 1500000000, 0, 0, 0 },
	  200 * NS_PER_MS,
	  DAQS_EST_WRAP32,
	  100e9,
	  0,
	  0,
	  0 },
	/* ...one byte more is not, so it is a reset */
	{ "wrap just above max_bps",
	  { 3294967296, 0, 0, 0 },
	  { 1500000001, 0, 0, 0 },
	  200 * NS_PER_MS,
	  DAQS_EST_RESET,
	  0,
	  0,
	  0,
	  0 },
	{ "wrap too fast for the interval",
	  { TWO_32 - 1, 0, 0, 0 },
	  { 1ULL << 31, 0, 0, 0 },
	  NS_PER_MS,
	  DAQS_EST_RESET,
	  0,
	  0,
	  0,
	  0 },
	{ "tx wraps but rx resets",
	  { TWO_32 - 1000, 5000000000, 0, 0 },
	  { 500, 10, 0, 0 },
	  NS_PER_S,
	  DAQS_EST_RESET,
	  0,
	  0,
	  0,
	  0 },
	{ "tx wraps but rx jumps",
	  { TWO_32 - 1000, 0, 0, 0 },
	  { 500, 1000000000000, 0, 0 },
	  NS_PER_S,
	  DAQS_EST_IMPLAUSIBLE,
	  0,
	  0,
	  0,
	  0 },
};

START_TEST(test_backwards)
{
	const struct back_case *c = &back_cases[_i];
	struct daqs_estimator e;
	struct daqs_counters first = c->before, next, want;
	struct daqs_rates before;
	enum daqs_est_event ev;
	uint64_t t = 10 * NS_PER_S;

	/* 1 gbit and 1000 pkt/s each way before the event (counters are big enough). */
	if (first.tx_bytes >= 125000000 && first.rx_bytes >= 125000000 && first.tx_pkts >= 1000 &&
	    first.rx_pkts >= 1000)
		first = sub_counters(first, 125000000, 125000000, 1000, 1000);
	daqs_estimator_init(&e, &base_cfg);
	feed(&e, t - NS_PER_S, first);
	ck_assert_int_eq(feed(&e, t, c->before), DAQS_EST_RATE);
	before = e.inst;
	t += c->dt_ns;
	ev = feed(&e, t, c->after);
	ck_assert_msg(ev == c->ev, "%s: got %s, want %s", c->name, daqs_est_event_name(ev),
		      daqs_est_event_name(c->ev));
	ck_assert_uint_eq(e.resets, 1);
	assert_counters_eq(&e.prev.c, &c->after);
	ck_assert_uint_eq(e.prev.t_ns, t);
	/* total: the first interval, plus the wrapped distance; a reset adds nothing */
	want = distance(&first, &c->before);
	if (c->ev == DAQS_EST_WRAP32) {
		struct daqs_counters w = distance(&c->before, &c->after);

		want = add_counters(want, w.tx_bytes, w.rx_bytes, w.tx_pkts, w.rx_pkts);
	}
	assert_counters_eq(&e.total, &want);
	if (c->ev == DAQS_EST_WRAP32) {
		assert_rates_eq(&e.inst, c->tx_bps, c->rx_bps, c->tx_pps, c->rx_pps);
		ck_assert_uint_eq(e.rate_t_ns, t);
	} else {
		/* never a negative or huge rate: the last good one stays */
		ck_assert(memcmp(&e.inst, &before, sizeof(before)) == 0);
		ck_assert_uint_eq(e.rate_t_ns, t - c->dt_ns);
	}
	/* the next sample gives a correct rate from the new baseline */
	t += NS_PER_S;
	next = add_counters(c->after, 125000000, 250000000, 1000, 3000);
	ck_assert_int_eq(feed(&e, t, next), DAQS_EST_RATE);
	assert_rates_eq(&e.inst, 1e9, 2e9, 1000, 3000);
	ck_assert_uint_eq(e.resets, 1);
	want = add_counters(want, 125000000, 250000000, 1000, 3000);
	assert_counters_eq(&e.total, &want);
}
END_TEST

/* ---- timestamps that do not advance ---- */

static const struct same_case {
	int64_t dt_ns; /* relative to the previous sample */
	struct daqs_counters c;
} same_cases[] = {
	{ 0, { 0, 0, 0, 0 } },
	{ 0, { UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX } },
	{ -1, { 2000000000, 2000000000, 2000, 2000 } },
	{ -(int64_t)NS_PER_S, { 0, 0, 0, 0 } },
};

START_TEST(test_same_time)
{
	const struct same_case *c = &same_cases[_i];
	struct daqs_estimator e, before;
	struct daqs_counters ctr = { 1000000000, 1000000000, 1000, 1000 };
	uint64_t t = 5 * NS_PER_S;

	daqs_estimator_init(&e, &base_cfg);
	feed(&e, t - 200 * NS_PER_MS, sub_counters(ctr, 25000000, 0, 0, 0));
	ck_assert_int_eq(feed(&e, t, ctr), DAQS_EST_RATE);
	memcpy(&before, &e, sizeof(e));
	ck_assert_int_eq(feed(&e, (uint64_t)((int64_t)t + c->dt_ns), c->c), DAQS_EST_SAME_TIME);
	ck_assert(memcmp(&before, &e, sizeof(e)) == 0);
	/* the ignored sample left no trace: the next rate is from the last good one */
	ck_assert_int_eq(feed(&e, t + NS_PER_S, add_counters(ctr, 250000000, 0, 0, 0)),
			 DAQS_EST_RATE);
	ck_assert_double_eq(e.inst.tx_bps, 2e9);
	ck_assert_uint_eq(e.resets, 0);
}
END_TEST

/* ---- implausible spikes ---- */

static const struct spike_case {
	uint64_t dt_ns;
	struct daqs_counters add;
	enum daqs_est_event ev;
} spike_cases[] = {
	{ 200 * NS_PER_MS, { 1000000000000, 0, 0, 0 }, DAQS_EST_IMPLAUSIBLE },
	{ 200 * NS_PER_MS, { 0, 1000000000000, 0, 0 }, DAQS_EST_IMPLAUSIBLE },
	{ 200 * NS_PER_MS, { 2500000000, 2500000000, 0, 0 }, DAQS_EST_RATE }, /* = max_bps */
	{ 200 * NS_PER_MS, { 2500000001, 0, 0, 0 }, DAQS_EST_IMPLAUSIBLE },
	{ 200 * NS_PER_MS, { 0, 2500000001, 0, 0 }, DAQS_EST_IMPLAUSIBLE },
	{ NS_PER_S, { 0, 0, 12500000000, 0 }, DAQS_EST_RATE }, /* max_bps / 8 packets/s */
	{ NS_PER_S, { 0, 0, 12500000001, 0 }, DAQS_EST_IMPLAUSIBLE },
	{ NS_PER_S, { 0, 0, 0, 20000000000 }, DAQS_EST_IMPLAUSIBLE },
	{ 1, { 13, 0, 0, 0 }, DAQS_EST_IMPLAUSIBLE }, /* 13 bytes in 1 ns = 104 gbit */
	{ 1, { 12, 0, 0, 0 }, DAQS_EST_RATE },
};

START_TEST(test_implausible)
{
	const struct spike_case *c = &spike_cases[_i];
	struct daqs_estimator e;
	struct daqs_counters ctr = { 1000, 1000, 10, 10 }, spike;
	uint64_t t = NS_PER_S;

	daqs_estimator_init(&e, &base_cfg);
	feed(&e, t, ctr);
	t += NS_PER_S;
	ctr = add_counters(ctr, 125000000, 0, 0, 0);
	ck_assert_int_eq(feed(&e, t, ctr), DAQS_EST_RATE);
	t += c->dt_ns;
	spike = add_counters(ctr, c->add.tx_bytes, c->add.rx_bytes, c->add.tx_pkts, c->add.rx_pkts);
	ck_assert_int_eq(feed(&e, t, spike), c->ev);
	ck_assert(e.inst.tx_bps <= base_cfg.max_bps && e.inst.rx_bps <= base_cfg.max_bps);
	ck_assert(e.inst.tx_pps <= base_cfg.max_bps / 8 && e.inst.rx_pps <= base_cfg.max_bps / 8);
	if (c->ev == DAQS_EST_IMPLAUSIBLE) {
		ck_assert_double_eq(e.inst.tx_bps, 1e9);
		ck_assert_uint_eq(e.resets, 1);
		ck_assert_uint_eq(e.total.tx_bytes, 125000000); /* the jump adds nothing */
		ck_assert_uint_eq(e.total.rx_bytes + e.total.tx_pkts + e.total.rx_pkts, 0);
	} else {
		ck_assert_uint_eq(e.resets, 0);
		ck_assert_uint_eq(e.total.tx_bytes, 125000000 + c->add.tx_bytes);
		ck_assert_uint_eq(e.total.rx_bytes, c->add.rx_bytes);
		ck_assert_uint_eq(e.total.tx_pkts, c->add.tx_pkts);
	}
	/* measured from the spike sample on */
	t += NS_PER_S;
	ck_assert_int_eq(feed(&e, t, add_counters(spike, 375000000, 0, 0, 0)), DAQS_EST_RATE);
	ck_assert_double_eq(e.inst.tx_bps, 3e9);
}
END_TEST

/* ---- total: the sum of the accepted deltas ---- */

/* One sample dt_ns after *t: its event, and the total after it (never below the one before). */
static void total_step(struct daqs_estimator *e, uint64_t *t, uint64_t dt_ns,
		       struct daqs_counters c, enum daqs_est_event ev, struct daqs_counters want)
{
	struct daqs_counters before = e->total;
	enum daqs_est_event got;

	*t += dt_ns;
	got = feed(e, *t, c);
	ck_assert_msg(got == ev, "got %s, want %s", daqs_est_event_name(got),
		      daqs_est_event_name(ev));
	assert_counters_eq(&e->total, &want);
	ck_assert(e->total.tx_bytes >= before.tx_bytes && e->total.rx_bytes >= before.rx_bytes &&
		  e->total.tx_pkts >= before.tx_pkts && e->total.rx_pkts >= before.rx_pkts);
}

static struct daqs_counters ctr4(uint64_t tx_bytes, uint64_t rx_bytes, uint64_t tx_pkts,
				 uint64_t rx_pkts)
{
	struct daqs_counters c = { tx_bytes, rx_bytes, tx_pkts, rx_pkts };

	return c;
}

START_TEST(test_total_growth_and_wrap)
{
	struct daqs_estimator e;
	uint64_t t = NS_PER_S;

	daqs_estimator_init(&e, &base_cfg);
	total_step(&e, &t, 0, ctr4(TWO_32 - 20000000, 1000, TWO_32 - 5, 10), DAQS_EST_BASELINE,
		   ctr4(0, 0, 0, 0));
	total_step(&e, &t, 200 * NS_PER_MS, ctr4(TWO_32 - 10000000, 2000, TWO_32 - 2, 20),
		   DAQS_EST_RATE, ctr4(10000000, 1000, 3, 10));
	/* tx bytes and packets wrap: the wrapped distance counts (10e6 + 5e6, 2 + 3) */
	total_step(&e, &t, 200 * NS_PER_MS, ctr4(5000000, 3000, 3, 30), DAQS_EST_WRAP32,
		   ctr4(25000000, 2000, 8, 20));
	total_step(&e, &t, 200 * NS_PER_MS, ctr4(30000000, 4000, 13, 40), DAQS_EST_RATE,
		   ctr4(50000000, 3000, 18, 30));
	ck_assert_double_eq(e.inst.tx_bps, 1e9); /* the rates are as before */
}
END_TEST

START_TEST(test_total_rebaselines_add_nothing)
{
	struct daqs_estimator e;
	uint64_t t = NS_PER_S;

	daqs_estimator_init(&e, &base_cfg);
	total_step(&e, &t, 0, ctr4(5000000000, 1000000000, 1000000, 1000000), DAQS_EST_BASELINE,
		   ctr4(0, 0, 0, 0));
	total_step(&e, &t, NS_PER_S, ctr4(5125000000, 1025000000, 1001000, 1000500), DAQS_EST_RATE,
		   ctr4(125000000, 25000000, 1000, 500));
	/* a reboot (64-bit counters): they start again below; nothing added, nothing taken back */
	total_step(&e, &t, NS_PER_S, ctr4(1000, 2000, 1, 2), DAQS_EST_RESET,
		   ctr4(125000000, 25000000, 1000, 500));
	total_step(&e, &t, NS_PER_S, ctr4(125001000, 2000, 101, 2), DAQS_EST_RATE,
		   ctr4(250000000, 25000000, 1100, 500));
	/* an implausible jump, then normal growth measured from it */
	total_step(&e, &t, NS_PER_S, ctr4(125001000 + 1000000000000, 2000, 101, 2),
		   DAQS_EST_IMPLAUSIBLE, ctr4(250000000, 25000000, 1100, 500));
	total_step(&e, &t, NS_PER_S, ctr4(250001000 + 1000000000000, 2000, 101, 2), DAQS_EST_RATE,
		   ctr4(375000000, 25000000, 1100, 500));
	/* a long gap re-baselines; a sample at the same time is ignored */
	total_step(&e, &t, 5 * NS_PER_S, ctr4(251001000 + 1000000000000, 2000, 101, 2),
		   DAQS_EST_LONG_GAP, ctr4(375000000, 25000000, 1100, 500));
	total_step(&e, &t, 0, ctr4(UINT64_MAX, UINT64_MAX, 0, 0), DAQS_EST_SAME_TIME,
		   ctr4(375000000, 25000000, 1100, 500));
	/* forgetting (VM re-created) keeps the total; the new counters add from their baseline */
	daqs_estimator_reset(&e);
	assert_counters_eq(&e.total, &(struct daqs_counters){ 375000000, 25000000, 1100, 500 });
	total_step(&e, &t, NS_PER_S, ctr4(0, 0, 0, 0), DAQS_EST_BASELINE,
		   ctr4(375000000, 25000000, 1100, 500));
	total_step(&e, &t, NS_PER_S, ctr4(125000000, 1, 2, 3), DAQS_EST_RATE,
		   ctr4(500000000, 25000001, 1102, 503));
	ck_assert_uint_eq(e.resets, 3);
}
END_TEST

/* ---- EWMA ---- */

/* splitmix64: a small deterministic generator, the same on every libc. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi] (hi - lo much smaller than 2^64; bias irrelevant here). */
static uint64_t rng_range(uint64_t *s, uint64_t lo, uint64_t hi)
{
	return lo + rng_next(s) % (hi - lo + 1);
}

static const uint64_t ewma_steps[] = { 50 * NS_PER_MS, 200 * NS_PER_MS, 0 /* jittered */ };

/* Next sampling time: fixed step, or 10-300 ms of jitter; never past a checkpoint. */
static uint64_t ewma_next_t(uint64_t t, uint64_t step, uint64_t *rng, const uint64_t *checks,
			    size_t nchecks)
{
	uint64_t next = t + (step ? step : rng_range(rng, 10, 300) * NS_PER_MS);

	for (size_t i = 0; i < nchecks; i++)
		if (t < checks[i] && next > checks[i])
			next = checks[i];
	return next;
}

START_TEST(test_ewma_time_constant)
{
	const uint64_t tau = NS_PER_S, t0 = 10 * NS_PER_S, step = ewma_steps[_i];
	const uint64_t checks[] = { t0, t0 + tau, t0 + 3 * tau };
	const double rate = 10e9; /* 1.25 bytes/ns: every whole ms is a whole number of bytes */
	struct daqs_estimator_cfg cfg = base_cfg;
	struct daqs_estimator e;
	struct daqs_counters ctr = { 0, 0, 0, 0 };
	uint64_t t = 0, rng = 42, dt;
	double last_tx = 0, last_rx = rate;
	int hits = 0;

	cfg.tau_ns = tau;
	daqs_estimator_init(&e, &cfg);
	feed(&e, t, ctr);
	while (t < t0 + 3 * tau) {
		dt = ewma_next_t(t, step, &rng, checks, DAQS_ARRAY_SIZE(checks)) - t;
		/* before t0: tx idle, rx at full rate; from t0: the step, both ways */
		ctr = add_counters(ctr, t < t0 ? 0 : dt * 5 / 4, t < t0 ? dt * 5 / 4 : 0, 0, 0);
		t += dt;
		ck_assert_int_eq(feed(&e, t, ctr), DAQS_EST_RATE);
		if (t <= t0)
			continue;
		ck_assert(e.smooth.tx_bps >= last_tx &&
			  e.smooth.tx_bps <= rate); /* monotone, no overshoot */
		ck_assert(e.smooth.rx_bps <= last_rx && e.smooth.rx_bps >= 0);
		last_tx = e.smooth.tx_bps;
		last_rx = e.smooth.rx_bps;
		if (t == t0 + tau) {
			ck_assert_double_eq_tol(e.smooth.tx_bps / rate, 0.632, 0.01);
			ck_assert_double_eq_tol(e.smooth.rx_bps / rate, 0.368, 0.01);
			/* exactly the continuous-time response, whatever the sampling */
			ck_assert_double_eq_tol(e.smooth.tx_bps / rate, 1 - exp(-1), 1e-9);
			hits++;
		}
		if (t == t0 + 3 * tau) {
			ck_assert(e.smooth.tx_bps / rate >= 0.95);
			ck_assert(e.smooth.rx_bps / rate <= 0.05);
			hits++;
		}
	}
	ck_assert_int_eq(hits, 2);
}
END_TEST

START_TEST(test_tau_zero)
{
	static const uint64_t bytes[] = { 0, 250000000, 25000000, 0, 1250000000, 1, 2500000000, 7 };
	struct daqs_estimator e;
	struct daqs_counters ctr = { 0, 0, 0, 0 };
	uint64_t t = 0;

	daqs_estimator_init(&e, &base_cfg); /* tau 0 */
	feed(&e, t, ctr);
	for (size_t k = 0; k < DAQS_ARRAY_SIZE(bytes); k++) {
		t += 200 * NS_PER_MS;
		ctr = add_counters(ctr, bytes[k], bytes[k] / 2, bytes[k] / 1000, k);
		ck_assert_int_eq(feed(&e, t, ctr), DAQS_EST_RATE);
		ck_assert_double_eq(e.inst.tx_bps, (double)bytes[k] * 40);
		assert_rates_eq(&e.smooth, e.inst.tx_bps, e.inst.rx_bps, e.inst.tx_pps,
				e.inst.rx_pps);
	}
}
END_TEST

/* The first rate initialises the EWMA; the next moves it by alpha = 1 - exp(-dt/tau). */
static const struct alpha_case {
	uint64_t tau_ns;
	uint64_t dt1, bytes1; /* first interval: initialises */
	uint64_t dt2, bytes2; /* second interval: one EWMA step */
} alpha_cases[] = {
	{ 10 * NS_PER_S, NS_PER_S, 1250000000, 2 * NS_PER_S, 0 },
	{ NS_PER_S, 200 * NS_PER_MS, 25000000, 200 * NS_PER_MS, 250000000 },
	{ NS_PER_MS, NS_PER_MS, 1250000, NS_PER_MS, 0 },
	{ 1, 1, 10, 1, 0 },
	{ 1, 1, 0, 3, 30 },
	{ 3 * NS_PER_S, 50 * NS_PER_MS, 0, 50 * NS_PER_MS, 31250000 },
};

START_TEST(test_ewma_alpha)
{
	const struct alpha_case *c = &alpha_cases[_i];
	struct daqs_estimator_cfg cfg = base_cfg;
	struct daqs_estimator e;
	struct daqs_counters ctr = { 1000, 0, 0, 0 };
	double r1 = (double)c->bytes1 * 8e9 / (double)c->dt1;
	double r2 = (double)c->bytes2 * 8e9 / (double)c->dt2;

	cfg.tau_ns = c->tau_ns;
	daqs_estimator_init(&e, &cfg);
	feed(&e, 0, ctr);
	ctr.tx_bytes += c->bytes1;
	ck_assert_int_eq(feed(&e, c->dt1, ctr), DAQS_EST_RATE);
	ck_assert_double_eq(e.smooth.tx_bps, r1); /* initialised, not 1 - exp(-dt/tau) of it */
	ctr.tx_bytes += c->bytes2;
	ck_assert_int_eq(feed(&e, c->dt1 + c->dt2, ctr), DAQS_EST_RATE);
	ck_assert_double_eq(e.inst.tx_bps, r2);
	assert_rel(e.smooth.tx_bps, r2 + (r1 - r2) * exp(-(double)c->dt2 / (double)c->tau_ns),
		   1e-12);
}
END_TEST

/* daqs_estimator_reset() forgets the rate: the next one initialises the EWMA afresh. */
START_TEST(test_ewma_after_forget)
{
	struct daqs_estimator_cfg cfg = base_cfg;
	struct daqs_estimator e;
	struct daqs_counters ctr = { 0, 0, 0, 0 };

	cfg.tau_ns = 10 * NS_PER_S;
	daqs_estimator_init(&e, &cfg);
	feed(&e, 0, ctr);
	ctr.tx_bytes += 1250000000;
	ck_assert_int_eq(feed(&e, NS_PER_S, ctr), DAQS_EST_RATE);
	ck_assert_double_eq(e.smooth.tx_bps, 10e9);
	daqs_estimator_reset(&e);
	ck_assert(!e.have_rate);
	ck_assert_int_eq(feed(&e, 10 * NS_PER_S, ctr), DAQS_EST_BASELINE);
	ctr.tx_bytes += 125000000;
	ck_assert_int_eq(feed(&e, 11 * NS_PER_S, ctr), DAQS_EST_RATE);
	ck_assert_double_eq(e.smooth.tx_bps, 1e9);
}
END_TEST

/* ---- resets counter and daqs_estimator_reset() ---- */

START_TEST(test_resets_count)
{
	struct daqs_estimator_cfg cfg = base_cfg;
	struct daqs_estimator e;
	struct daqs_sample s;

	cfg.tau_ns = 123;
	daqs_estimator_init(&e, &cfg);
	s = mk_sample(NS_PER_S, 5000000000, 0, 0, 0);
	ck_assert_int_eq(daqs_estimator_update(&e, &s), DAQS_EST_BASELINE);
	ck_assert_uint_eq(e.resets, 0);
	s = mk_sample(2 * NS_PER_S, 10, 0, 0, 0);
	ck_assert_int_eq(daqs_estimator_update(&e, &s), DAQS_EST_RESET);
	ck_assert_uint_eq(e.resets, 1);
	s = mk_sample(3 * NS_PER_S, 20, 0, 0, 0);
	ck_assert_int_eq(daqs_estimator_update(&e, &s), DAQS_EST_RATE);
	s = mk_sample(4 * NS_PER_S, TWO_32 - 10, 0, 0, 0);
	ck_assert_int_eq(daqs_estimator_update(&e, &s), DAQS_EST_RATE);
	s = mk_sample(5 * NS_PER_S, 10, 0, 0, 0);
	ck_assert_int_eq(daqs_estimator_update(&e, &s), DAQS_EST_WRAP32);
	ck_assert_uint_eq(e.resets, 2);
	s = mk_sample(6 * NS_PER_S, 10 + 1000000000000, 0, 0, 0);
	ck_assert_int_eq(daqs_estimator_update(&e, &s), DAQS_EST_IMPLAUSIBLE);
	ck_assert_uint_eq(e.resets, 3);
	s = mk_sample(60 * NS_PER_S, 0, 0, 0, 0); /* long gap wins over the reset */
	ck_assert_int_eq(daqs_estimator_update(&e, &s), DAQS_EST_LONG_GAP);
	ck_assert_uint_eq(e.resets, 4);
	ck_assert_int_eq(daqs_estimator_update(&e, &s), DAQS_EST_SAME_TIME);
	ck_assert_uint_eq(e.resets, 4);

	daqs_estimator_reset(&e);
	ck_assert(!e.have_prev && !e.have_rate);
	ck_assert_uint_eq(e.resets, 4);
	ck_assert_uint_eq(e.cfg.tau_ns, 123);
	ck_assert_double_eq(e.cfg.max_bps, 100e9);
	assert_rates_eq(&e.inst, 0, 0, 0, 0);
	s = mk_sample(61 * NS_PER_S, 0, 0, 0, 0); /* counters went "back": no matter, new VM */
	ck_assert_int_eq(daqs_estimator_update(&e, &s), DAQS_EST_BASELINE);
	ck_assert_uint_eq(e.resets, 4);
}
END_TEST

static const struct {
	enum daqs_est_event ev;
	const char *name;
} event_names[] = {
	{ DAQS_EST_RATE, "rate" },
	{ DAQS_EST_BASELINE, "baseline" },
	{ DAQS_EST_RESET, "reset" },
	{ DAQS_EST_WRAP32, "wrap32" },
	{ DAQS_EST_SAME_TIME, "same-time" },
	{ DAQS_EST_LONG_GAP, "long-gap" },
	{ DAQS_EST_IMPLAUSIBLE, "implausible" },
};

START_TEST(test_event_name)
{
	ck_assert_str_eq(daqs_est_event_name(event_names[_i].ev), event_names[_i].name);
}
END_TEST

/* ---- randomized properties ---- */

enum prop_action { PROP_NORMAL, PROP_GAP, PROP_SAME, PROP_RESET, PROP_SPIKE };

struct prop_seq {
	uint64_t rng;
	struct daqs_estimator_cfg cfg;
	bool wrap32; /* counters reported modulo 2^32 */
	uint64_t t;
	uint64_t truth[4];		  /* true cumulative counters */
	double est_bits[2], true_bits[2]; /* tx, rx over the intervals with a true rate */
	uint32_t rebaselines;
	unsigned long events[DAQS_EST_IMPLAUSIBLE + 1];
};

static void prop_init(struct prop_seq *p, uint64_t seed)
{
	static const double max_bps[] = { 1e9, 10e9, 40e9, 100e9 };
	static const uint64_t gaps[] = { 0, 500 * NS_PER_MS, NS_PER_S };

	memset(p, 0, sizeof(*p));
	p->rng = seed;
	p->cfg.max_bps = max_bps[rng_range(&p->rng, 0, 3)];
	p->cfg.max_gap_ns = gaps[rng_range(&p->rng, 0, 2)];
	p->cfg.tau_ns = rng_range(&p->rng, 0, 3) ? rng_range(&p->rng, 1, 5000) * NS_PER_MS : 0;
	p->wrap32 = rng_range(&p->rng, 0, 2) == 0;
	p->t = rng_range(&p->rng, 0, 1ULL << 50);
	for (int i = 0; i < 4; i++)
		p->truth[i] = rng_range(&p->rng, 0, p->wrap32 ? TWO_32 - 1 : 1ULL << 50);
}

static struct daqs_counters prop_reported(const struct prop_seq *p)
{
	uint64_t m = p->wrap32 ? TWO_32 - 1 : UINT64_MAX;
	struct daqs_counters c = { p->truth[0] & m, p->truth[1] & m, p->truth[2] & m,
				   p->truth[3] & m };

	return c;
}

/* Advance the truth by a random plausible amount (<= 90 % of max_bps) over dt. */
static void prop_advance(struct prop_seq *p, uint64_t dt, uint64_t d[4])
{
	double max_bytes = p->cfg.max_bps * 0.9 / 8e9 * (double)dt;

	for (int i = 0; i < 2; i++) {
		d[i] = rng_range(&p->rng, 0, (uint64_t)max_bytes);
		if (p->wrap32 && d[i] >= TWO_32) /* a real wrap needs less than 2^32 per interval */
			d[i] = TWO_32 - 1;
		d[i + 2] = d[i] / rng_range(&p->rng, 1, 1500); /* a packet is at least one byte */
	}
	for (int i = 0; i < 4; i++)
		p->truth[i] += d[i];
}

/* Counters restart below where they were (reboot); bytes since then are unknown. */
static void prop_reset_truth(struct prop_seq *p)
{
	struct daqs_counters c = prop_reported(p);
	const uint64_t old[4] = { c.tx_bytes, c.rx_bytes, c.tx_pkts, c.rx_pkts };

	for (int i = 0; i < 4; i++)
		p->truth[i] = old[i] ? rng_range(&p->rng, 0, old[i] - 1) : 0;
}

/* A spike far above max_bps on tx or rx. */
static void prop_spike(struct prop_seq *p, uint64_t dt)
{
	uint64_t dir = rng_range(&p->rng, 0, 1), factor = rng_range(&p->rng, 2, 100);

	p->truth[dir] += (uint64_t)(p->cfg.max_bps / 8e9 * (double)dt * (double)factor) + 1;
}

static enum prop_action prop_pick(struct prop_seq *p)
{
	uint64_t r = rng_range(&p->rng, 0, 99);

	if (r < 3)
		return prop_reported(p).tx_bytes ? PROP_RESET : PROP_NORMAL; /* tx can go back */
	if (r < 5)
		return p->wrap32 ? PROP_NORMAL : PROP_SPIKE;
	if (r < 8)
		return PROP_SAME;
	if (r < 13)
		return PROP_GAP;
	return PROP_NORMAL;
}

static void prop_check_rates(const struct prop_seq *p, const struct daqs_rates *r)
{
	const double v[4] = { r->tx_bps, r->rx_bps, r->tx_pps * 8, r->rx_pps * 8 };

	for (int i = 0; i < 4; i++)
		QUIET_ASSERT_MSG(isfinite(v[i]) && v[i] >= 0 && v[i] <= p->cfg.max_bps,
				 "rate %d = %g out of [0, %g]", i, v[i], p->cfg.max_bps);
}

static bool prop_went_back(const struct daqs_counters *a, const struct daqs_counters *b)
{
	return b->tx_bytes < a->tx_bytes || b->rx_bytes < a->rx_bytes || b->tx_pkts < a->tx_pkts ||
	       b->rx_pkts < a->rx_pkts;
}

/* A plausible step with true deltas d over dt: RATE (or WRAP32), exact. */
static void prop_expect_rate(struct prop_seq *p, const struct daqs_estimator *e,
			     enum daqs_est_event ev, const uint64_t d[4], uint64_t dt,
			     bool went_back)
{
	const double inst[4] = { e->inst.tx_bps / 8, e->inst.rx_bps / 8, e->inst.tx_pps,
				 e->inst.rx_pps };
	enum daqs_est_event want = went_back ? DAQS_EST_WRAP32 : DAQS_EST_RATE;

	QUIET_ASSERT_MSG(ev == want, "got %s, want %s", daqs_est_event_name(ev),
			 daqs_est_event_name(want));
	for (int i = 0; i < 4; i++)
		assert_rel(inst[i], (double)d[i] * 1e9 / (double)dt, 1e-12);
	for (int i = 0; i < 2; i++) {
		p->est_bits[i] += inst[i] * 8 * (double)dt / 1e9;
		p->true_bits[i] += (double)d[i] * 8;
	}
}

/* A sample at or before the previous timestamp, with random counters: no effect. */
static void prop_same_time(struct prop_seq *p, struct daqs_estimator *e)
{
	struct daqs_estimator before;
	struct daqs_counters garbage = { 0, 0, 0, 0 };
	uint64_t back = rng_range(&p->rng, 0, 1) ? rng_range(&p->rng, 0, p->t) : 0;
	enum daqs_est_event ev;

	garbage.tx_bytes = rng_next(&p->rng);
	garbage.rx_bytes = rng_next(&p->rng);
	memcpy(&before, e, sizeof(*e));
	ev = feed(e, p->t - back, garbage);
	QUIET_ASSERT(ev == DAQS_EST_SAME_TIME);
	p->events[ev]++;
	QUIET_ASSERT(memcmp(&before, e, sizeof(*e)) == 0);
}

static void prop_check_after(struct prop_seq *p, const struct daqs_estimator *e,
			     enum daqs_est_event ev, const struct daqs_rates *smooth0)
{
	p->events[ev]++;
	if (ev != DAQS_EST_RATE)
		p->rebaselines++;
	QUIET_ASSERT(e->resets == p->rebaselines);
	prop_check_rates(p, &e->inst);
	prop_check_rates(p, &e->smooth);
	if (ev != DAQS_EST_RATE && ev != DAQS_EST_WRAP32)
		return;
	/* the EWMA moves from where it was towards inst, never beyond */
	QUIET_ASSERT(e->smooth.tx_bps >= fmin(smooth0->tx_bps, e->inst.tx_bps));
	QUIET_ASSERT(e->smooth.tx_bps <= fmax(smooth0->tx_bps, e->inst.tx_bps));
	QUIET_ASSERT(e->smooth.rx_pps >= fmin(smooth0->rx_pps, e->inst.rx_pps));
	QUIET_ASSERT(e->smooth.rx_pps <= fmax(smooth0->rx_pps, e->inst.rx_pps));
	if (!p->cfg.tau_ns)
		QUIET_ASSERT(memcmp(&e->smooth, &e->inst, sizeof(e->inst)) == 0);
}

/*
 * total grows by the true deltas d of an accepted interval (by the reported
 * counters' distance when a reset passed for a wrap: d NULL), else not at all.
 */
static void prop_check_total(struct prop_seq *p, const struct daqs_estimator *e,
			     enum daqs_est_event ev, const struct daqs_counters *total0,
			     const uint64_t *d, const struct daqs_counters *old)
{
	struct daqs_counters now = prop_reported(p), w = distance(old, &now);
	const uint64_t dist[4] = { w.tx_bytes, w.rx_bytes, w.tx_pkts, w.rx_pkts };
	const uint64_t got[4] = { e->total.tx_bytes - total0->tx_bytes,
				  e->total.rx_bytes - total0->rx_bytes,
				  e->total.tx_pkts - total0->tx_pkts,
				  e->total.rx_pkts - total0->rx_pkts };
	bool accepted = ev == DAQS_EST_RATE || ev == DAQS_EST_WRAP32;

	for (int i = 0; i < 4; i++)
		QUIET_ASSERT_MSG(got[i] == (accepted ? (d ? d[i] : dist[i]) : 0),
				 "total %d grew by %llu after %s", i, (unsigned long long)got[i],
				 daqs_est_event_name(ev));
}

static void prop_step(struct prop_seq *p, struct daqs_estimator *e)
{
	enum prop_action a = prop_pick(p);
	struct daqs_counters old = prop_reported(p);
	struct daqs_rates smooth0 = e->smooth;
	struct daqs_counters total0;
	uint64_t dt, d[4] = { 0, 0, 0, 0 };
	enum daqs_est_event ev;

	if (a == PROP_SAME) {
		prop_same_time(p, e);
		return;
	}
	dt = rng_range(&p->rng, 1, 400) * NS_PER_MS;
	dt += rng_range(&p->rng, 0, NS_PER_MS - 1); /* jitter below the ms */
	if (a == PROP_GAP)
		dt = rng_range(&p->rng, 1,
			       p->cfg.max_gap_ns ? 6 * p->cfg.max_gap_ns : 10 * NS_PER_S);
	if (a == PROP_RESET)
		prop_reset_truth(p);
	else
		prop_advance(p, dt, d);
	if (a == PROP_SPIKE)
		prop_spike(p, dt);
	p->t += dt;
	total0 = e->total;
	ev = feed(e, p->t, prop_reported(p));
	prop_check_total(p, e, ev, &total0, a == PROP_RESET ? NULL : d, &old);
	if (p->cfg.max_gap_ns && dt > 4 * p->cfg.max_gap_ns)
		QUIET_ASSERT(ev == DAQS_EST_LONG_GAP);
	else if (a == PROP_SPIKE)
		QUIET_ASSERT(ev == DAQS_EST_IMPLAUSIBLE);
	else if (a == PROP_RESET)
		QUIET_ASSERT(ev == DAQS_EST_RESET || ev == DAQS_EST_WRAP32);
	else
		prop_expect_rate(p, e, ev, d, dt, prop_went_back(&old, &e->prev.c));
	prop_check_after(p, e, ev, &smooth0);
}

START_TEST(test_random_properties)
{
	unsigned long events[DAQS_EST_IMPLAUSIBLE + 1] = { 0 };

	for (uint64_t seq = 0; seq < 1000; seq++) {
		struct prop_seq p;
		struct daqs_estimator e;
		uint64_t steps;

		prop_init(&p, 0xdaa5ULL * 1000003 + seq);
		daqs_estimator_init(&e, &p.cfg);
		QUIET_ASSERT(feed(&e, p.t, prop_reported(&p)) == DAQS_EST_BASELINE); /* sole call */
		steps = rng_range(&p.rng, 100, 300);
		for (uint64_t k = 0; k < steps; k++)
			prop_step(&p, &e);
		/* time-weighted mean of inst == true bytes / time */
		for (int i = 0; i < 2; i++)
			assert_rel(p.est_bits[i], p.true_bits[i], 1e-9);
		for (int ev = 0; ev <= DAQS_EST_IMPLAUSIBLE; ev++)
			events[ev] += p.events[ev];
	}
	/* the sequences really went through every path */
	ck_assert_uint_gt(events[DAQS_EST_RATE], 100000);
	ck_assert_uint_gt(events[DAQS_EST_WRAP32], 1000);
	ck_assert_uint_gt(events[DAQS_EST_RESET], 1000);
	ck_assert_uint_gt(events[DAQS_EST_SAME_TIME], 1000);
	ck_assert_uint_gt(events[DAQS_EST_LONG_GAP], 1000);
	ck_assert_uint_gt(events[DAQS_EST_IMPLAUSIBLE], 1000);
	ck_assert_uint_eq(events[DAQS_EST_BASELINE], 0); /* only the first, counted apart */
}
END_TEST

Suite *daqs_test_estimator_suite(void)
{
	Suite *s = suite_create("estimator");
	TCase *tc;

	tc = tcase_create("baseline");
	tcase_add_loop_test(tc, test_first_sample, 0, DAQS_ARRAY_SIZE(first_cases));
	tcase_add_test(tc, test_resets_count);
	tcase_add_loop_test(tc, test_event_name, 0, DAQS_ARRAY_SIZE(event_names));
	suite_add_tcase(s, tc);

	tc = tcase_create("rates");
	tcase_add_loop_test(tc, test_steady_exact, 0, DAQS_ARRAY_SIZE(steady_cases));
	tcase_add_loop_test(tc, test_irregular_intervals, 0, DAQS_ARRAY_SIZE(irregular_rates));
	tcase_add_loop_test(tc, test_gaps, 0, DAQS_ARRAY_SIZE(gap_cases));
	tcase_add_loop_test(tc, test_same_time, 0, DAQS_ARRAY_SIZE(same_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("anomalies");
	tcase_add_loop_test(tc, test_backwards, 0, DAQS_ARRAY_SIZE(back_cases));
	tcase_add_loop_test(tc, test_implausible, 0, DAQS_ARRAY_SIZE(spike_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("total");
	tcase_add_test(tc, test_total_growth_and_wrap);
	tcase_add_test(tc, test_total_rebaselines_add_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("ewma");
	tcase_add_loop_test(tc, test_ewma_time_constant, 0, DAQS_ARRAY_SIZE(ewma_steps));
	tcase_add_test(tc, test_tau_zero);
	tcase_add_loop_test(tc, test_ewma_alpha, 0, DAQS_ARRAY_SIZE(alpha_cases));
	tcase_add_test(tc, test_ewma_after_forget);
	suite_add_tcase(s, tc);

	tc = tcase_create("random");
	tcase_add_test(tc, test_random_properties);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}
