/*
 * zb_hlc.h — hybrid logical clock (Kulkarni et al., 2014).
 *
 * A timestamp is (wall milliseconds << 16) | counter.  It never goes
 * backwards, even when the PC's clock does: the next value is the larger of
 * the wall clock and the last value, with the counter breaking ties.
 */
#ifndef ZB_HLC_H
#define ZB_HLC_H

#include <stdbool.h>
#include <stdint.h>

#define ZB_HLC_MS(h) ((h) >> 16)

/* The next local timestamp after last, given the wall clock in ms.  Sets
 * *clock_back when the wall clock is more than a second behind last (the
 * caller warns the user once). */
uint64_t zb_hlc_next(uint64_t last, uint64_t wall_ms, bool *clock_back);
/* The timestamp after observing a remote one: larger than both. */
uint64_t zb_hlc_observe(uint64_t last, uint64_t remote, uint64_t wall_ms);
/* The wall clock in milliseconds since the epoch. */
uint64_t zb_hlc_wall_ms(void);
/* ISO 8601 UTC text of a timestamp's wall part, "2026-11-26T20:35:58.123Z";
 * out must hold 32 bytes. */
void zb_hlc_format(uint64_t hlc, char out[32]);

#endif
