#include "models/tensor/tensor_engine.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "abi/wvp/element_types.h"
#include "tlm/log.h"
#include "tlm/tile_address.h"

namespace wvp {

using namespace tensor_regs;

TensorEngine::TensorEngine(sc_core::sc_module_name name, const TensorParams& params, uint32_t tiles,
                           const Clock& clock)
    : sc_module(name), socket("socket"), params_(params), clock_(clock), tiles_(tiles) {
  if (!params_.fp32_lanes || !params_.fp16_lanes || !params_.sram_banks || !params_.bank_width_bytes)
    throw std::invalid_argument(std::string(this->name()) + ": lanes, banks and bank width must be positive");
  socket.register_b_transport(this, &TensorEngine::b_transport);
  socket.register_transport_dbg(this, &TensorEngine::transport_dbg);
}

void TensorEngine::attach_sram(Sram& sram, uint64_t base_address) {
  sram_ = &sram;
  sram_base_ = base_address;
  sram_size_ = sram.params().size_bytes;
}

namespace {

constexpr const char* kKeepMisused = "KEEP (TYPES bit 9) is for a combining stream to a color";

const char* op_name(TensorOp op) {
  switch (op) {
    case TensorOp::Fmac: return "FMAC";
    case TensorOp::Dot: return "DOT";
    case TensorOp::Add: return "ADD";
    case TensorOp::Mul: return "MUL";
    case TensorOp::Scale: return "SCALE";
    case TensorOp::Max: return "MAX";
    case TensorOp::Exp: return "EXP";
    case TensorOp::Copy: return "COPY";
  }
  return "?";
}

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%08llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

uint32_t TensorEngine::element(const Operand& o, uint32_t type, uint64_t r, uint64_t i) const {
  return static_cast<uint32_t>((int64_t(o.addr) - int64_t(sram_base_)) +
                               (int64_t(r) * o.row_stride + int64_t(i) * o.stride) * int64_t(wvp_type_bytes(type)));
}

float TensorEngine::to_float(const uint8_t* p, uint32_t type) {
  if (type == uint32_t(TensorType::Fp32)) {
    float v;
    std::memcpy(&v, p, 4);
    return v;
  }
  uint16_t h;
  std::memcpy(&h, p, 2);
  return type == uint32_t(TensorType::Fp16) ? wvp_half_to_float(h) : wvp_bf16_to_float(h);
}

void TensorEngine::from_float(uint8_t* p, uint32_t type, float v) {
  if (type == uint32_t(TensorType::Fp32)) {
    std::memcpy(p, &v, 4);
  } else {
    const uint16_t h = type == uint32_t(TensorType::Fp16) ? wvp_float_to_half(v) : wvp_float_to_bf16(v);
    std::memcpy(p, &h, 2);
  }
}

void TensorEngine::check_operand(const char* name, const Operand& o, uint32_t type, uint64_t rows, uint64_t n) const {
  // Every element must lie in the SRAM: the corners bound them.
  const int64_t size = wvp_type_bytes(type);
  if (o.addr % size) throw std::runtime_error(std::string(name) + " " + hex(o.addr) + " is not aligned to its element size");
  int64_t lo = 0, hi = 0;
  for (const int64_t r : {int64_t(0), int64_t(rows) - 1})
    for (const int64_t i : {int64_t(0), int64_t(n) - 1}) {
      const int64_t off = (r * o.row_stride + i * o.stride) * size;
      lo = std::min(lo, off), hi = std::max(hi, off);
    }
  const int64_t first = int64_t(o.addr) + lo, last = int64_t(o.addr) + hi + size - 1;
  if (first < int64_t(sram_base_) || last >= int64_t(sram_base_ + sram_size_))
    throw std::runtime_error(std::string(name) + " spans " + hex(uint64_t(first)) + "-" + hex(uint64_t(last)) +
                             ", outside the SRAM " + hex(sram_base_) + "-" + hex(sram_base_ + sram_size_ - 1));
}

namespace {

// Loads n elements of `type`, `step` bytes apart, as fp32; stores them back rounded.
void load_floats(const uint8_t* p, uint32_t type, int64_t step, uint32_t n, float* out) {
  switch (static_cast<TensorType>(type)) {
    case TensorType::Fp32:
      for (uint32_t k = 0; k < n; ++k, p += step) std::memcpy(&out[k], p, 4);
      break;
    case TensorType::Fp16:
      for (uint32_t k = 0; k < n; ++k, p += step) {
        uint16_t h;
        std::memcpy(&h, p, 2);
        out[k] = wvp_half_to_float(h);
      }
      break;
    case TensorType::Bf16:
      for (uint32_t k = 0; k < n; ++k, p += step) {
        uint16_t h;
        std::memcpy(&h, p, 2);
        out[k] = wvp_bf16_to_float(h);
      }
      break;
  }
}

void store_floats(uint8_t* p, uint32_t type, int64_t step, uint32_t n, const float* in) {
  switch (static_cast<TensorType>(type)) {
    case TensorType::Fp32:
      for (uint32_t k = 0; k < n; ++k, p += step) std::memcpy(p, &in[k], 4);
      break;
    case TensorType::Fp16:
      for (uint32_t k = 0; k < n; ++k, p += step) {
        const uint16_t h = wvp_float_to_half(in[k]);
        std::memcpy(p, &h, 2);
      }
      break;
    case TensorType::Bf16:
      for (uint32_t k = 0; k < n; ++k, p += step) {
        const uint16_t h = wvp_float_to_bf16(in[k]);
        std::memcpy(p, &h, 2);
      }
      break;
  }
}

}  // namespace

uint32_t TensorEngine::elements_in_page(const Operand& o, uint32_t type, uint64_t r, uint64_t i, uint32_t limit) const {
  if (o.stride == 0) return limit;
  const int64_t size = wvp_type_bytes(type), step = std::abs(int64_t(o.stride)) * size;
  const int64_t in_page = element(o, type, r, i) & (SramPages::kPageBytes - 1);
  const int64_t room = o.stride > 0 ? int64_t(SramPages::kPageBytes) - size - in_page : in_page;
  return static_cast<uint32_t>(std::min<int64_t>(limit, room / step + 1));
}

void TensorEngine::compute(TileState& t, uint32_t tile, const Shape& s) {
  const TensorOp op = static_cast<TensorOp>(t.op);
  const bool reads_dst = op == TensorOp::Fmac;
  const float scalar = std::bit_cast<float>(t.scalar);
  float best = 0.0f;
  uint64_t best_at = 0;
  // The elements go through in runs that stay in one page of each operand, so that each
  // operand is one pointer and a stride for the run. A run is what one element at a time in
  // row-major order would give: a destination that overlaps a source it does not overwrite
  // element for element in step (the same place, stride and type) goes one element a run.
  float a[kRunElements], b[kRunElements], d[kRunElements];
  const bool stores = s.uses_dst && op != TensorOp::Dot;
  const auto step = [](const Operand& o, uint32_t type) { return int64_t(o.stride) * wvp_type_bytes(type); };
  const int64_t src0_step = step(t.src0, s.src_type), src1_step = step(t.src1, s.src1_type), dst_step = step(t.dst, s.dst_type);
  for (uint64_t r = 0; r < s.rows; ++r) {
    float acc = 0.0f;
    for (uint64_t i = 0; i < s.len;) {
      uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(kRunElements, s.len - i));
      n = elements_in_page(t.src0, s.src_type, r, i, n);
      if (s.uses_src1) n = elements_in_page(t.src1, s.src1_type, r, i, n);
      if (stores) {
        n = elements_in_page(t.dst, s.dst_type, r, i, n);
        const auto span = [&](const Operand& o, uint32_t type) {
          const int64_t first = element(o, type, r, i), last = element(o, type, r, i + n - 1);
          return std::pair{std::min(first, last), std::max(first, last) + int64_t(wvp_type_bytes(type))};
        };
        const auto [dst_lo, dst_hi] = span(t.dst, s.dst_type);
        const auto clashes = [&](const Operand& o, uint32_t type) {
          const auto [lo, hi] = span(o, type);
          const bool in_step = o.addr == t.dst.addr && o.stride == t.dst.stride && o.row_stride == t.dst.row_stride &&
                               o.stride != 0 && type == s.dst_type;
          return lo < dst_hi && dst_lo < hi && !in_step;
        };
        if (clashes(t.src0, s.src_type) || (s.uses_src1 && clashes(t.src1, s.src1_type)) ||
            (reads_dst && clashes(t.dst, s.dst_type)))
          n = 1;
      }
      // The destination's page first: making it the tile's own would leave older pointers into it stale.
      uint8_t* const out = stores ? sram_->writable(tile, element(t.dst, s.dst_type, r, i)) : nullptr;
      load_floats(sram_->readable(tile, element(t.src0, s.src_type, r, i)), s.src_type, src0_step, n, a);
      if (s.uses_src1) load_floats(sram_->readable(tile, element(t.src1, s.src1_type, r, i)), s.src1_type, src1_step, n, b);
      if (reads_dst) load_floats(out, s.dst_type, dst_step, n, d);
      switch (op) {
        case TensorOp::Fmac: for (uint32_t k = 0; k < n; ++k) d[k] = std::fma(a[k], b[k], d[k]); break;
        case TensorOp::Dot: for (uint32_t k = 0; k < n; ++k) acc = std::fma(a[k], b[k], acc); break;
        case TensorOp::Add: for (uint32_t k = 0; k < n; ++k) d[k] = a[k] + b[k]; break;
        case TensorOp::Mul: for (uint32_t k = 0; k < n; ++k) d[k] = a[k] * b[k]; break;
        case TensorOp::Scale: for (uint32_t k = 0; k < n; ++k) d[k] = a[k] * scalar; break;
        case TensorOp::Max:
          for (uint32_t k = 0; k < n; ++k)
            if ((r == 0 && i + k == 0) || a[k] > best) best = a[k], best_at = r * s.len + i + k;
          break;
        case TensorOp::Exp: for (uint32_t k = 0; k < n; ++k) d[k] = static_cast<float>(std::exp(static_cast<double>(a[k]))); break;
        case TensorOp::Copy: std::copy_n(a, n, d); break;
      }
      if (stores) store_floats(out, s.dst_type, dst_step, n, d);
      i += n;
    }
    if (op == TensorOp::Dot) from_float(sram_->writable(tile, element(t.dst, s.dst_type, r, 0)), s.dst_type, acc);
  }
  if (op == TensorOp::Max) {
    t.result = std::bit_cast<uint32_t>(best);
    t.index = static_cast<uint32_t>(best_at);
  }
}

uint64_t TensorEngine::group_cycles(const TimingKey& key) {
  // Groups of `lanes` elements in row-major order; a group takes as many cycles as the most
  // distinct words any one bank must deliver to one operand.
  const uint64_t elements = uint64_t(key.rows) * key.len;
  uint64_t cycles = 0;
  bank_hits_.assign(params_.sram_banks, 0);
  for (uint64_t g = 0; g < elements; g += key.lanes) {
    uint32_t worst = 1;
    for (const TimingKey::Operand& o : key.operands) {
      if (!o.size) continue;
      std::fill(bank_hits_.begin(), bank_hits_.end(), 0);
      group_words_.clear();
      for (uint64_t e = g; e < std::min(elements, g + key.lanes); ++e) {
        const uint64_t r = e / key.len, i = o.reduced ? 0 : e % key.len;
        const int64_t offset = int64_t(o.phase) + (int64_t(r) * o.row_stride + int64_t(i) * o.stride) * o.size;
        const int64_t word = offset >= 0 ? offset / params_.bank_width_bytes
                                         : -((-offset + params_.bank_width_bytes - 1) / params_.bank_width_bytes);
        if (std::find(group_words_.begin(), group_words_.end(), word) != group_words_.end()) continue;  // one read serves both halves
        group_words_.push_back(word);
        const int64_t bank = word % int64_t(params_.sram_banks);
        worst = std::max(worst, ++bank_hits_[static_cast<size_t>(bank < 0 ? bank + params_.sram_banks : bank)]);
      }
    }
    cycles += worst;
  }
  return cycles;
}

uint64_t TensorEngine::execute(TileState& t, uint32_t tile) {
  const TensorOp op = static_cast<TensorOp>(t.op);
  if (t.op < uint32_t(TensorOp::Fmac) || t.op > uint32_t(TensorOp::Copy))
    throw std::runtime_error("unknown operation " + std::to_string(t.op));
  Shape s;
  s.src_type = t.types & 3, s.dst_type = (t.types >> 2) & 3;
  s.src1_type = t.types & kSrc1Typed ? (t.types >> kSrc1TypeShift) & 3 : s.src_type;
  if (s.src_type > 2 || s.src1_type > 2 || s.dst_type > 2) throw std::runtime_error("unknown element type in TYPES " + hex(t.types));
  if (t.types & kKeep) throw std::runtime_error(kKeepMisused);
  if (!sram_) throw std::runtime_error("no SRAM attached");
  s.rows = std::max<uint32_t>(t.rows, 1), s.len = t.len;
  s.uses_src1 = op == TensorOp::Fmac || op == TensorOp::Dot || op == TensorOp::Add || op == TensorOp::Mul;
  s.uses_dst = op != TensorOp::Max;
  const uint64_t dst_len = op == TensorOp::Dot ? 1 : s.len;

  if (s.len == 0) return params_.startup_cycles;
  check_operand("src0", t.src0, s.src_type, s.rows, s.len);
  if (s.uses_src1) check_operand("src1", t.src1, s.src1_type, s.rows, s.len);
  if (s.uses_dst) check_operand("dst", t.dst, s.dst_type, s.rows, dst_len);

  if (params_.compute_values) {
    compute(t, tile, s);
  } else if (s.uses_dst) {
    for (uint64_t r = 0; r < s.rows; ++r)
      for (uint64_t i = 0; i < dst_len; ++i) from_float(sram_->writable(tile, element(t.dst, s.dst_type, r, i)), s.dst_type, 0.0f);
  } else {
    t.result = t.index = 0;
  }

  // Timing: the groups' cycles depend on the operands' places only modulo the banks' span, and
  // a decode repeats a few hundred shapes on every tile, so each shape is worked out once.
  const bool narrow =
      s.src_type != uint32_t(TensorType::Fp32) && (!s.uses_src1 || s.src1_type != uint32_t(TensorType::Fp32));
  TimingKey key;
  key.lanes = narrow ? params_.fp16_lanes : params_.fp32_lanes;
  key.len = static_cast<uint32_t>(s.len), key.rows = static_cast<uint32_t>(s.rows);
  const uint32_t span = params_.sram_banks * params_.bank_width_bytes;
  const auto operand_key = [&](const Operand& o, uint32_t type, bool reduced) {
    return TimingKey::Operand{static_cast<uint32_t>((o.addr - sram_base_) % span), o.stride, o.row_stride,
                              wvp_type_bytes(type), reduced};
  };
  key.operands[0] = operand_key(t.src0, s.src_type, false);
  if (s.uses_src1) key.operands[1] = operand_key(t.src1, s.src1_type, false);
  if (s.uses_dst) key.operands[2] = operand_key(t.dst, s.dst_type, op == TensorOp::Dot);
  if (timing_memo_.size() >= kTimingMemoEntries) timing_memo_.clear();  // firmware that never repeats a shape
  auto [at, fresh] = timing_memo_.try_emplace(key, 0);
  if (fresh) at->second = group_cycles(key);
  const uint64_t elements = s.rows * s.len, groups = (elements + key.lanes - 1) / key.lanes;
  ++t.stats.operations;
  t.stats.elements += elements;
  t.stats.busy_cycles += params_.startup_cycles + at->second;
  t.stats.conflict_cycles += at->second - groups;
  return params_.startup_cycles + at->second;
}

bool TensorEngine::read_reg(const TileState& t, uint64_t addr, uint64_t cycle, uint32_t& v) const {
  switch (addr) {
    case kOp: v = t.op; return true;
    case kTypes: v = t.types; return true;
    case kLen: v = t.len; return true;
    case kRows: v = t.rows; return true;
    case kSrc0: v = t.src0.addr; return true;
    case kSrc0Stride: v = uint32_t(t.src0.stride); return true;
    case kSrc0RowStride: v = uint32_t(t.src0.row_stride); return true;
    case kSrc1: v = t.src1.addr; return true;
    case kSrc1Stride: v = uint32_t(t.src1.stride); return true;
    case kSrc1RowStride: v = uint32_t(t.src1.row_stride); return true;
    case kDst: v = t.dst.addr; return true;
    case kDstStride: v = uint32_t(t.dst.stride); return true;
    case kDstRowStride: v = uint32_t(t.dst.row_stride); return true;
    case kScalar: v = t.scalar; return true;
    case kStatus:
    case kWait: v = (cycle < t.busy_until ? 1u : 0u) | (t.failed ? 2u : 0u); return true;
    case kResult: v = t.result; return true;
    case kIndex: v = t.index; return true;
    case kDoneCycle: v = static_cast<uint32_t>(t.busy_until); return true;
    case kIrqEnable: v = t.irq_enable; return true;
    default: return false;
  }
}

bool TensorEngine::write_reg(TileState& t, uint64_t addr, uint32_t v) {
  switch (addr) {
    case kOp: t.op = v; return true;
    case kTypes: t.types = v; return true;
    case kLen: t.len = v; return true;
    case kRows: t.rows = v; return true;
    case kSrc0: t.src0.addr = v; return true;
    case kSrc0Stride: t.src0.stride = int32_t(v); return true;
    case kSrc0RowStride: t.src0.row_stride = int32_t(v); return true;
    case kSrc1: t.src1.addr = v; return true;
    case kSrc1Stride: t.src1.stride = int32_t(v); return true;
    case kSrc1RowStride: t.src1.row_stride = int32_t(v); return true;
    case kDst: t.dst.addr = v; return true;
    case kDstStride: t.dst.stride = int32_t(v); return true;
    case kDstRowStride: t.dst.row_stride = int32_t(v); return true;
    case kScalar: t.scalar = v; return true;
    case kIrqEnable: t.irq_enable = v & 1; return true;
    default: return false;
  }
}

void TensorEngine::finish(TileState& t, uint32_t tile, uint64_t end, const std::string& error) {
  t.failed = !error.empty();
  t.busy_until = end;
  if (t.failed) {
    ++t.stats.errors;
    if (error_sink_) error_sink_(tile, std::string("tensor: ") + op_name(static_cast<TensorOp>(t.op)) + ": " + error);
  }
  if (t.irq_enable && irq_) irq_(tile, end);
}

StallExtension::Until TensorEngine::stream(TileState& t, uint32_t tile) {
  const bool from_fabric = t.types & kFromFabric;
  const uint32_t src_type = t.types & 3, dst_type = (t.types >> 2) & 3;
  const bool combine = t.op != uint32_t(TensorOp::Copy), to_fabric = t.types & kToFabric;
  const bool forward = from_fabric && to_fabric && !combine, keep = t.types & kKeep;
  const uint32_t color = from_fabric ? t.src0.addr : t.dst.addr, out_color = forward ? t.scalar : t.dst.addr;
  const uint64_t n = uint64_t(std::max<uint32_t>(t.rows, 1)) * t.len;
  const auto wavelet_of = [](float v, uint32_t type) -> uint32_t {
    return type == uint32_t(TensorType::Fp32)   ? std::bit_cast<uint32_t>(v)
           : type == uint32_t(TensorType::Fp16) ? wvp_float_to_half(v)
                                                : wvp_float_to_bf16(v);
  };
  const auto float_of = [](uint32_t wavelet, uint32_t type) {
    const uint16_t half = static_cast<uint16_t>(wavelet);
    return type == uint32_t(TensorType::Fp32)   ? std::bit_cast<float>(wavelet)
           : type == uint32_t(TensorType::Fp16) ? wvp_half_to_float(half)
                                                : wvp_bf16_to_float(half);
  };
  // One wavelet per cycle, each at the cycle it can move: the core waits as for its own
  // blocking accesses.
  const auto wait = [&](bool receive) {
    t.wait_cycle = t.stream_cycle;
    const bool woken = receive ? queues_->wait_receive(tile, color, t.stream_cycle)
                               : queues_->wait_send(tile, out_color, t.stream_cycle);
    return woken ? StallExtension::Until::Woken : StallExtension::Until::Settled;
  };
  for (; t.streamed < n; ++t.streamed, ++t.stream_cycle) {
    const uint64_t r = t.streamed / t.len, i = t.streamed % t.len;
    if (from_fabric) {
      if (!t.holding) {
        uint32_t wavelet;
        if (!queues_->try_receive(tile, color, t.stream_cycle, wavelet)) return wait(true);
        float v = float_of(wavelet, src_type);
        if (combine) {
          // The arriving element is the left operand, as the firmware's own loop has it.
          const float own = to_float(sram_->readable(tile, element(t.src1, src_type, r, i)), src_type);
          v = !params_.compute_values                   ? 0.0f
              : t.op == uint32_t(TensorOp::Add) ? v + own
                                                : (v > own ? v : own);
        }
        if (!combine || !to_fabric) from_float(sram_->writable(tile, element(t.dst, dst_type, r, i)), dst_type, v);
        else if (keep) from_float(sram_->writable(tile, element(t.src1, src_type, r, i)), src_type, v);
        t.held = combine ? wavelet_of(v, dst_type) : wavelet;
        t.holding = to_fabric;
      }
      if (t.holding) {
        if (!queues_->try_send(tile, out_color, t.held, t.stream_cycle)) return wait(false);
        t.holding = false;
      }
    } else {
      const float v = to_float(sram_->readable(tile, element(t.src0, src_type, r, i)), src_type);
      if (!queues_->try_send(tile, color, wavelet_of(v, dst_type), t.stream_cycle)) return wait(false);
    }
  }
  return StallExtension::Until::None;
}

uint64_t TensorEngine::resume_stream(uint32_t tile, uint64_t cycle) {
  // As the core's GO does when it retries at its wake cycle; the core's retry at the returned
  // cycle then finds the stream complete (or waits as it would have).
  TileState& t = tiles_[tile];
  if (cycle > t.wait_cycle) {
    ++t.waits;
    t.waited_cycles += cycle - t.stall_base;
    t.stall_base = cycle;
  }
  t.stream_cycle = std::max(t.stream_cycle, cycle);
  // A wake-up by the cycle the core waits at lets it retry there, without counting a stall.
  return stream(t, tile) == StallExtension::Until::Woken ? UINT64_MAX : t.core_wait_cycle;
}

void TensorEngine::go_stream(TileState& t, RegisterAccess& a, const std::function<uint64_t()>& wait_idle) {
  const uint32_t tile = a.tile;
  const uint64_t cycle = a.cycle;
  if (!t.streaming) {
    const uint64_t start = wait_idle();
    const bool from_fabric = t.types & kFromFabric;
    const uint32_t src_type = t.types & 3, dst_type = (t.types >> 2) & 3;
    std::string error;
    const bool combine = t.op != uint32_t(TensorOp::Copy), to_fabric = t.types & kToFabric;
    const bool forward = from_fabric && to_fabric && !combine;
    const uint32_t color = from_fabric ? t.src0.addr : t.dst.addr;
    const uint32_t out_color = forward ? t.scalar : to_fabric ? t.dst.addr : 0;
    if (combine && (t.op != uint32_t(TensorOp::Add) && t.op != uint32_t(TensorOp::Max)))
      error = "only COPY, ADD and MAX stream to or from the fabric";
    else if (combine && !from_fabric) error = std::string(op_name(static_cast<TensorOp>(t.op))) + " streams from the fabric only";
    else if (combine && src_type != dst_type) error = "a combining stream keeps its element type (TYPES " + hex(t.types) + ")";
    else if ((t.types & kKeep) && !(combine && to_fabric)) error = kKeepMisused;
    else if (src_type > 2 || dst_type > 2) error = "unknown element type in TYPES " + hex(t.types);
    else if (!queues_) error = "no fabric queues attached";
    else if (color >= queues_->colors() || out_color >= queues_->colors())
      error = "color " + std::to_string(color >= queues_->colors() ? color : out_color) + " out of range (colors: " +
              std::to_string(queues_->colors()) + ")";
    else if (!a.can_stall) error = "a stream needs an initiator that can wait";
    if (error.empty() && t.len) {
      try {
        const uint32_t rows = std::max<uint32_t>(t.rows, 1);
        if (combine) check_operand("src1", t.src1, src_type, rows, t.len);
        if (from_fabric && !(combine && to_fabric)) check_operand("dst", t.dst, dst_type, rows, t.len);
        if (!from_fabric) check_operand("src0", t.src0, src_type, rows, t.len);
      } catch (const std::runtime_error& e) {
        error = e.what();
      }
    }
    if (!error.empty()) {
      finish(t, tile, start, error);
      return;
    }
    t.streaming = true;
    t.holding = false;
    t.streamed = 0;
    t.stream_cycle = start + params_.startup_cycles;
    t.stall_base = cycle;
    t.waits = 0;
    t.waited_cycles = 0;
  }
  t.stream_cycle = std::max(t.stream_cycle, cycle);  // a woken core retries at its wake cycle
  const StallExtension::Until until = stream(t, tile);
  if (until != StallExtension::Until::None) {
    a.until = until;
    a.retry_cycle = t.core_wait_cycle = t.stream_cycle;
    return;
  }
  a.waits = std::exchange(t.waits, 0);
  a.waited_cycles = std::exchange(t.waited_cycles, 0);
  // Complete: the core's GO ends with the last wavelet.
  t.streaming = false;
  const uint64_t elements = uint64_t(std::max<uint32_t>(t.rows, 1)) * t.len;
  ++t.stats.operations;
  t.stats.elements += elements;
  t.stats.busy_cycles += elements + params_.startup_cycles;
  a.cycle = std::max(a.cycle, t.stream_cycle);
  finish(t, tile, t.stream_cycle, "");
}

void TensorEngine::b_transport(int, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  transport_register(*this, clock_, gp, delay);
}

tlm::tlm_response_status TensorEngine::access_register(RegisterAccess& a) {
  const uint64_t addr = a.offset;
  if (a.size != 4 || (addr & 3) || a.tile >= tiles_.size()) return tlm::TLM_ADDRESS_ERROR_RESPONSE;
  TileState& t = tiles_[a.tile];
  const uint64_t cycle = a.cycle;
  // Waiting for the engine is the access taking longer: the core's time moves on with it.
  const auto wait_idle = [&] { return a.cycle = std::max(a.cycle, t.busy_until); };
  if (a.write) {
    if (addr == kGo && (t.types & (kFromFabric | kToFabric))) {
      go_stream(t, a, wait_idle);
    } else if (addr == kGo) {
      const uint64_t start = wait_idle();
      std::string error;
      uint64_t cycles = 0;
      try {
        cycles = execute(t, a.tile);
      } catch (const std::runtime_error& e) {
        error = e.what();
      }
      WVP_LOG(Tensor, Debug, a.tile, start, "{} of {} x {} elements: {} cycles{}{}", op_name(static_cast<TensorOp>(t.op)),
              std::max<uint32_t>(t.rows, 1), t.len, cycles, error.empty() ? "" : ", failed: ", error);
      finish(t, a.tile, start + cycles, error);
    } else if (addr == kIrqAck || (addr == kIrqEnable && !(a.value & 1))) {
      if (addr == kIrqEnable) t.irq_enable = 0;
      if (irq_) irq_(a.tile, UINT64_MAX);
    } else if (!write_reg(t, addr, a.value)) {
      uint32_t current;
      return read_reg(t, addr, cycle, current) ? tlm::TLM_COMMAND_ERROR_RESPONSE : tlm::TLM_ADDRESS_ERROR_RESPONSE;
    }
    return tlm::TLM_OK_RESPONSE;
  }
  const bool waits = addr == kWait || addr == kResult || addr == kIndex;
  const uint64_t when = waits ? wait_idle() : cycle;
  if (addr == kGo || addr == kIrqAck) return tlm::TLM_COMMAND_ERROR_RESPONSE;  // write-only
  return read_reg(t, addr, when, a.value) ? tlm::TLM_OK_RESPONSE : tlm::TLM_ADDRESS_ERROR_RESPONSE;
}

unsigned int TensorEngine::transport_dbg(int, tlm::tlm_generic_payload& gp) {
  const uint32_t tile = tile_of(gp.get_address());
  uint32_t value = 0;
  if (!gp.is_read() || gp.get_data_length() != 4 || tile >= tiles_.size() ||
      !read_reg(tiles_[tile], local_of(gp.get_address()), UINT64_MAX, value))
    return 0;
  std::memcpy(gp.get_data_ptr(), &value, 4);
  return 4;
}

}  // namespace wvp
