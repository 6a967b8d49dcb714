/*
 * zb_record.h — validating a record of any kind, and the vocabularies and
 * code rules the kinds share (docs/RECORDS.md).
 *
 * A record is an array of NUL-terminated text fields (zb_value) in its
 * kind's field order (zb_kind.h); an absent value is "".  Validation lives
 * here and nowhere else: it walks the kind's descriptor.  Each check
 * reports through a zb_problem_fn (field index, static or short-lived
 * reason text) so that a caller can name file, line and column; validators
 * never print.
 */
#ifndef ZB_RECORD_H
#define ZB_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "zb_date.h"
#include "zb_kind.h"

/* The field numbers of the member kind (kinds/member.c). */
enum zb_member_field {
  ZB_MF_ID = 0,
  ZB_MF_NAME,
  ZB_MF_GENDER,
  ZB_MF_ETHNICITY,
  ZB_MF_BIRTH_DATE,
  ZB_MF_ID_NUMBER,
  ZB_MF_EDUCATION,
  ZB_MF_CATEGORY,
  ZB_MF_JOIN_DATE,
  ZB_MF_FULL_DATE,
  ZB_MF_ORG_CODE,
  ZB_MF_PHONE,
  ZB_MF_OCCUPATION,
  /* Set only by the act leave (docs/RECORDS.md, "Leaving"); records stored
   * before these fields existed read them as empty. */
  ZB_MF_STATUS,
  ZB_MF_LEAVE_REASON,
  ZB_MF_LEAVE_DATE,
  ZB_MF_LEAVE_NOTE,
  /* The member's place in the branch committee (书记, 副书记, 委员), or
   * empty: who counts for a committee meeting's quorum. */
  ZB_MF_ROLE,
  ZB_MF__COUNT
};

enum zb_org_field {
  ZB_OF_CODE = 0,
  ZB_OF_NAME,
  ZB_OF_TYPE,
  ZB_OF_PARENT_CODE,
  ZB_OF__COUNT
};

typedef struct zb_member {
  char v[ZB_MF__COUNT][ZB_FIELD_MAX + 1];
} zb_member;

typedef struct zb_org {
  char v[ZB_OF__COUNT][ZB_FIELD_MAX + 1];
} zb_org;

/* Closed vocabularies (NULL-terminated arrays, in display order). */
extern const char *const zb_genders[];      /* 男 女 */
extern const char *const zb_categories[];   /* 正式党员 预备党员 */
extern const char *const zb_ethnicities[];  /* the 56 ethnic groups, 汉族 first */
extern const char *const zb_educations[];
extern const char *const zb_occupations[];
extern const char *const zb_org_types[];    /* committee general_branch branch */
extern const char *const zb_member_statuses[];   /* 在册 已离开 */
extern const char *const zb_member_roles[];      /* 书记 副书记 委员 */
extern const char *const zb_leave_reasons[];     /* 去世 出党 停止党籍 退党 转出系统外 */
/* Index of value in a NULL-terminated vocabulary, or -1. */
int zb_vocab_index(const char *const *vocab, const char *value);

typedef void (*zb_problem_fn)(void *ctx, int field, const char *reason);

/* Checks every field of a record of kind kd alone (its type, vocabulary,
 * limits, presence), then the kind's rules across fields (docs/RECORDS.md);
 * `today` is the date after which a date is "in the future".  Reports each
 * problem once through report (may be NULL) and returns how many there were
 * (0 = valid).  A field malformed on its own is not read again by a rule
 * across fields.  Rules against the stored state (the org exists and lies
 * in the writer's scope, unique indexes) are zb_merge.c's. */
int zb_rec_validate(const zb_kind_desc *kd, const zb_value *v, zb_date today,
                    zb_problem_fn report, void *ctx);
/* The same for the two kinds whose fields other code names. */
int zb_member_validate(const zb_member *m, zb_date today, zb_problem_fn report,
                       void *ctx);
int zb_org_validate(const zb_org *o, zb_problem_fn report, void *ctx);

/* A phone number in normal form: a mobile (13800138000) or a landline
 * (0731-84012345, 84012345, either with -EXT); see zb_norm.h. */
bool zb_phone_valid(const char *v, size_t len);

/* A ZB_FT_FEN value ("3000": 30.00 yuan) as a number; false when it is
 * not one (digits only, no leading zero, at most ZB_FEN_MAX). */
bool zb_fen_parse(const char *v, int64_t *out);

/* The message for a malformed org code. */
extern const char zb_org_code_rule[];

/* Node ids: 1–64 ASCII letters, digits, '-', '_', '.' (they appear in
 * certificates as zhibu:node/ID and in every op). */
bool zb_node_id_valid(const char *id);

/* Org codes: a 6-digit area code followed by "-SEG" parts (SEG 1–8 ASCII
 * letters or digits), at most 64 bytes, e.g. "430121-03-07". */
bool zb_org_code_valid(const char *code);
/* True if code is root or lies below it (starts with root + "-"). */
bool zb_org_in_subtree(const char *code, const char *root);
/* Writes the parent code of code into out ("" for a top-level code). */
void zb_org_parent(const char *code, char out[ZB_FIELD_MAX + 1]);

#endif
