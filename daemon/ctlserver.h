/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daqsd's control socket (protocol: lib/core/ctl.h), served from the event loop
 * (libvirt's event implementation: virEventAddHandle).
 *
 * The socket is created mode 0660, owner root, group `gid` (or the
 * daemon's group when gid is (gid_t)-1), in a directory created 0755 if
 * missing. A stale socket file (nobody accepts on it) is replaced; a live
 * one means another daqsd runs: -EADDRINUSE. Each client's credentials come
 * from SO_PEERCRED at accept: mutating verbs are refused (EPERM) unless the
 * peer is root; the file mode already keeps out everyone outside the group.
 * Clients are non-blocking, at most DAQS_CTLSERVER_MAX_CLIENTS at once; a
 * request line over DAQS_CTL_MAX_LINE gets an error reply and the
 * connection is closed.
 */
#pragma once

#include <sys/types.h>

#include "ctl.h"

#define DAQS_CTLSERVER_MAX_CLIENTS 64

/* Returns the reply line (with '\n', caller frees). Called on the event loop. */
typedef char *(*daqs_ctl_handler)(void *ud, const struct daqs_ctl_request *rq);

struct daqs_ctlserver;

int daqs_ctlserver_new(const char *path, gid_t gid, daqs_ctl_handler h, void *ud,
		       struct daqs_ctlserver **out);
/* Closes every client and removes the socket file. NULL is a no-op. */
void daqs_ctlserver_free(struct daqs_ctlserver *s);
