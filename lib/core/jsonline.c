/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "jsonline.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "mem.h"

struct daqs_jsonline {
	json_tokener *tok;
	size_t max_len;
	int max_depth;
};

/* Where the string starting after s[i] (the opening quote) ends: the index past its quote. */
static size_t string_end(const char *s, size_t i, size_t len)
{
	for (; i < len; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return len;
}

static bool over(size_t n, size_t max)
{
	return max && n > max;
}

int daqs_jsonline_prescan(const char *s, size_t len, const struct daqs_jsonline_bound *b,
			  const char **what, size_t *count)
{
	size_t containers = 0, items = 0;

	*what = "bytes";
	*count = len;
	if (over(len, b->max_len))
		return -EMSGSIZE;
	for (size_t i = 0; i < len;) {
		char c = s[i++];

		if (c == '"')
			i = string_end(s, i, len);
		else if (c == '{' || c == '[')
			containers++;
		else if (c == ',')
			items++;
		if (over(containers, b->max_containers) || over(items, b->max_items)) {
			*what = over(items, b->max_items) ? "items" : "containers";
			*count = over(items, b->max_items) ? items : containers;
			return -E2BIG;
		}
	}
	return 0;
}

struct daqs_jsonline *daqs_jsonline_new(size_t max_len, int max_depth)
{
	json_tokener *tok = json_tokener_new_ex(max_depth);
	struct daqs_jsonline *r;

	if (!tok)
		return NULL;
	r = daqs_calloc(1, sizeof(*r));
	r->tok = tok;
	r->max_len = max_len < INT_MAX ? max_len : INT_MAX;
	r->max_depth = max_depth;
	return r;
}

void daqs_jsonline_free(struct daqs_jsonline *r)
{
	if (!r)
		return;
	json_tokener_free(r->tok);
	free(r);
}

static bool only_space(const char *s, size_t from, size_t len)
{
	for (size_t i = from; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return false;
	return true;
}

json_object *daqs_jsonline_parse(struct daqs_jsonline *r, const char *s, size_t len)
{
	json_object *o;

	if (!s || len > r->max_len || memchr(s, '\0', len))
		return NULL;
	json_tokener_reset(r->tok);
	json_tokener_set_flags(r->tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(r->tok, s, (int)len);
	if (o && (json_tokener_get_error(r->tok) != json_tokener_success ||
		  !only_space(s, json_tokener_get_parse_end(r->tok), len))) {
		json_object_put(o);
		o = NULL;
	}
	if (len > DAQS_JSONLINE_KEEP) { /* let the grown string buffer go */
		json_tokener *fresh = json_tokener_new_ex(r->max_depth);

		if (fresh) {
			json_tokener_free(r->tok);
			r->tok = fresh;
		}
	}
	return o;
}

json_object *daqs_jsonline_parse_once(const char *s, size_t len, size_t max_len, int max_depth)
{
	struct daqs_jsonline *r = daqs_jsonline_new(max_len, max_depth);
	json_object *o = r ? daqs_jsonline_parse(r, s, len) : NULL;

	daqs_jsonline_free(r);
	return o;
}

json_object *daqs_jsonline_object_once(const char *s, size_t len, size_t max_len, int max_depth)
{
	json_object *o = daqs_jsonline_parse_once(s, len, max_len, max_depth);

	if (o && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	return o;
}
