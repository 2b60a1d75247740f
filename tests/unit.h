/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One Check suite per module; unit_main.c runs them all in one runner. */
#pragma once

#include <check.h>
#include <stddef.h>

Suite *daqs_test_units_suite(void);
Suite *daqs_test_ytree_suite(void);
Suite *daqs_test_sla_suite(void);
Suite *daqs_test_estimator_suite(void);
Suite *daqs_test_waterfill_suite(void);
Suite *daqs_test_policy_suite(void);
Suite *daqs_test_sim_suite(void);
Suite *daqs_test_base64_suite(void);
Suite *daqs_test_qga_suite(void);
Suite *daqs_test_tcplan_suite(void);
Suite *daqs_test_ctl_suite(void);
Suite *daqs_test_ctl_table_suite(void);
Suite *daqs_test_metrics_suite(void);
Suite *daqs_test_vf_alloc_suite(void);
Suite *daqs_test_vf_rate_suite(void);
Suite *daqs_test_pf_caps_suite(void);
Suite *daqs_test_cycle_suite(void);
Suite *daqs_test_netname_suite(void);
Suite *daqs_test_jsonline_suite(void);
Suite *daqs_test_tcpqueue_suite(void);
Suite *daqs_test_domxml_suite(void);
Suite *daqs_test_tapmatch_suite(void);
/* adapter suites (daqs-unit-io) */
Suite *daqs_test_guest_suite(void);
Suite *daqs_test_agent_libvirt_suite(void);
Suite *daqs_test_poller_suite(void);
Suite *daqs_test_state_suite(void);
Suite *daqs_test_host_counters_suite(void);
Suite *daqs_test_pf_netlink_suite(void);
Suite *daqs_test_devlink_suite(void);
Suite *daqs_test_vf_hotplug_suite(void);
Suite *daqs_test_controller_suite(void);

/* Source tree root (for sla/ and tests/data/), from $DAQS_SRCDIR. */
const char *daqs_test_srcdir(void);
/* tests/data/<printf path> read whole (< 64 KiB), NUL-terminated, caller frees; a test failure
 * when it cannot be read. */
char *daqs_test_data(size_t *len, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
