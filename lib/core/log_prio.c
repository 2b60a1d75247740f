/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stdio.h>

#include "log_prio.h"

void daqs_logv(daqs_log_fn fn, void *ud, enum daqs_log_prio prio, const char *fmt, va_list ap)
{
	char buf[1024];

	if (!fn)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	fn(ud, prio, buf);
}

void daqs_logf(daqs_log_fn fn, void *ud, enum daqs_log_prio prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	daqs_logv(fn, ud, prio, fmt, ap);
	va_end(ap);
}
