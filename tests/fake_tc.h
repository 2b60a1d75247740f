/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A fake tc(8) for one guest interface, for tests/agent_farm.c: it keeps the
 * interface's qdisc/class state and answers `tc -j -d -batch -` the way
 * iproute2 6.1 on kernel 6.x does (recorded by hand on this project's
 * machines; tests/data/tc/batch-htb-100m-d.txt): the qdiscs as one JSON array
 * per `qdisc show`, the classes as text per `class show` (6.1 ignores -j
 * there), errors on stderr followed by "Command failed -:N", exit 1, and the
 * batch stops at the first failing line.
 *
 * What it models: the root qdisc (noqueue by default, as on a veth, or htb
 * with a handle and a default class), HTB classes up to DEPTH levels with
 * rate/ceil in bytes per second, burst/cburst through tc's own round trip
 * (whole microseconds, then 64 ns ticks, printed back from whole
 * microseconds: 117187b at 937.5mbit reads back as 116953b), the kernel's
 * quantum rule (explicit, else rate / r2q clamped to 1000..200000 with
 * tc's warning), and a leaf qdisc per class (pfifo, or fq_codel unless the
 * fake guest kernel lacks it). Commands: qdisc replace/add/del/show, class
 * replace/add/change/del/show. Anything else fails the way tc would
 * (an unknown object, option or device), never silently.
 * Compared with real tc on a veth (the same batches through both, iproute2
 * 6.1, kernel 6.18): byte for byte the same output, exit code and stderr,
 * except the kernel's automatic qdisc handles (a global counter there, 8001:
 * upwards per device here) and the order of more than two classes (the
 * kernel's hash order; here the highest minor first, which is what the
 * kernel printed for 1:10 and 1:1).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fake_tc;

/* ifname: the one device that exists; fq_codel: the fake kernel has sch_fq_codel. */
struct fake_tc *fake_tc_new(const char *ifname, bool fq_codel);
void fake_tc_free(struct fake_tc *t);

/*
 * Run tc with argv[0..argc) (without the program name) and stdin text input
 * (may be NULL). *out and *err are malloc'd, NUL-terminated (possibly "").
 * Returns the exit code. Only `-j -d` output is modelled: other output
 * options fail with exit 1 and a message.
 */
int fake_tc_run(struct fake_tc *t, const char *const *argv, size_t argc, const char *input,
		char **out, char **err);

/*
 * The egress rate the state enforces in bit/s: the smallest ceil on the
 * path from the root to the HTB default class, 0 when nothing limits
 * (no HTB root, or the default class does not exist: HTB then sends
 * unclassified packets directly, unshaped).
 */
uint64_t fake_tc_limit_bps(const struct fake_tc *t);
