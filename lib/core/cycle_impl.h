/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private to cycle.c, period.c, vf_use.c and snapshot.c: the records. */
#pragma once

#include "admission.h"
#include "crosscheck.h"
#include "cycle.h"
#include "pf_caps.h"
#include "problem.h"

/* One VM's host-side VF: the rate daqsd writes there, and the counters it reads. */
struct daqs_vfuse {
	char pool_pf[DAQS_IFNAMSIZ]; /* the vf_pool's VF it holds ("" none) */
	uint32_t pool_idx;
	char pf[DAQS_IFNAMSIZ]; /* the VF whose rate we set ("" none) */
	uint32_t idx;
	uint32_t mbps;		/* the max_tx_rate written there (0 = no cap) */
	uint32_t min;		/* the min_tx_rate written there (0 = none) */
	bool use;		/* this period: the policy's limit goes on the VF */
	bool failing;		/* a write failed (reported) */
	bool min_refused;	/* the NIC refused a min: the max alone from now on */
	char lever[96];		/* the lever of the last write (struct daqs_cycle_vf_write) */
	enum daqs_vf_lever pin; /* the SLA's vf_lever it was written with */
	char why[96];		/* why the VF carries the limit, or "" */
	bool release_tried;	/* GONE: its release was written (or failed): the record may go */
	/* its tenant group's devlink rate node (pf_netlink.h set_group) */
	char node[DAQS_SLA_GROUP_NAME_MAX + 1]; /* the group whose node its leaf is in ("" none) */
	uint32_t node_share, node_max;		/* the node's rates written (Mbps, 0 none) */
	bool node_none;				/* the VF has no rate leaf: no node lever */
	bool node_failing;			/* putting it there failed (reported) */
	/* host-side counters from the VF (no host_interface) */
	bool count;	/* they are the VM's host counters now */
	char label[48]; /* "VF N of PF" counted ("" none) */
	bool moved;	/* they advanced since the VF was first seen (a NIC may report 0s) */
	bool dumped;	/* this period: its PF was dumped */
	struct daqs_counters first;
};

/* One libvirt VM's tap as a host lever: the outbound rate daqsd writes there (tap_use.c). */
struct daqs_tapuse {
	char dev[DAQS_IFNAMSIZ];      /* the tap whose outbound rate we set ("" none) */
	uint64_t kBps;		      /* the outbound average written there (0 = no cap) */
	bool use;		      /* this period: the policy's limit goes on the tap */
	char want_dev[DAQS_IFNAMSIZ]; /* ... this one */
	bool failing;		      /* a write failed (reported) */
	char err[160];		      /* ... with this message */
	uint64_t retry_ns;	      /* failing: not used again before this (monotonic) */
	bool waiting;		      /* this period: failing and before retry_ns (no write) */
	uint64_t now_ns;	      /* when the writes were last planned */
	char why[96];		      /* why the tap carries the limit, or "" */
};

struct daqs_gvm {
	char name[DAQS_SLA_NAME_MAX + 1];
	char uuid[37];
	bool libvirt;	  /* from upsert (else from the SLA's agent:) */
	char *agent_path; /* socket guests */
	void *user;	  /* the driver's agent session; NULL: none yet */
	enum daqs_guest_state state;
	enum daqs_agent_health health;
	bool limited;		/* the session knows guest-exec is disabled (agent-limited) */
	unsigned backoff, skip; /* timed-out guests are asked less often */
	unsigned retire_tries;
	/* where to shape */
	char dom_mac[18]; /* the libvirt domain's (its XML) */
	char mac[18];	  /* the one to find the interface by: the SLA's, else the domain's */
	char iface_cfg[DAQS_IFNAMSIZ];
	char iface[DAQS_IFNAMSIZ];
	char kind[16];
	char host_iface[DAQS_IFNAMSIZ]; /* the SLA's host_interface, else the tap (host_auto) */
	bool host_auto;			/* host_iface is the tap found in the domain XML */
	struct daqs_domxml_nics nics;	/* the domain XML's NICs (libvirt guests) */
	/* its SLA entry from nics.meta, when that is the one in force (sla_source) */
	struct daqs_sla_vm meta_ent;
	char sla_source[16];	    /* file | metadata | defaults */
	char meta_error[384];	    /* why its metadata is refused or ignored ("" none) */
	char sla_said[384];	    /* what was last logged about its SLA's source */
	struct daqs_tapmatch tm;    /* which guest interface tracks host_iface */
	char pinned[DAQS_IFNAMSIZ]; /* the one that did when MAC or SLA pointed elsewhere */
	/* measurement */
	struct daqs_estimator est;  /* the agent's counters */
	struct daqs_estimator hest; /* the host's (host_interface or the VF) */
	struct daqs_sample hsmp;    /* this period's host sample */
	int host_r;		    /* and its read: 0 or -errno */
	bool host_failing;	    /* reported */
	int tcpq_r;		    /* the last read of its TCP queueing delay: 0 or -errno */
	unsigned tcpq_skip;	    /* periods before it is asked again after a failed read */
	struct daqs_crosscheck xc;
	/* counted since the record was made: the deltas of the estimator its rates come from */
	struct daqs_counters total;
	struct daqs_counters est_seen, hest_seen; /* est.total and hest.total when last counted */
	/* SLA */
	const struct daqs_sla_vm *ent; /* its entry in the SLA in force; NULL = defaults */
	struct daqs_sla_vm eff;	       /* that entry (or defaults) with any override applied */
	bool overridden;
	int64_t override_left_s;
	struct daqs_policy_vm pv;
	/* the limit in force in the guest */
	uint64_t in_force;
	bool in_force_known;
	uint64_t in_force_ns;	  /* since when */
	uint64_t verified_ns;	  /* last read back or applied */
	unsigned over;		  /* consecutive rates well above in_force */
	uint64_t limit_lost;	  /* times found sending well above it */
	uint64_t tamper_until_ns; /* monotonic: the VF backstops its limit until then (limit lost) */
	/* this period */
	bool sampled;	 /* a sampling job ran for it */
	int sample_r;	 /* its outcome */
	bool applying;	 /* an apply job enforces target */
	bool changing;	 /* and target is a new limit the policy decided (its apply) */
	uint64_t target; /* the limit that job puts in force */
	/* status */
	struct daqs_problem prob;
	uint64_t agent_errors, applies;
	uint64_t limit_changes; /* new limits the policy decided put in force in the guest */
	struct daqs_vfuse vf;
	struct daqs_tapuse tap;
	/* NICs being swapped (a VF plug or unplug): the policy's settling (policy.h) */
	bool move_mark;		 /* one began or ended since the last period */
	uint64_t moved_ns;	 /* the period that saw the last mark (0 = none) */
	uint64_t settle_from_ns; /* the period that began this settling (0 = not settling) */
};

struct daqs_cycle {
	struct daqs_cycle_cfg cfg;
	struct daqs_sla *sla;
	struct daqs_policy *policy;
	struct daqs_gvm **v;
	size_t n, cap;
	struct daqs_overrides ovr;
	bool state_dirty;
	uint64_t cycles;
	char sla_error[512];
	char state_error[512];
	uint64_t *speed_bps;	     /* per link: capacity: auto, last read (0 unknown) */
	struct daqs_pf_caps *pfcaps; /* the PFs as last probed (daqs_cycle_pf_caps) */
	bool *pf_rule_said;	     /* ... per PF: its driver's rule broken, and said */
	size_t n_pfcaps;
	int *speed_err;
	bool *speed_seen;
	uint64_t *link_tx_bytes; /* per link: its live VMs' transmitted bytes (see counted()) */
	struct daqs_ctl_status snap;
};

void daqs_cycle_log(const struct daqs_cycle *c, enum daqs_log_prio prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void daqs_gvm_free(struct daqs_gvm *v);
/* Find the interface again (if one is known) and verify the limit; not for RETIRING, GONE. */
void daqs_gvm_refind(struct daqs_gvm *v);
struct daqs_gvm *daqs_cycle_find(const struct daqs_cycle *c, const char *name);
/* The rates decisions use: the host's counters when there and measured, else the agent's. */
const struct daqs_estimator *daqs_gvm_rates(const struct daqs_gvm *v);
/* The min the policy planned v with: its entry's, or its share of its tenant group's. */
uint64_t daqs_gvm_min(const struct daqs_gvm *v);
bool daqs_gvm_has_host(const struct daqs_gvm *v);
const char *daqs_gvm_host_name(const struct daqs_gvm *v);
/*
 * Whether a tap can carry all of the VM's traffic: not while the domain has a
 * hostdev, the VM holds a VF, or it is shaped on a bond.
 */
bool daqs_gvm_tap_whole(const struct daqs_gvm *v);
/*
 * Why a host lever (its VF, else its tap) must hold the VM's limit although
 * its guest was to: the guest cannot be trusted to enforce it now; NULL: it can.
 */
const char *daqs_gvm_backstop_why(const struct daqs_gvm *v, uint64_t now_ns);
/* The tap of the NIC that carries all of its traffic (host_counters: auto's), or "". */
const char *daqs_gvm_whole_tap(const struct daqs_gvm *v);
/* Take the host netdev to count again: the SLA's, the tap (host_counters: auto), or none. */
void daqs_gvm_host_pick(const struct daqs_cycle *c, struct daqs_gvm *v);

/* vf_use.c */
bool daqs_vfuse_of(const struct daqs_gvm *v, const char **pf, uint32_t *idx);
bool daqs_vfuse_wanted(const struct daqs_cycle *c, struct daqs_gvm *v, uint64_t now_ns);
size_t daqs_vfuse_writes(const struct daqs_cycle *c, struct daqs_cycle_vf_write **out);
void daqs_vfuse_outcome(const struct daqs_cycle *c, struct daqs_gvm *v,
			const struct daqs_cycle_vf_write *w);
/* A release of v's VF if it carries a cap or min of ours (w filled, true). */
bool daqs_vfuse_release(const struct daqs_gvm *v, struct daqs_cycle_vf_write *w);
void daqs_vfuse_count_stop(const struct daqs_cycle *c, struct daqs_gvm *v);
void daqs_vfuse_counters(const struct daqs_cycle *c, struct daqs_gvm *v, const char *pf,
			 const struct daqs_cycle_vf_stat *vfs, size_t n, uint64_t t_ns);

/* A PF whose driver caps the sum of VF minimums (ice): the guarantees on its link commit more
   than its speed; why (may be NULL) says so. */
bool daqs_cycle_pf_rule_broken(const struct daqs_cycle *c, const struct daqs_pf_caps *cap,
			       char *why, size_t len);

/* snapshot.c */
void daqs_snapshot_publish(struct daqs_cycle *c, double cycle_ms);
/*
 * Link li's admission (admission.h): its capacity (configured, or read when
 * auto), its share, and the Guarantee minimums committed on it: the file's
 * entries, running or not, and the live VMs whose SLA came from their domain
 * metadata, skip excepted (NULL: none).
 */
void daqs_cycle_link_admission(const struct daqs_cycle *c, size_t li, const struct daqs_gvm *skip,
			       struct daqs_admission *a);
void daqs_snapshot_clear(struct daqs_ctl_status *s);

/* tap_use.c */
const char *daqs_tapuse_dev(const struct daqs_gvm *v);
bool daqs_tapuse_wanted(const struct daqs_cycle *c, struct daqs_gvm *v, uint64_t now_ns);
bool daqs_tapuse_release(const struct daqs_gvm *v, struct daqs_cycle_tap_write *w);
size_t daqs_tapuse_writes(const struct daqs_cycle *c, struct daqs_cycle_tap_write **w,
			  uint64_t now_ns);
void daqs_tapuse_outcome(const struct daqs_cycle *c, struct daqs_gvm *v,
			 const struct daqs_cycle_tap_write *w, uint64_t now_ns);
