/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daqsctl: the command-line client of daqsd's control socket (man daqsctl(8)).
 *
 *   daqsctl [--socket PATH] [--json] [--timeout SEC] COMMAND [ARGS]
 *
 * Exit status: 0 ok, 1 the daemon refused or could not be reached (or the
 * file given to check is invalid), 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ctl.h"
#include "ctl_capacity.h"
#include "ctl_client.h"
#include "ctl_table.h"
#include "daqs-config.h"
#include "jsonline.h"
#include "mem.h"
#include "metrics.h"
#include "sla.h"
#include "units.h"

enum { EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_NO = 3 /* admit: does not fit */ };

/* Options a command may take, as bits of struct opts.seen. */
enum {
	O_JSON = 1u << 0,
	O_CLASS = 1u << 1,
	O_MIN = 1u << 2,
	O_MAX = 1u << 3,
	O_WEIGHT = 1u << 4,
	O_FOR = 1u << 5,
	O_CLEAR = 1u << 6,
	O_INTERVAL = 1u << 7,
	O_COUNT = 1u << 8,
	O_LINK = 1u << 9,
	O_OVERRIDE = O_CLASS | O_MIN | O_MAX | O_WEIGHT | O_FOR,
};

struct opts {
	const char *socket;
	int timeout_ms;
	unsigned seen;
	struct daqs_ctl_request rq; /* override fields as given */
	int interval_ms;
	unsigned long count; /* 0 = until interrupted */
	const char *link;    /* admit --link */
};

struct command {
	const char *name;
	int (*run)(const struct opts *o, int argc, char **argv);
	unsigned allowed;
	int min_args, max_args;
	const char *usage;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: daqsctl [--socket PATH] [--json] [--timeout SEC] COMMAND [ARGS]\n"
		"\n"
		"commands:\n"
		"  status [VM]                     links and VMs as a table (--json: the status object)\n"
		"  override VM [--class guarantee|best-effort] [--min RATE] [--max RATE|unlimited]\n"
		"              [--weight N] [--for DURATION]\n"
		"                                  change a VM's SLA until cleared (or for DURATION)\n"
		"  override --clear VM             drop the VM's override\n"
		"  reload                          re-read the SLA file (as SIGHUP)\n"
		"  check FILE                      check an SLA file locally (no daemon needed)\n"
		"  metrics                         the status as Prometheus text\n"
		"  top [--interval SEC] [--count N]  refresh the status table\n"
		"  vf                              the VF pool: slots, holders, per-VM state, timings\n"
		"  capacity [LINK]                 each link's admission: capacity, share, committed, free\n"
		"  admit --link LINK --min RATE    does one more guarantee fit? exit 0 yes, 3 no\n"
		"\n"
		"  -s, --socket PATH   daqsd's socket (default $DAQS_SOCKET, else %s)\n"
		"  -j, --json          print JSON (status, top, vf, capacity, admit; the reply for\n"
		"                      override/reload)\n"
		"  -t, --timeout SEC   give up after SEC (default 5; units as 500ms also work)\n"
		"  -h, --help          show this help\n"
		"  -V, --version       show the version\n"
		"\n"
		"RATE and DURATION use the SLA file's units (10gbit, 300mbit; 90s, 5min).\n"
		"Exit status: 0 ok, 1 daemon or request error, 2 usage.\n",
		DAQS_CTL_DEFAULT_SOCKET);
}

static int usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "daqsctl: %s%s%s%s\n", msg, arg ? " '" : "", arg ? arg : "",
		arg ? "'" : "");
	fprintf(stderr, "Try 'daqsctl --help'.\n");
	return EXIT_USAGE;
}

/* ---- talking to the daemon ---- */

static void say_connect_error(const char *path, int r)
{
	struct stat sb;
	struct group *g;

	fprintf(stderr, "daqsctl: cannot connect to daqsd at '%s' (%s)", path, strerror(-r));
	if (r == -EACCES || r == -EPERM) {
		g = stat(path, &sb) == 0 ? getgrgid(sb.st_gid) : NULL;
		if (g && sb.st_gid != 0)
			fprintf(stderr,
				": run daqsctl as root or as a member of group '%s', "
				"which owns the socket\n",
				g->gr_name);
		else
			fprintf(stderr, ": run daqsctl as root or as a member of the socket's "
					"group\n");
	} else if (r == -ETIMEDOUT) {
		fprintf(stderr, ": timed out; daqsd is not accepting connections\n");
	} else {
		fprintf(stderr, ": is daqsd running?\n");
	}
}

/* A VM name into rq (checked with the rest of the request): EXIT_USAGE when too long. */
static int set_vm(struct daqs_ctl_request *rq, const char *vm)
{
	if (strlen(vm) > DAQS_SLA_NAME_MAX)
		return usage_error("VM name longer than 255 bytes:", vm);
	snprintf(rq->vm, sizeof(rq->vm), "%s", vm);
	return 0;
}

/* Send rq, get the reply line: 0, or EXIT_FAIL (EXIT_USAGE for a request the
 * user's arguments made invalid) after saying why. */
static int call(const struct opts *o, const struct daqs_ctl_request *rq, char **reply)
{
	char *line = NULL, why[256];
	bool connected;
	int r;

	if (daqs_ctl_request_check(rq, why, sizeof(why)) || daqs_ctl_request_format(rq, &line)) {
		fprintf(stderr, "daqsctl: %s: %s\n", daqs_ctl_cmd_name(rq->cmd), why);
		return EXIT_USAGE;
	}
	r = daqs_ctl_client_call(o->socket, line, o->timeout_ms, reply, &connected);
	free(line);
	if (r && !connected)
		say_connect_error(o->socket, r);
	else if (r == -ETIMEDOUT)
		fprintf(stderr, "daqsctl: no reply from daqsd at '%s' within %.3g s (timed out)\n",
			o->socket, o->timeout_ms / 1000.0);
	else if (r == -ECONNRESET)
		fprintf(stderr, "daqsctl: daqsd at '%s' closed the connection without a reply\n",
			o->socket);
	else if (r)
		fprintf(stderr, "daqsctl: talking to daqsd at '%s' failed (%s)\n", o->socket,
			strerror(-r));
	return r ? EXIT_FAIL : 0;
}

/* A reply other than {"ok":true}: say what the daemon said. 0 when ok. */
static int reply_status(const char *verb, const char *reply)
{
	char code[64], msg[512];
	int r = daqs_ctl_reply_parse(reply, strlen(reply), code, sizeof(code), msg, sizeof(msg));

	if (r == -EREMOTEIO)
		fprintf(stderr, "daqsctl: daqsd refused '%s': %s (%s)\n", verb, msg, code);
	else if (r)
		fprintf(stderr, "daqsctl: bad reply from daqsd: %s\n", msg);
	return r ? EXIT_FAIL : 0;
}

static int get_status(const struct opts *o, const char *vm, struct daqs_ctl_status *st)
{
	struct daqs_ctl_request rq = { .cmd = DAQS_CTL_STATUS };
	char *reply = NULL, why[512];
	int r;

	memset(st, 0, sizeof(*st));
	if (vm && set_vm(&rq, vm))
		return EXIT_USAGE;
	r = call(o, &rq, &reply);
	if (r == 0)
		r = reply_status("status", reply);
	if (r == 0 && daqs_ctl_status_parse(reply, strlen(reply), st, why, sizeof(why))) {
		fprintf(stderr, "daqsctl: bad status reply from daqsd: %s\n", why);
		r = EXIT_FAIL;
	}
	free(reply);
	return r;
}

/* ---- commands ---- */

static int print_status(const struct opts *o, const struct daqs_ctl_status *st)
{
	char *text = o->seen & O_JSON ? daqs_ctl_status_json(st, true) : daqs_ctl_table_render(st);

	fputs(text, stdout);
	free(text);
	return fflush(stdout) ? EXIT_FAIL : 0;
}

static int cmd_status(const struct opts *o, int argc, char **argv)
{
	struct daqs_ctl_status st;
	int r = get_status(o, argc ? argv[0] : NULL, &st);

	if (r == 0)
		r = print_status(o, &st);
	daqs_ctl_status_clear(&st);
	return r;
}

static int simple_call(const struct opts *o, const struct daqs_ctl_request *rq)
{
	char *reply = NULL;
	int r = call(o, rq, &reply);

	if (r == 0)
		r = reply_status(daqs_ctl_cmd_name(rq->cmd), reply);
	if (r == 0 && (o->seen & O_JSON))
		printf("%s\n", reply);
	free(reply);
	return r;
}

static int cmd_override(const struct opts *o, int argc, char **argv)
{
	struct daqs_ctl_request rq = o->rq;
	char why[256];

	if (set_vm(&rq, argv[0]))
		return EXIT_USAGE;
	if (o->seen & O_CLEAR) {
		if (o->seen & O_OVERRIDE)
			return usage_error("--clear takes no other override option", NULL);
		rq.cmd = DAQS_CTL_CLEAR;
	} else {
		rq.cmd = DAQS_CTL_OVERRIDE;
	}
	if (daqs_ctl_request_check(&rq, why, sizeof(why))) {
		fprintf(stderr, "daqsctl: override: %s\n", why);
		return EXIT_USAGE;
	}
	return simple_call(o, &rq);
}

static int cmd_reload(const struct opts *o, int argc, char **argv)
{
	struct daqs_ctl_request rq = { .cmd = DAQS_CTL_RELOAD };

	return simple_call(o, &rq);
}

/* Same output and exit status as daqsd --check-config (daqsd.c). */
static int cmd_check(const struct opts *o, int argc, char **argv)
{
	return daqs_sla_check_file(argv[0], stdout, stderr) == 0 ? EXIT_SUCCESS : EXIT_FAIL;
}

static int cmd_metrics(const struct opts *o, int argc, char **argv)
{
	struct daqs_ctl_status st;
	char *text;
	int r = get_status(o, NULL, &st);

	if (r == 0) {
		text = daqs_metrics_render(&st);
		fputs(text, stdout);
		free(text);
		r = fflush(stdout) ? EXIT_FAIL : 0;
	}
	daqs_ctl_status_clear(&st);
	return r;
}

static int cmd_top(const struct opts *o, int argc, char **argv)
{
	struct timespec pause = { .tv_sec = o->interval_ms / 1000,
				  .tv_nsec = (long)(o->interval_ms % 1000) * 1000000L };
	bool tty = isatty(STDOUT_FILENO);
	struct daqs_ctl_status st;
	int r = 0;

	for (unsigned long i = 0; r == 0 && (o->count == 0 || i < o->count); i++) {
		if (i)
			nanosleep(&pause, NULL);
		r = get_status(o, NULL, &st);
		if (r == 0 && tty)
			fputs("\033[H\033[2J", stdout);
		if (r == 0)
			r = print_status(o, &st);
		daqs_ctl_status_clear(&st);
	}
	return r;
}

/* ---- vf ---- */

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return "-";
	return json_object_get_string(v);
}

static double jnum(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return NAN;
	return json_object_get_double(v);
}

static struct json_object *jget(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

static void print_vf_ops(struct json_object *ops)
{
	const char *names[] = { "plug", "unplug" };

	for (size_t i = 0; i < 2; i++) {
		struct json_object *x = jget(ops, names[i]), *d = jget(x, "device"),
				   *t = jget(x, "to_verified");

		printf("%-7s %4.0f ok, %3.0f failed; device mean/max %.0f/%.0f ms; "
		       "start to limit verified mean/max %.0f/%.0f ms\n",
		       names[i], jnum(x, "ok"), jnum(x, "failed"), jnum(d, "mean_ms"),
		       jnum(d, "max_ms"), jnum(t, "mean_ms"), jnum(t, "max_ms"));
	}
}

static void print_vf(struct json_object *vf)
{
	struct json_object *slots = jget(vf, "slots"), *vms = jget(vf, "vms");

	printf("pool: %s %s, strategy %s, interval %.0f s, min dwell %.0f s, hysteresis %.0f %%\n",
	       jstr(vf, "kind"),
	       strcmp(jstr(vf, "kind"), "bridge") ? jstr(vf, "pf") : jstr(vf, "bridge"),
	       jstr(vf, "strategy"), jnum(vf, "interval_s"), jnum(vf, "min_dwell_s"),
	       100 * jnum(vf, "hysteresis"));
	if (jstr(vf, "error")[0])
		printf("error: %s\n", jstr(vf, "error"));
	printf("%-4s %-24s %-11s %-20s %9s  %s\n", "SLOT", "DEVICE", "STATE", "HOLDER", "FOR",
	       "WHY");
	for (size_t i = 0; slots && i < json_object_array_length(slots); i++) {
		struct json_object *x = json_object_array_get_idx(slots, i);

		printf("%-4.0f %-24s %-11s %-20s %8.1fs  %s\n", jnum(x, "slot"), jstr(x, "label"),
		       jstr(x, "state"), jstr(x, "holder"), jnum(x, "for_s"), jstr(x, "reason"));
	}
	printf("%-20s %-5s %-4s %10s %9s  %s\n", "VM", "HOLDS", "RANK", "PPS", "HELD", "LAST");
	for (size_t i = 0; vms && i < json_object_array_length(vms); i++) {
		struct json_object *x = json_object_array_get_idx(vms, i);

		printf("%-20s %-5s %-4s %10.0f %8.1fs  %s\n", jstr(x, "vm"),
		       json_object_get_boolean(jget(x, "holds")) ? "yes" : "no", jstr(x, "rank"),
		       jnum(x, "pps"), jnum(x, "held_s"), jstr(x, "reason"));
	}
	print_vf_ops(jget(vf, "ops"));
}

static int cmd_vf(const struct opts *o, int argc, char **argv)
{
	struct daqs_ctl_request rq = { .cmd = DAQS_CTL_VF };
	struct json_object *root = NULL, *vf;
	char *reply = NULL;
	int r = call(o, &rq, &reply);

	if (r == 0)
		r = reply_status("vf", reply);
	if (r == 0 && (!(root = daqs_jsonline_object_once(reply, strlen(reply), DAQS_CTL_MAX_LINE,
							  DAQS_CTL_MAX_DEPTH)) ||
		       !(vf = jget(root, "vf")))) {
		fprintf(stderr, "daqsctl: bad vf reply from daqsd\n");
		r = EXIT_FAIL;
	}
	if (r == 0 && (o->seen & O_JSON))
		printf("%s\n",
		       json_object_to_json_string_ext(vf, JSON_C_TO_STRING_PRETTY |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
	else if (r == 0)
		print_vf(vf);
	json_object_put(root);
	free(reply);
	return r == 0 && fflush(stdout) ? EXIT_FAIL : r;
}

/* The admission inventory of each link (ctl_capacity.h). */
static int cmd_capacity(const struct opts *o, int argc, char **argv)
{
	struct daqs_ctl_status st;
	char *text;
	int r = get_status(o, NULL, &st);

	if (r == 0) {
		text = daqs_ctl_capacity_render(&st, argc ? argv[0] : NULL, o->seen & O_JSON);
		if (!text) {
			fprintf(stderr, "daqsctl: capacity: no link '%s' in daqsd's SLA\n",
				argv[0]);
			r = EXIT_FAIL;
		} else {
			fputs(text, stdout);
			if (o->seen & O_JSON)
				putchar('\n');
			free(text);
			r = fflush(stdout) ? EXIT_FAIL : 0;
		}
	}
	daqs_ctl_status_clear(&st);
	return r;
}

/*
 * Does one more Guarantee minimum fit on a link? Exit 0 yes, 3 no, 1 not
 * known (no such link, capacity not read yet, daqsd unreachable): a
 * scheduler filter must not take "cannot tell" for "full".
 */
static int cmd_admit(const struct opts *o, int argc, char **argv)
{
	struct daqs_ctl_status st;
	char *text;
	int r;

	if (!(o->seen & O_LINK) || !(o->seen & O_MIN))
		return usage_error("admit needs --link and --min; usage: daqsctl",
				   "admit --link LINK --min RATE");
	r = get_status(o, NULL, &st);
	if (r == 0) {
		r = daqs_ctl_admit(&st, o->link, o->rq.min_bps, o->seen & O_JSON, &text);
		r = r == 0 ? 0 : r == -ENOSPC ? EXIT_NO : EXIT_FAIL;
		fputs(text, stdout);
		if (o->seen & O_JSON)
			putchar('\n');
		free(text);
		if (fflush(stdout))
			r = EXIT_FAIL;
	}
	daqs_ctl_status_clear(&st);
	return r;
}

static const struct command commands[] = {
	{ "status", cmd_status, O_JSON, 0, 1, "status [VM]" },
	{ "override", cmd_override, O_JSON | O_OVERRIDE | O_CLEAR, 1, 1,
	  "override VM [--class C] [--min RATE] [--max RATE] [--weight N] [--for DURATION]" },
	{ "reload", cmd_reload, O_JSON, 0, 0, "reload" },
	{ "check", cmd_check, 0, 1, 1, "check FILE" },
	{ "metrics", cmd_metrics, 0, 0, 0, "metrics" },
	{ "top", cmd_top, O_JSON | O_INTERVAL | O_COUNT, 0, 0, "top [--interval SEC] [--count N]" },
	{ "vf", cmd_vf, O_JSON, 0, 0, "vf" },
	{ "capacity", cmd_capacity, O_JSON, 0, 1, "capacity [LINK]" },
	{ "admit", cmd_admit, O_JSON | O_LINK | O_MIN, 0, 0, "admit --link LINK --min RATE" },
};

/* ---- arguments ---- */

/* Seconds as "2.5" or a duration with a unit ("500ms"): 1 ms .. 1 h, into ms. */
static int parse_secs(const char *s, int *ms)
{
	char *end;
	double v = strtod(s, &end);
	uint64_t ns;

	if (end != s && *end == '\0')
		ns = isfinite(v) && v >= 0 && v <= 3600 ? (uint64_t)(v * 1e9) : UINT64_MAX;
	else if (daqs_units_parse_duration(s, &ns, NULL, 0))
		return -EINVAL;
	if (ns < 1000000ULL || ns > 3600ULL * 1000000000ULL)
		return -ERANGE;
	*ms = (int)(ns / 1000000ULL);
	return 0;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end || errno || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_rate(const char *opt, const char *s, uint64_t *bps)
{
	char why[256];

	if (!strcmp(opt, "max") && !strcmp(s, "unlimited")) {
		*bps = DAQS_RATE_UNLIMITED;
		return 0;
	}
	if (daqs_units_parse_rate(s, bps, why, sizeof(why)) == 0)
		return 0;
	fprintf(stderr, "daqsctl: --%s '%s': %s\n", opt, s, why);
	return -EINVAL;
}

static int parse_for(const char *s, uint64_t *secs)
{
	char why[256];
	uint64_t ns;

	if (daqs_units_parse_duration(s, &ns, why, sizeof(why))) {
		fprintf(stderr, "daqsctl: --for '%s': %s\n", s, why);
		return -EINVAL;
	}
	if (ns == 0 || ns % 1000000000ULL) {
		fprintf(stderr, "daqsctl: --for '%s': not a whole number of seconds (>= 1s)\n", s);
		return -EINVAL;
	}
	*secs = ns / 1000000000ULL;
	return 0;
}

static int parse_class(const char *s, enum daqs_class *c)
{
	if (!strcmp(s, daqs_class_name(DAQS_CLASS_GUARANTEE)))
		*c = DAQS_CLASS_GUARANTEE;
	else if (!strcmp(s, daqs_class_name(DAQS_CLASS_BEST_EFFORT)))
		*c = DAQS_CLASS_BEST_EFFORT;
	else
		return -EINVAL;
	return 0;
}

/* One option: 0, or EXIT_USAGE after saying why. */
static int take_option(int c, const char *arg, struct opts *o)
{
	unsigned long v;
	int r = 0;

	switch (c) {
	case 's':
		o->socket = arg;
		return 0;
	case 'j':
		o->seen |= O_JSON;
		return 0;
	case 't':
		return parse_secs(arg, &o->timeout_ms) ? usage_error("bad --timeout", arg) : 0;
	case 'c':
		o->seen |= O_CLASS;
		o->rq.has_class = true;
		if (parse_class(arg, &o->rq.cls))
			r = usage_error("--class must be guarantee or best-effort, not", arg);
		return r;
	case 'm':
		o->seen |= O_MIN;
		o->rq.has_min = true;
		return parse_rate("min", arg, &o->rq.min_bps) ? EXIT_USAGE : 0;
	case 'M':
		o->seen |= O_MAX;
		o->rq.has_max = true;
		return parse_rate("max", arg, &o->rq.max_bps) ? EXIT_USAGE : 0;
	case 'w':
		o->seen |= O_WEIGHT;
		o->rq.has_weight = true;
		if (parse_uint(arg, DAQS_WEIGHT_MAX, &v) || v == 0)
			return usage_error("--weight must be 1..1000, not", arg);
		o->rq.weight = (uint32_t)v;
		return 0;
	case 'f':
		o->seen |= O_FOR;
		return parse_for(arg, &o->rq.for_s) ? EXIT_USAGE : 0;
	case 'C':
		o->seen |= O_CLEAR;
		return 0;
	case 'i':
		o->seen |= O_INTERVAL;
		return parse_secs(arg, &o->interval_ms) ? usage_error("bad --interval", arg) : 0;
	case 'l':
		o->seen |= O_LINK;
		o->link = arg;
		return 0;
	case 'n':
		o->seen |= O_COUNT;
		return parse_uint(arg, 1000000000UL, &o->count) ? usage_error("bad --count", arg)
								: 0;
	default:
		return usage_error("unknown option", NULL);
	}
}

static const char *option_name(unsigned bit)
{
	static const char *const names[] = { "--json",	 "--class", "--min",   "--max",
					     "--weight", "--for",   "--clear", "--interval",
					     "--count",	 "--link" };

	for (size_t i = 0; i < DAQS_ARRAY_SIZE(names); i++)
		if (bit == 1u << i)
			return names[i];
	return "?";
}

/* The command in argv[0] with its arguments: checked against what it takes, then run. */
static int dispatch(struct opts *o, int argc, char **argv)
{
	const struct command *cmd = NULL;
	unsigned extra;

	for (size_t i = 0; i < DAQS_ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[0], commands[i].name))
			cmd = &commands[i];
	if (!cmd)
		return usage_error("unknown command", argv[0]);
	extra = o->seen & ~cmd->allowed;
	if (extra) {
		fprintf(stderr, "daqsctl: %s does not apply to '%s'\n", option_name(extra & -extra),
			cmd->name);
		return usage_error("usage: daqsctl", cmd->usage);
	}
	if (argc - 1 < cmd->min_args || argc - 1 > cmd->max_args)
		return usage_error("wrong number of arguments; usage: daqsctl", cmd->usage);
	return cmd->run(o, argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "class", required_argument, NULL, 'c' },
		{ "min", required_argument, NULL, 'm' },
		{ "max", required_argument, NULL, 'M' },
		{ "weight", required_argument, NULL, 'w' },
		{ "for", required_argument, NULL, 'f' },
		{ "clear", no_argument, NULL, 'C' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ "link", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .timeout_ms = 5000, .interval_ms = 1000 };
	const char *env = getenv("DAQS_SOCKET");
	int c, r;

	o.socket = env && *env ? env : DAQS_CTL_DEFAULT_SOCKET;
	while ((c = getopt_long(argc, argv, "s:jt:hV", lo, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return EXIT_SUCCESS;
		}
		if (c == 'V') {
			printf("daqsctl %s\n", DAQS_VERSION);
			return EXIT_SUCCESS;
		}
		if (c == '?')
			return usage_error("unknown option or missing argument (see above)", NULL);
		r = take_option(c, optarg, &o);
		if (r)
			return r;
	}
	if (optind >= argc)
		return usage_error("no command given", NULL);
	return dispatch(&o, argc - optind, argv + optind);
}
