/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "fake_transport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <json-c/json.h>

#include "jsonline.h"
#include "mem.h"
#include "qga.h"
#include "unit.h"

struct fake_transport {
	struct daqs_agent_transport base;
	const struct fake_step *steps;
	size_t n, next; /* next: index of the first step not yet used */
	bool in_repeat; /* steps[next - 1] is a repeat step already matched */
	char **requests;
	size_t nreq, capreq;
	bool freed;
};

/* A recorded reply: tests/data/NAME.json, one line; returned without its newline. */
static char *recorded(const char *name)
{
	char *path = daqs_asprintf("%s/tests/data/%s.json", daqs_test_srcdir(), name);
	FILE *f = fopen(path, "rb");
	char *buf = daqs_malloc(65536);
	size_t n;

	ck_assert_msg(f, "cannot open %s", path);
	n = fread(buf, 1, 65535, f);
	fclose(f);
	free(path);
	ck_assert_msg(n > 1 && buf[n - 1] == '\n', "%s: not one line", name);
	buf[n - 1] = '\0';
	return buf;
}

static bool step_matches(const struct fake_step *s, const char *request)
{
	json_object *o = daqs_jsonline_parse_once(request, strlen(request), DAQS_QGA_MAX_REPLY,
						  DAQS_QGA_MAX_DEPTH),
		    *ex;
	bool ok = o && json_object_object_get_ex(o, "execute", &ex) &&
		  !strcmp(json_object_get_string(ex), s->execute);

	json_object_put(o);
	return ok && (!s->contains || strstr(request, s->contains));
}

/* The step answering request, advancing the script. */
static const struct fake_step *step_for(struct fake_transport *f, const char *request)
{
	if (f->in_repeat && step_matches(&f->steps[f->next - 1], request) &&
	    !(f->next < f->n && step_matches(&f->steps[f->next], request)))
		return &f->steps[f->next - 1];
	ck_assert_msg(f->next < f->n, "unexpected request after the script ended: %s", request);
	ck_assert_msg(step_matches(&f->steps[f->next], request),
		      "request %zu does not match step %zu (%s%s%s): %s", f->nreq, f->next,
		      f->steps[f->next].execute, f->steps[f->next].contains ? " containing " : "",
		      f->steps[f->next].contains ? f->steps[f->next].contains : "", request);
	f->in_repeat = f->steps[f->next].repeat;
	return &f->steps[f->next++];
}

static int fake_call(void *t, const char *request, json_object **reply, uint64_t deadline_ns)
{
	struct fake_transport *f = t;
	const struct fake_step *s;
	char *line;

	*reply = NULL;
	ck_assert_msg(!f->freed, "call after free");
	daqs_grow((void **)&f->requests, &f->capreq, f->nreq + 1, sizeof(char *));
	f->requests[f->nreq++] = daqs_strdup(request);
	s = step_for(f, request);
	if (!s->reply)
		return s->rc;
	line = s->reply[0] == '@' ? recorded(s->reply + 1) : daqs_strdup(s->reply);
	*reply = daqs_jsonline_object_once(line, strlen(line), DAQS_QGA_MAX_REPLY,
					   DAQS_QGA_MAX_DEPTH);
	free(line);
	if (!*reply)
		return -EPROTO; /* as a real transport: a line that is no JSON object */
	return json_object_object_get_ex(*reply, "error", NULL) ? -EREMOTEIO : 0;
}

static void fake_free(void *t)
{
	struct fake_transport *f = t;

	f->freed = true;
}

static const struct daqs_agent_transport_ops fake_ops = {
	.name = "fake",
	.call = fake_call,
	.free = fake_free,
};

struct fake_transport *fake_transport_new(const struct fake_step *steps, size_t n)
{
	struct fake_transport *f = daqs_calloc(1, sizeof(*f));

	f->base.ops = &fake_ops;
	f->base.t = f;
	f->steps = steps;
	f->n = n;
	return f;
}

struct daqs_agent_transport *fake_transport_get(struct fake_transport *f)
{
	return &f->base;
}

void fake_transport_destroy(struct fake_transport *f)
{
	for (size_t i = 0; i < f->nreq; i++)
		free(f->requests[i]);
	free(f->requests);
	free(f);
}

bool fake_transport_done(const struct fake_transport *f)
{
	return f->next == f->n;
}

bool fake_transport_freed(const struct fake_transport *f)
{
	return f->freed;
}

size_t fake_transport_nrequests(const struct fake_transport *f)
{
	return f->nreq;
}

const char *fake_transport_request(const struct fake_transport *f, size_t i)
{
	return i < f->nreq ? f->requests[i] : NULL;
}

bool fake_transport_saw(const struct fake_transport *f, const char *s)
{
	for (size_t i = 0; i < f->nreq; i++)
		if (strstr(f->requests[i], s))
			return true;
	return false;
}
