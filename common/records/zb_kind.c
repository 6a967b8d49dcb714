/*
 * zb_kind.c — the registry of record kinds (zb_kind.h).
 */
#include "zb_kind.h"

#include <string.h>

const zb_kind_desc *const zb_kinds[] = {&zb_kind_org, &zb_kind_member, &zb_kind_notice,
                                      &zb_kind_transfer, &zb_kind_applicant,
                                      &zb_kind_meeting, &zb_kind_dues, &zb_kind_eval, &zb_kind_points, NULL};

const zb_kind_desc *zb_kind_by_id(int id) {
  for (int i = 0; zb_kinds[i]; i++)
    if (zb_kinds[i]->id == id)
      return zb_kinds[i];
  return NULL;
}

const zb_kind_desc *zb_kind_by_name(const char *name, size_t len) {
  if (!name)
    return NULL;
  for (int i = 0; zb_kinds[i]; i++)
    if (strlen(zb_kinds[i]->name) == len && memcmp(zb_kinds[i]->name, name, len) == 0)
      return zb_kinds[i];
  return NULL;
}

int zb_kind_field(const zb_kind_desc *kd, const char *name, size_t len) {
  if (!kd || !name)
    return -1;
  for (int i = 0; i < kd->nfields; i++)
    if (strlen(kd->fields[i].name) == len && memcmp(kd->fields[i].name, name, len) == 0)
      return i;
  return -1;
}

const char *zb_kind_field_name(const zb_kind_desc *kd, int field) {
  if (!kd || field < 0 || field >= kd->nfields)
    return NULL;
  return kd->fields[field].name;
}

const zb_act_desc *zb_kind_act(const zb_kind_desc *kd, const char *name) {
  for (int i = 0; kd && name && i < kd->nacts; i++)
    if (strcmp(kd->acts[i].name, name) == 0)
      return &kd->acts[i];
  return NULL;
}

const zb_kind_desc *zb_kind_fact(const zb_kind_desc *kd, const char *name, int *index) {
  for (int i = 0; kd && name && i < kd->nfacts; i++)
    if (strcmp(kd->facts[i]->name, name) == 0) {
      if (index)
        *index = i;
      return kd->facts[i];
    }
  return NULL;
}

int zb_kind_state(const zb_kind_desc *kd, const zb_value *v) {
  if (!kd->state_field)
    return -1;
  const zb_field_desc *fd = &kd->fields[kd->state_field];
  const char *s = v[kd->state_field];
  if (!s[0])
    return fd->flags & ZB_FF_REQUIRED ? -1 : 0;
  for (int i = 0; fd->vocab[i]; i++)
    if (strcmp(fd->vocab[i], s) == 0)
      return i;
  return -1;
}

int zb_kind_state_at(const zb_kind_desc *kd, const zb_value *v, zb_date today) {
  int st = zb_kind_state(kd, v);
  return st >= 0 && kd->state_at ? kd->state_at(v, st, today) : st;
}

bool zb_kind_ended(const zb_kind_desc *kd, const zb_value *v) {
  int st = zb_kind_state(kd, v);
  return st >= 0 && st < 32 && (kd->ended & (1u << st));
}

const zb_act_desc *zb_kind_act_of(const zb_kind_desc *kd, int f) {
  if (kd->nacts > 0 && f == kd->state_field)
    return &kd->acts[0];
  for (int i = 0; i < kd->nacts; i++)
    for (int j = 0; j < kd->acts[i].nparams; j++)
      if (kd->acts[i].params[j] == f)
        return &kd->acts[i];
  return NULL;
}
