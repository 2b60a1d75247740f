/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One fake guest behind a fake qemu-guest-agent (see fake_guest.h). */
#include "fake_guest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "fake_tc.h"
#include "mem.h"

#define IFNAME FAKE_GUEST_IFNAME
#define MAX_EXECS 16 /* exec records kept until their status is read */
#define MAX_FILES 8
#define MAX_INPUT (64u << 10) /* decoded guest-exec input-data */
#define QGA_VERSION "7.2.22"

struct exec_rec {
	int64_t pid;
	uint64_t done_ns;
	int exitcode;
	char *out, *err;
};

struct file_rec {
	int64_t handle;
	const char *text;
	size_t pos;
};

struct fake_guest {
	struct fake_guest_cfg cfg; /* name and mac point into name/mac below */
	char name[128], mac[18];
	uint64_t now; /* of the request being answered */
	double tx_bytes, rx_bytes;
	uint64_t last_ns;
	struct fake_tc *tc;
	struct exec_rec ex[MAX_EXECS];
	size_t n_ex;
	struct file_rec files[MAX_FILES];
	size_t n_files;
	int64_t next_pid, next_handle;
	uint64_t requests, execs;
};

/* A command's failure: class and desc of the {"error": ...} reply. */
struct qerr {
	const char *cls;
	char desc[256];
};

struct fake_guest *fake_guest_new(const struct fake_guest_cfg *cfg)
{
	struct fake_guest *g = daqs_calloc(1, sizeof(*g));

	g->cfg = *cfg;
	snprintf(g->name, sizeof(g->name), "%s", cfg->name);
	snprintf(g->mac, sizeof(g->mac), "%s", cfg->mac);
	g->cfg.name = g->name;
	g->cfg.mac = g->mac;
	g->last_ns = cfg->start_ns;
	g->tc = fake_tc_new(IFNAME, cfg->fq_codel);
	g->next_pid = 1000;
	g->next_handle = 1;
	return g;
}

void fake_guest_free(struct fake_guest *g)
{
	if (!g)
		return;
	for (size_t k = 0; k < g->n_ex; k++) {
		free(g->ex[k].out);
		free(g->ex[k].err);
	}
	fake_tc_free(g->tc);
	free(g);
}

static __attribute__((format(printf, 3, 4))) json_object *fail(struct qerr *e, const char *cls,
							       const char *fmt, ...)
{
	va_list ap;

	e->cls = cls;
	va_start(ap, fmt);
	vsnprintf(e->desc, sizeof(e->desc), fmt, ap);
	va_end(ap);
	return NULL;
}

/* ---- guest model ---- */

static double demand_bps(const struct fake_guest *g, uint64_t t)
{
	double s, x;

	if (g->cfg.period_s <= 0)
		return g->cfg.high_bps;
	s = (double)(t - g->cfg.start_ns) / 1e9 + g->cfg.phase_s;
	x = s / g->cfg.period_s - (double)(uint64_t)(s / g->cfg.period_s);
	return x < 0.5 ? g->cfg.high_bps : g->cfg.low_bps;
}

/* Counters up to now at the rate the guest sends: its demand, held to its HTB limit. */
static void advance(struct fake_guest *g, uint64_t t)
{
	double dt = (double)(t - g->last_ns) / 1e9, tx = demand_bps(g, t);
	uint64_t lim = fake_tc_limit_bps(g->tc);

	if (lim && (double)lim < tx)
		tx = (double)lim;
	g->tx_bytes += tx * dt / 8;
	g->rx_bytes += g->cfg.rx_bps * dt / 8;
	g->last_ns = t;
}

static json_object *stats(uint64_t tx, uint64_t rx)
{
	json_object *s = json_object_new_object();

	json_object_object_add(s, "tx-packets", json_object_new_int64((int64_t)(tx / 1514)));
	json_object_object_add(s, "tx-errs", json_object_new_int(0));
	json_object_object_add(s, "rx-bytes", json_object_new_int64((int64_t)rx));
	json_object_object_add(s, "rx-dropped", json_object_new_int(0));
	json_object_object_add(s, "rx-packets", json_object_new_int64((int64_t)(rx / 1514)));
	json_object_object_add(s, "rx-errs", json_object_new_int(0));
	json_object_object_add(s, "tx-bytes", json_object_new_int64((int64_t)tx));
	json_object_object_add(s, "tx-dropped", json_object_new_int(0));
	return s;
}

static json_object *iface(const char *name, const char *mac, const char *ip, int prefix,
			  uint64_t tx, uint64_t rx)
{
	json_object *o = json_object_new_object(), *addrs = json_object_new_array();
	json_object *a = json_object_new_object();

	json_object_object_add(a, "ip-address-type", json_object_new_string("ipv4"));
	json_object_object_add(a, "ip-address", json_object_new_string(ip));
	json_object_object_add(a, "prefix", json_object_new_int(prefix));
	json_object_array_add(addrs, a);
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "ip-addresses", addrs);
	json_object_object_add(o, "statistics", stats(tx, rx));
	json_object_object_add(o, "hardware-address", json_object_new_string(mac));
	return o;
}

/* ---- arguments ---- */

static bool arg_get(json_object *args, const char *key, json_type type, json_object **v)
{
	return args && json_object_object_get_ex(args, key, v) && json_object_is_type(*v, type);
}

static json_object *missing(struct qerr *e, const char *key)
{
	return fail(e, "GenericError", "Parameter '%s' is missing", key);
}

/* ---- commands: each returns the "return" value, or NULL with e filled ---- */

static json_object *cmd_sync(struct fake_guest *g, json_object *args, struct qerr *e)
{
	json_object *id;

	if (!arg_get(args, "id", json_type_int, &id))
		return missing(e, "id");
	return json_object_new_int64(json_object_get_int64(id));
}

static json_object *cmd_ping(struct fake_guest *g, json_object *args, struct qerr *e)
{
	return json_object_new_object();
}

static const char *const supported[] = {
	"guest-sync-delimited",
	"guest-sync",
	"guest-ping",
	"guest-info",
	"guest-network-get-interfaces",
	"guest-exec",
	"guest-exec-status",
	"guest-file-open",
	"guest-file-read",
	"guest-file-close",
};

static json_object *cmd_info(struct fake_guest *g, json_object *args, struct qerr *e)
{
	json_object *o = json_object_new_object(), *v = json_object_new_array();

	for (size_t i = 0; i < DAQS_ARRAY_SIZE(supported); i++) {
		json_object *c = json_object_new_object();

		json_object_object_add(c, "enabled", json_object_new_boolean(1));
		json_object_object_add(c, "name", json_object_new_string(supported[i]));
		json_object_object_add(c, "success-response", json_object_new_boolean(1));
		json_object_array_add(v, c);
	}
	json_object_object_add(o, "version", json_object_new_string(QGA_VERSION));
	json_object_object_add(o, "supported_commands", v);
	return o;
}

static json_object *cmd_ifaces(struct fake_guest *g, json_object *args, struct qerr *e)
{
	json_object *v = json_object_new_array();
	unsigned i = g->cfg.index;
	char ip[32];

	advance(g, g->now);
	snprintf(ip, sizeof(ip), "198.19.%u.%u", i / 250 % 256, i % 250 + 1);
	json_object_array_add(v, iface("lo", "00:00:00:00:00:00", "127.0.0.1", 8, 0, 0));
	json_object_array_add(v, iface(IFNAME, g->cfg.mac, ip, 16, (uint64_t)g->tx_bytes,
				       (uint64_t)g->rx_bytes));
	return v;
}

/* argv of guest-exec's "arg" (strings only); *argc set. NULL on a non-string. */
static const char **exec_argv(json_object *arg, size_t *argc)
{
	size_t n = arg ? json_object_array_length(arg) : 0;
	const char **v = daqs_calloc(n + 1, sizeof(*v));

	for (size_t i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(arg, i);

		if (!json_object_is_type(s, json_type_string)) {
			free(v);
			return NULL;
		}
		v[i] = json_object_get_string(s);
	}
	*argc = n;
	return v;
}

/* input-data, strictly decoded and NUL-terminated; NULL when it is not base64. */
static char *exec_input(json_object *args)
{
	json_object *in;
	size_t len = 0;
	bool trunc = false;
	char *buf = daqs_malloc(MAX_INPUT + 1);

	if (!arg_get(args, "input-data", json_type_string, &in)) {
		buf[0] = '\0';
		return buf;
	}
	if (daqs_base64_decode(json_object_get_string(in), (size_t)json_object_get_string_len(in),
			       buf, MAX_INPUT, &len, &trunc) < 0 ||
	    trunc || memchr(buf, '\0', len)) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

static struct exec_rec *exec_slot(struct fake_guest *g)
{
	if (g->n_ex == MAX_EXECS) { /* the oldest is forgotten, as if reaped by someone */
		free(g->ex[0].out);
		free(g->ex[0].err);
		memmove(g->ex, g->ex + 1, (MAX_EXECS - 1) * sizeof(g->ex[0]));
		g->n_ex--;
	}
	return &g->ex[g->n_ex++];
}

static json_object *cmd_exec(struct fake_guest *g, json_object *args, struct qerr *e)
{
	json_object *path, *arg = NULL, *cap = NULL, *ret;
	const char **argv;
	struct exec_rec *x;
	size_t argc = 0;
	char *input;

	if (!arg_get(args, "path", json_type_string, &path))
		return missing(e, "path");
	if (strcmp(json_object_get_string(path), "/sbin/tc") &&
	    strcmp(json_object_get_string(path), "/usr/sbin/tc"))
		return fail(
			e, "GenericError",
			"Guest agent command failed, error was 'Failed to execute child process "
			"\u201C%s\u201D (No such file or directory)'",
			json_object_get_string(path));
	if ((json_object_object_get_ex(args, "arg", &arg) &&
	     !json_object_is_type(arg, json_type_array)) ||
	    !(argv = exec_argv(arg, &argc)))
		return fail(e, "GenericError", "Invalid parameter type for 'arg', expected: array");
	input = exec_input(args);
	if (!input) {
		free(argv);
		return fail(e, "GenericError", "Guest agent command failed, error was '%s'",
			    "Invalid base64 data");
	}
	advance(g, g->now); /* the old limit held until now */
	x = exec_slot(g);
	x->pid = g->next_pid++;
	x->done_ns = g->now + g->cfg.exec_ns;
	x->exitcode = fake_tc_run(g->tc, argv, argc, input, &x->out, &x->err);
	if (!json_object_object_get_ex(args, "capture-output", &cap) ||
	    (json_object_is_type(cap, json_type_boolean) && !json_object_get_boolean(cap))) {
		x->out[0] = '\0'; /* not captured */
		x->err[0] = '\0';
	}
	g->execs++;
	free(input);
	free(argv);
	ret = json_object_new_object();
	json_object_object_add(ret, "pid", json_object_new_int64(x->pid));
	return ret;
}

static void add_data(json_object *o, const char *key, const char *trunc_key, const char *s)
{
	char *b64;

	if (!*s)
		return;
	b64 = daqs_base64_encode(s, strlen(s));
	json_object_object_add(o, key, json_object_new_string(b64));
	json_object_object_add(o, trunc_key, json_object_new_boolean(0));
	free(b64);
}

static json_object *cmd_exec_status(struct fake_guest *g, json_object *args, struct qerr *e)
{
	json_object *pid, *o;
	struct exec_rec *x = NULL;
	size_t i;

	if (!arg_get(args, "pid", json_type_int, &pid))
		return missing(e, "pid");
	for (i = 0; i < g->n_ex && !x; i++)
		if (g->ex[i].pid == json_object_get_int64(pid))
			x = &g->ex[i];
	if (!x)
		return fail(e, "GenericError", "Invalid parameter '%s'", "pid");
	o = json_object_new_object();
	if (g->now < x->done_ns) {
		json_object_object_add(o, "exited", json_object_new_boolean(0));
		return o;
	}
	json_object_object_add(o, "exitcode", json_object_new_int(x->exitcode));
	add_data(o, "out-data", "out-truncated", x->out);
	add_data(o, "err-data", "err-truncated", x->err);
	json_object_object_add(o, "exited", json_object_new_boolean(1));
	free(x->out);
	free(x->err);
	memmove(x, x + 1, (size_t)(g->ex + g->n_ex - (x + 1)) * sizeof(*x)); /* reaped */
	g->n_ex--;
	return o;
}

/* The sysfs files daqsd reads to tell the interface's kind: a virtio NIC. */
static const char *sysfs_text(const char *path)
{
	if (!strcmp(path, "/sys/class/net/" IFNAME "/uevent"))
		return "INTERFACE=" IFNAME "\nIFINDEX=2\n";
	if (!strcmp(path, "/sys/class/net/" IFNAME "/device/uevent"))
		return "DRIVER=virtio_net\nMODALIAS=virtio:d00000001v00001AF4\n";
	return NULL;
}

static json_object *cmd_file_open(struct fake_guest *g, json_object *args, struct qerr *e)
{
	json_object *path, *mode;
	const char *text, *m = "r";

	if (!arg_get(args, "path", json_type_string, &path))
		return missing(e, "path");
	if (arg_get(args, "mode", json_type_string, &mode))
		m = json_object_get_string(mode);
	text = sysfs_text(json_object_get_string(path));
	if (!text || strcmp(m, "r"))
		return fail(e, "GenericError",
			    "failed to open file '%s' (mode: 'r'): No such file or directory",
			    json_object_get_string(path));
	if (g->n_files == MAX_FILES)
		return fail(e, "GenericError", "too many open files");
	g->files[g->n_files] = (struct file_rec){ .handle = g->next_handle++, .text = text };
	return json_object_new_int64(g->files[g->n_files++].handle);
}

static struct file_rec *file_find(struct fake_guest *g, json_object *args, struct qerr *e)
{
	json_object *h;

	if (!arg_get(args, "handle", json_type_int, &h)) {
		missing(e, "handle");
		return NULL;
	}
	for (size_t i = 0; i < g->n_files; i++)
		if (g->files[i].handle == json_object_get_int64(h))
			return &g->files[i];
	fail(e, "GenericError", "handle '%s' has not been found", json_object_get_string(h));
	return NULL;
}

static json_object *cmd_file_read(struct fake_guest *g, json_object *args, struct qerr *e)
{
	struct file_rec *r = file_find(g, args, e);
	json_object *cnt, *o;
	size_t want = 4096, left, n;
	char *b64;

	if (!r)
		return NULL;
	if (arg_get(args, "count", json_type_int, &cnt) && json_object_get_int64(cnt) > 0)
		want = (size_t)json_object_get_int64(cnt);
	left = strlen(r->text) - r->pos;
	n = want < left ? want : left;
	b64 = daqs_base64_encode(r->text + r->pos, n);
	r->pos += n;
	o = json_object_new_object();
	json_object_object_add(o, "count", json_object_new_int64((int64_t)n));
	json_object_object_add(o, "buf-b64", json_object_new_string(b64));
	json_object_object_add(o, "eof", json_object_new_boolean(n < want));
	free(b64);
	return o;
}

static json_object *cmd_file_close(struct fake_guest *g, json_object *args, struct qerr *e)
{
	struct file_rec *r = file_find(g, args, e);

	if (!r)
		return NULL;
	memmove(r, r + 1, (size_t)(g->files + g->n_files - (r + 1)) * sizeof(*r));
	g->n_files--;
	return json_object_new_object();
}

static const struct {
	const char *name;
	json_object *(*fn)(struct fake_guest *g, json_object *args, struct qerr *e);
} commands[] = {
	{ "guest-sync-delimited", cmd_sync },
	{ "guest-sync", cmd_sync },
	{ "guest-ping", cmd_ping },
	{ "guest-info", cmd_info },
	{ "guest-network-get-interfaces", cmd_ifaces },
	{ "guest-exec", cmd_exec },
	{ "guest-exec-status", cmd_exec_status },
	{ "guest-file-open", cmd_file_open },
	{ "guest-file-read", cmd_file_read },
	{ "guest-file-close", cmd_file_close },
};

static json_object *error_reply(const char *cls, const char *desc)
{
	json_object *msg = json_object_new_object(), *err = json_object_new_object();

	json_object_object_add(err, "class", json_object_new_string(cls));
	json_object_object_add(err, "desc", json_object_new_string(desc));
	json_object_object_add(msg, "error", err);
	return msg;
}

json_object *fake_guest_request(struct fake_guest *g, json_object *req, uint64_t now_ns,
				bool *sentinel)
{
	json_object *ex, *args = NULL, *ret, *msg;
	struct qerr e = { .cls = NULL };
	const char *name;
	size_t i;

	*sentinel = false;
	g->requests++;
	g->now = now_ns;
	if (!json_object_is_type(req, json_type_object) ||
	    !arg_get(req, "execute", json_type_string, &ex))
		return error_reply("GenericError", "QMP input member 'execute' is missing");
	json_object_object_get_ex(req, "arguments", &args);
	if (args && !json_object_is_type(args, json_type_object))
		return error_reply("GenericError",
				   "QMP input member 'arguments' must be an object");
	name = json_object_get_string(ex);
	for (i = 0; i < DAQS_ARRAY_SIZE(commands) && strcmp(commands[i].name, name); i++)
		;
	if (i == DAQS_ARRAY_SIZE(commands)) {
		fail(&e, "CommandNotFound", "The command %s has not been found", name);
		return error_reply(e.cls, e.desc);
	}
	ret = commands[i].fn(g, args, &e);
	if (!ret)
		return error_reply(e.cls, e.desc);
	msg = json_object_new_object();
	json_object_object_add(msg, "return", ret);
	*sentinel = i == 0; /* guest-sync-delimited */
	return msg;
}

json_object *fake_guest_dump(struct fake_guest *g, uint64_t now_ns)
{
	json_object *x = json_object_new_object();
	uint64_t lim = fake_tc_limit_bps(g->tc);

	advance(g, now_ns);
	json_object_object_add(x, "name", json_object_new_string(g->name));
	json_object_object_add(x, "tx_bytes", json_object_new_int64((int64_t)g->tx_bytes));
	json_object_object_add(x, "demand_bps", json_object_new_double(demand_bps(g, now_ns)));
	json_object_object_add(x, "limit_bps", lim ? json_object_new_int64((int64_t)lim) : NULL);
	json_object_object_add(x, "requests", json_object_new_int64((int64_t)g->requests));
	json_object_object_add(x, "execs", json_object_new_int64((int64_t)g->execs));
	return x;
}
