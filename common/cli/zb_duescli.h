/*
 * zb_duescli.h — the dues commands (docs/RECORDS.md, "Dues"): the node's
 * `dues pay`, `dues list`, `dues rules` and `dues setting`, made for
 * zb_kindcli_build's own commands; and what both programs' `report dues`
 * parse and print.
 */
#ifndef ZB_DUESCLI_H
#define ZB_DUESCLI_H

#include "zb_cli.h"
#include "zb_dues.h"
#include "zb_kindcli.h"

/* The node's own dues commands (for zb_kindcli_build), opening the node
 * with open; *out points at them; returns how many. */
size_t zb_duescli_node_cmds(const struct zb_cmd **out, zb_kindcli_open_fn open);
/* The options those commands and report dues use that are not fields:
 * add each to a program's option table (NULL-terminated, room for cap). */
void zb_duescli_options(struct zb_opt *opts, size_t cap);

/* report dues: the period from --month YYYY-MM or --year YYYY (default:
 * the as-of month) and --as-of (default today).  0, or an exit status
 * after saying what is wrong. */
int zb_cli_dues_query(const zb_args *a, zb_dues_query *q);
/* Prints r as --json, --csv (the arrears) or tables; the exit status. */
int zb_cli_dues_out(const zb_args *a, const zb_dues_report *r);

#endif
