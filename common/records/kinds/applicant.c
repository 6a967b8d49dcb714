/*
 * kinds/applicant.c — the development pipeline (发展党员): a person who
 * applies to join, and the dated acts that lead to 正式党员 (docs/RECORDS.md,
 * "Applicants").
 *
 * The stage is the record's state; every step is an act, checked at the
 * node and again at the server in the server's order, against the rule set
 * in force on the application date (zb_rules.h).  备案, 预审 and 审批 belong to
 * a committee above the branch (zb_committee_above).  The approval (审批)
 * creates the member (预备党员, joined on the day of the branch meeting's
 * vote: the start of probation) in the same server step, and the
 * conversion approval makes the member 正式党员 on the day probation ends
 * (the act's move, zb_kind.h).  The member's key is the applicant's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zb_err.h"
#include "zb_kind.h"
#include "zb_merge.h"
#include "zb_record.h"
#include "zb_rules.h"
#include "zb_state.h"

enum {
  A_ID, A_NAME, A_GENDER, A_ETHNICITY, A_BIRTH_DATE, A_ID_NUMBER, A_EDUCATION, A_OCCUPATION,
  A_PHONE, A_ORG, A_APPLY_DATE, A_STAGE,
  A_TALK_DATE, A_TALK_BY, A_ACTIVIST_DATE, A_FILED_DATE, A_ASSESSED_DATE, A_CANDIDATE_DATE,
  A_INTRODUCERS, A_REVIEW_DATE, A_TRAINING_DAYS, A_TRAINING_HOURS, A_PREREVIEW_DATE,
  A_NOTICE_DATE, A_VOTE_DATE, A_VOTES_FOR, A_VOTES_ENTITLED, A_APPROVAL_DATE, A_OATH_DATE,
  A_EXTEND_MONTHS, A_CONV_VOTE_DATE, A_CONV_VOTES_FOR, A_CONV_VOTES_ENTITLED, A_FULL_DATE,
  A_CANCEL_DATE, A_CANCEL_REASON, A__COUNT
};

/* The stages, in the order of the pipeline. */
static const char *const stages[] = {"入党申请人", "入党积极分子", "发展对象", "待审批",
                                     "预备党员",   "正式党员",     "已取消",   NULL};
enum { S_APPLICANT, S_ACTIVIST, S_CANDIDATE, S_VOTED, S_PROBATION, S_FULL, S_CANCELLED };

#define DATE_FIELD(f, nm, z, h) \
  [f] = {.name = nm, .zh = z, .help = h, .type = ZB_FT_DATE}
#define COUNT_FIELD(f, nm, z, h) \
  [f] = {.name = nm, .zh = z, .help = h, .type = ZB_FT_COUNT}

static const zb_field_desc fields[A__COUNT] = {
    [A_ID] = {.name = "id", .zh = "编号", .help = "applicant id (assigned when absent); the "
              "member's id once approved", .type = ZB_FT_ID, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE},
    [A_NAME] = {.name = "name", .zh = "姓名", .help = "full name", .type = ZB_FT_TEXT,
                .flags = ZB_FF_REQUIRED | ZB_FF_TABLE | ZB_FF_FIXED, .max_chars = 32},
    [A_GENDER] = {.name = "gender", .zh = "性别", .help = "男 or 女", .type = ZB_FT_VOCAB,
                  .flags = ZB_FF_REQUIRED | ZB_FF_FIXED, .vocab = zb_genders},
    [A_ETHNICITY] = {.name = "ethnicity", .zh = "民族", .help = "one of the 56 ethnic groups",
                     .type = ZB_FT_VOCAB, .flags = ZB_FF_FIXED, .vocab = zb_ethnicities,
                     .vocab_desc = "one of the 56 ethnic groups", .vocab_suffix = "族"},
    [A_BIRTH_DATE] = {.name = "birth_date", .zh = "出生日期", .help = "YYYY-MM-DD",
                      .type = ZB_FT_DATE, .flags = ZB_FF_REQUIRED | ZB_FF_FIXED},
    [A_ID_NUMBER] = {.name = "id_number", .zh = "公民身份号码", .help = "18 characters",
                     .type = ZB_FT_ID_NUMBER, .flags = ZB_FF_REQUIRED | ZB_FF_FIXED,
                     .headers = ZB_NAMES("身份证号")},
    [A_EDUCATION] = {.name = "education", .zh = "学历", .help = "as the member's education",
                     .type = ZB_FT_VOCAB, .vocab = zb_educations},
    [A_OCCUPATION] = {.name = "occupation", .zh = "职业", .help = "as the member's occupation",
                      .type = ZB_FT_VOCAB, .vocab = zb_occupations},
    [A_PHONE] = {.name = "phone", .zh = "联系电话", .help = "mobile or landline",
                 .type = ZB_FT_PHONE},
    [A_ORG] = {.name = "org_code", .zh = "所在党支部", .help = "the branch (default: this node's)",
               .type = ZB_FT_ORG_CODE, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE | ZB_FF_FIXED},
    [A_APPLY_DATE] = {.name = "date", .zh = "申请日期", .help = "the day of the written "
                      "application, YYYY-MM-DD", .type = ZB_FT_DATE,
                      .flags = ZB_FF_REQUIRED | ZB_FF_TABLE | ZB_FF_FIXED},
    [A_STAGE] = {.name = "stage", .zh = "阶段", .help = "入党申请人 → 入党积极分子 → 发展对象 → "
                 "待审批 → 预备党员 → 正式党员, or 已取消", .type = ZB_FT_VOCAB,
                 .flags = ZB_FF_REQUIRED | ZB_FF_TABLE | ZB_FF_STATE, .vocab = stages},
    DATE_FIELD(A_TALK_DATE, "talk_date", "谈话日期", "the talk with the applicant"),
    [A_TALK_BY] = {.name = "talk_by", .zh = "谈话人", .help = "who talked with the applicant",
                   .type = ZB_FT_TEXT, .max_chars = 32},
    DATE_FIELD(A_ACTIVIST_DATE, "activist_date", "确定积极分子日期", "became 入党积极分子"),
    DATE_FIELD(A_FILED_DATE, "filed_date", "备案日期", "the last 备案 above"),
    DATE_FIELD(A_ASSESSED_DATE, "assessed_date", "考察日期", "the last half-yearly assessment"),
    DATE_FIELD(A_CANDIDATE_DATE, "candidate_date", "确定发展对象日期", "became 发展对象"),
    [A_INTRODUCERS] = {.name = "introducers", .zh = "入党介绍人",
                       .help = "two 正式党员 of the deployment, member ids: A,B",
                       .type = ZB_FT_TEXT, .max_chars = 80},
    DATE_FIELD(A_REVIEW_DATE, "review_date", "政审日期", "the political review"),
    COUNT_FIELD(A_TRAINING_DAYS, "training_days", "培训天数", "days of training"),
    COUNT_FIELD(A_TRAINING_HOURS, "training_hours", "培训学时", "class hours of training"),
    DATE_FIELD(A_PREREVIEW_DATE, "prereview_date", "预审日期", "预审 by the committee above"),
    DATE_FIELD(A_NOTICE_DATE, "notice_date", "公示日期", "the public notice (公示)"),
    DATE_FIELD(A_VOTE_DATE, "vote_date", "支部大会日期",
               "the branch general meeting's vote: the start of probation"),
    COUNT_FIELD(A_VOTES_FOR, "votes_for", "赞成票", "full members who voted for"),
    COUNT_FIELD(A_VOTES_ENTITLED, "votes_entitled", "应到有表决权党员",
                "full members entitled to vote"),
    DATE_FIELD(A_APPROVAL_DATE, "approval_date", "审批日期", "审批 by the committee above"),
    DATE_FIELD(A_OATH_DATE, "oath_date", "入党宣誓日期", "the oath"),
    COUNT_FIELD(A_EXTEND_MONTHS, "extend_months", "延长预备期（月）",
                "probation extended once, by 6 to 12 months"),
    DATE_FIELD(A_CONV_VOTE_DATE, "conversion_vote_date", "转正大会日期",
               "the branch meeting on conversion"),
    COUNT_FIELD(A_CONV_VOTES_FOR, "conversion_votes_for", "转正赞成票", "full members for"),
    COUNT_FIELD(A_CONV_VOTES_ENTITLED, "conversion_votes_entitled", "转正应到有表决权党员",
                "full members entitled to vote"),
    DATE_FIELD(A_FULL_DATE, "full_date", "转正日期", "the end of probation"),
    DATE_FIELD(A_CANCEL_DATE, "cancel_date", "取消日期", "the day the path ended"),
    [A_CANCEL_REASON] = {.name = "cancel_reason", .zh = "取消原因", .help = "why",
                         .type = ZB_FT_TEXT, .max_chars = 64},
};

static const zb_index_desc indexes[] = {{A_ORG, false, 0}};

/* ---- the rules ---- */

static zb_date date_of(const zb_value *v, int f) {
  zb_date d = {0, 0, 0};
  zb_date_parse(v[f], strlen(v[f]), &d);
  return d;
}

static const zb_rules *rules_of(const zb_value *v) {
  return zb_rules_on(date_of(v, A_APPLY_DATE));
}

/* "… (发展党员工作细则 (2014), rules 2014)": the rule's source ends every
 * refusal.  rule is a coded reason (zb_reason.h) whose key begins
 * with why.rule_: its templates take the source and the version last, added
 * here. */
static int broken(zb_apply_result *r, int field, const zb_value *v, const char *rule) {
  const zb_rules *ru = rules_of(v);
  zb_reject(r, field, "%s", rule);
  size_t n = strlen(r->reason);
  snprintf(r->reason + n, sizeof r->reason - n, ZB_US "%s" ZB_US "%s", ru->source, ru->version);
  return 0;
}

/* A rule's coded reason with its args, for broken(). */
#define RULE(buf, ...) zb_reason_make(buf, sizeof buf, __VA_ARGS__)

/* Whether date field f is set and not before date field g. */
static int not_before(const zb_value *v, int f, int g, zb_apply_result *r) {
  if (!v[f][0])
    return zb_reject(r, f, "why.date_option");
  if (v[g][0] && zb_date_cmp(date_of(v, f), date_of(v, g)) < 0)
    return zb_reject(r, f, "why.not_before" ZB_US ZB_RS "applicant.%s" ZB_US ZB_RS "applicant.%s" ZB_US "%s",
                     fields[f].name, fields[g].name, v[g]);
  return 0;
}

static int need(const zb_value *v, int f, int field, const char *what, zb_apply_result *r) {
  if (v[f][0])
    return 0;
  return broken(r, field, v, what);
}

static int above(struct zb_txn *t, const zb_value *v, const char *scope, const char *what,
                 zb_apply_result *r) {
  return zb_committee_above(t, scope, v[A_ORG], what, r);
}

/* A person's fields are a member's once approved: they must pass every
 * rule of the member kind (ID number and birth date agree, eighteen or
 * over at the application, …), checked here as the member they would be. */
static void cross(zb_checker *c, const zb_value *v, const zb_checked *ck, zb_date today);

static const int person[][2] = {
    {A_NAME, ZB_MF_NAME},           {A_GENDER, ZB_MF_GENDER},
    {A_ETHNICITY, ZB_MF_ETHNICITY}, {A_BIRTH_DATE, ZB_MF_BIRTH_DATE},
    {A_ID_NUMBER, ZB_MF_ID_NUMBER}, {A_EDUCATION, ZB_MF_EDUCATION},
    {A_OCCUPATION, ZB_MF_OCCUPATION}, {A_PHONE, ZB_MF_PHONE},
    {A_ORG, ZB_MF_ORG_CODE},
};
#define NPERSON (sizeof person / sizeof *person)

struct as_member {
  zb_checker *c;
};

static void member_problem(void *ctx, int field, const char *reason) {
  struct as_member *am = ctx;
  int f = field == ZB_MF_JOIN_DATE ? A_APPLY_DATE : -1;
  for (size_t i = 0; i < NPERSON && f < 0; i++)
    if (person[i][1] == field)
      f = person[i][0];
  if (f >= 0)
    zb_check_problem(am->c, f, reason);
}

static void cross(zb_checker *c, const zb_value *v, const zb_checked *ck, zb_date today) {
  if (!ck->ok[A_APPLY_DATE])
    return;
  zb_value *m = calloc(ZB_MF__COUNT, sizeof *m);
  if (!m)
    return;
  for (size_t i = 0; i < NPERSON; i++)
    memcpy(m[person[i][1]], v[person[i][0]], sizeof *m);
  /* As a 预备党员 who joined on the application day: the age rule of the
   * version in force then. */
  snprintf(m[ZB_MF_ID], sizeof m[0], "%s", "M0");
  snprintf(m[ZB_MF_CATEGORY], sizeof m[0], "%s", zb_categories[1]);
  memcpy(m[ZB_MF_JOIN_DATE], v[A_APPLY_DATE], sizeof m[0]);
  struct as_member am = {c};
  zb_rec_validate(&zb_kind_member, m, today, member_problem, &am);
  free(m);
}

/* On add: the person is not a member already. */
static int state_check(struct zb_txn *t, const zb_value *v, const char *scope, zb_date today,
                       zb_apply_result *r) {
  (void)scope, (void)today;
  char holder[ZB_FIELD_MAX + 1];
  const zb_index_desc *ix = NULL;
  for (int i = 0; i < zb_kind_member.nindexes; i++)
    if (zb_kind_member.indexes[i].unique)
      ix = &zb_kind_member.indexes[i];
  int rc = ix ? zb_index_holder(t, &zb_kind_member, ix, v[A_ID_NUMBER], v[A_ID], holder)
              : ZB_ENOTFOUND;
  if (rc == 0)
    return zb_reject(r, A_ID_NUMBER, "why.already_member");
  return rc == ZB_ENOTFOUND ? 0 : rc;
}

/* The record as it stands before the act (the act is checked before it is
 * stored). */
static int load_cur(struct zb_txn *t, const zb_value *next, zb_rec **out) {
  zb_rec *cur = malloc(sizeof *cur);
  if (!cur)
    return ZB_ENOMEM;
  int rc = zb_rec_load(t, &zb_kind_applicant, next[A_ID], cur);
  if (rc) {
    free(cur);
    return rc;
  }
  *out = cur;
  return 0;
}

static int talk_check(struct zb_txn *t, const zb_value *v, const char *s, zb_date d,
                      zb_apply_result *r) {
  (void)t, (void)s, (void)d;
  return not_before(v, A_TALK_DATE, A_APPLY_DATE, r);
}

static int activist_check(struct zb_txn *t, const zb_value *v, const char *s, zb_date d,
                          zb_apply_result *r) {
  (void)t, (void)s, (void)d;
  int rc = need(v, A_TALK_DATE, A_ACTIVIST_DATE, "why.rule_talk_first", r);
  return rc || r->status ? rc : not_before(v, A_ACTIVIST_DATE, A_TALK_DATE, r);
}

static int filing_check(struct zb_txn *t, const zb_value *v, const char *s, zb_date d,
                        zb_apply_result *r) {
  (void)d;
  int rc = above(t, v, s, "备案", r);
  if (rc || r->status)
    return rc;
  return not_before(v, A_FILED_DATE, v[A_CANDIDATE_DATE][0] ? A_CANDIDATE_DATE : A_ACTIVIST_DATE,
                    r);
}

static int assessment_check(struct zb_txn *t, const zb_value *v, const char *s, zb_date d,
                            zb_apply_result *r) {
  (void)t, (void)s, (void)d;
  return not_before(v, A_ASSESSED_DATE, A_ACTIVIST_DATE, r);
}

static int candidate_check(struct zb_txn *t, const zb_value *v, const char *s, zb_date d,
                           zb_apply_result *r) {
  (void)t, (void)s, (void)d;
  int rc = not_before(v, A_CANDIDATE_DATE, A_ACTIVIST_DATE, r);
  if (rc || r->status)
    return rc;
  rc = need(v, A_FILED_DATE, A_CANDIDATE_DATE, "why.rule_filed_first", r);
  if (rc || r->status)
    return rc;
  const zb_rules *ru = rules_of(v);
  zb_date earliest = zb_date_add_years(date_of(v, A_ACTIVIST_DATE), ru->activist_years);
  if (zb_date_cmp(date_of(v, A_CANDIDATE_DATE), earliest) < 0) {
    char b[11], why[ZB_REASON_MAX + 1];
    zb_date_format(earliest, b);
    RULE(why, "why.rule_activist_years" ZB_US "%d" ZB_US "%s", ru->activist_years, b);
    return broken(r, A_CANDIDATE_DATE, v, why);
  }
  return 0;
}

/* "A,B" (or "A，B", "A B"): exactly two distinct member ids, each a 正式党员
 * who has not left.  A node checks those it holds; the server holds every
 * member and checks both (r->complete). */
static int introducers_check(struct zb_txn *t, const zb_value *v, const char *s, zb_date d,
                             zb_apply_result *r) {
  (void)s, (void)d;
  const zb_rules *ru = rules_of(v);
  char buf[ZB_FIELD_MAX + 1], *ids[4];
  int n = 0;
  snprintf(buf, sizeof buf, "%s", v[A_INTRODUCERS]);
  for (char *p = buf; *p;) {
    if (strncmp(p, "，", 3) == 0) {
      memset(p, ' ', 3);
      continue;
    }
    p++;
  }
  for (char *save = NULL, *tok = strtok_r(buf, ", ", &save); tok && n < 4;
       tok = strtok_r(NULL, ", ", &save))
    ids[n++] = tok;
  char why[ZB_REASON_MAX + 1];
  if (n != ru->introducers || (n == 2 && strcmp(ids[0], ids[1]) == 0)) {
    RULE(why, "why.rule_introducers" ZB_US "%d", ru->introducers);
    return broken(r, A_INTRODUCERS, v, why);
  }
  zb_rec *m = malloc(sizeof *m);
  if (!m)
    return ZB_ENOMEM;
  int rc = 0;
  for (int i = 0; i < n && !rc && !r->status; i++) {
    rc = zb_rec_load(t, &zb_kind_member, ids[i], m);
    if (rc == ZB_ENOTFOUND) {
      rc = 0;
      if (r->complete) {
        RULE(why, "why.rule_introducer_unknown" ZB_US "%.64s", ids[i]);
        broken(r, A_INTRODUCERS, v, why);
      }
      continue;
    }
    if (rc)
      break;
    if (zb_kind_ended(&zb_kind_member, m->v) ||
        strcmp(m->v[ZB_MF_CATEGORY], zb_categories[0]) != 0) {
      if (zb_kind_ended(&zb_kind_member, m->v))
        RULE(why, "why.rule_introducer_left" ZB_US "%.64s", ids[i]);
      else
        RULE(why, "why.rule_introducer_probationary" ZB_US "%.64s" ZB_US "%.32s", ids[i],
             m->v[ZB_MF_CATEGORY]);
      broken(r, A_INTRODUCERS, v, why);
    }
  }
  free(m);
  return rc;
}

static int review_check(struct zb_txn *t, const zb_value *v, const char *s, zb_date d,
                        zb_apply_result *r) {
  (void)t, (void)s, (void)d;
  return not_before(v, A_REVIEW_DATE, A_CANDIDATE_DATE, r);
}

static int training_check(struct zb_txn *t, const zb_value *v, const char *s, zb_date d,
                          zb_apply_result *r) {
  (void)t, (void)s, (void)d;
  const zb_rules *ru = rules_of(v);
  long days = atol(v[A_TRAINING_DAYS]), hours = atol(v[A_TRAINING_HOURS]);
  if (days >= ru->training_days || hours >= ru->training_hours)
    return 0;
  char why[ZB_REASON_MAX + 1];
  RULE(why, "why.rule_training" ZB_US "%d" ZB_US "%d", ru->training_days, ru->training_hours);
  return broken(r, A_TRAINING_DAYS, v, why);
}

static int prereview_check(struct zb_txn *t, const zb_value *v, const char *s, zb_date d,
                           zb_apply_result *r) {
  (void)d;
  int rc = above(t, v, s, "预审", r);
  if (!rc && !r->status)
    rc = need(v, A_INTRODUCERS, A_PREREVIEW_DATE, "why.rule_prereview_introducers", r);
  if (!rc && !r->status)
    rc = need(v, A_REVIEW_DATE, A_PREREVIEW_DATE, "why.rule_prereview_review", r);
  if (!rc && !r->status && !v[A_TRAINING_DAYS][0] && !v[A_TRAINING_HOURS][0])
    rc = broken(r, A_PREREVIEW_DATE, v, "why.rule_prereview_training");
  if (!rc && !r->status && (!v[A_FILED_DATE][0] || zb_date_cmp(date_of(v, A_FILED_DATE),
                                                               date_of(v, A_CANDIDATE_DATE)) < 0))
    rc = broken(r, A_PREREVIEW_DATE, v, "why.rule_prereview_filed");
  if (!rc && !r->status)
    rc = not_before(v, A_PREREVIEW_DATE, A_CANDIDATE_DATE, r);
  return rc;
}

static int notice_check(struct zb_txn *t, const zb_value *v, const char *s, zb_date d,
                        zb_apply_result *r) {
  (void)t, (void)s, (void)d;
  int rc = need(v, A_PREREVIEW_DATE, A_NOTICE_DATE, "why.rule_notice_after", r);
  return rc || r->status ? rc : not_before(v, A_NOTICE_DATE, A_PREREVIEW_DATE, r);
}

/* More than half of the full members entitled to vote (支部工作条例). */
static int majority(const zb_value *v, int fo, int fe, zb_apply_result *r) {
  if (!v[fo][0] || !v[fe][0])
    return zb_reject(r, fo, "why.votes_required");
  long f = atol(v[fo]), e = atol(v[fe]);
  if (e < 1 || f > e)
    return zb_reject(r, fo, "why.votes_impossible" ZB_US "%ld" ZB_US "%ld", f, e);
  if (2 * f <= e) {
    char why[ZB_REASON_MAX + 1];
    RULE(why, "why.rule_majority" ZB_US "%ld" ZB_US "%ld", e, f);
    return broken(r, fo, v, why);
  }
  return 0;
}

static int vote_check(struct zb_txn *t, const zb_value *v, const char *s, zb_date d,
                      zb_apply_result *r) {
  (void)t, (void)s, (void)d;
  int rc = need(v, A_NOTICE_DATE, A_VOTE_DATE, "why.rule_vote_after", r);
  if (!rc && !r->status)
    rc = not_before(v, A_VOTE_DATE, A_NOTICE_DATE, r);
  return rc || r->status ? rc : majority(v, A_VOTES_FOR, A_VOTES_ENTITLED, r);
}

static int approval_check(struct zb_txn *t, const zb_value *v, const char *s, zb_date d,
                          zb_apply_result *r) {
  (void)d;
  int rc = above(t, v, s, "审批", r);
  if (!rc && !r->status)
    rc = not_before(v, A_APPROVAL_DATE, A_VOTE_DATE, r);
  if (rc || r->status)
    return rc;
  const zb_rules *ru = rules_of(v);
  zb_date last = zb_date_add_months(date_of(v, A_VOTE_DATE), ru->approve_max_months);
  if (zb_date_cmp(date_of(v, A_APPROVAL_DATE), last) > 0) {
    char b[11], why[ZB_REASON_MAX + 1];
    zb_date_format(last, b);
    RULE(why, "why.rule_approve_within" ZB_US "%d" ZB_US "%s", ru->approve_max_months, b);
    return broken(r, A_APPROVAL_DATE, v, why);
  }
  return 0;
}

static int oath_check(struct zb_txn *t, const zb_value *v, const char *s, zb_date d,
                      zb_apply_result *r) {
  (void)t, (void)s, (void)d;
  return not_before(v, A_OATH_DATE, A_APPROVAL_DATE, r);
}

static int extend_check(struct zb_txn *t, const zb_value *v, const char *s, zb_date d,
                        zb_apply_result *r) {
  (void)s, (void)d;
  const zb_rules *ru = rules_of(v);
  zb_rec *cur;
  int rc = load_cur(t, v, &cur);
  if (rc)
    return rc;
  bool again = cur->v[A_EXTEND_MONTHS][0] != '\0';
  free(cur);
  char why[ZB_REASON_MAX + 1];
  if (again)
    return broken(r, A_EXTEND_MONTHS, v, "why.rule_extend_once");
  long m = atol(v[A_EXTEND_MONTHS]);
  if (!v[A_EXTEND_MONTHS][0] || m < ru->extend_min_months || m > ru->extend_max_months) {
    RULE(why, "why.rule_extend_range" ZB_US "%d" ZB_US "%d", ru->extend_min_months,
         ru->extend_max_months);
    return broken(r, A_EXTEND_MONTHS, v, why);
  }
  return 0;
}

static int conversion_vote_check(struct zb_txn *t, const zb_value *v, const char *s, zb_date d,
                                 zb_apply_result *r) {
  (void)t, (void)s, (void)d;
  int rc = not_before(v, A_CONV_VOTE_DATE, A_APPROVAL_DATE, r);
  return rc || r->status ? rc : majority(v, A_CONV_VOTES_FOR, A_CONV_VOTES_ENTITLED, r);
}

/* Probation is exactly one year from the meeting, or that plus the one
 * extension. */
static int conversion_check(struct zb_txn *t, const zb_value *v, const char *s, zb_date d,
                            zb_apply_result *r) {
  (void)d;
  int rc = above(t, v, s, "转正审批", r);
  if (!rc && !r->status)
    rc = need(v, A_CONV_VOTE_DATE, A_FULL_DATE, "why.rule_conversion_after", r);
  if (rc || r->status)
    return rc;
  const zb_rules *ru = rules_of(v);
  zb_date end = zb_date_add_months(zb_date_add_years(date_of(v, A_VOTE_DATE),
                                                     ru->probation_years),
                                   (int)atol(v[A_EXTEND_MONTHS]));
  if (!v[A_FULL_DATE][0] || zb_date_cmp(date_of(v, A_FULL_DATE), end) != 0) {
    char b[11], why[ZB_REASON_MAX + 1];
    zb_date_format(end, b);
    if (v[A_EXTEND_MONTHS][0])
      RULE(why, "why.rule_probation_ext" ZB_US "%d" ZB_US "%s" ZB_US "%s", ru->probation_years,
           v[A_VOTE_DATE], b);
    else
      RULE(why, "why.rule_probation" ZB_US "%d" ZB_US "%s" ZB_US "%s", ru->probation_years,
           v[A_VOTE_DATE], b);
    return broken(r, A_FULL_DATE, v, why);
  }
  return 0;
}

static int cancel_check(struct zb_txn *t, const zb_value *v, const char *s, zb_date d,
                        zb_apply_result *r) {
  (void)t, (void)s, (void)d;
  if (!v[A_CANCEL_REASON][0])
    return zb_reject(r, A_CANCEL_REASON, "why.reason_option");
  return not_before(v, A_CANCEL_DATE, A_APPLY_DATE, r);
}

/* ---- the state machine ---- */

#define P(...) ((const int[]){__VA_ARGS__})
#define O(...) ((const char *const[]){__VA_ARGS__})
#define IN(s) (1u << (s))

static const zb_move_set approval_sets[] = {
    {ZB_MF_NAME, A_NAME, NULL},           {ZB_MF_GENDER, A_GENDER, NULL},
    {ZB_MF_ETHNICITY, A_ETHNICITY, NULL}, {ZB_MF_BIRTH_DATE, A_BIRTH_DATE, NULL},
    {ZB_MF_ID_NUMBER, A_ID_NUMBER, NULL}, {ZB_MF_EDUCATION, A_EDUCATION, NULL},
    {ZB_MF_OCCUPATION, A_OCCUPATION, NULL}, {ZB_MF_PHONE, A_PHONE, NULL},
    {ZB_MF_ORG_CODE, A_ORG, NULL},        {ZB_MF_CATEGORY, -1, "预备党员"},
    {ZB_MF_JOIN_DATE, A_VOTE_DATE, NULL},
};
static const zb_act_move approval_move = {&zb_kind_member, A_ID,
                                          sizeof approval_sets / sizeof *approval_sets,
                                          approval_sets};
static const zb_move_set conversion_sets[] = {
    {ZB_MF_CATEGORY, -1, "正式党员"}, {ZB_MF_FULL_DATE, A_FULL_DATE, NULL}};
static const zb_act_move conversion_move = {&zb_kind_member, A_ID, 2, conversion_sets};

static const zb_act_desc acts[] = {
    {"talk", "谈话", "record the talk with the applicant: --date D --by NAME",
     IN(S_APPLICANT), ZB_ACT_STAY, P(A_TALK_DATE, A_TALK_BY), 2, O("date", "by"), talk_check, 0,
     NULL},
    {"activist", "确定入党积极分子", "the branch committee makes the applicant 入党积极分子: --date D",
     IN(S_APPLICANT), S_ACTIVIST, P(A_ACTIVIST_DATE), 1, O("date"), activist_check, 0, NULL},
    {"filing", "备案", "the committee above records the activist's or 发展对象's report: --date D",
     IN(S_ACTIVIST) | IN(S_CANDIDATE), ZB_ACT_STAY, P(A_FILED_DATE), 1, O("date"), filing_check,
     0, NULL},
    {"assessment", "考察", "a half-yearly assessment: --date D", IN(S_ACTIVIST) | IN(S_CANDIDATE),
     ZB_ACT_STAY, P(A_ASSESSED_DATE), 1, O("date"), assessment_check, 0, NULL},
    {"candidate", "确定发展对象", "the activist becomes 发展对象: --date D", IN(S_ACTIVIST),
     S_CANDIDATE, P(A_CANDIDATE_DATE), 1, O("date"), candidate_check, 0, NULL},
    {"introducers", "确定入党介绍人", "two 正式党员 introduce: --introducers A,B", IN(S_CANDIDATE),
     ZB_ACT_STAY, P(A_INTRODUCERS), 1, O("introducers"), introducers_check, 0, NULL},
    {"review", "政治审查", "the political review: --date D", IN(S_CANDIDATE), ZB_ACT_STAY,
     P(A_REVIEW_DATE), 1, O("date"), review_check, 0, NULL},
    {"training", "集中培训", "the training: --days N and/or --hours N", IN(S_CANDIDATE),
     ZB_ACT_STAY, P(A_TRAINING_DAYS, A_TRAINING_HOURS), 2, O("days", "hours"), training_check, 0,
     NULL},
    {"prereview", "预审", "the committee above pre-reviews: --date D", IN(S_CANDIDATE),
     ZB_ACT_STAY, P(A_PREREVIEW_DATE), 1, O("date"), prereview_check, 0, NULL},
    {"notice", "公示", "the public notice: --date D", IN(S_CANDIDATE), ZB_ACT_STAY,
     P(A_NOTICE_DATE), 1, O("date"), notice_check, 0, NULL},
    {"vote", "支部大会讨论", "the branch general meeting votes: --date D --votes-for N "
     "--votes-entitled N", IN(S_CANDIDATE), S_VOTED,
     P(A_VOTE_DATE, A_VOTES_FOR, A_VOTES_ENTITLED), 3, O("date", "votes-for", "votes-entitled"),
     vote_check, 0, NULL},
    {"approval", "审批", "the committee above approves: --date D; the member (预备党员) is "
     "created, joined on the meeting's day", IN(S_VOTED), S_PROBATION, P(A_APPROVAL_DATE), 1,
     O("date"), approval_check, 0, &approval_move},
    {"oath", "入党宣誓", "the oath: --date D", IN(S_PROBATION), ZB_ACT_STAY, P(A_OATH_DATE), 1,
     O("date"), oath_check, 0, NULL},
    {"extend", "延长预备期", "extend probation once: --months 6..12", IN(S_PROBATION), ZB_ACT_STAY,
     P(A_EXTEND_MONTHS), 1, O("months"), extend_check, 0, NULL},
    {"conversion_vote", "转正讨论", "the branch meeting on conversion: --date D --votes-for N "
     "--votes-entitled N", IN(S_PROBATION), ZB_ACT_STAY,
     P(A_CONV_VOTE_DATE, A_CONV_VOTES_FOR, A_CONV_VOTES_ENTITLED), 3,
     O("date", "votes-for", "votes-entitled"), conversion_vote_check, 0, NULL},
    {"conversion_approval", "转正审批", "the committee above approves the conversion: --date D "
     "(the end of probation); the member becomes 正式党员", IN(S_PROBATION), S_FULL,
     P(A_FULL_DATE), 1, O("date"), conversion_check, 0, &conversion_move},
    {"cancel", "取消", "end the path: --date D --reason TEXT",
     IN(S_APPLICANT) | IN(S_ACTIVIST) | IN(S_CANDIDATE) | IN(S_VOTED), S_CANCELLED,
     P(A_CANCEL_DATE, A_CANCEL_REASON), 2, O("date", "reason"), cancel_check, 0, NULL},
};

/* ---- what is overdue (flagged, not refused) ---- */

static bool overdue(const zb_value *v, zb_date today, char *why, size_t cap) {
  const zb_rules *ru = rules_of(v);
  int st = zb_vocab_index(stages, v[A_STAGE]);
  char b[11];
  zb_date talk_by = zb_date_add_months(date_of(v, A_APPLY_DATE), ru->talk_months);
  if (st == S_APPLICANT && !v[A_TALK_DATE][0] && zb_date_cmp(today, talk_by) > 0) {
    zb_date_format(talk_by, b);
    zb_reason_make(why, cap, "why.pipe_talk_overdue" ZB_US "%s" ZB_US "%d", b, ru->talk_months);
    return true;
  }
  if (v[A_TALK_DATE][0] && zb_date_cmp(date_of(v, A_TALK_DATE), talk_by) > 0) {
    zb_reason_make(why, cap, "why.pipe_talk_late" ZB_US "%d", ru->talk_months);
    if (st == S_APPLICANT)
      return true;
  }
  if (st == S_ACTIVIST || st == S_CANDIDATE) {
    int last = v[A_ASSESSED_DATE][0] ? A_ASSESSED_DATE : A_ACTIVIST_DATE;
    zb_date due = zb_date_add_months(date_of(v, last), ru->assess_months);
    if (zb_date_cmp(today, due) > 0) {
      zb_date_format(due, b);
      zb_reason_make(why, cap, "why.pipe_assess_overdue" ZB_US "%s", b);
      return true;
    }
  }
  if (st == S_VOTED) {
    zb_date normal = zb_date_add_months(date_of(v, A_VOTE_DATE), ru->approve_months);
    zb_date last = zb_date_add_months(date_of(v, A_VOTE_DATE), ru->approve_max_months);
    if (zb_date_cmp(today, normal) > 0) {
      zb_date_format(last, b);
      zb_reason_make(why, cap, "why.pipe_approve_due" ZB_US "%d" ZB_US "%s", ru->approve_months,
                     b);
      return true;
    }
  }
  if (v[A_APPROVAL_DATE][0] &&
      zb_date_cmp(date_of(v, A_APPROVAL_DATE),
                  zb_date_add_months(date_of(v, A_VOTE_DATE), ru->approve_months)) > 0 &&
      st == S_PROBATION) {
    zb_reason_make(why, cap, "why.pipe_approve_late" ZB_US "%d", ru->approve_months);
    return true;
  }
  return false;
}

const zb_kind_desc zb_kind_applicant = {
    .id = 7,
    .name = "applicant",
    .plural = "applicants",
    .zh = "入党申请人",
    .nfields = A__COUNT,
    .fields = fields,
    .org_field = A_ORG,
    .scope = ZB_SCOPE_SUBTREE,
    .reach = ZB_REACH_SUBTREE,
    .org_must_exist = true,
    .auto_key = true,
    .cross = cross,
    .state_check = state_check,
    .overdue = overdue,
    .indexes = indexes,
    .nindexes = sizeof indexes / sizeof *indexes,
    .state_field = A_STAGE,
    .acts = acts,
    .nacts = sizeof acts / sizeof *acts,
};
