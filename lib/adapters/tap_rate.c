/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A libvirt VM's tap rates through its interface parameters (see tap_rate.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "lv_conn.h"
#include "mem.h"
#include "tap_rate.h"

struct lv_tap {
	struct daqs_tap pub;
	char *uri;
	virConnectPtr conn;
};

static virDomainPtr lookup(struct lv_tap *t, const char *uuid, const char *vm)
{
	return uuid && uuid[0] ? virDomainLookupByUUIDString(t->conn, uuid)
			       : virDomainLookupByName(t->conn, vm);
}

/* The outbound average and burst in force on dev now. */
static int read_out(virDomainPtr dom, const char *dev, struct daqs_tap_rates *now, char *why,
		    size_t len)
{
	virTypedParameterPtr p;
	int n = 0;
	unsigned int v;

	if (virDomainGetInterfaceParameters(dom, dev, NULL, &n, VIR_DOMAIN_AFFECT_LIVE) < 0)
		return daqs_lv_errno(why, len);
	p = daqs_calloc(n > 0 ? (size_t)n : 1, sizeof(*p));
	if (virDomainGetInterfaceParameters(dom, dev, p, &n, VIR_DOMAIN_AFFECT_LIVE) < 0) {
		int r = daqs_lv_errno(why, len);

		free(p);
		return r;
	}
	*now = (struct daqs_tap_rates){ 0 };
	if (virTypedParamsGetUInt(p, n, VIR_DOMAIN_BANDWIDTH_OUT_AVERAGE, &v) == 1)
		now->out_kBps = v;
	if (virTypedParamsGetUInt(p, n, VIR_DOMAIN_BANDWIDTH_OUT_BURST, &v) == 1)
		now->out_burst_kB = v;
	virTypedParamsClear(p, n);
	free(p);
	return 0;
}

static int lv_set_out(void *h, const char *uuid, const char *vm, const char *dev,
		      const struct daqs_tap_rates *r, char *why, size_t len)
{
	struct lv_tap *t = h;
	virTypedParameterPtr p = NULL;
	int n = 0, max = 0, rc;
	virDomainPtr dom;
	struct daqs_tap_rates now = { 0 };

	why[0] = '\0';
	if (r->out_kBps > UINT32_MAX || r->out_burst_kB > UINT32_MAX) {
		snprintf(why, len, "%llu kB/s is more than libvirt takes",
			 (unsigned long long)r->out_kBps);
		return -ERANGE;
	}
	rc = daqs_lv_connect(&t->conn, t->uri, why, len);
	if (rc < 0)
		return rc;
	dom = lookup(t, uuid, vm);
	if (!dom)
		return daqs_lv_errno(why, len);
	if (virTypedParamsAddUInt(&p, &n, &max, VIR_DOMAIN_BANDWIDTH_OUT_AVERAGE,
				  (unsigned int)r->out_kBps) < 0 ||
	    virTypedParamsAddUInt(&p, &n, &max, VIR_DOMAIN_BANDWIDTH_OUT_BURST,
				  (unsigned int)r->out_burst_kB) < 0 ||
	    virDomainSetInterfaceParameters(dom, dev, p, n, VIR_DOMAIN_AFFECT_LIVE) < 0)
		rc = daqs_lv_errno(why, len);
	else
		rc = read_out(dom, dev, &now, why, len);
	if (rc == 0 &&
	    (now.out_kBps != r->out_kBps || (r->out_kBps && now.out_burst_kB != r->out_burst_kB))) {
		snprintf(why, len, "read back outbound %llu kB/s burst %llu kB, wrote %llu/%llu",
			 (unsigned long long)now.out_kBps, (unsigned long long)now.out_burst_kB,
			 (unsigned long long)r->out_kBps, (unsigned long long)r->out_burst_kB);
		rc = -EIO;
	}
	virTypedParamsFree(p, n);
	virDomainFree(dom);
	return rc;
}

static void lv_free(void *h)
{
	struct lv_tap *t = h;

	if (!t)
		return;
	if (t->conn)
		virConnectClose(t->conn);
	free(t->uri);
	free(t);
}

static const struct daqs_tap_ops lv_ops = {
	.name = "libvirt",
	.set_out = lv_set_out,
	.free = lv_free,
};

int daqs_tap_libvirt_open(const char *uri, struct daqs_tap **out)
{
	struct lv_tap *t = daqs_calloc(1, sizeof(*t));

	t->uri = daqs_strdup(uri);
	t->pub.ops = &lv_ops;
	t->pub.h = t;
	*out = &t->pub;
	return 0;
}

void daqs_tap_close(struct daqs_tap *t)
{
	if (t)
		t->ops->free(t->h);
}
