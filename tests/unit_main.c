/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The unit-test runner: every pure-core suite in one Check runner, so the run
 * ends with Check's summary line ("NN%: Checks: N, Failures: F, Errors: E").
 * Run one suite with CK_RUN_SUITE=name, one case with CK_RUN_CASE=name.
 */
#include <stdlib.h>

#include "unit.h"

int main(void)
{
	Suite *(*const suites[])(void) = {
		daqs_test_units_suite,	   daqs_test_ytree_suite,     daqs_test_sla_suite,
		daqs_test_estimator_suite, daqs_test_waterfill_suite, daqs_test_policy_suite,
		daqs_test_sim_suite,	   daqs_test_base64_suite,    daqs_test_qga_suite,
		daqs_test_tcplan_suite,	   daqs_test_ctl_suite,	      daqs_test_metrics_suite,
		daqs_test_ctl_table_suite, daqs_test_vf_rate_suite,   daqs_test_vf_alloc_suite,
		daqs_test_cycle_suite,	   daqs_test_netname_suite,   daqs_test_jsonline_suite,
		daqs_test_tcpqueue_suite,  daqs_test_domxml_suite,    daqs_test_tapmatch_suite,
		daqs_test_pf_caps_suite,
	};
	SRunner *sr = srunner_create(NULL);
	int failed;

	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		srunner_add_suite(sr, suites[i]());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
