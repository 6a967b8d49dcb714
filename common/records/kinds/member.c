/*
 * kinds/member.c — the member kind (党员): the roster row of the reference
 * roster, and the rules of docs/RECORDS.md, "Members".
 */
#include <stdio.h>
#include <string.h>

#include "zb_idnum.h"
#include "zb_kind.h"
#include "zb_merge.h"
#include "zb_record.h"
#include "zb_rules.h"
#include "zb_stats.h"


enum { CAT_FULL = 0, CAT_PROBATIONARY = 1 };   /* index in zb_categories */

/* What an import reads as a vocabulary value besides the value itself
 * (docs/RECORDS.md, "Importing"): the short forms secretaries write.  The
 * education rows follow the 党内统计 table: 高中、中技 are one row (so 技校
 * and 职高 count as 高中), 中专 the next. */
static const zb_vocab_alias role_aliases[] = {
    {"secretary", "书记"}, {"deputy", "副书记"}, {"committee_member", "委员"},
    {"支部书记", "书记"}, {"支部副书记", "副书记"}, {"支委", "委员"}, {"支部委员", "委员"},
    {NULL, NULL}};
static const zb_vocab_alias gender_aliases[] = {
    {"男性", "男"}, {"女性", "女"}, {NULL, NULL}};
static const zb_vocab_alias education_aliases[] = {
    {"博士", "研究生"},         {"硕士", "研究生"},       {"博士研究生", "研究生"},
    {"硕士研究生", "研究生"},   {"研究生及以上", "研究生"}, {"本科", "大学本科"},
    {"大学", "大学本科"},       {"大本", "大学本科"},     {"大专", "大学专科"},
    {"专科", "大学专科"},       {"中专", "中等专科"},     {"中等专业学校", "中等专科"},
    {"中师", "中等专科"},       {"普通高中", "高中"},     {"中技", "高中"},
    {"技校", "高中"},           {"技工学校", "高中"},     {"职高", "高中"},
    {"职业高中", "高中"},       {"初中", "初中及以下"},   {"小学", "初中及以下"},
    {"初中以下", "初中及以下"}, {"小学及以下", "初中及以下"}, {"文盲", "初中及以下"},
    {NULL, NULL}};
static const zb_vocab_alias category_aliases[] = {
    {"正式", "正式党员"}, {"预备", "预备党员"}, {NULL, NULL}};
static const zb_vocab_alias occupation_aliases[] = {
    {"农民", "农牧渔民"},
    {"牧民", "农牧渔民"},
    {"渔民", "农牧渔民"},
    {"农牧民", "农牧渔民"},
    {"专业技术人员", "企事业单位专业技术人员"},
    {"管理人员", "企事业单位管理人员"},
    {"党政机关人员", "党政机关工作人员"},
    {"机关工作人员", "党政机关工作人员"},
    {"机关干部", "党政机关工作人员"},
    {"公务员", "党政机关工作人员"},
    {"在校学生", "学生"},
    {"离退休", "离退休人员"},
    {"退休", "离退休人员"},
    {"离休", "离退休人员"},
    {"退休人员", "离退休人员"},
    {"离休人员", "离退休人员"},
    {"其他", "其他职业人员"},
    {"其他人员", "其他职业人员"},
    {NULL, NULL}};

static const zb_field_desc fields[ZB_MF__COUNT] = {
    [ZB_MF_ID] = {.name = "id", .zh = "编号", .help = "member id (assigned when absent)",
                  .type = ZB_FT_ID, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE,
                  .headers = ZB_NAMES("党员编号")},
    [ZB_MF_NAME] = {.name = "name", .zh = "姓名", .help = "full name", .type = ZB_FT_TEXT,
                    .flags = ZB_FF_REQUIRED | ZB_FF_TABLE, .max_chars = 32,
                    .headers = ZB_NAMES("党员姓名")},
    [ZB_MF_GENDER] = {.name = "gender", .zh = "性别", .help = "男 or 女", .type = ZB_FT_VOCAB,
                      .flags = ZB_FF_REQUIRED | ZB_FF_TABLE, .vocab = zb_genders,
                      .vocab_aliases = gender_aliases},
    [ZB_MF_ETHNICITY] = {.name = "ethnicity", .zh = "民族",
                         .help = "one of the 56 ethnic groups (汉 for 汉族)",
                         .type = ZB_FT_VOCAB, .vocab = zb_ethnicities,
                         .vocab_desc = "one of the 56 ethnic groups", .vocab_suffix = "族"},
    [ZB_MF_BIRTH_DATE] = {.name = "birth_date", .zh = "出生日期", .help = "YYYY-MM-DD",
                          .type = ZB_FT_DATE, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE,
                          .headers = ZB_NAMES("出生年月")},
    [ZB_MF_ID_NUMBER] = {.name = "id_number", .zh = "公民身份号码",
                         .help = "18-character resident ID number", .type = ZB_FT_ID_NUMBER,
                         .flags = ZB_FF_REQUIRED,
                         .headers = ZB_NAMES("身份证号", "身份证号码", "身份证")},
    [ZB_MF_EDUCATION] = {.name = "education", .zh = "学历",
                         .help = "研究生 … 初中及以下 (本科, 大专 accepted)",
                         .type = ZB_FT_VOCAB, .vocab = zb_educations,
                         .headers = ZB_NAMES("文化程度"), .vocab_aliases = education_aliases},
    [ZB_MF_CATEGORY] = {.name = "category", .zh = "人员类别",
                        .help = "正式党员 or 预备党员 (default: from --full-date)",
                        .type = ZB_FT_VOCAB, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE,
                        .vocab = zb_categories, .headers = ZB_NAMES("党员类别"),
                        .vocab_aliases = category_aliases},
    [ZB_MF_JOIN_DATE] = {.name = "join_date", .zh = "入党日期", .help = "YYYY-MM-DD",
                         .type = ZB_FT_DATE, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE,
                         .headers = ZB_NAMES("入党时间")},
    [ZB_MF_FULL_DATE] = {.name = "full_date", .zh = "转正日期",
                         .help = "YYYY-MM-DD, for 正式党员", .type = ZB_FT_DATE,
                         .headers = ZB_NAMES("转正时间")},
    [ZB_MF_ORG_CODE] = {.name = "org_code", .zh = "所在党支部",
                        .help = "org code (default: this node's org)", .type = ZB_FT_ORG_CODE,
                        .flags = ZB_FF_REQUIRED | ZB_FF_TABLE,
                        .headers = ZB_NAMES("所在支部", "所在党组织", "组织代码")},
    [ZB_MF_PHONE] = {.name = "phone", .zh = "联系电话",
                     .help = "mobile (13800138000) or landline (0731-84012345)",
                     .type = ZB_FT_PHONE,
                     .headers = ZB_NAMES("手机号码", "手机号", "手机", "电话")},
    [ZB_MF_OCCUPATION] = {.name = "occupation", .zh = "工作岗位",
                          .help = "a row of the 党内统计 occupations", .type = ZB_FT_VOCAB,
                          .vocab = zb_occupations, .headers = ZB_NAMES("职业"),
                          .vocab_aliases = occupation_aliases},
    [ZB_MF_STATUS] = {.name = "status", .zh = "状态", .help = "empty (在册) or 已离开, set by leave",
                      .type = ZB_FT_VOCAB, .flags = ZB_FF_STATE, .vocab = zb_member_statuses},
    [ZB_MF_LEAVE_REASON] = {.name = "leave_reason", .zh = "减少原因",
                            .help = "去世, 出党, 停止党籍, 退党 or 转出系统外", .type = ZB_FT_VOCAB,
                            .vocab = zb_leave_reasons},
    [ZB_MF_LEAVE_DATE] = {.name = "leave_date", .zh = "减少日期",
                          .help = "YYYY-MM-DD, not before join_date", .type = ZB_FT_DATE},
    [ZB_MF_LEAVE_NOTE] = {.name = "leave_note", .zh = "减少说明",
                          .help = "a note, at most 64 characters (a letter number for 转出系统外)",
                          .type = ZB_FT_TEXT, .max_chars = 64},
    [ZB_MF_ROLE] = {.name = "role", .zh = "支委职务",
                    .help = "书记, 副书记 or 委员 of the branch committee, or empty",
                    .type = ZB_FT_VOCAB, .vocab = zb_member_roles,
                    .headers = ZB_NAMES("党内职务", "职务"), .vocab_aliases = role_aliases},
};

enum { ST_ACTIVE = 0, ST_LEFT = 1 };   /* index in zb_member_statuses */

/* full_date depends on the category: required for 正式党员, absent for
 * 预备党员 (whose conversion has not happened). */
static const zb_presence_rule presence[] = {
    {ZB_MF_FULL_DATE, ZB_MF_CATEGORY, CAT_PROBATIONARY, false, "why.full_date_probationary"},
    {ZB_MF_FULL_DATE, ZB_MF_CATEGORY, CAT_FULL, true, "why.full_date_full"},
    {ZB_MF_LEAVE_REASON, ZB_MF_STATUS, ST_LEFT, true, "why.leave_required"},
    {ZB_MF_LEAVE_DATE, ZB_MF_STATUS, ST_LEFT, true, "why.leave_required"},
    {ZB_MF_LEAVE_REASON, ZB_MF_STATUS, ST_ACTIVE, false, "why.leave_only"},
    {ZB_MF_LEAVE_DATE, ZB_MF_STATUS, ST_ACTIVE, false, "why.leave_only"},
};

static void cross(zb_checker *c, const zb_value *v, const zb_checked *ck, zb_date today) {
  (void)today;
  const bool *ok = ck->ok;
  zb_date id_birth = {0, 0, 0};
  int id_male = 0;
  if (ok[ZB_MF_ID_NUMBER])
    zb_idnum_parse(v[ZB_MF_ID_NUMBER], ck->len[ZB_MF_ID_NUMBER], &id_birth, &id_male, NULL);
  zb_date birth = ck->date[ZB_MF_BIRTH_DATE], join = ck->date[ZB_MF_JOIN_DATE];

  /* GB 11643-1999 §4.2: the birth date code is the holder's birth date. */
  if (ok[ZB_MF_BIRTH_DATE] && ok[ZB_MF_ID_NUMBER] && zb_date_cmp(birth, id_birth) != 0)
    zb_check_problemf(c, ZB_MF_BIRTH_DATE, "why.birth_idnum" ZB_US "%.8s",
                      v[ZB_MF_ID_NUMBER] + 6);

  /* GB 11643-1999 §4.3: the sequence code is odd for men, even for women;
   * its last digit is the 17th character. */
  if (ok[ZB_MF_GENDER] && ok[ZB_MF_ID_NUMBER] &&
      (ck->vocab[ZB_MF_GENDER] == 0) != (id_male != 0)) {
    char d = v[ZB_MF_ID_NUMBER][16];
    zb_check_problemf(c, ZB_MF_GENDER, id_male ? "why.gender_idnum_odd" ZB_US "%c"
                                               : "why.gender_idnum_even" ZB_US "%c",
                      d);
  }

  /* 党章 第一条: only a person aged eighteen or over may join.  The 18th
   * birthday of someone born on 29 February is 28 February in a common
   * year, as in the reference roster generator. */
  const zb_rules *rules = ok[ZB_MF_JOIN_DATE] ? zb_rules_on(join) : NULL;
  if (ok[ZB_MF_BIRTH_DATE] && ok[ZB_MF_JOIN_DATE]) {
    zb_date adult = zb_date_add_years(birth, rules->min_join_age);
    if (zb_date_cmp(join, adult) < 0) {
      char a[11];
      zb_date_format(adult, a);
      zb_check_problemf(c, ZB_MF_JOIN_DATE,
                        "why.join_age" ZB_US "%d" ZB_US "%s",
                        rules->min_join_age, a);
    }
  }

  if (ok[ZB_MF_JOIN_DATE] && ok[ZB_MF_LEAVE_DATE] && ck->len[ZB_MF_LEAVE_DATE] > 0 &&
      zb_date_cmp(ck->date[ZB_MF_LEAVE_DATE], join) < 0)
    zb_check_problemf(c, ZB_MF_LEAVE_DATE, "why.leave_before_join" ZB_US "%s",
                      v[ZB_MF_JOIN_DATE]);

  /* 党章 第七条, 发展党员工作细则 (2014): conversion comes at the end of a
   * one-year probation, or of a probation extended once by up to 12
   * months — so between join + 1 year and join + 2 years. */
  if (ck->vocab[ZB_MF_CATEGORY] == CAT_FULL && ok[ZB_MF_CATEGORY] && ok[ZB_MF_JOIN_DATE] &&
      ok[ZB_MF_FULL_DATE] && ck->len[ZB_MF_FULL_DATE] > 0) {
    zb_date full = ck->date[ZB_MF_FULL_DATE];
    zb_date lo = zb_date_add_years(join, rules->probation_years);
    zb_date hi = zb_date_add_months(zb_date_add_years(join, rules->probation_years),
                                    rules->extend_max_months);
    char b[11];
    if (zb_date_cmp(full, lo) < 0) {
      zb_date_format(lo, b);
      zb_check_problemf(c, ZB_MF_FULL_DATE,
                        "why.full_too_early" ZB_US "%s",
                        b);
    } else if (zb_date_cmp(full, hi) > 0) {
      zb_date_format(hi, b);
      zb_check_problemf(c, ZB_MF_FULL_DATE,
                        "why.full_too_late" ZB_US "%s",
                        b);
    }
  }
}

/* Leaving (docs/RECORDS.md, "Leaving"): a member is never deleted; the act
 * leave ends the membership with its reason and date, and lists and
 * statistics as of a later date leave the member out. */
static const int leave_params[] = {ZB_MF_LEAVE_REASON, ZB_MF_LEAVE_DATE, ZB_MF_LEAVE_NOTE};
static const char *const leave_opts[] = {"reason", "date", "note"};

/* Expulsion (出党) is decided by the branch and approved above it (党章,
 * the chapter on discipline): it is recorded by a committee above the
 * member's branch, not by the branch (docs/RECORDS.md, "Leaving"). */
static int leave_check(struct zb_txn *t, const zb_value *next, const char *scope,
                       zb_date today, struct zb_apply_result *r) {
  (void)today;
  if (strcmp(next[ZB_MF_LEAVE_REASON], "出党") != 0)
    return 0;
  return zb_committee_above(t, scope, next[ZB_MF_ORG_CODE], "出党", r);
}

static const zb_act_desc acts[] = {
    {"leave", "减少",
     "end a membership: --reason 去世|出党|停止党籍|退党|转出系统外 --date YYYY-MM-DD\n"
     "[--note TEXT] (for 转出系统外: the letter number).  The member stays, with\n"
     "this history; member list leaves them out (--all shows them).  出党 is\n"
     "recorded by a committee above the member's branch, not by the branch",
     1u << ST_ACTIVE,
     ST_LEFT, leave_params, 3, leave_opts, leave_check, 0, NULL},
};

/* A member added without a category is 正式党员 when it has a full_date. */
static void defaults(zb_value *v) {
  if (!v[ZB_MF_CATEGORY][0])
    snprintf(v[ZB_MF_CATEGORY], sizeof v[ZB_MF_CATEGORY], "%s",
             zb_categories[v[ZB_MF_FULL_DATE][0] ? CAT_FULL : CAT_PROBATIONARY]);
}

/* The org index carries what statistics and the dues report read of a
 * member (zb_stats_facts): a scope's counts read no record. */
static size_t org_entry(const zb_value *v, uint8_t *out) {
  zb_stats_facts f;
  zb_stats_facts_of((const zb_member *)v, &f);
  return zb_stats_facts_pack(&f, out);
}

/* One person, one record: an ID number belongs to one member only. */
static const zb_index_desc indexes[] = {
    {ZB_MF_ORG_CODE, false, ZB_DB_MEMBER_ORG},
    {ZB_MF_ID_NUMBER, true, ZB_DB_MEMBER_IDNUM},
};

/* The 花名册's columns as branches keep them: the person, the membership,
 * where and how to reach them; the member's id (编号) after those, then
 * what only leave writes. */
static const int sheet_order[] = {
    ZB_MF_NAME,        ZB_MF_GENDER,       ZB_MF_ETHNICITY,  ZB_MF_BIRTH_DATE,
    ZB_MF_ID_NUMBER,   ZB_MF_EDUCATION,    ZB_MF_CATEGORY,   ZB_MF_JOIN_DATE,
    ZB_MF_FULL_DATE,   ZB_MF_OCCUPATION,   ZB_MF_PHONE,      ZB_MF_ORG_CODE,
    ZB_MF_ROLE,        ZB_MF_ID,           ZB_MF_STATUS,       ZB_MF_LEAVE_REASON, ZB_MF_LEAVE_DATE,
    ZB_MF_LEAVE_NOTE,  -1,
};

const zb_kind_desc zb_kind_member = {
    .id = 2,
    .name = "member",
    .plural = "members",
    .zh = "党员",
    .nfields = ZB_MF__COUNT,
    .fields = fields,
    .org_field = ZB_MF_ORG_CODE,
    .scope = ZB_SCOPE_SUBTREE,
    .reach = ZB_REACH_SUBTREE,
    .org_must_exist = true,
    .auto_key = true,
    .presence = presence,
    .npresence = sizeof presence / sizeof *presence,
    .cross = cross,
    .defaults = defaults,
    .indexes = indexes,
    .nindexes = sizeof indexes / sizeof *indexes,
    .org_entry = org_entry,
    .state_field = ZB_MF_STATUS,
    .acts = acts,
    .nacts = sizeof acts / sizeof *acts,
    .ended = 1u << ST_LEFT,
    .table = ZB_DB_MEMBERS,
    .sheet_title = "党员花名册",
    .sheet_order = sheet_order,
};
