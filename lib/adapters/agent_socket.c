/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Raw unix-socket guest-agent transport (see agent_socket.h).
 *
 * Why a blocking call with a per-call deadline is acceptable for now: the
 * daemon will run one transport per guest, each driven by its own worker, so
 * a slow or stopped guest only ever stalls its own calls, and never for
 * longer than the deadline the caller chose (connect, handshake, write and
 * read all poll with the time left to that one absolute CLOCK_MONOTONIC
 * deadline). For that to hold the transport keeps no global state: every
 * byte of connection state lives in the instance, and calls on one instance
 * are serialised (a caller waits for a call in progress only until its own
 * deadline). An event-driven transport can replace this behind the same
 * ops if one worker per guest turns out too heavy.
 *
 * Wire protocol (platform-facts.md section 1):
 * - after every (re)connect: send 0xFF then guest-sync-delimited with a fresh
 *   id; discard everything up to the agent's 0xFF sentinel (qemu-ga 7.2
 *   first answers the 0xFF with a GenericError "stray" line), then require
 *   exactly {"return": id};
 * - a call: one request line out, exactly one reply line back. Any failure
 *   except an error reply closes the connection, so the next call
 *   reconnects and resynchronises; EOF on an idle connection (agent
 *   restarted) is not a failure, the call simply reconnects.
 */
#include "agent_socket.h"
#include "clock.h"

#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "jsonline.h"
#include "mem.h"
#include "qga.h"

#define AGENT_SENTINEL 0xff
#define AGENT_READ_CHUNK 65536
#define AGENT_BUF_KEEP (4 * AGENT_READ_CHUNK) /* receive buffer kept across connections */
#define AGENT_EAGAIN_RETRY_NS 5000000ULL      /* listen backlog full: retry connect */
#define AGENT_SYNC_ID_MASK ((1ULL << 53) - 1) /* exact in any JSON reader */

struct agent_socket {
	struct daqs_agent_transport base; /* base.t points back here */
	pthread_mutex_t lock;		  /* guards busy */
	pthread_cond_t idle;		  /* signalled when busy clears; CLOCK_MONOTONIC */
	bool busy;			  /* a call owns the fields below */
	char *path;
	void (*log)(void *ud, const char *msg);
	void *log_ud;
	int fd;	   /* -1 when not connected */
	char *buf; /* bytes received and not consumed yet */
	size_t len, cap;
	int64_t sync_id;	      /* id of the last handshake */
	uint64_t start_ns;	      /* start of the current call, for messages */
	struct daqs_jsonline *reader; /* reused by every parse (calls are serialised) */
};

/* Report one failure as "agent: <what> failed '<path>' (<reason>)"; returns err. */
static __attribute__((format(printf, 4, 5))) int agent_fail(struct agent_socket *s, int err,
							    const char *what, const char *fmt, ...)
{
	char reason[256], *msg;
	va_list ap;

	if (!s->log)
		return err;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	msg = daqs_asprintf("agent: %s failed '%s' (%s)", what, s->path, reason);
	s->log(s->log_ud, msg);
	free(msg);
	return err;
}

static int agent_fail_errno(struct agent_socket *s, int err, const char *what)
{
	return agent_fail(s, err, what, "%s", strerror(-err));
}

static int agent_fail_timeout(struct agent_socket *s, const char *what)
{
	uint64_t ms = (daqs_monotonic_ns() - s->start_ns) / 1000000;

	return agent_fail(s, -ETIMEDOUT, what, "deadline passed after %llu ms",
			  (unsigned long long)ms);
}

#define AGENT_EXCERPT 80 /* guest bytes quoted in a message */

/*
 * Up to AGENT_EXCERPT bytes of guest-supplied text for a log message, with
 * anything but printable ASCII replaced by '?': the guest is not trusted to
 * write into our logs. Returns out.
 */
static const char *agent_excerpt(const char *p, size_t n, char out[AGENT_EXCERPT + 4])
{
	size_t i, m = n < AGENT_EXCERPT ? n : AGENT_EXCERPT;

	for (i = 0; i < m; i++)
		out[i] = isprint((unsigned char)p[i]) && (unsigned char)p[i] < 0x80 ? p[i] : '?';
	strcpy(out + m, n > m ? "..." : "");
	return out;
}

/* An empty buffer grown past AGENT_BUF_KEEP by a long reply is let go. */
static void agent_buf_trim(struct agent_socket *s)
{
	if (s->len || s->cap <= AGENT_BUF_KEEP)
		return;
	free(s->buf);
	s->buf = NULL;
	s->cap = 0;
}

static void agent_disconnect(struct agent_socket *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->len = 0;
	agent_buf_trim(s);
}

/*
 * Wait for events on the socket until the deadline: 0 when ready (including
 * hang-up and error, which the next I/O call reports), -ETIMEDOUT, -errno.
 */
static int agent_wait(struct agent_socket *s, short events, uint64_t deadline_ns)
{
	struct pollfd pfd = { .fd = s->fd, .events = events };
	uint64_t now;
	int r;

	for (;;) {
		now = daqs_monotonic_ns();
		if (now >= deadline_ns)
			return -ETIMEDOUT;
		/* round up: never spin on a sub-millisecond remainder */
		r = poll(&pfd, 1, (int)((deadline_ns - now + 999999) / 1000000));
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

static void agent_sleep_until(uint64_t deadline_ns, uint64_t max_ns)
{
	uint64_t now = daqs_monotonic_ns(), ns;
	struct timespec ts;

	if (now >= deadline_ns)
		return;
	ns = deadline_ns - now < max_ns ? deadline_ns - now : max_ns;
	ts.tv_sec = (time_t)(ns / 1000000000ULL);
	ts.tv_nsec = (long)(ns % 1000000000ULL);
	nanosleep(&ts, NULL);
}

/* Finish a non-blocking connect that returned EINPROGRESS. */
static int agent_connect_wait(struct agent_socket *s, uint64_t deadline_ns)
{
	socklen_t len = sizeof(int);
	int r, soerr = 0;

	r = agent_wait(s, POLLOUT, deadline_ns);
	if (r == -ETIMEDOUT)
		return agent_fail_timeout(s, "connect");
	if (r < 0)
		return agent_fail_errno(s, r, "connect");
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		soerr = errno;
	return soerr ? agent_fail_errno(s, -soerr, "connect") : 0;
}

/* Connect s->fd (already a socket) to the path; EAGAIN = backlog full, retried. */
static int agent_connect_addr(struct agent_socket *s, const struct sockaddr_un *sa,
			      uint64_t deadline_ns)
{
	int e;

	for (;;) {
		if (connect(s->fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
			return 0;
		e = errno;
		if (e == EINPROGRESS)
			return agent_connect_wait(s, deadline_ns);
		if (e != EAGAIN && e != EINTR)
			return agent_fail_errno(s, -e, "connect");
		if (daqs_monotonic_ns() >= deadline_ns)
			return agent_fail_timeout(s, "connect");
		if (e == EAGAIN)
			agent_sleep_until(deadline_ns, AGENT_EAGAIN_RETRY_NS);
	}
}

static int agent_connect(struct agent_socket *s, uint64_t deadline_ns)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int r;

	if (strlen(s->path) >= sizeof(sa.sun_path))
		return agent_fail(s, -ENAMETOOLONG, "connect", "path longer than %zu bytes",
				  sizeof(sa.sun_path) - 1);
	memcpy(sa.sun_path, s->path, strlen(s->path) + 1);
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return agent_fail_errno(s, -errno, "socket");
	r = agent_connect_addr(s, &sa, deadline_ns);
	if (r < 0)
		agent_disconnect(s);
	return r;
}

/* Write all n bytes before the deadline. */
static int agent_send(struct agent_socket *s, const char *p, size_t n, uint64_t deadline_ns,
		      const char *what)
{
	ssize_t w;
	int r;

	while (n) {
		w = send(s->fd, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN)
			return agent_fail_errno(s, -errno, what);
		r = agent_wait(s, POLLOUT, deadline_ns);
		if (r == -ETIMEDOUT)
			return agent_fail_timeout(s, what);
		if (r < 0)
			return agent_fail_errno(s, r, what);
	}
	return 0;
}

/* Append what the socket has (waiting for at least one byte) to s->buf. */
static int agent_fill(struct agent_socket *s, uint64_t deadline_ns, const char *what)
{
	ssize_t n;
	int r;

	daqs_grow((void **)&s->buf, &s->cap, s->len + AGENT_READ_CHUNK, 1);
	for (;;) {
		n = recv(s->fd, s->buf + s->len, AGENT_READ_CHUNK, 0);
		if (n > 0) {
			s->len += (size_t)n;
			return 0;
		}
		if (n == 0)
			return agent_fail(s, -ECONNRESET, what, "agent closed the connection");
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return agent_fail_errno(s, -errno, what);
		r = agent_wait(s, POLLIN, deadline_ns);
		if (r == -ETIMEDOUT)
			return agent_fail_timeout(s, what);
		if (r < 0)
			return agent_fail_errno(s, r, what);
	}
}

static void agent_consume(struct agent_socket *s, size_t n)
{
	memmove(s->buf, s->buf + n, s->len - n);
	s->len -= n;
}

/*
 * Take one '\n'-terminated line (at most max bytes before the newline: the
 * reply's bound, qga.h) off the stream: *line malloc'd, NUL-terminated,
 * without the '\n'. Reading stops as soon as the line is over max.
 */
static int agent_read_line(struct agent_socket *s, size_t max, uint64_t deadline_ns,
			   const char *what, char **line, size_t *n)
{
	size_t scanned = 0;
	char *nl;
	int r;

	for (;;) {
		nl = s->len ? memchr(s->buf + scanned, '\n', s->len - scanned) : NULL;
		if (nl)
			break;
		scanned = s->len;
		if (s->len > max)
			return agent_fail(s, -EPROTO, what, "line longer than %zu bytes", max);
		r = agent_fill(s, deadline_ns, what);
		if (r < 0)
			return r;
	}
	*n = (size_t)(nl - s->buf);
	if (*n > max)
		return agent_fail(s, -EPROTO, what, "line longer than %zu bytes: %zu", max, *n);
	*line = daqs_strndup(s->buf, *n);
	agent_consume(s, *n + 1);
	if (strlen(*line) != *n) {
		free(*line);
		*line = NULL;
		return agent_fail(s, -EPROTO, what, "NUL byte in the line");
	}
	return 0;
}

/* Drop everything up to and including the 0xFF sentinel (a bounded amount). */
static int agent_skip_to_sentinel(struct agent_socket *s, uint64_t deadline_ns)
{
	size_t dropped = 0;
	char *p;
	int r;

	for (;;) {
		p = s->len ? memchr(s->buf, AGENT_SENTINEL, s->len) : NULL;
		if (p) {
			agent_consume(s, (size_t)(p - s->buf) + 1);
			return 0;
		}
		dropped += s->len;
		s->len = 0;
		if (dropped > DAQS_QGA_MAX_REPLY)
			return agent_fail(s, -EPROTO, "sync", "no 0xFF sentinel in %zu bytes",
					  dropped);
		r = agent_fill(s, deadline_ns, "sync");
		if (r < 0)
			return r;
	}
}

/* A fresh id for guest-sync-delimited, different from the previous one. */
static int64_t agent_sync_id_new(struct agent_socket *s)
{
	uint64_t v = 0;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v))
		v = daqs_monotonic_ns() ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)s;
	v &= AGENT_SYNC_ID_MASK;
	if (v == 0 || (int64_t)v == s->sync_id)
		v = ((uint64_t)s->sync_id + 1) & AGENT_SYNC_ID_MASK;
	return (int64_t)(v ? v : 1);
}

/* "\xff{"execute":"guest-sync-delimited","arguments":{"id":N}}\n", malloc'd. */
static char *agent_sync_request(int64_t id, size_t *n)
{
	struct json_object *req = json_object_new_object(), *args = json_object_new_object();
	const char *txt;
	char *out;

	json_object_object_add(args, "id", json_object_new_int64(id));
	json_object_object_add(req, "execute", json_object_new_string("guest-sync-delimited"));
	json_object_object_add(req, "arguments", args);
	txt = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	out = daqs_asprintf("%c%s\n", AGENT_SENTINEL, txt);
	*n = strlen(out);
	json_object_put(req);
	return out;
}

/*
 * The line as one strict JSON value (jsonline.h), or NULL. The instance's
 * reader (its tokener is about 1 KiB, kept for the transport's life) is
 * reused: creating a tokener per reply was 6 % of daqsd's CPU with 1000
 * guests (scripts/bench-scale --profile), and its 1 KiB parse stack is a
 * large-bin allocation, which makes glibc consolidate its fastbins first.
 */
static struct json_object *agent_parse(struct agent_socket *s, const char *line, size_t n)
{
	return daqs_jsonline_parse(s->reader, line, n);
}

/* The handshake reply must be exactly {"return": id}. */
static int agent_sync_check(struct agent_socket *s, const char *line, size_t n, int64_t id)
{
	struct json_object *o = agent_parse(s, line, n), *ret = NULL;
	char ex[AGENT_EXCERPT + 4];
	bool ok;

	ok = o && json_object_is_type(o, json_type_object) && json_object_object_length(o) == 1 &&
	     json_object_object_get_ex(o, "return", &ret) &&
	     json_object_is_type(ret, json_type_int) && json_object_get_int64(ret) == id;
	json_object_put(o);
	if (ok)
		return 0;
	return agent_fail(s, -EPROTO, "sync", "expected {\"return\": %lld}, got %s", (long long)id,
			  agent_excerpt(line, n, ex));
}

/* 0xFF + guest-sync-delimited on a fresh connection; see the top of the file. */
static int agent_resync(struct agent_socket *s, uint64_t deadline_ns)
{
	char *req, *line = NULL;
	size_t req_len, n;
	int r;

	s->sync_id = agent_sync_id_new(s);
	req = agent_sync_request(s->sync_id, &req_len);
	r = agent_send(s, req, req_len, deadline_ns, "sync");
	if (r == 0)
		r = agent_skip_to_sentinel(s, deadline_ns);
	if (r == 0) /* the bound of guest-sync-delimited (req after its 0xFF) */
		r = agent_read_line(s, daqs_qga_reply_bound(req + 1)->max_len, deadline_ns, "sync",
				    &line, &n);
	if (r == 0)
		r = agent_sync_check(s, line, n, s->sync_id);
	free(req);
	free(line);
	return r;
}

/*
 * An open connection must be idle: EOF there means the agent went away
 * between calls (reconnect quietly); bytes there are stray (-EPROTO).
 */
static int agent_check_idle(struct agent_socket *s)
{
	char c;
	ssize_t n;

	if (s->len)
		return agent_fail(s, -EPROTO, "call", "%zu stray bytes before the request", s->len);
	n = recv(s->fd, &c, 1, MSG_PEEK);
	if (n == 0 || (n < 0 && (errno == ECONNRESET || errno == EPIPE))) {
		agent_disconnect(s);
		return 0;
	}
	if (n > 0)
		return agent_fail(s, -EPROTO, "call",
				  "stray bytes from the agent before the request");
	if (errno == EAGAIN || errno == EINTR)
		return 0;
	return agent_fail_errno(s, -errno, "call");
}

/* Reuse the connection if healthy, else connect and resynchronise. */
static int agent_ensure(struct agent_socket *s, uint64_t deadline_ns)
{
	int r;

	if (s->fd >= 0) {
		r = agent_check_idle(s);
		if (r < 0 || s->fd >= 0)
			return r;
	}
	r = agent_connect(s, deadline_ns);
	if (r == 0)
		r = agent_resync(s, deadline_ns);
	return r;
}

/*
 * Parse the reply line, once, if it is within the bound (counted first, so
 * nothing is built for a reply that would cost too much): 0 with *out for a
 * reply, -EREMOTEIO with *out for {"error": ...} (reported), -EPROTO for one
 * over the bound or anything but one JSON object.
 */
static int agent_check_reply(struct agent_socket *s, const char *line, size_t n,
			     const struct daqs_jsonline_bound *b, struct json_object **out)
{
	struct json_object *o, *err, *cls = NULL, *desc = NULL;
	char ex[AGENT_EXCERPT + 4], ex2[AGENT_EXCERPT + 4];
	const char *c, *d, *what;
	size_t count;
	int r = 0;

	if (daqs_jsonline_prescan(line, n, b, &what, &count) < 0)
		return agent_fail(s, -EPROTO, "reply", "over its bound: %zu %s", count, what);
	o = agent_parse(s, line, n);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return agent_fail(s, -EPROTO, "reply", "not a JSON object: %s",
				  agent_excerpt(line, n, ex));
	}
	if (json_object_object_get_ex(o, "error", &err)) {
		json_object_object_get_ex(err, "class", &cls);
		json_object_object_get_ex(err, "desc", &desc);
		c = cls ? json_object_get_string(cls) : "?";
		d = desc ? json_object_get_string(desc) : "?";
		r = agent_fail(s, -EREMOTEIO, "command", "%s: %s", agent_excerpt(c, strlen(c), ex),
			       agent_excerpt(d, strlen(d), ex2));
	}
	*out = o;
	return r;
}

/* The request as one line with its newline: malloc'd, or NULL if not one line. */
static char *agent_request_line(const char *request, size_t *n)
{
	size_t len = strlen(request);

	if (len && request[len - 1] == '\n')
		len--;
	if (!len || memchr(request, '\n', len))
		return NULL;
	*n = len + 1;
	return daqs_asprintf("%.*s\n", (int)len, request);
}

static int agent_call_locked(struct agent_socket *s, const char *req, size_t req_len,
			     struct json_object **reply, uint64_t deadline_ns)
{
	const struct daqs_jsonline_bound *b = daqs_qga_reply_bound(req);
	char *line = NULL;
	size_t n;
	int r;

	r = agent_ensure(s, deadline_ns);
	if (r == 0)
		r = agent_send(s, req, req_len, deadline_ns, "request");
	if (r == 0)
		r = agent_read_line(s, b->max_len, deadline_ns, "reply", &line, &n);
	if (r == 0)
		r = agent_check_reply(s, line, n, b, reply);
	free(line);
	if (r < 0 && r != -EREMOTEIO)
		agent_disconnect(s);
	return r;
}

/*
 * Take the instance for one call, waiting for another call on it at most
 * until this caller's deadline. A flag under a short-held mutex plus a
 * CLOCK_MONOTONIC condition variable, so the wait uses the deadline's clock.
 */
static int agent_acquire(struct agent_socket *s, uint64_t deadline_ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(deadline_ns / 1000000000ULL),
		.tv_nsec = (long)(deadline_ns % 1000000000ULL),
	};
	bool got = false;
	int r = 0;

	pthread_mutex_lock(&s->lock);
	while (s->busy && r == 0)
		r = pthread_cond_timedwait(&s->idle, &s->lock, &ts);
	if (!s->busy)
		got = s->busy = true;
	pthread_mutex_unlock(&s->lock);
	if (got)
		return 0;
	return agent_fail(s, -ETIMEDOUT, "call",
			  "another call on this transport outlived the deadline");
}

static void agent_release(struct agent_socket *s)
{
	pthread_mutex_lock(&s->lock);
	s->busy = false;
	pthread_cond_signal(&s->idle);
	pthread_mutex_unlock(&s->lock);
}

static int agent_call(void *t, const char *request, struct json_object **reply,
		      uint64_t deadline_ns)
{
	struct agent_socket *s = t;
	size_t req_len = 0;
	char *req;
	int r;

	*reply = NULL;
	req = agent_request_line(request, &req_len);
	if (!req)
		return agent_fail(s, -EINVAL, "call", "request is not exactly one line");
	r = agent_acquire(s, deadline_ns);
	if (r == 0) {
		s->start_ns = daqs_monotonic_ns();
		r = agent_call_locked(s, req, req_len, reply, deadline_ns);
		agent_buf_trim(s);
		agent_release(s);
	}
	free(req);
	return r;
}

static void agent_free(void *t)
{
	struct agent_socket *s = t;

	if (!s)
		return;
	agent_disconnect(s);
	pthread_cond_destroy(&s->idle);
	pthread_mutex_destroy(&s->lock);
	daqs_jsonline_free(s->reader);
	free(s->buf);
	free(s->path);
	free(s);
}

static const struct daqs_agent_transport_ops agent_socket_ops = {
	.name = "socket",
	.call = agent_call,
	.free = agent_free,
};

struct daqs_agent_transport *
daqs_agent_socket_new(const char *path, void (*log)(void *ud, const char *msg), void *log_ud)
{
	struct agent_socket *s = daqs_calloc(1, sizeof(*s));
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->idle, &ca);
	pthread_condattr_destroy(&ca);
	s->base.ops = &agent_socket_ops;
	s->base.t = s;
	pthread_mutex_init(&s->lock, NULL);
	s->path = daqs_strdup(path);
	s->log = log;
	s->log_ud = log_ud;
	s->fd = -1;
	s->reader = daqs_jsonline_new(DAQS_QGA_MAX_REPLY, DAQS_QGA_MAX_DEPTH);
	if (!s->reader)
		abort(); /* out of memory: house style rule 10 */
	return &s->base;
}
