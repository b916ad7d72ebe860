// The host's writes into the wafer before the run, by the path host.load chooses: the ELF's
// segments (the same in every tile), per-tile data (model shards) and words at symbols (the
// firmware's parameters).
//
// backdoor: each write lands in the tiles' SRAM at once, in no simulated time.
//
// links: the writes go through a HostLoader (models/host/host_loader.h) of host.links links of
// host.lanes x host.lane_gbps: framed, striped over the links, bit errors caught by CRC and
// replayed, and placed in the tiles' SRAM by its write callback as they are delivered. The cores
// are held in reset meanwhile and leave it at cycle 0 once the load is over, so the run's cycles
// are the backdoor's and the load's time is reported beside them and added for the total.
//
// What crosses the links. A write for every tile (the image, a parameter) crosses them once and
// the fabric multicasts it to the tiles, as a host loading an SPMD program does: a copy per tile
// would cost the tile count over the links for identical bytes. Per-tile data crosses once per
// tile. The fabric's fan-out inside the wafer is not timed; the load takes the links' time.
//
// Order. The writes are sent in batches, each a HostLoader load that starts when the previous one
// has been delivered. A write that overlaps one still queued (a parameter inside the image's
// .data) starts a new batch, so the later write lands last, as with the backdoor; a batch also
// closes at kBatchBytes, which bounds the host memory the queued bytes take.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "models/host/host_loader.h"
#include "platform/config/config.h"
#include "platform/host/elf_loader.h"

namespace wvp {

class Wafer;

// The links of host.* (platform/config/config.h), and a loader over them; host_loader throws
// ConfigError naming those keys for links the link model refuses.
HostLoaderParams host_loader_params(const HostConfig& host);
std::unique_ptr<HostLoader> host_loader(const HostConfig& host);
// Throws LoadError unless every byte of a load arrived as sent.
void require_intact(const HostLoadReport& report);

struct HostLoadSummary {
  uint32_t links = 0, lanes = 0;
  double lane_gbps = 0;
  uint32_t tiles = 0;
  uint64_t broadcast_bytes = 0;  // for every tile (image, parameters): crossed once
  uint64_t tile_bytes = 0;       // per-tile data, over all tiles
  uint64_t sram_bytes = 0;       // written into the tiles: broadcast_bytes x tiles + tile_bytes
  uint32_t segments = 0;        // sent, each behind a header on every link that carries part of it
  uint32_t batches = 0;
  double frame_efficiency = 0;   // payload bytes over the frame's bytes on the wire
  HostLoadReport report;         // over all batches, from 0 ps: bytes, time, first principles, links
  uint64_t retries() const;      // replayed frames over all links
};

nlohmann::json to_json(const HostLoadSummary& summary);
std::string describe(const HostLoadSummary& summary);  // one line for reports

class HostLoad {
 public:
  static constexpr uint64_t kBatchBytes = uint64_t{64} << 20;

  // The path and the links of wafer.config().host; throws ConfigError naming the host.* keys
  // for links the link model refuses.
  explicit HostLoad(Wafer& wafer);
  ~HostLoad();

  // Points the cores at the image (Wafer::boot) and writes its file bytes into every tile.
  void image(const ElfImage& image);
  // Bytes for tile `tile` only. Throws LoadError outside the SRAM.
  void write(size_t tile, uint32_t addr, std::vector<uint8_t> bytes);
  // A 32-bit word for every tile. Throws LoadError outside the SRAM or unaligned.
  void poke(uint32_t addr, uint32_t value);
  // Delivers what is still queued; the load through the links, or nothing for the backdoor.
  std::optional<HostLoadSummary> finish();

 private:
  static constexpr uint32_t kEveryTile = UINT32_MAX;
  struct Pending {
    uint32_t tile;  // or kEveryTile
    uint32_t addr;
    std::vector<uint8_t> bytes;
  };
  void queue(uint32_t tile, uint32_t addr, std::vector<uint8_t> bytes);
  bool overlaps_queued(uint32_t tile, uint32_t lo, uint32_t hi) const;
  void send();  // the queued writes, as one batch

  Wafer& wafer_;
  std::unique_ptr<HostLoader> loader_;  // null: the backdoor
  std::vector<Pending> pending_;
  uint64_t pending_bytes_ = 0;
  std::map<uint32_t, std::vector<std::pair<uint32_t, uint32_t>>> queued_;  // [lo, hi) by tile
  HostLoadSummary summary_;
};

}  // namespace wvp
