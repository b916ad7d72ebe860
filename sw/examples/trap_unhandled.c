/* A trap nobody handles: crt0 leaves mtvec at 0, which the platform takes as "no handler",
 * so it reports the core, pc, mcause (5, load access fault) and mtval (the address) itself and
 * stops this core. */
#include <stdio.h>
#include <stdint.h>

int main(void) {
  printf("loading from unmapped address 0x00000010 without a trap handler...\n");
  uint32_t value;
  /* Inline assembly keeps the compiler from reasoning about (or warning on) the address. */
  __asm__ volatile("lw %0, 0x10(zero)" : "=r"(value));
  printf("ERROR: the load did not trap (read 0x%08x)\n", (unsigned)value);
  return 1;
}
