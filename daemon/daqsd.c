/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daqsd: the host daemon (daqsd(8)).
 *
 * Threads, and why: one event loop (libvirt's default event implementation:
 * libvirt connection, keepalive and domain events, the control socket,
 * signals through a signalfd, a 500 ms housekeeping timer) and one cycle
 * thread that runs daqs_controller_cycle every period on the poller's
 * workers (controller.h, poller.h). A cycle waits on guests for up to its
 * deadlines; running it on the loop would make `daqsctl status`, signals
 * and libvirt keepalive wait on the slowest guest. The two share only the
 * controller, whose lock is never held across an agent call.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <libvirt/libvirt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "controller.h"
#include "ctl.h"
#include "ctlserver.h"
#include "daqs-config.h"
#include "diag.h"
#include "domains.h"
#include "httpmetrics.h"
#include "log.h"
#include "mem.h"
#include "notify.h"
#include "pf_devlink.h"
#include "pf_netlink.h"
#include "sla.h"
#include "state.h"
#include "vf_pool.h"

enum { EXIT_INVALID = 1, EXIT_USAGE = 2 };

#define DEFAULT_CONFIG "/etc/daqs/sla.yaml"
#define DEFAULT_STATE_DIR "/var/lib/daqs"
#define DEFAULT_URI "qemu:///system"
#define TICK_MS 500
#define REMOVE_DEADLINE_NS (10ULL * 1000000000ULL)

struct opts {
	const char *check, *config, *socket, *group, *state_dir, *uri, *metrics;
	enum daqs_policy_kind kind;
	bool foreground, verbose, remove_on_exit;
	unsigned workers;
};

struct daemon {
	struct opts o;
	struct daqs_controller *ctl;
	struct daqs_ctlserver *srv;
	struct daqs_vf_pool *pool; /* NULL without a vf_pool in the SLA */
	struct daqs_pf *pf;	   /* netlink to the PFs: host-side VF rates (NULL: unavailable) */
	struct daqs_tap *tap;	   /* libvirt VMs' tap rates (NULL: --connect none) */
	struct daqs_domains *dom;
	struct daqs_httpmetrics *http;
	int sigfd, sigwatch, timer;
	bool stop;
	bool libvirt_up; /* last state told to systemd */
	/* cycle thread */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	bool thread_stop;
	uint64_t overruns; /* periods the cycle overran (logged at debug) */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: daqsd [OPTIONS]\n"
		"       daqsd --check-config FILE\n"
		"\n"
		"  -c, --check-config FILE  check an SLA file (see daqs-sla(5)) and exit:\n"
		"                           0 valid, 1 invalid (errors on stderr), 2 usage\n"
		"      --config FILE        the SLA file (default " DEFAULT_CONFIG ")\n"
		"  -f, --foreground         do not detach (what systemd runs)\n"
		"      --socket PATH        control socket (default " DAQS_CTL_DEFAULT_SOCKET ")\n"
		"      --socket-group NAME  group allowed to read status (default: root only)\n"
		"      --state-dir DIR      persistent state (default " DEFAULT_STATE_DIR ")\n"
		"      --connect URI        libvirt URI (default " DEFAULT_URI "), or 'none'\n"
		"                           for guests listed with agent: sockets only\n"
		"      --policy KIND        daqs (default) | daqs-closed | daqs-paper | static | none\n"
		"      --on-exit keep|remove  on SIGTERM leave the limits in the guests\n"
		"                           (default: keep) or remove them\n"
		"      --workers N          agent calls in flight at once (default 16)\n"
		"      --metrics-listen ADDR:PORT  serve Prometheus metrics over HTTP on a\n"
		"                           loopback address (127.0.0.1:9585, [::1]:9585)\n"
		"  -v, --verbose            debug lines\n"
		"  -h, --help               show this help\n"
		"  -V, --version            show the version\n");
}

static int check_config(const char *path)
{
	return daqs_sla_check_file(path, stdout, stderr) == 0 ? EXIT_SUCCESS : EXIT_INVALID;
}

/* ---- options ---- */

static int parse_opts(int argc, char **argv, struct opts *o)
{
	enum {
		O_CONFIG = 256,
		O_SOCKET,
		O_GROUP,
		O_STATE,
		O_CONNECT,
		O_POLICY,
		O_ON_EXIT,
		O_WORKERS,
		O_METRICS
	};
	static const struct option lo[] = {
		{ "check-config", required_argument, NULL, 'c' },
		{ "config", required_argument, NULL, O_CONFIG },
		{ "foreground", no_argument, NULL, 'f' },
		{ "socket", required_argument, NULL, O_SOCKET },
		{ "socket-group", required_argument, NULL, O_GROUP },
		{ "state-dir", required_argument, NULL, O_STATE },
		{ "connect", required_argument, NULL, O_CONNECT },
		{ "policy", required_argument, NULL, O_POLICY },
		{ "on-exit", required_argument, NULL, O_ON_EXIT },
		{ "workers", required_argument, NULL, O_WORKERS },
		{ "metrics-listen", required_argument, NULL, O_METRICS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	long n;
	int c;

	*o = (struct opts){ .config = DEFAULT_CONFIG,
			    .socket = DAQS_CTL_DEFAULT_SOCKET,
			    .state_dir = DEFAULT_STATE_DIR,
			    .uri = DEFAULT_URI,
			    .kind = DAQS_POLICY_DAQS };
	while ((c = getopt_long(argc, argv, "c:fvhV", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (o->check) {
				fprintf(stderr, "daqsd: --check-config given twice\n");
				return EXIT_USAGE;
			}
			o->check = optarg;
			break;
		case O_CONFIG:
			o->config = optarg;
			break;
		case 'f':
			o->foreground = true;
			break;
		case O_SOCKET:
			o->socket = optarg;
			break;
		case O_GROUP:
			o->group = optarg;
			break;
		case O_STATE:
			o->state_dir = optarg;
			break;
		case O_CONNECT:
			o->uri = optarg;
			break;
		case O_POLICY:
			if (daqs_policy_kind_parse(optarg, &o->kind) < 0) {
				fprintf(stderr,
					"daqsd: unknown policy '%s' (daqs, daqs-closed, daqs-paper, static, "
					"none)\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case O_ON_EXIT:
			if (strcmp(optarg, "keep") && strcmp(optarg, "remove")) {
				fprintf(stderr, "daqsd: --on-exit takes keep or remove, not '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			o->remove_on_exit = !strcmp(optarg, "remove");
			break;
		case O_WORKERS:
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno || *end || n < 1 || n > 256) {
				fprintf(stderr, "daqsd: --workers takes 1..256, not '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			o->workers = (unsigned)n;
			break;
		case O_METRICS:
			o->metrics = optarg;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_SUCCESS);
		case 'V':
			printf("daqsd %s\n", DAQS_VERSION);
			exit(EXIT_SUCCESS);
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "daqsd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	return 0;
}

/* ---- SLA loading ---- */

/* Load path; on failure log every diagnostic and put the first in first (file:line: ...). */
static struct daqs_sla *load_sla(const char *path, char *first, size_t first_len)
{
	struct daqs_diags d;
	struct daqs_sla *sla = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;

	daqs_diags_init(&d);
	if (daqs_sla_load_file(path, &sla, &d) < 0) {
		mem = open_memstream(&buf, &len);
		if (mem) {
			daqs_diags_print(&d, mem);
			fclose(mem);
		}
		for (char *line = buf ? strtok(buf, "\n") : NULL; line; line = strtok(NULL, "\n")) {
			if (first && !*first)
				snprintf(first, first_len, "%s", line);
			daqs_log(DAQS_LOG_ERR, "%s", line);
		}
		free(buf);
	}
	daqs_diags_free(&d);
	return sla;
}

static int reload(struct daemon *dm, char *why, size_t why_len)
{
	const char *path = daqs_controller_sla_file(dm->ctl);
	struct daqs_sla *sla;
	char first[512] = "";

	daqs_notify_reloading();
	daqs_log(DAQS_LOG_NOTICE, "reload: reading '%s'", path);
	sla = load_sla(path, first, sizeof(first));
	if (!sla) {
		daqs_log(DAQS_LOG_ERR, "reload: kept the SLA in force; '%s' is invalid", path);
		daqs_controller_set_sla_error(dm->ctl, first);
		snprintf(why, why_len, "the new SLA is invalid, the old one stays in force: %s",
			 first);
		daqs_notify("READY=1\nSTATUS=last reload refused (invalid SLA file)");
		return -EINVAL;
	}
	if (sla->vf_pool.present || dm->pool)
		daqs_log(DAQS_LOG_WARNING, "reload: vf_pool is read at start only; the VF pool "
					   "keeps "
					   "the settings daqsd started with until it restarts");
	daqs_controller_set_sla(dm->ctl, sla);
	daqs_log(DAQS_LOG_NOTICE, "reload: new SLA in force");
	daqs_notify("READY=1\nSTATUS=running");
	return 0;
}

/* ---- control verbs ---- */

static char *reply(int r, const char *why)
{
	return r ? daqs_ctl_reply_error(r, why) : daqs_ctl_reply_ok();
}

/* The PF adapter reports each failure once, with its own prefix ("pf: ..."). */
static void pf_log(void *ud, const char *msg)
{
	(void)ud;
	daqs_log(DAQS_LOG_WARNING, "%s", msg);
}

static void pf_note(void *ud, const char *msg)
{
	(void)ud;
	daqs_log(DAQS_LOG_NOTICE, "%s", msg);
}

/* {"ok":true,"vf":{...}} */
static char *vf_reply(struct daemon *dm)
{
	char *pool, *line;

	if (!dm->pool)
		return daqs_ctl_reply_error(ENOENT, "no vf_pool in the SLA file daqsd started "
						    "with");
	pool = daqs_vf_pool_status_json(dm->pool);
	line = daqs_asprintf("{\"ok\":true,\"vf\":%s}\n", pool);
	free(pool);
	return line;
}

static char *handle(void *ud, const struct daqs_ctl_request *rq)
{
	struct daemon *dm = ud;
	char why[600] = "", *line = NULL;
	int r;

	switch (rq->cmd) {
	case DAQS_CTL_STATUS:
		r = daqs_controller_status_line(dm->ctl, rq->vm, &line);
		if (r == -ENOENT)
			snprintf(why, sizeof(why), "unknown VM '%s'", rq->vm);
		else if (r == -EAGAIN)
			snprintf(why, sizeof(why), "VM '%s' has not been through a cycle yet",
				 rq->vm);
		return r ? daqs_ctl_reply_error(r, why) : line;
	case DAQS_CTL_OVERRIDE:
		r = daqs_controller_override(dm->ctl, rq, why, sizeof(why));
		return reply(r, why);
	case DAQS_CTL_CLEAR:
		r = daqs_controller_clear(dm->ctl, rq->vm, why, sizeof(why));
		return reply(r, why);
	case DAQS_CTL_RELOAD:
		r = reload(dm, why, sizeof(why));
		return reply(r, why);
	case DAQS_CTL_VF:
		return vf_reply(dm);
	}
	return daqs_ctl_reply_error(EINVAL, "unknown command");
}

static void on_removed(void *ud, const char *vm, const char *alias, bool ok)
{
	struct daemon *dm = ud;

	daqs_vf_pool_device_event(dm->pool, vm, alias, ok);
}

/* ---- the cycle thread ---- */

static void *cycle_main(void *arg)
{
	struct daemon *dm = arg;
	uint64_t next = daqs_monotonic_ns();
	struct timespec ts;

	pthread_mutex_lock(&dm->mu);
	while (!dm->thread_stop) {
		uint64_t now, period;

		pthread_mutex_unlock(&dm->mu);
		now = daqs_monotonic_ns();
		daqs_controller_cycle(dm->ctl, now);
		daqs_vf_pool_step(dm->pool, daqs_monotonic_ns());
		period = daqs_controller_period_ns(dm->ctl);
		next += period;
		now = daqs_monotonic_ns();
		if (next <= now) { /* overrun: skip the ticks we missed, never run back to back */
			dm->overruns++;
			daqs_log(DAQS_LOG_DEBUG, "cycle: overran its period (%llu time(s) so far)",
				 (unsigned long long)dm->overruns);
			next = now + period / 4;
		}
		ts.tv_sec = (time_t)(next / 1000000000ULL);
		ts.tv_nsec = (long)(next % 1000000000ULL);
		pthread_mutex_lock(&dm->mu);
		while (!dm->thread_stop && daqs_monotonic_ns() < next)
			if (pthread_cond_timedwait(&dm->cond, &dm->mu, &ts) == ETIMEDOUT)
				break;
	}
	pthread_mutex_unlock(&dm->mu);
	return NULL;
}

static int start_cycles(struct daemon *dm)
{
	pthread_condattr_t ca;
	int r;

	pthread_mutex_init(&dm->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&dm->cond, &ca);
	pthread_condattr_destroy(&ca);
	r = pthread_create(&dm->thread, NULL, cycle_main, dm);
	if (r)
		daqs_log(DAQS_LOG_ERR, "daqsd: cannot start the cycle thread (%s)", strerror(r));
	return -r;
}

static void stop_cycles(struct daemon *dm)
{
	pthread_mutex_lock(&dm->mu);
	dm->thread_stop = true;
	pthread_cond_signal(&dm->cond);
	pthread_mutex_unlock(&dm->mu);
	pthread_join(dm->thread, NULL);
}

/* ---- event loop ---- */

static void on_signal(int watch, int fd, int events, void *opaque)
{
	struct daemon *dm = opaque;
	struct signalfd_siginfo si;
	char why[600];

	(void)watch;
	(void)events;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			reload(dm, why, sizeof(why));
		} else {
			daqs_log(DAQS_LOG_NOTICE, "daqsd: %s received; shutting down",
				 strsignal((int)si.ssi_signo));
			dm->stop = true;
		}
	}
}

static void on_tick(int timer, void *opaque)
{
	struct daemon *dm = opaque;
	bool up;

	(void)timer;
	if (!dm->dom)
		return;
	daqs_domains_tick(dm->dom);
	up = daqs_domains_connected(dm->dom);
	if (up != dm->libvirt_up)
		daqs_notify(up ? "STATUS=running" : "STATUS=libvirt disconnected, retrying");
	dm->libvirt_up = up;
}

static int setup_signals(struct daemon *dm)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	/* blocked before any thread starts, so every thread inherits the mask */
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -EINVAL;
	signal(SIGPIPE, SIG_IGN);
	dm->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (dm->sigfd < 0)
		return -errno;
	dm->sigwatch = virEventAddHandle(dm->sigfd, VIR_EVENT_HANDLE_READABLE, on_signal, dm, NULL);
	return dm->sigwatch < 0 ? -EIO : 0;
}

static int resolve_group(const char *name, gid_t *gid)
{
	struct group *g;

	*gid = (gid_t)-1;
	if (!name)
		return 0;
	g = getgrnam(name);
	if (!g) {
		daqs_log(DAQS_LOG_ERR, "control: unknown group '%s' (--socket-group)", name);
		return -ENOENT;
	}
	*gid = g->gr_gid;
	return 0;
}

static int make_state_dir(const char *dir)
{
	char why[512];
	int r;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		daqs_log(DAQS_LOG_ERR, "state: cannot create '%s' (%s)", dir, strerror(errno));
		return -errno;
	}
	r = daqs_state_dir_check(dir, why, sizeof(why));
	if (r)
		daqs_log(DAQS_LOG_ERR, "state: refusing --state-dir: %s", why);
	return r;
}

/*
 * Detach (without --foreground): the parent waits on a pipe until the child
 * is ready (exit 0) or failed (exit 1), so `daqsd && daqsctl status` works.
 */
static int detach(int *ready_fd)
{
	int p[2];
	pid_t pid;
	char c = 1;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(p[1]);
		_exit(read(p[0], &c, 1) == 1 && c == 0 ? EXIT_SUCCESS : EXIT_INVALID);
	}
	close(p[0]);
	setsid();
	if (!freopen("/dev/null", "r", stdin) || !freopen("/dev/null", "w", stdout))
		return -errno;
	*ready_fd = p[1];
	return 0;
}

static void tell_parent(int *fd, char c)
{
	if (*fd < 0)
		return;
	(void)!write(*fd, &c, 1);
	close(*fd);
	*fd = -1;
}

/*
 * Every raw-socket guest holds a connection: lift the soft descriptor limit
 * to the hard one (systemd's default soft limit is 1024; with 1100 socket
 * guests, 85 failed with EMFILE in scripts/bench-scale). Reported if it fails.
 */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		daqs_log(DAQS_LOG_WARNING, "daqsd: cannot raise the open-file limit to %llu (%s)",
			 (unsigned long long)rl.rlim_max, strerror(errno));
}

static int run(struct daemon *dm, int *ready_fd)
{
	struct daqs_controller_cfg cfg = {
		.kind = dm->o.kind,
		.workers = dm->o.workers,
		.state_dir = dm->o.state_dir,
		.log = daqs_log_cb,
	};
	int r;
	struct daqs_sla *sla;
	gid_t gid;

	raise_nofile();
	sla = load_sla(dm->o.config, NULL, 0);
	if (!sla) {
		daqs_log(DAQS_LOG_ERR, "daqsd: cannot start: '%s' is not a valid SLA file",
			 dm->o.config);
		return -EINVAL;
	}
	if (resolve_group(dm->o.group, &gid) < 0 || make_state_dir(dm->o.state_dir) < 0) {
		daqs_sla_free(sla);
		return -EINVAL;
	}
	if (virEventRegisterDefaultImpl() < 0 || setup_signals(dm) < 0) {
		daqs_log(DAQS_LOG_ERR, "daqsd: cannot set up the event loop");
		daqs_sla_free(sla);
		return -EIO;
	}
	if ((r = daqs_pf_netlink_open(&dm->pf, pf_log, NULL)) < 0)
		daqs_log(DAQS_LOG_ERR,
			 "daqsd: no netlink route socket (%s): VF rates cannot be set; "
			 "VMs with enforce: vf are limited in the guest",
			 strerror(-r));
	else /* each VF's devlink rate leaf where it has one, else the legacy VF rate */
		daqs_pf_devlink_open(&dm->pf, dm->pf, pf_log, pf_note, NULL);
	cfg.pf = dm->pf;
	if (strcmp(dm->o.uri, "none")) /* libvirt VMs' taps: enforce: host, and the backstop */
		daqs_tap_libvirt_open(dm->o.uri, &dm->tap);
	cfg.tap = dm->tap;
	daqs_controller_new(&cfg, sla, &dm->ctl);
	if (sla->vf_pool.present && !strcmp(dm->o.uri, "none"))
		daqs_log(DAQS_LOG_ERR, "vf: the SLA's vf_pool needs libvirt (--connect none): "
				       "no VF will be plugged");
	else if (sla->vf_pool.present)
		dm->pool = daqs_vf_pool_new(sla, dm->o.uri, dm->ctl, daqs_log_cb, NULL);
	if (daqs_ctlserver_new(dm->o.socket, gid, handle, dm, &dm->srv) < 0)
		return -EIO;
	if (dm->o.metrics && daqs_httpmetrics_new(dm->o.metrics, dm->ctl, dm->pool, &dm->http) < 0)
		return -EINVAL;
	if (strcmp(dm->o.uri, "none")) {
		struct daqs_domains_sink sink = daqs_controller_domains_sink(dm->ctl);

		dm->dom = daqs_domains_new(dm->o.uri, &sink, daqs_log_cb, NULL);
	}
	dm->libvirt_up = dm->dom && daqs_domains_connected(dm->dom);
	if (dm->pool)
		daqs_domains_on_removed(dm->dom, on_removed, dm);
	dm->timer = virEventAddTimeout(TICK_MS, on_tick, dm, NULL);
	if (start_cycles(dm) < 0)
		return -EIO;
	daqs_log(DAQS_LOG_NOTICE,
		 "daqsd %s: running (SLA '%s', policy %s, control '%s', libvirt %s)", DAQS_VERSION,
		 dm->o.config, daqs_policy_kind_name(dm->o.kind), dm->o.socket,
		 dm->dom ? dm->o.uri : "off");
	daqs_notify(dm->dom && !dm->libvirt_up ? "READY=1\nSTATUS=libvirt disconnected, retrying"
					       : "READY=1\nSTATUS=running");
	tell_parent(ready_fd, 0);
	while (!dm->stop)
		if (virEventRunDefaultImpl() < 0)
			break;
	daqs_notify("STOPPING=1");
	stop_cycles(dm);
	daqs_vf_pool_free(dm->pool); /* after the cycles: no step runs any more */
	dm->pool = NULL;
	if (dm->o.remove_on_exit)
		daqs_controller_remove_limits(dm->ctl, daqs_monotonic_ns() + REMOVE_DEADLINE_NS);
	else
		daqs_log(DAQS_LOG_NOTICE, "daqsd: leaving the limits in force (--on-exit keep)");
	return 0;
}

static void teardown(struct daemon *dm)
{
	daqs_httpmetrics_free(dm->http);
	daqs_ctlserver_free(dm->srv);
	daqs_domains_free(dm->dom);
	daqs_controller_free(dm->ctl);
	daqs_pf_close(dm->pf); /* after the controller: it sets VF rates until it is freed */
	daqs_tap_close(dm->tap);
	if (dm->timer > 0)
		virEventRemoveTimeout(dm->timer);
	if (dm->sigwatch > 0)
		virEventRemoveHandle(dm->sigwatch);
	if (dm->sigfd > 0)
		close(dm->sigfd);
}

int main(int argc, char **argv)
{
	struct daemon dm = { .sigfd = -1, .sigwatch = -1, .timer = -1 };
	int ready_fd = -1, r;

	r = parse_opts(argc, argv, &dm.o);
	if (r)
		return r;
	if (dm.o.check)
		return check_config(dm.o.check);
	daqs_log_init(dm.o.verbose);
	if (!dm.o.foreground && detach(&ready_fd) < 0) {
		daqs_log(DAQS_LOG_ERR, "daqsd: cannot detach (%s)", strerror(errno));
		return EXIT_INVALID;
	}
	r = run(&dm, &ready_fd);
	tell_parent(&ready_fd, 1);
	teardown(&dm);
	daqs_log(DAQS_LOG_NOTICE, "daqsd: stopped");
	return r ? EXIT_INVALID : EXIT_SUCCESS;
}
