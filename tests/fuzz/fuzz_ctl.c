/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: the control protocol (lib/core/ctl.h). The same bytes go to
 * every decoder as they are (no NUL added: each takes a length, so ASan sees
 * any read past it): the daemon's request parser, daqsctl's reply and status
 * parsers, and the line framing both ends use, fed in uneven chunks, with
 * each framed line then parsed as the daemon does (strlen of the line).
 *
 * Properties checked besides memory safety and leaks:
 * - a request that parses is valid (daqs_ctl_request_check), formats to one
 *   line, and that line parses back to the same request and formats to the
 *   same line (what daqsctl sends, daqsd reads);
 * - a status reply that parses formats to a line that parses back and
 *   formats to the same line;
 * - only the documented return codes, and reasons always NUL-terminated;
 * - the framing returns exactly the input's lines, each cut at its first NUL,
 *   and keeps only the unfinished tail.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "ctl.h"
#include "fuzz.h"

static bool why_ok(const char *why, size_t cap)
{
	return strnlen(why, cap) < cap;
}

static bool same_request(const struct daqs_ctl_request *a, const struct daqs_ctl_request *b)
{
	return a->cmd == b->cmd && !strcmp(a->vm, b->vm) && a->has_class == b->has_class &&
	       a->has_min == b->has_min && a->has_max == b->has_max &&
	       a->has_weight == b->has_weight && (!a->has_class || a->cls == b->cls) &&
	       (!a->has_min || a->min_bps == b->min_bps) &&
	       (!a->has_max || a->max_bps == b->max_bps) &&
	       (!a->has_weight || a->weight == b->weight) && a->for_s == b->for_s;
}

/* parse(format(rq)) == rq and format(parse(format(rq))) == format(rq). */
static void request_round_trip(const struct daqs_ctl_request *rq)
{
	struct daqs_ctl_request back;
	char *line = NULL, *again = NULL;
	char why[256] = "";

	FUZZ_CHECK(daqs_ctl_request_check(rq, NULL, 0) == 0);
	FUZZ_CHECK(daqs_ctl_request_format(rq, &line) == 0 && line);
	FUZZ_CHECK(strchr(line, '\n') == line + strlen(line) - 1);
	if (daqs_ctl_request_parse(line, strlen(line), &back, why, sizeof(why))) {
		fprintf(stderr, "formatted request does not parse back (%s): %s", why, line);
		abort();
	}
	FUZZ_CHECK(same_request(rq, &back));
	FUZZ_CHECK(daqs_ctl_request_format(&back, &again) == 0 && !strcmp(line, again));
	free(again);
	free(line);
}

static void request(const char *s, size_t len)
{
	struct daqs_ctl_request rq;
	char why[128] = "";
	int r;

	r = daqs_ctl_request_parse(s, len, &rq, why, sizeof(why));
	FUZZ_CHECK(r == 0 || (r == -EINVAL && why[0]));
	FUZZ_CHECK(why_ok(why, sizeof(why)));
	if (r == 0)
		request_round_trip(&rq);
}

static void reply(const char *s, size_t len)
{
	char code[32], msg[512], tiny[3];
	int r;

	r = daqs_ctl_reply_parse(s, len, code, sizeof(code), msg, sizeof(msg));
	FUZZ_CHECK(r == 0 || r == -EREMOTEIO || r == -EINVAL);
	FUZZ_CHECK(why_ok(code, sizeof(code)) && why_ok(msg, sizeof(msg)));
	FUZZ_CHECK(r != -EINVAL || msg[0]);
	/* the buffers are optional and may be short: the verdict must not depend on them */
	FUZZ_CHECK(daqs_ctl_reply_parse(s, len, NULL, 0, NULL, 0) == r);
	FUZZ_CHECK(daqs_ctl_reply_parse(s, len, tiny, sizeof(tiny), tiny, 1) == r);
	FUZZ_CHECK(why_ok(tiny, sizeof(tiny)));
}

static void status(const char *s, size_t len)
{
	struct daqs_ctl_status st, back;
	char why[256] = "";
	char *line, *again, *pretty;
	int r;

	r = daqs_ctl_status_parse(s, len, &st, why, sizeof(why));
	FUZZ_CHECK(r == 0 || ((r == -EINVAL || r == -EREMOTEIO) && why[0]));
	FUZZ_CHECK(why_ok(why, sizeof(why)));
	if (r) {
		FUZZ_CHECK(!st.links && !st.vms && !st.n_links && !st.n_vms);
		return;
	}
	line = daqs_ctl_status_format(&st);
	FUZZ_CHECK(line && strchr(line, '\n') == line + strlen(line) - 1);
	if (daqs_ctl_status_parse(line, strlen(line), &back, why, sizeof(why))) {
		fprintf(stderr, "formatted status does not parse back (%s): %s", why, line);
		abort();
	}
	again = daqs_ctl_status_format(&back);
	FUZZ_CHECK(again && !strcmp(line, again));
	pretty = daqs_ctl_status_json(&st, true);
	FUZZ_CHECK(pretty);
	free(pretty);
	free(again);
	free(line);
	daqs_ctl_status_clear(&back);
	daqs_ctl_status_clear(&st);
}

/* Feed in uneven chunks; every line taken must be the input's next line. */
static void framing(const char *s, size_t len)
{
	static const size_t chunks[] = { 1, 7, 64, 3, 4096, 2 };
	struct daqs_ctl_buf b = { 0 };
	size_t fed = 0, next = 0; /* next: where the input's next line starts */
	char *line;

	for (size_t k = 0; fed < len; k++) {
		size_t n = chunks[k % (sizeof(chunks) / sizeof(chunks[0]))];

		if (n > len - fed)
			n = len - fed;
		FUZZ_CHECK(daqs_ctl_buf_feed(&b, s + fed, n) == 0);
		fed += n;
		while (daqs_ctl_buf_take(&b, &line) == 1) {
			const char *nl = memchr(s + next, '\n', fed - next);
			size_t want;

			FUZZ_CHECK(nl != NULL);
			want = strnlen(s + next, (size_t)(nl - (s + next)));
			FUZZ_CHECK(strlen(line) == want && !memcmp(line, s + next, want));
			request(line, strlen(line)); /* as daqsd's control server does */
			free(line);
			next = (size_t)(nl - s) + 1;
		}
		FUZZ_CHECK(!memchr(s + next, '\n', fed - next));
		FUZZ_CHECK(b.len == fed - next);
	}
	daqs_ctl_buf_clear(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;

	request(s, size);
	reply(s, size);
	status(s, size);
	framing(s, size);
	return 0;
}
