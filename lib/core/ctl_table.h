/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The status as the table daqsctl prints: a summary line, one row per link,
 * one row per VM. Columns are the fields of the ctl tables that have a
 * header, in table order; rates in approximate units ("9.85gbit"), values
 * that do not exist ("" strings, NaN, unlimited, no seconds) as "-", numbers
 * right-aligned, the last column unpadded. Control bytes in strings are shown
 * as '?' (names come from the daemon, and a terminal must not obey them).
 */
#pragma once

#include "ctl.h"

/* The whole text (caller frees). */
char *daqs_ctl_table_render(const struct daqs_ctl_status *st);
