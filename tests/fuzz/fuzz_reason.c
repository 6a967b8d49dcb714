/*
 * fuzz_reason.c — libFuzzer target for coded refusal reasons
 * (common/base/zb_reason.h; docs/PROTOCOL.md, "Reasons"): the input is a
 * reason as a peer or a stored log gives it.
 *
 * Besides the sanitizers' checks: zb_reason_decode accepts only what is
 * bounded (key, args, length) and well formed; the input in words, in
 * both languages, is valid UTF-8 without control characters and fits its
 * buffer, whatever the input (too many args, no key, overlong, invalid
 * UTF-8, "%n" in args); the input made into an arg of a reason decodes
 * again with one arg.  Built by CMake (libFuzzer binary and ctest
 * replay); see tests/fuzz/README.md.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zb_msg.h"
#include "zb_reason.h"
#include "zb_utf8.h"
#include "zb_why.h"

static void words_ok(const char *w, size_t cap) {
  size_t n = strnlen(w, cap);
  if (n >= cap || !zb_utf8_valid(w, n))
    abort();
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)w[i] < 0x20 || w[i] == 0x7f)
      abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char s[ZB_WHY_TEXT_MAX + 1];
  if (size > ZB_WHY_TEXT_MAX)
    size = ZB_WHY_TEXT_MAX;
  memcpy(s, data, size);
  s[size] = '\0';
  size_t len = strlen(s);
  zb_reason_parts p;
  if (zb_reason_decode(s, len, &p)) {
    if (len > ZB_REASON_MAX || p.nargs < 0 || p.nargs > ZB_REASON_ARGS_MAX ||
        strncmp(p.key, "why.", 4) != 0 || strlen(p.key) > ZB_REASON_KEY_MAX)
      abort();
  }
  char out[ZB_WHY_TEXT_MAX];
  zb_lang_set(true);
  words_ok(zb_why_text(s, out, sizeof out), sizeof out);
  words_ok(zb_why_text_en(s, out, sizeof out), sizeof out);
  char small[16];
  words_ok(zb_why_text(s, small, sizeof small), sizeof small);
  char key[ZB_REASON_KEY_MAX + 1];
  zb_why_code(s, key);
  /* The input as an arg: made safe and bounded, it decodes. */
  char r[ZB_REASON_MAX + 1];
  zb_reason_make(r, sizeof r, "why.rec_missing" ZB_US ZB_RS "%s" ZB_US "%s", s, s);
  if (!zb_reason_decode(r, strlen(r), &p) || p.nargs != 2)
    abort();
  words_ok(zb_why_text(r, out, sizeof out), sizeof out);
  return 0;
}
