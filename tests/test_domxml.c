/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A domain XML's NICs (lib/core/domxml.h): live XML, hostdev NICs, decoys, hostile input. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domxml.h"
#include "unit.h"

static struct daqs_domxml_nics nics;

/* A live XML: every NIC under <devices>, in order, with its tap; nothing from metadata,
 * comments, CDATA or the channel's <target>. */
START_TEST(test_live_xml)
{
	char *xml = daqs_test_data(NULL, "libvirt/live-two-nics.xml");

	ck_assert_int_eq(daqs_domxml_nics(xml, &nics), 0);
	ck_assert_uint_eq(nics.n, 3);
	ck_assert_uint_eq(nics.n_seen, 3);
	ck_assert_str_eq(nics.v[0].type, "bridge");
	ck_assert_str_eq(nics.v[0].mac, "52:54:00:da:00:11"); /* lower-cased */
	ck_assert_str_eq(nics.v[0].dev, "daqstb-g1");
	ck_assert_str_eq(nics.v[1].type, "network");
	ck_assert_str_eq(nics.v[1].mac, "52:54:00:da:00:12");
	ck_assert_str_eq(nics.v[1].dev, "vnet7");
	ck_assert_str_eq(nics.v[2].type, "hostdev");
	ck_assert_str_eq(nics.v[2].mac, "52:54:00:da:00:13");
	ck_assert_str_eq(nics.v[2].dev, ""); /* no tap: the channel's <target> is not its */
	ck_assert_str_eq(daqs_domxml_first_mac(&nics), "52:54:00:da:00:11");
	ck_assert_str_eq(daqs_domxml_find_mac(&nics, "52:54:00:DA:00:12")->dev, "vnet7");
	ck_assert_ptr_null(daqs_domxml_find_mac(&nics, "52:54:00:de:ad:01")); /* metadata's */
	ck_assert_ptr_null(daqs_domxml_find_mac(&nics, "52:54:00:de:ad:02")); /* CDATA's */
	ck_assert_ptr_null(daqs_domxml_find_mac(&nics, "52:54:00:de:ad:03")); /* comment's */
	ck_assert_uint_eq(nics.n_hostdev, 0);
	free(xml);
	/* a VF passed as a plain PCI <hostdev>: counted (the tap is then not all its traffic) */
	ck_assert_int_eq(daqs_domxml_nics("<domain><devices><hostdev mode='subsystem' type='pci'>"
					  "<source/></hostdev></devices><hostdev/></domain>",
					  &nics),
			 0);
	ck_assert_uint_eq(nics.n_hostdev, 1);
}
END_TEST

static const struct {
	const char *xml;
	int r;
	size_t n;
	const char *mac, *dev; /* of the first NIC */
} cases[] = {
	/* an interface outside domain/devices does not count */
	{ "<interface type='x'><mac address='52:54:00:00:00:01'/><target dev='t0'/></interface>", 0,
	  0, NULL, NULL },
	{ "<domain><interface type='x'><mac address='52:54:00:00:00:01'/></interface></domain>", 0,
	  0, NULL, NULL },
	{ "<domain><devices><hub><interface type='x'><mac address='52:54:00:00:00:01'/>"
	  "</interface></hub></devices></domain>",
	  0, 0, NULL, NULL },
	/* nor a <mac>/<target> nested deeper than the interface's own children */
	{ "<domain><devices><interface type='x'><source><target dev='t9'/></source>"
	  "<mac address='52:54:00:00:00:01'/></interface></devices></domain>",
	  0, 1, "52:54:00:00:00:01", "" },
	/* empty elements, a '>' inside a quoted value, attributes in any order, spaces */
	{ "<domain><devices><interface type = \"a>b\" ><target   dev = 'tap-1' /><mac "
	  "foo='1' address='52:54:00:00:00:02'/></interface><interface type='user'/></devices>"
	  "</domain>",
	  0, 2, "52:54:00:00:00:02", "tap-1" },
	/* the first <mac> and <target> count */
	{ "<domain><devices><interface><mac address='52:54:00:00:00:03'/><mac "
	  "address='52:54:00:00:00:04'/><target dev='a'/><target dev='b'/></interface></devices>"
	  "</domain>",
	  0, 1, "52:54:00:00:00:03", "a" },
	/* values that are no MAC / no interface name are left out, not decoded */
	{ "<domain><devices><interface><mac address='52:54:00:0:0:1'/><target "
	  "dev='../../etc'/></interface></devices></domain>",
	  0, 1, "", "" },
	{ "<domain><devices><interface><mac address='52:54:00:00:00:01\"/><target "
	  "dev='t&amp;1'/></interface></devices></domain>",
	  -EPROTO, 0, NULL, NULL }, /* mismatched quote: the tag never ends */
	{ "<domain><devices><interface><target dev='t&amp;1'/><target dev='averyveryverylongname'/>"
	  "</interface></devices></domain>",
	  0, 1, "", "" },
	{ "<domain><devices><interface><target devx='t1' dev='t2'/></interface></devices></domain>",
	  0, 1, "", "t2" },
	/* not well-formed enough: refused, nothing kept */
	{ "<domain><devices><interface><mac address='52:54:00:00:00:01'/>", -EPROTO, 0, NULL,
	  NULL },
	{ "<domain></devices></domain></x>", -EPROTO, 0, NULL, NULL },
	{ "<domain><!-- never ends <interface>", -EPROTO, 0, NULL, NULL },
	{ "<domain>< interface/></domain>", -EPROTO, 0, NULL, NULL },
	{ "<domain><devices><interface type='x", -EPROTO, 0, NULL, NULL },
	{ "", 0, 0, NULL, NULL },
};

START_TEST(test_cases)
{
	int r = daqs_domxml_nics(cases[_i].xml, &nics);

	ck_assert_msg(r == cases[_i].r, "case %d: %d", _i, r);
	ck_assert_uint_eq(nics.n, cases[_i].n);
	if (cases[_i].mac) {
		ck_assert_str_eq(nics.v[0].mac, cases[_i].mac);
		ck_assert_str_eq(nics.v[0].dev, cases[_i].dev);
	}
}
END_TEST

/* More NICs than kept: the first DAQS_DOMXML_MAX_NICS, all counted; deep nesting is fine. */
START_TEST(test_bounds)
{
	size_t cap = 64 * 1024;
	char *xml = malloc(cap), *p = xml;

	p += sprintf(p, "<domain><devices>");
	for (int i = 0; i < 40; i++)
		p += sprintf(p,
			     "<interface type='bridge'><mac address='52:54:00:00:01:%02x'/>"
			     "<target dev='vnet%d'/></interface>",
			     i, i);
	for (int i = 0; i < 500; i++)
		p += sprintf(p, "<a>");
	for (int i = 0; i < 500; i++)
		p += sprintf(p, "</a>");
	sprintf(p, "</devices></domain>");
	ck_assert_int_eq(daqs_domxml_nics(xml, &nics), 0);
	ck_assert_uint_eq(nics.n, DAQS_DOMXML_MAX_NICS);
	ck_assert_uint_eq(nics.n_seen, 40);
	ck_assert_str_eq(nics.v[DAQS_DOMXML_MAX_NICS - 1].dev, "vnet31");
	free(xml);
}
END_TEST

/* The daqs element in <metadata>: as libvirt writes it, unprefixed, decoys, refusals. */
static const struct {
	const char *xml;
	bool present;
	unsigned refused;
	size_t n;
	const char *elem, *key0, *val0;
} metas[] = {
	/* as `virsh metadata --uri urn:daqs:sla:1 --key daqs --set '<sla .../>'` stores it */
	{ "<domain><metadata><app:x xmlns:app='http://example.org/app'><sla class='x'/></app:x>"
	  "<daqs:sla xmlns:daqs=\"urn:daqs:sla:1\" class=\"guarantee\" min='250mbit'/>"
	  "</metadata><devices/></domain>",
	  true, 0, 2, "sla", "class", "guarantee" },
	{ "<domain><metadata><sla xmlns='urn:daqs:sla:1' class='best-effort'></sla></metadata>"
	  "</domain>",
	  true, 0, 1, "sla", "class", "best-effort" },
	/* another namespace, or ours declared for its children only, or outside <metadata> */
	{ "<domain><metadata><daqs:sla xmlns:daqs='urn:other' class='g'/></metadata></domain>",
	  false, 0, 0, "", NULL, NULL },
	{ "<domain><metadata><o:w xmlns:o='urn:o' xmlns:daqs='urn:daqs:sla:1'/></metadata>"
	  "</domain>",
	  false, 0, 0, "", NULL, NULL },
	{ "<domain><devices><daqs:sla xmlns:daqs='urn:daqs:sla:1' class='g'/></devices></domain>",
	  false, 0, 0, "", NULL, NULL },
	/* its prefix bound by any of several declarations; an unprefixed element with only a
	 * prefixed declaration is not in it; xmlnsfoo is an attribute, not a declaration */
	{ "<domain><metadata><d:sla xmlns:d='urn:daqs:sla:1' xmlns='urn:daqs:sla:1' "
	  "xmlnsfoo='1'/></metadata></domain>",
	  true, 0, 1, "sla", "xmlnsfoo", "1" },
	{ "<domain><metadata><sla xmlns:d='urn:daqs:sla:1' class='g'/></metadata></domain>", false,
	  0, 0, "", NULL, NULL },
	/* refused: twice, content, too many attributes, too long a value */
	{ "<domain><metadata><a:sla xmlns:a='urn:daqs:sla:1' class='g'/>"
	  "<b:sla xmlns:b='urn:daqs:sla:1' class='b'/></metadata></domain>",
	  true, DAQS_SLA_META_TWICE, 1, "sla", "class", "g" },
	{ "<domain><metadata><d:sla xmlns:d='urn:daqs:sla:1'><min>1gbit</min></d:sla></metadata>"
	  "</domain>",
	  true, DAQS_SLA_META_CHILDREN, 0, "sla", NULL, NULL },
	{ "<domain><metadata><d:sla xmlns:d='urn:daqs:sla:1' a='1' b='1' c='1' d='1' e='1' f='1' "
	  "g='1' h='1' i='1' j='1' k='1' l='1' m='1'/></metadata></domain>",
	  true, DAQS_SLA_META_TOO_MANY, 12, "sla", "a", "1" },
	{ "<domain><metadata><d:sla xmlns:d='urn:daqs:sla:1' min='"
	  "1111111111111111111111111111111111111111111111111111111111111111111111111111111111111111"
	  "11111111111'/></metadata></domain>",
	  true, DAQS_SLA_META_TOO_LONG, 1, "sla", "min", "" },
};

START_TEST(test_metadata)
{
	const struct daqs_sla_meta *m = &nics.meta;

	ck_assert_int_eq(daqs_domxml_nics(metas[_i].xml, &nics), 0);
	ck_assert_int_eq(m->present, metas[_i].present);
	ck_assert_uint_eq(m->refused, metas[_i].refused);
	ck_assert_uint_eq(m->n, metas[_i].n);
	ck_assert_str_eq(m->elem, metas[_i].elem);
	if (metas[_i].key0 && metas[_i].refused != DAQS_SLA_META_TOO_LONG) {
		ck_assert_str_eq(m->key[0], metas[_i].key0);
		ck_assert_str_eq(m->val[0], metas[_i].val0);
	}
	if (_i == 0) { /* the other application's <sla> does not count */
		ck_assert_str_eq(m->key[1], "min");
		ck_assert_str_eq(m->val[1], "250mbit");
	}
}
END_TEST

Suite *daqs_test_domxml_suite(void)
{
	Suite *s = suite_create("domxml");
	TCase *tc = tcase_create("domxml");

	tcase_add_test(tc, test_live_xml);
	tcase_add_loop_test(tc, test_cases, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_bounds);
	tcase_add_loop_test(tc, test_metadata, 0, sizeof(metas) / sizeof(metas[0]));
	suite_add_tcase(s, tc);
	return s;
}
