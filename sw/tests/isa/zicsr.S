/* Zicsr and the machine-mode CSRs, self-checking (protocol in isa_test.h). Follows the
 * RISC-V unprivileged manual ("Zicsr", "F": fcsr) and the privileged manual (machine CSRs).
 * CSR accesses that must trap are in traps.S; here any trap is a failure. */
#include "isa_test.h"

#define MISA_MXL        0xc0000000      /* misa[31:30]: 1 = XLEN 32 */
#define MISA_MXL_32     0x40000000
#define MISA_A          (1 << 0)        /* extension bits: letter - 'A' */
#define MISA_C          (1 << 2)
#define MISA_D          (1 << 3)
#define MISA_F          (1 << 5)
#define MISA_I          (1 << 8)
#define MISA_M          (1 << 12)
#define MISA_S          (1 << 18)
#define MISA_U          (1 << 20)

/* Writes to a 64-bit counter (`lo`/`hi`: minstret/minstreth or mcycle/mcycleh; `ulo`/`uhi`
 * its read-only user alias), nine tests n0..n8. The unprivileged manual (Zicsr, "CSR
 * Instructions"): a CSR instruction reads a counter as it was before the instruction, and one
 * that writes it does so "instead of the increment", so the next instruction reads the value
 * written; the half it does not write stays as the instruction found it. With the default core
 * timing every instruction here costs one cycle, so mcycle follows the same arithmetic as
 * minstret. */

/* The counter reads vhi:vlo after this (the second write keeps the low half the first wrote). */
#define SET_COUNTER(lo, hi, vlo, vhi)                       \
    li a1, vlo;                                             \
    li a2, vhi;                                             \
    csrw lo, a1;                                            \
    csrw hi, a2

/* Reads `first`, then `second` one instruction later, and checks both. */
#define CHECK_READS(first, second, expect_first, expect_second) \
    csrr a0, first;                                         \
    csrr a3, second;                                        \
    CHECK_IMM(a0, expect_first);                            \
    CHECK_IMM(a3, expect_second)

/* csrs/csrsi or csrc/csrci (`op`, `opi`) set or clear `bits`, then bit 0, of the value each
 * instruction found: `start`, not counted on. */
#define TEST_COUNTER_BITS(n, lo, op, opi, start, bits, expect) \
    TEST_START(n);                                          \
    li a1, start;                                           \
    li a2, bits;                                            \
    csrw lo, a1;                                            \
    op lo, a2;                                              \
    opi lo, 1;                                              \
    csrr a0, lo;                                            \
    CHECK_IMM(a0, expect)

#define TEST_COUNTER_WRITES(n, lo, hi, ulo, uhi)            \
    /* all ones in both halves, then one instruction: 0:0 */ \
    TEST_START(n##0);                                       \
    SET_COUNTER(lo, hi, -1, -1);                            \
    nop;                                                    \
    CHECK_READS(lo, hi, 0, 0);                              \
    /* writing only the high half: the low half keeps its all-ones, no carry */ \
    TEST_START(n##1);                                       \
    SET_COUNTER(lo, hi, -2, 0);                             \
    li a3, 7;                                               \
    csrw hi, a3;                                            \
    CHECK_READS(hi, lo, 7, 0);                              \
    csrr a0, hi;                                            \
    CHECK_IMM(a0, 8);           /* later counts carry as usual */ \
    /* writing only the low half: the high half stays as found, no carry */ \
    TEST_START(n##2);                                       \
    SET_COUNTER(lo, hi, -2, 9);                             \
    li a3, 5;                                               \
    csrw lo, a3;                                            \
    CHECK_READS(hi, lo, 9, 6);                              \
    /* csrrs with rs1 != x0 writes even when it sets no bit: not counted */ \
    TEST_START(n##3);                                       \
    li a1, 100;                                             \
    li a2, 0;                                               \
    csrw lo, a1;                                            \
    csrrs a0, lo, a2;                                       \
    csrr a3, lo;                                            \
    CHECK_IMM(a0, 100);                                     \
    CHECK_IMM(a3, 100);                                     \
    /* with rs1 = x0 or uimm = 0 csrrs/csrrc only read: counted */ \
    TEST_START(n##4);                                       \
    li a1, 100;                                             \
    csrw lo, a1;                                            \
    csrrs a0, lo, x0;                                       \
    csrrc a0, lo, x0;                                       \
    csrrsi a0, lo, 0;                                       \
    csrrci a0, lo, 0;                                       \
    csrr a3, lo;                                            \
    CHECK_IMM(a3, 104);                                     \
    TEST_COUNTER_BITS(n##5, lo, csrs, csrsi, 0xf0, 0x0c, 0xfd); \
    TEST_COUNTER_BITS(n##6, lo, csrc, csrci, 0xff, 0xf0, 0x0e); \
    /* csrci/csrsi on the high half while the low half is all ones */ \
    TEST_START(n##7);                                       \
    SET_COUNTER(lo, hi, -2, 6);                             \
    nop;                                                    \
    csrci hi, 2;                                            \
    csrsi hi, 1;                                            \
    nop;                                                    \
    CHECK_READS(hi, lo, 6, 1);                              \
    /* the user-level aliases read the same counter */      \
    TEST_START(n##8);                                       \
    SET_COUNTER(lo, hi, 1000, 3);                           \
    CHECK_READS(ulo, uhi, 1000, 3)

ISA_TESTS(isa_zicsr)

    /* ---- csrrw / csrrs / csrrc: rd gets the old value, then the write happens */
    TEST_CASE(1, a0, 0x12345678, li a1, 0x12345678; csrw mscratch, a1; csrr a0, mscratch)
    TEST_CASE(2, a0, 0x12345678, li a1, 0xcafef00d; csrrw a0, mscratch, a1)
    TEST_CASE(3, a0, 0xcafef00d, csrr a0, mscratch)
    TEST_CASE(4, a0, 0xcafef00d, li a1, 0x0000ff00; csrrs a0, mscratch, a1)
    TEST_CASE(5, a0, 0xcafeff0d, csrr a0, mscratch)
    TEST_CASE(6, a0, 0xcafeff0d, li a1, 0xf000000f; csrrc a0, mscratch, a1)
    TEST_CASE(7, a0, 0x0afeff00, csrr a0, mscratch)
    TEST_CASE(8, a1, 0x0afeff00, li a1, 0x11111111; csrrw a1, mscratch, a1)  /* rd == rs1 */
    TEST_CASE(9, a0, 0x11111111, csrr a0, mscratch)
    TEST_CASE(10, a0, 0xffffffff, li a1, -1; csrw mscratch, a1; csrr a0, mscratch)
    TEST_CASE(11, a0, 0, csrw mscratch, zero; csrr a0, mscratch)

    /* ---- immediate forms: the 5-bit immediate is zero-extended */
    TEST_CASE(20, a0, 0xf0, li a1, 0xf0; csrw mscratch, a1; csrrwi a0, mscratch, 0x1f)
    TEST_CASE(21, a0, 0x1f, csrr a0, mscratch)
    TEST_CASE(22, a0, 0x3f0, li a1, 0x3f0; csrw mscratch, a1; csrrsi a0, mscratch, 0x0f)
    TEST_CASE(23, a0, 0x3ff, csrr a0, mscratch)
    TEST_CASE(24, a0, 0x3ff, csrrci a0, mscratch, 0x15)
    TEST_CASE(25, a0, 0x3ea, csrr a0, mscratch)

    /* ---- rs1 = x0 (or uimm = 0) for csrrs/csrrc: no write, so even read-only CSRs are fine */
    TEST_CASE(30, a0, 0x3ea, csrrs a0, mscratch, x0; csrrc a0, mscratch, x0; csrr a0, mscratch)
    TEST_CASE(31, a0, 0x3ea, csrrsi a0, mscratch, 0; csrrci a0, mscratch, 0; csrr a0, mscratch)
    TEST_CASE(32, x0, 0, csrrs a0, mhartid, x0; csrrc a0, mvendorid, x0; \
                         csrrsi a0, marchid, 0; csrrci a0, mimpid, 0)

    /* ---- fcsr = frm (bits 7:5) : fflags (bits 4:0); bits 31:8 read as zero */
    TEST_CASE(40, a0, 0xff, li a1, -1; csrw fcsr, a1; csrr a0, fcsr)
    TEST_CASE(41, a0, 7, csrr a0, frm)
    TEST_CASE(42, a0, 0x1f, csrr a0, fflags)
    TEST_CASE(43, a0, 0x7f, csrwi frm, FRM_RUP; csrr a0, fcsr)
    TEST_CASE(44, a0, 0x6a, csrwi fflags, FFLAGS_DZ | FFLAGS_UF; csrr a0, fcsr)
    TEST_CASE(45, a0, 0x0a, csrrci a0, fflags, FFLAGS_DZ)   /* returns the old flags */
    TEST_CASE(46, a0, 0x62, csrr a0, fcsr)
    TEST_CASE(47, a0, FRM_RUP, li a1, FRM_RTZ; fsrm a0, a1) /* swaps frm only */
    TEST_CASE(48, a0, 0x22, csrr a0, fcsr)
    TEST_CASE(49, a0, 0x02, li a1, 0x15; fsflags a0, a1)    /* swaps fflags only */
    TEST_CASE(50, a0, 0x35, frcsr a0)
    TEST_CASE(51, a0, 0, fscsr zero; frcsr a0)

    /* ---- counters: mcycle advances; minstret counts retired instructions exactly (a CSR read
     * returns the value before the reading instruction retires, so 10 instructions between
     * two reads give a difference of 11) */
    TEST_START(60)
    csrr    a1, minstret
    .rept 10
    nop
    .endr
    csrr    a2, minstret
    sub     a0, a2, a1
    CHECK_IMM(a0, 11)
    TEST_START(61)
    csrr    a1, mcycle
    .rept 10
    nop
    .endr
    csrr    a2, mcycle
    sub     a0, a2, a1
    sltu    a0, zero, a0                /* difference > 0 */
    CHECK_IMM(a0, 1)
    TEST_CASE(62, x0, 0, csrr a0, mcycleh; csrr a0, minstreth)  /* the upper halves exist */

    TEST_COUNTER_WRITES(12, minstret, minstreth, instret, instreth)
    TEST_COUNTER_WRITES(13, mcycle, mcycleh, cycle, cycleh)
    /* time is the core's clock, which a write to mcycle does not move: three instructions of
     * one cycle between the reads */
    TEST_START(140)
    rdtime  a1
    csrw    mcycle, zero
    csrw    mcycleh, zero
    rdtime  a2
    sub     a0, a2, a1
    CHECK_IMM(a0, 3)

    /* ---- misa: RV32 with I, M and F; no A, C, D, nor S or U modes */
    TEST_START(70)
    csrr    a0, misa
    li      a1, MISA_MXL | MISA_I | MISA_M | MISA_F | MISA_A | MISA_C | MISA_D | MISA_S | MISA_U
    and     a0, a0, a1
    CHECK_IMM(a0, MISA_MXL_32 | MISA_I | MISA_M | MISA_F)

    /* ---- mstatus: FS is writable, SD summarizes FS == Dirty, writing F state makes FS Dirty,
     * MPP can only hold M */
    TEST_START(80)
    li      a1, MSTATUS_FS
    csrc    mstatus, a1
    li      a1, MSTATUS_FS_CLEAN
    csrs    mstatus, a1
    csrr    a0, mstatus
    li      a1, MSTATUS_FS | MSTATUS_SD
    and     a0, a0, a1
    CHECK_IMM(a0, MSTATUS_FS_CLEAN)
    TEST_START(81)
    li      a1, MSTATUS_FS
    csrc    mstatus, a1
    li      a1, MSTATUS_FS_INITIAL
    csrs    mstatus, a1
    fmv.w.x fa0, zero                   /* modifies F state */
    csrr    a0, mstatus
    li      a1, MSTATUS_FS | MSTATUS_SD
    and     a0, a0, a1
    CHECK_IMM(a0, MSTATUS_FS_DIRTY | MSTATUS_SD)
    TEST_START(82)
    li      a1, MSTATUS_MPP
    csrc    mstatus, a1
    csrr    a0, mstatus
    and     a0, a0, a1
    CHECK_IMM(a0, MSTATUS_MPP)
    TEST_START(83)
    csrsi   mstatus, MSTATUS_MIE        /* mie is 0: nothing can be taken */
    csrr    a0, mstatus
    andi    a0, a0, MSTATUS_MIE
    csrci   mstatus, MSTATUS_MIE
    CHECK_IMM(a0, MSTATUS_MIE)

    /* ---- mepc: bits 1:0 are always zero without the C extension */
    TEST_CASE(90, a0, 0x80001230, li a1, 0x80001233; csrw mepc, a1; csrr a0, mepc)

    /* ---- mie: MTIE is writable; mip.MTIP is read-only (the CLINT drives it) */
    TEST_CASE(100, a0, MIE_MTIE, li a1, MIE_MTIE; csrw mie, a1; csrr a0, mie; \
                                 and a0, a0, a1; csrw mie, zero)
    TEST_CASE(101, a0, 0, csrr a1, mip; li a2, MIP_MTIP; csrc mip, a2; csrr a0, mip; \
                          xor a0, a0, a1; and a0, a0, a2)

    /* ---- mtvec: a 4-byte aligned direct-mode base reads back */
    TEST_START(110)
    csrr    s0, mtvec
    la      a1, isa_tests
    csrw    mtvec, a1
    csrr    a0, mtvec
    csrw    mtvec, s0
    CHECK_REG(a0, a1)

ISA_TESTS_END
