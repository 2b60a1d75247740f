/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daqsctl's side of the control socket: connect, send one request line, read
 * one reply line. Every step is bounded by one deadline (poll on non-blocking
 * sockets), so a hung or absent daemon never blocks the caller.
 */
#pragma once

#include <stdbool.h>

/*
 * Send request (one line ending in '\n') to the daemon at path and read the
 * reply line into *reply (no '\n', caller frees). 0, or -errno: *connected
 * says whether the failure came after the connection was made.
 * -ETIMEDOUT: the deadline passed; -ECONNRESET: the daemon closed the
 * connection without a whole reply; -EMSGSIZE: the reply line is too long;
 * -ENAMETOOLONG: path does not fit a unix socket address; else connect's or
 * I/O's errno (-ENOENT, -EACCES, -ECONNREFUSED, ...).
 */
int daqs_ctl_client_call(const char *path, const char *request, int timeout_ms, char **reply,
			 bool *connected);
