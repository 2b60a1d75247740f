/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SLA parser: every YAML file in sla/ parses, the reference example has
 * the values it says, every file in tests/data/sla-bad/ reports exactly the
 * diagnostics listed in its "# expect: LINE:COL: error: TEXT" lines, and
 * in-memory cases for defaults, lookups and limits.
 */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admission.h"
#include "mem.h"
#include "sla.h"
#include "unit.h"
#include "units.h"

/* ---- helpers ---- */

static size_t glob_dir(const char *sub, glob_t *g)
{
	char pat[4096];

	snprintf(pat, sizeof(pat), "%s/%s/*.yaml", daqs_test_srcdir(), sub);
	if (glob(pat, 0, NULL, g) != 0)
		g->gl_pathc = 0; /* callers still globfree() */
	return g->gl_pathc;
}

static size_t count_files(const char *sub)
{
	glob_t g;
	size_t n = glob_dir(sub, &g);

	globfree(&g);
	return n;
}

/* The idx-th file of sub (sorted), as a malloc'd path. */
static char *nth_file(const char *sub, size_t idx)
{
	glob_t g;
	size_t n = glob_dir(sub, &g);
	char *p;

	ck_assert_uint_lt(idx, n);
	p = daqs_strdup(g.gl_pathv[idx]);
	globfree(&g);
	return p;
}

static struct daqs_sla *load_ok(const char *yaml)
{
	struct daqs_diags d;
	struct daqs_sla *sla = NULL;
	int r;

	daqs_diags_init(&d);
	r = daqs_sla_load_buffer("t.yaml", yaml, strlen(yaml), &sla, &d);
	daqs_diags_print(&d, stderr);
	ck_assert_int_eq(r, 0);
	ck_assert_uint_eq(daqs_diags_count(&d), 0);
	ck_assert_ptr_nonnull(sla);
	daqs_diags_free(&d);
	return sla;
}

/* Load yaml expecting failure; returns the diagnostics (caller frees). */
static void load_bad(const char *yaml, size_t len, struct daqs_diags *d)
{
	struct daqs_sla *sla = (struct daqs_sla *)1;

	daqs_diags_init(d);
	ck_assert_int_eq(daqs_sla_load_buffer("t.yaml", yaml, len, &sla, d), -EINVAL);
	ck_assert_ptr_null(sla);
	ck_assert_uint_gt(daqs_diags_count(d), 0);
}

static bool has_diag(const struct daqs_diags *d, unsigned line, unsigned col, const char *text)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].line == line && d->v[i].col == col && strstr(d->v[i].msg, text))
			return true;
	return false;
}

#define ONE_LINK "version: 1\nlinks:\n  - name: uplink0\n    capacity: 10gbit\n"

/* ---- sla/: every example parses ---- */

START_TEST(test_examples_exist)
{
	ck_assert_uint_ge(count_files("sla"), 4);
}
END_TEST

START_TEST(test_example_parses)
{
	char *path = nth_file("sla", (size_t)_i);
	struct daqs_sla *sla = NULL;
	struct daqs_diags d;
	int r;

	daqs_diags_init(&d);
	r = daqs_sla_load_file(path, &sla, &d);
	daqs_diags_print(&d, stderr);
	ck_assert_msg(r == 0, "%s: %d", path, r);
	ck_assert_uint_eq(daqs_diags_count(&d), 0);
	ck_assert_ptr_nonnull(sla);
	ck_assert_uint_eq(sla->version, 1);
	ck_assert_uint_ge(sla->n_links, 1);
	ck_assert_str_eq(sla->file, path);
	daqs_sla_free(sla);
	daqs_diags_free(&d);
	free(path);
}
END_TEST

static struct daqs_sla *load_example(const char *name)
{
	char path[4096];
	struct daqs_sla *sla = NULL;
	struct daqs_diags d;

	snprintf(path, sizeof(path), "%s/sla/%s", daqs_test_srcdir(), name);
	daqs_diags_init(&d);
	ck_assert_int_eq(daqs_sla_load_file(path, &sla, &d), 0);
	daqs_diags_free(&d);
	return sla;
}

START_TEST(test_reference_example)
{
	struct daqs_sla *sla = load_example("example.yaml");
	const struct daqs_sla_vm *vm;

	ck_assert_uint_eq(sla->n_links, 1);
	ck_assert_str_eq(sla->links[0].name, "uplink0");
	ck_assert_str_eq(sla->links[0].device, "enp3s0f0");
	ck_assert_uint_eq(sla->links[0].capacity_bps, 40 * DAQS_GBIT);
	ck_assert(!sla->links[0].capacity_auto);
	ck_assert_uint_eq(sla->ctl.period_ns, 200000000);
	ck_assert_uint_eq(sla->ctl.smoothing_ns, 600000000);
	ck_assert_uint_eq(sla->ctl.headroom_ppm, 20000);
	ck_assert_uint_eq(sla->ctl.min_change_ppm, 10000);
	ck_assert_uint_eq(sla->ctl.missing_hold_ns, 1000000000);
	ck_assert_int_eq(sla->ctl.on_missing, DAQS_MISSING_PROTECT);
	ck_assert_uint_eq(sla->n_vms, 5);
	vm = &sla->vms[0];
	ck_assert_str_eq(vm->name, "web-1");
	ck_assert_ptr_null(vm->uuid);
	ck_assert_int_eq(vm->cls, DAQS_CLASS_GUARANTEE);
	ck_assert_uint_eq(vm->min_bps, 10 * DAQS_GBIT);
	ck_assert_uint_eq(vm->max_bps, 20 * DAQS_GBIT);
	ck_assert_uint_eq(vm->weight, 2);
	ck_assert_uint_eq(vm->link, 0);
	vm = &sla->vms[1];
	ck_assert_str_eq(vm->name, "db-1");
	ck_assert_uint_eq(vm->max_bps, DAQS_RATE_UNLIMITED);
	ck_assert_uint_eq(vm->weight, 1);
	vm = &sla->vms[2];
	ck_assert_ptr_null(vm->name);
	ck_assert_str_eq(vm->uuid, "6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab");
	ck_assert_uint_eq(vm->min_bps, 2500 * DAQS_MBIT);
	vm = &sla->vms[3];
	ck_assert_str_eq(vm->name, "batch-1");
	ck_assert_int_eq(vm->cls, DAQS_CLASS_BEST_EFFORT);
	ck_assert_uint_eq(vm->min_bps, 0);
	ck_assert_uint_eq(vm->max_bps, 8 * DAQS_GBIT);
	ck_assert_int_eq(sla->defaults.cls, DAQS_CLASS_BEST_EFFORT);
	ck_assert_uint_eq(sla->defaults.max_bps, 10 * DAQS_GBIT);
	ck_assert_uint_eq(sla->defaults.weight, 1);
	daqs_sla_free(sla);
}
END_TEST

START_TEST(test_testbed_and_two_links)
{
	struct daqs_sla *sla = load_example("testbed.yaml");

	ck_assert_str_eq(sla->links[0].name, "testbed0");
	ck_assert_uint_eq(sla->links[0].capacity_bps, DAQS_GBIT);
	ck_assert_uint_eq(sla->ctl.period_ns, 1000000000);
	ck_assert_uint_eq(sla->ctl.min_change_ppm, 100000);
	ck_assert_uint_eq(sla->ctl.burst_ns, 10000000);
	ck_assert_uint_eq(sla->n_vms, 3);
	ck_assert_str_eq(sla->vms[0].name, "daqs-tb-g1");
	ck_assert_uint_eq(sla->vms[0].min_bps, 300 * DAQS_MBIT);
	ck_assert_int_eq(daqs_sla_find_vm(sla, "daqs-tb-g3", NULL)->cls, DAQS_CLASS_BEST_EFFORT);
	daqs_sla_free(sla);
	sla = load_example("two-links.yaml");
	ck_assert_uint_eq(sla->n_links, 2);
	ck_assert(sla->links[1].capacity_auto);
	ck_assert_uint_eq(sla->links[1].capacity_bps, 0);
	ck_assert_str_eq(sla->links[1].device, "ens1f1");
	ck_assert_uint_eq(daqs_sla_find_vm(sla, "ci-runner", NULL)->link, 1);
	ck_assert_uint_eq(daqs_sla_find_vm(sla, "nfs-gw", NULL)->link, 0);
	ck_assert_int_eq(sla->ctl.on_missing, DAQS_MISSING_HOLD);
	ck_assert_uint_eq(sla->ctl.headroom_ppm, 50000);
	daqs_sla_free(sla);
}
END_TEST

/* ---- tests/data/sla-bad: exactly the expected diagnostics ---- */

struct expect {
	unsigned line, col;
	char text[512];
};

/* Reads the "# expect: L:C: error: TEXT" lines; returns how many. */
static size_t read_expects(const char *path, struct expect *e, size_t max)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	size_t n = 0;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	while (fgets(line, sizeof(line), f)) {
		int off = 0;

		if (strncmp(line, "# expect: ", 10) != 0)
			continue;
		ck_assert_uint_lt(n, max);
		ck_assert_msg(sscanf(line + 10, "%u:%u: error: %n", &e[n].line, &e[n].col, &off) ==
					      2 &&
				      off > 0,
			      "%s: malformed expect line '%s'", path, line);
		snprintf(e[n].text, sizeof(e[n].text), "%s", line + 10 + off);
		e[n].text[strcspn(e[n].text, "\n")] = '\0';
		ck_assert_msg(strlen(e[n].text) >= 8, "%s: expect text too short", path);
		n++;
	}
	fclose(f);
	return n;
}

START_TEST(test_bad_corpus_size)
{
	ck_assert_uint_ge(count_files("tests/data/sla-bad"), 30);
}
END_TEST

START_TEST(test_bad_file)
{
	char *path = nth_file("tests/data/sla-bad", (size_t)_i), buf[1024];
	struct expect *e = daqs_calloc(32, sizeof(*e));
	struct daqs_sla *sla = (struct daqs_sla *)1;
	struct daqs_diags d;
	size_t n = read_expects(path, e, 32);

	ck_assert_msg(n > 0, "%s has no '# expect:' line", path);
	daqs_diags_init(&d);
	ck_assert_int_eq(daqs_sla_load_file(path, &sla, &d), -EINVAL);
	ck_assert_ptr_null(sla);
	for (size_t i = 0; i < n; i++) {
		if (has_diag(&d, e[i].line, e[i].col, e[i].text))
			continue;
		daqs_diags_print(&d, stderr);
		ck_abort_msg("%s: no diagnostic %u:%u: error: %s", path, e[i].line, e[i].col,
			     e[i].text);
	}
	if (daqs_diags_count(&d) != n)
		daqs_diags_print(&d, stderr);
	ck_assert_msg(daqs_diags_count(&d) == n, "%s: %zu diagnostics, %zu expected", path,
		      daqs_diags_count(&d), n);
	daqs_diag_format(&d.v[0], buf, sizeof(buf));
	ck_assert_msg(strncmp(buf, path, strlen(path)) == 0 && buf[strlen(path)] == ':',
		      "'%s' does not start with the file name", buf);
	daqs_diags_free(&d);
	free(path);
	free(e);
}
END_TEST

/* ---- in-memory cases ---- */

START_TEST(test_defaults)
{
	struct daqs_sla *sla = load_ok(ONE_LINK "vms:\n  - name: a\n    class: best-effort\n");
	struct daqs_sla_vm vm;

	ck_assert_uint_eq(sla->ctl.period_ns, 200 * 1000000ULL);
	ck_assert_uint_eq(sla->ctl.smoothing_ns, 600 * 1000000ULL);
	ck_assert_uint_eq(sla->ctl.headroom_ppm, 20000);
	ck_assert_uint_eq(sla->ctl.min_change_ppm, 10000); /* 1%, see sla.h */
	ck_assert_uint_eq(sla->ctl.missing_hold_ns, 1000000000ULL);
	ck_assert_int_eq(sla->ctl.on_missing, DAQS_MISSING_PROTECT);
	ck_assert_int_eq(sla->defaults.cls, DAQS_CLASS_BEST_EFFORT);
	ck_assert_uint_eq(sla->defaults.max_bps, DAQS_RATE_UNLIMITED);
	ck_assert_uint_eq(sla->defaults.weight, 1);
	ck_assert_uint_eq(sla->vms[0].max_bps, DAQS_RATE_UNLIMITED);
	ck_assert_uint_eq(sla->vms[0].weight, 1);
	ck_assert_uint_eq(sla->vms[0].min_bps, 0);
	daqs_sla_vm_default(sla, "unlisted", &vm);
	ck_assert_int_eq(vm.cls, DAQS_CLASS_BEST_EFFORT);
	ck_assert_uint_eq(vm.min_bps, 0);
	ck_assert_uint_eq(vm.max_bps, DAQS_RATE_UNLIMITED);
	ck_assert_uint_eq(vm.link, 0);
	daqs_sla_free(sla);
	daqs_sla_free(NULL); /* a no-op */
	/* Optional sections may be present but empty. */
	sla = load_ok(ONE_LINK "controller:\nvms:\ndefaults:\n");
	ck_assert_uint_eq(sla->n_vms, 0);
	ck_assert_uint_eq(sla->ctl.period_ns, 200 * 1000000ULL);
	ck_assert_uint_eq(sla->ctl.burst_ns, 1000000ULL); /* 1 ms by default */
	daqs_sla_free(sla);
}
END_TEST

START_TEST(test_vm_default_guarantee)
{
	static const char name[] = "new-tenant";
	struct daqs_sla *sla = load_ok(ONE_LINK "defaults:\n  class: guarantee\n  min: 500mbit\n"
						"  max: \"2gbit\"\n  weight: 3\n");
	struct daqs_sla_vm vm;

	daqs_sla_vm_default(sla, name, &vm);
	ck_assert_ptr_eq(vm.name, name); /* borrowed */
	ck_assert_ptr_null(vm.uuid);
	ck_assert_int_eq(vm.cls, DAQS_CLASS_GUARANTEE);
	ck_assert_uint_eq(vm.min_bps, 500 * DAQS_MBIT);
	ck_assert_uint_eq(vm.max_bps, 2 * DAQS_GBIT);
	ck_assert_uint_eq(vm.weight, 3);
	ck_assert_uint_eq(vm.link, 0);
	daqs_sla_free(sla);
}
END_TEST

START_TEST(test_uuid_and_find_vm)
{
	struct daqs_sla *sla = load_ok(
		ONE_LINK "vms:\n"
			 "  - uuid: 0B6E52A8-61C4-4F2E-9D5A-1C0D7A3F4E21\n    class: best-effort\n"
			 "  - name: web-1\n    class: best-effort\n"
			 "  - name: pinned\n    uuid: 11111111-2222-3333-4444-555555555555\n"
			 "    class: guarantee\n    min: 1gbit\n");

	ck_assert_str_eq(sla->vms[0].uuid, "0b6e52a8-61c4-4f2e-9d5a-1c0d7a3f4e21");
	ck_assert_ptr_eq(daqs_sla_find_vm(sla, NULL, "0b6e52a8-61c4-4f2e-9d5a-1c0d7a3f4e21"),
			 &sla->vms[0]);
	ck_assert_ptr_eq(daqs_sla_find_vm(sla, "x", "0B6E52A8-61C4-4F2E-9D5A-1C0D7A3F4E21"),
			 &sla->vms[0]);
	ck_assert_ptr_eq(daqs_sla_find_vm(sla, "web-1", NULL), &sla->vms[1]);
	ck_assert_ptr_eq(daqs_sla_find_vm(sla, "web-1", "aaaaaaaa-2222-3333-4444-555555555555"),
			 &sla->vms[1]);
	ck_assert_ptr_null(daqs_sla_find_vm(sla, "Web-1", NULL)); /* case-sensitive */
	ck_assert_ptr_null(daqs_sla_find_vm(sla, NULL, NULL));
	ck_assert_ptr_null(daqs_sla_find_vm(NULL, "web-1", NULL));
	ck_assert_ptr_eq(daqs_sla_find_vm(sla, "pinned", NULL), &sla->vms[2]);
	ck_assert_ptr_eq(daqs_sla_find_vm(sla, "other", "11111111-2222-3333-4444-555555555555"),
			 &sla->vms[2]);
	/* Same name, different uuid: another domain. */
	ck_assert_ptr_null(daqs_sla_find_vm(sla, "pinned", "99999999-2222-3333-4444-555555555555"));
	daqs_sla_free(sla);
}
END_TEST

START_TEST(test_agent_reach)
{
	struct daqs_sla *sla = load_ok(
		ONE_LINK
		"vms:\n"
		"  - {name: g1, class: best-effort, agent: /run/q/g1.sock, interface: bond0}\n"
		"  - {name: g2, class: best-effort, agent: /run/q/g2.sock, mac: 52:54:00:AB:cd:0F}\n"
		"  - {name: g3, class: best-effort, host_interface: vnet3}\n");

	ck_assert_str_eq(sla->vms[0].agent, "/run/q/g1.sock");
	ck_assert_ptr_null(sla->vms[0].host_iface);
	ck_assert_str_eq(sla->vms[2].host_iface, "vnet3");
	ck_assert_str_eq(sla->vms[0].iface, "bond0");
	ck_assert_ptr_null(sla->vms[0].mac);
	ck_assert_str_eq(sla->vms[1].mac, "52:54:00:ab:cd:0f"); /* lower-cased */
	ck_assert_ptr_null(sla->vms[1].iface);
	ck_assert_ptr_null(sla->vms[2].agent); /* a libvirt domain */
	ck_assert_ptr_null(sla->vms[2].iface);
	ck_assert_ptr_null(sla->vms[2].mac);
	daqs_sla_free(sla);
}
END_TEST

/* host_counters: auto (the default) or off, per VM and for unlisted VMs. */
START_TEST(test_host_counters)
{
	struct daqs_sla *sla = load_ok(ONE_LINK
				       "defaults: {host_counters: off}\n"
				       "vms:\n"
				       "  - {name: a, class: best-effort}\n"
				       "  - {name: b, class: best-effort, host_counters: off}\n"
				       "  - {name: c, class: best-effort, host_counters: auto}\n");
	struct daqs_sla_vm dflt;

	ck_assert_int_eq(sla->vms[0].host_counters, DAQS_HOST_COUNTERS_AUTO);
	ck_assert_int_eq(sla->vms[1].host_counters, DAQS_HOST_COUNTERS_OFF);
	ck_assert_int_eq(sla->vms[2].host_counters, DAQS_HOST_COUNTERS_AUTO);
	daqs_sla_vm_default(sla, "x", &dflt);
	ck_assert_int_eq(dflt.host_counters, DAQS_HOST_COUNTERS_OFF);
	ck_assert_str_eq(daqs_host_counters_name(DAQS_HOST_COUNTERS_OFF), "off");
	daqs_sla_free(sla);
}
END_TEST

START_TEST(test_rates_and_caps)
{
	struct daqs_sla *sla = load_ok(
		ONE_LINK "vms:\n"
			 "  - {name: a, class: guarantee, min: \"1250mbyte/s\", max: 100gbit}\n"
			 "  - {name: b, class: best-effort, max: 1.5gbit, weight: 1000}\n");

	ck_assert_uint_eq(sla->vms[0].min_bps, 10 * DAQS_GBIT);	 /* exactly the capacity: fine */
	ck_assert_uint_eq(sla->vms[0].max_bps, 100 * DAQS_GBIT); /* above the link: just a cap */
	ck_assert_uint_eq(sla->vms[1].max_bps, 1500 * DAQS_MBIT);
	ck_assert_uint_eq(sla->vms[1].weight, DAQS_WEIGHT_MAX);
	ck_assert_str_eq(daqs_class_name(sla->vms[0].cls), "guarantee");
	ck_assert_str_eq(daqs_class_name(sla->vms[1].cls), "best-effort");
	ck_assert_str_eq(daqs_missing_action_name(DAQS_MISSING_PROTECT), "protect");
	ck_assert_str_eq(daqs_missing_action_name(DAQS_MISSING_HOLD), "hold");
	ck_assert_str_eq(daqs_missing_action_name(DAQS_MISSING_RELEASE), "release");
	daqs_sla_free(sla);
}
END_TEST

/* Every problem in one file, in file order, each once. */
START_TEST(test_all_errors_reported)
{
	static const char yaml[] = "version: 1\n"				      /* 1 */
				   "links:\n"					      /* 2 */
				   "  - name: l0\n"				      /* 3 */
				   "    capacity: 1gbit\n"			      /* 4 */
				   "    capacity: 2gbit\n"			      /* 5 dup */
				   "vms:\n"					      /* 6 */
				   "  - {name: a, class: guarantee, min: 10mbps}\n"   /* 7 */
				   "  - {name: b, class: best-effort, min: 1gbit}\n"  /* 8 */
				   "  - {name: a, class: guarantee, min: 2gbit}\n"    /* 9 dup */
				   "  - {uuid: nope, class: best-effort, link: l9}\n" /* 10 */
				   "controller: {period: 1h, colour: red}\n";	      /* 11 */
	struct daqs_diags d;

	load_bad(yaml, sizeof(yaml) - 1, &d);
	ck_assert(has_diag(&d, 3, 5,
			   "link 'l0': the min rates of its 2 guarantee VMs sum to "
			   "2gbit, more than the link capacity 1gbit"));
	ck_assert(has_diag(&d, 5, 5, "duplicate key 'capacity' (first defined at line 4)"));
	ck_assert(has_diag(&d, 7, 38, "field 'vms[0].min': ambiguous unit 'mbps'"));
	ck_assert(has_diag(&d, 8, 40, "min is only for guarantee VMs"));
	ck_assert(has_diag(&d, 9, 12, "duplicate VM 'a' (first defined at line 7)"));
	ck_assert(has_diag(&d, 10, 12, "field 'vms[3].uuid': 'nope' is not a UUID"));
	ck_assert(has_diag(&d, 10, 44, "unknown link 'l9' (links: l0)"));
	ck_assert(has_diag(&d, 11, 22, "'1h' is out of range (10ms..60s)"));
	ck_assert(has_diag(&d, 11, 26, "unknown key 'colour'"));
	ck_assert_uint_eq(daqs_diags_count(&d), 9);
	for (size_t i = 1; i < d.n; i++)
		ck_assert(d.v[i - 1].line < d.v[i].line ||
			  (d.v[i - 1].line == d.v[i].line && d.v[i - 1].col <= d.v[i].col));
	daqs_diags_free(&d);
}
END_TEST

START_TEST(test_huge_file)
{
	size_t len = DAQS_YTREE_MAX_BYTES + 100, used;
	char *buf = daqs_malloc(len + 1);
	struct daqs_diags d;

	used = (size_t)snprintf(buf, len + 1, ONE_LINK "vms:\n");
	while (used + 40 < len)
		used += (size_t)snprintf(buf + used, len + 1 - used,
					 "  - {name: vm%zu, class: best-effort}\n", used);
	load_bad(buf, used, &d);
	ck_assert_uint_eq(daqs_diags_count(&d), 1);
	ck_assert_ptr_nonnull(strstr(d.v[0].msg, "file is too large"));
	ck_assert_uint_eq(d.v[0].line, 0);
	daqs_diags_free(&d);
	free(buf);
}
END_TEST

static char *many_vms(size_t n, size_t *len)
{
	size_t cap = 64 + n * 48, used;
	char *buf = daqs_malloc(cap);

	used = (size_t)snprintf(buf, cap, ONE_LINK "vms:\n");
	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(buf + used, cap - used,
					 "  - {name: vm%zu, class: best-effort}\n", i);
	*len = used;
	return buf;
}

START_TEST(test_vm_limit)
{
	size_t len;
	char *buf = many_vms(DAQS_SLA_MAX_VMS, &len);
	struct daqs_sla *sla = NULL;
	struct daqs_diags d;

	daqs_diags_init(&d);
	ck_assert_int_eq(daqs_sla_load_buffer("t", buf, len, &sla, &d), 0);
	ck_assert_uint_eq(sla->n_vms, DAQS_SLA_MAX_VMS);
	ck_assert_ptr_eq(daqs_sla_find_vm(sla, "vm4095", NULL), &sla->vms[4095]);
	daqs_sla_free(sla);
	free(buf);
	buf = many_vms(DAQS_SLA_MAX_VMS + 1, &len);
	load_bad(buf, len, &d);
	ck_assert_uint_eq(daqs_diags_count(&d), 1);
	ck_assert(has_diag(&d, 6 + DAQS_SLA_MAX_VMS, 5, "too many VMs (4097; the limit is 4096)"));
	daqs_diags_free(&d);
	free(buf);
}
END_TEST

START_TEST(test_alias_bomb)
{
	char buf[4096];
	size_t len =
		(size_t)snprintf(buf, sizeof(buf), ONE_LINK "x0: &x0 [a, a, a, a, a, a, a, a]\n");
	struct daqs_diags d;
	clock_t start;

	for (int i = 1; i < 20; i++)
		len += (size_t)snprintf(
			buf + len, sizeof(buf) - len,
			"x%d: &x%d [*x%d, *x%d, *x%d, *x%d, *x%d, *x%d, *x%d, *x%d]\n", i, i, i - 1,
			i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
	start = clock();
	load_bad(buf, len, &d);
	/* 8^20 nodes if expanded: only bounded work keeps this under a second. */
	ck_assert_msg(clock() - start < CLOCKS_PER_SEC, "took %ld ticks", (long)(clock() - start));
	ck_assert_uint_eq(daqs_diags_count(&d), 1);
	ck_assert_ptr_nonnull(strstr(d.v[0].msg, "refusing a possible alias bomb"));
	daqs_diags_free(&d);
}
END_TEST

static const struct {
	const char *yaml;
	unsigned line, col;
	const char *text;
} one_error_cases[] = {
	{ ONE_LINK "controller:\n  burst: 50us\n", 6, 10, "out of range (100us..100ms)" },
	{ ONE_LINK "vms:\n  - {name: a, class: guarantee, min: 11gbit}\n", 3, 5,
	  "sum to 11gbit, more than the link capacity 10gbit" },
	{ ONE_LINK "vms:\n  - {name: a, class: guarantee, min: 2gbit, max: 1999mbit}\n", 6, 50,
	  "max 1.999gbit is below min 2gbit" },
	{ ONE_LINK "defaults:\n  class: best-effort\n  min: 1gbit\n", 7, 8,
	  "min is only for guarantee VMs" },
	{ ONE_LINK "defaults: {class: guarantee}\n", 5, 11, "missing required key 'min'" },
	{ ONE_LINK "vms:\n  - {name: a, class: best-effort, host_interface: \"v/../x\"}\n", 6, 51,
	  "interface name 'v/../x' contains a '/'" },
	{ ONE_LINK
	  "vms:\n  - {name: a, class: best-effort, host_interface: vnet0, host_counters: off}\n",
	  6, 73,
	  "field 'vms[0].host_counters': 'off' with a host_interface: either count that host "
	  "netdev" },
	{ ONE_LINK "vms:\n  - {name: a, class: best-effort, host_counters: maybe}\n", 6, 50,
	  "unknown value 'maybe' (expected one of: auto, off)" },
	{ ONE_LINK "defaults: {host_counters: nope}\n", 5, 27, "unknown value 'nope'" },
	{ "version: \"1\"\nlinks: [{name: l, capacity: 1gbit, device: \"a b\"}]\n", 2, 44,
	  "interface name 'a b' contains" },
	/* an alias label is no device: refused here as the agent codec skips it */
	{ ONE_LINK "vms:\n  - {name: a, class: best-effort, interface: \"eth0:1\"}\n", 6, 46,
	  "field 'vms[0].interface': interface name 'eth0:1' contains a '/', ':'" },
	{ "version: 1.0\nlinks: [{name: l, capacity: 1gbit}]\n", 1, 10, "not a whole number" },
	{ "version: 1\nlinks: [{name: l, capacity: 1gbit}]\nvms: [{name: \"a\\x7fb\", class: "
	  "best-effort}]\n",
	  3, 14, "control character (0x7f)" },
	{ "version: 1\nlinks: [{name: l, capacity: 1gbit}]\nvms: [{name: \"\\u00e9\\0\", class: "
	  "best-effort}]\n",
	  3, 14, "scalar contains a NUL byte" },
	{ "version: 1\nlinks: [{name: l, capacity: auto, device: eth0}, {name: m, capacity: "
	  "1gbit}]\nvms: [{name: a, class: guarantee, min: 5gbit, link: l}, {name: b, class: "
	  "guarantee, min: 5gbit, link: m}]\n",
	  2, 50, "min rates of its 1 guarantee VM sum to 5gbit" },
};

START_TEST(test_one_error)
{
	struct daqs_diags d;

	load_bad(one_error_cases[_i].yaml, strlen(one_error_cases[_i].yaml), &d);
	if (daqs_diags_count(&d) != 1)
		daqs_diags_print(&d, stderr);
	ck_assert_uint_eq(daqs_diags_count(&d), 1);
	ck_assert_msg(has_diag(&d, one_error_cases[_i].line, one_error_cases[_i].col,
			       one_error_cases[_i].text),
		      "got %u:%u: %s", d.v[0].line, d.v[0].col, d.v[0].msg);
	daqs_diags_free(&d);
}
END_TEST

/* ---- vf_pool, vf, enforce ---- */

#define DEV_LINK "version: 1\nlinks:\n  - name: uplink0\n    capacity: 10gbit\n    device: eth0\n"

START_TEST(test_vf_pool_hostdev)
{
	static const uint32_t vfs[] = { 0, 1, 4, 5, 6, 9 };
	struct daqs_sla *sla = load_ok("version: 1\n"
				       "links:\n"
				       "  - {name: uplink, capacity: 10gbit, device: enp3s0f0}\n"
				       "  - {name: lab, capacity: 1gbit}\n"
				       "vf_pool:\n"
				       "  link: uplink\n"
				       "  vfs: [0, 1, \"4-6\", 9]\n"
				       "  strategy: activity\n"
				       "  interval: 60s\n"
				       "  hysteresis: 10%\n"
				       "vms:\n"
				       "  - {name: a, class: best-effort, link: uplink}\n"
				       "  - {name: b, class: best-effort, link: uplink, vf: false, "
				       "enforce: guest}\n"
				       "  - {name: c, class: best-effort, link: lab}\n"
				       "  - {name: d, class: guarantee, min: 1gbit, link: uplink, "
				       "vf: true}\n"
				       "defaults: {vf: false, enforce: guest}\n");
	const struct daqs_sla_vf_pool *p = &sla->vf_pool;
	struct daqs_sla_vm vm;

	ck_assert(p->present);
	ck_assert_uint_eq(p->line, 6);
	ck_assert_uint_eq(p->col, 3);
	ck_assert_uint_eq(p->link, 0);
	ck_assert_int_eq(p->kind, DAQS_VF_POOL_HOSTDEV);
	ck_assert_uint_eq(p->n_slots, DAQS_ARRAY_SIZE(vfs));
	for (size_t i = 0; i < DAQS_ARRAY_SIZE(vfs); i++)
		ck_assert_uint_eq(p->vfs[i], vfs[i]);
	ck_assert_ptr_null(p->bridge);
	ck_assert_int_eq(p->strategy, DAQS_VF_STRATEGY_ACTIVITY);
	ck_assert_uint_eq(p->interval_ns, 60000000000ULL);
	ck_assert_uint_eq(p->min_dwell_ns, 60000000000ULL); /* the interval by default */
	ck_assert_uint_eq(p->hysteresis_ppm, 100000);
	ck_assert(sla->vms[0].vf_eligible); /* on the pool's link: eligible by default */
	ck_assert_int_eq(sla->vms[0].enforce, DAQS_ENFORCE_GUEST);
	ck_assert(!sla->vms[1].vf_eligible);
	ck_assert_int_eq(sla->vms[1].enforce, DAQS_ENFORCE_GUEST);
	ck_assert(!sla->vms[2].vf_eligible); /* another link */
	ck_assert(sla->vms[3].vf_eligible);
	ck_assert_int_eq(sla->vms[3].enforce, DAQS_ENFORCE_GUEST);
	ck_assert(!sla->defaults.vf_eligible);
	daqs_sla_vm_default(sla, "x", &vm);
	ck_assert(!vm.vf_eligible);
	ck_assert_int_eq(vm.enforce, DAQS_ENFORCE_GUEST);
	daqs_sla_free(sla);
}
END_TEST

START_TEST(test_vf_pool_bridge)
{
	struct daqs_sla *sla = load_ok(ONE_LINK "vf_pool:\n"
						"  link: uplink0\n"
						"  kind: bridge\n"
						"  count: 2\n"
						"  bridge: daqstb0\n"
						"  min_dwell: 0s\n"
						"vms:\n"
						"  - {name: a, class: best-effort}\n");
	const struct daqs_sla_vf_pool *p = &sla->vf_pool;
	struct daqs_sla_vm vm;

	ck_assert(p->present);
	ck_assert_int_eq(p->kind, DAQS_VF_POOL_BRIDGE);
	ck_assert_uint_eq(p->n_slots, 2);
	ck_assert_ptr_null(p->vfs);
	ck_assert_str_eq(p->bridge, "daqstb0");
	ck_assert_int_eq(p->strategy, DAQS_VF_STRATEGY_SLA);
	ck_assert_uint_eq(p->interval_ns, 300000000000ULL);
	ck_assert_uint_eq(p->min_dwell_ns, 0);
	ck_assert_uint_eq(p->hysteresis_ppm, 200000);
	ck_assert_int_eq(sla->vms[0].enforce, DAQS_ENFORCE_GUEST);
	ck_assert(sla->vms[0].vf_eligible);
	ck_assert(sla->defaults.vf_eligible);
	daqs_sla_vm_default(sla, "x", &vm);
	ck_assert(vm.vf_eligible);
	ck_assert_int_eq(vm.enforce, DAQS_ENFORCE_GUEST);
	daqs_sla_free(sla);
	ck_assert_str_eq(daqs_vf_pool_kind_name(DAQS_VF_POOL_BRIDGE), "bridge");
	ck_assert_str_eq(daqs_vf_pool_kind_name(DAQS_VF_POOL_HOSTDEV), "hostdev");
	ck_assert_str_eq(daqs_vf_strategy_name(DAQS_VF_STRATEGY_SLA), "sla");
	ck_assert_str_eq(daqs_vf_strategy_name(DAQS_VF_STRATEGY_ACTIVITY), "activity");
	ck_assert_str_eq(daqs_vf_strategy_name(DAQS_VF_STRATEGY_FAIR), "fair");
	ck_assert_str_eq(daqs_enforce_name(DAQS_ENFORCE_GUEST), "guest");
	ck_assert_str_eq(daqs_enforce_name(DAQS_ENFORCE_VF), "vf");
	ck_assert_str_eq(daqs_enforce_name(DAQS_ENFORCE_BOTH), "both");
}
END_TEST

/* A VF of its own (host_vf) lets a VM's limit be enforced on the VF; a hostdev pool's too. */
START_TEST(test_host_vf)
{
	struct daqs_sla *sla = load_ok(DEV_LINK
				       "vms:\n"
				       "  - {name: a, class: best-effort, host_vf: \"ens1f0:7\", "
				       "enforce: vf}\n"
				       "  - {name: b, class: best-effort, host_vf: \"ens1f1:0\", "
				       "enforce: both}\n"
				       "  - {name: c, class: best-effort}\n");
	struct daqs_sla *pool;

	ck_assert_str_eq(sla->vms[0].host_vf_pf, "ens1f0");
	ck_assert_uint_eq(sla->vms[0].host_vf, 7);
	ck_assert_int_eq(sla->vms[0].enforce, DAQS_ENFORCE_VF);
	ck_assert_str_eq(sla->vms[1].host_vf_pf, "ens1f1");
	ck_assert_uint_eq(sla->vms[1].host_vf, 0);
	ck_assert_int_eq(sla->vms[1].enforce, DAQS_ENFORCE_BOTH);
	ck_assert_ptr_null(sla->vms[2].host_vf_pf);
	daqs_sla_free(sla);
	pool = load_ok(DEV_LINK "vf_pool: {link: uplink0, vfs: [0, 1]}\n"
				"vms: [{name: a, class: best-effort, enforce: vf}]\n"
				"defaults: {enforce: both}\n");
	ck_assert_int_eq(pool->vms[0].enforce, DAQS_ENFORCE_VF);
	ck_assert_int_eq(pool->defaults.enforce, DAQS_ENFORCE_BOTH);
	daqs_sla_free(pool);
}
END_TEST

/* Without a pool nothing is eligible; vf: false and enforce: guest are harmless. */
START_TEST(test_no_vf_pool)
{
	struct daqs_sla *sla =
		load_ok(DEV_LINK "vf_pool:\nvms:\n"
				 "  - {name: a, class: best-effort}\n"
				 "  - {name: b, class: best-effort, vf: false, enforce: guest}\n"
				 "  - {name: c, class: best-effort}\n");

	ck_assert(!sla->vf_pool.present);
	ck_assert_uint_eq(sla->vf_pool.n_slots, 0);
	for (size_t i = 0; i < 3; i++)
		ck_assert(!sla->vms[i].vf_eligible);
	ck_assert_int_eq(sla->vms[0].enforce, DAQS_ENFORCE_GUEST);
	ck_assert_int_eq(sla->vms[2].enforce, DAQS_ENFORCE_GUEST);
	ck_assert(!sla->defaults.vf_eligible);
	daqs_sla_free(sla);
}
END_TEST

static const struct {
	const char *yaml;
	unsigned line, col;
	const char *text;
} vf_error_cases[] = {
	{ DEV_LINK "vf_pool:\n  vfs: [0]\n", 7, 3,
	  "field 'vf_pool': missing required key 'link' (the links[] entry whose device is the "
	  "PF)" },
	{ DEV_LINK "vf_pool: {link: nope, vfs: [0]}\n", 6, 17,
	  "field 'vf_pool.link': unknown link 'nope' (links: uplink0)" },
	{ ONE_LINK "vf_pool: {link: uplink0, vfs: [0]}\n", 5, 17,
	  "field 'vf_pool.link': link 'uplink0' has no 'device' (a hostdev pool's VFs belong to "
	  "the link's PF)" },
	{ DEV_LINK "vf_pool: {link: uplink0, vfs: [0, 1, \"0-2\"]}\n", 6, 38,
	  "field 'vf_pool.vfs[2]': VF 0 is listed twice (first at line 6)" },
	{ DEV_LINK "vf_pool:\n  link: uplink0\n  vfs:\n    - 3\n    - 2-4\n", 10, 7,
	  "field 'vf_pool.vfs[1]': VF 3 is listed twice (first at line 9)" },
	{ DEV_LINK "vf_pool: {link: uplink0, vfs: [65536]}\n", 6, 32,
	  "field 'vf_pool.vfs[0]': '65536' is not a VF index (0..65535) or a range of them such "
	  "as '0-7'" },
	{ DEV_LINK "vf_pool: {link: uplink0, vfs: [-1]}\n", 6, 32, "'-1' is not a VF index" },
	{ DEV_LINK "vf_pool: {link: uplink0, vfs: [01]}\n", 6, 32, "'01' is not a VF index" },
	{ DEV_LINK "vf_pool: {link: uplink0, vfs: [1-]}\n", 6, 32, "'1-' is not a VF index" },
	{ DEV_LINK "vf_pool: {link: uplink0, vfs: [7-0]}\n", 6, 32,
	  "field 'vf_pool.vfs[0]': range '7-0' runs backwards (write '0-7')" },
	{ DEV_LINK "vf_pool: {link: uplink0, vfs: []}\n", 6, 31,
	  "field 'vf_pool.vfs': at least one VF is required" },
	{ DEV_LINK "vf_pool: {link: uplink0, vfs: 3}\n", 6, 31,
	  "field 'vf_pool.vfs': expected a list" },
	{ DEV_LINK "vf_pool: {link: uplink0, vfs: [0-1023, 1024]}\n", 6, 40,
	  "field 'vf_pool.vfs[1]': too many VFs (the limit is 1024)" },
	{ DEV_LINK "vf_pool: {link: uplink0}\n", 6, 10,
	  "field 'vf_pool': missing required key 'vfs' (the PF's VF indexes" },
	{ DEV_LINK "vf_pool: {link: uplink0, vfs: [0], count: 2}\n", 6, 43,
	  "field 'vf_pool.count': 'count' is for kind bridge (a hostdev pool lists its 'vfs')" },
	{ DEV_LINK "vf_pool: {link: uplink0, vfs: [0], bridge: br0}\n", 6, 44,
	  "field 'vf_pool.bridge': 'bridge' is for kind bridge" },
	{ ONE_LINK "vf_pool: {link: uplink0, kind: bridge, count: 1, bridge: b, vfs: [1]}\n", 5, 66,
	  "field 'vf_pool.vfs': 'vfs' is for kind hostdev (a bridge pool has 'count' stand-in "
	  "slots)" },
	{ ONE_LINK "vf_pool: {link: uplink0, kind: bridge, bridge: b}\n", 5, 10,
	  "field 'vf_pool': missing required key 'count' (the number of stand-in slots)" },
	{ ONE_LINK "vf_pool: {link: uplink0, kind: bridge, count: 0, bridge: b}\n", 5, 47,
	  "field 'vf_pool.count': '0' is out of range (1..1024)" },
	{ ONE_LINK "vf_pool: {link: uplink0, kind: bridge, count: 1025, bridge: b}\n", 5, 47,
	  "'1025' is out of range (1..1024)" },
	{ ONE_LINK "vf_pool: {link: uplink0, kind: bridge, count: 1}\n", 5, 10,
	  "field 'vf_pool': missing required key 'bridge' (the host bridge the stand-in NICs "
	  "join)" },
	{ ONE_LINK "vf_pool: {link: uplink0, kind: bridge, count: 1, bridge: a/b}\n", 5, 58,
	  "field 'vf_pool.bridge': interface name 'a/b' contains a '/'" },
	{ ONE_LINK "vf_pool: {link: uplink0, kind: sriov, count: 1}\n", 5, 32,
	  "field 'vf_pool.kind': unknown value 'sriov' (expected one of: hostdev, bridge)" },
	{ DEV_LINK "vf_pool: {link: uplink0, vfs: [0], interval: 0s}\n", 6, 46,
	  "field 'vf_pool.interval': '0s' is out of range (1s..24h)" },
	{ DEV_LINK "vf_pool: {link: uplink0, vfs: [0], interval: 300}\n", 6, 46,
	  "field 'vf_pool.interval':" },
	{ DEV_LINK "vf_pool: {link: uplink0, vfs: [0], min_dwell: 25h}\n", 6, 47,
	  "field 'vf_pool.min_dwell': '25h' is out of range (0s..24h)" },
	{ DEV_LINK "vf_pool: {link: uplink0, vfs: [0], hysteresis: 150%}\n", 6, 48,
	  "field 'vf_pool.hysteresis': '150%' is more than 100%" },
	{ DEV_LINK "vf_pool: {link: uplink0, vfs: [0], strategy: random}\n", 6, 46,
	  "field 'vf_pool.strategy': unknown value 'random' (expected one of: sla, activity, "
	  "fair)" },
	{ DEV_LINK "vf_pool: {link: uplink0, vfs: [0], speed: 1}\n", 6, 36,
	  "field 'vf_pool': unknown key 'speed' (valid keys: link, kind, vfs, count, bridge, "
	  "strategy, interval, min_dwell, hysteresis)" },
	{ DEV_LINK "vf_pool: [link]\n", 6, 10, "field 'vf_pool': expected a mapping" },
	{ DEV_LINK "vms: [{name: a, class: best-effort, vf: true}]\n", 6, 41,
	  "field 'vms[0].vf': there is no vf_pool to take a VF from" },
	{ DEV_LINK "defaults: {vf: true}\n", 6, 16,
	  "field 'defaults.vf': there is no vf_pool to take a VF from" },
	{ DEV_LINK "vf_pool: {link: uplink0, vfs: [0]}\n"
		   "vms: [{name: a, class: best-effort, vf: yes}]\n",
	  7, 41, "field 'vms[0].vf': unknown value 'yes' (expected one of: false, true)" },
	{ "version: 1\nlinks: [{name: l0, capacity: 1gbit, device: eth0}, {name: l1, capacity: "
	  "1gbit}]\nvf_pool: {link: l0, vfs: [0]}\nvms: [{name: a, class: best-effort, link: l1, "
	  "vf: true}]\n",
	  4, 51,
	  "field 'vms[0].vf': the vf_pool's VFs are on link 'l0', this VM sends through "
	  "link 'l1'" },
	{ DEV_LINK "vms: [{name: a, class: best-effort, enforce: vf}]\n", 6, 46,
	  "field 'vms[0].enforce': enforce 'vf' sets the rate of the VM's VF: it needs host_vf, "
	  "or a vf_pool of kind hostdev on its link" },
	{ DEV_LINK "defaults: {enforce: both}\n", 6, 21,
	  "field 'defaults.enforce': enforce 'both' sets the rate of the VM's VF: it needs" },
	{ ONE_LINK "vf_pool: {link: uplink0, kind: bridge, bridge: br0, count: 1}\n"
		   "vms: [{name: a, class: best-effort, enforce: vf}]\n",
	  6, 46,
	  "it needs host_vf, or a vf_pool of kind hostdev on its link (a bridge pool's "
	  "stand-ins have no VF rate)" },
	{ DEV_LINK "vms: [{name: a, class: best-effort, host_vf: ens1f0}]\n", 6, 46,
	  "field 'vms[0].host_vf': 'ens1f0' is not PF:N" },
	{ DEV_LINK "vms: [{name: a, class: best-effort, host_vf: \":3\"}]\n", 6, 46,
	  "field 'vms[0].host_vf': ':3' is not PF:N" },
	{ DEV_LINK "vms: [{name: a, class: best-effort, host_vf: \"ens1f0:x\"}]\n", 6, 46,
	  "field 'vms[0].host_vf': VF index 'x' is not 0..65535" },
	{ DEV_LINK "vms: [{name: a, class: best-effort, host_vf: \"ens1f0:65536\"}]\n", 6, 46,
	  "VF index '65536' is not 0..65535" },
	{ DEV_LINK "vms: [{name: a, class: best-effort, host_vf: \"a/b:1\"}]\n", 6, 46,
	  "field 'vms[0].host_vf': 'a/b' is not a valid interface name" },
	{ DEV_LINK "vms: [{name: a, class: best-effort, enforce: tap}]\n", 6, 46,
	  "field 'vms[0].enforce': unknown value 'tap' (expected one of: guest, vf, both, host)" },
	{ DEV_LINK "vms: [{name: a, class: best-effort, enforce: host, agent: /run/a.sock, "
		   "interface: eth0}]\n",
	  6, 46,
	  "field 'vms[0].enforce': enforce 'host' sets the rate of the VM's tap through libvirt: "
	  "a VM reached through 'agent' has no libvirt domain" },
	{ DEV_LINK "vms: [{name: a, class: best-effort, enforce: host, host_vf: \"ens1f0:1\"}]\n",
	  6, 46, "with host_vf its traffic goes through the VF, not a tap (enforce: vf)" },
};

START_TEST(test_vf_error)
{
	struct daqs_diags d;

	load_bad(vf_error_cases[_i].yaml, strlen(vf_error_cases[_i].yaml), &d);
	if (daqs_diags_count(&d) != 1)
		daqs_diags_print(&d, stderr);
	ck_assert_uint_eq(daqs_diags_count(&d), 1);
	ck_assert_msg(has_diag(&d, vf_error_cases[_i].line, vf_error_cases[_i].col,
			       vf_error_cases[_i].text),
		      "got %u:%u: %s", d.v[0].line, d.v[0].col, d.v[0].msg);
	daqs_diags_free(&d);
}
END_TEST

/* Every vf_pool problem in one run, in file order. */
START_TEST(test_vf_all_errors)
{
	static const char yaml[] = "version: 1\n"			    /* 1 */
				   "links: [{name: l0, capacity: 1gbit}]\n" /* 2 */
				   "vf_pool:\n"				    /* 3 */
				   "  link: l0\n"			    /* 4 no device */
				   "  vfs: [1, 1]\n"			    /* 5 dup */
				   "  count: 3\n"			    /* 6 */
				   "  interval: 2d\n"			    /* 7 */
				   "vms: [{name: a, class: best-effort, vf: maybe}]\n"; /* 8 */
	struct daqs_diags d;

	load_bad(yaml, sizeof(yaml) - 1, &d);
	ck_assert(has_diag(&d, 4, 9, "link 'l0' has no 'device'"));
	ck_assert(has_diag(&d, 5, 12, "VF 1 is listed twice (first at line 5)"));
	ck_assert(has_diag(&d, 6, 10, "'count' is for kind bridge"));
	ck_assert(has_diag(&d, 7, 13, "field 'vf_pool.interval':"));
	ck_assert(has_diag(&d, 8, 41, "unknown value 'maybe'"));
	ck_assert_uint_eq(daqs_diags_count(&d), 5);
	daqs_diags_free(&d);
}
END_TEST

/* Embedded SLA (as in a simulator scenario), a missing file and a NULL diags. */
START_TEST(test_from_node_and_files)
{
	static const char yaml[] = "scenario: x\nsla:\n  version: 1\n  links: [{name: l, capacity: "
				   "1gbit}]\n  vms: [{name: v, class: guarantee, min: 1mbit}]\n";
	struct daqs_ytree *t = NULL;
	struct daqs_sla *sla = NULL;
	struct daqs_diags d;

	daqs_diags_init(&d);
	ck_assert_int_eq(daqs_ytree_load_buffer("s.yaml", yaml, sizeof(yaml) - 1, &t, &d), 0);
	ck_assert_int_eq(daqs_sla_from_node(daqs_ymap_get(t->root, "sla"), t->file, &sla, &d), 0);
	ck_assert_str_eq(sla->file, "s.yaml");
	ck_assert_uint_eq(sla->vms[0].min_bps, DAQS_MBIT);
	daqs_sla_free(sla);
	ck_assert_int_eq(daqs_sla_from_node(t->root, t->file, &sla, &d), -EINVAL);
	ck_assert_ptr_null(sla);
	ck_assert(has_diag(&d, 1, 1, "top level: unknown key 'scenario'"));
	daqs_ytree_free(t);
	daqs_diags_free(&d);
	ck_assert_int_eq(daqs_sla_load_file("/nonexistent.yaml", &sla, &d), -ENOENT);
	ck_assert_uint_eq(daqs_diags_count(&d), 1);
	daqs_diags_free(&d);
	/* Without a diags sink the verdict is the same. */
	ck_assert_int_eq(daqs_sla_load_buffer("t", "x: [", 4, &sla, NULL), -EINVAL);
	ck_assert_ptr_null(sla);
	ck_assert_int_eq(daqs_sla_load_buffer("t", "x: 1\n", 5, &sla, NULL), -EINVAL);
	ck_assert_ptr_null(sla);
	ck_assert_int_eq(daqs_ytree_load_buffer("t", "- 1\n", 4, &t, NULL), 0);
	ck_assert_int_eq(daqs_sla_from_node(t->root, "t", &sla, NULL), -EINVAL);
	ck_assert_ptr_null(sla);
	ck_assert_int_eq(daqs_sla_from_node(NULL, "t", &sla, &d), -EINVAL);
	ck_assert_ptr_null(sla);
	ck_assert_uint_eq(daqs_diags_count(&d), 1);
	daqs_diags_free(&d);
	daqs_ytree_free(t);
}
END_TEST

/* ---- an entry from libvirt domain metadata ---- */

static void meta_set(struct daqs_sla_meta *m, const char *const *kv, size_t n)
{
	memset(m, 0, sizeof(*m));
	m->present = true;
	snprintf(m->elem, sizeof(m->elem), "sla");
	for (size_t i = 0; i < n; i++) {
		snprintf(m->key[i], sizeof(m->key[i]), "%s", kv[2 * i]);
		snprintf(m->val[i], sizeof(m->val[i]), "%s", kv[2 * i + 1]);
	}
	m->n = n;
}

/*
 * Checked like a vms[] entry, against the file's links; what it does not
 * say is the defaults'; the keys that decide how daqsd reaches, counts and
 * enforces are refused; diagnostics name the domain.
 */
START_TEST(test_meta_vm)
{
	struct daqs_sla *sla =
		load_ok("version: 1\nlinks:\n  - name: a\n    capacity: 10gbit\n  - name: b\n"
			"    capacity: 1gbit\ndefaults:\n  class: best-effort\n  max: 2gbit\n"
			"  weight: 4\n  host_counters: off\n");
	static const char *const good[] = { "class", "guarantee", "min", "250mbit", "max",
					    "1gbit", "weight",	  "3",	 "link",    "b" };
	static const char *const be[] = { "class", "best-effort", "link", "a" };
	static const struct {
		const char *kv[6];
		size_t n;
		const char *msg;
	} bad[] = {
		{ { "min", "1gbit" }, 1, "missing required key 'class'" },
		{ { "class", "guarantee", "link", "a" }, 2, "missing required key 'min'" },
		{ { "class", "best-effort", "min", "1gbit", "link", "a" }, 3, "only for guarantee" },
		{ { "class", "gold", "link", "a" }, 2, "field 'sla.class'" },
		{ { "class", "guarantee", "min", "2gbit", "max", "1gbit" }, 3, "below min" },
		{ { "class", "best-effort" }, 1, "more than one link" },
		{ { "class", "best-effort", "link", "c" }, 2, "field 'sla.link'" },
		{ { "class", "guarantee", "min", "2gbit", "link", "b" },
		  3,
		  "min 2gbit is above link 'b''s capacity 1gbit" },
		{ { "class", "guarantee", "min", "3gbit", "link", "a" },
		  3,
		  "min 3gbit is above the defaults' max 2gbit (give a max)" },
		{ { "class", "best-effort", "link", "a", "weight", "0" }, 3, "field 'sla.weight'" },
		/* how daqsd reaches, counts and enforces: the host administrator's */
		{ { "class", "best-effort", "link", "a", "agent", "/run/x.sock" }, 3, "agent" },
		{ { "class", "best-effort", "link", "a", "host_interface", "eth0" },
		  3,
		  "host_interface" },
		{ { "class", "best-effort", "link", "a", "host_vf", "pf0:1" }, 3, "host_vf" },
		{ { "class", "best-effort", "link", "a", "host_counters", "auto" },
		  3,
		  "host_counters" },
		{ { "class", "best-effort", "link", "a", "vf", "true" }, 3, "'vf'" },
		{ { "class", "best-effort", "link", "a", "enforce", "vf" }, 3, "enforce" },
		{ { "class", "best-effort", "link", "a", "interface", "eth1" }, 3, "interface" },
		{ { "class", "best-effort", "link", "a", "mac", "52:54:00:aa:00:01" }, 3, "mac" },
	};
	struct daqs_sla_meta m;
	struct daqs_sla_vm vm;
	struct daqs_diags d;

	meta_set(&m, good, 5);
	daqs_diags_init(&d);
	ck_assert_int_eq(daqs_sla_meta_vm(sla, "web-1", &m, &vm, &d), 0);
	ck_assert_uint_eq(daqs_diags_count(&d), 0);
	ck_assert_str_eq(vm.name, "web-1");
	ck_assert_int_eq(vm.cls, DAQS_CLASS_GUARANTEE);
	ck_assert_uint_eq(vm.min_bps, 250000000);
	ck_assert_uint_eq(vm.max_bps, 1000000000);
	ck_assert_uint_eq(vm.weight, 3);
	ck_assert_uint_eq(vm.link, 1);
	ck_assert_int_eq(vm.host_counters, DAQS_HOST_COUNTERS_OFF); /* the defaults' */
	ck_assert_ptr_null(vm.agent);
	ck_assert_ptr_null(vm.iface);
	ck_assert_ptr_null(vm.mac);
	daqs_sla_vm_clear(&vm);
	ck_assert_ptr_null(vm.name);
	meta_set(&m, be, 2); /* no max, no weight: the defaults' */
	ck_assert_int_eq(daqs_sla_meta_vm(sla, "batch-1", &m, &vm, &d), 0);
	ck_assert_uint_eq(vm.max_bps, 2000000000);
	ck_assert_uint_eq(vm.weight, 4);
	daqs_sla_vm_clear(&vm);
	daqs_diags_free(&d);
	for (size_t i = 0; i < DAQS_ARRAY_SIZE(bad); i++) {
		meta_set(&m, bad[i].kv, bad[i].n);
		daqs_diags_init(&d);
		ck_assert_int_eq(daqs_sla_meta_vm(sla, "web-1", &m, &vm, &d), -EINVAL);
		ck_assert_ptr_null(vm.name); /* nothing left behind */
		ck_assert_uint_ge(d.n, 1);
		ck_assert_str_eq(d.v[0].file, "domain 'web-1' metadata");
		ck_assert_uint_eq(d.v[0].line, 0);
		ck_assert_msg(strstr(d.v[0].msg, bad[i].msg), "case %zu: '%s' lacks '%s'", i,
			      d.v[0].msg, bad[i].msg);
		daqs_diags_free(&d);
	}
	/* what the XML scan refused, and an element of another name */
	meta_set(&m, good, 1);
	m.refused = DAQS_SLA_META_CHILDREN;
	daqs_diags_init(&d);
	ck_assert_int_eq(daqs_sla_meta_vm(sla, "web-1", &m, &vm, &d), -EINVAL);
	ck_assert(strstr(d.v[0].msg, "child elements"));
	daqs_diags_free(&d);
	meta_set(&m, good, 1);
	snprintf(m.elem, sizeof(m.elem), "qos");
	daqs_diags_init(&d);
	ck_assert_int_eq(daqs_sla_meta_vm(sla, "web-1", &m, &vm, &d), -EINVAL);
	ck_assert(strstr(d.v[0].msg, "must be <sla>"));
	daqs_diags_free(&d);
	daqs_sla_free(sla);
}
END_TEST

/* controller: metadata: true by default; false turns it off; anything else is refused. */
START_TEST(test_meta_switch)
{
	struct daqs_sla *sla = load_ok(ONE_LINK);
	static const char off[] = ONE_LINK "controller:\n  metadata: false\n";
	static const char odd[] = ONE_LINK "controller:\n  metadata: maybe\n";
	struct daqs_diags d;

	ck_assert(sla->ctl.metadata);
	daqs_sla_free(sla);
	sla = load_ok(off);
	ck_assert(!sla->ctl.metadata);
	daqs_sla_free(sla);
	load_bad(odd, strlen(odd), &d);
	ck_assert(has_diag(&d, 6, 13, "controller.metadata"));
	daqs_diags_free(&d);
}
END_TEST

/* admission.h: the share, what is left, the answer and its figures. */
START_TEST(test_admission)
{
	struct daqs_admission a;
	char why[256];
	struct daqs_sla *sla;

	ck_assert_uint_eq(daqs_admission_admittable(1000000000ULL, 750000), 750000000ULL);
	ck_assert_uint_eq(daqs_admission_admittable(UINT64_MAX, DAQS_ADMISSION_FULL), UINT64_MAX);
	ck_assert_uint_eq(daqs_admission_admittable(3, 500000), 1); /* rounded down */
	daqs_admission_init(&a, 1000000000ULL, DAQS_ADMISSION_FULL);
	daqs_admission_add(&a, 600000000ULL);
	ck_assert_int_eq(daqs_admission_fits(&a, 400000000ULL, why, sizeof(why)), 0); /* exactly */
	ck_assert_str_eq(why, "min 400mbit fits: 400mbit of 1gbit left for guarantees, 600mbit "
			      "committed by 1");
	ck_assert_int_eq(daqs_admission_fits(&a, 400000001ULL, NULL, 0), -ENOSPC);
	daqs_admission_add(&a, UINT64_MAX); /* saturates, never wraps */
	ck_assert_uint_eq(a.committed_bps, UINT64_MAX);
	ck_assert_uint_eq(daqs_admission_free(&a), 0);
	ck_assert_uint_eq(a.guarantees, 2);
	daqs_admission_init(&a, 0, DAQS_ADMISSION_FULL); /* capacity: auto, not read yet */
	ck_assert_int_eq(daqs_admission_fits(&a, 1, why, sizeof(why)), -EAGAIN);
	ck_assert_str_eq(why, "the link's capacity is not known yet (capacity: auto)");

	/* the link's own admission wins over the controller's; default 100 % */
	sla = load_ok("version: 1\n"
		      "links:\n"
		      "  - {name: a, capacity: 1gbit}\n"
		      "  - {name: b, capacity: 1gbit, admission: 50%}\n");
	ck_assert_uint_eq(daqs_sla_link_admission(sla, 0), DAQS_ADMISSION_FULL);
	ck_assert_uint_eq(daqs_sla_link_admission(sla, 1), 500000);
	daqs_sla_free(sla);
	sla = load_ok("version: 1\n"
		      "links:\n"
		      "  - {name: a, capacity: 1gbit}\n"
		      "  - {name: b, capacity: 1gbit, admission: 90%}\n"
		      "controller: {admission: 0.75}\n"
		      "vms:\n"
		      "  - {name: x, class: guarantee, min: 750mbit, link: a}\n"
		      "  - {name: y, class: guarantee, min: 900mbit, link: b}\n");
	ck_assert_uint_eq(daqs_sla_link_admission(sla, 0), 750000);
	ck_assert_uint_eq(daqs_sla_link_admission(sla, 1), 900000);
	daqs_sla_free(sla);
}
END_TEST

/* vf_lever: auto unless given; given with host_vf (the errors are in sla-bad/vf-lever.yaml). */
START_TEST(test_vf_lever)
{
	struct daqs_sla *sla = load_ok(
		"version: 1\n"
		"links: [{name: a, capacity: 1gbit, device: ens1f0}]\n"
		"vms:\n"
		"  - {name: x, class: best-effort, host_vf: 'ens1f0:1', vf_lever: devlink}\n"
		"  - {name: y, class: best-effort, host_vf: 'ens1f0:2', vf_lever: legacy}\n"
		"  - {name: z, class: best-effort, host_vf: 'ens1f0:3'}\n");

	ck_assert_int_eq(sla->vms[0].vf_lever, DAQS_VF_LEVER_DEVLINK);
	ck_assert_int_eq(sla->vms[1].vf_lever, DAQS_VF_LEVER_LEGACY);
	ck_assert_int_eq(sla->vms[2].vf_lever, DAQS_VF_LEVER_AUTO);
	ck_assert_int_eq(sla->defaults.vf_lever, DAQS_VF_LEVER_AUTO);
	daqs_sla_free(sla);
}
END_TEST

Suite *daqs_test_sla_suite(void)
{
	Suite *s = suite_create("sla");
	TCase *tc = tcase_create("files");

	tcase_add_test(tc, test_examples_exist);
	tcase_add_loop_test(tc, test_example_parses, 0, (int)count_files("sla"));
	tcase_add_test(tc, test_reference_example);
	tcase_add_test(tc, test_testbed_and_two_links);
	tcase_add_test(tc, test_bad_corpus_size);
	tcase_add_loop_test(tc, test_bad_file, 0, (int)count_files("tests/data/sla-bad"));
	suite_add_tcase(s, tc);
	tc = tcase_create("memory");
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_vm_default_guarantee);
	tcase_add_test(tc, test_uuid_and_find_vm);
	tcase_add_test(tc, test_rates_and_caps);
	tcase_add_test(tc, test_agent_reach);
	tcase_add_test(tc, test_host_counters);
	tcase_add_test(tc, test_all_errors_reported);
	tcase_add_test(tc, test_huge_file);
	tcase_add_test(tc, test_vm_limit);
	tcase_add_test(tc, test_alias_bomb);
	tcase_add_loop_test(tc, test_one_error, 0, (int)DAQS_ARRAY_SIZE(one_error_cases));
	tcase_add_test(tc, test_from_node_and_files);
	tcase_add_test(tc, test_meta_vm);
	tcase_add_test(tc, test_meta_switch);
	suite_add_tcase(s, tc);
	tc = tcase_create("vf");
	tcase_add_test(tc, test_vf_pool_hostdev);
	tcase_add_test(tc, test_vf_pool_bridge);
	tcase_add_test(tc, test_no_vf_pool);
	tcase_add_test(tc, test_host_vf);
	tcase_add_loop_test(tc, test_vf_error, 0, (int)DAQS_ARRAY_SIZE(vf_error_cases));
	tcase_add_test(tc, test_vf_all_errors);
	tcase_add_test(tc, test_admission);
	tcase_add_test(tc, test_vf_lever);
	suite_add_tcase(s, tc);
	return s;
}
