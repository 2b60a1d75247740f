/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The qemu-guest-agent protocol (pure codec, json-c): build request lines and
 * decode replies into typed, validated values. The guest is not trusted:
 * every field is type- and range-checked, sizes are bounded, and a reply that
 * does not validate is an error (-EPROTO), never a partial value.
 * Facts: ../shared/notes/platform-facts.md section 1.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "estimator.h"
#include "jsonline.h"
#include "netname.h"

#define DAQS_QGA_MAX_REPLY (4u << 20) /* bytes of one reply line, whatever the verb */
#define DAQS_QGA_MAX_DEPTH 16	      /* nesting of a reply line (interfaces: 4 levels) */
#define DAQS_QGA_MAX_IFACES 256
#define DAQS_QGA_MAX_COMMANDS 1024 /* entries of guest-info supported_commands */
/*
 * decoded guest-exec stdout kept: `ss -tinH state established` prints about
 * 490 bytes a socket (measured, 1000 loopback sockets: 490,000 bytes), so
 * 1 MiB is about 2,100 sockets; `tc -s -j qdisc show` of one NIC is far less
 */
#define DAQS_QGA_MAX_OUTPUT (1u << 20)
#define DAQS_QGA_MAX_ERR (64u << 10) /* decoded guest-exec stderr kept */

/*
 * What one reply may cost, by the verb of the request it answers (the bound
 * is checked by the transport before the reply is parsed, jsonline.h):
 *  verb                          bytes     containers  items   why
 *  guest-network-get-interfaces  256 KiB   4096        32768   256 interfaces
 *                                                              of ~1 KiB, 16 each
 *  guest-info                    128 KiB   2048        8192    1024 commands of
 *                                                              ~70 bytes
 *  guest-exec-status             1.42 MiB  16          64      base64 of
 *                                                              MAX_OUTPUT +
 *                                                              MAX_ERR, + 4 KiB
 *  guest-file-read               96 KiB    16          64      a 64 KiB chunk in
 *                                                              base64
 *  guest-sync(-delimited), -ping, -exec, -file-open, -file-close
 *                                16 KiB    16          64      an int, {}, {pid},
 *                                                              a handle, or an
 *                                                              error of a 256-byte
 *                                                              desc
 *  any other request (a tool's)  DAQS_QGA_MAX_REPLY, no count limit
 */
#define DAQS_QGA_EXEC_STATUS_MAX (((DAQS_QGA_MAX_OUTPUT + DAQS_QGA_MAX_ERR) / 3 + 2) * 4 + 4096)
const struct daqs_jsonline_bound *daqs_qga_reply_bound(const char *request);

/* An agent-reported error reply: {"error": {"class": ..., "desc": ...}}. */
struct daqs_qga_error {
	char cls[64];
	char desc[256];
};

/* Commands daqs relies on, as bits of daqs_qga_info.enabled. */
enum daqs_qga_cmd {
	DAQS_QGA_PING = 1u << 0,
	DAQS_QGA_SYNC_DELIMITED = 1u << 1,
	DAQS_QGA_INTERFACES = 1u << 2,
	DAQS_QGA_EXEC = 1u << 3,
	DAQS_QGA_EXEC_STATUS = 1u << 4,
	DAQS_QGA_FILE_OPEN = 1u << 5,
	DAQS_QGA_FILE_READ = 1u << 6,
	DAQS_QGA_FILE_CLOSE = 1u << 7,
};
#define DAQS_QGA_NEED_ENFORCE (DAQS_QGA_EXEC | DAQS_QGA_EXEC_STATUS)

struct daqs_qga_info {
	char version[64];
	uint32_t enabled; /* enum daqs_qga_cmd bits of commands present and enabled */
};

struct daqs_qga_iface {
	char name[DAQS_IFNAMSIZ]; /* validated: daqs_netname_ifname_valid() */
	char mac[DAQS_MACSIZ];	  /* "aa:bb:cc:dd:ee:ff" lower case, "" when absent */
	bool has_stats;		  /* absent for interfaces without an IP (bond slaves) */
	struct daqs_counters c;
};

struct daqs_qga_exec_status {
	bool exited;
	bool has_exitcode, has_signal;
	int exitcode, signal;
	char *out, *err; /* decoded, NUL-terminated, NULL when absent; caller frees */
	size_t out_len, err_len;
	bool out_truncated, err_truncated;
};

/*
 * Request lines ("{...}\n", caller frees). args_json is a JSON object text
 * or NULL. guest-exec: path and argv (argv[0] is NOT repeated as the path;
 * argv may be NULL), stdin bytes sent base64 as input-data (may be NULL),
 * capture-output true.
 * NULL (nothing built) for a NULL or empty execute or path, or an args_json
 * that is not one JSON object (json-c STRICT; note it lets 'single-quoted'
 * keys through). The line is compact JSON with "/" left unescaped.
 */
char *daqs_qga_req(const char *execute, const char *args_json);
char *daqs_qga_req_sync_delimited(int64_t id);
char *daqs_qga_req_exec(const char *path, const char *const *argv, const void *stdin_data,
			size_t stdin_len);
char *daqs_qga_req_exec_status(int64_t pid);

/*
 * Split one reply line: 0 with *ret (json_object *, caller puts) for
 * {"return": ...}; -EREMOTEIO with *err filled for {"error": ...}; -EPROTO
 * for anything else (not JSON, both or neither key, over the size bound).
 * ret is declared void * so this header does not pull in json-c.
 * The line is parsed by json-c with JSON_TOKENER_STRICT and
 * JSON_TOKENER_VALIDATE_UTF8; after the value only JSON whitespace may follow,
 * and a NUL byte anywhere within len is -EPROTO. Keys other than "return" and
 * "error" (such as "id") are ignored. {"return": null} gives 0 with *ret NULL
 * (every decoder rejects it). An error needs "class" (1..63 bytes of
 * [A-Za-z0-9_-]) and "desc" (a string, cut to fit, control bytes -> '?').
 */
int daqs_qga_reply(const char *line, size_t len, void **ret, struct daqs_qga_error *err);
/* The same split of a reply line a transport already parsed (a json_object *, not consumed). */
int daqs_qga_reply_split(const void *reply, void **ret, struct daqs_qga_error *err);

/*
 * Decoders of a "return" value (a json_object *). 0 or -EPROTO; on -EPROTO the
 * outputs are zeroed (nothing to free).
 * json-c saturates integer literals out of range to INT64_MIN or UINT64_MAX
 * without an error, so those two values are refused everywhere: signed fields
 * take INT64_MIN + 1 .. INT64_MAX, counters 0 .. UINT64_MAX - 1. Numbers
 * written with a fraction or exponent (1.0, 1e3, NaN, Infinity) are never
 * integers.
 * - info: version 1..63 printable bytes; at most 1024 supported_commands,
 *   each {"name": string, "enabled": bool, "success-response"?: bool}.
 * - interfaces: at most DAQS_QGA_MAX_IFACES; each {"name": string,
 *   "hardware-address"?: MAC, "ip-addresses"?: array, "statistics"?: all
 *   eight counters}. A malformed MAC or counter, or two interfaces with the
 *   same valid name, fail the whole reply.
 * - exec: pid > 0.
 * - exec_status: "exited" bool required; "exitcode" INT32_MIN..UINT32_MAX
 *   (a Windows DWORD keeps its bit pattern in the int), "signal" 1..255, not
 *   both; no result fields while exited is false; out-data/err-data strict
 *   base64, the agent's *-truncated flags are kept (OR'ed with ours).
 */
int daqs_qga_dec_sync(const void *ret, int64_t *id);
int daqs_qga_dec_info(const void *ret, struct daqs_qga_info *out);
/* *v allocated (caller frees); invalid names are skipped and counted in *n_rejected. */
int daqs_qga_dec_interfaces(const void *ret, struct daqs_qga_iface **v, size_t *n,
			    size_t *n_rejected);
int daqs_qga_dec_exec(const void *ret, int64_t *pid);
int daqs_qga_dec_exec_status(const void *ret, struct daqs_qga_exec_status *out);
void daqs_qga_exec_status_clear(struct daqs_qga_exec_status *st);
