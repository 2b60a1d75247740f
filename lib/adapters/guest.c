/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "guest.h"
#include "clock.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>

#include "base64.h"
#include "mem.h"
#include "netname.h"
#include "sla.h"

#define MS 1000000ULL
#define BACKOFF_FIRST_NS (5 * MS)
#define BACKOFF_MAX_NS (100 * MS)
#define FILE_CHUNK 65536u
#define EXCERPT 200

enum guest_fq {
	GUEST_FQ_UNKNOWN,
	GUEST_FQ_YES,
	GUEST_FQ_NO,
};

/* Agent-side records this guest still owes a final call. */
enum guest_pending_kind {
	GUEST_PENDING_PID,    /* guest-exec pid: reap with guest-exec-status */
	GUEST_PENDING_HANDLE, /* guest-file handle: guest-file-close */
};

struct guest_pending {
	enum guest_pending_kind kind;
	int64_t id;
};

struct daqs_guest {
	struct daqs_agent_transport *t;
	char *name;
	void (*log)(void *ud, const char *msg);
	void *ud;
	bool info_known, limited;
	uint32_t enabled;
	struct guest_pending pending[DAQS_GUEST_MAX_REAP];
	size_t n_pending;
	const char *tc_path; /* NULL until one worked */
	const char *ss_path; /* NULL until one worked */
	enum guest_fq fq;
	uint32_t burst_us; /* 0 = 1 ms */
	/* the last readback (alone or after an apply), until forgotten */
	bool tc_known;
	char tc_ifname[DAQS_IFNAMSIZ];
	struct daqs_tc_state tc_st;
};

static const char *const tc_paths[] = { "/sbin/tc", "/usr/sbin/tc" };
static const char *const ss_paths[] = { "/bin/ss", "/usr/bin/ss", "/sbin/ss", "/usr/sbin/ss" };
#define SS_RECENT_MS 1000 /* a flow counts when it sent within this (tcpqueue.h) */

__attribute__((format(printf, 2, 3))) static void guest_log(struct daqs_guest *g, const char *fmt,
							    ...)
{
	va_list ap;
	char *msg, *line;

	if (!g->log)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	line = daqs_asprintf("guest '%s': %s", g->name, msg ? msg : fmt);
	g->log(g->ud, line);
	free(line);
	free(msg);
}

/* First line of s, at most EXCERPT bytes, control bytes as '?'. */
static void excerpt(const char *s, char out[EXCERPT + 1])
{
	size_t i = 0;

	for (; s && s[i] && s[i] != '\n' && i < EXCERPT; i++)
		out[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
	out[i] = '\0';
}

struct daqs_guest *daqs_guest_new(struct daqs_agent_transport *t, const char *name,
				  void (*log)(void *ud, const char *msg), void *ud)
{
	struct daqs_guest *g = daqs_calloc(1, sizeof(*g));

	g->t = t;
	g->name = daqs_strdup(name ? name : "?");
	g->log = log;
	g->ud = ud;
	g->fq = GUEST_FQ_UNKNOWN;
	return g;
}

void daqs_guest_free(struct daqs_guest *g)
{
	if (!g)
		return;
	if (g->t)
		g->t->ops->free(g->t->t);
	free(g->name);
	free(g);
}

bool daqs_guest_limited(const struct daqs_guest *g)
{
	return g->limited;
}

size_t daqs_guest_reap_pending(const struct daqs_guest *g)
{
	return g->n_pending;
}

/* ---- one request, one reply ---- */

/*
 * Send req (freed here; NULL = the codec refused to build it) and split the
 * reply the transport parsed: 0 with *ret (caller puts; ret may be NULL to
 * drop it), -EREMOTEIO with *err, -EPROTO (reported here), transport errors
 * (reported there).
 */
static int guest_rpc(struct daqs_guest *g, char *req, uint64_t deadline_ns, json_object **ret,
		     struct daqs_qga_error *err)
{
	struct daqs_qga_error e;
	json_object *reply = NULL;
	void *v = NULL;
	int r;

	if (ret)
		*ret = NULL;
	if (!req) {
		guest_log(g, "request could not be built (invalid argument)");
		return -EINVAL;
	}
	r = g->t->ops->call(g->t->t, req, &reply, deadline_ns);
	free(req);
	if ((r == 0 || r == -EREMOTEIO) && reply) {
		r = daqs_qga_reply_split(reply, &v, err ? err : &e);
		if (r == -EPROTO)
			guest_log(g, "reply is not a QGA reply");
	} else if (r == 0) {
		r = -EPROTO;
		guest_log(g, "transport returned no reply");
	}
	json_object_put(reply);
	if (ret)
		*ret = v;
	else
		json_object_put(v);
	return r;
}

/* Report -EPROTO from a decoder of what's reply. */
static int guest_decoded(struct daqs_guest *g, int r, const char *what)
{
	if (r == -EPROTO)
		guest_log(g, "%s reply does not validate", what);
	return r;
}

/* A request with arguments built by json-c (args consumed). */
static char *req_with(const char *execute, json_object *args)
{
	char *req = daqs_qga_req(execute, json_object_to_json_string_ext(
						  args, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE));

	json_object_put(args);
	return req;
}

static char *req_handle(const char *execute, int64_t handle, int64_t count)
{
	json_object *args = json_object_new_object();

	json_object_object_add(args, "handle", json_object_new_int64(handle));
	if (count > 0)
		json_object_object_add(args, "count", json_object_new_int64(count));
	return req_with(execute, args);
}

/* ---- records the agent keeps until we ask: exec pids, file handles ---- */

static void pending_add(struct daqs_guest *g, enum guest_pending_kind kind, int64_t id)
{
	if (g->n_pending == DAQS_GUEST_MAX_REAP) {
		guest_log(g, "too many unfinished agent records; forgetting %s %lld",
			  g->pending[0].kind == GUEST_PENDING_PID ? "pid" : "file handle",
			  (long long)g->pending[0].id);
		memmove(g->pending, g->pending + 1, (--g->n_pending) * sizeof(g->pending[0]));
	}
	g->pending[g->n_pending++] = (struct guest_pending){ .kind = kind, .id = id };
}

/* One guest-exec-status: 0 with *st (exited or not), or -errno. */
static int exec_status_once(struct daqs_guest *g, int64_t pid, uint64_t deadline_ns,
			    struct daqs_qga_exec_status *st)
{
	json_object *ret;
	int r;

	memset(st, 0, sizeof(*st));
	r = guest_rpc(g, daqs_qga_req_exec_status(pid), deadline_ns, &ret, NULL);
	if (r == 0)
		r = guest_decoded(g, daqs_qga_dec_exec_status(ret, st), "guest-exec-status");
	json_object_put(ret);
	return r;
}

/* Finish one pending record: 0 done (or the agent forgot it), 1 still open, <0 transport. */
static int pending_finish(struct daqs_guest *g, const struct guest_pending *p, uint64_t deadline_ns)
{
	struct daqs_qga_exec_status st;
	int r = 0;

	switch (p->kind) {
	case GUEST_PENDING_PID:
		r = exec_status_once(g, p->id, deadline_ns, &st);
		if (r == 0 && !st.exited)
			r = 1;
		daqs_qga_exec_status_clear(&st);
		break;
	case GUEST_PENDING_HANDLE:
		r = guest_rpc(g, req_handle("guest-file-close", p->id, 0), deadline_ns, NULL, NULL);
		break;
	}
	return (r == -EREMOTEIO || r == -EPROTO) ? 0 : r;
}

/* Before every verb: one attempt at each pending record; stop at a transport error. */
static void pending_flush(struct daqs_guest *g, uint64_t deadline_ns)
{
	size_t keep = 0, i = 0;
	int r = 0;

	for (; i < g->n_pending && r >= 0; i++) {
		r = pending_finish(g, &g->pending[i], deadline_ns);
		if (r != 0)
			g->pending[keep++] = g->pending[i];
	}
	for (; i < g->n_pending; i++)
		g->pending[keep++] = g->pending[i];
	g->n_pending = keep;
}

/* ---- ping, info, interfaces ---- */

int daqs_guest_ping(struct daqs_guest *g, uint64_t deadline_ns)
{
	pending_flush(g, deadline_ns);
	return guest_rpc(g, daqs_qga_req("guest-ping", NULL), deadline_ns, NULL, NULL);
}

static void limited_set(struct daqs_guest *g, bool limited, const char *why)
{
	if (limited && !g->limited)
		guest_log(g, "agent-limited: %s; in-guest tc enforcement unavailable", why);
	else if (!limited && g->limited)
		guest_log(g, "no longer agent-limited: guest-exec and guest-exec-status enabled");
	g->limited = limited;
}

int daqs_guest_info(struct daqs_guest *g, uint64_t deadline_ns, struct daqs_qga_info *out)
{
	struct daqs_qga_info info;
	json_object *ret;
	int r;

	pending_flush(g, deadline_ns);
	r = guest_rpc(g, daqs_qga_req("guest-info", NULL), deadline_ns, &ret, NULL);
	if (r == 0)
		r = guest_decoded(g, daqs_qga_dec_info(ret, &info), "guest-info");
	json_object_put(ret);
	if (r < 0)
		return r;
	g->info_known = true;
	g->enabled = info.enabled;
	limited_set(g, (info.enabled & DAQS_QGA_NEED_ENFORCE) != DAQS_QGA_NEED_ENFORCE,
		    "guest-exec or guest-exec-status disabled in guest-info");
	if (out)
		*out = info;
	return 0;
}

int daqs_guest_interfaces(struct daqs_guest *g, uint64_t deadline_ns, struct daqs_qga_iface **v,
			  size_t *n)
{
	json_object *ret;
	size_t rejected = 0;
	int r;

	*v = NULL;
	*n = 0;
	pending_flush(g, deadline_ns);
	r = guest_rpc(g, daqs_qga_req("guest-network-get-interfaces", NULL), deadline_ns, &ret,
		      NULL);
	if (r == 0)
		r = guest_decoded(g, daqs_qga_dec_interfaces(ret, v, n, &rejected),
				  "guest-network-get-interfaces");
	json_object_put(ret);
	if (r == 0 && rejected)
		guest_log(g, "%zu interface(s) with invalid names ignored", rejected);
	return r;
}

/* ---- guest-exec ---- */

/* Exec-based verbs: know the agent's limits, refuse fast when limited, flush pending. */
static int exec_ready(struct daqs_guest *g, uint64_t deadline_ns)
{
	int r;

	if (!g->info_known) {
		r = daqs_guest_info(g, deadline_ns, NULL);
		if (r < 0)
			return r;
	} else {
		pending_flush(g, deadline_ns);
	}
	return g->limited ? -EPERM : 0;
}

static int exec_start(struct daqs_guest *g, const char *path, const char *const *argv,
		      const void *stdin_data, size_t stdin_len, uint64_t deadline_ns, int64_t *pid)
{
	struct daqs_qga_error err = { .cls = "" };
	json_object *ret;
	int r;

	r = guest_rpc(g, daqs_qga_req_exec(path, argv, stdin_data, stdin_len), deadline_ns, &ret,
		      &err);
	if (r == 0)
		r = guest_decoded(g, daqs_qga_dec_exec(ret, pid), "guest-exec");
	json_object_put(ret);
	if (r != -EREMOTEIO)
		return r;
	if (!strcmp(err.cls, "CommandNotFound") && strstr(err.desc, "disabled")) {
		limited_set(g, true, "guest-exec refused as disabled");
		return -EPERM;
	}
	return strstr(err.desc, "Failed to execute child process") ? -ENOENT : -EREMOTEIO;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ULL),
			       .tv_nsec = (long)(ns % 1000000000ULL) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * Poll until exited. The next poll happens only if more than the backoff is
 * left before the deadline; otherwise the pid is kept for reaping.
 */
static int exec_wait(struct daqs_guest *g, int64_t pid, uint64_t deadline_ns,
		     struct daqs_qga_exec_status *out)
{
	uint64_t backoff = BACKOFF_FIRST_NS, now;
	int r;

	for (;;) {
		r = exec_status_once(g, pid, deadline_ns, out);
		if (r == -EREMOTEIO)
			return r; /* the agent forgot the pid: nothing to reap */
		if (r < 0 || out->exited)
			break;
		now = daqs_monotonic_ns();
		if (now >= deadline_ns || deadline_ns - now <= backoff) {
			guest_log(g, "pid %lld still running at the deadline; kept for reaping",
				  (long long)pid);
			r = -ETIMEDOUT;
			break;
		}
		sleep_ns(backoff);
		backoff = backoff * 2 > BACKOFF_MAX_NS ? BACKOFF_MAX_NS : backoff * 2;
	}
	if (r < 0)
		pending_add(g, GUEST_PENDING_PID, pid);
	return r;
}

int daqs_guest_exec(struct daqs_guest *g, const char *path, const char *const *argv,
		    const void *stdin_data, size_t stdin_len, uint64_t deadline_ns,
		    struct daqs_qga_exec_status *out)
{
	int64_t pid = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if (!path || path[0] != '/') {
		guest_log(g, "exec needs an absolute program path");
		return -EINVAL;
	}
	r = exec_ready(g, deadline_ns);
	if (r == 0)
		r = exec_start(g, path, argv, stdin_data, stdin_len, deadline_ns, &pid);
	if (r == 0)
		r = exec_wait(g, pid, deadline_ns, out);
	if (r < 0)
		daqs_qga_exec_status_clear(out);
	return r;
}

/*
 * Run the first of paths[0..n) the guest has (what: the program, for the
 * report when it has none) and remember it in *found, which is then run
 * alone. stdin_text may be NULL.
 */
static int exec_first(struct daqs_guest *g, const char *what, const char *const *paths, size_t n,
		      const char **found, const char *const *argv, const char *stdin_text,
		      uint64_t deadline_ns, struct daqs_qga_exec_status *st)
{
	size_t len = stdin_text ? strlen(stdin_text) : 0, at = 0;
	char tried[128] = "";
	int r = -ENOENT;

	if (*found)
		return daqs_guest_exec(g, *found, argv, stdin_text, len, deadline_ns, st);
	for (size_t i = 0; r == -ENOENT && i < n; i++) {
		r = daqs_guest_exec(g, paths[i], argv, stdin_text, len, deadline_ns, st);
		if (r == 0)
			*found = paths[i];
	}
	for (size_t i = 0; r == -ENOENT && i < n && at < sizeof(tried); i++)
		at += (size_t)snprintf(tried + at, sizeof(tried) - at, "%s%s", i ? ", " : "",
				       paths[i]);
	if (r == -ENOENT)
		guest_log(g, "no %s in the guest (tried %s)", what, tried);
	return r;
}

/* ---- guest-file-* ---- */

static int file_open(struct daqs_guest *g, const char *path, uint64_t deadline_ns, int64_t *handle)
{
	json_object *args = json_object_new_object(), *ret;
	int r;

	json_object_object_add(args, "path", json_object_new_string(path));
	json_object_object_add(args, "mode", json_object_new_string("r"));
	r = guest_rpc(g, req_with("guest-file-open", args), deadline_ns, &ret, NULL);
	if (r == 0 && (!json_object_is_type(ret, json_type_int) ||
		       (*handle = json_object_get_int64(ret)) < 0 || *handle == INT64_MAX))
		r = guest_decoded(g, -EPROTO, "guest-file-open");
	json_object_put(ret);
	return r;
}

/* Append one decoded GuestFileRead to buf; *eof set. -EFBIG past max. */
static int file_chunk(const json_object *ret, char *buf, size_t max, size_t *len, bool *eof)
{
	json_object *count, *b64, *e;
	size_t n = 0;
	bool trunc = false;
	int64_t c;

	if (!json_object_object_get_ex(ret, "count", &count) ||
	    !json_object_object_get_ex(ret, "buf-b64", &b64) ||
	    !json_object_object_get_ex(ret, "eof", &e) ||
	    !json_object_is_type(count, json_type_int) ||
	    !json_object_is_type(b64, json_type_string) ||
	    !json_object_is_type(e, json_type_boolean))
		return -EPROTO;
	c = json_object_get_int64(count);
	if (c < 0 || c > FILE_CHUNK)
		return -EPROTO;
	if (daqs_base64_decode(json_object_get_string(b64), (size_t)json_object_get_string_len(b64),
			       buf + *len, max - *len, &n, &trunc))
		return -EPROTO;
	if (trunc)
		return -EFBIG;
	if (n != (size_t)c || (c == 0 && !json_object_get_boolean(e)))
		return -EPROTO;
	*len += n;
	*eof = json_object_get_boolean(e);
	return 0;
}

static int file_read_all(struct daqs_guest *g, int64_t handle, size_t max, uint64_t deadline_ns,
			 char *buf, size_t *len)
{
	json_object *ret;
	bool eof = false;
	int r = 0;

	while (r == 0 && !eof) {
		r = guest_rpc(g, req_handle("guest-file-read", handle, FILE_CHUNK), deadline_ns,
			      &ret, NULL);
		if (r == 0) {
			r = file_chunk(ret, buf, max, len, &eof);
			if (r == -EFBIG)
				guest_log(g, "file longer than %zu bytes", max);
			guest_decoded(g, r, "guest-file-read");
		}
		json_object_put(ret);
	}
	return r;
}

int daqs_guest_read_file(struct daqs_guest *g, const char *path, size_t max, uint64_t deadline_ns,
			 char **buf, size_t *len)
{
	int64_t handle = -1;
	int r, rc;

	*buf = NULL;
	*len = 0;
	if (!path || path[0] != '/' || max > DAQS_GUEST_FILE_MAX) {
		guest_log(g, "read_file needs an absolute path and max <= %u", DAQS_GUEST_FILE_MAX);
		return -EINVAL;
	}
	pending_flush(g, deadline_ns);
	r = file_open(g, path, deadline_ns, &handle);
	if (r < 0)
		return r;
	*buf = daqs_malloc(max + 1);
	r = file_read_all(g, handle, max, deadline_ns, *buf, len);
	rc = guest_rpc(g, req_handle("guest-file-close", handle, 0), deadline_ns, NULL, NULL);
	if (rc < 0 && rc != -EREMOTEIO && rc != -EPROTO)
		pending_add(g, GUEST_PENDING_HANDLE, handle); /* closed at the next call */
	if (r == 0)
		r = rc;
	if (r < 0) {
		free(*buf);
		*buf = NULL;
		*len = 0;
		return r;
	}
	(*buf)[*len] = '\0';
	return 0;
}

/* ---- TCP queueing delay ---- */

/* The backlog of ifname's root HTB into out (have_own); its failures leave it unknown. */
static void own_backlog(struct daqs_guest *g, const char *ifname, uint64_t deadline_ns,
			struct daqs_tcpqueue *out);

int daqs_guest_tcp_queue(struct daqs_guest *g, const char *ifname, uint64_t deadline_ns,
			 struct daqs_tcpqueue *out)
{
	const char *const argv[] = { "-tinH", "state", "established", NULL };
	struct daqs_qga_exec_status st;
	int r;

	memset(out, 0, sizeof(*out));
	r = exec_first(g, "ss", ss_paths, DAQS_ARRAY_SIZE(ss_paths), &g->ss_path, argv, NULL,
		       deadline_ns, &st);
	if (r < 0)
		return r;
	if (st.out_truncated) {
		guest_log(g, "ss: output truncated");
		r = -EPROTO;
	} else if (!st.has_exitcode || st.exitcode != 0) {
		guest_log(g, "ss failed (exit %d)", st.has_exitcode ? st.exitcode : -1);
		r = -EIO;
	} else if (daqs_tcpqueue_parse(st.out ? st.out : "", st.out ? st.out_len : 0, SS_RECENT_MS,
				       out) < 0) {
		guest_log(g, "ss: output does not parse");
		r = -EPROTO;
	}
	daqs_qga_exec_status_clear(&st);
	if (r == 0)
		own_backlog(g, ifname, deadline_ns, out);
	return r;
}

/* ---- interface discovery ---- */

static bool mac_match(const struct daqs_qga_iface *v, size_t n, const char *mac, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return v[i].mac[0] && !strcasecmp(v[i].mac, mac);
	return false;
}

int daqs_guest_pick_iface(const struct daqs_qga_iface *v, size_t n, const char *mac,
			  const char (*master)[DAQS_IFNAMSIZ], size_t *idx)
{
	size_t count = 0;

	if (!daqs_netname_mac_valid(mac))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!v[i].mac[0] || strcasecmp(v[i].mac, mac))
			continue;
		if (master && master[i][0] && mac_match(v, n, mac, master[i]))
			continue; /* a member: its master carries the same MAC */
		*idx = i;
		count++;
	}
	return count == 0 ? -ENOENT : count > 1 ? -ENOTUNIQ : 0;
}

/* INTERFACE=name from a uevent file. */
static int uevent_interface(const char *text, char master[DAQS_IFNAMSIZ])
{
	const char *p = text, *nl;
	size_t n;

	for (; strncmp(p, "INTERFACE=", 10); p = nl + 1)
		if (!(nl = strchr(p, '\n')))
			return -EPROTO;
	p += 10;
	n = strcspn(p, "\n");
	if (n == 0 || n >= DAQS_IFNAMSIZ)
		return -EPROTO;
	memcpy(master, p, n);
	master[n] = '\0';
	return daqs_netname_ifname_valid(master) ? 0 : -EPROTO;
}

int daqs_guest_master(struct daqs_guest *g, const char *ifname, uint64_t deadline_ns,
		      char master[DAQS_IFNAMSIZ])
{
	char path[64], *text;
	size_t len;
	int r;

	master[0] = '\0';
	if (!daqs_netname_ifname_valid(ifname)) {
		guest_log(g, "refusing an invalid interface name");
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "/sys/class/net/%s/master/uevent", ifname);
	r = daqs_guest_read_file(g, path, 4096, deadline_ns, &text, &len);
	if (r == -EREMOTEIO)
		return 0; /* no master link (the open failed) */
	if (r < 0)
		return r;
	r = uevent_interface(text, master);
	free(text);
	if (r < 0) {
		master[0] = '\0';
		guest_log(g, "master of '%s': uevent has no valid INTERFACE=", ifname);
	}
	return r;
}

static size_t mac_count(const struct daqs_qga_iface *v, size_t n, const char *mac)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += v[i].mac[0] && !strcasecmp(v[i].mac, mac);
	return c;
}

int daqs_guest_discover(struct daqs_guest *g, const char *mac, uint64_t deadline_ns,
			char ifname[DAQS_IFNAMSIZ])
{
	struct daqs_qga_iface *v = NULL;
	char(*master)[DAQS_IFNAMSIZ] = NULL;
	size_t n = 0, idx = 0;
	int r;

	ifname[0] = '\0';
	if (!daqs_netname_mac_valid(mac)) {
		guest_log(g, "discovery needs a MAC aa:bb:cc:dd:ee:ff");
		return -EINVAL;
	}
	r = daqs_guest_interfaces(g, deadline_ns, &v, &n);
	if (r == 0 && mac_count(v, n, mac) > 1) {
		master = daqs_calloc(n, sizeof(*master));
		for (size_t i = 0; r == 0 && i < n; i++)
			if (v[i].mac[0] && !strcasecmp(v[i].mac, mac))
				r = daqs_guest_master(g, v[i].name, deadline_ns, master[i]);
	}
	if (r == 0) {
		r = daqs_guest_pick_iface(v, n, mac, (const char(*)[DAQS_IFNAMSIZ])master, &idx);
		if (r < 0)
			guest_log(g, "no single interface carries MAC %s (%s)", mac, strerror(-r));
		else
			memcpy(ifname, v[idx].name, DAQS_IFNAMSIZ);
	}
	free(master);
	free(v);
	return r;
}

/* ---- tc ---- */

/* Run tc with argv: /sbin/tc, else /usr/sbin/tc; remember which. */
static int tc_run(struct daqs_guest *g, const char *const *argv, const char *stdin_text,
		  uint64_t deadline_ns, struct daqs_qga_exec_status *st)
{
	return exec_first(g, "tc", tc_paths, DAQS_ARRAY_SIZE(tc_paths), &g->tc_path, argv,
			  stdin_text, deadline_ns, st);
}

static void own_backlog(struct daqs_guest *g, const char *ifname, uint64_t deadline_ns,
			struct daqs_tcpqueue *out)
{
	const char *const argv[] = { "-s", "-j", "qdisc", "show", "dev", ifname, NULL };
	struct daqs_qga_exec_status st;
	bool found = false;

	if (!ifname || !daqs_netname_ifname_valid(ifname) ||
	    tc_run(g, argv, NULL, deadline_ns, &st) < 0)
		return;
	out->have_own = !st.out_truncated && st.has_exitcode && st.exitcode == 0 &&
			daqs_tcpqueue_parse_backlog(st.out ? st.out : "", st.out ? st.out_len : 0,
						    &out->own_backlog, &found) == 0 &&
			found; /* no HTB of ours: its limit may be elsewhere (a VF rate) */
	daqs_qga_exec_status_clear(&st);
}

/* 0 when tc exited 0 with whole output; else report and -ENODEV / -EIO / -EPROTO. */
static int tc_check(struct daqs_guest *g, const struct daqs_qga_exec_status *st, const char *what,
		    const char *ifname)
{
	char ex[EXCERPT + 1];

	if (st->out_truncated || st->err_truncated) {
		guest_log(g, "tc %s '%s': output truncated", what, ifname);
		return -EPROTO;
	}
	if (st->has_exitcode && st->exitcode == 0)
		return 0;
	excerpt(st->err, ex);
	if (st->has_signal)
		guest_log(g, "tc %s '%s' failed (signal %d)", what, ifname, st->signal);
	else
		guest_log(g, "tc %s '%s' failed (exit %d: %s)", what, ifname, st->exitcode, ex);
	return st->err && strstr(st->err, "Cannot find device") ? -ENODEV : -EIO;
}

static void tc_remember(struct daqs_guest *g, const char *ifname, const struct daqs_tc_state *st)
{
	g->tc_known = true;
	snprintf(g->tc_ifname, sizeof(g->tc_ifname), "%s", ifname);
	g->tc_st = *st;
}

void daqs_guest_tc_forget(struct daqs_guest *g)
{
	g->tc_known = false;
}

/* Parse the readback lines' output after tc_check. */
static int tc_parse(struct daqs_guest *g, const struct daqs_qga_exec_status *es, const char *ifname,
		    struct daqs_tc_state *st)
{
	if (daqs_tcplan_parse_batch(es->out ? es->out : "", st) == 0)
		return 0;
	guest_log(g, "tc readback of '%s' does not parse", ifname);
	return -EPROTO;
}

/* tc_state after the checks (ifname valid, exec_ready done): one guest-exec. */
static int tc_readback(struct daqs_guest *g, const char *ifname, uint64_t deadline_ns,
		       struct daqs_tc_state *st)
{
	const char *const argv[] = { "-j", "-d", "-batch", "-", NULL };
	char *lines = daqs_tcplan_readback(ifname);
	struct daqs_qga_exec_status es;
	int r;

	r = tc_run(g, argv, lines, deadline_ns, &es);
	free(lines);
	if (r == 0) {
		r = tc_check(g, &es, "readback", ifname);
		if (r == 0)
			r = tc_parse(g, &es, ifname, st);
		daqs_qga_exec_status_clear(&es);
	}
	if (r == 0)
		tc_remember(g, ifname, st);
	else
		daqs_guest_tc_forget(g);
	return r;
}

static int ifname_check(struct daqs_guest *g, const char *ifname)
{
	if (daqs_tcplan_ifname_valid(ifname))
		return 0;
	if (daqs_netname_ifname_valid(ifname))
		guest_log(g, "refusing interface name '%s' for tc (a '#' or a leading quote)",
			  ifname);
	else
		guest_log(g, "refusing an invalid interface name");
	return -EINVAL;
}

int daqs_guest_tc_state(struct daqs_guest *g, const char *ifname, uint64_t deadline_ns,
			struct daqs_tc_state *st)
{
	int r;

	memset(st, 0, sizeof(*st));
	r = ifname_check(g, ifname);
	if (r == 0)
		r = exec_ready(g, deadline_ns);
	if (r == 0)
		r = tc_readback(g, ifname, deadline_ns, st);
	return r;
}

/* Did `tc -batch -` stop at the last line of plan (the leaf qdisc line)? */
static bool leaf_line_failed(const struct daqs_qga_exec_status *st, const char *plan)
{
	char want[48];
	size_t lines = 0;

	for (const char *p = plan; *p; p++)
		lines += *p == '\n';
	snprintf(want, sizeof(want), "Command failed -:%zu", lines);
	for (const char *p = st->err; p && (p = strstr(p, want)); p++)
		if (!isdigit((unsigned char)p[strlen(want)]))
			return true;
	return false;
}

/*
 * Run the plan from *st with the readback lines after it, in one
 * `tc -j -d -batch -`; on success *st is what the readback showed after.
 * Until the guest's fq_codel support is known, a plan with an fq_codel leaf
 * line is the probe: success = supported; a failure at that (last) plan
 * line = missing, so re-read and re-plan with pfifo.
 */
static int tc_batch(struct daqs_guest *g, const char *ifname, uint64_t limit_bps,
		    struct daqs_tc_state *st, uint64_t deadline_ns, bool *ran)
{
	const char *const argv[] = { "-j", "-d", "-batch", "-", NULL };
	struct daqs_tcplan_in in = { .ifname = ifname,
				     .limit_bps = limit_bps,
				     .fq_codel = g->fq != GUEST_FQ_NO,
				     .burst_us = g->burst_us };
	struct daqs_qga_exec_status es;
	char *plan = NULL, *lines, *text, ex[EXCERPT + 1];
	bool probe, replan = false;
	int r;

	daqs_tcplan_in_set_root(&in, st);
	if (daqs_tcplan_apply(&in, &plan) < 0) {
		guest_log(g, "no tc plan for limit %llu bit/s", (unsigned long long)limit_bps);
		return -EINVAL;
	}
	if (!*plan) { /* nothing to change */
		free(plan);
		return 0;
	}
	probe = g->fq == GUEST_FQ_UNKNOWN && strstr(plan, " fq_codel\n");
	lines = daqs_tcplan_readback(ifname);
	text = daqs_asprintf("%s%s", plan, lines);
	free(lines);
	*ran = true;
	r = tc_run(g, argv, text, deadline_ns, &es);
	free(text);
	if (r == 0) {
		if (probe && !(es.has_exitcode && es.exitcode == 0) &&
		    leaf_line_failed(&es, plan)) {
			g->fq = GUEST_FQ_NO;
			guest_log(g, "guest kernel lacks fq_codel; leaf qdisc is pfifo");
			replan = true;
		} else {
			r = tc_check(g, &es, "-batch", ifname);
			excerpt(es.err, ex);
			if (r == 0 && ex[0])
				guest_log(g, "tc -batch '%s' warned: %s", ifname, ex);
			if (r == 0 && probe)
				g->fq = GUEST_FQ_YES;
			if (r == 0)
				r = tc_parse(g, &es, ifname, st);
		}
		daqs_qga_exec_status_clear(&es);
	}
	free(plan);
	if (!replan)
		return r;
	r = tc_readback(g, ifname, deadline_ns, st);
	return r < 0 ? r : tc_batch(g, ifname, limit_bps, st, deadline_ns, ran);
}

int daqs_guest_tc_apply(struct daqs_guest *g, const char *ifname, uint64_t limit_bps,
			uint64_t deadline_ns, bool *ran)
{
	struct daqs_tc_state st;
	int r;

	*ran = false;
	if (g->tc_known && ifname && !strcmp(ifname, g->tc_ifname))
		st = g->tc_st;
	else if ((r = daqs_guest_tc_state(g, ifname, deadline_ns, &st)) < 0)
		return r;
	if (daqs_tcplan_matches_burst(&st, limit_bps, DAQS_TCPLAN_TOL_PPM, g->burst_us))
		return 0;
	r = tc_batch(g, ifname, limit_bps, &st, deadline_ns, ran);
	if (r == 0 &&
	    !daqs_tcplan_matches_burst(&st, limit_bps, DAQS_TCPLAN_TOL_PPM, g->burst_us)) {
		guest_log(g, "tc on '%s' does not show the limit after apply", ifname);
		r = -EIO;
	}
	if (r == 0)
		tc_remember(g, ifname, &st);
	else
		daqs_guest_tc_forget(g);
	return r;
}

void daqs_guest_set_burst_us(struct daqs_guest *g, uint32_t burst_us)
{
	g->burst_us = burst_us;
}
