// `wafervp make-model`: the deterministic llama2.c checkpoint and tokenizer the decode tests use.
#include <gtest/gtest.h>

#include "firmware_env.h"
#include "platform/llama/checkpoint.h"
#include "platform/llama/tokenizer.h"

namespace wvp::test {
namespace {

TEST(MakeModel, WritesTheGeneratedModelAndItsTokenizer) {
  const std::string model = temp_path("m.bin"), tok = temp_path("t.bin");
  const ProcessResult r = run_process({wafervp(), "make-model", "--dim", "32", "--hidden-dim", "64", "--layers", "1",
                                       "--heads", "2", "--kv-heads", "1", "--vocab", "400", "--seq-len", "16", "--seed", "3",
                                       "--separate-classifier", "--out", model, "--tokenizer", tok});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const llama::Model m = llama::read_checkpoint(model);
  EXPECT_EQ(m.config.dim, 32);
  EXPECT_EQ(m.config.n_kv_heads, 1);
  EXPECT_FALSE(m.config.shared_classifier);
  EXPECT_EQ(m.weights.data, llama::generate_model(m.config, 3).weights.data);
  const llama::Tokenizer t = llama::Tokenizer::read(tok, 400);
  EXPECT_EQ(t.piece(llama::kBos), "\n<s>\n");
}

TEST(MakeModel, BadDimensionsAreRefusedAndNothingIsWritten) {
  const std::string model = temp_path("bad.bin"), tok = temp_path("bad_t.bin");
  const ProcessResult r =
      run_process({wafervp(), "make-model", "--vocab", "100", "--out", model, "--tokenizer", tok});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("vocab_size 100 must be in [354,"), std::string::npos) << r.err;
  EXPECT_TRUE(read_file(model).empty());
  const ProcessResult heads = run_process({wafervp(), "make-model", "--heads", "3", "--out", model, "--tokenizer", tok});
  EXPECT_EQ(heads.exit_code, 2);
  EXPECT_NE(heads.err.find("dim 64 is not a multiple of n_heads 3"), std::string::npos) << heads.err;
}

}  // namespace
}  // namespace wvp::test
