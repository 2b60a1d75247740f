/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which guest interface carries a tap's traffic (see tapmatch.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "crosscheck.h"
#include "tapmatch.h"

static bool close_to(uint64_t a, uint64_t b)
{
	double d = fabs((double)a - (double)b);

	return d <= DAQS_CROSSCHECK_TOL * fmax((double)a, (double)b);
}

static const struct daqs_qga_iface *prev_of(const struct daqs_tapmatch *m, const char *name)
{
	for (size_t i = 0; i < m->n_prev; i++)
		if (!strcmp(m->prev[i].name, name))
			return &m->prev[i];
	return NULL;
}

/* The one interface whose deltas since the last sample track the tap's; NULL none or several. */
static const char *tracking(const struct daqs_tapmatch *m, const struct daqs_qga_iface *ifs,
			    size_t n, uint64_t htx, uint64_t hrx)
{
	const char *found = NULL;

	for (size_t i = 0; i < n; i++) {
		const struct daqs_qga_iface *p = prev_of(m, ifs[i].name);

		if (!p || ifs[i].c.tx_bytes < p->c.tx_bytes || ifs[i].c.rx_bytes < p->c.rx_bytes)
			continue;
		if (!close_to(ifs[i].c.tx_bytes - p->c.tx_bytes, htx) ||
		    !close_to(ifs[i].c.rx_bytes - p->c.rx_bytes, hrx))
			continue;
		if (found)
			return NULL;
		found = ifs[i].name;
	}
	return found;
}

bool daqs_tapmatch_feed(struct daqs_tapmatch *m, const struct daqs_qga_iface *ifs, size_t n,
			const struct daqs_counters *host, char out[DAQS_IFNAMSIZ])
{
	const char *name = NULL;
	size_t k = 0;

	if (m->have_prev && host->tx_bytes >= m->host_prev.tx_bytes &&
	    host->rx_bytes >= m->host_prev.rx_bytes) {
		uint64_t htx = host->tx_bytes - m->host_prev.tx_bytes;
		uint64_t hrx = host->rx_bytes - m->host_prev.rx_bytes;

		if (htx + hrx >= DAQS_TAPMATCH_MIN_BYTES)
			name = tracking(m, ifs, n, htx, hrx);
	}
	if (name && !strcmp(name, m->cand)) {
		m->times++;
	} else {
		snprintf(m->cand, sizeof(m->cand), "%s", name ? name : "");
		m->times = name ? 1 : 0;
	}
	if (name)
		snprintf(out, DAQS_IFNAMSIZ, "%s", name);
	for (size_t i = 0; i < n && k < DAQS_TAPMATCH_MAX; i++)
		if (ifs[i].has_stats)
			m->prev[k++] = ifs[i];
	m->n_prev = k;
	m->host_prev = *host;
	m->have_prev = true;
	return name && m->times >= DAQS_TAPMATCH_TIMES;
}

void daqs_tapmatch_reset(struct daqs_tapmatch *m)
{
	memset(m, 0, sizeof(*m));
}
