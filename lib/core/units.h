/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Units: bit rates, durations and fractions as text <-> integers.
 *
 * Rates are decimal bits per second everywhere in daqs (1 gbit = 10^9 bit/s).
 * Accepted rate units (case-insensitive, optional "/s", optional space before
 * the unit): bit kbit mbit gbit tbit, and explicit byte rates
 * byte/s kbyte/s mbyte/s gbyte/s tbyte/s (multiplied by 8).
 * Rejected on purpose: bps kbps mbps gbps tbps (tc(8) reads "mbps" as
 * megaBYTES per second, most people read megabits), bare prefixes (k, M, G)
 * and numbers without a unit. Numbers are plain decimals (no sign, no
 * exponent); the value must come out as a whole number of bits per second.
 *
 * Durations: ns us ms s min h (e.g. "200ms", "1.5s"); result in nanoseconds.
 * Fractions: "5%" or "0.05"; result in parts per million.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DAQS_KBIT 1000ULL
#define DAQS_MBIT 1000000ULL
#define DAQS_GBIT 1000000000ULL
#define DAQS_TBIT 1000000000000ULL

/* Largest rate accepted anywhere: 1000 tbit/s. */
#define DAQS_RATE_MAX_BPS (1000ULL * DAQS_TBIT)
/* Largest duration accepted: 30 days. */
#define DAQS_DURATION_MAX_NS (30ULL * 24 * 3600 * 1000000000ULL)

/*
 * Each parser returns 0, or -EINVAL (malformed / unknown unit) or -ERANGE
 * (too large, or finer than the unit allows) and writes a short reason
 * ("unknown unit 'mbps' ...") into why when why is not NULL.
 */
int daqs_units_parse_rate(const char *s, uint64_t *bps, char *why, size_t whylen);
int daqs_units_parse_duration(const char *s, uint64_t *ns, char *why, size_t whylen);
int daqs_units_parse_ppm(const char *s, uint32_t *ppm, char *why, size_t whylen);

/*
 * Exact rendering with the largest unit that keeps at most 3 decimals:
 * 10000000000 -> "10gbit", 1500000000 -> "1.5gbit", 123 -> "123bit".
 * The output parses back to the same value. Returns snprintf's result.
 */
int daqs_units_format_rate(uint64_t bps, char *buf, size_t n);
/* Human rendering of a measured rate with 3 significant digits: "9.87gbit". */
int daqs_units_format_rate_approx(double bps, char *buf, size_t n);
/* Exact rendering of a duration: "200ms", "1.5s", "250us". */
int daqs_units_format_duration(uint64_t ns, char *buf, size_t n);
