/* The offline parcel file's bytes (zb_parcel.h, docs/PROTOCOL.md "Offline
 * parcels"). */
#include "zb_parcel.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zb_err.h"

static size_t frame_max(Zb__ParcelDirection d) {
  return d == ZB__PARCEL_DIRECTION__PARCEL_DIRECTION_TO_SERVER ? ZB_PARCEL_NODE_FRAME_MAX
                                                               : ZB_FRAME_MAX;
}

int zb_parcel_writer_init(zb_parcel_writer *w, Zb__ParcelDirection direction) {
  memset(w, 0, sizeof *w);
  w->cap = 64 * 1024;
  w->buf = malloc(w->cap);
  if (!w->buf)
    return ZB_ENOMEM;
  memcpy(w->buf, ZB_PARCEL_MAGIC, ZB_PARCEL_MAGIC_LEN);
  w->buf[8] = ZB_PARCEL_FORMAT;
  w->buf[9] = (uint8_t)direction;
  w->buf[10] = w->buf[11] = 0;
  w->len = ZB_PARCEL_PREAMBLE;
  w->max_frame = frame_max(direction);
  return 0;
}

void zb_parcel_writer_free(zb_parcel_writer *w) {
  free(w->buf);
  memset(w, 0, sizeof *w);
}

int zb_parcel_writer_add(zb_parcel_writer *w, const Zb__Frame *f) {
  size_t n = zb__frame__get_packed_size(f);
  if (n == 0 || n > w->max_frame || w->len + ZB_FRAME_HDR + n > ZB_PARCEL_FILE_MAX)
    return ZB_ETOOBIG;
  size_t need = w->len + ZB_FRAME_HDR + n;
  if (need > w->cap) {
    size_t ncap = w->cap * 2;
    while (ncap < need)
      ncap *= 2;
    uint8_t *nb = realloc(w->buf, ncap);
    if (!nb)
      return ZB_ENOMEM;
    w->buf = nb;
    w->cap = ncap;
  }
  int rc = zb_frame_write_header(w->buf + w->len, n);
  if (rc)
    return rc;
  zb__frame__pack(f, w->buf + w->len + ZB_FRAME_HDR);
  w->len = need;
  return 0;
}

/* ---- reading ---- */

struct reader {
  const uint8_t *buf;
  size_t len;
  zb_parcel *p;
  char *why;
  size_t cap;
  int nframes;
};

static int bad(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(struct reader *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->why, r->cap, fmt, ap);
  va_end(ap);
  return ZB_EINVAL;
}

static bool header_ok(struct reader *r, const Zb__ParcelHeader *h) {
  const char *id = h->node_id;
  size_t idlen = strlen(id);
  if (h->format != ZB_PARCEL_FORMAT || h->direction != r->p->direction) {
    bad(r, "its header disagrees with the file's format or direction");
    return false;
  }
  if (idlen == 0 || idlen > 64 || strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                             "0123456789-_.") != idlen) {
    bad(r, "its header names no valid node id");
    return false;
  }
  if (h->ca_sha256.len != 32 || h->signer_cert.len == 0 ||
      h->signer_cert.len > ZB_PARCEL_CERT_MAX) {
    bad(r, "its header lacks the deployment's fingerprint or the signer's certificate");
    return false;
  }
  if (h->to < h->from && h->direction == ZB__PARCEL_DIRECTION__PARCEL_DIRECTION_TO_SERVER) {
    bad(r, "its header's range of ops runs backwards");
    return false;
  }
  return true;
}

static int on_frame(void *user, const uint8_t *payload, size_t len) {
  struct reader *r = user;
  zb_parcel *p = r->p;
  bool to_server = p->direction == ZB__PARCEL_DIRECTION__PARCEL_DIRECTION_TO_SERVER;
  if (p->seal_frame)
    return bad(r, "bytes follow its signature");
  /* Fed whole, the decoder hands out payloads inside buf: where a frame
   * lies is what the seal's signature covers. */
  if (payload < r->buf + ZB_PARCEL_PREAMBLE + ZB_FRAME_HDR || payload + len > r->buf + r->len)
    return bad(r, "frame %d lies outside the file", r->nframes + 1);
  Zb__Frame *f = zb__frame__unpack(NULL, len, payload);
  if (!f)
    return bad(r, "frame %d does not decode", r->nframes + 1);
  int n = r->nframes++;
  Zb__Frame__MsgCase want_hello = to_server ? ZB__FRAME__MSG_HELLO : ZB__FRAME__MSG_HELLO_ACK;
  Zb__Frame__MsgCase want_batch = to_server ? ZB__FRAME__MSG_PUSH : ZB__FRAME__MSG_PULL_BATCH;
  if (n == 0) {
    if (f->msg_case != ZB__FRAME__MSG_PARCEL_HEADER || !header_ok(r, f->parcel_header)) {
      if (f->msg_case != ZB__FRAME__MSG_PARCEL_HEADER)
        bad(r, "it does not start with a parcel header");
      zb__frame__free_unpacked(f, NULL);
      return ZB_EINVAL;
    }
    p->header_frame = f;
    p->header = f->parcel_header;
    return 0;
  }
  if (n == 1) {
    if (f->msg_case != want_hello) {
      zb__frame__free_unpacked(f, NULL);
      return bad(r, "its second frame is not the session's %s", to_server ? "Hello" : "HelloAck");
    }
    p->hello_frame = f;
    return 0;
  }
  if (f->msg_case == want_batch) {
    if (p->nbatches >= p->header->batches) {
      zb__frame__free_unpacked(f, NULL);
      return bad(r, "it holds more batches than its header says (%u)", p->header->batches);
    }
    if (p->nbatches == p->cap) {
      size_t ncap = p->cap ? p->cap * 2 : 8;
      Zb__Frame **nb = realloc(p->batches, ncap * sizeof *nb);
      if (!nb) {
        zb__frame__free_unpacked(f, NULL);
        return ZB_ENOMEM;
      }
      p->batches = nb;
      p->cap = ncap;
    }
    p->batches[p->nbatches++] = f;
    return 0;
  }
  if (f->msg_case == ZB__FRAME__MSG_PARCEL_SEAL) {
    p->seal_frame = f;
    p->seal = f->parcel_seal;
    p->signed_len = (size_t)(payload - r->buf) - ZB_FRAME_HDR;
    if (p->nbatches != p->header->batches)
      return bad(r, "it holds %zu batches, its header says %u", p->nbatches, p->header->batches);
    if (p->seal->signature.len == 0 || p->seal->signature.len > ZB_PARCEL_SIG_MAX)
      return bad(r, "its signature is empty or too long");
    return 0;
  }
  zb__frame__free_unpacked(f, NULL);
  return bad(r, "frame %d is out of place in a parcel", n + 1);
}

int zb_parcel_decode(const uint8_t *buf, size_t len, zb_parcel *out, char *why, size_t cap) {
  memset(out, 0, sizeof *out);
  if (len < ZB_PARCEL_PREAMBLE || memcmp(buf, ZB_PARCEL_MAGIC, ZB_PARCEL_MAGIC_LEN) != 0) {
    snprintf(why, cap, "not a Zhibu parcel (no ZBPARCEL at its start)");
    return ZB_EINVAL;
  }
  if (buf[8] != ZB_PARCEL_FORMAT) {
    snprintf(why, cap, "parcel format %u is not read here (%u is)", buf[8], ZB_PARCEL_FORMAT);
    return ZB_EINVAL;
  }
  if ((buf[9] != ZB__PARCEL_DIRECTION__PARCEL_DIRECTION_TO_SERVER &&
       buf[9] != ZB__PARCEL_DIRECTION__PARCEL_DIRECTION_TO_NODE) ||
      buf[10] || buf[11]) {
    snprintf(why, cap, "damaged parcel: unknown direction");
    return ZB_EINVAL;
  }
  if (len > ZB_PARCEL_FILE_MAX) {
    snprintf(why, cap, "a parcel is at most %zu MiB", ZB_PARCEL_FILE_MAX >> 20);
    return ZB_EINVAL;
  }
  out->direction = (Zb__ParcelDirection)buf[9];
  struct reader r = {.buf = buf, .len = len, .p = out, .why = why, .cap = cap};
  /* The network's decoder, with the bound of what that side may send: a
   * length of 0 or over it is refused from its 4 bytes alone. */
  zb_frame_decoder d;
  zb_frame_decoder_init(&d, frame_max(out->direction), on_frame, &r);
  why[0] = '\0';
  int rc = zb_frame_decoder_feed(&d, buf + ZB_PARCEL_PREAMBLE, len - ZB_PARCEL_PREAMBLE);
  bool idle = zb_frame_decoder_idle(&d);
  zb_frame_decoder_fini(&d);
  if (rc == ZB_EPROTO && !why[0])
    snprintf(why, cap, "damaged parcel: a frame length of 0 or over %zu bytes",
             frame_max(out->direction));
  if (rc)
    return rc == ZB_ENOMEM ? rc : ZB_EINVAL;
  if (!idle || !out->seal_frame) {
    snprintf(why, cap, "truncated parcel: it ends %s", !idle ? "inside a frame" : "before its signature");
    return ZB_EINVAL;
  }
  return 0;
}

void zb_parcel_free(zb_parcel *p) {
  if (!p)
    return;
  if (p->header_frame)
    zb__frame__free_unpacked(p->header_frame, NULL);
  if (p->hello_frame)
    zb__frame__free_unpacked(p->hello_frame, NULL);
  for (size_t i = 0; i < p->nbatches; i++)
    zb__frame__free_unpacked(p->batches[i], NULL);
  free(p->batches);
  if (p->seal_frame)
    zb__frame__free_unpacked(p->seal_frame, NULL);
  memset(p, 0, sizeof *p);
}
