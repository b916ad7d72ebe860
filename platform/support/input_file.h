// Input files (ELF, config, checkpoint, tokenizer) checked before they are read: a directory, a
// device such as /dev/zero (endless), a FIFO (blocks on open) or a file far larger than any valid
// one must be refused, not read. Each loader puts the path and its own error type around the
// problem these return.
#pragma once
#include <cstdint>
#include <string>

namespace wvp {

// What is wrong with `path` as an input file of at most `max_bytes`: "cannot open <noun>", "is a
// directory", "is not a regular file (a device, FIFO or socket)" or "is N bytes, more than the M a
// valid one can have"; "" when it is a regular file, with its size in `size`.
std::string input_file_problem(const std::string& path, const std::string& noun, uint64_t max_bytes, uint64_t& size);

// The same checks, then the whole file into `bytes`; the problem, or "" when it was read.
std::string read_input_file(const std::string& path, const std::string& noun, uint64_t max_bytes, std::string& bytes);

}  // namespace wvp
