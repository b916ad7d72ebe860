#include <string.h>
#include <wvp/collectives.h>
#include <wvp/hal.h>
#include <wvp/shard.h>

wvp_rows wvp_shard_rows(uint32_t out) {
  const uint32_t cores = wvp_grid_w() * wvp_grid_h(), k = wvp_core_id();
  const uint32_t base = out / cores, extra = out % cores;
  wvp_rows r = {k * base + (k < extra ? k : extra), base + (k < extra ? 1 : 0)};
  return r;
}

void wvp_allgather_f32(float *y, uint32_t n, wvp_rows mine) {
  for (uint32_t i = 0; i < n; ++i)
    if (i < mine.first || i >= mine.first + mine.count) y[i] = 0.0f;
  wvp_allreduce_f32(y, n, WVP_SUM);
}

void wvp_sharded_matvec(const float *w_shard, const float *x, float *y, uint32_t out, uint32_t in) {
  const wvp_rows mine = wvp_shard_rows(out);
  if (mine.count) {
    wvp_tensor_start(WVP_TENSOR_DOT, WVP_FP32, WVP_FP32, in, mine.count, (wvp_operand){w_shard, 1, (int32_t)in},
                     (wvp_operand){x, 1, 0}, (wvp_operand){y + mine.first, 1, 1});
    wvp_tensor_wait();
  }
  wvp_allgather_f32(y, out, mine);
}
