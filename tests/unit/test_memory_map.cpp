// The firmware's HAL (sw/runtime/include/wvp/hal.h) and the platform's address map must agree:
// every address and register offset firmware uses is compared with the platform's constant.
#include <gtest/gtest.h>

#include "platform/memory_map.h"
#include "sw/runtime/include/wvp/hal.h"

namespace wvp::test {
namespace {

using namespace memmap;

TEST(MemoryMap, HalMirrorsThePlatform) {
  EXPECT_EQ(WVP_CLINT_BASE, kClintBase);
  EXPECT_EQ(WVP_CLINT_SIZE, kClintSize);
  EXPECT_EQ(WVP_CLINT_MSIP, kClintMsip);
  EXPECT_EQ(WVP_CLINT_MTIMECMP, kClintMtimecmp);
  EXPECT_EQ(WVP_CLINT_MTIME, kClintMtime);
  EXPECT_EQ(WVP_SYSCTL_BASE, kSysctlBase);
  EXPECT_EQ(WVP_SYSCTL_SIZE, kSysctlSize);
  EXPECT_EQ(WVP_SYSCTL_X, kSysctlX);
  EXPECT_EQ(WVP_SYSCTL_Y, kSysctlY);
  EXPECT_EQ(WVP_SYSCTL_GRID_W, kSysctlGridW);
  EXPECT_EQ(WVP_SYSCTL_GRID_H, kSysctlGridH);
  EXPECT_EQ(WVP_SYSCTL_CONSOLE, kSysctlConsole);
  EXPECT_EQ(WVP_SYSCTL_EXIT, kSysctlExit);
  EXPECT_EQ(WVP_SYSCTL_CLOCK_HZ, kSysctlClockHz);
  EXPECT_EQ(WVP_SYSCTL_SRAM_SIZE, kSysctlSramSize);
  EXPECT_EQ(WVP_SYSCTL_STEP, kSysctlStep);
  EXPECT_EQ(WVP_SYSCTL_ACTIVITY, kSysctlActivity);
  EXPECT_EQ(WVP_FABRIC_BASE, kFabricBase);
  EXPECT_EQ(WVP_FABRIC_SIZE, kFabricSize);
  EXPECT_EQ(WVP_FABRIC_ROUTE, kFabricRoute);
  EXPECT_EQ(WVP_FABRIC_ROUTE_STRIDE, fabric_regs::kRouteStride);
  EXPECT_EQ(WVP_FABRIC_TX, kFabricTx);
  EXPECT_EQ(WVP_FABRIC_RX, kFabricRx);
  EXPECT_EQ(WVP_FABRIC_RX_COUNT, kFabricRxCount);
  EXPECT_EQ(WVP_FABRIC_TX_SPACE, kFabricTxSpace);
  EXPECT_EQ(WVP_FABRIC_IRQ_ENABLE, kFabricIrqEnable);
  EXPECT_EQ(WVP_FABRIC_IRQ_PENDING, kFabricIrqPending);
  EXPECT_EQ(WVP_FABRIC_COLORS, kFabricColors);
  EXPECT_EQ(WVP_TENSOR_BASE, kTensorBase);
  EXPECT_EQ(WVP_TENSOR_SIZE, kTensorSize);
  using namespace tensor_regs;
  EXPECT_EQ(WVP_TENSOR_OP, kOp);
  EXPECT_EQ(WVP_TENSOR_TYPES, kTypes);
  EXPECT_EQ(WVP_TENSOR_FROM_FABRIC, kFromFabric);
  EXPECT_EQ(WVP_TENSOR_TO_FABRIC, kToFabric);
  EXPECT_EQ(WVP_TENSOR_LEN, kLen);
  EXPECT_EQ(WVP_TENSOR_ROWS, kRows);
  EXPECT_EQ(WVP_TENSOR_SRC0, kSrc0);
  EXPECT_EQ(WVP_TENSOR_SRC0_STRIDE, kSrc0Stride);
  EXPECT_EQ(WVP_TENSOR_SRC0_ROW_STRIDE, kSrc0RowStride);
  EXPECT_EQ(WVP_TENSOR_SRC1, kSrc1);
  EXPECT_EQ(WVP_TENSOR_SRC1_STRIDE, kSrc1Stride);
  EXPECT_EQ(WVP_TENSOR_SRC1_ROW_STRIDE, kSrc1RowStride);
  EXPECT_EQ(WVP_TENSOR_DST, kDst);
  EXPECT_EQ(WVP_TENSOR_DST_STRIDE, kDstStride);
  EXPECT_EQ(WVP_TENSOR_DST_ROW_STRIDE, kDstRowStride);
  EXPECT_EQ(WVP_TENSOR_SCALAR, kScalar);
  EXPECT_EQ(WVP_TENSOR_GO, kGo);
  EXPECT_EQ(WVP_TENSOR_STATUS, kStatus);
  EXPECT_EQ(WVP_TENSOR_WAIT, kWait);
  EXPECT_EQ(WVP_TENSOR_RESULT, kResult);
  EXPECT_EQ(WVP_TENSOR_INDEX, kIndex);
  EXPECT_EQ(WVP_TENSOR_DONE_CYCLE, kDoneCycle);
  EXPECT_EQ(WVP_TENSOR_IRQ_ENABLE, kIrqEnable);
  EXPECT_EQ(WVP_TENSOR_IRQ_ACK, kIrqAck);
  EXPECT_EQ(WVP_TENSOR_FMAC, int(TensorOp::Fmac));
  EXPECT_EQ(WVP_TENSOR_DOT, int(TensorOp::Dot));
  EXPECT_EQ(WVP_TENSOR_ADD, int(TensorOp::Add));
  EXPECT_EQ(WVP_TENSOR_MUL, int(TensorOp::Mul));
  EXPECT_EQ(WVP_TENSOR_SCALE, int(TensorOp::Scale));
  EXPECT_EQ(WVP_TENSOR_MAX, int(TensorOp::Max));
  EXPECT_EQ(WVP_TENSOR_EXP, int(TensorOp::Exp));
  EXPECT_EQ(WVP_TENSOR_COPY, int(TensorOp::Copy));
  EXPECT_EQ(WVP_FP32, int(TensorType::Fp32));
  EXPECT_EQ(WVP_FP16, int(TensorType::Fp16));
  EXPECT_EQ(WVP_BF16, int(TensorType::Bf16));
  EXPECT_EQ(WVP_SRAM_BASE, kSramBase);
}

TEST(MemoryMap, HalPortNumbersAndRouteBitsAreTheRouters) {
  EXPECT_EQ(WVP_PORT_N, kNorth);
  EXPECT_EQ(WVP_PORT_E, kEast);
  EXPECT_EQ(WVP_PORT_S, kSouth);
  EXPECT_EQ(WVP_PORT_W, kWest);
  EXPECT_EQ(WVP_PORT_RAMP, kRamp);
  EXPECT_EQ(WVP_TO_N, port_bit(kNorth));
  EXPECT_EQ(WVP_TO_E, port_bit(kEast));
  EXPECT_EQ(WVP_TO_S, port_bit(kSouth));
  EXPECT_EQ(WVP_TO_W, port_bit(kWest));
  EXPECT_EQ(WVP_TO_RAMP, port_bit(kRamp));
}

TEST(MemoryMap, WindowsDoNotOverlap) {
  EXPECT_LE(kClintBase + kClintSize, kSysctlBase);
  EXPECT_LE(kSysctlBase + kSysctlSize, kFabricBase);
  EXPECT_LE(kFabricBase + kFabricSize, kTensorBase);
  EXPECT_LE(kTensorBase + kTensorSize, kSramBase);
  // Every color's queue registers fit their block (32 colors at most).
  EXPECT_LE(kFabricRoute + 4 * 32 * fabric_regs::kRouteStride, kFabricTx);
  EXPECT_LE(kFabricTx + 4 * 32, kFabricRx);
  EXPECT_LE(kFabricRx + 4 * 32, kFabricRxCount);
  EXPECT_LE(kFabricRxCount + 4 * 32, kFabricTxSpace);
  EXPECT_LE(kFabricTxSpace + 4 * 32, kFabricIrqEnable);
}

}  // namespace
}  // namespace wvp::test
