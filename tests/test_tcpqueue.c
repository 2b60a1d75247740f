/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The TCP queueing-delay parser on real `ss -tinH` output (tests/data/ss/). */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tcpqueue.h"
#include "unit.h"

static int parse(const char *text, struct daqs_tcpqueue *q)
{
	return daqs_tcpqueue_parse(text, strlen(text), 1000, q);
}

/* Captured by hand in a fixture guest (iproute2 6.1, bbr) while the 1 gbit link was full. */
START_TEST(test_saturated)
{
	struct daqs_tcpqueue q;
	char *t = daqs_test_data(NULL, "ss/saturated.txt");

	ck_assert_int_eq(parse(t, &q), 0);
	ck_assert_uint_eq(q.flows, 1); /* the control connection sent 2004 ms ago: left out */
	ck_assert_double_eq_tol(q.delay_ms, 5.256 - 0.01, 1e-9);
	free(t);
}
END_TEST

/* The same guest app-limited at 100 Mbit/s on a link that was not full. */
START_TEST(test_app_limited)
{
	struct daqs_tcpqueue q;
	char *t = daqs_test_data(NULL, "ss/app-limited.txt");

	ck_assert_int_eq(parse(t, &q), 0);
	ck_assert_uint_eq(q.flows, 1);
	ck_assert_double_eq_tol(q.delay_ms, 0.034 - 0.007, 1e-9);
	free(t);
}
END_TEST

START_TEST(test_fields)
{
	struct daqs_tcpqueue q;

	/* the largest delay of two flows; mrtt inside bbr:() is not minrtt */
	ck_assert_int_eq(
		parse("0 0 a:1 b:2\n\t cubic rtt:3.5/1 lastsnd:10 minrtt:0.5\n"
		      "0 0 a:3 b:4\n\t bbr:(bw:1bps,mrtt:9) rtt:1/0.5 minrtt:0.9 lastsnd:0\n",
		      &q),
		0);
	ck_assert_uint_eq(q.flows, 2);
	ck_assert_double_eq_tol(q.delay_ms, 3.0, 1e-9);
	/* rtt below minrtt (an older sample) is no negative delay */
	ck_assert_int_eq(parse("0 0 a b\n\t rtt:0.2/0 minrtt:0.3 lastsnd:1\n", &q), 0);
	ck_assert_uint_eq(q.flows, 1);
	ck_assert(q.delay_ms == 0);
	/* no lastsnd: ss prints none when it is 0 (sending now); another socket's does not count */
	ck_assert_int_eq(parse("0 0 a b\n\t rtt:5/1 minrtt:1\n"
			       "0 0 c d\n\t rtt:2/1 minrtt:1 lastsnd:10\n",
			       &q),
			 0);
	ck_assert_uint_eq(q.flows, 2);
	ck_assert_double_eq_tol(q.delay_ms, 4.0, 1e-9);
	/* a socket without minrtt, idle too long or with garbage: not counted */
	ck_assert_int_eq(parse("0 0 a b\n\t rtt:5/1 lastsnd:1\n"
			       "0 0 a b\n\t rtt:5/1 minrtt:1 lastsnd:1001\n"
			       "0 0 a b\n\t rtt:5/1 minrtt:1 lastsnd:x\n"
			       "0 0 a b\n\t rtt:-5/1 minrtt:1 lastsnd:1\n"
			       "0 0 a b\n\t rtt:x minrtt:1 lastsnd:1\n"
			       "0 0 a b\n\t rtt:1e9 minrtt:1 lastsnd:1\n",
			       &q),
			 0);
	ck_assert_uint_eq(q.flows, 0);
	ck_assert(q.delay_ms == 0);
	/* no sockets at all */
	ck_assert_int_eq(parse("", &q), 0);
	ck_assert_uint_eq(q.flows, 0);
}
END_TEST

START_TEST(test_untrusted)
{
	struct daqs_tcpqueue q;
	static const char nul[] = "0 0 a b\n\t rtt:5/1 minrtt:1 lastsnd:1\0\n";
	size_t n = DAQS_TCPQUEUE_MAX_FLOWS + 1, len = 0;
	char *many = malloc(n * 8 + 1);

	ck_assert_int_eq(daqs_tcpqueue_parse(nul, sizeof(nul) - 1, 1000, &q), -EPROTO);
	ck_assert_uint_eq(q.flows, 0);
	for (size_t i = 0; i < n; i++)
		memcpy(many + len, "0 0 a b\n", 8), len += 8;
	ck_assert_int_eq(daqs_tcpqueue_parse(many, len, 1000, &q), -EPROTO);
	ck_assert_int_eq(daqs_tcpqueue_parse(many, DAQS_TCPQUEUE_MAX_TEXT + 1, 1000, &q), -EPROTO);
	free(many);
}
END_TEST

static bool found;

static int backlog(const char *text, uint64_t *b)
{
	return daqs_tcpqueue_parse_backlog(text, strlen(text), b, &found);
}

/* tc -s -j qdisc show of a root HTB (captured: iproute2 6.1, daqs's shape, a pfifo leaf). */
START_TEST(test_backlog)
{
	uint64_t b = 1;
	char *t = daqs_test_data(NULL, "ss/qdisc-htb.json");
	static const char *const held =
		"[{\"kind\":\"htb\",\"handle\":\"1:\",\"root\":true,\"backlog\":136260,"
		"\"qlen\":90},{\"kind\":\"pfifo\",\"handle\":\"10:\",\"parent\":\"1:10\","
		"\"backlog\":136260}]\n";

	ck_assert_int_eq(backlog(t, &b), 0);
	ck_assert_uint_eq(b, 0);
	ck_assert(found);
	ck_assert_int_eq(backlog(held, &b), 0);
	ck_assert_uint_eq(b, 136260); /* the root's, not the leaf's added */
	ck_assert(found);
	/* no root HTB (daqs has no limit there): nothing queued in it */
	b = 1;
	ck_assert_int_eq(backlog("[{\"kind\":\"noqueue\",\"root\":true,\"backlog\":0}]", &b), 0);
	ck_assert_uint_eq(b, 0);
	ck_assert(!found);
	/* not tc's JSON */
	ck_assert_int_eq(backlog("{}", &b), -EPROTO);
	ck_assert_int_eq(backlog("[1]", &b), -EPROTO);
	ck_assert_int_eq(backlog("[{\"kind\":\"htb\",\"root\":true,\"backlog\":-1}]", &b), -EPROTO);
	ck_assert_int_eq(backlog("[{\"kind\":\"htb\",\"root\":true}]", &b), -EPROTO);
	ck_assert_int_eq(backlog("[", &b), -EPROTO);
	ck_assert_uint_eq(b, 0);
	free(t);
}
END_TEST

Suite *daqs_test_tcpqueue_suite(void)
{
	Suite *s = suite_create("tcpqueue");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_saturated);
	tcase_add_test(tc, test_app_limited);
	tcase_add_test(tc, test_fields);
	tcase_add_test(tc, test_untrusted);
	tcase_add_test(tc, test_backlog);
	suite_add_tcase(s, tc);
	return s;
}
