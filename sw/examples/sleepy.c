/* Benchmark for sleeping cores: the first `awake_cores` cores (in core-id order) compute, all
 * others sleep in wfi until a timer far past the end of the work wakes them. A simulator that
 * puts sleeping cores aside spends host time on the awake cores only.
 *
 * Both counts are volatile globals, set without recompiling with `wafervp run --poke`. */
#include <stdint.h>
#include <stdio.h>
#include <wvp/hal.h>

volatile uint32_t awake_cores = 16;
volatile uint32_t work_iterations = 1000000;
volatile uint32_t sleep_cycles = 0xF0000000u;

/* FNV-style integer hashing with a float accumulator: a mix of ALU, multiply and FP work. */
static uint32_t work(uint32_t iterations) {
  uint32_t hash = 2166136261u;
  float acc = 0.0f;
  for (uint32_t i = 0; i < iterations; ++i) {
    hash = (hash ^ i) * 16777619u;
    acc = acc * 0.5f + (float)(hash & 0xffu);
  }
  return hash ^ (uint32_t)acc;
}

int main(void) {
  if (wvp_core_id() < awake_cores) {
    const uint32_t result = work(work_iterations);
    if (wvp_core_id() == 0) printf("sleepy: %u awake cores, result 0x%08x\n", (unsigned)awake_cores, (unsigned)result);
    return 0;
  }
  write_csr(mie, MIE_MTIE);  /* wake on the timer; mstatus.MIE stays off, so no handler runs */
  wvp_set_timer(wvp_mtime() + sleep_cycles);
  __asm__ volatile("wfi");
  return 0;
}
