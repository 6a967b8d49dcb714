#include "zb_pace.h"

void zb_pace_init(zb_pace *p, size_t cap) {
  p->cap = cap;
  p->next = cap < ZB_PACE_START ? cap : ZB_PACE_START;
  p->rate = 0;
  p->last_ack_ms = 0;
}

size_t zb_pace_next(const zb_pace *p) { return p->next; }

void zb_pace_acked(zb_pace *p, size_t raw, size_t wire, uint64_t sent_ms, uint64_t ack_ms) {
  /* Queued behind the previous batch, it began to cross when that one
   * was through. */
  uint64_t from = sent_ms > p->last_ack_ms ? sent_ms : p->last_ack_ms;
  p->last_ack_ms = ack_ms;
  if (raw == 0 || wire == 0)
    return;
  uint64_t took = ack_ms > from ? ack_ms - from : 1;
  double r = (double)wire / (double)took;
  /* A slower link is believed at once (the next batch must not take a
   * minute because the last ones were fast); a faster one half way, so
   * that one quick ack after slow ones does not double the batch twice. */
  p->rate = p->rate > 0 && r > p->rate ? (p->rate + r) / 2 : r;
  double want = p->rate * ZB_PACE_TARGET_MS * ((double)raw / (double)wire);
  size_t grow = raw > p->next ? raw : p->next;
  double most = 2.0 * (double)grow;
  if (want > most)
    want = most;
  if (want > (double)p->cap)
    want = (double)p->cap;
  size_t next = want < (double)ZB_PACE_MIN ? ZB_PACE_MIN : (size_t)want;
  p->next = next > p->cap ? p->cap : next;
}
