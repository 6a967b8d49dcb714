/*
 * kinds/dues.c — the dues payment kind (党费): one member's dues for one
 * month, computed by the rule in force for that month (docs/RECORDS.md,
 * "Dues"; the rule tables are data in zb_dues.c).
 *
 * Every field is fixed when the payment is recorded: a mistake is undone
 * by the act void (已缴 —void→ 已作废, with a reason), which the server
 * orders, and the month is then paid again as MEMBER-YYYYMM-2.  The key is
 * the member and the month, so a month paid at two PCs before they synced
 * is one record (docs/RECORDS.md, "Dues": the first write to reach the
 * server holds it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zb_dues.h"
#include "zb_err.h"
#include "zb_kind.h"
#include "zb_merge.h"
#include "zb_record.h"
#include "zb_state.h"

/* What people write for the payer's kind (an import, --kind). */
static const zb_vocab_alias payer_aliases[] = {
    {"在职", "employee"},     {"在职职工", "employee"},  {"在职党员", "employee"},
    {"离退休", "retiree"},    {"退休", "retiree"},       {"离休", "retiree"},
    {"离退休人员", "retiree"}, {"农民", "farmer"},        {"农民党员", "farmer"},
    {"学生", "student"},      {"学生党员", "student"},   {"下岗失业", "unemployed"},
    {"失业", "unemployed"},   {"下岗", "unemployed"},    {"低保", "low_income"},
    {"生活困难", "low_income"}, {NULL, NULL}};

static const zb_field_desc fields[ZB_DF__COUNT] = {
    [ZB_DF_ID] = {.name = "id", .zh = "编号",
                  .help = "MEMBER-YYYYMM (assigned by dues pay; -N after a void)",
                  .type = ZB_FT_TEXT, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE, .max_chars = 48,
                  .headers = ZB_NAMES("党费编号")},
    [ZB_DF_MEMBER_ID] = {.name = "member_id", .zh = "党员编号", .help = "the member who paid",
                         .type = ZB_FT_ID, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE | ZB_FF_FIXED},
    [ZB_DF_MONTH] = {.name = "month", .zh = "所属月份",
                     .help = "the month paid for, YYYY-MM (at most 6 months from paid_date)",
                     .type = ZB_FT_MONTH, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE | ZB_FF_FIXED,
                     .headers = ZB_NAMES("月份", "党费月份")},
    [ZB_DF_ORG_CODE] = {.name = "org_code", .zh = "所在党支部",
                        .help = "the member's org (default: the member's)",
                        .type = ZB_FT_ORG_CODE,
                        .flags = ZB_FF_REQUIRED | ZB_FF_TABLE | ZB_FF_FIXED,
                        .headers = ZB_NAMES("组织代码")},
    [ZB_DF_PAID_DATE] = {.name = "paid_date", .zh = "交纳日期",
                         .help = "the day the money was received (default: today)",
                         .type = ZB_FT_DATE, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE | ZB_FF_FIXED,
                         .headers = ZB_NAMES("交费日期")},
    [ZB_DF_PAYER] = {.name = "payer_kind", .zh = "交纳类别",
                     .help = "employee, retiree, farmer, student, unemployed or low_income",
                     .type = ZB_FT_VOCAB, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE | ZB_FF_FIXED,
                     .vocab = zb_dues_payers, .headers = ZB_NAMES("党员类别", "类别"),
                     .vocab_aliases = payer_aliases},
    [ZB_DF_BASE_FEN] = {.name = "base_fen", .zh = "计算基数（分）",
                        .help = "monthly wage after tax or pension, in fen (employee, retiree)",
                        .type = ZB_FT_FEN, .flags = ZB_FF_FIXED,
                        .headers = ZB_NAMES("计算基数")},
    [ZB_DF_RULE] = {.name = "rule", .zh = "标准依据",
                    .help = "the rule the standard follows (dues rules lists them)",
                    .type = ZB_FT_TEXT, .flags = ZB_FF_REQUIRED | ZB_FF_FIXED, .max_chars = 32},
    [ZB_DF_STANDARD_FEN] = {.name = "standard_fen", .zh = "应交（分）",
                            .help = "the amount the rule asks, in fen", .type = ZB_FT_FEN,
                            .flags = ZB_FF_REQUIRED | ZB_FF_TABLE | ZB_FF_FIXED,
                            .headers = ZB_NAMES("应交金额")},
    [ZB_DF_AMOUNT_FEN] = {.name = "amount_fen", .zh = "实交（分）",
                          .help = "the amount paid, in fen (flagged when not the standard)",
                          .type = ZB_FT_FEN, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE | ZB_FF_FIXED,
                          .headers = ZB_NAMES("实交金额")},
    [ZB_DF_NOTE] = {.name = "note", .zh = "备注",
                    .help = "at most 64 characters (why the amount differs)", .type = ZB_FT_TEXT,
                    .flags = ZB_FF_FIXED, .max_chars = 64},
    [ZB_DF_STATUS] = {.name = "status", .zh = "状态", .help = "已缴, or 已作废 after void",
                      .type = ZB_FT_VOCAB, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE | ZB_FF_STATE,
                      .vocab = zb_dues_statuses},
    [ZB_DF_VOID_REASON] = {.name = "void_reason", .zh = "作废原因",
                           .help = "why it was voided (set by void)", .type = ZB_FT_TEXT,
                           .max_chars = 64},
};

/* The base is what a share is taken of: employees and retirees have one,
 * the fixed amounts have none. */
static const zb_presence_rule presence[] = {
    {ZB_DF_BASE_FEN, ZB_DF_PAYER, ZB_DP_EMPLOYEE, true, "why.dues_base_employee"},
    {ZB_DF_BASE_FEN, ZB_DF_PAYER, ZB_DP_RETIREE, true, "why.dues_base_retiree"},
    {ZB_DF_BASE_FEN, ZB_DF_PAYER, ZB_DP_FARMER, false, "why.dues_base_farmer"},
    {ZB_DF_BASE_FEN, ZB_DF_PAYER, ZB_DP_STUDENT, false, "why.dues_base_student"},
    {ZB_DF_BASE_FEN, ZB_DF_PAYER, ZB_DP_UNEMPLOYED, false,
     "why.dues_base_unemployed"},
    {ZB_DF_BASE_FEN, ZB_DF_PAYER, ZB_DP_LOW_INCOME, false,
     "why.dues_base_low_income"},
    {ZB_DF_VOID_REASON, ZB_DF_STATUS, ZB_DUES_VOID, true, "why.dues_void_required"},
    {ZB_DF_VOID_REASON, ZB_DF_STATUS, ZB_DUES_PAID, false, "why.dues_void_only"},
};

/* "1.5%" for 150 basis points. */
static void rate_text(int bp, char out[16]) {
  if (bp % 100)
    snprintf(out, 16, "%d.%d%%", bp / 100, bp % 100 / 10);
  else
    snprintf(out, 16, "%d%%", bp / 100);
}

static void cross(zb_checker *c, const zb_value *v, const zb_checked *ck, zb_date today) {
  (void)today;
  const bool *ok = ck->ok;
  int month = -1;
  if (ok[ZB_DF_MONTH])
    zb_month_parse(v[ZB_DF_MONTH], ck->len[ZB_DF_MONTH], &month);

  /* One payment per member and month: the key is both (zb_dues.h). */
  if (ok[ZB_DF_ID] && ok[ZB_DF_MEMBER_ID] && month >= 0) {
    size_t ml;
    int km, kn;
    if (!zb_dues_key_parse(v[ZB_DF_ID], &ml, &km, &kn) || ml != ck->len[ZB_DF_MEMBER_ID] ||
        memcmp(v[ZB_DF_ID], v[ZB_DF_MEMBER_ID], ml) != 0 || km != month) {
      char want[ZB_FIELD_MAX + 1];
      zb_dues_key(v[ZB_DF_MEMBER_ID], month, 1, want);
      zb_check_problemf(c, ZB_DF_ID, "why.dues_key" ZB_US "%s" ZB_US "%s", want, want);
    }
  }

  /* Paid monthly; ahead or behind by at most 6 months (关于中国共产党党费收缴、
   * 使用和管理的规定, 2008; docs/RECORDS.md, "Dues"). */
  if (month >= 0 && ok[ZB_DF_PAID_DATE]) {
    int d = month - zb_month_of(ck->date[ZB_DF_PAID_DATE]);
    if (d > ZB_DUES_WINDOW || -d > ZB_DUES_WINDOW)
      zb_check_problemf(c, ZB_DF_MONTH,
                        d > 0 ? "why.dues_ahead" ZB_US "%d" ZB_US "%s" ZB_US "%d"
                              : "why.dues_behind" ZB_US "%d" ZB_US "%s" ZB_US "%d",
                        d > 0 ? d : -d, v[ZB_DF_PAID_DATE], ZB_DUES_WINDOW);
  }

  /* The rule in force for the month, and the standard it gives. */
  const zb_dues_rule *rule = month >= 0 ? zb_dues_rule_for(month) : NULL;
  if (month >= 0 && !rule) {
    char from[11];
    zb_date_format(zb_dues_rules[0]->effective, from);
    zb_check_problemf(c, ZB_DF_MONTH, "why.dues_no_rule" ZB_US "%s" ZB_US "%s" ZB_US "%s",
                      v[ZB_DF_MONTH], zb_dues_rules[0]->name, from);
    return;
  }
  if (!rule || !ok[ZB_DF_RULE])
    return;
  if (strcmp(v[ZB_DF_RULE], rule->name) != 0) {
    zb_check_problemf(c, ZB_DF_RULE, "why.dues_rule" ZB_US "%s" ZB_US "%s", rule->name,
                      v[ZB_DF_MONTH]);
    return;
  }
  int payer = ck->vocab[ZB_DF_PAYER];
  if (!ok[ZB_DF_PAYER] || payer < 0 || !ok[ZB_DF_BASE_FEN] || !ok[ZB_DF_STANDARD_FEN])
    return;
  int64_t base = -1, standard = -1;
  if (ck->len[ZB_DF_BASE_FEN])
    zb_fen_parse(v[ZB_DF_BASE_FEN], &base);
  zb_fen_parse(v[ZB_DF_STANDARD_FEN], &standard);
  const zb_dues_row *row = zb_dues_row_for(rule, payer, base);
  char a[24], b[24], r[16];
  if (!row) {
    zb_check_problemf(c, ZB_DF_PAYER, "why.dues_no_row" ZB_US "%s" ZB_US "%s", rule->name,
                      v[ZB_DF_PAYER]);
  } else if (row->rate_bp) {
    int64_t want = base >= 0 ? zb_dues_rate_of(base, row->rate_bp) : -1;
    if (want >= 0 && standard != want) {
      zb_fen_format(want, a);
      zb_fen_format(base, b);
      rate_text(row->rate_bp, r);
      zb_check_problemf(c, ZB_DF_STANDARD_FEN,
                        "why.dues_rate" ZB_US "%lld" ZB_US "%s" ZB_US "%s" ZB_US "%s" ZB_US "%s",
                        (long long)want, a, r, b, rule->name);
    }
  } else if (standard < row->min_fen || standard > row->max_fen) {
    zb_fen_format(row->min_fen, a);
    zb_fen_format(row->max_fen, b);
    if (row->min_fen == row->max_fen)
      zb_check_problemf(c, ZB_DF_STANDARD_FEN, "why.dues_fixed" ZB_US "%lld" ZB_US "%s" ZB_US
                        "%s" ZB_US "%s", (long long)row->min_fen, a, v[ZB_DF_PAYER], rule->name);
    else
      zb_check_problemf(c, ZB_DF_STANDARD_FEN,
                        "why.dues_range" ZB_US "%lld" ZB_US "%lld" ZB_US "%s" ZB_US "%s" ZB_US
                        "%s" ZB_US "%s",
                        (long long)row->min_fen, (long long)row->max_fen, a, b, v[ZB_DF_PAYER],
                        rule->name);
  }
}

/* A payment is recorded for a member of its org, for a month in which the
 * person was a member, and after every earlier payment of that month was
 * voided.  Checked when the payment is created (its fields never change
 * afterwards; a later act on it does not ask again). */
static int state_check(zb_txn *t, const zb_value *v, const char *scope, zb_date today,
                       zb_apply_result *r) {
  (void)today;
  zb_rec *rec = malloc(sizeof *rec);
  if (!rec)
    return ZB_ENOMEM;
  int rc = zb_rec_load(t, &zb_kind_dues, v[ZB_DF_ID], rec);
  if (rc == 0 || rc != ZB_ENOTFOUND)
    goto out;   /* stored already: not a creation */
  const char *mid = v[ZB_DF_MEMBER_ID], *org = v[ZB_DF_ORG_CODE];
  rc = zb_rec_load(t, &zb_kind_member, mid, rec);
  if (rc && rc != ZB_ENOTFOUND)
    goto out;
  if (rc == ZB_ENOTFOUND || strcmp(rec->v[ZB_MF_ORG_CODE], org) != 0) {
    /* Where the member is, only to a writer who holds that org. */
    bool visible = rc == 0 && (!scope || zb_org_in_subtree(rec->v[ZB_MF_ORG_CODE], scope));
    if (visible)
      zb_reject(r, ZB_DF_ORG_CODE, "why.member_other_org" ZB_US "%s" ZB_US "%s" ZB_US "%s", mid,
                rec->v[ZB_MF_ORG_CODE], org);
    else
      zb_reject(r, ZB_DF_MEMBER_ID, "why.member_not_in_org" ZB_US "%s" ZB_US "%s", mid, org);
    rc = 0;
    goto out;
  }
  rc = 0;
  int month;
  zb_date join, leave;
  zb_month_parse(v[ZB_DF_MONTH], strlen(v[ZB_DF_MONTH]), &month);   /* validated */
  /* Dues are due from the month the member joined (a 预备党员 pays from
   * the day the branch admitted them) to the month of leaving, unless
   * the member left on its first day: a month is due when the person was
   * a member on one of its days. */
  const char *jd = rec->v[ZB_MF_JOIN_DATE], *ld = rec->v[ZB_MF_LEAVE_DATE];
  if (zb_date_parse(jd, strlen(jd), &join) == 0 && zb_month_of(join) > month) {
    zb_reject(r, ZB_DF_MONTH, "why.dues_before_join" ZB_US "%s" ZB_US "%s" ZB_US "%s", mid, jd,
              v[ZB_DF_MONTH]);
    goto out;
  }
  if (zb_vocab_index(zb_member_statuses, rec->v[ZB_MF_STATUS]) == 1 &&
      zb_date_parse(ld, strlen(ld), &leave) == 0 &&
      zb_date_cmp(leave, zb_month_first(month)) <= 0) {
    zb_reject(r, ZB_DF_MONTH, "why.dues_after_leave" ZB_US "%s" ZB_US "%s" ZB_US "%s", mid, ld,
              v[ZB_DF_MONTH]);
    goto out;
  }
  /* MEMBER-YYYYMM-N follows payments 1 … N-1 of the month, all voided. */
  size_t ml;
  int km, n;
  if (!zb_dues_key_parse(v[ZB_DF_ID], &ml, &km, &n))
    goto out;   /* cross() refused it already */
  for (int k = 1; k < n; k++) {
    char key[ZB_FIELD_MAX + 1];
    zb_dues_key(mid, month, k, key);
    rc = zb_rec_load(t, &zb_kind_dues, key, rec);
    if (rc && rc != ZB_ENOTFOUND)
      goto out;
    if (rc == ZB_ENOTFOUND || zb_kind_state(&zb_kind_dues, rec->v) != ZB_DUES_VOID) {
      zb_reject(r, ZB_DF_ID,
                rc ? "why.dues_gap_missing" ZB_US "%s" ZB_US "%s" ZB_US "%s"
                   : "why.dues_gap_not_void" ZB_US "%s" ZB_US "%s" ZB_US "%s",
                v[ZB_DF_ID], v[ZB_DF_MONTH], key);
      rc = 0;
      goto out;
    }
  }
  rc = 0;
out:
  free(rec);
  return rc;
}

static const int void_params[] = {ZB_DF_VOID_REASON};
static const char *const void_opts[] = {"reason"};
static const zb_act_desc acts[] = {
    {"void", "作废",
     "void a payment recorded by mistake: --reason TEXT (required).  The month\n"
     "may then be paid again (dues pay records it as KEY-2)",
     1u << ZB_DUES_PAID, ZB_DUES_VOID, void_params, 1, void_opts, NULL, 0, NULL},
};

static const zb_index_desc indexes[] = {
    {ZB_DF_ORG_CODE, false, 0},
    {ZB_DF_MEMBER_ID, false, 0},
};

const zb_kind_desc zb_kind_dues = {
    .id = 5,
    .name = "dues",
    .plural = "payments",
    .zh = "党费",
    .nfields = ZB_DF__COUNT,
    .fields = fields,
    .org_field = ZB_DF_ORG_CODE,
    .scope = ZB_SCOPE_SUBTREE,
    .reach = ZB_REACH_SUBTREE,
    .org_must_exist = true,
    .presence = presence,
    .npresence = sizeof presence / sizeof *presence,
    .cross = cross,
    .state_check = state_check,
    .indexes = indexes,
    .nindexes = sizeof indexes / sizeof *indexes,
    .state_field = ZB_DF_STATUS,
    .ended = 1u << ZB_DUES_VOID,
    .acts = acts,
    .nacts = sizeof acts / sizeof *acts,
};
