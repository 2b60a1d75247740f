/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Operator overrides (daqsctl override): per VM, any of class, min, max and
 * weight, in force until cleared or until they expire (wall-clock seconds:
 * they survive a restart through the state file). The table is pure: the
 * caller persists it (state.h) and undoes a change it could not persist.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl.h"
#include "sla.h"

struct daqs_override {
	char vm[DAQS_SLA_NAME_MAX + 1];
	bool has_class, has_min, has_max, has_weight;
	enum daqs_class cls;
	uint64_t min_bps, max_bps; /* max may be DAQS_RATE_UNLIMITED */
	uint32_t weight;
	int64_t expires; /* CLOCK_REALTIME seconds; 0 = until cleared */
};

struct daqs_overrides {
	struct daqs_override *v;
	size_t n, cap;
};

/* A VM present now (or listed in the SLA), for the capacity fit. */
struct daqs_override_vm {
	const char *name;
	const struct daqs_sla_vm *ent; /* its SLA entry; NULL = the defaults */
};

void daqs_overrides_free(struct daqs_overrides *t); /* empties it */
const struct daqs_override *daqs_overrides_find(const struct daqs_overrides *t, const char *vm);
/* Set o for o->vm; *prev gets what was there (*had false: nothing), for daqs_overrides_undo. */
void daqs_overrides_put(struct daqs_overrides *t, const struct daqs_override *o,
			struct daqs_override *prev, bool *had);
/* Drop vm's override into *prev; -ENOENT none. */
int daqs_overrides_drop(struct daqs_overrides *t, const char *vm, struct daqs_override *prev);
/* Put vm's override back to what put/drop reported (had false: none). */
void daqs_overrides_undo(struct daqs_overrides *t, const char *vm, const struct daqs_override *prev,
			 bool had);
/* Drop the ones expired at now_s, calling expired(ud, vm) for each; returns how many. */
size_t daqs_overrides_expire(struct daqs_overrides *t, int64_t now_s,
			     void (*expired)(void *ud, const char *vm), void *ud);

/* What the SLA entry e (NULL: the defaults) plus o (may be NULL) says of VM name. */
void daqs_overrides_effective(const struct daqs_sla *sla, const struct daqs_sla_vm *e,
			      const char *name, const struct daqs_override *o,
			      struct daqs_sla_vm *out);
/* The override a control request asks for (rq->cmd is override), at now_s. */
void daqs_override_from_request(const struct daqs_ctl_request *rq, int64_t now_s,
				struct daqs_override *o);
/*
 * Would o be sound? Its own consistency (min only for guarantees, max >=
 * min, weight range), then the fit: the guarantees on each link, with o in
 * force for o->vm and t's overrides for the others, summed over the VMs in
 * vms (each name once), must not exceed the link's capacity cap_bps[link]
 * (0 = unknown: not checked). 0, or -EINVAL with the reason in why.
 */
int daqs_override_check(const struct daqs_sla *sla, const struct daqs_overrides *t,
			const struct daqs_override *o, const struct daqs_override_vm *vms,
			size_t n_vms, const uint64_t *cap_bps, char *why, size_t why_len);
