/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sim.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimator.h"
#include "mem.h"
#include "waterfill.h"

#define NOISE_PERIOD_NS 100000000ULL
#define REACH_FRAC 0.95
/* TCP queueing delay (srtt - min rtt) as scripts/probe-signals measured it on a 1 gbit FIFO */
#define QUEUE_FULL_MS 4.0  /* the shared link is full: every flow through it waits */
#define QUEUE_OWN_MS 8.0   /* the VM is held at its own HTB limit: it waits there */
#define QUEUE_IDLE_MS 0.05 /* neither */

struct pending {
	uint64_t limit, at_ns;
};

struct simvm {
	const struct daqs_scn_vm *scn;
	double bytes;	/* what went through the link */
	double counted; /* what the guest's counters show (bytes x counter_scale) */
	uint64_t limit; /* in force in the fluid model */
	struct pending *q;
	size_t q_head, q_len, q_cap;
	struct daqs_estimator est;
	double noise;
	bool active;
	double rate;	 /* this tick */
	double queue_ms; /* its flows' queueing delay this tick (what `ss -ti` would show) */
	/* metrics */
	double sat_sum, err_sum, active_sum, period_bytes;
	uint64_t sat_n, err_n, active_n;
	unsigned applies;
};

struct sim {
	const struct daqs_scenario *sc;
	struct daqs_policy *policy;
	struct daqs_policy_vm *pv;
	struct simvm *v;
	size_t n;
	uint64_t rng;
	/* sampling */
	struct daqs_counters *snap;
	double *q_snap; /* queueing delays read with the counters */
	bool in_flight;
	uint64_t due_ns, next_sample_ns;
	/* activity changes */
	uint64_t *changes;
	size_t n_changes, cur_change;
	bool bad_seen, g_active_in_interval;
	uint64_t last_bad_ns;
	double worst_reaction_s;
	bool any_reaction;
};

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double uniform(uint64_t *s)
{
	return (double)(splitmix64(s) >> 11) / 9007199254740992.0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void collect_changes(struct sim *s)
{
	size_t cap = 1, m = 0;

	for (size_t i = 0; i < s->n; i++)
		cap += 2 * s->v[i].scn->n_active;
	s->changes = daqs_calloc(cap, sizeof(*s->changes));
	s->changes[m++] = 0;
	for (size_t i = 0; i < s->n; i++)
		for (size_t k = 0; k < s->v[i].scn->n_active; k++) {
			s->changes[m++] = s->v[i].scn->active[k].start_ns;
			s->changes[m++] = s->v[i].scn->active[k].end_ns;
		}
	qsort(s->changes, m, sizeof(*s->changes), cmp_u64);
	s->n_changes = 0;
	for (size_t i = 0; i < m; i++)
		if (!s->n_changes || s->changes[s->n_changes - 1] != s->changes[i])
			s->changes[s->n_changes++] = s->changes[i];
}

static bool is_active(const struct daqs_scn_vm *vm, uint64_t t)
{
	for (size_t k = 0; k < vm->n_active; k++)
		if (t >= vm->active[k].start_ns && t < vm->active[k].end_ns)
			return true;
	return false;
}

/*
 * What a Guarantee VM is owed now: its min (a tenant group member's: its
 * share, by its min, of the group's min among the group's Guarantee members
 * that are sending now), but no more than the link and
 * than what it can send alone at this moment (its solo max with this
 * moment's noise: a VM whose sender is 10 % slower for a while asks for 10 %
 * less; counting its solo max alone scored every policy, static included,
 * below 1 under noise).
 */
static double due_of(const struct sim *s, const struct simvm *v)
{
	const struct daqs_sla_group *g = daqs_sla_vm_group(s->sc->sla, &v->scn->sla);
	double min = (double)v->scn->sla.min_bps, due;

	/* a tenant group's member: its share of the group's min among the members sending */
	if (g && g->min_bps) {
		double keys = 0;

		for (size_t i = 0; i < s->n; i++) {
			const struct daqs_sla_vm *e = &s->v[i].scn->sla;

			if (s->v[i].active && e->cls == DAQS_CLASS_GUARANTEE && e->in_group &&
			    e->group == v->scn->sla.group)
				keys += (double)e->min_bps;
		}
		min = keys > 0 ? fmin((double)g->min_bps * min / keys, (double)v->scn->sla.max_bps)
			       : 0;
	}
	due = fmin(min, (double)s->sc->capacity_bps);

	if (v->scn->solo_max_bps != DAQS_RATE_UNLIMITED)
		due = fmin(due, (double)v->scn->solo_max_bps * v->noise);
	return due;
}

static void push_pending(struct simvm *v, uint64_t limit, uint64_t at)
{
	if (v->q_head + v->q_len == v->q_cap && v->q_head) {
		memmove(v->q, v->q + v->q_head, v->q_len * sizeof(*v->q));
		v->q_head = 0;
	}
	daqs_grow((void **)&v->q, &v->q_cap, v->q_head + v->q_len + 1, sizeof(*v->q));
	v->q[v->q_head + v->q_len++] = (struct pending){ limit, at };
}

static void apply_pending(struct simvm *v, uint64_t t)
{
	while (v->q_len && v->q[v->q_head].at_ns <= t) {
		v->limit = v->q[v->q_head].limit;
		v->q_head++;
		v->q_len--;
	}
}

static void decide(struct sim *s, uint64_t now)
{
	for (size_t i = 0; i < s->n; i++) {
		struct daqs_sample smp = { .c = s->snap[i], .t_ns = now };
		struct daqs_estimator *e = &s->v[i].est;

		daqs_estimator_update(e, &smp);
		s->pv[i].have_rate = e->have_rate;
		s->pv[i].tx_bps = e->inst.tx_bps;
		s->pv[i].tx_smooth_bps = e->smooth.tx_bps;
		s->pv[i].rate_t_ns = e->rate_t_ns;
		/* like daqsd: the delay is read for Guarantee VMs, at the sample */
		s->pv[i].have_queue = s->v[i].scn->sla.cls == DAQS_CLASS_GUARANTEE;
		s->pv[i].queue_ms = s->q_snap[i];
		s->pv[i].have_own = s->pv[i].have_queue;
		s->pv[i].own_queued = s->q_snap[i] == QUEUE_OWN_MS; /* its own HTB queues */
	}
	daqs_policy_step(s->policy, s->pv, s->n, now);
	for (size_t i = 0; i < s->n; i++) {
		if (!s->pv[i].apply)
			continue;
		push_pending(&s->v[i], s->pv[i].limit_bps, now + s->sc->apply_delay_ns);
		s->v[i].applies++;
	}
}

static void controller(struct sim *s, uint64_t t)
{
	if (t >= s->next_sample_ns) {
		s->next_sample_ns += s->sc->sla->ctl.period_ns;
		if (!s->in_flight) { /* an overrun skips the sample, as the daemon does */
			for (size_t i = 0; i < s->n; i++) {
				uint64_t b = (uint64_t)s->v[i].counted;

				s->snap[i] = (struct daqs_counters){ .tx_bytes = b,
								     .tx_pkts = b / 1500 };
				s->q_snap[i] = s->v[i].queue_ms;
			}
			s->in_flight = true;
			s->due_ns = t + s->sc->sample_delay_ns;
		}
	}
	if (s->in_flight && t >= s->due_ns) {
		s->in_flight = false;
		decide(s, t);
	}
}

static void fluid(struct sim *s, uint64_t t, struct daqs_wf_item *it)
{
	bool redraw = s->sc->noise_ppm && t % NOISE_PERIOD_NS < s->sc->tick_ns;
	double amp = s->sc->noise_ppm / 1e6, scale;
	bool full;

	for (size_t i = 0; i < s->n; i++) {
		struct simvm *v = &s->v[i];
		double cap = v->limit == DAQS_RATE_UNLIMITED ? INFINITY : (double)v->limit;

		if (redraw)
			v->noise = 1 + amp * (2 * uniform(&s->rng) - 1);
		v->active = is_active(v->scn, t);
		if (v->scn->solo_max_bps != DAQS_RATE_UNLIMITED)
			cap = fmin(cap, (double)v->scn->solo_max_bps * v->noise);
		it[i].weight = v->active ? v->scn->streams * v->noise : 0;
		it[i].cap = v->active ? cap : 0;
	}
	full = daqs_waterfill(it, s->n, (double)s->sc->capacity_bps) <= 0;
	scale = s->sc->counter_scale_ppm / 1e6;
	for (size_t i = 0; i < s->n; i++) {
		const struct simvm *v = &s->v[i];
		bool own = v->limit != DAQS_RATE_UNLIMITED && it[i].out >= (double)v->limit * 0.999;

		s->v[i].queue_ms = own			   ? QUEUE_OWN_MS
				   : full && it[i].out > 0 ? QUEUE_FULL_MS
							   : QUEUE_IDLE_MS;
		s->v[i].rate = it[i].out;
		s->v[i].bytes += it[i].out * (double)s->sc->tick_ns / 8e9;
		s->v[i].counted += it[i].out * scale * (double)s->sc->tick_ns / 8e9;
		s->v[i].period_bytes += it[i].out * (double)s->sc->tick_ns / 8e9;
	}
}

static void close_interval(struct sim *s, uint64_t end_ns)
{
	uint64_t start = s->changes[s->cur_change];
	double r;

	if (!s->g_active_in_interval)
		return;
	s->any_reaction = true;
	r = s->bad_seen ? (double)(s->last_bad_ns + s->sc->tick_ns - start) / 1e9 : 0;
	if ((double)(end_ns - start) / 1e9 < r)
		r = (double)(end_ns - start) / 1e9;
	if (r > s->worst_reaction_s)
		s->worst_reaction_s = r;
}

static void track_changes(struct sim *s, uint64_t t)
{
	while (s->cur_change + 1 < s->n_changes && t >= s->changes[s->cur_change + 1]) {
		close_interval(s, s->changes[s->cur_change + 1]);
		s->cur_change++;
		s->bad_seen = false;
		s->g_active_in_interval = false;
	}
}

static void metrics(struct sim *s, uint64_t t)
{
	bool steady = t - s->changes[s->cur_change] >= s->sc->settle_ns;

	for (size_t i = 0; i < s->n; i++) {
		struct simvm *v = &s->v[i];
		double lim = (double)v->limit;

		if (!v->active)
			continue;
		v->active_sum += v->rate;
		v->active_n++;
		if (v->scn->sla.cls == DAQS_CLASS_GUARANTEE) {
			double due = due_of(s, v);

			s->g_active_in_interval = true;
			if (v->rate < REACH_FRAC * due) {
				s->bad_seen = true;
				s->last_bad_ns = t;
			}
			if (steady && due > 0) {
				v->sat_sum += fmin(1, v->rate / due);
				v->sat_n++;
			}
		}
		if (steady && v->limit != DAQS_RATE_UNLIMITED && v->limit > 0 &&
		    (double)v->scn->solo_max_bps >= lim) {
			v->err_sum += fabs(v->rate - lim) / lim;
			v->err_n++;
		}
	}
}

static void trace_period(struct sim *s, uint64_t t, daqs_sim_trace_fn trace, void *ud)
{
	uint64_t period = s->sc->sla->ctl.period_ns;

	if ((t + s->sc->tick_ns) % period >= s->sc->tick_ns &&
	    t + s->sc->tick_ns < s->sc->duration_ns)
		return;
	for (size_t i = 0; i < s->n; i++) {
		struct simvm *v = &s->v[i];

		if (trace)
			trace(ud, (double)(t + s->sc->tick_ns) / 1e9, v->scn, v->active,
			      v->period_bytes * 8e9 / (double)period, v->limit);
		v->period_bytes = 0;
	}
}

static void sim_init(struct sim *s, const struct daqs_scenario *sc, enum daqs_policy_kind kind)
{
	struct daqs_estimator_cfg ecfg = {
		.tau_ns = sc->sla->ctl.smoothing_ns,
		.max_bps = 10.0 * (double)sc->capacity_bps,
		.max_gap_ns = 5 * sc->sla->ctl.period_ns,
	};

	memset(s, 0, sizeof(*s));
	s->sc = sc;
	s->n = sc->n_vms;
	s->rng = sc->seed;
	s->policy = daqs_policy_new(kind, sc->sla);
	s->pv = daqs_calloc(s->n, sizeof(*s->pv));
	s->v = daqs_calloc(s->n, sizeof(*s->v));
	s->snap = daqs_calloc(s->n, sizeof(*s->snap));
	s->q_snap = daqs_calloc(s->n, sizeof(*s->q_snap));
	for (size_t i = 0; i < s->n; i++) {
		s->v[i].scn = &sc->vms[i];
		s->v[i].limit = DAQS_RATE_UNLIMITED;
		s->v[i].noise = 1;
		daqs_estimator_init(&s->v[i].est, &ecfg);
		s->pv[i].sla = &sc->vms[i].sla;
	}
	collect_changes(s);
}

static double worst(const struct daqs_sim_result *r, bool satisfaction)
{
	double w = NAN;

	for (size_t i = 0; i < r->n_vms; i++) {
		double x = satisfaction ? r->vms[i].satisfaction : r->vms[i].alloc_error;

		if (isnan(x))
			continue;
		if (isnan(w) || (satisfaction ? x < w : x > w))
			w = x;
	}
	return w;
}

static void sim_result(struct sim *s, enum daqs_policy_kind kind, struct daqs_sim_result *out)
{
	double dur = (double)s->sc->duration_ns / 1e9;

	memset(out, 0, sizeof(*out));
	out->kind = kind;
	out->n_vms = s->n;
	out->vms = daqs_calloc(s->n, sizeof(*out->vms));
	for (size_t i = 0; i < s->n; i++) {
		struct simvm *v = &s->v[i];
		struct daqs_sim_vm_result *r = &out->vms[i];

		r->name = v->scn->name;
		r->cls = v->scn->sla.cls;
		r->mean_bps = v->bytes * 8 / dur;
		r->mean_active_bps = v->active_n ? v->active_sum / (double)v->active_n : 0;
		r->satisfaction = v->sat_n ? v->sat_sum / (double)v->sat_n : NAN;
		r->alloc_error = v->err_n ? v->err_sum / (double)v->err_n : NAN;
		r->applies = v->applies;
		out->total_mean_bps += r->mean_bps;
		out->applies += v->applies;
	}
	out->guarantee_satisfaction = worst(out, true);
	out->allocation_error = worst(out, false);
	out->reaction_s = s->any_reaction ? s->worst_reaction_s : NAN;
}

static void sim_free(struct sim *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].q);
	free(s->v);
	free(s->pv);
	free(s->snap);
	free(s->q_snap);
	free(s->changes);
	daqs_policy_free(s->policy);
}

int daqs_sim_run(const struct daqs_scenario *sc, enum daqs_policy_kind kind,
		 daqs_sim_trace_fn trace, void *ud, struct daqs_sim_result *out)
{
	struct daqs_wf_item *it;
	struct sim s;

	if (!sc->tick_ns || !sc->sla->ctl.period_ns ||
	    sc->sample_delay_ns >= sc->sla->ctl.period_ns)
		return -EINVAL;
	sim_init(&s, sc, kind);
	it = daqs_calloc(s.n, sizeof(*it));
	for (uint64_t t = 0; t < sc->duration_ns; t += sc->tick_ns) {
		track_changes(&s, t);
		for (size_t i = 0; i < s.n; i++)
			apply_pending(&s.v[i], t);
		controller(&s, t);
		fluid(&s, t, it);
		metrics(&s, t);
		trace_period(&s, t, trace, ud);
	}
	close_interval(&s, sc->duration_ns);
	sim_result(&s, kind, out);
	free(it);
	sim_free(&s);
	return 0;
}

void daqs_sim_result_free(struct daqs_sim_result *r)
{
	if (!r)
		return;
	free(r->vms);
	r->vms = NULL;
	r->n_vms = 0;
}
