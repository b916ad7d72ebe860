#include "platform/assembly/rank_links.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace wvp {

namespace {

template <typename T>
void put(std::vector<uint8_t>& out, T value) {
  const size_t at = out.size();
  out.resize(at + sizeof value);
  std::memcpy(out.data() + at, &value, sizeof value);
}

// A message of another rank, read with its bounds checked: a malformed one is an internal error
// that names the rank, not a read past the buffer.
struct Reader {
  const std::vector<uint8_t>& in;
  size_t at = 0;
  int rank;
  template <typename T>
  T get() {
    if (in.size() - at < sizeof(T))
      throw std::runtime_error("rank " + std::to_string(rank) + " sent a crossing cut short at byte " + std::to_string(at));
    T value;
    std::memcpy(&value, in.data() + at, sizeof value);
    at += sizeof value;
    return value;
  }
};

}  // namespace

RankLinks::RankLinks(RankSync& sync, const Clock& clock)
    : sync_(sync), clock_(clock), out_(static_cast<size_t>(sync.ranks())), in_(static_cast<size_t>(sync.ranks())) {}

void RankLinks::add(Link& link, uint32_t from, uint32_t to) {
  const uint32_t id = static_cast<uint32_t>(links_.size());
  links_.push_back({&link, from, to});
  if (from == to) return;
  // Every rank sees every cut link, so all agree on the window.
  if (link.crossing_latency_ps() == 0)
    throw std::invalid_argument("link '" + link.params().name + "' joins two ranks with no latency: nothing to run ahead by");
  window_ps_ = std::min(window_ps_, link.crossing_latency_ps());
  next_window_ps_ = window_ps_;
  const uint32_t self = static_cast<uint32_t>(sync_.rank());
  if (self != from && self != to) return;
  const bool sender = self == from;
  const uint32_t peer = sender ? to : from;
  link.cut(sender ? LinkHalf::Sender : LinkHalf::Receiver,
           [this, peer, id](const LinkCrossing& crossing) { post(peer, id, crossing); });
}

void RankLinks::post(uint32_t peer, uint32_t id, const LinkCrossing& c) {
  std::vector<uint8_t>& out = out_[peer];
  put(out, id);
  put(out, c.time);
  put(out, static_cast<uint8_t>(c.kind));
  put(out, static_cast<uint8_t>(c.bad));
  put(out, c.arg);
  put(out, static_cast<uint32_t>(c.items.size()));
  for (const LinkItem& item : c.items) put(out, item.data), put(out, item.tag), put(out, item.bytes);
  ++crossings_;
}

std::optional<uint64_t> RankLinks::next_event_ps() const {
  if (done_ || next_window_ps_ == UINT64_MAX) return std::nullopt;
  return next_window_ps_;
}

void RankLinks::advance(uint64_t limit_ps) {
  while (!done_ && next_window_ps_ < limit_ps) swap();
}

void RankLinks::swap() {
  bool still = false;
  if (domain_idle_ && (finished_ || cores_wait_())) {
    probing_ = true;
    still = domain_idle_();
    probing_ = false;
  }
  const RankSync::Together together = sync_.exchange(out_, in_, finished_, still);
  done_ = together.all_finished || together.all_still;
  for (auto& out : out_) out.clear();
  for (int rank = 0; rank < sync_.ranks(); ++rank) {
    Reader r{in_[rank], 0, rank};
    while (r.at < r.in.size()) {
      const uint32_t id = r.get<uint32_t>();
      if (id >= links_.size()) throw std::runtime_error("rank " + std::to_string(rank) + " sent a crossing for link " + std::to_string(id) + " of " + std::to_string(links_.size()));
      LinkCrossing c;
      c.time = r.get<uint64_t>();
      const uint8_t kind = r.get<uint8_t>();
      if (kind > LinkCrossing::Credit) throw std::runtime_error("rank " + std::to_string(rank) + " sent a crossing of kind " + std::to_string(kind));
      c.kind = static_cast<LinkCrossing::Kind>(kind);
      c.bad = r.get<uint8_t>() != 0;
      c.arg = r.get<uint64_t>();
      const uint32_t items = r.get<uint32_t>();
      if (items > r.in.size()) throw std::runtime_error("rank " + std::to_string(rank) + " sent a frame of " + std::to_string(items) + " items");
      c.items.resize(items);
      for (LinkItem& item : c.items) item.data = r.get<uint64_t>(), item.tag = r.get<uint32_t>(), item.bytes = r.get<uint32_t>();
      links_[id].link->take(c);
    }
  }
  next_window_ps_ += window_ps_;
}

void RankLinks::gather_stats(uint64_t end_ps) {
  const uint32_t self = static_cast<uint32_t>(sync_.rank());
  std::vector<uint8_t> mine;
  for (uint32_t id = 0; id < links_.size(); ++id) {
    const Added& a = links_[id];
    if (a.from != self && a.to != self) continue;
    put(mine, id);
    put(mine, a.link->stats_at(end_ps));
  }
  const std::vector<std::string> all = sync_.gather(std::string(mine.begin(), mine.end()));
  for (size_t rank = 1; rank < all.size(); ++rank) {
    const std::vector<uint8_t> in(all[rank].begin(), all[rank].end());
    Reader r{in, 0, static_cast<int>(rank)};
    while (r.at < in.size()) {
      const uint32_t id = r.get<uint32_t>();
      if (id >= links_.size()) throw std::runtime_error("rank " + std::to_string(rank) + " reported link " + std::to_string(id) + " of " + std::to_string(links_.size()));
      links_[id].link->add_far_stats(r.get<LinkStats>());
    }
  }
}

}  // namespace wvp
