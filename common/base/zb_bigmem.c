#define _GNU_SOURCE   /* mremap */
#include "zb_bigmem.h"

#include <sys/mman.h>

/* Below this the table fits in the cache's reach anyway. */
#define HUGE_FROM ((size_t)2 << 20)

static void advise(void *p, size_t bytes) {
#ifdef MADV_HUGEPAGE
  if (bytes >= HUGE_FROM)
    (void)madvise(p, bytes, MADV_HUGEPAGE);   /* a hint: refused, it changes nothing */
#else
  (void)p;
  (void)bytes;
#endif
}

void *zb_big_calloc(size_t bytes) {
  if (bytes == 0)
    bytes = 1;
  void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return NULL;
  advise(p, bytes);
  return p;
}

void *zb_big_realloc(void *p, size_t old, size_t bytes) {
  if (!p)
    return zb_big_calloc(bytes);
  if (bytes == 0)
    bytes = 1;
  void *q = mremap(p, old ? old : 1, bytes, MREMAP_MAYMOVE);
  if (q == MAP_FAILED)
    return NULL;
  advise(q, bytes);
  return q;
}

void zb_big_free(void *p, size_t bytes) {
  if (p)
    munmap(p, bytes ? bytes : 1);
}
