/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daqsd's control socket (protocol: lib/core/ctl.h), served from the event loop
 * (libvirt's event implementation: virEventAddHandle).
 *
 * The socket is created mode 0660 (the umask at bind), owner root, group
 * `gid` (lchown: never through a symlink; or the daemon's group when gid
 * is (gid_t)-1), in a directory created 0755 if missing. An existing
 * directory that group or others may write is refused (-EPERM) unless it is
 * sticky (/tmp): others could swap the socket there. A stale socket file
 * (nobody accepts on it) is replaced; a live one means another daqsd runs:
 * -EADDRINUSE. Each client's credentials come from SO_PEERCRED at accept:
 * mutating verbs are refused (EPERM) unless the peer is root; the file mode
 * already keeps out everyone outside the group.
 *
 * Limits, so that a user allowed `status` cannot grow the daemon or lock
 * root out:
 *  - at most DAQS_CTLSERVER_MAX_CLIENTS clients, DAQS_CTLSERVER_MAX_PER_UID
 *    of each non-root user (more: EBUSY reply, closed); root is always
 *    served: with every slot taken, the non-root client idle longest is
 *    dropped for it (root's own clients never are);
 *  - requests are answered one at a time: nothing more is read from a
 *    client while a reply to it is unsent, so its pipelined requests wait
 *    in the kernel, not in daqsd; a reply that would leave more than
 *    DAQS_CTLSERVER_MAX_OUTPUT bytes unsent drops the client;
 *  - a request line over DAQS_CTL_MAX_REQUEST gets an EMSGSIZE reply and the
 *    connection is closed; refused requests (malformed, too long, root only)
 *    are logged once per client, each gets its error reply;
 *  - a non-root client is dropped when a request line is not finished
 *    DAQS_CTLSERVER_LINE_MS after its first byte, a reply stays unread for
 *    DAQS_CTLSERVER_SEND_MS, or it sends nothing for DAQS_CTLSERVER_IDLE_MS
 *    (checked every DAQS_CTLSERVER_SWEEP_MS);
 *  - refusals and drops are logged at most once a second (the rest counted).
 */
#pragma once

#include <sys/types.h>

#include "ctl.h"

#define DAQS_CTLSERVER_MAX_CLIENTS 64
#define DAQS_CTLSERVER_MAX_PER_UID 8
/* status of 1000 VMs measured 593 KB (--connect none; the longest names and
 * errors add under 1 KB a VM); a longer reply daqsctl could not read anyway */
#define DAQS_CTLSERVER_MAX_OUTPUT DAQS_CTL_MAX_LINE
#define DAQS_CTLSERVER_LINE_MS 5000
#define DAQS_CTLSERVER_SEND_MS 10000
#define DAQS_CTLSERVER_IDLE_MS 60000
#define DAQS_CTLSERVER_SWEEP_MS 1000

/* Returns the reply line (with '\n', caller frees). Called on the event loop. */
typedef char *(*daqs_ctl_handler)(void *ud, const struct daqs_ctl_request *rq);

struct daqs_ctlserver;

int daqs_ctlserver_new(const char *path, gid_t gid, daqs_ctl_handler h, void *ud,
		       struct daqs_ctlserver **out);
/* Closes every client and removes the socket file. NULL is a no-op. */
void daqs_ctlserver_free(struct daqs_ctlserver *s);
