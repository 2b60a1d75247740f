/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "netname.h"

#include <errno.h>
#include <string.h>

/* The kernel's isspace() (lib/ctype.c, Latin-1): 0xa0 is a space there. */
static bool kernel_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0;
}

static bool bad_char(unsigned char c)
{
	return c == '/' || c == ':' || kernel_space(c) || c < 0x20 || c == 0x7f;
}

enum daqs_netname_problem daqs_netname_ifname_check(const char *s)
{
	size_t n;

	if (!s)
		return DAQS_NETNAME_LENGTH;
	n = strnlen(s, DAQS_IFNAMSIZ);
	if (n == 0 || n >= DAQS_IFNAMSIZ)
		return DAQS_NETNAME_LENGTH;
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return DAQS_NETNAME_DOTS;
	for (size_t i = 0; i < n; i++)
		if (bad_char((unsigned char)s[i]))
			return DAQS_NETNAME_CHAR;
	return DAQS_NETNAME_OK;
}

bool daqs_netname_ifname_valid(const char *s)
{
	return daqs_netname_ifname_check(s) == DAQS_NETNAME_OK;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int daqs_netname_mac_parse(const char *s, size_t len, char out[DAQS_MACSIZ])
{
	static const char digits[] = "0123456789abcdef";
	char mac[DAQS_MACSIZ];

	if (!s || len != DAQS_MACSIZ - 1)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (i % 3 == 2) {
			if (s[i] != ':')
				return -EINVAL;
			mac[i] = ':';
		} else if (hexval(s[i]) < 0) {
			return -EINVAL;
		} else {
			mac[i] = digits[hexval(s[i])];
		}
	}
	mac[len] = '\0';
	memcpy(out, mac, sizeof(mac));
	return 0;
}

bool daqs_netname_mac_valid(const char *s)
{
	char mac[DAQS_MACSIZ];

	return s && daqs_netname_mac_parse(s, strnlen(s, DAQS_MACSIZ), mac) == 0;
}
