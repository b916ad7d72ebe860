// The host's side of loading a wafer: segments (an ELF's loadable segments, weight shards) pushed
// through parallel off-wafer links (the wafer's SerDes) and handed, as they arrive, to a write
// callback that puts them into the target memory. Reports the simulated load time beside the
// first-principles figure, bytes / (links x data rate x frame efficiency), and each link's
// utilisation.
//
// Striping. Each segment is cut into chunks of frame_payload_bytes, one link frame each, dealt
// round robin over the links (continuing from where the previous segment stopped, so small
// segments spread too). A link with chunks of a segment first gets a 32-byte header (address,
// length, the index of its first chunk, the stride, the chunk size, the segment's number), from
// which its receiving end places every byte that follows: the addresses cross the link as well
// as the data, and no per-chunk header costs frame payload.
//
// Every delivered byte is compared with the byte sent at its place; the report counts the
// delivered bytes and the ones that differ.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "models/link/link.h"
#include "models/link/link_stream.h"

namespace wvp {

struct HostLoaderParams {
  std::string name = "host";  // in every error message and the links' names
  uint32_t links = 12;        // parallel links: WSE-3's 12 x 100 GbE
  LinkParams link;            // each link (to the wafer); link i is <name>.<i> with seed + i
};

struct LoadSegment {
  uint64_t address = 0;
  std::span<const uint8_t> bytes;  // kept by the caller until load() returns
};

struct HostLoadReport {
  uint64_t bytes = 0;             // sent
  uint64_t delivered_bytes = 0;
  uint64_t mismatched_bytes = 0;  // delivered bytes that differ from the ones sent there
  uint64_t start_ps = 0;          // the load began
  uint64_t end_ps = 0;            // its last byte was delivered
  uint64_t load_ps = 0;           // end_ps - start_ps
  double first_principles_ps = 0; // bytes / (links x data rate after 64b/66b x frame efficiency)
  std::vector<double> link_utilisation;  // each link's wire busy during the load
  std::vector<LinkStats> link_stats;     // each link's, after the load
  bool intact() const { return delivered_bytes == bytes && mismatched_bytes == 0; }
};

class HostLoader {
 public:
  static constexpr uint32_t kHeaderBytes = 32;
  using Write = std::function<void(uint64_t address, std::span<const uint8_t> bytes)>;

  // Throws std::invalid_argument naming the loader for no links or link parameters out of range.
  explicit HostLoader(const HostLoaderParams& params);
  ~HostLoader();

  // Sends every segment from start_ps (or from the links' settled time if later) and advances
  // the links until every byte is delivered to `write`.
  HostLoadReport load(const std::vector<LoadSegment>& segments, const Write& write, uint64_t start_ps = 0);

  const HostLoaderParams& params() const { return params_; }
  const Link& link(size_t i) const { return *links_.at(i); }
  // Payload bytes per frame over the frame's bytes on the wire.
  double frame_efficiency() const;
  // bytes / (links x data rate x frame efficiency), in ps.
  double first_principles_ps(uint64_t bytes) const;

 private:
  struct Share;  // what one link carries of one segment
  struct Receiver;
  void receive(size_t link, std::span<const uint8_t> bytes, uint64_t time_ps);
  [[noreturn]] void fail(const std::string& what) const;

  const HostLoaderParams params_;
  std::vector<std::unique_ptr<Link>> links_;
  std::vector<std::unique_ptr<LinkStream>> streams_;
  std::vector<std::unique_ptr<Receiver>> receivers_;
  // The load under way.
  const std::vector<LoadSegment>* segments_ = nullptr;
  const Write* write_ = nullptr;
  HostLoadReport report_;
};

}  // namespace wvp
