/* The first steps of a decode on the loaded shards (`wafervp run --model M.bin`): the embedding
 * row of `token` (held by one core, gathered to all), RMSNorm with layer 0's weights, and
 * layer 0's fused query/key/value projection sharded over the grid. PE (0,0) prints q as hex words, for the
 * host to compare with its reference. */
#include <stdint.h>
#include <stdio.h>
#include <wvp/collectives.h>
#include <wvp/hal.h>
#include <wvp/model_layout.h>
#include <wvp/shard.h>

#define DIM_MAX 256

extern uint8_t __heap_start[], __heap_end[]; /* the model region */
volatile uint32_t token = 5;

static float x[DIM_MAX], xb[DIM_MAX], qkv[3 * DIM_MAX];

int main(void) {
  const wvp_model_header *h = (const wvp_model_header *)__heap_start;
  const float *region = (const float *)__heap_start;
  const uint32_t cores = wvp_grid_w() * wvp_grid_h(), d = (uint32_t)h->dim;
  if (h->magic != WVP_MODEL_MAGIC || h->cores != cores || h->stages != 1 || d > DIM_MAX ||
      wvp_model_layout_of(h, 0).floats * 4 > (uint32_t)(__heap_end - __heap_start)) {
    if (wvp_core_id() == 0) printf("no one-stage model for %u cores in the region\n", (unsigned)cores);
    return 1;
  }
  const wvp_model_layout l = wvp_model_layout_of(h, 0);
  wvp_collectives_init();

  /* Embedding: the core holding row `token` contributes it, the others zeros. */
  const wvp_rows vocab = wvp_shard_rows((uint32_t)h->vocab_size);
  for (uint32_t i = 0; i < d; ++i) x[i] = 0.0f;
  if (token >= vocab.first && token < vocab.first + vocab.count)
    for (uint32_t i = 0; i < d; ++i) x[i] = region[l.embedding + (token - vocab.first) * d + i];
  wvp_allreduce_f32(x, d, WVP_SUM);

  /* RMSNorm, as run.c computes it. */
  float ss = 0.0f;
  for (uint32_t i = 0; i < d; ++i) ss += x[i] * x[i];
  ss = ss / (float)d + 1e-5f;
  const float scale = 1.0f / __builtin_sqrtf(ss);
  for (uint32_t i = 0; i < d; ++i) xb[i] = region[l.rms_att + i] * (scale * x[i]);

  const uint32_t kv_dim = d / (uint32_t)h->n_heads * (uint32_t)h->n_kv_heads;
  wvp_sharded_matvec(region + l.wqkv, xb, qkv, d + 2 * kv_dim, d);

  if (wvp_core_id() == 0) {
    printf("q");
    for (uint32_t i = 0; i < d; ++i) {
      union { float f; uint32_t u; } bits = {.f = qkv[i]};
      printf(" %08x", (unsigned)bits.u);
    }
    printf("\n");
  }
  return 0;
}
