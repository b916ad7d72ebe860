/* Where an all-reduce along a line (a row, a column or a column segment) of the collectives
 * library (sw/lib/collectives.c) meets: its root. A line of WVP_CENTRED_MIN_LEN tiles or more
 * meets at its middle tile, both halves reducing towards it at once; a shorter one at its first
 * tile, where the root's second chain would cost more than the hops it saves. The platform's
 * decode bounds (platform/studies/decode_estimate.cpp) count the hops by the same rule. */
#ifndef WVP_LINE_ROOT_H
#define WVP_LINE_ROOT_H

#include <stdint.h>

#define WVP_CENTRED_MIN_LEN 64u

static inline uint32_t wvp_line_root(uint32_t len) { return len < WVP_CENTRED_MIN_LEN ? 0 : (len - 1) / 2; }

#endif /* WVP_LINE_ROOT_H */
