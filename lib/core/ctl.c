/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control protocol codec (ctl.h) on json-c. Requests are parsed strictly
 * (every key known, every value typed and in range) because they come from
 * clients; a status reply is parsed field by field from the same tables that
 * wrote it, so format -> parse gives back the same struct.
 */
#include "ctl.h"
#include "diag.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "jsonline.h"
#include "mem.h"
#include "units.h"

#define FOR_S_MAX (30ULL * 24 * 3600) /* an override lasts at most 30 days */
#define KEY_SHOWN 64		      /* bytes of a client's key quoted in a reason */

/* ---- small helpers ---- */

/* A client's text quoted in a reason: bounded, control bytes as '?'. */
static void shown(char *dst, size_t cap, const char *s)
{
	size_t i = 0;

	for (; s[i] && i + 1 < cap; i++)
		dst[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	dst[i] = '\0';
}

/* One control line (jsonline.h) of at most max bytes: a JSON object, or NULL. */
static json_object *parse_object(const char *s, size_t len, size_t max)
{
	return daqs_jsonline_object_once(s, len, max, DAQS_CTL_MAX_DEPTH);
}

/* Serialise and release o: one line with '\n', or the indented form. */
static char *text_of(json_object *o, bool pretty)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
		    (pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
			    : JSON_C_TO_STRING_PLAIN);
	char *s = daqs_asprintf("%s\n", json_object_to_json_string_ext(o, flags));

	json_object_put(o);
	return s;
}

/* A JSON integer in lo..hi (json-c saturates out-of-range literals: the range refuses them). */
static bool uint_in(const json_object *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
	uint64_t u;

	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
		return false;
	u = json_object_get_uint64(v);
	if (u < lo || u > hi)
		return false;
	*out = u;
	return true;
}

/* ---- verbs ---- */

bool daqs_ctl_cmd_mutates(enum daqs_ctl_cmd c)
{
	switch (c) {
	case DAQS_CTL_STATUS:
	case DAQS_CTL_VF:
		return false;
	case DAQS_CTL_OVERRIDE:
	case DAQS_CTL_CLEAR:
	case DAQS_CTL_RELOAD:
		return true;
	}
	return true;
}

const char *daqs_ctl_cmd_name(enum daqs_ctl_cmd c)
{
	switch (c) {
	case DAQS_CTL_STATUS:
		return "status";
	case DAQS_CTL_OVERRIDE:
		return "override";
	case DAQS_CTL_CLEAR:
		return "clear";
	case DAQS_CTL_RELOAD:
		return "reload";
	case DAQS_CTL_VF:
		return "vf";
	}
	return "?";
}

static int cmd_of(const char *name, enum daqs_ctl_cmd *c)
{
	static const enum daqs_ctl_cmd all[] = { DAQS_CTL_STATUS, DAQS_CTL_OVERRIDE, DAQS_CTL_CLEAR,
						 DAQS_CTL_RELOAD, DAQS_CTL_VF };

	for (size_t i = 0; i < DAQS_ARRAY_SIZE(all); i++)
		if (!strcmp(name, daqs_ctl_cmd_name(all[i]))) {
			*c = all[i];
			return 0;
		}
	return -EINVAL;
}

/* ---- requests ---- */

static bool vm_name_ok(const char *s, size_t len)
{
	if (len == 0 || len > DAQS_SLA_NAME_MAX || strlen(s) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* Everything a request must satisfy, whoever built it (format and parse both check). */
int daqs_ctl_request_check(const struct daqs_ctl_request *rq, char *why, size_t n)
{
	bool want_vm = rq->cmd == DAQS_CTL_OVERRIDE || rq->cmd == DAQS_CTL_CLEAR;
	bool is_ovr = rq->cmd == DAQS_CTL_OVERRIDE;
	size_t vlen = strnlen(rq->vm, sizeof(rq->vm));

	if (!strcmp(daqs_ctl_cmd_name(rq->cmd), "?"))
		return daqs_why(why, n, -EINVAL, "unknown command %d", (int)rq->cmd);
	if (vlen && !vm_name_ok(rq->vm, vlen))
		return daqs_why(why, n, -EINVAL,
				"'vm' must be 1..%d bytes without control characters",
				DAQS_SLA_NAME_MAX);
	if ((rq->cmd == DAQS_CTL_RELOAD || rq->cmd == DAQS_CTL_VF) && vlen)
		return daqs_why(why, n, -EINVAL, "'%s' takes no 'vm'", daqs_ctl_cmd_name(rq->cmd));
	if (want_vm && !vlen)
		return daqs_why(why, n, -EINVAL, "'%s' needs 'vm'", daqs_ctl_cmd_name(rq->cmd));
	if (!is_ovr && (rq->has_class || rq->has_min || rq->has_max || rq->has_weight || rq->for_s))
		return daqs_why(why, n, -EINVAL, "'%s' takes no override fields",
				daqs_ctl_cmd_name(rq->cmd));
	if (!is_ovr)
		return 0;
	if (!rq->has_class && !rq->has_min && !rq->has_max && !rq->has_weight)
		return daqs_why(why, n, -EINVAL,
				"'override' needs at least one of class, min_bps, max_bps, "
				"weight");
	if (rq->has_class && rq->cls != DAQS_CLASS_GUARANTEE && rq->cls != DAQS_CLASS_BEST_EFFORT)
		return daqs_why(why, n, -EINVAL, "unknown class %d", (int)rq->cls);
	if (rq->has_min && (rq->min_bps < 1 || rq->min_bps > DAQS_RATE_MAX_BPS))
		return daqs_why(why, n, -EINVAL, "'min_bps' must be 1..%llu bit/s",
				(unsigned long long)DAQS_RATE_MAX_BPS);
	if (rq->has_max && rq->max_bps != DAQS_RATE_UNLIMITED &&
	    (rq->max_bps < 1 || rq->max_bps > DAQS_RATE_MAX_BPS))
		return daqs_why(why, n, -EINVAL, "'max_bps' must be 1..%llu bit/s or \"unlimited\"",
				(unsigned long long)DAQS_RATE_MAX_BPS);
	if (rq->has_weight && (rq->weight < 1 || rq->weight > DAQS_WEIGHT_MAX))
		return daqs_why(why, n, -EINVAL, "'weight' must be 1..%d", DAQS_WEIGHT_MAX);
	if (rq->for_s > FOR_S_MAX)
		return daqs_why(why, n, -EINVAL,
				"'for_s' must be 1..%llu seconds (absent: until cleared)",
				FOR_S_MAX);
	if (rq->has_min && rq->has_class && rq->cls == DAQS_CLASS_BEST_EFFORT)
		return daqs_why(why, n, -EINVAL, "'min_bps' is only for class guarantee");
	if (rq->has_min && rq->has_max && rq->max_bps < rq->min_bps)
		return daqs_why(why, n, -EINVAL, "'max_bps' is below 'min_bps'");
	return 0;
}

int daqs_ctl_request_format(const struct daqs_ctl_request *rq, char **line)
{
	json_object *o;

	*line = NULL;
	if (daqs_ctl_request_check(rq, NULL, 0))
		return -EINVAL;
	o = json_object_new_object();
	json_object_object_add(o, "cmd", json_object_new_string(daqs_ctl_cmd_name(rq->cmd)));
	if (rq->vm[0])
		json_object_object_add(o, "vm", json_object_new_string(rq->vm));
	if (rq->has_class)
		json_object_object_add(o, "class",
				       json_object_new_string(daqs_class_name(rq->cls)));
	if (rq->has_min)
		json_object_object_add(o, "min_bps", json_object_new_uint64(rq->min_bps));
	if (rq->has_max)
		json_object_object_add(o, "max_bps",
				       rq->max_bps == DAQS_RATE_UNLIMITED
					       ? json_object_new_string("unlimited")
					       : json_object_new_uint64(rq->max_bps));
	if (rq->has_weight)
		json_object_object_add(o, "weight", json_object_new_uint64(rq->weight));
	if (rq->for_s)
		json_object_object_add(o, "for_s", json_object_new_uint64(rq->for_s));
	*line = text_of(o, false);
	if (*line && strlen(*line) > DAQS_CTL_MAX_REQUEST) { /* cannot happen with checked fields */
		free(*line);
		*line = NULL;
		return -EINVAL;
	}
	return 0;
}

static int parse_vm(json_object *v, struct daqs_ctl_request *rq, char *why, size_t n)
{
	const char *s = json_object_get_string(v);
	size_t len = (size_t)json_object_get_string_len(v);

	if (!json_object_is_type(v, json_type_string) || !vm_name_ok(s, len))
		return daqs_why(why, n, -EINVAL,
				"'vm' must be a string of 1..%d bytes without control "
				"characters",
				DAQS_SLA_NAME_MAX);
	memcpy(rq->vm, s, len + 1);
	return 0;
}

static int parse_class(json_object *v, struct daqs_ctl_request *rq, char *why, size_t n)
{
	const char *s = json_object_get_string(v);

	if (!json_object_is_type(v, json_type_string))
		return daqs_why(why, n, -EINVAL,
				"'class' must be \"guarantee\" or \"best-effort\"");
	if (!strcmp(s, daqs_class_name(DAQS_CLASS_GUARANTEE)))
		rq->cls = DAQS_CLASS_GUARANTEE;
	else if (!strcmp(s, daqs_class_name(DAQS_CLASS_BEST_EFFORT)))
		rq->cls = DAQS_CLASS_BEST_EFFORT;
	else
		return daqs_why(why, n, -EINVAL,
				"'class' must be \"guarantee\" or \"best-effort\"");
	rq->has_class = true;
	return 0;
}

static int parse_number(json_object *v, const char *key, struct daqs_ctl_request *rq, char *why,
			size_t n)
{
	uint64_t u;

	if (!strcmp(key, "max_bps") && json_object_is_type(v, json_type_string) &&
	    !strcmp(json_object_get_string(v), "unlimited")) {
		rq->max_bps = DAQS_RATE_UNLIMITED;
		rq->has_max = true;
		return 0;
	}
	if (!strcmp(key, "min_bps") && uint_in(v, 1, DAQS_RATE_MAX_BPS, &u)) {
		rq->min_bps = u;
		rq->has_min = true;
	} else if (!strcmp(key, "max_bps") && uint_in(v, 1, DAQS_RATE_MAX_BPS, &u)) {
		rq->max_bps = u;
		rq->has_max = true;
	} else if (!strcmp(key, "weight") && uint_in(v, 1, DAQS_WEIGHT_MAX, &u)) {
		rq->weight = (uint32_t)u;
		rq->has_weight = true;
	} else if (!strcmp(key, "for_s") && uint_in(v, 1, FOR_S_MAX, &u)) {
		rq->for_s = u;
	} else if (!strcmp(key, "weight")) {
		return daqs_why(why, n, -EINVAL, "'weight' must be an integer 1..%d",
				DAQS_WEIGHT_MAX);
	} else if (!strcmp(key, "for_s")) {
		return daqs_why(why, n, -EINVAL, "'for_s' must be an integer 1..%llu (seconds)",
				FOR_S_MAX);
	} else {
		return daqs_why(why, n, -EINVAL, "'%s' must be an integer 1..%llu (bit/s)%s", key,
				(unsigned long long)DAQS_RATE_MAX_BPS,
				strcmp(key, "max_bps") ? "" : " or \"unlimited\"");
	}
	return 0;
}

/* Keys each verb accepts besides "cmd". */
static bool key_allowed(enum daqs_ctl_cmd c, const char *key)
{
	static const char *const ovr[] = { "vm", "class", "min_bps", "max_bps", "weight", "for_s" };

	switch (c) {
	case DAQS_CTL_STATUS:
	case DAQS_CTL_CLEAR:
		return !strcmp(key, "vm");
	case DAQS_CTL_RELOAD:
	case DAQS_CTL_VF:
		return false;
	case DAQS_CTL_OVERRIDE:
		for (size_t i = 0; i < DAQS_ARRAY_SIZE(ovr); i++)
			if (!strcmp(key, ovr[i]))
				return true;
		return false;
	}
	return false;
}

static int parse_key(const char *key, json_object *v, struct daqs_ctl_request *rq, char *why,
		     size_t n)
{
	char k[KEY_SHOWN];

	if (!strcmp(key, "cmd"))
		return 0;
	if (!key_allowed(rq->cmd, key)) {
		shown(k, sizeof(k), key);
		return daqs_why(why, n, -EINVAL, "unknown key '%s' for '%s'", k,
				daqs_ctl_cmd_name(rq->cmd));
	}
	if (!strcmp(key, "vm"))
		return parse_vm(v, rq, why, n);
	if (!strcmp(key, "class"))
		return parse_class(v, rq, why, n);
	return parse_number(v, key, rq, why, n);
}

int daqs_ctl_request_parse(const char *line, size_t len, struct daqs_ctl_request *out, char *why,
			   size_t why_len)
{
	struct daqs_ctl_request rq = { 0 };
	json_object *o = parse_object(line, len, DAQS_CTL_MAX_REQUEST), *c;
	char k[KEY_SHOWN];
	int r = 0;

	if (!o)
		return daqs_why(why, why_len, -EINVAL, "not one JSON object on one line");
	if (!json_object_object_get_ex(o, "cmd", &c) || !json_object_is_type(c, json_type_string))
		r = daqs_why(why, why_len, -EINVAL, "missing \"cmd\" (a string)");
	else if (cmd_of(json_object_get_string(c), &rq.cmd)) {
		shown(k, sizeof(k), json_object_get_string(c));
		r = daqs_why(why, why_len, -EINVAL,
			     "unknown command '%s' (status, override, clear, reload)", k);
	}
	json_object_object_foreach(o, key, v)
	{
		if (r == 0)
			r = parse_key(key, v, &rq, why, why_len);
	}
	json_object_put(o);
	if (r == 0)
		r = daqs_ctl_request_check(&rq, why, why_len);
	if (r == 0)
		*out = rq;
	return r;
}

/* ---- replies ---- */

char *daqs_ctl_reply_error(int err, const char *msg)
{
	int e = err < 0 ? -err : err;
	const char *name = strerrorname_np(e);
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "code", json_object_new_string(name ? name : "EUNKNOWN"));
	json_object_object_add(o, "error", json_object_new_string(msg ? msg : strerror(e)));
	return text_of(o, false);
}

char *daqs_ctl_reply_ok(void)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(1));
	return text_of(o, false);
}

static void copy_cut(char *dst, size_t cap, const char *src)
{
	if (dst && cap)
		snprintf(dst, cap, "%s", src);
}

int daqs_ctl_reply_parse(const char *line, size_t len, char *code, size_t code_len, char *msg,
			 size_t msg_len)
{
	json_object *o = parse_object(line, len, DAQS_CTL_MAX_LINE), *ok, *c, *e;
	int r = 0;

	copy_cut(code, code_len, "");
	copy_cut(msg, msg_len, "");
	if (!o)
		return daqs_why(msg, msg_len, -EINVAL, "reply is not one JSON object on one line");
	if (!json_object_object_get_ex(o, "ok", &ok) || !json_object_is_type(ok, json_type_boolean))
		r = daqs_why(msg, msg_len, -EINVAL, "reply has no \"ok\" (a boolean)");
	else if (!json_object_get_boolean(ok)) {
		if (!json_object_object_get_ex(o, "code", &c) ||
		    !json_object_is_type(c, json_type_string) ||
		    !json_object_object_get_ex(o, "error", &e) ||
		    !json_object_is_type(e, json_type_string)) {
			r = daqs_why(msg, msg_len, -EINVAL,
				     "error reply without \"code\" and \"error\" strings");
		} else {
			copy_cut(code, code_len, json_object_get_string(c));
			copy_cut(msg, msg_len, json_object_get_string(e));
			r = -EREMOTEIO;
		}
	}
	json_object_put(o);
	return r;
}

/* ---- status: field tables ---- */

#define F(rec, member, hdr, t)                                                                 \
	{                                                                                      \
		.key = #member, .header = hdr, .type = t, .off = offsetof(struct rec, member), \
		.size = sizeof(((struct rec *)0)->member)                                      \
	}

const struct daqs_ctl_field daqs_ctl_vm_fields[] = {
	F(daqs_ctl_vm, name, "VM", DAQS_CTL_F_STR),
	F(daqs_ctl_vm, uuid, NULL, DAQS_CTL_F_STR),
	F(daqs_ctl_vm, source, NULL, DAQS_CTL_F_STR),
	F(daqs_ctl_vm, cls, "CLASS", DAQS_CTL_F_STR),
	F(daqs_ctl_vm, sla_source, "SLA", DAQS_CTL_F_STR),
	F(daqs_ctl_vm, sla_error, NULL, DAQS_CTL_F_STR),
	F(daqs_ctl_vm, min_bps, "MIN", DAQS_CTL_F_LIMIT),
	F(daqs_ctl_vm, max_bps, "MAX", DAQS_CTL_F_LIMIT),
	F(daqs_ctl_vm, weight, "WEIGHT", DAQS_CTL_F_U32),
	F(daqs_ctl_vm, link, NULL, DAQS_CTL_F_STR),
	F(daqs_ctl_vm, group, NULL, DAQS_CTL_F_STR),
	F(daqs_ctl_vm, share_min_bps, NULL, DAQS_CTL_F_LIMIT),
	F(daqs_ctl_vm, share_max_bps, NULL, DAQS_CTL_F_LIMIT),
	F(daqs_ctl_vm, tx_bps, "TX", DAQS_CTL_F_RATE),
	F(daqs_ctl_vm, rx_bps, "RX", DAQS_CTL_F_RATE),
	F(daqs_ctl_vm, limit_bps, "LIMIT", DAQS_CTL_F_LIMIT),
	F(daqs_ctl_vm, mode, "MODE", DAQS_CTL_F_STR),
	F(daqs_ctl_vm, state, NULL, DAQS_CTL_F_STR),
	F(daqs_ctl_vm, agent, "AGENT", DAQS_CTL_F_STR),
	F(daqs_ctl_vm, iface, "IFACE", DAQS_CTL_F_STR),
	F(daqs_ctl_vm, iface_kind, "KIND", DAQS_CTL_F_STR),
	F(daqs_ctl_vm, counters, NULL, DAQS_CTL_F_STR),
	F(daqs_ctl_vm, host_iface, "HOSTIF", DAQS_CTL_F_STR),
	F(daqs_ctl_vm, host_iface_auto, "AUTO", DAQS_CTL_F_BOOL),
	F(daqs_ctl_vm, satisfaction, "SAT", DAQS_CTL_F_RATIO),
	F(daqs_ctl_vm, agent_errors, NULL, DAQS_CTL_F_U64),
	F(daqs_ctl_vm, applies, NULL, DAQS_CTL_F_U64),
	F(daqs_ctl_vm, limit_lost, NULL, DAQS_CTL_F_U64),
	F(daqs_ctl_vm, limit_changes, NULL, DAQS_CTL_F_U64),
	F(daqs_ctl_vm, tx_bytes, NULL, DAQS_CTL_F_U64),
	F(daqs_ctl_vm, rx_bytes, NULL, DAQS_CTL_F_U64),
	F(daqs_ctl_vm, tx_packets, NULL, DAQS_CTL_F_U64),
	F(daqs_ctl_vm, rx_packets, NULL, DAQS_CTL_F_U64),
	F(daqs_ctl_vm, vf, NULL, DAQS_CTL_F_STR),
	F(daqs_ctl_vm, vf_max_bps, NULL, DAQS_CTL_F_LIMIT),
	F(daqs_ctl_vm, vf_lever, NULL, DAQS_CTL_F_STR),
	F(daqs_ctl_vm, vf_why, NULL, DAQS_CTL_F_STR),
	F(daqs_ctl_vm, vf_node, NULL, DAQS_CTL_F_STR),
	F(daqs_ctl_vm, tap, NULL, DAQS_CTL_F_STR),
	F(daqs_ctl_vm, tap_max_bps, NULL, DAQS_CTL_F_LIMIT),
	F(daqs_ctl_vm, tap_why, NULL, DAQS_CTL_F_STR),
	F(daqs_ctl_vm, override, "OVR", DAQS_CTL_F_BOOL),
	F(daqs_ctl_vm, override_left_s, "LEFT", DAQS_CTL_F_SECS),
	F(daqs_ctl_vm, last_error, "ERROR", DAQS_CTL_F_STR),
};
const size_t daqs_ctl_n_vm_fields = DAQS_ARRAY_SIZE(daqs_ctl_vm_fields);

const struct daqs_ctl_field daqs_ctl_link_fields[] = {
	F(daqs_ctl_link, name, "LINK", DAQS_CTL_F_STR),
	F(daqs_ctl_link, capacity_bps, "CAPACITY", DAQS_CTL_F_LIMIT),
	F(daqs_ctl_link, effective_bps, "EFFECTIVE", DAQS_CTL_F_RATE),
	F(daqs_ctl_link, tx_bps, "TX", DAQS_CTL_F_RATE),
	F(daqs_ctl_link, tx_bytes, NULL, DAQS_CTL_F_U64),
	F(daqs_ctl_link, utilisation, "UTIL", DAQS_CTL_F_RATIO),
	F(daqs_ctl_link, reserved_bps, "RESERVED", DAQS_CTL_F_RATE),
	F(daqs_ctl_link, vms, "VMS", DAQS_CTL_F_U32),
	F(daqs_ctl_link, admission, NULL, DAQS_CTL_F_RATIO),
	F(daqs_ctl_link, admittable_bps, NULL, DAQS_CTL_F_U64),
	F(daqs_ctl_link, committed_bps, NULL, DAQS_CTL_F_U64),
	F(daqs_ctl_link, free_bps, NULL, DAQS_CTL_F_U64),
	F(daqs_ctl_link, guarantees, NULL, DAQS_CTL_F_U32),
};
const size_t daqs_ctl_n_link_fields = DAQS_ARRAY_SIZE(daqs_ctl_link_fields);

const struct daqs_ctl_field daqs_ctl_pf_fields[] = {
	F(daqs_ctl_pf, name, "PF", DAQS_CTL_F_STR),
	F(daqs_ctl_pf, link, "LINK", DAQS_CTL_F_STR),
	F(daqs_ctl_pf, driver, "DRIVER", DAQS_CTL_F_STR),
	F(daqs_ctl_pf, vfs, "VFS", DAQS_CTL_F_U32),
	F(daqs_ctl_pf, total_vfs, NULL, DAQS_CTL_F_U32),
	F(daqs_ctl_pf, levers, "LEVERS", DAQS_CTL_F_STR),
	F(daqs_ctl_pf, min, "MIN-MEANS", DAQS_CTL_F_STR),
	F(daqs_ctl_pf, min_seen, NULL, DAQS_CTL_F_BOOL),
	F(daqs_ctl_pf, min_rule, NULL, DAQS_CTL_F_STR),
	F(daqs_ctl_pf, min_rule_broken, NULL, DAQS_CTL_F_STR),
	F(daqs_ctl_pf, vf_min_bps, NULL, DAQS_CTL_F_U64),
	F(daqs_ctl_pf, error, "ERROR", DAQS_CTL_F_STR),
};
const size_t daqs_ctl_n_pf_fields = DAQS_ARRAY_SIZE(daqs_ctl_pf_fields);

/* The scalar members of struct daqs_ctl_status (the arrays are handled apart). */
static const struct daqs_ctl_field status_fields[] = {
	F(daqs_ctl_status, cycle, NULL, DAQS_CTL_F_U64),
	F(daqs_ctl_status, cycle_ms, NULL, DAQS_CTL_F_RATIO),
	F(daqs_ctl_status, period_ms, NULL, DAQS_CTL_F_U64),
	F(daqs_ctl_status, policy, NULL, DAQS_CTL_F_STR),
	F(daqs_ctl_status, sla_file, NULL, DAQS_CTL_F_STR),
	F(daqs_ctl_status, sla_error, NULL, DAQS_CTL_F_STR),
	F(daqs_ctl_status, state_error, NULL, DAQS_CTL_F_STR),
};

#undef F

/* ---- status: format ---- */

/* The shortest "%.Ng" that reads back as d (json-c's own is always %.17g). */
static json_object *double_json(double d)
{
	char buf[32];

	if (!isfinite(d))
		return NULL;
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	if (!strpbrk(buf, ".eEn")) /* keep it a double on the way back: "5" -> "5.0" */
		strcat(buf, ".0");
	return json_object_new_double_s(d, buf);
}

static json_object *field_json(const struct daqs_ctl_field *f, const void *rec)
{
	const char *p = (const char *)rec + f->off;
	uint64_t u;
	uint32_t w;
	int64_t i;
	double d;
	bool bv;

	switch (f->type) {
	case DAQS_CTL_F_STR:
		return json_object_new_string_len(p, (int)strnlen(p, f->size - 1));
	case DAQS_CTL_F_LIMIT:
		memcpy(&u, p, sizeof(u));
		return u == DAQS_RATE_UNLIMITED ? NULL : json_object_new_uint64(u);
	case DAQS_CTL_F_RATE:
	case DAQS_CTL_F_RATIO:
		memcpy(&d, p, sizeof(d));
		return double_json(d);
	case DAQS_CTL_F_U32:
		memcpy(&w, p, sizeof(w));
		return json_object_new_uint64(w);
	case DAQS_CTL_F_U64:
		memcpy(&u, p, sizeof(u));
		return json_object_new_uint64(u);
	case DAQS_CTL_F_SECS:
		memcpy(&i, p, sizeof(i));
		return i < 0 ? NULL : json_object_new_int64(i);
	case DAQS_CTL_F_BOOL:
		memcpy(&bv, p, sizeof(bv));
		return json_object_new_boolean(bv);
	}
	return NULL;
}

static json_object *record_json(const struct daqs_ctl_field *t, size_t n, const void *rec)
{
	json_object *o = json_object_new_object();

	for (size_t i = 0; i < n; i++)
		json_object_object_add(o, t[i].key, field_json(&t[i], rec));
	return o;
}

static json_object *status_object(const struct daqs_ctl_status *st)
{
	json_object *o = record_json(status_fields, DAQS_ARRAY_SIZE(status_fields), st);
	json_object *links = json_object_new_array_ext((int)st->n_links);
	json_object *vms = json_object_new_array_ext((int)st->n_vms);
	json_object *pfs = json_object_new_array_ext((int)st->n_pfs);

	for (size_t i = 0; i < st->n_links; i++)
		json_object_array_add(links, record_json(daqs_ctl_link_fields,
							 daqs_ctl_n_link_fields, &st->links[i]));
	for (size_t i = 0; i < st->n_vms; i++)
		json_object_array_add(vms, record_json(daqs_ctl_vm_fields, daqs_ctl_n_vm_fields,
						       &st->vms[i]));
	for (size_t i = 0; i < st->n_pfs; i++)
		json_object_array_add(pfs, record_json(daqs_ctl_pf_fields, daqs_ctl_n_pf_fields,
						       &st->pfs[i]));
	json_object_object_add(o, "links", links);
	json_object_object_add(o, "vms", vms);
	json_object_object_add(o, "pfs", pfs);
	return o;
}

char *daqs_ctl_status_format(const struct daqs_ctl_status *st)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "status", status_object(st));
	return text_of(o, false);
}

char *daqs_ctl_status_json(const struct daqs_ctl_status *st, bool pretty)
{
	return text_of(status_object(st), pretty);
}

/* ---- status: parse ---- */

static int field_str(const struct daqs_ctl_field *f, json_object *v, char *p, char *why, size_t n)
{
	size_t len = (size_t)json_object_get_string_len(v);
	const char *s = json_object_get_string(v);

	if (!json_object_is_type(v, json_type_string))
		return daqs_why(why, n, -EINVAL, "'%s' is not a string", f->key);
	if (len >= f->size || strlen(s) != len)
		return daqs_why(why, n, -EINVAL,
				"'%s' does not fit (%zu bytes, at most %zu, no NUL)", f->key, len,
				f->size - 1);
	memcpy(p, s, len + 1);
	return 0;
}

static int field_double(const struct daqs_ctl_field *f, json_object *v, char *p, char *why,
			size_t n)
{
	double d = NAN;

	if (v && !json_object_is_type(v, json_type_double) &&
	    !json_object_is_type(v, json_type_int))
		return daqs_why(why, n, -EINVAL, "'%s' is not a number or null", f->key);
	if (v)
		d = json_object_get_double(v);
	if (v && !isfinite(d))
		return daqs_why(why, n, -EINVAL, "'%s' is not finite", f->key);
	memcpy(p, &d, sizeof(d));
	return 0;
}

static int field_int(const struct daqs_ctl_field *f, json_object *v, char *p, char *why, size_t n)
{
	uint64_t u = DAQS_RATE_UNLIMITED;
	int64_t i = -1;
	uint32_t w;

	switch (f->type) {
	case DAQS_CTL_F_LIMIT:
		if (v && !uint_in(v, 0, UINT64_MAX - 1, &u))
			return daqs_why(why, n, -EINVAL, "'%s' is not an integer or null", f->key);
		memcpy(p, &u, sizeof(u));
		return 0;
	case DAQS_CTL_F_U32:
		if (!v || !uint_in(v, 0, UINT32_MAX, &u))
			return daqs_why(why, n, -EINVAL, "'%s' is not an integer 0..%u", f->key,
					UINT32_MAX);
		w = (uint32_t)u;
		memcpy(p, &w, sizeof(w));
		return 0;
	case DAQS_CTL_F_U64:
		if (!v || !uint_in(v, 0, UINT64_MAX, &u))
			return daqs_why(why, n, -EINVAL, "'%s' is not an integer >= 0", f->key);
		memcpy(p, &u, sizeof(u));
		return 0;
	case DAQS_CTL_F_SECS:
		if (v && !uint_in(v, 0, INT64_MAX, &u))
			return daqs_why(why, n, -EINVAL, "'%s' is not an integer >= 0 or null",
					f->key);
		if (v)
			i = (int64_t)u;
		memcpy(p, &i, sizeof(i));
		return 0;
	case DAQS_CTL_F_STR:
	case DAQS_CTL_F_RATE:
	case DAQS_CTL_F_RATIO:
	case DAQS_CTL_F_BOOL:
		break;
	}
	return daqs_why(why, n, -EINVAL, "'%s': internal: not an integer field", f->key);
}

static int field_parse(const struct daqs_ctl_field *f, json_object *v, void *rec, char *why,
		       size_t n)
{
	char *p = (char *)rec + f->off;
	bool bv;

	switch (f->type) {
	case DAQS_CTL_F_STR:
		return field_str(f, v, p, why, n);
	case DAQS_CTL_F_RATE:
	case DAQS_CTL_F_RATIO:
		return field_double(f, v, p, why, n);
	case DAQS_CTL_F_BOOL:
		if (!v || !json_object_is_type(v, json_type_boolean))
			return daqs_why(why, n, -EINVAL, "'%s' is not a boolean", f->key);
		bv = json_object_get_boolean(v);
		memcpy(p, &bv, sizeof(bv));
		return 0;
	case DAQS_CTL_F_LIMIT:
	case DAQS_CTL_F_U32:
	case DAQS_CTL_F_U64:
	case DAQS_CTL_F_SECS:
		return field_int(f, v, p, why, n);
	}
	return daqs_why(why, n, -EINVAL, "'%s': internal: unknown field type", f->key);
}

static int record_parse(const struct daqs_ctl_field *t, size_t nf, json_object *o, void *rec,
			char *why, size_t n)
{
	json_object *v;

	if (!json_object_is_type(o, json_type_object))
		return daqs_why(why, n, -EINVAL, "a record is not an object");
	for (size_t i = 0; i < nf; i++) {
		if (!json_object_object_get_ex(o, t[i].key, &v))
			return daqs_why(why, n, -EINVAL, "missing '%s'", t[i].key);
		if (field_parse(&t[i], v, rec, why, n))
			return -EINVAL;
	}
	return 0;
}

/* "links" or "vms": an array of records, allocated into *v (count in *nv). */
static int records_parse(json_object *st, const char *key, const struct daqs_ctl_field *t,
			 size_t nf, size_t elem, void **v, size_t *nv, char *why, size_t n)
{
	json_object *a;
	size_t len;

	if (!json_object_object_get_ex(st, key, &a) || !json_object_is_type(a, json_type_array))
		return daqs_why(why, n, -EINVAL, "missing '%s' (an array)", key);
	len = json_object_array_length(a);
	*v = len ? daqs_calloc(len, elem) : NULL;
	*nv = len;
	for (size_t i = 0; i < len; i++)
		if (record_parse(t, nf, json_object_array_get_idx(a, i), (char *)*v + i * elem, why,
				 n))
			return -EINVAL;
	return 0;
}

static int status_parse_obj(json_object *so, struct daqs_ctl_status *st, char *why, size_t n)
{
	int r;

	if (!json_object_is_type(so, json_type_object))
		return daqs_why(why, n, -EINVAL, "reply has no \"status\" object");
	r = record_parse(status_fields, DAQS_ARRAY_SIZE(status_fields), so, st, why, n);
	if (!r)
		r = records_parse(so, "links", daqs_ctl_link_fields, daqs_ctl_n_link_fields,
				  sizeof(*st->links), (void **)&st->links, &st->n_links, why, n);
	if (!r)
		r = records_parse(so, "vms", daqs_ctl_vm_fields, daqs_ctl_n_vm_fields,
				  sizeof(*st->vms), (void **)&st->vms, &st->n_vms, why, n);
	if (!r && json_object_object_get_ex(so, "pfs", NULL)) /* absent: none */
		r = records_parse(so, "pfs", daqs_ctl_pf_fields, daqs_ctl_n_pf_fields,
				  sizeof(*st->pfs), (void **)&st->pfs, &st->n_pfs, why, n);
	return r;
}

int daqs_ctl_status_parse(const char *line, size_t len, struct daqs_ctl_status *st, char *why,
			  size_t why_len)
{
	char code[32], msg[512];
	json_object *o, *so = NULL;
	int r;

	memset(st, 0, sizeof(*st));
	r = daqs_ctl_reply_parse(line, len, code, sizeof(code), msg, sizeof(msg));
	if (r == -EREMOTEIO) {
		daqs_why(why, why_len, -EINVAL, "%s: %s", code, msg);
		return r;
	}
	if (r)
		return daqs_why(why, why_len, -EINVAL, "%s", msg);
	o = parse_object(line, len, DAQS_CTL_MAX_LINE);
	if (!o)
		return daqs_why(why, why_len, -EINVAL, "reply is not one JSON object on one line");
	json_object_object_get_ex(o, "status", &so);
	r = status_parse_obj(so, st, why, why_len);
	json_object_put(o);
	if (r)
		daqs_ctl_status_clear(st);
	return r;
}

void daqs_ctl_status_clear(struct daqs_ctl_status *st)
{
	free(st->links);
	free(st->vms);
	free(st->pfs);
	memset(st, 0, sizeof(*st));
}

/* ---- line framing ---- */

int daqs_ctl_buf_feed(struct daqs_ctl_buf *b, const void *p, size_t n)
{
	size_t scan = b->len; /* bytes before it hold no newline after line_start */
	size_t max = b->max ? b->max : DAQS_CTL_MAX_LINE;
	const char *nl;

	if (!n)
		return 0;
	daqs_grow((void **)&b->data, &b->cap, b->len + n, 1);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	/* Only the new bytes can end lines; each finished line must have fit. */
	while ((nl = memchr(b->data + scan, '\n', b->len - scan))) {
		if ((size_t)(nl - b->data) - b->line_start + 1 > max)
			return -EMSGSIZE;
		b->line_start = (size_t)(nl - b->data) + 1;
		scan = b->line_start;
	}
	return b->len - b->line_start >= max ? -EMSGSIZE : 0;
}

int daqs_ctl_buf_take(struct daqs_ctl_buf *b, char **line)
{
	const char *nl = b->len ? memchr(b->data, '\n', b->len) : NULL;
	size_t used;

	*line = NULL;
	if (!nl)
		return 0;
	used = (size_t)(nl - b->data) + 1;
	*line = daqs_strndup(b->data, used - 1);
	memmove(b->data, b->data + used, b->len - used);
	b->len -= used;
	b->line_start = b->line_start >= used ? b->line_start - used : 0;
	return 1;
}

void daqs_ctl_buf_clear(struct daqs_ctl_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}
