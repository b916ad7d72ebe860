/* Neighbour exchange, the wafer-scale smoke test: every core computes a value, sends it to its
 * east neighbour and receives its west neighbour's. Each row is a ring: the last core of a row
 * sends west on a second color, which the row's routers carry past, to the first. A core checks
 * what it received against what its neighbour must have computed, and exits 1 if it differs.
 * The cores write nothing but their stack, so a wafer of them costs the host what its tiles and
 * one stack page each cost.
 *
 * `work_iterations` (volatile, set with `wafervp run --poke work_iterations=N`) is how long each
 * core computes. */
#include <stdint.h>
#include <wvp/hal.h>

#define COLOR_EAST 0 /* to the next core of the row */
#define COLOR_WRAP 1 /* from the last core of the row back to the first */
WVP_USES_COLORS(2);

volatile uint32_t work_iterations = 64;

/* What core (x, y) computes: its neighbour can compute the same to check it. */
static uint32_t compute(uint32_t x, uint32_t y) {
  uint32_t v = (y << 16) ^ x ^ 0x9e3779b9u;
  for (uint32_t i = 0; i < work_iterations; ++i) v = v * 1664525u + 1013904223u; /* Numerical Recipes' LCG */
  return v;
}

static void set_routes(uint32_t x, uint32_t last) {
  if (x < last) wvp_route(COLOR_EAST, WVP_PORT_RAMP, WVP_TO_E);
  if (x > 0) wvp_route(COLOR_EAST, WVP_PORT_W, WVP_TO_RAMP);
  if (x == last)
    wvp_route(COLOR_WRAP, WVP_PORT_RAMP, WVP_TO_W);
  else if (x > 0)
    wvp_route(COLOR_WRAP, WVP_PORT_E, WVP_TO_W);
  else
    wvp_route(COLOR_WRAP, WVP_PORT_E, WVP_TO_RAMP);
}

int main(void) {
  const uint32_t x = wvp_x(), y = wvp_y(), last = wvp_grid_w() - 1;
  if (last == 0) return 0; /* a row of one core has no neighbour */
  set_routes(x, last);
  const uint32_t mine = compute(x, y);
  wvp_send(x == last ? COLOR_WRAP : COLOR_EAST, mine);
  const uint32_t received = wvp_recv(x == 0 ? COLOR_WRAP : COLOR_EAST);
  const uint32_t west = x == 0 ? last : x - 1;
  return received == compute(west, y) ? 0 : 1;
}
