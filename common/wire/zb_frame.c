#include "zb_frame.h"

#include <stdlib.h>
#include <string.h>

#include "zb_err.h"

void zb_frame_decoder_init(zb_frame_decoder *d, size_t max, zb_frame_cb cb,
                           void *user) {
  memset(d, 0, sizeof *d);
  d->cb = cb;
  d->user = user;
  d->max = (max == 0 || max > ZB_FRAME_MAX) ? ZB_FRAME_MAX : max;
}

void zb_frame_decoder_fini(zb_frame_decoder *d) {
  if (d == NULL)
    return;
  free(d->buf);
  d->buf = NULL;
  d->cap = 0;
  d->have = 0;
  d->hdr_have = 0;
}

bool zb_frame_decoder_idle(const zb_frame_decoder *d) {
  return d->hdr_have == 0 && d->have == 0;
}

size_t zb_frame_decoder_capacity(const zb_frame_decoder *d) { return d->cap; }

int zb_frame_write_header(uint8_t out[ZB_FRAME_HDR], size_t len) {
  if (len == 0)
    return ZB_EINVAL;
  if (len > ZB_FRAME_MAX)
    return ZB_ETOOBIG;
  out[0] = (uint8_t)(len >> 24);
  out[1] = (uint8_t)(len >> 16);
  out[2] = (uint8_t)(len >> 8);
  out[3] = (uint8_t)len;
  return 0;
}

/*
 * Makes room for want payload bytes.  The buffer doubles as bytes arrive and
 * never exceeds the declared length, which the caller has already bounded by
 * d->max: the memory a peer can make us hold is what it actually sent.
 */
static int reserve(zb_frame_decoder *d, size_t want) {
  if (want <= d->cap)
    return 0;
  size_t ncap = d->cap * 2;
  if (ncap < ZB_FRAME_GROW_MIN)
    ncap = ZB_FRAME_GROW_MIN;
  if (ncap < want)
    ncap = want;
  if (ncap > d->len)
    ncap = d->len;
  uint8_t *nbuf = realloc(d->buf, ncap);
  if (nbuf == NULL)
    return ZB_ENOMEM;
  d->buf = nbuf;
  d->cap = ncap;
  return 0;
}

/* Ends the current frame and hands its payload to the callback. */
static int deliver(zb_frame_decoder *d, const uint8_t *payload, size_t len) {
  d->hdr_have = 0;
  d->have = 0;
  int rc = d->cb(d->user, payload, len);
  /* One large frame must not pin its buffer for the life of a connection. */
  if (d->cap > ZB_FRAME_KEEP) {
    free(d->buf);
    d->buf = NULL;
    d->cap = 0;
  }
  return rc;
}

int zb_frame_decoder_feed(zb_frame_decoder *d, const void *data, size_t n) {
  const uint8_t *p = data;
  int rc = 0;

  if (d->err != 0)
    return d->err;
  while (n > 0) {
    if (d->hdr_have < ZB_FRAME_HDR) {
      size_t take = ZB_FRAME_HDR - d->hdr_have;
      if (take > n)
        take = n;
      memcpy(d->hdr + d->hdr_have, p, take);
      d->hdr_have += take;
      p += take;
      n -= take;
      if (d->hdr_have < ZB_FRAME_HDR)
        break;
      /* The length is bounded here, before anything is allocated for it
       * (docs/PROTOCOL.md: frames over 16 MiB are refused before allocation). */
      uint32_t len = (uint32_t)d->hdr[0] << 24 | (uint32_t)d->hdr[1] << 16 |
                     (uint32_t)d->hdr[2] << 8 | (uint32_t)d->hdr[3];
      if (len == 0 || len > d->max) {
        rc = ZB_EPROTO;
        goto out;
      }
      d->len = len;
      d->have = 0;
      continue;
    }
    size_t need = d->len - d->have;
    if (d->have == 0 && n >= need) {
      /* The whole payload is in this chunk: no copy. */
      rc = deliver(d, p, need);
      p += need;
      n -= need;
      if (rc != 0)
        goto out;
      continue;
    }
    size_t take = need < n ? need : n;
    rc = reserve(d, d->have + take);
    if (rc != 0)
      goto out;
    memcpy(d->buf + d->have, p, take);
    d->have += take;
    p += take;
    n -= take;
    if (d->have == d->len) {
      rc = deliver(d, d->buf, d->len);
      if (rc != 0)
        goto out;
    }
  }
out:
  if (rc != 0)
    d->err = rc;
  return rc;
}
