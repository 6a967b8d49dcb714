#include "zb_pack.h"

#include <stdbool.h>
#include <string.h>

/* Wire types. */
#define WT_VARINT 0u
#define WT_LEN 2u

static size_t varint_len(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

static uint8_t *put_varint(uint8_t *p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  *p++ = (uint8_t)v;
  return p;
}

/* Every field number here is below 16: its tag is one byte. */
static uint8_t *put_tag(uint8_t *p, unsigned field, unsigned wt) {
  *p++ = (uint8_t)(field << 3 | wt);
  return p;
}

/* A scalar field left out when zero (proto3). */
static size_t u64_size(uint64_t v) { return v ? 1 + varint_len(v) : 0; }

static uint8_t *put_u64(uint8_t *p, unsigned field, uint64_t v) {
  if (!v)
    return p;
  return put_varint(put_tag(p, field, WT_VARINT), v);
}

/* A length-delimited field of len bytes. */
static size_t len_size(size_t len) { return 1 + varint_len(len) + len; }

static uint8_t *put_bytes(uint8_t *p, unsigned field, const void *data, size_t len) {
  p = put_varint(put_tag(p, field, WT_LEN), len);
  memcpy(p, data, len);
  return p + len;
}

/* A singular string: left out when NULL or empty. */
static size_t str_size(const char *s, size_t *len) {
  *len = s ? strlen(s) : 0;
  return *len ? len_size(*len) : 0;
}

static uint8_t *put_str(uint8_t *p, unsigned field, const char *s, size_t len) {
  return len ? put_bytes(p, field, s, len) : p;
}

/* protobuf-c writes an enum as an int32: a negative one takes ten bytes;
 * left to protobuf-c. */
static bool kind_ok(int kind) { return kind >= 0; }

static bool plain(const ProtobufCMessage *m) { return m->n_unknown_fields == 0; }

/* ---- Op with a RecordSet body ---- */

struct set_sizes {
  size_t key, set;
  size_t value[ZB_PACK_MAX_ITEMS], field[ZB_PACK_MAX_ITEMS];   /* value length, FieldSet size */
};

static size_t set_size(const Zb__RecordSet *s, struct set_sizes *z) {
  size_t n = u64_size((uint64_t)s->kind) + str_size(s->key, &z->key);
  for (size_t i = 0; i < s->n_fields; i++) {
    const Zb__FieldSet *f = s->fields[i];
    z->field[i] = u64_size(f->field) + str_size(f->value, &z->value[i]);
    n += len_size(z->field[i]);
  }
  return z->set = n;
}

static uint8_t *put_set(uint8_t *p, const Zb__RecordSet *s, const struct set_sizes *z) {
  p = put_u64(p, 1, (uint64_t)s->kind);
  p = put_str(p, 2, s->key, z->key);
  for (size_t i = 0; i < s->n_fields; i++) {
    const Zb__FieldSet *f = s->fields[i];
    p = put_varint(put_tag(p, 3, WT_LEN), z->field[i]);
    p = put_u64(p, 1, f->field);
    p = put_str(p, 2, f->value, z->value[i]);
  }
  return p;
}

static bool set_covered(const Zb__RecordSet *s) {
  if (!plain(&s->base) || !kind_ok(s->kind) || s->n_fields > ZB_PACK_MAX_ITEMS)
    return false;
  for (size_t i = 0; i < s->n_fields; i++)
    if (!s->fields[i] || !plain(&s->fields[i]->base))
      return false;
  return true;
}

size_t zb_pack_op(const Zb__Op *op, uint8_t *buf, size_t cap) {
  if (!plain(&op->base))
    return 0;
  /* The body: a set, or none; an act or a fact goes to protobuf-c. */
  const Zb__RecordSet *set = NULL;
  if (op->body_case == ZB__OP__BODY_SET)
    set = op->set;   /* NULL: left out, as protobuf-c does */
  else if (op->body_case != ZB__OP__BODY__NOT_SET)
    return 0;
  if (set && !set_covered(set))
    return 0;
  struct set_sizes z;
  size_t origin, actor;
  size_t n = str_size(op->origin, &origin) + u64_size(op->seq) + u64_size(op->hlc) +
             str_size(op->actor, &actor) +
             (op->prev_hash.len ? len_size(op->prev_hash.len) : 0) + u64_size(op->base_cursor);
  if (set)
    n += len_size(set_size(set, &z));
  if (n > cap)
    return 0;
  uint8_t *p = buf;
  p = put_str(p, 1, op->origin, origin);
  p = put_u64(p, 2, op->seq);
  p = put_u64(p, 3, op->hlc);
  p = put_str(p, 4, op->actor, actor);
  if (op->prev_hash.len)
    p = put_bytes(p, 5, op->prev_hash.data, op->prev_hash.len);
  p = put_u64(p, 6, op->base_cursor);
  if (set)
    p = put_set(put_varint(put_tag(p, 10, WT_LEN), z.set), set, &z);
  return (size_t)(p - buf);
}

/* ---- Record ---- */

struct stamp_sizes {
  size_t origin, more, stamp;   /* origin length, packed more_fields, Stamp size */
};

static size_t stamp_size(const Zb__Stamp *s, struct stamp_sizes *z) {
  z->more = 0;
  for (size_t i = 0; i < s->n_more_fields; i++)
    z->more += varint_len(s->more_fields[i]);
  return z->stamp = u64_size(s->hlc) + str_size(s->origin, &z->origin) +
                    u64_size(s->server_seq) + u64_size(s->mask) +
                    (s->n_more_fields ? len_size(z->more) : 0);
}

static uint8_t *put_stamp(uint8_t *p, const Zb__Stamp *s, const struct stamp_sizes *z) {
  p = put_u64(p, 1, s->hlc);
  p = put_str(p, 2, s->origin, z->origin);
  p = put_u64(p, 3, s->server_seq);
  p = put_u64(p, 4, s->mask);
  if (s->n_more_fields) {
    p = put_varint(put_tag(p, 5, WT_LEN), z->more);
    for (size_t i = 0; i < s->n_more_fields; i++)
      p = put_varint(p, s->more_fields[i]);
  }
  return p;
}

size_t zb_pack_record(const Zb__Record *r, uint8_t *buf, size_t cap) {
  if (!plain(&r->base) || !kind_ok(r->kind) || r->n_values > ZB_PACK_MAX_ITEMS ||
      r->n_stamps > ZB_PACK_MAX_ITEMS)
    return 0;
  size_t vlen[ZB_PACK_MAX_ITEMS];
  struct stamp_sizes z[ZB_PACK_MAX_ITEMS];
  size_t n = u64_size((uint64_t)r->kind);
  for (size_t i = 0; i < r->n_values; i++) {
    if (!r->values[i])
      return 0;
    vlen[i] = strlen(r->values[i]);
    n += len_size(vlen[i]);   /* each value, empty or not */
  }
  for (size_t i = 0; i < r->n_stamps; i++) {
    if (!r->stamps[i] || !plain(&r->stamps[i]->base))
      return 0;
    n += len_size(stamp_size(r->stamps[i], &z[i]));
  }
  if (n > cap)
    return 0;
  uint8_t *p = put_u64(buf, 1, (uint64_t)r->kind);
  for (size_t i = 0; i < r->n_values; i++)
    p = put_bytes(p, 2, r->values[i], vlen[i]);
  for (size_t i = 0; i < r->n_stamps; i++)
    p = put_stamp(put_varint(put_tag(p, 3, WT_LEN), z[i].stamp), r->stamps[i], &z[i]);
  return (size_t)(p - buf);
}
