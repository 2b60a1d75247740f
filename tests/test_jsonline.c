/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The strict JSON-line reader shared by the agent transports, the agent codec
 * and the control protocol: what is one line, what is not, the bounds, and a
 * reader reused after lines it refused.
 */
#include <errno.h>
#include <string.h>

#include <json-c/json.h>

#include "jsonline.h"
#include "mem.h"
#include "unit.h"

#define MAX_LEN 64
#define DEPTH 4

static const struct {
	const char *text;
	json_type type;
} good[] = {
	{ "{}", json_type_object },
	{ "{\"return\": {}}", json_type_object },
	{ "{\"a\":[1,2,{\"b\":null}]}", json_type_object },
	{ "[]", json_type_array },
	{ "\"x\"", json_type_string },
	{ "true ", json_type_boolean },		      /* a bare literal needs a byte after it */
	{ "  {\"a\":1}", json_type_object },	      /* leading space */
	{ "{\"a\":1} \t\r\n", json_type_object },     /* trailing JSON whitespace */
	{ "{\"a\":\"\xc3\xa9\"}", json_type_object }, /* UTF-8 */
	{ "{\"a\":\"\\u0000\"}", json_type_object },  /* an escaped NUL is a character */
	{ "[[[1]]]", json_type_array },		      /* depth 4 with the value */
	/* json-c's STRICT mode still takes these: whoever reads the value checks */
	{ "{'a':1}", json_type_object },
	{ "{\"a\":\"tab\there\x01\"}", json_type_object },
};

static const char *const bad[] = {
	"",
	" ",
	"{",
	"{}}",
	"{} {}",
	"{}x",
	"{}\v",	      /* not JSON whitespace */
	"{\"a\":1,}", /* strict: no trailing comma */
	"{a:1}",      /* strict: unquoted key */
	"[1,]",
	"{\"a\":\"\xff\"}", /* not UTF-8 */
	"{\"a\":\"\xc3\"}", /* cut UTF-8 */
	"[[[[1]]]]",	    /* deeper than DEPTH */
	"123",		    /* a bare number or literal has no end without one more byte */
	"true",
	"nul",
};

START_TEST(test_good)
{
	json_object *o =
		daqs_jsonline_parse_once(good[_i].text, strlen(good[_i].text), MAX_LEN, DEPTH);

	ck_assert_msg(o, "'%s' refused", good[_i].text);
	ck_assert_int_eq(json_object_get_type(o), good[_i].type);
	json_object_put(o);
}
END_TEST

START_TEST(test_bad)
{
	ck_assert_msg(!daqs_jsonline_parse_once(bad[_i], strlen(bad[_i]), MAX_LEN, DEPTH),
		      "'%s' taken", bad[_i]);
}
END_TEST

/* Only len bytes are read; a NUL byte within them is no line; max_len bounds len. */
START_TEST(test_bounds)
{
	static const char nul[] = "{\"a\":1}\0";
	char big[MAX_LEN + 2];
	json_object *o;

	ck_assert_ptr_null(daqs_jsonline_parse_once(nul, sizeof(nul) - 1, MAX_LEN, DEPTH));
	o = daqs_jsonline_parse_once("{\"a\":1}garbage", 7, MAX_LEN, DEPTH);
	ck_assert_ptr_nonnull(o);
	json_object_put(o);
	ck_assert_ptr_null(daqs_jsonline_parse_once("{\"a\":1}", 6, MAX_LEN, DEPTH));
	memset(big, ' ', sizeof(big));
	memcpy(big, "{}", 2);
	o = daqs_jsonline_parse_once(big, MAX_LEN, MAX_LEN, DEPTH);
	ck_assert_ptr_nonnull(o);
	json_object_put(o);
	ck_assert_ptr_null(daqs_jsonline_parse_once(big, MAX_LEN + 1, MAX_LEN, DEPTH));
	ck_assert_ptr_null(daqs_jsonline_parse_once(NULL, 0, MAX_LEN, DEPTH));
}
END_TEST

/* A reader that refused a line (half a value, bad UTF-8) reads the next one afresh. */
START_TEST(test_reuse)
{
	struct daqs_jsonline *r = daqs_jsonline_new(MAX_LEN, DEPTH);
	json_object *o;

	ck_assert_ptr_nonnull(r);
	for (size_t i = 0; i < DAQS_ARRAY_SIZE(bad); i++) {
		ck_assert_ptr_null(daqs_jsonline_parse(r, bad[i], strlen(bad[i])));
		o = daqs_jsonline_parse(r, "{\"n\":7}", 7);
		ck_assert_msg(o, "after '%s'", bad[i]);
		ck_assert_int_eq(json_object_get_int(json_object_object_get(o, "n")), 7);
		json_object_put(o);
	}
	/* "{\"a\":" then "1}" are two lines, not one value in two parts */
	ck_assert_ptr_null(daqs_jsonline_parse(r, "{\"a\":", 5));
	ck_assert_ptr_null(daqs_jsonline_parse(r, "1}", 2));
	daqs_jsonline_free(r);
	daqs_jsonline_free(NULL);
}
END_TEST

/* The pre-scan counts containers and commas outside strings, and stops at a bound. */
START_TEST(test_prescan)
{
	static const char s1[] = "{\"a\":[{},{}],\"b\":\"{[,\\\"{[,\"}";
	struct daqs_jsonline_bound b = { 64, 0, 0 };
	const char *what;
	size_t n;

	ck_assert_int_eq(daqs_jsonline_prescan(s1, strlen(s1), &b, &what, &n), 0);
	b.max_containers = 4; /* {, [, {}, {} */
	b.max_items = 2;      /* the two commas outside the string */
	ck_assert_int_eq(daqs_jsonline_prescan(s1, strlen(s1), &b, &what, &n), 0);
	b.max_containers = 3;
	ck_assert_int_eq(daqs_jsonline_prescan(s1, strlen(s1), &b, &what, &n), -E2BIG);
	ck_assert_str_eq(what, "containers");
	ck_assert_uint_eq(n, 4);
	b.max_containers = 0;
	b.max_items = 1;
	ck_assert_int_eq(daqs_jsonline_prescan(s1, strlen(s1), &b, &what, &n), -E2BIG);
	ck_assert_str_eq(what, "items");
	b.max_items = 0;
	b.max_len = strlen(s1) - 1;
	ck_assert_int_eq(daqs_jsonline_prescan(s1, strlen(s1), &b, &what, &n), -EMSGSIZE);
	ck_assert_str_eq(what, "bytes");
	/* an unterminated string ends the scan: nothing past it is counted */
	b.max_len = 0;
	b.max_containers = 1;
	ck_assert_int_eq(daqs_jsonline_prescan("[\"[[[", 5, &b, &what, &n), 0);
}
END_TEST

/* A reader goes on after a line that grew its tokener (made afresh past DAQS_JSONLINE_KEEP). */
START_TEST(test_reuse_after_big)
{
	size_t len = DAQS_JSONLINE_KEEP * 2;
	struct daqs_jsonline *r = daqs_jsonline_new(len + 8, DEPTH);
	char *big = daqs_malloc(len + 1);
	json_object *o;

	memset(big, 'x', len);
	big[0] = big[len - 1] = '"';
	big[len] = '\0';
	o = daqs_jsonline_parse(r, big, len);
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(json_object_get_string_len(o), (int)len - 2);
	json_object_put(o);
	o = daqs_jsonline_parse(r, "{\"n\":7}", 7);
	ck_assert_ptr_nonnull(o);
	json_object_put(o);
	free(big);
	daqs_jsonline_free(r);
}
END_TEST

START_TEST(test_object_once)
{
	json_object *o = daqs_jsonline_object_once("{\"a\":1}", 7, MAX_LEN, DEPTH);

	ck_assert_ptr_nonnull(o);
	json_object_put(o);
	ck_assert_ptr_null(daqs_jsonline_object_once("[1]", 3, MAX_LEN, DEPTH));
	ck_assert_ptr_null(daqs_jsonline_object_once("\"{}\"", 4, MAX_LEN, DEPTH));
	ck_assert_ptr_null(daqs_jsonline_object_once("{", 1, MAX_LEN, DEPTH));
}
END_TEST

Suite *daqs_test_jsonline_suite(void)
{
	Suite *s = suite_create("jsonline");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, test_good, 0, (int)DAQS_ARRAY_SIZE(good));
	tcase_add_loop_test(tc, test_bad, 0, (int)DAQS_ARRAY_SIZE(bad));
	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_reuse);
	tcase_add_test(tc, test_object_once);
	tcase_add_test(tc, test_prescan);
	tcase_add_test(tc, test_reuse_after_big);
	suite_add_tcase(s, tc);
	return s;
}
