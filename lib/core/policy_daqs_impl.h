/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to the daqs control law's two files: policy_daqs.c (the law:
 * reserves, demands, allocation, when a limit goes out) and
 * policy_capacity.c (what it plans with: the link's capacity as measured,
 * step 9's queueing-delay witness, the counter scale).
 */
#pragma once

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "policy_impl.h"

#define SAT_FRAC 0.98	    /* guarantee VM at >= 98 % of min is satisfied */
#define QUIET_PERIODS 3	    /* periods after a change before rate moves count as noise */
#define SCALE_MIN_STEP 0.03 /* a limit change this large can reveal the counter scale */

/* One link's step. */
struct ctx {
	const struct daqs_sla_controller *ctl;
	double total;	/* sum of the fresh rates on the link this step */
	bool contended; /* some VM on the link wants more and is below its max */
	double cap;	/* capacity planned with: nominal, or what the link proved to deliver */
	double nominal; /* configured (or read) capacity */
	double h0;
	double scale; /* counters / wire rate on this link (learned, 1 at start) */
	uint64_t now, hold_ns;
	bool closed;	/* policy daqs: step 9 where the queueing delay is measured */
	bool measured;	/* step 9 runs on this link this period: a sending G VM's delay is known */
	bool saturated; /* ... and a witness says the link is full */
};

static inline double g_delta(const struct daqs_sla_vm *s)
{
	return fmax((double)s->min_bps / 200.0, 100e3);
}

static inline double limit_of(const struct daqs_vm_pstate *st)
{
	return st->limit_bps == DAQS_RATE_UNLIMITED ? INFINITY : (double)st->limit_bps;
}

static inline bool is_fresh(const struct ctx *c, const struct daqs_policy_vm *vm)
{
	uint64_t max_age = 2 * c->ctl->period_ns;

	return vm->have_rate && vm->rate_t_ns <= c->now && c->now - vm->rate_t_ns <= max_age;
}

/* ---- policy_capacity.c ---- */

/* Sum of the fresh rates on the link: what it delivers right now. */
double daqs_cap_link_total(const struct ctx *c, struct daqs_policy_vm **v, size_t n);
/* Step 9's inputs for this period: c->measured, c->saturated. */
void daqs_cap_sense(struct ctx *c, struct daqs_policy_vm **v, size_t n);
/* A sending Guarantee VM below its min whose queueing delay is known. */
bool daqs_cap_measured(const struct ctx *c, const struct daqs_policy_vm *vm);
/* Held back by its own limit (its HTB queues, or it sends at >= 99 % of it). */
bool daqs_cap_own_held(const struct daqs_policy_vm *vm);
/* Step 9's witness: measured, not own-held, its flows wait >= 1 ms. */
bool daqs_cap_witness(const struct ctx *c, const struct daqs_policy_vm *vm);
/* The capacity planned with (sets c->cap); cap_eff 0 = the configured one. */
void daqs_cap_learn(struct ctx *c, struct daqs_policy_vm **v, size_t n, bool protecting,
		    double *cap_eff, uint64_t *cap_eff_ns);
/* daqs-closed: above the configured capacity where the link proves room. */
void daqs_cap_learn_over(struct ctx *c, struct daqs_policy_vm **v, size_t n, double *cap_eff,
			 uint64_t *cap_eff_ns, struct daqs_over_probe *o);
/* The counter scale (counters / wire rate), from VMs whose rate followed their limit. */
void daqs_cap_learn_scale(const struct ctx *c, struct daqs_policy_vm **v, size_t n, bool over,
			  double *scale);
