/*
 * zb_http.c — the dashboard (zb_http.h).
 */
#define _GNU_SOURCE   /* open_memstream */
#include "zb_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "zb_err.h"
#include "zb_funnel.h"
#include "zb_life.h"
#include "zb_log.h"
#include "zb_record.h"
#include "zb_state.h"
#include "zb_stats.h"
#include "zb_sync.h"
#include "zb_token.h"

struct zb_http {
  zb_hub *hub;
  struct MHD_Daemon *d;
  char *key, *cert;
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

struct child_ctx {
  zb_txn *t;
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
  int rc = zb_recs_count(cc->t, &zb_kind_member, o->v[ZB_OF_CODE], &n);
  if (rc)
    return rc;
  fprintf(cc->f, "<tr><td><a href=\"/org/%s?token=%s\">", o->v[ZB_OF_CODE], cc->token);
  esc(cc->f, o->v[ZB_OF_NAME]);
  fprintf(cc->f, "</a></td><td>%s</td><td class=\"n\"><a href=\"/org/%s/members?token=%s\">%zu"
                 "</a></td></tr>\n",
          o->v[ZB_OF_CODE], o->v[ZB_OF_CODE], cc->token, n);
  return 0;
}

static enum MHD_Result page_org(zb_http *s, struct MHD_Connection *c, const char *org,
                                const char *token, const char *scope) {
  zb_stats st;
  zb_date today = zb_date_today();
  zb_stats_init(&st, today);
  int rc = zb_hub_stats(s->hub, org, &st);
  if (rc)
    return reply_error(c, rc, org);
  zb_funnel fn;
  zb_funnel_init(&fn, &zb_kind_applicant, today, 0);
  rc = zb_hub_funnel(s->hub, org, &fn);
  char *html = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&html, &len);
  if (!f || rc) {
    zb_funnel_free(&fn);
    if (f)
      fclose(f);
    free(html);
    return reply_error(c, rc ? rc : ZB_ENOMEM, org);
  }
  zb_txn *t = NULL;
  zb_rec *o = malloc(sizeof *o);
  rc = zb_store_read(zb_hub_store(s->hub), &t);
  if (!rc && o)
    rc = zb_rec_load(t, &zb_kind_org, org, o);
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
  struct child_ctx cc = {t, f, org, token};
  if (!rc)
    rc = zb_recs_in_subtree(t, &zb_kind_org, org, false, child_row, &cc);
  fprintf(f, "</table>\n<p><a href=\"/api/report/stats?org=%s\">JSON</a></p></body></html>\n",
          org);
  if (t)
    zb_txn_end(t);
  free(o);
  zb_funnel_free(&fn);
  fclose(f);
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
  if (strcmp(what, "meetings") == 0) {
    json_t *j = NULL;
    if ((rc = zb_hub_life(s->hub, org, year, zb_date_today(), &j)))
      return reply_error(c, rc, org);
    return reply_json(c, j);
  }
  return reply_text(c, MHD_HTTP_NOT_FOUND, "no such report\n");
}

static enum MHD_Result metrics(zb_http *s, struct MHD_Connection *c) {
  zb_hub_info info;
  int rc = zb_hub_info_get(s->hub, &info);
  if (rc)
    return reply_error(c, rc, "");
  char body[2048];
  int n = snprintf(body, sizeof body,
                   "# HELP zhibu_server_log_entries Entries in the server log.\n"
                   "# TYPE zhibu_server_log_entries counter\nzhibu_server_log_entries %llu\n"
                   "# HELP zhibu_ops_rejected_total Ops the server rejected.\n"
                   "# TYPE zhibu_ops_rejected_total counter\nzhibu_ops_rejected_total %llu\n"
                   "# HELP zhibu_conflicts Conflict records.\n"
                   "# TYPE zhibu_conflicts gauge\nzhibu_conflicts %zu\n"
                   "# HELP zhibu_nodes Nodes that have pushed ops.\n"
                   "# TYPE zhibu_nodes gauge\nzhibu_nodes %zu\n"
                   "# HELP zhibu_members Member records.\n"
                   "# TYPE zhibu_members gauge\nzhibu_members %zu\n"
                   "# HELP zhibu_orgs Org records.\n"
                   "# TYPE zhibu_orgs gauge\nzhibu_orgs %zu\n"
                   "# HELP zhibu_forks Forks of node logs refused.\n"
                   "# TYPE zhibu_forks gauge\nzhibu_forks %zu\n",
                   (unsigned long long)info.head, (unsigned long long)info.rejected,
                   info.conflicts, info.origins, info.members, info.orgs, info.forks);
  if (n < 0 || (size_t)n >= sizeof body)
    return reply_error(c, ZB_ETOOBIG, "");
  return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4", body, (size_t)n);
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
                  zb_http **out) {
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
  char path[4200];
  snprintf(path, sizeof path, "%s/server.key", pki_dir);
  s->key = slurp(path);
  snprintf(path, sizeof path, "%s/server.crt", pki_dir);
  s->cert = slurp(path);
  s->hub = h;
  if (!s->key || !s->cert) {
    zb_log_error("--http: cannot read the server's certificate and key in %s", pki_dir);
    zb_http_stop(s);
    return ZB_EIO;
  }
  s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_TLS | MHD_USE_ERROR_LOG, 0,
                          NULL, NULL, handle, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                          MHD_OPTION_HTTPS_MEM_KEY, s->key, MHD_OPTION_HTTPS_MEM_CERT, s->cert,
                          MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
                          MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)16,
                          MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
                          MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536, MHD_OPTION_END);
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
      zb_log_error("端口已被占用 (port in use): --http %s: another program (perhaps another "
                   "zhibu-server) uses that port; stop it, or give another --http ADDR:PORT",
                   listen);
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
  zb_log_info("dashboard on https://%s:%u/", host, bound);
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
  free(s->key);
  free(s->cert);
  free(s);
}
