/*
 * zb_cli.h — the command dispatcher both binaries share: command words,
 * operands, options anywhere on the line (zb_args.h), --help for the
 * program and for each command, and the exit status of DESIGN.md §7.
 */
#ifndef ZB_CLI_H
#define ZB_CLI_H

#include <stdio.h>
#include "zb_args.h"
#include "zb_stats.h"

struct zb_cmd;
typedef int (*zb_cmd_fn)(const struct zb_cmd *c, const zb_args *a);

struct zb_cmd {
  const char *words;          /* "member import" */
  int nwords;
  int operands;               /* positional operands after the words */
  const char *operand_names;  /* for usage */
  zb_cmd_fn fn;
  const char *const *opts;    /* options besides the global ones */
  const char *summary;
  const char *help;
};

struct zb_cli {
  const char *prog;
  const char *about;                  /* first lines of --help */
  const struct zb_opt *options;       /* every option of the program */
  const char *const *global_opts;     /* accepted by every command */
  const char *global_help;            /* the global options part of --help */
  const struct zb_cmd *cmds;
  size_t ncmds;
};

/* Parses argv, finds the command (longest match of its words), checks the
 * operand count and options, handles --help, and runs it.  Returns the
 * process exit status. */
int zb_cli_main(const struct zb_cli *cli, int argc, char **argv);

/* Helpers for commands. */

/* --data, else ZHIBU_DATA, else NULL. */
const char *zb_cli_data_dir(const zb_args *a);
/* A zb_input_problem_fn printing "PROG: FILE:LINE: column: reason", or
 * "PROG: --option: reason" for command-line input. */
void zb_cli_problem(void *ctx, const char *file, long line, const char *column,
                    const char *reason);
/* Flushes stdout; 0, or 1 after saying why it failed. */
int zb_cli_flush(void);
/* --as-of or today; non-zero after an error line for a bad date. */
int zb_cli_as_of(const zb_args *a, zb_date *out);
/* Prints statistics as --json, --csv or a report; returns the exit status. */
int zb_cli_stats_out(const zb_args *a, const zb_stats *st, const char *org);

#endif
