#pragma once
// AdmissionJournal: the durable record of admitted, undecided events (D14). An event a node
// answers "accepted" is in the journal before the answer, so it survives kill -9 and is pending
// again after the restart.
//
// Layout: an append log (chain/append_log.h, S7) in CHAINDATA/<id>/admission/, one record per
// admitted request holding encode_event_batch(its events). A record is released once every event
// it holds was released (forgotten by the mempool); a segment whose records are all released is
// deleted. So a request costs one write(2) and nothing more: no RocksDB write, no tombstone, no
// compaction (the journal's first version kept `j:` entries in RocksDB and cost 25 % more CPU per
// single-event request). An event is counted under the first record that holds it; a second copy
// (another request racing with the first) is carried by its record but not counted there.
//
// Entries an older version kept in the chain store (`j:` be64(seq) -> batch) are moved into the
// log by load() and deleted from the store.
//
// Thread safety: every method is thread-safe.

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "chain/append_log.h"
#include "chain/event.h"
#include "chain/store.h"

namespace klyn::kit {

class AdmissionJournal {
 public:
  AdmissionJournal(chain::ChainStore& store, std::filesystem::path dir,
                   chain::AppendLog::Options options)
      : store_(store), dir_(std::move(dir)), options_(options) {}

  // Opens the journal: every journaled event, oldest record first, each tracked as added. Call
  // once, before add(). Errors: storage_corrupt (a damaged record: file and offset), storage_io.
  Result<std::vector<std::pair<Hash32, chain::Event>>> load();
  // load() and admit every journaled event again, as a node does at start (D14): each sender's
  // events lowest nonce first. The journal releases the events `decided` says the chain already
  // decided (their records are committed; not admitted), and those `admit` refuses.
  struct Restored {
    size_t pending = 0;  // admitted again
    size_t decided = 0;  // released: decided before the restart
    size_t refused = 0;  // released: refused by `admit` now
  };
  Result<Restored> restore(const std::function<Result<bool>(const Hash32&)>& decided,
                           const std::function<bool(const chain::Event&, const Hash32&)>& admit);
  // Journals `events` (hashes[i] is the hash of *events[i]) as one record. Errors: storage_full,
  // storage_io; then nothing was journaled.
  Status add(const std::vector<const chain::Event*>& events, const std::vector<Hash32>& hashes);
  // The mempool no longer holds these events: records left with none are released.
  void release(const std::vector<Hash32>& hashes);

  size_t entries() const;   // records not yet released
  size_t tracked() const;   // events counted
  size_t segments() const;  // segment files of the log

 private:
  struct HashKey {
    size_t operator()(const Hash32& h) const;
  };
  struct Entry {
    size_t remaining = 0;  // events counted in it and not released
    uint64_t segment = 0;
  };
  // Counts the events of a record (under mu_): the indexes of those counted here (the first
  // copy of each); empty when it carries nothing new.
  std::vector<size_t> track(uint64_t seq, uint64_t segment, const std::vector<Hash32>& hashes);
  Status migrate_store_entries(std::vector<std::pair<Hash32, chain::Event>>& out);

  chain::ChainStore& store_;
  std::filesystem::path dir_;
  chain::AppendLog::Options options_;
  std::unique_ptr<chain::AppendLog> log_;
  mutable std::mutex mu_;
  uint64_t next_ = 1;
  std::unordered_map<uint64_t, Entry> entries_;             // by record
  std::unordered_map<Hash32, uint64_t, HashKey> entry_of_;  // event -> its record
};

}  // namespace klyn::kit
