/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one strict reader of JSON lines: agent replies (both transports and the
 * codec), control requests and replies (daqsd, daqsctl), and the tests' own
 * reading of the lines daqs writes. A line is exactly one JSON value within
 * len bytes, parsed by json-c with JSON_TOKENER_STRICT and
 * JSON_TOKENER_VALIDATE_UTF8, nested at most max_depth deep, followed by JSON
 * whitespace only (' ', '\t', '\r', '\n'); a NUL byte anywhere within len, or
 * more than max_len bytes, is no line. json-c's STRICT mode still takes
 * 'single-quoted' keys and raw control bytes inside strings, and cannot end a
 * bare number or literal at the end of the bytes ("1" is no line, "1 " is):
 * whoever reads a value checks what it needs. Where a line ends in a stream
 * is the caller's business (the framing): this reads the bytes it is given.
 */
#pragma once

#include <stddef.h>

struct json_object;

/*
 * What one line may cost before json-c builds anything: its bytes, and the
 * containers ('{', '[': json-c makes an object with a 16-entry hash table,
 * about 700 bytes, per '{') and items (',' separators: one value or member
 * each) outside strings. A byte scan (daqs_jsonline_prescan) counts them
 * first, so a 256 KiB line of "[{},{},...]" is refused for the price of
 * reading it, not for the 60 MB of its tree. 0 = no count limit.
 */
struct daqs_jsonline_bound {
	size_t max_len;
	size_t max_containers;
	size_t max_items;
};

/*
 * 0 when s[0..len) is within b; -EMSGSIZE over max_len, -E2BIG over a count
 * (*what: "containers" or "items", *count: how many were seen when the scan
 * stopped). Strings (with their escapes) are skipped; the scan does not
 * validate JSON, it only bounds what parsing it may cost.
 */
int daqs_jsonline_prescan(const char *s, size_t len, const struct daqs_jsonline_bound *b,
			  const char **what, size_t *count);

/* A reader keeps one json_tokener for all its lines (made once: about 1 KiB). */
struct daqs_jsonline;

/* max_depth 1..64 (json-c's tokener depth); NULL when json-c cannot make a tokener. */
struct daqs_jsonline *daqs_jsonline_new(size_t max_len, int max_depth);
void daqs_jsonline_free(struct daqs_jsonline *r);

/*
 * The value (caller puts it), or NULL when s[0..len) is not one line as above.
 * After a line over DAQS_JSONLINE_KEEP bytes the tokener is made afresh: its
 * string buffer grows to the largest string parsed and would be kept.
 */
#define DAQS_JSONLINE_KEEP (64u << 10)
struct json_object *daqs_jsonline_parse(struct daqs_jsonline *r, const char *s, size_t len);
/* The same with a reader made for this one line. */
struct json_object *daqs_jsonline_parse_once(const char *s, size_t len, size_t max_len,
					     int max_depth);
/* daqs_jsonline_parse_once of a JSON object only (any other value is put and NULL returned). */
struct json_object *daqs_jsonline_object_once(const char *s, size_t len, size_t max_len,
					      int max_depth);
