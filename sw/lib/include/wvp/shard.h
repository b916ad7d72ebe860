/* Matrices sharded by output rows over every core of the grid (or of the collectives' block),
 * the layout the decode firmware uses: core k of N holds rows [first, first + count) of each
 * matrix, the tensor engine computes them, and an all-gather over the fabric gives every core
 * the whole output vector. Needs wvp_collectives_init() (or _init_block) first. */
#ifndef WVP_SHARD_H
#define WVP_SHARD_H

#include <stdint.h>
#include <wvp/model_layout.h>

/* The rows of an `out`-row matrix this core holds: balanced, the first `out % N` cores one more. */
wvp_range wvp_shard_rows(uint32_t out);

/* y[0..rows) = W x for a (rows x in) row-major W of elements of `w_type` (WVP_FP32, _FP16 or
 * _BF16) and an fp32 x, on this core's tensor engine: each row is one fma chain over 0..in-1 of
 * W's elements widened to fp32 (0 for in = 0). */
void wvp_dot_rows(const void *w, uint32_t w_type, const float *x, float *y, uint32_t rows, uint32_t in);

/* dst[i * dst_stride] = src[i * src_stride] * s (op WVP_TENSOR_SCALE) or e^src[i * src_stride]
 * (WVP_TENSOR_EXP, s unused) for i < n, fp32, by the tensor engine. */
void wvp_map(uint32_t op, const float *src, uint32_t src_stride, float *dst, uint32_t dst_stride, uint32_t n, float s);

/* dst[0..n) = the n elements of `type` at src, widened to fp32 (exactly) by the tensor engine. */
void wvp_widen(const void *src, uint32_t type, float *dst, uint32_t n);

/* y[0..out) = W x on every core, where `w_shard` holds this core's rows (count x in) and x is
 * the same on every core: wvp_dot_rows, then an all-gather over the fabric. */
void wvp_sharded_matvec(const float *w_shard, const float *x, float *y, uint32_t out, uint32_t in);

#endif /* WVP_SHARD_H */
