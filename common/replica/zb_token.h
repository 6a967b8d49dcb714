/*
 * zb_token.h — bearer tokens of the server's dashboard (README "The
 * dashboard"; docs/DESIGN-NOTES.md, "Dashboard"), each bound to an org
 * subtree, stored hashed.
 *
 * A token is "zbt_" and 64 hex digits (32 random bytes).  The server keeps
 * only its SHA-256 (meta "token/HASH"): the org, the expiry (unix seconds,
 * 0: never), the day it was issued, and whether it was revoked.  Its id
 * for `token list` and `token revoke` is the hash's first 12 hex digits.
 */
#ifndef ZB_TOKEN_H
#define ZB_TOKEN_H

#include <stdbool.h>
#include <stdint.h>
#include "zb_hub.h"

#define ZB_TOKEN_LEN 68   /* "zbt_" + 64 hex digits */

typedef struct zb_token {
  char id[13];
  char org[257];
  uint64_t issued, expires;   /* unix seconds; expires 0: never */
  bool revoked;
} zb_token;

/* Issues a token for org (which must exist: ZB_ENOTFOUND) valid for days
 * (0: no expiry) into out (ZB_TOKEN_LEN + 1 bytes); info gets its record. */
int zb_token_issue(zb_hub *h, const char *org, unsigned days, char *out, zb_token *info);
/* Every token record, in id order. */
typedef int (*zb_token_fn)(void *ctx, const zb_token *t);
int zb_token_list(zb_hub *h, zb_token_fn fn, void *ctx);
/* Revokes the token whose id starts with prefix (at least 6 hex digits):
 * ZB_ENOTFOUND, or ZB_EINVAL when the prefix names several. */
int zb_token_revoke(zb_hub *h, const char *prefix);
/* The record of a presented token, if it is one, unrevoked and unexpired
 * at now (unix seconds): 0, or ZB_ENOTFOUND for any other token. */
int zb_token_check(zb_hub *h, const char *token, uint64_t now, zb_token *out);

#endif
