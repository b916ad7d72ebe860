#include "platform/host/host_load.h"

#include <algorithm>
#include <cstring>
#include <iomanip>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "platform/assembly/wafer.h"

namespace wvp {

HostLoaderParams host_loader_params(const HostConfig& host) {
  HostLoaderParams p;
  p.links = host.links;
  p.link.lanes = host.lanes;
  p.link.lane_gbps = host.lane_gbps;
  p.link.bit_error_rate = host.bit_error_rate;
  // Slow lanes take longer than the default replay timer for a full frame's round trip; a
  // timer of two round trips replays only what was really lost.
  p.link.replay_timeout_ns = std::max(p.link.replay_timeout_ns, 2 * full_frame_round_trip_ns(p.link));
  return p;
}

namespace {

// The loader's address of a write: the tile in the upper word, its SRAM address in the lower.
constexpr uint64_t host_address(uint32_t tile, uint32_t addr) { return uint64_t{tile} << 32 | addr; }

}  // namespace

std::unique_ptr<HostLoader> host_loader(const HostConfig& host) {
  try {
    return std::make_unique<HostLoader>(host_loader_params(host));
  } catch (const std::invalid_argument& e) {
    throw ConfigError(std::string("host.links, host.lanes, host.lane_gbps, host.bit_error_rate: ") + e.what());
  }
}

void require_intact(const HostLoadReport& r) {
  if (!r.intact())
    throw LoadError("host links: " + std::to_string(r.delivered_bytes) + " of " + std::to_string(r.bytes) +
                    " bytes delivered, " + std::to_string(r.mismatched_bytes) + " of them wrong");
}

uint64_t HostLoadSummary::retries() const {
  uint64_t n = 0;
  for (const LinkStats& s : report.link_stats) n += s.retries;
  return n;
}

HostLoad::HostLoad(Wafer& wafer) : wafer_(wafer) {
  const HostConfig& host = wafer.config().host;
  if (host.load == HostLoadPath::Backdoor) return;
  loader_ = host_loader(host);
  summary_.links = host.links;
  summary_.lanes = host.lanes;
  summary_.lane_gbps = host.lane_gbps;
  summary_.tiles = static_cast<uint32_t>(wafer.tile_count());
  summary_.frame_efficiency = loader_->frame_efficiency();
}

HostLoad::~HostLoad() = default;

void HostLoad::image(const ElfImage& image) {
  if (!loader_) return wafer_.load(image);
  wafer_.boot(image);
  for (const ElfSegment& seg : image.segments) queue(kEveryTile, seg.vaddr, seg.bytes);
}

void HostLoad::write(size_t tile, uint32_t addr, std::vector<uint8_t> bytes) {
  if (!loader_) return wafer_.write(tile, addr, bytes);
  Wafer::check_write(addr, bytes.size(), wafer_.config().sram.size_bytes);
  queue(static_cast<uint32_t>(tile), addr, std::move(bytes));
}

void HostLoad::poke(uint32_t addr, uint32_t value) {
  if (!loader_) return wafer_.poke(addr, value);
  Wafer::check_word(addr, wafer_.config().sram.size_bytes);
  std::vector<uint8_t> bytes(4);
  std::memcpy(bytes.data(), &value, 4);
  queue(kEveryTile, addr, std::move(bytes));
}

bool HostLoad::overlaps_queued(uint32_t tile, uint32_t lo, uint32_t hi) const {
  const auto hit = [lo, hi](const std::vector<std::pair<uint32_t, uint32_t>>& ranges) {
    return std::any_of(ranges.begin(), ranges.end(), [lo, hi](const auto& r) { return r.first < hi && lo < r.second; });
  };
  if (tile == kEveryTile) return std::any_of(queued_.begin(), queued_.end(), [&](const auto& t) { return hit(t.second); });
  for (uint32_t t : {tile, kEveryTile})
    if (const auto it = queued_.find(t); it != queued_.end() && hit(it->second)) return true;
  return false;
}

void HostLoad::queue(uint32_t tile, uint32_t addr, std::vector<uint8_t> bytes) {
  if (bytes.empty()) return;
  const uint32_t hi = addr + static_cast<uint32_t>(bytes.size());
  if (overlaps_queued(tile, addr, hi) || pending_bytes_ + bytes.size() > kBatchBytes) send();
  (tile == kEveryTile ? summary_.broadcast_bytes : summary_.tile_bytes) += bytes.size();
  summary_.sram_bytes += tile == kEveryTile ? bytes.size() * summary_.tiles : bytes.size();
  queued_[tile].emplace_back(addr, hi);
  pending_bytes_ += bytes.size();
  pending_.push_back({tile, addr, std::move(bytes)});
}

void HostLoad::send() {
  if (pending_.empty()) return;
  std::vector<LoadSegment> segments;
  for (const Pending& p : pending_) segments.push_back({host_address(p.tile, p.addr), p.bytes});
  const HostLoader::Write place = [this](uint64_t address, std::span<const uint8_t> bytes) {
    const uint32_t tile = static_cast<uint32_t>(address >> 32), addr = static_cast<uint32_t>(address);
    if (tile == kEveryTile) wafer_.write_all(addr, bytes);
    else wafer_.write(tile, addr, bytes);
  };
  const HostLoadReport r = loader_->load(segments, place);
  require_intact(r);
  HostLoadReport& total = summary_.report;
  total.bytes += r.bytes;
  total.delivered_bytes += r.delivered_bytes;
  total.end_ps = r.end_ps;
  ++summary_.batches;
  summary_.segments += static_cast<uint32_t>(segments.size());
  pending_.clear();
  pending_bytes_ = 0;
  queued_.clear();
}

std::optional<HostLoadSummary> HostLoad::finish() {
  if (!loader_) return std::nullopt;
  send();
  HostLoadReport& r = summary_.report;
  r.load_ps = r.end_ps - r.start_ps;
  r.first_principles_ps = loader_->first_principles_ps(r.bytes);
  r.link_stats.clear();
  r.link_utilisation.clear();
  for (uint32_t i = 0; i < summary_.links; ++i) {
    const LinkStats& s = loader_->link(i).stats();
    r.link_stats.push_back(s);
    r.link_utilisation.push_back(r.load_ps ? static_cast<double>(s.busy_ps) / static_cast<double>(r.load_ps) : 0.0);
  }
  return summary_;
}

nlohmann::json to_json(const HostLoadSummary& s) {
  const HostLoadReport& r = s.report;
  uint64_t crc_errors = 0;
  for (const LinkStats& l : r.link_stats) crc_errors += l.crc_errors;
  return {{"path", "links"},
          {"links", s.links},
          {"lanes", s.lanes},
          {"lane_gbps", s.lane_gbps},
          {"tiles", s.tiles},
          {"bytes", r.bytes},
          {"broadcast_bytes", s.broadcast_bytes},
          {"tile_bytes", s.tile_bytes},
          {"sram_bytes", s.sram_bytes},
          {"segments", s.segments},
          {"batches", s.batches},
          {"load_seconds", static_cast<double>(r.load_ps) * 1e-12},
          {"first_principles_seconds", r.first_principles_ps * 1e-12},
          {"frame_efficiency", s.frame_efficiency},
          {"link_utilisation", r.link_utilisation},
          {"retries", s.retries()},
          {"crc_errors", crc_errors}};
}

std::string describe(const HostLoadSummary& s) {
  const HostLoadReport& r = s.report;
  const auto [lo, hi] = std::minmax_element(r.link_utilisation.begin(), r.link_utilisation.end());
  std::ostringstream line;
  line << std::setprecision(10) << "host load over " << s.links << " links of " << s.lanes << " x " << s.lane_gbps
       << " Gb/s: " << r.bytes << " bytes (" << s.broadcast_bytes << " once for all " << s.tiles << " tiles, "
       << s.tile_bytes << " per tile) in " << std::fixed << std::setprecision(3) << static_cast<double>(r.load_ps) * 1e-6 << " us, "
       << r.first_principles_ps * 1e-6 << " us from first principles; links " << std::setprecision(1) << *lo * 100
       << "-" << *hi * 100 << "% busy, " << s.retries() << " frames replayed";
  return line.str();
}

}  // namespace wvp
