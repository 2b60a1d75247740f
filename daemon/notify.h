/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * systemd readiness protocol without libsystemd: one datagram to
 * $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace) per
 * message ("READY=1", "STATUS=...", "RELOADING=1\nMONOTONIC_USEC=N",
 * "STOPPING=1"). A no-op when NOTIFY_SOCKET is unset (not under systemd).
 * Returns 0, or -errno (the caller logs it).
 */
#pragma once

int daqs_notify(const char *msg);
/* "RELOADING=1\nMONOTONIC_USEC=<now>" (systemd >= 253 reads the second line). */
int daqs_notify_reloading(void);
