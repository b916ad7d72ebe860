/* Checks wvp_cos_sin (wvp/fixed_time.h), the decode firmware's RoPE angles, against picolibc's
 * cosf and sinf on the core itself (so with the FPU's rounding and the compiler's fused
 * multiply-adds): every frequency of a head of 128 at positions up to 2^17, in steps that visit
 * every quadrant of the fastest angles many times. Prints the largest difference and exits 1 if
 * it is more than 2 ulp of 1. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <wvp/fixed_time.h>

#define HEAD_SIZE 128
#define POSITIONS (1u << 17)
#define POSITION_STEP 61u

int main(void) {
  float freq[HEAD_SIZE / 2];
  for (uint32_t i = 0; i < HEAD_SIZE / 2; ++i) freq[i] = 1.0f / powf(10000.0f, (float)(2 * i) / (float)HEAD_SIZE);
  float worst = 0.0f, worst_x = 0.0f;
  for (uint32_t pos = 0; pos < POSITIONS; pos += POSITION_STEP)
    for (uint32_t i = 0; i < HEAD_SIZE / 2; ++i) {
      const float x = (float)pos * freq[i];
      float c, s;
      wvp_cos_sin(x, &c, &s);
      const float error = fmaxf(fabsf(c - cosf(x)), fabsf(s - sinf(x)));
      if (error > worst) worst = error, worst_x = x;
    }
  const int ok = worst <= 0x1p-22f;
  printf("cos_sin %s: largest difference from cosf/sinf %.3g at x = %.9g\n", ok ? "ok" : "FAILED", (double)worst,
         (double)worst_x);
  return ok ? 0 : 1;
}
