/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daqsd's log lines, on stderr:
 *   under systemd (JOURNAL_STREAM set): "<N>message", N the syslog priority,
 *     which journald turns into the entry's priority;
 *   on a terminal: "daqsd: message";
 *   otherwise (a log file): "2026-11-22T07:31:02.123Z daqsd[PID]: warning: message".
 * Debug lines only with -v. Grammar: "subsystem: what failed 'object' (reason)".
 */
#pragma once

#include <stdbool.h>

#include "controller.h"

void daqs_log_init(bool verbose);
void daqs_log(enum daqs_log_prio prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* For callbacks: (ud unused, prio, message). */
void daqs_log_cb(void *ud, enum daqs_log_prio prio, const char *msg);
