/* A core that fails three calls deep, for post-mortem tools: PE (1,0) walks a table and then a
 * pointer nobody mapped, so its load traps (access fault) in visit(), called from walk(), called
 * from main(). A core file of it shows that backtrace, and `visited` and `table` as they were. The
 * other PEs end normally. */
#include <stdint.h>
#include <stdio.h>
#include <wvp/hal.h>

volatile uint32_t visited = 0; /* nodes read before the fault */
uint32_t table[4] = {3, 1, 4, 1};

static uint32_t __attribute__((noinline)) visit(const volatile uint32_t *node) {
  ++visited;
  return *node;
}

static uint32_t __attribute__((noinline)) walk(const volatile uint32_t *nodes, uint32_t n, int overrun) {
  uint32_t sum = 0;
  for (uint32_t i = 0; i < n; ++i) sum += visit(&nodes[i]);
  if (overrun) sum += visit((const volatile uint32_t *)0x10); /* nothing is mapped there */
  return sum;
}

int main(void) {
  const uint32_t sum = walk(table, 4, wvp_x() == 1 && wvp_y() == 0);
  printf("sum %u after %u visits\n", (unsigned)sum, (unsigned)visited);
  return 0;
}
