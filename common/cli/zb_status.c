#include "zb_status.h"

#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "zb_err.h"
#include "zb_hlc.h"
#include "zb_msg.h"
#include "zb_render.h"

void zb_status_when(uint64_t ms, uint64_t now_ms, char *out, size_t cap) {
  time_t secs = (time_t)(ms / 1000);
  struct tm tm;
  char day[32] = "?";
  if (localtime_r(&secs, &tm))
    strftime(day, sizeof day, "%Y-%m-%d %H:%M", &tm);
  uint64_t d = ms > now_ms ? ms - now_ms : now_ms - ms;
  bool ahead = ms > now_ms;
  if (d < 60000) {
    snprintf(out, cap, "%s%s", day, zb_msg(ahead ? "status.within_minute" : "status.just_now"));
    return;
  }
  uint64_t n;
  const char *unit;
  if (d < 3600000) {
    n = d / 60000;
    unit = ahead ? "status.minutes_ahead" : "status.minutes_ago";
  } else if (d < 2 * 86400000ull) {
    n = d / 3600000;
    unit = ahead ? "status.hours_ahead" : "status.hours_ago";
  } else {
    n = d / 86400000ull;
    unit = ahead ? "status.days_ahead" : "status.days_ago";
  }
  snprintf(out, cap, zb_msg(unit), day, (unsigned long long)n);
}

/* The words for each code a session can end with; the rest are faults of
 * this PC, worded by the last row. */
static const struct {
  int code;
  const char *words;   /* a catalogue key (zb_msgs.c) */
} failure_words[] = {
    {ZB_EUNREACH, "status.fail_unreach"},
    {ZB_EPROTO, "status.fail_proto"},
    {ZB_EREFUSED, "status.fail_refused"},
    {ZB_EREVOKED, "status.fail_revoked"},
    {ZB_ENOTINIT, "status.fail_notinit"},
    {ZB_EINVAL, "status.fail_address"},
    {0, "status.fail_local"},
};

const char *zb_status_failure_words(int code) {
  size_t i = 0;
  while (failure_words[i].code && failure_words[i].code != code)
    i++;
  return zb_msg(failure_words[i].words);
}

void zb_status_print(const zb_node_info *info, uint64_t now_ms, FILE *out) {
  char when[96];
  uint64_t pending = info->head_seq - info->acked_seq;
  fprintf(out, zb_msg("status.node"), info->node_id, info->org);
  fprintf(out, zb_msg("status.server"), info->server[0] ? info->server : zb_msg("status.no_server"));
  fprintf(out, zb_msg("status.counts"), info->members, info->orgs);
  if (info->revoked)
    fprintf(out, zb_msg("status.pending_revoked"), (unsigned long long)pending,
            pending ? zb_msg("status.pending_export") : "");
  else
    fprintf(out, zb_msg("status.pending"), (unsigned long long)pending,
            pending ? zb_msg("status.pending_unsent") : "");
  if (info->restoring)
    fputs(zb_msg("status.restoring"), out);
  if (info->last_sync_ms) {
    zb_status_when(info->last_sync_ms, now_ms, when, sizeof when);
    fprintf(out, zb_msg("status.last_sync"), when);
  } else {
    fprintf(out, zb_msg("status.last_sync"), zb_msg("status.never"));
  }
  /* A failure before the last success is history: the link has worked
   * since. */
  if (info->last_error_ms && info->last_error_ms > info->last_sync_ms) {
    zb_status_when(info->last_error_ms, now_ms, when, sizeof when);
    fprintf(out, zb_msg("status.last_error"), when);
    fprintf(out, zb_msg("status.reason"), zb_status_failure_words(info->last_error_code),
            info->last_error_reason);
  }
  if (info->next_attempt_ms) {
    zb_status_when(info->next_attempt_ms, now_ms, when, sizeof when);
    /* The daemon writes its plan after every session; one well past means
     * it stopped without saying so (a crash, a power cut). */
    bool stale = info->next_attempt_ms + 600000 < now_ms;
    fprintf(out, zb_msg("status.next"), when, stale ? zb_msg("status.stale") : "");
  } else {
    fputs(zb_msg("status.no_next"), out);
  }
  fprintf(out, zb_msg("status.conflicts"), info->conflicts);
  fprintf(out, zb_msg("status.rejected"), info->rejected);
}

static json_t *iso_or_null(uint64_t ms) {
  if (!ms)
    return json_null();
  char s[32];
  zb_hlc_format(ms << 16, s);
  return json_string(s);
}

int zb_status_json(const zb_node_info *info, FILE *out) {
  bool failed = info->last_error_ms != 0;
  json_t *j = json_pack(
      "{s:s, s:s, s:s?, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:s?, s:s?, s:o, s:I, s:I, s:I, s:I, "
      "s:b, s:b}",
      "node_id", info->node_id, "org", info->org, "server", info->server[0] ? info->server : NULL,
      "ops", (json_int_t)info->head_seq, "pending_ops",
      (json_int_t)(info->head_seq - info->acked_seq), "acked_seq", (json_int_t)info->acked_seq,
      "cursor", (json_int_t)info->cursor, "last_sync", iso_or_null(info->last_sync_ms),
      "last_success", iso_or_null(info->last_sync_ms), "last_error",
      iso_or_null(info->last_error_ms), "last_error_code",
      failed ? zb_err_name(info->last_error_code) : NULL, "last_error_reason",
      failed ? info->last_error_reason : NULL, "next_attempt", iso_or_null(info->next_attempt_ms),
      "members", (json_int_t)info->members, "orgs", (json_int_t)info->orgs, "conflicts",
      (json_int_t)info->conflicts, "rejected", (json_int_t)info->rejected, "revoked",
      info->revoked, "restoring", info->restoring);
  if (!j)
    return ZB_ENOMEM;
  int rc = zb_json_print(j, out, 0);
  json_decref(j);
  return rc;
}
