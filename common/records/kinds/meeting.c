/*
 * kinds/meeting.c — 三会一课 and the other meetings of organizational life
 * (docs/RECORDS.md, "Meetings").
 *
 * A meeting of a branch: its type, date, topic, place and minutes (text, or
 * a file's SHA-256 and name), and its attendance as facts — one entry per
 * member (present, absent or excused), so an entry written at two nodes is
 * one entry.  Which meetings a branch must hold, and when a meeting lacks
 * its quorum, is zb_life.c's (the same table at node and server).
 */
#include <string.h>

#include "zb_kind.h"
#include "zb_life.h"
#include "zb_record.h"

enum { G_ID, G_ORG, G_TYPE, G_DATE, G_TOPIC, G_PLACE, G_MINUTES, G_MINUTES_SHA, G_MINUTES_FILE,
       G__COUNT };

static const zb_vocab_alias type_aliases[] = {
    {"branch_general", "支部党员大会"}, {"committee", "支委会"},  {"group", "党小组会"},
    {"lecture", "党课"},                {"theme_day", "主题党日"}, {"life_meeting", "组织生活会"},
    {"evaluation", "民主评议"},          {"党员大会", "支部党员大会"}, {NULL, NULL}};

static const zb_field_desc fields[G__COUNT] = {
    [G_ID] = {.name = "id", .zh = "编号", .help = "meeting id (assigned when absent)",
              .type = ZB_FT_ID, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE},
    [G_ORG] = {.name = "org_code", .zh = "党支部", .help = "the branch (default: this node's)",
               .type = ZB_FT_ORG_CODE, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE | ZB_FF_FIXED},
    [G_TYPE] = {.name = "type", .zh = "类型",
                .help = "支部党员大会 (branch_general), 支委会 (committee), 党小组会 (group), 党课 "
                        "(lecture), 主题党日 (theme_day), 组织生活会 (life_meeting), 民主评议 "
                        "(evaluation)",
                .type = ZB_FT_VOCAB, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE | ZB_FF_FIXED,
                .vocab = zb_meeting_types, .vocab_desc = "a meeting type (see --help)",
                .vocab_aliases = type_aliases},
    [G_DATE] = {.name = "date", .zh = "日期", .help = "YYYY-MM-DD", .type = ZB_FT_DATE,
                .flags = ZB_FF_REQUIRED | ZB_FF_TABLE},
    [G_TOPIC] = {.name = "topic", .zh = "主题", .help = "at most 64 characters",
                 .type = ZB_FT_TEXT, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE, .max_chars = 64},
    [G_PLACE] = {.name = "place", .zh = "地点", .help = "at most 64 characters",
                 .type = ZB_FT_TEXT, .max_chars = 64},
    [G_MINUTES] = {.name = "minutes", .zh = "会议记录", .help = "the minutes (at most 256 bytes)",
                   .type = ZB_FT_TEXT},
    [G_MINUTES_SHA] = {.name = "minutes_sha256", .zh = "记录文件SHA-256",
                       .help = "the SHA-256 (64 hex digits) of the minutes' file",
                       .type = ZB_FT_TEXT, .max_chars = 64},
    [G_MINUTES_FILE] = {.name = "minutes_file", .zh = "记录文件名",
                        .help = "the minutes' file name (with --minutes-sha256)",
                        .type = ZB_FT_TEXT, .max_chars = 64},
};

static void cross(zb_checker *c, const zb_value *v, const zb_checked *ck, zb_date today) {
  (void)today;
  if (ck->ok[G_MINUTES_SHA] && ck->len[G_MINUTES_SHA] > 0 &&
      (ck->len[G_MINUTES_SHA] != 64 ||
       strspn(v[G_MINUTES_SHA], "0123456789abcdef") != 64))
    zb_check_problem(c, G_MINUTES_SHA, "why.minutes_sha");
  if (ck->ok[G_MINUTES_FILE] && (ck->len[G_MINUTES_FILE] > 0) != (ck->len[G_MINUTES_SHA] > 0))
    zb_check_problem(c, G_MINUTES_FILE, "why.minutes_pair");
}

static const zb_index_desc indexes[] = {{G_ORG, false, 0}};

/* Attendance: one entry per member (the member id is the fact's id). */
enum { T_MEMBER, T_STATUS, T__COUNT };
static const zb_vocab_alias attendance_aliases[] = {
    {"present", "出席"}, {"absent", "缺席"}, {"excused", "请假"}, {"到会", "出席"}, {NULL, NULL}};
static const zb_field_desc attendance_fields[T__COUNT] = {
    [T_MEMBER] = {.name = "member_id", .zh = "党员编号", .help = "the member",
                  .type = ZB_FT_ID, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE},
    [T_STATUS] = {.name = "attendance", .zh = "出席情况",
                  .help = "出席 (present), 缺席 (absent) or 请假 (excused)", .type = ZB_FT_VOCAB,
                  .flags = ZB_FF_REQUIRED | ZB_FF_TABLE, .vocab = zb_attendance,
                  .vocab_aliases = attendance_aliases},
};
static const zb_kind_desc attendance_fact = {
    .name = "attendance",
    .plural = "attendance",
    .zh = "出席",
    .nfields = T__COUNT,
    .fields = attendance_fields,
    .org_field = T_MEMBER,   /* not an org: any writer who holds the meeting */
    .scope = ZB_SCOPE_SUBTREE,
};
static const zb_kind_desc *const facts[] = {&attendance_fact};

const zb_kind_desc zb_kind_meeting = {
    .id = 8,
    .name = "meeting",
    .plural = "meetings",
    .zh = "会议",
    .nfields = G__COUNT,
    .fields = fields,
    .org_field = G_ORG,
    .scope = ZB_SCOPE_SUBTREE,
    .reach = ZB_REACH_SUBTREE,
    .org_must_exist = true,
    .auto_key = true,
    .cross = cross,
    .indexes = indexes,
    .nindexes = sizeof indexes / sizeof *indexes,
    .facts = facts,
    .nfacts = sizeof facts / sizeof *facts,
};
