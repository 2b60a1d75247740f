/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * YAML tree loader on top of libyaml's event parser (see ytree.h).
 *
 * Errors come in three weights:
 *  - fatal: parsing stops (syntax errors, limits, a second document);
 *  - hard: parsing goes on to find more problems, but no tree is returned
 *    (undefined alias, non-scalar key, merge key, NUL byte);
 *  - soft: the tree stays well-formed and the partial loaders still return it
 *    (a duplicate key: the later occurrence is dropped).
 */
#include "ytree.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "mem.h"
#include "units.h"

/* ---- anchors: name -> node, open addressing (aliases can be many) ---- */

struct anchor {
	char *name; /* NULL: empty slot */
	struct daqs_ynode *node;
	uint64_t expanded;
};

struct anchors {
	struct anchor *v;
	size_t cap; /* 0 or a power of two */
	size_t n;
};

static size_t anchor_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)h;
}

static struct anchor *anchors_slot(struct anchor *v, size_t cap, const char *name)
{
	size_t i = anchor_hash(name) & (cap - 1);

	while (v[i].name && strcmp(v[i].name, name) != 0)
		i = (i + 1) & (cap - 1);
	return &v[i];
}

static void anchors_grow(struct anchors *a)
{
	size_t cap = a->cap ? a->cap * 2 : 64;
	struct anchor *v = daqs_calloc(cap, sizeof(*v));

	for (size_t i = 0; i < a->cap; i++)
		if (a->v[i].name)
			*anchors_slot(v, cap, a->v[i].name) = a->v[i];
	free(a->v);
	a->v = v;
	a->cap = cap;
}

/* Define (or redefine: YAML allows it, later aliases see the new node) an anchor. */
static void anchors_set(struct anchors *a, const char *name, struct daqs_ynode *node,
			uint64_t expanded)
{
	struct anchor *s;

	if ((a->n + 1) * 2 > a->cap)
		anchors_grow(a);
	s = anchors_slot(a->v, a->cap, name);
	if (!s->name) {
		s->name = daqs_strdup(name);
		a->n++;
	}
	s->node = node;
	s->expanded = expanded;
}

static const struct anchor *anchors_get(const struct anchors *a, const char *name)
{
	const struct anchor *s;

	if (!a->cap)
		return NULL;
	s = anchors_slot(a->v, a->cap, name);
	return s->name ? s : NULL;
}

static void anchors_free(struct anchors *a)
{
	for (size_t i = 0; i < a->cap; i++)
		free(a->v[i].name);
	free(a->v);
}

/* ---- the loader ---- */

struct frame {
	struct daqs_ynode *node; /* sequence or mapping being built */
	yaml_mark_t start;
	char *anchor;	   /* registered when the node ends */
	uint64_t expanded; /* this subtree's size with aliases expanded */
	size_t cap_items, cap_keys;
	struct daqs_ynode *key; /* mapping: key waiting for its value */
	bool have_key;
	bool drop_value; /* mapping: the pending key was refused */
};

struct loader {
	const char *file;
	const char *buf;
	size_t len;
	struct daqs_ytree *t;
	struct daqs_diags *d;
	struct anchors anchors;
	struct frame stack[DAQS_YTREE_MAX_DEPTH];
	size_t depth;
	unsigned n_docs;
	bool fatal, hard, soft;
};

static struct daqs_ynode *node_new(struct daqs_ytree *t, enum daqs_ynode_kind kind,
				   const yaml_mark_t *m)
{
	struct daqs_ynode *n = daqs_calloc(1, sizeof(*n));

	n->kind = kind;
	n->line = (unsigned)m->line + 1;
	n->col = (unsigned)m->column + 1;
	daqs_grow((void **)&t->all, &t->cap_all, t->n_all + 1, sizeof(*t->all));
	t->all[t->n_all++] = n;
	return n;
}

static void loader_fatal(struct loader *l, unsigned line, unsigned col, const char *msg)
{
	daqs_diags_add(l->d, l->file, line, col, "%s", msg);
	l->fatal = true;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static void append(struct daqs_ynode ***v, size_t *cap, size_t n, struct daqs_ynode *x)
{
	daqs_grow((void **)v, cap, n + 1, sizeof(**v));
	(*v)[n] = x;
}

/* A mapping key arrived: keep it, or refuse it (its value will be dropped). */
static void map_take_key(struct loader *l, struct frame *f, struct daqs_ynode *key)
{
	f->key = key;
	f->have_key = true;
	f->drop_value = true;
	if (key->kind != DAQS_YNODE_SCALAR)
		daqs_diags_add(l->d, l->file, key->line, key->col,
			       "mapping keys must be scalars, got a %s",
			       daqs_ynode_kind_name(key->kind));
	else if (!key->quoted && strcmp(key->str, "<<") == 0)
		daqs_diags_add(l->d, l->file, key->line, key->col,
			       "merge keys ('<<') are not supported; write the keys out in full");
	else
		f->drop_value = false;
	if (f->drop_value)
		l->hard = true;
}

/*
 * A complete node (scalar, alias target or ended collection) joins its parent;
 * m is where it appears (for an alias: the alias, not the anchored node).
 */
static void add_node(struct loader *l, struct daqs_ynode *n, uint64_t expanded,
		     const yaml_mark_t *m)
{
	struct frame *f;

	if (l->depth == 0) {
		l->t->root = n;
		return;
	}
	f = &l->stack[l->depth - 1];
	f->expanded = add_sat(f->expanded, expanded);
	if (f->expanded > DAQS_YTREE_MAX_EXPANDED) {
		loader_fatal(l, (unsigned)m->line + 1, (unsigned)m->column + 1,
			     "too many nodes once aliases are expanded (more than "
			     "100000): refusing a possible alias bomb");
		return;
	}
	if (f->node->kind == DAQS_YNODE_SEQ) {
		append(&f->node->items, &f->cap_items, f->node->n++, n);
	} else if (!f->have_key) {
		map_take_key(l, f, n);
	} else {
		if (!f->drop_value) {
			append(&f->node->keys, &f->cap_keys, f->node->n, f->key);
			append(&f->node->items, &f->cap_items, f->node->n++, n);
		}
		f->have_key = false;
	}
}

static void on_scalar(struct loader *l, const yaml_event_t *e)
{
	const char *v = (const char *)e->data.scalar.value;
	size_t len = e->data.scalar.length;
	struct daqs_ynode *n = node_new(l->t, DAQS_YNODE_SCALAR, &e->start_mark);

	n->str = daqs_strndup(v, len);
	n->quoted = e->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
		    e->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	if (strlen(n->str) != len) {
		daqs_diags_add(l->d, l->file, n->line, n->col, "scalar contains a NUL byte");
		l->hard = true;
	}
	if (e->data.scalar.anchor)
		anchors_set(&l->anchors, (const char *)e->data.scalar.anchor, n, 1);
	add_node(l, n, 1, &e->start_mark);
}

static bool anchor_in_progress(const struct loader *l, const char *name)
{
	for (size_t i = 0; i < l->depth; i++)
		if (l->stack[i].anchor && strcmp(l->stack[i].anchor, name) == 0)
			return true;
	return false;
}

static void on_alias(struct loader *l, const yaml_event_t *e)
{
	const char *name = (const char *)e->data.alias.anchor;
	const struct anchor *a = anchors_get(&l->anchors, name);
	struct daqs_ynode *placeholder;

	if (a) {
		add_node(l, a->node, a->expanded, &e->start_mark);
		return;
	}
	placeholder = node_new(l->t, DAQS_YNODE_SCALAR, &e->start_mark);
	placeholder->str = daqs_strdup("");
	if (anchor_in_progress(l, name))
		daqs_diags_add(l->d, l->file, placeholder->line, placeholder->col,
			       "alias '*%s' refers to a node that contains it (recursive aliases "
			       "are not supported)",
			       name);
	else
		daqs_diags_add(l->d, l->file, placeholder->line, placeholder->col,
			       "undefined alias '*%s'", name);
	l->hard = true;
	add_node(l, placeholder, 1, &e->start_mark);
}

static void on_start(struct loader *l, const yaml_event_t *e, enum daqs_ynode_kind kind,
		     const yaml_char_t *anchor)
{
	struct frame *f;

	if (l->depth == DAQS_YTREE_MAX_DEPTH) {
		loader_fatal(l, (unsigned)e->start_mark.line + 1,
			     (unsigned)e->start_mark.column + 1,
			     "nesting is deeper than 64 levels");
		return;
	}
	f = &l->stack[l->depth++];
	memset(f, 0, sizeof(*f));
	f->node = node_new(l->t, kind, &e->start_mark);
	f->start = e->start_mark;
	f->anchor = anchor ? daqs_strdup((const char *)anchor) : NULL;
	f->expanded = 1;
}

struct key_ref {
	const char *s;
	size_t i;
};

static int key_ref_cmp(const void *a, const void *b)
{
	const struct key_ref *x = a, *y = b;
	int c = strcmp(x->s, y->s);

	if (c)
		return c;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* first[i] = index of the first key equal to keys[i] (i itself when unique). */
static void find_first_keys(const struct daqs_ynode *map, size_t *first)
{
	struct key_ref *r = daqs_malloc(map->n * sizeof(*r));

	for (size_t i = 0; i < map->n; i++)
		r[i] = (struct key_ref){ map->keys[i]->str, i };
	qsort(r, map->n, sizeof(*r), key_ref_cmp);
	for (size_t i = 0, g = 0; i < map->n; i++) {
		if (strcmp(r[i].s, r[g].s) != 0)
			g = i;
		first[r[i].i] = r[g].i;
	}
	free(r);
}

/* Report duplicate keys (in file order) and drop the later occurrences. */
static void map_drop_duplicates(struct loader *l, struct daqs_ynode *map)
{
	size_t *first, kept = 0;

	if (map->n < 2)
		return;
	first = daqs_malloc(map->n * sizeof(*first));
	find_first_keys(map, first);
	for (size_t i = 0; i < map->n; i++) {
		const struct daqs_ynode *k = map->keys[i];

		if (first[i] != i) {
			daqs_diags_add(l->d, l->file, k->line, k->col,
				       "duplicate key '%s' (first defined at line %u)", k->str,
				       map->keys[first[i]]->line);
			l->soft = true;
			continue;
		}
		map->keys[kept] = map->keys[i];
		map->items[kept++] = map->items[i];
	}
	map->n = kept;
	free(first);
}

static void on_end(struct loader *l)
{
	struct frame f = l->stack[--l->depth];

	if (f.node->kind == DAQS_YNODE_MAP)
		map_drop_duplicates(l, f.node);
	if (f.anchor) {
		anchors_set(&l->anchors, f.anchor, f.node, f.expanded);
		free(f.anchor);
	}
	add_node(l, f.node, f.expanded, &f.start);
}

/* Reader errors carry a byte offset, not a mark: find its line and column. */
static void offset_to_mark(const char *buf, size_t len, size_t off, unsigned *line, unsigned *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			++*line;
			*col = 1;
		} else if (((unsigned char)buf[i] & 0xc0) != 0x80) {
			++*col;
		}
	}
}

static void report_syntax(struct loader *l, const yaml_parser_t *p)
{
	unsigned line, col;

	switch (p->error) {
	case YAML_READER_ERROR:
		offset_to_mark(l->buf, l->len, p->problem_offset, &line, &col);
		if (p->problem_value >= 0)
			daqs_diags_add(l->d, l->file, line, col, "YAML syntax error: %s (0x%02X)",
				       p->problem, (unsigned)p->problem_value);
		else
			daqs_diags_add(l->d, l->file, line, col, "YAML syntax error: %s",
				       p->problem);
		break;
	case YAML_SCANNER_ERROR:
	case YAML_PARSER_ERROR:
		line = (unsigned)p->problem_mark.line + 1;
		col = (unsigned)p->problem_mark.column + 1;
		if (p->context)
			daqs_diags_add(l->d, l->file, line, col,
				       "YAML syntax error: %s (%s at %zu:%zu)", p->problem,
				       p->context, p->context_mark.line + 1,
				       p->context_mark.column + 1);
		else
			daqs_diags_add(l->d, l->file, line, col, "YAML syntax error: %s",
				       p->problem);
		break;
	case YAML_MEMORY_ERROR:
		fprintf(stderr, "daqs: out of memory in libyaml\n");
		abort();
	case YAML_NO_ERROR:
	case YAML_COMPOSER_ERROR:
	case YAML_WRITER_ERROR:
	case YAML_EMITTER_ERROR:
		daqs_diags_add(l->d, l->file, 0, 0, "YAML error: %s",
			       p->problem ? p->problem : "unknown");
		break;
	}
	l->fatal = true;
}

/* Returns false once the stream has ended. */
static bool on_event(struct loader *l, const yaml_event_t *e)
{
	switch (e->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++l->n_docs > 1)
			loader_fatal(
				l, (unsigned)e->start_mark.line + 1,
				(unsigned)e->start_mark.column + 1,
				"more than one YAML document in the file (only one is allowed)");
		break;
	case YAML_SCALAR_EVENT:
		on_scalar(l, e);
		break;
	case YAML_ALIAS_EVENT:
		on_alias(l, e);
		break;
	case YAML_SEQUENCE_START_EVENT:
		on_start(l, e, DAQS_YNODE_SEQ, e->data.sequence_start.anchor);
		break;
	case YAML_MAPPING_START_EVENT:
		on_start(l, e, DAQS_YNODE_MAP, e->data.mapping_start.anchor);
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		on_end(l);
		break;
	case YAML_STREAM_END_EVENT:
		if (l->n_docs == 0)
			loader_fatal(l, 1, 1, "the file is empty (no YAML document)");
		return false;
	case YAML_NO_EVENT:
	case YAML_STREAM_START_EVENT:
	case YAML_DOCUMENT_END_EVENT:
		break;
	}
	return true;
}

static void run_parser(struct loader *l)
{
	yaml_parser_t p;
	yaml_event_t e;
	bool more = true;

	if (!yaml_parser_initialize(&p)) {
		fprintf(stderr, "daqs: out of memory in libyaml\n");
		abort();
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)l->buf, l->len);
	while (more && !l->fatal) {
		if (!yaml_parser_parse(&p, &e)) {
			report_syntax(l, &p);
			break;
		}
		more = on_event(l, &e);
		yaml_event_delete(&e);
	}
	yaml_parser_delete(&p);
	while (l->depth)
		free(l->stack[--l->depth].anchor);
	anchors_free(&l->anchors);
}

void daqs_ytree_free(struct daqs_ytree *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_all; i++) {
		free(t->all[i]->str);
		free(t->all[i]->items);
		free(t->all[i]->keys);
		free(t->all[i]);
	}
	free(t->all);
	free(t->file);
	free(t);
}

static int parse(struct loader *l, bool partial, struct daqs_ytree **out)
{
	if (l->len > DAQS_YTREE_MAX_BYTES) {
		daqs_diags_add(l->d, l->file, 0, 0,
			       "file is too large (%zu bytes; the limit is %d)", l->len,
			       DAQS_YTREE_MAX_BYTES);
		return -EINVAL;
	}
	l->t = daqs_calloc(1, sizeof(*l->t));
	l->t->file = daqs_strdup(l->file);
	run_parser(l);
	if (!l->fatal && !l->hard && l->t->root && (!l->soft || partial))
		*out = l->t;
	else
		daqs_ytree_free(l->t);
	return l->fatal || l->hard || l->soft ? -EINVAL : 0;
}

/* d may be NULL: the verdict is the same, the messages are dropped. */
static int load(const char *name, const char *buf, size_t len, bool partial,
		struct daqs_ytree **out, struct daqs_diags *d)
{
	struct daqs_diags local;
	struct loader l = { .file = name ? name : "<input>",
			    .buf = buf ? buf : "",
			    .len = len,
			    .d = d ? d : &local };
	int r;

	*out = NULL;
	daqs_diags_init(&local);
	r = parse(&l, partial, out);
	daqs_diags_free(&local);
	return r;
}

int daqs_ytree_load_buffer(const char *name, const char *buf, size_t len, struct daqs_ytree **out,
			   struct daqs_diags *d)
{
	return load(name, buf, len, false, out, d);
}

int daqs_ytree_load_buffer_partial(const char *name, const char *buf, size_t len,
				   struct daqs_ytree **out, struct daqs_diags *d)
{
	return load(name, buf, len, true, out, d);
}

/* Read at most DAQS_YTREE_MAX_BYTES + 1 bytes (enough to tell "too large"). */
static int read_fd(int fd, char **buf, size_t *len)
{
	size_t cap = DAQS_YTREE_MAX_BYTES + 1, n = 0;
	char *b = daqs_malloc(cap);
	ssize_t r;

	while (n < cap) {
		r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = -errno;
			free(b);
			return (int)r;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*buf = b;
	*len = n;
	return 0;
}

static int read_path(const char *path, char **buf, size_t *len, struct daqs_diags *d)
{
	struct stat st;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		daqs_diags_add(d, path, 0, 0, "cannot open the file: %s", strerror(-r));
		return r;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
		r = -EISDIR;
	else
		r = read_fd(fd, buf, len);
	close(fd);
	if (r < 0)
		daqs_diags_add(d, path, 0, 0, "cannot read the file: %s", strerror(-r));
	return r;
}

static int load_file(const char *path, bool partial, struct daqs_ytree **out, struct daqs_diags *d)
{
	struct daqs_diags local;
	char *buf = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	daqs_diags_init(&local);
	r = read_path(path, &buf, &len, d ? d : &local);
	if (r == 0 && len > DAQS_YTREE_MAX_BYTES) {
		daqs_diags_add(d ? d : &local, path, 0, 0, "file is too large (more than %d bytes)",
			       DAQS_YTREE_MAX_BYTES);
		r = -EINVAL;
	} else if (r == 0) {
		r = load(path, buf, len, partial, out, d);
	}
	free(buf);
	daqs_diags_free(&local);
	return r;
}

int daqs_ytree_load_file(const char *path, struct daqs_ytree **out, struct daqs_diags *d)
{
	return load_file(path, false, out, d);
}

int daqs_ytree_load_file_partial(const char *path, struct daqs_ytree **out, struct daqs_diags *d)
{
	return load_file(path, true, out, d);
}

/* ---- accessors and schema helpers ---- */

const char *daqs_ynode_kind_name(enum daqs_ynode_kind k)
{
	switch (k) {
	case DAQS_YNODE_SCALAR:
		return "scalar";
	case DAQS_YNODE_SEQ:
		return "list";
	case DAQS_YNODE_MAP:
		return "mapping";
	}
	return "?";
}

const struct daqs_ynode *daqs_ymap_get(const struct daqs_ynode *map, const char *key)
{
	if (!map || map->kind != DAQS_YNODE_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->keys[i]->str, key) == 0)
			return map->items[i];
	return NULL;
}

int daqs_ynode_error(const struct daqs_ynode *n, const char *file, const char *what,
		     struct daqs_diags *d, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (what && *what)
		daqs_diags_add(d, file, n->line, n->col, "field '%s': %s", what, msg);
	else
		daqs_diags_add(d, file, n->line, n->col, "top level: %s", msg);
	return -EINVAL;
}

static const char *kind_phrase(const struct daqs_ynode *n)
{
	if (n->kind == DAQS_YNODE_SCALAR && !n->quoted && !*n->str)
		return "an empty value";
	switch (n->kind) {
	case DAQS_YNODE_SCALAR:
		return "a scalar";
	case DAQS_YNODE_SEQ:
		return "a list";
	case DAQS_YNODE_MAP:
		return "a mapping";
	}
	return "?";
}

int daqs_ynode_expect(const struct daqs_ynode *n, enum daqs_ynode_kind k, const char *file,
		      const char *what, struct daqs_diags *d)
{
	if (n->kind == k)
		return 0;
	return daqs_ynode_error(n, file, what, d, "expected a %s, got %s", daqs_ynode_kind_name(k),
				kind_phrase(n));
}

int daqs_ymap_check_keys(const struct daqs_ynode *map, const char *const *allowed, const char *file,
			 const char *what, struct daqs_diags *d)
{
	char valid[256] = "";
	size_t used = 0;
	int r = 0;

	if (daqs_ynode_expect(map, DAQS_YNODE_MAP, file, what, d) < 0)
		return -EINVAL;
	for (size_t i = 0; allowed[i] && used < sizeof(valid); i++)
		used += (size_t)snprintf(valid + used, sizeof(valid) - used, "%s%s", i ? ", " : "",
					 allowed[i]);
	for (size_t i = 0; i < map->n; i++) {
		size_t j = 0;

		while (allowed[j] && strcmp(allowed[j], map->keys[i]->str) != 0)
			j++;
		if (!allowed[j])
			r = daqs_ynode_error(map->keys[i], file, what, d,
					     "unknown key '%s' (valid keys: %s)", map->keys[i]->str,
					     valid);
	}
	return r;
}

int daqs_ynode_get_str(const struct daqs_ynode *n, const char *file, const char *what,
		       struct daqs_diags *d, const char **out)
{
	if (daqs_ynode_expect(n, DAQS_YNODE_SCALAR, file, what, d) < 0)
		return -EINVAL;
	*out = n->str;
	return 0;
}

int daqs_ynode_get_rate(const struct daqs_ynode *n, const char *file, const char *what,
			struct daqs_diags *d, uint64_t *bps)
{
	char why[256];

	if (daqs_ynode_expect(n, DAQS_YNODE_SCALAR, file, what, d) < 0)
		return -EINVAL;
	if (daqs_units_parse_rate(n->str, bps, why, sizeof(why)) < 0)
		return daqs_ynode_error(n, file, what, d, "%s", why);
	return 0;
}

int daqs_ynode_get_duration(const struct daqs_ynode *n, const char *file, const char *what,
			    struct daqs_diags *d, uint64_t *ns)
{
	char why[256];

	if (daqs_ynode_expect(n, DAQS_YNODE_SCALAR, file, what, d) < 0)
		return -EINVAL;
	if (daqs_units_parse_duration(n->str, ns, why, sizeof(why)) < 0)
		return daqs_ynode_error(n, file, what, d, "%s", why);
	return 0;
}

int daqs_ynode_get_ppm(const struct daqs_ynode *n, const char *file, const char *what,
		       struct daqs_diags *d, uint32_t *ppm)
{
	char why[256];

	if (daqs_ynode_expect(n, DAQS_YNODE_SCALAR, file, what, d) < 0)
		return -EINVAL;
	if (daqs_units_parse_ppm(n->str, ppm, why, sizeof(why)) < 0)
		return daqs_ynode_error(n, file, what, d, "%s", why);
	return 0;
}

int daqs_ynode_get_uint(const struct daqs_ynode *n, const char *file, const char *what,
			struct daqs_diags *d, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *s;
	unsigned long long v;
	char *end;

	if (daqs_ynode_expect(n, DAQS_YNODE_SCALAR, file, what, d) < 0)
		return -EINVAL;
	s = n->str;
	if (s[0] < '0' || s[0] > '9' || strspn(s, "0123456789") != strlen(s))
		return daqs_ynode_error(n, file, what, d, "'%s' is not a whole number", s);
	if (s[0] == '0' && s[1])
		return daqs_ynode_error(n, file, what, d, "'%s' has a leading zero", s);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE || v < min || v > max)
		return daqs_ynode_error(n, file, what, d, "'%s' is out of range (%llu..%llu)", s,
					(unsigned long long)min, (unsigned long long)max);
	*out = v;
	return 0;
}

/* [-]digits[.digits] */
static bool is_plain_decimal(const char *s)
{
	size_t i = *s == '-' ? 1 : 0, digits = strspn(s + i, "0123456789");

	if (!digits)
		return false;
	i += digits;
	if (s[i] == '.') {
		digits = strspn(s + i + 1, "0123456789");
		if (!digits)
			return false;
		i += 1 + digits;
	}
	return s[i] == '\0';
}

int daqs_ynode_get_double(const struct daqs_ynode *n, const char *file, const char *what,
			  struct daqs_diags *d, double min, double max, double *out)
{
	double v;

	if (daqs_ynode_expect(n, DAQS_YNODE_SCALAR, file, what, d) < 0)
		return -EINVAL;
	if (!is_plain_decimal(n->str))
		return daqs_ynode_error(n, file, what, d, "'%s' is not a plain decimal number",
					n->str);
	v = strtod(n->str, NULL);
	if (!(v >= min && v <= max))
		return daqs_ynode_error(n, file, what, d, "'%s' is out of range (%g..%g)", n->str,
					min, max);
	*out = v;
	return 0;
}

int daqs_ynode_get_enum(const struct daqs_ynode *n, const char *file, const char *what,
			struct daqs_diags *d, const char *const *choices, unsigned *idx)
{
	char valid[256] = "";
	size_t used = 0;

	if (daqs_ynode_expect(n, DAQS_YNODE_SCALAR, file, what, d) < 0)
		return -EINVAL;
	for (unsigned i = 0; choices[i]; i++) {
		if (strcmp(choices[i], n->str) == 0) {
			*idx = i;
			return 0;
		}
		if (used < sizeof(valid))
			used += (size_t)snprintf(valid + used, sizeof(valid) - used, "%s%s",
						 i ? ", " : "", choices[i]);
	}
	return daqs_ynode_error(n, file, what, d, "unknown value '%s' (expected one of: %s)",
				n->str, valid);
}
