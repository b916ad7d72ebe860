// The fabric's state in a checkpoint (engine/snapshot.h). A router is saved as the header's
// state and its per-VC arrays as bytes; the geometry a router caches (neighbours, latencies) is
// rebuilt by make_router, so that only what the traffic changed is in the file.
#include "models/router/fabric_internal.h"

namespace wvp {

void Fabric::checkpoint(Snapshot& s) {
  Snapshot::Section section(s, "fabric");
  s.expect(tiles(), "the routers");
  s.expect(params_.colors, "the colors (VCs)");
  s.expect(params_.packets, "the fabric mode (packets)");
  for (uint32_t tile = 0; tile < tiles(); ++tile) {
    Router* r = router_if(tile);
    if (r && r->twin) s.fail(fabric_internal::at(tile, params_.width) + " is an RTL twin (rtl.swap), whose state a checkpoint cannot hold");
    bool touched = r != nullptr;
    s.io(touched);
    if (!touched) {
      if (r) s.fail(fabric_internal::at(tile, params_.width) + " was made before the restore but is not in the checkpoint");
      continue;
    }
    if (!r) r = &make_router(tile);
    s.fields(r->nonempty, r->nonempty_ports, r->rr_in, r->rr_out, r->rr_vc, r->watched, r->source_vc, r->wake_at,
             r->blocked_since, r->active, r->source_head, r->source_sent, r->source_created, r->source, r->stats);
    std::byte* arrays = reinterpret_cast<std::byte*>(r->in);
    s.raw(arrays, static_cast<uint64_t>(reinterpret_cast<std::byte*>(r) + router_state_bytes(params_) - arrays));
  }
  s.fields(pool_, free_rings_);
  // Their capacities too: the host bytes a run reports (bytes_per_touched_router) count them.
  // The pool only grows, a ring at a time, and each vector at most doubles when it grows: a
  // capacity past that is a damaged file, refused before it is allocated.
  uint64_t pool_capacity = pool_.capacity(), free_capacity = free_rings_.capacity();
  s.fields(pool_capacity, free_capacity);
  const uint64_t rings = pool_.size() / ring_flits_;
  if (pool_capacity > 2 * (pool_.size() + ring_flits_) || free_capacity > 2 * (rings + 1))
    s.fail("a flit pool's capacity of " + std::to_string(pool_capacity) + " flits (" + std::to_string(free_capacity) +
           " free rings) for " + std::to_string(pool_.size()) + " flits");
  pool_.reserve(pool_capacity);
  free_rings_.reserve(free_capacity);
  s.fields(wake_wheel_, credit_wheel_, call_wheel_, far_wakes_, edge_lent_, blocked_, next_watchdog_, now_, stop_at_,
           in_flight_, flit_hops_, source_flits_);
}

}  // namespace wvp
