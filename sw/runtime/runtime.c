/* The operating-system layer picolibc expects (the standard streams and _exit()), and numbers on
 * the console without printf (wvp/console.h). */
#include <stdio.h>
#include <unistd.h>
#include <wvp/console.h>
#include <wvp/hal.h>

static int console_put(char c, FILE *stream) {
  (void)stream;
  wvp_putc(c);
  return (unsigned char)c;
}

/* One write-only console stream for all three standard streams. Reading stdin returns EOF:
 * the platform has no console input. */
static FILE console = FDEV_SETUP_STREAM(console_put, NULL, NULL, _FDEV_SETUP_WRITE);
FILE *const stdin = &console;
FILE *const stdout = &console;
FILE *const stderr = &console;

/* Called by exit() (after atexit handlers) and abort(). */
void _exit(int code) { wvp_exit(code); }

void wvp_put_uint(uint32_t v) {
  char digits[10];
  int n = 0;
  do digits[n++] = (char)('0' + v % 10), v /= 10;
  while (v);
  while (n) wvp_putc(digits[--n]);
}

void wvp_put_hex(uint32_t v) {
  for (int shift = 28; shift >= 0; shift -= 4) wvp_putc("0123456789abcdef"[(v >> shift) & 15]);
}
