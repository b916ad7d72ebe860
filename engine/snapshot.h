// Checkpoint files (docs/checkpoint.md): the whole state of a platform, written at one cycle and
// read back into a platform built from the same config and ELF, which then continues as if it
// had never stopped.
//
// Every stateful part has one `checkpoint(Snapshot&)` that both saves and restores: it names
// each of its fields once, through io(), and the snapshot copies the field out (saving) or in
// (restoring). One function for both directions means the two cannot drift apart. A part's
// fields form a section of their own (Snapshot::Section), whose name and length the file
// records, so a file from another build or layout is refused naming the section, never read
// as garbage.
#pragma once
#include <concepts>
#include <cstdint>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace wvp {

// A checkpoint file that cannot be written or read, or that belongs to another platform; the
// message names the file, and the section and what differs.
struct CheckpointError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What a run is asked to do with checkpoints (--checkpoint-at CYCLE FILE, --restore FILE).
struct CheckpointOptions {
  // Write the whole platform's state to `path` at the first scheduling step (a quantum round, a
  // study's chunk of cycles) that begins at or after this cycle, and go on.
  uint64_t at_cycle = UINT64_MAX;
  std::string path;
  // Continue from that state, given the same config and program.
  std::string restore_path;
};

class Snapshot;

template <typename T>
concept Checkpointed = requires(T& t, Snapshot& s) { t.checkpoint(s); };

class Snapshot {
 public:
  static constexpr char kMagic[8] = {'W', 'V', 'P', 'C', 'K', 'P', 'T', '\n'};
  static constexpr uint32_t kFormatVersion = 3;

  // What the file is of; restoring refuses a file whose identity differs from the platform's.
  struct Identity {
    uint64_t cycle = 0;      // the cluster's time at the checkpoint
    std::string config;      // the config, one key per line (platform/config's listing)
    std::string program;     // the ELF's path, for messages
    uint64_t program_hash = 0;  // of the ELF's bytes
  };

  // Opens `path` for writing and writes the header.
  static Snapshot save(const std::string& path, const Identity& identity);
  // Opens `path`, reads the header and checks it against `expected` (its cycle is ignored);
  // throws CheckpointError naming the first config key that differs, or another program.
  static Snapshot restore(const std::string& path, const Identity& expected);
  // The header of a checkpoint file alone.
  static Identity read_identity(const std::string& path);

  Snapshot(Snapshot&&) noexcept;
  ~Snapshot();

  bool restoring() const { return restoring_; }
  const Identity& identity() const { return identity_; }
  const std::string& path() const { return path_; }
  uint64_t bytes();  // written or read so far
  // Saving: writes the digest of every field and puts everything on disk. Restoring: checks
  // that the file ends there and that its digest is that of the fields read, so that a file
  // damaged anywhere is refused before the run goes on from it. Throws CheckpointError.
  void close();

  // A named section: its fields between construction and destruction. Restoring checks the name
  // and, at the end, that the section was read to its last byte.
  class Section {
   public:
    Section(Snapshot& s, const char* name);
    ~Section() noexcept(false);
    Section(const Section&) = delete;
    Section& operator=(const Section&) = delete;

   private:
    Snapshot& s_;
    std::string name_;
    uint64_t start_;      // offset of the payload
    uint64_t length_ = 0; // restoring: as recorded
    uint64_t outer_end_ = UINT64_MAX;  // restoring: the end of the section around it
    int uncaught_;
  };

  // Fields. Plain data is copied as its bytes (this host's layout: a checkpoint is read back by
  // the build that wrote it, which the section lengths check).
  template <typename T>
    requires std::is_trivially_copyable_v<T> && (!Checkpointed<T>)
  void io(T& v) { raw(&v, sizeof v); }
  template <Checkpointed T>
  void io(T& v) { v.checkpoint(*this); }
  void io(std::string& v);
  template <typename T>
  void io(std::vector<T>& v);
  void io(std::vector<bool>& v);
  template <typename T>
  void io(std::deque<T>& v);
  template <typename T>
  void io(std::optional<T>& v);
  template <typename T>
  void io(std::unique_ptr<T>& v);  // present or not, and the pointee
  template <typename K, typename V>
  void io(std::map<K, V>& v);
  // Unordered maps are written in key order: the file must not depend on the hash table's layout.
  template <typename K, typename V>
  void io(std::unordered_map<K, V>& v);
  // Priority queues keep their heap's exact order: elements that compare equal may differ.
  template <typename T, typename C, typename P>
  void io(std::priority_queue<T, C, P>& q);
  template <typename A, typename B>
  void io(std::pair<A, B>& v) {
    io(v.first);
    io(v.second);
  }
  template <typename... T>
  void fields(T&... v) { (io(v), ...); }

  void raw(void* data, uint64_t size);
  // A count of elements to come; restoring refuses one larger than the section could hold at
  // `element_bytes` each (at least).
  uint64_t count(uint64_t n, uint64_t element_bytes = 1);
  // The least bytes an element of type T takes in the file.
  template <typename T>
  static constexpr uint64_t least_bytes() {
    if constexpr (std::is_trivially_copyable_v<T> && !Checkpointed<T>) return sizeof(T);
    else return 1;
  }
  // Restoring: throws CheckpointError unless the file holds `expected` here (a size the platform
  // fixes, such as the number of tiles), naming `what`.
  void expect(uint64_t value, const char* what);
  [[noreturn]] void fail(const std::string& why) const;

 private:
  Snapshot(const std::string& path, bool restoring);
  // raw() without the digest: the section lengths, patched in after their payload is written.
  void transfer(void* data, uint64_t size);
  void digest(const void* data, uint64_t size);
  void write_identity();
  void read_identity_fields();

  std::string path_;
  bool restoring_;
  std::fstream file_;
  Identity identity_;
  std::vector<std::string> sections_;  // open ones, outermost first, for messages
  uint64_t section_end_ = UINT64_MAX;  // restoring: where the innermost section (or the file) ends
  uint64_t digest_ = 0xcbf29ce484222325ull;  // of every field, FNV-1a over 64-bit words
};

template <typename T>
void Snapshot::io(std::vector<T>& v) {
  const uint64_t n = count(v.size(), least_bytes<T>());
  if (restoring_) v.resize(n);
  if constexpr (std::is_trivially_copyable_v<T> && !Checkpointed<T>) {
    if (n) raw(v.data(), n * sizeof(T));
  } else {
    for (T& e : v) io(e);
  }
}

template <typename T>
void Snapshot::io(std::deque<T>& v) {
  const uint64_t n = count(v.size(), least_bytes<T>());
  if (restoring_) v.resize(n);
  for (T& e : v) io(e);
}

template <typename T>
void Snapshot::io(std::optional<T>& v) {
  bool present = v.has_value();
  io(present);
  if (restoring_) v = present ? std::optional<T>(T{}) : std::nullopt;
  if (present) io(*v);
}

template <typename T>
void Snapshot::io(std::unique_ptr<T>& v) {
  bool present = v != nullptr;
  io(present);
  if (restoring_) v = present ? std::make_unique<T>() : nullptr;
  if (present) io(*v);
}

template <typename K, typename V>
void Snapshot::io(std::map<K, V>& v) {
  const uint64_t n = count(v.size(), least_bytes<K>() + least_bytes<V>());
  if (!restoring_) {
    for (auto& [k, e] : v) {
      K key = k;
      io(key);
      io(e);
    }
    return;
  }
  v.clear();
  for (uint64_t i = 0; i < n; ++i) {
    K key{};
    io(key);
    io(v[key]);
  }
}

template <typename K, typename V>
void Snapshot::io(std::unordered_map<K, V>& v) {
  std::map<K, V> ordered;
  if (!restoring_) ordered.insert(v.begin(), v.end());
  io(ordered);
  if (restoring_) v = std::unordered_map<K, V>(ordered.begin(), ordered.end());
}

template <typename T, typename C, typename P>
void Snapshot::io(std::priority_queue<T, C, P>& q) {
  // The container, as the heap lays it out: protected in std::priority_queue, reached through a
  // derived class as the standard allows.
  struct Heap : std::priority_queue<T, C, P> {
    static C& of(std::priority_queue<T, C, P>& q) { return q.*&Heap::c; }
  };
  io(Heap::of(q));
}

}  // namespace wvp
