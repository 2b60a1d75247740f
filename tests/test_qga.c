/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The qemu-guest-agent codec. Golden inputs in tests/data/qga/ are reply lines
 * recorded from a real qemu-ga 7.2.22 (tests/data/qga/README); the hostile
 * cases are hand-written variations of them.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base64.h"
#include "jsonline.h"
#include "mem.h"
#include "qga.h"
#include "unit.h"

#define ALL_CMDS                                                                         \
	(DAQS_QGA_PING | DAQS_QGA_SYNC_DELIMITED | DAQS_QGA_INTERFACES | DAQS_QGA_EXEC | \
	 DAQS_QGA_EXEC_STATUS | DAQS_QGA_FILE_OPEN | DAQS_QGA_FILE_READ | DAQS_QGA_FILE_CLOSE)

/* A recorded reply line, as read off the wire: without its newline. */
static char *golden(const char *name, size_t *len)
{
	size_t n;
	char *buf = daqs_test_data(&n, "qga/%s.json", name);

	ck_assert_uint_gt(n, 1);
	ck_assert_int_eq(buf[n - 1], '\n'); /* one reply line per file */
	buf[--n] = '\0';
	ck_assert_ptr_null(memchr(buf, '\n', n));
	*len = n;
	return buf;
}

/* The "return" value of a recorded reply that must be a success. */
static json_object *golden_ret(const char *name)
{
	size_t len;
	char *line = golden(name, &len);
	void *ret = NULL;
	struct daqs_qga_error err;

	ck_assert_int_eq(daqs_qga_reply(line, len, &ret, &err), 0);
	free(line);
	return ret;
}

/* The "return" value of {"return": <ret_json>}; the reply itself must split. */
static json_object *ret_of(const char *ret_json)
{
	char *line = daqs_asprintf("{\"return\": %s}", ret_json);
	void *ret = NULL;

	ck_assert_msg(daqs_qga_reply(line, strlen(line), &ret, NULL) == 0, "reply: %s", line);
	free(line);
	return ret;
}

/* ---- golden replies: how each one splits ---- */

static const struct {
	const char *file;
	int rc;
	const char *cls;  /* for -EREMOTEIO */
	const char *desc; /* prefix, for -EREMOTEIO */
} golden_splits[] = {
	{ "guest-info", 0, NULL, NULL },
	{ "guest-info-blocked", 0, NULL, NULL },
	{ "interfaces", 0, NULL, NULL },
	{ "interfaces-traffic", 0, NULL, NULL },
	{ "exec-tc-show-exec", 0, NULL, NULL },
	{ "exec-tc-show-running", 0, NULL, NULL },
	{ "exec-tc-show-status", 0, NULL, NULL },
	{ "exec-tc-replace-status", 0, NULL, NULL },
	{ "exec-tc-fail-status", 0, NULL, NULL },
	{ "exec-sleep-status", 0, NULL, NULL },
	{ "exec-kill-status", 0, NULL, NULL },
	{ "exec-both-status", 0, NULL, NULL },
	{ "ping", 0, NULL, NULL },
	{ "exec-tc-show-reaped", -EREMOTEIO, "GenericError", "Invalid parameter 'pid'" },
	{ "exec-nosuch-exec", -EREMOTEIO, "GenericError",
	  "Guest agent command failed, error was 'Failed to execute child process " },
	{ "exec-blocked", -EREMOTEIO, "CommandNotFound", "Command guest-exec has been disabled" },
	{ "error-command-not-found", -EREMOTEIO, "CommandNotFound",
	  "The command guest-nope has not been found" },
	{ "error-missing-arg", -EREMOTEIO, "GenericError", "Parameter 'pid' is missing" },
	{ "sync-stray", -EREMOTEIO, "GenericError", "JSON parse error, stray '\xef\xbf\xbd'" },
	/* the raw line still carries the 0xFF delimiter: not JSON */
	{ "sync-delimited-raw", -EPROTO, NULL, NULL },
};

START_TEST(test_golden_split)
{
	size_t len;
	char *line = golden(golden_splits[_i].file, &len);
	void *ret = (void *)1;
	struct daqs_qga_error err;
	int rc = daqs_qga_reply(line, len, &ret, &err);

	ck_assert_int_eq(rc, golden_splits[_i].rc);
	if (rc) {
		ck_assert_ptr_null(ret);
	} else {
		ck_assert_str_eq(err.cls, "");
		json_object_put(ret);
	}
	if (golden_splits[_i].cls) {
		ck_assert_str_eq(err.cls, golden_splits[_i].cls);
		ck_assert_msg(!strncmp(err.desc, golden_splits[_i].desc,
				       strlen(golden_splits[_i].desc)),
			      "desc '%s'", err.desc);
	}
	free(line);
}
END_TEST

/* A transport parses the line once and hands the object over: the split is the same. */
START_TEST(test_golden_split_parsed)
{
	size_t len;
	char *line = golden(golden_splits[_i].file, &len);
	json_object *reply =
		daqs_jsonline_parse_once(line, len, DAQS_QGA_MAX_REPLY, DAQS_QGA_MAX_DEPTH);
	void *ret = (void *)1, *ret_text = NULL;
	struct daqs_qga_error err, err_text;
	int rc = daqs_qga_reply_split(reply, &ret, &err);

	ck_assert_int_eq(rc, golden_splits[_i].rc);
	ck_assert_int_eq(daqs_qga_reply(line, len, &ret_text, &err_text), rc);
	ck_assert_str_eq(err.cls, err_text.cls);
	ck_assert_str_eq(err.desc, err_text.desc);
	if (rc)
		ck_assert_ptr_null(ret);
	else
		ck_assert(json_object_equal(ret, ret_text));
	json_object_put(ret);
	json_object_put(ret_text);
	json_object_put(reply); /* not consumed by the split */
	free(line);
}
END_TEST

/* No object (the transport had none), or not an object: -EPROTO, nothing out. */
START_TEST(test_split_not_object)
{
	json_object *arr = json_object_new_array();
	void *ret = (void *)1;
	struct daqs_qga_error err = { .cls = "x" };

	ck_assert_int_eq(daqs_qga_reply_split(NULL, &ret, &err), -EPROTO);
	ck_assert_ptr_null(ret);
	ck_assert_str_eq(err.cls, "");
	ret = (void *)1;
	ck_assert_int_eq(daqs_qga_reply_split(arr, &ret, NULL), -EPROTO);
	ck_assert_ptr_null(ret);
	json_object_put(arr);
}
END_TEST

START_TEST(test_golden_info)
{
	json_object *ret = golden_ret("guest-info");
	struct daqs_qga_info info;

	ck_assert_int_eq(daqs_qga_dec_info(ret, &info), 0);
	ck_assert_str_eq(info.version, "7.2.22");
	ck_assert_uint_eq(info.enabled, ALL_CMDS);
	json_object_put(ret);
}
END_TEST

/* qemu-ga -b guest-exec,guest-exec-status,guest-file-open: listed, enabled false. */
START_TEST(test_golden_info_blocked)
{
	json_object *ret = golden_ret("guest-info-blocked");
	struct daqs_qga_info info;

	ck_assert_int_eq(daqs_qga_dec_info(ret, &info), 0);
	ck_assert_str_eq(info.version, "7.2.22");
	ck_assert_uint_eq(info.enabled,
			  ALL_CMDS & ~(unsigned)(DAQS_QGA_EXEC | DAQS_QGA_EXEC_STATUS |
						 DAQS_QGA_FILE_OPEN));
	ck_assert_uint_ne(info.enabled & DAQS_QGA_NEED_ENFORCE, DAQS_QGA_NEED_ENFORCE);
	json_object_put(ret);
}
END_TEST

static void assert_iface(const struct daqs_qga_iface *i, const char *name, const char *mac,
			 bool has_stats, uint64_t rx_b, uint64_t rx_p, uint64_t tx_b, uint64_t tx_p)
{
	ck_assert_str_eq(i->name, name);
	ck_assert_str_eq(i->mac, mac);
	ck_assert(i->has_stats == has_stats);
	ck_assert_uint_eq(i->c.rx_bytes, rx_b);
	ck_assert_uint_eq(i->c.rx_pkts, rx_p);
	ck_assert_uint_eq(i->c.tx_bytes, tx_b);
	ck_assert_uint_eq(i->c.tx_pkts, tx_p);
}

/* lo; qv1 without an IP (no statistics); qv0 with 198.18.0.1/24. */
START_TEST(test_golden_interfaces)
{
	json_object *ret = golden_ret(_i ? "interfaces-traffic" : "interfaces");
	struct daqs_qga_iface *v = NULL;
	size_t n = 99, rej = 99;

	ck_assert_int_eq(daqs_qga_dec_interfaces(ret, &v, &n, &rej), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(rej, 0);
	assert_iface(&v[0], "lo", "00:00:00:00:00:00", true, 0, 0, 0, 0);
	assert_iface(&v[1], "qv1", "2a:0c:b6:77:55:98", false, 0, 0, 0, 0);
	if (_i)
		assert_iface(&v[2], "qv0", "52:54:00:12:34:56", true, 90, 1, 936, 12);
	else
		assert_iface(&v[2], "qv0", "52:54:00:12:34:56", true, 90, 1, 656, 8);
	free(v);
	json_object_put(ret);
}
END_TEST

START_TEST(test_golden_exec)
{
	json_object *ret = golden_ret("exec-tc-show-exec");
	int64_t pid = 0;

	ck_assert_int_eq(daqs_qga_dec_exec(ret, &pid), 0);
	ck_assert_int_eq(pid, 32357);
	json_object_put(ret);
}
END_TEST

static const struct {
	const char *file;
	bool exited, has_exitcode, has_signal;
	int exitcode, signal;
	const char *out, *err; /* NULL: absent */
} golden_status[] = {
	{ "exec-tc-show-running", false, false, false, 0, 0, NULL, NULL },
	{ "exec-tc-show-status", true, true, false, 0, 0, "qdisc noqueue 0: root refcnt 2 \n",
	  NULL },
	{ "exec-tc-replace-status", true, true, false, 0, 0, NULL,
	  "Warning: sch_htb: quantum of class 10010 is big. Consider r2q change.\n" },
	{ "exec-tc-fail-status", true, true, false, 1, 0, NULL,
	  "Cannot find device \"nosuch0\"\nCommand failed -:1\n" },
	{ "exec-sleep-status", true, true, false, 0, 0, NULL, NULL },
	{ "exec-kill-status", true, false, true, 0, 15, NULL, NULL },
	{ "exec-both-status", true, true, false, 3, 0, "out\n", "err\n" },
};

static void assert_data(const char *got, size_t got_len, const char *want)
{
	if (!want) {
		ck_assert_ptr_null(got);
		ck_assert_uint_eq(got_len, 0);
		return;
	}
	ck_assert_ptr_nonnull(got);
	ck_assert_uint_eq(got_len, strlen(want));
	ck_assert_str_eq(got, want);
}

START_TEST(test_golden_exec_status)
{
	json_object *ret = golden_ret(golden_status[_i].file);
	struct daqs_qga_exec_status st;

	ck_assert_int_eq(daqs_qga_dec_exec_status(ret, &st), 0);
	ck_assert(st.exited == golden_status[_i].exited);
	ck_assert(st.has_exitcode == golden_status[_i].has_exitcode);
	ck_assert(st.has_signal == golden_status[_i].has_signal);
	ck_assert_int_eq(st.exitcode, golden_status[_i].exitcode);
	ck_assert_int_eq(st.signal, golden_status[_i].signal);
	assert_data(st.out, st.out_len, golden_status[_i].out);
	assert_data(st.err, st.err_len, golden_status[_i].err);
	ck_assert(!st.out_truncated && !st.err_truncated);
	daqs_qga_exec_status_clear(&st);
	ck_assert_ptr_null(st.out);
	json_object_put(ret);
	daqs_qga_exec_status_clear(&st); /* twice is fine */
}
END_TEST

/* The transport strips the 0xFF delimiter; what follows is the id sent. */
START_TEST(test_golden_sync)
{
	const char *file = _i ? "sync-delimited-big" : "sync-delimited-raw";
	const int64_t want = _i ? 9007199254740993LL : 777;
	size_t len;
	char *line = golden(file, &len);
	void *ret = NULL;
	int64_t id = 0;

	ck_assert_uint_eq((unsigned char)line[0], 0xFF);
	ck_assert_int_eq(daqs_qga_reply(line + 1, len - 1, &ret, NULL), 0);
	ck_assert_int_eq(daqs_qga_dec_sync(ret, &id), 0);
	ck_assert_int_eq(id, want);
	json_object_put(ret);
	free(line);
}
END_TEST

/* ---- requests ---- */

START_TEST(test_req_exact)
{
	static const char *const tc_argv[] = { "-batch", "-", NULL };
	static const char tc_in[] = "qdisc show dev qv0\n";
	char *s[6];
	static const char *const want[] = {
		"{\"execute\":\"guest-ping\"}\n",
		"{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":5}}\n",
		"{\"execute\":\"guest-sync-delimited\",\"arguments\":{\"id\":777}}\n",
		"{\"execute\":\"guest-exec\",\"arguments\":{\"path\":\"/sbin/tc\",\"arg\":[\"-batch\","
		"\"-\"],\"input-data\":\"cWRpc2Mgc2hvdyBkZXYgcXYwCg==\",\"capture-output\":true}}\n",
		"{\"execute\":\"guest-exec\",\"arguments\":{\"path\":\"/sbin/tc\","
		"\"capture-output\":true}}\n",
		"{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":9223372036854775807}}\n",
	};

	s[0] = daqs_qga_req("guest-ping", NULL);
	s[1] = daqs_qga_req("guest-exec-status", " { \"pid\" : 5 } ");
	s[2] = daqs_qga_req_sync_delimited(777);
	s[3] = daqs_qga_req_exec("/sbin/tc", tc_argv, tc_in, strlen(tc_in));
	s[4] = daqs_qga_req_exec("/sbin/tc", NULL, NULL, 0);
	s[5] = daqs_qga_req_exec_status(INT64_MAX);
	for (size_t i = 0; i < DAQS_ARRAY_SIZE(want); i++) {
		ck_assert_str_eq(s[i], want[i]);
		free(s[i]);
	}
}
END_TEST

/* Arguments that need escaping stay one line and read back unchanged. */
START_TEST(test_req_exec_escaping)
{
	static const char *const argv[] = { "a\"b",	"back\\slash", "new\nline", "tab\t",
					    "$(x);`y`", "\xc3\xa9",    "",	    NULL };
	static const char in[] = "a\0b\n";
	char *s = daqs_qga_req_exec("/bin/echo", argv, in, sizeof(in) - 1);
	size_t len = strlen(s);
	json_object *o, *args, *arg, *data;

	ck_assert_int_eq(s[len - 1], '\n');
	ck_assert_ptr_null(memchr(s, '\n', len - 1));
	o = daqs_jsonline_parse_once(s, len, DAQS_QGA_MAX_REPLY, DAQS_QGA_MAX_DEPTH);
	ck_assert_ptr_nonnull(o);
	ck_assert(json_object_object_get_ex(o, "arguments", &args));
	ck_assert(json_object_object_get_ex(args, "arg", &arg));
	ck_assert_uint_eq(json_object_array_length(arg), DAQS_ARRAY_SIZE(argv) - 1);
	for (size_t i = 0; argv[i]; i++)
		ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(arg, i)),
				 argv[i]);
	ck_assert(json_object_object_get_ex(args, "input-data", &data));
	ck_assert_str_eq(json_object_get_string(data), "YQBiCg==");
	json_object_put(o);
	free(s);
}
END_TEST

static const char *const bad_args[] = {
	"", "{", "[1]", "1", "\"x\"", "null", "{} x", "{}{}", "{\"a\":1,}", "nope",
};

START_TEST(test_req_bad)
{
	ck_assert_ptr_null(daqs_qga_req("guest-exec-status", bad_args[_i]));
}
END_TEST

START_TEST(test_req_bad_execute)
{
	ck_assert_ptr_null(daqs_qga_req(NULL, NULL));
	ck_assert_ptr_null(daqs_qga_req("", NULL));
	ck_assert_ptr_null(daqs_qga_req_exec(NULL, NULL, NULL, 0));
	ck_assert_ptr_null(daqs_qga_req_exec("", NULL, NULL, 0));
}
END_TEST

/* ---- splitting hostile reply lines ---- */

static const struct {
	const char *line;
	int rc;
} bad_lines[] = {
	{ "", -EPROTO },
	{ " ", -EPROTO },
	{ "not json", -EPROTO },
	{ "{\"return\":1", -EPROTO },
	{ "{\"return\":1} x", -EPROTO },
	{ "{\"return\":1}{}", -EPROTO },
	{ "{\"return\":1}}", -EPROTO },
	{ "{\"return\":1,\"error\":{\"class\":\"GenericError\",\"desc\":\"x\"}}", -EPROTO },
	{ "{}", -EPROTO },
	{ "{\"foo\":1}", -EPROTO },
	{ "{\"Return\":1}", -EPROTO },
	{ "[{\"return\":1}]", -EPROTO },
	{ "1", -EPROTO },
	{ "null", -EPROTO },
	{ "\"return\"", -EPROTO },
	{ "{\"return\":1,}", -EPROTO },
	{ "{return:1}", -EPROTO },
	{ "{\"return\":01}", -EPROTO },
	{ "{\"return\":\"\xff\"}", -EPROTO },
	{ "{\"return\":\"\xc3\"}", -EPROTO },
	{ "\xff{\"return\":777}", -EPROTO },
	{ "{\"error\":\"GenericError\"}", -EPROTO },
	{ "{\"error\":null}", -EPROTO },
	{ "{\"error\":{}}", -EPROTO },
	{ "{\"error\":{\"class\":\"GenericError\"}}", -EPROTO },
	{ "{\"error\":{\"desc\":\"x\"}}", -EPROTO },
	{ "{\"error\":{\"class\":1,\"desc\":\"x\"}}", -EPROTO },
	{ "{\"error\":{\"class\":\"GenericError\",\"desc\":1}}", -EPROTO },
	{ "{\"error\":{\"class\":\"\",\"desc\":\"x\"}}", -EPROTO },
	{ "{\"error\":{\"class\":\"Generic Error\",\"desc\":\"x\"}}", -EPROTO },
	{ "{\"error\":{\"class\":\"x;rm -rf /\",\"desc\":\"x\"}}", -EPROTO },
	{ "{\"error\":{\"class\":\"A123456789B123456789C123456789D123456789E123456789F123456789"
	  "G123\",\"desc\":\"x\"}}",
	  -EPROTO },
	/* accepted */
	{ "{\"return\":1}", 0 },
	{ "{\"return\":{}}", 0 },
	{ "{\"return\":null}", 0 },
	{ " {\"return\" : [] }\r\n", 0 },
	{ "{\"return\":1,\"id\":\"x\"}", 0 },
	{ "{\"error\":{\"class\":\"GenericError\",\"desc\":\"\"}}", -EREMOTEIO },
	{ "{\"error\":{\"class\":\"A123456789B123456789C123456789D123456789E123456789F123456789"
	  "G12\",\"desc\":\"x\"}}",
	  -EREMOTEIO },
};

START_TEST(test_reply_lines)
{
	const char *line = bad_lines[_i].line;
	void *ret = (void *)1;
	struct daqs_qga_error err;
	int rc = daqs_qga_reply(line, strlen(line), &ret, &err);

	ck_assert_msg(rc == bad_lines[_i].rc, "'%s': %d, want %d", line, rc, bad_lines[_i].rc);
	if (rc)
		ck_assert_ptr_null(ret);
	if (rc == -EPROTO)
		ck_assert_str_eq(err.cls, "");
	json_object_put(ret);
}
END_TEST

/* The length is explicit: a NUL anywhere in it is an error, not the end. */
START_TEST(test_reply_embedded_nul)
{
	static const char a[] = "{\"return\":1}\0garbage";
	static const char b[] = "{\"return\":\"a\0b\"}";
	static const char c[] = "{\"return\":1}\0";
	void *ret = NULL;

	ck_assert_int_eq(daqs_qga_reply(a, sizeof(a) - 1, &ret, NULL), -EPROTO);
	ck_assert_int_eq(daqs_qga_reply(b, sizeof(b) - 1, &ret, NULL), -EPROTO);
	ck_assert_int_eq(daqs_qga_reply(c, sizeof(c) - 1, &ret, NULL), -EPROTO);
	ck_assert_int_eq(daqs_qga_reply(a, 12, &ret, NULL), 0);
	ck_assert_int_eq(json_object_get_int(ret), 1);
	json_object_put(ret);
	ck_assert_int_eq(daqs_qga_reply(NULL, 0, &ret, NULL), -EPROTO);
	ck_assert_ptr_null(ret);
}
END_TEST

/* {"return":"aaa..."} of exactly len bytes. */
static char *sized_reply(size_t len)
{
	char *s = daqs_malloc(len + 1);

	memcpy(s, "{\"return\":\"", 11);
	memset(s + 11, 'a', len - 13);
	memcpy(s + len - 2, "\"}", 3);
	return s;
}

START_TEST(test_reply_size_bound)
{
	char *s = sized_reply(DAQS_QGA_MAX_REPLY);
	void *ret = NULL;

	ck_assert_int_eq(daqs_qga_reply(s, DAQS_QGA_MAX_REPLY, &ret, NULL), 0);
	ck_assert_int_eq(json_object_get_string_len(ret), DAQS_QGA_MAX_REPLY - 13);
	json_object_put(ret);
	free(s);
	s = sized_reply(DAQS_QGA_MAX_REPLY + 1);
	ck_assert_int_eq(daqs_qga_reply(s, DAQS_QGA_MAX_REPLY + 1, &ret, NULL), -EPROTO);
	ck_assert_ptr_null(ret);
	free(s);
}
END_TEST

/* Each request the codec builds gets its verb's bound; a tool's own text gets the widest. */
START_TEST(test_reply_bound_of_request)
{
	static const char *const argv[] = { "-V", NULL };
	static const struct {
		const char *execute;
		size_t max_len;
	} verbs[] = {
		{ "guest-network-get-interfaces", 256u << 10 },
		{ "guest-info", 128u << 10 },
		{ "guest-ping", 16u << 10 },
		{ "guest-sync", 16u << 10 },
		{ "guest-file-read", 96u << 10 },
		{ "guest-file-open", 16u << 10 },
		{ "guest-file-close", 16u << 10 },
	};
	char *r;

	for (size_t i = 0; i < DAQS_ARRAY_SIZE(verbs); i++) {
		r = daqs_qga_req(verbs[i].execute, NULL);
		ck_assert_msg(daqs_qga_reply_bound(r)->max_len == verbs[i].max_len, "%s", r);
		ck_assert_uint_gt(daqs_qga_reply_bound(r)->max_containers, 0);
		free(r);
	}
	r = daqs_qga_req_exec("/sbin/tc", argv, "x", 1);
	ck_assert_uint_eq(daqs_qga_reply_bound(r)->max_len, 16u << 10);
	free(r);
	r = daqs_qga_req_exec_status(42);
	ck_assert_uint_eq(daqs_qga_reply_bound(r)->max_len, DAQS_QGA_EXEC_STATUS_MAX);
	ck_assert_uint_lt(DAQS_QGA_EXEC_STATUS_MAX, DAQS_QGA_MAX_REPLY);
	free(r);
	r = daqs_qga_req_sync_delimited(7);
	ck_assert_uint_eq(daqs_qga_reply_bound(r)->max_len, 16u << 10);
	free(r);
	ck_assert_uint_eq(daqs_qga_reply_bound("{ \"execute\": \"guest-ping\"}")->max_len,
			  DAQS_QGA_MAX_REPLY);
	ck_assert_uint_eq(daqs_qga_reply_bound("{\"execute\":\"guest-pingx\"}")->max_len,
			  DAQS_QGA_MAX_REPLY);
	ck_assert_uint_eq(daqs_qga_reply_bound(NULL)->max_len, DAQS_QGA_MAX_REPLY);
}
END_TEST

static bool fits(const char *line, const char *execute)
{
	char *req = daqs_qga_req(execute, NULL);
	const char *what;
	size_t n;
	bool ok = daqs_jsonline_prescan(line, strlen(line), daqs_qga_reply_bound(req), &what, &n) ==
		  0;

	free(req);
	return ok;
}

/* What a real qemu-ga sends, and the most a decoder takes, are within the bounds. */
START_TEST(test_reply_bound_legal_fits)
{
	static const struct {
		const char *file, *execute;
	} rec[] = { { "guest-info", "guest-info" },
		    { "interfaces-traffic", "guest-network-get-interfaces" },
		    { "exec-tc-replace-status", "guest-exec-status" },
		    { "sync-delimited-big", "guest-sync-delimited" },
		    { "ping", "guest-ping" },
		    { "exec-tc-show-exec", "guest-exec" } };
	static const char iface[] =
		"{\"name\":\"eth%03zu\",\"hardware-address\":\"52:54:00:12:34:56\","
		"\"ip-addresses\":[{\"ip-address\":\"198.18.0.1\",\"ip-address-type\":\"ipv4\","
		"\"prefix\":24},{\"ip-address\":\"fe80::5054:ff:fe12:3456\","
		"\"ip-address-type\":\"ipv6\",\"prefix\":64}],\"statistics\":{\"rx-bytes\":"
		"18446744073709551614,\"rx-packets\":1,\"rx-errs\":0,\"rx-dropped\":0,"
		"\"tx-bytes\":18446744073709551614,\"tx-packets\":1,\"tx-errs\":0,"
		"\"tx-dropped\":0}}";
	char *line, *p;
	size_t len;

	for (size_t i = 0; i < DAQS_ARRAY_SIZE(rec); i++) {
		line = golden(rec[i].file, &len);
		ck_assert_msg(fits(line, rec[i].execute), "%s", rec[i].file);
		free(line);
	}
	/* DAQS_QGA_MAX_IFACES interfaces with two addresses and statistics each */
	line = daqs_malloc(DAQS_QGA_MAX_IFACES * sizeof(iface) + 64);
	p = line + sprintf(line, "{\"return\":[");
	for (size_t i = 0; i < DAQS_QGA_MAX_IFACES; i++)
		p += sprintf(p, iface, i), *p++ = i + 1 < DAQS_QGA_MAX_IFACES ? ',' : ']';
	strcpy(p, "}");
	ck_assert(fits(line, "guest-network-get-interfaces"));
	free(line);
	/* DAQS_QGA_MAX_COMMANDS supported_commands */
	line = daqs_malloc(DAQS_QGA_MAX_COMMANDS * 80 + 64);
	p = line + sprintf(line, "{\"return\":{\"version\":\"7.2.22\",\"supported_commands\":[");
	for (size_t i = 0; i < DAQS_QGA_MAX_COMMANDS; i++)
		p += sprintf(p,
			     "{\"enabled\":true,\"name\":\"guest-command-%04zu\","
			     "\"success-response\":true}%s",
			     i, i + 1 < DAQS_QGA_MAX_COMMANDS ? "," : "");
	strcpy(p, "]}}");
	ck_assert(fits(line, "guest-info"));
	free(line);
}
END_TEST

/* The reply a hostile agent sent (issue 17): 4 MiB of [{},{},...] is refused unparsed. */
START_TEST(test_reply_bound_refuses_flood)
{
	size_t n = 256u << 10, len = 0;
	char *line = daqs_malloc(n + 16);

	len = (size_t)sprintf(line, "{\"return\":[");
	while (len < n - 8)
		len += (size_t)sprintf(line + len, "{},");
	strcpy(line + len, "{}]}");
	ck_assert_uint_le(strlen(line), n);
	ck_assert(!fits(line, "guest-network-get-interfaces")); /* containers */
	free(line);
}
END_TEST

START_TEST(test_reply_deep_nesting)
{
	char *s = daqs_malloc(11 + 2 * 200 + 2);
	void *ret = NULL;
	size_t k = 0;

	k += (size_t)sprintf(s, "{\"return\":");
	for (int i = 0; i < 200; i++)
		s[k++] = '[';
	for (int i = 0; i < 200; i++)
		s[k++] = ']';
	s[k++] = '}';
	s[k] = '\0';
	ck_assert_int_eq(daqs_qga_reply(s, k, &ret, NULL), -EPROTO);
	ck_assert_ptr_null(ret);
	free(s);
}
END_TEST

/* A guest-controlled desc ends up in logs: control bytes go, length is bounded. */
START_TEST(test_reply_error_desc)
{
	static const char esc[] =
		"{\"error\":{\"class\":\"GenericError\",\"desc\":\"a\\u001b[31mb\\nc\\u007fd\"}}";
	char *long_line, *desc = daqs_malloc(1001);
	struct daqs_qga_error err;
	void *ret = NULL;

	ck_assert_int_eq(daqs_qga_reply(esc, strlen(esc), &ret, &err), -EREMOTEIO);
	ck_assert_str_eq(err.desc, "a?[31mb?c?d");
	ck_assert_int_eq(daqs_qga_reply(esc, strlen(esc), &ret, NULL), -EREMOTEIO);
	memset(desc, 'x', 1000);
	desc[1000] = '\0';
	long_line = daqs_asprintf("{\"error\":{\"class\":\"GenericError\",\"desc\":\"%s\"}}", desc);
	ck_assert_int_eq(daqs_qga_reply(long_line, strlen(long_line), &ret, &err), -EREMOTEIO);
	ck_assert_uint_eq(strlen(err.desc), sizeof(err.desc) - 1);
	ck_assert_str_eq(err.cls, "GenericError");
	free(long_line);
	free(desc);
}
END_TEST

/* ---- guest-sync ---- */

static const struct {
	const char *ret;
	int rc;
	int64_t id;
} sync_cases[] = {
	{ "777", 0, 777 },
	{ "0", 0, 0 },
	{ "-1", 0, -1 },
	{ "9223372036854775807", 0, INT64_MAX },
	{ "-9223372036854775807", 0, INT64_MIN + 1 },
	{ "9223372036854775808", -EPROTO, 0 },
	{ "18446744073709551615", -EPROTO, 0 },
	/* json-c saturates integers out of range: the saturated values are refused */
	{ "-9223372036854775808", -EPROTO, 0 },
	{ "-9223372036854775809", -EPROTO, 0 },
	{ "99999999999999999999999", -EPROTO, 0 },
	/* json-c (even STRICT) reads these as doubles */
	{ "NaN", -EPROTO, 0 },
	{ "Infinity", -EPROTO, 0 },
	{ "-Infinity", -EPROTO, 0 },
	{ "1e999", -EPROTO, 0 },
	{ "777.0", -EPROTO, 0 },
	{ "7.77e2", -EPROTO, 0 },
	{ "\"777\"", -EPROTO, 0 },
	{ "true", -EPROTO, 0 },
	{ "null", -EPROTO, 0 },
	{ "[777]", -EPROTO, 0 },
	{ "{\"id\":777}", -EPROTO, 0 },
};

START_TEST(test_dec_sync)
{
	json_object *ret = ret_of(sync_cases[_i].ret);
	int64_t id = 42;
	int rc = daqs_qga_dec_sync(ret, &id);

	ck_assert_msg(rc == sync_cases[_i].rc, "%s: %d", sync_cases[_i].ret, rc);
	if (!rc)
		ck_assert_int_eq(id, sync_cases[_i].id);
	json_object_put(ret);
}
END_TEST

/* ---- guest-info ---- */

#define CMD(name, en) "{\"name\":\"" name "\",\"enabled\":" en ",\"success-response\":true}"

static const struct {
	const char *ret;
	int rc;
	uint32_t enabled;
} info_cases[] = {
	{ "{\"version\":\"7.2.22\",\"supported_commands\":[]}", 0, 0 },
	{ "{\"version\":\"1\",\"supported_commands\":[" CMD("guest-exec", "true") "," CMD(
		  "guest-exec-status", "false") "," CMD("guest-ping", "true") "]}",
	  0, DAQS_QGA_EXEC | DAQS_QGA_PING },
	/* unknown names are ignored; near misses do not match */
	{ "{\"version\":\"1\",\"supported_commands\":[" CMD("guest-exec-x", "true") "," CMD(
		  "GUEST-EXEC", "true") "," CMD("guest-exec\\u0000", "true") "," CMD("guest-sync",
										     "true") "]}",
	  0, 0 },
	{ "{\"version\":\"1\",\"supported_commands\":[{\"name\":\"guest-ping\",\"enabled\":true}]}",
	  0, DAQS_QGA_PING },
	{ "{\"version\":\"1\",\"supported_commands\":[],\"extra\":1}", 0, 0 },
	/* rejected */
	{ "[]", -EPROTO, 0 },
	{ "null", -EPROTO, 0 },
	{ "{\"supported_commands\":[]}", -EPROTO, 0 },
	{ "{\"version\":7,\"supported_commands\":[]}", -EPROTO, 0 },
	{ "{\"version\":\"\",\"supported_commands\":[]}", -EPROTO, 0 },
	{ "{\"version\":\"1\\n2\",\"supported_commands\":[]}", -EPROTO, 0 },
	{ "{\"version\":\"0123456789012345678901234567890123456789012345678901234567890123\","
	  "\"supported_commands\":[]}",
	  -EPROTO, 0 },
	{ "{\"version\":\"1\"}", -EPROTO, 0 },
	{ "{\"version\":\"1\",\"supported-commands\":[]}", -EPROTO, 0 },
	{ "{\"version\":\"1\",\"supported_commands\":{}}", -EPROTO, 0 },
	{ "{\"version\":\"1\",\"supported_commands\":[\"guest-exec\"]}", -EPROTO, 0 },
	{ "{\"version\":\"1\",\"supported_commands\":[{\"enabled\":true}]}", -EPROTO, 0 },
	{ "{\"version\":\"1\",\"supported_commands\":[{\"name\":1,\"enabled\":true}]}", -EPROTO,
	  0 },
	{ "{\"version\":\"1\",\"supported_commands\":[{\"name\":\"guest-exec\"}]}", -EPROTO, 0 },
	{ "{\"version\":\"1\",\"supported_commands\":[{\"name\":\"guest-exec\",\"enabled\":1}]}",
	  -EPROTO, 0 },
	{ "{\"version\":\"1\",\"supported_commands\":[{\"name\":\"guest-exec\",\"enabled\":\"true\"}]}",
	  -EPROTO, 0 },
	{ "{\"version\":\"1\",\"supported_commands\":[{\"name\":\"x\",\"enabled\":true,"
	  "\"success-response\":\"yes\"}]}",
	  -EPROTO, 0 },
};

START_TEST(test_dec_info)
{
	json_object *ret = ret_of(info_cases[_i].ret);
	struct daqs_qga_info info;
	int rc;

	memset(&info, 0x55, sizeof(info));
	rc = daqs_qga_dec_info(ret, &info);
	ck_assert_msg(rc == info_cases[_i].rc, "%s: %d", info_cases[_i].ret, rc);
	ck_assert_uint_eq(info.enabled, info_cases[_i].enabled);
	if (rc)
		ck_assert_str_eq(info.version, "");
	json_object_put(ret);
}
END_TEST

static char *info_with_commands(size_t n)
{
	size_t cap = 64 + n * 40, k;
	char *s = daqs_malloc(cap);

	k = (size_t)snprintf(s, cap, "{\"version\":\"1\",\"supported_commands\":[");
	for (size_t i = 0; i < n; i++)
		k += (size_t)snprintf(s + k, cap - k, "%s{\"name\":\"c%zu\",\"enabled\":true}",
				      i ? "," : "", i);
	snprintf(s + k, cap - k, "]}");
	return s;
}

START_TEST(test_dec_info_many)
{
	char *ok = info_with_commands(1024), *big = info_with_commands(1025);
	json_object *r1 = ret_of(ok), *r2 = ret_of(big);
	struct daqs_qga_info info;

	ck_assert_int_eq(daqs_qga_dec_info(r1, &info), 0);
	ck_assert_int_eq(daqs_qga_dec_info(r2, &info), -EPROTO);
	json_object_put(r1);
	json_object_put(r2);
	free(ok);
	free(big);
}
END_TEST

/* ---- interface names (the rule itself: test_netname.c) ---- */

/* Names the kernel refuses, ':' (an alias label) among them: the codec skips them. */
static const char *const bad_names[] = {
	"",	 ".",	   "..",  "abcdefghijklmnop", "eth0:1", "a:b",
	"eth 0", "eth0\n", "a/b", "tab\there",	      "\x01x",	"a\x7f",
};

/* Names the kernel takes are kept, however odd (they only ever reach argv, JSON, logs). */
START_TEST(test_dec_interfaces_odd_names)
{
	json_object *ret = ret_of("[{\"name\":\"a$b\"},{\"name\":\"\\u00e9\"},{\"name\":\"a'b\"}]");
	struct daqs_qga_iface *v = NULL;
	size_t n = 9, rej = 9;

	ck_assert_int_eq(daqs_qga_dec_interfaces(ret, &v, &n, &rej), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(rej, 0);
	ck_assert_str_eq(v[0].name, "a$b");
	ck_assert_str_eq(v[1].name, "\xc3\xa9");
	ck_assert_str_eq(v[2].name, "a'b");
	free(v);
	json_object_put(ret);
}
END_TEST

/* Each bad name, once as the only interface and once next to good ones: skipped and counted. */
START_TEST(test_dec_interfaces_bad_name)
{
	json_object *name = json_object_new_string(bad_names[_i]);
	char *alone = daqs_asprintf("[{\"name\":%s}]", json_object_to_json_string(name));
	char *mixed = daqs_asprintf("[{\"name\":\"eth0\"},{\"name\":%s,\"hardware-address\":"
				    "\"52:54:00:00:00:01\"},{\"name\":\"eth1\"}]",
				    json_object_to_json_string(name));
	json_object *r1 = ret_of(alone), *r2 = ret_of(mixed);
	struct daqs_qga_iface *v = NULL;
	size_t n = 9, rej = 9;

	ck_assert_int_eq(daqs_qga_dec_interfaces(r1, &v, &n, &rej), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(rej, 1);
	free(v);
	ck_assert_int_eq(daqs_qga_dec_interfaces(r2, &v, &n, &rej), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(rej, 1);
	ck_assert_str_eq(v[0].name, "eth0");
	ck_assert_str_eq(v[1].name, "eth1");
	free(v);
	json_object_put(r1);
	json_object_put(r2);
	json_object_put(name);
	free(alone);
	free(mixed);
}
END_TEST

/* A name with an embedded NUL ("eth0\u0000x") is not "eth0". */
START_TEST(test_dec_interfaces_nul_name)
{
	json_object *ret = ret_of("[{\"name\":\"eth0\\u0000x\"}]");
	struct daqs_qga_iface *v = NULL;
	size_t n = 9, rej = 9;

	ck_assert_int_eq(daqs_qga_dec_interfaces(ret, &v, &n, &rej), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(rej, 1);
	free(v);
	json_object_put(ret);
}
END_TEST

/* ---- interfaces: values ---- */

#define STATS(rxb, txb)                                                                           \
	"{\"rx-bytes\":" rxb ",\"rx-packets\":2,\"rx-errs\":0,\"rx-dropped\":0,\"tx-bytes\":" txb \
	",\"tx-packets\":4,\"tx-errs\":0,\"tx-dropped\":0}"
#define IFACE_STATS(st) "[{\"name\":\"eth0\",\"statistics\":" st "}]"
#define IFACE_MAC(mac) "[{\"name\":\"eth0\",\"hardware-address\":" mac "}]"

static const struct {
	const char *ret;
	int rc;
	const char *mac;
	uint64_t rx_bytes, tx_bytes;
} iface_cases[] = {
	{ "[]", 0, NULL, 0, 0 },
	{ IFACE_STATS(STATS("1", "3")), 0, "", 1, 3 },
	{ IFACE_STATS(STATS("18446744073709551614", "9223372036854775808")), 0, "", UINT64_MAX - 1,
	  9223372036854775808ULL },
	{ IFACE_MAC("\"52:54:00:AB:cd:EF\""), 0, "52:54:00:ab:cd:ef", 0, 0 },
	{ "[{\"name\":\"eth0\",\"ip-addresses\":[],\"extra\":{}}]", 0, "", 0, 0 },
	/* counters that are not uint64 integers */
	{ IFACE_STATS(STATS("\"1\"", "3")), -EPROTO, NULL, 0, 0 },
	{ IFACE_STATS(STATS("-1", "3")), -EPROTO, NULL, 0, 0 },
	{ IFACE_STATS(STATS("1", "-9223372036854775808")), -EPROTO, NULL, 0, 0 },
	/* json-c saturates at UINT64_MAX: that value is refused as ambiguous */
	{ IFACE_STATS(STATS("18446744073709551615", "3")), -EPROTO, NULL, 0, 0 },
	{ IFACE_STATS(STATS("18446744073709551616", "3")), -EPROTO, NULL, 0, 0 },
	{ IFACE_STATS(STATS("1", "99999999999999999999999999")), -EPROTO, NULL, 0, 0 },
	{ IFACE_STATS(STATS("NaN", "3")), -EPROTO, NULL, 0, 0 },
	{ IFACE_STATS(STATS("Infinity", "3")), -EPROTO, NULL, 0, 0 },
	{ IFACE_STATS(STATS("1.5", "3")), -EPROTO, NULL, 0, 0 },
	{ IFACE_STATS(STATS("1.0", "3")), -EPROTO, NULL, 0, 0 },
	{ IFACE_STATS(STATS("1e3", "3")), -EPROTO, NULL, 0, 0 },
	{ IFACE_STATS(STATS("true", "3")), -EPROTO, NULL, 0, 0 },
	{ IFACE_STATS(STATS("null", "3")), -EPROTO, NULL, 0, 0 },
	{ IFACE_STATS(STATS("1", "[3]")), -EPROTO, NULL, 0, 0 },
	{ IFACE_STATS("{\"rx-bytes\":1,\"rx-packets\":2,\"rx-errs\":0,\"rx-dropped\":0,"
		      "\"tx-bytes\":3,\"tx-packets\":4,\"tx-errs\":0}"),
	  -EPROTO, NULL, 0, 0 },
	{ IFACE_STATS("{}"), -EPROTO, NULL, 0, 0 },
	{ IFACE_STATS("[]"), -EPROTO, NULL, 0, 0 },
	{ IFACE_STATS("null"), -EPROTO, NULL, 0, 0 },
	{ IFACE_STATS("1"), -EPROTO, NULL, 0, 0 },
	/* bad MACs */
	{ IFACE_MAC("\"52:54:00:12:34\""), -EPROTO, NULL, 0, 0 },
	{ IFACE_MAC("\"52:54:00:12:34:5g\""), -EPROTO, NULL, 0, 0 },
	{ IFACE_MAC("\"52-54-00-12-34-56\""), -EPROTO, NULL, 0, 0 },
	{ IFACE_MAC("\"52:54:00:12:34:56:\""), -EPROTO, NULL, 0, 0 },
	{ IFACE_MAC("\"52:54:00:12:34:56:78\""), -EPROTO, NULL, 0, 0 },
	{ IFACE_MAC("\"5254.0012.3456\""), -EPROTO, NULL, 0, 0 },
	{ IFACE_MAC("\"52:54:00:12:34:5\\u0000\""), -EPROTO, NULL, 0, 0 },
	{ IFACE_MAC("\" 52:54:00:12:34:5\""), -EPROTO, NULL, 0, 0 },
	{ IFACE_MAC("\"\""), -EPROTO, NULL, 0, 0 },
	{ IFACE_MAC("525400123456"), -EPROTO, NULL, 0, 0 },
	{ IFACE_MAC("null"), -EPROTO, NULL, 0, 0 },
	/* structure */
	{ "{}", -EPROTO, NULL, 0, 0 },
	{ "null", -EPROTO, NULL, 0, 0 },
	{ "[\"eth0\"]", -EPROTO, NULL, 0, 0 },
	{ "[{}]", -EPROTO, NULL, 0, 0 },
	{ "[{\"name\":null}]", -EPROTO, NULL, 0, 0 },
	{ "[{\"name\":7}]", -EPROTO, NULL, 0, 0 },
	{ "[{\"name\":\"eth0\",\"ip-addresses\":{}}]", -EPROTO, NULL, 0, 0 },
	{ "[{\"name\":\"eth0\"},{\"name\":\"eth0\"}]", -EPROTO, NULL, 0, 0 },
	/* a bad field still fails the reply when the name is skipped */
	{ "[{\"name\":\"$(x)\",\"statistics\":" STATS("-1", "0") "}]", -EPROTO, NULL, 0, 0 },
};

START_TEST(test_dec_interfaces)
{
	json_object *ret = ret_of(iface_cases[_i].ret);
	struct daqs_qga_iface *v = (void *)1;
	size_t n = 9, rej = 9;
	int rc = daqs_qga_dec_interfaces(ret, &v, &n, &rej);

	ck_assert_msg(rc == iface_cases[_i].rc, "%s: %d", iface_cases[_i].ret, rc);
	if (rc) {
		ck_assert_ptr_null(v);
		ck_assert_uint_eq(n, 0);
	} else if (iface_cases[_i].mac) {
		ck_assert_uint_eq(n, 1);
		ck_assert_str_eq(v[0].name, "eth0");
		ck_assert_str_eq(v[0].mac, iface_cases[_i].mac);
		ck_assert_uint_eq(v[0].c.rx_bytes, iface_cases[_i].rx_bytes);
		ck_assert_uint_eq(v[0].c.tx_bytes, iface_cases[_i].tx_bytes);
		ck_assert_uint_eq(v[0].c.rx_pkts, v[0].has_stats ? 2 : 0);
		ck_assert_uint_eq(v[0].c.tx_pkts, v[0].has_stats ? 4 : 0);
	} else {
		ck_assert_uint_eq(n, 0);
	}
	free(v);
	json_object_put(ret);
}
END_TEST

static char *ifaces_json(size_t n)
{
	size_t cap = 16 + n * 32, k = 1;
	char *s = daqs_malloc(cap);

	s[0] = '[';
	for (size_t i = 0; i < n; i++)
		k += (size_t)snprintf(s + k, cap - k, "%s{\"name\":\"eth%zu\"}", i ? "," : "", i);
	snprintf(s + k, cap - k, "]");
	return s;
}

START_TEST(test_dec_interfaces_count_bound)
{
	char *ok = ifaces_json(DAQS_QGA_MAX_IFACES), *big = ifaces_json(DAQS_QGA_MAX_IFACES + 1);
	json_object *r1 = ret_of(ok), *r2 = ret_of(big);
	struct daqs_qga_iface *v = NULL;
	size_t n, rej;

	ck_assert_int_eq(daqs_qga_dec_interfaces(r1, &v, &n, &rej), 0);
	ck_assert_uint_eq(n, DAQS_QGA_MAX_IFACES);
	ck_assert_str_eq(v[DAQS_QGA_MAX_IFACES - 1].name, "eth255");
	free(v);
	ck_assert_int_eq(daqs_qga_dec_interfaces(r2, &v, &n, &rej), -EPROTO);
	ck_assert_ptr_null(v);
	json_object_put(r1);
	json_object_put(r2);
	free(ok);
	free(big);
}
END_TEST

/* ---- guest-exec ---- */

static const struct {
	const char *ret;
	int rc;
	int64_t pid;
} exec_cases[] = {
	{ "{\"pid\":1}", 0, 1 },
	{ "{\"pid\":9223372036854775807}", 0, INT64_MAX },
	{ "{\"pid\":0}", -EPROTO, 0 },
	{ "{\"pid\":-5}", -EPROTO, 0 },
	{ "{\"pid\":9223372036854775808}", -EPROTO, 0 },
	{ "{\"pid\":99999999999999999999}", -EPROTO, 0 },
	{ "{\"pid\":\"5\"}", -EPROTO, 0 },
	{ "{\"pid\":5.0}", -EPROTO, 0 },
	{ "{\"pid\":null}", -EPROTO, 0 },
	{ "{}", -EPROTO, 0 },
	{ "5", -EPROTO, 0 },
	{ "[5]", -EPROTO, 0 },
};

START_TEST(test_dec_exec)
{
	json_object *ret = ret_of(exec_cases[_i].ret);
	int64_t pid = 42;
	int rc = daqs_qga_dec_exec(ret, &pid);

	ck_assert_msg(rc == exec_cases[_i].rc, "%s: %d", exec_cases[_i].ret, rc);
	ck_assert_int_eq(pid, exec_cases[_i].pid);
	json_object_put(ret);
}
END_TEST

/* ---- guest-exec-status ---- */

static const struct {
	const char *ret;
	int rc;
	int exitcode;
	const char *out;
	bool out_truncated;
} status_cases[] = {
	{ "{\"exited\":true,\"exitcode\":255}", 0, 255, NULL, false },
	{ "{\"exited\":true,\"exitcode\":-1}", 0, -1, NULL, false },
	/* a Windows DWORD exit code keeps its bit pattern */
	{ "{\"exited\":true,\"exitcode\":3221225477}", 0, (int)0xC0000005u, NULL, false },
	{ "{\"exited\":true}", 0, 0, NULL, false },
	{ "{\"exited\":true,\"out-data\":\"\"}", 0, 0, "", false },
	{ "{\"exited\":true,\"out-data\":\"b3V0Cg==\",\"out-truncated\":true}", 0, 0, "out\n",
	  true },
	{ "{\"exited\":true,\"out-data\":\"b3V0Cg==\",\"extra\":[1]}", 0, 0, "out\n", false },
	/* rejected */
	{ "{}", -EPROTO, 0, NULL, false },
	{ "{\"exitcode\":0}", -EPROTO, 0, NULL, false },
	{ "{\"exited\":\"true\",\"exitcode\":0}", -EPROTO, 0, NULL, false },
	{ "{\"exited\":1}", -EPROTO, 0, NULL, false },
	{ "{\"exited\":null}", -EPROTO, 0, NULL, false },
	{ "{\"exited\":true,\"exitcode\":\"0\"}", -EPROTO, 0, NULL, false },
	{ "{\"exited\":true,\"exitcode\":0.0}", -EPROTO, 0, NULL, false },
	{ "{\"exited\":true,\"exitcode\":4294967296}", -EPROTO, 0, NULL, false },
	{ "{\"exited\":true,\"exitcode\":-2147483649}", -EPROTO, 0, NULL, false },
	{ "{\"exited\":true,\"exitcode\":null}", -EPROTO, 0, NULL, false },
	{ "{\"exited\":true,\"signal\":0}", -EPROTO, 0, NULL, false },
	{ "{\"exited\":true,\"signal\":256}", -EPROTO, 0, NULL, false },
	{ "{\"exited\":true,\"signal\":\"9\"}", -EPROTO, 0, NULL, false },
	{ "{\"exited\":true,\"exitcode\":1,\"signal\":9}", -EPROTO, 0, NULL, false },
	{ "{\"exited\":false,\"exitcode\":0}", -EPROTO, 0, NULL, false },
	{ "{\"exited\":false,\"out-data\":\"b3V0Cg==\"}", -EPROTO, 0, NULL, false },
	{ "{\"exited\":false,\"err-truncated\":true}", -EPROTO, 0, NULL, false },
	{ "{\"exited\":true,\"out-data\":\"!!!!\"}", -EPROTO, 0, NULL, false },
	{ "{\"exited\":true,\"out-data\":\"b3V0Cg=\"}", -EPROTO, 0, NULL, false },
	{ "{\"exited\":true,\"out-data\":\"b3V0C===\"}", -EPROTO, 0, NULL, false },
	{ "{\"exited\":true,\"out-data\":\"b3V0\\nCg==\"}", -EPROTO, 0, NULL, false },
	{ "{\"exited\":true,\"out-data\":7}", -EPROTO, 0, NULL, false },
	{ "{\"exited\":true,\"out-data\":null}", -EPROTO, 0, NULL, false },
	{ "{\"exited\":true,\"out-truncated\":\"no\"}", -EPROTO, 0, NULL, false },
	/* out-data decoded, then err-data is bad: nothing leaks, nothing is returned */
	{ "{\"exited\":true,\"out-data\":\"b3V0Cg==\",\"err-data\":\"$(x)\"}", -EPROTO, 0, NULL,
	  false },
	{ "[]", -EPROTO, 0, NULL, false },
	{ "null", -EPROTO, 0, NULL, false },
};

START_TEST(test_dec_exec_status)
{
	json_object *ret = ret_of(status_cases[_i].ret);
	struct daqs_qga_exec_status st;
	int rc = daqs_qga_dec_exec_status(ret, &st);

	ck_assert_msg(rc == status_cases[_i].rc, "%s: %d", status_cases[_i].ret, rc);
	if (rc) {
		ck_assert(!st.exited && !st.has_exitcode && !st.has_signal);
		ck_assert_ptr_null(st.out);
		ck_assert_ptr_null(st.err);
	} else {
		ck_assert(st.exited);
		ck_assert_int_eq(st.exitcode, status_cases[_i].exitcode);
		assert_data(st.out, st.out_len, status_cases[_i].out);
		ck_assert(st.out_truncated == status_cases[_i].out_truncated);
		ck_assert_ptr_null(st.err);
	}
	daqs_qga_exec_status_clear(&st);
	json_object_put(ret);
}
END_TEST

/* Decoded output may hold NUL bytes: the length counts them, a NUL still ends it. */
START_TEST(test_dec_exec_status_binary)
{
	json_object *ret = ret_of("{\"exited\":true,\"exitcode\":0,\"err-data\":\"YQBi\"}");
	struct daqs_qga_exec_status st;

	ck_assert_int_eq(daqs_qga_dec_exec_status(ret, &st), 0);
	ck_assert_uint_eq(st.err_len, 3);
	ck_assert_mem_eq(st.err, "a\0b\0", 4);
	daqs_qga_exec_status_clear(&st);
	daqs_qga_exec_status_clear(NULL);
	json_object_put(ret);
}
END_TEST

/* Output over DAQS_QGA_MAX_OUTPUT (stdout), DAQS_QGA_MAX_ERR (stderr): the first bytes are kept, truncation is flagged. */
START_TEST(test_dec_exec_status_huge)
{
	static const size_t extra[] = { 0, 1, 2, 3, 4096 };
	size_t len = DAQS_QGA_MAX_OUTPUT + extra[_i];
	char *raw = daqs_malloc(len), *b64, *ret_json;
	json_object *ret;
	struct daqs_qga_exec_status st;

	for (size_t k = 0; k < len; k++)
		raw[k] = (char)('a' + k % 26);
	b64 = daqs_base64_encode(raw, len);
	ret_json = daqs_asprintf("{\"exited\":true,\"exitcode\":0,\"out-data\":\"%s\","
				 "\"err-data\":\"%s\",\"out-truncated\":false}",
				 b64, b64);
	ret = ret_of(ret_json);
	ck_assert_int_eq(daqs_qga_dec_exec_status(ret, &st), 0);
	ck_assert_uint_eq(st.out_len, DAQS_QGA_MAX_OUTPUT);
	ck_assert_uint_eq(st.err_len, DAQS_QGA_MAX_ERR);
	ck_assert(st.out_truncated == (extra[_i] > 0));
	ck_assert(st.err_truncated);
	ck_assert(!memcmp(st.out, raw, DAQS_QGA_MAX_OUTPUT));
	ck_assert(!memcmp(st.err, raw, DAQS_QGA_MAX_ERR));
	ck_assert_int_eq(st.err[DAQS_QGA_MAX_ERR], '\0');
	ck_assert_int_eq(st.out[DAQS_QGA_MAX_OUTPUT], '\0');
	daqs_qga_exec_status_clear(&st);
	json_object_put(ret);
	free(ret_json);
	free(b64);
	free(raw);
}
END_TEST

/* Bad base64 far beyond the kept bound still fails the reply. */
START_TEST(test_dec_exec_status_huge_bad_tail)
{
	size_t len = DAQS_QGA_MAX_OUTPUT + 300;
	char *raw = daqs_calloc(len, 1), *b64, *ret_json;
	json_object *ret;
	struct daqs_qga_exec_status st;

	b64 = daqs_base64_encode(raw, len);
	b64[strlen(b64) - 5] = '*';
	ret_json = daqs_asprintf("{\"exited\":true,\"out-data\":\"%s\"}", b64);
	ret = ret_of(ret_json);
	ck_assert_int_eq(daqs_qga_dec_exec_status(ret, &st), -EPROTO);
	ck_assert_ptr_null(st.out);
	json_object_put(ret);
	free(ret_json);
	free(b64);
	free(raw);
}
END_TEST

Suite *daqs_test_qga_suite(void)
{
	Suite *s = suite_create("qga");
	TCase *tc = tcase_create("golden");

	tcase_add_loop_test(tc, test_golden_split, 0, (int)DAQS_ARRAY_SIZE(golden_splits));
	tcase_add_loop_test(tc, test_golden_split_parsed, 0, (int)DAQS_ARRAY_SIZE(golden_splits));
	tcase_add_test(tc, test_split_not_object);
	tcase_add_test(tc, test_golden_info);
	tcase_add_test(tc, test_golden_info_blocked);
	tcase_add_loop_test(tc, test_golden_interfaces, 0, 2);
	tcase_add_test(tc, test_golden_exec);
	tcase_add_loop_test(tc, test_golden_exec_status, 0, (int)DAQS_ARRAY_SIZE(golden_status));
	tcase_add_loop_test(tc, test_golden_sync, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("request");
	tcase_add_test(tc, test_req_exact);
	tcase_add_test(tc, test_req_exec_escaping);
	tcase_add_loop_test(tc, test_req_bad, 0, (int)DAQS_ARRAY_SIZE(bad_args));
	tcase_add_test(tc, test_req_bad_execute);
	suite_add_tcase(s, tc);

	tc = tcase_create("reply");
	tcase_add_loop_test(tc, test_reply_lines, 0, (int)DAQS_ARRAY_SIZE(bad_lines));
	tcase_add_test(tc, test_reply_embedded_nul);
	tcase_add_test(tc, test_reply_size_bound);
	tcase_add_test(tc, test_reply_deep_nesting);
	tcase_add_test(tc, test_reply_bound_of_request);
	tcase_add_test(tc, test_reply_bound_legal_fits);
	tcase_add_test(tc, test_reply_bound_refuses_flood);
	tcase_add_test(tc, test_reply_error_desc);
	suite_add_tcase(s, tc);

	tc = tcase_create("decode");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_dec_sync, 0, (int)DAQS_ARRAY_SIZE(sync_cases));
	tcase_add_loop_test(tc, test_dec_info, 0, (int)DAQS_ARRAY_SIZE(info_cases));
	tcase_add_test(tc, test_dec_info_many);
	tcase_add_test(tc, test_dec_interfaces_odd_names);
	tcase_add_loop_test(tc, test_dec_interfaces_bad_name, 0, (int)DAQS_ARRAY_SIZE(bad_names));
	tcase_add_test(tc, test_dec_interfaces_nul_name);
	tcase_add_loop_test(tc, test_dec_interfaces, 0, (int)DAQS_ARRAY_SIZE(iface_cases));
	tcase_add_test(tc, test_dec_interfaces_count_bound);
	tcase_add_loop_test(tc, test_dec_exec, 0, (int)DAQS_ARRAY_SIZE(exec_cases));
	tcase_add_loop_test(tc, test_dec_exec_status, 0, (int)DAQS_ARRAY_SIZE(status_cases));
	tcase_add_test(tc, test_dec_exec_status_binary);
	tcase_add_loop_test(tc, test_dec_exec_status_huge, 0, 5);
	tcase_add_test(tc, test_dec_exec_status_huge_bad_tail);
	suite_add_tcase(s, tc);
	return s;
}
