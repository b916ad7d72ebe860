/* Streams through the fabric with the tensor engine: PE (0,0) streams `count` fp32 values out on
 * color 6 to PE (1,0), whose engine streams them into its SRAM; (1,0) checks every value and
 * prints when the stream ended, and PE (0,0) when its send ended. On a grid 3 wide, (1,0)
 * forwards them on color 7 to (2,0) as they come, keeping a copy, and (2,0) checks them too. */
#include <stdint.h>
#include <stdio.h>
#include <wvp/hal.h>

#define COLOR 6
#define COLOR_ON 7
#define N_MAX 256

volatile uint32_t count = 100; /* wavelets; `--poke count=...` */
static float buffer[N_MAX];

int main(void) {
  const uint32_t x = wvp_x(), n = count <= N_MAX ? count : N_MAX;
  const int forwarding = wvp_grid_w() >= 3;
  if (wvp_y() != 0 || x > 2) return 0;
  if (x == 0) {
    wvp_route(COLOR, WVP_PORT_RAMP, WVP_TO_E);
    for (uint32_t i = 0; i < n; ++i) buffer[i] = (float)i * 0.25f - 7.0f;
    const uint32_t start = read_csr(mcycle);
    const uint32_t status = wvp_tensor_stream_out(COLOR, WVP_FP32, buffer, n);
    printf("sent %u wavelets in %u cycles, status %u\n", (unsigned)n, (unsigned)(read_csr(mcycle) - start), (unsigned)status);
    return (int)status;
  }
  const uint32_t color = x == 1 ? COLOR : COLOR_ON;
  wvp_route(color, WVP_PORT_W, WVP_TO_RAMP);
  if (x == 2 && !forwarding) return 0;
  if (x == 1 && forwarding) wvp_route(COLOR_ON, WVP_PORT_RAMP, WVP_TO_E);
  const uint32_t start = read_csr(mcycle);
  const uint32_t status = x == 1 && forwarding ? wvp_tensor_stream_forward(COLOR, COLOR_ON, WVP_FP32, buffer, n)
                                               : wvp_tensor_stream_in(color, WVP_FP32, buffer, n);
  const uint32_t cycles = read_csr(mcycle) - start;
  for (uint32_t i = 0; i < n; ++i)
    if (buffer[i] != (float)i * 0.25f - 7.0f) {
      printf("element %u is %f\n", (unsigned)i, (double)buffer[i]);
      return 1;
    }
  printf("received %u wavelets in %u cycles, all right, status %u\n", (unsigned)n, (unsigned)cycles, (unsigned)status);
  return (int)status;
}
