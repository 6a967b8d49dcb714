#include "zb_opwire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zb_err.h"

static bool has_unknown(const Zb__Op *op) {
  if (op->base.n_unknown_fields)
    return true;
  if (op->set) {
    if (op->set->base.n_unknown_fields)
      return true;
    for (size_t i = 0; i < op->set->n_fields; i++)
      if (op->set->fields[i]->base.n_unknown_fields)
        return true;
  }
  return false;
}

int zb_opwire_decode(const uint8_t *bytes, size_t len, Zb__Op **out, char *why, size_t cap) {
  *out = NULL;
  if (len > ZB_OPWIRE_MAX) {
    snprintf(why, cap, "an op of %zu bytes is too large (at most %u)", len,
             (unsigned)ZB_OPWIRE_MAX);
    return ZB_EPROTO;
  }
  Zb__Op *op = zb__op__unpack(NULL, len, bytes);
  if (!op) {
    snprintf(why, cap, "an op does not decode");
    return ZB_EPROTO;
  }
  if (op->body_case != ZB__OP__BODY_SET || !op->set) {
    snprintf(why, cap, "op %llu has no body", (unsigned long long)op->seq);
    goto bad;
  }
  /* Unknown fields would be packed again at the end, so they must be
   * refused explicitly; everything else shows in the comparison. */
  if (has_unknown(op) || op->prev_hash.len != 0 || zb__op__get_packed_size(op) != len) {
    snprintf(why, cap, "op %llu is not in canonical encoding", (unsigned long long)op->seq);
    goto bad;
  }
  uint8_t *again = malloc(len ? len : 1);
  if (!again) {
    zb__op__free_unpacked(op, NULL);
    return ZB_ENOMEM;
  }
  zb__op__pack(op, again);
  int same = memcmp(again, bytes, len) == 0;
  free(again);
  if (!same) {
    snprintf(why, cap,
             "op %llu is not in canonical encoding (a NUL byte in a string, or fields "
             "repeated or out of order)",
             (unsigned long long)op->seq);
    goto bad;
  }
  *out = op;
  return 0;
bad:
  zb__op__free_unpacked(op, NULL);
  return ZB_EPROTO;
}
