/* Ping-pong latency: PE (0,0) sends a wavelet east along row 0 to PE (distance,0), which sends
 * it back incremented; (0,0) times `rounds` round trips with mcycle and prints the average.
 * The other cores only set their routes: their routers carry the wavelets on.
 *
 * Both parameters are volatile globals, set with `wafervp run --poke distance=5`. */
#include <stdint.h>
#include <stdio.h>
#include <wvp/hal.h>

#define COLOR_PING 8 /* eastwards */
#define COLOR_PONG 9 /* westwards */

volatile uint32_t distance = 1; /* hops between the two cores; at most grid width - 1 */
volatile uint32_t rounds = 16;

static void set_routes(uint32_t x) {
  if (x == 0) {
    wvp_route(COLOR_PING, WVP_PORT_RAMP, WVP_TO_E);
    wvp_route(COLOR_PONG, WVP_PORT_E, WVP_TO_RAMP);
  } else if (x < distance) {
    wvp_route(COLOR_PING, WVP_PORT_W, WVP_TO_E);
    wvp_route(COLOR_PONG, WVP_PORT_E, WVP_TO_W);
  } else if (x == distance) {
    wvp_route(COLOR_PING, WVP_PORT_W, WVP_TO_RAMP);
    wvp_route(COLOR_PONG, WVP_PORT_RAMP, WVP_TO_W);
  }
}

int main(void) {
  const uint32_t x = wvp_x();
  if (wvp_y() != 0 || x > distance) return 0;
  if (distance == 0 || distance >= wvp_grid_w()) {
    if (x == 0) printf("pingpong: distance %u does not fit a row of %u tiles\n", (unsigned)distance, (unsigned)wvp_grid_w());
    return 1;
  }
  set_routes(x);
  if (x == distance) {
    for (uint32_t i = 0; i < rounds; ++i) wvp_send(COLOR_PONG, wvp_recv(COLOR_PING) + 1);
    return 0;
  }
  if (x != 0) return 0;

  uint32_t total_cycles = 0;
  for (uint32_t i = 0; i < rounds; ++i) {
    const uint32_t start = read_csr(mcycle);
    wvp_send(COLOR_PING, i);
    const uint32_t reply = wvp_recv(COLOR_PONG);
    total_cycles += read_csr(mcycle) - start;
    if (reply != i + 1) {
      printf("pingpong: round %u: sent %u, got back %u\n", (unsigned)i, (unsigned)i, (unsigned)reply);
      return 2;
    }
  }
  printf("pingpong: distance %u, %u round trips, %u cycles per round trip\n", (unsigned)distance, (unsigned)rounds,
         (unsigned)(total_cycles / rounds));
  return 0;
}
