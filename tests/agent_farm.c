/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * agent-farm: many fake qemu-guest-agents in one process, for the scale
 * benchmark (scripts/bench-scale). One unix socket per fake guest, all on
 * one epoll loop. Bytes are read with a streaming json-c tokener per
 * connection; a 0xFF byte restarts it and is answered with the "stray"
 * parse error qemu-ga 7.2 gives (lib/adapters/agent_socket.c skips up to the 0xFF
 * that precedes guest-sync-delimited's reply). What each request does is
 * fake_guest.c's (the guest model and the QGA commands) and fake_tc.c's
 * (tc). Every reply can be held back --latency-us, in order.
 *
 *   agent-farm --spec FILE [--latency-us N] [--exec-us N] [--no-fq-codel]
 *              [--dump FILE]
 *
 * The spec has one guest per line (blank lines and # comments skipped):
 *   NAME SOCKET MAC HIGH_BPS LOW_BPS PERIOD_S PHASE_S RX_BPS
 * (see fake_guest.h for the demand). Prints "agent-farm: N guests
 * listening" once every socket listens. SIGUSR1 writes every guest's state
 * as JSON to the --dump file (atomically: FILE.tmp, then rename); SIGTERM /
 * SIGINT remove the sockets and exit 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fake_guest.h"
#include "mem.h"

#define READ_CHUNK 65536

enum { EV_LISTEN = 1, EV_CONN, EV_TIMER, EV_SIGNAL };

/* One guest: its socket and its model. */
struct slot {
	char path[108];
	int lfd;
	struct fake_guest *g;
	struct fake_guest_cfg cfg; /* from the spec; name and mac point below */
	char name[128], mac[18];
	uint64_t conns;
};

struct conn {
	bool open;
	unsigned gen; /* bumped at close: delayed replies for an old connection are dropped */
	struct slot *s;
	struct json_tokener *tok;
	char *out; /* bytes the socket did not take yet */
	size_t out_len, out_cap;
};

struct delayed {
	int fd;
	unsigned gen;
	uint64_t due_ns;
	char *line;
};

struct farm {
	struct slot *g;
	size_t n;
	struct conn *conns; /* by fd */
	size_t n_conns;
	int ep, tfd, sfd;
	uint64_t latency_ns, exec_ns, start_ns;
	bool fq_codel;
	const char *dump;
	struct delayed *q; /* ring of replies held back, due in order (one latency for all) */
	size_t q_head, q_len, q_cap;
	char *rbuf; /* READ_CHUNK bytes */
	bool stop;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---- connections ---- */

static void conn_close(struct farm *f, int fd)
{
	struct conn *c = &f->conns[fd];

	epoll_ctl(f->ep, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	json_tokener_free(c->tok);
	free(c->out);
	*c = (struct conn){ .gen = c->gen + 1 };
}

/* Send what is buffered; wait for EPOLLOUT while the socket is full. */
static void conn_flush(struct farm *f, int fd)
{
	struct conn *c = &f->conns[fd];
	struct epoll_event ev = { .data.u64 = (uint64_t)EV_CONN << 32 | (uint32_t)fd };
	ssize_t w;

	while (c->out_len) {
		w = send(fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN) {
			conn_close(f, fd);
			return;
		}
		if (w < 0)
			break;
		memmove(c->out, c->out + w, c->out_len - (size_t)w);
		c->out_len -= (size_t)w;
	}
	ev.events = EPOLLIN | (c->out_len ? EPOLLOUT : 0);
	epoll_ctl(f->ep, EPOLL_CTL_MOD, fd, &ev);
}

static void conn_write(struct farm *f, int fd, const char *line)
{
	struct conn *c = &f->conns[fd];
	size_t n = strlen(line);

	daqs_grow((void **)&c->out, &c->out_cap, c->out_len + n, 1);
	memcpy(c->out + c->out_len, line, n);
	c->out_len += n;
	conn_flush(f, fd);
}

static void timer_arm(struct farm *f)
{
	struct itimerspec its = { 0 };
	uint64_t due;

	if (f->q_len) {
		due = f->q[f->q_head].due_ns;
		its.it_value.tv_sec = (time_t)(due / 1000000000ULL);
		its.it_value.tv_nsec = (long)(due % 1000000000ULL);
	}
	timerfd_settime(f->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void enqueue(struct farm *f, int fd, char *line)
{
	if (f->q_len == f->q_cap) { /* grow the ring, unrolled to start at 0 */
		size_t cap = f->q_cap ? 2 * f->q_cap : 1024;
		struct delayed *q = daqs_calloc(cap, sizeof(*q));

		for (size_t i = 0; i < f->q_len; i++)
			q[i] = f->q[(f->q_head + i) % f->q_cap];
		free(f->q);
		f->q = q;
		f->q_cap = cap;
		f->q_head = 0;
	}
	f->q[(f->q_head + f->q_len++) % f->q_cap] = (struct delayed){
		.fd = fd, .gen = f->conns[fd].gen, .due_ns = now_ns() + f->latency_ns, .line = line
	};
	if (f->q_len == 1)
		timer_arm(f);
}

static void on_timer(struct farm *f)
{
	uint64_t t = now_ns(), x;

	if (read(f->tfd, &x, sizeof(x)) < 0 && errno != EAGAIN)
		perror("agent-farm: timerfd");
	while (f->q_len && f->q[f->q_head].due_ns <= t) {
		struct delayed *d = &f->q[f->q_head];

		if (f->conns[d->fd].open && f->conns[d->fd].gen == d->gen)
			conn_write(f, d->fd, d->line);
		free(d->line);
		f->q_head = (f->q_head + 1) % f->q_cap;
		f->q_len--;
	}
	timer_arm(f);
}

static void reply(struct farm *f, int fd, json_object *msg, bool sentinel)
{
	const char *s = json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN |
								    JSON_C_TO_STRING_NOSLASHESCAPE);
	char *line = daqs_asprintf("%s%s\n", sentinel ? "\xff" : "", s);

	json_object_put(msg);
	if (f->latency_ns) {
		enqueue(f, fd, line);
		return;
	}
	conn_write(f, fd, line);
	free(line);
}

static void reply_error(struct farm *f, int fd, const char *cls, const char *desc)
{
	json_object *msg = json_object_new_object(), *err = json_object_new_object();

	json_object_object_add(err, "class", json_object_new_string(cls));
	json_object_object_add(err, "desc", json_object_new_string(desc));
	json_object_object_add(msg, "error", err);
	reply(f, fd, msg, false);
}

static void handle(struct farm *f, int fd, json_object *req)
{
	bool sentinel;
	json_object *msg = fake_guest_request(f->conns[fd].s->g, req, now_ns(), &sentinel);

	reply(f, fd, msg, sentinel);
}

/* Parse requests out of bytes that contain no 0xFF. */
static void parse_segment(struct farm *f, int fd, const char *p, size_t n)
{
	struct conn *c = &f->conns[fd];

	while (n && c->open) {
		json_object *o = json_tokener_parse_ex(c->tok, p, (int)n);
		enum json_tokener_error e = json_tokener_get_error(c->tok);
		size_t used;

		if (!o && e == json_tokener_continue)
			return;
		if (!o) {
			char desc[128];

			snprintf(desc, sizeof(desc), "JSON parse error, %s",
				 json_tokener_error_desc(e));
			json_tokener_reset(c->tok);
			reply_error(f, fd, "GenericError", desc);
			return; /* the rest of these bytes is dropped */
		}
		used = json_tokener_get_parse_end(c->tok);
		json_tokener_reset(c->tok);
		handle(f, fd, o);
		json_object_put(o);
		p += used;
		n -= used;
	}
}

static void on_readable(struct farm *f, int fd)
{
	ssize_t n = recv(fd, f->rbuf, READ_CHUNK, MSG_DONTWAIT);
	const char *p = f->rbuf, *ff;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(f, fd);
		return;
	}
	while (n > 0 && f->conns[fd].open) {
		ff = memchr(p, 0xff, (size_t)n);
		parse_segment(f, fd, p, ff ? (size_t)(ff - p) : (size_t)n);
		if (!ff || !f->conns[fd].open)
			break;
		/* qemu-ga 7.2: the parser starts afresh and complains about the byte */
		json_tokener_reset(f->conns[fd].tok);
		reply_error(f, fd, "GenericError", "JSON parse error, stray '\uFFFD'");
		n -= ff + 1 - p;
		p = ff + 1;
	}
}

static void on_accept(struct farm *f, struct slot *s)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if ((size_t)fd >= f->n_conns) {
		size_t old = f->n_conns;

		daqs_grow((void **)&f->conns, &f->n_conns, (size_t)fd + 1, sizeof(*f->conns));
		memset(f->conns + old, 0, (f->n_conns - old) * sizeof(*f->conns));
	}
	f->conns[fd].open = true;
	f->conns[fd].s = s;
	f->conns[fd].tok = json_tokener_new();
	s->conns++;
	ev.data.u64 = (uint64_t)EV_CONN << 32 | (uint32_t)fd;
	epoll_ctl(f->ep, EPOLL_CTL_ADD, fd, &ev);
}

/* ---- state dump (SIGUSR1) ---- */

static void dump(struct farm *f)
{
	json_object *o = json_object_new_object(), *v = json_object_new_array();
	uint64_t t = now_ns(), req = 0, execs = 0;
	char *tmp;

	for (size_t i = 0; i < f->n; i++) {
		json_object *x = fake_guest_dump(f->g[i].g, t), *n;

		json_object_object_add(x, "connections",
				       json_object_new_int64((int64_t)f->g[i].conns));
		if (json_object_object_get_ex(x, "requests", &n))
			req += (uint64_t)json_object_get_int64(n);
		if (json_object_object_get_ex(x, "execs", &n))
			execs += (uint64_t)json_object_get_int64(n);
		json_object_array_add(v, x);
	}
	json_object_object_add(o, "requests", json_object_new_int64((int64_t)req));
	json_object_object_add(o, "execs", json_object_new_int64((int64_t)execs));
	json_object_object_add(o, "guests", v);
	tmp = daqs_asprintf("%s.tmp", f->dump);
	if (json_object_to_file_ext(tmp, o, JSON_C_TO_STRING_PLAIN) < 0 || rename(tmp, f->dump) < 0)
		fprintf(stderr, "agent-farm: cannot write %s\n", f->dump);
	free(tmp);
	json_object_put(o);
}

static void on_signal(struct farm *f)
{
	struct signalfd_siginfo si;

	while (read(f->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGUSR1 && f->dump)
			dump(f);
		else if (si.ssi_signo != SIGUSR1)
			f->stop = true;
	}
}

/* ---- setup ---- */

static int listen_on(struct farm *f, struct slot *s, size_t i)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)EV_LISTEN << 32 | i };

	memcpy(sa.sun_path, s->path, strlen(s->path) + 1);
	unlink(s->path);
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(s->lfd, 16) < 0 || epoll_ctl(f->ep, EPOLL_CTL_ADD, s->lfd, &ev) < 0) {
		fprintf(stderr, "agent-farm: cannot listen on %s: %s\n", s->path, strerror(errno));
		return -1;
	}
	return 0;
}

static int read_spec(struct farm *f, const char *path)
{
	FILE *in = fopen(path, "re");
	char line[1024];
	size_t cap = 0;
	int lineno = 0;

	if (!in) {
		fprintf(stderr, "agent-farm: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), in)) {
		struct slot s = { .lfd = -1 };
		struct fake_guest_cfg *c = &s.cfg;
		char sock[sizeof(line)];

		lineno++;
		if (line[strspn(line, " \t\n")] == '\0' || line[strspn(line, " \t")] == '#')
			continue;
		if (sscanf(line, "%127s %1023s %17s %lf %lf %lf %lf %lf", s.name, sock, s.mac,
			   &c->high_bps, &c->low_bps, &c->period_s, &c->phase_s, &c->rx_bps) != 8 ||
		    strlen(sock) >= sizeof(s.path)) {
			fprintf(stderr,
				"agent-farm: %s:%d: want NAME SOCKET MAC HIGH_BPS LOW_BPS "
				"PERIOD_S PHASE_S RX_BPS (socket path < 108 bytes)\n",
				path, lineno);
			fclose(in);
			return -1;
		}
		memcpy(s.path, sock, strlen(sock) + 1);
		c->index = (unsigned)f->n;
		daqs_grow((void **)&f->g, &cap, f->n + 1, sizeof(*f->g));
		f->g[f->n++] = s;
	}
	fclose(in);
	return 0;
}

static int setup(struct farm *f)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct rlimit rl;
	sigset_t set;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max; /* a listening socket and a connection per guest */
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	f->ep = epoll_create1(EPOLL_CLOEXEC);
	f->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	f->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (f->ep < 0 || f->sfd < 0 || f->tfd < 0)
		return -1;
	ev.data.u64 = (uint64_t)EV_SIGNAL << 32;
	epoll_ctl(f->ep, EPOLL_CTL_ADD, f->sfd, &ev);
	ev.data.u64 = (uint64_t)EV_TIMER << 32;
	epoll_ctl(f->ep, EPOLL_CTL_ADD, f->tfd, &ev);
	f->rbuf = daqs_malloc(READ_CHUNK);
	f->start_ns = now_ns();
	for (size_t i = 0; i < f->n; i++) {
		struct slot *s = &f->g[i];

		s->cfg.name = s->name;
		s->cfg.mac = s->mac;
		s->cfg.fq_codel = f->fq_codel;
		s->cfg.exec_ns = f->exec_ns;
		s->cfg.start_ns = f->start_ns;
		s->g = fake_guest_new(&s->cfg);
		if (listen_on(f, s, i) < 0)
			return -1;
	}
	return 0;
}

static void teardown(struct farm *f)
{
	for (size_t fd = 0; fd < f->n_conns; fd++)
		if (f->conns[fd].open)
			conn_close(f, (int)fd);
	for (size_t i = 0; i < f->n; i++) {
		if (f->g[i].lfd >= 0) {
			close(f->g[i].lfd);
			unlink(f->g[i].path);
		}
		fake_guest_free(f->g[i].g);
	}
	for (size_t i = 0; i < f->q_len; i++)
		free(f->q[(f->q_head + i) % f->q_cap].line);
	free(f->q);
	free(f->rbuf);
	free(f->conns);
	free(f->g);
}

static void run(struct farm *f)
{
	struct epoll_event evs[64];

	while (!f->stop) {
		int n = epoll_wait(f->ep, evs, 64, -1);

		for (int i = 0; i < n; i++) {
			uint32_t kind = (uint32_t)(evs[i].data.u64 >> 32);
			uint32_t idx = (uint32_t)evs[i].data.u64;

			if (kind == EV_LISTEN)
				on_accept(f, &f->g[idx]);
			else if (kind == EV_TIMER)
				on_timer(f);
			else if (kind == EV_SIGNAL)
				on_signal(f);
			else if (f->conns[idx].open && (evs[i].events & EPOLLOUT))
				conn_flush(f, (int)idx);
			if (kind == EV_CONN && f->conns[idx].open &&
			    (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
				on_readable(f, (int)idx);
		}
	}
}

static int usage(void)
{
	fputs("usage: agent-farm --spec FILE [--latency-us N] [--exec-us N] [--no-fq-codel] "
	      "[--dump FILE]\n",
	      stderr);
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "spec", required_argument, NULL, 's' },
		{ "latency-us", required_argument, NULL, 'l' },
		{ "exec-us", required_argument, NULL, 'e' },
		{ "no-fq-codel", no_argument, NULL, 'q' },
		{ "dump", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct farm f = { .fq_codel = true };
	const char *spec = NULL;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			spec = optarg;
			break;
		case 'l':
			f.latency_ns = strtoull(optarg, NULL, 10) * 1000;
			break;
		case 'e':
			f.exec_ns = strtoull(optarg, NULL, 10) * 1000;
			break;
		case 'q':
			f.fq_codel = false;
			break;
		case 'd':
			f.dump = optarg;
			break;
		default:
			return usage();
		}
	}
	if (!spec || optind < argc)
		return usage();
	if (read_spec(&f, spec) < 0 || setup(&f) < 0) {
		rc = 1;
	} else {
		printf("agent-farm: %zu guests listening\n", f.n);
		fflush(stdout);
		run(&f);
	}
	teardown(&f);
	return rc;
}
