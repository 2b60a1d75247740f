/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Human-facing diagnostics collected while checking a file: every problem is
 * kept (up to a bound) so that one run reports all of them, each rendered as
 * "FILE:LINE:COL: error: MESSAGE" with 1-based line and column.
 */
#pragma once

#include <stddef.h>
#include <stdio.h>

#define DAQS_DIAGS_MAX 100 /* beyond this only a count is kept */

struct daqs_diag {
	char *file;
	unsigned line; /* 1-based; 0 = whole file */
	unsigned col;  /* 1-based; 0 = no column */
	char *msg;     /* without the "error: " prefix */
};

struct daqs_diags {
	struct daqs_diag *v;
	size_t n, cap;
	size_t dropped; /* errors beyond DAQS_DIAGS_MAX */
};

void daqs_diags_init(struct daqs_diags *d);
void daqs_diags_free(struct daqs_diags *d);
void daqs_diags_add(struct daqs_diags *d, const char *file, unsigned line, unsigned col,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Put the diagnostics from index `from` on into file order (line, then column; stable). */
void daqs_diags_sort(struct daqs_diags *d, size_t from);
/* Total errors seen, including dropped ones. */
size_t daqs_diags_count(const struct daqs_diags *d);
/* Render one diagnostic into buf; returns snprintf's result. */
int daqs_diag_format(const struct daqs_diag *dg, char *buf, size_t n);
/* Print all diagnostics, one per line, plus a line for dropped ones. */
void daqs_diags_print(const struct daqs_diags *d, FILE *out);
/*
 * The reason for a refusal, for functions that report through a caller's
 * buffer: printf into why (cut to fit; nothing when why is NULL or len 0),
 * then return err, so `return daqs_why(why, len, -EINVAL, "...", ...);`.
 */
int daqs_why(char *why, size_t len, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
