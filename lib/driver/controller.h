/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The controller: the threaded driver of daqsd's per-period work, around
 * the pure cycle core (cycle.h), which holds the guest records and decides
 * everything. This file owns the lock, the agent sessions, the worker pool
 * (poller.h), the state file (state.h) and the sysfs/netlink adapters.
 *
 * One cycle (daqs_controller_cycle), phases as in cycle.h:
 *   0. the queued events (upsert, remove, kick, VF, SLA swap) are applied to
 *      the records: only the cycle thread changes them;
 *   1. sample: every guest, in parallel on the poller, reads its interface
 *      counters through its agent (discovering the interface first when
 *      needed); the timestamp is taken when each reply arrives;
 *   2. decide: estimator per guest, then one policy step for all (policy.h);
 *   3. enforce: the guests whose limit changed, or must be re-verified, get
 *      daqs_guest_tc_apply in parallel (it reads back first and runs tc only
 *      when the limit in force differs);
 *   4. publish: the status snapshot control clients read, and the state file
 *      when overrides or limits in force changed.
 * Workers get copies (struct daqs_cycle_job) and return values (struct
 * daqs_cycle_result); they never touch a record. The lock is never held
 * while an agent is called, so control requests and guest add/remove (from
 * the event loop) never wait on a guest; events take effect at the next
 * period.
 *
 * Guests: VMs with `agent:` in the SLA are created from the SLA (raw socket
 * transport) and reconciled on every SLA swap; libvirt domains are added
 * and removed by the caller (daqs_controller_upsert / _remove). A guest is
 * keyed by name; an upsert of a known name replaces its transport but keeps
 * its estimator, policy state and limit in force (libvirt reconnect).
 *
 * Re-verification (a tc_apply even when the policy did not change the
 * limit): the first successful sample of a guest, a counter reset (reboot,
 * re-plug), the interface changing, daqs_controller_kick (agent connected,
 * device added/removed), and every DAQS_CONTROLLER_VERIFY_NS.
 *
 * Host-side VF rates (cfg.pf): a VM with a VF (host_vf in the SLA, or one
 * of the vf_pool) has the VF's max_tx_rate set to its limit (Mbps, rounded
 * down, at least 1) when its SLA says enforce: vf or both, and as a backstop
 * when it says guest but the guest cannot be trusted to enforce it (agent
 * limited, not answering, or its counters disagree with the host's). With
 * enforce: vf the guest gets no tc while the VF is there, and gets it back
 * when the VM holds no VF (the limit never lapses). A VF daqsd stops using
 * is reset to no cap. Rates are written after the apply phase, outside the
 * lock, by read-modify-write of both rates (the min is left alone).
 *
 * Errors: 0 / -errno; problems are logged once per transition through the
 * log callback ("guest 'NAME': ..." lines), never once per cycle.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent.h"
#include "ctl.h"
#include "cycle.h"
#include "domains.h"
#include "link_speed.h"
#include "log_prio.h"
#include "pf_netlink.h"
#include "policy.h"
#include "sla.h"
#include "tap_rate.h"

#define DAQS_CONTROLLER_VERIFY_NS DAQS_CYCLE_VERIFY_NS

struct daqs_controller_cfg {
	enum daqs_policy_kind kind;
	unsigned workers;      /* poller threads (0 = DAQS_POLLER_MAX_WORKERS) */
	const char *state_dir; /* NULL = no persistence */
	void (*log)(void *ud, enum daqs_log_prio prio, const char *msg);
	void *log_ud;
	/*
	 * The PF adapter (pf.h) for host-side VF rates, or NULL: then VMs whose
	 * SLA says enforce: vf|both are enforced in the guest and report why.
	 */
	struct daqs_pf *pf;
	/*
	 * The tap adapter (tap_rate.h) for libvirt VMs' tap rates, or NULL:
	 * then VMs whose SLA says enforce: host are enforced in the guest.
	 */
	struct daqs_tap *tap;
	/* capacity: auto links' speed; NULL = the kernel's (sysfs) */
	const struct daqs_link_speed *speed;
};

struct daqs_controller;

/* sla is owned from here on. -errno (state dir unusable: reported). */
int daqs_controller_new(const struct daqs_controller_cfg *cfg, struct daqs_sla *sla,
			struct daqs_controller **out);
void daqs_controller_free(struct daqs_controller *c);

/*
 * Swap in a new SLA (owned from here on; the old one is freed): VMs are
 * re-bound by name/uuid, socket guests reconciled (new ones created, dropped
 * ones have their limit removed by the next cycle and are then forgotten).
 * When the links changed (names or count) the policy starts afresh.
 */
void daqs_controller_set_sla(struct daqs_controller *c, struct daqs_sla *sla);
const char *daqs_controller_sla_file(struct daqs_controller *c); /* for the caller's reload */
void daqs_controller_set_sla_error(struct daqs_controller *c,
				   const char *msg); /* shown in status */

/*
 * libvirt domains. make(arg, log, log_ud) builds the guest's transport with
 * the controller's log callback (so its failures are reported once per
 * transition, not once per call); nics (the domain XML's NICs) may be NULL.
 */
int daqs_controller_upsert(struct daqs_controller *c, const char *name, const char *uuid,
			   daqs_transport_maker make, void *arg,
			   const struct daqs_domxml_nics *nics);
void daqs_controller_remove(struct daqs_controller *c, const char *name);
/* The sink the libvirt domains adapter (domains.h) feeds: upsert, remove, kick, names. */
struct daqs_domains_sink daqs_controller_domains_sink(struct daqs_controller *c);
/* Names of guests added by upsert (caller frees the array and strings). */
size_t daqs_controller_libvirt_names(struct daqs_controller *c, char ***names);
/* Re-discover the interface and re-verify the limit at the next cycle. */
void daqs_controller_kick(struct daqs_controller *c, const char *name);
/* What the VF pool (vf_pool.h) needs of every guest, copied under the lock. */
/* *out malloc'd (caller frees); returns how many. */
size_t daqs_controller_vf_view(struct daqs_controller *c, struct daqs_cycle_vf_vm **out);
/*
 * The VF of the vf_pool that vm holds now (pf NULL: none any more). Its
 * rate is set from the VM's limit at the next cycle when the VM's SLA says
 * enforce: vf|both (or as the backstop below), and cleared when the VM lets
 * it go. A VF given in the SLA (host_vf) wins over this.
 */
void daqs_controller_set_vf(struct daqs_controller *c, const char *vm, const char *pf, uint32_t vf);
/* A plug or unplug of one of vm's NICs begins (daqs_cycle_vf_moving). */
void daqs_controller_vf_moving(struct daqs_controller *c, const char *name);

/* One cycle; now_ns = when it started (CLOCK_MONOTONIC). */
void daqs_controller_cycle(struct daqs_controller *c, uint64_t now_ns);
/* Remove every limit daqs put in force (shutdown with --on-exit remove). */
void daqs_controller_remove_limits(struct daqs_controller *c, uint64_t deadline_ns);

/* Control verbs. why receives the reason for a refusal. */
int daqs_controller_override(struct daqs_controller *c, const struct daqs_ctl_request *rq,
			     char *why, size_t why_len);
int daqs_controller_clear(struct daqs_controller *c, const char *vm, char *why, size_t why_len);
/* The last cycle's snapshot as a reply line (vm "" = all). -ENOENT unknown VM. */
int daqs_controller_status_line(struct daqs_controller *c, const char *vm, char **line);
uint64_t daqs_controller_cycles(struct daqs_controller *c);
uint64_t daqs_controller_period_ns(struct daqs_controller *c);
