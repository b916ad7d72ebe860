/* Numbers on the console without printf, whose formatting code would take SRAM that firmware
 * such as decode needs for its model region. Defined in runtime.c, so every firmware has them;
 * the link drops them where unused. */
#ifndef WVP_CONSOLE_H
#define WVP_CONSOLE_H

#include <stdint.h>

void wvp_put_uint(uint32_t v); /* decimal */
void wvp_put_hex(uint32_t v);  /* eight hex digits, no prefix */

#endif /* WVP_CONSOLE_H */
