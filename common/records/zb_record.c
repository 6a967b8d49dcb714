/*
 * zb_record.c — the one place where a record of any kind is validated, by
 * walking its descriptor (zb_kind.h), and the vocabularies and org-code
 * rules the kinds share (docs/RECORDS.md).
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
#include "zb_reason.h"
#include "zb_utf8.h"

/* ---- Vocabularies ------------------------------------------------------
 * Statistics (zb_stats) count by index into these arrays, so an entry is
 * only ever appended within its group, never renamed or removed. */

const char *const zb_genders[] = {"男", "女", NULL};

/* Index 0 and 1 are relied on by kinds/member.c and by zb_stats. */
const char *const zb_categories[] = {"正式党员", "预备党员", NULL};
/* Why a member's membership ended (党章 第九条; docs/RECORDS.md,
 * "Leaving"). */
const char *const zb_member_statuses[] = {"在册", "已离开", NULL};
const char *const zb_member_roles[] = {"书记", "副书记", "委员", NULL};
const char *const zb_leave_reasons[] = {"去世", "出党", "停止党籍", "退党", "转出系统外", NULL};

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

#define ZB__ID_MAX 32
#define ZB__PHONE_LEN 11

/* Phone numbers in normal form (zb_norm_phone writes them): a mainland
 * mobile, 11 digits from 1; or a landline, AREA-LOCAL or LOCAL, then
 * optionally -EXT: area codes 010 and 020-029 (three digits) or four
 * digits from 03 (GB/T 2260's 长途区号 plan), a local number of 7 or 8
 * digits from 2, an extension of 1-6 digits. */
bool zb_phone_valid(const char *v, size_t len) {
  size_t i = 0, n;
  if (len == ZB__PHONE_LEN && v[0] == '1') {
    for (i = 0; i < len && is_digit(v[i]); i++)
      ;
    return i == len;
  }
  if (len > 0 && v[0] == '0') {
    for (n = 0; n < len && is_digit(v[n]); n++)
      ;
    if (n == 3 ? !(v[1] == '1' && v[2] == '0') && v[1] != '2' : n != 4 || v[1] < '3')
      return false;
    if (n >= len || v[n] != '-')
      return false;
    i = n + 1;
  }
  for (n = i; n < len && is_digit(v[n]); n++)
    ;
  if (n - i < 7 || n - i > 8 || v[i] < '2')
    return false;
  if (n == len)
    return true;
  if (v[n] != '-')
    return false;
  i = n + 1;
  for (n = i; n < len && is_digit(v[n]); n++)
    ;
  return n == len && n - i >= 1 && n - i <= 6;
}

struct zb_checker {
  zb_problem_fn report;
  void *ctx;
  int count;
};

void zb_check_problem(zb_checker *c, int field, const char *reason) {
  c->count++;
  if (c->report != NULL)
    c->report(c->ctx, field, reason);
}

void zb_check_problemf(zb_checker *c, int field, const char *fmt, ...) {
  /* Long enough for the longest message: the occupation vocabulary
   * (about 300 bytes) or a 256-byte field quoted back. */
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  /* A coded reason (docs/PROTOCOL.md, "Reasons"), or plain text. */
  if (strncmp(fmt, "why.", 4) == 0)
    zb_reason_vmake(buf, sizeof buf, fmt, ap);
  else
    vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  zb_check_problem(c, field, buf);
}

/* The checks every text field gets: bounded, NUL-terminated within the
 * array, well-formed UTF-8 without control characters.  Sets *len. */
static bool text_ok(zb_checker *c, int field, const char *v, size_t *len) {
  *len = strnlen(v, ZB_FIELD_MAX + 1);
  if (*len > ZB_FIELD_MAX) {
    zb_check_problemf(c, field, "why.too_long" ZB_US "%d", ZB_FIELD_MAX);
    return false;
  }
  if (!zb_utf8_valid(v, *len)) {
    for (size_t i = 0; i < *len; i++) {
      unsigned char b = (unsigned char)v[i];
      if (b < 0x20 && b != '\t') {
        zb_check_problem(c, field, "why.control_char");
        return false;
      }
    }
    zb_check_problem(c, field, "why.not_utf8");
    return false;
  }
  return true;
}

/* A closed-vocabulary field. */
static bool check_vocab(zb_checker *c, const zb_kind_desc *kd, int field, const char *v,
                        const char *const *vocab, int *index) {
  *index = zb_vocab_index(vocab, v);
  if (*index >= 0)
    return true;
  /* The vocabulary by reference: the reader's language lists it. */
  zb_check_problemf(c, field, "why.vocab" ZB_US ZB_RS "%s.%s=", kd->name, kd->fields[field].name);
  return false;
}

/* A date field that must be a real YYYY-MM-DD no later than today.  The
 * messages tell a wrong shape from an impossible day because the fixes
 * differ (reformat vs. look the date up again). */
static bool check_date(zb_checker *c, int field, const char *v, size_t len, zb_date today,
                       zb_date *out) {
  bool shape = len == 10 && v[4] == '-' && v[7] == '-';
  for (size_t i = 0; shape && i < len; i++)
    if (i != 4 && i != 7 && !is_digit(v[i]))
      shape = false;
  if (!shape) {
    /* An import reshapes the usual written forms before (zb_norm.c); what
     * reaches here is none of them. */
    char d[11];
    if (zb_date_reshape(v, len, d) == ZB_DATE_FORM_MONTH)
      zb_check_problem(c, field, "why.date_no_day");
    else
      zb_check_problem(c, field, "why.date_shape");
    return false;
  }
  if (zb_date_parse(v, len, out) != 0) {
    int y = (v[0] - '0') * 1000 + (v[1] - '0') * 100 + (v[2] - '0') * 10 + (v[3] - '0');
    if (y < 1900 || y > 2999)
      zb_check_problem(c, field, "why.date_year");
    else
      zb_check_problem(c, field, "why.date_unreal");
    return false;
  }
  if (zb_date_cmp(*out, today) > 0) {
    char t[11];
    zb_date_format(today, t);
    zb_check_problemf(c, field, "why.date_after_today" ZB_US "%s", t);
    return false;
  }
  return true;
}

static bool check_id(zb_checker *c, int field, const char *v, size_t len) {
  bool ok = len >= 1 && len <= ZB__ID_MAX;
  for (size_t i = 0; ok && i < len; i++)
    ok = is_alnum(v[i]) || v[i] == '-' || v[i] == '_' || v[i] == '.';
  if (!ok)
    zb_check_problemf(c, field, "why.id_shape" ZB_US "%d", ZB__ID_MAX);
  return ok;
}

static bool check_id_number(zb_checker *c, int field, const char *v, size_t len) {
  const char *why;
  if (zb_idnum_parse(v, len, NULL, NULL, &why) == 0)
    return true;
  /* A spreadsheet that took the number for a number shows 4.30121E+17 and
   * has lost its last digits. */
  if (strchr(v, '+') && (strchr(v, 'E') || strchr(v, 'e'))) {
    zb_check_problem(c, field, "why.idnum_sci");
    return false;
  }
  /* If putting the right check character in makes the number valid, the
   * check character is the one thing wrong: say what it should be. */
  char want = len == 18 ? zb_idnum_check_char(v) : '\0';
  if (want != '\0') {
    char fixed[18];
    memcpy(fixed, v, sizeof fixed);
    fixed[17] = want;
    if (zb_idnum_parse(fixed, sizeof fixed, NULL, NULL, NULL) == 0) {
      zb_check_problemf(c, field, "why.idnum_check" ZB_US "%c" ZB_US "%c", v[17], want);
      return false;
    }
  }
  zb_check_problem(c, field, why);
  return false;
}

const char zb_org_code_rule[] = "why.org_code";

/* One field on its own, by its type (an empty optional field is fine). */
static bool check_field(zb_checker *c, const zb_kind_desc *kd, int f, const char *v,
                        zb_checked *ck, zb_date today) {
  const zb_field_desc *fd = &kd->fields[f];
  size_t len = ck->len[f];
  if (len == 0)
    return true;
  switch (fd->type) {
  case ZB_FT_TEXT:
    if (fd->max_chars) {
      size_t chars = zb_utf8_chars(v, len);
      if (chars > fd->max_chars) {
        zb_check_problemf(c, f, "why.too_many_chars" ZB_US "%zu" ZB_US "%u", chars,
                          fd->max_chars);
        return false;
      }
    }
    return true;
  case ZB_FT_ID:
    return check_id(c, f, v, len);
  case ZB_FT_DATE:
    return check_date(c, f, v, len, today, &ck->date[f]);
  case ZB_FT_VOCAB:
    return check_vocab(c, kd, f, v, fd->vocab, &ck->vocab[f]);
  case ZB_FT_ORG_CODE:
    if (zb_org_code_valid(v))
      return true;
    if ((unsigned char)v[0] >= 0x80)   /* 某某村党支部: a name */
      zb_check_problem(c, f, "why.org_code_name");
    else
      zb_check_problem(c, f, zb_org_code_rule);
    return false;
  case ZB_FT_ID_NUMBER:
    return check_id_number(c, f, v, len);
  case ZB_FT_COUNT:
    if (len <= 6 && strspn(v, "0123456789") == len && (len == 1 || v[0] != '0'))
      return true;
    zb_check_problem(c, f, "why.count");
    return false;
  case ZB_FT_MONTH:
    if (zb_month_parse(v, len, NULL) == 0)
      return true;
    zb_check_problem(c, f, "why.month");
    return false;
  case ZB_FT_FEN:
    if (zb_fen_parse(v, NULL))
      return true;
    zb_check_problem(c, f, "why.fen");
    return false;
  case ZB_FT_PHONE:
    if (zb_phone_valid(v, len))
      return true;
    zb_check_problem(c, f, "why.phone");
    return false;
  }
  return false;
}

int zb_rec_validate(const zb_kind_desc *kd, const zb_value *v, zb_date today,
                    zb_problem_fn report, void *ctx) {
  zb_checker c = {report, ctx, 0};
  zb_checked ck;
  int nf = kd->nfields;
  for (int f = 0; f < nf; f++) {
    ck.vocab[f] = -1;
    ck.date[f] = (zb_date){0, 0, 0};
    ck.ok[f] = text_ok(&c, f, v[f], &ck.len[f]);
  }
  for (int f = 0; f < nf; f++) {
    if (ck.ok[f] && ck.len[f] == 0 && (kd->fields[f].flags & ZB_FF_REQUIRED)) {
      zb_check_problem(&c, f, "why.required");
      ck.ok[f] = false;
    }
  }
  /* Fields on their own, in field order; a presence rule that depends on
   * an earlier field comes just before the field's own check. */
  for (int f = 0; f < nf; f++) {
    if (!ck.ok[f])
      continue;
    bool decided = false;
    for (int p = 0; p < kd->npresence && !decided; p++) {
      const zb_presence_rule *pr = &kd->presence[p];
      if (pr->field != f || ck.vocab[pr->when_field] != pr->when_index)
        continue;
      if (pr->required == (ck.len[f] == 0)) {
        zb_check_problem(&c, f, pr->message);
        ck.ok[f] = false;
        decided = true;
      }
    }
    if (ck.ok[f])
      ck.ok[f] = check_field(&c, kd, f, v[f], &ck, today);
    /* An optional state field left empty is the first state (zb_kind.h). */
    if (ck.ok[f] && f == kd->state_field && ck.len[f] == 0)
      ck.vocab[f] = 0;
  }
  if (kd->cross)
    kd->cross(&c, v, &ck, today);
  return c.count;
}

int zb_member_validate(const zb_member *m, zb_date today, zb_problem_fn report, void *ctx) {
  return zb_rec_validate(&zb_kind_member, (const zb_value *)m->v, today, report, ctx);
}

int zb_org_validate(const zb_org *o, zb_problem_fn report, void *ctx) {
  /* No org field is a date: today does not matter. */
  return zb_rec_validate(&zb_kind_org, (const zb_value *)o->v, (zb_date){9999, 12, 31}, report,
                         ctx);
}

bool zb_fen_parse(const char *v, int64_t *out) {
  size_t n = strlen(v);
  if (n == 0 || n > 12 || (n > 1 && v[0] == '0'))
    return false;
  int64_t x = 0;
  for (size_t i = 0; i < n; i++) {
    if (v[i] < '0' || v[i] > '9')
      return false;
    x = x * 10 + (v[i] - '0');
  }
  if (out)
    *out = x;
  return true;
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
