/* Phase markers: firmware tells the platform's profiler which step of its work it is in (and
 * for which model layer) and what it is doing meanwhile (its activity). The profiler sums the
 * cycles each core spends per step, layer and activity (`--stats`), draws them on a timeline
 * (`--trace`) and `wafervp decode` explains the time per token with them.
 *
 * Steps are the decode firmware's; other firmware may use them or its own numbers (the
 * profiler then names a step by its number). Activities come from the libraries: a tensor
 * descriptor being waited for, data moving over the fabric, waiting for the other cores.
 *
 * Plain C and X-macros: the platform includes this header for the names. */
#ifndef WVP_PHASES_H
#define WVP_PHASES_H

#define WVP_STEPS(X)                   \
  X(SETUP, "setup")                    \
  X(EMBED, "embed")                    \
  X(ATTENTION_NORM, "attention_norm")  \
  X(QKV, "qkv")                        \
  X(ROPE, "rope")                      \
  X(ATTENTION, "attention")            \
  X(OUTPUT, "output")                  \
  X(FFN_NORM, "ffn_norm")              \
  X(FFN, "ffn")                        \
  X(FINAL_NORM, "final_norm")          \
  X(CLASSIFIER, "classifier")          \
  X(SAMPLE, "sample")                  \
  X(HANDOFF, "handoff")                \
  X(DONE, "done")

/* What the core is doing within a step: running its own instructions, waiting for its tensor
 * engine, moving data over the fabric (including waiting for its turn in a collective), waiting
 * for every core to reach the same point, or waiting for an off-wafer memory (its turn to use
 * the way there included). */
#define WVP_ACTIVITIES(X) \
  X(CORE, "core")         \
  X(TENSOR, "tensor")     \
  X(FABRIC, "fabric")     \
  X(SYNC, "sync")         \
  X(MEMORY, "memory")

#define WVP_PHASE_ENUM_ENTRY(id, name) WVP_STEP_##id,
enum { WVP_STEPS(WVP_PHASE_ENUM_ENTRY) WVP_STEP_COUNT };
#undef WVP_PHASE_ENUM_ENTRY
#define WVP_PHASE_ENUM_ENTRY(id, name) WVP_ACTIVITY_##id,
enum { WVP_ACTIVITIES(WVP_PHASE_ENUM_ENTRY) WVP_ACTIVITY_COUNT };
#undef WVP_PHASE_ENUM_ENTRY

#define WVP_NO_LAYER 0xFF /* a step outside the layers */

#endif /* WVP_PHASES_H */
