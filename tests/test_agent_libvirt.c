/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The libvirt agent transport: the error table (pure), the deadline to
 * seconds conversion (pure), and real calls through libvirt's test driver
 * (test:///default, domain "test"; no daemon, no root). The test driver has
 * no virDomainQemuAgentCommand at all, so every call that reaches libvirt
 * fails with VIR_ERR_NO_SUPPORT; what those calls prove is the plumbing:
 * the reference taken on the domain, the error read and translated once,
 * one log line per failure, and no libvirt call when the deadline has passed.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "agent_libvirt.h"
#include "clock.h"
#include "mem.h"
#include "unit.h"

/* The codes documented in agent_libvirt.c, as Debian 12's libvirt 9.0 defines them. */
_Static_assert(VIR_ERR_INTERNAL_ERROR == 1, "libvirt code");
_Static_assert(VIR_ERR_NO_SUPPORT == 3, "libvirt code");
_Static_assert(VIR_ERR_OPERATION_FAILED == 9, "libvirt code");
_Static_assert(VIR_ERR_SYSTEM_ERROR == 38, "libvirt code");
_Static_assert(VIR_ERR_RPC == 39, "libvirt code");
_Static_assert(VIR_ERR_NO_DOMAIN == 42, "libvirt code");
_Static_assert(VIR_ERR_OPERATION_INVALID == 55, "libvirt code");
_Static_assert(VIR_ERR_OPERATION_TIMEOUT == 68, "libvirt code");
_Static_assert(VIR_ERR_ARGUMENT_UNSUPPORTED == 74, "libvirt code");
_Static_assert(VIR_ERR_AGENT_UNRESPONSIVE == 86, "libvirt code");
_Static_assert(VIR_ERR_AGENT_UNSYNCED == 97, "libvirt code");

/* ---- the error table ---- */

static const struct {
	int code;
	const char *message;
	int err;
} errno_cases[] = {
	{ VIR_ERR_AGENT_UNRESPONSIVE,
	  "Guest agent is not responding: QEMU guest agent is not connected", -ENOTCONN },
	{ VIR_ERR_AGENT_UNRESPONSIVE,
	  "Guest agent is not responding: QEMU guest agent is not connected (/run/x.sock)",
	  -ENOTCONN },
	{ VIR_ERR_AGENT_UNRESPONSIVE,
	  "Guest agent is not responding: QEMU guest agent is not available due to an error",
	  -ENOTCONN },
	{ VIR_ERR_AGENT_UNRESPONSIVE,
	  "Guest agent is not responding: Guest agent disappeared while executing command",
	  -ECONNRESET },
	{ VIR_ERR_AGENT_UNRESPONSIVE,
	  "Guest agent is not responding: Guest agent not available for now", -ETIMEDOUT },
	{ VIR_ERR_AGENT_UNRESPONSIVE, "Le agent invité ne répond pas", -ETIMEDOUT },
	{ VIR_ERR_AGENT_UNRESPONSIVE, NULL, -ETIMEDOUT },
	{ VIR_ERR_ARGUMENT_UNSUPPORTED, "argument unsupported: QEMU guest agent is not configured",
	  -EOPNOTSUPP },
	{ VIR_ERR_AGENT_UNSYNCED, "guest agent replied with wrong id to guest-sync", -EPROTO },
	{ VIR_ERR_OPERATION_TIMEOUT,
	  "Timed out during operation: cannot acquire state change lock "
	  "(held by agent=remoteDispatchDomainQemuAgentCommand)",
	  -EBUSY },
	{ VIR_ERR_OPERATION_TIMEOUT,
	  "Timed out during operation: cannot acquire state change lock "
	  "(held by monitor=remoteDispatchDomainGetInfo agent=remoteDispatchDomainFSFreeze)",
	  -EBUSY },
	{ VIR_ERR_OPERATION_FAILED,
	  "operation failed: cannot acquire state change lock (held by "
	  "agent=remoteDispatchDomainQemuAgentCommand) due to max_queued limit",
	  -EBUSY },
	{ VIR_ERR_NO_SUPPORT,
	  "this function is not supported by the connection driver: virDomainQemuAgentCommand",
	  -EOPNOTSUPP },
	{ VIR_ERR_OPERATION_INVALID, "Requested operation is not valid: domain is not running",
	  -ESRCH },
	{ VIR_ERR_NO_DOMAIN,
	  "Domain not found: no domain with matching uuid "
	  "'6695eb01-f6a4-8304-79aa-97f2502e193f' (test)",
	  -ENOENT },
	{ VIR_ERR_INTERNAL_ERROR,
	  "internal error: unable to execute QEMU agent command 'guest-exec': "
	  "Guest agent command failed, error was 'Failed to execute child process'",
	  -EREMOTEIO },
	{ VIR_ERR_INTERNAL_ERROR, "internal error: client socket is closed", -EIO },
	{ VIR_ERR_INTERNAL_ERROR, "internal error: Missing agent reply object", -EIO },
	{ VIR_ERR_INTERNAL_ERROR, NULL, -EIO },
	{ VIR_ERR_SYSTEM_ERROR, "Cannot write data: Broken pipe", -EIO },
	{ VIR_ERR_SYSTEM_ERROR, "Cannot recv data: Connection reset by peer", -EIO },
	{ VIR_ERR_RPC, "rpc error: the connection is closed", -EIO },
	/* anything else, whatever the text says */
	{ VIR_ERR_OK, NULL, -EIO },
	{ VIR_ERR_NO_CONNECT, "Failed to connect socket", -EIO },
	{ VIR_ERR_INVALID_CONN, "invalid connection pointer in virDomainQemuAgentCommand", -EIO },
	{ VIR_ERR_INVALID_DOMAIN, "invalid domain pointer in virDomainQemuAgentCommand", -EIO },
	{ VIR_ERR_OPERATION_FAILED, "QEMU guest agent is not connected", -EIO },
	{ VIR_ERR_RESOURCE_BUSY, "unable to execute QEMU agent command 'x': y", -EIO },
	{ VIR_ERR_MULTIPLE_DOMAINS + 1, "", -EIO }, /* newer than 9.0 */
	{ 12345, "Guest agent disappeared", -EIO },
	{ -1, NULL, -EIO },
};

START_TEST(test_errno_table)
{
	int got = daqs_libvirt_agent_errno(errno_cases[_i].code, errno_cases[_i].message);

	ck_assert_msg(got == errno_cases[_i].err, "code %d '%s': got %d (%s), want %d (%s)",
		      errno_cases[_i].code,
		      errno_cases[_i].message ? errno_cases[_i].message : "(null)", got,
		      strerror(-got), errno_cases[_i].err, strerror(-errno_cases[_i].err));
}
END_TEST

/* ---- deadline to libvirt's whole seconds ---- */

#define SEC 1000000000ULL

static const struct {
	uint64_t deadline_ns, now_ns;
	int want;
} timeout_cases[] = {
	{ 0, 0, -ETIMEDOUT },
	{ 100, 100, -ETIMEDOUT },
	{ 100, 101, -ETIMEDOUT },
	{ 5 * SEC, 7 * SEC, -ETIMEDOUT },
	{ 1, 0, 1 }, /* 1 ns left: at least one second */
	{ SEC, 0, 1 },
	{ SEC + 1, 0, 2 },		   /* rounded up */
	{ 7 * SEC + SEC / 2, 5 * SEC, 3 }, /* 2.5 s */
	{ 30 * SEC + 5, 5, 30 },
	{ UINT64_MAX, 0, INT_MAX }, /* "forever" is capped, not wrapped */
	{ UINT64_MAX, UINT64_MAX - 1, 1 },
};

START_TEST(test_timeout_table)
{
	ck_assert_int_eq(daqs_libvirt_agent_timeout_s(timeout_cases[_i].deadline_ns,
						      timeout_cases[_i].now_ns),
			 timeout_cases[_i].want);
}
END_TEST

/* ---- real libvirt: the test driver ---- */

struct log_capture {
	int n;
	char line[1024];
};

static void capture(void *ud, const char *msg)
{
	struct log_capture *c = ud;

	c->n++;
	snprintf(c->line, sizeof(c->line), "%s", msg);
}

static void quiet(void *ud, virErrorPtr e)
{
}

static virConnectPtr conn;
static virDomainPtr dom;

static void testdrv_setup(void)
{
	virSetErrorFunc(NULL, quiet);
	conn = virConnectOpen("test:///default");
	ck_assert_ptr_nonnull(conn);
	dom = virDomainLookupByName(conn, "test");
	ck_assert_ptr_nonnull(dom);
}

/*
 * Closing the last connection also resets the driver's default state, which
 * is shared by every test:///default connection in the process. 0 from
 * virConnectClose means no reference remains: the transport released the
 * domain (LeakSanitizer cannot tell, libvirt's objects stay reachable).
 */
static void testdrv_teardown(void)
{
	if (dom)
		virDomainFree(dom);
	dom = NULL;
	if (conn)
		ck_assert_int_eq(virConnectClose(conn), 0);
	conn = NULL;
}

static const char ping[] = "{\"execute\":\"guest-ping\"}";

/* -EOPNOTSUPP (VIR_ERR_NO_SUPPORT), one log line; the transport's own reference suffices. */
START_TEST(test_testdrv_ping_unsupported)
{
	struct log_capture log = { 0 };
	struct daqs_agent_transport *t = daqs_agent_libvirt_new(dom, capture, &log);
	virConnectPtr keep = conn;
	struct json_object *reply = (struct json_object *)&log; /* any non-NULL: it must be reset */
	int r;

	ck_assert_ptr_nonnull(t);
	ck_assert_str_eq(t->ops->name, "libvirt");
	/* drop the caller's domain: the transport's reference keeps it usable */
	virDomainFree(dom);
	dom = NULL;
	conn = NULL;

	r = t->ops->call(t->t, ping, &reply, daqs_monotonic_ns() + 2 * SEC);
	ck_assert_int_eq(r, -EOPNOTSUPP);
	ck_assert_ptr_null(reply);
	ck_assert_int_eq(log.n, 1);
	ck_assert_str_eq(log.line, "agent: call failed 'test' (this function is not supported by "
				   "the connection driver: virDomainQemuAgentCommand)");
	ck_assert_ptr_null(virGetLastError()); /* reported once, then cleared */

	/* a request with its newline is the same request */
	r = t->ops->call(t->t, "{\"execute\":\"guest-ping\"}\n", &reply, daqs_monotonic_ns() + SEC);
	ck_assert_int_eq(r, -EOPNOTSUPP);
	ck_assert_int_eq(log.n, 2);
	/* the transport holds the connection (through the domain) until freed */
	ck_assert_int_gt(virConnectClose(keep), 0);
	t->ops->free(t->t);
}
END_TEST

static const struct {
	const char *name;
	int64_t deadline_offset_ns; /* from now */
} passed_cases[] = {
	{ "now", 0 },
	{ "1 ns ago", -1 },
	{ "10 s ago", -10 * (int64_t)SEC },
};

/* -ETIMEDOUT, one log line, and libvirt is not called (it would leave an error). */
START_TEST(test_testdrv_deadline_passed)
{
	struct log_capture log = { 0 };
	struct daqs_agent_transport *t = daqs_agent_libvirt_new(dom, capture, &log);
	struct json_object *reply = NULL;
	uint64_t deadline = daqs_monotonic_ns() + (uint64_t)passed_cases[_i].deadline_offset_ns;
	int r;

	virResetLastError();
	r = t->ops->call(t->t, ping, &reply, deadline);
	ck_assert_msg(r == -ETIMEDOUT, "%s: got %d", passed_cases[_i].name, r);
	ck_assert_ptr_null(reply);
	ck_assert_ptr_null(virGetLastError());
	ck_assert_int_eq(log.n, 1);
	ck_assert_str_eq(log.line, "agent: call failed 'test' (deadline passed before the call)");
	t->ops->free(t->t);
}
END_TEST

static const char *const bad_requests[] = {
	"",
	"\n",
	"{\"execute\":\"guest-ping\"}\n{\"execute\":\"guest-ping\"}",
	"{\"execute\":\n\"guest-ping\"}",
};

/* Not one line: -EINVAL before libvirt is called. */
START_TEST(test_testdrv_bad_request)
{
	struct log_capture log = { 0 };
	struct daqs_agent_transport *t = daqs_agent_libvirt_new(dom, capture, &log);
	struct json_object *reply = NULL;

	virResetLastError();
	ck_assert_int_eq(t->ops->call(t->t, bad_requests[_i], &reply, daqs_monotonic_ns() + SEC),
			 -EINVAL);
	ck_assert_ptr_null(reply);
	ck_assert_ptr_null(virGetLastError());
	ck_assert_int_eq(log.n, 1);
	ck_assert_str_eq(log.line, "agent: call failed 'test' (request is not exactly one line)");
	t->ops->free(t->t);
}
END_TEST

/*
 * A destroyed domain. The test driver has no agent-command entry point, so
 * libvirt's dispatcher answers VIR_ERR_NO_SUPPORT before any state check:
 * the transport sees -EOPNOTSUPP, not "domain is not running". The error a
 * driver does raise for an agent query on that stopped domain (the test
 * driver's agent-sourced interface addresses) must translate to -ESRCH.
 */
START_TEST(test_testdrv_destroyed)
{
	struct log_capture log = { 0 };
	struct daqs_agent_transport *t = daqs_agent_libvirt_new(dom, capture, &log);
	virDomainInterfacePtr *ifaces = NULL;
	virErrorPtr e;
	struct json_object *reply = NULL;

	ck_assert_int_eq(virDomainDestroy(dom), 0);
	ck_assert_int_eq(virDomainIsActive(dom), 0);

	ck_assert_int_eq(t->ops->call(t->t, ping, &reply, daqs_monotonic_ns() + SEC), -EOPNOTSUPP);
	ck_assert_ptr_null(reply);
	ck_assert_int_eq(log.n, 1);

	ck_assert_int_lt(virDomainInterfaceAddresses(dom, &ifaces,
						     VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT, 0),
			 0);
	e = virGetLastError();
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->code, VIR_ERR_OPERATION_INVALID);
	ck_assert_str_eq(e->message, "Requested operation is not valid: domain is not running");
	ck_assert_int_eq(daqs_libvirt_agent_errno(e->code, e->message), -ESRCH);
	virResetLastError();
	t->ops->free(t->t);
}
END_TEST

/* No log callback: failures are still returned, nothing is printed. */
START_TEST(test_testdrv_no_log)
{
	struct daqs_agent_transport *t = daqs_agent_libvirt_new(dom, NULL, NULL);
	struct json_object *reply = NULL;

	ck_assert_int_eq(t->ops->call(t->t, ping, &reply, daqs_monotonic_ns() + SEC), -EOPNOTSUPP);
	ck_assert_int_eq(t->ops->call(t->t, ping, &reply, 0), -ETIMEDOUT);
	t->ops->free(t->t);
	ck_assert_ptr_null(daqs_agent_libvirt_new(NULL, NULL, NULL));
}
END_TEST

Suite *daqs_test_agent_libvirt_suite(void)
{
	Suite *s = suite_create("agent_libvirt");
	TCase *tc = tcase_create("mapping");

	tcase_add_loop_test(tc, test_errno_table, 0, (int)DAQS_ARRAY_SIZE(errno_cases));
	tcase_add_loop_test(tc, test_timeout_table, 0, (int)DAQS_ARRAY_SIZE(timeout_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("testdriver");
	tcase_add_checked_fixture(tc, testdrv_setup, testdrv_teardown);
	tcase_add_test(tc, test_testdrv_ping_unsupported);
	tcase_add_loop_test(tc, test_testdrv_deadline_passed, 0,
			    (int)DAQS_ARRAY_SIZE(passed_cases));
	tcase_add_loop_test(tc, test_testdrv_bad_request, 0, (int)DAQS_ARRAY_SIZE(bad_requests));
	tcase_add_test(tc, test_testdrv_destroyed);
	tcase_add_test(tc, test_testdrv_no_log);
	suite_add_tcase(s, tc);
	return s;
}
