#include "zb_view.h"

#include "zb_kind.h"
#include "zb_state.h"

const char *zb_view_kind_name(int kind) {
  const zb_kind_desc *kd = zb_kind_by_id(kind);
  return kd ? kd->name : "?";
}

const char *zb_view_field_name(int kind, int field, const char *unknown) {
  const char *f = zb_field_name(kind, field);
  return f ? f : unknown;
}
