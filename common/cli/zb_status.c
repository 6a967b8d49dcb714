#include "zb_status.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "zb_err.h"
#include "zb_hlc.h"
#include "zb_render.h"

void zb_status_when(uint64_t ms, uint64_t now_ms, char *out, size_t cap) {
  time_t secs = (time_t)(ms / 1000);
  struct tm tm;
  char day[32] = "?";
  if (localtime_r(&secs, &tm))
    strftime(day, sizeof day, "%Y-%m-%d %H:%M", &tm);
  uint64_t d = ms > now_ms ? ms - now_ms : now_ms - ms;
  const char *dir = ms > now_ms ? "后" : "前";
  if (d < 60000) {
    snprintf(out, cap, "%s（%s）", day, ms > now_ms ? "一分钟内" : "刚刚");
    return;
  }
  uint64_t n;
  const char *unit;
  if (d < 3600000) {
    n = d / 60000;
    unit = "分钟";
  } else if (d < 2 * 86400000ull) {
    n = d / 3600000;
    unit = "小时";
  } else {
    n = d / 86400000ull;
    unit = "天";
  }
  snprintf(out, cap, "%s（%" PRIu64 " %s%s）", day, n, unit, dir);
}

/* The words for each code a session can end with; the rest are faults of
 * this PC, worded by the last row. */
static const struct {
  int code;
  const char *words;
} failure_words[] = {
    {ZB_EUNREACH, "连不上同步服务器，或连接中途断了（网络不通，或服务器没有运行）。会自动重试，不用处理；"
                  "一直这样请检查网络"},
    {ZB_EPROTO, "与同步服务器通信出错（数据不对或版本不一致）。会自动重试；一直这样请联系上级管理员"},
    {ZB_EREFUSED, "同步服务器拒绝了本机（证书被吊销、不是本系统登记的电脑，或超出本支部的范围）。"
                  "请联系上级管理员"},
    {ZB_EREVOKED, "本机的证书已被吊销：这台电脑已由新电脑替换，再也不能同步。没有发出的修改可用 "
                  "zhibu-node export-pending 文件名 导出，交给新电脑核对后导入"},
    {ZB_ENOTINIT, "本机还没有登记到同步服务器：请用上级发的登记文件运行 zhibu-node init --enroll"},
    {ZB_EINVAL, "同步服务器地址写错了（应为 主机:端口）"},
    {0, "本机出错（磁盘、内存或数据库）。会自动重试；一直这样请联系技术人员"},
};

const char *zb_status_failure_words(int code) {
  size_t i = 0;
  while (failure_words[i].code && failure_words[i].code != code)
    i++;
  return failure_words[i].words;
}

void zb_status_print(const zb_node_info *info, uint64_t now_ms, FILE *out) {
  char when[96];
  uint64_t pending = info->head_seq - info->acked_seq;
  fprintf(out, "本机：%s（组织 %s）\n", info->node_id, info->org);
  fprintf(out, "同步服务器：%s\n", info->server[0] ? info->server : "未登记（只在本机保存）");
  fprintf(out, "党员：%zu 人，组织：%zu 个\n", info->members, info->orgs);
  if (info->revoked)
    fprintf(out, "未发送的修改：%" PRIu64 " 条（本机证书已被吊销，这些修改再也发不出去%s）\n",
            pending, pending ? "：用 zhibu-node export-pending 文件名 导出，交给新电脑核对后用 "
                               "member import 导入" : "");
  else
    fprintf(out, "未发送的修改：%" PRIu64 " 条%s\n", pending,
            pending ? "（服务器还没有收到）" : "");
  if (info->restoring)
    fputs("本机是替换旧电脑的新电脑，还没有从服务器恢复本节点：请先运行 zhibu-node sync\n", out);
  if (info->last_sync_ms) {
    zb_status_when(info->last_sync_ms, now_ms, when, sizeof when);
    fprintf(out, "上次同步成功：%s\n", when);
  } else {
    fputs("上次同步成功：从未成功\n", out);
  }
  /* A failure before the last success is history: the link has worked
   * since. */
  if (info->last_error_ms && info->last_error_ms > info->last_sync_ms) {
    zb_status_when(info->last_error_ms, now_ms, when, sizeof when);
    fprintf(out, "上次同步失败：%s\n", when);
    fprintf(out, "失败原因：%s（%s）\n", zb_status_failure_words(info->last_error_code),
            info->last_error_reason);
  }
  if (info->next_attempt_ms) {
    zb_status_when(info->next_attempt_ms, now_ms, when, sizeof when);
    /* The daemon writes its plan after every session; one well past means
     * it stopped without saying so (a crash, a power cut). */
    bool stale = info->next_attempt_ms + 600000 < now_ms;
    fprintf(out, "下次尝试：%s%s\n", when, stale ? "，已过时：后台同步可能没有在运行" : "");
  } else {
    fputs("下次尝试：未安排（后台同步没有运行；可手动运行 zhibu-node sync）\n", out);
  }
  fprintf(out, "待核对的同时修改：%zu 处（zhibu-node conflicts）\n", info->conflicts);
  fprintf(out, "被服务器退回的修改：%zu 条（zhibu-node rejected）\n", info->rejected);
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
