/*
 * zb_balance.h — the balance of a year (党员增减情况) for a scope: the
 * members at the start of year Y, plus those who came in during Y, minus
 * those who went out, equals the members at its end.
 *
 * The same code runs on a node (its scope) and on the server (any scope):
 * feed every member of the scope to zb_balance_add(), then render.  What
 * counts (docs/RECORDS.md, "The balance of a year"):
 *
 *   start  members as of Y-1-12-31, by the rule of report stats
 *          (zb_stats_place): last year's end is this year's start, by
 *          construction;
 *   in     joined: join_date within Y (发展党员, admitted as 预备党员).
 *          Transfers in are not counted: there are no transfers yet, and a
 *          member counts, on every date, in the org it belongs to now
 *          (moving a member is writing its org_code, which has no date);
 *   out    left: status 已离开 with leave_date within Y, by leave_reason
 *          (zb_leave_reasons order; 转出系统外 is the transfer out of the
 *          deployment);
 *   end    members as of Y-12-31 (the same rule).
 *
 * start + in − out = end holds member by member for every record that
 * passes validation.  A member for whom it does not — a date, gender or
 * reason that is unusable, a leave_date before join_date — is listed with
 * why (the first ZB_BALANCE_GAPS_MAX of them; gap_members counts all), so
 * that any difference between the two sides has names.
 *
 * JSON keys, in this order: "org", "year", "start_date", "end_date",
 * "start", "in" ({"joined"}), "in_total", "out" (every leave reason, zeros
 * included), "out_total", "end", "gap" (start + in_total − out_total −
 * end), "balanced", "gap_members" (objects: "id", "name", "org_code",
 * "why", "start", "in", "out", "end" — the member's own 0/1 on each line).
 * CSV: "item,value,count", then "start,,N", "in,joined,N", "out,REASON,N"
 * per reason, "end,,N", "gap,,N".  The human report is a Chinese table.
 */
#ifndef ZB_BALANCE_H
#define ZB_BALANCE_H

#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>
#include "zb_date.h"
#include "zb_record.h"

#define ZB_BALANCE_GAPS_MAX 1000
#define ZB_BALANCE_YEAR_MIN 1900
#define ZB_BALANCE_YEAR_MAX 2999

/* Why a member does not balance: stable English codes (JSON "why"). */
enum zb_balance_why {
  ZB_BALANCE_UNUSABLE = 0,       /* "unusable": a join_date, gender or birth_date
                                    report stats cannot use: never counted */
  ZB_BALANCE_LEFT_BEFORE_JOIN,   /* "left_before_joining" */
  ZB_BALANCE_UNKNOWN_REASON,     /* "unknown_leave_reason" */
  ZB_BALANCE_OTHER,              /* "other" */
};

typedef struct zb_balance_gap {
  char id[ZB_FIELD_MAX + 1];
  char name[ZB_FIELD_MAX + 1];
  char org[ZB_FIELD_MAX + 1];
  enum zb_balance_why why;
  bool start, in, out, end;      /* the member on each line of the balance */
} zb_balance_gap;

typedef struct zb_balance {
  int year;
  zb_date start_date, end_date;  /* Y-1-12-31, Y-12-31 */
  long start, joined, left[5], end;
  long gap_members;              /* members who do not balance (all of them) */
  zb_balance_gap *gaps;          /* the first ZB_BALANCE_GAPS_MAX of them */
  size_t ngaps, cap;
} zb_balance;

/* An empty balance of year (ZB_BALANCE_YEAR_MIN..MAX). */
void zb_balance_init(zb_balance *b, int year);
void zb_balance_free(zb_balance *b);
/* Places m on each line.  0 or ZB_ENOMEM (listing a gap member). */
int zb_balance_add(zb_balance *b, const zb_member *m);
/* The same as a zb_member_fn (zb_state.h) whose ctx is the balance: what a
 * node or the server feeds the members of a scope to. */
int zb_balance_member(void *b, const zb_member *m);
long zb_balance_in(const zb_balance *b);
long zb_balance_out(const zb_balance *b);
/* start + in − out − end: 0 when the year balances. */
long zb_balance_gap_count(const zb_balance *b);
/* The stable code of why (JSON) and its Chinese text (the table). */
const char *zb_balance_why_code(enum zb_balance_why why);
const char *zb_balance_why_text(enum zb_balance_why why);

/* A new JSON object for scope org; NULL if out of memory or not UTF-8. */
json_t *zb_balance_to_json(const zb_balance *b, const char *org);
/* 0 or ZB_EIO. */
int zb_balance_write_csv(const zb_balance *b, const char *org, FILE *out);
/* The Chinese table, the check line, and the members behind a gap. */
void zb_balance_print(const zb_balance *b, const char *org, FILE *out);

#endif
