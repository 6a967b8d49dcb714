/*
 * zhibu-node — the branch secretary's command line (README.md, "The command line").
 *
 * Thin by design: parse the command line, call libzhibu (zb_node.h), print.
 * Machine output (--json, --csv) goes to stdout and nothing else does;
 * messages and errors go to stderr, one line per problem.
 */
#include <errno.h>
#include <signal.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zb_args.h"
#include "zb_balance.h"
#include "zb_cli.h"
#include "zb_daemon.h"
#include "zb_duescli.h"
#include "zb_evalcli.h"
#include "zb_pointscli.h"
#include "zb_findcli.h"
#include "zb_err.h"
#include "zb_hlc.h"
#include "zb_kindcli.h"
#include "zb_log.h"
#include "zb_msg.h"
#include "zb_why.h"
#include "zb_node.h"
#include "zb_offline.h"
#include "zb_funnel.h"
#include "zb_render.h"
#include "zb_status.h"
#include "zb_pending.h"
#include "zb_sync.h"
#include "zb_table.h"

/* The program's options: these, then one per record field, added by
 * zb_kindcli_build (zb_kindcli.h) from the kind descriptors. */
static struct zb_opt options[ZB_KINDCLI_MAX_OPTS] = {
    {"data", true},    {"json", false},   {"csv", false},    {"help", false},
    {"actor", true},   {"node-id", true}, {"org", true},     {"since", true},
    {"as-of", true},   {"enroll", true},  {"server", true},  {"timeout", true},
    {"interval", true}, {"all", false}, {"from", true}, {"to", true}, {"version", false},
    {"state", true},   {"in", false},     {"out", false},    {"outside", true},
    {"letter", true},  {"overdue", false}, {"year", true}, {"xlsx", true},
    {"lang", true},    {"settle", true},  {NULL, false},
};



static const char *const global_opts[] = {"data", "help", "actor", "lang", NULL};

static const char *prog = "zhibu-node";

/* ---- helpers ---- */


static int fail(int rc, const char *what) {
  if (rc == ZB_EACCES || rc == ZB_ENOSPC)
    ;   /* the store said what and how to fix it */
  else if (rc == ZB_ENOTINIT)
    zb_log_error(zb_msg("node.no_node"), what);
  else
    zb_log_error("%s: %s", what, zb_cli_strerror(rc));
  return zb_exit_code(rc);
}


static void set_actor(zb_node *n, const zb_args *a) {
  const char *actor = zb_args_get(a, "actor");
  if (!actor) {
    struct passwd *pw = getpwuid(geteuid());
    actor = pw ? pw->pw_name : getenv("USER");
  }
  zb_node_set_actor(n, actor);
}

static int open_node(const zb_args *a, zb_node **n) {
  const char *dir = zb_cli_data_dir(a);
  if (!dir) {
    zb_log_error("%s", zb_msg("node.no_data"));
    return zb_exit_code(ZB_EUSAGE);
  }
  int rc = zb_node_open(dir, n);
  if (rc)
    return fail(rc, dir);
  set_actor(*n, a);
  return 0;
}

/* Input problems: "FILE:LINE: column: reason" or "--option: reason". */


/* ---- init ---- */

static int cmd_init(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  const char *dir = zb_cli_data_dir(a), *id = zb_args_get(a, "node-id"), *org = zb_args_get(a, "org");
  const char *bundle = zb_args_get(a, "enroll");
  if (!dir || (!bundle && (!id || !org))) {
    zb_log_error("%s", zb_msg("node.init_needs"));
    return zb_exit_code(ZB_EUSAGE);
  }
  char why[512] = "";
  const char *w = NULL;
  zb_import_result orgs;
  memset(&orgs, 0, sizeof orgs);
  int rc = bundle ? zb_node_init_enrolled(dir, bundle, id, org, zb_cli_problem, NULL, &orgs, why,
                                          sizeof why)
                  : zb_node_init(dir, id, org, &w);
  if (w)
    snprintf(why, sizeof why, "%s", w);
  if (rc == ZB_EEXIST) {
    zb_log_error(zb_msg("node.init_exists"), dir);
    return zb_exit_code(rc);
  }
  if (rc && why[0]) {
    zb_log_error("%s", why);
    return zb_exit_code(rc);
  }
  if (rc)
    return fail(rc, dir);
  zb_node *n;
  if (zb_node_open(dir, &n) == 0) {
    fprintf(stderr, zb_msg("node.created"), prog, zb_node_id(n), zb_node_org(n), dir,
            bundle ? zb_msg("node.enrolled") : "");
    if (orgs.rows)
      fprintf(stderr, zb_msg("node.bundle_orgs"), orgs.created + orgs.unchanged);
    fputc('\n', stderr);
    zb_node_close(n);
  }
  return 0;
}

/* ---- status, log, verify, digest ---- */

static int cmd_status(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  zb_node *n;
  int rc = open_node(a, &n);
  if (rc)
    return rc;
  zb_node_info info;
  rc = zb_node_info_get(n, &info);
  zb_node_close(n);
  if (rc)
    return fail(rc, "status");
  if (zb_args_has(a, "json")) {
    if ((rc = zb_status_json(&info, stdout)))
      return fail(rc, "status");
  } else {
    zb_status_print(&info, zb_hlc_wall_ms(), stdout);
  }
  return zb_cli_flush();
}


/* A kind as people name it: 党员 for member (its descriptor's label). */
static const char *kind_label(const char *kind) {
  const zb_kind_desc *kd = zb_kind_by_name(kind, strlen(kind));
  return kd && zb_lang_is_zh() ? kd->zh : kind;
}

/* A field of a kind as people name it: its label in Chinese. */
static const char *field_label(const char *kind, const char *field) {
  const zb_kind_desc *kd = zb_kind_by_name(kind, strlen(kind));
  int f = kd ? zb_kind_field(kd, field, strlen(field)) : -1;
  return f >= 0 && zb_lang_is_zh() ? kd->fields[f].zh : field;
}

static int log_op(void *ctx, const zb_op_view *op) {
  zb_rows *lo = ctx;
  char when[32], hash[65];
  if (lo->json)
    zb_hlc_format(op->hlc, when);
  else
    zb_cli_local_time(op->hlc, when);
  snprintf(hash, sizeof hash, "%s", op->hash);
  /* Field names only, never values (zb_view.h). */
  char fields[512] = "";
  size_t used = 0;
  json_t *jf = lo->json ? json_array() : NULL;
  if (op->tag) {
    used = (size_t)snprintf(fields, sizeof fields, "%s:%.64s", op->tag, op->step);
    if (jf)
      json_array_append_new(jf, json_string(fields));
    if (op->nfields)
      fields[used++] = ' ';
  }
  size_t start = used;
  for (size_t i = 0; i < op->nfields; i++) {
    const char *name = op->fields[i];
    if (jf)
      json_array_append_new(jf, json_string(name));
    int w = snprintf(fields + used, sizeof fields - used, "%s%s", used > start ? "," : "", name);
    if (w > 0 && (size_t)w < sizeof fields - used)
      used += (size_t)w;
  }
  if (lo->json) {
    json_t *j = json_pack("{s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:o, s:I, s:s}",
                          "seq", (json_int_t)op->seq, "origin", op->origin,
                          "hlc", (json_int_t)op->hlc, "time", when, "actor", op->actor,
                          "kind", op->kind, "key", op->key, "fields", jf,
                          "base_cursor", (json_int_t)op->base_cursor, "hash", hash);
    return zb_json_stream_add(&lo->js, j);
  }
  /* Keep the table readable: a new record sets a dozen fields. */
  if (used > 40) {
    char *cut = fields + 40;
    while (cut > fields && *cut != ',')
      cut--;
    snprintf(cut, sizeof fields - (size_t)(cut - fields), zb_msg("node.log_fields"), op->nfields);
  }
  char seq[24];
  snprintf(seq, sizeof seq, "%llu", (unsigned long long)op->seq);
  hash[12] = '\0';
  const char *cells[] = {seq, when, op->actor, kind_label(op->kind), op->key, fields, hash};
  return zb_table_add(lo->t, cells);
}

static int parse_u64(const char *s, uint64_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (!*s || *end || errno || s[0] == '-')
    return ZB_EINVAL;
  *out = v;
  return 0;
}

static int cmd_log(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  uint64_t since = 0;
  const char *s = zb_args_get(a, "since");
  if (s && parse_u64(s, &since)) {
    zb_log_error(zb_msg("node.bad_since"), s);
    return zb_exit_code(ZB_EUSAGE);
  }
  zb_node *n;
  int rc = open_node(a, &n);
  if (rc)
    return rc;
  static const char *const hdr[] = {"col.seq", "col.time", "col.actor", "col.kind",
                                    "col.key", "col.fields", "col.hash"};
  zb_rows lo;
  rc = zb_rows_begin(&lo, a, 7, hdr);
  if (!rc)
    rc = zb_node_log(n, since, log_op, &lo);
  zb_node_close(n);
  return zb_rows_end(&lo, rc, "log");
}

static int cmd_verify(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  zb_node *n;
  int rc = open_node(a, &n);
  if (rc)
    return rc;
  char why[512];
  zb_node_info info;
  rc = zb_node_info_get(n, &info);
  if (!rc)
    rc = zb_node_verify(n, why, sizeof why);
  zb_node_close(n);
  if (rc && rc != ZB_ECORRUPT)
    return fail(rc, "verify");
  return zb_cli_verify_out(a, rc, why, "ops", info.head_seq,
                           zb_msg("node.verify_ok"));
}

static int cmd_digest(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  zb_node *n;
  int rc = open_node(a, &n);
  if (rc)
    return rc;
  char hex[65], org[ZB_FIELD_MAX + 1];
  snprintf(org, sizeof org, "%s", zb_node_org(n));
  rc = zb_node_digest(n, hex);
  zb_node_close(n);
  if (rc)
    return fail(rc, "digest");
  return zb_cli_digest_out(a, org, hex);
}

/* ---- reports ---- */

/* A report of --org's subtree (default: this node's org), into org: run it
 * with the node open (and name, when asked, the org's name), saying the
 * node's errors one way.  0, or the exit status. */
typedef int (*report_fn)(zb_node *n, const char *org, void *ctx);
static int node_report(const zb_args *a, const char *what, report_fn run, void *ctx,
                       char org[ZB_FIELD_MAX + 1], char *name) {
  zb_node *n;
  int rc = open_node(a, &n);
  if (rc)
    return rc;
  snprintf(org, ZB_FIELD_MAX + 1, "%s",
           zb_args_get(a, "org") ? zb_args_get(a, "org") : zb_node_org(n));
  rc = run(n, org, ctx);
  if (rc == ZB_ESCOPE)
    zb_log_error(zb_msg("kind.outside_scope"), org, zb_node_org(n));
  if (rc == ZB_ENOTFOUND)
    zb_log_error(zb_msg("node.no_org"), what, org);
  if (!rc && name)
    zb_kindcli_org_name(n, org, name);
  zb_node_close(n);
  if (rc)
    return rc == ZB_ESCOPE || rc == ZB_ENOTFOUND ? zb_exit_code(rc) : fail(rc, what);
  return 0;
}

static int run_stats(zb_node *n, const char *org, void *ctx) {
  return zb_node_stats(n, org, ctx);
}

static int cmd_report_stats(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  zb_stats st;
  char org[ZB_FIELD_MAX + 1], name[ZB_FIELD_MAX + 1] = "";
  int rc = zb_cli_stats_init(a, &st);
  if (!rc)
    rc = node_report(a, "report stats", run_stats, &st, org, name);
  return rc ? rc : zb_cli_stats_out_named(a, &st, org, name[0] ? name : NULL);
}

static int run_pipeline(zb_node *n, const char *org, void *ctx) {
  return zb_node_funnel(n, org, ctx);
}

static int cmd_report_pipeline(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  zb_funnel f;
  char org[ZB_FIELD_MAX + 1];
  int rc = zb_cli_funnel_init(a, &f);
  if (rc)
    return rc;
  rc = node_report(a, "report pipeline", run_pipeline, &f, org, NULL);
  if (!rc)
    rc = zb_cli_funnel_out(a, &f, org);
  zb_funnel_free(&f);
  return rc;
}

struct life_run {
  int year;
  json_t *rep;
};

static int run_meetings(zb_node *n, const char *org, void *ctx) {
  struct life_run *lr = ctx;
  return zb_node_life(n, org, lr->year, zb_date_today(), &lr->rep);
}

static int cmd_report_meetings(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  struct life_run lr = {0, NULL};
  char org[ZB_FIELD_MAX + 1];
  int rc = zb_cli_life_year(a, &lr.year);
  if (!rc)
    rc = node_report(a, "report meetings", run_meetings, &lr, org, NULL);
  return rc ? rc : zb_cli_life_out(a, lr.rep);
}

struct dues_run {
  zb_dues_query q;
  zb_dues_report *r;
};

static int run_dues(zb_node *n, const char *org, void *ctx) {
  struct dues_run *dr = ctx;
  return zb_node_dues_report(n, org, &dr->q, &dr->r);
}

static int cmd_report_dues(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  struct dues_run dr = {.r = NULL};
  char org[ZB_FIELD_MAX + 1];
  int rc = zb_cli_dues_query(a, &dr.q);
  if (!rc)
    rc = node_report(a, "report dues", run_dues, &dr, org, NULL);
  if (rc)
    return rc;
  rc = zb_cli_dues_out(a, dr.r);
  zb_dues_report_free(dr.r);
  return rc;
}

/* At a node, a branch's sync freshness is this node's own last completed
 * sync, for every branch of its scope: it cannot know another node's
 * (docs/RECORDS.md, "Ranking"). */
struct rank_run {
  zb_rank_query q;
  long days;
  json_t *rep;
};

static long own_days(void *ctx, const char *branch) {
  (void)branch;
  return ((struct rank_run *)ctx)->days;
}

static int run_ranking(zb_node *n, const char *org, void *ctx) {
  struct rank_run *rr = ctx;
  zb_node_info info;
  int rc = zb_node_info_get(n, &info);
  if (rc)
    return rc;
  uint64_t now = zb_hlc_wall_ms();
  rr->days = !info.last_sync_ms ? -1
             : now > info.last_sync_ms ? (long)((now - info.last_sync_ms) / 86400000u)
                                       : 0;
  return zb_node_ranking(n, org, &rr->q, &rr->rep);
}

static int cmd_report_ranking(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  struct rank_run rr = {.q = {.today = zb_date_today(), .fresh = own_days,
                              .fresh_from = "node"}};
  rr.q.fresh_ctx = &rr;
  char org[ZB_FIELD_MAX + 1];
  int rc = zb_cli_life_year(a, &rr.q.year);
  if (!rc)
    rc = node_report(a, "report ranking", run_ranking, &rr, org, NULL);
  return rc ? rc : zb_cli_rank_out(a, rr.rep);
}

static int run_balance(zb_node *n, const char *org, void *ctx) {
  return zb_node_balance(n, org, ctx);
}

static int cmd_report_balance(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  zb_balance b;
  char org[ZB_FIELD_MAX + 1];
  int rc = zb_cli_balance_init(a, &b);
  if (rc)
    return rc;
  if ((rc = node_report(a, "report balance", run_balance, &b, org, NULL))) {
    zb_balance_free(&b);
    return rc;
  }
  return zb_cli_balance_out(a, &b, org);
}

/* ---- sync ---- */

static uint64_t seconds_opt(const zb_args *a, const char *name, uint64_t dflt, int *bad) {
  uint64_t v = dflt;
  const char *s = zb_args_get(a, name);
  if (s && (parse_u64(s, &v) || v == 0 || v > 86400 * 7)) {
    zb_log_error(zb_msg("node.bad_seconds"), name, s);
    *bad = 1;
  }
  return v;
}

static void sync_line(const zb_sync_report *r, int rc, const char *why) {
  char advice[640];
  if (zb_sync_clock_advice(r, advice, sizeof advice))
    zb_log_warn("%s", advice);
  if (r->restored)
    zb_log_info(zb_msg("sync.restored"), (unsigned long long)r->restored);
  if (rc == ZB_EREVOKED)
    zb_log_error("%s", zb_msg("sync.revoked"));
  if (rc == 0)
    zb_log_info(zb_msg("node.sync_ok"),
                (unsigned long long)r->pushed, (unsigned long long)r->pulled, r->conflicts,
                r->rejected, (unsigned long long)r->bytes_out, (unsigned long long)r->bytes_in,
                r->seconds, r->resumed ? zb_msg("node.sync_resumed") : "", why);
  else
    zb_log_error(zb_msg("node.sync_failed"), r->seconds,
                 (unsigned long long)r->pushed, (unsigned long long)r->pulled,
                 r->error[0] ? r->error : zb_cli_strerror(rc), why);
}

static int cmd_sync(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  int bad = 0;
  uint64_t timeout = seconds_opt(a, "timeout", 300, &bad);
  if (bad)
    return zb_exit_code(ZB_EUSAGE);
  zb_node *n;
  int rc = open_node(a, &n);
  if (rc)
    return rc;
  zb_sync_report rep;
  rc = zb_sync_once(n, zb_args_get(a, "server"), timeout * 1000, &rep);
  /* For status; a running daemon keeps its own plan. */
  zb_sync_outcome out = {.at_ms = zb_hlc_wall_ms(), .code = rc,
                         .reason = rep.error[0] ? rep.error : NULL, .keep_next = true};
  int rrc = zb_node_sync_record(n, &out);
  zb_node_close(n);
  sync_line(&rep, rc, "");
  if (rrc)
    zb_log_warn(zb_msg("node.sync_unrecorded"), zb_cli_strerror(rrc));
  if (zb_args_has(a, "json")) {
    json_t *j = json_pack("{s:b, s:b, s:I, s:I, s:I, s:i, s:i, s:I, s:I, s:i, s:I, s:I, s:f, s:s, s:o}",
                          "ok", rc == 0, "resumed", rep.resumed, "restored", (json_int_t)rep.restored,
                          "pushed", (json_int_t)rep.pushed, "pulled",
                          (json_int_t)rep.pulled, "conflicts", (int)rep.conflicts, "rejected",
                          (int)rep.rejected, "bytes_out", (json_int_t)rep.bytes_out, "bytes_in",
                          (json_int_t)rep.bytes_in, "batches", (int)rep.batches,
                          "batch_max_bytes", (json_int_t)rep.batch_max, "pull_batch_max_bytes",
                          (json_int_t)rep.pull_max, "seconds", rep.seconds,
                          "error", rep.error,
                          "clock_skew_ms",
                          rep.clock_known ? json_integer((json_int_t)rep.clock_skew_ms)
                                          : json_null());
    zb_json_print(j, stdout, 1);
    json_decref(j);
    zb_cli_flush();
  }
  return zb_sync_exit_code(rc);
}

/* ---- export-pending: what a replaced PC never sent ---- */

static int cmd_export_pending(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  zb_node *n;
  int rc = open_node(a, &n);
  if (rc)
    return rc;
  zb_pending_result res;
  rc = zb_pending_export(n, a->pos[1], stderr, &res);
  zb_node_close(n);
  if (rc == ZB_EEXIST) {
    zb_log_error("%s exists; not overwriting it", a->pos[1]);
    return zb_exit_code(rc);
  }
  if (rc)
    return fail(rc, a->pos[1]);
  zb_log_info("%s: %zu unsent changes; %zu members written (每行是该党员在本机的当前记录), "
              "%zu changes not in the file. Review it, then on the new PC: zhibu-node member "
              "import %s",
              a->pos[1], res.ops, res.members, res.left_out, a->pos[1]);
  return 0;
}

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

/* One line per session: what it did, why it ran, when the next one is. */
static void daemon_session(void *ctx, const zb_daemon_event *ev) {
  (void)ctx;
  static const char *const why[] = {
      [ZB_DAEMON_START] = "node.why_start",
      [ZB_DAEMON_INTERVAL] = "node.why_interval",
      [ZB_DAEMON_CHANGES] = "node.why_changes",
  };
  char tail[160];
  if (ev->rc == ZB_ENOTINIT || ev->rc == ZB_EINVAL || ev->rc == ZB_EREVOKED)
    snprintf(tail, sizeof tail, zb_msg("node.no_retry"), zb_msg(why[ev->why]));
  else
    snprintf(tail, sizeof tail, zb_msg("node.next_in"), zb_msg(why[ev->why]),
             (unsigned long long)(ev->next_in_ms / 1000));
  sync_line(ev->rep, ev->rc, tail);
}

static int cmd_daemon(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  int bad = 0;
  uint64_t interval = seconds_opt(a, "interval", ZB_DAEMON_INTERVAL_S, &bad);
  uint64_t timeout = seconds_opt(a, "timeout", 300, &bad);
  uint64_t settle = seconds_opt(a, "settle", ZB_DAEMON_SETTLE_S, &bad);
  if (bad)
    return zb_exit_code(ZB_EUSAGE);
  zb_node *n;
  int rc = open_node(a, &n);
  if (rc)
    return rc;
  struct sigaction sa = {.sa_handler = on_stop_signal};
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  zb_log_info(zb_msg("node.daemon_start"), zb_node_id(n),
              (unsigned long long)interval, (unsigned long long)settle);
  zb_daemon_opts o = {.server = zb_args_get(a, "server"), .interval_ms = interval * 1000,
                      .timeout_ms = timeout * 1000, .settle_ms = settle * 1000};
  rc = zb_daemon_run(n, &o, daemon_session, NULL, &stop_requested);
  zb_node_close(n);
  zb_log_info("%s", zb_msg("node.daemon_stopped"));
  return rc ? zb_sync_exit_code(rc) : 0;
}

/* ---- bundle: a sync carried on a USB stick ---- */

static int cmd_bundle(const zb_args *a, bool export) {
  zb_node *n;
  int rc = open_node(a, &n);
  if (rc)
    return rc;
  zb_offline_report r;
  const char *path = a->pos[2];
  rc = export ? zb_offline_node_export(n, path, &r) : zb_offline_node_import(n, path, &r);
  zb_node_close(n);
  return zb_cli_parcel_out(a, prog, export ? ZB_PARCEL_NODE_EXPORT : ZB_PARCEL_NODE_IMPORT, path,
                           rc, &r);
}

static int cmd_bundle_export(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  return cmd_bundle(a, true);
}

static int cmd_bundle_import(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  return cmd_bundle(a, false);
}

/* ---- conflicts, rejected ---- */

static int rejected_out(void *ctx, const zb_rejected_view *r) {
  zb_rows *ro = ctx;
  char when[32], seq[24];
  if (ro->json)
    zb_hlc_format(r->hlc, when);
  else
    zb_cli_local_time(r->hlc, when);
  /* The reason as the server sent it, coded or plain (docs/PROTOCOL.md,
   * "Reasons"), in words now: English for --json, with its key. */
  char words[ZB_WHY_TEXT_MAX], code[ZB_REASON_KEY_MAX + 1];
  if (ro->json) {
    zb_why_code(r->reason, code);
    json_t *row = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "seq", (json_int_t)r->seq,
                            "time", when, "actor", r->actor, "kind", r->kind, "key", r->key,
                            "field", r->field, "reason",
                            zb_why_text_en(r->reason, words, sizeof words), "reason_code",
                            code);
    if (row && r->caused_by)
      json_object_set_new(row, "caused_by", json_integer((json_int_t)r->caused_by));
    return zb_json_stream_add(&ro->js, row);
  }
  snprintf(seq, sizeof seq, "%llu", (unsigned long long)r->seq);
  const char *cells[] = {seq, when, kind_label(r->kind), r->key, field_label(r->kind, r->field),
                         zb_why_text(r->reason, words, sizeof words)};
  return zb_table_add(ro->t, cells);
}

static int list_rows(const zb_args *a, bool conflicts) {
  static const char *const rh[] = {"col.seq", "col.time", "col.kind", "col.record", "col.field",
                                   "col.reason"};
  zb_node *n;
  int rc = open_node(a, &n);
  if (rc)
    return rc;
  zb_rows ro;
  rc = conflicts ? zb_rows_begin_conflicts(&ro, a) : zb_rows_begin(&ro, a, 6, rh);
  if (!rc)
    rc = conflicts ? zb_node_conflicts(n, zb_cli_conflict_row, &ro)
                   : zb_node_rejected(n, rejected_out, &ro);
  zb_node_close(n);
  return zb_rows_end(&ro, rc, conflicts ? "conflicts" : "rejected");
}

static int cmd_conflicts(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  return list_rows(a, true);
}

static int cmd_rejected(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  return list_rows(a, false);
}

/* ---- member find ---- */

static int cmd_member_find(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  zb_find_run f;
  int rc = zb_cli_find_init(a->pos[2], &f);
  if (rc)
    return rc;
  zb_node *n;
  if ((rc = open_node(a, &n)))
    return rc;
  const char *org = zb_args_get(a, "org");
  rc = zb_node_members_of(n, org, zb_cli_find_member, &f);
  if (rc == ZB_ESCOPE)
    zb_log_error(zb_msg("kind.outside_scope"), org, zb_node_org(n));
  if (rc == ZB_ENOTFOUND)
    zb_log_error(zb_msg("node.no_org"), "member find", org);
  zb_node_close(n);
  if (rc) {
    zb_cli_find_free(&f);
    return rc == ZB_ESCOPE || rc == ZB_ENOTFOUND ? zb_exit_code(rc) : fail(rc, "member find");
  }
  return zb_cli_find_out(a, &f);
}

/* ---- dispatch ---- */

static const char *const o_none[] = {NULL};
static const char *const o_json[] = {"json", NULL};
static const char *const o_find[] = {"json", "org", NULL};
/* Commands of a kind written here, placed among the kind's own. */
static const struct zb_cmd member_cmds[] = {
    {"member find", 2, 1, "TEXT", cmd_member_find, o_find, "node.member find",
     "node.member find.help"},
};
static const char *const o_init[] = {"node-id", "org", "enroll", NULL};
static const char *const o_sync[] = {"json", "server", "timeout", NULL};
static const char *const o_daemon[] = {"server", "timeout", "interval", "settle", NULL};
static const char *const o_log[] = {"json", "since", NULL};
static const char *const o_stats[] = {"json", "csv", "xlsx", "lang", "org", "as-of", "from", "to", NULL};
static const char *const o_balance[] = {"json", "csv", "org", "year", NULL};
static const char *const o_pipeline[] = {"json", "org", "year", NULL};
static const char *const o_ranking[] = {"json", "csv", "org", "year", NULL};
static const char *const o_report_dues[] = {"json", "csv", "org", "month", "year", "as-of", NULL};

static const struct zb_cmd cmds[] = {
    {"init", 1, 0, "", cmd_init, o_init, "node.init", "node.init.help"},
    {"status", 1, 0, "", cmd_status, o_json, "node.status", "node.status.help"},
    {"log", 1, 0, "", cmd_log, o_log, "node.log", ""},
    {"verify", 1, 0, "", cmd_verify, o_json, "node.verify", "node.verify.help"},
    {"digest", 1, 0, "", cmd_digest, o_json, "node.digest", ""},
    {"export-pending", 1, 1, "FILE", cmd_export_pending, o_none, "node.export-pending",
     "node.export-pending.help"},
    {"sync", 1, 0, "", cmd_sync, o_sync, "node.sync", "node.sync.help"},
    {"daemon", 1, 0, "", cmd_daemon, o_daemon, "node.daemon", "node.daemon.help"},
    {"bundle export", 2, 1, "FILE", cmd_bundle_export, o_json, "node.bundle export", "node.bundle export.help"},
    {"bundle import", 2, 1, "FILE", cmd_bundle_import, o_json, "node.bundle import", "node.bundle import.help"},
    {"conflicts", 1, 0, "", cmd_conflicts, o_json, "node.conflicts", "node.conflicts.help"},
    {"rejected", 1, 0, "", cmd_rejected, o_json, "node.rejected", "node.rejected.help"},
    {"report pipeline", 2, 0, "", cmd_report_pipeline, o_pipeline, "node.report pipeline", "node.report pipeline.help"},
    {"report meetings", 2, 0, "", cmd_report_meetings, o_pipeline, "node.report meetings", "node.report meetings.help"},
    {"report stats", 2, 0, "", cmd_report_stats, o_stats, "node.report stats", "node.report stats.help"},
    {"report balance", 2, 0, "", cmd_report_balance, o_balance, "node.report balance", "node.report balance.help"},
    {"report ranking", 2, 0, "", cmd_report_ranking, o_ranking, "node.report ranking",
     "node.report ranking.help"},
    {"report dues", 2, 0, "", cmd_report_dues, o_report_dues, "node.report dues", "node.report dues.help"},
};
#define NCMDS (sizeof cmds / sizeof *cmds)

/* init, then the record commands of every kind, then the rest. */
static struct zb_cmd all_cmds[NCMDS + ZB_KINDCLI_MAX_CMDS];

int main(int argc, char **argv) {
  static struct zb_cli cli = {
      .prog = "zhibu-node",
      .about = "node.about",
      .options = options,
      .global_opts = global_opts,
      .global_help = "node.global",
      .cmds = all_cmds,
  };
  zb_log_init(prog);
  zb_lang_init(argc, argv);
  size_t n = 0;
  all_cmds[n++] = cmds[0];
  /* The kinds' own commands: dues pay …, eval set … */
  static struct zb_cmd own[16];
  const struct zb_cmd *part;
  size_t nown = 0, np = zb_duescli_node_cmds(&part, open_node);
  for (size_t i = 0; i < np && nown < 16; i++)
    own[nown++] = part[i];
  np = zb_evalcli_node_cmds(&part, open_node);
  for (size_t i = 0; i < np && nown < 16; i++)
    own[nown++] = part[i];
  np = zb_pointscli_node_cmds(&part, open_node);
  for (size_t i = 0; i < np && nown < 16; i++)
    own[nown++] = part[i];
  for (size_t i = 0; i < sizeof member_cmds / sizeof *member_cmds && nown < 16; i++)
    own[nown++] = member_cmds[i];
  zb_duescli_options(options, ZB_KINDCLI_MAX_OPTS);
  n += zb_kindcli_build(all_cmds + n, options, open_node, own, nown);
  for (size_t i = 1; i < NCMDS; i++) {
    all_cmds[n] = cmds[i];
    if (all_cmds[n].fn == cmd_report_dues) {   /* its help names the rules */
      static char help[2048];
      snprintf(help, sizeof help, zb_msg(cmds[i].help), zb_msg("dues.report.help"));
      all_cmds[n].help = help;
    }
    if (all_cmds[n].fn == cmd_report_ranking) {
      static char help[2048];
      snprintf(help, sizeof help, zb_msg(cmds[i].help), zb_msg("rank.help"));
      all_cmds[n].help = help;
    }
    n++;
  }
  cli.ncmds = n;
  return zb_cli_main(&cli, argc, argv);
}
