/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Prometheus metrics over HTTP (libmicrohttpd), for scrapers that do not
 * run daqsctl: GET /metrics answers the text `daqsctl metrics` prints
 * (lib/core/metrics.c), built from the last completed cycle's snapshot, followed
 * by the VF pool's lines when there is a pool (daqs_vf_*), with Content-Type "text/plain; version=0.0.4". Anything else is 404 (405 for
 * other methods).
 *
 * The listener is loopback only (127.0.0.0/8 or ::1): the metrics name
 * every VM, and a scraper elsewhere should go through a proxy that the
 * operator secures. libmicrohttpd runs its own thread
 * (MHD_USE_INTERNAL_POLLING_THREAD): a slow scraper never holds up the event
 * loop, and it only takes the controller's lock to copy the snapshot.
 *
 * Any local user can connect, and on loopback every client is 127.0.0.1 (a
 * per-address limit would not tell them apart), so slow or idle clients
 * must not keep a scrape out: epoll (MHD_USE_EPOLL) makes each connection
 * one descriptor and no thread, up to DAQS_HTTPMETRICS_MAX_CONN of them
 * (fewer when a quarter of RLIMIT_NOFILE is less), and one that has not
 * sent a whole request, or not taken its answer, within
 * DAQS_HTTPMETRICS_TIMEOUT_S of silence is closed. 300 connections holding
 * half a header: a scrape answered in 76 ms (tests/cli/metrics-abuse.sh).
 */
#pragma once

#include "controller.h"
#include "vf_pool.h"

#define DAQS_HTTPMETRICS_MAX_CONN 1024U
#define DAQS_HTTPMETRICS_TIMEOUT_S 3U

struct daqs_httpmetrics;

/* listen: "127.0.0.1:9585", "[::1]:9585". -EINVAL (reported) for anything else. */
int daqs_httpmetrics_new(const char *listen, struct daqs_controller *ctl, struct daqs_vf_pool *pool,
			 struct daqs_httpmetrics **out);
void daqs_httpmetrics_free(struct daqs_httpmetrics *h);
