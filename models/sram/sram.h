// Banked local SRAM of a tile: a TLM-2.0 target with DMI. Words are interleaved over banks;
// a bank serves one access per cycle, so accesses that arrive together on one bank queue up.
// The ports bound bandwidth per cycle (WSE: two 64-bit reads and one 64-bit write).
#pragma once
#include <cstdint>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

namespace wvp {

struct SramParams {
  uint32_t size_bytes = 48 * 1024;
  uint32_t banks = 8;
  uint32_t bank_width_bytes = 4;
  uint32_t access_latency_cycles = 0;  // added to every access; DMI reports it as its latency
  uint32_t read_bytes_per_cycle = 16;
  uint32_t write_bytes_per_cycle = 8;
  double clock_hz = 1.1e9;
};

struct SramStats {
  uint64_t reads = 0, writes = 0;
  uint64_t read_bytes = 0, write_bytes = 0;
  uint64_t bank_conflict_cycles = 0;  // cycles accesses waited for a busy bank
};

class Sram : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Sram> socket;

  // `backing` is size_bytes of zeroed host memory owned by the caller (see HostMemory), so that
  // untouched SRAM costs no host memory.
  Sram(sc_core::sc_module_name name, const SramParams& params, uint8_t* backing);

  const SramParams& params() const { return params_; }
  const SramStats& stats() const { return stats_; }
  uint8_t* data() { return mem_; }

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi);
  unsigned int transport_dbg(tlm::tlm_generic_payload& gp);
  // Cycles from `start_cycle` until an access of `len` bytes at `addr` completes.
  uint64_t occupy_banks(uint64_t addr, uint32_t len, bool write, uint64_t start_cycle);

  const SramParams params_;
  const sc_core::sc_time period_;
  uint8_t* const mem_;
  std::vector<uint64_t> bank_free_cycle_;  // first cycle each bank is free again
  SramStats stats_;
};

}  // namespace wvp
