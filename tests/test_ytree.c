/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The YAML tree loader: structure, positions, every refusal, and the schema getters. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mem.h"
#include "unit.h"
#include "ytree.h"

static struct daqs_ytree *load_ok(const char *yaml)
{
	struct daqs_diags d;
	struct daqs_ytree *t = NULL;
	int r;

	daqs_diags_init(&d);
	r = daqs_ytree_load_buffer("t.yaml", yaml, strlen(yaml), &t, &d);
	if (r != 0)
		daqs_diags_print(&d, stderr);
	ck_assert_int_eq(r, 0);
	ck_assert_uint_eq(daqs_diags_count(&d), 0);
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(t->root);
	daqs_diags_free(&d);
	return t;
}

/* Asserts exactly one diagnostic, at line:col, containing text. */
static void assert_one_diag(const struct daqs_diags *d, unsigned line, unsigned col,
			    const char *text)
{
	char buf[1024];

	ck_assert_uint_eq(daqs_diags_count(d), 1);
	daqs_diag_format(&d->v[0], buf, sizeof(buf));
	ck_assert_msg(strstr(d->v[0].msg, text), "'%s' lacks '%s'", buf, text);
	ck_assert_msg(d->v[0].line == line && d->v[0].col == col, "'%s' is not at %u:%u", buf, line,
		      col);
}

START_TEST(test_structure_and_positions)
{
	struct daqs_ytree *t = load_ok("a: 1\nlist:\n  - x\n  - 'y'\nmap: {k: \"v\"}\n");
	const struct daqs_ynode *root = t->root, *list, *map;

	ck_assert_int_eq(root->kind, DAQS_YNODE_MAP);
	ck_assert_uint_eq(root->n, 3);
	ck_assert_str_eq(root->keys[0]->str, "a");
	ck_assert_str_eq(root->items[0]->str, "1");
	ck_assert_uint_eq(root->items[0]->line, 1);
	ck_assert_uint_eq(root->items[0]->col, 4);
	list = daqs_ymap_get(root, "list");
	ck_assert_ptr_nonnull(list);
	ck_assert_int_eq(list->kind, DAQS_YNODE_SEQ);
	ck_assert_uint_eq(list->n, 2);
	ck_assert_uint_eq(list->items[1]->line, 4);
	ck_assert_uint_eq(list->items[1]->col, 5);
	ck_assert(!list->items[0]->quoted);
	ck_assert(list->items[1]->quoted);
	map = daqs_ymap_get(root, "map");
	ck_assert_str_eq(daqs_ymap_get(map, "k")->str, "v");
	ck_assert(daqs_ymap_get(map, "k")->quoted);
	ck_assert_ptr_null(daqs_ymap_get(root, "missing"));
	ck_assert_ptr_null(daqs_ymap_get(list, "a")); /* not a mapping */
	ck_assert_str_eq(t->file, "t.yaml");
	daqs_ytree_free(t);
}
END_TEST

START_TEST(test_no_implicit_typing)
{
	struct daqs_ytree *t = load_ok("flag: no\nnum: 010\nnull: ~\nempty:\n");

	ck_assert_str_eq(daqs_ymap_get(t->root, "flag")->str, "no");
	ck_assert_str_eq(daqs_ymap_get(t->root, "num")->str, "010");
	ck_assert_str_eq(daqs_ymap_get(t->root, "null")->str, "~");
	ck_assert_str_eq(daqs_ymap_get(t->root, "empty")->str, "");
	ck_assert_int_eq(daqs_ymap_get(t->root, "empty")->kind, DAQS_YNODE_SCALAR);
	daqs_ytree_free(t);
}
END_TEST

START_TEST(test_aliases_are_shared)
{
	struct daqs_ytree *t = load_ok("a: &x [1, 2, 3]\nb: *x\nc: &s text\nd: *s\n"
				       "c2: &s other\nd2: *s\n");
	const struct daqs_ynode *a = daqs_ymap_get(t->root, "a");

	ck_assert_ptr_eq(a, daqs_ymap_get(t->root, "b"));
	ck_assert_str_eq(daqs_ymap_get(t->root, "d")->str, "text");
	/* An anchor may be redefined; later aliases see the new node. */
	ck_assert_str_eq(daqs_ymap_get(t->root, "d2")->str, "other");
	/* root + 6 keys + 4 (list) + 2 scalars: the aliases allocated nothing. */
	ck_assert_uint_eq(t->n_all, 1 + 6 + 4 + 2);
	daqs_ytree_free(t);
}
END_TEST

/* Many aliases to a mid-sized anchor: fine while the expanded size stays under the limit. */
START_TEST(test_aliases_under_limit)
{
	size_t cap = 64 * 1024, len = 0;
	char *buf = daqs_malloc(cap);
	struct daqs_ytree *t;

	len += (size_t)snprintf(buf + len, cap - len, "a: &a [");
	for (int i = 0; i < 99; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%sx", i ? ", " : "");
	len += (size_t)snprintf(buf + len, cap - len, "]\nb: [");
	for (int i = 0; i < 990; i++) /* 990 * 100 + 103 < 100000 */
		len += (size_t)snprintf(buf + len, cap - len, "%s*a", i ? ", " : "");
	snprintf(buf + len, cap - len, "]\n");
	t = load_ok(buf);
	ck_assert_uint_eq(daqs_ymap_get(t->root, "b")->n, 990);
	daqs_ytree_free(t);
	free(buf);
}
END_TEST

static const struct bad_case {
	const char *yaml;
	unsigned line, col;
	const char *text;
} bad_cases[] = {
	{ "a: 1\n\tb: 2\n", 2, 1, "YAML syntax error: found a tab character" },
	{ "a: [1, 2\nb: 3\n", 2, 2, "YAML syntax error: did not find expected ',' or ']'" },
	{ "a: x\x01y\n", 1, 5, "control characters are not allowed" },
	{ "a: 1\na: 2\n", 2, 1, "duplicate key 'a' (first defined at line 1)" },
	{ "m:\n  k: 1\n  j: 2\n  k: 3\n", 4, 3, "duplicate key 'k' (first defined at line 2)" },
	{ "? [a]\n: 1\n", 1, 3, "mapping keys must be scalars, got a list" },
	{ "{a: 1}: 2\n", 1, 1, "mapping keys must be scalars, got a mapping" },
	{ "b: &b {x: 1}\nc:\n  <<: *b\n", 3, 3, "merge keys ('<<') are not supported" },
	{ "a: *nope\n", 1, 4, "undefined alias '*nope'" },
	{ "a: &r [1, *r]\n", 1, 11, "recursive aliases are not supported" },
	{ "a: \"x\\0y\"\n", 1, 4, "scalar contains a NUL byte" },
	{ "a: 1\n---\nb: 2\n", 2, 1, "more than one YAML document" },
	{ "", 1, 1, "the file is empty" },
	{ "# only a comment\n", 1, 1, "the file is empty" },
	{ "a: \xff\n", 1, 4, "invalid leading UTF-8 octet (0xFF)" },
};

START_TEST(test_bad_yaml)
{
	const struct bad_case *c = &bad_cases[_i];
	struct daqs_diags d;
	struct daqs_ytree *t = (struct daqs_ytree *)1;

	daqs_diags_init(&d);
	ck_assert_int_eq(daqs_ytree_load_buffer("t.yaml", c->yaml, strlen(c->yaml), &t, &d),
			 -EINVAL);
	ck_assert_ptr_null(t);
	assert_one_diag(&d, c->line, c->col, c->text);
	ck_assert_str_eq(d.v[0].file, "t.yaml");
	daqs_diags_free(&d);
}
END_TEST

/* Several non-fatal problems in one file are all reported. */
START_TEST(test_bad_yaml_all_reported)
{
	static const char yaml[] = "a: 1\na: 2\nb: *u\n<<: {}\nc: [x, x]\nc: 3\n";
	struct daqs_diags d;
	struct daqs_ytree *t = NULL;

	daqs_diags_init(&d);
	ck_assert_int_eq(daqs_ytree_load_buffer("t", yaml, strlen(yaml), &t, &d), -EINVAL);
	ck_assert_ptr_null(t);
	ck_assert_uint_eq(daqs_diags_count(&d), 4);
	ck_assert_ptr_nonnull(strstr(d.v[0].msg, "undefined alias"));
	ck_assert_ptr_nonnull(strstr(d.v[1].msg, "merge keys"));
	ck_assert_ptr_nonnull(strstr(d.v[2].msg, "duplicate key 'a'"));
	ck_assert_ptr_nonnull(strstr(d.v[3].msg, "duplicate key 'c'"));
	daqs_diags_free(&d);
}
END_TEST

static char *nested(int depth)
{
	char *s = daqs_malloc((size_t)depth * 2 + 2);

	memset(s, '[', (size_t)depth);
	memset(s + depth, ']', (size_t)depth);
	s[depth * 2] = '\n';
	s[depth * 2 + 1] = '\0';
	return s;
}

START_TEST(test_depth_limit)
{
	char *ok = nested(DAQS_YTREE_MAX_DEPTH), *bad = nested(DAQS_YTREE_MAX_DEPTH + 1);
	struct daqs_ytree *t = load_ok(ok);
	struct daqs_diags d;

	daqs_ytree_free(t);
	daqs_diags_init(&d);
	ck_assert_int_eq(daqs_ytree_load_buffer("t", bad, strlen(bad), &t, &d), -EINVAL);
	assert_one_diag(&d, 1, DAQS_YTREE_MAX_DEPTH + 1, "nesting is deeper than 64 levels");
	daqs_diags_free(&d);
	free(ok);
	free(bad);
}
END_TEST

/* "Billion laughs" with 10 levels of 10: rejected fast, without expanding anything. */
START_TEST(test_alias_bomb)
{
	char buf[4096];
	size_t len = (size_t)snprintf(buf, sizeof(buf),
				      "l0: &l0 [lol, lol, lol, lol, lol, lol, "
				      "lol, lol, lol, lol]\n");
	struct daqs_ytree *t = NULL;
	struct daqs_diags d;
	clock_t start;

	for (int i = 1; i < 10; i++)
		len += (size_t)snprintf(
			buf + len, sizeof(buf) - len,
			"l%d: &l%d [*l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, "
			"*l%d, *l%d]\n",
			i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
	daqs_diags_init(&d);
	start = clock();
	ck_assert_int_eq(daqs_ytree_load_buffer("bomb", buf, len, &t, &d), -EINVAL);
	ck_assert_msg(clock() - start < CLOCKS_PER_SEC / 2, "took %ld ticks",
		      (long)(clock() - start));
	ck_assert_ptr_null(t);
	/* At the 10th alias of l4: 1 + 10 * 11111 nodes. */
	assert_one_diag(&d, 5, 55, "too many nodes once aliases are expanded");
	daqs_diags_free(&d);
}
END_TEST

START_TEST(test_size_limit)
{
	size_t len = DAQS_YTREE_MAX_BYTES + 1;
	char *buf = daqs_malloc(len);
	struct daqs_ytree *t = NULL;
	struct daqs_diags d;

	memset(buf, '#', len);
	buf[len - 1] = '\n';
	daqs_diags_init(&d);
	ck_assert_int_eq(daqs_ytree_load_buffer("big", buf, len, &t, &d), -EINVAL);
	ck_assert_ptr_null(t);
	assert_one_diag(&d, 0, 0, "file is too large");
	daqs_diags_free(&d);
	/* Exactly at the limit is fine (a comment, then a tiny document). */
	memcpy(buf + len - 6, "\na: 1\n", 6);
	daqs_diags_init(&d);
	ck_assert_int_eq(daqs_ytree_load_buffer("big", buf, len - 1, &t, &d), 0);
	ck_assert_ptr_nonnull(t);
	daqs_ytree_free(t);
	daqs_diags_free(&d);
	free(buf);
}
END_TEST

/* The partial loader keeps the tree after soft errors only. */
START_TEST(test_partial)
{
	static const char dup[] = "a: 1\nb: 2\na: 3\n", alias[] = "a: *x\n";
	struct daqs_ytree *t = NULL;
	struct daqs_diags d;

	daqs_diags_init(&d);
	ck_assert_int_eq(daqs_ytree_load_buffer_partial("t", dup, strlen(dup), &t, &d), -EINVAL);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(t->root->n, 2);
	ck_assert_str_eq(daqs_ymap_get(t->root, "a")->str, "1"); /* the first one wins */
	ck_assert_uint_eq(daqs_diags_count(&d), 1);
	daqs_ytree_free(t);
	ck_assert_int_eq(daqs_ytree_load_buffer_partial("t", alias, strlen(alias), &t, &d),
			 -EINVAL);
	ck_assert_ptr_null(t);
	ck_assert_uint_eq(daqs_diags_count(&d), 2);
	daqs_diags_free(&d);
}
END_TEST

START_TEST(test_load_file)
{
	char path[4096], tmpl[] = "/tmp/daqs-ytree-XXXXXX";
	struct daqs_ytree *t = NULL;
	struct daqs_diags d;
	FILE *f;
	int fd;

	daqs_diags_init(&d);
	snprintf(path, sizeof(path), "%s/sla/example.yaml", daqs_test_srcdir());
	ck_assert_int_eq(daqs_ytree_load_file(path, &t, &d), 0);
	ck_assert_str_eq(t->file, path);
	ck_assert_ptr_nonnull(daqs_ymap_get(t->root, "links"));
	daqs_ytree_free(t);
	ck_assert_int_eq(daqs_ytree_load_file("/nonexistent/x.yaml", &t, &d), -ENOENT);
	ck_assert_int_eq(daqs_ytree_load_file("/", &t, &d), -EISDIR);
	ck_assert_ptr_null(t);
	fd = mkstemp(tmpl);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	for (size_t i = 0; i <= DAQS_YTREE_MAX_BYTES / 16; i++)
		fputs("# padding......\n", f);
	fclose(f);
	ck_assert_int_eq(daqs_ytree_load_file(tmpl, &t, &d), -EINVAL);
	unlink(tmpl);
	ck_assert_uint_eq(daqs_diags_count(&d), 3);
	ck_assert_ptr_nonnull(strstr(d.v[0].msg, "No such file"));
	ck_assert_ptr_nonnull(strstr(d.v[1].msg, "Is a directory"));
	ck_assert_ptr_nonnull(strstr(d.v[2].msg, "file is too large"));
	daqs_diags_free(&d);
	/* No diagnostics sink, no buffer: same verdicts, no crash. */
	ck_assert_int_eq(daqs_ytree_load_file("/nonexistent/x.yaml", &t, NULL), -ENOENT);
	ck_assert_int_eq(daqs_ytree_load_buffer("t", "a: [", 4, &t, NULL), -EINVAL);
	ck_assert_int_eq(daqs_ytree_load_buffer(NULL, NULL, 0, &t, &d), -EINVAL);
	ck_assert_ptr_null(t);
	ck_assert_str_eq(d.v[0].file, "<input>");
	ck_assert_ptr_nonnull(strstr(d.v[0].msg, "the file is empty"));
	daqs_diags_free(&d);
}
END_TEST

/* ---- getters ---- */

enum getter { G_STR, G_RATE, G_DURATION, G_PPM, G_UINT, G_DOUBLE, G_ENUM, G_KEYS };

static const struct getter_case {
	enum getter g;
	const char *yaml; /* the value of key "v" */
	const char *want; /* expected value rendered by run_getter, or NULL for an error */
	const char *msg;  /* expected full diagnostic message when want is NULL */
} getter_cases[] = {
	{ G_STR, "v: \"quoted\"", "quoted", NULL },
	{ G_STR, "v: [a]", NULL, "field 'vms[0].v': expected a scalar, got a list" },
	{ G_RATE, "v: 10gbit", "10000000000", NULL },
	{ G_RATE, "v: \"2.5 mbit/s\"", "2500000", NULL },
	{ G_RATE, "v: 1mbyte/s", "8000000", NULL },
	{ G_RATE, "v: 100mbps", NULL,
	  "field 'vms[0].v': ambiguous unit 'mbps' in '100mbps': tc reads it as bytes per second; "
	  "write 'bit' units for bits (e.g. 'mbit') or 'byte/s' units for bytes (e.g. "
	  "'mbyte/s')" },
	{ G_RATE, "v: {a: 1}", NULL, "field 'vms[0].v': expected a scalar, got a mapping" },
	{ G_RATE, "v:", NULL, "field 'vms[0].v': empty value" },
	{ G_DURATION, "v: 1.5s", "1500000000", NULL },
	{ G_DURATION, "v: 10", NULL,
	  "field 'vms[0].v': '10' has no unit; write e.g. '10ms' or '10s'" },
	{ G_PPM, "v: 2%", "20000", NULL },
	{ G_PPM, "v: 0.5", "500000", NULL },
	{ G_PPM, "v: 101%", NULL, "field 'vms[0].v': '101%' is more than 100%" },
	{ G_UINT, "v: 1000", "1000", NULL },
	{ G_UINT, "v: 0", NULL, "field 'vms[0].v': '0' is out of range (1..1000)" },
	{ G_UINT, "v: 99999999999999999999999", NULL,
	  "field 'vms[0].v': '99999999999999999999999' is out of range (1..1000)" },
	{ G_UINT, "v: -3", NULL, "field 'vms[0].v': '-3' is not a whole number" },
	{ G_UINT, "v: 010", NULL, "field 'vms[0].v': '010' has a leading zero" },
	{ G_DOUBLE, "v: 12.5", "12.500", NULL },
	{ G_DOUBLE, "v: -0.5", "-0.500", NULL },
	{ G_DOUBLE, "v: 1e3", NULL, "field 'vms[0].v': '1e3' is not a plain decimal number" },
	{ G_DOUBLE, "v: 21", NULL, "field 'vms[0].v': '21' is out of range (-1..20)" },
	{ G_ENUM, "v: hold", "1", NULL },
	{ G_ENUM, "v: Hold", NULL,
	  "field 'vms[0].v': unknown value 'Hold' (expected one of: protect, hold, release)" },
	{ G_KEYS, "v: {a: 1, b: 2}", "ok", NULL },
	{ G_KEYS, "v: {a: 1, c: 2}", NULL, "field 'vms[0].v': unknown key 'c' (valid keys: a, b)" },
	{ G_KEYS, "v: []", NULL, "field 'vms[0].v': expected a mapping, got a list" },
};

static int run_getter(enum getter g, const struct daqs_ynode *n, struct daqs_diags *d, char *out,
		      size_t len)
{
	static const char *const choices[] = { "protect", "hold", "release", NULL };
	static const char *const keys[] = { "a", "b", NULL };
	const char *w = "vms[0].v", *s = NULL;
	uint64_t u = 0;
	uint32_t p = 0;
	double x = 0;
	unsigned idx = 0;
	int r = -1;

	switch (g) {
	case G_STR:
		r = daqs_ynode_get_str(n, "t", w, d, &s);
		snprintf(out, len, "%s", s ? s : "");
		return r;
	case G_RATE:
		r = daqs_ynode_get_rate(n, "t", w, d, &u);
		break;
	case G_DURATION:
		r = daqs_ynode_get_duration(n, "t", w, d, &u);
		break;
	case G_PPM:
		r = daqs_ynode_get_ppm(n, "t", w, d, &p);
		u = p;
		break;
	case G_UINT:
		r = daqs_ynode_get_uint(n, "t", w, d, 1, 1000, &u);
		break;
	case G_DOUBLE:
		r = daqs_ynode_get_double(n, "t", w, d, -1, 20, &x);
		snprintf(out, len, "%.3f", x);
		return r;
	case G_ENUM:
		r = daqs_ynode_get_enum(n, "t", w, d, choices, &idx);
		u = idx;
		break;
	case G_KEYS:
		r = daqs_ymap_check_keys(n, keys, "t", w, d);
		snprintf(out, len, "ok");
		return r;
	}
	snprintf(out, len, "%llu", (unsigned long long)u);
	return r;
}

START_TEST(test_getters)
{
	const struct getter_case *c = &getter_cases[_i];
	struct daqs_ytree *t = load_ok(c->yaml);
	const struct daqs_ynode *n = daqs_ymap_get(t->root, "v");
	struct daqs_diags d;
	char got[64] = "";
	int r;

	daqs_diags_init(&d);
	r = run_getter(c->g, n, &d, got, sizeof(got));
	if (c->want) {
		ck_assert_int_eq(r, 0);
		ck_assert_uint_eq(daqs_diags_count(&d), 0);
		ck_assert_str_eq(got, c->want);
	} else {
		ck_assert_int_eq(r, -EINVAL);
		ck_assert_uint_eq(daqs_diags_count(&d), 1);
		ck_assert_str_eq(d.v[0].msg, c->msg);
		/* At the value, or for an unknown key at the key ("v: {a: 1, c: 2}"). */
		ck_assert_uint_eq(d.v[0].line, 1);
		ck_assert_uint_eq(d.v[0].col,
				  c->g == G_KEYS && n->kind == DAQS_YNODE_MAP ? 11 : n->col);
	}
	daqs_diags_free(&d);
	daqs_ytree_free(t);
}
END_TEST

START_TEST(test_expect_top_level)
{
	struct daqs_ytree *t = load_ok("- a\n");
	struct daqs_diags d;

	daqs_diags_init(&d);
	ck_assert_int_eq(daqs_ynode_expect(t->root, DAQS_YNODE_MAP, "t", "", &d), -EINVAL);
	ck_assert_int_eq(daqs_ynode_expect(t->root, DAQS_YNODE_SEQ, "t", "", &d), 0);
	ck_assert_uint_eq(daqs_diags_count(&d), 1);
	ck_assert_str_eq(d.v[0].msg, "top level: expected a mapping, got a list");
	ck_assert_str_eq(daqs_ynode_kind_name(DAQS_YNODE_SCALAR), "scalar");
	ck_assert_str_eq(daqs_ynode_kind_name(DAQS_YNODE_SEQ), "list");
	ck_assert_str_eq(daqs_ynode_kind_name(DAQS_YNODE_MAP), "mapping");
	daqs_diags_free(&d);
	daqs_ytree_free(t);
}
END_TEST

/* Cheap robustness: every prefix and a byte-flipped copy of a real file must load or fail cleanly. */
START_TEST(test_prefixes_do_not_crash)
{
	char path[4096], *buf = NULL;
	size_t len = 0, failed = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/sla/two-links.yaml", daqs_test_srcdir());
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	buf = daqs_malloc(DAQS_YTREE_MAX_BYTES);
	len = fread(buf, 1, DAQS_YTREE_MAX_BYTES, f);
	fclose(f);
	for (size_t n = 0; n <= len; n++) {
		for (int flip = 0; flip < 2; flip++) {
			struct daqs_ytree *t = NULL;
			struct daqs_diags d;
			char saved = n < len ? buf[n] : 0;
			int r;

			if (flip && n < len)
				buf[n] = (char)(buf[n] ^ "\x20\x01\x7f\x5b"[n % 4]);
			daqs_diags_init(&d);
			r = daqs_ytree_load_buffer("p", buf, flip ? len : n, &t, &d);
			ck_assert(r == 0 ? t && daqs_diags_count(&d) == 0
					 : !t && daqs_diags_count(&d) > 0);
			failed += r != 0;
			daqs_ytree_free(t);
			daqs_diags_free(&d);
			if (n < len)
				buf[n] = saved;
		}
	}
	ck_assert_uint_gt(failed, 0);
	free(buf);
}
END_TEST

Suite *daqs_test_ytree_suite(void)
{
	Suite *s = suite_create("ytree");
	TCase *tc = tcase_create("load");

	tcase_add_test(tc, test_structure_and_positions);
	tcase_add_test(tc, test_no_implicit_typing);
	tcase_add_test(tc, test_aliases_are_shared);
	tcase_add_test(tc, test_aliases_under_limit);
	tcase_add_loop_test(tc, test_bad_yaml, 0, (int)DAQS_ARRAY_SIZE(bad_cases));
	tcase_add_test(tc, test_bad_yaml_all_reported);
	tcase_add_test(tc, test_depth_limit);
	tcase_add_test(tc, test_alias_bomb);
	tcase_add_test(tc, test_size_limit);
	tcase_add_test(tc, test_partial);
	tcase_add_test(tc, test_load_file);
	tcase_add_test(tc, test_prefixes_do_not_crash);
	suite_add_tcase(s, tc);
	tc = tcase_create("getters");
	tcase_add_loop_test(tc, test_getters, 0, (int)DAQS_ARRAY_SIZE(getter_cases));
	tcase_add_test(tc, test_expect_top_level);
	suite_add_tcase(s, tc);
	return s;
}
