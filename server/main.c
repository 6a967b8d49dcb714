/*
 * zhibu-server — the central server's command line (README.md, "The command line"): the
 * deployment's CA and enrollment, the sync endpoint, and the merged
 * picture every committee level reads.  Thin: parse, call libzhibu, print.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "zb_args.h"
#include "zb_balance.h"
#include "zb_ca.h"
#include "zb_cli.h"
#include "zb_duescli.h"
#include "zb_err.h"
#include "zb_funnel.h"
#include "zb_http.h"
#include "zb_fresh.h"
#include "zb_pointscli.h"
#include "zb_hlc.h"
#include "zb_hub.h"
#include "zb_findcli.h"
#include "zb_log.h"
#include "zb_msg.h"
#include "zb_offline.h"
#include "zb_pki.h"
#include "zb_record.h"
#include "zb_render.h"
#include "zb_sha.h"
#include "zb_sync.h"
#include "zb_syncd.h"
#include "zb_table.h"
#include "zb_token.h"

static const char *prog = "zhibu-server";

static const struct zb_opt options[] = {
    {"data", true},   {"json", false},   {"csv", false},      {"help", false},
    {"name", true},   {"node-id", true}, {"org", true},       {"server", true},
    {"out", true},    {"days", true},    {"listen", true},    {"port-file", true},
    {"as-of", true},  {"from", true},    {"to", true},        {"idle-timeout", true},
    {"year", true},   {"http", true},    {"http-port-file", true}, {"expires", true},
    {"max-rejected-per-day", true},      {"node", true},      {"since", true},
    {"version", false}, {"month", true},  {"xlsx", true},   {"lang", true},
    {"ticket-lifetime", true}, {"replace", false},
    {NULL, false},
};

static const char *const global_opts[] = {"data", "help", "lang", NULL};

/* An optional whole-number option in [lo, hi]; false (with the error
 * printed) when it is given and is not one. */
static bool int_opt(const zb_args *a, const char *name, long lo, long hi, long *out) {
  const char *v = zb_args_get(a, name);
  if (!v)
    return true;
  char *end;
  errno = 0;
  long n = strtol(v, &end, 10);
  if (errno || end == v || *end || n < lo || n > hi) {
    zb_log_error(zb_msg("server.bad_number"), name, v, lo, hi);
    return false;
  }
  *out = n;
  return true;
}

static int fail(int rc, const char *what) {
  if (rc == ZB_EACCES || rc == ZB_ENOSPC)
    ;   /* the store said what and how to fix it */
  else if (rc == ZB_ENOTINIT)
    zb_log_error(zb_msg("server.no_server"), what);
  else
    zb_log_error("%s: %s", what, zb_cli_strerror(rc));
  return zb_exit_code(rc);
}

static const char *need_dir(const zb_args *a) {
  const char *d = zb_cli_data_dir(a);
  if (!d)
    zb_log_error("%s", zb_msg("node.no_data"));
  return d;
}

static void pki_dir(const char *dir, char *out, size_t cap) { snprintf(out, cap, "%s/pki", dir); }

static int open_hub(const zb_args *a, zb_hub **h) {
  const char *dir = need_dir(a);
  if (!dir)
    return zb_exit_code(ZB_EUSAGE);
  int rc = zb_hub_open(dir, h);
  return rc ? fail(rc, dir) : 0;
}

/* ---- init, org import, enroll, revoke ---- */

static int cmd_init(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  const char *dir = need_dir(a);
  if (!dir)
    return zb_exit_code(ZB_EUSAGE);
  const char *names[ZB_ARGS_MAX];
  size_t n = 0;
  for (size_t i = 0; i < a->nopt; i++)
    if (strcmp(a->opt[i]->name, "name") == 0)
      names[n++] = a->val[i];
  if (n == 0) {
    names[n++] = "localhost";
    names[n++] = "127.0.0.1";
  }
  if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
    zb_log_error(zb_msg("server.cannot_create"), dir, strerror(errno));
    return zb_exit_code(ZB_EIO);
  }
  int rc = zb_hub_init(dir);
  if (rc == ZB_EEXIST) {
    zb_log_error(zb_msg("server.init_exists"), dir);
    return zb_exit_code(rc);
  }
  if (rc)
    return fail(rc, dir);
  char pki[4200];
  pki_dir(dir, pki, sizeof pki);
  if (mkdir(pki, 0700) != 0 && errno != EEXIST) {
    zb_log_error(zb_msg("server.cannot_create"), pki, strerror(errno));
    return zb_exit_code(ZB_EIO);
  }
  if ((rc = zb_ca_create(pki, "Zhibu deployment CA")) ||
      (rc = zb_ca_server_cert(pki, names, n)))
    return fail(rc, pki);
  fprintf(stderr, zb_msg("server.created"), prog, dir, pki);
  for (size_t i = 0; i < n; i++)
    fprintf(stderr, " %s", names[i]);
  fputc('\n', stderr);
  return 0;
}

static int cmd_org_import(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  zb_hub *h;
  int rc = open_hub(a, &h);
  if (rc)
    return rc;
  zb_import_result res;
  rc = zb_hub_org_import(h, a->pos[2], zb_cli_problem, NULL, &res);
  zb_hub_close(h);
  return zb_cli_import_out(prog, a->pos[2], rc, &res, false);
}

static int cmd_enroll(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  const char *dir = need_dir(a), *id = zb_args_get(a, "node-id"), *org = zb_args_get(a, "org"),
             *server = zb_args_get(a, "server"), *out = zb_args_get(a, "out");
  if (!dir)
    return zb_exit_code(ZB_EUSAGE);
  if (!id || !org || !server || !out) {
    zb_log_error("%s", zb_msg("server.enroll_needs"));
    return zb_exit_code(ZB_EUSAGE);
  }
  long days = ZB_CA_NODE_DAYS_DEFAULT;
  if (!int_opt(a, "days", 1, ZB_CA_NODE_DAYS_MAX, &days))
    return zb_exit_code(ZB_EUSAGE);
  if (!zb_org_code_valid(org)) {
    zb_log_error(zb_msg("server.bad_org_eg"), org);
    return zb_exit_code(ZB_EINVAL);
  }
  if (!zb_pki_node_id_valid(id)) {
    zb_log_error("%s", zb_msg("server.bad_node_id"));
    return zb_exit_code(ZB_EINVAL);
  }
  if (!zb_pki_server_addr_valid(server)) {
    zb_log_error(zb_msg("server.bad_server"), server);
    return zb_exit_code(ZB_EINVAL);
  }
  bool replace = zb_args_has(a, "replace");
  char pki[4200];
  pki_dir(dir, pki, sizeof pki);
  /* One PC per node: a second enrollment of an id is a replacement, which
   * revokes the first PC and restores the node on the new one
   * (docs/PROTOCOL.md, "Restoring a replaced PC"). */
  int known = zb_ca_enrolled(pki, id);
  if (known && known != ZB_ENOTFOUND)
    return fail(known, "enroll");
  if (!known && !replace) {
    zb_log_error("--node-id: node %s is enrolled already (节点已登记). To replace its PC, "
                 "add --replace: the old PC is revoked and the new one restores the node "
                 "from this server", id);
    return zb_exit_code(ZB_EEXIST);
  }
  if (known == ZB_ENOTFOUND && replace) {
    zb_log_error("--replace: node %s was never enrolled here; enroll it without --replace", id);
    return zb_exit_code(ZB_ENOTFOUND);
  }
  zb_hub *h;
  int rc = open_hub(a, &h);
  if (rc)
    return rc;
  /* The org must be one this server holds; its directory goes into the
   * bundle, so that the node can import its roster before it syncs. */
  char *orgs = NULL;
  size_t olen = 0;
  rc = zb_hub_org_csv(h, org, &orgs, &olen);
  zb_hub_close(h);
  if (rc == ZB_ENOTFOUND) {
    zb_log_error(zb_msg("server.enroll_no_org"), org);
    return zb_exit_code(rc);
  }
  if (rc)
    return fail(rc, "enroll");
  /* The node will check that the server's certificate names the host it
   * dials: a --server it does not name would fail every sync. */
  char names[1024];
  rc = zb_ca_server_names(pki, server, names, sizeof names);
  if (rc == ZB_EINVAL) {
    zb_log_error(zb_msg("server.enroll_bad_host"), server,
                 names[0] ? names : zb_msg("server.nothing"));
    free(orgs);
    return zb_exit_code(rc);
  }
  if (!rc)
    /* A replacement restores the node's log, org imports included: it
     * gets no org directory of its own to import. */
    rc = zb_ca_enroll_orgs(pki, id, org, server, out, (int)days, replace ? NULL : orgs,
                           replace ? 0 : olen, replace);
  free(orgs);
  if (!rc && replace)
    rc = zb_ca_revoke_older(pki, id);
  if (rc == ZB_EEXIST) {
    zb_log_error(zb_msg("server.exists"), out);
    return zb_exit_code(rc);
  }
  if (rc)
    return fail(rc, "enroll");
  if (replace)
    fprintf(stderr, zb_msg("server.enrolled_replace"), prog, id, org, out, out);
  else
    fprintf(stderr, zb_msg("server.enrolled"), prog, id, org, out);
  return 0;
}

static int cmd_revoke(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  const char *dir = need_dir(a), *id = zb_args_get(a, "node-id");
  if (!dir)
    return zb_exit_code(ZB_EUSAGE);
  if (!id) {
    zb_log_error("%s", zb_msg("server.revoke_needs"));
    return zb_exit_code(ZB_EUSAGE);
  }
  char pki[4200];
  pki_dir(dir, pki, sizeof pki);
  int rc = zb_ca_revoke(pki, id);
  if (rc == ZB_ENOTFOUND) {
    zb_log_error(zb_msg("server.never_enrolled"), id);
    return zb_exit_code(rc);
  }
  if (rc)
    return fail(rc, "revoke");
  fprintf(stderr, zb_msg("server.revoked"), prog, id);
  return 0;
}

/* ---- run ---- */

static int cmd_run(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  const char *dir = need_dir(a);
  if (!dir)
    return zb_exit_code(ZB_EUSAGE);
  zb_hub *h;
  int rc = open_hub(a, &h);
  if (rc)
    return rc;
  long idle = 60, keep = ZB_HUB_REJECTED_PER_DAY, ticket = ZB_SYNCD_TICKET_S;
  if (!int_opt(a, "idle-timeout", 1, 86400, &idle) ||
      !int_opt(a, "max-rejected-per-day", 0, 1000000000, &keep) ||
      !int_opt(a, "ticket-lifetime", 0, 86400, &ticket)) {
    zb_hub_close(h);
    return zb_exit_code(ZB_EUSAGE);
  }
  zb_hub_set_rejected_per_day(h, (uint32_t)keep);
  char pki[4200];
  pki_dir(dir, pki, sizeof pki);
  static zb_syncd_counters counters;   /* read by the dashboard's thread */
  zb_syncd_opts o = {
      .pki_dir = pki,
      .listen = zb_args_get(a, "listen") ? zb_args_get(a, "listen") : "0.0.0.0:7420",
      .port_file = zb_args_get(a, "port-file"),
      .idle_ms = (uint64_t)idle * 1000,
      .ticket_s = (unsigned)ticket,
      .no_tickets = ticket == 0,
      .counters = &counters,
  };
  /* The dashboard beside the sync service (zb_http.h). */
  zb_http *web = NULL;
  if (zb_args_get(a, "http") &&
      (rc = zb_http_start(h, zb_args_get(a, "http"), pki, zb_args_get(a, "http-port-file"),
                          &counters, &web))) {
    zb_hub_close(h);
    return zb_exit_code(rc == ZB_EUSAGE || rc == ZB_EBUSY ? rc : ZB_EIO);
  }
  rc = zb_syncd_run(h, &o);
  zb_http_stop(web);
  zb_hub_close(h);
  if (rc == ZB_EUSAGE || rc == ZB_EBUSY || rc == ZB_EACCES)
    return zb_exit_code(rc);   /* said already, with the fix */
  return rc ? fail(rc, "run") : 0;
}

/* ---- bundle: sync sessions carried on a USB stick ---- */

static int cmd_bundle_import(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  const char *dir = need_dir(a), *node = zb_args_get(a, "node");
  if (!dir)
    return zb_exit_code(ZB_EUSAGE);
  long keep = ZB_HUB_REJECTED_PER_DAY;
  if (!int_opt(a, "max-rejected-per-day", 0, 1000000000, &keep))
    return zb_exit_code(ZB_EUSAGE);
  zb_hub *h;
  int rc = open_hub(a, &h);
  if (rc)
    return rc;
  zb_hub_set_rejected_per_day(h, (uint32_t)keep);
  char pki[4200];
  pki_dir(dir, pki, sizeof pki);
  zb_offline_report r;
  rc = zb_offline_server_import(h, pki, a->pos[2], node, &r);
  zb_hub_close(h);
  return zb_cli_parcel_out(a, prog, ZB_PARCEL_SERVER_IMPORT, a->pos[2], rc, &r);
}

static int cmd_bundle_export(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  const char *dir = need_dir(a), *node = zb_args_get(a, "node"), *s = zb_args_get(a, "since");
  if (!dir)
    return zb_exit_code(ZB_EUSAGE);
  if (!node) {
    zb_log_error("%s", zb_msg("server.export_needs"));
    return zb_exit_code(ZB_EUSAGE);
  }
  if (!zb_pki_node_id_valid(node)) {
    zb_log_error("%s", zb_msg("server.bad_node"));
    return zb_exit_code(ZB_EUSAGE);
  }
  uint64_t since = 0;
  if (s) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || errno || s[0] == '-') {
      zb_log_error(zb_msg("server.bad_since"), s);
      return zb_exit_code(ZB_EUSAGE);
    }
    since = v;
  }
  zb_hub *h;
  int rc = open_hub(a, &h);
  if (rc)
    return rc;
  char pki[4200];
  pki_dir(dir, pki, sizeof pki);
  zb_offline_report r;
  rc = zb_offline_server_export(h, pki, node, s ? &since : NULL, a->pos[2], &r);
  zb_hub_close(h);
  return zb_cli_parcel_out(a, prog, ZB_PARCEL_SERVER_EXPORT, a->pos[2], rc, &r);
}

/* ---- reads ---- */

struct forks_out {
  json_t *arr;
};

static int fork_out(void *ctx, const zb_fork *f) {
  struct forks_out *fo = ctx;
  char held[65], offered[65], when[32];
  zb_hex(f->held, 32, held);
  zb_hex(f->offered, 32, offered);
  zb_hlc_format(f->at_ms << 16, when);
  if (fo->arr)
    return json_array_append_new(fo->arr, json_pack("{s:s, s:I, s:s, s:s, s:s}", "node", f->node,
                                                    "seq", (json_int_t)f->seq, "held_hash",
                                                    held, "offered_hash", offered, "at", when))
               ? ZB_ENOMEM
               : 0;
  printf(zb_msg("server.fork"), f->node,
         (unsigned long long)f->seq, when, held, offered);
  return 0;
}

static int cmd_status(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  zb_hub *h;
  int rc = open_hub(a, &h);
  if (rc)
    return rc;
  zb_hub_info info;
  rc = zb_hub_info_get(h, &info);
  if (rc) {
    zb_hub_close(h);
    return fail(rc, "status");
  }
  struct forks_out fo = {NULL};
  if (zb_args_has(a, "json")) {
    fo.arr = json_array();
    rc = zb_hub_forks(h, fork_out, &fo);
    json_t *j = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "server_seq",
                          (json_int_t)info.head, "nodes", (json_int_t)info.origins, "members",
                          (json_int_t)info.members, "orgs", (json_int_t)info.orgs, "conflicts",
                          (json_int_t)info.conflicts, "rejected", (json_int_t)info.rejected,
                          "rejected_summarized", (json_int_t)info.summarized, "forks", fo.arr);
    if (!rc)
      zb_json_print(j, stdout, 0);
    json_decref(j);
  } else {
    printf(zb_msg("server.status_lines"),
           (unsigned long long)info.head, info.origins, info.members, info.orgs, info.conflicts,
           (unsigned long long)info.rejected, (unsigned long long)info.summarized, info.forks,
           info.forks ? zb_msg("server.forked") : "");
    rc = zb_hub_forks(h, fork_out, &fo);
  }
  zb_hub_close(h);
  if (rc)
    return fail(rc, "status");
  return zb_cli_flush();
}

static const char *need_org(const zb_args *a) {
  const char *org = zb_args_get(a, "org");
  if (!org)
    zb_log_error("%s", zb_msg("server.org_required"));
  else if (!zb_org_code_valid(org)) {
    zb_log_error(zb_msg("server.bad_org"), org);
    return NULL;
  }
  return org;
}

static int cmd_digest(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  const char *org = need_org(a);
  if (!org)
    return zb_exit_code(ZB_EUSAGE);
  zb_hub *h;
  int rc = open_hub(a, &h);
  if (rc)
    return rc;
  char hex[65];
  rc = zb_hub_digest(h, org, hex);
  zb_hub_close(h);
  if (rc)
    return fail(rc, "digest");
  return zb_cli_digest_out(a, org, hex);
}

static int cmd_verify(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  zb_hub *h;
  int rc = open_hub(a, &h);
  if (rc)
    return rc;
  char why[512];
  zb_hub_info info;
  rc = zb_hub_info_get(h, &info);
  if (!rc)
    rc = zb_hub_verify(h, why, sizeof why);
  zb_hub_close(h);
  if (rc && rc != ZB_ECORRUPT)
    return fail(rc, "verify");
  return zb_cli_verify_out(a, rc, why, "server_seq", info.head,
                           "entries, server log and every node's chain intact, state equals a "
                           "rebuild");
}

/* ---- reports of an org's subtree ---- */

/* A report of --org's subtree (required): run it with the server's store
 * open, saying a missing org one way.  0, or the exit status. */
typedef int (*report_fn)(zb_hub *h, const char *org, void *ctx);
static int hub_report(const zb_args *a, const char *what, report_fn run, void *ctx,
                      const char **org) {
  *org = need_org(a);
  if (!*org)
    return zb_exit_code(ZB_EUSAGE);
  zb_hub *h;
  int rc = open_hub(a, &h);
  if (rc)
    return rc;
  rc = run(h, *org, ctx);
  zb_hub_close(h);
  if (rc == ZB_ENOTFOUND) {
    zb_log_error(zb_msg("server.no_org"), what, *org);
    return zb_exit_code(rc);
  }
  return rc ? fail(rc, what) : 0;
}

static int run_stats(zb_hub *h, const char *org, void *ctx) {
  return zb_hub_stats(h, org, ctx);
}

static int cmd_report_stats(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  zb_stats st;
  const char *org;
  int rc = zb_cli_stats_init(a, &st);
  if (!rc)
    rc = hub_report(a, "report stats", run_stats, &st, &org);
  return rc ? rc : zb_cli_stats_out(a, &st, org);
}

static int run_pipeline(zb_hub *h, const char *org, void *ctx) {
  return zb_hub_funnel(h, org, ctx);
}

static int cmd_report_pipeline(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  zb_funnel f;
  const char *org;
  int rc = zb_cli_funnel_init(a, &f);
  if (rc)
    return rc;
  rc = hub_report(a, "report pipeline", run_pipeline, &f, &org);
  if (!rc)
    rc = zb_cli_funnel_out(a, &f, org);
  zb_funnel_free(&f);
  return rc;
}

struct life_run {
  int year;
  json_t *rep;
};

static int run_meetings(zb_hub *h, const char *org, void *ctx) {
  struct life_run *lr = ctx;
  return zb_hub_life(h, org, lr->year, zb_date_today(), &lr->rep);
}

static int cmd_report_meetings(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  struct life_run lr = {0, NULL};
  const char *org;
  int rc = zb_cli_life_year(a, &lr.year);
  if (!rc)
    rc = hub_report(a, "report meetings", run_meetings, &lr, &org);
  return rc ? rc : zb_cli_life_out(a, lr.rep);
}

/* Sync freshness at the server: the days since the last successful
 * contact of the node that keeps each branch (zb_fresh_days_of). */
static long fresh_days(void *ctx, const char *branch) {
  return zb_fresh_days_of(ctx, branch);
}

struct rank_run {
  const char *pki;
  zb_rank_query q;
  json_t *rep;
};

static int run_ranking(zb_hub *h, const char *org, void *ctx) {
  struct rank_run *rr = ctx;
  zb_fresh f;
  int rc = zb_fresh_build(h, rr->pki, org, zb_hlc_wall_ms(), ZB_FRESH_DAYS_DEFAULT, &f);
  if (!rc) {
    rr->q.fresh = fresh_days;
    rr->q.fresh_ctx = &f;
    rc = zb_hub_ranking(h, org, &rr->q, &rr->rep);
  }
  zb_fresh_free(&f);
  return rc;
}

static int cmd_report_ranking(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  const char *dir = need_dir(a), *org;
  if (!dir)
    return zb_exit_code(ZB_EUSAGE);
  char pki[4200];
  pki_dir(dir, pki, sizeof pki);
  struct rank_run rr = {.pki = pki, .q = {.today = zb_date_today(), .fresh_from = "server"}};
  int rc = zb_cli_life_year(a, &rr.q.year);
  if (!rc)
    rc = hub_report(a, "report ranking", run_ranking, &rr, &org);
  return rc ? rc : zb_cli_rank_out(a, rr.rep);
}

static int cmd_points_scheme(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  zb_hub *h;
  int rc = open_hub(a, &h);   /* loads the data directory's scheme */
  if (rc)
    return rc;
  zb_hub_close(h);
  return zb_cli_points_show(a);
}

static int cmd_points_install(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  zb_hub *h;
  int rc = open_hub(a, &h);   /* a server is there */
  if (rc)
    return rc;
  zb_hub_close(h);
  rc = zb_cli_points_install(need_dir(a), a->pos[2]);
  if (!rc)
    zb_log_info("a running zhibu-server run uses it from its next start");
  return rc;
}

struct dues_run {
  zb_dues_query q;
  zb_dues_report *r;
};

static int run_dues(zb_hub *h, const char *org, void *ctx) {
  struct dues_run *dr = ctx;
  return zb_hub_dues_report(h, org, &dr->q, &dr->r);
}

static int cmd_report_dues(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  struct dues_run dr = {.r = NULL};
  const char *org;
  int rc = zb_cli_dues_query(a, &dr.q);
  if (!rc)
    rc = hub_report(a, "report dues", run_dues, &dr, &org);
  if (rc)
    return rc;
  rc = zb_cli_dues_out(a, dr.r);
  zb_dues_report_free(dr.r);
  return rc;
}

static int run_balance(zb_hub *h, const char *org, void *ctx) {
  return zb_hub_balance(h, org, ctx);
}

static int cmd_report_balance(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  zb_balance b;
  const char *org;
  int rc = zb_cli_balance_init(a, &b);
  if (rc)
    return rc;
  if ((rc = hub_report(a, "report balance", run_balance, &b, &org))) {
    zb_balance_free(&b);
    return rc;
  }
  return zb_cli_balance_out(a, &b, org);
}

/* ---- member find ---- */

static int run_find(zb_hub *h, const char *org, void *ctx) {
  return zb_hub_members_of(h, org, zb_cli_find_member, ctx);
}

static int cmd_member_find(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  zb_find_run f;
  const char *org;
  int rc = zb_cli_find_init(a->pos[2], &f);
  if (!rc && (rc = hub_report(a, "member find", run_find, &f, &org)))
    zb_cli_find_free(&f);
  return rc ? rc : zb_cli_find_out(a, &f);
}

/* ---- dashboard tokens ---- */

static int cmd_token_issue(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  const char *org = need_org(a);
  if (!org)
    return zb_exit_code(ZB_EUSAGE);
  long days = 0;
  if (!int_opt(a, "expires", 0, 3650, &days))
    return zb_exit_code(ZB_EUSAGE);
  zb_hub *h;
  int rc = open_hub(a, &h);
  if (rc)
    return rc;
  char tok[ZB_TOKEN_LEN + 1];
  zb_token info;
  rc = zb_token_issue(h, org, (unsigned)days, tok, &info);
  zb_hub_close(h);
  if (rc == ZB_ENOTFOUND) {
    zb_log_error(zb_msg("server.no_org"), "token issue", org);
    return zb_exit_code(rc);
  }
  if (rc)
    return fail(rc, "token issue");
  printf("%s\n", tok);
  zb_log_info(zb_msg("server.token_issued"), info.id, org, days ? "" : zb_msg("server.no_expiry"));
  return zb_cli_flush();
}

static int token_row(void *ctx, const zb_token *t) {
  zb_rows *r = ctx;
  char is[32], ex[32];
  time_t ti = (time_t)t->issued, te = (time_t)t->expires;
  struct tm tm;
  strftime(is, sizeof is, "%Y-%m-%d", gmtime_r(&ti, &tm));
  if (t->expires)
    strftime(ex, sizeof ex, "%Y-%m-%d", gmtime_r(&te, &tm));
  else
    snprintf(ex, sizeof ex, "%s", "-");
  if (r->json)
    return zb_json_stream_add(&r->js, json_pack("{s:s, s:s, s:s, s:s, s:b}", "id", t->id, "org",
                                               t->org, "issued", is, "expires",
                                               t->expires ? ex : "", "revoked", t->revoked));
  return zb_table_add(r->t, (const char *const[]){t->id, t->org, is, ex,
                                                  t->revoked ? "revoked" : ""});
}

static int cmd_token_list(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  zb_hub *h;
  int rc = open_hub(a, &h);
  if (rc)
    return rc;
  zb_rows r;
  static const char *const hdr[] = {"col.token", "col.org", "col.issued", "col.expires",
                                    "col.state"};
  rc = zb_rows_begin(&r, a, 5, hdr);
  if (!rc)
    rc = zb_token_list(h, token_row, &r);
  zb_hub_close(h);
  return zb_rows_end(&r, rc, "token list");
}

static int cmd_token_revoke(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  zb_hub *h;
  int rc = open_hub(a, &h);
  if (rc)
    return rc;
  rc = zb_token_revoke(h, a->pos[2]);
  zb_hub_close(h);
  if (rc == ZB_ENOTFOUND || rc == ZB_EINVAL) {
    zb_log_error(zb_msg(rc == ZB_ENOTFOUND ? "server.no_token" : "server.token_ambiguous"),
                 a->pos[2]);
    return zb_exit_code(rc);
  }
  if (rc)
    return fail(rc, "token revoke");
  zb_log_info(zb_msg("server.token_revoked"), a->pos[2]);
  return 0;
}

static int cmd_report_freshness(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  const char *dir = need_dir(a), *org = zb_args_get(a, "org");
  if (!dir)
    return zb_exit_code(ZB_EUSAGE);
  if (org && !zb_org_code_valid(org)) {
    zb_log_error(zb_msg("server.bad_org"), org);
    return zb_exit_code(ZB_EUSAGE);
  }
  long days = ZB_FRESH_DAYS_DEFAULT;
  if (!int_opt(a, "days", 0, 36500, &days))
    return zb_exit_code(ZB_EUSAGE);
  zb_hub *h;
  int rc = open_hub(a, &h);
  if (rc)
    return rc;
  char pki[4200];
  pki_dir(dir, pki, sizeof pki);
  zb_fresh f;
  /* The server's clock, never a node's. */
  rc = zb_fresh_build(h, pki, org, zb_hlc_wall_ms(), (int)days, &f);
  zb_hub_close(h);
  if (rc) {
    zb_fresh_free(&f);
    if (rc == ZB_ENOTFOUND) {
      zb_log_error(zb_msg("server.no_org"), "report freshness", org);
      return zb_exit_code(rc);
    }
    return fail(rc, "report freshness");
  }
  if (zb_args_has(a, "json")) {
    json_t *j = zb_fresh_to_json(&f);
    rc = j ? zb_json_print(j, stdout, 0) : ZB_ENOMEM;
    json_decref(j);
  } else if (zb_args_has(a, "csv")) {
    bool zh = true;
    rc = zb_cli_lang_zh(a, &zh);
    if (!rc)
      rc = zb_fresh_write_csv(&f, stdout, zh);
  } else {
    zb_fresh_print(&f, stdout);
  }
  zb_fresh_free(&f);
  if (rc)
    return fail(rc, "report freshness");
  return zb_cli_flush();
}

static int cmd_conflicts(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  const char *org = zb_args_get(a, "org");
  if (org && !zb_org_code_valid(org)) {
    zb_log_error(zb_msg("server.bad_org"), org);
    return zb_exit_code(ZB_EUSAGE);
  }
  zb_hub *h;
  int rc = open_hub(a, &h);
  if (rc)
    return rc;
  zb_rows ro;
  rc = zb_rows_begin_conflicts(&ro, a);
  if (!rc)
    rc = zb_hub_conflicts(h, org, zb_cli_conflict_row, &ro);
  zb_hub_close(h);
  return zb_rows_end(&ro, rc, "conflicts");
}

/* ---- dispatch ---- */

static const char *const o_none[] = {NULL};
static const char *const o_json[] = {"json", NULL};
static const char *const o_init[] = {"name", NULL};
static const char *const o_enroll[] = {"node-id", "org", "server", "out", "days", "replace", NULL};
static const char *const o_revoke[] = {"node-id", NULL};
static const char *const o_run[] = {"listen", "port-file", "idle-timeout", "max-rejected-per-day",
                                    "http", "http-port-file", "ticket-lifetime", NULL};
static const char *const o_digest[] = {"json", "org", NULL};
static const char *const o_balance[] = {"json", "csv", "org", "year", NULL};
static const char *const o_fresh[] = {"json", "csv", "org", "days", NULL};
static const char *const o_stats[] = {"json", "csv", "xlsx", "lang", "org", "as-of", "from", "to", NULL};
static const char *const o_pipeline[] = {"json", "org", "year", NULL};
static const char *const o_ranking[] = {"json", "csv", "org", "year", NULL};
static const char *const o_find[] = {"json", "org", NULL};
static const char *const o_token_issue[] = {"org", "expires", NULL};
static const char *const o_report_dues[] = {"json", "csv", "org", "month", "year", "as-of", NULL};

static const char *const o_bundle_import[] = {"json", "node", "max-rejected-per-day", NULL};
static const char *const o_bundle_export[] = {"json", "node", "since", NULL};

static const struct zb_cmd cmds[] = {
    {"init", 1, 0, "", cmd_init, o_init, "server.init", "server.init.help"},
    {"org import", 2, 1, "FILE.csv", cmd_org_import, o_none, "server.org import", "server.org import.help"},
    {"enroll", 1, 0, "", cmd_enroll, o_enroll, "server.enroll", "server.enroll.help"},
    {"revoke", 1, 0, "", cmd_revoke, o_revoke, "server.revoke", ""},
    {"run", 1, 0, "", cmd_run, o_run, "server.run", "server.run.help"},
    {"bundle import", 2, 1, "FILE", cmd_bundle_import, o_bundle_import, "server.bundle import", "server.bundle import.help"},
    {"bundle export", 2, 1, "FILE", cmd_bundle_export, o_bundle_export, "server.bundle export", "server.bundle export.help"},
    {"status", 1, 0, "", cmd_status, o_json, "server.status", "server.status.help"},
    {"digest", 1, 0, "", cmd_digest, o_digest, "server.digest", "server.digest.help"},
    {"verify", 1, 0, "", cmd_verify, o_json, "server.verify", ""},
    {"conflicts", 1, 0, "", cmd_conflicts, o_digest, "server.conflicts", "server.conflicts.help"},
    {"report pipeline", 2, 0, "", cmd_report_pipeline, o_pipeline, "server.report pipeline", "server.report pipeline.help"},
    {"report meetings", 2, 0, "", cmd_report_meetings, o_pipeline, "server.report meetings", "server.report meetings.help"},
    {"token issue", 2, 0, "", cmd_token_issue, o_token_issue, "server.token issue", "server.token issue.help"},
    {"token list", 2, 0, "", cmd_token_list, o_json, "server.token list", ""},
    {"token revoke", 2, 1, "ID", cmd_token_revoke, o_none, "server.token revoke", "server.token revoke.help"},
    {"member find", 2, 1, "TEXT", cmd_member_find, o_find, "server.member find",
     "server.member find.help"},
    {"report stats", 2, 0, "", cmd_report_stats, o_stats, "server.report stats", "server.report stats.help"},
    {"report balance", 2, 0, "", cmd_report_balance, o_balance, "server.report balance", "server.report balance.help"},
    {"report freshness", 2, 0, "", cmd_report_freshness, o_fresh, "server.report freshness", "server.report freshness.help"},
    {"report dues", 2, 0, "", cmd_report_dues, o_report_dues, "server.report dues", "server.report dues.help"},
    {"report ranking", 2, 0, "", cmd_report_ranking, o_ranking, "server.report ranking", NULL},
    {"points scheme", 2, 0, "", cmd_points_scheme, o_json, "server.points scheme",
     "server.points scheme.help"},
    {"points install", 2, 1, "FILE", cmd_points_install, o_none, "server.points install",
     "server.points install.help"},
};

int main(int argc, char **argv) {
  static struct zb_cli cli = {
      .prog = "zhibu-server",
      .about = "server.about",
      .options = options,
      .global_opts = global_opts,
      .global_help = "server.global",
      .cmds = cmds,
      .ncmds = sizeof cmds / sizeof *cmds,
  };
  zb_log_init(prog);
  zb_lang_init(argc, argv);
  static struct zb_cmd all[sizeof cmds / sizeof *cmds];
  static char help[2048], rank_help[2048];
  for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
    all[i] = cmds[i];
    if (cmds[i].fn == cmd_report_ranking) {
      snprintf(rank_help, sizeof rank_help, zb_msg("server.report ranking.help"),
               zb_msg("rank.help"));
      all[i].help = rank_help;
    }
    if (cmds[i].fn == cmd_report_dues) {   /* its help names the rules */
      snprintf(help, sizeof help, zb_msg(cmds[i].help), zb_msg("dues.report.help"));
      all[i].help = help;
    }
  }
  cli.cmds = all;
  return zb_cli_main(&cli, argc, argv);
}
