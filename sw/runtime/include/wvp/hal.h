/* Hardware abstraction for wafervp firmware: CSR bit names and small inline accessors over the
 * tile's registers (their addresses: wvp/tile_map.h, shared with the host).
 *
 * Included by RISC-V C code (everything below) and assembly (.S files: only the #defines, hence
 * plain literals without a `u` suffix and no casts). */
#ifndef WVP_HAL_H
#define WVP_HAL_H

#include <wvp/tile_map.h>

/* ---- CSR bits (RISC-V privileged spec, machine mode) ------------------------------------- */

#define MSTATUS_MIE             0x00000008
#define MSTATUS_MPIE            0x00000080
#define MSTATUS_MPP             0x00001800 /* always 3 (M) here: the core has no other mode */
#define MSTATUS_FS              0x00006000
#define MSTATUS_FS_OFF          0x00000000
#define MSTATUS_FS_INITIAL      0x00002000
#define MSTATUS_FS_CLEAN        0x00004000
#define MSTATUS_FS_DIRTY        0x00006000
#define MSTATUS_SD              0x80000000 /* read-only summary: FS == Dirty */

/* mie and mip share the bit positions. */
#define MIE_MSIE                0x00000008
#define MIE_MTIE                0x00000080
#define MIE_MEIE                0x00000800
#define MIP_MSIP                MIE_MSIE
#define MIP_MTIP                MIE_MTIE
#define MIP_MEIP                MIE_MEIE

#define MCAUSE_INTERRUPT        0x80000000
#define CAUSE_MISALIGNED_FETCH  0
#define CAUSE_FETCH_ACCESS      1
#define CAUSE_ILLEGAL_INSTRUCTION 2
#define CAUSE_BREAKPOINT        3
#define CAUSE_MISALIGNED_LOAD   4
#define CAUSE_LOAD_ACCESS       5
#define CAUSE_MISALIGNED_STORE  6
#define CAUSE_STORE_ACCESS      7
#define CAUSE_MACHINE_ECALL     11
#define IRQ_M_SOFT              3
#define IRQ_M_TIMER             7
#define IRQ_M_EXT               11

/* fcsr: frm in bits 7:5, fflags in bits 4:0. */
#define FFLAGS_NX               0x01 /* inexact */
#define FFLAGS_UF               0x02 /* underflow */
#define FFLAGS_OF               0x04 /* overflow */
#define FFLAGS_DZ               0x08 /* divide by zero */
#define FFLAGS_NV               0x10 /* invalid operation */
#define FRM_RNE                 0
#define FRM_RTZ                 1
#define FRM_RDN                 2
#define FRM_RUP                 3
#define FRM_RMM                 4

#if defined(__riscv) && !defined(__ASSEMBLER__)

#include <stdint.h>
#include <wvp/phases.h>

/* ---- CSR access ---------------------------------------------------------------------------
 * `csr` is the CSR's assembler name (mstatus, mtvec, 0x340, ...). The "rK" constraint lets
 * small constants use the immediate forms (csrwi/csrsi/csrci). */
#define read_csr(csr)                                                  \
  ({                                                                   \
    uint32_t wvp_csr_value_;                                           \
    __asm__ volatile("csrr %0, " #csr : "=r"(wvp_csr_value_));         \
    wvp_csr_value_;                                                    \
  })
#define write_csr(csr, val) \
  __asm__ volatile("csrw " #csr ", %0" : : "rK"((uint32_t)(val)) : "memory")
#define set_csr(csr, bits) \
  __asm__ volatile("csrs " #csr ", %0" : : "rK"((uint32_t)(bits)) : "memory")
#define clear_csr(csr, bits) \
  __asm__ volatile("csrc " #csr ", %0" : : "rK"((uint32_t)(bits)) : "memory")

/* ---- Memory-mapped registers --------------------------------------------------------------- */

static inline volatile uint32_t *wvp_reg(uint32_t addr) {
  return (volatile uint32_t *)(uintptr_t)addr;
}
static inline uint32_t wvp_sysctl_read(uint32_t offset) {
  return *wvp_reg(WVP_SYSCTL_BASE + offset);
}

static inline uint32_t wvp_x(void) { return wvp_sysctl_read(WVP_SYSCTL_X); }
static inline uint32_t wvp_y(void) { return wvp_sysctl_read(WVP_SYSCTL_Y); }
static inline uint32_t wvp_grid_w(void) { return wvp_sysctl_read(WVP_SYSCTL_GRID_W); }
static inline uint32_t wvp_grid_h(void) { return wvp_sysctl_read(WVP_SYSCTL_GRID_H); }
static inline uint64_t wvp_clock_hz(void) {
  return ((uint64_t)wvp_sysctl_read(WVP_SYSCTL_CLOCK_HZ_HI) << 32) | wvp_sysctl_read(WVP_SYSCTL_CLOCK_HZ);
}
static inline uint32_t wvp_sram_size(void) { return wvp_sysctl_read(WVP_SYSCTL_SRAM_SIZE); }

/* Row-major index of this core in the grid: 0 .. W*H-1. */
static inline uint32_t wvp_core_id(void) { return wvp_y() * wvp_grid_w() + wvp_x(); }

static inline void wvp_putc(char c) {
  *wvp_reg(WVP_SYSCTL_BASE + WVP_SYSCTL_CONSOLE) = (uint8_t)c;
}

/* Sends `word` to the host: the platform hands it to the host's link, which delivers it (in the
 * order sent) some link latency later. What the word means is the firmware's and the host's
 * agreement (the decode firmware's generated tokens: wvp/model_layout.h). */
static inline void wvp_host_out(uint32_t word) { *wvp_reg(WVP_SYSCTL_BASE + WVP_SYSCTL_HOST_OUT) = word; }

/* Writes s as is (unlike puts(), no newline is appended). Needs no libc. */
static inline void wvp_puts(const char *s) {
  while (*s) wvp_putc(*s++);
}

/* Halts this core with `code`. The loop only covers the time until the platform acts on the
 * write; execution never continues past it. */
__attribute__((noreturn)) static inline void wvp_exit(int code) {
  *wvp_reg(WVP_SYSCTL_BASE + WVP_SYSCTL_EXIT) = (uint32_t)code;
  for (;;) __asm__ volatile("");
}

/* ---- Profiler markers (wvp/phases.h) ---------------------------------------------------------
 * A step lasts until the next one; the activity returns to CORE at each new step. */
static inline void wvp_step(uint32_t step, uint32_t layer) {
  *wvp_reg(WVP_SYSCTL_BASE + WVP_SYSCTL_STEP) = step | (layer << 8);
}
/* Sets the activity and returns the one before, for wvp_activity_end (libraries nest). */
static inline uint32_t wvp_activity_begin(uint32_t activity) {
  const uint32_t before = wvp_sysctl_read(WVP_SYSCTL_ACTIVITY);
  *wvp_reg(WVP_SYSCTL_BASE + WVP_SYSCTL_ACTIVITY) = activity;
  return before;
}
static inline void wvp_activity_end(uint32_t before) { *wvp_reg(WVP_SYSCTL_BASE + WVP_SYSCTL_ACTIVITY) = before; }

/* ---- Fabric queues ---------------------------------------------------------------------------
 * Wavelets of `color` entering this tile's router through `in_port` leave through the ports in
 * `outputs` (several: multicast). A wavelet that meets no route waits for one. */
static inline void wvp_route(uint32_t color, uint32_t in_port, uint32_t outputs) {
  *wvp_reg(WVP_FABRIC_BASE + WVP_FABRIC_ROUTE + 4 * (WVP_FABRIC_ROUTE_STRIDE * color + in_port)) = outputs;
}

/* This program uses colors 0 to n-1: an absolute symbol (WVP_COLORS_USED_SYMBOL) tells the host,
 * which refuses a platform with fewer before the run. Once per program, at file scope; n made of
 * literals the assembler can evaluate. */
#define WVP_USES_COLORS(n) \
  __asm__(".globl " WVP_COLORS_USED_SYMBOL "\n.set " WVP_COLORS_USED_SYMBOL ", " WVP_STRINGIFY(n))
#define WVP_STRINGIFY(x) WVP_STRINGIFY_TEXT(x)
#define WVP_STRINGIFY_TEXT(x) #x

/* Blocking: the core waits (no host time) while the send queue is full / the receive queue is
 * empty. */
static inline void wvp_send(uint32_t color, uint32_t wavelet) {
  *wvp_reg(WVP_FABRIC_BASE + WVP_FABRIC_TX + 4 * color) = wavelet;
}
static inline uint32_t wvp_recv(uint32_t color) { return *wvp_reg(WVP_FABRIC_BASE + WVP_FABRIC_RX + 4 * color); }
/* Waits for a wavelet and returns it, leaving it to be received. */
static inline uint32_t wvp_peek(uint32_t color) { return *wvp_reg(WVP_FABRIC_BASE + WVP_FABRIC_RX_PEEK + 4 * color); }

static inline uint32_t wvp_rx_count(uint32_t color) {
  return *wvp_reg(WVP_FABRIC_BASE + WVP_FABRIC_RX_COUNT + 4 * color);
}
static inline uint32_t wvp_tx_space(uint32_t color) {
  return *wvp_reg(WVP_FABRIC_BASE + WVP_FABRIC_TX_SPACE + 4 * color);
}

/* Non-blocking: 1 if the wavelet went / came, 0 if the queue was full / empty. */
static inline int wvp_try_send(uint32_t color, uint32_t wavelet) {
  if (!wvp_tx_space(color)) return 0;
  wvp_send(color, wavelet);
  return 1;
}
static inline int wvp_try_recv(uint32_t color, uint32_t *wavelet) {
  if (!wvp_rx_count(color)) return 0;
  *wavelet = wvp_recv(color);
  return 1;
}

static inline void wvp_send_f32(uint32_t color, float value) {
  union { float f; uint32_t u; } v = {.f = value};
  wvp_send(color, v.u);
}
static inline float wvp_recv_f32(uint32_t color) {
  union { uint32_t u; float f; } v = {.u = wvp_recv(color)};
  return v.f;
}

/* ---- Tensor engine ---------------------------------------------------------------------------
 * One strided operand: address, element stride and row stride (both in elements). */
typedef struct {
  const void *addr;
  int32_t stride, row_stride;
} wvp_operand;

static inline void wvp_tensor_reg(uint32_t offset, uint32_t value) { *wvp_reg(WVP_TENSOR_BASE + offset) = value; }

static inline void wvp_tensor_operand(uint32_t base_reg, wvp_operand o) {
  wvp_tensor_reg(base_reg, (uint32_t)(uintptr_t)o.addr);
  wvp_tensor_reg(base_reg + 4, (uint32_t)o.stride);
  wvp_tensor_reg(base_reg + 8, (uint32_t)o.row_stride);
}

/* Starts `op` over rows x len elements; returns at once (wvp_tensor_wait() to finish). */
static inline void wvp_tensor_start(uint32_t op, uint32_t src_type, uint32_t dst_type, uint32_t len, uint32_t rows,
                                    wvp_operand src0, wvp_operand src1, wvp_operand dst) {
  wvp_tensor_reg(WVP_TENSOR_OP, op);
  wvp_tensor_reg(WVP_TENSOR_TYPES, src_type | (dst_type << 2));
  wvp_tensor_reg(WVP_TENSOR_LEN, len);
  wvp_tensor_reg(WVP_TENSOR_ROWS, rows);
  wvp_tensor_operand(WVP_TENSOR_SRC0, src0);
  wvp_tensor_operand(WVP_TENSOR_SRC1, src1);
  wvp_tensor_operand(WVP_TENSOR_DST, dst);
  wvp_tensor_reg(WVP_TENSOR_GO, 1);
}

/* Starts the described stream; returns its STATUS once the last wavelet has moved. */
static inline uint32_t wvp_tensor_go(void) {
  wvp_tensor_reg(WVP_TENSOR_GO, 1);
  return *wvp_reg(WVP_TENSOR_BASE + WVP_TENSOR_STATUS);
}

/* Streams between SRAM and a fabric color, one element per wavelet (fp16/bf16 in the low half);
 * the call returns when the last wavelet has moved. A stream is one row of unit-stride elements,
 * so its descriptor leaves the row strides alone, which one row never reads. The _describe forms
 * write the descriptor only, for wvp_tensor_go() to start: a core can then go the moment a peek
 * sees data. */
static inline void wvp_tensor_describe_stream(uint32_t op, uint32_t types, uint32_t n, uintptr_t src0, uintptr_t src1,
                                              uintptr_t dst) {
  wvp_tensor_reg(WVP_TENSOR_OP, op);
  wvp_tensor_reg(WVP_TENSOR_TYPES, types);
  wvp_tensor_reg(WVP_TENSOR_LEN, n);
  wvp_tensor_reg(WVP_TENSOR_ROWS, 1);
  wvp_tensor_reg(WVP_TENSOR_SRC0, (uint32_t)src0);
  wvp_tensor_reg(WVP_TENSOR_SRC0_STRIDE, 1);
  wvp_tensor_reg(WVP_TENSOR_SRC1, (uint32_t)src1);
  wvp_tensor_reg(WVP_TENSOR_SRC1_STRIDE, 1);
  wvp_tensor_reg(WVP_TENSOR_DST, (uint32_t)dst);
  wvp_tensor_reg(WVP_TENSOR_DST_STRIDE, 1);
}
static inline void wvp_tensor_describe_stream_in(uint32_t color, uint32_t type, void *dst, uint32_t n) {
  wvp_tensor_describe_stream(WVP_TENSOR_COPY, type | WVP_TENSOR_FROM_FABRIC | (type << 2), n, color, 0, (uintptr_t)dst);
}
static inline uint32_t wvp_tensor_stream_in(uint32_t color, uint32_t type, void *dst, uint32_t n) {
  wvp_tensor_describe_stream_in(color, type, dst, n);
  return wvp_tensor_go();
}
static inline uint32_t wvp_tensor_stream_out(uint32_t color, uint32_t type, const void *src, uint32_t n) {
  wvp_tensor_describe_stream(WVP_TENSOR_COPY, type | WVP_TENSOR_TO_FABRIC | (type << 2), n, (uintptr_t)src, 0, color);
  return wvp_tensor_go();
}

/* Forwards n wavelets from color `from` to color `to` as they come, one per cycle, keeping a copy
 * of each at dst. */
static inline void wvp_tensor_describe_stream_forward(uint32_t from, uint32_t to, uint32_t type, void *dst, uint32_t n) {
  wvp_tensor_reg(WVP_TENSOR_SCALAR, to);
  wvp_tensor_describe_stream(WVP_TENSOR_COPY, type | WVP_TENSOR_FROM_FABRIC | WVP_TENSOR_TO_FABRIC | (type << 2), n, from, 0,
                             (uintptr_t)dst);
}
static inline uint32_t wvp_tensor_stream_forward(uint32_t from, uint32_t to, uint32_t type, void *dst, uint32_t n) {
  wvp_tensor_describe_stream_forward(from, to, type, dst, n);
  return wvp_tensor_go();
}

/* Combines n wavelets from color `from` with the elements of `own` as they come, one per cycle
 * (op WVP_TENSOR_ADD: w + own[i]; WVP_TENSOR_MAX: w > own[i] ? w : own[i]). `out` says where each
 * result goes: 0, to address `to` (which may be `own`); WVP_TENSOR_TO_FABRIC, on along color `to`;
 * WVP_TENSOR_TO_FABRIC | WVP_TENSOR_KEEP, on along color `to` and over own[i] too (a line's root
 * broadcasts what it reduces as it reduces it). */
static inline uint32_t wvp_tensor_stream_combine(uint32_t op, uint32_t from, uint32_t type, const void *own, uint32_t out,
                                                 uintptr_t to, uint32_t n) {
  wvp_tensor_describe_stream(op, type | WVP_TENSOR_FROM_FABRIC | out | (type << 2), n, from, (uintptr_t)own, to);
  return wvp_tensor_go();
}

/* Waits until the engine is idle; returns STATUS (bit 1: the last operation failed). */
static inline uint32_t wvp_tensor_wait(void) { return *wvp_reg(WVP_TENSOR_BASE + WVP_TENSOR_WAIT); }
static inline int wvp_tensor_busy(void) { return *wvp_reg(WVP_TENSOR_BASE + WVP_TENSOR_STATUS) & 1; }

/* mtime is 64 bits but rv32 reads it in two halves: re-read until the high half did not
 * change, so a carry between the two reads cannot produce a value off by 2^32. */
static inline uint64_t wvp_mtime(void) {
  volatile uint32_t *mtime = wvp_reg(WVP_CLINT_BASE + WVP_CLINT_MTIME);
  uint32_t hi, lo;
  do {
    hi = mtime[1];
    lo = mtime[0];
  } while (mtime[1] != hi);
  return ((uint64_t)hi << 32) | lo;
}

/* Sets mtimecmp in the order the privileged spec recommends: lo goes to all-ones first, so
 * neither intermediate value ({old hi, ~0} and {new hi, ~0}) is smaller than the old or the
 * new compare value, and no spurious timer interrupt can fire in between. */
static inline void wvp_set_timer(uint64_t when) {
  volatile uint32_t *cmp = wvp_reg(WVP_CLINT_BASE + WVP_CLINT_MTIMECMP);
  cmp[0] = 0xFFFFFFFFu;
  cmp[1] = (uint32_t)(when >> 32);
  cmp[0] = (uint32_t)when;
}

#endif /* __riscv && !__ASSEMBLER__ */

#endif /* WVP_HAL_H */
