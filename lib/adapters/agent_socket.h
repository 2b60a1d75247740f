/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guest-agent transport over a raw unix stream socket: a QEMU
 * "-chardev socket,server=on" bound to the guest's virtio-serial port,
 * Proxmox's per-VM qga socket, or "qemu-ga -m unix-listen" in tests.
 * One persistent connection, opened on the first call and again after any
 * error; every (re)connect is followed by the 0xFF + guest-sync-delimited
 * handshake. Calls on one transport are serialised; separate transports
 * share nothing.
 */
#pragma once

#include "agent.h"

/*
 * path: the socket (copied). log(log_ud, msg) receives each failure once, as
 * "agent: <what failed> '<path>' (<reason>)"; log may be NULL. Never fails
 * (no I/O happens here). t->ops->free(t->t) closes the connection and frees
 * everything, t included.
 */
struct daqs_agent_transport *
daqs_agent_socket_new(const char *path, void (*log)(void *ud, const char *msg), void *log_ud);
