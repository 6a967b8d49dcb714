#include "zb_cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zb_balance.h"
#include "zb_err.h"
#include "zb_funnel.h"
#include "zb_life.h"
#include "zb_merge.h"
#include "zb_table.h"
#include "zb_log.h"
#include "zb_msg.h"
#include "zb_why.h"
#include "zb_hlc.h"
#include "zb_import.h"
#include "zb_kind.h"
#include "zb_offline.h"
#include "zb_render.h"
#include "zb_xlsxout.h"

static void usage_line(const struct zb_cli *cli, const struct zb_cmd *c, FILE *out) {
  fprintf(out, "  %s %s%s%s", cli->prog, c->words, *c->operand_names ? " " : "",
          zb_msg(c->operand_names));
  size_t n = 0;
  for (const char *const *o = c->opts; *o; o++)
    n++;
  if (n > 8) {
    fputs(zb_msg("cli.usage_fields"), out);
  } else {
    for (const char *const *o = c->opts; *o; o++)
      fprintf(out, " [--%s%s]", *o, strcmp(*o, "json") && strcmp(*o, "csv") ? " …" : "");
  }
  fputc('\n', out);
}

static void usage(const struct zb_cli *cli, FILE *out) {
  fprintf(out, zb_msg("cli.usage"), cli->prog, zb_msg(cli->about));
  int w = 15;   /* the longest command's words set the column */
  for (size_t i = 0; i < cli->ncmds; i++)
    if ((int)strlen(cli->cmds[i].words) > w)
      w = (int)strlen(cli->cmds[i].words);
  for (size_t i = 0; i < cli->ncmds; i++)
    fprintf(out, "  %-*s %s\n", w, cli->cmds[i].words, zb_msg(cli->cmds[i].summary));
  fputc('\n', out);
  fputs(zb_msg(cli->global_help), out);
  fprintf(out, zb_msg("cli.usage_tail"), cli->prog, cli->cmds[0].words);
}

static void cmd_help(const struct zb_cli *cli, const struct zb_cmd *c) {
  printf("%s\n", zb_msg("cli.usage_head"));
  usage_line(cli, c, stdout);
  printf("\n%s%s\n", zb_msg(c->summary), zb_msg("cli.full_stop"));
  const char *help = zb_msg(c->help);
  if (*help)
    printf("\n%s\n", help);
}

int zb_cli_main(const struct zb_cli *cli, int argc, char **argv) {
  /* A peer that vanishes mid-write must cost that session, not the
   * process: libuv writes with write(2), which raises SIGPIPE. */
  signal(SIGPIPE, SIG_IGN);
  zb_args a;
  char err[256];
  if (zb_args_parse(argc, argv, cli->options, &a, err, sizeof err) != 0) {
    zb_log_error(zb_msg("cli.see_help"), err, cli->prog);
    return zb_exit_code(ZB_EUSAGE);
  }
  bool zh = true;
  if (zb_lang_decide(zb_args_get(&a, "lang"), &zh) != 0) {
    zb_log_error(zb_msg("cli.bad_lang"), zb_args_get(&a, "lang"));
    return zb_exit_code(ZB_EUSAGE);
  }
  zb_lang_set(zh);
  if (zb_args_has(&a, "version")) {
    printf("%s %s\n", cli->prog, ZB_VERSION);
    return zb_cli_flush();
  }
  if (a.npos == 0) {
    usage(cli, zb_args_has(&a, "help") ? stdout : stderr);
    return zb_args_has(&a, "help") ? 0 : zb_exit_code(ZB_EUSAGE);
  }
  /* Longest match of the command words. */
  const struct zb_cmd *c = NULL;
  for (size_t i = 0; i < cli->ncmds; i++) {
    const char *p = cli->cmds[i].words;
    bool match = true;
    for (int k = 0; k < cli->cmds[i].nwords; k++) {
      const char *sp = strchr(p, ' ');
      size_t len = sp ? (size_t)(sp - p) : strlen(p);
      if ((size_t)k >= a.npos || strlen(a.pos[k]) != len || memcmp(a.pos[k], p, len)) {
        match = false;
        break;
      }
      p = sp ? sp + 1 : p + len;
    }
    if (match && (!c || cli->cmds[i].nwords > c->nwords))
      c = &cli->cmds[i];
  }
  if (!c) {
    /* A first word that starts commands ("member"): list them. */
    size_t w0 = strlen(a.pos[0]), nfirst = 0;
    bool help = zb_args_has(&a, "help") && a.npos == 1;
    FILE *out = help ? stdout : stderr;
    for (size_t i = 0; i < cli->ncmds; i++) {
      const char *words = cli->cmds[i].words;
      if (cli->cmds[i].nwords < 2 || strncmp(words, a.pos[0], w0) != 0 || words[w0] != ' ')
        continue;
      if (nfirst++ == 0) {
        if (help || a.npos == 1)
          fprintf(out, zb_msg("cli.one_of"), cli->prog, a.pos[0], cli->prog, a.pos[0]);
        else
          zb_log_error(zb_msg("cli.unknown_sub"), a.pos[0], a.pos[1], a.pos[0]);
      }
      fprintf(out, "  %-22s %s\n", words, zb_msg(cli->cmds[i].summary));
    }
    if (nfirst > 0)
      return help ? 0 : zb_exit_code(ZB_EUSAGE);
    zb_log_error(zb_msg("cli.unknown_command"), a.pos[0], a.npos > 1 ? " " : "",
                 a.npos > 1 ? a.pos[1] : "", cli->prog);
    return zb_exit_code(ZB_EUSAGE);
  }
  if (zb_args_has(&a, "help")) {
    cmd_help(cli, c);
    return 0;
  }
  if (a.npos != (size_t)(c->nwords + c->operands)) {
    if (c->operands)
      zb_log_error(zb_msg("cli.operands"), c->words, zb_msg(c->operand_names), cli->prog,
                   c->words);
    else
      zb_log_error(zb_msg("cli.no_operands"), c->words, cli->prog, c->words);
    return zb_exit_code(ZB_EUSAGE);
  }
  const char *allowed[ZB_ARGS_MAX];
  size_t na = 0;
  for (const char *const *o = cli->global_opts; *o && na + 1 < ZB_ARGS_MAX; o++)
    allowed[na++] = *o;
  for (const char *const *o = c->opts; *o && na + 1 < ZB_ARGS_MAX; o++)
    allowed[na++] = *o;
  allowed[na] = NULL;
  if (zb_args_only(&a, allowed, err, sizeof err) != 0) {
    zb_log_error(zb_msg("cli.bad_option"), c->words, err, cli->prog, c->words);
    return zb_exit_code(ZB_EUSAGE);
  }
  return c->fn(c, &a);
}

/* ---- helpers for commands ---- */

const char *zb_cli_data_dir(const zb_args *a) {
  const char *d = zb_args_get(a, "data");
  if (!d || !*d)
    d = getenv("ZHIBU_DATA");
  return d && *d ? d : NULL;
}

void zb_cli_problem(void *ctx, const char *file, long line, const char *column,
                    const char *reason) {
  const char *prog = zb_log_progname();
  (void)ctx;
  char words[ZB_WHY_TEXT_MAX];
  reason = zb_why_text(reason, words, sizeof words);
  char where[4300] = "";
  if (file && line > 0)
    snprintf(where, sizeof where, "%s:%ld: ", file, line);
  else if (file)
    snprintf(where, sizeof where, "%s: ", file);
  if (column && !file) {
    /* Command-line input: name the option as the user would type it. */
    char opt[64];
    snprintf(opt, sizeof opt, "--%s", column);
    for (char *p = opt; *p; p++)
      if (*p == '_')
        *p = '-';
    fprintf(stderr, "%s: %s: %s\n", prog, opt, reason);
  } else if (column) {
    fprintf(stderr, "%s: %s%s: %s\n", prog, where, column, reason);
  } else {
    fprintf(stderr, "%s: %s%s\n", prog, where, reason);
  }
}

int zb_cli_flush(void) {
  if (fflush(stdout) != 0 || ferror(stdout)) {
    zb_log_error(zb_msg("cli.cannot_write"), strerror(errno));
    return zb_exit_code(ZB_EIO);
  }
  return 0;
}

static int date_opt(const zb_args *a, const char *name, zb_date *out) {
  const char *d = zb_args_get(a, name);
  if (d && zb_date_parse(d, strlen(d), out) != 0) {
    zb_log_error(zb_msg("cli.bad_date"), name, d);
    return zb_exit_code(ZB_EINVAL);
  }
  return 0;
}

int zb_cli_stats_init(const zb_args *a, zb_stats *st) {
  zb_date as_of = zb_date_today();
  int rc = date_opt(a, "as-of", &as_of);
  if (rc)
    return rc;
  zb_stats_init(st, as_of);
  if ((rc = date_opt(a, "from", &st->from)) || (rc = date_opt(a, "to", &st->to)))
    return rc;
  if (zb_date_cmp(st->from, st->to) > 0) {
    zb_log_error("%s", zb_msg("cli.from_after_to"));
    return zb_exit_code(ZB_EINVAL);
  }
  return 0;
}

int zb_cli_lang_zh(const zb_args *a, bool *zh) {
  if (zb_lang_decide(zb_args_get(a, "lang"), zh) != 0) {
    zb_log_error(zb_msg("cli.bad_lang"), zb_args_get(a, "lang"));
    return ZB_EUSAGE;
  }
  return 0;
}

const char *zb_cli_strerror(int rc) {
  return zb_msg_err(rc);
}

int zb_cli_fail(int rc, const char *what) {
  zb_log_error("%s: %s", what, zb_cli_strerror(rc));
  return zb_exit_code(rc);
}

int zb_cli_bad(const char *opt, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  zb_cli_problem(NULL, NULL, 0, opt, msg);
  return zb_exit_code(ZB_EINVAL);
}

void zb_cli_local_time(uint64_t hlc, char out[32]) {
  uint64_t ms = ZB_HLC_MS(hlc);
  time_t t = (time_t)(ms / 1000);
  struct tm tm;
  if (ms / 1000 > (uint64_t)253402300799 || !localtime_r(&t, &tm))   /* past 9999-12-31 */
    snprintf(out, 32, "?");
  else
    strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm);
}

void zb_cli_today_zh(char *buf, size_t cap) {
  zb_date d = zb_date_today();
  snprintf(buf, cap, "%d年%d月%d日", d.y, d.m, d.d);
}

int zb_cli_one_format(const zb_args *a) {
  int n = zb_args_has(a, "json") + zb_args_has(a, "csv") + (zb_args_get(a, "xlsx") != NULL);
  if (n > 1) {
    zb_log_error("%s", zb_msg("cli.one_format"));
    return ZB_EUSAGE;
  }
  return 0;
}

struct stats_sheet {
  zb_xlsxout *x;
  int rc;
};

static int stats_sheet_row(void *ctx, const char *dim, const char *value, long count) {
  struct stats_sheet *ss = ctx;
  char num[24];
  snprintf(num, sizeof num, "%ld", count);
  return zb_xlsxout_row(ss->x, (const char *const[]){dim, value, num});
}

/* The report as a workbook: a title with the org and the dates, then the
 * rows of the CSV in Chinese or English. */
static int stats_xlsx(const char *path, const zb_stats *st, const char *org, const char *name,
                      bool zh) {
  char as_of[11], from[11], to[11], title[512];
  zb_date_format(st->as_of, as_of);
  zb_date_format(st->from, from);
  zb_date_format(st->to, to);
  if (zh)
    snprintf(title, sizeof title, "%s 党员统计（截至 %s；减少 %s 至 %s）", name ? name : org, as_of,
             from, to);
  else
    snprintf(title, sizeof title, "%s member statistics as of %s (left %s to %s)",
             name ? name : org, as_of, from, to);
  static const char *const h_zh[3] = {"项目", "分类", "人数"};
  static const char *const h_en[3] = {"dimension", "value", "count"};
  static const enum zb_xcol kinds[3] = {ZB_XCOL_TEXT, ZB_XCOL_TEXT, ZB_XCOL_COUNT};
  struct stats_sheet ss = {0};
  int rc = zb_xlsxout_open(path, zh ? "党员统计" : "statistics", title, 3, zh ? h_zh : h_en,
                           kinds, &ss.x);
  if (rc) {
    zb_log_error(zb_msg("kind.xlsx_failed"), path);
    return ZB_EIO;
  }
  rc = zb_stats_rows(st, zh, stats_sheet_row, &ss);
  const char *why;
  int crc = zb_xlsxout_close(ss.x, &why);
  if (!rc && crc) {
    zb_log_error(zb_msg("kind.xlsx_failed_why"), path, why ? why : "");
    return crc;
  }
  return rc;
}

int zb_cli_stats_out(const zb_args *a, const zb_stats *st, const char *org) {
  return zb_cli_stats_out_named(a, st, org, NULL);
}

int zb_cli_stats_out_named(const zb_args *a, const zb_stats *st, const char *org,
                           const char *org_name) {
  int rc = 0;
  bool zh = true;
  const char *xlsx = zb_args_get(a, "xlsx");
  if ((rc = zb_cli_one_format(a)) || (rc = zb_cli_lang_zh(a, &zh)))
    return zb_exit_code(rc);
  if (zb_args_has(a, "json")) {
    json_t *j = zb_stats_to_json(st, org);
    rc = j ? zb_json_print(j, stdout, 0) : ZB_ENOMEM;
    json_decref(j);
  } else if (zb_args_has(a, "csv")) {
    rc = zb_stats_write_csv(st, org, stdout, zh);
  } else if (xlsx) {
    if ((rc = stats_xlsx(xlsx, st, org, org_name, zh)))
      return zb_exit_code(rc);
    fprintf(stderr, zb_msg("cli.report_written"), zb_log_progname(), xlsx,
            org_name ? org_name : org, st->total);
  } else {
    zb_stats_print(st, org, stdout, zb_lang_is_zh());
  }
  if (rc) {
    zb_log_error("report stats: %s", zb_cli_strerror(rc));
    return zb_exit_code(rc);
  }
  return zb_cli_flush();
}

/* ---- report pipeline ---- */

/* --year into *year (dflt when not given); 0 or the exit status. */
static int year_opt(const zb_args *a, int dflt, int *year) {
  *year = dflt;
  const char *y = zb_args_get(a, "year");
  if (!y)
    return 0;
  char *end;
  errno = 0;
  long v = strtol(y, &end, 10);
  if (errno || end == y || *end || v < 1900 || v > 9999) {
    zb_log_error(zb_msg("cli.bad_year"), y);
    return zb_exit_code(ZB_EUSAGE);
  }
  *year = (int)v;
  return 0;
}

int zb_cli_funnel_init(const zb_args *a, zb_funnel *f) {
  int year;
  int rc = year_opt(a, 0, &year);
  if (!rc)
    zb_funnel_init(f, &zb_kind_applicant, zb_date_today(), year);
  return rc;
}

int zb_cli_funnel_out(const zb_args *a, const zb_funnel *f, const char *org) {
  const zb_field_desc *sfd = &f->kd->fields[f->kd->state_field];
  int rc = 0;
  if (zb_args_has(a, "json")) {
    json_t *j = zb_funnel_to_json(f, org);
    rc = j ? zb_json_print(j, stdout, 0) : ZB_ENOMEM;
    json_decref(j);
  } else {
    if (f->year)
      printf(zb_msg("cli.funnel_year"), org, f->year, f->total);
    else
      printf(zb_msg("cli.funnel"), org, f->total);
    zb_table *t = zb_table_new(2, (const char *const[]){zb_msg("col.stage"), zb_msg("col.count")});
    for (int i = 0; t && sfd->vocab[i]; i++) {
      char n[24];
      snprintf(n, sizeof n, "%zu", f->counts[i]);
      zb_table_add(t, (const char *const[]){zb_msg_vocab(sfd->vocab[i]), n});
    }
    if (t)
      zb_table_print(t, stdout);
    zb_table_free(t);
    if (f->noverdue) {
      printf(zb_msg("cli.funnel_overdue"), f->noverdue);
      zb_table *o = zb_table_new(
          3, (const char *const[]){zb_msg("col.key"), zb_msg("col.branch"), zb_msg("col.reason")});
      char words[ZB_WHY_TEXT_MAX];
      for (size_t i = 0; o && i < f->noverdue; i++)
        zb_table_add(o, (const char *const[]){f->overdue[i].key, f->overdue[i].org,
                                              zb_why_text(f->overdue[i].why, words, sizeof words)});
      if (o)
        zb_table_print(o, stdout);
      zb_table_free(o);
    }
  }
  if (rc) {
    zb_log_error("report pipeline: %s", zb_cli_strerror(rc));
    return zb_exit_code(rc);
  }
  return zb_cli_flush();
}

/* ---- report meetings ---- */

int zb_cli_life_year(const zb_args *a, int *year) {
  return year_opt(a, zb_date_today().y, year);
}

int zb_cli_life_out(const zb_args *a, json_t *report) {
  int rc = 0;
  if (zb_args_has(a, "json"))
    rc = zb_json_print(report, stdout, 0);
  else
    zb_life_print(report, stdout);
  json_decref(report);
  if (rc) {
    zb_log_error("report meetings: %s", zb_cli_strerror(rc));
    return zb_exit_code(rc);
  }
  return zb_cli_flush();
}

int zb_cli_balance_init(const zb_args *a, zb_balance *b) {
  int year = zb_date_today().y;
  const char *y = zb_args_get(a, "year");
  if (y) {
    char *end;
    errno = 0;
    long v = strtol(y, &end, 10);
    if (errno || end == y || *end || v < ZB_BALANCE_YEAR_MIN || v > ZB_BALANCE_YEAR_MAX) {
      zb_log_error(zb_msg("cli.bad_year_range"), y, ZB_BALANCE_YEAR_MIN, ZB_BALANCE_YEAR_MAX);
      return zb_exit_code(ZB_EINVAL);
    }
    year = (int)v;
  }
  zb_balance_init(b, year);
  return 0;
}

int zb_cli_balance_out(const zb_args *a, zb_balance *b, const char *org) {
  int rc = 0;
  bool zh = true;
  if ((rc = zb_cli_lang_zh(a, &zh))) {
    zb_balance_free(b);
    return zb_exit_code(rc);
  }
  if (zb_args_has(a, "json")) {
    json_t *j = zb_balance_to_json(b, org);
    rc = j ? zb_json_print(j, stdout, 0) : ZB_ENOMEM;
    json_decref(j);
  } else if (zb_args_has(a, "csv")) {
    rc = zb_balance_write_csv(b, org, stdout, zh);
  } else {
    zb_balance_print(b, org, stdout);
  }
  zb_balance_free(b);
  if (rc) {
    zb_log_error("report balance: %s", zb_cli_strerror(rc));
    return zb_exit_code(rc);
  }
  return zb_cli_flush();
}

/* ---- rows ---- */

int zb_rows_begin(zb_rows *r, const zb_args *a, size_t ncols, const char *const *header) {
  memset(r, 0, sizeof *r);
  r->json = zb_args_has(a, "json");
  if (r->json) {
    zb_json_stream_begin(&r->js, stdout);
    return 0;
  }
  /* The header cells are catalogue keys (zb_msg.h), or text as it is. */
  const char *h[ZB_ARGS_MAX];
  for (size_t i = 0; i < ncols && i < ZB_ARGS_MAX; i++)
    h[i] = zb_msg(header[i]);
  r->t = zb_table_new(ncols < ZB_ARGS_MAX ? ncols : ZB_ARGS_MAX, h);
  return r->t ? 0 : ZB_ENOMEM;
}

int zb_rows_begin_conflicts(zb_rows *r, const zb_args *a) {
  static const char *const h[] = {"col.server_seq", "col.record", "col.field", "col.kept",
                                  "col.written_by", "col.other", "col.written_by"};
  return zb_rows_begin(r, a, 7, h);
}

int zb_rows_end(zb_rows *r, int rc, const char *what) {
  if (!rc) {
    if (r->json) {
      zb_json_stream_end(&r->js);
    } else {
      zb_table_print(r->t, stdout);
    }
  }
  zb_table_free(r->t);
  r->t = NULL;
  if (rc) {
    zb_log_error("%s: %s", what, zb_cli_strerror(rc));
    return zb_exit_code(rc);
  }
  return zb_cli_flush();
}

int zb_cli_import_out(const char *prog, const char *path, int rc,
                      const zb_import_result *res, bool skipped) {
  const char *name = strcmp(path, "-") == 0 ? "stdin" : path;   /* as zb_import names it */
  if (rc == ZB_EINVAL) {
    zb_log_error(zb_msg("cli.import_nothing"), name);
    return zb_exit_code(rc);
  }
  if (rc == ZB_EIO) {
    /* A file that cannot be read is bad input, not a fault of the program. */
    zb_log_error(zb_msg("cli.import_unreadable"), name);
    return zb_exit_code(ZB_EINVAL);
  }
  if (rc) {
    zb_log_error("%s: %s", name, zb_cli_strerror(rc));
    return zb_exit_code(rc);
  }
  fprintf(stderr, zb_msg("cli.imported"), prog, name, res->rows, res->created, res->updated,
          res->unchanged);
  if (skipped)
    fprintf(stderr, zb_msg("cli.imported_skipped"), res->skipped);
  if (res->gb18030)
    fputs(zb_msg("cli.imported_gb18030"), stderr);
  if (res->xlsx)
    fprintf(stderr, zb_msg("cli.imported_sheet"), res->sheet);
  fputc('\n', stderr);
  return 0;
}

int zb_cli_parcel_out(const zb_args *a, const char *prog, enum zb_parcel_cmd cmd,
                      const char *path, int rc, const zb_offline_report *r) {
  static const char *const names[] = {"node export", "node import", "server export",
                                      "server import"};
  unsigned long long from = r->from, to = r->to, ops = r->ops;
  if (rc) {
    zb_log_error("bundle %s: %s", cmd == ZB_PARCEL_NODE_EXPORT || cmd == ZB_PARCEL_SERVER_EXPORT
                                      ? "export"
                                      : "import",
                 r->error[0] ? r->error : zb_cli_strerror(rc));
  } else if (cmd == ZB_PARCEL_NODE_EXPORT) {
    fprintf(stderr, zb_msg("parcel.node_export"), prog, path, r->node_id, ops ? from + 1 : from,
            to, ops, from, (unsigned long long)r->cursor, (unsigned long long)r->bytes);
  } else if (cmd == ZB_PARCEL_SERVER_EXPORT) {
    fprintf(stderr, zb_msg("parcel.server_export"), prog, path, (unsigned long long)r->seq,
            r->node_id, r->org, ops, from, to,
            (unsigned long long)r->held_seq, (unsigned long long)r->bytes);
  } else if (r->already) {
    fprintf(stderr, zb_msg("parcel.already"), prog, path);
  } else if (cmd == ZB_PARCEL_SERVER_IMPORT) {
    fprintf(stderr, zb_msg("parcel.server_import"), prog, path, r->node_id, r->org, ops,
            (unsigned long long)r->applied,
            (unsigned long long)r->rejected, (unsigned long long)r->conflicts,
            (unsigned long long)r->duplicates, (unsigned long long)r->held_seq,
            (unsigned long long)r->cursor);
  } else {
    fprintf(stderr, zb_msg("parcel.node_import"), prog, path, (unsigned long long)r->seq,
            (unsigned long long)r->applied,
            (unsigned long long)r->conflicts, (unsigned long long)r->rejected,
            (unsigned long long)r->skipped, (unsigned long long)r->cursor,
            (unsigned long long)r->held_seq);
  }
  if (zb_args_has(a, "json")) {
    json_t *j = json_pack(
        "{s:b, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
        "s:b, s:I, s:s}",
        "ok", rc == 0, "command", names[cmd], "file", path, "node_id", r->node_id, "org", r->org,
        "parcel", (json_int_t)r->seq, "from", (json_int_t)r->from, "to", (json_int_t)r->to,
        "cursor", (json_int_t)r->cursor, "held_seq", (json_int_t)r->held_seq, "batches",
        (json_int_t)r->batches, "ops", (json_int_t)r->ops, "applied", (json_int_t)r->applied,
        "duplicates", (json_int_t)r->duplicates, "rejected", (json_int_t)r->rejected,
        "conflicts", (json_int_t)r->conflicts, "skipped", (json_int_t)r->skipped, "already",
        r->already, "bytes", (json_int_t)r->bytes, "error", rc ? r->error : "");
    if (j)
      zb_json_print(j, stdout, 0);
    json_decref(j);
    int frc = zb_cli_flush();
    if (!rc && frc)
      return frc;
  }
  return zb_exit_code(rc);
}

int zb_cli_conflict_row(void *rows, const zb_conflict_view *k) {
  zb_rows *ro = rows;
  char wt[32], lt[32], seq[24];
  zb_hlc_format(k->winner_hlc, wt);
  zb_hlc_format(k->loser_hlc, lt);
  if (ro->json)
    return zb_json_stream_add(
        &ro->js, json_pack("{s:I, s:s, s:s, s:s, s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s}}",
                           "server_seq", (json_int_t)k->server_seq, "kind", k->kind, "key",
                           k->key, "field", k->field, "winner", "value", k->winner_value,
                           "origin", k->winner_origin, "time", wt, "loser", "value",
                           k->loser_value, "origin", k->loser_origin, "time", lt));
  snprintf(seq, sizeof seq, "%llu", (unsigned long long)k->server_seq);
  /* The field by its Chinese label for people reading Chinese. */
  const char *field = k->field;
  const zb_kind_desc *kd = zb_kind_by_name(k->kind, strlen(k->kind));
  int f = kd ? zb_kind_field(kd, k->field, strlen(k->field)) : -1;
  if (f >= 0 && zb_lang_is_zh())
    field = kd->fields[f].zh;
  const char *cells[] = {seq, k->key, field, k->winner_value, k->winner_origin,
                         k->loser_value, k->loser_origin};
  return zb_table_add(ro->t, cells);
}

/* ---- digest and verify ---- */

int zb_cli_digest_out(const zb_args *a, const char *org, const char *hex) {
  if (zb_args_has(a, "json")) {
    json_t *j = json_pack("{s:s, s:s}", "org", org, "digest", hex);
    zb_json_print(j, stdout, 0);
    json_decref(j);
  } else {
    printf("%s\n", hex);
  }
  return zb_cli_flush();
}

int zb_cli_verify_out(const zb_args *a, int rc, const char *why, const char *count_name,
                      uint64_t count, const char *ok_text) {
  bool json = zb_args_has(a, "json");
  if (json) {
    json_t *j = json_pack("{s:b, s:I, s:s}", "ok", rc == 0, count_name, (json_int_t)count,
                          "problem", rc ? why : "");
    zb_json_print(j, stdout, 0);
    json_decref(j);
  }
  if (rc) {
    zb_log_error(zb_msg("cli.verify_failed"), why);
    zb_cli_flush();
    return zb_exit_code(ZB_ECORRUPT);
  }
  if (!json)
    printf(zb_msg("cli.verify_ok"), (unsigned long long)count, ok_text);
  return zb_cli_flush();
}
