/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A libvirt VM's tap as a host-side lever (cycle core): whether its transmit
 * limit goes on the tap this period (libvirt's interface parameters, the
 * <bandwidth><outbound> of its NIC), the writes that follow and their
 * outcomes. See cycle.h (daqs_cycle_tap_writes) for the rules.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cycle_impl.h"
#include "mem.h"

/* The NIC types libvirt's interface parameters apply to (platform facts 2.1). */
static bool tunable(const char *type)
{
	static const char *const ok[] = { "bridge", "network", "direct", "ethernet" };

	for (size_t i = 0; i < DAQS_ARRAY_SIZE(ok); i++)
		if (!strcmp(type, ok[i]))
			return true;
	return false;
}

/* The tap carrying all of the VM's traffic whose rate libvirt can set, or "". */
const char *daqs_tapuse_dev(const struct daqs_gvm *v)
{
	const char *dev = v->libvirt ? daqs_gvm_whole_tap(v) : "";

	for (size_t i = 0; dev[0] && i < v->nics.n; i++)
		if (!strcmp(v->nics.v[i].dev, dev))
			return tunable(v->nics.v[i].type) ? dev : "";
	return "";
}

uint64_t daqs_tap_kBps(uint64_t bps)
{
	uint64_t k;

	if (bps == DAQS_RATE_UNLIMITED)
		return 0;
	k = bps / DAQS_TAP_KBPS_BITS;
	return k ? k : 1;
}

uint64_t daqs_tap_burst_kB(uint64_t kBps)
{
	uint64_t b = kBps / DAQS_TAP_BURST_DIV;

	return b < DAQS_TAP_BURST_MIN_KB ? DAQS_TAP_BURST_MIN_KB : b;
}

bool daqs_tapuse_wanted(const struct daqs_cycle *c, struct daqs_gvm *v, uint64_t now_ns)
{
	const char *why, *dev;

	v->tap.why[0] = '\0';
	v->tap.want_dev[0] = '\0';
	v->tap.waiting = false;
	if (!c->cfg.tap_rates || v->vf.use || v->state == DAQS_GUEST_RETIRING ||
	    v->state == DAQS_GUEST_GONE || !(dev = daqs_tapuse_dev(v))[0])
		return false;
	why = v->eff.enforce == DAQS_ENFORCE_HOST ? "enforce: host"
						  : daqs_gvm_backstop_why(v, now_ns);
	if (!why)
		return false;
	snprintf(v->tap.why, sizeof(v->tap.why), "%s", why);
	snprintf(v->tap.want_dev, sizeof(v->tap.want_dev), "%s", dev);
	if (v->tap.failing && now_ns < v->tap.retry_ns) {
		/* its limit goes into the guest meanwhile (said when it failed); the tap is
		 * neither written nor released before the retry */
		v->tap.waiting = true;
		return false;
	}
	return true;
}

static void write_of(const struct daqs_gvm *v, const char *dev, uint64_t kBps, bool release,
		     struct daqs_cycle_tap_write *w)
{
	*w = (struct daqs_cycle_tap_write){
		.rec = v,
		.out_kBps = kBps,
		.out_burst_kB = kBps ? daqs_tap_burst_kB(kBps) : 0,
		.release = release,
	};
	snprintf(w->vm, sizeof(w->vm), "%s", v->name);
	snprintf(w->uuid, sizeof(w->uuid), "%s", v->uuid);
	snprintf(w->dev, sizeof(w->dev), "%s", dev);
}

bool daqs_tapuse_release(const struct daqs_gvm *v, struct daqs_cycle_tap_write *w)
{
	if (!v->tap.dev[0] || v->state == DAQS_GUEST_GONE) /* a stopped domain's tap is gone */
		return false;
	if (v->tap.failing && v->tap.now_ns < v->tap.retry_ns)
		return false; /* a failed write or release: tried again after the retry time */
	write_of(v, v->tap.dev, 0, true, w);
	return true;
}

/*
 * Whether the guest holds the limit now (or needs none, or cannot hold one):
 * a tap that carried it is released only then (make before break, as on the
 * way in).
 */
static bool guest_holds(const struct daqs_gvm *v)
{
	if (v->state == DAQS_GUEST_RETIRING || v->target == DAQS_RATE_UNLIMITED ||
	    v->state == DAQS_GUEST_NO_EXEC || v->limited)
		return true;
	return v->in_force_known && v->in_force == v->target;
}

size_t daqs_tapuse_writes(const struct daqs_cycle *c, struct daqs_cycle_tap_write **out,
			  uint64_t now_ns)
{
	struct daqs_cycle_tap_write *w = daqs_calloc(2 * c->n + 1, sizeof(*w));
	size_t k = 0;

	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < c->n; i++) {
			struct daqs_gvm *v = c->v[i];
			bool use = v->tap.use && v->state != DAQS_GUEST_GONE;
			bool same = use && !strcmp(v->tap.want_dev, v->tap.dev);
			uint64_t kBps;

			v->tap.now_ns = now_ns;
			if (pass == 0 && v->tap.dev[0] && !same && !v->tap.waiting) {
				if (v->state == DAQS_GUEST_GONE)
					v->tap.dev[0] = '\0'; /* a stopped domain's tap is gone */
				else if (!guest_holds(v) && daqs_tapuse_dev(v)[0])
					; /* kept until the guest has the limit */
				else if (daqs_tapuse_release(v, &w[k]))
					k++;
			}
			if (pass != 1 || !use)
				continue;
			kBps = daqs_tap_kBps(v->pv.limit_bps);
			if (same && kBps == v->tap.kBps && !v->tap.failing)
				continue;
			write_of(v, v->tap.want_dev, kBps, false, &w[k++]);
		}
	*out = w;
	return k;
}

void daqs_tapuse_outcome(const struct daqs_cycle *c, struct daqs_gvm *v,
			 const struct daqs_cycle_tap_write *w, uint64_t now_ns)
{
	char a[32] = "no cap";

	if (w->r < 0 && w->release && (w->r == -ENOENT || w->r == -ENODEV)) {
		v->tap.dev[0] = '\0'; /* the domain or its NIC is gone: nothing left to undo */
		v->tap.kBps = 0;
		v->tap.failing = false;
		return;
	}
	if (w->r < 0) {
		if (v->tap.failing) /* a retry */
			daqs_cycle_log(c, DAQS_LOG_DEBUG,
				       "guest '%s': tap '%s' still refused (%s); next try in 30 s",
				       v->name, w->dev, w->msg[0] ? w->msg : strerror(-w->r));
		if (!v->tap.failing)
			daqs_cycle_log(
				c, DAQS_LOG_WARNING,
				"guest '%s': cannot %s the transmit rate of its tap '%s' through "
				"libvirt (%s)%s",
				v->name, w->release ? "reset" : "set", w->dev,
				w->msg[0] ? w->msg : strerror(-w->r),
				w->release ? ""
					   : "; its limit goes into the guest where the agent can, "
					     "the tap is tried again every 30 s");
		v->tap.failing = true;
		/* libvirt clears the tap's qdiscs before it sets new ones: after a failure
		 * its cap is not known; the tap stays ours to release */
		snprintf(v->tap.dev, sizeof(v->tap.dev), "%s", w->dev);
		v->tap.kBps = 0;
		snprintf(v->tap.err, sizeof(v->tap.err), "%.159s",
			 w->msg[0] ? w->msg : strerror(-w->r));
		v->tap.retry_ns = now_ns + DAQS_CYCLE_TAP_RETRY_NS;
		if (!w->release && v->eff.enforce == DAQS_ENFORCE_HOST) /* the policy must know */
			daqs_policy_vm_in_force(&v->pv, v->in_force_known ? v->in_force
									  : DAQS_RATE_UNLIMITED);
		return;
	}
	if (v->tap.failing && !w->release)
		daqs_cycle_log(c, DAQS_LOG_NOTICE, "guest '%s': its tap '%s' takes its rate again",
			       v->name, w->dev);
	v->tap.failing = false;
	if (w->release) {
		v->tap.dev[0] = '\0';
		v->tap.kBps = 0;
		daqs_cycle_log(c, DAQS_LOG_DEBUG, "guest '%s': tap '%s' released (no cap)", v->name,
			       w->dev);
		return;
	}
	snprintf(v->tap.dev, sizeof(v->tap.dev), "%s", w->dev);
	v->tap.kBps = w->out_kBps;
	if (w->out_kBps)
		snprintf(a, sizeof(a), "%llu kB/s", (unsigned long long)w->out_kBps);
	daqs_cycle_log(c, DAQS_LOG_DEBUG, "guest '%s': tap '%s' capped at %s outbound (%s)",
		       v->name, w->dev, a, v->tap.why);
}
