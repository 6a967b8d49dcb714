/*
 * zb_dues.h — Party dues (党费; docs/RECORDS.md, "Dues"): the rule tables
 * as data, the standard amount they give, the payment record's fields and
 * key, and the report of what was due and what was paid.
 *
 * A payment is a record of the kind `dues` (kinds/dues.c), one per member
 * and month: its key is MEMBER-YYYYMM, so two payments of one month are one
 * record wherever they were written; a payment voided by mistake is
 * followed by MEMBER-YYYYMM-2, -3 … (each allowed only once every earlier
 * one of that month is voided).  Money is a whole number of fen (分)
 * throughout; a rate is in basis points (1/10000) and rounds half up.
 *
 * The rules are versioned: each payment names the rule it was computed by
 * (`rule`), and a month is computed by the rule in force for it — the
 * latest whose effective date falls on or before the month's first day.
 */
#ifndef ZB_DUES_H
#define ZB_DUES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>
#include "zb_date.h"
#include "zb_kind.h"
#include "zb_state.h"
#include "zb_store.h"

/* The fields of a payment, in wire order (never renumber). */
enum zb_dues_field {
  ZB_DF_ID = 0,         /* MEMBER-YYYYMM[-N] */
  ZB_DF_MEMBER_ID,
  ZB_DF_MONTH,          /* the month paid for, YYYY-MM */
  ZB_DF_ORG_CODE,       /* the member's org when paid */
  ZB_DF_PAID_DATE,      /* the day the money was received */
  ZB_DF_PAYER,          /* zb_dues_payers */
  ZB_DF_BASE_FEN,       /* monthly income after tax, or pension: rate rows only */
  ZB_DF_RULE,           /* the rule's name: "dues-2008" */
  ZB_DF_STANDARD_FEN,   /* what the rule asks */
  ZB_DF_AMOUNT_FEN,     /* what was paid */
  ZB_DF_NOTE,
  ZB_DF_STATUS,         /* 已缴, or 已作废 after the act void */
  ZB_DF_VOID_REASON,
  ZB_DF__COUNT
};

/* Who pays what (the rows of a rule). */
enum zb_dues_payer {
  ZB_DP_EMPLOYEE = 0,   /* 在职: a share of the monthly wage after tax */
  ZB_DP_RETIREE,        /* 离退休: a share of the pension */
  ZB_DP_FARMER,         /* 农民: a fixed amount in a range */
  ZB_DP_STUDENT,        /* 学生 */
  ZB_DP_UNEMPLOYED,     /* 下岗失业 */
  ZB_DP_LOW_INCOME,     /* 依靠抚恤、救济或低保生活 */
  ZB_DP__COUNT
};
extern const char *const zb_dues_payers[];      /* employee … low_income, NULL */
extern const char *const zb_dues_payers_zh[];   /* 在职 … 低保, parallel */

enum { ZB_DUES_PAID = 0, ZB_DUES_VOID = 1 };     /* index in zb_dues_statuses */
extern const char *const zb_dues_statuses[];     /* 已缴 已作废 */

/* Paying ahead or behind: at most this many months between the month paid
 * for and the month of the payment date. */
#define ZB_DUES_WINDOW 6
/* Consecutive unpaid months that flag a member (党章 第九条). */
#define ZB_DUES_LAPSE 6
/* The highest N of MEMBER-YYYYMM-N. */
#define ZB_DUES_REPAY_MAX 99

/* The farmer's range a node uses when its setting is absent (yuan 0.20 –
 * 1.00: the national range itself). */
#define ZB_DUES_FARMER_MIN_FEN 20
#define ZB_DUES_FARMER_MAX_FEN 100

/* One row of a rule: payers of `payer` whose base is at most upto_fen
 * (and above the previous row's bound for the same payer) pay rate_bp
 * basis points of it; or, when rate_bp is 0, a fixed amount from min_fen
 * to max_fen (equal when it is one amount). */
typedef struct zb_dues_row {
  int payer;
  int64_t upto_fen;     /* -1: no upper bound */
  int rate_bp;
  int64_t min_fen, max_fen;
  const char *source;   /* where the row comes from */
} zb_dues_row;

typedef struct zb_dues_rule {
  const char *name;     /* stored in each payment; never reused */
  int version;
  zb_date effective;    /* months from this date's month on */
  const char *title;    /* the text it follows, with its number */
  const zb_dues_row *rows;
  int nrows;
} zb_dues_rule;

/* Every rule, oldest first, NULL-terminated. */
extern const zb_dues_rule *const zb_dues_rules[];

/* The rule in force for a month number (zb_month_of), or NULL before the
 * first one. */
const zb_dues_rule *zb_dues_rule_for(int month);
/* The rule of that name, or NULL. */
const zb_dues_rule *zb_dues_rule_named(const char *name);
/* The row of r for payer and base (the base does not matter for a fixed
 * row), or NULL when r has none. */
const zb_dues_row *zb_dues_row_for(const zb_dues_rule *r, int payer, int64_t base_fen);
/* base_fen × rate_bp / 10000, rounded half up to a whole fen. */
int64_t zb_dues_rate_of(int64_t base_fen, int rate_bp);

/* Money as people write it: "3000", "3000.5", "3000.01" yuan (at most two
 * decimals, at most ZB_FEN_MAX fen) into fen.  0, or ZB_EINVAL. */
int zb_yuan_parse(const char *s, int64_t *fen);
/* "3000.01" for 300001. */
void zb_fen_format(int64_t fen, char out[24]);

/* The key of payment n (1: the first) of a member's month: "M1-202605",
 * "M1-202605-2".  Returns its length, 0 if it does not fit. */
size_t zb_dues_key(const char *member, int month, int n, char out[ZB_FIELD_MAX + 1]);
/* The parts of a key: how long its member part is, the month and n; false
 * when key does not have the shape. */
bool zb_dues_key_parse(const char *key, size_t *member_len, int *month, int *n);

/* ---- the report (report dues) ---- */

typedef struct zb_dues_query {
  int from, to;         /* month numbers, inclusive */
  zb_date as_of;        /* months after its month are not due yet */
  bool totals_only;     /* count the arrears (narrears) but list none */
} zb_dues_query;

typedef struct zb_dues_sum {
  long members;         /* with at least one month due in the period */
  long months_due, months_paid;
  long flagged;         /* payments of those months whose amount is not the standard */
  long months_unknown;  /* unpaid months with no payment to take the standard from */
  int64_t expected_fen, paid_fen;
} zb_dues_sum;

typedef struct zb_dues_org_row {
  char org[ZB_FIELD_MAX + 1];
  zb_dues_sum s;
} zb_dues_org_row;

typedef struct zb_dues_arrear {
  char member_id[ZB_FIELD_MAX + 1], name[ZB_FIELD_MAX + 1], org[ZB_FIELD_MAX + 1];
  int *unpaid;          /* month numbers, ascending */
  int nunpaid;
  int64_t owed_fen;     /* the standard of those months, as estimated */
  int streak;           /* consecutive unpaid months ending with the last due */
} zb_dues_arrear;

typedef struct zb_dues_report {
  char org[ZB_FIELD_MAX + 1];
  zb_dues_query q;
  int due_to;           /* the last month counted: q.to or the as-of month */
  zb_dues_sum total;
  zb_dues_org_row *orgs;        /* by org code */
  size_t norgs;
  zb_dues_arrear *arrears;      /* by org, then member id; NULL with totals_only */
  size_t narrears;
} zb_dues_report;

/* What was due and paid by the members of root's subtree over q (the one
 * computation behind the node's and the server's report; docs/RECORDS.md,
 * "Dues", says how each number is counted).  The members are read from
 * the org index's entries (zb_member_facts_scan), their names only for
 * the arrears listed; the payments of a large subtree (a quarter of the
 * orgs or more) in one walk of the payments' member index, of a small
 * one member by member.  ZB_ENOTFOUND when root is no
 * org of this replica.  *out is freed with zb_dues_report_free. */
int zb_dues_report_run(zb_txn *t, const char *root, const zb_dues_query *q,
                       zb_dues_report **out);
/* The same, calling tap (when not NULL) with every member of the subtree
 * as the report reads it (zb_member_facts_scan), so that a caller who
 * needs the members' facts for more (the dashboard's statistics) reads
 * them once; tap's non-zero return ends the report with that error.
 *
 * The members of a large subtree (the payments walked) whose root has two
 * children or more are read in ZB_DUES_PARTS parts at once, the second in
 * a thread of its own with its own read transaction of t's snapshot:
 * root's own members and its first children, then the other children,
 * split where half of the subtree's orgs lie before (an org's members are
 * all in one part).  tap is called for the members of part i with
 * tap_ctx[i] — from two threads at once — each part's in org index
 * order; a subtree read in one part has tap_ctx[0] only.  The report is
 * the parts' counts merged in code order: the same as one read. */
#define ZB_DUES_PARTS 2
int zb_dues_report_tap(zb_txn *t, const char *root, const zb_dues_query *q,
                       zb_member_facts_fn tap, void *const tap_ctx[ZB_DUES_PARTS],
                       zb_dues_report **out);
void zb_dues_report_free(zb_dues_report *r);
/* JSON (keys in docs/RECORDS.md, "Dues"), a new reference or NULL. */
json_t *zb_dues_report_json(const zb_dues_report *r);
/* The arrears list as CSV: with zh, the table's Chinese headers under a
 * UTF-8 BOM and amounts in yuan; else the stable English keys, amounts in
 * fen.  0 or ZB_EIO. */
int zb_dues_report_csv(const zb_dues_report *r, FILE *out, bool zh);
/* For people: totals, one row per org, the arrears, in aligned tables, in
 * the current language (zb_msg.h). */
void zb_dues_report_print(const zb_dues_report *r, FILE *out);

#endif
