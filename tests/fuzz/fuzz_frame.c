/*
 * fuzz_frame.c — libFuzzer target for the frame decoder
 * (zb_frame_decoder_init / feed / fini), fed in chunks split where the
 * fuzzer says, with an independent reference parse as the oracle.
 *
 * Input: byte 0: bits 0-2 pick max (1, 2, 5, 300, 4096, 70000, 0 = the
 * default 16 MiB, or ZB_FRAME_MAX + 1, which is clamped); bits 3-5: the
 * callback stops the decoder (returns 7) at that frame (0: never).
 * Byte 1: n (0-15) chunk sizes follow, one byte each; then the stream.
 * The stream is fed in chunks of those sizes in turn (0 is an empty feed,
 * with data NULL); with n == 0 in one piece.
 *
 * Checks: every payload delivered has a length in [1, max] and is exactly
 * the next frame of the reference parse of the whole stream; feed returns
 * 0 until the reference hits a bad header (then ZB_EPROTO) or the
 * callback's stop (then 7), and the same error afterwards without calling
 * back again; the frames delivered are all the complete ones before that
 * point; idle() at the end iff the stream ended on a frame boundary; the
 * buffer never exceeds max(ZB_FRAME_GROW_MIN, the payload being
 * assembled); and nothing leaks (LeakSanitizer).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zb_err.h"
#include "zb_frame.h"

#define STOP_RC 7

struct ref {
  size_t nframes;       /* complete frames before the end or the error */
  size_t off[4096], len[4096];
  int err;              /* ZB_EPROTO if a bad header ends the stream */
  size_t bad_at;        /* stream offset just past that header */
  int idle;             /* stream ends between frames */
  int overflow;         /* more frames than we track: skip the comparison */
};

struct seen {
  const uint8_t *stream;
  const struct ref *ref;
  size_t max, n, stop_at;
  int stopped;
};

static void fail(const char *what) {
  fprintf(stderr, "fuzz_frame: %s\n", what);
  abort();
}

static void reference(const uint8_t *s, size_t n, size_t max, struct ref *r) {
  size_t pos = 0;
  memset(r, 0, sizeof *r);
  r->idle = 1;
  while (pos < n) {
    if (n - pos < ZB_FRAME_HDR) {
      r->idle = 0;
      return;
    }
    size_t len = (size_t)s[pos] << 24 | (size_t)s[pos + 1] << 16 | (size_t)s[pos + 2] << 8 |
                 (size_t)s[pos + 3];
    pos += ZB_FRAME_HDR;
    if (len == 0 || len > max) {
      r->err = ZB_EPROTO;
      r->bad_at = pos;
      return;
    }
    if (n - pos < len) {
      r->idle = 0;
      return;
    }
    if (r->nframes == sizeof r->off / sizeof r->off[0]) {
      r->overflow = 1;
      return;
    }
    r->off[r->nframes] = pos;
    r->len[r->nframes++] = len;
    pos += len;
  }
}

static int on_frame(void *user, const uint8_t *payload, size_t len) {
  struct seen *s = user;
  if (s->stopped)
    fail("callback after the decoder stopped");
  if (len < 1 || len > s->max)
    fail("payload length outside [1, max]");
  if (payload == NULL)
    fail("NULL payload");
  if (!s->ref->overflow) {
    if (s->n >= s->ref->nframes)
      fail("more frames than the stream holds");
    if (len != s->ref->len[s->n] || memcmp(payload, s->stream + s->ref->off[s->n], len) != 0)
      fail("payload differs from the stream's frame");
  }
  s->n++;
  if (s->stop_at && s->n == s->stop_at) {
    s->stopped = 1;
    return STOP_RC;
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const size_t maxes[8] = {1, 2, 5, 300, 4096, 70000, 0, ZB_FRAME_MAX + 1};
  if (size < 2)
    return 0;
  size_t max_arg = maxes[data[0] & 7];
  size_t max = (max_arg == 0 || max_arg > ZB_FRAME_MAX) ? ZB_FRAME_MAX : max_arg;
  size_t stop_at = (data[0] >> 3) & 7;
  size_t nctl = data[1] & 15;
  if (size < 2 + nctl)
    return 0;
  const uint8_t *ctl = data + 2, *stream = data + 2 + nctl;
  size_t n = size - 2 - nctl;

  struct ref *ref = malloc(sizeof *ref);
  if (!ref)
    fail("out of memory");
  reference(stream, n, max, ref);

  struct seen s = {stream, ref, max, 0, stop_at, 0};
  zb_frame_decoder d;
  zb_frame_decoder_init(&d, max_arg, on_frame, &s);
  if (!zb_frame_decoder_idle(&d) || zb_frame_decoder_capacity(&d) != 0)
    fail("a fresh decoder holds something");

  size_t pos = 0, k = 0, cycle_start = 0;
  int rc = 0;
  for (;;) {
    size_t chunk = n - pos;
    if (nctl) {
      if (k % nctl == 0) {
        /* A whole cycle of empty chunks makes no progress: feed the rest. */
        if (k && pos == cycle_start)
          chunk = n - pos;
        else
          chunk = ctl[0];
        cycle_start = pos;
      } else {
        chunk = ctl[k % nctl];
      }
    }
    k++;
    if (chunk > n - pos)
      chunk = n - pos;
    int r = zb_frame_decoder_feed(&d, chunk ? stream + pos : NULL, chunk);
    pos += chunk;
    if (rc && r != rc)
      fail("error not sticky");
    if (r && r != ZB_EPROTO && r != STOP_RC)
      fail("unexpected error");
    if (r == ZB_EPROTO && (!ref->err || pos < ref->bad_at))
      fail("ZB_EPROTO before any bad header");
    if (!r && ref->err && pos >= ref->bad_at)
      fail("bad header accepted");
    if (r == STOP_RC && !s.stopped)
      fail("callback's return value invented");
    if (s.stopped && !r)
      fail("callback's stop ignored");
    rc = r;
    if (zb_frame_decoder_capacity(&d) > max)
      fail("buffer larger than the frame bound");
    if (zb_frame_decoder_capacity(&d) > ZB_FRAME_KEEP && zb_frame_decoder_idle(&d))
      fail("large buffer kept after its frame");
    if (pos == n && (nctl == 0 || k >= nctl))
      break;
  }
  if (!rc) {
    if (ref->err)
      fail("bad header not reported");
    if (!ref->overflow && s.n != ref->nframes)
      fail("complete frames not delivered");
    if (zb_frame_decoder_idle(&d) != (ref->idle != 0))
      fail("idle() disagrees with the stream");
  } else if (rc == ZB_EPROTO && !ref->overflow && s.n != ref->nframes) {
    fail("frames before the bad header not all delivered");
  }
  /* Sticky: one more feed returns the same and calls nothing. */
  if (rc && zb_frame_decoder_feed(&d, stream, n) != rc)
    fail("error not sticky on a later feed");
  zb_frame_decoder_fini(&d);
  zb_frame_decoder_fini(&d);   /* twice is fine */
  free(ref);
  return 0;
}
