/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One problem reported once: a guest's (or any source's) failing operation
 * is logged when it starts, when it changes, and when it ends, never once
 * per cycle. Two messages that differ only in their numbers ("deadline
 * passed after 95 ms" and "... 98 ms") are the same problem.
 */
#pragma once

#include <stdbool.h>

#define DAQS_PROBLEM_MAX 256

struct daqs_problem {
	char last[DAQS_PROBLEM_MAX]; /* the problem in force ("" none) */
};

enum daqs_problem_news {
	DAQS_PROBLEM_QUIET,   /* nothing to say: still fine, or the same problem again */
	DAQS_PROBLEM_STARTED, /* a problem began, or became another one: log it */
	DAQS_PROBLEM_ENDED,   /* the problem in force is over: log that it works again */
};

/* Equal but for the digits of their numbers. */
bool daqs_problem_same(const char *a, const char *b);
/* An operation failed with msg (non-empty): what to tell the operator. */
enum daqs_problem_news daqs_problem_failed(struct daqs_problem *p, const char *msg);
/* An operation worked. */
enum daqs_problem_news daqs_problem_worked(struct daqs_problem *p);
