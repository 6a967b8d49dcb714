/*
 * kinds/member.c — the member kind (党员): the roster row of the reference
 * roster, and the rules of docs/RECORDS.md, "Members".
 */
#include <stdio.h>
#include <string.h>

#include "zb_idnum.h"
#include "zb_kind.h"
#include "zb_record.h"

/* Domain numbers, versioned (docs/RECORDS.md, "Rule versions"): the 2014
 * text of 发展党员工作细则 and the Party Constitution. */
static const struct {
  int min_join_age;          /* 党章 第一条: eighteen or over */
  int probation_years;       /* 党章 第七条: probation is one year … */
  int probation_max_years;   /* … extended once by at most a further year
                                (发展党员工作细则 2014, 第五章) */
} rules2014 = {18, 1, 2};

enum { CAT_FULL = 0, CAT_PROBATIONARY = 1 };   /* index in zb_categories */

static const zb_field_desc fields[ZB_MF__COUNT] = {
    [ZB_MF_ID] = {"id", "编号", "member id (assigned when absent)", ZB_FT_ID,
                  ZB_FF_REQUIRED | ZB_FF_TABLE, 0, NULL, NULL},
    [ZB_MF_NAME] = {"name", "姓名", "full name", ZB_FT_TEXT, ZB_FF_REQUIRED | ZB_FF_TABLE, 32,
                    NULL, NULL},
    [ZB_MF_GENDER] = {"gender", "性别", "男 or 女", ZB_FT_VOCAB, ZB_FF_REQUIRED | ZB_FF_TABLE,
                      0, zb_genders, NULL},
    [ZB_MF_ETHNICITY] = {"ethnicity", "民族", "one of the 56 ethnic groups", ZB_FT_VOCAB, 0, 0,
                         zb_ethnicities, "one of the 56 ethnic groups"},
    [ZB_MF_BIRTH_DATE] = {"birth_date", "出生日期", "YYYY-MM-DD", ZB_FT_DATE,
                          ZB_FF_REQUIRED | ZB_FF_TABLE, 0, NULL, NULL},
    [ZB_MF_ID_NUMBER] = {"id_number", "公民身份号码", "18-character resident ID number",
                         ZB_FT_ID_NUMBER, ZB_FF_REQUIRED, 0, NULL, NULL},
    [ZB_MF_EDUCATION] = {"education", "学历", "研究生 … 初中及以下", ZB_FT_VOCAB, 0, 0,
                         zb_educations, NULL},
    [ZB_MF_CATEGORY] = {"category", "人员类别",
                        "正式党员 or 预备党员 (default: from --full-date)", ZB_FT_VOCAB,
                        ZB_FF_REQUIRED | ZB_FF_TABLE, 0, zb_categories, NULL},
    [ZB_MF_JOIN_DATE] = {"join_date", "入党日期", "YYYY-MM-DD", ZB_FT_DATE,
                         ZB_FF_REQUIRED | ZB_FF_TABLE, 0, NULL, NULL},
    [ZB_MF_FULL_DATE] = {"full_date", "转正日期", "YYYY-MM-DD, for 正式党员", ZB_FT_DATE, 0,
                         0, NULL, NULL},
    [ZB_MF_ORG_CODE] = {"org_code", "所在党支部", "org code (default: this node's org)",
                        ZB_FT_ORG_CODE, ZB_FF_REQUIRED | ZB_FF_TABLE, 0, NULL, NULL},
    [ZB_MF_PHONE] = {"phone", "联系电话", "11-digit mobile number", ZB_FT_PHONE, 0, 0, NULL,
                     NULL},
    [ZB_MF_OCCUPATION] = {"occupation", "工作岗位", "a row of the 党内统计 occupations",
                          ZB_FT_VOCAB, 0, 0, zb_occupations, NULL},
    [ZB_MF_STATUS] = {"status", "状态", "empty (在册) or 已离开, set by leave", ZB_FT_VOCAB,
                      ZB_FF_STATE, 0, zb_member_statuses, NULL},
    [ZB_MF_LEAVE_REASON] = {"leave_reason", "减少原因", "去世, 出党, 停止党籍, 退党 or 转出系统外",
                            ZB_FT_VOCAB, 0, 0, zb_leave_reasons, NULL},
    [ZB_MF_LEAVE_DATE] = {"leave_date", "减少日期", "YYYY-MM-DD, not before join_date",
                          ZB_FT_DATE, 0, 0, NULL, NULL},
    [ZB_MF_LEAVE_NOTE] = {"leave_note", "减少说明", "a note, at most 64 characters (a letter "
                          "number for 转出系统外)", ZB_FT_TEXT, 0, 64, NULL, NULL},
};

enum { ST_ACTIVE = 0, ST_LEFT = 1 };   /* index in zb_member_statuses */

/* full_date depends on the category: required for 正式党员, absent for
 * 预备党员 (whose conversion has not happened). */
static const zb_presence_rule presence[] = {
    {ZB_MF_FULL_DATE, ZB_MF_CATEGORY, CAT_PROBATIONARY, false, "must be empty for 预备党员"},
    {ZB_MF_FULL_DATE, ZB_MF_CATEGORY, CAT_FULL, true, "is required for 正式党员"},
    {ZB_MF_LEAVE_REASON, ZB_MF_STATUS, ST_LEFT, true, "is required when a member leaves"},
    {ZB_MF_LEAVE_DATE, ZB_MF_STATUS, ST_LEFT, true, "is required when a member leaves"},
    {ZB_MF_LEAVE_REASON, ZB_MF_STATUS, ST_ACTIVE, false, "is set only when a member leaves"},
    {ZB_MF_LEAVE_DATE, ZB_MF_STATUS, ST_ACTIVE, false, "is set only when a member leaves"},
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
    zb_check_problemf(c, ZB_MF_BIRTH_DATE, "does not match id_number birth date %.8s",
                      v[ZB_MF_ID_NUMBER] + 6);

  /* GB 11643-1999 §4.3: the sequence code is odd for men, even for women;
   * its last digit is the 17th character. */
  if (ok[ZB_MF_GENDER] && ok[ZB_MF_ID_NUMBER] &&
      (ck->vocab[ZB_MF_GENDER] == 0) != (id_male != 0)) {
    char d = v[ZB_MF_ID_NUMBER][16];
    zb_check_problemf(c, ZB_MF_GENDER, "does not match id_number, whose 17th digit %c is %s (%s)",
                      d, id_male ? "odd" : "even", zb_genders[id_male ? 0 : 1]);
  }

  /* 党章 第一条: only a person aged eighteen or over may join.  The 18th
   * birthday of someone born on 29 February is 28 February in a common
   * year, as in the reference roster generator. */
  if (ok[ZB_MF_BIRTH_DATE] && ok[ZB_MF_JOIN_DATE]) {
    zb_date adult = zb_date_add_years(birth, rules2014.min_join_age);
    if (zb_date_cmp(join, adult) < 0) {
      char a[11];
      zb_date_format(adult, a);
      zb_check_problemf(c, ZB_MF_JOIN_DATE,
                        "must be at least %d years after birth_date (on or after %s)",
                        rules2014.min_join_age, a);
    }
  }

  if (ok[ZB_MF_JOIN_DATE] && ok[ZB_MF_LEAVE_DATE] && ck->len[ZB_MF_LEAVE_DATE] > 0 &&
      zb_date_cmp(ck->date[ZB_MF_LEAVE_DATE], join) < 0)
    zb_check_problemf(c, ZB_MF_LEAVE_DATE, "must not be before join_date %s",
                      v[ZB_MF_JOIN_DATE]);

  /* 党章 第七条, 发展党员工作细则 (2014): conversion comes at the end of a
   * one-year probation, or of a probation extended once by up to 12
   * months — so between join + 1 year and join + 2 years. */
  if (ck->vocab[ZB_MF_CATEGORY] == CAT_FULL && ok[ZB_MF_CATEGORY] && ok[ZB_MF_JOIN_DATE] &&
      ok[ZB_MF_FULL_DATE] && ck->len[ZB_MF_FULL_DATE] > 0) {
    zb_date full = ck->date[ZB_MF_FULL_DATE];
    zb_date lo = zb_date_add_years(join, rules2014.probation_years);
    zb_date hi = zb_date_add_years(join, rules2014.probation_max_years);
    char b[11];
    if (zb_date_cmp(full, lo) < 0) {
      zb_date_format(lo, b);
      zb_check_problemf(c, ZB_MF_FULL_DATE,
                        "must be at least 1 year after join_date (on or after %s): "
                        "probation lasts one year",
                        b);
    } else if (zb_date_cmp(full, hi) > 0) {
      zb_date_format(hi, b);
      zb_check_problemf(c, ZB_MF_FULL_DATE,
                        "must be at most 2 years after join_date (on or before %s): "
                        "probation may be extended only once, by up to 12 months",
                        b);
    }
  }
}

/* Leaving (docs/RECORDS.md, "Leaving"): a member is never deleted; the act
 * leave ends the membership with its reason and date, and lists and
 * statistics as of a later date leave the member out. */
static const int leave_params[] = {ZB_MF_LEAVE_REASON, ZB_MF_LEAVE_DATE, ZB_MF_LEAVE_NOTE};
static const char *const leave_opts[] = {"reason", "date", "note"};
static const zb_act_desc acts[] = {
    {"leave", "减少", "end a membership: --reason R --date D [--note TEXT]", 1u << ST_ACTIVE,
     ST_LEFT, leave_params, 3, leave_opts},
};

/* A member added without a category is 正式党员 when it has a full_date. */
static void defaults(zb_value *v) {
  if (!v[ZB_MF_CATEGORY][0])
    snprintf(v[ZB_MF_CATEGORY], sizeof v[ZB_MF_CATEGORY], "%s",
             zb_categories[v[ZB_MF_FULL_DATE][0] ? CAT_FULL : CAT_PROBATIONARY]);
}

/* One person, one record: an ID number belongs to one member only. */
static const zb_index_desc indexes[] = {
    {ZB_MF_ORG_CODE, false, "org", ZB_DB_MEMBER_ORG},
    {ZB_MF_ID_NUMBER, true, "ID number", ZB_DB_MEMBER_IDNUM},
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
    .state_field = ZB_MF_STATUS,
    .acts = acts,
    .nacts = sizeof acts / sizeof *acts,
    .ended = 1u << ST_LEFT,
    .table = ZB_DB_MEMBERS,
};
