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
 *   in     joined: join_date within Y (发展党员, admitted as 预备党员);
 *          transferred in: an accepted transfer (组织关系转接) dated within
 *          Y from an org outside the scope to one inside it;
 *   out    left: status 已离开 with leave_date within Y, by leave_reason
 *          (zb_leave_reasons order; 转出系统外 is the transfer out of the
 *          deployment); transferred out: an accepted transfer dated within
 *          Y from inside the scope to outside it;
 *   end    members as of Y-12-31 (the same rule).
 *
 * A member's org on a date is the org it belongs to now, unless an accepted
 * transfer is dated after that day: then the from_org of the first such
 * transfer (a member moves on its transfer's date).  Transfers within the
 * scope move nobody in or out of it.
 *
 * start + in − out = end holds member by member for every record that
 * passes validation.  A member for whom it does not — a date, gender or
 * reason that is unusable, a leave_date before join_date — is listed with
 * why (the first ZB_BALANCE_GAPS_MAX of them; gap_members counts all), so
 * that any difference between the two sides has names.
 *
 * JSON keys, in this order: "org", "year", "start_date", "end_date",
 * "start", "in" ({"joined", "transferred_in"}), "in_total", "out" (every leave
 * reason, zeros included, and "transferred_out"), "out_total", "end", "gap" (start + in_total − out_total −
 * end), "balanced", "gap_members" (objects: "id", "name", "org_code",
 * "why", "start", "in", "out", "end" — the member's own 0/1 on each line).
 * CSV: "item,value,count", then "start,,N", "in,joined,N",
 * "in,transferred_in,N", "out,REASON,N" per reason, "out,transferred_out,N", "end,,N", "gap,,N".  The human report is a Chinese table.
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
  ZB_BALANCE_NOT_HELD,           /* "not_held": a member transferred out of
                                    the scope whose record this replica
                                    does not hold */
};

typedef struct zb_balance_gap {
  char id[ZB_FIELD_MAX + 1];
  char name[ZB_FIELD_MAX + 1];
  char org[ZB_FIELD_MAX + 1];
  enum zb_balance_why why;
  bool start, in, out, end;      /* the member on each line of the balance */
} zb_balance_gap;

/* An accepted transfer: member moved from → to on date. */
typedef struct zb_balance_move {
  char id[ZB_FIELD_MAX + 1];     /* the transfer's */
  char member[ZB_FIELD_MAX + 1];
  char from[ZB_FIELD_MAX + 1], to[ZB_FIELD_MAX + 1];
  zb_date date;
} zb_balance_move;

typedef struct zb_balance {
  int year;
  zb_date start_date, end_date;  /* Y-1-12-31, Y-12-31 */
  char scope[ZB_FIELD_MAX + 1];  /* the org whose subtree is counted; "":
                                    everything (no transfer crosses it) */
  long start, joined, moved_in, left[5], moved_out, end;
  long gap_members;              /* members who do not balance (all of them) */
  zb_balance_gap *gaps;          /* the first ZB_BALANCE_GAPS_MAX of them */
  size_t ngaps, cap;
  zb_balance_move *moves;        /* sorted by member, date, id */
  size_t nmoves, mcap;
} zb_balance;

/* An empty balance of year (ZB_BALANCE_YEAR_MIN..MAX), of everything. */
void zb_balance_init(zb_balance *b, int year);
/* Counts scope's subtree: members outside it count only while they were in
 * it (zb_balance_move). */
void zb_balance_scope(zb_balance *b, const char *scope);
/* Records an accepted transfer (before any zb_balance_add); then
 * zb_balance_moves_done.  0 or ZB_ENOMEM. */
int zb_balance_move_add(zb_balance *b, const char *id, const char *member, const char *from,
                        const char *to, zb_date date);
void zb_balance_moves_done(zb_balance *b);
/* The whole balance of org's subtree (NULL or "": every member) from a
 * replica's state: its accepted transfers, its members, and the members
 * transferred out of it.  ZB_ENOTFOUND when org is no org here. */
struct zb_txn;
int zb_state_balance(struct zb_txn *t, const char *org, zb_balance *b);
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
/* The stable code of why (JSON) and its text in the current language (the
 * table, zb_msg.h). */
const char *zb_balance_why_code(enum zb_balance_why why);
const char *zb_balance_why_text(enum zb_balance_why why);

/* A new JSON object for scope org; NULL if out of memory or not UTF-8. */
json_t *zb_balance_to_json(const zb_balance *b, const char *org);
/* Rows item,value,count: with zh, the table's Chinese words under a UTF-8
 * BOM; else the stable English keys.  0 or ZB_EIO. */
int zb_balance_write_csv(const zb_balance *b, const char *org, FILE *out, bool zh);
/* The table, the check line, and the members behind a gap, in the current
 * language (zb_msg.h). */
void zb_balance_print(const zb_balance *b, const char *org, FILE *out);

#endif
