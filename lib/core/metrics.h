/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A status snapshot as Prometheus text (exposition format 0.0.4: "# HELP" and
 * "# TYPE" per family, base units, counters ending in _total, '\n' line ends
 * and a final newline), clean under `promtool check metrics`. daqsd serves it
 * on /metrics (--metrics-listen) and daqsctl metrics prints it (for
 * node_exporter's textfile collector).
 *
 * Base units: the status's bit rates become bytes per second (divided by 8,
 * so a value may have a fraction), durations seconds.
 * Families: daqs_cycles_total, daqs_cycle_duration_seconds; per link (label
 * link) daqs_link_{capacity,effective_capacity,reserved}_bytes_per_second,
 * daqs_link_utilisation_ratio and daqs_link_transmit_bytes_total; per VM
 * (labels vm, class, link) daqs_vm_{tx,rx,limit,min,max}_bytes_per_second,
 * daqs_vm_{transmit,receive}_{bytes,packets}_total,
 * daqs_vm_guarantee_satisfaction_ratio, daqs_vm_agent_errors_total,
 * daqs_vm_tc_applies_total, daqs_vm_limit_changes_total,
 * daqs_vm_limit_lost_total, daqs_vm_agent_up.
 * Per-VM counters count from when daqsd started watching the VM (a VM that
 * goes and comes back starts at 0 again: a counter reset to Prometheus);
 * daqs_link_transmit_bytes_total from daqsd's start, or from the reload that
 * brought the link's name, and a VM leaving the link takes nothing away.
 * A value that does not exist is left out, never faked: a NaN rate or ratio,
 * and an unlimited limit or max (no sample: "no limit", not +Inf). A family
 * with no sample keeps its HELP and TYPE lines.
 * Label values escape backslash, double quote and newline as \\ \" \n.
 */
#pragma once

#include "ctl.h"

/* The whole text (caller frees). */
char *daqs_metrics_render(const struct daqs_ctl_status *st);
