/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VF allocator: slots (the pool's VFs) and the VMs that hold them, one
 * decision step at a time. The contract is in vf_alloc.h.
 */
#include "vf_alloc.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "units.h"

/* A duration for a reason text: whole milliseconds ("11.694s", not "11693409.847us"). */
static uint64_t to_ms(uint64_t ns)
{
	return ns < 1000000ULL ? ns : (ns + 500000ULL) / 1000000ULL * 1000000ULL;
}

#define REASON DAQS_VF_ALLOC_REASON_MAX
#define PPM 1000000.0
#define HYSTERESIS_MAX_PPM 10000000U
#define BACKOFF_MAX_SHIFT 3 /* a failed plug backs off up to 8 times the base */

struct vmrec;

struct slot {
	char *label;
	enum daqs_vf_slot_state state;
	struct vmrec *holder; /* plugging, held, unplugging */
	struct vmrec *next;   /* unplugging (optional), reserved */
	uint64_t since_ns;
	char reason[REASON];
	char plug_why[REASON]; /* the reserved VM's reason, for its plug */
};

struct vmrec {
	char *id;
	uint64_t seq; /* order of first appearance: ties and fairness */
	bool present; /* in the current step's input */
	/* this step's input */
	bool eligible, guarantee, busy;
	double pps;
	/* packet rate over the interval: sum of pps * dt, and of dt */
	double pps_ns, w_ns;
	uint64_t sample_ns;
	bool sampled;
	bool active_seen; /* an active Guarantee VM at some step of this interval */
	/* ranking */
	bool prio; /* sla: an active Guarantee VM */
	double rank_pps;
	size_t rank;
	/* slots */
	struct slot *slot;	/* the slot it is the holder of */
	struct slot *resv;	/* the slot reserved for it */
	uint64_t chosen_ns;	/* when it was given its slot (dwell counts from here) */
	uint64_t hold_start_ns; /* when its plug completed */
	uint64_t held_ns;	/* closed holding spans */
	bool ever_held;
	uint64_t last_end_ns; /* when it last stopped holding one */
	bool lost;
	uint64_t lost_ns;
	uint64_t backoff_until_ns;
	unsigned fails;
	char reason[REASON];
};

struct daqs_vf_alloc {
	struct daqs_vf_alloc_config cfg; /* labels not kept (slots own copies) */
	struct slot *slots;
	struct vmrec **vms; /* sorted by id */
	size_t n_vms, cap_vms;
	struct vmrec **ranked; /* eligible VMs, best first (scratch of the last step) */
	size_t n_ranked, cap_ranked;
	uint64_t seq;
	bool decided;
	uint64_t last_decision_ns;
	bool have_now;
	uint64_t now_ns;
	struct daqs_vf_alloc_move *moves;
	size_t n_moves;
	struct daqs_vf_alloc_stats stats;
};

static const char *const op_names[] = {
	[DAQS_VF_PLUG] = "plug",
	[DAQS_VF_UNPLUG] = "unplug",
};

static const char *const slot_state_names[] = {
	[DAQS_VF_SLOT_FREE] = "free",	      [DAQS_VF_SLOT_PLUGGING] = "plugging",
	[DAQS_VF_SLOT_HELD] = "held",	      [DAQS_VF_SLOT_UNPLUGGING] = "unplugging",
	[DAQS_VF_SLOT_RESERVED] = "reserved",
};

const char *daqs_vf_op_name(enum daqs_vf_op op)
{
	return (size_t)op < DAQS_ARRAY_SIZE(op_names) ? op_names[op] : "?";
}

const char *daqs_vf_slot_state_name(enum daqs_vf_slot_state s)
{
	return (size_t)s < DAQS_ARRAY_SIZE(slot_state_names) ? slot_state_names[s] : "?";
}

static void __attribute__((format(printf, 2, 3))) setf(char *dst, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, REASON, fmt, ap);
	va_end(ap);
}

/* ---- life cycle ---- */

static bool strategy_valid(enum daqs_vf_strategy s)
{
	switch (s) {
	case DAQS_VF_STRATEGY_SLA:
	case DAQS_VF_STRATEGY_ACTIVITY:
	case DAQS_VF_STRATEGY_FAIR:
		return true;
	}
	return false;
}

static bool config_valid(const struct daqs_vf_alloc_config *cfg)
{
	if (!cfg || !strategy_valid(cfg->strategy) || cfg->interval_ns == 0 || cfg->n_slots == 0 ||
	    cfg->n_slots > DAQS_VF_ALLOC_MAX_SLOTS || cfg->hysteresis_ppm > HYSTERESIS_MAX_PPM)
		return false;
	for (size_t i = 0; cfg->labels && i < cfg->n_slots; i++)
		if (!cfg->labels[i])
			return false;
	return true;
}

struct daqs_vf_alloc *daqs_vf_alloc_new(const struct daqs_vf_alloc_config *cfg)
{
	struct daqs_vf_alloc *a;

	if (!config_valid(cfg))
		return NULL;
	a = daqs_calloc(1, sizeof(*a));
	a->cfg = *cfg;
	a->cfg.labels = NULL;
	a->slots = daqs_calloc(cfg->n_slots, sizeof(*a->slots));
	a->moves = daqs_calloc(cfg->n_slots, sizeof(*a->moves));
	for (size_t i = 0; i < cfg->n_slots; i++)
		a->slots[i].label = cfg->labels ? daqs_strdup(cfg->labels[i])
						: daqs_asprintf("slot %zu", i);
	return a;
}

void daqs_vf_alloc_free(struct daqs_vf_alloc *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->cfg.n_slots; i++)
		free(a->slots[i].label);
	for (size_t i = 0; i < a->n_vms; i++) {
		free(a->vms[i]->id);
		free(a->vms[i]);
	}
	free(a->slots);
	free(a->vms);
	free(a->ranked);
	free(a->moves);
	free(a);
}

/* ---- VM records ---- */

static int cmp_rec_id(const void *x, const void *y)
{
	return strcmp((*(struct vmrec *const *)x)->id, (*(struct vmrec *const *)y)->id);
}

/* The record of id among the first n (sorted) records, or NULL. */
static struct vmrec *find(const struct daqs_vf_alloc *a, const char *id, size_t n)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(id, a->vms[mid]->id);

		if (c == 0)
			return a->vms[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static int cmp_str_ptr(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* -EINVAL for input step() refuses; nothing is changed. */
static int check_input(const struct daqs_vf_alloc *a, const struct daqs_vf_alloc_vm *vms, size_t n,
		       uint64_t now_ns)
{
	const char **ids;
	int r = 0;

	if (!a || (n && !vms) || (a->have_now && now_ns < a->now_ns))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!vms[i].id || !*vms[i].id || !isfinite(vms[i].pps) || vms[i].pps < 0)
			return -EINVAL;
	ids = daqs_calloc(n ? n : 1, sizeof(*ids));
	for (size_t i = 0; i < n; i++)
		ids[i] = vms[i].id;
	qsort(ids, n, sizeof(*ids), cmp_str_ptr);
	for (size_t i = 1; i < n && r == 0; i++)
		if (strcmp(ids[i - 1], ids[i]) == 0)
			r = -EINVAL;
	free(ids);
	return r;
}

static void slot_free(struct slot *s, uint64_t now_ns)
{
	s->state = DAQS_VF_SLOT_FREE;
	s->holder = NULL;
	s->next = NULL;
	s->since_ns = now_ns;
}

/* A VM absent from the input: its slot is free (or goes to the VM it was reserved for). */
static void forget(struct daqs_vf_alloc *a, struct vmrec *r)
{
	struct slot *s = r->slot;

	if (s) {
		a->stats.gone++;
		if (s->state == DAQS_VF_SLOT_UNPLUGGING && s->next) {
			s->state = DAQS_VF_SLOT_RESERVED;
			s->holder = NULL;
			s->since_ns = a->now_ns;
			setf(s->reason, "holder %.40s gone; reserved for %.40s", r->id,
			     s->next->id);
		} else {
			slot_free(s, a->now_ns);
			setf(s->reason, "holder %.40s gone", r->id);
		}
	}
	s = r->resv;
	if (s) {
		s->next = NULL;
		if (s->state == DAQS_VF_SLOT_RESERVED) {
			slot_free(s, a->now_ns);
			setf(s->reason, "%.40s, the VM it was reserved for, is gone", r->id);
		}
	}
	free(r->id);
	free(r);
}

static void sample(struct vmrec *r, const struct daqs_vf_alloc_vm *in, uint64_t now_ns)
{
	if (r->sampled && now_ns > r->sample_ns) {
		double dt = (double)(now_ns - r->sample_ns);

		r->pps_ns += in->pps * dt;
		r->w_ns += dt;
	}
	r->sampled = true;
	r->sample_ns = now_ns;
	r->eligible = in->eligible;
	r->guarantee = in->guarantee;
	r->busy = in->busy;
	r->pps = in->pps;
	if (in->guarantee && in->active)
		r->active_seen = true;
	r->present = true;
}

/* Update the records from the input: new VMs added, gone ones forgotten. */
static void sync_vms(struct daqs_vf_alloc *a, const struct daqs_vf_alloc_vm *vms, size_t n)
{
	size_t old = a->n_vms, kept = 0;

	for (size_t i = 0; i < old; i++)
		a->vms[i]->present = false;
	for (size_t i = 0; i < n; i++) {
		struct vmrec *r = find(a, vms[i].id, old);

		if (!r) {
			/* appended past old, unsorted until the end (ids are unique) */
			r = daqs_calloc(1, sizeof(*r));
			r->id = daqs_strdup(vms[i].id);
			r->seq = a->seq++;
			daqs_grow((void **)&a->vms, &a->cap_vms, a->n_vms + 1, sizeof(*a->vms));
			a->vms[a->n_vms++] = r;
		}
		sample(r, &vms[i], a->now_ns);
	}
	for (size_t i = 0; i < old; i++) {
		if (a->vms[i]->present)
			continue;
		forget(a, a->vms[i]);
		a->vms[i] = NULL;
	}
	for (size_t i = 0; i < a->n_vms; i++)
		if (a->vms[i])
			a->vms[kept++] = a->vms[i];
	if (a->n_vms > old) /* new records: sort them in (removal kept the order) */
		qsort(a->vms, kept, sizeof(*a->vms), cmp_rec_id);
	a->n_vms = kept;
}

/* ---- ranking ---- */

/* Ties: a holder first (no churn among equals), then the VM seen first. */
static int cmp_ties(const struct vmrec *x, const struct vmrec *y)
{
	if (!x->slot != !y->slot)
		return x->slot ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int cmp_activity(const void *p, const void *q)
{
	const struct vmrec *x = *(struct vmrec *const *)p, *y = *(struct vmrec *const *)q;

	if (x->rank_pps != y->rank_pps)
		return x->rank_pps > y->rank_pps ? -1 : 1;
	return cmp_ties(x, y);
}

static int cmp_sla(const void *p, const void *q)
{
	const struct vmrec *x = *(struct vmrec *const *)p, *y = *(struct vmrec *const *)q;

	if (x->prio != y->prio)
		return x->prio ? -1 : 1;
	return cmp_activity(p, q);
}

/*
 * Least recently served first: never held, then by when it last stopped
 * holding one, then by how long it held one in all; VMs in service (holding or reserved) last, the one chosen
 * longest ago at the very end (its slice is the oldest).
 */
static int cmp_fair(const void *p, const void *q)
{
	const struct vmrec *x = *(struct vmrec *const *)p, *y = *(struct vmrec *const *)q;
	bool xs = x->slot || x->resv, ys = y->slot || y->resv;

	if (xs != ys)
		return xs ? 1 : -1;
	if (xs) {
		uint64_t cx = x->slot ? x->chosen_ns : UINT64_MAX;
		uint64_t cy = y->slot ? y->chosen_ns : UINT64_MAX;

		if (cx != cy)
			return cx > cy ? -1 : 1;
	} else if (x->ever_held != y->ever_held) {
		return x->ever_held ? 1 : -1;
	} else if (x->ever_held && x->last_end_ns != y->last_end_ns) {
		return x->last_end_ns < y->last_end_ns ? -1 : 1;
	} else if (x->held_ns != y->held_ns) {
		return x->held_ns < y->held_ns ? -1
					       : 1; /* else the first ones seen always win ties */
	}
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void rank_all(struct daqs_vf_alloc *a)
{
	int (*cmp)(const void *, const void *) = cmp_activity;

	switch (a->cfg.strategy) {
	case DAQS_VF_STRATEGY_SLA:
		cmp = cmp_sla;
		break;
	case DAQS_VF_STRATEGY_ACTIVITY:
		cmp = cmp_activity;
		break;
	case DAQS_VF_STRATEGY_FAIR:
		cmp = cmp_fair;
		break;
	}
	daqs_grow((void **)&a->ranked, &a->cap_ranked, a->n_vms, sizeof(*a->ranked));
	a->n_ranked = 0;
	for (size_t i = 0; i < a->n_vms; i++) {
		struct vmrec *r = a->vms[i];

		r->rank_pps = r->w_ns > 0 ? r->pps_ns / r->w_ns : r->pps;
		r->prio = r->guarantee && r->active_seen;
		r->rank = 0;
		if (r->eligible)
			a->ranked[a->n_ranked++] = r;
	}
	qsort(a->ranked, a->n_ranked, sizeof(*a->ranked), cmp);
	for (size_t i = 0; i < a->n_ranked; i++)
		a->ranked[i]->rank = i + 1;
}

/* Why r ranks where it does, for the reasons operators read. */
static void describe(const struct daqs_vf_alloc *a, const struct vmrec *r, char *buf)
{
	char d[32];

	switch (a->cfg.strategy) {
	case DAQS_VF_STRATEGY_FAIR:
		if (!r->ever_held) {
			setf(buf, "fair turn: never held a VF");
			return;
		}
		daqs_units_format_duration(to_ms(a->now_ns - r->last_end_ns), d, sizeof(d));
		setf(buf, "fair turn: last held a VF %s ago", d);
		return;
	case DAQS_VF_STRATEGY_SLA:
		if (r->prio) {
			setf(buf, "guarantee VM first, rank %zu of %zu, %.0f pps", r->rank,
			     a->n_ranked, r->rank_pps);
			return;
		}
		break;
	case DAQS_VF_STRATEGY_ACTIVITY:
		break;
	}
	setf(buf, "activity rank %zu of %zu, %.0f pps", r->rank, a->n_ranked, r->rank_pps);
}

/* ---- moves ---- */

static void emit(struct daqs_vf_alloc *a, enum daqs_vf_op op, struct slot *s, struct vmrec *r,
		 const char *why)
{
	struct daqs_vf_alloc_move *m = &a->moves[a->n_moves++];

	m->op = op;
	m->slot = (size_t)(s - a->slots);
	m->vm = r->id;
	setf(m->reason, "%s", why);
	setf(r->reason, "%s %s: %s", op_names[op], s->label, why);
}

static void plug(struct daqs_vf_alloc *a, struct slot *s, struct vmrec *r, const char *why)
{
	s->state = DAQS_VF_SLOT_PLUGGING;
	s->holder = r;
	s->next = NULL;
	s->since_ns = a->now_ns;
	setf(s->reason, "%s", why);
	r->slot = s;
	r->hold_start_ns = a->now_ns;
	emit(a, DAQS_VF_PLUG, s, r, why);
}

static void unplug(struct daqs_vf_alloc *a, struct slot *s, struct vmrec *next, const char *why)
{
	s->state = DAQS_VF_SLOT_UNPLUGGING;
	s->next = next;
	s->since_ns = a->now_ns;
	setf(s->reason, "%s", why);
	if (next) {
		next->resv = s;
		next->chosen_ns = a->now_ns;
	}
	emit(a, DAQS_VF_UNPLUG, s, s->holder, why);
}

/* A VM that may be given a slot now. */
static bool pluggable(const struct daqs_vf_alloc *a, const struct vmrec *r)
{
	return r->eligible && !r->busy && !r->slot && !r->resv && r->backoff_until_ns <= a->now_ns;
}

static void unplug_ineligible(struct daqs_vf_alloc *a)
{
	for (size_t i = 0; i < a->cfg.n_slots; i++) {
		struct slot *s = &a->slots[i];
		struct vmrec *nx = s->next;

		if (nx && !nx->eligible) {
			nx->resv = NULL;
			s->next = NULL;
			setf(nx->reason, "no longer eligible: reservation of %s dropped", s->label);
			if (s->state == DAQS_VF_SLOT_RESERVED) {
				slot_free(s, a->now_ns);
				setf(s->reason, "%.40s is no longer eligible", nx->id);
			}
		}
		if (s->state == DAQS_VF_SLOT_HELD && !s->holder->eligible && !s->holder->busy)
			unplug(a, s, NULL, "no longer eligible for a VF");
	}
}

static void plug_reserved(struct daqs_vf_alloc *a)
{
	for (size_t i = 0; i < a->cfg.n_slots; i++) {
		struct slot *s = &a->slots[i];
		struct vmrec *r = s->next;
		char why[REASON];

		if (s->state != DAQS_VF_SLOT_RESERVED)
			continue;
		r->resv = NULL;
		if (!r->busy) {
			setf(why, "%s", s->plug_why);
			plug(a, s, r, why);
			continue;
		}
		setf(r->reason, "busy when %s was ready for it: reservation dropped", s->label);
		slot_free(s, a->now_ns);
		setf(s->reason, "%.40s, the VM it was reserved for, was busy", r->id);
	}
}

static void fill_free(struct daqs_vf_alloc *a)
{
	size_t c = 0;

	for (size_t i = 0; i < a->cfg.n_slots; i++) {
		struct slot *s = &a->slots[i];
		char why[REASON], d[REASON];

		if (s->state != DAQS_VF_SLOT_FREE)
			continue;
		while (c < a->n_ranked && !pluggable(a, a->ranked[c]))
			c++;
		if (c == a->n_ranked)
			return;
		describe(a, a->ranked[c], d);
		setf(why, "free slot; %s", d);
		a->ranked[c]->chosen_ns = a->now_ns; /* a reserved VM was chosen at the decision */
		plug(a, s, a->ranked[c], why);
	}
}

/* Does challenger c displace holder h (both ranked)? */
static bool beats(const struct daqs_vf_alloc *a, const struct vmrec *c, const struct vmrec *h)
{
	switch (a->cfg.strategy) {
	case DAQS_VF_STRATEGY_FAIR:
		return true;
	case DAQS_VF_STRATEGY_SLA:
		if (c->prio != h->prio)
			return c->prio;
		break;
	case DAQS_VF_STRATEGY_ACTIVITY:
		break;
	}
	return c->rank_pps > h->rank_pps * (1.0 + a->cfg.hysteresis_ppm / PPM);
}

static void displace_one(struct daqs_vf_alloc *a, struct vmrec *c, struct vmrec *h)
{
	struct slot *s = h->slot;
	char why[REASON], d[REASON], held[32];

	describe(a, c, d);
	if (a->cfg.strategy == DAQS_VF_STRATEGY_FAIR) {
		daqs_units_format_duration(to_ms(a->now_ns - h->chosen_ns), held, sizeof(held));
		setf(why, "fair slice expired (held %s); next: %.40s", held, c->id);
	} else if (c->prio && !h->prio && a->cfg.strategy == DAQS_VF_STRATEGY_SLA) {
		setf(why, "guarantee VM %.40s first", c->id);
	} else {
		setf(why, "displaced by %.40s (%.0f pps > %.0f pps + %u%%)", c->id, c->rank_pps,
		     h->rank_pps, (unsigned)(a->cfg.hysteresis_ppm / 10000));
	}
	setf(s->plug_why, "%s; takes over from %.40s", d, h->id);
	unplug(a, s, c, why);
	setf(c->reason, "reserved %s (after its unplug from %.40s): %s", s->label, h->id, d);
}

/*
 * Pair the best challengers with the worst displaceable holders while the
 * challenger beats the holder. Both lists are in rank order, and beats() is
 * monotonic in it, so the first pair that does not beat ends the pairing.
 */
static void displace(struct daqs_vf_alloc *a)
{
	size_t c = 0, h = a->n_ranked;

	for (;;) {
		struct vmrec *cr = NULL, *hr = NULL;

		for (; c < a->n_ranked && !cr; c++) {
			struct vmrec *r = a->ranked[c];

			if (pluggable(a, r) &&
			    !(r->lost && a->now_ns - r->lost_ns < a->cfg.min_dwell_ns))
				cr = r;
		}
		for (; h > 0 && !hr; h--) {
			struct vmrec *r = a->ranked[h - 1];
			struct slot *s = r->slot;

			if (s && s->state == DAQS_VF_SLOT_HELD && !r->busy &&
			    a->now_ns - r->chosen_ns >= a->cfg.min_dwell_ns)
				hr = r;
		}
		if (!cr || !hr || cr->rank > hr->rank || !beats(a, cr, hr))
			return;
		displace_one(a, cr, hr);
	}
}

static void end_interval(struct daqs_vf_alloc *a)
{
	for (size_t i = 0; i < a->n_vms; i++) {
		a->vms[i]->pps_ns = 0;
		a->vms[i]->w_ns = 0;
		a->vms[i]->active_seen = false;
	}
	a->decided = true;
	a->last_decision_ns = a->now_ns;
	a->stats.decisions++;
}

int daqs_vf_alloc_step(struct daqs_vf_alloc *a, const struct daqs_vf_alloc_vm *vms, size_t n,
		       uint64_t now_ns, const struct daqs_vf_alloc_move **moves, size_t *n_moves)
{
	bool decide;

	if (check_input(a, vms, n, now_ns) < 0)
		return -EINVAL;
	a->now_ns = now_ns;
	a->have_now = true;
	a->n_moves = 0;
	sync_vms(a, vms, n);
	decide = !a->decided || now_ns - a->last_decision_ns >= a->cfg.interval_ns;
	rank_all(a);
	unplug_ineligible(a);
	plug_reserved(a);
	fill_free(a);
	if (decide) {
		displace(a);
		end_interval(a);
	}
	*moves = a->moves;
	*n_moves = a->n_moves;
	return 0;
}

/* ---- outcomes ---- */

static void plug_done(struct daqs_vf_alloc *a, struct slot *s, bool ok)
{
	struct vmrec *r = s->holder;
	uint64_t base, backoff;
	char d[32];

	if (ok) {
		s->state = DAQS_VF_SLOT_HELD;
		s->since_ns = a->now_ns;
		r->hold_start_ns = a->now_ns;
		r->fails = 0;
		a->stats.plugs++;
		setf(r->reason, "holds %s: %s", s->label, s->reason);
		return;
	}
	a->stats.plug_failures++;
	r->fails++;
	base = a->cfg.min_dwell_ns > a->cfg.interval_ns ? a->cfg.min_dwell_ns : a->cfg.interval_ns;
	backoff = base;
	for (unsigned i = 1; i < r->fails && i <= BACKOFF_MAX_SHIFT; i++)
		backoff = backoff > UINT64_MAX / 2 ? UINT64_MAX : backoff * 2;
	r->backoff_until_ns = UINT64_MAX - a->now_ns < backoff ? UINT64_MAX : a->now_ns + backoff;
	r->slot = NULL;
	daqs_units_format_duration(to_ms(backoff), d, sizeof(d));
	setf(r->reason, "plug of %s failed (%u in a row): stays on virtio, no VF for %s", s->label,
	     r->fails, d);
	slot_free(s, a->now_ns);
	setf(s->reason, "plug into %.40s failed", r->id);
}

static void unplug_done(struct daqs_vf_alloc *a, struct slot *s, bool ok)
{
	struct vmrec *r = s->holder, *nx = s->next;

	if (!ok) {
		a->stats.unplug_failures++;
		s->state = DAQS_VF_SLOT_HELD;
		s->since_ns = r->hold_start_ns;
		s->next = NULL;
		if (nx) {
			nx->resv = NULL;
			setf(nx->reason, "reservation of %s dropped: its unplug from %.40s failed",
			     s->label, r->id);
		}
		setf(s->reason, "unplug failed; %.40s keeps it", r->id);
		setf(r->reason, "unplug of %s failed; keeps it", s->label);
		return;
	}
	a->stats.unplugs++;
	r->held_ns += a->now_ns - r->hold_start_ns;
	r->ever_held = true;
	r->last_end_ns = a->now_ns;
	r->lost = true;
	r->lost_ns = a->now_ns;
	r->slot = NULL;
	setf(r->reason, "unplugged from %s: %s", s->label, s->reason);
	if (nx) {
		s->state = DAQS_VF_SLOT_RESERVED;
		s->holder = NULL;
		s->since_ns = a->now_ns;
		setf(s->reason, "unplugged from %.40s; reserved for %.40s", r->id, nx->id);
		return;
	}
	slot_free(s, a->now_ns);
	setf(s->reason, "unplugged from %.40s", r->id);
}

int daqs_vf_alloc_adopt(struct daqs_vf_alloc *a, size_t slot, const char *vm, uint64_t now_ns)
{
	struct slot *s;
	struct vmrec *r;

	if (!a || slot >= a->cfg.n_slots || !vm || !*vm || (a->have_now && now_ns < a->now_ns))
		return -EINVAL;
	s = &a->slots[slot];
	if (s->state != DAQS_VF_SLOT_FREE)
		return -EBUSY;
	r = find(a, vm, a->n_vms);
	if (r && (r->slot || r->resv))
		return -EEXIST;
	a->now_ns = now_ns;
	a->have_now = true;
	if (!r) {
		r = daqs_calloc(1, sizeof(*r));
		r->id = daqs_strdup(vm);
		r->seq = a->seq++;
		daqs_grow((void **)&a->vms, &a->cap_vms, a->n_vms + 1, sizeof(*a->vms));
		a->vms[a->n_vms++] = r;
		qsort(a->vms, a->n_vms, sizeof(*a->vms), cmp_rec_id);
	}
	s->state = DAQS_VF_SLOT_HELD;
	s->holder = r;
	s->next = NULL;
	s->since_ns = now_ns;
	setf(s->reason, "adopted: plugged into %.40s before daqsd started", vm);
	r->slot = s;
	r->chosen_ns = now_ns;
	r->hold_start_ns = now_ns;
	setf(r->reason, "holds %s (adopted at start)", s->label);
	return 0;
}

int daqs_vf_alloc_done(struct daqs_vf_alloc *a, size_t slot, const char *vm, enum daqs_vf_op op,
		       bool ok, uint64_t now_ns)
{
	struct slot *s;
	enum daqs_vf_slot_state want;

	if (!a || slot >= a->cfg.n_slots || (a->have_now && now_ns < a->now_ns))
		return -EINVAL;
	if (op == DAQS_VF_PLUG)
		want = DAQS_VF_SLOT_PLUGGING;
	else if (op == DAQS_VF_UNPLUG)
		want = DAQS_VF_SLOT_UNPLUGGING;
	else
		return -EINVAL;
	s = &a->slots[slot];
	if (s->state != want || !vm || strcmp(s->holder->id, vm) != 0)
		return -ENOENT;
	a->now_ns = now_ns;
	a->have_now = true;
	if (op == DAQS_VF_PLUG)
		plug_done(a, s, ok);
	else
		unplug_done(a, s, ok);
	return 0;
}

/* ---- read-only views ---- */

size_t daqs_vf_alloc_n_slots(const struct daqs_vf_alloc *a)
{
	return a->cfg.n_slots;
}

int daqs_vf_alloc_slot(const struct daqs_vf_alloc *a, size_t slot,
		       struct daqs_vf_alloc_slot_info *out)
{
	const struct slot *s;

	if (slot >= a->cfg.n_slots)
		return -EINVAL;
	s = &a->slots[slot];
	out->label = s->label;
	out->state = s->state;
	out->holder = s->holder ? s->holder->id : NULL;
	out->next = s->next ? s->next->id : NULL;
	out->since_ns = s->since_ns;
	out->reason = s->reason;
	return 0;
}

static void vm_info(const struct daqs_vf_alloc *a, const struct vmrec *r,
		    struct daqs_vf_alloc_vm_info *out)
{
	const struct slot *s = r->slot ? r->slot : r->resv;

	memset(out, 0, sizeof(*out));
	out->id = r->id;
	out->holds = r->slot != NULL;
	out->reserved = r->resv != NULL;
	out->slot = s ? (size_t)(s - a->slots) : 0;
	out->in_flight = r->slot && (r->slot->state == DAQS_VF_SLOT_PLUGGING ||
				     r->slot->state == DAQS_VF_SLOT_UNPLUGGING);
	out->rank_pps = r->rank_pps;
	out->rank = r->rank;
	out->held_ns = r->held_ns;
	if (r->slot && r->slot->state != DAQS_VF_SLOT_PLUGGING)
		out->held_ns += a->now_ns - r->hold_start_ns;
	out->backoff_until_ns = r->backoff_until_ns;
	out->plug_failures = r->fails;
	out->reason = r->reason;
}

size_t daqs_vf_alloc_n_vms(const struct daqs_vf_alloc *a)
{
	return a->n_vms;
}

int daqs_vf_alloc_vm_at(const struct daqs_vf_alloc *a, size_t i, struct daqs_vf_alloc_vm_info *out)
{
	if (i >= a->n_vms)
		return -EINVAL;
	vm_info(a, a->vms[i], out);
	return 0;
}

int daqs_vf_alloc_vm(const struct daqs_vf_alloc *a, const char *id,
		     struct daqs_vf_alloc_vm_info *out)
{
	const struct vmrec *r = id ? find(a, id, a->n_vms) : NULL;

	if (!r)
		return -ENOENT;
	vm_info(a, r, out);
	return 0;
}

void daqs_vf_alloc_stats(const struct daqs_vf_alloc *a, struct daqs_vf_alloc_stats *out)
{
	*out = a->stats;
}

void daqs_vf_alloc_config_from_pool(const struct daqs_sla_vf_pool *pool,
				    struct daqs_vf_alloc_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->strategy = pool->strategy;
	cfg->interval_ns = pool->interval_ns;
	cfg->min_dwell_ns = pool->min_dwell_ns;
	cfg->hysteresis_ppm = pool->hysteresis_ppm;
	cfg->n_slots = pool->n_slots;
}
