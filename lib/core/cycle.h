/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The cycle core (pure): daqsd's guest records and what one period does
 * with them, with no lock, no clock read, no sysfs and no agent call. The
 * threaded driver (lib/driver/controller.c) runs the jobs this module asks
 * for and hands back their results as values; only the cycle thread calls
 * in here (under the driver's lock, so control requests may read).
 *
 * One period:
 *   daqs_cycle_begin      forget what is gone, expire overrides, and list
 *                         the sampling jobs (one per guest that has an agent
 *                         session and is not backed off);
 *   daqs_cycle_sampled    their results (counters, discovery, host counters);
 *   daqs_cycle_vf_pfs / _vf_counters
 *                         host-side counters from the VFs (one PF dump each);
 *   daqs_cycle_decide     estimator, one policy step, and the apply jobs
 *                         (limits that changed or must be verified, and
 *                         re-discoveries);
 *   daqs_cycle_applied    their results;
 *   daqs_cycle_vf_writes / _vf_written
 *                         host-side VF rates to write, then their outcomes;
 *   daqs_cycle_tap_writes / _tap_written
 *                         the same for libvirt VMs' taps (interface parameters);
 *   daqs_cycle_end        the status snapshot and whether the state file is
 *                         due a write.
 *
 * A guest record is a state machine (enum daqs_guest_state, shown in
 * status as "state"):
 *
 *   FIND_IFACE --found--> VERIFY --limit read back and in force--> SHAPED
 *       ^                   ^  ^                                   |  |
 *       |   interface gone  |  '--- failed apply, lost limit, -----'  |
 *       |   or no MAC match |       agent back after an outage,       |
 *       |                   |       periodic verification due         |
 *       |                 REFIND <--- kick, device event, new agent --'
 *       |                   |         session, counters went backwards
 *       '-------------------'         (reboot, re-plug)
 *   NO_EXEC: the agent cannot run tc (guest-exec blocked): measured only,
 *            asked again when a periodic verification is due;
 *   RETIRING: dropped from the SLA: its limit is removed, then GONE;
 *   GONE: forgotten at the next begin (its VF cap reset first).
 * Beside it, the agent's health (enum daqs_agent_health) and a backoff:
 * a guest whose sampling timed out or whose replies were refused (over
 * their bound, qga.h, or not valid: -EPROTO; an apply's -EPROTO too) is
 * skipped for 1, 2, 4 ... periods (at most 5 s) and queued last; a job the
 * workers never started (others took the deadline) leaves it as it was.
 *
 * Problems are logged through cfg.log once per transition, never once per
 * period ("guest 'NAME': ..." lines).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl.h"
#include "domxml.h"
#include "estimator.h"
#include "log_prio.h"
#include "overrides.h"
#include "policy.h"
#include "qga.h"
#include "sla.h"
#include "tapmatch.h"
#include "tcpqueue.h"

#define DAQS_CYCLE_VERIFY_NS (30ULL * 1000000000ULL) /* periodic verification */
/*
 * A VM whose NICs were being swapped settles this long after the last mark
 * (daqs_cycle_vf_moving): a bond's failover to the new NIC, or back to virtio,
 * and a TCP flow's recovery from it (on TCG guests the guest's bond took the
 * plugged NIC up to ~3.5 s after the plug began).
 */
#define DAQS_CYCLE_SETTLE_NS (4ULL * 1000000000ULL)
/* ... but no longer than this in a row (moves back to back: a short interval, failed unplugs) */
#define DAQS_CYCLE_SETTLE_MAX_NS (15ULL * 1000000000ULL)
/*
 * A VM found sending well above the limit in force (its tc changed in the
 * guest, limit_lost) that has a VF gets its limit on the VF as well, for
 * this long after the last time: a host-side rate the guest cannot change.
 */
#define DAQS_CYCLE_TAMPER_HOLD_NS (300ULL * 1000000000ULL)
/* A tap whose rate could not be set is tried again this long after (its limit in the guest) */
#define DAQS_CYCLE_TAP_RETRY_NS (30ULL * 1000000000ULL)
/*
 * libvirt's interface parameters count in "kilobytes" per second, which it
 * hands to tc as "kbps": 1000 bytes, 8000 bit/s (measured here with
 * `virsh domiftune --inbound 25000`: tc shows "rate 200Mbit"). The outbound
 * burst daqsd writes is a tenth of the average in libvirt's burst "kb",
 * which tc reads as 1024 bytes: 102.4 ms of it (at least 16 kB); libvirt's
 * own default is a whole second, which lets a guest send twice its limit for
 * a second after idling.
 */
#define DAQS_TAP_KBPS_BITS 8000ULL
#define DAQS_TAP_BURST_DIV 10ULL
#define DAQS_TAP_BURST_MIN_KB 16ULL

enum daqs_guest_state {
	DAQS_GUEST_FIND_IFACE, /* no interface to shape known: sampling discovers it first */
	DAQS_GUEST_VERIFY,     /* interface known, the limit in the guest not: read back, enforce */
	DAQS_GUEST_REFIND,     /* interface to be found again: sampled on the old one, re-found and
				  verified in the apply phase */
	DAQS_GUEST_SHAPED,     /* the limit is verified in force */
	DAQS_GUEST_NO_EXEC,    /* the agent cannot run tc: measured only */
	DAQS_GUEST_RETIRING,   /* dropped from the SLA: its limit is being removed */
	DAQS_GUEST_GONE,       /* forgotten at the next begin */
};

enum daqs_agent_health {
	DAQS_AGENT_UNKNOWN,	  /* never asked */
	DAQS_AGENT_OK,		  /* the last call worked */
	DAQS_AGENT_NOT_CONNECTED, /* not listening, gone away */
	DAQS_AGENT_ERROR,	  /* timed out, refused, garbage */
};

struct daqs_cycle_cfg {
	enum daqs_policy_kind kind;
	daqs_log_fn log; /* may be NULL */
	void *log_ud;
	bool vf_rates;	/* host-side VF rates can be written (the driver has a PF adapter) */
	bool tap_rates; /* libvirt VMs' tap rates can be written (the driver has a tap adapter) */
};

enum daqs_cycle_job_kind {
	DAQS_JOB_SAMPLE, /* [discover,] read the counters [, the host's counters] */
	DAQS_JOB_APPLY,	 /* [discover,] [read back,] put the limit in force */
};

/* What the driver runs against the guest's agent session (user). */
struct daqs_cycle_job {
	enum daqs_cycle_job_kind kind;
	void *user;			/* the driver's session handle of the guest */
	const void *rec;		/* the core's record (opaque to the driver) */
	bool discover;			/* find the interface first */
	char iface_cfg[DAQS_IFNAMSIZ];	/* the SLA's interface ("": find it by mac) */
	char mac[18];			/* the MAC to find it by ("" none) */
	char iface[DAQS_IFNAMSIZ];	/* the interface known so far ("" none) */
	char host_iface[DAQS_IFNAMSIZ]; /* sample: read these host counters too ("" none), and
					   return the guest's interfaces (nics), even when
					   discovery found no single one */
	bool tcp_queue;			/* sample: read the guest's TCP queueing delay too */
	bool enforce;			/* apply: put limit_bps in force (else discovery alone) */
	bool verify;			/* apply: read the guest's tc back first */
	bool ask_info;			/* apply: the agent was limited: ask guest-info again */
	uint64_t limit_bps;		/* apply; DAQS_RATE_UNLIMITED removes our HTB */
	uint32_t burst_us;		/* HTB burst for the plan */
};

/* What happened, as a value (the driver fills it; zero it first). */
struct daqs_cycle_result {
	bool ran; /* the job was started before its deadline */
	int r;	  /* 0 / -errno of the job as a whole (-ETIMEDOUT when not run) */
	/* discovery, when asked */
	int discover_r;		   /* 0 found; -ENOENT no interface has the MAC; -ENOTUNIQ
					   several do; -ENODEV neither interface nor MAC known;
					   other: the agent failed (the interface is kept) */
	char iface[DAQS_IFNAMSIZ]; /* found */
	char kind[16];		   /* bond, virtio, vf, virtual, other; "" could not ask */
	/* sample */
	int iface_r;		/* 0 listed with stats; -ENODEV not listed; -ENODATA no stats */
	struct daqs_sample smp; /* when r == 0 (t_ns: when the reply arrived) */
	int host_r;		/* host counters: 0, or -errno (not asked: 0 and t_ns 0) */
	struct daqs_sample hsmp;
	/* with host counters: the guest's interfaces that have stats, to tell which tracks them */
	struct daqs_qga_iface nics[DAQS_TAPMATCH_MAX];
	size_t n_nics;
	int tcpq_r;		   /* TCP queueing delay, when asked: 0, or -errno */
	struct daqs_tcpqueue tcpq; /* when tcpq_r == 0 */
	/* apply */
	bool apply_ran; /* a tc batch ran */
	/* always */
	bool limited;  /* the agent session knows guest-exec is disabled */
	char msg[256]; /* the first problem the agent layers reported during the job, or "" */
};

/* Host-side counters of one VF, from one dump of its PF (the driver converts). */
struct daqs_cycle_vf_stat {
	uint32_t index;
	bool have_stats;
	struct daqs_counters c;
};

/* A VF rate to write (Mbit/s; the driver does the read-modify-write). */
struct daqs_cycle_vf_write {
	const void *rec;
	char pf[DAQS_IFNAMSIZ];
	uint32_t idx;
	uint32_t max_mbps; /* 0 = no cap */
	uint32_t min_mbps;
	bool with_min;		/* write the min too (else the min is left as it is) */
	bool release;		/* daqsd stops using this VF: back to no cap (and no min of ours) */
	enum daqs_vf_lever pin; /* the SLA's vf_lever: which lever may write (0: auto) */
	/* its tenant group as a devlink rate node (after the rates): set_group */
	bool set_group;
	char group[DAQS_SLA_GROUP_NAME_MAX + 1]; /* "" out of any node of ours */
	uint32_t group_share_mbps, group_max_mbps;
	/* out */
	int group_r;	     /* set_group's 0 / -errno (-EOPNOTSUPP: no rate leaf) */
	char group_why[224]; /* its failure, with the kernel's message */
	int r;		     /* 0 / -errno */
	bool min_refused;    /* the NIC refused the min: the max alone is in force */
	char lever[96];	     /* how it was written: "legacy", "devlink BUS/DEV/PORT" ("" unknown) */
};

/*
 * A libvirt VM's tap rate to write, through its domain's interface
 * parameters: the outbound direction (what the guest transmits), in
 * libvirt's units. Who: enforce: host, or a backstop while the guest cannot
 * be trusted to enforce (as for a VF, which wins where the VM has one), when
 * one tap carries all of the VM's traffic (NIC types bridge, network,
 * direct, ethernet). A failed write is said once; the limit then goes into
 * the guest and the tap is tried again after DAQS_CYCLE_TAP_RETRY_NS.
 */
struct daqs_cycle_tap_write {
	const void *rec;
	char vm[DAQS_SLA_NAME_MAX + 1];
	char uuid[37];		 /* the domain ("" unknown: by name) */
	char dev[DAQS_IFNAMSIZ]; /* its tap */
	uint64_t out_kBps;	 /* outbound average, kB/s (DAQS_TAP_KBPS_BITS); 0 = no cap */
	uint64_t out_burst_kB;	 /* its burst (0 with no cap) */
	bool release;		 /* daqsd stops using this tap: back to no cap */
	/* out */
	int r;	       /* 0 / -errno */
	char msg[256]; /* libvirt's message when r < 0 ("" none) */
};

/* bit/s as libvirt's kB/s (rounded down, at least 1); DAQS_RATE_UNLIMITED -> 0 (none). */
uint64_t daqs_tap_kBps(uint64_t bps);
/* The burst written with an average of kBps (kB). */
uint64_t daqs_tap_burst_kB(uint64_t kBps);

/* A socket guest of the SLA and the agent path its session must use. */
struct daqs_cycle_socket {
	char name[DAQS_SLA_NAME_MAX + 1];
	const char *path; /* the SLA's agent: (valid until the next set_sla) */
	void *user;	  /* the session it has now (NULL none) */
};

/* What the VF pool needs of a guest. */
struct daqs_cycle_vf_vm {
	char name[DAQS_SLA_NAME_MAX + 1];
	char mac[18];
	bool eligible; /* SLA vf: true, a libvirt domain, its MAC known */
	bool guarantee;
	bool active;	      /* a Guarantee VM whose policy mode is not idle */
	double pps;	      /* tx + rx packets/s over the last interval (0 unknown) */
	uint64_t verified_ns; /* last time its limit was applied or read back */
};

/* A limit known in force, for the state file. */
struct daqs_cycle_limit {
	char vm[DAQS_SLA_NAME_MAX + 1];
	char iface[DAQS_IFNAMSIZ];
	uint64_t limit_bps;
};

struct daqs_cycle;

/* sla is owned from here on. Socket guests of the SLA get records (no session yet). */
struct daqs_cycle *daqs_cycle_new(const struct daqs_cycle_cfg *cfg, struct daqs_sla *sla);
void daqs_cycle_free(struct daqs_cycle *c);

/* ---- events (applied by the cycle thread between periods) ---- */

/*
 * Swap in a new SLA (owned; the old one is freed): entries re-bound by
 * name/uuid, socket guests created or retired, the policy re-bound (or
 * started afresh when the links changed).
 */
void daqs_cycle_set_sla(struct daqs_cycle *c, struct daqs_sla *sla);
const struct daqs_sla *daqs_cycle_sla(const struct daqs_cycle *c);
/*
 * A running libvirt domain (new, or its details changed): nics, its live
 * XML's NICs (NULL: unknown), give the MAC to discover the guest's interface
 * by (the first NIC's, unless the SLA names one) and the tap whose counters
 * measure it (host_counters: auto).
 */
void daqs_cycle_upsert(struct daqs_cycle *c, const char *name, const char *uuid,
		       const struct daqs_domxml_nics *nics);
/* The libvirt domain stopped: GONE. Socket guests ignore it. */
void daqs_cycle_remove(struct daqs_cycle *c, const char *name);
/*
 * The guest has a new agent session: find and verify again. *old gets the
 * session it had (NULL none), for the driver to close. -ENOENT unknown name.
 */
int daqs_cycle_attach(struct daqs_cycle *c, const char *name, void *user, void **old);
/* Re-find the interface and verify the limit at the next period. */
void daqs_cycle_kick(struct daqs_cycle *c, const char *name);
/* The vf_pool VF the VM holds now (pf NULL: none). host_vf in the SLA wins. */
void daqs_cycle_set_vf(struct daqs_cycle *c, const char *name, const char *pf, uint32_t vf);
/*
 * A plug or unplug of one of the VM's NICs begins or ends (the VF pool says
 * both): until DAQS_CYCLE_SETTLE_NS after the last mark, and for at most
 * DAQS_CYCLE_SETTLE_MAX_NS in a row, the policy takes its rate as no measure
 * of its demand (policy.h: settling).
 */
void daqs_cycle_vf_moving(struct daqs_cycle *c, const char *name);
/* A link's capacity read at run time (capacity: auto): bps, or err (-errno) when unreadable. */
void daqs_cycle_link_speed(struct daqs_cycle *c, size_t link, uint64_t bps, int err);
/* Show why the last reload was refused ("" none). */
void daqs_cycle_set_sla_error(struct daqs_cycle *c, const char *msg);
/* The state file was written (r 0), or not (-errno, why says why: status, logged once). */
void daqs_cycle_state_saved(struct daqs_cycle *c, int r, const char *why);

/* ---- one period ---- */

/*
 * now_ns monotonic, now_s wall clock (override expiry). *jobs (caller
 * frees) are the sampling jobs; *dropped (caller frees the array) the
 * sessions of the records forgotten now, for the driver to close.
 */
size_t daqs_cycle_begin(struct daqs_cycle *c, uint64_t now_ns, int64_t now_s,
			struct daqs_cycle_job **jobs, void ***dropped, size_t *n_dropped);
void daqs_cycle_sampled(struct daqs_cycle *c, const struct daqs_cycle_job *jobs,
			const struct daqs_cycle_result *res, size_t n);
/* PFs whose VF counters some VM needs (pfs[max]); returns how many. */
size_t daqs_cycle_vf_pfs(const struct daqs_cycle *c, char (*pfs)[DAQS_IFNAMSIZ], size_t max);
/* One PF's dump (n VFs, or err -errno when it failed), taken at t_ns. Call after sampled. */
void daqs_cycle_vf_counters(struct daqs_cycle *c, const char *pf,
			    const struct daqs_cycle_vf_stat *vfs, size_t n, uint64_t t_ns);
/* now_ns: when sampling ended. *jobs (caller frees): the apply jobs. */
size_t daqs_cycle_decide(struct daqs_cycle *c, uint64_t now_ns, int64_t now_s,
			 struct daqs_cycle_job **jobs);
void daqs_cycle_applied(struct daqs_cycle *c, const struct daqs_cycle_job *jobs,
			const struct daqs_cycle_result *res, size_t n, uint64_t now_ns);
/* The VF writes this period needs (releases first); *w caller frees. */
/*
 * The PFs to probe for their levers (pf_caps.h): every link's device, and
 * the PFs of the VFs daqsd uses. Their probes go to daqs_cycle_pf_caps (a
 * change is logged), and show in the status.
 */
size_t daqs_cycle_probe_pfs(const struct daqs_cycle *c, char (*pfs)[DAQS_IFNAMSIZ], size_t max);
struct daqs_pf_caps;
void daqs_cycle_pf_caps(struct daqs_cycle *c, const struct daqs_pf_caps *caps, size_t n);
size_t daqs_cycle_vf_writes(struct daqs_cycle *c, struct daqs_cycle_vf_write **w);
void daqs_cycle_vf_written(struct daqs_cycle *c, const struct daqs_cycle_vf_write *w, size_t n);
/* The tap writes this period needs (releases first); *w caller frees. now_ns: when written. */
size_t daqs_cycle_tap_writes(struct daqs_cycle *c, struct daqs_cycle_tap_write **w,
			     uint64_t now_ns);
void daqs_cycle_tap_written(struct daqs_cycle *c, const struct daqs_cycle_tap_write *w, size_t n,
			    uint64_t now_ns);
/* Publish the status snapshot; true when the state file is due a write. */
bool daqs_cycle_end(struct daqs_cycle *c, double cycle_ms);

/* ---- shutdown ---- */

/* Apply jobs removing every limit in force (--on-exit remove), and the VF releases. */
size_t daqs_cycle_remove_all(struct daqs_cycle *c, struct daqs_cycle_job **jobs,
			     struct daqs_cycle_vf_write **w, size_t *n_w);
void daqs_cycle_removed(struct daqs_cycle *c, const struct daqs_cycle_job *jobs,
			const struct daqs_cycle_result *res, size_t n);
/* The tap releases of --on-exit remove (*w caller frees); their outcomes: _tap_written. */
size_t daqs_cycle_tap_remove_all(struct daqs_cycle *c, struct daqs_cycle_tap_write **w);

/* Every record's session (set to NULL), for the driver to close before daqs_cycle_free. */
void **daqs_cycle_drop_all(struct daqs_cycle *c, size_t *n);

/* ---- queries and control (under the driver's lock, any thread) ---- */

const struct daqs_ctl_status *daqs_cycle_status(const struct daqs_cycle *c);
bool daqs_cycle_known(const struct daqs_cycle *c, const char *name); /* a guest or an SLA entry */
uint64_t daqs_cycle_period_ns(const struct daqs_cycle *c);
uint64_t daqs_cycle_count(const struct daqs_cycle *c);
/* *out caller frees; returns how many. */
size_t daqs_cycle_vf_view(const struct daqs_cycle *c, struct daqs_cycle_vf_vm **out);
size_t daqs_cycle_sockets(const struct daqs_cycle *c, struct daqs_cycle_socket **out);
size_t daqs_cycle_libvirt_names(const struct daqs_cycle *c, char ***names);
size_t daqs_cycle_limits(const struct daqs_cycle *c, struct daqs_cycle_limit **out);
const struct daqs_overrides *daqs_cycle_overrides(const struct daqs_cycle *c);
/* Restored from the state file at start (o owned from here on); expired ones dropped. */
void daqs_cycle_restore_overrides(struct daqs_cycle *c, struct daqs_overrides *o, int64_t now_s);
/*
 * Set (or clear, o NULL) vm's override, checked like daqs_override_check;
 * the previous value goes into *undo (give it to daqs_cycle_override_undo
 * when the state file cannot take the change). 0, -ENOENT unknown VM or no
 * override to clear, -EINVAL refused (why says why).
 */
struct daqs_cycle_undo {
	char vm[DAQS_SLA_NAME_MAX + 1];
	struct daqs_override prev;
	bool had;
};
int daqs_cycle_override(struct daqs_cycle *c, const struct daqs_override *o,
			struct daqs_cycle_undo *undo, char *why, size_t why_len);
int daqs_cycle_clear_override(struct daqs_cycle *c, const char *vm, struct daqs_cycle_undo *undo,
			      char *why, size_t why_len);
void daqs_cycle_override_undo(struct daqs_cycle *c, const struct daqs_cycle_undo *undo);

const char *daqs_guest_state_name(enum daqs_guest_state s);
const char *daqs_agent_health_name(enum daqs_agent_health h);
