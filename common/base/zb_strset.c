#include "zb_strset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zb_err.h"

struct zb_strset {
  char **slot;
  size_t cap, n, max;
};

static uint64_t fnv1a(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++)
    h = (h ^ (uint8_t)*s) * 1099511628211ull;
  return h;
}

zb_strset *zb_strset_new(size_t max_items) {
  zb_strset *set = calloc(1, sizeof *set);
  if (!set)
    return NULL;
  set->cap = 1024;
  set->max = max_items;
  set->slot = calloc(set->cap, sizeof *set->slot);
  if (!set->slot) {
    free(set);
    return NULL;
  }
  return set;
}

static char **find(char **slot, size_t cap, const char *s) {
  size_t i = (size_t)fnv1a(s) & (cap - 1);
  while (slot[i] && strcmp(slot[i], s) != 0)
    i = (i + 1) & (cap - 1);
  return &slot[i];
}

static int grow(zb_strset *set) {
  size_t cap = set->cap * 2;
  char **slot = calloc(cap, sizeof *slot);
  if (!slot)
    return ZB_ENOMEM;
  for (size_t i = 0; i < set->cap; i++)
    if (set->slot[i])
      *find(slot, cap, set->slot[i]) = set->slot[i];
  free(set->slot);
  set->slot = slot;
  set->cap = cap;
  return 0;
}

int zb_strset_add(zb_strset *set, const char *s) {
  char **p = find(set->slot, set->cap, s);
  if (*p)
    return 0;
  if (set->n >= set->max)
    return ZB_ETOOBIG;
  size_t len = strlen(s);
  char *copy = malloc(len + 1);
  if (!copy)
    return ZB_ENOMEM;
  memcpy(copy, s, len + 1);
  *p = copy;
  set->n++;
  /* Keep the load under one half so probes stay short. */
  if (set->n * 2 > set->cap) {
    int rc = grow(set);
    if (rc)
      return rc;
  }
  return 1;
}

void zb_strset_clear(zb_strset *set) {
  for (size_t i = 0; i < set->cap; i++) {
    free(set->slot[i]);
    set->slot[i] = NULL;
  }
  set->n = 0;
}

void zb_strset_free(zb_strset *set) {
  if (!set)
    return;
  zb_strset_clear(set);
  free(set->slot);
  free(set);
}
