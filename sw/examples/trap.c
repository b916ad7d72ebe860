/* Handling traps in C: installs a machine-mode handler, raises an illegal instruction, an
 * ecall and an ebreak, and lets the handler report and skip each of them.
 * (trap_unhandled.c shows what the platform does when no handler is installed.) */
#include <stdio.h>
#include <wvp/hal.h>

static volatile unsigned traps_handled;

static const char *cause_name(uint32_t mcause) {
  switch (mcause) {
    case CAUSE_ILLEGAL_INSTRUCTION: return "illegal instruction";
    case CAUSE_BREAKPOINT: return "breakpoint";
    case CAUSE_MACHINE_ECALL: return "ecall from M-mode";
    default: return "unexpected";
  }
}

/* The interrupt attribute makes gcc save every register the handler (and the functions it
 * calls) may clobber and return with mret. */
__attribute__((interrupt("machine"))) static void trap_handler(void) {
  uint32_t mcause = read_csr(mcause);
  uint32_t mepc = read_csr(mepc);
  printf("  trap: mcause=%u (%s) mepc=0x%08x mtval=0x%08x\n", (unsigned)mcause,
         cause_name(mcause), (unsigned)mepc, (unsigned)read_csr(mtval));
  if (mcause & MCAUSE_INTERRUPT) wvp_exit(100); /* none is enabled: give up */
  /* Resume after the trapping instruction (4 bytes: there is no C extension). */
  write_csr(mepc, mepc + 4);
  traps_handled++;
}

int main(void) {
  write_csr(mtvec, (uintptr_t)trap_handler); /* direct mode: the handler is 4-byte aligned */

  printf("illegal instruction (the all-zero word):\n");
  __asm__ volatile(".word 0x00000000");
  printf("ecall:\n");
  __asm__ volatile("ecall");
  printf("ebreak (mtval is the pc):\n");
  __asm__ volatile("ebreak");

  write_csr(mtvec, 0); /* back to "unhandled": the platform reports any further trap */
  printf("%u traps handled\n", traps_handled);
  return traps_handled == 3 ? 0 : 1;
}
