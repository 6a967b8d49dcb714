/*
 * kinds/points.c — the points entry kind (积分): one manual item of the
 * points scheme given to one member on one day (docs/RECORDS.md,
 * "Points"; the scheme and the ranking: zb_points.c, zb_rank.c).
 *
 * Every field is fixed once written; an entry made by mistake is voided
 * (有效 —void→ 已作废, with a reason: an act, ordered by the server) and
 * counts no more.  The rules against the state — the
 * member is in the org, the item and its points are the scheme's, the
 * entry names the scheme in force, and the member's entries of the item in
 * the date's year stay within its yearly cap — are checked when the entry
 * is written: at the node as a first answer, and at the server in its own
 * order, so two PCs cannot together pass the cap (like the one-third rule
 * of kinds/eval.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zb_err.h"
#include "zb_kind.h"
#include "zb_merge.h"
#include "zb_points.h"
#include "zb_record.h"
#include "zb_state.h"

const char *const zb_points_statuses[] = {"有效", "已作废", NULL};

static const zb_field_desc fields[ZB_PF__COUNT] = {
    [ZB_PF_ID] = {.name = "id", .zh = "编号", .help = "entry id (assigned)", .type = ZB_FT_ID,
                  .flags = ZB_FF_REQUIRED | ZB_FF_TABLE, .headers = ZB_NAMES("积分编号")},
    [ZB_PF_MEMBER_ID] = {.name = "member_id", .zh = "党员编号", .help = "the member",
                         .type = ZB_FT_ID, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE | ZB_FF_FIXED},
    [ZB_PF_ORG_CODE] = {.name = "org_code", .zh = "所在党支部",
                        .help = "the member's org (default: the member's)",
                        .type = ZB_FT_ORG_CODE,
                        .flags = ZB_FF_REQUIRED | ZB_FF_TABLE | ZB_FF_FIXED,
                        .headers = ZB_NAMES("组织代码")},
    [ZB_PF_ITEM] = {.name = "item", .zh = "积分项目", .help = "a manual item of the points scheme",
                    .type = ZB_FT_ID, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE | ZB_FF_FIXED,
                    .headers = ZB_NAMES("项目")},
    [ZB_PF_DATE] = {.name = "date", .zh = "日期", .help = "the day of the deed (default: today)",
                    .type = ZB_FT_DATE, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE | ZB_FF_FIXED},
    [ZB_PF_POINTS] = {.name = "points", .zh = "分值", .help = "the item's points in the scheme",
                      .type = ZB_FT_TEXT, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE | ZB_FF_FIXED,
                      .max_chars = 4},
    [ZB_PF_SCHEME] = {.name = "scheme", .zh = "积分办法",
                      .help = "NAME/VERSION of the scheme in force",
                      .type = ZB_FT_TEXT, .flags = ZB_FF_REQUIRED | ZB_FF_FIXED, .max_chars = 40},
    [ZB_PF_NOTE] = {.name = "note", .zh = "备注", .help = "at most 64 characters",
                    .type = ZB_FT_TEXT, .flags = ZB_FF_TABLE | ZB_FF_FIXED, .max_chars = 64},
    [ZB_PF_STATUS] = {.name = "status", .zh = "状态", .help = "有效, or 已作废 after void",
                      .type = ZB_FT_VOCAB, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE | ZB_FF_STATE,
                      .vocab = zb_points_statuses},
    [ZB_PF_VOID_REASON] = {.name = "void_reason", .zh = "作废原因",
                           .help = "why it was voided (set by void)", .type = ZB_FT_TEXT,
                           .max_chars = 64},
};

static const zb_presence_rule presence[] = {
    {ZB_PF_VOID_REASON, ZB_PF_STATUS, ZB_POINTS_VOID, true, "why.points_void_required"},
    {ZB_PF_VOID_REASON, ZB_PF_STATUS, ZB_POINTS_VALID, false, "is set only by void"},
};

/* points: an integer -100..100, not 0, written plainly ("2", "-10"). */
static bool points_value(const char *s, int *out) {
  const char *d = s[0] == '-' ? s + 1 : s;
  size_t n = strlen(d);
  if (n == 0 || n > 3 || strspn(d, "0123456789") != n || (n > 1 && d[0] == '0'))
    return false;
  int v = 0;
  for (size_t i = 0; i < n; i++)
    v = v * 10 + (d[i] - '0');
  if (d != s)
    v = -v;
  if (v == 0 || v > ZB_PTS_POINTS_MAX || v < -ZB_PTS_POINTS_MAX)
    return false;
  *out = v;
  return true;
}

static void cross(zb_checker *c, const zb_value *v, const zb_checked *ck, zb_date today) {
  (void)today;
  int p;
  if (ck->ok[ZB_PF_POINTS] && !points_value(v[ZB_PF_POINTS], &p))
    zb_check_problemf(c, ZB_PF_POINTS, "why.points_value" ZB_US "%d" ZB_US "%d",
                      ZB_PTS_POINTS_MAX, ZB_PTS_POINTS_MAX);
}

struct sum {
  const char *item, *skip;
  char year[5];
  long total;   /* |points| */
};

static int add_entry(void *ctx, const zb_rec *e) {
  struct sum *s = ctx;
  int p;
  if (strcmp(e->v[ZB_PF_ITEM], s->item) == 0 && strncmp(e->v[ZB_PF_DATE], s->year, 4) == 0 &&
      strcmp(e->v[ZB_PF_ID], s->skip) != 0 &&
      zb_vocab_index(zb_points_statuses, e->v[ZB_PF_STATUS]) != ZB_POINTS_VOID &&
      points_value(e->v[ZB_PF_POINTS], &p))
    s->total += p < 0 ? -p : p;
  return 0;
}

static int state_check(zb_txn *t, const zb_value *v, const char *scope, zb_date today,
                       zb_apply_result *r) {
  (void)today;
  zb_rec *rec = malloc(sizeof *rec);
  if (!rec)
    return ZB_ENOMEM;
  int rc = zb_rec_load(t, &zb_kind_points, v[ZB_PF_ID], rec);
  if (rc != ZB_ENOTFOUND)   /* stored: its fields are fixed */
    goto out;
  const char *mid = v[ZB_PF_MEMBER_ID], *org = v[ZB_PF_ORG_CODE];
  int m = zb_rec_load(t, &zb_kind_member, mid, rec);
  rc = 0;
  if (m && m != ZB_ENOTFOUND) {
    rc = m;
    goto out;
  }
  if (m == ZB_ENOTFOUND || strcmp(rec->v[ZB_MF_ORG_CODE], org) != 0) {
    bool visible = m == 0 && (!scope || zb_org_in_subtree(rec->v[ZB_MF_ORG_CODE], scope));
    if (visible)
      zb_reject(r, ZB_PF_ORG_CODE, "why.member_other_org" ZB_US "%s" ZB_US "%s" ZB_US "%s", mid,
                rec->v[ZB_MF_ORG_CODE], org);
    else
      zb_reject(r, ZB_PF_MEMBER_ID, "why.member_not_in_org" ZB_US "%s" ZB_US "%s", mid, org);
    goto out;
  }
  if (zb_kind_ended(&zb_kind_member, rec->v)) {
    zb_reject(r, ZB_PF_MEMBER_ID, "why.member_left" ZB_US "%s" ZB_US "%s", mid,
              rec->v[ZB_MF_LEAVE_DATE]);
    goto out;
  }
  /* The scheme in force here, the same file at every PC and the server. */
  const zb_points_scheme *s = zb_points_active();
  char sid[ZB_FIELD_MAX + 1];
  zb_points_scheme_id(s, sid);
  if (strcmp(v[ZB_PF_SCHEME], sid) != 0) {
    zb_reject(r, ZB_PF_SCHEME, "why.points_scheme" ZB_US "%s" ZB_US "%s", v[ZB_PF_SCHEME], sid);
    goto out;
  }
  const zb_pts_item *it = zb_points_item(s, v[ZB_PF_ITEM]);
  if (!it) {
    zb_reject(r, ZB_PF_ITEM, "why.points_item" ZB_US "%s" ZB_US "%s", v[ZB_PF_ITEM], sid);
    goto out;
  }
  int p = 0;
  points_value(v[ZB_PF_POINTS], &p);
  if (p != it->points) {
    zb_reject(r, ZB_PF_POINTS, "why.points_worth" ZB_US "%s" ZB_US "%s" ZB_US "%d" ZB_US "%s" ZB_US "%d",
              it->key, it->name, it->points, sid, p);
    goto out;
  }
  struct sum sm = {.item = it->key, .skip = v[ZB_PF_ID]};
  memcpy(sm.year, v[ZB_PF_DATE], 4);
  if ((rc = zb_recs_with(t, &zb_kind_points, ZB_PF_MEMBER_ID, mid, add_entry, &sm)))
    goto out;
  long after = sm.total + (p < 0 ? -p : p);
  if (after > it->cap)
    zb_reject(r, ZB_PF_ITEM,
              "why.points_cap" ZB_US "%s" ZB_US "%s" ZB_US "%s" ZB_US "%ld" ZB_US "%d" ZB_US
              "%s" ZB_US "%d",
              it->key, it->name, mid, sm.total, it->cap, sm.year, p < 0 ? -p : p);
out:
  free(rec);
  return rc;
}

static const int void_params[] = {ZB_PF_VOID_REASON};
static const char *const void_opts[] = {"reason"};
static const zb_act_desc acts[] = {
    {"void", "作废",
     "void an entry made by mistake: --reason TEXT (required).  It no longer\n"
     "counts, towards the ranking or the item's yearly cap",
     1u << ZB_POINTS_VALID, ZB_POINTS_VOID, void_params, 1, void_opts, NULL, 0, NULL},
};

static const zb_index_desc indexes[] = {
    {ZB_PF_ORG_CODE, false, 0},
    {ZB_PF_MEMBER_ID, false, 0},
};

const zb_kind_desc zb_kind_points = {
    .id = 9,
    .name = "points",
    .plural = "points",
    .zh = "积分",
    .nfields = ZB_PF__COUNT,
    .fields = fields,
    .org_field = ZB_PF_ORG_CODE,
    .scope = ZB_SCOPE_SUBTREE,
    .reach = ZB_REACH_SUBTREE,
    .org_must_exist = true,
    .auto_key = true,
    .presence = presence,
    .npresence = sizeof presence / sizeof *presence,
    .cross = cross,
    .state_check = state_check,
    .indexes = indexes,
    .nindexes = sizeof indexes / sizeof *indexes,
    .state_field = ZB_PF_STATUS,
    .ended = 1u << ZB_POINTS_VOID,
    .acts = acts,
    .nacts = sizeof acts / sizeof *acts,
};
