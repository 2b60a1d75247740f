/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "base64.h"

#include <errno.h>
#include <stdint.h>

#include "mem.h"

static const char alphabet[64] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t daqs_base64_encoded_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

char *daqs_base64_encode(const void *data, size_t n)
{
	const uint8_t *p = data;
	char *s = daqs_malloc(daqs_base64_encoded_len(n) + 1);
	char *o = s;

	for (size_t i = 0; i < n; i += 3) {
		size_t left = n - i;
		uint32_t v = (uint32_t)p[i] << 16;

		if (left > 1)
			v |= (uint32_t)p[i + 1] << 8;
		if (left > 2)
			v |= p[i + 2];
		*o++ = alphabet[(v >> 18) & 63];
		*o++ = alphabet[(v >> 12) & 63];
		*o++ = left > 1 ? alphabet[(v >> 6) & 63] : '=';
		*o++ = left > 2 ? alphabet[v & 63] : '=';
	}
	*o = '\0';
	return s;
}

/* The 6-bit value of an alphabet character, -1 for anything else ('=' included). */
static int sextet(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Decode one quantum q[0..4) into b[0..3); returns the byte count (1..3) or
 * -EINVAL. Padding is allowed only when last is set.
 */
static int quantum(const char *q, bool last, uint8_t b[3])
{
	int s[4];
	int pad = 0;
	uint32_t v = 0;

	if (last && q[3] == '=')
		pad = q[2] == '=' ? 2 : 1;
	for (int i = 0; i < 4 - pad; i++) {
		s[i] = sextet((unsigned char)q[i]);
		if (s[i] < 0)
			return -EINVAL;
		v |= (uint32_t)s[i] << (18 - 6 * i);
	}
	/* the bits a padded quantum leaves over must be zero (canonical form) */
	if ((pad == 1 && (v & 0xff)) || (pad == 2 && (v & 0xffff)))
		return -EINVAL;
	b[0] = (uint8_t)(v >> 16);
	b[1] = (uint8_t)(v >> 8);
	b[2] = (uint8_t)v;
	return 3 - pad;
}

int daqs_base64_decode(const char *in, size_t in_len, void *out, size_t cap, size_t *out_len,
		       bool *truncated)
{
	uint8_t *o = out;
	size_t w = 0;
	bool cut = false;

	*out_len = 0;
	if (truncated)
		*truncated = false;
	if (in_len % 4)
		return -EINVAL;
	for (size_t i = 0; i < in_len; i += 4) {
		uint8_t b[3];
		int nb = quantum(in + i, i + 4 == in_len, b);

		if (nb < 0)
			return nb;
		for (int k = 0; k < nb; k++) {
			if (w < cap)
				o[w++] = b[k];
			else
				cut = true;
		}
	}
	*out_len = w;
	if (truncated)
		*truncated = cut;
	return 0;
}
