/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Control protocol: requests, replies, status field tables and codec, line framing. */
#include <errno.h>
#include <math.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "mem.h"
#include "unit.h"
#include "units.h"

/* ---- requests ---- */

static void rq_eq(const struct daqs_ctl_request *a, const struct daqs_ctl_request *b)
{
	ck_assert_int_eq(a->cmd, b->cmd);
	ck_assert_str_eq(a->vm, b->vm);
	ck_assert_int_eq(a->has_class, b->has_class);
	ck_assert_int_eq(a->has_min, b->has_min);
	ck_assert_int_eq(a->has_max, b->has_max);
	ck_assert_int_eq(a->has_weight, b->has_weight);
	if (a->has_class)
		ck_assert_int_eq(a->cls, b->cls);
	if (a->has_min)
		ck_assert_uint_eq(a->min_bps, b->min_bps);
	if (a->has_max)
		ck_assert_uint_eq(a->max_bps, b->max_bps);
	if (a->has_weight)
		ck_assert_uint_eq(a->weight, b->weight);
	ck_assert_uint_eq(a->for_s, b->for_s);
}

struct rq_case {
	struct daqs_ctl_request rq;
	const char *line; /* exact text format gives */
};

static const struct rq_case rq_cases[] = {
	{ { .cmd = DAQS_CTL_STATUS }, "{\"cmd\":\"status\"}\n" },
	{ { .cmd = DAQS_CTL_STATUS, .vm = "web-1" }, "{\"cmd\":\"status\",\"vm\":\"web-1\"}\n" },
	{ { .cmd = DAQS_CTL_RELOAD }, "{\"cmd\":\"reload\"}\n" },
	{ { .cmd = DAQS_CTL_VF }, "{\"cmd\":\"vf\"}\n" },
	{ { .cmd = DAQS_CTL_CLEAR, .vm = "db" }, "{\"cmd\":\"clear\",\"vm\":\"db\"}\n" },
	{ { .cmd = DAQS_CTL_OVERRIDE, .vm = "a", .has_class = true, .cls = DAQS_CLASS_BEST_EFFORT },
	  "{\"cmd\":\"override\",\"vm\":\"a\",\"class\":\"best-effort\"}\n" },
	{ { .cmd = DAQS_CTL_OVERRIDE, .vm = "a", .has_min = true, .min_bps = 10000000000ULL },
	  "{\"cmd\":\"override\",\"vm\":\"a\",\"min_bps\":10000000000}\n" },
	{ { .cmd = DAQS_CTL_OVERRIDE, .vm = "a", .has_max = true, .max_bps = DAQS_RATE_UNLIMITED },
	  "{\"cmd\":\"override\",\"vm\":\"a\",\"max_bps\":\"unlimited\"}\n" },
	{ { .cmd = DAQS_CTL_OVERRIDE, .vm = "a", .has_max = true, .max_bps = DAQS_RATE_MAX_BPS },
	  "{\"cmd\":\"override\",\"vm\":\"a\",\"max_bps\":1000000000000000}\n" },
	{ { .cmd = DAQS_CTL_OVERRIDE, .vm = "a", .has_weight = true, .weight = 1000, .for_s = 1 },
	  "{\"cmd\":\"override\",\"vm\":\"a\",\"weight\":1000,\"for_s\":1}\n" },
	{ { .cmd = DAQS_CTL_OVERRIDE,
	    .vm = "web 1/\"q\"",
	    .has_class = true,
	    .cls = DAQS_CLASS_GUARANTEE,
	    .has_min = true,
	    .min_bps = 1,
	    .has_max = true,
	    .max_bps = 40000000000ULL,
	    .has_weight = true,
	    .weight = 1,
	    .for_s = 2592000 },
	  "{\"cmd\":\"override\",\"vm\":\"web 1/\\\"q\\\"\",\"class\":\"guarantee\",\"min_bps\":1,"
	  "\"max_bps\":40000000000,\"weight\":1,\"for_s\":2592000}\n" },
};

START_TEST(test_request_round_trip)
{
	const struct rq_case *c = &rq_cases[_i];
	struct daqs_ctl_request back;
	char *line = NULL, why[256] = "";

	ck_assert_int_eq(daqs_ctl_request_format(&c->rq, &line), 0);
	ck_assert_str_eq(line, c->line);
	memset(&back, 0x5a, sizeof(back));
	ck_assert_msg(daqs_ctl_request_parse(line, strlen(line), &back, why, sizeof(why)) == 0,
		      "%s: %s", line, why);
	rq_eq(&c->rq, &back);
	/* without the newline too */
	memset(&back, 0x5a, sizeof(back));
	ck_assert_int_eq(daqs_ctl_request_parse(line, strlen(line) - 1, &back, NULL, 0), 0);
	rq_eq(&c->rq, &back);
	free(line);
}
END_TEST

START_TEST(test_request_vm_longest)
{
	struct daqs_ctl_request rq = { .cmd = DAQS_CTL_CLEAR }, back;
	char *line = NULL;

	memset(rq.vm, 'v', DAQS_SLA_NAME_MAX);
	ck_assert_int_eq(daqs_ctl_request_format(&rq, &line), 0);
	ck_assert_int_eq(daqs_ctl_request_parse(line, strlen(line), &back, NULL, 0), 0);
	rq_eq(&rq, &back);
	ck_assert_uint_eq(strlen(back.vm), DAQS_SLA_NAME_MAX);
	free(line);
}
END_TEST

START_TEST(test_request_parse_lenient_layout)
{
	/* whitespace, key order, a UTF-8 name: all fine */
	static const char line[] =
		" { \"max_bps\" : 5 ,\"vm\":\"w\xc3\xa9\", \"cmd\":\"override\" }\r\n";
	struct daqs_ctl_request rq;

	ck_assert_int_eq(daqs_ctl_request_parse(line, strlen(line), &rq, NULL, 0), 0);
	ck_assert_int_eq(rq.cmd, DAQS_CTL_OVERRIDE);
	ck_assert_str_eq(rq.vm, "w\xc3\xa9");
	ck_assert(rq.has_max && !rq.has_min && !rq.has_class && !rq.has_weight);
	ck_assert_uint_eq(rq.max_bps, 5);
}
END_TEST

struct rq_bad {
	const char *line;
	const char *why;
};

#define OVR "{\"cmd\":\"override\",\"vm\":\"a\","
static const struct rq_bad rq_bad[] = {
	{ "", "not one JSON object" },
	{ "status", "not one JSON object" },
	{ "[\"status\"]", "not one JSON object" },
	{ "{\"cmd\":\"status\"} x", "not one JSON object" },
	{ "{\"cmd\":\"status\"}{\"cmd\":\"status\"}", "not one JSON object" },
	{ "{\"cmd\":\"status\"", "not one JSON object" },
	{ "{\"cmd\":\"st\xff\"}", "not one JSON object" }, /* invalid UTF-8 */
	{ "{}", "missing \"cmd\"" },
	{ "{\"cmd\":1}", "missing \"cmd\"" },
	{ "{\"cmd\":null}", "missing \"cmd\"" },
	{ "{\"cmd\":\"reboot\"}", "unknown command 'reboot'" },
	{ "{\"cmd\":\"Status\"}", "unknown command 'Status'" },
	{ "{\"cmd\":\"status\",\"verbose\":true}", "unknown key 'verbose' for 'status'" },
	{ "{\"cmd\":\"status\",\"min_bps\":1}", "unknown key 'min_bps' for 'status'" },
	{ "{\"cmd\":\"clear\",\"vm\":\"a\",\"for_s\":1}", "unknown key 'for_s' for 'clear'" },
	{ "{\"cmd\":\"reload\",\"vm\":\"a\"}", "unknown key 'vm' for 'reload'" },
	{ "{\"cmd\":\"status\",\"a\\nb\":1}", "unknown key 'a?b'" },
	{ "{\"cmd\":\"override\",\"min_bps\":1}", "'override' needs 'vm'" },
	{ "{\"cmd\":\"clear\"}", "'clear' needs 'vm'" },
	{ "{\"cmd\":\"override\",\"vm\":\"a\"}", "needs at least one of" },
	{ "{\"cmd\":\"override\",\"vm\":\"a\",\"for_s\":60}", "needs at least one of" },
	{ "{\"cmd\":\"clear\",\"vm\":\"\"}", "'vm' must be a string of 1..255 bytes" },
	{ "{\"cmd\":\"clear\",\"vm\":\"a\\nb\"}", "without control characters" },
	{ "{\"cmd\":\"clear\",\"vm\":\"a\\u0000b\"}", "without control characters" },
	{ "{\"cmd\":\"clear\",\"vm\":\"a\\u007fb\"}", "without control characters" },
	{ "{\"cmd\":\"clear\",\"vm\":\"a\\tb\"}", "without control characters" },
	{ "{\"cmd\":\"clear\",\"vm\":7}", "'vm' must be a string" },
	{ "{\"cmd\":\"clear\",\"vm\":null}", "'vm' must be a string" },
	{ OVR "\"class\":\"gold\"}", "'class' must be \"guarantee\" or \"best-effort\"" },
	{ OVR "\"class\":\"Guarantee\"}", "'class' must be" },
	{ OVR "\"class\":1}", "'class' must be" },
	{ OVR "\"min_bps\":-1}", "'min_bps' must be an integer 1..1000000000000000" },
	{ OVR "\"min_bps\":0}", "'min_bps' must be an integer" },
	{ OVR "\"min_bps\":1000000000000001}", "'min_bps' must be an integer" },
	{ OVR "\"min_bps\":99999999999999999999}", "'min_bps' must be an integer" },
	{ OVR "\"min_bps\":-99999999999999999999}", "'min_bps' must be an integer" },
	{ OVR "\"min_bps\":18446744073709551615}", "'min_bps' must be an integer" },
	{ OVR "\"min_bps\":1.5}", "'min_bps' must be an integer" },
	{ OVR "\"min_bps\":1e9}", "'min_bps' must be an integer" },
	{ OVR "\"min_bps\":NaN}", "'min_bps' must be an integer" },
	{ OVR "\"min_bps\":\"10gbit\"}", "'min_bps' must be an integer" },
	{ OVR "\"min_bps\":\"unlimited\"}", "'min_bps' must be an integer" },
	{ OVR "\"min_bps\":null}", "'min_bps' must be an integer" },
	{ OVR "\"max_bps\":\"Unlimited\"}", "'max_bps' must be an integer 1..1000000000000000 "
					    "(bit/s) or \"unlimited\"" },
	{ OVR "\"max_bps\":0}", "or \"unlimited\"" },
	{ OVR "\"max_bps\":true}", "or \"unlimited\"" },
	{ OVR "\"weight\":0}", "'weight' must be an integer 1..1000" },
	{ OVR "\"weight\":1001}", "'weight' must be an integer 1..1000" },
	{ OVR "\"weight\":-1}", "'weight' must be an integer" },
	{ OVR "\"weight\":4294967297}", "'weight' must be an integer" },
	{ OVR "\"weight\":\"2\"}", "'weight' must be an integer" },
	{ OVR "\"weight\":1,\"for_s\":0}", "'for_s' must be an integer 1..2592000" },
	{ OVR "\"weight\":1,\"for_s\":-5}", "'for_s' must be an integer" },
	{ OVR "\"weight\":1,\"for_s\":2592001}", "'for_s' must be an integer" },
	{ OVR "\"weight\":1,\"for_s\":1.0}", "'for_s' must be an integer" },
	{ OVR "\"class\":\"best-effort\",\"min_bps\":5}", "'min_bps' is only for class guarantee" },
	{ OVR "\"min_bps\":5,\"max_bps\":4}", "'max_bps' is below 'min_bps'" },
	{ OVR "\"weight\":1,\"bogus\":1}", "unknown key 'bogus' for 'override'" },
};
#undef OVR

START_TEST(test_request_refused)
{
	const struct rq_bad *c = &rq_bad[_i];
	struct daqs_ctl_request rq, untouched;
	char why[256] = "";

	memset(&rq, 0x5a, sizeof(rq));
	untouched = rq;
	ck_assert_msg(daqs_ctl_request_parse(c->line, strlen(c->line), &rq, why, sizeof(why)) ==
			      -EINVAL,
		      "accepted: %s", c->line);
	ck_assert_msg(strstr(why, c->why), "%s: reason '%s' lacks '%s'", c->line, why, c->why);
	ck_assert_msg(memcmp(&rq, &untouched, sizeof(rq)) == 0, "%s: output written", c->line);
	ck_assert_int_eq(daqs_ctl_request_parse(c->line, strlen(c->line), &rq, NULL, 0), -EINVAL);
}
END_TEST

START_TEST(test_request_refused_bytes)
{
	static const char nul[] = "{\"cmd\":\"status\"}\0";
	char *big = daqs_malloc(DAQS_CTL_MAX_LINE + 2);
	struct daqs_ctl_request rq;
	char why[256] = "", name[DAQS_SLA_NAME_MAX + 32];

	ck_assert_int_eq(daqs_ctl_request_parse(nul, sizeof(nul) - 1, &rq, why, sizeof(why)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "not one JSON object"));
	/* a vm name of 256 bytes */
	memset(name, 'x', sizeof(name));
	snprintf(big, DAQS_CTL_MAX_LINE, "{\"cmd\":\"clear\",\"vm\":\"%.*s\"}",
		 DAQS_SLA_NAME_MAX + 1, name);
	ck_assert_int_eq(daqs_ctl_request_parse(big, strlen(big), &rq, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "1..255 bytes"));
	/* a request longer than a request may be, though valid JSON */
	memset(big, ' ', DAQS_CTL_MAX_LINE + 1);
	memcpy(big, "{\"cmd\":\"status\"}", 16);
	ck_assert_int_eq(daqs_ctl_request_parse(big, DAQS_CTL_MAX_REQUEST + 1, &rq, NULL, 0),
			 -EINVAL);
	ck_assert_int_eq(daqs_ctl_request_parse(big, DAQS_CTL_MAX_REQUEST, &rq, NULL, 0), 0);
	free(big);
}
END_TEST

static const struct daqs_ctl_request fmt_bad[] = {
	{ .cmd = DAQS_CTL_OVERRIDE, .vm = "a" },		       /* nothing */
	{ .cmd = DAQS_CTL_OVERRIDE, .has_weight = true, .weight = 1 }, /* no vm */
	{ .cmd = DAQS_CTL_CLEAR },				       /* no vm */
	{ .cmd = DAQS_CTL_RELOAD, .vm = "a" },			       /* vm on reload */
	{ .cmd = DAQS_CTL_VF, .vm = "a" },			       /* vm on vf */
	{ .cmd = DAQS_CTL_VF, .for_s = 5 },			       /* for_s on vf */
	{ .cmd = DAQS_CTL_STATUS, .has_min = true, .min_bps = 1 },     /* override field */
	{ .cmd = DAQS_CTL_CLEAR, .vm = "a", .for_s = 5 },	       /* for_s on clear */
	{ .cmd = DAQS_CTL_CLEAR, .vm = "a\x1b[2J" },		       /* control chars */
	{ .cmd = DAQS_CTL_OVERRIDE, .vm = "a", .has_min = true, .min_bps = 0 },
	{ .cmd = DAQS_CTL_OVERRIDE, .vm = "a", .has_max = true, .max_bps = DAQS_RATE_MAX_BPS + 1 },
	{ .cmd = DAQS_CTL_OVERRIDE, .vm = "a", .has_weight = true, .weight = 0 },
	{ .cmd = DAQS_CTL_OVERRIDE, .vm = "a", .has_weight = true, .weight = 1, .for_s = 2592001 },
	{ .cmd = DAQS_CTL_OVERRIDE, .vm = "a", .has_class = true, .cls = (enum daqs_class)7 },
	{ .cmd = (enum daqs_ctl_cmd)9 },
};

START_TEST(test_request_format_refused)
{
	char *line = (char *)"untouched", why[256] = "";

	ck_assert_int_eq(daqs_ctl_request_format(&fmt_bad[_i], &line), -EINVAL);
	ck_assert_ptr_null(line);
	ck_assert_int_eq(daqs_ctl_request_check(&fmt_bad[_i], why, sizeof(why)), -EINVAL);
	ck_assert_uint_gt(strlen(why), 5);
}
END_TEST

START_TEST(test_cmd_names)
{
	ck_assert_str_eq(daqs_ctl_cmd_name(DAQS_CTL_STATUS), "status");
	ck_assert_str_eq(daqs_ctl_cmd_name(DAQS_CTL_OVERRIDE), "override");
	ck_assert_str_eq(daqs_ctl_cmd_name(DAQS_CTL_CLEAR), "clear");
	ck_assert_str_eq(daqs_ctl_cmd_name(DAQS_CTL_RELOAD), "reload");
	ck_assert(!daqs_ctl_cmd_mutates(DAQS_CTL_STATUS));
	ck_assert(daqs_ctl_cmd_mutates(DAQS_CTL_OVERRIDE));
	ck_assert(daqs_ctl_cmd_mutates(DAQS_CTL_CLEAR));
	ck_assert(daqs_ctl_cmd_mutates(DAQS_CTL_RELOAD));
	ck_assert_str_eq(daqs_ctl_cmd_name(DAQS_CTL_VF), "vf");
	ck_assert(!daqs_ctl_cmd_mutates(DAQS_CTL_VF));
}
END_TEST

/* ---- replies ---- */

START_TEST(test_reply_format)
{
	char *s;

	s = daqs_ctl_reply_error(-EPERM, "only root may \"override\"\n");
	ck_assert_str_eq(s, "{\"ok\":false,\"code\":\"EPERM\",\"error\":\"only root may "
			    "\\\"override\\\"\\n\"}\n");
	free(s);
	s = daqs_ctl_reply_error(ENOENT, "no VM 'x'");
	ck_assert_str_eq(s, "{\"ok\":false,\"code\":\"ENOENT\",\"error\":\"no VM 'x'\"}\n");
	free(s);
	s = daqs_ctl_reply_error(-EINVAL, NULL);
	ck_assert_str_eq(s, "{\"ok\":false,\"code\":\"EINVAL\",\"error\":\"Invalid argument\"}\n");
	free(s);
	s = daqs_ctl_reply_error(-100000, "x");
	ck_assert_str_eq(s, "{\"ok\":false,\"code\":\"EUNKNOWN\",\"error\":\"x\"}\n");
	free(s);
	s = daqs_ctl_reply_ok();
	ck_assert_str_eq(s, "{\"ok\":true}\n");
	free(s);
}
END_TEST

START_TEST(test_reply_parse)
{
	char code[16], msg[64], *s = daqs_ctl_reply_error(-ETIMEDOUT, "agent of 'db' is hung");

	ck_assert_int_eq(daqs_ctl_reply_parse(s, strlen(s), code, sizeof(code), msg, sizeof(msg)),
			 -EREMOTEIO);
	ck_assert_str_eq(code, "ETIMEDOUT");
	ck_assert_str_eq(msg, "agent of 'db' is hung");
	free(s);
	s = daqs_ctl_reply_ok();
	ck_assert_int_eq(daqs_ctl_reply_parse(s, strlen(s), code, sizeof(code), msg, sizeof(msg)),
			 0);
	ck_assert_str_eq(code, "");
	free(s);
	/* cut to fit */
	s = daqs_ctl_reply_error(-EPERM, "0123456789abcdef");
	ck_assert_int_eq(daqs_ctl_reply_parse(s, strlen(s), code, 3, msg, 5), -EREMOTEIO);
	ck_assert_str_eq(code, "EP");
	ck_assert_str_eq(msg, "0123");
	free(s);
}
END_TEST

static const struct rq_bad reply_bad[] = {
	{ "", "not one JSON object" },
	{ "{\"ok\":true", "not one JSON object" },
	{ "[true]", "not one JSON object" },
	{ "{}", "no \"ok\"" },
	{ "{\"ok\":1}", "no \"ok\"" },
	{ "{\"ok\":false}", "without \"code\" and \"error\"" },
	{ "{\"ok\":false,\"code\":\"EPERM\"}", "without \"code\" and \"error\"" },
	{ "{\"ok\":false,\"code\":1,\"error\":\"x\"}", "without \"code\" and \"error\"" },
};

START_TEST(test_reply_refused)
{
	char code[16] = "x", msg[128];
	const struct rq_bad *c = &reply_bad[_i];

	ck_assert_int_eq(daqs_ctl_reply_parse(c->line, strlen(c->line), code, sizeof(code), msg,
					      sizeof(msg)),
			 -EINVAL);
	ck_assert_msg(strstr(msg, c->why), "%s: '%s' lacks '%s'", c->line, msg, c->why);
	ck_assert_str_eq(code, "");
}
END_TEST

/* ---- field tables ---- */

static size_t type_align(enum daqs_ctl_ftype t)
{
	switch (t) {
	case DAQS_CTL_F_STR:
		return 1;
	case DAQS_CTL_F_BOOL:
		return alignof(bool);
	case DAQS_CTL_F_U32:
		return alignof(uint32_t);
	case DAQS_CTL_F_LIMIT:
	case DAQS_CTL_F_U64:
		return alignof(uint64_t);
	case DAQS_CTL_F_SECS:
		return alignof(int64_t);
	case DAQS_CTL_F_RATE:
	case DAQS_CTL_F_RATIO:
		return alignof(double);
	}
	return 0;
}

static size_t type_size(enum daqs_ctl_ftype t)
{
	switch (t) {
	case DAQS_CTL_F_STR:
		return 0; /* any */
	case DAQS_CTL_F_BOOL:
		return sizeof(bool);
	case DAQS_CTL_F_U32:
		return 4;
	case DAQS_CTL_F_LIMIT:
	case DAQS_CTL_F_U64:
	case DAQS_CTL_F_SECS:
	case DAQS_CTL_F_RATE:
	case DAQS_CTL_F_RATIO:
		return 8;
	}
	return 0;
}

static int by_off(const void *a, const void *b)
{
	const struct daqs_ctl_field *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/*
 * Sorted by offset, every field starts exactly where the previous one ends
 * (rounded up to its alignment) and the struct ends within its alignment after
 * the last: a member missing from the table would leave a hole that
 * alignment does not explain, a member listed twice would overlap.
 */
static void check_table(const struct daqs_ctl_field *t, size_t n, size_t struct_size,
			size_t struct_align, size_t want_n)
{
	struct daqs_ctl_field *s = daqs_calloc(n, sizeof(*s));
	size_t end = 0, sum = 0;

	ck_assert_uint_eq(n, want_n);
	memcpy(s, t, n * sizeof(*s));
	qsort(s, n, sizeof(*s), by_off);
	for (size_t i = 0; i < n; i++) {
		size_t a = type_align(s[i].type), want = (end + a - 1) / a * a;

		ck_assert_msg(s[i].off == want, "'%s' at %zu, the previous field ends at %zu",
			      s[i].key, s[i].off, end);
		ck_assert_msg(!type_size(s[i].type) || s[i].size == type_size(s[i].type),
			      "'%s': size %zu for its type", s[i].key, s[i].size);
		ck_assert_uint_gt(s[i].size, 0);
		end = s[i].off + s[i].size;
		sum += s[i].size;
		for (size_t j = 0; j < n; j++)
			ck_assert_msg(j == i || strcmp(s[i].key, s[j].key), "'%s' twice", s[i].key);
	}
	ck_assert_uint_le(end, struct_size);
	ck_assert_uint_eq((end + struct_align - 1) / struct_align * struct_align, struct_size);
	ck_assert_uint_le(sum, struct_size);
	free(s);
}

static const struct daqs_ctl_field *field(const struct daqs_ctl_field *t, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].key, key))
			return &t[i];
	return NULL;
}

static const char *const counter_keys[] = { "limit_changes", "tx_bytes", "rx_bytes", "tx_packets",
					    "rx_packets" };

START_TEST(test_field_tables_cover_structs)
{
	const struct daqs_ctl_field *f;

	check_table(daqs_ctl_vm_fields, daqs_ctl_n_vm_fields, sizeof(struct daqs_ctl_vm),
		    alignof(struct daqs_ctl_vm), 44);
	check_table(daqs_ctl_link_fields, daqs_ctl_n_link_fields, sizeof(struct daqs_ctl_link),
		    alignof(struct daqs_ctl_link), 13);
	check_table(daqs_ctl_pf_fields, daqs_ctl_n_pf_fields, sizeof(struct daqs_ctl_pf),
		    alignof(struct daqs_ctl_pf), 12);
	/* keys are the member names */
	f = field(daqs_ctl_vm_fields, daqs_ctl_n_vm_fields, "tx_bps");
	ck_assert(f && f->off == offsetof(struct daqs_ctl_vm, tx_bps) &&
		  f->type == DAQS_CTL_F_RATE);
	f = field(daqs_ctl_vm_fields, daqs_ctl_n_vm_fields, "limit_bps");
	ck_assert(f && f->off == offsetof(struct daqs_ctl_vm, limit_bps) &&
		  f->type == DAQS_CTL_F_LIMIT);
	f = field(daqs_ctl_vm_fields, daqs_ctl_n_vm_fields, "override_left_s");
	ck_assert(f && f->off == offsetof(struct daqs_ctl_vm, override_left_s) &&
		  f->type == DAQS_CTL_F_SECS);
	f = field(daqs_ctl_vm_fields, daqs_ctl_n_vm_fields, "last_error");
	ck_assert(f && f->size == sizeof(((struct daqs_ctl_vm *)0)->last_error));
	f = field(daqs_ctl_link_fields, daqs_ctl_n_link_fields, "utilisation");
	ck_assert(f && f->off == offsetof(struct daqs_ctl_link, utilisation));
	/* the counters: integers, in the JSON only (the table has their rates) */
	for (size_t i = 0; i < DAQS_ARRAY_SIZE(counter_keys); i++) {
		f = field(daqs_ctl_vm_fields, daqs_ctl_n_vm_fields, counter_keys[i]);
		ck_assert_msg(f && f->type == DAQS_CTL_F_U64 && !f->header, "%s", counter_keys[i]);
	}
	f = field(daqs_ctl_link_fields, daqs_ctl_n_link_fields, "tx_bytes");
	ck_assert(f && f->off == offsetof(struct daqs_ctl_link, tx_bytes) &&
		  f->type == DAQS_CTL_F_U64 && !f->header);
	/* the first column names the row */
	ck_assert_str_eq(daqs_ctl_vm_fields[0].key, "name");
	ck_assert_str_eq(daqs_ctl_link_fields[0].key, "name");
	ck_assert_ptr_nonnull(daqs_ctl_vm_fields[0].header);
}
END_TEST

/* ---- status ---- */

static void fill_str(char *dst, size_t size, char c)
{
	memset(dst, c, size - 1);
	dst[size - 1] = '\0';
}

/* Two links, three VMs: NaN, unlimited, longest strings, awkward characters. */
static void sample_status(struct daqs_ctl_status *st)
{
	struct daqs_ctl_vm *v;
	struct daqs_ctl_link *l;

	memset(st, 0, sizeof(*st));
	st->cycle = 123456;
	st->cycle_ms = 3.25;
	st->period_ms = 200;
	snprintf(st->policy, sizeof(st->policy), "daqs");
	fill_str(st->sla_file, sizeof(st->sla_file), 'f');
	snprintf(st->sla_error, sizeof(st->sla_error), "sla.yaml:3:7: error: \"x\"\n\ttab\\");
	st->n_links = 2;
	st->links = l = daqs_calloc(2, sizeof(*l));
	snprintf(l[0].name, sizeof(l[0].name), "uplink0");
	l[0].capacity_bps = 40000000000ULL;
	l[0].effective_bps = 37.5e9;
	l[0].tx_bps = 0.1;
	l[0].utilisation = 1.0 / 3.0;
	l[0].reserved_bps = 1e-300;
	l[0].vms = 3;
	l[0].tx_bytes = 123456789012345ULL;
	fill_str(l[1].name, sizeof(l[1].name), 'L');
	l[1].effective_bps = NAN;
	l[1].tx_bps = NAN;
	l[1].utilisation = NAN;
	l[1].reserved_bps = 0;
	st->n_vms = 3;
	st->vms = v = daqs_calloc(3, sizeof(*v));
	snprintf(v[0].name, sizeof(v[0].name), "web-1");
	snprintf(v[0].uuid, sizeof(v[0].uuid), "11111111-2222-3333-4444-555555555501");
	snprintf(v[0].source, sizeof(v[0].source), "libvirt");
	snprintf(v[0].cls, sizeof(v[0].cls), "guarantee");
	v[0].min_bps = 10000000000ULL;
	v[0].max_bps = DAQS_RATE_UNLIMITED;
	v[0].weight = 1;
	snprintf(v[0].link, sizeof(v[0].link), "uplink0");
	v[0].tx_bps = 9851234567.125;
	v[0].rx_bps = 12345.0;
	v[0].limit_bps = 30000000000ULL;
	snprintf(v[0].mode, sizeof(v[0].mode), "satisfied");
	snprintf(v[0].state, sizeof(v[0].state), "shaped");
	snprintf(v[0].agent, sizeof(v[0].agent), "ok");
	snprintf(v[0].iface, sizeof(v[0].iface), "bond0");
	snprintf(v[0].iface_kind, sizeof(v[0].iface_kind), "bond");
	v[0].satisfaction = 0.985;
	v[0].agent_errors = UINT64_MAX;
	v[0].applies = UINT64_MAX - 1;
	v[0].limit_changes = 9;
	v[0].tx_bytes = UINT64_MAX;
	v[0].rx_bytes = 1ULL << 53;
	v[0].tx_packets = (1ULL << 53) + 1; /* above 2^53: exact, not through a double */
	v[0].rx_packets = 7;
	v[0].override = true;
	v[0].override_left_s = 30;
	/* nothing known yet */
	snprintf(v[1].name, sizeof(v[1].name), "new \"vm\" \xc3\xa9");
	snprintf(v[1].cls, sizeof(v[1].cls), "best-effort");
	v[1].max_bps = 300000000;
	v[1].weight = 1000;
	v[1].tx_bps = NAN;
	v[1].rx_bps = NAN;
	v[1].limit_bps = DAQS_RATE_UNLIMITED;
	v[1].satisfaction = NAN;
	v[1].override_left_s = -1;
	/* every string at its longest */
	fill_str(v[2].name, sizeof(v[2].name), 'n');
	fill_str(v[2].uuid, sizeof(v[2].uuid), 'u');
	fill_str(v[2].source, sizeof(v[2].source), 's');
	fill_str(v[2].cls, sizeof(v[2].cls), 'c');
	fill_str(v[2].link, sizeof(v[2].link), 'l');
	fill_str(v[2].mode, sizeof(v[2].mode), 'm');
	fill_str(v[2].state, sizeof(v[2].state), 's');
	fill_str(v[2].agent, sizeof(v[2].agent), 'a');
	fill_str(v[2].iface, sizeof(v[2].iface), 'i');
	fill_str(v[2].iface_kind, sizeof(v[2].iface_kind), 'k');
	fill_str(v[2].last_error, sizeof(v[2].last_error), 'e');
	v[2].tx_bps = 0;
	v[2].rx_bps = -0.0;
	v[2].satisfaction = 1;
	v[2].override_left_s = INT64_MAX;
}

static bool dbl_same(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

static void records_eq(const struct daqs_ctl_field *t, size_t n, const void *a, const void *b)
{
	for (size_t i = 0; i < n; i++) {
		const char *x = (const char *)a + t[i].off, *y = (const char *)b + t[i].off;
		double dx, dy;

		switch (t[i].type) {
		case DAQS_CTL_F_STR:
			ck_assert_msg(!strcmp(x, y), "'%s': '%s' != '%s'", t[i].key, x, y);
			break;
		case DAQS_CTL_F_RATE:
		case DAQS_CTL_F_RATIO:
			memcpy(&dx, x, sizeof(dx));
			memcpy(&dy, y, sizeof(dy));
			ck_assert_msg(dbl_same(dx, dy), "'%s': %.17g != %.17g", t[i].key, dx, dy);
			break;
		case DAQS_CTL_F_LIMIT:
		case DAQS_CTL_F_U32:
		case DAQS_CTL_F_U64:
		case DAQS_CTL_F_SECS:
		case DAQS_CTL_F_BOOL:
			ck_assert_msg(!memcmp(x, y, t[i].size), "'%s' differs", t[i].key);
			break;
		}
	}
}

static void status_eq(const struct daqs_ctl_status *a, const struct daqs_ctl_status *b)
{
	ck_assert_uint_eq(a->cycle, b->cycle);
	ck_assert(dbl_same(a->cycle_ms, b->cycle_ms));
	ck_assert_uint_eq(a->period_ms, b->period_ms);
	ck_assert_str_eq(a->policy, b->policy);
	ck_assert_str_eq(a->sla_file, b->sla_file);
	ck_assert_str_eq(a->sla_error, b->sla_error);
	ck_assert_uint_eq(a->n_links, b->n_links);
	ck_assert_uint_eq(a->n_vms, b->n_vms);
	for (size_t i = 0; i < a->n_links; i++)
		records_eq(daqs_ctl_link_fields, daqs_ctl_n_link_fields, &a->links[i],
			   &b->links[i]);
	for (size_t i = 0; i < a->n_vms; i++)
		records_eq(daqs_ctl_vm_fields, daqs_ctl_n_vm_fields, &a->vms[i], &b->vms[i]);
}

START_TEST(test_status_round_trip)
{
	static struct daqs_ctl_status st, back; /* 4.7 KiB each: off the stack */
	char *line, *again, why[256] = "";

	sample_status(&st);
	line = daqs_ctl_status_format(&st);
	ck_assert_ptr_nonnull(line);
	ck_assert_ptr_eq(strchr(line, '\n'), line + strlen(line) - 1); /* one line */
	ck_assert_msg(daqs_ctl_status_parse(line, strlen(line), &back, why, sizeof(why)) == 0, "%s",
		      why);
	status_eq(&st, &back);
	again = daqs_ctl_status_format(&back);
	ck_assert_str_eq(line, again);
	/* NaN, unlimited and "no seconds" are null; shortest exact doubles */
	ck_assert_ptr_nonnull(strstr(line, "\"max_bps\":null,\"weight\":1,"));
	ck_assert_ptr_nonnull(strstr(line, "\"tx_bps\":null,\"rx_bps\":null,\"limit_bps\":null,"));
	ck_assert_ptr_nonnull(strstr(line, "\"satisfaction\":null,"));
	ck_assert_ptr_nonnull(strstr(line, "\"override_left_s\":null,"));
	ck_assert_ptr_nonnull(strstr(line, "\"tx_bps\":9851234567.125,"));
	ck_assert_ptr_nonnull(strstr(line, "\"tx_bps\":0.1,"));
	ck_assert_ptr_nonnull(strstr(line, "\"rx_bps\":12345.0,"));
	ck_assert_ptr_nonnull(strstr(line, "\"agent_errors\":18446744073709551615,"));
	ck_assert_ptr_nonnull(strstr(line, "\"limit_changes\":9,\"tx_bytes\":18446744073709551615,"
					   "\"rx_bytes\":9007199254740992,"
					   "\"tx_packets\":9007199254740993,\"rx_packets\":7,"));
	ck_assert_ptr_nonnull(strstr(line, "\"tx_bps\":0.1,\"tx_bytes\":123456789012345,"));
	ck_assert_ptr_nonnull(strstr(line,
				     "{\"ok\":true,\"status\":{\"cycle\":123456,"
				     "\"cycle_ms\":3.25,\"period_ms\":200,\"policy\":\"daqs\","));
	ck_assert(signbit(back.vms[2].rx_bps)); /* -0.0 stays -0.0 */
	daqs_ctl_status_clear(&back);
	ck_assert_ptr_null(back.vms);
	ck_assert_uint_eq(back.n_vms, 0);
	free(again);
	free(line);
	daqs_ctl_status_clear(&st);
}
END_TEST

START_TEST(test_status_empty_and_infinite)
{
	static struct daqs_ctl_status st = { .cycle_ms = INFINITY }, back;
	char *line = daqs_ctl_status_format(&st);

	ck_assert_str_eq(
		line,
		"{\"ok\":true,\"status\":{\"cycle\":0,\"cycle_ms\":null,"
		"\"period_ms\":0,\"policy\":\"\",\"sla_file\":\"\","
		"\"sla_error\":\"\",\"state_error\":\"\",\"links\":[],\"vms\":[],\"pfs\":[]}}\n");
	ck_assert_int_eq(daqs_ctl_status_parse(line, strlen(line), &back, NULL, 0), 0);
	ck_assert(isnan(back.cycle_ms)); /* infinity is not JSON: it comes back as "none" */
	{				 /* a reply without "pfs": none */
		static const char nopfs[] =
			"{\"ok\":true,\"status\":{\"cycle\":0,\"cycle_ms\":null,"
			"\"period_ms\":0,\"policy\":\"\",\"sla_file\":\"\","
			"\"sla_error\":\"\",\"state_error\":\"\",\"links\":[],"
			"\"vms\":[]}}";
		struct daqs_ctl_status b2;

		ck_assert_int_eq(daqs_ctl_status_parse(nopfs, strlen(nopfs), &b2, NULL, 0), 0);
		ck_assert_uint_eq(b2.n_pfs, 0);
		daqs_ctl_status_clear(&b2);
	}
	ck_assert_ptr_null(back.links);
	ck_assert_ptr_null(back.vms);
	daqs_ctl_status_clear(&back);
	free(line);
}
END_TEST

START_TEST(test_status_json_pretty)
{
	static struct daqs_ctl_status st, back;
	char *obj, *wrapped;

	sample_status(&st);
	obj = daqs_ctl_status_json(&st, true);
	ck_assert_ptr_nonnull(strstr(obj, "\n  \"links\": [\n"));
	ck_assert_ptr_nonnull(strstr(obj, "\"limit_bps\": null,"));
	ck_assert_int_eq(obj[strlen(obj) - 1], '\n');
	/* the same fields: wrapped as a reply it parses back to the same status */
	for (char *p = obj; *p; p++)
		if (*p == '\n')
			*p = ' ';
	wrapped = daqs_asprintf("{\"ok\":true,\"status\":%s}", obj);
	ck_assert_int_eq(daqs_ctl_status_parse(wrapped, strlen(wrapped), &back, NULL, 0), 0);
	status_eq(&st, &back);
	daqs_ctl_status_clear(&back);
	daqs_ctl_status_clear(&st);
	free(wrapped);
	free(obj);
}
END_TEST

/* A status line with one VM whose field `key` holds the JSON text `value`. */
static char *status_with(const char *key, const char *value)
{
	static struct daqs_ctl_status st;
	char *line, *p, *q, *out;
	char pat[64];

	sample_status(&st);
	line = daqs_ctl_status_format(&st);
	daqs_ctl_status_clear(&st);
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = NULL; /* the last one: "vms" is also a link field, the array comes last */
	for (q = strstr(line, pat); q; q = strstr(q + 1, pat))
		p = q;
	ck_assert_ptr_nonnull(p);
	p += strlen(pat);
	q = p;
	if (*q == '"')
		for (q++; *q != '"'; q++)
			q += *q == '\\';
	for (int depth = 0; *q == '[' || depth; q++) /* an array: to its closing bracket */
		depth += (*q == '[') - (*q == ']');
	q += strcspn(q, ",}]");
	out = daqs_asprintf("%.*s%s%s", (int)(p - line), line, value, q);
	free(line);
	return out;
}

struct st_bad {
	const char *key, *value; /* NULL value: drop the key */
	const char *why;
};

static const struct st_bad st_bad[] = {
	{ "name", "123", "'name' is not a string" },
	{ "uuid", "\"1111111111111111111111111111111111111\"", "'uuid' does not fit" },
	{ "iface", "\"0123456789abcdef\"", "'iface' does not fit" },
	{ "iface", "\"a\\u0000b\"", "'iface' does not fit" },
	{ "weight", "-1", "'weight' is not an integer 0..4294967295" },
	{ "weight", "4294967296", "'weight' is not an integer" },
	{ "weight", "null", "'weight' is not an integer" },
	{ "agent_errors", "-3", "'agent_errors' is not an integer >= 0" },
	{ "agent_errors", "1.5", "'agent_errors' is not an integer" },
	{ "limit_bps", "\"unlimited\"", "'limit_bps' is not an integer or null" },
	{ "limit_bps", "18446744073709551615", "'limit_bps' is not an integer or null" },
	{ "tx_bps", "\"fast\"", "'tx_bps' is not a number or null" },
	{ "tx_bps", "NaN", "'tx_bps' is not finite" },
	{ "tx_bps", "1e999", "'tx_bps' is not finite" },
	{ "override", "1", "'override' is not a boolean" },
	{ "override_left_s", "-1", "'override_left_s' is not an integer >= 0 or null" },
	{ "cycle", "\"1\"", "'cycle' is not an integer" },
	{ "policy", "null", "'policy' is not a string" },
	{ "vms", "{}", "missing 'vms' (an array)" },
	{ "links", "[1]", "a record is not an object" },
	{ "links", "[{}]", "missing 'name'" },
};

START_TEST(test_status_refused)
{
	const struct st_bad *c = &st_bad[_i];
	char *line = status_with(c->key, c->value), why[256] = "";
	static struct daqs_ctl_status st;

	ck_assert_msg(daqs_ctl_status_parse(line, strlen(line), &st, why, sizeof(why)) == -EINVAL,
		      "accepted %s=%s", c->key, c->value);
	ck_assert_msg(strstr(why, c->why), "%s=%s: '%s' lacks '%s'", c->key, c->value, why, c->why);
	ck_assert_ptr_null(st.vms);
	ck_assert_ptr_null(st.links);
	ck_assert_uint_eq(st.n_vms, 0);
	free(line);
}
END_TEST

START_TEST(test_status_missing_key_and_error_reply)
{
	static const char miss[] = "{\"ok\":true,\"status\":{\"cycle\":1}}";
	static struct daqs_ctl_status st;
	char why[256] = "", *e = daqs_ctl_reply_error(-ENOENT, "no VM 'x'");

	ck_assert_int_eq(daqs_ctl_status_parse(miss, strlen(miss), &st, why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "missing 'cycle_ms'");
	ck_assert_int_eq(daqs_ctl_status_parse(e, strlen(e), &st, why, sizeof(why)), -EREMOTEIO);
	ck_assert_str_eq(why, "ENOENT: no VM 'x'");
	ck_assert_int_eq(daqs_ctl_status_parse("{\"ok\":true}", 11, &st, why, sizeof(why)),
			 -EINVAL);
	ck_assert_str_eq(why, "reply has no \"status\" object");
	free(e);
}
END_TEST

/* ---- line framing ---- */

START_TEST(test_buf_split_and_many)
{
	struct daqs_ctl_buf b = { 0 };
	char *line = NULL;

	ck_assert_int_eq(daqs_ctl_buf_take(&b, &line), 0);
	ck_assert_int_eq(daqs_ctl_buf_feed(&b, "{\"cmd\":", 7), 0);
	ck_assert_int_eq(daqs_ctl_buf_take(&b, &line), 0);
	ck_assert_ptr_null(line);
	ck_assert_int_eq(daqs_ctl_buf_feed(&b, "\"status\"}\n{\"cmd\"", 16), 0);
	ck_assert_int_eq(daqs_ctl_buf_take(&b, &line), 1);
	ck_assert_str_eq(line, "{\"cmd\":\"status\"}");
	free(line);
	ck_assert_int_eq(daqs_ctl_buf_take(&b, &line), 0);
	ck_assert_int_eq(daqs_ctl_buf_feed(&b, ":1}\na\n\nb\nc", 11), 0);
	ck_assert_int_eq(daqs_ctl_buf_take(&b, &line), 1);
	ck_assert_str_eq(line, "{\"cmd\":1}");
	free(line);
	ck_assert_int_eq(daqs_ctl_buf_take(&b, &line), 1);
	ck_assert_str_eq(line, "a");
	free(line);
	ck_assert_int_eq(daqs_ctl_buf_take(&b, &line), 1);
	ck_assert_str_eq(line, "");
	free(line);
	ck_assert_int_eq(daqs_ctl_buf_take(&b, &line), 1);
	ck_assert_str_eq(line, "b");
	free(line);
	ck_assert_int_eq(daqs_ctl_buf_take(&b, &line), 0);
	ck_assert_int_eq(daqs_ctl_buf_feed(&b, "\n", 1), 0);
	ck_assert_int_eq(daqs_ctl_buf_take(&b, &line), 1);
	ck_assert_str_eq(line, "c");
	free(line);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(daqs_ctl_buf_feed(&b, "ab\0cd\nx\n", 8), 0);
	ck_assert_int_eq(daqs_ctl_buf_take(&b, &line), 1);
	ck_assert_str_eq(line, "ab"); /* cut at the NUL */
	free(line);
	ck_assert_int_eq(daqs_ctl_buf_take(&b, &line), 1);
	ck_assert_str_eq(line, "x"); /* the next line is intact */
	free(line);
	daqs_ctl_buf_clear(&b);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
}
END_TEST

/* Byte by byte, the longest allowed line and the next request after it. */
START_TEST(test_buf_longest_line)
{
	struct daqs_ctl_buf b = { 0 };
	char *big = daqs_malloc(DAQS_CTL_MAX_LINE), *line = NULL;

	memset(big, 'x', DAQS_CTL_MAX_LINE);
	big[DAQS_CTL_MAX_LINE - 1] = '\n';
	for (size_t off = 0; off < DAQS_CTL_MAX_LINE; off += 4093) {
		size_t n = DAQS_CTL_MAX_LINE - off < 4093 ? DAQS_CTL_MAX_LINE - off : 4093;

		ck_assert_int_eq(daqs_ctl_buf_feed(&b, big + off, n), 0);
	}
	ck_assert_int_eq(daqs_ctl_buf_feed(&b, "y\n", 2), 0);
	ck_assert_int_eq(daqs_ctl_buf_take(&b, &line), 1);
	ck_assert_uint_eq(strlen(line), DAQS_CTL_MAX_LINE - 1);
	free(line);
	ck_assert_int_eq(daqs_ctl_buf_take(&b, &line), 1);
	ck_assert_str_eq(line, "y");
	free(line);
	daqs_ctl_buf_clear(&b);
	free(big);
}
END_TEST

/* Oversize: unfinished (in one feed and in pieces) and finished in one feed. */
START_TEST(test_buf_oversize)
{
	struct daqs_ctl_buf b = { 0 };
	char *big = daqs_malloc(DAQS_CTL_MAX_LINE + 1);

	memset(big, 'x', DAQS_CTL_MAX_LINE + 1);
	ck_assert_int_eq(daqs_ctl_buf_feed(&b, big, DAQS_CTL_MAX_LINE - 1), 0);
	ck_assert_int_eq(daqs_ctl_buf_feed(&b, "x", 1), -EMSGSIZE);
	daqs_ctl_buf_clear(&b);
	ck_assert_int_eq(daqs_ctl_buf_feed(&b, big, DAQS_CTL_MAX_LINE), -EMSGSIZE);
	daqs_ctl_buf_clear(&b);
	big[DAQS_CTL_MAX_LINE] = '\n'; /* a whole line, one byte too long */
	ck_assert_int_eq(daqs_ctl_buf_feed(&b, "ok\n", 3), 0);
	ck_assert_int_eq(daqs_ctl_buf_feed(&b, big, DAQS_CTL_MAX_LINE + 1), -EMSGSIZE);
	daqs_ctl_buf_clear(&b);
	/* after a complete line, the count starts again */
	ck_assert_int_eq(daqs_ctl_buf_feed(&b, "\n", 1), 0);
	ck_assert_int_eq(daqs_ctl_buf_feed(&b, big, DAQS_CTL_MAX_LINE - 1), 0);
	daqs_ctl_buf_clear(&b);
	free(big);
}
END_TEST

/* The daemon's request buffer: max = DAQS_CTL_MAX_REQUEST, not the reply bound. */
START_TEST(test_buf_request_max)
{
	struct daqs_ctl_buf b = { .max = DAQS_CTL_MAX_REQUEST };
	char big[DAQS_CTL_MAX_REQUEST + 1], *line = NULL;

	memset(big, 'x', sizeof(big));
	big[DAQS_CTL_MAX_REQUEST - 1] = '\n'; /* the longest request, with its newline */
	ck_assert_int_eq(daqs_ctl_buf_feed(&b, big, DAQS_CTL_MAX_REQUEST), 0);
	ck_assert_int_eq(daqs_ctl_buf_take(&b, &line), 1);
	ck_assert_uint_eq(strlen(line), DAQS_CTL_MAX_REQUEST - 1);
	free(line);
	/* one byte more without a newline: refused while it is still coming */
	ck_assert_int_eq(daqs_ctl_buf_feed(&b, big, DAQS_CTL_MAX_REQUEST - 1), 0);
	ck_assert_int_eq(daqs_ctl_buf_feed(&b, "x", 1), -EMSGSIZE);
	daqs_ctl_buf_clear(&b);
}
END_TEST

Suite *daqs_test_ctl_suite(void)
{
	Suite *s = suite_create("ctl");
	TCase *tc = tcase_create("request");

	tcase_add_loop_test(tc, test_request_round_trip, 0, (int)DAQS_ARRAY_SIZE(rq_cases));
	tcase_add_test(tc, test_request_vm_longest);
	tcase_add_test(tc, test_request_parse_lenient_layout);
	tcase_add_loop_test(tc, test_request_refused, 0, (int)DAQS_ARRAY_SIZE(rq_bad));
	tcase_add_test(tc, test_request_refused_bytes);
	tcase_add_loop_test(tc, test_request_format_refused, 0, (int)DAQS_ARRAY_SIZE(fmt_bad));
	tcase_add_test(tc, test_cmd_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("reply");
	tcase_add_test(tc, test_reply_format);
	tcase_add_test(tc, test_reply_parse);
	tcase_add_loop_test(tc, test_reply_refused, 0, (int)DAQS_ARRAY_SIZE(reply_bad));
	suite_add_tcase(s, tc);

	tc = tcase_create("status");
	tcase_add_test(tc, test_field_tables_cover_structs);
	tcase_add_test(tc, test_status_round_trip);
	tcase_add_test(tc, test_status_empty_and_infinite);
	tcase_add_test(tc, test_status_json_pretty);
	tcase_add_loop_test(tc, test_status_refused, 0, (int)DAQS_ARRAY_SIZE(st_bad));
	tcase_add_test(tc, test_status_missing_key_and_error_reply);
	suite_add_tcase(s, tc);

	tc = tcase_create("framing");
	tcase_add_test(tc, test_buf_split_and_many);
	tcase_add_test(tc, test_buf_longest_line);
	tcase_add_test(tc, test_buf_oversize);
	tcase_add_test(tc, test_buf_request_max);
	suite_add_tcase(s, tc);
	return s;
}
