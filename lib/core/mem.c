/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *check(void *p, size_t n)
{
	if (!p && n) {
		fprintf(stderr, "daqs: out of memory allocating %zu bytes\n", n);
		abort();
	}
	return p;
}

void *daqs_malloc(size_t n)
{
	return check(malloc(n ? n : 1), n);
}

void *daqs_calloc(size_t nmemb, size_t size)
{
	return check(calloc(nmemb ? nmemb : 1, size ? size : 1), nmemb * size);
}

void *daqs_realloc(void *p, size_t n)
{
	return check(realloc(p, n ? n : 1), n);
}

void daqs_grow(void **v, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap ? *cap : 8;

	if (need <= *cap)
		return;
	while (c < need)
		c *= 2;
	*v = daqs_realloc(*v, c * elem);
	*cap = c;
}

char *daqs_strdup(const char *s)
{
	return s ? check(strdup(s), strlen(s) + 1) : NULL;
}

char *daqs_strndup(const char *s, size_t n)
{
	return check(strndup(s, n), n + 1);
}

char *daqs_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0) {
		fprintf(stderr, "daqs: out of memory formatting a string\n");
		abort();
	}
	return s;
}
