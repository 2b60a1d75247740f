/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daqsd's persistent state file (see state.h). */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"
#include "diag.h"
#include "mem.h"
#include "state.h"

#define STATE_FILE "state.json"
#define STATE_MAX (16u << 20)

int daqs_state_dir_check(const char *dir, char *why, size_t why_len)
{
	struct stat st;

	if (stat(dir, &st) < 0)
		return daqs_why(why, why_len, -errno, "cannot stat '%s' (%s)", dir,
				strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return daqs_why(why, why_len, -ENOTDIR, "'%s' is not a directory", dir);
	if ((st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return daqs_why(why, why_len, -EPERM,
				"'%s' is owned by uid %u, mode %04o: it must be owned by root (or "
				"daqsd's user) and not writable by group or others",
				dir, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	return 0;
}

/* ---- save ---- */

static json_object *limit_json(uint64_t bps)
{
	return bps == DAQS_RATE_UNLIMITED ? NULL : json_object_new_uint64(bps);
}

static json_object *override_json(const struct daqs_override *o)
{
	json_object *j = json_object_new_object();

	json_object_object_add(j, "vm", json_object_new_string(o->vm));
	if (o->has_class)
		json_object_object_add(j, "class", json_object_new_string(daqs_class_name(o->cls)));
	if (o->has_min)
		json_object_object_add(j, "min_bps", json_object_new_uint64(o->min_bps));
	if (o->has_max)
		json_object_object_add(j, "max_bps", limit_json(o->max_bps));
	if (o->has_weight)
		json_object_object_add(j, "weight", json_object_new_uint64(o->weight));
	json_object_object_add(j, "expires", json_object_new_int64(o->expires));
	return j;
}

static json_object *state_json(const struct daqs_state *st)
{
	json_object *root = json_object_new_object(), *a = json_object_new_array();

	json_object_object_add(root, "version", json_object_new_int(1));
	for (size_t i = 0; i < st->n_ovr; i++)
		json_object_array_add(a, override_json(&st->ovr[i]));
	json_object_object_add(root, "overrides", a);
	a = json_object_new_array();
	for (size_t i = 0; i < st->n_app; i++) {
		json_object *j = json_object_new_object();

		json_object_object_add(j, "vm", json_object_new_string(st->app[i].vm));
		json_object_object_add(j, "iface", json_object_new_string(st->app[i].iface));
		json_object_object_add(j, "limit_bps", limit_json(st->app[i].limit_bps));
		json_object_array_add(a, j);
	}
	json_object_object_add(root, "applied", a);
	return root;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

int daqs_state_save(const char *dir, const struct daqs_state *st, char *why, size_t why_len)
{
	char *tmp = daqs_asprintf("%s/%s.tmp", dir, STATE_FILE);
	char *dst = daqs_asprintf("%s/%s", dir, STATE_FILE);
	json_object *j = state_json(st);
	const char *text = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY);
	int fd, r;

	/* A stale one (a crash between create and rename) goes first; a new one is
	 * made, never one already there followed, whatever it is (a symlink). */
	if (unlink(tmp) < 0 && errno != ENOENT) {
		r = daqs_why(why, why_len, -errno, "cannot remove '%s' (%s)", tmp, strerror(errno));
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0 && fchmod(fd, 0600) < 0) { /* whatever the umask */
		r = daqs_why(why, why_len, -errno, "cannot chmod '%s' (%s)", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	if (fd < 0) {
		r = daqs_why(why, why_len, -errno, "cannot create '%s' (%s)", tmp, strerror(errno));
		goto out;
	}
	r = write_all(fd, text, strlen(text));
	if (!r)
		r = write_all(fd, "\n", 1);
	if (!r && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && rename(tmp, dst) < 0)
		r = -errno;
	if (!r)
		r = fsync_dir(dir);
	if (r) {
		daqs_why(why, why_len, r, "cannot write '%s' (%s)", dst, strerror(-r));
		unlink(tmp);
	}
out:
	json_object_put(j);
	free(tmp);
	free(dst);
	return r;
}

/* ---- load ---- */

static int get_str(json_object *o, const char *key, char *out, size_t size, bool required,
		   char *why, size_t why_len)
{
	json_object *v;
	const char *s;

	if (!json_object_object_get_ex(o, key, &v))
		return required ? daqs_why(why, why_len, -EINVAL, "missing \"%s\"", key) : 0;
	if (!json_object_is_type(v, json_type_string))
		return daqs_why(why, why_len, -EINVAL, "\"%s\" is not a string", key);
	s = json_object_get_string(v);
	if (!*s || strlen(s) >= size)
		return daqs_why(why, why_len, -EINVAL, "\"%s\" is empty or longer than %zu bytes",
				key, size - 1);
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20)
			return daqs_why(why, why_len, -EINVAL, "\"%s\" has a control character",
					key);
	strcpy(out, s);
	return 0;
}

/* A non-negative integer, or null (= unlimited) when allow_null. */
static int get_u64(json_object *o, const char *key, uint64_t *out, bool *has, bool allow_null,
		   char *why, size_t why_len)
{
	json_object *v;

	*has = false;
	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	*has = true;
	if (!v && allow_null) {
		*out = DAQS_RATE_UNLIMITED;
		return 0;
	}
	if (!json_object_is_type(v, json_type_int) ||
	    (json_object_get_int64(v) < 0 && json_object_get_uint64(v) == 0))
		return daqs_why(why, why_len, -EINVAL, "\"%s\" is not a whole number >= 0", key);
	*out = json_object_get_uint64(v);
	return 0;
}

/* The checks a live override request gets (daqs_ctl_request_check). */
static int check_override(const struct daqs_override *ov, char *why, size_t len)
{
	struct daqs_ctl_request rq = { .cmd = DAQS_CTL_OVERRIDE,
				       .has_class = ov->has_class,
				       .has_min = ov->has_min,
				       .has_max = ov->has_max,
				       .has_weight = ov->has_weight,
				       .cls = ov->cls,
				       .min_bps = ov->min_bps,
				       .max_bps = ov->max_bps,
				       .weight = ov->weight };
	char sub[160];

	memcpy(rq.vm, ov->vm, sizeof(rq.vm));
	if (daqs_ctl_request_check(&rq, sub, sizeof(sub)) < 0)
		return daqs_why(why, len, -EINVAL, "VM '%s': %s", ov->vm, sub);
	return 0;
}

static int load_override(json_object *o, struct daqs_override *ov, char *why, size_t len)
{
	json_object *v;
	uint64_t u = 0;
	bool has;
	int r;

	memset(ov, 0, sizeof(*ov));
	if (!json_object_is_type(o, json_type_object))
		return daqs_why(why, len, -EINVAL, "an override is not an object");
	r = get_str(o, "vm", ov->vm, sizeof(ov->vm), true, why, len);
	if (!r && json_object_object_get_ex(o, "class", &v)) {
		const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v)
									 : "";

		ov->has_class = true;
		if (!strcmp(s, "guarantee"))
			ov->cls = DAQS_CLASS_GUARANTEE;
		else if (!strcmp(s, "best-effort"))
			ov->cls = DAQS_CLASS_BEST_EFFORT;
		else
			r = daqs_why(why, len, -EINVAL,
				     "\"class\" is not guarantee or best-effort");
	}
	if (!r)
		r = get_u64(o, "min_bps", &ov->min_bps, &ov->has_min, false, why, len);
	if (!r)
		r = get_u64(o, "max_bps", &ov->max_bps, &ov->has_max, true, why, len);
	if (!r)
		r = get_u64(o, "weight", &u, &ov->has_weight, false, why, len);
	if (!r && ov->has_weight && (u < 1 || u > DAQS_WEIGHT_MAX))
		r = daqs_why(why, len, -EINVAL, "\"weight\" is not 1..%d", DAQS_WEIGHT_MAX);
	ov->weight = (uint32_t)u;
	if (!r)
		r = get_u64(o, "expires", &u, &has, false, why, len);
	ov->expires = (int64_t)u;
	if (!r && (!has || u > INT64_MAX))
		r = daqs_why(why, len, -EINVAL, "missing or bad \"expires\"");
	return r ? r : check_override(ov, why, len);
}

static int load_applied(json_object *o, struct daqs_state_applied *a, char *why, size_t len)
{
	bool has;
	int r;

	memset(a, 0, sizeof(*a));
	if (!json_object_is_type(o, json_type_object))
		return daqs_why(why, len, -EINVAL, "an applied entry is not an object");
	r = get_str(o, "vm", a->vm, sizeof(a->vm), true, why, len);
	if (!r)
		r = get_str(o, "iface", a->iface, sizeof(a->iface), true, why, len);
	if (!r)
		r = get_u64(o, "limit_bps", &a->limit_bps, &has, true, why, len);
	if (!r && !has)
		r = daqs_why(why, len, -EINVAL, "missing \"limit_bps\"");
	return r;
}

static int load_array(json_object *root, const char *key, void **v, size_t *n, size_t elem,
		      int (*one)(json_object *, void *, char *, size_t), char *why, size_t len)
{
	json_object *a;
	size_t cnt;
	int r;

	if (!json_object_object_get_ex(root, key, &a) || !json_object_is_type(a, json_type_array))
		return daqs_why(why, len, -EINVAL, "missing array \"%s\"", key);
	cnt = json_object_array_length(a);
	*v = daqs_calloc(cnt ? cnt : 1, elem);
	for (size_t i = 0; i < cnt; i++) {
		char sub[200];

		r = one(json_object_array_get_idx(a, i), (char *)*v + i * elem, sub, sizeof(sub));
		if (r)
			return daqs_why(why, len, r, "%s[%zu]: %s", key, i, sub);
		(*n)++;
	}
	return 0;
}

static int one_override(json_object *o, void *p, char *why, size_t len)
{
	return load_override(o, p, why, len);
}

static int one_applied(json_object *o, void *p, char *why, size_t len)
{
	return load_applied(o, p, why, len);
}

static int read_file(const char *path, char **buf, char *why, size_t why_len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return errno == ENOENT ? -ENOENT
				       : daqs_why(why, why_len, -errno, "cannot open '%s' (%s)",
						  path, strerror(errno));
	*buf = daqs_malloc(STATE_MAX + 1);
	n = fread(*buf, 1, STATE_MAX + 1, f);
	if (ferror(f) || n > STATE_MAX) {
		fclose(f);
		return daqs_why(why, why_len, -EIO, "cannot read '%s' (%s)", path,
				n > STATE_MAX ? "larger than 16 MiB" : "read error");
	}
	fclose(f);
	(*buf)[n] = 0;
	return 0;
}

int daqs_state_load(const char *dir, struct daqs_state *st, char *why, size_t why_len)
{
	char *path = daqs_asprintf("%s/%s", dir, STATE_FILE), *buf = NULL, sub[256];
	json_tokener *tok = json_tokener_new();
	json_object *root = NULL, *v;
	int r;

	memset(st, 0, sizeof(*st));
	r = read_file(path, &buf, why, why_len);
	if (r)
		goto out;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, buf, (int)strlen(buf));
	if (!root || !json_object_is_type(root, json_type_object)) {
		r = daqs_why(why, why_len, -EINVAL, "%s: not a JSON object", path);
		goto out;
	}
	if (!json_object_object_get_ex(root, "version", &v) || json_object_get_int(v) != 1) {
		r = daqs_why(why, why_len, -EINVAL, "%s: \"version\" is not 1", path);
		goto out;
	}
	r = load_array(root, "overrides", (void **)&st->ovr, &st->n_ovr, sizeof(*st->ovr),
		       one_override, sub, sizeof(sub));
	if (!r)
		r = load_array(root, "applied", (void **)&st->app, &st->n_app, sizeof(*st->app),
			       one_applied, sub, sizeof(sub));
	if (r)
		daqs_why(why, why_len, r, "%s: %s", path, sub);
out:
	if (r)
		daqs_state_clear(st);
	json_object_put(root);
	json_tokener_free(tok);
	free(buf);
	free(path);
	return r;
}

void daqs_state_clear(struct daqs_state *st)
{
	free(st->ovr);
	free(st->app);
	memset(st, 0, sizeof(*st));
}
