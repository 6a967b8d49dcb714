#include "zb_render.h"

#include "zb_csv.h"
#include "zb_err.h"

json_t *zb_rec_to_json(const zb_kind_desc *kd, const zb_value *v) {
  json_t *o = json_object();
  if (!o)
    return NULL;
  for (int i = 0; i < kd->nfields; i++) {
    if (json_object_set_new(o, kd->fields[i].name, json_string(v[i])) != 0) {
      json_decref(o);
      return NULL;
    }
  }
  return o;
}

int zb_json_print(const json_t *j, FILE *out, int compact) {
  size_t flags = compact ? JSON_COMPACT : JSON_INDENT(2);
  if (json_dumpf(j, out, flags | JSON_PRESERVE_ORDER) != 0 || fputc('\n', out) == EOF)
    return ZB_EIO;
  return 0;
}

void zb_json_stream_begin(zb_json_stream *s, FILE *out) {
  s->out = out;
  s->n = 0;
  fputc('[', out);
}

int zb_json_stream_add(zb_json_stream *s, json_t *item) {
  if (!item)
    return ZB_ENOMEM;
  if (s->n++ > 0)
    fputc(',', s->out);
  fputc('\n', s->out);
  /* One fwrite per element: json_dumpf writes token by token, and the
   * stream locking alone cost a third of listing 100k members. */
  char buf[16384];
  size_t n = json_dumpb(item, buf, sizeof buf, JSON_COMPACT | JSON_PRESERVE_ORDER);
  int rc = 0;
  if (n > 0 && n <= sizeof buf)
    rc = fwrite(buf, 1, n, s->out) == n ? 0 : ZB_EIO;
  else
    rc = json_dumpf(item, s->out, JSON_COMPACT | JSON_PRESERVE_ORDER) ? ZB_EIO : 0;
  json_decref(item);
  return rc;
}

int zb_json_stream_end(zb_json_stream *s) {
  fputs(s->n ? "\n]\n" : "]\n", s->out);
  return ferror(s->out) ? ZB_EIO : 0;
}

int zb_rec_csv_header(FILE *out, const zb_kind_desc *kd, bool zh) {
  const char *v[ZB_REC_FIELDS_MAX];
  for (int i = 0; i < kd->nfields; i++)
    v[i] = zh ? kd->fields[i].zh : kd->fields[i].name;
  /* The BOM tells Excel and WPS that the file is UTF-8 (without it they
   * read it as GBK). */
  if (zh && fputs("\xEF\xBB\xBF", out) == EOF)
    return ZB_EIO;
  return zb_csv_write_row(out, v, (size_t)kd->nfields);
}

int zb_rec_csv_row(FILE *out, const zb_kind_desc *kd, const zb_value *rv) {
  const char *v[ZB_REC_FIELDS_MAX];
  for (int i = 0; i < kd->nfields; i++)
    v[i] = rv[i];
  return zb_csv_write_row(out, v, (size_t)kd->nfields);
}
