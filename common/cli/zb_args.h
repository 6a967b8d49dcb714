/*
 * zb_args.h — command lines of the form "PROG WORDS… [--opt [VALUE]]…",
 * where options may stand anywhere, before or after the command words
 * (README.md, "The command line").  "--opt=VALUE" works too; "--" ends the options.  Option
 * names treat '_' and '-' alike (--birth_date is --birth-date).
 */
#ifndef ZB_ARGS_H
#define ZB_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#define ZB_ARGS_MAX 64

struct zb_opt {
  const char *name;      /* without the dashes, e.g. "birth-date" */
  bool has_arg;
};

typedef struct zb_args {
  size_t npos;
  const char *pos[ZB_ARGS_MAX];              /* command words and operands */
  size_t nopt;
  const struct zb_opt *opt[ZB_ARGS_MAX];     /* in command-line order */
  const char *val[ZB_ARGS_MAX];              /* NULL for flags */
} zb_args;

/* Parses argv[1..argc) against known (terminated by a NULL name).  Returns
 * 0, or ZB_EUSAGE with a sentence in err. */
int zb_args_parse(int argc, char **argv, const struct zb_opt *known, zb_args *out,
                  char *err, size_t cap);
/* The value of the last occurrence of name, or NULL. */
const char *zb_args_get(const zb_args *a, const char *name);
bool zb_args_has(const zb_args *a, const char *name);
/* ZB_EUSAGE with err naming the first option not in allowed (NULL-terminated
 * names), else 0. */
int zb_args_only(const zb_args *a, const char *const *allowed, char *err, size_t cap);

#endif
