/* The tile SRAM's ECC from firmware, run with --set sram.ecc=model (or rtl) and stored bits
 * flipped before the run by --flip (see tests/firmware/test_ecc_run.cpp): a word with one
 * flipped bit reads back corrected, also around a byte store into it (a read-modify-write),
 * and a word with two flipped bits makes its load an access fault. There is no trap handler,
 * so the platform reports that fault with the pc and the address and stops this core. */
#include <stdint.h>
#include <stdio.h>

volatile uint32_t ecc_single = 0x12345678u;
volatile uint32_t ecc_merge = 0x89abcdefu;
volatile uint32_t ecc_double = 0xcafef00du;

int main(void) {
  int errors = 0;
  const uint32_t single = ecc_single;
  printf("ecc_single = 0x%08x\n", (unsigned)single);
  errors += single != 0x12345678u;

  *(volatile uint8_t *)&ecc_merge = 0x55; /* little-endian: the low byte */
  const uint32_t merged = ecc_merge;
  printf("ecc_merge = 0x%08x\n", (unsigned)merged);
  errors += merged != 0x89abcd55u;

  printf("loading ecc_double at 0x%08x\n", (unsigned)(uintptr_t)&ecc_double);
  const uint32_t twice = ecc_double;
  printf("ecc_double = 0x%08x\n", (unsigned)twice);
  errors += twice != 0xcafef00du;
  return errors;
}
