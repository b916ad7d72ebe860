/* All-reduce of a vector over the whole grid: tile k contributes k % M + i to element i; every
 * tile checks that it got sum_k (k % M) + N*i, and PE (0,0) prints the simulated time between
 * two barriers around the all-reduce, and the all-reduce's own: from the last core's start to the
 * last core's end. M is the grid's N tiles while the sums stay exact in fp32
 * (below 2^24: up to about 5,800 tiles), else 4, which keeps them exact for N * (n + 1.5) < 2^24
 * (n = 16 elements: a whole WSE-3). */
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
  const uint32_t m = cores <= 5760 ? cores : 4; /* 5760 * 5759 / 2 + 5760 * 63 < 2^24 */
  const uint32_t own = id % m;
  for (uint32_t i = 0; i < n; ++i) data[i] = (float)(own + i);
  wvp_collectives_init();

  wvp_barrier();
  const uint32_t start = read_csr(mcycle);
  wvp_allreduce_f32(data, n, WVP_SUM);
  const uint32_t end = read_csr(mcycle);
  wvp_barrier();
  const uint32_t cycles = read_csr(mcycle) - start;
  /* The all-reduce alone: from the last core's start (every core in it) to the last core's end. */
  float span[2] = {(float)start, (float)end};
  wvp_allreduce_f32(span, 2, WVP_MAX);

  /* sum_k k % m over k < N: m(m-1)/2 per whole turn, then 0 + 1 + ... for the rest. */
  const uint32_t turns = cores / m, rest = cores % m;
  const float base = (float)turns * (float)m * (float)(m - 1) / 2.0f + (float)rest * (float)(rest - 1) / 2.0f;
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
    if (span[1] < 16777216.0f) /* cycles are exact in fp32 below 2^24 */
      printf("allreduce alone: %u cycles from the last core's start to the last core's end\n", (unsigned)(span[1] - span[0]));
  }
  return 0;
}
