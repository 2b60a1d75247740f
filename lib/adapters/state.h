/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daqsd's persistent state: overrides with their expiry and the limits in
 * force per guest, in DIR/state.json, so that a restart (even after
 * SIGKILL) keeps overrides and knows what it left in the guests.
 *
 * DIR must be owned by root (or the daemon's euid) and not writable by group
 * or others (daqs_state_dir_check, at start): then only we can put anything
 * in it. Saving is atomic: DIR/state.json.tmp (a stale one removed first,
 * then created O_EXCL|O_NOFOLLOW, fchmod 0600) is written, fsync'ed, renamed over
 * state.json and the directory fsync'ed; a crash leaves either the old or
 * the new file, never a torn one. Loading validates every field (the file
 * may have been edited by hand), each override as a live `override` request
 * is (daqs_ctl_request_check: ranges, min only for guarantees, max >= min):
 * a bad file is refused with the reason (the file, and the VM for a bad
 * override) and the daemon starts without it (it says so), rather than guess.
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

/* 0, or -EPERM / -ENOTDIR / -errno with why naming dir, its owner and mode. */
int daqs_state_dir_check(const char *dir, char *why, size_t why_len);
/* 0; -ENOENT no state file yet; -EINVAL / -EIO with why. */
int daqs_state_load(const char *dir, struct daqs_state *st, char *why, size_t why_len);
/* 0 or -errno with why. */
int daqs_state_save(const char *dir, const struct daqs_state *st, char *why, size_t why_len);
void daqs_state_clear(struct daqs_state *st);
