/*
 * kinds/eval.c — the evaluation kind (民主评议): a member's grade for a
 * year (docs/RECORDS.md, "Evaluations"; zb_eval.h).
 *
 * The grade is a field that sets write (re-grading is an update); what
 * makes it a workflow is its rules against the state: the member is a full
 * member of the org, and 优秀 stays within one third of the members the
 * branch grades.  The server checks them for every op in its own order, so
 * grades written at two PCs cannot together exceed the third: the one that
 * would comes back rejected.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zb_err.h"
#include "zb_eval.h"
#include "zb_kind.h"
#include "zb_merge.h"
#include "zb_record.h"
#include "zb_state.h"

const char *const zb_eval_grades[] = {"优秀", "合格", "基本合格", "不合格", NULL};

static const zb_field_desc fields[ZB_EF__COUNT] = {
    [ZB_EF_ID] = {.name = "id", .zh = "编号", .help = "MEMBER-YYYY (assigned by eval set)",
                  .type = ZB_FT_TEXT, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE, .max_chars = 40,
                  .headers = ZB_NAMES("评议编号")},
    [ZB_EF_MEMBER_ID] = {.name = "member_id", .zh = "党员编号", .help = "the member graded",
                         .type = ZB_FT_ID, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE | ZB_FF_FIXED},
    [ZB_EF_YEAR] = {.name = "year", .zh = "评议年度", .help = "YYYY, not after this year",
                    .type = ZB_FT_TEXT, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE | ZB_FF_FIXED,
                    .max_chars = 4, .headers = ZB_NAMES("年度")},
    [ZB_EF_ORG_CODE] = {.name = "org_code", .zh = "所在党支部",
                        .help = "the member's org (default: the member's)",
                        .type = ZB_FT_ORG_CODE,
                        .flags = ZB_FF_REQUIRED | ZB_FF_TABLE | ZB_FF_FIXED,
                        .headers = ZB_NAMES("组织代码")},
    [ZB_EF_GRADE] = {.name = "grade", .zh = "评议等次", .help = "优秀, 合格, 基本合格 or 不合格",
                     .type = ZB_FT_VOCAB, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE,
                     .vocab = zb_eval_grades, .headers = ZB_NAMES("等次", "评定等次")},
    [ZB_EF_NOTE] = {.name = "note", .zh = "备注", .help = "at most 64 characters",
                    .type = ZB_FT_TEXT, .max_chars = 64},
};

size_t zb_eval_key(const char *member, int year, char out[ZB_FIELD_MAX + 1]) {
  int w = snprintf(out, ZB_FIELD_MAX + 1, "%s-%04d", member, year);
  return w > 0 && w <= 40 ? (size_t)w : 0;
}

static void cross(zb_checker *c, const zb_value *v, const zb_checked *ck, zb_date today) {
  const bool *ok = ck->ok;
  if (!ok[ZB_EF_YEAR])
    return;
  const char *y = v[ZB_EF_YEAR];
  bool digits = ck->len[ZB_EF_YEAR] == 4;
  int year = 0;
  for (int i = 0; digits && i < 4; i++) {
    digits = y[i] >= '0' && y[i] <= '9';
    year = year * 10 + (y[i] - '0');
  }
  if (!digits)
    year = 0;
  if (year < 1900) {
    zb_check_problem(c, ZB_EF_YEAR, "why.eval_year");
    return;
  }
  if (year > today.y)
    zb_check_problemf(c, ZB_EF_YEAR, "why.eval_future" ZB_US "%d", today.y);
  if (ok[ZB_EF_ID] && ok[ZB_EF_MEMBER_ID]) {
    char want[ZB_FIELD_MAX + 1];
    if (zb_eval_key(v[ZB_EF_MEMBER_ID], year, want) && strcmp(want, v[ZB_EF_ID]) != 0)
      zb_check_problemf(c, ZB_EF_ID, "why.eval_key" ZB_US "%s", want);
  }
}

struct counts {
  const char *year, *skip;
  long eligible, excellent;
};

static int count_member(void *ctx, const zb_rec *m) {
  struct counts *cc = ctx;
  /* 正式党员 who have not left (民主评议: probationary members are not
   * graded). */
  if (zb_vocab_index(zb_categories, m->v[ZB_MF_CATEGORY]) == 0 &&
      zb_vocab_index(zb_member_statuses, m->v[ZB_MF_STATUS]) != 1)
    cc->eligible++;
  return 0;
}

static int count_excellent(void *ctx, const zb_rec *e) {
  struct counts *cc = ctx;
  if (strcmp(e->v[ZB_EF_YEAR], cc->year) == 0 &&
      zb_vocab_index(zb_eval_grades, e->v[ZB_EF_GRADE]) == ZB_EVAL_EXCELLENT &&
      (!cc->skip || strcmp(e->v[ZB_EF_ID], cc->skip) != 0))
    cc->excellent++;
  return 0;
}

int zb_eval_counts(zb_txn *t, const char *org, const char *year, const char *skip,
                   long *eligible, long *excellent) {
  struct counts cc = {year, skip, 0, 0};
  int rc = zb_recs_in_subtree(t, &zb_kind_member, org, false, count_member, &cc);
  if (!rc)
    rc = zb_recs_with(t, &zb_kind_eval, zb_kind_eval.indexes[0].field, org, count_excellent,
                            &cc);
  *eligible = cc.eligible;
  *excellent = cc.excellent;
  return rc;
}

/* When the evaluation is created: the member is a full member of the
 * org.  Whenever a grade becomes 优秀: one third. */
static int state_check(zb_txn *t, const zb_value *v, const char *scope, zb_date today,
                       zb_apply_result *r) {
  (void)today;
  zb_rec *rec = malloc(sizeof *rec);
  if (!rec)
    return ZB_ENOMEM;
  const char *mid = v[ZB_EF_MEMBER_ID], *org = v[ZB_EF_ORG_CODE];
  int rc = zb_rec_load(t, &zb_kind_eval, v[ZB_EF_ID], rec);
  bool created = rc == ZB_ENOTFOUND;
  bool was_excellent =
      rc == 0 && zb_vocab_index(zb_eval_grades, rec->v[ZB_EF_GRADE]) == ZB_EVAL_EXCELLENT;
  if (rc && !created)
    goto out;
  rc = 0;
  if (created) {
    int m = zb_rec_load(t, &zb_kind_member, mid, rec);
    if (m && m != ZB_ENOTFOUND) {
      rc = m;
      goto out;
    }
    if (m == ZB_ENOTFOUND || strcmp(rec->v[ZB_MF_ORG_CODE], org) != 0) {
      bool visible = m == 0 && (!scope || zb_org_in_subtree(rec->v[ZB_MF_ORG_CODE], scope));
      if (visible)
        zb_reject(r, ZB_EF_ORG_CODE, "why.member_other_org" ZB_US "%s" ZB_US "%s" ZB_US "%s", mid,
                  rec->v[ZB_MF_ORG_CODE], org);
      else
        zb_reject(r, ZB_EF_MEMBER_ID, "why.member_not_in_org" ZB_US "%s" ZB_US "%s", mid, org);
      goto out;
    }
    if (zb_vocab_index(zb_categories, rec->v[ZB_MF_CATEGORY]) != 0) {
      zb_reject(r, ZB_EF_MEMBER_ID, "why.eval_probationary" ZB_US "%s" ZB_US "%s", mid,
                rec->v[ZB_MF_CATEGORY]);
      goto out;
    }
  }
  if (zb_vocab_index(zb_eval_grades, v[ZB_EF_GRADE]) != ZB_EVAL_EXCELLENT || was_excellent)
    goto out;
  long eligible, excellent;
  if ((rc = zb_eval_counts(t, org, v[ZB_EF_YEAR], v[ZB_EF_ID], &eligible, &excellent)))
    goto out;
  if ((excellent + 1) * 3 > eligible)
    zb_reject(r, ZB_EF_GRADE, "why.eval_third" ZB_US "%ld" ZB_US "%s" ZB_US "%ld" ZB_US "%s",
              eligible, org, excellent, v[ZB_EF_YEAR]);
out:
  free(rec);
  return rc;
}

static const zb_index_desc indexes[] = {
    {ZB_EF_ORG_CODE, false, 0},
    {ZB_EF_MEMBER_ID, false, 0},
};

const zb_kind_desc zb_kind_eval = {
    .id = 6,
    .name = "eval",
    .plural = "evaluations",
    .zh = "民主评议",
    .nfields = ZB_EF__COUNT,
    .fields = fields,
    .org_field = ZB_EF_ORG_CODE,
    .scope = ZB_SCOPE_SUBTREE,
    .reach = ZB_REACH_SUBTREE,
    .org_must_exist = true,
    .cross = cross,
    .state_check = state_check,
    .indexes = indexes,
    .nindexes = sizeof indexes / sizeof *indexes,
};
