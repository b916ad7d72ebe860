/* The C extension: every RV32FC 2-byte instruction, self-checking (protocol in isa_test.h).
 * Expected values follow the RISC-V unprivileged ISA manual, chapter "C" Standard Extension:
 * each 2-byte instruction does what the 4-byte one it expands to does. Needs core.isa=rv32imfc.
 *
 * The file is assembled without automatic compression (the checks' jal must stay 4 bytes, as
 * the harness reads the failing pc from ra - 4); C() writes one 2-byte instruction. */
#include "isa_test.h"

    .option norvc

#define C(insn...)                                          \
    .option push;                                           \
    .option rvc;                                            \
    insn;                                                   \
    .option pop

/* A reserved or unsupported 2-byte encoding: illegal, mtval its 16 bits, mepc its address. */
#define TEST_ILLEGAL_PARCEL(n, parcel)                      \
    TEST_TRAP(n, CAUSE_ILLEGAL_INSTRUCTION, 7: .2byte parcel; .2byte 0x0001 /* c.nop */); \
    CHECK_IMM(a0, parcel)

/* A HINT: executes as nothing, so every register it might write keeps its value. */
#define TEST_HINT(n, parcel)                                \
    TEST_START(n);                                          \
    li a0, 0x5e5e5e5e;                                      \
    mv a1, sp;                                              \
    .2byte parcel;                                          \
    .2byte 0x0001;                                          \
    CHECK_IMM(a0, 0x5e5e5e5e);                              \
    CHECK_REG(sp, a1)

    .data
    .align 3
/* Words for the loads: offsets up to c.lw's largest (124) and c.lwsp's (252). */
c_data:
    .word 0x11223344, 0x8899aabb, 0x3f800000, 0xc0490fdb
    .space 108
    .word 0xcafef00d                /* at 124 */
    .space 124
    .word 0x0badc0de                /* at 252 */
c_scratch:
    .space 256

ISA_TESTS(isa_rv32c)

    /* ---- c.li, c.lui, c.addi, c.addi16sp, c.addi4spn: their immediates' extremes */
    TEST_CASE(1, a0, 0xffffffe0, C(c.li a0, -32))
    TEST_CASE(2, a0, 31, C(c.li a0, 31))
    TEST_CASE(3, s1, 0xfffe0000, C(c.lui s1, 0xfffe0))   /* nzimm -32: bits 17:12 sign-extended */
    TEST_CASE(4, a5, 0x0001f000, C(c.lui a5, 0x1f))
    TEST_CASE(5, t0, 0x00001000, C(c.lui t0, 1))
    TEST_CASE(6, a0, 0x7fffffe0, li a0, 0x80000000; C(c.addi a0, -32))
    TEST_CASE(7, a0, 0x0000001e, li a0, -1; C(c.addi a0, 31))
    TEST_CASE(8, t4, 0x00000005, li t4, 4; C(c.addi t4, 1))
    TEST_CASE(9, a0, 0x00000e00, mv s11, sp; li sp, 0x1000; C(c.addi16sp sp, -512); mv a0, sp; mv sp, s11)
    TEST_CASE(10, a0, 0x000011f0, mv s11, sp; li sp, 0x1000; C(c.addi16sp sp, 496); mv a0, sp; mv sp, s11)
    TEST_CASE(11, a0, 0x000013fc, mv s11, sp; li sp, 0x1000; C(c.addi4spn a0, sp, 1020); mv sp, s11)
    TEST_CASE(12, s0, 0x00001004, mv s11, sp; li sp, 0x1000; C(c.addi4spn s0, sp, 4); mv sp, s11)

    /* ---- c.mv, c.add and the register-register group on x8-x15 */
    TEST_CASE(13, t3, 0x12345678, li a0, 0x12345678; C(c.mv t3, a0))
    TEST_CASE(14, ra, 0x80000000, li ra, 0x7fffffff; li a0, 1; C(c.add ra, a0))
    TEST_CASE(15, a0, 0xfffffffe, li a0, 3; li a1, 5; C(c.sub a0, a1))
    TEST_CASE(16, a2, 0xedcba987, li a2, -1; li a3, 0x12345678; C(c.xor a2, a3))
    TEST_CASE(17, s0, 0xfff0fff0, li s0, 0xff00ff00; li s1, 0x0ff00ff0; C(c.or s0, s1))
    TEST_CASE(18, a5, 0x0f000f00, li a5, 0xff00ff00; li a4, 0x0ff00ff0; C(c.and a5, a4))

    /* ---- shifts (RV32: shamt 1 to 31) and c.andi */
    TEST_CASE(19, a0, 0x80000000, li a0, 1; C(c.slli a0, 31))
    TEST_CASE(20, t1, 0x00000008, li t1, 1; C(c.slli t1, 3))
    TEST_CASE(21, a0, 0x00000001, li a0, 0x80000000; C(c.srli a0, 31))
    TEST_CASE(22, a1, 0xc0000000, li a1, 0x80000000; C(c.srai a1, 1))
    TEST_CASE(23, a1, 0x40000000, li a1, 0x80000000; C(c.srli a1, 1))
    TEST_CASE(24, a0, 0x00000014, li a0, 0x34; C(c.andi a0, 0x1f))
    TEST_CASE(25, a0, 0xffffffe0, li a0, -1; C(c.andi a0, -32))

    /* ---- loads and stores: c.lw/c.sw (x8-x15 base, offsets 0-124), c.lwsp/c.swsp (sp, 0-252) */
    TEST_CASE(26, a0, 0x11223344, la a1, c_data; C(c.lw a0, 0(a1)))
    TEST_CASE(27, a0, 0xcafef00d, la a1, c_data; C(c.lw a0, 124(a1)))
    TEST_CASE(28, a0, 0x8899aabb, mv s11, sp; la sp, c_data; C(c.lwsp a0, 4(sp)); mv sp, s11)
    TEST_CASE(29, t2, 0x0badc0de, mv s11, sp; la sp, c_data; C(c.lwsp t2, 252(sp)); mv sp, s11)
    TEST_CASE(30, a0, 0x5a5a1234, la a1, c_scratch; li a2, 0x5a5a1234; C(c.sw a2, 124(a1)); lw a0, 124(a1))
    TEST_CASE(31, a0, 0x600df00d, mv s11, sp; la sp, c_scratch; li t4, 0x600df00d; C(c.swsp t4, 252(sp));
              lw a0, 252(sp); mv sp, s11)

    /* ---- FP loads and stores (RV32FC) */
    TEST_CASE(32, a0, 0x3f800000, la a1, c_data; C(c.flw fa0, 8(a1)); fmv.x.w a0, fa0)
    TEST_CASE(33, a0, 0xc0490fdb, mv s11, sp; la sp, c_data; C(c.flwsp ft7, 12(sp)); mv sp, s11; fmv.x.w a0, ft7)
    TEST_CASE(34, a0, 0x40490fdb, la a1, c_scratch; li a2, 0x40490fdb; fmv.w.x fa5, a2; C(c.fsw fa5, 64(a1)); lw a0, 64(a1))
    TEST_CASE(35, a0, 0x3f000000, mv s11, sp; la sp, c_scratch; li a2, 0x3f000000; fmv.w.x ft11, a2;
              C(c.fswsp ft11, 200(sp)); lw a0, 200(sp); mv sp, s11)

    /* ---- jumps: c.j and c.jal forward and back, c.jr and c.jalr; links are pc + 2 */
    TEST_CASE(36, a0, 3, li a0, 0; C(c.j 2f); 1: addi a0, a0, 2; C(c.j 3f); 2: addi a0, a0, 1; C(c.j 1b); 3:)
    TEST_START(37)
    C(1: c.jal 2f)
    j 3f
2:  la a1, 1b + 2
    CHECK_REG(ra, a1)
3:
    TEST_START(38)
    la a1, 2f
    C(c.jr a1)
    li t6, 0                        /* skipped */
    jal ra, isa_fail_value
2:
    TEST_START(39)
    la a1, 2f
    C(1: c.jalr a1)
2:  la a2, 1b + 2
    CHECK_REG(ra, a2)
    TEST_START(40)                  /* c.jalr with ra as the target: read before it is written */
    la ra, 2f
    C(1: c.jalr ra)
2:  la a2, 1b + 2
    CHECK_REG(ra, a2)

    /* ---- c.beqz and c.bnez, taken and not, forward and back */
    TEST_CASE(41, a0, 3, li a0, 0; li a1, 0; C(c.beqz a1, 2f); j 5f; 2: addi a0, a0, 1; j 5f; 4: addi a0, a0, 2; j 6f;
              5: C(c.beqz a1, 4b); 6:)
    TEST_CASE(42, a0, 0, li a0, 0; li a1, 7; C(c.beqz a1, 2f); j 3f; 2: addi a0, a0, 1; 3:)
    TEST_CASE(43, a0, 1, li a0, 0; li s1, -1; C(c.bnez s1, 2f); j 3f; 2: addi a0, a0, 1; 3:)
    TEST_CASE(44, a0, 0, li a0, 0; li s1, 0; C(c.bnez s1, 2f); j 3f; 2: addi a0, a0, 1; 3:)

    /* ---- 4-byte instructions at 2-byte boundaries, reached straight and by jumps */
    TEST_CASE(45, a0, 0x00000006, li a0, 1; C(c.addi a0, 1); addi a0, a0, 4)
    /* (padding only where nothing runs: after a jump) */
    TEST_CASE(46, a0, 0x00000007, li a0, 2; la a1, 2f; jalr zero, 0(a1); li a0, 0; .balign 4; C(c.nop); 2: addi a0, a0, 5)
    TEST_CASE(47, a0, 0x00000009, la a1, 2f + 1; li a0, 0; jalr zero, 0(a1); .balign 4; C(c.nop); 2: addi a0, a0, 9)
                                    /* bit 0 of a jalr target is dropped: no misaligned fetch */

    /* ---- c.ebreak: a breakpoint trap, mepc and mtval its address */
    TEST_TRAP(48, CAUSE_BREAKPOINT, C(7: c.ebreak))
    CHECK_REG(a0, a1)

    /* ---- reserved and unsupported encodings are illegal; mtval holds their 16 bits */
    TEST_ILLEGAL_PARCEL(49, 0x0000)     /* all zeros (c.addi4spn with nzuimm 0) */
    TEST_ILLEGAL_PARCEL(50, 0x0008)     /* c.addi4spn a0 with nzuimm 0 */
    TEST_ILLEGAL_PARCEL(51, 0x2000)     /* c.fld: no D */
    TEST_ILLEGAL_PARCEL(52, 0x8000)     /* quadrant 0, funct3 4: reserved */
    TEST_ILLEGAL_PARCEL(53, 0xa000)     /* c.fsd */
    TEST_ILLEGAL_PARCEL(54, 0x6101)     /* c.addi16sp with nzimm 0 */
    TEST_ILLEGAL_PARCEL(55, 0x6501)     /* c.lui a0 with nzimm 0 */
    TEST_ILLEGAL_PARCEL(56, 0x9c01)     /* c.subw: RV64 */
    TEST_ILLEGAL_PARCEL(57, 0x9c21)     /* c.addw: RV64 */
    TEST_ILLEGAL_PARCEL(58, 0x9001)     /* c.srli with shamt[5]: none on RV32 */
    TEST_ILLEGAL_PARCEL(59, 0x9401)     /* c.srai with shamt[5] */
    TEST_ILLEGAL_PARCEL(60, 0x1502)     /* c.slli a0 with shamt[5] */
    TEST_ILLEGAL_PARCEL(61, 0x4002)     /* c.lwsp with rd x0 */
    TEST_ILLEGAL_PARCEL(62, 0x8002)     /* c.jr with rs1 x0 */
    TEST_ILLEGAL_PARCEL(63, 0x2002)     /* c.fldsp */
    TEST_ILLEGAL_PARCEL(64, 0xa002)     /* c.fsdsp */

    /* ---- HINTs execute as nothing */
    TEST_HINT(65, 0x0005)               /* c.nop with an immediate */
    TEST_HINT(66, 0x4005)               /* c.li x0, 1 */
    TEST_HINT(67, 0x6005)               /* c.lui x0, 1 */
    TEST_HINT(68, 0x802a)               /* c.mv x0, a0 */
    TEST_HINT(69, 0x902a)               /* c.add x0, a0 */
    TEST_HINT(70, 0x0006)               /* c.slli x0, 1 */
    TEST_HINT(71, 0x0501)               /* c.addi a0, 0 */

    /* ---- misa says C */
    TEST_CASE(72, a0, 4, csrr a0, misa; andi a0, a0, 4)

ISA_TESTS_END
