/*
 * zb_dues.c — dues (党费): the rule tables, the standard amount, money text,
 * payment keys and the report (zb_dues.h; docs/RECORDS.md, "Dues").
 */
#include "zb_msg.h"
#include "zb_dues.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "zb_csv.h"
#include "zb_err.h"
#include "zb_record.h"
#include "zb_state.h"
#include "zb_table.h"

const char *const zb_dues_payers[] = {"employee", "retiree",    "farmer",
                                      "student",  "unemployed", "low_income", NULL};
const char *const zb_dues_payers_zh[] = {"在职", "离退休", "农民", "学生", "下岗失业", "低保",
                                         NULL};
const char *const zb_dues_statuses[] = {"已缴", "已作废", NULL};

/* ---- the rules, as data ----
 *
 * 关于中国共产党党费收缴、使用和管理的规定 (中组发〔2008〕3号), in force from
 * 1 April 2008 (docs/RECORDS.md, "Dues", quotes the rows).  A later text
 * becomes a new rule with its own name and effective date, appended
 * below: payments keep the name of the rule they were computed by. */
static const zb_dues_row rows_2008[] = {
    {ZB_DP_EMPLOYEE, 300000, 50, 0, 0, "第二条: 3000元以下（含3000元）, 0.5%"},
    {ZB_DP_EMPLOYEE, 500000, 100, 0, 0, "第二条: 3000元以上至5000元（含5000元）, 1%"},
    {ZB_DP_EMPLOYEE, 1000000, 150, 0, 0, "第二条: 5000元以上至10000元（含10000元）, 1.5%"},
    {ZB_DP_EMPLOYEE, -1, 200, 0, 0, "第二条: 10000元以上, 2%"},
    {ZB_DP_RETIREE, 500000, 50, 0, 0, "离退休: 5000元以下（含5000元）, 0.5%"},
    {ZB_DP_RETIREE, -1, 100, 0, 0, "离退休: 5000元以上, 1%"},
    {ZB_DP_FARMER, -1, 0, 20, 100, "农民党员: 每月0.2元至1元 (the range is local)"},
    {ZB_DP_STUDENT, -1, 0, 20, 20, "学生党员: 每月0.2元"},
    {ZB_DP_UNEMPLOYED, -1, 0, 20, 20, "下岗失业的党员: 每月0.2元"},
    {ZB_DP_LOW_INCOME, -1, 0, 20, 20, "依靠抚恤、救济或领取最低生活保障金生活的党员: 每月0.2元"},
};

static const zb_dues_rule rule_2008 = {
    "dues-2008", 1, {2008, 4, 1},
    "关于中国共产党党费收缴、使用和管理的规定（中组发〔2008〕3号）",
    rows_2008, sizeof rows_2008 / sizeof *rows_2008,
};

const zb_dues_rule *const zb_dues_rules[] = {&rule_2008, NULL};

const zb_dues_rule *zb_dues_rule_for(int month) {
  const zb_dues_rule *in_force = NULL;
  for (int i = 0; zb_dues_rules[i]; i++)
    if (zb_month_of(zb_dues_rules[i]->effective) <= month)
      in_force = zb_dues_rules[i];
  return in_force;
}

const zb_dues_rule *zb_dues_rule_named(const char *name) {
  for (int i = 0; name && zb_dues_rules[i]; i++)
    if (strcmp(zb_dues_rules[i]->name, name) == 0)
      return zb_dues_rules[i];
  return NULL;
}

const zb_dues_row *zb_dues_row_for(const zb_dues_rule *r, int payer, int64_t base_fen) {
  for (int i = 0; r && i < r->nrows; i++) {
    const zb_dues_row *row = &r->rows[i];
    if (row->payer != payer)
      continue;
    /* Rows of one payer come in ascending bounds: the first that holds
     * the base is its bracket ("3000元以下（含3000元）": the bound is in). */
    if (row->rate_bp == 0 || row->upto_fen < 0 || base_fen <= row->upto_fen)
      return row;
  }
  return NULL;
}

int64_t zb_dues_rate_of(int64_t base_fen, int rate_bp) {
  /* Half a fen and more rounds up: (b × r + 5000) / 10000. */
  return (base_fen * rate_bp + 5000) / 10000;
}

/* ---- money and keys ---- */

int zb_yuan_parse(const char *s, int64_t *fen) {
  if (!s)
    return ZB_EINVAL;
  size_t n = strlen(s), i = 0;
  int64_t yuan = 0, cents = 0;
  int digits = 0, decimals = 0;
  while (i < n && s[i] >= '0' && s[i] <= '9') {
    if (++digits > 10)
      return ZB_EINVAL;
    yuan = yuan * 10 + (s[i++] - '0');
  }
  if (i < n && s[i] == '.') {
    i++;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
      if (++decimals > 2)
        return ZB_EINVAL;
      cents = cents * 10 + (s[i++] - '0');
    }
    if (decimals == 1)
      cents *= 10;
  }
  if (i != n || (digits == 0 && decimals == 0))
    return ZB_EINVAL;
  int64_t v = yuan * 100 + cents;
  if (v > ZB_FEN_MAX)
    return ZB_EINVAL;
  *fen = v;
  return 0;
}

void zb_fen_format(int64_t fen, char out[24]) {
  if (fen < 0)
    snprintf(out, 24, "-%lld.%02lld", (long long)(-fen / 100), (long long)(-fen % 100));
  else
    snprintf(out, 24, "%lld.%02lld", (long long)(fen / 100), (long long)(fen % 100));
}

size_t zb_dues_key(const char *member, int month, int n, char out[ZB_FIELD_MAX + 1]) {
  int w = n > 1 ? snprintf(out, ZB_FIELD_MAX + 1, "%s-%04d%02d-%d", member, month / 12,
                           month % 12 + 1, n)
                : snprintf(out, ZB_FIELD_MAX + 1, "%s-%04d%02d", member, month / 12,
                           month % 12 + 1);
  return w > 0 && w <= ZB_FIELD_MAX ? (size_t)w : 0;
}

static bool all_digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9')
      return false;
  return n > 0;
}

bool zb_dues_key_parse(const char *key, size_t *member_len, int *month, int *n) {
  size_t len = strlen(key);
  *n = 1;
  /* "-N" (1 or 2 digits, 2..99) after the month, or nothing. */
  const char *dash = strrchr(key, '-');
  if (!dash)
    return false;
  size_t tail = len - (size_t)(dash - key) - 1;
  if (tail >= 1 && tail <= 2 && all_digits(dash + 1, tail)) {
    int v = 0;
    for (size_t i = 1; i <= tail; i++)
      v = v * 10 + (dash[i] - '0');
    if (v < 2 || v > ZB_DUES_REPAY_MAX || dash[1] == '0')
      return false;
    *n = v;
    len = (size_t)(dash - key);
  }
  /* "-YYYYMM" before it, after a member id of at least one character. */
  if (len < 8 || key[len - 7] != '-' || !all_digits(key + len - 6, 6))
    return false;
  char m[8] = {key[len - 6], key[len - 5], key[len - 4], key[len - 3], '-',
               key[len - 2], key[len - 1], '\0'};
  if (zb_month_parse(m, 7, month) != 0)
    return false;
  *member_len = len - 7;
  return true;
}

/* ---- the report ---- */

/* One payment that counts: not voided. */
struct pay {
  int month;
  int64_t standard, amount;
};

struct member_pays {
  struct pay *p;
  size_t n, cap;
};

static int collect_pay(void *ctx, const zb_rec *r) {
  struct member_pays *mp = ctx;
  int month;
  int64_t s, a;
  if (zb_kind_state(r->kd, r->v) != ZB_DUES_PAID ||
      zb_month_parse(r->v[ZB_DF_MONTH], strlen(r->v[ZB_DF_MONTH]), &month) != 0 ||
      !zb_fen_parse(r->v[ZB_DF_STANDARD_FEN], &s) || !zb_fen_parse(r->v[ZB_DF_AMOUNT_FEN], &a))
    return 0;
  if (mp->n == mp->cap) {
    size_t cap = mp->cap ? mp->cap * 2 : 16;
    struct pay *p = realloc(mp->p, cap * sizeof *p);
    if (!p)
      return ZB_ENOMEM;
    mp->p = p;
    mp->cap = cap;
  }
  mp->p[mp->n++] = (struct pay){month, s, a};
  return 0;
}

static int pay_cmp(const void *a, const void *b) {
  const struct pay *x = a, *y = b;
  return (x->month > y->month) - (x->month < y->month);
}

/* One member being counted: the months it owes dues for and its payments,
 * sorted by month, one a month (the key makes it so; a second is not
 * counted). */
struct mrow {
  int first, last;      /* due months: first..last */
  const struct pay *p;
  size_t n;
};

/* The payments of every member, walked before the members (a large
 * subtree): in the order of the payments' member index, so each member's
 * are one run; found by a hash of the member ids.  Only read once walked,
 * by both parts of the members (zb_dues_report_tap). */
struct paid {
  size_t id;            /* offset in paytab.text */
  size_t at, n;         /* its run in paytab.pays */
};

struct paytab {
  bool walked;          /* every member's payments are in pays */
  struct member_pays pays;
  struct paid *paid;
  size_t npaid, paidcap;
  char *text;
  size_t tlen, tcap;
  size_t *hash;         /* 1 + index in paid, open addressing */
  size_t hcap;
};

/* One part of the members being counted (zb_dues_report_tap), with its
 * own transaction, report and tap. */
struct run {
  zb_txn *t;
  zb_dues_report *rep;
  const zb_dues_query *q;
  int rule_start;
  zb_member_facts_fn tap;   /* zb_dues_report_tap */
  void *tap_ctx;
  zb_rec *rec;
  zb_member *mem;
  struct paytab *pt;
  /* a member's own payments (a small subtree) */
  struct member_pays own;
  /* the org being counted: where its records of dues begin, and its
   * arrears listed so far (from arrear0), whose streaks wait for it */
  int org_start;
  size_t arrear0;
  int (*runs)[2];       /* per listed arrear of the org: hi, the lowest
                           month of its unpaid run */
  size_t nruns, runcap;
  size_t acap;
};

/* The payment of month m, or NULL. */
static const struct pay *paid_in(const struct mrow *row, int m) {
  size_t lo = 0, hi = row->n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (row->p[mid].month < m)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < row->n && row->p[lo].month == m ? &row->p[lo] : NULL;
}

/* The standard of an unpaid month: that of the member's latest payment
 * before it, else of the earliest after it; -1 when there is none. */
static int64_t estimate(const struct mrow *row, int m) {
  const struct pay *before = NULL;
  for (size_t i = 0; i < row->n; i++) {
    if (row->p[i].month < m)
      before = &row->p[i];
    else
      return before ? before->standard : row->p[i].standard;
  }
  return before ? before->standard : -1;
}

/* Sorts p[0..n) by month and keeps one a month; returns how many. */
static size_t pays_sort(struct pay *p, size_t n) {
  if (n > 1)
    qsort(p, n, sizeof *p, pay_cmp);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (k == 0 || p[i].month != p[k - 1].month)
      p[k++] = p[i];
  return k;
}

static uint64_t id_hash(const char *s) {
  uint64_t h = 1469598103934665603u;   /* FNV-1a */
  for (; *s; s++)
    h = (h ^ (uint8_t)*s) * 1099511628211u;
  return h;
}

/* One entry of the payments' member index. */
static int walk_pay(void *ctx, const char *member, const char *key) {
  struct run *rn = ctx;
  struct paytab *pt = rn->pt;
  if (!pt->npaid || strcmp(pt->text + pt->paid[pt->npaid - 1].id, member) != 0) {
    size_t idlen = strlen(member) + 1;
    if (pt->npaid == pt->paidcap) {
      size_t cap = pt->paidcap ? pt->paidcap * 2 : 64;
      struct paid *x = realloc(pt->paid, cap * sizeof *x);
      if (!x)
        return ZB_ENOMEM;
      pt->paid = x;
      pt->paidcap = cap;
    }
    if (pt->tcap - pt->tlen < idlen) {
      size_t cap = pt->tcap ? pt->tcap * 2 : 4096;
      while (cap - pt->tlen < idlen)
        cap *= 2;
      char *x = realloc(pt->text, cap);
      if (!x)
        return ZB_ENOMEM;
      pt->text = x;
      pt->tcap = cap;
    }
    memcpy(pt->text + pt->tlen, member, idlen);
    pt->paid[pt->npaid++] = (struct paid){pt->tlen, pt->pays.n, 0};
    pt->tlen += idlen;
  }
  int rc = zb_rec_load(rn->t, &zb_kind_dues, key, rn->rec);
  if (rc)
    return rc == ZB_ENOTFOUND ? ZB_ECORRUPT : rc;
  size_t before = pt->pays.n;
  if ((rc = collect_pay(&pt->pays, rn->rec)))
    return rc;
  pt->paid[pt->npaid - 1].n += pt->pays.n - before;
  return 0;
}

/* Every payment, walked once; each member's sorted, and the hash. */
static int walk_pays(struct run *rn) {
  struct paytab *pt = rn->pt;
  int rc = zb_index_scan(rn->t, &zb_kind_dues, zb_kind_dues.indexes[1].field, walk_pay, rn);
  if (rc)
    return rc;
  pt->walked = true;
  pt->hcap = 16;
  while (pt->hcap < pt->npaid * 2)
    pt->hcap *= 2;
  if (!(pt->hash = calloc(pt->hcap, sizeof *pt->hash)))
    return ZB_ENOMEM;
  for (size_t i = 0; i < pt->npaid; i++) {
    struct paid *pd = &pt->paid[i];
    pd->n = pays_sort(pt->pays.p + pd->at, pd->n);
    size_t h = (size_t)id_hash(pt->text + pd->id) & (pt->hcap - 1);
    while (pt->hash[h])
      h = (h + 1) & (pt->hcap - 1);
    pt->hash[h] = i + 1;
  }
  return 0;
}

/* The payments of member id into row. */
static int find_pays(struct run *rn, const char *id, struct mrow *row) {
  const struct paytab *pt = rn->pt;
  row->p = NULL;
  row->n = 0;
  if (pt->walked) {
    if (!pt->npaid)
      return 0;
    size_t h = (size_t)id_hash(id) & (pt->hcap - 1);
    for (; pt->hash[h]; h = (h + 1) & (pt->hcap - 1)) {
      const struct paid *pd = &pt->paid[pt->hash[h] - 1];
      if (strcmp(pt->text + pd->id, id) == 0) {
        row->p = pt->pays.p + pd->at;
        row->n = pd->n;
        break;
      }
    }
    return 0;
  }
  rn->own.n = 0;
  int rc = zb_recs_with(rn->t, &zb_kind_dues, zb_kind_dues.indexes[1].field, id, collect_pay,
                        &rn->own);
  row->p = rn->own.p;
  row->n = pays_sort(rn->own.p, rn->own.n);
  return rc;
}

/* The org's arrears are all listed: their streaks, counted back no
 * further than where the org's records of dues begin. */
static void org_done(struct run *rn) {
  zb_dues_report *rep = rn->rep;
  for (size_t i = 0; i < rn->nruns; i++) {
    int hi = rn->runs[i][0], low = rn->runs[i][1];
    int floor = low > rn->org_start ? low : rn->org_start;
    rep->arrears[rn->arrear0 + i].streak = hi >= floor ? hi - floor + 1 : 0;
  }
  rn->nruns = 0;
  rn->arrear0 = rep->narrears;
}

static int arrear_add(struct run *rn, zb_dues_arrear *a, const char *id, const char *org,
                      int hi, int low) {
  zb_dues_report *rep = rn->rep;
  if (rep->narrears == rn->acap) {
    size_t c = rn->acap ? rn->acap * 2 : 64;
    zb_dues_arrear *x = realloc(rep->arrears, c * sizeof *x);
    if (!x)
      return ZB_ENOMEM;
    rep->arrears = x;
    rn->acap = c;
  }
  if (rn->nruns == rn->runcap) {
    size_t c = rn->runcap ? rn->runcap * 2 : 64;
    int(*x)[2] = realloc(rn->runs, c * sizeof *x);
    if (!x)
      return ZB_ENOMEM;
    rn->runs = x;
    rn->runcap = c;
  }
  int rc = zb_member_load(rn->t, id, rn->mem);
  if (rc)
    return rc == ZB_ENOTFOUND ? ZB_ECORRUPT : rc;
  snprintf(a->member_id, sizeof a->member_id, "%s", id);
  snprintf(a->name, sizeof a->name, "%s", rn->mem->v[ZB_MF_NAME]);
  snprintf(a->org, sizeof a->org, "%s", org);
  a->streak = 0;   /* org_done */
  rep->arrears[rep->narrears++] = *a;
  rn->runs[rn->nruns][0] = hi;
  rn->runs[rn->nruns][1] = low;
  rn->nruns++;
  return 0;
}

static void sum_add(zb_dues_sum *s, const zb_dues_sum *m) {
  s->members += m->members;
  s->months_due += m->months_due;
  s->months_paid += m->months_paid;
  s->flagged += m->flagged;
  s->months_unknown += m->months_unknown;
  s->expected_fen += m->expected_fen;
  s->paid_fen += m->paid_fen;
}

/* One member of the subtree, counted as it is read.  Members arrive in org
 * index order (org code, then id): an org's are one run, so its row is the
 * last one made or a new one. */
static int add_member(void *ctx, const char *org, const char *id, const zb_stats_facts *f) {
  struct run *rn = ctx;
  zb_dues_report *rep = rn->rep;
  const zb_dues_query *q = rn->q;
  int rc = rn->tap ? rn->tap(rn->tap_ctx, org, id, f) : 0;
  if (rc || !f->has_join)
    return rc;   /* no join date: never the case for a stored member, not counted */
  if (!rep->norgs || strcmp(rep->orgs[rep->norgs - 1].org, org) != 0) {
    org_done(rn);
    zb_dues_org_row *x = realloc(rep->orgs, (rep->norgs + 1) * sizeof *x);
    if (!x)
      return ZB_ENOMEM;
    rep->orgs = x;
    x = &rep->orgs[rep->norgs++];
    memset(x, 0, sizeof *x);
    snprintf(x->org, sizeof x->org, "%s", org);
    rn->org_start = q->from;
  }
  zb_dues_org_row *orow = &rep->orgs[rep->norgs - 1];
  /* Due from the month of joining (and from the first rule's month) to
   * the month of leaving, unless the member left on its first day. */
  struct mrow row;
  row.first = zb_month_of(f->join) > rn->rule_start ? zb_month_of(f->join) : rn->rule_start;
  row.last = 2999 * 12 + 11;
  if (f->left && f->has_leave)
    row.last = zb_month_of(f->leave) - (f->leave.d == 1 ? 1 : 0);
  if ((rc = find_pays(rn, id, &row)))
    return rc;
  /* Where the org's records of dues begin: its members' first payment, or
   * the period's start if that is earlier.  A lapse is counted back to
   * there and no further: months before a branch recorded any dues are
   * not known to be unpaid, unless they lie in the period. */
  if (row.n && row.p[0].month < rn->org_start)
    rn->org_start = row.p[0].month;
  int lo = row.first > q->from ? row.first : q->from;
  int hi = row.last < rep->due_to ? row.last : rep->due_to;
  if (hi < lo)
    return 0;   /* nothing due in the period */
  zb_dues_sum ms = {.members = 1};
  /* The arrear is filled in only when it is listed: it is 800 bytes. */
  zb_dues_arrear a;
  a.unpaid = NULL;
  a.nunpaid = 0;
  a.owed_fen = 0;
  if (row.n == 0 && q->totals_only) {
    /* What the loop below gives a member with no payment at all: every
     * month due, unpaid, of a standard not known. */
    ms.months_due = ms.months_unknown = a.nunpaid = hi - lo + 1;
    lo = hi + 1;
  }
  for (int m = lo; m <= hi; m++) {
    const struct pay *p = paid_in(&row, m);
    ms.months_due++;
    if (p) {
      ms.months_paid++;
      ms.expected_fen += p->standard;
      ms.paid_fen += p->amount;
      ms.flagged += p->amount != p->standard;
      continue;
    }
    int64_t e = estimate(&row, m);
    if (e < 0)
      ms.months_unknown++;
    else {
      ms.expected_fen += e;
      a.owed_fen += e;
    }
    if (!q->totals_only) {
      int *u = realloc(a.unpaid, (size_t)(a.nunpaid + 1) * sizeof *u);
      if (!u) {
        free(a.unpaid);
        return ZB_ENOMEM;
      }
      a.unpaid = u;
      a.unpaid[a.nunpaid] = m;
    }
    a.nunpaid++;
  }
  sum_add(&orow->s, &ms);
  sum_add(&rep->total, &ms);
  if (a.nunpaid == 0)
    return 0;
  if (q->totals_only) {
    rep->narrears++;
    return 0;
  }
  /* The run of unpaid months down from hi (to the first month due);
   * empty (hi + 1) when hi itself is paid. */
  int low = paid_in(&row, hi) ? hi + 1 : hi;
  while (low <= hi && low > row.first && !paid_in(&row, low - 1))
    low--;
  if ((rc = arrear_add(rn, &a, id, orow->org, hi, low)))
    free(a.unpaid);
  return rc;
}

static int org_cmp(const void *a, const void *b) {
  return strcmp(((const zb_dues_org_row *)a)->org, ((const zb_dues_org_row *)b)->org);
}

static int arrear_cmp(const void *a, const void *b) {
  const zb_dues_arrear *x = a, *y = b;
  int c = strcmp(x->org, y->org);
  return c ? c : strcmp(x->member_id, y->member_id);
}

void zb_dues_report_free(zb_dues_report *r) {
  if (!r)
    return;
  for (size_t i = 0; i < r->narrears; i++)
    free(r->arrears ? r->arrears[i].unpaid : NULL);
  free(r->arrears);
  free(r->orgs);
  free(r);
}

int zb_dues_report_run(zb_txn *t, const char *root, const zb_dues_query *q,
                       zb_dues_report **out) {
  return zb_dues_report_tap(t, root, q, NULL, NULL, out);
}

/* The orgs of root's subtree (*orgs), and where the second part of its
 * members begins: the child of root (not its first) before which half of
 * the subtree's orgs lie or more — members are spread over the branches,
 * so this halves them roughly — or "" when root has fewer than two
 * children. */
struct split {
  const char *root;
  size_t rlen;
  struct {
    char code[ZB_FIELD_MAX + 1];
    size_t orgs;        /* the orgs of its subtree */
  } *child;
  size_t n, cap, orgs;
};

static int split_org(void *ctx, const zb_rec *o) {
  struct split *sp = ctx;
  const char *code = o->v[ZB_OF_CODE];
  sp->orgs++;
  if (code[sp->rlen] != '-')
    return 0;   /* root itself */
  const char *end = strchr(code + sp->rlen + 1, '-');
  size_t len = end ? (size_t)(end - code) : strlen(code);
  /* Orgs come in code order: a child's subtree is one run after it. */
  if (sp->n && strncmp(sp->child[sp->n - 1].code, code, len) == 0 &&
      sp->child[sp->n - 1].code[len] == '\0') {
    sp->child[sp->n - 1].orgs++;
    return 0;
  }
  if (sp->n == sp->cap) {
    size_t cap = sp->cap ? sp->cap * 2 : 16;
    void *x = realloc(sp->child, cap * sizeof *sp->child);
    if (!x)
      return ZB_ENOMEM;
    sp->child = x;
    sp->cap = cap;
  }
  memcpy(sp->child[sp->n].code, code, len);
  sp->child[sp->n].code[len] = '\0';
  sp->child[sp->n++].orgs = 1;
  return 0;
}

static int split_child(zb_txn *t, const char *root, size_t *orgs, char out[ZB_FIELD_MAX + 1]) {
  struct split sp = {root, strlen(root), NULL, 0, 0, 0};
  out[0] = '\0';
  int rc = zb_recs_in_subtree(t, &zb_kind_org, root, false, split_org, &sp);
  *orgs = sp.orgs;
  size_t before = 1;   /* root */
  for (size_t k = 1; !rc && k < sp.n; k++) {
    before += sp.child[k - 1].orgs;
    if (before * 2 >= sp.orgs || k == sp.n - 1) {
      snprintf(out, ZB_FIELD_MAX + 1, "%s", sp.child[k].code);
      break;
    }
  }
  free(sp.child);
  return rc;
}

/* The members of [from, to) of root's subtree, counted into rn. */
static int run_part(struct run *rn, const char *root, const char *from, const char *to) {
  int rc = zb_member_facts_scan_part(rn->t, root, from, to, add_member, rn);
  if (!rc)
    org_done(rn);
  return rc;
}

/* The second part, in a thread of its own: with its own read transaction
 * (LMDB's are one per thread) of the snapshot of the first part's; when a
 * write came in between (another snapshot), it is left to be read after
 * the first part, in the first part's thread and transaction. */
struct part {
  struct run rn;
  zb_txn *first;        /* the first part's transaction */
  const char *root, *from;
  int rc;
  bool done;
};

static void *part_thread(void *arg) {
  struct part *pa = arg;
  zb_txn *t;
  if (zb_store_read(zb_txn_store(pa->first), &t) != 0)
    return NULL;
  if (zb_txn_snapshot(t) == zb_txn_snapshot(pa->first)) {
    pa->rn.t = t;
    pa->rc = run_part(&pa->rn, pa->root, pa->from, NULL);
    pa->done = true;
  }
  zb_txn_end(t);
  pa->rn.t = pa->first;
  return NULL;
}

/* Part b's counts after part a's (b's orgs follow a's in code order);
 * b is freed. */
static int rep_merge(zb_dues_report *a, zb_dues_report *b) {
  int rc = 0;
  sum_add(&a->total, &b->total);
  zb_dues_org_row *o = realloc(a->orgs, (a->norgs + b->norgs + 1) * sizeof *o);
  if (o) {
    a->orgs = o;
    if (b->norgs)
      memcpy(o + a->norgs, b->orgs, b->norgs * sizeof *o);
    a->norgs += b->norgs;
  } else {
    rc = ZB_ENOMEM;
  }
  if (!rc && b->arrears) {
    zb_dues_arrear *x = realloc(a->arrears, (a->narrears + b->narrears + 1) * sizeof *x);
    if (x) {
      a->arrears = x;
      memcpy(x + a->narrears, b->arrears, b->narrears * sizeof *x);
      free(b->arrears);
      b->arrears = NULL;
    } else {
      rc = ZB_ENOMEM;
    }
  }
  if (!rc) {
    a->narrears += b->narrears;
    b->narrears = 0;
  }
  zb_dues_report_free(b);
  return rc;
}

static void run_free(struct run *rn) {
  free(rn->own.p);
  free(rn->runs);
  free(rn->mem);
  free(rn->rec);
}

int zb_dues_report_tap(zb_txn *t, const char *root, const zb_dues_query *q,
                       zb_member_facts_fn tap, void *const tap_ctx[ZB_DUES_PARTS],
                       zb_dues_report **out) {
  *out = NULL;
  struct paytab pt = {0};
  struct run rn = {.t = t, .q = q, .tap = tap, .tap_ctx = tap ? tap_ctx[0] : NULL,
                   .rule_start = zb_month_of(zb_dues_rules[0]->effective), .pt = &pt,
                   .rec = malloc(sizeof *rn.rec), .mem = malloc(sizeof *rn.mem)};
  struct part pa = {.rn = rn, .first = t, .root = root};
  pa.rn.tap_ctx = tap ? tap_ctx[1] : NULL;
  pa.rn.rec = NULL;
  pa.rn.mem = malloc(sizeof *pa.rn.mem);
  zb_dues_report *rep = calloc(1, sizeof *rep), *rep1 = calloc(1, sizeof *rep1);
  int rc = rn.rec && rn.mem && pa.rn.mem && rep && rep1 ? 0 : ZB_ENOMEM;
  if (!rc)
    rc = zb_rec_load(t, &zb_kind_org, root, rn.rec);   /* no such org: not found */
  if (rc)
    goto out;
  snprintf(rep->org, sizeof rep->org, "%s", root);
  rep->q = *q;
  int asof = zb_month_of(q->as_of);
  rep->due_to = q->to < asof ? q->to : asof;
  *rep1 = *rep;
  rn.rep = rep;
  pa.rn.rep = rep1;
  /* The payments: of a large subtree (a quarter of the orgs or more:
   * members are spread over the branches, and the orgs are a few hundred
   * records where a county's members are a million entries) in one walk
   * before the members, of a small one member by member. */
  size_t orgs = 0;
  char from[ZB_FIELD_MAX + 1] = "";
  if ((rc = split_child(t, root, &orgs, from)))
    goto out;
  bool large = orgs * 4 >= zb_recs_total(t, &zb_kind_org);
  if (large && (rc = walk_pays(&rn)))
    goto out;
  if (!large || !from[0]) {
    if ((rc = run_part(&rn, root, NULL, NULL)))
      goto out;
  } else {
    /* A large subtree with two children or more: its members in two parts
     * at once, merged in code order (docs/DESIGN-NOTES.md, "Dashboard"). */
    pa.from = from;
    pthread_t th;
    bool started = pthread_create(&th, NULL, part_thread, &pa) == 0;
    rc = run_part(&rn, root, NULL, from);
    if (started)
      pthread_join(th, NULL);
    if (!pa.done && !rc)
      rc = run_part(&pa.rn, root, from, NULL);
    else if (!rc)
      rc = pa.rc;
    if (rc)
      goto out;
    rc = rep_merge(rep, rep1);
    rep1 = NULL;
    if (rc)
      goto out;
  }
  /* Orgs with nobody due in the period are left out. */
  size_t k = 0;
  for (size_t j = 0; j < rep->norgs; j++)
    if (rep->orgs[j].s.members)
      rep->orgs[k++] = rep->orgs[j];
  rep->norgs = k;
  if (rep->norgs > 1)
    qsort(rep->orgs, rep->norgs, sizeof *rep->orgs, org_cmp);
  if (rep->narrears > 1 && rep->arrears)
    qsort(rep->arrears, rep->narrears, sizeof *rep->arrears, arrear_cmp);
out:
  free(pt.pays.p);
  free(pt.paid);
  free(pt.text);
  free(pt.hash);
  run_free(&rn);
  run_free(&pa.rn);
  zb_dues_report_free(rep1);
  if (rc)
    zb_dues_report_free(rep);
  else
    *out = rep;
  return rc;
}

/* ---- rendering ---- */

/* The collection rate in basis points (months paid / due, half up), or -1
 * when nothing was due. */
static long rate_bp(const zb_dues_sum *s) {
  return s->months_due ? (s->months_paid * 10000 + s->months_due / 2) / s->months_due : -1;
}

static json_t *sum_json(json_t *o, const zb_dues_sum *s) {
  long bp = rate_bp(s);
  if (!o || json_object_set_new(o, "members", json_integer(s->members)) ||
      json_object_set_new(o, "months_due", json_integer(s->months_due)) ||
      json_object_set_new(o, "months_paid", json_integer(s->months_paid)) ||
      json_object_set_new(o, "collection_rate", bp < 0 ? json_null() : json_real(bp / 10000.0)) ||
      json_object_set_new(o, "expected_fen", json_integer(s->expected_fen)) ||
      json_object_set_new(o, "paid_fen", json_integer(s->paid_fen)) ||
      json_object_set_new(o, "flagged_payments", json_integer(s->flagged)) ||
      json_object_set_new(o, "months_without_standard", json_integer(s->months_unknown))) {
    json_decref(o);
    return NULL;
  }
  return o;
}

json_t *zb_dues_report_json(const zb_dues_report *r) {
  char from[8], to[8], due_to[8], as_of[11];
  zb_month_format(r->q.from, from);
  zb_month_format(r->q.to, to);
  zb_month_format(r->due_to, due_to);
  zb_date_format(r->q.as_of, as_of);
  json_t *o = json_object();
  if (!o || json_object_set_new(o, "org", json_string(r->org)) ||
      json_object_set_new(o, "from", json_string(from)) ||
      json_object_set_new(o, "to", json_string(to)) ||
      json_object_set_new(o, "as_of", json_string(as_of)) ||
      json_object_set_new(o, "due_to", r->due_to < r->q.from ? json_null() : json_string(due_to))) {
    json_decref(o);
    return NULL;
  }
  if (!sum_json(o, &r->total))
    return NULL;
  json_t *orgs = json_array(), *arr = json_array();
  json_object_set_new(o, "orgs", orgs);
  json_object_set_new(o, "arrears", arr);
  if (!orgs || !arr) {
    json_decref(o);
    return NULL;
  }
  for (size_t i = 0; i < r->norgs; i++) {
    json_t *x = json_object();
    if (x)
      json_object_set_new(x, "org", json_string(r->orgs[i].org));
    if (json_array_append_new(orgs, sum_json(x, &r->orgs[i].s))) {
      json_decref(o);
      return NULL;
    }
  }
  for (size_t i = 0; i < r->narrears; i++) {
    const zb_dues_arrear *a = &r->arrears[i];
    json_t *months = json_array(), *x = json_object();
    for (int k = 0; months && k < a->nunpaid; k++) {
      char m[8];
      zb_month_format(a->unpaid[k], m);
      json_array_append_new(months, json_string(m));
    }
    if (!months || !x || json_object_set_new(x, "member_id", json_string(a->member_id)) ||
        json_object_set_new(x, "name", json_string(a->name)) ||
        json_object_set_new(x, "org", json_string(a->org)) ||
        json_object_set_new(x, "unpaid_months", months) ||
        json_object_set_new(x, "unpaid_count", json_integer(a->nunpaid)) ||
        json_object_set_new(x, "owed_fen", json_integer(a->owed_fen)) ||
        json_object_set_new(x, "unpaid_streak", json_integer(a->streak)) ||
        json_object_set_new(x, "six_months_unpaid", json_boolean(a->streak >= ZB_DUES_LAPSE)) ||
        json_array_append_new(arr, x)) {
      json_decref(o);
      return NULL;
    }
  }
  return o;
}

/* "2026-03,2026-04" (capped at cap bytes with "…"); with ranges, runs of
 * months as "2026-01~2026-04" (for people). */
static void months_text(const zb_dues_arrear *a, char *out, size_t cap, bool ranges) {
  size_t used = 0;
  out[0] = '\0';
  for (int k = 0; k < a->nunpaid; k++) {
    char m[8], e[8] = "";
    zb_month_format(a->unpaid[k], m);
    int k0 = k;
    while (ranges && k + 1 < a->nunpaid && a->unpaid[k + 1] == a->unpaid[k] + 1)
      k++;
    if (k > k0)
      zb_month_format(a->unpaid[k], e);
    int w = snprintf(out + used, cap - used, "%s%s%s%s", k0 ? "," : "", m, e[0] ? "~" : "", e);
    if (w < 0 || (size_t)w >= cap - used) {
      snprintf(out + (used < cap - 4 ? used : cap - 4), 4, "…");
      return;
    }
    used += (size_t)w;
  }
}

/* The arrears list's columns, as catalogue keys (the table, a Chinese
 * CSV) and stable English keys (an English CSV). */
static const char *const arrears_cols[8] = {
    "dues.col_member", "dues.col_name",   "dues.col_branch", "dues.col_unpaid_count",
    "dues.col_months", "dues.col_owed",   "dues.col_streak", "dues.col_flag"};

int zb_dues_report_csv(const zb_dues_report *r, FILE *out, bool zh) {
  static const char *const hdr[] = {"member_id", "name",     "org",           "unpaid_count",
                                    "unpaid_months", "owed_fen", "unpaid_streak", "six_months_unpaid"};
  const char *hdr_zh[8];
  for (int i = 0; i < 8; i++)
    hdr_zh[i] = zb_msg_lang(arrears_cols[i], true);
  /* Chinese: the table's headers under a BOM, for Excel, and the amount in
   * yuan as its header says; English: the stable keys, the amount in fen
   * (docs/DESIGN-NOTES.md, "Language"). */
  if (zh && fputs("\xEF\xBB\xBF", out) == EOF)
    return ZB_EIO;
  int rc = zb_csv_write_row(out, zh ? hdr_zh : hdr, 8);
  for (size_t i = 0; !rc && i < r->narrears; i++) {
    const zb_dues_arrear *a = &r->arrears[i];
    char months[4096], n[24], owed[24], streak[24];
    months_text(a, months, sizeof months, false);
    snprintf(n, sizeof n, "%d", a->nunpaid);
    if (zh)
      zb_fen_format(a->owed_fen, owed);
    else
      snprintf(owed, sizeof owed, "%lld", (long long)a->owed_fen);
    snprintf(streak, sizeof streak, "%d", a->streak);
    const char *row[] = {a->member_id, a->name,   a->org,  n,
                         months,       owed,      streak,  a->streak >= ZB_DUES_LAPSE ? "1" : "0"};
    rc = zb_csv_write_row(out, row, 8);
  }
  if (!rc && (fflush(out) != 0 || ferror(out)))
    rc = ZB_EIO;
  return rc;
}

static void rate_cell(const zb_dues_sum *s, char out[24]) {
  long bp = rate_bp(s);
  if (bp < 0)
    snprintf(out, 24, "-");
  else
    snprintf(out, 24, "%ld.%02ld%%", bp / 100, bp % 100);
}

void zb_dues_report_print(const zb_dues_report *r, FILE *out) {
  char from[8], to[8], as_of[11], e[24], p[24], rate[24];
  zb_month_format(r->q.from, from);
  zb_month_format(r->q.to, to);
  zb_date_format(r->q.as_of, as_of);
  rate_cell(&r->total, rate);
  zb_fen_format(r->total.expected_fen, e);
  zb_fen_format(r->total.paid_fen, p);
  fprintf(out, zb_msg("dues.report_title"), r->org, from, to, as_of);
  fprintf(out, zb_msg("dues.report_total"), r->total.months_due, r->total.months_paid, rate, e,
          p);
  if (r->total.flagged)
    fprintf(out, zb_msg("dues.report_flagged"), r->total.flagged);
  fputc('\n', out);
  if (r->total.months_unknown)
    fprintf(out, zb_msg("dues.report_unknown"), r->total.months_unknown);
  static const char *const oh_keys[] = {"dues.col_org",     "dues.col_members", "dues.col_due",
                                        "dues.col_paid",    "dues.col_rate",    "dues.col_expected",
                                        "dues.col_paid_fen", "dues.col_flagged"};
  const char *oh[8], *ah[8];
  for (int i = 0; i < 8; i++) {
    oh[i] = zb_msg(oh_keys[i]);
    ah[i] = zb_msg(arrears_cols[i]);
  }
  zb_table *t = zb_table_new(8, oh);
  for (size_t i = 0; t && i < r->norgs; i++) {
    const zb_dues_sum *s = &r->orgs[i].s;
    char c1[24], c2[24], c3[24], c6[24], c7[24], c8[24], c5[24];
    snprintf(c1, sizeof c1, "%ld", s->members);
    snprintf(c2, sizeof c2, "%ld", s->months_due);
    snprintf(c3, sizeof c3, "%ld", s->months_paid);
    rate_cell(s, c5);
    zb_fen_format(s->expected_fen, c6);
    zb_fen_format(s->paid_fen, c7);
    snprintf(c8, sizeof c8, "%ld", s->flagged);
    const char *row[] = {r->orgs[i].org, c1, c2, c3, c5, c6, c7, c8};
    zb_table_add(t, row);
  }
  if (t) {
    fputc('\n', out);
    zb_table_print(t, out);
    zb_table_free(t);
  }
  fprintf(out, zb_msg("dues.report_arrears"), r->narrears);
  if (!r->narrears)
    return;
  t = zb_table_new(8, ah);
  for (size_t i = 0; t && i < r->narrears; i++) {
    const zb_dues_arrear *a = &r->arrears[i];
    char n[16], months[160], owed[24], streak[16];
    snprintf(n, sizeof n, "%d", a->nunpaid);
    months_text(a, months, sizeof months, true);
    zb_fen_format(a->owed_fen, owed);
    snprintf(streak, sizeof streak, "%d", a->streak);
    const char *row[] = {a->member_id, a->name, a->org, n, months, owed, streak,
                         a->streak >= ZB_DUES_LAPSE ? zb_msg("dues.lapse_flag") : ""};
    zb_table_add(t, row);
  }
  if (t) {
    zb_table_print(t, out);
    zb_table_free(t);
  }
}
