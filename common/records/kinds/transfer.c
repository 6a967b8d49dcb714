/*
 * kinds/transfer.c — the transfer of a member's organizational
 * relationship (组织关系转接) between two branches of the deployment
 * (docs/RECORDS.md, "Transfers").
 *
 * The origin branch (or a committee above it) issues the transfer with
 * `transfer out MEMBER --to CODE`; it carries a copy of the member's record,
 * which the server checks against the member as it stands.  Every node
 * whose scope holds the origin or the destination holds the transfer.  The
 * destination (or a committee above it) accepts or rejects it; the origin
 * may cancel it before that.  The server applies these acts in its order,
 * and with the accept it moves the member to the destination in the same
 * step (the act's move): while a transfer is open the member belongs to,
 * and is counted at, the origin.  An open transfer not accepted before its
 * date plus 3 months has expired: no act applies to it any more, and the
 * origin may issue a new one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zb_dues.h"
#include "zb_err.h"
#include "zb_kind.h"
#include "zb_merge.h"
#include "zb_record.h"
#include "zb_state.h"

enum {
  T_ID, T_MEMBER, T_NAME, T_FROM, T_TO, T_DATE, T_REASON, T_STATUS, T_NOTE,
  T_GENDER, T_ID_NUMBER, T_BIRTH_DATE, T_CATEGORY, T_JOIN_DATE, T_FULL_DATE, T_PHONE,
  T_DUES_TO, T_ETHNICITY, T__COUNT
};

/* The states: a transfer starts open. */
static const char *const statuses[] = {"待接收", "已接收", "已拒绝", "已撤销", "已过期", NULL};
enum { ST_OPEN, ST_ACCEPTED, ST_REJECTED, ST_CANCELLED, ST_EXPIRED };

/* How long a transfer stays open (docs/RECORDS.md, "Transfers"). */
#define TRANSFER_OPEN_MONTHS 3

/* The member's fields a transfer carries, as (transfer field, member
 * field): what the destination sees before it accepts — what the
 * introduction letter (介绍信) states (docs/RECORDS.md, "Transfers"). */
static const int copies[][2] = {
    {T_NAME, ZB_MF_NAME},           {T_GENDER, ZB_MF_GENDER},
    {T_ID_NUMBER, ZB_MF_ID_NUMBER}, {T_BIRTH_DATE, ZB_MF_BIRTH_DATE},
    {T_CATEGORY, ZB_MF_CATEGORY},   {T_JOIN_DATE, ZB_MF_JOIN_DATE},
    {T_FULL_DATE, ZB_MF_FULL_DATE}, {T_PHONE, ZB_MF_PHONE},
    {T_ETHNICITY, ZB_MF_ETHNICITY},
};
#define NCOPIES (sizeof copies / sizeof *copies)

#define FX (ZB_FF_FIXED)
#define CP (ZB_FF_FIXED | ZB_FF_DERIVED)   /* copied from the member */
static const zb_field_desc fields[T__COUNT] = {
    [T_ID] = {.name = "id", .zh = "转接编号", .help = "transfer id (assigned)", .type = ZB_FT_ID,
              .flags = ZB_FF_REQUIRED | ZB_FF_TABLE},
    [T_MEMBER] = {.name = "member_id", .zh = "党员编号", .help = "the member who moves",
                  .type = ZB_FT_ID, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE | FX},
    [T_NAME] = {.name = "name", .zh = "姓名", .help = "the member's name (copied)",
                .type = ZB_FT_TEXT, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE | CP, .max_chars = 32},
    [T_FROM] = {.name = "from_org", .zh = "转出组织",
                .help = "the member's branch (copied from the member)", .type = ZB_FT_ORG_CODE,
                .flags = ZB_FF_REQUIRED | ZB_FF_TABLE | CP},
    [T_TO] = {.name = "to_org", .zh = "转入组织", .help = "the branch the member moves to",
              .type = ZB_FT_ORG_CODE, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE | FX},
    [T_DATE] = {.name = "date", .zh = "转出日期", .help = "YYYY-MM-DD (default: today)",
                .type = ZB_FT_DATE, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE | FX},
    [T_REASON] = {.name = "reason", .zh = "转接原因", .help = "why (工作调动, 迁居 …)",
                  .type = ZB_FT_TEXT, .flags = FX, .max_chars = 64},
    [T_STATUS] = {.name = "status", .zh = "状态",
                  .help = "待接收, then 已接收/已拒绝/已撤销; 已过期 after 3 months open",
                  .type = ZB_FT_VOCAB, .flags = ZB_FF_REQUIRED | ZB_FF_TABLE | ZB_FF_STATE,
                  .vocab = statuses},
    [T_NOTE] = {.name = "note", .zh = "说明", .help = "why it was rejected or cancelled",
                .type = ZB_FT_TEXT, .max_chars = 64},
    [T_GENDER] = {.name = "gender", .zh = "性别", .help = "copied", .type = ZB_FT_VOCAB,
                  .flags = CP, .vocab = zb_genders},
    [T_ID_NUMBER] = {.name = "id_number", .zh = "公民身份号码", .help = "copied",
                     .type = ZB_FT_ID_NUMBER, .flags = CP},
    [T_BIRTH_DATE] = {.name = "birth_date", .zh = "出生日期", .help = "copied",
                      .type = ZB_FT_DATE, .flags = CP},
    [T_CATEGORY] = {.name = "category", .zh = "人员类别", .help = "copied", .type = ZB_FT_VOCAB,
                    .flags = CP, .vocab = zb_categories},
    [T_JOIN_DATE] = {.name = "join_date", .zh = "入党日期", .help = "copied", .type = ZB_FT_DATE,
                     .flags = CP},
    [T_FULL_DATE] = {.name = "full_date", .zh = "转正日期", .help = "copied", .type = ZB_FT_DATE,
                     .flags = CP},
    [T_PHONE] = {.name = "phone", .zh = "联系电话", .help = "copied", .type = ZB_FT_PHONE,
                 .flags = CP},
    [T_DUES_TO] = {.name = "dues_paid_to", .zh = "党费交至",
                   .help = "the month dues are paid up to (empty until dues are kept)",
                   .type = ZB_FT_MONTH, .flags = CP},
    [T_ETHNICITY] = {.name = "ethnicity", .zh = "民族", .help = "copied", .type = ZB_FT_VOCAB,
                     .flags = CP, .vocab = zb_ethnicities,
                     .vocab_desc = "one of the 56 ethnic groups"},
};

static const zb_index_desc indexes[] = {
    {T_FROM, false, 0},
    {T_TO, false, 0},
    {T_MEMBER, false, 0},
};

/* The day an open transfer issued on v[T_DATE] expires. */
static bool expiry(const zb_value *v, zb_date *out) {
  zb_date d;
  if (zb_date_parse(v[T_DATE], strlen(v[T_DATE]), &d) != 0)
    return false;
  *out = zb_date_add_months(d, TRANSFER_OPEN_MONTHS);
  return true;
}

/* An open transfer has expired once the limit day has begun (today: a
 * UTC calendar day, zb_kind.h).  East of UTC that is during the limit
 * day's local morning at the latest, never before. */
static int state_at(const zb_value *v, int st, zb_date today) {
  zb_date end;
  if (st == ST_OPEN && expiry(v, &end) && zb_date_cmp(today, end) >= 0)
    return ST_EXPIRED;
  return st;
}

static void cross(zb_checker *c, const zb_value *v, const zb_checked *ck, zb_date today) {
  (void)today;
  if (ck->ok[T_FROM] && ck->ok[T_TO] && strcmp(v[T_FROM], v[T_TO]) == 0)
    zb_check_problemf(c, T_TO, "why.transfer_same" ZB_US "%s", v[T_FROM]);
}

/* The latest month of the member's dues that is paid (not voided), or
 * "": what the letter says dues are paid up to. */
struct paid_ctx {
  char month[ZB_FIELD_MAX + 1];
  const char *want;   /* or: whether this month is paid */
  bool found;
};

static int dues_row(void *ctx, const zb_rec *r) {
  struct paid_ctx *pc = ctx;
  if (zb_kind_state(&zb_kind_dues, r->v) != ZB_DUES_PAID)
    return 0;
  if (pc->want && strcmp(r->v[ZB_DF_MONTH], pc->want) == 0)
    pc->found = true;
  if (strcmp(r->v[ZB_DF_MONTH], pc->month) > 0)
    memcpy(pc->month, r->v[ZB_DF_MONTH], sizeof pc->month);
  return 0;
}

static int dues_of(struct zb_txn *t, const char *member, struct paid_ctx *pc) {
  return zb_recs_with(t, &zb_kind_dues, ZB_DF_MEMBER_ID, member, dues_row, pc);
}

/* At the node, on `transfer out`: the origin and the copy come from the
 * member as this node holds it. */
static int fill(struct zb_txn *t, zb_value *v, int *field, char *why, size_t cap) {
  zb_rec *m = malloc(sizeof *m);
  if (!m)
    return ZB_ENOMEM;
  int rc = zb_rec_load(t, &zb_kind_member, v[T_MEMBER], m);
  if (!v[T_DATE][0]) {
    char today[11];
    zb_date_format(zb_date_today(), today);
    memcpy(v[T_DATE], today, sizeof today);
  }
  if (rc == 0) {
    snprintf(v[T_FROM], sizeof v[T_FROM], "%s", m->v[ZB_MF_ORG_CODE]);
    for (size_t i = 0; i < NCOPIES; i++)
      memcpy(v[copies[i][0]], m->v[copies[i][1]], sizeof v[0]);
    struct paid_ctx pc = {.month = ""};
    rc = dues_of(t, v[T_MEMBER], &pc);
    memcpy(v[T_DUES_TO], pc.month, sizeof v[0]);
  } else if (rc == ZB_ENOTFOUND) {
    *field = T_MEMBER;
    snprintf(why, cap, "member %s does not exist on this node", v[T_MEMBER]);
    rc = ZB_EINVAL;
  }
  free(m);
  return rc;
}

struct open_ctx {
  const char *self;
  zb_date today;
  char other[ZB_FIELD_MAX + 1];
};

static int find_open(void *ctx, const zb_rec *r) {
  struct open_ctx *oc = ctx;
  if (strcmp(r->v[T_ID], oc->self) == 0 ||
      zb_kind_state_at(r->kd, r->v, oc->today) != ST_OPEN)
    return 0;
  memcpy(oc->other, r->v[T_ID], sizeof oc->other);
  return 1;
}

/* The member as the transfer names it: loaded, active, in from_org.  A
 * replica that does not hold the member (the destination's node before
 * the accept reaches it) has nothing to check: *held says so. */
static int member_at_origin(struct zb_txn *t, const zb_value *v, const char *scope, zb_rec *m,
                            bool *held, zb_apply_result *r) {
  int rc = zb_rec_load(t, &zb_kind_member, v[T_MEMBER], m);
  *held = rc == 0;
  if (rc == ZB_ENOTFOUND)
    return 0;
  if (rc)
    return rc;
  if (zb_kind_ended(&zb_kind_member, m->v))
    return zb_reject(r, T_MEMBER, "why.transfer_left" ZB_US "%s" ZB_US "%s" ZB_US "%s",
                     v[T_MEMBER], m->v[ZB_MF_LEAVE_REASON], m->v[ZB_MF_LEAVE_DATE]);
  if (strcmp(m->v[ZB_MF_ORG_CODE], v[T_FROM]) != 0) {
    /* Where the member is now is told only to a writer who holds that. */
    if (!scope || zb_org_in_subtree(m->v[ZB_MF_ORG_CODE], scope))
      return zb_reject(r, T_FROM, "why.transfer_moved" ZB_US "%s" ZB_US "%s" ZB_US "%s",
                       v[T_MEMBER], m->v[ZB_MF_ORG_CODE], v[T_FROM]);
    return zb_reject(r, T_FROM, "why.transfer_gone" ZB_US "%s" ZB_US "%s", v[T_MEMBER], v[T_FROM]);
  }
  return 0;
}

/* Issuing (docs/RECORDS.md, "Transfers"): the member is active and in the
 * origin, the copy is the member's record as it stands, the destination is
 * a branch, and the member has no other open transfer. */
static int state_check(struct zb_txn *t, const zb_value *v, const char *scope, zb_date today,
                       zb_apply_result *r) {
  zb_rec *m = malloc(sizeof *m);
  if (!m)
    return ZB_ENOMEM;
  bool held;
  int rc = member_at_origin(t, v, scope, m, &held, r);
  if (rc || r->status == ZB_APPLY_REJECTED)
    goto out;
  if (!held) {
    rc = zb_reject(r, T_MEMBER, "why.rec_missing" ZB_US ZB_RS "member" ZB_US "%s", v[T_MEMBER]);
    goto out;
  }
  for (size_t i = 0; i < NCOPIES; i++) {
    int tf = copies[i][0], mf = copies[i][1];
    if (strcmp(v[tf], m->v[mf]) != 0) {
      rc = zb_reject(r, tf, "why.transfer_copy" ZB_US "%s" ZB_US ZB_RS "member.%s" ZB_US "%s", v[tf],
                     zb_kind_member.fields[mf].name, m->v[mf]);
      goto out;
    }
  }
  /* The month dues are paid up to, as the origin's node knew it: a month
   * the member has a payment of (a payment recorded elsewhere since may
   * make it later at the server). */
  if (v[T_DUES_TO][0]) {
    struct paid_ctx pc = {.month = "", .want = v[T_DUES_TO]};
    if ((rc = dues_of(t, v[T_MEMBER], &pc)))
      goto out;
    if (!pc.found) {
      rc = zb_reject(r, T_DUES_TO, "why.transfer_dues" ZB_US "%s", v[T_DUES_TO]);
      goto out;
    }
  }
  zb_rec_init(m, &zb_kind_org);
  rc = zb_rec_load(t, &zb_kind_org, v[T_TO], m);
  if (rc)
    goto out;   /* check_rules found it already */
  if (zb_vocab_index(zb_org_types, m->v[ZB_OF_TYPE]) != 2) {
    rc = zb_reject(r, T_TO, "why.transfer_not_branch" ZB_US "%s" ZB_US "%s" ZB_US "%s", v[T_TO],
                   m->v[ZB_OF_NAME], m->v[ZB_OF_TYPE]);
    goto out;
  }
  /* today is the merge's, the day after the op's UTC day (zb_merge.h). */
  struct open_ctx oc = {.self = v[T_ID], .today = zb_date_prev_day(today)};
  rc = zb_recs_with(t, &zb_kind_transfer, T_MEMBER, v[T_MEMBER], find_open, &oc);
  if (!rc && oc.other[0])
    rc = zb_reject(r, T_MEMBER, "why.transfer_open" ZB_US "%s" ZB_US "%s", v[T_MEMBER], oc.other);
out:
  free(m);
  return rc;
}

/* Accepting: the member is still active and still in the origin (an
 * expired transfer never gets here: its state is 已过期). */
static int accept_check(struct zb_txn *t, const zb_value *next, const char *scope, zb_date today,
                        zb_apply_result *r) {
  (void)today;
  zb_rec *m = malloc(sizeof *m);
  if (!m)
    return ZB_ENOMEM;
  bool held;
  int rc = member_at_origin(t, next, scope, m, &held, r);
  free(m);
  return rc;
}

/* A rejection says why (docs/RECORDS.md, "Transfers"). */
static int reject_check(struct zb_txn *t, const zb_value *next, const char *scope, zb_date today,
                        zb_apply_result *r) {
  (void)t, (void)scope, (void)today;
  if (!next[T_NOTE][0])
    return zb_reject(r, T_NOTE, "why.transfer_reason");
  return 0;
}

static const int note_params[] = {T_NOTE};
static const char *const reason_opt[] = {"reason"};
static const zb_move_set accept_sets[] = {{ZB_MF_ORG_CODE, T_TO, NULL}};
static const zb_act_move accept_move = {&zb_kind_member, T_MEMBER, 1, accept_sets};

static const zb_act_desc acts[] = {
    {"accept", "接收",
     "accept a transfer into this node's scope: the member's branch becomes to_org when the\n"
     "server applies it",
     1u << ST_OPEN, ST_ACCEPTED, NULL, 0, NULL, accept_check, T_TO, &accept_move},
    {"reject", "拒绝", "refuse a transfer into this node's scope, with --reason TEXT",
     1u << ST_OPEN, ST_REJECTED, note_params, 1, reason_opt, reject_check, T_TO, NULL},
    {"cancel", "撤销", "withdraw a transfer this node's scope issued, optionally --reason TEXT",
     1u << ST_OPEN, ST_CANCELLED, note_params, 1, reason_opt, NULL, T_FROM, NULL},
};

const zb_kind_desc zb_kind_transfer = {
    .id = 4,
    .name = "transfer",
    .plural = "transfers",
    .zh = "组织关系转接",
    .nfields = T__COUNT,
    .fields = fields,
    .org_field = T_FROM,
    .reach_field = T_TO,
    .scope = ZB_SCOPE_SUBTREE,
    .reach = ZB_REACH_SUBTREE,
    .org_must_exist = true,
    .auto_key = true,
    .cross = cross,
    .state_check = state_check,
    .fill = fill,
    .state_at = state_at,
    .add_word = "out",
    .add_arg = T_MEMBER,
    .indexes = indexes,
    .nindexes = sizeof indexes / sizeof *indexes,
    .state_field = T_STATUS,
    .acts = acts,
    .nacts = sizeof acts / sizeof *acts,
};
