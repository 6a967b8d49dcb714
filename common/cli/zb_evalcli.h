/*
 * zb_evalcli.h — the node's evaluation commands (民主评议; docs/RECORDS.md,
 * "Evaluations"): `eval set` and `eval list`, made for zb_kindcli_build's
 * own commands.
 */
#ifndef ZB_EVALCLI_H
#define ZB_EVALCLI_H

#include "zb_cli.h"
#include "zb_eval.h"
#include "zb_kindcli.h"

/* The node's own eval commands (for zb_kindcli_build), opening the node
 * with open; *out points at them; returns how many. */
size_t zb_evalcli_node_cmds(const struct zb_cmd **out, zb_kindcli_open_fn open);

#endif
