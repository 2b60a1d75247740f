/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: the qemu-guest-agent reply decoder. The input is one
 * reply line from an untrusted guest, passed as it is (no NUL added:
 * daqs_qga_reply takes a length, so ASan sees any read past it). When it
 * splits into a "return" value, every typed decoder runs on that value.
 *
 * Properties checked besides memory safety and leaks (lib/core/qga.h): only
 * 0 / -EREMOTEIO / -EPROTO; an error reply's class is an identifier and its
 * desc printable; a decoder that refuses leaves its outputs zeroed; what a
 * decoder accepts is in the documented ranges (pid > 0, valid and distinct
 * interface names, canonical MACs, bounded NUL-terminated exec output, no
 * exit code and signal together, no results before the process exited).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <json-c/json.h>

#include "fuzz.h"
#include "qga.h"

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void check_error(const struct daqs_qga_error *e)
{
	size_t n = strnlen(e->cls, sizeof(e->cls));

	FUZZ_CHECK(n > 0 && n < sizeof(e->cls));
	FUZZ_CHECK(strspn(e->cls,
			  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n);
	n = strnlen(e->desc, sizeof(e->desc));
	FUZZ_CHECK(n < sizeof(e->desc));
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK((unsigned char)e->desc[i] >= 0x20 && e->desc[i] != 0x7f);
}

static bool mac_ok(const char *m)
{
	if (!m[0])
		return true;
	if (strlen(m) != 17)
		return false;
	for (size_t i = 0; i < 17; i++)
		if (i % 3 == 2 ? m[i] != ':' : !strchr("0123456789abcdef", m[i]) || !m[i])
			return false;
	return true;
}

static void dec_info(const void *ret)
{
	struct daqs_qga_info info;
	size_t n;

	if (daqs_qga_dec_info(ret, &info)) {
		FUZZ_CHECK(all_zero(&info, sizeof(info)));
		return;
	}
	n = strnlen(info.version, sizeof(info.version));
	FUZZ_CHECK(n > 0 && n < sizeof(info.version));
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK((unsigned char)info.version[i] >= 0x20 &&
			   (unsigned char)info.version[i] < 0x7f);
}

static void dec_interfaces(const void *ret)
{
	struct daqs_qga_iface *v;
	size_t n, rej;

	if (daqs_qga_dec_interfaces(ret, &v, &n, &rej)) {
		FUZZ_CHECK(!v && n == 0 && rej == 0);
		return;
	}
	FUZZ_CHECK(v != NULL);
	FUZZ_CHECK(n + rej == json_object_array_length(ret));
	FUZZ_CHECK(n <= DAQS_QGA_MAX_IFACES);
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(daqs_netname_ifname_valid(v[i].name));
		FUZZ_CHECK(mac_ok(v[i].mac));
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(v[i].name, v[j].name) != 0);
	}
	free(v);
}

static void dec_exec_status(const void *ret)
{
	struct daqs_qga_exec_status st;

	if (daqs_qga_dec_exec_status(ret, &st)) {
		FUZZ_CHECK(all_zero(&st, sizeof(st)));
		return;
	}
	FUZZ_CHECK(!(st.has_exitcode && st.has_signal));
	FUZZ_CHECK(!st.has_signal || (st.signal >= 1 && st.signal <= 255));
	if (!st.exited)
		FUZZ_CHECK(!st.has_exitcode && !st.has_signal && !st.out && !st.err &&
			   !st.out_truncated && !st.err_truncated);
	FUZZ_CHECK(!st.out || (st.out_len <= DAQS_QGA_MAX_OUTPUT && st.out[st.out_len] == '\0'));
	FUZZ_CHECK(!st.err || (st.err_len <= DAQS_QGA_MAX_OUTPUT && st.err[st.err_len] == '\0'));
	FUZZ_CHECK(st.out || st.out_len == 0);
	FUZZ_CHECK(st.err || st.err_len == 0);
	daqs_qga_exec_status_clear(&st);
	FUZZ_CHECK(all_zero(&st, sizeof(st)));
}

static void decode_all(const void *ret)
{
	int64_t v;

	if (daqs_qga_dec_sync(ret, &v) == 0)
		FUZZ_CHECK(v != INT64_MIN);
	dec_info(ret);
	dec_interfaces(ret);
	if (daqs_qga_dec_exec(ret, &v) == 0)
		FUZZ_CHECK(v > 0);
	else
		FUZZ_CHECK(v == 0);
	dec_exec_status(ret);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct daqs_qga_error err;
	void *ret = NULL, *ret2 = NULL;
	int r, r2;

	r = daqs_qga_reply((const char *)data, size, &ret, &err);
	FUZZ_CHECK(r == 0 || r == -EREMOTEIO || r == -EPROTO);
	FUZZ_CHECK(r == 0 || ret == NULL);
	/* err is optional: the verdict must not depend on it */
	r2 = daqs_qga_reply((const char *)data, size, &ret2, NULL);
	FUZZ_CHECK(r2 == r);
	json_object_put(ret2);
	if (r == -EREMOTEIO)
		check_error(&err);
	if (r == 0)
		decode_all(ret);
	json_object_put(ret);
	return 0;
}
