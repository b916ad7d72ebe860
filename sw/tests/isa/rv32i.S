/* RV32I: every base instruction, self-checking (protocol in isa_test.h).
 * Expected values follow the RISC-V unprivileged ISA manual, chapter RV32I. */
#include "isa_test.h"

    .data
    .align 3
/* Bytes chosen so every load width sees both sign-bit values and a zero byte. */
isa_load_data: .byte 0x01, 0x80, 0xff, 0x7f, 0x00, 0x8f, 0x70, 0xf0

ISA_TESTS(isa_rv32i)

    /* ---- add / sub: wrap-around, no overflow trap */
    TEST_RR(1, add, 0x00000000, 0x00000000, 0x00000000)
    TEST_RR(2, add, 0x00000003, 0x00000001, 0x00000002)
    TEST_RR(3, add, 0x80000000, 0x7fffffff, 0x00000001)
    TEST_RR(4, add, 0x00000000, 0xffffffff, 0x00000001)
    TEST_RR(5, add, 0x7fffffff, 0x80000000, 0xffffffff)
    TEST_RR(6, add, 0x99999999, 0x12345678, 0x87654321)
    TEST_RR_RD_IS_RS1(7, add, 0x00000008, 0x00000003, 0x00000005)
    TEST_RR_RD_IS_RS2(8, add, 0x00000008, 0x00000003, 0x00000005)
    TEST_RR_ALL_SAME(9, add, 0x00000006, 0x00000003)
    TEST_RR_RD_X0(10, add, 0x00000003, 0x00000005)
    TEST_RR(11, sub, 0x00000000, 0x00000000, 0x00000000)
    TEST_RR(12, sub, 0xfffffffe, 0x00000003, 0x00000005)
    TEST_RR(13, sub, 0x7fffffff, 0x80000000, 0x00000001)
    TEST_RR(14, sub, 0xffffffff, 0x00000000, 0x00000001)
    TEST_RR(15, sub, 0x80000000, 0x7fffffff, 0xffffffff)
    TEST_RR(16, sub, 0x7530eca9, 0x87654321, 0x12345678)
    TEST_RR_RD_IS_RS1(17, sub, 0x00000008, 0x0000000d, 0x00000005)
    TEST_RR_RD_IS_RS2(18, sub, 0x00000008, 0x0000000d, 0x00000005)
    TEST_RR_ALL_SAME(19, sub, 0x00000000, 0x0000000d)
    TEST_RR_RD_X0(20, sub, 0x0000000d, 0x00000005)

    /* ---- addi: 12-bit sign-extended immediate */
    TEST_RI(21, addi, 0x00000000, 0x00000000, 0)
    TEST_RI(22, addi, 0x00000800, 0x00000001, 2047)
    TEST_RI(23, addi, 0xfffff801, 0x00000001, -2048)
    TEST_RI(24, addi, 0x80000000, 0x7fffffff, 1)
    TEST_RI(25, addi, 0x00000000, 0xffffffff, 1)
    TEST_RI(26, addi, 0x7fffffff, 0x80000000, -1)
    TEST_RI_RD_IS_RS1(27, addi, 0xfffffffe, 0x00000005, -7)

    /* ---- logic: register and sign-extended immediate forms */
    TEST_RR(28, and, 0x0f000f00, 0xff00ff00, 0x0ff00ff0)
    TEST_RR(29, and, 0x12345678, 0xffffffff, 0x12345678)
    TEST_RR_RD_IS_RS1(30, and, 0x30303030, 0xf0f0f0f0, 0x3c3c3c3c)
    TEST_RR_RD_IS_RS2(31, and, 0x30303030, 0xf0f0f0f0, 0x3c3c3c3c)
    TEST_RR_ALL_SAME(32, and, 0xf0f0f0f0, 0xf0f0f0f0)
    TEST_RR_RD_X0(33, and, 0xf0f0f0f0, 0x3c3c3c3c)
    TEST_RR(34, or, 0xfff0fff0, 0xff00ff00, 0x0ff00ff0)
    TEST_RR(35, or, 0xffffffff, 0xffffffff, 0x12345678)
    TEST_RR_RD_IS_RS1(36, or, 0xfcfcfcfc, 0xf0f0f0f0, 0x3c3c3c3c)
    TEST_RR_RD_IS_RS2(37, or, 0xfcfcfcfc, 0xf0f0f0f0, 0x3c3c3c3c)
    TEST_RR_ALL_SAME(38, or, 0xf0f0f0f0, 0xf0f0f0f0)
    TEST_RR_RD_X0(39, or, 0xf0f0f0f0, 0x3c3c3c3c)
    TEST_RR(40, xor, 0xf0f0f0f0, 0xff00ff00, 0x0ff00ff0)
    TEST_RR(41, xor, 0xedcba987, 0xffffffff, 0x12345678)
    TEST_RR_RD_IS_RS1(42, xor, 0xcccccccc, 0xf0f0f0f0, 0x3c3c3c3c)
    TEST_RR_RD_IS_RS2(43, xor, 0xcccccccc, 0xf0f0f0f0, 0x3c3c3c3c)
    TEST_RR_ALL_SAME(44, xor, 0x00000000, 0xf0f0f0f0)
    TEST_RR_RD_X0(45, xor, 0xf0f0f0f0, 0x3c3c3c3c)
    TEST_RI(46, andi, 0x00000000, 0xff00ff00, 240)
    TEST_RI(47, andi, 0x12345678, 0x12345678, -1)
    TEST_RI(48, andi, 0x00ff0000, 0x00ff00ff, -2048)
    TEST_RI_RD_IS_RS1(49, andi, 0x00000700, 0xff00ff00, 1807)
    TEST_RI(50, ori, 0xff00fff0, 0xff00ff00, 240)
    TEST_RI(51, ori, 0xffffffff, 0x12345678, -1)
    TEST_RI(52, ori, 0xfffff8ff, 0x00ff00ff, -2048)
    TEST_RI_RD_IS_RS1(53, ori, 0xff00ff0f, 0xff00ff00, 1807)
    TEST_RI(54, xori, 0xff00fff0, 0xff00ff00, 240)
    TEST_RI(55, xori, 0xedcba987, 0x12345678, -1)
    TEST_RI(56, xori, 0xff00f8ff, 0x00ff00ff, -2048)
    TEST_RI_RD_IS_RS1(57, xori, 0xff00f80f, 0xff00ff00, 1807)

    /* ---- shifts: by 0, 1, 31; register amounts use only bits 4:0 */
    TEST_RR(58, sll, 0x80000001, 0x80000001, 0x00000000)
    TEST_RR(59, sll, 0x00000002, 0x80000001, 0x00000001)
    TEST_RR(60, sll, 0x80000000, 0x80000001, 0x0000001f)
    TEST_RR(61, sll, 0x80000001, 0x80000001, 0x00000020)
    TEST_RR(62, sll, 0x00000002, 0x80000001, 0x00000021)
    TEST_RR(63, sll, 0x00000002, 0x80000001, 0xffffffe1)
    TEST_RR(64, sll, 0x80000000, 0x80000001, 0xffffffff)
    TEST_RR(65, srl, 0x80000001, 0x80000001, 0x00000000)
    TEST_RR(66, srl, 0x40000000, 0x80000001, 0x00000001)
    TEST_RR(67, srl, 0x00000001, 0x80000001, 0x0000001f)
    TEST_RR(68, srl, 0x80000001, 0x80000001, 0x00000020)
    TEST_RR(69, srl, 0x40000000, 0x80000001, 0x00000021)
    TEST_RR(70, srl, 0x40000000, 0x80000001, 0xffffffe1)
    TEST_RR(71, srl, 0x00000001, 0x80000001, 0xffffffff)
    TEST_RR(72, sra, 0x80000001, 0x80000001, 0x00000000)
    TEST_RR(73, sra, 0xc0000000, 0x80000001, 0x00000001)
    TEST_RR(74, sra, 0xffffffff, 0x80000001, 0x0000001f)
    TEST_RR(75, sra, 0x80000001, 0x80000001, 0x00000020)
    TEST_RR(76, sra, 0xc0000000, 0x80000001, 0x00000021)
    TEST_RR(77, sra, 0xc0000000, 0x80000001, 0xffffffe1)
    TEST_RR(78, sra, 0xffffffff, 0x80000001, 0xffffffff)
    TEST_RR(79, sra, 0x7ffffffe, 0x7ffffffe, 0x00000000)
    TEST_RR(80, sra, 0x3fffffff, 0x7ffffffe, 0x00000001)
    TEST_RR(81, sra, 0x00000000, 0x7ffffffe, 0x0000001f)
    TEST_RR(82, sra, 0x7ffffffe, 0x7ffffffe, 0x00000020)
    TEST_RR(83, sra, 0x3fffffff, 0x7ffffffe, 0x00000021)
    TEST_RR(84, sra, 0x3fffffff, 0x7ffffffe, 0xffffffe1)
    TEST_RR(85, sra, 0x00000000, 0x7ffffffe, 0xffffffff)
    TEST_RR_RD_IS_RS1(86, sll, 0x12345670, 0x81234567, 0x00000004)
    TEST_RR_RD_IS_RS2(87, sll, 0x12345670, 0x81234567, 0x00000004)
    TEST_RR_ALL_SAME(88, sll, 0x91a2b380, 0x81234567)
    TEST_RR_RD_X0(89, sll, 0x81234567, 0x00000004)
    TEST_RR_RD_IS_RS1(90, srl, 0x08123456, 0x81234567, 0x00000004)
    TEST_RR_RD_IS_RS2(91, srl, 0x08123456, 0x81234567, 0x00000004)
    TEST_RR_ALL_SAME(92, srl, 0x0102468a, 0x81234567)
    TEST_RR_RD_X0(93, srl, 0x81234567, 0x00000004)
    TEST_RR_RD_IS_RS1(94, sra, 0xf8123456, 0x81234567, 0x00000004)
    TEST_RR_RD_IS_RS2(95, sra, 0xf8123456, 0x81234567, 0x00000004)
    TEST_RR_ALL_SAME(96, sra, 0xff02468a, 0x81234567)
    TEST_RR_RD_X0(97, sra, 0x81234567, 0x00000004)
    TEST_RI(98, slli, 0x80000001, 0x80000001, 0)
    TEST_RI(99, slli, 0x00000002, 0x80000001, 1)
    TEST_RI(100, slli, 0x80000000, 0x80000001, 31)
    TEST_RI(101, srli, 0x80000001, 0x80000001, 0)
    TEST_RI(102, srli, 0x40000000, 0x80000001, 1)
    TEST_RI(103, srli, 0x00000001, 0x80000001, 31)
    TEST_RI(104, srai, 0x80000001, 0x80000001, 0)
    TEST_RI(105, srai, 0xc0000000, 0x80000001, 1)
    TEST_RI(106, srai, 0xffffffff, 0x80000001, 31)
    TEST_RI(107, srai, 0x7ffffffe, 0x7ffffffe, 0)
    TEST_RI(108, srai, 0x3fffffff, 0x7ffffffe, 1)
    TEST_RI(109, srai, 0x00000000, 0x7ffffffe, 31)
    TEST_RI_RD_IS_RS1(110, slli, 0x91a2b380, 0x81234567, 7)
    TEST_RI_RD_IS_RS1(111, srli, 0x0102468a, 0x81234567, 7)
    TEST_RI_RD_IS_RS1(112, srai, 0xff02468a, 0x81234567, 7)

    /* ---- set-less-than: signed vs unsigned */
    TEST_RR(113, slt, 0x00000000, 0x00000000, 0x00000000)
    TEST_RR(114, slt, 0x00000000, 0x00000001, 0x00000001)
    TEST_RR(115, slt, 0x00000001, 0x00000000, 0x00000001)
    TEST_RR(116, slt, 0x00000000, 0x00000001, 0x00000000)
    TEST_RR(117, slt, 0x00000001, 0xffffffff, 0x00000001)
    TEST_RR(118, slt, 0x00000000, 0x00000001, 0xffffffff)
    TEST_RR(119, slt, 0x00000001, 0x80000000, 0x7fffffff)
    TEST_RR(120, slt, 0x00000000, 0x7fffffff, 0x80000000)
    TEST_RR(121, slt, 0x00000000, 0x80000000, 0x80000000)
    TEST_RR_RD_IS_RS1(122, slt, 0x00000001, 0x00000003, 0x00000007)
    TEST_RR_RD_IS_RS2(123, slt, 0x00000001, 0x00000003, 0x00000007)
    TEST_RR_ALL_SAME(124, slt, 0x00000000, 0x00000003)
    TEST_RR_RD_X0(125, slt, 0x00000003, 0x00000007)
    TEST_RR(126, sltu, 0x00000000, 0x00000000, 0x00000000)
    TEST_RR(127, sltu, 0x00000000, 0x00000001, 0x00000001)
    TEST_RR(128, sltu, 0x00000001, 0x00000000, 0x00000001)
    TEST_RR(129, sltu, 0x00000000, 0x00000001, 0x00000000)
    TEST_RR(130, sltu, 0x00000000, 0xffffffff, 0x00000001)
    TEST_RR(131, sltu, 0x00000001, 0x00000001, 0xffffffff)
    TEST_RR(132, sltu, 0x00000000, 0x80000000, 0x7fffffff)
    TEST_RR(133, sltu, 0x00000001, 0x7fffffff, 0x80000000)
    TEST_RR(134, sltu, 0x00000000, 0x80000000, 0x80000000)
    TEST_RR_RD_IS_RS1(135, sltu, 0x00000001, 0x00000003, 0x00000007)
    TEST_RR_RD_IS_RS2(136, sltu, 0x00000001, 0x00000003, 0x00000007)
    TEST_RR_ALL_SAME(137, sltu, 0x00000000, 0x00000003)
    TEST_RR_RD_X0(138, sltu, 0x00000003, 0x00000007)
    TEST_RI(139, slti, 0x00000000, 0x00000000, 0)
    TEST_RI(140, slti, 0x00000001, 0x00000000, 1)
    TEST_RI(141, slti, 0x00000001, 0xffffffff, 0)
    TEST_RI(142, slti, 0x00000000, 0xffffffff, -1)
    TEST_RI(143, slti, 0x00000001, 0xfffffffe, -1)
    TEST_RI(144, slti, 0x00000000, 0x7fffffff, -2048)
    TEST_RI(145, slti, 0x00000001, 0x80000000, 2047)
    TEST_RI(146, slti, 0x00000000, 0x000007ff, 2047)
    TEST_RI_RD_IS_RS1(147, slti, 0x00000001, 0xfffffff0, -1)
    TEST_RI(148, sltiu, 0x00000000, 0x00000000, 0)
    TEST_RI(149, sltiu, 0x00000001, 0x00000000, 1)
    TEST_RI(150, sltiu, 0x00000000, 0xffffffff, 0)
    TEST_RI(151, sltiu, 0x00000000, 0xffffffff, -1)
    TEST_RI(152, sltiu, 0x00000001, 0xfffffffe, -1)
    TEST_RI(153, sltiu, 0x00000001, 0x7fffffff, -2048)
    TEST_RI(154, sltiu, 0x00000000, 0x80000000, 2047)
    TEST_RI(155, sltiu, 0x00000000, 0x000007ff, 2047)
    TEST_RI_RD_IS_RS1(156, sltiu, 0x00000001, 0xfffffff0, -1)

    /* ---- branches: taken / not taken, forward and backward, signed vs unsigned boundaries */
    TEST_BRANCH(157, beq, 1, 0x00000000, 0x00000000)
    TEST_BRANCH(158, beq, 0, 0x00000001, 0x00000000)
    TEST_BRANCH(159, beq, 0, 0x00000000, 0x00000001)
    TEST_BRANCH(160, beq, 0, 0xffffffff, 0x00000001)
    TEST_BRANCH(161, beq, 0, 0x00000001, 0xffffffff)
    TEST_BRANCH(162, beq, 0, 0x80000000, 0x7fffffff)
    TEST_BRANCH(163, beq, 0, 0x7fffffff, 0x80000000)
    TEST_BRANCH(164, beq, 1, 0xffffffff, 0xffffffff)
    TEST_BRANCH(165, bne, 0, 0x00000000, 0x00000000)
    TEST_BRANCH(166, bne, 1, 0x00000001, 0x00000000)
    TEST_BRANCH(167, bne, 1, 0x00000000, 0x00000001)
    TEST_BRANCH(168, bne, 1, 0xffffffff, 0x00000001)
    TEST_BRANCH(169, bne, 1, 0x00000001, 0xffffffff)
    TEST_BRANCH(170, bne, 1, 0x80000000, 0x7fffffff)
    TEST_BRANCH(171, bne, 1, 0x7fffffff, 0x80000000)
    TEST_BRANCH(172, bne, 0, 0xffffffff, 0xffffffff)
    TEST_BRANCH(173, blt, 0, 0x00000000, 0x00000000)
    TEST_BRANCH(174, blt, 0, 0x00000001, 0x00000000)
    TEST_BRANCH(175, blt, 1, 0x00000000, 0x00000001)
    TEST_BRANCH(176, blt, 1, 0xffffffff, 0x00000001)
    TEST_BRANCH(177, blt, 0, 0x00000001, 0xffffffff)
    TEST_BRANCH(178, blt, 1, 0x80000000, 0x7fffffff)
    TEST_BRANCH(179, blt, 0, 0x7fffffff, 0x80000000)
    TEST_BRANCH(180, blt, 0, 0xffffffff, 0xffffffff)
    TEST_BRANCH(181, bge, 1, 0x00000000, 0x00000000)
    TEST_BRANCH(182, bge, 1, 0x00000001, 0x00000000)
    TEST_BRANCH(183, bge, 0, 0x00000000, 0x00000001)
    TEST_BRANCH(184, bge, 0, 0xffffffff, 0x00000001)
    TEST_BRANCH(185, bge, 1, 0x00000001, 0xffffffff)
    TEST_BRANCH(186, bge, 0, 0x80000000, 0x7fffffff)
    TEST_BRANCH(187, bge, 1, 0x7fffffff, 0x80000000)
    TEST_BRANCH(188, bge, 1, 0xffffffff, 0xffffffff)
    TEST_BRANCH(189, bltu, 0, 0x00000000, 0x00000000)
    TEST_BRANCH(190, bltu, 0, 0x00000001, 0x00000000)
    TEST_BRANCH(191, bltu, 1, 0x00000000, 0x00000001)
    TEST_BRANCH(192, bltu, 0, 0xffffffff, 0x00000001)
    TEST_BRANCH(193, bltu, 1, 0x00000001, 0xffffffff)
    TEST_BRANCH(194, bltu, 0, 0x80000000, 0x7fffffff)
    TEST_BRANCH(195, bltu, 1, 0x7fffffff, 0x80000000)
    TEST_BRANCH(196, bltu, 0, 0xffffffff, 0xffffffff)
    TEST_BRANCH(197, bgeu, 1, 0x00000000, 0x00000000)
    TEST_BRANCH(198, bgeu, 1, 0x00000001, 0x00000000)
    TEST_BRANCH(199, bgeu, 0, 0x00000000, 0x00000001)
    TEST_BRANCH(200, bgeu, 1, 0xffffffff, 0x00000001)
    TEST_BRANCH(201, bgeu, 0, 0x00000001, 0xffffffff)
    TEST_BRANCH(202, bgeu, 1, 0x80000000, 0x7fffffff)
    TEST_BRANCH(203, bgeu, 0, 0x7fffffff, 0x80000000)
    TEST_BRANCH(204, bgeu, 1, 0xffffffff, 0xffffffff)

    /* ---- loads: every width and offset, sign/zero extension, positive and negative offsets */
    TEST_LOAD(205, lb, 0x00000001, isa_load_data, 0, 0)
    TEST_LOAD(206, lb, 0xffffff80, isa_load_data, 0, 1)
    TEST_LOAD(207, lb, 0xffffffff, isa_load_data, 0, 2)
    TEST_LOAD(208, lb, 0x0000007f, isa_load_data, 0, 3)
    TEST_LOAD(209, lb, 0x00000000, isa_load_data, 0, 4)
    TEST_LOAD(210, lb, 0xffffff8f, isa_load_data, 0, 5)
    TEST_LOAD(211, lb, 0x00000070, isa_load_data, 0, 6)
    TEST_LOAD(212, lb, 0xfffffff0, isa_load_data, 0, 7)
    TEST_LOAD(213, lb, 0x00000001, isa_load_data, 8, -8)
    TEST_LOAD(214, lb, 0xffffff80, isa_load_data, 8, -7)
    TEST_LOAD(215, lb, 0xffffffff, isa_load_data, 8, -6)
    TEST_LOAD(216, lb, 0x0000007f, isa_load_data, 8, -5)
    TEST_LOAD(217, lb, 0x00000000, isa_load_data, 8, -4)
    TEST_LOAD(218, lb, 0xffffff8f, isa_load_data, 8, -3)
    TEST_LOAD(219, lb, 0x00000070, isa_load_data, 8, -2)
    TEST_LOAD(220, lb, 0xfffffff0, isa_load_data, 8, -1)
    TEST_LOAD(221, lbu, 0x00000001, isa_load_data, 0, 0)
    TEST_LOAD(222, lbu, 0x00000080, isa_load_data, 0, 1)
    TEST_LOAD(223, lbu, 0x000000ff, isa_load_data, 0, 2)
    TEST_LOAD(224, lbu, 0x0000007f, isa_load_data, 0, 3)
    TEST_LOAD(225, lbu, 0x00000000, isa_load_data, 0, 4)
    TEST_LOAD(226, lbu, 0x0000008f, isa_load_data, 0, 5)
    TEST_LOAD(227, lbu, 0x00000070, isa_load_data, 0, 6)
    TEST_LOAD(228, lbu, 0x000000f0, isa_load_data, 0, 7)
    TEST_LOAD(229, lbu, 0x00000001, isa_load_data, 8, -8)
    TEST_LOAD(230, lbu, 0x00000080, isa_load_data, 8, -7)
    TEST_LOAD(231, lbu, 0x000000ff, isa_load_data, 8, -6)
    TEST_LOAD(232, lbu, 0x0000007f, isa_load_data, 8, -5)
    TEST_LOAD(233, lbu, 0x00000000, isa_load_data, 8, -4)
    TEST_LOAD(234, lbu, 0x0000008f, isa_load_data, 8, -3)
    TEST_LOAD(235, lbu, 0x00000070, isa_load_data, 8, -2)
    TEST_LOAD(236, lbu, 0x000000f0, isa_load_data, 8, -1)
    TEST_LOAD(237, lh, 0xffff8001, isa_load_data, 0, 0)
    TEST_LOAD(238, lh, 0x00007fff, isa_load_data, 0, 2)
    TEST_LOAD(239, lh, 0xffff8f00, isa_load_data, 0, 4)
    TEST_LOAD(240, lh, 0xfffff070, isa_load_data, 0, 6)
    TEST_LOAD(241, lh, 0xffff8001, isa_load_data, 8, -8)
    TEST_LOAD(242, lh, 0x00007fff, isa_load_data, 8, -6)
    TEST_LOAD(243, lh, 0xffff8f00, isa_load_data, 8, -4)
    TEST_LOAD(244, lh, 0xfffff070, isa_load_data, 8, -2)
    TEST_LOAD(245, lhu, 0x00008001, isa_load_data, 0, 0)
    TEST_LOAD(246, lhu, 0x00007fff, isa_load_data, 0, 2)
    TEST_LOAD(247, lhu, 0x00008f00, isa_load_data, 0, 4)
    TEST_LOAD(248, lhu, 0x0000f070, isa_load_data, 0, 6)
    TEST_LOAD(249, lhu, 0x00008001, isa_load_data, 8, -8)
    TEST_LOAD(250, lhu, 0x00007fff, isa_load_data, 8, -6)
    TEST_LOAD(251, lhu, 0x00008f00, isa_load_data, 8, -4)
    TEST_LOAD(252, lhu, 0x0000f070, isa_load_data, 8, -2)
    TEST_LOAD(253, lw, 0x7fff8001, isa_load_data, 0, 0)
    TEST_LOAD(254, lw, 0xf0708f00, isa_load_data, 0, 4)
    TEST_LOAD(255, lw, 0x7fff8001, isa_load_data, 8, -8)
    TEST_LOAD(256, lw, 0xf0708f00, isa_load_data, 8, -4)

    /* ---- stores: every width and offset; neighbouring bytes stay untouched */
    TEST_STORE(257, sb, 0x5a5a5aef, 0x5a5a5a5a, 0x123456ef, 0, 0)
    TEST_STORE(258, sb, 0x5a5aef5a, 0x5a5a5a5a, 0x123456ef, 0, 1)
    TEST_STORE(259, sb, 0x5aef5a5a, 0x5a5a5a5a, 0x123456ef, 0, 2)
    TEST_STORE(260, sb, 0xef5a5a5a, 0x5a5a5a5a, 0x123456ef, 0, 3)
    TEST_STORE(261, sb, 0x5a5a5aef, 0x5a5a5a5a, 0x123456ef, 4, -4)
    TEST_STORE(262, sb, 0x5a5aef5a, 0x5a5a5a5a, 0x123456ef, 4, -3)
    TEST_STORE(263, sb, 0x5aef5a5a, 0x5a5a5a5a, 0x123456ef, 4, -2)
    TEST_STORE(264, sb, 0xef5a5a5a, 0x5a5a5a5a, 0x123456ef, 4, -1)
    TEST_STORE(265, sh, 0x5a5aabcd, 0x5a5a5a5a, 0x1234abcd, 0, 0)
    TEST_STORE(266, sh, 0xabcd5a5a, 0x5a5a5a5a, 0x1234abcd, 0, 2)
    TEST_STORE(267, sh, 0x5a5aabcd, 0x5a5a5a5a, 0x1234abcd, 4, -4)
    TEST_STORE(268, sh, 0xabcd5a5a, 0x5a5a5a5a, 0x1234abcd, 4, -2)
    TEST_STORE(269, sw, 0x89abcdef, 0x5a5a5a5a, 0x89abcdef, 0, 0)
    TEST_STORE(270, sw, 0x89abcdef, 0x5a5a5a5a, 0x89abcdef, 4, -4)

    /* ---- loads and stores with rd/rs2 equal to the base register; x0 as load destination */
    TEST_CASE(300, a1, 0xf0708f00, la a1, isa_load_data; lw a1, 4(a1))
    TEST_CASE(301, x0, 0, la a1, isa_load_data; lw x0, 0(a1))
    TEST_START(302)
    la      a1, isa_store_scratch
    sw      a1, 0(a1)               /* stores its own base address */
    lw      a0, 0(a1)
    la      a2, isa_store_scratch
    CHECK_REG(a0, a2)

    /* ---- lui / auipc */
    TEST_CASE(310, a0, 0x00000000, lui a0, 0)
    TEST_CASE(311, a0, 0x12345000, li a0, -1; lui a0, 0x12345)  /* low 12 bits are cleared */
    TEST_CASE(312, a0, 0x80000000, lui a0, 0x80000)
    TEST_CASE(313, a0, 0xfffff000, lui a0, 0xfffff)
    TEST_CASE(314, x0, 0, lui x0, 0x12345)
    TEST_START(315)
7:  auipc   a0, 0
    la      a1, 7b
    CHECK_REG(a0, a1)
    TEST_START(316)
7:  auipc   a0, 0x12345
    la      a1, 7b
    li      a2, 0x12345000
    add     a1, a1, a2
    CHECK_REG(a0, a1)
    TEST_START(317)
7:  auipc   a0, 0xfffff             /* -4096: the immediate is the upper 20 bits */
    la      a1, 7b - 4096
    CHECK_REG(a0, a1)

    /* ---- jal: links pc + 4, jumps forward and backward; x0 link is discarded */
    TEST_START(320)
    li      a0, 0
7:  jal     a3, 2f
    li      a0, 1                   /* must be skipped */
2:  la      a4, 7b + 4
    CHECK_REG(a3, a4)
    CHECK_IMM(a0, 0)
    TEST_START(321)
    li      a0, 0
    j       3f
2:  addi    a0, a0, 1
    j       4f
3:  jal     x0, 2b
4:  CHECK_IMM(a0, 1)
    CHECK_IMM(x0, 0)

    /* ---- jalr: target = (rs1 + imm) & ~1, link = pc + 4, rd == rs1 reads rs1 first */
    TEST_START(330)
    li      a0, 0
    la      a1, 2f - 8
7:  jalr    a3, 8(a1)
    li      a0, 1
2:  la      a4, 7b + 4
    CHECK_REG(a3, a4)
    CHECK_IMM(a0, 0)
    TEST_START(331)
    li      a0, 0
    la      a1, 2f + 12
    jalr    a3, -12(a1)
    li      a0, 1
2:  CHECK_IMM(a0, 0)
    TEST_START(332)                 /* bit 0 of the sum is cleared: no misaligned trap */
    li      a0, 0
    la      a1, 2f
    jalr    a3, 1(a1)
    li      a0, 1
2:  CHECK_IMM(a0, 0)
    TEST_START(333)
    li      a0, 0
    la      a1, 2f + 1
    jalr    a3, 0(a1)
    li      a0, 1
2:  CHECK_IMM(a0, 0)
    TEST_START(334)                 /* rd == rs1 */
    li      a0, 0
    la      a1, 2f
7:  jalr    a1, 0(a1)
    li      a0, 1
2:  la      a4, 7b + 4
    CHECK_REG(a1, a4)
    CHECK_IMM(a0, 0)
    TEST_START(335)                 /* x0 link: a plain indirect jump */
    li      a0, 0
    la      a1, 2f
    jalr    x0, 0(a1)
    li      a0, 1
2:  CHECK_IMM(a0, 0)
    CHECK_IMM(x0, 0)

    /* ---- x0 stays zero whatever is written to it */
    TEST_CASE(340, x0, 0, addi x0, x0, 5)
    TEST_CASE(341, x0, 0, li a1, 7; add x0, a1, a1)
    TEST_CASE(342, a0, 0, addi x0, x0, 5; add a0, x0, x0)

    /* ---- fence: ordering only, no architectural effect on a single core */
    TEST_CASE(350, a0, 5, li a0, 5; fence; fence rw, rw; fence iorw, iorw)

ISA_TESTS_END
