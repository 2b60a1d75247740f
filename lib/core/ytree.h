/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small YAML document tree built from libyaml's event parser, keeping the
 * 1-based line and column of every node so that schema checks can report
 * "FILE:LINE:COL: error: ...". Generic: used by the SLA file and by the
 * simulator's scenario files.
 *
 * What the loader rejects itself (each reported through struct daqs_diags):
 *  - YAML syntax errors (libyaml's problem text, at libyaml's mark);
 *  - files over DAQS_YTREE_MAX_BYTES, more than one document, an empty file;
 *  - duplicate keys in a mapping (libyaml accepts them), naming the first one;
 *  - non-scalar mapping keys;
 *  - nesting deeper than DAQS_YTREE_MAX_DEPTH;
 *  - alias expansion ("billion laughs"): aliases are kept as shared nodes, not
 *    copies, but the size of the tree *as if expanded* is computed at load
 *    time and the file is refused past DAQS_YTREE_MAX_EXPANDED nodes;
 *  - undefined aliases;
 *  - YAML merge keys ("<<") are not supported and are refused explicitly.
 * Tags are ignored; scalars are kept as text (no implicit typing).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

#define DAQS_YTREE_MAX_BYTES (1024 * 1024)
#define DAQS_YTREE_MAX_DEPTH 64
#define DAQS_YTREE_MAX_EXPANDED 100000

enum daqs_ynode_kind {
	DAQS_YNODE_SCALAR,
	DAQS_YNODE_SEQ,
	DAQS_YNODE_MAP,
};

struct daqs_ynode {
	enum daqs_ynode_kind kind;
	unsigned line, col; /* 1-based position of the node's start */
	/* scalar */
	char *str;   /* NUL-terminated text (NUL bytes inside are refused) */
	bool quoted; /* written as '...' or "..." (plain otherwise) */
	/* sequence: items[0..n); mapping: keys[i] -> items[i], i in [0..n) */
	struct daqs_ynode **items;
	struct daqs_ynode **keys; /* mapping only; keys are scalars */
	size_t n;
};

struct daqs_ytree {
	char *file;		 /* name used in diagnostics */
	struct daqs_ynode *root; /* never NULL after a successful load */
	/* private: every node allocated, for freeing (aliases share nodes) */
	struct daqs_ynode **all;
	size_t n_all, cap_all;
};

/*
 * 0 on success; -EINVAL with diagnostics added; -errno for I/O errors (also
 * reported). d may be NULL (the result is the same, without messages).
 */
int daqs_ytree_load_file(const char *path, struct daqs_ytree **out, struct daqs_diags *d);
int daqs_ytree_load_buffer(const char *name, const char *buf, size_t len, struct daqs_ytree **out,
			   struct daqs_diags *d);
/*
 * Like the two above, but when the only problems found leave the tree
 * well-formed (duplicate keys: the later occurrence is dropped), the tree is
 * still returned in *out along with -EINVAL, so that a schema check can report
 * its own problems in the same run. *out is NULL after any other error.
 */
int daqs_ytree_load_file_partial(const char *path, struct daqs_ytree **out, struct daqs_diags *d);
int daqs_ytree_load_buffer_partial(const char *name, const char *buf, size_t len,
				   struct daqs_ytree **out, struct daqs_diags *d);
void daqs_ytree_free(struct daqs_ytree *t);

const char *daqs_ynode_kind_name(enum daqs_ynode_kind k); /* "scalar", "list", "mapping" */
/* Value of key in a mapping, or NULL. */
const struct daqs_ynode *daqs_ymap_get(const struct daqs_ynode *map, const char *key);

/*
 * Schema helpers: each checks the node and adds one diagnostic naming the
 * field ("field 'min': ...") on failure, returning -EINVAL; 0 on success.
 * "what" is the dotted field path used in messages, e.g. "vms[2].min".
 */
/* Add "field 'WHAT': MESSAGE" (what "" or NULL: "top level: MESSAGE") at n; returns -EINVAL. */
int daqs_ynode_error(const struct daqs_ynode *n, const char *file, const char *what,
		     struct daqs_diags *d, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
int daqs_ynode_expect(const struct daqs_ynode *n, enum daqs_ynode_kind k, const char *file,
		      const char *what, struct daqs_diags *d);
/* Report every key of map not in allowed[] (NULL-terminated) as unknown. */
int daqs_ymap_check_keys(const struct daqs_ynode *map, const char *const *allowed, const char *file,
			 const char *what, struct daqs_diags *d);
int daqs_ynode_get_str(const struct daqs_ynode *n, const char *file, const char *what,
		       struct daqs_diags *d, const char **out);
int daqs_ynode_get_rate(const struct daqs_ynode *n, const char *file, const char *what,
			struct daqs_diags *d, uint64_t *bps);
int daqs_ynode_get_duration(const struct daqs_ynode *n, const char *file, const char *what,
			    struct daqs_diags *d, uint64_t *ns);
int daqs_ynode_get_ppm(const struct daqs_ynode *n, const char *file, const char *what,
		       struct daqs_diags *d, uint32_t *ppm);
/* Unsigned decimal integer in [min, max]. */
int daqs_ynode_get_uint(const struct daqs_ynode *n, const char *file, const char *what,
			struct daqs_diags *d, uint64_t min, uint64_t max, uint64_t *out);
/* Plain decimal number (e.g. seconds "12.5") in [min, max]. */
int daqs_ynode_get_double(const struct daqs_ynode *n, const char *file, const char *what,
			  struct daqs_diags *d, double min, double max, double *out);
/* One of choices[] (NULL-terminated); *idx is its index. */
int daqs_ynode_get_enum(const struct daqs_ynode *n, const char *file, const char *what,
			struct daqs_diags *d, const char *const *choices, unsigned *idx);
