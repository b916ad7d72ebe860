/* Every core greets with its place in the grid. */
#include <stdio.h>
#include <wvp/hal.h>

/* What main returns (--poke hello_exit_code=N, the exit-code tests); in .data, which crt0 does not
 * clear. */
__attribute__((section(".data"))) volatile int hello_exit_code = 0;

int main(void) {
  printf("hello from core (%u, %u) of %ux%u\n", (unsigned)wvp_x(), (unsigned)wvp_y(),
         (unsigned)wvp_grid_w(), (unsigned)wvp_grid_h());
  return hello_exit_code;
}
