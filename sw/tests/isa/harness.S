/* Runs a test file's isa_tests body and records the outcome in isa_result (see isa_test.h).
 * Tests may clobber every register but gp, so everything C needs is restored from memory on
 * the way out, and the trap handler works without a stack. */
#include "isa_test.h"

    .bss
    .align 3
    .globl isa_result, isa_trap, isa_store_scratch
isa_result:        .space RESULT_SIZE
isa_trap:          .space TRAP_SIZE
isa_store_scratch: .space 8
isa_saved_sp:      .space 4

/* void isa_run(void) */
    .text
    .globl isa_run
    .type isa_run, @function
isa_run:
    addi    sp, sp, -64
    sw      ra, 0(sp)
    sw      gp, 4(sp)
    sw      tp, 8(sp)
    sw      s0, 12(sp)
    sw      s1, 16(sp)
    sw      s2, 20(sp)
    sw      s3, 24(sp)
    sw      s4, 28(sp)
    sw      s5, 32(sp)
    sw      s6, 36(sp)
    sw      s7, 40(sp)
    sw      s8, 44(sp)
    sw      s9, 48(sp)
    sw      s10, 52(sp)
    sw      s11, 56(sp)
    csrr    t0, mstatus
    sw      t0, 60(sp)
    la      t0, isa_saved_sp
    sw      sp, 0(t0)
    la      t0, isa_trap_vector
    csrw    mtvec, t0
    li      gp, 0
    j       isa_tests

/* Failure entry points, reached with jal ra, ... from a check (so ra - 4 is its pc), with
 * gp = test number, t5 = got, t6 = expected. */
    .globl isa_fail_value, isa_fail_fflags, isa_fail_no_trap, isa_pass
isa_fail_value:
    li      t4, ISA_FAIL_VALUE
    j       record_failure
isa_fail_fflags:
    li      t4, ISA_FAIL_FFLAGS
    j       record_failure
isa_fail_no_trap:
    li      t4, ISA_FAIL_NO_TRAP
    la      t0, isa_trap        /* the unused resume address must not catch a later trap */
    sw      zero, TRAP_RESUME(t0)
record_failure:
    la      t0, isa_result
    sw      t4, RESULT_KIND(t0)
    sw      gp, RESULT_TEST(t0)
    sw      t5, RESULT_GOT(t0)
    sw      t6, RESULT_EXPECTED(t0)
    addi    ra, ra, -4
    sw      ra, RESULT_PC(t0)
    j       finish

isa_pass:
    la      t0, isa_result
    sw      zero, RESULT_KIND(t0)

finish:
    /* Leave the machine as C found it: no handler, no interrupts, timer disarmed. */
    csrw    mtvec, zero
    csrw    mie, zero
    li      t0, WVP_CLINT_BASE + WVP_CLINT_MTIMECMP
    li      t1, -1
    sw      t1, 0(t0)
    sw      t1, 4(t0)
    la      t0, isa_saved_sp
    lw      sp, 0(t0)
    lw      t0, 60(sp)
    csrw    mstatus, t0
    lw      ra, 0(sp)
    lw      gp, 4(sp)
    lw      tp, 8(sp)
    lw      s0, 12(sp)
    lw      s1, 16(sp)
    lw      s2, 20(sp)
    lw      s3, 24(sp)
    lw      s4, 28(sp)
    lw      s5, 32(sp)
    lw      s6, 36(sp)
    lw      s7, 40(sp)
    lw      s8, 44(sp)
    lw      s9, 48(sp)
    lw      s10, 52(sp)
    lw      s11, 56(sp)
    addi    sp, sp, 64
    ret
    .size isa_run, . - isa_run

/* Records mcause/mepc/mtval/mstatus and resumes where the test asked (TRAP_EXPECT). A trap no
 * test asked for ends the run. The only interrupt source the tests enable is the machine
 * timer: the handler disarms it (mtimecmp = max) so it does not fire again after mret. */
    .align 2
    .globl isa_trap_vector
isa_trap_vector:
    csrw    mscratch, t0
    la      t0, isa_trap
    sw      t1, TRAP_SAVE_T1(t0)
    sw      t2, TRAP_SAVE_T2(t0)
    lw      t1, TRAP_COUNT(t0)
    addi    t1, t1, 1
    sw      t1, TRAP_COUNT(t0)
    csrr    t1, mepc
    sw      t1, TRAP_MEPC(t0)
    csrr    t1, mtval
    sw      t1, TRAP_MTVAL(t0)
    csrr    t1, mstatus
    sw      t1, TRAP_MSTATUS(t0)
    csrr    t1, mcause
    sw      t1, TRAP_MCAUSE(t0)
    bgez    t1, 1f              /* bit 31 clear: an exception */
    li      t1, WVP_CLINT_BASE + WVP_CLINT_MTIMECMP
    li      t2, -1
    sw      t2, 0(t1)
    sw      t2, 4(t1)
1:  lw      t1, TRAP_RESUME(t0)
    beqz    t1, unexpected_trap
    sw      zero, TRAP_RESUME(t0)
    csrw    mepc, t1
    lw      t1, TRAP_SAVE_T1(t0)
    lw      t2, TRAP_SAVE_T2(t0)
    csrr    t0, mscratch
    mret

unexpected_trap:
    la      t1, isa_result
    li      t2, ISA_FAIL_TRAP
    sw      t2, RESULT_KIND(t1)
    sw      gp, RESULT_TEST(t1)
    csrr    t2, mepc
    sw      t2, RESULT_PC(t1)
    csrr    t2, mcause
    sw      t2, RESULT_MCAUSE(t1)
    csrr    t2, mtval
    sw      t2, RESULT_MTVAL(t1)
    j       finish              /* still in the handler, but all state is reset there */

/* isa_fp_load: a5 = test record { a, b, c, expected, fflags }. Loads fa0, fa1, fa2 = a, b, c
 * and a0 = a, and clears fflags. Returns with ret, so it must be called with jal ra. */
    .globl isa_fp_load
isa_fp_load:
    flw     fa0, 0(a5)
    flw     fa1, 4(a5)
    flw     fa2, 8(a5)
    lw      a0, 0(a5)
    csrwi   fflags, 0
    ret

/* isa_fp_check_fa3 / isa_fp_check_a0: compare the result (fa3's bits / a0) with the record's
 * expected value, then fflags with its expected flags. On a mismatch they jump (not call) to
 * the failure entries, so ra still points just past the test's call. */
    .globl isa_fp_check_fa3, isa_fp_check_a0
isa_fp_check_fa3:
    fmv.x.w a0, fa3
isa_fp_check_a0:
    mv      t5, a0
    lw      t6, 12(a5)
    bne     t5, t6, isa_fail_value
    csrr    t5, fflags
    lw      t6, 16(a5)
    bne     t5, t6, isa_fail_fflags
    ret
