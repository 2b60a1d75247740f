/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctl_table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "units.h"

#define CELL 320 /* the longest cell: last_error (255 bytes) */
#define GAP "  "

static void cell_str(char *buf, const char *p, size_t size)
{
	size_t n = strnlen(p, size - 1), i;

	if (n == 0) {
		snprintf(buf, CELL, "-");
		return;
	}
	for (i = 0; i < n && i + 1 < CELL; i++)
		buf[i] = (unsigned char)p[i] < 0x20 || p[i] == 0x7f ? '?' : p[i];
	buf[i] = '\0';
}

static void cell(char *buf, const struct daqs_ctl_field *f, const void *rec)
{
	const char *p = (const char *)rec + f->off;
	uint64_t u;
	uint32_t w;
	int64_t s;
	double d;
	bool b;

	switch (f->type) {
	case DAQS_CTL_F_STR:
		cell_str(buf, p, f->size);
		return;
	case DAQS_CTL_F_LIMIT:
		memcpy(&u, p, sizeof(u));
		daqs_units_format_rate_approx(u == DAQS_RATE_UNLIMITED ? NAN : (double)u, buf,
					      CELL);
		return;
	case DAQS_CTL_F_RATE:
		memcpy(&d, p, sizeof(d));
		daqs_units_format_rate_approx(d, buf, CELL);
		return;
	case DAQS_CTL_F_RATIO:
		memcpy(&d, p, sizeof(d));
		if (isfinite(d))
			snprintf(buf, CELL, "%.3f", d);
		else
			snprintf(buf, CELL, "-");
		return;
	case DAQS_CTL_F_U32:
		memcpy(&w, p, sizeof(w));
		snprintf(buf, CELL, "%u", w);
		return;
	case DAQS_CTL_F_U64:
		memcpy(&u, p, sizeof(u));
		snprintf(buf, CELL, "%llu", (unsigned long long)u);
		return;
	case DAQS_CTL_F_SECS:
		memcpy(&s, p, sizeof(s));
		if (s < 0)
			snprintf(buf, CELL, "-");
		else
			snprintf(buf, CELL, "%llds", (long long)s);
		return;
	case DAQS_CTL_F_BOOL:
		memcpy(&b, p, sizeof(b));
		snprintf(buf, CELL, "%s", b ? "yes" : "no");
		return;
	}
	snprintf(buf, CELL, "?");
}

/* One table: widths in a first pass, the rows in the second. */
static void put_table(FILE *f, const struct daqs_ctl_field *t, size_t nf, const void *recs,
		      size_t n, size_t elem)
{
	size_t *width = daqs_calloc(nf, sizeof(*width)), last = 0;
	char buf[CELL];

	for (size_t c = 0; c < nf; c++) {
		if (!t[c].header)
			continue;
		last = c;
		width[c] = strlen(t[c].header);
		for (size_t r = 0; r < n; r++) {
			cell(buf, &t[c], (const char *)recs + r * elem);
			if (strlen(buf) > width[c])
				width[c] = strlen(buf);
		}
	}
	for (size_t r = 0; r <= n; r++) {
		const char *sep = "";

		for (size_t c = 0; c < nf; c++) {
			bool left = t[c].type == DAQS_CTL_F_STR || t[c].type == DAQS_CTL_F_BOOL;

			if (!t[c].header)
				continue;
			if (r == 0)
				snprintf(buf, CELL, "%s", t[c].header);
			else
				cell(buf, &t[c], (const char *)recs + (r - 1) * elem);
			if (c == last)
				fprintf(f, "%s%*s%s\n", sep, left ? 0 : (int)width[c], buf, "");
			else
				fprintf(f, "%s%*s", sep, left ? -(int)width[c] : (int)width[c],
					buf);
			sep = GAP;
		}
	}
	free(width);
}

static void put_summary(FILE *f, const struct daqs_ctl_status *st)
{
	char period[32], shown[CELL];

	daqs_units_format_duration(st->period_ms * 1000000ULL, period, sizeof(period));
	fprintf(f, "cycle %llu", (unsigned long long)st->cycle);
	if (isfinite(st->cycle_ms))
		fprintf(f, " (%.3g ms)", st->cycle_ms);
	cell_str(shown, st->policy, sizeof(st->policy));
	fprintf(f, ", period %s, policy %s", period, shown);
	cell_str(shown, st->sla_file, sizeof(shown));
	fprintf(f, ", sla %s\n", shown);
	if (st->sla_error[0]) {
		cell_str(shown, st->sla_error, sizeof(shown));
		fprintf(f, "sla reload refused: %s\n", shown);
	}
	if (st->state_error[0]) {
		cell_str(shown, st->state_error, sizeof(shown));
		fprintf(f, "state file not written: %s\n", shown);
	}
}

char *daqs_ctl_table_render(const struct daqs_ctl_status *st)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		abort(); /* out of memory: house rule 10 */
	put_summary(f, st);
	fputc('\n', f);
	put_table(f, daqs_ctl_link_fields, daqs_ctl_n_link_fields, st->links, st->n_links,
		  sizeof(*st->links));
	fputc('\n', f);
	if (st->n_vms)
		put_table(f, daqs_ctl_vm_fields, daqs_ctl_n_vm_fields, st->vms, st->n_vms,
			  sizeof(*st->vms));
	else
		fputs("no VMs\n", f);
	if (st->n_pfs) {
		fputc('\n', f);
		put_table(f, daqs_ctl_pf_fields, daqs_ctl_n_pf_fields, st->pfs, st->n_pfs,
			  sizeof(*st->pfs));
	}
	if (fclose(f))
		abort();
	return text;
}
