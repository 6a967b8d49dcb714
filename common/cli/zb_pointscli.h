/*
 * zb_pointscli.h — the points commands (积分; docs/RECORDS.md, "Points"
 * and "Ranking"): the node's `points add`, `points scheme` and `points
 * install`, made for zb_kindcli_build's own commands; what the server's
 * `points scheme`/`points install` share with them; and the output of
 * `report ranking` on both sides.
 */
#ifndef ZB_POINTSCLI_H
#define ZB_POINTSCLI_H

#include <jansson.h>
#include "zb_cli.h"
#include "zb_kindcli.h"
#include "zb_points.h"

/* The node's own points commands (for zb_kindcli_build), opening the node
 * with open; *out points at them; returns how many. */
size_t zb_pointscli_node_cmds(const struct zb_cmd **out, zb_kindcli_open_fn open);

/* Prints the scheme in force (its INI text, or --json).  0 or an exit status. */
int zb_cli_points_show(const zb_args *a);
/* Checks file and installs it as dir/points.ini.  0 or an exit status. */
int zb_cli_points_install(const char *dir, const char *file);

/* report ranking: the output of the report (--json, --csv, or tables in
 * the language of --lang; the help text both programs share is the
 * catalogue's "rank.help"); frees report.  0 or an exit status. */
int zb_cli_rank_out(const zb_args *a, json_t *report);

#endif
