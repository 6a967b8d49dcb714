/*
 * zb_bigmem.h — large tables probed at random places (an import's hash
 * sets), mapped so that the kernel may back them with 2 MiB pages.
 *
 * A lookup in a table of tens of megabytes misses the TLB as well as the
 * cache; on a virtual machine each TLB miss walks two sets of page tables.
 * With huge pages the table needs a few TLB entries instead of thousands
 * (docs/DESIGN-NOTES.md, "Imports").  The pages are a hint
 * (madvise(MADV_HUGEPAGE)): without them the memory works the same.
 */
#ifndef ZB_BIGMEM_H
#define ZB_BIGMEM_H

#include <stddef.h>

/* bytes of zeroed memory, or NULL.  Freed with zb_big_free(p, bytes). */
void *zb_big_calloc(size_t bytes);
/* p (from zb_big_calloc or zb_big_realloc, of size old) grown or shrunk to
 * bytes, its contents kept (the new part zeroed); NULL on failure, p then
 * left as it was.  p NULL: as zb_big_calloc. */
void *zb_big_realloc(void *p, size_t old, size_t bytes);
/* NULL is fine. */
void zb_big_free(void *p, size_t bytes);

#endif
