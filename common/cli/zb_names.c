#include "zb_names.h"
#include <stdlib.h>
#include <string.h>
#include "zb_err.h"
#include "zb_cli.h"
#include "zb_kind.h"
#include "zb_log.h"
#include "zb_msg.h"

int zb_names_row(void *ctx, const zb_rec *r) {
  zb_names *ni = ctx;
  if (ni->n == ni->cap) {
    size_t cap = ni->cap ? ni->cap * 2 : 256;
    void *x = realloc(ni->id, cap * sizeof *ni->id), *y;
    if (!x)
      return ZB_ENOMEM;
    ni->id = x;
    if (!(y = realloc(ni->name, cap * sizeof *ni->name)))
      return ZB_ENOMEM;
    ni->name = y;
    ni->cap = cap;
  }
  memcpy(ni->id[ni->n], r->v[ZB_MF_ID], sizeof ni->id[0]);
  memcpy(ni->name[ni->n], r->v[ZB_MF_NAME], sizeof ni->name[0]);
  ni->n++;
  return 0;
}

const char *zb_names_get(const zb_names *ni, const char *id) {
  size_t lo = 0, hi = ni->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(ni->id[mid], id);
    if (c == 0)
      return ni->name[mid];
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return "";
}

void zb_names_free(zb_names *ni) {
  free(ni->id);
  free(ni->name);
  ni->id = ni->name = NULL;
  ni->n = ni->cap = 0;
}

int zb_names_member(zb_node *n, const char *id, const char *what, zb_rec *r) {
  int rc = zb_node_get(n, &zb_kind_member, id, r);
  if (rc == ZB_ENOTFOUND) {
    zb_log_error(zb_msg("kind.not_found"), zb_lang_is_zh() ? "党员" : "member", id);
    return zb_exit_code(rc);
  }
  return rc ? zb_cli_fail(rc, what) : 0;
}
