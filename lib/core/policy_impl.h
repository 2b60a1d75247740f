/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private to the policy_*.c files: the engine object and per-kind steps. */
#pragma once

#include "policy.h"

/*
 * daqs-closed's probe of an understated link (policy_daqs.c, learn_over):
 * since when only the VMs' own limits have held them back (0: not so now),
 * since when the link has (0: not so now), and the rise awaiting its verdict
 * (rise_ns 0: none): the link's raw total and the sum of the limits in force
 * when it was made, and by how much it raised the plan.
 */
struct daqs_over_probe {
	uint64_t held_ns, unheld_ns, rise_ns;
	double base_bps, base_limits_bps, step_bps;
};

struct daqs_policy {
	enum daqs_policy_kind kind;
	const struct daqs_sla *sla;
	size_t n_links;
	uint64_t *capacity_bps; /* per link; starts from the SLA */
	struct daqs_policy_link_status *status;
	double *paper_r;      /* daqs-paper: regulated BE aggregate per link, Gibit/s; < 0 = none */
	double *cap_eff;      /* daqs: capacity the link was found to deliver; 0 = not learned */
	uint64_t *cap_eff_ns; /* when cap_eff was last lowered or raised */
	struct daqs_over_probe *over; /* daqs-closed: is there room above the capacity? */
	double *scale; /* learned counter scale per link (counters / wire), 1 at start */
	/* tenant groups (policy_group.c): members' entries with their shares, for one step */
	struct daqs_sla_vm *gvm;
	const struct daqs_sla_vm **gorig; /* the entries they stand in for (NULL: not swapped) */
	size_t n_gvm;
};

/*
 * Around each step: put every group member's share of its group's min and
 * max in place of its own (vms[i].sla points to a copy), and set each VM's
 * share_min_bps/share_max_bps; then put the SLA's entries back.
 */
void daqs_policy_groups_begin(struct daqs_policy *p, struct daqs_policy_vm *vms, size_t n);
void daqs_policy_groups_end(struct daqs_policy *p, struct daqs_policy_vm *vms, size_t n);

/* Each kind decides vms[i].limit_bps for the VMs on `link` (others are skipped). */
void daqs_policy_step_daqs(struct daqs_policy *p, size_t link, struct daqs_policy_vm *vms, size_t n,
			   uint64_t now_ns);
void daqs_policy_step_paper(struct daqs_policy *p, size_t link, struct daqs_policy_vm *vms,
			    size_t n, uint64_t now_ns);
void daqs_policy_step_static(struct daqs_policy *p, size_t link, struct daqs_policy_vm *vms,
			     size_t n, uint64_t now_ns);
void daqs_policy_step_none(struct daqs_policy *p, size_t link, struct daqs_policy_vm *vms, size_t n,
			   uint64_t now_ns);

/* Clamp a rate in bit/s (double) to a limit value; INFINITY -> unlimited. */
uint64_t daqs_policy_to_limit(double bps);
/* Set vm->limit_bps = want, vm->apply = true, st.limit_bps = want when it differs from st.limit_bps. */
void daqs_policy_set_exact(struct daqs_policy_vm *vm, uint64_t want);
