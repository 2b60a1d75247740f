/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Log priorities (syslog's numbers) and the one log callback shape every
 * module that reports takes: fn(ud, prio, msg), msg one line without a
 * newline, "<subsystem>: <what> '<obj>' (<reason>)".
 */
#pragma once

enum daqs_log_prio {
	DAQS_LOG_ERR = 3,
	DAQS_LOG_WARNING = 4,
	DAQS_LOG_NOTICE = 5,
	DAQS_LOG_INFO = 6,
	DAQS_LOG_DEBUG = 7,
};

typedef void (*daqs_log_fn)(void *ud, enum daqs_log_prio prio, const char *msg);
