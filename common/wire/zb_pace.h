/*
 * zb_pace.h — how many raw bytes of ops the next batch of a session should
 * carry, from what the link has shown so far (docs/PROTOCOL.md, "Batch
 * size").
 *
 * A batch is the unit a cut costs: its ops are committed whole when all
 * of it has arrived, and a session cut inside it sends all of it again.
 * On a village 2G link (50 kbit/s) a 1 MiB batch is ~300 KB compressed,
 * a minute of the link, and a link that breaks every few kilobytes would
 * never carry it.  So a session starts with small batches and lets them
 * grow only as fast as acknowledgements come back: the next batch holds
 * what the link has been seen to carry in ZB_PACE_TARGET_MS, at most twice
 * the last one, never less than ZB_PACE_MIN nor more than the cap.  On a
 * fast link they reach the cap after seven acknowledgements; when the link
 * slows down, the next batch shrinks at once.
 *
 * The sender measures: the time from a batch being queued (or from the
 * previous acknowledgement, when it was queued behind it) to its own
 * acknowledgement is what it took to cross, commit included.  Pure
 * arithmetic, no clock of its own: the caller passes milliseconds.
 */
#ifndef ZB_PACE_H
#define ZB_PACE_H

#include <stddef.h>
#include <stdint.h>

#define ZB_PACE_START ((size_t)8 << 10) /* raw bytes of a session's first batches */
#define ZB_PACE_MIN ((size_t)4 << 10)   /* never fewer raw bytes (one op at least) */
#define ZB_PACE_TARGET_MS 2000u         /* what a batch should take to cross */

typedef struct zb_pace {
  size_t cap;           /* the most raw bytes a batch may hold */
  size_t next;          /* raw bytes for the next batch */
  double rate;          /* wire bytes per ms the link has carried, 0: unknown */
  uint64_t last_ack_ms; /* when the last acknowledgement came, 0: none */
} zb_pace;

/* A session's pacing: batches start at ZB_PACE_START (or cap, if less). */
void zb_pace_init(zb_pace *p, size_t cap);
/* Raw bytes for the next batch. */
size_t zb_pace_next(const zb_pace *p);
/* A batch of raw bytes, wire bytes on the wire (its frame), queued at
 * sent_ms, was acknowledged at ack_ms: updates the rate and the next
 * size. */
void zb_pace_acked(zb_pace *p, size_t raw, size_t wire, uint64_t sent_ms, uint64_t ack_ms);

#endif
