/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SLA model and its parser (schema in man/daqs-sla.5).
 *
 * Loading validates the whole file and reports every problem (not just the
 * first) through struct daqs_diags as "FILE:LINE:COL: error: ...". A
 * successfully loaded struct daqs_sla is immutable: the daemon swaps whole
 * structures on reload.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "ytree.h"

#define DAQS_RATE_UNLIMITED UINT64_MAX
#define DAQS_SLA_MAX_VMS 4096
#define DAQS_SLA_MAX_LINKS 64
#define DAQS_SLA_NAME_MAX 255 /* bytes; names are libvirt domain / link names */
#define DAQS_WEIGHT_MAX 1000
#define DAQS_SLA_MAX_VF_SLOTS 1024 /* VFs (or stand-ins) in a vf_pool */
#define DAQS_SLA_MAX_VF_INDEX 65535
#define DAQS_SLA_MAX_GROUPS 1024
#define DAQS_SLA_GROUP_NAME_MAX 48 /* bytes: "daqs-NAME" is a devlink rate node's name */

enum daqs_class {
	DAQS_CLASS_BEST_EFFORT,
	DAQS_CLASS_GUARANTEE,
};

/* What the controller does once a VM's measurement has been missing longer than missing_hold. */
enum daqs_missing_action {
	DAQS_MISSING_PROTECT, /* assume the worst: a Guarantee VM wants its full min, a
				 Best-Effort VM wants all it can get (default) */
	DAQS_MISSING_HOLD,    /* keep the last limits as they are */
	DAQS_MISSING_RELEASE, /* treat the VM as idle (fail-open; reported) */
};

/* Which VMs hold the pool's VFs (lib/core/vf_alloc.h). */
enum daqs_vf_strategy {
	DAQS_VF_STRATEGY_SLA,	   /* active Guarantee VMs first, then by packet rate (default) */
	DAQS_VF_STRATEGY_ACTIVITY, /* by packet rate */
	DAQS_VF_STRATEGY_FAIR,	   /* round-robin time slices */
};

enum daqs_vf_pool_kind {
	DAQS_VF_POOL_HOSTDEV, /* real VFs of the link's PF (default) */
	DAQS_VF_POOL_BRIDGE,  /* virtio NICs on a host bridge stand in for VFs (no SR-IOV) */
};

/* Where a VM's limits are enforced. */
enum daqs_enforce {
	DAQS_ENFORCE_GUEST, /* in the guest, through its agent (default) */
	DAQS_ENFORCE_VF,    /* on the host, as the rate of the VF it holds */
	DAQS_ENFORCE_BOTH,
	DAQS_ENFORCE_HOST, /* on the host, on its virtio NIC's tap (libvirt interface parameters) */
};

/* Which host lever sets the rates of the VM's VF (vf_lever; pf_devlink.h). */
enum daqs_vf_lever {
	DAQS_VF_LEVER_AUTO,    /* its devlink rate leaf where it has one, else the legacy VF rate */
	DAQS_VF_LEVER_DEVLINK, /* its devlink rate leaf only (none: not set, reported) */
	DAQS_VF_LEVER_LEGACY,  /* IFLA_VF_RATE only */
};

/* Whether a libvirt VM's tap is found in its domain XML and counted (host_counters). */
enum daqs_host_counters {
	DAQS_HOST_COUNTERS_AUTO, /* the tap of the NIC with the VM's MAC (default) */
	DAQS_HOST_COUNTERS_OFF,	 /* none unless host_interface names one */
};

struct daqs_sla_link {
	char *name;
	char *device;		/* PF netdev, optional (NULL) */
	uint64_t capacity_bps;	/* 0 when capacity_auto */
	bool capacity_auto;	/* "capacity: auto": read from device at run time */
	uint32_t admission_ppm; /* share of the capacity guarantees may reserve; 0: controller's */
	unsigned line, col;
};

/*
 * A tenant group (groups:): VMs on one link that share a min and/or a max.
 * The group's min is guaranteed to its Guarantee members together and
 * divided among those that are sending by their own mins (a member's min
 * is its share, not a guarantee of its own); the group's max caps what all
 * its members send together. Admission counts the group's min once, in
 * place of its members' (a group without a min: each member's own).
 */
struct daqs_sla_group {
	char *name;
	size_t link;	  /* index into links[] */
	uint64_t min_bps; /* 0: none */
	uint64_t max_bps; /* DAQS_RATE_UNLIMITED: none */
	size_t n_members; /* vms[] entries that name it */
	unsigned line, col;
};

struct daqs_sla_controller {
	uint64_t period_ns;	  /* sampling/decision period; default 200ms */
	uint64_t smoothing_ns;	  /* estimator EWMA time constant; default 600ms */
	uint32_t headroom_ppm;	  /* room given above a demand-limited VM's use; default 2% */
	uint32_t min_change_ppm;  /* do not re-apply limits that moved less; default 1% */
	uint64_t missing_hold_ns; /* keep decisions this long without a measurement; default 1s */
	uint64_t burst_ns;	  /* in-guest HTB burst, as time at the limit; default 1ms */
	enum daqs_missing_action on_missing; /* default protect */
	bool metadata; /* take an unlisted libvirt VM's SLA from its domain metadata; default true */
	uint32_t admission_ppm; /* share of each link's capacity guarantees may reserve; 100% */
};

/* The vf_pool section; present is false when the file has none. */
struct daqs_sla_vf_pool {
	bool present;
	size_t link; /* index into links[]; its device is the PF */
	enum daqs_vf_pool_kind kind;
	uint32_t *vfs;	/* hostdev: VF indexes on the PF, in file order (ranges expanded) */
	size_t n_slots; /* hostdev: number of vfs; bridge: count */
	char *bridge;	/* bridge: the host bridge the stand-in NICs join; else NULL */
	enum daqs_vf_strategy strategy; /* default sla */
	uint64_t interval_ns;		/* default 300s */
	uint64_t min_dwell_ns;		/* default: interval_ns */
	uint32_t hysteresis_ppm;	/* default 20% */
	unsigned line, col;
};

struct daqs_sla_vm {
	char *name; /* NULL when identified by uuid only */
	char *uuid; /* NULL unless given; lower-case canonical form */
	enum daqs_class cls;
	uint64_t min_bps; /* guarantee only; 0 for best-effort */
	uint64_t max_bps; /* DAQS_RATE_UNLIMITED when not capped */
	uint32_t weight;  /* >= 1; default 1 */
	size_t link;	  /* index into links[] */
	/* how daqsd reaches the guest; all NULL = libvirt domain, interface found by its MAC */
	char *agent;	  /* raw agent socket (absolute path): plain QEMU, Proxmox, tests */
	char *iface;	  /* guest interface to shape (skips discovery) */
	char *mac;	  /* MAC to discover the interface by (lower case) */
	char *host_iface; /* host netdev carrying its traffic (tap, veth): trusted counters */
	/* host_vf: "PF:N", a VF assigned to the VM for good (not by the vf_pool) */
	char *host_vf_pf; /* NULL unless given */
	uint32_t host_vf;
	bool vf_eligible;	     /* may hold a VF of the pool (vf:); false without a pool */
	enum daqs_enforce enforce;   /* default guest */
	enum daqs_vf_lever vf_lever; /* default auto */
	enum daqs_host_counters host_counters; /* default auto; host_iface wins */
	bool in_group;			       /* a member of groups[group] */
	size_t group;
	unsigned line, col;
};

struct daqs_sla_defaults {
	enum daqs_class cls;		       /* default best-effort */
	uint64_t min_bps;		       /* required when cls is guarantee */
	uint64_t max_bps;		       /* default unlimited */
	uint32_t weight;		       /* default 1 */
	bool vf_eligible;		       /* default true when there is a vf_pool */
	enum daqs_enforce enforce;	       /* default guest */
	enum daqs_vf_lever vf_lever;	       /* default auto */
	enum daqs_host_counters host_counters; /* default auto */
};

struct daqs_sla {
	char *file;
	unsigned version; /* 1 */
	struct daqs_sla_link *links;
	size_t n_links;
	struct daqs_sla_controller ctl;
	struct daqs_sla_vm *vms;
	size_t n_vms;
	struct daqs_sla_defaults defaults;
	struct daqs_sla_vf_pool vf_pool;
	struct daqs_sla_group *groups;
	size_t n_groups;
};

/* 0, or a negative errno with every problem in d. *out is NULL on failure. */
int daqs_sla_load_file(const char *path, struct daqs_sla **out, struct daqs_diags *d);
int daqs_sla_load_buffer(const char *name, const char *buf, size_t len, struct daqs_sla **out,
			 struct daqs_diags *d);
/* Build from an already-loaded YAML node (the scenario file embeds an SLA). */
int daqs_sla_from_node(const struct daqs_ynode *root, const char *file, struct daqs_sla **out,
		       struct daqs_diags *d);
void daqs_sla_free(struct daqs_sla *sla);
/*
 * `daqsd --check-config` and `daqsctl check`: load path and discard it;
 * "PATH: ok" on out, or every diagnostic on err. 0, or the load's -errno.
 */
int daqs_sla_check_file(const char *path, FILE *out, FILE *err);

/* The admission share of link li: its own admission, else the controller's (admission.h). */
uint32_t daqs_sla_link_admission(const struct daqs_sla *sla, size_t li);

/*
 * Whether entry e commits its own min on its link toward admission: a
 * Guarantee VM outside any group with a min (a group with a min commits
 * for its members: daqs_sla_group_commit).
 */
bool daqs_sla_vm_commits(const struct daqs_sla *sla, const struct daqs_sla_vm *e);
/* Add the mins of the groups on link li to a (admission.h), each once. */
struct daqs_admission;
void daqs_sla_group_commit(const struct daqs_sla *sla, size_t li, struct daqs_admission *a);
/* Add what the file commits on link li to a: its VMs' (daqs_sla_vm_commits) and its groups'. */
void daqs_sla_link_commit(const struct daqs_sla *sla, size_t li, struct daqs_admission *a);
/* The group entry e belongs to, or NULL. */
const struct daqs_sla_group *daqs_sla_vm_group(const struct daqs_sla *sla,
					       const struct daqs_sla_vm *e);

/*
 * The listed VM matching name (exact, case-sensitive) or uuid (either may be
 * NULL), or NULL. A uuid match wins; an entry that lists a uuid does not match
 * by name a domain whose (given) uuid differs.
 */
const struct daqs_sla_vm *daqs_sla_find_vm(const struct daqs_sla *sla, const char *name,
					   const char *uuid);
/* Fill *out with what an unlisted VM is (defaults; link 0). Strings in *out are borrowed. */
void daqs_sla_vm_default(const struct daqs_sla *sla, const char *name, struct daqs_sla_vm *out);

/*
 * A VM's SLA in its libvirt domain's <metadata> (daqs-sla(5), DOMAIN
 * METADATA): one empty element <PREFIX:sla xmlns:PREFIX="urn:daqs:sla:1"
 * class=... min=... .../>, its attributes as text (lib/core/domxml.c reads
 * them; entity references are not decoded).
 */
#define DAQS_SLA_META_NS "urn:daqs:sla:1"
#define DAQS_SLA_META_ATTRS 12 /* attributes kept; more make the element refused */
#define DAQS_SLA_META_KEY 24
#define DAQS_SLA_META_VAL 96
enum daqs_sla_meta_refusal {
	DAQS_SLA_META_OK,
	DAQS_SLA_META_TWICE,	/* more than one element in the namespace */
	DAQS_SLA_META_TOO_MANY, /* more attributes than kept */
	DAQS_SLA_META_TOO_LONG, /* a name or value longer than kept */
	DAQS_SLA_META_CHILDREN, /* the element has child elements */
};
struct daqs_sla_meta {
	bool present;			    /* the domain has an element in the namespace */
	enum daqs_sla_meta_refusal refused; /* why it cannot be read */
	char elem[DAQS_SLA_META_KEY];	    /* its local name (after the prefix) */
	size_t n;
	char key[DAQS_SLA_META_ATTRS][DAQS_SLA_META_KEY];
	char val[DAQS_SLA_META_ATTRS][DAQS_SLA_META_VAL];
};

/*
 * The SLA entry of libvirt domain `domain` from its metadata m, checked
 * against sla's links like a vms[] entry of the file: keys class, min, max,
 * weight, link (what an orchestrator decides); the rest is the defaults'
 * (how daqsd reaches, counts and enforces stays the host's: interface, mac,
 * agent, host_interface, host_vf, host_counters, vf, enforce are refused);
 * a min above the link's capacity, or above the defaults' max when no max
 * is given, is refused. 0 with *out filled (strings owned: daqs_sla_vm_clear), or
 * -EINVAL with every problem in d, as "domain 'NAME' metadata: error: ...".
 */
int daqs_sla_meta_vm(const struct daqs_sla *sla, const char *domain, const struct daqs_sla_meta *m,
		     struct daqs_sla_vm *out, struct daqs_diags *d);
/* Free the strings of an entry made by daqs_sla_meta_vm and zero it. */
void daqs_sla_vm_clear(struct daqs_sla_vm *vm);

const char *daqs_class_name(enum daqs_class c); /* "guarantee" / "best-effort" */
const char *daqs_missing_action_name(enum daqs_missing_action a);
const char *daqs_vf_strategy_name(enum daqs_vf_strategy s);	/* "sla" / "activity" / "fair" */
const char *daqs_vf_pool_kind_name(enum daqs_vf_pool_kind k);	/* "hostdev" / "bridge" */
const char *daqs_enforce_name(enum daqs_enforce e);		/* "guest" / "vf" / "both" */
const char *daqs_host_counters_name(enum daqs_host_counters h); /* "auto" / "off" */
