#include "models/host/host_loader.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <deque>
#include <stdexcept>

namespace wvp {

namespace {
constexpr uint32_t kBlockPayloadBytes = 8;  // of a 66-bit block
}  // namespace

struct HostLoader::Share {
  uint64_t address = 0, length = 0;  // the segment's
  uint32_t first = 0;                // the index of this link's first chunk of it
  uint32_t stride = 1;               // from one of its chunks to the next: the number of links
  uint32_t chunk = 1;                // bytes
  uint32_t segment = 0;              // its number in the load

  std::array<uint8_t, kHeaderBytes> encode() const {
    std::array<uint8_t, kHeaderBytes> h{};
    store_le(h.data(), address, 8);
    store_le(h.data() + 8, length, 8);
    store_le(h.data() + 16, first, 4);
    store_le(h.data() + 20, stride, 4);
    store_le(h.data() + 24, chunk, 4);
    store_le(h.data() + 28, segment, 4);
    return h;
  }
  static Share decode(const uint8_t* h) {
    return {load_le(h, 8),
            load_le(h + 8, 8),
            static_cast<uint32_t>(load_le(h + 16, 4)),
            static_cast<uint32_t>(load_le(h + 20, 4)),
            static_cast<uint32_t>(load_le(h + 24, 4)),
            static_cast<uint32_t>(load_le(h + 28, 4))};
  }
  // The bytes this link carries of the segment: its chunks, the segment's last one maybe short.
  uint64_t bytes() const {
    const uint64_t chunks = (length + chunk - 1) / chunk;
    if (first >= chunks) return 0;
    const uint64_t mine = (chunks - 1 - first) / stride + 1;
    const bool has_last = (chunks - 1 - first) % stride == 0;
    return mine * chunk - (has_last ? chunks * chunk - length : 0);
  }
  // Where the segment's byte that is number `k` of this link's part goes, as an offset in it.
  uint64_t offset(uint64_t k) const { return (first + k / chunk * stride) * uint64_t{chunk} + k % chunk; }
};

// The wafer's end of one link: a header, then the bytes of its share, then the next header.
struct HostLoader::Receiver {
  std::array<uint8_t, kHeaderBytes> header{};
  uint32_t header_bytes = 0;  // of the next header received so far
  Share share;
  uint64_t share_bytes = 0;
  uint64_t received = 0;  // of the share
};

void HostLoader::fail(const std::string& what) const {
  throw std::invalid_argument("host loader '" + params_.name + "': " + what);
}

HostLoader::HostLoader(const HostLoaderParams& params) : params_(params) {
  if (params_.links < 1 || params_.links > 4096) fail("links must be 1 to 4096 (got " + std::to_string(params_.links) + ")");
  for (uint32_t i = 0; i < params_.links; ++i) {
    LinkParams p = params_.link;
    p.name = params_.name + "." + std::to_string(i);
    p.seed = params_.link.seed + i;
    try {
      links_.push_back(std::make_unique<Link>(p));
    } catch (const std::invalid_argument& e) {
      fail(e.what());
    }
    streams_.push_back(std::make_unique<LinkStream>(
        *links_.back(), [this, i](std::span<const uint8_t> bytes, uint64_t t) { receive(i, bytes, t); }));
    receivers_.push_back(std::make_unique<Receiver>());
  }
}

HostLoader::~HostLoader() = default;

double HostLoader::frame_efficiency() const {
  const uint32_t chunk = params_.link.frame_payload_bytes;
  return static_cast<double>(chunk) / (static_cast<double>(links_.front()->frame_blocks(chunk)) * kBlockPayloadBytes);
}

double HostLoader::first_principles_ps(uint64_t bytes) const {
  const double gbps = params_.links * links_.front()->data_gbps() * frame_efficiency();
  return static_cast<double>(bytes) * 8 / gbps * 1000;
}

void HostLoader::receive(size_t link, std::span<const uint8_t> bytes, uint64_t time_ps) {
  Receiver& rx = *receivers_[link];
  report_.end_ps = std::max(report_.end_ps, time_ps);
  while (!bytes.empty()) {
    if (rx.share_bytes == rx.received) {
      const uint32_t n = std::min<uint32_t>(kHeaderBytes - rx.header_bytes, static_cast<uint32_t>(bytes.size()));
      std::memcpy(rx.header.data() + rx.header_bytes, bytes.data(), n);
      rx.header_bytes += n;
      bytes = bytes.subspan(n);
      if (rx.header_bytes < kHeaderBytes) return;
      rx.header_bytes = 0;
      rx.share = Share::decode(rx.header.data());
      rx.share_bytes = rx.share.bytes();
      rx.received = 0;
      if (rx.share.segment >= segments_->size() || rx.share.chunk == 0)
        throw std::logic_error("host loader '" + params_.name + "': link " + std::to_string(link) + " received a bad header");
      continue;
    }
    // Up to the end of the chunk: the next byte of the share goes a stride further on.
    const uint64_t offset = rx.share.offset(rx.received);
    const uint64_t n = std::min<uint64_t>({bytes.size(), rx.share.chunk - rx.received % rx.share.chunk,
                                           rx.share_bytes - rx.received});
    const auto piece = bytes.first(n);
    (*write_)(rx.share.address + offset, piece);
    const uint8_t* sent = (*segments_)[rx.share.segment].bytes.data() + offset;
    if (std::memcmp(piece.data(), sent, n) != 0)
      for (uint64_t i = 0; i < n; ++i) report_.mismatched_bytes += piece[i] != sent[i];
    report_.delivered_bytes += n;
    rx.received += n;
    bytes = bytes.subspan(n);
  }
}

HostLoadReport HostLoader::load(const std::vector<LoadSegment>& segments, const Write& write, uint64_t start_ps) {
  const uint32_t links = params_.links, chunk = params_.link.frame_payload_bytes;
  report_ = HostLoadReport{};
  segments_ = &segments;
  write_ = &write;
  uint64_t start = start_ps;
  std::vector<uint64_t> busy_before;
  for (const auto& link : links_) {
    start = std::max(start, link->now());
    busy_before.push_back(link->stats().busy_ps);
  }
  report_.start_ps = report_.end_ps = start;

  std::deque<std::array<uint8_t, kHeaderBytes>> headers;  // sent by reference: must not move
  uint64_t dealt = 0;  // chunks dealt out over the links so far
  for (size_t s = 0; s < segments.size(); ++s) {
    const LoadSegment& seg = segments[s];
    const uint64_t size = seg.bytes.size();
    if (size == 0) continue;
    report_.bytes += size;
    const uint64_t chunks = (size + chunk - 1) / chunk;
    for (uint32_t j = 0; j < links; ++j) {
      const uint32_t first = static_cast<uint32_t>((j + links - dealt % links) % links);
      if (first >= chunks) continue;
      headers.push_back(Share{seg.address, size, first, links, chunk, static_cast<uint32_t>(s)}.encode());
      streams_[j]->send(headers.back(), start);
      for (uint64_t i = first; i < chunks; i += links)
        streams_[j]->send(seg.bytes.subspan(i * chunk, std::min<uint64_t>(chunk, size - i * chunk)), start);
    }
    dealt += chunks;
  }
  for (const auto& stream : streams_) stream->drain();

  report_.load_ps = report_.end_ps - report_.start_ps;
  report_.first_principles_ps = first_principles_ps(report_.bytes);
  for (size_t j = 0; j < links; ++j) {
    const LinkStats stats = links_[j]->stats();
    report_.link_stats.push_back(stats);
    report_.link_utilisation.push_back(
        report_.load_ps ? static_cast<double>(stats.busy_ps - busy_before[j]) / static_cast<double>(report_.load_ps) : 0);
  }
  segments_ = nullptr;
  write_ = nullptr;
  return report_;
}

}  // namespace wvp
