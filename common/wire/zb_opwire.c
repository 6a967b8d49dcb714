#include "zb_opwire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zb_err.h"

static bool fields_unknown(const ProtobufCMessage *body, Zb__FieldSet *const *fs, size_t n) {
  if (body->n_unknown_fields)
    return true;
  for (size_t i = 0; i < n; i++)
    if (fs[i]->base.n_unknown_fields)
      return true;
  return false;
}

static bool has_unknown(const Zb__Op *op) {
  if (op->base.n_unknown_fields)
    return true;
  switch (op->body_case) {
  case ZB__OP__BODY_SET:
    return fields_unknown(&op->set->base, op->set->fields, op->set->n_fields);
  case ZB__OP__BODY_ACT:
    return fields_unknown(&op->act->base, op->act->params, op->act->n_params);
  case ZB__OP__BODY_FACT:
    return fields_unknown(&op->fact->base, op->fact->values, op->fact->n_values);
  default:
    return false;
  }
}

/* A body of a kind this version knows (a set, an act or a fact). */
static bool has_body(const Zb__Op *op) {
  return (op->body_case == ZB__OP__BODY_SET && op->set) ||
         (op->body_case == ZB__OP__BODY_ACT && op->act) ||
         (op->body_case == ZB__OP__BODY_FACT && op->fact);
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
  if (!has_body(op)) {
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
