// The address map every core sees in its tile. Firmware's HAL (sw/runtime/include/wvp/hal.h)
// mirrors these numbers; tests/unit/test_memory_map.cpp keeps the two in step.
#pragma once
#include <cstdint>

#include "models/router/fabric_port.h"
#include "models/tensor/tensor_engine.h"

namespace wvp::memmap {

// Nothing is mapped below kClintBase, so null-pointer accesses fault.
constexpr uint64_t kClintBase = 0x0200'0000;   // CLINT-compatible timer block
constexpr uint64_t kClintSize = 0x0001'0000;
constexpr uint64_t kClintMsip = 0x0000;        // machine software interrupt pending (bit 0)
constexpr uint64_t kClintMtimecmp = 0x4000;    // 64-bit, lo at +0, hi at +4
constexpr uint64_t kClintMtime = 0xBFF8;       // 64-bit, read-only here (ticks = core cycles)

constexpr uint64_t kSysctlBase = 0x0201'0000;  // tile identity, console, exit
constexpr uint64_t kSysctlSize = 0x0000'1000;
constexpr uint64_t kSysctlX = 0x00;            // ro: this core's column
constexpr uint64_t kSysctlY = 0x04;            // ro: this core's row
constexpr uint64_t kSysctlGridW = 0x08;        // ro
constexpr uint64_t kSysctlGridH = 0x0C;        // ro
constexpr uint64_t kSysctlConsole = 0x10;      // wo: one byte of console output
constexpr uint64_t kSysctlExit = 0x14;         // wo: halts this core with the written exit code
constexpr uint64_t kSysctlClockHz = 0x18;      // ro: core clock in Hz
constexpr uint64_t kSysctlSramSize = 0x1C;     // ro: local SRAM bytes
constexpr uint64_t kSysctlStep = 0x20;         // rw: profiler step (bits 0-7) and layer (8-15)
constexpr uint64_t kSysctlActivity = 0x24;     // rw: profiler activity (sw/runtime/include/wvp/phases.h)
constexpr uint64_t kSysctlHostOut = 0x28;      // wo: a word for the host (TileCtl::set_host_out)

// The tile's fabric queues and router configuration (see models/router/fabric_port.h).
constexpr uint64_t kFabricBase = 0x0202'0000;
constexpr uint64_t kFabricSize = fabric_regs::kSize;
constexpr uint64_t kFabricRoute = fabric_regs::kRoute;          // rw [color * 8 + in_port]: output mask
constexpr uint64_t kFabricTx = fabric_regs::kTx;                // wo [color]: blocking send
constexpr uint64_t kFabricRx = fabric_regs::kRx;                // ro [color]: blocking receive
constexpr uint64_t kFabricRxCount = fabric_regs::kRxCount;      // ro [color]
constexpr uint64_t kFabricTxSpace = fabric_regs::kTxSpace;      // ro [color]
constexpr uint64_t kFabricIrqEnable = fabric_regs::kIrqEnable;  // rw: bit per color
constexpr uint64_t kFabricIrqPending = fabric_regs::kIrqPending;
constexpr uint64_t kFabricColors = fabric_regs::kColors;        // ro

// The tile's tensor engine (see models/tensor/tensor_engine.h).
constexpr uint64_t kTensorBase = 0x0203'0000;
constexpr uint64_t kTensorSize = tensor_regs::kSize;

constexpr uint64_t kSramBase = 0x8000'0000;    // local SRAM; its size is a parameter

}  // namespace wvp::memmap
