/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A libvirt connection of an adapter's own (opened on first use, reopened
 * when it died), and libvirt's last error as -errno with its message: what
 * the VF hot-plug worker and the tap adapter share. The message is made one
 * line (newlines become spaces).
 *   -ENOENT      no such (running) domain
 *   -ENODEV      no such device in it
 *   -ETIMEDOUT   libvirt timed out
 *   -EOPNOTSUPP  the driver or hypervisor does not support it
 *   -ECONNREFUSED  libvirtd unreachable (daqs_lv_connect)
 *   -EIO         anything else (why holds libvirt's message)
 */
#pragma once

#include <stddef.h>

#include <libvirt/libvirt.h>

/* libvirt's last error as -errno; its message into why. */
int daqs_lv_errno(char *why, size_t len);
/* *conn alive, or opened to uri now: 0, or -ECONNREFUSED (why says why). */
int daqs_lv_connect(virConnectPtr *conn, const char *uri, char *why, size_t len);
