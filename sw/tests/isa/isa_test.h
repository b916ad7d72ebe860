/* Self-checking ISA tests: shared definitions for the test files (assembly), the harness
 * (harness.S) and the reporter (isa_main.c).
 *
 * A test file is
 *     #include "isa_test.h"
 *     ISA_TESTS(isa_rv32i)          // the name printed in "PASS isa_rv32i"
 *         TEST_RR(1, add, 3, 1, 2)  // numbered tests, any order, each number used once
 *         ...
 *     ISA_TESTS_END
 * and the CMake rule links it with harness.S and isa_main.c.
 *
 * Protocol: all tests pass -> prints "PASS <name>", exits 0. The first failing check stops
 * the run, prints "FAIL <name> test <n> ..." with expected/got values (or the trap that was
 * not expected) and the pc of the check, and exits with <n> (tests are numbered from 1; a
 * failure outside any test exits with -1). Test numbers can exceed 255, so where exit codes
 * are truncated to 8 bits, the console line is the authority.
 *
 * Register conventions while tests run:
 *   gp (x3)   the current test number; tests must not write it
 *   t5, t6    got / expected value of a failing check; the check macros overwrite them
 *   every other register (sp, ra, tp, s0-s11 included) is free: the harness saves and
 *   restores what C code needs, and its trap handler uses no stack.
 * Each test gets a global label test_<n> (visible in the .dis), which also makes the
 * assembler reject a number used twice.
 */
#ifndef ISA_TEST_H
#define ISA_TEST_H

#include <wvp/hal.h>

/* isa_result: what the reporter prints. */
#define ISA_PASS            0
#define ISA_FAIL_VALUE      1 /* a result register differed */
#define ISA_FAIL_FFLAGS     2 /* fflags differed */
#define ISA_FAIL_TRAP       3 /* a trap that no test expected */
#define ISA_FAIL_NO_TRAP    4 /* a test expected a trap that did not happen */

#define RESULT_KIND         0
#define RESULT_TEST         4
#define RESULT_GOT          8
#define RESULT_EXPECTED     12
#define RESULT_PC           16 /* the failing check, or mepc of the unexpected trap */
#define RESULT_MCAUSE       20
#define RESULT_MTVAL        24
#define RESULT_SIZE         28

/* isa_trap: what the harness's trap handler records about the last trap. A test that
 * expects a trap stores the address to continue at in TRAP_RESUME (TRAP_EXPECT does this);
 * the handler consumes it, so a second trap before the next TRAP_EXPECT is a failure. */
#define TRAP_COUNT          0  /* traps taken so far */
#define TRAP_MCAUSE         4
#define TRAP_MEPC           8
#define TRAP_MTVAL          12
#define TRAP_MSTATUS        16 /* mstatus as the handler found it */
#define TRAP_RESUME         20 /* continue here after the next trap; 0 = none expected */
#define TRAP_SAVE_T1        24
#define TRAP_SAVE_T2        28
#define TRAP_SIZE           32

#ifndef __ASSEMBLER__

#include <stdint.h>

struct isa_result {
  uint32_t kind, test, got, expected, pc, mcause, mtval;
};
extern struct isa_result isa_result;
extern const char isa_name[];
void isa_run(void);

#else /* __ASSEMBLER__ */

/* gp holds the test number here, so the linker must not relax address computations into
 * gp-relative ones. */
    .option norelax

/* ---- Test file frame ------------------------------------------------------------------- */

#define ISA_TESTS(name)                                     \
    .section .rodata;                                       \
    .globl isa_name;                                        \
isa_name: .asciz #name;                                     \
    .text;                                                  \
    .globl isa_tests;                                       \
    .align 2;                                               \
isa_tests:

#define ISA_TESTS_END                                       \
    j isa_pass

/* ---- Building blocks ------------------------------------------------------------------- */

#define TEST_START(n)                                       \
    .globl test_##n;                                        \
test_##n:                                                   \
    li gp, n

/* Fails test gp unless register `got` equals register `exp`. Neither may be t5 or t6. */
#define CHECK_REG(got, exp)                                 \
    mv t5, got;                                             \
    mv t6, exp;                                             \
    beq t5, t6, 1f;                                         \
    jal ra, isa_fail_value;                                 \
1:

/* Fails test gp unless register `got` (not t6) equals the constant `exp`. */
#define CHECK_IMM(got, exp)                                 \
    mv t5, got;                                             \
    li t6, exp;                                             \
    beq t5, t6, 1f;                                         \
    jal ra, isa_fail_value;                                 \
1:

/* The general form: run `code`, then compare register `reg` with `expect`. */
#define TEST_CASE(n, reg, expect, code...)                  \
    TEST_START(n);                                          \
    code;                                                   \
    CHECK_IMM(reg, expect)

/* ---- Integer register-register and register-immediate ----------------------------------- */

/* Distinct registers, then every aliasing of rd with the sources, then x0 as the destination
 * (the write must be discarded). Operands go through a1/a2 so that rd == rs cases are real. */
#define TEST_RR(n, inst, expect, v1, v2)                    \
    TEST_CASE(n, a0, expect, li a1, v1; li a2, v2; inst a0, a1, a2)
#define TEST_RR_RD_IS_RS1(n, inst, expect, v1, v2)          \
    TEST_CASE(n, a1, expect, li a1, v1; li a2, v2; inst a1, a1, a2)
#define TEST_RR_RD_IS_RS2(n, inst, expect, v1, v2)          \
    TEST_CASE(n, a2, expect, li a1, v1; li a2, v2; inst a2, a1, a2)
#define TEST_RR_ALL_SAME(n, inst, expect, v)                \
    TEST_CASE(n, a1, expect, li a1, v; inst a1, a1, a1)
#define TEST_RR_RD_X0(n, inst, v1, v2)                      \
    TEST_CASE(n, x0, 0, li a1, v1; li a2, v2; inst x0, a1, a2)

#define TEST_RI(n, inst, expect, v, imm)                    \
    TEST_CASE(n, a0, expect, li a1, v; inst a0, a1, imm)
#define TEST_RI_RD_IS_RS1(n, inst, expect, v, imm)          \
    TEST_CASE(n, a1, expect, li a1, v; inst a1, a1, imm)

/* ---- Branches ---------------------------------------------------------------------------
 * The branch is executed once with a forward and once with a backward target. a0 counts
 * 1 for a taken forward and 2 for a taken backward branch, so a taken branch yields 3 and
 * a not-taken one 0. */
#define TEST_BRANCH(n, inst, taken, v1, v2)                 \
    TEST_START(n);                                          \
    li a1, v1;                                              \
    li a2, v2;                                              \
    li a0, 0;                                               \
    inst a1, a2, 2f;                                        \
    j 3f;                                                   \
2:  addi a0, a0, 1;                                         \
3:  j 5f;                                                   \
4:  addi a0, a0, 2;                                         \
    j 6f;                                                   \
5:  inst a1, a2, 4b;                                        \
6:  CHECK_IMM(a0, (taken) * 3)

/* ---- Loads and stores --------------------------------------------------------------------
 * `base` is a data label; the access uses a1 = base + bias so that negative offsets are
 * exercised too (offset is relative to a1). */
#define TEST_LOAD(n, inst, expect, base, bias, offset)      \
    TEST_CASE(n, a0, expect, la a1, base + (bias); inst a0, offset(a1))

/* Stores `value` with `inst` at a1 + offset, a1 = isa_store_scratch + bias, then reads back
 * the aligned word. The word is preset to `fill`, so the bytes the store must not touch are
 * checked as well. */
#define TEST_STORE(n, inst, expect, fill, value, bias, offset)  \
    TEST_CASE(n, a0, expect,                                \
        la a1, isa_store_scratch; li a2, fill; sw a2, 0(a1);\
        la a1, isa_store_scratch + (bias);                  \
        li a2, value; inst a2, offset(a1);                  \
        la a1, isa_store_scratch; lw a0, 0(a1))

/* ---- Traps ------------------------------------------------------------------------------- */

/* The next trap is expected: the handler resumes at `resume` (a label) and records it. */
#define TRAP_EXPECT(resume)                                 \
    la t0, resume;                                          \
    la t1, isa_trap;                                        \
    sw t0, TRAP_RESUME(t1)

/* Loads a field of the trap record (TRAP_MCAUSE, ...) into `reg`. */
#define TRAP_FIELD(reg, field)                              \
    la reg, isa_trap;                                       \
    lw reg, field(reg)

/* Runs `code`, which must trap at its label 7: (the faulting instruction), and checks mcause
 * and mepc == 7b. Execution resumes after `code` (which must not define label 8); if nothing
 * traps, the test fails. Leaves mtval in a0 and the address of 7: in a1 for further checks. */
#define TEST_TRAP(n, cause, code...)                        \
    TEST_START(n);                                          \
    TRAP_EXPECT(8f);                                        \
    code;                                                   \
    li t6, cause;                                           \
    jal ra, isa_fail_no_trap;                               \
8:  TRAP_FIELD(a0, TRAP_MCAUSE);                            \
    CHECK_IMM(a0, cause);                                   \
    TRAP_FIELD(a0, TRAP_MEPC);                              \
    la a1, 7b;                                              \
    CHECK_REG(a0, a1);                                      \
    TRAP_FIELD(a0, TRAP_MTVAL)

/* ---- Single-precision floating point ------------------------------------------------------
 * Operands and expectations are bit patterns. A test record in .rodata holds
 * { a, b, c, expected, expected fflags }; isa_fp_load puts a, b, c into fa0, fa1, fa2, a into
 * the integer register a0 as well, and clears fflags. `inst` then computes into fa3 (TEST_FP)
 * or into a0 (TEST_FP_INT); the harness compares the result and then fflags. */
#define FP_RECORD(a, b, c, expect, flags)                   \
    .pushsection .rodata;                                   \
    .align 2;                                               \
9:  .word a, b, c, expect, flags;                           \
    .popsection;                                            \
    la a5, 9b;                                              \
    jal ra, isa_fp_load

#define TEST_FP(n, flags, expect, a, b, c, inst...)         \
    TEST_START(n);                                          \
    FP_RECORD(a, b, c, expect, flags);                      \
    inst;                                                   \
    jal ra, isa_fp_check_fa3

#define TEST_FP_INT(n, flags, expect, a, b, c, inst...)     \
    TEST_START(n);                                          \
    FP_RECORD(a, b, c, expect, flags);                      \
    inst;                                                   \
    jal ra, isa_fp_check_a0

/* Static rounding: the instruction's rm field decides. frm is set to a different mode first,
 * so an implementation that wrongly uses frm is caught. (The macros below are 10-test
 * blocks: test numbers n0..n9 by token pasting, e.g. block 12 -> tests 120..129.) */
#define FRM_OTHER_THAN_rne  FRM_RDN
#define FRM_OTHER_THAN_rtz  FRM_RDN
#define FRM_OTHER_THAN_rdn  FRM_RUP
#define FRM_OTHER_THAN_rup  FRM_RDN
#define FRM_OTHER_THAN_rmm  FRM_RDN
#define FRM_rne FRM_RNE
#define FRM_rtz FRM_RTZ
#define FRM_rdn FRM_RDN
#define FRM_rup FRM_RUP
#define FRM_rmm FRM_RMM

#define TEST_FP_STATIC(n, check, rm, flags, expect, a, b, c, inst...) \
    csrwi frm, FRM_OTHER_THAN_##rm;                         \
    check(n, flags, expect, a, b, c, inst, rm)

#define TEST_FP_DYNAMIC(n, check, rm, flags, expect, a, b, c, inst...) \
    csrwi frm, FRM_##rm;                                    \
    check(n, flags, expect, a, b, c, inst, dyn)

/* All five rounding modes, static (n0..n4) and dynamic (n5..n9). `check` is TEST_FP or
 * TEST_FP_INT; `inst` is the instruction without its rounding-mode operand. */
#define TEST_FP_ROUNDING(n, check, flags, x_rne, x_rtz, x_rdn, x_rup, x_rmm, a, b, c, inst...) \
    TEST_FP_STATIC(n##0, check, rne, flags, x_rne, a, b, c, inst);                    \
    TEST_FP_STATIC(n##1, check, rtz, flags, x_rtz, a, b, c, inst);                    \
    TEST_FP_STATIC(n##2, check, rdn, flags, x_rdn, a, b, c, inst);                    \
    TEST_FP_STATIC(n##3, check, rup, flags, x_rup, a, b, c, inst);                    \
    TEST_FP_STATIC(n##4, check, rmm, flags, x_rmm, a, b, c, inst);                    \
    TEST_FP_DYNAMIC(n##5, check, rne, flags, x_rne, a, b, c, inst);                   \
    TEST_FP_DYNAMIC(n##6, check, rtz, flags, x_rtz, a, b, c, inst);                   \
    TEST_FP_DYNAMIC(n##7, check, rdn, flags, x_rdn, a, b, c, inst);                   \
    TEST_FP_DYNAMIC(n##8, check, rup, flags, x_rup, a, b, c, inst);                   \
    TEST_FP_DYNAMIC(n##9, check, rmm, flags, x_rmm, a, b, c, inst);                   \
    csrwi frm, FRM_RNE

#endif /* __ASSEMBLER__ */

#endif /* ISA_TEST_H */
