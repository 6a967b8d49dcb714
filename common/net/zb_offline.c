/* Sync sessions carried as parcel files (zb_offline.h; docs/PROTOCOL.md,
 * "Offline parcels"). */
#include "zb_msg.h"
#include "zb_offline.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zb_batch.h"
#include "zb_bundle.h"
#include "zb_ca.h"
#include "zb_err.h"
#include "zb_hlc.h"
#include "zb_parcel.h"
#include "zb_pem.h"
#include "zb_sha.h"
#include "zb_sign.h"
#include "zb_sync.h"
#include "zb_utf8.h"
#include "zhibu.pb-c.h"

static int say(zb_offline_report *r, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int say(zb_offline_report *r, int rc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->error, sizeof r->error, fmt, ap);
  va_end(ap);
  zb_utf8_cut_tail(r->error);   /* whole characters, should the buffer cut it */
  return rc;
}

/* The whole file, bounded before anything is allocated for it. */
static int read_parcel(const char *path, uint8_t **out, size_t *len, zb_offline_report *r) {
  *out = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? say(r, ZB_ENOTFOUND, zb_msg("parcel.no_file"), path)
                           : say(r, ZB_EIO, "%s: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return say(r, ZB_EINVAL, zb_msg("parcel.not_regular"), path);
  }
  if ((uint64_t)st.st_size > ZB_PARCEL_FILE_MAX || st.st_size < (off_t)ZB_PARCEL_PREAMBLE) {
    close(fd);
    return say(r, ZB_EINVAL, zb_msg(st.st_size < (off_t)ZB_PARCEL_PREAMBLE ? "parcel.too_short"
                                                                            : "parcel.too_big"),
               path);
  }
  size_t n = (size_t)st.st_size, have = 0;
  uint8_t *buf = malloc(n + 1);
  if (!buf) {
    close(fd);
    return ZB_ENOMEM;
  }
  /* One byte more than the size says: a file growing meanwhile is refused. */
  while (have < n + 1) {
    ssize_t k = read(fd, buf + have, n + 1 - have);
    if (k < 0 && errno == EINTR)
      continue;
    if (k < 0) {
      close(fd);
      free(buf);
      return say(r, ZB_EIO, "%s: %s", path, strerror(errno));
    }
    if (k == 0)
      break;
    have += (size_t)k;
  }
  close(fd);
  if (have != n) {
    free(buf);
    return say(r, ZB_EINVAL, "%s: the file changed while it was read", path);
  }
  *out = buf;
  *len = n;
  r->bytes = n;
  return 0;
}

/* Signs what w holds with key, appends the seal and writes the file. */
static int seal_and_write(zb_parcel_writer *w, EVP_PKEY *key, const char *path,
                          zb_offline_report *r) {
  uint8_t *sig;
  size_t siglen;
  int rc = zb_sign(key, w->buf, w->len, &sig, &siglen);
  if (rc)
    return say(r, rc, "cannot sign the parcel");
  Zb__ParcelSeal seal = ZB__PARCEL_SEAL__INIT;
  Zb__Frame f = ZB__FRAME__INIT;
  seal.signature.data = sig;
  seal.signature.len = siglen;
  f.msg_case = ZB__FRAME__MSG_PARCEL_SEAL;
  f.parcel_seal = &seal;
  rc = zb_parcel_writer_add(w, &f);
  free(sig);
  if (rc)
    return say(r, rc, "cannot make the parcel: %s", zb_strerror(rc));
  /* Written aside and renamed: a stick pulled out mid-write leaves the old
   * file or none, never half a parcel under the name. */
  rc = zb_pem_write_replace(path, (const char *)w->buf, w->len, 0644);
  if (rc)
    return say(r, rc, "%s: cannot write the parcel", path);
  r->bytes = w->len;
  return 0;
}

static void fill_header(Zb__ParcelHeader *h, Zb__ParcelDirection d, const char *node_id,
                        uint8_t ca_fp[32], uint8_t *cert, size_t cert_len) {
  h->format = ZB_PARCEL_FORMAT;
  h->direction = d;
  h->node_id = (char *)node_id;
  h->ca_sha256.data = ca_fp;
  h->ca_sha256.len = 32;
  h->signer_cert.data = cert;
  h->signer_cert.len = cert_len;
  h->created_ms = zb_hlc_wall_ms();
}

/* Compressed batches kept until the header (which counts them) is out. */
struct zlist {
  uint8_t **z;
  size_t *zlen;
  uint32_t *count;
  uint64_t *raw, *cursor;
  bool *done;
  size_t n, cap;
};

static int zlist_add(struct zlist *l, const zb_batch *b, uint64_t cursor, bool done) {
  if (l->n == l->cap) {
    size_t c = l->cap ? l->cap * 2 : 8;
    void *a = realloc(l->z, c * sizeof *l->z), *b2 = realloc(l->zlen, c * sizeof *l->zlen),
         *c3 = realloc(l->count, c * sizeof *l->count), *d = realloc(l->raw, c * sizeof *l->raw),
         *e = realloc(l->cursor, c * sizeof *l->cursor), *f = realloc(l->done, c * sizeof *l->done);
    if (a)
      l->z = a;
    if (b2)
      l->zlen = b2;
    if (c3)
      l->count = c3;
    if (d)
      l->raw = d;
    if (e)
      l->cursor = e;
    if (f)
      l->done = f;
    if (!a || !b2 || !c3 || !d || !e || !f)
      return ZB_ENOMEM;
    l->cap = c;
  }
  int rc = zb_batch_compress(b, &l->z[l->n], &l->zlen[l->n]);
  if (rc)
    return rc;
  l->count[l->n] = b->count;
  l->raw[l->n] = b->len;
  l->cursor[l->n] = cursor;
  l->done[l->n] = done;
  l->n++;
  return 0;
}

static void zlist_free(struct zlist *l) {
  for (size_t i = 0; i < l->n; i++)
    free(l->z[i]);
  free(l->z);
  free(l->zlen);
  free(l->count);
  free(l->raw);
  free(l->cursor);
  free(l->done);
  memset(l, 0, sizeof *l);
}

/* ---- node → server ---- */

/* What both of the node's commands start with: the node's state and its
 * enrollment bundle (the key and the CA), the report's node and org. */
static int node_begin(zb_node *n, zb_offline_report *r, zb_node_info *info, zb_bundle *b) {
  memset(r, 0, sizeof *r);
  memset(b, 0, sizeof *b);
  int rc = zb_node_info_get(n, info);
  if (rc)
    return say(r, rc, "cannot read the node's state: %s", zb_strerror(rc));
  if (!*zb_node_bundle_path(n))
    return say(r, ZB_ENOTINIT, "%s", zb_msg("sync.not_enrolled"));
  char why[320] = "";
  if ((rc = zb_bundle_read(zb_node_bundle_path(n), b, why, sizeof why)))
    return say(r, rc == ZB_EINVAL ? ZB_EREFUSED : rc, zb_msg("sync.bundle_bad"),
               why[0] ? why : zb_msg_err(rc));
  snprintf(r->node_id, sizeof r->node_id, "%s", info->node_id);
  snprintf(r->org, sizeof r->org, "%s", info->org);
  return 0;
}

int zb_offline_node_export(zb_node *n, const char *path, zb_offline_report *r) {
  zb_node_info info;
  zb_bundle b;
  int rc = node_begin(n, r, &info, &b);
  if (rc)
    return rc;
  r->from = info.acked_seq;
  r->cursor = info.cursor;
  struct zlist zl = {0};
  zb_batch batch;
  zb_batch_init(&batch);
  uint64_t after = info.acked_seq;
  /* The session's push: the same batches, cut at the same size. */
  for (;;) {
    uint64_t last;
    if ((rc = zb_node_push_batch(n, after, ZB_SYNC_BATCH_RAW, &batch, &last))) {
      say(r, rc, "cannot read the local log: %s", zb_strerror(rc));
      goto out;
    }
    if (batch.count == 0)
      break;
    if ((rc = zlist_add(&zl, &batch, last, false))) {
      say(r, rc, "cannot compress a batch");
      goto out;
    }
    r->ops += batch.count;
    after = last;
  }
  r->to = after;
  r->batches = (uint32_t)zl.n;
  uint8_t fp[32], *cert = NULL;
  size_t cert_len = 0;
  if ((rc = zb_sign_cert_sha256(b.ca, fp)) || (rc = zb_sign_cert_der(b.cert, &cert, &cert_len))) {
    say(r, rc, "cannot read the node's certificate");
    goto out;
  }
  zb_parcel_writer w;
  if ((rc = zb_parcel_writer_init(&w, ZB__PARCEL_DIRECTION__PARCEL_DIRECTION_TO_SERVER))) {
    free(cert);
    goto out;
  }
  Zb__ParcelHeader h = ZB__PARCEL_HEADER__INIT;
  fill_header(&h, ZB__PARCEL_DIRECTION__PARCEL_DIRECTION_TO_SERVER, info.node_id, fp, cert,
              cert_len);
  h.from = r->from;
  h.to = r->to;
  h.batches = r->batches;
  Zb__Frame f = ZB__FRAME__INIT;
  f.msg_case = ZB__FRAME__MSG_PARCEL_HEADER;
  f.parcel_header = &h;
  rc = zb_parcel_writer_add(&w, &f);
  Zb__Hello hello = ZB__HELLO__INIT;
  hello.protocol = ZB_PROTOCOL_VERSION;
  hello.node_id = info.node_id;
  hello.log_head = info.head_seq;
  hello.cursor = info.cursor;
  f.msg_case = ZB__FRAME__MSG_HELLO;
  f.hello = &hello;
  if (!rc)
    rc = zb_parcel_writer_add(&w, &f);
  for (size_t i = 0; i < zl.n && !rc; i++) {
    Zb__PushBatch pb = ZB__PUSH_BATCH__INIT;
    pb.batch = i + 1;
    pb.count = zl.count[i];
    pb.raw_size = zl.raw[i];
    pb.zdata.data = zl.z[i];
    pb.zdata.len = zl.zlen[i];
    f.msg_case = ZB__FRAME__MSG_PUSH;
    f.push = &pb;
    rc = zb_parcel_writer_add(&w, &f);
  }
  if (rc)
    say(r, rc, "cannot make the parcel: %s", zb_strerror(rc));
  else
    rc = seal_and_write(&w, b.key, path, r);
  zb_parcel_writer_free(&w);
  free(cert);
out:
  zb_batch_free(&batch);
  zlist_free(&zl);
  zb_bundle_clear(&b);
  return rc;
}

/* The checks every parcel passes at its receiver, in this order: the bytes
 * (zb_parcel_decode), the direction, the deployment, the signature by a
 * certificate of that deployment's CA for purpose.  0 with *cert. */
static int open_parcel(const char *path, Zb__ParcelDirection want, X509_STORE *store,
                       X509 *ca, const char *purpose, time_t when, uint8_t **buf, zb_parcel *p,
                       X509 **cert, zb_offline_report *r) {
  size_t len = 0;
  char why[320];
  memset(p, 0, sizeof *p);
  *cert = NULL;
  int rc = read_parcel(path, buf, &len, r);
  if (rc)
    return rc;
  if ((rc = zb_parcel_decode(*buf, len, p, why, sizeof why)))
    return say(r, rc, "%s: %s", path, why);
  if (p->direction != want)
    return say(r, ZB_EINVAL,
               zb_msg(want == ZB__PARCEL_DIRECTION__PARCEL_DIRECTION_TO_SERVER ? "parcel.for_node"
                                                                                : "parcel.for_server"),
               path);
  uint8_t fp[32];
  if ((rc = zb_sign_cert_sha256(ca, fp)))
    return say(r, rc, "cannot read the deployment's CA");
  if (memcmp(fp, p->header->ca_sha256.data, 32) != 0)
    return say(r, ZB_EREFUSED, zb_msg("parcel.other_deployment"), path);
  rc = zb_sign_verify(store, purpose, when, p->header->signer_cert.data,
                      p->header->signer_cert.len, *buf, p->signed_len,
                      p->seal->signature.data, p->seal->signature.len, cert, why, sizeof why);
  if (rc)
    return say(r, rc, zb_msg("parcel.refused"), path, why);
  return 0;
}

/* ---- server side ---- */

struct server_keys {
  X509_STORE *store;   /* ca.crt + crl.pem, as the TLS context */
  X509 *ca, *cert;
  EVP_PKEY *key;
};

static void server_keys_free(struct server_keys *k) {
  X509_STORE_free(k->store);
  X509_free(k->ca);
  X509_free(k->cert);
  EVP_PKEY_free(k->key);
  memset(k, 0, sizeof *k);
}

static int server_keys_load(const char *pki, bool with_key, struct server_keys *k,
                            zb_offline_report *r) {
  char path[4200];
  int rc;
  memset(k, 0, sizeof *k);
  /* The store sessions are checked with: a missing crl.pem refuses all. */
  if ((rc = zb_ca_load_store(pki, &k->store)))
    return say(r, rc, "%s: cannot load the CA and its revocation list: %s", pki, zb_strerror(rc));
  snprintf(path, sizeof path, "%s/ca.crt", pki);
  if (!(k->ca = zb_pem_read(path, ZB_PEM_CERT, &rc)))
    return say(r, rc, "%s: cannot read", path);
  if (!with_key)
    return 0;
  snprintf(path, sizeof path, "%s/server.crt", pki);
  if (!(k->cert = zb_pem_read(path, ZB_PEM_CERT, &rc)))
    return say(r, rc, "%s: cannot read", path);
  snprintf(path, sizeof path, "%s/server.key", pki);
  if (!(k->key = zb_pem_read(path, ZB_PEM_KEY, &rc)))
    return say(r, rc, "%s: cannot read", path);
  return 0;
}

/* Records a parcel of node r->node_id (whose verified certificate is cert)
 * as contact, by the server's clock: its cursor and log head, and whether
 * it was taken (ok; a parcel that changed nothing is no contact) or
 * refused (why).  0 or the storage error (which only a taken parcel
 * reports: a refused one has its own). */
static int note_parcel(zb_hub *h, const zb_offline_report *r, X509 *cert,
                       const Zb__Hello *hello, bool ok, const char *why) {
  uint8_t *der = NULL;
  size_t dlen = 0;
  int rc = zb_sign_cert_der(cert, &der, &dlen);
  if (rc)
    return rc;
  zb_hub_contact c = {
      .node_id = r->node_id,
      .org = r->org,
      .cert = der,
      .cert_len = dlen,
      .has_cursor = ok,
      .cursor = hello->cursor,
      .has_head = true,
      .log_head = hello->log_head,
      .ok = ok,
      .at_ms = zb_hlc_wall_ms(),
      .via = ok && r->already ? ZB_VIA_NONE : ZB_VIA_PARCEL,
      .err = why,
  };
  rc = zb_hub_contacts_note(h, &c, 1);
  free(der);
  return rc;
}

int zb_offline_server_import(zb_hub *h, const char *pki_dir, const char *path,
                             const char *expect_node, zb_offline_report *r) {
  memset(r, 0, sizeof *r);
  struct server_keys k;
  uint8_t *buf = NULL;
  zb_parcel p;
  X509 *cert = NULL;
  zb_push_req *reqs = NULL;
  memset(&p, 0, sizeof p);
  int rc = server_keys_load(pki_dir, false, &k, r);
  if (!rc)
    rc = open_parcel(path, ZB__PARCEL_DIRECTION__PARCEL_DIRECTION_TO_SERVER, k.store, k.ca,
                     ZB_SIGN_AS_NODE, 0, &buf, &p, &cert, r);
  if (rc)
    goto out;
  /* Who sent it is its verified certificate, never what it says. */
  if (zb_pki_peer_identity(cert, r->node_id, sizeof r->node_id, r->org, sizeof r->org)) {
    rc = say(r, ZB_EREFUSED, "%s: refused: the signer's certificate names no node id and org",
             path);
    goto out;
  }
  const Zb__Hello *hello = p.hello_frame->hello;
  if (strcmp(p.header->node_id, r->node_id) != 0 || strcmp(hello->node_id, r->node_id) != 0) {
    rc = say(r, ZB_EREFUSED, "%s: refused: the parcel says node %.64s but is signed by node %s",
             path, p.header->node_id, r->node_id);
    goto out;
  }
  if (expect_node && strcmp(expect_node, r->node_id) != 0) {
    rc = say(r, ZB_EREFUSED, "%s: refused: this is node %s's parcel, not node %s's", path,
             r->node_id, expect_node);
    goto out;
  }
  if (hello->protocol != ZB_PROTOCOL_VERSION) {
    rc = say(r, ZB_EINVAL, "%s: protocol %u is not spoken here (%u is)", path, hello->protocol,
             ZB_PROTOCOL_VERSION);
    goto out;
  }
  r->from = p.header->from;
  r->to = p.header->to;
  r->cursor = hello->cursor;
  r->batches = (uint32_t)p.nbatches;
  uint64_t head;
  uint8_t hash[32];
  if ((rc = zb_hub_hello(h, r->node_id, &r->held_seq, hash, &head))) {
    say(r, rc, "server error: %s", zb_strerror(rc));
    goto out;
  }
  if (p.header->from > r->held_seq) {
    rc = say(r, ZB_EREFUSED,
             "%s: refused: it holds node %s's ops from %llu on, but the server holds only up to "
             "%llu: import the node's earlier parcel first (or sync)",
             path, r->node_id, (unsigned long long)p.header->from + 1,
             (unsigned long long)r->held_seq);
    note_parcel(h, r, cert, hello, false,
                "a parcel was refused: its node's earlier parcel is missing");
    goto out;
  }
  reqs = calloc(p.nbatches ? p.nbatches : 1, sizeof *reqs);
  if (!reqs) {
    rc = ZB_ENOMEM;
    goto out;
  }
  for (size_t i = 0; i < p.nbatches; i++) {
    const Zb__PushBatch *b = p.batches[i]->push;
    reqs[i] = (zb_push_req){r->node_id, r->org, b->zdata.data, b->zdata.len, b->raw_size,
                            b->count, {0}, 0};
    r->ops += b->count;
  }
  /* The session's push, all of the parcel or none of it. */
  if (p.nbatches && (rc = zb_hub_push_all(h, reqs, p.nbatches))) {
    const char *why = "";
    for (size_t i = 0; i < p.nbatches; i++)
      if (reqs[i].res.why[0] && !strstr(reqs[i].res.why, "another batch of the same parcel")) {
        why = reqs[i].res.why;
        break;
      }
    if (rc == ZB_EPROTO) {
      rc = say(r, ZB_EREFUSED, "%s: refused, nothing stored: %s", path, why);
      char reason[400];   /* the hub keeps ZB_HUB_REASON_MAX bytes of it */
      snprintf(reason, sizeof reason, "a parcel was refused: %s", why);
      note_parcel(h, r, cert, hello, false, reason);
    } else
      say(r, rc, "server error: %s", zb_strerror(rc));
    goto out;
  }
  for (size_t i = 0; i < p.nbatches; i++) {
    r->applied += reqs[i].res.applied;
    r->duplicates += reqs[i].res.duplicates;
    r->rejected += reqs[i].res.rejected;
    r->conflicts += reqs[i].res.conflicts;
    if (reqs[i].res.held_seq > r->held_seq)
      r->held_seq = reqs[i].res.held_seq;
  }
  zb_hub_peer *before = malloc(sizeof *before);
  if (!before) {
    rc = ZB_ENOMEM;
    goto out;
  }
  bool known = zb_hub_peer_get(h, r->node_id, before) == 0;
  r->already = r->applied == 0 && r->rejected == 0 && known && before->cursor >= hello->cursor;
  free(before);
  /* Contact with the node, for the freshness report — unless the parcel
   * changed nothing (imported before, or older than a sync since). */
  if ((rc = note_parcel(h, r, cert, hello, true, NULL))) {
    say(r, rc, "cannot record where the node's next pull starts: %s", zb_strerror(rc));
    goto out;
  }
out:
  free(reqs);
  X509_free(cert);
  zb_parcel_free(&p);
  free(buf);
  server_keys_free(&k);
  return rc;
}

int zb_offline_server_export(zb_hub *h, const char *pki_dir, const char *node_id,
                             const uint64_t *since, const char *path, zb_offline_report *r) {
  memset(r, 0, sizeof *r);
  snprintf(r->node_id, sizeof r->node_id, "%s", node_id);
  zb_hub_peer *peer = malloc(sizeof *peer);
  if (!peer)
    return ZB_ENOMEM;
  struct server_keys k;
  struct zlist zl = {0};
  zb_batch batch;
  zb_batch_init(&batch);
  X509 *ncert = NULL;
  uint8_t *cert = NULL;
  int rc = server_keys_load(pki_dir, true, &k, r);
  if (rc)
    goto out;
  rc = zb_hub_peer_get(h, node_id, peer);
  if (rc == ZB_ENOTFOUND) {
    say(r, rc, zb_msg("parcel.unknown_node"), node_id);
    goto out;
  }
  if (rc) {
    say(r, rc, "server error: %s", zb_strerror(rc));
    goto out;
  }
  /* Its certificate again, against today's revocation list: a revoked node
   * gets nothing, as its next handshake would. */
  const unsigned char *dp = peer->cert;
  char why[200];
  ncert = d2i_X509(NULL, &dp, (long)peer->cert_len);
  if (!ncert) {
    rc = say(r, ZB_ECORRUPT, "the stored certificate of node %s does not decode", node_id);
    goto out;
  }
  if ((rc = zb_sign_check_cert(k.store, ZB_SIGN_AS_NODE, 0, ncert, why, sizeof why))) {
    say(r, rc, "refused: node %s's certificate is not accepted: %s", node_id, why);
    goto out;
  }
  snprintf(r->org, sizeof r->org, "%s", peer->org);
  uint64_t cursor = since ? *since : peer->cursor, head;
  uint8_t held_hash[32];
  if ((rc = zb_hub_hello(h, node_id, &r->held_seq, held_hash, &head))) {
    say(r, rc, "server error: %s", zb_strerror(rc));
    goto out;
  }
  r->from = cursor;
  /* The session's pull: the same filter, the same batches. */
  for (;;) {
    uint64_t next;
    bool done;
    if ((rc = zb_hub_pull(h, node_id, peer->org, cursor, ZB_SYNC_BATCH_RAW, &batch, &next,
                          &done))) {
      say(r, rc, "server error: %s", zb_strerror(rc));
      goto out;
    }
    if (batch.count || done || next != cursor) {
      if ((rc = zlist_add(&zl, &batch, next, done))) {
        say(r, rc, "cannot compress a batch");
        goto out;
      }
      r->ops += batch.count;
    }
    cursor = next;
    if (done)
      break;
  }
  r->to = r->cursor = cursor;
  r->batches = (uint32_t)zl.n;
  uint8_t fp[32];
  size_t cert_len;
  if ((rc = zb_sign_cert_sha256(k.ca, fp)) || (rc = zb_sign_cert_der(k.cert, &cert, &cert_len))) {
    say(r, rc, "cannot read the server's certificate");
    goto out;
  }
  if ((rc = zb_hub_parcel_next(h, node_id, &r->seq))) {
    say(r, rc, "server error: %s", zb_strerror(rc));
    goto out;
  }
  zb_parcel_writer w;
  if ((rc = zb_parcel_writer_init(&w, ZB__PARCEL_DIRECTION__PARCEL_DIRECTION_TO_NODE)))
    goto out;
  Zb__ParcelHeader hd = ZB__PARCEL_HEADER__INIT;
  fill_header(&hd, ZB__PARCEL_DIRECTION__PARCEL_DIRECTION_TO_NODE, node_id, fp, cert, cert_len);
  hd.seq = r->seq;
  hd.from = r->from;
  hd.to = r->to;
  hd.batches = r->batches;
  Zb__Frame f = ZB__FRAME__INIT;
  f.msg_case = ZB__FRAME__MSG_PARCEL_HEADER;
  f.parcel_header = &hd;
  rc = zb_parcel_writer_add(&w, &f);
  /* What HelloAck tells a session: how far the server holds this node's
   * log (the outcome of every op it pushed: rejections travel in the
   * batches), its head, the node's org, the server's clock. */
  Zb__HelloAck a = ZB__HELLO_ACK__INIT;
  a.protocol = ZB_PROTOCOL_VERSION;
  a.held_seq = r->held_seq;
  a.server_head = head;
  a.org = peer->org;
  a.held_hash.data = held_hash;
  a.held_hash.len = r->held_seq ? sizeof held_hash : 0;
  a.server_time_ms = zb_hlc_wall_ms();
  f.msg_case = ZB__FRAME__MSG_HELLO_ACK;
  f.hello_ack = &a;
  if (!rc)
    rc = zb_parcel_writer_add(&w, &f);
  for (size_t i = 0; i < zl.n && !rc; i++) {
    Zb__PullBatch pb = ZB__PULL_BATCH__INIT;
    pb.count = zl.count[i];
    pb.raw_size = zl.raw[i];
    pb.zdata.data = zl.z[i];
    pb.zdata.len = zl.zlen[i];
    pb.cursor = zl.cursor[i];
    pb.done = zl.done[i];
    f.msg_case = ZB__FRAME__MSG_PULL_BATCH;
    f.pull_batch = &pb;
    rc = zb_parcel_writer_add(&w, &f);
  }
  if (rc)
    say(r, rc, "cannot make the parcel: %s", zb_strerror(rc));
  else
    rc = seal_and_write(&w, k.key, path, r);
  zb_parcel_writer_free(&w);
out:
  free(cert);
  X509_free(ncert);
  zb_batch_free(&batch);
  zlist_free(&zl);
  server_keys_free(&k);
  free(peer);
  return rc;
}

/* ---- server → node ---- */

static int walk_nothing(void *ctx, const uint8_t *item, size_t len) {
  (void)ctx;
  (void)item;
  (void)len;
  return 0;
}

int zb_offline_node_import(zb_node *n, const char *path, zb_offline_report *r) {
  zb_node_info info;
  zb_bundle b;
  int rc = node_begin(n, r, &info, &b);
  if (rc)
    return rc;
  uint8_t *buf = NULL;
  zb_parcel p;
  X509 *cert = NULL;
  X509_STORE *store = NULL;
  zb_pull_part *parts = NULL;
  memset(&p, 0, sizeof p);
  if ((rc = zb_bundle_store(&b, &store))) {
    say(r, rc, "cannot load the deployment's CA from the enrollment bundle");
    goto out;
  }
  /* The server's certificate, checked as a session checks it. */
  if ((rc = open_parcel(path, ZB__PARCEL_DIRECTION__PARCEL_DIRECTION_TO_NODE, store, b.ca,
                        ZB_SIGN_AS_SERVER, zb_sync_check_time(&info, b.cert), &buf, &p, &cert,
                        r)))
    goto out;
  const Zb__ParcelHeader *hd = p.header;
  const Zb__HelloAck *a = p.hello_frame->hello_ack;
  if (strcmp(hd->node_id, info.node_id) != 0) {
    rc = say(r, ZB_EREFUSED, "%s: refused: this parcel is for node %.64s, this is node %s", path,
             hd->node_id, info.node_id);
    goto out;
  }
  if (a->protocol != ZB_PROTOCOL_VERSION) {
    rc = say(r, ZB_EINVAL, "%s: the server speaks protocol %u, this node %u", path, a->protocol,
             ZB_PROTOCOL_VERSION);
    goto out;
  }
  if (strcmp(a->org, info.org) != 0) {
    rc = say(r, ZB_EREFUSED, "%s: refused: it is for org %.64s, this node keeps %s", path, a->org,
             info.org);
    goto out;
  }
  r->seq = hd->seq;
  r->from = hd->from;
  r->to = hd->to;
  r->held_seq = a->held_seq;
  r->batches = (uint32_t)p.nbatches;
  zb_parcel_in pin = {.held = a->held_seq, .server_ms = a->server_time_ms, .seq = hd->seq};
  zb_sha256(buf, r->bytes, pin.hash);
  uint64_t last_seq;
  uint8_t last_hash[32];
  if ((rc = zb_node_parcel_last(n, &last_seq, last_hash))) {
    say(r, rc, "cannot read the node's state: %s", zb_strerror(rc));
    goto out;
  }
  if (hd->seq == last_seq && memcmp(last_hash, pin.hash, 32) == 0) {
    r->already = true;   /* the same file again: nothing to do */
    r->cursor = info.cursor;
    goto out;
  }
  if (hd->seq <= last_seq) {
    rc = say(r, ZB_EREFUSED,
             "%s: refused: this is the server's parcel %llu for this node, and parcel %llu has "
             "been imported already (an older parcel after a newer one)",
             path, (unsigned long long)hd->seq, (unsigned long long)last_seq);
    goto out;
  }
  char why[320] = "";
  if ((rc = zb_node_check_held(n, info.head_seq, a->held_seq, a->held_hash.data,
                               a->held_hash.len, why, sizeof why))) {
    say(r, rc, "%s: refused: %s", path, why);
    goto out;
  }
  if (hd->from > info.cursor) {
    rc = say(r, ZB_EREFUSED,
             "%s: refused: it starts after server seq %llu, but this node has pulled only up to "
             "%llu: ask for a parcel made with --since %llu",
             path, (unsigned long long)hd->from, (unsigned long long)info.cursor,
             (unsigned long long)info.cursor);
    goto out;
  }
  parts = calloc(p.nbatches ? p.nbatches : 1, sizeof *parts);
  if (!parts) {
    rc = ZB_ENOMEM;
    goto out;
  }
  uint64_t prev = hd->from;
  for (size_t i = 0; i < p.nbatches; i++) {
    const Zb__PullBatch *pb = p.batches[i]->pull_batch;
    /* The batches' own sizes, before any is applied. */
    if (pb->cursor < prev || (i + 1 == p.nbatches && pb->cursor != hd->to) ||
        zb_batch_each(pb->zdata.data, pb->zdata.len, pb->raw_size, pb->count, walk_nothing,
                      NULL)) {
      rc = say(r, ZB_EINVAL, "%s: damaged parcel: batch %zu is malformed", path, i + 1);
      goto out;
    }
    prev = pb->cursor;
    parts[i] = (zb_pull_part){pb->zdata.data, pb->zdata.len, pb->raw_size, pb->count, pb->cursor};
    r->ops += pb->count;
  }
  zb_pull_counts pc;
  if ((rc = zb_node_parcel_apply(n, &pin, parts, p.nbatches, &pc))) {
    say(r, rc, "%s: cannot apply it, nothing stored: %s", path, zb_strerror(rc));
    goto out;
  }
  r->applied = pc.applied;
  r->conflicts = pc.conflicts;
  r->rejected = pc.rejected;
  r->skipped = pc.skipped;
  r->cursor = hd->to > info.cursor ? hd->to : info.cursor;
out:
  free(parts);
  X509_free(cert);
  X509_STORE_free(store);
  zb_parcel_free(&p);
  free(buf);
  zb_bundle_clear(&b);
  return rc;
}
