/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "units.h"
#include "diag.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mem.h"

struct unit {
	const char *name;
	uint64_t mult; /* base units per 1 of this unit */
};

static const struct unit rate_units[] = {
	{ "bit", 1 },
	{ "kbit", DAQS_KBIT },
	{ "mbit", DAQS_MBIT },
	{ "gbit", DAQS_GBIT },
	{ "tbit", DAQS_TBIT },
	{ "byte", 8 },
	{ "kbyte", 8 * DAQS_KBIT },
	{ "mbyte", 8 * DAQS_MBIT },
	{ "gbyte", 8 * DAQS_GBIT },
	{ "tbyte", 8 * DAQS_TBIT },
};

static const struct unit duration_units[] = {
	{ "ns", 1 },
	{ "us", 1000ULL },
	{ "ms", 1000000ULL },
	{ "s", 1000000000ULL },
	{ "min", 60ULL * 1000000000ULL },
	{ "h", 3600ULL * 1000000000ULL },
};

/*
 * A plain decimal: digits, optionally '.' and more digits (".5" and "1." are
 * not plain). Stores the value scaled by 10^frac_digits in *mant (exact), and
 * the number of fraction digits. Returns the number of characters consumed,
 * 0 if none.
 */
static size_t parse_decimal(const char *s, unsigned __int128 *mant, unsigned *frac_digits,
			    bool *overflow)
{
	const char *p = s;
	unsigned __int128 m = 0;
	unsigned fd = 0;
	bool any = false, dot = false;

	*overflow = false;
	if (!isdigit((unsigned char)*s))
		return 0;
	for (;; p++) {
		if (isdigit((unsigned char)*p)) {
			any = true;
			if (m > ((unsigned __int128)1 << 70)) {
				*overflow = true;
			} else {
				m = m * 10 + (unsigned)(*p - '0');
				if (dot)
					fd++;
			}
		} else if (*p == '.' && !dot) {
			dot = true;
		} else {
			break;
		}
	}
	if (!any || (dot && p[-1] == '.'))
		return 0;
	if (fd > 18)
		*overflow = true;
	*mant = m;
	*frac_digits = fd;
	return (size_t)(p - s);
}

static unsigned __int128 pow10u(unsigned e)
{
	unsigned __int128 r = 1;

	while (e--)
		r *= 10;
	return r;
}

static const struct unit *find_unit(const struct unit *t, size_t n, const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(t[i].name) == len && strncasecmp(t[i].name, name, len) == 0)
			return &t[i];
	return NULL;
}

/* Split "12.5 gbit/s" into number and unit; common to rates and durations. */
static int split_value(const char *s, unsigned __int128 *mant, unsigned *fd, const char **unit,
		       size_t *ulen, char *why, size_t whylen)
{
	const char *p = s, *end;
	size_t used;
	bool ovf;

	if (!s || !*s)
		return daqs_why(why, whylen, -EINVAL, "empty value");
	if (*p == '-')
		return daqs_why(why, whylen, -ERANGE, "'%s' is negative", s);
	if (*p == '+')
		return daqs_why(why, whylen, -EINVAL, "'%s' has a sign; write the plain number", s);
	used = parse_decimal(p, mant, fd, &ovf);
	if (!used)
		return daqs_why(why, whylen, -EINVAL, "'%s' does not start with a number", s);
	if (ovf)
		return daqs_why(why, whylen, -ERANGE, "'%s' has too many digits", s);
	p += used;
	if (*p == ' ')
		p++;
	end = p + strlen(p);
	*unit = p;
	*ulen = (size_t)(end - p);
	return 0;
}

static int scale(unsigned __int128 mant, unsigned fd, uint64_t mult, uint64_t max, uint64_t *out,
		 const char *s, const char *what, char *why, size_t whylen)
{
	unsigned __int128 v = mant * mult, div = pow10u(fd);

	if (v % div)
		return daqs_why(why, whylen, -ERANGE, "'%s' is finer than 1 %s", s, what);
	v /= div;
	if (v > max)
		return daqs_why(why, whylen, -ERANGE, "'%s' is too large", s);
	*out = (uint64_t)v;
	return 0;
}

int daqs_units_parse_rate(const char *s, uint64_t *bps, char *why, size_t whylen)
{
	unsigned __int128 mant;
	unsigned fd;
	const char *u;
	const struct unit *unit;
	size_t ulen;
	int r;

	r = split_value(s, &mant, &fd, &u, &ulen, why, whylen);
	if (r < 0)
		return r;
	if (ulen == 0)
		return daqs_why(why, whylen, -EINVAL,
				"'%s' has no unit; write e.g. '%sgbit' or '%smbit'", s, s, s);
	if (ulen > 2 && u[ulen - 2] == '/' && (u[ulen - 1] == 's' || u[ulen - 1] == 'S'))
		ulen -= 2;
	unit = find_unit(rate_units, DAQS_ARRAY_SIZE(rate_units), u, ulen);
	if (unit)
		return scale(mant, fd, unit->mult, DAQS_RATE_MAX_BPS, bps, s, "bit/s", why, whylen);
	if (ulen >= 3 && strncasecmp(u + ulen - 3, "bps", 3) == 0)
		return daqs_why(
			why, whylen, -EINVAL,
			"ambiguous unit '%.*s' in '%s': tc reads it as bytes per second; write "
			"'bit' units for bits (e.g. 'mbit') or 'byte/s' units for bytes "
			"(e.g. 'mbyte/s')",
			(int)ulen, u, s);
	return daqs_why(why, whylen, -EINVAL,
			"unknown rate unit '%.*s' in '%s' (use bit, kbit, mbit, gbit, tbit)",
			(int)ulen, u, s);
}

int daqs_units_parse_duration(const char *s, uint64_t *ns, char *why, size_t whylen)
{
	unsigned __int128 mant;
	unsigned fd;
	const char *u;
	const struct unit *unit;
	size_t ulen;
	int r;

	r = split_value(s, &mant, &fd, &u, &ulen, why, whylen);
	if (r < 0)
		return r;
	if (ulen == 0)
		return daqs_why(why, whylen, -EINVAL,
				"'%s' has no unit; write e.g. '%sms' or '%ss'", s, s, s);
	unit = find_unit(duration_units, DAQS_ARRAY_SIZE(duration_units), u, ulen);
	if (!unit)
		return daqs_why(why, whylen, -EINVAL,
				"unknown duration unit '%.*s' in '%s' (use ns, us, ms, s, min, h)",
				(int)ulen, u, s);
	return scale(mant, fd, unit->mult, DAQS_DURATION_MAX_NS, ns, s, "ns", why, whylen);
}

int daqs_units_parse_ppm(const char *s, uint32_t *ppm, char *why, size_t whylen)
{
	unsigned __int128 mant;
	unsigned fd;
	const char *u;
	size_t ulen;
	uint64_t v = 0; /* set by scale(); gcc -O3 cannot see it */
	int r;

	r = split_value(s, &mant, &fd, &u, &ulen, why, whylen);
	if (r < 0)
		return r;
	if (ulen == 1 && u[0] == '%')
		r = scale(mant, fd, 10000, UINT64_MAX, &v, s, "ppm", why, whylen);
	else if (ulen == 0)
		r = scale(mant, fd, 1000000, UINT64_MAX, &v, s, "ppm", why, whylen);
	else
		return daqs_why(why, whylen, -EINVAL,
				"'%s' is not a fraction (write e.g. '5%%' or '0.05')", s);
	if (r < 0)
		return r;
	if (v > 1000000)
		return daqs_why(why, whylen, -ERANGE, "'%s' is more than 100%%", s);
	*ppm = (uint32_t)v;
	return 0;
}

/* Render v/mult with at most 3 decimals if exact; returns false if not exact. */
static bool format_exact(uint64_t v, uint64_t mult, const char *name, char *buf, size_t n, int *ret)
{
	uint64_t whole = v / mult, rem = v % mult;
	char frac[24];
	int len;

	if (mult >= 1000 && rem % (mult / 1000))
		return false;
	if (mult < 1000 && rem)
		return false;
	if (!rem) {
		*ret = snprintf(buf, n, "%llu%s", (unsigned long long)whole, name);
		return true;
	}
	snprintf(frac, sizeof(frac), "%03llu", (unsigned long long)(rem / (mult / 1000)));
	len = 3;
	while (len > 0 && frac[len - 1] == '0')
		frac[--len] = '\0';
	*ret = snprintf(buf, n, "%llu.%s%s", (unsigned long long)whole, frac, name);
	return true;
}

int daqs_units_format_rate(uint64_t bps, char *buf, size_t n)
{
	static const struct unit order[] = {
		{ "tbit", DAQS_TBIT }, { "gbit", DAQS_GBIT }, { "mbit", DAQS_MBIT },
		{ "kbit", DAQS_KBIT }, { "bit", 1 },
	};
	int ret = 0;

	for (size_t i = 0; i < DAQS_ARRAY_SIZE(order); i++)
		if (bps >= order[i].mult &&
		    format_exact(bps, order[i].mult, order[i].name, buf, n, &ret))
			return ret;
	return snprintf(buf, n, "%llubit", (unsigned long long)bps);
}

int daqs_units_format_rate_approx(double bps, char *buf, size_t n)
{
	static const struct {
		const char *name;
		double mult;
	} order[] = { { "kbit", 1e3 }, { "mbit", 1e6 }, { "gbit", 1e9 }, { "tbit", 1e12 } };
	size_t i = 0;

	if (!(bps >= 0) || isinf(bps))
		return snprintf(buf, n, "-");
	/* Below 999.5 a value keeps 3 digits: "%.3g" cannot round it up to "1e+03". */
	if (bps < 999.5)
		return snprintf(buf, n, "%.0fbit", bps);
	while (i + 1 < DAQS_ARRAY_SIZE(order) && bps / order[i].mult >= 999.5)
		i++;
	if (bps / order[i].mult >= 999.5)
		return snprintf(buf, n, "%.0f%s", bps / order[i].mult, order[i].name);
	return snprintf(buf, n, "%.3g%s", bps / order[i].mult, order[i].name);
}

int daqs_units_format_duration(uint64_t ns, char *buf, size_t n)
{
	static const struct unit order[] = {
		{ "s", 1000000000ULL },
		{ "ms", 1000000ULL },
		{ "us", 1000ULL },
		{ "ns", 1 },
	};
	int ret = 0;

	if (ns == 0)
		return snprintf(buf, n, "0s");
	for (size_t i = 0; i < DAQS_ARRAY_SIZE(order); i++)
		if (ns >= order[i].mult &&
		    format_exact(ns, order[i].mult, order[i].name, buf, n, &ret))
			return ret;
	return snprintf(buf, n, "%lluns", (unsigned long long)ns);
}
