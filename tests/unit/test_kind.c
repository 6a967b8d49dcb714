/* The kind descriptors (common/records/zb_kind.h): every descriptor is
 * well formed, lookups by number and name find exactly the registered
 * kinds, and validation walks the descriptor (a made-up kind of 40 fields,
 * beyond the 32 a stamp mask holds, validates, stores and loads). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "zb_err.h"
#include "zb_kind.h"
#include "zb_record.h"
#include "zb_state.h"
#include "zb_store.h"

static void test_descriptors_well_formed(void **state) {
  (void)state;
  int n = 0;
  for (int k = 0; zb_kinds[k]; k++, n++) {
    const zb_kind_desc *kd = zb_kinds[k];
    assert_true(kd->id > 0 && kd->id < 256);   /* one byte in shared keys */
    assert_true(kd->nfields >= 2 && kd->nfields <= ZB_REC_FIELDS_MAX);
    assert_true(kd->org_field >= 0 && kd->org_field < kd->nfields);
    assert_int_equal(kd->fields[kd->org_field].type, ZB_FT_ORG_CODE);
    assert_true(kd->fields[0].flags & ZB_FF_REQUIRED);   /* the key */
    assert_ptr_equal(zb_kind_by_id(kd->id), kd);
    assert_ptr_equal(zb_kind_by_name(kd->name, strlen(kd->name)), kd);
    for (int j = 0; j < k; j++) {
      assert_int_not_equal(zb_kinds[j]->id, kd->id);
      assert_string_not_equal(zb_kinds[j]->name, kd->name);
    }
    for (int f = 0; f < kd->nfields; f++) {
      const zb_field_desc *fd = &kd->fields[f];
      assert_non_null(fd->name);
      assert_non_null(fd->zh);
      assert_true(fd->type != ZB_FT_VOCAB || fd->vocab != NULL);
      assert_int_equal(zb_kind_field(kd, fd->name, strlen(fd->name)), f);
    }
    for (int i = 0; i < kd->nindexes; i++)
      assert_true(kd->indexes[i].field > 0 && kd->indexes[i].field < kd->nfields);
    /* A sheet order names every field once (list --xlsx writes them all,
     * and a field left out would not come back on import). */
    if (kd->sheet_order) {
      bool seen[ZB_REC_FIELDS_MAX] = {false};
      int i = 0;
      for (; kd->sheet_order[i] >= 0; i++) {
        int f = kd->sheet_order[i];
        assert_true(f < kd->nfields);
        assert_false(seen[f]);
        seen[f] = true;
      }
      assert_int_equal(i, kd->nfields);
    }
    /* A kind placed by a field needs the index that finds its subtree. */
    bool has_org_index = kd->org_field == 0;
    for (int i = 0; i < kd->nindexes; i++)
      has_org_index |= kd->indexes[i].field == kd->org_field;
    assert_true(has_org_index);
    /* A second org that receives the record: a fixed org code, indexed
     * (what a node holds is found through it). */
    if (kd->reach_field) {
      assert_true(kd->reach_field > 0 && kd->reach_field < kd->nfields);
      assert_int_equal(kd->fields[kd->reach_field].type, ZB_FT_ORG_CODE);
      assert_true(kd->fields[kd->reach_field].flags & ZB_FF_FIXED);
      bool indexed = false;
      for (int i = 0; i < kd->nindexes; i++)
        indexed |= kd->indexes[i].field == kd->reach_field;
      assert_true(indexed);
    }
    /* Derived fields need the fill that derives them; a state on a day
     * needs a state; a creating word names the field of its argument. */
    for (int f = 0; f < kd->nfields; f++)
      assert_true(!(kd->fields[f].flags & ZB_FF_DERIVED) || kd->fill);
    assert_true(!kd->state_at || kd->state_field);
    assert_true(!kd->add_word || (kd->add_arg > 0 && kd->add_arg < kd->nfields));
    for (int i = 0; i < kd->nacts; i++) {
      const zb_act_desc *ad = &kd->acts[i];
      assert_true(ad->scope_field >= 0 && ad->scope_field < kd->nfields);
      if (ad->scope_field)
        assert_int_equal(kd->fields[ad->scope_field].type, ZB_FT_ORG_CODE);
      if (ad->move) {
        const zb_act_move *mv = ad->move;
        assert_true(mv->key_field >= 0 && mv->key_field < kd->nfields);
        assert_true(mv->nsets > 0 && mv->nsets <= ZB_REC_FIELDS_MAX);
        for (int j = 0; j < mv->nsets; j++) {
          assert_true(mv->sets[j].field > 0 && mv->sets[j].field < mv->kind->nfields);
          assert_true(mv->sets[j].value_field < kd->nfields);
          assert_true(mv->sets[j].value_field >= 0 || mv->sets[j].value);
        }
      }
    }
  }
  assert_int_equal(n, 9);
  assert_null(zb_kind_by_name("members", 7));
  assert_null(zb_kind_by_name("", 0));
}

/* The names a CSV header may give each field (name, zh, headers): no two
 * fields of a kind share one (ASCII case ignored, as the import compares
 * them), none has blanks around it, and none has more than
 * ZB_HEADERS_MAX extra names (the import's table). */
static bool same_name(const char *a, const char *b) {
  for (; *a && *b; a++, b++) {
    char x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
    char y = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;
    if (x != y)
      return false;
  }
  return *a == *b;
}

static void test_header_names(void **state) {
  (void)state;
  for (int k = 0; zb_kinds[k]; k++) {
    const zb_kind_desc *kd = zb_kinds[k];
    const char *all[ZB_REC_FIELDS_MAX * (ZB_HEADERS_MAX + 2)];
    int owner[ZB_REC_FIELDS_MAX * (ZB_HEADERS_MAX + 2)], n = 0;
    for (int f = 0; f < kd->nfields; f++) {
      const zb_field_desc *fd = &kd->fields[f];
      all[n] = fd->name;
      owner[n++] = f;
      all[n] = fd->zh;
      owner[n++] = f;
      int h = 0;
      for (; fd->headers && fd->headers[h]; h++) {
        all[n] = fd->headers[h];
        owner[n++] = f;
      }
      assert_true(h <= ZB_HEADERS_MAX);
    }
    for (int i = 0; i < n; i++) {
      size_t len = strlen(all[i]);
      assert_true(len > 0);
      assert_true(all[i][0] != ' ' && all[i][len - 1] != ' ');
      for (int j = 0; j < i; j++)
        if (owner[i] != owner[j] && same_name(all[i], all[j]))
          fail_msg("%s: fields %s and %s both take the header \"%s\"", kd->name,
                   kd->fields[owner[j]].name, kd->fields[owner[i]].name, all[i]);
    }
  }
}

/* ---- a kind of 40 fields ---- */

#define WIDE_N 40
static zb_field_desc wide_fields[WIDE_N];
static char wide_names[WIDE_N][8];
static const zb_index_desc wide_index[] = {{1, false, 0}};
static zb_kind_desc wide = {.id = 200, .name = "wide", .plural = "wides", .zh = "宽",
                            .nfields = WIDE_N, .fields = wide_fields, .org_field = 1,
                            .indexes = wide_index, .nindexes = 1};

static void make_wide(void) {
  for (int f = 0; f < WIDE_N; f++) {
    snprintf(wide_names[f], sizeof wide_names[f], "f%d", f);
    wide_fields[f] = (zb_field_desc){
        .name = wide_names[f], .zh = "字段", .help = "", .type = ZB_FT_TEXT, .max_chars = 4};
  }
  wide_fields[0].type = ZB_FT_ID;
  wide_fields[0].flags = ZB_FF_REQUIRED;
  wide_fields[1].type = ZB_FT_ORG_CODE;
  wide_fields[1].flags = ZB_FF_REQUIRED;
  wide_fields[39].type = ZB_FT_DATE;
  wide_fields[39].flags = ZB_FF_REQUIRED;
}

struct probs {
  int n, field[8];
};

static void note(void *ctx, int field, const char *reason) {
  struct probs *p = ctx;
  (void)reason;
  if (p->n < 8)
    p->field[p->n] = field;
  p->n++;
}

static int put_rec(zb_txn *t, void *r) { return zb_rec_store(t, NULL, r); }

static void test_wide_kind(void **state) {
  (void)state;
  make_wide();
  zb_rec *r = calloc(2, sizeof *r);
  assert_non_null(r);
  zb_rec_init(&r[0], &wide);
  strcpy(r[0].v[0], "W1");
  strcpy(r[0].v[1], "430121-01");
  strcpy(r[0].v[39], "2026-01-02");
  strcpy(r[0].v[35], "五个字太长");   /* 5 characters, the limit is 4 */
  zb_date today = {2026, 11, 28};
  struct probs p = {0};
  assert_int_equal(zb_rec_validate(&wide, r[0].v, today, note, &p), 1);
  assert_int_equal(p.field[0], 35);
  strcpy(r[0].v[35], "四个字的");
  strcpy(r[0].v[39], "2026-13-01");
  memset(&p, 0, sizeof p);
  assert_int_equal(zb_rec_validate(&wide, r[0].v, today, note, &p), 1);
  assert_int_equal(p.field[0], 39);
  strcpy(r[0].v[39], "2026-01-02");
  assert_int_equal(zb_rec_validate(&wide, r[0].v, today, NULL, NULL), 0);

  /* Fields past 32 keep their own stamps through a store and a load. */
  for (int f = 0; f < WIDE_N; f++) {
    r[0].st[f].hlc = (uint64_t)(f < 33 ? 1 : f) << 16;
    snprintf(r[0].st[f].origin, sizeof r[0].st[f].origin, "n%d", f < 33 ? 0 : f);
  }
  char dir[] = "/tmp/zb-kind-XXXXXX";
  assert_non_null(mkdtemp(dir));
  zb_store *s;
  assert_int_equal(zb_store_open(dir, true, &s), 0);
  zb_txn *t;
  assert_int_equal(zb_store_write(s, put_rec, &r[0]), 0);
  assert_int_equal(zb_store_read(s, &t), 0);
  assert_int_equal(zb_rec_load(t, &wide, "W1", &r[1]), 0);
  for (int f = 0; f < WIDE_N; f++) {
    assert_string_equal(r[1].v[f], r[0].v[f]);
    assert_int_equal(r[1].st[f].hlc, r[0].st[f].hlc);
    assert_string_equal(r[1].st[f].origin, r[0].st[f].origin);
  }
  size_t count;
  assert_int_equal(zb_recs_count(t, &wide, "430121", &count), 0);
  assert_int_equal(count, 1);
  /* The shared table keys records by kind: no other kind sees it. */
  assert_int_equal(zb_rec_load(t, &zb_kind_notice, "W1", &r[1]), ZB_ENOTFOUND);
  zb_txn_end(t);
  zb_store_close(s);
  char cmd[64];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  assert_int_equal(system(cmd), 0);
  free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_descriptors_well_formed),
      cmocka_unit_test(test_header_names),
      cmocka_unit_test(test_wide_kind),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
