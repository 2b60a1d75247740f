/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A scripted struct daqs_agent_transport for unit tests: each call() checks
 * the request against the next expected step (its "execute" and, if given,
 * a substring) and answers with the step's canned reply line parsed, like the
 * socket transport does (0 for an object, -EREMOTEIO for one with "error",
 * -EPROTO and no reply for a line that is no JSON object, or the step's rc
 * with no reply). A step marked repeat answers every
 * consecutive request that matches it; the script moves on when a request
 * matches the next step. A request that fits no step, or a call after the
 * script ended, fails the test. Every request is recorded.
 *
 * The object outlives the transport it hands out: the transport's free()
 * only marks it freed (check with fake_transport_freed), the test frees
 * the fake with fake_transport_destroy.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "agent.h"

struct fake_step {
	const char *execute;  /* expected "execute" value */
	const char *contains; /* NULL, or a substring the request line must hold */
	const char *reply;    /* reply line; "@name" = tests/data/<name>.json; NULL = none */
	int rc;		      /* with reply NULL: the transport error to return */
	bool repeat;	      /* answers any number (>= 1) of consecutive matches */
};

struct fake_transport;

struct fake_transport *fake_transport_new(const struct fake_step *steps, size_t n);
/* The transport to hand to daqs_guest_new (owned by the guest afterwards). */
struct daqs_agent_transport *fake_transport_get(struct fake_transport *f);
void fake_transport_destroy(struct fake_transport *f);

/* Has every step been used (a repeat step at least once)? */
bool fake_transport_done(const struct fake_transport *f);
bool fake_transport_freed(const struct fake_transport *f);
size_t fake_transport_nrequests(const struct fake_transport *f);
const char *fake_transport_request(const struct fake_transport *f, size_t i);
/* Did any request line contain s? */
bool fake_transport_saw(const struct fake_transport *f, const char *s);
