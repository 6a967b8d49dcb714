/*
 * zb_http.c — the dashboard (zb_http.h).
 */
#define _GNU_SOURCE   /* open_memstream */
#include "zb_msg.h"
#include "zb_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdatomic.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "zb_dues.h"
#include "zb_err.h"
#include "zb_fresh.h"
#include "zb_funnel.h"
#include "zb_hlc.h"
#include "zb_life.h"
#include "zb_log.h"
#include "zb_record.h"
#include "zb_state.h"
#include "zb_stats.h"
#include "zb_sync.h"
#include "zb_syncd.h"
#include "zb_token.h"

/* Pages kept (page_cached): a county's page costs a scan of its members. */
#define ZB_HTTP_PAGES 8

struct page_entry {
  char org[ZB_FIELD_MAX + 1], scope[ZB_FIELD_MAX + 1], token[128];   /* "": empty */
  zb_date today;
  uint64_t head;
  bool busy;              /* being built: wait on cv */
  char *html;             /* the page up to its freshness chart */
  size_t len;
  uint64_t used;          /* tick of its last use */
};

struct zb_http {
  zb_hub *hub;
  const zb_syncd_counters *ctr;   /* NULL: the sync service keeps none */
  struct MHD_Daemon *d;
  char *key, *cert;
  char pki[4096];
  /* The connections' threads share the page cache under mu. */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  struct page_entry pages[ZB_HTTP_PAGES];
  uint64_t tick;
};

/* ---- responses ---- */

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
                             const char *body, size_t len) {
  struct MHD_Response *r =
      MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
  if (!r)
    return MHD_NO;
  MHD_add_response_header(r, "Content-Type", type);
  MHD_add_response_header(r, "Cache-Control", "no-store");
  MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(r, "Content-Security-Policy", "default-src 'self'; style-src 'unsafe-inline'");
  if (status == MHD_HTTP_UNAUTHORIZED)
    MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"zhibu\"");
  enum MHD_Result ret = MHD_queue_response(c, status, r);
  MHD_destroy_response(r);
  return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *msg) {
  return reply(c, status, "text/plain; charset=utf-8", msg, strlen(msg));
}

static enum MHD_Result reply_json(struct MHD_Connection *c, json_t *j) {
  if (!j)
    return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
  char *s = json_dumps(j, JSON_INDENT(2));
  json_decref(j);
  if (!s)
    return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
  enum MHD_Result r = reply(c, MHD_HTTP_OK, "application/json; charset=utf-8", s, strlen(s));
  free(s);
  return r;
}

/* A storage error or a missing org, as the CLI says them. */
static enum MHD_Result reply_error(struct MHD_Connection *c, int rc, const char *org) {
  char msg[400];
  if (rc == ZB_ENOTFOUND) {
    snprintf(msg, sizeof msg, "no org %s\n", org);
    return reply_text(c, MHD_HTTP_NOT_FOUND, msg);
  }
  snprintf(msg, sizeof msg, "%s\n", zb_strerror(rc));
  return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, msg);
}

/* ---- HTML ---- */

static void esc(FILE *f, const char *s) {
  for (; *s; s++)
    switch (*s) {
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '&': fputs("&amp;", f); break;
    case '"': fputs("&quot;", f); break;
    case '\'': fputs("&#39;", f); break;
    default: fputc(*s, f);
    }
}

/* A horizontal bar chart, drawn here (nothing is fetched). */
static void bars(FILE *f, const char *title, const char *const *labels, const long *v, int n) {
  long max = 1;
  for (int i = 0; i < n; i++)
    if (v[i] > max)
      max = v[i];
  fprintf(f, "<figure><figcaption>");
  esc(f, title);
  fprintf(f, "</figcaption><svg role=\"img\" width=\"420\" height=\"%d\">", 22 * n + 4);
  for (int i = 0; i < n; i++) {
    int w = (int)(260.0 * (double)v[i] / (double)max);
    fprintf(f, "<text x=\"0\" y=\"%d\" font-size=\"12\">", 22 * i + 15);
    esc(f, labels[i]);
    fprintf(f, "</text><rect x=\"110\" y=\"%d\" width=\"%d\" height=\"16\" fill=\"#c0392b\"/>"
               "<text x=\"%d\" y=\"%d\" font-size=\"12\" class=\"n\">%ld</text>",
            22 * i + 3, w, 114 + w, 22 * i + 15, v[i]);
  }
  fprintf(f, "</svg></figure>\n");
}

/* Bars of a share (num/den) per row, each number a link (href[i], may be
 * NULL) with id prefix-i; the whole a percentage bar in 0..100 %. */
static void share_bars(FILE *f, const char *title, const char *prefix, char (*labels)[ZB_FIELD_MAX + 1],
                       const long *num, const long *den, char (*href)[400], int n) {
  fprintf(f, "<figure><figcaption>");
  esc(f, title);
  fprintf(f, "</figcaption><svg role=\"img\" width=\"520\" height=\"%d\">", 22 * n + 4);
  for (int i = 0; i < n; i++) {
    double share = den[i] ? (double)num[i] / (double)den[i] : 0.0;
    int w = (int)(240.0 * share);
    const char *fill = share >= 0.9 ? "#27ae60" : share >= 0.6 ? "#e67e22" : "#c0392b";
    fprintf(f, "<text x=\"0\" y=\"%d\" font-size=\"12\">", 22 * i + 15);
    esc(f, labels[i]);
    fprintf(f, "</text><rect x=\"150\" y=\"%d\" width=\"240\" height=\"16\" fill=\"#eee\"/>"
               "<rect x=\"150\" y=\"%d\" width=\"%d\" height=\"16\" fill=\"%s\"/>",
            22 * i + 3, 22 * i + 3, w, fill);
    if (href[i][0])
      fprintf(f, "<a href=\"%s\">", href[i]);
    fprintf(f, "<text x=\"396\" y=\"%d\" font-size=\"12\" id=\"%s-%d\" data-num=\"%ld\" "
               "data-den=\"%ld\">%ld/%ld",
            22 * i + 15, prefix, i, num[i], den[i], num[i], den[i]);
    if (den[i])
      fprintf(f, " (%.1f%%)", 100.0 * share);
    fprintf(f, "</text>%s", href[i][0] ? "</a>" : "");
  }
  fprintf(f, "</svg></figure>\n");
}

/* The name of org code (itself when it is not in the tree). */
static void org_name(zb_txn *t, const char *code, zb_rec *o, char out[ZB_FIELD_MAX + 1]) {
  if (t && o && zb_rec_load(t, &zb_kind_org, code, o) == 0)
    snprintf(out, ZB_FIELD_MAX + 1, "%s", o->v[ZB_OF_NAME]);
  else
    snprintf(out, ZB_FIELD_MAX + 1, "%s", code);
}

/* What the page counts of org's members, in the one read of them that
 * its dues report makes (zb_dues_report_tap): the statistics, and each
 * child org's members (the child is the member's org code cut after the
 * segment below org's). */
struct page_scan {
  zb_stats *st;
  size_t rlen;
  struct child_count {
    char code[ZB_FIELD_MAX + 1];
    size_t len, n;
  } *child;
  size_t n;
};

static int page_tap(void *ctx, const char *org, const char *id, const zb_stats_facts *f) {
  struct page_scan *ps = ctx;
  (void)id;
  zb_stats_add_facts(ps->st, f);
  if (org[ps->rlen] != '-')
    return 0;   /* a member of org itself */
  /* Members come in org code order: a child's are one run. */
  if (ps->n) {
    struct child_count *c = &ps->child[ps->n - 1];
    if (strncmp(org, c->code, c->len) == 0 && (org[c->len] == '\0' || org[c->len] == '-')) {
      c->n++;
      return 0;
    }
  }
  const char *end = strchr(org + ps->rlen + 1, '-');
  size_t len = end ? (size_t)(end - org) : strlen(org);
  struct child_count *x = realloc(ps->child, (ps->n + 1) * sizeof *x);
  if (!x)
    return ZB_ENOMEM;
  ps->child = x;
  x = &ps->child[ps->n++];
  memcpy(x->code, org, len);
  x->code[len] = '\0';
  x->len = len;
  x->n = 1;
  return 0;
}

/* The second part's counts after the first's (its children follow). */
static int page_merge(struct page_scan *a, const struct page_scan *b) {
  zb_stats_merge(a->st, b->st);
  if (!b->n)
    return 0;
  struct child_count *x = realloc(a->child, (a->n + b->n) * sizeof *x);
  if (!x)
    return ZB_ENOMEM;
  memcpy(x + a->n, b->child, b->n * sizeof *x);
  a->child = x;
  a->n += b->n;
  return 0;
}

/* 党费收缴 this year to date (= report dues --year Y --json) from r: the
 * totals, each a link to its list, and the collection per org. */
static int chart_dues(FILE *f, zb_txn *t, zb_rec *o, const zb_dues_report *r, const char *org,
                      const char *token, zb_date today) {
  int rc = 0;
  fprintf(f, "<h2>党费收缴（%d年1月至%d月）</h2>\n<p>应交 <a id=\"dues-due\" href=\"/api/report/dues?"
             "org=%s&amp;year=%d&amp;token=%s\">%ld</a> 人月 · 已交 <a id=\"dues-paid\" href=\"/api/"
             "report/dues?org=%s&amp;year=%d&amp;token=%s\">%ld</a> 人月 · 欠交 <a id=\"dues-arrears\" "
             "href=\"/org/%s/arrears?token=%s\">%zu</a> 人</p>\n",
          today.y, today.m, org, today.y, token, r->total.months_due, org, today.y, token,
          r->total.months_paid, org, token, r->narrears);
  int n = r->norgs > 64 ? 64 : (int)r->norgs;
  char(*labels)[ZB_FIELD_MAX + 1] = calloc((size_t)n + 1, sizeof *labels);
  char(*href)[400] = calloc((size_t)n + 1, sizeof *href);
  long *num = calloc((size_t)n + 1, sizeof *num), *den = calloc((size_t)n + 1, sizeof *den);
  if (!labels || !href || !num || !den)
    rc = ZB_ENOMEM;
  for (int i = 0; !rc && i < n; i++) {
    org_name(t, r->orgs[i].org, o, labels[i]);
    snprintf(href[i], sizeof href[i], "/org/%s/arrears?token=%s", r->orgs[i].org, token);
    num[i] = r->orgs[i].s.months_paid;
    den[i] = r->orgs[i].s.months_due;
  }
  if (!rc && n)
    share_bars(f, "收缴率（已交/应交 人月）", "dues", labels, num, den, href, n);
  free(labels), free(href), free(num), free(den);
  return rc;
}

/* 三会一课 this year (= report meetings --year Y --json): per branch, the
 * periods that had their meeting of the periods begun (every type). */
static int chart_meetings(FILE *f, zb_txn *t, const char *org, const char *token, zb_date today) {
  json_t *j = NULL;
  int rc = zb_life_report(t, org, today.y, today, &j);
  if (rc)
    return rc;
  json_t *br = json_object_get(j, "branches");
  int n = (int)json_array_size(br);
  if (n > 64)
    n = 64;
  char(*labels)[ZB_FIELD_MAX + 1] = calloc((size_t)n + 1, sizeof *labels);
  char(*href)[400] = calloc((size_t)n + 1, sizeof *href);
  long *num = calloc((size_t)n + 1, sizeof *num), *den = calloc((size_t)n + 1, sizeof *den);
  long met = 0, required = 0;
  if (!labels || !href || !num || !den)
    rc = ZB_ENOMEM;
  for (int i = 0; !rc && i < n; i++) {
    json_t *b = json_array_get(br, (size_t)i);
    const char *code = json_string_value(json_object_get(b, "org_code"));
    const char *name = json_string_value(json_object_get(b, "name"));
    snprintf(labels[i], sizeof labels[i], "%s", name ? name : code ? code : "");
    if (code && zb_org_code_valid(code))
      snprintf(href[i], sizeof href[i], "/api/report/meetings?org=%s&amp;year=%d&amp;token=%s", code,
               today.y, token);
    const char *k;
    json_t *ty;
    json_object_foreach(json_object_get(b, "types"), k, ty) {
      long req = (long)json_integer_value(json_object_get(ty, "required"));
      den[i] += req;
      num[i] += req - (long)json_array_size(json_object_get(ty, "missing"));
    }
    met += num[i];
    required += den[i];
  }
  if (!rc) {
    fprintf(f, "<h2>三会一课（%d年）</h2>\n<p>应开 <a id=\"meetings-required\" href=\"/api/report/"
               "meetings?org=%s&amp;year=%d&amp;token=%s\">%ld</a> 期 · 已开 <span id=\"meetings-met\">"
               "%ld</span> 期</p>\n",
            today.y, org, today.y, token, required, met);
    if (n)
      share_bars(f, "按期召开（已开/应开 期）", "meetings", labels, num, den, href, n);
  }
  free(labels), free(href), free(num), free(den);
  json_decref(j);
  return rc;
}

struct fresh_map {
  FILE *f;
  const zb_fresh *fr;
  const char *token;
  int x, y, n;
};

/* The node that serves branch code: its own, or the node above that
 * covers it; NULL: none at all.  Of several, the one heard from most
 * recently; one that never synced only when none of them did (it is then
 * "never", not fresh: its days count from its enrollment, docs/PROTOCOL.md
 * "What the server remembers of each node"). */
static const zb_fresh_node *branch_node(const zb_fresh *fr, const char *code) {
  const zb_fresh_node *best = NULL;
  const char *cover = code;
  for (size_t i = 0; i < fr->norgs; i++)
    if (strcmp(fr->orgs[i].code, code) == 0)
      cover = fr->orgs[i].covered_org[0] ? fr->orgs[i].covered_org : NULL;
  for (size_t i = 0; cover && i < fr->nnodes; i++) {
    const zb_fresh_node *n = &fr->nodes[i];
    if (n->revoked || strcmp(n->org, cover) != 0)
      continue;
    if (!best) {
      best = n;
      continue;
    }
    bool synced = n->ok_ms != 0, best_synced = best->ok_ms != 0;
    if (synced != best_synced) {
      if (synced)
        best = n;
      continue;
    }
    if (n->days_silent >= 0 && (best->days_silent < 0 || n->days_silent < best->days_silent))
      best = n;
  }
  return best;
}

#define COLOUR_NEVER "#8e44ad"

/* A node's colour: grey none, purple never synced, else by days silent
 * (green ≤ 7, orange ≤ limit, red longer or unknown). */
static const char *node_colour(const zb_fresh_node *n, int limit) {
  if (!n)
    return "#bbbbbb";
  if (n->revoked)
    return "#bbbbbb";
  if (!n->ok_ms)
    return COLOUR_NEVER;
  int64_t d = n->days_silent;
  return d < 0 || d > limit ? "#c0392b" : d > 7 ? "#e67e22" : "#27ae60";
}

static int fresh_cell(void *ctx, const zb_rec *o) {
  struct fresh_map *m = ctx;
  if (zb_vocab_index(zb_org_types, o->v[ZB_OF_TYPE]) != 2 || m->n >= 400)   /* branches */
    return 0;
  const zb_fresh_node *nd = branch_node(m->fr, o->v[ZB_OF_CODE]);
  int64_t d = nd ? nd->days_silent : -2;
  const char *state = !nd ? "none" : !nd->ok_ms ? "never" : "synced";
  int x = 130 * (m->n % 6), y = 44 * (m->n / 6);
  m->n++;
  fprintf(m->f, "<a href=\"/org/%s?token=%s\"><g data-org=\"%s\" data-days=\"%lld\" "
                "data-state=\"%s\"><rect x=\"%d\" y=\"%d\" width=\"124\" height=\"38\" "
                "rx=\"4\" fill=\"%s\"/><text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#fff\">",
          o->v[ZB_OF_CODE], m->token, o->v[ZB_OF_CODE], (long long)d, state, x, y,
          node_colour(nd, m->fr->days), x + 4, y + 15);
  esc(m->f, o->v[ZB_OF_NAME]);
  fprintf(m->f, "</text><text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#fff\">", x + 4, y + 31);
  if (!nd)
    fputs("无节点", m->f);
  else if (!nd->ok_ms)
    fputs("从未同步", m->f);
  else if (d < 0)
    fputs("未知", m->f);
  else
    fprintf(m->f, "%lld 天未同步", (long long)d);
  fputs("</text></g></a>", m->f);
  return 0;
}

/* 数据新鲜度 (= report freshness --json for org; frp is the report of
 * every node, built before the page's read transaction: one at a time per
 * thread): a map of the branches coloured by days silent, then the nodes
 * of org's subtree with their numbers. */
static int chart_fresh(FILE *f, zb_txn *t, const zb_fresh *frp, const char *org, const char *token) {
  const zb_fresh fr = *frp;
  int rc = 0;
  size_t nodes = 0, flagged = 0, bare = 0;
  for (size_t i = 0; i < fr.nnodes; i++)
    if (fr.nodes[i].org[0] && zb_org_in_subtree(fr.nodes[i].org, org)) {
      nodes++;
      flagged += fr.nodes[i].flagged;
    }
  for (size_t i = 0; i < fr.norgs; i++)
    bare += zb_org_in_subtree(fr.orgs[i].code, org);
  fprintf(f, "<h2>数据新鲜度</h2>\n<p>节点 %zu 个 · 超过 %d 天未同步 <a id=\"fresh-flagged\" "
             "href=\"/api/report/freshness?org=%s&amp;token=%s\">%zu</a> 个 · 没有节点的支部 "
             "<span id=\"fresh-orgs\">%zu</span> 个</p>\n<figure><figcaption>各支部多少天未同步"
             "（绿 ≤ 7 天，橙 ≤ %d 天，红 更久，紫 从未同步，灰 无节点）</figcaption>",
          nodes, fr.days, org, token, flagged, bare, fr.days);
  char *cells = NULL;
  size_t clen = 0;
  FILE *cf = open_memstream(&cells, &clen);
  struct fresh_map m = {cf, &fr, token, 0, 0, 0};
  if (!cf)
    rc = ZB_ENOMEM;
  if (!rc)
    rc = zb_recs_in_subtree(t, &zb_kind_org, org, false, fresh_cell, &m);
  if (cf)
    fclose(cf);
  if (!rc)
    fprintf(f, "<svg role=\"img\" width=\"780\" height=\"%d\">%s</svg></figure>\n",
            44 * ((m.n + 5) / 6) + 4, cells ? cells : "");
  free(cells);
  fprintf(f, "<table id=\"fresh-nodes\"><tr><th>节点</th><th>组织</th><th>状态</th>"
             "<th class=\"n\">未同步天数</th><th class=\"n\">未上传操作</th></tr>\n");
  static const char *const states[][2] = {{"ok", "正常"}, {"failing", "最近失败"},
                                           {"silent", "长期未同步"}, {"never", "从未同步"},
                                           {"revoked", "已吊销"}};
  for (size_t i = 0; !rc && i < fr.nnodes; i++) {
    const zb_fresh_node *n = &fr.nodes[i];
    if (!n->org[0] || !zb_org_in_subtree(n->org, org))
      continue;
    const char *st = n->state;
    for (size_t k = 0; k < sizeof states / sizeof states[0]; k++)
      if (strcmp(states[k][0], n->state) == 0)
        st = states[k][1];
    fprintf(f, "<tr data-node=\"");
    esc(f, n->node_id);
    fprintf(f, "\" style=\"background:%s33\"><td><a href=\"/api/report/freshness?org=%s&amp;"
               "token=%s\">",
            node_colour(n, fr.days), org, token);
    esc(f, n->node_id);
    fprintf(f, "</a></td><td>");
    esc(f, n->org_name[0] ? n->org_name : n->org);
    fprintf(f, "</td><td>%s</td><td class=\"n days\">", st);
    if (n->days_silent >= 0)
      fprintf(f, "%lld", (long long)n->days_silent);
    fprintf(f, "</td><td class=\"n unpushed\">");
    if (n->unpushed >= 0)
      fprintf(f, "%lld", (long long)n->unpushed);
    fprintf(f, "</td></tr>\n");
  }
  fprintf(f, "</table>\n");
  return rc;
}

struct child_ctx {
  const struct page_scan *ps;
  FILE *f;
  const char *parent, *token;
};

static int child_row(void *ctx, const zb_rec *o) {
  struct child_ctx *cc = ctx;
  char up[ZB_FIELD_MAX + 1];
  zb_org_parent(o->v[ZB_OF_CODE], up);
  if (strcmp(up, cc->parent) != 0)
    return 0;
  size_t n = 0;
  for (size_t i = 0; i < cc->ps->n; i++)
    if (strcmp(cc->ps->child[i].code, o->v[ZB_OF_CODE]) == 0)
      n = cc->ps->child[i].n;
  fprintf(cc->f, "<tr><td><a href=\"/org/%s?token=%s\">", o->v[ZB_OF_CODE], cc->token);
  esc(cc->f, o->v[ZB_OF_NAME]);
  fprintf(cc->f, "</a></td><td>%s</td><td class=\"n\"><a href=\"/org/%s/members?token=%s\">%zu"
                 "</a></td></tr>\n",
          o->v[ZB_OF_CODE], o->v[ZB_OF_CODE], cc->token, n);
  return 0;
}

/* The page of org up to its freshness chart (the part the cache keeps):
 * 0 and a new *html (caller frees), or an error. */
static int page_top(zb_http *s, const char *org, const char *token, const char *scope,
                    zb_date today, char **html, size_t *len) {
  zb_stats st;
  zb_stats_init(&st, today);
  *html = NULL;
  zb_funnel fn;
  zb_funnel_init(&fn, &zb_kind_applicant, today, 0);
  int rc = zb_hub_funnel(s->hub, org, &fn);   /* no such org: not found */
  FILE *f = rc ? NULL : open_memstream(html, len);
  if (!f) {
    zb_funnel_free(&fn);
    return rc ? rc : ZB_ENOMEM;
  }
  /* One read of the members for the statistics, the children's counts and
   * the dues (the same numbers as report stats and report dues); a county's
   * in two parts at once, each counted apart and added in code order. */
  zb_txn *t = NULL;
  zb_rec *o = malloc(sizeof *o);
  zb_stats st1;
  zb_stats_init(&st1, today);
  struct page_scan ps = {&st, strlen(org), NULL, 0}, ps1 = {&st1, strlen(org), NULL, 0};
  void *const parts[ZB_DUES_PARTS] = {&ps, &ps1};
  zb_dues_query q = {today.y * 12, today.y * 12 + 11, today, .totals_only = true};
  zb_dues_report *dr = NULL;
  rc = o ? zb_store_read(zb_hub_store(s->hub), &t) : ZB_ENOMEM;
  if (!rc)
    rc = zb_rec_load(t, &zb_kind_org, org, o);
  if (!rc)
    rc = zb_dues_report_tap(t, org, &q, page_tap, parts, &dr);
  if (!rc)
    rc = page_merge(&ps, &ps1);
  char d[11];
  zb_date_format(today, d);
  fprintf(f, "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>");
  esc(f, o && !rc ? o->v[ZB_OF_NAME] : org);
  fprintf(f, " · 支部</title><style>body{font-family:sans-serif;margin:2em}"
             "td,th{padding:2px 10px;text-align:left}.n{text-align:right}"
             "figure{display:inline-block;margin:1em}</style></head><body>\n<h1>");
  esc(f, o && !rc ? o->v[ZB_OF_NAME] : org);
  char up[ZB_FIELD_MAX + 1];
  zb_org_parent(org, up);
  fprintf(f, "</h1><p>组织代码 %s · 截至 %s", org, d);
  if (up[0] && zb_org_in_subtree(up, scope))
    fprintf(f, " · <a href=\"/org/%s?token=%s\">上级组织</a>", up, token);
  fprintf(f, "</p>\n<p>党员总数 <a id=\"total\" href=\"/org/%s/members?token=%s\">%ld</a> · "
             "正式党员 <span id=\"full\">%ld</span> · 预备党员 <span id=\"probationary\">%ld"
             "</span> · 男 %ld · 女 %ld · 少数民族 %ld</p>\n",
          org, token, st.total, st.category[0], st.category[1], st.gender[0], st.gender[1],
          st.minority);
  bars(f, "年龄", zb_stats_age_bands, st.age, 8);
  static const char *const cat[] = {"正式党员", "预备党员"};
  bars(f, "人员类别", cat, st.category, 2);
  static const char *const periods[] = {"1949-10前", "1949-10至1978-12", "1978-12至2012-11",
                                        "2012-11后"};
  bars(f, "入党时间", periods, st.join_period, 4);
  int ne = 0;
  while (zb_educations[ne] && ne < ZB_STATS_MAX_VOCAB)
    ne++;
  bars(f, "学历", zb_educations, st.education, ne);
  const zb_field_desc *sfd = &zb_kind_applicant.fields[zb_kind_applicant.state_field];
  long funnel[8] = {0};
  int ns = 0;
  while (sfd->vocab[ns] && ns < 8) {
    funnel[ns] = (long)fn.counts[ns];
    ns++;
  }
  bars(f, "发展党员", sfd->vocab, funnel, ns);
  fprintf(f, "<h2>下级组织</h2><table><tr><th>组织</th><th>代码</th><th class=\"n\">党员</th></tr>\n");
  struct child_ctx cc = {&ps, f, org, token};
  if (!rc)
    rc = zb_recs_in_subtree(t, &zb_kind_org, org, false, child_row, &cc);
  fprintf(f, "</table>\n");
  if (!rc)
    rc = chart_dues(f, t, o, dr, org, token, today);
  if (!rc)
    rc = chart_meetings(f, t, org, token, today);
  zb_txn_end(t);
  zb_dues_report_free(dr);
  free(ps.child);
  free(ps1.child);
  free(o);
  zb_funnel_free(&fn);
  if (fclose(f) != 0 && !rc)
    rc = ZB_ENOMEM;
  if (rc) {
    free(*html);
    *html = NULL;
  }
  return rc;
}

/* The server's head: the last server seq (0 when the log is empty). */
static int log_head(zb_http *s, uint64_t *out) {
  zb_txn *t;
  zb_val k, v;
  *out = 0;
  int rc = zb_store_read(zb_hub_store(s->hub), &t);
  if (rc)
    return rc;
  rc = zb_txn_last(t, ZB_DB_SLOG, &k, &v);
  if (rc == 0 && k.len == 8)
    *out = zb_be_u64(k.data);
  zb_txn_end(t);
  return rc == ZB_ENOTFOUND ? 0 : rc;
}

/* The top of a page from the cache, or built (page_top) and kept.  The
 * key is everything the top depends on: org, token (its links carry it,
 * the scope decides the link upwards), today and the server's head (every
 * write to the records moves it).  A request that finds the page being
 * built waits for it instead of building it again. */
static int page_cached(zb_http *s, const char *org, const char *token, const char *scope,
                       char **html, size_t *len) {
  zb_date today = zb_date_today();
  uint64_t head;
  int rc = log_head(s, &head);
  if (rc)
    return rc;
  pthread_mutex_lock(&s->mu);
  struct page_entry *e;
  for (;;) {
    e = NULL;
    for (int i = 0; i < ZB_HTTP_PAGES; i++) {
      struct page_entry *x = &s->pages[i];
      if (x->org[0] && x->head == head && zb_date_cmp(x->today, today) == 0 &&
          strcmp(x->org, org) == 0 && strcmp(x->token, token) == 0 && strcmp(x->scope, scope) == 0)
        e = x;
    }
    if (!e || !e->busy)
      break;
    pthread_cond_wait(&s->cv, &s->mu);
  }
  if (e) {
    e->used = ++s->tick;
    *html = malloc(e->len ? e->len : 1);
    if (*html)
      memcpy(*html, e->html, e->len);
    *len = e->len;
    pthread_mutex_unlock(&s->mu);
    return *html ? 0 : ZB_ENOMEM;
  }
  /* The least recently used entry that is not being built. */
  for (int i = 0; i < ZB_HTTP_PAGES; i++) {
    struct page_entry *x = &s->pages[i];
    if (!x->busy && (!e || x->used < e->used))
      e = x;
  }
  if (e) {
    free(e->html);
    memset(e, 0, sizeof *e);
    snprintf(e->org, sizeof e->org, "%s", org);
    snprintf(e->token, sizeof e->token, "%s", token);
    snprintf(e->scope, sizeof e->scope, "%s", scope);
    e->today = today;
    e->head = head;
    e->busy = true;
  }
  pthread_mutex_unlock(&s->mu);
  rc = page_top(s, org, token, scope, today, html, len);
  if (!e)
    return rc;   /* every entry is being built: not kept */
  pthread_mutex_lock(&s->mu);
  e->busy = false;
  e->used = ++s->tick;
  if (!rc && (e->html = malloc(*len ? *len : 1))) {
    memcpy(e->html, *html, *len);
    e->len = *len;
  } else {
    e->org[0] = '\0';   /* not kept: a waiter builds it */
  }
  pthread_cond_broadcast(&s->cv);
  pthread_mutex_unlock(&s->mu);
  return rc;
}

static enum MHD_Result page_org(zb_http *s, struct MHD_Connection *c, const char *org,
                                const char *token, const char *scope) {
  char *top = NULL, *html = NULL;
  size_t tlen = 0, len = 0;
  int rc = page_cached(s, org, token, scope, &top, &tlen);
  if (rc)
    return reply_error(c, rc, org);
  /* Freshness is not cached: it changes with every session and every day
   * (a session that brings nothing leaves the head where it was). */
  zb_fresh fr;
  /* Every node: a branch may be covered by a node above the page's org. */
  rc = zb_fresh_build(s->hub, s->pki, NULL, zb_hlc_wall_ms(), ZB_FRESH_DAYS_DEFAULT, &fr);
  FILE *f = rc ? NULL : open_memstream(&html, &len);
  zb_txn *t = NULL;
  if (!rc && !f)
    rc = ZB_ENOMEM;
  if (!rc)
    rc = zb_store_read(zb_hub_store(s->hub), &t);
  if (!rc && fwrite(top, 1, tlen, f) != tlen)
    rc = ZB_ENOMEM;
  if (!rc)
    rc = chart_fresh(f, t, &fr, org, token);
  if (f)
    fprintf(f, "<p><a href=\"/api/report/stats?org=%s\">JSON</a></p></body></html>\n", org);
  zb_txn_end(t);
  zb_fresh_free(&fr);
  if (f && fclose(f) != 0 && !rc)
    rc = ZB_ENOMEM;
  free(top);
  enum MHD_Result r = rc ? reply_error(c, rc, org)
                         : reply(c, MHD_HTTP_OK, "text/html; charset=utf-8", html, len);
  free(html);
  return r;
}

struct member_rows {
  FILE *f;
  long n;
};

static int member_row(void *ctx, const zb_rec *m) {
  struct member_rows *mr = ctx;
  if (zb_kind_ended(&zb_kind_member, m->v) || mr->n >= 5000)
    return 0;
  mr->n++;
  fprintf(mr->f, "<tr><td>%s</td><td>", m->v[ZB_MF_ID]);
  esc(mr->f, m->v[ZB_MF_NAME]);
  fprintf(mr->f, "</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n", m->v[ZB_MF_GENDER],
          m->v[ZB_MF_CATEGORY], m->v[ZB_MF_JOIN_DATE], m->v[ZB_MF_ORG_CODE]);
  return 0;
}

static enum MHD_Result page_members(zb_http *s, struct MHD_Connection *c, const char *org) {
  char *html = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&html, &len);
  if (!f)
    return reply_error(c, ZB_ENOMEM, org);
  fprintf(f, "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>党员名册 %s"
             "</title></head><body><h1>党员名册 %s</h1><table><tr><th>编号</th><th>姓名</th>"
             "<th>性别</th><th>人员类别</th><th>入党日期</th><th>所在党支部</th></tr>\n",
          org, org);
  struct member_rows mr = {f, 0};
  zb_txn *t;
  int rc = zb_store_read(zb_hub_store(s->hub), &t);
  if (!rc) {
    rc = zb_recs_in_subtree(t, &zb_kind_member, org, false, member_row, &mr);
    zb_txn_end(t);
  }
  fprintf(f, "</table><p id=\"count\">%ld</p></body></html>\n", mr.n);
  fclose(f);
  enum MHD_Result r =
      rc ? reply_error(c, rc, org) : reply(c, MHD_HTTP_OK, "text/html; charset=utf-8", html, len);
  free(html);
  return r;
}

/* 欠交名单: the members of org's subtree with unpaid months this year to
 * date (the arrears of report dues --year Y). */
static enum MHD_Result page_arrears(zb_http *s, struct MHD_Connection *c, const char *org) {
  zb_date today = zb_date_today();
  zb_dues_query q = {today.y * 12, today.y * 12 + 11, today, false};
  zb_dues_report *r = NULL;
  int rc = zb_hub_dues_report(s->hub, org, &q, &r);
  char *html = NULL;
  size_t len = 0;
  FILE *f = rc ? NULL : open_memstream(&html, &len);
  if (!f) {
    zb_dues_report_free(r);
    return reply_error(c, rc ? rc : ZB_ENOMEM, org);
  }
  fprintf(f, "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>欠交党费名单 %s"
             "</title></head><body><h1>欠交党费名单 %s（%d年）</h1><table><tr><th>编号</th><th>姓名"
             "</th><th>所在党支部</th><th>欠交月份</th><th class=\"n\">连续欠交</th><th class=\"n\">"
             "估计欠交（元）</th></tr>\n",
          org, org, today.y);
  for (size_t i = 0; i < r->narrears; i++) {
    const zb_dues_arrear *a = &r->arrears[i];
    fprintf(f, "<tr><td>");
    esc(f, a->member_id);
    fprintf(f, "</td><td>");
    esc(f, a->name);
    fprintf(f, "</td><td>%s</td><td>", a->org);
    for (int k = 0; k < a->nunpaid; k++) {
      char m[8];
      zb_month_format(a->unpaid[k], m);
      fprintf(f, "%s%s", k ? " " : "", m);
    }
    fprintf(f, "</td><td class=\"n\">%d</td><td class=\"n\">%lld.%02lld</td></tr>\n", a->streak,
            (long long)(a->owed_fen / 100), (long long)(a->owed_fen % 100));
  }
  fprintf(f, "</table><p id=\"count\">%zu</p></body></html>\n", r->narrears);
  zb_dues_report_free(r);
  fclose(f);
  enum MHD_Result ret = reply(c, MHD_HTTP_OK, "text/html; charset=utf-8", html, len);
  free(html);
  return ret;
}

/* ---- API ---- */

static const char *arg(struct MHD_Connection *c, const char *name) {
  return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
}

static bool year_arg(struct MHD_Connection *c, int *year) {
  const char *y = arg(c, "year");
  *year = zb_date_today().y;
  if (!y)
    return true;
  char *end;
  long v = strtol(y, &end, 10);
  if (*end || v < 1900 || v > 9999)
    return false;
  *year = (int)v;
  return true;
}

static enum MHD_Result api(zb_http *s, struct MHD_Connection *c, const char *what,
                           const char *org) {
  int rc;
  if (strcmp(what, "stats") == 0) {
    zb_date as_of = zb_date_today();
    const char *a = arg(c, "as_of");
    if (a && zb_date_parse(a, strlen(a), &as_of) != 0)
      return reply_text(c, MHD_HTTP_BAD_REQUEST, "as_of: not a date (YYYY-MM-DD)\n");
    zb_stats st;
    zb_stats_init(&st, as_of);
    if ((rc = zb_hub_stats(s->hub, org, &st)))
      return reply_error(c, rc, org);
    return reply_json(c, zb_stats_to_json(&st, org));
  }
  int year;
  if (!year_arg(c, &year))
    return reply_text(c, MHD_HTTP_BAD_REQUEST, "year: not a year\n");
  if (strcmp(what, "pipeline") == 0) {
    zb_funnel f;
    zb_funnel_init(&f, &zb_kind_applicant, zb_date_today(), arg(c, "year") ? year : 0);
    rc = zb_hub_funnel(s->hub, org, &f);
    json_t *j = rc ? NULL : zb_funnel_to_json(&f, org);
    zb_funnel_free(&f);
    return rc ? reply_error(c, rc, org) : reply_json(c, j);
  }
  if (strcmp(what, "dues") == 0) {
    /* As report dues: --month or --year, else the month of as_of. */
    zb_dues_query q = {.as_of = zb_date_today()};
    const char *a = arg(c, "as_of"), *m = arg(c, "month");
    if (a && zb_date_parse(a, strlen(a), &q.as_of) != 0)
      return reply_text(c, MHD_HTTP_BAD_REQUEST, "as_of: not a date (YYYY-MM-DD)\n");
    if (m && arg(c, "year"))
      return reply_text(c, MHD_HTTP_BAD_REQUEST, "give month or year, not both\n");
    if (m && zb_month_parse(m, strlen(m), &q.from) != 0)
      return reply_text(c, MHD_HTTP_BAD_REQUEST, "month: not a month (YYYY-MM)\n");
    if (m)
      q.to = q.from;
    else if (arg(c, "year"))
      q.from = year * 12, q.to = year * 12 + 11;
    else
      q.from = q.to = zb_month_of(q.as_of);
    zb_dues_report *r = NULL;
    if ((rc = zb_hub_dues_report(s->hub, org, &q, &r))) {
      zb_dues_report_free(r);
      return reply_error(c, rc, org);
    }
    json_t *j = zb_dues_report_json(r);
    zb_dues_report_free(r);
    return reply_json(c, j);
  }
  if (strcmp(what, "freshness") == 0) {
    const char *d = arg(c, "days");
    long days = ZB_FRESH_DAYS_DEFAULT;
    char *end;
    if (d && ((days = strtol(d, &end, 10)), *end || !*d || days < 0 || days > 36500))
      return reply_text(c, MHD_HTTP_BAD_REQUEST, "days: not a number of days\n");
    zb_fresh fr;
    rc = zb_fresh_build(s->hub, s->pki, org, zb_hlc_wall_ms(), (int)days, &fr);
    json_t *j = rc ? NULL : zb_fresh_to_json(&fr);
    zb_fresh_free(&fr);
    return rc ? reply_error(c, rc, org) : reply_json(c, j);
  }
  if (strcmp(what, "meetings") == 0) {
    json_t *j = NULL;
    if ((rc = zb_hub_life(s->hub, org, year, zb_date_today(), &j)))
      return reply_error(c, rc, org);
    return reply_json(c, j);
  }
  return reply_text(c, MHD_HTTP_NOT_FOUND, "no such report\n");
}

/* A label value in Prometheus text: \, " and newline escaped. */
static void prom_label(FILE *f, const char *v) {
  for (; *v; v++) {
    if (*v == '\\' || *v == '"')
      fputc('\\', f);
    if (*v == '\n')
      fputs("\\n", f);
    else
      fputc(*v, f);
  }
}

static void prom_head(FILE *f, const char *name, const char *type, const char *help) {
  fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void prom_one(FILE *f, const char *name, const char *type, const char *help,
                     unsigned long long v) {
  prom_head(f, name, type, help);
  fprintf(f, "%s %llu\n", name, v);
}

#define LOAD(field) atomic_load_explicit(&s->ctr->field, memory_order_relaxed)

/* The sync service's counters (zb_syncd_counters), read from this thread. */
static void metrics_sync(zb_http *s, FILE *f) {
  if (!s->ctr)
    return;
  prom_one(f, "zhibu_sync_connections_total", "counter", "TCP connections accepted by the sync service.",
           LOAD(connections));
  prom_one(f, "zhibu_sync_sessions_opened_total", "counter",
           "Sessions whose TLS handshake a node's certificate passed.", LOAD(sessions_opened));
  int64_t cur = LOAD(sessions_current);
  prom_one(f, "zhibu_sync_sessions_current", "gauge", "Sessions open now.",
           (unsigned long long)(cur < 0 ? 0 : cur));
  prom_one(f, "zhibu_sync_sessions_completed_total", "counter",
           "Sessions that ended with their last pull batch acknowledged.", LOAD(sessions_completed));
  prom_one(f, "zhibu_sync_sessions_busy_total", "counter",
           "Sessions refused because their node had its sessions open already.", LOAD(sessions_busy));
  prom_one(f, "zhibu_sync_ops_ingested_total", "counter", "Pushed ops stored (applied).",
           LOAD(ops_ingested));
  prom_one(f, "zhibu_sync_ops_duplicate_total", "counter",
           "Pushed ops the server held already (a resumed push).", LOAD(ops_duplicate));
  prom_one(f, "zhibu_sync_ops_rejected_total", "counter", "Pushed ops rejected.", LOAD(ops_rejected));
  prom_one(f, "zhibu_sync_conflicts_total", "counter", "Conflicts recorded by pushes.", LOAD(conflicts));
  prom_one(f, "zhibu_sync_ops_sent_total", "counter", "Ops sent in pull batches.", LOAD(ops_sent));
  prom_one(f, "zhibu_sync_bytes_in_total", "counter",
           "Bytes read from sync connections (counted at their close).", LOAD(bytes_in));
  prom_one(f, "zhibu_sync_bytes_out_total", "counter",
           "Bytes written to sync connections (counted at their close).", LOAD(bytes_out));
  prom_head(f, "zhibu_sync_handshake_failures_total", "counter",
            "Connections that ended before their handshake was done, by reason.");
  for (int i = 0; i < ZB_SYNCD_HS_N; i++)
    fprintf(f, "zhibu_sync_handshake_failures_total{reason=\"%s\"} %llu\n", zb_syncd_hs_names[i],
            (unsigned long long)LOAD(handshake_failures[i]));
}
#undef LOAD

/* Per node, from what the server remembers of it (zb_fresh.h): the ops it
 * had not pushed when last seen, and the seconds since its last successful
 * sync or parcel by the server's clock (nodes never synced: no sample). */
static int metrics_nodes(zb_http *s, FILE *f) {
  zb_fresh fr;
  int rc = zb_fresh_build(s->hub, s->pki, NULL, zb_hlc_wall_ms(), ZB_FRESH_DAYS_DEFAULT, &fr);
  if (rc) {
    zb_fresh_free(&fr);
    return rc;
  }
  prom_head(f, "zhibu_node_lag_ops", "gauge",
            "Ops a node had not pushed when last seen (its log head minus what the server holds).");
  for (size_t i = 0; i < fr.nnodes; i++) {
    const zb_fresh_node *n = &fr.nodes[i];
    if (n->unpushed < 0 || n->revoked)
      continue;
    fputs("zhibu_node_lag_ops{node=\"", f);
    prom_label(f, n->node_id);
    fputs("\",org=\"", f);
    prom_label(f, n->org);
    fprintf(f, "\"} %lld\n", (long long)n->unpushed);
  }
  prom_head(f, "zhibu_node_lag_seconds", "gauge",
            "Seconds since a node's last successful sync or parcel, by the server's clock.");
  for (size_t i = 0; i < fr.nnodes; i++) {
    const zb_fresh_node *n = &fr.nodes[i];
    if (!n->ok_ms || n->revoked)
      continue;
    fputs("zhibu_node_lag_seconds{node=\"", f);
    prom_label(f, n->node_id);
    fputs("\",org=\"", f);
    prom_label(f, n->org);
    fprintf(f, "\"} %.3f\n", fr.now_ms > n->ok_ms ? (double)(fr.now_ms - n->ok_ms) / 1000.0 : 0.0);
  }
  zb_fresh_free(&fr);
  return 0;
}

static enum MHD_Result metrics(zb_http *s, struct MHD_Connection *c) {
  zb_hub_info info;
  int rc = zb_hub_info_get(s->hub, &info);
  if (rc)
    return reply_error(c, rc, "");
  char *body = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&body, &len);
  if (!f)
    return reply_error(c, ZB_ENOMEM, "");
  prom_one(f, "zhibu_server_log_entries", "counter", "Entries in the server log.", info.head);
  prom_one(f, "zhibu_ops_rejected_total", "counter", "Rejected ops in the server log.", info.rejected);
  prom_one(f, "zhibu_conflicts", "gauge", "Conflict records.", info.conflicts);
  prom_one(f, "zhibu_nodes", "gauge", "Nodes that have pushed ops.", info.origins);
  prom_one(f, "zhibu_members", "gauge", "Member records.", info.members);
  prom_one(f, "zhibu_orgs", "gauge", "Org records.", info.orgs);
  prom_one(f, "zhibu_forks", "gauge", "Forks of node logs refused.", info.forks);
  metrics_sync(s, f);
  rc = metrics_nodes(s, f);
  if (fclose(f) != 0 && !rc)
    rc = ZB_ENOMEM;
  enum MHD_Result r = rc ? reply_error(c, rc, "")
                         : reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4", body, len);
  free(body);
  return r;
}

/* ---- dispatch ---- */

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls) {
  zb_http *s = cls;
  (void)version, (void)upload, (void)con_cls;
  if (*upload_size)
    return reply_text(c, MHD_HTTP_BAD_REQUEST, "no request body is read here\n");
  if (strcmp(method, "GET") != 0)
    return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only\n");
  if (strlen(url) > 512)
    return reply_text(c, MHD_HTTP_URI_TOO_LONG, "URL too long\n");
  const char *token = NULL;
  const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
  if (auth && strncmp(auth, "Bearer ", 7) == 0)
    token = auth + 7;
  if (!token)
    token = arg(c, "token");
  zb_token tk;
  if (!token || zb_token_check(s->hub, token, (uint64_t)time(NULL), &tk) != 0)
    return reply_text(c, MHD_HTTP_UNAUTHORIZED, "a valid token is needed (zhibu-server token issue)\n");
  /* The token is echoed into links only when it is one (zbt_ + hex). */
  const char *org = arg(c, "org");
  char path_org[ZB_FIELD_MAX + 1] = "";
  const char *rest = NULL;
  if (strncmp(url, "/org/", 5) == 0) {
    const char *p = url + 5;
    size_t n = strcspn(p, "/");
    if (n == 0 || n > ZB_FIELD_MAX)
      return reply_text(c, MHD_HTTP_NOT_FOUND, "no such page\n");
    memcpy(path_org, p, n);
    path_org[n] = '\0';
    org = path_org;
    rest = p + n;
  }
  if (!org)
    org = tk.org;
  if (!zb_org_code_valid(org))
    return reply_text(c, MHD_HTTP_BAD_REQUEST, "org: not an org code\n");
  if (!zb_org_in_subtree(org, tk.org))
    return reply_text(c, MHD_HTTP_FORBIDDEN, "this token's org does not hold that org\n");
  if (strcmp(url, "/") == 0) {
    char loc[400];
    snprintf(loc, sizeof loc, "/org/%s?token=%s", tk.org, token);
    struct MHD_Response *r = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
    if (!r)
      return MHD_NO;
    MHD_add_response_header(r, "Location", loc);
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_FOUND, r);
    MHD_destroy_response(r);
    return ret;
  }
  if (rest && (strcmp(rest, "") == 0 || strcmp(rest, "/") == 0))
    return page_org(s, c, org, token, tk.org);
  if (rest && strcmp(rest, "/members") == 0)
    return page_members(s, c, org);
  if (rest && strcmp(rest, "/arrears") == 0)
    return page_arrears(s, c, org);
  if (strncmp(url, "/api/report/", 12) == 0)
    return api(s, c, url + 12, org);
  if (strcmp(url, "/metrics") == 0) {
    char up[ZB_FIELD_MAX + 1];
    zb_org_parent(tk.org, up);
    if (up[0])
      return reply_text(c, MHD_HTTP_FORBIDDEN, "metrics need a token of a root org\n");
    return metrics(s, c);
  }
  return reply_text(c, MHD_HTTP_NOT_FOUND, "no such page\n");
}

/* ---- start and stop ---- */

/* The nice value of the dashboard's threads (docs/DESIGN-NOTES.md,
 * "Dashboard"): below the sync service's. */
#define ZB_HTTP_NICE 10

struct mhd_start {
  zb_http *s;
  const struct sockaddr_in *sa;
  struct MHD_Daemon *d;
};

static void *mhd_start_niced(void *arg) {
  struct mhd_start *ms = arg;
  zb_http *s = ms->s;
  /* On Linux the nice value is the thread's, and a thread inherits it. */
  if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), ZB_HTTP_NICE) != 0)
    zb_log_warn("--http: cannot lower the dashboard's priority: %s", strerror(errno));
  /* A thread per connection (at most 64 of them, the connection limit):
   * a county's page that takes long holds its own connection only, never
   * the others queued behind it (docs/DESIGN-NOTES.md, "Dashboard"). */
  ms->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                               MHD_USE_TLS | MHD_USE_ERROR_LOG,
                           0, NULL, NULL, handle, s, MHD_OPTION_SOCK_ADDR,
                           (const struct sockaddr *)ms->sa, MHD_OPTION_HTTPS_MEM_KEY, s->key,
                           MHD_OPTION_HTTPS_MEM_CERT, s->cert, MHD_OPTION_CONNECTION_LIMIT,
                           (unsigned)64, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)16,
                           MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
                           MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536, MHD_OPTION_END);
  return NULL;
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  char *buf = malloc(65536);
  size_t n = buf ? fread(buf, 1, 65535, f) : 0;
  fclose(f);
  if (buf)
    buf[n] = '\0';
  return buf;
}

int zb_http_start(zb_hub *h, const char *listen, const char *pki_dir, const char *port_file,
                  const zb_syncd_counters *ctr, zb_http **out) {
  char host[256], port[16];
  if (zb_sync_parse_addr(listen, host, sizeof host, port, sizeof port) != 0)
    return ZB_EUSAGE;
  /* zb_sync_parse_addr checked it: 1-5 digits, at most 65535. */
  long pn = strtol(port, NULL, 10);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)pn)};
  if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
    zb_log_error("--http %s: give an IPv4 address and a port, e.g. 127.0.0.1:8443", listen);
    return ZB_EUSAGE;
  }
  zb_http *s = calloc(1, sizeof *s);
  if (!s)
    return ZB_ENOMEM;
  pthread_mutex_init(&s->mu, NULL);
  pthread_cond_init(&s->cv, NULL);
  char path[4200];
  snprintf(path, sizeof path, "%s/server.key", pki_dir);
  s->key = slurp(path);
  snprintf(path, sizeof path, "%s/server.crt", pki_dir);
  s->cert = slurp(path);
  s->hub = h;
  s->ctr = ctr;
  snprintf(s->pki, sizeof s->pki, "%s", pki_dir);
  if (!s->key || !s->cert) {
    zb_log_error("--http: cannot read the server's certificate and key in %s", pki_dir);
    zb_http_stop(s);
    return ZB_EIO;
  }
  /* Started from a thread of its own that lowers its priority first:
   * libmicrohttpd's threads inherit it, so the sync service's loop comes
   * first when pages and sessions want the CPU at once. */
  struct mhd_start ms = {s, &sa, NULL};
  pthread_t th;
  if (pthread_create(&th, NULL, mhd_start_niced, &ms) == 0)
    pthread_join(th, NULL);
  s->d = ms.d;
  if (!s->d) {
    /* libmicrohttpd does not say why: bind the address once more to learn. */
    int e = 0, fd = socket(sa.sin_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    if (fd >= 0) {
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
        e = errno;
      close(fd);
    }
    if (e == EADDRINUSE)
      zb_log_error(zb_msg("srvlog.http_port_in_use"), listen);
    else
      zb_log_error("--http %s: cannot serve there (%s)", listen,
                   e == EADDRNOTAVAIL ? "not an address of this machine"
                   : e                ? strerror(e)
                                      : "the TLS certificate or key was refused");
    zb_http_stop(s);
    return e == EADDRINUSE ? ZB_EBUSY : ZB_EIO;
  }
  const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
  unsigned bound = di ? di->port : 0;
  zb_log_info(zb_msg("srvlog.dashboard"), host, bound);
  if (port_file) {
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
    FILE *f = fopen(tmp, "w");
    if (!f || fprintf(f, "%u\n", bound) < 0 || fclose(f) != 0 || rename(tmp, port_file) != 0) {
      zb_log_error("--http-port-file %s: cannot write it", port_file);
      zb_http_stop(s);
      return ZB_EIO;
    }
  }
  *out = s;
  return 0;
}

void zb_http_stop(zb_http *s) {
  if (!s)
    return;
  if (s->d)
    MHD_stop_daemon(s->d);
  for (int i = 0; i < ZB_HTTP_PAGES; i++)
    free(s->pages[i].html);
  pthread_cond_destroy(&s->cv);
  pthread_mutex_destroy(&s->mu);
  free(s->key);
  free(s->cert);
  free(s);
}
