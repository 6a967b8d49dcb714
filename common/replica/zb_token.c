/*
 * zb_token.c — dashboard tokens (zb_token.h).
 */
#include "zb_token.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zb_err.h"
#include "zb_kind.h"
#include "zb_sha.h"
#include "zb_state.h"

#define PREFIX "token/"

static void hash_hex(const char *token, char out[65]) {
  uint8_t h[ZB_SHA256_LEN];
  zb_sha256(token, strlen(token), h);
  zb_hex(h, sizeof h, out);
}

/* "org\tissued\texpires\trevoked" */
static int parse(const char *key, const char *val, zb_token *t) {
  memset(t, 0, sizeof *t);
  snprintf(t->id, sizeof t->id, "%.12s", key + strlen(PREFIX));
  unsigned long long is, ex;
  int rev;
  const char *tab = strchr(val, '\t');
  if (!tab || (size_t)(tab - val) >= sizeof t->org ||
      sscanf(tab + 1, "%llu\t%llu\t%d", &is, &ex, &rev) != 3)
    return ZB_ECORRUPT;
  memcpy(t->org, val, (size_t)(tab - val));
  t->org[tab - val] = '\0';
  t->issued = is;
  t->expires = ex;
  t->revoked = rev != 0;
  return 0;
}

static int put(zb_txn *t, const char *hash, const zb_token *tk) {
  char key[80], val[400];
  snprintf(key, sizeof key, PREFIX "%s", hash);
  snprintf(val, sizeof val, "%s\t%llu\t%llu\t%d", tk->org, (unsigned long long)tk->issued,
           (unsigned long long)tk->expires, tk->revoked ? 1 : 0);
  return zb_meta_put_str(t, key, val);
}

struct issue {
  const char *hash;
  zb_token *tk;
};

static int issue_write(zb_txn *t, void *ctx) {
  struct issue *is = ctx;
  zb_rec *o = malloc(sizeof *o);
  if (!o)
    return ZB_ENOMEM;
  int rc = zb_rec_load(t, &zb_kind_org, is->tk->org, o);
  free(o);
  return rc ? rc : put(t, is->hash, is->tk);
}

int zb_token_issue(zb_hub *h, const char *org, unsigned days, char *out, zb_token *info) {
  uint8_t raw[32];
  if (strlen(org) > 256 || RAND_bytes(raw, sizeof raw) != 1)
    return ZB_EINVAL;
  memcpy(out, "zbt_", 4);
  zb_hex(raw, sizeof raw, out + 4);
  char hash[65];
  hash_hex(out, hash);
  memset(info, 0, sizeof *info);
  snprintf(info->id, sizeof info->id, "%.12s", hash);
  snprintf(info->org, sizeof info->org, "%s", org);
  info->issued = (uint64_t)time(NULL);
  info->expires = days ? info->issued + (uint64_t)days * 86400 : 0;
  struct issue is = {hash, info};
  return zb_store_write(zb_hub_store(h), issue_write, &is);
}

struct scan {
  zb_token_fn fn;
  void *ctx;
  const char *prefix;   /* revoke: the id prefix */
  char match[80];
  int n;
};

static int scan_row(void *ctx, zb_val key, zb_val val) {
  struct scan *sc = ctx;
  size_t pl = strlen(PREFIX);
  if (key.len < pl || memcmp(key.data, PREFIX, pl) != 0)
    return 1;
  char k[80], v[400];
  if (key.len >= sizeof k || val.len >= sizeof v)
    return ZB_ECORRUPT;
  memcpy(k, key.data, key.len);
  k[key.len] = '\0';
  memcpy(v, val.data, val.len);
  v[val.len] = '\0';
  /* zb_meta_put_str stores the NUL too */
  zb_token t;
  int rc = parse(k, v, &t);
  if (rc)
    return rc;
  if (sc->prefix) {
    if (strncmp(k + pl, sc->prefix, strlen(sc->prefix)) == 0) {
      snprintf(sc->match, sizeof sc->match, "%s", k);
      sc->n++;
    }
    return 0;
  }
  return sc->fn(sc->ctx, &t);
}

int zb_token_list(zb_hub *h, zb_token_fn fn, void *ctx) {
  zb_txn *t;
  int rc = zb_store_read(zb_hub_store(h), &t);
  if (rc)
    return rc;
  struct scan sc = {.fn = fn, .ctx = ctx};
  rc = zb_txn_scan(t, ZB_DB_META, PREFIX, strlen(PREFIX), scan_row, &sc);
  zb_txn_end(t);
  return rc;
}

static int revoke_write(zb_txn *t, void *ctx) {
  struct scan *sc = ctx;
  sc->n = 0;
  int rc = zb_txn_scan(t, ZB_DB_META, PREFIX, strlen(PREFIX), scan_row, sc);
  if (rc)
    return rc;
  if (sc->n == 0)
    return ZB_ENOTFOUND;
  if (sc->n > 1)
    return ZB_EINVAL;
  char v[400];
  if ((rc = zb_meta_get_str(t, sc->match, v, sizeof v)))
    return rc;
  zb_token tk;
  if ((rc = parse(sc->match, v, &tk)))
    return rc;
  tk.revoked = true;
  return put(t, sc->match + strlen(PREFIX), &tk);
}

int zb_token_revoke(zb_hub *h, const char *prefix) {
  if (strlen(prefix) < 6 || strlen(prefix) > 64 || strspn(prefix, "0123456789abcdef") != strlen(prefix))
    return ZB_EINVAL;
  struct scan sc = {.prefix = prefix};
  return zb_store_write(zb_hub_store(h), revoke_write, &sc);
}

int zb_token_check(zb_hub *h, const char *token, uint64_t now, zb_token *out) {
  if (strlen(token) != ZB_TOKEN_LEN || strncmp(token, "zbt_", 4) != 0)
    return ZB_ENOTFOUND;
  char hash[65], key[80], v[400];
  hash_hex(token, hash);
  snprintf(key, sizeof key, PREFIX "%s", hash);
  zb_txn *t;
  int rc = zb_store_read(zb_hub_store(h), &t);
  if (rc)
    return rc;
  rc = zb_meta_get_str(t, key, v, sizeof v);
  zb_txn_end(t);
  if (rc)
    return rc;
  if ((rc = parse(key, v, out)))
    return rc;
  if (out->revoked || (out->expires && now >= out->expires))
    return ZB_ENOTFOUND;
  return 0;
}
