/* Firmware that misuses the fabric on purpose, one way per `fault` (set with --poke), so the
 * tests can check what the platform reports:
 *   1  every core waits to receive on color 5 and nobody sends: deadlock of the cores
 *   2  PE (0,0) routes color 6 off the west edge of the grid: bad route
 *   3  on 2x2, color 7 routes around a ring and every core floods it: deadlock in the fabric
 *   4  PE (0,0) sends on color 6 to (1,0), which never routes it: a wavelet with no route
 *   5  PE (0,0) sends 10 wavelets to (1,0), whose core ends without receiving them
 *   6  as 5, then PE (0,0) waits for a reply that never comes: the fabric is stuck, not busy */
#include <stdint.h>
#include <wvp/hal.h>

/* In .data, not .bss: crt0 zeroes .bss after the platform has poked it. */
__attribute__((section(".data"))) volatile uint32_t fault = 0;

/* The ring (0,0) -> (1,0) -> (1,1) -> (0,1) -> (0,0): where each tile sends, and the port
 * its predecessor's wavelets come in by. */
static void route_ring(uint32_t color) {
  static const uint32_t to[2][2] = {{WVP_TO_E, WVP_TO_S}, {WVP_TO_N, WVP_TO_W}};     /* [y][x] */
  static const uint32_t from[2][2] = {{WVP_PORT_S, WVP_PORT_W}, {WVP_PORT_E, WVP_PORT_N}};
  const uint32_t x = wvp_x(), y = wvp_y();
  wvp_route(color, WVP_PORT_RAMP, to[y][x]);
  wvp_route(color, from[y][x], to[y][x]);
}

int main(void) {
  const uint32_t x = wvp_x(), y = wvp_y();
  switch (fault) {
    case 1:
      return (int)wvp_recv(5);
    case 2:
      if (x == 0 && y == 0) wvp_route(6, WVP_PORT_RAMP, WVP_TO_W);
      return 0;
    case 3:
      route_ring(7);
      for (uint32_t i = 0; i < 100; ++i) wvp_send(7, i);
      return 0;
    case 4:
      if (x == 0 && y == 0) {
        wvp_route(6, WVP_PORT_RAMP, WVP_TO_E);
        wvp_send(6, 42);
        return (int)wvp_recv(8);  /* keeps the run going while the wavelet waits */
      }
      return 0;
    case 5:
    case 6:
      if (y != 0 || x > 1) return 0;
      if (x == 1) {
        wvp_route(6, WVP_PORT_W, WVP_TO_RAMP);
        return 0;
      }
      wvp_route(6, WVP_PORT_RAMP, WVP_TO_E);
      for (uint32_t i = 0; i < 10; ++i) wvp_send(6, i);
      return fault == 6 ? (int)wvp_recv(8) : 0;
    default:
      return 0;
  }
}
