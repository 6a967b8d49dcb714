/* Members for the commands that concern one: their names by id, for lists
 * that show a name beside a member id (dues payments, evaluations), filled
 * from zb_node_list of the member kind, which delivers members in key
 * order, and searched by halves; and the member a command names. */
#ifndef ZB_NAMES_H
#define ZB_NAMES_H

#include <stddef.h>
#include "zb_node.h"
#include "zb_state.h"

typedef struct zb_names {
  char (*id)[ZB_FIELD_MAX + 1];
  char (*name)[ZB_FIELD_MAX + 1];
  size_t n, cap;
} zb_names;

/* A zb_node_list callback (ctx: a zero-initialised zb_names): adds member
 * r, which must come after the members added before it in key order. */
int zb_names_row(void *ctx, const zb_rec *r);
/* The name of member id, or "" when it is not held. */
const char *zb_names_get(const zb_names *ni, const char *id);
void zb_names_free(zb_names *ni);

/* Loads member id, which command what names, into r: 0, or the exit status
 * after saying why (not found on this node, or another error). */
int zb_names_member(zb_node *n, const char *id, const char *what, zb_rec *r);

#endif
