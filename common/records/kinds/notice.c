/*
 * kinds/notice.c — the notice kind (通知): a committee's or branch's notice
 * to the orgs below it (docs/RECORDS.md, "Notices").
 *
 * This kind is defined by this file alone: validation, storage, merge,
 * sync, digest, import, rendering and `zhibu-node notice …` all come from
 * the descriptor.  A node writes notices for its own org only (a branch
 * cannot issue one for its township), and every node in that org's subtree
 * receives them.  A notice has a state machine of one act (withdraw) and
 * one kind of fact (read receipts, one per org that read it).
 */
#include "zb_kind.h"
#include "zb_record.h"

enum { N_ID, N_TITLE, N_BODY, N_DATE, N_ORG_CODE, N_STATUS, N_REASON, N__COUNT };

/* The states, in the order of the state machine: a notice starts issued. */
static const char *const statuses[] = {"已发布", "已撤回", NULL};
enum { ST_ISSUED, ST_WITHDRAWN };

static const zb_field_desc fields[N__COUNT] = {
    [N_ID] = {.name = "id", .zh = "编号", .help = "notice id (assigned when absent)",
              .type = ZB_FT_ID, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE,
              .headers = ZB_NAMES("通知编号")},
    [N_TITLE] = {.name = "title", .zh = "标题", .help = "title, at most 64 characters",
                 .type = ZB_FT_TEXT, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE, .max_chars = 64,
                 .headers = ZB_NAMES("通知标题")},
    [N_BODY] = {.name = "body", .zh = "正文", .help = "the text (at most 256 bytes)",
                .type = ZB_FT_TEXT, .flags = ZB_FF_REQUIRED, .headers = ZB_NAMES("内容")},
    [N_DATE] = {.name = "date", .zh = "发布日期", .help = "YYYY-MM-DD, not after today",
                .type = ZB_FT_DATE, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE,
                .headers = ZB_NAMES("日期")},
    [N_ORG_CODE] = {.name = "org_code", .zh = "发布组织",
                    .help = "the issuing org (default: this node's org)", .type = ZB_FT_ORG_CODE,
                    .flags = ZB_FF_REQUIRED | ZB_FF_TABLE | ZB_FF_FIXED,
                    .headers = ZB_NAMES("发布单位", "组织代码")},
    [N_STATUS] = {.name = "status", .zh = "状态", .help = "已发布, or 已撤回 after withdraw",
                  .type = ZB_FT_VOCAB, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE | ZB_FF_STATE,
                  .vocab = statuses},
    [N_REASON] = {.name = "reason", .zh = "撤回原因",
                  .help = "why it was withdrawn (set by withdraw)", .type = ZB_FT_TEXT,
                  .max_chars = 64},
};

static const zb_index_desc indexes[] = {{N_ORG_CODE, false, 0}};

/* The state machine: 已发布 —withdraw→ 已撤回, with the reason as the act's
 * parameter (a field only acts write). */
static const int withdraw_params[] = {N_REASON};
static const zb_act_desc acts[] = {
    {"withdraw", "撤回", "withdraw an issued notice, optionally with --reason", 1u << ST_ISSUED,
     ST_WITHDRAWN, withdraw_params, 1, NULL, NULL, 0, NULL},
};

/* A read receipt: the org that read the notice (one receipt per org: the
 * org code is the fact's id), when, and who. */
enum { R_ORG, R_DATE, R_READER, R__COUNT };
static const zb_field_desc read_fields[R__COUNT] = {
    [R_ORG] = {.name = "org_code", .zh = "阅读组织",
               .help = "the org that read it (default: this node's org)", .type = ZB_FT_ORG_CODE,
               .flags = ZB_FF_REQUIRED | ZB_FF_TABLE},
    [R_DATE] = {.name = "date", .zh = "阅读日期", .help = "YYYY-MM-DD (default: today)",
                .type = ZB_FT_DATE, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE},
    [R_READER] = {.name = "reader", .zh = "阅读人", .help = "who read it (default: --actor)",
                  .type = ZB_FT_TEXT, .flags = ZB_FF_TABLE | ZB_FF_ACTOR, .max_chars = 32},
};
static const zb_kind_desc read_fact = {
    .name = "read",
    .plural = "reads",
    .zh = "已阅",
    .nfields = R__COUNT,
    .fields = read_fields,
    .org_field = R_ORG,
    .scope = ZB_SCOPE_OWN_ORG,   /* an org confirms its own reading */
};
static const zb_kind_desc *const facts[] = {&read_fact};

const zb_kind_desc zb_kind_notice = {
    .id = 3,
    .name = "notice",
    .plural = "notices",
    .zh = "通知",
    .nfields = N__COUNT,
    .fields = fields,
    .org_field = N_ORG_CODE,
    .scope = ZB_SCOPE_OWN_ORG,
    .reach = ZB_REACH_DOWN,
    .org_must_exist = true,
    .auto_key = true,
    .indexes = indexes,
    .nindexes = sizeof indexes / sizeof *indexes,
    .state_field = N_STATUS,
    .acts = acts,
    .nacts = sizeof acts / sizeof *acts,
    .facts = facts,
    .nfacts = sizeof facts / sizeof *facts,
};
