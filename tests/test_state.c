/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daqsd's state file (lib/adapters/state.c): round trip, atomic replacement, and a
 * hand-edited or damaged file refused with the reason (never half-loaded);
 * plus the libvirt XML MAC scan of lib/adapters/domains.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domains.h"
#include "state.h"
#include "unit.h"

static char dir[64];

static void setup(void)
{
	strcpy(dir, "/tmp/daqs-state-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/state.json", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/state.json.tmp", dir);
	unlink(p);
	rmdir(dir);
}

static void write_state(const char *text)
{
	char p[128];
	FILE *f;

	snprintf(p, sizeof(p), "%s/state.json", dir);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(test_round_trip)
{
	struct daqs_override ovr[2] = {
		{ .vm = "web-1",
		  .has_class = true,
		  .cls = DAQS_CLASS_GUARANTEE,
		  .has_min = true,
		  .min_bps = 300000000,
		  .has_max = true,
		  .max_bps = DAQS_RATE_UNLIMITED,
		  .expires = 1795330865 },
		{ .vm = "batch \"x\"", .has_weight = true, .weight = 7, .expires = 0 },
	};
	struct daqs_state_applied app[2] = {
		{ .vm = "web-1", .iface = "bond0", .limit_bps = DAQS_RATE_UNLIMITED },
		{ .vm = "batch \"x\"", .iface = "eth0", .limit_bps = 123456789 },
	};
	struct daqs_state in = { ovr, 2, app, 2 }, out;
	char why[256] = "", tmp[128];

	ck_assert_int_eq(daqs_state_save(dir, &in, why, sizeof(why)), 0);
	snprintf(tmp, sizeof(tmp), "%s/state.json.tmp", dir);
	ck_assert_int_ne(access(tmp, F_OK), 0); /* renamed away */
	ck_assert_int_eq(daqs_state_load(dir, &out, why, sizeof(why)), 0);
	ck_assert_uint_eq(out.n_ovr, 2);
	ck_assert_uint_eq(out.n_app, 2);
	ck_assert_mem_eq(&out.ovr[0], &ovr[0], sizeof(ovr[0]));
	ck_assert_str_eq(out.ovr[1].vm, "batch \"x\"");
	ck_assert(out.ovr[1].has_weight && !out.ovr[1].has_class && !out.ovr[1].has_min &&
		  !out.ovr[1].has_max);
	ck_assert_uint_eq(out.ovr[1].weight, 7);
	ck_assert_str_eq(out.app[0].iface, "bond0");
	ck_assert_uint_eq(out.app[0].limit_bps, DAQS_RATE_UNLIMITED);
	ck_assert_uint_eq(out.app[1].limit_bps, 123456789);
	daqs_state_clear(&out);
	/* saving again replaces the file as a whole */
	in.n_ovr = 0;
	in.n_app = 1;
	ck_assert_int_eq(daqs_state_save(dir, &in, why, sizeof(why)), 0);
	ck_assert_int_eq(daqs_state_load(dir, &out, why, sizeof(why)), 0);
	ck_assert_uint_eq(out.n_ovr, 0);
	ck_assert_uint_eq(out.n_app, 1);
	daqs_state_clear(&out);
}
END_TEST

START_TEST(test_missing)
{
	struct daqs_state st;
	char why[256];

	ck_assert_int_eq(daqs_state_load(dir, &st, why, sizeof(why)), -ENOENT);
	ck_assert_uint_eq(st.n_ovr + st.n_app, 0);
}
END_TEST

static const struct {
	const char *text, *why;
} bad[] = {
	{ "not json", "not a JSON object" },
	{ "[]", "not a JSON object" },
	{ "{\"version\":2,\"overrides\":[],\"applied\":[]}", "\"version\" is not 1" },
	{ "{\"version\":1,\"applied\":[]}", "missing array \"overrides\"" },
	{ "{\"version\":1,\"overrides\":[{\"vm\":\"a\"}],\"applied\":[]}",
	  "overrides[0]: missing or bad \"expires\"" },
	{ "{\"version\":1,\"overrides\":[{\"vm\":\"a\",\"expires\":0,\"class\":\"gold\"}],"
	  "\"applied\":[]}",
	  "overrides[0]: \"class\" is not guarantee or best-effort" },
	{ "{\"version\":1,\"overrides\":[{\"vm\":\"a\",\"expires\":0,\"min_bps\":-5}],"
	  "\"applied\":[]}",
	  "overrides[0]: \"min_bps\" is not a whole number >= 0" },
	{ "{\"version\":1,\"overrides\":[{\"vm\":\"a\",\"expires\":0,\"weight\":0}],"
	  "\"applied\":[]}",
	  "overrides[0]: \"weight\" is not 1..1000" },
	{ "{\"version\":1,\"overrides\":[{\"vm\":\"\",\"expires\":0}],\"applied\":[]}",
	  "overrides[0]: \"vm\" is empty" },
	{ "{\"version\":1,\"overrides\":[],\"applied\":[{\"vm\":\"a\",\"iface\":"
	  "\"a-very-long-interface-name\",\"limit_bps\":1}]}",
	  "applied[0]: \"iface\" is empty or longer than 15 bytes" },
	{ "{\"version\":1,\"overrides\":[],\"applied\":[{\"vm\":\"a\",\"iface\":\"eth0\"}]}",
	  "applied[0]: missing \"limit_bps\"" },
	{ "{\"version\":1,\"overrides\":[],\"applied\":[{\"vm\":\"a\\u0001\",\"iface\":\"e\","
	  "\"limit_bps\":1}]}",
	  "applied[0]: \"vm\" has a control character" },
	/* restored overrides get the checks of a live override request, naming the VM */
	{ "{\"version\":1,\"overrides\":[{\"vm\":\"web-1\",\"expires\":0,\"class\":\"guarantee\","
	  "\"min_bps\":0}],\"applied\":[]}",
	  "overrides[0]: VM 'web-1': 'min_bps' must be 1.." },
	{ "{\"version\":1,\"overrides\":[{\"vm\":\"web-1\",\"expires\":0,"
	  "\"max_bps\":18000000000000000000}],\"applied\":[]}",
	  "overrides[0]: VM 'web-1': 'max_bps' must be 1.." },
	{ "{\"version\":1,\"overrides\":[{\"vm\":\"b\",\"expires\":0,\"class\":\"best-effort\","
	  "\"min_bps\":5}],\"applied\":[]}",
	  "overrides[0]: VM 'b': 'min_bps' is only for class guarantee" },
	{ "{\"version\":1,\"overrides\":[{\"vm\":\"b\",\"expires\":0,\"min_bps\":5,"
	  "\"max_bps\":4}],\"applied\":[]}",
	  "overrides[0]: VM 'b': 'max_bps' is below 'min_bps'" },
	{ "{\"version\":1,\"overrides\":[{\"vm\":\"b\",\"expires\":0}],\"applied\":[]}",
	  "overrides[0]: VM 'b': 'override' needs at least one of" },
};

START_TEST(test_bad)
{
	struct daqs_state st;
	char why[512] = "";

	write_state(bad[_i].text);
	ck_assert_int_eq(daqs_state_load(dir, &st, why, sizeof(why)), -EINVAL);
	ck_assert_msg(strstr(why, bad[_i].why), "case %d: got '%s'", _i, why);
	ck_assert_msg(strstr(why, "state.json"), "case %d: the file is not named: '%s'", _i, why);
	ck_assert_ptr_null(st.ovr); /* nothing half-loaded */
	ck_assert_uint_eq(st.n_ovr + st.n_app, 0);
}
END_TEST

START_TEST(test_unwritable)
{
	struct daqs_state st = { 0 };
	char why[256] = "";

	if (geteuid() == 0) { /* root writes anywhere: use a path that is not a directory */
		ck_assert_int_ne(daqs_state_save("/dev/null", &st, why, sizeof(why)), 0);
	} else {
		chmod(dir, 0500);
		ck_assert_int_eq(daqs_state_save(dir, &st, why, sizeof(why)), -EACCES);
		chmod(dir, 0700);
	}
	ck_assert_msg(strstr(why, "cannot"), "no reason: '%s'", why);
}
END_TEST

/* A state.json.tmp planted as a symlink (by whoever could write the directory) is
 * removed, not followed: the file it names keeps its bytes. */
START_TEST(test_tmp_symlink)
{
	struct daqs_override o = { .vm = "a", .has_weight = true, .weight = 2 };
	struct daqs_state st = { .ovr = &o, .n_ovr = 1 };
	char victim[] = "/tmp/daqs-state-victim.XXXXXX", link[128], path[128], buf[32] = "";
	char why[256] = "";
	struct stat sb;
	int fd = mkstemp(victim);
	FILE *f;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "victim\n", 7), 7);
	close(fd);
	snprintf(link, sizeof(link), "%s/state.json.tmp", dir);
	ck_assert_int_eq(symlink(victim, link), 0);
	ck_assert_int_eq(daqs_state_save(dir, &st, why, sizeof(why)), 0);
	f = fopen(victim, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fread(buf, 1, sizeof(buf) - 1, f), 7);
	fclose(f);
	unlink(victim);
	ck_assert_str_eq(buf, "victim\n");
	snprintf(path, sizeof(path), "%s/state.json", dir);
	ck_assert_int_eq(lstat(path, &sb), 0);
	ck_assert(S_ISREG(sb.st_mode));
	ck_assert_uint_eq(sb.st_mode & 07777, 0600);
	ck_assert_int_eq(lstat(link, &sb), -1); /* renamed into place, nothing left */
}
END_TEST

/* The directory: root's (or ours) and written by nobody else, else refused with owner and mode. */
START_TEST(test_dir_check)
{
	char why[512] = "";

	ck_assert_int_eq(daqs_state_dir_check(dir, why, sizeof(why)), 0);
	chmod(dir, 0755);
	ck_assert_int_eq(daqs_state_dir_check(dir, why, sizeof(why)), 0);
	chmod(dir, 0770);
	ck_assert_int_eq(daqs_state_dir_check(dir, why, sizeof(why)), -EPERM);
	ck_assert_msg(strstr(why, dir) && strstr(why, "mode 0770"), "why: '%s'", why);
	chmod(dir, 01777); /* sticky does not make it ours alone */
	ck_assert_int_eq(daqs_state_dir_check(dir, why, sizeof(why)), -EPERM);
	ck_assert_msg(strstr(why, "mode 1777"), "why: '%s'", why);
	chmod(dir, 0700);
	if (geteuid() == 0) {
		ck_assert_int_eq(chown(dir, 65534, 0), 0);
		ck_assert_int_eq(daqs_state_dir_check(dir, why, sizeof(why)), -EPERM);
		ck_assert_msg(strstr(why, "owned by uid 65534"), "why: '%s'", why);
		ck_assert_int_eq(chown(dir, 0, 0), 0);
	}
	ck_assert_int_eq(daqs_state_dir_check("/dev/null", why, sizeof(why)), -ENOTDIR);
	ck_assert_int_lt(daqs_state_dir_check("/nonexistent/daqs", why, sizeof(why)), 0);
}
END_TEST

START_TEST(test_xml_mac)
{
	char mac[18];

	ck_assert_int_eq(daqs_domains_xml_mac("<domain><devices><interface type='bridge'>"
					      "<mac address='52:54:00:AB:cd:01'/><source "
					      "bridge='b'/></interface><interface type='network'>"
					      "<mac address='52:54:00:00:00:02'/></interface>"
					      "</devices></domain>",
					      mac),
			 0);
	ck_assert_str_eq(mac, "52:54:00:ab:cd:01"); /* the first, lower-cased */
	ck_assert_int_eq(
		daqs_domains_xml_mac("<domain><devices><interface type=\"hostdev\"><mac "
				     "address=\"52:54:00:00:00:03\"/></interface></devices>"
				     "</domain>",
				     mac),
		0);
	ck_assert_str_eq(mac, "52:54:00:00:00:03");
	ck_assert_int_eq(daqs_domains_xml_mac("<domain><devices/></domain>", mac), -ENOENT);
	/* a <mac> outside an interface element, or one outside <devices>, does not count */
	ck_assert_int_eq(
		daqs_domains_xml_mac("<domain><devices><interface type='user'></interface>"
				     "<mac address='52:54:00:00:00:04'/></devices></domain>",
				     mac),
		-ENOENT);
	ck_assert_int_eq(daqs_domains_xml_mac("<interface type='user'><mac "
					      "address='52:54:00:00:00:04'/></interface>",
					      mac),
			 -ENOENT);
	ck_assert_int_eq(
		daqs_domains_xml_mac("<domain><devices><interface type='x'><mac "
				     "address='52:54:00:0:0:1'/></interface></devices></domain>",
				     mac),
		-ENOENT);
	ck_assert_int_eq(
		daqs_domains_xml_mac("<interface type='x'><mac address='52:54:00:00:00:01\"/>"
				     "</interface>",
				     mac),
		-ENOENT); /* mismatched quotes */
}
END_TEST

Suite *daqs_test_state_suite(void)
{
	Suite *s = suite_create("state");
	TCase *tc = tcase_create("file");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_missing);
	tcase_add_loop_test(tc, test_bad, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, test_unwritable);
	tcase_add_test(tc, test_tmp_symlink);
	tcase_add_test(tc, test_dir_check);
	suite_add_tcase(s, tc);
	tc = tcase_create("domains");
	tcase_add_test(tc, test_xml_mac);
	suite_add_tcase(s, tc);
	return s;
}
