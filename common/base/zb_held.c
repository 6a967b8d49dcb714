#include "zb_held.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zb_bigmem.h"
#include "zb_err.h"

/* A pair in the arena, at a 4-byte aligned offset:
 *   uint32 next (offset + 1 of the next pair with the same value hash, 0 =
 *   none), uint32 hash, uint16 value length, uint16 key length, uint8
 *   present, then value NUL key NUL.
 * Slots hold offset + 1 of the first pair of a chain (0 = empty); a chain
 * holds the pairs of one value, the latest first. */
#define PAIR_HEAD 13u

struct zb_held {
  unsigned char *arena;
  size_t used, cap;
  uint32_t *slot;
  size_t nslots, nchains;
};

static uint32_t hash_value(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++)
    h = (h ^ (uint8_t)*s) * 16777619u;
  return h;
}

zb_held *zb_held_new(void) {
  zb_held *h = calloc(1, sizeof *h);
  if (!h)
    return NULL;
  h->nslots = 1024;
  if (!(h->slot = zb_big_calloc(h->nslots * sizeof *h->slot))) {
    free(h);
    return NULL;
  }
  return h;
}

void zb_held_free(zb_held *h) {
  if (!h)
    return;
  zb_big_free(h->arena, h->cap);
  zb_big_free(h->slot, h->nslots * sizeof *h->slot);
  free(h);
}

struct pair {
  uint32_t next, hash;
  uint16_t vlen, klen;
  uint8_t present;
  const char *value, *key;
};

static struct pair pair_at(const zb_held *h, uint32_t off) {
  const unsigned char *p = h->arena + off;
  struct pair q;
  memcpy(&q.next, p, 4);
  memcpy(&q.hash, p + 4, 4);
  memcpy(&q.vlen, p + 8, 2);
  memcpy(&q.klen, p + 10, 2);
  q.present = p[12];
  q.value = (const char *)p + PAIR_HEAD;
  q.key = q.value + q.vlen + 1;
  return q;
}

/* The slot of value's chain: the one whose chain starts with a pair of
 * this value, or the empty slot where it would go. */
static uint32_t *chain_slot(const zb_held *h, const char *value, uint32_t hash, size_t vlen) {
  size_t i = hash & (h->nslots - 1);
  for (; h->slot[i]; i = (i + 1) & (h->nslots - 1)) {
    struct pair q = pair_at(h, h->slot[i] - 1);
    if (q.hash == hash && q.vlen == vlen && memcmp(q.value, value, vlen) == 0)
      break;
  }
  return &h->slot[i];
}

static int grow_slots(zb_held *h) {
  size_t n = h->nslots * 2;
  uint32_t *slot = zb_big_calloc(n * sizeof *slot);
  if (!slot)
    return ZB_ENOMEM;
  for (size_t i = 0; i < h->nslots; i++) {
    if (!h->slot[i])
      continue;
    size_t j = pair_at(h, h->slot[i] - 1).hash & (n - 1);
    while (slot[j])
      j = (j + 1) & (n - 1);
    slot[j] = h->slot[i];
  }
  zb_big_free(h->slot, h->nslots * sizeof *h->slot);
  h->slot = slot;
  h->nslots = n;
  return 0;
}

/* The pair (value, key) of the chain starting at head, as an arena offset
 * + 1, or 0. */
static uint32_t find_pair(const zb_held *h, uint32_t head, const char *key, size_t klen) {
  for (uint32_t o = head; o; o = pair_at(h, o - 1).next) {
    struct pair q = pair_at(h, o - 1);
    if (q.klen == klen && memcmp(q.key, key, klen) == 0)
      return o;
  }
  return 0;
}

int zb_held_mark(zb_held *h, const char *value, const char *key, bool present) {
  size_t vlen = strlen(value), klen = strlen(key);
  if (vlen > UINT16_MAX || klen > UINT16_MAX)
    return ZB_ETOOBIG;
  uint32_t hash = hash_value(value);
  uint32_t *s = chain_slot(h, value, hash, vlen);
  uint32_t o = *s ? find_pair(h, *s, key, klen) : 0;
  if (o) {
    h->arena[o - 1 + 12] = present;
    return 0;
  }
  size_t need = (PAIR_HEAD + vlen + 1 + klen + 1 + 3) & ~(size_t)3;
  if (h->used + need > UINT32_MAX - 1)
    return ZB_ETOOBIG;
  if (h->used + need > h->cap) {
    size_t cap = h->cap ? h->cap : 1 << 16;
    while (cap < h->used + need)
      cap *= 2;
    unsigned char *a = zb_big_realloc(h->arena, h->cap, cap);
    if (!a)
      return ZB_ENOMEM;
    h->arena = a;
    h->cap = cap;
  }
  unsigned char *p = h->arena + h->used;
  uint32_t next = *s;
  uint16_t vl = (uint16_t)vlen, kl = (uint16_t)klen;
  memcpy(p, &next, 4);
  memcpy(p + 4, &hash, 4);
  memcpy(p + 8, &vl, 2);
  memcpy(p + 10, &kl, 2);
  p[12] = present;
  memcpy(p + PAIR_HEAD, value, vlen + 1);
  memcpy(p + PAIR_HEAD + vlen + 1, key, klen + 1);
  bool new_chain = *s == 0;
  *s = (uint32_t)h->used + 1;   /* the new pair heads its chain */
  h->used += need;
  /* Keep the slots under half full so probes stay short. */
  if (new_chain && ++h->nchains * 2 > h->nslots)
    return grow_slots(h);
  return 0;
}

const char *zb_held_other(const zb_held *h, const char *value, const char *self) {
  size_t vlen = strlen(value), slen = strlen(self);
  uint32_t head = *chain_slot(h, value, hash_value(value), vlen);
  for (uint32_t o = head; o; o = pair_at(h, o - 1).next) {
    struct pair q = pair_at(h, o - 1);
    if (q.present && !(q.klen == slen && memcmp(q.key, self, slen) == 0))
      return q.key;
  }
  return NULL;
}

void zb_held_prefetch(const zb_held *h, const char *value) {
  __builtin_prefetch(&h->slot[hash_value(value) & (h->nslots - 1)]);
}

bool zb_held_removed(const zb_held *h, const char *value, const char *key) {
  size_t vlen = strlen(value);
  uint32_t head = *chain_slot(h, value, hash_value(value), vlen);
  uint32_t o = head ? find_pair(h, head, key, strlen(key)) : 0;
  return o && !h->arena[o - 1 + 12];
}
