/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Driver for tests/integration/agent-socket.sh: one raw-socket transport,
 * one or more calls on it.
 *
 *   agent-tool SOCKET JSON-REQUEST [TIMEOUT_MS]
 *	prints the reply (as compact JSON: the transport parsed it) and exits 0; on failure prints the error to
 *	stderr (and an error reply, if any, to stdout) and exits 1.
 *   agent-tool --repeat N [--interval MS] SOCKET JSON-REQUEST [TIMEOUT_MS]
 *	N calls on the same transport (so reconnect and resync are exercised),
 *	MS apart; one line per call on stdout: "I ok|ERRNAME ELAPSED_MS REPLY";
 *	exits 0 only if every call succeeded.
 * Transport log lines go to stderr prefixed "agent-tool: ".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "agent.h"
#include "agent_socket.h"
#include "clock.h"

#define DEFAULT_TIMEOUT_MS 3000

struct opts {
	long repeat; /* 0: single-call mode */
	long interval_ms;
	long timeout_ms;
	const char *path, *request;
};

static void tool_log(void *ud, const char *msg)
{
	fprintf(stderr, "agent-tool: %s\n", msg);
}

static int usage(void)
{
	fprintf(stderr, "usage: agent-tool [--repeat N [--interval MS]] SOCKET JSON-REQUEST "
			"[TIMEOUT_MS]\n");
	return 2;
}

static int parse_long(const char *s, long min, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	return (errno || end == s || *end || *v < min) ? -EINVAL : 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	int i = 1;

	*o = (struct opts){ .timeout_ms = DEFAULT_TIMEOUT_MS };
	for (; i + 1 < argc && !strncmp(argv[i], "--", 2); i += 2) {
		if (!strcmp(argv[i], "--repeat") && !parse_long(argv[i + 1], 1, &o->repeat))
			continue;
		if (!strcmp(argv[i], "--interval") && !parse_long(argv[i + 1], 0, &o->interval_ms))
			continue;
		return -EINVAL;
	}
	if (argc - i < 2 || argc - i > 3)
		return -EINVAL;
	o->path = argv[i];
	o->request = argv[i + 1];
	if (argc - i == 3 && parse_long(argv[i + 2], 0, &o->timeout_ms))
		return -EINVAL;
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The reply as one line of compact JSON (the transport hands it over parsed). */
static const char *text_of(json_object *reply)
{
	return json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE);
}

static int call_once(struct daqs_agent_transport *t, const struct opts *o, json_object **reply,
		     long *elapsed_ms)
{
	uint64_t t0 = daqs_monotonic_ns();
	int r;

	r = t->ops->call(t->t, o->request, reply, t0 + (uint64_t)o->timeout_ms * 1000000ULL);
	*elapsed_ms = (long)((daqs_monotonic_ns() - t0) / 1000000);
	return r;
}

static int run_single(struct daqs_agent_transport *t, const struct opts *o)
{
	json_object *reply = NULL;
	long ms;
	int r = call_once(t, o, &reply, &ms);

	if (reply)
		printf("%s\n", text_of(reply));
	if (r < 0)
		fprintf(stderr, "agent-tool: call failed after %ld ms: %s (%s)\n", ms, strerror(-r),
			strerrorname_np(-r));
	json_object_put(reply);
	return r < 0 ? 1 : 0;
}

static int run_repeat(struct daqs_agent_transport *t, const struct opts *o)
{
	int failed = 0;

	for (long i = 0; i < o->repeat; i++) {
		json_object *reply = NULL;
		long ms;
		int r;

		if (i && o->interval_ms)
			sleep_ms(o->interval_ms);
		r = call_once(t, o, &reply, &ms);
		printf("%ld %s %ld %s\n", i, r < 0 ? strerrorname_np(-r) : "ok", ms,
		       reply ? text_of(reply) : "");
		fflush(stdout);
		failed |= r < 0;
		json_object_put(reply);
	}
	return failed;
}

int main(int argc, char **argv)
{
	struct daqs_agent_transport *t;
	struct opts o;
	int rc;

	if (parse_opts(argc, argv, &o) < 0)
		return usage();
	t = daqs_agent_socket_new(o.path, tool_log, NULL);
	rc = o.repeat ? run_repeat(t, &o) : run_single(t, &o);
	t->ops->free(t->t);
	return rc;
}
