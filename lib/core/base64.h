/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Standard base64 (RFC 4648 section 4: alphabet A-Z a-z 0-9 + /, '=' padding),
 * as qemu-guest-agent uses for guest-exec input-data, out-data and err-data.
 * Decoding is strict: the length must be a multiple of 4, every byte must be
 * in the alphabet, '=' may only end the last quantum (one or two of them), and
 * the bits a padded quantum leaves over must be zero (one canonical encoding
 * per byte string). No whitespace, no URL-safe alphabet.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Characters of the encoding of n bytes, without the NUL. */
size_t daqs_base64_encoded_len(size_t n);
/* NUL-terminated encoding of data[0..n) (data may be NULL when n == 0); caller frees. */
char *daqs_base64_encode(const void *data, size_t n);

/*
 * Decode in[0..in_len) (not NUL-terminated) into out, which holds cap bytes
 * (out may be NULL when cap == 0). The whole input is validated even when
 * the output does not fit: the first min(decoded, cap) bytes are written,
 * *out_len is that count and *truncated says whether bytes were dropped
 * (truncated may be NULL). 0, or -EINVAL for input that is not strict base64
 * (then *out_len is 0 and nothing is promised about out).
 */
int daqs_base64_decode(const char *in, size_t in_len, void *out, size_t cap, size_t *out_len,
		       bool *truncated);
