/* A matrix-vector product sharded by rows over the whole grid (wvp/shard.h): every core makes
 * its rows of W from their indices, the product is gathered on every core, and each core checks
 * all of it against its own fma chains. PE (0,0) prints the simulated cycles it took. */
#include <stdint.h>
#include <stdio.h>
#include <wvp/collectives.h>
#include <wvp/hal.h>
#include <wvp/shard.h>

#define OUT 37 /* rows: uneven over most grids */
#define IN 24

static float w_shard[OUT * IN], x[IN], y[OUT];

static float w_at(uint32_t row, uint32_t col) { return (float)((int)((row * 31 + col * 7) % 19) - 9) * 0.125f; }

int main(void) {
  wvp_collectives_init();
  for (uint32_t i = 0; i < IN; ++i) x[i] = (float)((int)(i % 7) - 3) * 0.5f;
  const wvp_range mine = wvp_shard_rows(OUT);
  for (uint32_t r = 0; r < mine.count; ++r)
    for (uint32_t c = 0; c < IN; ++c) w_shard[r * IN + c] = w_at(mine.first + r, c);

  wvp_barrier();
  const uint32_t start = read_csr(mcycle);
  wvp_sharded_matvec(w_shard, x, y, OUT, IN);
  const uint32_t cycles = read_csr(mcycle) - start;

  for (uint32_t r = 0; r < OUT; ++r) {
    float acc = 0.0f;
    for (uint32_t c = 0; c < IN; ++c) acc = __builtin_fmaf(w_at(r, c), x[c], acc);
    if (y[r] != acc) {
      printf("row %u is %.6f, expected %.6f\n", (unsigned)r, (double)y[r], (double)acc);
      return 1;
    }
  }
  if (wvp_core_id() == 0)
    printf("matvec %ux%u sharded over %ux%u cores: right on every core, %u cycles\n", OUT, IN, (unsigned)wvp_grid_w(),
           (unsigned)wvp_grid_h(), (unsigned)cycles);
  return 0;
}
