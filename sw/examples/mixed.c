/* ISS speed benchmark with a mixed instruction stream: each iteration regenerates its inputs
 * with an LCG (stores), multiplies two float matrices (FP loads, fused multiply-adds), runs a
 * bitwise CRC-32 over a byte buffer (byte loads, shifts, data-dependent branches), sorts an
 * integer array (loads/stores, compares) and folds everything, including a division and a
 * square root, into a checksum. Functions are kept out of line so calls and returns are part
 * of the mix.
 *
 * The default (MIXED_ITERATIONS) executes roughly 75 million instructions. The iteration count
 * is a volatile global so it can also be changed in the ELF without recompiling.
 *
 * The code is portable C with exactly specified IEEE arithmetic (every multiply-add is an
 * explicit fmaf, so no compiler contraction choice changes the result): built natively with
 * `cc -O2 -ffp-contract=off mixed.c -lm`, it prints the same checksum. MIXED_EXPECTED is that
 * checksum for the default iteration count; a mismatch exits 1. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifndef MIXED_ITERATIONS
#define MIXED_ITERATIONS 3000
#endif
#define MIXED_EXPECTED 0xfdf775d0u

#define N 12          /* matrix order */
#define BUF_BYTES 128 /* CRC input */
#define KEYS 48       /* sort input */

volatile uint32_t mixed_iterations = MIXED_ITERATIONS;

static float mat_a[N][N], mat_b[N][N], mat_c[N][N];
static uint8_t buf[BUF_BYTES];
static int32_t keys[KEYS];

static uint32_t lcg_next(uint32_t *state) {
  *state = *state * 1664525u + 1013904223u;
  return *state;
}

/* Uniform in [-1, 1): the top 24 bits are exact in a float. */
static float lcg_float(uint32_t *state) {
  return (float)((int32_t)lcg_next(state) >> 8) * 0x1p-23f;
}

__attribute__((noinline)) static void fill_inputs(uint32_t *state) {
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      mat_a[i][j] = lcg_float(state);
      mat_b[i][j] = lcg_float(state);
    }
  for (int i = 0; i < BUF_BYTES; i += 4) {
    uint32_t word = lcg_next(state);
    memcpy(&buf[i], &word, sizeof word);
  }
  for (int i = 0; i < KEYS; i++) keys[i] = (int32_t)lcg_next(state);
}

__attribute__((noinline)) static void matmul(void) {
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      float sum = 0.0f;
      for (int k = 0; k < N; k++) sum = fmaf(mat_a[i][k], mat_b[k][j], sum);
      mat_c[i][j] = sum;
    }
}

/* Bitwise CRC-32 (reflected, polynomial 0xEDB88320): branchy on purpose. */
__attribute__((noinline)) static uint32_t crc32(const uint8_t *data, int len, uint32_t crc) {
  crc = ~crc;
  for (int i = 0; i < len; i++) {
    crc ^= data[i];
    for (int bit = 0; bit < 8; bit++) {
      if (crc & 1)
        crc = (crc >> 1) ^ 0xEDB88320u;
      else
        crc >>= 1;
    }
  }
  return ~crc;
}

__attribute__((noinline)) static void insertion_sort(int32_t *v, int n) {
  for (int i = 1; i < n; i++) {
    int32_t key = v[i];
    int j = i - 1;
    for (; j >= 0 && v[j] > key; j--) v[j + 1] = v[j];
    v[j + 1] = key;
  }
}

static uint32_t float_bits(float f) {
  uint32_t bits;
  memcpy(&bits, &f, sizeof bits);
  return bits;
}

static uint32_t rotl(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

__attribute__((noinline)) static uint32_t fold(uint32_t checksum, uint32_t crc) {
  float trace = 0.0f;
  for (int i = 0; i < N; i++) trace += mat_c[i][i];
  /* |trace| < N, so both the quotient and the root stay finite and normal. */
  float scaled = sqrtf(1.0f + fabsf(trace)) / fmaf(trace, trace, 2.0f);
  checksum = rotl(checksum, 7) ^ float_bits(scaled) ^ float_bits(mat_c[N - 1][0]);
  checksum = rotl(checksum, 7) ^ crc;
  checksum = rotl(checksum, 7) ^ (uint32_t)keys[0] ^ (uint32_t)keys[KEYS / 2];
  return checksum;
}

int main(void) {
  uint32_t iterations = mixed_iterations;
  uint32_t state = 12345, checksum = 0, crc = 0;
  for (uint32_t it = 0; it < iterations; it++) {
    fill_inputs(&state);
    matmul();
    crc = crc32(buf, BUF_BYTES, crc);
    insertion_sort(keys, KEYS);
    checksum = fold(checksum, crc);
  }
  printf("mixed: %u iterations, checksum 0x%08x\n", (unsigned)iterations, (unsigned)checksum);
  if (iterations == MIXED_ITERATIONS && checksum != MIXED_EXPECTED) {
    printf("mixed: ERROR: expected checksum 0x%08x\n", (unsigned)MIXED_EXPECTED);
    return 1;
  }
  return 0;
}
