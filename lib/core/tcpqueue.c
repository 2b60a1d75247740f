/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "tcpqueue.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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

	if (isnan(last) && !strstr(line, "lastsnd:"))
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
