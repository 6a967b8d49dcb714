/*
 * zb_find.h — finding a member as a secretary asks for one (`member find
 * TEXT`, docs/RECORDS.md, "Finding a member"): by part of the name, by the
 * last characters of the ID number, by a phone number or part of it, or
 * by the member id.  The same rule on node and server.
 */
#ifndef ZB_FIND_H
#define ZB_FIND_H

#include <stddef.h>
#include "zb_record.h"

enum zb_find_how {
  ZB_FIND_NONE = 0,
  ZB_FIND_ID,          /* the member id itself */
  ZB_FIND_NAME,        /* the text is part of the name */
  ZB_FIND_ID_NUMBER,   /* the ID number ends with the text (4 or more
                          characters, x as X) */
  ZB_FIND_PHONE,       /* the phone's digits hold the text's (4 or more
                          digits; blanks and '-' ignored) */
};

/* The text as searched: blanks (also full-width) trimmed, full-width
 * digits and letters folded, x upper-cased in an ID tail.  Returns its
 * length (0: nothing to search for).  out holds ZB_FIELD_MAX + 1. */
size_t zb_find_prepare(const char *text, char out[ZB_FIELD_MAX + 1]);
/* How prepared text q matches m (the first way of the enum that does). */
enum zb_find_how zb_find_match(const zb_member *m, const char *q);
/* "name", "id_number", "phone", "id": the stable --json word. */
const char *zb_find_how_name(enum zb_find_how how);

#endif
