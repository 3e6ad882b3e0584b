#pragma once
// ChainStore: one RocksDB database per symbiote (CHAINDATA/<symbiote-id>/), key layout in
// chain/README.md. Thread safety: all methods may be called from any thread; reads see the last
// committed WriteBatch (RocksDB guarantees batch atomicity, C6). Only one writer at a time
// commits state (the symbiote's applier); workflows may write their own prefixes concurrently.
//
// Integrity (S1–S6 in chain/README.md): a read tells "absent" (an empty optional) from "could not
// be read" (an Error); every corruption or I/O error is also remembered as the store's fault(),
// which never clears: the symbiote stops there and serves nothing from this database. Running out
// of disk space (or going below the configured free-space floor) is not a fault but a pressure
// state: writes are refused with `storage_full`. Below the floor, the store resumes by itself
// once space returns (writable() re-checks at most once a second); once RocksDB itself failed a
// write (ENOSPC past the floor), it takes no more writes until the next open.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "chain/account.h"
#include "chain/genesis.h"
#include "chain/state_root.h"
#include "common/result.h"

namespace rocksdb {
class DB;
class WriteBatch;
class Env;
}  // namespace rocksdb

namespace klyn::chain {

class StoreFaults;  // store_faults.h: fault injection for tests

struct StoreOptions {
  bool sync_writes =
      false;  // fsync every batch (power-loss safety); the WAL alone survives kill -9
  size_t block_cache_bytes = 64 << 20;
  size_t write_buffer_bytes = 32 << 20;  // memtable size (also about the WAL preallocation)
  bool read_only = false;
  // Writes are refused (storage_full) while the file system holding the database has less free
  // space than this, before RocksDB itself runs out. 0 = no floor.
  uint64_t min_free_bytes = 0;
  // How often the applied height is made durable and recorded in the durability mark (S3).
  std::chrono::milliseconds mark_interval{1000};
  // Tests only: inject failing or corrupting file operations under RocksDB.
  std::shared_ptr<StoreFaults> faults;
};

// Key builders (the single place that knows the layout).
namespace keys {
std::string account(const AccountId& id);
std::string unlock(Height h, const AccountId& id);
std::string event(const Hash32& hash);
std::string root(Height h);
// Checkpoint records (C9): "k:" source ‖ be64(index) ‖ event hash; the prefix of one source.
std::string checkpoint(const Hash32& source, uint64_t index, const Hash32& event_hash);
std::string checkpoint_prefix(const Hash32& source);
inline constexpr std::string_view kGenesis = "m:genesis";
inline constexpr std::string_view kApplied = "m:applied";
inline constexpr std::string_view kLtHash = "m:lthash";
std::string be64(uint64_t v);
uint64_t read_be64(std::string_view s);
}  // namespace keys

// A set of puts and deletes written at once by ChainStore::write (all or nothing). The only
// batch type outside the storage module.
class WriteBatch {
 public:
  WriteBatch();
  ~WriteBatch();
  WriteBatch(WriteBatch&&) noexcept;
  WriteBatch& operator=(WriteBatch&&) noexcept;
  void put(std::string_view key, std::string_view value);
  void put(std::string_view key, ByteSpan value);
  void del(std::string_view key);
  size_t count() const;
  bool empty() const { return count() == 0; }
  void clear();

 private:
  friend class ChainStore;
  std::unique_ptr<rocksdb::WriteBatch> b_;
};

class ChainStore {
 public:
  // Opens (creating if needed) the database at `path` for `genesis`. A new database gets the
  // genesis state in one batch; an existing one must belong to the same symbiote id and pass
  // the start-up checks (S2, S3): a damaged WAL, a missing file or a lost tail is refused with
  // error code `storage_corrupt`.
  static Result<std::unique_ptr<ChainStore>> open(const std::string& path, const Genesis& genesis,
                                                  const StoreOptions& options = {});
  ~ChainStore();

  // The value of `key`, an empty optional when absent; an Error when it cannot be read
  // (storage_corrupt, storage_io), which also becomes fault().
  Result<std::optional<std::string>> get(std::string_view key) const;
  Status put(std::string_view key, std::string_view value);
  // Errors: storage_full (transient, see writable()), storage_io / storage_corrupt (fault()).
  Status write(WriteBatch& batch);
  // Calls fn(key, value) for keys starting with `prefix`, in order, from `start` (>= prefix);
  // stops when fn returns false. A read error ends the scan with that error.
  Status scan(std::string_view prefix, std::string_view start,
              const std::function<bool(std::string_view, std::string_view)>& fn) const;

  Result<Account> account(const AccountId& id) const;  // empty Account when absent
  Result<Height> applied_height() const;
  Result<LtHash> lthash() const;
  Result<std::optional<Hash32>> state_root(Height h) const;
  const SymbioteId& symbiote_id() const { return id_; }
  // Syncs the WAL and records the applied height in the durability mark (S3).
  Status flush();
  // Syncs the WAL only: what was written so far survives a crash (one fdatasync; the mark, which
  // costs a file write, two fsyncs and a rename, moves with flush() and note_applied()).
  Status sync_wal();
  // Called by the applier after each committed block at `height`: at most every mark_interval
  // the WAL is synced and the durability mark advanced to `height` (S3).
  void note_applied(Height height);

  // The first corruption or I/O error seen (sticky); nullopt while healthy.
  std::optional<Error> fault() const;
  // Whether writes can be taken now: ok, or storage_full (below the floor or out of space; the
  // store retries RocksDB's recovery once space is back) or the fault. Cheap: the free-space
  // check runs at most once a second.
  Status writable() const;
  // Reads every table file and its checksums (a full scrub; seconds per GiB). A mismatch is
  // returned as storage_corrupt and becomes fault().
  Status verify_checksums() const;
  const std::string& path() const { return path_; }

 private:
  ChainStore() = default;
  Status check_consistency(const Genesis& genesis) const;
  Error remember(const Error& e) const;  // records a fault; returns e
  Status write_mark(Height h);
  void refresh_space(bool force) const;

  std::unique_ptr<rocksdb::Env> env_;  // only with StoreOptions::faults
  std::unique_ptr<rocksdb::DB> db_;
  std::shared_ptr<StoreFaults> faults_;
  SymbioteId id_{};
  std::string path_;
  bool sync_ = false;
  bool read_only_ = false;
  bool open_ok_ = false;  // passed the start-up checks (only then may the mark move)
  uint64_t min_free_ = 0;
  std::chrono::milliseconds mark_interval_{1000};

  mutable std::mutex state_mu_;
  mutable std::optional<Error> fault_;
  mutable bool full_ = false;       // out of space (RocksDB's error) or below the floor
  mutable uint64_t last_free_ = 0;  // free bytes at the last check (0 = not checked yet)
  mutable std::string full_reason_;
  // steady_clock ticks of the last free-space check; checks are at most this far apart.
  static constexpr int64_t kSpaceCheckEvery =
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::seconds(1))
          .count();
  mutable std::atomic<int64_t> space_checked_{0};
  mutable std::atomic<bool> has_fault_{false}, is_full_{false};  // lock-free mirrors
  std::atomic<bool> wal_failed_{false};  // a RocksDB write failed: no more writes or syncs

  std::mutex mark_mu_;
  std::chrono::steady_clock::time_point marked_at_{};
  Height marked_ = 0;
};

}  // namespace klyn::chain
