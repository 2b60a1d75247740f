/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Prometheus text: exact golden output, label escaping, absent values left out. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "unit.h"

static const char golden[] =
	"# HELP daqs_cycles_total Control cycles completed.\n"
	"# TYPE daqs_cycles_total counter\n"
	"daqs_cycles_total 42\n"
	"# HELP daqs_cycle_duration_seconds Duration of the last control cycle.\n"
	"# TYPE daqs_cycle_duration_seconds gauge\n"
	"daqs_cycle_duration_seconds 0.0025\n"
	"# HELP daqs_link_capacity_bytes_per_second Configured link capacity.\n"
	"# TYPE daqs_link_capacity_bytes_per_second gauge\n"
	"daqs_link_capacity_bytes_per_second{link=\"up0\"} 5000000000\n"
	"# HELP daqs_link_effective_capacity_bytes_per_second What the link was found to deliver.\n"
	"# TYPE daqs_link_effective_capacity_bytes_per_second gauge\n"
	"daqs_link_effective_capacity_bytes_per_second{link=\"up0\"} 4687500000\n"
	"# HELP daqs_link_utilisation_ratio Sum of the VMs' transmit rates over the effective "
	"capacity.\n"
	"# TYPE daqs_link_utilisation_ratio gauge\n"
	"daqs_link_utilisation_ratio{link=\"up0\"} 0.5\n"
	"# HELP daqs_link_reserved_bytes_per_second Rate reserved for guarantee VMs.\n"
	"# TYPE daqs_link_reserved_bytes_per_second gauge\n"
	"daqs_link_reserved_bytes_per_second{link=\"up0\"} 1250000000\n"
	"# HELP daqs_link_admission_ratio Share of the capacity guarantee minimums may reserve (SLA "
	"admission).\n"
	"# TYPE daqs_link_admission_ratio gauge\n"
	"daqs_link_admission_ratio{link=\"up0\"} 0.75\n"
	"# HELP daqs_link_admittable_bytes_per_second Capacity times admission: what guarantee "
	"minimums may reserve (0: capacity unknown).\n"
	"# TYPE daqs_link_admittable_bytes_per_second gauge\n"
	"daqs_link_admittable_bytes_per_second{link=\"up0\"} 3750000000\n"
	"# HELP daqs_link_committed_bytes_per_second Guarantee minimums committed on the link (SLA "
	"file and domain metadata).\n"
	"# TYPE daqs_link_committed_bytes_per_second gauge\n"
	"daqs_link_committed_bytes_per_second{link=\"up0\"} 1250000000\n"
	"# HELP daqs_link_free_bytes_per_second Admittable minus committed: room for one more "
	"guarantee.\n"
	"# TYPE daqs_link_free_bytes_per_second gauge\n"
	"daqs_link_free_bytes_per_second{link=\"up0\"} 2500000000\n"
	"# HELP daqs_link_transmit_bytes_total Bytes the link's VMs transmitted while on it, since "
	"daqsd started.\n"
	"# TYPE daqs_link_transmit_bytes_total counter\n"
	"daqs_link_transmit_bytes_total{link=\"up0\"} 123456789012\n"
	"# HELP daqs_vm_tx_bytes_per_second Smoothed transmit rate of the VM.\n"
	"# TYPE daqs_vm_tx_bytes_per_second gauge\n"
	"daqs_vm_tx_bytes_per_second{vm=\"web-1\",class=\"guarantee\",link=\"up0\"} 1231250000.0625\n"
	"# HELP daqs_vm_rx_bytes_per_second Smoothed receive rate of the VM.\n"
	"# TYPE daqs_vm_rx_bytes_per_second gauge\n"
	"daqs_vm_rx_bytes_per_second{vm=\"web-1\",class=\"guarantee\",link=\"up0\"} 0.0125\n"
	"# HELP daqs_vm_transmit_bytes_total Bytes the VM transmitted since daqsd started watching it.\n"
	"# TYPE daqs_vm_transmit_bytes_total counter\n"
	"daqs_vm_transmit_bytes_total{vm=\"web-1\",class=\"guarantee\",link=\"up0\"} 9007199254740993\n"
	"daqs_vm_transmit_bytes_total{vm=\"a\\\\b\\\"c\\nd\",class=\"best-effort\",link=\"up0\"} 0\n"
	"# HELP daqs_vm_receive_bytes_total Bytes the VM received since daqsd started watching it.\n"
	"# TYPE daqs_vm_receive_bytes_total counter\n"
	"daqs_vm_receive_bytes_total{vm=\"web-1\",class=\"guarantee\",link=\"up0\"} 37020000\n"
	"daqs_vm_receive_bytes_total{vm=\"a\\\\b\\\"c\\nd\",class=\"best-effort\",link=\"up0\"} 0\n"
	"# HELP daqs_vm_transmit_packets_total Packets the VM transmitted since daqsd started watching it.\n"
	"# TYPE daqs_vm_transmit_packets_total counter\n"
	"daqs_vm_transmit_packets_total{vm=\"web-1\",class=\"guarantee\",link=\"up0\"} 197000000\n"
	"daqs_vm_transmit_packets_total{vm=\"a\\\\b\\\"c\\nd\",class=\"best-effort\",link=\"up0\"} 0\n"
	"# HELP daqs_vm_receive_packets_total Packets the VM received since daqsd started watching it.\n"
	"# TYPE daqs_vm_receive_packets_total counter\n"
	"daqs_vm_receive_packets_total{vm=\"web-1\",class=\"guarantee\",link=\"up0\"} 610000\n"
	"daqs_vm_receive_packets_total{vm=\"a\\\\b\\\"c\\nd\",class=\"best-effort\",link=\"up0\"} 1\n"
	"# HELP daqs_vm_limit_bytes_per_second Transmit limit in force in the guest (no sample: "
	"unlimited).\n"
	"# TYPE daqs_vm_limit_bytes_per_second gauge\n"
	"daqs_vm_limit_bytes_per_second{vm=\"web-1\",class=\"guarantee\",link=\"up0\"} 3750000000\n"
	"# HELP daqs_vm_min_bytes_per_second Guaranteed minimum (0 for best-effort).\n"
	"# TYPE daqs_vm_min_bytes_per_second gauge\n"
	"daqs_vm_min_bytes_per_second{vm=\"web-1\",class=\"guarantee\",link=\"up0\"} 1250000000\n"
	"daqs_vm_min_bytes_per_second{vm=\"a\\\\b\\\"c\\nd\",class=\"best-effort\",link=\"up0\"} 0\n"
	"# HELP daqs_vm_max_bytes_per_second Maximum cap (no sample: unlimited).\n"
	"# TYPE daqs_vm_max_bytes_per_second gauge\n"
	"daqs_vm_max_bytes_per_second{vm=\"a\\\\b\\\"c\\nd\",class=\"best-effort\",link=\"up0\"} "
	"37500000\n"
	"# HELP daqs_vm_guarantee_satisfaction_ratio min(1, tx / min) while a guarantee VM asks "
	"for its minimum.\n"
	"# TYPE daqs_vm_guarantee_satisfaction_ratio gauge\n"
	"daqs_vm_guarantee_satisfaction_ratio{vm=\"web-1\",class=\"guarantee\",link=\"up0\"} 1\n"
	"# HELP daqs_vm_agent_errors_total Failed guest-agent calls.\n"
	"# TYPE daqs_vm_agent_errors_total counter\n"
	"daqs_vm_agent_errors_total{vm=\"web-1\",class=\"guarantee\",link=\"up0\"} 0\n"
	"daqs_vm_agent_errors_total{vm=\"a\\\\b\\\"c\\nd\",class=\"best-effort\",link=\"up0\"} "
	"18446744073709551615\n"
	"# HELP daqs_vm_tc_applies_total tc batches run in the guest.\n"
	"# TYPE daqs_vm_tc_applies_total counter\n"
	"daqs_vm_tc_applies_total{vm=\"web-1\",class=\"guarantee\",link=\"up0\"} 17\n"
	"daqs_vm_tc_applies_total{vm=\"a\\\\b\\\"c\\nd\",class=\"best-effort\",link=\"up0\"} 0\n"
	"# HELP daqs_vm_limit_changes_total New limits daqsd decided and put in force in the guest.\n"
	"# TYPE daqs_vm_limit_changes_total counter\n"
	"daqs_vm_limit_changes_total{vm=\"web-1\",class=\"guarantee\",link=\"up0\"} 5\n"
	"daqs_vm_limit_changes_total{vm=\"a\\\\b\\\"c\\nd\",class=\"best-effort\",link=\"up0\"} 0\n"
	"# HELP daqs_vm_limit_lost_total Times the guest sent well above its limit (its tc changed "
	"in the guest); re-verified.\n"
	"# TYPE daqs_vm_limit_lost_total counter\n"
	"daqs_vm_limit_lost_total{vm=\"web-1\",class=\"guarantee\",link=\"up0\"} 2\n"
	"daqs_vm_limit_lost_total{vm=\"a\\\\b\\\"c\\nd\",class=\"best-effort\",link=\"up0\"} 0\n"
	"# HELP daqs_vm_agent_up 1 when the guest agent answers and can shape, else 0.\n"
	"# TYPE daqs_vm_agent_up gauge\n"
	"daqs_vm_agent_up{vm=\"web-1\",class=\"guarantee\",link=\"up0\"} 1\n"
	"daqs_vm_agent_up{vm=\"a\\\\b\\\"c\\nd\",class=\"best-effort\",link=\"up0\"} 0\n"
	"# HELP daqs_pf_vfs VFs enabled on the PF; labels: its driver, the VF rate levers it "
	"offers and what a VF min means there.\n"
	"# TYPE daqs_pf_vfs gauge\n"
	"daqs_pf_vfs{pf=\"ens1f0\",driver=\"ice\",levers=\"devlink-leaf,devlink-node\","
	"min=\"absolute\"} 8\n";

/*
 * One link; a measured guarantee VM and a best-effort VM with nothing measured yet.
 * Static storage: a status is 4.7 KiB, the records 1.5 KiB each.
 */
static struct daqs_ctl_status st;
static struct daqs_ctl_pf pf;
static struct daqs_ctl_link l;
static struct daqs_ctl_vm v[2];

static void sample(void)
{
	st = (struct daqs_ctl_status){ .cycle = 42, .cycle_ms = 2.5, .period_ms = 200 };
	l = (struct daqs_ctl_link){ .name = "up0",
				    .capacity_bps = 40000000000ULL,
				    .effective_bps = 37.5e9,
				    .tx_bps = 18.75e9,
				    .utilisation = 0.5,
				    .reserved_bps = 1e10,
				    .vms = 2,
				    .tx_bytes = 123456789012ULL,
				    .admission = 0.75,
				    .admittable_bps = 30000000000ULL,
				    .committed_bps = 10000000000ULL,
				    .free_bps = 20000000000ULL,
				    .guarantees = 1 };
	v[0] = (struct daqs_ctl_vm){ .name = "web-1",
				     .cls = "guarantee",
				     .link = "up0",
				     .min_bps = 10000000000ULL,
				     .max_bps = DAQS_RATE_UNLIMITED,
				     .weight = 1,
				     .tx_bps = 9850000000.5,
				     .rx_bps = 0.1,
				     .limit_bps = 30000000000ULL,
				     .agent = "ok",
				     .satisfaction = 1.0,
				     .applies = 17,
				     .limit_lost = 2,
				     .limit_changes = 5,
				     .tx_bytes = (1ULL << 53) + 1, /* exact: not through a double */
				     .rx_bytes = 37020000,
				     .tx_packets = 197000000,
				     .rx_packets = 610000 };
	v[1] = (struct daqs_ctl_vm){ .name = "a\\b\"c\nd",
				     .cls = "best-effort",
				     .link = "up0",
				     .max_bps = 300000000,
				     .weight = 1,
				     .tx_bps = NAN,
				     .rx_bps = NAN,
				     .limit_bps = DAQS_RATE_UNLIMITED,
				     .agent = "not-connected",
				     .satisfaction = NAN,
				     .agent_errors = UINT64_MAX,
				     .rx_packets = 1 };
	st.links = &l;
	st.n_links = 1;
	st.vms = v;
	st.n_vms = 2;
	pf = (struct daqs_ctl_pf){ .name = "ens1f0",
				   .driver = "ice",
				   .vfs = 8,
				   .levers = "devlink-leaf,devlink-node",
				   .min = "absolute" };
	st.pfs = &pf;
	st.n_pfs = 1;
}

START_TEST(test_golden)
{
	char *text;

	sample();
	text = daqs_metrics_render(&st);
	ck_assert_str_eq(text, golden);
	free(text);
}
END_TEST

/* Nothing measured, nothing limited: those families keep HELP/TYPE but have no sample. */
START_TEST(test_absent_values_left_out)
{
	char *text;

	sample();
	st.cycle_ms = NAN;
	l.effective_bps = NAN;
	l.utilisation = NAN;
	v[0] = v[1];
	text = daqs_metrics_render(&st);
	ck_assert_ptr_null(strstr(text, "NaN"));
	ck_assert_ptr_null(strstr(text, "nan"));
	ck_assert_ptr_null(strstr(text, "Inf"));
	ck_assert_ptr_null(strstr(text, "inf\n"));
	ck_assert_ptr_nonnull(strstr(text, "# TYPE daqs_cycle_duration_seconds gauge\n"
					   "# HELP daqs_link_capacity"));
	ck_assert_ptr_nonnull(strstr(text, "# TYPE daqs_link_effective_capacity_bytes_per_second "
					   "gauge\n# HELP daqs_link_utilisation_ratio"));
	ck_assert_ptr_nonnull(strstr(text, "# TYPE daqs_link_utilisation_ratio gauge\n"
					   "# HELP daqs_link_reserved"));
	ck_assert_ptr_nonnull(strstr(text, "# TYPE daqs_vm_limit_bytes_per_second gauge\n"
					   "# HELP daqs_vm_min"));
	ck_assert_ptr_nonnull(strstr(text, "# TYPE daqs_vm_guarantee_satisfaction_ratio gauge\n"
					   "# HELP daqs_vm_agent_errors_total"));
	ck_assert_ptr_null(strstr(text, "daqs_vm_tx_bytes_per_second{"));
	ck_assert_ptr_null(strstr(text, "daqs_vm_rx_bytes_per_second{"));
	ck_assert_ptr_nonnull(strstr(text, "daqs_link_capacity_bytes_per_second{link=\"up0\"} "
					   "5000000000\n"));
	free(text);
}
END_TEST

/* Every line: a comment, or NAME{labels} VALUE; the text ends in a newline. */
START_TEST(test_line_shapes)
{
	char *text, *save = NULL;
	size_t samples = 0;

	sample();
	snprintf(l.name, sizeof(l.name), "x\\\"\n");
	text = daqs_metrics_render(&st);
	ck_assert_int_eq(text[strlen(text) - 1], '\n');
	ck_assert_ptr_nonnull(strstr(text, "{link=\"x\\\\\\\"\\n\"} 5000000000\n"));
	for (char *ln = strtok_r(text, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(ln, "# HELP daqs_", 12) || !strncmp(ln, "# TYPE daqs_", 12))
			continue;
		ck_assert_msg(!strncmp(ln, "daqs_", 5), "line '%s'", ln);
		ck_assert_msg(strchr(ln, ' ') && strchr(ln, ' ')[1] >= '0' &&
				      strchr(ln, ' ')[1] <= '9',
			      "line '%s'", ln);
		samples++;
	}
	/* 2 daemon + 5 link + 4 link admission (share, admittable, committed, free) + 5 of VM 0
	 * (tx rx limit min sat) + 2 (min max) + 2x9 per-VM + 1 PF */
	ck_assert_uint_eq(samples, 2 + 5 + 4 + 5 + 2 + 18 + 1);
	free(text);
}
END_TEST

Suite *daqs_test_metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("render");

	tcase_add_test(tc, test_golden);
	tcase_add_test(tc, test_absent_values_left_out);
	tcase_add_test(tc, test_line_shapes);
	suite_add_tcase(s, tc);
	return s;
}
