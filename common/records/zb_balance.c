/*
 * zb_balance.c — the balance of a year (党员增减情况): start + in − out =
 * end, member by member (zb_balance.h).
 */
#include "zb_msg.h"
#include "zb_balance.h"

#include <stdlib.h>
#include <string.h>

#include "zb_csv.h"
#include "zb_err.h"
#include "zb_kind.h"
#include "zb_state.h"
#include "zb_stats.h"
#include "zb_store.h"
#include "zb_table.h"

#define NREASONS 5

void zb_balance_init(zb_balance *b, int year) {
  memset(b, 0, sizeof *b);
  b->year = year;
  b->start_date = (zb_date){year - 1, 12, 31};
  b->end_date = (zb_date){year, 12, 31};
}

void zb_balance_free(zb_balance *b) {
  free(b->gaps);
  b->gaps = NULL;
  b->ngaps = b->cap = 0;
  free(b->moves);
  b->moves = NULL;
  b->nmoves = b->mcap = 0;
}

void zb_balance_scope(zb_balance *b, const char *scope) {
  snprintf(b->scope, sizeof b->scope, "%s", scope ? scope : "");
}

static bool in_scope(const zb_balance *b, const char *org) {
  return !b->scope[0] || zb_org_in_subtree(org, b->scope);
}

int zb_balance_move_add(zb_balance *b, const char *id, const char *member, const char *from,
                        const char *to, zb_date date) {
  if (b->nmoves == b->mcap) {
    size_t cap = b->mcap ? b->mcap * 2 : 16;
    zb_balance_move *m = realloc(b->moves, cap * sizeof *m);
    if (!m)
      return ZB_ENOMEM;
    b->moves = m;
    b->mcap = cap;
  }
  zb_balance_move *m = &b->moves[b->nmoves++];
  snprintf(m->id, sizeof m->id, "%s", id);
  snprintf(m->member, sizeof m->member, "%s", member);
  snprintf(m->from, sizeof m->from, "%s", from);
  snprintf(m->to, sizeof m->to, "%s", to);
  m->date = date;
  return 0;
}

static int move_cmp(const void *x, const void *y) {
  const zb_balance_move *a = x, *c = y;
  int r = strcmp(a->member, c->member);
  if (!r)
    r = zb_date_cmp(a->date, c->date);
  return r ? r : strcmp(a->id, c->id);
}

void zb_balance_moves_done(zb_balance *b) {
  if (b->nmoves > 1)
    qsort(b->moves, b->nmoves, sizeof *b->moves, move_cmp);
  /* A transfer reached through both its orgs is listed once. */
  size_t w = 0;
  for (size_t i = 0; i < b->nmoves; i++)
    if (!w || strcmp(b->moves[w - 1].id, b->moves[i].id) != 0 ||
        strcmp(b->moves[w - 1].member, b->moves[i].member) != 0)
      b->moves[w++] = b->moves[i];
  b->nmoves = w;
}

/* The moves of member, [*first, *end). */
static void moves_of(const zb_balance *b, const char *member, size_t *first, size_t *end) {
  size_t lo = 0, hi = b->nmoves;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (strcmp(b->moves[mid].member, member) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  *first = lo;
  while (lo < b->nmoves && strcmp(b->moves[lo].member, member) == 0)
    lo++;
  *end = lo;
}

/* The org m belonged to on day d: its org now, or the from_org of its
 * first transfer dated after d. */
static const char *org_on(const zb_balance *b, const zb_member *m, size_t first, size_t end,
                          zb_date d) {
  for (size_t i = first; i < end; i++)
    if (zb_date_cmp(b->moves[i].date, d) > 0)
      return b->moves[i].from;
  return m->v[ZB_MF_ORG_CODE];
}

static bool in_year(zb_date d, int year) { return d.y == year; }

static int field_date(const zb_member *m, int field, zb_date *out) {
  return zb_date_parse(m->v[field], strlen(m->v[field]), out);
}

static int list_gap(zb_balance *b, const zb_member *m, enum zb_balance_why why, bool s, bool in,
                    bool out, bool e) {
  b->gap_members++;
  if (b->ngaps == ZB_BALANCE_GAPS_MAX)
    return 0;
  if (b->ngaps == b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 16;
    zb_balance_gap *g = realloc(b->gaps, cap * sizeof *g);
    if (!g)
      return ZB_ENOMEM;
    b->gaps = g;
    b->cap = cap;
  }
  zb_balance_gap *g = &b->gaps[b->ngaps++];
  memcpy(g->id, m->v[ZB_MF_ID], sizeof g->id);
  memcpy(g->name, m->v[ZB_MF_NAME], sizeof g->name);
  memcpy(g->org, m->v[ZB_MF_ORG_CODE], sizeof g->org);
  g->why = why;
  g->start = s;
  g->in = in;
  g->out = out;
  g->end = e;
  return 0;
}

int zb_balance_add(zb_balance *b, const zb_member *m) {
  size_t first, end;
  moves_of(b, m->v[ZB_MF_ID], &first, &end);
  int ps = zb_stats_place(m, b->start_date), pe = zb_stats_place(m, b->end_date);
  bool s = ps == 1 && in_scope(b, org_on(b, m, first, end, b->start_date));
  bool e = pe == 1 && in_scope(b, org_on(b, m, first, end, b->end_date));
  zb_date join, leave;
  bool join_ok = field_date(m, ZB_MF_JOIN_DATE, &join) == 0;
  bool in = join_ok && in_year(join, b->year) && in_scope(b, org_on(b, m, first, end, join));
  bool has_left = zb_vocab_index(zb_member_statuses, m->v[ZB_MF_STATUS]) == 1 &&
                  field_date(m, ZB_MF_LEAVE_DATE, &leave) == 0;
  int why = has_left ? zb_vocab_index(zb_leave_reasons, m->v[ZB_MF_LEAVE_REASON]) : -1;
  bool left_in_year = has_left && in_year(leave, b->year) &&
                      in_scope(b, org_on(b, m, first, end, leave));
  bool out = left_in_year && why >= 0 && why < NREASONS;
  long moved_in = 0, moved_out = 0;
  for (size_t i = first; i < end; i++) {
    const zb_balance_move *mv = &b->moves[i];
    if (!in_year(mv->date, b->year))
      continue;
    bool from = in_scope(b, mv->from), to = in_scope(b, mv->to);
    moved_in += !from && to;
    moved_out += from && !to;
  }
  b->start += s;
  b->end += e;
  b->joined += in;
  b->moved_in += moved_in;
  b->moved_out += moved_out;
  if (out)
    b->left[why]++;
  if ((long)s + in + moved_in - out - moved_out == (long)e)
    return 0;
  enum zb_balance_why w = ZB_BALANCE_OTHER;
  if (ps < 0 || pe < 0)
    w = ZB_BALANCE_UNUSABLE;
  else if (left_in_year && !out)
    w = ZB_BALANCE_UNKNOWN_REASON;
  else if (has_left && join_ok && zb_date_cmp(leave, join) < 0)
    w = ZB_BALANCE_LEFT_BEFORE_JOIN;
  return list_gap(b, m, w, s, in || moved_in, out || moved_out, e);
}

/* ---- from a replica's state ---- */

struct state_walk {
  zb_balance *b;
  int f_id, f_member, f_from, f_to, f_date, f_status;
  zb_member *m;
};

static int collect_move(void *ctx, const zb_rec *r) {
  struct state_walk *w = ctx;
  zb_date d;
  if (strcmp(r->v[w->f_status], "已接收") != 0 ||
      zb_date_parse(r->v[w->f_date], strlen(r->v[w->f_date]), &d) != 0)
    return 0;
  return zb_balance_move_add(w->b, r->v[w->f_id], r->v[w->f_member], r->v[w->f_from],
                             r->v[w->f_to], d);
}

int zb_state_balance(zb_txn *t, const char *org, zb_balance *b) {
  zb_balance_scope(b, org);
  const zb_kind_desc *kd = &zb_kind_transfer;
#define FIELD(n) zb_kind_field(kd, n, sizeof n - 1)
  struct state_walk w = {b,
                         FIELD("id"),
                         FIELD("member_id"),
                         FIELD("from_org"),
                         FIELD("to_org"),
                         FIELD("date"),
                         FIELD("status"),
                         NULL};
#undef FIELD
  if (w.f_id < 0 || w.f_member < 0 || w.f_from < 0 || w.f_to < 0 || w.f_date < 0 ||
      w.f_status < 0)
    return ZB_ECORRUPT;
  int rc = 0;
  if (b->scope[0])
    rc = zb_recs_in_subtree(t, kd, b->scope, true, collect_move, &w);
  if (rc)
    return rc;
  zb_balance_moves_done(b);
  if ((rc = zb_state_members_of(t, org, zb_balance_member, b)))
    return rc;
  /* The members transferred out of the scope: their records are not in
   * its subtree any more. */
  if (!(w.m = malloc(sizeof *w.m)))
    return ZB_ENOMEM;
  for (size_t i = 0; !rc && i < b->nmoves; i++) {
    if (i && strcmp(b->moves[i - 1].member, b->moves[i].member) == 0)
      continue;
    const zb_balance_move *mv = &b->moves[i];
    rc = zb_member_load(t, mv->member, w.m);
    if (rc == 0 && in_scope(b, w.m->v[ZB_MF_ORG_CODE]))
      continue;   /* counted with the scope's members */
    if (rc == 0) {
      rc = zb_balance_add(b, w.m);
    } else if (rc == ZB_ENOTFOUND) {
      memset(w.m, 0, sizeof *w.m);
      snprintf(w.m->v[ZB_MF_ID], sizeof w.m->v[0], "%s", mv->member);
      snprintf(w.m->v[ZB_MF_ORG_CODE], sizeof w.m->v[0], "%s", mv->from);
      rc = list_gap(b, w.m, ZB_BALANCE_NOT_HELD, false, false, false, false);
    }
  }
  free(w.m);
  return rc;
}

int zb_balance_member(void *b, const zb_member *m) { return zb_balance_add(b, m); }

long zb_balance_in(const zb_balance *b) { return b->joined + b->moved_in; }

long zb_balance_out(const zb_balance *b) {
  long n = b->moved_out;
  for (int i = 0; i < NREASONS; i++)
    n += b->left[i];
  return n;
}

long zb_balance_gap_count(const zb_balance *b) {
  return b->start + zb_balance_in(b) - zb_balance_out(b) - b->end;
}

const char *zb_balance_why_code(enum zb_balance_why why) {
  switch (why) {
  case ZB_BALANCE_UNUSABLE:
    return "unusable";
  case ZB_BALANCE_LEFT_BEFORE_JOIN:
    return "left_before_joining";
  case ZB_BALANCE_UNKNOWN_REASON:
    return "unknown_leave_reason";
  case ZB_BALANCE_NOT_HELD:
    return "not_held";
  case ZB_BALANCE_OTHER:
    break;
  }
  return "other";
}

const char *zb_balance_why_text(enum zb_balance_why why) {
  switch (why) {
  case ZB_BALANCE_UNUSABLE:
    return zb_msg("balance.why_unusable");
  case ZB_BALANCE_LEFT_BEFORE_JOIN:
    return zb_msg("balance.why_left_before_join");
  case ZB_BALANCE_UNKNOWN_REASON:
    return zb_msg("balance.why_unknown_reason");
  case ZB_BALANCE_NOT_HELD:
    return zb_msg("balance.why_not_held");
  case ZB_BALANCE_OTHER:
    break;
  }
  return zb_msg("balance.why_other");
}

/* ---- output ---- */

json_t *zb_balance_to_json(const zb_balance *b, const char *org) {
  char sd[11], ed[11];
  zb_date_format(b->start_date, sd);
  zb_date_format(b->end_date, ed);
  json_t *out = json_object(), *gaps = json_array();
  json_t *root = json_pack("{s:s, s:i, s:s, s:s, s:I, s:{s:I, s:I}, s:I}", "org",
                           org ? org : "", "year", b->year, "start_date", sd, "end_date", ed,
                           "start", (json_int_t)b->start, "in", "joined",
                           (json_int_t)b->joined, "transferred_in", (json_int_t)b->moved_in,
                           "in_total", (json_int_t)zb_balance_in(b));
  bool ok = root && out && gaps;
  for (int i = 0; ok && i < NREASONS; i++)
    ok = json_object_set_new(out, zb_leave_reasons[i], json_integer(b->left[i])) == 0;
  if (ok)
    ok = json_object_set_new(out, "transferred_out", json_integer(b->moved_out)) == 0;
  for (size_t i = 0; ok && i < b->ngaps; i++) {
    const zb_balance_gap *g = &b->gaps[i];
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:i}", "id", g->id, "name",
                          g->name, "org_code", g->org, "why", zb_balance_why_code(g->why),
                          "start", (int)g->start, "in", (int)g->in, "out", (int)g->out,
                          "end", (int)g->end);
    ok = json_array_append_new(gaps, o) == 0 && o;
  }
  if (ok) {
    ok = json_object_set(root, "out", out) == 0 &&
         json_object_set_new(root, "out_total", json_integer(zb_balance_out(b))) == 0 &&
         json_object_set_new(root, "end", json_integer(b->end)) == 0 &&
         json_object_set_new(root, "gap", json_integer(zb_balance_gap_count(b))) == 0 &&
         json_object_set_new(root, "balanced",
                             json_boolean(zb_balance_gap_count(b) == 0 && b->gap_members == 0)) ==
             0 &&
         json_object_set_new(root, "gap_members", gaps) == 0;
    gaps = NULL;
  }
  json_decref(out);
  json_decref(gaps);
  if (!ok) {
    json_decref(root);
    return NULL;
  }
  return root;
}

static int csv_row(FILE *out, const char *item, const char *value, long count) {
  char num[24];
  snprintf(num, sizeof num, "%ld", count);
  const char *fields[3] = {item, value, num};
  return zb_csv_write_row(out, fields, 3);
}

int zb_balance_write_csv(const zb_balance *b, const char *org, FILE *out, bool zh) {
  static const char *const header[3] = {"item", "value", "count"};
  (void)org;
  /* Chinese: the table's words under a BOM, for Excel (docs/DESIGN-NOTES.md,
   * "Language"); English: the stable keys. */
  const char *const header_zh[3] = {zb_msg_lang("balance.col_item", true),
                                    zb_msg_lang("balance.col_value", true),
                                    zb_msg_lang("balance.col_count", true)};
  if (zh && fputs("\xEF\xBB\xBF", out) == EOF)
    return ZB_EIO;
  const char *in = zh ? zb_msg_lang("balance.in", true) : "in";
  const char *out_ = zh ? zb_msg_lang("balance.out", true) : "out";
  int rc = zb_csv_write_row(out, zh ? header_zh : header, 3);
  if (!rc)
    rc = csv_row(out, zh ? zb_msg_lang("balance.start", true) : "start", "", b->start);
  if (!rc)
    rc = csv_row(out, in, zh ? zb_msg_lang("balance.joined", true) : "joined", b->joined);
  if (!rc)
    rc = csv_row(out, in, zh ? zb_msg_lang("balance.moved_in", true) : "transferred_in",
                 b->moved_in);
  for (int i = 0; !rc && i < NREASONS; i++)
    rc = csv_row(out, out_, zb_leave_reasons[i], b->left[i]);
  if (!rc)
    rc = csv_row(out, out_, zh ? zb_msg_lang("balance.moved_out", true) : "transferred_out",
                 b->moved_out);
  if (!rc)
    rc = csv_row(out, zh ? zb_msg_lang("balance.end", true) : "end", "", b->end);
  if (!rc)
    rc = csv_row(out, zh ? zb_msg_lang("balance.gap", true) : "gap", "",
                 zb_balance_gap_count(b));
  if (!rc && (fflush(out) != 0 || ferror(out)))
    rc = ZB_EIO;
  return rc;
}

static int row(zb_table *t, const char *item, long n) {
  char num[24];
  snprintf(num, sizeof num, "%ld", n);
  const char *cells[2] = {item, num};
  return zb_table_add(t, cells);
}

void zb_balance_print(const zb_balance *b, const char *org, FILE *out) {
  char sd[11], ed[11], item[128];
  zb_date_format(b->start_date, sd);
  zb_date_format(b->end_date, ed);
  fprintf(out, zb_msg("balance.title"), org ? org : "", b->year);
  const char *const header[2] = {zb_msg("balance.col_item"), zb_msg("balance.col_count")};
  zb_table *t = zb_table_new(2, header);
  if (!t)
    return;
  int rc;
  snprintf(item, sizeof item, zb_msg("balance.start_on"), sd);
  rc = row(t, item, b->start);
  if (!rc)
    rc = row(t, zb_msg("balance.row_joined"), b->joined);
  if (!rc)
    rc = row(t, zb_msg("balance.row_moved_in"), b->moved_in);
  if (!rc)
    rc = row(t, zb_msg("balance.row_in_total"), zb_balance_in(b));
  for (int i = 0; !rc && i < NREASONS; i++) {
    snprintf(item, sizeof item, zb_msg("balance.row_left"), zb_msg_vocab(zb_leave_reasons[i]));
    rc = row(t, item, b->left[i]);
  }
  if (!rc)
    rc = row(t, zb_msg("balance.row_moved_out"), b->moved_out);
  if (!rc)
    rc = row(t, zb_msg("balance.row_out_total"), zb_balance_out(b));
  snprintf(item, sizeof item, zb_msg("balance.end_on"), ed);
  if (!rc)
    rc = row(t, item, b->end);
  if (!rc)
    zb_table_print(t, out);
  zb_table_free(t);
  if (rc)
    return;
  long sum = b->start + zb_balance_in(b) - zb_balance_out(b);
  if (sum == b->end && b->gap_members == 0) {
    fprintf(out, zb_msg("balance.check_ok"), b->start,
            zb_balance_in(b), zb_balance_out(b), sum, b->end);
    return;
  }
  fprintf(out, zb_msg("balance.check_gap"),
          b->start, zb_balance_in(b), zb_balance_out(b), sum, b->end, sum - b->end,
          b->gap_members);
  if ((size_t)b->gap_members > b->ngaps)
    fprintf(out, zb_msg("balance.first_n"), b->ngaps);
  fputs(zb_msg("balance.gap_list"), out);
  const char *const gh[4] = {zb_msg("balance.col_id"), zb_msg("balance.col_name"),
                             zb_msg("balance.col_org"), zb_msg("balance.col_why")};
  zb_table *g = zb_table_new(4, gh);
  if (!g)
    return;
  for (size_t i = 0; i < b->ngaps; i++) {
    const char *cells[4] = {b->gaps[i].id, b->gaps[i].name, b->gaps[i].org,
                            zb_balance_why_text(b->gaps[i].why)};
    if (zb_table_add(g, cells)) {
      zb_table_free(g);
      return;
    }
  }
  zb_table_print(g, out);
  zb_table_free(g);
}
