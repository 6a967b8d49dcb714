/*
 * zb_pointscli.c — points add, points scheme, points install, and the
 * output of report ranking (zb_pointscli.h; docs/RECORDS.md, "Points",
 * "Ranking").
 */
#include "zb_pointscli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zb_err.h"
#include "zb_log.h"
#include "zb_msg.h"
#include "zb_names.h"
#include "zb_norm.h"
#include "zb_render.h"

static zb_kindcli_open_fn open_node;

static void items_list(const zb_points_scheme *s, char *out, size_t cap) {
  size_t w = 0;
  out[0] = '\0';
  for (int i = 0; i < s->nitems && w < cap; i++) {
    int k = snprintf(out + w, cap - w, "%s%s (%s)", i ? ", " : "", s->items[i].key,
                     s->items[i].name);
    if (k < 0)
      break;
    w += (size_t)k;
  }
}

/* ---- points add ---- */

static void put(const zb_kind_desc *kd, int f, const char *s, zb_value *v) {
  zb_norm_field(&kd->fields[f], s, strnlen(s, ZB_FIELD_MAX), v[f]);
}

static int cmd_add(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  const char *member = a->pos[2], *item = zb_args_get(a, "item");
  const char *date = zb_args_get(a, "date"), *note = zb_args_get(a, "note");
  zb_node *n;
  int rc = open_node(a, &n);   /* loads the data directory's scheme */
  if (rc)
    return rc;
  const zb_points_scheme *s = zb_points_active();
  char list[1024], sid[ZB_FIELD_MAX + 1];
  items_list(s, list, sizeof list);
  zb_points_scheme_id(s, sid);
  const zb_pts_item *it = item ? zb_points_item(s, item) : NULL;
  zb_rec *r = malloc(sizeof *r);
  zb_value *v = calloc(ZB_PF__COUNT, sizeof *v);
  if (!r || !v) {
    rc = zb_cli_fail(ZB_ENOMEM, "points add");
    goto out;
  }
  if (!it) {
    rc = item ? zb_cli_bad("item", zb_msg("points.no_item"), item, sid, list)
              : zb_cli_bad("item", zb_msg("points.item_required"), list);
    goto out;
  }
  int w;
  if ((rc = zb_names_member(n, member, "points add", r)))
    goto out;
  const zb_kind_desc *kd = &zb_kind_points;
  put(kd, ZB_PF_MEMBER_ID, member, v);
  put(kd, ZB_PF_ORG_CODE, r->v[ZB_MF_ORG_CODE], v);
  put(kd, ZB_PF_ITEM, it->key, v);
  char d[11];
  zb_date_format(zb_date_today(), d);
  put(kd, ZB_PF_DATE, date ? date : d, v);
  snprintf(v[ZB_PF_POINTS], sizeof v[0], "%d", it->points);
  put(kd, ZB_PF_SCHEME, sid, v);
  if (note)
    put(kd, ZB_PF_NOTE, note, v);
  w = zb_node_add(n, kd, v, zb_cli_problem, NULL);
  if (w == ZB_EINVAL || w == ZB_ESCOPE) {
    rc = zb_exit_code(w);
    goto out;
  }
  if (w) {
    rc = zb_cli_fail(w, "points add");
    goto out;
  }
  fprintf(stderr, zb_msg("points.added"), zb_log_progname(), v[ZB_PF_ID], member,
          r->v[ZB_MF_NAME], v[ZB_PF_DATE], it->name, it->points, sid);
  printf("%s\n", v[ZB_PF_ID]);
  rc = zb_cli_flush();
out:
  zb_node_close(n);
  free(r);
  free(v);
  return rc;
}

/* ---- the scheme ---- */

int zb_cli_points_show(const zb_args *a) {
  const zb_points_scheme *s = zb_points_active();
  int rc = 0;
  if (zb_args_has(a, "json")) {
    json_t *j = zb_points_scheme_json(s);
    rc = j ? zb_json_print(j, stdout, 0) : ZB_ENOMEM;
    json_decref(j);
  } else {
    fwrite(s->text, 1, s->len, stdout);
  }
  if (rc)
    return zb_cli_fail(rc, "points scheme");
  return zb_cli_flush();
}

int zb_cli_points_install(const char *dir, const char *file) {
  char why[512] = "";
  int rc = zb_points_install(dir, file, why, sizeof why);
  if (rc == ZB_EINVAL || rc == ZB_ENOTFOUND || rc == ZB_EIO) {
    zb_log_error(zb_msg("points.install_bad"), why);
    return zb_exit_code(rc == ZB_ENOTFOUND ? ZB_EUSAGE : rc);
  }
  if (rc)
    return zb_cli_fail(rc, "points install");
  const zb_points_scheme *s = zb_points_active();
  char sid[ZB_FIELD_MAX + 1];
  zb_points_scheme_id(s, sid);
  fprintf(stderr, zb_msg("points.installed"), zb_log_progname(), sid, s->title, dir, s->nitems);
  return 0;
}

static int cmd_scheme(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  zb_node *n;
  int rc = open_node(a, &n);   /* loads the data directory's scheme */
  if (rc)
    return rc;
  zb_node_close(n);
  return zb_cli_points_show(a);
}

static int cmd_install(const struct zb_cmd *c, const zb_args *a) {
  (void)c;
  zb_node *n;
  int rc = open_node(a, &n);   /* a node is there */
  if (rc)
    return rc;
  zb_node_close(n);
  return zb_cli_points_install(zb_cli_data_dir(a), a->pos[2]);
}

/* ---- report ranking ---- */

int zb_cli_rank_out(const zb_args *a, json_t *report) {
  int rc;
  bool zh = true;
  if ((rc = zb_cli_lang_zh(a, &zh))) {
    json_decref(report);
    return zb_exit_code(rc);
  }
  if (zb_args_has(a, "json"))
    rc = zb_json_print(report, stdout, 0);
  else if (zb_args_has(a, "csv"))
    rc = zb_rank_write_csv(report, stdout, zh);
  else {
    zb_rank_print(report, stdout);
    rc = 0;
  }
  json_decref(report);
  if (rc)
    return zb_cli_fail(rc, "report ranking");
  return zb_cli_flush();
}

static const char *const o_add[] = {"item", "date", "note", NULL};
static const char *const o_scheme[] = {"json", NULL};
static const char *const o_none[] = {NULL};

static const struct zb_cmd node_cmds[] = {
    {"points add", 2, 1, "MEMBER", cmd_add, o_add, "node.points add", "node.points add.help"},
    {"points scheme", 2, 0, "", cmd_scheme, o_scheme, "node.points scheme",
     "node.points scheme.help"},
    {"points install", 2, 1, "FILE", cmd_install, o_none, "node.points install",
     "node.points install.help"},
};

size_t zb_pointscli_node_cmds(const struct zb_cmd **out, zb_kindcli_open_fn open) {
  open_node = open;
  *out = node_cmds;
  return sizeof node_cmds / sizeof *node_cmds;
}
