/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The adapter unit tests (daqs_io: guest-agent session over a fake transport,
 * libvirt transport against libvirt's test driver, the polling pool), in their own runner so
 * that the pure-core runner links the core alone. Ends with Check's summary.
 */
#include <stdlib.h>

#include "unit.h"

int main(void)
{
	Suite *(*const suites[])(void) = {
		daqs_test_guest_suite,	 daqs_test_agent_libvirt_suite, daqs_test_poller_suite,
		daqs_test_state_suite,	 daqs_test_host_counters_suite, daqs_test_pf_netlink_suite,
		daqs_test_devlink_suite, daqs_test_vf_hotplug_suite,	daqs_test_controller_suite,
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
