#pragma once
// ChainStore: one RocksDB database per symbiote (CHAINDATA/<symbiote-id>/), key layout in
// chain/README.md. Thread safety: all methods may be called from any thread; reads see the last
// committed WriteBatch (RocksDB guarantees batch atomicity, C6). Only one writer at a time
// commits state (the symbiote's applier); workflows may write their own prefixes concurrently.

#include <functional>
#include <memory>
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
}  // namespace rocksdb

namespace klyn::chain {

struct StoreOptions {
  bool sync_writes =
      false;  // fsync every batch (power-loss safety); the WAL alone survives kill -9
  size_t block_cache_bytes = 64 << 20;
  bool read_only = false;
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

class ChainStore {
 public:
  // Opens (creating if needed) the database at `path` for `genesis`. A new database gets the
  // genesis state in one batch; an existing one must belong to the same symbiote id.
  static Result<std::unique_ptr<ChainStore>> open(const std::string& path, const Genesis& genesis,
                                                  const StoreOptions& options = {});
  ~ChainStore();

  std::optional<std::string> get(std::string_view key) const;
  Status put(std::string_view key, std::string_view value);
  Status write(rocksdb::WriteBatch& batch);
  // Calls fn(key, value) for keys starting with `prefix`, in order, from `start` (>= prefix);
  // stops when fn returns false.
  void scan(std::string_view prefix, std::string_view start,
            const std::function<bool(std::string_view, std::string_view)>& fn) const;

  Account account(const AccountId& id) const;  // empty Account when absent
  Height applied_height() const;
  Result<LtHash> lthash() const;
  std::optional<Hash32> state_root(Height h) const;
  const SymbioteId& symbiote_id() const { return id_; }
  Status flush();

 private:
  ChainStore() = default;
  std::unique_ptr<rocksdb::DB> db_;
  SymbioteId id_{};
  bool sync_ = false;
};

}  // namespace klyn::chain
