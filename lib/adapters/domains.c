/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libvirt domains as daqs guests (see domains.h). */
#include <errno.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "agent_libvirt.h"
#include "clock.h"
#include "domains.h"
#include "mem.h"
#include "netname.h"

#define NS_PER_S 1000000000ULL
#define BACKOFF_MIN_NS (1ULL * NS_PER_S)
#define BACKOFF_MAX_NS (30ULL * NS_PER_S)

enum { CB_LIFECYCLE, CB_AGENT, CB_ADDED, CB_REMOVED, CB_REMOVAL_FAILED, CB_METADATA, CB_N };

struct daqs_domains {
	char *uri;
	struct daqs_domains_sink sink;
	void (*log)(void *ud, enum daqs_log_prio prio, const char *msg);
	void *log_ud;
	virConnectPtr conn;
	int cb[CB_N];
	bool dead;     /* the close callback fired */
	bool resync;   /* list the domains at the next tick */
	char **reread; /* domains whose devices changed: their XML is read at the next tick */
	size_t n_reread, cap_reread;
	bool ever_up;
	uint64_t next_try_ns, backoff_ns;
	void (*removed)(void *ud, const char *vm, const char *alias, bool ok);
	void *removed_ud;
};

#define dlog(d, prio, ...) daqs_logf((d)->log, (d)->log_ud, prio, __VA_ARGS__)

static const char *lv_msg(void)
{
	const virError *e = virGetLastError();

	return e && e->message ? e->message : "unknown libvirt error";
}

int daqs_domains_xml_mac(const char *xml, char mac[18])
{
	struct daqs_domxml_nics *n = daqs_calloc(1, sizeof(*n));
	const char *m = daqs_domxml_nics(xml, n) == 0 ? daqs_domxml_first_mac(n) : NULL;

	if (m)
		memcpy(mac, m, DAQS_MACSIZ);
	free(n);
	return m ? 0 : -ENOENT;
}

/* ---- event callbacks (event loop; nothing slow here) ---- */

static int on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
	struct daqs_domains *d = opaque;

	(void)conn;
	(void)detail;
	if (event == VIR_DOMAIN_EVENT_STARTED || event == VIR_DOMAIN_EVENT_RESUMED)
		d->resync = true;
	else if (event == VIR_DOMAIN_EVENT_STOPPED || event == VIR_DOMAIN_EVENT_CRASHED ||
		 event == VIR_DOMAIN_EVENT_UNDEFINED)
		d->sink.remove(d->sink.ud, virDomainGetName(dom));
	return 0;
}

static void on_agent(virConnectPtr conn, virDomainPtr dom, int state, int reason, void *opaque)
{
	struct daqs_domains *d = opaque;

	(void)conn;
	(void)reason;
	if (state == VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_STATE_CONNECTED) {
		dlog(d, DAQS_LOG_INFO, "libvirt: agent of '%s' connected; re-verifying its limit",
		     virDomainGetName(dom));
		d->sink.kick(d->sink.ud, virDomainGetName(dom));
	}
}

/* Read name's XML again at the next tick: its NICs and taps, its daqs metadata. */
static void want_reread(struct daqs_domains *d, const char *name)
{
	for (size_t i = 0; i < d->n_reread; i++)
		if (!strcmp(d->reread[i], name))
			return;
	daqs_grow((void **)&d->reread, &d->cap_reread, d->n_reread + 1, sizeof(*d->reread));
	d->reread[d->n_reread++] = daqs_strdup(name);
}

static void on_device(virConnectPtr conn, virDomainPtr dom, const char *alias, void *opaque)
{
	struct daqs_domains *d = opaque;
	const char *name = virDomainGetName(dom);

	(void)conn;
	dlog(d, DAQS_LOG_INFO, "libvirt: device '%s' of '%s' added or removed; re-discovering",
	     alias, name);
	d->sink.kick(d->sink.ud, name);
	want_reread(d, name);
}

/* The daqs element of a domain's <metadata> changed (virsh metadata ... --live). */
static void on_metadata(virConnectPtr conn, virDomainPtr dom, int type, const char *nsuri,
			void *opaque)
{
	struct daqs_domains *d = opaque;

	(void)conn;
	if (type != VIR_DOMAIN_METADATA_ELEMENT || !nsuri || strcmp(nsuri, DAQS_SLA_META_NS))
		return;
	dlog(d, DAQS_LOG_INFO, "libvirt: the daqs metadata of '%s' changed; reading it",
	     virDomainGetName(dom));
	want_reread(d, virDomainGetName(dom));
}

static void on_removed(virConnectPtr conn, virDomainPtr dom, const char *alias, void *opaque)
{
	struct daqs_domains *d = opaque;

	on_device(conn, dom, alias, opaque);
	if (d->removed)
		d->removed(d->removed_ud, virDomainGetName(dom), alias, true);
}

static void on_removal_failed(virConnectPtr conn, virDomainPtr dom, const char *alias, void *opaque)
{
	struct daqs_domains *d = opaque;

	(void)conn;
	dlog(d, DAQS_LOG_WARNING, "libvirt: '%s' refused to release device '%s'",
	     virDomainGetName(dom), alias);
	if (d->removed)
		d->removed(d->removed_ud, virDomainGetName(dom), alias, false);
}

static void on_close(virConnectPtr conn, int reason, void *opaque)
{
	struct daqs_domains *d = opaque;

	(void)conn;
	dlog(d, DAQS_LOG_WARNING, "libvirt: connection to '%s' lost (%s); reconnecting", d->uri,
	     reason == VIR_CONNECT_CLOSE_REASON_KEEPALIVE ? "keepalive timeout"
	     : reason == VIR_CONNECT_CLOSE_REASON_EOF	  ? "libvirtd went away"
							  : "error");
	d->dead = true;
}

/* ---- connection ---- */

static void disconnect(struct daqs_domains *d)
{
	if (!d->conn)
		return;
	for (int i = 0; i < CB_N; i++)
		if (d->cb[i] >= 0)
			virConnectDomainEventDeregisterAny(d->conn, d->cb[i]);
	virConnectUnregisterCloseCallback(d->conn, on_close);
	virConnectClose(d->conn);
	d->conn = NULL;
}

static void register_events(struct daqs_domains *d)
{
	d->cb[CB_LIFECYCLE] =
		virConnectDomainEventRegisterAny(d->conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
						 VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), d, NULL);
	d->cb[CB_AGENT] =
		virConnectDomainEventRegisterAny(d->conn, NULL, VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE,
						 VIR_DOMAIN_EVENT_CALLBACK(on_agent), d, NULL);
	d->cb[CB_ADDED] =
		virConnectDomainEventRegisterAny(d->conn, NULL, VIR_DOMAIN_EVENT_ID_DEVICE_ADDED,
						 VIR_DOMAIN_EVENT_CALLBACK(on_device), d, NULL);
	d->cb[CB_REMOVED] =
		virConnectDomainEventRegisterAny(d->conn, NULL, VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED,
						 VIR_DOMAIN_EVENT_CALLBACK(on_removed), d, NULL);
	d->cb[CB_REMOVAL_FAILED] = virConnectDomainEventRegisterAny(
		d->conn, NULL, VIR_DOMAIN_EVENT_ID_DEVICE_REMOVAL_FAILED,
		VIR_DOMAIN_EVENT_CALLBACK(on_removal_failed), d, NULL);
	d->cb[CB_METADATA] =
		virConnectDomainEventRegisterAny(d->conn, NULL, VIR_DOMAIN_EVENT_ID_METADATA_CHANGE,
						 VIR_DOMAIN_EVENT_CALLBACK(on_metadata), d, NULL);
	if (d->cb[CB_METADATA] < 0)
		dlog(d, DAQS_LOG_WARNING,
		     "libvirt: cannot register metadata events (%s); a domain's daqs metadata is "
		     "read when it starts and at each resync only",
		     lv_msg());
	if (d->cb[CB_LIFECYCLE] < 0)
		dlog(d, DAQS_LOG_WARNING,
		     "libvirt: cannot register lifecycle events (%s); domains are found by "
		     "periodic resync only",
		     lv_msg());
}

static int try_connect(struct daqs_domains *d)
{
	d->conn = virConnectOpen(d->uri);
	if (!d->conn) {
		dlog(d, d->ever_up ? DAQS_LOG_DEBUG : DAQS_LOG_WARNING,
		     "libvirt: cannot connect to '%s' (%s); retrying", d->uri, lv_msg());
		return -ECONNREFUSED;
	}
	d->dead = false;
	if (virConnectRegisterCloseCallback(d->conn, on_close, d, NULL) < 0)
		dlog(d, DAQS_LOG_DEBUG, "libvirt: no close callback (%s)", lv_msg());
	if (virConnectSetKeepAlive(d->conn, 5, 3) < 0) /* test:/// says "not supported" */
		dlog(d, DAQS_LOG_DEBUG, "libvirt: no keepalive (%s)", lv_msg());
	register_events(d);
	dlog(d, DAQS_LOG_NOTICE, "libvirt: connected to '%s'%s", d->uri,
	     d->ever_up ? " again; full resync" : "");
	d->ever_up = true;
	d->resync = true;
	d->backoff_ns = 0;
	return 0;
}

/* ---- resync ---- */

struct maker_arg {
	virDomainPtr dom;
};

static struct daqs_agent_transport *make_libvirt(void *arg, void (*log)(void *, const char *),
						 void *log_ud)
{
	return daqs_agent_libvirt_new(((struct maker_arg *)arg)->dom, log, log_ud);
}

static void add_domain(struct daqs_domains *d, virDomainPtr dom)
{
	char uuid[VIR_UUID_STRING_BUFLEN] = "";
	const char *name = virDomainGetName(dom);
	char *xml = virDomainGetXMLDesc(dom, 0); /* the live XML: the taps in use now */
	struct daqs_domxml_nics *nics = daqs_calloc(1, sizeof(*nics));
	struct maker_arg a = { dom };
	int r = xml ? daqs_domxml_nics(xml, nics) : -ENODATA;

	if (r < 0)
		dlog(d, DAQS_LOG_WARNING,
		     "libvirt: cannot read the NICs of '%s' from its XML (%s); no MAC, no tap",
		     name, r == -ENODATA ? lv_msg() : strerror(-r));
	if (virDomainGetUUIDString(dom, uuid) < 0)
		uuid[0] = '\0';
	d->sink.upsert(d->sink.ud, name, uuid, make_libvirt, &a, r == 0 ? nics : NULL);
	free(nics);
	free(xml);
}

static bool listed(virDomainPtr *doms, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(virDomainGetName(doms[i]), name))
			return true;
	return false;
}

static void resync(struct daqs_domains *d)
{
	virDomainPtr *doms = NULL;
	char **names;
	size_t nn;
	int n;

	n = virConnectListAllDomains(d->conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
	if (n < 0) {
		dlog(d, DAQS_LOG_WARNING, "libvirt: cannot list domains (%s)", lv_msg());
		return;
	}
	d->resync = false;
	nn = d->sink.names(d->sink.ud, &names);
	for (size_t i = 0; i < nn; i++) {
		if (!listed(doms, n, names[i]))
			d->sink.remove(d->sink.ud, names[i]);
		free(names[i]);
	}
	free(names);
	for (int i = 0; i < n; i++) {
		add_domain(d, doms[i]);
		virDomainFree(doms[i]);
	}
	free(doms);
}

/* The domains whose devices changed, upserted again with their XML's NICs (taps, hostdevs). */
static void reread(struct daqs_domains *d, bool read)
{
	for (size_t i = 0; i < d->n_reread; i++) {
		virDomainPtr dom = read ? virDomainLookupByName(d->conn, d->reread[i]) : NULL;

		if (dom && virDomainIsActive(dom) == 1)
			add_domain(d, dom);
		if (dom)
			virDomainFree(dom);
		free(d->reread[i]);
	}
	d->n_reread = 0;
}

/* ---- public ---- */

static void quiet(void *ud, virErrorPtr e)
{
	(void)ud;
	(void)e;
}

struct daqs_domains *
daqs_domains_new(const char *uri, const struct daqs_domains_sink *sink,
		 void (*log)(void *ud, enum daqs_log_prio prio, const char *msg), void *log_ud)
{
	struct daqs_domains *d = daqs_calloc(1, sizeof(*d));

	virSetErrorFunc(NULL, quiet); /* errors are reported by us, once */
	d->uri = daqs_strdup(uri);
	d->sink = *sink;
	d->log = log;
	d->log_ud = log_ud;
	for (int i = 0; i < CB_N; i++)
		d->cb[i] = -1;
	daqs_domains_tick(d);
	return d;
}

void daqs_domains_tick(struct daqs_domains *d)
{
	uint64_t now = daqs_monotonic_ns();
	bool all;

	if (d->conn && (d->dead || virConnectIsAlive(d->conn) != 1)) {
		disconnect(d);
		d->next_try_ns = now; /* first retry at once */
	}
	if (!d->conn) {
		if (now < d->next_try_ns)
			return;
		if (try_connect(d) < 0) {
			d->backoff_ns = d->backoff_ns ? d->backoff_ns * 2 : BACKOFF_MIN_NS;
			if (d->backoff_ns > BACKOFF_MAX_NS)
				d->backoff_ns = BACKOFF_MAX_NS;
			d->next_try_ns = now + d->backoff_ns;
			return;
		}
	}
	all = d->resync;
	if (all)
		resync(d);
	if (d->n_reread)
		reread(d, !all); /* a resync read them all (or will again, when it failed) */
}

void daqs_domains_on_removed(struct daqs_domains *d,
			     void (*fn)(void *ud, const char *vm, const char *alias, bool ok),
			     void *ud)
{
	d->removed = fn;
	d->removed_ud = ud;
}

bool daqs_domains_connected(const struct daqs_domains *d)
{
	return d->conn && !d->dead;
}

void daqs_domains_free(struct daqs_domains *d)
{
	if (!d)
		return;
	disconnect(d);
	reread(d, false);
	free(d->reread);
	free(d->uri);
	free(d);
}
