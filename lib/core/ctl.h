/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control protocol between daqsd and daqsctl (pure: json-c only).
 *
 * Transport: a unix stream socket; each request and each reply is one JSON
 * object on one line ending in '\n', with the newline at most
 * DAQS_CTL_MAX_REQUEST bytes for a request and DAQS_CTL_MAX_LINE for a reply. One request, one reply, in order; a client may send several
 * requests on one connection.
 *
 * Requests ("cmd" selects the verb; unknown keys are refused):
 *   {"cmd":"status"}                      every VM and link
 *   {"cmd":"status","vm":"NAME"}          one VM (ENOENT when unknown)
 *   {"cmd":"override","vm":"NAME","class":"guarantee","min_bps":N,
 *    "max_bps":N|"unlimited","weight":N,"for_s":N}
 *                                         any of class/min_bps/max_bps/
 *                                         weight (at least one); for_s
 *                                         optional (absent = until cleared)
 *   {"cmd":"clear","vm":"NAME"}           drop the VM's override
 *   {"cmd":"reload"}                      re-read the SLA file (as SIGHUP)
 *   {"cmd":"vf"}                          the VF pool: {"ok":true,"vf":{...}}
 *                                         (vf_pool.h; ENOENT without a pool)
 * Mutating verbs (override, clear, reload) are for root only; the daemon
 * checks SO_PEERCRED.
 *
 * Replies:
 *   {"ok":true, ...}                      status: "status": {see below}
 *   {"ok":false,"code":"EPERM","error":"human text"}
 *
 * Status: one field table per record kind (below) drives both the daemon's
 * JSON and daqsctl's table, so the two always carry the same fields. Rates
 * are decimal bit/s; a limit of DAQS_RATE_UNLIMITED is JSON null ("-" in the
 * table), so is a measured rate that does not exist yet (NaN). Counters
 * (errors, applies, bytes, packets, limit changes) are integers that never go
 * down while daqsd watches the VM (a link's: while the SLA has a link of that
 * name); they are in the JSON only.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sla.h"

#define DAQS_CTL_MAX_LINE (4u << 20) /* a reply: status of 1000 VMs measured 593 KB */
/*
 * A request: the longest daqsctl sends is an override naming a VM of
 * DAQS_SLA_NAME_MAX bytes, each escaped at worst to 2 ("\\"), with every
 * field: under 800 bytes; 4 KiB leaves room for a hand-written one.
 */
#define DAQS_CTL_MAX_REQUEST 4096u
#define DAQS_CTL_MAX_DEPTH 8 /* deepest line: reply -> status -> vms -> vm -> value */
#define DAQS_CTL_DEFAULT_SOCKET "/run/daqs/daqsd.sock"

enum daqs_ctl_cmd {
	DAQS_CTL_STATUS,
	DAQS_CTL_OVERRIDE,
	DAQS_CTL_CLEAR,
	DAQS_CTL_RELOAD,
	DAQS_CTL_VF,
};

struct daqs_ctl_request {
	enum daqs_ctl_cmd cmd;
	char vm[DAQS_SLA_NAME_MAX + 1]; /* "" = none given */
	/* override only */
	bool has_class, has_min, has_max, has_weight;
	enum daqs_class cls;
	uint64_t min_bps;
	uint64_t max_bps; /* DAQS_RATE_UNLIMITED allowed */
	uint32_t weight;
	uint64_t for_s; /* 0 = until cleared */
};

/* Mutating verbs need root. */
bool daqs_ctl_cmd_mutates(enum daqs_ctl_cmd c);
const char *daqs_ctl_cmd_name(enum daqs_ctl_cmd c);

/* 0 when rq is a valid request (what format needs and parse enforces), else
 * -EINVAL with the reason in why (daqsctl reports it before sending). */
int daqs_ctl_request_check(const struct daqs_ctl_request *rq, char *why, size_t why_len);
/* One line with the trailing '\n' (caller frees). -EINVAL on a request that
 * would not parse back (e.g. override with nothing to override, or a line
 * over DAQS_CTL_MAX_REQUEST). */
int daqs_ctl_request_format(const struct daqs_ctl_request *rq, char **line);
/* Parse one line (the '\n' optional; at most DAQS_CTL_MAX_REQUEST bytes with
 * it). -EINVAL with a reason in why. */
int daqs_ctl_request_parse(const char *line, size_t len, struct daqs_ctl_request *out, char *why,
			   size_t why_len);

/* {"ok":false,"code":"<errno name>","error":"<msg>"}\n (caller frees). */
char *daqs_ctl_reply_error(int err, const char *msg);
/* {"ok":true}\n (caller frees). */
char *daqs_ctl_reply_ok(void);
/*
 * Any reply line: 0 for {"ok":true,...}; -EREMOTEIO for {"ok":false,...} with
 * the errno name in code ("EPERM") and the daemon's text in msg; -EINVAL for
 * anything else, with the reason in msg. code and msg are cut to fit.
 */
int daqs_ctl_reply_parse(const char *line, size_t len, char *code, size_t code_len, char *msg,
			 size_t msg_len);

/* --- status --- */

#define DAQS_CTL_STR 64 /* short strings: class, mode, agent state, iface kind */

struct daqs_ctl_vm {
	char name[DAQS_SLA_NAME_MAX + 1];
	char uuid[37];		       /* "" unknown */
	char source[DAQS_CTL_STR];     /* "libvirt" | "socket" */
	char cls[DAQS_CTL_STR];	       /* effective class (override applied) */
	char sla_source[DAQS_CTL_STR]; /* its SLA entry: file | metadata | defaults */
	char sla_error[384];	       /* why its domain metadata is refused or ignored, "" */
	uint64_t min_bps;	       /* effective; 0 for best-effort */
	uint64_t max_bps;	       /* effective; DAQS_RATE_UNLIMITED = none */
	uint32_t weight;
	char link[DAQS_SLA_NAME_MAX + 1];
	char group[DAQS_SLA_GROUP_NAME_MAX + 1]; /* its tenant group, "" none */
	uint64_t share_min_bps;	  /* the min planned with: min_bps, or its share of its group's */
	uint64_t share_max_bps;	  /* the max planned with: max_bps, or its share of its group's */
	double tx_bps, rx_bps;	  /* smoothed; NaN = no rate yet */
	uint64_t limit_bps;	  /* in force in the guest; DAQS_RATE_UNLIMITED = none */
	char mode[DAQS_CTL_STR];  /* daqs_vm_mode_name */
	char state[DAQS_CTL_STR]; /* the record's state: daqs_guest_state_name */
	char agent[DAQS_CTL_STR]; /* ok | not-connected | agent-limited | error | unknown */
	char iface[16];		  /* guest interface shaped ("" unknown) */
	char iface_kind[DAQS_CTL_STR]; /* bond | failover | vf | virtio | other | "" */
	char counters[DAQS_CTL_STR]; /* whose rates: agent | host | "host, agent disagrees" | ... */
	char host_iface[16];	     /* host netdev counted (tap, veth; "" none or the VF's) */
	bool host_iface_auto;	     /* found in the domain XML (host_counters: auto) */
	double satisfaction;   /* guarantee VM asking for its min: min(1, tx/min); NaN otherwise */
	uint64_t agent_errors; /* failed agent calls since the daemon started */
	uint64_t applies;      /* tc batches run since the daemon started */
	uint64_t limit_lost; /* times found sending well above its limit (tc changed in the guest) */
	uint64_t limit_changes; /* new limits decided, put in force in the guest (applies: tc runs) */
	/* counters since daqsd started watching the VM, from the counters its rates come from */
	uint64_t tx_bytes, rx_bytes, tx_packets, rx_packets;
	char vf[DAQS_CTL_STR]; /* "PF:N" whose max_tx_rate daqsd sets, "" none */
	uint64_t vf_max_bps;   /* that rate; DAQS_RATE_UNLIMITED = no cap */
	char vf_lever[96]; /* how: "legacy" (IFLA_VF_RATE), "devlink BUS/DEV/PORT" (rate leaf) */
	char vf_why[DAQS_CTL_STR * 2]; /* "enforce: vf", "backstop: ...", "" */
	char vf_node[DAQS_SLA_GROUP_NAME_MAX +
		     8];      /* its leaf's devlink rate node ("daqs-GROUP"), "" */
	char tap[16];	      /* the tap whose outbound rate daqsd sets (libvirt), "" */
	uint64_t tap_max_bps; /* that rate; DAQS_RATE_UNLIMITED = no cap */
	char tap_why[384]; /* "enforce: host", "backstop: ..." [+ "; libvirt refused it: ..."], "" */
	bool override;	   /* an override is in force */
	int64_t override_left_s; /* seconds until it expires; -1 = until cleared or none */
	char last_error[256];	 /* "" none */
};

struct daqs_ctl_link {
	char name[DAQS_SLA_NAME_MAX + 1];
	uint64_t capacity_bps; /* configured (or read from the PF) */
	double effective_bps;  /* what the link was found to deliver */
	double tx_bps;	       /* sum of the VMs' smoothed tx */
	uint64_t tx_bytes;     /* bytes its VMs sent while on it, since daqsd started */
	double utilisation;    /* tx_bps / effective_bps */
	double reserved_bps;   /* guarantee reserves */
	uint32_t vms;
	/* admission (admission.h): what the SLAs commit, against capacity x share */
	double admission;	 /* the share guarantees may reserve, 0..1 */
	uint64_t admittable_bps; /* capacity x admission (0: capacity not known yet) */
	uint64_t committed_bps;	 /* Guarantee minimums of the file and of metadata VMs */
	uint64_t free_bps;	 /* admittable - committed, 0 when over */
	uint32_t guarantees;	 /* how many minimums are committed */
};

/* One PF daqsd sets VF rates on or names as a link's device: what it offers (pf_caps.h). */
struct daqs_ctl_pf {
	char name[16];
	char link[DAQS_SLA_NAME_MAX + 1]; /* the link whose device it is, "" none */
	char driver[32];		  /* "" unknown */
	uint32_t vfs, total_vfs;	  /* VFs enabled, possible */
	char levers[DAQS_CTL_STR * 2];	  /* daqs_pf_levers: "devlink-leaf,devlink-node", ... */
	char min[DAQS_CTL_STR];	   /* what a VF min means: absolute | weight | refused | unknown */
	bool min_seen;		   /* ... as daqsd saw it (a refusal), not from the driver table */
	char min_rule[128];	   /* a driver's rule for minimums ("" none) */
	char min_rule_broken[256]; /* ... why the SLA breaks it ("" it does not) */
	uint64_t vf_min_bps;	   /* the VF minimums daqsd has set on it, summed */
	char error[128];	   /* why it could not be probed, "" */
};

struct daqs_ctl_status {
	uint64_t cycle;	 /* cycles completed */
	double cycle_ms; /* duration of the last one */
	uint64_t period_ms;
	char policy[DAQS_CTL_STR];
	char sla_file[4096];
	char sla_error[512];   /* "" or why the last reload was refused (file:line) */
	char state_error[512]; /* "" or why the state file cannot be written now */
	struct daqs_ctl_link *links;
	size_t n_links;
	struct daqs_ctl_vm *vms;
	size_t n_vms;
	struct daqs_ctl_pf *pfs; /* "pfs" absent from a reply: none */
	size_t n_pfs;
};

enum daqs_ctl_ftype {
	DAQS_CTL_F_STR,	  /* char[size] */
	DAQS_CTL_F_LIMIT, /* uint64_t, DAQS_RATE_UNLIMITED -> null / "-" */
	DAQS_CTL_F_RATE,  /* double bit/s, NaN -> null / "-" */
	DAQS_CTL_F_RATIO, /* double, NaN -> null / "-" */
	DAQS_CTL_F_U32,
	DAQS_CTL_F_U64,
	DAQS_CTL_F_SECS, /* int64_t, -1 -> null / "-" */
	DAQS_CTL_F_BOOL,
};

struct daqs_ctl_field {
	const char *key;    /* JSON key */
	const char *header; /* table column; NULL = JSON only */
	enum daqs_ctl_ftype type;
	size_t off, size;
};

extern const struct daqs_ctl_field daqs_ctl_vm_fields[];
extern const size_t daqs_ctl_n_vm_fields;
extern const struct daqs_ctl_field daqs_ctl_link_fields[];
extern const size_t daqs_ctl_n_link_fields;
extern const struct daqs_ctl_field daqs_ctl_pf_fields[];
extern const size_t daqs_ctl_n_pf_fields;

/* {"ok":true,"status":{...}}\n (caller frees); NULL on allocation failure. */
char *daqs_ctl_status_format(const struct daqs_ctl_status *st);
/* The status object alone (no "ok" wrapper), compact or indented, ending in
 * '\n' (caller frees): what daqsctl --json prints. */
char *daqs_ctl_status_json(const struct daqs_ctl_status *st, bool pretty);
/*
 * Parse a status reply line; *st filled (free with daqs_ctl_status_clear).
 * Every table key is required; keys the tables do not know are ignored (a
 * newer daemon may add fields). An {"ok":false} reply is -EREMOTEIO with
 * "CODE: text" in why; anything malformed (wrong type, a string longer than
 * its buffer, a non-finite number) -EINVAL. Non-finite doubles and negative
 * seconds are written as null, so they come back as NaN and -1.
 */
int daqs_ctl_status_parse(const char *line, size_t len, struct daqs_ctl_status *st, char *why,
			  size_t why_len);
void daqs_ctl_status_clear(struct daqs_ctl_status *st);

/* --- line framing (for both ends) --- */

struct daqs_ctl_buf {
	char *data;
	size_t len, cap;
	size_t line_start; /* private: where the unfinished last line starts */
	size_t max;	   /* longest line with its newline; 0 = DAQS_CTL_MAX_LINE */
};

/*
 * Append n bytes read from the peer. -EMSGSIZE once a line cannot end within
 * max bytes with its newline (max bytes buffered without a newline); the
 * buffer is then unusable: clear it and drop the peer. The daemon reads
 * requests with max = DAQS_CTL_MAX_REQUEST, daqsctl replies with the default.
 */
int daqs_ctl_buf_feed(struct daqs_ctl_buf *b, const void *p, size_t n);
/*
 * Take the next complete line out of the buffer: *line (NUL-terminated, no
 * '\n', caller frees) and 1; 0 when no complete line is buffered. A NUL byte
 * inside a line ends its text there (the rest of that line is dropped).
 */
int daqs_ctl_buf_take(struct daqs_ctl_buf *b, char **line);
void daqs_ctl_buf_clear(struct daqs_ctl_buf *b);
