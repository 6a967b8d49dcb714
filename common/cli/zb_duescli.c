/*
 * zb_duescli.c — the dues commands (zb_duescli.h; docs/RECORDS.md, "Dues").
 */
#include "zb_duescli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zb_err.h"
#include "zb_log.h"
#include "zb_msg.h"
#include "zb_names.h"
#include "zb_norm.h"
#include "zb_render.h"
#include "zb_table.h"

static zb_kindcli_open_fn open_node;

/* The node settings of the farmer's range (zb_node_setting_get). */
#define SET_FARMER_MIN "dues_farmer_min_fen"
#define SET_FARMER_MAX "dues_farmer_max_fen"

/* An option's value in the normal form of field f of the dues kind (2026/5
 * → 2026-05, 在职 → employee, full-width digits); "" when absent. */
static void opt_norm(const zb_args *a, const char *opt, int f, zb_value out) {
  const char *v = zb_args_get(a, opt);
  out[0] = '\0';
  if (v)
    zb_norm_field(&zb_kind_dues.fields[f], v, strnlen(v, ZB_FIELD_MAX), out);
}

/* An amount in yuan (--base, --amount): fen, or -1 when absent; an exit
 * status in *rc for a bad one. */
static int64_t opt_yuan(const zb_args *a, const char *opt, int *rc) {
  const char *v = zb_args_get(a, opt);
  int64_t fen;
  if (!v)
    return -1;
  if (zb_yuan_parse(v, &fen) != 0) {
    *rc = zb_cli_bad(opt, zb_msg("dues.bad_yuan"), v);
    return -1;
  }
  return fen;
}

/* A payment as JSON: every field, the amounts as numbers of fen, and
 * whether the amount differs from the standard. */
static json_t *pay_json(const zb_value *v, const char *name) {
  int64_t base = -1, standard = 0, amount = 0;
  if (v[ZB_DF_BASE_FEN][0])
    zb_fen_parse(v[ZB_DF_BASE_FEN], &base);
  zb_fen_parse(v[ZB_DF_STANDARD_FEN], &standard);
  zb_fen_parse(v[ZB_DF_AMOUNT_FEN], &amount);
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:I, s:I, s:b, s:s, s:s, s:s}",
                   "id", v[ZB_DF_ID], "member_id", v[ZB_DF_MEMBER_ID], "name", name ? name : "",
                   "month", v[ZB_DF_MONTH], "org_code", v[ZB_DF_ORG_CODE], "paid_date",
                   v[ZB_DF_PAID_DATE], "payer_kind", v[ZB_DF_PAYER], "base_fen",
                   base >= 0 ? json_integer(base) : json_null(), "rule", v[ZB_DF_RULE],
                   "standard_fen", (json_int_t)standard, "amount_fen", (json_int_t)amount,
                   "flagged", amount != standard, "note", v[ZB_DF_NOTE], "status",
                   v[ZB_DF_STATUS], "void_reason", v[ZB_DF_VOID_REASON]);
}

/* The farmer's range of this node: its setting, within the rule's row. */
static int farmer_range(zb_node *n, const zb_dues_row *row, int64_t *lo, int64_t *hi) {
  uint64_t a, b;
  int rc = zb_node_setting_get(n, SET_FARMER_MIN, ZB_DUES_FARMER_MIN_FEN, &a);
  if (!rc)
    rc = zb_node_setting_get(n, SET_FARMER_MAX, ZB_DUES_FARMER_MAX_FEN, &b);
  if (rc)
    return rc;
  *lo = (int64_t)a < row->min_fen || (int64_t)a > row->max_fen ? row->min_fen : (int64_t)a;
  *hi = (int64_t)b > row->max_fen || (int64_t)b < *lo ? row->max_fen : (int64_t)b;
  return 0;
}

/* ---- dues pay ---- */

static int cmd_pay(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  const char *member = a->pos[2];
  zb_value month_s, payer_s, date_s;
  opt_norm(a, "month", ZB_DF_MONTH, month_s);
  opt_norm(a, "kind", ZB_DF_PAYER, payer_s);
  opt_norm(a, "date", ZB_DF_PAID_DATE, date_s);
  int month, rc = 0;
  if (!month_s[0])
    return zb_cli_bad("month", "%s", zb_msg("dues.month_required"));
  if (zb_month_parse(month_s, strlen(month_s), &month) != 0)
    return zb_cli_bad("month", zb_msg("dues.bad_month"), zb_args_get(a, "month"));
  if (!payer_s[0])
    return zb_cli_bad("kind", "%s", zb_msg("dues.kind_required"));
  int payer = zb_vocab_index(zb_dues_payers, payer_s);
  if (payer < 0)
    return zb_cli_bad("kind", zb_msg("dues.bad_kind"), zb_args_get(a, "kind"));
  int64_t base = opt_yuan(a, "base", &rc), amount = opt_yuan(a, "amount", &rc);
  if (rc)
    return rc;
  const zb_dues_rule *rule = zb_dues_rule_for(month);
  if (!rule) {
    char from[11];
    zb_date_format(zb_dues_rules[0]->effective, from);
    return zb_cli_bad("month", zb_msg("dues.no_rule"), month_s, zb_dues_rules[0]->name, from);
  }
  const zb_dues_row *row = zb_dues_row_for(rule, payer, base < 0 ? 0 : base);
  if (!row)
    return zb_cli_bad("kind", zb_msg("dues.no_row"), rule->name, payer_s);
  if (row->rate_bp && base < 0)
    return zb_cli_bad("base", zb_msg(payer == ZB_DP_RETIREE ? "dues.base_pension" : "dues.base_wage"),
                      payer_s);
  if (!row->rate_bp && base >= 0)
    return zb_cli_bad("base", zb_msg("dues.base_unused"), payer_s, row->source);
  row = zb_dues_row_for(rule, payer, base);

  zb_node *n;
  if ((rc = open_node(a, &n)))
    return rc;
  zb_rec *r = malloc(sizeof *r);
  zb_value *v = calloc(ZB_DF__COUNT, sizeof *v);
  if (!r || !v) {
    rc = zb_cli_fail(ZB_ENOMEM, "dues pay");
    goto out;
  }
  int g;
  if ((rc = zb_names_member(n, member, "dues pay", r)))
    goto out;
  char name[ZB_FIELD_MAX + 1];
  snprintf(name, sizeof name, "%s", r->v[ZB_MF_NAME]);
  snprintf(v[ZB_DF_ORG_CODE], sizeof v[0], "%s", r->v[ZB_MF_ORG_CODE]);

  /* The standard: a share of the base, one fixed amount, or (farmers) the
   * amount paid when it lies in this node's range, else its nearer end. */
  int64_t standard;
  if (row->rate_bp) {
    standard = zb_dues_rate_of(base, row->rate_bp);
  } else if (row->min_fen == row->max_fen) {
    standard = row->min_fen;
  } else {
    int64_t lo, hi;
    if ((g = farmer_range(n, row, &lo, &hi))) {
      rc = zb_cli_fail(g, "dues pay");
      goto out;
    }
    standard = amount < 0 || amount < lo ? lo : amount > hi ? hi : amount;
  }
  if (amount < 0)
    amount = standard;

  /* The key: the member and the month, or the first -N after payments of
   * the month that were voided. */
  int k;
  for (k = 1; k <= ZB_DUES_REPAY_MAX; k++) {
    if (!zb_dues_key(member, month, k, v[ZB_DF_ID])) {
      rc = zb_cli_bad("member", zb_msg("dues.id_too_long"), member);
      goto out;
    }
    g = zb_node_get(n, &zb_kind_dues, v[ZB_DF_ID], r);
    if (g == ZB_ENOTFOUND)
      break;
    if (g) {
      rc = zb_cli_fail(g, "dues pay");
      goto out;
    }
    if (zb_kind_state(&zb_kind_dues, r->v) != ZB_DUES_VOID) {
      char y[24];
      int64_t paid = 0;
      zb_fen_parse(r->v[ZB_DF_AMOUNT_FEN], &paid);
      zb_fen_format(paid, y);
      rc = zb_cli_bad("month", zb_msg("dues.paid_already"), member, month_s, r->v[ZB_DF_ID], y,
                      r->v[ZB_DF_PAID_DATE], r->v[ZB_DF_ID]);
      goto out;
    }
  }
  if (k > ZB_DUES_REPAY_MAX) {
    rc = zb_cli_bad("month", zb_msg("dues.voided_max"), member, ZB_DUES_REPAY_MAX, month_s);
    goto out;
  }
  snprintf(v[ZB_DF_MEMBER_ID], sizeof v[0], "%s", member);
  snprintf(v[ZB_DF_MONTH], sizeof v[0], "%s", month_s);
  if (date_s[0])
    snprintf(v[ZB_DF_PAID_DATE], sizeof v[0], "%s", date_s);
  else
    zb_date_format(zb_date_today(), v[ZB_DF_PAID_DATE]);
  snprintf(v[ZB_DF_PAYER], sizeof v[0], "%s", zb_dues_payers[payer]);
  if (base >= 0)
    snprintf(v[ZB_DF_BASE_FEN], sizeof v[0], "%lld", (long long)base);
  snprintf(v[ZB_DF_RULE], sizeof v[0], "%s", rule->name);
  snprintf(v[ZB_DF_STANDARD_FEN], sizeof v[0], "%lld", (long long)standard);
  snprintf(v[ZB_DF_AMOUNT_FEN], sizeof v[0], "%lld", (long long)amount);
  const char *note = zb_args_get(a, "note");
  if (note)
    zb_norm_field(&zb_kind_dues.fields[ZB_DF_NOTE], note, strnlen(note, ZB_FIELD_MAX),
                  v[ZB_DF_NOTE]);
  g = zb_node_add(n, &zb_kind_dues, v, zb_cli_problem, NULL);
  if (g == ZB_EINVAL || g == ZB_ESCOPE || g == ZB_EEXIST) {
    rc = zb_exit_code(g);
    goto out;
  }
  if (g) {
    rc = zb_cli_fail(g, "dues pay");
    goto out;
  }
  char s[24], p[24];
  zb_fen_format(standard, s);
  zb_fen_format(amount, p);
  fprintf(stderr, zb_msg("dues.paid"), zb_log_progname(), v[ZB_DF_ID], member, name, p, month_s,
          s, rule->name);
  if (amount != standard)
    fprintf(stderr, zb_msg("dues.nonstandard"), zb_log_progname(), p, s,
            v[ZB_DF_NOTE][0] ? "" : zb_msg("dues.note_says_why"));
  if (zb_args_has(a, "json")) {
    json_t *j = pay_json(v, name);
    g = j ? zb_json_print(j, stdout, 0) : ZB_ENOMEM;
    json_decref(j);
    if (g) {
      rc = zb_cli_fail(g, "dues pay");
      goto out;
    }
  } else {
    printf("%s\n", v[ZB_DF_ID]);
  }
  rc = zb_cli_flush();
out:
  zb_node_close(n);
  free(r);
  free(v);
  return rc;
}

/* ---- dues list ---- */


struct list_ctx {
  int mode;   /* 0 table, 1 json, 2 csv */
  bool all;
  int from, to;
  const zb_names *names;
  zb_json_stream js;
  zb_table *t;
  long n;
  int64_t paid;
};

static int list_pay(void *ctx, const zb_rec *r) {
  struct list_ctx *lc = ctx;
  int m;
  if (!lc->all && zb_kind_ended(r->kd, r->v))
    return 0;
  if (zb_month_parse(r->v[ZB_DF_MONTH], strlen(r->v[ZB_DF_MONTH]), &m) != 0 || m < lc->from ||
      m > lc->to)
    return 0;
  lc->n++;
  const char *name = zb_names_get(lc->names, r->v[ZB_DF_MEMBER_ID]);
  int64_t base = -1, standard = 0, amount = 0;
  if (r->v[ZB_DF_BASE_FEN][0])
    zb_fen_parse(r->v[ZB_DF_BASE_FEN], &base);
  zb_fen_parse(r->v[ZB_DF_STANDARD_FEN], &standard);
  zb_fen_parse(r->v[ZB_DF_AMOUNT_FEN], &amount);
  if (zb_kind_state(r->kd, r->v) == ZB_DUES_PAID)
    lc->paid += amount;
  if (lc->mode == 1)
    return zb_json_stream_add(&lc->js, pay_json(r->v, name));
  if (lc->mode == 2)
    return zb_rec_csv_row(stdout, r->kd, r->v);
  char b[24] = "", s[24], p[24];
  if (base >= 0)
    zb_fen_format(base, b);
  zb_fen_format(standard, s);
  zb_fen_format(amount, p);
  int payer = zb_vocab_index(zb_dues_payers, r->v[ZB_DF_PAYER]);
  const char *cells[] = {r->v[ZB_DF_ID],        r->v[ZB_DF_MEMBER_ID],
                         name,                  r->v[ZB_DF_MONTH],
                         r->v[ZB_DF_PAID_DATE], payer >= 0 ? zb_dues_payers_zh[payer] : "",
                         b,                     s,
                         p,                     amount != standard ? zb_msg("dues.col_flagged") : "",
                         r->v[ZB_DF_STATUS]};
  return zb_table_add(lc->t, cells);
}

/* --month or --year into a month range; all months when neither. */
static int period(const zb_args *a, int *from, int *to, bool *given) {
  zb_value m;
  const char *y = zb_args_get(a, "year");
  opt_norm(a, "month", ZB_DF_MONTH, m);
  *from = 0;
  *to = 2999 * 12 + 11;
  *given = m[0] || y;
  if (m[0] && y)
    return zb_cli_bad("year", "%s", zb_msg("dues.month_or_year"));
  if (m[0]) {
    if (zb_month_parse(m, strlen(m), from) != 0)
      return zb_cli_bad("month", zb_msg("dues.bad_month"), zb_args_get(a, "month"));
    *to = *from;
  } else if (y) {
    char *end;
    long v = strtol(y, &end, 10);
    if (!*y || *end || v < 1900 || v > 2999)
      return zb_cli_bad("year", zb_msg("dues.bad_year"), y);
    *from = (int)v * 12;
    *to = (int)v * 12 + 11;
  }
  return 0;
}

static int cmd_list(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  struct list_ctx lc = {.all = zb_args_has(a, "all")};
  bool given;
  int rc = period(a, &lc.from, &lc.to, &given);
  if (rc)
    return rc;
  lc.mode = zb_args_has(a, "json") ? 1 : zb_args_has(a, "csv") ? 2 : 0;
  zb_node *n;
  if ((rc = open_node(a, &n)))
    return rc;
  const char *org = zb_args_get(a, "org");
  zb_names names = {0};
  lc.names = &names;
  rc = zb_node_list(n, &zb_kind_member, org, zb_names_row, &names);
  if (!rc) {
    if (lc.mode == 1) {
      zb_json_stream_begin(&lc.js, stdout);
    } else if (lc.mode == 2) {
      rc = zb_rec_csv_header(stdout, &zb_kind_dues, false);
    } else {
      static const char *const keys[] = {"dues.col_id",      "dues.col_member", "dues.col_name",
                                         "dues.col_month",   "dues.col_date",   "dues.col_kind",
                                         "dues.col_base",    "dues.col_standard",
                                         "dues.col_amount",  "dues.col_flag",   "dues.col_status"};
      const char *hdr[11];
      for (int i = 0; i < 11; i++)
        hdr[i] = zb_msg(keys[i]);
      if (!(lc.t = zb_table_new(11, hdr)))
        rc = ZB_ENOMEM;
    }
  }
  if (!rc)
    rc = zb_node_list(n, &zb_kind_dues, org, list_pay, &lc);
  if (rc == ZB_ESCOPE)
    zb_log_error(zb_msg("dues.org_out_of_scope"), org, zb_node_org(n));
  zb_node_close(n);
  if (!rc && lc.mode == 1) {
    rc = zb_json_stream_end(&lc.js);
  } else if (!rc && lc.mode == 0) {
    char p[24];
    zb_fen_format(lc.paid, p);
    zb_table_print(lc.t, stdout);
    printf(zb_msg("dues.list_total"), lc.n, p, lc.all ? zb_msg("dues.voided_listed") : "");
  }
  zb_table_free(lc.t);
  zb_names_free(&names);
  if (rc)
    return rc == ZB_ESCOPE ? zb_exit_code(rc) : zb_cli_fail(rc, "dues list");
  return zb_cli_flush();
}

/* ---- dues rules, dues setting ---- */

static int cmd_rules(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  bool json = zb_args_has(a, "json");
  json_t *all = json ? json_array() : NULL;
  for (int i = 0; zb_dues_rules[i]; i++) {
    const zb_dues_rule *r = zb_dues_rules[i];
    char eff[11];
    zb_date_format(r->effective, eff);
    json_t *rows = json ? json_array() : NULL;
    zb_table *t = NULL;
    if (!json) {
      printf(zb_msg("dues.rule_title"), r->name, r->version, eff, r->title);
      const char *const hdr[] = {zb_msg("dues.col_kind"),   "kind",
                                 zb_msg("dues.col_upto"),   zb_msg("dues.col_rate_bp"),
                                 zb_msg("dues.col_fixed"),  zb_msg("dues.col_source")};
      t = zb_table_new(6, hdr);
    }
    for (int k = 0; k < r->nrows; k++) {
      const zb_dues_row *row = &r->rows[k];
      char upto[24] = "", rate[16] = "", lo[24], hi[24], amt[56] = "";
      if (row->upto_fen >= 0)
        zb_fen_format(row->upto_fen, upto);
      if (row->rate_bp)
        snprintf(rate, sizeof rate, "%d.%02d%%", row->rate_bp / 100, row->rate_bp % 100);
      else {
        zb_fen_format(row->min_fen, lo);
        zb_fen_format(row->max_fen, hi);
        snprintf(amt, sizeof amt, row->min_fen == row->max_fen ? "%s" : "%s-%s", lo, hi);
      }
      if (json)
        json_array_append_new(
            rows, json_pack("{s:s, s:o, s:i, s:o, s:o, s:s}", "payer_kind",
                            zb_dues_payers[row->payer], "upto_fen",
                            row->upto_fen >= 0 ? json_integer(row->upto_fen) : json_null(),
                            "rate_bp", row->rate_bp, "min_fen",
                            row->rate_bp ? json_null() : json_integer(row->min_fen), "max_fen",
                            row->rate_bp ? json_null() : json_integer(row->max_fen), "source",
                            row->source));
      else if (t)
        zb_table_add(t, (const char *const[]){zb_dues_payers_zh[row->payer],
                                              zb_dues_payers[row->payer],
                                              row->upto_fen >= 0 ? upto
                                              : row->rate_bp    ? zb_msg("dues.above")
                                                                : "",
                                              rate, amt, row->source});
    }
    if (json)
      json_array_append_new(all, json_pack("{s:s, s:i, s:s, s:s, s:o}", "name", r->name,
                                           "version", r->version, "effective", eff, "title",
                                           r->title, "rows", rows));
    if (t) {
      zb_table_print(t, stdout);
      zb_table_free(t);
    }
  }
  if (json) {
    int rc = all ? zb_json_print(all, stdout, 0) : ZB_ENOMEM;
    json_decref(all);
    if (rc)
      return zb_cli_fail(rc, "dues rules");
  } else {
    printf(zb_msg("dues.rules_note"), ZB_DUES_WINDOW, ZB_DUES_LAPSE);
  }
  return zb_cli_flush();
}

static int cmd_setting(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  int rc = 0;
  int64_t lo = opt_yuan(a, "farmer-min", &rc), hi = opt_yuan(a, "farmer-max", &rc);
  if (rc)
    return rc;
  const zb_dues_rule *rule = zb_dues_rule_for(zb_month_of(zb_date_today()));
  const zb_dues_row *row = rule ? zb_dues_row_for(rule, ZB_DP_FARMER, 0) : NULL;
  if (!row)
    return zb_cli_fail(ZB_ENOTFOUND, zb_msg("dues.no_farmer_row"));
  char a1[24], a2[24];
  zb_fen_format(row->min_fen, a1);
  zb_fen_format(row->max_fen, a2);
  zb_node *n;
  if ((rc = open_node(a, &n)))
    return rc;
  int64_t cur_lo, cur_hi;
  if ((rc = farmer_range(n, row, &cur_lo, &cur_hi))) {
    zb_node_close(n);
    return zb_cli_fail(rc, "dues setting");
  }
  if (lo >= 0 || hi >= 0) {
    int64_t nlo = lo >= 0 ? lo : cur_lo, nhi = hi >= 0 ? hi : cur_hi;
    const char *opt = lo >= 0 && (lo < row->min_fen || lo > row->max_fen) ? "farmer-min"
                      : hi >= 0 && (hi < row->min_fen || hi > row->max_fen) ? "farmer-max"
                                                                          : NULL;
    if (opt) {
      zb_node_close(n);
      return zb_cli_bad(opt, zb_msg("dues.national_range"), a1, a2, rule->name);
    }
    if (nlo > nhi) {
      zb_node_close(n);
      return zb_cli_bad(lo >= 0 ? "farmer-min" : "farmer-max", "%s", zb_msg("dues.range_empty"));
    }
    if ((rc = zb_node_setting_put(n, SET_FARMER_MIN, (uint64_t)nlo)) ||
        (rc = zb_node_setting_put(n, SET_FARMER_MAX, (uint64_t)nhi))) {
      zb_node_close(n);
      return zb_cli_fail(rc, "dues setting");
    }
    cur_lo = nlo;
    cur_hi = nhi;
  }
  zb_node_close(n);
  char l[24], h[24];
  zb_fen_format(cur_lo, l);
  zb_fen_format(cur_hi, h);
  if (zb_args_has(a, "json")) {
    json_t *j = json_pack("{s:I, s:I, s:I, s:I}", "farmer_min_fen", (json_int_t)cur_lo,
                          "farmer_max_fen", (json_int_t)cur_hi, "national_min_fen",
                          (json_int_t)row->min_fen, "national_max_fen", (json_int_t)row->max_fen);
    rc = j ? zb_json_print(j, stdout, 0) : ZB_ENOMEM;
    json_decref(j);
    if (rc)
      return zb_cli_fail(rc, "dues setting");
  } else {
    printf(zb_msg("dues.farmer_range"), l, h, a1, a2);
  }
  return zb_cli_flush();
}

/* ---- the commands ---- */

static const char *const o_pay[] = {"month", "kind", "base", "amount", "date", "note", "json",
                                    NULL};
static const char *const o_list[] = {"org", "month", "year", "all", "json", "csv", NULL};
static const char *const o_rules[] = {"json", NULL};
static const char *const o_setting[] = {"farmer-min", "farmer-max", "json", NULL};

static const struct zb_cmd node_cmds[] = {
    {"dues add", 2, 0, "", NULL, NULL, "", ""},   /* payments are made by dues pay */
    {"dues list", 2, 0, "", cmd_list, o_list, "node.dues list", "node.dues list.help"},
    {"dues pay", 2, 1, "MEMBER", cmd_pay, o_pay, "node.dues pay", "node.dues pay.help"},
    {"dues rules", 2, 0, "", cmd_rules, o_rules, "node.dues rules", "node.dues rules.help"},
    {"dues setting", 2, 0, "", cmd_setting, o_setting, "node.dues setting", "node.dues setting.help"},
};

size_t zb_duescli_node_cmds(const struct zb_cmd **out, zb_kindcli_open_fn open) {
  open_node = open;
  *out = node_cmds;
  return sizeof node_cmds / sizeof *node_cmds;
}

void zb_duescli_options(struct zb_opt *opts, size_t cap) {
  static const char *const names[] = {"month", "year",       "kind",       "base", "amount",
                                      "date",  "note",       "farmer-min", "farmer-max",
                                      "as-of", NULL};
  for (int i = 0; names[i]; i++) {
    size_t j = 0;
    while (opts[j].name && strcmp(opts[j].name, names[i]) != 0)
      j++;
    if (!opts[j].name && j + 1 < cap) {
      opts[j].name = names[i];
      opts[j].has_arg = true;
      opts[j + 1].name = NULL;
    }
  }
}

/* ---- report dues ---- */


int zb_cli_dues_query(const zb_args *a, zb_dues_query *q) {
  q->as_of = zb_date_today();
  const char *d = zb_args_get(a, "as-of");
  if (d && zb_date_parse(d, strlen(d), &q->as_of) != 0)
    return zb_cli_bad("as-of", "\"%s\" is not a date YYYY-MM-DD", d);
  bool given;
  int rc = period(a, &q->from, &q->to, &given);
  if (rc)
    return rc;
  if (!given)
    q->from = q->to = zb_month_of(q->as_of);
  return 0;
}

int zb_cli_dues_out(const zb_args *a, const zb_dues_report *r) {
  int rc = 0;
  bool zh = true;
  if ((rc = zb_cli_lang_zh(a, &zh)))
    return zb_exit_code(rc);
  if (zb_args_has(a, "json")) {
    /* The rates have four decimals: print them so (0.0727, not
     * 0.072700000000000001). */
    json_t *j = zb_dues_report_json(r);
    rc = !j ? ZB_ENOMEM
            : json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6)) ||
                      fputc('\n', stdout) == EOF
                  ? ZB_EIO
                  : 0;
    json_decref(j);
  } else if (zb_args_has(a, "csv")) {
    rc = zb_dues_report_csv(r, stdout, zh);
  } else {
    zb_dues_report_print(r, stdout);
  }
  if (rc)
    return zb_cli_fail(rc, "report dues");
  return zb_cli_flush();
}
