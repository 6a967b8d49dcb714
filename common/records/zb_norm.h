/*
 * zb_norm.h — values as people write them, made into the form the record
 * rules read (docs/RECORDS.md, "Importing").
 *
 * One place, driven by the field's type in the kind descriptor, so it
 * applies to every kind: a CSV import and the node's --options run each
 * value through it before validation (zb_record.c).  Ops from the wire are
 * never normalised: what a node or the server stores and checks is the
 * normal form itself.
 *
 *  every field      blanks around it trimmed: space, TAB, U+3000
 *  id, date, phone, full-width digits, letters and punctuation
 *  id_number,       (U+FF01-U+FF5E: １９９０－０７－０１) folded to ASCII,
 *  org_code         U+3000 inside to a space
 *  id_number        a last character x written X
 *  date             2015/6/30, 2015-6-30, 2015.6.30, 2015年6月30日,
 *                   20150630, "1990-07-01 00:00:00" → YYYY-MM-DD
 *  phone            mobiles to 11 digits (138 0013 8000, +86 …); landlines
 *                   to AREA-LOCAL[-EXT] or LOCAL[-EXT] (zb_norm_phone)
 *  vocab            the field's short forms (本科 → 大学本科), a left-out
 *                   suffix (汉 → 汉族), ASCII letters in any case
 *
 * A value that is not recognised is left as it is (trimmed), for the rules
 * to refuse with their message.  Checks come first and a value is copied
 * only when it changes, so a file already in normal form costs one pass of
 * cheap tests per field.
 */
#ifndef ZB_NORM_H
#define ZB_NORM_H

#include <stddef.h>
#include "zb_kind.h"

/* Writes the normal form of in[0..len) (len ≤ ZB_FIELD_MAX; in may be out)
 * for field fd into out, NUL-terminated, and returns its length (never
 * above ZB_FIELD_MAX). */
size_t zb_norm_field(const zb_field_desc *fd, const char *in, size_t len,
                     char out[ZB_FIELD_MAX + 1]);
/* Every field of a record of kind kd, in place. */
void zb_norm_record(const zb_kind_desc *kd, zb_value *v);

/* A phone number in ASCII (full-width forms folded) to its normal form:
 * "13800138000" for a mainland mobile (separators and a +86 / 0086 prefix
 * dropped); "0731-84012345" for a landline with its area code (written
 * 0731-84012345, 0731 84012345, (0731)84012345 or 073184012345), or
 * "84012345" without; an extension after 转, 分机, ext, x, # or a further
 * '-' becomes "-EXT" (1-6 digits).  Area codes are 010, 020-029 (three
 * digits) or four digits from 03; a local number 7 or 8 digits from 2.
 * Returns the length written to out (at most len + 1, and no more than
 * ZB_FIELD_MAX), or 0 when s is not a phone number in any of these forms. */
size_t zb_norm_phone(const char *s, size_t len, char out[ZB_FIELD_MAX + 1]);

#endif
