/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The cycle core's jobs (cycle.h) run against one guest's agent session:
 * what a worker thread does. It reads only the job (a copy the cycle thread
 * made) and writes only the result: never a guest record.
 */
#pragma once

#include <stdint.h>

#include "cycle.h"
#include "guest.h"

/*
 * Run j on g before deadline_ns, filling *res (zeroed by the caller;
 * res->msg is the caller's, from the session's log). Returns res->r.
 * clear_msg(ud) forgets what the agent layers said so far (discovery's
 * expected misses are not the guest's problem).
 */
int daqs_guest_job_run(struct daqs_guest *g, const struct daqs_cycle_job *j,
		       struct daqs_cycle_result *res, uint64_t deadline_ns,
		       void (*clear_msg)(void *ud), void *ud);
