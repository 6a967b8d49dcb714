/*
 * zb_fresh.c — the freshness report: the CA's enrollments and what the
 * server remembers of each node, against the server's clock (zb_fresh.h).
 */
#include "zb_msg.h"
#include "zb_fresh.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zb_ca.h"
#include "zb_csv.h"
#include "zb_err.h"
#include "zb_hlc.h"
#include "zb_kind.h"
#include "zb_state.h"
#include "zb_table.h"

#define DAY_MS 86400000u

/* An org of the scope, compactly: the tree may be a province's. */
struct org {
  char *code, *name;
  bool branch;
};

struct build {
  zb_fresh *f;
  zb_fresh_node *nodes;
  size_t n, cap, nissued;
  struct org *orgs;
  size_t norgs, ocap;
  int rc;
};

static zb_fresh_node *node_new(struct build *b) {
  if (b->n == b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 64;
    zb_fresh_node *v = realloc(b->nodes, cap * sizeof *v);
    if (!v)
      return NULL;
    b->nodes = v;
    b->cap = cap;
  }
  zb_fresh_node *nd = &b->nodes[b->n++];
  memset(nd, 0, sizeof *nd);
  return nd;
}

static int issued_row(void *ctx, const zb_ca_issued *is) {
  struct build *b = ctx;
  zb_fresh_node *nd = node_new(b);
  if (!nd)
    return ZB_ENOMEM;
  memcpy(nd->node_id, is->node_id, sizeof nd->node_id);
  memcpy(nd->org, is->org, sizeof nd->org);
  nd->enrolled = true;
  nd->revoked = is->revoked;
  nd->enrolled_ms = is->issued_ms;
  return 0;
}

static int by_node_id(const void *a, const void *b) {
  return strcmp(((const zb_fresh_node *)a)->node_id, ((const zb_fresh_node *)b)->node_id);
}

static int peer_row(void *ctx, const char *node_id, const zb_hub_peer *p, uint64_t held) {
  struct build *b = ctx;
  zb_fresh_node key, *nd;
  snprintf(key.node_id, sizeof key.node_id, "%s", node_id);
  nd = bsearch(&key, b->nodes, b->nissued, sizeof *b->nodes, by_node_id);
  if (!nd) {   /* heard from, but not in the CA's list (a restored pki directory) */
    if (!(nd = node_new(b)))
      return ZB_ENOMEM;
    snprintf(nd->node_id, sizeof nd->node_id, "%s", node_id);
  }
  nd->heard = p->ok_ms || p->err_ms;
  if (!nd->org[0])
    snprintf(nd->org, sizeof nd->org, "%.*s", ZB_PKI_ORG_MAX, p->org);
  nd->ok_ms = p->ok_ms;
  nd->err_ms = p->err_ms;
  nd->ok_via = p->ok_via;
  nd->err_via = p->err_via;
  memcpy(nd->err, p->err, sizeof nd->err);
  nd->log_head = p->log_head;
  nd->held = held;
  return 0;
}

static int org_row(void *ctx, const zb_rec *r) {
  struct build *b = ctx;
  if (b->norgs == b->ocap) {
    size_t cap = b->ocap ? b->ocap * 2 : 64;
    struct org *v = realloc(b->orgs, cap * sizeof *v);
    if (!v)
      return ZB_ENOMEM;
    b->orgs = v;
    b->ocap = cap;
  }
  struct org *o = &b->orgs[b->norgs];
  o->code = strdup(r->v[ZB_OF_CODE]);
  o->name = strdup(r->v[ZB_OF_NAME]);
  o->branch = strcmp(r->v[ZB_OF_TYPE], "branch") == 0;
  if (!o->code || !o->name) {
    free(o->code);
    free(o->name);
    return ZB_ENOMEM;
  }
  b->norgs++;
  return 0;
}

static int org_cmp(const void *key, const void *o) {
  return strcmp(key, ((const struct org *)o)->code);
}

static const struct org *org_find(const struct build *b, const char *code) {
  return b->orgs ? bsearch(code, b->orgs, b->norgs, sizeof *b->orgs, org_cmp) : NULL;
}

/* The nodes (not revoked) by org, to find an org's own node. */
struct owner {
  const char *org, *node_id;
};

static int owner_cmp(const void *a, const void *b) {
  const struct owner *x = a, *y = b;
  int c = strcmp(x->org, y->org);
  return c ? c : strcmp(x->node_id, y->node_id);
}

static int owner_key_cmp(const void *key, const void *o) {
  return strcmp(key, ((const struct owner *)o)->org);
}

static const struct owner *owner_find(const struct owner *v, size_t n, const char *org) {
  const struct owner *o = v ? bsearch(org, v, n, sizeof *v, owner_key_cmp) : NULL;
  while (o && o > v && strcmp(o[-1].org, org) == 0)
    o--;   /* the first node of that org, by id */
  return o;
}

static void derive(zb_fresh_node *nd, uint64_t now, int days) {
  uint64_t since = nd->ok_ms ? nd->ok_ms : nd->enrolled_ms;
  nd->days_silent = since ? (int64_t)((now > since ? now - since : 0) / DAY_MS) : -1;
  nd->unpushed = nd->heard ? (int64_t)(nd->log_head > nd->held ? nd->log_head - nd->held : 0) : -1;
  if (nd->revoked) {
    nd->state = "revoked";
  } else if (!nd->ok_ms) {
    nd->state = "never";
    nd->flagged = nd->days_silent < 0 || nd->days_silent > days;
  } else if (nd->days_silent > days) {
    nd->state = "silent";
    nd->flagged = true;
  } else if (nd->err_ms > nd->ok_ms) {
    nd->state = "failing";
  } else {
    nd->state = "ok";
  }
}

static int by_org_node(const void *a, const void *b) {
  const zb_fresh_node *x = a, *y = b;
  int c = strcmp(x->org, y->org);
  return c ? c : strcmp(x->node_id, y->node_id);
}

int zb_fresh_build(zb_hub *h, const char *pki_dir, const char *org, uint64_t now_ms, int days,
                   zb_fresh *out) {
  memset(out, 0, sizeof *out);
  out->now_ms = now_ms;
  out->days = days;
  snprintf(out->org, sizeof out->org, "%s", org ? org : "");
  struct build b = {.f = out};
  struct owner *owners = NULL;
  size_t nowners = 0;
  int rc = zb_hub_recs(h, &zb_kind_org, org, org_row, &b);
  if (!rc && org && !org_find(&b, org))
    rc = ZB_ENOTFOUND;
  if (!rc)
    rc = zb_ca_issued_scan(pki_dir, issued_row, &b);
  if (rc)
    goto out;
  b.nissued = b.n;
  if (b.n)
    qsort(b.nodes, b.n, sizeof *b.nodes, by_node_id);
  if ((rc = zb_hub_peers(h, peer_row, &b)))
    goto out;

  /* Every node (of any scope) that may cover a branch: not revoked, org known. */
  owners = malloc((b.n ? b.n : 1) * sizeof *owners);
  if (!owners) {
    rc = ZB_ENOMEM;
    goto out;
  }
  for (size_t i = 0; i < b.n; i++)
    if (!b.nodes[i].revoked && b.nodes[i].org[0])
      owners[nowners++] = (struct owner){b.nodes[i].org, b.nodes[i].node_id};
  qsort(owners, nowners, sizeof *owners, owner_cmp);

  /* Branches of the scope without a node of their own. */
  size_t nbare = 0;
  for (size_t i = 0; i < b.norgs; i++)
    nbare += b.orgs[i].branch && !owner_find(owners, nowners, b.orgs[i].code);
  out->orgs = calloc(nbare ? nbare : 1, sizeof *out->orgs);
  if (!out->orgs) {
    rc = ZB_ENOMEM;
    goto out;
  }
  for (size_t i = 0; i < b.norgs; i++) {
    if (!b.orgs[i].branch || owner_find(owners, nowners, b.orgs[i].code))
      continue;
    zb_fresh_org *o = &out->orgs[out->norgs++];
    snprintf(o->code, sizeof o->code, "%s", b.orgs[i].code);
    snprintf(o->name, sizeof o->name, "%s", b.orgs[i].name);
    char up[ZB_PKI_ORG_MAX + 1];
    snprintf(up, sizeof up, "%s", b.orgs[i].code);
    for (char *dash; (dash = strrchr(up, '-')) != NULL;) {
      *dash = '\0';
      const struct owner *ow = owner_find(owners, nowners, up);
      if (ow) {
        snprintf(o->covered_org, sizeof o->covered_org, "%s", up);
        snprintf(o->covered_by, sizeof o->covered_by, "%s", ow->node_id);
        break;
      }
    }
  }

  /* The nodes of the scope, by org then id. */
  size_t keep = 0;
  for (size_t i = 0; i < b.n; i++) {
    zb_fresh_node *nd = &b.nodes[i];
    if (org && !(nd->org[0] && zb_org_in_subtree(nd->org, org)))
      continue;
    const struct org *o = org_find(&b, nd->org);
    if (o)
      snprintf(nd->org_name, sizeof nd->org_name, "%s", o->name);
    derive(nd, now_ms, days);
    out->flagged += nd->flagged;
    if (keep != i)
      b.nodes[keep] = *nd;
    keep++;
  }
  if (keep)
    qsort(b.nodes, keep, sizeof *b.nodes, by_org_node);
  out->nodes = b.nodes;
  out->nnodes = keep;
  b.nodes = NULL;
out:
  free(owners);
  free(b.nodes);
  for (size_t i = 0; i < b.norgs; i++) {
    free(b.orgs[i].code);
    free(b.orgs[i].name);
  }
  free(b.orgs);
  return rc;
}

void zb_fresh_free(zb_fresh *f) {
  free(f->nodes);
  free(f->orgs);
  f->nodes = NULL;
  f->orgs = NULL;
  f->nnodes = f->norgs = 0;
}

/* ---- output ---- */

static const char *via_name(uint8_t via) {
  return via == ZB_VIA_PARCEL ? "parcel" : via == ZB_VIA_SESSION ? "session" : NULL;
}

static json_t *time_json(uint64_t ms) {
  if (!ms)
    return json_null();
  char t[32];
  zb_hlc_format(ms << 16, t);
  return json_string(t);
}

static json_t *num_or_null(int64_t v) { return v < 0 ? json_null() : json_integer(v); }

json_t *zb_fresh_to_json(const zb_fresh *f) {
  json_t *nodes = json_array(), *orgs = json_array();
  bool ok = nodes && orgs;
  for (size_t i = 0; ok && i < f->nnodes; i++) {
    const zb_fresh_node *nd = &f->nodes[i];
    bool failed = nd->err_ms != 0;
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:s, s:b, s:o, s:o, s:s?, s:o, s:s?, s:s?, s:o, s:b, s:o, s:I, s:o}",
        "node_id", nd->node_id, "org", nd->org, "org_name", nd->org_name, "state", nd->state,
        "flagged", nd->flagged, "days_silent", num_or_null(nd->days_silent), "last_sync",
        time_json(nd->ok_ms), "last_sync_via", via_name(nd->ok_via), "last_error",
        time_json(nd->err_ms), "last_error_via", failed ? via_name(nd->err_via) : NULL,
        "last_error_reason", failed ? nd->err : NULL, "enrolled", time_json(nd->enrolled_ms),
        "revoked", nd->revoked, "log_head", num_or_null(nd->heard ? (int64_t)nd->log_head : -1),
        "held_seq", (json_int_t)nd->held, "unpushed", num_or_null(nd->unpushed));
    ok = o && json_array_append_new(nodes, o) == 0;
  }
  for (size_t i = 0; ok && i < f->norgs; i++) {
    const zb_fresh_org *g = &f->orgs[i];
    json_t *o = json_pack("{s:s, s:s, s:s?, s:s?}", "code", g->code, "name", g->name,
                          "covered_by_org", g->covered_org[0] ? g->covered_org : NULL,
                          "covered_by_node", g->covered_by[0] ? g->covered_by : NULL);
    ok = o && json_array_append_new(orgs, o) == 0;
  }
  if (!ok) {
    json_decref(nodes);
    json_decref(orgs);
    return NULL;
  }
  return json_pack("{s:o, s:i, s:s, s:o, s:I, s:o}", "as_of", time_json(f->now_ms), "days",
                   f->days, "org", f->org, "nodes", nodes, "flagged", (json_int_t)f->flagged,
                   "orgs_without_node", orgs);
}

/* A time of the server's clock for the table: local, to the minute. */
static void fmt_time(uint64_t ms, char out[32]) {
  time_t secs = (time_t)(ms / 1000);
  struct tm tm;
  out[0] = '\0';
  if (ms && localtime_r(&secs, &tm))
    strftime(out, 32, "%Y-%m-%d %H:%M", &tm);
}

static void fmt_num(int64_t v, char out[24]) {
  if (v < 0)
    snprintf(out, 24, "%s", "");
  else
    snprintf(out, 24, "%lld", (long long)v);
}

/* A state for people (zb_fresh.h's stable words are the JSON's). */
static const char *state_text(const char *state, bool zh) {
  static const char *const keys[][2] = {{"revoked", "fresh.state_revoked"},
                                        {"never", "fresh.state_never"},
                                        {"silent", "fresh.state_silent"},
                                        {"failing", "fresh.state_failing"}};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    if (strcmp(state, keys[i][0]) == 0)
      return zb_msg_lang(keys[i][1], zh);
  return zb_msg_lang("fresh.state_ok", zh);
}

int zb_fresh_write_csv(const zb_fresh *f, FILE *out, bool zh) {
  static const char *const header[] = {"kind",       "node_id",   "org",         "org_name",
                                       "state",      "flagged",   "days_silent", "last_sync",
                                       "last_error", "last_error_reason", "unpushed",
                                       "covered_by"};
  /* Chinese: the table's words under a BOM, for Excel; English: the
   * stable keys and values (docs/DESIGN-NOTES.md, "Language"). */
  const char *header_zh[12];
  for (int i = 0; i < 12; i++) {
    char key[48];
    snprintf(key, sizeof key, "fresh.csv_%s", header[i]);
    header_zh[i] = zb_msg_lang(key, true);
  }
  if (zh && fputs("\xEF\xBB\xBF", out) == EOF)
    return ZB_EIO;
  int rc = zb_csv_write_row(out, zh ? header_zh : header, 12);
  for (size_t i = 0; !rc && i < f->nnodes; i++) {
    const zb_fresh_node *nd = &f->nodes[i];
    char days[24], unpushed[24], ok[32] = "", err[32] = "";
    fmt_num(nd->days_silent, days);
    fmt_num(nd->unpushed, unpushed);
    if (nd->ok_ms)
      zb_hlc_format(nd->ok_ms << 16, ok);
    if (nd->err_ms)
      zb_hlc_format(nd->err_ms << 16, err);
    const char *row[] = {zh ? zb_msg_lang("fresh.kind_node", true) : "node",
                         nd->node_id, nd->org, nd->org_name,
                         zh ? state_text(nd->state, true) : nd->state,
                         zh ? zb_msg_lang(nd->flagged ? "fresh.yes" : "fresh.no", true)
                            : nd->flagged ? "yes" : "no",
                         days, ok, err, nd->err_ms ? nd->err : "", unpushed, ""};
    rc = zb_csv_write_row(out, row, 12);
  }
  for (size_t i = 0; !rc && i < f->norgs; i++) {
    const zb_fresh_org *g = &f->orgs[i];
    const char *row[] = {zh ? zb_msg_lang("fresh.kind_org", true) : "org_without_node",
                         "", g->code, g->name, "", "", "", "", "", "", "", g->covered_by};
    rc = zb_csv_write_row(out, row, 12);
  }
  if (!rc && (fflush(out) != 0 || ferror(out)))
    rc = ZB_EIO;
  return rc;
}

void zb_fresh_print(const zb_fresh *f, FILE *out) {
  char now[32];
  fmt_time(f->now_ms, now);
  fprintf(out, zb_msg("fresh.title"), f->org[0] ? f->org : zb_msg("fresh.all"), now, f->days);
  static const char *const hk[] = {"",
                                   "fresh.col_node",
                                   "fresh.col_org",
                                   "fresh.col_org_name",
                                   "fresh.col_state",
                                   "fresh.col_days",
                                   "fresh.col_last_sync",
                                   "fresh.col_via",
                                   "fresh.col_last_error",
                                   "fresh.col_reason",
                                   "fresh.col_unpushed"};
  const char *h[11];
  for (int i = 0; i < 11; i++)
    h[i] = zb_msg(hk[i]);
  zb_table *t = zb_table_new(11, h);
  if (!t)
    return;
  for (size_t i = 0; i < f->nnodes; i++) {
    const zb_fresh_node *nd = &f->nodes[i];
    char days[24], unpushed[24], ok[32], err[32];
    fmt_num(nd->days_silent, days);
    fmt_num(nd->unpushed, unpushed);
    fmt_time(nd->ok_ms, ok);
    fmt_time(nd->err_ms, err);
    const char *via = nd->ok_via == ZB_VIA_PARCEL ? zb_msg("fresh.via_parcel")
                      : nd->ok_via                ? zb_msg("fresh.via_net")
                                                  : "";
    const char *row[] = {nd->flagged ? "!" : "", nd->node_id, nd->org[0] ? nd->org : "?",
                         nd->org_name, state_text(nd->state, zb_lang_is_zh()), days, ok, via, err,
                         nd->err_ms ? nd->err : "", unpushed};
    if (zb_table_add(t, row)) {
      zb_table_free(t);
      return;
    }
  }
  if (f->nnodes)
    zb_table_print(t, out);
  else
    fputs(zb_msg("fresh.no_nodes"), out);
  zb_table_free(t);
  fprintf(out, zb_msg("fresh.summary"), f->nnodes, f->flagged, f->days);
  if (!f->norgs) {
    fputs(zb_msg("fresh.all_have_nodes"), out);
    return;
  }
  fprintf(out, zb_msg("fresh.bare_title"), f->norgs);
  const char *const oh[] = {zb_msg("fresh.col_org"), zb_msg("fresh.col_org_name"),
                            zb_msg("fresh.col_covered")};
  zb_table *o = zb_table_new(3, oh);
  if (!o)
    return;
  for (size_t i = 0; i < f->norgs; i++) {
    char cov[ZB_PKI_ORG_MAX + ZB_PKI_NODE_ID_MAX + 16];
    snprintf(cov, sizeof cov, "%s", zb_msg("fresh.covered_none"));
    if (f->orgs[i].covered_by[0])
      snprintf(cov, sizeof cov, zb_msg("fresh.covered_by"), f->orgs[i].covered_by,
               f->orgs[i].covered_org);
    const char *row[] = {f->orgs[i].code, f->orgs[i].name, cov};
    if (zb_table_add(o, row)) {
      zb_table_free(o);
      return;
    }
  }
  zb_table_print(o, out);
  zb_table_free(o);
}

long zb_fresh_days_of(const zb_fresh *f, const char *org) {
  char at[ZB_PKI_ORG_MAX + 1];
  snprintf(at, sizeof at, "%s", org);
  for (;;) {
    bool any = false;
    long best = -1;
    for (size_t i = 0; i < f->nnodes; i++) {
      const zb_fresh_node *n = &f->nodes[i];
      if (n->revoked || strcmp(n->org, at) != 0)
        continue;
      any = true;
      if (n->ok_ms && n->days_silent >= 0 && (best < 0 || n->days_silent < best))
        best = (long)n->days_silent;
    }
    char *dash = strrchr(at, '-');
    if (any || !dash)
      return best;
    *dash = '\0';
  }
}
