/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "tcpqueue.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

/* The number after "key:" in line[0..len), or NAN. */
static double field(const char *line, size_t len, const char *key)
{
	size_t k = strlen(key);

	for (size_t i = 0; i + k < len; i++) {
		char buf[32], *end;
		size_t n = 0;
		double v;

		if ((i && line[i - 1] != ' ' && line[i - 1] != '\t') || memcmp(line + i, key, k) ||
		    line[i + k] != ':')
			continue;
		for (i += k + 1; i < len && n < sizeof(buf) - 1 &&
				 (line[i] == '.' || (line[i] >= '0' && line[i] <= '9'));
		     i++)
			buf[n++] = line[i];
		buf[n] = '\0';
		if (!n || (i < len && !strchr(" \t/,)", line[i])))
			return NAN; /* not a plain decimal number (ss prints no other) */
		v = strtod(buf, &end);
		return *end == '\0' && isfinite(v) ? v : NAN;
	}
	return NAN;
}

/* One socket's detail line: counted when it sent lately and has both rtts. */
static void flow(const char *line, size_t len, uint32_t recent_ms, struct daqs_tcpqueue *out)
{
	double rtt = field(line, len, "rtt"), min = field(line, len, "minrtt");
	double last = field(line, len, "lastsnd");

	if (isnan(last) && !memmem(line, len, "lastsnd:", 8))
		last = 0; /* ss leaves out a 0 ms lastsnd: it is sending right now */
	if (isnan(rtt) || isnan(min) || isnan(last) || last > recent_ms)
		return;
	out->flows++;
	out->delay_ms = fmax(out->delay_ms, fmax(rtt - min, 0));
}

int daqs_tcpqueue_parse(const char *text, size_t len, uint32_t recent_ms, struct daqs_tcpqueue *out)
{
	unsigned sockets = 0;
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	if (len > DAQS_TCPQUEUE_MAX_TEXT || memchr(text, '\0', len))
		return -EPROTO;
	while (i < len) {
		const char *line = text + i, *nl = memchr(line, '\n', len - i);
		size_t n = nl ? (size_t)(nl - line) : len - i;

		i += n + 1;
		if (n && (line[0] == ' ' || line[0] == '\t'))
			flow(line, n, recent_ms, out);
		else if (n && ++sockets > DAQS_TCPQUEUE_MAX_FLOWS)
			break;
	}
	if (sockets > DAQS_TCPQUEUE_MAX_FLOWS) {
		memset(out, 0, sizeof(*out));
		return -EPROTO;
	}
	return 0;
}

static bool is(json_object *o, const char *key, json_type t, json_object **v)
{
	return json_object_object_get_ex(o, key, v) && json_object_is_type(*v, t);
}

int daqs_tcpqueue_parse_backlog(const char *text, size_t len, uint64_t *backlog, bool *found)
{
	json_tokener *tok = json_tokener_new();
	json_object *a, *q, *v;
	int r = 0;

	*backlog = 0;
	*found = false;
	if (!tok)
		abort(); /* out of memory: house rule 10 */
	a = len <= DAQS_TCPQUEUE_MAX_TEXT && !memchr(text, '\0', len)
		    ? json_tokener_parse_ex(tok, text, (int)len)
		    : NULL;
	if (!a || json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(a, json_type_array))
		r = -EPROTO;
	for (size_t i = 0; r == 0 && i < json_object_array_length(a); i++) {
		q = json_object_array_get_idx(a, i);
		if (!json_object_is_type(q, json_type_object))
			r = -EPROTO;
		else if (is(q, "root", json_type_boolean, &v) && json_object_get_boolean(v) &&
			 is(q, "kind", json_type_string, &v) &&
			 !strcmp(json_object_get_string(v), "htb"))
			r = is(q, "backlog", json_type_int, &v) && json_object_get_int64(v) >= 0
				    ? (*backlog = (uint64_t)json_object_get_int64(v), *found = true,
				       0)
				    : -EPROTO;
	}
	if (r) {
		*backlog = 0;
		*found = false;
	}
	json_object_put(a);
	json_tokener_free(tok);
	return r;
}
