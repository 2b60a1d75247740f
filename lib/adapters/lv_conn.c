/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An adapter's own libvirt connection and libvirt errors as -errno (see lv_conn.h). */
#include <errno.h>
#include <stdio.h>

#include <libvirt/virterror.h>

#include "lv_conn.h"

int daqs_lv_errno(char *why, size_t len)
{
	const virError *e = virGetLastError();

	snprintf(why, len, "%s", e && e->message ? e->message : "unknown libvirt error");
	for (char *p = why; *p; p++) /* one log line: tc's output runs over several */
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	if (!e)
		return -EIO;
	switch (e->code) {
	case VIR_ERR_NO_DOMAIN:
	case VIR_ERR_OPERATION_INVALID: /* domain not running */
		return -ENOENT;
	case VIR_ERR_DEVICE_MISSING:
		return -ENODEV;
	case VIR_ERR_OPERATION_TIMEOUT:
		return -ETIMEDOUT;
	case VIR_ERR_NO_SUPPORT:
	case VIR_ERR_ARGUMENT_UNSUPPORTED:
	case VIR_ERR_OPERATION_UNSUPPORTED:
	case VIR_ERR_CONFIG_UNSUPPORTED:
		return -EOPNOTSUPP;
	default:
		return -EIO;
	}
}

int daqs_lv_connect(virConnectPtr *conn, const char *uri, char *why, size_t len)
{
	if (*conn && virConnectIsAlive(*conn) == 1)
		return 0;
	if (*conn)
		virConnectClose(*conn);
	*conn = virConnectOpen(uri);
	if (!*conn) {
		daqs_lv_errno(why, len);
		return -ECONNREFUSED;
	}
	return 0;
}
