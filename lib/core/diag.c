/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>

#include "mem.h"

void daqs_diags_init(struct daqs_diags *d)
{
	d->v = NULL;
	d->n = d->cap = d->dropped = 0;
}

void daqs_diags_free(struct daqs_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	daqs_diags_init(d);
}

void daqs_diags_add(struct daqs_diags *d, const char *file, unsigned line, unsigned col,
		    const char *fmt, ...)
{
	struct daqs_diag *dg;
	va_list ap;
	char *msg = NULL;

	if (d->n >= DAQS_DIAGS_MAX) {
		d->dropped++;
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	daqs_grow((void **)&d->v, &d->cap, d->n + 1, sizeof(*d->v));
	dg = &d->v[d->n++];
	dg->file = daqs_strdup(file ? file : "<input>");
	dg->line = line;
	dg->col = col;
	dg->msg = msg;
}

void daqs_diags_sort(struct daqs_diags *d, size_t from)
{
	for (size_t i = from + 1; i < d->n; i++) {
		struct daqs_diag x = d->v[i];
		size_t j = i;

		while (j > from && (d->v[j - 1].line > x.line ||
				    (d->v[j - 1].line == x.line && d->v[j - 1].col > x.col))) {
			d->v[j] = d->v[j - 1];
			j--;
		}
		d->v[j] = x;
	}
}

size_t daqs_diags_count(const struct daqs_diags *d)
{
	return d->n + d->dropped;
}

int daqs_diag_format(const struct daqs_diag *dg, char *buf, size_t n)
{
	if (dg->line && dg->col)
		return snprintf(buf, n, "%s:%u:%u: error: %s", dg->file, dg->line, dg->col,
				dg->msg);
	if (dg->line)
		return snprintf(buf, n, "%s:%u: error: %s", dg->file, dg->line, dg->msg);
	return snprintf(buf, n, "%s: error: %s", dg->file, dg->msg);
}

void daqs_diags_print(const struct daqs_diags *d, FILE *out)
{
	char buf[1024];

	for (size_t i = 0; i < d->n; i++) {
		daqs_diag_format(&d->v[i], buf, sizeof(buf));
		fprintf(out, "%s\n", buf);
	}
	if (d->dropped && d->n)
		fprintf(out, "%s: error: %zu more errors not shown\n", d->v[0].file, d->dropped);
}

int daqs_why(char *why, size_t len, int err, const char *fmt, ...)
{
	va_list ap;

	if (why && len) {
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	return err;
}
