/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by both Check runners (see unit.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "mem.h"
#include "unit.h"

#define DATA_MAX 65536

const char *daqs_test_srcdir(void)
{
	const char *s = getenv("DAQS_SRCDIR");

	return s && *s ? s : ".";
}

char *daqs_test_data(size_t *len, const char *fmt, ...)
{
	char *rel, *path, *buf = daqs_malloc(DATA_MAX);
	va_list ap;
	FILE *f;
	size_t n;

	va_start(ap, fmt);
	if (vasprintf(&rel, fmt, ap) < 0)
		abort();
	va_end(ap);
	path = daqs_asprintf("%s/tests/data/%s", daqs_test_srcdir(), rel);
	f = fopen(path, "rb");
	ck_assert_msg(f, "cannot open %s", path);
	n = fread(buf, 1, DATA_MAX - 1, f);
	ck_assert_msg(n < DATA_MAX - 1, "%s is larger than the test helper reads", path);
	fclose(f);
	free(path);
	free(rel);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}
