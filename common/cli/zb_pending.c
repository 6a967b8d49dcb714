/* export-pending (zb_pending.h). */
#include "zb_pending.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zb_err.h"
#include "zb_log.h"
#include "zb_outfile.h"
#include "zb_render.h"
#include "zb_state.h"

struct pending_scan {
  FILE *note;
  zb_pending_result *res;
  char (*keys)[ZB_FIELD_MAX + 1];
  size_t nkeys, cap;
  int rc;
};

static int pending_op(void *ctx, const zb_op_view *op) {
  struct pending_scan *ps = ctx;
  ps->res->ops++;
  if (op->tag || strcmp(op->kind, zb_kind_member.name) != 0) {
    ps->res->left_out++;
    fprintf(ps->note, "not in the file (不在文件中，请在新电脑上重做): change %llu, %s%s%s on %s %s\n",
            (unsigned long long)op->seq, op->tag ? op->tag : "set", op->step ? " " : "",
            op->step ? op->step : "", op->kind, op->key);
    return 0;
  }
  for (size_t i = 0; i < ps->nkeys; i++)
    if (strcmp(ps->keys[i], op->key) == 0)
      return 0;
  if (ps->nkeys == ps->cap) {
    size_t cap = ps->cap ? ps->cap * 2 : 64;
    void *k = realloc(ps->keys, cap * sizeof *ps->keys);
    if (!k)
      return ZB_ENOMEM;
    ps->keys = k;
    ps->cap = cap;
  }
  snprintf(ps->keys[ps->nkeys++], ZB_FIELD_MAX + 1, "%s", op->key);
  return 0;
}

int zb_pending_export(zb_node *n, const char *path, FILE *note, zb_pending_result *res) {
  memset(res, 0, sizeof *res);
  zb_node_info info;
  int rc = zb_node_info_get(n, &info);
  if (rc)
    return rc;
  struct pending_scan ps = {.note = note, .res = res};
  if ((rc = zb_node_log(n, info.acked_seq, pending_op, &ps))) {
    free(ps.keys);
    return rc;
  }
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    int e = errno;
    free(ps.keys);
    if (e == EEXIST)
      return ZB_EEXIST;
return zb_outfile_fail("export-pending", path, e);
  }
  FILE *out = fdopen(fd, "wb");
  zb_rec *r = malloc(sizeof *r);
  rc = out && r ? zb_rec_csv_header(out, &zb_kind_member, true) : ZB_ENOMEM;
  for (size_t i = 0; i < ps.nkeys && !rc; i++) {
    rc = zb_node_get(n, &zb_kind_member, ps.keys[i], r);
    if (rc == ZB_ENOTFOUND) {   /* rolled back: the server refused its creation */
      rc = 0;
      continue;
    }
    if (!rc) {
      r->v[0][0] = '\0';   /* no key: matched by ID number on import */
      rc = zb_rec_csv_row(out, &zb_kind_member, r->v);
      res->members++;
    }
  }
  int e = 0;
  if (out) {
    if (fflush(out) != 0 || fsync(fd) != 0)
      e = errno;
    if (fclose(out) != 0 && !e)
      e = errno;
  } else {
    close(fd);
  }
  if (!rc && e)
    rc = zb_outfile_fail("export-pending", path, e);
  if (rc)
    unlink(path);
  free(r);
  free(ps.keys);
  return rc;
}
