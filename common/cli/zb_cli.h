/*
 * zb_cli.h — the command dispatcher both binaries share: command words,
 * operands, options anywhere on the line (zb_args.h), --help for the
 * program and for each command, and the exit status of README.md, "The command line".
 */
#ifndef ZB_CLI_H
#define ZB_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "zb_args.h"
#include "zb_render.h"
#include "zb_state.h"
#include "zb_stats.h"
#include "zb_table.h"
#include "zb_view.h"

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
 * process exit status.  Ignores SIGPIPE for the whole process: a peer that
 * disappears is an error of that session, never the end of the process. */
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
/* An empty report from --as-of (default today) and the period --from
 * (default 1 January of that year) --to (default the as-of date); 0 or an
 * exit status (the problem reported). */
int zb_cli_stats_init(const zb_args *a, zb_stats *st);
/* Prints statistics as --json, --csv or a report; returns the exit status. */
int zb_cli_stats_out(const zb_args *a, const zb_stats *st, const char *org);
/* The same, with the org's name for the title of --xlsx (NULL: its code). */
int zb_cli_stats_out_named(const zb_args *a, const zb_stats *st, const char *org,
                           const char *org_name);

/* zb_strerror in the language of the catalogue (zb_msg.h). */
const char *zb_cli_strerror(int rc);
/* "PROG: what: why" for error rc; returns rc's exit status. */
int zb_cli_fail(int rc, const char *what);
/* "PROG: --opt: reason" (the reason formatted, at most 511 bytes); returns
 * the exit status of invalid input (3). */
int zb_cli_bad(const char *opt, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Whether files for people (--csv, --xlsx) are in Chinese, by the rule of
 * everything printed (zb_lang_decide, zb_msg.h): --lang zh or en; without
 * it, English when the locale (LC_ALL, LC_MESSAGES, LANG, the first that
 * is set) starts with "en", else Chinese.  ZB_EUSAGE (reported) for
 * another --lang. */
int zb_cli_lang_zh(const zb_args *a, bool *zh);
/* hlc's wall-clock time as people read it: local time,
 * "2026-11-28 14:05:09" (--json keeps UTC, zb_hlc_format). */
void zb_cli_local_time(uint64_t hlc, char out[32]);
/* "2026年11月28日" for today, into buf. */
void zb_cli_today_zh(char *buf, size_t cap);
/* --xlsx FILE together with --json or --csv: reported, ZB_EUSAGE. */
int zb_cli_one_format(const zb_args *a);

/* `report pipeline` (both binaries): --year Y into f (zb_funnel_init'ed
 * for the applicant kind as of today); 0 or an exit status. */
struct zb_funnel;
int zb_cli_funnel_init(const zb_args *a, struct zb_funnel *f);
/* Prints the funnel as --json or a table with the overdue list; returns
 * the exit status. */
int zb_cli_funnel_out(const zb_args *a, const struct zb_funnel *f, const char *org);

/* `report meetings` (both binaries): --year Y (default: this year) into
 * *year; 0 or an exit status.  Then prints the report (--json or tables)
 * and frees it; returns the exit status. */
int zb_cli_life_year(const zb_args *a, int *year);
struct json_t;
int zb_cli_life_out(const zb_args *a, struct json_t *report);
/* --year (default this year, local time), ZB_BALANCE_YEAR_MIN..MAX: an
 * empty balance (zb_balance.h); 0 or an exit status (the problem
 * reported). */
struct zb_balance;
int zb_cli_balance_init(const zb_args *a, struct zb_balance *b);
/* Prints the balance as --json, --csv or the Chinese table, frees it, and
 * returns the exit status. */
int zb_cli_balance_out(const zb_args *a, struct zb_balance *b, const char *org);

/* Prints a digest: the hex line, or {"org","digest"} with --json. */
int zb_cli_digest_out(const zb_args *a, const char *org, const char *hex);
/* Prints the outcome of a verify (rc 0 or ZB_ECORRUPT with why): --json
 * gives {"ok", count_name: count, "problem"}; otherwise "ok: " and
 * ok_text, or the problem on stderr.  Returns the exit status (1 when the
 * check failed). */
int zb_cli_verify_out(const zb_args *a, int rc, const char *why, const char *count_name,
                      uint64_t count, const char *ok_text);

/* The outcome of an import of path (zb_import.h) on stderr — "nothing was
 * imported" after the problems, or the counts (with the rows skipped as
 * outside the scope when skipped) — and the exit status. */
struct zb_import_result;
int zb_cli_import_out(const char *prog, const char *path, int rc,
                      const struct zb_import_result *res, bool skipped);

/* The outcome of a parcel command (zb_offline.h, docs/PROTOCOL.md
 * "Offline parcels"): one line on stderr — what went into or came out of
 * path, or why it was refused — and with --json one object on stdout
 * (keys: ok, command, file, node_id, org, parcel, from, to, cursor,
 * held_seq, batches, ops, applied, duplicates, rejected, conflicts,
 * skipped, already, bytes, error).  Returns the exit status. */
enum zb_parcel_cmd {
  ZB_PARCEL_NODE_EXPORT,
  ZB_PARCEL_NODE_IMPORT,
  ZB_PARCEL_SERVER_EXPORT,
  ZB_PARCEL_SERVER_IMPORT,
};
struct zb_offline_report;
int zb_cli_parcel_out(const zb_args *a, const char *prog, enum zb_parcel_cmd cmd,
                      const char *path, int rc, const struct zb_offline_report *r);

/* Rows printed as an aligned table, or as a JSON array with --json.  The
 * header cells are catalogue keys ("col.seq", zb_msg.h) or plain text. */
typedef struct zb_rows {
  bool json;
  zb_json_stream js;
  zb_table *t;
} zb_rows;
int zb_rows_begin(zb_rows *r, const zb_args *a, size_t ncols, const char *const *header);
/* The columns of conflict records, for zb_cli_conflict_row. */
int zb_rows_begin_conflicts(zb_rows *r, const zb_args *a);
/* Prints (when rc is 0) and frees; returns the exit status, naming what
 * failed otherwise. */
int zb_rows_end(zb_rows *r, int rc, const char *what);
/* A zb_conflict_fn (zb_view.h) adding one conflict record to a zb_rows. */
int zb_cli_conflict_row(void *rows, const zb_conflict_view *k);

#endif
