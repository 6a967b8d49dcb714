/*
 * zb_render.h — records as JSON, CSV and text, the same on node and server.
 */
#ifndef ZB_RENDER_H
#define ZB_RENDER_H

#include <stdio.h>
#include <jansson.h>
#include "zb_record.h"

/* A new JSON object with every field of a record of kind kd, keyed by the
 * fields' names (docs/RECORDS.md), in field order (caller json_decref()s),
 * or NULL on allocation failure. */
json_t *zb_rec_to_json(const zb_kind_desc *kd, const zb_value *v);
/* Prints j (compact when compact, else indented) and a newline.  0/ZB_EIO. */
int zb_json_print(const json_t *j, FILE *out, int compact);

/* A JSON array written one element at a time, so that 100k members never
 * sit in memory as one document. */
typedef struct zb_json_stream {
  FILE *out;
  size_t n;
} zb_json_stream;
void zb_json_stream_begin(zb_json_stream *s, FILE *out);
/* Writes item as the next element and releases it.  0 or ZB_EIO/ZB_ENOMEM. */
int zb_json_stream_add(zb_json_stream *s, json_t *item);
int zb_json_stream_end(zb_json_stream *s);

/* CSV of records of kind kd, readable by `KIND import`: the header is the
 * fields' names (for members, the header of the reference roster), or with
 * zh a UTF-8 BOM and their Chinese labels (docs/RECORDS.md, "Exporting"). */
int zb_rec_csv_header(FILE *out, const zb_kind_desc *kd, bool zh);
int zb_rec_csv_row(FILE *out, const zb_kind_desc *kd, const zb_value *v);

#endif
