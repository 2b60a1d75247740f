/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The guest-agent session (lib/adapters/guest.c) over tests/fake_transport.c, with
 * reply lines recorded from a real qemu-ga 7.2.22 (tests/data/qga/,
 * tests/data/guest/) and tc readbacks captured from iproute2 6.1
 * (tests/data/guest/tc-*); and the /proc/net/dev parser (lib/core/procnetdev.c)
 * on real samples (tests/data/procnetdev/).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base64.h"
#include "clock.h"
#include "fake_transport.h"
#include "guest.h"
#include "jsonline.h"
#include "mem.h"
#include "procnetdev.h"
#include "sla.h"
#include "unit.h"

#define MS 1000000ULL
#define MAX_STEPS 48
#define RECORDED_PID "32357" /* pid in qga/exec-tc-show-exec */

/* ---- scaffolding ---- */

struct script {
	struct fake_step steps[MAX_STEPS];
	size_t n;
	char *owned[MAX_STEPS];
	size_t nowned;
};

struct logbuf {
	char text[4096];
	size_t lines;
};

static void log_cb(void *ud, const char *msg)
{
	struct logbuf *l = ud;
	size_t used = strlen(l->text);

	snprintf(l->text + used, sizeof(l->text) - used, "%s\n", msg);
	l->lines++;
}

static size_t log_count(const struct logbuf *l, const char *s)
{
	size_t c = 0;

	for (const char *p = l->text; (p = strstr(p, s)); p++)
		c++;
	return c;
}

static void add(struct script *s, const char *execute, const char *contains, const char *reply,
		int rc, bool repeat)
{
	ck_assert_uint_lt(s->n, MAX_STEPS);
	s->steps[s->n++] = (struct fake_step){
		.execute = execute, .contains = contains, .reply = reply, .rc = rc, .repeat = repeat
	};
}

static const char *own(struct script *s, char *str)
{
	ck_assert_uint_lt(s->nowned, MAX_STEPS);
	s->owned[s->nowned++] = str;
	return str;
}

/* An exited guest-exec-status reply with exit code, stdout text and stderr file (NULL = absent). */
static const char *status_out(struct script *s, int exitcode, const char *out, const char *err_file)
{
	char *err = err_file ? daqs_test_data(NULL, "%s", err_file) : NULL;
	char *o64 = out ? daqs_base64_encode(out, strlen(out)) : NULL;
	char *e64 = err ? daqs_base64_encode(err, strlen(err)) : NULL;
	char *od = o64 ? daqs_asprintf("\"out-data\": \"%s\", \"out-truncated\": false, ", o64)
		       : daqs_strdup("");
	char *ed = e64 ? daqs_asprintf("\"err-data\": \"%s\", \"err-truncated\": false, ", e64)
		       : daqs_strdup("");
	char *line = daqs_asprintf("{\"return\": {\"exitcode\": %d, %s%s\"exited\": true}}",
				   exitcode, ed, od);

	free(err);
	free(o64);
	free(e64);
	free(od);
	free(ed);
	return own(s, line);
}

/* What the readback lines print for tests/data/guest/tc-NAME-*: qdisc JSON, then class text. */
static const char *readback_out(struct script *s, const char *name)
{
	char *q = daqs_test_data(NULL, "guest/tc-%s-qdisc.json", name);
	char *c = daqs_test_data(NULL, "guest/tc-%s-class.txt", name);
	const char *out = own(s, daqs_asprintf("%s%s", q, c));

	free(q);
	free(c);
	return out;
}

/* One guest-exec (request holding contains) that exits at the first poll. */
static void add_exec(struct script *s, const char *contains, const char *status)
{
	add(s, "guest-exec", contains, "@qga/exec-tc-show-exec", 0, false);
	add(s, "guest-exec-status", "\"pid\":" RECORDED_PID, status, 0, false);
}

#define TC_BATCH_ARGS "\"arg\":[\"-j\",\"-d\",\"-batch\",\"-\"]"

/* The readback alone (its lines exactly, on stdin), answered from tests/data/guest/tc-NAME-*. */
static void add_readback(struct script *s, const char *ifname, const char *name)
{
	char *lines = daqs_tcplan_readback(ifname);
	char *b64 = daqs_base64_encode(lines, strlen(lines));

	add_exec(s, own(s, daqs_asprintf(TC_BATCH_ARGS ",\"input-data\":\"%s\"", b64)),
		 status_out(s, 0, readback_out(s, name), NULL));
	free(b64);
	free(lines);
}

/* A plan with the readback after it: exits exitcode, prints readback NAME (NULL: nothing). */
static void add_apply(struct script *s, int exitcode, const char *name, const char *err_file)
{
	add_exec(s, TC_BATCH_ARGS,
		 status_out(s, exitcode, name ? readback_out(s, name) : NULL, err_file));
}

struct fixture {
	struct script s;
	struct logbuf log;
	struct fake_transport *f;
	struct daqs_guest *g;
};

static void fixture_start(struct fixture *x)
{
	x->f = fake_transport_new(x->s.steps, x->s.n);
	x->g = daqs_guest_new(fake_transport_get(x->f), "vm1", log_cb, &x->log);
}

static void fixture_end(struct fixture *x, bool all_used)
{
	if (all_used)
		ck_assert_msg(fake_transport_done(x->f), "script not used up (%zu requests)",
			      fake_transport_nrequests(x->f));
	daqs_guest_free(x->g);
	ck_assert(fake_transport_freed(x->f));
	fake_transport_destroy(x->f);
	for (size_t i = 0; i < x->s.nowned; i++)
		free(x->s.owned[i]);
}

static uint64_t in_ms(uint64_t ms)
{
	return daqs_monotonic_ns() + ms * MS;
}

/* The stdin of a recorded guest-exec request, decoded (caller frees). */
static char *request_stdin(const char *req)
{
	json_object *o = daqs_jsonline_parse_once(req, strlen(req), DAQS_QGA_MAX_REPLY,
						  DAQS_QGA_MAX_DEPTH),
		    *args, *in;
	char *buf = NULL;
	size_t n = 0;
	const char *b64;

	ck_assert(o && json_object_object_get_ex(o, "arguments", &args));
	if (json_object_object_get_ex(args, "input-data", &in)) {
		b64 = json_object_get_string(in);
		buf = daqs_malloc(strlen(b64) + 1);
		ck_assert_int_eq(daqs_base64_decode(b64, strlen(b64), buf, strlen(b64), &n, NULL),
				 0);
		buf[n] = '\0';
	}
	json_object_put(o);
	return buf;
}

/* ---- exec ---- */

START_TEST(test_exec_ok)
{
	static const char *const argv[] = { "-batch", "-", NULL };
	struct fixture x = { .log.lines = 0 };
	struct daqs_qga_exec_status st;
	char *in;

	add(&x.s, "guest-info", NULL, "@qga/guest-info", 0, false);
	add(&x.s, "guest-exec", "{\"path\":\"/sbin/tc\",\"arg\":[\"-batch\",\"-\"],\"input-data\"",
	    "@qga/exec-tc-show-exec", 0, false);
	add(&x.s, "guest-exec-status", "\"pid\":" RECORDED_PID, "@qga/exec-tc-show-running", 0,
	    true);
	add(&x.s, "guest-exec-status", "\"pid\":" RECORDED_PID, "@qga/exec-tc-show-status", 0,
	    false);
	fixture_start(&x);
	ck_assert_int_eq(daqs_guest_exec(x.g, "/sbin/tc", argv, "qdisc show dev qv0\n", 19,
					 in_ms(2000), &st),
			 0);
	ck_assert(st.exited && st.has_exitcode);
	ck_assert_int_eq(st.exitcode, 0);
	ck_assert_str_eq(st.out, "qdisc noqueue 0: root refcnt 2 \n");
	ck_assert_ptr_null(st.err);
	daqs_qga_exec_status_clear(&st);
	in = request_stdin(fake_transport_request(x.f, 1));
	ck_assert_str_eq(in, "qdisc show dev qv0\n");
	free(in);
	ck_assert_uint_eq(daqs_guest_reap_pending(x.g), 0);
	ck_assert_uint_eq(x.log.lines, 0);
	fixture_end(&x, true);
}
END_TEST

/* Non-zero exit and death by signal are results (0), not errors. */
START_TEST(test_exec_exit_codes)
{
	struct fixture x = { .log.lines = 0 };
	struct daqs_qga_exec_status st;

	add(&x.s, "guest-info", NULL, "@qga/guest-info", 0, false);
	add_exec(&x.s, NULL, "@qga/exec-tc-fail-status");
	add_exec(&x.s, NULL, "@qga/exec-kill-status");
	add_exec(&x.s, NULL, "@qga/exec-both-status");
	fixture_start(&x);
	ck_assert_int_eq(daqs_guest_exec(x.g, "/sbin/tc", NULL, NULL, 0, in_ms(2000), &st), 0);
	ck_assert(st.has_exitcode && st.exitcode == 1);
	ck_assert_str_eq(st.err, "Cannot find device \"nosuch0\"\nCommand failed -:1\n");
	daqs_qga_exec_status_clear(&st);
	ck_assert_int_eq(daqs_guest_exec(x.g, "/bin/true", NULL, NULL, 0, in_ms(2000), &st), 0);
	ck_assert(st.has_signal && !st.has_exitcode && st.signal == 15);
	daqs_qga_exec_status_clear(&st);
	ck_assert_int_eq(daqs_guest_exec(x.g, "/bin/true", NULL, NULL, 0, in_ms(2000), &st), 0);
	ck_assert(st.exitcode == 3 && !strcmp(st.out, "out\n") && !strcmp(st.err, "err\n"));
	daqs_qga_exec_status_clear(&st);
	fixture_end(&x, true);
}
END_TEST

START_TEST(test_exec_spawn_failure)
{
	struct fixture x = { .log.lines = 0 };
	struct daqs_qga_exec_status st;

	add(&x.s, "guest-info", NULL, "@qga/guest-info", 0, false);
	add(&x.s, "guest-exec", "/nonexistent/tc", "@qga/exec-nosuch-exec", 0, false);
	fixture_start(&x);
	ck_assert_int_eq(daqs_guest_exec(x.g, "/nonexistent/tc", NULL, NULL, 0, in_ms(2000), &st),
			 -ENOENT);
	ck_assert_ptr_null(st.out);
	ck_assert_uint_eq(daqs_guest_reap_pending(x.g), 0);
	/* relative paths never reach the agent */
	ck_assert_int_eq(daqs_guest_exec(x.g, "tc", NULL, NULL, 0, in_ms(2000), &st), -EINVAL);
	ck_assert_uint_eq(fake_transport_nrequests(x.f), 2);
	fixture_end(&x, true);
}
END_TEST

/*
 * The deadline passes while the process runs: -ETIMEDOUT and the pid is
 * kept; the next calls poll it first (still running: kept; exited: gone),
 * and a pid the agent forgot (error reply) is dropped.
 */
START_TEST(test_exec_timeout_then_reaped)
{
	struct fixture x = { .log.lines = 0 };
	struct daqs_qga_exec_status st;
	uint64_t t0;

	add(&x.s, "guest-info", NULL, "@qga/guest-info", 0, false);
	add(&x.s, "guest-exec", "/bin/sleep", "@qga/exec-tc-show-exec", 0, false);
	add(&x.s, "guest-exec-status", "\"pid\":" RECORDED_PID, "@qga/exec-tc-show-running", 0,
	    true);
	/* (the first ping's reap poll is answered "running" by the step above) */
	add(&x.s, "guest-ping", NULL, "@qga/ping", 0, false);
	add(&x.s, "guest-exec-status", "\"pid\":" RECORDED_PID, "@qga/exec-sleep-status", 0, false);
	add(&x.s, "guest-ping", NULL, "@qga/ping", 0, false);
	add(&x.s, "guest-ping", NULL, "@qga/ping", 0, false);
	fixture_start(&x);
	t0 = daqs_monotonic_ns();
	ck_assert_int_eq(daqs_guest_exec(x.g, "/bin/sleep", NULL, NULL, 0, t0 + 60 * MS, &st),
			 -ETIMEDOUT);
	ck_assert_uint_lt(daqs_monotonic_ns(), t0 + 60 * MS); /* gave up before, not after */
	ck_assert_ptr_null(st.out);
	ck_assert_uint_eq(daqs_guest_reap_pending(x.g), 1);
	ck_assert_uint_eq(log_count(&x.log, "pid " RECORDED_PID " still running"), 1);
	/* a ping without its guest-exec-status would have been refused by the script */
	ck_assert_int_eq(daqs_guest_ping(x.g, in_ms(1000)), 0);
	ck_assert_uint_eq(daqs_guest_reap_pending(x.g), 1);
	ck_assert_str_eq(fake_transport_request(x.f, fake_transport_nrequests(x.f) - 2),
			 "{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":" RECORDED_PID
			 "}}\n");
	ck_assert_int_eq(daqs_guest_ping(x.g, in_ms(1000)), 0);
	ck_assert_uint_eq(daqs_guest_reap_pending(x.g), 0);
	ck_assert_int_eq(daqs_guest_ping(x.g, in_ms(1000)), 0);
	fixture_end(&x, true);
}
END_TEST

START_TEST(test_reap_forgotten_pid)
{
	struct fixture x = { .log.lines = 0 };
	struct daqs_qga_exec_status st;

	add(&x.s, "guest-info", NULL, "@qga/guest-info", 0, false);
	add(&x.s, "guest-exec", NULL, "@qga/exec-tc-show-exec", 0, false);
	/* the status poll itself times out in the transport: pid kept */
	add(&x.s, "guest-exec-status", NULL, NULL, -ETIMEDOUT, false);
	/* agent restarted meanwhile: it no longer knows the pid, dropped */
	add(&x.s, "guest-exec-status", "\"pid\":" RECORDED_PID, "@qga/exec-tc-show-reaped", 0,
	    false);
	add(&x.s, "guest-ping", NULL, "@qga/ping", 0, false);
	fixture_start(&x);
	ck_assert_int_eq(daqs_guest_exec(x.g, "/bin/x", NULL, NULL, 0, in_ms(1000), &st),
			 -ETIMEDOUT);
	ck_assert_uint_eq(daqs_guest_reap_pending(x.g), 1);
	ck_assert_int_eq(daqs_guest_ping(x.g, in_ms(1000)), 0);
	ck_assert_uint_eq(daqs_guest_reap_pending(x.g), 0);
	fixture_end(&x, true);
}
END_TEST

/* ---- agent-limited ---- */

START_TEST(test_limited_from_info)
{
	struct fixture x = { .log.lines = 0 };
	struct daqs_qga_info info;
	struct daqs_qga_exec_status st;
	struct daqs_tc_state tst;
	bool ran = true;

	add(&x.s, "guest-info", NULL, "@qga/guest-info-blocked", 0, false);
	add(&x.s, "guest-info", NULL, "@qga/guest-info-blocked", 0, false);
	fixture_start(&x);
	ck_assert(!daqs_guest_limited(x.g));
	ck_assert_int_eq(daqs_guest_info(x.g, in_ms(1000), &info), 0);
	ck_assert_str_eq(info.version, "7.2.22");
	ck_assert(!(info.enabled & DAQS_QGA_EXEC));
	ck_assert(daqs_guest_limited(x.g));
	ck_assert_int_eq(daqs_guest_info(x.g, in_ms(1000), NULL), 0);
	/* enforcement verbs fail fast: no request reaches the transport */
	ck_assert_int_eq(daqs_guest_exec(x.g, "/sbin/tc", NULL, NULL, 0, in_ms(1000), &st), -EPERM);
	ck_assert_int_eq(daqs_guest_tc_state(x.g, "qv0", in_ms(1000), &tst), -EPERM);
	ck_assert_int_eq(daqs_guest_tc_apply(x.g, "qv0", 100000000, in_ms(1000), &ran), -EPERM);
	ck_assert(!ran);
	ck_assert_uint_eq(fake_transport_nrequests(x.f), 2);
	ck_assert_uint_eq(log_count(&x.log, "agent-limited"), 1); /* reported once */
	fixture_end(&x, true);
}
END_TEST

/* guest-info said enabled, but guest-exec answers "disabled": limited from then on. */
START_TEST(test_limited_from_exec)
{
	struct fixture x = { .log.lines = 0 };
	struct daqs_qga_exec_status st;

	add(&x.s, "guest-info", NULL, "@qga/guest-info", 0, false);
	add(&x.s, "guest-exec", NULL, "@qga/exec-blocked", 0, false);
	add(&x.s, "guest-info", NULL, "@qga/guest-info", 0, false);
	fixture_start(&x);
	ck_assert_int_eq(daqs_guest_exec(x.g, "/sbin/tc", NULL, NULL, 0, in_ms(1000), &st), -EPERM);
	ck_assert(daqs_guest_limited(x.g));
	ck_assert_int_eq(daqs_guest_exec(x.g, "/sbin/tc", NULL, NULL, 0, in_ms(1000), &st), -EPERM);
	ck_assert_uint_eq(fake_transport_nrequests(x.f), 2);
	/* a later guest-info showing it enabled again lifts it (reported) */
	ck_assert_int_eq(daqs_guest_info(x.g, in_ms(1000), NULL), 0);
	ck_assert(!daqs_guest_limited(x.g));
	ck_assert_uint_eq(log_count(&x.log, "agent-limited"), 2);
	fixture_end(&x, true);
}
END_TEST

/* ---- tc ---- */

START_TEST(test_tc_state)
{
	struct fixture x = { .log.lines = 0 };
	struct daqs_tc_state st;

	add(&x.s, "guest-info", NULL, "@qga/guest-info", 0, false);
	add_readback(&x.s, "gv0", "100mbit");
	fixture_start(&x);
	ck_assert_int_eq(daqs_guest_tc_state(x.g, "gv0", in_ms(2000), &st), 0);
	ck_assert(st.have_root && st.have_parent && st.have_leaf);
	ck_assert_uint_eq(st.rate_bps, 100000000);
	ck_assert_str_eq(st.leaf_qdisc, "pfifo");
	ck_assert(daqs_tcplan_matches(&st, 100000000, DAQS_TCPLAN_TOL_PPM));
	ck_assert_uint_eq(fake_transport_nrequests(x.f), 3); /* info + one exec + its status */
	fixture_end(&x, true);
}
END_TEST

/* /sbin/tc missing: /usr/sbin/tc is tried and remembered. */
START_TEST(test_tc_path_fallback)
{
	struct fixture x = { .log.lines = 0 };
	struct daqs_tc_state st;

	add(&x.s, "guest-info", NULL, "@qga/guest-info", 0, false);
	add(&x.s, "guest-exec", "\"path\":\"/sbin/tc\"", "@qga/exec-nosuch-exec", 0, false);
	add(&x.s, "guest-exec", "\"path\":\"/usr/sbin/tc\"," TC_BATCH_ARGS,
	    "@qga/exec-tc-show-exec", 0, false);
	add(&x.s, "guest-exec-status", NULL, status_out(&x.s, 0, readback_out(&x.s, "none"), NULL),
	    0, false);
	add(&x.s, "guest-exec", "\"path\":\"/usr/sbin/tc\"," TC_BATCH_ARGS,
	    "@qga/exec-tc-show-exec", 0, false);
	add(&x.s, "guest-exec-status", NULL, status_out(&x.s, 0, readback_out(&x.s, "none"), NULL),
	    0, false);
	fixture_start(&x);
	ck_assert_int_eq(daqs_guest_tc_state(x.g, "gv0", in_ms(2000), &st), 0);
	ck_assert(!st.root_handle1 && !st.have_leaf);
	ck_assert_int_eq(daqs_guest_tc_state(x.g, "gv0", in_ms(2000), &st), 0);
	fixture_end(&x, true);
}
END_TEST

START_TEST(test_tc_state_no_device)
{
	struct fixture x = { .log.lines = 0 };
	struct daqs_tc_state st;

	add(&x.s, "guest-info", NULL, "@qga/guest-info", 0, false);
	add_exec(&x.s, TC_BATCH_ARGS, "@qga/exec-tc-fail-status");
	fixture_start(&x);
	ck_assert_int_eq(daqs_guest_tc_state(x.g, "nosuch0", in_ms(2000), &st), -ENODEV);
	ck_assert_uint_eq(
		log_count(&x.log, "tc readback 'nosuch0' failed (exit 1: Cannot find device"), 1);
	fixture_end(&x, true);
}
END_TEST

/* Output that is not the two readbacks: -EPROTO, reported. */
START_TEST(test_tc_state_garbage)
{
	struct fixture x = { .log.lines = 0 };
	struct daqs_tc_state st;

	add(&x.s, "guest-info", NULL, "@qga/guest-info", 0, false);
	add_exec(&x.s, TC_BATCH_ARGS, status_out(&x.s, 0, "qdisc htb 1: root\n", NULL));
	add_exec(&x.s, TC_BATCH_ARGS, status_out(&x.s, 0, "[{\"kind\":\"htb\"", NULL));
	fixture_start(&x);
	ck_assert_int_eq(daqs_guest_tc_state(x.g, "gv0", in_ms(2000), &st), -EPROTO);
	ck_assert_int_eq(daqs_guest_tc_state(x.g, "gv0", in_ms(2000), &st), -EPROTO);
	ck_assert_uint_eq(log_count(&x.log, "tc readback of 'gv0' does not parse"), 2);
	fixture_end(&x, true);
}
END_TEST

START_TEST(test_tc_apply_skipped)
{
	struct fixture x = { .log.lines = 0 };
	bool ran = true;

	add(&x.s, "guest-info", NULL, "@qga/guest-info", 0, false);
	add_readback(&x.s, "gv0", "100mbit");
	add_readback(&x.s, "gv0", "none");
	fixture_start(&x);
	ck_assert_int_eq(daqs_guest_tc_apply(x.g, "gv0", 100000000, in_ms(2000), &ran), 0);
	ck_assert(!ran);
	/* the same again: what the readback showed is remembered, no request at all */
	ck_assert_int_eq(daqs_guest_tc_apply(x.g, "gv0", 100000000, in_ms(2000), &ran), 0);
	ck_assert(!ran);
	ck_assert_uint_eq(fake_transport_nrequests(x.f), 3);
	/* removal when nothing of ours is there (read back after forgetting): nothing runs */
	daqs_guest_tc_forget(x.g);
	ran = true;
	ck_assert_int_eq(daqs_guest_tc_apply(x.g, "gv0", DAQS_RATE_UNLIMITED, in_ms(2000), &ran),
			 0);
	ck_assert(!ran);
	ck_assert_uint_eq(fake_transport_nrequests(x.f), 5);
	fixture_end(&x, true);
}
END_TEST

/* Request req's stdin is the plan for (limit, root, fq_codel) followed by the readback lines. */
static void assert_batch(const struct fake_transport *f, size_t req, const char *ifname,
			 uint64_t limit, bool have_root, bool fq_codel)
{
	struct daqs_tcplan_in in = {
		.ifname = ifname, .limit_bps = limit, .have_root = have_root, .fq_codel = fq_codel
	};
	char *plan = NULL, *lines = daqs_tcplan_readback(ifname), *want;
	char *got = request_stdin(fake_transport_request(f, req));

	ck_assert_int_eq(daqs_tcplan_apply(&in, &plan), 0);
	want = daqs_asprintf("%s%s", plan, lines);
	ck_assert_msg(got && !strcmp(got, want), "batch '%s', want '%s'", got, want);
	free(want);
	free(plan);
	free(lines);
	free(got);
}

/*
 * First apply on a fresh interface: fq_codel tried, the guest lacks it (the
 * leaf line fails), read back, re-planned with pfifo, verified from what the
 * batch printed. Then a new limit in place and a removal: one guest-exec
 * each, planned from the state remembered, verified from the batch's output.
 */
START_TEST(test_tc_apply_verify)
{
	struct fixture x = { .log.lines = 0 };
	bool ran = false;

	add(&x.s, "guest-info", NULL, "@qga/guest-info", 0, false);
	add_readback(&x.s, "gv0", "none");			 /* reqs 1-2 */
	add_apply(&x.s, 1, NULL, "guest/tc-fqcodel-stderr.txt"); /* 3 */
	add_readback(&x.s, "gv0", "noleaf");			 /* 5 */
	add_apply(&x.s, 0, "100mbit", NULL);			 /* 7 */
	add_apply(&x.s, 0, "200mbit", NULL);			 /* 9: new limit */
	add_apply(&x.s, 0, "none", NULL);			 /* 11: removal */
	fixture_start(&x);
	ck_assert_int_eq(daqs_guest_tc_apply(x.g, "gv0", 100000000, in_ms(2000), &ran), 0);
	ck_assert(ran);
	assert_batch(x.f, 3, "gv0", 100000000, false, true);
	assert_batch(x.f, 7, "gv0", 100000000, true, false);
	ck_assert_uint_eq(log_count(&x.log, "lacks fq_codel"), 1);
	ran = false;
	ck_assert_int_eq(daqs_guest_tc_apply(x.g, "gv0", 200000000, in_ms(2000), &ran), 0);
	ck_assert(ran);
	assert_batch(x.f, 9, "gv0", 200000000, true, false);
	ran = false;
	ck_assert_int_eq(daqs_guest_tc_apply(x.g, "gv0", DAQS_RATE_UNLIMITED, in_ms(2000), &ran),
			 0);
	ck_assert(ran);
	assert_batch(x.f, 11, "gv0", DAQS_RATE_UNLIMITED, true, false);
	ck_assert_uint_eq(fake_transport_nrequests(x.f), 13);
	ck_assert_uint_eq(log_count(&x.log, "lacks fq_codel"), 1);
	fixture_end(&x, true);
}
END_TEST

/* A guest with fq_codel: the probe succeeds (a warning on stderr is only logged), kept. */
START_TEST(test_tc_apply_fq_codel_kept)
{
	struct fixture x = { .log.lines = 0 };
	bool ran = false;

	add(&x.s, "guest-info", NULL, "@qga/guest-info", 0, false);
	add_readback(&x.s, "gv0", "none");
	/* req 3: exit 0 with the warning tc printed; the readback then shows 100mbit */
	add_apply(&x.s, 0, "100mbit", "guest/tc-quantum-warning.txt");
	add_apply(&x.s, 0, "200mbit", NULL); /* req 5 */
	fixture_start(&x);
	ck_assert_int_eq(daqs_guest_tc_apply(x.g, "gv0", 100000000, in_ms(2000), &ran), 0);
	ck_assert(ran);
	assert_batch(x.f, 3, "gv0", 100000000, false, true);
	ck_assert_uint_eq(log_count(&x.log, "warned: Warning: sch_htb: quantum of class 10010"), 1);
	ck_assert_int_eq(daqs_guest_tc_apply(x.g, "gv0", 200000000, in_ms(2000), &ran), 0);
	assert_batch(x.f, 5, "gv0", 200000000, true, true);
	ck_assert_uint_eq(log_count(&x.log, "fq_codel"), 0);
	fixture_end(&x, true);
}
END_TEST

/* A removal plan has no leaf line: it must not count as an fq_codel probe. */
START_TEST(test_tc_remove_is_no_probe)
{
	struct fixture x = { .log.lines = 0 };
	bool ran = false;

	add(&x.s, "guest-info", NULL, "@qga/guest-info", 0, false);
	add_readback(&x.s, "gv0", "100mbit");
	add_apply(&x.s, 0, "none", NULL); /* req 3 */
	/* req 5: still the probe, so a failing leaf line means "no fq_codel", not an error */
	add_apply(&x.s, 1, NULL, "guest/tc-fqcodel-stderr.txt");
	add_readback(&x.s, "gv0", "noleaf");
	add_apply(&x.s, 0, "100mbit", NULL); /* req 9 */
	fixture_start(&x);
	ck_assert_int_eq(daqs_guest_tc_apply(x.g, "gv0", DAQS_RATE_UNLIMITED, in_ms(2000), &ran),
			 0);
	assert_batch(x.f, 3, "gv0", DAQS_RATE_UNLIMITED, true, true);
	ck_assert_int_eq(daqs_guest_tc_apply(x.g, "gv0", 100000000, in_ms(2000), &ran), 0);
	assert_batch(x.f, 5, "gv0", 100000000, false, true);
	assert_batch(x.f, 9, "gv0", 100000000, true, false);
	fixture_end(&x, true);
}
END_TEST

/*
 * The batch exits 0 but its readback does not show the limit: -EIO,
 * reported, and the state is forgotten: the next apply reads back first.
 */
START_TEST(test_tc_apply_not_verified)
{
	struct fixture x = { .log.lines = 0 };
	bool ran = false;

	add(&x.s, "guest-info", NULL, "@qga/guest-info", 0, false);
	add_readback(&x.s, "gv0", "100mbit");
	add_apply(&x.s, 0, "100mbit", NULL);
	add_readback(&x.s, "gv0", "100mbit"); /* req 5: read back again */
	add_apply(&x.s, 0, "200mbit", NULL);
	fixture_start(&x);
	ck_assert_int_eq(daqs_guest_tc_apply(x.g, "gv0", 300000000, in_ms(2000), &ran), -EIO);
	ck_assert(ran);
	ck_assert_uint_eq(log_count(&x.log, "does not show the limit"), 1);
	ck_assert_int_eq(daqs_guest_tc_apply(x.g, "gv0", 200000000, in_ms(2000), &ran), 0);
	ck_assert_uint_eq(fake_transport_nrequests(x.f), 9);
	fixture_end(&x, true);
}
END_TEST

/* Forgotten (the controller's periodic verify): the next apply reads back and finds a change. */
START_TEST(test_tc_apply_after_forget)
{
	struct fixture x = { .log.lines = 0 };
	bool ran = false;

	add(&x.s, "guest-info", NULL, "@qga/guest-info", 0, false);
	add_readback(&x.s, "gv0", "none");
	add_apply(&x.s, 0, "100mbit", NULL); /* req 3 */
	add_readback(&x.s, "gv0", "none");   /* req 5: someone removed it */
	add_apply(&x.s, 0, "100mbit", NULL); /* req 7: put back, planned from scratch */
	fixture_start(&x);
	ck_assert_int_eq(daqs_guest_tc_apply(x.g, "gv0", 100000000, in_ms(2000), &ran), 0);
	daqs_guest_tc_forget(x.g);
	ran = false;
	ck_assert_int_eq(daqs_guest_tc_apply(x.g, "gv0", 100000000, in_ms(2000), &ran), 0);
	ck_assert(ran);
	assert_batch(x.f, 7, "gv0", 100000000, false, true);
	fixture_end(&x, true);
}
END_TEST

/* A failing batch (not the fq_codel probe): exit code and stderr reported, -EIO. */
START_TEST(test_tc_apply_batch_fails)
{
	struct fixture x = { .log.lines = 0 };
	bool ran = false;

	add(&x.s, "guest-info", NULL, "@qga/guest-info", 0, false);
	add_readback(&x.s, "gv0", "none");
	add_exec(&x.s, TC_BATCH_ARGS, "@qga/exec-tc-fail-status");
	fixture_start(&x);
	ck_assert_int_eq(daqs_guest_tc_apply(x.g, "gv0", 100000000, in_ms(2000), &ran), -ENODEV);
	ck_assert(ran);
	ck_assert_uint_eq(log_count(&x.log, "tc -batch 'gv0' failed (exit 1: Cannot find"), 1);
	fixture_end(&x, true);
}
END_TEST

static const char *const bad_ifnames[] = {
	"",   "eth0; reboot", "eth0 up",	  "../../etc",	     ".",
	"..", "a/b",	      "0123456789abcdef", "eth0\nqdisc del", "eth0:1",
};

/* An invalid name is refused before any request: the agent never sees it. */
START_TEST(test_invalid_ifname)
{
	struct fixture x = { .log.lines = 0 };
	const char *bad = bad_ifnames[_i];
	struct daqs_tc_state st;
	char master[DAQS_IFNAMSIZ];
	bool ran = true;

	fixture_start(&x);
	ck_assert_int_eq(daqs_guest_tc_apply(x.g, bad, 100000000, in_ms(1000), &ran), -EINVAL);
	ck_assert(!ran);
	ck_assert_int_eq(daqs_guest_tc_state(x.g, bad, in_ms(1000), &st), -EINVAL);
	ck_assert_int_eq(daqs_guest_master(x.g, bad, in_ms(1000), master), -EINVAL);
	ck_assert_int_eq(daqs_guest_tc_apply(x.g, NULL, 100000000, in_ms(1000), &ran), -EINVAL);
	ck_assert_uint_eq(fake_transport_nrequests(x.f), 0);
	ck_assert_uint_eq(log_count(&x.log, "refusing an invalid interface name"), 4);
	fixture_end(&x, true);
}
END_TEST

/* Names valid to the kernel that a tc -batch line cannot carry: refused for tc, no request. */
static const char *const tc_batch_ifnames[] = { "#x", "a#b", "'x", "\"x" };

START_TEST(test_tc_batch_ifname)
{
	struct fixture x = { .log.lines = 0 };
	struct daqs_tc_state st;
	bool ran = true;

	fixture_start(&x);
	ck_assert_int_eq(daqs_guest_tc_apply(x.g, tc_batch_ifnames[_i], 100000000, in_ms(1000),
					     &ran),
			 -EINVAL);
	ck_assert(!ran);
	ck_assert_int_eq(daqs_guest_tc_state(x.g, tc_batch_ifnames[_i], in_ms(1000), &st), -EINVAL);
	ck_assert_uint_eq(fake_transport_nrequests(x.f), 0);
	ck_assert_uint_eq(log_count(&x.log, "for tc (a '#' or a leading quote)"), 2);
	fixture_end(&x, true);
}
END_TEST

/* ---- read_file ---- */

START_TEST(test_read_file_ok)
{
	struct fixture x = { .log.lines = 0 };
	struct daqs_procnetdev *v;
	size_t len, n, rej;
	char *buf;

	add(&x.s, "guest-file-open", "{\"path\":\"/proc/net/dev\",\"mode\":\"r\"}",
	    "@guest/file-open", 0, false);
	add(&x.s, "guest-file-read", "{\"handle\":1000,\"count\":65536}",
	    "@guest/file-read-procnetdev", 0, false);
	add(&x.s, "guest-file-close", "{\"handle\":1000}", "@guest/file-close", 0, false);
	fixture_start(&x);
	ck_assert_int_eq(daqs_guest_read_file(x.g, "/proc/net/dev", 65536, in_ms(1000), &buf, &len),
			 0);
	ck_assert_uint_eq(len, 323);
	ck_assert_uint_eq(strlen(buf), len);
	ck_assert_int_eq(daqs_procnetdev_parse(buf, len, &v, &n, &rej), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].name, "lo");
	free(v);
	free(buf);
	fixture_end(&x, true);
}
END_TEST

/* A read that fails (transport, bad reply, too long) still closes the handle. */
static const struct {
	const char *reply;
	int rc;
	size_t max;
	int want;
} read_failures[] = {
	{ NULL, -ETIMEDOUT, 65536, -ETIMEDOUT },
	{ "{\"return\": {\"count\": 5, \"buf-b64\": \"YWJj\", \"eof\": true}}", 0, 65536, -EPROTO },
	{ "{\"return\": {\"count\": 0, \"buf-b64\": \"\", \"eof\": false}}", 0, 65536, -EPROTO },
	{ "{\"return\": {\"count\": 3, \"buf-b64\": \"YWJj\"}}", 0, 65536, -EPROTO },
	{ "{\"error\": {\"class\": \"GenericError\", \"desc\": \"read failed\"}}", 0, 65536,
	  -EREMOTEIO },
	{ "@guest/file-read-procnetdev", 0, 100, -EFBIG },
};

START_TEST(test_read_file_always_closes)
{
	struct fixture x = { .log.lines = 0 };
	char *buf = (char *)1;
	size_t len = 1;

	add(&x.s, "guest-file-open", NULL, "@guest/file-open", 0, false);
	add(&x.s, "guest-file-read", NULL, read_failures[_i].reply, read_failures[_i].rc, false);
	add(&x.s, "guest-file-close", "{\"handle\":1000}", "@guest/file-close", 0, false);
	fixture_start(&x);
	ck_assert_int_eq(daqs_guest_read_file(x.g, "/proc/net/dev", read_failures[_i].max,
					      in_ms(1000), &buf, &len),
			 read_failures[_i].want);
	ck_assert_ptr_null(buf);
	ck_assert_uint_eq(len, 0);
	ck_assert_uint_eq(daqs_guest_reap_pending(x.g), 0);
	fixture_end(&x, true);
}
END_TEST

/* The close itself fails in the transport: the handle is closed at the next call. */
START_TEST(test_read_file_close_retried)
{
	struct fixture x = { .log.lines = 0 };
	char *buf;
	size_t len;

	add(&x.s, "guest-file-open", NULL, "@guest/file-open", 0, false);
	add(&x.s, "guest-file-read", NULL, "@guest/file-read-procnetdev", 0, false);
	add(&x.s, "guest-file-close", NULL, NULL, -ETIMEDOUT, false);
	add(&x.s, "guest-file-close", "{\"handle\":1000}", "@guest/file-close", 0, false);
	add(&x.s, "guest-ping", NULL, "@qga/ping", 0, false);
	fixture_start(&x);
	ck_assert_int_eq(daqs_guest_read_file(x.g, "/proc/net/dev", 65536, in_ms(1000), &buf, &len),
			 -ETIMEDOUT);
	ck_assert_ptr_null(buf);
	ck_assert_uint_eq(daqs_guest_reap_pending(x.g), 1);
	ck_assert_int_eq(daqs_guest_ping(x.g, in_ms(1000)), 0);
	ck_assert_uint_eq(daqs_guest_reap_pending(x.g), 0);
	fixture_end(&x, true);
}
END_TEST

/* The open fails: nothing to close; bad arguments never reach the agent. */
START_TEST(test_read_file_open_fails)
{
	struct fixture x = { .log.lines = 0 };
	char *buf;
	size_t len;

	add(&x.s, "guest-file-open", NULL, "@guest/file-open-nomaster", 0, false);
	fixture_start(&x);
	ck_assert_int_eq(daqs_guest_read_file(x.g, "/sys/class/net/lo/master/uevent", 4096,
					      in_ms(1000), &buf, &len),
			 -EREMOTEIO);
	ck_assert_ptr_null(buf);
	ck_assert_int_eq(daqs_guest_read_file(x.g, "proc/net/dev", 4096, in_ms(1000), &buf, &len),
			 -EINVAL);
	ck_assert_int_eq(daqs_guest_read_file(x.g, "/proc/net/dev", DAQS_GUEST_FILE_MAX + 1,
					      in_ms(1000), &buf, &len),
			 -EINVAL);
	ck_assert_uint_eq(fake_transport_nrequests(x.f), 1);
	fixture_end(&x, true);
}
END_TEST

/* ---- /proc/net/dev ---- */

START_TEST(test_procnetdev_samples)
{
	char *host = daqs_test_data(NULL, "procnetdev/host-eth0-ifb.txt");
	char *ns = daqs_test_data(NULL, "procnetdev/netns-veth-bridge.txt");
	struct daqs_procnetdev *v;
	const struct daqs_procnetdev *e;
	size_t n, rej;

	ck_assert_int_eq(daqs_procnetdev_parse(host, strlen(host), &v, &n, &rej), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(rej, 0);
	e = daqs_procnetdev_find(v, n, "eth0");
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->c.rx_bytes, 19648897);
	ck_assert_uint_eq(e->c.rx_pkts, 880);
	ck_assert_uint_eq(e->c.tx_bytes, 57488);
	ck_assert_uint_eq(e->c.tx_pkts, 767);
	ck_assert_ptr_nonnull(daqs_procnetdev_find(v, n, "ifb1"));
	ck_assert_ptr_null(daqs_procnetdev_find(v, n, "eth1"));
	free(v);
	ck_assert_int_eq(daqs_procnetdev_parse(ns, strlen(ns), &v, &n, &rej), 0);
	ck_assert_uint_eq(n, 4);
	e = daqs_procnetdev_find(v, n, "gvbr0");
	ck_assert_ptr_nonnull(e);
	ck_assert(e->c.rx_bytes == 432 && e->c.rx_pkts == 6 && e->c.tx_bytes == 704 &&
		  e->c.tx_pkts == 8);
	e = daqs_procnetdev_find(v, n, "gv1");
	ck_assert(e->c.rx_bytes == 516 && e->c.tx_bytes == 1220 && e->c.tx_pkts == 14);
	free(v);
	free(host);
	free(ns);
}
END_TEST

#define HDR                                                                                   \
	"Inter-|   Receive                                                |  Transmit\n"      \
	" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets " \
	"errs drop fifo colls carrier compressed\n"
#define ZEROS " 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0"

static const struct {
	const char *text;
	int rc;
	size_t n, rejected;
} procnetdev_cases[] = {
	{ HDR, 0, 0, 0 },
	{ HDR "  eth0:" ZEROS, 0, 1, 0 }, /* no final newline */
	{ HDR "eth0:12345678901 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n", 0, 1, 0 }, /* old %8lu */
	{ HDR "  eth0:" ZEROS "\n  eth0:" ZEROS "\n", -EPROTO, 0, 0 },		    /* duplicate */
	{ HDR "  eth0: 1 2 3\n", -EPROTO, 0, 0 },	/* too few fields */
	{ HDR "  eth0:" ZEROS " 17\n", -EPROTO, 0, 0 }, /* too many */
	{ HDR "  eth0:" ZEROS " x\n", -EPROTO, 0, 0 },
	{ HDR "  eth0: -1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n", -EPROTO, 0, 0 },
	{ HDR "  eth0: 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n", -EPROTO, 0, 0 },
	{ HDR "  eth0: 18446744073709551614 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n", 0, 1, 0 },
	{ HDR "  eth0: 99999999999999999999 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n", -EPROTO, 0, 0 },
	{ HDR "\n", -EPROTO, 0, 0 },				     /* empty line */
	{ HDR "  eth0" ZEROS "\n", -EPROTO, 0, 0 },		     /* no colon */
	{ HDR "  bad/name:" ZEROS "\n  eth1:" ZEROS "\n", 0, 1, 1 }, /* skipped, counted */
	{ HDR "  0123456789abcdefg:" ZEROS "\n", 0, 0, 1 },
	{ "eth0:" ZEROS "\n", -EPROTO, 0, 0 }, /* no header */
	{ "", -EPROTO, 0, 0 },
};

START_TEST(test_procnetdev_cases)
{
	const char *t = procnetdev_cases[_i].text;
	struct daqs_procnetdev *v = (void *)1;
	size_t n = 9, rej = 9;

	ck_assert_int_eq(daqs_procnetdev_parse(t, strlen(t), &v, &n, &rej),
			 procnetdev_cases[_i].rc);
	ck_assert_uint_eq(n, procnetdev_cases[_i].n);
	ck_assert_uint_eq(rej, procnetdev_cases[_i].rejected);
	if (n == 0)
		ck_assert_ptr_null(v);
	free(v);
}
END_TEST

START_TEST(test_procnetdev_nul_and_old_format)
{
	const char text[] = HDR "  eth0:" ZEROS "\n";
	const char *old = HDR "eth0:12345678901 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n";
	struct daqs_procnetdev *v;
	size_t n, rej;
	char *copy = daqs_strdup(text);

	copy[strlen(HDR) + 3] = '\0';
	ck_assert_int_eq(daqs_procnetdev_parse(copy, sizeof(text) - 1, &v, &n, &rej), -EPROTO);
	free(copy);
	ck_assert_int_eq(daqs_procnetdev_parse(old, strlen(old), &v, &n, &rej), 0);
	ck_assert(v[0].c.rx_bytes == 12345678901ULL && v[0].c.rx_pkts == 2 &&
		  v[0].c.tx_bytes == 9 && v[0].c.tx_pkts == 10 && v[0].rx_errs == 3 &&
		  v[0].rx_drop == 4 && v[0].tx_errs == 11 && v[0].tx_drop == 12);
	free(v);
}
END_TEST

/* ---- interface discovery ---- */

#define MAC_VM "52:54:00:aa:00:01"

static const struct daqs_qga_iface pick_ifaces[] = {
	{ .name = "lo", .mac = "00:00:00:00:00:00" },
	{ .name = "bond0", .mac = MAC_VM },
	{ .name = "eth0", .mac = MAC_VM }, /* VF, member of bond0 */
	{ .name = "eth1", .mac = MAC_VM }, /* virtio, member of bond0 */
	{ .name = "eth2", .mac = "52:54:00:bb:00:01" },
	{ .name = "eth3", .mac = "" },
};

static const char pick_masters[][DAQS_IFNAMSIZ] = { "", "", "bond0", "bond0", "", "" };
static const char pick_no_masters[][DAQS_IFNAMSIZ] = { "", "", "", "", "", "" };
/* members of a master that does not carry the MAC (a bridge with its own) */
static const char pick_other_master[][DAQS_IFNAMSIZ] = { "", "", "br0", "br0", "", "" };

static const struct {
	size_t n; /* first n of pick_ifaces */
	const char *mac;
	const char (*master)[DAQS_IFNAMSIZ];
	int rc;
	const char *want;
} pick_cases[] = {
	{ 6, MAC_VM, pick_masters, 0, "bond0" },
	{ 6, "52:54:00:AA:00:01", pick_masters, 0, "bond0" }, /* any case */
	{ 6, "52:54:00:bb:00:01", pick_masters, 0, "eth2" },
	{ 6, "52:54:00:bb:00:01", NULL, 0, "eth2" }, /* unique: no master data needed */
	{ 6, MAC_VM, NULL, -ENOTUNIQ, NULL },	     /* several, unknown masters */
	{ 6, MAC_VM, pick_no_masters, -ENOTUNIQ, NULL },
	{ 6, MAC_VM, pick_other_master, -ENOTUNIQ, NULL },
	{ 3, MAC_VM, pick_masters, 0, "bond0" },
	{ 6, "52:54:00:cc:00:01", pick_masters, -ENOENT, NULL },
	{ 0, MAC_VM, NULL, -ENOENT, NULL },
	{ 6, "52:54:00:aa:00", pick_masters, -EINVAL, NULL },
	{ 6, "52-54-00-aa-00-01", pick_masters, -EINVAL, NULL },
	{ 6, "", pick_masters, -EINVAL, NULL },
};

START_TEST(test_pick_iface)
{
	size_t idx = 99;
	int rc = daqs_guest_pick_iface(pick_ifaces, pick_cases[_i].n, pick_cases[_i].mac,
				       pick_cases[_i].master, &idx);

	ck_assert_int_eq(rc, pick_cases[_i].rc);
	if (pick_cases[_i].want)
		ck_assert_str_eq(pick_ifaces[idx].name, pick_cases[_i].want);
}
END_TEST

/* Two interfaces carry the MAC: their masters are probed through sysfs uevent files. */
START_TEST(test_discover_master)
{
	static const char uevent[] = "DEVTYPE=bond\nINTERFACE=qv0\nIFINDEX=3\n";
	struct fixture x = { .log.lines = 0 };
	char ifname[DAQS_IFNAMSIZ], *b64 = daqs_base64_encode(uevent, sizeof(uevent) - 1);
	const char *read_reply = own(
		&x.s,
		daqs_asprintf("{\"return\": {\"count\": %zu, \"buf-b64\": \"%s\", \"eof\": true}}",
			      sizeof(uevent) - 1, b64));
	const char *ifaces = "{\"return\": [{\"name\": \"qv0\", \"hardware-address\": "
			     "\"52:54:00:12:34:56\"}, {\"name\": \"qv1\", \"hardware-address\": "
			     "\"52:54:00:12:34:56\"}, {\"name\": \"lo\"}]}";

	free(b64);
	add(&x.s, "guest-network-get-interfaces", NULL, ifaces, 0, false);
	add(&x.s, "guest-file-open", "/sys/class/net/qv0/master/uevent",
	    "@guest/file-open-nomaster", 0, false);
	add(&x.s, "guest-file-open", "/sys/class/net/qv1/master/uevent", "@guest/file-open", 0,
	    false);
	add(&x.s, "guest-file-read", NULL, read_reply, 0, false);
	add(&x.s, "guest-file-close", "{\"handle\":1000}", "@guest/file-close", 0, false);
	/* the recorded interfaces: qv0 is the only one with 52:54:00:12:34:56, no probe */
	add(&x.s, "guest-network-get-interfaces", NULL, "@qga/interfaces", 0, false);
	fixture_start(&x);
	ck_assert_int_eq(daqs_guest_discover(x.g, "52:54:00:12:34:56", in_ms(1000), ifname), 0);
	ck_assert_str_eq(ifname, "qv0");
	ck_assert_int_eq(daqs_guest_discover(x.g, "52:54:00:12:34:56", in_ms(1000), ifname), 0);
	ck_assert_str_eq(ifname, "qv0");
	fixture_end(&x, true);
}
END_TEST

Suite *daqs_test_guest_suite(void)
{
	Suite *s = suite_create("guest");
	TCase *tc = tcase_create("exec");

	tcase_add_test(tc, test_exec_ok);
	tcase_add_test(tc, test_exec_exit_codes);
	tcase_add_test(tc, test_exec_spawn_failure);
	tcase_add_test(tc, test_exec_timeout_then_reaped);
	tcase_add_test(tc, test_reap_forgotten_pid);
	tcase_add_test(tc, test_limited_from_info);
	tcase_add_test(tc, test_limited_from_exec);
	suite_add_tcase(s, tc);
	tc = tcase_create("tc");
	tcase_add_test(tc, test_tc_state);
	tcase_add_test(tc, test_tc_path_fallback);
	tcase_add_test(tc, test_tc_state_no_device);
	tcase_add_test(tc, test_tc_state_garbage);
	tcase_add_test(tc, test_tc_apply_skipped);
	tcase_add_test(tc, test_tc_apply_verify);
	tcase_add_test(tc, test_tc_apply_fq_codel_kept);
	tcase_add_test(tc, test_tc_remove_is_no_probe);
	tcase_add_test(tc, test_tc_apply_not_verified);
	tcase_add_test(tc, test_tc_apply_after_forget);
	tcase_add_test(tc, test_tc_apply_batch_fails);
	tcase_add_loop_test(tc, test_invalid_ifname, 0, (int)DAQS_ARRAY_SIZE(bad_ifnames));
	tcase_add_loop_test(tc, test_tc_batch_ifname, 0, (int)DAQS_ARRAY_SIZE(tc_batch_ifnames));
	suite_add_tcase(s, tc);
	tc = tcase_create("file");
	tcase_add_test(tc, test_read_file_ok);
	tcase_add_loop_test(tc, test_read_file_always_closes, 0,
			    (int)DAQS_ARRAY_SIZE(read_failures));
	tcase_add_test(tc, test_read_file_close_retried);
	tcase_add_test(tc, test_read_file_open_fails);
	tcase_add_test(tc, test_procnetdev_samples);
	tcase_add_loop_test(tc, test_procnetdev_cases, 0, (int)DAQS_ARRAY_SIZE(procnetdev_cases));
	tcase_add_test(tc, test_procnetdev_nul_and_old_format);
	suite_add_tcase(s, tc);
	tc = tcase_create("discover");
	tcase_add_loop_test(tc, test_pick_iface, 0, (int)DAQS_ARRAY_SIZE(pick_cases));
	tcase_add_test(tc, test_discover_master);
	suite_add_tcase(s, tc);
	return s;
}
