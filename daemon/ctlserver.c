/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daqsd's control socket (see ctlserver.h). */
#include <errno.h>
#include <fcntl.h>
#include <libvirt/libvirt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

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
	bool closing; /* close once out is written */
};

struct daqs_ctlserver {
	char *path;
	int fd, watch;
	daqs_ctl_handler handler;
	void *ud;
	struct client *clients[DAQS_CTLSERVER_MAX_CLIENTS];
};

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
}

static void client_queue(struct client *c, char *line)
{
	size_t n = strlen(line);
	size_t left = c->out_len - c->out_off;

	if (c->out_off) { /* compact */
		memmove(c->out, c->out + c->out_off, left);
		c->out_off = 0;
		c->out_len = left;
	}
	c->out = daqs_realloc(c->out, c->out_len + n + 1);
	memcpy(c->out + c->out_len, line, n);
	c->out_len += n;
	free(line);
}

static char *handle_line(struct client *c, const char *line)
{
	struct daqs_ctl_request rq;
	char why[256];

	if (daqs_ctl_request_parse(line, strlen(line), &rq, why, sizeof(why)) < 0)
		return daqs_ctl_reply_error(EINVAL, why);
	if (daqs_ctl_cmd_mutates(rq.cmd) && c->uid != 0) {
		daqs_log(DAQS_LOG_NOTICE, "control: refused '%s' from uid %u (pid %d): root only",
			 daqs_ctl_cmd_name(rq.cmd), (unsigned)c->uid, (int)c->pid);
		snprintf(why, sizeof(why), "'%s' changes the daemon's state: root only",
			 daqs_ctl_cmd_name(rq.cmd));
		return daqs_ctl_reply_error(EPERM, why);
	}
	return c->s->handler(c->s->ud, &rq);
}

static void client_update(struct client *c)
{
	int ev = c->out_len > c->out_off ? VIR_EVENT_HANDLE_WRITABLE : 0;

	if (!c->closing)
		ev |= VIR_EVENT_HANDLE_READABLE;
	virEventUpdateHandle(c->watch, ev);
}

static int client_write(struct client *c)
{
	while (c->out_len > c->out_off) {
		ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno == EAGAIN ? 0 : -errno;
		c->out_off += (size_t)w;
	}
	return 0;
}

/* 0 keep, < 0 close. */
static int client_read(struct client *c)
{
	char buf[4096], *line;
	ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (n == 0)
		return -ECONNRESET;
	if (daqs_ctl_buf_feed(&c->in, buf, (size_t)n) < 0) {
		client_queue(c, daqs_ctl_reply_error(EMSGSIZE, "request line too long"));
		c->closing = true;
		return 0;
	}
	while (daqs_ctl_buf_take(&c->in, &line) == 1) {
		client_queue(c, handle_line(c, line));
		free(line);
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
		r = client_write(c);
	if (r || (c->closing && c->out_len == c->out_off)) {
		client_close(c);
		return;
	}
	client_update(c);
}

static void accept_event(int watch, int fd, int events, void *opaque)
{
	struct daqs_ctlserver *s = opaque;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct client *c;
	size_t slot;
	int cfd;

	(void)watch;
	(void)events;
	cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (cfd < 0)
		return;
	for (slot = 0; slot < DAQS_CTLSERVER_MAX_CLIENTS && s->clients[slot]; slot++)
		;
	if (slot == DAQS_CTLSERVER_MAX_CLIENTS ||
	    getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		char *e = daqs_ctl_reply_error(EBUSY, "too many control clients");

		if (slot == DAQS_CTLSERVER_MAX_CLIENTS)
			(void)!send(cfd, e, strlen(e), MSG_NOSIGNAL | MSG_DONTWAIT);
		free(e);
		close(cfd);
		return;
	}
	c = daqs_calloc(1, sizeof(*c));
	c->s = s;
	c->fd = cfd;
	c->uid = cred.uid;
	c->pid = cred.pid;
	c->watch = virEventAddHandle(cfd, VIR_EVENT_HANDLE_READABLE, client_event, c, NULL);
	if (c->watch < 0) {
		close(cfd);
		free(c);
		return;
	}
	s->clients[slot] = c;
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

static int make_dir(const char *path)
{
	char *dir = daqs_strdup(path), *slash = strrchr(dir, '/');
	int r = 0;

	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			r = -errno;
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
	if (!r && chmod(path, 0660) < 0)
		r = -errno;
	if (!r && gid != (gid_t)-1 && chown(path, 0, gid) < 0)
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
		daqs_log(DAQS_LOG_ERR, "control: cannot listen on '%s' (%s)", path,
			 r == -EADDRINUSE ? "another daqsd is running there" : strerror(-r));
		return r;
	}
	s = daqs_calloc(1, sizeof(*s));
	s->path = daqs_strdup(path);
	s->fd = fd;
	s->handler = h;
	s->ud = ud;
	s->watch = virEventAddHandle(fd, VIR_EVENT_HANDLE_READABLE, accept_event, s, NULL);
	if (s->watch < 0) {
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
	close(s->fd);
	unlink(s->path);
	free(s->path);
	free(s);
}
