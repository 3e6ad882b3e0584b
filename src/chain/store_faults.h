#pragma once
// StoreFaults: fault injection under a ChainStore's RocksDB, for tests of every writing and
// reading path (LevelDB's fault_injection_test habit). Given in StoreOptions::faults, it wraps
// the file system RocksDB uses, so RocksDB's own error handling runs exactly as it would on a
// failing disk: writes and syncs fail with ENOSPC or EIO, table reads fail or return flipped
// bytes (which RocksDB's block checksums then catch).
//
// Thread safety: the switches may be flipped from any thread while the store runs.

#include <atomic>
#include <memory>

namespace rocksdb {
class Env;
}

namespace klyn::chain {

class StoreFaults {
 public:
  enum class Writes { ok, no_space, io_error };
  void set_writes(Writes w) { writes_ = w; }
  // Reads of table files (.sst) fail with EIO / return damaged bytes.
  void set_fail_reads(bool on) { fail_reads_ = on; }
  void set_corrupt_reads(bool on) { corrupt_reads_ = on; }

  Writes writes() const { return writes_; }
  bool fail_reads() const { return fail_reads_; }
  bool corrupt_reads() const { return corrupt_reads_; }

  // An Env over the default one whose file system obeys the switches above (used by
  // ChainStore::open; it keeps a reference to this object).
  std::unique_ptr<rocksdb::Env> make_env();

 private:
  std::atomic<Writes> writes_{Writes::ok};
  std::atomic<bool> fail_reads_{false}, corrupt_reads_{false};
};

}  // namespace klyn::chain
