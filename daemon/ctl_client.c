/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctl_client.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"

#define RETRY_MS 10 /* between connect attempts while the listen backlog is full */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for events on fd until the deadline: 0, -ETIMEDOUT or -errno. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int64_t left;
	int r;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)(left > INT32_MAX ? INT32_MAX : left));
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

static int connect_to(const char *path, int64_t deadline, int *out)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd, r, err = 0;
	socklen_t len = sizeof(err);

	if (strlen(path) >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	memcpy(a.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	while ((r = connect(fd, (struct sockaddr *)&a, sizeof(a))) < 0 && errno == EAGAIN) {
		if (now_ms() + RETRY_MS >= deadline) {
			close(fd);
			return -ETIMEDOUT;
		}
		poll(NULL, 0, RETRY_MS); /* backlog full: the daemon is busy, try again */
	}
	if (r < 0 && errno == EINPROGRESS) {
		r = wait_fd(fd, POLLOUT, deadline);
		if (r == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err)
			r = -err;
	} else if (r < 0) {
		r = -errno;
	}
	if (r < 0) {
		close(fd);
		return r;
	}
	*out = fd;
	return 0;
}

static int send_all(int fd, const char *s, size_t n, int64_t deadline)
{
	ssize_t w;
	int r;

	while (n) {
		w = send(fd, s, n, MSG_NOSIGNAL);
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		if (w < 0 && (r = wait_fd(fd, POLLOUT, deadline)))
			return r;
		if (w > 0) {
			s += w;
			n -= (size_t)w;
		}
	}
	return 0;
}

static int recv_line(int fd, int64_t deadline, char **line)
{
	struct daqs_ctl_buf b = { 0 };
	char chunk[4096];
	ssize_t n;
	int r = 0;

	while (r == 0 && daqs_ctl_buf_take(&b, line) == 0) {
		n = recv(fd, chunk, sizeof(chunk), 0);
		if (n == 0)
			r = -ECONNRESET;
		else if (n < 0 && errno != EAGAIN && errno != EINTR)
			r = -errno;
		else if (n < 0)
			r = wait_fd(fd, POLLIN, deadline);
		else
			r = daqs_ctl_buf_feed(&b, chunk, (size_t)n);
	}
	daqs_ctl_buf_clear(&b);
	return r;
}

int daqs_ctl_client_call(const char *path, const char *request, int timeout_ms, char **reply,
			 bool *connected)
{
	int64_t deadline = now_ms() + timeout_ms;
	int fd = -1, r;

	*reply = NULL;
	*connected = false;
	r = connect_to(path, deadline, &fd);
	if (r)
		return r;
	*connected = true;
	r = send_all(fd, request, strlen(request), deadline);
	if (r == 0)
		r = recv_line(fd, deadline, reply);
	close(fd);
	return r;
}
