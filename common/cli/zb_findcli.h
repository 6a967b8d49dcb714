/*
 * zb_findcli.h — `member find TEXT` on node and server (zb_find.h): the
 * members of a subtree that match, as a table for people (the kind
 * descriptor's labels) or a JSON array with the stable keys and "match".
 */
#ifndef ZB_FINDCLI_H
#define ZB_FINDCLI_H

#include "zb_args.h"
#include "zb_find.h"

#define ZB_FIND_MAX_SHOWN 500   /* rows printed; the count says the rest */

typedef struct zb_find_run {
  char q[ZB_FIELD_MAX + 1];
  zb_member *hits;              /* the first ZB_FIND_MAX_SHOWN */
  enum zb_find_how *how;
  size_t n, total;
} zb_find_run;

/* TEXT as searched; 0, or an exit status (the problem reported) for text
 * with nothing to search for. */
int zb_cli_find_init(const char *text, zb_find_run *f);
/* A zb_member_fn (zb_state.h) keeping the members that match. */
int zb_cli_find_member(void *ctx, const zb_member *m);
/* Prints the matches (--json: an array of members with "match"), frees
 * them, and returns the exit status: 4 when none matched. */
int zb_cli_find_out(const zb_args *a, zb_find_run *f);
/* Frees f's matches without printing (after an error). */
void zb_cli_find_free(zb_find_run *f);

#endif
