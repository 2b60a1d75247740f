/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The threaded driver (lib/driver/controller.c): a cycle thread runs
 * periods while this thread, as daqsd's event loop and control thread do,
 * upserts, kicks and removes libvirt guests, sets VFs, sets and clears
 * overrides and reads status, all at once. Built with -Db_sanitize=thread
 * (scripts/test), ThreadSanitizer reports any record touched by two
 * threads without the lock; here it also checks the events took effect.
 * The guests' agent answers every call with "not connected", fast.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "controller.h"
#include "diag.h"
#include "mem.h"
#include "unit.h"

static int down_call(void *t, const char *request, struct json_object **reply, uint64_t deadline_ns)
{
	(void)t;
	(void)request;
	(void)deadline_ns;
	*reply = NULL;
	return -ECONNREFUSED;
}

static void down_free(void *t)
{
	free(t);
}

static const struct daqs_agent_transport_ops down_ops = { "down", down_call, down_free };

static struct daqs_agent_transport *make_down(void *arg, void (*log)(void *ud, const char *msg),
					      void *log_ud)
{
	struct daqs_agent_transport *t = daqs_calloc(1, sizeof(*t));

	(void)arg;
	(void)log;
	(void)log_ud;
	t->ops = &down_ops;
	t->t = t;
	return t;
}

static void quiet(void *ud, enum daqs_log_prio prio, const char *msg)
{
	(void)ud;
	(void)prio;
	(void)msg;
}

struct cycler {
	struct daqs_controller *c;
	atomic_bool stop;
};

static void *cycle_thread(void *arg)
{
	struct cycler *x = arg;

	while (!atomic_load(&x->stop))
		daqs_controller_cycle(x->c, daqs_monotonic_ns());
	return NULL;
}

static const char *const sla_text = "version: 1\n"
				    "links:\n"
				    "  - name: l0\n"
				    "    capacity: 1gbit\n"
				    "controller:\n"
				    "  period: 10ms\n"
				    "vms:\n"
				    "  - name: s\n"
				    "    class: best-effort\n"
				    "    agent: /nonexistent/daqs-test.sock\n"
				    "    interface: eth0\n";

static struct daqs_sla *sla_of(void)
{
	struct daqs_diags d;
	struct daqs_sla *sla = NULL;

	daqs_diags_init(&d);
	if (daqs_sla_load_buffer("t.yaml", sla_text, strlen(sla_text), &sla, &d) < 0)
		daqs_diags_print(&d, stderr);
	daqs_diags_free(&d);
	ck_assert_ptr_nonnull(sla);
	return sla;
}

static bool status_has(struct daqs_controller *c, const char *vm)
{
	char *line = NULL;
	int r = daqs_controller_status_line(c, vm, &line);

	free(line);
	return r == 0;
}

START_TEST(test_events_during_cycles)
{
	static const struct daqs_domxml_nics nics = {
		.v = { { "bridge", "52:54:00:00:00:01", "" } }, .n = 1, .n_seen = 1
	};
	struct daqs_controller_cfg cfg = { .kind = DAQS_POLICY_DAQS, .workers = 4, .log = quiet };
	struct daqs_ctl_request rq = {
		.cmd = DAQS_CTL_OVERRIDE, .vm = "s", .has_max = true, .max_bps = 50000000
	};
	struct cycler x = { 0 };
	pthread_t th;
	char why[256], name[32];
	uint64_t start;

	ck_assert_int_eq(daqs_controller_new(&cfg, sla_of(), &x.c), 0);
	ck_assert_int_eq(pthread_create(&th, NULL, cycle_thread, &x), 0);
	for (int round = 0; round < 200; round++) {
		snprintf(name, sizeof(name), "vm%d", round % 7);
		ck_assert_int_eq(daqs_controller_upsert(x.c, name, NULL, make_down, NULL, &nics),
				 0);
		daqs_controller_kick(x.c, name);
		daqs_controller_set_vf(x.c, name, round % 2 ? "pf0" : NULL, 1);
		if (round % 3 == 0)
			daqs_controller_remove(x.c, name);
		status_has(x.c, name);
		status_has(x.c, "");
		if (round % 10 == 0) {
			ck_assert_int_eq(daqs_controller_override(x.c, &rq, why, sizeof(why)), 0);
			ck_assert_int_eq(daqs_controller_clear(x.c, "s", why, sizeof(why)), 0);
		}
	}
	/* events take effect at the next period */
	daqs_controller_upsert(x.c, "last", NULL, make_down, NULL, NULL);
	start = daqs_monotonic_ns();
	while (!status_has(x.c, "last") && daqs_monotonic_ns() - start < 10000000000ULL)
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	ck_assert(status_has(x.c, "last"));
	ck_assert(status_has(x.c, "s"));
	atomic_store(&x.stop, true);
	pthread_join(th, NULL);
	ck_assert_uint_gt(daqs_controller_cycles(x.c), 1);
	daqs_controller_remove_limits(x.c, daqs_monotonic_ns() + 1000000000ULL);
	daqs_controller_free(x.c);
}
END_TEST

Suite *daqs_test_controller_suite(void)
{
	Suite *s = suite_create("controller");
	TCase *tc = tcase_create("threads");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_events_during_cycles);
	suite_add_tcase(s, tc);
	return s;
}
