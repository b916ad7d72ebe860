#include "engine/snapshot.h"

#include <exception>
#include <sstream>
#include <utility>

namespace wvp {

namespace {

// The first line of `a` that `b` lacks (or the reverse): "key=value" lines name their key.
std::string first_difference(const std::string& there, const std::string& here) {
  std::istringstream a(there), b(here);
  std::string la, lb;
  for (;;) {
    const bool more_a = static_cast<bool>(std::getline(a, la)), more_b = static_cast<bool>(std::getline(b, lb));
    if (!more_a && !more_b) return {};
    if (more_a && more_b && la == lb) continue;
    if (!more_a) return lb + " here, not in the checkpoint";
    if (!more_b) return la + " in the checkpoint, not here";
    return la + " in the checkpoint, " + lb + " here";
  }
}

}  // namespace

Snapshot::Snapshot(const std::string& path, bool restoring) : path_(path), restoring_(restoring) {
  file_.open(path, restoring ? std::ios::in | std::ios::binary : std::ios::out | std::ios::trunc | std::ios::binary);
  if (!file_) throw CheckpointError(path + ": cannot " + (restoring ? "read" : "write") + " the checkpoint");
  if (restoring) {
    // The file's end bounds every count read outside a section: a damaged one cannot ask for
    // more memory than the file could fill.
    file_.seekg(0, std::ios::end);
    section_end_ = static_cast<uint64_t>(file_.tellg());
    file_.seekg(0);
    if (!file_) throw CheckpointError(path + ": cannot read the checkpoint");
  }
}

Snapshot::Snapshot(Snapshot&&) noexcept = default;
Snapshot::~Snapshot() = default;

Snapshot Snapshot::save(const std::string& path, const Identity& identity) {
  Snapshot s(path, false);
  s.identity_ = identity;
  s.write_identity();
  return s;
}

Snapshot Snapshot::restore(const std::string& path, const Identity& expected) {
  Snapshot s(path, true);
  s.read_identity_fields();
  if (s.identity_.program_hash != expected.program_hash)
    throw CheckpointError(path + ": a checkpoint of another program (" + s.identity_.program + "), not of " + expected.program);
  if (s.identity_.config != expected.config)
    throw CheckpointError(path + ": a checkpoint of another config: " + first_difference(s.identity_.config, expected.config));
  return s;
}

Snapshot::Identity Snapshot::read_identity(const std::string& path) {
  Snapshot s(path, true);
  s.read_identity_fields();
  return s.identity_;
}

void Snapshot::write_identity() {
  transfer(const_cast<char*>(kMagic), sizeof kMagic);
  uint32_t version = kFormatVersion;
  fields(version, identity_.cycle, identity_.config, identity_.program, identity_.program_hash);
}

void Snapshot::read_identity_fields() {
  char magic[sizeof kMagic] = {};
  file_.read(magic, sizeof magic);
  if (!file_ || std::memcmp(magic, kMagic, sizeof magic) != 0) throw CheckpointError(path_ + ": not a wafervp checkpoint");
  uint32_t version = 0;
  io(version);
  if (version != kFormatVersion)
    throw CheckpointError(path_ + ": checkpoint format version " + std::to_string(version) + ", this wafervp reads version " +
                          std::to_string(kFormatVersion));
  fields(identity_.cycle, identity_.config, identity_.program, identity_.program_hash);
}

uint64_t Snapshot::bytes() {
  return static_cast<uint64_t>(restoring_ ? file_.tellg() : file_.tellp());
}

void Snapshot::close() {
  uint64_t stored = digest_;
  transfer(&stored, sizeof stored);
  if (restoring_) {
    if (stored != digest_) fail("damaged: its digest does not match its contents");
    if (file_.peek() != std::char_traits<char>::eof()) fail("more bytes after the last section (written by another build?)");
  }
  file_.close();
  if (!restoring_ && file_.fail()) fail("cannot write (disk full?)");
}

void Snapshot::digest(const void* data, uint64_t size) {
  constexpr uint64_t kPrime = 0x100000001b3ull;
  const auto* bytes = static_cast<const unsigned char*>(data);
  uint64_t i = 0;
  for (; i + 8 <= size; i += 8) {
    uint64_t word;
    std::memcpy(&word, bytes + i, 8);
    digest_ = (digest_ ^ word) * kPrime;
  }
  for (; i < size; ++i) digest_ = (digest_ ^ bytes[i]) * kPrime;
}

void Snapshot::fail(const std::string& why) const {
  std::string where;
  for (const std::string& s : sections_) where += (where.empty() ? "" : "/") + s;
  throw CheckpointError(path_ + (where.empty() ? "" : ": section " + where) + ": " + why);
}

void Snapshot::raw(void* data, uint64_t size) {
  if (!restoring_) digest(data, size);
  transfer(data, size);
  if (restoring_) digest(data, size);
}

void Snapshot::transfer(void* data, uint64_t size) {
  if (restoring_) {
    if (static_cast<uint64_t>(file_.tellg()) + size > section_end_)
      fail(sections_.empty() ? "the file ends early (truncated?)" : "more fields than the section holds (written by another build?)");
    file_.read(static_cast<char*>(data), static_cast<std::streamsize>(size));
    if (!file_) fail("the file ends early (truncated?)");
  } else {
    file_.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!file_) fail("cannot write (disk full?)");
  }
}

uint64_t Snapshot::count(uint64_t n, uint64_t element_bytes) {
  io(n);
  if (restoring_ && element_bytes &&
      n > (section_end_ - static_cast<uint64_t>(file_.tellg())) / element_bytes)
    fail("a count of " + std::to_string(n) + " elements, more than the section holds");
  return n;
}

void Snapshot::expect(uint64_t value, const char* what) {
  uint64_t stored = value;
  io(stored);
  if (stored != value) fail(std::string(what) + " is " + std::to_string(stored) + " in the checkpoint, " + std::to_string(value) + " here");
}

void Snapshot::io(std::string& v) {
  const uint64_t n = count(v.size());
  if (restoring_) v.resize(n);
  if (n) raw(v.data(), n);
}

void Snapshot::io(std::vector<bool>& v) {
  const uint64_t n = count(v.size(), 1);
  std::vector<uint8_t> bytes(v.begin(), v.end());
  if (restoring_) bytes.resize(n);
  if (n) raw(bytes.data(), n);
  if (restoring_) v.assign(bytes.begin(), bytes.end());
}

Snapshot::Section::Section(Snapshot& s, const char* name)
    : s_(s), name_(name), start_(0), uncaught_(std::uncaught_exceptions()) {
  std::string stored = name_;
  s_.io(stored);
  s_.sections_.push_back(name_);
  if (s_.restoring_ && stored != name_) s_.fail("found section " + stored + " (written by another build?)");
  s_.transfer(&length_, sizeof length_);
  start_ = static_cast<uint64_t>(s_.restoring_ ? s_.file_.tellg() : s_.file_.tellp());
  if (s_.restoring_) {
    if (start_ + length_ > s_.section_end_) s_.fail("longer than the section around it");
    outer_end_ = std::exchange(s_.section_end_, start_ + length_);
  }
}

Snapshot::Section::~Section() noexcept(false) {
  const bool unwinding = std::uncaught_exceptions() > uncaught_;
  if (s_.restoring_) {
    const uint64_t end = std::exchange(s_.section_end_, outer_end_);
    if (!unwinding && static_cast<uint64_t>(s_.file_.tellg()) != end) s_.fail("fewer fields than the section holds (written by another build?)");
  } else if (!unwinding) {
    const uint64_t end = static_cast<uint64_t>(s_.file_.tellp());
    uint64_t length = end - start_;
    s_.file_.seekp(static_cast<std::streamoff>(start_ - sizeof length));
    s_.file_.write(reinterpret_cast<const char*>(&length), sizeof length);
    s_.file_.seekp(static_cast<std::streamoff>(end));
    if (!s_.file_) s_.fail("cannot write (disk full?)");
  }
  s_.sections_.pop_back();
}

}  // namespace wvp
