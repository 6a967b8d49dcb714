#include "zb_oplog.h"

#include <stdio.h>
#include <string.h>

#include "zb_err.h"
#include "zb_pack.h"

int zb_oplog_head_load(zb_txn *t, zb_oplog_head *h) {
  memset(h, 0, sizeof *h);
  int rc = zb_meta_get_u64(t, "head_seq", &h->seq);
  if (rc)
    return rc;
  if ((rc = zb_meta_get_u64(t, "hlc", &h->hlc)))
    return rc;
  zb_val v;
  rc = zb_txn_get(t, ZB_DB_META, "head_hash", 9, &v);
  if (rc == ZB_ENOTFOUND)
    return h->seq == 0 ? 0 : ZB_ECORRUPT;
  if (rc)
    return rc;
  if (v.len != ZB_SHA256_LEN)
    return ZB_ECORRUPT;
  memcpy(h->hash, v.data, ZB_SHA256_LEN);
  return 0;
}

int zb_oplog_head_save(zb_txn *t, const zb_oplog_head *h) {
  int rc = zb_meta_put_u64(t, "head_seq", h->seq);
  if (!rc)
    rc = zb_meta_put_u64(t, "hlc", h->hlc);
  if (!rc)
    rc = zb_txn_put(t, ZB_DB_META, "head_hash", 9, h->hash, ZB_SHA256_LEN, 0);
  return rc;
}

int zb_op_pack_hash(Zb__Op *op, const uint8_t prev[ZB_SHA256_LEN], uint8_t *buf, size_t cap,
                    size_t *len, uint8_t hash[ZB_SHA256_LEN]) {
  ProtobufCBinaryData keep = op->prev_hash;
  op->prev_hash.data = (uint8_t *)prev;
  op->prev_hash.len = ZB_SHA256_LEN;
  /* zb_pack_op writes protobuf-c's bytes (zb_pack.h); what it leaves,
   * protobuf-c packs. */
  int rc = ZB_ETOOBIG;
  if ((*len = zb_pack_op(op, buf, cap)) > 0) {
    rc = 0;
  } else if ((*len = zb__op__get_packed_size(op)) <= cap) {
    zb__op__pack(op, buf);
    rc = 0;
  }
  if (rc == 0)
    zb_sha256(buf, *len, hash);
  op->prev_hash = keep;
  return rc;
}

int zb_oplog_append(zb_txn *t, zb_oplog_head *h, Zb__Op *op) {
  uint8_t buf[ZB_OP_PACKED_MAX], key[8];
  size_t len;
  op->seq = h->seq + 1;
  memcpy(h->prev, h->hash, ZB_SHA256_LEN);
  int rc = zb_op_pack_hash(op, h->prev, buf, sizeof buf, &len, h->hash);
  if (rc)
    return rc;
  /* The stored op carries its prev_hash: the log alone proves the chain. */
  op->prev_hash.data = h->prev;
  op->prev_hash.len = ZB_SHA256_LEN;
  zb_u64_be(op->seq, key);
  if ((rc = zb_txn_put(t, ZB_DB_LOG, key, 8, buf, len, ZB_PUT_APPEND)))
    return rc;
  h->seq = op->seq;
  return 0;
}

struct scan_ctx {
  zb_op_fn fn;
  void *ctx;
};

static int scan_row(void *ctx, zb_val key, zb_val val) {
  struct scan_ctx *sc = ctx;
  (void)key;
  Zb__Op *op = zb__op__unpack(NULL, val.len, val.data);
  if (!op)
    return ZB_ECORRUPT;
  int rc = sc->fn(sc->ctx, op, val);
  zb__op__free_unpacked(op, NULL);
  return rc;
}

int zb_oplog_scan(zb_txn *t, uint64_t since, zb_op_fn fn, void *ctx) {
  uint8_t key[8];
  zb_u64_be(since + 1, key);
  struct scan_ctx sc = {fn, ctx};
  return zb_txn_scan(t, ZB_DB_LOG, key, 8, scan_row, &sc);
}

struct verify_ctx {
  const char *origin;
  uint64_t expect;
  uint8_t hash[ZB_SHA256_LEN];
  char *why;
  size_t cap;
};

static int verify_row(void *ctx, zb_val key, zb_val val) {
  struct verify_ctx *vc = ctx;
  uint64_t seq = key.len == 8 ? zb_be_u64(key.data) : 0;
  if (seq != vc->expect) {
    snprintf(vc->why, vc->cap, "log: expected op %llu, found key %llu (an op is missing)",
             (unsigned long long)vc->expect, (unsigned long long)seq);
    return ZB_ECORRUPT;
  }
  Zb__Op *op = zb__op__unpack(NULL, val.len, val.data);
  if (!op) {
    snprintf(vc->why, vc->cap, "log: op %llu does not decode", (unsigned long long)seq);
    return ZB_ECORRUPT;
  }
  int rc = 0;
  if (op->seq != seq || strcmp(op->origin, vc->origin) != 0) {
    snprintf(vc->why, vc->cap, "log: op %llu carries seq %llu of origin %s",
             (unsigned long long)seq, (unsigned long long)op->seq, op->origin);
    rc = ZB_ECORRUPT;
  } else if (op->prev_hash.len != ZB_SHA256_LEN ||
             memcmp(op->prev_hash.data, vc->hash, ZB_SHA256_LEN) != 0) {
    snprintf(vc->why, vc->cap,
             "log: hash chain broken at op %llu (op %llu was altered, or this one was)",
             (unsigned long long)seq, (unsigned long long)(seq - 1));
    rc = ZB_ECORRUPT;
  }
  zb__op__free_unpacked(op, NULL);
  if (rc)
    return rc;
  zb_sha256(val.data, val.len, vc->hash);
  vc->expect++;
  return 0;
}

int zb_oplog_verify(zb_txn *t, const char *origin, char *why, size_t cap) {
  zb_oplog_head h;
  int rc = zb_oplog_head_load(t, &h);
  if (rc) {
    snprintf(why, cap, "log: head record unreadable (%s)", zb_strerror(rc));
    return ZB_ECORRUPT;
  }
  struct verify_ctx vc = {.origin = origin, .expect = 1, .why = why, .cap = cap};
  rc = zb_txn_scan(t, ZB_DB_LOG, NULL, 0, verify_row, &vc);
  if (rc)
    return rc;
  if (vc.expect - 1 != h.seq) {
    snprintf(why, cap, "log: holds %llu ops but the head says %llu",
             (unsigned long long)(vc.expect - 1), (unsigned long long)h.seq);
    return ZB_ECORRUPT;
  }
  if (memcmp(vc.hash, h.hash, ZB_SHA256_LEN) != 0) {
    snprintf(why, cap, "log: last op %llu does not match the stored head hash (altered)",
             (unsigned long long)h.seq);
    return ZB_ECORRUPT;
  }
  return 0;
}
