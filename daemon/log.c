/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daqsd's log lines (see log.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static enum { LOG_PLAIN, LOG_JOURNAL, LOG_FILE } log_mode;
static bool log_verbose;

static const char *prio_name(enum daqs_log_prio p)
{
	switch (p) {
	case DAQS_LOG_ERR:
		return "error";
	case DAQS_LOG_WARNING:
		return "warning";
	case DAQS_LOG_NOTICE:
		return "notice";
	case DAQS_LOG_INFO:
		return "info";
	case DAQS_LOG_DEBUG:
		return "debug";
	}
	return "?";
}

void daqs_log_init(bool verbose)
{
	log_verbose = verbose;
	if (getenv("JOURNAL_STREAM"))
		log_mode = LOG_JOURNAL;
	else if (isatty(STDERR_FILENO))
		log_mode = LOG_PLAIN;
	else
		log_mode = LOG_FILE;
}

void daqs_log_cb(void *ud, enum daqs_log_prio prio, const char *msg)
{
	struct timeval tv;
	struct tm tm;
	char ts[32];

	(void)ud;
	if (prio == DAQS_LOG_DEBUG && !log_verbose)
		return;
	switch (log_mode) {
	case LOG_JOURNAL:
		fprintf(stderr, "<%d>%s\n", (int)prio, msg);
		break;
	case LOG_PLAIN:
		fprintf(stderr, "daqsd: %s%s%s\n", prio <= DAQS_LOG_WARNING ? prio_name(prio) : "",
			prio <= DAQS_LOG_WARNING ? ": " : "", msg);
		break;
	case LOG_FILE:
		gettimeofday(&tv, NULL);
		gmtime_r(&tv.tv_sec, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ldZ daqsd[%d]: %s: %s\n", ts, (long)tv.tv_usec / 1000,
			(int)getpid(), prio_name(prio), msg);
		break;
	}
}

void daqs_log(enum daqs_log_prio prio, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	daqs_log_cb(NULL, prio, buf);
}
