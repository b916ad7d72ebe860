/* Reset entry of every wafervp core. Every core runs its own copy of the same ELF in its own
 * SRAM, so there is no hart-id check: each core simply starts here.
 *
 * The loader places every section at its link address (the image is loaded in place), so
 * there is no .data copy; only .tbss/.bss (NOLOAD) have to be zeroed.
 *
 * mtvec is deliberately left at its reset value 0: the platform treats a trap with mtvec == 0
 * as "unhandled" and reports the core, pc, mcause and mtval itself, which is more useful than
 * any default handler could be. Programs that want to handle traps install their own. */
#include <wvp/hal.h>

    .section .text.init.enter, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    /* gp must be loaded without relaxation: relaxing this `la` would make it gp-relative. */
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    la      sp, __stack
    /* picolibc keeps errno etc. in TLS (local-exec model: tp-relative offsets from the
     * start of the TLS block). There is one thread, so the block is the linked .tdata/.tbss
     * itself. */
    la      tp, __tls_base

    /* The FPU is off at reset (mstatus.FS = Off); any F instruction would trap. */
    li      t0, MSTATUS_FS_INITIAL
    csrs    mstatus, t0
    csrw    fcsr, zero

    /* Zero .tbss + .bss. The linker script aligns start and size to 8 bytes. */
    la      t0, __bss_start
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sw      zero, 0(t0)
    sw      zero, 4(t0)
    addi    t0, t0, 8
    j       1b
2:
    call    __libc_init_array      /* C constructors (picolibc walks .preinit/.init_array) */
    li      a0, 0                  /* argc */
    li      a1, 0                  /* argv */
    call    main
    tail    exit                   /* runs atexit handlers, then _exit(main's result) */
    .size _start, . - _start
