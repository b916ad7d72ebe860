/* The operating-system layer picolibc expects: the standard streams and _exit(). */
#include <stdio.h>
#include <unistd.h>
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
