/* The first steps of a decode on the loaded shards (`wafervp run --model M.bin`), written out
 * plainly against wvp/model_layout.h: the embedding row of `token` (from the grid row that holds
 * it, down each column), RMSNorm with layer 0's weights, and layer 0's query projection, each
 * tile's partial products summed along its grid row. The first tile of each grid row prints its
 * row's query rows, its dimensions of each of its query heads, as "q FIRST hex...", for the host
 * to compare with its reference. */
#include <stdint.h>
#include <stdio.h>
#include <wvp/collectives.h>
#include <wvp/hal.h>
#include <wvp/model_layout.h>
#include <wvp/shard.h>

#define PART_MAX 64
#define QUERY_ROWS_MAX 256

extern uint8_t __heap_start[], __heap_end[]; /* the model region */
volatile uint32_t token = 5;

static float x[PART_MAX], xb[PART_MAX], q[QUERY_ROWS_MAX];

int main(void) {
  const wvp_model_header *h = (const wvp_model_header *)__heap_start;
  const float *region = (const float *)__heap_start;
  const uint32_t cores = wvp_grid_w() * wvp_grid_h(), col = wvp_x(), row = wvp_y();
  if (h->magic != WVP_MODEL_MAGIC || h->cores != cores || h->stages != 1 ||
      wvp_model_layout_of(h, 0).floats * 4 > (uint32_t)(__heap_end - __heap_start)) {
    if (wvp_core_id() == 0) printf("no one-stage model for %u cores in the region\n", (unsigned)cores);
    return 1;
  }
  const wvp_model_layout l = wvp_model_layout_of(h, 0);
  const wvp_tile_part part = wvp_tile_part_of(h, col, row);
  const uint32_t n = part.dims.count, query_heads = part.kv_heads.count * wvp_kv_mul(h), head_dims = part.head_dims.count;
  const uint32_t query_rows = query_heads * head_dims;
  if (n > PART_MAX || query_rows > QUERY_ROWS_MAX) {
    if (wvp_core_id() == 0) printf("the parts are larger than this check's buffers\n");
    return 1;
  }
  wvp_collectives_init();

  const uint32_t holder = wvp_part_holding(token, (uint32_t)h->vocab_size, wvp_grid_h());
  const uint32_t weight_bytes = wvp_type_bytes(h->weight_type);
  if (row == holder) wvp_widen((const uint8_t *)(region + l.embedding) + (token - part.vocab.first) * n * weight_bytes, h->weight_type, x, n);
  wvp_col_bcast_f32(x, n, holder);

  /* RMSNorm, the sum of squares over the grid row's parts. */
  float ss = 0.0f;
  for (uint32_t i = 0; i < n; ++i) ss += x[i] * x[i];
  wvp_row_allreduce_f32(&ss, 1, WVP_SUM);
  ss = ss / (float)h->dim + 1e-5f;
  const float scale = 1.0f / __builtin_sqrtf(ss);
  for (uint32_t i = 0; i < n; ++i) xb[i] = region[l.rms_att + i] * (scale * x[i]);

  /* wqkv's first rows are the row's query rows. */
  wvp_dot_rows(region + l.wqkv, h->weight_type, xb, q, query_rows, n);
  wvp_row_allreduce_f32(q, query_rows, WVP_SUM);

  for (uint32_t head = 0; col == 0 && head < query_heads; ++head) {
    printf("q %u", (unsigned)((part.kv_heads.first * wvp_kv_mul(h) + head) * wvp_head_size(h) + part.head_dims.first));
    for (uint32_t i = 0; i < head_dims; ++i) {
      union { float f; uint32_t u; } bits = {.f = q[head * head_dims + i]};
      printf(" %08x", (unsigned)bits.u);
    }
    printf("\n");
  }
  return 0;
}
