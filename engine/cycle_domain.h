// Blocking accesses between temporally decoupled initiators and a cycle-exact model.
//
// Many cores run back to back in one SystemC thread, each ahead of SystemC time by up to a
// quantum; a model with its own cycle-exact time (the fabric) cannot answer "is there data
// at cycle T?" before it has settled every cycle up to T, and a blocking access cannot call
// wait() without blocking every core of the thread. The two sides therefore synchronise
// conservatively:
//  - an initiator that can stall attaches a StallExtension to its payload;
//  - a target that cannot answer yet replies TLM_GENERIC_ERROR_RESPONSE with the extension
//    saying "not performed, retry": once the domain has settled up to a cycle, or once the
//    domain wakes the initiator. The access has no effect, so the initiator re-issues it then;
//  - the initiator's scheduler advances the domain (CycleDomain) no further than the earliest
//    cycle at which any of its initiators can still act.
// The extension is ignorable as the base protocol requires: an initiator without it never
// stalls and gets an error where it would have had to wait.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include <tlm>

namespace wvp {

struct StallExtension : tlm::tlm_extension<StallExtension> {
  enum class Until : uint8_t {
    None,     // the access was performed (or failed for good)
    Settled,  // retry at the same cycle once the domain has settled every cycle before `cycle`
    // retry when the domain wakes this initiator (CycleDomain::Waker): at the wake-up's cycle, or
    // for a wake-up by `cycle` (what it waits for came in time), at `cycle` once settled
    Woken,
  };
  uint32_t initiator = 0;  // set by the initiator: the index its domain wakes it by
  Until until = Until::None;
  uint64_t cycle = 0;
  // On a performed access: the initiator stops running after this instruction, so that its
  // scheduler asks the domain anew how far it may run (CycleDomain::run_limit).
  bool yield = false;
  // On a performed access: the waits the target went through on the initiator's behalf (a
  // stream its domain resumed), which the initiator counts as its own stalls, and their cycles.
  uint32_t waits = 0;
  uint64_t waited_cycles = 0;

  tlm::tlm_extension_base* clone() const override { return new StallExtension(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const StallExtension&>(other);
  }
};

// A model with its own cycle-exact time that initiators synchronise with (see above). Times are
// cycles of the initiators' common clock.
class CycleDomain {
 public:
  virtual ~CycleDomain() = default;

  // Wakes initiator `initiator` at `cycle` if it waits for the domain (a stalled access, or
  // asleep with an interrupt the domain raises); returns whether it did. The domain stops its
  // current advance() at that cycle when it returns true.
  using Waker = std::function<bool(uint32_t initiator, uint64_t cycle)>;
  virtual void set_waker(Waker waker) = 0;

  // Every cycle before settled() is final: no initiator may act before it any more.
  virtual uint64_t settled() const = 0;
  // Settles the cycles before `limit`, or fewer when it woke an initiator.
  virtual void advance(uint64_t limit) = 0;
  // How far initiator `initiator`, now at cycle `from`, may run before the domain must settle
  // further (an interrupt the domain may raise in between); UINT64_MAX when it may run freely.
  // Also brings the initiator's interrupt lines from the domain up to date for `from`.
  virtual uint64_t run_limit(uint32_t initiator, uint64_t from) = 0;
  // The earliest cycle after `from` at which the domain already knows it will wake initiator
  // `initiator` (an arrival it announced before the initiator began to wait); UINT64_MAX if
  // none. Asked when an initiator starts waiting or sleeps.
  virtual uint64_t pending_wake(uint32_t initiator, uint64_t from) const = 0;
  // Nothing scheduled: the domain will never wake anyone by itself.
  virtual bool idle() const = 0;
  // What initiator `initiator` waits for, for deadlock reports ("" if nothing).
  virtual std::string describe_wait(uint32_t initiator) const = 0;
};

}  // namespace wvp
