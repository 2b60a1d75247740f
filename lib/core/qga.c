/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qemu-guest-agent codec on json-c. Nothing the guest sends is trusted: the
 * reply line is parsed strictly (valid UTF-8, no trailing garbage, bounded
 * length), every field the decoders use is type-checked and range-checked,
 * and a decoder either fills its whole output or returns -EPROTO with the
 * output empty.
 */
#include "qga.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base64.h"
#include "jsonline.h"
#include "mem.h"
#include "netname.h"

#define MAX_COMMANDS DAQS_QGA_MAX_COMMANDS
#define KIB 1024u

/* ---- reply bounds by verb (qga.h) ---- */

static const struct {
	const char *execute;
	struct daqs_jsonline_bound b;
} bounds[] = {
	{ "guest-network-get-interfaces", { 256 * KIB, 4096, 32768 } },
	{ "guest-info", { 128 * KIB, 2048, 8192 } },
	{ "guest-exec-status", { DAQS_QGA_EXEC_STATUS_MAX, 16, 64 } },
	{ "guest-file-read", { 96 * KIB, 16, 64 } },
	{ "guest-sync-delimited", { 16 * KIB, 16, 64 } },
	{ "guest-sync", { 16 * KIB, 16, 64 } },
	{ "guest-ping", { 16 * KIB, 16, 64 } },
	{ "guest-exec", { 16 * KIB, 16, 64 } },
	{ "guest-file-open", { 16 * KIB, 16, 64 } },
	{ "guest-file-close", { 16 * KIB, 16, 64 } },
};

static const struct daqs_jsonline_bound any_bound = { DAQS_QGA_MAX_REPLY, 0, 0 };

/*
 * The verb of a request the codec built: they all begin {"execute":"<verb>"
 * (line_of: json-c keeps the order members were added in, execute first).
 * A request written otherwise (a tool's) gets any_bound.
 */
const struct daqs_jsonline_bound *daqs_qga_reply_bound(const char *request)
{
	static const char head[] = "{\"execute\":\"";
	const char *verb;
	size_t n;

	if (!request || strncmp(request, head, sizeof(head) - 1))
		return &any_bound;
	verb = request + sizeof(head) - 1;
	for (size_t i = 0; i < DAQS_ARRAY_SIZE(bounds); i++) {
		n = strlen(bounds[i].execute);
		if (!strncmp(verb, bounds[i].execute, n) && verb[n] == '"')
			return &bounds[i].b;
	}
	return &any_bound;
}

/* ---- guest text in logs ---- */

/* Copy a guest string for logs: bounded, control bytes replaced by '?'. */
static void copy_printable(char *dst, size_t cap, const char *src, size_t len)
{
	size_t n = len < cap - 1 ? len : cap - 1;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	dst[n] = '\0';
}

/* ---- typed field access ---- */

static json_object *field(const json_object *o, const char *key, json_type type)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

/* 1 present, 0 absent, -EPROTO present with another type (or null). */
static int opt_field(const json_object *o, const char *key, json_type type, json_object **v)
{
	*v = NULL;
	if (!json_object_object_get_ex(o, key, v))
		return 0;
	return json_object_is_type(*v, type) ? 1 : -EPROTO;
}

/*
 * json-c 0.16 keeps integers above INT64_MAX as uint64 and, even with
 * JSON_TOKENER_STRICT, saturates literals out of range to INT64_MIN or
 * UINT64_MAX without an error. Those two values are therefore ambiguous and
 * refused: valid integers are INT64_MIN + 1 .. UINT64_MAX - 1.
 */

/* A JSON integer in INT64_MIN + 1 .. INT64_MAX. */
static int int64_of(const json_object *v, int64_t *out)
{
	int64_t i;

	if (!json_object_is_type(v, json_type_int))
		return -EPROTO;
	i = json_object_get_int64(v);
	if (i == INT64_MIN || (i == INT64_MAX && json_object_get_uint64(v) != (uint64_t)INT64_MAX))
		return -EPROTO;
	*out = i;
	return 0;
}

/* A JSON integer in 0 .. UINT64_MAX - 1. */
static int uint64_of(const json_object *v, uint64_t *out)
{
	uint64_t u;

	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
		return -EPROTO;
	u = json_object_get_uint64(v);
	if (u == UINT64_MAX)
		return -EPROTO;
	*out = u;
	return 0;
}

static int bool_field(const json_object *o, const char *key, bool *out)
{
	json_object *v = field(o, key, json_type_boolean);

	if (!v)
		return -EPROTO;
	*out = json_object_get_boolean(v);
	return 0;
}

/* Absent leaves *out alone; present must be a bool. */
static int opt_bool(const json_object *o, const char *key, bool *out)
{
	json_object *v;
	int r = opt_field(o, key, json_type_boolean, &v);

	if (r > 0)
		*out = json_object_get_boolean(v);
	return r < 0 ? r : 0;
}

/* Absent: *has = false; present: an integer in lo..hi. */
static int opt_int_range(const json_object *o, const char *key, int64_t lo, int64_t hi, bool *has,
			 int64_t *out)
{
	json_object *v;
	int r = opt_field(o, key, json_type_int, &v);

	*has = false;
	if (r <= 0)
		return r;
	if (int64_of(v, out) || *out < lo || *out > hi)
		return -EPROTO;
	*has = true;
	return 0;
}

/* ---- requests ---- */

static char *line_of(json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE);
	char *line = daqs_asprintf("%s\n", s);

	json_object_put(o);
	return line;
}

static json_object *request_new(const char *execute, json_object *args)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "execute", json_object_new_string(execute));
	if (args)
		json_object_object_add(o, "arguments", args);
	return o;
}

char *daqs_qga_req(const char *execute, const char *args_json)
{
	json_object *args = NULL;
	size_t len;

	if (!execute || !*execute)
		return NULL;
	if (args_json) {
		len = strlen(args_json);
		args = daqs_jsonline_object_once(args_json, len, DAQS_QGA_MAX_REPLY,
						 DAQS_QGA_MAX_DEPTH);
		if (!args)
			return NULL;
	}
	return line_of(request_new(execute, args));
}

char *daqs_qga_req_sync_delimited(int64_t id)
{
	json_object *args = json_object_new_object();

	json_object_object_add(args, "id", json_object_new_int64(id));
	return line_of(request_new("guest-sync-delimited", args));
}

char *daqs_qga_req_exec(const char *path, const char *const *argv, const void *stdin_data,
			size_t stdin_len)
{
	json_object *args, *arg;
	char *b64;

	if (!path || !*path)
		return NULL;
	args = json_object_new_object();
	json_object_object_add(args, "path", json_object_new_string(path));
	if (argv) {
		arg = json_object_new_array();
		for (size_t i = 0; argv[i]; i++)
			json_object_array_add(arg, json_object_new_string(argv[i]));
		json_object_object_add(args, "arg", arg);
	}
	if (stdin_data) {
		b64 = daqs_base64_encode(stdin_data, stdin_len);
		json_object_object_add(args, "input-data", json_object_new_string(b64));
		free(b64);
	}
	json_object_object_add(args, "capture-output", json_object_new_boolean(1));
	return line_of(request_new("guest-exec", args));
}

char *daqs_qga_req_exec_status(int64_t pid)
{
	json_object *args = json_object_new_object();

	json_object_object_add(args, "pid", json_object_new_int64(pid));
	return line_of(request_new("guest-exec-status", args));
}

/* ---- replies ---- */

static bool class_valid(const char *s, size_t len)
{
	if (len == 0 || len >= sizeof(((struct daqs_qga_error *)0)->cls))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* {"class": identifier, "desc": string}; desc is cut to fit and made printable. */
static int error_decode(const json_object *e, struct daqs_qga_error *err)
{
	json_object *cls = field(e, "class", json_type_string);
	json_object *desc = field(e, "desc", json_type_string);
	struct daqs_qga_error tmp;

	if (!cls || !desc)
		return -EPROTO;
	if (!class_valid(json_object_get_string(cls), (size_t)json_object_get_string_len(cls)))
		return -EPROTO;
	copy_printable(tmp.cls, sizeof(tmp.cls), json_object_get_string(cls),
		       (size_t)json_object_get_string_len(cls));
	copy_printable(tmp.desc, sizeof(tmp.desc), json_object_get_string(desc),
		       (size_t)json_object_get_string_len(desc));
	if (err)
		*err = tmp;
	return -EREMOTEIO;
}

int daqs_qga_reply_split(const void *reply, void **ret, struct daqs_qga_error *err)
{
	const json_object *root = reply;
	json_object *r = NULL, *e = NULL;
	bool has_r, has_e;

	*ret = NULL;
	if (err)
		memset(err, 0, sizeof(*err));
	if (!root || !json_object_is_type(root, json_type_object))
		return -EPROTO;
	has_r = json_object_object_get_ex(root, "return", &r);
	has_e = json_object_object_get_ex(root, "error", &e);
	if (has_r && !has_e) {
		*ret = json_object_get(r);
		return 0;
	}
	if (has_e && !has_r && json_object_is_type(e, json_type_object))
		return error_decode(e, err);
	return -EPROTO;
}

int daqs_qga_reply(const char *line, size_t len, void **ret, struct daqs_qga_error *err)
{
	json_object *root;
	int rc;

	*ret = NULL;
	if (err)
		memset(err, 0, sizeof(*err));
	if (!line)
		return -EPROTO;
	root = daqs_jsonline_parse_once(line, len, DAQS_QGA_MAX_REPLY, DAQS_QGA_MAX_DEPTH);
	rc = daqs_qga_reply_split(root, ret, err);
	json_object_put(root);
	return rc;
}

/* ---- decoders ---- */

int daqs_qga_dec_sync(const void *ret, int64_t *id)
{
	return int64_of(ret, id);
}

static const struct {
	const char *name;
	enum daqs_qga_cmd bit;
} cmd_names[] = {
	{ "guest-ping", DAQS_QGA_PING },
	{ "guest-sync-delimited", DAQS_QGA_SYNC_DELIMITED },
	{ "guest-network-get-interfaces", DAQS_QGA_INTERFACES },
	{ "guest-exec", DAQS_QGA_EXEC },
	{ "guest-exec-status", DAQS_QGA_EXEC_STATUS },
	{ "guest-file-open", DAQS_QGA_FILE_OPEN },
	{ "guest-file-read", DAQS_QGA_FILE_READ },
	{ "guest-file-close", DAQS_QGA_FILE_CLOSE },
};

/* One supported_commands entry: {"name": str, "enabled": bool, ...}. */
static int command_decode(const json_object *c, uint32_t *enabled)
{
	json_object *name = NULL;
	bool on, sr;

	if (json_object_is_type(c, json_type_object))
		name = field(c, "name", json_type_string);
	if (!name || bool_field(c, "enabled", &on) || opt_bool(c, "success-response", &sr))
		return -EPROTO;
	for (size_t i = 0; on && i < DAQS_ARRAY_SIZE(cmd_names); i++)
		if (!strcmp(json_object_get_string(name), cmd_names[i].name) &&
		    (size_t)json_object_get_string_len(name) == strlen(cmd_names[i].name))
			*enabled |= (uint32_t)cmd_names[i].bit;
	return 0;
}

static bool version_valid(const char *s, size_t len, size_t cap)
{
	if (len == 0 || len >= cap)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

int daqs_qga_dec_info(const void *ret, struct daqs_qga_info *out)
{
	const json_object *o = ret;
	json_object *ver, *cmds;
	struct daqs_qga_info tmp = { .enabled = 0 };
	size_t n;

	memset(out, 0, sizeof(*out));
	if (!json_object_is_type(o, json_type_object))
		return -EPROTO;
	ver = field(o, "version", json_type_string);
	cmds = field(o, "supported_commands", json_type_array);
	if (!ver || !cmds)
		return -EPROTO;
	if (!version_valid(json_object_get_string(ver), (size_t)json_object_get_string_len(ver),
			   sizeof(tmp.version)))
		return -EPROTO;
	memcpy(tmp.version, json_object_get_string(ver), (size_t)json_object_get_string_len(ver));
	n = json_object_array_length(cmds);
	if (n > MAX_COMMANDS)
		return -EPROTO;
	for (size_t i = 0; i < n; i++)
		if (command_decode(json_object_array_get_idx(cmds, i), &tmp.enabled))
			return -EPROTO;
	*out = tmp;
	return 0;
}

/* GuestNetworkInterfaceStat: all eight counters required, each a uint64. */
static int stats_decode(const json_object *s, struct daqs_counters *c)
{
	static const char *const keys[] = { "rx-bytes", "rx-packets", "rx-errs", "rx-dropped",
					    "tx-bytes", "tx-packets", "tx-errs", "tx-dropped" };
	uint64_t v[DAQS_ARRAY_SIZE(keys)];

	for (size_t i = 0; i < DAQS_ARRAY_SIZE(keys); i++) {
		json_object *f = NULL;

		if (!json_object_object_get_ex(s, keys[i], &f) || uint64_of(f, &v[i]))
			return -EPROTO;
	}
	c->rx_bytes = v[0];
	c->rx_pkts = v[1];
	c->tx_bytes = v[4];
	c->tx_pkts = v[5];
	return 0;
}

/* 1 decoded, 0 skipped (invalid name), -EPROTO. */
static int iface_decode(const json_object *o, struct daqs_qga_iface *ifc)
{
	json_object *name, *hw, *ips, *st;
	int r;

	memset(ifc, 0, sizeof(*ifc));
	if (!json_object_is_type(o, json_type_object))
		return -EPROTO;
	name = field(o, "name", json_type_string);
	if (!name || opt_field(o, "hardware-address", json_type_string, &hw) < 0 ||
	    opt_field(o, "ip-addresses", json_type_array, &ips) < 0)
		return -EPROTO;
	r = opt_field(o, "statistics", json_type_object, &st);
	if (r < 0 || (r > 0 && stats_decode(st, &ifc->c)))
		return -EPROTO;
	ifc->has_stats = r > 0;
	if (hw && daqs_netname_mac_parse(json_object_get_string(hw),
					 (size_t)json_object_get_string_len(hw), ifc->mac))
		return -EPROTO;
	if ((size_t)json_object_get_string_len(name) != strlen(json_object_get_string(name)) ||
	    !daqs_netname_ifname_valid(json_object_get_string(name)))
		return 0;
	strcpy(ifc->name, json_object_get_string(name));
	return 1;
}

static bool iface_dup(const struct daqs_qga_iface *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return true;
	return false;
}

int daqs_qga_dec_interfaces(const void *ret, struct daqs_qga_iface **v, size_t *n,
			    size_t *n_rejected)
{
	const json_object *a = ret;
	struct daqs_qga_iface *out;
	size_t len, k = 0, rej = 0;

	*v = NULL;
	*n = 0;
	*n_rejected = 0;
	if (!json_object_is_type(a, json_type_array))
		return -EPROTO;
	len = json_object_array_length(a);
	if (len > DAQS_QGA_MAX_IFACES)
		return -EPROTO;
	out = daqs_calloc(len ? len : 1, sizeof(*out));
	for (size_t i = 0; i < len; i++) {
		int r = iface_decode(json_object_array_get_idx(a, i), &out[k]);

		if (r < 0 || (r > 0 && iface_dup(out, k, out[k].name))) {
			free(out);
			return -EPROTO;
		}
		if (r > 0)
			k++;
		else
			rej++;
	}
	*v = out;
	*n = k;
	*n_rejected = rej;
	return 0;
}

int daqs_qga_dec_exec(const void *ret, int64_t *pid)
{
	json_object *p;
	int64_t v;

	*pid = 0;
	if (!json_object_is_type(ret, json_type_object))
		return -EPROTO;
	p = field(ret, "pid", json_type_int);
	if (!p || int64_of(p, &v) || v <= 0)
		return -EPROTO;
	*pid = v;
	return 0;
}

/*
 * Optional base64 field: absent leaves *data NULL; present is decoded into
 * at most max bytes (DAQS_QGA_MAX_OUTPUT, DAQS_QGA_MAX_ERR) plus a NUL, setting *truncated when cut.
 */
static int data_decode(const json_object *o, const char *key, size_t max, char **data, size_t *len,
		       bool *truncated)
{
	json_object *v;
	int r = opt_field(o, key, json_type_string, &v);
	size_t in_len, cap;
	bool cut;
	char *buf;

	if (r <= 0)
		return r;
	in_len = (size_t)json_object_get_string_len(v);
	cap = in_len / 4 * 3;
	if (cap > max)
		cap = max;
	buf = daqs_malloc(cap + 1);
	if (daqs_base64_decode(json_object_get_string(v), in_len, buf, cap, len, &cut)) {
		free(buf);
		return -EPROTO;
	}
	buf[*len] = '\0';
	*data = buf;
	*truncated = *truncated || cut;
	return 0;
}

/* exitcode: POSIX gives 0..255, Windows a DWORD (kept as its int32 bit pattern). */
static int exit_fields(const json_object *o, struct daqs_qga_exec_status *st)
{
	int64_t code = 0, sig = 0;

	if (opt_int_range(o, "exitcode", INT32_MIN, UINT32_MAX, &st->has_exitcode, &code) ||
	    opt_int_range(o, "signal", 1, 255, &st->has_signal, &sig))
		return -EPROTO;
	if (st->has_exitcode && st->has_signal)
		return -EPROTO;
	st->exitcode = (int)(int32_t)(uint32_t)code;
	st->signal = (int)sig;
	return 0;
}

static int exec_status_fields(const json_object *o, struct daqs_qga_exec_status *st)
{
	if (bool_field(o, "exited", &st->exited) || exit_fields(o, st) ||
	    opt_bool(o, "out-truncated", &st->out_truncated) ||
	    opt_bool(o, "err-truncated", &st->err_truncated))
		return -EPROTO;
	if (data_decode(o, "out-data", DAQS_QGA_MAX_OUTPUT, &st->out, &st->out_len,
			&st->out_truncated) ||
	    data_decode(o, "err-data", DAQS_QGA_MAX_ERR, &st->err, &st->err_len,
			&st->err_truncated))
		return -EPROTO;
	/* the agent fills results only once the process has exited */
	if (!st->exited && (st->has_exitcode || st->has_signal || st->out || st->err ||
			    st->out_truncated || st->err_truncated))
		return -EPROTO;
	return 0;
}

int daqs_qga_dec_exec_status(const void *ret, struct daqs_qga_exec_status *out)
{
	memset(out, 0, sizeof(*out));
	if (!json_object_is_type(ret, json_type_object) || exec_status_fields(ret, out)) {
		daqs_qga_exec_status_clear(out);
		return -EPROTO;
	}
	return 0;
}

void daqs_qga_exec_status_clear(struct daqs_qga_exec_status *st)
{
	if (!st)
		return;
	free(st->out);
	free(st->err);
	memset(st, 0, sizeof(*st));
}
