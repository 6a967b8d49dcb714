/*
 * zb_record.h — the records a node keeps: members and orgs (docs/RECORDS.md).
 *
 * A record is a fixed array of NUL-terminated text fields indexed by the
 * field enums below; an absent value is "".  Field order is the CSV header
 * of the reference roster and the JSON field order everywhere.  The field
 * numbers are also the wire numbers in ops (proto/zhibu.proto): never
 * renumber, only append.
 *
 * Validation lives here and nowhere else.  Each check reports through a
 * zb_problem_fn (field index, static or short-lived reason text) so that a
 * caller can name file, line and column; validators never print.
 */
#ifndef ZB_RECORD_H
#define ZB_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include "zb_date.h"

/* Longest node id. */
#define ZB_NODE_ID_MAX 64

/* No field may be longer than this many bytes. */
#define ZB_FIELD_MAX 256

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

/* "id", "name", … in enum order. */
extern const char *const zb_member_field_names[ZB_MF__COUNT];
/* "code", "name", "type", "parent_code". */
extern const char *const zb_org_field_names[ZB_OF__COUNT];
/* Field index for a name of len bytes, or -1. */
int zb_member_field_by_name(const char *name, size_t len);
int zb_org_field_by_name(const char *name, size_t len);

/* Closed vocabularies (NULL-terminated arrays, in display order). */
extern const char *const zb_genders[];      /* 男 女 */
extern const char *const zb_categories[];   /* 正式党员 预备党员 */
extern const char *const zb_ethnicities[];  /* the 56 ethnic groups, 汉族 first */
extern const char *const zb_educations[];
extern const char *const zb_occupations[];
extern const char *const zb_org_types[];    /* committee general_branch branch */
/* Index of value in a NULL-terminated vocabulary, or -1. */
int zb_vocab_index(const char *const *vocab, const char *value);

typedef void (*zb_problem_fn)(void *ctx, int field, const char *reason);

/* Checks every field of m alone and the rules across fields (docs/RECORDS.md); `today` is the date after which a date is "in the future".
 * Reports each problem once through report (may be NULL) and returns how
 * many there were (0 = valid).  Whether org_code exists and lies in the
 * node's scope is the store's check, not this one. */
int zb_member_validate(const zb_member *m, zb_date today, zb_problem_fn report,
                       void *ctx);

/* Same for an org row: code syntax, name, type, and parent_code being the
 * code's parent (or empty for a top-level code). */
int zb_org_validate(const zb_org *o, zb_problem_fn report, void *ctx);

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
