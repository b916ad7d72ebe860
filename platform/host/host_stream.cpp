#include "platform/host/host_stream.h"

#include <algorithm>
#include <cstring>
#include <iomanip>
#include <sstream>

#include <nlohmann/json.hpp>

#include "platform/host/host_load.h"
#include "platform/assembly/wafer.h"
#include "tlm/ps_time.h"

namespace wvp {

HostStream::HostStream(Wafer& wafer, std::optional<Block> in, WordSink sink) : wafer_(wafer), sink_(std::move(sink)) {
  const HostConfig& host = wafer.config().host;
  summary_.links = host.load == HostLoadPath::Links;
  const bool doorbell = in && !in->bytes.empty();
  if (doorbell) {
    Wafer::check_write(in->addr, in->bytes.size(), wafer.config().sram.size_bytes);
    summary_.in_bytes = in->bytes.size();
    if (summary_.links) {
      // Nothing on the wafer holds the block up (its SRAM takes every byte), so its crossing is
      // settled before the run; only the doorbell's cycle depends on it. The tiles get the bytes
      // the links delivered.
      std::vector<uint8_t> delivered(in->bytes.size());
      const HostLoadReport r = host_loader(host)->load({{0, in->bytes}}, [&](uint64_t at, std::span<const uint8_t> bytes) {
        std::memcpy(delivered.data() + at, bytes.data(), bytes.size());
      });
      require_intact(r);
      in->bytes = std::move(delivered);
      summary_.in_arrived_ps = r.end_ps;
      summary_.in_first_principles_ps = r.first_principles_ps;
      for (const LinkStats& l : r.link_stats) summary_.in_retries += l.retries;
      const uint64_t period_ps = to_ps(wafer.clock().period());
      summary_.doorbell_cycle = (r.end_ps + period_ps - 1) / period_ps;
    }
    wafer.write_all(in->addr, in->bytes);
  }
  if (summary_.links) {
    // The return direction of the first host link: the loader's links are checked already.
    LinkParams params = host_loader_params(host).link;
    params.name = "host.out";
    out_ = std::make_unique<Link>(params);
    out_->set_deliver([this](const LinkItem&, uint64_t time_ps) {
      HostWord word = on_link_.front();
      on_link_.pop_front();
      word.arrived_ps = time_ps;
      take(word);
      return true;
    });
    sc_core::sc_spawn([this] { drive_out(); });
  }
  wafer.ctl().set_host_out([this](const TileIdentity& id, uint32_t word, uint64_t time_ps) { send_out(id.x, id.y, word, time_ps); });
  if (doorbell)
    for (uint32_t tile = 0; tile < wafer.cores().size(); ++tile) wafer.cores()[tile].set_software_irq_at(summary_.doorbell_cycle);
}

HostStream::~HostStream() = default;

uint64_t HostStream::now_ps() const { return to_ps(sc_core::sc_time_stamp()); }

void HostStream::take(const HostWord& word) {
  summary_.out.push_back(word);
  if (sink_) sink_(word);
}

void HostStream::send_out(uint32_t x, uint32_t y, uint32_t word, uint64_t time_ps) {
  if (!out_) return take({x, y, word, time_ps, time_ps});
  // The link takes items in time order and may have settled up to a picosecond past SystemC's
  // time (drive_out).
  const uint64_t at = std::max({time_ps, last_sent_ps_, out_->now()});
  last_sent_ps_ = at;
  on_link_.push_back({x, y, word, at, 0});
  // The queue holds hundreds of words and the host takes them at the link's rate; a core
  // outpacing a link by that much has no flow control to stop it, so that is an error, not a loss.
  if (!out_->send({word, 0, 4}, at))
    throw std::runtime_error("host.out: the host link's send queue is full: (" + std::to_string(x) + "," +
                             std::to_string(y) + ") writes words for the host faster than the link carries them");
  sent_.notify();
}

void HostStream::drive_out() {
  for (;;) {
    out_->advance(now_ps() + 1);
    if (const std::optional<uint64_t> next = out_->next_event_ps()) sc_core::wait(from_ps(*next - now_ps()), sent_);
    else sc_core::wait(sent_);
  }
}

void HostStream::checkpoint(Snapshot& s) {
  Snapshot::Section section(s, "host_stream");
  s.fields(summary_.out, on_link_, last_sent_ps_);
  if (out_) out_->checkpoint(s);
}

HostStreamSummary HostStream::finish() {
  if (out_) {
    out_->advance(UINT64_MAX);
    summary_.out_link = out_->stats();
  }
  return summary_;
}

nlohmann::json to_json(const HostStreamSummary& s) {
  nlohmann::json j = {{"path", s.links ? "links" : "backdoor"}, {"in_bytes", s.in_bytes}, {"words_out", s.out.size()}};
  if (!s.links) return j;
  j["in_arrived_seconds"] = static_cast<double>(s.in_arrived_ps) * 1e-12;
  j["doorbell_cycle"] = s.doorbell_cycle;
  j["in_first_principles_seconds"] = s.in_first_principles_ps * 1e-12;
  nlohmann::json sent = nlohmann::json::array(), arrived = nlohmann::json::array();
  for (const HostWord& w : s.out) {
    sent.push_back(static_cast<double>(w.sent_ps) * 1e-12);
    arrived.push_back(static_cast<double>(w.arrived_ps) * 1e-12);
  }
  j["words_out_sent_seconds"] = sent;
  j["words_out_arrived_seconds"] = arrived;
  j["out_link"] = {{"frames", s.out_link.frames},
                   {"retries", s.out_link.retries},
                   {"payload_bytes", s.out_link.payload_bytes},
                   {"energy_pj", s.out_link.energy_pj}};
  return j;
}

std::string describe(const HostStreamSummary& s) {
  std::ostringstream line;
  line << std::fixed << std::setprecision(3) << "host stream over the links: " << s.in_bytes << " bytes in, delivered at "
       << static_cast<double>(s.in_arrived_ps) * 1e-6 << " us (" << s.in_first_principles_ps * 1e-6
       << " us from first principles, " << s.in_retries << " frames replayed), doorbell at cycle " << s.doorbell_cycle << "; " << s.out.size() << " words out";
  if (!s.out.empty())
    line << ", the first at the host at " << static_cast<double>(s.out.front().arrived_ps) * 1e-6 << " us, the last at "
         << static_cast<double>(s.out.back().arrived_ps) * 1e-6 << " us";
  line << " (" << s.out_link.retries << " frames replayed)";
  return line.str();
}

}  // namespace wvp
