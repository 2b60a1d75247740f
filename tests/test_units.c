/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Units: parsing rates, durations and fractions; exact and approximate formatting. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "mem.h"
#include "unit.h"
#include "units.h"

#define SENTINEL 0x5a5a5a5a5a5a5a5aULL

/*
 * ck_assert() reports every check that passes to the parent process (CK_FORK):
 * in loops of 10^5 checks that costs many seconds. This reports only failures.
 */
#define QUIET_ASSERT_MSG(cond, ...)                \
	do {                                       \
		if (!(cond))                       \
			ck_abort_msg(__VA_ARGS__); \
	} while (0)

struct parse_ok {
	const char *s;
	uint64_t v;
};

struct parse_bad {
	const char *s;
	int err;
	const char *why; /* substring of the reason */
};

/* parse_ppm has a uint32_t result; adapt it to the common shape. */
static int parse_ppm64(const char *s, uint64_t *v, char *why, size_t whylen)
{
	uint32_t ppm = 0x5a5a5a5a;
	int r = daqs_units_parse_ppm(s, &ppm, why, whylen);

	*v = ppm == 0x5a5a5a5a ? SENTINEL : ppm;
	return r;
}

static void check_ok(int (*parse)(const char *, uint64_t *, char *, size_t),
		     const struct parse_ok *c)
{
	char why[128] = "";
	uint64_t v = SENTINEL;

	ck_assert_msg(parse(c->s, &v, why, sizeof(why)) == 0, "'%s' rejected: %s", c->s, why);
	ck_assert_msg(v == c->v, "'%s' -> %llu, want %llu", c->s, (unsigned long long)v,
		      (unsigned long long)c->v);
	v = SENTINEL;
	ck_assert_int_eq(parse(c->s, &v, NULL, 0), 0); /* why is optional */
	ck_assert_uint_eq(v, c->v);
}

static void check_bad(int (*parse)(const char *, uint64_t *, char *, size_t),
		      const struct parse_bad *c)
{
	char why[256] = "", tiny[8];
	uint64_t v = SENTINEL;
	int r = parse(c->s, &v, why, sizeof(why));

	ck_assert_msg(r == c->err, "'%s': got %d, want %d (%s)", c->s, r, c->err, why);
	ck_assert_msg(strstr(why, c->why), "'%s': reason '%s' lacks '%s'", c->s, why, c->why);
	ck_assert_uint_eq(v, SENTINEL); /* nothing written on failure */
	ck_assert_int_eq(parse(c->s, &v, NULL, 0), c->err);
	memset(tiny, 'x', sizeof(tiny));
	ck_assert_int_eq(parse(c->s, &v, tiny, sizeof(tiny)), c->err); /* truncated, terminated */
	ck_assert_uint_le(strlen(tiny), sizeof(tiny) - 1);
}

/* ---- rates ---- */

static const struct parse_ok rate_ok[] = {
	{ "40gbit", 40000000000ULL },
	{ "10Gbit", 10000000000ULL },
	{ "1.5gbit", 1500000000ULL },
	{ "100 mbit", 100000000ULL },
	{ "10gbit/s", 10000000000ULL },
	{ "1mbyte/s", 8000000ULL },
	{ "0bit", 0 },
	{ "1000tbit", 1000000000000000ULL }, /* DAQS_RATE_MAX_BPS */
	{ "125tbyte/s", 1000000000000000ULL },
	{ "1bit", 1 },
	{ "1kbit", 1000 },
	{ "2tbit", 2000000000000ULL },
	{ "1byte", 8 },
	{ "0.5byte/s", 4 },
	{ "1.5 kbyte/s", 12000 },
	{ "1gbyte", 8000000000ULL },
	{ "10GBIT/S", 10000000000ULL },
	{ "0.001kbit", 1 },
	{ "937.5mbit", 937500000ULL },
	{ "1.000000001gbit", 1000000001ULL },
	{ "007mbit", 7000000ULL },
	{ "999.999999999999tbit", 999999999999999ULL },
	{ "1234.567mbit", 1234567000ULL },
};

static const struct parse_bad rate_bad[] = {
	{ "mbps", -EINVAL, "does not start with a number" },
	{ "10MBps", -EINVAL, "ambiguous unit 'MBps'" },
	{ "10mbps", -EINVAL, "tc reads it as bytes per second" },
	{ "10", -EINVAL, "has no unit" },
	{ "10G", -EINVAL, "unknown rate unit 'G'" },
	{ "k", -EINVAL, "does not start with a number" },
	{ "-5gbit", -ERANGE, "is negative" },
	{ "+5gbit", -EINVAL, "has a sign" },
	{ "1.5bit", -ERANGE, "finer than 1 bit/s" },
	{ "1.0001kbit", -ERANGE, "finer than 1 bit/s" },
	{ "1001tbit", -ERANGE, "too large" },
	{ "1000.000000000001tbit", -ERANGE, "too large" },
	{ "99999999999999999999999bit", -ERANGE, "too many digits" },
	{ "1.0000000000000000001tbit", -ERANGE, "too many digits" },
	{ "1.gbit", -EINVAL, "does not start with a number" },
	{ ".5gbit", -EINVAL, "does not start with a number" },
	{ "abc", -EINVAL, "does not start with a number" },
	{ "", -EINVAL, "empty" },
	{ "10 gbits", -EINVAL, "unknown rate unit 'gbits'" },
	{ "10  gbit", -EINVAL, "unknown rate unit ' gbit'" },
	{ "10gbit ", -EINVAL, "unknown rate unit 'gbit '" },
	{ " 10gbit", -EINVAL, "does not start with a number" },
	{ "1e9bit", -EINVAL, "unknown rate unit 'e9bit'" },
	{ "1,5gbit", -EINVAL, "unknown rate unit ',5gbit'" },
	{ "1.2.3gbit", -EINVAL, "unknown rate unit '.3gbit'" },
	{ "10/s", -EINVAL, "unknown rate unit '/s'" },
	{ "10gbit/s/s", -EINVAL, "unknown rate unit" },
	{ "10ms", -EINVAL, "unknown rate unit 'ms'" },
};

START_TEST(test_rate_ok)
{
	check_ok(daqs_units_parse_rate, &rate_ok[_i]);
}
END_TEST

START_TEST(test_rate_bad)
{
	check_bad(daqs_units_parse_rate, &rate_bad[_i]);
}
END_TEST

START_TEST(test_rate_null)
{
	char why[64] = "";
	uint64_t v = SENTINEL;

	ck_assert_int_eq(daqs_units_parse_rate(NULL, &v, why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "empty value");
	ck_assert_uint_eq(v, SENTINEL);
}
END_TEST

/* ---- durations ---- */

static const struct parse_ok duration_ok[] = {
	{ "200ms", 200000000ULL },
	{ "1.5s", 1500000000ULL },
	{ "2min", 120000000000ULL },
	{ "250us", 250000ULL },
	{ "1ns", 1 },
	{ "0s", 0 },
	{ "1h", 3600000000000ULL },
	{ "30 s", 30000000000ULL },
	{ "0.5ms", 500000ULL },
	{ "1.5MS", 1500000ULL },
	{ "720h", 2592000000000000ULL }, /* DAQS_DURATION_MAX_NS */
	{ "1234.567us", 1234567ULL },
};

static const struct parse_bad duration_bad[] = {
	{ "200", -EINVAL, "has no unit" },
	{ "5m", -EINVAL, "unknown duration unit 'm'" },
	{ "-1s", -ERANGE, "is negative" },
	{ "1.5ns", -ERANGE, "finer than 1 ns" },
	{ "721h", -ERANGE, "too large" },
	{ "1sec", -EINVAL, "unknown duration unit 'sec'" },
	{ "s", -EINVAL, "does not start with a number" },
	{ "", -EINVAL, "empty" },
	{ ".5s", -EINVAL, "does not start with a number" },
	{ "200ms/s", -EINVAL, "unknown duration unit" },
};

START_TEST(test_duration_ok)
{
	check_ok(daqs_units_parse_duration, &duration_ok[_i]);
}
END_TEST

START_TEST(test_duration_bad)
{
	check_bad(daqs_units_parse_duration, &duration_bad[_i]);
}
END_TEST

/* ---- fractions (ppm) ---- */

static const struct parse_ok ppm_ok[] = {
	{ "5%", 50000 },   { "0.05", 50000 },	 { "100%", 1000000 },	  { "0%", 0 },
	{ "1", 1000000 },  { "0", 0 },		 { "0.5%", 5000 },	  { "0.0001%", 1 },
	{ "0.000001", 1 }, { "12.5 %", 125000 }, { "1.000000", 1000000 },
};

static const struct parse_bad ppm_bad[] = {
	{ "101%", -ERANGE, "more than 100%" },
	{ "1.5", -ERANGE, "more than 100%" },
	{ "5 percent", -EINVAL, "not a fraction" },
	{ "5%%", -EINVAL, "not a fraction" },
	{ "0.00001%", -ERANGE, "finer than 1 ppm" },
	{ "0.0000001", -ERANGE, "finer than 1 ppm" },
	{ "%", -EINVAL, "does not start with a number" },
	{ "-5%", -ERANGE, "is negative" },
	{ "", -EINVAL, "empty" },
	{ "99999999999999999999%", -ERANGE, "too large" },
};

START_TEST(test_ppm_ok)
{
	check_ok(parse_ppm64, &ppm_ok[_i]);
}
END_TEST

START_TEST(test_ppm_bad)
{
	check_bad(parse_ppm64, &ppm_bad[_i]);
}
END_TEST

/* ---- exact formatting ---- */

struct format_case {
	uint64_t v;
	const char *s;
};

static const struct format_case rate_fmt[] = {
	{ 10000000000ULL, "10gbit" },
	{ 1500000000ULL, "1.5gbit" },
	{ 937500000ULL, "937.5mbit" },
	{ 123, "123bit" },
	{ 1234567000ULL, "1234.567mbit" }, /* 1.234567gbit needs 6 decimals */
	{ 0, "0bit" },
	{ 1, "1bit" },
	{ 999, "999bit" },
	{ 1000, "1kbit" },
	{ 1001, "1.001kbit" },
	{ 1010, "1.01kbit" },
	{ 1500, "1.5kbit" },
	{ 1234567ULL, "1234.567kbit" },
	{ 1234567891ULL, "1234567.891kbit" },
	{ 8000000ULL, "8mbit" },
	{ 40000000000ULL, "40gbit" },
	{ 2500000000000ULL, "2.5tbit" },
	{ 1000000000000000ULL, "1000tbit" },
	{ 999999999999999ULL, "999999999999.999kbit" },
};

static void check_format(int (*fmt)(uint64_t, char *, size_t), const struct format_case *c)
{
	char buf[64];
	int n = fmt(c->v, buf, sizeof(buf));

	ck_assert_str_eq(buf, c->s);
	ck_assert_int_eq(n, (int)strlen(c->s));
}

START_TEST(test_format_rate)
{
	uint64_t back = SENTINEL;
	char buf[64];

	check_format(daqs_units_format_rate, &rate_fmt[_i]);
	daqs_units_format_rate(rate_fmt[_i].v, buf, sizeof(buf));
	ck_assert_int_eq(daqs_units_parse_rate(buf, &back, NULL, 0), 0);
	ck_assert_uint_eq(back, rate_fmt[_i].v);
}
END_TEST

/* Multiplier of the unit that ends buf ("kbit" -> 1000); 0 if none. */
static uint64_t rate_unit_mult(const char *buf)
{
	static const struct format_case units[] = {
		{ DAQS_TBIT, "tbit" }, { DAQS_GBIT, "gbit" }, { DAQS_MBIT, "mbit" },
		{ DAQS_KBIT, "kbit" }, { 1, "bit" },
	};
	size_t n = strlen(buf);

	for (size_t i = 0; i < DAQS_ARRAY_SIZE(units); i++) {
		size_t ul = strlen(units[i].s);

		if (n > ul && strcmp(buf + n - ul, units[i].s) == 0)
			return units[i].v;
	}
	return 0;
}

/* splitmix64: deterministic on every libc. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Values of every magnitude, many with trailing zeros, up to max. */
static uint64_t random_value(uint64_t *rng, uint64_t max)
{
	static const uint64_t pow10[] = {
		1ULL,
		10ULL,
		100ULL,
		1000ULL,
		10000ULL,
		100000ULL,
		1000000ULL,
		10000000ULL,
		100000000ULL,
		1000000000ULL,
		10000000000ULL,
		100000000000ULL,
		1000000000000ULL,
		10000000000000ULL,
		100000000000000ULL,
		1000000000000000ULL,
		10000000000000000ULL,
	};
	uint64_t digits = 1 + rng_next(rng) % 16;
	uint64_t zeros = rng_next(rng) % (digits + 1);
	uint64_t v = rng_next(rng) % pow10[digits];

	v = v / pow10[zeros] * pow10[zeros];
	return v % (max + 1);
}

/* The format is exact, at most 3 decimals, and no larger unit would do. */
static void check_rate_roundtrip(uint64_t v)
{
	char buf[64];
	const char *dot;
	uint64_t back = SENTINEL, mult;

	QUIET_ASSERT_MSG(daqs_units_format_rate(v, buf, sizeof(buf)) < (int)sizeof(buf), "%s", buf);
	QUIET_ASSERT_MSG(daqs_units_parse_rate(buf, &back, NULL, 0) == 0 && back == v,
			 "%llu -> '%s' -> %llu", (unsigned long long)v, buf,
			 (unsigned long long)back);
	dot = strchr(buf, '.');
	QUIET_ASSERT_MSG(!dot || strcspn(dot + 1, "kmgtb") <= 3, "'%s' has more than 3 decimals",
			 buf);
	mult = rate_unit_mult(buf);
	QUIET_ASSERT_MSG(mult != 0, "'%s' has no rate unit", buf);
	if (mult < DAQS_TBIT)
		QUIET_ASSERT_MSG(v < mult * 1000 || v % mult != 0,
				 "%llu: '%s' is not the largest unit", (unsigned long long)v, buf);
}

START_TEST(test_format_rate_roundtrip)
{
	uint64_t rng = 0xda95;

	for (int i = 0; i < 20000; i++)
		check_rate_roundtrip(random_value(&rng, DAQS_RATE_MAX_BPS));
	for (uint64_t v = 0; v < 3000; v++)
		check_rate_roundtrip(v);
	check_rate_roundtrip(DAQS_RATE_MAX_BPS);
	check_rate_roundtrip(DAQS_RATE_MAX_BPS - 1);
}
END_TEST

START_TEST(test_format_truncates)
{
	char buf[4];

	ck_assert_int_eq(daqs_units_format_rate(1500000000ULL, buf, sizeof(buf)), 7);
	ck_assert_str_eq(buf, "1.5");
	ck_assert_int_eq(daqs_units_format_duration(1500000000ULL, buf, sizeof(buf)), 4);
	ck_assert_str_eq(buf, "1.5");
	ck_assert_int_eq(daqs_units_format_rate_approx(9.87e9, buf, sizeof(buf)), 8);
	ck_assert_str_eq(buf, "9.8");
}
END_TEST

static const struct format_case duration_fmt[] = {
	{ 0, "0s" },
	{ 1, "1ns" },
	{ 999, "999ns" },
	{ 1000, "1us" },
	{ 1001, "1.001us" },
	{ 1500, "1.5us" },
	{ 250000ULL, "250us" },
	{ 1234567ULL, "1234.567us" },
	{ 50000000ULL, "50ms" },
	{ 200000000ULL, "200ms" },
	{ 1000000000ULL, "1s" },
	{ 1500000000ULL, "1.5s" },
	{ 120000000000ULL, "120s" },
	{ 3600000000000ULL, "3600s" },
};

START_TEST(test_format_duration)
{
	check_format(daqs_units_format_duration, &duration_fmt[_i]);
}
END_TEST

START_TEST(test_format_duration_roundtrip)
{
	uint64_t rng = 0xd0e5, v, back;
	char buf[64];

	for (int i = 0; i < 10000; i++) {
		v = random_value(&rng, DAQS_DURATION_MAX_NS);
		daqs_units_format_duration(v, buf, sizeof(buf));
		back = SENTINEL;
		QUIET_ASSERT_MSG(daqs_units_parse_duration(buf, &back, NULL, 0) == 0 && back == v,
				 "%llu -> '%s' -> %llu", (unsigned long long)v, buf,
				 (unsigned long long)back);
	}
}
END_TEST

/* ---- approximate formatting ---- */

static const struct {
	double v;
	const char *s;
} approx_fmt[] = {
	{ 9.87e9, "9.87gbit" },
	{ 1e9, "1gbit" },
	{ 40e9, "40gbit" },
	{ 999.96e6, "1gbit" }, /* not "1e+03mbit" */
	{ 999.5e6, "1gbit" },
	{ 999.4e6, "999mbit" },
	{ 123456789, "123mbit" },
	{ 12345678, "12.3mbit" },
	{ 1500, "1.5kbit" },
	{ 999.6, "1kbit" },
	{ 999.4, "999bit" },
	{ 123.4, "123bit" },
	{ 0.4, "0bit" },
	{ 0, "0bit" },
	{ 1.234e12, "1.23tbit" },
	{ 1e15, "1000tbit" },
	{ 1234e12, "1234tbit" }, /* not "1.23e+03tbit" */
	{ -1, "-" },
	{ NAN, "-" },
	{ INFINITY, "-" },
};

START_TEST(test_format_rate_approx)
{
	char buf[64];
	int n = daqs_units_format_rate_approx(approx_fmt[_i].v, buf, sizeof(buf));

	ck_assert_str_eq(buf, approx_fmt[_i].s);
	ck_assert_int_eq(n, (int)strlen(approx_fmt[_i].s));
}
END_TEST

/* Significant digits of the number that starts buf ("0.0125kbit" -> 3). */
static size_t sig_digits(const char *buf)
{
	size_t n = 0;

	buf += strspn(buf, "0.");
	for (; (*buf >= '0' && *buf <= '9') || *buf == '.'; buf++)
		n += *buf != '.';
	return n;
}

/* Never scientific notation, never more than 3 significant digits below 999.5 tbit. */
START_TEST(test_format_rate_approx_sweep)
{
	char buf[64];
	unsigned long n = 0;

	for (double v = 1; v < 999.5e12; v *= 1.0001, n++) {
		daqs_units_format_rate_approx(v, buf, sizeof(buf));
		QUIET_ASSERT_MSG(!strchr(buf, 'e') && buf[0] >= '0' && buf[0] <= '9' &&
					 sig_digits(buf) <= 3,
				 "%.17g -> '%s'", v, buf);
	}
	ck_assert_uint_gt(n, 300000);
}
END_TEST

Suite *daqs_test_units_suite(void)
{
	Suite *s = suite_create("units");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_rate_ok, 0, DAQS_ARRAY_SIZE(rate_ok));
	tcase_add_loop_test(tc, test_rate_bad, 0, DAQS_ARRAY_SIZE(rate_bad));
	tcase_add_test(tc, test_rate_null);
	tcase_add_loop_test(tc, test_duration_ok, 0, DAQS_ARRAY_SIZE(duration_ok));
	tcase_add_loop_test(tc, test_duration_bad, 0, DAQS_ARRAY_SIZE(duration_bad));
	tcase_add_loop_test(tc, test_ppm_ok, 0, DAQS_ARRAY_SIZE(ppm_ok));
	tcase_add_loop_test(tc, test_ppm_bad, 0, DAQS_ARRAY_SIZE(ppm_bad));
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	tcase_add_loop_test(tc, test_format_rate, 0, DAQS_ARRAY_SIZE(rate_fmt));
	tcase_add_test(tc, test_format_rate_roundtrip);
	tcase_add_test(tc, test_format_truncates);
	tcase_add_loop_test(tc, test_format_duration, 0, DAQS_ARRAY_SIZE(duration_fmt));
	tcase_add_test(tc, test_format_duration_roundtrip);
	tcase_add_loop_test(tc, test_format_rate_approx, 0, DAQS_ARRAY_SIZE(approx_fmt));
	tcase_add_test(tc, test_format_rate_approx_sweep);
	suite_add_tcase(s, tc);
	return s;
}
