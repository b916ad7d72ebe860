// The tile's address map (abi/wvp/tile_map.h), shared by firmware and host: its windows and
// register blocks must not overlap, whatever is added to them.
#include <gtest/gtest.h>
#include "abi/wvp/tile_map.h"

#include <cstdint>

namespace wvp::test {
namespace {

TEST(TileMap, WindowsDoNotOverlap) {
  EXPECT_LE(uint64_t{WVP_CLINT_BASE} + WVP_CLINT_SIZE, uint64_t{WVP_SYSCTL_BASE});
  EXPECT_LE(uint64_t{WVP_SYSCTL_BASE} + WVP_SYSCTL_SIZE, uint64_t{WVP_FABRIC_BASE});
  EXPECT_LE(uint64_t{WVP_FABRIC_BASE} + WVP_FABRIC_SIZE, uint64_t{WVP_TENSOR_BASE});
  EXPECT_LE(uint64_t{WVP_TENSOR_BASE} + WVP_TENSOR_SIZE, uint64_t{WVP_SRAM_BASE});
  EXPECT_LT(WVP_SYSCTL_CLOCK_HZ_HI, WVP_SYSCTL_SIZE);
}

TEST(TileMap, EveryColorsRegistersFitTheirBlock) {
  constexpr uint64_t kMaxColors = 32;
  EXPECT_LE(WVP_FABRIC_ROUTE + 4 * kMaxColors * WVP_FABRIC_ROUTE_STRIDE, uint64_t{WVP_FABRIC_TX});
  EXPECT_LE(WVP_FABRIC_TX + 4 * kMaxColors, uint64_t{WVP_FABRIC_RX});
  EXPECT_LE(WVP_FABRIC_RX + 4 * kMaxColors, uint64_t{WVP_FABRIC_RX_COUNT});
  EXPECT_LE(WVP_FABRIC_RX_COUNT + 4 * kMaxColors, uint64_t{WVP_FABRIC_TX_SPACE});
  EXPECT_LE(WVP_FABRIC_TX_SPACE + 4 * kMaxColors, uint64_t{WVP_FABRIC_IRQ_ENABLE});
  EXPECT_LE(WVP_FABRIC_COLORS + 4, uint64_t{WVP_FABRIC_RX_PEEK});
  EXPECT_LE(WVP_FABRIC_RX_PEEK + 4 * kMaxColors, uint64_t{WVP_FABRIC_SIZE});
}

TEST(TileMap, TensorDescriptorRegistersAreDistinctWords) {
  const uint64_t regs[] = {WVP_TENSOR_OP, WVP_TENSOR_TYPES, WVP_TENSOR_LEN, WVP_TENSOR_ROWS, WVP_TENSOR_SRC0,
                           WVP_TENSOR_SRC0_STRIDE, WVP_TENSOR_SRC0_ROW_STRIDE, WVP_TENSOR_SRC1, WVP_TENSOR_SRC1_STRIDE,
                           WVP_TENSOR_SRC1_ROW_STRIDE, WVP_TENSOR_DST, WVP_TENSOR_DST_STRIDE, WVP_TENSOR_DST_ROW_STRIDE,
                           WVP_TENSOR_SCALAR, WVP_TENSOR_GO, WVP_TENSOR_STATUS, WVP_TENSOR_WAIT, WVP_TENSOR_RESULT,
                           WVP_TENSOR_INDEX, WVP_TENSOR_DONE_CYCLE, WVP_TENSOR_IRQ_ENABLE, WVP_TENSOR_IRQ_ACK};
  for (size_t i = 0; i < std::size(regs); ++i) {
    EXPECT_EQ(regs[i] % 4, 0u) << i;
    EXPECT_LT(regs[i], uint64_t{WVP_TENSOR_SIZE}) << i;
    if (i) {
      EXPECT_EQ(regs[i], regs[i - 1] + 4) << "the descriptor is one block of words, register " << i;
    }
  }
}

}  // namespace
}  // namespace wvp::test
