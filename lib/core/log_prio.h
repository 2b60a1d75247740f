/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Log priorities (syslog's numbers) and the one log callback shape every
 * module that reports takes: fn(ud, prio, msg), msg one line without a
 * newline, "<subsystem>: <what> '<obj>' (<reason>)".
 */
#pragma once

#include <stdarg.h>

enum daqs_log_prio {
	DAQS_LOG_ERR = 3,
	DAQS_LOG_WARNING = 4,
	DAQS_LOG_NOTICE = 5,
	DAQS_LOG_INFO = 6,
	DAQS_LOG_DEBUG = 7,
};

typedef void (*daqs_log_fn)(void *ud, enum daqs_log_prio prio, const char *msg);

/*
 * fn(ud, prio, the formatted message), cut at 1023 bytes; nothing when fn is
 * NULL (a module without a log).
 */
void daqs_logv(daqs_log_fn fn, void *ud, enum daqs_log_prio prio, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
void daqs_logf(daqs_log_fn fn, void *ud, enum daqs_log_prio prio, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
