/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The status table daqsctl prints: exact golden text, absent values, control bytes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_table.h"
#include "unit.h"

START_TEST(test_table_golden)
{
	static const char want[] =
		"cycle 7 (3.21 ms), period 200ms, policy daqs, sla /etc/daqs/sla.yaml\n"
		"sla reload refused: sla.yaml:3:7: error: bad?x\n"
		"state file not written: cannot write /var/lib/daqs/state.json.tmp: Read-only file "
		"system\n"
		"\n"
		"LINK     CAPACITY  EFFECTIVE        TX   UTIL  RESERVED  VMS\n"
		"uplink0    40gbit   37.5gbit  10.2gbit  0.273    10gbit    2\n"
		"\n"
		"VM        CLASS        SLA          MIN      MAX  WEIGHT        TX        RX   LIMIT  "
		"MODE       AGENT  IFACE  KIND  HOSTIF     AUTO    SAT  OVR  LEFT  ERROR\n"
		"web-1     guarantee    metadata  10gbit        -       1  9.85gbit  1.23mbit  30gbit  "
		"satisfied  ok     bond0  bond  daqstb-g1  yes   0.985  yes   90s  -\n"
		"batch?-2  best-effort  file        0bit  300mbit       2         -         -       -  "
		"-          -      -      -     -          no        -  no      -  agent not connected\n";
	static struct daqs_ctl_status st = { .cycle = 7, .cycle_ms = 3.21, .period_ms = 200 };
	struct daqs_ctl_link l = { .name = "uplink0",
				   .capacity_bps = 40000000000ULL,
				   .effective_bps = 37.5e9,
				   .tx_bps = 10.24e9,
				   .utilisation = 0.27306,
				   .reserved_bps = 10e9,
				   .vms = 2 };
	struct daqs_ctl_vm v[2] = {
		{ .name = "web-1",
		  .cls = "guarantee",
		  .sla_source = "metadata",
		  .min_bps = 10000000000ULL,
		  .max_bps = DAQS_RATE_UNLIMITED,
		  .weight = 1,
		  .tx_bps = 9.851e9,
		  .rx_bps = 1.234e6,
		  .limit_bps = 30000000000ULL,
		  .mode = "satisfied",
		  .agent = "ok",
		  .iface = "bond0",
		  .iface_kind = "bond",
		  .host_iface = "daqstb-g1",
		  .host_iface_auto = true,
		  .satisfaction = 0.985,
		  .override = true,
		  .override_left_s = 90 },
		{ .name = "batch\x1b-2",
		  .cls = "best-effort",
		  .sla_source = "file",
		  .max_bps = 300000000,
		  .weight = 2,
		  .tx_bps = NAN,
		  .rx_bps = NAN,
		  .limit_bps = DAQS_RATE_UNLIMITED,
		  .satisfaction = NAN,
		  .override_left_s = -1,
		  .last_error = "agent not connected" },
	};
	char *text;

	snprintf(st.policy, sizeof(st.policy), "daqs");
	snprintf(st.sla_file, sizeof(st.sla_file), "/etc/daqs/sla.yaml");
	snprintf(st.sla_error, sizeof(st.sla_error), "sla.yaml:3:7: error: bad\nx");
	snprintf(st.state_error, sizeof(st.state_error),
		 "cannot write /var/lib/daqs/state.json.tmp: Read-only file system");
	st.links = &l;
	st.n_links = 1;
	st.vms = v;
	st.n_vms = 2;
	text = daqs_ctl_table_render(&st);
	ck_assert_str_eq(text, want);
	free(text);
	st.n_vms = 0;
	st.sla_error[0] = '\0';
	st.state_error[0] = '\0';
	st.cycle_ms = NAN;
	text = daqs_ctl_table_render(&st);
	ck_assert_ptr_nonnull(strstr(text, "cycle 7, period 200ms,"));
	ck_assert_ptr_null(strstr(text, "refused"));
	ck_assert_ptr_nonnull(strstr(text, "\nno VMs\n"));
	free(text);
}
END_TEST

Suite *daqs_test_ctl_table_suite(void)
{
	Suite *s = suite_create("ctl_table");
	TCase *tc = tcase_create("render");

	tcase_add_test(tc, test_table_golden);
	suite_add_tcase(s, tc);
	return s;
}
