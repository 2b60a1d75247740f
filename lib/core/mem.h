/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Allocation that aborts on OOM (house style rule 10): callers have no ENOMEM paths. */
#pragma once

#include <stddef.h>

void *daqs_malloc(size_t n);
void *daqs_calloc(size_t nmemb, size_t size);
void *daqs_realloc(void *p, size_t n);
/* Grow *v (elements of size elem) so that it holds at least need elements. */
void daqs_grow(void **v, size_t *cap, size_t need, size_t elem);
char *daqs_strdup(const char *s);
char *daqs_strndup(const char *s, size_t n);
char *daqs_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define DAQS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
