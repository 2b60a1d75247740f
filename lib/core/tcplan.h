/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * In-guest shaping plan (pure): what to run with `tc -batch -` inside a guest
 * to put an egress limit on one interface, and how to read back what is in
 * force (`tc -j qdisc show dev IF` and `tc -d -j class show dev IF`).
 *
 * Tree (handles fixed, so repeated applies update instead of rebuilding):
 *   qdisc 1:  root htb default 10          created once: a replace on an
 *                                           existing HTB root fails ("Change
 *                                           operation not supported"), so it
 *                                           is only sent when have_root is false
 *   class 1:1  parent 1:  htb rate L ceil L burst B cburst B quantum Q
 *   class 1:10 parent 1:1 htb rate L ceil L burst B cburst B quantum Q
 *   qdisc parent 1:10 fq_codel (or pfifo limit 1000 when the guest lacks
 *         fq_codel), with NO handle: same kind = change in place, other kind
 *         = graft a new one (a fixed handle of another kind fails with
 *         "Invalid qdisc name"). The explicit pfifo limit does not depend
 *         on the guest's txqueuelen (6.18 picks 1000 even at txqueuelen 0;
 *         older guest kernels were not checked).
 * Every class line carries the full parameter set: `tc class change` with
 * only a rate resets burst to 0 (platform-facts section 4); `class replace`
 * creates or updates in place, keeping the class statistics. Burst/cburst
 * are sized to rate x 1 ms (at least 2 x MTU + 1 KiB: the default collapses
 * to 0b at 10-40 Gbit/s), quantum to burst clamped to [MTU, 200000] and
 * always explicit (no "quantum ... is big" warning).
 * A root that holds handle 1: but is not our HTB (another kind, or HTB with
 * another default) cannot be replaced: set root_conflict and the plan deletes
 * it first (daqs_tcplan_in_set_root() derives both flags from a readback).
 *
 * Readback, verified with iproute2 6.1 on kernel 6.18:
 *  - `tc -j qdisc show` is JSON: "kind", "handle" ("1:"), "root": true or
 *    "parent" ("1:10"), htb "options": {"r2q", "default": "0x10", ...}.
 *  - `tc -j class show` is NOT JSON in iproute2 6.1: tc_class.c prints text
 *    whatever -j says. Later iproute2 prints a JSON array ("class": kind,
 *    "handle", "parent" or "root", "rate"/"ceil" in BYTES per second,
 *    "burst"/"cburst" in bytes, "quantum" with -d). The parser takes either.
 *    6.1 text (-d): "class htb 1:10 parent 1:1 leaf 10: prio 0 quantum 200000
 *    rate 40Gbit ceil 40Gbit linklayer ethernet burst 5000000b/1 mpu 0b
 *    cburst 5000000b/1 mpu 0b level 0"; 1:1 is "root" and has no quantum.
 * Rounding (measured): tc stores rates in bytes/s (drops < 8 bit/s); 6.1
 * text prints a rate with at most 6 significant digits, truncating (e.g.
 * 1234567891bit reads back as 1234Mbit): < 1000 ppm low; rates given with
 * decimals ("1234567.891kbit") may lose one more byte/s in tc's double
 * arithmetic. A burst travels as whole microseconds, then 64 ns ticks, and is
 * printed back from whole microseconds: < 2 us of bytes low, i.e. < 0.2 % of a
 * 1 ms burst (937.5mbit: 117187b -> 116953b); 6.1 text also rounds sizes to
 * "NKb" (within 16 bytes) and "NMb" (within 1 KiB). So: tol_ppm >=
 * DAQS_TCPLAN_TOL_PPM with text readback; bursts are checked against
 * rate x 1 ms with DAQS_TCPLAN_BURST_TOL_PPM plus those slacks. Quantum is
 * not compared (only shown with -d, and the inner class never shows it).
 * Facts: ../shared/notes/platform-facts.md section 4.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DAQS_TCPLAN_TOL_PPM 2000       /* rate tolerance enough for 6.1 text readback */
#define DAQS_TCPLAN_BURST_TOL_PPM 2000 /* plus 16 bytes, 1040 from 1 MiB up */
#define DAQS_TCPLAN_PFIFO_LIMIT 1000   /* packets */

struct daqs_tcplan_in {
	const char *ifname; /* daqs_tcplan_ifname_valid() */
	uint64_t limit_bps; /* DAQS_RATE_UNLIMITED (sla.h) = remove the limit */
	bool have_root;	    /* readback found our HTB root (htb, handle 1:, default 10) */
	bool root_conflict; /* the root holds handle 1: but is not ours: delete it first */
	bool fq_codel;	    /* the guest kernel has sch_fq_codel */
	uint32_t mtu;	    /* bytes; 0 = 1500 */
	uint32_t burst_us;  /* burst/cburst as time at the limit; 0 = 1000 (1 ms) */
};

/* What is in force on the interface, from the readback. */
struct daqs_tc_state {
	bool have_root;	   /* root qdisc is htb with handle 1: */
	bool root_handle1; /* root qdisc has handle 1: (any kind) */
	uint32_t defcls;   /* its default minor (0x10 for ours) */
	bool have_parent;  /* class 1:1 exists, directly under the root */
	uint64_t parent_rate_bps, parent_ceil_bps;
	bool have_leaf;	   /* class 1:10 exists, under 1:1 */
	uint64_t rate_bps; /* of class 1:10 */
	uint64_t ceil_bps;
	uint64_t burst_bytes, cburst_bytes;
	uint64_t quantum;    /* 0 when not shown (needs -d) */
	char leaf_qdisc[16]; /* kind of the qdisc under 1:10, "" when none */
};

/*
 * An interface name (daqs_netname_ifname_valid()) that a `tc -batch` line can
 * carry: tc cuts each line at its first '#' and reads a word that starts with
 * a quote as a quoted string, so such names, valid to the kernel, are refused.
 * Whitespace, the other separator, is no part of a valid name.
 */
bool daqs_tcplan_ifname_valid(const char *ifname);

/*
 * Batch text for `tc -batch -` (caller frees); -EINVAL on a bad ifname, a
 * limit below 8 bit/s or above 10 tbit/s, or an MTU outside [68, 65535].
 * DAQS_RATE_UNLIMITED gives the removal batch when have_root, else "".
 * tc -batch stops at the first failing line (exit 1, "Command failed -:N"):
 * if the fq_codel line fails, root and classes are in force with the
 * kernel's default pfifo leaf; re-plan with fq_codel false.
 */
int daqs_tcplan_apply(const struct daqs_tcplan_in *in, char **batch);
/* Batch text that removes our root qdisc (and with it every class); only when have_root. */
int daqs_tcplan_remove(const char *ifname, char **batch);
/* Set in->have_root and in->root_conflict from a readback. */
void daqs_tcplan_in_set_root(struct daqs_tcplan_in *in, const struct daqs_tc_state *st);
/*
 * Parse the two readback outputs (either may be "" when the command printed
 * nothing): qdisc_json from `tc -j qdisc show dev IF`, class_out from
 * `tc -d -j class show dev IF` (JSON or iproute2 6.1 text). 0 or -EPROTO.
 */
int daqs_tcplan_parse(const char *qdisc_json, const char *class_out, struct daqs_tc_state *st);
/*
 * The readback as batch lines (caller frees): "qdisc show dev IF" and
 * "class show dev IF". Run after a plan in the same `tc -j -d -batch -`, they
 * read the result back in the same guest-exec; alone, they are the readback.
 */
char *daqs_tcplan_readback(const char *ifname);
/*
 * Parse what those two lines print under `tc -j -d -batch -`: the qdisc JSON
 * array first, then the classes (iproute2 6.1 prints them as text even with
 * -j; later versions as a second JSON array). 0 or -EPROTO.
 */
int daqs_tcplan_parse_batch(const char *out, struct daqs_tc_state *st);
/*
 * Does the state enforce limit_bps within tol_ppm (rate and ceil of 1:1 and
 * of the default class 1:10, a leaf qdisc, bursts not collapsed below
 * rate x 1 ms)? For DAQS_RATE_UNLIMITED: is there no HTB root of ours?
 */
bool daqs_tcplan_matches(const struct daqs_tc_state *st, uint64_t limit_bps, uint32_t tol_ppm);
/* The same with bursts of burst_us (0 = 1000) instead of 1 ms: at least that, less round-trip loss. */
bool daqs_tcplan_matches_burst(const struct daqs_tc_state *st, uint64_t limit_bps, uint32_t tol_ppm,
			       uint32_t burst_us);
/* Sizing, exposed for tests. */
uint64_t daqs_tcplan_burst(uint64_t rate_bps, uint32_t mtu);
/*
 * The same for a burst of burst_us microseconds at the rate (0 = 1000).
 * Guests whose timers are coarse (TCG: the guest's HTB watchdog fires late)
 * need more than 1 ms, or the class delivers only a fraction of its rate.
 */
uint64_t daqs_tcplan_burst_us(uint64_t rate_bps, uint32_t mtu, uint32_t burst_us);
uint64_t daqs_tcplan_quantum(uint64_t rate_bps, uint32_t mtu);
