/*
 * zb_parcel.h — the offline parcel file (数据包): one direction of a sync
 * session carried on a USB stick to an office with no link
 * (docs/PROTOCOL.md, "Offline parcels").  Not to be confused with the
 * enrollment bundle (common/pki/zb_bundle.h), which makes a PC a node:
 * a parcel carries ops and is made again at every trip.
 *
 * This module is the file's bytes only: writing frames and reading them
 * back with every length bounded before anything is allocated, through the
 * network's own frame decoder (zb_frame.h).  What the frames mean, the
 * signature and who may import what are checked above (common/pki/zb_sign.h,
 * common/net/zb_offline.h).
 *
 * Layout:
 *   "ZBPARCEL"  format (1 byte, ZB_PARCEL_FORMAT)  direction (1 byte)  0 0
 *   frames, each a 4-byte big-endian length and one zb.Frame:
 *     ParcelHeader
 *     Hello (to the server) | HelloAck (to a node)
 *     PushBatch* (to the server) | PullBatch* (to a node): header.batches of them
 *     ParcelSeal: the signature over every byte before this frame
 *   and nothing after it.
 * A frame is at most ZB_PARCEL_NODE_FRAME_MAX bytes in a parcel to the
 * server (what a node may send in a session, ZB_SYNCD_FRAME_MAX) and
 * ZB_FRAME_MAX in a parcel to a node; the whole file at most
 * ZB_PARCEL_FILE_MAX.
 */
#ifndef ZB_PARCEL_H
#define ZB_PARCEL_H

#include <stddef.h>
#include <stdint.h>

#include "zb_frame.h"
#include "zhibu.pb-c.h"

#define ZB_PARCEL_MAGIC "ZBPARCEL"
#define ZB_PARCEL_MAGIC_LEN 8u
#define ZB_PARCEL_PREAMBLE 12u
#define ZB_PARCEL_FORMAT 1u
/* The largest frame a node sends (docs/PROTOCOL.md, "Frames"). */
#define ZB_PARCEL_NODE_FRAME_MAX ((size_t)2 << 20)
/* The largest parcel file read or written. */
#define ZB_PARCEL_FILE_MAX ((size_t)512 << 20)
/* Bounds of the header's fields. */
#define ZB_PARCEL_CERT_MAX 4096u   /* = ZB_HUB_CERT_MAX: the server keeps it */
#define ZB_PARCEL_SIG_MAX 512u

/* ---- writing ---- */

typedef struct zb_parcel_writer {
  uint8_t *buf;
  size_t len, cap;
  size_t max_frame;
} zb_parcel_writer;

/* Starts a parcel of direction (ZB__PARCEL_DIRECTION__*): the preamble.
 * 0 or ZB_ENOMEM. */
int zb_parcel_writer_init(zb_parcel_writer *w, Zb__ParcelDirection direction);
void zb_parcel_writer_free(zb_parcel_writer *w);
/* Appends one frame.  ZB_ETOOBIG past the direction's frame maximum or
 * ZB_PARCEL_FILE_MAX, ZB_ENOMEM. */
int zb_parcel_writer_add(zb_parcel_writer *w, const Zb__Frame *f);

/* ---- reading ---- */

typedef struct zb_parcel {
  Zb__ParcelDirection direction;
  Zb__Frame *header_frame;        /* owned, and so are the frames below */
  const Zb__ParcelHeader *header;
  Zb__Frame *hello_frame;         /* Hello or HelloAck, by direction */
  Zb__Frame **batches;            /* PushBatch or PullBatch frames */
  size_t nbatches, cap;
  Zb__Frame *seal_frame;
  const Zb__ParcelSeal *seal;
  size_t signed_len;              /* the bytes the seal's signature covers */
} zb_parcel;

/* Reads buf[0..len) as a parcel into *out (free it with zb_parcel_free,
 * also after an error).  0, or ZB_EINVAL with one sentence in why: not a
 * parcel, another format, truncated (ends inside a frame or before its
 * seal), a frame over the maximum, a frame that does not decode or is out
 * of place, header fields out of bounds, bytes after the seal; ZB_ENOMEM. */
int zb_parcel_decode(const uint8_t *buf, size_t len, zb_parcel *out, char *why, size_t cap);
void zb_parcel_free(zb_parcel *p);

#endif
