/* The tensor engine from firmware: a matrix-vector product (DOT over rows) in fp32 and in fp16
 * must equal the core's own fused multiply-add chain bit for bit; prints the cycles each took,
 * then sleeps in wfi until the engine's end-of-operation interrupt wakes it, and checks that an
 * operand outside the SRAM fails the operation (bit 1 of STATUS). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wvp/hal.h>

#define ROWS 8
#define COLS 32

static float a32[ROWS * COLS], x32[COLS], y32[ROWS];
static uint16_t a16[ROWS * COLS], x16[COLS];

/* fp32 -> fp16 for exactly representable small values (the inputs below are k/8, |k| < 64). */
static uint16_t to_half(float f) {
  uint32_t b;
  memcpy(&b, &f, 4);
  if ((b & 0x7fffffff) == 0) return (uint16_t)(b >> 16);
  const uint32_t sign = (b >> 16) & 0x8000, exp = ((b >> 23) & 0xff) - 127 + 15, mant = (b >> 13) & 0x3ff;
  return (uint16_t)(sign | (exp << 10) | mant);
}

static int check(const char *what, const float *want) {
  for (int r = 0; r < ROWS; ++r)
    if (memcmp(&y32[r], &want[r], 4) != 0) {
      printf("%s: row %d is %.9g, the core computed %.9g\n", what, r, (double)y32[r], (double)want[r]);
      return 1;
    }
  return 0;
}

static uint32_t matvec(uint32_t type, const void *a, const void *x) {
  const uint32_t start = read_csr(mcycle);
  wvp_tensor_start(WVP_TENSOR_DOT, type, WVP_FP32, COLS, ROWS, (wvp_operand){a, 1, COLS}, (wvp_operand){x, 1, 0},
                   (wvp_operand){y32, 1, 1});
  const uint32_t status = wvp_tensor_wait();
  const uint32_t cycles = read_csr(mcycle) - start;
  if (status) printf("status 0x%x\n", (unsigned)status);
  return cycles;
}

int main(void) {
  float want[ROWS];
  for (int i = 0; i < ROWS * COLS; ++i) a32[i] = (float)((i * 29) % 41 - 20) / 8.0f, a16[i] = to_half(a32[i]);
  for (int i = 0; i < COLS; ++i) x32[i] = (float)((i * 13) % 17 - 8) / 8.0f, x16[i] = to_half(x32[i]);
  for (int r = 0; r < ROWS; ++r) {
    float acc = 0.0f;
    for (int i = 0; i < COLS; ++i) acc = __builtin_fmaf(a32[r * COLS + i], x32[i], acc);
    want[r] = acc;
  }
  const uint32_t c32 = matvec(WVP_FP32, a32, x32);
  if (check("fp32", want)) return 1;
  memset(y32, 0, sizeof y32);
  const uint32_t c16 = matvec(WVP_FP16, a16, x16);
  if (check("fp16", want)) return 2;
  printf("tensor: %dx%d matvec fp32 %u cycles, fp16 %u cycles\n", ROWS, COLS, (unsigned)c32, (unsigned)c16);

  /* Sleep until the end of an operation: MEIE in mie, mstatus.MIE off, so wfi just returns. */
  wvp_tensor_reg(WVP_TENSOR_IRQ_ENABLE, 1);
  write_csr(mie, MIE_MEIE);
  wvp_tensor_start(WVP_TENSOR_DOT, WVP_FP32, WVP_FP32, COLS, ROWS, (wvp_operand){a32, 1, COLS}, (wvp_operand){x32, 1, 0},
                   (wvp_operand){y32, 1, 1});
  const uint32_t started = read_csr(mcycle);
  __asm__ volatile("wfi");
  const uint32_t woke = read_csr(mcycle), done = *wvp_reg(WVP_TENSOR_BASE + WVP_TENSOR_DONE_CYCLE);
  const int busy = wvp_tensor_busy();
  wvp_tensor_reg(WVP_TENSOR_IRQ_ACK, 1);
  const uint32_t pending_after_ack = read_csr(mip) & MIP_MEIP;
  write_csr(mie, 0);
  printf("tensor: wfi slept %u cycles, woke %u cycles after the end, busy %d, MEIP after ack %u\n",
         (unsigned)(woke - started), (unsigned)(woke - done), busy, (unsigned)pending_after_ack);

  wvp_tensor_start(WVP_TENSOR_COPY, WVP_FP32, WVP_FP32, 16, 1, (wvp_operand){(void *)0x10, 1, 0},
                   (wvp_operand){0, 0, 0}, (wvp_operand){y32, 1, 0});
  const uint32_t status = wvp_tensor_wait();
  printf("tensor: bad operand status 0x%x\n", (unsigned)status);
  return status == 2 ? 0 : 3;
}
