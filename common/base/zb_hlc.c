#include "zb_hlc.h"

#include <stdio.h>
#include <time.h>

uint64_t zb_hlc_next(uint64_t last, uint64_t wall_ms, bool *clock_back) {
  uint64_t last_ms = ZB_HLC_MS(last);
  if (clock_back)
    *clock_back = wall_ms + 1000 < last_ms;
  if (wall_ms > last_ms)
    return wall_ms << 16;
  /* Same or earlier millisecond: count within it.  The counter has 16 bits;
   * on overflow the timestamp borrows the next millisecond, which keeps the
   * order total and costs at most a millisecond of drift. */
  return last + 1;
}

uint64_t zb_hlc_observe(uint64_t last, uint64_t remote, uint64_t wall_ms) {
  uint64_t m = last > remote ? last : remote;
  if (wall_ms > ZB_HLC_MS(m))
    return wall_ms << 16;
  return m + 1;
}

uint64_t zb_hlc_wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void zb_hlc_format(uint64_t hlc, char out[32]) {
  uint64_t ms = ZB_HLC_MS(hlc);
  time_t t = (time_t)(ms / 1000);
  struct tm tm;
  if (ms / 1000 > (uint64_t)253402300799 || !gmtime_r(&t, &tm)) {   /* past 9999-12-31 */
    snprintf(out, 32, "(beyond 9999)");
    return;
  }
  size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out + n, 32 - n, ".%03uZ", (unsigned)(ms % 1000));
}
