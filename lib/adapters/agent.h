/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guest-agent transports behind one small interface: a call sends one
 * request line and returns the reply line parsed (once, by the strict reader
 * of jsonline.h: the codec splits that object, it does not parse the text
 * again), within an absolute deadline on CLOCK_MONOTONIC. Implementations: raw unix socket (agent_socket.c: plain
 * QEMU -chardev socket, Proxmox, qemu-ga -m unix-listen in tests) and
 * libvirt's virDomainQemuAgentCommand (agent_libvirt.c).
 *
 * Errors (negative errno, reported once by the transport through its log
 * callback): -ETIMEDOUT deadline passed; -ECONNREFUSED / -ENOENT agent not
 * listening; -EPIPE / -ECONNRESET agent went away (the next call reconnects);
 * -EPROTO reply out of sync, over DAQS_QGA_MAX_REPLY or not one JSON object;
 * -EREMOTEIO the agent answered with an error (the reply is still returned).
 */
#pragma once

#include <stdint.h>

struct json_object;

struct daqs_agent_transport_ops {
	const char *name; /* "socket", "libvirt" */
	/* reply: the reply line as a JSON object (caller puts), NULL with any other error */
	int (*call)(void *t, const char *request, struct json_object **reply, uint64_t deadline_ns);
	void (*free)(void *t);
};

struct daqs_agent_transport {
	const struct daqs_agent_transport_ops *ops;
	void *t;
};

/*
 * Builds a guest's transport with the log callback its owner wants it to
 * report through (so each failure is reported once per transition by the
 * owner, not once per call); arg is the maker's own.
 */
typedef struct daqs_agent_transport *(*daqs_transport_maker)(void *arg,
							     void (*log)(void *ud, const char *msg),
							     void *log_ud);
