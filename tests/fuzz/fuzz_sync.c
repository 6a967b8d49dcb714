/* libFuzzer driver for everything a peer sends during sync: the frame
 * decoder (length prefixes), zb.Frame, and the zstd batches inside push and
 * pull frames with the Op / ServerOp each item holds.  Input: byte 0 picks
 * where the stream is cut in two; the whole input is the stream. */
#include <stddef.h>
#include <stdint.h>

#include "zb_batch.h"
#include "zb_frame.h"
#include "zhibu.pb-c.h"

static int op_item(void *ctx, const uint8_t *item, size_t len) {
  (void)ctx;
  Zb__Op *op = zb__op__unpack(NULL, len, item);
  if (op)
    zb__op__free_unpacked(op, NULL);
  return 0;
}

static int server_op_item(void *ctx, const uint8_t *item, size_t len) {
  (void)ctx;
  Zb__ServerOp *so = zb__server_op__unpack(NULL, len, item);
  if (so) {
    op_item(NULL, so->op.data, so->op.len);
    zb__server_op__free_unpacked(so, NULL);
  }
  return 0;
}

static int on_frame(void *user, const uint8_t *payload, size_t len) {
  (void)user;
  Zb__Frame *f = zb__frame__unpack(NULL, len, payload);
  if (!f)
    return 0;
  if (f->msg_case == ZB__FRAME__MSG_PUSH)
    zb_batch_each(f->push->zdata.data, f->push->zdata.len, f->push->raw_size, f->push->count,
                  op_item, NULL);
  else if (f->msg_case == ZB__FRAME__MSG_PULL_BATCH)
    zb_batch_each(f->pull_batch->zdata.data, f->pull_batch->zdata.len,
                  f->pull_batch->raw_size, f->pull_batch->count, server_op_item, NULL);
  zb__frame__free_unpacked(f, NULL);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  zb_frame_decoder d;
  zb_frame_decoder_init(&d, 1 << 20, on_frame, NULL);
  /* Feed in two pieces split by the first byte, as a network would. */
  size_t cut = size ? data[0] % (size + 1) : 0;
  if (zb_frame_decoder_feed(&d, data, cut) == 0)
    zb_frame_decoder_feed(&d, data + cut, size - cut);
  zb_frame_decoder_fini(&d);
  return 0;
}
