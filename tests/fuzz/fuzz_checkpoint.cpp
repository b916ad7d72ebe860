// The llama2.c checkpoint reader on arbitrary files: a model whose weights are finite and whose
// size the header accounts for, or a ModelError naming the file. An accepted model also runs
// one position of the reference forward pass, which indexes by the header's dimensions.
#include <cmath>
#include <cstdint>

#include "fuzz_support.h"
#include "platform/llama/checkpoint.h"
#include "platform/llama/reference.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using wvp::fuzz::require;
  const std::string& path = wvp::fuzz::input_file(data, size, ".bin");
  try {
    const wvp::llama::Model m = wvp::llama::read_checkpoint(path);
    require(m.config.file_bytes() == size, "accepted a file whose size is not the header's");
    // Every weight in use is finite (run.c's former RoPE tables, between rms_final and a separate
    // classifier, are not).
    const wvp::llama::ModelWeights& w = m.weights;
    const uint64_t dim = uint64_t(m.config.dim), vocab = uint64_t(m.config.vocab_size);
    for (const float* p = w.data.data(); p != w.rms_final + dim; ++p) require(std::isfinite(*p), "accepted a weight that is not finite");
    for (uint64_t i = 0; !m.config.shared_classifier && i < vocab * dim; ++i)
      require(std::isfinite(w.classifier[i]), "accepted a classifier weight that is not finite");
    wvp::llama::Reference reference(m);
    const std::vector<float>& logits = reference.forward(0, 0);
    require(logits.size() == size_t(m.config.vocab_size), "the forward pass gave another number of logits than the vocabulary");
  } catch (const wvp::llama::ModelError& e) {
    wvp::fuzz::require_clear_error(e.what(), path + ": ");
  }
  return 0;
}
