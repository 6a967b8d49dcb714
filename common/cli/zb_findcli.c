#include "zb_findcli.h"

#include <stdlib.h>
#include <string.h>

#include "zb_cli.h"
#include "zb_err.h"
#include "zb_log.h"
#include "zb_msg.h"
#include "zb_render.h"
#include "zb_table.h"

int zb_cli_find_init(const char *text, zb_find_run *f) {
  memset(f, 0, sizeof *f);
  if (zb_find_prepare(text, f->q) == 0) {
    zb_log_error("%s", zb_msg("find.empty"));
    return zb_exit_code(ZB_EUSAGE);
  }
  return 0;
}

int zb_cli_find_member(void *ctx, const zb_member *m) {
  zb_find_run *f = ctx;
  enum zb_find_how how = zb_find_match(m, f->q);
  if (how == ZB_FIND_NONE)
    return 0;
  f->total++;
  if (f->n == ZB_FIND_MAX_SHOWN)
    return 0;
  if (!f->hits) {
    f->hits = malloc(ZB_FIND_MAX_SHOWN * sizeof *f->hits);
    f->how = malloc(ZB_FIND_MAX_SHOWN * sizeof *f->how);
    if (!f->hits || !f->how)
      return ZB_ENOMEM;
  }
  f->hits[f->n] = *m;
  f->how[f->n++] = how;
  return 0;
}

void zb_cli_find_free(zb_find_run *f) {
  free(f->hits);
  free(f->how);
  f->hits = NULL;
  f->how = NULL;
}

/* The columns of the table: who, how to reach, where, and the match. */
static const int cols[] = {ZB_MF_ID,    ZB_MF_NAME,     ZB_MF_GENDER, ZB_MF_ID_NUMBER,
                           ZB_MF_PHONE, ZB_MF_ORG_CODE, ZB_MF_STATUS};
#define NCOLS (sizeof cols / sizeof *cols)

int zb_cli_find_out(const zb_args *a, zb_find_run *f) {
  const zb_kind_desc *kd = &zb_kind_member;
  bool zh = zb_lang_is_zh();
  int rc = 0;
  if (zb_args_has(a, "json")) {
    zb_json_stream js;
    zb_json_stream_begin(&js, stdout);
    for (size_t i = 0; !rc && i < f->n; i++) {
      json_t *j = zb_rec_to_json(kd, (const zb_value *)f->hits[i].v);
      if (j)
        json_object_set_new(j, "match", json_string(zb_find_how_name(f->how[i])));
      rc = j ? zb_json_stream_add(&js, j) : ZB_ENOMEM;
    }
    if (!rc)
      rc = zb_json_stream_end(&js);
  } else if (f->n) {
    const char *hdr[NCOLS + 1];
    for (size_t c = 0; c < NCOLS; c++)
      hdr[c] = zh ? kd->fields[cols[c]].zh : kd->fields[cols[c]].name;
    hdr[NCOLS] = zb_msg("find.col_match");
    zb_table *t = zb_table_new(NCOLS + 1, hdr);
    for (size_t i = 0; t && i < f->n; i++) {
      const char *cells[NCOLS + 1];
      for (size_t c = 0; c < NCOLS; c++)
        cells[c] = f->hits[i].v[cols[c]];
      /* 在册 for the empty status of a member on the roll. */
      if (!cells[NCOLS - 1][0])
        cells[NCOLS - 1] = kd->fields[ZB_MF_STATUS].vocab[0];
      static const char *const how_keys[] = {"", "find.by_id", "find.by_name",
                                             "find.by_id_number", "find.by_phone"};
      cells[NCOLS] = zb_msg(how_keys[f->how[i]]);
      if (zb_table_add(t, cells))
        rc = ZB_ENOMEM;
    }
    if (!t)
      rc = ZB_ENOMEM;
    if (!rc) {
      zb_table_print(t, stdout);
      printf(zb_msg("find.count"), f->total);
      if (f->total > f->n)
        printf(zb_msg("find.more"), f->n);
      putchar('\n');
    }
    zb_table_free(t);
  }
  size_t found = f->total;
  zb_cli_find_free(f);
  if (rc) {
    zb_log_error("member find: %s", zb_cli_strerror(rc));
    return zb_exit_code(rc);
  }
  if (!found) {
    zb_log_error(zb_msg("find.none"), f->q);
    zb_cli_flush();
    return zb_exit_code(ZB_ENOTFOUND);
  }
  return zb_cli_flush();
}
