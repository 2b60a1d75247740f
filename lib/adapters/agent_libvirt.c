/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libvirt guest-agent transport (see agent_libvirt.h): one call is one
 * virDomainQemuAgentCommand(dom, request, timeout_s, 0).
 *
 * libvirt's errors are translated here, once, by daqs_libvirt_agent_errno().
 * Codes are libvirt 9.0's (Debian 12 /usr/include/libvirt/virterror.h);
 * messages are what virError.message holds (libvirt's prefix for the code,
 * then the text from src/qemu/qemu_domain.c, qemu_agent.c, virdomainjob.c):
 *
 *  code                            message                           errno
 *  86 VIR_ERR_AGENT_UNRESPONSIVE   "Guest agent is not responding:   -ENOTCONN
 *                                   QEMU guest agent is not connected"
 *                                  "...: QEMU guest agent is not     -ENOTCONN
 *                                   available due to an error"
 *                                  "...: Guest agent disappeared     -ECONNRESET
 *                                   while executing command"
 *                                  "...: Guest agent not available   -ETIMEDOUT
 *                                   for now" (timeout), anything else
 *  74 VIR_ERR_ARGUMENT_UNSUPPORTED "argument unsupported: QEMU guest -EOPNOTSUPP
 *                                   agent is not configured"
 *  97 VIR_ERR_AGENT_UNSYNCED       reply id mismatch on guest-sync   -EPROTO
 *                                   (deprecated in 9.0 headers)
 *  68 VIR_ERR_OPERATION_TIMEOUT    "Timed out during operation:      -EBUSY
 *                                   cannot acquire state change lock
 *                                   (held by agent=...)", after 30 s
 *   9 VIR_ERR_OPERATION_FAILED     "operation failed: cannot acquire -EBUSY
 *                                   state change lock (...) due to
 *                                   max_queued limit" (qemu.conf
 *                                   max_queued set); anything else   -EIO
 *   3 VIR_ERR_NO_SUPPORT           "this function is not supported   -EOPNOTSUPP
 *                                   by the connection driver: ..."
 *                                   (test:///default, non-qemu drivers)
 *  55 VIR_ERR_OPERATION_INVALID    "Requested operation is not       -ESRCH
 *                                   valid: domain is not running"
 *  42 VIR_ERR_NO_DOMAIN            "Domain not found: ..."           -ENOENT
 *   1 VIR_ERR_INTERNAL_ERROR       "internal error: unable to        -EREMOTEIO
 *                                   execute QEMU agent command
 *                                   '<cmd>': <agent's desc>"
 *                                  anything else ("client socket is  -EIO
 *                                   closed", "Missing agent reply
 *                                   object", ...)
 *  38 VIR_ERR_SYSTEM_ERROR         connection I/O ("Cannot write     -EIO
 *                                   data: Broken pipe", ...)
 *  39 VIR_ERR_RPC                  RPC failure                       -EIO
 *  anything else (0 = no error recorded, 6/7 invalid connection or   -EIO
 *   domain object, 5 cannot connect, ...)
 *
 * The messages are matched as substrings and are English only if the
 * daemon (virtqemud/libvirtd) runs in an English or C locale; a translated
 * message falls back to the code's default (-ETIMEDOUT for code 86, -EIO
 * for codes 1 and 9): only the finer distinction is lost.
 */
#include "agent_libvirt.h"
#include "clock.h"

#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jsonline.h"
#include "mem.h"
#include "qga.h"

#define LV_REASON_MAX 240 /* bytes of libvirt or guest text quoted in a message */

struct agent_libvirt {
	struct daqs_agent_transport base; /* base.t points back here */
	pthread_mutex_t lock;		  /* held for a whole call: one call at a time */
	virDomainPtr dom;		  /* our reference */
	char *name;			  /* domain name, for messages */
	void (*log)(void *ud, const char *msg);
	void *log_ud;
};

/*
 * Copy at most LV_REASON_MAX bytes of text for a log message into out,
 * anything but printable ASCII replaced by '?': libvirt quotes the guest's
 * error text, and the guest is not trusted to write into our logs.
 */
static const char *lv_excerpt(const char *p, char out[LV_REASON_MAX + 4])
{
	size_t i, n = strlen(p), m = n < LV_REASON_MAX ? n : LV_REASON_MAX;

	for (i = 0; i < m; i++)
		out[i] = isprint((unsigned char)p[i]) && (unsigned char)p[i] < 0x80 ? p[i] : '?';
	strcpy(out + m, n > m ? "..." : "");
	return out;
}

/* Report one failure as "agent: <what> failed '<domain>' (<reason>)"; returns err. */
static __attribute__((format(printf, 4, 5))) int lv_fail(struct agent_libvirt *l, int err,
							 const char *what, const char *fmt, ...)
{
	char reason[LV_REASON_MAX * 2 + 16], *msg;
	va_list ap;

	if (!l->log)
		return err;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	msg = daqs_asprintf("agent: %s failed '%s' (%s)", what, l->name, reason);
	l->log(l->log_ud, msg);
	free(msg);
	return err;
}

/* VIR_ERR_AGENT_UNRESPONSIVE covers three situations; only the text tells them apart. */
static int lv_unresponsive_errno(const char *message)
{
	if (strstr(message, "not connected") || strstr(message, "not available due to an error"))
		return -ENOTCONN;
	if (strstr(message, "disappeared"))
		return -ECONNRESET;
	return -ETIMEDOUT;
}

int daqs_libvirt_agent_errno(int code, const char *message)
{
	if (!message)
		message = "";
	switch (code) {
	case VIR_ERR_AGENT_UNRESPONSIVE:
		return lv_unresponsive_errno(message);
	case VIR_ERR_ARGUMENT_UNSUPPORTED:
	case VIR_ERR_NO_SUPPORT:
		return -EOPNOTSUPP;
	case VIR_ERR_AGENT_UNSYNCED:
		return -EPROTO;
	case VIR_ERR_OPERATION_TIMEOUT:
		return -EBUSY;
	case VIR_ERR_OPERATION_FAILED:
		return strstr(message, "cannot acquire state change lock") ? -EBUSY : -EIO;
	case VIR_ERR_OPERATION_INVALID:
		return -ESRCH;
	case VIR_ERR_NO_DOMAIN:
		return -ENOENT;
	case VIR_ERR_INTERNAL_ERROR:
		return strstr(message, "unable to execute QEMU agent command") ? -EREMOTEIO : -EIO;
	case VIR_ERR_SYSTEM_ERROR:
	case VIR_ERR_RPC:
	default:
		return -EIO;
	}
}

int daqs_libvirt_agent_timeout_s(uint64_t deadline_ns, uint64_t now_ns)
{
	uint64_t left, s;

	if (now_ns >= deadline_ns)
		return -ETIMEDOUT;
	left = deadline_ns - now_ns;
	s = left / 1000000000ULL + (left % 1000000000ULL != 0);
	return s > INT_MAX ? INT_MAX : (int)s;
}

/* The request without its newline: malloc'd, or NULL if not exactly one line. */
static char *lv_request(const char *request)
{
	size_t len = strlen(request);

	if (len && request[len - 1] == '\n')
		len--;
	if (!len || memchr(request, '\n', len))
		return NULL;
	return daqs_strndup(request, len);
}

/*
 * Parse libvirt's reply string, once. libvirt already turns {"error": ...}
 * into a failure, so this is a guard: 0 with *out for a reply object,
 * -EREMOTEIO with *out for an error object, -EPROTO otherwise.
 */
static int lv_check_reply(struct agent_libvirt *l, const char *reply,
			  const struct daqs_jsonline_bound *b, struct json_object **out)
{
	char ex[LV_REASON_MAX + 4], ex2[LV_REASON_MAX + 4];
	struct json_object *o, *err, *cls = NULL, *desc = NULL;
	size_t n = strlen(reply), count;
	const char *what;
	int r = 0;

	if (n > b->max_len || memchr(reply, '\n', n))
		return lv_fail(l, -EPROTO, "reply", "%zu bytes, not one line of at most %zu", n,
			       b->max_len);
	if (daqs_jsonline_prescan(reply, n, b, &what, &count) < 0)
		return lv_fail(l, -EPROTO, "reply", "over its bound: %zu %s", count, what);
	o = daqs_jsonline_parse_once(reply, n, DAQS_QGA_MAX_REPLY, DAQS_QGA_MAX_DEPTH);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return lv_fail(l, -EPROTO, "reply", "not a JSON object: %s", lv_excerpt(reply, ex));
	}
	if (json_object_object_get_ex(o, "error", &err)) {
		json_object_object_get_ex(err, "class", &cls);
		json_object_object_get_ex(err, "desc", &desc);
		r = lv_fail(l, -EREMOTEIO, "command", "%s: %s",
			    lv_excerpt(cls ? json_object_get_string(cls) : "?", ex),
			    lv_excerpt(desc ? json_object_get_string(desc) : "?", ex2));
	}
	*out = o;
	return r;
}

/* virDomainQemuAgentCommand returned NULL: translate and report libvirt's error. */
static int lv_fail_libvirt(struct agent_libvirt *l)
{
	virErrorPtr e = virGetLastError();
	const char *msg = e && e->message ? e->message : "no libvirt error recorded";
	char ex[LV_REASON_MAX + 4];
	int r = daqs_libvirt_agent_errno(e ? e->code : VIR_ERR_OK, msg);

	lv_fail(l, r, r == -EREMOTEIO ? "command" : "call", "%s", lv_excerpt(msg, ex));
	virResetLastError();
	return r;
}

static int lv_call_locked(struct agent_libvirt *l, const char *req, struct json_object **reply,
			  uint64_t deadline_ns)
{
	int timeout_s = daqs_libvirt_agent_timeout_s(deadline_ns, daqs_monotonic_ns());
	char *out;
	int r;

	if (timeout_s < 0)
		return lv_fail(l, -ETIMEDOUT, "call", "deadline passed before the call");
	out = virDomainQemuAgentCommand(l->dom, req, timeout_s, 0);
	if (!out)
		return lv_fail_libvirt(l);
	r = lv_check_reply(l, out, daqs_qga_reply_bound(req), reply);
	free(out); /* libvirt's string; documented to be released with free() */
	return r;
}

/* Take the instance, waiting for a call in progress at most until the deadline. */
static int lv_acquire(struct agent_libvirt *l, uint64_t deadline_ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(deadline_ns / 1000000000ULL),
		.tv_nsec = (long)(deadline_ns % 1000000000ULL),
	};

	if (pthread_mutex_clocklock(&l->lock, CLOCK_MONOTONIC, &ts) == 0)
		return 0;
	return lv_fail(l, -ETIMEDOUT, "call",
		       "another call on this transport outlived the deadline");
}

static int lv_call(void *t, const char *request, struct json_object **reply, uint64_t deadline_ns)
{
	struct agent_libvirt *l = t;
	char *req;
	int r;

	*reply = NULL;
	req = lv_request(request);
	if (!req)
		return lv_fail(l, -EINVAL, "call", "request is not exactly one line");
	r = lv_acquire(l, deadline_ns);
	if (r == 0) {
		r = lv_call_locked(l, req, reply, deadline_ns);
		pthread_mutex_unlock(&l->lock);
	}
	free(req);
	return r;
}

static void lv_free(void *t)
{
	struct agent_libvirt *l = t;

	if (!l)
		return;
	virDomainFree(l->dom);
	pthread_mutex_destroy(&l->lock);
	free(l->name);
	free(l);
}

static const struct daqs_agent_transport_ops agent_libvirt_ops = {
	.name = "libvirt",
	.call = lv_call,
	.free = lv_free,
};

struct daqs_agent_transport *
daqs_agent_libvirt_new(virDomainPtr dom, void (*log)(void *ud, const char *msg), void *log_ud)
{
	struct agent_libvirt *l;
	const char *name;

	if (!dom || virDomainRef(dom) < 0)
		return NULL;
	name = virDomainGetName(dom);
	l = daqs_calloc(1, sizeof(*l));
	l->base.ops = &agent_libvirt_ops;
	l->base.t = l;
	pthread_mutex_init(&l->lock, NULL);
	l->dom = dom;
	l->name = daqs_strdup(name ? name : "?");
	l->log = log;
	l->log_ud = log_ud;
	return &l->base;
}
