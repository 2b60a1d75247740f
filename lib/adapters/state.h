/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daqsd's persistent state: overrides with their expiry and the limits in
 * force per guest, in DIR/state.json, so that a restart (even after
 * SIGKILL) keeps overrides and knows what it left in the guests.
 *
 * Saving is atomic: DIR/state.json.tmp is written, fsync'ed, renamed over
 * state.json and the directory fsync'ed; a crash leaves either the old or
 * the new file, never a torn one. Loading validates every field (the file
 * may have been edited by hand): a bad file is refused with the reason and
 * the daemon starts without it (it says so), rather than guess.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "overrides.h"
#include "sla.h"

struct daqs_state_applied {
	char vm[DAQS_SLA_NAME_MAX + 1];
	char iface[16];
	uint64_t limit_bps; /* DAQS_RATE_UNLIMITED = none */
};

struct daqs_state {
	struct daqs_override *ovr; /* the overrides table's (overrides.h) */
	size_t n_ovr;
	struct daqs_state_applied *app;
	size_t n_app;
};

/* 0; -ENOENT no state file yet; -EINVAL / -EIO with why. */
int daqs_state_load(const char *dir, struct daqs_state *st, char *why, size_t why_len);
/* 0 or -errno with why. */
int daqs_state_save(const char *dir, const struct daqs_state *st, char *why, size_t why_len);
void daqs_state_clear(struct daqs_state *st);
