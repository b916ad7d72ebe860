/* Fixture for `wafervp run --signature`: main fills the riscv-arch-test style signature region
 * [begin_signature, end_signature) with known words and returns 0. */
    .text
    .globl main
main:
    la      t0, begin_signature
    li      t1, 0x600dc0de
    sw      t1, 0(t0)
    li      t1, -1
    sw      t1, 4(t0)
    sw      zero, 8(t0)
    li      t1, 0x00000123
    sw      t1, 12(t0)
    li      a0, 0
    ret

    .data
    .align 4
    .globl begin_signature, end_signature
begin_signature:
    .word 0xdeadbeef, 0xdeadbeef, 0xdeadbeef, 0xdeadbeef
end_signature:
