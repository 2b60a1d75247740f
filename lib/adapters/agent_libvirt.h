/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guest-agent transport through libvirt: virDomainQemuAgentCommand() on one
 * domain (libvirt-qemu). libvirt owns the agent socket, the 0xFF/guest-sync
 * handshake and the reconnects; this transport only turns the absolute
 * deadline into libvirt's whole-second timeout and libvirt's errors into the
 * errno values of agent.h (the table is in agent_libvirt.c).
 *
 * One agent job per domain: libvirt runs at most one agent job per domain
 * at a time, across all of its clients. A second call on the same domain
 * waits for the "state change lock" for up to 30 s and then fails with
 * VIR_ERR_OPERATION_TIMEOUT "cannot acquire state change lock (held by
 * agent=...)" (-EBUSY here), whatever timeout it was given. So the daemon
 * must never run two calls on one domain at once: one transport per domain,
 * and one caller per transport. Calls on one transport are serialised here
 * (a caller waits for a call in progress only until its own deadline);
 * separate transports on the same domain are not, and must not be created.
 *
 * Differences from the socket transport (agent.h):
 * - the deadline is best effort: libvirt takes whole seconds (rounded up
 *   here, so a call may overrun by < 1 s), its guest-sync before each
 *   command waits up to 5 s regardless (shorter only after
 *   virDomainAgentSetResponseTimeout), and waiting for the job lock is not
 *   bounded by the timeout at all (see above);
 * - an error answer from the agent does not come back as a line: libvirt
 *   turns it into VIR_ERR_INTERNAL_ERROR "unable to execute QEMU agent
 *   command '<cmd>': <desc>", so -EREMOTEIO comes with *reply == NULL and
 *   the agent's desc only in the log message (the class is lost);
 * - -ENOTCONN: the agent is not connected to the channel (guest booting,
 *   agent not running), -EOPNOTSUPP: no agent channel configured or a
 *   driver without agent support, -ESRCH: domain not running, -ENOENT:
 *   domain gone, -EBUSY: another agent job on the domain, -EIO: libvirt or
 *   its connection failed.
 */
#pragma once

#include <libvirt/libvirt.h>
#include <stdint.h>

#include "agent.h"

/*
 * dom: a reference is taken (virDomainRef), so the caller may free its own;
 * that reference also keeps dom's connection open. log(log_ud, msg) receives
 * each failure once, as "agent: <what> failed '<domain name>' (<reason>)";
 * log may be NULL. NULL if dom is not a valid domain. t->ops->free(t->t)
 * drops the reference and frees everything, t included.
 */
struct daqs_agent_transport *
daqs_agent_libvirt_new(virDomainPtr dom, void (*log)(void *ud, const char *msg), void *log_ud);

/*
 * The negative errno for a failed virDomainQemuAgentCommand(): code is
 * virError.code, message is virError.message (may be NULL). Pure; the
 * table is in agent_libvirt.c.
 */
int daqs_libvirt_agent_errno(int code, const char *message);

/*
 * libvirt's timeout for a call started at now_ns that must end by
 * deadline_ns: whole seconds rounded up, at least 1, at most INT_MAX;
 * -ETIMEDOUT if the deadline has passed. Pure.
 */
int daqs_libvirt_agent_timeout_s(uint64_t deadline_ns, uint64_t now_ns);
