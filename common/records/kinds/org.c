/*
 * kinds/org.c — the org kind (党组织): the org tree itself (docs/RECORDS.md,
 * "Orgs").  An org's code is its place in the tree, and every node receives
 * every org (a branch names its county in reports).
 */
#include <string.h>

#include "zb_err.h"
#include "zb_kind.h"
#include "zb_merge.h"
#include "zb_record.h"
#include "zb_store.h"

/* 党委/党工委, 党总支, 党支部 as a county's file writes them. */
static const zb_vocab_alias type_aliases[] = {
    {"党委", "committee"},       {"党工委", "committee"},   {"基层党委", "committee"},
    {"党总支", "general_branch"}, {"总支", "general_branch"}, {"党总支部", "general_branch"},
    {"党支部", "branch"},         {"支部", "branch"},        {NULL, NULL}};

static const zb_field_desc fields[ZB_OF__COUNT] = {
    [ZB_OF_CODE] = {.name = "code", .zh = "组织代码", .help = "org code, e.g. 430121-03-07",
                    .type = ZB_FT_ORG_CODE, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE,
                    .headers = ZB_NAMES("党组织代码", "代码")},
    [ZB_OF_NAME] = {.name = "name", .zh = "组织名称", .help = "the org's name",
                    .type = ZB_FT_TEXT, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE, .max_chars = 64,
                    .headers = ZB_NAMES("党组织名称", "名称")},
    [ZB_OF_TYPE] = {.name = "type", .zh = "组织类别",
                    .help = "committee (党委), general_branch (党总支) or branch (党支部)",
                    .type = ZB_FT_VOCAB, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE,
                    .vocab = zb_org_types, .headers = ZB_NAMES("组织类型", "类别"),
                    .vocab_aliases = type_aliases},
    /* Checked by cross(): it can only repeat what the code implies. */
    [ZB_OF_PARENT_CODE] = {.name = "parent_code", .zh = "上级组织代码",
                           .help = "the parent's code", .type = ZB_FT_TEXT,
                           .flags = ZB_FF_TABLE,
                           .headers = ZB_NAMES("上级党组织代码", "上级代码")},
};

static void cross(zb_checker *c, const zb_value *v, const zb_checked *ck, zb_date today) {
  (void)today;
  if (!ck->ok[ZB_OF_PARENT_CODE])
    return;
  const char *parent = v[ZB_OF_PARENT_CODE];
  if (ck->ok[ZB_OF_CODE]) {
    /* The tree is implied by the codes themselves (docs/RECORDS.md), so the
     * parent column can only ever repeat it; a row that disagrees is a
     * mistake in one of the two columns. */
    char want[ZB_FIELD_MAX + 1];
    zb_org_parent(v[ZB_OF_CODE], want);
    if (strcmp(parent, want) == 0)
      return;
    if (want[0] == '\0')
      zb_check_problemf(c, ZB_OF_PARENT_CODE, "why.parent_top" ZB_US "%s",
                        v[ZB_OF_CODE]);
    else
      zb_check_problemf(c, ZB_OF_PARENT_CODE, "why.parent_is" ZB_US "%s" ZB_US "%s", want,
                        v[ZB_OF_CODE]);
  } else if (ck->len[ZB_OF_PARENT_CODE] > 0 && !zb_org_code_valid(parent)) {
    zb_check_problem(c, ZB_OF_PARENT_CODE, zb_org_code_rule);
  }
}

/* The root of a scope hangs under an org the writer may not hold; every
 * other org needs its parent first, so the tree never has holes. */
static int state_check(zb_txn *t, const zb_value *v, const char *scope, zb_date today,
                       zb_apply_result *r) {
  (void)today;
  const char *code = v[ZB_OF_CODE], *parent = v[ZB_OF_PARENT_CODE];
  bool is_scope_root = scope && strcmp(code, scope) == 0;
  if (!*parent || is_scope_root)
    return 0;
  zb_val val;
  int rc = zb_txn_get(t, ZB_DB_ORGS, parent, strlen(parent), &val);
  if (rc == ZB_ENOTFOUND)
    return zb_reject(r, ZB_OF_PARENT_CODE, "why.parent_missing" ZB_US "%s", parent);
  return rc;
}

const zb_kind_desc zb_kind_org = {
    .id = 1,
    .name = "org",
    .plural = "orgs",
    .zh = "党组织",
    .nfields = ZB_OF__COUNT,
    .fields = fields,
    .org_field = ZB_OF_CODE,
    .scope = ZB_SCOPE_SUBTREE,
    .reach = ZB_REACH_ALL,
    .table = ZB_DB_ORGS,
    .cross = cross,
    .state_check = state_check,
};
