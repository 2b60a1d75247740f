/* SPDX-License-Identifier: GPL-2.0-or-later */
/* base64: RFC 4648 test vectors both ways, strict rejection, bounded output. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "mem.h"
#include "unit.h"

/* RFC 4648 section 10, plus bytes that use '+' and '/' and a NUL. */
static const struct {
	const char *plain;
	size_t len;
	const char *b64;
} vectors[] = {
	{ "", 0, "" },
	{ "f", 1, "Zg==" },
	{ "fo", 2, "Zm8=" },
	{ "foo", 3, "Zm9v" },
	{ "foob", 4, "Zm9vYg==" },
	{ "fooba", 5, "Zm9vYmE=" },
	{ "foobar", 6, "Zm9vYmFy" },
	{ "\xfb\xff\xbf", 3, "+/+/" },
	{ "\x00\x01\x02", 3, "AAEC" },
	{ "a\0b", 3, "YQBi" },
	/* the stdin of a recorded guest-exec: "qdisc show dev qv0\n" */
	{ "qdisc show dev qv0\n", 19, "cWRpc2Mgc2hvdyBkZXYgcXYwCg==" },
};

START_TEST(test_encode)
{
	char *s = daqs_base64_encode(vectors[_i].plain, vectors[_i].len);

	ck_assert_str_eq(s, vectors[_i].b64);
	ck_assert_uint_eq(daqs_base64_encoded_len(vectors[_i].len), strlen(vectors[_i].b64));
	free(s);
}
END_TEST

START_TEST(test_decode)
{
	uint8_t buf[64];
	size_t n = 999;
	bool cut = true;
	const char *in = vectors[_i].b64;

	memset(buf, 0xAA, sizeof(buf));
	ck_assert_int_eq(daqs_base64_decode(in, strlen(in), buf, sizeof(buf), &n, &cut), 0);
	ck_assert_uint_eq(n, vectors[_i].len);
	ck_assert(!cut);
	ck_assert_mem_eq(buf, vectors[_i].plain, n);
	ck_assert_uint_eq(buf[n], 0xAA); /* nothing written past the decoded bytes */
}
END_TEST

START_TEST(test_encode_null_empty)
{
	char *s = daqs_base64_encode(NULL, 0);

	ck_assert_str_eq(s, "");
	free(s);
	ck_assert_uint_eq(daqs_base64_encoded_len(0), 0);
	ck_assert_uint_eq(daqs_base64_encoded_len(1), 4);
	ck_assert_uint_eq(daqs_base64_encoded_len(3), 4);
	ck_assert_uint_eq(daqs_base64_encoded_len(4), 8);
}
END_TEST

/* Byte strings of every length 0..299 with varied bytes survive a round trip. */
START_TEST(test_roundtrip)
{
	uint8_t in[300], out[300];

	for (size_t len = 0; len < sizeof(in); len++) {
		size_t n = 0;
		bool cut = true;
		char *s;

		for (size_t k = 0; k < len; k++)
			in[k] = (uint8_t)(k * 37 + len * 11 + 5);
		s = daqs_base64_encode(in, len);
		if (strlen(s) != daqs_base64_encoded_len(len) ||
		    daqs_base64_decode(s, strlen(s), out, sizeof(out), &n, &cut) || n != len ||
		    cut || memcmp(in, out, len))
			ck_abort_msg("round trip failed at length %zu: '%s'", len, s);
		free(s);
	}
}
END_TEST

static const char *const bad[] = {
	"Z",	       /* length not a multiple of 4 */
	"Zg=",	       /* ditto */
	"Zm9vY",       /* ditto */
	"Zg",	       /* unpadded */
	"Zm8",	       /* unpadded */
	"====",	       /* padding only */
	"Z===",	       /* three pads */
	"=Zg=",	       /* pad first */
	"Z=g=",	       /* pad in the middle */
	"Zg==Zm9v",    /* padding before the last quantum */
	"Zm9v====",    /* a whole quantum of padding */
	"Zh==",	       /* non-zero leftover bits (canonical is Zg==) */
	"Zm9=",	       /* non-zero leftover bits (canonical is Zm8=) */
	"Zm9v\n",      /* newline */
	"Zm 9",	       /* space */
	"Zm9-",	       /* URL-safe alphabet */
	"Zm9_",	       /* URL-safe alphabet */
	"Zm9\x80",     /* high byte */
	"Zm9\xc3\xa9", /* UTF-8 */
	"Zm9*",	       /* other punctuation */
	"$(x)",	       /* shell */
};

START_TEST(test_decode_bad)
{
	uint8_t buf[16];
	size_t n = 999;
	bool cut = true;

	ck_assert_int_eq(daqs_base64_decode(bad[_i], strlen(bad[_i]), buf, sizeof(buf), &n, &cut),
			 -EINVAL);
	ck_assert_uint_eq(n, 0);
	ck_assert(!cut);
}
END_TEST

/* The length is explicit: a NUL inside is a bad character, not the end. */
START_TEST(test_decode_embedded_nul)
{
	static const char in[] = "Zm9v\0m9v";
	uint8_t buf[16];
	size_t n;

	ck_assert_int_eq(daqs_base64_decode(in, sizeof(in) - 1, buf, sizeof(buf), &n, NULL),
			 -EINVAL);
	ck_assert_int_eq(daqs_base64_decode(in, 4, buf, sizeof(buf), &n, NULL), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_mem_eq(buf, "foo", 3);
}
END_TEST

/* Output bound: cap 0..6 for "foobar"; the prefix is kept, the rest reported cut. */
START_TEST(test_decode_bounded)
{
	uint8_t buf[8];
	size_t cap = (size_t)_i, n = 999;
	bool cut = false;

	memset(buf, 0xAA, sizeof(buf));
	ck_assert_int_eq(daqs_base64_decode("Zm9vYmFy", 8, cap ? buf : NULL, cap, &n, &cut), 0);
	ck_assert_uint_eq(n, cap < 6 ? cap : 6);
	ck_assert(cut == (cap < 6));
	if (n)
		ck_assert_mem_eq(buf, "foobar", n);
	ck_assert_uint_eq(buf[n], 0xAA);
}
END_TEST

/* Bad input is rejected even when it lies beyond the part that fits. */
START_TEST(test_decode_bounded_still_validates)
{
	uint8_t buf[3];
	size_t n = 999;
	bool cut = true;

	ck_assert_int_eq(daqs_base64_decode("Zm9vYm!y", 8, buf, sizeof(buf), &n, &cut), -EINVAL);
	ck_assert_uint_eq(n, 0);
	ck_assert(!cut);
	ck_assert_int_eq(daqs_base64_decode("Zm9vZh==", 8, buf, sizeof(buf), &n, &cut), -EINVAL);
}
END_TEST

/* Every single-byte quantum "XY==" and two-byte "XYZ=": exactly the canonical ones decode. */
START_TEST(test_decode_canonical_only)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char q[5] = "AA==";
	uint8_t buf[3];
	size_t n;
	int ok = 0;

	q[0] = a[_i];
	for (size_t k = 0; k < 64; k++) {
		q[1] = a[k];
		if (!daqs_base64_decode(q, 4, buf, sizeof(buf), &n, NULL)) {
			ok++;
			ck_assert_uint_eq(n, 1);
			ck_assert_uint_eq(buf[0], (unsigned)(_i << 2 | (int)(k >> 4)));
		}
	}
	ck_assert_int_eq(ok, 4); /* the low 4 bits of the second sextet must be 0 */
}
END_TEST

Suite *daqs_test_base64_suite(void)
{
	Suite *s = suite_create("base64");
	TCase *tc = tcase_create("vectors");

	tcase_add_loop_test(tc, test_encode, 0, (int)DAQS_ARRAY_SIZE(vectors));
	tcase_add_loop_test(tc, test_decode, 0, (int)DAQS_ARRAY_SIZE(vectors));
	tcase_add_test(tc, test_encode_null_empty);
	tcase_add_test(tc, test_roundtrip);
	suite_add_tcase(s, tc);

	tc = tcase_create("strict");
	tcase_add_loop_test(tc, test_decode_bad, 0, (int)DAQS_ARRAY_SIZE(bad));
	tcase_add_test(tc, test_decode_embedded_nul);
	tcase_add_loop_test(tc, test_decode_canonical_only, 0, 64);
	suite_add_tcase(s, tc);

	tc = tcase_create("bounded");
	tcase_add_loop_test(tc, test_decode_bounded, 0, 7);
	tcase_add_test(tc, test_decode_bounded_still_validates);
	suite_add_tcase(s, tc);
	return s;
}
