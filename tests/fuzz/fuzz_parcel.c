/*
 * fuzz_parcel.c — libFuzzer target for the offline parcel decoder
 * (common/wire/zb_parcel.h, docs/PROTOCOL.md "Offline parcels"): the whole
 * input is a parcel file as it comes off a USB stick.
 *
 * Checks besides ASan/UBSan/LSan: zb_parcel_decode returns 0 or ZB_EINVAL
 * with a sentence (ZB_ENOMEM tolerated); an accepted parcel has its header,
 * its Hello or HelloAck, exactly header.batches batches of its direction
 * and a seal whose signed bytes end before the input does; every batch
 * walks (zb_batch_each) within its declared bounds or is refused; and the
 * input cut short by one byte is refused (a truncated parcel never passes).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zb_batch.h"
#include "zb_err.h"
#include "zb_parcel.h"

static void fail(const char *what) {
  fprintf(stderr, "fuzz_parcel: %s\n", what);
  abort();
}

static int touch(void *ctx, const uint8_t *item, size_t len) {
  uint64_t *n = ctx;
  volatile uint8_t sink = 0;
  for (size_t i = 0; i < len; i++)   /* ASan: every byte readable */
    sink ^= item[i];
  (void)sink;
  ++*n;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  zb_parcel p;
  char why[320];
  int rc = zb_parcel_decode(data, size, &p, why, sizeof why);
  if (rc != 0 && rc != ZB_EINVAL && rc != ZB_ENOMEM)
    fail("unexpected return");
  if (rc == ZB_EINVAL && !why[0])
    fail("refused without a reason");
  if (rc == 0) {
    bool to_server = p.direction == ZB__PARCEL_DIRECTION__PARCEL_DIRECTION_TO_SERVER;
    if (!p.header || !p.hello_frame || !p.seal || p.nbatches != p.header->batches)
      fail("accepted a parcel without its parts");
    if (p.hello_frame->msg_case != (to_server ? ZB__FRAME__MSG_HELLO : ZB__FRAME__MSG_HELLO_ACK))
      fail("wrong hello for the direction");
    if (p.signed_len < ZB_PARCEL_PREAMBLE || p.signed_len >= size)
      fail("signed bytes outside the input");
    if (p.header->signer_cert.len == 0 || p.header->signer_cert.len > ZB_PARCEL_CERT_MAX ||
        p.header->ca_sha256.len != 32 || p.seal->signature.len == 0 ||
        p.seal->signature.len > ZB_PARCEL_SIG_MAX)
      fail("header or seal out of bounds");
    for (size_t i = 0; i < p.nbatches; i++) {
      const Zb__Frame *f = p.batches[i];
      uint64_t n = 0;
      int brc;
      if (to_server) {
        if (f->msg_case != ZB__FRAME__MSG_PUSH)
          fail("a pull batch in a parcel to the server");
        brc = zb_batch_each(f->push->zdata.data, f->push->zdata.len, f->push->raw_size,
                            f->push->count, touch, &n);
      } else {
        if (f->msg_case != ZB__FRAME__MSG_PULL_BATCH)
          fail("a push batch in a parcel to a node");
        brc = zb_batch_each(f->pull_batch->zdata.data, f->pull_batch->zdata.len,
                            f->pull_batch->raw_size, f->pull_batch->count, touch, &n);
      }
      if (brc != 0 && brc != ZB_EPROTO && brc != ZB_ENOMEM)
        fail("unexpected batch return");
    }
  }
  zb_parcel_free(&p);
  if (rc == 0) {
    /* The same bytes less the last one: truncated, never accepted. */
    uint8_t *cut = malloc(size - 1);
    if (!cut)
      return 0;
    memcpy(cut, data, size - 1);
    int crc = zb_parcel_decode(cut, size - 1, &p, why, sizeof why);
    zb_parcel_free(&p);
    free(cut);
    if (crc == 0)
      fail("a parcel cut short was accepted");
  }
  return 0;
}
