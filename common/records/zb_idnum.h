/*
 * zb_idnum.h — resident identity numbers (公民身份号码), GB 11643-1999.
 *
 * 18 characters: 6-digit area code, 8-digit birth date YYYYMMDD, 3-digit
 * sequence (odd for men, even for women), and a check character computed
 * with ISO 7064 MOD 11-2 over the first 17 digits ('0'-'9' or 'X').
 */
#ifndef ZB_IDNUM_H
#define ZB_IDNUM_H

#include <stddef.h>
#include "zb_date.h"

/* The check character for 17 digits ('0'..'9' or 'X'). */
char zb_idnum_check_char(const char first17[17]);
/* 0 if s[0..len) is a well-formed number with a correct check character and
 * a real birth date; otherwise ZB_EINVAL with *reason (static text) saying
 * what is wrong.  birth and male_out may be NULL. */
int zb_idnum_parse(const char *s, size_t len, zb_date *birth, int *male_out,
                   const char **reason);

#endif
