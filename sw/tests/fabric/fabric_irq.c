/* Arrival interrupts. PE (1,0) works for `delay` loop iterations, then sends one wavelet on
 * color 10 to PE (0,0), which
 *   mode 0: sleeps in wfi with the arrival enabled in mie (mstatus.MIE off, no handler), and
 *   mode 1: counts in a loop with interrupts on until its handler has taken the wavelet;
 * and prints the cycle it woke or took the interrupt at. */
#include <stdint.h>
#include <stdio.h>
#include <wvp/hal.h>

#define COLOR 10

__attribute__((section(".data"))) volatile uint32_t mode = 0; /* not .bss: see fabric_faults.c */
volatile uint32_t delay = 200;

static volatile uint32_t got, got_cycle, done;

__attribute__((interrupt("machine"), aligned(4))) static void handler(void) {
  got_cycle = read_csr(mcycle);
  got = wvp_recv(COLOR);
  done = 1;
}

static void work(uint32_t iterations) {
  for (volatile uint32_t i = 0; i < iterations; ++i) {
  }
}

int main(void) {
  const uint32_t x = wvp_x();
  if (wvp_y() != 0 || x > 1) return 0;
  if (x == 1) {
    wvp_route(COLOR, WVP_PORT_RAMP, WVP_TO_W);
    work(delay);
    wvp_send(COLOR, 0xC0FFEE);
    return 0;
  }
  wvp_route(COLOR, WVP_PORT_E, WVP_TO_RAMP);
  *wvp_reg(WVP_FABRIC_BASE + WVP_FABRIC_IRQ_ENABLE) = 1u << COLOR;
  uint32_t spins = 0;
  if (mode == 0) {
    write_csr(mie, MIE_MEIE);
    __asm__ volatile("wfi");
    got_cycle = read_csr(mcycle);
    got = wvp_recv(COLOR);
  } else {
    write_csr(mtvec, (uintptr_t)handler);
    write_csr(mie, MIE_MEIE);
    set_csr(mstatus, MSTATUS_MIE);
    while (!done) ++spins;
  }
  printf("irq mode %u: wavelet 0x%x at cycle %u after %u spins, pending now 0x%x\n", (unsigned)mode, (unsigned)got,
         (unsigned)got_cycle, (unsigned)spins, (unsigned)*wvp_reg(WVP_FABRIC_BASE + WVP_FABRIC_IRQ_PENDING));
  return 0;
}
