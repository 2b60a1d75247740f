/* SPDX-License-Identifier: GPL-2.0-or-later */
/* VF hot-plug through libvirt (see vf_hotplug.h). */
#include <ctype.h>
#include <errno.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "clock.h"
#include "lv_conn.h"
#include "mem.h"
#include "netname.h"
#include "vf_hotplug.h"

#define WHY_MAX 256

struct op {
	struct op *next;
	bool scan;    /* list the domains, report ours */
	bool cleanup; /* an unplug outside the allocator */
	enum daqs_vf_op op;
	char *vm;
	struct daqs_vf_hotplug_dev dev;
};

struct daqs_vf_hotplug {
	char *uri;
	void (*done)(void *ud, const struct daqs_vf_hotplug_result *r);
	void *ud;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* queue non-empty, stop, or the awaited event came */
	struct op *head, *tail;
	bool stop;
	virConnectPtr conn; /* the worker's own */
	/* the unplug in flight, waiting for its event (wait_result 1 while it is) */
	const char *wait_vm;
	char wait_alias[32];
	int wait_result; /* 1 pending, 0 removed (or none in flight), -EBUSY removal failed */
};

/* ---- pure ---- */

void daqs_vf_hotplug_alias(size_t slot, char *buf, size_t len)
{
	snprintf(buf, len, DAQS_VF_HOTPLUG_ALIAS_PREFIX "%zu", slot);
}

int daqs_vf_hotplug_alias_slot(const char *alias, size_t *slot)
{
	const size_t n = strlen(DAQS_VF_HOTPLUG_ALIAS_PREFIX);
	char *end;
	unsigned long v;

	if (!alias || strncmp(alias, DAQS_VF_HOTPLUG_ALIAS_PREFIX, n) ||
	    !isdigit((unsigned char)alias[n]))
		return -ENOENT;
	errno = 0;
	v = strtoul(alias + n, &end, 10);
	if (*end || errno || v >= DAQS_VF_ALLOC_MAX_SLOTS || (alias[n] == '0' && alias[n + 1]))
		return -ENOENT;
	*slot = v;
	return 0;
}

static bool pci_valid(const char *s)
{
	unsigned dom, bus, dev, fn;
	char tail;

	return strlen(s) == 12 &&
	       sscanf(s, "%4x:%2x:%2x.%1x%c", &dom, &bus, &dev, &fn, &tail) == 4 && dev < 32 &&
	       fn < 8 && s[4] == ':' && s[7] == ':' && s[10] == '.';
}

int daqs_vf_hotplug_xml(const struct daqs_vf_hotplug_dev *d, char *buf, size_t len)
{
	char alias[32];
	unsigned dom, bus, dev, fn;
	int n;

	if (!daqs_netname_mac_valid(d->mac))
		return -EINVAL;
	daqs_vf_hotplug_alias(d->slot, alias, sizeof(alias));
	if (d->kind == DAQS_VF_POOL_HOSTDEV) {
		if (!pci_valid(d->pci) || sscanf(d->pci, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4)
			return -EINVAL;
		n = snprintf(
			buf, len,
			"<interface type='hostdev' managed='yes'>"
			"<source><address type='pci' domain='0x%04x' bus='0x%02x' slot='0x%02x' "
			"function='0x%x'/></source>"
			"<mac address='%s'/><alias name='%s'/></interface>",
			dom, bus, dev, fn, d->mac, alias);
	} else {
		/* a valid name may still hold a quote, '<' or '&': not in an attribute */
		if (!daqs_netname_ifname_valid(d->bridge) || strpbrk(d->bridge, "'\"<>&"))
			return -EINVAL;
		n = snprintf(buf, len,
			     "<interface type='bridge'><source bridge='%s'/><mac address='%s'/>"
			     "<model type='virtio'/><alias name='%s'/></interface>",
			     d->bridge, d->mac, alias);
	}
	return n < 0 || (size_t)n >= len ? -ERANGE : 0;
}

size_t daqs_vf_hotplug_xml_slots(const char *xml, size_t *slots, size_t max)
{
	const char *p = xml;
	size_t n = 0;

	while (n < max && (p = strstr(p, "<alias name="))) {
		char alias[40];
		size_t len;
		char q;

		p += 12;
		q = *p++;
		if (q != '\'' && q != '"')
			continue;
		len = strcspn(p, q == '\'' ? "'" : "\"");
		if (len >= sizeof(alias))
			continue;
		memcpy(alias, p, len);
		alias[len] = '\0';
		if (daqs_vf_hotplug_alias_slot(alias, &slots[n]) == 0)
			n++;
	}
	return n;
}

/* The value of attr='...' (or "...") within [p, end), into out. */
static bool attr_in(const char *p, const char *end, const char *attr, char *out, size_t len)
{
	char key[32];
	const char *v;
	size_t n;

	snprintf(key, sizeof(key), "%s=", attr);
	for (v = p; (v = strstr(v, key)) && v < end; v++) {
		if (v > p && v[-1] != ' ' && v[-1] != '\t' && v[-1] != '\n')
			continue; /* "bus=" inside "xbus=" */
		v += strlen(key);
		if (*v != '\'' && *v != '"')
			return false;
		n = strcspn(v + 1, *v == '\'' ? "'" : "\"");
		if (n >= len || v + 1 + n > end)
			return false;
		memcpy(out, v + 1, n);
		out[n] = '\0';
		return true;
	}
	return false;
}

int daqs_vf_hotplug_xml_device(const char *xml, size_t slot, struct daqs_vf_hotplug_dev *dev)
{
	char alias[40], want[32], dom[8], bus[8], sl[8], fn[8];
	const char *start, *end, *a, *src;

	daqs_vf_hotplug_alias(slot, want, sizeof(want));
	for (start = xml; (start = strstr(start, "<interface ")); start = end) {
		if (!(end = strstr(start, "</interface>")))
			return -ENOENT;
		if (!(a = strstr(start, "<alias ")) || a > end ||
		    !attr_in(a, end, "name", alias, sizeof(alias)) || strcmp(alias, want))
			continue;
		memset(dev, 0, sizeof(*dev));
		dev->slot = slot;
		if ((a = strstr(start, "<mac ")) && a < end)
			attr_in(a, end, "address", dev->mac, sizeof(dev->mac));
		src = strstr(start, "<source");
		if (!strncmp(start, "<interface type='hostdev'", 25) ||
		    !strncmp(start, "<interface type=\"hostdev\"", 25)) {
			unsigned d, b, s, f;

			dev->kind = DAQS_VF_POOL_HOSTDEV;
			if (src && src < end && (a = strstr(src, "<address ")) && a < end &&
			    attr_in(a, end, "domain", dom, sizeof(dom)) &&
			    attr_in(a, end, "bus", bus, sizeof(bus)) &&
			    attr_in(a, end, "slot", sl, sizeof(sl)) &&
			    attr_in(a, end, "function", fn, sizeof(fn)) &&
			    sscanf(dom, "%x", &d) == 1 && sscanf(bus, "%x", &b) == 1 &&
			    sscanf(sl, "%x", &s) == 1 && sscanf(fn, "%x", &f) == 1)
				snprintf(dev->pci, sizeof(dev->pci), "%04x:%02x:%02x.%x",
					 d & 0xffff, b & 0xff, s & 0x1f, f & 0x7);
		} else {
			dev->kind = DAQS_VF_POOL_BRIDGE;
			if (src && src < end)
				attr_in(src, end, "bridge", dev->bridge, sizeof(dev->bridge));
		}
		return 0;
	}
	return -ENOENT;
}

/* ---- libvirt ---- */

static void quiet(void *ud, virErrorPtr e)
{
	(void)ud;
	(void)e;
}

static int connect_lv(struct daqs_vf_hotplug *p, char *why, size_t len)
{
	return daqs_lv_connect(&p->conn, p->uri, why, len);
}

static int do_plug(virDomainPtr dom, const struct op *o, char *why, size_t len)
{
	char xml[512];
	int r = daqs_vf_hotplug_xml(&o->dev, xml, sizeof(xml));

	if (r < 0) {
		snprintf(why, len, "invalid device for slot %zu (%s)", o->dev.slot, strerror(-r));
		return r;
	}
	if (virDomainAttachDeviceFlags(dom, xml, VIR_DOMAIN_AFFECT_LIVE) < 0)
		return daqs_lv_errno(why, len);
	return 0;
}

static bool alias_present(virDomainPtr dom, size_t slot)
{
	char *xml = virDomainGetXMLDesc(dom, 0);
	size_t slots[64], n;
	bool found = false;

	if (!xml)
		return true; /* cannot tell: assume it is still there */
	n = daqs_vf_hotplug_xml_slots(xml, slots, 64);
	for (size_t i = 0; i < n; i++)
		found |= slots[i] == slot;
	free(xml);
	return found;
}

static int do_unplug(struct daqs_vf_hotplug *p, virDomainPtr dom, const struct op *o, char *why,
		     size_t len)
{
	struct timespec ts;
	uint64_t deadline;
	int r;

	pthread_mutex_lock(&p->lock);
	p->wait_vm = o->vm;
	daqs_vf_hotplug_alias(o->dev.slot, p->wait_alias, sizeof(p->wait_alias));
	p->wait_result = 1;
	pthread_mutex_unlock(&p->lock);

	if (virDomainDetachDeviceAlias(dom, p->wait_alias, VIR_DOMAIN_AFFECT_LIVE) < 0) {
		r = daqs_lv_errno(why, len);
		pthread_mutex_lock(&p->lock);
		p->wait_result = 0;
		pthread_mutex_unlock(&p->lock);
		return r;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	deadline = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec +
		   DAQS_VF_HOTPLUG_UNPLUG_TIMEOUT_NS;
	ts.tv_sec = (time_t)(deadline / 1000000000ULL);
	ts.tv_nsec = (long)(deadline % 1000000000ULL);
	pthread_mutex_lock(&p->lock);
	while (p->wait_result == 1 && !p->stop)
		if (pthread_cond_timedwait(&p->cond, &p->lock, &ts) == ETIMEDOUT)
			break;
	r = p->wait_result;
	p->wait_result = 0; /* a late event matches nothing */
	pthread_mutex_unlock(&p->lock);
	if (r == -EBUSY) {
		snprintf(why, len, "the guest refused to release %s (DEVICE_REMOVAL_FAILED)",
			 p->wait_alias);
		return r;
	}
	if (r == 1) { /* no event: the live XML decides */
		if (alias_present(dom, o->dev.slot)) {
			snprintf(why, len, "%s still present %llu s after the detach request",
				 p->wait_alias,
				 (unsigned long long)(DAQS_VF_HOTPLUG_UNPLUG_TIMEOUT_NS /
						      1000000000ULL));
			return -ETIMEDOUT;
		}
	}
	return 0;
}

/* Every running domain: report each device of ours. */
static void run_scan(struct daqs_vf_hotplug *p)
{
	char why[WHY_MAX] = "";
	virDomainPtr *doms = NULL;
	struct daqs_vf_hotplug_result res = { .vm = "", .scanned = true };
	int n = -1;

	res.start_ns = daqs_monotonic_ns();
	if (connect_lv(p, why, sizeof(why)) == 0 &&
	    (n = virConnectListAllDomains(p->conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE)) < 0)
		daqs_lv_errno(why, sizeof(why));
	for (int i = 0; i < n; i++) {
		char *xml = virDomainGetXMLDesc(doms[i], 0);
		size_t slots[64], k = xml ? daqs_vf_hotplug_xml_slots(xml, slots, 64) : 0;

		for (size_t j = 0; j < k; j++) {
			struct daqs_vf_hotplug_dev dev;
			struct daqs_vf_hotplug_result f = { .vm = virDomainGetName(doms[i]),
							    .found = true,
							    .slot = slots[j],
							    .dev = &dev };

			if (daqs_vf_hotplug_xml_device(xml, slots[j], &dev) < 0)
				memset(&dev, 0, sizeof(dev));
			f.start_ns = f.end_ns = daqs_monotonic_ns();
			p->done(p->ud, &f);
		}
		free(xml);
		virDomainFree(doms[i]);
	}
	free(doms);
	res.err = n < 0 ? -ECONNREFUSED : 0;
	res.why = n < 0 ? why : "";
	res.end_ns = daqs_monotonic_ns();
	p->done(p->ud, &res);
}

static void run_op(struct daqs_vf_hotplug *p, struct op *o)
{
	char why[WHY_MAX] = "";
	struct daqs_vf_hotplug_result res = {
		.op = o->op,
		.slot = o->dev.slot,
		.vm = o->vm,
		.start_ns = daqs_monotonic_ns(),
		.cleanup = o->cleanup,
	};
	virDomainPtr dom = NULL;
	int r = connect_lv(p, why, sizeof(why));

	if (r == 0 && !(dom = virDomainLookupByName(p->conn, o->vm)))
		r = daqs_lv_errno(why, sizeof(why));
	if (r == 0)
		r = o->op == DAQS_VF_PLUG ? do_plug(dom, o, why, sizeof(why))
					  : do_unplug(p, dom, o, why, sizeof(why));
	if (dom)
		virDomainFree(dom);
	res.err = r;
	res.why = r ? why : "";
	res.end_ns = daqs_monotonic_ns();
	p->done(p->ud, &res);
}

static struct op *pop(struct daqs_vf_hotplug *p)
{
	struct op *o;

	pthread_mutex_lock(&p->lock);
	while (!p->head && !p->stop)
		pthread_cond_wait(&p->cond, &p->lock);
	o = p->stop ? NULL : p->head;
	if (o && !(p->head = o->next))
		p->tail = NULL;
	pthread_mutex_unlock(&p->lock);
	return o;
}

static void *worker(void *arg)
{
	struct daqs_vf_hotplug *p = arg;
	struct op *o;

	virSetErrorFunc(NULL, quiet);
	while ((o = pop(p))) {
		if (o->scan)
			run_scan(p);
		else
			run_op(p, o);
		free(o->vm);
		free(o);
	}
	return NULL;
}

/* ---- public ---- */

struct daqs_vf_hotplug *
daqs_vf_hotplug_new(const char *uri, void (*done)(void *ud, const struct daqs_vf_hotplug_result *r),
		    void *ud)
{
	struct daqs_vf_hotplug *p = daqs_calloc(1, sizeof(*p));

	p->uri = daqs_strdup(uri);
	p->done = done;
	p->ud = ud;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	if (pthread_create(&p->thread, NULL, worker, p)) {
		pthread_mutex_destroy(&p->lock);
		pthread_cond_destroy(&p->cond);
		free(p->uri);
		free(p);
		return NULL;
	}
	return p;
}

void daqs_vf_hotplug_free(struct daqs_vf_hotplug *p)
{
	struct op *o;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	while ((o = p->head)) {
		struct daqs_vf_hotplug_result res = {
			.op = o->op,
			.slot = o->dev.slot,
			.vm = o->vm ? o->vm : "",
			.err = -ECANCELED,
			.why = "daqsd is stopping",
			.cleanup = o->cleanup,
			.scanned = o->scan,
		};

		p->head = o->next;
		p->done(p->ud, &res);
		free(o->vm);
		free(o);
	}
	if (p->conn)
		virConnectClose(p->conn);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p->uri);
	free(p);
}

static void enqueue(struct daqs_vf_hotplug *p, struct op *o)
{
	pthread_mutex_lock(&p->lock);
	if (p->tail)
		p->tail->next = o;
	else
		p->head = o;
	p->tail = o;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

void daqs_vf_hotplug_scan(struct daqs_vf_hotplug *p)
{
	struct op *o = daqs_calloc(1, sizeof(*o));

	o->scan = true;
	enqueue(p, o);
}

void daqs_vf_hotplug_cleanup(struct daqs_vf_hotplug *p, const char *vm, size_t slot)
{
	struct op *o = daqs_calloc(1, sizeof(*o));

	o->cleanup = true;
	o->op = DAQS_VF_UNPLUG;
	o->vm = daqs_strdup(vm);
	o->dev.slot = slot;
	enqueue(p, o);
}

int daqs_vf_hotplug_submit(struct daqs_vf_hotplug *p, enum daqs_vf_op op, const char *vm,
			   const struct daqs_vf_hotplug_dev *dev)
{
	struct op *o = daqs_calloc(1, sizeof(*o));

	o->op = op;
	o->vm = daqs_strdup(vm);
	o->dev = *dev;
	enqueue(p, o);
	return 0;
}

void daqs_vf_hotplug_device_event(struct daqs_vf_hotplug *p, const char *vm, const char *alias,
				  bool removed)
{
	pthread_mutex_lock(&p->lock);
	if (p->wait_result == 1 && !strcmp(p->wait_vm, vm) && !strcmp(p->wait_alias, alias)) {
		p->wait_result = removed ? 0 : -EBUSY;
		pthread_cond_broadcast(&p->cond);
	}
	pthread_mutex_unlock(&p->lock);
}
