/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A link's speed as the kernel reports it (capacity: auto): the PF's
 * /sys/class/net/DEV/speed, in Mb/s. Behind an ops struct so the driver
 * can be run against a fake in tests.
 */
#pragma once

#include <stdint.h>

struct daqs_link_speed {
	/* 0 and *bps, or -errno: -ENODEV no such device, -ENOLINK down or unknown (-1), -EIO */
	int (*read)(void *ud, const char *dev, uint64_t *bps);
	void *ud;
};

/* The kernel's: ud is the sysfs net root ("/sys/class/net" when NULL). */
int daqs_link_speed_sysfs(void *ud, const char *dev, uint64_t *bps);
