/* Traps and interrupts, self-checking (protocol in isa_test.h). Follows the RISC-V
 * privileged ISA manual (machine mode) plus the platform's choices where the manual leaves
 * one: mtval holds the instruction word for illegal instructions, the pc for ebreak and the
 * address for misaligned and access faults; misaligned loads and stores always trap. */
#include "isa_test.h"

#define UNMAPPED 0x00000100         /* nothing is mapped below the CLINT */
#define SENTINEL 0x5e5e5e5e         /* preset in registers that must not be written */
#define FILL 0x12345678             /* preset in memory that must not be written */
#define TIMER_DELTA 2000            /* mtime ticks until the test timer fires */
#define WAIT_LIMIT 100000           /* wfi loop iterations before a missing wake-up fails */

/* An illegal instruction: mcause 2, mtval = the instruction word itself. */
#define TEST_ILLEGAL(n, code...)                            \
    TEST_TRAP(n, CAUSE_ILLEGAL_INSTRUCTION, code);          \
    lw a2, 0(a1);                                           \
    CHECK_REG(a0, a2)

/* Absolute address of a number or a symbol (lui/addi reach all of the 32-bit space). */
#define LOAD_ADDRESS(reg, addr)                             \
    lui reg, %hi(addr);                                     \
    addi reg, reg, %lo(addr)

/* A misaligned or faulting load/store `inst a3, offset(base)`: checks mtval == the address
 * and, for loads, that a3 (preset to SENTINEL) was not written. isa_store_scratch is filled
 * with FILL first for TEST_BAD_STORE. */
#define TEST_BAD_ACCESS(n, cause, base, inst, offset)       \
    TEST_TRAP(n, cause,                                     \
        la a2, isa_store_scratch; li a3, FILL; sw a3, 0(a2); sw a3, 4(a2); \
        LOAD_ADDRESS(a2, base); li a3, SENTINEL;            \
        7: inst a3, offset(a2));                            \
    LOAD_ADDRESS(a2, (base) + (offset));                    \
    CHECK_REG(a0, a2);                                      \
    CHECK_IMM(a3, SENTINEL)

/* As TEST_BAD_ACCESS for stores into isa_store_scratch, which must keep its FILL. */
#define TEST_BAD_STORE(n, cause, inst, offset)              \
    TEST_BAD_ACCESS(n, cause, isa_store_scratch, inst, offset); \
    la a1, isa_store_scratch; lw a2, 0(a1); CHECK_IMM(a2, FILL); \
    lw a2, 4(a1); CHECK_IMM(a2, FILL)

/* A taken jump or branch to an address that is not 4-byte aligned traps on the jump itself:
 * mepc = the jump, mtval = the target, and rd (ra, preset to SENTINEL) is not written.
 * `target` is evaluated after `code`, so it refers to the jump as 7b. */
#define TEST_MISALIGNED_JUMP(n, target, code...)            \
    TEST_TRAP(n, CAUSE_MISALIGNED_FETCH, li ra, SENTINEL; code); \
    la a2, target;                                          \
    CHECK_REG(a0, a2);                                      \
    CHECK_IMM(ra, SENTINEL)

    .text
/* arm_timer: mtimecmp = mtime + TIMER_DELTA. mtime is read hi/lo/hi so a carry between the
 * halves cannot go unnoticed; mtimecmp is written lo = ~0, hi, lo so it never passes through
 * a value below both the old and the new one. Clobbers t0-t3. */
arm_timer:
    li      t0, WVP_CLINT_BASE + WVP_CLINT_MTIME
1:  lw      t2, 4(t0)
    lw      t1, 0(t0)
    lw      t3, 4(t0)
    bne     t2, t3, 1b
    li      t3, TIMER_DELTA
    add     t1, t1, t3
    sltu    t3, t1, t3              /* carry into the high half */
    add     t2, t2, t3
    li      t0, WVP_CLINT_BASE + WVP_CLINT_MTIMECMP
    li      t3, -1
    sw      t3, 0(t0)
    sw      t2, 4(t0)
    sw      t1, 0(t0)
    ret

ISA_TESTS(isa_traps)

    /* ---- illegal instructions */
    TEST_ILLEGAL(1, 7: .word 0x00000000)              /* the all-zero word */
    TEST_ILLEGAL(2, 7: .word 0x00b6252f)              /* amoadd.w a0, a1, (a2): no A extension */
    TEST_ILLEGAL(3, 7: .word 0x02c58553)              /* fadd.d fa0, fa1, fa2: no D extension */
    TEST_ILLEGAL(4, 7: .word 0x10200073)              /* sret: no S mode */
    TEST_ILLEGAL(5, 7: csrr a0, sstatus)              /* no S mode, so no sstatus */
    TEST_ILLEGAL(6, li a1, 1; 7: csrw mhartid, a1)    /* writes to read-only CSRs trap ... */
    TEST_ILLEGAL(7, li a1, 0; 7: csrrs a0, mhartid, a1) /* ... even of zero bits (rs1 != x0) */
    TEST_ILLEGAL(8, 7: csrrsi a0, mvendorid, 1)
    /* the user-level counter aliases are read-only views of mcycle/minstret */
    TEST_ILLEGAL(12, li a1, 0; 7: csrw instret, a1)
    TEST_ILLEGAL(13, 7: csrrsi a0, cycleh, 1)
    TEST_ILLEGAL(14, li a1, 1; 7: csrrc a0, instreth, a1)
    /* With mstatus.FS = Off every F instruction and F CSR access is illegal. */
    TEST_ILLEGAL(9, li a1, MSTATUS_FS; csrc mstatus, a1; 7: fadd.s fa0, fa1, fa2)
    TEST_ILLEGAL(10, li a1, MSTATUS_FS; csrc mstatus, a1; 7: csrr a0, fcsr)
    TEST_ILLEGAL(11, li a1, MSTATUS_FS; csrc mstatus, a1; 7: fmv.w.x fa0, zero)
    li      a1, MSTATUS_FS_INITIAL
    csrs    mstatus, a1

    /* ---- environment call and breakpoint */
    TEST_TRAP(20, CAUSE_MACHINE_ECALL, 7: ecall)
    CHECK_IMM(a0, 0)
    TEST_TRAP(21, CAUSE_BREAKPOINT, 7: ebreak)
    CHECK_REG(a0, a1)                                 /* mtval = pc of the ebreak */

    /* ---- misaligned loads and stores: mtval = the address; no register or memory changes */
    TEST_BAD_ACCESS(30, CAUSE_MISALIGNED_LOAD, WVP_SRAM_BASE + 0x1000, lh, 1)
    TEST_BAD_ACCESS(31, CAUSE_MISALIGNED_LOAD, WVP_SRAM_BASE + 0x1000, lhu, 3)
    TEST_BAD_ACCESS(32, CAUSE_MISALIGNED_LOAD, WVP_SRAM_BASE + 0x1000, lw, 1)
    TEST_BAD_ACCESS(33, CAUSE_MISALIGNED_LOAD, WVP_SRAM_BASE + 0x1000, lw, 2)
    TEST_BAD_ACCESS(34, CAUSE_MISALIGNED_LOAD, WVP_SRAM_BASE + 0x1000, lw, -1)
    TEST_TRAP(35, CAUSE_MISALIGNED_LOAD, la a2, isa_store_scratch; 7: flw fa0, 2(a2))
    la      a2, isa_store_scratch + 2
    CHECK_REG(a0, a2)
    TEST_BAD_STORE(36, CAUSE_MISALIGNED_STORE, sh, 1)
    TEST_BAD_STORE(37, CAUSE_MISALIGNED_STORE, sw, 2)
    TEST_BAD_STORE(38, CAUSE_MISALIGNED_STORE, sw, 3)
    TEST_TRAP(39, CAUSE_MISALIGNED_STORE, la a2, isa_store_scratch + 4; 7: fsw fa0, -2(a2))
    la      a2, isa_store_scratch + 2
    CHECK_REG(a0, a2)

    /* ---- access faults: nothing is mapped at UNMAPPED */
    TEST_BAD_ACCESS(40, CAUSE_LOAD_ACCESS, UNMAPPED, lw, 0)
    TEST_BAD_ACCESS(41, CAUSE_LOAD_ACCESS, UNMAPPED, lbu, 5)
    TEST_BAD_ACCESS(42, CAUSE_LOAD_ACCESS, 0, lw, 0)   /* the null pointer */
    TEST_BAD_ACCESS(43, CAUSE_STORE_ACCESS, UNMAPPED, sw, 0)
    TEST_BAD_ACCESS(44, CAUSE_STORE_ACCESS, UNMAPPED, sb, 7)
    /* Fetching from UNMAPPED: the jump itself completes (ra is written), the fetch faults
     * with mepc = mtval = the target. */
    TEST_START(45)
    TRAP_EXPECT(8f)
    li      a2, UNMAPPED
7:  jalr    ra, 0(a2)
    li      t6, CAUSE_FETCH_ACCESS
    jal     ra, isa_fail_no_trap
8:  TRAP_FIELD(a0, TRAP_MCAUSE)
    CHECK_IMM(a0, CAUSE_FETCH_ACCESS)
    TRAP_FIELD(a0, TRAP_MEPC)
    CHECK_IMM(a0, UNMAPPED)
    TRAP_FIELD(a0, TRAP_MTVAL)
    CHECK_IMM(a0, UNMAPPED)
    la      a2, 7b + 4
    CHECK_REG(ra, a2)

    /* ---- misaligned jump targets (no C extension: targets must be 4-byte aligned) */
    TEST_MISALIGNED_JUMP(50, 7b + 6, 7: jal ra, .+6)
    TEST_MISALIGNED_JUMP(51, 7b + 2, la a2, 7f + 2; 7: jalr ra, 0(a2))
    TEST_MISALIGNED_JUMP(52, 7b + 2, la a2, 7f; 7: jalr ra, 3(a2))  /* bit 0 cleared: +2 */
    TEST_MISALIGNED_JUMP(53, 7b + 6, 7: beq zero, zero, .+6)
    TEST_MISALIGNED_JUMP(54, 7b + 10, li a4, 1; 7: bltu zero, a4, .+10)
    /* Not taken: no trap, whatever the target. */
    TEST_CASE(55, a0, 1, li a0, 0; bne zero, zero, .+6; li a0, 1)

    /* ---- trap entry and mret: MPIE <- MIE, MIE <- 0, MPP <- M on entry; the reverse on mret */
    TEST_TRAP(60, CAUSE_MACHINE_ECALL, csrsi mstatus, MSTATUS_MIE; 7: ecall)
    TRAP_FIELD(a0, TRAP_MSTATUS)
    andi    a0, a0, MSTATUS_MIE | MSTATUS_MPIE
    CHECK_IMM(a0, MSTATUS_MPIE)                       /* in the handler: MIE off, MPIE on */
    TRAP_FIELD(a0, TRAP_MSTATUS)
    li      a2, MSTATUS_MPP
    and     a0, a0, a2
    CHECK_IMM(a0, MSTATUS_MPP)                        /* came from M mode */
    csrr    a0, mstatus
    andi    a0, a0, MSTATUS_MIE
    CHECK_IMM(a0, MSTATUS_MIE)                        /* mret restored MIE */
    csrci   mstatus, MSTATUS_MIE
    /* mret directly: MIE <- MPIE, MPIE <- 1, MPP <- M (the least privileged mode there is),
     * jump to mepc. */
    TEST_START(61)
    csrci   mstatus, MSTATUS_MIE
    li      a2, MSTATUS_MPIE
    csrs    mstatus, a2
    la      a2, 2f
    csrw    mepc, a2
    mret
    jal     ra, isa_fail_value                        /* mret did not jump */
2:  csrr    a0, mstatus
    andi    a0, a0, MSTATUS_MIE | MSTATUS_MPIE
    CHECK_IMM(a0, MSTATUS_MIE | MSTATUS_MPIE)
    csrci   mstatus, MSTATUS_MIE
    csrr    a0, mstatus
    li      a2, MSTATUS_MPP
    and     a0, a0, a2
    CHECK_IMM(a0, MSTATUS_MPP)
    TEST_START(62)
    li      a2, MSTATUS_MPIE
    csrc    mstatus, a2
    la      a2, 2f
    csrw    mepc, a2
    mret
    jal     ra, isa_fail_value
2:  csrr    a0, mstatus
    andi    a0, a0, MSTATUS_MIE | MSTATUS_MPIE
    CHECK_IMM(a0, MSTATUS_MPIE)

    /* ---- machine timer interrupt: taken once mtime >= mtimecmp with mie.MTIE and
     * mstatus.MIE set; mcause = interrupt bit | 7, mtval = 0 */
    TEST_START(70)
    TRAP_EXPECT(8f)
    jal     ra, arm_timer
    li      a2, MIE_MTIE
    csrs    mie, a2
    csrsi   mstatus, MSTATUS_MIE
    li      a4, WAIT_LIMIT
2:  wfi                                               /* may also return early: loop */
    addi    a4, a4, -1
    bnez    a4, 2b
    li      t6, MCAUSE_INTERRUPT | IRQ_M_TIMER
    jal     ra, isa_fail_no_trap
8:  csrci   mstatus, MSTATUS_MIE
    csrw    mie, zero
    TRAP_FIELD(a0, TRAP_MCAUSE)
    CHECK_IMM(a0, MCAUSE_INTERRUPT | IRQ_M_TIMER)
    TRAP_FIELD(a0, TRAP_MTVAL)
    CHECK_IMM(a0, 0)
    TRAP_FIELD(a0, TRAP_MSTATUS)
    andi    a0, a0, MSTATUS_MIE | MSTATUS_MPIE
    CHECK_IMM(a0, MSTATUS_MPIE)

    /* ---- wfi wakes up on a pending interrupt enabled in mie even with mstatus.MIE = 0, and
     * execution continues after it without a trap */
    TEST_START(71)
    TRAP_FIELD(s0, TRAP_COUNT)
    jal     ra, arm_timer
    li      a2, MIE_MTIE
    csrs    mie, a2
    wfi
    li      a4, WAIT_LIMIT                            /* wfi may be a no-op: poll mip too */
2:  csrr    a0, mip
    andi    a0, a0, MIP_MTIP
    bnez    a0, 3f
    addi    a4, a4, -1
    bnez    a4, 2b
3:  CHECK_IMM(a0, MIP_MTIP)
    csrw    mie, zero
    li      a2, WVP_CLINT_BASE + WVP_CLINT_MTIMECMP
    li      a3, -1
    sw      a3, 0(a2)
    sw      a3, 4(a2)
    TRAP_FIELD(a0, TRAP_COUNT)
    CHECK_REG(a0, s0)                                 /* no trap was taken */

ISA_TESTS_END
