/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "devlink.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/devlink.h>
#include <linux/netlink.h>
#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "mem.h"
#include "pf_netlink.h" /* daqs_pf_nlerr_errno */

struct daqs_devlink {
	struct nl_sock *sk;
	int family;
	int sys_err;   /* errno of the kernel's last error ack (positive), 0 = none */
	char why[256]; /* the kernel's extended-ack message for it */
};

/* Only the attributes read here; nla_parse checks their types and lengths. */
static struct nla_policy policy[DEVLINK_ATTR_MAX + 1] = {
	[DEVLINK_ATTR_BUS_NAME] = { .type = NLA_STRING },
	[DEVLINK_ATTR_DEV_NAME] = { .type = NLA_STRING },
	[DEVLINK_ATTR_PORT_INDEX] = { .type = NLA_U32 },
	[DEVLINK_ATTR_PORT_FLAVOUR] = { .type = NLA_U16 },
	[DEVLINK_ATTR_PORT_NETDEV_NAME] = { .type = NLA_STRING },
	[DEVLINK_ATTR_PORT_PCI_PF_NUMBER] = { .type = NLA_U16 },
	[DEVLINK_ATTR_PORT_PCI_VF_NUMBER] = { .type = NLA_U16 },
	[DEVLINK_ATTR_RATE_TYPE] = { .type = NLA_U16 },
	[DEVLINK_ATTR_RATE_TX_SHARE] = { .type = NLA_U64 },
	[DEVLINK_ATTR_RATE_TX_MAX] = { .type = NLA_U64 },
	[DEVLINK_ATTR_RATE_NODE_NAME] = { .type = NLA_STRING },
	[DEVLINK_ATTR_RATE_PARENT_NODE_NAME] = { .type = NLA_STRING },
};

const char *daqs_devlink_why(const struct daqs_devlink *dl)
{
	return dl ? dl->why : "";
}

/* bounded copy of a string attribute (the policy made it NUL-terminated) */
static void get_str(struct nlattr *a, char *dst, size_t len)
{
	snprintf(dst, len, "%s", a ? nla_get_string(a) : "");
}

static int parse(struct nlmsghdr *h, struct nlattr **tb)
{
	if (genlmsg_parse(h, 0, tb, DEVLINK_ATTR_MAX, policy) < 0)
		return -EPROTO;
	if (!tb[DEVLINK_ATTR_BUS_NAME] || !tb[DEVLINK_ATTR_DEV_NAME])
		return -EPROTO;
	return 0;
}

int daqs_devlink_parse_port(struct nlmsghdr *h, struct daqs_devlink_port *out)
{
	struct nlattr *tb[DEVLINK_ATTR_MAX + 1];

	memset(out, 0, sizeof(*out));
	if (parse(h, tb) || !tb[DEVLINK_ATTR_PORT_INDEX])
		return -EPROTO;
	get_str(tb[DEVLINK_ATTR_BUS_NAME], out->bus, sizeof(out->bus));
	get_str(tb[DEVLINK_ATTR_DEV_NAME], out->dev, sizeof(out->dev));
	get_str(tb[DEVLINK_ATTR_PORT_NETDEV_NAME], out->netdev, sizeof(out->netdev));
	out->index = nla_get_u32(tb[DEVLINK_ATTR_PORT_INDEX]);
	out->flavour = tb[DEVLINK_ATTR_PORT_FLAVOUR] ? nla_get_u16(tb[DEVLINK_ATTR_PORT_FLAVOUR])
						     : -1;
	if ((out->have_pf = tb[DEVLINK_ATTR_PORT_PCI_PF_NUMBER] != NULL))
		out->pf = nla_get_u16(tb[DEVLINK_ATTR_PORT_PCI_PF_NUMBER]);
	if ((out->have_vf = tb[DEVLINK_ATTR_PORT_PCI_VF_NUMBER] != NULL))
		out->vf = nla_get_u16(tb[DEVLINK_ATTR_PORT_PCI_VF_NUMBER]);
	return 0;
}

int daqs_devlink_parse_rate(struct nlmsghdr *h, struct daqs_devlink_rate *out)
{
	struct nlattr *tb[DEVLINK_ATTR_MAX + 1];
	uint16_t type;

	memset(out, 0, sizeof(*out));
	if (parse(h, tb) || !tb[DEVLINK_ATTR_RATE_TYPE])
		return -EPROTO;
	type = nla_get_u16(tb[DEVLINK_ATTR_RATE_TYPE]);
	if (type == DEVLINK_RATE_TYPE_LEAF) {
		if (!tb[DEVLINK_ATTR_PORT_INDEX])
			return -EPROTO;
		out->leaf = true;
		out->port = nla_get_u32(tb[DEVLINK_ATTR_PORT_INDEX]);
	} else if (type == DEVLINK_RATE_TYPE_NODE) {
		if (!tb[DEVLINK_ATTR_RATE_NODE_NAME])
			return -EPROTO;
		get_str(tb[DEVLINK_ATTR_RATE_NODE_NAME], out->node, sizeof(out->node));
	} else {
		return -EPROTO;
	}
	get_str(tb[DEVLINK_ATTR_BUS_NAME], out->bus, sizeof(out->bus));
	get_str(tb[DEVLINK_ATTR_DEV_NAME], out->dev, sizeof(out->dev));
	get_str(tb[DEVLINK_ATTR_RATE_PARENT_NODE_NAME], out->parent, sizeof(out->parent));
	if (tb[DEVLINK_ATTR_RATE_TX_SHARE])
		out->tx_share = nla_get_u64(tb[DEVLINK_ATTR_RATE_TX_SHARE]);
	if (tb[DEVLINK_ATTR_RATE_TX_MAX])
		out->tx_max = nla_get_u64(tb[DEVLINK_ATTR_RATE_TX_MAX]);
	return 0;
}

const char *daqs_devlink_rate_name(const struct daqs_devlink_rate *r, char *buf, size_t len)
{
	if (r->leaf)
		snprintf(buf, len, "%s/%s/%" PRIu32, r->bus, r->dev, r->port);
	else
		snprintf(buf, len, "%s/%s/%s", r->bus, r->dev, r->node);
	return buf;
}

/*
 * The kernel's errno and its extended-ack message, before libnl folds the
 * error into an NLE_* code. e is the payload of the NLMSG_ERROR message.
 */
static int err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct daqs_devlink *dl = arg;
	struct nlmsghdr *h = (void *)((char *)e - NLMSG_HDRLEN); /* e is its payload */
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = sizeof(*e), total;

	(void)nla;
	dl->sys_err = e->error < 0 ? -e->error : e->error;
	dl->why[0] = '\0';
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS) || h->nlmsg_len < NLMSG_HDRLEN)
		return NL_STOP;
	if (!(h->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len >= NLMSG_HDRLEN)
		off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	total = h->nlmsg_len - NLMSG_HDRLEN;
	if (off >= total)
		return NL_STOP;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (void *)((char *)e + off), (int)(total - off), NULL) ==
		    0 &&
	    tb[NLMSGERR_ATTR_MSG] && nla_len(tb[NLMSGERR_ATTR_MSG]) > 0) {
		const char *m = nla_data(tb[NLMSGERR_ATTR_MSG]);

		snprintf(dl->why, sizeof(dl->why), "%.*s", nla_len(tb[NLMSGERR_ATTR_MSG]), m);
		dl->why[strcspn(dl->why, "\n")] = '\0';
	}
	return NL_STOP; /* libnl then returns -nl_syserr2nlerr(e->error) */
}

static int fail(struct daqs_devlink *dl, int nlerr)
{
	int e = daqs_pf_nlerr_errno(nlerr, dl->sys_err);

	dl->sys_err = 0;
	return e;
}

int daqs_devlink_open(struct daqs_devlink **out)
{
	struct daqs_devlink *dl = daqs_calloc(1, sizeof(*dl));
	int one = 1, r;

	dl->sk = nl_socket_alloc();
	if (!dl->sk)
		abort(); /* house rule: allocation failure aborts */
	nl_socket_modify_err_cb(dl->sk, NL_CB_CUSTOM, err_cb, dl);
	r = genl_connect(dl->sk);
	if (r < 0) {
		r = daqs_pf_nlerr_errno(r, 0);
		goto out;
	}
	/* the kernel's message for a refusal, and acks without the request echoed */
	(void)setsockopt(nl_socket_get_fd(dl->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(nl_socket_get_fd(dl->sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	dl->family = genl_ctrl_resolve(dl->sk, DEVLINK_GENL_NAME);
	if (dl->family < 0) {
		r = dl->family == -NLE_OBJ_NOTFOUND ? -EOPNOTSUPP
						    : daqs_pf_nlerr_errno(dl->family, 0);
		goto out;
	}
	*out = dl;
	return 0;
out:
	daqs_devlink_close(dl);
	return r;
}

void daqs_devlink_close(struct daqs_devlink *dl)
{
	if (!dl)
		return;
	nl_socket_free(dl->sk);
	free(dl);
}

static struct nl_msg *new_msg(struct daqs_devlink *dl, uint8_t cmd, int flags)
{
	struct nl_msg *m = nlmsg_alloc();

	if (!m || !genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, dl->family, 0, flags, cmd,
			       DEVLINK_GENL_VERSION))
		abort();
	return m;
}

/* the handle attributes every request of an instance carries */
static int put_handle(struct nl_msg *m, const char *bus, const char *dev)
{
	if (!bus || !dev || !*bus || !*dev || strlen(bus) >= DAQS_DEVLINK_NAME_MAX ||
	    strlen(dev) >= DAQS_DEVLINK_NAME_MAX)
		return -EINVAL;
	if (nla_put_string(m, DEVLINK_ATTR_BUS_NAME, bus) < 0 ||
	    nla_put_string(m, DEVLINK_ATTR_DEV_NAME, dev) < 0)
		return -EMSGSIZE;
	return 0;
}

static int put_node(struct nl_msg *m, const char *bus, const char *dev, const char *name)
{
	int r = put_handle(m, bus, dev);

	if (r)
		return r;
	if (!name || !*name || strlen(name) >= DAQS_DEVLINK_NAME_MAX)
		return -EINVAL;
	return nla_put_string(m, DEVLINK_ATTR_RATE_NODE_NAME, name) < 0 ? -EMSGSIZE : 0;
}

static int put_port(struct nl_msg *m, const struct daqs_devlink_port *p)
{
	int r = put_handle(m, p->bus, p->dev);

	if (r)
		return r;
	return nla_put_u32(m, DEVLINK_ATTR_PORT_INDEX, p->index) < 0 ? -EMSGSIZE : 0;
}

static int put_rates(struct nl_msg *m, uint64_t tx_share, uint64_t tx_max)
{
	if (nla_put_u64(m, DEVLINK_ATTR_RATE_TX_SHARE, tx_share) < 0 ||
	    nla_put_u64(m, DEVLINK_ATTR_RATE_TX_MAX, tx_max) < 0)
		return -EMSGSIZE;
	return 0;
}

/* A collector of parsed replies: one array grown by each valid message. */
struct collect {
	int (*parse)(struct nlmsghdr *h, void *out);
	size_t size, n, cap;
	void *items;
	int err;
};

static int valid_cb(struct nl_msg *msg, void *arg)
{
	struct collect *c = arg;

	daqs_grow(&c->items, &c->cap, c->n + 1, c->size);
	if (c->parse(nlmsg_hdr(msg), (char *)c->items + c->n * c->size) == 0)
		c->n++;
	else
		c->err = -EPROTO;
	return NL_OK;
}

static int ack_cb(struct nl_msg *msg, void *arg)
{
	(void)msg;
	*(bool *)arg = true;
	return NL_STOP;
}

/*
 * Read up to the request's ack (or its error). Not nl_wait_for_ack: that
 * returns after the first batch read, which for a request with a reply is
 * the reply alone, and its ack would then be read as the next request's.
 */
static int until_ack(struct nl_sock *sk)
{
	struct nl_cb *base = nl_socket_get_cb(sk), *cb = nl_cb_clone(base);
	bool acked = false;
	int r = 0;

	if (!cb)
		abort();
	nl_cb_put(base);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, ack_cb, &acked);
	while (!acked && r >= 0)
		r = nl_recvmsgs(sk, cb);
	nl_cb_put(cb);
	return r < 0 ? r : 0;
}

/*
 * Send m (freed here) and read the replies into c (NULL: none expected),
 * up to the dump's end or the request's ack. 0 or -errno.
 */
static int transact(struct daqs_devlink *dl, struct nl_msg *m, struct collect *c, bool dump)
{
	int r;

	dl->sys_err = 0;
	dl->why[0] = '\0';
	if (c)
		nl_socket_modify_cb(dl->sk, NL_CB_VALID, NL_CB_CUSTOM, valid_cb, c);
	else
		nl_socket_modify_cb(dl->sk, NL_CB_VALID, NL_CB_DEFAULT, NULL, NULL);
	r = nl_send_auto(dl->sk, m);
	nlmsg_free(m);
	if (r >= 0)
		r = dump ? nl_recvmsgs_default(dl->sk) : until_ack(dl->sk);
	nl_socket_modify_cb(dl->sk, NL_CB_VALID, NL_CB_DEFAULT, NULL, NULL);
	if (r < 0)
		return fail(dl, r);
	return c ? c->err : 0;
}

static int parse_port_cb(struct nlmsghdr *h, void *out)
{
	return daqs_devlink_parse_port(h, out);
}

static int parse_rate_cb(struct nlmsghdr *h, void *out)
{
	return daqs_devlink_parse_rate(h, out);
}

/* A dump of cmd into a malloc'd array (*items, *n), each reply by parse_one; 0 or -errno. */
static int dump(struct daqs_devlink *dl, uint8_t cmd, int (*parse_one)(struct nlmsghdr *, void *),
		size_t size, void **items, size_t *n)
{
	struct collect c = { .parse = parse_one, .size = size };
	int r = transact(dl, new_msg(dl, cmd, NLM_F_DUMP), &c, true);

	*items = r ? NULL : c.items;
	*n = r ? 0 : c.n;
	if (r)
		free(c.items);
	return r;
}

int daqs_devlink_ports(struct daqs_devlink *dl, struct daqs_devlink_port **ports, size_t *n)
{
	return dump(dl, DEVLINK_CMD_PORT_GET, parse_port_cb, sizeof(**ports), (void **)ports, n);
}

int daqs_devlink_rates(struct daqs_devlink *dl, struct daqs_devlink_rate **rates, size_t *n)
{
	return dump(dl, DEVLINK_CMD_RATE_GET, parse_rate_cb, sizeof(**rates), (void **)rates, n);
}

int daqs_devlink_match_vf(const struct daqs_devlink_port *ports, size_t n, const char *pf,
			  uint32_t vf, struct daqs_devlink_port *out)
{
	const struct daqs_devlink_port *own = NULL, *hit = NULL;
	size_t hits = 0;

	for (size_t i = 0; i < n && !own; i++)
		if (pf && *pf && !strcmp(ports[i].netdev, pf))
			own = &ports[i];
	if (!own)
		return -ENODEV;
	for (size_t i = 0; i < n; i++) {
		const struct daqs_devlink_port *p = &ports[i];

		if (p->flavour != DEVLINK_PORT_FLAVOUR_PCI_VF || !p->have_vf || p->vf != vf ||
		    strcmp(p->bus, own->bus) || strcmp(p->dev, own->dev))
			continue;
		if (own->have_pf && p->have_pf && p->pf != own->pf)
			continue; /* another PF's VF on a shared instance */
		hit = p;
		hits++;
	}
	if (!hit)
		return -ENOENT;
	if (hits > 1)
		return -ENOTUNIQ;
	*out = *hit;
	return 0;
}

int daqs_devlink_find_vf(struct daqs_devlink *dl, const char *pf, uint32_t vf,
			 struct daqs_devlink_port *out)
{
	struct daqs_devlink_port *ports;
	size_t n;
	int r = daqs_devlink_ports(dl, &ports, &n);

	if (r)
		return r;
	r = daqs_devlink_match_vf(ports, n, pf, vf, out);
	free(ports);
	return r;
}

/* One rate object by its handle (m holds the request); exactly one reply. */
static int rate_get(struct daqs_devlink *dl, struct nl_msg *m, struct daqs_devlink_rate *out)
{
	struct collect c = { .parse = parse_rate_cb, .size = sizeof(*out) };
	int r = transact(dl, m, &c, false);

	if (r == 0 && c.n != 1)
		r = -EPROTO;
	if (r == 0)
		*out = *(struct daqs_devlink_rate *)c.items;
	free(c.items);
	return r;
}

int daqs_devlink_leaf_get(struct daqs_devlink *dl, const struct daqs_devlink_port *p,
			  struct daqs_devlink_rate *out)
{
	struct nl_msg *m = new_msg(dl, DEVLINK_CMD_RATE_GET, NLM_F_ACK);
	int r = put_port(m, p);

	if (r) {
		nlmsg_free(m);
		return r;
	}
	return rate_get(dl, m, out);
}

int daqs_devlink_node_get(struct daqs_devlink *dl, const char *bus, const char *dev,
			  const char *name, struct daqs_devlink_rate *out)
{
	struct nl_msg *m = new_msg(dl, DEVLINK_CMD_RATE_GET, NLM_F_ACK);
	int r = put_node(m, bus, dev, name);

	if (r) {
		nlmsg_free(m);
		return r;
	}
	return rate_get(dl, m, out);
}

/* Send a request built as far as its handle, with an ack and no reply. */
static int command(struct daqs_devlink *dl, struct nl_msg *m, int built)
{
	if (built) {
		nlmsg_free(m);
		return built;
	}
	return transact(dl, m, NULL, false);
}

int daqs_devlink_leaf_set(struct daqs_devlink *dl, const struct daqs_devlink_port *p,
			  uint64_t tx_share, uint64_t tx_max)
{
	struct nl_msg *m = new_msg(dl, DEVLINK_CMD_RATE_SET, NLM_F_ACK);
	int r = put_port(m, p);

	return command(dl, m, r ? r : put_rates(m, tx_share, tx_max));
}

int daqs_devlink_leaf_parent(struct daqs_devlink *dl, const struct daqs_devlink_port *p,
			     const char *parent)
{
	struct nl_msg *m = new_msg(dl, DEVLINK_CMD_RATE_SET, NLM_F_ACK);
	int r = put_port(m, p);

	if (!r && (!parent || strlen(parent) >= DAQS_DEVLINK_NAME_MAX))
		r = -EINVAL;
	/* an empty name takes the leaf out of its node */
	if (!r && nla_put_string(m, DEVLINK_ATTR_RATE_PARENT_NODE_NAME, parent) < 0)
		r = -EMSGSIZE;
	return command(dl, m, r);
}

int daqs_devlink_node_new(struct daqs_devlink *dl, const char *bus, const char *dev,
			  const char *name)
{
	struct nl_msg *m = new_msg(dl, DEVLINK_CMD_RATE_NEW, NLM_F_ACK);

	return command(dl, m, put_node(m, bus, dev, name));
}

int daqs_devlink_node_set(struct daqs_devlink *dl, const char *bus, const char *dev,
			  const char *name, uint64_t tx_share, uint64_t tx_max)
{
	struct nl_msg *m = new_msg(dl, DEVLINK_CMD_RATE_SET, NLM_F_ACK);
	int r = put_node(m, bus, dev, name);

	return command(dl, m, r ? r : put_rates(m, tx_share, tx_max));
}

int daqs_devlink_node_del(struct daqs_devlink *dl, const char *bus, const char *dev,
			  const char *name)
{
	struct nl_msg *m = new_msg(dl, DEVLINK_CMD_RATE_DEL, NLM_F_ACK);

	return command(dl, m, put_node(m, bus, dev, name));
}
