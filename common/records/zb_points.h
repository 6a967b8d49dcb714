/*
 * zb_points.h — points (积分) and ranking (docs/RECORDS.md, "Points"):
 * the deployment's points scheme, read from an INI file with libinih and
 * checked value by value; the points entry kind (kinds/points.c) whose
 * yearly caps come from it; and `report ranking`, members within each
 * branch and the branches of a subtree by the scheme's branch score.
 *
 * One scheme is in force in a process (zb_points_active): the built-in
 * default (deploy/points.ini, the same text) until a node or the server
 * opens a data directory holding its own points.ini (zb_points_load_dir).
 * Node and server read the same file format through the same parser, and
 * every entry names the scheme and version it was made under, so an entry
 * made under another scheme than the server's is refused there.
 */
#ifndef ZB_POINTS_H
#define ZB_POINTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "zb_date.h"
#include "zb_kind.h"
#include "zb_store.h"

enum zb_points_field {
  ZB_PF_ID = 0,      /* NODE-N, assigned */
  ZB_PF_MEMBER_ID,
  ZB_PF_ORG_CODE,    /* the member's org when the entry was made */
  ZB_PF_ITEM,        /* a manual item's key in the scheme */
  ZB_PF_DATE,        /* the day of the deed: its year is the cap's year */
  ZB_PF_POINTS,      /* the item's points in the scheme, e.g. "2" or "-5" */
  ZB_PF_SCHEME,      /* NAME/VERSION of the scheme it was made under */
  ZB_PF_NOTE,
  ZB_PF_STATUS,      /* 有效, or 已作废 after the act void */
  ZB_PF_VOID_REASON,
  ZB_PF__COUNT
};

enum { ZB_POINTS_VALID = 0, ZB_POINTS_VOID = 1 };   /* index in zb_points_statuses */
extern const char *const zb_points_statuses[];      /* 有效 已作废 */

/* Bounds of a scheme: every value read is checked against them. */
#define ZB_PTS_FILE_MAX 16384     /* bytes of the INI file */
#define ZB_PTS_LINE_MAX 196       /* bytes of one line (libinih's 200 less \r\n\0) */
#define ZB_PTS_ITEMS_MAX 32       /* manual items */
#define ZB_PTS_KEY_MAX 24         /* bytes of a key or a scheme name */
#define ZB_PTS_NAME_CHARS 32      /* characters of an item's or scheme's title */
#define ZB_PTS_POINTS_MAX 100     /* |points| of one entry or one attendance */
#define ZB_PTS_CAP_MAX 1000       /* a yearly cap */
#define ZB_PTS_BASE_MAX 1000
#define ZB_PTS_WEIGHT_MAX 100
#define ZB_PTS_MEETING_TYPES 7    /* zb_meeting_types */

typedef struct zb_pts_item {
  char key[ZB_PTS_KEY_MAX + 1];
  char name[ZB_PTS_NAME_CHARS * 4 + 1];
  int points;        /* -100..100, not 0 (negative: a deduction, 扣分) */
  int cap;           /* 1..1000: the most |points| of the item a member gets in a year */
} zb_pts_item;

typedef struct zb_pts_auto {
  int points, cap;   /* points per meeting attended / month paid on time; cap a year */
} zb_pts_auto;

typedef struct zb_points_scheme {
  char name[ZB_PTS_KEY_MAX + 1];
  int version;
  char title[ZB_PTS_NAME_CHARS * 4 + 1];
  int base;
  zb_pts_item items[ZB_PTS_ITEMS_MAX];
  int nitems;
  zb_pts_auto meeting[ZB_PTS_MEETING_TYPES];   /* by zb_meeting_types index */
  zb_pts_auto dues;                            /* dues paid on time */
  /* The branch score: weights of its four parts, and their parameters. */
  int w_meetings, w_dues, w_pipeline, w_fresh;
  int pipeline_target;   /* applicants in a year for a full pipeline part */
  int fresh_days, stale_days;
  char text[ZB_PTS_FILE_MAX + 1];   /* the file as read */
  size_t len;
} zb_points_scheme;

/* Parses an INI scheme of len bytes; file names it in messages.  0, or
 * ZB_EINVAL with "FILE:LINE: why" (LINE 0 when the file lacks something)
 * in why. */
int zb_points_parse(const char *buf, size_t len, const char *file, zb_points_scheme *out,
                    char *why, size_t cap);
/* Reads and parses path (at most ZB_PTS_FILE_MAX bytes).  0, ZB_ENOTFOUND
 * (no such file), ZB_EINVAL (why says what), ZB_EIO. */
int zb_points_read(const char *path, zb_points_scheme *out, char *why, size_t cap);

/* The scheme in force in this process. */
const zb_points_scheme *zb_points_active(void);
/* The built-in default scheme's text (deploy/points.ini). */
extern const char zb_points_default_ini[];
/* Makes DIR/points.ini the scheme in force, or the default when there is
 * none.  0 or as zb_points_read. */
int zb_points_load_dir(const char *dir, char *why, size_t cap);
/* Checks FILE and installs it as DIR/points.ini (atomically), making it
 * the scheme in force.  0 or as zb_points_read. */
int zb_points_install(const char *dir, const char *file, char *why, size_t cap);
/* "NAME/VERSION" of s. */
void zb_points_scheme_id(const zb_points_scheme *s, char out[ZB_FIELD_MAX + 1]);
/* The manual item of s with key, or NULL. */
const zb_pts_item *zb_points_item(const zb_points_scheme *s, const char *key);
/* The branch score's formula in words, for people: in Chinese (what
 * --json carries), or in the language zh chooses (the printed report). */
void zb_points_formula(const zb_points_scheme *s, char *out, size_t cap);
void zb_points_formula_lang(const zb_points_scheme *s, bool zh, char *out, size_t cap);
/* The scheme as JSON (stable keys). */
struct json_t;
struct json_t *zb_points_scheme_json(const zb_points_scheme *s);

/* ---- ranking ---- */

/* Days since a branch's last sync, as the caller knows it: -1 unknown. */
typedef long (*zb_rank_fresh_fn)(void *ctx, const char *branch);

typedef struct zb_rank_query {
  int year;
  zb_date today;
  zb_rank_fresh_fn fresh;
  void *fresh_ctx;
  const char *fresh_from;   /* "server" or "node": said in the report */
} zb_rank_query;

/* `report ranking --org root --year Y` as JSON (docs/RECORDS.md,
 * "Ranking") under scheme s.  0, ZB_ENOTFOUND (no org root), or a
 * storage error. */
int zb_rank_report(zb_txn *t, const zb_points_scheme *s, const char *root, const zb_rank_query *q,
                   struct json_t **out);
/* The report as aligned tables in the current language (zb_msg.h), the
 * formula that of the scheme in force (the one the report was made with). */
void zb_rank_print(const struct json_t *report, FILE *out);
/* One CSV row per member: org_code, branch_rank, branch_score, rank,
 * member_id, name, base, manual, auto, total — with zh, headed by the
 * table's Chinese words under a UTF-8 BOM.  0 or ZB_EIO. */
int zb_rank_write_csv(const struct json_t *report, FILE *out, bool zh);

#endif
