/* RV32F rounding: every rounding instruction in all five rounding modes, once with the
 * static rm field (n0..n4, frm set to a different mode meanwhile) and once dynamically
 * through frm (n5..n9); see TEST_FP_ROUNDING in isa_test.h. For each instruction, three
 * operand sets (a tie, a negative tie, a case just above the midpoint) give the five modes
 * different results wherever the operation allows it. Expected values were computed with
 * exact rational arithmetic per IEEE 754-2008; fflags are the same in every mode here. */
#include "isa_test.h"

ISA_TESTS(isa_rv32f_rounding)

    /* ---- fadd.s */
    /* 1 + 2^-24: tie, even neighbour below */
    TEST_FP_ROUNDING(11, TEST_FP, FFLAGS_NX, 0x3f800000, 0x3f800000, 0x3f800000, 0x3f800001, 0x3f800001, 0x3f800000, 0x33800000, 0x00000000, fadd.s fa3, fa0, fa1)
    /* -1 - 2^-24: negative tie */
    TEST_FP_ROUNDING(12, TEST_FP, FFLAGS_NX, 0xbf800000, 0xbf800000, 0xbf800001, 0xbf800000, 0xbf800001, 0xbf800000, 0xb3800000, 0x00000000, fadd.s fa3, fa0, fa1)
    /* 1 + 1.5*2^-24: above the midpoint */
    TEST_FP_ROUNDING(13, TEST_FP, FFLAGS_NX, 0x3f800001, 0x3f800000, 0x3f800000, 0x3f800001, 0x3f800001, 0x3f800000, 0x33c00000, 0x00000000, fadd.s fa3, fa0, fa1)

    /* ---- fsub.s */
    /* 1 - (-2^-24): tie */
    TEST_FP_ROUNDING(21, TEST_FP, FFLAGS_NX, 0x3f800000, 0x3f800000, 0x3f800000, 0x3f800001, 0x3f800001, 0x3f800000, 0xb3800000, 0x00000000, fsub.s fa3, fa0, fa1)
    /* -1 - 2^-24: negative tie */
    TEST_FP_ROUNDING(22, TEST_FP, FFLAGS_NX, 0xbf800000, 0xbf800000, 0xbf800001, 0xbf800000, 0xbf800001, 0xbf800000, 0x33800000, 0x00000000, fsub.s fa3, fa0, fa1)
    /* 1 + 1.5*2^-24: above the midpoint */
    TEST_FP_ROUNDING(23, TEST_FP, FFLAGS_NX, 0x3f800001, 0x3f800000, 0x3f800000, 0x3f800001, 0x3f800001, 0x3f800000, 0xb3c00000, 0x00000000, fsub.s fa3, fa0, fa1)

    /* ---- fmul.s */
    /* (1 + 3*2^-23) * 1.5: tie, even neighbour below */
    TEST_FP_ROUNDING(31, TEST_FP, FFLAGS_NX, 0x3fc00004, 0x3fc00004, 0x3fc00004, 0x3fc00005, 0x3fc00005, 0x3f800003, 0x3fc00000, 0x00000000, fmul.s fa3, fa0, fa1)
    /* negative tie */
    TEST_FP_ROUNDING(32, TEST_FP, FFLAGS_NX, 0xbfc00004, 0xbfc00004, 0xbfc00005, 0xbfc00004, 0xbfc00005, 0xbf800003, 0x3fc00000, 0x00000000, fmul.s fa3, fa0, fa1)
    /* negative, just above the midpoint */
    TEST_FP_ROUNDING(33, TEST_FP, FFLAGS_NX, 0xbfc00006, 0xbfc00005, 0xbfc00006, 0xbfc00005, 0xbfc00006, 0xbf800003, 0x3fc00001, 0x00000000, fmul.s fa3, fa0, fa1)

    /* ---- fdiv.s */
    /* 3*2^-149 / 2: subnormal tie (also UF) */
    TEST_FP_ROUNDING(41, TEST_FP, FFLAGS_UF|FFLAGS_NX, 0x00000002, 0x00000001, 0x00000001, 0x00000002, 0x00000002, 0x00000003, 0x40000000, 0x00000000, fdiv.s fa3, fa0, fa1)
    /* -5*2^-149 / 2: negative subnormal tie */
    TEST_FP_ROUNDING(42, TEST_FP, FFLAGS_UF|FFLAGS_NX, 0x80000002, 0x80000002, 0x80000003, 0x80000002, 0x80000003, 0x80000005, 0x40000000, 0x00000000, fdiv.s fa3, fa0, fa1)
    /* -1/3 */
    TEST_FP_ROUNDING(43, TEST_FP, FFLAGS_NX, 0xbeaaaaab, 0xbeaaaaaa, 0xbeaaaaab, 0xbeaaaaaa, 0xbeaaaaab, 0xbf800000, 0x40400000, 0x00000000, fdiv.s fa3, fa0, fa1)

    /* ---- fsqrt.s */
    /* sqrt(2): below the midpoint (square roots never tie) */
    TEST_FP_ROUNDING(51, TEST_FP, FFLAGS_NX, 0x3fb504f3, 0x3fb504f3, 0x3fb504f3, 0x3fb504f4, 0x3fb504f3, 0x40000000, 0x00000000, 0x00000000, fsqrt.s fa3, fa0)
    /* sqrt(3): above the midpoint */
    TEST_FP_ROUNDING(52, TEST_FP, FFLAGS_NX, 0x3fddb3d7, 0x3fddb3d7, 0x3fddb3d7, 0x3fddb3d8, 0x3fddb3d7, 0x40400000, 0x00000000, 0x00000000, fsqrt.s fa3, fa0)
    /* sqrt(1 + 2^-23) */
    TEST_FP_ROUNDING(53, TEST_FP, FFLAGS_NX, 0x3f800000, 0x3f800000, 0x3f800000, 0x3f800001, 0x3f800000, 0x3f800001, 0x00000000, 0x00000000, fsqrt.s fa3, fa0)
    /* (square roots of positive numbers never tie: RTZ = RDN and RNE = RMM here) */

    /* ---- fmadd.s */
    /* A*A + 0: tie (A = 1 + 2^-12) */
    TEST_FP_ROUNDING(61, TEST_FP, FFLAGS_NX, 0x3f801000, 0x3f801000, 0x3f801000, 0x3f801001, 0x3f801001, 0x3f800800, 0x3f800800, 0x00000000, fmadd.s fa3, fa0, fa1, fa2)
    /* -A*A + -0: negative tie */
    TEST_FP_ROUNDING(62, TEST_FP, FFLAGS_NX, 0xbf801000, 0xbf801000, 0xbf801001, 0xbf801000, 0xbf801001, 0xbf800800, 0x3f800800, 0x80000000, fmadd.s fa3, fa0, fa1, fa2)
    /* A*A + 2^-25: above the midpoint */
    TEST_FP_ROUNDING(63, TEST_FP, FFLAGS_NX, 0x3f801001, 0x3f801000, 0x3f801000, 0x3f801001, 0x3f801001, 0x3f800800, 0x3f800800, 0x33000000, fmadd.s fa3, fa0, fa1, fa2)

    /* ---- fmsub.s */
    /* A*A - 0: tie */
    TEST_FP_ROUNDING(71, TEST_FP, FFLAGS_NX, 0x3f801000, 0x3f801000, 0x3f801000, 0x3f801001, 0x3f801001, 0x3f800800, 0x3f800800, 0x00000000, fmsub.s fa3, fa0, fa1, fa2)
    /* -A*A - 0: negative tie */
    TEST_FP_ROUNDING(72, TEST_FP, FFLAGS_NX, 0xbf801000, 0xbf801000, 0xbf801001, 0xbf801000, 0xbf801001, 0xbf800800, 0x3f800800, 0x00000000, fmsub.s fa3, fa0, fa1, fa2)
    /* A*A + 2^-25: above the midpoint */
    TEST_FP_ROUNDING(73, TEST_FP, FFLAGS_NX, 0x3f801001, 0x3f801000, 0x3f801000, 0x3f801001, 0x3f801001, 0x3f800800, 0x3f800800, 0xb3000000, fmsub.s fa3, fa0, fa1, fa2)

    /* ---- fnmsub.s */
    /* -(-A*A) + 0: tie */
    TEST_FP_ROUNDING(81, TEST_FP, FFLAGS_NX, 0x3f801000, 0x3f801000, 0x3f801000, 0x3f801001, 0x3f801001, 0xbf800800, 0x3f800800, 0x00000000, fnmsub.s fa3, fa0, fa1, fa2)
    /* -(A*A) + -0: negative tie */
    TEST_FP_ROUNDING(82, TEST_FP, FFLAGS_NX, 0xbf801000, 0xbf801000, 0xbf801001, 0xbf801000, 0xbf801001, 0x3f800800, 0x3f800800, 0x80000000, fnmsub.s fa3, fa0, fa1, fa2)
    /* A*A + 2^-25: above the midpoint */
    TEST_FP_ROUNDING(83, TEST_FP, FFLAGS_NX, 0x3f801001, 0x3f801000, 0x3f801000, 0x3f801001, 0x3f801001, 0xbf800800, 0x3f800800, 0x33000000, fnmsub.s fa3, fa0, fa1, fa2)

    /* ---- fnmadd.s */
    /* -(-A*A) - -0: tie */
    TEST_FP_ROUNDING(91, TEST_FP, FFLAGS_NX, 0x3f801000, 0x3f801000, 0x3f801000, 0x3f801001, 0x3f801001, 0xbf800800, 0x3f800800, 0x80000000, fnmadd.s fa3, fa0, fa1, fa2)
    /* -(A*A) - 0: negative tie */
    TEST_FP_ROUNDING(92, TEST_FP, FFLAGS_NX, 0xbf801000, 0xbf801000, 0xbf801001, 0xbf801000, 0xbf801001, 0x3f800800, 0x3f800800, 0x00000000, fnmadd.s fa3, fa0, fa1, fa2)
    /* A*A + 2^-25: above the midpoint */
    TEST_FP_ROUNDING(93, TEST_FP, FFLAGS_NX, 0x3f801001, 0x3f801000, 0x3f801000, 0x3f801001, 0x3f801001, 0xbf800800, 0x3f800800, 0xb3000000, fnmadd.s fa3, fa0, fa1, fa2)

    /* ---- fcvt.w.s */
    /* 2.5 */
    TEST_FP_ROUNDING(101, TEST_FP_INT, FFLAGS_NX, 0x00000002, 0x00000002, 0x00000002, 0x00000003, 0x00000003, 0x40200000, 0x00000000, 0x00000000, fcvt.w.s a0, fa0)
    /* -2.5 */
    TEST_FP_ROUNDING(102, TEST_FP_INT, FFLAGS_NX, 0xfffffffe, 0xfffffffe, 0xfffffffd, 0xfffffffe, 0xfffffffd, 0xc0200000, 0x00000000, 0x00000000, fcvt.w.s a0, fa0)
    /* 1.75 */
    TEST_FP_ROUNDING(103, TEST_FP_INT, FFLAGS_NX, 0x00000002, 0x00000001, 0x00000001, 0x00000002, 0x00000002, 0x3fe00000, 0x00000000, 0x00000000, fcvt.w.s a0, fa0)

    /* ---- fcvt.wu.s */
    /* 2.5 */
    TEST_FP_ROUNDING(111, TEST_FP_INT, FFLAGS_NX, 0x00000002, 0x00000002, 0x00000002, 0x00000003, 0x00000003, 0x40200000, 0x00000000, 0x00000000, fcvt.wu.s a0, fa0)
    /* 3.5 */
    TEST_FP_ROUNDING(112, TEST_FP_INT, FFLAGS_NX, 0x00000004, 0x00000003, 0x00000003, 0x00000004, 0x00000004, 0x40600000, 0x00000000, 0x00000000, fcvt.wu.s a0, fa0)
    /* 1.25 */
    TEST_FP_ROUNDING(113, TEST_FP_INT, FFLAGS_NX, 0x00000001, 0x00000001, 0x00000001, 0x00000002, 0x00000001, 0x3fa00000, 0x00000000, 0x00000000, fcvt.wu.s a0, fa0)
    /* (in-range unsigned results are non-negative: RTZ = RDN here) */

    /* ---- fcvt.s.w */
    /* 2^24 + 1: tie, even neighbour below */
    TEST_FP_ROUNDING(121, TEST_FP, FFLAGS_NX, 0x4b800000, 0x4b800000, 0x4b800000, 0x4b800001, 0x4b800001, 0x01000001, 0x00000000, 0x00000000, fcvt.s.w fa3, a0)
    /* -(2^24 + 1): negative tie */
    TEST_FP_ROUNDING(122, TEST_FP, FFLAGS_NX, 0xcb800000, 0xcb800000, 0xcb800001, 0xcb800000, 0xcb800001, 0xfeffffff, 0x00000000, 0x00000000, fcvt.s.w fa3, a0)
    /* 2^31 - 1: above the midpoint */
    TEST_FP_ROUNDING(123, TEST_FP, FFLAGS_NX, 0x4f000000, 0x4effffff, 0x4effffff, 0x4f000000, 0x4f000000, 0x7fffffff, 0x00000000, 0x00000000, fcvt.s.w fa3, a0)

    /* ---- fcvt.s.wu */
    /* 2^24 + 1: tie, even neighbour below */
    TEST_FP_ROUNDING(131, TEST_FP, FFLAGS_NX, 0x4b800000, 0x4b800000, 0x4b800000, 0x4b800001, 0x4b800001, 0x01000001, 0x00000000, 0x00000000, fcvt.s.wu fa3, a0)
    /* 2^24 + 3: tie, even neighbour above */
    TEST_FP_ROUNDING(132, TEST_FP, FFLAGS_NX, 0x4b800002, 0x4b800001, 0x4b800001, 0x4b800002, 0x4b800002, 0x01000003, 0x00000000, 0x00000000, fcvt.s.wu fa3, a0)
    /* 2^32 - 1: above the midpoint */
    TEST_FP_ROUNDING(133, TEST_FP, FFLAGS_NX, 0x4f800000, 0x4f7fffff, 0x4f7fffff, 0x4f800000, 0x4f800000, 0xffffffff, 0x00000000, 0x00000000, fcvt.s.wu fa3, a0)
    /* (unsigned sources are non-negative: RTZ = RDN here) */

ISA_TESTS_END
