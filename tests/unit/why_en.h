/*
 * why_en.h — a refusal reason (coded, zb_reason.h, or plain) in English,
 * as `--lang en` prints it, for the tests that read reasons' words.  Four
 * buffers in turn, so that a few may be used in one expression.
 */
#ifndef ZB_TEST_WHY_EN_H
#define ZB_TEST_WHY_EN_H

#include "zb_msg.h"
#include "zb_why.h"

static inline const char *EN(const char *reason) {
  static char buf[4][ZB_WHY_TEXT_MAX];
  static int next;
  char *b = buf[next++ % 4];
  return zb_why_text_en(reason, b, ZB_WHY_TEXT_MAX);
}

#endif
