#include <wvp/collectives.h>
#include <wvp/hal.h>
#include <wvp/model_layout.h>
#include <wvp/shard.h>

wvp_range wvp_shard_rows(uint32_t out) { return wvp_range_of(out, wvp_block_cores(), wvp_block_rank()); }

void wvp_dot_rows(const void *w, uint32_t w_type, const float *x, float *y, uint32_t rows, uint32_t in) {
  if (!rows) return;
  if (!in) { /* a dot product over nothing */
    for (uint32_t r = 0; r < rows; ++r) y[r] = 0.0f;
    return;
  }
  const uint32_t before = wvp_activity_begin(WVP_ACTIVITY_TENSOR);
  wvp_tensor_start(WVP_TENSOR_DOT, w_type | WVP_TENSOR_SRC1_TYPE(WVP_FP32), WVP_FP32, in, rows, (wvp_operand){w, 1, (int32_t)in},
                   (wvp_operand){x, 1, 0}, (wvp_operand){y, 1, 1});
  wvp_tensor_wait();
  wvp_activity_end(before);
}

void wvp_map(uint32_t op, const float *src, uint32_t src_stride, float *dst, uint32_t dst_stride, uint32_t n, float s) {
  if (!n) return;
  const uint32_t before = wvp_activity_begin(WVP_ACTIVITY_TENSOR);
  union { float f; uint32_t u; } scalar = {.f = s};
  wvp_tensor_reg(WVP_TENSOR_SCALAR, scalar.u);
  wvp_tensor_start(op, WVP_FP32, WVP_FP32, n, 1, (wvp_operand){src, (int32_t)src_stride, 0}, (wvp_operand){0, 0, 0},
                   (wvp_operand){dst, (int32_t)dst_stride, 0});
  wvp_tensor_wait();
  wvp_activity_end(before);
}

void wvp_widen(const void *src, uint32_t type, float *dst, uint32_t n) {
  if (!n) return;
  const uint32_t before = wvp_activity_begin(WVP_ACTIVITY_TENSOR);
  wvp_tensor_start(WVP_TENSOR_COPY, type, WVP_FP32, n, 1, (wvp_operand){src, 1, 0}, (wvp_operand){0, 0, 0}, (wvp_operand){dst, 1, 0});
  wvp_tensor_wait();
  wvp_activity_end(before);
}

void wvp_sharded_matvec(const float *w_shard, const float *x, float *y, uint32_t out, uint32_t in) {
  const wvp_range mine = wvp_shard_rows(out);
  wvp_dot_rows(w_shard, WVP_FP32, x, y + mine.first, mine.count, in);
  wvp_allgather_f32(y, out, 1);
}
