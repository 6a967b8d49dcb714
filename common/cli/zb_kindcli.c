/*
 * zb_kindcli.c — record commands from the kind descriptors (zb_kindcli.h).
 */
#define _GNU_SOURCE   /* vasprintf */
#include "zb_kindcli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zb_err.h"
#include "zb_log.h"
#include "zb_msg.h"
#include "zb_merge.h"
#include "zb_norm.h"
#include "zb_render.h"
#include "zb_table.h"
#include "zb_why.h"
#include "zb_xlsxout.h"

static zb_kindcli_open_fn open_node;
static const char *prog = "zhibu-node";

/* Which commands a kind has.  The org tree comes from the committee's file
 * (org import) and is listed; every other kind has all five. */
enum { C_IMPORT = 1, C_ADD = 2, C_UPDATE = 4, C_SHOW = 8, C_LIST = 16 };
static unsigned kind_cmds(const zb_kind_desc *kd) {
  if (kd->reach == ZB_REACH_ALL)
    return C_IMPORT | C_LIST;
  /* A kind created by its own word from another record (transfer out
   * MEMBER) is written only through that word and its acts. */
  if (kd->add_word)
    return C_ADD | C_SHOW | C_LIST;
  /* update needs a field that sets may change. */
  bool settable = false;
  for (int f = 1; f < kd->nfields && !settable; f++)
    settable = !(kd->fields[f].flags & ZB_FF_FIXED) && !zb_kind_act_of(kd, f);
  return C_IMPORT | C_ADD | (settable ? C_UPDATE : 0) | C_SHOW | C_LIST;
}

/* The program's own commands for kinds (zb_kindcli_build). */
static const struct zb_cmd *own_cmds;
static size_t own_n;
static bool *own_used;

/* Adds c to cmds unless an own command has its words: then that one (or
 * nothing, for an own command without fn). */
static void put_cmd(struct zb_cmd *cmds, size_t *nc, struct zb_cmd c) {
  for (size_t i = 0; i < own_n; i++)
    if (strcmp(own_cmds[i].words, c.words) == 0) {
      own_used[i] = true;
      if (own_cmds[i].fn && *nc < ZB_KINDCLI_MAX_CMDS)
        cmds[(*nc)++] = own_cmds[i];
      /* The made command's texts (fmt's, or a literal "") go unused. */
      const char *texts[] = {c.words, c.summary, c.help};
      for (int k = 0; k < 3; k++)
        if (*texts[k])
          free((char *)texts[k]);
      return;
    }
  if (*nc < ZB_KINDCLI_MAX_CMDS)
    cmds[(*nc)++] = c;
}

/* The own commands of kind kd that replaced nothing. */
static void put_own(struct zb_cmd *cmds, size_t *nc, const zb_kind_desc *kd) {
  size_t kl = strlen(kd->name);
  for (size_t i = 0; i < own_n; i++)
    if (!own_used[i] && own_cmds[i].fn && strncmp(own_cmds[i].words, kd->name, kl) == 0 &&
        own_cmds[i].words[kl] == ' ' && *nc < ZB_KINDCLI_MAX_CMDS) {
      own_used[i] = true;
      cmds[(*nc)++] = own_cmds[i];
    }
}

/* The kind a command belongs to: its first word. */
static const zb_kind_desc *cmd_kind(const struct zb_cmd *c) {
  return zb_kind_by_name(c->words, strcspn(c->words, " "));
}

/* "birth_date" → "birth-date", into buf. */
static const char *opt_name(const char *field, char *buf, size_t cap) {
  snprintf(buf, cap, "%s", field);
  for (char *p = buf; *p; p++)
    if (*p == '_')
      *p = '-';
  return buf;
}

/* What people call a kind and a field: the Chinese label, or in English
 * the stable name (zb_msg.h). */
static const char *noun(const zb_kind_desc *kd) {
  return zb_lang_is_zh() ? kd->zh : kd->name;
}

static const char *label(const zb_field_desc *fd) {
  return zb_lang_is_zh() ? fd->zh : fd->name;
}

/* The value of option opt for field fd into out, read as an import reads
 * a cell: 1990/7/1, 汉, full-width digits (zb_norm.h).  0, or exit 3 when
 * too long. */
static int take_value(const zb_field_desc *fd, const char *opt, const char *val, zb_value out) {
  if (strlen(val) > ZB_FIELD_MAX) {
    zb_log_error(zb_msg("kind.too_long"), opt, strlen(val), ZB_FIELD_MAX);
    return zb_exit_code(ZB_EINVAL);
  }
  zb_norm_field(fd, val, strlen(val), out);
  return 0;
}

/* Fills v from the options; set[f] says which were given.  --org is an
 * alias of the option of the kind's org field. */
static int values_from_args(const zb_kind_desc *kd, const zb_args *a, zb_value *v, bool *set) {
  memset(v, 0, (size_t)kd->nfields * sizeof *v);
  for (int f = 0; f < kd->nfields; f++) {
    char on[64];
    opt_name(kd->fields[f].name, on, sizeof on);
    const char *val = (kd->fields[f].flags & ZB_FF_DERIVED) ? NULL : zb_args_get(a, on);
    if (f == kd->org_field && f != 0 && !val && !(kd->fields[f].flags & ZB_FF_DERIVED))
      val = zb_args_get(a, "org");
    if (f == kd->reach_field && f != 0 && !val)
      val = zb_args_get(a, "to");
    set[f] = val != NULL;
    int rc = val ? take_value(&kd->fields[f], on, val, v[f]) : 0;
    if (rc)
      return rc;
  }
  return 0;
}

/* ---- import ---- */

static int cmd_import(const struct zb_cmd *c, const zb_args *a) {
  const zb_kind_desc *kd = cmd_kind(c);
  zb_node *n;
  int rc = open_node(a, &n);
  if (rc)
    return rc;
  zb_import_result res;
  rc = zb_node_import(n, kd, a->pos[2], zb_cli_problem, NULL, &res);
  zb_node_close(n);
  return zb_cli_import_out(prog, a->pos[2], rc, &res, kd->reach == ZB_REACH_ALL);
}

/* ---- add / update ---- */

static int transfer_outside(const zb_args *a, const char *member);

static int cmd_add(const struct zb_cmd *c, const zb_args *a) {
  const zb_kind_desc *kd = cmd_kind(c);
  if (kd->add_word && zb_args_has(a, "outside")) {
    if (zb_args_has(a, "to")) {
      zb_log_error("%s", zb_msg("kind.to_outside"));
      return zb_exit_code(ZB_EUSAGE);
    }
    return transfer_outside(a, a->pos[2]);
  }
  zb_value *v = calloc((size_t)kd->nfields, sizeof *v);
  bool set[ZB_REC_FIELDS_MAX];
  if (!v)
    return zb_cli_fail(ZB_ENOMEM, c->words);
  zb_node *n = NULL;
  int rc = values_from_args(kd, a, v, set);
  if (!rc && kd->add_word)
    rc = take_value(&kd->fields[kd->add_arg], kd->fields[kd->add_arg].name, a->pos[2],
                    v[kd->add_arg]);
  if (!rc && !(rc = open_node(a, &n))) {
    int w = zb_node_add(n, kd, v, zb_cli_problem, NULL);
    zb_node_close(n);
    if (w == ZB_EEXIST)
      zb_log_error(zb_msg("kind.exists"), kd->fields[0].name, noun(kd), v[0], kd->name);
    if (w == ZB_EEXIST || w == ZB_EINVAL || w == ZB_ESCOPE)
      rc = zb_exit_code(w);
    else if (w)
      rc = zb_cli_fail(w, c->words);
    else
      printf("%s\n", v[0]);
  }
  free(v);
  return rc ? rc : zb_cli_flush();
}

static int cmd_update(const struct zb_cmd *c, const zb_args *a) {
  const zb_kind_desc *kd = cmd_kind(c);
  const char *key = a->pos[2];
  char on[64];
  if (zb_args_has(a, opt_name(kd->fields[0].name, on, sizeof on))) {
    zb_log_error(zb_msg("kind.key_fixed"), on, noun(kd), label(&kd->fields[0]));
    return zb_exit_code(ZB_EINVAL);
  }
  zb_value *v = calloc((size_t)kd->nfields, sizeof *v);
  bool set[ZB_REC_FIELDS_MAX];
  if (!v)
    return zb_cli_fail(ZB_ENOMEM, c->words);
  int rc = values_from_args(kd, a, v, set);
  bool any = false;
  for (int f = 0; f < kd->nfields; f++)
    any |= set[f];
  if (!rc && !any) {
    zb_log_error(zb_msg("kind.nothing_to_change"), c->words,
                 opt_name(kd->fields[kd->nfields - 1].name, on, sizeof on));
    rc = zb_exit_code(ZB_EUSAGE);
  }
  zb_node *n;
  if (!rc && !(rc = open_node(a, &n))) {
    bool changed = false;
    int w = zb_node_update(n, kd, key, set, v, zb_cli_problem, NULL, &changed);
    zb_node_close(n);
    if (w == ZB_ENOTFOUND)
      zb_log_error(zb_msg("kind.not_found"), noun(kd), key);
    if (w == ZB_ENOTFOUND || w == ZB_EINVAL || w == ZB_ESCOPE)
      rc = zb_exit_code(w);
    else if (w)
      rc = zb_cli_fail(w, c->words);
    else
      fprintf(stderr, zb_msg(changed ? "kind.updated" : "kind.same"), prog, noun(kd), key);
  }
  free(v);
  return rc;
}

/* ---- show / list ---- */

/* The values of r as of today: the state a record is in on the day
 * (zb_kind_desc.state_at: an open transfer past its limit shows 已过期).
 * Points at r's values, or at out when the state differs. */
static const zb_value *values_today(const zb_rec *r, zb_date today, zb_value *out) {
  const zb_kind_desc *kd = r->kd;
  int sf = kd->state_field;
  int st = zb_kind_state(kd, r->v), now = zb_kind_state_at(kd, r->v, today);
  if (!sf || st == now || now < 0)
    return r->v;
  memcpy(out, r->v, (size_t)kd->nfields * sizeof *out);
  snprintf(out[sf], sizeof out[sf], "%s", kd->fields[sf].vocab[now]);
  return out;
}

static int fact_json(void *ctx, int fi, const zb_rec *f) {
  json_t *list = json_object_get(ctx, f->kd->name);
  (void)fi;
  return json_array_append_new(list, zb_rec_to_json(f->kd, f->v)) ? ZB_ENOMEM : 0;
}

static int cmd_show(const struct zb_cmd *c, const zb_args *a) {
  const zb_kind_desc *kd = cmd_kind(c);
  const char *key = a->pos[2];
  zb_node *n;
  int rc = open_node(a, &n);
  if (rc)
    return rc;
  zb_rec *r = malloc(sizeof *r);
  rc = r ? zb_node_get(n, kd, key, r) : ZB_ENOMEM;
  zb_node_close(n);
  if (rc == ZB_ENOTFOUND)
    zb_log_error(zb_msg("kind.not_found"), noun(kd), key);
  if (rc) {
    free(r);
    return rc == ZB_ENOTFOUND ? zb_exit_code(rc) : zb_cli_fail(rc, c->words);
  }
  /* The record's facts, kind by kind: {"read": [{…}, …]} in JSON, one
   * line each after the table. */
  json_t *facts = NULL;
  if (!rc && kd->nfacts) {
    facts = json_object();
    for (int i = 0; facts && i < kd->nfacts; i++)
      json_object_set_new(facts, kd->facts[i]->name, json_array());
    if (!(rc = open_node(a, &n))) {
      rc = zb_node_facts(n, kd, key, fact_json, facts);
      zb_node_close(n);
    }
  }
  zb_value *now = malloc(sizeof(zb_value) * ZB_REC_FIELDS_MAX);
  const zb_value *v = now ? values_today(r, zb_date_today(), now) : r->v;
  if (rc) {
  } else if (zb_args_has(a, "json")) {
    json_t *j = zb_rec_to_json(kd, v);
    if (j && facts)
      json_object_set(j, "facts", facts);
    rc = j ? zb_json_print(j, stdout, 0) : ZB_ENOMEM;
    json_decref(j);
  } else {
    zb_table *t = zb_table_new(2, (const char *const[]){zb_msg("kind.field"), zb_msg("kind.value")});
    for (int f = 0; t && f < kd->nfields; f++)
      zb_table_add(t, (const char *const[]){label(&kd->fields[f]), v[f]});
    rc = t ? 0 : ZB_ENOMEM;
    if (t)
      zb_table_print(t, stdout);
    zb_table_free(t);
    for (int k = 0; facts && k < kd->nfacts; k++) {
      const zb_kind_desc *fk = kd->facts[k];
      json_t *list = json_object_get(facts, fk->name);
      size_t i;
      json_t *e;
      json_array_foreach(list, i, e) {
        printf(zb_lang_is_zh() ? "%s：" : "%s:", noun(fk));
        const char *fname;
        json_t *fv;
        const char *sep = zb_lang_is_zh() ? "" : " ";
        json_object_foreach(e, fname, fv) {
          printf("%s%s", sep, json_string_value(fv));
          sep = " ";
        }
        putchar('\n');
      }
    }
  }
  json_decref(facts);
  free(now);
  free(r);
  return rc ? zb_cli_fail(rc, c->words) : zb_cli_flush();
}

void zb_kindcli_org_name(zb_node *n, const char *code, char out[ZB_FIELD_MAX + 1]) {
  out[0] = '\0';
  zb_rec *r = malloc(sizeof *r);
  if (!r)
    return;
  zb_rec_init(r, &zb_kind_org);
  if (zb_node_get(n, &zb_kind_org, code, r) == 0)
    memcpy(out, r->v[ZB_OF_NAME], ZB_FIELD_MAX + 1);
  free(r);
}

struct list_out {
  const zb_kind_desc *kd;
  int mode;   /* 0 table, 1 json, 2 csv, 3 xlsx */
  bool zh;    /* csv: Chinese header */
  zb_json_stream js;
  zb_table *t;
  zb_xlsxout *x;
  int cols[ZB_REC_FIELDS_MAX], ncols;
  long n;
  bool all;   /* --all: records whose state ended too */
  const char *state;         /* --state: only records in it */
  const char *in, *out;      /* --in / --out: the node's org (reach_field /
                                org_field in its subtree) */
  bool overdue;              /* --overdue: only those, with why */
  char why[200];
  zb_date today;
  zb_value v[ZB_REC_FIELDS_MAX];
};

static int list_row(void *ctx, const zb_rec *r) {
  struct list_out *lo = ctx;
  const zb_kind_desc *kd = lo->kd;
  /* A record whose state has ended (a member who left) is history, not
   * the current list, unless --all. */
  if (!lo->all && !lo->state && zb_kind_ended(kd, r->v))
    return 0;
  const zb_value *v = values_today(r, lo->today, lo->v);
  if (lo->state && strcmp(v[kd->state_field], lo->state) != 0)
    return 0;
  if (lo->in && !zb_org_in_subtree(v[kd->reach_field], lo->in))
    return 0;
  if (lo->out && !zb_org_in_subtree(v[kd->org_field], lo->out))
    return 0;
  if (lo->overdue && !kd->overdue(v, lo->today, lo->why, sizeof lo->why))
    return 0;
  lo->n++;
  if (lo->mode == 1) {
    json_t *j = zb_rec_to_json(kd, v);
    if (j && lo->overdue) {
      char words[ZB_WHY_TEXT_MAX];   /* English words, as rejected --json */
      json_object_set_new(j, "overdue", json_string(zb_why_text_en(lo->why, words, sizeof words)));
    }
    return zb_json_stream_add(&lo->js, j);
  }
  if (lo->mode == 2)
    return zb_rec_csv_row(stdout, kd, v);
  const char *cells[ZB_REC_FIELDS_MAX];
  for (int i = 0; i < lo->ncols; i++)
    cells[i] = v[lo->cols[i]];
  if (lo->mode == 3)
    return zb_xlsxout_row(lo->x, cells);
  char words[ZB_WHY_TEXT_MAX];
  if (lo->overdue)
    cells[lo->ncols] = zb_why_text(lo->why, words, sizeof words);
  return zb_table_add(lo->t, cells);
}

/* The kind's sheet: its fields in sheet order (the 花名册's columns), with
 * their Chinese or English names; what only acts write left out when the
 * records whose state ended are (their columns would be empty), and the
 * title: the org's name, the sheet's name, today. */
static int list_xlsx_open(struct list_out *lo, zb_node *n, const char *path, const char *org) {
  const zb_kind_desc *kd = lo->kd;
  const char *hdr[ZB_REC_FIELDS_MAX];
  enum zb_xcol kinds[ZB_REC_FIELDS_MAX];
  for (int i = 0; i < kd->nfields; i++) {
    int f = kd->sheet_order ? kd->sheet_order[i] : i;
    if (f < 0)
      break;
    if (kd->ended && !lo->all && zb_kind_act_of(kd, f))
      continue;
    hdr[lo->ncols] = lo->zh ? kd->fields[f].zh : kd->fields[f].name;
    kinds[lo->ncols] = kd->fields[f].type == ZB_FT_DATE ? ZB_XCOL_DATE : ZB_XCOL_TEXT;
    lo->cols[lo->ncols++] = f;
  }
  char name[ZB_FIELD_MAX + 1], day[64], title[600], what[128];
  zb_kindcli_org_name(n, org, name);
  zb_cli_today_zh(day, sizeof day);
  if (lo->zh) {
    if (kd->sheet_title)
      snprintf(what, sizeof what, "%s", kd->sheet_title);
    else
      snprintf(what, sizeof what, "%s名单", kd->zh);
    snprintf(title, sizeof title, "%s %s（%s）", name[0] ? name : org, what, day);
  } else {
    char iso[11];
    zb_date_format(zb_date_today(), iso);
    snprintf(title, sizeof title, "%s: %s, %s", name[0] ? name : org, kd->plural, iso);
  }
  int rc = zb_xlsxout_open(path, lo->zh ? (kd->sheet_title ? kd->sheet_title : kd->zh) : kd->plural,
                           title, (size_t)lo->ncols, hdr, kinds, &lo->x);
  if (rc && rc != ZB_ENOTFOUND && rc != ZB_EACCES)   /* those were said, with the fix */
    zb_log_error(zb_msg("kind.xlsx_failed"), path);
  return rc;
}

static int cmd_list(const struct zb_cmd *c, const zb_args *a) {
  const zb_kind_desc *kd = cmd_kind(c);
  zb_node *n;
  int rc = open_node(a, &n);
  if (rc)
    return rc;
  struct list_out *lo = calloc(1, sizeof *lo);
  if (!lo) {
    zb_node_close(n);
    return zb_cli_fail(ZB_ENOMEM, c->words);
  }
  lo->kd = kd;
  lo->all = zb_args_has(a, "all");
  lo->today = zb_date_today();
  lo->state = NULL;
  if (kd->state_field) {
    char on[64];
    lo->state = zb_args_get(a, "state");
    if (!lo->state)
      lo->state = zb_args_get(a, opt_name(kd->fields[kd->state_field].name, on, sizeof on));
  }
  lo->overdue = kd->overdue && zb_args_has(a, "overdue");
  if (lo->state && zb_vocab_index(kd->fields[kd->state_field].vocab, lo->state) < 0) {
    zb_log_error(zb_msg("kind.bad_state"), lo->state, noun(kd),
                 kd->fields[kd->state_field].help);
    rc = zb_exit_code(ZB_EUSAGE);
  }
  if (kd->reach_field && zb_args_has(a, "in"))
    lo->in = zb_node_org(n);
  if (kd->reach_field && zb_args_has(a, "out"))
    lo->out = zb_node_org(n);
  if (rc) {
    zb_node_close(n);
    free(lo);
    return rc;
  }
  const char *xlsx = zb_args_get(a, "xlsx");
  lo->mode = zb_args_has(a, "json") ? 1 : zb_args_has(a, "csv") ? 2 : xlsx ? 3 : 0;
  const char *org = zb_args_get(a, "org");
  if ((rc = zb_cli_one_format(a)) || (rc = zb_cli_lang_zh(a, &lo->zh))) {
    zb_node_close(n);
    free(lo);
    return zb_exit_code(rc);
  }
  if (lo->mode == 1) {
    zb_json_stream_begin(&lo->js, stdout);
  } else if (lo->mode == 2) {
    rc = zb_rec_csv_header(stdout, kd, lo->zh);
  } else if (lo->mode == 3) {
    rc = list_xlsx_open(lo, n, xlsx, org ? org : zb_node_org(n));
  } else {
    /* The fields the descriptor marks for the table, in field order. */
    const char *hdr[ZB_REC_FIELDS_MAX];
    for (int f = 0; f < kd->nfields; f++)
      if (kd->fields[f].flags & ZB_FF_TABLE) {
        hdr[lo->ncols] = label(&kd->fields[f]);
        lo->cols[lo->ncols++] = f;
      }
    hdr[lo->ncols] = zb_msg("kind.overdue");
    if (!(lo->t = zb_table_new((size_t)lo->ncols + lo->overdue, hdr)))
      rc = ZB_ENOMEM;
  }
  if (!rc)
    rc = zb_node_list(n, kd, org, list_row, lo);
  if (rc == ZB_ESCOPE)
    zb_log_error(zb_msg("kind.outside_scope"), org, zb_node_org(n));
  zb_node_close(n);
  if (!rc && lo->mode == 1) {
    rc = zb_json_stream_end(&lo->js);
  } else if (!rc && lo->mode == 0) {
    zb_table_print(lo->t, stdout);
    printf(zb_msg("kind.count"), lo->n, zb_lang_is_zh() ? kd->zh : kd->plural);
  }
  if (lo->x) {
    const char *why;
    int crc = zb_xlsxout_close(lo->x, &why);
    if (rc)
      unlink(xlsx);   /* no file rather than a partial one */
    else if (crc)
      zb_log_error(zb_msg("kind.xlsx_failed_why"), xlsx, why ? why : "");
    else if (!rc)
      fprintf(stderr, zb_msg("kind.xlsx_written"), prog, xlsx, lo->n,
              zb_lang_is_zh() ? kd->zh : kd->plural);
    if (!rc)
      rc = crc;
  }
  zb_table_free(lo->t);
  free(lo);
  if (rc)
    return rc == ZB_ESCOPE ? zb_exit_code(rc) : zb_cli_fail(rc, c->words);
  return zb_cli_flush();
}

/* ---- acts and facts ---- */

/* "notice withdraw": the act is the second word. */
static const zb_act_desc *cmd_act(const struct zb_cmd *c, const zb_kind_desc *kd) {
  const char *w2 = strchr(c->words, ' ');
  return w2 ? zb_kind_act(kd, w2 + 1) : NULL;
}

static const zb_kind_desc *cmd_fact(const struct zb_cmd *c, const zb_kind_desc *kd) {
  const char *w2 = strchr(c->words, ' ');
  return w2 ? zb_kind_fact(kd, w2 + 1, NULL) : NULL;
}

static int step_outcome(int rc, const zb_kind_desc *kd, const char *key, const char *what) {
  if (rc == ZB_ENOTFOUND)
    zb_log_error(zb_msg("kind.not_found"), noun(kd), key);
  if (rc == ZB_ENOTFOUND || rc == ZB_EINVAL || rc == ZB_ESCOPE)
    return zb_exit_code(rc);
  return rc ? zb_cli_fail(rc, what) : 0;
}

/* The option of an act's parameter j: its own name, or its field's. */
static const char *act_opt(const zb_kind_desc *kd, const zb_act_desc *ad, int j, char *buf,
                           size_t cap) {
  if (ad->opts)
    return ad->opts[j];
  return opt_name(kd->fields[ad->params[j]].name, buf, cap);
}

/* Fills v from an act's options; set[f] says which were given. */
static int act_values(const zb_kind_desc *kd, const zb_act_desc *ad, const zb_args *a,
                      zb_value *v, bool *set) {
  memset(v, 0, (size_t)kd->nfields * sizeof *v);
  memset(set, 0, (size_t)kd->nfields * sizeof *set);
  for (int j = 0; j < ad->nparams; j++) {
    char on[64];
    const char *o = act_opt(kd, ad, j, on, sizeof on), *val = zb_args_get(a, o);
    int f = ad->params[j];
    if (!val)
      continue;
    int rc = take_value(&kd->fields[f], o, val, v[f]);
    if (rc)
      return rc;
    set[f] = true;
  }
  return 0;
}

/* A problem with an act's parameter names the option the user typed
 * (--reason), not its field (leave_reason). */
struct act_ctx {
  const zb_kind_desc *kd;
  const zb_act_desc *ad;
};

static void act_problem(void *ctx, const char *file, long line, const char *column,
                        const char *reason) {
  const struct act_ctx *ac = ctx;
  char on[64];
  for (int j = 0; column && !file && j < ac->ad->nparams; j++)
    if (strcmp(ac->kd->fields[ac->ad->params[j]].name, column) == 0)
      column = act_opt(ac->kd, ac->ad, j, on, sizeof on);
  zb_cli_problem(NULL, file, line, column, reason);
}

/* A kind with more acts than this has one command for them all, `KIND act
 * KEY ACT` (the applicant's pipeline); fewer, one command each. */
#define ACTS_INLINE 3

static int cmd_act_run(const struct zb_cmd *c, const zb_args *a) {
  const zb_kind_desc *kd = cmd_kind(c);
  const zb_act_desc *ad = cmd_act(c, kd);
  const char *key = a->pos[2];
  if (!ad) {
    /* KIND act KEY ACT: the act by its name or its Chinese name. */
    for (int i = 0; i < kd->nacts && !ad; i++)
      if (strcmp(kd->acts[i].name, a->pos[3]) == 0 || strcmp(kd->acts[i].zh, a->pos[3]) == 0)
        ad = &kd->acts[i];
    if (!ad) {
      zb_log_error(zb_msg("kind.no_act"), kd->name, a->pos[3], prog, kd->name);
      return zb_exit_code(ZB_EUSAGE);
    }
    /* Only this act's options among the acts' (--votes-for is not the
     * talk's). */
    for (size_t i = 0; i < a->nopt; i++) {
      const char *o = a->opt[i]->name;
      bool mine = false, an_act_opt = false;
      for (int k = 0; k < kd->nacts; k++)
        for (int j = 0; j < kd->acts[k].nparams; j++) {
          char on[64];
          if (strcmp(o, act_opt(kd, &kd->acts[k], j, on, sizeof on)) == 0) {
            an_act_opt = true;
            mine |= &kd->acts[k] == ad;
          }
        }
      if (an_act_opt && !mine) {
        zb_log_error(zb_msg("kind.act_opt"), o, ad->name, ad->zh);
        return zb_exit_code(ZB_EUSAGE);
      }
    }
  }
  zb_value *v = calloc((size_t)kd->nfields, sizeof *v);
  bool set[ZB_REC_FIELDS_MAX];
  if (!v)
    return zb_cli_fail(ZB_ENOMEM, c->words);
  zb_node *n;
  int rc = act_values(kd, ad, a, v, set);
  if (!rc && !(rc = open_node(a, &n))) {
    struct act_ctx ac = {kd, ad};
    int w = zb_node_act(n, kd, key, ad, set, v, act_problem, &ac);
    zb_node_close(n);
    rc = step_outcome(w, kd, key, c->words);
    if (!w && zb_lang_is_zh())
      fprintf(stderr, "%s: %s %s：%s\n", prog, noun(kd), key, ad->zh);
    else if (!w)
      fprintf(stderr, "%s: %s %s: %s (%s)\n", prog, noun(kd), key, ad->name, ad->zh);
  }
  free(v);
  return rc;
}

/* A member who moves to an org outside this deployment (another
 * province's system) leaves it: `transfer out MEMBER --outside NAME
 * --letter NO` is the member's leave with reason 转出系统外, the
 * destination and the letter's number as its note (docs/RECORDS.md,
 * "Transfers"). */
static int transfer_outside(const zb_args *a, const char *member) {
  const zb_kind_desc *mk = &zb_kind_member;
  const zb_act_desc *leave = zb_kind_act(mk, "leave");
  const char *dest = zb_args_get(a, "outside"), *letter = zb_args_get(a, "letter");
  if (!letter || !*letter || !*dest) {
    zb_log_error("%s", zb_msg("kind.outside_needs"));
    return zb_exit_code(ZB_EUSAGE);
  }
  zb_value *v = calloc((size_t)mk->nfields, sizeof *v);
  bool set[ZB_REC_FIELDS_MAX] = {false};
  if (!v)
    return zb_cli_fail(ZB_ENOMEM, "transfer out");
  char note[ZB_FIELD_MAX + 1];
  snprintf(note, sizeof note, "转往%s，介绍信%s", dest, letter);
  int rc = take_value(&mk->fields[ZB_MF_LEAVE_NOTE], "outside", note, v[ZB_MF_LEAVE_NOTE]);
  snprintf(v[ZB_MF_LEAVE_REASON], sizeof v[0], "%s", "转出系统外");
  const char *date = zb_args_get(a, "date");
  if (!rc && date)
    rc = take_value(&mk->fields[ZB_MF_LEAVE_DATE], "date", date, v[ZB_MF_LEAVE_DATE]);
  else if (!rc)
    zb_date_format(zb_date_today(), v[ZB_MF_LEAVE_DATE]);
  set[ZB_MF_LEAVE_NOTE] = set[ZB_MF_LEAVE_REASON] = set[ZB_MF_LEAVE_DATE] = true;
  zb_node *n;
  if (!rc && !(rc = open_node(a, &n))) {
    struct act_ctx ac = {mk, leave};
    int w = zb_node_act(n, mk, member, leave, set, v, act_problem, &ac);
    zb_node_close(n);
    rc = step_outcome(w, mk, member, "transfer out");
    if (!w)
      fprintf(stderr, zb_lang_is_zh() ? "%s: %s %s：转出系统外（%s）\n" : "%s: %s %s: 转出系统外 (%s)\n",
              prog, noun(mk), member, note);
  }
  free(v);
  return rc;
}

static int cmd_fact_run(const struct zb_cmd *c, const zb_args *a) {
  const zb_kind_desc *kd = cmd_kind(c);
  const zb_kind_desc *fk = cmd_fact(c, kd);
  const char *key = a->pos[2];
  zb_value *v = calloc((size_t)fk->nfields, sizeof *v);
  bool set[ZB_REC_FIELDS_MAX];
  if (!v)
    return zb_cli_fail(ZB_ENOMEM, c->words);
  zb_node *n;
  int rc = values_from_args(fk, a, v, set);
  if (!rc && !(rc = open_node(a, &n))) {
    bool changed = false;
    int w = zb_node_fact(n, kd, key, fk, v, zb_cli_problem, NULL, &changed);
    zb_node_close(n);
    rc = step_outcome(w, kd, key, c->words);
    if (!w)
      fprintf(stderr, "%s: %s %s: %s %s%s\n", prog, noun(kd), key,
              zb_lang_is_zh() ? fk->zh : fk->name, v[0], changed ? "" : zb_msg("kind.already"));
  }
  free(v);
  return rc;
}

/* ---- the commands and their help, made once ---- */

static const char *const o_none[] = {NULL};
static const char *const o_show[] = {"json", NULL};
static const char *const o_list[] = {"json", "csv", "xlsx", "lang", "org", "all", "state", NULL};
static const char *const o_list_reach[] = {"json", "csv", "xlsx", "lang", "org", "all", "state",
                                           "in", "out", NULL};

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...) {
  va_list ap;
  va_start(ap, f);
  char *s = NULL;
  if (vasprintf(&s, f, ap) < 0)
    s = NULL;
  va_end(ap);
  return s ? s : (char *)"";
}

/* What a field holds, from its descriptor: its own help line in English,
 * in Chinese what its type and vocabulary say, into buf. */
static const char *field_desc(const zb_field_desc *fd, char *buf, size_t cap) {
  if (!zb_lang_is_zh())
    return fd->help;
  char vocab[512] = "";
  size_t used = 0;
  switch (fd->type) {
  case ZB_FT_TEXT:
    if (fd->max_chars)
      snprintf(buf, cap, zb_msg("kind.ft.text_max"), fd->max_chars);
    else
      snprintf(buf, cap, "%s", zb_msg("kind.ft.text"));
    break;
  case ZB_FT_ID: snprintf(buf, cap, "%s", zb_msg("kind.ft.id")); break;
  case ZB_FT_DATE: snprintf(buf, cap, "%s", zb_msg("kind.ft.date")); break;
  case ZB_FT_ORG_CODE: snprintf(buf, cap, "%s", zb_msg("kind.ft.org")); break;
  case ZB_FT_ID_NUMBER: snprintf(buf, cap, "%s", zb_msg("kind.ft.idnum")); break;
  case ZB_FT_PHONE: snprintf(buf, cap, "%s", zb_msg("kind.ft.phone")); break;
  case ZB_FT_COUNT: snprintf(buf, cap, "%s", zb_msg("kind.ft.count")); break;
  case ZB_FT_MONTH: snprintf(buf, cap, "%s", zb_msg("kind.ft.month")); break;
  case ZB_FT_FEN: snprintf(buf, cap, "%s", zb_msg("kind.ft.fen")); break;
  case ZB_FT_VOCAB:
    if (fd->vocab_desc) {   /* a long list: its size and its first value */
      int nv = 0;
      while (fd->vocab[nv])
        nv++;
      snprintf(buf, cap, zb_msg("kind.ft.vocab_many"), nv, fd->vocab[0]);
      break;
    } else {
      for (int i = 0; fd->vocab[i] && used + 1 < sizeof vocab; i++) {
        int w = snprintf(vocab + used, sizeof vocab - used, "%s%s", i ? "、" : "", fd->vocab[i]);
        if (w < 0 || (size_t)w >= sizeof vocab - used)
          break;
        used += (size_t)w;
      }
    }
    snprintf(buf, cap, zb_msg("kind.ft.vocab"), vocab);
    break;
  }
  const char *tail = fd->flags & ZB_FF_ACTOR ? zb_msg("kind.ft.actor")
                     : fd->flags & ZB_FF_STATE ? zb_msg("kind.ft.state")
                                               : "";
  size_t n = strlen(buf);
  snprintf(buf + n, cap - n, "%s", tail);
  return buf;
}

/* "  --birth-date  出生日期: YYYY-MM-DD (required)\n" for every field. */
static char *field_help(const zb_kind_desc *kd, bool fact) {
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  if (!f)
    return (char *)"";
  fputs(zb_msg("kind.fields"), f);
  for (int i = 0; i < kd->nfields; i++) {
    const zb_field_desc *fd = &kd->fields[i];
    char on[64], desc[640];
    if (fd->flags & ZB_FF_DERIVED)
      continue;
    /* Fields with a default on add are not the user's to give. */
    bool required = (fd->flags & ZB_FF_REQUIRED) && !(i == 0 && kd->auto_key) &&
                    i != kd->org_field && !(fd->flags & (ZB_FF_STATE | ZB_FF_ACTOR)) &&
                    !(fact && fd->type == ZB_FT_DATE);
    const char *d = field_desc(fd, desc, sizeof desc);
    if (i == 0 && kd->auto_key && zb_lang_is_zh()) {
      size_t dl = strlen(desc);
      snprintf(desc + dl, sizeof desc - dl, "%s", zb_msg("kind.ft.auto"));
    }
    fprintf(f, zb_msg("kind.field_line"), opt_name(fd->name, on, sizeof on), fd->zh, d,
            required ? zb_msg("kind.required") : "");
  }
  if (kd->org_field != 0 && !(kd->fields[kd->org_field].flags & ZB_FF_DERIVED))
    fprintf(f, zb_msg("kind.org_short"), opt_name(kd->fields[kd->org_field].name,
                                                    (char[64]){0}, 64));
  if (kd->reach_field)
    fprintf(f, zb_msg("kind.to_short"), opt_name(kd->fields[kd->reach_field].name,
                                                   (char[64]){0}, 64));
  fclose(f);
  return out ? out : (char *)"";
}

/* The field by which a kind's import matches a row without a key, or -1
 * when rows must give it (zb_import.h). */
static int match_field(const zb_kind_desc *kd) {
  for (int i = 0; kd->auto_key && i < kd->nindexes; i++)
    if (kd->indexes[i].unique)
      return kd->indexes[i].field;
  return -1;
}

/* The header names import accepts for each field, from the descriptor:
 * "  id_number   公民身份号码, 身份证号, 身份证号码, 身份证 (required)". */
static char *columns_help(const zb_kind_desc *kd) {
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  if (!f)
    return (char *)"";
  fputs(zb_msg("kind.columns"), f);
  for (int i = 0; i < kd->nfields; i++) {
    const zb_field_desc *fd = &kd->fields[i];
    fprintf(f, "  %-12s %s", fd->name, fd->zh);
    for (int h = 0; fd->headers && fd->headers[h]; h++)
      fprintf(f, ", %s", fd->headers[h]);
    if (i == 0 && match_field(kd) >= 0)
      fputs(zb_msg("kind.may_omit"), f);
    else if (fd->flags & ZB_FF_REQUIRED)
      fputs(zb_msg("kind.required"), f);
    fputc('\n', f);
  }
  fclose(f);
  return out ? out : (char *)"";
}

/* The options of a kind's fields, NULL-terminated (and --org); kept for
 * the life of the process, like the option names. */
static const char *opt_lists[ZB_KINDCLI_MAX_CMDS][ZB_REC_FIELDS_MAX + 2];
static size_t opt_lists_used;

/* A fresh list of options for one command (at most one per command). */
static const char **opt_list(void) {
  return opt_lists[opt_lists_used < ZB_KINDCLI_MAX_CMDS ? opt_lists_used++ : ZB_KINDCLI_MAX_CMDS - 1];
}
static char opt_names[ZB_KINDCLI_MAX_OPTS][64];

static const char *const *field_opts(const zb_kind_desc *kd, struct zb_opt *opts) {
  const char **o = opt_list();
  int n = 0;
  for (int i = 0; i < kd->nfields; i++) {
    char on[64];
    if (kd->fields[i].flags & ZB_FF_DERIVED)
      continue;
    opt_name(kd->fields[i].name, on, sizeof on);
    /* The option table keeps the one string every command points at. */
    size_t j = 0;
    while (opts[j].name && strcmp(opts[j].name, on) != 0)
      j++;
    if (!opts[j].name && j + 1 < ZB_KINDCLI_MAX_OPTS) {
      opts[j].name = memcpy(opt_names[j], on, sizeof on);
      opts[j].has_arg = true;
      opts[j + 1].name = NULL;
    }
    o[n++] = opts[j].name ? opts[j].name : "";
  }
  if (kd->org_field != 0 && !(kd->fields[kd->org_field].flags & ZB_FF_DERIVED))
    o[n++] = "org";
  if (kd->reach_field)
    o[n++] = "to";
  if (kd->add_word) {
    o[n++] = "outside";
    o[n++] = "letter";
  }
  o[n] = NULL;
  return o;
}

size_t zb_kindcli_build(struct zb_cmd *cmds, struct zb_opt *opts, zb_kindcli_open_fn open,
                        const struct zb_cmd *own, size_t nown) {
  open_node = open;
  own_cmds = own;
  own_n = nown;
  own_used = calloc(nown ? nown : 1, sizeof *own_used);   /* for the process's life */
  if (!own_used)
    own_n = 0;
  size_t nc = 0;
  for (int k = 0; zb_kinds[k] && nc + 5 <= ZB_KINDCLI_MAX_CMDS; k++) {
    const zb_kind_desc *kd = zb_kinds[k];
    unsigned which = kind_cmds(kd);
    const char *const *fo = field_opts(kd, opts);
    char *fields = field_help(kd, false);
    const char *n = kd->name;
    bool zh = zb_lang_is_zh();
    const char *noun_ = zh ? kd->zh : n;
    if (which & C_IMPORT) {
      char *cols = columns_help(kd);
      int mf = match_field(kd);
      const zb_field_desc *kf = &kd->fields[0];
      char *keyless = mf >= 0
          ? fmt(zb_msg("kind.keyless"), zh ? kf->zh : kf->name, noun_,
                zh ? kd->fields[mf].zh : kd->fields[mf].name, zh ? kf->zh : kf->name, n)
          : (char *)"";
      put_cmd(cmds, &nc, (struct zb_cmd){
          fmt("%s import", n), 2, 1, "FILE", cmd_import, o_none,
          fmt(zb_msg("kind.import"), zh ? kd->zh : kd->plural),
          fmt(zb_msg("kind.import.help"), zh ? kf->zh : kf->name, noun_, keyless,
              kd->reach == ZB_REACH_ALL ? zb_msg("kind.reach_skip") : "", cols)});
      if (*cols)
        free(cols);
      if (*keyless)
        free(keyless);
    }
    if ((which & C_ADD) && kd->add_word) {
      char key[64];
      snprintf(key, sizeof key, "kind.%s.add_help", n);
      const zb_field_desc *af = &kd->fields[kd->add_arg];
      put_cmd(cmds, &nc, (struct zb_cmd){
          fmt("%s %s", n, kd->add_word), 2, 1, fmt("%s", af->name), cmd_add, fo,
          fmt(zb_msg("kind.issue"), noun_, zh ? af->zh : af->name),
          fmt(zb_msg("kind.issue.help"), zb_msg_has(key) ? zb_msg(key) : "", noun_,
              zh ? kd->fields[0].zh : kd->fields[0].name, fields)});
    } else if (which & C_ADD) {
      put_cmd(cmds, &nc, (struct zb_cmd){fmt("%s add", n), 2, 0, "", cmd_add, fo,
                                   fmt(zb_msg("kind.add"), noun_),
                                   fmt(zb_msg("kind.add.help"), noun_,
                                       zh ? kd->fields[0].zh : kd->fields[0].name, fields)});
    }
    if (which & C_UPDATE)
      put_cmd(cmds, &nc, (struct zb_cmd){fmt("%s update", n), 2, 1, "KEY", cmd_update, fo,
                                   fmt(zb_msg("kind.update"), noun_), fmt("%s", fields)});
    if (which & C_SHOW)
      put_cmd(cmds, &nc, (struct zb_cmd){fmt("%s show", n), 2, 1, "KEY", cmd_show, o_show,
                                         fmt(zb_msg("kind.show"), noun_), ""});
    if (which & C_LIST) {
      char *lh = NULL;
      size_t ll = 0;
      FILE *f = open_memstream(&lh, &ll);
      if (f) {
        if (which & C_IMPORT)
          fprintf(f, zb_msg("kind.list.csv_import"), n,
                  kd->sheet_title ? zb_msg("kind.list.sheet_open") : "",
                  kd->sheet_title ? kd->sheet_title : "",
                  kd->sheet_title ? zb_msg("kind.list.sheet_close") : "", noun_, n);
        else
          fputs(zb_msg("kind.list.csv"), f);
        if (kd->reach == ZB_REACH_DOWN)
          fputs(zb_msg("kind.list.down"), f);
        if (kd->ended)
          fputs(zb_msg("kind.list.all"), f);
        if (kd->state_field)
          fprintf(f, zb_msg("kind.list.state"), opt_name(kd->fields[kd->state_field].name,
                                                         (char[64]){0}, 64),
                  kd->fields[kd->state_field].help);
        if (kd->overdue)
          fputs(zb_msg("kind.list.overdue"), f);
        if (kd->reach_field)
          fprintf(f, zb_msg("kind.list.reach"), label(&kd->fields[kd->reach_field]),
                  label(&kd->fields[kd->org_field]));
        fclose(f);
      }
      const char **lopts = opt_list();
      int nl = 0;
      for (const char *const *o = kd->reach_field ? o_list_reach : o_list; *o; o++)
        lopts[nl++] = *o;
      if (kd->state_field) {
        char on[64];
        opt_name(kd->fields[kd->state_field].name, on, sizeof on);
        for (struct zb_opt *o = opts; o->name; o++)
          if (strcmp(o->name, on) == 0)
            lopts[nl++] = o->name;
      }
      if (kd->overdue)
        lopts[nl++] = "overdue";
      lopts[nl] = NULL;
      put_cmd(cmds, &nc, (struct zb_cmd){fmt("%s list", n), 2, 0, "", cmd_list, lopts,
                                         fmt(zb_msg("kind.list"), zh ? kd->zh : kd->plural),
                                         lh ? lh : ""});
    }
    if (*fields)
      free(fields);
    /* The kind's state machine: one command per act (or one for them all,
     * ACTS_INLINE), and one per fact. */
    if (kd->nacts > ACTS_INLINE && nc < ZB_KINDCLI_MAX_CMDS) {
      const char **po = opt_list();
      int np = 0;
      char *h = NULL;
      size_t hl = 0;
      FILE *f = open_memstream(&h, &hl);
      const zb_field_desc *sfd = &kd->fields[kd->state_field];
      if (f)
        fprintf(f, zb_msg("kind.act.head"), label(sfd), label(sfd));
      for (int i = 0; i < kd->nacts; i++) {
        const zb_act_desc *ad = &kd->acts[i];
        for (int j = 0; j < ad->nparams; j++) {
          char on[64];
          const char *name = act_opt(kd, ad, j, on, sizeof on);
          struct zb_opt *o = opts;
          size_t k = 0;
          for (; o->name && strcmp(o->name, name) != 0; o++, k++)
            ;
          if (!o->name && k + 1 < ZB_KINDCLI_MAX_OPTS) {
            o->name = memcpy(opt_names[k], name, strlen(name) + 1);
            o->has_arg = true;
            o[1].name = NULL;
          }
          bool listed = false;
          for (int q = 0; q < np; q++)
            listed |= strcmp(po[q], o->name) == 0;
          if (o->name && !listed && np < ZB_REC_FIELDS_MAX)
            po[np++] = o->name;
        }
        if (!f)
          continue;
        if (zh)
          fprintf(f, "  %-20s %s\n      (", ad->name, ad->zh);
        else
          fprintf(f, "  %-20s %s: %s\n      (", ad->name, ad->zh, ad->help);
        bool first = true;
        for (int st = 0; sfd->vocab[st]; st++)
          if (ad->from & (1u << st)) {
            fprintf(f, "%s%s", first ? "" : ", ", sfd->vocab[st]);
            first = false;
          }
        fprintf(f, " → %s)\n", ad->to == ZB_ACT_STAY ? zb_msg("kind.act.same") : sfd->vocab[ad->to]);
      }
      po[np] = NULL;
      if (f) {
        fputs(zb_msg("kind.act.tail"), f);
        fclose(f);
      }
      put_cmd(cmds, &nc, (struct zb_cmd){fmt("%s act", n), 2, 2, "KEY ACT", cmd_act_run, po,
                                         fmt(zb_msg("kind.act"), noun_), h ? h : ""});
    }
    for (int i = 0; i < kd->nacts && kd->nacts <= ACTS_INLINE && nc < ZB_KINDCLI_MAX_CMDS; i++) {
      const zb_act_desc *ad = &kd->acts[i];
      struct zb_opt *o = opts;
      const char **po = opt_list();
      int np = 0;
      for (int j = 0; j < ad->nparams; j++) {
        char on[64];
        const char *name = act_opt(kd, ad, j, on, sizeof on);
        size_t k = 0;
        for (o = opts; o->name && strcmp(o->name, name) != 0; o++, k++)
          ;
        if (!o->name && k + 1 < ZB_KINDCLI_MAX_OPTS) {
          o->name = memcpy(opt_names[k], name, strlen(name) + 1);
          o->has_arg = true;
          o[1].name = NULL;
        }
        if (o->name)
          po[np++] = o->name;
      }
      po[np] = NULL;
      char *from = NULL;
      size_t fl = 0;
      FILE *f = open_memstream(&from, &fl);
      const zb_field_desc *sfd = &kd->fields[kd->state_field];
      for (int st = 0; f && kd->state_field && sfd->vocab[st]; st++)
        if (ad->from & (1u << st))
          fprintf(f, "%s%s", fl ? ", " : "", sfd->vocab[st]);
      if (f)
        fclose(f);
      put_cmd(cmds, &nc, (struct zb_cmd){
          fmt("%s %s", n, ad->name), 2, 1, "KEY", cmd_act_run, po,
          zh ? fmt(zb_msg("kind.one_act"), ad->zh, kd->zh) : fmt(zb_msg("kind.one_act"), ad->name, n),
          fmt(zb_msg("kind.one_act.help"), zh ? ad->zh : ad->help, noun_,
              kd->state_field ? label(sfd) : zh ? "状态" : "state", from ? from : "",
              !kd->state_field                ? ""
              : ad->to == ZB_ACT_STAY         ? zb_msg("kind.unchanged")
                                              : sfd->vocab[ad->to])});
      free(from);
    }
    for (int i = 0; i < kd->nfacts && nc < ZB_KINDCLI_MAX_CMDS; i++) {
      const zb_kind_desc *fk = kd->facts[i];
      char *ff = field_help(fk, true);
      const char *const *fo2 = field_opts(fk, opts);
      put_cmd(cmds, &nc, (struct zb_cmd){
          fmt("%s %s", n, fk->name), 2, 1, "KEY", cmd_fact_run, fo2,
          zh ? fmt(zb_msg("kind.fact"), kd->zh, fk->zh) : fmt(zb_msg("kind.fact"), fk->name, n),
          fmt(zb_msg("kind.fact.help"), zh ? fk->fields[0].zh : fk->name,
              zh ? fk->zh : fk->fields[0].name, ff)});
      if (*ff)
        free(ff);
    }
    put_own(cmds, &nc, kd);
  }
  return nc;
}
