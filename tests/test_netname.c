/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Network names: the one interface-name rule (the kernel's dev_valid_name()
 * without control bytes) and the MAC parser, shared by the SLA parser and the
 * agent codec. The ':' cases are the ones the two sides used to disagree on.
 */
#include <errno.h>
#include <string.h>

#include "mem.h"
#include "netname.h"
#include "unit.h"

static const char *const good_names[] = {
	"eth0",	     "lo",	   "a",	       "abcdefghijklmno",
	"bond0.100", "enp1s0f0v1", "veth@if3", "a-b",
	"a_b",	     "...",	   ".a",       "A0",
	"a$b",	     "$(x)",	   "a'b",      "a\"b",
	"a\\b",	     "a#b",	   "\xc3\xa9", "a*",
	"~",	     "a<b>&",	   "eth0;x",   "a|b",
};

static const struct {
	const char *name;
	enum daqs_netname_problem why;
} bad_names[] = {
	{ "", DAQS_NETNAME_LENGTH },
	{ "abcdefghijklmnop", DAQS_NETNAME_LENGTH },
	{ "abcdefghijklmnopqrstuvwxyz", DAQS_NETNAME_LENGTH },
	{ ".", DAQS_NETNAME_DOTS },
	{ "..", DAQS_NETNAME_DOTS },
	{ "eth0:1", DAQS_NETNAME_CHAR }, /* an alias label, not a device */
	{ "a:b", DAQS_NETNAME_CHAR },
	{ ":", DAQS_NETNAME_CHAR },
	{ "a/b", DAQS_NETNAME_CHAR },
	{ "../x", DAQS_NETNAME_CHAR },
	{ "eth 0", DAQS_NETNAME_CHAR },
	{ "tab\there", DAQS_NETNAME_CHAR },
	{ "eth0\n", DAQS_NETNAME_CHAR },
	{ "a\rb", DAQS_NETNAME_CHAR },
	{ "a\vb", DAQS_NETNAME_CHAR },
	{ "a\fb", DAQS_NETNAME_CHAR },
	{ "\xc2\xa0", DAQS_NETNAME_CHAR }, /* 0xa0 is a space to the kernel's isspace() */
	{ "\x01x", DAQS_NETNAME_CHAR },
	{ "a\x1b[0m", DAQS_NETNAME_CHAR },
	{ "a\x7f", DAQS_NETNAME_CHAR },
};

START_TEST(test_ifname_good)
{
	ck_assert_int_eq(daqs_netname_ifname_check(good_names[_i]), DAQS_NETNAME_OK);
	ck_assert_msg(daqs_netname_ifname_valid(good_names[_i]), "'%s'", good_names[_i]);
}
END_TEST

START_TEST(test_ifname_bad)
{
	ck_assert_int_eq(daqs_netname_ifname_check(bad_names[_i].name), bad_names[_i].why);
	ck_assert_msg(!daqs_netname_ifname_valid(bad_names[_i].name), "'%s'", bad_names[_i].name);
}
END_TEST

START_TEST(test_ifname_null)
{
	ck_assert_int_eq(daqs_netname_ifname_check(NULL), DAQS_NETNAME_LENGTH);
	ck_assert(!daqs_netname_ifname_valid(NULL));
}
END_TEST

START_TEST(test_mac_parse)
{
	char out[DAQS_MACSIZ] = "unchanged";

	ck_assert_int_eq(daqs_netname_mac_parse("52:54:00:AB:cd:Ef", 17, out), 0);
	ck_assert_str_eq(out, "52:54:00:ab:cd:ef");
	/* only len bytes are read: the rest of a larger text is not looked at */
	ck_assert_int_eq(daqs_netname_mac_parse("00:11:22:33:44:55'/>", 17, out), 0);
	ck_assert_str_eq(out, "00:11:22:33:44:55");
	ck_assert(daqs_netname_mac_valid("52:54:00:AB:cd:Ef"));
}
END_TEST

static const char *const bad_macs[] = {
	"",
	"52:54:00:ab:cd",
	"52:54:00:ab:cd:e",
	"52:54:00:ab:cd:eff",
	"52:54:00:ab:cd:ef:",
	"52-54-00-ab-cd-ef",
	"5254.00ab.cdef.00",
	"52:54:00:ab:cd:eg",
	"52:54:00:zz:00:01",
	" 52:54:00:ab:cd:e",
	"52:54:00:ab:cd:\xc3\xa9",
	"525:4:00:ab:cd:ef",
};

START_TEST(test_mac_bad)
{
	char out[DAQS_MACSIZ] = "unchanged";

	ck_assert_int_eq(daqs_netname_mac_parse(bad_macs[_i], strlen(bad_macs[_i]), out), -EINVAL);
	ck_assert_str_eq(out, "unchanged");
	ck_assert(!daqs_netname_mac_valid(bad_macs[_i]));
}
END_TEST

START_TEST(test_mac_null_and_len)
{
	char out[DAQS_MACSIZ] = "unchanged";

	ck_assert(!daqs_netname_mac_valid(NULL));
	ck_assert_int_eq(daqs_netname_mac_parse(NULL, 17, out), -EINVAL);
	/* a valid MAC that len cuts short, or with len past its end */
	ck_assert_int_eq(daqs_netname_mac_parse("52:54:00:ab:cd:ef", 16, out), -EINVAL);
	ck_assert_int_eq(daqs_netname_mac_parse("52:54:00:ab:cd:ef0", 18, out), -EINVAL);
	ck_assert_str_eq(out, "unchanged");
}
END_TEST

Suite *daqs_test_netname_suite(void)
{
	Suite *s = suite_create("netname");
	TCase *tc = tcase_create("ifname");

	tcase_add_loop_test(tc, test_ifname_good, 0, (int)DAQS_ARRAY_SIZE(good_names));
	tcase_add_loop_test(tc, test_ifname_bad, 0, (int)DAQS_ARRAY_SIZE(bad_names));
	tcase_add_test(tc, test_ifname_null);
	suite_add_tcase(s, tc);
	tc = tcase_create("mac");
	tcase_add_test(tc, test_mac_parse);
	tcase_add_loop_test(tc, test_mac_bad, 0, (int)DAQS_ARRAY_SIZE(bad_macs));
	tcase_add_test(tc, test_mac_null_and_len);
	suite_add_tcase(s, tc);
	return s;
}
