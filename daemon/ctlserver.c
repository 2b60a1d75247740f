/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daqsd's control socket (see ctlserver.h). */
#include <errno.h>
#include <fcntl.h>
#include <libvirt/libvirt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "ctlserver.h"
#include "log.h"
#include "mem.h"

struct client {
	struct daqs_ctlserver *s;
	int fd, watch;
	uid_t uid;
	pid_t pid;
	struct daqs_ctl_buf in;
	char *out;
	size_t out_len, out_off;
	bool closing;	   /* close once out is written */
	bool warned;	   /* a refused request was logged: not again for this client */
	int64_t active_ms; /* last byte read or written */
	int64_t line_ms;   /* first byte of the unfinished request line; 0 = none */
	int64_t out_ms;	   /* output pending and not taken since; 0 = none pending */
};

struct daqs_ctlserver {
	char *path;
	int fd, watch, timer;
	daqs_ctl_handler handler;
	void *ud;
	struct client *clients[DAQS_CTLSERVER_MAX_CLIENTS];
	int64_t noted_ms;    /* last refusal or drop logged */
	unsigned suppressed; /* refusals and drops not logged since */
};

static int64_t now_ms(void)
{
	return (int64_t)(daqs_monotonic_ns() / 1000000u);
}

static bool out_pending(const struct client *c)
{
	return c->out_len > c->out_off;
}

/* Refusals and drops: at most one log line a second, the others counted. */
static void note(struct daqs_ctlserver *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note(struct daqs_ctlserver *s, const char *fmt, ...)
{
	int64_t now = now_ms();
	char msg[256];
	va_list ap;

	if (s->noted_ms && now - s->noted_ms < 1000) {
		s->suppressed++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s->suppressed)
		daqs_log(DAQS_LOG_NOTICE, "control: %s (and %u more refused or dropped before)",
			 msg, s->suppressed);
	else
		daqs_log(DAQS_LOG_NOTICE, "control: %s", msg);
	s->noted_ms = now;
	s->suppressed = 0;
}

/* The sweep timer runs only while a client it may drop (not root's) is connected. */
static void timer_arm(struct daqs_ctlserver *s)
{
	bool any = false;

	for (size_t i = 0; i < DAQS_CTLSERVER_MAX_CLIENTS; i++)
		any = any || (s->clients[i] && s->clients[i]->uid != 0);
	if (s->timer >= 0)
		virEventUpdateTimeout(s->timer, any ? DAQS_CTLSERVER_SWEEP_MS : -1);
}

static void client_close(struct client *c)
{
	struct daqs_ctlserver *s = c->s;

	for (size_t i = 0; i < DAQS_CTLSERVER_MAX_CLIENTS; i++)
		if (s->clients[i] == c)
			s->clients[i] = NULL;
	if (c->watch >= 0)
		virEventRemoveHandle(c->watch);
	close(c->fd);
	daqs_ctl_buf_clear(&c->in);
	free(c->out);
	free(c);
	timer_arm(s);
}

/* 0, or -EMSGSIZE when the reply would leave more than the output cap unsent. */
static int client_queue(struct client *c, char *line)
{
	size_t n = strlen(line);
	size_t left = c->out_len - c->out_off;

	if (left + n > DAQS_CTLSERVER_MAX_OUTPUT) {
		free(line);
		return -EMSGSIZE;
	}
	if (c->out_off) { /* compact */
		memmove(c->out, c->out + c->out_off, left);
		c->out_off = 0;
		c->out_len = left;
	}
	c->out = daqs_realloc(c->out, c->out_len + n + 1);
	memcpy(c->out + c->out_len, line, n);
	c->out_len += n;
	if (!c->out_ms)
		c->out_ms = now_ms();
	free(line);
	return 0;
}

/* A refused request: logged once per client, the reply says why each time. */
static char *refuse(struct client *c, int err, const char *why)
{
	if (!c->warned)
		daqs_log(DAQS_LOG_NOTICE,
			 "control: refused a request from uid %u (pid %d): %s (not logged again "
			 "for this client)",
			 (unsigned)c->uid, (int)c->pid, why);
	c->warned = true;
	return daqs_ctl_reply_error(err, why);
}

static char *handle_line(struct client *c, const char *line)
{
	struct daqs_ctl_request rq;
	char why[256];

	if (daqs_ctl_request_parse(line, strlen(line), &rq, why, sizeof(why)) < 0)
		return refuse(c, EINVAL, why);
	if (daqs_ctl_cmd_mutates(rq.cmd) && c->uid != 0) {
		snprintf(why, sizeof(why), "'%s' changes the daemon's state: root only",
			 daqs_ctl_cmd_name(rq.cmd));
		return refuse(c, EPERM, why);
	}
	return c->s->handler(c->s->ud, &rq);
}

static void client_update(struct client *c)
{
	int ev = out_pending(c) ? VIR_EVENT_HANDLE_WRITABLE : 0;

	/* Nothing is read while a reply is unsent: a client that does not read
	 * its replies stops being read, its requests wait in the kernel. */
	if (!c->closing && !out_pending(c))
		ev |= VIR_EVENT_HANDLE_READABLE;
	virEventUpdateHandle(c->watch, ev);
}

static int client_write(struct client *c)
{
	while (out_pending(c)) {
		ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno == EAGAIN ? 0 : -errno;
		c->out_off += (size_t)w;
		c->active_ms = now_ms();
		c->out_ms = out_pending(c) ? c->active_ms : 0;
	}
	return 0;
}

/* Answer buffered requests one at a time, each only once the last reply is sent. */
static int client_pump(struct client *c)
{
	char *line;
	int r = client_write(c);

	while (!r && !c->closing && !out_pending(c) && daqs_ctl_buf_take(&c->in, &line) == 1) {
		r = client_queue(c, handle_line(c, line));
		free(line);
		if (r) {
			note(c->s, "dropped uid %u (pid %d): a reply over %u bytes",
			     (unsigned)c->uid, (int)c->pid, DAQS_CTLSERVER_MAX_OUTPUT);
			return r;
		}
		r = client_write(c);
	}
	if (c->in.len && !memchr(c->in.data, '\n', c->in.len)) {
		if (!c->line_ms)
			c->line_ms = now_ms();
	} else {
		c->line_ms = 0;
	}
	return r;
}

/* 0 keep, < 0 close. */
static int client_read(struct client *c)
{
	char buf[4096];
	ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (n == 0)
		return -ECONNRESET;
	c->active_ms = now_ms();
	if (daqs_ctl_buf_feed(&c->in, buf, (size_t)n) < 0) {
		char why[96];

		snprintf(why, sizeof(why), "request line longer than %u bytes",
			 DAQS_CTL_MAX_REQUEST);
		daqs_ctl_buf_clear(&c->in);
		c->closing = true;
		return client_queue(c, refuse(c, EMSGSIZE, why));
	}
	return 0;
}

static void client_event(int watch, int fd, int events, void *opaque)
{
	struct client *c = opaque;
	int r = 0;

	(void)watch;
	(void)fd;
	if (events & VIR_EVENT_HANDLE_READABLE)
		r = client_read(c);
	if (!r && (events & (VIR_EVENT_HANDLE_HANGUP | VIR_EVENT_HANDLE_ERROR)) &&
	    !(events & VIR_EVENT_HANDLE_READABLE))
		r = -ECONNRESET;
	if (!r)
		r = client_pump(c);
	if (r || (c->closing && !out_pending(c))) {
		client_close(c);
		return;
	}
	client_update(c);
}

/* Why a client (not root's) is dropped now, or NULL to keep it. */
static const char *overdue(const struct client *c, int64_t now)
{
	if (c->uid == 0)
		return NULL;
	if (c->out_ms && now - c->out_ms >= DAQS_CTLSERVER_SEND_MS)
		return "its reply was not read";
	if (c->line_ms && now - c->line_ms >= DAQS_CTLSERVER_LINE_MS)
		return "request line not finished in time";
	if (!out_pending(c) && !c->in.len && now - c->active_ms >= DAQS_CTLSERVER_IDLE_MS)
		return "idle";
	return NULL;
}

static void sweep_event(int timer, void *opaque)
{
	struct daqs_ctlserver *s = opaque;
	int64_t now = now_ms();

	(void)timer;
	for (size_t i = 0; i < DAQS_CTLSERVER_MAX_CLIENTS; i++) {
		struct client *c = s->clients[i];
		const char *why = c ? overdue(c, now) : NULL;

		if (!why)
			continue;
		note(s, "dropped uid %u (pid %d): %s", (unsigned)c->uid, (int)c->pid, why);
		client_close(c);
	}
}

/* A slot for a new client of uid, or DAQS_CTLSERVER_MAX_CLIENTS for none (why set). */
static size_t find_slot(struct daqs_ctlserver *s, uid_t uid, const char **why)
{
	size_t free_slot = DAQS_CTLSERVER_MAX_CLIENTS, same = 0,
	       victim = DAQS_CTLSERVER_MAX_CLIENTS;

	for (size_t i = 0; i < DAQS_CTLSERVER_MAX_CLIENTS; i++) {
		const struct client *c = s->clients[i];

		if (!c) {
			free_slot = free_slot < i ? free_slot : i;
			continue;
		}
		same += c->uid == uid;
		if (c->uid != 0 && (victim == DAQS_CTLSERVER_MAX_CLIENTS ||
				    c->active_ms < s->clients[victim]->active_ms))
			victim = i;
	}
	*why = "too many control clients";
	if (uid != 0 && same >= DAQS_CTLSERVER_MAX_PER_UID) {
		*why = "too many control clients of this user";
		return DAQS_CTLSERVER_MAX_CLIENTS;
	}
	if (free_slot < DAQS_CTLSERVER_MAX_CLIENTS || uid != 0 ||
	    victim == DAQS_CTLSERVER_MAX_CLIENTS)
		return free_slot;
	/* root is always served: the longest idle client of another user makes room */
	note(s, "dropped uid %u (pid %d): every slot taken, root connected",
	     (unsigned)s->clients[victim]->uid, (int)s->clients[victim]->pid);
	client_close(s->clients[victim]);
	return victim;
}

static void refuse_conn(struct daqs_ctlserver *s, int cfd, const struct ucred *cred,
			const char *why)
{
	char *e = daqs_ctl_reply_error(EBUSY, why);

	(void)!send(cfd, e, strlen(e), MSG_NOSIGNAL | MSG_DONTWAIT);
	free(e);
	close(cfd);
	note(s, "refused uid %u (pid %d): %s", (unsigned)cred->uid, (int)cred->pid, why);
}

static void accept_one(struct daqs_ctlserver *s, int cfd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	const char *why;
	struct client *c;
	size_t slot;

	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		close(cfd);
		return;
	}
	slot = find_slot(s, cred.uid, &why);
	if (slot == DAQS_CTLSERVER_MAX_CLIENTS) {
		refuse_conn(s, cfd, &cred, why);
		return;
	}
	c = daqs_calloc(1, sizeof(*c));
	c->s = s;
	c->fd = cfd;
	c->uid = cred.uid;
	c->pid = cred.pid;
	c->in.max = DAQS_CTL_MAX_REQUEST;
	c->active_ms = now_ms();
	c->watch = virEventAddHandle(cfd, VIR_EVENT_HANDLE_READABLE, client_event, c, NULL);
	if (c->watch < 0) {
		close(cfd);
		free(c);
		return;
	}
	s->clients[slot] = c;
	timer_arm(s);
}

static void accept_event(int watch, int fd, int events, void *opaque)
{
	struct daqs_ctlserver *s = opaque;

	(void)watch;
	(void)events;
	for (int i = 0; i < 32; i++) { /* drain a burst of connections, fairly bounded */
		int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (cfd < 0)
			return;
		accept_one(s, cfd);
	}
}

/* A socket file nobody accepts on is stale; one that answers means another daqsd. */
static int clear_stale(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), r;

	if (fd < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (r == 0)
		return -EADDRINUSE;
	if (errno == ECONNREFUSED)
		return unlink(sa->sun_path) < 0 && errno != ENOENT ? -errno : 0;
	return errno == ENOENT ? 0 : -errno;
}

/*
 * The socket's directory, made 0755 if missing. One that others may write
 * without the sticky bit is refused (-EPERM): there another user could
 * rename our socket away and put theirs in its place, for root's daqsctl.
 */
static int make_dir(const char *path)
{
	char *dir = daqs_strdup(path), *slash = strrchr(dir, '/');
	struct stat st;
	int r = 0;

	if (slash && slash != dir)
		*slash = '\0';
	else
		strcpy(dir, slash ? "/" : ".");
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		r = -errno;
	if (!r && stat(dir, &st) < 0)
		r = -errno;
	if (!r && (st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
		daqs_log(DAQS_LOG_ERR,
			 "control: refusing the socket directory '%s': mode %04o, owner uid %u: "
			 "others may write it (and it is not sticky)",
			 dir, (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid);
		r = -EPERM;
	}
	free(dir);
	return r;
}

static int listen_on(const char *path, gid_t gid, int *out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path));
	r = make_dir(path);
	if (!r)
		r = clear_stale(&sa);
	if (r)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	old = umask(0117); /* the file is born 0660: no window where others could connect */
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
	umask(old);
	/* by path but never through a symlink (the directory was checked above) */
	if (!r && gid != (gid_t)-1 && lchown(path, 0, gid) < 0)
		r = -errno;
	if (!r && listen(fd, 16) < 0)
		r = -errno;
	if (r) {
		close(fd);
		return r;
	}
	*out = fd;
	return 0;
}

int daqs_ctlserver_new(const char *path, gid_t gid, daqs_ctl_handler h, void *ud,
		       struct daqs_ctlserver **out)
{
	struct daqs_ctlserver *s;
	int fd = -1, r;

	r = listen_on(path, gid, &fd);
	if (r) {
		if (r != -EPERM) /* the directory refusal was said where found */
			daqs_log(DAQS_LOG_ERR, "control: cannot listen on '%s' (%s)", path,
				 r == -EADDRINUSE ? "another daqsd is running there"
						  : strerror(-r));
		return r;
	}
	s = daqs_calloc(1, sizeof(*s));
	s->path = daqs_strdup(path);
	s->fd = fd;
	s->handler = h;
	s->ud = ud;
	s->watch = virEventAddHandle(fd, VIR_EVENT_HANDLE_READABLE, accept_event, s, NULL);
	s->timer = virEventAddTimeout(-1, sweep_event, s, NULL);
	if (s->watch < 0 || s->timer < 0) {
		daqs_log(DAQS_LOG_ERR, "control: cannot watch '%s' (event loop)", path);
		daqs_ctlserver_free(s);
		return -EIO;
	}
	*out = s;
	return 0;
}

void daqs_ctlserver_free(struct daqs_ctlserver *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < DAQS_CTLSERVER_MAX_CLIENTS; i++)
		if (s->clients[i])
			client_close(s->clients[i]);
	if (s->watch >= 0)
		virEventRemoveHandle(s->watch);
	if (s->timer >= 0)
		virEventRemoveTimeout(s->timer);
	close(s->fd);
	unlink(s->path);
	free(s->path);
	free(s);
}
