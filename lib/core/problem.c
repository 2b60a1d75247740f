/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One problem reported once (see problem.h). */
#include <ctype.h>
#include <stdio.h>

#include "problem.h"

bool daqs_problem_same(const char *a, const char *b)
{
	for (;;) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			while (isdigit((unsigned char)*a))
				a++;
			while (isdigit((unsigned char)*b))
				b++;
			continue;
		}
		if (*a != *b)
			return false;
		if (!*a)
			return true;
		a++;
		b++;
	}
}

enum daqs_problem_news daqs_problem_failed(struct daqs_problem *p, const char *msg)
{
	bool same = p->last[0] && daqs_problem_same(msg, p->last);

	snprintf(p->last, sizeof(p->last), "%s", msg);
	return same ? DAQS_PROBLEM_QUIET : DAQS_PROBLEM_STARTED;
}

enum daqs_problem_news daqs_problem_worked(struct daqs_problem *p)
{
	if (!p->last[0])
		return DAQS_PROBLEM_QUIET;
	p->last[0] = '\0';
	return DAQS_PROBLEM_ENDED;
}
