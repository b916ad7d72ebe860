/* ISS speed benchmark: a tight register-only integer loop (loop_kernel.S), ten instructions
 * per iteration. The default runs 20 million iterations, i.e. 200 million instructions in the
 * loop. The iteration count is a volatile global so it can be changed in the ELF.
 *
 * LOOP_EXPECTED is the kernel's hash after the default iteration count, computed by running
 * the same recurrence in Python (see loop_kernel.S for the formula); a mismatch exits 1. */
#include <stdint.h>
#include <stdio.h>

#define LOOP_ITERATIONS 20000000u
#define LOOP_EXPECTED 0x707022d5u

volatile uint32_t loop_iterations = LOOP_ITERATIONS;

uint32_t loop_kernel(uint32_t iterations);

int main(void) {
  uint32_t iterations = loop_iterations;
  uint32_t hash = loop_kernel(iterations);
  printf("loop: %u iterations, hash 0x%08x\n", (unsigned)iterations, (unsigned)hash);
  if (iterations == LOOP_ITERATIONS && hash != LOOP_EXPECTED) {
    printf("loop: ERROR: expected hash 0x%08x\n", (unsigned)LOOP_EXPECTED);
    return 1;
  }
  return 0;
}
