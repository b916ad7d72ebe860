/* Reports the outcome of an ISA test run (protocol in isa_test.h). Printing uses only the
 * HAL, not printf, so a failure is reported with as little compiled code as possible
 * between the failing check and the console. */
#include <stddef.h>
#include <wvp/hal.h>

#include "isa_test.h"

_Static_assert(offsetof(struct isa_result, kind) == RESULT_KIND, "isa_result layout");
_Static_assert(offsetof(struct isa_result, test) == RESULT_TEST, "isa_result layout");
_Static_assert(offsetof(struct isa_result, got) == RESULT_GOT, "isa_result layout");
_Static_assert(offsetof(struct isa_result, expected) == RESULT_EXPECTED, "isa_result layout");
_Static_assert(offsetof(struct isa_result, pc) == RESULT_PC, "isa_result layout");
_Static_assert(offsetof(struct isa_result, mcause) == RESULT_MCAUSE, "isa_result layout");
_Static_assert(offsetof(struct isa_result, mtval) == RESULT_MTVAL, "isa_result layout");
_Static_assert(sizeof(struct isa_result) == RESULT_SIZE, "isa_result layout");

static void put_hex(uint32_t value) {
  wvp_puts("0x");
  for (int shift = 28; shift >= 0; shift -= 4) wvp_putc("0123456789abcdef"[(value >> shift) & 15]);
}

static void put_dec(uint32_t value) {
  char digits[10];
  int n = 0;
  do {
    digits[n++] = (char)('0' + value % 10);
    value /= 10;
  } while (value);
  while (n) wvp_putc(digits[--n]);
}

static void put_field(const char *label, uint32_t value) {
  wvp_puts(label);
  put_hex(value);
}

int main(void) {
  isa_run();
  const struct isa_result *r = &isa_result;
  if (r->kind == ISA_PASS) {
    wvp_puts("PASS ");
    wvp_puts(isa_name);
    wvp_putc('\n');
    return 0;
  }
  wvp_puts("FAIL ");
  wvp_puts(isa_name);
  wvp_puts(" test ");
  put_dec(r->test);
  switch (r->kind) {
    case ISA_FAIL_VALUE:
    case ISA_FAIL_FFLAGS:
      wvp_puts(r->kind == ISA_FAIL_FFLAGS ? ": fflags expected " : ": expected ");
      put_hex(r->expected);
      put_field(" got ", r->got);
      break;
    case ISA_FAIL_NO_TRAP:
      wvp_puts(": expected a trap with mcause ");
      put_dec(r->expected);
      wvp_puts(", none was taken");
      break;
    default:
      wvp_puts(": unexpected trap");
      put_field(" mcause ", r->mcause);
      put_field(" mtval ", r->mtval);
      break;
  }
  put_field(" at pc ", r->pc);
  wvp_putc('\n');
  return r->test ? (int)r->test : -1;
}
