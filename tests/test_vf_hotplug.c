/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VF hot-plug adapter: the device XML, our aliases, and the worker's outcomes
 * against libvirt's test driver (which has no hot-plug: the errors are what
 * is checked; the real path runs in tests/integration/vf-hotplug.sh).
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "unit.h"
#include "vf_hotplug.h"

START_TEST(test_xml_hostdev)
{
	struct daqs_vf_hotplug_dev d = { .kind = DAQS_VF_POOL_HOSTDEV,
					 .slot = 3,
					 .pci = "0000:3b:02.1",
					 .mac = "52:54:00:18:01:0b" };
	char buf[512];

	ck_assert_int_eq(daqs_vf_hotplug_xml(&d, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "<interface type='hostdev' managed='yes'><source><address type='pci' "
			      "domain='0x0000' bus='0x3b' slot='0x02' function='0x1'/></source>"
			      "<mac address='52:54:00:18:01:0b'/><alias name='ua-daqs-vf3'/>"
			      "</interface>");
	ck_assert_int_eq(daqs_vf_hotplug_xml(&d, buf, 40), -ERANGE);
	strcpy(d.pci, "0000:3b:02.9"); /* function > 7 */
	ck_assert_int_eq(daqs_vf_hotplug_xml(&d, buf, sizeof(buf)), -EINVAL);
	strcpy(d.pci, "0000:3b:02.1'");
	ck_assert_int_eq(daqs_vf_hotplug_xml(&d, buf, sizeof(buf)), -EINVAL);
	strcpy(d.pci, "0000:3b:02.1");
	strcpy(d.mac, "52:54:00:18:01:0'");
	ck_assert_int_eq(daqs_vf_hotplug_xml(&d, buf, sizeof(buf)), -EINVAL);
}
END_TEST

START_TEST(test_xml_bridge)
{
	struct daqs_vf_hotplug_dev d = { .kind = DAQS_VF_POOL_BRIDGE,
					 .slot = 0,
					 .bridge = "daqstb0",
					 .mac = "52:54:00:18:01:0c" };
	char buf[512];

	ck_assert_int_eq(daqs_vf_hotplug_xml(&d, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "<interface type='bridge'><source bridge='daqstb0'/>"
			      "<mac address='52:54:00:18:01:0c'/><model type='virtio'/>"
			      "<alias name='ua-daqs-vf0'/></interface>");
	strcpy(d.bridge, "br0'/><x");
	ck_assert_int_eq(daqs_vf_hotplug_xml(&d, buf, sizeof(buf)), -EINVAL);
	strcpy(d.bridge, "br0'><x"); /* a valid interface name, not a valid attribute */
	ck_assert_int_eq(daqs_vf_hotplug_xml(&d, buf, sizeof(buf)), -EINVAL);
	d.bridge[0] = '\0';
	ck_assert_int_eq(daqs_vf_hotplug_xml(&d, buf, sizeof(buf)), -EINVAL);
}
END_TEST

START_TEST(test_alias)
{
	char a[32];
	size_t slot = 99;

	daqs_vf_hotplug_alias(12, a, sizeof(a));
	ck_assert_str_eq(a, "ua-daqs-vf12");
	ck_assert_int_eq(daqs_vf_hotplug_alias_slot("ua-daqs-vf12", &slot), 0);
	ck_assert_uint_eq(slot, 12);
	ck_assert_int_eq(daqs_vf_hotplug_alias_slot("ua-daqs-vf0", &slot), 0);
	ck_assert_uint_eq(slot, 0);
	ck_assert_int_eq(daqs_vf_hotplug_alias_slot("ua-daqs-vf", &slot), -ENOENT);
	ck_assert_int_eq(daqs_vf_hotplug_alias_slot("ua-daqs-vf01", &slot), -ENOENT);
	ck_assert_int_eq(daqs_vf_hotplug_alias_slot("ua-daqs-vf1x", &slot), -ENOENT);
	ck_assert_int_eq(daqs_vf_hotplug_alias_slot("ua-daqs-vf1024", &slot), -ENOENT);
	ck_assert_int_eq(daqs_vf_hotplug_alias_slot("ua-sriov-vf0", &slot), -ENOENT);
	ck_assert_int_eq(daqs_vf_hotplug_alias_slot("net0", &slot), -ENOENT);
	ck_assert_int_eq(daqs_vf_hotplug_alias_slot(NULL, &slot), -ENOENT);
}
END_TEST

START_TEST(test_xml_slots)
{
	const char *xml = "<domain><devices>"
			  "<interface type='bridge'><alias name='net0'/></interface>"
			  "<interface type='bridge'><alias name='ua-daqs-vf2'/></interface>"
			  "<interface type='hostdev'><alias name=\"ua-daqs-vf7\"/></interface>"
			  "<interface type='hostdev'><alias name='ua-daqs-vfx'/></interface>"
			  "</devices></domain>";
	size_t slots[4], n;

	n = daqs_vf_hotplug_xml_slots(xml, slots, 4);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(slots[0], 2);
	ck_assert_uint_eq(slots[1], 7);
	ck_assert_uint_eq(daqs_vf_hotplug_xml_slots(xml, slots, 1), 1);
	ck_assert_uint_eq(daqs_vf_hotplug_xml_slots("<domain/>", slots, 4), 0);
}
END_TEST

/* As libvirt shows them in a live domain XML. */
static const char *live_xml =
	"<domain type='qemu' id='7'>\n  <devices>\n"
	"    <interface type='bridge'>\n      <mac address='52:54:00:18:01:0b'/>\n"
	"      <source bridge='daqstb0'/>\n      <target dev='daqstb-g1'/>\n"
	"      <model type='virtio'/>\n      <alias name='net0'/>\n"
	"      <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>\n"
	"    </interface>\n"
	"    <interface type='bridge'>\n      <mac address='52:54:00:18:01:0b'/>\n"
	"      <source bridge='daqstb0'/>\n      <target dev='vnet3'/>\n"
	"      <model type='virtio'/>\n      <alias name='ua-daqs-vf0'/>\n"
	"      <address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>\n"
	"    </interface>\n"
	"    <interface type='hostdev' managed='yes'>\n      <mac address='52:54:00:aa:bb:cc'/>\n"
	"      <driver name='vfio'/>\n      <source>\n"
	"        <address type='pci' domain='0x0000' bus='0x3b' slot='0x02' function='0x1'/>\n"
	"      </source>\n      <alias name='ua-daqs-vf3'/>\n"
	"      <address type='pci' domain='0x0000' bus='0x00' slot='0x06' function='0x0'/>\n"
	"    </interface>\n  </devices>\n</domain>\n";

START_TEST(test_xml_device)
{
	struct daqs_vf_hotplug_dev d;
	size_t slots[4];

	ck_assert_uint_eq(daqs_vf_hotplug_xml_slots(live_xml, slots, 4), 2);
	ck_assert_int_eq(daqs_vf_hotplug_xml_device(live_xml, 0, &d), 0);
	ck_assert_int_eq(d.kind, DAQS_VF_POOL_BRIDGE);
	ck_assert_str_eq(d.bridge, "daqstb0");
	ck_assert_str_eq(d.mac, "52:54:00:18:01:0b");
	ck_assert_uint_eq(d.slot, 0);
	ck_assert_int_eq(daqs_vf_hotplug_xml_device(live_xml, 3, &d), 0);
	ck_assert_int_eq(d.kind, DAQS_VF_POOL_HOSTDEV);
	ck_assert_str_eq(d.pci, "0000:3b:02.1"); /* the source, not the guest's address */
	ck_assert_str_eq(d.mac, "52:54:00:aa:bb:cc");
	ck_assert_int_eq(daqs_vf_hotplug_xml_device(live_xml, 1, &d), -ENOENT);
	ck_assert_int_eq(daqs_vf_hotplug_xml_device("<domain/>", 0, &d), -ENOENT);
}
END_TEST

/* ---- the worker, against the test driver ---- */

struct outcome {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int n;
	int err[4];
	enum daqs_vf_op op[4];
	char why[4][256];
};

static void on_done(void *ud, const struct daqs_vf_hotplug_result *r)
{
	struct outcome *o = ud;

	pthread_mutex_lock(&o->lock);
	if (o->n < 4) {
		o->err[o->n] = r->err;
		o->op[o->n] = r->op;
		snprintf(o->why[o->n], sizeof(o->why[0]), "%s", r->why);
		ck_assert(r->end_ns >= r->start_ns);
	}
	o->n++;
	pthread_cond_broadcast(&o->cond);
	pthread_mutex_unlock(&o->lock);
}

static void wait_n(struct outcome *o, int n)
{
	pthread_mutex_lock(&o->lock);
	while (o->n < n)
		pthread_cond_wait(&o->cond, &o->lock);
	pthread_mutex_unlock(&o->lock);
}

START_TEST(test_worker_errors)
{
	struct outcome o = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
	struct daqs_vf_hotplug *p = daqs_vf_hotplug_new("test:///default", on_done, &o);
	struct daqs_vf_hotplug_dev d = {
		.kind = DAQS_VF_POOL_BRIDGE, .slot = 1, .bridge = "br0", .mac = "52:54:00:00:00:01"
	};

	ck_assert_ptr_nonnull(p);
	/* no such domain */
	daqs_vf_hotplug_submit(p, DAQS_VF_PLUG, "no-such-vm", &d);
	/* the test driver's domain "test" exists, but has no device with our alias */
	daqs_vf_hotplug_submit(p, DAQS_VF_UNPLUG, "test", &d);
	/* an invalid device is refused before libvirt sees it */
	strcpy(d.mac, "bogus");
	daqs_vf_hotplug_submit(p, DAQS_VF_PLUG, "test", &d);
	wait_n(&o, 3);
	ck_assert_int_eq(o.err[0], -ENOENT);
	ck_assert_int_eq(o.op[0], DAQS_VF_PLUG);
	ck_assert_str_ne(o.why[0], ""); /* libvirt's message */
	ck_assert_int_lt(o.err[1], 0);	/* the test driver cannot detach: an error, never "done" */
	ck_assert_int_eq(o.op[1], DAQS_VF_UNPLUG);
	ck_assert_int_eq(o.err[2], -EINVAL);
	ck_assert_ptr_nonnull(strstr(o.why[2], "slot 1"));
	daqs_vf_hotplug_free(p);
}
END_TEST

START_TEST(test_worker_unreachable)
{
	struct outcome o = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
	struct daqs_vf_hotplug *p =
		daqs_vf_hotplug_new("qemu+unix:///system?socket=/nonexistent/sock", on_done, &o);
	struct daqs_vf_hotplug_dev d = {
		.kind = DAQS_VF_POOL_BRIDGE, .slot = 0, .bridge = "br0", .mac = "52:54:00:00:00:01"
	};

	daqs_vf_hotplug_submit(p, DAQS_VF_PLUG, "vm", &d);
	wait_n(&o, 1);
	ck_assert_int_eq(o.err[0], -ECONNREFUSED);
	ck_assert_str_ne(o.why[0], "");
	daqs_vf_hotplug_free(p);
}
END_TEST

Suite *daqs_test_vf_hotplug_suite(void)
{
	Suite *s = suite_create("vf_hotplug");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_xml_hostdev);
	tcase_add_test(tc, test_xml_bridge);
	tcase_add_test(tc, test_alias);
	tcase_add_test(tc, test_xml_slots);
	tcase_add_test(tc, test_xml_device);
	tcase_add_test(tc, test_worker_errors);
	tcase_add_test(tc, test_worker_unreachable);
	suite_add_tcase(s, tc);
	return s;
}
