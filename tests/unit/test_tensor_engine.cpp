// The tensor engine: number formats, every operation against a host computation in the
// documented order, its timing (lanes, bank conflicts, waiting) and its errors.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <random>
#include <set>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>

#include "abi/wvp/element_types.h"
#include "models/router/fabric_port.h"
#include "models/tensor/tensor_engine.h"
#include "support/payload.h"
#include "support/sim_child.h"

namespace wvp::test {
namespace {

using namespace tensor_regs;

TEST(TensorFormats, HalfAndBfloatRoundToNearestEven) {
  EXPECT_EQ(wvp_float_to_half(1.0f), 0x3c00);
  EXPECT_EQ(wvp_float_to_half(-2.0f), 0xc000);
  EXPECT_EQ(wvp_float_to_half(65504.0f), 0x7bff);   // largest finite
  EXPECT_EQ(wvp_float_to_half(65519.0f), 0x7bff);
  EXPECT_EQ(wvp_float_to_half(65520.0f), 0x7c00);   // halfway to 65536: even is inf
  EXPECT_EQ(wvp_float_to_half(0x1p-24f), 0x0001);   // smallest subnormal
  EXPECT_EQ(wvp_float_to_half(0x1p-25f), 0x0000);   // tie: to even (zero)
  EXPECT_EQ(wvp_float_to_half(0x3p-25f), 0x0002);   // tie: to even (2)
  EXPECT_EQ(wvp_float_to_half(1.0f + 0x1p-11f), 0x3c00);  // tie between 1 and 1+2^-10: even
  EXPECT_EQ(wvp_float_to_half(1.0f + 0x3p-11f), 0x3c02);
  EXPECT_EQ(wvp_float_to_half(INFINITY), 0x7c00);
  EXPECT_EQ(wvp_float_to_half(NAN) & 0x7e00, 0x7e00);
  for (uint32_t h = 0; h < 0x10000; ++h) {
    if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff)) continue;  // NaNs
    ASSERT_EQ(wvp_float_to_half(wvp_half_to_float(uint16_t(h))), h) << std::hex << h;
  }
  EXPECT_EQ(wvp_half_to_float(0x0001), 0x1p-24f);
  EXPECT_EQ(wvp_half_to_float(0x7bff), 65504.0f);

  EXPECT_EQ(wvp_float_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(wvp_float_to_bf16(std::bit_cast<float>(0x3f808000u)), 0x3f80);  // tie: even
  EXPECT_EQ(wvp_float_to_bf16(std::bit_cast<float>(0x3f818000u)), 0x3f82);
  EXPECT_EQ(wvp_float_to_bf16(std::bit_cast<float>(0x3f808001u)), 0x3f81);
  EXPECT_EQ(wvp_float_to_bf16(std::bit_cast<float>(0x7f7fffffu)), 0x7f80);  // rounds to inf
  EXPECT_EQ(wvp_float_to_bf16(NAN) & 0x7fc0, 0x7fc0);
  EXPECT_EQ(wvp_bf16_to_float(0xc0a0), -5.0f);
}

constexpr uint64_t kBase = 0x8000'0000;
const Clock kClock(1e9);
const sc_core::sc_time kPeriod = kClock.period();

struct Bench : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Bench> init{"init"}, sram_init{"sram_init"};
  TensorEngine engine;
  SramPages pages{1, 8192};
  Sram sram{"sram", sram_params(), kClock, pages};
  std::string error;

  explicit Bench(const TensorParams& params = {}) : sc_module("bench"), engine("engine", params, 1, kClock) {
    init.bind(engine.socket);
    sram_init.bind(sram.socket);
    engine.attach_sram(sram, kBase);
    engine.set_error_sink([this](uint32_t, const std::string& what) { error = what; });
  }
  static SramParams sram_params() {
    SramParams p;
    p.size_bytes = 8192;
    return p;
  }
  // Elements from `offset` up to the end of its page (the bench's own: the pointer stays valid).
  float* f32(uint32_t offset) { return reinterpret_cast<float*>(sram.writable(0, offset)); }
  uint16_t* f16(uint32_t offset) { return reinterpret_cast<uint16_t*>(sram.writable(0, offset)); }

  // A register access at `cycle`; returns the cycle the access ends at.
  uint64_t access(bool write, uint64_t reg, uint32_t& value, uint64_t cycle = 0) {
    tlm::tlm_generic_payload gp;
    set_access(gp, write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND, reg, reinterpret_cast<uint8_t*>(&value), 4);
    sc_core::sc_time delay = kPeriod * static_cast<double>(cycle);
    init->b_transport(gp, delay);
    EXPECT_EQ(gp.get_response_status(), tlm::TLM_OK_RESPONSE) << reg;
    return delay.value() / kPeriod.value();
  }
  void set(uint64_t reg, uint32_t v) { access(true, reg, v); }
  uint32_t get(uint64_t reg, uint64_t cycle = 0) {
    uint32_t v = 0;
    access(false, reg, v, cycle);
    return v;
  }
  // Descriptor with contiguous operands at byte offsets into the SRAM.
  void describe(TensorOp op, TensorType src, TensorType dst, uint32_t len, uint32_t rows, uint32_t src0, uint32_t src1,
                uint32_t dst_off, int32_t src0_row = 0, int32_t src1_row = 0, int32_t dst_row = 0) {
    set(kOp, uint32_t(op));
    set(kTypes, uint32_t(src) | (uint32_t(dst) << 2));
    set(kLen, len);
    set(kRows, rows);
    set(kSrc0, uint32_t(kBase + src0)), set(kSrc0Stride, 1), set(kSrc0RowStride, uint32_t(src0_row));
    set(kSrc1, uint32_t(kBase + src1)), set(kSrc1Stride, 1), set(kSrc1RowStride, uint32_t(src1_row));
    set(kDst, uint32_t(kBase + dst_off)), set(kDstStride, 1), set(kDstRowStride, uint32_t(dst_row));
  }
  uint64_t go(uint64_t cycle = 0) {
    uint32_t one = 1;
    return access(true, kGo, one, cycle);
  }
};

float value(int i) { return static_cast<float>((i * 37) % 23 - 11) * 0.173f; }

TEST(TensorEngine, DotRowsAreMatrixVectorProductsWithAnFmaChain) {
  in_child_process([] {
    Bench b;
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
    // A: 5 rows of 24 fp16; x: 24 fp16; y: 5 fp32.
    for (int i = 0; i < 5 * 24; ++i) b.f16(0)[i] = wvp_float_to_half(value(i));
    for (int i = 0; i < 24; ++i) b.f16(1024)[i] = wvp_float_to_half(value(i + 500));
    b.describe(TensorOp::Dot, TensorType::Fp16, TensorType::Fp32, 24, 5, 0, 1024, 2048, 24, 0, 1);
    b.go();
    EXPECT_EQ(b.get(kWait), 0u);
    for (int r = 0; r < 5; ++r) {
      float acc = 0.0f;
      for (int i = 0; i < 24; ++i) acc = std::fma(wvp_half_to_float(b.f16(0)[r * 24 + i]), wvp_half_to_float(b.f16(1024)[i]), acc);
      EXPECT_EQ(std::bit_cast<uint32_t>(b.f32(2048)[r]), std::bit_cast<uint32_t>(acc)) << r;
    }
  });
}

TEST(TensorEngine, DotOfHalfWeightsAndAnFp32VectorWidensEachSourceByItsOwnType) {
  in_child_process([] {
    Bench b;
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
    // src0: fp16 1.5, -2, 0.25, 3; src1: fp32 1 + 2^-20 (no fp16 has it), 0.5, 4, -0.125.
    const uint16_t w[] = {0x3e00, 0xc000, 0x3400, 0x4200};
    const float x[] = {1.0f + 0x1p-20f, 0.5f, 4.0f, -0.125f};
    std::memcpy(b.f16(0), w, sizeof w);
    std::memcpy(b.f32(1024), x, sizeof x);
    b.describe(TensorOp::Dot, TensorType::Fp16, TensorType::Fp32, 4, 1, 0, 1024, 2048);
    b.set(kTypes, WVP_FP16 | WVP_TENSOR_SRC1_TYPE(WVP_FP32) | (WVP_FP32 << 2));
    b.go(100);
    EXPECT_EQ(b.get(kWait), 0u);
    // 1.5 (1 + 2^-20) - 1 + 1 - 0.375, every step exact: x's low bit survives.
    EXPECT_EQ(b.f32(2048)[0], 1.125f + 0x3p-21f);
    // One group at the fp32 rate (4 lanes), as a source is fp32.
    EXPECT_EQ(b.get(kDoneCycle), 100u + 4 + 1);
    // 16 elements: 4 groups of 4, not 2 of 8.
    b.set(kLen, 16);
    b.go(200);
    EXPECT_EQ(b.get(kDoneCycle), 200u + 4 + 4);
    // A src1 type that is none: the operation fails and names TYPES.
    b.set(kTypes, WVP_FP16 | WVP_TENSOR_SRC1_TYPE(3));
    b.go(300);
    EXPECT_EQ(b.get(kStatus, 400), 2u);
    EXPECT_NE(b.error.find("unknown element type in TYPES 0x000001c1"), std::string::npos) << b.error;
  });
}

TEST(TensorEngine, ElementwiseOperationsReductionsAndConversions) {
  in_child_process([] {
    Bench b;
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
    for (int i = 0; i < 16; ++i) b.f32(0)[i] = value(i), b.f32(64)[i] = value(i + 100), b.f32(128)[i] = value(i + 200);
    b.describe(TensorOp::Fmac, TensorType::Fp32, TensorType::Fp32, 16, 1, 0, 64, 128);
    b.go();
    for (int i = 0; i < 16; ++i) EXPECT_EQ(b.f32(128)[i], std::fma(value(i), value(i + 100), value(i + 200))) << i;
    b.describe(TensorOp::Add, TensorType::Fp32, TensorType::Fp32, 16, 1, 0, 64, 256);
    b.go();
    for (int i = 0; i < 16; ++i) EXPECT_EQ(b.f32(256)[i], value(i) + value(i + 100));
    b.describe(TensorOp::Mul, TensorType::Fp32, TensorType::Fp32, 16, 1, 0, 64, 256);
    b.go();
    for (int i = 0; i < 16; ++i) EXPECT_EQ(b.f32(256)[i], value(i) * value(i + 100));
    b.describe(TensorOp::Scale, TensorType::Fp32, TensorType::Fp32, 16, 1, 0, 0, 256);
    b.set(kScalar, std::bit_cast<uint32_t>(-0.375f));
    b.go();
    for (int i = 0; i < 16; ++i) EXPECT_EQ(b.f32(256)[i], value(i) * -0.375f);
    b.describe(TensorOp::Exp, TensorType::Fp32, TensorType::Fp32, 16, 1, 0, 0, 256);
    b.go();
    for (int i = 0; i < 16; ++i) EXPECT_EQ(b.f32(256)[i], float(std::exp(double(value(i)))));
    b.describe(TensorOp::Copy, TensorType::Fp32, TensorType::Bf16, 16, 1, 0, 0, 512);
    b.go();
    for (int i = 0; i < 16; ++i) EXPECT_EQ(b.f16(512)[i], wvp_float_to_bf16(value(i)));
    // MAX over 2 rows of 8: the first of equal maxima.
    b.f32(0)[3] = 9.5f, b.f32(0)[12] = 9.5f;
    b.describe(TensorOp::Max, TensorType::Fp32, TensorType::Fp32, 8, 2, 0, 0, 0, 8);
    b.go(10);
    EXPECT_EQ(b.get(kResult), std::bit_cast<uint32_t>(9.5f));
    EXPECT_EQ(b.get(kIndex), 3u);
    EXPECT_EQ(b.engine.stats(0).operations, 7u);
  });
}

TEST(TensorEngine, TimingFollowsLanesBankConflictsAndWaits) {
  in_child_process([] {
    Bench b;
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
    // 64 contiguous fp32 COPY at 4 lanes: 4 startup + 16 cycles.
    b.describe(TensorOp::Copy, TensorType::Fp32, TensorType::Fp32, 64, 1, 0, 0, 1024);
    EXPECT_EQ(b.go(100), 100u);  // GO itself returns at once
    EXPECT_EQ(b.get(kDoneCycle), 120u);
    EXPECT_EQ(b.get(kStatus, 119), 1u);
    EXPECT_EQ(b.get(kStatus, 120), 0u);
    // A second GO at 105 waits for the first to end at 120.
    b.describe(TensorOp::Copy, TensorType::Fp16, TensorType::Fp16, 64, 1, 0, 0, 1024);
    EXPECT_EQ(b.go(105), 120u);
    EXPECT_EQ(b.get(kDoneCycle), 120u + 4 + 8);  // 8 lanes for 16-bit sources, two to a bank word
    uint32_t status = 0;
    EXPECT_EQ(b.access(false, kWait, status, 121), 132u);  // WAIT returns when idle
    // A stride of 8 words puts every element of a group on the same bank: 4 cycles a group.
    b.describe(TensorOp::Copy, TensorType::Fp32, TensorType::Fp32, 16, 1, 0, 0, 2048);
    b.set(kSrc0Stride, 8);
    b.go(200);
    EXPECT_EQ(b.get(kDoneCycle), 200u + 4 + 4 * 4);
    EXPECT_EQ(b.engine.stats(0).conflict_cycles, 12u);
  });
}

// Timing-only (a model whose weights were never written): each operation ends at the cycle
// TimingFollowsLanesBankConflictsAndWaits has, bank conflicts included, and leaves zeros for its
// results, MAX 0 at position 0.
TEST(TensorEngine, WithoutComputeValuesOperationsTakeTheirCyclesAndLeaveZeros) {
  in_child_process([] {
    TensorParams timing_only;
    timing_only.compute_values = false;
    Bench b(timing_only);
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
    for (int i = 0; i < 64; ++i) b.f32(0)[i] = value(i) + 20.0f, b.f32(1024)[i] = 7.0f, b.f32(2048)[i] = 7.0f;
    b.describe(TensorOp::Copy, TensorType::Fp32, TensorType::Fp32, 64, 1, 0, 0, 1024);
    b.go(100);
    EXPECT_EQ(b.get(kDoneCycle), 120u);
    for (int i = 0; i < 64; ++i) ASSERT_EQ(b.f32(1024)[i], 0.0f) << i;
    b.describe(TensorOp::Copy, TensorType::Fp32, TensorType::Fp32, 16, 1, 0, 0, 2048);
    b.set(kSrc0Stride, 8);
    b.go(200);
    EXPECT_EQ(b.get(kDoneCycle), 200u + 4 + 4 * 4);
    EXPECT_EQ(b.engine.stats(0).conflict_cycles, 12u);
    // A DOT of 4 rows of 16: 16 groups of 4 lanes.
    b.describe(TensorOp::Dot, TensorType::Fp32, TensorType::Fp32, 16, 4, 0, 0, 2048, 16, 0, 1);
    b.go(300);
    EXPECT_EQ(b.get(kDoneCycle), 300u + 4 + 16);
    for (int r = 0; r < 4; ++r) EXPECT_EQ(b.f32(2048)[r], 0.0f) << r;
    b.describe(TensorOp::Max, TensorType::Fp32, TensorType::Fp32, 16, 1, 0, 0, 0);
    b.go(400);
    EXPECT_EQ(b.get(kResult), 0u);
    EXPECT_EQ(b.get(kIndex), 0u);
  });
}

// The header's definition taken literally, one element at a time in row-major order, on a copy
// of the SRAM: what the engine must leave in the SRAM and its cycles for any descriptor.
struct Descriptor {
  TensorOp op;
  uint32_t src_type, src1_type, dst_type, len, rows;
  uint32_t addr[3];  // src0, src1, dst: byte offsets into the SRAM
  int32_t stride[3], row_stride[3];
  float scalar;
};
struct Outcome {
  std::vector<uint8_t> sram;
  uint32_t result = 0, index = 0;
  uint64_t cycles = 0;
};
Outcome element_by_element(const Descriptor& d, std::vector<uint8_t> sram, const TensorParams& p) {
  const uint32_t type[3] = {d.src_type, d.src1_type, d.dst_type};
  const auto at = [&](int o, uint64_t r, uint64_t i) {
    return int64_t(d.addr[o]) + (int64_t(r) * d.row_stride[o] + int64_t(i) * d.stride[o]) * wvp_type_bytes(type[o]);
  };
  const auto load = [&](int o, uint64_t r, uint64_t i) {
    uint8_t* q = &sram[at(o, r, i)];
    uint16_t h;
    std::memcpy(&h, q, 2);
    float f;
    std::memcpy(&f, q, 4);
    return type[o] == WVP_FP32 ? f : type[o] == WVP_FP16 ? wvp_half_to_float(h) : wvp_bf16_to_float(h);
  };
  const auto store = [&](uint64_t r, uint64_t i, float v) {
    uint8_t* q = &sram[at(2, r, i)];
    const uint16_t h = d.dst_type == WVP_FP16 ? wvp_float_to_half(v) : wvp_float_to_bf16(v);
    d.dst_type == WVP_FP32 ? std::memcpy(q, &v, 4) : std::memcpy(q, &h, 2);
  };
  Outcome out;
  float best = 0;
  for (uint64_t r = 0; r < d.rows; ++r) {
    float acc = 0;
    for (uint64_t i = 0; i < d.len; ++i) {
      const float a = load(0, r, i);
      switch (d.op) {
        case TensorOp::Fmac: store(r, i, std::fma(a, load(1, r, i), load(2, r, i))); break;
        case TensorOp::Dot: acc = std::fma(a, load(1, r, i), acc); break;
        case TensorOp::Add: store(r, i, a + load(1, r, i)); break;
        case TensorOp::Mul: store(r, i, a * load(1, r, i)); break;
        case TensorOp::Scale: store(r, i, a * d.scalar); break;
        case TensorOp::Max:
          if ((r == 0 && i == 0) || a > best) best = a, out.index = static_cast<uint32_t>(r * d.len + i);
          break;
        case TensorOp::Exp: store(r, i, float(std::exp(double(a)))); break;
        case TensorOp::Copy: store(r, i, a); break;
      }
    }
    if (d.op == TensorOp::Dot) store(r, 0, acc);
  }
  out.result = std::bit_cast<uint32_t>(best);
  out.sram = std::move(sram);
  // Per group of lanes: the most distinct words one bank gives one operand.
  const bool uses_src1 = d.op == TensorOp::Fmac || d.op == TensorOp::Dot || d.op == TensorOp::Add || d.op == TensorOp::Mul;
  const bool narrow = d.src_type != WVP_FP32 && (!uses_src1 || d.src1_type != WVP_FP32);
  const uint64_t lanes = narrow ? p.fp16_lanes : p.fp32_lanes, n = uint64_t(d.rows) * d.len;
  out.cycles = p.startup_cycles;
  for (uint64_t g = 0; g < n; g += lanes) {
    uint32_t worst = 1;
    for (int o = 0; o < 3; ++o) {
      if ((o == 1 && !uses_src1) || (o == 2 && d.op == TensorOp::Max)) continue;
      std::set<int64_t> words;
      std::vector<uint32_t> hits(p.sram_banks);
      for (uint64_t e = g; e < std::min(n, g + lanes); ++e) {
        const int64_t word = at(o, e / d.len, o == 2 && d.op == TensorOp::Dot ? 0 : e % d.len) / p.bank_width_bytes;
        if (words.insert(word).second) worst = std::max(worst, ++hits[word % p.sram_banks]);
      }
    }
    out.cycles += worst;
  }
  return out;
}

// Random descriptors across pages, with negative, zero and row strides and operands that
// overlap the destination: the engine works in runs of a page, and must not show it.
TEST(TensorEngine, AnyDescriptorGivesWhatOneElementAtATimeGives) {
  in_child_process([] {
    Bench b;
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
    std::mt19937 rng(7);
    const auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    std::vector<uint8_t> sram(8192);
    for (size_t k = 0; k < sram.size(); k += 4) {
      const float v = value(pick(0, 1000)) + float(pick(-3, 3));
      std::memcpy(&sram[k], &v, 4);  // fp32 values; read as halves they are other finite numbers
    }
    for (int round = 0, tried = 0; round < 600; ++tried) {
      Descriptor d{};
      d.op = static_cast<TensorOp>(pick(WVP_TENSOR_FMAC, WVP_TENSOR_COPY));
      d.src_type = pick(0, 2), d.src1_type = pick(0, 2), d.dst_type = pick(0, 2);
      d.len = pick(1, 300), d.rows = pick(1, 4);
      d.scalar = value(pick(0, 100));
      const bool overlap = pick(0, 2) == 0;
      for (int o = 0; o < 3; ++o) {
        const uint32_t size = wvp_type_bytes(o == 0 ? d.src_type : o == 1 ? d.src1_type : d.dst_type);
        d.addr[o] = uint32_t(pick(0, 8191)) / size * size;
        d.stride[o] = pick(0, 5) == 0 ? 0 : pick(-3, 3);
        d.row_stride[o] = pick(-400, 400);
      }
      if (overlap) {  // the destination on a source, in step or shifted by an element
        const int o = pick(0, 1);
        d.addr[2] = d.addr[o] + (pick(0, 1) ? 0 : 4), d.stride[2] = d.stride[o], d.row_stride[2] = d.row_stride[o];
        d.dst_type = o == 0 ? d.src_type : d.src1_type;
      }
      // Only descriptors whose operands lie in the SRAM (the errors have tests of their own).
      bool inside = true;
      for (int o = 0; o < 3; ++o) {
        const uint32_t size = wvp_type_bytes(o == 0 ? d.src_type : o == 1 ? d.src1_type : d.dst_type);
        for (int64_t r : {int64_t(0), int64_t(d.rows) - 1})
          for (int64_t i : {int64_t(0), int64_t(o == 2 && d.op == TensorOp::Dot ? 0 : d.len - 1)}) {
            const int64_t off = int64_t(d.addr[o]) + (r * d.row_stride[o] + i * d.stride[o]) * size;
            inside = inside && off >= 0 && off + size <= 8192 && d.addr[o] % size == 0;
          }
      }
      if (!inside) continue;
      ++round;
      b.sram.write(0, 0, sram.data(), 8192);
      b.set(kOp, uint32_t(d.op));
      b.set(kTypes, d.src_type | WVP_TENSOR_SRC1_TYPE(d.src1_type) | (d.dst_type << 2));
      b.set(kLen, d.len), b.set(kRows, d.rows), b.set(kScalar, std::bit_cast<uint32_t>(d.scalar));
      const uint64_t addr_reg[3] = {kSrc0, kSrc1, kDst}, stride_reg[3] = {kSrc0Stride, kSrc1Stride, kDstStride};
      const uint64_t row_reg[3] = {kSrc0RowStride, kSrc1RowStride, kDstRowStride};
      for (int o = 0; o < 3; ++o)
        b.set(addr_reg[o], uint32_t(kBase + d.addr[o])), b.set(stride_reg[o], uint32_t(d.stride[o])),
            b.set(row_reg[o], uint32_t(d.row_stride[o]));
      const uint64_t start = b.get(kDoneCycle) + 1;
      b.go(start);
      ASSERT_EQ(b.get(kWait), 0u) << round << ": " << b.error;
      const Outcome expected = element_by_element(d, sram, TensorParams{});
      std::vector<uint8_t> got(8192);
      b.sram.read(0, 0, got.data(), 8192);
      const std::string what = "round " + std::to_string(round) + ": op " + std::to_string(uint32_t(d.op)) + " len " +
                               std::to_string(d.len) + " rows " + std::to_string(d.rows);
      ASSERT_EQ(got, expected.sram) << what;
      ASSERT_EQ(b.get(kDoneCycle) - start, expected.cycles) << what;
      if (d.op == TensorOp::Max) {
        ASSERT_EQ(b.get(kResult), expected.result) << what;
        ASSERT_EQ(b.get(kIndex), expected.index) << what;
      }
    }
  });
}

TEST(TensorEngine, BadDescriptorsFailWithTheOperandAndRange) {
  in_child_process([] {
    Bench b;
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
    b.describe(TensorOp::Dot, TensorType::Fp32, TensorType::Fp32, 64, 40, 0, 0, 0, 64);  // 40 x 64 fp32 = 10 KiB
    b.go();
    EXPECT_EQ(b.get(kStatus), 2u);  // failed
    EXPECT_EQ(b.error, "tensor: DOT: src0 spans 0x80000000-0x800027ff, outside the SRAM 0x80000000-0x80001fff");
    b.describe(TensorOp::Copy, TensorType::Fp16, TensorType::Fp32, 4, 1, 2, 0, 2);  // dst fp32 at offset 2
    b.go();
    EXPECT_NE(b.error.find("dst 0x80000002 is not aligned"), std::string::npos) << b.error;
    b.set(kOp, 99);
    b.go();
    EXPECT_NE(b.error.find("unknown operation 99"), std::string::npos) << b.error;
    EXPECT_EQ(b.engine.stats(0).errors, 3u);
    b.set(kTypes, 0);
    b.describe(TensorOp::Copy, TensorType::Fp32, TensorType::Fp32, 4, 1, 0, 0, 64);
    b.go();
    EXPECT_EQ(b.get(kWait), 0u);  // a good operation clears the failure
  });
}

TEST(TensorEngine, StreamDescriptorsAreCheckedBeforeAnyWaveletMoves) {
  in_child_process([] {
    Bench b;
    FabricParams one;
    one.width = one.height = 1;
    FabricPort port("port", one, kClock);
    struct Core0 : sc_core::sc_module {  // the tile's core, bound to the port as on the wafer
      tlm_utils::simple_initiator_socket<Core0> socket{"socket"};
      Core0() : sc_module(sc_core::sc_module_name("core0")) {}
    } core0;
    core0.socket.bind(port.socket);
    b.engine.attach_queues(&port);
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
    const auto stream_error = [&](TensorOp op, uint32_t types, uint32_t color, uint32_t combined_to = 0) {
      b.error.clear();
      b.describe(op, TensorType::Fp32, TensorType::Fp32, 4, 1, 0, 0, 64);
      b.set(kTypes, types);
      b.set(types & kFromFabric ? kSrc0 : kDst, color);
      if (combined_to) b.set(kDst, combined_to);
      b.go();  // from this bench's initiator, which cannot wait
      EXPECT_EQ(b.get(kWait), 2u);
      return b.error;
    };
    EXPECT_EQ(stream_error(TensorOp::Mul, kFromFabric, 3), "tensor: MUL: only COPY, ADD and MAX stream to or from the fabric");
    EXPECT_EQ(stream_error(TensorOp::Add, kToFabric, 3), "tensor: ADD: ADD streams from the fabric only");
    EXPECT_EQ(stream_error(TensorOp::Max, kFromFabric | kToFabric, 3, 24), "tensor: MAX: color 24 out of range (colors: 24)");
    EXPECT_EQ(stream_error(TensorOp::Add, kFromFabric, 3), "tensor: ADD: a stream needs an initiator that can wait");
    b.set(kScalar, 30);  // a forward's outgoing color
    EXPECT_EQ(stream_error(TensorOp::Copy, kFromFabric | kToFabric, 3), "tensor: COPY: color 30 out of range (colors: 24)");
    EXPECT_EQ(stream_error(TensorOp::Copy, kToFabric, 24), "tensor: COPY: color 24 out of range (colors: 24)");
    EXPECT_EQ(stream_error(TensorOp::Copy, kToFabric, 3), "tensor: COPY: a stream needs an initiator that can wait");
    // KEEP stores a combining stream's results as it sends them on: nothing else has any.
    const std::string keep = "KEEP (TYPES bit 9) is for a combining stream to a color";
    EXPECT_EQ(stream_error(TensorOp::Copy, kFromFabric | kToFabric | kKeep, 3), "tensor: COPY: " + keep);
    EXPECT_EQ(stream_error(TensorOp::Add, kFromFabric | kKeep, 3), "tensor: ADD: " + keep);
    EXPECT_EQ(stream_error(TensorOp::Add, kKeep, 3), "tensor: ADD: " + keep);  // not a stream
    EXPECT_EQ(stream_error(TensorOp::Add, kFromFabric | kToFabric | kKeep, 3, 4),
              "tensor: ADD: a stream needs an initiator that can wait");  // well formed
    EXPECT_EQ(port.fabric().flits_in_flight(), 0u);
  });
}

}  // namespace
}  // namespace wvp::test
