/*
 * zb_kind.h — record kinds as data (docs/RECORDS.md, "Kinds").
 *
 * Every kind of record (org, member, notice, …) is one descriptor: its
 * name, its fields with their type, vocabulary, limits and labels, the rule
 * that places it in the org tree, who receives it, its indexes and the rules
 * across its fields.  Validation (zb_record.c), storage and digest
 * (zb_state.c), merge and the wire checks (zb_merge.c), import, rendering,
 * the CSV columns and the command line's options and --help all walk the
 * descriptor: adding a kind is one file in kinds/ plus its entry in
 * zb_kinds[] (zb_kind.c) and its tests.
 *
 * A kind's number and its field numbers appear in ops on the wire and in
 * stored records: never renumber, only append.  Field 0 is the record's key.
 */
#ifndef ZB_KIND_H
#define ZB_KIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "zb_date.h"
#include "zb_reason.h"
#include "zb_store.h"

/* No field may be longer than this many bytes. */
#define ZB_FIELD_MAX 256
/* Longest node id. */
#define ZB_NODE_ID_MAX 64
/* The most fields a kind may have: the size of the in-memory record
 * (zb_rec).  Stored records and ops have no such limit (a stamp names its
 * fields beyond the 32 of its mask in a list); raising this is a one-line
 * change, checked by test_kind against every descriptor. */
#define ZB_REC_FIELDS_MAX 48

/* What a field's value must look like (docs/RECORDS.md, "Field types"). */
enum zb_ftype {
  ZB_FT_TEXT = 0,   /* any text, at most max_chars code points (0: only
                       the ZB_FIELD_MAX bytes every field has) */
  ZB_FT_ID,         /* 1-32 ASCII letters, digits, '-', '_', '.' */
  ZB_FT_DATE,       /* YYYY-MM-DD, a real day, not after today */
  ZB_FT_VOCAB,      /* one of vocab */
  ZB_FT_ORG_CODE,   /* an org code (zb_org_code_valid) */
  ZB_FT_ID_NUMBER,  /* a resident ID number with its check character */
  ZB_FT_PHONE,      /* a mainland mobile (11 digits, first 1) or a
                       landline: [AREA-]LOCAL[-EXT] (zb_record.c) */
  ZB_FT_COUNT,      /* a whole number 0-999999, no sign, no leading 0 */
  ZB_FT_MONTH,      /* YYYY-MM, years 1900-2999 (may lie ahead: dues paid
                       in advance) */
  ZB_FT_FEN,        /* money as a whole number of fen (分): 0 to
                       ZB_FEN_MAX, digits only, no leading zero */
};

/* The largest amount a ZB_FT_FEN field holds: 12 digits of fen, just under
 * ten thousand million yuan, so that a rate in basis points times it stays
 * far inside 64 bits. */
#define ZB_FEN_MAX 999999999999LL

/* Field flags. */
#define ZB_FF_REQUIRED 1u  /* must not be empty */
#define ZB_FF_TABLE 2u     /* a column of the human `list` table */
#define ZB_FF_FIXED 4u     /* set when the record is created, never changed */
#define ZB_FF_STATE 8u     /* the record's state (a vocab field): a new
                              record starts in the first value; only acts
                              change it */
#define ZB_FF_ACTOR 16u    /* left empty, the writer's name (--actor) */
#define ZB_FF_DERIVED 32u  /* filled on add by the kind's fill from the
                              stored state, never given by the writer (a
                              transfer's copy of its member): no option */

/* A short form people write for a vocabulary value: 本科 for 大学本科. */
typedef struct zb_vocab_alias {
  const char *alias, *value;
} zb_vocab_alias;

/* A NULL-terminated list of names, for the descriptors below:
 * ZB_NAMES("身份证号", "身份证号码"). */
#define ZB_NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})

/* The most header names a field may have besides its name and zh
 * (test_kind checks every descriptor). */
#define ZB_HEADERS_MAX 8

typedef struct zb_field_desc {
  const char *name;            /* stable English key: CSV column, JSON key,
                                  option (--name, '_' as '-') */
  const char *zh;              /* 中文 label, for people; also a CSV header
                                  name */
  const char *help;            /* one line for --help */
  enum zb_ftype type;
  unsigned flags;
  unsigned max_chars;          /* ZB_FT_TEXT: code points, 0 = no limit */
  const char *const *vocab;    /* ZB_FT_VOCAB: NULL-terminated values */
  const char *vocab_desc;      /* how messages name vocab; NULL: list it */
  /* Other CSV header names people give the column (党员编号, 身份证号):
   * NULL-terminated, or NULL.  A header matches name, zh or one of these,
   * blanks trimmed and ASCII case ignored (docs/RECORDS.md, "Importing"). */
  const char *const *headers;
  /* ZB_FT_VOCAB, what an import reads as a value (zb_norm.c): short forms,
   * terminated by {NULL, NULL} (本科 → 大学本科); and a suffix that a
   * value may leave out (族: 汉 → 汉族). */
  const zb_vocab_alias *vocab_aliases;
  const char *vocab_suffix;
} zb_field_desc;

/* "field must be empty / is required when when_field is vocab value
 * when_index", checked just before field's own check, with its message. */
typedef struct zb_presence_rule {
  int field, when_field, when_index;
  bool required;               /* true: required then; false: must be empty */
  const char *message;
} zb_presence_rule;

/* A checker reports problems for one record (zb_record.c). */
typedef struct zb_checker zb_checker;
void zb_check_problem(zb_checker *c, int field, const char *reason);
void zb_check_problemf(zb_checker *c, int field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* What the field-by-field pass learnt, for the rules across fields: which
 * fields are sound, and the parsed value of date and vocabulary fields. */
typedef struct zb_checked {
  bool ok[ZB_REC_FIELDS_MAX];
  size_t len[ZB_REC_FIELDS_MAX];
  zb_date date[ZB_REC_FIELDS_MAX];
  int vocab[ZB_REC_FIELDS_MAX];      /* -1 when empty or unknown */
} zb_checked;

typedef char zb_value[ZB_FIELD_MAX + 1];

/* How a record is placed in the org tree, and who may write it. */
enum zb_scope_rule {
  ZB_SCOPE_SUBTREE = 0,  /* org_field lies in the writer's subtree */
  ZB_SCOPE_OWN_ORG,      /* org_field is the writer's own org (a node
                            writes for its org, never for the one above
                            nor for one below) */
};

/* Which nodes receive a record's ops (zb_hub.c, pull). */
enum zb_reach {
  ZB_REACH_SUBTREE = 0,  /* nodes whose scope holds the record's org */
  ZB_REACH_ALL,          /* every node (the org tree itself) */
  ZB_REACH_DOWN,         /* those, and every node below the record's org:
                            a township's notice reaches its branches */
};

/* An index of records by a field: "value NUL key" in its own table.  A
 * unique index refuses a second record with the same value. */
typedef struct zb_index_desc {
  int field;
  bool unique;
  enum zb_dbi table;            /* its own table, or 0: the shared index
                                   table (zb_state.c, "Key layouts") */
} zb_index_desc;

/* The most bytes an org index entry carries (zb_kind_desc.org_entry). */
#define ZB_INDEX_ENTRY_MAX 64
typedef size_t (*zb_entry_fn)(const zb_value *v, uint8_t *out);

struct zb_txn;
struct zb_apply_result;
struct zb_kind_desc;

/* A workflow step (docs/RECORDS.md, "Ops: sets, acts and facts"): in which
 * states of the record it applies, the state it leaves, and which fields
 * it may set from its parameters.  The table of a kind's acts is its state
 * machine. */
#define ZB_ACT_STAY (-1)

typedef struct zb_act_desc {
  const char *name;            /* "withdraw": the op's name and the command */
  const char *zh;              /* 撤回 */
  const char *help;
  unsigned from;               /* bit i: applies when the state is vocab[i] */
  int to;                      /* the state after, as a vocab index, or
                                  ZB_ACT_STAY: the state it found */
  const int *params;           /* fields it may set */
  int nparams;
  const char *const *opts;     /* the command's option for each param
                                  ("reason" for leave_reason); NULL: the
                                  fields' names */
  /* The act's own rule, on the record as the act leaves it (next), for a
   * writer with this scope; 0 or a storage error, a rejection in r.  NULL:
   * none.  An act reserved to the committee above the record's branch
   * (备案, 审批; docs/RECORDS.md, "The committee above") calls
   * zb_committee_above (zb_merge.h) here. */
  int (*check)(struct zb_txn *t, const zb_value *next, const char *scope, zb_date today,
               struct zb_apply_result *r);
  /* The org field the writer's scope must hold for this act, or 0: the
   * kind's org_field.  A transfer is accepted by its destination (to_org),
   * cancelled by its origin (from_org). */
  int scope_field;
  /* What the server writes in the same step when it applies the act, or
   * NULL: nothing.  A transfer's accept moves the member. */
  const struct zb_act_move *move;
} zb_act_desc;

/* "Set these fields of the record of kind whose key is the act's
 * record's key_field (creating it if need be) to these of the act's
 * record's fields or values": an act's consequence for another record,
 * written by the server as an op of its own right after the act
 * (docs/RECORDS.md, "Transfers"; an applicant's approval creates the
 * member, "Applicants").  Every replica learns it as it
 * learns any op: those that receive the record through its org get it, and
 * a record moved into a node's scope arrives whole (docs/PROTOCOL.md,
 * "Backfill"). */
typedef struct zb_move_set {
  int field;              /* of the moved record */
  int value_field;        /* of the act's record, or -1: value below */
  const char *value;
} zb_move_set;
typedef struct zb_act_move {
  const struct zb_kind_desc *kind;
  int key_field;          /* the moved record's key: this field of the
                             act's record (0: the same key) */
  int nsets;
  const zb_move_set *sets;
} zb_act_move;


typedef struct zb_kind_desc {
  int id;                       /* wire number (zb.RecordKind), never reused */
  const char *name;             /* "member": command noun, JSON "kind" */
  const char *plural;           /* "members": JSON/status counts */
  const char *zh;               /* 党员 */
  int nfields;
  const zb_field_desc *fields;  /* field 0 is the key */
  int org_field;                /* the field that places the record in the
                                   org tree (the org kind: 0, its code) */
  enum zb_scope_rule scope;
  enum zb_reach reach;
  bool org_must_exist;          /* org_field names an org the replica holds */
  bool auto_key;                /* an empty key on add is assigned
                                   NODE-N (zb_node.c); on import too, for
                                   a kind with a unique index: a row
                                   without a key is matched to a stored
                                   record by the first one (the member's
                                   ID number), or gets a new key */
  const zb_presence_rule *presence;
  int npresence;
  /* Rules across fields, after every field was checked alone; each reads
   * only fields marked sound in ck.  NULL: none. */
  void (*cross)(zb_checker *c, const zb_value *v, const zb_checked *ck, zb_date today);
  /* Values filled in on add when left empty (the member's category from
   * full_date).  NULL: none. */
  void (*defaults)(zb_value *v);
  /* Rules against the stored state beyond scope, org and unique indexes
   * (the org kind: the parent exists).  Returns 0 or a storage error; a
   * rejection goes into r.  NULL: none. */
  int (*state_check)(struct zb_txn *t, const zb_value *v, const char *scope, zb_date today,
                     struct zb_apply_result *r);
  /* On add at a node, before the record is checked: fills fields from the
   * stored state (a transfer copies its member's record).  0, or
   * ZB_EINVAL with one sentence in why about field *field.  NULL: none. */
  int (*fill)(struct zb_txn *t, zb_value *v, int *field, char *why, size_t cap);
  /* A second ORG_CODE field, or 0: nodes whose scope holds it receive the
   * record too and hold it (a transfer reaches its destination).  It must
   * be FIXED and have an index. */
  int reach_field;
  /* The state a record is in on a given (UTC calendar) day, when it is not
   * simply its state field (an open transfer past its limit has expired),
   * as an index into the state vocabulary; st is the stored state.  An act
   * is judged on the UTC day of its time; lists show today's.  NULL: st. */
  int (*state_at)(const zb_value *v, int st, zb_date today);
  /* The command that creates a record, when it is not "add" (a transfer
   * is created by "transfer out MEMBER"): its word and the field its one
   * argument gives.  NULL: add. */
  const char *add_word;
  int add_arg;
  /* Whether a record is overdue on day today (a talk not held within a
   * month): flagged in lists and reports, never refused; why gets one
   * line.  NULL: never. */
  bool (*overdue)(const zb_value *v, zb_date today, char *why, size_t cap);
  const zb_index_desc *indexes;
  int nindexes;
  /* The index on org_field as a covering index: what each of its entries
   * carries as its value, made from the record's values into out (at most
   * ZB_INDEX_ENTRY_MAX bytes), returning its length; NULL: entries are
   * empty.  It is written with the record (zb_rec_store), so a scan of the
   * index reads it instead of the records (zb_member_facts_scan). */
  zb_entry_fn org_entry;
  int state_field;              /* the ZB_FF_STATE field, or 0: none (the
                                   key is never the state).  When that field
                                   is not required, empty is the first
                                   state: records stored before the kind
                                   had a state are in it, and new records
                                   start in it empty */
  unsigned ended;               /* bit i: a record in state vocab[i] has
                                   left the current lists (a member who
                                   left); `list --all` shows it */
  const zb_act_desc *acts;
  int nacts;
  /* The kinds of fact a record holds; each is described like a kind (its
   * fields, field 0 the fact's id; its org_field and scope rule, when
   * org_field is an ORG_CODE field, say who may write it).  Facts live in
   * their own table, keyed by the record. */
  const struct zb_kind_desc *const *facts;
  int nfacts;
  enum zb_dbi table;            /* its own table (orgs, members: they came
                                   first), or 0: the shared record table */
  /* Its sheet (`list --xlsx`): the title after the org's name (members:
   * 党员花名册), and the fields in the order people keep them, -1 ended
   * (the 花名册's columns).  NULL: "<zh>名单", field order. */
  const char *sheet_title;
  const int *sheet_order;
} zb_kind_desc;

/* Every kind, NULL-terminated, in the order reports and digests walk them
 * (orgs first: a member needs its org). */
extern const zb_kind_desc *const zb_kinds[];
extern const zb_kind_desc zb_kind_org, zb_kind_member, zb_kind_notice, zb_kind_transfer,
    zb_kind_applicant, zb_kind_meeting, zb_kind_dues, zb_kind_eval, zb_kind_points;

/* The kind with wire number id / with name (len bytes), or NULL: an
 * unknown kind is an error for every caller, never a default. */
const zb_kind_desc *zb_kind_by_id(int id);
const zb_kind_desc *zb_kind_by_name(const char *name, size_t len);
/* The act / fact of kd with this name, or NULL. */
const zb_act_desc *zb_kind_act(const zb_kind_desc *kd, const char *name);
const zb_kind_desc *zb_kind_fact(const zb_kind_desc *kd, const char *name, int *index);
/* The state of a record with values v, as an index into the state field's
 * vocabulary (empty: 0 when the field is optional), or -1: unknown, or the
 * kind has no state. */
int zb_kind_state(const zb_kind_desc *kd, const zb_value *v);
/* The state on day today (zb_kind_desc.state_at). */
int zb_kind_state_at(const zb_kind_desc *kd, const zb_value *v, zb_date today);
/* The act that writes field f — the state field: the first act; a
 * parameter: its act — or NULL when sets write it. */
const zb_act_desc *zb_kind_act_of(const zb_kind_desc *kd, int f);
/* Whether v's state is one of kd->ended. */
bool zb_kind_ended(const zb_kind_desc *kd, const zb_value *v);
/* Field index of name (len bytes) in kd, or -1. */
int zb_kind_field(const zb_kind_desc *kd, const char *name, size_t len);
/* The name of a field, or NULL when out of range. */
const char *zb_kind_field_name(const zb_kind_desc *kd, int field);

#endif
