/* fuzz_ops.c — see fuzz_ops.h. */
#include "fuzz_ops.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zb_idnum.h"
#include "zb_record.h"
#include "zhibu.pb-c.h"

const char fz_orgs_csv[] = "code,name,type,parent_code\n"
                           "430121,县委,committee,\n"
                           "430121-01,一镇党委,committee,430121\n"
                           "430121-01-01,一支部,branch,430121-01\n"
                           "430121-01-02,二支部,branch,430121-01\n";

const struct fz_node fz_nodes[FZ_NNODES] = {
    {"b0101", "430121-01-01"},
    {"b0102", "430121-01-02"},
    {"t01", "430121-01"},
};

uint8_t *fz_pack_op(const struct fz_op *o, size_t *len) {
  Zb__FieldSet *fs = calloc(o->nf ? o->nf : 1, sizeof *fs);
  Zb__FieldSet **fsp = calloc(o->nf ? o->nf : 1, sizeof *fsp);
  if (!fs || !fsp)
    abort();
  for (size_t i = 0; i < o->nf; i++) {
    zb__field_set__init(&fs[i]);
    fs[i].field = (uint32_t)o->fields[i];
    fs[i].value = (char *)o->vals[i];
    fsp[i] = &fs[i];
  }
  Zb__RecordSet set = ZB__RECORD_SET__INIT;
  set.kind = (Zb__RecordKind)o->kind;
  set.key = (char *)o->key;
  set.n_fields = o->nf;
  set.fields = fsp;
  Zb__Op op = ZB__OP__INIT;
  op.origin = (char *)o->origin;
  op.seq = o->seq;
  op.hlc = o->hlc;
  op.actor = (char *)(o->actor ? o->actor : "fuzz");
  op.base_cursor = o->base_cursor;
  op.body_case = ZB__OP__BODY_SET;
  op.set = &set;
  Zb__Act act = ZB__ACT__INIT;
  Zb__Fact fact = ZB__FACT__INIT;
  if (o->body == 1) {
    act.kind = set.kind;
    act.key = set.key;
    act.name = (char *)o->name;
    act.n_params = set.n_fields;
    act.params = fsp;
    op.body_case = ZB__OP__BODY_ACT;
    op.act = &act;
  } else if (o->body == 2) {
    fact.kind = set.kind;
    fact.key = set.key;
    fact.name = (char *)o->name;
    fact.n_values = set.n_fields;
    fact.values = fsp;
    op.body_case = ZB__OP__BODY_FACT;
    op.fact = &fact;
  }
  *len = zb__op__get_packed_size(&op);
  uint8_t *buf = malloc(*len ? *len : 1);
  if (!buf)
    abort();
  zb__op__pack(&op, buf);
  free(fs);
  free(fsp);
  return buf;
}

void fz_idnum(char out[19], const char *birth8, unsigned seq) {
  snprintf(out, 19, "430121%.8s%03u", birth8, seq % 1000);
  out[17] = zb_idnum_check_char(out);
  out[18] = '\0';
}

size_t fz_member_fields(int fields[13], const char *vals[13], char idn[19], char birth[11],
                        const char *id, const char *org, unsigned day, unsigned seq) {
  char b8[9];
  day = day % 28 + 1;
  snprintf(b8, sizeof b8, "198001%02u", day);
  snprintf(birth, 11, "1980-01-%02u", day);
  fz_idnum(idn, b8, seq);
  bool male = (seq % 10) % 2 == 1;
  size_t n = 0;
#define F(f, v) (fields[n] = (f), vals[n++] = (v))
  F(ZB_MF_ID, id);
  F(ZB_MF_NAME, male ? "王伟" : "李娜");
  F(ZB_MF_GENDER, male ? "男" : "女");
  F(ZB_MF_ETHNICITY, "汉族");
  F(ZB_MF_BIRTH_DATE, birth);
  F(ZB_MF_ID_NUMBER, idn);
  F(ZB_MF_EDUCATION, "大学本科");
  F(ZB_MF_CATEGORY, "正式党员");
  F(ZB_MF_JOIN_DATE, "2005-07-01");
  F(ZB_MF_FULL_DATE, "2006-07-01");
  F(ZB_MF_ORG_CODE, org);
  F(ZB_MF_PHONE, "13800000000");
  F(ZB_MF_OCCUPATION, "工人");
#undef F
  return n;
}

void fz_buf_add(struct fz_buf *b, const void *data, size_t len) {
  if (b->len + len > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + len)
      cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p)
      abort();
    b->p = p;
    b->cap = cap;
  }
  if (len)
    memcpy(b->p + b->len, data, len);
  b->len += len;
}

void fz_buf_item(struct fz_buf *b, unsigned item_flags, const uint8_t *op, size_t len) {
  if (len > 0xffff)
    abort();
  uint8_t hdr[3] = {(uint8_t)item_flags, (uint8_t)(len & 0xff), (uint8_t)(len >> 8)};
  fz_buf_add(b, hdr, sizeof hdr);
  fz_buf_add(b, op, len);
}
