/*
 * zb_record.c — member and org records: field names, vocabularies and the
 * one place where a record is validated (docs/RECORDS.md).
 *
 * Validation reports each problem once.  A field that is malformed on its
 * own (too long, not UTF-8, not a date, bad check character …) is marked
 * bad, and every rule across fields that would read it is skipped: a typo
 * in birth_date should give one line, not three.
 */
#include "zb_record.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "zb_idnum.h"
#include "zb_utf8.h"

const char *const zb_member_field_names[ZB_MF__COUNT] = {
    [ZB_MF_ID] = "id",
    [ZB_MF_NAME] = "name",
    [ZB_MF_GENDER] = "gender",
    [ZB_MF_ETHNICITY] = "ethnicity",
    [ZB_MF_BIRTH_DATE] = "birth_date",
    [ZB_MF_ID_NUMBER] = "id_number",
    [ZB_MF_EDUCATION] = "education",
    [ZB_MF_CATEGORY] = "category",
    [ZB_MF_JOIN_DATE] = "join_date",
    [ZB_MF_FULL_DATE] = "full_date",
    [ZB_MF_ORG_CODE] = "org_code",
    [ZB_MF_PHONE] = "phone",
    [ZB_MF_OCCUPATION] = "occupation",
};

const char *const zb_org_field_names[ZB_OF__COUNT] = {
    [ZB_OF_CODE] = "code",
    [ZB_OF_NAME] = "name",
    [ZB_OF_TYPE] = "type",
    [ZB_OF_PARENT_CODE] = "parent_code",
};

static int field_by_name(const char *const *names, int n, const char *name,
                         size_t len) {
  if (name == NULL)
    return -1;
  for (int i = 0; i < n; i++)
    if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
      return i;
  return -1;
}

int zb_member_field_by_name(const char *name, size_t len) {
  return field_by_name(zb_member_field_names, ZB_MF__COUNT, name, len);
}

int zb_org_field_by_name(const char *name, size_t len) {
  return field_by_name(zb_org_field_names, ZB_OF__COUNT, name, len);
}

/* ---- Vocabularies ------------------------------------------------------
 * Statistics (zb_stats) count by index into these arrays, so an entry is
 * only ever appended within its group, never renamed or removed. */

const char *const zb_genders[] = {"男", "女", NULL};

/* Index 0 and 1 are relied on below and by zb_stats. */
const char *const zb_categories[] = {"正式党员", "预备党员", NULL};
enum { ZB__CAT_FULL = 0, ZB__CAT_PROBATIONARY = 1 };

/* The 56 ethnic groups in the order and wording of GB/T 3304-1991 (codes
 * 01-56).  The standard's extra codes 97 (其他未识别民族) and 98 (外国血统
 * 中国籍人士) are not ethnic groups and are left out. */
const char *const zb_ethnicities[] = {
    "汉族",     "蒙古族",   "回族",       "藏族",     "维吾尔族", "苗族",
    "彝族",     "壮族",     "布依族",     "朝鲜族",   "满族",     "侗族",
    "瑶族",     "白族",     "土家族",     "哈尼族",   "哈萨克族", "傣族",
    "黎族",     "傈僳族",   "佤族",       "畲族",     "高山族",   "拉祜族",
    "水族",     "东乡族",   "纳西族",     "景颇族",   "柯尔克孜族", "土族",
    "达斡尔族", "仫佬族",   "羌族",       "布朗族",   "撒拉族",   "毛南族",
    "仡佬族",   "锡伯族",   "阿昌族",     "普米族",   "塔吉克族", "怒族",
    "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族",   "保安族",   "裕固族",
    "京族",     "塔塔尔族", "独龙族",     "鄂伦春族", "赫哲族",   "门巴族",
    "珞巴族",   "基诺族",   NULL};

/* Highest to lowest, the rows of the 党内统计 education table, worded as
 * gen_roster.py writes them.  博士/硕士研究生 are deliberately not separate
 * entries: they are parts of 研究生, and overlapping rows would make the
 * statistics double count. */
const char *const zb_educations[] = {"研究生", "大学本科", "大学专科",
                                     "中等专科", "高中", "初中及以下", NULL};

/* The occupation rows of the 党内统计 bulletin (中国共产党党内统计公报),
 * worded as gen_roster.py writes them; 其他职业人员 is the catch-all, so
 * the list is complete as it stands. */
const char *const zb_occupations[] = {
    "农牧渔民",         "工人",     "企事业单位专业技术人员",
    "企事业单位管理人员", "党政机关工作人员", "学生",
    "离退休人员",       "其他职业人员", NULL};

/* 党委/党工委, 党总支, 党支部 (docs/RECORDS.md). */
const char *const zb_org_types[] = {"committee", "general_branch", "branch",
                                    NULL};

int zb_vocab_index(const char *const *vocab, const char *value) {
  if (vocab == NULL || value == NULL)
    return -1;
  for (int i = 0; vocab[i] != NULL; i++)
    if (strcmp(vocab[i], value) == 0)
      return i;
  return -1;
}

/* ---- Org codes ---------------------------------------------------------- */

#define ZB__ORG_CODE_MAX 64
#define ZB__ORG_SEG_MAX 8

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static bool is_alnum(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool zb_org_code_valid(const char *code) {
  if (code == NULL)
    return false;
  size_t len = strnlen(code, ZB__ORG_CODE_MAX + 1);
  if (len > ZB__ORG_CODE_MAX || len < 6)
    return false;
  /* The first part is the administrative area code (GB/T 2260), six
   * digits, as in "430121". */
  for (size_t i = 0; i < 6; i++)
    if (!is_digit(code[i]))
      return false;
  size_t i = 6;
  while (i < len) {
    if (code[i] != '-')
      return false;
    size_t seg = 0;
    for (i++; i < len && code[i] != '-'; i++, seg++)
      if (!is_alnum(code[i]))
        return false;
    if (seg < 1 || seg > ZB__ORG_SEG_MAX)
      return false;
  }
  return true;
}

bool zb_org_in_subtree(const char *code, const char *root) {
  if (code == NULL || root == NULL)
    return false;
  size_t n = strlen(root);
  /* The "-" matters: "430121-1" is a prefix of "430121-10" but not its
   * ancestor. */
  return strncmp(code, root, n) == 0 && (code[n] == '\0' || code[n] == '-');
}

void zb_org_parent(const char *code, char out[ZB_FIELD_MAX + 1]) {
  out[0] = '\0';
  if (code == NULL)
    return;
  size_t len = strnlen(code, ZB_FIELD_MAX + 1);
  size_t cut = len;
  while (cut > 0 && code[cut - 1] != '-')
    cut--;
  if (cut == 0)
    return; /* no '-': a top-level code has no parent */
  cut--;    /* drop the '-' itself */
  if (cut > ZB_FIELD_MAX)
    cut = ZB_FIELD_MAX;
  memcpy(out, code, cut);
  out[cut] = '\0';
}

/* ---- Validation --------------------------------------------------------- */

/* Domain numbers, versioned: these are the 2014 text of 发展党员工作细则 and
 * the Party Constitution (docs/RECORDS.md notes a revised 细则 of May 2026). */
/* 党章 第一条: a member must have reached the age of eighteen. */
#define ZB__RULE2014_MIN_JOIN_AGE 18
/* 党章 第七条; 发展党员工作细则 (2014) 第五章: probation is one year and
 * may be extended once, by at most a further year (6-12 months). */
#define ZB__RULE2014_PROBATION_YEARS 1
#define ZB__RULE2014_PROBATION_MAX_YEARS 2

#define ZB__MEMBER_ID_MAX 32
#define ZB__MEMBER_NAME_MAX 32 /* code points */
#define ZB__ORG_NAME_MAX 64    /* code points */
#define ZB__PHONE_LEN 11

struct zb__checker {
  zb_problem_fn report;
  void *ctx;
  int count;
};

static void problem(struct zb__checker *c, int field, const char *reason) {
  c->count++;
  if (c->report != NULL)
    c->report(c->ctx, field, reason);
}

__attribute__((format(printf, 3, 4))) static void
problemf(struct zb__checker *c, int field, const char *fmt, ...) {
  /* Long enough for the longest message: the occupation vocabulary
   * (about 300 bytes) or a 256-byte field quoted back. */
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  problem(c, field, buf);
}

/* The checks every text field gets: bounded, NUL-terminated within the
 * array, well-formed UTF-8 without control characters.  Sets *len. */
static bool text_ok(struct zb__checker *c, int field, const char *v,
                    size_t *len) {
  *len = strnlen(v, ZB_FIELD_MAX + 1);
  if (*len > ZB_FIELD_MAX) {
    problemf(c, field, "longer than %d bytes", ZB_FIELD_MAX);
    return false;
  }
  if (!zb_utf8_valid(v, *len)) {
    for (size_t i = 0; i < *len; i++) {
      unsigned char b = (unsigned char)v[i];
      if (b < 0x20 && b != '\t') {
        problem(c, field, "contains a control character");
        return false;
      }
    }
    problem(c, field, "not valid UTF-8 text");
    return false;
  }
  return true;
}

/* Appends the vocabulary as "a, b or c" to buf. */
static void vocab_list(const char *const *vocab, char *buf, size_t size) {
  size_t used = 0;
  buf[0] = '\0';
  for (int i = 0; vocab[i] != NULL && used < size; i++) {
    const char *sep = i == 0 ? "" : vocab[i + 1] == NULL ? " or " : ", ";
    int n = snprintf(buf + used, size - used, "%s%s", sep, vocab[i]);
    if (n < 0)
      break;
    used += (size_t)n;
  }
}

/* A closed-vocabulary field.  `expected` names the vocabulary for the
 * message; NULL spells the values out. */
static bool check_vocab(struct zb__checker *c, int field, const char *v,
                        const char *const *vocab, const char *expected,
                        int *index) {
  *index = zb_vocab_index(vocab, v);
  if (*index >= 0)
    return true;
  if (expected != NULL) {
    problemf(c, field, "unknown value; expected %s", expected);
  } else {
    char list[512];
    vocab_list(vocab, list, sizeof list);
    problemf(c, field, "unknown value; expected %s", list);
  }
  return false;
}

/* A date field that must be a real YYYY-MM-DD no later than today.  The
 * messages tell a wrong shape from an impossible day because the fixes
 * differ (reformat vs. look the date up again). */
static bool check_date(struct zb__checker *c, int field, const char *v,
                       size_t len, zb_date today, zb_date *out) {
  bool shape = len == 10 && v[4] == '-' && v[7] == '-';
  for (size_t i = 0; shape && i < len; i++)
    if (i != 4 && i != 7 && !is_digit(v[i]))
      shape = false;
  if (!shape) {
    problem(c, field, "must be a date in the form YYYY-MM-DD");
    return false;
  }
  if (zb_date_parse(v, len, out) != 0) {
    int y = (v[0] - '0') * 1000 + (v[1] - '0') * 100 + (v[2] - '0') * 10 +
            (v[3] - '0');
    if (y < 1900 || y > 2999)
      problem(c, field, "year must be between 1900 and 2999");
    else
      problem(c, field, "not a real date");
    return false;
  }
  if (zb_date_cmp(*out, today) > 0) {
    char t[11];
    zb_date_format(today, t);
    problemf(c, field, "is after today (%s)", t);
    return false;
  }
  return true;
}

static bool check_member_id(struct zb__checker *c, const char *v, size_t len) {
  bool ok = len >= 1 && len <= ZB__MEMBER_ID_MAX;
  for (size_t i = 0; ok && i < len; i++)
    ok = is_alnum(v[i]) || v[i] == '-' || v[i] == '_' || v[i] == '.';
  if (!ok)
    problemf(c, ZB_MF_ID,
             "must be 1-%d ASCII letters, digits, '-', '_' or '.'",
             ZB__MEMBER_ID_MAX);
  return ok;
}

static bool check_id_number(struct zb__checker *c, const char *v, size_t len,
                            zb_date *birth, int *male) {
  const char *why;
  if (zb_idnum_parse(v, len, birth, male, &why) == 0)
    return true;
  /* If putting the right check character in makes the number valid, the
   * check character is the one thing wrong: say what it should be. */
  char want = len == 18 ? zb_idnum_check_char(v) : '\0';
  if (want != '\0') {
    char fixed[18];
    memcpy(fixed, v, sizeof fixed);
    fixed[17] = want;
    if (zb_idnum_parse(fixed, sizeof fixed, NULL, NULL, NULL) == 0) {
      problemf(c, ZB_MF_ID_NUMBER, "check character is %c, expected %c",
               v[17], want);
      return false;
    }
  }
  problem(c, ZB_MF_ID_NUMBER, why);
  return false;
}

int zb_member_validate(const zb_member *m, zb_date today, zb_problem_fn report,
                       void *ctx) {
  struct zb__checker c = {report, ctx, 0};
  size_t len[ZB_MF__COUNT];
  bool ok[ZB_MF__COUNT];

  for (int f = 0; f < ZB_MF__COUNT; f++)
    ok[f] = text_ok(&c, f, m->v[f], &len[f]);

  static const int required[] = {ZB_MF_ID,        ZB_MF_NAME,
                                 ZB_MF_GENDER,    ZB_MF_BIRTH_DATE,
                                 ZB_MF_ID_NUMBER, ZB_MF_JOIN_DATE,
                                 ZB_MF_CATEGORY,  ZB_MF_ORG_CODE};
  for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
    int f = required[i];
    if (ok[f] && len[f] == 0) {
      problem(&c, f, "is required");
      ok[f] = false;
    }
  }

  /* Fields on their own, in field order.  Optional fields that are empty
   * are fine and skip their check. */
  if (ok[ZB_MF_ID])
    ok[ZB_MF_ID] = check_member_id(&c, m->v[ZB_MF_ID], len[ZB_MF_ID]);

  if (ok[ZB_MF_NAME]) {
    size_t chars = zb_utf8_chars(m->v[ZB_MF_NAME], len[ZB_MF_NAME]);
    if (chars > ZB__MEMBER_NAME_MAX) {
      problemf(&c, ZB_MF_NAME, "has %zu characters; at most %d allowed",
               chars, ZB__MEMBER_NAME_MAX);
      ok[ZB_MF_NAME] = false;
    }
  }

  int gender = -1;
  if (ok[ZB_MF_GENDER])
    ok[ZB_MF_GENDER] = check_vocab(&c, ZB_MF_GENDER, m->v[ZB_MF_GENDER],
                                   zb_genders, NULL, &gender);

  int idx;
  if (ok[ZB_MF_ETHNICITY] && len[ZB_MF_ETHNICITY] > 0)
    ok[ZB_MF_ETHNICITY] =
        check_vocab(&c, ZB_MF_ETHNICITY, m->v[ZB_MF_ETHNICITY],
                    zb_ethnicities, "one of the 56 ethnic groups", &idx);

  zb_date birth = {0, 0, 0};
  if (ok[ZB_MF_BIRTH_DATE])
    ok[ZB_MF_BIRTH_DATE] = check_date(&c, ZB_MF_BIRTH_DATE,
                                      m->v[ZB_MF_BIRTH_DATE],
                                      len[ZB_MF_BIRTH_DATE], today, &birth);

  zb_date id_birth = {0, 0, 0};
  int id_male = 0;
  if (ok[ZB_MF_ID_NUMBER])
    ok[ZB_MF_ID_NUMBER] =
        check_id_number(&c, m->v[ZB_MF_ID_NUMBER], len[ZB_MF_ID_NUMBER],
                        &id_birth, &id_male);

  if (ok[ZB_MF_EDUCATION] && len[ZB_MF_EDUCATION] > 0)
    ok[ZB_MF_EDUCATION] = check_vocab(&c, ZB_MF_EDUCATION,
                                      m->v[ZB_MF_EDUCATION], zb_educations,
                                      NULL, &idx);

  int category = -1;
  if (ok[ZB_MF_CATEGORY])
    ok[ZB_MF_CATEGORY] = check_vocab(&c, ZB_MF_CATEGORY, m->v[ZB_MF_CATEGORY],
                                     zb_categories, NULL, &category);

  zb_date join = {0, 0, 0};
  if (ok[ZB_MF_JOIN_DATE])
    ok[ZB_MF_JOIN_DATE] =
        check_date(&c, ZB_MF_JOIN_DATE, m->v[ZB_MF_JOIN_DATE],
                   len[ZB_MF_JOIN_DATE], today, &join);

  /* full_date depends on the category: required for 正式党员, must be
   * absent for 预备党员 (whose conversion has not happened). */
  zb_date full = {0, 0, 0};
  if (ok[ZB_MF_FULL_DATE]) {
    if (category == ZB__CAT_PROBATIONARY && len[ZB_MF_FULL_DATE] > 0) {
      problem(&c, ZB_MF_FULL_DATE, "must be empty for 预备党员");
      ok[ZB_MF_FULL_DATE] = false;
    } else if (category == ZB__CAT_FULL && len[ZB_MF_FULL_DATE] == 0) {
      problem(&c, ZB_MF_FULL_DATE, "is required for 正式党员");
      ok[ZB_MF_FULL_DATE] = false;
    } else if (len[ZB_MF_FULL_DATE] > 0) {
      ok[ZB_MF_FULL_DATE] =
          check_date(&c, ZB_MF_FULL_DATE, m->v[ZB_MF_FULL_DATE],
                     len[ZB_MF_FULL_DATE], today, &full);
    }
  }

  if (ok[ZB_MF_ORG_CODE] && !zb_org_code_valid(m->v[ZB_MF_ORG_CODE])) {
    problem(&c, ZB_MF_ORG_CODE,
            "must be an org code: 6 digits, then -parts of 1-8 letters or "
            "digits, at most 64 bytes (e.g. 430121-03-07)");
    ok[ZB_MF_ORG_CODE] = false;
  }

  if (ok[ZB_MF_PHONE] && len[ZB_MF_PHONE] > 0) {
    /* Mainland mobile numbers: 11 digits, first digit 1. */
    const char *p = m->v[ZB_MF_PHONE];
    bool good = len[ZB_MF_PHONE] == ZB__PHONE_LEN && p[0] == '1';
    for (size_t i = 0; good && i < len[ZB_MF_PHONE]; i++)
      good = is_digit(p[i]);
    if (!good) {
      problem(&c, ZB_MF_PHONE, "must be 11 digits starting with 1");
      ok[ZB_MF_PHONE] = false;
    }
  }

  if (ok[ZB_MF_OCCUPATION] && len[ZB_MF_OCCUPATION] > 0)
    ok[ZB_MF_OCCUPATION] =
        check_vocab(&c, ZB_MF_OCCUPATION, m->v[ZB_MF_OCCUPATION],
                    zb_occupations, NULL, &idx);

  /* Rules across fields, each only when every field it reads is sound. */

  /* GB 11643-1999 §4.2: the birth date code is the holder's birth date. */
  if (ok[ZB_MF_BIRTH_DATE] && ok[ZB_MF_ID_NUMBER] &&
      zb_date_cmp(birth, id_birth) != 0)
    problemf(&c, ZB_MF_BIRTH_DATE,
             "does not match id_number birth date %.8s",
             m->v[ZB_MF_ID_NUMBER] + 6);

  /* GB 11643-1999 §4.3: the sequence code is odd for men, even for
   * women; its last digit is the 17th character. */
  if (ok[ZB_MF_GENDER] && ok[ZB_MF_ID_NUMBER] &&
      (gender == 0) != (id_male != 0)) {
    char d = m->v[ZB_MF_ID_NUMBER][16];
    problemf(&c, ZB_MF_GENDER,
             "does not match id_number, whose 17th digit %c is %s (%s)", d,
             id_male ? "odd" : "even", zb_genders[id_male ? 0 : 1]);
  }

  /* 党章 第一条: only a person aged eighteen or over may join.  The 18th
   * birthday of someone born on 29 February is 28 February in a common
   * year, as in gen_roster.py. */
  if (ok[ZB_MF_BIRTH_DATE] && ok[ZB_MF_JOIN_DATE]) {
    zb_date adult = zb_date_add_years(birth, ZB__RULE2014_MIN_JOIN_AGE);
    if (zb_date_cmp(join, adult) < 0) {
      char a[11];
      zb_date_format(adult, a);
      problemf(&c, ZB_MF_JOIN_DATE,
               "must be at least %d years after birth_date (on or after %s)",
               ZB__RULE2014_MIN_JOIN_AGE, a);
    }
  }

  /* 党章 第七条, 发展党员工作细则 (2014): conversion comes at the end of a
   * one-year probation, or of a probation extended once by up to 12
   * months — so between join + 1 year and join + 2 years. */
  if (category == ZB__CAT_FULL && ok[ZB_MF_CATEGORY] && ok[ZB_MF_JOIN_DATE] &&
      ok[ZB_MF_FULL_DATE] && len[ZB_MF_FULL_DATE] > 0) {
    zb_date lo = zb_date_add_years(join, ZB__RULE2014_PROBATION_YEARS);
    zb_date hi = zb_date_add_years(join, ZB__RULE2014_PROBATION_MAX_YEARS);
    char b[11];
    if (zb_date_cmp(full, lo) < 0) {
      zb_date_format(lo, b);
      problemf(&c, ZB_MF_FULL_DATE,
               "must be at least 1 year after join_date (on or after %s): "
               "probation lasts one year",
               b);
    } else if (zb_date_cmp(full, hi) > 0) {
      zb_date_format(hi, b);
      problemf(&c, ZB_MF_FULL_DATE,
               "must be at most 2 years after join_date (on or before %s): "
               "probation may be extended only once, by up to 12 months",
               b);
    }
  }

  return c.count;
}

int zb_org_validate(const zb_org *o, zb_problem_fn report, void *ctx) {
  struct zb__checker c = {report, ctx, 0};
  size_t len[ZB_OF__COUNT];
  bool ok[ZB_OF__COUNT];

  for (int f = 0; f < ZB_OF__COUNT; f++)
    ok[f] = text_ok(&c, f, o->v[f], &len[f]);
  for (int f = ZB_OF_CODE; f <= ZB_OF_TYPE; f++) {
    if (ok[f] && len[f] == 0) {
      problem(&c, f, "is required");
      ok[f] = false;
    }
  }

  static const char code_rule[] =
      "must be an org code: 6 digits, then -parts of 1-8 letters or digits, "
      "at most 64 bytes (e.g. 430121-03-07)";
  if (ok[ZB_OF_CODE] && !zb_org_code_valid(o->v[ZB_OF_CODE])) {
    problem(&c, ZB_OF_CODE, code_rule);
    ok[ZB_OF_CODE] = false;
  }

  if (ok[ZB_OF_NAME]) {
    size_t chars = zb_utf8_chars(o->v[ZB_OF_NAME], len[ZB_OF_NAME]);
    if (chars > ZB__ORG_NAME_MAX)
      problemf(&c, ZB_OF_NAME, "has %zu characters; at most %d allowed",
               chars, ZB__ORG_NAME_MAX);
  }

  int idx;
  if (ok[ZB_OF_TYPE])
    check_vocab(&c, ZB_OF_TYPE, o->v[ZB_OF_TYPE], zb_org_types, NULL, &idx);

  if (!ok[ZB_OF_PARENT_CODE])
    return c.count;
  const char *parent = o->v[ZB_OF_PARENT_CODE];
  if (ok[ZB_OF_CODE]) {
    /* The tree is implied by the codes themselves (docs/RECORDS.md), so the
     * parent column can only ever repeat it; a row that disagrees is a
     * mistake in one of the two columns. */
    char want[ZB_FIELD_MAX + 1];
    zb_org_parent(o->v[ZB_OF_CODE], want);
    if (strcmp(parent, want) == 0)
      return c.count;
    if (want[0] == '\0')
      problemf(&c, ZB_OF_PARENT_CODE,
               "must be empty: %s is a top-level code", o->v[ZB_OF_CODE]);
    else
      problemf(&c, ZB_OF_PARENT_CODE, "must be %s, the parent of %s", want,
               o->v[ZB_OF_CODE]);
  } else if (len[ZB_OF_PARENT_CODE] > 0 && !zb_org_code_valid(parent)) {
    problem(&c, ZB_OF_PARENT_CODE, code_rule);
  }
  return c.count;
}

bool zb_node_id_valid(const char *id) {
  size_t n = strlen(id);
  if (n == 0 || n > ZB_NODE_ID_MAX)
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = id[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '-' || c == '_' || c == '.'))
      return false;
  }
  return true;
}
