/*
 * zb_stats.c — member statistics (党内统计) as of a date.
 *
 * The breakdowns follow the ones the Organization Department publishes
 * every year in the 中国共产党党内统计公报 (docs/RECORDS.md, "Members"): sex,
 * ethnic minority, education, age band, join period and occupation.  All
 * counts are derived from the records as they stood on the as-of date, so a
 * report for a past date is reproducible.
 */
#include "zb_stats.h"

#include <assert.h>
#include <string.h>

#include "zb_csv.h"
#include "zb_err.h"
#include "zb_table.h"

/* Age bands of the 党内统计公报 (docs/RECORDS.md, "Members"):
 * 30 and under, then five-year bands 31–35 … 56–60, then 61 and over. */
const char *const zb_stats_age_bands[8] = {
    "<=30", "31-35", "36-40", "41-45", "46-50", "51-55", "56-60", ">=61",
};

/* Join periods of the 党内统计公报 (docs/RECORDS.md, "Members").
 * The cut-offs are the founding of the PRC (1949-10-01), the opening day of
 * the Third Plenary Session of the 11th Central Committee (十一届三中全会,
 * 18–22 December 1978) and the opening day of the 18th National Congress
 * (党的十八大, 8–14 November 2012).  Joining on an opening day counts in
 * the period before it. */
const char *const zb_stats_join_periods[4] = {
    "before_1949-10-01",
    "1949-10-01_to_1978-12-18",
    "1978-12-19_to_2012-11-08",
    "after_2012-11-08",
};

static const zb_date founding = {1949, 10, 1};
static const zb_date plenum_11_3 = {1978, 12, 18};
static const zb_date congress_18 = {2012, 11, 8};

#ifndef NDEBUG /* only the assertions in zb_stats_init() use it */
static size_t vocab_len(const char *const *vocab) {
  size_t n = 0;
  while (vocab[n] != NULL)
    n++;
  return n;
}
#endif

void zb_stats_init(zb_stats *s, zb_date as_of) {
  /* The count arrays are sized at compile time; a vocabulary that outgrew
   * them would silently fold values into 未填. */
  assert(vocab_len(zb_educations) <= ZB_STATS_MAX_VOCAB);
  assert(vocab_len(zb_occupations) <= ZB_STATS_MAX_VOCAB);
  assert(vocab_len(zb_genders) == 2 && vocab_len(zb_categories) == 2);
  memset(s, 0, sizeof(*s));
  s->as_of = as_of;
  s->from = (zb_date){as_of.y, 1, 1};
  s->to = as_of;
}

static int field_date(const zb_member *m, int field, zb_date *out) {
  return zb_date_parse(m->v[field], strlen(m->v[field]), out);
}

static int age_band(int age) {
  if (age <= 30)
    return 0;
  if (age >= 61)
    return 7;
  return (age - 31) / 5 + 1; /* 31–35 → 1 … 56–60 → 6 */
}

static int join_period(zb_date join) {
  if (zb_date_cmp(join, founding) < 0)
    return 0;
  if (zb_date_cmp(join, plenum_11_3) <= 0)
    return 1;
  if (zb_date_cmp(join, congress_18) <= 0)
    return 2;
  return 3;
}

/* Index of value in vocab if it fits the count arrays, else -1 (未填). */
static int vocab_slot(const char *const *vocab, const char *value) {
  if (value[0] == '\0')
    return -1;
  int i = zb_vocab_index(vocab, value);
  return i < ZB_STATS_MAX_VOCAB ? i : -1;
}

void zb_stats_facts_of(const zb_member *m, zb_stats_facts *f) {
  memset(f, 0, sizeof *f);
  f->has_join = field_date(m, ZB_MF_JOIN_DATE, &f->join) == 0;
  f->has_birth = field_date(m, ZB_MF_BIRTH_DATE, &f->birth) == 0;
  /* An empty or unparseable full_date cannot prove conversion. */
  f->has_full = m->v[ZB_MF_FULL_DATE][0] != '\0' && field_date(m, ZB_MF_FULL_DATE, &f->full) == 0;
  f->has_leave = field_date(m, ZB_MF_LEAVE_DATE, &f->leave) == 0;
  f->left = zb_vocab_index(zb_member_statuses, m->v[ZB_MF_STATUS]) == 1;
  f->full_member = strcmp(m->v[ZB_MF_CATEGORY], zb_categories[0]) == 0;
  f->committee = m->v[ZB_MF_ROLE][0] != '\0';
  f->gender = (signed char)zb_vocab_index(zb_genders, m->v[ZB_MF_GENDER]);
  const char *eth = m->v[ZB_MF_ETHNICITY];
  f->eth = eth[0] == '\0' ? 2 : strcmp(eth, zb_ethnicities[0]) == 0 ? 0 : 1; /* 汉族 is first */
  f->edu = (signed char)vocab_slot(zb_educations, m->v[ZB_MF_EDUCATION]);
  f->occ = (signed char)vocab_slot(zb_occupations, m->v[ZB_MF_OCCUPATION]);
  int why = zb_vocab_index(zb_leave_reasons, m->v[ZB_MF_LEAVE_REASON]);
  f->reason = (signed char)(why >= 0 && why < 5 ? why : -1);
  if (!f->has_join)
    f->join = (zb_date){0, 0, 0};
  if (!f->has_birth)
    f->birth = (zb_date){0, 0, 0};
  if (!f->has_full)
    f->full = (zb_date){0, 0, 0};
  if (!f->has_leave)
    f->leave = (zb_date){0, 0, 0};
}

/* Packed: a layout byte (1), four dates as 4-byte big-endian words
 * (year << 9 | month << 5 | day, 0 for none: every date zb_date_parse
 * accepts has a month, so no date packs to 0), then a byte of flags
 * (1 left, 2 full_member, 4 committee), gender, eth, edu, occ, reason as
 * bytes (the signed ones plus 1), a byte spare (zero). */
#define FACTS_LAYOUT 1

static void date_put(uint8_t *p, bool has, zb_date d) {
  uint32_t w = has ? ((uint32_t)d.y << 9 | (uint32_t)d.m << 5 | (uint32_t)d.d) : 0;
  p[0] = (uint8_t)(w >> 24), p[1] = (uint8_t)(w >> 16), p[2] = (uint8_t)(w >> 8), p[3] = (uint8_t)w;
}

static bool date_get(const uint8_t *p, zb_date *d) {
  uint32_t w = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
  *d = (zb_date){(int)(w >> 9), (int)(w >> 5 & 15), (int)(w & 31)};
  return w != 0;
}

size_t zb_stats_facts_pack(const zb_stats_facts *f, uint8_t *out) {
  memset(out, 0, ZB_STATS_FACTS_LEN);
  out[0] = FACTS_LAYOUT;
  date_put(out + 1, f->has_join, f->join);
  date_put(out + 5, f->has_birth, f->birth);
  date_put(out + 9, f->has_full, f->full);
  date_put(out + 13, f->has_leave, f->leave);
  out[17] = (uint8_t)(f->left | f->full_member << 1 | f->committee << 2);
  out[18] = (uint8_t)(f->gender + 1);
  out[19] = (uint8_t)(f->eth + 1);
  out[20] = (uint8_t)(f->edu + 1);
  out[21] = (uint8_t)(f->occ + 1);
  out[22] = (uint8_t)(f->reason + 1);
  return ZB_STATS_FACTS_LEN;
}

int zb_stats_facts_unpack(const uint8_t *in, size_t len, zb_stats_facts *f) {
  if (len != ZB_STATS_FACTS_LEN || in[0] != FACTS_LAYOUT || in[17] > 7 || in[18] > 2 ||
      in[19] < 1 || in[19] > 3 || in[20] > ZB_STATS_MAX_VOCAB || in[21] > ZB_STATS_MAX_VOCAB ||
      in[22] > 5)
    return ZB_ECORRUPT;
  f->has_join = date_get(in + 1, &f->join);
  f->has_birth = date_get(in + 5, &f->birth);
  f->has_full = date_get(in + 9, &f->full);
  f->has_leave = date_get(in + 13, &f->leave);
  f->left = in[17] & 1;
  f->full_member = in[17] >> 1 & 1;
  f->committee = in[17] >> 2 & 1;
  f->gender = (signed char)(in[18] - 1);
  f->eth = (signed char)(in[19] - 1);
  f->edu = (signed char)(in[20] - 1);
  f->occ = (signed char)(in[21] - 1);
  f->reason = (signed char)(in[22] - 1);
  return 0;
}

/* Whether the member had left by on: status 已离开 with a leave_date on or
 * before it (a member is counted up to the day before leave_date). */
static bool left_by(const zb_stats_facts *f, zb_date on) {
  return f->left && f->has_leave && zb_date_cmp(f->leave, on) <= 0;
}

int zb_stats_place_facts(const zb_stats_facts *f, zb_date on) {
  if (!f->has_join)
    return -1;
  /* Membership starts on join_date, the branch meeting that admitted the
   * member as 预备党员 (发展党员工作细则 2014, docs/RECORDS.md, probation). */
  if (zb_date_cmp(f->join, on) > 0 || left_by(f, on))
    return 0;
  if (f->gender < 0 || !f->has_birth)
    return -1;
  return 1;
}

int zb_stats_place(const zb_member *m, zb_date on) {
  zb_stats_facts f;
  zb_stats_facts_of(m, &f);
  return zb_stats_place_facts(&f, on);
}

void zb_stats_add_facts(zb_stats *s, const zb_stats_facts *f) {
  if (!f->has_join) {
    s->skipped++;
    return;
  }
  /* The period's counts, whatever the as-of date: developed (joined) and
   * reductions (left) by reason. */
  if (zb_date_cmp(f->join, s->from) >= 0 && zb_date_cmp(f->join, s->to) <= 0)
    s->joined++;
  if (f->left && f->has_leave && f->reason >= 0 && zb_date_cmp(f->leave, s->from) >= 0 &&
      zb_date_cmp(f->leave, s->to) <= 0)
    s->left[f->reason]++;
  int place = zb_stats_place_facts(f, s->as_of);
  if (place < 0)
    s->skipped++;
  if (place <= 0)
    return;

  s->total++;

  /* 正式党员 from the conversion date on (docs/RECORDS.md, probation); the
   * stored category field describes today, not the as-of date, so it is
   * not used. */
  int full_member = f->has_full && zb_date_cmp(f->full, s->as_of) <= 0;
  s->category[full_member ? 0 : 1]++;

  s->gender[f->gender]++;

  if (f->eth == 2)
    s->ethnicity_unknown++;
  else if (f->eth == 0)
    s->han++;
  else
    s->minority++;

  s->age[age_band(zb_date_age(f->birth, s->as_of))]++;

  if (f->edu < 0)
    s->education_unknown++;
  else
    s->education[f->edu]++;

  if (f->occ < 0)
    s->occupation_unknown++;
  else
    s->occupation[f->occ]++;

  s->join_period[join_period(f->join)]++;
}

static void counts_add(long *a, const long *b, size_t n) {
  for (size_t i = 0; i < n; i++)
    a[i] += b[i];
}

void zb_stats_merge(zb_stats *s, const zb_stats *b) {
  s->total += b->total;
  counts_add(s->category, b->category, 2);
  counts_add(s->gender, b->gender, 2);
  s->han += b->han;
  s->minority += b->minority;
  counts_add(s->age, b->age, 8);
  counts_add(s->education, b->education, ZB_STATS_MAX_VOCAB);
  counts_add(s->occupation, b->occupation, ZB_STATS_MAX_VOCAB);
  counts_add(s->join_period, b->join_period, 4);
  s->ethnicity_unknown += b->ethnicity_unknown;
  s->education_unknown += b->education_unknown;
  s->occupation_unknown += b->occupation_unknown;
  s->skipped += b->skipped;
  counts_add(s->left, b->left, 5);
  s->joined += b->joined;
}

void zb_stats_add(zb_stats *s, const zb_member *m) {
  zb_stats_facts f;
  zb_stats_facts_of(m, &f);
  zb_stats_add_facts(s, &f);
}

/* One dimension of the output: its key, then parallel value names and
 * counts.  Every renderer walks the same list, so JSON, CSV and the report
 * cannot disagree on names or order. */
#define ZB_STATS_MAX_ROWS (ZB_STATS_MAX_VOCAB + 1)

struct dim {
  const char *name;
  size_t n;
  const char *value[ZB_STATS_MAX_ROWS];
  long count[ZB_STATS_MAX_ROWS];
};

static void dim_add(struct dim *d, const char *value, long count) {
  assert(d->n < ZB_STATS_MAX_ROWS);
  d->value[d->n] = value;
  d->count[d->n] = count;
  d->n++;
}

static void dim_vocab(struct dim *d, const char *name, const char *const *vocab,
                      const long *counts, long unknown) {
  d->name = name;
  d->n = 0;
  for (size_t i = 0; vocab[i] != NULL && i < ZB_STATS_MAX_VOCAB; i++)
    dim_add(d, vocab[i], counts[i]);
  dim_add(d, ZB_STATS_UNKNOWN, unknown);
}

static void dim_fixed(struct dim *d, const char *name,
                      const char *const *values, const long *counts, size_t n) {
  d->name = name;
  d->n = 0;
  for (size_t i = 0; i < n; i++)
    dim_add(d, values[i], counts[i]);
}

enum { DIM_COUNT = 8, DIM_AGE = 3, DIM_JOIN = 6, DIM_LEFT = 7 };

/* Fills dims[0..DIM_COUNT) in output order. */
static void build_dims(const zb_stats *s, struct dim *dims) {
  long eth[3] = {s->han, s->minority, s->ethnicity_unknown};
  static const char *const eth_names[3] = {"汉族", "少数民族", ZB_STATS_UNKNOWN};

  dim_fixed(&dims[0], "category", zb_categories, s->category, 2);
  dim_fixed(&dims[1], "gender", zb_genders, s->gender, 2);
  dim_fixed(&dims[2], "ethnicity", eth_names, eth, 3);
  dim_fixed(&dims[DIM_AGE], "age", zb_stats_age_bands, s->age, 8);
  dim_vocab(&dims[4], "education", zb_educations, s->education,
            s->education_unknown);
  dim_vocab(&dims[5], "occupation", zb_occupations, s->occupation,
            s->occupation_unknown);
  dim_fixed(&dims[DIM_JOIN], "join_period", zb_stats_join_periods, s->join_period, 4);
  dim_fixed(&dims[DIM_LEFT], "left", zb_leave_reasons, s->left, 5);
}

json_t *zb_stats_to_json(const zb_stats *s, const char *org) {
  struct dim dims[DIM_COUNT];
  char as_of[11], from[11], to[11];
  json_t *root = json_object();
  json_t *ok = root;

  if (root == NULL)
    goto out;
  build_dims(s, dims);
  zb_date_format(s->as_of, as_of);
  zb_date_format(s->from, from);
  zb_date_format(s->to, to);
  if (json_object_set_new(root, "org", json_string(org ? org : "")) != 0 ||
      json_object_set_new(root, "as_of", json_string(as_of)) != 0 ||
      json_object_set_new(root, "left_from", json_string(from)) != 0 ||
      json_object_set_new(root, "left_to", json_string(to)) != 0 ||
      json_object_set_new(root, "total", json_integer(s->total)) != 0) {
    ok = NULL;
    goto out;
  }
  for (size_t i = 0; i < DIM_COUNT; i++) {
    if (i == DIM_LEFT && json_object_set_new(root, "joined", json_integer(s->joined)) != 0) {
      ok = NULL;
      goto out;
    }
    json_t *obj = json_object();
    /* set_new takes the reference even on failure, so obj never leaks. */
    if (json_object_set_new(root, dims[i].name, obj) != 0 || obj == NULL) {
      ok = NULL;
      goto out;
    }
    for (size_t j = 0; j < dims[i].n; j++) {
      if (json_object_set_new(obj, dims[i].value[j],
                              json_integer(dims[i].count[j])) != 0) {
        ok = NULL;
        goto out;
      }
    }
  }
out:
  if (ok == NULL)
    json_decref(root);
  return ok;
}

static int csv_row(FILE *out, const char *dim, const char *value, long count) {
  char num[24];
  snprintf(num, sizeof(num), "%ld", count);
  const char *fields[3] = {dim, value, num};
  return zb_csv_write_row(out, fields, 3);
}

/* Chinese labels of the report (README, "Exporting"): of each breakdown in
 * build_dims order, of the age bands and of the join periods as the 党内统计
 * bulletins name them; vocabulary values are Chinese already. */
static const char *const dim_zh[DIM_COUNT] = {
    "人员类别", "性别", "民族", "年龄", "学历", "工作岗位", "入党时间", "减少",
};
static const char *const age_zh[8] = {
    "30岁及以下", "31至35岁", "36至40岁", "41至45岁",
    "46至50岁",   "51至55岁", "56至60岁", "61岁及以上",
};
static const char *const join_zh[4] = {
    "新中国成立前",
    "新中国成立后到党的十一届三中全会前",
    "党的十一届三中全会后到党的十八大前",
    "党的十八大以来",
};

int zb_stats_rows(const zb_stats *s, bool zh, zb_stats_row_fn fn, void *ctx) {
  struct dim dims[DIM_COUNT];
  build_dims(s, dims);
  int rc = fn(ctx, zh ? "党员总数" : "total", "", s->total);
  for (size_t i = 0; i < DIM_COUNT && rc == 0; i++) {
    if (i == DIM_LEFT && (rc = fn(ctx, zh ? "发展党员" : "joined", "", s->joined)) != 0)
      break;
    for (size_t j = 0; j < dims[i].n && rc == 0; j++) {
      const char *v = dims[i].value[j];
      if (zh && i == DIM_AGE)
        v = age_zh[j];
      else if (zh && i == DIM_JOIN)
        v = join_zh[j];
      rc = fn(ctx, zh ? dim_zh[i] : dims[i].name, v, dims[i].count[j]);
    }
  }
  return rc;
}

static int csv_stats_row(void *ctx, const char *dim, const char *value, long count) {
  return csv_row(ctx, dim, value, count);
}

int zb_stats_write_csv(const zb_stats *s, const char *org, FILE *out, bool zh) {
  static const char *const header[3] = {"dimension", "value", "count"};
  static const char *const header_zh[3] = {"项目", "分类", "人数"};
  (void)org; /* the contract's rows are counts; the caller names the scope */
  if (zh && fputs("\xEF\xBB\xBF", out) == EOF)   /* UTF-8, for Excel */
    return ZB_EIO;
  int rc = zb_csv_write_row(out, zh ? header_zh : header, 3);
  if (rc == 0)
    rc = zb_stats_rows(s, zh, csv_stats_row, out);
  if (rc == 0 && (fflush(out) != 0 || ferror(out)))
    rc = ZB_EIO;
  return rc;
}

void zb_stats_print(const zb_stats *s, const char *org, FILE *out, bool zh) {
  struct dim dims[DIM_COUNT];
  char as_of[11];

  build_dims(s, dims);
  zb_date_format(s->as_of, as_of);
  if (zh)
    fprintf(out, "%s 党内统计（截至 %s）：党员总数 %ld\n", org ? org : "", as_of, s->total);
  else
    fprintf(out, "Member statistics for %s as of %s: total %ld\n", org ? org : "", as_of,
            s->total);
  if (s->skipped > 0)
    fprintf(out,
            zh ? "注意：%ld 条记录的性别、出生日期或入党日期无法使用，没有计入\n"
               : "warning: %ld record(s) with an unusable gender, birth_date or "
                 "join_date were not counted\n",
            s->skipped);
  char from[11], to[11];
  zb_date_format(s->from, from);
  zb_date_format(s->to, to);
  const char *count = zh ? "人数" : "count";
  for (size_t i = 0; i < DIM_COUNT; i++) {
    char name[160];
    if (i == DIM_LEFT) {   /* the period's counts: say their period */
      char num[24];
      snprintf(name, sizeof name, zh ? "发展党员 %s 至 %s" : "joined %s..%s", from, to);
      snprintf(num, sizeof num, "%ld", s->joined);
      const char *header[2] = {name, count};
      const char *row[2] = {"发展党员", num};
      zb_table *t = zb_table_new(2, header);
      if (t == NULL || zb_table_add(t, row) != 0) {
        zb_table_free(t);
        return;
      }
      fputc('\n', out);
      zb_table_print(t, out);
      zb_table_free(t);
      snprintf(name, sizeof name, zh ? "减少 %s 至 %s" : "left %s..%s", from, to);
    } else {
      snprintf(name, sizeof name, "%s", zh ? dim_zh[i] : dims[i].name);
    }
    const char *header[2] = {name, count};
    zb_table *t = zb_table_new(2, header);
    if (t == NULL)
      return;
    for (size_t j = 0; j < dims[i].n; j++) {
      char num[24];
      snprintf(num, sizeof(num), "%ld", dims[i].count[j]);
      /* People read the labels of the 党内统计公报, never the keys
       * (before_1949-10-01) of --json. */
      const char *v = dims[i].value[j];
      if (zh && i == DIM_AGE)
        v = age_zh[j];
      else if (zh && i == DIM_JOIN)
        v = join_zh[j];
      const char *row[2] = {v, num};
      if (zb_table_add(t, row) != 0) {
        zb_table_free(t);
        return;
      }
    }
    fputc('\n', out);
    zb_table_print(t, out);
    zb_table_free(t);
  }
}
