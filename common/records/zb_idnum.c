/*
 * zb_idnum.c — resident identity numbers (公民身份号码), GB 11643-1999.
 *
 * Layout (GB 11643-1999 §4): six-digit address code, eight-digit birth date
 * YYYYMMDD, three-digit sequence code whose last digit is odd for men and
 * even for women, and one check character.
 */
#include "zb_idnum.h"

#include "zb_err.h"

#define ZB_IDNUM_LEN 18

char zb_idnum_check_char(const char first17[17]) {
  /* ISO 7064 MOD 11-2 as GB 11643-1999 §5.2 gives it: weight W_i =
   * 2^(i-1) mod 11 for positions 18..2 counted from the right, and the
   * check character is the one that makes the weighted sum ≡ 1 (mod 11);
   * "10X98765432" is that character indexed by the sum mod 11. */
  static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6,
                                  3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; i++) {
    /* A caller that breaks the "17 digits" precondition gets '\0', which
     * never equals a real check character. */
    if (first17[i] < '0' || first17[i] > '9')
      return '\0';
    sum += (first17[i] - '0') * weights[i];
  }
  return "10X98765432"[sum % 11];
}

int zb_idnum_parse(const char *s, size_t len, zb_date *birth, int *male_out,
                   const char **reason) {
  const char *why = NULL;
  zb_date b;

  if (s == NULL || len != ZB_IDNUM_LEN) {
    why = "why.idnum_len";
    goto out;
  }
  for (size_t i = 0; i < ZB_IDNUM_LEN - 1; i++) {
    if (s[i] < '0' || s[i] > '9') {
      why = "why.idnum_digits";
      goto out;
    }
  }
  if (s[17] == 'x') {
    /* GB 11643-1999 writes the check value 10 as the Roman numeral X; the
     * lowercase letter is a common typing slip, so name it precisely. */
    why = "why.idnum_lower_x";
    goto out;
  }
  if (!((s[17] >= '0' && s[17] <= '9') || s[17] == 'X')) {
    why = "why.idnum_check_char";
    goto out;
  }
  /* The birth date part goes through the same strict parser as any other
   * date, so the two can never disagree on what a real date is. */
  char iso[10] = {s[6], s[7], s[8], s[9], '-', s[10],
                  s[11], '-', s[12], s[13]};
  if (zb_date_parse(iso, sizeof iso, &b) != 0) {
    why = "why.idnum_birth";
    goto out;
  }
  if (zb_idnum_check_char(s) != s[17]) {
    why = "why.idnum_wrong_check";
    goto out;
  }
  if (birth != NULL)
    *birth = b;
  if (male_out != NULL)
    *male_out = (s[16] - '0') % 2 == 1;

out:
  if (reason != NULL)
    *reason = why;
  return why == NULL ? 0 : ZB_EINVAL;
}
