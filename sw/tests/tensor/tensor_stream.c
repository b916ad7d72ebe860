/* Streams through the fabric with the tensor engine: PE (0,0) streams `count` fp32 values out on
 * color 6 to PE (1,0), whose engine streams them into its SRAM; (1,0) checks every value and
 * prints when the stream ended, and PE (0,0) when its send ended. */
#include <stdint.h>
#include <stdio.h>
#include <wvp/hal.h>

#define COLOR 6
#define N_MAX 256

volatile uint32_t count = 100; /* wavelets; `--poke count=...` */
static float buffer[N_MAX];

int main(void) {
  const uint32_t x = wvp_x(), n = count <= N_MAX ? count : N_MAX;
  if (wvp_y() != 0 || x > 1) return 0;
  if (x == 0) {
    wvp_route(COLOR, WVP_PORT_RAMP, WVP_TO_E);
    for (uint32_t i = 0; i < n; ++i) buffer[i] = (float)i * 0.25f - 7.0f;
    const uint32_t start = read_csr(mcycle);
    const uint32_t status = wvp_tensor_stream_out(COLOR, WVP_FP32, buffer, n);
    printf("sent %u wavelets in %u cycles, status %u\n", (unsigned)n, (unsigned)(read_csr(mcycle) - start), (unsigned)status);
    return (int)status;
  }
  wvp_route(COLOR, WVP_PORT_W, WVP_TO_RAMP);
  const uint32_t start = read_csr(mcycle);
  const uint32_t status = wvp_tensor_stream_in(COLOR, WVP_FP32, buffer, n);
  const uint32_t cycles = read_csr(mcycle) - start;
  for (uint32_t i = 0; i < n; ++i)
    if (buffer[i] != (float)i * 0.25f - 7.0f) {
      printf("element %u is %f\n", (unsigned)i, (double)buffer[i]);
      return 1;
    }
  printf("received %u wavelets in %u cycles, all right, status %u\n", (unsigned)n, (unsigned)cycles, (unsigned)status);
  return (int)status;
}
