/*
 * zb_frame.h — length-prefixed frames, independent of the transport.
 *
 * A frame on the wire is a 4-byte big-endian payload length followed by the
 * payload (one protobuf `Frame`, docs/PROTOCOL.md).  A length of zero or above
 * the decoder's maximum (default ZB_FRAME_MAX = 16 MiB) is a protocol error,
 * detected from the 4 header bytes alone, before any allocation.
 *
 * The decoder is fed byte chunks exactly as they arrive from the network,
 * split anywhere, and calls back once per complete payload.  Its buffer
 * grows with the bytes actually received (never to the declared length up
 * front), so a peer that announces 16 MiB and sends 10 bytes costs at most
 * ZB_FRAME_GROW_MIN bytes.  The decoder is a plain struct so that it can be
 * embedded; its fields are private.
 */
#ifndef ZB_FRAME_H
#define ZB_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes of the length prefix. */
#define ZB_FRAME_HDR 4u
/* Largest payload, docs/PROTOCOL.md. */
#define ZB_FRAME_MAX (16u * 1024u * 1024u)
/* First allocation for a frame split across chunks. */
#define ZB_FRAME_GROW_MIN (64u * 1024u)
/* Buffers above this are freed after their frame is delivered. */
#define ZB_FRAME_KEEP (256u * 1024u)

/*
 * Called once per complete payload.  payload is borrowed: it points into the
 * decoder's buffer or into the caller's chunk and is valid only during the
 * call; copy what you keep.  len is in [1, max].  Return 0 to go on; any
 * other value stops zb_frame_decoder_feed(), which returns it, and leaves
 * the decoder failed (the rest of the chunk is dropped).
 */
typedef int (*zb_frame_cb)(void *user, const uint8_t *payload, size_t len);

typedef struct zb_frame_decoder {
  /* private */
  zb_frame_cb cb;
  void *user;
  size_t max; /* largest accepted payload */
  uint8_t hdr[ZB_FRAME_HDR];
  size_t hdr_have; /* header bytes received of the current frame */
  size_t len;      /* declared payload length, valid once hdr_have == 4 */
  size_t have;     /* payload bytes buffered */
  uint8_t *buf;    /* owned, capacity cap */
  size_t cap;
  int err; /* sticky: 0 or the error that failed the decoder */
} zb_frame_decoder;

/*
 * Prepares d.  max = 0 means ZB_FRAME_MAX; a max above ZB_FRAME_MAX is
 * clamped to it.  Never fails and allocates nothing.
 */
void zb_frame_decoder_init(zb_frame_decoder *d, size_t max, zb_frame_cb cb,
                           void *user);
/* Frees d's buffer; d may be initialised again afterwards.  NULL is fine. */
void zb_frame_decoder_fini(zb_frame_decoder *d);

/*
 * Consumes n bytes (data may be NULL when n == 0).  Returns 0; ZB_EPROTO if
 * a header declares zero or more than max bytes; ZB_ENOMEM; or the nonzero
 * value a callback returned.  Any error is sticky: later calls return it
 * without reading data.  Calling feed from inside the callback is a bug.
 */
int zb_frame_decoder_feed(zb_frame_decoder *d, const void *data, size_t n);

/* True between frames (no partial header or payload held). */
bool zb_frame_decoder_idle(const zb_frame_decoder *d);
/* Bytes currently allocated for a partial payload (for tests and stats). */
size_t zb_frame_decoder_capacity(const zb_frame_decoder *d);

/*
 * Writes the big-endian prefix for a payload of len bytes.  Returns 0,
 * ZB_EINVAL for len == 0 (a Frame is never empty) or ZB_ETOOBIG above
 * ZB_FRAME_MAX; out is untouched on error.
 */
int zb_frame_write_header(uint8_t out[ZB_FRAME_HDR], size_t len);

#endif
