/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Prometheus metrics over HTTP (see httpmetrics.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "httpmetrics.h"
#include "log.h"
#include "mem.h"
#include "metrics.h"

struct daqs_httpmetrics {
	struct MHD_Daemon *mhd;
	struct daqs_controller *ctl;
	struct daqs_vf_pool *pool; /* NULL: no VF pool lines */
};

union addr {
	struct sockaddr sa;
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;
};

/* "127.0.0.1:PORT" or "[::1]:PORT", loopback only. */
static int parse_listen(const char *s, union addr *a)
{
	char host[64];
	const char *colon;
	char *end;
	long port;

	memset(a, 0, sizeof(*a));
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':' || (size_t)(rb - s - 1) >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, (size_t)(rb - s - 1));
		host[rb - s - 1] = '\0';
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= sizeof(host))
			return -EINVAL;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
	}
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 1 || port > 65535)
		return -EINVAL;
	if (inet_pton(AF_INET, host, &a->in4.sin_addr) == 1) {
		a->in4.sin_family = AF_INET;
		a->in4.sin_port = htons((uint16_t)port);
		return (ntohl(a->in4.sin_addr.s_addr) >> 24) == 127 ? 0 : -EPERM;
	}
	if (inet_pton(AF_INET6, host, &a->in6.sin6_addr) == 1) {
		a->in6.sin6_family = AF_INET6;
		a->in6.sin6_port = htons((uint16_t)port);
		return IN6_IS_ADDR_LOOPBACK(&a->in6.sin6_addr) ? 0 : -EPERM;
	}
	return -EINVAL;
}

static enum MHD_Result respond(struct MHD_Connection *conn, unsigned code, char *body,
			       const char *type)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	MHD_add_response_header(r, "Content-Type", type);
	ret = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return ret;
}

static char *render(struct daqs_controller *ctl, struct daqs_vf_pool *pool)
{
	struct daqs_ctl_status st;
	char *line = NULL, *text = NULL, *vf, *all, why[256];

	if (daqs_controller_status_line(ctl, "", &line) == 0 && line &&
	    daqs_ctl_status_parse(line, strlen(line), &st, why, sizeof(why)) == 0) {
		text = daqs_metrics_render(&st);
		daqs_ctl_status_clear(&st);
	}
	free(line);
	if (text && pool) {
		vf = daqs_vf_pool_metrics(pool);
		all = daqs_asprintf("%s%s", text, vf);
		free(vf);
		free(text);
		text = all;
	}
	return text;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct daqs_httpmetrics *h = cls;
	char *text;

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)con_cls;
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return respond(conn, MHD_HTTP_METHOD_NOT_ALLOWED, daqs_strdup("GET only\n"),
			       "text/plain");
	if (strcmp(url, "/metrics"))
		return respond(conn, MHD_HTTP_NOT_FOUND, daqs_strdup("try /metrics\n"),
			       "text/plain");
	text = render(h->ctl, h->pool);
	if (!text)
		return respond(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
			       daqs_strdup("no cycle completed yet\n"), "text/plain");
	return respond(conn, MHD_HTTP_OK, text, "text/plain; version=0.0.4; charset=utf-8");
}

/*
 * How many connections: DAQS_HTTPMETRICS_MAX_CONN, or a quarter of the
 * open-file limit when that is lower (guests' agent sockets need the rest).
 */
static unsigned conn_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur / 4 >= DAQS_HTTPMETRICS_MAX_CONN)
		return DAQS_HTTPMETRICS_MAX_CONN;
	return rl.rlim_cur / 4 > 8 ? (unsigned)(rl.rlim_cur / 4) : 8;
}

int daqs_httpmetrics_new(const char *listen, struct daqs_controller *ctl, struct daqs_vf_pool *pool,
			 struct daqs_httpmetrics **out)
{
	struct daqs_httpmetrics *h;
	union addr a;
	int r = parse_listen(listen, &a);

	if (r) {
		daqs_log(DAQS_LOG_ERR, "metrics: cannot listen on '%s' (%s)", listen,
			 r == -EPERM ? "loopback addresses only: 127.0.0.1:PORT or [::1]:PORT"
				     : "not ADDRESS:PORT");
		return r;
	}
	h = daqs_calloc(1, sizeof(*h));
	h->ctl = ctl;
	h->pool = pool;
	h->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
					  (a.sa.sa_family == AF_INET6 ? MHD_USE_IPv6 : 0),
				  0, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR, &a.sa,
				  MHD_OPTION_CONNECTION_LIMIT, conn_limit(),
				  MHD_OPTION_CONNECTION_TIMEOUT, DAQS_HTTPMETRICS_TIMEOUT_S,
				  MHD_OPTION_LISTEN_BACKLOG_SIZE, 128U, MHD_OPTION_END);
	if (!h->mhd) {
		daqs_log(DAQS_LOG_ERR, "metrics: cannot listen on '%s' (address in use?)", listen);
		free(h);
		return -EADDRINUSE;
	}
	*out = h;
	return 0;
}

void daqs_httpmetrics_free(struct daqs_httpmetrics *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->mhd);
	free(h);
}
