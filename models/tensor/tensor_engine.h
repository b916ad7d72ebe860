// The tiles' vector units: per tile, firmware writes a descriptor (operation, element types,
// length and rows, up to three strided operands in the tile's SRAM) to registers and starts it
// with GO. The engine computes at once in fp32, in the order documented below, and is busy
// until its modelled completion: GO or WAIT while busy hold the core until then (the access's
// delay), STATUS reads busy at the core's cycle.
//
// Operand element (r, i) of an operand with base B, element stride s and row stride R lives at
// B + (r * R + i * s) * element size. Element types: fp32, fp16 and bf16; sources widen exactly
// to fp32, results round to the destination type to nearest even. src1 has src0's type unless
// TYPES says otherwise (fp16 weights in src0 times an fp32 activation vector in src1, one DOT).
//   FMAC   dst(r,i) = fma(src0(r,i), src1(r,i), dst(r,i))      one rounding per element
//   DOT    dst(r,0) = fma chain over i = 0..len-1 of src0(r,i) * src1(r,i), from 0.0f
//          (with src1 row stride 0 and rows > 1 this is a matrix-vector product)
//   ADD    dst = src0 + src1        MUL  dst = src0 * src1      SCALE  dst = src0 * SCALAR
//   MAX    RESULT = the largest src0 element (rows x len, row-major), INDEX = its first position
//   EXP    dst = exp(src0), the double-precision exp rounded once to fp32
//   COPY   dst = src0 (type conversion). With TYPES bit 4 the source is the fabric color in
//          SRC0 (one element per wavelet: fp32 bits, or fp16/bf16 in the low half), with bit 5
//          the destination is the color in DST: a stream between SRAM and the tile's queues.
//          With both bits the engine forwards: each wavelet from the color in SRC0 goes on,
//          unchanged and in the same cycle, to the color in SCALAR, and is stored at DST too
//          (a chain of tiles passes data along at one wavelet per cycle, every tile keeping it).
//          A stream moves one wavelet per cycle and holds the core until it is complete, waiting
//          for wavelets or queue room as a blocking receive or send would.
//   ADD and MAX from the fabric (TYPES bit 4) combine as they stream: each wavelet w from the
//          color in SRC0 meets its element s of SRC1, and w + s (ADD) or w > s ? w : s (MAX,
//          element by element) goes to DST, or with bit 5 on to the color in DST: a chain of
//          tiles reduces at one wavelet per cycle. Source and destination share one type. With
//          TYPES bit 9 (KEEP) a combining stream to a color also stores each result over its src1
//          element: a line's root sends its reduced elements out as a broadcast as they are made.
// Without compute_values, every result is 0 (MAX: 0 at position 0), its timing unchanged.
// Timing: STARTUP cycles, then per group of `lanes` elements as many cycles as the worst SRAM bank
// any operand's group falls on. Lanes per cycle: fp16_lanes when every source the operation reads
// is 16-bit (fp16 or bf16), else fp32_lanes: the widest source sets the rate, so a DOT of fp16
// weights and an fp32 vector reads its vector, and runs, at the fp32 rate.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <unordered_map>
#include <string>
#include <vector>

#include <boost/container_hash/hash.hpp>
#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include "abi/wvp/tile_map.h"
#include "engine/clock.h"
#include "engine/cycle_domain.h"
#include "engine/register_target.h"
#include "engine/snapshot.h"
#include "models/sram/sram.h"
#include "tlm/wavelet_queues.h"

namespace wvp {

namespace tensor_regs {  // offsets in the tile's tensor window (wvp/tile_map.h)
constexpr uint64_t kSize = WVP_TENSOR_SIZE;
constexpr uint64_t kOp = WVP_TENSOR_OP;                    // rw: TensorOp
constexpr uint64_t kTypes = WVP_TENSOR_TYPES;              // rw: bits 1:0 source type, 3:2 destination type (TensorType),
                                                           //     4: source is a fabric color, 5: destination is one,
                                                           //     6: src1's type is bits 8:7 (else the source type),
                                                           //     9: a combining stream to a color keeps its results
constexpr uint32_t kFromFabric = WVP_TENSOR_FROM_FABRIC, kToFabric = WVP_TENSOR_TO_FABRIC;
constexpr uint32_t kSrc1Typed = WVP_TENSOR_SRC1_TYPED, kSrc1TypeShift = WVP_TENSOR_SRC1_TYPE_SHIFT;
constexpr uint32_t kKeep = WVP_TENSOR_KEEP;
constexpr uint64_t kLen = WVP_TENSOR_LEN;                  // rw: elements per row
constexpr uint64_t kRows = WVP_TENSOR_ROWS;                // rw: rows (0 counts as 1)
constexpr uint64_t kSrc0 = WVP_TENSOR_SRC0;                // rw: address
constexpr uint64_t kSrc0Stride = WVP_TENSOR_SRC0_STRIDE;   // rw: element stride (elements, signed)
constexpr uint64_t kSrc0RowStride = WVP_TENSOR_SRC0_ROW_STRIDE;  // rw: row stride (elements, signed)
constexpr uint64_t kSrc1 = WVP_TENSOR_SRC1;
constexpr uint64_t kSrc1Stride = WVP_TENSOR_SRC1_STRIDE;
constexpr uint64_t kSrc1RowStride = WVP_TENSOR_SRC1_ROW_STRIDE;
constexpr uint64_t kDst = WVP_TENSOR_DST;
constexpr uint64_t kDstStride = WVP_TENSOR_DST_STRIDE;
constexpr uint64_t kDstRowStride = WVP_TENSOR_DST_ROW_STRIDE;
constexpr uint64_t kScalar = WVP_TENSOR_SCALAR;            // rw: fp32 bits, for SCALE; the outgoing color of a forward
constexpr uint64_t kGo = WVP_TENSOR_GO;                    // wo: start (waits for a running operation first)
constexpr uint64_t kStatus = WVP_TENSOR_STATUS;            // ro: bit 0 busy, bit 1 the last operation failed
constexpr uint64_t kWait = WVP_TENSOR_WAIT;                // ro: returns STATUS once the engine is idle
constexpr uint64_t kResult = WVP_TENSOR_RESULT;            // ro: fp32 bits (MAX)
constexpr uint64_t kIndex = WVP_TENSOR_INDEX;              // ro: MAX's position
constexpr uint64_t kDoneCycle = WVP_TENSOR_DONE_CYCLE;     // ro: low 32 bits of the cycle the last operation ends
constexpr uint64_t kIrqEnable = WVP_TENSOR_IRQ_ENABLE;     // rw: bit 0: external interrupt once the operation ends
constexpr uint64_t kIrqAck = WVP_TENSOR_IRQ_ACK;           // wo: lowers that interrupt
}  // namespace tensor_regs

enum class TensorOp : uint32_t {
  Fmac = WVP_TENSOR_FMAC, Dot = WVP_TENSOR_DOT, Add = WVP_TENSOR_ADD, Mul = WVP_TENSOR_MUL,
  Scale = WVP_TENSOR_SCALE, Max = WVP_TENSOR_MAX, Exp = WVP_TENSOR_EXP, Copy = WVP_TENSOR_COPY
};
enum class TensorType : uint32_t { Fp32 = WVP_FP32, Fp16 = WVP_FP16, Bf16 = WVP_BF16 };

struct TensorParams {
  uint32_t fp32_lanes = 4;         // elements per cycle (FMACs for FMAC/DOT)
  uint32_t fp16_lanes = 8;         // fp16 and bf16
  uint32_t startup_cycles = 4;     // descriptor decode and pipeline fill
  uint32_t sram_banks = 8;         // of the tile's SRAM, for conflicts
  uint32_t bank_width_bytes = 4;
  // false: timing-only (a model larger than host memory, its weights never written): operations
  // take their cycles but leave zeros for their results, which costs no reads of the operands;
  // streams still move their wavelets.
  bool compute_values = true;
};

struct TensorStats {
  uint64_t operations = 0, elements = 0, busy_cycles = 0, conflict_cycles = 0, errors = 0;
};

class TensorEngine : public sc_core::sc_module, public RegisterTarget, private StreamResumer {
 public:
  // Every tile's window, the tile above the 32-bit offset of a transaction (tlm/tile_address.h).
  tlm_utils::multi_passthrough_target_socket<TensorEngine> socket;

  TensorEngine(sc_core::sc_module_name name, const TensorParams& params, uint32_t tiles, const Clock& clock);

  // The tiles' SRAMs, at `base_address` in a tile's address map: operands must lie in the tile's.
  // The engine reads and writes it directly, beside the bus, as a DMA engine on the SRAM's ports
  // would.
  void attach_sram(Sram& sram, uint64_t base_address);
  // The tiles' fabric queues, for streams (COPY from or to a color). They may go on with a
  // waiting stream themselves (resume_stream), so that its core wakes once, at the stream's end,
  // not at every wavelet that comes after a wait.
  void attach_queues(WaveletQueues* queues) {
    queues_ = queues;
    if (queues_) queues_->set_stream_resumer(this);
  }
  // Tile i's core's external interrupt, scheduled to rise at a cycle (UINT64_MAX: lowered).
  void set_irq_schedule(std::function<void(uint32_t tile, uint64_t cycle)> schedule) { irq_ = std::move(schedule); }
  // Receives why an operation failed (an operand outside the SRAM, a bad descriptor).
  void set_error_sink(std::function<void(uint32_t tile, const std::string&)> sink) { error_sink_ = std::move(sink); }

  const TensorStats& stats(uint32_t tile) const { return tiles_[tile].stats; }
  uint64_t host_bytes() const {
    return tiles_.capacity() * sizeof(TileState) + timing_memo_.size() * (sizeof(TimingKey) + 2 * sizeof(uint64_t));
  }

  // RegisterTarget: tile's window, for its core's fast path and for b_transport.
  tlm::tlm_response_status access_register(RegisterAccess& a) override;

  // The tiles' descriptors, operations and streams in progress, and counts.
  void checkpoint(Snapshot& s) {
    Snapshot::Section section(s, "tensor");
    s.expect(tiles_.size(), "the tiles");
    s.io(tiles_);
  }

 private:
  struct Operand {
    uint32_t addr = 0;
    int32_t stride = 1, row_stride = 0;
  };
  struct TileState {
    uint32_t op = 0, types = 0, len = 0, rows = 0, scalar = 0, irq_enable = 0;
    Operand src0, src1, dst;
    uint64_t busy_until = 0;
    bool failed = false;
    uint32_t result = 0, index = 0;
    // A stream in progress: elements moved, and the cycle of the next one; a forward's wavelet
    // that was received but not yet sent on.
    bool streaming = false, holding = false;
    uint32_t held = 0;
    uint64_t streamed = 0, stream_cycle = 0;
    // While the queues resume the stream (resume_stream): the cycle its core waits at, the
    // stream's cycle at its last wait, and the waits counted as the core's stalls as its own
    // wake-ups would have been (one that came by the stream's cycle is no stall), with their
    // cycles from `stall_base`, the core's cycle or the last such wake-up.
    uint64_t core_wait_cycle = 0, wait_cycle = 0, stall_base = 0;
    uint32_t waits = 0;
    uint64_t waited_cycles = 0;
    TensorStats stats;
  };

  // What execute() derives from a descriptor's registers.
  struct Shape {
    uint32_t src_type = 0, src1_type = 0, dst_type = 0;
    uint64_t rows = 1, len = 0;
    bool uses_src1 = false, uses_dst = false;
  };
  // What an operation's SRAM timing depends on: its lanes, shape and each operand's place
  // modulo the banks' span (`phase`), strides and element size (0: an operand it does not use).
  struct TimingKey {
    struct Operand {
      uint32_t phase = 0;
      int32_t stride = 0, row_stride = 0;
      uint32_t size = 0;
      bool reduced = false;  // DOT's destination: one element a row
      bool operator==(const Operand&) const = default;
    };
    uint32_t lanes = 0, len = 0, rows = 0;
    std::array<Operand, 3> operands{};  // src0, src1, dst
    bool operator==(const TimingKey&) const = default;
  };
  struct TimingKeyHash {
    size_t operator()(const TimingKey& k) const {
      size_t h = boost::hash_value(std::array{k.lanes, k.len, k.rows});
      for (const TimingKey::Operand& o : k.operands)
        boost::hash_combine(h, std::array<int64_t, 5>{o.phase, o.stride, o.row_stride, o.size, o.reduced});
      return h;
    }
  };
  static constexpr uint32_t kRunElements = SramPages::kPageBytes / 4;  // the most a run takes (fp32 in one page)
  static constexpr size_t kTimingMemoEntries = 1 << 16;

  void b_transport(int tile, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned int transport_dbg(int tile, tlm::tlm_generic_payload& gp);
  bool read_reg(const TileState& t, uint64_t addr, uint64_t cycle, uint32_t& value) const;
  bool write_reg(TileState& t, uint64_t addr, uint32_t value);
  // Byte offset in the tile's SRAM of element (r, i) of operand `o`; an element never crosses a
  // page (its offset is a multiple of its size, checked by check_operand()).
  uint32_t element(const Operand& o, uint32_t type, uint64_t r, uint64_t i) const;
  static float to_float(const uint8_t* p, uint32_t type);
  static void from_float(uint8_t* p, uint32_t type, float v);
  // Throws std::runtime_error unless every element of `o` lies in the SRAM, aligned.
  void check_operand(const char* name, const Operand& o, uint32_t type, uint64_t rows, uint64_t n) const;
  // Runs the descriptor; returns the cycles it takes, or throws std::runtime_error.
  uint64_t execute(TileState& t, uint32_t tile);
  // The results of a checked descriptor, in fp32 (TensorOp's semantics above).
  void compute(TileState& t, uint32_t tile, const Shape& s);
  // How many of the `limit` elements of row r from element i of `o` lie in the page of element i.
  uint32_t elements_in_page(const Operand& o, uint32_t type, uint64_t r, uint64_t i, uint32_t limit) const;
  // The cycles of an operation's element groups (without the startup).
  uint64_t group_cycles(const TimingKey& key);
  // Moves a stream's elements as far as the fabric allows; None once it is complete.
  StallExtension::Until stream(TileState& t, uint32_t tile);
  // StreamResumer: the queues go on with a stream whose wait came true at `cycle`.
  uint64_t resume_stream(uint32_t tile, uint64_t cycle) override;
  // GO of a stream: performed (a.cycle moved to its end), or a.until says until when it waits.
  void go_stream(TileState& t, RegisterAccess& a, const std::function<uint64_t()>& wait_idle);
  // Ends an operation at `end`: failed with `error` unless it is empty; raises the interrupt.
  void finish(TileState& t, uint32_t tile, uint64_t end, const std::string& error);

  const TensorParams params_;
  const Clock clock_;
  std::vector<TileState> tiles_;
  Sram* sram_ = nullptr;
  uint64_t sram_base_ = 0;
  uint32_t sram_size_ = 0;
  std::function<void(uint32_t, const std::string&)> error_sink_;
  std::function<void(uint32_t, uint64_t)> irq_;
  WaveletQueues* queues_ = nullptr;
  // Device accesses are made from one thread only (CoreCluster's serial pass), so the memo and
  // the scratch need no lock. The memo holds results only: it changes no outcome.
  std::unordered_map<TimingKey, uint64_t, TimingKeyHash> timing_memo_;
  std::vector<uint32_t> bank_hits_;
  std::vector<int64_t> group_words_;
};

}  // namespace wvp
