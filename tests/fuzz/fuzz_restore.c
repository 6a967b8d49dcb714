/* libFuzzer driver for a replaced PC's restore (docs/PROTOCOL.md,
 * "Restoring a replaced PC"): a RestoreBatch as the server would send it,
 * applied by zb_node_restore_apply to a real node of id b0101 that is
 * restoring.  Input: a packed zb.RestoreBatch (zstd batch of packed ops
 * without prev_hash, last_seq, last_hash).
 *
 * Checks besides the sanitizers: the result is 0 or ZB_EPROTO (never a
 * crash of the store); on 0 the node's head is last_seq and the op there
 * hashes to last_hash (zeros for an empty log); otherwise nothing changed.  The node is made anew
 * every ZB_FUZZ_RESTORE_RESET inputs (default 1000; ctest: 1). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_tmp.h"
#include "zb_err.h"
#include "zb_node.h"
#include "zb_store.h"
#include "zhibu.pb-c.h"

static zb_node *node;
static unsigned long inputs, every = 1000, made;
static char path[512];

static int set_restoring(zb_txn *t, void *ctx) {
  (void)ctx;
  return zb_meta_put_u64(t, "restore", 1);
}

static void fresh(void) {
  if (node) {
    zb_node_close(node);
    node = NULL;
    fz_rmtree(path);
  }
  snprintf(path, sizeof path, "%s/n%lu", fz_tmpdir("zb-fuzz-restore"), made++);
  const char *why = NULL;
  zb_store *s = NULL;
  if (zb_node_init(path, "b0101", "430121-01-01", &why) || zb_store_open(path, false, &s) ||
      zb_store_write(s, set_restoring, NULL))
    abort();
  zb_store_close(s);
  if (zb_node_open(path, &node))
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (inputs == 0) {
    const char *e = getenv("ZB_FUZZ_RESTORE_RESET");
    if (e && atol(e) > 0)
      every = (unsigned long)atol(e);
  }
  if (inputs++ % every == 0)
    fresh();
  Zb__RestoreBatch *b = zb__restore_batch__unpack(NULL, size, data);
  if (!b)
    return 0;
  zb_node_info before, after;
  if (zb_node_info_get(node, &before))
    abort();
  zb_restore_part part = {b->zdata.data, b->zdata.len, b->raw_size,   b->count,
                          b->last_seq,   b->last_hash.data, b->last_hash.len};
  char why[320];
  int rc = zb_node_restore_apply(node, &part, why, sizeof why);
  if (zb_node_info_get(node, &after))
    abort();
  if (rc == 0) {
    uint8_t h[32] = {0};   /* an empty log's hash */
    if (after.head_seq != b->last_seq ||
        (after.head_seq && zb_node_op_hash(node, after.head_seq, h)) ||
        b->last_hash.len != 32 || memcmp(h, b->last_hash.data, 32) != 0)
      abort();
  } else if (rc != ZB_EPROTO || !why[0] || after.head_seq != before.head_seq ||
             after.acked_seq != before.acked_seq) {
    fprintf(stderr, "restore: rc %d (%s), head %llu -> %llu\n", rc, why,
            (unsigned long long)before.head_seq, (unsigned long long)after.head_seq);
    abort();
  }
  zb__restore_batch__free_unpacked(b, NULL);
  return 0;
}
