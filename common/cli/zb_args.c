#include "zb_args.h"
#include "zb_msg.h"

#include <stdio.h>
#include <string.h>

#include "zb_err.h"

/* Compares an option as typed (len bytes) with a table name, '_' == '-'. */
static bool name_eq(const char *typed, size_t len, const char *name) {
  if (strlen(name) != len)
    return false;
  for (size_t i = 0; i < len; i++) {
    char c = typed[i] == '_' ? '-' : typed[i];
    if (c != name[i])
      return false;
  }
  return true;
}

int zb_args_parse(int argc, char **argv, const struct zb_opt *known, zb_args *out,
                  char *err, size_t cap) {
  memset(out, 0, sizeof *out);
  bool opts_done = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (opts_done || a[0] != '-' || a[1] == '\0') {
      if (out->npos == ZB_ARGS_MAX) {
        snprintf(err, cap, "%s", zb_msg("args.too_many"));
        return ZB_EUSAGE;
      }
      out->pos[out->npos++] = a;
      continue;
    }
    if (strcmp(a, "--") == 0) {
      opts_done = true;
      continue;
    }
    if (strcmp(a, "-h") == 0)
      a = "--help";
    if (a[1] != '-') {
      snprintf(err, cap, zb_msg("args.unknown_spelled"), a);
      return ZB_EUSAGE;
    }
    const char *name = a + 2, *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    const struct zb_opt *o = NULL;
    for (const struct zb_opt *k = known; k->name; k++) {
      if (name_eq(name, len, k->name)) {
        o = k;
        break;
      }
    }
    if (!o) {
      snprintf(err, cap, zb_msg("args.unknown"), (int)(len > 64 ? 64 : len), name);
      return ZB_EUSAGE;
    }
    const char *val = NULL;
    if (o->has_arg) {
      if (eq) {
        val = eq + 1;
      } else if (i + 1 < argc) {
        val = argv[++i];
      } else {
        snprintf(err, cap, zb_msg("args.needs_value"), o->name);
        return ZB_EUSAGE;
      }
    } else if (eq) {
      snprintf(err, cap, zb_msg("args.no_value"), o->name);
      return ZB_EUSAGE;
    }
    if (out->nopt == ZB_ARGS_MAX) {
      snprintf(err, cap, "%s", zb_msg("args.too_many_opts"));
      return ZB_EUSAGE;
    }
    out->opt[out->nopt] = o;
    out->val[out->nopt++] = val;
  }
  return 0;
}

const char *zb_args_get(const zb_args *a, const char *name) {
  const char *v = NULL;
  for (size_t i = 0; i < a->nopt; i++)
    if (strcmp(a->opt[i]->name, name) == 0)
      v = a->val[i];
  return v;
}

bool zb_args_has(const zb_args *a, const char *name) {
  for (size_t i = 0; i < a->nopt; i++)
    if (strcmp(a->opt[i]->name, name) == 0)
      return true;
  return false;
}

int zb_args_only(const zb_args *a, const char *const *allowed, char *err, size_t cap) {
  for (size_t i = 0; i < a->nopt; i++) {
    bool ok = false;
    for (const char *const *p = allowed; *p && !ok; p++)
      ok = strcmp(*p, a->opt[i]->name) == 0;
    if (!ok) {
      snprintf(err, cap, zb_msg("args.not_here"), a->opt[i]->name);
      return ZB_EUSAGE;
    }
  }
  return 0;
}
