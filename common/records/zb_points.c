/*
 * zb_points.c — the points scheme: its INI file, read by libinih and
 * checked value by value (zb_points.h; docs/RECORDS.md, "Points").
 *
 * The file is input from outside: before libinih sees it, its size, its
 * bytes (UTF-8, no NUL) and its lines' lengths are bounded here; libinih
 * splits sections and key = value lines; every section, key and value is
 * then checked against a closed list and its bounds, and the first problem
 * is told as FILE:LINE.
 */
#include "zb_msg.h"
#include "zb_points.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zb_err.h"
#include "zb_life.h"
#include "zb_utf8.h"

/* ---- reading ---- */

struct parse {
  zb_points_scheme *s;
  const char *file;
  const char *p, *end;   /* what the reader has not given libinih yet */
  int line;              /* the line libinih read last */
  int section_line;      /* the line of the last [section] it read */
  char *why;
  size_t cap;
  bool failed;
  /* keys seen, for "given twice" and "required" */
  bool seen_scheme[4];                  /* name version title base */
  bool seen_auto[2 * (ZB_PTS_MEETING_TYPES + 1)];
  bool seen_branch[7];
  bool seen_item[3];                    /* of the current item: name points cap */
  int current;                          /* section_line of the last pair */
  bool any;                             /* a pair was read */
  int item;                             /* the current [item.KEY], -1 none */
  int item_line;
};

static void problem(struct parse *ps, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void problem(struct parse *ps, int line, const char *fmt, ...) {
  if (ps->failed)
    return;
  ps->failed = true;
  int w = snprintf(ps->why, ps->cap, "%s:%d: ", ps->file, line);
  if (w < 0 || (size_t)w >= ps->cap)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ps->why + w, ps->cap - (size_t)w, fmt, ap);
  va_end(ap);
}

/* libinih's line reader over the checked buffer, counting lines. */
static char *reader(char *str, int num, void *stream) {
  struct parse *ps = stream;
  if (ps->p >= ps->end || num < 2)
    return NULL;
  const char *nl = memchr(ps->p, '\n', (size_t)(ps->end - ps->p));
  size_t n = nl ? (size_t)(nl - ps->p) + 1 : (size_t)(ps->end - ps->p);
  if (n > (size_t)num - 1)   /* cannot happen: lines were bounded */
    n = (size_t)num - 1;
  memcpy(str, ps->p, n);
  str[n] = '\0';
  ps->p += n;
  ps->line++;
  size_t i = strspn(str, " \t");
  if (str[i] == '[')
    ps->section_line = ps->line;
  return str;
}

/* An integer of at most 7 digits, optionally negative, within lo..hi. */
static bool number(struct parse *ps, const char *section, const char *key, const char *v,
                   int lo, int hi, int *out) {
  const char *d = v[0] == '-' ? v + 1 : v;
  size_t n = strlen(d);
  if (n == 0 || n > 7 || strspn(d, "0123456789") != n) {
    problem(ps, ps->line, "[%s] %s: \"%.40s\" is not a whole number", section, key, v);
    return false;
  }
  long x = strtol(v, NULL, 10);
  if (x < lo || x > hi) {
    problem(ps, ps->line, "[%s] %s: %ld is not within %d..%d", section, key, x, lo, hi);
    return false;
  }
  *out = (int)x;
  return true;
}

/* A key: 1..ZB_PTS_KEY_MAX ASCII lowercase letters, digits, '_', '-'. */
static bool key_ok(const char *k) {
  size_t n = strlen(k);
  return n >= 1 && n <= ZB_PTS_KEY_MAX &&
         strspn(k, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

static bool title(struct parse *ps, const char *section, const char *key, const char *v,
                  char *out, size_t outcap) {
  size_t n = strlen(v);
  if (n == 0 || zb_utf8_chars(v, n) > ZB_PTS_NAME_CHARS || n >= outcap) {
    problem(ps, ps->line, "[%s] %s: must be 1 to %d characters", section, key,
            ZB_PTS_NAME_CHARS);
    return false;
  }
  memcpy(out, v, n + 1);
  return true;
}

static bool once(struct parse *ps, bool *seen, const char *section, const char *key) {
  if (*seen) {
    problem(ps, ps->line, "[%s] %s is given twice", section, key);
    return false;
  }
  *seen = true;
  return true;
}

static int find_key(const char *const *keys, const char *k) {
  for (int i = 0; keys[i]; i++)
    if (strcmp(keys[i], k) == 0)
      return i;
  return -1;
}

static const char *const scheme_keys[] = {"name", "version", "title", "base", NULL};
static const char *const branch_keys[] = {"meetings",        "dues",       "pipeline", "freshness",
                                          "pipeline_target", "fresh_days", "stale_days", NULL};
static const char *const item_keys[] = {"name", "points", "cap", NULL};

static void item_done(struct parse *ps) {
  if (ps->item < 0)
    return;
  for (int i = 0; i < 3; i++)
    if (!ps->seen_item[i]) {
      problem(ps, ps->item_line, "[item.%s] needs %s", ps->s->items[ps->item].key,
              item_keys[i]);
      return;
    }
}

static int on_scheme(struct parse *ps, const char *k, const char *v) {
  zb_points_scheme *s = ps->s;
  int i = find_key(scheme_keys, k);
  if (i < 0) {
    problem(ps, ps->line, "[scheme] has no key %.40s (name, version, title, base)", k);
    return 0;
  }
  if (!once(ps, &ps->seen_scheme[i], "scheme", k))
    return 0;
  switch (i) {
  case 0:
    if (!key_ok(v)) {
      problem(ps, ps->line, "[scheme] name: 1 to %d lowercase letters, digits, _ or -",
              ZB_PTS_KEY_MAX);
      return 0;
    }
    snprintf(s->name, sizeof s->name, "%s", v);
    return 1;
  case 1:
    return number(ps, "scheme", k, v, 1, 999999, &s->version);
  case 2:
    return title(ps, "scheme", k, v, s->title, sizeof s->title);
  default:
    return number(ps, "scheme", k, v, 0, ZB_PTS_BASE_MAX, &s->base);
  }
}

static int on_auto(struct parse *ps, const char *k, const char *v) {
  zb_points_scheme *s = ps->s;
  size_t n = strlen(k);
  bool is_cap = n > 4 && strcmp(k + n - 4, "_cap") == 0;
  char base[64];
  snprintf(base, sizeof base, "%.*s", (int)(is_cap ? n - 4 : n), k);
  int t = -1;
  for (int i = 0; i < ZB_PTS_MEETING_TYPES; i++)
    if (strcmp(zb_life_rules[i].key, base) == 0)
      t = i;
  zb_pts_auto *a = t >= 0 ? &s->meeting[t] : strcmp(base, "dues_on_time") == 0 ? &s->dues : NULL;
  if (!a) {
    problem(ps, ps->line, "[auto] has no key %.40s (a meeting type: branch_general, committee, "
            "group, lecture, theme_day, life_meeting, evaluation; or dues_on_time; each with "
            "_cap)", k);
    return 0;
  }
  int slot = 2 * (t >= 0 ? t : ZB_PTS_MEETING_TYPES) + is_cap;
  if (!once(ps, &ps->seen_auto[slot], "auto", k))
    return 0;
  return is_cap ? number(ps, "auto", k, v, 0, ZB_PTS_CAP_MAX, &a->cap)
                : number(ps, "auto", k, v, 0, ZB_PTS_POINTS_MAX, &a->points);
}

static int on_branch(struct parse *ps, const char *k, const char *v) {
  zb_points_scheme *s = ps->s;
  int i = find_key(branch_keys, k);
  if (i < 0) {
    problem(ps, ps->line, "[branch] has no key %.40s (meetings, dues, pipeline, freshness, "
            "pipeline_target, fresh_days, stale_days)", k);
    return 0;
  }
  if (!once(ps, &ps->seen_branch[i], "branch", k))
    return 0;
  int *dst[] = {&s->w_meetings, &s->w_dues, &s->w_pipeline, &s->w_fresh,
                &s->pipeline_target, &s->fresh_days, &s->stale_days};
  int lo = i == 4 ? 1 : 0, hi = i < 4 ? ZB_PTS_WEIGHT_MAX : i == 4 ? 1000 : 3650;
  return number(ps, "branch", k, v, lo, hi, dst[i]);
}

static int on_item(struct parse *ps, const char *k, const char *v) {
  zb_pts_item *it = &ps->s->items[ps->item];
  char sec[64];
  snprintf(sec, sizeof sec, "item.%s", it->key);
  int i = find_key(item_keys, k);
  if (i < 0) {
    problem(ps, ps->line, "[%s] has no key %.40s (name, points, cap)", sec, k);
    return 0;
  }
  if (!once(ps, &ps->seen_item[i], sec, k))
    return 0;
  if (i == 0)
    return title(ps, sec, k, v, it->name, sizeof it->name);
  if (i == 2)
    return number(ps, sec, k, v, 1, ZB_PTS_CAP_MAX, &it->cap);
  if (!number(ps, sec, k, v, -ZB_PTS_POINTS_MAX, ZB_PTS_POINTS_MAX, &it->points))
    return 0;
  if (it->points == 0) {
    problem(ps, ps->line, "[%s] points: 0 is no item (-100..100, not 0)", sec);
    return 0;
  }
  return 1;
}

/* A new [section]: the sections are scheme, auto, branch and item.KEY. */
static int begin_section(struct parse *ps, const char *section) {
  item_done(ps);
  ps->item = -1;
  if (strncmp(section, "item.", 5) != 0)
    return 1;
  const char *k = section + 5;
  if (!key_ok(k)) {
    problem(ps, ps->section_line, "[%.60s]: an item's key is 1 to %d lowercase letters, digits, _ or -",
            section, ZB_PTS_KEY_MAX);
    return 0;
  }
  zb_points_scheme *s = ps->s;
  if (zb_points_item(s, k)) {
    problem(ps, ps->section_line, "[%s] is given twice", section);
    return 0;
  }
  if (s->nitems == ZB_PTS_ITEMS_MAX) {
    problem(ps, ps->section_line, "more than %d items", ZB_PTS_ITEMS_MAX);
    return 0;
  }
  ps->item = s->nitems++;
  ps->item_line = ps->section_line;
  memset(ps->seen_item, 0, sizeof ps->seen_item);
  snprintf(s->items[ps->item].key, sizeof s->items[0].key, "%s", k);
  return 1;
}

static int handler(void *user, const char *section, const char *name, const char *value) {
  struct parse *ps = user;
  if (ps->failed)
    return 0;
  /* libinih gives each pair with its section; a new [section] line
   * begins one, even with the name of the one before (a section without
   * pairs was checked by name in prescan). */
  if (!ps->any || ps->section_line != ps->current) {
    ps->any = true;
    ps->current = ps->section_line;
    if (!begin_section(ps, section))
      return 0;
  }
  if (strcmp(section, "scheme") == 0)
    return on_scheme(ps, name, value);
  if (strcmp(section, "auto") == 0)
    return on_auto(ps, name, value);
  if (strcmp(section, "branch") == 0)
    return on_branch(ps, name, value);
  if (ps->item >= 0)
    return on_item(ps, name, value);
  if (!section[0])
    problem(ps, ps->line, "%.40s is outside any section ([scheme], [item.KEY], [auto], "
            "[branch])", name);
  else
    problem(ps, ps->section_line, "no section [%.60s] (the sections are [scheme], [item.KEY], "
            "[auto] and [branch])", section);
  return 0;
}

/* Bounds libinih does not keep: size, NUL, UTF-8, line length; and every
 * [section] line names a known section (libinih reports only those with
 * pairs). */
static bool prescan(struct parse *ps, const char *buf, size_t len) {
  if (len > ZB_PTS_FILE_MAX) {
    problem(ps, 0, "more than %d bytes", ZB_PTS_FILE_MAX);
    return false;
  }
  int line = 1;
  for (const char *p = buf, *end = buf + len; p < end; line++) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    if (memchr(p, '\0', n)) {
      problem(ps, line, "a NUL byte");
      return false;
    }
    if (n > ZB_PTS_LINE_MAX) {
      problem(ps, line, "a line longer than %d bytes", ZB_PTS_LINE_MAX);
      return false;
    }
    if (!zb_utf8_valid(p, n)) {
      problem(ps, line, "not UTF-8");
      return false;
    }
    size_t start = 0;   /* the buffer has no NUL at its end: bounded by n */
    while (start < n && (p[start] == ' ' || p[start] == '\t'))
      start++;
    if (start < n && p[start] == '[') {
      const char *close = memchr(p + start, ']', n - start);
      size_t sl = close ? (size_t)(close - p - start - 1) : 0;
      char sec[ZB_PTS_LINE_MAX + 1];
      memcpy(sec, p + start + 1, sl);
      sec[sl] = '\0';
      bool known = strcmp(sec, "scheme") == 0 || strcmp(sec, "auto") == 0 ||
                   strcmp(sec, "branch") == 0 || strncmp(sec, "item.", 5) == 0;
      if (close && known && strncmp(sec, "item.", 5) == 0 && !key_ok(sec + 5)) {
        problem(ps, line, "[%.60s]: an item's key is 1 to %d lowercase letters, digits, _ or -",
                sec, ZB_PTS_KEY_MAX);
        return false;
      }
      if (close && !known) {
        problem(ps, line, "no section [%.60s] (the sections are [scheme], [item.KEY], [auto] "
                "and [branch])", sec);
        return false;
      }
    }
    p += n + (nl != NULL);
  }
  return true;
}

int zb_points_parse(const char *buf, size_t len, const char *file, zb_points_scheme *out,
                    char *why, size_t cap) {
  memset(out, 0, sizeof *out);
  struct parse ps = {.s = out, .file = file, .p = buf, .end = buf + len, .why = why,
                     .cap = cap, .item = -1};
  if (cap)
    why[0] = '\0';
  if (!prescan(&ps, buf, len))
    return ZB_EINVAL;
  int rc = ini_parse_stream(reader, &ps, handler, &ps);
  if (!ps.failed && rc > 0)
    problem(&ps, rc, "not a [section], a key = value line or a comment");
  else if (!ps.failed && rc < 0)
    problem(&ps, 0, "could not be read");
  item_done(&ps);
  for (int i = 0; !ps.failed && i < 4; i++)
    if (!ps.seen_scheme[i] && i != 2)
      problem(&ps, 0, "[scheme] needs %s", scheme_keys[i]);
  for (int i = 0; !ps.failed && i < 7; i++)
    if (!ps.seen_branch[i])
      problem(&ps, 0, "[branch] needs %s (the formula is written in the scheme)", branch_keys[i]);
  if (!ps.failed && out->w_meetings + out->w_dues + out->w_pipeline + out->w_fresh == 0)
    problem(&ps, 0, "[branch]: the weights add up to 0");
  if (!ps.failed && out->stale_days <= out->fresh_days)
    problem(&ps, 0, "[branch]: stale_days (%d) must be more than fresh_days (%d)",
            out->stale_days, out->fresh_days);
  if (ps.failed)
    return ZB_EINVAL;
  memcpy(out->text, buf, len);
  out->text[len] = '\0';
  out->len = len;
  return 0;
}

int zb_points_read(const char *path, zb_points_scheme *out, char *why, size_t cap) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(why, cap, "%s: %s", path, strerror(errno));
    return errno == ENOENT ? ZB_ENOTFOUND : ZB_EIO;
  }
  char *buf = malloc(ZB_PTS_FILE_MAX + 1);
  if (!buf) {
    close(fd);
    return ZB_ENOMEM;
  }
  size_t len = 0;
  ssize_t r;
  while (len <= ZB_PTS_FILE_MAX &&
         (r = read(fd, buf + len, ZB_PTS_FILE_MAX + 1 - len)) != 0) {
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      snprintf(why, cap, "%s: %s", path, strerror(errno));
      close(fd);
      free(buf);
      return ZB_EIO;
    }
    len += (size_t)r;
  }
  close(fd);
  int rc = zb_points_parse(buf, len, path, out, why, cap);
  free(buf);
  return rc;
}

/* ---- the scheme in force ---- */

static zb_points_scheme active;
static bool active_set;

const zb_points_scheme *zb_points_active(void) {
  if (!active_set) {
    char why[256];
    /* The default is part of the build (deploy/points.ini): it parses. */
    if (zb_points_parse(zb_points_default_ini, strlen(zb_points_default_ini), "default", &active,
                        why, sizeof why) != 0)
      abort();
    active_set = true;
  }
  return &active;
}

static void path_in(const char *dir, char *out, size_t cap) {
  snprintf(out, cap, "%s/points.ini", dir);
}

int zb_points_load_dir(const char *dir, char *why, size_t cap) {
  char path[4200];
  path_in(dir, path, sizeof path);
  zb_points_scheme *s = malloc(sizeof *s);
  if (!s)
    return ZB_ENOMEM;
  int rc = zb_points_read(path, s, why, cap);
  if (rc == 0) {
    active = *s;
    active_set = true;
  } else if (rc == ZB_ENOTFOUND) {
    active_set = false;   /* the default */
    rc = 0;
  }
  free(s);
  return rc;
}

int zb_points_install(const char *dir, const char *file, char *why, size_t cap) {
  zb_points_scheme *s = malloc(sizeof *s);
  if (!s)
    return ZB_ENOMEM;
  int rc = zb_points_read(file, s, why, cap);
  char path[4200], tmp[4300];
  path_in(dir, path, sizeof path);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  if (!rc) {
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    bool ok = fd >= 0 && write(fd, s->text, s->len) == (ssize_t)s->len && fsync(fd) == 0;
    if (fd >= 0)
      ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
      snprintf(why, cap, "%s: %s", path, strerror(errno));
      unlink(tmp);
      rc = ZB_EIO;
    }
  }
  if (!rc) {
    active = *s;
    active_set = true;
  }
  free(s);
  return rc;
}

void zb_points_scheme_id(const zb_points_scheme *s, char out[ZB_FIELD_MAX + 1]) {
  snprintf(out, ZB_FIELD_MAX + 1, "%s/%d", s->name, s->version);
}

const zb_pts_item *zb_points_item(const zb_points_scheme *s, const char *key) {
  for (int i = 0; i < s->nitems; i++)
    if (strcmp(s->items[i].key, key) == 0)
      return &s->items[i];
  return NULL;
}

void zb_points_formula(const zb_points_scheme *s, char *out, size_t cap) {
  zb_points_formula_lang(s, true, out, cap);
}

void zb_points_formula_lang(const zb_points_scheme *s, bool zh, char *out, size_t cap) {
  snprintf(out, cap, zb_msg_lang("rank.formula", zh), s->w_meetings, s->w_dues, s->w_pipeline,
           s->w_fresh,
           s->w_meetings + s->w_dues + s->w_pipeline + s->w_fresh, s->pipeline_target,
           s->fresh_days, s->stale_days);
}

json_t *zb_points_scheme_json(const zb_points_scheme *s) {
  json_t *items = json_array(), *autos = json_object();
  for (int i = 0; i < s->nitems; i++)
    json_array_append_new(items, json_pack("{s:s, s:s, s:i, s:i}", "key", s->items[i].key,
                                           "name", s->items[i].name, "points",
                                           s->items[i].points, "cap", s->items[i].cap));
  for (int i = 0; i < ZB_PTS_MEETING_TYPES; i++)
    json_object_set_new(autos, zb_life_rules[i].key,
                        json_pack("{s:i, s:i}", "points", s->meeting[i].points, "cap",
                                  s->meeting[i].cap));
  json_object_set_new(autos, "dues_on_time",
                      json_pack("{s:i, s:i}", "points", s->dues.points, "cap", s->dues.cap));
  char f[512];
  zb_points_formula(s, f, sizeof f);
  return json_pack("{s:s, s:i, s:s, s:i, s:o, s:o, s:{s:i, s:i, s:i, s:i, s:i, s:i, s:i}, s:s}",
                   "name", s->name, "version", s->version, "title", s->title, "base", s->base,
                   "items", items, "auto", autos, "branch", "meetings", s->w_meetings, "dues",
                   s->w_dues, "pipeline", s->w_pipeline, "freshness", s->w_fresh,
                   "pipeline_target", s->pipeline_target, "fresh_days", s->fresh_days,
                   "stale_days", s->stale_days, "formula", f);
}
