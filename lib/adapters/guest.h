/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A guest-agent session: typed verbs over one transport (agent.h), each
 * bounded by an absolute CLOCK_MONOTONIC deadline. Errors are 0 / -errno;
 * transport failures and error replies are reported by the transport, this
 * layer reports what it detects itself, once, as
 * "guest '<name>': <what> (<reason>)" through log(ud, msg).
 *
 * Agent-limited guests: when guest-info shows guest-exec or
 * guest-exec-status disabled (RHEL's default qemu-ga config; platform-facts
 * section 1.2), or guest-exec answers "has been disabled", the guest is
 * agent-limited: reported once per transition, and exec-based verbs
 * (exec, tc_state, tc_apply) fail at once with -EPERM without a request.
 * The exec-based verbs fetch guest-info first if it was never fetched.
 *
 * Reaping: qemu-ga keeps a record per guest-exec until a guest-exec-status
 * reports it exited. A process still running when its deadline passes goes
 * on a small per-guest list (DAQS_GUEST_MAX_REAP); every verb that talks to
 * the agent first polls each listed pid once (within its own deadline) and
 * drops it when it exited or the agent no longer knows it (error reply,
 * e.g. after an agent restart). A guest-file handle whose close failed in
 * the transport goes on the same list and is closed the same way. A full
 * list forgets its oldest entry (reported).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent.h"
#include "qga.h"
#include "tcplan.h"
#include "tcpqueue.h"

#define DAQS_GUEST_MAX_REAP 8
#define DAQS_GUEST_FILE_MAX (1u << 20) /* read_file: largest max accepted */

struct daqs_guest;

/* t is owned (freed by daqs_guest_free); name is copied (for log lines); log may be NULL. */
struct daqs_guest *daqs_guest_new(struct daqs_agent_transport *t, const char *name,
				  void (*log)(void *ud, const char *msg), void *ud);
void daqs_guest_free(struct daqs_guest *g);

int daqs_guest_ping(struct daqs_guest *g, uint64_t deadline_ns);
/* guest-info; updates the agent-limited state. out may be NULL. */
int daqs_guest_info(struct daqs_guest *g, uint64_t deadline_ns, struct daqs_qga_info *out);
/* True once guest-info (or a refused guest-exec) showed guest-exec(-status) disabled. */
bool daqs_guest_limited(const struct daqs_guest *g);
/* pids still waiting to be reaped (tests, metrics). */
size_t daqs_guest_reap_pending(const struct daqs_guest *g);

/* guest-network-get-interfaces; *v allocated (caller frees), names validated by the codec. */
int daqs_guest_interfaces(struct daqs_guest *g, uint64_t deadline_ns, struct daqs_qga_iface **v,
			  size_t *n);

/*
 * Run path (absolute, no shell is ever started by this layer: argv goes to
 * execve as is) with argv (argv[0] is not repeated; may be NULL) and stdin
 * bytes (may be NULL), and poll guest-exec-status with a short backoff (5 ms
 * doubling to 100 ms) until it exited. 0 when the process exited (whatever
 * its exit code: see out, which the caller clears with
 * daqs_qga_exec_status_clear); -EPERM agent-limited; -ENOENT the program
 * could not be started; -EINVAL a relative or empty path; -ETIMEDOUT the
 * deadline passed before exit (pid kept for reaping); -EPROTO a reply that
 * does not validate; transport errors as they come.
 */
int daqs_guest_exec(struct daqs_guest *g, const char *path, const char *const *argv,
		    const void *stdin_data, size_t stdin_len, uint64_t deadline_ns,
		    struct daqs_qga_exec_status *out);

/*
 * guest-file-open (mode "r") / guest-file-read (64 KiB chunks) until eof or
 * max bytes / guest-file-close: the handle is always closed once opened,
 * whatever the read gave; a close that fails in the transport (deadline
 * passed, agent gone) is retried at the start of the next call.
 * *buf NUL-terminated (caller frees), *len without the NUL. -EFBIG when the
 * file is longer than max (max <= DAQS_GUEST_FILE_MAX, else -EINVAL);
 * -EREMOTEIO when the agent refused (no such file, file ops disabled).
 */
int daqs_guest_read_file(struct daqs_guest *g, const char *path, size_t max, uint64_t deadline_ns,
			 char **buf, size_t *len);

/*
 * The queueing delay of the guest's sending TCP flows (tcpqueue.h): one
 * guest-exec of `ss -tinH state established` (/bin/ss, /usr/bin/ss,
 * /sbin/ss, /usr/sbin/ss: the first that exists is remembered), then one of
 * `tc -s -j qdisc show dev IFNAME` for the backlog of its root HTB (out->have_own
 * false when that fails; the delay stands). -ENOENT no ss; -EIO ss failed;
 * -EPROTO output truncated or not ss's; transport errors as daqs_guest_exec.
 */
int daqs_guest_tcp_queue(struct daqs_guest *g, const char *ifname, uint64_t deadline_ns,
			 struct daqs_tcpqueue *out);

/*
 * Interface discovery (pure). The interface carrying the VM's external
 * traffic has the MAC of the libvirt <interface> (mac, any case). Bond
 * (active-backup) and net_failover members share their master's MAC, so
 * among the MAC matches, one whose master is also a MAC match is dropped:
 * the master wins. master[i] is the name of v[i]'s master ("" = none);
 * master may be NULL when unknown. *idx is the pick; -ENOENT no match,
 * -ENOTUNIQ several unrelated matches (or several without master data),
 * -EINVAL a malformed mac.
 */
int daqs_guest_pick_iface(const struct daqs_qga_iface *v, size_t n, const char *mac,
			  const char (*master)[DAQS_IFNAMSIZ], size_t *idx);
/*
 * Master of ifname in the guest: reads /sys/class/net/IF/master/uevent
 * (the "master" symlink exists for bond, team, failover and bridge members)
 * and takes INTERFACE=. 0 with master "" when the interface has no master
 * (the open fails), 0 with the name, or -EPROTO / transport errors.
 */
int daqs_guest_master(struct daqs_guest *g, const char *ifname, uint64_t deadline_ns,
		      char master[DAQS_IFNAMSIZ]);
/*
 * interfaces + master probes (only when several interfaces carry the MAC)
 * + pick: ifname receives the chosen interface.
 */
int daqs_guest_discover(struct daqs_guest *g, const char *mac, uint64_t deadline_ns,
			char ifname[DAQS_IFNAMSIZ]);

/*
 * Read back the tc state of ifname: one `tc -j -d -batch -` running
 * "qdisc show dev IF" and "class show dev IF" (tc is /sbin/tc, else
 * /usr/sbin/tc; the one that worked is remembered). -EINVAL for an ifname
 * that fails daqs_netname_ifname_valid (no request is made); -ENODEV no such device
 * in the guest; -EIO tc failed otherwise; -EPROTO unparsable output. The
 * state read is remembered for tc_apply.
 */
int daqs_guest_tc_state(struct daqs_guest *g, const char *ifname, uint64_t deadline_ns,
			struct daqs_tc_state *st);
/*
 * Put limit_bps in force on ifname (DAQS_RATE_UNLIMITED removes our HTB).
 * The state it starts from is the one remembered from the last readback or
 * apply on ifname, else read back now. If that already matches
 * (DAQS_TCPLAN_TOL_PPM), *ran = false and nothing else is done. Else one
 * `tc -j -d -batch -`: the plan (root flags from that state) followed by the
 * readback lines, exit code and stderr checked, and the readback it printed
 * verified (-EIO when it does not match): one guest-exec per change. fq_codel
 * is tried on the first apply; if the guest kernel lacks it (the leaf line
 * fails), that is remembered and the plan is re-run with pfifo. *ran tells
 * whether a batch ran (also on failure). Any failure forgets the state.
 */
int daqs_guest_tc_apply(struct daqs_guest *g, const char *ifname, uint64_t limit_bps,
			uint64_t deadline_ns, bool *ran);
/*
 * Forget the remembered tc state: the next tc_apply reads back first. For
 * when the guest may have changed under us (reboot, re-plug, someone else's
 * tc) and for periodic verification.
 */
void daqs_guest_tc_forget(struct daqs_guest *g);
/* HTB burst for later tc_apply calls, as microseconds at the limit (0 = 1000; tcplan.h). */
void daqs_guest_set_burst_us(struct daqs_guest *g, uint32_t burst_us);
