/*
 * fuzz_scheme.c — libFuzzer target for zb_points_parse, the points scheme
 * file (docs/RECORDS.md, "Points"): the input is the INI file.
 *
 * Besides the sanitizers' checks: the answer is 0 or ZB_EINVAL; a refusal
 * says why as "FILE:LINE: …"; an accepted scheme keeps every value within
 * its bounds (items, points, caps, weights, days), its text is the input,
 * and parsing that text again gives the same scheme.  Built by CMake
 * (libFuzzer binary and ctest replay); see tests/fuzz/README.md.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zb_err.h"
#include "zb_points.h"

static zb_points_scheme a, b;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char why[512];
  int rc = zb_points_parse((const char *)data, size, "f.ini", &a, why, sizeof why);
  if (rc != 0) {
    if (rc != ZB_EINVAL || strncmp(why, "f.ini:", 6) != 0 || strlen(why) < 8)
      abort();
    return 0;
  }
  if (a.nitems < 0 || a.nitems > ZB_PTS_ITEMS_MAX || a.version < 1 || a.base < 0 ||
      a.base > ZB_PTS_BASE_MAX || !a.name[0] || a.len != size || memcmp(a.text, data, size))
    abort();
  for (int i = 0; i < a.nitems; i++)
    if (!a.items[i].key[0] || !a.items[i].name[0] || a.items[i].points == 0 ||
        abs(a.items[i].points) > ZB_PTS_POINTS_MAX || a.items[i].cap < 1 ||
        a.items[i].cap > ZB_PTS_CAP_MAX)
      abort();
  for (int i = 0; i < ZB_PTS_MEETING_TYPES; i++)
    if (a.meeting[i].points < 0 || a.meeting[i].points > ZB_PTS_POINTS_MAX ||
        a.meeting[i].cap < 0 || a.meeting[i].cap > ZB_PTS_CAP_MAX)
      abort();
  int w = a.w_meetings + a.w_dues + a.w_pipeline + a.w_fresh;
  if (w <= 0 || w > 4 * ZB_PTS_WEIGHT_MAX || a.pipeline_target < 1 ||
      a.stale_days <= a.fresh_days || a.fresh_days < 0)
    abort();
  if (zb_points_parse(a.text, a.len, "f.ini", &b, why, sizeof why) != 0 ||
      memcmp(&a, &b, sizeof a) != 0)
    abort();
  return 0;
}
