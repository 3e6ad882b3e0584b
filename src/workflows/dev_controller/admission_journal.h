#pragma once
// AdmissionJournal: the durable record of admitted, undecided events (D14). An event a node
// answers "accepted" is in the journal before the answer, so it survives kill -9 and is pending
// again after the restart.
//
// Layout: one entry per admitted request, `j:` be64(sequence) → encode_event_batch(its events).
// An entry is deleted once every event it holds was released (forgotten by the mempool), so a
// batch of 500 events costs one put and one delete, not 500 of each. An event is counted under
// the first entry that holds it; a second copy (another request racing with the first) is
// carried by its entry but not counted there.
//
// Thread safety: every method is thread-safe; writes go to the ChainStore (one write each).

#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "chain/event.h"
#include "chain/store.h"

namespace klyn::dev_controller {

class AdmissionJournal {
 public:
  explicit AdmissionJournal(chain::ChainStore& store) : store_(store) {}

  // Journals `events` (hashes[i] is the hash of *events[i]) as one entry. Errors: the store's
  // (storage_full, ...); then nothing was journaled.
  Status add(const std::vector<const chain::Event*>& events, const std::vector<Hash32>& hashes);
  // The mempool no longer holds these events: entries left with none are deleted. A failed
  // delete leaves an entry that the next load() finds decided.
  Status release(const std::vector<Hash32>& hashes);
  // At start: every journaled event, oldest entry first, each tracked as added. Errors:
  // storage_corrupt for an entry that does not decode.
  Result<std::vector<std::pair<Hash32, chain::Event>>> load();

  size_t entries() const;  // entries not yet deleted
  size_t tracked() const;  // events counted

 private:
  struct HashKey {
    size_t operator()(const Hash32& h) const;
  };
  chain::ChainStore& store_;
  mutable std::mutex mu_;
  uint64_t next_ = 1;
  std::unordered_map<uint64_t, size_t> remaining_;          // entry -> events counted in it
  std::unordered_map<Hash32, uint64_t, HashKey> entry_of_;  // event -> its entry
};

}  // namespace klyn::dev_controller
