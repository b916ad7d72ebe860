// The instruction trace of chosen cores (`wafervp run --trace-insn X,Y[:FROM-TO]`): a line per
// instruction a core executes in its window of cycles, with the cycle it began at, the PE, the
// pc, the instruction word, its disassembly and the new value of the register it writes:
//
//            0 (0,0) 80000000: 00004197  auipc gp,0x4                      gp=80004000
//
// Lines of different cores interleave in the order the cluster runs them (by quantum); each
// core's own lines never depend on the quantum.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>

#include "models/core/core.h"

namespace wvp {

class InsnTrace final : public InsnTracer {
 public:
  // Writes to `path`, or to stderr if it is empty; the PE of a core is its hart id (the tile)
  // on a grid `width` tiles wide. Throws std::runtime_error naming the path.
  InsnTrace(const std::string& path, uint32_t width);
  ~InsnTrace() override;
  InsnTrace(const InsnTrace&) = delete;
  InsnTrace& operator=(const InsnTrace&) = delete;

  void executed(const Core& core, uint64_t cycle, uint32_t pc, uint32_t insn, bool trapped) override;
  // Flushes the lines; throws std::runtime_error naming the path when they could not be written.
  void finish();

 private:
  std::string path_;
  std::FILE* file_;
  uint32_t width_;
};

}  // namespace wvp
