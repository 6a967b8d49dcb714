/*
 * kinds/notice.c — the notice kind (通知): a committee's or branch's notice
 * to the orgs below it (docs/RECORDS.md, "Notices").
 *
 * This kind is defined by this file alone: validation, storage, merge,
 * sync, digest, import, rendering and `zhibu-node notice …` all come from
 * the descriptor.  A node writes notices for its own org only (a branch
 * cannot issue one for its township), and every node in that org's subtree
 * receives them.
 */
#include "zb_kind.h"
#include "zb_record.h"

enum { N_ID, N_TITLE, N_BODY, N_DATE, N_ORG_CODE, N__COUNT };

static const zb_field_desc fields[N__COUNT] = {
    [N_ID] = {"id", "编号", "notice id (assigned when absent)", ZB_FT_ID,
              ZB_FF_REQUIRED | ZB_FF_TABLE, 0, NULL, NULL},
    [N_TITLE] = {"title", "标题", "title, at most 64 characters", ZB_FT_TEXT,
                 ZB_FF_REQUIRED | ZB_FF_TABLE, 64, NULL, NULL},
    [N_BODY] = {"body", "正文", "the text (at most 256 bytes)", ZB_FT_TEXT, ZB_FF_REQUIRED, 0,
                NULL, NULL},
    [N_DATE] = {"date", "发布日期", "YYYY-MM-DD, not after today", ZB_FT_DATE,
                ZB_FF_REQUIRED | ZB_FF_TABLE, 0, NULL, NULL},
    [N_ORG_CODE] = {"org_code", "发布组织", "the issuing org (default: this node's org)",
                    ZB_FT_ORG_CODE, ZB_FF_REQUIRED | ZB_FF_TABLE | ZB_FF_FIXED, 0, NULL, NULL},
};

static const zb_index_desc indexes[] = {{N_ORG_CODE, false, "org"}};

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
};
