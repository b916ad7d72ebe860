/* The tile's address map and register offsets, the router's port numbers and the tensor
 * engine's operation codes: what every core sees in its tile. Firmware (C and assembly) and the
 * host's models include this one header, so the two cannot disagree.
 *
 * Plain #defines with literal values (no `u` suffix, no casts): .S files include it too. */
#ifndef WVP_TILE_MAP_H
#define WVP_TILE_MAP_H

/* Nothing is mapped below WVP_CLINT_BASE, so null-pointer accesses fault. */
#define WVP_CLINT_BASE          0x02000000 /* CLINT-compatible timer block */
#define WVP_CLINT_SIZE          0x00010000
#define WVP_CLINT_MSIP          0x0000     /* machine software interrupt pending (bit 0) */
#define WVP_CLINT_MTIMECMP      0x4000     /* 64-bit, lo at +0, hi at +4 */
#define WVP_CLINT_MTIME         0xBFF8     /* 64-bit, read-only (ticks = core cycles) */

#define WVP_SYSCTL_BASE         0x02010000 /* tile identity, console, exit */
#define WVP_SYSCTL_SIZE         0x00001000
#define WVP_SYSCTL_X            0x00       /* ro: this core's column */
#define WVP_SYSCTL_Y            0x04       /* ro: this core's row */
#define WVP_SYSCTL_GRID_W       0x08       /* ro */
#define WVP_SYSCTL_GRID_H       0x0C       /* ro */
#define WVP_SYSCTL_CONSOLE      0x10       /* wo: one byte of console output */
#define WVP_SYSCTL_EXIT         0x14       /* wo: halts this core with the written exit code */
#define WVP_SYSCTL_CLOCK_HZ     0x18       /* ro: core clock in Hz, low 32 bits */
#define WVP_SYSCTL_SRAM_SIZE    0x1C       /* ro: local SRAM bytes */
#define WVP_SYSCTL_STEP         0x20       /* rw: profiler step (bits 0-7) and layer (8-15), wvp/phases.h */
#define WVP_SYSCTL_ACTIVITY     0x24       /* rw: profiler activity, wvp/phases.h */
#define WVP_SYSCTL_HOST_OUT     0x28       /* wo: a word for the host, over its link when host.load=links */
#define WVP_SYSCTL_CLOCK_HZ_HI  0x2C       /* ro: core clock in Hz, high 32 bits (clocks from 4.295 GHz) */

/* The tile's router and its queues. Every register is 32-bit. A color is a virtual channel of
 * the fabric; a wavelet is one 32-bit word. */
#define WVP_FABRIC_BASE         0x02020000
#define WVP_FABRIC_SIZE         0x00001000
#define WVP_FABRIC_ROUTE        0x000      /* rw [color * 8 + in_port]: set of output ports */
#define WVP_FABRIC_ROUTE_STRIDE 8
#define WVP_FABRIC_TX           0x400      /* wo [color]: send; waits while the queue is full */
#define WVP_FABRIC_RX           0x480      /* ro [color]: receive; waits while the queue is empty */
#define WVP_FABRIC_RX_COUNT     0x500      /* ro [color]: wavelets waiting to be received */
#define WVP_FABRIC_TX_SPACE     0x580      /* ro [color]: free slots in the send queue */
#define WVP_FABRIC_IRQ_ENABLE   0x600      /* rw: bit c: external interrupt while color c has data */
#define WVP_FABRIC_IRQ_PENDING  0x604      /* ro: enabled colors with data */
#define WVP_FABRIC_COLORS       0x608      /* ro: colors per port */
#define WVP_FABRIC_RX_PEEK      0x680      /* ro [color]: waits while the queue is empty, then reads its first wavelet, leaving it there */
/* A firmware that needs colors 0 to n-1 says so with an absolute symbol of this name and value n
 * (WVP_USES_COLORS in wvp/hal.h): the host refuses a platform with fewer (fabric.colors) before
 * the run, where the firmware would fault on its first route to a color that is not there. */
#define WVP_COLORS_USED_SYMBOL  "wvp_colors_used"

/* Router ports (route register index) and the output-set bits of a route. North is y - 1. */
#define WVP_PORT_N              0
#define WVP_PORT_E              1
#define WVP_PORT_S              2
#define WVP_PORT_W              3
#define WVP_PORT_RAMP           4          /* the local core's queues */
#define WVP_TO_N                0x01
#define WVP_TO_E                0x02
#define WVP_TO_S                0x04
#define WVP_TO_W                0x08
#define WVP_TO_RAMP             0x10

/* The tile's tensor engine: write a descriptor, then GO; models/tensor/tensor_engine.h says how
 * each operation rounds. */
#define WVP_TENSOR_BASE         0x02030000
#define WVP_TENSOR_SIZE         0x00001000
#define WVP_TENSOR_OP           0x00
#define WVP_TENSOR_TYPES        0x04       /* bits 1:0 source type (src0's, and src1's without bit 6), 3:2 destination type, */
#define WVP_TENSOR_FROM_FABRIC  0x10       /*   bit 4: source is the color in SRC0 (COPY only) */
#define WVP_TENSOR_TO_FABRIC    0x20       /*   bit 5: destination is the color in DST (COPY only) */
#define WVP_TENSOR_SRC1_TYPED   0x40       /*   bit 6: src1's type is bits 8:7 (weights in fp16 times an fp32 vector) */
#define WVP_TENSOR_SRC1_TYPE_SHIFT 7
#define WVP_TENSOR_SRC1_TYPE(type) (WVP_TENSOR_SRC1_TYPED | ((type) << WVP_TENSOR_SRC1_TYPE_SHIFT)) /* or'ed into the source type */
#define WVP_TENSOR_KEEP         0x200      /*   bit 9: a combining stream to the fabric also stores each result over src1 */
#define WVP_TENSOR_LEN          0x08       /* elements per row */
#define WVP_TENSOR_ROWS         0x0C
#define WVP_TENSOR_SRC0         0x10
#define WVP_TENSOR_SRC0_STRIDE  0x14       /* in elements */
#define WVP_TENSOR_SRC0_ROW_STRIDE 0x18
#define WVP_TENSOR_SRC1         0x1C
#define WVP_TENSOR_SRC1_STRIDE  0x20
#define WVP_TENSOR_SRC1_ROW_STRIDE 0x24
#define WVP_TENSOR_DST          0x28
#define WVP_TENSOR_DST_STRIDE   0x2C
#define WVP_TENSOR_DST_ROW_STRIDE 0x30
#define WVP_TENSOR_SCALAR       0x34       /* fp32 bits */
#define WVP_TENSOR_GO           0x38       /* wo: start (after the running operation) */
#define WVP_TENSOR_STATUS       0x3C       /* ro: bit 0 busy, bit 1 failed */
#define WVP_TENSOR_WAIT         0x40       /* ro: STATUS once idle (the read waits) */
#define WVP_TENSOR_RESULT       0x44       /* ro: MAX's value (fp32 bits), once idle */
#define WVP_TENSOR_INDEX        0x48       /* ro: MAX's position, once idle */
#define WVP_TENSOR_DONE_CYCLE   0x4C       /* ro: low 32 bits of the cycle the last operation ends */
#define WVP_TENSOR_IRQ_ENABLE   0x50       /* rw: bit 0: external interrupt (MEIP) once it ends */
#define WVP_TENSOR_IRQ_ACK      0x54       /* wo: lowers that interrupt */
#define WVP_TENSOR_FMAC         1
#define WVP_TENSOR_DOT          2
#define WVP_TENSOR_ADD          3
#define WVP_TENSOR_MUL          4
#define WVP_TENSOR_SCALE        5
#define WVP_TENSOR_MAX          6
#define WVP_TENSOR_EXP          7
#define WVP_TENSOR_COPY         8
#define WVP_FP32                0
#define WVP_FP16                1
#define WVP_BF16                2

#define WVP_SRAM_BASE           0x80000000 /* local SRAM; its size is a platform parameter */

#endif /* WVP_TILE_MAP_H */
