/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VF pool in daqsd (see vf_pool.h). */
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "clock.h"
#include "mem.h"
#include "pf_netlink.h"
#include "vf_alloc.h"
#include "vf_hotplug.h"
#include "vf_pool.h"

/* The last completed operation of a slot, and when its VM's limit was verified after it. */
struct slot_op {
	bool have;
	enum daqs_vf_op op;
	char vm[DAQS_SLA_NAME_MAX + 1];
	uint64_t start_ns, end_ns;
	uint64_t verified_ns; /* 0 = not yet */
};

struct lat {
	uint64_t n;
	double sum_ms, max_ms, last_ms;
};

struct daqs_vf_pool {
	pthread_mutex_t lock;
	struct daqs_controller *ctl;
	void (*log)(void *ud, enum daqs_log_prio prio, const char *msg);
	void *log_ud;
	enum daqs_vf_pool_kind kind;
	char pf[DAQS_SLA_NAME_MAX + 1];
	char bridge[16];
	enum daqs_vf_strategy strategy;
	uint64_t interval_ns, min_dwell_ns;
	uint32_t hysteresis_ppm;
	size_t n_slots;
	char (*pci)[16];
	uint32_t *vf_index; /* hostdev: the VF index of each slot on the PF */
	char **labels;
	char error[512]; /* the pool cannot run: why */
	struct daqs_vf_alloc *alloc;
	struct daqs_vf_hotplug *plug;
	bool scan_queued,
		scanned; /* devices left by an earlier daqsd: adopted or cleaned up first */
	struct slot_op *last;
	struct lat dev_lat[2], verified_lat[2]; /* by op */
	uint64_t failures[2];
};

#define plog(p, prio, ...) daqs_logf((p)->log, (p)->log_ud, prio, __VA_ARGS__)

static void lat_add(struct lat *l, double ms)
{
	l->n++;
	l->sum_ms += ms;
	l->last_ms = ms;
	if (ms > l->max_ms)
		l->max_ms = ms;
}

/* ---- hot-plug outcomes (worker thread) ---- */

/* The controller sets a hostdev slot's VF rate while vm holds it (enforce: vf|both). */
static void tell_vf(struct daqs_vf_pool *p, const char *vm, size_t slot, bool holds)
{
	if (p->kind != DAQS_VF_POOL_HOSTDEV)
		return; /* a stand-in has no VF rate */
	daqs_controller_set_vf(p->ctl, vm, holds ? p->pf : NULL, p->vf_index[slot]);
}

/* Why a device found at start cannot be adopted ("" = it can), into why. */
static void fits(const struct daqs_vf_pool *p, const struct daqs_vf_hotplug_dev *d, char *why,
		 size_t len)
{
	why[0] = '\0';
	if (d->slot >= p->n_slots)
		snprintf(why, len, "the pool has %zu slot(s)", p->n_slots);
	else if (d->kind != p->kind)
		snprintf(why, len, "it is a %s device, the pool's are %s",
			 daqs_vf_pool_kind_name(d->kind), daqs_vf_pool_kind_name(p->kind));
	else if (p->kind == DAQS_VF_POOL_HOSTDEV && strcmp(d->pci, p->pci[d->slot]))
		snprintf(why, len, "it is %s, the slot's VF is %s", d->pci[0] ? d->pci : "unknown",
			 p->pci[d->slot]);
	else if (p->kind == DAQS_VF_POOL_BRIDGE && strcmp(d->bridge, p->bridge))
		snprintf(why, len, "it is on bridge '%s', the pool's is '%s'", d->bridge,
			 p->bridge);
}

/*
 * Devices of ours found at start: adopted when they fit the pool (same slot,
 * same VF or bridge, the slot and the VM free), else unplugged; the
 * allocator runs once the scan is over.
 */
static void at_start(struct daqs_vf_pool *p, const struct daqs_vf_hotplug_result *r, double ms)
{
	char why[160];
	int e;

	if (r->scanned) {
		if (r->err)
			plog(p, DAQS_LOG_WARNING,
			     "vf: cannot look for devices left by an earlier daqsd (%s); starting "
			     "from an empty pool",
			     r->why);
		p->scanned = true;
		return;
	}
	if (r->cleanup) {
		if (r->err && r->err != -ENODEV)
			plog(p, DAQS_LOG_WARNING, "vf: cannot unplug %s%zu from '%s' (%s)",
			     DAQS_VF_HOTPLUG_ALIAS_PREFIX, r->slot, r->vm, r->why);
		else
			plog(p, DAQS_LOG_NOTICE, "vf: unplugged %s%zu from '%s' in %.0f ms",
			     DAQS_VF_HOTPLUG_ALIAS_PREFIX, r->slot, r->vm, ms);
		return;
	}
	fits(p, r->dev, why, sizeof(why));
	if (!why[0] && p->alloc) {
		e = daqs_vf_alloc_adopt(p->alloc, r->slot, r->vm, r->end_ns);
		if (e == 0) {
			plog(p, DAQS_LOG_NOTICE,
			     "vf: '%s' holds %s since before this daqsd: adopted", r->vm,
			     p->labels[r->slot]);
			tell_vf(p, r->vm, r->slot, true);
			daqs_controller_kick(p->ctl, r->vm);
			return;
		}
		snprintf(why, sizeof(why), "%s",
			 e == -EBUSY ? "its slot is taken" : "the VM holds another slot");
	}
	plog(p, DAQS_LOG_NOTICE,
	     "vf: '%s' has %s%zu from an earlier daqsd that does not fit the "
	     "pool (%s): unplugging it",
	     r->vm, DAQS_VF_HOTPLUG_ALIAS_PREFIX, r->slot, why[0] ? why : "no allocator");
	daqs_vf_hotplug_cleanup(p->plug, r->vm, r->slot);
}

static void on_done(void *ud, const struct daqs_vf_hotplug_result *r)
{
	struct daqs_vf_pool *p = ud;
	double ms = (double)(r->end_ns - r->start_ns) / 1e6;
	bool ok = r->err == 0 || (r->op == DAQS_VF_UNPLUG && r->err == -ENODEV);
	const char *label;

	pthread_mutex_lock(&p->lock);
	if (r->found || r->scanned || r->cleanup) {
		at_start(p, r, ms);
		pthread_mutex_unlock(&p->lock);
		return;
	}
	label = p->labels[r->slot];
	daqs_vf_alloc_done(p->alloc, r->slot, r->vm, r->op, ok, r->end_ns);
	daqs_controller_vf_moving(p->ctl, r->vm); /* the swap's end: its settling runs from here */
	if (ok) {
		struct slot_op *s = &p->last[r->slot];

		lat_add(&p->dev_lat[r->op], ms);
		*s = (struct slot_op){
			.have = true, .op = r->op, .start_ns = r->start_ns, .end_ns = r->end_ns
		};
		snprintf(s->vm, sizeof(s->vm), "%s", r->vm);
		plog(p, DAQS_LOG_NOTICE, "vf: %s %s %s '%s' in %.0f ms%s",
		     r->op == DAQS_VF_PLUG ? "plugged" : "unplugged", label,
		     r->op == DAQS_VF_PLUG ? "into" : "from", r->vm, ms,
		     r->err == -ENODEV ? " (it was gone already)" : "");
		tell_vf(p, r->vm, r->slot, r->op == DAQS_VF_PLUG);
		daqs_controller_kick(p->ctl, r->vm);
	} else {
		p->failures[r->op]++;
		plog(p, DAQS_LOG_WARNING, "vf: cannot %s %s %s '%s' (%s)%s",
		     r->op == DAQS_VF_PLUG ? "plug" : "unplug", label,
		     r->op == DAQS_VF_PLUG ? "into" : "from", r->vm, r->why,
		     r->op == DAQS_VF_PLUG ? "; it stays on virtio" : "; it keeps the VF");
	}
	pthread_mutex_unlock(&p->lock);
}

/* ---- creation ---- */

static int resolve_slots(struct daqs_vf_pool *p, const struct daqs_sla *sla)
{
	const struct daqs_sla_vf_pool *vp = &sla->vf_pool;
	char buf[64];

	p->n_slots = vp->n_slots;
	p->pci = daqs_calloc(p->n_slots, sizeof(*p->pci));
	p->vf_index = daqs_calloc(p->n_slots, sizeof(*p->vf_index));
	p->labels = daqs_calloc(p->n_slots, sizeof(*p->labels));
	p->last = daqs_calloc(p->n_slots, sizeof(*p->last));
	for (size_t i = 0; i < p->n_slots; i++) {
		if (p->kind == DAQS_VF_POOL_BRIDGE) {
			snprintf(buf, sizeof(buf), "stand-in %zu (%s)", i, p->bridge);
		} else {
			int r = daqs_pf_vf_pci_address(p->pf, vp->vfs[i], p->pci[i],
						       sizeof(p->pci[i]));

			if (r < 0) {
				snprintf(p->error, sizeof(p->error),
					 "%s:%u: vf_pool: VF %u of '%s' has no PCI address (%s)",
					 sla->file, vp->line, vp->vfs[i], p->pf, strerror(-r));
				return r;
			}
			snprintf(buf, sizeof(buf), "vf %u (%s)", vp->vfs[i], p->pci[i]);
			p->vf_index[i] = vp->vfs[i];
		}
		p->labels[i] = daqs_strdup(buf);
	}
	return 0;
}

struct daqs_vf_pool *
daqs_vf_pool_new(const struct daqs_sla *sla, const char *uri, struct daqs_controller *ctl,
		 void (*log)(void *ud, enum daqs_log_prio prio, const char *msg), void *log_ud)
{
	const struct daqs_sla_vf_pool *vp = &sla->vf_pool;
	struct daqs_vf_alloc_config cfg;
	struct daqs_vf_pool *p;

	if (!vp->present)
		return NULL;
	p = daqs_calloc(1, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	p->ctl = ctl;
	p->log = log;
	p->log_ud = log_ud;
	p->kind = vp->kind;
	if (sla->links[vp->link].device)
		snprintf(p->pf, sizeof(p->pf), "%s", sla->links[vp->link].device);
	if (vp->bridge)
		snprintf(p->bridge, sizeof(p->bridge), "%s", vp->bridge);
	p->strategy = vp->strategy;
	p->interval_ns = vp->interval_ns;
	p->min_dwell_ns = vp->min_dwell_ns;
	p->hysteresis_ppm = vp->hysteresis_ppm;
	if (resolve_slots(p, sla) < 0) {
		plog(p, DAQS_LOG_ERR, "vf: %s; the pool is off (limits are still controlled)",
		     p->error);
		return p;
	}
	daqs_vf_alloc_config_from_pool(vp, &cfg);
	cfg.labels = (const char *const *)p->labels;
	p->alloc = daqs_vf_alloc_new(&cfg);
	if (!p->alloc) {
		snprintf(p->error, sizeof(p->error), "vf_pool: the allocator refused its settings");
		plog(p, DAQS_LOG_ERR, "vf: %s", p->error);
		return p;
	}
	p->plug = daqs_vf_hotplug_new(uri, on_done, p);
	if (!p->plug) {
		snprintf(p->error, sizeof(p->error), "vf: cannot start the hot-plug thread");
		plog(p, DAQS_LOG_ERR, "%s", p->error);
		return p;
	}
	plog(p, DAQS_LOG_NOTICE, "vf: pool of %zu %s, strategy %s, interval %llu s", p->n_slots,
	     p->kind == DAQS_VF_POOL_BRIDGE ? "stand-ins" : "VFs",
	     daqs_vf_strategy_name(p->strategy),
	     (unsigned long long)(p->interval_ns / 1000000000ULL));
	return p;
}

void daqs_vf_pool_free(struct daqs_vf_pool *p)
{
	if (!p)
		return;
	daqs_vf_hotplug_free(p->plug); /* joins the worker: no on_done after this */
	daqs_vf_alloc_free(p->alloc);
	for (size_t i = 0; i < p->n_slots; i++)
		free(p->labels[i]);
	free(p->labels);
	free(p->pci);
	free(p->vf_index);
	free(p->last);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* ---- the step ---- */

static const struct daqs_cycle_vf_vm *view_find(const struct daqs_cycle_vf_vm *v, size_t n,
						const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

/* A completed operation's VM verified its limit since: record plug/unplug-to-verified. */
static void note_verified(struct daqs_vf_pool *p, const struct daqs_cycle_vf_vm *v, size_t n)
{
	for (size_t i = 0; i < p->n_slots; i++) {
		struct slot_op *s = &p->last[i];
		const struct daqs_cycle_vf_vm *x;

		if (!s->have || s->verified_ns || !(x = view_find(v, n, s->vm)))
			continue;
		if (x->verified_ns <= s->end_ns)
			continue;
		s->verified_ns = x->verified_ns;
		lat_add(&p->verified_lat[s->op], (double)(s->verified_ns - s->start_ns) / 1e6);
		plog(p, DAQS_LOG_INFO, "vf: '%s': limit verified %.0f ms after the %s of %s began",
		     s->vm, (double)(s->verified_ns - s->start_ns) / 1e6, daqs_vf_op_name(s->op),
		     p->labels[i]);
	}
}

void daqs_vf_pool_step(struct daqs_vf_pool *p, uint64_t now_ns)
{
	struct daqs_cycle_vf_vm *view;
	struct daqs_vf_alloc_vm *in;
	const struct daqs_vf_alloc_move *moves;
	size_t n, n_moves = 0;

	if (!p || !p->alloc || !p->plug)
		return;
	n = daqs_controller_vf_view(p->ctl, &view);
	in = daqs_calloc(n ? n : 1, sizeof(*in));
	for (size_t i = 0; i < n; i++)
		in[i] = (struct daqs_vf_alloc_vm){
			.id = view[i].name,
			.eligible = view[i].eligible,
			.guarantee = view[i].guarantee,
			.active = view[i].active,
			.pps = isfinite(view[i].pps) && view[i].pps > 0 ? view[i].pps : 0,
		};
	pthread_mutex_lock(&p->lock);
	if (!p->scan_queued) {
		daqs_vf_hotplug_scan(p->plug);
		p->scan_queued = true;
	}
	if (!p->scanned) { /* plan nothing before the devices already plugged are known */
		pthread_mutex_unlock(&p->lock);
		free(in);
		free(view);
		return;
	}
	note_verified(p, view, n);
	if (daqs_vf_alloc_step(p->alloc, in, n, now_ns, &moves, &n_moves) < 0)
		n_moves = 0;
	for (size_t k = 0; k < n_moves; k++) {
		const struct daqs_cycle_vf_vm *v = view_find(view, n, moves[k].vm);
		struct daqs_vf_hotplug_dev dev = { .kind = p->kind, .slot = moves[k].slot };

		memcpy(dev.pci, p->pci[dev.slot], sizeof(dev.pci));
		snprintf(dev.bridge, sizeof(dev.bridge), "%s", p->bridge);
		if (v)
			snprintf(dev.mac, sizeof(dev.mac), "%s", v->mac);
		plog(p, DAQS_LOG_INFO, "vf: %s %s %s '%s': %s", daqs_vf_op_name(moves[k].op),
		     p->labels[dev.slot], moves[k].op == DAQS_VF_PLUG ? "into" : "from",
		     moves[k].vm, moves[k].reason);
		daqs_controller_vf_moving(p->ctl, moves[k].vm);
		daqs_vf_hotplug_submit(p->plug, moves[k].op, moves[k].vm, &dev);
	}
	pthread_mutex_unlock(&p->lock);
	free(in);
	free(view);
}

void daqs_vf_pool_device_event(struct daqs_vf_pool *p, const char *vm, const char *alias,
			       bool removed)
{
	if (p && p->plug)
		daqs_vf_hotplug_device_event(p->plug, vm, alias, removed);
}

/* ---- status ---- */

static struct json_object *lat_json(const struct lat *l)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "count", json_object_new_uint64(l->n));
	json_object_object_add(o, "last_ms", l->n ? json_object_new_double(l->last_ms) : NULL);
	json_object_object_add(o, "mean_ms",
			       l->n ? json_object_new_double(l->sum_ms / (double)l->n) : NULL);
	json_object_object_add(o, "max_ms", l->n ? json_object_new_double(l->max_ms) : NULL);
	return o;
}

static struct json_object *slots_json(struct daqs_vf_pool *p, uint64_t now)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; p->alloc && i < p->n_slots; i++) {
		struct daqs_vf_alloc_slot_info si;
		struct json_object *o = json_object_new_object();
		const struct slot_op *s = &p->last[i];

		daqs_vf_alloc_slot(p->alloc, i, &si);
		json_object_object_add(o, "slot", json_object_new_uint64(i));
		json_object_object_add(o, "label", json_object_new_string(si.label));
		json_object_object_add(o, "state",
				       json_object_new_string(daqs_vf_slot_state_name(si.state)));
		json_object_object_add(o, "holder",
				       si.holder ? json_object_new_string(si.holder) : NULL);
		json_object_object_add(o, "next", si.next ? json_object_new_string(si.next) : NULL);
		json_object_object_add(o, "for_s",
				       json_object_new_double((double)(now - si.since_ns) / 1e9));
		json_object_object_add(o, "reason", json_object_new_string(si.reason));
		if (s->have) {
			struct json_object *l = json_object_new_object();

			json_object_object_add(l, "op",
					       json_object_new_string(daqs_vf_op_name(s->op)));
			json_object_object_add(l, "vm", json_object_new_string(s->vm));
			json_object_object_add(
				l, "device_ms",
				json_object_new_double((double)(s->end_ns - s->start_ns) / 1e6));
			json_object_object_add(
				l, "to_verified_ms",
				s->verified_ns
					? json_object_new_double(
						  (double)(s->verified_ns - s->start_ns) / 1e6)
					: NULL);
			json_object_object_add(o, "last_op", l);
		}
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *vms_json(struct daqs_vf_pool *p)
{
	struct json_object *a = json_object_new_array();
	size_t n = p->alloc ? daqs_vf_alloc_n_vms(p->alloc) : 0;

	for (size_t i = 0; i < n; i++) {
		struct daqs_vf_alloc_vm_info vi;
		struct json_object *o = json_object_new_object();

		if (daqs_vf_alloc_vm_at(p->alloc, i, &vi) < 0)
			continue;
		json_object_object_add(o, "vm", json_object_new_string(vi.id));
		json_object_object_add(o, "holds", json_object_new_boolean(vi.holds));
		json_object_object_add(o, "slot",
				       vi.holds || vi.reserved ? json_object_new_uint64(vi.slot)
							       : NULL);
		json_object_object_add(o, "rank", vi.rank ? json_object_new_uint64(vi.rank) : NULL);
		json_object_object_add(o, "pps", json_object_new_double(vi.rank_pps));
		json_object_object_add(o, "held_s",
				       json_object_new_double((double)vi.held_ns / 1e9));
		json_object_object_add(o, "plug_failures",
				       json_object_new_uint64(vi.plug_failures));
		json_object_object_add(o, "reason", json_object_new_string(vi.reason));
		json_object_array_add(a, o);
	}
	return a;
}

char *daqs_vf_pool_status_json(struct daqs_vf_pool *p)
{
	struct json_object *o = json_object_new_object(), *ops = json_object_new_object();
	struct daqs_vf_alloc_stats st = { 0 };
	uint64_t now = daqs_monotonic_ns();
	char *s;

	pthread_mutex_lock(&p->lock);
	if (p->alloc)
		daqs_vf_alloc_stats(p->alloc, &st);
	json_object_object_add(o, "kind", json_object_new_string(daqs_vf_pool_kind_name(p->kind)));
	json_object_object_add(o, "pf", p->pf[0] ? json_object_new_string(p->pf) : NULL);
	json_object_object_add(o, "bridge",
			       p->bridge[0] ? json_object_new_string(p->bridge) : NULL);
	json_object_object_add(o, "strategy",
			       json_object_new_string(daqs_vf_strategy_name(p->strategy)));
	json_object_object_add(o, "interval_s",
			       json_object_new_double((double)p->interval_ns / 1e9));
	json_object_object_add(o, "min_dwell_s",
			       json_object_new_double((double)p->min_dwell_ns / 1e9));
	json_object_object_add(o, "hysteresis", json_object_new_double(p->hysteresis_ppm / 1e6));
	json_object_object_add(o, "error", json_object_new_string(p->error));
	json_object_object_add(o, "slots", slots_json(p, now));
	json_object_object_add(o, "vms", vms_json(p));
	for (int op = DAQS_VF_PLUG; op <= DAQS_VF_UNPLUG; op++) {
		struct json_object *x = json_object_new_object();

		json_object_object_add(x, "ok", json_object_new_uint64(p->dev_lat[op].n));
		json_object_object_add(x, "failed", json_object_new_uint64(p->failures[op]));
		json_object_object_add(x, "device", lat_json(&p->dev_lat[op]));
		json_object_object_add(x, "to_verified", lat_json(&p->verified_lat[op]));
		json_object_object_add(ops, daqs_vf_op_name((enum daqs_vf_op)op), x);
	}
	json_object_object_add(o, "ops", ops);
	json_object_object_add(o, "decisions", json_object_new_uint64(st.decisions));
	pthread_mutex_unlock(&p->lock);
	s = daqs_strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

char *daqs_vf_pool_metrics(struct daqs_vf_pool *p)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return daqs_strdup("");
	pthread_mutex_lock(&p->lock);
	fprintf(f, "# HELP daqs_vf_ops_total VF hot-plug operations completed, by op and result.\n"
		   "# TYPE daqs_vf_ops_total counter\n");
	for (int op = DAQS_VF_PLUG; op <= DAQS_VF_UNPLUG; op++) {
		const char *name = daqs_vf_op_name((enum daqs_vf_op)op);

		fprintf(f, "daqs_vf_ops_total{op=\"%s\",result=\"ok\"} %llu\n", name,
			(unsigned long long)p->dev_lat[op].n);
		fprintf(f, "daqs_vf_ops_total{op=\"%s\",result=\"failed\"} %llu\n", name,
			(unsigned long long)p->failures[op]);
	}
	fprintf(f, "# HELP daqs_vf_op_seconds_sum Time spent in completed VF operations.\n"
		   "# TYPE daqs_vf_op_seconds_sum counter\n");
	for (int op = DAQS_VF_PLUG; op <= DAQS_VF_UNPLUG; op++)
		fprintf(f, "daqs_vf_op_seconds_sum{op=\"%s\"} %.6f\n",
			daqs_vf_op_name((enum daqs_vf_op)op), p->dev_lat[op].sum_ms / 1e3);
	fprintf(f, "# HELP daqs_vf_to_verified_seconds_max Longest time from a VF operation's "
		   "start until the VM's limit was verified again.\n"
		   "# TYPE daqs_vf_to_verified_seconds_max gauge\n");
	for (int op = DAQS_VF_PLUG; op <= DAQS_VF_UNPLUG; op++)
		fprintf(f, "daqs_vf_to_verified_seconds_max{op=\"%s\"} %.6f\n",
			daqs_vf_op_name((enum daqs_vf_op)op), p->verified_lat[op].max_ms / 1e3);
	pthread_mutex_unlock(&p->lock);
	fclose(f);
	return s;
}
