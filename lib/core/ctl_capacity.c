/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctl_capacity.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admission.h"
#include "mem.h"
#include "units.h"

static const struct daqs_ctl_link *find_link(const struct daqs_ctl_status *st, const char *name)
{
	for (size_t i = 0; i < st->n_links; i++)
		if (!strcmp(st->links[i].name, name))
			return &st->links[i];
	return NULL;
}

static struct daqs_admission admission_of(const struct daqs_ctl_link *l)
{
	struct daqs_admission a = {
		.capacity_bps = l->admittable_bps ? l->capacity_bps : 0,
		.share_ppm = (uint32_t)(l->admission * DAQS_ADMISSION_FULL + 0.5),
		.admittable_bps = l->admittable_bps,
		.committed_bps = l->committed_bps,
		.guarantees = l->guarantees,
	};

	return a;
}

static char *take_json(json_object *o)
{
	char *s = daqs_strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
									JSON_C_TO_STRING_SPACED));

	json_object_put(o);
	return s;
}

static json_object *link_json(const struct daqs_ctl_link *l)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(l->name));
	json_object_object_add(o, "capacity_bps", json_object_new_uint64(l->capacity_bps));
	json_object_object_add(o, "admission", json_object_new_double(l->admission));
	json_object_object_add(o, "admittable_bps", json_object_new_uint64(l->admittable_bps));
	json_object_object_add(o, "committed_bps", json_object_new_uint64(l->committed_bps));
	json_object_object_add(o, "free_bps", json_object_new_uint64(l->free_bps));
	json_object_object_add(o, "guarantees", json_object_new_uint64(l->guarantees));
	return o;
}

/* a rate for the table, "-" when 0 means unknown */
static const char *rate(uint64_t bps, bool known, char *buf, size_t n)
{
	if (!known)
		return "-";
	daqs_units_format_rate(bps, buf, n);
	return buf;
}

static void table_line(FILE *f, const struct daqs_ctl_link *l)
{
	char c[32], a[32], m[32], fr[32], share[16];
	bool known = l->admittable_bps > 0;

	snprintf(share, sizeof(share), "%g%%", l->admission * 100.0);
	fprintf(f, "%-16s %10s %9s %10s %10s %10s %10u\n", l->name,
		rate(l->capacity_bps, l->capacity_bps > 0, c, sizeof(c)), share,
		rate(l->admittable_bps, known, a, sizeof(a)),
		rate(l->committed_bps, true, m, sizeof(m)),
		rate(l->free_bps, known, fr, sizeof(fr)), l->guarantees);
}

char *daqs_ctl_capacity_render(const struct daqs_ctl_status *st, const char *link, bool json)
{
	const struct daqs_ctl_link *one = link ? find_link(st, link) : NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (link && !one)
		return NULL;
	if (json) {
		json_object *links = json_object_new_array();

		for (size_t i = 0; i < st->n_links; i++)
			if (!one || one == &st->links[i])
				json_object_array_add(links, link_json(&st->links[i]));
		json_object *o = json_object_new_object();

		json_object_object_add(o, "links", links);
		return take_json(o);
	}
	f = open_memstream(&text, &len);
	if (!f)
		abort();
	fprintf(f, "%-16s %10s %9s %10s %10s %10s %10s\n", "LINK", "CAPACITY", "ADMISSION",
		"ADMITTABLE", "COMMITTED", "FREE", "GUARANTEES");
	for (size_t i = 0; i < st->n_links; i++)
		if (!one || one == &st->links[i])
			table_line(f, &st->links[i]);
	fclose(f);
	return text;
}

int daqs_ctl_admit(const struct daqs_ctl_status *st, const char *link, uint64_t min_bps, bool json,
		   char **out)
{
	const struct daqs_ctl_link *l = find_link(st, link);
	struct daqs_admission a;
	char why[256];
	int r;

	if (!l) {
		snprintf(why, sizeof(why), "no link '%s' in daqsd's SLA", link);
		r = -ENOENT;
	} else {
		a = admission_of(l);
		r = daqs_admission_fits(&a, min_bps, why, sizeof(why));
	}
	if (json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "link", json_object_new_string(link));
		json_object_object_add(o, "min_bps", json_object_new_uint64(min_bps));
		json_object_object_add(o, "fits", json_object_new_boolean(r == 0));
		json_object_object_add(o, "why", json_object_new_string(why));
		json_object_object_add(o, "free_bps",
				       l ? json_object_new_uint64(l->free_bps) : NULL);
		*out = take_json(o);
	} else {
		size_t n = strlen(why) + 16;

		*out = daqs_calloc(1, n);
		snprintf(*out, n, "%s: %s\n", r == 0 ? "yes" : "no", why);
	}
	return r;
}
