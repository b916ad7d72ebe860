/* All-reduce of a vector over the whole grid: tile k contributes k + i to element i; every
 * tile checks that it got sum_k (k + i) = N(N-1)/2 + N*i (exact in fp32 while below 2^24),
 * and PE (0,0) prints the simulated time between two barriers around the all-reduce. */
#include <stdint.h>
#include <stdio.h>
#include <wvp/collectives.h>
#include <wvp/hal.h>

#define N_MAX 64
volatile uint32_t elements = 16; /* vector length, at most N_MAX; `--poke elements=...` */

static float data[N_MAX];

int main(void) {
  const uint32_t n = elements <= N_MAX ? elements : N_MAX;
  const uint32_t id = wvp_core_id(), cores = wvp_grid_w() * wvp_grid_h();
  for (uint32_t i = 0; i < n; ++i) data[i] = (float)(id + i);
  wvp_collectives_init();

  wvp_barrier();
  const uint32_t start = read_csr(mcycle);
  wvp_allreduce_f32(data, n, WVP_SUM);
  wvp_barrier();
  const uint32_t cycles = read_csr(mcycle) - start;

  const float base = (float)cores * (float)(cores - 1) / 2.0f;
  for (uint32_t i = 0; i < n; ++i) {
    const float expected = base + (float)cores * (float)i;
    if (data[i] != expected) {
      printf("allreduce: element %u is %.1f, expected %.1f\n", (unsigned)i, (double)data[i], (double)expected);
      return 1;
    }
  }
  if (id == 0) {
    const double us = (double)cycles * 1e6 / (double)wvp_clock_hz();
    printf("allreduce: %ux%u grid, %u floats, sum ok (element 0 = %.0f), %u cycles = %.3f us\n",
           (unsigned)wvp_grid_w(), (unsigned)wvp_grid_h(), (unsigned)n, (double)data[0], (unsigned)cycles, us);
  }
  return 0;
}
