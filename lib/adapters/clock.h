/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one clock read of daqs: CLOCK_MONOTONIC in nanoseconds. An adapter
 * (the pure core never reads a clock: time is passed in).
 */
#pragma once

#include <stdint.h>

uint64_t daqs_monotonic_ns(void);
