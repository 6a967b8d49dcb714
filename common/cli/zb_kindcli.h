/*
 * zb_kindcli.h — the node's record commands, made from the kind
 * descriptors (zb_kind.h): for each kind, `KIND add|update|show|list|import`
 * with one option per field (--birth-date for birth_date), their --help
 * field lists, tables, --json and --csv.  A new kind gets its commands by
 * being in zb_kinds[] (docs/RECORDS.md, "Kinds").
 */
#ifndef ZB_KINDCLI_H
#define ZB_KINDCLI_H

#include "zb_cli.h"
#include "zb_node.h"

/* How a command opens the node (--data, --actor): the program's own.
 * Returns 0 or an exit status after saying why. */
typedef int (*zb_kindcli_open_fn)(const zb_args *a, zb_node **n);

/* The most commands and options zb_kindcli_build makes. */
#define ZB_KINDCLI_MAX_CMDS 64
#define ZB_KINDCLI_MAX_OPTS 200

/* Appends the record commands of every kind to cmds (room for
 * ZB_KINDCLI_MAX_CMDS) and each field's option to opts (a NULL-terminated
 * table with room for ZB_KINDCLI_MAX_OPTS; an option already there is not
 * added twice).  Returns how many commands it added.  Call once.
 *
 * own (nown of them) are the program's own commands for kinds, whose first
 * word is a kind's name: one with the words of a command made from the
 * descriptor takes its place ("dues list"), or, when its fn is NULL,
 * removes it ("dues add": payments are made by dues pay); the others come
 * after the kind's made commands ("dues pay").  A kind whose every field
 * is fixed or written by acts has no `update`. */
size_t zb_kindcli_build(struct zb_cmd *cmds, struct zb_opt *opts, zb_kindcli_open_fn open,
                        const struct zb_cmd *own, size_t nown);
/* The name of org code at node n, or "" when it holds no such org. */
void zb_kindcli_org_name(zb_node *n, const char *code, char out[ZB_FIELD_MAX + 1]);

#endif
