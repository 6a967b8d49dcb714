/*
 * zb_status.h — `zhibu-node status`: the node and its sync state, for the
 * secretary in Chinese words and local time, and for machines as JSON with
 * stable English keys (README "Is it syncing?").
 */
#ifndef ZB_STATUS_H
#define ZB_STATUS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "zb_node.h"

/* A moment for people: local time to the minute and how long ago or
 * ahead of now_ms it is, e.g. "2026-11-28 19:05（3 分钟前）",
 * "2026-11-28 19:15（5 分钟后）", "（刚刚）" within a minute.  Both in ms
 * since the epoch. */
void zb_status_when(uint64_t ms, uint64_t now_ms, char *out, size_t cap);

/* What a failed sync's code means, in words a secretary understands and
 * what to do about it (a static string, never NULL). */
const char *zb_status_failure_words(int code);

/* The status of info at now_ms as text lines (Chinese), to out. */
void zb_status_print(const zb_node_info *info, uint64_t now_ms, FILE *out);

/* The status as one JSON object: node_id org server ops pending_ops
 * acked_seq cursor last_sync last_success last_error last_error_code
 * last_error_reason next_attempt members orgs conflicts rejected (times
 * ISO 8601 UTC, null when none).  0 or ZB_ENOMEM / ZB_EIO. */
int zb_status_json(const zb_node_info *info, FILE *out);

#endif
