/* uint32_t loop_kernel(uint32_t iterations)
 *
 * The inner loop of the `loop` benchmark: exactly ten integer instructions per iteration,
 * all register to register (no loads or stores), so it measures the ISS's raw dispatch rate.
 * Each iteration advances an LCG (x = x * 1664525 + 1013904223) and mixes x into a hash
 * (h ^= x; h = rotl(h, 5); h ^= x >> 16). Returns h; iterations must be at least 1. */
    .text
    .globl loop_kernel
    .type loop_kernel, @function
loop_kernel:
    li      a1, 1664525
    li      a2, 1013904223
    li      a3, 1               /* x: the LCG state */
    li      a4, 0               /* h: the hash */
1:  mul     a3, a3, a1
    add     a3, a3, a2
    xor     a4, a4, a3
    slli    t0, a4, 5
    srli    t1, a4, 27
    or      a4, t0, t1
    srli    t2, a3, 16
    xor     a4, a4, t2
    addi    a0, a0, -1
    bnez    a0, 1b
    mv      a0, a4
    ret
    .size loop_kernel, . - loop_kernel
