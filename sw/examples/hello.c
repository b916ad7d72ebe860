/* Every core greets with its place in the grid. */
#include <stdio.h>
#include <wvp/hal.h>

int main(void) {
  printf("hello from core (%u, %u) of %ux%u\n", (unsigned)wvp_x(), (unsigned)wvp_y(),
         (unsigned)wvp_grid_w(), (unsigned)wvp_grid_h());
  return 0;
}
